//! Ratings of confirmed orders and the sums a provider's score is made of.

use super::models::RatingRow;
use super::schema::order_ratings;
use super::DbConnection;
use crate::domain::id::{OrderId, ProviderId};
use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sum};
use diesel::prelude::*;

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

/// How many ratings, and their aspects added: all of them (`None`) or a provider's.
pub fn totals(conn: &mut DbConnection, provider: Option<&ProviderId>) -> QueryResult<(i64, i64)> {
    let mut q = order_ratings::table.into_boxed();
    if let Some(p) = provider {
        q = q.filter(order_ratings::provider_id.eq(p));
    }
    let (n, q_sum, t_sum, v_sum): (i64, Option<i64>, Option<i64>, Option<i64>) = q
        .select((
            count_star(),
            sum(order_ratings::quality),
            sum(order_ratings::timeliness),
            sum(order_ratings::value),
        ))
        .first(conn)?;
    Ok((n, q_sum.unwrap_or(0) + t_sum.unwrap_or(0) + v_sum.unwrap_or(0)))
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
