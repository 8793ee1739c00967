//! Subsidies and awards for certified carriers: entitlements, their decision, the
//! duplicate-support register, yearly statistics and the public disclosure.

use super::read;
use super::{act, act_created};
use crate::domain::id::{EntitlementId, SpaceId};
use crate::domain::subsidy::{EntitlementStatus, SubsidyConfig};
use crate::error::Problem;
use crate::http::extract::{Auth, Reviewing, SpaceRead, SpaceRole, StaffRead};
use crate::http::handlers::settlement::{attachment, file_format, FormatQuery};
use crate::http::Answer;
use crate::http::{db, page, JsonBody, State};
use crate::services::awards::{self, EvaluationView};
use crate::services::settlement::FileFormat;
use crate::services::statistics::{self as stats, FilingInput, FilingView, YearStatus};
use crate::services::subsidies::{
    self as svc, ComputeReport, EntitlementDecision, EntitlementQuery, EntitlementView, GrantInput,
    GrantRecorded, GrantView, PublicEntitlement, Viewer,
};
use crate::services::Paged;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

/// The subsidy policies, the statistics rules and the performance evaluation's rules.
#[utoipa::path(get, path = "/api/v1/policy/subsidies", tag = "subsidies", responses(
    (status = 200, body = SubsidyConfig)))]
