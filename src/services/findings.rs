//! Findings (核查事项): opened by a spot check the firm answered "no" or left unanswered.
//! The provider states its side; a reviewer who did not approve the item hears both and
//! decides: no issue (the item is paid as approved), a corrected amount, or fraud (the
//! item is refused). The money an unpaid item no longer claims goes back to its
//! programme at once; for an item already in a settlement run or paid, the provider
//! owes it back (a receivable, `services::receivables`), offset against its next
//! payouts or repaid.

use super::{audit, Cx, Page, Paged};
use crate::db::models::FindingRow;
use crate::db::{self, ledger, orders as items_repo, spot_checks as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{FindingId, ProviderId};
use crate::domain::ledger::{Account, Transaction};
use crate::domain::order::RedemptionStatus;
use crate::domain::spot_check::{FindingOutcome, FindingStatus, OpenedBecause};
use crate::domain::validation::FieldErrors;
use crate::domain::Fen;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::{FindingDecided, Message};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// A finding with both sides, as the provider and the staff read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    #[schema(value_type = String)]
    pub id: FindingId,
    pub item_id: String,
    pub order_no: String,
    pub service: String,
    pub provider_name: String,
    /// The item's amount now (a corrected amount once decided so).
    #[schema(value_type = String, example = "5000.00")]
    pub amount: Fen,
    pub item_status: String,
    pub opened_because: OpenedBecause,
    /// What the firm said happened (none when it did not answer).
    pub firm_note: Option<String>,
    pub provider_statement: Option<String>,
    pub status: FindingStatus,
    pub outcome: Option<FindingOutcome>,
    #[schema(value_type = Option<String>, example = "3000.00")]
    pub corrected_amount: Option<Fen>,
    pub reason: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub opened_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub decided_at: Option<NaiveDateTime>,
    /// What the provider owes back, when the decision went against an item already in
    /// a settlement run or paid.
    pub receivable_id: Option<String>,
}

fn view(r: repo::FindingShown) -> FindingView {
    let (f, firm_note, order_no, service, provider_name, amount, item_status, receivable) = r;
    FindingView {
        id: f.id,
        item_id: f.item_id.to_string(),
        order_no,
        service,
        provider_name,
        amount,
        item_status,
        opened_because: f.opened_because,
        firm_note,
        provider_statement: f.provider_statement,
        status: f.status,
        outcome: f.outcome.as_deref().and_then(FindingOutcome::parse),
        corrected_amount: f.corrected_fen.map(Fen::new),
        reason: f.reason,
        opened_at: f.opened_at,
        decided_at: f.decided_at,
        receivable_id: receivable,
    }
}

/// Findings: a provider's own, or any (staff), of one state, the longest open first.
pub fn list(
    conn: &mut DbConnection,
    provider: Option<&ProviderId>,
    status: Option<FindingStatus>,
    page: Page,
) -> AppResult<Paged<FindingView>> {
    let (rows, total) =
        repo::findings_shown(conn, provider, status, None, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(view).collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

fn one(c: &mut DbConnection, id: &FindingId) -> AppResult<FindingView> {
    let (rows, _) = repo::findings_shown(c, None, None, Some(id), 0, 1)?;
    rows.into_iter().next().map(view).ok_or_else(|| AppError::not_found("finding"))
}

/// The provider's side of a finding.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementInput {
    /// What the provider says happened (1–2,000 characters); replaces an earlier one
    /// while the finding is open.
    #[schema(min_length = 1, max_length = 2000)]
    pub statement: String,
}

/// The provider states its side of an open finding on its item.
pub fn state(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    provider: &ProviderId,
    id: &FindingId,
    input: &StatementInput,
) -> AppResult<FindingView> {
    let mut e = FieldErrors::new();
    let text = e.long_text("statement", &input.statement, 2000);
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::finding_for_update(c, id)?
            .filter(|f| &f.provider_id == provider)
            .ok_or_else(|| AppError::not_found("finding"))?;
        if before.status != FindingStatus::Open {
            return Err(AppError::of(ErrorCode::FindingDecided));
        }
        let after = FindingRow {
            provider_statement: Some(text.clone()),
            updated_at: cx.now,
            ..before.clone()
        };
        repo::update_finding(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::FindingStated, after.id.as_str())
                .before(&before)
                .after(&after),
        )?;
        one(c, &after.id)
    })
}

