//! Voucher expiry: expires vouchers past their validity (the unused balance returns to
//! the programme) and lapses orders that can no longer be delivered.

use super::{Context, Outcome};
use crate::services;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let r = cx.as_system(services::expiry::run).await?;
    let items = r.expired + r.lapsed_orders.len();
    Ok(Outcome::done(
        items,
        serde_json::json!({ "expired": r.expired, "returned": r.returned, "lapsed_orders": r.lapsed_orders }),
    ))
}
