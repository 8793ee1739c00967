//! Voucher expiry: expires vouchers past their validity (the unused balance returns to
//! the programme) and lapses orders that can no longer be delivered.

use super::{BackgroundJob, Context, Outcome, Work};
use crate::services::{self};

pub(super) struct VoucherExpiry;

impl BackgroundJob for VoucherExpiry {
    fn name(&self) -> &'static str {
        "voucher_expiry"
    }

    fn describe(&self) -> (&'static str, &'static str) {
        (
            "合创券到期：未用余额退回项目资金，逾期未交付的订单取消",
            "expire vouchers (unused balance back to the programme); lapse orders past the delivery grace period",
        )
    }

    fn run<'a>(&'a self, cx: &'a Context<'a>) -> Work<'a> {
        Box::pin(async move {
            let sys = cx.system();
            let r = cx.db(move |c| services::expiry::run(c, sys.cx())).await?;
            Ok(Outcome::done(
                r.expired + r.lapsed_orders.len(),
                serde_json::json!({ "expired": r.expired, "returned": r.returned, "lapsed_orders": r.lapsed_orders }),
            ))
        })
    }
}