/// A reviewer's decision of a finding.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingDecision {
    pub outcome: FindingOutcome,
    /// For `corrected`: what the service was worth to the voucher, yuan, more than zero
    /// and less than the item's amount.
    #[serde(default)]
    #[schema(schema_with = crate::domain::validation::schema::opt_yuan)]
    pub corrected_amount: Option<String>,
    /// Why, shown to the provider (1–2,000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// A reviewer decides an open finding, not one who approved the item, nor one
/// affiliated with the provider or the firm. No issue: the item is paid as approved. A
/// corrected amount: the item claims that much, the rest goes back to the programme.
/// Fraud: the item is refused and its whole amount goes back. An item in a run or paid
/// keeps its amount and status (the bank file has them); a receivable takes the money
/// back instead.
pub fn decide(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    base_url: &str,
    id: &FindingId,
    input: &FindingDecision,
) -> AppResult<FindingView> {
    let mut e = FieldErrors::new();
    let reason = e.text("reason", &input.reason, 2000);
    let asked = input.corrected_amount.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let corrected = match (input.outcome, asked) {
        (FindingOutcome::Corrected, Some(a)) => Some(e.money("corrected_amount", a)),
        (FindingOutcome::Corrected, None) => {
            e.add(
                "corrected_amount",
                ErrorCode::Required,
                "核减金额时须填写核定金额",
                "a corrected amount is needed to correct the amount",
            );
            None
        }
        _ => None,
    };
    e.finish()?;
    let by = cx.actor.user_id.clone().ok_or_else(AppError::forbidden)?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::finding_for_update(c, id)?.ok_or_else(|| AppError::not_found("finding"))?;
        if before.status != FindingStatus::Open {
            return Err(AppError::of(ErrorCode::FindingDecided));
        }
        let item = items_repo::item_for_update(c, &before.item_id)?
            .ok_or_else(|| AppError::internal("a finding's item is gone"))?;
        if item.reviewed_by.as_ref() == Some(&by) {
            return Err(AppError::of(ErrorCode::FindingByApprover));
        }
        let provider = db::parties::provider(c, &item.provider_id)?
            .ok_or_else(|| AppError::internal("item provider"))?;
        let firm =
            db::parties::firm(c, &item.firm_id)?.ok_or_else(|| AppError::internal("item firm"))?;
        super::affiliations::not_affiliated(
            c,
            cx.actor,
            &[provider.credit_code.as_str(), firm.credit_code.as_str()],
        )?;
        if let Some(x) = corrected {
            if x.get() <= 0 || x >= item.amount_fen {
                let mut e = FieldErrors::new();
                e.add(
                    "corrected_amount",
                    ErrorCode::CorrectedAmountInvalid,
                    format!(
                        "核定金额应大于 0 且小于原兑现金额 {} 元",
                        crate::notify::yuan(item.amount_fen)
                    ),
                    format!(
                        "the corrected amount must be more than 0 and less than the item's {}",
                        crate::notify::yuan(item.amount_fen)
                    ),
                );
                e.finish()?;
            }
        }
        // What goes back to the programme.
        let back = match (input.outcome, corrected) {
            (FindingOutcome::Corrected, Some(x)) => Fen::new(item.amount_fen.get() - x.get()),
            (FindingOutcome::Fraudulent, _) => item.amount_fen,
            _ => Fen::ZERO,
        };
        let settled = repo::in_live_payout(c, &item.id)? || item.status == RedemptionStatus::Paid;
        let owed_back = back.get() > 0 && settled;
        if owed_back {
            // In a run or paid: the item stays as the bank file has it; the provider
            // owes the difference, offset against its next payouts or repaid.
            super::receivables::open(c, cx.by(), &before, &item, back)?;
        } else if back.get() > 0 {
            let from = match item.status {
                RedemptionStatus::Payable => Account::payable(&item.provider_id),
                _ => Account::due(&item.provider_id),
            };
            let tx = Transaction::transfer(
                "finding_clawback",
                from,
                Account::funding(&item.programme_id),
                back,
            );
            ledger::post(c, &tx, cx.now)?;
            let mut after_item = item.clone();
            after_item.updated_at = cx.now;
            if input.outcome == FindingOutcome::Fraudulent {
                after_item.status = RedemptionStatus::Rejected;
                after_item.decision_reason = Some(format!("核查查实：{reason}"));
            } else {
                after_item.amount_fen = Fen::new(item.amount_fen.get() - back.get());
            }
            corrected_item(c, cx, &item, &after_item)?;
        }
        let after = FindingRow {
            status: FindingStatus::Decided,
            outcome: Some(input.outcome.as_str().to_string()),
            corrected_fen: corrected.map(|x| x.get()),
            reason: Some(reason.clone()),
            decided_by: Some(by.clone()),
            decided_at: Some(cx.now),
            updated_at: cx.now,
            ..before.clone()
        };
        repo::update_finding(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::FindingDecided, after.id.as_str())
                .before(&before)
                .after(&after),
        )?;
        let by_finding = super::credit::by_finding(cx.policy, input.outcome);
        super::credit::enforce_at_least(c, cx, &after.provider_id, by_finding)?;
        let shown = one(c, &after.id)?;
        let yuan = |f: Fen| crate::notify::yuan(f);
        let email = FindingDecided {
            provider_name: provider.name.clone(),
            order_no: shown.order_no.clone(),
            service: shown.service.clone(),
            outcome: input.outcome.as_str().to_string(),
            corrected_amount: corrected.map(yuan).unwrap_or_default(),
            owed_back: if owed_back { yuan(back) } else { String::new() },
            reason: reason.clone(),
            link: format!("{}/provider/findings", base_url.trim_end_matches('/')),
        }
        .to(&provider.contact_email, &provider.name);
        super::outbox::enqueue(c, cx.templates, vec![email], cx.now)?;
        Ok(shown)
    })
}

