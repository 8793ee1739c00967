//! An applicant's record with the programme, for the reviewer deciding on what it
//! applied for: the earlier steps of its applications (returns, refusals, decisions,
//! with their reasons), its vouchers, orders by state and disputes, redemption items by
//! state, listing objections. Read from the rows and the audit trail; nothing here
//! decides anything.

use crate::db::audit::{self as trail, EventFilter};
use crate::db::orders::{self as orders_repo, Side};
use crate::db::{parties, vouchers as vouchers_repo, DbConnection};
use crate::domain::id::{AnyParty, FirmId, ProviderId};
use crate::domain::order::{OrderStatus, RedemptionStatus};
use crate::domain::party::ObjectionStatus;
use crate::domain::Fen;
use crate::error::AppResult;
use chrono::NaiveDateTime;
use serde::Serialize;

/// Steps of an application's history kept on the record (the newest).
const STEPS: i64 = 20;

/// One earlier step of an application: what was done and, for a refusal or a return,
/// why.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub at: NaiveDateTime,
    /// The audited action (`firm.onboarding_returned`, `provider.rejected`, …).
    pub action: String,
    pub reason: Option<String>,
    pub corrections: Vec<String>,
}

/// A firm's vouchers together.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Holdings {
    pub count: i64,
    pub face_value: Fen,
    pub balance: Fen,
}

/// What a firm or provider has done with the programme so far.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// Newest first.
    pub steps: Vec<Step>,
    /// A firm's vouchers.
    pub vouchers: Option<Holdings>,
    pub orders: Vec<(OrderStatus, i64)>,
    /// Orders ever disputed.
    pub disputed: i64,
    pub redemptions: Vec<(RedemptionStatus, i64)>,
    /// A provider's listing objections.
    pub objections: Vec<(ObjectionStatus, i64)>,
    /// A provider's quality score and the ratings it rests on.
    pub standing: Option<super::ratings::Standing>,
    /// A provider's credit grade today, with its reasons.
    pub credit: Option<crate::domain::credit::Assessment>,
    /// The screening lists it is on now (not cleared).
    pub holds: Vec<super::screening::HoldView>,
}

impl Record {
    /// Nothing on it but the application itself (its registration and the contact
    /// address verified).
    pub fn is_new(&self) -> bool {
        self.steps.iter().all(|s| {
            matches!(s.action.as_str(), "firm.registered" | "provider.applied" | "contact.verified")
        }) && self.vouchers.is_none_or(|v| v.count == 0)
            && self.orders.is_empty()
            && self.redemptions.is_empty()
            && self.objections.is_empty()
            && self.standing.is_none_or(|s| s.ratings == 0)
    }
}

/// Audited actions that are not steps of an application (links sent, documents).
fn is_step(action: &str) -> bool {
    !matches!(action, "contact.verification_sent" | "document.uploaded")
}

