//! Lottery batches (摇号): firms register interest before the opening; the draw at the
//! opening allocates the vouchers; the record of the draw is public.

use super::read;
use super::run_as;
use crate::domain::id::{BatchId, FirmId};
use crate::error::AppError;
use crate::error::Problem;
use crate::http::extract::{AdminRole, Auth, FirmRole};
use crate::http::Answer;
use crate::http::{JsonBody, State};
use crate::services::lottery::{self as svc, EntryInput, EntryView, LotteryView};
use actix_web::web::Path;
use actix_web::{delete, get, post, put, HttpResponse};

/// A lottery's public record: the seed's SHA-256 from the start; after the draw the
/// seed, the entrants digest and every entrant's key, rank and outcome (public).
#[utoipa::path(get, path = "/api/v1/batches/{id}/lottery", tag = "lottery", params(("id" = String, Path)), responses(
    (status = 200, body = LotteryView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/batches/{id}/lottery")]
pub async fn lottery(state: State, path: Path<String>) -> Answer {
    let id = BatchId::parse(&path).ok_or_else(|| AppError::not_found("lottery"))?;
    read(&state, move |c| svc::view(c, &id)).await
}

/// Register the signed-in firm for a lottery batch, or change the face value it wants
/// (until the opening instant). 201 when new, 200 when it was already registered.
#[utoipa::path(put, path = "/api/v1/batches/{id}/lottery/entry", tag = "lottery", request_body = EntryInput, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 201, body = EntryView), (status = 200, body = EntryView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[put("/batches/{id}/lottery/entry")]
pub async fn enter(
    state: State,
    auth: Auth<FirmRole>,
    path: Path<BatchId>,
    body: JsonBody<EntryInput>,
) -> Answer {
    let body = body?;
    let firm_id = auth.party_as::<FirmId>()?;
    let (entry, created) =
        run_as(&state, auth.actor, move |c, cx| svc::enter(c, cx, &path, &firm_id, &body)).await?;
    Ok(if created { HttpResponse::Created().json(entry) } else { HttpResponse::Ok().json(entry) })
}

/// The signed-in firm's entry and, after the draw, its result and voucher.
#[utoipa::path(get, path = "/api/v1/batches/{id}/lottery/entry", tag = "lottery", params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = EntryView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/batches/{id}/lottery/entry")]
pub async fn my_entry(state: State, auth: Auth<FirmRole>, path: Path<String>) -> Answer {
    let id = BatchId::parse(&path).ok_or_else(|| AppError::not_found("lottery entry"))?;
    let firm_id = auth.party_as::<FirmId>()?;
    read(&state, move |c| svc::my_entry(c, &id, &firm_id)).await
}

/// Withdraw the signed-in firm's entry (until the opening instant).
#[utoipa::path(delete, path = "/api/v1/batches/{id}/lottery/entry", tag = "lottery", params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 204, description = "withdrawn"),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[delete("/batches/{id}/lottery/entry")]
pub async fn withdraw(state: State, auth: Auth<FirmRole>, path: Path<String>) -> Answer {
    let id = BatchId::parse(&path).ok_or_else(|| AppError::not_found("lottery entry"))?;
    let firm_id = auth.party_as::<FirmId>()?;
    run_as(&state, auth.actor, move |c, cx| svc::withdraw(c, cx, &id, &firm_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Draw a lottery now. The server draws each lottery by itself at its opening instant;
/// this is for an administrator when that job is off or missed. Once only.
#[utoipa::path(post, path = "/api/v1/batches/{id}/lottery/draw", tag = "lottery", params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = LotteryView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/batches/{id}/lottery/draw")]
pub async fn draw(state: State, auth: Auth<AdminRole>, path: Path<String>) -> Answer {
    let id = BatchId::parse(&path).ok_or_else(|| AppError::not_found("lottery"))?;
    let key = id.clone();
    let view = run_as(&state, auth.actor, move |c, cx| svc::draw(c, cx, &id)).await?;
    state.claims.invalidate(&key);
    Ok(HttpResponse::Ok().json(view))
}
