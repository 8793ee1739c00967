//! Parties: spaces, firms, providers, listing objections, party documents.

use super::{fen_number, opt_fen_number};
use crate::db::schema::*;
use crate::domain::id::{
    AnyParty, DocumentId, FirmId, ListingObjectionId, PartyId, ProviderId, SpaceId, UserId,
};
use crate::domain::party::{Corrections, DocumentKind, SpaceKind};
use crate::domain::party::{ListingStatus, ObjectionStatus, OnboardingStatus};
use crate::domain::{CreditCode, Fen};
use crate::domain::{PartyKind, SizeClass};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

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
    /// What to correct, while the application is returned for correction.
    pub corrections: Option<Corrections>,
    /// The 高新技术企业 certificate a reviewer confirmed the qualification from, and
    /// the last day it is valid (none: set by hand, no end).
    pub high_tech_certificate: Option<String>,
    pub high_tech_until: Option<NaiveDate>,
    /// The 科技型中小企业 registration likewise.
    pub tech_sme_certificate: Option<String>,
    pub tech_sme_until: Option<NaiveDate>,
    /// The district stated at registration (a code of `config/policy/districts.toml`;
    /// none: registered before it was asked).
    pub district: Option<String>,
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
    /// What to correct, while the application is returned for correction.
    pub corrections: Option<Corrections>,
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
