//! Lottery allocation (摇号). A lottery batch takes no claims: eligible firms register
//! interest until the opening instant, and at the opening a seeded draw
//! (`crate::domain::lottery`) orders them. Vouchers then go out in draw order while the
//! budget lasts, through the same allocation as first-come claims (eligibility, the
//! next-claim gate and the yearly limit are checked again at the draw, as they stand
//! then). Everything needed to recompute the draw is published afterwards.

use super::audit;
use super::claims::{allocate, facts, refusal_error, Answer, ClaimRequest, Origin};
use super::vouchers::{rules_of, VoucherView};
use crate::db::models::{BatchRow, LotteryEntryRow, LotteryRow};
use crate::db::{self, lottery as repo, parties, vouchers as vouchers_repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{BatchId, FirmId, VoucherId};
use crate::domain::lottery::draw as draw_order;
use crate::domain::validation::FieldErrors;
use crate::domain::voucher::{
    choose_face, eligibility, parse_face_values, AllocationMode, Refusal,
};
use crate::domain::Fen;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::Cx;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// How the draw is computed, in words, for the public page.
pub const FORMULA: &str = "seed_hash = SHA256(seed); entrants_digest = SHA256(credit codes sorted \
ascending, joined by \"\\n\"); key = SHA256(seed + \":\" + entrants_digest + \":\" + credit_code); \
entrants are drawn in ascending key order (ties by credit code); hashes are lowercase hex.";

/// Outcome of an entry in the draw.
pub const WON: &str = "won";
/// Drawn after the budget ran out.
pub const LOST: &str = "lost";

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    /// The face value wanted, in yuan; needed only when the batch offers several.
    #[schema(schema_with = crate::domain::validation::schema::opt_positive_yuan)]
    pub face_value: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    #[schema(value_type = String)]
    pub batch_id: BatchId,
    pub credit_code: String,
    #[schema(value_type = String)]
    pub face_value: Fen,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub entered_at: NaiveDateTime,
    /// `registered` before the draw; afterwards `won`, `lost` (drawn after the budget ran
    /// out) or the refusal code that applied at the draw (e.g. `firm_not_eligible`).
    pub status: String,
    pub draw_rank: Option<i32>,
    pub draw_key: Option<String>,
    pub voucher: Option<VoucherView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DrawnEntry {
    pub rank: i32,
    pub credit_code: String,
    pub key: String,
    #[schema(value_type = String)]
    pub face_value: Fen,
    /// `won`, `lost`, or the refusal code that applied at the draw.
    pub outcome: String,
    /// The voucher's filing number, for winners.
    pub voucher_code: Option<String>,
}

/// A lottery's public record: the commitment before the draw; the seed, the entrants
/// and every key afterwards, so anyone can recompute the order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LotteryView {
    #[schema(value_type = String)]
    pub batch_id: BatchId,
    /// SHA-256 of the secret seed, published before registration opens.
    pub seed_hash: String,
    pub entrants: i64,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub registration_closes_at: NaiveDateTime,
    pub drawn: bool,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub drawn_at: Option<NaiveDateTime>,
    /// Revealed by the draw.
    pub seed: Option<String>,
    pub entrants_digest: Option<String>,
    pub winners: Option<i32>,
    pub formula: String,
    /// In draw order; empty before the draw.
    pub results: Vec<DrawnEntry>,
}

fn lottery_batch(c: &mut DbConnection, batch_id: &BatchId) -> AppResult<(BatchRow, LotteryRow)> {
    let batch = vouchers_repo::batch_for_update(c, batch_id)?
        .filter(|b| b.published)
        .ok_or_else(|| AppError::not_found("batch"))?;
    if batch.allocation_mode != AllocationMode::Lottery {
        return Err(AppError::of(ErrorCode::BatchNotLottery));
    }
    let lottery = repo::lottery(c, batch_id)?
        .ok_or_else(|| AppError::internal("lottery batch without lottery"))?;
    Ok((batch, lottery))
}

fn registration_open(batch: &BatchRow, lottery: &LotteryRow, now: NaiveDateTime) -> AppResult<()> {
    if lottery.drawn_at.is_some() || now >= batch.opens_at {
        return Err(AppError::of(ErrorCode::LotteryRegistrationClosed));
    }
    Ok(())
}

fn chosen_face(batch: &BatchRow, input: &EntryInput) -> AppResult<Fen> {
    let wanted = match &input.face_value {
        Some(s) => {
            let mut e = FieldErrors::new();
            let f = e.money("face_value", s);
            e.finish()?;
            Some(f)
        }
        None => None,
    };
    choose_face(&parse_face_values(&batch.face_values), wanted)
        .map_err(|e| AppError::of(e.error_code()))
}

