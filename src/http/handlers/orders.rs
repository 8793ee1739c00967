//! Service orders: a firm spends a voucher with a listed provider.

use super::read;
use super::{act, act_created};
use crate::domain::id::{EvidenceId, FirmId, OrderId, ProviderId};
use crate::error::Problem;
use crate::http::extract::{
    Auth, EvidenceRead, FirmOrProvider, FirmRole, OrderRead, ProviderRole, Reviewing,
};
use crate::http::handlers::settlement::{attachment, file_format, FormatQuery};
use crate::http::Answer;
use crate::http::{db, JsonBody, State};
use crate::services::evidence;
use crate::services::orders::OrderQuery;
use crate::services::orders::{
    self as svc, DisputeResolution, EvidenceView, OrderInput, OrderView, Party, Quote, ReasonInput,
};
use crate::services::settlement::FileFormat;
use crate::services::Paged;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// How a contract would be split between the voucher and the firm, before ordering.
#[utoipa::path(post, path = "/api/v1/orders/quote", tag = "orders", request_body = OrderInput, security(("bearer" = [])), responses(
    (status = 200, body = Quote),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/orders/quote")]
pub async fn quote(state: State, auth: Auth<FirmRole>, body: JsonBody<OrderInput>) -> Answer {
    let body = body?;
    let firm = auth.party_as::<FirmId>()?;
    let now = state.clock.now();
    read(&state, move |c| svc::quote(c, &firm, &body, now)).await
}

/// Order a service against one of the firm's vouchers; the provider then accepts or
/// declines.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = OrderInput, security(("bearer" = [])), responses(
    (status = 201, body = OrderView),
    (status = 404, description = "the voucher is not the firm's, or no such service item", body = Problem, content_type = "application/problem+json"),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/orders")]
pub async fn create(state: State, auth: Auth<FirmRole>, body: JsonBody<OrderInput>) -> Answer {
    let body = body?;
    let firm = auth.party_as::<FirmId>()?;
    act_created(&state, auth.actor, move |c, cx| svc::request(c, cx, &firm, &body)).await
}

/// Orders the caller may see: a firm's or a provider's own, every order for staff;
/// searched by order number, credit code or part of a firm's or provider's name, and
/// narrowed by state, category and the days they were placed; newest, oldest or largest
/// first; a page with the total, or the whole list as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of orders (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<OrderView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/orders")]
pub async fn list(state: State, auth: Auth<OrderRead>, q: web::Query<OrderQuery>) -> Answer {
    let q = q.into_inner();
    // The page asked for is judged for a file too (the document bounds it either way).
    let page = crate::http::page(q.page, q.per_page)?;
    let format = match q.format.as_deref() {
        None | Some("json") => None,
        other => Some(file_format(&FormatQuery { format: other.map(str::to_string) })?),
    };
    let policy = state.policy.clone();
    match format {
        None => {
            read(&state, move |c| svc::search(c, &policy, Party::of(&auth.actor)?, &q, page)).await
        }
        Some(f) => {
            let en = q.lang.as_deref() == Some("en");
            let bytes =
                db(&state, move |c| svc::export(c, &policy, Party::of(&auth.actor)?, &q, en, f))
                    .await?;
            let ext = if f == FileFormat::Csv { "csv" } else { "xlsx" };
            Ok(attachment(bytes, f, &format!("orders.{ext}"), None))
        }
    }
}

/// One order with its evidence and what is still missing before delivery.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = OrderView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/orders/{id}")]
pub async fn get(state: State, auth: Auth<OrderRead>, path: Path<OrderId>) -> Answer {
    let policy = state.policy.clone();
    read(&state, move |c| svc::get(c, &policy, Party::of(&auth.actor)?, &path)).await
}

