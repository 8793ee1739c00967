//! Appeals in pages (申诉 / 复核): a firm, provider or space files an appeal from the page
//! that shows the decision (its redemption items, its firm or listing page, its
//! certification applications) and follows it here; reviewers decide here, never on
//! their own decisions; auditors read every appeal with its timing.

use super::desk::{Desk, Form, Posted, Screen, Shape};
use super::orders::open;
use super::{local_time, val};
use crate::domain::appeal::{AppealStatus, AppealSubject};
use crate::domain::id::{AnyParty, AppealId};
use crate::domain::Role;
use crate::error::AppError;
use crate::http::{db, typed_id, Answer, State};
use crate::services::appeals::{self as svc, AppealDecision, AppealInput, AppealView};
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page).service(file).service(decide);
}

const EVERYONE: &[Role] = &[
    Role::Firm,
    Role::Provider,
    Role::Space,
    Role::Reviewer,
    Role::Finance,
    Role::Admin,
    Role::Auditor,
];

fn subject_words(k: AppealSubject) -> &'static str {
    match k {
        AppealSubject::RedemptionItem => "appeal-of-redemption-item",
        AppealSubject::FirmOnboarding => "appeal-of-firm-onboarding",
        AppealSubject::ProviderListing => "appeal-of-provider-listing",
        AppealSubject::CertificationApplication => "appeal-of-certification",
        AppealSubject::Finding => "appeal-of-finding",
        AppealSubject::Clawback => "appeal-of-clawback",
    }
}

fn status_words(s: AppealStatus) -> &'static str {
    match s {
        AppealStatus::Open => "appeal-open",
        AppealStatus::Upheld => "appeal-upheld",
        AppealStatus::Overturned => "appeal-overturned",
        AppealStatus::Partly => "appeal-partly",
    }
}

/// The decision appealed, in words (the state it left).
fn decision_words(d: &str) -> &'static str {
    match d {
        "rejected" => "decision-rejected",
        "refused" => "decision-rejected",
        "suspended" => "decision-suspended",
        "delisted" => "decision-delisted",
        "corrected" => "decision-corrected",
        "fraudulent" => "decision-fraudulent",
        _ => "decision-other",
    }
}

fn appeal_json(a: &AppealView) -> serde_json::Value {
    serde_json::json!({
        "id": a.id, "party_name": a.party_name, "subject_kind": subject_words(a.subject_kind),
        "subject": a.subject, "decision": decision_words(&a.decision),
        "decision_reason": a.decision_reason, "decided_at": local_time(a.decided_at),
        "grounds": a.grounds, "filed_at": local_time(a.filed_at), "due_at": local_time(a.due_at),
        "status": a.status.as_str(), "status_text": status_words(a.status),
        "open": a.status == AppealStatus::Open, "outcome_reason": a.outcome_reason,
        "handled_at": a.handled_at.map(local_time), "late": a.late,
        "escalated_at": a.escalated_at.map(local_time),
        "granted_amount": a.granted_amount.map(|f| f.to_string()),
        "on_finding": matches!(a.subject_kind, AppealSubject::Finding | AppealSubject::Clawback),
    })
}

#[derive(Debug, Deserialize)]
struct StateQuery {
    state: Option<String>,
    page: Option<i64>,
}

fn party_of(d: &Desk) -> Option<AnyParty> {
    d.s.caller.party.clone().filter(|p| !matches!(p, AnyParty::Authority(_)))
}

/// A party's appeals, or every appeal for staff (open first by default for reviewers).
#[get("/appeals")]
async fn list_page(state: State, req: HttpRequest, q: web::Query<StateQuery>) -> Answer {
    let d = open!(state, req, EVERYONE);
    let q = q.into_inner();
    Ok(list_view(&state, &d, q.state, q.page, &Form::none(), StatusCode::OK).await?)
}

async fn list_view(
    state: &State,
    d: &Desk,
    asked: Option<String>,
    page: Option<i64>,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let party = party_of(d);
    let asked = asked.filter(|s| !s.is_empty()).unwrap_or_else(|| "all".into());
    let open = match asked.as_str() {
        "open" => Some(true),
        "decided" => Some(false),
        "all" => None,
        s => {
            return Err(AppError::of(crate::error::ErrorCode::StatusUnknown).arg("status", s));
        }
    };
    let page = crate::http::page(page, Some(super::lists::SHOWN))?;
    let now = state.clock.now();
    let list = db(state, move |c| svc::list(c, party.as_ref(), open, page, now)).await?;
    let rows: Vec<_> = list.items.iter().map(appeal_json).collect();
    let role = d.s.caller.role;
    let staff = !matches!(role, Role::Firm | Role::Provider | Role::Space);
    let policy = &state.policy.appeals;
    d.render(
        state,
        Screen {
            template: "appeals.html",
            path: "/appeals",
            title: if staff { "appeals-to-review" } else { "my-appeals" },
        },
        context! {
            appeals => val(&rows), total => list.total, page => list.page,
            pages => super::lists::pages(list.total), state => asked, staff => staff,
            may_decide => matches!(role, Role::Reviewer | Role::Admin),
            window_days => policy.window_days, deadline_days => policy.deadline_working_days,
            outcomes => vec![("overturned", "appeal-overturn"), ("upheld", "appeal-uphold")],
            finding_outcomes => vec![
                ("overturned", "appeal-overturn"),
                ("partly", "appeal-grant-in-part"),
                ("upheld", "appeal-uphold"),
            ],
            filing => form.id.starts_with("appeal-"),
        },
        form,
        status,
    )
}

#[derive(Debug, Deserialize)]
struct FileForm {
    subject_kind: AppealSubject,
    subject_id: String,
    grounds: String,
}

/// A party files an appeal from the page of the decision; refused, the form comes back
/// here with the reason beside the grounds.
#[post("/appeals")]
async fn file(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, &[Role::Firm, Role::Provider, Role::Space]);
    let party = party_of(&d).ok_or_else(AppError::forbidden)?;
    let form_id = format!("appeal-{}", p.get("subject_id"));
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| {
                p.input::<FileForm>(&Shape::TEXT).map(|f| AppealInput {
                    subject_kind: f.subject_kind,
                    subject_id: f.subject_id,
                    grounds: f.grounds,
                })
            },
            move |c, i, a| {
                let cx = a.cx();
                svc::file(c, cx, &party, &i)
            },
        )
        .await
        .map(|_| ("/appeals".to_string(), "appeal-filed"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, &form_id, &p, &[], move |f, s| async move {
        list_view(st, dk, None, None, &f, s).await
    })
    .await
}

/// A reviewer decides an appeal.
#[post("/appeals/{id}/decision")]
async fn decide(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let id: AppealId = typed_id(&path)?;
    let d = open!(state, req, &[Role::Reviewer, Role::Admin]);
    let form_id = format!("decide-{id}");
    let aid = id.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| p.input::<AppealDecision>(&Shape::TEXT),
            move |c, i, a| {
                let cx = a.cx();
                svc::decide(c, cx, &aid, &i)
            },
        )
        .await
        .map(|_| ("/appeals".to_string(), "appeal-decided"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, &form_id, &p, &[], move |f, s| async move {
        list_view(st, dk, Some("open".into()), None, &f, s).await
    })
    .await
}
