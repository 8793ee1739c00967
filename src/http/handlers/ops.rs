use crate::error::{AppError, Problem};
use crate::http::Answer;
use crate::http::{db, State};
use actix_web::{get, http::header, HttpResponse};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, body = Health)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Ready {
    pub status: &'static str,
    pub database: &'static str,
}

/// Readiness: the database answers and takes a write now (503 with `Retry-After`
/// otherwise, e.g. while its disk is full).
#[utoipa::path(get, path = "/ready", tag = "operations", responses(
    (status = 200, body = Ready),
    (status = 503, body = Problem, content_type = "application/problem+json")))]
#[get("/ready")]
pub async fn ready(state: State) -> Answer {
    // Ready means a write would be taken now: a database that answers reads but cannot
    // write (a full disk, a read-only file system) is not ready.
    let now = state.clock.now();
    if let Some((file, min_free)) = &state.sqlite_space {
        if let Some(free) = crate::db::free_space(file) {
            if free < *min_free {
                return Err(AppError::unavailable(format!(
                    "only {free} bytes free under the database (database.sqlite_min_free_bytes = {min_free})"
                ))
                .into());
            }
        }
    }
    let backend = db(&state, move |c| {
        crate::db::ping(c).map_err(|e| AppError::unavailable(format!("database ping: {e}")))?;
        crate::db::probe_write(c, now)
            .map_err(|e| AppError::unavailable(format!("database write: {e}")))?;
        Ok(crate::db::backend_of(c).name())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Ready { status: "ready", database: backend }))
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, content_type = "text/plain", body = String)))]
#[get("/metrics")]
pub async fn metrics(state: State) -> HttpResponse {
    let s = state.pool.state();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"))
        .body(state.metrics.render(s.connections, s.idle_connections))
}
