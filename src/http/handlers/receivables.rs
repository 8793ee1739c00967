//! Receivables (应收款项): what providers owe back after findings against items already
//! in a settlement run or paid. Staff follow them; the provider reads its own; finance
//! records repayments. Offsets are taken by settlement runs, not here.

use super::{act_created, read};
use crate::domain::id::{ProviderId, ReceivableId};
use crate::domain::receivable::ReceivableState;
use crate::error::{AppError, ErrorCode, Problem};
use crate::http::extract::{Auth, FinanceRole, ProviderRole, RedemptionRead, StaffRead};
use crate::http::{page, Answer, JsonBody, State};
use crate::services::orders::Party;
use crate::services::receivables::{self as svc, ReceivableView, RepaymentInput};
use crate::services::Paged;
use actix_web::web::Path;
use actix_web::{get, post, web};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReceivablesQuery {
    /// `open` (something still owed) or `recovered`.
    #[param(pattern = "^(open|recovered)$")]
    pub state: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

fn state_of(q: &ReceivablesQuery) -> Result<Option<ReceivableState>, AppError> {
    match q.state.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => ReceivableState::parse(s)
            .map(Some)
            .ok_or_else(|| AppError::of(ErrorCode::StatusUnknown).arg("status", s)),
    }
}

/// Receivables, the oldest first: what each provider owes, what offsets and repayments
/// have recovered, and what is still owed.
#[utoipa::path(get, path = "/api/v1/receivables", tag = "settlement", params(ReceivablesQuery), security(("bearer" = [])), responses(
    (status = 200, body = Paged<ReceivableView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/receivables")]
pub async fn list(state: State, _auth: Auth<StaffRead>, q: web::Query<ReceivablesQuery>) -> Answer {
    let (s, page) = (state_of(&q)?, page(q.page, q.per_page)?);
    read(&state, move |c| svc::list(c, None, s, page)).await
}

/// The signed-in provider's receivables.
#[utoipa::path(get, path = "/api/v1/provider/receivables", tag = "settlement", params(ReceivablesQuery), security(("bearer" = [])), responses(
    (status = 200, body = Paged<ReceivableView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/provider/receivables")]
pub async fn provider_list(
    state: State,
    auth: Auth<ProviderRole>,
    q: web::Query<ReceivablesQuery>,
) -> Answer {
    let provider = auth.party_as::<ProviderId>()?;
    let (s, page) = (state_of(&q)?, page(q.page, q.per_page)?);
    read(&state, move |c| svc::list(c, Some(&provider), s, page)).await
}

/// The signed-in provider's supplements (补付款): what appeals against findings or
/// clawbacks gave back, newest first, each paid by a run or waiting for the next.
#[utoipa::path(get, path = "/api/v1/provider/supplements", tag = "settlement", security(("bearer" = [])), responses(
    (status = 200, body = Vec<crate::services::receivables::SupplementView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/provider/supplements")]
pub async fn provider_supplements(state: State, auth: Auth<ProviderRole>) -> Answer {
    let provider = auth.party_as::<ProviderId>()?;
    read(&state, move |c| svc::supplements_of(c, &provider)).await
}

/// One receivable with every recovery (offsets with their payouts, repayments with the
/// bank's reference; undone offsets too). A provider reads only its own.
#[utoipa::path(get, path = "/api/v1/receivables/{id}", tag = "settlement", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = ReceivableView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/receivables/{id}")]
pub async fn get(state: State, auth: Auth<RedemptionRead>, path: Path<ReceivableId>) -> Answer {
    read(&state, move |c| {
        let provider = match Party::of(&auth.actor)? {
            Party::Provider(p) => Some(p.clone()),
            _ => None,
        };
        svc::get(c, provider.as_ref(), &path)
    })
    .await
}

/// Finance records the provider's repayment of a receivable: at most what is still
/// owed (`repayment_exceeds_outstanding`); the programme's funding gets it back.
#[utoipa::path(post, path = "/api/v1/receivables/{id}/repayments", tag = "settlement", request_body = RepaymentInput, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 201, body = ReceivableView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/receivables/{id}/repayments")]
pub async fn repay(
    state: State,
    auth: Auth<FinanceRole>,
    path: Path<ReceivableId>,
    body: JsonBody<RepaymentInput>,
) -> Answer {
    let body = body?;
    act_created(&state, auth.actor, move |c, cx| svc::repay(c, cx, &path, &body)).await
}
