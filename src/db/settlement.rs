//! Settlement runs, payouts, their items and held-back payees.

use super::models::{
    EntitlementRow, EvidenceRow, HoldbackRow, OrderRow, PayoutRow, RedemptionItemRow,
    SettlementRunRow, SpaceRow,
};
use super::schema::{
    findings, firms, ledger_entries, order_evidence, orders, payout_items, payouts, programmes,
    redemption_items, settlement_holdbacks, settlement_runs, spaces, subsidy_entitlements,
};
use super::DbConnection;
use super::{holding, lower};
use crate::domain::id::{PayoutId, ProviderId, RunId, SpaceId};
use crate::domain::listing::{Filter, Sort};
use crate::domain::settlement::PayoutStatus;
use crate::domain::settlement::RunStatus;
use crate::domain::Fen;
use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

/// Keeps every other writer off the redemption items until the transaction ends, and
/// every other preparation too (the mode conflicts with itself) — PostgreSQL; SQLite's
/// write transaction already excludes them. A run's payouts and the items they pay are
/// then read from one unchanging set, and two servers preparing a period one after the
/// other find the first one's run.
///
/// The payout items are frozen too, so no result recorded meanwhile lets go of an item
/// between the count of what is payable and the attaching of it. Both tables then get
/// fresh planner statistics: a month's run is the one query over a table that may have
/// grown by a million rows since autovacuum last looked, and a planner that believes
/// `payout_items` empty probes it by a sequential scan per item.
pub fn freeze_items(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Pg(c) = conn {
        diesel::sql_query(
            "LOCK TABLE redemption_items, subsidy_entitlements, supplements, payout_items \
             IN SHARE ROW EXCLUSIVE MODE",
        )
        .execute(c)?;
        diesel::sql_query("ANALYZE redemption_items, payout_items").execute(c)?;
    }
    Ok(())
}

/// Per provider, how many payable items became payable before `cutoff` and are not in
/// a live payout, and their total: (provider, items, fen). Summed by the database, so
/// a million items cross the connection as one row per provider.
pub fn payable_by_provider(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
) -> QueryResult<Vec<(ProviderId, i64, Fen)>> {
    redemption_items::table
        .filter(redemption_items::status.eq("payable"))
        .filter(redemption_items::payable_at.lt(cutoff))
        .filter(not(exists(
            payout_items::table
                .filter(payout_items::item_id.eq(redemption_items::id))
                .filter(payout_items::live),
        )))
        // An item under an open finding (回访抽查) waits for the reviewer's decision.
        .filter(not(exists(
            findings::table
                .filter(findings::item_id.eq(redemption_items::id))
                .filter(findings::status.eq("open")),
        )))
        .group_by(redemption_items::provider_id)
        .select((
            redemption_items::provider_id,
            diesel::dsl::count_star(),
            // SUM of a BIGINT is NUMERIC on PostgreSQL, which the connection enum does
            // not carry; an item is at most a voucher's face value, so the sum fits.
            diesel::dsl::sql::<BigInt>("CAST(SUM(redemption_items.amount_fen) AS BIGINT)"),
        ))
        .load(conn)
}

/// Per space, the payable subsidy entitlements that became payable before `cutoff`
/// and are not in a live payout, and their total: (space, entitlements, fen).
pub fn payable_entitlements_by_space(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
) -> QueryResult<Vec<(SpaceId, i64, Fen)>> {
    subsidy_entitlements::table
        .filter(subsidy_entitlements::status.eq("payable"))
        .filter(subsidy_entitlements::payable_at.lt(cutoff))
        .filter(not(exists(
            payout_items::table
                .filter(payout_items::item_id.eq(subsidy_entitlements::id))
                .filter(payout_items::live),
        )))
        .group_by(subsidy_entitlements::space_id)
        .select((
            subsidy_entitlements::space_id,
            diesel::dsl::count_star(),
            diesel::dsl::sql::<BigInt>("CAST(SUM(subsidy_entitlements.amount_fen) AS BIGINT)"),
        ))
        .load(conn)
}

