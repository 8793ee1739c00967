//! Authorities, firms, providers (with categories and objections) and spaces.

use super::models::{AuthorityRow, FirmRow, ObjectionRow, ProviderRow, SpaceRow};
use super::schema::{
    authorities, firms, provider_categories, provider_objections, providers, spaces,
};
use super::{holding, lower, DbConnection};
use crate::domain::id::{AnyParty, FirmId, ProviderId, SpaceId};
use crate::domain::listing::{Filter, Sort};
use crate::domain::party::{ListingStatus, ObjectionStatus, OnboardingStatus};
use crate::domain::CreditCode;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert_authority(conn: &mut DbConnection, row: &AuthorityRow) -> QueryResult<()> {
    diesel::insert_into(authorities::table).values(row).execute(conn).map(|_| ())
}

pub fn first_authority(conn: &mut DbConnection) -> QueryResult<Option<AuthorityRow>> {
    authorities::table.order(authorities::created_at.asc()).first(conn).optional()
}

/// Whether any firm, provider or space already uses this credit code.
pub fn credit_code_owner(
    conn: &mut DbConnection,
    code: &CreditCode,
) -> QueryResult<Option<&'static str>> {
    let f: bool =
        diesel::select(diesel::dsl::exists(firms::table.filter(firms::credit_code.eq(code))))
            .get_result(conn)?;
    if f {
        return Ok(Some("firm"));
    }
    let p: bool = diesel::select(diesel::dsl::exists(
        providers::table.filter(providers::credit_code.eq(code)),
    ))
    .get_result(conn)?;
    if p {
        return Ok(Some("provider"));
    }
    let s: bool =
        diesel::select(diesel::dsl::exists(spaces::table.filter(spaces::credit_code.eq(code))))
            .get_result(conn)?;
    Ok(s.then_some("space"))
}

// ---- firms ----

pub fn insert_firm(conn: &mut DbConnection, row: &FirmRow) -> QueryResult<()> {
    diesel::insert_into(firms::table).values(row).execute(conn).map(|_| ())
}

pub fn firm(conn: &mut DbConnection, id: &FirmId) -> QueryResult<Option<FirmRow>> {
    firms::table.find(id).first(conn).optional()
}

/// Reads a firm for update (a row lock on PostgreSQL; SQLite's write transaction
/// already excludes other writers).
pub fn firm_for_update(conn: &mut DbConnection, id: &FirmId) -> QueryResult<Option<FirmRow>> {
    first_for_update!(conn, firms::table.find(id))
}

pub fn update_firm(conn: &mut DbConnection, row: &FirmRow) -> QueryResult<usize> {
    diesel::update(firms::table.find(&row.id)).set(row).execute(conn)
}

/// With `verified`, only parties whose contact address is (or is not) verified.
/// Firms as a list asks: by onboarding state, words in the name or the whole credit
/// code, the day they registered here; with `verified`, only those whose contact
/// address is (or is not) verified.
pub fn list_firms(
    conn: &mut DbConnection,
    f: &Filter<OnboardingStatus>,
    verified: Option<bool>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<FirmRow>, i64)> {
    listed!(
        conn,
        firms,
        (offset, limit),
        |q| {
            if let Some(s) = f.status {
                q = q.filter(firms::onboarding_status.eq(s.as_str()));
            }
            match verified {
                Some(true) => q = q.filter(firms::contact_verified_at.is_not_null()),
                Some(false) => q = q.filter(firms::contact_verified_at.is_null()),
                None => {}
            }
            if let Some(w) = &f.words {
                q = q.filter(
                    lower(firms::name)
                        .like(holding(w))
                        .escape('\\')
                        .or(firms::credit_code.eq(w.to_uppercase())),
                );
            }
            if let Some(t) = f.from {
                q = q.filter(firms::created_at.ge(t));
            }
            if let Some(t) = f.before {
                q = q.filter(firms::created_at.lt(t));
            }
        },
        order
            | o
            | match f.sort {
                Sort::Oldest => o.order((firms::created_at.asc(), firms::id.asc())),
                Sort::Name => o.order((firms::name.asc(), firms::id.asc())),
                Sort::Newest | Sort::Largest | Sort::Cheapest | Sort::Rated =>
                    o.order((firms::created_at.desc(), firms::id.desc())),
            }
    )
}

pub fn count_firms(conn: &mut DbConnection) -> QueryResult<i64> {
    firms::table.count().get_result(conn)
}

// ---- spaces ----

pub fn insert_space(conn: &mut DbConnection, row: &SpaceRow) -> QueryResult<()> {
    diesel::insert_into(spaces::table).values(row).execute(conn).map(|_| ())
}