/// Writes an item a finding (or an appeal against one) changed, audited.
fn corrected_item(
    c: &mut DbConnection,
    cx: Cx<'_>,
    before: &crate::db::models::RedemptionItemRow,
    after: &crate::db::models::RedemptionItemRow,
) -> AppResult<()> {
    items_repo::update_item(c, after)?;
    audit::record(
        c,
        cx.by(),
        audit::Change::new(Fixed::RedemptionItemCorrected, before.id.as_str())
            .before(before)
            .after(after),
    )
}

/// What a finding decided against an item left it worth, and what it was worth before:
/// (worth now, original). A finding of fraud leaves nothing; a corrected amount that
/// much; the original is what the order's voucher covered (the item's amount when
/// applied for).
fn worth(
    c: &mut DbConnection,
    f: &FindingRow,
    item: &crate::db::models::RedemptionItemRow,
) -> AppResult<(Fen, Fen)> {
    let order = items_repo::get(c, &item.order_id)?
        .ok_or_else(|| AppError::internal("a finding's order is gone"))?;
    let now = match f.outcome.as_deref().and_then(FindingOutcome::parse) {
        Some(FindingOutcome::Corrected) => Fen::new(f.corrected_fen.unwrap_or(0)),
        Some(FindingOutcome::Fraudulent) => Fen::ZERO,
        _ => order.covered_fen,
    };
    Ok((now, order.covered_fen))
}

