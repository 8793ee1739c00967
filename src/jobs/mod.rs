//! Scheduled jobs. tokio-cron-scheduler fires each job on its cron expression; every
//! run first claims the unique (job, time slot) row in `job_runs`, so a slot runs once
//! however many server processes fire it, and a slot claimed by a process that died
//! is not run again (its row is recorded as interrupted when its heartbeat stops).
//! Administrators run a job by hand for a given slot (CLI, admin endpoint) with the
//! same once-per-slot rule; only a failed or interrupted slot may be run again.
//!
//! What each job does is a use case in `services`, idempotent in itself: a later slot
//! picks up whatever an interrupted one left.

use crate::clock::Clock;
use crate::config::JobsSettings;
use crate::db::{jobs as repo, models::JobRunRow, DbConnection, Pool};
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::notify::transport::{build_message, Transport};
use crate::notify::Templates;
use crate::services::outbox::{Delivery, Retry};
use crate::services::{self, Actor, Page, Paged};
use chrono::{NaiveDateTime, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds};
use croner::Cron;
use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Every job hechuang runs.
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
    /// Records dead runs as interrupted; prunes old job runs, sign-in attempts and
    /// expired refresh tokens.
    Housekeeping,
}

impl Job {
    pub const ALL: [Job; 9] = [
        Job::OutboxDispatch,
        Job::VoucherExpiryReminders,
        Job::ProviderNotices,
        Job::RedemptionNotices,
        Job::VoucherExpiry,
        Job::Settlement,
        Job::Entitlements,
        Job::LotteryDraw,
        Job::Housekeeping,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Job::OutboxDispatch => "outbox_dispatch",
            Job::VoucherExpiryReminders => "voucher_expiry_reminders",
            Job::ProviderNotices => "provider_notices",
            Job::RedemptionNotices => "redemption_notices",
            Job::VoucherExpiry => "voucher_expiry",
            Job::Settlement => "settlement",
            Job::Entitlements => "entitlements",
            Job::LotteryDraw => "lottery_draw",
            Job::Housekeeping => "housekeeping",
        }
    }

    pub fn parse(s: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|j| j.as_str() == s)
    }

    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            Job::OutboxDispatch => ("发送待发邮件", "send due emails from the outbox"),
            Job::VoucherExpiryReminders => (
                "合创券到期提醒（提前 30 天、7 天）",
                "voucher expiry reminders, 30 and 7 days ahead",
            ),
            Job::ProviderNotices => (
                "公示期满的服务机构入库",
                "list providers whose public notice ended without objection",
            ),
            Job::RedemptionNotices => (
                "公示期满的兑现事项转为待拨付",
                "make approved redemption items payable when their notice ended without objection",
            ),
            Job::VoucherExpiry => (
                "合创券到期：未用余额退回项目资金，逾期未交付的订单取消",
                "expire vouchers (unused balance back to the programme); lapse orders past the delivery grace period",
            ),
            Job::Settlement => (
                "编制上月结算批次",
                "prepare the settlement run of the month before",
            ),
            Job::Entitlements => (
                "计算载体补贴、奖励事项并进入公示",
                "compute the subsidy entitlements of certified carriers due up to this month",
            ),
            Job::LotteryDraw => ("到点摇号", "draw lottery batches at their opening"),
            Job::Housekeeping => (
                "清理：标记中断的任务，删除过期的运行记录、登录记录和过期令牌",
                "record dead runs as interrupted; prune old job runs, sign-in attempts, expired refresh tokens and emailed links",
            ),
        }
    }
}

/// The cron expressions, read in the configured time zone.
pub struct Schedules {
    tz: Tz,
    crons: BTreeMap<Job, Option<(String, Cron)>>,
}

impl std::fmt::Debug for Schedules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m: BTreeMap<&str, Option<&str>> = Job::ALL
            .iter()
            .map(|j| (j.as_str(), self.expression(*j)))
            .collect();
        f.debug_struct("Schedules")
            .field("tz", &self.tz.name())
            .field("crons", &m)
            .finish()
    }
}

