use super::act;
use super::read;
use crate::domain::id::UserId;
use crate::domain::Role;
use crate::error::Problem;
use crate::http::extract::{AdminRole, Auth};
use crate::http::Answer;
use crate::http::{db, JsonBody, ListQuery, State};
use crate::services::affiliations::{self as aff, Affiliations};
use crate::services::users::{self as svc, NewStaffUser, UserView};
use crate::services::Paged;
use actix_web::web::Path;
use actix_web::{get, post, put, web, HttpResponse};

/// User accounts: searched by part of the username, name or email address, by role
/// (`status` carries the role name) and the days they were made; by username (default),
/// newest or oldest; a page, or the list as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of accounts (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<UserView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/users")]
pub async fn list(state: State, _auth: Auth<AdminRole>, q: web::Query<ListQuery>) -> Answer {
    super::lists::answer(&state, q.into_inner(), Role::parse, svc::SORTS, svc::list).await
}

/// Create a staff account (reviewer, finance, admin, auditor).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewStaffUser, security(("bearer" = [])), responses(
    (status = 201, body = UserView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/users")]
pub async fn create(state: State, auth: Auth<AdminRole>, body: JsonBody<NewStaffUser>) -> Answer {
    let body = body?;
    let (cfg, ctx) = (state.auth.clone(), state.context(auth.actor));
    Ok(HttpResponse::Created()
        .json(db(&state, move |c| svc::create_staff(c, ctx.cx(), &cfg, &body)).await?))
}

/// Disable an account: its tokens and sessions stop working at once.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = UserView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/users/{id}/disable")]
pub async fn disable(state: State, auth: Auth<AdminRole>, path: Path<UserId>) -> Answer {
    let id = path.into_inner();
    let ctx = state.context(auth.actor);
    let key = id.clone();
    let v = db(&state, move |c| svc::set_disabled(c, ctx.cx(), &id, true)).await?;
    state.user_states.forget(&key);
    Ok(HttpResponse::Ok().json(v))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = UserView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/users/{id}/enable")]
pub async fn enable(state: State, auth: Auth<AdminRole>, path: Path<UserId>) -> Answer {
    let id = path.into_inner();
    let ctx = state.context(auth.actor);
    let key = id.clone();
    let v = db(&state, move |c| svc::set_disabled(c, ctx.cx(), &id, false)).await?;
    state.user_states.forget(&key);
    Ok(HttpResponse::Ok().json(v))
}

/// The organisations (credit codes) a staff member is affiliated with: they may not
/// decide those organisations' disputes or redemption items.
#[utoipa::path(get, path = "/api/v1/users/{id}/affiliations", tag = "users", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = Affiliations), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/users/{id}/affiliations")]
pub async fn affiliations(state: State, _auth: Auth<AdminRole>, path: Path<UserId>) -> Answer {
    read(&state, move |c| aff::get(c, &path)).await
}

/// Declare a staff member's affiliations (replaces the list; audited).
#[utoipa::path(put, path = "/api/v1/users/{id}/affiliations", tag = "users", request_body = Affiliations, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = Affiliations),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[put("/users/{id}/affiliations")]
pub async fn set_affiliations(
    state: State,
    auth: Auth<AdminRole>,
    path: Path<UserId>,
    body: JsonBody<Affiliations>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| aff::set(c, cx, &path, &body)).await
}
