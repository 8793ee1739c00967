//! Voucher expiry reminders: writes the 30- and 7-day reminder emails of vouchers
//! about to expire (each reminder once per voucher and threshold).

use super::{Context, Outcome};
use crate::services;
use std::sync::Arc;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let (templates, now) = (Arc::clone(&cx.deps().templates), cx.now);
    let n = cx.db(move |c| services::reminders::send_due(c, &templates, now)).await?;
    Ok(Outcome::done(n, serde_json::json!({ "reminders": n })))
}
