//! What a firm can do in each published batch, said before it clicks: claim; already
//! claimed (with its voucher); not eligible (why); the gate not met (how much is used,
//! how much is needed); the yearly limit reached; register for the lottery, registered,
//! won or not; closed or sold out. The checks are the claim engine's own
//! (`domain::voucher::precheck`) over the firm's holdings as they are now; the engine
//! decides again at the claim.

use super::claims::facts;
use super::vouchers::{rules_of, BatchView};
use crate::db::{self, lottery as lottery_repo, parties, vouchers as repo, DbConnection};
use crate::domain::id::{BatchId, FirmId};
use crate::domain::party::person_key;
use crate::domain::voucher::{
    claim_year, claimant_group, precheck, AllocationMode, BatchStatus, Holdings, Refusal,
};
use crate::domain::Fen;
use crate::error::{AppError, AppResult};
use chrono::NaiveDateTime;
use serde::Serialize;

crate::domain::text_enum! {
    /// Where a firm stands with a batch.
    pub enum ProspectState {
        /// Open now, and every check passes.
        CanClaim => "can_claim",
        /// Opens later; every check passes today.
        Upcoming => "upcoming",
        AlreadyClaimed => "already_claimed",
        NotEligible => "not_eligible",
        GateNotMet => "gate_not_met",
        YearlyLimit => "yearly_limit",
        SoldOut => "sold_out",
        Closed => "closed",
        /// A lottery batch still taking registrations.
        CanRegister => "can_register",
        Registered => "registered",
        Won => "won",
        NotDrawn => "not_drawn",
        RegistrationClosed => "registration_closed",
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Prospect {
    pub batch_id: BatchId,
    pub state: ProspectState,
    /// Why, when the checks refuse (the claim engine's words).
    pub reason_zh: Option<String>,
    pub reason_en: Option<String>,
    /// The voucher this firm holds from the batch.
    pub voucher_code: Option<String>,
    /// The 80% gate: used share of earlier vouchers and the share needed, in basis points.
    pub used_bp: Option<i64>,
    pub required_bp: Option<i32>,
    /// A lottery entry's face value.
    pub entered_face: Option<Fen>,
    /// A drawn lottery entry's outcome: `lost`, or the refusal code that applied.
    pub outcome: Option<String>,
}

impl Prospect {
    fn new(batch_id: &BatchId, state: ProspectState) -> Prospect {
        Prospect {
            batch_id: batch_id.clone(),
            state,
            reason_zh: None,
            reason_en: None,
            voucher_code: None,
            used_bp: None,
            required_bp: None,
            entered_face: None,
            outcome: None,
        }
    }
}

/// One prospect per batch in `batches`, for `firm_id`, as of `now`.
pub fn of_firm(
    conn: &mut DbConnection,
    firm_id: &FirmId,
    batches: &[BatchView],
    now: NaiveDateTime,
) -> AppResult<Vec<Prospect>> {
    db::read_tx(conn, |c| {
        let firm = parties::firm(c, firm_id)?.ok_or_else(|| AppError::not_found("firm"))?;
        let screened = crate::services::screening::firm_list(c, &firm, now)?;
        let year = claim_year(now);
        let mut out = Vec::with_capacity(batches.len());
        for b in batches {
            let programme = repo::programme(c, &b.programme_id)?
                .ok_or_else(|| AppError::internal("batch without programme"))?;
            let rules = rules_of(&programme);
            let group =
                claimant_group(rules.count_by_controller, &firm.id, &firm.actual_controller);
            let held = if rules.count_by_controller {
                repo::vouchers_of_controllers(
                    c,
                    &programme.id,
                    &[person_key(&firm.actual_controller)],
                )?
            } else {
                repo::vouchers_of_firms(c, &programme.id, std::slice::from_ref(&firm.id))?
            };
            let mut h = Holdings::default();
            let mut own = None;
            for v in &held {
                if claimant_group(rules.count_by_controller, &v.firm_id, &v.controller) != group {
                    continue;
                }
                if v.batch_id == b.id {
                    h.in_batch += 1;
                    if v.firm_id == firm.id {
                        own = Some(v.code.clone());
                    }
                } else {
                    h.earlier.push((v.face_value_fen, v.balance_fen));
                }
                if v.claim_year == year {
                    h.in_year += 1;
                }
            }
            let p = if b.allocation_mode == AllocationMode::Lottery {
                lottery_prospect(c, b, &firm.id, own, now)?
            } else {
                claim_prospect(
                    b,
                    own,
                    precheck(
                        &rules,
                        &facts(&firm, crate::domain::china_time(now).date(), screened),
                        &h,
                    ),
                )
            };
            out.push(p);
        }
        Ok(out)
    })
}

fn claim_prospect(b: &BatchView, own: Option<String>, checked: Result<(), Refusal>) -> Prospect {
    if let Some(code) = own {
        let mut p = Prospect::new(&b.id, ProspectState::AlreadyClaimed);
        p.voucher_code = Some(code);
        return p;
    }
    match b.status {
        BatchStatus::Closed | BatchStatus::Draft => {
            return Prospect::new(&b.id, ProspectState::Closed)
        }
        BatchStatus::Exhausted => return Prospect::new(&b.id, ProspectState::SoldOut),
        BatchStatus::Scheduled | BatchStatus::Open => {}
    }
    let open = b.status == BatchStatus::Open;
    match checked {
        Ok(()) if open => Prospect::new(&b.id, ProspectState::CanClaim),
        Ok(()) => Prospect::new(&b.id, ProspectState::Upcoming),
        Err(r) => {
            let state = match r {
                Refusal::GateUnmet { .. } => ProspectState::GateNotMet,
                Refusal::AnnualLimit { .. } => ProspectState::YearlyLimit,
                Refusal::AlreadyClaimed => ProspectState::AlreadyClaimed,
                _ => ProspectState::NotEligible,
            };
            let mut p = Prospect::new(&b.id, state);
            p.reason_zh = Some(r.message_zh());
            p.reason_en = Some(r.message_en());
            if let Refusal::GateUnmet { used_bp, required_bp } = r {
                p.used_bp = Some(used_bp);
                p.required_bp = Some(required_bp);
            }
            p
        }
    }
}

fn lottery_prospect(
    c: &mut DbConnection,
    b: &BatchView,
    firm_id: &FirmId,
    own: Option<String>,
    now: NaiveDateTime,
) -> AppResult<Prospect> {
    let batch_id = &b.id;
    let lottery = lottery_repo::lottery(c, batch_id)?;
    let drawn = lottery.as_ref().is_some_and(|l| l.drawn_at.is_some());
    let entry = lottery_repo::entry(c, batch_id, firm_id)?;
    let mut p = match (&entry, drawn) {
        (Some(e), true) if e.outcome.as_deref() == Some(super::lottery::WON) => {
            Prospect::new(&b.id, ProspectState::Won)
        }
        (Some(e), true) => {
            let mut p = Prospect::new(&b.id, ProspectState::NotDrawn);
            p.outcome = e.outcome.clone();
            p
        }
        (Some(_), false) => Prospect::new(&b.id, ProspectState::Registered),
        (None, false) if now < b.opens_at && b.status != BatchStatus::Closed => {
            Prospect::new(&b.id, ProspectState::CanRegister)
        }
        (None, _) => Prospect::new(&b.id, ProspectState::RegistrationClosed),
    };
    p.entered_face = entry.map(|e| e.face_value_fen);
    p.voucher_code = own;
    Ok(p)
}
