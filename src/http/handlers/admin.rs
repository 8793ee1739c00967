//! Administration of the machinery: scheduled jobs and their runs, the email outbox.

use super::act;
use super::read;
use crate::domain::listing::BY_TIME;
use crate::domain::operation::{JobRunStatus, OutboxStatus};
use crate::error::Problem;
use crate::http::extract::{AdminRole, Auth};
use crate::http::Answer;
use crate::http::{optional_json, State};
use crate::jobs::{self, JobRunView, JobView, RunOrigin};
use crate::services::outbox::{self as outbox, OutboxView};
use crate::services::Paged;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

/// Every job: its schedule (cron, seconds first, in the configured time zone), next
/// slot and latest run.
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "operations", security(("bearer" = [])), responses(
    (status = 200, body = Vec<JobView>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/admin/jobs")]
pub async fn jobs_list(state: State, _auth: Auth<AdminRole>) -> Answer {
    let (runner, now) = (state.jobs.clone(), state.clock.now());
    read(&state, move |c| jobs::list_jobs(c, runner.schedules(), now)).await
}

crate::list_query! {
    /// The job runs' question: the shared parts, and the job.
    RunsQuery {
        /// Only this job's runs.
        job: Option<String>,
    }
}

/// Job runs with outcome and duration: searched by part of the job's code or the
/// runner; by state (`running`, `succeeded`, `failed`, `interrupted`), job and the days
/// started; newest (default) or oldest first; a page, or the list as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/admin/jobs/runs", tag = "operations", params(RunsQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of runs (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<JobRunView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/admin/jobs/runs")]
pub async fn job_runs(state: State, _auth: Auth<AdminRole>, q: web::Query<RunsQuery>) -> Answer {
    let job = filter(&q.job).map(str::to_string);
    super::lists::answer(&state, q.shared(), JobRunStatus::parse, BY_TIME, move |c, f, p| {
        jobs::list_runs(c, f, job.as_deref(), true, p)
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// The slot to run (a scheduled instant, not in the future); by default the latest.
    pub slot: Option<chrono::DateTime<chrono::Utc>>,
}

/// Run a job now for one slot and wait for it to finish. Once per slot, on every
/// server: a slot that ran already gets `job_slot_taken` unless it failed or was
/// interrupted.
#[utoipa::path(post, path = "/api/v1/admin/jobs/{job}/runs", tag = "operations", request_body(content = Option<RunRequest>),
    params(("job" = String, Path, description = "outbox_dispatch, voucher_expiry_reminders, provider_notices, redemption_notices, voucher_expiry, settlement, entitlements, lottery_draw, housekeeping")),
    security(("bearer" = [])), responses(
    (status = 201, body = JobRunView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/admin/jobs/{job}/runs")]
pub async fn run_job(
    state: State,
    auth: Auth<AdminRole>,
    path: Path<String>,
    body: web::Bytes,
) -> Answer {
    let job = jobs::parse_job(&path)?;
    let req = optional_json::<RunRequest>(&body)?;
    let slot = jobs::manual_slot(
        state.jobs.schedules(),
        job,
        req.and_then(|r| r.slot),
        state.clock.now(),
    )?;
    let run = state
        .jobs
        .run(job, slot, RunOrigin::Manual { user_id: auth.actor.user_id.clone() })
        .await?
        .ok_or_else(|| crate::error::AppError::internal("a run by hand was not run"))?;
    Ok(HttpResponse::Created().json(JobRunView::from(run)))
}

crate::list_query! {
    /// The outbox's question: the shared parts, and the template kind.
    OutboxQuery {
        /// The template kind, e.g. `claim_succeeded`.
        kind: Option<String>,
    }
}

/// Emails in the outbox: searched by part of the address, the recipient's name or the
/// subject; by state (`status=failed` lists those that ran out of attempts), kind and
/// the days written; newest (default) or oldest first; a page, or the list as CSV or
/// XLSX.
#[utoipa::path(get, path = "/api/v1/admin/outbox", tag = "operations", params(OutboxQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of emails (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<OutboxView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/admin/outbox")]
pub async fn outbox_list(
    state: State,
    _auth: Auth<AdminRole>,
    q: web::Query<OutboxQuery>,
) -> Answer {
    let kind = filter(&q.kind).map(str::to_string);
    super::lists::answer(&state, q.shared(), OutboxStatus::parse, BY_TIME, move |c, f, p| {
        outbox::list(c, f, kind.as_deref(), p)
    })
    .await
}

/// One email.
#[utoipa::path(get, path = "/api/v1/admin/outbox/{id}", tag = "operations", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = OutboxView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/admin/outbox/{id}")]
pub async fn outbox_get(
    state: State,
    _auth: Auth<AdminRole>,
    path: Path<crate::domain::id::EmailId>,
) -> Answer {
    read(&state, move |c| outbox::get(c, &path)).await
}

/// Send a failed email again: it goes back in the queue, due now, with its attempts
/// counted afresh.
#[utoipa::path(post, path = "/api/v1/admin/outbox/{id}/retry", tag = "operations", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = OutboxView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/admin/outbox/{id}/retry")]
pub async fn outbox_retry(
    state: State,
    auth: Auth<AdminRole>,
    path: Path<crate::domain::id::EmailId>,
) -> Answer {
    act(&state, auth.actor, move |c, cx| outbox::retry(c, cx, &path)).await
}

/// A filter given blank is no filter.
fn filter(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}
