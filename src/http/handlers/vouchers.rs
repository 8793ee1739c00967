//! Voucher programmes, batches, the live batch state, claiming, and a firm's vouchers.

use super::act_created;
use super::read;
use crate::domain::id::{BatchId, FirmId, ProgrammeId};
use crate::domain::voucher::BatchStatus;
use crate::domain::IdempotencyKey;
use crate::domain::{voucher::batch_status, Fen};
use crate::error::ErrorCode;
use crate::error::{AppError, Problem};
use crate::http::extract::{AdminRole, Auth, FirmRole};
use crate::http::Answer;
use crate::http::{db, optional_json, request_id, JsonBody, State};
use crate::services::claims::ClaimRequest;
use crate::services::vouchers::{
    self as svc, BatchInput, BatchView, ProgrammeInput, ProgrammeView, TopupInput, VoucherView,
};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse, ResponseError};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Create a voucher programme; omitted fields take the policy defaults.
#[utoipa::path(post, path = "/api/v1/programmes", tag = "vouchers", request_body = ProgrammeInput, security(("bearer" = [])), responses(
    (status = 201, body = ProgrammeView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/programmes")]
pub async fn create_programme(
    state: State,
    auth: Auth<AdminRole>,
    body: JsonBody<ProgrammeInput>,
) -> Answer {
    let body = body?;
    act_created(&state, auth.actor, move |c, cx| svc::create_programme(c, cx, &body)).await
}

/// Voucher programmes and their rules (public).
#[utoipa::path(get, path = "/api/v1/programmes", tag = "vouchers", responses((status = 200, body = Vec<ProgrammeView>)))]
#[get("/programmes")]
pub async fn programmes(state: State) -> Answer {
    Ok(HttpResponse::Ok().json(db(&state, svc::programmes).await?))
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}", tag = "vouchers", params(("id" = String, Path)), responses(
    (status = 200, body = ProgrammeView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/programmes/{id}")]
pub async fn programme(state: State, path: Path<ProgrammeId>) -> Answer {
    read(&state, move |c| svc::programme(c, &path)).await
}

/// Create a batch (期) of a programme, as a draft or published at once.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/batches", tag = "vouchers", request_body = BatchInput, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 201, body = BatchView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/programmes/{id}/batches")]
pub async fn create_batch(
    state: State,
    auth: Auth<AdminRole>,
    path: Path<ProgrammeId>,
    body: JsonBody<BatchInput>,
) -> Answer {
    let body = body?;
    act_created(&state, auth.actor, move |c, cx| svc::create_batch(c, cx, &path, &body)).await
}

/// Published batches, newest first (public).
#[utoipa::path(get, path = "/api/v1/batches", tag = "vouchers", responses((status = 200, body = Vec<BatchView>)))]
#[get("/batches")]
pub async fn batches(state: State) -> Answer {
    let now = state.clock.now();
    read(&state, move |c| svc::batches(c, false, now)).await
}

#[utoipa::path(get, path = "/api/v1/batches/{id}", tag = "vouchers", params(("id" = String, Path)), responses(
    (status = 200, body = BatchView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/batches/{id}")]
pub async fn batch(state: State, path: Path<BatchId>) -> Answer {
    let now = state.clock.now();
    read(&state, move |c| svc::batch(c, &path, false, now)).await
}

/// Publish a draft batch: it opens and closes by the clock from then on.
#[utoipa::path(post, path = "/api/v1/batches/{id}/publish", tag = "vouchers", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = BatchView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/batches/{id}/publish")]
pub async fn publish(state: State, auth: Auth<AdminRole>, path: Path<BatchId>) -> Answer {
    let id = path.into_inner();
    let ctx = state.context(auth.actor);
    let key = id.clone();
    let v = db(&state, move |c| svc::publish_batch(c, ctx.cx(), &id)).await?;
    state.claims.invalidate(&key);
    Ok(HttpResponse::Ok().json(v))
}

/// Raise a batch's budget (never lowered).
#[utoipa::path(post, path = "/api/v1/batches/{id}/topups", tag = "vouchers", request_body = TopupInput, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = BatchView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/batches/{id}/topups")]
pub async fn top_up(
    state: State,
    auth: Auth<AdminRole>,
    path: Path<BatchId>,
    body: JsonBody<TopupInput>,
) -> Answer {
    let body = body?;
    let id = path.into_inner();
    let ctx = state.context(auth.actor);
    let key = id.clone();
    let v = db(&state, move |c| svc::top_up(c, ctx.cx(), &id, &body)).await?;
    state.claims.invalidate(&key);
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchState {
    #[schema(value_type = String)]
    pub batch_id: BatchId,
    pub status: BatchStatus,
    #[schema(value_type = String)]
    pub budget: Fen,
    #[schema(value_type = String)]
    pub remaining: Fen,
    pub vouchers_claimed: i32,
    pub claimants: i64,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub opens_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub closes_at: NaiveDateTime,
    /// The server's clock, for the countdown to the opening second.
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub server_time: NaiveDateTime,
}

/// A batch's live state, cheap enough to poll while waiting for the opening second (public).
#[utoipa::path(get, path = "/api/v1/batches/{id}/state", tag = "vouchers", params(("id" = String, Path)), responses(
    (status = 200, body = BatchState), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/batches/{id}/state")]
pub async fn batch_state(state: State, path: Path<BatchId>) -> Answer {
    let id = path.into_inner();
    let live = state.claims.state(&id).await.ok_or_else(|| AppError::not_found("batch"))?;
    let now = state.clock.now();
    let s = &live.snap;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(BatchState {
        status: batch_status(
            s.published,
            s.opens_at,
            s.closes_at,
            s.remaining,
            s.smallest_face,
            now,
        ),
        batch_id: id,
        budget: s.budget,
        remaining: s.remaining,
        vouchers_claimed: s.vouchers_claimed,
        claimants: live.claimants,
        opens_at: s.opens_at,
        closes_at: s.closes_at,
        server_time: now,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    /// The face value chosen, in yuan; needed only when the batch offers several.
    #[schema(schema_with = crate::domain::validation::schema::opt_positive_yuan)]
    pub face_value: Option<String>,
}

fn claim_error(e: AppError, arrival: Option<u64>) -> HttpResponse {
    let mut resp = e.error_response();
    if let Some(a) = arrival.and_then(|a| HeaderValue::from_str(&a.to_string()).ok()) {
        resp.headers_mut().insert(HeaderName::from_static("x-claim-arrival"), a);
    }
    resp
}

/// Claim a voucher from a batch. The answer is final: 201 with the voucher, or a refusal
/// (`batch_not_open`, `batch_closed`, `batch_sold_out`, `already_claimed`,
/// `firm_not_eligible`, `claim_gate_unmet`, `annual_limit_reached`; a lottery batch
/// answers `batch_allocated_by_lottery`). Send an
/// `Idempotency-Key` header to make retries safe. `X-Claim-Arrival` tells the arrival order.
#[utoipa::path(post, path = "/api/v1/batches/{id}/claims", tag = "vouchers", request_body(content = Option<ClaimBody>),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "1-200 visible ASCII characters", pattern = r"^[!-~]{1,200}$")),
    security(("bearer" = [])), responses(
    (status = 201, body = VoucherView),
    (status = "4XX", body = Problem, content_type = "application/problem+json"),))]
#[post("/batches/{id}/claims")]
pub async fn claim(
    state: State,
    auth: Auth<FirmRole>,
    req: HttpRequest,
    path: Path<BatchId>,
    body: web::Bytes,
) -> Answer {
    let face_value = match optional_json::<ClaimBody>(&body)?.and_then(|b| b.face_value) {
        Some(s) => Some(Fen::parse_yuan(&s).map_err(|e| {
            let mut f = crate::domain::validation::FieldErrors::new();
            f.add("face_value", e.code(), e.message_zh(), e.message_en());
            AppError::validation(f)
        })?),
        None => None,
    };
    let key = match req.headers().get("idempotency-key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(IdempotencyKey::parse)
                .ok_or_else(|| AppError::of(ErrorCode::IdempotencyKeyInvalid))?,
        ),
    };
    let firm_id = auth.party_as::<FirmId>()?;
    let user = auth.caller.user_id.clone();
    let request = ClaimRequest::by_user(user, firm_id, face_value, key, request_id(&req));
    let (arrival, answer) = state.claims.claim(&path, request).await;
    match answer.into_result() {
        Ok(v) => Ok(HttpResponse::Created()
            .insert_header(("X-Claim-Arrival", arrival.to_string()))
            .json(v)),
        Err(e) => Ok(claim_error(e, Some(arrival))),
    }
}

/// Every voucher with the firm that holds it: searched by a voucher's code, or a firm's
/// whole credit code or part of its name; by state (`active`, `used`, `expired`,
/// `revoked`) and the days claimed; newest (default), oldest or largest face value
/// first; a page, or the list as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/vouchers", tag = "vouchers", params(crate::services::listing::ListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of vouchers (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((crate::services::Paged<crate::services::vouchers::HeldVoucher> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/vouchers")]
pub async fn list(
    state: State,
    _auth: Auth<crate::http::extract::StaffRead>,
    q: web::Query<crate::services::listing::ListQuery>,
) -> Answer {
    super::lists::answer(
        &state,
        q.into_inner(),
        crate::domain::voucher::VoucherStatus::parse,
        crate::services::vouchers::SORTS,
        crate::services::vouchers::list,
    )
    .await
}

/// The signed-in firm's vouchers.
#[utoipa::path(get, path = "/api/v1/firm/vouchers", tag = "vouchers", security(("bearer" = [])), responses(
    (status = 200, body = Vec<VoucherView>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/firm/vouchers")]
pub async fn my_vouchers(state: State, auth: Auth<FirmRole>) -> Answer {
    let id = auth.party_as::<FirmId>()?;
    read(&state, move |c| svc::vouchers_of_firm(c, &id)).await
}
