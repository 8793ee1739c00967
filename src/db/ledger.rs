//! Read-only loaders for verifying the ledger against the records it accounts for.

use super::schema::{batches, ledger_entries, vouchers};
use super::DbConnection;
use diesel::prelude::*;

/// Every entry as (transaction, account, amount in fen).
pub fn entries(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, i64)>> {
    ledger_entries::table
        .select((
            ledger_entries::txn_id,
            ledger_entries::account,
            ledger_entries::amount_fen,
        ))
        .load(conn)
}

/// Every batch as (id, budget, claimed).
pub fn batches(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64, i64)>> {
    batches::table
        .select((batches::id, batches::budget_fen, batches::claimed_fen))
        .load(conn)
}

/// Every voucher as (id, balance, held).
/// Every voucher: (id, balance fen, held fen, status).
pub fn vouchers(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64, i64, String)>> {
    vouchers::table
        .select((
            vouchers::id,
            vouchers::balance_fen,
            vouchers::held_fen,
            vouchers::status,
        ))
        .load(conn)
}
