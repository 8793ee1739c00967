use crate::error::Problem;
use crate::http::extract::{AuditRead, Auth};
use crate::http::handlers::read;
use crate::http::Answer;
use crate::http::{db, State};
use crate::services::audit::{self as svc, EventQuery, VerifyReport};
use actix_web::{get, web, HttpResponse};

/// Audit events, newest first: by record, by who acted, by action or family of actions
/// (`order.`), by China days; paged backwards with `before_seq`.
#[utoipa::path(get, path = "/api/v1/audit/events", tag = "audit", params(EventQuery), security(("bearer" = [])), responses(
    (status = 200, body = Vec<Object>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/audit/events")]
pub async fn events(state: State, _auth: Auth<AuditRead>, q: web::Query<EventQuery>) -> Answer {
    let q = q.into_inner();
    read(&state, move |c| svc::search(c, &q, 100)).await
}

/// Recompute the audit hash chain and name the first broken link.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])), responses(
    (status = 200, body = VerifyReport), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/audit/verify")]
pub async fn verify(state: State, _auth: Auth<AuditRead>) -> Answer {
    Ok(HttpResponse::Ok().json(db(&state, svc::verify).await?))
}