impl Schedules {
    /// Every job needs an entry (`off` to leave it unscheduled); an unknown job name
    /// or a bad expression is an error.
    pub fn from_settings(s: &JobsSettings) -> Result<Schedules, String> {
        let tz: Tz = s
            .timezone
            .parse()
            .map_err(|_| format!("jobs.timezone {:?} is not a time zone", s.timezone))?;
        for name in s.schedules.keys() {
            if Job::parse(name).is_none() {
                return Err(format!(
                    "jobs.schedules.{name}: no such job (jobs: {})",
                    Job::ALL.map(Job::as_str).join(", ")
                ));
            }
        }
        let parser = CronParser::builder()
            .seconds(Seconds::Required)
            .dom_and_dow(true)
            .build();
        let mut crons = BTreeMap::new();
        for job in Job::ALL {
            let expr = s
                .schedules
                .get(job.as_str())
                .ok_or_else(|| {
                    format!(
                        "jobs.schedules.{} is missing (use \"off\" to disable it)",
                        job.as_str()
                    )
                })?
                .trim()
                .to_string();
            let cron = if expr == "off" {
                None
            } else {
                let c = parser
                    .parse(&expr)
                    .map_err(|e| format!("jobs.schedules.{}: {expr:?}: {e}", job.as_str()))?;
                Some((expr, c))
            };
            crons.insert(job, cron);
        }
        Ok(Schedules { tz, crons })
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    pub fn expression(&self, job: Job) -> Option<&str> {
        self.crons
            .get(&job)
            .and_then(|c| c.as_ref())
            .map(|(e, _)| e.as_str())
    }

    fn cron(&self, job: Job) -> Option<&Cron> {
        self.crons
            .get(&job)
            .and_then(|c| c.as_ref())
            .map(|(_, c)| c)
    }

    fn local(&self, t: NaiveDateTime) -> chrono::DateTime<Tz> {
        self.tz.from_utc_datetime(&t.trunc_subsecs(0))
    }

    /// The slot a run at `t` belongs to: the latest scheduled instant at or before `t`
    /// (for an unscheduled job, `t` to the second).
    pub fn slot_at(&self, job: Job, t: NaiveDateTime) -> NaiveDateTime {
        self.cron(job)
            .and_then(|c| c.find_previous_occurrence(&self.local(t), true).ok())
            .map(|d| d.naive_utc())
            .unwrap_or_else(|| t.trunc_subsecs(0))
    }

    /// Whether `t` is one of the job's scheduled instants.
    pub fn is_slot(&self, job: Job, t: NaiveDateTime) -> bool {
        if t.trunc_subsecs(0) != t {
            return false;
        }
        match self.cron(job) {
            Some(c) => c.is_time_matching(&self.local(t)).unwrap_or(false),
            None => true,
        }
    }

    /// The first scheduled instant after `t`.
    pub fn next_after(&self, job: Job, t: NaiveDateTime) -> Option<NaiveDateTime> {
        self.cron(job)
            .and_then(|c| c.find_next_occurrence(&self.local(t), false).ok())
            .map(|d| d.naive_utc())
    }
}

/// Told which batches a lottery draw allocated.
pub type OnDrawn = Arc<dyn Fn(&[String]) + Send + Sync>;

/// What the jobs need from the rest of the application.
pub struct Deps {
    pub pool: Pool,
    pub clock: Clock,
    pub templates: Arc<Templates>,
    pub policy: Arc<crate::domain::Policy>,
    pub transport: Arc<Transport>,
    pub from: Mailbox,
    pub message_id_host: String,
    pub retry: Retry,
    pub batch_size: i64,
    pub lease_secs: i64,
    pub keep_runs_days: i64,
    pub keep_sign_in_records_days: i64,
    pub stale_after_secs: i64,
    pub heartbeat: Duration,
    /// Told which batches a lottery draw allocated (the claim engine forgets them).
    pub on_drawn: Option<OnDrawn>,
}

/// Who asked for a run.
#[derive(Debug, Clone)]
pub enum RunOrigin {
    Schedule,
    /// By hand: an administrator (with their user id) or the CLI (none).
    Manual {
        user_id: Option<String>,
    },
}

/// What a finished job body reports.
struct Outcome {
    items: i64,
    detail: serde_json::Value,
    interrupted: bool,
}

impl Outcome {
    fn done(items: i64, detail: serde_json::Value) -> Self {
        Outcome {
            items,
            detail,
            interrupted: false,
        }
    }
}

pub struct Runner {
    deps: Deps,
    schedules: Schedules,
    /// host:pid:uuid, recorded on every run this process makes.
    id: String,
    stop: watch::Sender<bool>,
    running: watch::Sender<usize>,
    /// Jobs running in this process now: a scheduled tick of one of them is skipped.
    active: Mutex<BTreeSet<Job>>,
    scheduler: tokio::sync::Mutex<Option<tokio_cron_scheduler::JobScheduler>>,
}

/// Removes a job from the active set and counts the run finished, however it ends.
struct Running<'a> {
    runner: &'a Runner,
    job: Option<Job>,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if let Some(job) = self.job {
            self.runner
                .active
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&job);
        }
        self.runner
            .running
            .send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Runner {
    pub fn new(deps: Deps, schedules: Schedules) -> Arc<Runner> {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
        let short = new_id();
        let id = format!(
            "{host}:{}:{}",
            std::process::id(),
            &short[short.len().saturating_sub(8)..]
        );
        Arc::new(Runner {
            deps,
            schedules,
            id,
            stop: watch::channel(false).0,
            running: watch::channel(0).0,
            active: Mutex::new(BTreeSet::new()),
            scheduler: tokio::sync::Mutex::new(None),
        })
    }

    pub fn schedules(&self) -> &Schedules {
        &self.schedules
    }

    pub fn runner_id(&self) -> &str {
        &self.id
    }

    pub fn transport(&self) -> &Transport {
        &self.deps.transport
    }

    /// Starts firing the scheduled jobs. Runs whose process died (heartbeat stale) are
    /// recorded as interrupted first.
    pub async fn start(self: &Arc<Self>) -> anyhow::Result<()> {
        let now = self.deps.clock.now();
        let stale = self.stale_cutoff(now);
        let n = self
            .blocking(move |c| Ok(repo::interrupt(c, Some(stale), None, now, DIED)?))
            .await
            .map_err(anyhow::Error::msg)?;
        if n > 0 {
            tracing::warn!(
                runs = n,
                "job runs of a stopped process recorded as interrupted"
            );
        }
        let sched = tokio_cron_scheduler::JobScheduler::new().await?;
        for job in Job::ALL {
            let Some(expr) = self.schedules.expression(job) else {
                continue;
            };
            let me = Arc::clone(self);
            let j = tokio_cron_scheduler::Job::new_async_tz(
                expr,
                self.schedules.timezone(),
                move |_id, _sched| {
                    let me = Arc::clone(&me);
                    Box::pin(async move { me.run_scheduled(job).await })
                },
            )
            .map_err(|e| anyhow::anyhow!("scheduling {}: {e}", job.as_str()))?;
            sched.add(j).await?;
        }
        sched.start().await?;
        *self.scheduler.lock().await = Some(sched);
        Ok(())
    }

    fn stale_cutoff(&self, now: NaiveDateTime) -> NaiveDateTime {
        now - chrono::Duration::seconds(self.deps.stale_after_secs)
    }

    /// A scheduled tick: runs the slot unless this process is still running the job
    /// or another process (or an earlier run) has the slot.
    pub async fn run_scheduled(self: &Arc<Self>, job: Job) {
        if *self.stop.borrow() {
            return;
        }
        let slot = self.schedules.slot_at(job, self.deps.clock.now());
        match self.run(job, slot, RunOrigin::Schedule).await {
            Ok(Some(r)) if r.status == repo::FAILED => {
                tracing::warn!(job = job.as_str(), %slot, detail = ?r.detail, "job failed")
            }
            Ok(Some(r)) if r.items > 0 => {
                tracing::info!(job = job.as_str(), %slot, items = r.items, "job done")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(job = job.as_str(), %slot, error = %e, "job not run"),
        }
    }

    /// Runs `job` for `slot`. Returns the finished run, or `None` for a scheduled run
    /// whose slot is taken. A run by hand on a taken slot is refused
    /// (`job_slot_taken`) unless that slot failed or was interrupted.
    pub async fn run(
        self: &Arc<Self>,
        job: Job,
        slot: NaiveDateTime,
        origin: RunOrigin,
    ) -> AppResult<Option<JobRunRow>> {
        let scheduled = matches!(origin, RunOrigin::Schedule);
        if scheduled {
            let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
            if !active.insert(job) {
                tracing::debug!(job = job.as_str(), "still running here; tick skipped");
                return Ok(None);
            }
        }
        self.running.send_modify(|n| *n += 1);
        let _guard = Running {
            runner: self,
            job: scheduled.then_some(job),
        };
        if *self.stop.borrow() {
            return Err(AppError::unavailable("the server is stopping"));
        }
        let now = self.deps.clock.now();
        let (origin_name, requested_by) = match &origin {
            RunOrigin::Schedule => ("schedule", None),
            RunOrigin::Manual { user_id } => ("manual", user_id.clone()),
        };
        let row = JobRunRow {
            id: new_id(),
            job: job.as_str().into(),
            slot,
            origin: origin_name.into(),
            status: repo::RUNNING.into(),
            attempt: 1,
            runner: self.id.clone(),
            requested_by,
            started_at: now,
            heartbeat_at: now,
            finished_at: None,
            duration_ms: None,
            items: 0,
            detail: None,
        };
        let claim = row.clone();
        let claimed = self
            .blocking_app(move |c| {
                if repo::claim_slot(c, &claim)? {
                    return Ok(Ok(()));
                }
                if scheduled {
                    return Ok(Err(None));
                }
                if repo::retake_slot(c, &claim)? {
                    return Ok(Ok(()));
                }
                Ok(Err(repo::by_slot(c, &claim.job, claim.slot)?))
            })
            .await?;
        match claimed {
            Ok(()) => {}
            Err(None) => return Ok(None),
            Err(Some(existing)) => {
                return Err(AppError::conflict(
                    "job_slot_taken",
                    format!(
                        "任务 {} 的时段 {} 已运行（状态：{}，记录 {}）；只有失败或中断的时段可以重新运行",
                        job.as_str(),
                        slot,
                        existing.status,
                        existing.id
                    ),
                    format!(
                        "job {} already ran for slot {} (status {}, run {}); only a failed or interrupted slot can be run again",
                        job.as_str(),
                        slot,
                        existing.status,
                        existing.id
                    ),
                ))
            }
        }

        let started = Instant::now();
        let heartbeat = self.spawn_heartbeat(row.id.clone());
        let result = self.body(job, &row.id).await;
        heartbeat.abort();
        let (status, items, detail) = match result {
            Ok(o) if o.interrupted => (repo::INTERRUPTED, o.items, o.detail),
            Ok(o) => (repo::SUCCEEDED, o.items, o.detail),
            Err(e) => (repo::FAILED, 0, serde_json::json!({ "error": e })),
        };
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let id = row.id.clone();
        let finished_at = self.deps.clock.now();
        let detail_text = detail.to_string();
        let finished = self
            .blocking_app(move |c| {
                repo::finish(
                    c,
                    &id,
                    status,
                    finished_at,
                    duration_ms,
                    items,
                    Some(&detail_text),
                )?;
                repo::get(c, &id)?.ok_or_else(|| AppError::not_found("job run"))
            })
            .await?;
        Ok(Some(finished))
    }

    fn spawn_heartbeat(self: &Arc<Self>, run_id: String) -> tokio::task::JoinHandle<()> {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(me.deps.heartbeat);
            tick.tick().await;
            loop {
                tick.tick().await;
                let id = run_id.clone();
                let now = me.deps.clock.now();
                if let Err(e) = me
                    .blocking(move |c| Ok(repo::heartbeat(c, &id, now)?))
                    .await
                {
                    tracing::warn!(error = %e, "job heartbeat failed");
                }
            }
        })
    }

    async fn body(self: &Arc<Self>, job: Job, run_id: &str) -> Result<Outcome, String> {
        let now = self.deps.clock.now();
        let templates = Arc::clone(&self.deps.templates);
        match job {
            Job::OutboxDispatch => self.dispatch(run_id).await,
            Job::VoucherExpiryReminders => {
                let n = self
                    .blocking(move |c| services::reminders::send_due(c, &templates, now))
                    .await?;
                Ok(Outcome::done(
                    n as i64,
                    serde_json::json!({ "reminders": n }),
                ))
            }
            Job::ProviderNotices => {
                let r = self
                    .blocking(move |c| {
                        services::providers::conclude_notices(c, &templates, now, &Actor::system())
                    })
                    .await?;
                Ok(Outcome::done(
                    r.listed.len() as i64,
                    serde_json::json!({ "listed": r.listed, "awaiting_objections": r.awaiting_objections }),
                ))
            }
            Job::RedemptionNotices => {
                let r = self
                    .blocking(move |c| {
                        services::redemptions::conclude_notices(c, now, &Actor::system())
                    })
                    .await?;
                Ok(Outcome::done(
                    r.payable.len() as i64,
                    serde_json::json!({ "payable": r.payable, "awaiting_objections": r.awaiting_objections }),
                ))
            }
            Job::VoucherExpiry => {
                let policy = Arc::clone(&self.deps.policy);
                let r = self
                    .blocking(move |c| {
                        services::expiry::run(c, &templates, &policy, now, &Actor::system())
                    })
                    .await?;
                Ok(Outcome::done(
                    (r.expired + r.lapsed_orders.len()) as i64,
                    serde_json::json!({ "expired": r.expired, "returned": r.returned, "lapsed_orders": r.lapsed_orders }),
                ))
            }
            Job::Entitlements => {
                let as_of = crate::domain::settlement::Period::of(now);
                let policy = Arc::clone(&self.deps.policy);
                let r = self
                    .blocking(move |c| {
                        services::subsidies::compute(c, &policy, as_of, now, &Actor::system())
                    })
                    .await?;
                Ok(Outcome::done(
                    r.created.len() as i64,
                    serde_json::json!({
                        "as_of": r.as_of,
                        "created": r.created.len(),
                        "refused": r.refused,
                        "flagged": r.flagged,
                        "held_back": r.held_back.len(),
                    }),
                ))
            }
            Job::Settlement => {
                let period = crate::domain::settlement::Period::before(now);
                let r = self
                    .blocking(move |c| {
                        services::settlement::prepare(
                            c,
                            &templates,
                            period,
                            true,
                            now,
                            &Actor::system(),
                        )
                    })
                    .await?;
                Ok(Outcome::done(
                    i64::from(r.created),
                    serde_json::json!({
                        "period": period.to_string(),
                        "run": r.run.id,
                        "created": r.created,
                        "payouts": r.run.payout_count,
                        "total": r.run.total,
                        "held_back": r.run.held_back_count,
                    }),
                ))
            }
            Job::LotteryDraw => {
                let drawn = self
                    .blocking(move |c| services::lottery::draw_due(c, &templates, now))
                    .await?;
                if let Some(f) = &self.deps.on_drawn {
                    f(&drawn);
                }
                Ok(Outcome::done(
                    drawn.len() as i64,
                    serde_json::json!({ "drawn": drawn }),
                ))
            }
            Job::Housekeeping => {
                let stale = self.stale_cutoff(now);
                let keep = chrono::Duration::days(self.deps.keep_runs_days);
                let keep_sign_in = chrono::Duration::days(self.deps.keep_sign_in_records_days);
                let (interrupted, pruned, attempts, tokens, (links, unlocks)) = self
                    .blocking(move |c| {
                        let i = repo::interrupt(c, Some(stale), None, now, DIED)?;
                        let p = repo::prune(c, now - keep, now - chrono::Duration::days(1))?;
                        let a = crate::db::users::prune_login_attempts(c, now - keep_sign_in)?;
                        let t = crate::db::users::prune_refresh_tokens(c, now - keep_sign_in)?;
                        let l = crate::db::users::prune_email_links(c, now - keep_sign_in)?;
                        Ok((i, p, a, t, l))
                    })
                    .await?;
                Ok(Outcome::done(
                    (interrupted + pruned + attempts + tokens + links + unlocks) as i64,
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
        }
    }

    /// Sends due emails until none is due, or the server stops (the messages not yet
    /// sent are given back at once).
    async fn dispatch(self: &Arc<Self>, run_id: &str) -> Result<Outcome, String> {
        let mut stop = self.stop.subscribe();
        let (mut sent, mut retrying, mut failed) = (0_i64, 0_i64, 0_i64);
        let mut unreachable_in_a_row = 0;
        let detail = |s, r, f| serde_json::json!({ "sent": s, "retrying": r, "failed": f });
        loop {
            if *stop.borrow() {
                self.release(run_id).await;
                let mut o = Outcome::done(sent, detail(sent, retrying, failed));
                o.interrupted = true;
                return Ok(o);
            }
            let (run, now) = (run_id.to_string(), self.deps.clock.now());
            let (lease, limit) = (self.deps.lease_secs, self.deps.batch_size);
            let rows = self
                .blocking(move |c| services::outbox::lease(c, &run, now, lease, limit))
                .await?;
            if rows.is_empty() {
                return Ok(Outcome::done(sent, detail(sent, retrying, failed)));
            }
            for row in rows {
                let result = match build_message(&row, &self.deps.from, &self.deps.message_id_host)
                {
                    Ok(m) => {
                        let sent_or_stopped = tokio::select! {
                            r = self.deps.transport.send(m) => Some(r),
                            _ = stop.wait_for(|s| *s) => None,
                        };
                        match sent_or_stopped {
                            Some(r) => r,
                            None => {
                                self.release(run_id).await;
                                let mut o = Outcome::done(sent, detail(sent, retrying, failed));
                                o.interrupted = true;
                                return Ok(o);
                            }
                        }
                    }
                    Err(e) => Err(e),
                };
                let transient = matches!(&result, Err(e) if !e.permanent);
                let (run, now, retry) =
                    (run_id.to_string(), self.deps.clock.now(), self.deps.retry);
                let recorded = self
                    .blocking(move |c| services::outbox::record(c, &row, &run, result, retry, now))
                    .await;
                match recorded {
                    Ok(Delivery::Sent) => sent += 1,
                    Ok(Delivery::Retrying) => retrying += 1,
                    Ok(Delivery::Failed) => failed += 1,
                    Ok(Delivery::Lost) => {}
                    Err(e) => {
                        self.release(run_id).await;
                        return Err(e);
                    }
                }
                unreachable_in_a_row = if transient {
                    unreachable_in_a_row + 1
                } else {
                    0
                };
                if unreachable_in_a_row >= GIVE_UP_AFTER {
                    // The mail server is down or hanging: the other emails wait for the
                    // next slot instead of each spending an attempt (and a timeout).
                    self.release(run_id).await;
                    let mut d = detail(sent, retrying, failed);
                    d["stopped_early"] = serde_json::json!(format!(
                        "{GIVE_UP_AFTER} sends in a row failed for a reason that may pass; the rest wait for the next run"
                    ));
                    return Ok(Outcome::done(sent, d));
                }
            }
        }
    }

    async fn release(&self, run_id: &str) {
        let run = run_id.to_string();
        if let Err(e) = self
            .blocking(move |c| services::outbox::release(c, &run))
            .await
        {
            tracing::warn!(error = %e, "releasing leased emails failed; they wait for the lease to end");
        }
    }

    /// Stops firing jobs, asks running ones to stop, waits up to `grace` for them, and
    /// records whatever still runs as interrupted.
    pub async fn shutdown(&self, grace: Duration) {
        if let Some(mut s) = self.scheduler.lock().await.take() {
            if let Err(e) = s.shutdown().await {
                tracing::warn!(error = %e, "stopping the job scheduler");
            }
        }
        self.stop.send_replace(true);
        let mut running = self.running.subscribe();
        let all_done = tokio::time::timeout(grace, running.wait_for(|n| *n == 0)).await;
        if all_done.is_err() {
            let (me, now) = (self.id.clone(), self.deps.clock.now());
            match self
                .blocking(move |c| Ok(repo::interrupt(c, None, Some(&me), now, STOPPED)?))
                .await
            {
                Ok(n) => tracing::warn!(
                    runs = n,
                    "jobs still running at shutdown recorded as interrupted"
                ),
                Err(e) => tracing::error!(error = %e, "recording interrupted jobs"),
            }
        }
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, String>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    {
        self.blocking_app(f).await.map_err(|e| e.to_string())
    }

    async fn blocking_app<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    {
        services::on_pool(&self.deps.pool, f).await
    }
}

/// Transient send failures in a row after which a dispatch run stops.
const GIVE_UP_AFTER: u32 = 3;

const DIED: &str = r#"{"error":"the process running it stopped without finishing (no heartbeat)"}"#;
const STOPPED: &str = r#"{"error":"the server stopped before the run finished"}"#;

/// A job as administrators see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub name: Job,
    pub description: String,
    pub description_en: String,
    /// The cron expression (seconds first), or none when the job is not scheduled.
    pub schedule: Option<String>,
    pub timezone: String,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub next_slot: Option<NaiveDateTime>,
    pub last_run: Option<JobRunView>,
}

/// One run of a job.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobRunView {
    pub id: String,
    pub job: String,
    /// The scheduled instant this run is for (UTC).
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub slot: NaiveDateTime,
    /// `schedule` or `manual`.
    pub origin: String,
    /// `running`, `succeeded`, `failed` or `interrupted`.
    pub status: String,
    pub attempt: i32,
    pub runner: String,
    pub requested_by: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub started_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub heartbeat_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub finished_at: Option<NaiveDateTime>,
    pub duration_ms: Option<i64>,
    /// How many things the run did (emails sent, reminders written, ...).
    pub items: i64,
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
}

impl From<JobRunRow> for JobRunView {
    fn from(r: JobRunRow) -> Self {
        JobRunView {
            detail: r
                .detail
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok()),
            id: r.id,
            job: r.job,
            slot: r.slot,
            origin: r.origin,
            status: r.status,
            attempt: r.attempt,
            runner: r.runner,
            requested_by: r.requested_by,
            started_at: r.started_at,
            heartbeat_at: r.heartbeat_at,
            finished_at: r.finished_at,
            duration_ms: r.duration_ms,
            items: r.items,
        }
    }
}