/// Attaches the payable entitlements to the run's payouts to spaces. A few per space a
/// month at most: read, then inserted.
pub fn attach_entitlements(
    conn: &mut DbConnection,
    run_id: &RunId,
    cutoff: NaiveDateTime,
) -> QueryResult<usize> {
    let rows: Vec<(String, String, Fen)> = subsidy_entitlements::table
        .inner_join(
            payouts::table.on(payouts::payee_id
                .eq(subsidy_entitlements::space_id)
                .and(payouts::payee_kind.eq("space"))
                .and(payouts::run_id.eq(run_id.to_string()))),
        )
        .filter(subsidy_entitlements::status.eq("payable"))
        .filter(subsidy_entitlements::payable_at.lt(cutoff))
        .filter(not(exists(
            payout_items::table
                .filter(payout_items::item_id.eq(subsidy_entitlements::id))
                .filter(payout_items::live),
        )))
        .select((payouts::id, subsidy_entitlements::id, subsidy_entitlements::amount_fen))
        .load(conn)?;
    insert_lines(conn, "entitlement", &rows)
}

/// Inserts a few payout lines of one kind: (payout, item, amount), live.
fn insert_lines(
    conn: &mut DbConnection,
    kind: &str,
    rows: &[(String, String, Fen)],
) -> QueryResult<usize> {
    let mut n = 0;
    for (payout, item, amount) in rows {
        n += diesel::insert_into(payout_items::table)
            .values((
                payout_items::payout_id.eq(payout),
                payout_items::item_kind.eq(kind),
                payout_items::item_id.eq(item),
                payout_items::amount_fen.eq(amount),
                payout_items::live.eq(true),
            ))
            .execute(conn)?;
    }
    Ok(n)
}

pub fn live_run(conn: &mut DbConnection, period: &str) -> QueryResult<Option<SettlementRunRow>> {
    settlement_runs::table
        .filter(settlement_runs::period.eq(period))
        .filter(settlement_runs::status.ne("rejected"))
        .first(conn)
        .optional()
}

/// When the programme began: its first voucher programme or its first money, whichever
/// came first (none yet: `None`).
pub fn programme_began(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    use diesel::dsl::min;
    let first_programme: Option<NaiveDateTime> =
        programmes::table.select(min(programmes::created_at)).first(conn)?;
    let first_money: Option<NaiveDateTime> =
        ledger_entries::table.select(min(ledger_entries::created_at)).first(conn)?;
    Ok(first_programme.into_iter().chain(first_money).min())
}

pub fn runs_of_period(conn: &mut DbConnection, period: &str) -> QueryResult<i64> {
    settlement_runs::table.filter(settlement_runs::period.eq(period)).count().get_result(conn)
}

pub fn insert_run(conn: &mut DbConnection, row: &SettlementRunRow) -> QueryResult<()> {
    diesel::insert_into(settlement_runs::table).values(row).execute(conn).map(|_| ())
}

pub fn update_run(conn: &mut DbConnection, row: &SettlementRunRow) -> QueryResult<usize> {
    diesel::update(settlement_runs::table.find(&row.id)).set(row).execute(conn)
}

pub fn run(conn: &mut DbConnection, id: &RunId) -> QueryResult<Option<SettlementRunRow>> {
    settlement_runs::table.find(id).first(conn).optional()
}

pub fn run_for_update(
    conn: &mut DbConnection,
    id: &RunId,
) -> QueryResult<Option<SettlementRunRow>> {
    first_for_update!(conn, settlement_runs::table.find(id))
}

