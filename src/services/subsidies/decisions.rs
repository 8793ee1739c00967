//! Deciding an entitlement after its public notice: approve (checked against the
//! duplicate-support register) or refuse, with the ledger and the space told.

use super::super::audit;
use super::*;
use crate::db::carriers as repo;
use crate::db::models::Moved;
use crate::db::models::{EntitlementRow, SupportGrantRow};
use crate::db::{self, ledger, parties, DbConnection};
use crate::domain::audit::Action;
use crate::domain::id::EntitlementId;
use crate::domain::id::GrantId;
use crate::domain::ledger::{Account, Transaction};
use crate::domain::settlement::Period;
use crate::domain::subsidy::{DuplicateRule, EntitlementStatus};
use crate::domain::validation::FieldErrors;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::Cx;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntitlementDecisionKind {
    Approve,
    Reject,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntitlementDecision {
    pub decision: EntitlementDecisionKind,
    /// Required to reject, and to approve over an earlier grant.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    /// The reviewer has looked at the earlier grant shown (`duplicate_of`) and approves
    /// anyway (only where the policy flags duplicates rather than refusing them).
    #[serde(default)]
    pub acknowledge_duplicate: bool,
}

/// After its public notice, a reviewer approves (it becomes payable: the next settlement
/// run pays it) or rejects (with a reason) an entitlement. Approval checks again that the
/// certification still covers the period and that no grant for the same support has
/// been recorded meanwhile; it records the grant in the register.
pub fn decide(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    id: &EntitlementId,
    input: &EntitlementDecision,
) -> AppResult<EntitlementView> {
    let mut e = FieldErrors::new();
    let reason = match input.decision {
        EntitlementDecisionKind::Reject => {
            Some(e.text("reason", input.reason.as_deref().unwrap_or(""), 2000))
        }
        EntitlementDecisionKind::Approve => e.opt_text("reason", input.reason.as_deref(), 2000),
    };
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::entitlement_for_update(c, id)?
            .ok_or_else(|| AppError::not_found("entitlement"))?;
        if before.status != EntitlementStatus::InNotice {
            return Err(
                AppError::of(ErrorCode::EntitlementAlreadyDecided).arg("status", before.status)
            );
        }
        let space =
            parties::space(c, &before.space_id)?.ok_or_else(|| AppError::not_found("space"))?;
        super::super::affiliations::not_affiliated(c, cx.actor, &[space.credit_code.as_str()])?;
        let mut after = EntitlementRow {
            decided_by: cx.actor.user_id.clone(),
            decided_at: Some(cx.now),
            decision_reason: reason.clone(),
            ..before.moved_at(cx.now)
        };
        match input.decision {
            EntitlementDecisionKind::Reject => {
                after.status = EntitlementStatus::Rejected;
            }
            EntitlementDecisionKind::Approve => {
                if cx.now < before.notice_ends_at {
                    return Err(AppError::of(ErrorCode::EntitlementInNotice).arg(
                        "ends",
                        crate::domain::china_time(before.notice_ends_at).format("%Y-%m-%d %H:%M"),
                    ));
                }
                let p = cx.policy.subsidies.policy(&before.policy).ok_or_else(|| {
                    AppError::of(ErrorCode::SubsidyPolicyUnknown).arg("policy", &before.policy)
                })?;
                if let Some(cert_id) = &before.certification_id {
                    let still = repo::certifications_of(c, &before.space_id)?
                        .into_iter()
                        .find(|r| &r.id == cert_id)
                        .map(|r| certification_fact(&r))
                        .is_some_and(|f| {
                            Period::parse(&before.period).is_some_and(|m| f.window.covers(m))
                        });
                    if !still {
                        return Err(AppError::of(ErrorCode::CertificationNotInForce));
                    }
                }
                let earlier = repo::overlapping_grants(
                    c,
                    &space.credit_code,
                    &before.purpose,
                    before.covers_from,
                    before.covers_to,
                )?;
                if let Some(g) = earlier.iter().find(|g| g.source != before.policy) {
                    let shown = format!(
                        "{} 至 {}，{}，{} 元",
                        g.covers_from, g.covers_to, g.source, g.amount_fen
                    );
                    if p.on_duplicate == DuplicateRule::Refuse {
                        return Err(
                            AppError::of(ErrorCode::DuplicateSupportRefused).arg("shown", shown)
                        );
                    }
                    if !input.acknowledge_duplicate || reason.is_none() {
                        return Err(AppError::of(ErrorCode::DuplicateSupportNeedsAcknowledgement)
                            .arg("shown", shown));
                    }
                    after.duplicate_grant_id = Some(g.id.clone());
                }
                after.status = EntitlementStatus::Payable;
                after.payable_at = Some(cx.now);
                let (from, to) =
                    (Account::subsidy(&before.policy), Account::payable(&before.space_id));
                let tx = Transaction::transfer("entitlement_approved", from, to, before.amount_fen);
                ledger::post(c, &tx, cx.now)?;
                repo::insert_grant(
                    c,
                    &SupportGrantRow {
                        id: GrantId::new(),
                        credit_code: space.credit_code.clone(),
                        beneficiary_name: space.name.clone(),
                        purpose: before.purpose.clone(),
                        covers_from: before.covers_from,
                        covers_to: before.covers_to,
                        source: before.policy.clone(),
                        amount_fen: before.amount_fen,
                        entitlement_id: Some(before.id.clone()),
                        note: Some(before.basis.clone()),
                        recorded_by: cx.actor.user_id.clone(),
                        recorded_at: cx.now,
                    },
                )?;
            }
        }
        repo::update_entitlement(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::moved(Action::EntitlementDecided(after.status), &before, &after),
        )?;
        view(c, cx.policy, after, &space)
    })
}
