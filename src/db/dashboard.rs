//! The authority's overview, summed by the database: every figure is for a set of
//! batches (a programme, a year's batches or one batch) and follows their vouchers to
//! the orders, redemption items and payouts; only sums and counts cross the connection,
//! besides the pairs of dates the waiting times are measured from. The ledger's side of
//! the reconciliation sums accounts by kind.

use super::models::BatchRow;
use super::schema::{
    batches, ledger_entries, orders, payout_items, payouts, providers, redemption_items,
    redemption_objections, vouchers,
};
use super::tallies::{self, kind, sum_fen};
use super::DbConnection;
use crate::domain::id::{BatchId, ProgrammeId, ProviderId};
use crate::domain::Fen;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, exists, min};
use diesel::prelude::*;

/// The batches of a programme (all of them without one), opening in `[from, to)` when
/// given: the selection every other figure follows.
pub fn batches_of(
    conn: &mut DbConnection,
    programme: Option<&ProgrammeId>,
    opening: Option<(NaiveDateTime, NaiveDateTime)>,
) -> QueryResult<Vec<BatchRow>> {
    let mut q = batches::table.into_boxed();
    if let Some(p) = programme {
        q = q.filter(batches::programme_id.eq(p));
    }
    if let Some((from, to)) = opening {
        q = q.filter(batches::opens_at.ge(from)).filter(batches::opens_at.lt(to));
    }
    q.order((batches::opens_at.asc(), batches::id.asc())).load(conn)
}

/// A programme's published batches: how many, and their budgets (drafts are the
/// authority's own until published).
pub fn published_batches(
    conn: &mut DbConnection,
    programme: &ProgrammeId,
) -> QueryResult<(i64, Fen)> {
    batches::table
        .filter(batches::programme_id.eq(programme))
        .filter(batches::published)
        .select((count_star(), sum_fen("batches.budget_fen")))
        .first(conn)
}

/// Vouchers of the batches by status: (status, vouchers, face value, free balance
/// (balance less held)), from the kept tallies.
pub fn vouchers_by_status(
    conn: &mut DbConnection,
    batch_ids: &[BatchId],
) -> QueryResult<Vec<(String, i64, Fen, Fen)>> {
    Ok(tallies::summed(conn, batch_ids, kind::VOUCHER)?
        .into_iter()
        .map(|((status, _), c)| (status, c.n, c.a, c.b))
        .collect())
}

/// Orders of one status and category: (status, category, orders, contract amount,
/// voucher share).
pub type OrderGroup = (String, String, i64, Fen, Fen);

/// Orders of the batches by status and category, from the kept tallies.
pub fn orders_by_status(
    conn: &mut DbConnection,
    batch_ids: &[BatchId],
) -> QueryResult<Vec<OrderGroup>> {
    Ok(tallies::summed(conn, batch_ids, kind::ORDER)?
        .into_iter()
        .map(|((status, category), c)| (status, category, c.n, c.a, c.b))
        .collect())
}

/// Orders of the batches that were ever disputed, by their status now: (status,
/// orders), from the kept tallies.
pub fn disputes(conn: &mut DbConnection, batch_ids: &[BatchId]) -> QueryResult<Vec<(String, i64)>> {
    Ok(tallies::summed(conn, batch_ids, kind::DISPUTE)?
        .into_iter()
        .map(|((status, _), c)| (status, c.n))
        .collect())
}

/// Redemption items of the batches by status: (status, items, amount), from the kept
/// tallies.
pub fn items_by_status(
    conn: &mut DbConnection,
    batch_ids: &[BatchId],
) -> QueryResult<Vec<(String, i64, Fen)>> {
    Ok(tallies::summed(conn, batch_ids, kind::ITEM)?
        .into_iter()
        .map(|((status, _), c)| (status, c.n, c.a))
        .collect())
}

/// The batches' payable items a live payout holds (made out, not yet paid): (items,
/// amount).
pub fn items_in_payouts(conn: &mut DbConnection, batch_ids: &[BatchId]) -> QueryResult<(i64, Fen)> {
    redemption_items::table
        .filter(redemption_items::batch_id.eq_any(batch_ids))
        .filter(redemption_items::status.eq("payable"))
        .filter(exists(
            payout_items::table
                .filter(payout_items::item_id.eq(redemption_items::id))
                .filter(payout_items::live),
        ))
        .select((count_star(), sum_fen("redemption_items.amount_fen")))
        .first(conn)
}

