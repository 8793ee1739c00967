//! Batches (期) of a programme: creation, publication, budget top-ups, and the public
//! view of a batch and its results.

use super::super::audit;
use super::*;
use crate::db::models::{BatchRow, TopupRow};
use crate::db::{self, ledger, vouchers as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::TopupId;
use crate::domain::id::{BatchId, ProgrammeId};
use crate::domain::ledger::{Account, Transaction};
use crate::domain::money::{MAX_FEN, PROGRAMME_MAX_FEN};
use crate::domain::validation::FieldErrors;
use crate::domain::voucher::{
    batch_status, format_face_values, parse_face_values, AllocationMode, BatchStatus,
};
use crate::domain::Fen;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::Cx;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Yuan, e.g. `"30000000.00"`.
    #[schema(schema_with = crate::domain::validation::schema::positive_yuan)]
    pub budget: String,
    /// Yuan; one value, or several for the firm to choose from.
    #[schema(schema_with = crate::domain::validation::schema::face_values)]
    pub face_values: Vec<String>,
    /// RFC 3339 with offset, e.g. `2026-12-01T09:00:00+08:00`.
    #[schema(schema_with = crate::domain::validation::schema::instant)]
    pub opens_at: String,
    #[schema(schema_with = crate::domain::validation::schema::instant)]
    pub closes_at: String,
    /// `first_come` (the default) or `lottery`: firms register interest until the
    /// opening instant and a seeded draw allocates the vouchers at the opening.
    pub allocation_mode: Option<AllocationMode>,
    /// Publish at once (otherwise a draft, published later).
    #[serde(default)]
    pub publish: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchView {
    #[schema(value_type = String)]
    pub id: BatchId,
    #[schema(value_type = String)]
    pub programme_id: ProgrammeId,
    pub number: i32,
    pub name: String,
    #[schema(value_type = String)]
    pub budget: Fen,
    #[schema(value_type = String)]
    pub claimed: Fen,
    #[schema(value_type = String)]
    pub remaining: Fen,
    pub vouchers_claimed: i32,
    #[schema(value_type = Vec<String>)]
    pub face_values: Vec<Fen>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub opens_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub closes_at: NaiveDateTime,
    pub allocation_mode: AllocationMode,
    pub status: BatchStatus,
}

impl BatchView {
    pub fn from_row(b: BatchRow, now: NaiveDateTime) -> AppResult<Self> {
        let faces = parse_face_values(&b.face_values);
        let smallest = faces.iter().copied().min().unwrap_or(Fen::new(i64::MAX));
        let remaining = b.budget_fen - b.claimed_fen;
        Ok(BatchView {
            status: batch_status(b.published, b.opens_at, b.closes_at, remaining, smallest, now),
            allocation_mode: b.allocation_mode,
            id: b.id,
            programme_id: b.programme_id,
            number: b.number,
            name: b.name,
            budget: b.budget_fen,
            claimed: b.claimed_fen,
            remaining,
            vouchers_claimed: b.vouchers_claimed,
            face_values: faces,
            opens_at: b.opens_at,
            closes_at: b.closes_at,
        })
    }
}

/// Refuses `more` when the programme's batch budgets would then pass their ceiling.
fn within_programme_ceiling(
    c: &mut DbConnection,
    programme_id: &ProgrammeId,
    more: Fen,
    field: &str,
) -> AppResult<()> {
    let total = repo::programme_budget_total(c, programme_id)? + i128::from(more.get());
    if total > i128::from(PROGRAMME_MAX_FEN) {
        let mut e = FieldErrors::new();
        e.add(
            field,
            ErrorCode::ProgrammeCeilingExceeded,
            format!("本计划各期预算合计将超过上限 {} 元", Fen::new(PROGRAMME_MAX_FEN)),
            format!(
                "the programme's batch budgets together would pass their ceiling of {} yuan",
                Fen::new(PROGRAMME_MAX_FEN)
            ),
        );
        return Err(e.into());
    }
    Ok(())
}

pub(crate) fn parse_instant(e: &mut FieldErrors, field: &str, s: &str) -> Option<NaiveDateTime> {
    match crate::domain::validation::parse_instant(s) {
        Some(t) => Some(t),
        None => {
            e.add(
                field,
                ErrorCode::InstantInvalid,
                "时间格式应为 RFC 3339，如 2026-12-01T09:00:00+08:00",
                "instants are RFC 3339 with an offset, e.g. 2026-12-01T09:00:00+08:00",
            );
            None
        }
    }
}

pub fn create_batch(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    programme_id: &ProgrammeId,
    input: &BatchInput,
) -> AppResult<BatchView> {
    let mut e = FieldErrors::new();
    let name = e.text("name", &input.name, 200);
    let budget = e.money("budget", &input.budget);
    if budget.get() == 0 && e.is_empty() {
        e.add("budget", ErrorCode::BudgetInvalid, "预算必须大于零", "the budget must be positive");
    }
    let mut faces: Vec<Fen> = Vec::new();
    for f in &input.face_values {
        let v = e.money("face_values", f);
        if v.get() == 0 {
            e.add(
                "face_values",
                ErrorCode::FaceValueInvalid,
                "面额必须大于零",
                "face values must be positive",
            );
        } else if !faces.contains(&v) {
            faces.push(v);
        }
    }
    faces.sort();
    if input.face_values.is_empty() {
        e.add(
            "face_values",
            ErrorCode::FaceValuesRequired,
            "至少设置一种面额",
            "give at least one face value",
        );
    }
    if faces.last().is_some_and(|m| *m > budget) && budget.get() > 0 {
        e.add(
            "face_values",
            ErrorCode::FaceValueAboveBudget,
            "面额不能超过预算",
            "a face value cannot exceed the budget",
        );
    }
    let opens = parse_instant(&mut e, "opens_at", &input.opens_at);
    let closes = parse_instant(&mut e, "closes_at", &input.closes_at);
    if let (Some(o), Some(c)) = (opens, closes) {
        if c <= o {
            e.add(
                "closes_at",
                ErrorCode::WindowInvalid,
                "结束时间必须晚于开始时间",
                "closes_at must be after opens_at",
            );
        } else if c <= cx.now {
            e.add(
                "closes_at",
                ErrorCode::WindowPast,
                "结束时间已过，不能新建该期",
                "closes_at has passed: such a batch could never be claimed",
            );
        }
    }
    // A new batch opens now or later; a day's leeway for "open at once" and clocks.
    if opens.is_some_and(|o| o < cx.now - chrono::Duration::days(1)) {
        e.add(
            "opens_at",
            ErrorCode::OpensAtPast,
            "开放时间不能早于现在一天以上",
            "opens_at may not be more than a day before now",
        );
    }
    let mode = input.allocation_mode.unwrap_or(AllocationMode::FirstCome);
    e.finish()?;
    let (Some(opens_at), Some(closes_at)) = (opens, closes) else {
        return Err(AppError::internal("window"));
    };
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let programme =
            repo::programme(c, programme_id)?.ok_or_else(|| AppError::not_found("programme"))?;
        within_programme_ceiling(c, &programme.id, budget, "budget")?;
        let row = BatchRow {
            id: BatchId::new(),
            programme_id: programme.id.clone(),
            number: repo::next_batch_number(c, &programme.id)?,
            name: name.clone(),
            budget_fen: budget,
            claimed_fen: Fen::ZERO,
            vouchers_claimed: 0,
            face_values: format_face_values(&faces),
            opens_at,
            closes_at,
            allocation_mode: mode,
            published: input.publish,
            created_by: cx.actor.user_id.clone(),
            created_at: cx.now,
            updated_at: cx.now,
        };
        repo::insert_batch(c, &row)?;
        if mode == AllocationMode::Lottery {
            let lottery = new_lottery(&row.id);
            crate::db::lottery::insert_lottery(c, &lottery)?;
            audit::record(
                c,
                cx.by(),
                audit::Change::new(Fixed::LotteryCreated, &row.id)
                    .after(&serde_json::json!({ "seed_hash": lottery.seed_hash })),
            )?;
        }
        let (from, to) = (Account::funding(&programme.id), Account::batch(&row.id));
        let tx = Transaction::transfer("batch_budget", from, to, budget);
        ledger::post(c, &tx, cx.now)?;
        audit::record(c, cx.by(), audit::Change::created(Fixed::BatchCreated, &row))?;
        Ok(row)
    })?;
    BatchView::from_row(row, cx.now)
}

