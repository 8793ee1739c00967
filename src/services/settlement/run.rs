//! Preparing a run (one payout per payee from everything payable) and the checker's
//! decision on it.

use super::*;
use crate::db::models::{HoldbackRow, PayoutRow, SettlementRunRow};
use crate::db::settlement as repo;
use crate::db::{self, ledger, parties, users, DbConnection};
use crate::domain::ledger::{Account, Transaction};
use crate::domain::settlement::{payout_reference, unpayable, PayoutStatus, Period, RunStatus};
use crate::domain::validation::FieldErrors;
use crate::domain::CreditCode;
use crate::domain::Fen;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::{self, Message, SettlementAwaitingApproval, Templates};
use crate::services::{audit, snapshot, Actor};
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
    kind: &'static str,
    id: String,
    name: String,
    credit_code: CreditCode,
    bank_name: String,
    bank_account_name: String,
    bank_account_no: String,
    count: i32,
    amount: Fen,
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
        return Err(AppError::of(ErrorCode::PeriodInFuture).arg("period", period));
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
        let mut by_provider: BTreeMap<String, (i32, Fen)> = BTreeMap::new();
        let count_of = |count: i64| {
            i32::try_from(count)
                .map_err(|_| AppError::internal(format!("{count} items for one payee")))
        };
        for (provider, count, amount) in repo::payable_by_provider(c, cutoff)? {
            by_provider.insert(provider, (count_of(count)?, amount));
        }
        let mut by_space: BTreeMap<String, (i32, Fen)> = BTreeMap::new();
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
        let run_id = RunId::new();
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
                id: PayoutId::new(),
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
        let run = SettlementRunRow {
            id: run_id.clone(),
            period: period.to_string(),
            cutoff,
            status: RunStatus::Prepared,
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
        let moves = payouts.iter().map(|p| {
            (
                Account::payable(&p.payee_id),
                Account::payout(p.id.as_str()),
                p.amount_fen,
            )
        });
        ledger::post(c, &Transaction::moves("settlement_prepared", moves), now)?;
        audit::record(
            c,
            actor,
            now,
            audit::Change {
                action: "settlement.prepared",
                entity_type: "settlement_run",
                entity_id: run.id.as_str(),
                before: None,
                after: snapshot(&run),
            },
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
                    total: notify::yuan(run.total_fen),
                    prepared_by: preparer.clone(),
                };
                u.email.as_deref().map(|e| msg.to(e, &u.display_name))
            })
            .collect();
        crate::services::outbox::enqueue(c, templates, emails, now)?;
        Ok(Prepared {
            created: true,
            run: full(c, run)?,
        })
    });
    match result {
        // Another process prepared the period at the same moment: its run stands.
        Err(e) if e.code.is(ErrorCode::AlreadyExists) => {
            let run = repo::live_run(conn, &period.to_string())?.ok_or(e)?;
            Ok(Prepared {
                created: false,
                run: full(conn, run)?,
            })
        }
        other => other,
    }
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
    run_id: &RunId,
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
        if before.status != RunStatus::Prepared {
            return Err(AppError::of(ErrorCode::RunAlreadyDecided));
        }
        if before.prepared_by.is_some() && before.prepared_by == actor.user_id {
            return Err(AppError::of(ErrorCode::SameUserCannotApprove));
        }
        let mut after = SettlementRunRow {
            decided_by: actor.user_id.clone(),
            decided_at: Some(now),
            ..before.clone()
        };
        let action = match input.decision {
            RunDecisionKind::Approve => {
                after.status = RunStatus::Approved;
                "settlement.approved"
            }
            RunDecisionKind::Reject => {
                after.status = RunStatus::Rejected;
                after.reject_reason = reason.clone();
                let payouts = repo::payouts_of(c, run_id)?;
                let mut back = Vec::new();
                for p in payouts {
                    repo::set_items_of_payout(c, &p.id, "payable", "payable", true, now)?;
                    back.push((
                        Account::payout(p.id.as_str()),
                        Account::payable(&p.payee_id),
                        p.amount_fen,
                    ));
                    repo::update_payout(
                        c,
                        &PayoutRow {
                            status: PayoutStatus::Cancelled,
                            ..p
                        },
                    )?;
                }
                ledger::post(c, &Transaction::moves("settlement_rejected", back), now)?;
                "settlement.rejected"
            }
        };
        repo::update_run(c, &after)?;
        audit::record(
            c,
            actor,
            now,
            audit::Change {
                action,
                entity_type: "settlement_run",
                entity_id: run_id.as_str(),
                before: snapshot(&before),
                after: snapshot(&after),
            },
        )?;
        full(c, after)
    })
}
