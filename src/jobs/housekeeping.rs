//! Housekeeping: records runs whose process died as interrupted; prunes old job runs,
//! sign-in attempts, expired refresh tokens and used or expired emailed links.

use super::runner::DIED;
use super::{BackgroundJob, Context, Outcome, Work};
use crate::db::{jobs as repo, users};
use chrono::Duration;

pub(super) struct Housekeeping;

impl BackgroundJob for Housekeeping {
    fn name(&self) -> &'static str {
        "housekeeping"
    }

    fn describe(&self) -> (&'static str, &'static str) {
        (
            "清理：标记中断的任务，删除过期的运行记录、登录记录和过期令牌",
            "record dead runs as interrupted; prune old job runs, sign-in attempts, expired refresh tokens and emailed links",
        )
    }

    fn run<'a>(&'a self, cx: &'a Context<'a>) -> Work<'a> {
        Box::pin(async move {
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
        })
    }
}