pub fn parse_job(name: &str) -> AppResult<Job> {
    Job::parse(name).ok_or_else(|| AppError::not_found("job"))
}

/// Every job with its schedule, next slot and latest run.
pub fn list_jobs(
    conn: &mut DbConnection,
    schedules: &Schedules,
    now: NaiveDateTime,
) -> AppResult<Vec<JobView>> {
    Job::ALL
        .into_iter()
        .map(|job| {
            let (zh, en) = job.describe();
            Ok(JobView {
                name: job,
                description: zh.into(),
                description_en: en.into(),
                schedule: schedules.expression(job).map(str::to_string),
                timezone: schedules.timezone().name().to_string(),
                next_slot: schedules.next_after(job, now),
                last_run: repo::last(conn, job.as_str())?.map(Into::into),
            })
        })
        .collect()
}

pub fn list_runs(
    conn: &mut DbConnection,
    job: Option<&str>,
    status: Option<&str>,
    page: Page,
) -> AppResult<Paged<JobRunView>> {
    if let Some(j) = job {
        parse_job(j)?;
    }
    if let Some(s) = status {
        if !repo::STATUSES.contains(&s) {
            return Err(AppError::bad_request(
                "status_invalid",
                "状态应为 running、succeeded、failed 或 interrupted",
                "status must be running, succeeded, failed or interrupted",
            ));
        }
    }
    let (rows, total) = repo::list(conn, job, status, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(Into::into).collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

/// The slot a run by hand is for: `requested` if it is a scheduled instant not in the
/// future, else the latest slot at or before `now`.
pub fn manual_slot(
    schedules: &Schedules,
    job: Job,
    requested: Option<chrono::DateTime<Utc>>,
    now: NaiveDateTime,
) -> AppResult<NaiveDateTime> {
    let Some(at) = requested.map(|t| t.naive_utc()) else {
        return Ok(schedules.slot_at(job, now));
    };
    if at > now {
        return Err(AppError::rule(
            "job_slot_in_future",
            "不能为尚未到来的时段运行任务",
            "a job cannot be run for a slot that has not come yet",
        ));
    }
    if !schedules.is_slot(job, at) {
        let hint = schedules.slot_at(job, at);
        return Err(AppError::rule(
            "job_slot_invalid",
            format!(
                "{} 不是任务 {} 的计划时间（{}，时区 {}）；最近的时段为 {}",
                at,
                job.as_str(),
                schedules.expression(job).unwrap_or("off"),
                schedules.timezone().name(),
                hint
            ),
            format!(
                "{at} is not a scheduled instant of job {} ({}, time zone {}); the latest before it is {hint}",
                job.as_str(),
                schedules.expression(job).unwrap_or("off"),
                schedules.timezone().name()
            ),
        ));
    }
    Ok(at)
}

/// A six-field cron expression (second, minute, hour, day of month, month, day of week)
/// in words, Chinese and English, for the shapes schedules take (every N seconds, every
/// minute or hour at a mark, daily, monthly, weekly); None for any other shape, which is
/// then shown as written.
pub fn schedule_words(expr: &str) -> Option<(String, String)> {
    let f: Vec<&str> = expr.split_whitespace().collect();
    let [sec, min, hour, dom, month, dow] = f.as_slice() else {
        return None;
    };
    let num = |s: &str, max: u32| s.parse::<u32>().ok().filter(|n| *n <= max);
    if *month != "*" {
        return None;
    }
    let all = |x: &&str| *x == "*";
    match (num(sec, 59), num(min, 59), num(hour, 23)) {
        _ if [sec, min, hour, dom, dow].iter().all(|x| all(x)) => {
            Some(("每秒".into(), "every second".into()))
        }
        _ if [min, hour, dom, dow].iter().all(|x| all(x)) => {
            if let Some(n) = sec
                .strip_prefix("*/")
                .and_then(|n| num(n, 59))
                .filter(|n| *n > 0)
            {
                return Some((format!("每 {n} 秒"), format!("every {n} seconds")));
            }
            let s = num(sec, 59)?;
            Some((
                format!("每分钟第 {s} 秒"),
                format!("every minute, at second {s}"),
            ))
        }
        (Some(s), Some(m), None) if [hour, dom, dow].iter().all(|x| all(x)) => Some((
            format!(
                "每小时第 {m} 分{}",
                if s > 0 {
                    format!(" {s} 秒")
                } else {
                    String::new()
                }
            ),
            format!(
                "every hour, at minute {m}{}",
                if s > 0 {
                    format!(":{s:02}")
                } else {
                    String::new()
                }
            ),
        )),
        (Some(s), Some(m), Some(h)) => {
            let at = if s > 0 {
                format!("{h:02}:{m:02}:{s:02}")
            } else {
                format!("{h:02}:{m:02}")
            };
            match (*dom, *dow) {
                ("*", "*") => Some((format!("每天 {at}"), format!("every day at {at}"))),
                (d, "*") => {
                    let d = num(d, 31).filter(|d| *d >= 1)?;
                    Some((
                        format!("每月 {d} 日 {at}"),
                        format!("on day {d} of every month at {at}"),
                    ))
                }
                ("*", w) => {
                    let w = num(w, 7)? % 7;
                    let zh = ["日", "一", "二", "三", "四", "五", "六"][w as usize];
                    let en = [
                        "Sunday",
                        "Monday",
                        "Tuesday",
                        "Wednesday",
                        "Thursday",
                        "Friday",
                        "Saturday",
                    ][w as usize];
                    Some((format!("每周{zh} {at}"), format!("every {en} at {at}")))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn schedules_read_in_words() {
        let w = |e: &str| schedule_words(e).map(|(zh, en)| format!("{zh} | {en}"));
        assert_eq!(w("* * * * * *").unwrap(), "每秒 | every second");
        assert_eq!(w("*/5 * * * * *").unwrap(), "每 5 秒 | every 5 seconds");
        assert_eq!(
            w("30 * * * * *").unwrap(),
            "每分钟第 30 秒 | every minute, at second 30"
        );
        assert_eq!(
            w("0 17 * * * *").unwrap(),
            "每小时第 17 分 | every hour, at minute 17"
        );
        assert_eq!(w("0 0 9 * * *").unwrap(), "每天 09:00 | every day at 09:00");
        assert_eq!(w("0 5 0 * * *").unwrap(), "每天 00:05 | every day at 00:05");
        assert_eq!(
            w("0 0 2 1 * *").unwrap(),
            "每月 1 日 02:00 | on day 1 of every month at 02:00"
        );
        assert_eq!(
            w("0 30 8 * * 1").unwrap(),
            "每周一 08:30 | every Monday at 08:30"
        );
        // Anything else is shown as written.
        assert_eq!(w("0 0 9 * 1-5 *"), None);
        assert_eq!(w("0 0 9 L * *"), None);
        assert_eq!(w("0 0 25 * * *"), None);
        assert_eq!(w("off"), None);
    }

    fn schedules(pairs: &[(&str, &str)]) -> Result<Schedules, String> {
        let mut map: BTreeMap<String, String> = Job::ALL
            .iter()
            .map(|j| (j.as_str().to_string(), "off".to_string()))
            .collect();
        for (k, v) in pairs {
            map.insert(k.to_string(), v.to_string());
        }
        Schedules::from_settings(&JobsSettings {
            enabled: true,
            timezone: "Asia/Shanghai".into(),
            shutdown_grace_secs: 1,
            heartbeat_secs: 1,
            stale_after_secs: 5,
            keep_runs_days: 1,
            keep_sign_in_records_days: 1,
            schedules: map,
        })
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
    }

    #[test]
    fn slots_are_read_in_the_configured_time_zone() {
        // Daily at 09:00 in Shanghai is 01:00 UTC.
        let s = schedules(&[("voucher_expiry_reminders", "0 0 9 * * *")]).unwrap();
        let job = Job::VoucherExpiryReminders;
        assert_eq!(
            s.slot_at(job, utc(2026, 11, 23, 1, 0, 0)),
            utc(2026, 11, 23, 1, 0, 0)
        );
        assert_eq!(
            s.slot_at(job, utc(2026, 11, 23, 0, 59, 59)),
            utc(2026, 11, 22, 1, 0, 0)
        );
        assert_eq!(
            s.slot_at(job, utc(2026, 11, 23, 13, 30, 5)),
            utc(2026, 11, 23, 1, 0, 0)
        );
        assert!(s.is_slot(job, utc(2026, 11, 23, 1, 0, 0)));
        assert!(!s.is_slot(job, utc(2026, 11, 23, 9, 0, 0)));
        assert_eq!(
            s.next_after(job, utc(2026, 11, 23, 1, 0, 0)),
            Some(utc(2026, 11, 24, 1, 0, 0))
        );
    }

    #[test]
    fn every_five_seconds_has_a_slot_per_five_seconds() {
        let s = schedules(&[("outbox_dispatch", "*/5 * * * * *")]).unwrap();
        let t = utc(2026, 11, 23, 1, 2, 3) + chrono::Duration::milliseconds(700);
        assert_eq!(
            s.slot_at(Job::OutboxDispatch, t),
            utc(2026, 11, 23, 1, 2, 0)
        );
        assert!(!s.is_slot(Job::OutboxDispatch, utc(2026, 11, 23, 1, 2, 3)));
    }

    #[test]
    fn an_unscheduled_job_takes_any_whole_second() {
        let s = schedules(&[]).unwrap();
        let t = utc(2026, 11, 23, 1, 2, 3) + chrono::Duration::milliseconds(700);
        assert_eq!(s.slot_at(Job::Housekeeping, t), utc(2026, 11, 23, 1, 2, 3));
        assert!(s.is_slot(Job::Housekeeping, utc(2026, 11, 23, 1, 2, 3)));
        assert!(!s.is_slot(Job::Housekeeping, t));
        assert_eq!(s.expression(Job::Housekeeping), None);
    }

    #[test]
    fn bad_schedules_are_refused_with_the_job_named() {
        let e = schedules(&[("outbox_dispatch", "every five seconds")]).unwrap_err();
        assert!(e.contains("jobs.schedules.outbox_dispatch"), "{e}");
        // Five fields: seconds are required.
        assert!(schedules(&[("outbox_dispatch", "*/5 * * * *")]).is_err());
        let e = schedules(&[("outbox_dispach", "* * * * * *")]).unwrap_err();
        assert!(e.contains("no such job"), "{e}");
    }

    #[test]
    fn manual_slots_must_be_scheduled_and_past() {
        let s = schedules(&[("voucher_expiry_reminders", "0 0 9 * * *")]).unwrap();
        let job = Job::VoucherExpiryReminders;
        let now = utc(2026, 11, 23, 5, 0, 0);
        assert_eq!(
            manual_slot(&s, job, None, now).unwrap(),
            utc(2026, 11, 23, 1, 0, 0)
        );
        let at = |t: NaiveDateTime| Some(t.and_utc());
        assert_eq!(
            manual_slot(&s, job, at(utc(2026, 11, 20, 1, 0, 0)), now).unwrap(),
            utc(2026, 11, 20, 1, 0, 0)
        );
        assert_eq!(
            manual_slot(&s, job, at(utc(2026, 11, 24, 1, 0, 0)), now)
                .unwrap_err()
                .code,
            "job_slot_in_future"
        );
        assert_eq!(
            manual_slot(&s, job, at(utc(2026, 11, 20, 2, 0, 0)), now)
                .unwrap_err()
                .code,
            "job_slot_invalid"
        );
    }
}
