//! Row structs, field order matching `schema.rs`.

use super::schema::*;
use crate::domain::certification::SchemeLevel;
use crate::domain::certification::{ApplicationStatus, CertificationStatus};
use crate::domain::id::{
    AnyParty, ArticleFileId, ArticleId, AuditEventId, AuthorityId, BatchId, CertApplicationId,
    CertificationId, DocumentId, EmailId, EmailTokenId, EntitlementId, EvaluationId, EvidenceId,
    FilingId, FirmId, GrantId, IncubateeId, JobRunId, LedgerEntryId, LedgerTxnId,
    ListingObjectionId, LoginAttemptId, OrderId, PartyId, PayoutId, ProgrammeId, ProviderId,
    RedemptionApplicationId, RedemptionItemId, RedemptionObjectionId, RefreshTokenId, RunId,
    ServiceItemId, SessionId, SpaceId, TopupId, UnlockId, UserId, VoucherId,
};
use crate::domain::operation::{JobRunStatus, OutboxStatus};
use crate::domain::order::EvidenceKind;
use crate::domain::order::{OrderStatus, RedemptionStatus};
use crate::domain::party::{DocumentKind, SpaceKind};
use crate::domain::party::{ListingStatus, ObjectionStatus, OnboardingStatus};
use crate::domain::settlement::{PayoutStatus, RunStatus};
use crate::domain::subsidy::EntitlementStatus;
use crate::domain::voucher::VoucherStatus;
use crate::domain::voucher::{AllocationMode, VoucherKind};
use crate::domain::{CreditCode, Fen};
use crate::domain::{PartyKind, Role, SizeClass};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Serialize, Serializer};

/// Audit snapshots of rows keep money as it is stored: an integer of fen (the API
/// and pages write yuan).
fn fen_number<S: Serializer>(fen: &Fen, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(fen.get())
}

fn opt_fen_number<S: Serializer>(fen: &Option<Fen>, s: S) -> Result<S::Ok, S::Error> {
    match fen {
        Some(f) => s.serialize_some(&f.get()),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = authorities)]
pub struct AuthorityRow {
    pub id: AuthorityId,
    pub name: String,
    pub region_code: String,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Queryable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub party_kind: Option<PartyKind>,
    pub party_id: Option<PartyId>,
    pub display_name: String,
    pub email: Option<String>,
    pub disabled: bool,
    pub token_version: i32,
    pub password_changed_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("password_hash", &"[REDACTED]")
            .field("role", &self.role)
            .field("party_id", &self.party_id)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// What the audit trail records of a user (never the password hash).
#[derive(Debug, Serialize)]
pub struct UserAudit<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub role: &'a str,
    pub party_kind: Option<&'a str>,
    pub party_id: Option<&'a str>,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub disabled: bool,
    pub token_version: i32,
}

impl UserRow {
    /// A new, enabled account acting for `party`, with a new id.
    pub fn new_account(
        username: String,
        password_hash: String,
        role: Role,
        party: Option<AnyParty>,
        display_name: String,
        email: Option<String>,
        now: NaiveDateTime,
    ) -> Self {
        UserRow {
            id: UserId::new(),
            username,
            password_hash,
            role,
            party_kind: party.as_ref().map(AnyParty::kind),
            party_id: party.as_ref().map(AnyParty::id),
            display_name,
            email,
            disabled: false,
            token_version: 0,
            password_changed_at: now,
            created_at: now,
            updated_at: now,
        }
    }

    /// The firm, provider or space the account acts for.
    pub fn party(&self) -> Option<AnyParty> {
        self.party_kind.zip(self.party_id.clone()).map(|(kind, id)| AnyParty::of(kind, id))
    }

    pub fn audit(&self) -> UserAudit<'_> {
        UserAudit {
            id: self.id.as_str(),
            username: &self.username,
            role: self.role.as_str(),
            party_kind: self.party_kind.map(PartyKind::as_str),
            party_id: self.party_id.as_ref().map(PartyId::as_str),
            display_name: &self.display_name,
            email: self.email.as_deref(),
            disabled: self.disabled,
            token_version: self.token_version,
        }
    }
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: RefreshTokenId,
    pub user_id: UserId,
    pub family_id: SessionId,
    pub token_hash: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoke_reason: Option<String>,
    pub replaced_by: Option<String>,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = login_attempts)]
