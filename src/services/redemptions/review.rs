//! Reviewing redemption items: approve into public notice, or refuse and release the
//! order's money, with the firm and the provider told.

use super::super::{audit, Decision};
use super::*;
use crate::db::models::Moved;
use crate::db::models::RedemptionItemRow;
use crate::db::orders::{self as repo};
use crate::db::{self, ledger, parties, vouchers, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::RedemptionItemId;
use crate::domain::ledger::{Account, Transaction};
use crate::domain::order::RedemptionStatus;
use crate::domain::validation::FieldErrors;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::{self, Message, RedemptionDecided, Templates};
use crate::services::Cx;
use chrono::{Duration, NaiveDateTime};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemDecision {
    pub decision: Decision,
    /// Required when rejecting; shown to the provider.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// The reviewer's decision on one item: approved items enter their public notice;
/// rejected ones return their amount to the programme. Not by a reviewer affiliated
/// with the provider or the firm.
pub fn decide(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    item_id: &RedemptionItemId,
    input: &ItemDecision,
) -> AppResult<ItemView> {
    let mut e = FieldErrors::new();
    let reason = match input.decision {
        Decision::Reject => Some(e.text("reason", input.reason.as_deref().unwrap_or(""), 2000)),
        Decision::Approve => e.opt_text("reason", input.reason.as_deref(), 2000),
    };
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::item_for_update(c, item_id)?
            .ok_or_else(|| AppError::not_found("redemption item"))?;
        let provider = parties::provider(c, &before.provider_id)?
            .ok_or_else(|| AppError::internal("item provider"))?;
        let firm =
            parties::firm(c, &before.firm_id)?.ok_or_else(|| AppError::internal("item firm"))?;
        super::super::affiliations::not_affiliated(
            c,
            cx.actor,
            &[provider.credit_code.as_str(), firm.credit_code.as_str()],
        )?;
        if before.status != RedemptionStatus::Submitted {
            return Err(AppError::of(ErrorCode::ItemAlreadyDecided));
        }
        let mut after = RedemptionItemRow {
            decision_reason: reason.clone(),
            reviewed_by: cx.actor.user_id.clone(),
            reviewed_at: Some(cx.now),
            ..before.moved_at(cx.now)
        };
        match input.decision {
            Decision::Approve => {
                after.status = RedemptionStatus::InNotice;
                after.notice_ends_at = Some(
                    cx.now + Duration::days(i64::from(cx.policy.spending.redemption_notice_days)),
                );
            }
            Decision::Reject => {
                after.status = RedemptionStatus::Rejected;
                refuse(c, &after, cx.now)?;
            }
        }
        repo::update_item(c, &after)?;
        let action = match input.decision {
            Decision::Approve => Fixed::RedemptionItemApproved,
            Decision::Reject => Fixed::RedemptionItemRejected,
        };
        audit::record(c, cx.by(), audit::Change::moved(action, &before, &after))?;
        decided_email(c, cx.templates, &after, "redemption_decided", cx.now)?;
        let no = repo::get(c, &after.order_id)?.map(|o| o.order_no).unwrap_or_default();
        item_view(cx.policy, after, no)
    })
}

/// An appeal overturned an item's refusal: it enters its public notice as an approved
/// item does (then payable, then paid by the next run), its amount taken back from the
/// programme. Inside the appeal's transaction.
pub(crate) fn reinstate_on_appeal(
    c: &mut DbConnection,
    cx: Cx<'_>,
    item_id: &RedemptionItemId,
    reason: &str,
) -> AppResult<()> {
    let before =
        repo::item_for_update(c, item_id)?.ok_or_else(|| AppError::not_found("redemption item"))?;
    if before.status != RedemptionStatus::Rejected {
        return Err(AppError::of(ErrorCode::AppealSubjectMoved).arg("status", before.status));
    }
    let after = RedemptionItemRow {
        status: RedemptionStatus::InNotice,
        decision_reason: Some(reason.to_string()),
        reviewed_by: cx.actor.user_id.clone(),
        reviewed_at: Some(cx.now),
        notice_ends_at: Some(
            cx.now + Duration::days(i64::from(cx.policy.spending.redemption_notice_days)),
        ),
        ..before.moved_at(cx.now)
    };
    let (from, to) = (Account::funding(&after.programme_id), Account::due(&after.provider_id));
    let tx = Transaction::transfer("redemption_reinstated", from, to, after.amount_fen);
    ledger::post(c, &tx, cx.now)?;
    repo::update_item(c, &after)?;
    audit::record(
        c,
        cx.by(),
        audit::Change::moved(Fixed::RedemptionItemReinstated, &before, &after),
    )?;
    decided_email(c, cx.templates, &after, "redemption_reinstated", cx.now)?;
    Ok(())
}

/// A refused item's amount goes back to its programme.
pub(super) fn refuse(
    c: &mut DbConnection,
    item: &RedemptionItemRow,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (from, to) = (Account::due(&item.provider_id), Account::funding(&item.programme_id));
    let tx = Transaction::transfer("redemption_rejected", from, to, item.amount_fen);
    ledger::post(c, &tx, now)?;
    Ok(())
}

/// Tells the provider an item's decision (once per `key` and item).
pub(super) fn decided_email(
    c: &mut DbConnection,
    templates: &Templates,
    item: &RedemptionItemRow,
    key: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let provider =
        parties::provider(c, &item.provider_id)?.ok_or_else(|| AppError::internal("provider"))?;
    let order = repo::get(c, &item.order_id)?.ok_or_else(|| AppError::internal("order"))?;
    let voucher =
        vouchers::voucher(c, &order.voucher_id)?.ok_or_else(|| AppError::internal("voucher"))?;
    let msg = RedemptionDecided {
        provider_name: provider.name.clone(),
        order_no: order.order_no,
        voucher_code: voucher.code,
        amount: notify::yuan(item.amount_fen),
        approved: item.status != RedemptionStatus::Rejected,
        reason: item.decision_reason.clone().unwrap_or_default(),
    };
    super::super::outbox::enqueue(
        c,
        templates,
        vec![msg.to(&provider.contact_email, &provider.name).once(format!("{key}:{}", item.id))],
        now,
    )?;
    Ok(())
}
