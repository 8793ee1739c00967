//! Carriers: certification applications and certifications, statistics, incubatees, the support register, performance evaluations, entitlements.

use super::fen_number;
use crate::db::schema::*;
use crate::domain::certification::SchemeLevel;
use crate::domain::certification::{ApplicationStatus, CertificationStatus};
use crate::domain::id::{
    CertApplicationId, CertificationId, EntitlementId, EvaluationId, FilingId, GrantId,
    IncubateeId, SpaceId, UserId,
};
use crate::domain::subsidy::EntitlementStatus;
use crate::domain::{CreditCode, Fen};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

/// A space's application for a certification scheme, with what it filed and how the
/// rule engine judged it that day.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = certification_applications, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct CertificationApplicationRow {
    pub id: CertApplicationId,
    pub space_id: SpaceId,
    pub scheme: String,
    pub scheme_snapshot: String,
    pub figures: String,
    pub evaluation: String,
    pub eligible: bool,
    pub status: ApplicationStatus,
    pub submitted_by: Option<UserId>,
    pub submitted_at: NaiveDateTime,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
}

/// A certification granted to a space.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = certifications, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct CertificationRow {
    pub id: CertificationId,
    pub space_id: SpaceId,
    pub scheme: String,
    pub level: SchemeLevel,
    pub application_id: CertApplicationId,
    pub certified_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub status: CertificationStatus,
    pub revoked_on: Option<NaiveDate>,
    pub revoke_reason: Option<String>,
    pub revoked_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A space's yearly statistics (火炬统计).
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = statistics_filings, treat_none_as_null = true)]
pub struct StatisticsFilingRow {
    pub id: FilingId,
    pub space_id: SpaceId,
    pub year: i32,
    pub figures: String,
    pub late: bool,
    pub filed_by: Option<UserId>,
    pub filed_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A firm in a space's incubatee register.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = incubatees, treat_none_as_null = true)]
pub struct IncubateeRow {
    pub id: IncubateeId,
    pub space_id: SpaceId,
    pub scheme: String,
    pub firm_name: String,
    pub credit_code: CreditCode,
    pub founded_on: NaiveDate,
    pub entered_on: NaiveDate,
    pub age_months_at_entry: i32,
    pub field: String,
    pub limit_months: i32,
    pub limit_ends_on: NaiveDate,
    pub graduated_on: Option<NaiveDate>,
    pub graduation: Option<String>,
    pub left_on: Option<NaiveDate>,
    pub left_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A grant in the duplicate-support register.
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = support_grants)]
pub struct SupportGrantRow {
    pub id: GrantId,
    pub credit_code: CreditCode,
    pub beneficiary_name: String,
    pub purpose: String,
    pub covers_from: NaiveDate,
    pub covers_to: NaiveDate,
    pub source: String,
    #[serde(serialize_with = "fen_number")]
    pub amount_fen: Fen,
    pub entitlement_id: Option<EntitlementId>,
    pub note: Option<String>,
    pub recorded_by: Option<UserId>,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = performance_evaluations)]
pub struct PerformanceEvaluationRow {
    pub id: EvaluationId,
    pub year: i32,
    pub policy: String,
    pub rules: String,
    pub space_count: i32,
    pub awarded_count: i32,
    pub computed_by: Option<UserId>,
    pub computed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = performance_scores, treat_none_as_default_value = false)]
pub struct PerformanceScoreRow {
    pub evaluation_id: EvaluationId,
    pub space_id: SpaceId,
    pub rank: i32,
    pub total: String,
    pub breakdown: String,
    pub winner: bool,
    pub holds_title: bool,
    pub awarded: bool,
    pub title_until_year: Option<i32>,
}

/// What a space is entitled to under a subsidy policy for a period.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = subsidy_entitlements, treat_none_as_null = true)]
pub struct EntitlementRow {
    pub id: EntitlementId,
    pub space_id: SpaceId,
    pub policy: String,
    pub period: String,
    pub purpose: String,
    pub certification_id: Option<CertificationId>,
    pub evaluation_id: Option<EvaluationId>,
    pub level: Option<SchemeLevel>,
    #[serde(serialize_with = "fen_number")]
    pub amount_fen: Fen,
    pub covers_from: NaiveDate,
    pub covers_to: NaiveDate,
    pub basis: String,
    pub status: EntitlementStatus,
    pub duplicate_grant_id: Option<GrantId>,
    pub computed_at: NaiveDateTime,
    pub notice_ends_at: NaiveDateTime,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    pub payable_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}
