//! Spot checks: a month's population of approved items with what weighs each, the
//! draw and its entries, the firms' checks, the findings.

use super::models::{DrawRow, EntryRow, FindingRow, SpotCheckRow};
use super::schema::{
    findings, orders, provider_scores, providers, receivables, redemption_items, spot_check_draws,
    spot_check_entries, spot_checks,
};
use super::DbConnection;
use crate::domain::id::{DrawId, FirmId, ProviderId, RedemptionItemId, SpotCheckId};
use crate::domain::spot_check::CheckStatus;
use crate::domain::Fen;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An approved item of the month, with what the draw weighs it by: its provider, when
/// the provider was listed, the provider's kept ratings.
pub type PopulationRow =
    (RedemptionItemId, ProviderId, Option<NaiveDateTime>, Option<i64>, Option<i64>);

/// The items approved in `[from, before)` and not rejected since, by id.
pub fn population(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    before: NaiveDateTime,
) -> QueryResult<Vec<PopulationRow>> {
    redemption_items::table
        .inner_join(providers::table.on(providers::id.eq(redemption_items::provider_id)))
        .left_join(
            provider_scores::table
                .on(provider_scores::provider_id.eq(redemption_items::provider_id)),
        )
        .filter(redemption_items::status.eq_any(["in_notice", "payable", "paid"]))
        .filter(redemption_items::reviewed_at.ge(from))
        .filter(redemption_items::reviewed_at.lt(before))
        .order(redemption_items::id.asc())
        .select((
            redemption_items::id,
            redemption_items::provider_id,
            providers::listed_at,
            provider_scores::ratings.nullable(),
            provider_scores::rating_total.nullable(),
        ))
        .load(conn)
}

/// Providers with a finding upheld against them (a corrected amount or fraud).
pub fn providers_with_findings(conn: &mut DbConnection) -> QueryResult<Vec<ProviderId>> {
    findings::table
        .filter(findings::outcome.eq_any(["corrected", "fraudulent"]))
        .select(findings::provider_id)
        .distinct()
        .load(conn)
}

