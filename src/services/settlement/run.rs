//! Preparing a run (one payout per payee from everything payable) and the checker's
//! decision on it.

use super::*;
use crate::db::models::{HoldbackRow, PayoutRow, SettlementRunRow};
use crate::db::settlement as repo;
use crate::db::{self, ledger, parties, users, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{AnyParty, ProviderId};
use crate::domain::ledger::{Account, Transaction};
use crate::domain::settlement::{payout_reference, unpayable, PayoutStatus, Period, RunStatus};
use crate::domain::validation::FieldErrors;
use crate::domain::CreditCode;
use crate::domain::Fen;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::{self, Email, Message, SettlementAwaitingApproval, Templates};
use crate::services::Cx;
use crate::services::{audit, receivables, Acting, Actor};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The outcome of preparing: the period's run, and whether this call made it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Prepared {
    pub created: bool,
    pub run: RunView,
}

/// Whom a run pays: a provider (redemptions) or a space (subsidies).
struct Payee {
    party: AnyParty,
    name: String,
    credit_code: CreditCode,
    bank_name: String,
    bank_account_name: String,
    bank_account_no: String,
    count: i32,
    amount: Fen,
    /// What the payout takes back against the payee's receivables (providers only).
    offset: Fen,
    /// Why the payee is held back whatever its bank details: on a screening list.
    hold: Option<String>,
}

/// Prepares the run of `period`: every payable item that became payable before the
/// period ended, one payout per payee. Idempotent: when the period already has a live
/// run (prepared or approved), that run is returned. Refused: a month that has not begun
/// or not ended, a month before the programme began, a month with nothing payable.
pub fn prepare(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    period: Period,
    scheduled: bool,
) -> AppResult<Prepared> {
    if period.start_utc() > cx.now {
        return Err(AppError::of(ErrorCode::PeriodInFuture).arg("period", period));
    }
    // A period already prepared is shown as it is, whatever the clock says now.
    if let Some(run) = repo::live_run(conn, &period.to_string())? {
        return Ok(Prepared { created: false, run: full(conn, run)? });
    }
    if period.end_utc() > cx.now {
        let ends = crate::domain::china_time(period.end_utc()).format("%Y-%m-%d %H:%M");
        return Err(AppError::of(ErrorCode::PeriodNotEnded)
            .arg("period", period)
            .arg("ends", ends));
    }
    match repo::programme_began(conn)?.map(Period::of) {
        Some(first) if period >= first => {}
        first => {
            let first = first.map_or_else(
                || ("尚未开始".to_string(), "not yet".to_string()),
                |f| (f.to_string(), f.to_string()),
            );
            return Err(AppError::of(ErrorCode::PeriodBeforeProgramme)
                .arg("period", period)
                .arg_each("first", first.0, first.1));
        }
    }
    let (templates, by) = (cx.templates, cx.by());
    match db::write_tx(conn, |c| prepare_in(c, templates, period, scheduled, by)) {
        // Another process prepared the period at the same moment: its run stands.
        Err(e) if e.code.is(ErrorCode::AlreadyExists) => {
            let run = repo::live_run(conn, &period.to_string())?.ok_or(e)?;
            Ok(Prepared { created: false, run: full(conn, run)? })
        }
        other => other,
    }
}

