//! Settlement runs, payouts, bank files, payment results and period reports.

use super::act;
use super::read;
use crate::domain::id::{PayoutId, RunId};
use crate::domain::listing::BY_AMOUNT;
use crate::domain::settlement::{PayoutStatus, RunStatus};
use crate::error::ErrorCode;
use crate::error::{AppError, Problem};
use crate::http::extract::{Auth, FinanceRead, FinanceRole};
use crate::http::Answer;
use crate::http::{db, JsonBody, State};
use crate::services::listing::ListQuery;
use crate::services::settlement::{
    self as svc, FileFormat, ImportReport, PayoutDetail, PayoutResult, PayoutView, PeriodReport,
    Prepared, ReversalInput, RunDecision, RunView,
};
use crate::services::Paged;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::Path;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrepareInput {
    /// The month to pay for, YYYY-MM.
    #[schema(schema_with = crate::domain::validation::schema::period)]
    pub period: String,
}

/// Prepare the settlement run of a period by hand (also done by the `settlement` job on
/// the 1st of each month). Idempotent: an existing run of the period is returned (200).
#[utoipa::path(post, path = "/api/v1/settlement-runs", tag = "settlement", request_body = PrepareInput, security(("bearer" = [])), responses(
    (status = 201, body = Prepared), (status = 200, description = "the period's existing run", body = Prepared),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/settlement-runs")]
pub async fn prepare(
    state: State,
    auth: Auth<FinanceRole>,
    body: JsonBody<PrepareInput>,
) -> Answer {
    let body = body?;
    let period = svc::parse_period(&body.period)?;
    let ctx = state.context(auth.actor);
    let out = db(&state, move |c| svc::prepare(c, ctx.cx(), period, false)).await?;
    Ok(if out.created { HttpResponse::Created().json(out) } else { HttpResponse::Ok().json(out) })
}

/// Settlement runs: searched by the beginning of the period (`2026-1`), a payee's name
/// or whole credit code, or a payout's reference; by state (`prepared`, `approved`,
/// `rejected`) and the days prepared; newest (default), oldest or largest total first;
/// a page, or the list as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/settlement-runs", tag = "settlement", params(ListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of runs (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<RunView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/settlement-runs")]
pub async fn list(state: State, _auth: Auth<FinanceRead>, q: web::Query<ListQuery>) -> Answer {
    super::lists::answer(&state, q.into_inner(), RunStatus::parse, BY_AMOUNT, svc::list).await
}

/// Payouts of every run: searched by part of the payee's name, its whole credit code,
/// the payout's reference or the bank's reference; by state (`pending`, `paid`,
/// `failed`, `reversed`, `cancelled`) and the days paid; newest, oldest, largest or by
/// payee; a page, or the list as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/payouts", tag = "settlement", params(ListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of payouts (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<PayoutView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/payouts")]
pub async fn payouts(state: State, _auth: Auth<FinanceRead>, q: web::Query<ListQuery>) -> Answer {
    super::lists::answer(
        &state,
        q.into_inner(),
        PayoutStatus::parse,
        svc::PAYOUT_SORTS,
        svc::payouts,
    )
    .await
}

/// One run with its payouts and held-back payees.
#[utoipa::path(get, path = "/api/v1/settlement-runs/{id}", tag = "settlement", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = RunView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/settlement-runs/{id}")]
pub async fn get(state: State, _auth: Auth<FinanceRead>, path: Path<RunId>) -> Answer {
    read(&state, move |c| svc::get(c, &path)).await
}

/// Approve (not the preparer) or reject (with a reason: every item back to payable).
#[utoipa::path(post, path = "/api/v1/settlement-runs/{id}/decision", tag = "settlement", request_body = RunDecision, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = RunView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/settlement-runs/{id}/decision")]
pub async fn decide(
    state: State,
    auth: Auth<FinanceRole>,
    path: Path<RunId>,
    body: JsonBody<RunDecision>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::decide(c, cx, &path, &body)).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// csv (UTF-8 with BOM) or xlsx.
    #[param(pattern = "^(csv|xlsx)$")]
    pub format: Option<String>,
}

pub(crate) fn file_format(q: &FormatQuery) -> Result<FileFormat, AppError> {
    match q.format.as_deref() {
        None | Some("csv") => Ok(FileFormat::Csv),
        Some("xlsx") => Ok(FileFormat::Xlsx),
        Some(other) => Err(AppError::of(ErrorCode::FormatUnknown).arg("what", other)),
    }
}

pub(crate) fn attachment(
    bytes: Vec<u8>,
    format: FileFormat,
    name: &str,
    sha: Option<&str>,
) -> HttpResponse {
    let mut r = HttpResponse::Ok();
    r.content_type(match format {
        FileFormat::Csv => "text/csv; charset=utf-8",
        FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    })
    .insert_header(ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(name.to_string())],
    })
    .insert_header((header::CACHE_CONTROL, "private, no-store"));
    if let Some(sha) = sha {
        r.insert_header(("x-content-sha256", sha.to_string()));
    }
    r.body(bytes)
}

