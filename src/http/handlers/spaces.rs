use super::read;
use crate::domain::id::SpaceId;
use crate::error::Problem;
use crate::http::extract::{Auth, SpaceRole, StaffRead};
use crate::http::Answer;
use crate::http::{ListQuery, State};
use crate::services::spaces::{self as svc, SpaceView};
use crate::services::Paged;
use actix_web::web::Path;
use actix_web::{get, web};

/// The signed-in space's own record.
#[utoipa::path(get, path = "/api/v1/space/profile", tag = "spaces", security(("bearer" = [])), responses(
    (status = 200, body = SpaceView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/space/profile")]
pub async fn my_space(state: State, auth: Auth<SpaceRole>) -> Answer {
    let id = auth.party_as::<SpaceId>()?;
    read(&state, move |c| svc::get(c, &id)).await
}

#[utoipa::path(get, path = "/api/v1/spaces", tag = "spaces", params(ListQuery), security(("bearer" = [])), responses(
    (status = 200, body = Paged<SpaceView>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/spaces")]
pub async fn list(state: State, _auth: Auth<StaffRead>, q: web::Query<ListQuery>) -> Answer {
    let page = q.page()?;
    read(&state, move |c| svc::list(c, page)).await
}

#[utoipa::path(get, path = "/api/v1/spaces/{id}", tag = "spaces", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = SpaceView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/spaces/{id}")]
pub async fn get(state: State, _auth: Auth<StaffRead>, path: Path<SpaceId>) -> Answer {
    read(&state, move |c| svc::get(c, &path)).await
}
