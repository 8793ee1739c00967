//! Settling claims. One call settles many queued requests in one write transaction:
//! keyed retries replayed, ineligible firms and duplicates refused, vouchers allocated
//! in arrival order while the budget lasts, vouchers, ledger entries and audit events
//! inserted, and the budget taken by a guarded UPDATE. The claim engine (`crate::claim`)
//! calls it with up to a few hundred requests at a time; the naive baseline calls it
//! with one.

use super::vouchers::{rules_of, VoucherView};
use crate::db::audit::NewEvent;
use crate::db::models::{BatchRow, ClaimOutcomeRow, FirmRow, VoucherRow};
use crate::db::{self, audit as audit_repo, ledger, vouchers as repo, DbConnection};
use crate::domain::ledger::{Account, Transaction};
use crate::domain::party::{person_key, OnboardingStatus};
use crate::domain::voucher::{
    choose_face, claim_lock_key, claim_year, claimant_group, parse_face_values, precheck,
    valid_until, voucher_code, AllocationMode, FirmFacts, Holdings, Refusal,
};
use crate::domain::{new_id, Fen, IdempotencyKey, Role, SizeClass};
use crate::error::{AppError, AppResult, Kind};
use crate::notify::{china_date, yuan, ClaimSucceeded, Message, Templates};
use crate::services::Actor;
use chrono::NaiveDateTime;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct ClaimRequest {
    pub firm_id: String,
    pub user_id: String,
    pub face_value: Option<Fen>,
    pub idempotency_key: Option<IdempotencyKey>,
    /// Arrival number as the engine saw the request (1, 2, 3, …).
    pub arrival: u64,
    pub request_id: Option<String>,
}

/// A refusal as an error (its kind from the table: 422 when the firm may not claim at
/// all, 409 when the batch's state or the firm's holdings stand in the way).
pub fn refusal_error(r: &Refusal) -> AppError {
    AppError {
        detail: r.message_zh(),
        detail_en: r.message_en(),
        ..AppError::of(r.error_code())
    }
}

/// The final answer to one claim.
#[derive(Debug, Clone)]
pub enum Answer {
    Claimed(VoucherView),
    Refused {
        kind: Kind,
        code: String,
        detail: String,
        detail_en: String,
    },
}

impl Answer {
    pub fn refusal(r: &Refusal) -> Self {
        Self::error(refusal_error(r))
    }

    /// An error as the answer to a claim.
    pub fn error(e: AppError) -> Self {
        Answer::Refused {
            kind: e.kind,
            code: e.code.into_owned(),
            detail: e.detail,
            detail_en: e.detail_en,
        }
    }

    pub fn into_result(self) -> Result<VoucherView, AppError> {
        match self {
            Answer::Claimed(v) => Ok(v),
            Answer::Refused {
                kind,
                code,
                detail,
                detail_en,
            } => {
                let e = AppError {
                    kind,
                    code: code.into(),
                    detail,
                    detail_en,
                    errors: Vec::new(),
                    retry_after_secs: None,
                };
                Err(if kind == Kind::Unavailable {
                    e.with_retry_after(crate::error::RETRY_AFTER_SECS)
                } else {
                    e
                })
            }
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Answer::Claimed(_) => "claimed",
            Answer::Refused { code, .. } => code,
        }
    }
}

/// What the engine keeps in memory about a batch after settling.
#[derive(Debug, Clone)]
pub struct BatchSnapshot {
    pub published: bool,
    /// Allocated by lottery: claims are refused.
    pub lottery: bool,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub budget: Fen,
    pub remaining: Fen,
    pub smallest_face: Fen,
    pub vouchers_claimed: i32,
}

fn stored_answer(o: &ClaimOutcomeRow, vouchers: &HashMap<String, VoucherRow>) -> Option<Answer> {
    if let Some(vid) = &o.voucher_id {
        return vouchers
            .get(vid)
            .cloned()
            .map(|v| Answer::Claimed(v.into()));
    }
    let d: serde_json::Value = serde_json::from_str(o.detail.as_deref().unwrap_or("{}")).ok()?;
    let kind = match d["status"].as_u64() {
        Some(422) => Kind::Unprocessable,
        Some(404) => Kind::NotFound,
        _ => Kind::Conflict,
    };
    Some(Answer::Refused {
        kind,
        code: o.outcome.clone(),
        detail: d["detail"].as_str().unwrap_or_default().into(),
        detail_en: d["detail_en"].as_str().unwrap_or_default().into(),
    })
}

pub(crate) fn facts(f: &FirmRow) -> FirmFacts {
    FirmFacts {
        onboarded: f.onboarding_status == OnboardingStatus::Onboarded.as_str(),
        size_class: SizeClass::parse(&f.size_class).unwrap_or(SizeClass::Large),
        dishonest: f.dishonest,
        revenue: Fen::new(f.revenue_fen),
        high_tech: f.high_tech,
        tech_sme: f.tech_sme,
        recommended: f.recommended_by_space_id.is_some(),
    }
}

