use crate::db::models::AuditEventRow;
use crate::error::ErrorCode;
use crate::error::{AppError, Problem};
use crate::http::extract::{AuditRead, Auth};
use crate::http::Answer;
use crate::http::{db, State};
use crate::services::audit::{self as svc, VerifyReport};
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Only events with a smaller sequence number (for paging backwards).
    pub before_seq: Option<i64>,
    /// At most 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// Audit events, newest first.
#[utoipa::path(get, path = "/api/v1/audit/events", tag = "audit", params(EventsQuery), security(("bearer" = [])), responses(
    (status = 200, body = Vec<Object>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/audit/events")]
pub async fn events(state: State, _auth: Auth<AuditRead>, q: web::Query<EventsQuery>) -> Answer {
    let limit = q.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(AppError::of(ErrorCode::LimitInvalid).into());
    }
    let q = q.into_inner();
    let rows: Vec<AuditEventRow> = db(&state, move |c| {
        let entity = match (&q.entity_type, &q.entity_id) {
            (Some(t), Some(i)) => Some((t.as_str(), i.as_str())),
            (None, None) => None,
            _ => return Err(AppError::of(ErrorCode::EntityFilterIncomplete)),
        };
        svc::recent(c, entity, q.before_seq, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// Recompute the audit hash chain and name the first broken link.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])), responses(
    (status = 200, body = VerifyReport), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/audit/verify")]
pub async fn verify(state: State, _auth: Auth<AuditRead>) -> Answer {
    Ok(HttpResponse::Ok().json(db(&state, svc::verify).await?))
}
