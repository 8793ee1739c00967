//! Entitlements: computes the subsidy and award entitlements of certified carriers due
//! up to the slot's month (China time) and puts them on public notice.

use super::{BackgroundJob, Context, Outcome, Work};
use crate::domain::settlement::Period;
use crate::services::{self};

pub(super) struct Entitlements;

impl BackgroundJob for Entitlements {
    fn name(&self) -> &'static str {
        "entitlements"
    }

    fn describe(&self) -> (&'static str, &'static str) {
        (
            "计算载体补贴、奖励事项并进入公示",
            "compute the subsidy entitlements of certified carriers due up to this month",
        )
    }

    fn run<'a>(&'a self, cx: &'a Context<'a>) -> Work<'a> {
        Box::pin(async move {
            let sys = cx.system();
            let as_of = Period::of(sys.now);
            let r = cx
                .db(move |c| services::subsidies::compute(c, sys.cx(), Some(as_of)))
                .await?;
            Ok(Outcome::done(
                r.created.len(),
                serde_json::json!({
                    "as_of": r.as_of,
                    "created": r.created.len(),
                    "refused": r.refused,
                    "flagged": r.flagged,
                    "held_back": r.held_back.len(),
                }),
            ))
        })
    }
}
