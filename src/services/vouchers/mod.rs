//! Voucher programmes and batches (期): configuration by an administrator, budget
//! top-ups, and the public view of a batch.

mod batches;
mod programmes;

pub use batches::*;
pub use programmes::*;

use crate::db::models::{LotteryRow, VoucherRow};
use crate::db::{vouchers as repo, DbConnection};
use crate::domain::id::{BatchId, FirmId, ProgrammeId, VoucherId};
use crate::domain::Fen;
use crate::error::AppResult;
use chrono::NaiveDateTime;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VoucherView {
    #[schema(value_type = String)]
    pub id: VoucherId,
    /// The voucher's filing number (备案编号).
    pub code: String,
    #[schema(value_type = String)]
    pub batch_id: BatchId,
    #[schema(value_type = String)]
    pub programme_id: ProgrammeId,
    /// Arrival order within the batch.
    pub seq_in_batch: i32,
    #[schema(value_type = String)]
    pub face_value: Fen,
    #[schema(value_type = String)]
    pub balance: Fen,
    #[schema(value_type = String)]
    pub held: Fen,
    /// What can still be spent: the balance less what accepted orders hold.
    #[schema(value_type = String)]
    pub available: Fen,
    /// active, used, expired or revoked.
    pub status: String,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub claimed_at: NaiveDateTime,
    /// A voucher is valid from the instant it is claimed.
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub valid_from: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub valid_until: NaiveDateTime,
}

impl From<VoucherRow> for VoucherView {
    fn from(v: VoucherRow) -> Self {
        VoucherView {
            id: v.id,
            code: v.code,
            batch_id: v.batch_id,
            programme_id: v.programme_id,
            seq_in_batch: v.seq_in_batch,
            face_value: v.face_value_fen,
            balance: v.balance_fen,
            held: v.held_fen,
            available: v.balance_fen - v.held_fen,
            status: v.status.to_string(),
            claimed_at: v.claimed_at,
            valid_from: v.claimed_at,
            valid_until: v.valid_until,
        }
    }
}

/// A voucher with the firm that holds it (the staff's list).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HeldVoucher {
    #[serde(flatten)]
    pub voucher: VoucherView,
    pub firm_name: String,
    pub credit_code: String,
}

/// The orders of the vouchers list.
pub const SORTS: &[crate::domain::listing::Sort] = crate::domain::listing::BY_AMOUNT;

/// Every voucher as `f` asks: its words are a voucher's code, or a firm's whole credit
/// code or part of its name.
pub fn list(
    conn: &mut DbConnection,
    f: &crate::domain::listing::Filter<crate::domain::voucher::VoucherStatus>,
    page: crate::services::Page,
) -> AppResult<crate::services::Paged<HeldVoucher>> {
    let named = match &f.words {
        Some(w) => Some(crate::db::orders::firms_matching(
            conn,
            w,
            crate::services::listing::MATCHED_AT_MOST,
        )?),
        None => None,
    };
    let (rows, total) = repo::list(conn, f, named.as_deref(), page.offset(), page.per_page)?;
    Ok(crate::services::Paged {
        items: rows
            .into_iter()
            .map(|(v, firm_name, credit_code)| HeldVoucher {
                voucher: v.into(),
                firm_name,
                credit_code,
            })
            .collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

impl crate::services::listing::Row for HeldVoucher {
    const COLUMNS: &'static [&'static str] = &[
        "voucher-code",
        "firm",
        "credit-code",
        "face-value-yuan",
        "available-yuan",
        "state",
        "claimed-at",
        "valid-until-2",
    ];
    const FILE: &'static str = "vouchers";
    const SHEET: &'static str = "register-vouchers";
    fn cells(
        &self,
        _policy: &crate::domain::Policy,
        _en: bool,
    ) -> Vec<crate::services::listing::Cell> {
        use crate::services::listing::Cell;
        let v = &self.voucher;
        vec![
            Cell::Text(v.code.clone()),
            Cell::Text(self.firm_name.clone()),
            Cell::Text(self.credit_code.clone()),
            Cell::Money(v.face_value),
            Cell::Money(v.available),
            Cell::Words(crate::i18n::voucher_state(&v.status)),
            Cell::Time(v.claimed_at),
            Cell::Time(v.valid_until),
        ]
    }
}

pub fn vouchers_of_firm(conn: &mut DbConnection, firm_id: &FirmId) -> AppResult<Vec<VoucherView>> {
    Ok(repo::vouchers_of_firm(conn, firm_id)?.into_iter().map(VoucherView::from).collect())
}

/// The lottery row written with a new lottery batch.
fn new_lottery(batch_id: &BatchId) -> LotteryRow {
    let seed = crate::domain::lottery::new_seed();
    LotteryRow {
        batch_id: batch_id.clone(),
        seed_hash: crate::domain::lottery::seed_hash(&seed),
        seed,
        entrants_digest: None,
        entrants: None,
        winners: None,
        drawn_at: None,
        drawn_by: None,
    }
}
