//! The bank's results: one payout at a time, or a result file matched to the run's
//! payouts; and reversals of paid payouts the bank returned.

use super::*;
use crate::db::models::{PayoutRow, SettlementRunRow};
use crate::db::settlement as repo;
use crate::db::{self, ledger, parties, DbConnection};
use crate::domain::audit::{Action, Fixed};
use crate::domain::id::AnyParty;
use crate::domain::ledger::{Account, Transaction};
use crate::domain::settlement::{PayoutStatus, RunStatus};
use crate::domain::validation::FieldErrors;
use crate::domain::Fen;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::{self, Message, PayoutFailed, PayoutPaid, Templates};
use crate::services::audit;
use crate::services::Acting;
use crate::services::Cx;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    Paid { bank_reference: String, paid_on: NaiveDate },
    Failed { reason: String },
}

pub fn check_result(input: &PayoutResult, today: NaiveDate) -> AppResult<Result_> {
    let mut e = FieldErrors::new();
    let r = match input.outcome {
        Outcome::Paid => {
            let bank_reference =
                e.text("bank_reference", input.bank_reference.as_deref().unwrap_or(""), 100);
            let paid_on =
                parse_date(&mut e, "paid_on", input.paid_on.as_deref().unwrap_or(""), today);
            Result_::Paid { bank_reference, paid_on }
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
    by: Acting<'_>,
) -> AppResult<PayoutRow> {
    let Acting { now, actor } = by;
    if before.status != PayoutStatus::Pending {
        return Err(AppError::of(ErrorCode::PayoutAlreadyRecorded).arg("status", before.status));
    }
    let mut after =
        PayoutRow { recorded_by: actor.user_id.clone(), recorded_at: Some(now), ..before.clone() };
    let payable = Account::payable(&before.payee_id);
    let email_to = match before.payee() {
        AnyParty::Space(id) => parties::space(c, &id)?.map(|s| (s.contact_email, s.name)),
        AnyParty::Provider(id) => parties::provider(c, &id)?.map(|p| (p.contact_email, p.name)),
        _ => None,
    };
    let email = match result {
        Result_::Paid { bank_reference, paid_on } => {
            after.status = PayoutStatus::Paid;
            after.bank_reference = Some(bank_reference.clone());
            after.paid_on = Some(*paid_on);
            repo::set_items_of_payout(c, &before.id, "payable", "paid", false, now)?;
            let (from, to) = (Account::payout(&before.id), Account::paid(&before.payee_id));
            let tx = Transaction::transfer("payout_paid", from, to, before.amount_fen);
            ledger::post(c, &tx, now)?;
            email_to.map(|(to, name)| {
                PayoutPaid {
                    payee_name: before.payee_name.clone(),
                    payout_ref: before.reference.clone(),
                    period: period.into(),
                    amount: notify::yuan(before.amount_fen),
                    bank_reference: bank_reference.clone(),
                    paid_on: paid_on.to_string(),
                }
                .to(&to, &name)
            })
        }
        Result_::Failed { reason } => {
            after.status = PayoutStatus::Failed;
            after.failure_reason = Some(reason.clone());
            repo::set_items_of_payout(c, &before.id, "payable", "payable", true, now)?;
            crate::services::receivables::undo_offsets(c, by, &before.id, &before.payee_id)?;
            let (from, to) = (Account::payout(&before.id), payable);
            let tx = Transaction::transfer("payout_failed", from, to, before.amount_fen);
            ledger::post(c, &tx, now)?;
            email_to.map(|(to, name)| {
                PayoutFailed {
                    payee_name: before.payee_name.clone(),
                    payout_ref: before.reference.clone(),
                    period: period.into(),
                    amount: notify::yuan(before.amount_fen),
                    reason: reason.clone(),
                }
                .to(&to, &name)
            })
        }
    };
    repo::update_payout(c, &after)?;
    audit::record(
        c,
        by,
        audit::Change::moved(Action::PayoutSettled(after.status), &before, &after),
    )?;
    crate::services::outbox::enqueue(c, templates, email.into_iter().collect(), now)?;
    Ok(after)
}

/// Results are recorded against the bank file the bank was given: the run must be
/// approved and its file exported.
fn check_recordable(run: &SettlementRunRow) -> AppResult<()> {
    if run.status != RunStatus::Approved {
        return Err(AppError::of(ErrorCode::RunNotApprovedForResults));
    }
    if run.exported_at.is_none() {
        return Err(AppError::of(ErrorCode::RunNotExported));
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
    cx: Cx<'_>,
    payout_id: &PayoutId,
    input: &PayoutResult,
) -> AppResult<PayoutView> {
    let result = check_result(input, crate::domain::china_time(cx.now).date())?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::payout_for_update(c, payout_id)?.ok_or_else(|| AppError::not_found("payout"))?;
        let run = approved_run_of(c, &before)?;
        let after = apply_result(c, cx.templates, before, &result, &run.period, cx.by())?;
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
    cx: Cx<'_>,
    payout_id: &PayoutId,
    input: &ReversalInput,
) -> AppResult<PayoutView> {
    let mut e = FieldErrors::new();
    let reason = e.text("reason", &input.reason, 2000);
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::payout_for_update(c, payout_id)?.ok_or_else(|| AppError::not_found("payout"))?;
        if before.status != PayoutStatus::Paid {
            return Err(AppError::of(ErrorCode::PayoutNotPaid));
        }
        let after = PayoutRow {
            status: PayoutStatus::Reversed,
            reversed_by: cx.actor.user_id.clone(),
            reversed_at: Some(cx.now),
            reversal_reason: Some(reason.clone()),
            ..before.clone()
        };
        repo::set_items_of_payout(c, &before.id, "paid", "payable", true, cx.now)?;
        crate::services::receivables::undo_offsets(c, cx.by(), &before.id, &before.payee_id)?;
        if before.amount_fen.get() > 0 {
            let (from, to) = (Account::paid(&before.payee_id), Account::payable(&before.payee_id));
            let tx = Transaction::transfer("payout_reversed", from, to, before.amount_fen);
            ledger::post(c, &tx, cx.now)?;
        }
        repo::update_payout(c, &after)?;
        audit::record(c, cx.by(), audit::Change::moved(Fixed::PayoutReversed, &before, &after))?;
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
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(body);
    let malformed = |why: String| AppError::of(ErrorCode::ResultsFileMalformed).arg("why", why);
    let header = reader.headers().map_err(|e| malformed(e.to_string()))?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(r), Some(s)) = (col("reference"), col("status")) else {
        return Err(malformed("the header must name reference and status (and amount, bank_reference, paid_on, reason)".into()));
    };
    let (a, b, d, why) = (col("amount"), col("bank_reference"), col("paid_on"), col("reason"));
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
        out.push(ResultRow { line, reference: get(Some(r)), amount, result });
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
    cx: Cx<'_>,
    run_id: &RunId,
    bytes: &[u8],
) -> AppResult<ImportReport> {
    let rows = parse_results(bytes, crate::domain::china_time(cx.now).date())?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let run = repo::run_for_update(c, run_id)?
            .ok_or_else(|| AppError::not_found("settlement run"))?;
        check_recordable(&run)?;
        let by_ref: BTreeMap<String, PayoutId> =
            repo::payouts_of(c, run_id)?.into_iter().map(|p| (p.reference, p.id)).collect();
        let mut report = ImportReport { applied: 0, unmatched: Vec::new(), mismatched: Vec::new() };
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
                if a != p.amount_fen {
                    report.mismatched.push(RowProblem {
                        line: row.line,
                        reference: row.reference,
                        problem: format!("amount {a} differs from the payout's {}", p.amount_fen),
                    });
                    continue;
                }
            }
            if p.status != PayoutStatus::Pending {
                report.mismatched.push(RowProblem {
                    line: row.line,
                    reference: row.reference,
                    problem: format!("already {}", p.status),
                });
                continue;
            }
            apply_result(c, cx.templates, p, &row.result, &run.period, cx.by())?;
            report.applied += 1;
        }
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::SettlementResultsImported, run_id).after(&report),
        )?;
        Ok(report)
    })
}