/// The steps of preparing, in the one transaction: freeze the items, return the live
/// run if there is one, else gather the payees, write the run with its payouts and
/// holdbacks, attach the items, move the money and tell finance.
fn prepare_in(
    c: &mut DbConnection,
    templates: &Templates,
    period: Period,
    scheduled: bool,
    by: Acting<'_>,
) -> AppResult<Prepared> {
    repo::freeze_items(c)?;
    if let Some(run) = repo::live_run(c, &period.to_string())? {
        return Ok(Prepared { created: false, run: full(c, run)? });
    }
    let attempt = repo::runs_of_period(c, &period.to_string())? + 1;
    // Exclusive: what became payable before the period ended is in.
    let cutoff = period.end_utc();
    let run_id = RunId::new();
    let mut payees = payees(c, cutoff)?;
    let parties: Vec<_> = payees
        .iter()
        .map(|p| (p.party.kind(), p.party.id().to_string(), p.credit_code.to_string()))
        .collect();
    let mut held_by_list = crate::services::screening::held_payees(c, &parties, by.now)?;
    for p in &mut payees {
        p.hold = held_by_list.remove(&(p.party.kind(), p.party.id().to_string()));
    }
    let providers: Vec<ProviderId> = payees
        .iter()
        .filter(|p| p.hold.is_none())
        .filter_map(|p| match &p.party {
            AnyParty::Provider(id) => Some(id.clone()),
            _ => None,
        })
        .collect();
    let owing = receivables::Owing::of(c, &providers)?;
    for p in payees.iter_mut().filter(|p| p.hold.is_none()) {
        if let AnyParty::Provider(id) = &p.party {
            p.offset = owing.offset(id, p.amount);
        }
    }
    let (payouts, held) = payouts_of(&run_id, period, attempt, payees);
    if payouts.is_empty() {
        let n = held.len();
        let (zh, en) = if n == 0 {
            (String::new(), String::new())
        } else {
            (
                format!("（另有 {n} 个收款方暂缓支付：银行账户信息不全，或在筛查名单上）"),
                format!(
                    " ({n} payees are held back: incomplete bank details, or on a screening list)"
                ),
            )
        };
        return Err(AppError::of(ErrorCode::NothingPayable)
            .arg("period", period)
            .arg_each("held", zh, en));
    }
    let run = SettlementRunRow {
        id: run_id.clone(),
        period: period.to_string(),
        cutoff,
        status: RunStatus::Prepared,
        origin: if scheduled { "schedule" } else { "manual" }.into(),
        prepared_by: by.actor.user_id.clone(),
        prepared_at: by.now,
        decided_by: None,
        decided_at: None,
        reject_reason: None,
        payout_count: payouts.len() as i32,
        item_count: payouts.iter().map(|p| p.item_count).sum(),
        total_fen: payouts.iter().map(|p| p.amount_fen).sum(),
        offset_fen: payouts.iter().map(|p| p.offset_fen).sum(),
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
        + repo::attach_entitlements(c, &run_id, cutoff)?
        + repo::attach_supplements(c, &run_id, cutoff)?;
    if attached != run.item_count as usize {
        return Err(AppError::internal(format!(
            "settlement {period}: {attached} items attached, {} counted",
            run.item_count
        )));
    }
    let moves = payouts
        .iter()
        .filter(|p| p.amount_fen.get() > 0)
        .map(|p| (Account::payable(&p.payee_id), Account::payout(&p.id), p.amount_fen));
    ledger::post(c, &Transaction::moves("settlement_prepared", moves), by.now)?;
    owing.take(c, by, &payouts)?;
    audit::record(c, by, audit::Change::created(Fixed::SettlementPrepared, &run))?;
    let emails = awaiting_approval(c, &run, attempt, by.actor)?;
    crate::services::outbox::enqueue(c, templates, emails, by.now)?;
    Ok(Prepared { created: true, run: full(c, run)? })
}

/// Everyone the run pays, with how many items and how much: providers for redemptions,
/// spaces for subsidy entitlements, by name.
fn payees(c: &mut DbConnection, cutoff: NaiveDateTime) -> AppResult<Vec<Payee>> {
    let count_of = |count: i64| {
        i32::try_from(count).map_err(|_| AppError::internal(format!("{count} items for one payee")))
    };
    let mut by_provider: BTreeMap<ProviderId, (i32, Fen)> = BTreeMap::new();
    for (provider, count, amount) in repo::payable_by_provider(c, cutoff)? {
        by_provider.insert(provider, (count_of(count)?, amount));
    }
    // Supplements (补付款) an appeal granted ride with the provider's items, or alone.
    for (provider, count, amount) in crate::db::supplements::payable_by_provider(c, cutoff)? {
        let t = by_provider.entry(provider).or_insert((0, Fen::ZERO));
        *t = (t.0 + count_of(count)?, t.1 + amount);
    }
    let ids: Vec<ProviderId> = by_provider.keys().cloned().collect();
    let mut payees: Vec<Payee> = parties::providers_by_ids(c, &ids)?
        .into_iter()
        .map(|p| Payee {
            count: by_provider[&p.id].0,
            amount: by_provider[&p.id].1,
            party: AnyParty::Provider(p.id),
            name: p.name,
            credit_code: p.credit_code,
            bank_name: p.bank_name,
            bank_account_name: p.bank_account_name,
            bank_account_no: p.bank_account_no,
            offset: Fen::ZERO,
            hold: None,
        })
        .collect();
    for (space_id, count, amount) in repo::payable_entitlements_by_space(c, cutoff)? {
        let s = parties::space(c, &space_id)?
            .ok_or_else(|| AppError::internal(format!("entitlement of no space {space_id}")))?;
        payees.push(Payee {
            count: count_of(count)?,
            amount,
            party: AnyParty::Space(s.id),
            name: s.name,
            credit_code: s.credit_code,
            bank_name: s.bank_name.unwrap_or_default(),
            bank_account_name: s.bank_account_name.unwrap_or_default(),
            bank_account_no: s.bank_account_no.unwrap_or_default(),
            offset: Fen::ZERO,
            hold: None,
        });
    }
    payees.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.party.as_str().cmp(b.party.as_str())));
    Ok(payees)
}

