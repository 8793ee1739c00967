//! Settling claims. One call settles many queued requests in one write transaction:
//! keyed retries replayed, ineligible firms and duplicates refused, vouchers allocated
//! in arrival order while the budget lasts, vouchers, ledger entries and audit events
//! inserted, and the budget taken by a guarded UPDATE. The claim engine (`crate::claim`)
//! calls it with up to a few hundred requests at a time; the naive baseline calls it
//! with one.

use super::vouchers::{rules_of, VoucherView};
use crate::db::audit::NewEvent;
use crate::db::models::{BatchRow, ClaimOutcomeRow, FirmRow, ProgrammeRow, VoucherRow};
use crate::db::{self, audit as audit_repo, ledger, vouchers as repo, DbConnection};
use crate::domain::allocation::{
    Allocator, Asker, Claimant, Denial, Grant, Held, HeldVoucher, Window,
};
use crate::domain::audit::Fixed;
use crate::domain::id::{BatchId, FirmId, UserId, VoucherId};
use crate::domain::ledger::{Account, Transaction};
use crate::domain::party::{person_key, OnboardingStatus};
use crate::domain::screening::ListType;
use crate::domain::voucher::VoucherStatus;
use crate::domain::voucher::{
    claim_lock_key, claim_year, claimant_group, parse_face_values, valid_until, voucher_code,
    AllocationMode, FirmFacts, Refusal,
};
use crate::domain::{Fen, IdempotencyKey, Role};
use crate::error::{AppError, AppResult, ErrorCode, Kind};
use crate::notify::{china_date, yuan, ClaimSucceeded, Message, Templates};
use crate::services::Actor;
use chrono::NaiveDateTime;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct ClaimRequest {
    pub firm_id: FirmId,
    /// Who claimed; none for a lottery's draw.
    pub user_id: Option<UserId>,
    pub face_value: Option<Fen>,
    pub idempotency_key: Option<IdempotencyKey>,
    /// Arrival number as the engine saw the request (1, 2, 3, …).
    pub arrival: u64,
    pub request_id: Option<String>,
}

impl ClaimRequest {
    /// A signed-in user's claim for `firm_id`, as it reaches the engine (which numbers
    /// its arrival).
    pub fn by_user(
        user_id: UserId,
        firm_id: FirmId,
        face_value: Option<Fen>,
        key: Option<IdempotencyKey>,
        request_id: Option<String>,
    ) -> Self {
        ClaimRequest {
            firm_id,
            user_id: Some(user_id),
            face_value,
            idempotency_key: key,
            arrival: 0,
            request_id,
        }
    }
}

/// A refusal as an error (its kind from the table: 422 when the firm may not claim at
/// all, 409 when the batch's state or the firm's holdings stand in the way).
pub fn refusal_error(r: &Refusal) -> AppError {
    AppError { detail: r.message_zh(), detail_en: r.message_en(), ..AppError::of(r.error_code()) }
}

/// The final answer to one claim.
#[derive(Debug, Clone)]
pub enum Answer {
    Claimed(VoucherView),
    Refused { kind: Kind, code: ErrorCode, detail: String, detail_en: String },
}

impl Answer {
    pub fn refusal(r: &Refusal) -> Self {
        Self::error(refusal_error(r))
    }

    /// An error as the answer to a claim.
    pub fn error(e: AppError) -> Self {
        Answer::Refused { kind: e.kind, code: e.code, detail: e.detail, detail_en: e.detail_en }
    }

