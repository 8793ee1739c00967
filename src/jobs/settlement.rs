//! Settlement: prepares the settlement run of the month before the slot (China time),
//! or finds the one already prepared.

use super::{BackgroundJob, Context, Outcome, Work};
use crate::domain::settlement::Period;
use crate::services::{self};

pub(super) struct Settlement;

impl BackgroundJob for Settlement {
    fn name(&self) -> &'static str {
        "settlement"
    }

    fn describe(&self) -> (&'static str, &'static str) {
        (
            "编制上月结算批次",
            "prepare the settlement run of the month before",
        )
    }

    fn run<'a>(&'a self, cx: &'a Context<'a>) -> Work<'a> {
        Box::pin(async move {
            let sys = cx.system();
            let period = Period::before(sys.now);
            let r = cx
                .db(move |c| services::settlement::prepare(c, sys.cx(), period, true))
                .await?;
            Ok(Outcome::done(
                usize::from(r.created),
                serde_json::json!({
                    "period": period.to_string(),
                    "run": r.run.id,
                    "created": r.created,
                    "payouts": r.run.payout_count,
                    "total": r.run.total,
                    "held_back": r.run.held_back_count,
                }),
            ))
        })
    }
}
