//! Receivables and their recoveries (offsets against payouts, repayments).

use super::models::{ReceivableRow, RecoveryRow};
use super::schema::{orders, providers, receivable_recoveries, receivables, redemption_items};
use super::DbConnection;
use crate::domain::id::{PayoutId, ProviderId, ReceivableId};
use crate::domain::receivable::ReceivableState;
use crate::domain::Fen;
use diesel::prelude::*;

pub fn insert(conn: &mut DbConnection, row: &ReceivableRow) -> QueryResult<usize> {
    diesel::insert_into(receivables::table).values(row).execute(conn)
}

pub fn update(conn: &mut DbConnection, row: &ReceivableRow) -> QueryResult<usize> {
    diesel::update(receivables::table.find(&row.id)).set(row).execute(conn)
}

pub fn for_update(
    conn: &mut DbConnection,
    id: &ReceivableId,
) -> QueryResult<Option<ReceivableRow>> {
    first_for_update!(conn, receivables::table.find(id))
}

pub fn get(conn: &mut DbConnection, id: &ReceivableId) -> QueryResult<Option<ReceivableRow>> {
    receivables::table.find(id).first(conn).optional()
}

/// The receivable a finding opened, if any.
pub fn of_finding(
    conn: &mut DbConnection,
    finding: &crate::domain::id::FindingId,
) -> QueryResult<Option<ReceivableRow>> {
    receivables::table.filter(receivables::finding_id.eq(finding)).first(conn).optional()
}

/// The receivable a finding opened, if any, locked until the transaction ends.
pub fn of_finding_for_update(
    conn: &mut DbConnection,
    finding: &crate::domain::id::FindingId,
) -> QueryResult<Option<ReceivableRow>> {
    first_for_update!(conn, receivables::table.filter(receivables::finding_id.eq(finding)))
}

/// The receivables of `providers` still owing something, oldest first, each row locked
/// until the transaction ends (PostgreSQL; SQLite's write transaction excludes other
/// writers already): a repayment recorded meanwhile waits, then sees what the run took.
pub fn owing_for_update(
    conn: &mut DbConnection,
    providers: &[ProviderId],
) -> QueryResult<Vec<ReceivableRow>> {
    let mut out = Vec::new();
    for chunk in providers.chunks(super::vouchers::CHUNK) {
        let q = receivables::table
            .filter(receivables::provider_id.eq_any(chunk))
            .filter(receivables::outstanding_fen.gt(0))
            .order((receivables::created_at.asc(), receivables::id.asc()));
        let rows: Vec<ReceivableRow> = match conn {
            DbConnection::Pg(c) => q.for_update().load(c)?,
            DbConnection::Sqlite(c) => q.load(c)?,
        };
        out.extend(rows);
    }
    Ok(out)
}

pub fn insert_recovery(conn: &mut DbConnection, row: &RecoveryRow) -> QueryResult<usize> {
    diesel::insert_into(receivable_recoveries::table).values(row).execute(conn)
}

pub fn update_recovery(conn: &mut DbConnection, row: &RecoveryRow) -> QueryResult<usize> {
    diesel::update(receivable_recoveries::table.find(&row.id)).set(row).execute(conn)
}

/// The live offsets a payout took.
pub fn live_offsets_of(
    conn: &mut DbConnection,
    payout: &PayoutId,
) -> QueryResult<Vec<RecoveryRow>> {
    receivable_recoveries::table
        .filter(receivable_recoveries::payout_id.eq(payout))
        .filter(receivable_recoveries::live)
        .order(receivable_recoveries::id.asc())
        .load(conn)
}

/// Every recovery of a receivable, in the order recorded.
pub fn recoveries_of(conn: &mut DbConnection, id: &ReceivableId) -> QueryResult<Vec<RecoveryRow>> {
    receivable_recoveries::table
        .filter(receivable_recoveries::receivable_id.eq(id))
        .order((receivable_recoveries::recorded_at.asc(), receivable_recoveries::id.asc()))
        .load(conn)
}

/// A receivable with what it is for: the order number, the service's title and the
/// provider's name.
/// A receivable with its order number, service title, provider name, and what appeals
/// released of it.
pub type Shown = (ReceivableRow, String, String, String, Fen);

/// Receivables as a list asks: a provider's (`provider`), open or recovered, one
/// (`only`); the oldest first; a page, and how many.
pub fn shown(
    conn: &mut DbConnection,
    provider: Option<&ProviderId>,
    state: Option<ReceivableState>,
    only: Option<&ReceivableId>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Shown>, i64)> {
    let base = || {
        let mut q = receivables::table
            .inner_join(redemption_items::table.on(redemption_items::id.eq(receivables::item_id)))
            .inner_join(orders::table.on(orders::id.eq(redemption_items::order_id)))
            .inner_join(providers::table.on(providers::id.eq(receivables::provider_id)))
            .into_boxed();
        if let Some(p) = provider {
            q = q.filter(receivables::provider_id.eq(p));
        }
        match state {
            Some(ReceivableState::Open) => q = q.filter(receivables::outstanding_fen.gt(0)),
            Some(ReceivableState::Recovered) => q = q.filter(receivables::outstanding_fen.eq(0)),
            None => {}
        }
        if let Some(id) = only {
            q = q.filter(receivables::id.eq(id));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let rows = base()
        .order((receivables::created_at.asc(), receivables::id.asc()))
        .select((
            receivables::all_columns,
            orders::order_no,
            orders::title,
            providers::name,
            diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "CAST(COALESCE((SELECT SUM(rr.amount_fen) FROM receivable_recoveries rr \
                 WHERE rr.receivable_id = receivables.id AND rr.kind = 'release' AND rr.live), \
                 0) AS BIGINT)",
            ),
        ))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// What a provider still owes, over all its receivables.
pub fn owing(conn: &mut DbConnection, provider: &ProviderId) -> QueryResult<Fen> {
    let rows: Vec<Fen> = receivables::table
        .filter(receivables::provider_id.eq(provider))
        .select(receivables::outstanding_fen)
        .load(conn)?;
    Ok(rows.into_iter().sum())
}

/// Every receivable and every recovery (for verifying the ledger).
pub fn all(conn: &mut DbConnection) -> QueryResult<(Vec<ReceivableRow>, Vec<RecoveryRow>)> {
    Ok((receivables::table.load(conn)?, receivable_recoveries::table.load(conn)?))
}