/// An appeal against a finding (or its clawback) granted: the item is worth `granted`
/// now (the original amount when overturned, less when granted in part). The finding is
/// revised (no issue, or the new corrected amount) and the money follows in the
/// appeal's transaction: a clawback still owed is released first; what had already been
/// recovered, or paid at the lower amount, is owed to the provider as a supplement
/// paid by the next run; an item not yet in a run claims the amount again (a refused
/// one returns to payable, or to its notice if that has not ended). The provider's
/// credit grade is recomputed.
pub(crate) fn regrant_on_appeal(
    c: &mut DbConnection,
    cx: Cx<'_>,
    id: &FindingId,
    appeal: &crate::domain::id::AppealId,
    granted: Option<Fen>,
    reason: &str,
) -> AppResult<Fen> {
    use crate::domain::appeal::regrant;
    let before = repo::finding_for_update(c, id)?.ok_or_else(|| AppError::not_found("finding"))?;
    let item = items_repo::item_for_update(c, &before.item_id)?
        .ok_or_else(|| AppError::internal("a finding's item is gone"))?;
    let (was, original) = worth(c, &before, &item)?;
    // Overturned whole: the item is worth what it was applied for; in part, less.
    let partly = granted.is_some();
    let granted = granted.unwrap_or(original);
    if before.status != FindingStatus::Decided || was >= original {
        return Err(AppError::of(ErrorCode::AppealSubjectMoved).arg("status", "no_issue"));
    }
    if granted <= was || granted > original || (partly && granted == original) {
        let mut e = FieldErrors::new();
        e.add(
            "granted_amount",
            ErrorCode::GrantedAmountInvalid,
            format!(
                "核定金额应高于原结论认定的 {} 元、低于原兑现金额 {} 元",
                crate::notify::yuan(was),
                crate::notify::yuan(original)
            ),
            format!(
                "the amount must be more than the {} the finding allowed and less than the item's {}",
                crate::notify::yuan(was),
                crate::notify::yuan(original)
            ),
        );
        e.finish()?;
    }
    // A corrected item refused since for another reason (an upheld objection) stays
    // refused: the finding's appeal cannot pay it.
    if item.status == RedemptionStatus::Rejected && was.get() > 0 {
        return Err(AppError::of(ErrorCode::AppealSubjectMoved).arg("status", item.status));
    }
    let raise = granted - was;
    let receivable = crate::db::receivables::of_finding_for_update(c, &before.id)?;
    let settled = repo::in_live_payout(c, &item.id)? || item.status == RedemptionStatus::Paid;
    let plan = regrant(raise, receivable.as_ref().map(|r| r.outstanding_fen), settled);
    if let Some(r) = receivable.filter(|_| plan.release.get() > 0) {
        super::receivables::release(c, cx.by(), r, plan.release)?;
    }
    if plan.supplement.get() > 0 {
        super::receivables::supplement(c, cx.by(), appeal, &before, &item, plan.supplement)?;
    }
    if plan.restore.get() > 0 {
        let mut after_item = item.clone();
        after_item.updated_at = cx.now;
        if item.status == RedemptionStatus::Rejected {
            // Refused as fraud: back where an approved item waits, at the granted amount.
            let notice_over = item.notice_ends_at.is_none_or(|end| end <= cx.now);
            after_item.status =
                if notice_over { RedemptionStatus::Payable } else { RedemptionStatus::InNotice };
            after_item.payable_at =
                if notice_over { item.payable_at.or(Some(cx.now)) } else { None };
            after_item.amount_fen = granted;
            after_item.decision_reason = Some(format!("申诉复核：{reason}"));
        } else {
            after_item.amount_fen = item.amount_fen + plan.restore;
        }
        let to = match after_item.status {
            RedemptionStatus::Payable => Account::payable(&item.provider_id),
            _ => Account::due(&item.provider_id),
        };
        let tx = Transaction::transfer(
            "finding_regranted",
            Account::funding(&item.programme_id),
            to,
            plan.restore,
        );
        ledger::post(c, &tx, cx.now)?;
        corrected_item(c, cx, &item, &after_item)?;
    }
    let whole = granted == original;
    let after = FindingRow {
        outcome: Some(
            if whole { FindingOutcome::NoIssue } else { FindingOutcome::Corrected }
                .as_str()
                .to_string(),
        ),
        corrected_fen: if whole { None } else { Some(granted.get()) },
        reason: Some(format!("申诉复核：{reason}")),
        updated_at: cx.now,
        ..before.clone()
    };
    repo::update_finding(c, &after)?;
    audit::record(
        c,
        cx.by(),
        audit::Change::new(Fixed::FindingRevised, after.id.as_str()).before(&before).after(&after),
    )?;
    let revised = if whole { FindingOutcome::NoIssue } else { FindingOutcome::Corrected };
    let by_finding = super::credit::by_finding(cx.policy, revised);
    super::credit::enforce_at_least(c, cx, &after.provider_id, by_finding)?;
    let grade = super::credit::of_provider(c, cx.policy, cx.now, &after.provider_id)?;
    let needed = by_finding.map_or(grade.sanction, |(s, _)| s.max(grade.sanction));
    super::providers::lift_credit_sanction(c, cx, &after.provider_id, &grade, needed)?;
    Ok(granted)
}
