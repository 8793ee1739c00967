//! Scheduled jobs. tokio-cron-scheduler fires each job on its cron expression; every
//! run first claims the unique (job, time slot) row in `job_runs`, so a slot runs once
//! however many server processes fire it, and a slot claimed by a process that died
//! is not run again (its row is recorded as interrupted when its heartbeat stops).
//! Administrators run a job by hand for a given slot (CLI, admin endpoint) with the
//! same once-per-slot rule; only a failed or interrupted slot may be run again.
//!
//! The rooms: `runner.rs` claims slots, runs bodies and records runs; `schedule.rs`
//! reads the cron expressions; `views.rs` is what administrators see. Each job is one
//! file with one `run` function: what it does is a use case in `services`, idempotent in
//! itself, so a later slot picks up whatever an interrupted one left. Adding a job is
//! its file, a variant of [`Job`], its words in [`Job::words`] and a line in `Job::run`.

mod appeal_deadlines;
mod entitlements;
mod housekeeping;
mod lottery_draw;
mod outbox_dispatch;
mod provider_notices;
mod redemption_notices;
mod runner;
mod schedule;
mod settlement;
mod spot_check_deadlines;
mod views;
mod voucher_expiry;
mod voucher_expiry_reminders;

pub use runner::{Deps, OnDrawn, RunOrigin, Runner};
pub use schedule::{manual_slot, schedule_words, Schedules};
pub use views::{list_jobs, list_runs, parse_job, JobRunView, JobView};

use crate::db::DbConnection;
use crate::domain::id::JobRunId;
use crate::error::AppResult;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Every job hechuang runs, by its wire name.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Job {
    /// Sends due outbox emails.
    OutboxDispatch,
    /// Writes the 30- and 7-day voucher expiry reminders.
    VoucherExpiryReminders,
    /// Lists providers whose public notice ended without objection.
    ProviderNotices,
    /// Makes approved redemption items payable when their notice ended without objection.
    RedemptionNotices,
    /// Expires vouchers past their validity (the unused balance returns to the
    /// programme) and lapses orders that can no longer be delivered.
    VoucherExpiry,
    /// Prepares the settlement run of the month before the slot (China time).
    Settlement,
    /// Computes the subsidy entitlements of certified carriers due up to the slot's month.
    Entitlements,
    /// Draws lottery batches whose opening has come.
    LotteryDraw,
    /// Opens a finding for each spot check unanswered past its deadline.
    SpotCheckDeadlines,
    /// Escalates each appeal still open past its deadline to the administrators.
    AppealDeadlines,
    /// Records dead runs as interrupted; prunes old job runs, sign-in attempts and
    /// expired refresh tokens.
    Housekeeping,
}

impl Job {
    pub const ALL: [Job; 11] = [
        Job::OutboxDispatch,
        Job::VoucherExpiryReminders,
        Job::ProviderNotices,
        Job::RedemptionNotices,
        Job::VoucherExpiry,
        Job::Settlement,
        Job::Entitlements,
        Job::LotteryDraw,
        Job::SpotCheckDeadlines,
        Job::AppealDeadlines,
        Job::Housekeeping,
    ];

