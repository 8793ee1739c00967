//! Jobs and their runs as administrators see them (API, page and CLI).

use super::{Job, Schedules};
use crate::db::{jobs as repo, models::JobRunRow, DbConnection};
use crate::domain::id::{JobRunId, UserId};
use crate::domain::listing::Filter;
use crate::domain::operation::JobRunStatus;
use crate::error::{AppError, AppResult};
use crate::services::listing::{Cell, Row};
use crate::services::{Page, Paged};
use chrono::NaiveDateTime;
use serde::Serialize;

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
    #[schema(value_type = String)]
    pub id: JobRunId,
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
            detail: r.detail.as_deref().and_then(|d| serde_json::from_str(d).ok()),
            id: r.id,
            job: r.job,
            slot: r.slot,
            origin: r.origin,
            status: r.status.to_string(),
            attempt: r.attempt,
            runner: r.runner,
            requested_by: r.requested_by.map(UserId::into_string),
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

/// Job runs as `f` asks, of one job or all (an unknown job is not found); with `idle`
/// also the scheduled runs that found nothing to do.
pub fn list_runs(
    conn: &mut DbConnection,
    f: &Filter<JobRunStatus>,
    job: Option<&str>,
    idle: bool,
    page: Page,
) -> AppResult<Paged<JobRunView>> {
    if let Some(j) = job {
        parse_job(j)?;
    }
    let (rows, total) = repo::list(conn, f, job, idle, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(Into::into).collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

impl Row for JobRunView {
    const COLUMNS: &'static [&'static str] =
        &["job", "slot", "started-by", "state", "started-at", "items-done", "duration-ms"];
    const FILE: &'static str = "job-runs";
    const SHEET: &'static str = "recent-runs";
    fn cells(&self, _policy: &crate::domain::Policy, en: bool) -> Vec<Cell> {
        vec![
            Cell::Text(Job::parse(&self.job).map_or_else(|| self.job.clone(), |j| j.title(en))),
            Cell::Time(self.slot),
            Cell::Words(if self.origin == "manual" { "by-hand" } else { "scheduled" }),
            Cell::Words(crate::i18n::job_run_state(&self.status)),
            Cell::Time(self.started_at),
            Cell::Count(self.items),
            self.duration_ms.map_or(Cell::Text(String::new()), Cell::Count),
        ]
    }
}
