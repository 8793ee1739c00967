//! Orders: service items, orders, evidence, redemption applications, items and objections.

use super::fen_number;
use crate::db::schema::*;
use crate::domain::id::{
    BatchId, EvidenceId, FirmId, OrderId, ProgrammeId, ProviderId, RedemptionApplicationId,
    RedemptionItemId, RedemptionObjectionId, ServiceItemId, UserId, VoucherId,
};
use crate::domain::order::EvidenceKind;
use crate::domain::order::{OrderStatus, RedemptionStatus};
use crate::domain::party::ObjectionStatus;
use crate::domain::Fen;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

/// A service a listed provider offers.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = service_items)]
pub struct ServiceItemRow {
    pub id: ServiceItemId,
    pub provider_id: ProviderId,
    pub category: String,
    pub title: String,
    pub description: String,
    #[serde(serialize_with = "fen_number")]
    pub list_price_fen: Fen,
    pub delivery_days: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A service order a firm placed against one of its vouchers.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = orders, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct OrderRow {
    pub id: OrderId,
    pub order_no: String,
    pub firm_id: FirmId,
    pub provider_id: ProviderId,
    pub service_item_id: ServiceItemId,
    pub voucher_id: VoucherId,
    pub programme_id: ProgrammeId,
    pub category: String,
    pub title: String,
    pub note: String,
    #[serde(serialize_with = "fen_number")]
    pub contract_fen: Fen,
    #[serde(serialize_with = "fen_number")]
    pub covered_fen: Fen,
    #[serde(serialize_with = "fen_number")]
    pub own_fen: Fen,
    pub status: OrderStatus,
    pub decline_reason: Option<String>,
    pub cancel_reason: Option<String>,
    pub cancelled_by: Option<String>,
    pub dispute_reason: Option<String>,
    pub resolution_note: Option<String>,
    pub requested_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub deliver_by: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub confirmed_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// The voucher's batch (what the overview of a batch reads).
    pub batch_id: BatchId,
}

/// A file uploaded as evidence for an order (stored by content hash).
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = order_evidence)]
pub struct EvidenceRow {
    pub id: EvidenceId,
    pub order_id: OrderId,
    pub kind: EvidenceKind,
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub file_name: String,
    pub uploaded_by: Option<UserId>,
    pub uploaded_at: NaiveDateTime,
    /// An invoice's amount, as the provider stated it.
    #[serde(serialize_with = "super::opt_fen_number")]
    pub amount_fen: Option<Fen>,
    /// The document's date as stated (an invoice's, a delivery's).
    pub dated: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = redemption_applications)]
pub struct RedemptionApplicationRow {
    pub id: RedemptionApplicationId,
    pub provider_id: ProviderId,
    pub item_count: i32,
    #[serde(serialize_with = "fen_number")]
    pub total_fen: Fen,
    pub submitted_by: Option<UserId>,
    pub submitted_at: NaiveDateTime,
}

/// One confirmed order's amount, claimed back by its provider.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = redemption_items, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct RedemptionItemRow {
    pub id: RedemptionItemId,
    pub application_id: RedemptionApplicationId,
    pub order_id: OrderId,
    pub provider_id: ProviderId,
    pub firm_id: FirmId,
    pub programme_id: ProgrammeId,
    pub category: String,
    #[serde(serialize_with = "fen_number")]
    pub amount_fen: Fen,
    pub status: RedemptionStatus,
    pub decision_reason: Option<String>,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub notice_ends_at: Option<NaiveDateTime>,
    pub payable_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// The order's voucher's batch.
    pub batch_id: BatchId,
}

#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = redemption_objections, treat_none_as_null = true)]
pub struct RedemptionObjectionRow {
    pub id: RedemptionObjectionId,
    pub item_id: RedemptionItemId,
    pub objector_name: String,
    pub objector_contact: String,
    pub reason: String,
    pub status: ObjectionStatus,
    pub resolution_note: Option<String>,
    pub resolved_by: Option<UserId>,
    pub resolved_at: Option<NaiveDateTime>,
    pub filed_at: NaiveDateTime,
}

/// A firm's rating of a confirmed order, with the provider's answer.
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = order_ratings)]
pub struct RatingRow {
    pub order_id: OrderId,
    pub firm_id: FirmId,
    pub provider_id: ProviderId,
    pub quality: i32,
    pub timeliness: i32,
    pub value: i32,
    pub comment: Option<String>,
    pub rated_at: NaiveDateTime,
    pub answer: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
}
