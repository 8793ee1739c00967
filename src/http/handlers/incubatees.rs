//! A space's incubatee register (在孵企业名册).

use super::read;
use super::{act, act_created};
use crate::domain::id::{IncubateeId, SpaceId};
use crate::error::Problem;
use crate::http::extract::{Auth, SpaceRole, StaffRead};
use crate::http::Answer;
use crate::http::{JsonBody, State};
use crate::services::incubatees::{
    self as svc, DepartureInput, GraduationInput, IncubateeInput, IncubateeView, RegisterFigures,
};
use actix_web::web::Path;
use actix_web::{get, post};

/// The space's register, latest entry first.
#[utoipa::path(get, path = "/api/v1/space/incubatees", tag = "spaces", security(("bearer" = [])), responses(
    (status = 200, body = Vec<IncubateeView>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/space/incubatees")]
pub async fn mine(state: State, auth: Auth<SpaceRole>) -> Answer {
    let space = auth.party_as::<SpaceId>()?;
    let now = state.clock.now();
    read(&state, move |c| svc::register_of(c, &space, now)).await
}

/// What the register gives as figures today (filled into applications and statistics
/// that leave them out).
#[utoipa::path(get, path = "/api/v1/space/incubatees/figures", tag = "spaces", security(("bearer" = [])), responses(
    (status = 200, body = RegisterFigures), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/space/incubatees/figures")]
pub async fn figures(state: State, auth: Auth<SpaceRole>) -> Answer {
    let space = auth.party_as::<SpaceId>()?;
    read(&state, move |c| svc::figures(c, &space)).await
}

/// Registers a firm that entered the space; its age at entry and incubation limit
/// follow the scheme's incubatee rules.
#[utoipa::path(post, path = "/api/v1/space/incubatees", tag = "spaces", request_body = IncubateeInput, security(("bearer" = [])), responses(
    (status = 201, body = IncubateeView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/space/incubatees")]
pub async fn register(
    state: State,
    auth: Auth<SpaceRole>,
    body: JsonBody<IncubateeInput>,
) -> Answer {
    let body = body?;
    let space = auth.party_as::<SpaceId>()?;
    act_created(&state, auth.actor, move |c, cx| svc::register(c, cx, &space, &body)).await
}

/// Records a graduation: one of the scheme's graduation conditions met (amounts above
/// its figures).
#[utoipa::path(post, path = "/api/v1/space/incubatees/{id}/graduation", tag = "spaces", request_body = GraduationInput, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = IncubateeView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/space/incubatees/{id}/graduation")]
pub async fn graduate(
    state: State,
    auth: Auth<SpaceRole>,
    path: Path<IncubateeId>,
    body: JsonBody<GraduationInput>,
) -> Answer {
    let body = body?;
    let space = auth.party_as::<SpaceId>()?;
    act(&state, auth.actor, move |c, cx| svc::graduate(c, cx, &space, &path, &body)).await
}

/// Records a firm leaving without graduating.
#[utoipa::path(post, path = "/api/v1/space/incubatees/{id}/departure", tag = "spaces", request_body = DepartureInput, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = IncubateeView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/space/incubatees/{id}/departure")]
pub async fn depart(
    state: State,
    auth: Auth<SpaceRole>,
    path: Path<IncubateeId>,
    body: JsonBody<DepartureInput>,
) -> Answer {
    let body = body?;
    let space = auth.party_as::<SpaceId>()?;
    act(&state, auth.actor, move |c, cx| svc::depart(c, cx, &space, &path, &body)).await
}

/// A space's register, for the staff who review its applications and statistics.
#[utoipa::path(get, path = "/api/v1/spaces/{id}/incubatees", tag = "spaces", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = Vec<IncubateeView>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/spaces/{id}/incubatees")]
pub async fn of_space(state: State, _auth: Auth<StaffRead>, path: Path<SpaceId>) -> Answer {
    let now = state.clock.now();
    read(&state, move |c| {
        if crate::db::parties::space(c, &path)?.is_none() {
            return Err(crate::error::AppError::not_found("space"));
        }
        svc::register_of(c, &path, now)
    })
    .await
}
