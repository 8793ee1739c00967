//! Settlement (定期兑现): a run per period gathers every payable item into one payout
//! per payee, with the payee's bank account as it is that day; a second finance user
//! approves it; the bank file is exported; results are recorded (or imported) per
//! payout. Ledger: `payable:{payee}` → `payout:{payout}` when prepared, → `paid:{payee}`
//! when paid; a failed payout, a rejected run or a reversal puts the money back in
//! `payable:{payee}` and its items back to payable.

use super::{audit, snapshot, Actor, Page, Paged};
use crate::db::models::{HoldbackRow, LedgerEntryRow, PayoutRow, SettlementRunRow};
use crate::db::settlement as repo;
use crate::db::{self, parties, users, vouchers, DbConnection};
use crate::domain::settlement::{
    payout_reference, run_stage, unpayable, PayoutStatus, Period, RunStage, RunStatus,
};
use crate::domain::validation::FieldErrors;
use crate::domain::{new_id, Fen};
use crate::error::{AppError, AppResult, Kind};
use crate::notify::{
    self, Message, PayoutFailed, PayoutPaid, SettlementAwaitingApproval, Templates,
};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub fn payout_account(payout_id: &str) -> String {
    format!("payout:{payout_id}")
}
pub fn paid_account(payee_id: &str) -> String {
    format!("paid:{payee_id}")
}

/// One balanced transaction of many moves (from, to, amount).
pub(crate) fn moves(
    list: &[(String, String, i64)],
    kind: &str,
    now: NaiveDateTime,
) -> Vec<LedgerEntryRow> {
    let txn = new_id();
    let mut rows = Vec::with_capacity(list.len() * 2);
    for (from, to, amount) in list {
        for (account, a) in [(from, -amount), (to, *amount)] {
            rows.push(LedgerEntryRow {
                id: new_id(),
                txn_id: txn.clone(),
                account: account.clone(),
                amount_fen: a,
                kind: kind.into(),
                created_at: now,
            });
        }
    }
    rows
}