#[get("/policy/subsidies")]
pub async fn policies(state: State) -> HttpResponse {
    HttpResponse::Ok().json(&state.policy.subsidies)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComputeInput {
    /// Compute up to and including this month, `YYYY-MM` (default: this month).
    #[schema(schema_with = crate::domain::validation::schema::opt_period)]
    pub as_of: Option<String>,
}

/// Computes the entitlements due (also done by the `entitlements` job on the 1st of
/// each month, and by `hechuang entitlements`). Re-runs never duplicate.
#[utoipa::path(post, path = "/api/v1/entitlement-runs", tag = "subsidies", request_body = ComputeInput, security(("bearer" = [])), responses(
    (status = 200, body = ComputeReport),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/entitlement-runs")]
pub async fn compute(state: State, auth: Auth<Reviewing>, body: JsonBody<ComputeInput>) -> Answer {
    let body = body?;
    let ctx = state.context(auth.actor);
    let as_of = match body.as_of.as_deref() {
        None | Some("") => None,
        Some(p) => Some(crate::services::settlement::parse_period(p)?),
    };
    read(&state, move |c| svc::compute(c, ctx.cx(), as_of)).await
}

crate::list_query! {
    /// The entitlements' question: the shared parts, and one subsidy policy.
    EntitlementsQuery {
        /// A subsidy policy's code (`GET /api/v1/policy/subsidies`).
        policy: Option<String>,
    }
}

/// Entitlements: searched by part of the space's name, its whole credit code or the
/// beginning of the period (`2026`); by state (`in_notice`, `payable`, `paid`,
/// `rejected`), subsidy policy and the days computed; newest (default), oldest or
/// largest first; a space's own, every one for staff; a page, or the list as CSV or
/// XLSX.
#[utoipa::path(get, path = "/api/v1/entitlements", tag = "subsidies", params(EntitlementsQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of entitlements (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<EntitlementView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/entitlements")]
pub async fn entitlements(
    state: State,
    auth: Auth<SpaceRead>,
    q: web::Query<EntitlementsQuery>,
) -> Answer {
    let code = q.policy.clone().filter(|p| !p.is_empty());
    let policy = state.policy.clone();
    super::lists::answer(
        &state,
        q.shared(),
        EntitlementStatus::parse,
        svc::SORTS,
        move |c, f, p| {
            let query = EntitlementQuery { filter: f.clone(), policy: code };
            svc::entitlements(c, &policy, Viewer::of(&auth.actor)?, &query, p)
        },
    )
    .await
}

#[utoipa::path(get, path = "/api/v1/entitlements/{id}", tag = "subsidies", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = EntitlementView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/entitlements/{id}")]
pub async fn entitlement(state: State, auth: Auth<SpaceRead>, path: Path<EntitlementId>) -> Answer {
    let policy = state.policy.clone();
    read(&state, move |c| svc::entitlement(c, &policy, Viewer::of(&auth.actor)?, &path)).await
}

/// Approve (after the public notice; it becomes payable) or reject (with a reason).
#[utoipa::path(post, path = "/api/v1/entitlements/{id}/decision", tag = "subsidies", request_body = EntitlementDecision, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = EntitlementView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/entitlements/{id}/decision")]
pub async fn decide(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<EntitlementId>,
    body: JsonBody<EntitlementDecision>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::decide(c, cx, &path, &body)).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GrantsQuery {
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// One beneficiary's grants.
    pub credit_code: Option<String>,
}

/// The duplicate-support register (避免多头重复支持): every grant, newest first.
#[utoipa::path(get, path = "/api/v1/support-grants", tag = "subsidies", params(GrantsQuery), security(("bearer" = [])), responses(
    (status = 200, body = Paged<GrantView>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/support-grants")]
pub async fn grants(state: State, _auth: Auth<StaffRead>, q: web::Query<GrantsQuery>) -> Answer {
    let page = page(q.page, q.per_page)?;
    let code = q.credit_code.as_deref().map(|s| s.trim().to_uppercase()).filter(|s| !s.is_empty());
    read(&state, move |c| svc::grants(c, code.as_deref(), page)).await
}

/// Records a grant made elsewhere, so the register sees every source; earlier grants
/// for the same purpose and an overlapping period are shown.
#[utoipa::path(post, path = "/api/v1/support-grants", tag = "subsidies", request_body = GrantInput, security(("bearer" = [])), responses(
    (status = 201, body = GrantRecorded),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/support-grants")]
pub async fn record_grant(
    state: State,
    auth: Auth<Reviewing>,
    body: JsonBody<GrantInput>,
) -> Answer {
    let body = body?;
    act_created(&state, auth.actor, move |c, cx| svc::record_grant(c, cx, &body)).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// Support given to carriers, published (上网公示): entitlements in notice, approved
/// and paid.
#[utoipa::path(get, path = "/api/v1/public/subsidies", tag = "public", params(PageQuery), responses(
    (status = 200, body = Paged<PublicEntitlement>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/public/subsidies")]
pub async fn public_subsidies(state: State, q: web::Query<PageQuery>) -> Answer {
    let page = page(q.page, q.per_page)?;
    let policy = state.policy.clone();
    read(&state, move |c| svc::public_entitlements(c, &policy, page)).await
}

/// The space files (or corrects, until the year is evaluated) its yearly statistics.
#[utoipa::path(post, path = "/api/v1/space/statistics", tag = "subsidies", request_body = FilingInput, security(("bearer" = [])), responses(
    (status = 200, body = FilingView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/space/statistics")]
pub async fn file_statistics(
    state: State,
    auth: Auth<SpaceRole>,
    body: JsonBody<FilingInput>,
) -> Answer {
    let body = body?;
    let space = auth.party_as::<SpaceId>()?;
    let ctx = state.context(auth.actor);
    read(&state, move |c| stats::file(c, ctx.cx(), &space, &body)).await
}

/// The space's own filings, newest year first.
#[utoipa::path(get, path = "/api/v1/space/statistics", tag = "subsidies", security(("bearer" = [])), responses(
    (status = 200, body = Vec<FilingView>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/space/statistics")]
pub async fn my_statistics(state: State, auth: Auth<SpaceRole>) -> Answer {
    let space = auth.party_as::<SpaceId>()?;
    let policy = state.policy.clone();
    read(&state, move |c| stats::filings_of(c, &policy, &space)).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// A calendar year from 2000 to this one (default: last year, the one being filed).
    #[param(minimum = 2000, maximum = 2999)]
    pub year: Option<i32>,
}

/// Every space certified in the year and where its filing stands; `missing` ones are
/// flagged (policies that require statistics suspend their subsidies).
#[utoipa::path(get, path = "/api/v1/statistics", tag = "subsidies", params(YearQuery), security(("bearer" = [])), responses(
    (status = 200, body = YearStatus), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/statistics")]
pub async fn year_status(state: State, _auth: Auth<StaffRead>, q: web::Query<YearQuery>) -> Answer {
    let (policy, now) = (state.policy.clone(), state.clock.now());
    let year = q.year.unwrap_or_else(|| crate::domain::settlement::Period::of(now).year - 1);
    read(&state, move |c| stats::year_status(c, &policy, year, now)).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateInput {
    /// The year evaluated (over, and past its statistics deadline).
    #[schema(minimum = 2000, maximum = 2999)]
    pub year: i32,
}

/// Runs the yearly performance evaluation of filed maker spaces, once per year: scores,
/// ranks, and makes the award entitlements of the top N not already holding the title.
#[utoipa::path(post, path = "/api/v1/performance-evaluations", tag = "subsidies", request_body = EvaluateInput, security(("bearer" = [])), responses(
    (status = 201, body = EvaluationView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/performance-evaluations")]
pub async fn evaluate(
    state: State,
    auth: Auth<Reviewing>,
    body: JsonBody<EvaluateInput>,
) -> Answer {
    let body = body?;
    act_created(&state, auth.actor, move |c, cx| awards::evaluate(c, cx, body.year)).await
}

/// A year's evaluation, published: the ranking with each space's score broken down.
#[utoipa::path(get, path = "/api/v1/public/performance-evaluations/{year}", tag = "public", params(("year" = i32, Path)), responses(
    (status = 200, body = EvaluationView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/public/performance-evaluations/{year}")]
pub async fn evaluation(state: State, path: Path<i32>) -> Answer {
    let year = path.into_inner();
    read(&state, move |c| awards::evaluation(c, year)).await
}

/// The ranking as a spreadsheet: a row per space, every indicator in columns.
#[utoipa::path(get, path = "/api/v1/public/performance-evaluations/{year}/ranking", tag = "public", params(("year" = i32, Path), FormatQuery), responses(
    (status = 200, description = "CSV (UTF-8 with BOM) or XLSX", content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/public/performance-evaluations/{year}/ranking")]
pub async fn ranking(state: State, path: Path<i32>, q: web::Query<FormatQuery>) -> Answer {
    let year = path.into_inner();
    let format = file_format(&q)?;
    let policy = state.policy.clone();
    let bytes = db(&state, move |c| {
        let ev = awards::evaluation(c, year)?;
        awards::ranking_file(&policy, &ev, format)
    })
    .await?;
    let ext = match format {
        FileFormat::Csv => "csv",
        FileFormat::Xlsx => "xlsx",
    };
    Ok(attachment(bytes, format, &format!("performance-{year}.{ext}"), None))
}
