//! Every step of an order after it is placed: accept or decline, cancel, deliver,
//! confirm or dispute, a reviewer's resolution, and lapse; each one transaction through
//! `transition`.

use super::*;
use crate::db::models::{FirmRow, OrderRow, ProviderRow, VoucherRow};
use crate::db::orders::{self as repo};
use crate::db::{self, catalogue, ledger, DbConnection};
use crate::domain::audit::Action;
use crate::domain::id::{FirmId, ProviderId};
use crate::domain::ledger::{Account, Transaction};
use crate::domain::order::{OrderAction, OrderStatus, Side};
use crate::domain::validation::FieldErrors;
use crate::domain::voucher::VoucherStatus;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::{self, Email, Message};
use crate::services::audit;
use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisputeOutcome {
    /// The delivery stands: back to delivered, for the firm to confirm.
    Delivered,
    /// The delivery is wanting: the order is cancelled and the hold released.
    Cancelled,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeResolution {
    pub outcome: DisputeOutcome,
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// What a transition needs beyond the order itself.
pub use super::super::Cx;

/// Loads and locks the order as `party` sees it, checks the transition, lets `apply`
/// change the order and move money, then records the audit event and the emails.
fn transition(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    party: Party<'_>,
    order_id: &OrderId,
    action: OrderAction,
    apply: impl FnOnce(&mut DbConnection, &mut OrderRow, &Loaded) -> AppResult<()>,
) -> AppResult<OrderView> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::get_for_update(c, order_id)?
            .filter(|o| party.sees(o))
            .ok_or_else(|| AppError::not_found("order"))?;
        let status = before.status;
        let next = status.after(action).ok_or_else(|| not_now(status, action))?;
        let (firm, provider, voucher) = parties_of(c, &before, true)?;
        let loaded = Loaded { firm, provider, voucher };
        let mut after = before.clone();
        after.status = next;
        after.updated_at = cx.now;
        apply(c, &mut after, &loaded)?;
        repo::update(c, &after)?;
        audit::record(
            c,
            cx.actor.at(cx.now),
            audit::Change::moved(Action::OrderMoved { action, to: next }, &before, &after),
        )?;
        let emails = emails_for(action, &after, &loaded);
        crate::services::outbox::enqueue(c, cx.templates, emails, cx.now)?;
        // A lost dispute or a late delivery weighs on the provider's credit at once.
        let late = action == OrderAction::Deliver && after.deliver_by.is_some_and(|d| cx.now > d);
        if late || action == OrderAction::CancelDisputed {
            crate::services::credit::enforce(c, cx, &after.provider_id)?;
        }
        full_view(c, cx.policy, after)
    })
}

/// The parties and voucher of the order being changed.
pub struct Loaded {
    firm: FirmRow,
    provider: ProviderRow,
    voucher: VoucherRow,
}

fn not_now(status: OrderStatus, action: OrderAction) -> AppError {
    let code = match action {
        OrderAction::Accept | OrderAction::Decline => ErrorCode::OrderNotRequested,
        OrderAction::Cancel | OrderAction::Lapse => ErrorCode::OrderAlreadyDelivered,
        OrderAction::Deliver => ErrorCode::OrderNotAccepted,
        OrderAction::Confirm | OrderAction::Dispute => ErrorCode::OrderNotDelivered,
        OrderAction::UpholdDelivery | OrderAction::CancelDisputed => ErrorCode::OrderNotDisputed,
    };
    let words = crate::i18n::order_status(status);
    AppError::of(code).arg_each(
        "status",
        crate::i18n::t(words, false),
        crate::i18n::t(words, true).to_lowercase(),
    )
}

fn emails_for(action: OrderAction, o: &OrderRow, l: &Loaded) -> Vec<Email> {
    let v = || email_values(o, &l.firm, &l.provider, &l.voucher);
    let (fa, fname) = (&l.firm.contact_email, &l.firm.name);
    let (pa, pname) = (&l.provider.contact_email, &l.provider.name);
    match action {
        OrderAction::Accept => vec![notify::OrderAccepted(v()).to(fa, fname)],
        OrderAction::Decline => vec![notify::OrderDeclined(v()).to(fa, fname)],
        OrderAction::Deliver => vec![notify::OrderDelivered(v()).to(fa, fname)],
        OrderAction::Confirm => vec![notify::OrderConfirmed(v()).to(pa, pname)],
        OrderAction::Dispute => vec![notify::OrderDisputed(v()).to(pa, pname)],
        OrderAction::Cancel | OrderAction::Lapse => {
            // Whoever did not cancel hears of it; a reviewer's or the system's
            // cancellation is told to both.
            let mut out = Vec::new();
            if o.cancelled_by.as_deref() != Some(Side::Firm.as_str()) {
                out.push(notify::OrderCancelled(v()).to(fa, fname));
            }
            if o.cancelled_by.as_deref() != Some(Side::Provider.as_str()) {
                out.push(notify::OrderCancelled(v()).to(pa, pname));
            }
            out
        }
        OrderAction::UpholdDelivery | OrderAction::CancelDisputed => vec![
            notify::OrderDisputeResolved(v()).to(fa, fname),
            notify::OrderDisputeResolved(v()).to(pa, pname),
        ],
    }
}