pub fn publish_batch(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    batch_id: &BatchId,
) -> AppResult<BatchView> {
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::batch_for_update(c, batch_id)?.ok_or_else(|| AppError::not_found("batch"))?;
        if before.published {
            return Err(AppError::of(ErrorCode::BatchAlreadyPublished));
        }
        if before.closes_at <= cx.now {
            return Err(AppError::of(ErrorCode::BatchWindowPast));
        }
        let after = BatchRow { published: true, updated_at: cx.now, ..before.clone() };
        repo::update_batch(c, &after)?;
        audit::record(c, cx.by(), audit::Change::moved(Fixed::BatchPublished, &before, &after))?;
        Ok(after)
    })?;
    BatchView::from_row(row, cx.now)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopupInput {
    /// Yuan added to the budget.
    #[schema(schema_with = crate::domain::validation::schema::positive_yuan)]
    pub amount: String,
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Raises a batch's budget (a recorded top-up with its own ledger transaction).
/// Budgets are never lowered, so what is claimed always stays covered.
pub fn top_up(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    batch_id: &BatchId,
    input: &TopupInput,
) -> AppResult<BatchView> {
    let mut e = FieldErrors::new();
    let amount = e.money("amount", &input.amount);
    if amount.get() == 0 && e.is_empty() {
        e.add(
            "amount",
            ErrorCode::AmountNotPositive,
            "追加金额必须大于零",
            "a top-up must be positive",
        );
    }
    let reason = e.text("reason", &input.reason, 1000);
    e.finish()?;
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::batch_for_update(c, batch_id)?.ok_or_else(|| AppError::not_found("batch"))?;
        if before.closes_at <= cx.now {
            return Err(AppError::of(ErrorCode::BatchClosedForTopUp));
        }
        // A batch's budget never passes the largest amount, nor a programme's total its
        // ceiling (docs/API.md): checked before any arithmetic in SQL.
        if i128::from(before.budget_fen.get()) + i128::from(amount.get()) > i128::from(MAX_FEN) {
            let mut e = FieldErrors::new();
            e.add(
                "amount",
                ErrorCode::BudgetCeilingExceeded,
                format!("追加后该期预算将超过上限 {} 元", Fen::new(MAX_FEN)),
                format!("the batch's budget would pass its ceiling of {} yuan", Fen::new(MAX_FEN)),
            );
            return Err(e.into());
        }
        within_programme_ceiling(c, &before.programme_id, amount, "amount")?;
        let topup = TopupRow {
            id: TopupId::new(),
            batch_id: before.id.clone(),
            amount_fen: amount,
            reason: reason.clone(),
            created_by: cx.actor.user_id.clone(),
            created_at: cx.now,
        };
        repo::insert_topup(c, &topup)?;
        repo::add_to_budget(c, batch_id, amount, cx.now)?;
        let (from, to) = (Account::funding(&before.programme_id), Account::batch(batch_id));
        let tx = Transaction::transfer("batch_topup", from, to, amount);
        ledger::post(c, &tx, cx.now)?;
        let after = repo::batch(c, batch_id)?.ok_or_else(|| AppError::not_found("batch"))?;
        audit::record(c, cx.by(), audit::Change::moved(Fixed::BatchToppedUp, &before, &after))?;
        Ok(after)
    })?;
    BatchView::from_row(row, cx.now)
}

