//! Appeals (申诉 / 复核): a firm, provider or space appeals a decision against it; a
//! reviewer other than the one who decided handles it; staff and auditors follow the
//! appeals and their timing.

use super::{act, act_created, read};
use crate::domain::id::AppealId;
use crate::error::{AppError, ErrorCode, Problem};
use crate::http::extract::{AnyRole, Auth, PartyRole, Reviewing};
use crate::http::{page, Answer, JsonBody, State};
use crate::services::appeals::{self as svc, AppealDecision, AppealInput, AppealView};
use crate::services::Paged;
use actix_web::web::Path;
use actix_web::{get, post, web};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AppealsQuery {
    /// `open` (waiting for a reviewer) or `decided`.
    #[param(pattern = "^(open|decided)$")]
    pub state: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

fn open_of(q: &AppealsQuery) -> Result<Option<bool>, AppError> {
    match q.state.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some("open") => Ok(Some(true)),
        Some("decided") => Ok(Some(false)),
        Some(s) => Err(AppError::of(ErrorCode::StatusUnknown).arg("status", s)),
    }
}

/// File an appeal against a decision against the signed-in firm, provider or space,
/// within the window after it (`appeal_window_closed`), once (`appeal_already_filed`).
#[utoipa::path(post, path = "/api/v1/appeals", tag = "appeals", request_body = AppealInput, security(("bearer" = [])), responses(
    (status = 201, body = AppealView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/appeals")]
pub async fn file(state: State, auth: Auth<PartyRole>, body: JsonBody<AppealInput>) -> Answer {
    let body = body?;
    let party = auth.party()?.clone();
    act_created(&state, auth.actor, move |c, cx| svc::file(c, cx, &party, &body)).await
}

/// Appeals, newest first, with their deadline and whether they ran late: a party reads
/// its own, staff (reviewers, finance, administrators, auditors) all.
#[utoipa::path(get, path = "/api/v1/appeals", tag = "appeals", params(AppealsQuery), security(("bearer" = [])), responses(
    (status = 200, body = Paged<AppealView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/appeals")]
pub async fn list(state: State, auth: Auth<AnyRole>, q: web::Query<AppealsQuery>) -> Answer {
    let (open, page) = (open_of(&q)?, page(q.page, q.per_page)?);
    let party = auth
        .caller
        .party
        .clone()
        .filter(|p| !matches!(p, crate::domain::id::AnyParty::Authority(_)));
    let now = state.clock.now();
    read(&state, move |c| svc::list(c, party.as_ref(), open, page, now)).await
}

/// One appeal; a party reads only its own.
#[utoipa::path(get, path = "/api/v1/appeals/{id}", tag = "appeals", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = AppealView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/appeals/{id}")]
pub async fn get(state: State, auth: Auth<AnyRole>, path: Path<AppealId>) -> Answer {
    let party = auth
        .caller
        .party
        .clone()
        .filter(|p| !matches!(p, crate::domain::id::AnyParty::Authority(_)));
    let now = state.clock.now();
    read(&state, move |c| svc::get(c, party.as_ref(), &path, now)).await
}

/// A reviewer decides an appeal: `upheld` or `overturned` (undone through the normal
/// flow), with the reason. Not by the person who made the decision appealed.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/decision", tag = "appeals", request_body = AppealDecision, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = AppealView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/appeals/{id}/decision")]
pub async fn decide(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<AppealId>,
    body: JsonBody<AppealDecision>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::decide(c, cx, &path, &body)).await
}