/// Ends an order's hold: back to the voucher while it is active, to the programme
/// once the voucher has expired (its balance can no longer be spent).
fn release(
    c: &mut DbConnection,
    o: &OrderRow,
    v: &VoucherRow,
    now: NaiveDateTime,
) -> AppResult<()> {
    let amount = o.covered_fen;
    let to_programme = v.status != VoucherStatus::Active;
    repo::unhold(c, &v.id, amount, to_programme)?;
    let to = if to_programme { Account::funding(&v.programme_id) } else { Account::voucher(&v.id) };
    ledger::post(
        c,
        &Transaction::transfer("order_release", Account::order(&o.id), to, amount),
        now,
    )?;
    Ok(())
}

/// The provider accepts: the voucher's share is held, if the voucher still has it.
pub fn accept(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
    order_id: &OrderId,
) -> AppResult<OrderView> {
    transition(conn, cx, Party::Provider(provider_id), order_id, OrderAction::Accept, |c, o, l| {
        provider_trading(&l.provider)?;
        not_screened(c, &l.firm, &l.provider, cx.now)?;
        let v = repo::voucher_for_update(c, &o.voucher_id)?
            .ok_or_else(|| AppError::internal("order voucher"))?;
        spendable(&v, cx.now)?;
        if !repo::hold(c, &v.id, o.covered_fen)? {
            return Err(AppError::of(ErrorCode::VoucherBalanceInsufficient)
                .arg("available", v.balance_fen - v.held_fen)
                .arg("needed", o.covered_fen));
        }
        let (from, to) = (Account::voucher(&v.id), Account::order(&o.id));
        let tx = Transaction::transfer("order_hold", from, to, o.covered_fen);
        ledger::post(c, &tx, cx.now)?;
        let days = catalogue::get(c, &o.service_item_id)?.map_or(0, |i| i.delivery_days);
        o.accepted_at = Some(cx.now);
        o.deliver_by = Some(cx.now + Duration::days(i64::from(days)));
        Ok(())
    })
}

fn reason(field: &str, input: &ReasonInput) -> AppResult<String> {
    let mut e = FieldErrors::new();
    let r = e.text(field, &input.reason, 2000);
    e.finish()?;
    Ok(r)
}

/// The provider declines a requested order, with a reason for the firm.
pub fn decline(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
    order_id: &OrderId,
    input: &ReasonInput,
) -> AppResult<OrderView> {
    let why = reason("reason", input)?;
    transition(conn, cx, Party::Provider(provider_id), order_id, OrderAction::Decline, |_, o, _| {
        o.decline_reason = Some(why);
        o.closed_at = Some(cx.now);
        Ok(())
    })
}

/// The firm or the provider cancels before delivery; a hold is released.
pub fn cancel(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    party: Party<'_>,
    order_id: &OrderId,
    input: &ReasonInput,
) -> AppResult<OrderView> {
    let why = reason("reason", input)?;
    let side = match party {
        Party::Firm(_) => Side::Firm,
        Party::Provider(_) => Side::Provider,
        Party::Staff => return Err(AppError::forbidden()),
    };
    transition(conn, cx, party, order_id, OrderAction::Cancel, |c, o, l| {
        if o.accepted_at.is_some() {
            release(c, o, &l.voucher, cx.now)?;
        }
        o.cancel_reason = Some(why);
        o.cancelled_by = Some(side.as_str().into());
        o.closed_at = Some(cx.now);
        Ok(())
    })
}

/// The end of the grace period in which an order accepted before its voucher expired
/// may still be delivered.
fn grace_end(cx: Cx<'_>, v: &VoucherRow) -> NaiveDateTime {
    v.valid_until + Duration::days(i64::from(cx.policy.spending.delivery_grace_days))
}