fn steps(c: &mut DbConnection, entity_type: &str, id: &str) -> AppResult<Vec<Step>> {
    let f = EventFilter {
        entity_type: Some(entity_type.to_string()),
        entity_id: Some(id.to_string()),
        ..EventFilter::default()
    };
    let rows = trail::search(c, &f, None, STEPS)?;
    Ok(rows
        .into_iter()
        .filter(|e| is_step(&e.action))
        .map(|e| {
            let after: serde_json::Value = e
                .after_state
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            // A refusal's reason, a return's list: what the record kept after the step.
            let refused = e.action.ends_with("rejected")
                || e.action.ends_with("delisted")
                || e.action.ends_with("suspended");
            let reason = ["onboarding_reason", "decision_reason"]
                .iter()
                .find_map(|k| after[k].as_str())
                .filter(|_| refused)
                .map(str::to_string);
            let corrections = after["corrections"]
                .as_array()
                .filter(|_| e.action.ends_with("returned"))
                .map(|l| l.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            Step { at: e.occurred_at, action: e.action, reason, corrections }
        })
        .collect())
}

pub fn of_firm(
    c: &mut DbConnection,
    now: chrono::NaiveDateTime,
    firm: &FirmId,
) -> AppResult<Record> {
    let (orders, disputed, redemptions) = orders_repo::tallies(c, Side::Firm(firm))?;
    let (count, face_value, balance) = vouchers_repo::holdings(c, firm)?;
    Ok(Record {
        steps: steps(c, "firm", firm.as_str())?,
        vouchers: Some(Holdings { count, face_value, balance }),
        orders,
        disputed,
        redemptions,
        objections: Vec::new(),
        standing: None,
        credit: None,
        holds: super::screening::holds_of_party_in(c, &AnyParty::Firm(firm.clone()), now)?,
    })
}

pub fn of_provider(
    c: &mut DbConnection,
    policy: &crate::domain::Policy,
    now: chrono::NaiveDateTime,
    provider: &ProviderId,
) -> AppResult<Record> {
    let (orders, disputed, redemptions) = orders_repo::tallies(c, Side::Provider(provider))?;
    Ok(Record {
        steps: steps(c, "provider", provider.as_str())?,
        vouchers: None,
        orders,
        disputed,
        redemptions,
        objections: parties::objection_tally(c, provider)?,
        standing: Some(super::ratings::standing(c, policy, provider)?),
        credit: Some(super::credit::of_provider(c, policy, now, provider)?),
        holds: super::screening::holds_of_party_in(c, &AnyParty::Provider(provider.clone()), now)?,
    })
}

/// The programme's rule for how much of a contract its voucher pays, and what the rule
/// gives for one contract: a redemption item is checked against it.
#[derive(Debug, Clone, Serialize)]
pub struct ShareRule {
    pub programme_name: String,
    /// Basis points of the contract the voucher pays (5000: half).
    pub ratio_bp: i32,
    /// Contracts below this may be paid wholly by the voucher.
    pub full_coverage_threshold: Fen,
    /// What the rule lets the voucher pay of `contract` (with any balance).
    pub allowed: Fen,
    /// Whether `covered` is within it.
    pub within: bool,
}

/// The share rule of `programme` applied to a contract whose voucher paid `covered`.
pub fn share_rule(
    c: &mut DbConnection,
    programme: &crate::domain::id::ProgrammeId,
    contract: Fen,
    covered: Fen,
) -> AppResult<Option<ShareRule>> {
    let Some(p) = vouchers_repo::programme(c, programme)? else {
        return Ok(None);
    };
    let s = crate::domain::order::shares(
        contract,
        contract,
        p.co_payment_ratio_bp,
        p.full_coverage_threshold_fen,
    );
    Ok(Some(ShareRule {
        programme_name: p.name,
        ratio_bp: p.co_payment_ratio_bp,
        full_coverage_threshold: p.full_coverage_threshold_fen,
        allowed: s.covered,
        within: covered.get() <= s.covered.get(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(action: &str) -> Step {
        Step {
            at: NaiveDateTime::default(),
            action: action.into(),
            reason: None,
            corrections: vec![],
        }
    }

    #[test]
    fn a_record_is_new_until_something_beyond_the_application_happened() {
        let mut r = Record {
            steps: vec![step("contact.verified"), step("firm.registered")],
            vouchers: Some(Holdings { count: 0, face_value: Fen::ZERO, balance: Fen::ZERO }),
            orders: vec![],
            disputed: 0,
            redemptions: vec![],
            objections: vec![],
            standing: None,
            credit: None,
            holds: vec![],
        };
        assert!(r.is_new());
        r.steps.insert(0, step("firm.onboarding_returned"));
        assert!(!r.is_new());
        r.steps.remove(0);
        r.orders.push((OrderStatus::Confirmed, 1));
        assert!(!r.is_new());
        assert!(is_step("firm.resubmitted") && !is_step("contact.verification_sent"));
    }
}
