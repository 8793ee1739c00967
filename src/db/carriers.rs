//! Support for certified carriers: yearly statistics, incubatees, entitlements, the
//! duplicate-support register and performance evaluations.

use super::models::{
    CertificationRow, EntitlementRow, IncubateeRow, PerformanceEvaluationRow, PerformanceScoreRow,
    SpaceRow, StatisticsFilingRow, SupportGrantRow,
};
use super::schema::{
    certifications, incubatees, performance_evaluations as evals, performance_scores as scores,
    spaces, statistics_filings as filings, subsidy_entitlements as ents, support_grants as grants,
};
use super::DbConnection;
use super::{holding, lower};
use crate::domain::id::GrantId;
use crate::domain::id::{EntitlementId, EvaluationId, IncubateeId, SpaceId};
use crate::domain::listing::Sort;
use crate::domain::subsidy::EntitlementStatus;
use crate::domain::{CreditCode, Fen};
use chrono::NaiveDate;
use diesel::prelude::*;

// --- statistics ----------------------------------------------------------------------

pub fn filing(
    conn: &mut DbConnection,
    space_id: &SpaceId,
    year: i32,
) -> QueryResult<Option<StatisticsFilingRow>> {
    filings::table
        .filter(filings::space_id.eq(space_id))
        .filter(filings::year.eq(year))
        .first(conn)
        .optional()
}

pub fn insert_filing(conn: &mut DbConnection, row: &StatisticsFilingRow) -> QueryResult<()> {
    diesel::insert_into(filings::table).values(row).execute(conn).map(|_| ())
}

pub fn update_filing(conn: &mut DbConnection, row: &StatisticsFilingRow) -> QueryResult<usize> {
    diesel::update(filings::table.find(&row.id)).set(row).execute(conn)
}

/// The years a space filed statistics for.
pub fn filed_years(conn: &mut DbConnection, space_id: &SpaceId) -> QueryResult<Vec<i32>> {
    filings::table
        .filter(filings::space_id.eq(space_id))
        .select(filings::year)
        .order(filings::year.asc())
        .load(conn)
}

pub fn filings_of_space(
    conn: &mut DbConnection,
    space_id: &SpaceId,
) -> QueryResult<Vec<StatisticsFilingRow>> {
    filings::table.filter(filings::space_id.eq(space_id)).order(filings::year.desc()).load(conn)
}

pub fn filings_of_year(
    conn: &mut DbConnection,
    year: i32,
) -> QueryResult<Vec<(StatisticsFilingRow, SpaceRow)>> {
    filings::table
        .inner_join(spaces::table)
        .filter(filings::year.eq(year))
        .order(filings::space_id.asc())
        .load(conn)
}

// --- certifications, as support sees them ----------------------------------------------