fn entry_view(c: &mut DbConnection, e: LotteryEntryRow) -> AppResult<EntryView> {
    let voucher = match &e.voucher_id {
        Some(id) => vouchers_repo::vouchers_by_ids(c, std::slice::from_ref(id))?
            .into_iter()
            .next()
            .map(VoucherView::from),
        None => None,
    };
    Ok(EntryView {
        batch_id: e.batch_id,
        credit_code: e.credit_code.into_string(),
        face_value: e.face_value_fen,
        entered_at: e.entered_at,
        status: e.outcome.unwrap_or_else(|| "registered".into()),
        draw_rank: e.draw_rank,
        draw_key: e.draw_key,
        voucher,
    })
}

/// Registers the firm for the lottery, or changes the face value it wants. Returns the
/// entry and whether it is new.
pub fn enter(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    batch_id: &BatchId,
    firm_id: &FirmId,
    input: &EntryInput,
) -> AppResult<(EntryView, bool)> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let (batch, lottery) = lottery_batch(c, batch_id)?;
        registration_open(&batch, &lottery, cx.now)?;
        let face = chosen_face(&batch, input)?;
        let firm = parties::firm(c, firm_id)?.ok_or_else(|| AppError::not_found("firm"))?;
        let programme = vouchers_repo::programme(c, &batch.programme_id)?
            .ok_or_else(|| AppError::internal("batch without programme"))?;
        let screened = crate::services::screening::firm_list(c, &firm, cx.now)?;
        eligibility(
            &rules_of(&programme),
            &facts(&firm, crate::domain::china_time(cx.now).date(), screened),
        )
        .map_err(|why| refusal_error(&Refusal::NotEligible(why)))?;
        let created = match repo::entry(c, batch_id, firm_id)? {
            Some(before) if before.face_value_fen == face => false,
            Some(before) => {
                repo::change_face_value(c, batch_id, firm_id, face, cx.now)?;
                let after = repo::entry(c, batch_id, firm_id)?;
                audit::record(
                    c,
                    cx.by(),
                    audit::Change::new(Fixed::LotteryEntryChanged, batch_id)
                        .before(&before)
                        .after_opt(after.as_ref()),
                )?;
                false
            }
            None => {
                let row = LotteryEntryRow {
                    batch_id: batch_id.clone(),
                    firm_id: firm_id.clone(),
                    credit_code: firm.credit_code.clone(),
                    user_id: cx.actor.user_id.clone(),
                    face_value_fen: face,
                    entered_at: cx.now,
                    updated_at: cx.now,
                    draw_key: None,
                    draw_rank: None,
                    outcome: None,
                    voucher_id: None,
                };
                repo::insert_entry(c, &row)?;
                audit::record(
                    c,
                    cx.by(),
                    audit::Change::new(Fixed::LotteryEntered, batch_id).after(&row),
                )?;
                true
            }
        };
        let row = repo::entry(c, batch_id, firm_id)?
            .ok_or_else(|| AppError::internal("entry vanished"))?;
        Ok((entry_view(c, row)?, created))
    })
}

/// Withdraws the firm's entry before the opening.
pub fn withdraw(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    batch_id: &BatchId,
    firm_id: &FirmId,
) -> AppResult<()> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let (batch, lottery) = lottery_batch(c, batch_id)?;
        registration_open(&batch, &lottery, cx.now)?;
        let before = repo::entry(c, batch_id, firm_id)?
            .ok_or_else(|| AppError::not_found("lottery entry"))?;
        repo::delete_entry(c, batch_id, firm_id)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::LotteryWithdrawn, batch_id).before(&before),
        )
    })
}

/// The firm's own entry and, after the draw, its result.
pub fn my_entry(
    conn: &mut DbConnection,
    batch_id: &BatchId,
    firm_id: &FirmId,
) -> AppResult<EntryView> {
    let row = repo::entry(conn, batch_id, firm_id)?
        .ok_or_else(|| AppError::not_found("lottery entry"))?;
    entry_view(conn, row)
}