/// The bank payment file of an approved run (the same bytes every time; its SHA-256 is
/// recorded on the run and sent as `x-content-sha256`).
#[utoipa::path(get, path = "/api/v1/settlement-runs/{id}/bank-file", tag = "settlement", params(("id" = String, Path), FormatQuery), security(("bearer" = [])), responses(
    (status = 200, description = "the file: CSV (UTF-8 with BOM) or XLSX", content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/settlement-runs/{id}/bank-file")]
pub async fn bank_file(
    state: State,
    auth: Auth<FinanceRole>,
    path: Path<RunId>,
    q: web::Query<FormatQuery>,
) -> Answer {
    let format = file_format(&q)?;
    let ctx = state.context(auth.actor);
    let (bytes, sha, name) = db(&state, move |c| svc::export(c, ctx.cx(), &path, format)).await?;
    Ok(attachment(bytes, format, &name, Some(&sha)))
}

/// The largest bank result file taken (about 150,000 rows).
const RESULT_FILE_LIMIT: usize = 16 << 20;

/// Import the bank's result file (CSV with the header
/// `reference,status,amount,bank_reference,paid_on,reason`; status paid/成功 or
/// failed/失败). Matched rows are recorded; unmatched and mismatched rows are reported;
/// a malformed file applies nothing.
#[utoipa::path(post, path = "/api/v1/settlement-runs/{id}/results", tag = "settlement", params(("id" = String, Path)),
    request_body(content = String, content_type = "text/csv"), security(("bearer" = [])), responses(
    (status = 200, body = ImportReport),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/settlement-runs/{id}/results")]
pub async fn import_results(
    state: State,
    auth: Auth<FinanceRole>,
    path: Path<RunId>,
    payload: web::Payload,
) -> Answer {
    let body = match payload.to_bytes_limited(RESULT_FILE_LIMIT).await {
        Ok(read) => read?,
        Err(_) => return Err(AppError::of(ErrorCode::ResultFileTooLarge).into()),
    };
    act(&state, auth.actor, move |c, cx| svc::import(c, cx, &path, &body)).await
}

/// One payout opened to what it pays: each redemption item (firm, order, category,
/// amounts, evidence, review decision) or subsidy entitlement, totals by category, and
/// whether the payee's bank account changed since the payout was made out.
#[utoipa::path(get, path = "/api/v1/payouts/{id}", tag = "settlement", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = PayoutDetail), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/payouts/{id}")]
pub async fn payout(state: State, _auth: Auth<FinanceRead>, path: Path<PayoutId>) -> Answer {
    read(&state, move |c| svc::payout(c, &path)).await
}

/// Record one payout's result: paid (bank reference, date) or failed (reason: its items
/// go back to payable).
#[utoipa::path(post, path = "/api/v1/payouts/{id}/result", tag = "settlement", request_body = PayoutResult, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = PayoutView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/payouts/{id}/result")]
pub async fn record(
    state: State,
    auth: Auth<FinanceRole>,
    path: Path<PayoutId>,
    body: JsonBody<PayoutResult>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::record(c, cx, &path, &body)).await
}

/// Reverse a paid payout (the bank returned the money): recorded, and its items are
/// payable again.
#[utoipa::path(post, path = "/api/v1/payouts/{id}/reversal", tag = "settlement", request_body = ReversalInput, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = PayoutView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/payouts/{id}/reversal")]
pub async fn reverse(
    state: State,
    auth: Auth<FinanceRole>,
    path: Path<PayoutId>,
    body: JsonBody<ReversalInput>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::reverse(c, cx, &path, &body)).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// YYYY-MM; by default the month before this one (China time).
    #[param(schema_with = crate::domain::validation::schema::opt_period)]
    pub period: Option<String>,
    /// json (default), csv or xlsx.
    #[param(pattern = "^(json|csv|xlsx)$")]
    pub format: Option<String>,
}

/// What a period's run pays, by programme, provider and category (JSON, CSV or XLSX).
#[utoipa::path(get, path = "/api/v1/reports/settlement", tag = "settlement", params(ReportQuery), security(("bearer" = [])), responses(
    (status = 200, description = "the report: JSON, CSV (UTF-8 with BOM) or XLSX", content((PeriodReport = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/reports/settlement")]
pub async fn report(state: State, _auth: Auth<FinanceRead>, q: web::Query<ReportQuery>) -> Answer {
    // Blank is the default, as for every optional filter.
    let period = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => svc::parse_period(p)?,
        None => crate::domain::settlement::Period::before(state.clock.now()),
    };
    let format = match q.format.as_deref() {
        None | Some("json") => None,
        other => Some(file_format(&FormatQuery { format: other.map(str::to_string) })?),
    };
    let policy = state.policy.clone();
    let r = db(&state, move |c| svc::report(c, &policy, period)).await?;
    Ok(match format {
        None => HttpResponse::Ok().json(r),
        Some(f) => {
            let bytes = svc::report_file(&r, f)?;
            let ext = if f == FileFormat::Csv { "csv" } else { "xlsx" };
            attachment(bytes, f, &format!("settlement-report-{period}.{ext}"), None)
        }
    })
}
