//! The administrator's pages: programmes and their batches (budget, face values, the
//! window, publishing), the policy in force (read from `config/policy/`), users and
//! roles (staff accounts, disabling), emails that failed (with a retry), and the
//! scheduled jobs with their runs (and a run by hand).

use super::desk::Screen;
use super::desk::{Desk, Form, Posted, Shape};
use super::lists::{self, Spec};
use super::orders::open;
use super::session::role_text;
use super::{local_time, val, wire};
use crate::domain::id::{BatchId, ProgrammeId, UserId};
use crate::domain::listing::{Filter, BY_TIME};
use crate::domain::operation::{JobRunStatus, OutboxStatus};
use crate::domain::Role;
use crate::error::AppError;
use crate::error::ErrorCode;
use crate::http::Answer;
use crate::http::{db, typed_id, State};
use crate::jobs::{self, RunOrigin};
use crate::services::listing::ListQuery;
use crate::services::users::{self, NewStaffUser};
use crate::services::vouchers::{self as vouchers, BatchInput, ProgrammeInput};
use crate::services::Page;
use crate::services::{outbox, password_reset};
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(programmes)
        .service(create_programme)
        .service(create_batch)
        .service(publish_batch)
        .service(users_page)
        .service(users_file)
        .service(create_user)
        .service(set_disabled)
        .service(outbox_page)
        .service(outbox_file)
        .service(retry_email)
        .service(jobs_page)
        .service(jobs_file)
        .service(run_job);
}

const ADMIN: &[Role] = &[Role::Admin];

fn first(n: i64) -> Page {
    Page { page: 1, per_page: n }
}

fn batch_status_text(s: &str) -> &'static str {
    match s {
        "draft" => "draft",
        "scheduled" => "published-opening-soon",
        "open" => "open",
        "exhausted" => "sold-out",
        _ => "closed-2",
    }
}

async fn programmes_page(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let (progs, batches) =
        db(state, move |c| Ok((vouchers::programmes(c)?, vouchers::batches(c, true, now)?)))
            .await?;
    let policy = &state.policy;
    let en = d.en();
    let name_of = |c: &String| super::category_name(policy, c, en);
    let progs_v: Vec<_> = progs
        .iter()
        .map(|p| {
            let mine: Vec<_> = batches
                .iter()
                .filter(|b| b.programme_id == p.id)
                .map(|b| {
                    let s = wire(&b.status);
                    json!({"id": b.id, "name": b.name, "status": s, "status_text": batch_status_text(&s),
                           "budget": b.budget.to_string(), "remaining": b.remaining.to_string(),
                           "claimed": b.vouchers_claimed,
                           "faces": b.face_values.iter().map(|f| f.to_string()).collect::<Vec<_>>().join(if en { ", " } else { "、" }),
                           "opens_at": local_time(b.opens_at), "closes_at": local_time(b.closes_at),
                           "mode": if wire(&b.allocation_mode) == "lottery" { "lottery" } else { "first-come-first-served" }})
                })
                .collect();
            json!({"id": p.id, "code": p.code, "name": p.name,
                   "categories": p.categories.iter().map(name_of).collect::<Vec<_>>().join(if en { ", " } else { "、" }),
                   "co_payment_ratio": super::guide::percent(&p.co_payment_ratio), "validity_months": p.validity_months,
                   "full_coverage_threshold": p.full_coverage_threshold.to_string(),
                   "per_batch_limit": p.per_batch_limit, "per_year_limit": p.per_year_limit,
                   "batches": mine})
        })
        .collect();
    let categories: Vec<_> = policy
        .categories
        .iter()
        .map(|c| json!({"code": c.code, "name": super::named(&c.name_zh, &c.name_en, en)}))
        .collect();
    let subsidies: Vec<_> = policy
        .subsidies
        .policies
        .iter()
        .map(|p| json!({"code": p.code, "name": super::named(&p.name_zh, &p.name_en, en)}))
        .collect();
    d.render(state, Screen { template: "admin_programmes.html", path: "/admin", title: "programmes-and-batches" }, context! {
            programmes => val(&progs_v), categories => val(&categories), subsidies => val(&subsidies),
            listing_notice_days => policy.listing.notice_days,
            redemption_notice_days => policy.spending.redemption_notice_days,
            defaults => val(&policy.programme),
            default_share => super::guide::percent(&policy.programme.co_payment_ratio),
            default_share_number => super::guide::percent_number(&policy.programme.co_payment_ratio),
        }, form, status)
}