pub struct LoginAttemptRow {
    pub id: LoginAttemptId,
    pub username: String,
    pub remote_addr: String,
    pub succeeded: bool,
    pub attempted_at: NaiveDateTime,
}

/// A single-use link sent by email (a password reset); only the token's hash is kept.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = email_tokens)]
pub struct EmailTokenRow {
    pub id: EmailTokenId,
    pub purpose: String,
    /// None for a request that named no account.
    pub user_id: Option<UserId>,
    pub email: String,
    pub token_hash: String,
    pub requested_from: String,
    pub requested_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// An account's sign-in lock lifted (by an administrator or a completed reset).
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = account_unlocks)]
pub struct AccountUnlockRow {
    pub id: UnlockId,
    pub username: String,
    pub unlocked_at: NaiveDateTime,
    pub unlocked_by: Option<UserId>,
    pub reason: String,
}

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = spaces)]
pub struct SpaceRow {
    pub id: SpaceId,
    pub credit_code: CreditCode,
    pub name: String,
    pub kind: SpaceKind,
    pub operator_name: String,
    pub legal_representative: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub bank_name: Option<String>,
    pub bank_account_name: Option<String>,
    pub bank_account_no: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When the contact address was verified by its emailed link (none: not yet).
    pub contact_verified_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = firms, treat_none_as_null = true)]
pub struct FirmRow {
    pub id: FirmId,
    pub credit_code: CreditCode,
    pub name: String,
    pub legal_representative: String,
    pub actual_controller: String,
    pub registered_on: NaiveDate,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub industry: String,
    pub employees: i32,
    #[serde(serialize_with = "fen_number")]
    pub revenue_fen: Fen,
    #[serde(serialize_with = "opt_fen_number")]
    pub total_assets_fen: Option<Fen>,
    pub size_class: SizeClass,
    pub size_basis: String,
    pub onboarding_status: OnboardingStatus,
    pub onboarding_reason: Option<String>,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub high_tech: bool,
    pub tech_sme: bool,
    pub dishonest: bool,
    pub recommended_by_space_id: Option<SpaceId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When the contact address was verified by its emailed link (none: not yet).
    pub contact_verified_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = providers, treat_none_as_null = true)]
pub struct ProviderRow {
    pub id: ProviderId,
    pub credit_code: CreditCode,
    pub name: String,
    pub legal_representative: String,
    pub actual_controller: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub description: String,
    pub bank_name: String,
    pub bank_account_name: String,
    pub bank_account_no: String,
    pub listing_status: ListingStatus,
    pub notice_starts_at: Option<NaiveDateTime>,
    pub notice_ends_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub listed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When the contact address was verified by its emailed link (none: not yet).
    pub contact_verified_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = provider_objections, treat_none_as_null = true)]
pub struct ObjectionRow {
    pub id: ListingObjectionId,
    pub provider_id: ProviderId,
    pub objector_name: String,
    pub objector_contact: String,
    pub reason: String,
    pub status: ObjectionStatus,
    pub resolution_note: Option<String>,
    pub resolved_by: Option<UserId>,
    pub resolved_at: Option<NaiveDateTime>,
    pub filed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub struct AuditEventRow {
    pub seq: i64,
    pub id: AuditEventId,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<UserId>,
    pub actor_role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

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
#[diesel(table_name = ledger_entries, treat_none_as_default_value = false)]
pub struct LedgerEntryRow {
    pub id: LedgerEntryId,
    pub txn_id: LedgerTxnId,
    pub account: String,
    #[serde(serialize_with = "fen_number")]
    pub amount_fen: Fen,
    pub kind: String,
    pub created_at: NaiveDateTime,
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

/// One email in the outbox, rendered when it was written.
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
pub struct OutboxRow {
    pub id: EmailId,
    pub kind: String,
    pub locale: String,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body: String,
    pub dedupe_key: Option<String>,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
}

/// One run of a scheduled job for one time slot.
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = job_runs, treat_none_as_default_value = false)]
pub struct JobRunRow {
    pub id: JobRunId,
    pub job: String,
    pub slot: NaiveDateTime,
    pub origin: String,
    pub status: JobRunStatus,
    pub attempt: i32,
    pub runner: String,
    pub requested_by: Option<UserId>,
    pub started_at: NaiveDateTime,
    pub heartbeat_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub duration_ms: Option<i64>,
    pub items: i64,
    pub detail: Option<String>,
}

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

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = staff_affiliations)]
pub struct StaffAffiliationRow {
    pub user_id: UserId,
    pub credit_code: CreditCode,
    pub declared_by: Option<UserId>,
    pub declared_at: NaiveDateTime,
}