pub fn space(conn: &mut DbConnection, id: &SpaceId) -> QueryResult<Option<SpaceRow>> {
    spaces::table.find(id).first(conn).optional()
}

/// Spaces as a list asks: words in the name, the operator's name or the whole credit
/// code, the day they registered here.
pub fn list_spaces(
    conn: &mut DbConnection,
    f: &Filter<()>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<SpaceRow>, i64)> {
    listed!(
        conn,
        spaces,
        (offset, limit),
        |q| {
            if let Some(w) = &f.words {
                q = q.filter(
                    lower(spaces::name)
                        .like(holding(w))
                        .escape('\\')
                        .or(lower(spaces::operator_name).like(holding(w)).escape('\\'))
                        .or(spaces::credit_code.eq(w.to_uppercase())),
                );
            }
            if let Some(t) = f.from {
                q = q.filter(spaces::created_at.ge(t));
            }
            if let Some(t) = f.before {
                q = q.filter(spaces::created_at.lt(t));
            }
        },
        order
            | o
            | match f.sort {
                Sort::Oldest => o.order((spaces::created_at.asc(), spaces::id.asc())),
                Sort::Name => o.order((spaces::name.asc(), spaces::id.asc())),
                Sort::Newest | Sort::Largest | Sort::Cheapest | Sort::Rated =>
                    o.order((spaces::created_at.desc(), spaces::id.desc())),
            }
    )
}

// ---- providers ----