/// Objections to the batches' redemption items by status: (status, objections).
pub fn objections(
    conn: &mut DbConnection,
    batch_ids: &[BatchId],
) -> QueryResult<Vec<(String, i64)>> {
    redemption_objections::table
        .inner_join(
            redemption_items::table.on(redemption_items::id.eq(redemption_objections::item_id)),
        )
        .filter(redemption_items::batch_id.eq_any(batch_ids))
        .group_by(redemption_objections::status)
        .select((redemption_objections::status, count_star()))
        .load(conn)
}

/// Confirmed voucher money of the batches by provider: (provider, orders, fen), from
/// the kept tallies.
pub fn spent_by_provider(
    conn: &mut DbConnection,
    batch_ids: &[BatchId],
) -> QueryResult<Vec<(ProviderId, i64, Fen)>> {
    Ok(tallies::summed(conn, batch_ids, kind::SPEND)?
        .into_iter()
        .map(|((_, provider), c)| (ProviderId::stored(provider), c.n, c.a))
        .collect())
}

/// Providers' names.
pub fn provider_names(
    conn: &mut DbConnection,
    ids: &[ProviderId],
) -> QueryResult<Vec<(ProviderId, String)>> {
    providers::table
        .filter(providers::id.eq_any(ids))
        .select((providers::id, providers::name))
        .load(conn)
}

/// Firms holding the batches' vouchers, counted by size class, industry and district
/// (none: not stated), each with how many of them have a confirmed order (from the
/// kept holders).
pub use super::tallies::{firms_by_class, FirmCount};

/// For the latest `n` vouchers with an order: when each was claimed and when its first
/// order was placed. Each batch's vouchers are read newest first (by their place in the
/// batch, `vouchers_batch_seq_key`) a chunk at a time, and each chunk's first orders
/// found by `orders_voucher_idx`, until `n` have an order; the batches' latest are
/// merged. The read is bounded by `n` per batch, not by the batches' size.
pub fn claim_to_first_order(
    conn: &mut DbConnection,
    batch_ids: &[BatchId],
    n: i64,
) -> QueryResult<Vec<(NaiveDateTime, Option<NaiveDateTime>)>> {
    let want = usize::try_from(n).unwrap_or(0);
    let mut all: Vec<(NaiveDateTime, String, Option<NaiveDateTime>)> = Vec::new();
    // The latest opening first; once `n` are found, an older batch is read only for
    // vouchers claimed after the n-th latest so far.
    for batch in batch_ids.iter().rev() {
        let after = (all.len() >= want).then(|| all.last().map(|a| a.0)).flatten();
        all.extend(first_orders_of(conn, batch, want, after)?);
        all.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
        all.truncate(want);
    }
    Ok(all.into_iter().map(|(claimed, _, first)| (claimed, first)).collect())
}

/// One batch's latest `want` vouchers with an order, claimed at or after `after` when
/// given: (claimed, voucher, first order). A batch's places follow its claims' order.
fn first_orders_of(
    conn: &mut DbConnection,
    batch: &BatchId,
    want: usize,
    after: Option<NaiveDateTime>,
) -> QueryResult<Vec<(NaiveDateTime, String, Option<NaiveDateTime>)>> {
    let chunk = super::vouchers::CHUNK;
    let mut out = Vec::with_capacity(want);
    let mut before: Option<i32> = None;
    while out.len() < want {
        let mut q = vouchers::table.filter(vouchers::batch_id.eq(batch)).into_boxed();
        if let Some(b) = before {
            q = q.filter(vouchers::seq_in_batch.lt(b));
        }
        let page: Vec<(String, i32, NaiveDateTime)> = q
            .select((vouchers::id, vouchers::seq_in_batch, vouchers::claimed_at))
            .order(vouchers::seq_in_batch.desc())
            .limit(i64::try_from(chunk).unwrap_or(i64::MAX))
            .load(conn)?;
        let Some(last) = page.last() else { break };
        before = Some(last.1);
        let ids: Vec<&String> = page.iter().map(|v| &v.0).collect();
        let firsts: std::collections::HashMap<String, Option<NaiveDateTime>> = orders::table
            .filter(orders::voucher_id.eq_any(ids))
            .group_by(orders::voucher_id)
            .select((orders::voucher_id, min(orders::requested_at)))
            .load::<(String, Option<NaiveDateTime>)>(conn)?
            .into_iter()
            .collect();
        for (id, _, claimed_at) in page.iter() {
            if let Some(first) = firsts.get(id) {
                if out.len() < want {
                    out.push((*claimed_at, id.clone(), *first));
                }
            }
        }
        let older = after.is_some_and(|t| last.2 < t);
        if page.len() < chunk || older {
            break;
        }
    }
    Ok(out)
}

