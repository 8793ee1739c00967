//! Settlement: prepares the settlement run of the month before the slot (China time),
//! or finds the one already prepared.

use super::{Context, Outcome};
use crate::domain::settlement::Period;
use crate::services;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let period = Period::before(cx.now);
    let r = cx.as_system(move |c, sys| services::settlement::prepare(c, sys, period, true)).await?;
    let (run, created) = (r.run, r.created);
    let detail = serde_json::json!({
        "period": period.to_string(),
        "run": run.id,
        "created": created,
        "payouts": run.payout_count,
        "total": run.total,
        "held_back": run.held_back_count,
    });
    Ok(Outcome::done(usize::from(created), detail))
}