/// The provider marks the order delivered, once every required document is uploaded
/// and, for an expired voucher, within the grace period.
pub fn deliver(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
    order_id: &OrderId,
) -> AppResult<OrderView> {
    transition(conn, cx, Party::Provider(provider_id), order_id, OrderAction::Deliver, |c, o, l| {
        let lacking = missing(o, &repo::evidence_of(c, &o.id)?);
        if !lacking.is_empty() {
            let zh: Vec<&str> = lacking.iter().map(|k| k.name_zh()).collect();
            let en: Vec<&str> = lacking.iter().map(|k| k.as_str()).collect();
            return Err(AppError::of(ErrorCode::EvidenceMissing).arg_each(
                "kinds",
                zh.join("、"),
                en.join(", "),
            ));
        }
        if cx.now >= grace_end(cx, &l.voucher) {
            return Err(AppError::of(ErrorCode::DeliveryGraceEnded));
        }
        o.delivered_at = Some(cx.now);
        Ok(())
    })
}

/// The firm confirms the delivery: the held share is consumed and becomes due to the
/// provider, to be claimed in a redemption application.
pub fn confirm(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    firm_id: &FirmId,
    order_id: &OrderId,
) -> AppResult<OrderView> {
    transition(conn, cx, Party::Firm(firm_id), order_id, OrderAction::Confirm, |c, o, l| {
        // A held firm's orders wait: confirming would make the voucher's share due.
        let firm = &l.firm;
        crate::services::screening::ensure_clear(
            c,
            crate::domain::PartyKind::Firm,
            firm.id.as_str(),
            firm.credit_code.as_str(),
            cx.now,
        )?;
        repo::unhold(c, &l.voucher.id, o.covered_fen, true)?;
        let (from, to) = (Account::order(&o.id), Account::due(&o.provider_id));
        let tx = Transaction::transfer("order_confirmed", from, to, o.covered_fen);
        ledger::post(c, &tx, cx.now)?;
        o.confirmed_at = Some(cx.now);
        o.closed_at = Some(cx.now);
        Ok(())
    })
}

/// The firm disputes the delivery; the hold stays until a reviewer resolves it.
pub fn dispute(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    firm_id: &FirmId,
    order_id: &OrderId,
    input: &ReasonInput,
) -> AppResult<OrderView> {
    let why = reason("reason", input)?;
    transition(conn, cx, Party::Firm(firm_id), order_id, OrderAction::Dispute, |_, o, _| {
        o.dispute_reason = Some(why);
        Ok(())
    })
}

/// A reviewer resolves a dispute: the delivery stands (back to delivered) or the order
/// is cancelled and its hold released. Not by a reviewer affiliated with either party.
pub fn resolve_dispute(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    order_id: &OrderId,
    input: &DisputeResolution,
) -> AppResult<OrderView> {
    let mut e = FieldErrors::new();
    let note = e.text("note", &input.note, 2000);
    e.finish()?;
    let action = match input.outcome {
        DisputeOutcome::Delivered => OrderAction::UpholdDelivery,
        DisputeOutcome::Cancelled => OrderAction::CancelDisputed,
    };
    transition(conn, cx, Party::Staff, order_id, action, |c, o, l| {
        crate::services::affiliations::not_affiliated(
            c,
            cx.actor,
            &[l.firm.credit_code.as_str(), l.provider.credit_code.as_str()],
        )?;
        o.resolution_note = Some(note);
        if action == OrderAction::CancelDisputed {
            release(c, o, &l.voucher, cx.now)?;
            o.cancel_reason = o.dispute_reason.clone();
            o.cancelled_by = Some(Side::Reviewer.as_str().into());
            o.closed_at = Some(cx.now);
        }
        Ok(())
    })
}

/// The system cancels an open order on an expired voucher: a requested order at once,
/// an accepted one when the delivery grace period has ended. Returns whether it did.
pub fn lapse(conn: &mut DbConnection, cx: Cx<'_>, order_id: &OrderId) -> AppResult<bool> {
    let r = transition(conn, cx, Party::Staff, order_id, OrderAction::Lapse, |c, o, l| {
        let grace_end = grace_end(cx, &l.voucher);
        let accepted = o.accepted_at.is_some();
        if l.voucher.status == VoucherStatus::Active || (accepted && cx.now < grace_end) {
            return Err(AppError::of(ErrorCode::NotDue));
        }
        if accepted {
            release(c, o, &l.voucher, cx.now)?;
        }
        o.cancel_reason = Some(if accepted {
            "合创券已过期，交付宽限期内未交付".into()
        } else {
            "合创券已过期，订单未被接受".into()
        });
        o.cancelled_by = Some(Side::System.as_str().into());
        o.closed_at = Some(cx.now);
        Ok(())
    });
    match r {
        Ok(_) => Ok(true),
        Err(e) if e.code.is(ErrorCode::NotDue) || e.code.is(ErrorCode::OrderNotRequested) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}