/// A settlement run: the payouts of one period, prepared, then approved or rejected.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = settlement_runs, treat_none_as_null = true)]
pub struct SettlementRunRow {
    pub id: RunId,
    pub period: String,
    pub cutoff: NaiveDateTime,
    pub status: RunStatus,
    pub origin: String,
    pub prepared_by: Option<UserId>,
    pub prepared_at: NaiveDateTime,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub reject_reason: Option<String>,
    pub payout_count: i32,
    pub item_count: i32,
    #[serde(serialize_with = "fen_number")]
    pub total_fen: Fen,
    pub held_back_count: i32,
    #[serde(serialize_with = "fen_number")]
    pub held_back_fen: Fen,
    pub csv_sha256: Option<String>,
    pub xlsx_sha256: Option<String>,
    pub exported_at: Option<NaiveDateTime>,
}

/// One payment to one payee in a run, with the payee's bank account as it was.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = payouts, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct PayoutRow {
    pub id: PayoutId,
    pub run_id: RunId,
    pub reference: String,
    pub payee_kind: PartyKind,
    pub payee_id: PartyId,
    pub payee_name: String,
    pub credit_code: CreditCode,
    pub bank_name: String,
    pub bank_account_name: String,
    pub bank_account_no: String,
    #[serde(serialize_with = "fen_number")]
    pub amount_fen: Fen,
    pub item_count: i32,
    pub status: PayoutStatus,
    pub bank_reference: Option<String>,
    pub paid_on: Option<NaiveDate>,
    pub failure_reason: Option<String>,
    pub recorded_by: Option<UserId>,
    pub recorded_at: Option<NaiveDateTime>,
    pub reversed_by: Option<UserId>,
    pub reversed_at: Option<NaiveDateTime>,
    pub reversal_reason: Option<String>,
}

impl PayoutRow {
    /// Whom the payout pays.
    pub fn payee(&self) -> AnyParty {
        AnyParty::of(self.payee_kind, self.payee_id.clone())
    }
}

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = settlement_holdbacks, treat_none_as_default_value = false)]
pub struct HoldbackRow {
    pub run_id: RunId,
    pub payee_kind: PartyKind,
    pub payee_id: PartyId,
    pub payee_name: String,
    pub reason: String,
    pub item_count: i32,
    #[serde(serialize_with = "fen_number")]
    pub amount_fen: Fen,
}

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

/// A notice (通知公告) or a common question (常见问题) the authority publishes.
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = articles)]
pub struct ArticleRow {
    pub id: ArticleId,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub title_en: String,
    pub body_en: String,
    pub published_at: Option<NaiveDateTime>,
    pub created_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A file attached to an article.
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = article_files)]
pub struct ArticleFileRow {
    pub id: ArticleFileId,
    pub article_id: ArticleId,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Option<UserId>,
    pub uploaded_at: NaiveDateTime,
}

impl PartyDocumentRow {
    /// Whose document it is.
    pub fn party(&self) -> AnyParty {
        AnyParty::of(self.party_kind, self.party_id.clone())
    }
}

/// A document a party uploaded for the reviewer (`party_documents`).
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = party_documents)]
pub struct PartyDocumentRow {
    pub id: DocumentId,
    pub party_kind: PartyKind,
    pub party_id: PartyId,
    pub kind: DocumentKind,
    pub certificate_no: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Option<UserId>,
    pub uploaded_at: NaiveDateTime,
}

/// A row whose `updated_at` says when it last changed.
pub trait Moved: Clone {
    /// The row as it is after a change made at `now`: the same values, `updated_at` now.
    fn moved_at(&self, now: NaiveDateTime) -> Self;
}

macro_rules! moved_rows {
    ($($row:ident),+ $(,)?) => {$(
        impl Moved for $row {
            fn moved_at(&self, now: NaiveDateTime) -> Self {
                $row { updated_at: now, ..self.clone() }
            }
        }
    )+};
}

moved_rows!(
    UserRow,
    SpaceRow,
    FirmRow,
    ProviderRow,
    ProgrammeRow,
    BatchRow,
    LotteryEntryRow,
    ServiceItemRow,
    OrderRow,
    RedemptionItemRow,
    CertificationRow,
    StatisticsFilingRow,
    IncubateeRow,
    EntitlementRow,
    ArticleRow,
);
