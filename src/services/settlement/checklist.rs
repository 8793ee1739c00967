//! What the approver checks before approving a run: how many items and how much, and
//! every payee worth a second look — paid for the first time, paid to another account
//! than last time, or flagged elsewhere (a provider suspended or delisted, or with orders
//! in dispute).

use crate::db::models::PayoutRow;
use crate::db::settlement as repo;
use crate::db::{parties, DbConnection};
use crate::domain::id::{AnyParty, PayoutId, ProviderId, RunId, SpaceId};
use crate::domain::party::ListingStatus;
use crate::domain::Fen;
use crate::error::AppResult;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Checklist {
    pub payees: usize,
    pub items: i64,
    #[schema(value_type = String)]
    pub total: Fen,
    /// What the payouts take back against receivables (the items add up to `total`
    /// plus this).
    #[schema(value_type = String)]
    pub offset: Fen,
    /// Payees to look at twice, each with why.
    pub notes: Vec<PayeeNote>,
    /// What the run pays by service category (redemptions) and by subsidy policy
    /// (entitlements).
    pub by_category: Vec<RunTotal>,
}

/// What a run pays of one service category or subsidy policy.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunTotal {
    /// `category` (a service category's redemptions) or `policy` (a subsidy policy's
    /// entitlements).
    pub kind: String,
    pub code: String,
    pub items: i64,
    #[schema(value_type = String)]
    pub amount: Fen,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PayeeNote {
    #[schema(value_type = String)]
    pub payout_id: PayoutId,
    pub payee_name: String,
    pub note: Note,
}

/// Why a payee is worth a second look.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Note {
    /// Never paid before.
    FirstPayment,
    /// Paid last time to another account.
    AccountChanged { previous: String },
    /// A provider no longer listed (suspended or delisted).
    NotListed { status: ListingStatus },
    /// A provider with orders in dispute.
    Disputes { orders: i64 },
    /// The payee's bank account on record changed since the payout was made out: the
    /// bank file pays the account the payout names.
    AccountChangedSincePrepared { now: String },
    /// The payout takes back what the payee owes after findings (the bank pays the rest).
    Offset {
        #[schema(value_type = String)]
        amount: Fen,
    },
}

/// The checklist of `run`'s payouts (`rows`), in a few queries whatever their number.
pub fn checklist(c: &mut DbConnection, run: &RunId, rows: &[PayoutRow]) -> AppResult<Checklist> {
    let account = crate::domain::settlement::account_line;
    let payees: Vec<String> = rows.iter().map(|p| p.payee_id.to_string()).collect();
    let last: HashMap<String, String> = repo::last_paid_accounts(c, &payees, run)?
        .into_iter()
        .map(|(payee, bank, name, no)| (payee, account(&bank, &name, &no)))
        .collect();
    let provider_ids: Vec<ProviderId> = rows
        .iter()
        .filter_map(|p| match p.payee() {
            AnyParty::Provider(id) => Some(id),
            _ => None,
        })
        .collect();
    let providers = parties::providers_by_ids(c, &provider_ids)?;
    let unlisted: HashMap<String, ListingStatus> = providers
        .iter()
        .filter(|p| p.listing_status != ListingStatus::Listed)
        .map(|p| (p.id.to_string(), p.listing_status))
        .collect();
    let space_ids: Vec<SpaceId> = rows
        .iter()
        .filter_map(|p| match p.payee() {
            AnyParty::Space(id) => Some(id),
            _ => None,
        })
        .collect();
    let mut on_record: HashMap<String, String> = providers
        .iter()
        .map(|p| {
            (p.id.to_string(), account(&p.bank_name, &p.bank_account_name, &p.bank_account_no))
        })
        .collect();
    for (id, bank, name, no) in repo::space_accounts(c, &space_ids)? {
        let text = Option::unwrap_or_default;
        on_record.insert(id.to_string(), account(&text(bank), &text(name), &text(no)));
    }
    let ids: Vec<String> = provider_ids.iter().map(ToString::to_string).collect();
    let disputes: HashMap<String, i64> = repo::disputed_orders(c, &ids)?.into_iter().collect();
    let mut notes = Vec::new();
    for p in rows {
        let payee = p.payee_id.to_string();
        let mut note = |note: Note| {
            notes.push(PayeeNote {
                payout_id: p.id.clone(),
                payee_name: p.payee_name.clone(),
                note,
            })
        };
        match last.get(&payee) {
            None => note(Note::FirstPayment),
            Some(previous) => {
                if *previous != account(&p.bank_name, &p.bank_account_name, &p.bank_account_no) {
                    note(Note::AccountChanged { previous: previous.clone() });
                }
            }
        }
        let made_out = account(&p.bank_name, &p.bank_account_name, &p.bank_account_no);
        if let Some(now) = on_record.get(&payee).filter(|now| **now != made_out) {
            note(Note::AccountChangedSincePrepared { now: now.clone() });
        }
        if let Some(status) = unlisted.get(&payee) {
            note(Note::NotListed { status: *status });
        }
        if let Some(orders) = disputes.get(&payee) {
            note(Note::Disputes { orders: *orders });
        }
        if p.offset_fen.get() > 0 {
            note(Note::Offset { amount: p.offset_fen });
        }
    }
    Ok(Checklist {
        payees: rows.len(),
        items: rows.iter().map(|p| i64::from(p.item_count)).sum(),
        total: rows.iter().map(|p| p.amount_fen).sum(),
        offset: rows.iter().map(|p| p.offset_fen).sum(),
        notes,
        by_category: repo::run_by_category(c, run)?
            .into_iter()
            .map(|(kind, code, items, amount)| RunTotal { kind, code, items, amount })
            .collect(),
    })
}
