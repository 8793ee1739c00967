//! Supplements (补付款): what the programme pays a provider after an appeal raised a
//! finding's amount, carried by settlement runs like items.

use super::models::SupplementRow;
use super::schema::{orders, payout_items, redemption_items, supplements};
use super::DbConnection;
use crate::domain::id::{FindingId, ProviderId};
use diesel::dsl::{exists, not};
use diesel::prelude::*;

pub fn insert(conn: &mut DbConnection, row: &SupplementRow) -> QueryResult<usize> {
    diesel::insert_into(supplements::table).values(row).execute(conn)
}

/// A finding's supplements with the order number, oldest first.
pub fn of_finding(conn: &mut DbConnection, finding: &FindingId) -> QueryResult<Vec<SupplementRow>> {
    supplements::table
        .filter(supplements::finding_id.eq(finding))
        .order((supplements::created_at.asc(), supplements::id.asc()))
        .load(conn)
}

/// Every supplement (ledger verification).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<SupplementRow>> {
    supplements::table.order(supplements::id.asc()).load(conn)
}

/// A provider's supplements, newest first, with the item's order number.
pub fn of_provider(
    conn: &mut DbConnection,
    provider: &ProviderId,
) -> QueryResult<Vec<(SupplementRow, String)>> {
    supplements::table
        .inner_join(redemption_items::table.on(redemption_items::id.eq(supplements::item_id)))
        .inner_join(orders::table.on(orders::id.eq(redemption_items::order_id)))
        .filter(supplements::provider_id.eq(provider))
        .order((supplements::created_at.desc(), supplements::id.desc()))
        .select((supplements::all_columns, orders::order_no))
        .load(conn)
}

/// Payable supplements from before `cutoff` not yet in a live payout, per provider:
/// (provider, count, fen).
pub fn payable_by_provider(
    conn: &mut DbConnection,
    cutoff: chrono::NaiveDateTime,
) -> QueryResult<Vec<(ProviderId, i64, crate::domain::Fen)>> {
    use diesel::sql_types::BigInt;
    supplements::table
        .filter(supplements::status.eq("payable"))
        .filter(supplements::payable_at.lt(cutoff))
        .filter(not(exists(
            payout_items::table
                .filter(payout_items::item_id.eq(supplements::id))
                .filter(payout_items::live),
        )))
        .group_by(supplements::provider_id)
        .select((
            supplements::provider_id,
            diesel::dsl::count_star(),
            diesel::dsl::sql::<BigInt>("CAST(SUM(supplements.amount_fen) AS BIGINT)"),
        ))
        .load(conn)
}