/// For the latest `n` paid redemption items: when each order was confirmed and the day
/// the bank paid it. Each batch's latest paid items are found by their ids
/// (time-ordered) in `redemption_items_overview_idx` (state, batch, id) and merged,
/// then their orders and payouts by key, so the read is bounded by `n` per batch.
pub fn confirmation_to_payment(
    conn: &mut DbConnection,
    batch_ids: &[BatchId],
    n: i64,
) -> QueryResult<Vec<(Option<NaiveDateTime>, Option<NaiveDate>)>> {
    let want = usize::try_from(n).unwrap_or(0);
    let mut latest: Vec<String> = Vec::new();
    // The latest opening first; once `n` are found, an older batch is read only for
    // items newer than the n-th latest so far.
    for batch in batch_ids.iter().rev() {
        let mut q = redemption_items::table
            .filter(redemption_items::status.eq("paid"))
            .filter(redemption_items::batch_id.eq(batch))
            .into_boxed();
        if latest.len() >= want {
            if let Some(last) = latest.last() {
                q = q.filter(redemption_items::id.gt(last.clone()));
            }
        }
        latest.extend(
            q.select(redemption_items::id)
                .order(redemption_items::id.desc())
                .limit(n)
                .load::<String>(conn)?,
        );
        latest.sort_unstable_by(|a, b| b.cmp(a));
        latest.truncate(want);
    }
    let mut out = Vec::with_capacity(latest.len());
    for chunk in latest.chunks(super::vouchers::CHUNK) {
        out.extend(
            redemption_items::table
                .inner_join(orders::table.on(orders::id.eq(redemption_items::order_id)))
                .inner_join(payout_items::table.on(payout_items::item_id.eq(redemption_items::id)))
                .inner_join(payouts::table.on(payouts::id.eq(payout_items::payout_id)))
                .filter(redemption_items::id.eq_any(chunk))
                .filter(payout_items::live)
                .filter(payouts::status.eq("paid"))
                .select((orders::confirmed_at, payouts::paid_on))
                .load::<(Option<NaiveDateTime>, Option<NaiveDate>)>(conn)?,
        );
    }
    Ok(out)
}

/// The ledger's balance of every account of one kind (`voucher`, `order`, ...), summed.
pub fn ledger_kind_total(conn: &mut DbConnection, kind: &str) -> QueryResult<Fen> {
    ledger_entries::table
        .filter(ledger_entries::account.like(format!("{kind}:%")))
        .select(sum_fen("ledger_entries.amount_fen"))
        .first(conn)
}

/// The ledger's balances of one kind of payee account (`payable`, `paid`) for
/// providers only (spaces have such accounts too, for their subsidies).
pub fn ledger_provider_total(conn: &mut DbConnection, kind: &str) -> QueryResult<Fen> {
    let by_account: Vec<(String, Fen)> = ledger_entries::table
        .filter(ledger_entries::account.like(format!("{kind}:%")))
        .group_by(ledger_entries::account)
        .select((ledger_entries::account, sum_fen("ledger_entries.amount_fen")))
        .load(conn)?;
    let ids: Vec<String> = providers::table
        .select(providers::id)
        .load::<ProviderId>(conn)?
        .into_iter()
        .map(|p| format!("{kind}:{p}"))
        .collect();
    let ids: std::collections::HashSet<String> = ids.into_iter().collect();
    Ok(by_account.into_iter().filter(|(a, _)| ids.contains(a)).map(|(_, f)| f).sum())
}

