//! Ledger storage: posting a balanced transaction, and the read-only loaders for
//! verifying the ledger against the records it accounts for.

use super::models::LedgerEntryRow;
use super::schema::{batches, ledger_entries, vouchers};
use super::DbConnection;
use crate::domain::id::{BatchId, LedgerEntryId, LedgerTxnId, VoucherId};
use crate::domain::ledger::Transaction;
use crate::domain::voucher::VoucherStatus;
use crate::domain::Fen;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Writes a transaction's postings as entries of one new transaction id (nothing for an
/// empty one).
pub fn post(conn: &mut DbConnection, tx: &Transaction, now: NaiveDateTime) -> QueryResult<()> {
    let txn = LedgerTxnId::new();
    let rows: Vec<LedgerEntryRow> = tx
        .postings()
        .iter()
        .map(|(account, amount)| LedgerEntryRow {
            id: LedgerEntryId::new(),
            txn_id: txn.clone(),
            account: account.as_str().to_string(),
            amount_fen: *amount,
            kind: tx.kind().into(),
            created_at: now,
        })
        .collect();
    bulk_insert!(conn, ledger_entries::table, rows.as_slice());
    Ok(())
}

/// Every entry as (transaction, account, amount in fen).
pub fn entries(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, Fen)>> {
    ledger_entries::table
        .select((ledger_entries::txn_id, ledger_entries::account, ledger_entries::amount_fen))
        .load(conn)
}

/// Every batch as (id, budget, claimed).
pub fn batches(conn: &mut DbConnection) -> QueryResult<Vec<(BatchId, Fen, Fen)>> {
    batches::table.select((batches::id, batches::budget_fen, batches::claimed_fen)).load(conn)
}

/// Every voucher as (id, balance, held).
/// Every voucher: (id, balance fen, held fen, status).
pub fn vouchers(conn: &mut DbConnection) -> QueryResult<Vec<(VoucherId, Fen, Fen, VoucherStatus)>> {
    vouchers::table
        .select((vouchers::id, vouchers::balance_fen, vouchers::held_fen, vouchers::status))
        .load(conn)
}