/// One payout per payee whose bank details can be paid, numbered in order; the others
/// held back with the reason. A payout pays what is left after its offset; one its
/// offset covers whole needs no bank account (the bank is not asked to pay it).
fn payouts_of(
    run_id: &RunId,
    period: Period,
    attempt: i64,
    payees: Vec<Payee>,
) -> (Vec<PayoutRow>, Vec<HoldbackRow>) {
    let (mut payouts, mut held) = (Vec::new(), Vec::new());
    for p in payees {
        let account_no: String = p.bank_account_no.chars().filter(|c| !c.is_whitespace()).collect();
        let net = p.amount - p.offset;
        let why = unpayable(&p.bank_name, &p.bank_account_name, &account_no)
            .filter(|_| net.get() > 0)
            .map(str::to_string);
        if let Some(why) = p.hold.clone().or(why) {
            held.push(HoldbackRow {
                run_id: run_id.clone(),
                payee_kind: p.party.kind(),
                payee_id: p.party.id(),
                payee_name: p.name,
                reason: why,
                item_count: p.count,
                amount_fen: p.amount,
            });
            continue;
        }
        payouts.push(PayoutRow {
            id: PayoutId::new(),
            run_id: run_id.clone(),
            reference: payout_reference(period, attempt, payouts.len() + 1),
            payee_kind: p.party.kind(),
            payee_id: p.party.id(),
            payee_name: p.name,
            credit_code: p.credit_code,
            bank_name: p.bank_name,
            bank_account_name: p.bank_account_name,
            bank_account_no: account_no,
            amount_fen: net,
            offset_fen: p.offset,
            item_count: p.count,
            status: PayoutStatus::Pending,
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
    (payouts, held)
}

/// The emails telling finance (everyone but the preparer) that a run with payouts waits
/// for approval.
fn awaiting_approval(
    c: &mut DbConnection,
    run: &SettlementRunRow,
    attempt: i64,
    actor: &Actor,
) -> AppResult<Vec<Email>> {
    if run.payout_count == 0 {
        return Ok(Vec::new());
    }
    let finance = users::reachable_with_role(c, "finance")?;
    let preparer = match &actor.user_id {
        Some(id) => users::by_id(c, id)?.map_or_else(|| id.to_string(), |u| u.display_name),
        None => "定时任务".into(),
    };
    Ok(finance
        .iter()
        .filter(|u| Some(&u.id) != actor.user_id.as_ref())
        .filter_map(|u| {
            let msg = SettlementAwaitingApproval {
                run_ref: format!("{}-{attempt}", run.period),
                period: run.period.clone(),
                payouts: i64::from(run.payout_count),
                total: notify::yuan(run.total_fen),
                prepared_by: preparer.clone(),
            };
            u.email.as_deref().map(|e| msg.to(e, &u.display_name))
        })
        .collect())
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
    cx: Cx<'_>,
    run_id: &RunId,
    input: &RunDecision,
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
        if before.status != RunStatus::Prepared {
            return Err(AppError::of(ErrorCode::RunAlreadyDecided));
        }
        if before.prepared_by.is_some() && before.prepared_by == cx.actor.user_id {
            return Err(AppError::of(ErrorCode::SameUserCannotApprove));
        }
        let mut after = SettlementRunRow {
            decided_by: cx.actor.user_id.clone(),
            decided_at: Some(cx.now),
            ..before.clone()
        };
        let action = match input.decision {
            RunDecisionKind::Approve => {
                after.status = RunStatus::Approved;
                offset_whole(c, cx.by(), &after)?;
                Fixed::SettlementApproved
            }
            RunDecisionKind::Reject => {
                after.status = RunStatus::Rejected;
                after.reject_reason = reason.clone();
                let payouts = repo::payouts_of(c, run_id)?;
                let mut back = Vec::new();
                for p in payouts {
                    repo::set_items_of_payout(c, &p.id, "payable", "payable", true, cx.now)?;
                    receivables::undo_offsets(c, cx.by(), &p.id, &p.payee_id)?;
                    if p.amount_fen.get() > 0 {
                        back.push((
                            Account::payout(&p.id),
                            Account::payable(&p.payee_id),
                            p.amount_fen,
                        ));
                    }
                    repo::update_payout(c, &PayoutRow { status: PayoutStatus::Cancelled, ..p })?;
                }
                ledger::post(c, &Transaction::moves("settlement_rejected", back), cx.now)?;
                Fixed::SettlementRejected
            }
        };
        repo::update_run(c, &after)?;
        audit::record(c, cx.by(), audit::Change::moved(action, &before, &after))?;
        full(c, after)
    })
}

/// On approval, the payouts their offsets cover whole are settled at once: nothing goes
/// to the bank, so no result will come back. Their items are paid (by the debts they
/// cleared); each is audited as paid on the approval's China day.
fn offset_whole(c: &mut DbConnection, by: Acting<'_>, run: &SettlementRunRow) -> AppResult<()> {
    for before in repo::payouts_of(c, &run.id)?.into_iter().filter(|p| p.amount_fen.get() == 0) {
        let after = PayoutRow {
            status: PayoutStatus::Paid,
            paid_on: Some(crate::domain::china_time(by.now).date()),
            recorded_by: by.actor.user_id.clone(),
            recorded_at: Some(by.now),
            ..before.clone()
        };
        repo::set_items_of_payout(c, &before.id, "payable", "paid", false, by.now)?;
        repo::update_payout(c, &after)?;
        audit::record(
            c,
            by,
            audit::Change::moved(
                crate::domain::audit::Action::PayoutSettled(after.status),
                &before,
                &after,
            ),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payee(name: &str, account_no: &str, count: i32, yuan: i64) -> Payee {
        Payee {
            party: AnyParty::Provider(ProviderId::stored(format!("id-{name}"))),
            name: name.into(),
            credit_code: CreditCode::parse("91350100M000100Y43").unwrap(),
            bank_name: "徽商银行".into(),
            bank_account_name: name.into(),
            bank_account_no: account_no.into(),
            count,
            amount: Fen::new(yuan * 100),
            offset: Fen::ZERO,
            hold: None,
        }
    }

    #[test]
    fn payees_that_cannot_be_paid_are_held_back_and_the_rest_numbered_in_order() {
        let run = RunId::new();
        let period = Period::parse("2026-11").unwrap();
        let (payouts, held) = payouts_of(
            &run,
            period,
            2,
            vec![
                payee("甲", "6222 0000 1111", 3, 900),
                payee("乙", "12ab", 1, 50),
                payee("丙", "62220000222233", 2, 400),
            ],
        );
        let refs: Vec<_> = payouts.iter().map(|p| p.reference.as_str()).collect();
        assert_eq!(refs, ["HC202611-2-00001", "HC202611-2-00002"]);
        assert_eq!(payouts[0].bank_account_no, "622200001111");
        assert_eq!(payouts[1].amount_fen, Fen::new(40_000));
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].payee_name, "乙");
        assert_eq!(held[0].reason, "银行账号无效（应为 8–32 位数字）");
        assert_eq!((held[0].item_count, held[0].amount_fen), (1, Fen::new(5_000)));
    }

    #[test]
    fn a_payee_on_a_screening_list_is_held_back_with_the_reason_whatever_its_account() {
        let held_payee = Payee {
            hold: Some("在失信被执行人名单上（法院），暂缓支付".into()),
            ..payee("甲", "62220000111122", 3, 900)
        };
        let (payouts, held) = payouts_of(
            &RunId::new(),
            Period::parse("2026-11").unwrap(),
            1,
            vec![held_payee, payee("丙", "62220000222233", 2, 400)],
        );
        assert_eq!(payouts.len(), 1);
        assert_eq!(payouts[0].payee_name, "丙");
        assert_eq!(held[0].reason, "在失信被执行人名单上（法院），暂缓支付");
        assert_eq!(held[0].amount_fen, Fen::new(90_000));
    }
}
