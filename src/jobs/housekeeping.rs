//! Housekeeping: records runs whose process died as interrupted; prunes old job runs,
//! sign-in attempts, expired refresh tokens and used or expired emailed links; adds
//! PostgreSQL's appended overview tally moves into the tallies (an overview adds them
//! too, so they never pile up where no one looks).

use super::runner::DIED;
use super::{Context, Outcome};
use crate::db::{jobs as repo, tallies, users};
use chrono::Duration;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let now = cx.now;
    let stale = cx.runner.stale_cutoff(now);
    let keep = Duration::days(cx.deps().keep_runs_days);
    let keep_sign_in = Duration::days(cx.deps().keep_sign_in_records_days);
    let (interrupted, pruned, attempts, tokens, (links, unlocks), folded) = cx
        .db(move |c| {
            let i = repo::interrupt(c, Some(stale), None, now, DIED)?;
            let p = repo::prune(c, now - keep, now - Duration::days(1))?;
            let a = users::prune_login_attempts(c, now - keep_sign_in)?;
            let t = users::prune_refresh_tokens(c, now - keep_sign_in)?;
            let l = users::prune_email_links(c, now - keep_sign_in)?;
            let f = tallies::fold(c)?;
            Ok((i, p, a, t, l, f))
        })
        .await?;
    Ok(Outcome::done(
        interrupted + pruned + attempts + tokens + links + unlocks + folded,
        serde_json::json!({
            "interrupted": interrupted,
            "pruned_runs": pruned,
            "pruned_login_attempts": attempts,
            "pruned_refresh_tokens": tokens,
            "pruned_email_links": links,
            "pruned_unlocks": unlocks,
            "folded_tallies": folded,
        }),
    ))
}
