//! Redemption notices: makes approved redemption items payable when their public
//! notice ended without an objection.

use super::{BackgroundJob, Context, Outcome, Work};
use crate::services::{self};

pub(super) struct RedemptionNotices;

impl BackgroundJob for RedemptionNotices {
    fn name(&self) -> &'static str {
        "redemption_notices"
    }

    fn describe(&self) -> (&'static str, &'static str) {
        (
            "公示期满的兑现事项转为待拨付",
            "make approved redemption items payable when their notice ended without objection",
        )
    }

    fn run<'a>(&'a self, cx: &'a Context<'a>) -> Work<'a> {
        Box::pin(async move {
            let sys = cx.system();
            let r = cx
                .db(move |c| services::redemptions::conclude_notices(c, sys.cx()))
                .await?;
            Ok(Outcome::done(
                r.payable.len(),
                serde_json::json!({ "payable": r.payable, "awaiting_objections": r.awaiting_objections }),
            ))
        })
    }
}
