use super::act;
use super::read;
use crate::domain::id::ProviderId;
use crate::domain::listing::BY_NAME;
use crate::domain::party::ListingStatus;
use crate::error::Problem;
use crate::http::extract::{Auth, ProviderRole, Reviewing, StaffRead};
use crate::http::Answer;
use crate::http::{JsonBody, ListQuery, State};
use crate::services::providers::{
    self as svc, ConcludeReport, ListingDecision, ObjectionResolution, ObjectionView,
    ProviderDetails, ProviderView,
};
use crate::services::Paged;
use actix_web::web::Path;
use actix_web::{get, post, put, web};

/// The signed-in provider's own record and listing status.
#[utoipa::path(get, path = "/api/v1/provider/profile", tag = "providers", security(("bearer" = [])), responses(
    (status = 200, body = ProviderView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/provider/profile")]
pub async fn my_provider(state: State, auth: Auth<ProviderRole>) -> Answer {
    let id = auth.party_as::<ProviderId>()?;
    read(&state, move |c| svc::get(c, &id)).await
}

/// Correct the application before its public notice starts (while it waits for review
/// or is returned for correction); a returned one stays returned until
/// `POST /api/v1/provider/profile/resubmit`. A changed contact address is verified again.
#[utoipa::path(put, path = "/api/v1/provider/profile", tag = "providers", request_body = ProviderDetails, security(("bearer" = [])), responses(
    (status = 200, body = ProviderView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[put("/provider/profile")]
pub async fn update_my_provider(
    state: State,
    auth: Auth<ProviderRole>,
    body: JsonBody<ProviderDetails>,
) -> Answer {
    let body = body?;
    let id = auth.party_as::<ProviderId>()?;
    let (ctx, site) = (state.context(auth.actor), state.site.clone());
    read(&state, move |c| {
        let links = crate::services::contact_verification::Links { base: &site.base_url };
        svc::update_application(
            c,
            ctx.cx(),
            links,
            &id,
            &body,
            crate::domain::validation::FieldErrors::new(),
        )
    })
    .await
}

/// A delisted provider applies to be listed again, once the relisting period after its
/// delisting has passed (`relist_period_running` before; `config/policy/credit.toml`).
#[utoipa::path(post, path = "/api/v1/provider/reapplication", tag = "providers", security(("bearer" = [])), responses(
    (status = 200, body = ProviderView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/provider/reapplication")]
pub async fn reapply(state: State, auth: Auth<ProviderRole>) -> Answer {
    let id = auth.party_as::<ProviderId>()?;
    act(&state, auth.actor, move |c, cx| svc::reapply(c, cx, &id)).await
}

/// Send an application returned for correction back to review, once corrected.
#[utoipa::path(post, path = "/api/v1/provider/profile/resubmit", tag = "providers", security(("bearer" = [])), responses(
    (status = 200, body = ProviderView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/provider/profile/resubmit")]
pub async fn resubmit(state: State, auth: Auth<ProviderRole>) -> Answer {
    let id = auth.party_as::<ProviderId>()?;
    act(&state, auth.actor, move |c, cx| svc::resubmit(c, cx, &id)).await
}

/// Providers: searched by part of the name or the whole credit code, by listing status
/// and the days they registered; newest, oldest or by name; a page, or the list as CSV
/// or XLSX.
#[utoipa::path(get, path = "/api/v1/providers", tag = "providers", params(ListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of providers (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<ProviderView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/providers")]
pub async fn list(state: State, _auth: Auth<StaffRead>, q: web::Query<ListQuery>) -> Answer {
    super::lists::answer(&state, q.into_inner(), ListingStatus::parse, BY_NAME, svc::list).await
}

#[utoipa::path(get, path = "/api/v1/providers/{id}", tag = "providers", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = ProviderView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/providers/{id}")]
pub async fn get(state: State, _auth: Auth<StaffRead>, path: Path<ProviderId>) -> Answer {
    read(&state, move |c| svc::get(c, &path)).await
}

/// Start the public notice, return for correction (退回补正), reject, suspend, reinstate
/// or delist a provider.
#[utoipa::path(post, path = "/api/v1/providers/{id}/listing", tag = "providers", request_body = ListingDecision, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = ProviderView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/providers/{id}/listing")]
pub async fn listing(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<ProviderId>,
    body: JsonBody<ListingDecision>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::decide_listing(c, cx, &path, &body)).await
}

/// The provider's application under the listing rules (`config/policy/listing.toml`)
/// today: business licence, a qualification in force per licensed category, contact
/// verified, payout account in its own name; each rule met or not. The rules inform
/// the reviewer, who decides.
#[utoipa::path(get, path = "/api/v1/providers/{id}/listing-check", tag = "providers", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = crate::domain::listing_rules::ListingCheck), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/providers/{id}/listing-check")]
pub async fn listing_check(state: State, _auth: Auth<StaffRead>, path: Path<ProviderId>) -> Answer {
    let (policy, now) = (state.policy.clone(), state.clock.now());
    read(&state, move |c| {
        let p = svc::get(c, &path)?;
        svc::listing_check(c, &policy.listing, &p, now)
    })
    .await
}

/// A provider's credit grade today (`config/policy/credit.toml`): its points, each reason
/// that cost points (the events counted in the window) and the sanction the grade calls
/// for.
#[utoipa::path(get, path = "/api/v1/providers/{id}/credit", tag = "providers", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = crate::domain::credit::Assessment), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/providers/{id}/credit")]
pub async fn credit(state: State, _auth: Auth<StaffRead>, path: Path<ProviderId>) -> Answer {
    let (policy, now) = (state.policy.clone(), state.clock.now());
    read(&state, move |c| {
        svc::get(c, &path)?;
        crate::services::credit::of_provider(c, &policy, now, &path)
    })
    .await
}

/// The signed-in provider's own credit grade, with its reasons.
#[utoipa::path(get, path = "/api/v1/provider/credit", tag = "providers", security(("bearer" = [])), responses(
    (status = 200, body = crate::domain::credit::Assessment), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/provider/credit")]
pub async fn my_credit(state: State, auth: Auth<ProviderRole>) -> Answer {
    let provider = auth.party_as::<ProviderId>()?;
    let (policy, now) = (state.policy.clone(), state.clock.now());
    read(&state, move |c| crate::services::credit::of_provider(c, &policy, now, &provider)).await
}

/// Objections filed against a provider's notice.
#[utoipa::path(get, path = "/api/v1/providers/{id}/objections", tag = "providers", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = Vec<ObjectionView>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/providers/{id}/objections")]
pub async fn objections(state: State, _auth: Auth<StaffRead>, path: Path<ProviderId>) -> Answer {
    read(&state, move |c| svc::objections(c, &path)).await
}

/// Uphold (the application fails) or dismiss an objection.
#[utoipa::path(post, path = "/api/v1/objections/{id}/resolution", tag = "providers", request_body = ObjectionResolution, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = ObjectionView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/objections/{id}/resolution")]
pub async fn resolve_objection(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<crate::domain::id::ListingObjectionId>,
    body: JsonBody<ObjectionResolution>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::resolve_objection(c, cx, &path, &body)).await
}

/// List every provider whose notice has ended without an open or upheld objection
/// (the server also does this on its own every minute).
#[utoipa::path(post, path = "/api/v1/provider-notices/conclude", tag = "providers", security(("bearer" = [])), responses(
    (status = 200, body = ConcludeReport), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/provider-notices/conclude")]
pub async fn conclude_notices(state: State, auth: Auth<Reviewing>) -> Answer {
    act(&state, auth.actor, svc::conclude_notices).await
}
