//! Spot checks: the month's draw, every item's tickets and key, the firms asked, the
//! findings.

use crate::db::schema::{findings, spot_check_draws, spot_check_entries, spot_checks};
use crate::domain::id::{
    DrawId, FindingId, FirmId, ProviderId, RedemptionItemId, SpotCheckId, UserId,
};
use crate::domain::spot_check::{CheckStatus, FindingStatus, OpenedBecause};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A month's draw: its seed, the population's digest and size, how many were drawn and
/// the rules it used (the policy, as JSON).
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = spot_check_draws)]
pub struct DrawRow {
    pub id: DrawId,
    /// `YYYY-MM`, the China month the items were approved in.
    pub period: String,
    pub seed: String,
    pub population_digest: String,
    pub population: i32,
    pub sample_size: i32,
    pub rules: String,
    pub drawn_by: UserId,
    pub drawn_at: NaiveDateTime,
}

/// One item of a draw's population: its tickets, the risks that gave them, its key and
/// whether it was drawn.
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = spot_check_entries)]
pub struct EntryRow {
    pub draw_id: DrawId,
    pub item_id: RedemptionItemId,
    pub tickets: i32,
    /// The risks, comma-separated (`new_provider,low_score`), or empty.
    pub risks: String,
    pub draw_key: String,
    pub sampled: bool,
}

/// A sampled item's check with its firm.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = spot_checks, treat_none_as_null = true)]
pub struct SpotCheckRow {
    pub id: SpotCheckId,
    pub draw_id: DrawId,
    pub item_id: RedemptionItemId,
    pub firm_id: FirmId,
    pub provider_id: ProviderId,
    pub status: CheckStatus,
    pub answer_by: NaiveDateTime,
    pub delivered: Option<bool>,
    pub firm_note: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A finding on a redemption item, open until a reviewer decides it.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = findings, treat_none_as_null = true)]
pub struct FindingRow {
    pub id: FindingId,
    pub check_id: SpotCheckId,
    pub item_id: RedemptionItemId,
    pub provider_id: ProviderId,
    pub opened_because: OpenedBecause,
    pub status: FindingStatus,
    pub provider_statement: Option<String>,
    /// `no_issue`, `corrected` or `fraudulent`, once decided.
    pub outcome: Option<String>,
    pub corrected_fen: Option<i64>,
    pub reason: Option<String>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub opened_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}
