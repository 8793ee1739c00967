//! Housekeeping: records runs whose process died as interrupted; prunes old job runs,
//! sign-in attempts, expired refresh tokens and used or expired emailed links.

use super::runner::DIED;
use super::{Context, Outcome};
use crate::db::{jobs as repo, users};
use chrono::Duration;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let now = cx.now;
    let stale = cx.runner.stale_cutoff(now);
    let keep = Duration::days(cx.deps().keep_runs_days);
    let keep_sign_in = Duration::days(cx.deps().keep_sign_in_records_days);
    let (interrupted, pruned, attempts, tokens, (links, unlocks)) = cx
        .db(move |c| {
            let i = repo::interrupt(c, Some(stale), None, now, DIED)?;
            let p = repo::prune(c, now - keep, now - Duration::days(1))?;
            let a = users::prune_login_attempts(c, now - keep_sign_in)?;
            let t = users::prune_refresh_tokens(c, now - keep_sign_in)?;
            let l = users::prune_email_links(c, now - keep_sign_in)?;
            Ok((i, p, a, t, l))
        })
        .await?;
    Ok(Outcome::done(
        interrupted + pruned + attempts + tokens + links + unlocks,
        serde_json::json!({
            "interrupted": interrupted,
            "pruned_runs": pruned,
            "pruned_login_attempts": attempts,
            "pruned_refresh_tokens": tokens,
            "pruned_email_links": links,
            "pruned_unlocks": unlocks,
        }),
    ))
}