/// The provider accepts: the voucher's share is held.
#[utoipa::path(post, path = "/api/v1/orders/{id}/accept", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = OrderView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/orders/{id}/accept")]
pub async fn accept(state: State, auth: Auth<ProviderRole>, path: Path<OrderId>) -> Answer {
    let provider = auth.party_as::<ProviderId>()?;
    act(&state, auth.actor, move |c, cx| svc::accept(c, cx, &provider, &path)).await
}

/// The provider declines a requested order, with a reason.
#[utoipa::path(post, path = "/api/v1/orders/{id}/decline", tag = "orders", request_body = ReasonInput, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = OrderView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/orders/{id}/decline")]
pub async fn decline(
    state: State,
    auth: Auth<ProviderRole>,
    path: Path<OrderId>,
    body: JsonBody<ReasonInput>,
) -> Answer {
    let body = body?;
    let provider = auth.party_as::<ProviderId>()?;
    act(&state, auth.actor, move |c, cx| svc::decline(c, cx, &provider, &path, &body)).await
}

/// The firm or the provider cancels before delivery; a hold is released.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", request_body = ReasonInput, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = OrderView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/orders/{id}/cancel")]
pub async fn cancel(
    state: State,
    auth: Auth<FirmOrProvider>,
    path: Path<OrderId>,
    body: JsonBody<ReasonInput>,
) -> Answer {
    let body = body?;
    let actor = auth.actor.clone();
    act(&state, auth.actor, move |c, cx| svc::cancel(c, cx, Party::of(&actor)?, &path, &body)).await
}

/// The provider marks the order delivered (every required document uploaded).
#[utoipa::path(post, path = "/api/v1/orders/{id}/deliver", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = OrderView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/orders/{id}/deliver")]
pub async fn deliver(state: State, auth: Auth<ProviderRole>, path: Path<OrderId>) -> Answer {
    let provider = auth.party_as::<ProviderId>()?;
    act(&state, auth.actor, move |c, cx| svc::deliver(c, cx, &provider, &path)).await
}

/// The firm confirms the delivery: the held share is consumed.
#[utoipa::path(post, path = "/api/v1/orders/{id}/confirm", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = OrderView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/orders/{id}/confirm")]
pub async fn confirm(state: State, auth: Auth<FirmRole>, path: Path<OrderId>) -> Answer {
    let firm = auth.party_as::<FirmId>()?;
    act(&state, auth.actor, move |c, cx| svc::confirm(c, cx, &firm, &path)).await
}

/// The firm disputes the delivery, with a reason; a reviewer resolves it.
#[utoipa::path(post, path = "/api/v1/orders/{id}/dispute", tag = "orders", request_body = ReasonInput, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = OrderView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/orders/{id}/dispute")]
pub async fn dispute(
    state: State,
    auth: Auth<FirmRole>,
    path: Path<OrderId>,
    body: JsonBody<ReasonInput>,
) -> Answer {
    let body = body?;
    let firm = auth.party_as::<FirmId>()?;
    act(&state, auth.actor, move |c, cx| svc::dispute(c, cx, &firm, &path, &body)).await
}

/// A reviewer resolves a dispute: the delivery stands, or the order is cancelled.
#[utoipa::path(post, path = "/api/v1/orders/{id}/dispute-resolution", tag = "orders", request_body = DisputeResolution, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = OrderView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/orders/{id}/dispute-resolution")]
pub async fn resolve_dispute(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<OrderId>,
    body: JsonBody<DisputeResolution>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::resolve_dispute(c, cx, &path, &body)).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EvidenceQuery {
    /// contract, invoice, payment_receipt or service_report.
    #[param(value_type = crate::domain::order::EvidenceKind)]
    pub kind: String,
    /// The file's name, shown to readers (never used as a path).
    pub name: Option<String>,
    /// An invoice's amount (价税合计, yuan): required for an invoice, refused for the
    /// other kinds.
    #[param(schema_with = crate::domain::validation::schema::opt_positive_yuan)]
    pub amount: Option<String>,
    /// The document's date, YYYY-MM-DD, not after today: the invoice's date, the
    /// delivery's (service report); required for those two.
    #[param(schema_with = crate::domain::validation::schema::opt_date)]
    pub dated: Option<String>,
}