/// Runs as a list asks: by stored state; words that begin the period (`2026-1`) or are
/// in a payee's name, a payee's whole credit code or a payout's reference; the days
/// prepared; newest, oldest or largest total first.
pub fn runs(
    conn: &mut DbConnection,
    f: &Filter<RunStatus>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<SettlementRunRow>, i64)> {
    listed!(
        conn,
        settlement_runs,
        (offset, limit),
        |q| {
            if let Some(s) = f.status {
                q = q.filter(settlement_runs::status.eq(s.as_str()));
            }
            if let Some(w) = &f.words {
                let paying = payouts::table
                    .filter(
                        lower(payouts::payee_name)
                            .like(holding(w))
                            .escape('\\')
                            .or(payouts::credit_code.eq(w.to_uppercase()))
                            .or(payouts::reference.eq(w.clone())),
                    )
                    .select(payouts::run_id);
                let period = format!("{}%", w.replace(['%', '_', '\\'], ""));
                q = q.filter(
                    settlement_runs::period.like(period).or(settlement_runs::id.eq_any(paying)),
                );
            }
            if let Some(t) = f.from {
                q = q.filter(settlement_runs::prepared_at.ge(t));
            }
            if let Some(t) = f.before {
                q = q.filter(settlement_runs::prepared_at.lt(t));
            }
        },
        order
            | o
            | match f.sort {
                Sort::Oldest => o.order(settlement_runs::id.asc()),
                Sort::Largest =>
                    o.order((settlement_runs::total_fen.desc(), settlement_runs::id.desc())),
                Sort::Newest | Sort::Name | Sort::Cheapest | Sort::Rated =>
                    o.order(settlement_runs::id.desc()),
            }
    )
}

pub fn insert_payouts(conn: &mut DbConnection, rows: &[PayoutRow]) -> QueryResult<()> {
    bulk_insert!(conn, payouts::table, rows);
    Ok(())
}

pub fn insert_holdbacks(conn: &mut DbConnection, rows: &[HoldbackRow]) -> QueryResult<()> {
    bulk_insert!(conn, settlement_holdbacks::table, rows);
    Ok(())
}

// What a run is about to attach, on PostgreSQL: a temporary table, dropped at commit.
diesel::table! {
    settlement_candidates (item_id) {
        payout_id -> Text,
        item_id -> Text,
        amount_fen -> BigInt,
    }
}

/// Attaches the payable supplements (补付款) to the run's payouts to providers. A few a
/// month at most: read, then inserted.
pub fn attach_supplements(
    conn: &mut DbConnection,
    run_id: &RunId,
    cutoff: NaiveDateTime,
) -> QueryResult<usize> {
    use super::schema::supplements;
    let rows: Vec<(String, String, Fen)> = supplements::table
        .inner_join(
            payouts::table.on(payouts::payee_id
                .eq(supplements::provider_id)
                .and(payouts::payee_kind.eq("provider"))
                .and(payouts::run_id.eq(run_id.to_string()))),
        )
        .filter(supplements::status.eq("payable"))
        .filter(supplements::payable_at.lt(cutoff))
        .filter(not(exists(
            payout_items::table
                .filter(payout_items::item_id.eq(supplements::id))
                .filter(payout_items::live),
        )))
        .select((payouts::id, supplements::id, supplements::amount_fen))
        .load(conn)?;
    insert_lines(conn, "supplement", &rows)
}