#[get("/admin")]
async fn programmes(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, ADMIN);
    Ok(programmes_page(&state, &d, &Form::none(), StatusCode::OK).await?)
}

#[post("/admin/programmes")]
async fn create_programme(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, ADMIN);
    let shape = Shape {
        lists: &["categories"],
        ints: &["validity_months", "per_batch_limit", "per_year_limit"],
        bools: &[],
    };
    let r = d
        .attempt_all(
            &state,
            &req,
            &p,
            |p| {
                let (mut i, mut e) = p.input_all::<ProgrammeInput>(&shape)?;
                // The page asks for the voucher's share as a percentage; the API, a share.
                if let Some(typed) = i.co_payment_ratio.take() {
                    i.co_payment_ratio = super::guide::share_of_percent(&typed);
                    if i.co_payment_ratio.is_none() {
                        e.add(
                            "co_payment_ratio",
                            ErrorCode::ShareInvalid,
                            "请填写大于 0、不超过 100 的百分数，最多两位小数，如 50",
                            "a percentage above 0 and at most 100, with at most 2 decimals, e.g. 50",
                        );
                    }
                }
                Ok((i, e))
            },
            |c, i, a| vouchers::create_programme(c, a.cx(), &i),
        )
        .await
        .map(|_| ("/admin".to_string(), "created"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, "programme", &p, &[("programme_code_taken", "code")], move |f, s| async move {
        programmes_page(st, dk, &f, s).await
    })
    .await
}

/// A `datetime-local` value is Beijing time to the minute; the API takes RFC 3339.
fn beijing(v: &str) -> String {
    let v = v.trim();
    let local = v.len() == 16 && v.as_bytes().get(10) == Some(&b'T');
    if local {
        format!("{v}:00+08:00")
    } else {
        v.to_string()
    }
}

#[post("/admin/programmes/{id}/batches")]
async fn create_batch(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let d = open!(state, req, ADMIN);
    let pid: ProgrammeId = typed_id(&path)?;
    let mut pairs = p.0;
    for (k, v) in pairs.iter_mut() {
        if k == "opens_at" || k == "closes_at" {
            *v = beijing(v);
        }
        if k == "face_values" {
            // One field, values separated by commas or 、 (as people type them).
            *v = v.replace('、', ",");
        }
    }
    let faces: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k == "face_values")
        .flat_map(|(_, v)| v.split(',').map(|s| ("face_values".to_string(), s.trim().to_string())))
        .collect();
    pairs.retain(|(k, _)| k != "face_values");
    pairs.extend(faces);
    let p = Posted(pairs);
    let shape = Shape { lists: &["face_values"], ints: &[], bools: &["publish"] };
    let id = pid.clone();
    let r = d
        .attempt_all(
            &state,
            &req,
            &p,
            |p| p.input_all::<BatchInput>(&shape),
            move |c, i, a| vouchers::create_batch(c, a.cx(), &id, &i),
        )
        .await
        .map(|_| ("/admin".to_string(), "created"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, &format!("batch-{pid}"), &p, &[], move |f, s| async move {
        programmes_page(st, dk, &f, s).await
    })
    .await
}

#[post("/admin/batches/{id}/publish")]
async fn publish_batch(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let d = open!(state, req, ADMIN);
    let id: BatchId = typed_id(&path)?;
    let bid = id.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |_| Ok(()),
            move |c, _, a| vouchers::publish_batch(c, a.cx(), &bid),
        )
        .await
        .map(|_| ("/admin".to_string(), "published"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, &format!("publish-{id}"), &p, &[], move |f, s| async move {
        programmes_page(st, dk, &f, s).await
    })
    .await
}

