//! Settlement (定期兑现): a run per period gathers every payable item into one payout
//! per payee, with the payee's bank account as it is that day; a second finance user
//! approves it; the bank file is exported; results are recorded (or imported) per
//! payout. Ledger: `payable:{payee}` → `payout:{payout}` when prepared, → `paid:{payee}`
//! when paid; a failed payout, a rejected run or a reversal puts the money back in
//! `payable:{payee}` and its items back to payable.
//!
//! The rooms: `run.rs` prepares a run and takes the checker's decision; `bank_file.rs`
//! writes the bank's payment file (CSV, XLSX); `results.rs` records the bank's results
//! one by one or from its result file, and reversals; `report.rs` totals a period;
//! `payout.rs` opens one payout to the items it pays.

mod bank_file;
mod checklist;
mod payout;
mod report;
mod results;
mod run;

pub use bank_file::{bank_csv_bytes, csv_bytes, export, xlsx_bytes, FileFormat};
pub use checklist::{Checklist, Note, PayeeNote};
pub use payout::{
    payout, CategoryTotal, PaidEntitlement, PaidEvidence, PaidRedemption, PayoutDetail,
};
pub use report::{report, report_file, PeriodReport, ReportLine};
pub use results::{
    check_result, import, record, reverse, ImportReport, Outcome, PayoutResult, Result_,
    ReversalInput, RowProblem,
};
pub use run::{decide, prepare, Prepared, RunDecision, RunDecisionKind};

use super::{Page, Paged};
use crate::db::models::{PayoutRow, SettlementRunRow};
use crate::db::settlement as repo;
use crate::db::DbConnection;
use crate::domain::id::{PartyId, UserId};
use crate::domain::id::{PayoutId, RunId};
use crate::domain::listing::{Filter, Sort};
use crate::domain::settlement::{run_stage, PayoutStatus, Period, RunStage, RunStatus};
use crate::domain::Fen;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::listing::{Cell, Row};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::collections::BTreeMap;