/// Upload one evidence file (the request body is the file: PDF, JPEG or PNG, checked
/// by content; at most `data.max_upload_bytes`, default 10 MiB).
#[utoipa::path(post, path = "/api/v1/orders/{id}/evidence", tag = "orders", params(("id" = String, Path), EvidenceQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])), responses(
    (status = 201, body = EvidenceView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/orders/{id}/evidence")]
pub async fn upload(
    state: State,
    auth: Auth<ProviderRole>,
    path: Path<OrderId>,
    q: web::Query<EvidenceQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Answer {
    let provider = auth.party_as::<ProviderId>()?;
    let bytes = crate::http::file_body(&state, &req, payload).await?;
    let (files, ctx) = (state.files.clone(), state.context(auth.actor));
    let q = q.into_inner();
    Ok(HttpResponse::Created().json(
        db(&state, move |c| {
            evidence::add(
                c,
                ctx.cx(),
                &files,
                &provider,
                &path,
                evidence::Upload {
                    kind: &q.kind,
                    name: q.name.as_deref(),
                    amount: q.amount.as_deref(),
                    dated: q.dated.as_deref(),
                    bytes: &bytes,
                },
            )
        })
        .await?,
    ))
}

/// Download one evidence file (the order's firm and provider, reviewers, finance and
/// auditors).
#[utoipa::path(get, path = "/api/v1/orders/{id}/evidence/{evidence_id}", tag = "orders",
    params(("id" = String, Path), ("evidence_id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, description = "the file, with its media type", content_type = "application/octet-stream"),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/orders/{id}/evidence/{evidence_id}")]
pub async fn download(
    state: State,
    auth: Auth<EvidenceRead>,
    path: Path<(OrderId, EvidenceId)>,
) -> Answer {
    let (order, evidence_id) = path.into_inner();
    let files = state.files.clone();
    let (row, bytes) = db(&state, move |c| {
        evidence::read(c, &files, Party::of(&auth.actor)?, &order, &evidence_id)
    })
    .await?;
    Ok(crate::http::stored_file_download(&row.media_type, &row.file_name, bytes))
}

/// The firm rates its confirmed order (服务评价): quality, timeliness and value, 1–5
/// each, and an optional comment; once, within `rating_window_days` of confirming it.
#[utoipa::path(post, path = "/api/v1/orders/{id}/rating", tag = "orders", request_body = crate::services::ratings::RatingInput, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 201, body = crate::services::ratings::RatingView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/orders/{id}/rating")]
pub async fn rate(
    state: State,
    auth: Auth<FirmRole>,
    path: Path<OrderId>,
    body: JsonBody<crate::services::ratings::RatingInput>,
) -> Answer {
    let (body, firm) = (body?, auth.party_as::<FirmId>()?);
    act_created(&state, auth.actor, move |c, cx| {
        crate::services::ratings::rate(c, cx, &firm, &path, &body)
    })
    .await
}

/// The provider answers the rating of its order, once; the answer is public beside it.
#[utoipa::path(post, path = "/api/v1/orders/{id}/rating/answer", tag = "orders", request_body = crate::services::ratings::AnswerInput, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = crate::services::ratings::RatingView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/orders/{id}/rating/answer")]
pub async fn answer_rating(
    state: State,
    auth: Auth<ProviderRole>,
    path: Path<OrderId>,
    body: JsonBody<crate::services::ratings::AnswerInput>,
) -> Answer {
    let (body, provider) = (body?, auth.party_as::<ProviderId>()?);
    act(&state, auth.actor, move |c, cx| {
        crate::services::ratings::answer(c, cx, &provider, &path, &body)
    })
    .await
}