pub fn insert_provider(
    conn: &mut DbConnection,
    row: &ProviderRow,
    categories: &[String],
) -> QueryResult<()> {
    diesel::insert_into(providers::table).values(row).execute(conn)?;
    for c in categories {
        diesel::insert_into(provider_categories::table)
            .values((
                provider_categories::provider_id.eq(&row.id),
                provider_categories::category.eq(c),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces a provider's categories (its application corrected before listing).
pub fn set_provider_categories(
    conn: &mut DbConnection,
    id: &ProviderId,
    categories: &[String],
) -> QueryResult<()> {
    diesel::delete(provider_categories::table.filter(provider_categories::provider_id.eq(id)))
        .execute(conn)?;
    for c in categories {
        diesel::insert_into(provider_categories::table)
            .values((provider_categories::provider_id.eq(id), provider_categories::category.eq(c)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn provider(conn: &mut DbConnection, id: &ProviderId) -> QueryResult<Option<ProviderRow>> {
    providers::table.find(id).first(conn).optional()
}

pub fn provider_for_update(
    conn: &mut DbConnection,
    id: &ProviderId,
) -> QueryResult<Option<ProviderRow>> {
    first_for_update!(conn, providers::table.find(id))
}

pub fn update_provider(conn: &mut DbConnection, row: &ProviderRow) -> QueryResult<usize> {
    diesel::update(providers::table.find(&row.id)).set(row).execute(conn)
}

pub fn provider_categories(conn: &mut DbConnection, id: &ProviderId) -> QueryResult<Vec<String>> {
    provider_categories::table
        .filter(provider_categories::provider_id.eq(id))
        .select(provider_categories::category)
        .order(provider_categories::category.asc())
        .load(conn)
}

/// With `verified`, only parties whose contact address is (or is not) verified.
/// Providers as a list asks: by listing state, words in the name or the whole credit
/// code, the day they registered here; with `verified`, only those whose contact
/// address is (or is not) verified.
pub fn list_providers(
    conn: &mut DbConnection,
    f: &Filter<ListingStatus>,
    verified: Option<bool>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ProviderRow>, i64)> {
    listed!(
        conn,
        providers,
        (offset, limit),
        |q| {
            if let Some(s) = f.status {
                q = q.filter(providers::listing_status.eq(s.as_str()));
            }
            match verified {
                Some(true) => q = q.filter(providers::contact_verified_at.is_not_null()),
                Some(false) => q = q.filter(providers::contact_verified_at.is_null()),
                None => {}
            }
            if let Some(w) = &f.words {
                q = q.filter(
                    lower(providers::name)
                        .like(holding(w))
                        .escape('\\')
                        .or(providers::credit_code.eq(w.to_uppercase())),
                );
            }
            if let Some(t) = f.from {
                q = q.filter(providers::created_at.ge(t));
            }
            if let Some(t) = f.before {
                q = q.filter(providers::created_at.lt(t));
            }
        },
        order
            | o
            | match f.sort {
                Sort::Oldest => o.order((providers::created_at.asc(), providers::id.asc())),
                Sort::Name => o.order((providers::name.asc(), providers::id.asc())),
                Sort::Newest | Sort::Largest | Sort::Cheapest | Sort::Rated => {
                    o.order((providers::created_at.desc(), providers::id.desc()))
                }
            }
    )
}

/// Providers whose notice has ended by `now` and are still in notice.
pub fn notices_ended(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<ProviderId>> {
    providers::table
        .filter(providers::listing_status.eq("in_notice"))
        .filter(providers::notice_ends_at.le(now))
        .select(providers::id)
        .order(providers::notice_ends_at.asc())
        .load(conn)
}

pub fn insert_objection(conn: &mut DbConnection, row: &ObjectionRow) -> QueryResult<()> {
    diesel::insert_into(provider_objections::table).values(row).execute(conn).map(|_| ())
}

pub fn objection_for_update(
    conn: &mut DbConnection,
    id: &crate::domain::id::ListingObjectionId,
) -> QueryResult<Option<ObjectionRow>> {
    first_for_update!(conn, provider_objections::table.find(id))
}

pub fn update_objection(conn: &mut DbConnection, row: &ObjectionRow) -> QueryResult<usize> {
    diesel::update(provider_objections::table.find(&row.id)).set(row).execute(conn)
}

pub fn objections_of(
    conn: &mut DbConnection,
    provider_id: &ProviderId,
) -> QueryResult<Vec<ObjectionRow>> {
    provider_objections::table
        .filter(provider_objections::provider_id.eq(provider_id))
        .order(provider_objections::filed_at.asc())
        .load(conn)
}

/// The delisted providers, the latest delisting first, at most `limit`.
pub fn delisted_providers(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<ProviderRow>> {
    providers::table
        .filter(providers::listing_status.eq("delisted"))
        .order((providers::reviewed_at.desc(), providers::id.asc()))
        .limit(limit)
        .load(conn)
}

pub fn providers_by_ids(
    conn: &mut DbConnection,
    ids: &[ProviderId],
) -> QueryResult<Vec<ProviderRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(super::vouchers::CHUNK) {
        out.extend(providers::table.filter(providers::id.eq_any(chunk)).load::<ProviderRow>(conn)?);
    }
    Ok(out)
}

// ---- contact verification ----

/// A party's name, contact address and when that address was verified.
pub fn contact_of(
    conn: &mut DbConnection,
    party: &AnyParty,
) -> QueryResult<Option<(String, String, Option<NaiveDateTime>)>> {
    match party {
        AnyParty::Firm(id) => firms::table
            .find(id)
            .select((firms::name, firms::contact_email, firms::contact_verified_at))
            .first(conn)
            .optional(),
        AnyParty::Provider(id) => providers::table
            .find(id)
            .select((providers::name, providers::contact_email, providers::contact_verified_at))
            .first(conn)
            .optional(),
        AnyParty::Space(id) => spaces::table
            .find(id)
            .select((spaces::name, spaces::contact_email, spaces::contact_verified_at))
            .first(conn)
            .optional(),
        AnyParty::Authority(_) => Ok(None),
    }
}

/// Marks the party's contact verified at `at`, if its address is still `email` and not
/// verified yet; the number of rows changed.
pub fn set_contact_verified(
    conn: &mut DbConnection,
    party: &AnyParty,
    email: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    match party {
        AnyParty::Firm(id) => diesel::update(
            firms::table
                .find(id)
                .filter(firms::contact_email.eq(email))
                .filter(firms::contact_verified_at.is_null()),
        )
        .set(firms::contact_verified_at.eq(Some(at)))
        .execute(conn),
        AnyParty::Provider(id) => diesel::update(
            providers::table
                .find(id)
                .filter(providers::contact_email.eq(email))
                .filter(providers::contact_verified_at.is_null()),
        )
        .set(providers::contact_verified_at.eq(Some(at)))
        .execute(conn),
        AnyParty::Space(id) => diesel::update(
            spaces::table
                .find(id)
                .filter(spaces::contact_email.eq(email))
                .filter(spaces::contact_verified_at.is_null()),
        )
        .set(spaces::contact_verified_at.eq(Some(at)))
        .execute(conn),
        AnyParty::Authority(_) => Ok(0),
    }
}

/// A provider's listing objections by state.
pub fn objection_tally(
    conn: &mut DbConnection,
    provider: &ProviderId,
) -> QueryResult<Vec<(ObjectionStatus, i64)>> {
    provider_objections::table
        .filter(provider_objections::provider_id.eq(provider))
        .group_by(provider_objections::status)
        .select((provider_objections::status, diesel::dsl::count_star()))
        .load(conn)
}