/// Stores a draw; false when the period is drawn already (the key's backstop).
pub fn insert_draw(conn: &mut DbConnection, row: &DrawRow) -> QueryResult<bool> {
    use diesel::result::{DatabaseErrorKind, Error};
    match diesel::insert_into(spot_check_draws::table).values(row).execute(conn) {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn insert_entries(conn: &mut DbConnection, rows: &[EntryRow]) -> QueryResult<()> {
    // One statement a row: the connection enum has no multi-row insert; a month's
    // approved items are thousands at most, in one transaction.
    for row in rows {
        diesel::insert_into(spot_check_entries::table).values(row).execute(conn)?;
    }
    Ok(())
}

pub fn insert_check(conn: &mut DbConnection, row: &SpotCheckRow) -> QueryResult<()> {
    diesel::insert_into(spot_checks::table).values(row).execute(conn).map(|_| ())
}

pub fn draw_of_period(conn: &mut DbConnection, period: &str) -> QueryResult<Option<DrawRow>> {
    spot_check_draws::table.filter(spot_check_draws::period.eq(period)).first(conn).optional()
}

pub fn draw(conn: &mut DbConnection, id: &DrawId) -> QueryResult<Option<DrawRow>> {
    spot_check_draws::table.find(id).first(conn).optional()
}

/// The draws, latest period first, a page of them, and how many there are.
pub fn draws(conn: &mut DbConnection, offset: i64, limit: i64) -> QueryResult<(Vec<DrawRow>, i64)> {
    let total = spot_check_draws::table.count().get_result(conn)?;
    let rows = spot_check_draws::table
        .order(spot_check_draws::period.desc())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// A draw's entry with what the public may read of its item: the order number, the
/// provider's name, the category and the amount.
pub type EntryShown = (EntryRow, String, String, String, Fen);

/// Every entry of a draw, by key (the drawn first).
pub fn entries(conn: &mut DbConnection, draw: &DrawId) -> QueryResult<Vec<EntryShown>> {
    spot_check_entries::table
        .inner_join(
            redemption_items::table.on(redemption_items::id.eq(spot_check_entries::item_id)),
        )
        .inner_join(orders::table.on(orders::id.eq(redemption_items::order_id)))
        .inner_join(providers::table.on(providers::id.eq(redemption_items::provider_id)))
        .filter(spot_check_entries::draw_id.eq(draw))
        .order((spot_check_entries::draw_key.asc(), spot_check_entries::item_id.asc()))
        .select((
            spot_check_entries::all_columns,
            orders::order_no,
            providers::name,
            redemption_items::category,
            redemption_items::amount_fen,
        ))
        .load(conn)
}

pub fn check_for_update(
    conn: &mut DbConnection,
    id: &SpotCheckId,
) -> QueryResult<Option<SpotCheckRow>> {
    first_for_update!(conn, spot_checks::table.find(id))
}

pub fn update_check(conn: &mut DbConnection, row: &SpotCheckRow) -> QueryResult<usize> {
    diesel::update(spot_checks::table.find(&row.id)).set(row).execute(conn)
}

/// A check with what its firm reads of the item: the order number, the service's
/// title, the provider's name, the amount the voucher paid.
pub type CheckShown = (SpotCheckRow, String, String, String, Fen);

/// Checks shown with their items: a firm's (`firm`), of a state (`status`), or one
/// (`only`), newest first, a page, and how many.
pub fn checks(
    conn: &mut DbConnection,
    firm: Option<&FirmId>,
    status: Option<CheckStatus>,
    only: Option<&SpotCheckId>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<CheckShown>, i64)> {
    let base = || {
        let mut q = spot_checks::table
            .inner_join(redemption_items::table.on(redemption_items::id.eq(spot_checks::item_id)))
            .inner_join(orders::table.on(orders::id.eq(redemption_items::order_id)))
            .inner_join(providers::table.on(providers::id.eq(spot_checks::provider_id)))
            .into_boxed();
        if let Some(f) = firm {
            q = q.filter(spot_checks::firm_id.eq(f));
        }
        if let Some(s) = status {
            q = q.filter(spot_checks::status.eq(s.as_str()));
        }
        if let Some(id) = only {
            q = q.filter(spot_checks::id.eq(id));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let rows = base()
        .order((spot_checks::created_at.desc(), spot_checks::id.desc()))
        .select((
            spot_checks::all_columns,
            orders::order_no,
            orders::title,
            providers::name,
            redemption_items::amount_fen,
        ))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// Checks still asked whose answer was due before `now`, oldest first, at most `limit`.
pub fn overdue(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<SpotCheckId>> {
    spot_checks::table
        .filter(spot_checks::status.eq(CheckStatus::Asked.as_str()))
        .filter(spot_checks::answer_by.lt(now))
        .order(spot_checks::answer_by.asc())
        .select(spot_checks::id)
        .limit(limit)
        .load(conn)
}

pub fn insert_finding(conn: &mut DbConnection, row: &FindingRow) -> QueryResult<()> {
    diesel::insert_into(findings::table).values(row).execute(conn).map(|_| ())
}

pub fn finding_of_check(
    conn: &mut DbConnection,
    check: &SpotCheckId,
) -> QueryResult<Option<FindingRow>> {
    findings::table.filter(findings::check_id.eq(check)).first(conn).optional()
}

pub fn finding(
    conn: &mut DbConnection,
    id: &crate::domain::id::FindingId,
) -> QueryResult<Option<FindingRow>> {
    findings::table.find(id).first(conn).optional()
}

pub fn finding_for_update(
    conn: &mut DbConnection,
    id: &crate::domain::id::FindingId,
) -> QueryResult<Option<FindingRow>> {
    first_for_update!(conn, findings::table.find(id))
}

pub fn update_finding(conn: &mut DbConnection, row: &FindingRow) -> QueryResult<usize> {
    diesel::update(findings::table.find(&row.id)).set(row).execute(conn)
}

/// Whether a live payout (pending or paid) holds the item.
pub fn in_live_payout(conn: &mut DbConnection, item: &RedemptionItemId) -> QueryResult<bool> {
    use super::schema::payout_items;
    diesel::select(diesel::dsl::exists(
        payout_items::table
            .filter(payout_items::item_id.eq(item.as_str()))
            .filter(payout_items::live),
    ))
    .get_result(conn)
}

/// A finding with both sides and its item: the firm's note, the order number, the
/// service's title, the provider's name, the item's amount and state.
/// Last, the receivable the decision opened, if the item was in a run or paid.
pub type FindingShown =
    (FindingRow, Option<String>, String, String, String, Fen, String, Option<String>);

/// Findings shown with their items: a provider's (`provider`), or of a state, oldest
/// first (the longest waiting), a page, and how many.
pub fn findings_shown(
    conn: &mut DbConnection,
    provider: Option<&ProviderId>,
    status: Option<crate::domain::spot_check::FindingStatus>,
    only: Option<&crate::domain::id::FindingId>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<FindingShown>, i64)> {
    let base = || {
        let mut q = findings::table
            .inner_join(spot_checks::table.on(spot_checks::id.eq(findings::check_id)))
            .inner_join(redemption_items::table.on(redemption_items::id.eq(findings::item_id)))
            .inner_join(orders::table.on(orders::id.eq(redemption_items::order_id)))
            .inner_join(providers::table.on(providers::id.eq(findings::provider_id)))
            .left_join(receivables::table.on(receivables::finding_id.eq(findings::id)))
            .into_boxed();
        if let Some(p) = provider {
            q = q.filter(findings::provider_id.eq(p));
        }
        if let Some(s) = status {
            q = q.filter(findings::status.eq(s.as_str()));
        }
        if let Some(id) = only {
            q = q.filter(findings::id.eq(id));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let rows = base()
        .order((findings::opened_at.asc(), findings::id.asc()))
        .select((
            findings::all_columns,
            spot_checks::firm_note,
            orders::order_no,
            orders::title,
            providers::name,
            redemption_items::amount_fen,
            redemption_items::status,
            receivables::id.nullable(),
        ))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// What the public list shows of decided findings against `items`: (item, outcome,
/// corrected amount, what the provider owes back by receivable, decided at), for the
/// findings that went against their item (corrected or fraudulent).
pub type PublishedFinding =
    (RedemptionItemId, String, Option<i64>, Option<Fen>, Option<chrono::NaiveDateTime>);

pub fn published_findings(
    conn: &mut DbConnection,
    items: &[RedemptionItemId],
) -> QueryResult<Vec<PublishedFinding>> {
    let mut out = Vec::new();
    for chunk in items.chunks(super::vouchers::CHUNK) {
        let rows: Vec<PublishedFinding> = findings::table
            .left_join(receivables::table.on(receivables::finding_id.eq(findings::id)))
            .filter(findings::item_id.eq_any(chunk))
            .filter(findings::status.eq("decided"))
            .filter(findings::outcome.eq_any(["corrected", "fraudulent"]))
            .select((
                findings::item_id,
                findings::outcome.assume_not_null(),
                findings::corrected_fen,
                receivables::amount_fen.nullable(),
                findings::decided_at,
            ))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Whether a finding on `item` was decided against it (corrected or not delivered).
pub fn decided_finding_of(
    conn: &mut DbConnection,
    item: &crate::domain::id::RedemptionItemId,
) -> QueryResult<bool> {
    use super::schema::findings;
    diesel::select(diesel::dsl::exists(
        findings::table
            .filter(findings::item_id.eq(item))
            .filter(findings::status.eq("decided"))
            .filter(findings::outcome.eq_any(["corrected", "fraudulent"])),
    ))
    .get_result(conn)
}