/// The public record of a batch's lottery.
pub fn view(conn: &mut DbConnection, batch_id: &BatchId) -> AppResult<LotteryView> {
    db::read_tx(conn, |c| -> AppResult<_> {
        let batch = vouchers_repo::batch(c, batch_id)?
            .filter(|b| b.published && b.allocation_mode == AllocationMode::Lottery)
            .ok_or_else(|| AppError::not_found("lottery"))?;
        let lottery = repo::lottery(c, batch_id)?.ok_or_else(|| AppError::not_found("lottery"))?;
        let drawn = lottery.drawn_at.is_some();
        let results = if drawn {
            let entries = repo::entries(c, batch_id)?;
            let ids: Vec<VoucherId> = entries.iter().filter_map(|e| e.voucher_id.clone()).collect();
            let codes: std::collections::HashMap<VoucherId, String> =
                vouchers_repo::vouchers_by_ids(c, &ids)?
                    .into_iter()
                    .map(|v| (v.id, v.code))
                    .collect();
            entries
                .into_iter()
                .map(|e| DrawnEntry {
                    rank: e.draw_rank.unwrap_or_default(),
                    voucher_code: e.voucher_id.as_ref().and_then(|v| codes.get(v).cloned()),
                    credit_code: e.credit_code.into_string(),
                    key: e.draw_key.unwrap_or_default(),
                    face_value: e.face_value_fen,
                    outcome: e.outcome.unwrap_or_default(),
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(LotteryView {
            batch_id: batch.id.clone(),
            seed_hash: lottery.seed_hash,
            entrants: match lottery.entrants {
                Some(n) => i64::from(n),
                None => repo::count_entries(c, batch_id)?,
            },
            registration_closes_at: batch.opens_at,
            drawn,
            drawn_at: lottery.drawn_at,
            seed: drawn.then_some(lottery.seed),
            entrants_digest: lottery.entrants_digest,
            winners: lottery.winners,
            formula: FORMULA.into(),
            results,
        })
    })
}

fn already_drawn() -> AppError {
    AppError::of(ErrorCode::LotteryAlreadyDrawn)
}

/// Draws the lottery: once, at or after the opening and before the close.
pub fn draw(conn: &mut DbConnection, cx: Cx<'_>, batch_id: &BatchId) -> AppResult<LotteryView> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let (batch, lottery) = lottery_batch(c, batch_id)?;
        if lottery.drawn_at.is_some() {
            return Err(already_drawn());
        }
        if cx.now < batch.opens_at {
            return Err(AppError::of(ErrorCode::LotteryNotDue));
        }
        if cx.now >= batch.closes_at {
            return Err(AppError::of(ErrorCode::BatchClosedForDraw));
        }
        let entries = repo::entries(c, batch_id)?;
        let codes: Vec<&str> = entries.iter().map(|e| e.credit_code.as_str()).collect();
        let (digest, order) = draw_order(&lottery.seed, &codes);
        let reqs: Vec<ClaimRequest> = order
            .iter()
            .enumerate()
            .map(|(rank, (i, _))| ClaimRequest {
                firm_id: entries[*i].firm_id.clone(),
                user_id: entries[*i].user_id.clone(),
                face_value: Some(entries[*i].face_value_fen),
                idempotency_key: None,
                arrival: rank as u64 + 1,
                request_id: cx.actor.request_id.clone(),
            })
            .collect();
        let (answers, _) =
            allocate(c, cx.templates, &batch, &reqs, cx.now, Origin::Draw { actor: cx.actor })?;
        let mut results = Vec::with_capacity(entries.len());
        let mut winners = 0i32;
        for ((rank, (i, key)), answer) in order.iter().enumerate().zip(&answers) {
            let mut e = entries[*i].clone();
            e.draw_key = Some(key.clone());
            e.draw_rank = Some(i32::try_from(rank + 1).map_err(AppError::internal)?);
            match answer {
                Answer::Claimed(v) => {
                    winners += 1;
                    e.outcome = Some(WON.into());
                    e.voucher_id = Some(v.id.clone());
                }
                Answer::Refused { code, .. } if code.is(Refusal::SoldOut.error_code()) => {
                    e.outcome = Some(LOST.into());
                }
                Answer::Refused { code, .. } => e.outcome = Some(code.to_string()),
            }
            results.push(e);
        }
        repo::record_results(c, &results)?;
        let drawn = LotteryRow {
            entrants_digest: Some(digest.clone()),
            entrants: Some(i32::try_from(entries.len()).map_err(AppError::internal)?),
            winners: Some(winners),
            drawn_at: Some(cx.now),
            drawn_by: cx.actor.user_id.clone(),
            ..lottery.clone()
        };
        if !repo::mark_drawn(c, &drawn)? {
            return Err(already_drawn());
        }
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::LotteryDrawn, batch_id).after(&serde_json::json!({
                "seed": lottery.seed,
                "seed_hash": lottery.seed_hash,
                "entrants_digest": digest,
                "entrants": entries.len(),
                "winners": winners,
            })),
        )?;
        Ok(())
    })?;
    view(conn, batch_id)
}

/// Draws every lottery whose opening has come. Returns the batches drawn. A lottery
/// drawn meanwhile by another process is skipped.
pub fn draw_due(conn: &mut DbConnection, cx: Cx<'_>) -> AppResult<Vec<BatchId>> {
    let mut drawn = Vec::new();
    for id in repo::due(conn, cx.now)? {
        match draw(conn, cx, &id) {
            Ok(_) => drawn.push(id),
            Err(e) if e.code.is(ErrorCode::LotteryAlreadyDrawn) => {}
            Err(e) => tracing::warn!(batch = %id, error = %e, "lottery draw failed"),
        }
    }
    Ok(drawn)
}
