//! Spot checks (回访抽查): the administrator draws a month's sample; anyone reads a draw
//! and re-draws it from its seed; the sampled firm answers; staff follow the checks.

use super::{act, act_created, read};
use crate::domain::id::{DrawId, FindingId, FirmId, ProviderId, SpotCheckId};
use crate::domain::spot_check::CheckStatus;
use crate::error::{AppError, ErrorCode, Problem};
use crate::http::extract::{AdminRole, Auth, FirmRole, ProviderRole, Reviewing, StaffRead};
use crate::http::{page, Answer, JsonBody, State};
use crate::services::findings::{
    self as findings_svc, FindingDecision, FindingView, StatementInput,
};
use crate::services::spot_checks::{self as svc, CheckAnswerInput, CheckView, DrawInput, DrawView};
use crate::services::Paged;
use actix_web::web::Path;
use actix_web::{get, post, web};

/// Draws the spot-check sample of a month that has ended (once per month): every item
/// approved in it weighed by its risks (`config/policy/spot_checks.toml`), the sample
/// drawn with a new seed and recorded whole, each sampled firm asked in the portal and
/// by email.
#[utoipa::path(post, path = "/api/v1/spot-checks/draws", tag = "spot checks", request_body = DrawInput, security(("bearer" = [])), responses(
    (status = 201, body = DrawView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/spot-checks/draws")]
pub async fn draw(state: State, auth: Auth<AdminRole>, body: JsonBody<DrawInput>) -> Answer {
    let body = body?;
    let base = state.site.base_url.clone();
    act_created(&state, auth.actor, move |c, cx| svc::draw(c, cx, &base, &body)).await
}

/// The draws, latest month first.
#[utoipa::path(get, path = "/api/v1/spot-checks/draws", tag = "spot checks", params(super::subsidies::PageQuery), security(("bearer" = [])), responses(
    (status = 200, body = Paged<DrawView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/spot-checks/draws")]
pub async fn draws(
    state: State,
    _auth: Auth<StaffRead>,
    q: web::Query<super::subsidies::PageQuery>,
) -> Answer {
    let page = page(q.page, q.per_page)?;
    read(&state, move |c| svc::draws(c, page)).await
}

/// A draw, published (no sign-in): the rules, the seed, the population's digest and
/// every item with its tickets, risks, key and whether it was drawn, so anyone can
/// re-draw it (docs/API.md, "Spot checks"). No firm or person is named.
#[utoipa::path(get, path = "/api/v1/public/spot-check-draws/{id}", tag = "public", params(("id" = String, Path)), responses(
    (status = 200, body = DrawView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/public/spot-check-draws/{id}")]
pub async fn public_draw(state: State, path: Path<DrawId>) -> Answer {
    read(&state, move |c| svc::public_draw(c, &path)).await
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChecksQuery {
    /// `asked`, `confirmed` or `finding`.
    #[param(pattern = "^(asked|confirmed|finding)$")]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

fn status_of(q: &ChecksQuery) -> Result<Option<CheckStatus>, AppError> {
    match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => CheckStatus::parse(s)
            .map(Some)
            .ok_or_else(|| AppError::of(ErrorCode::StatusUnknown).arg("status", s)),
    }
}

/// Every spot check, newest first, of one state.
#[utoipa::path(get, path = "/api/v1/spot-checks", tag = "spot checks", params(ChecksQuery), security(("bearer" = [])), responses(
    (status = 200, body = Paged<CheckView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/spot-checks")]
pub async fn checks(state: State, _auth: Auth<StaffRead>, q: web::Query<ChecksQuery>) -> Answer {
    let (status, page) = (status_of(&q)?, page(q.page, q.per_page)?);
    read(&state, move |c| svc::checks(c, None, status, page)).await
}

/// The signed-in firm's spot checks, newest first.
#[utoipa::path(get, path = "/api/v1/firm/spot-checks", tag = "spot checks", params(ChecksQuery), security(("bearer" = [])), responses(
    (status = 200, body = Paged<CheckView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/firm/spot-checks")]
pub async fn mine(state: State, auth: Auth<FirmRole>, q: web::Query<ChecksQuery>) -> Answer {
    let firm = auth.party_as::<FirmId>()?;
    let (status, page) = (status_of(&q)?, page(q.page, q.per_page)?);
    read(&state, move |c| svc::checks(c, Some(&firm), status, page)).await
}

/// The sampled firm answers, once, by the deadline: `delivered` true closes the check;
/// false, with a `note` saying what happened, opens a finding for a reviewer.
#[utoipa::path(post, path = "/api/v1/spot-checks/{id}/answer", tag = "spot checks", request_body = CheckAnswerInput, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = CheckView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/spot-checks/{id}/answer")]
pub async fn answer(
    state: State,
    auth: Auth<FirmRole>,
    path: Path<SpotCheckId>,
    body: JsonBody<CheckAnswerInput>,
) -> Answer {
    let (body, firm) = (body?, auth.party_as::<FirmId>()?);
    act(&state, auth.actor, move |c, cx| svc::answer(c, cx, &firm, &path, &body)).await
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FindingsQuery {
    /// `open` or `decided`.
    #[param(pattern = "^(open|decided)$")]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

fn finding_status(
    q: &FindingsQuery,
) -> Result<Option<crate::domain::spot_check::FindingStatus>, AppError> {
    match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => crate::domain::spot_check::FindingStatus::parse(s)
            .map(Some)
            .ok_or_else(|| AppError::of(ErrorCode::StatusUnknown).arg("status", s)),
    }
}

/// Findings with both sides (the firm's note, the provider's statement), the longest
/// open first.
#[utoipa::path(get, path = "/api/v1/findings", tag = "spot checks", params(FindingsQuery), security(("bearer" = [])), responses(
    (status = 200, body = Paged<FindingView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/findings")]
pub async fn findings(
    state: State,
    _auth: Auth<StaffRead>,
    q: web::Query<FindingsQuery>,
) -> Answer {
    let (status, page) = (finding_status(&q)?, page(q.page, q.per_page)?);
    read(&state, move |c| findings_svc::list(c, None, status, page)).await
}

/// The signed-in provider's findings.
#[utoipa::path(get, path = "/api/v1/provider/findings", tag = "spot checks", params(FindingsQuery), security(("bearer" = [])), responses(
    (status = 200, body = Paged<FindingView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/provider/findings")]
pub async fn provider_findings(
    state: State,
    auth: Auth<ProviderRole>,
    q: web::Query<FindingsQuery>,
) -> Answer {
    let provider = auth.party_as::<ProviderId>()?;
    let (status, page) = (finding_status(&q)?, page(q.page, q.per_page)?);
    read(&state, move |c| findings_svc::list(c, Some(&provider), status, page)).await
}

/// The provider states its side of an open finding on its item (again to replace it).
#[utoipa::path(post, path = "/api/v1/findings/{id}/statement", tag = "spot checks", request_body = StatementInput, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = FindingView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/findings/{id}/statement")]
pub async fn statement(
    state: State,
    auth: Auth<ProviderRole>,
    path: Path<FindingId>,
    body: JsonBody<StatementInput>,
) -> Answer {
    let (body, provider) = (body?, auth.party_as::<ProviderId>()?);
    act(&state, auth.actor, move |c, cx| findings_svc::state(c, cx, &provider, &path, &body)).await
}

/// A reviewer (not the one who approved the item) decides an open finding: `no_issue`,
/// `corrected` (with `corrected_amount`) or `fraudulent`, with the reason. The amount an
/// unpaid item no longer claims goes back to its programme; for an item in a settlement
/// run or paid the provider owes it back (a receivable, offset against its next
/// payouts). The provider is told by email (`finding_decided`).
#[utoipa::path(post, path = "/api/v1/findings/{id}/decision", tag = "spot checks", request_body = FindingDecision, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = FindingView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/findings/{id}/decision")]
pub async fn decide(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<FindingId>,
    body: JsonBody<FindingDecision>,
) -> Answer {
    let (body, base) = (body?, state.site.base_url.clone());
    act(&state, auth.actor, move |c, cx| findings_svc::decide(c, cx, &base, &path, &body)).await
}