/// The accounts as a work list: found by part of the username, name or email address,
/// by role and the days they were made.
static USERS: Spec<Role> = Spec {
    path: "/admin/users",
    title: "users-and-roles",
    search_hint: "search-users-hint",
    statuses: &[
        ("firm", "firm"),
        ("provider", "service-provider"),
        ("space", "space"),
        ("reviewer", "reviewer"),
        ("finance", "finance-officer"),
        ("admin", "administrator"),
        ("auditor", "auditor"),
    ],
    parse: Role::parse,
    sorts: users::SORTS,
    tabs: &[],
};

async fn users_view(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
    q: ListQuery,
) -> Result<HttpResponse, AppError> {
    let q = q.without_blanks();
    let (filter, page, refused) = lists::judged(d, &USERS, &q);
    let (form, status) = match &refused {
        Some(f) => (f, StatusCode::UNPROCESSABLE_ENTITY),
        None => (form, status),
    };
    let (auth, now) = (state.auth.clone(), state.clock.now());
    let (list, locks) = db(state, move |c| {
        let list = users::list(c, &filter, page)?;
        let mut locks = Vec::with_capacity(list.items.len());
        for u in &list.items {
            locks.push(crate::services::auth::locked_until(c, &auth, &u.username, now)?);
        }
        Ok((list, locks))
    })
    .await?;
    let items: Vec<_> = list
        .items
        .iter()
        .zip(&locks)
        .map(|(u, locked)| {
            json!({"id": u.id, "username": u.username, "display_name": u.display_name,
                   "role_text": role_text(u.role), "email": u.email, "disabled": u.disabled,
                   "created_at": local_time(u.created_at),
                   "locked_until": locked.map(local_time)})
        })
        .collect();
    let roles: Vec<(&str, &str)> = [Role::Reviewer, Role::Finance, Role::Admin, Role::Auditor]
        .into_iter()
        .map(|r| (r.as_str(), role_text(r)))
        .collect();
    d.render(
        state,
        Screen { template: "admin_users.html", path: "/admin/users", title: "users-and-roles" },
        context! {
            items => val(&items), total => list.total, roles => roles,
            list => lists::filter_context(&USERS, &q), page => list.page,
            pages => lists::pages(list.total),
        },
        form,
        status,
    )
}

#[get("/admin/users")]
async fn users_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, ADMIN);
    let q = lists::asked(&req)?;
    Ok(users_view(&state, &d, &Form::none(), StatusCode::OK, q).await?)
}

/// The accounts the filter finds, as CSV or XLSX.
#[get("/admin/users/export")]
async fn users_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, ADMIN);
    let q = lists::asked(&req)?;
    Ok(lists::export(&state, &d, &USERS, q, users::list).await?)
}

#[post("/admin/users")]
async fn create_user(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, ADMIN);
    let auth = state.auth.clone();
    let r = d
        .attempt_all(
            &state,
            &req,
            &p,
            |p| p.input_all::<NewStaffUser>(&Shape::TEXT),
            move |c, i, a| users::create_staff(c, a.cx(), &auth, &i),
        )
        .await
        .map(|_| ("/admin/users".to_string(), "created"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, "user", &p, &[("username_taken", "username")], move |f, s| async move {
        users_view(st, dk, &f, s, ListQuery::default()).await
    })
    .await
}

#[post("/admin/users/{id}/{action}")]
async fn set_disabled(
    state: State,
    req: HttpRequest,
    path: Path<(String, String)>,
    p: Posted,
) -> Answer {
    let (id, action) = path.into_inner();
    let d = open!(state, req, ADMIN);
    let id = typed_id::<UserId>(&id)?;
    if !["disable", "enable", "unlock", "send-reset"].contains(&action.as_str()) {
        return Err(AppError::not_found("page").into());
    }
    let uid = id.clone();
    let base = state.site.base_url.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |_| Ok(()),
            move |c, _, a| match action.as_str() {
                "unlock" => password_reset::unlock(c, a.cx(), &uid).map(|_| "unlocked"),
                "send-reset" => {
                    password_reset::send_by_admin(c, a.cx(), &password_reset::LinkBase(&base), &uid)
                        .map(|_| "reset_sent")
                }
                other => users::set_disabled(c, a.cx(), &uid, other == "disable").map(|_| "saved"),
            },
        )
        .await
        .map(|what| ("/admin/users".to_string(), what));
    let (st, dk) = (&state, &d);
    d.answer(st, r, &format!("u-{id}"), &p, &[], move |f, s| async move {
        users_view(st, dk, &f, s, ListQuery::default()).await
    })
    .await
}

