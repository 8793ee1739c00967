use super::read;
use crate::domain::id::SpaceId;
use crate::domain::listing::BY_NAME;
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

/// Incubators and maker spaces: searched by part of the space's or its operator's name
/// or the whole credit code, by the days they registered; newest, oldest or by name; a
/// page, or the list as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/spaces", tag = "spaces", params(ListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of spaces (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<SpaceView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/spaces")]
pub async fn list(state: State, _auth: Auth<StaffRead>, q: web::Query<ListQuery>) -> Answer {
    fn none(_: &str) -> Option<()> {
        None
    }
    super::lists::answer(&state, q.into_inner(), none, BY_NAME, svc::list).await
}

#[utoipa::path(get, path = "/api/v1/spaces/{id}", tag = "spaces", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = SpaceView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/spaces/{id}")]
pub async fn get(state: State, _auth: Auth<StaffRead>, path: Path<SpaceId>) -> Answer {
    read(&state, move |c| svc::get(c, &path)).await
}