    pub fn into_result(self) -> Result<VoucherView, AppError> {
        match self {
            Answer::Claimed(v) => Ok(v),
            Answer::Refused { kind, code, detail, detail_en } => {
                let e = AppError {
                    kind,
                    code,
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

    /// The refusal's code, if this is one.
    pub fn refused_with(&self) -> Option<ErrorCode> {
        match self {
            Answer::Claimed(_) => None,
            Answer::Refused { code, .. } => Some(*code),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Answer::Claimed(_) => "claimed",
            Answer::Refused { code, .. } => code.as_str(),
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

fn stored_answer(o: &ClaimOutcomeRow, vouchers: &HashMap<VoucherId, VoucherRow>) -> Option<Answer> {
    if let Some(vid) = &o.voucher_id {
        return vouchers.get(vid).cloned().map(|v| Answer::Claimed(v.into()));
    }
    let d: serde_json::Value = serde_json::from_str(o.detail.as_deref().unwrap_or("{}")).ok()?;
    let kind = match d["status"].as_u64() {
        Some(422) => Kind::Unprocessable,
        Some(404) => Kind::NotFound,
        _ => Kind::Conflict,
    };
    Some(Answer::Refused {
        kind,
        code: ErrorCode::from_wire(&o.outcome)?,
        detail: d["detail"].as_str().unwrap_or_default().into(),
        detail_en: d["detail_en"].as_str().unwrap_or_default().into(),
    })
}

/// A firm as a claim's rules read it on `today` (China): a qualification confirmed from
/// a certificate counts until the certificate's last day.
pub(crate) fn facts(
    f: &FirmRow,
    today: chrono::NaiveDate,
    screened: Option<ListType>,
) -> FirmFacts {
    use crate::domain::party::qualification_in_force;
    FirmFacts {
        onboarded: f.onboarding_status == OnboardingStatus::Onboarded,
        size_class: f.size_class,
        dishonest: f.dishonest,
        screened,
        revenue: f.revenue_fen,
        high_tech: qualification_in_force(f.high_tech, f.high_tech_until, today),
        tech_sme: qualification_in_force(f.tech_sme, f.tech_sme_until, today),
        recommended: f.recommended_by_space_id.is_some(),
    }
}

/// Settles `reqs` (in arrival order) against one batch. Returns one answer per request,
/// in the same order, and the batch's state after the commit.
pub fn settle(
    conn: &mut DbConnection,
    templates: &Templates,
    batch_id: &BatchId,
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
/// inside the current write transaction) to `reqs` in their order, in three steps:
/// load what the claimants hold, decide each request (`domain::allocation`), write the
/// vouchers, ledger, audit events, emails and stored answers.
pub fn allocate(
    c: &mut DbConnection,
    templates: &Templates,
    batch: &BatchRow,
    reqs: &[ClaimRequest],
    now: NaiveDateTime,
    origin: Origin<'_>,
) -> AppResult<(Vec<Answer>, BatchSnapshot)> {
    let t0 = std::time::Instant::now();
    let mut loaded = load(c, batch, reqs, now)?;
    let t_loaded = t0.elapsed();
    let (answers, writes) = decide(&mut loaded, batch, reqs, now, origin);
    let t_decided = t0.elapsed();
    write(c, templates, batch, &loaded.firms, writes, now, origin)?;
    tracing::debug!(
        loaded_us = t_loaded.as_micros() as u64,
        decided_us = t_decided.as_micros() as u64,
        written_us = t0.elapsed().as_micros() as u64,
        "settle timing"
    );
    let faces = parse_face_values(&batch.face_values);
    let snapshot = BatchSnapshot {
        published: batch.published,
        lottery: batch.allocation_mode == AllocationMode::Lottery,
        opens_at: batch.opens_at,
        closes_at: batch.closes_at,
        budget: batch.budget_fen,
        remaining: loaded.allocator.remaining(),
        smallest_face: faces.iter().copied().min().unwrap_or(Fen::new(i64::MAX)),
        vouchers_claimed: loaded.allocator.vouchers_claimed(),
    };
    Ok((answers, snapshot))
}

/// What `allocate` reads before deciding.
struct Loaded {
    programme: ProgrammeRow,
    count_by_controller: bool,
    firms: HashMap<FirmId, FirmRow>,
    /// The firms on a screening list in force (not cleared), with the list.
    screened: HashMap<FirmId, ListType>,
    /// Answers stored for the requests' keys in this batch, and their vouchers.
    stored: HashMap<(FirmId, String), ClaimOutcomeRow>,
    stored_vouchers: HashMap<VoucherId, VoucherRow>,
    /// The batch's budget and the claimants' holdings, ready to decide.
    allocator: Allocator,
}

/// What the decisions leave to write.
#[derive(Default)]
struct Writes {
    vouchers: Vec<VoucherRow>,
    events: Vec<NewEvent>,
    outcomes: Vec<ClaimOutcomeRow>,
}

/// Reads the programme, the firms asking, the answers stored for their keys, and what
/// their claimant groups hold in the programme, after locking those groups: claims of
/// one group in other batches of the programme wait until this transaction ends, and
/// this one waits for theirs, so the holdings read here are the whole truth until the
/// commit.
fn load(
    c: &mut DbConnection,
    batch: &BatchRow,
    reqs: &[ClaimRequest],
    now: NaiveDateTime,
) -> AppResult<Loaded> {
    let programme = repo::programme(c, &batch.programme_id)?
        .ok_or_else(|| AppError::internal("batch without programme"))?;
    let rules = rules_of(&programme);
    let by_controller = rules.count_by_controller;
    let year = claim_year(now);

    let mut firm_ids: Vec<FirmId> = reqs.iter().map(|r| r.firm_id.clone()).collect();
    firm_ids.sort();
    firm_ids.dedup();

    // Keyed retries: the stored answer in this batch, whatever has happened since (a key
    // is the firm's for one batch: the same key in another batch is another claim).
    let stored: HashMap<(FirmId, String), ClaimOutcomeRow> =
        if reqs.iter().any(|r| r.idempotency_key.is_some()) {
            repo::outcomes_of_firms(c, &batch.id, &firm_ids)?
                .into_iter()
                .map(|o| ((o.firm_id.clone(), o.idempotency_key.clone()), o))
                .collect()
        } else {
            HashMap::new()
        };
    let ids: Vec<VoucherId> = stored.values().filter_map(|o| o.voucher_id.clone()).collect();
    let stored_vouchers: HashMap<VoucherId, VoucherRow> =
        repo::vouchers_by_ids(c, &ids)?.into_iter().map(|v| (v.id.clone(), v)).collect();

    let firms: HashMap<FirmId, FirmRow> =
        repo::firms_by_ids(c, &firm_ids)?.into_iter().map(|f| (f.id.clone(), f)).collect();
    let codes: Vec<(String, String)> =
        firms.values().map(|f| (f.id.to_string(), f.credit_code.to_string())).collect();
    let screened: HashMap<FirmId, ListType> =
        crate::services::screening::held_firms(c, &codes, now)?
            .into_iter()
            .map(|(id, h)| (FirmId::stored(id), h.entry.list_type))
            .collect();
    let lock_keys: Vec<i64> = firms
        .values()
        .map(|f| {
            let group = claimant_group(by_controller, &f.id, &f.actual_controller);
            claim_lock_key(&programme.id, &group)
        })
        .collect();
    repo::lock_claimant_groups(c, &lock_keys)?;
    let held_rows: Vec<VoucherRow> = if by_controller {
        let mut controllers: Vec<String> =
            firms.values().map(|f| person_key(&f.actual_controller)).collect();
        controllers.sort();
        controllers.dedup();
        repo::vouchers_of_controllers(c, &programme.id, &controllers)?
    } else {
        repo::vouchers_of_firms(c, &programme.id, &firm_ids)?
    };
    let mut held = Held::default();
    for v in &held_rows {
        held.count(HeldVoucher {
            group: &claimant_group(by_controller, &v.firm_id, &v.controller),
            firm_id: v.firm_id.as_str(),
            this_batch: v.batch_id == batch.id,
            this_year: v.claim_year == year,
            face: v.face_value_fen,
            balance: v.balance_fen,
        });
    }
    let window = Window {
        opens_at: batch.opens_at,
        closes_at: batch.closes_at,
        by_lottery: batch.allocation_mode == AllocationMode::Lottery,
        faces: parse_face_values(&batch.face_values),
        remaining: batch.budget_fen - batch.claimed_fen,
        vouchers_claimed: batch.vouchers_claimed,
    };
    Ok(Loaded {
        count_by_controller: by_controller,
        allocator: Allocator::new(window, rules, held),
        programme,
        firms,
        screened,
        stored,
        stored_vouchers,
    })
}

/// Answers each request in order: a key answered before (in this call or stored) gets
/// the same answer again; any other request is decided by the allocator, and a grant
/// becomes a voucher row and its audit event. Keyed answers are kept to be stored.
fn decide(
    l: &mut Loaded,
    batch: &BatchRow,
    reqs: &[ClaimRequest],
    now: NaiveDateTime,
    origin: Origin<'_>,
) -> (Vec<Answer>, Writes) {
    let asker = match origin {
        Origin::Claim => Asker::Claim,
        Origin::Draw { .. } => Asker::Draw,
    };
    let mut answers: Vec<Answer> = Vec::with_capacity(reqs.len());
    let mut writes = Writes::default();
    let mut answered_keys: HashMap<(FirmId, String), Answer> = HashMap::new();
    for r in reqs {
        let key = r.idempotency_key.as_ref().map(|k| (r.firm_id.clone(), k.as_str().to_string()));
        if let Some(k) = &key {
            let again = answered_keys
                .get(k)
                .cloned()
                .or_else(|| l.stored.get(k).and_then(|o| stored_answer(o, &l.stored_vouchers)));
            if let Some(a) = again {
                answers.push(a);
                continue;
            }
        }
        let firm = l.firms.get(&r.firm_id);
        let group =
            firm.map(|f| claimant_group(l.count_by_controller, &f.id, &f.actual_controller));
        let claimant = firm.zip(group.as_deref()).map(|(f, group)| Claimant {
            firm_id: f.id.as_str(),
            group,
            facts: facts(f, crate::domain::china_time(now).date(), l.screened.get(&f.id).copied()),
        });
        let answer = match l.allocator.decide(now, asker, claimant.as_ref(), r.face_value) {
            Ok(grant) => match firm {
                Some(f) => {
                    let v = voucher_row(&l.programme, batch, f, grant, r, now);
                    writes.events.push(claimed_event(&v, r, origin, now));
                    writes.vouchers.push(v.clone());
                    Answer::Claimed(v.into())
                }
                None => Answer::error(AppError::not_found("firm")),
            },
            Err(Denial::Refused(refusal)) => Answer::refusal(&refusal),
            Err(Denial::Face(e)) => Answer::error(AppError::of(e.error_code())),
            Err(Denial::NoSuchFirm) => Answer::error(AppError::not_found("firm")),
        };
        if let Some(k) = key {
            // A refusal for a firm that does not exist is not stored (no firm row to
            // refer to), nor one that only says "not yet": a retry after the opening is
            // a claim.
            let refused = |code: ErrorCode| answer.refused_with().is_some_and(|c| c.is(code));
            let of_the_moment = refused(Refusal::NotOpen.error_code());
            if firm.is_some() && !refused(ErrorCode::NotFound) && !of_the_moment {
                writes.outcomes.push(outcome_row(&k, batch, &answer, now));
            }
            answered_keys.insert(k, answer.clone());
        }
        answers.push(answer);
    }
    (answers, writes)
}

/// The voucher a grant makes.
fn voucher_row(
    programme: &ProgrammeRow,
    batch: &BatchRow,
    firm: &FirmRow,
    grant: Grant,
    r: &ClaimRequest,
    now: NaiveDateTime,
) -> VoucherRow {
    VoucherRow {
        id: VoucherId::new(),
        code: voucher_code(&programme.code, batch.number, grant.seq_in_batch),
        batch_id: batch.id.clone(),
        programme_id: programme.id.clone(),
        firm_id: firm.id.clone(),
        nth: grant.nth,
        seq_in_batch: grant.seq_in_batch,
        face_value_fen: grant.face,
        balance_fen: grant.face,
        held_fen: Fen::ZERO,
        status: VoucherStatus::Active,
        controller: person_key(&firm.actual_controller),
        claim_year: claim_year(now),
        claimed_at: now,
        valid_until: valid_until(now, programme.validity_months),
        idempotency_key: r.idempotency_key.clone().map(IdempotencyKey::into_string),
    }
}

/// The audit event of a voucher claimed by a firm or drawn for it.
fn claimed_event(
    v: &VoucherRow,
    r: &ClaimRequest,
    origin: Origin<'_>,
    now: NaiveDateTime,
) -> NewEvent {
    let (actor_user_id, actor_role, action, request_id) = match origin {
        Origin::Claim => (
            r.user_id.clone(),
            Role::Firm.as_str().to_string(),
            Fixed::VoucherClaimed,
            r.request_id.clone(),
        ),
        Origin::Draw { actor } => (
            actor.user_id.clone(),
            actor.role.clone(),
            Fixed::VoucherDrawn,
            actor.request_id.clone(),
        ),
    };
    NewEvent {
        id: crate::domain::id::AuditEventId::new(),
        occurred_at: now,
        actor_user_id,
        actor_role,
        action: action.name().into(),
        entity_type: action.entity().into(),
        entity_id: v.id.to_string(),
        before_state: None,
        after_state: serde_json::to_string(v).ok(),
        request_id,
    }
}

/// The stored answer to a keyed request, for its retries.
fn outcome_row(
    key: &(FirmId, String),
    batch: &BatchRow,
    answer: &Answer,
    now: NaiveDateTime,
) -> ClaimOutcomeRow {
    let (voucher_id, detail) = match answer {
        Answer::Claimed(v) => (Some(v.id.clone()), None),
        Answer::Refused {
            kind,
            detail,
            detail_en,
            ..
        } => (
            None,
            Some(
                serde_json::json!({"status": kind.status().as_u16(), "detail": detail, "detail_en": detail_en})
                    .to_string(),
            ),
        ),
    };
    ClaimOutcomeRow {
        firm_id: key.0.clone(),
        idempotency_key: key.1.clone(),
        batch_id: batch.id.clone(),
        outcome: answer.code().to_string(),
        voucher_id,
        detail,
        created_at: now,
    }
}

/// Writes what the decisions granted: the vouchers, one balanced ledger transaction
/// (the batch budget pays every voucher), the audit events, the firms' emails, the
/// budget taken by a guarded update, and the keyed answers.
fn write(
    c: &mut DbConnection,
    templates: &Templates,
    batch: &BatchRow,
    firms: &HashMap<FirmId, FirmRow>,
    writes: Writes,
    now: NaiveDateTime,
    origin: Origin<'_>,
) -> AppResult<()> {
    let Writes { vouchers, events, outcomes } = writes;
    if !vouchers.is_empty() {
        let kind = match origin {
            Origin::Claim => "voucher_claimed",
            Origin::Draw { .. } => "voucher_drawn",
        };
        let total: Fen = vouchers.iter().map(|v| v.face_value_fen).sum();
        let count = i32::try_from(vouchers.len()).map_err(AppError::internal)?;
        repo::insert_vouchers(c, &vouchers)?;
        let ledger = Transaction::fan_out(
            kind,
            Account::batch(&batch.id),
            vouchers.iter().map(|v| (Account::voucher(&v.id), v.face_value_fen)),
        );
        ledger::post(c, &ledger, now)?;
        audit_repo::append_many(c, events)?;
        // The firms hear of their vouchers from the same transaction.
        let emails: Vec<_> = vouchers
            .iter()
            .filter_map(|v| {
                let f = firms.get(&v.firm_id)?;
                Some(
                    ClaimSucceeded {
                        firm_name: f.name.clone(),
                        voucher_code: v.code.clone(),
                        amount: yuan(v.face_value_fen),
                        valid_until: china_date(v.valid_until),
                        batch_name: batch.name.clone(),
                        via_lottery: matches!(origin, Origin::Draw { .. }),
                    }
                    .to(&f.contact_email, &f.name),
                )
            })
            .collect();
        super::outbox::enqueue(c, templates, emails, now)?;
        if !repo::take_from_budget(c, &batch.id, total, count, now)? {
            // Cannot happen while the batch row is locked; refuse everything if it does.
            return Err(AppError::internal("budget guard refused an allocation made under lock"));
        }
    }
    if !outcomes.is_empty() {
        repo::insert_outcomes(c, &outcomes)?;
    }
    Ok(())
}

/// The batch's state as stored (for the engine's cache and the public state endpoint).
pub fn snapshot(
    conn: &mut DbConnection,
    batch_id: &BatchId,
) -> AppResult<Option<(BatchSnapshot, i64)>> {
    let Some(b) = repo::batch(conn, batch_id)?.filter(|b| b.published) else {
        return Ok(None);
    };
    let faces = parse_face_values(&b.face_values);
    let claimants = repo::count_claimants(conn, batch_id)?;
    Ok(Some((
        BatchSnapshot {
            published: b.published,
            lottery: b.allocation_mode == AllocationMode::Lottery,
            opens_at: b.opens_at,
            closes_at: b.closes_at,
            budget: b.budget_fen,
            remaining: b.budget_fen - b.claimed_fen,
            smallest_face: faces.iter().copied().min().unwrap_or(Fen::new(i64::MAX)),
            vouchers_claimed: b.vouchers_claimed,
        },
        claimants,
    )))
}