pub fn parse_period(s: &str) -> AppResult<Period> {
    Period::parse(s).ok_or_else(|| AppError::of(ErrorCode::PeriodInvalid))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PayoutView {
    #[schema(value_type = String)]
    pub id: PayoutId,
    pub reference: String,
    pub payee_kind: String,
    #[schema(value_type = String)]
    pub payee_id: PartyId,
    pub payee_name: String,
    pub credit_code: String,
    pub bank_name: String,
    pub bank_account_name: String,
    pub bank_account_no: String,
    /// What the bank pays: the items less the offset.
    #[schema(value_type = String, example = "12000.00")]
    pub amount: Fen,
    /// What the payout takes back against the payee's receivables (应收款抵扣); a payout
    /// it covers whole is not in the bank file and is paid on approval.
    #[schema(value_type = String, example = "0.00")]
    pub offset: Fen,
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
            status: p.status,
            id: p.id,
            reference: p.reference,
            payee_kind: p.payee_kind.as_str().to_string(),
            payee_id: p.payee_id,
            payee_name: p.payee_name,
            credit_code: p.credit_code.into_string(),
            bank_name: p.bank_name,
            bank_account_name: p.bank_account_name,
            bank_account_no: p.bank_account_no,
            amount: p.amount_fen,
            offset: p.offset_fen,
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
    #[schema(value_type = String)]
    pub payee_id: PartyId,
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
    fn add(&mut self, status: PayoutStatus, n: i64) {
        match status {
            PayoutStatus::Pending => self.pending += n,
            PayoutStatus::Paid => self.paid += n,
            PayoutStatus::Failed => self.failed += n,
            PayoutStatus::Reversed => self.reversed += n,
            PayoutStatus::Cancelled => self.cancelled += n,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunView {
    #[schema(value_type = String)]
    pub id: RunId,
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
    /// What the bank file pays.
    #[schema(value_type = String)]
    pub total: Fen,
    /// What the run's payouts take back against receivables: the items add up to
    /// `total` plus this.
    #[schema(value_type = String)]
    pub offset: Fen,
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
    /// What the approver checks: items, total, and the payees to look at twice (on
    /// single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checklist: Option<Checklist>,
}

impl RunView {
    fn from_row(r: SettlementRunRow, results: PayoutTally) -> AppResult<Self> {
        let status = r.status;
        Ok(RunView {
            status,
            // A run its offsets cover whole has nothing for the bank.
            stage: run_stage(
                status,
                r.exported_at.is_some() || r.total_fen == Fen::ZERO,
                results.pending,
            ),
            results,
            id: r.id,
            period: r.period,
            cutoff: r.cutoff,
            origin: r.origin,
            prepared_by: r.prepared_by.map(UserId::into_string),
            prepared_at: r.prepared_at,
            decided_by: r.decided_by.map(UserId::into_string),
            decided_at: r.decided_at,
            reject_reason: r.reject_reason,
            payout_count: r.payout_count,
            item_count: r.item_count,
            total: r.total_fen,
            offset: r.offset_fen,
            held_back_count: r.held_back_count,
            held_back: r.held_back_fen,
            csv_sha256: r.csv_sha256,
            xlsx_sha256: r.xlsx_sha256,
            exported_at: r.exported_at,
            payouts: None,
            held_back_payees: None,
            checklist: None,
        })
    }
}

/// Views of `rows`, with their payouts tallied.
fn views(c: &mut DbConnection, rows: Vec<SettlementRunRow>) -> AppResult<Vec<RunView>> {
    let ids: Vec<RunId> = rows.iter().map(|r| r.id.clone()).collect();
    let mut tallies: BTreeMap<RunId, PayoutTally> = BTreeMap::new();
    for (run, status, n) in repo::payout_tallies(c, &ids)? {
        tallies.entry(run).or_default().add(status, n);
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
    let checklist = checklist::checklist(c, &r.id, &rows)?;
    let mut tally = PayoutTally::default();
    for p in &rows {
        tally.add(p.status, 1);
    }
    let payouts = rows.into_iter().map(PayoutView::from_row).collect::<AppResult<Vec<_>>>()?;
    let held = repo::holdbacks_of(c, &r.id)?
        .into_iter()
        .map(|h| HoldbackView {
            payee_kind: h.payee_kind.as_str().to_string(),
            payee_id: h.payee_id,
            payee_name: h.payee_name,
            reason: h.reason,
            item_count: h.item_count,
            amount: h.amount_fen,
        })
        .collect();
    let mut v = RunView::from_row(r, tally)?;
    v.payouts = Some(payouts);
    v.held_back_payees = Some(held);
    v.checklist = Some(checklist);
    Ok(v)
}

/// Runs as `f` asks.
pub fn list(
    conn: &mut DbConnection,
    f: &Filter<RunStatus>,
    page: Page,
) -> AppResult<Paged<RunView>> {
    let (rows, total) = repo::runs(conn, f, page.offset(), page.per_page)?;
    Ok(Paged { items: views(conn, rows)?, page: page.page, per_page: page.per_page, total })
}

/// How payouts may be sorted: newest (the default), oldest, largest, or by payee.
pub const PAYOUT_SORTS: &[Sort] = &[Sort::Newest, Sort::Oldest, Sort::Largest, Sort::Name];

/// Payouts of every run as a list asks (see [`repo::payouts`]).
pub fn payouts(
    conn: &mut DbConnection,
    f: &Filter<PayoutStatus>,
    page: Page,
) -> AppResult<Paged<PayoutView>> {
    let (rows, total) = repo::payouts(conn, f, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(PayoutView::from_row).collect::<AppResult<_>>()?,
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

impl Row for PayoutView {
    const COLUMNS: &'static [&'static str] = &[
        "payment-reference",
        "payee",
        "credit-code",
        "amount-yuan",
        "state",
        "paid-on",
        "bank-reference-2",
    ];
    const FILE: &'static str = "payouts";
    const SHEET: &'static str = "payouts";
    fn cells(&self, _policy: &crate::domain::Policy, _en: bool) -> Vec<Cell> {
        vec![
            Cell::Text(self.reference.clone()),
            Cell::Text(self.payee_name.clone()),
            Cell::Text(self.credit_code.clone()),
            Cell::Money(self.amount),
            Cell::Words(crate::i18n::payout_state(self.status)),
            self.paid_on.map_or(Cell::Text(String::new()), Cell::Day),
            Cell::Text(self.bank_reference.clone().unwrap_or_default()),
        ]
    }
    fn href(&self) -> Option<String> {
        Some(format!("/finance/payouts/{}", self.id))
    }
}

pub fn get(conn: &mut DbConnection, id: &RunId) -> AppResult<RunView> {
    let r = repo::run(conn, id)?.ok_or_else(|| AppError::not_found("settlement run"))?;
    full(conn, r)
}

impl Row for RunView {
    const COLUMNS: &'static [&'static str] =
        &["month", "state", "number-of-payees", "items-4", "amount-yuan", "prepared"];
    const FILE: &'static str = "settlement-runs";
    const SHEET: &'static str = "settlement-runs";
    fn cells(&self, _policy: &crate::domain::Policy, _en: bool) -> Vec<Cell> {
        vec![
            Cell::Text(self.period.clone()),
            Cell::Words(crate::i18n::run_stage(self.stage)),
            Cell::Count(self.payout_count.into()),
            Cell::Count(self.item_count.into()),
            Cell::Money(self.total),
            Cell::Time(self.prepared_at),
        ]
    }
    fn href(&self) -> Option<String> {
        Some(format!("/finance/runs/{}", self.id))
    }
}