/// Batches the public may see (published ones), newest first; staff also see drafts.
pub fn batches(
    conn: &mut DbConnection,
    include_drafts: bool,
    now: NaiveDateTime,
) -> AppResult<Vec<BatchView>> {
    repo::list_batches(conn, include_drafts)?
        .into_iter()
        .map(|b| BatchView::from_row(b, now))
        .collect()
}

pub fn batch(
    conn: &mut DbConnection,
    id: &BatchId,
    include_drafts: bool,
    now: NaiveDateTime,
) -> AppResult<BatchView> {
    let b = repo::batch(conn, id)?
        .filter(|b| b.published || include_drafts)
        .ok_or_else(|| AppError::not_found("batch"))?;
    BatchView::from_row(b, now)
}

/// One voucher of a batch's public results (公示): who got it, for how much, when.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    pub seq: i32,
    pub firm_name: String,
    pub credit_code: String,
    #[schema(value_type = String)]
    pub face_value: Fen,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub claimed_at: NaiveDateTime,
}

/// A published batch and every voucher claimed from it, in claim order.
pub fn batch_results(
    conn: &mut DbConnection,
    id: &BatchId,
    now: NaiveDateTime,
) -> AppResult<(BatchView, Vec<BatchResult>)> {
    crate::db::read_tx(conn, |c| {
        let b = batch(c, id, false, now)?;
        let rows = repo::results_of_batch(c, id)?
            .into_iter()
            .map(|(seq, firm_name, credit_code, fen, claimed_at)| BatchResult {
                seq,
                firm_name,
                credit_code,
                face_value: Fen::new(fen),
                claimed_at,
            })
            .collect();
        Ok((b, rows))
    })
}
