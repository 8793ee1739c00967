//! Lottery draw: draws the lottery batches whose opening has come, then tells the claim
//! engine which batches it allocated (so it forgets their queues).

use super::{BackgroundJob, Context, Outcome, Work};
use crate::services;

pub(super) struct LotteryDraw;

impl BackgroundJob for LotteryDraw {
    fn name(&self) -> &'static str {
        "lottery_draw"
    }

    fn describe(&self) -> (&'static str, &'static str) {
        ("到点摇号", "draw lottery batches at their opening")
    }

    fn run<'a>(&'a self, cx: &'a Context<'a>) -> Work<'a> {
        Box::pin(async move {
            let sys = cx.system();
            let drawn = cx
                .db(move |c| services::lottery::draw_due(c, sys.cx()))
                .await?;
            if let Some(f) = &cx.deps().on_drawn {
                f(&drawn);
            }
            Ok(Outcome::done(
                drawn.len(),
                serde_json::json!({ "drawn": drawn }),
            ))
        })
    }
}
