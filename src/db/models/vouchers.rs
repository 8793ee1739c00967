//! Vouchers: programmes, batches, top-ups, vouchers, claim outcomes, lotteries.

use super::{fen_number, opt_fen_number};
use crate::db::schema::*;
use crate::domain::id::{BatchId, FirmId, ProgrammeId, TopupId, UserId, VoucherId};
use crate::domain::voucher::VoucherStatus;
use crate::domain::voucher::{AllocationMode, VoucherKind};
use crate::domain::{CreditCode, Fen};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = programmes, treat_none_as_null = true)]
pub struct ProgrammeRow {
    pub id: ProgrammeId,
    pub code: String,
    pub name: String,
    pub voucher_kind: VoucherKind,
    pub categories: String,
    pub co_payment_ratio_bp: i32,
    #[serde(serialize_with = "fen_number")]
    pub full_coverage_threshold_fen: Fen,
    pub validity_months: i32,
    pub eligible_size_classes: String,
    pub exclude_dishonest: bool,
    #[serde(serialize_with = "opt_fen_number")]
    pub revenue_ceiling_fen: Option<Fen>,
    pub required_qualifications: String,
    pub per_batch_limit: i32,
    pub per_year_limit: i32,
    pub count_by_controller: bool,
    pub gate_used_share_bp: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = batches, treat_none_as_null = true)]
pub struct BatchRow {
    pub id: BatchId,
    pub programme_id: ProgrammeId,
    pub number: i32,
    pub name: String,
    #[serde(serialize_with = "fen_number")]
    pub budget_fen: Fen,
    #[serde(serialize_with = "fen_number")]
    pub claimed_fen: Fen,
    pub vouchers_claimed: i32,
    pub face_values: String,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub allocation_mode: AllocationMode,
    pub published: bool,
    pub created_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = batch_topups)]
pub struct TopupRow {
    pub id: TopupId,
    pub batch_id: BatchId,
    #[serde(serialize_with = "fen_number")]
    pub amount_fen: Fen,
    pub reason: String,
    pub created_by: Option<UserId>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = vouchers, treat_none_as_default_value = false)]
pub struct VoucherRow {
    pub id: VoucherId,
    pub code: String,
    pub batch_id: BatchId,
    pub programme_id: ProgrammeId,
    pub firm_id: FirmId,
    pub nth: i32,
    pub seq_in_batch: i32,
    #[serde(serialize_with = "fen_number")]
    pub face_value_fen: Fen,
    #[serde(serialize_with = "fen_number")]
    pub balance_fen: Fen,
    #[serde(serialize_with = "fen_number")]
    pub held_fen: Fen,
    pub status: VoucherStatus,
    pub controller: String,
    pub claim_year: i32,
    pub claimed_at: NaiveDateTime,
    pub valid_until: NaiveDateTime,
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = claim_outcomes, treat_none_as_default_value = false)]
pub struct ClaimOutcomeRow {
    pub firm_id: FirmId,
    pub idempotency_key: String,
    pub batch_id: BatchId,
    pub outcome: String,
    pub voucher_id: Option<VoucherId>,
    pub detail: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A lottery batch's draw. Deliberately not `Serialize`: the seed is secret until drawn.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = lotteries, treat_none_as_default_value = false)]
pub struct LotteryRow {
    pub batch_id: BatchId,
    pub seed: String,
    pub seed_hash: String,
    pub entrants_digest: Option<String>,
    pub entrants: Option<i32>,
    pub winners: Option<i32>,
    pub drawn_at: Option<NaiveDateTime>,
    pub drawn_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = lottery_entries, treat_none_as_default_value = false)]
pub struct LotteryEntryRow {
    pub batch_id: BatchId,
    pub firm_id: FirmId,
    pub credit_code: CreditCode,
    pub user_id: Option<UserId>,
    #[serde(serialize_with = "fen_number")]
    pub face_value_fen: Fen,
    pub entered_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub draw_key: Option<String>,
    pub draw_rank: Option<i32>,
    pub outcome: Option<String>,
    pub voucher_id: Option<VoucherId>,
}