pub fn parse_period(s: &str) -> AppResult<Period> {
    Period::parse(s).ok_or_else(|| {
        AppError::bad_request(
            "period_invalid",
            "结算期应为 YYYY-MM，如 2026-11",
            "a period is YYYY-MM, e.g. 2026-11",
        )
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PayoutView {
    pub id: String,
    pub reference: String,
    pub payee_kind: String,
    pub payee_id: String,
    pub payee_name: String,
    pub credit_code: String,
    pub bank_name: String,
    pub bank_account_name: String,
    pub bank_account_no: String,
    #[schema(value_type = String, example = "12000.00")]
    pub amount: Fen,
    pub item_count: i32,
    pub status: PayoutStatus,
    pub bank_reference: Option<String>,
    pub paid_on: Option<NaiveDate>,
    pub failure_reason: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub recorded_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub reversed_at: Option<NaiveDateTime>,
    pub reversal_reason: Option<String>,
}

impl PayoutView {
    fn from_row(p: PayoutRow) -> AppResult<Self> {
        Ok(PayoutView {
            status: PayoutStatus::parse(&p.status)
                .ok_or_else(|| AppError::internal("bad payout status"))?,
            id: p.id,
            reference: p.reference,
            payee_kind: p.payee_kind,
            payee_id: p.payee_id,
            payee_name: p.payee_name,
            credit_code: p.credit_code,
            bank_name: p.bank_name,
            bank_account_name: p.bank_account_name,
            bank_account_no: p.bank_account_no,
            amount: Fen::new(p.amount_fen),
            item_count: p.item_count,
            bank_reference: p.bank_reference,
            paid_on: p.paid_on,
            failure_reason: p.failure_reason,
            recorded_at: p.recorded_at,
            reversed_at: p.reversed_at,
            reversal_reason: p.reversal_reason,
        })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HoldbackView {
    pub payee_kind: String,
    pub payee_id: String,
    pub payee_name: String,
    pub reason: String,
    pub item_count: i32,
    #[schema(value_type = String)]
    pub amount: Fen,
}

/// How many of a run's payouts are in each state.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct PayoutTally {
    /// Awaiting the bank's result.
    pub pending: i64,
    pub paid: i64,
    pub failed: i64,
    pub reversed: i64,
    /// With a rejected run.
    pub cancelled: i64,
}

impl PayoutTally {
    fn add(&mut self, status: &str, n: i64) {
        match PayoutStatus::parse(status) {
            Some(PayoutStatus::Pending) => self.pending += n,
            Some(PayoutStatus::Paid) => self.paid += n,
            Some(PayoutStatus::Failed) => self.failed += n,
            Some(PayoutStatus::Reversed) => self.reversed += n,
            Some(PayoutStatus::Cancelled) => self.cancelled += n,
            None => {}
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunView {
    pub id: String,
    pub period: String,
    /// Items that became payable before this instant are in the run.
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub cutoff: NaiveDateTime,
    /// What is stored: prepared, approved or rejected.
    pub status: RunStatus,
    /// Where the run stands: prepared → approved → exported (bank file taken) → closed
    /// (every payout's result recorded), or rejected.
    pub stage: RunStage,
    /// The payouts by state.
    pub results: PayoutTally,
    pub origin: String,
    pub prepared_by: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub prepared_at: NaiveDateTime,
    pub decided_by: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub decided_at: Option<NaiveDateTime>,
    pub reject_reason: Option<String>,
    pub payout_count: i32,
    pub item_count: i32,
    #[schema(value_type = String)]
    pub total: Fen,
    pub held_back_count: i32,
    #[schema(value_type = String)]
    pub held_back: Fen,
    pub csv_sha256: Option<String>,
    pub xlsx_sha256: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub exported_at: Option<NaiveDateTime>,
    /// On single reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payouts: Option<Vec<PayoutView>>,
    /// Payees whose items wait for a payable bank account (on single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_back_payees: Option<Vec<HoldbackView>>,
}

impl RunView {
    fn from_row(r: SettlementRunRow, results: PayoutTally) -> AppResult<Self> {
        let status =
            RunStatus::parse(&r.status).ok_or_else(|| AppError::internal("bad run status"))?;
        Ok(RunView {
            status,
            stage: run_stage(status, r.exported_at.is_some(), results.pending),
            results,
            id: r.id,
            period: r.period,
            cutoff: r.cutoff,
            origin: r.origin,
            prepared_by: r.prepared_by,
            prepared_at: r.prepared_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            reject_reason: r.reject_reason,
            payout_count: r.payout_count,
            item_count: r.item_count,
            total: Fen::new(r.total_fen),
            held_back_count: r.held_back_count,
            held_back: Fen::new(r.held_back_fen),
            csv_sha256: r.csv_sha256,
            xlsx_sha256: r.xlsx_sha256,
            exported_at: r.exported_at,
            payouts: None,
            held_back_payees: None,
        })
    }
}

/// Views of `rows`, with their payouts tallied.
fn views(c: &mut DbConnection, rows: Vec<SettlementRunRow>) -> AppResult<Vec<RunView>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut tallies: BTreeMap<String, PayoutTally> = BTreeMap::new();
    for (run, status, n) in repo::payout_tallies(c, &ids)? {
        tallies.entry(run).or_default().add(&status, n);
    }
    rows.into_iter()
        .map(|r| {
            let t = tallies.get(&r.id).copied().unwrap_or_default();
            RunView::from_row(r, t)
        })
        .collect()
}

fn full(c: &mut DbConnection, r: SettlementRunRow) -> AppResult<RunView> {
    let rows = repo::payouts_of(c, &r.id)?;
    let mut tally = PayoutTally::default();
    for p in &rows {
        tally.add(&p.status, 1);
    }
    let payouts = rows
        .into_iter()
        .map(PayoutView::from_row)
        .collect::<AppResult<Vec<_>>>()?;
    let held = repo::holdbacks_of(c, &r.id)?
        .into_iter()
        .map(|h| HoldbackView {
            payee_kind: h.payee_kind,
            payee_id: h.payee_id,
            payee_name: h.payee_name,
            reason: h.reason,
            item_count: h.item_count,
            amount: Fen::new(h.amount_fen),
        })
        .collect();
    let mut v = RunView::from_row(r, tally)?;
    v.payouts = Some(payouts);
    v.held_back_payees = Some(held);
    Ok(v)
}

/// The outcome of preparing: the period's run, and whether this call made it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Prepared {
    pub created: bool,
    pub run: RunView,
}

/// Whom a run pays: a provider (redemptions) or a space (subsidies).
struct Payee {
    kind: &'static str,
    id: String,
    name: String,
    credit_code: String,
    bank_name: String,
    bank_account_name: String,
    bank_account_no: String,
    count: i32,
    amount: i64,
}

/// Prepares the run of `period`: every payable item that became payable before the
/// period ended (or before now, if it has not), one payout per payee. Idempotent: when
/// the period already has a live run (prepared or approved), that run is returned.
pub fn prepare(
    conn: &mut DbConnection,
    templates: &Templates,
    period: Period,
    scheduled: bool,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<Prepared> {
    if period.start_utc() > now {
        return Err(AppError::rule(
            "period_in_future",
            format!("结算期 {period} 尚未开始"),
            format!("the period {period} has not begun"),
        ));
    }
    let result = db::write_tx(conn, |c| -> AppResult<Prepared> {
        repo::freeze_items(c)?;
        if let Some(run) = repo::live_run(c, &period.to_string())? {
            return Ok(Prepared {
                created: false,
                run: full(c, run)?,
            });
        }
        let attempt = repo::runs_of_period(c, &period.to_string())? + 1;
        // Exclusive: the end of the period, or (for a period not yet over) just after
        // now, so everything payable by now is in.
        let cutoff = period
            .end_utc()
            .min(now + chrono::Duration::microseconds(1));
        // Group the payable items by payee: providers for redemptions, spaces for
        // subsidy entitlements.
        let mut by_provider: BTreeMap<String, (i32, i64)> = BTreeMap::new();
        let count_of = |count: i64| {
            i32::try_from(count)
                .map_err(|_| AppError::internal(format!("{count} items for one payee")))
        };
        for (provider, count, amount) in repo::payable_by_provider(c, cutoff)? {
            by_provider.insert(provider, (count_of(count)?, amount));
        }
        let mut by_space: BTreeMap<String, (i32, i64)> = BTreeMap::new();
        for (space, count, amount) in repo::payable_entitlements_by_space(c, cutoff)? {
            by_space.insert(space, (count_of(count)?, amount));
        }
        let ids: Vec<String> = by_provider.keys().cloned().collect();
        let mut payees: Vec<Payee> = parties::providers_by_ids(c, &ids)?
            .into_iter()
            .map(|p| Payee {
                kind: "provider",
                count: by_provider[&p.id].0,
                amount: by_provider[&p.id].1,
                id: p.id,
                name: p.name,
                credit_code: p.credit_code,
                bank_name: p.bank_name,
                bank_account_name: p.bank_account_name,
                bank_account_no: p.bank_account_no,
            })
            .collect();
        for (space_id, (count, amount)) in &by_space {
            let s = parties::space(c, space_id)?
                .ok_or_else(|| AppError::internal(format!("entitlement of no space {space_id}")))?;
            payees.push(Payee {
                kind: "space",
                count: *count,
                amount: *amount,
                id: s.id,
                name: s.name,
                credit_code: s.credit_code,
                bank_name: s.bank_name.unwrap_or_default(),
                bank_account_name: s.bank_account_name.unwrap_or_default(),
                bank_account_no: s.bank_account_no.unwrap_or_default(),
            });
        }
        payees.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        let run_id = new_id();
        let (mut payouts, mut held) = (Vec::new(), Vec::new());
        for p in payees {
            let (count, amount) = (p.count, p.amount);
            let account_no: String = p
                .bank_account_no
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if let Some(why) = unpayable(&p.bank_name, &p.bank_account_name, &account_no) {
                held.push(HoldbackRow {
                    run_id: run_id.clone(),
                    payee_kind: p.kind.into(),
                    payee_id: p.id,
                    payee_name: p.name,
                    reason: why.into(),
                    item_count: count,
                    amount_fen: amount,
                });
                continue;
            }
            payouts.push(PayoutRow {
                id: new_id(),
                run_id: run_id.clone(),
                reference: payout_reference(period, attempt, payouts.len() + 1),
                payee_kind: p.kind.into(),
                payee_id: p.id,
                payee_name: p.name,
                credit_code: p.credit_code,
                bank_name: p.bank_name,
                bank_account_name: p.bank_account_name,
                bank_account_no: account_no,
                amount_fen: amount,
                item_count: count,
                status: PayoutStatus::Pending.as_str().into(),
                bank_reference: None,
                paid_on: None,
                failure_reason: None,
                recorded_by: None,
                recorded_at: None,
                reversed_by: None,
                reversed_at: None,
                reversal_reason: None,
            });
        }
        let run = SettlementRunRow {
            id: run_id.clone(),
            period: period.to_string(),
            cutoff,
            status: RunStatus::Prepared.as_str().into(),
            origin: if scheduled { "schedule" } else { "manual" }.into(),
            prepared_by: actor.user_id.clone(),
            prepared_at: now,
            decided_by: None,
            decided_at: None,
            reject_reason: None,
            payout_count: payouts.len() as i32,
            item_count: payouts.iter().map(|p| p.item_count).sum(),
            total_fen: payouts.iter().map(|p| p.amount_fen).sum(),
            held_back_count: held.len() as i32,
            held_back_fen: held.iter().map(|h| h.amount_fen).sum(),
            csv_sha256: None,
            xlsx_sha256: None,
            exported_at: None,
        };
        repo::insert_run(c, &run)?;
        repo::insert_payouts(c, &payouts)?;
        repo::insert_holdbacks(c, &held)?;
        let attached = repo::attach_redemption_items(c, &run_id, cutoff)?
            + repo::attach_entitlements(c, &run_id, cutoff)?;
        if attached != run.item_count as usize {
            return Err(AppError::internal(format!(
                "settlement {period}: {attached} items attached, {} counted",
                run.item_count
            )));
        }
        let list: Vec<(String, String, i64)> = payouts
            .iter()
            .map(|p| {
                (
                    super::vouchers::payable_account(&p.payee_id),
                    payout_account(&p.id),
                    p.amount_fen,
                )
            })
            .collect();
        vouchers::insert_ledger(c, &moves(&list, "settlement_prepared", now))?;
        audit::record(
            c,
            actor,
            now,
            "settlement.prepared",
            "settlement_run",
            &run.id,
            None,
            snapshot(&run),
        )?;
        let finance = if run.payout_count > 0 {
            users::reachable_with_role(c, "finance")?
        } else {
            Vec::new()
        };
        let preparer = match &actor.user_id {
            Some(id) => users::by_id(c, id)?.map_or_else(|| id.clone(), |u| u.display_name),
            None => "定时任务".into(),
        };
        let emails = finance
            .iter()
            .filter(|u| Some(&u.id) != actor.user_id.as_ref())
            .filter_map(|u| {
                let msg = SettlementAwaitingApproval {
                    run_ref: format!("{}-{attempt}", period),
                    period: period.to_string(),
                    payouts: i64::from(run.payout_count),
                    total: notify::yuan(Fen::new(run.total_fen)),
                    prepared_by: preparer.clone(),
                };
                u.email.as_deref().map(|e| msg.to(e, &u.display_name))
            })
            .collect();
        super::outbox::enqueue(c, templates, emails, now)?;
        Ok(Prepared {
            created: true,
            run: full(c, run)?,
        })
    });
    match result {
        // Another process prepared the period at the same moment: its run stands.
        Err(e) if e.code == "already_exists" => {
            let run = repo::live_run(conn, &period.to_string())?.ok_or(e)?;
            Ok(Prepared {
                created: false,
                run: full(conn, run)?,
            })
        }
        other => other,
    }
}

pub fn list(conn: &mut DbConnection, page: Page) -> AppResult<Paged<RunView>> {
    let (rows, total) = repo::runs(conn, page.offset(), page.per_page)?;
    Ok(Paged {
        items: views(conn, rows)?,
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<RunView> {
    let r = repo::run(conn, id)?.ok_or_else(|| AppError::not_found("settlement run"))?;
    full(conn, r)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunDecisionKind {
    Approve,
    Reject,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunDecision {
    pub decision: RunDecisionKind,
    /// Required when rejecting.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// The checker's decision. Approval needs a finance user other than the preparer;
/// rejection sends every item back to payable for the next run.
pub fn decide(
    conn: &mut DbConnection,
    run_id: &str,
    input: &RunDecision,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<RunView> {
    let mut e = FieldErrors::new();
    let reason = match input.decision {
        RunDecisionKind::Reject => {
            Some(e.text("reason", input.reason.as_deref().unwrap_or(""), 2000))
        }
        RunDecisionKind::Approve => None,
    };
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::run_for_update(c, run_id)?
            .ok_or_else(|| AppError::not_found("settlement run"))?;
        if before.status != RunStatus::Prepared.as_str() {
            return Err(AppError::conflict(
                "run_already_decided",
                "该结算批次已审批",
                "this run was already decided",
            ));
        }
        if before.prepared_by.is_some() && before.prepared_by == actor.user_id {
            return Err(AppError::new(
                Kind::Forbidden,
                "same_user_cannot_approve",
                "结算批次须由编制人以外的财务人员审批",
                "the finance user who prepared a run may not decide it",
            ));
        }
        let mut after = SettlementRunRow {
            decided_by: actor.user_id.clone(),
            decided_at: Some(now),
            ..before.clone()
        };
        let action = match input.decision {
            RunDecisionKind::Approve => {
                after.status = RunStatus::Approved.as_str().into();
                "settlement.approved"
            }
            RunDecisionKind::Reject => {
                after.status = RunStatus::Rejected.as_str().into();
                after.reject_reason = reason.clone();
                let payouts = repo::payouts_of(c, run_id)?;
                let mut back = Vec::new();
                for p in payouts {
                    repo::set_items_of_payout(c, &p.id, "payable", "payable", true, now)?;
                    back.push((
                        payout_account(&p.id),
                        super::vouchers::payable_account(&p.payee_id),
                        p.amount_fen,
                    ));
                    repo::update_payout(
                        c,
                        &PayoutRow {
                            status: PayoutStatus::Cancelled.as_str().into(),
                            ..p
                        },
                    )?;
                }
                vouchers::insert_ledger(c, &moves(&back, "settlement_rejected", now))?;
                "settlement.rejected"
            }
        };
        repo::update_run(c, &after)?;
        audit::record(
            c,
            actor,
            now,
            action,
            "settlement_run",
            run_id,
            snapshot(&before),
            snapshot(&after),
        )?;
        full(c, after)
    })
}

/// The bank file columns, in order.
const BANK_COLUMNS: [&str; 8] = [
    "序号",
    "收款人名称",
    "统一社会信用代码",
    "开户银行",
    "账户名称",
    "银行账号",
    "金额（元）",
    "付款参考号",
];

fn bank_rows(payouts: &[PayoutRow]) -> Vec<[String; 8]> {
    payouts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            [
                (i + 1).to_string(),
                p.payee_name.clone(),
                p.credit_code.clone(),
                p.bank_name.clone(),
                p.bank_account_name.clone(),
                p.bank_account_no.clone(),
                Fen::new(p.amount_fen).to_string(),
                p.reference.clone(),
            ]
        })
        .collect()
}

/// A bank file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

/// A table as CSV, UTF-8 with a byte-order mark (so spreadsheet programs read Chinese),
/// for people to open: public feeds and reports. A cell that would begin like a formula
/// (`= + - @`, tab, carriage return) gets a leading `'`, so a spreadsheet shows it as
/// text instead of running it (OWASP "CSV injection"). The bank file, whose payee names
/// must reach the bank unaltered, uses [`bank_csv_bytes`]; such names are refused at
/// registration instead.
pub fn csv_bytes<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> AppResult<Vec<u8>> {
    write_csv(header, rows, true)
}

/// A table as CSV with every cell as given (the bank payment file).
pub fn bank_csv_bytes<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> AppResult<Vec<u8>> {
    write_csv(header, rows, false)
}

fn write_csv<R: AsRef<[String]>>(
    header: &[&str],
    rows: &[R],
    neutralise: bool,
) -> AppResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let fail = |e: csv::Error| AppError::internal(format!("writing CSV: {e}"));
    w.write_record(header).map_err(fail)?;
    for r in rows {
        if neutralise {
            w.write_record(r.as_ref().iter().map(|cell| {
                if crate::domain::party::starts_like_formula(cell) {
                    std::borrow::Cow::Owned(format!("'{cell}").into_bytes())
                } else {
                    std::borrow::Cow::Borrowed(cell.as_bytes())
                }
            }))
            .map_err(fail)?;
        } else {
            w.write_record(r.as_ref()).map_err(fail)?;
        }
    }
    w.into_inner()
        .map_err(|e| AppError::internal(format!("writing CSV: {e}")))
}

/// A table as an XLSX workbook. Every cell is text (amounts too: exact to the fen, no
/// floating point), and the document's dates are fixed, so the same table always gives
/// the same bytes.
pub fn xlsx_bytes<R: AsRef<[String]>>(
    sheet: &str,
    header: &[&str],
    rows: &[R],
) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("writing XLSX: {e}"));
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2026, 1, 1).map_err(fail)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (col, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, *h, &bold)
            .map_err(fail)?;
        ws.set_column_width(col as u16, 18).map_err(fail)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (col, v) in r.as_ref().iter().enumerate() {
            ws.write_string(i as u32 + 1, col as u16, v).map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}

/// The bank payment file of an approved run, and its SHA-256 (recorded on the first
/// export; every later export must give the same bytes).
pub fn export(
    conn: &mut DbConnection,
    run_id: &str,
    format: FileFormat,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<(Vec<u8>, String, String)> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::run_for_update(c, run_id)?
            .ok_or_else(|| AppError::not_found("settlement run"))?;
        if before.status != RunStatus::Approved.as_str() {
            return Err(AppError::conflict(
                "run_not_approved",
                "结算批次审批通过后方可导出付款文件",
                "only an approved run exports a bank file",
            ));
        }
        let payouts = repo::payouts_of(c, run_id)?;
        let rows = bank_rows(&payouts);
        let bytes = match format {
            FileFormat::Csv => bank_csv_bytes(&BANK_COLUMNS, &rows)?,
            FileFormat::Xlsx => xlsx_bytes("付款清单", &BANK_COLUMNS, &rows)?,
        };
        let sha = crate::files::sha256_hex(&bytes);
        let recorded = match format {
            FileFormat::Csv => &before.csv_sha256,
            FileFormat::Xlsx => &before.xlsx_sha256,
        };
        match recorded {
            Some(h) if *h != sha => {
                return Err(AppError::internal(format!(
                    "bank file of run {run_id} changed since its first export"
                )))
            }
            Some(_) => {}
            None => {
                let mut after = before.clone();
                match format {
                    FileFormat::Csv => after.csv_sha256 = Some(sha.clone()),
                    FileFormat::Xlsx => after.xlsx_sha256 = Some(sha.clone()),
                }
                after.exported_at.get_or_insert(now);
                repo::update_run(c, &after)?;
                audit::record(
                    c,
                    actor,
                    now,
                    "settlement.exported",
                    "settlement_run",
                    run_id,
                    snapshot(&before),
                    snapshot(&after),
                )?;
            }
        }
        let name = format!(
            "bank-{}-{}.{}",
            before.period,
            &run_id[run_id.len() - 6..],
            match format {
                FileFormat::Csv => "csv",
                FileFormat::Xlsx => "xlsx",
            }
        );
        Ok((bytes, sha, name))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Paid,
    Failed,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutResult {
    pub outcome: Outcome,
    /// The bank's reference (paid).
    #[schema(max_length = 100)]
    pub bank_reference: Option<String>,
    /// YYYY-MM-DD (paid).
    #[schema(schema_with = crate::domain::validation::schema::opt_date)]
    pub paid_on: Option<String>,
    /// Why it failed (failed).
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// A validated result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Result_ {
    Paid {
        bank_reference: String,
        paid_on: NaiveDate,
    },
    Failed {
        reason: String,
    },
}

pub fn check_result(input: &PayoutResult, today: NaiveDate) -> AppResult<Result_> {
    let mut e = FieldErrors::new();
    let r = match input.outcome {
        Outcome::Paid => {
            let bank_reference = e.text(
                "bank_reference",
                input.bank_reference.as_deref().unwrap_or(""),
                100,
            );
            let paid_on = parse_date(
                &mut e,
                "paid_on",
                input.paid_on.as_deref().unwrap_or(""),
                today,
            );
            Result_::Paid {
                bank_reference,
                paid_on,
            }
        }
        Outcome::Failed => Result_::Failed {
            reason: e.text("reason", input.reason.as_deref().unwrap_or(""), 2000),
        },
    };
    e.finish()?;
    Ok(r)
}

fn parse_date(e: &mut FieldErrors, field: &str, s: &str, today: NaiveDate) -> NaiveDate {
    e.past_date(field, s, today).unwrap_or(today)
}

/// Records one payout's result. A payout is recorded once; a paid one changes only by
/// a reversal.
fn apply_result(
    c: &mut DbConnection,
    templates: &Templates,
    before: PayoutRow,
    result: &Result_,
    period: &str,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<PayoutRow> {
    if before.status != PayoutStatus::Pending.as_str() {
        return Err(AppError::conflict(
            "payout_already_recorded",
            format!("该笔付款已登记为{}", before.status),
            format!("this payout is already {}", before.status),
        ));
    }
    let mut after = PayoutRow {
        recorded_by: actor.user_id.clone(),
        recorded_at: Some(now),
        ..before.clone()
    };
    let payable = super::vouchers::payable_account(&before.payee_id);
    let email_to = if before.payee_kind == "space" {
        parties::space(c, &before.payee_id)?.map(|s| (s.contact_email, s.name))
    } else {
        parties::provider(c, &before.payee_id)?.map(|p| (p.contact_email, p.name))
    };
    let email = match result {
        Result_::Paid {
            bank_reference,
            paid_on,
        } => {
            after.status = PayoutStatus::Paid.as_str().into();
            after.bank_reference = Some(bank_reference.clone());
            after.paid_on = Some(*paid_on);
            repo::set_items_of_payout(c, &before.id, "payable", "paid", false, now)?;
            vouchers::insert_ledger(
                c,
                &moves(
                    &[(
                        payout_account(&before.id),
                        paid_account(&before.payee_id),
                        before.amount_fen,
                    )],
                    "payout_paid",
                    now,
                ),
            )?;
            email_to.map(|(to, name)| {
                PayoutPaid {
                    payee_name: before.payee_name.clone(),
                    payout_ref: before.reference.clone(),
                    period: period.into(),
                    amount: notify::yuan(Fen::new(before.amount_fen)),
                    bank_reference: bank_reference.clone(),
                    paid_on: paid_on.to_string(),
                }
                .to(&to, &name)
            })
        }
        Result_::Failed { reason } => {
            after.status = PayoutStatus::Failed.as_str().into();
            after.failure_reason = Some(reason.clone());
            repo::set_items_of_payout(c, &before.id, "payable", "payable", true, now)?;
            vouchers::insert_ledger(
                c,
                &moves(
                    &[(payout_account(&before.id), payable, before.amount_fen)],
                    "payout_failed",
                    now,
                ),
            )?;
            email_to.map(|(to, name)| {
                PayoutFailed {
                    payee_name: before.payee_name.clone(),
                    payout_ref: before.reference.clone(),
                    period: period.into(),
                    amount: notify::yuan(Fen::new(before.amount_fen)),
                    reason: reason.clone(),
                }
                .to(&to, &name)
            })
        }
    };
    repo::update_payout(c, &after)?;
    audit::record(
        c,
        actor,
        now,
        &format!("payout.{}", after.status),
        "payout",
        &before.id,
        snapshot(&before),
        snapshot(&after),
    )?;
    super::outbox::enqueue(c, templates, email.into_iter().collect(), now)?;
    Ok(after)
}

/// Results are recorded against the bank file the bank was given: the run must be
/// approved and its file exported.
fn check_recordable(run: &SettlementRunRow) -> AppResult<()> {
    if run.status != RunStatus::Approved.as_str() {
        return Err(AppError::conflict(
            "run_not_approved",
            "结算批次审批通过后方可登记付款结果",
            "results are recorded for approved runs only",
        ));
    }
    if run.exported_at.is_none() {
        return Err(AppError::conflict(
            "run_not_exported",
            "请先导出付款文件交银行支付，再登记付款结果",
            "export the run's bank file before recording results",
        ));
    }
    Ok(())
}

fn approved_run_of(c: &mut DbConnection, p: &PayoutRow) -> AppResult<SettlementRunRow> {
    let run = repo::run(c, &p.run_id)?.ok_or_else(|| AppError::internal("payout without run"))?;
    check_recordable(&run)?;
    Ok(run)
}

pub fn record(
    conn: &mut DbConnection,
    templates: &Templates,
    payout_id: &str,
    input: &PayoutResult,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<PayoutView> {
    let result = check_result(input, crate::domain::china_time(now).date())?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::payout_for_update(c, payout_id)?.ok_or_else(|| AppError::not_found("payout"))?;
        let run = approved_run_of(c, &before)?;
        let after = apply_result(c, templates, before, &result, &run.period, now, actor)?;
        PayoutView::from_row(after)
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReversalInput {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Reverses a paid payout (the bank returned the money): its items are payable again.
pub fn reverse(
    conn: &mut DbConnection,
    payout_id: &str,
    input: &ReversalInput,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<PayoutView> {
    let mut e = FieldErrors::new();
    let reason = e.text("reason", &input.reason, 2000);
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::payout_for_update(c, payout_id)?.ok_or_else(|| AppError::not_found("payout"))?;
        if before.status != PayoutStatus::Paid.as_str() {
            return Err(AppError::conflict(
                "payout_not_paid",
                "只有已付款的记录可以冲正",
                "only a paid payout can be reversed",
            ));
        }
        let after = PayoutRow {
            status: PayoutStatus::Reversed.as_str().into(),
            reversed_by: actor.user_id.clone(),
            reversed_at: Some(now),
            reversal_reason: Some(reason.clone()),
            ..before.clone()
        };
        repo::set_items_of_payout(c, &before.id, "paid", "payable", true, now)?;
        vouchers::insert_ledger(
            c,
            &moves(
                &[(
                    paid_account(&before.payee_id),
                    super::vouchers::payable_account(&before.payee_id),
                    before.amount_fen,
                )],
                "payout_reversed",
                now,
            ),
        )?;
        repo::update_payout(c, &after)?;
        audit::record(
            c,
            actor,
            now,
            "payout.reversed",
            "payout",
            payout_id,
            snapshot(&before),
            snapshot(&after),
        )?;
        PayoutView::from_row(after)
    })
}

/// One row of a bank result file that was not applied, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub reference: String,
    pub problem: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub applied: usize,
    /// Rows whose reference is not a payout of this run.
    pub unmatched: Vec<RowProblem>,
    /// Rows that match a payout but disagree with it (amount, or already recorded).
    pub mismatched: Vec<RowProblem>,
}

/// One parsed row of a result file.
struct ResultRow {
    line: u64,
    reference: String,
    amount: Option<Fen>,
    result: Result_,
}

/// Parses a bank result file: CSV (a UTF-8 byte-order mark is allowed) with the header
/// `reference,status,amount,bank_reference,paid_on,reason`; status is `paid`/`成功` or
/// `failed`/`失败`. Any malformed row refuses the whole file.
fn parse_results(bytes: &[u8], today: NaiveDate) -> AppResult<Vec<ResultRow>> {
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(body);
    let malformed = |why: String| {
        AppError::rule(
            "results_file_malformed",
            format!("结果文件格式错误，未做任何登记：{why}"),
            format!("the result file is malformed; nothing was applied: {why}"),
        )
    };
    let header = reader
        .headers()
        .map_err(|e| malformed(e.to_string()))?
        .clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(r), Some(s)) = (col("reference"), col("status")) else {
        return Err(malformed("the header must name reference and status (and amount, bank_reference, paid_on, reason)".into()));
    };
    let (a, b, d, why) = (
        col("amount"),
        col("bank_reference"),
        col("paid_on"),
        col("reason"),
    );
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| malformed(e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").to_string();
        let outcome = match get(Some(s)).as_str() {
            "paid" | "成功" => Outcome::Paid,
            "failed" | "失败" => Outcome::Failed,
            other => return Err(malformed(format!("line {line}: unknown status {other:?}"))),
        };
        let amount = match get(a).as_str() {
            "" => None,
            v => Some(
                Fen::parse_yuan(v)
                    .map_err(|_| malformed(format!("line {line}: bad amount {v:?}")))?,
            ),
        };
        let input = PayoutResult {
            outcome,
            bank_reference: Some(get(b)),
            paid_on: Some(get(d)),
            reason: Some(get(why)),
        };
        let result = check_result(&input, today).map_err(|e| {
            let detail = e
                .errors
                .iter()
                .map(|f| format!("{} {}", f.field, f.code))
                .collect::<Vec<_>>()
                .join(", ");
            malformed(format!("line {line}: {detail}"))
        })?;
        out.push(ResultRow {
            line,
            reference: get(Some(r)),
            amount,
            result,
        });
    }
    if out.is_empty() {
        return Err(malformed("no rows".into()));
    }
    Ok(out)
}

/// Applies a bank result file to an approved run: matched rows are recorded (in one
/// transaction), the rest reported. A malformed file applies nothing.
pub fn import(
    conn: &mut DbConnection,
    templates: &Templates,
    run_id: &str,
    bytes: &[u8],
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<ImportReport> {
    let rows = parse_results(bytes, crate::domain::china_time(now).date())?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let run = repo::run_for_update(c, run_id)?
            .ok_or_else(|| AppError::not_found("settlement run"))?;
        check_recordable(&run)?;
        let by_ref: BTreeMap<String, String> = repo::payouts_of(c, run_id)?
            .into_iter()
            .map(|p| (p.reference, p.id))
            .collect();
        let mut report = ImportReport {
            applied: 0,
            unmatched: Vec::new(),
            mismatched: Vec::new(),
        };
        for row in rows {
            let Some(id) = by_ref.get(&row.reference) else {
                report.unmatched.push(RowProblem {
                    line: row.line,
                    reference: row.reference,
                    problem: "no such payout in this run".into(),
                });
                continue;
            };
            let p = repo::payout_for_update(c, id)?
                .ok_or_else(|| AppError::internal("payout vanished"))?;
            if let Some(a) = row.amount {
                if a.get() != p.amount_fen {
                    report.mismatched.push(RowProblem {
                        line: row.line,
                        reference: row.reference,
                        problem: format!(
                            "amount {a} differs from the payout's {}",
                            Fen::new(p.amount_fen)
                        ),
                    });
                    continue;
                }
            }
            if p.status != PayoutStatus::Pending.as_str() {
                report.mismatched.push(RowProblem {
                    line: row.line,
                    reference: row.reference,
                    problem: format!("already {}", p.status),
                });
                continue;
            }
            apply_result(c, templates, p, &row.result, &run.period, now, actor)?;
            report.applied += 1;
        }
        audit::record(
            c,
            actor,
            now,
            "settlement.results_imported",
            "settlement_run",
            run_id,
            None,
            serde_json::to_string(&report).ok(),
        )?;
        Ok(report)
    })
}

/// One line of a period report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportLine {
    pub id: String,
    pub name: String,
    pub items: i64,
    #[schema(value_type = String)]
    pub amount: Fen,
    /// Of which paid.
    #[schema(value_type = String)]
    pub paid: Fen,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodReport {
    pub period: String,
    pub items: i64,
    #[schema(value_type = String)]
    pub amount: Fen,
    #[schema(value_type = String)]
    pub paid: Fen,
    pub by_programme: Vec<ReportLine>,
    pub by_provider: Vec<ReportLine>,
    pub by_category: Vec<ReportLine>,
    /// Subsidies and awards to carriers, by subsidy policy (their payees are spaces).
    pub by_subsidy_policy: Vec<ReportLine>,
}

/// Totals of what a period's run pays: redemptions by programme, provider and category,
/// subsidies to carriers by policy.
pub fn report(
    conn: &mut DbConnection,
    policy: &crate::domain::Policy,
    period: Period,
) -> AppResult<PeriodReport> {
    let rows = repo::report_rows(conn, &period.to_string())?;
    let mut totals = (0i64, 0i64, 0i64);
    let mut groups: [BTreeMap<String, (i64, i64, i64)>; 3] = Default::default();
    for (programme, provider, category, amount, status) in &rows {
        let paid = if status == PayoutStatus::Paid.as_str() {
            *amount
        } else {
            0
        };
        totals = (totals.0 + 1, totals.1 + amount, totals.2 + paid);
        for (g, key) in groups.iter_mut().zip([programme, provider, category]) {
            let e = g.entry(key.clone()).or_default();
            *e = (e.0 + 1, e.1 + amount, e.2 + paid);
        }
    }
    let mut subsidies: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for (sub_policy, _space, amount, status) in
        repo::report_entitlement_rows(conn, &period.to_string())?
    {
        let paid = if status == PayoutStatus::Paid.as_str() {
            amount
        } else {
            0
        };
        totals = (totals.0 + 1, totals.1 + amount, totals.2 + paid);
        let e = subsidies.entry(sub_policy).or_default();
        *e = (e.0 + 1, e.1 + amount, e.2 + paid);
    }
    let [programmes, providers, categories] = groups;
    let line = |id: String, name: String, (items, amount, paid): (i64, i64, i64)| ReportLine {
        id,
        name,
        items,
        amount: Fen::new(amount),
        paid: Fen::new(paid),
    };
    let mut by_programme = Vec::new();
    for (id, t) in programmes {
        let name = vouchers::programme(conn, &id)?.map_or_else(|| id.clone(), |p| p.name);
        by_programme.push(line(id, name, t));
    }
    let names: BTreeMap<String, String> =
        parties::providers_by_ids(conn, &providers.keys().cloned().collect::<Vec<_>>())?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
    let by_provider = providers
        .into_iter()
        .map(|(id, t)| line(id.clone(), names.get(&id).cloned().unwrap_or(id), t))
        .collect();
    let by_category = categories
        .into_iter()
        .map(|(id, t)| {
            let name = policy
                .category(&id)
                .map_or_else(|| id.clone(), |c| c.name_zh.clone());
            line(id, name, t)
        })
        .collect();
    let by_subsidy_policy = subsidies
        .into_iter()
        .map(|(id, t)| {
            let name = policy
                .subsidies
                .policy(&id)
                .map_or_else(|| id.clone(), |p| p.name_zh.clone());
            line(id, name, t)
        })
        .collect();
    Ok(PeriodReport {
        by_subsidy_policy,
        period: period.to_string(),
        items: totals.0,
        amount: Fen::new(totals.1),
        paid: Fen::new(totals.2),
        by_programme,
        by_provider,
        by_category,
    })
}

const REPORT_COLUMNS: [&str; 6] = [
    "维度",
    "编号",
    "名称",
    "笔数",
    "金额（元）",
    "其中已付（元）",
];

/// A period report as one table (CSV or XLSX): a row per programme, provider and
/// category, then the total.
pub fn report_file(r: &PeriodReport, format: FileFormat) -> AppResult<Vec<u8>> {
    let mut rows = Vec::new();
    for (dim, lines) in [
        ("项目", &r.by_programme),
        ("服务机构", &r.by_provider),
        ("服务类别", &r.by_category),
        ("载体补贴政策", &r.by_subsidy_policy),
    ] {
        for l in lines {
            rows.push([
                dim.to_string(),
                l.id.clone(),
                l.name.clone(),
                l.items.to_string(),
                l.amount.to_string(),
                l.paid.to_string(),
            ]);
        }
    }
    rows.push([
        "合计".into(),
        r.period.clone(),
        String::new(),
        r.items.to_string(),
        r.amount.to_string(),
        r.paid.to_string(),
    ]);
    match format {
        FileFormat::Csv => csv_bytes(&REPORT_COLUMNS, &rows),
        FileFormat::Xlsx => xlsx_bytes(&format!("结算报表{}", r.period), &REPORT_COLUMNS, &rows),
    }
}