/// Records what each provider payout of `run_id` pays: the provider's payable items
/// from before `cutoff` not yet in a live payout. The items themselves are not written:
/// "in settlement" is their live payout row, so a run over a million items costs a
/// million inserts, not also a million updates of an indexed table. Returns the number
/// of items.
///
/// SQLite does it in one INSERT … SELECT. PostgreSQL first gathers the items into a
/// temporary table, then inserts them: in one statement its "not in a live payout"
/// check would read the very table being written, and with `payout_items` planned as
/// (nearly) empty that check re-scans the growing table once per item: 100,000 items
/// took 141 s that way. (`ON CONFLICT DO NOTHING` instead of the check is safe but
/// doubles the cost of each insert.)
pub fn attach_redemption_items(
    conn: &mut DbConnection,
    run_id: &RunId,
    cutoff: NaiveDateTime,
) -> QueryResult<usize> {
    macro_rules! candidates {
        () => {
            redemption_items::table
                .inner_join(
                    payouts::table.on(payouts::payee_id
                        .eq(redemption_items::provider_id)
                        .and(payouts::payee_kind.eq("provider"))
                        .and(payouts::run_id.eq(run_id.to_string()))),
                )
                .filter(redemption_items::status.eq("payable"))
                .filter(redemption_items::payable_at.lt(cutoff))
                .filter(not(exists(
                    payout_items::table
                        .filter(payout_items::item_id.eq(redemption_items::id))
                        .filter(payout_items::live),
                )))
                .filter(not(exists(
                    findings::table
                        .filter(findings::item_id.eq(redemption_items::id))
                        .filter(findings::status.eq("open")),
                )))
        };
    }
    let columns = (
        payout_items::payout_id,
        payout_items::item_kind,
        payout_items::item_id,
        payout_items::amount_fen,
        payout_items::live,
    );
    match conn {
        DbConnection::Pg(c) => {
            // The run's payouts were just written: without statistics the planner takes
            // them for one row and visits the items provider by provider, a random
            // heap read per item, instead of one scan joined to the payouts by hash.
            diesel::sql_query("ANALYZE payouts").execute(c)?;
            diesel::sql_query(
                "CREATE TEMPORARY TABLE settlement_candidates (payout_id TEXT NOT NULL, \
                 item_id TEXT NOT NULL, amount_fen BIGINT NOT NULL) ON COMMIT DROP",
            )
            .execute(c)?;
            diesel::insert_into(settlement_candidates::table)
                .values(candidates!().select((
                    payouts::id,
                    redemption_items::id,
                    redemption_items::amount_fen,
                )))
                .into_columns((
                    settlement_candidates::payout_id,
                    settlement_candidates::item_id,
                    settlement_candidates::amount_fen,
                ))
                .execute(c)?;
            diesel::insert_into(payout_items::table)
                .values(settlement_candidates::table.select((
                    settlement_candidates::payout_id,
                    "redemption".into_sql::<Text>(),
                    settlement_candidates::item_id,
                    settlement_candidates::amount_fen,
                    true.into_sql::<Bool>(),
                )))
                .into_columns(columns)
                .execute(c)
        }
        DbConnection::Sqlite(c) => diesel::insert_into(payout_items::table)
            .values(candidates!().select((
                payouts::id,
                "redemption".into_sql::<Text>(),
                redemption_items::id,
                redemption_items::amount_fen,
                true.into_sql::<Bool>(),
            )))
            .into_columns(columns)
            .execute(c),
    }
}