/// Every certification (any status) with its space, by space.
pub fn all_certifications(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(CertificationRow, SpaceRow)>> {
    certifications::table
        .inner_join(spaces::table)
        .order((certifications::space_id.asc(), certifications::id.asc()))
        .load(conn)
}

pub fn certifications_of(
    conn: &mut DbConnection,
    space_id: &SpaceId,
) -> QueryResult<Vec<CertificationRow>> {
    certifications::table
        .filter(certifications::space_id.eq(space_id))
        .order(certifications::id.asc())
        .load(conn)
}

// --- incubatees ------------------------------------------------------------------------

pub fn insert_incubatee(conn: &mut DbConnection, row: &IncubateeRow) -> QueryResult<()> {
    diesel::insert_into(incubatees::table).values(row).execute(conn).map(|_| ())
}

pub fn incubatee_for_update(
    conn: &mut DbConnection,
    id: &IncubateeId,
) -> QueryResult<Option<IncubateeRow>> {
    first_for_update!(conn, incubatees::table.find(id))
}

pub fn update_incubatee(conn: &mut DbConnection, row: &IncubateeRow) -> QueryResult<usize> {
    diesel::update(incubatees::table.find(&row.id)).set(row).execute(conn)
}

pub fn incubatees_of(
    conn: &mut DbConnection,
    space_id: &SpaceId,
) -> QueryResult<Vec<IncubateeRow>> {
    incubatees::table
        .filter(incubatees::space_id.eq(space_id))
        .order((incubatees::entered_on.desc(), incubatees::id.desc()))
        .load(conn)
}

// --- the duplicate-support register ----------------------------------------------------

pub fn insert_grant(conn: &mut DbConnection, row: &SupportGrantRow) -> QueryResult<()> {
    diesel::insert_into(grants::table).values(row).execute(conn).map(|_| ())
}

pub fn grant(conn: &mut DbConnection, id: &GrantId) -> QueryResult<Option<SupportGrantRow>> {
    grants::table.find(id).first(conn).optional()
}

/// Grants to `credit_code` for `purpose` whose period overlaps `[from, to]`, earliest
/// first.
pub fn overlapping_grants(
    conn: &mut DbConnection,
    credit_code: &CreditCode,
    purpose: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<SupportGrantRow>> {
    grants::table
        .filter(grants::credit_code.eq(credit_code))
        .filter(grants::purpose.eq(purpose))
        .filter(grants::covers_from.le(to))
        .filter(grants::covers_to.ge(from))
        .order(grants::recorded_at.asc())
        .load(conn)
}

pub fn grants(
    conn: &mut DbConnection,
    credit_code: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<SupportGrantRow>, i64)> {
    let base = || {
        let mut q = grants::table.into_boxed();
        if let Some(c) = credit_code {
            q = q.filter(grants::credit_code.eq(c.to_string()));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let rows = base().order(grants::id.desc()).offset(offset).limit(limit).load(conn)?;
    Ok((rows, total))
}

// --- entitlements ----------------------------------------------------------------------

pub fn insert_entitlement(conn: &mut DbConnection, row: &EntitlementRow) -> QueryResult<()> {
    diesel::insert_into(ents::table).values(row).execute(conn).map(|_| ())
}

pub fn entitlement(
    conn: &mut DbConnection,
    id: &EntitlementId,
) -> QueryResult<Option<EntitlementRow>> {
    ents::table.find(id).first(conn).optional()
}

pub fn entitlement_for_update(
    conn: &mut DbConnection,
    id: &EntitlementId,
) -> QueryResult<Option<EntitlementRow>> {
    first_for_update!(conn, ents::table.find(id))
}

pub fn update_entitlement(conn: &mut DbConnection, row: &EntitlementRow) -> QueryResult<usize> {
    diesel::update(ents::table.find(&row.id)).set(row).execute(conn)
}

/// Every entitlement of a space (any policy, any status).
pub fn entitlements_of(
    conn: &mut DbConnection,
    space_id: &SpaceId,
) -> QueryResult<Vec<EntitlementRow>> {
    ents::table.filter(ents::space_id.eq(space_id)).order(ents::id.asc()).load(conn)
}

#[derive(Default)]
pub struct EntitlementFilter<'a> {
    pub space_id: Option<&'a SpaceId>,
    pub status: Option<&'a str>,
    /// Only these statuses (the public list).
    pub statuses: Option<&'a [&'a str]>,
    pub policy: Option<&'a str>,
    /// Words in the space's name, its whole credit code, or the beginning of the period.
    pub words: Option<&'a str>,
    /// Computed at or after, before (UTC).
    pub from: Option<chrono::NaiveDateTime>,
    pub before: Option<chrono::NaiveDateTime>,
    /// Newest (default), oldest, largest amount first.
    pub sort: Option<Sort>,
}

pub fn entitlements(
    conn: &mut DbConnection,
    f: &EntitlementFilter<'_>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(EntitlementRow, SpaceRow)>, i64)> {
    let base = || {
        let mut q = ents::table.inner_join(spaces::table).into_boxed();
        if let Some(s) = f.space_id {
            q = q.filter(ents::space_id.eq(s.clone()));
        }
        if let Some(s) = f.status {
            q = q.filter(ents::status.eq(s.to_string()));
        }
        if let Some(s) = f.statuses {
            q = q.filter(ents::status.eq_any(s.iter().map(|x| x.to_string())));
        }
        if let Some(p) = f.policy {
            q = q.filter(ents::policy.eq(p.to_string()));
        }
        if let Some(w) = f.words {
            let period = format!("{}%", w.replace(['%', '_', '\\'], ""));
            q = q.filter(
                lower(spaces::name)
                    .like(holding(w))
                    .escape('\\')
                    .or(spaces::credit_code.eq(w.to_uppercase()))
                    .or(ents::period.like(period)),
            );
        }
        if let Some(t) = f.from {
            q = q.filter(ents::computed_at.ge(t));
        }
        if let Some(t) = f.before {
            q = q.filter(ents::computed_at.lt(t));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let ordered = match f.sort {
        Some(Sort::Oldest) => base().order(ents::id.asc()),
        Some(Sort::Largest) => base().order((ents::amount_fen.desc(), ents::id.desc())),
        _ => base().order(ents::id.desc()),
    };
    let rows = ordered.offset(offset).limit(limit).load(conn)?;
    Ok((rows, total))
}

/// (id, space, policy, amount, status) of an entitlement.
pub type EntitlementFacts = (EntitlementId, SpaceId, String, Fen, EntitlementStatus);

/// Every entitlement's facts: for `ledger verify`.
pub fn all_entitlements(conn: &mut DbConnection) -> QueryResult<Vec<EntitlementFacts>> {
    ents::table
        .select((ents::id, ents::space_id, ents::policy, ents::amount_fen, ents::status))
        .load(conn)
}

// --- performance evaluations -----------------------------------------------------------

pub fn evaluation_of_year(
    conn: &mut DbConnection,
    year: i32,
) -> QueryResult<Option<PerformanceEvaluationRow>> {
    evals::table.filter(evals::year.eq(year)).first(conn).optional()
}

pub fn insert_evaluation(
    conn: &mut DbConnection,
    row: &PerformanceEvaluationRow,
    rows: &[PerformanceScoreRow],
) -> QueryResult<()> {
    diesel::insert_into(evals::table).values(row).execute(conn)?;
    bulk_insert!(conn, scores::table, rows);
    Ok(())
}

pub fn scores_of(
    conn: &mut DbConnection,
    evaluation_id: &EvaluationId,
) -> QueryResult<Vec<(PerformanceScoreRow, SpaceRow)>> {
    scores::table
        .inner_join(spaces::table)
        .filter(scores::evaluation_id.eq(evaluation_id))
        .order(scores::rank.asc())
        .load(conn)
}

/// The spaces holding a title for the evaluation of `year`.
pub fn title_holders(conn: &mut DbConnection, year: i32) -> QueryResult<Vec<SpaceId>> {
    scores::table
        .inner_join(evals::table)
        .filter(scores::awarded)
        .filter(evals::year.lt(year))
        .filter(scores::title_until_year.ge(year))
        .select(scores::space_id)
        .load(conn)
}
