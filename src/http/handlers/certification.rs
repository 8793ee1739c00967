//! Certification applications (认定申请), decisions, certifications and revocations.

use super::read;
use super::{act, act_created};
use crate::domain::certification::{ApplicationStatus, CertificationStatus};
use crate::domain::id::{CertApplicationId, CertificationId, SpaceId};
use crate::error::Problem;
use crate::http::extract::{Auth, Reviewing, SpaceRead, SpaceRole};
use crate::http::Answer;
use crate::http::{JsonBody, ListQuery, State};
use crate::services::certification::{
    self as svc, ApplicationInput, ApplicationView, CertificationDecision, CertificationView,
    Decided, PublicCertification, RevocationInput, Viewer,
};
use crate::services::Paged;
use actix_web::web::Path;
use actix_web::{get, post, web};

/// A space applies for a certification scheme with its figures; the rule engine's
/// evaluation is kept with the application as it is today.
#[utoipa::path(post, path = "/api/v1/space/certification-applications", tag = "certification", request_body = ApplicationInput, security(("bearer" = [])), responses(
    (status = 201, body = ApplicationView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/space/certification-applications")]
pub async fn apply(
    state: State,
    auth: Auth<SpaceRole>,
    body: JsonBody<ApplicationInput>,
) -> Answer {
    let body = body?;
    let space = auth.party_as::<SpaceId>()?;
    act_created(&state, auth.actor, move |c, cx| svc::apply(c, cx, &space, &body)).await
}

/// The space withdraws its open application.
#[utoipa::path(post, path = "/api/v1/space/certification-applications/{id}/withdrawal", tag = "certification", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = ApplicationView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/space/certification-applications/{id}/withdrawal")]
pub async fn withdraw(
    state: State,
    auth: Auth<SpaceRole>,
    path: Path<CertApplicationId>,
) -> Answer {
    let space = auth.party_as::<SpaceId>()?;
    let ctx = state.context(auth.actor);
    read(&state, move |c| svc::withdraw(c, ctx.cx(), &space, &path)).await
}

/// Applications: a space's own, every one for staff; searched by part of the space's
/// name, its whole credit code or the scheme's code, by state (`status=submitted` with
/// `sort=oldest`: the reviewers' queue) and the days filed; newest, oldest or by name;
/// a page, or the list as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/certification-applications", tag = "certification", params(ListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of applications (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<ApplicationView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/certification-applications")]
pub async fn applications(state: State, auth: Auth<SpaceRead>, q: web::Query<ListQuery>) -> Answer {
    super::lists::answer(
        &state,
        q.into_inner(),
        ApplicationStatus::parse,
        svc::SORTS,
        move |c, f, p| svc::applications(c, Viewer::of(&auth.actor)?, f, p),
    )
    .await
}

/// One application with its figures and every criterion's result.
#[utoipa::path(get, path = "/api/v1/certification-applications/{id}", tag = "certification", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = ApplicationView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/certification-applications/{id}")]
pub async fn application(
    state: State,
    auth: Auth<SpaceRead>,
    path: Path<CertApplicationId>,
) -> Answer {
    read(&state, move |c| svc::application(c, Viewer::of(&auth.actor)?, &path)).await
}

/// Certify (only an application that meets every criterion) or refuse (with a reason).
#[utoipa::path(post, path = "/api/v1/certification-applications/{id}/decision", tag = "certification", request_body = CertificationDecision, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = Decided),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/certification-applications/{id}/decision")]
pub async fn decide(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<CertApplicationId>,
    body: JsonBody<CertificationDecision>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::decide(c, cx, &path, &body)).await
}

/// Certifications: a space's own, every one for staff; searched by part of the space's
/// name, its whole credit code or the scheme's code, by state (`active`, `revoked`,
/// `expired`) and the days certified; newest, oldest or by name; a page, or the list
/// as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/certifications", tag = "certification", params(ListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of certifications (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<CertificationView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/certifications")]
pub async fn certifications(
    state: State,
    auth: Auth<SpaceRead>,
    q: web::Query<ListQuery>,
) -> Answer {
    let policy = state.policy.clone();
    super::lists::answer(
        &state,
        q.into_inner(),
        CertificationStatus::parse,
        svc::SORTS,
        move |c, f, p| svc::certifications(c, &policy, Viewer::of(&auth.actor)?, f, p),
    )
    .await
}

/// Revoke a certification in force (with a reason): support stops from the month after.
#[utoipa::path(post, path = "/api/v1/certifications/{id}/revocation", tag = "certification", request_body = RevocationInput, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = CertificationView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/certifications/{id}/revocation")]
pub async fn revoke(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<CertificationId>,
    body: JsonBody<RevocationInput>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::revoke(c, cx, &path, &body)).await
}

/// Certifications granted, and revoked, for everyone to see (公示).
#[utoipa::path(get, path = "/api/v1/public/certifications", tag = "public", params(ListQuery), responses(
    (status = 200, body = Paged<PublicCertification>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/public/certifications")]
pub async fn public_certifications(state: State, q: web::Query<ListQuery>) -> Answer {
    let page = q.page()?;
    let policy = state.policy.clone();
    read(&state, move |c| svc::public_certifications(c, &policy, page)).await
}