/// Moves the live items of one payout from one status to another (nothing when the two
/// are the same); with `release`, the payout lets go of them (they may be paid by a
/// later payout).
pub fn set_items_of_payout(
    conn: &mut DbConnection,
    payout_id: &PayoutId,
    from: &str,
    to: &str,
    release: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut n = 0;
    if from != to {
        let ids = || {
            payout_items::table
                .filter(payout_items::payout_id.eq(payout_id))
                .filter(payout_items::live)
                .select(payout_items::item_id)
        };
        let set = (redemption_items::status.eq(to), redemption_items::updated_at.eq(now));
        n = match conn {
            DbConnection::Pg(c) => diesel::update(
                redemption_items::table
                    .filter(redemption_items::id.eq_any(ids()))
                    .filter(redemption_items::status.eq(from)),
            )
            .set(set)
            .execute(c)?,
            // Without statistics SQLite prefers the status index to the payout's item
            // ids and walks every item in that status once per payout: recording 5,000
            // payouts would read every payable item 5,000 times. A unary plus keeps the
            // status test off the index (SQLite's documented way), so the update goes
            // by id.
            DbConnection::Sqlite(c) => diesel::update(
                redemption_items::table.filter(redemption_items::id.eq_any(ids())).filter(
                    diesel::dsl::sql::<Bool>(r#"+"redemption_items"."status" = "#)
                        .bind::<Text, _>(from),
                ),
            )
            .set(set)
            .execute(c)?,
        };
    }
    if from != to {
        let ids = payout_items::table
            .filter(payout_items::payout_id.eq(payout_id))
            .filter(payout_items::live)
            .filter(payout_items::item_kind.eq("entitlement"))
            .select(payout_items::item_id);
        n += diesel::update(
            subsidy_entitlements::table
                .filter(subsidy_entitlements::id.eq_any(ids))
                .filter(subsidy_entitlements::status.eq(from)),
        )
        .set((subsidy_entitlements::status.eq(to), subsidy_entitlements::updated_at.eq(now)))
        .execute(conn)?;
        use super::schema::supplements;
        let ids = payout_items::table
            .filter(payout_items::payout_id.eq(payout_id))
            .filter(payout_items::live)
            .filter(payout_items::item_kind.eq("supplement"))
            .select(payout_items::item_id);
        n += diesel::update(
            supplements::table
                .filter(supplements::id.eq_any(ids))
                .filter(supplements::status.eq(from)),
        )
        .set((supplements::status.eq(to), supplements::updated_at.eq(now)))
        .execute(conn)?;
    }
    if release {
        n = diesel::update(
            payout_items::table
                .filter(payout_items::payout_id.eq(payout_id))
                .filter(payout_items::live),
        )
        .set(payout_items::live.eq(false))
        .execute(conn)?;
    }
    Ok(n)
}

/// Payouts of every run as a list asks: by state; words in the payee's name, its whole
/// credit code, the payout's reference or the bank's reference; the days paid (China
/// days, the bank's date); newest, oldest, largest or by payee.
pub fn payouts(
    conn: &mut DbConnection,
    f: &Filter<PayoutStatus>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<PayoutRow>, i64)> {
    use crate::domain::china_time;
    listed!(
        conn,
        payouts,
        (offset, limit),
        |q| {
            if let Some(s) = f.status {
                q = q.filter(payouts::status.eq(s.as_str()));
            }
            if let Some(w) = &f.words {
                q = q.filter(
                    lower(payouts::payee_name)
                        .like(holding(w))
                        .escape('\\')
                        .or(payouts::credit_code.eq(w.to_uppercase()))
                        .or(payouts::reference.eq(w.to_uppercase()))
                        .or(payouts::bank_reference.eq(w.clone())),
                );
            }
            if let Some(t) = f.from {
                q = q.filter(payouts::paid_on.ge(china_time(t).date()));
            }
            if let Some(t) = f.before {
                q = q.filter(payouts::paid_on.lt(china_time(t).date()));
            }
        },
        order
            | o
            | match f.sort {
                Sort::Oldest => o.order(payouts::id.asc()),
                Sort::Largest => o.order((payouts::amount_fen.desc(), payouts::id.desc())),
                Sort::Name => o.order((payouts::payee_name.asc(), payouts::id.desc())),
                Sort::Newest | Sort::Cheapest | Sort::Rated => o.order(payouts::id.desc()),
            }
    )
}

pub fn payouts_of(conn: &mut DbConnection, run_id: &RunId) -> QueryResult<Vec<PayoutRow>> {
    payouts::table.filter(payouts::run_id.eq(run_id)).order(payouts::reference.asc()).load(conn)
}

/// How many payouts of each of `run_ids` are in each status: (run, status, count).
pub fn payout_tallies(
    conn: &mut DbConnection,
    run_ids: &[RunId],
) -> QueryResult<Vec<(RunId, PayoutStatus, i64)>> {
    let mut out = Vec::new();
    for chunk in run_ids.chunks(super::vouchers::CHUNK) {
        let rows: Vec<(RunId, PayoutStatus, i64)> = payouts::table
            .filter(payouts::run_id.eq_any(chunk))
            .group_by((payouts::run_id, payouts::status))
            .select((payouts::run_id, payouts::status, diesel::dsl::count_star()))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Everything one payout pays, as it was attached: the redemption items with their
/// orders, firm names and evidence, and the subsidy entitlements, by order number and
/// then by entitlement period.
pub struct PayoutLines {
    pub redemptions: Vec<(RedemptionItemRow, OrderRow, String)>,
    pub evidence: Vec<EvidenceRow>,
    pub entitlements: Vec<(EntitlementRow, String)>,
    /// Supplements (补付款) with their item's order number.
    pub supplements: Vec<(super::models::SupplementRow, String)>,
}

pub fn payout_lines(conn: &mut DbConnection, payout: &PayoutId) -> QueryResult<PayoutLines> {
    const CHUNK: usize = super::vouchers::CHUNK;
    let refs: Vec<(String, String)> = payout_items::table
        .filter(payout_items::payout_id.eq(payout))
        .select((payout_items::item_kind, payout_items::item_id))
        .load(conn)?;
    let of_kind = |kind: &str| -> Vec<String> {
        refs.iter().filter(|(k, _)| k == kind).map(|(_, id)| id.clone()).collect()
    };
    let (item_ids, entitlement_ids) = (of_kind("redemption"), of_kind("entitlement"));
    let mut rows: Vec<(RedemptionItemRow, OrderRow, String)> = Vec::new();
    let mut evidence = Vec::new();
    let mut entitlements = Vec::new();
    for chunk in item_ids.chunks(CHUNK) {
        let items: Vec<RedemptionItemRow> =
            redemption_items::table.filter(redemption_items::id.eq_any(chunk)).load(conn)?;
        let order_ids: Vec<String> = items.iter().map(|i| i.order_id.to_string()).collect();
        let mut orders: std::collections::HashMap<String, OrderRow> = orders::table
            .filter(orders::id.eq_any(&order_ids))
            .load::<OrderRow>(conn)?
            .into_iter()
            .map(|o| (o.id.to_string(), o))
            .collect();
        let firm_ids: Vec<String> = orders.values().map(|o| o.firm_id.to_string()).collect();
        let names: std::collections::HashMap<String, String> = firms::table
            .filter(firms::id.eq_any(&firm_ids))
            .select((firms::id, firms::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        evidence.extend(
            order_evidence::table
                .filter(order_evidence::order_id.eq_any(&order_ids))
                .order((order_evidence::order_id, order_evidence::uploaded_at))
                .load::<EvidenceRow>(conn)?,
        );
        for i in items {
            if let Some(o) = orders.remove(&i.order_id.to_string()) {
                let firm = names.get(&o.firm_id.to_string()).cloned().unwrap_or_default();
                rows.push((i, o, firm));
            }
        }
    }
    rows.sort_by(|a, b| a.1.order_no.cmp(&b.1.order_no));
    for chunk in entitlement_ids.chunks(CHUNK) {
        let found: Vec<(EntitlementRow, SpaceRow)> = subsidy_entitlements::table
            .inner_join(spaces::table)
            .filter(subsidy_entitlements::id.eq_any(chunk))
            .load(conn)?;
        entitlements.extend(found.into_iter().map(|(e, s)| (e, s.name)));
    }
    entitlements.sort_by(|a, b| (&a.0.period, &a.0.policy).cmp(&(&b.0.period, &b.0.policy)));
    let mut supplements = Vec::new();
    for chunk in of_kind("supplement").chunks(CHUNK) {
        use super::schema::supplements;
        let found: Vec<(super::models::SupplementRow, String)> = supplements::table
            .inner_join(redemption_items::table.on(redemption_items::id.eq(supplements::item_id)))
            .inner_join(orders::table.on(orders::id.eq(redemption_items::order_id)))
            .filter(supplements::id.eq_any(chunk))
            .select((supplements::all_columns, orders::order_no))
            .load(conn)?;
        supplements.extend(found);
    }
    supplements.sort_by(|a, b| (&a.1, &a.0.id).cmp(&(&b.1, &b.0.id)));
    Ok(PayoutLines { redemptions: rows, evidence, entitlements, supplements })
}

/// The bank details each of `payees` was last paid to outside `run`: (payee, bank,
/// account name, account number), one row per payee ever paid.
pub fn last_paid_accounts(
    conn: &mut DbConnection,
    payees: &[String],
    run: &RunId,
) -> QueryResult<Vec<(String, String, String, String)>> {
    let mut out: Vec<(String, String, String, String)> = Vec::new();
    for chunk in payees.chunks(super::vouchers::CHUNK) {
        let rows: Vec<(String, String, String, String)> = payouts::table
            .filter(payouts::payee_id.eq_any(chunk))
            .filter(payouts::run_id.ne(run))
            // A reversed payout was paid too, before the bank returned it.
            .filter(
                payouts::status
                    .eq_any([PayoutStatus::Paid.as_str(), PayoutStatus::Reversed.as_str()]),
            )
            .order((payouts::payee_id, payouts::paid_on.desc(), payouts::recorded_at.desc()))
            .select((
                payouts::payee_id,
                payouts::bank_name,
                payouts::bank_account_name,
                payouts::bank_account_no,
            ))
            .load(conn)?;
        for r in rows {
            if out.last().is_none_or(|l| l.0 != r.0) {
                out.push(r);
            }
        }
    }
    Ok(out)
}

/// How many orders of each of `providers` are in dispute (those with none are left out).
pub fn disputed_orders(
    conn: &mut DbConnection,
    providers: &[String],
) -> QueryResult<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for chunk in providers.chunks(super::vouchers::CHUNK) {
        let rows: Vec<(String, i64)> = orders::table
            .filter(orders::provider_id.eq_any(chunk))
            .filter(orders::status.eq(crate::domain::order::OrderStatus::Disputed.as_str()))
            .group_by(orders::provider_id)
            .select((orders::provider_id, diesel::dsl::count_star()))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// A space's bank account on record: (space, bank, account name, account no).
pub type SpaceAccount = (SpaceId, Option<String>, Option<String>, Option<String>);

/// The bank accounts spaces have on record now.
pub fn space_accounts(conn: &mut DbConnection, ids: &[SpaceId]) -> QueryResult<Vec<SpaceAccount>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(super::vouchers::CHUNK) {
        out.extend(
            spaces::table
                .filter(spaces::id.eq_any(chunk))
                .select((
                    spaces::id,
                    spaces::bank_name,
                    spaces::bank_account_name,
                    spaces::bank_account_no,
                ))
                .load::<SpaceAccount>(conn)?,
        );
    }
    Ok(out)
}

/// What a run's live payouts pay by service category (redemptions) and by subsidy policy
/// (entitlements): (kind, code, items, amount), kind `category` or `policy`.
pub fn run_by_category(
    conn: &mut DbConnection,
    run: &RunId,
) -> QueryResult<Vec<(String, String, i64, Fen)>> {
    let sum = || diesel::dsl::sql::<BigInt>("CAST(SUM(payout_items.amount_fen) AS BIGINT)");
    let redemptions: Vec<(String, i64, Fen)> = payout_items::table
        .inner_join(payouts::table)
        .inner_join(redemption_items::table.on(redemption_items::id.eq(payout_items::item_id)))
        .filter(payouts::run_id.eq(run))
        .filter(payout_items::live)
        .group_by(redemption_items::category)
        .select((redemption_items::category, diesel::dsl::count_star(), sum()))
        .load(conn)?;
    let entitlements: Vec<(String, i64, Fen)> = payout_items::table
        .inner_join(payouts::table)
        .inner_join(
            subsidy_entitlements::table.on(subsidy_entitlements::id.eq(payout_items::item_id)),
        )
        .filter(payouts::run_id.eq(run))
        .filter(payout_items::live)
        .group_by(subsidy_entitlements::policy)
        .select((subsidy_entitlements::policy, diesel::dsl::count_star(), sum()))
        .load(conn)?;
    let supplements: Vec<(i64, Option<Fen>)> = payout_items::table
        .inner_join(payouts::table)
        .filter(payouts::run_id.eq(run))
        .filter(payout_items::live)
        .filter(payout_items::item_kind.eq("supplement"))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sql::<diesel::sql_types::Nullable<BigInt>>(
                "CAST(SUM(payout_items.amount_fen) AS BIGINT)",
            ),
        ))
        .load(conn)?;
    let supplements = supplements
        .into_iter()
        .filter_map(|(n, f)| f.filter(|_| n > 0).map(|f| ("supplement".to_string(), n, f)));
    Ok(redemptions
        .into_iter()
        .map(|(c, n, f)| ("category".to_string(), c, n, f))
        .chain(entitlements.into_iter().map(|(c, n, f)| ("policy".to_string(), c, n, f)))
        .chain(supplements.map(|(c, n, f)| ("supplement".to_string(), c, n, f)))
        .collect())
}

pub fn payout(conn: &mut DbConnection, id: &PayoutId) -> QueryResult<Option<PayoutRow>> {
    payouts::table.find(id).first(conn).optional()
}

pub fn payout_for_update(conn: &mut DbConnection, id: &PayoutId) -> QueryResult<Option<PayoutRow>> {
    first_for_update!(conn, payouts::table.find(id))
}

pub fn update_payout(conn: &mut DbConnection, row: &PayoutRow) -> QueryResult<usize> {
    diesel::update(payouts::table.find(&row.id)).set(row).execute(conn)
}

pub fn holdbacks_of(conn: &mut DbConnection, run_id: &RunId) -> QueryResult<Vec<HoldbackRow>> {
    settlement_holdbacks::table
        .filter(settlement_holdbacks::run_id.eq(run_id))
        .order(settlement_holdbacks::payee_name.asc())
        .load(conn)
}

/// Every payout (for verifying the ledger).
pub fn all_payouts(conn: &mut DbConnection) -> QueryResult<Vec<PayoutRow>> {
    payouts::table.load(conn)
}

/// Every payout item as (payout, item, amount, live) (for verifying the ledger).
pub fn all_payout_items(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, Fen, bool)>> {
    payout_items::table
        .select((
            payout_items::payout_id,
            payout_items::item_id,
            payout_items::amount_fen,
            payout_items::live,
        ))
        .load(conn)
}

/// What the live payouts of a period's run pay in subsidies: (policy, space, amount,
/// payout status).
pub fn report_entitlement_rows(
    conn: &mut DbConnection,
    period: &str,
) -> QueryResult<Vec<(String, String, Fen, String)>> {
    payout_items::table
        .inner_join(payouts::table.inner_join(settlement_runs::table))
        .inner_join(
            subsidy_entitlements::table.on(subsidy_entitlements::id.eq(payout_items::item_id)),
        )
        .filter(settlement_runs::period.eq(period))
        .filter(settlement_runs::status.ne("rejected"))
        .filter(payout_items::live)
        .select((
            subsidy_entitlements::policy,
            subsidy_entitlements::space_id,
            payout_items::amount_fen,
            payouts::status,
        ))
        .load(conn)
}

/// One item a run pays: (programme, provider, category, amount, payout status).
pub type ReportRow = (String, String, String, Fen, String);

/// What the live payouts of a period's run pay, item by item.
pub fn report_rows(conn: &mut DbConnection, period: &str) -> QueryResult<Vec<ReportRow>> {
    payout_items::table
        .inner_join(payouts::table.inner_join(settlement_runs::table))
        .inner_join(redemption_items::table.on(redemption_items::id.eq(payout_items::item_id)))
        .filter(settlement_runs::period.eq(period))
        .filter(settlement_runs::status.ne("rejected"))
        .filter(payout_items::live)
        .select((
            redemption_items::programme_id,
            redemption_items::provider_id,
            redemption_items::category,
            payout_items::amount_fen,
            payouts::status,
        ))
        .load(conn)
}

/// The supplements (补付款) a period's runs pay, as report rows: category `supplement`.
pub fn report_supplement_rows(
    conn: &mut DbConnection,
    period: &str,
) -> QueryResult<Vec<ReportRow>> {
    use super::schema::supplements;
    payout_items::table
        .inner_join(payouts::table.inner_join(settlement_runs::table))
        .inner_join(supplements::table.on(supplements::id.eq(payout_items::item_id)))
        .filter(settlement_runs::period.eq(period))
        .filter(settlement_runs::status.ne("rejected"))
        .filter(payout_items::live)
        .select((
            supplements::programme_id,
            supplements::provider_id,
            "supplement".into_sql::<Text>(),
            payout_items::amount_fen,
            payouts::status,
        ))
        .load(conn)
}

/// The status of the live payout holding each of `item_ids`, if any.
pub fn live_payout_status(
    conn: &mut DbConnection,
    item_ids: &[String],
) -> QueryResult<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    for chunk in item_ids.chunks(super::vouchers::CHUNK) {
        let rows: Vec<(String, String)> = payout_items::table
            .inner_join(payouts::table)
            .filter(payout_items::item_id.eq_any(chunk))
            .filter(payout_items::live)
            .select((payout_items::item_id, payouts::status))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