    /// The wire name (the `job_runs.job` column, the API's and the CLI's job name) and
    /// what the job does, in Chinese and in English, for the jobs page.
    fn words(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Job::OutboxDispatch => (
                "outbox_dispatch",
                "发送待发邮件",
                "send due emails from the outbox",
            ),
            Job::VoucherExpiryReminders => (
                "voucher_expiry_reminders",
                "合创券到期提醒（提前 30 天、7 天）",
                "voucher expiry reminders, 30 and 7 days ahead",
            ),
            Job::ProviderNotices => (
                "provider_notices",
                "公示期满的服务机构入库",
                "list providers whose public notice ended without objection",
            ),
            Job::RedemptionNotices => (
                "redemption_notices",
                "公示期满的兑现事项转为待拨付",
                "make approved redemption items payable when their notice ended without objection",
            ),
            Job::VoucherExpiry => (
                "voucher_expiry",
                "合创券到期：未用余额退回项目资金，逾期未交付的订单取消",
                "expire vouchers (unused balance back to the programme); lapse orders past the delivery grace period",
            ),
            Job::Settlement => (
                "settlement",
                "编制上月结算批次",
                "prepare the settlement run of the month before",
            ),
            Job::Entitlements => (
                "entitlements",
                "计算载体补贴、奖励事项并进入公示",
                "compute the subsidy entitlements of certified carriers due up to this month",
            ),
            Job::LotteryDraw => (
                "lottery_draw",
                "到点摇号",
                "draw lottery batches at their opening",
            ),
            Job::SpotCheckDeadlines => (
                "spot_check_deadlines",
                "回访抽查逾期未答复的转为核查事项",
                "open a finding for each spot check unanswered past its deadline",
            ),
            Job::AppealDeadlines => (
                "appeal_deadlines",
                "超过处理期限的申诉提醒管理员",
                "tell the administrators of each appeal still open past its deadline",
            ),
            Job::Housekeeping => (
                "housekeeping",
                "清理：标记中断的任务，删除过期的运行记录、登录记录和过期令牌，汇总概览计数",
                "record dead runs as interrupted; prune old job runs, sign-in attempts, expired refresh tokens and emailed links; add up the overview's counts",
            ),
        }
    }

    /// Does the slot's work: the job's file. A failure is said as text and recorded on
    /// the run.
    fn run<'a>(self, cx: &'a Context<'a>) -> Work<'a> {
        match self {
            Job::OutboxDispatch => Box::pin(outbox_dispatch::run(cx)),
            Job::VoucherExpiryReminders => Box::pin(voucher_expiry_reminders::run(cx)),
            Job::ProviderNotices => Box::pin(provider_notices::run(cx)),
            Job::RedemptionNotices => Box::pin(redemption_notices::run(cx)),
            Job::VoucherExpiry => Box::pin(voucher_expiry::run(cx)),
            Job::Settlement => Box::pin(settlement::run(cx)),
            Job::Entitlements => Box::pin(entitlements::run(cx)),
            Job::LotteryDraw => Box::pin(lottery_draw::run(cx)),
            Job::SpotCheckDeadlines => Box::pin(spot_check_deadlines::run(cx)),
            Job::AppealDeadlines => Box::pin(appeal_deadlines::run(cx)),
            Job::Housekeeping => Box::pin(housekeeping::run(cx)),
        }
    }

    pub fn as_str(self) -> &'static str {
        self.words().0
    }

    pub fn parse(s: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|j| j.as_str() == s)
    }

    /// What the job does, in Chinese and in English.
    pub fn describe(self) -> (&'static str, &'static str) {
        let (_, zh, en) = self.words();
        (zh, en)
    }

    /// What the job does as a title in the reader's language (English capitalised).
    pub fn title(self, en: bool) -> String {
        let (zh, e) = self.describe();
        if en {
            let mut c = e.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        } else {
            zh.to_string()
        }
    }
}

/// The work of one run, as a future the runner awaits.
type Work<'a> = Pin<Box<dyn Future<Output = Result<Outcome, String>> + Send + 'a>>;

/// What a finished job body reports.
struct Outcome {
    items: i64,
    detail: serde_json::Value,
    interrupted: bool,
}

impl Outcome {
    fn done(items: usize, detail: serde_json::Value) -> Self {
        Outcome { items: i64::try_from(items).unwrap_or(i64::MAX), detail, interrupted: false }
    }

    fn interrupted(items: usize, detail: serde_json::Value) -> Self {
        Outcome { interrupted: true, ..Outcome::done(items, detail) }
    }
}

/// What a job body is handed: the runner's dependencies, the run and its time.
struct Context<'a> {
    runner: &'a Arc<Runner>,
    run_id: &'a JobRunId,
    now: NaiveDateTime,
}

impl Context<'_> {
    fn deps(&self) -> &Deps {
        self.runner.deps()
    }

    /// The context of a use case the system runs as this job, now.
    fn system(&self) -> crate::services::Context {
        crate::services::Context {
            now: self.now,
            actor: crate::services::Actor::system(),
            policy: Arc::clone(&self.deps().policy),
            templates: Arc::clone(&self.deps().templates),
        }
    }

    /// Runs the use case `f` as the system, now, on a pooled connection off the async
    /// threads; errors as text.
    async fn as_system<T, F>(&self, f: F) -> Result<T, String>
    where
        T: Send + 'static,
        F: for<'x> FnOnce(&mut DbConnection, crate::services::Cx<'x>) -> AppResult<T>
            + Send
            + 'static,
    {
        let sys = self.system();
        self.db(move |c| f(c, sys.cx())).await
    }

    /// Runs `f` on a pooled connection off the async threads; errors as text.
    async fn db<T, F>(&self, f: F) -> Result<T, String>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    {
        self.runner.blocking(f).await
    }
}
