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

/// An uploaded screening list: its parsed rows (JSON), what applying it would change,
/// and whether it was applied.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = crate::db::schema::screening_imports, treat_none_as_null = true)]
pub struct ScreeningImportRow {
    pub id: crate::domain::id::ScreeningImportId,
    pub file_name: String,
    /// The entries as JSON (`domain::screening::Entry`); left out of audit snapshots.
    #[serde(skip)]
    pub entries: String,
    pub row_count: i32,
    pub status: crate::domain::screening::ImportStatus,
    pub base_import_id: Option<crate::domain::id::ScreeningImportId>,
    pub added_count: i32,
    pub removed_count: i32,
    pub changed_count: i32,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
}

/// An entry of the screening register; `removed_at` once an applied import no longer
/// has it.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = crate::db::schema::screening_entries, treat_none_as_null = true)]
pub struct ScreeningEntryRow {
    pub id: crate::domain::id::ScreeningEntryId,
    pub credit_code: crate::domain::CreditCode,
    pub name: String,
    pub list_type: crate::domain::screening::ListType,
    pub listed_on: chrono::NaiveDate,
    pub until_on: Option<chrono::NaiveDate>,
    pub source: String,
    pub added_by_import: crate::domain::id::ScreeningImportId,
    pub added_at: NaiveDateTime,
    pub removed_by_import: Option<crate::domain::id::ScreeningImportId>,
    pub removed_at: Option<NaiveDateTime>,
}

/// A reviewer's clearing of an entry for one party: a false match, with the reason.
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = crate::db::schema::screening_clearances)]
pub struct ClearanceRow {
    pub id: crate::domain::id::ClearanceId,
    pub entry_id: crate::domain::id::ScreeningEntryId,
    pub party_kind: crate::domain::PartyKind,
    pub party_id: crate::domain::id::PartyId,
    pub reason: String,
    pub cleared_by: UserId,
    pub cleared_at: NaiveDateTime,
}

/// A party's appeal against a decision, and how it was handled.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = crate::db::schema::appeals, treat_none_as_null = true)]
pub struct AppealRow {
    pub id: crate::domain::id::AppealId,
    pub party_kind: crate::domain::PartyKind,
    pub party_id: crate::domain::id::PartyId,
    pub subject_kind: crate::domain::appeal::AppealSubject,
    pub subject_id: String,
    /// What was decided: the refused or sanctioned state's wire name.
    pub decision: String,
    pub decided_by: Option<UserId>,
    pub decided_at: NaiveDateTime,
    pub grounds: String,
    pub filed_by: UserId,
    pub filed_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub status: crate::domain::appeal::AppealStatus,
    pub outcome_reason: Option<String>,
    pub handled_by: Option<UserId>,
    pub handled_at: Option<NaiveDateTime>,
    pub escalated_at: Option<NaiveDateTime>,
    /// The reason given for the decision, as it was when the appeal was filed.
    pub decision_reason: String,
    /// A finding's appeal granted whole or in part: what the item is worth now.
    pub granted_fen: Option<i64>,
}