/// The outbox as a work list: found by address, name or subject, by state and the
/// days written; a failed email sent again from its row.
static EMAILS: Spec<OutboxStatus> = Spec {
    path: "/admin/outbox",
    title: "emails-2",
    search_hint: "search-emails-hint",
    statuses: &[("pending", "email-pending"), ("sent", "email-sent"), ("failed", "email-failed")],
    parse: OutboxStatus::parse,
    sorts: BY_TIME,
    tabs: &[],
};

async fn outbox_view(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
    q: ListQuery,
) -> Result<HttpResponse, AppError> {
    let q = q.without_blanks();
    let (filter, page, refused) = lists::judged(d, &EMAILS, &q);
    let (form, status) = match &refused {
        Some(f) => (f, StatusCode::UNPROCESSABLE_ENTITY),
        None => (form, status),
    };
    let count = |s| Filter::only(Some(s));
    let (list, failed, pending) = db(state, move |c| {
        Ok((
            outbox::list(c, &filter, None, page)?,
            outbox::list(c, &count(OutboxStatus::Failed), None, first(1))?.total,
            outbox::list(c, &count(OutboxStatus::Pending), None, first(1))?.total,
        ))
    })
    .await?;
    let items: Vec<_> = list
        .items
        .iter()
        .map(|m| {
            json!({"id": m.id, "to": m.to_address, "subject": m.subject, "kind": m.kind, "locale": m.locale,
                   "attempts": m.attempts, "last_error": m.last_error,
                   "state": crate::i18n::email_state(&m.status), "failed": m.status == "failed",
                   "failed_at": m.failed_at.map(local_time), "created_at": local_time(m.created_at)})
        })
        .collect();
    d.render(
        state,
        Screen { template: "admin_outbox.html", path: "/admin/outbox", title: "emails-2" },
        context! {
            items => val(&items), failed => failed, pending => pending, total => list.total,
            list => lists::filter_context(&EMAILS, &q), page => list.page,
            pages => lists::pages(list.total),
        },
        form,
        status,
    )
}

#[get("/admin/outbox")]
async fn outbox_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, ADMIN);
    let q = lists::asked(&req)?;
    Ok(outbox_view(&state, &d, &Form::none(), StatusCode::OK, q).await?)
}

/// The emails the filter finds, as CSV or XLSX.
#[get("/admin/outbox/export")]
async fn outbox_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, ADMIN);
    let q = lists::asked(&req)?;
    Ok(lists::export(&state, &d, &EMAILS, q, |c, f, p| outbox::list(c, f, None, p)).await?)
}

