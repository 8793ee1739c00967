//! Ratings of confirmed orders and the sums a provider's score is made of.

use super::models::RatingRow;
use super::schema::{order_ratings, provider_scores};
use super::tallies::sum_fen;
use super::DbConnection;
use crate::domain::id::{OrderId, ProviderId};
use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use std::collections::BTreeMap;

/// Stores `row`; false when the order is rated already (the caller holds the order's
/// lock and looked first: this is the key's backstop).
pub fn insert(conn: &mut DbConnection, row: &RatingRow) -> QueryResult<bool> {
    use diesel::result::{DatabaseErrorKind, Error};
    match diesel::insert_into(order_ratings::table).values(row).execute(conn) {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn get(conn: &mut DbConnection, order_id: &OrderId) -> QueryResult<Option<RatingRow>> {
    order_ratings::table.find(order_id).first(conn).optional()
}

/// Sets the answer of `order_id`'s rating unless it has one; whether it was set.
pub fn answer(
    conn: &mut DbConnection,
    order_id: &OrderId,
    text: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        order_ratings::table
            .filter(order_ratings::order_id.eq(order_id))
            .filter(order_ratings::answer.is_null()),
    )
    .set((order_ratings::answer.eq(text), order_ratings::answered_at.eq(at)))
    .execute(conn)?;
    Ok(n == 1)
}

/// How many ratings, and their aspects added, as kept per provider: all providers'
/// (`None`) or one's.
pub fn totals(conn: &mut DbConnection, provider: Option<&ProviderId>) -> QueryResult<(i64, i64)> {
    let mut q = provider_scores::table.into_boxed();
    if let Some(p) = provider {
        q = q.filter(provider_scores::provider_id.eq(p));
    }
    q.select((sum_fen("provider_scores.ratings"), sum_fen("provider_scores.rating_total")))
        .first(conn)
}

/// Each rated provider's kept count and total.
pub fn kept(conn: &mut DbConnection) -> QueryResult<BTreeMap<String, (i64, i64)>> {
    let rows: Vec<(String, i64, i64)> = provider_scores::table
        .select((
            provider_scores::provider_id,
            provider_scores::ratings,
            provider_scores::rating_total,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(p, n, t)| (p, (n, t))).collect())
}

/// Each rated provider's count and total, added up from the ratings.
pub fn counted(conn: &mut DbConnection) -> QueryResult<BTreeMap<String, (i64, i64)>> {
    let rows: Vec<(String, i64, i64)> = order_ratings::table
        .group_by(order_ratings::provider_id)
        .select((
            order_ratings::provider_id,
            count_star(),
            sum_fen("order_ratings.quality + order_ratings.timeliness + order_ratings.value"),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(p, n, t)| (p, (n, t))).collect())
}

/// A provider's ratings, newest first, a page of them.
pub fn of_provider(
    conn: &mut DbConnection,
    provider: &ProviderId,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<RatingRow>> {
    order_ratings::table
        .filter(order_ratings::provider_id.eq(provider))
        .order((order_ratings::rated_at.desc(), order_ratings::order_id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)
}

/// A listed provider as the public list shows it: id, name, credit code, description,
/// listed since, and its kept ratings (how many, their aspects added; none before one).
pub type PublicProviderRow =
    (ProviderId, String, String, String, Option<NaiveDateTime>, Option<i64>, Option<i64>);

/// Listed providers by name (or one, `only`), a page of them, and how many there are.
pub fn listed_providers(
    conn: &mut DbConnection,
    only: Option<&ProviderId>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<PublicProviderRow>, i64)> {
    use super::schema::providers;
    let base = || {
        let mut q = providers::table
            .left_join(provider_scores::table)
            .filter(
                providers::listing_status.eq(crate::domain::party::ListingStatus::Listed.as_str()),
            )
            .into_boxed();
        if let Some(p) = only {
            q = q.filter(providers::id.eq(p));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let rows = base()
        .order((providers::name.asc(), providers::id.asc()))
        .select((
            providers::id,
            providers::name,
            providers::credit_code,
            providers::description,
            providers::listed_at,
            provider_scores::ratings.nullable(),
            provider_scores::rating_total.nullable(),
        ))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// The categories of each of `providers`.
pub fn categories_of(
    conn: &mut DbConnection,
    providers: &[String],
) -> QueryResult<BTreeMap<String, Vec<String>>> {
    use super::schema::provider_categories;
    let rows: Vec<(String, String)> = provider_categories::table
        .filter(provider_categories::provider_id.eq_any(providers))
        .order((provider_categories::provider_id.asc(), provider_categories::category.asc()))
        .load(conn)?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (p, c) in rows {
        out.entry(p).or_default().push(c);
    }
    Ok(out)
}
