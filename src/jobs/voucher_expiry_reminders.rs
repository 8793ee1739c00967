//! Voucher expiry reminders: writes the 30- and 7-day reminder emails of vouchers
//! about to expire (each reminder once per voucher and threshold).

use super::{BackgroundJob, Context, Outcome, Work};
use crate::services;
use std::sync::Arc;

pub(super) struct VoucherExpiryReminders;

impl BackgroundJob for VoucherExpiryReminders {
    fn name(&self) -> &'static str {
        "voucher_expiry_reminders"
    }

    fn describe(&self) -> (&'static str, &'static str) {
        (
            "合创券到期提醒（提前 30 天、7 天）",
            "voucher expiry reminders, 30 and 7 days ahead",
        )
    }

    fn run<'a>(&'a self, cx: &'a Context<'a>) -> Work<'a> {
        Box::pin(async move {
            let (templates, now) = (Arc::clone(&cx.deps().templates), cx.now);
            let n = cx
                .db(move |c| services::reminders::send_due(c, &templates, now))
                .await?;
            Ok(Outcome::done(n, serde_json::json!({ "reminders": n })))
        })
    }
}
