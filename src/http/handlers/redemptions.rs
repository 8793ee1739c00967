//! Redemption (兑现): providers apply for confirmed orders, reviewers decide each item,
//! approved items are published before they become payable; and the ledger check.

use super::read;
use super::{act, act_created};
use crate::domain::id::{ProviderId, RedemptionApplicationId, RedemptionItemId};
use crate::domain::order::RedemptionStatus;
use crate::error::Problem;
use crate::http::extract::{Auth, FinanceRead, ProviderRole, RedemptionRead, Reviewing, StaffRead};
use crate::http::Answer;
use crate::http::{db, request_id, JsonBody, ListQuery, State};
use crate::services::ledger::{self, LedgerReport};
use crate::services::orders::Party;
use crate::services::providers::{ObjectionInput, ObjectionResolution};
use crate::services::redemptions::{
    self as svc, ApplicationInput, ApplicationView, ItemDecision, ItemView, NoticeView,
    RedemptionObjectionView,
};
use crate::services::{Actor, Paged};
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

/// Apply for redemption of confirmed orders (1–500, each once).
#[utoipa::path(post, path = "/api/v1/provider/redemptions", tag = "redemption", request_body = ApplicationInput, security(("bearer" = [])), responses(
    (status = 201, body = ApplicationView),
    (status = 404, description = "an order is not the provider's", body = Problem, content_type = "application/problem+json"),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/provider/redemptions")]
pub async fn apply(
    state: State,
    auth: Auth<ProviderRole>,
    body: JsonBody<ApplicationInput>,
) -> Answer {
    let body = body?;
    let provider = auth.party_as::<ProviderId>()?;
    act_created(&state, auth.actor, move |c, cx| svc::apply(c, cx, &provider, &body)).await
}

/// Redemption applications: a provider's own, every one for staff; searched by part of
/// the provider's name, its whole credit code or an order number applied for; with a
/// state (an item's: `submitted`, `rejected`, `in_notice`, `payable`, `in_settlement`,
/// `paid`), those with an item in it; the days submitted; newest, oldest or largest
/// total first; a page, or the list as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/redemptions", tag = "redemption", params(ListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of applications (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<ApplicationView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/redemptions")]
pub async fn applications(
    state: State,
    auth: Auth<RedemptionRead>,
    q: web::Query<ListQuery>,
) -> Answer {
    let policy = state.policy.clone();
    super::lists::answer(
        &state,
        q.into_inner(),
        RedemptionStatus::parse,
        svc::APPLICATION_SORTS,
        move |c, f, p| svc::applications(c, &policy, Party::of(&auth.actor)?, f, p),
    )
    .await
}

/// One application with every item's state and the reason for each rejection.
#[utoipa::path(get, path = "/api/v1/redemptions/{id}", tag = "redemption", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = ApplicationView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/redemptions/{id}")]
pub async fn application(
    state: State,
    auth: Auth<RedemptionRead>,
    path: Path<RedemptionApplicationId>,
) -> Answer {
    let policy = state.policy.clone();
    read(&state, move |c| svc::application(c, &policy, Party::of(&auth.actor)?, &path)).await
}

/// Redemption items in one status (default `submitted`: the reviewers' queue): searched
/// by order number, or a firm's or provider's credit code or part of its name; by the
/// days applied for; oldest (default), newest or largest first; a provider's own, every
/// one for staff; a page, or the list as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/redemption-items", tag = "redemption", params(ListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of items (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<ItemView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/redemption-items")]
pub async fn items(state: State, auth: Auth<RedemptionRead>, q: web::Query<ListQuery>) -> Answer {
    let policy = state.policy.clone();
    super::lists::answer(
        &state,
        q.into_inner(),
        RedemptionStatus::parse,
        svc::ITEM_SORTS,
        move |c, f, p| svc::items(c, &policy, Party::of(&auth.actor)?, f, p),
    )
    .await
}

/// Approve (the item enters its public notice) or reject (with a reason) one item.
#[utoipa::path(post, path = "/api/v1/redemption-items/{id}/decision", tag = "redemption", request_body = ItemDecision, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = ItemView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/redemption-items/{id}/decision")]
pub async fn decide(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<RedemptionItemId>,
    body: JsonBody<ItemDecision>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::decide(c, cx, &path, &body)).await
}

/// Objections filed against an item's notice.
#[utoipa::path(get, path = "/api/v1/redemption-items/{id}/objections", tag = "redemption", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = Vec<RedemptionObjectionView>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/redemption-items/{id}/objections")]
pub async fn objections(
    state: State,
    _auth: Auth<StaffRead>,
    path: Path<RedemptionItemId>,
) -> Answer {
    read(&state, move |c| svc::objections(c, &path)).await
}

/// Uphold (the item is rejected, its amount back to the programme) or dismiss an
/// objection.
#[utoipa::path(post, path = "/api/v1/redemption-objections/{id}/resolution", tag = "redemption", request_body = ObjectionResolution, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = RedemptionObjectionView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/redemption-objections/{id}/resolution")]
pub async fn resolve_objection(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<crate::domain::id::RedemptionObjectionId>,
    body: JsonBody<ObjectionResolution>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::resolve_objection(c, cx, &path, &body)).await
}

/// Approved redemptions in their public notice (公示): who is paid how much for whose
/// order, until when anyone may object.
#[utoipa::path(get, path = "/api/v1/public/redemption-notices", tag = "public", params(ListQuery), responses(
    (status = 200, body = Paged<NoticeView>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/public/redemption-notices")]
pub async fn notices(state: State, q: web::Query<ListQuery>) -> Answer {
    let page = q.page()?;
    let policy = state.policy.clone();
    read(&state, move |c| svc::notices(c, &policy, page)).await
}

/// Object to an approved redemption during its notice.
#[utoipa::path(post, path = "/api/v1/public/redemption-notices/{item_id}/objections", tag = "public", request_body = ObjectionInput,
    params(("item_id" = String, Path)), responses(
    (status = 201, body = RedemptionObjectionView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/public/redemption-notices/{item_id}/objections")]
pub async fn file_objection(
    state: State,
    req: HttpRequest,
    path: Path<RedemptionItemId>,
    body: JsonBody<ObjectionInput>,
) -> Answer {
    let body = body?;
    act_created(&state, Actor::public(request_id(&req)), move |c, cx| {
        svc::file_objection(c, cx, &path, &body)
    })
    .await
}

/// Recompute every ledger account from its entries and compare it with the records
/// (batches, vouchers, orders, redemption items).
#[utoipa::path(get, path = "/api/v1/ledger/verify", tag = "audit", security(("bearer" = [])), responses(
    (status = 200, body = LedgerReport), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/ledger/verify")]
pub async fn verify_ledger(state: State, _auth: Auth<FinanceRead>) -> Answer {
    Ok(HttpResponse::Ok().json(db(&state, ledger::verify).await?))
}