#[post("/admin/outbox/{id}/retry")]
async fn retry_email(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let d = open!(state, req, ADMIN);
    let id = typed_id::<crate::domain::id::EmailId>(&path)?;
    let mid = id.clone();
    let r = d
        .attempt(&state, &req, &p, |_| Ok(()), move |c, _, a| outbox::retry(c, a.cx(), &mid))
        .await
        .map(|_| ("/admin/outbox".to_string(), "retried"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, &format!("m-{id}"), &p, &[], move |f, s| async move {
        outbox_view(st, dk, &f, s, ListQuery::default()).await
    })
    .await
}

use crate::i18n::job_run_state as run_status_text;

/// The job runs as a work list (scheduled runs that found nothing to do are left out).
static JOB_RUNS: Spec<JobRunStatus> = Spec {
    path: "/admin/jobs",
    title: "jobs",
    search_hint: "search-jobs-hint",
    statuses: &[
        ("running", "running"),
        ("succeeded", "claimed-2"),
        ("failed", "failed"),
        ("interrupted", "abandoned"),
    ],
    parse: JobRunStatus::parse,
    sorts: BY_TIME,
    tabs: &[],
};

async fn jobs_view(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
    q: ListQuery,
) -> Result<HttpResponse, AppError> {
    let q = q.without_blanks();
    let (filter, page, refused) = lists::judged(d, &JOB_RUNS, &q);
    let (form, status) = match &refused {
        Some(f) => (f, StatusCode::UNPROCESSABLE_ENTITY),
        None => (form, status),
    };
    let (runner, now) = (state.jobs.clone(), state.clock.now());
    let (list, runs) = db(state, move |c| {
        Ok((
            jobs::list_jobs(c, runner.schedules(), now)?,
            // Scheduled runs that found nothing to do are not history worth reading.
            jobs::list_runs(c, &filter, None, false, page)?,
        ))
    })
    .await?;
    // Jobs by what they do and when, in the reader's language; never codes or cron.
    let en = d.en();
    let title = |job: jobs::Job| job.title(en);
    let when = |expr: Option<&str>| match expr {
        None => d.t("not-scheduled"),
        Some(x) => match jobs::schedule_words(x) {
            Some((zh, e)) => {
                if en {
                    e
                } else {
                    zh
                }
            }
            None => format!("{} {x}", d.t("custom-schedule")),
        },
    };
    let jobs_v: Vec<_> = list
        .iter()
        .map(|j| {
            json!({"name": wire(&j.name), "title": title(j.name), "schedule": when(j.schedule.as_deref()),
                   "next_slot": j.next_slot.map(local_time),
                   "last": j.last_run.as_ref().map(|r| format!("{} {}", local_time(r.started_at), d.t(run_status_text(&r.status))))})
        })
        .collect();
    let runs_v: Vec<_> = runs
        .items
        .iter()
        .map(|r| {
            json!({"job": jobs::Job::parse(&r.job).map_or_else(|| r.job.clone(), title),
                   "slot": local_time(r.slot), "origin": r.origin,
                   "status_text": run_status_text(&r.status), "status": r.status,
                   "attempt": r.attempt, "started_at": local_time(r.started_at)})
        })
        .collect();
    d.render(
        state,
        Screen { template: "admin_jobs.html", path: "/admin/jobs", title: "jobs" },
        context! {
            jobs => val(&jobs_v), runs => val(&runs_v), total => runs.total,
            list => lists::filter_context(&JOB_RUNS, &q), page => runs.page,
            pages => lists::pages(runs.total),
        },
        form,
        status,
    )
}

#[get("/admin/jobs")]
async fn jobs_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, ADMIN);
    let q = lists::asked(&req)?;
    Ok(jobs_view(&state, &d, &Form::none(), StatusCode::OK, q).await?)
}

/// The runs the filter finds (idle scheduled runs left out), as CSV or XLSX.
#[get("/admin/jobs/export")]
async fn jobs_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, ADMIN);
    let q = lists::asked(&req)?;
    Ok(lists::export(&state, &d, &JOB_RUNS, q, |c, f, p| jobs::list_runs(c, f, None, false, p))
        .await?)
}

#[post("/admin/jobs/{job}/runs")]
async fn run_job(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let d = open!(state, req, ADMIN);
    let name = path.into_inner();
    let r: Result<(), AppError> = async {
        d.guard(&req, &p)?;
        let job = jobs::parse_job(&name)?;
        let slot = jobs::manual_slot(state.jobs.schedules(), job, None, state.clock.now())?;
        let origin = RunOrigin::Manual { user_id: Some(d.s.caller.user_id.clone()) };
        state.jobs.run(job, slot, origin).await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(d.done(&state, "/admin/jobs", "started")),
        Err(e) => {
            let f = d.failed(&format!("job-{name}"), &p, &e, &[]);
            Ok(jobs_view(&state, &d, &f, e.kind.status(), ListQuery::default()).await?)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_local_time_from_the_form_is_beijing_time() {
        assert_eq!(super::beijing("2026-12-01T09:00"), "2026-12-01T09:00:00+08:00");
        assert_eq!(super::beijing("2026-12-01T09:00:00+08:00"), "2026-12-01T09:00:00+08:00");
        assert_eq!(super::beijing("tomorrow"), "tomorrow");
    }
}
