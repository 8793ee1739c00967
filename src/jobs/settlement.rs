//! Settlement: prepares the settlement run of the month before the slot (China time),
//! or finds the one already prepared. A month with nothing to pay (or before the
//! programme began) is done with nothing made, not a failure.

use super::{Context, Outcome};
use crate::domain::settlement::Period;
use crate::error::ErrorCode;
use crate::services;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let period = Period::before(cx.now);
    let r = cx
        .as_system(move |c, sys| match services::settlement::prepare(c, sys, period, true) {
            Ok(r) => Ok(Some(r)),
            Err(e)
                if e.code.is(ErrorCode::NothingPayable)
                    || e.code.is(ErrorCode::PeriodBeforeProgramme) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        })
        .await?;
    let Some(r) = r else {
        let detail = serde_json::json!({ "period": period.to_string(), "nothing_payable": true });
        return Ok(Outcome::done(0, detail));
    };
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
