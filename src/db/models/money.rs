//! Money: ledger entries, settlement runs, payouts, holdbacks.

use super::fen_number;
use crate::db::schema::*;
use crate::domain::id::{
    AnyParty, AppealId, FindingId, LedgerEntryId, LedgerTxnId, PartyId, PayoutId, ProgrammeId,
    ProviderId, ReceivableId, RecoveryId, RedemptionItemId, RunId, SupplementId, UserId,
};
use crate::domain::receivable::RecoveryKind;
use crate::domain::settlement::{PayoutStatus, RunStatus};
use crate::domain::PartyKind;
use crate::domain::{CreditCode, Fen};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

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
    /// What the run's payouts take back against the payees' receivables (the bank file
    /// pays `total_fen`, what is left).
    #[serde(serialize_with = "fen_number")]
    pub offset_fen: Fen,
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
    /// What the payout takes back against the payee's receivables: its items add up to
    /// `amount_fen + offset_fen`, and the bank pays `amount_fen`.
    #[serde(serialize_with = "fen_number")]
    pub offset_fen: Fen,
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

/// What a provider owes back after a finding against an item in a run or paid.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = receivables, treat_none_as_null = true)]
pub struct ReceivableRow {
    pub id: ReceivableId,
    pub finding_id: FindingId,
    pub item_id: RedemptionItemId,
    pub provider_id: ProviderId,
    pub programme_id: ProgrammeId,
    #[serde(serialize_with = "fen_number")]
    pub amount_fen: Fen,
    /// The amount less the live recoveries.
    #[serde(serialize_with = "fen_number")]
    pub outstanding_fen: Fen,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One recovery of a receivable: an offset taken from a payout, or a repayment.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = receivable_recoveries, treat_none_as_null = true)]
pub struct RecoveryRow {
    pub id: RecoveryId,
    pub receivable_id: ReceivableId,
    pub kind: RecoveryKind,
    pub payout_id: Option<PayoutId>,
    #[serde(serialize_with = "fen_number")]
    pub amount_fen: Fen,
    pub live: bool,
    pub bank_reference: Option<String>,
    pub paid_on: Option<NaiveDate>,
    pub recorded_by: Option<UserId>,
    pub recorded_at: NaiveDateTime,
    pub undone_at: Option<NaiveDateTime>,
}

/// What the programme pays a provider after an appeal raised a finding's amount (补付款):
/// carried by the next settlement run like an item.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = supplements, treat_none_as_null = true)]
pub struct SupplementRow {
    pub id: SupplementId,
    pub appeal_id: AppealId,
    pub finding_id: FindingId,
    pub item_id: RedemptionItemId,
    pub provider_id: ProviderId,
    pub programme_id: ProgrammeId,
    #[serde(serialize_with = "fen_number")]
    pub amount_fen: Fen,
    pub status: crate::domain::receivable::SupplementStatus,
    pub payable_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}