/// Settles `reqs` (in arrival order) against one batch. Returns one answer per request,
/// in the same order, and the batch's state after the commit.
pub fn settle(
    conn: &mut DbConnection,
    templates: &Templates,
    batch_id: &str,
    reqs: &[ClaimRequest],
    now: NaiveDateTime,
) -> AppResult<(Vec<Answer>, Option<BatchSnapshot>)> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let not_found = Answer::error(AppError::not_found("batch"));
        let Some(batch) = repo::batch_for_update(c, batch_id)?.filter(|b| b.published) else {
            return Ok((vec![not_found; reqs.len()], None));
        };
        allocate(c, templates, &batch, reqs, now, Origin::Claim).map(|(a, s)| (a, Some(s)))
    })
}

/// Who asks for the vouchers being allocated.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// Firms claiming first come, first served.
    Claim,
    /// A lottery draw: the requests come in draw order, on behalf of the entrants.
    Draw { actor: &'a Actor },
}

/// Allocates vouchers of `batch` (a published batch whose row the caller has locked
/// inside the current write transaction) to `reqs` in their order.
pub fn allocate(
    c: &mut DbConnection,
    templates: &Templates,
    batch: &BatchRow,
    reqs: &[ClaimRequest],
    now: NaiveDateTime,
    origin: Origin<'_>,
) -> AppResult<(Vec<Answer>, BatchSnapshot)> {
    {
        let t0 = std::time::Instant::now();
        let lottery = batch.allocation_mode == AllocationMode::Lottery.as_str();
        let programme = repo::programme(c, &batch.programme_id)?
            .ok_or_else(|| AppError::internal("batch without programme"))?;
        let rules = rules_of(&programme);
        let faces = parse_face_values(&batch.face_values);
        let smallest = faces.iter().copied().min().unwrap_or(Fen::new(i64::MAX));
        let year = claim_year(now);

        let mut firm_ids: Vec<String> = reqs.iter().map(|r| r.firm_id.clone()).collect();
        firm_ids.sort();
        firm_ids.dedup();

        // Keyed retries: the stored answer in this batch, whatever has happened since
        // (a key is the firm's for one batch: the same key in another batch is another
        // claim).
        let keyed = reqs.iter().any(|r| r.idempotency_key.is_some());
        let stored: HashMap<(String, String), ClaimOutcomeRow> = if keyed {
            repo::outcomes_of_firms(c, &batch.id, &firm_ids)?
                .into_iter()
                .map(|o| ((o.firm_id.clone(), o.idempotency_key.clone()), o))
                .collect()
        } else {
            HashMap::new()
        };
        let stored_vouchers: HashMap<String, VoucherRow> = {
            let ids: Vec<String> = stored
                .values()
                .filter_map(|o| o.voucher_id.clone())
                .collect();
            repo::vouchers_by_ids(c, &ids)?
                .into_iter()
                .map(|v| (v.id.clone(), v))
                .collect()
        };

        let firms: HashMap<String, FirmRow> = repo::firms_by_ids(c, &firm_ids)?
            .into_iter()
            .map(|f| (f.id.clone(), f))
            .collect();
        let group_of = |f: &FirmRow| -> String {
            claimant_group(rules.count_by_controller, &f.id, &f.actual_controller)
        };
        // Claims of one firm (or controller group) in other batches of the programme
        // wait here until this transaction ends, and this one waits for theirs: the
        // holdings read next are then the whole truth until the commit.
        let lock_keys: Vec<i64> = firms
            .values()
            .map(|f| claim_lock_key(&programme.id, &group_of(f)))
            .collect();
        repo::lock_claimant_groups(c, &lock_keys)?;
        // What the firms (or their controller groups) already hold in this programme.
        let held: Vec<VoucherRow> = if rules.count_by_controller {
            let mut controllers: Vec<String> = firms
                .values()
                .map(|f| person_key(&f.actual_controller))
                .collect();
            controllers.sort();
            controllers.dedup();
            repo::vouchers_of_controllers(c, &programme.id, &controllers)?
        } else {
            repo::vouchers_of_firms(c, &programme.id, &firm_ids)?
        };
        let mut in_batch: HashMap<String, i32> = HashMap::new();
        let mut nth_of_firm: HashMap<String, i32> = HashMap::new();
        let mut in_year: HashMap<String, i32> = HashMap::new();
        let mut earlier: HashMap<String, Vec<(Fen, Fen)>> = HashMap::new();
        for v in &held {
            let group = claimant_group(rules.count_by_controller, &v.firm_id, &v.controller);
            if v.batch_id == batch.id {
                *in_batch.entry(group.clone()).or_default() += 1;
                *nth_of_firm.entry(v.firm_id.clone()).or_default() += 1;
            } else {
                earlier
                    .entry(group.clone())
                    .or_default()
                    .push((Fen::new(v.face_value_fen), Fen::new(v.balance_fen)));
            }
            if v.claim_year == year {
                *in_year.entry(group).or_default() += 1;
            }
        }

        let t_loaded = t0.elapsed();
        let mut remaining = batch.budget_fen - batch.claimed_fen;
        let mut seq = batch.vouchers_claimed;
        let mut answers: Vec<Answer> = Vec::with_capacity(reqs.len());
        let mut new_vouchers: Vec<VoucherRow> = Vec::new();
        let mut outcomes: Vec<ClaimOutcomeRow> = Vec::new();
        let mut events: Vec<NewEvent> = Vec::new();
        let mut answered_keys: HashMap<(String, String), Answer> = HashMap::new();

        for r in reqs {
            let key = r
                .idempotency_key
                .as_ref()
                .map(|k| (r.firm_id.clone(), k.as_str().to_string()));
            if let Some(k) = &key {
                if let Some(a) = answered_keys.get(k) {
                    answers.push(a.clone());
                    continue;
                }
                if let Some(a) = stored
                    .get(k)
                    .and_then(|o| stored_answer(o, &stored_vouchers))
                {
                    answers.push(a);
                    continue;
                }
            }
            let answer = (|| -> Answer {
                if lottery && matches!(origin, Origin::Claim) {
                    return Answer::refusal(&Refusal::Lottery);
                }
                if now < batch.opens_at {
                    return Answer::refusal(&Refusal::NotOpen);
                }
                if now >= batch.closes_at {
                    return Answer::refusal(&Refusal::Closed);
                }
                let face = match choose_face(&faces, r.face_value) {
                    Ok(f) => f,
                    Err(e) => return Answer::error(AppError::of(e.error_code())),
                };
                let Some(firm) = firms.get(&r.firm_id) else {
                    return Answer::error(AppError::not_found("firm"));
                };
                let group = group_of(firm);
                let holdings = Holdings {
                    in_batch: in_batch.get(&group).copied().unwrap_or(0),
                    in_year: in_year.get(&group).copied().unwrap_or(0),
                    earlier: earlier.get(&group).cloned().unwrap_or_default(),
                };
                if let Err(refusal) = precheck(&rules, &facts(firm), &holdings) {
                    return Answer::refusal(&refusal);
                }
                if face.get() > remaining {
                    return Answer::refusal(&Refusal::SoldOut);
                }
                // Allocate.
                remaining -= face.get();
                seq += 1;
                *in_batch.entry(group.clone()).or_default() += 1;
                *in_year.entry(group).or_default() += 1;
                let nth = nth_of_firm.entry(firm.id.clone()).or_default();
                *nth += 1;
                let v = VoucherRow {
                    id: new_id(),
                    code: voucher_code(&programme.code, batch.number, seq),
                    batch_id: batch.id.clone(),
                    programme_id: programme.id.clone(),
                    firm_id: firm.id.clone(),
                    nth: *nth,
                    seq_in_batch: seq,
                    face_value_fen: face.get(),
                    balance_fen: face.get(),
                    held_fen: 0,
                    status: "active".into(),
                    controller: person_key(&firm.actual_controller),
                    claim_year: year,
                    claimed_at: now,
                    valid_until: valid_until(now, programme.validity_months),
                    idempotency_key: r.idempotency_key.clone().map(IdempotencyKey::into_string),
                };
                let (actor_user_id, actor_role, action, request_id) = match origin {
                    Origin::Claim => (
                        Some(r.user_id.clone()),
                        Role::Firm.as_str().to_string(),
                        "voucher.claimed",
                        r.request_id.clone(),
                    ),
                    Origin::Draw { actor } => (
                        actor.user_id.clone(),
                        actor.role.clone(),
                        "voucher.drawn",
                        actor.request_id.clone(),
                    ),
                };
                events.push(NewEvent {
                    id: new_id(),
                    occurred_at: now,
                    actor_user_id,
                    actor_role,
                    action: action.into(),
                    entity_type: "voucher".into(),
                    entity_id: v.id.clone(),
                    before_state: None,
                    after_state: serde_json::to_string(&v).ok(),
                    request_id,
                });
                new_vouchers.push(v.clone());
                Answer::Claimed(v.into())
            })();
            if let Some(k) = key {
                let (voucher_id, detail) = match &answer {
                    Answer::Claimed(v) => (Some(v.id.clone()), None),
                    Answer::Refused { kind, detail, detail_en, .. } => (
                        None,
                        Some(serde_json::json!({"status": kind.status().as_u16(), "detail": detail, "detail_en": detail_en}).to_string()),
                    ),
                };
                // A refusal for a firm that does not exist is not stored (no firm row to
                // refer to), nor one that only says "not yet": a retry after the opening
                // is a claim.
                let of_the_moment = answer.code() == Refusal::NotOpen.code();
                if firms.contains_key(&r.firm_id) && answer.code() != "not_found" && !of_the_moment
                {
                    outcomes.push(ClaimOutcomeRow {
                        firm_id: k.0.clone(),
                        idempotency_key: k.1.clone(),
                        batch_id: batch.id.clone(),
                        outcome: answer.code().to_string(),
                        voucher_id,
                        detail,
                        created_at: now,
                    });
                }
                answered_keys.insert(k, answer.clone());
            }
            answers.push(answer);
        }

        let t_decided = t0.elapsed();
        let (mut t_vouchers, mut t_ledger, mut t_audited, mut t_mailed) =
            (t_decided, t_decided, t_decided, t_decided);
        if !new_vouchers.is_empty() {
            let kind = match origin {
                Origin::Claim => "voucher_claimed",
                Origin::Draw { .. } => "voucher_drawn",
            };
            let total: i64 = new_vouchers.iter().map(|v| v.face_value_fen).sum();
            let count = i32::try_from(new_vouchers.len()).map_err(AppError::internal)?;
            repo::insert_vouchers(c, &new_vouchers)?;
            t_vouchers = t0.elapsed();
            // One balanced ledger transaction per settlement: the batch budget pays
            // every voucher of it.
            let ledger = Transaction::fan_out(
                kind,
                Account::batch(&batch.id),
                new_vouchers
                    .iter()
                    .map(|v| (Account::voucher(&v.id), Fen::new(v.face_value_fen))),
            );
            ledger::post(c, &ledger, now)?;
            t_ledger = t0.elapsed();
            audit_repo::append_many(c, events)?;
            t_audited = t0.elapsed();
            // The firms hear of their vouchers from the same transaction.
            let emails: Vec<_> = new_vouchers
                .iter()
                .filter_map(|v| {
                    let f = firms.get(&v.firm_id)?;
                    Some(
                        ClaimSucceeded {
                            firm_name: f.name.clone(),
                            voucher_code: v.code.clone(),
                            amount: yuan(Fen::new(v.face_value_fen)),
                            valid_until: china_date(v.valid_until),
                            batch_name: batch.name.clone(),
                            via_lottery: matches!(origin, Origin::Draw { .. }),
                        }
                        .to(&f.contact_email, &f.name),
                    )
                })
                .collect();
            super::outbox::enqueue(c, templates, emails, now)?;
            t_mailed = t0.elapsed();
            if !repo::take_from_budget(c, &batch.id, total, count, now)? {
                // Cannot happen while the batch row is locked; refuse everything if it does.
                return Err(AppError::internal(
                    "budget guard refused an allocation made under lock",
                ));
            }
        }
        if !outcomes.is_empty() {
            repo::insert_outcomes(c, &outcomes)?;
        }
        tracing::debug!(
            loaded_us = t_loaded.as_micros() as u64,
            decided_us = t_decided.as_micros() as u64,
            vouchers_us = t_vouchers.as_micros() as u64,
            ledger_us = t_ledger.as_micros() as u64,
            audited_us = t_audited.as_micros() as u64,
            mailed_us = t_mailed.as_micros() as u64,
            written_us = t0.elapsed().as_micros() as u64,
            "settle timing"
        );
        let snapshot = BatchSnapshot {
            published: batch.published,
            lottery,
            opens_at: batch.opens_at,
            closes_at: batch.closes_at,
            budget: Fen::new(batch.budget_fen),
            remaining: Fen::new(remaining),
            smallest_face: smallest,
            vouchers_claimed: seq,
        };
        Ok((answers, snapshot))
    }
}

/// The batch's state as stored (for the engine's cache and the public state endpoint).
pub fn snapshot(
    conn: &mut DbConnection,
    batch_id: &str,
) -> AppResult<Option<(BatchSnapshot, i64)>> {
    let Some(b) = repo::batch(conn, batch_id)?.filter(|b| b.published) else {
        return Ok(None);
    };
    let faces = parse_face_values(&b.face_values);
    let claimants = repo::count_claimants(conn, batch_id)?;
    Ok(Some((
        BatchSnapshot {
            published: b.published,
            lottery: b.allocation_mode == AllocationMode::Lottery.as_str(),
            opens_at: b.opens_at,
            closes_at: b.closes_at,
            budget: Fen::new(b.budget_fen),
            remaining: Fen::new(b.budget_fen - b.claimed_fen),
            smallest_face: faces.iter().copied().min().unwrap_or(Fen::new(i64::MAX)),
            vouchers_claimed: b.vouchers_claimed,
        },
        claimants,
    )))
}
