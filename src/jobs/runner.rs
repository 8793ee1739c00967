//! The runner: claims a job's slot in `job_runs`, runs the job's body with a
//! heartbeat, records how it ended, and stops running jobs on shutdown.

use super::{Context, Job, Outcome, Schedules};
use crate::clock::Clock;
use crate::db::{jobs as repo, models::JobRunRow, DbConnection, Pool};
use crate::domain::id::{JobRunId, UserId};
use crate::domain::new_id;
use crate::domain::operation::JobRunStatus;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::transport::Transport;
use crate::notify::Templates;
use crate::services::{self, outbox::Retry};
use chrono::NaiveDateTime;
use lettre::message::Mailbox;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Told which batches a lottery draw allocated.
pub type OnDrawn = Arc<dyn Fn(&[crate::domain::id::BatchId]) + Send + Sync>;

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
        user_id: Option<UserId>,
    },
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
            self.runner.active.lock().unwrap_or_else(|p| p.into_inner()).remove(&job);
        }
        self.runner.running.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Runner {
    pub fn new(deps: Deps, schedules: Schedules) -> Arc<Runner> {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
        let short = new_id();
        let id =
            format!("{host}:{}:{}", std::process::id(), &short[short.len().saturating_sub(8)..]);
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
            tracing::warn!(runs = n, "job runs of a stopped process recorded as interrupted");
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

    /// A scheduled tick: runs the slot unless this process is still running the job
    /// or another process (or an earlier run) has the slot.
    pub async fn run_scheduled(self: &Arc<Self>, job: Job) {
        if *self.stop.borrow() {
            return;
        }
        let slot = self.schedules.slot_at(job, self.deps.clock.now());
        match self.run(job, slot, RunOrigin::Schedule).await {
            Ok(Some(r)) if r.status == JobRunStatus::Failed => {
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
        let _guard = Running { runner: self, job: scheduled.then_some(job) };
        if *self.stop.borrow() {
            return Err(AppError::unavailable("the server is stopping"));
        }
        let now = self.deps.clock.now();
        let (origin_name, requested_by) = match &origin {
            RunOrigin::Schedule => ("schedule", None),
            RunOrigin::Manual { user_id } => ("manual", user_id.clone()),
        };
        let row = JobRunRow {
            id: JobRunId::new(),
            job: job.as_str().into(),
            slot,
            origin: origin_name.into(),
            status: JobRunStatus::Running,
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
                return Err(AppError::of(ErrorCode::JobSlotTaken)
                    .arg("job", job.as_str())
                    .arg("slot", slot)
                    .arg("status", existing.status)
                    .arg("run", &existing.id))
            }
        }

        let started = Instant::now();
        let heartbeat = self.spawn_heartbeat(row.id.clone());
        let result = self.body(job, &row.id).await;
        heartbeat.abort();
        let (status, items, detail) = match result {
            Ok(o) if o.interrupted => (JobRunStatus::Interrupted, o.items, o.detail),
            Ok(o) => (JobRunStatus::Succeeded, o.items, o.detail),
            Err(e) => (JobRunStatus::Failed, 0, serde_json::json!({ "error": e })),
        };
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let id = row.id.clone();
        let finished_at = self.deps.clock.now();
        let detail_text = detail.to_string();
        let finished = self
            .blocking_app(move |c| {
                repo::finish(c, &id, status, finished_at, duration_ms, items, Some(&detail_text))?;
                repo::get(c, &id)?.ok_or_else(|| AppError::not_found("job run"))
            })
            .await?;
        Ok(Some(finished))
    }

    fn spawn_heartbeat(self: &Arc<Self>, run_id: JobRunId) -> tokio::task::JoinHandle<()> {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(me.deps.heartbeat);
            tick.tick().await;
            loop {
                tick.tick().await;
                let id = run_id.clone();
                let now = me.deps.clock.now();
                if let Err(e) = me.blocking(move |c| Ok(repo::heartbeat(c, &id, now)?)).await {
                    tracing::warn!(error = %e, "job heartbeat failed");
                }
            }
        })
    }

    async fn body(self: &Arc<Self>, job: Job, run_id: &JobRunId) -> Result<Outcome, String> {
        let cx = Context { runner: self, run_id, now: self.deps.clock.now() };
        job.run(&cx).await
    }

    pub(super) fn deps(&self) -> &Deps {
        &self.deps
    }

    /// Told when the server is stopping.
    pub(super) fn stopping(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    pub(super) fn stale_cutoff(&self, now: NaiveDateTime) -> NaiveDateTime {
        now - chrono::Duration::seconds(self.deps.stale_after_secs)
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

    pub(super) async fn blocking<T, F>(&self, f: F) -> Result<T, String>
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

/// Recorded on a run whose process stopped sending heartbeats.
pub(super) const DIED: &str =
    r#"{"error":"the process running it stopped without finishing (no heartbeat)"}"#;
/// Recorded on a run still going when the server stopped.
const STOPPED: &str = r#"{"error":"the server stopped before the run finished"}"#;