/// The ledger's balance of the payouts made out to providers.
pub fn ledger_provider_payouts(conn: &mut DbConnection) -> QueryResult<Fen> {
    let by_account: Vec<(String, Fen)> = ledger_entries::table
        .filter(ledger_entries::account.like("payout:%"))
        .group_by(ledger_entries::account)
        .select((ledger_entries::account, sum_fen("ledger_entries.amount_fen")))
        .load(conn)?;
    let ids: std::collections::HashSet<String> = payouts::table
        .filter(payouts::payee_kind.eq("provider"))
        .select(payouts::id)
        .load::<String>(conn)?
        .into_iter()
        .map(|p| format!("payout:{p}"))
        .collect();
    Ok(by_account.into_iter().filter(|(a, _)| ids.contains(a)).map(|(_, f)| f).sum())
}

/// Supplements (补付款) by where they stand, which the overview's stages (counted from
/// the items) do not show: waiting for a run, in a pending payout, paid. The
/// programme's funding paid all three.
pub fn supplement_stages(conn: &mut DbConnection) -> QueryResult<(Fen, Fen, Fen)> {
    use super::schema::{payout_items, supplements};
    let payable: Fen = supplements::table
        .filter(supplements::status.eq("payable"))
        .select(sum_fen("supplements.amount_fen"))
        .first(conn)?;
    let in_run: Fen = supplements::table
        .filter(supplements::status.eq("payable"))
        .filter(exists(
            payout_items::table
                .inner_join(payouts::table)
                .filter(payout_items::item_id.eq(supplements::id))
                .filter(payout_items::live)
                .filter(payouts::status.eq("pending")),
        ))
        .select(sum_fen("supplements.amount_fen"))
        .first(conn)?;
    let paid: Fen = supplements::table
        .filter(supplements::status.eq("paid"))
        .select(sum_fen("supplements.amount_fen"))
        .first(conn)?;
    Ok((payable - in_run, in_run, paid))
}

/// Every batch's budget, summed.
pub fn all_budgets(conn: &mut DbConnection) -> QueryResult<Fen> {
    batches::table.select(sum_fen("batches.budget_fen")).first(conn)
}

/// What findings and receivables moved that the overview's stages, counted from the
/// items, do not show: the offsets of the provider payouts pending and paid (the items
/// are in those stages at their whole amount, the payout accounts hold the net), what
/// offsets and repayments recovered into the programmes' funding, and what corrected
/// unpaid items gave back (an item's voucher share less its amount now). As
/// (pending offsets, paid offsets, recovered, corrected).
pub fn finding_adjustments(conn: &mut DbConnection) -> QueryResult<(Fen, Fen, Fen, Fen)> {
    use super::schema::{findings, receivable_recoveries, receivables};
    let offsets = |c: &mut DbConnection, status: &str| -> QueryResult<Fen> {
        payouts::table
            .filter(payouts::payee_kind.eq("provider"))
            .filter(payouts::status.eq(status.to_string()))
            .select(sum_fen("payouts.offset_fen"))
            .first(c)
    };
    let pending = offsets(conn, "pending")?;
    let paid = offsets(conn, "paid")?;
    // A release (an appeal) brings nothing in: not recovered into the funding.
    let recovered: Fen = receivable_recoveries::table
        .filter(receivable_recoveries::live)
        .filter(receivable_recoveries::kind.ne("release"))
        .select(sum_fen("receivable_recoveries.amount_fen"))
        .first(conn)?;
    let corrected: Fen = redemption_items::table
        .inner_join(orders::table.on(orders::id.eq(redemption_items::order_id)))
        .filter(exists(
            findings::table
                .filter(findings::item_id.eq(redemption_items::id))
                .filter(findings::outcome.eq("corrected"))
                .filter(diesel::dsl::not(exists(
                    receivables::table.filter(receivables::finding_id.eq(findings::id)),
                ))),
        ))
        .select(sum_fen("orders.covered_fen - redemption_items.amount_fen"))
        .first(conn)?;
    Ok((pending, paid, recovered, corrected))
}
