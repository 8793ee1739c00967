//! No sign-in needed: policy look-ups, registration, and provider listing notices.

use super::act_created;
use crate::domain::certification::{Evaluation, FigureDef, Scheme};
use crate::domain::id::ProviderId;
use crate::domain::size_class::IndustryRule;
use crate::domain::validation::FieldErrors;
use crate::domain::{District, ServiceCategory};
use crate::error::{AppError, Problem};
use crate::http::extract::{Auth, PartyRole};
use crate::http::Answer;
use crate::http::{db, request_id, JsonBody, ListQuery, State};
use crate::services::certification::{self, FiguresInput};
use crate::services::contact_verification::{self, ContactState, Links};
use crate::services::firms::{FirmRegistration, FirmView, Registered};
use crate::services::providers::{
    self, NoticeView, ObjectionInput, ObjectionView, ProviderApplication, ProviderView,
};
use crate::services::spaces::{SpaceRegistration, SpaceView};
use crate::services::{firms, spaces, Actor, Paged};
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// Service categories providers are listed for and vouchers buy.
#[utoipa::path(get, path = "/api/v1/policy/service-categories", tag = "policy", responses((status = 200, body = Vec<ServiceCategory>)))]
#[get("/policy/service-categories")]
pub async fn service_categories(state: State) -> HttpResponse {
    HttpResponse::Ok().json(&state.policy.categories)
}

/// The districts a firm states at registration (所在区县).
#[utoipa::path(get, path = "/api/v1/policy/districts", tag = "policy", responses((status = 200, body = Vec<District>)))]
#[get("/policy/districts")]
pub async fn districts(state: State) -> HttpResponse {
    HttpResponse::Ok().json(&state.policy.districts)
}

/// The SME size table: industries and the lower bounds of each size class.
#[utoipa::path(get, path = "/api/v1/policy/industries", tag = "policy", responses((status = 200, body = Object)))]
#[get("/policy/industries")]
pub async fn industries(state: State) -> HttpResponse {
    let list: &Vec<IndustryRule> = &state.policy.sme.industries;
    HttpResponse::Ok()
        .json(serde_json::json!({ "version": state.policy.sme.version, "industries": list }))
}

/// The figures a space files for certification and in its yearly statistics.
#[utoipa::path(get, path = "/api/v1/policy/certification-figures", tag = "policy", responses((status = 200, body = Vec<FigureDef>)))]
#[get("/policy/certification-figures")]
pub async fn certification_figures(state: State) -> HttpResponse {
    HttpResponse::Ok().json(&state.policy.certification.figures)
}

/// The certification and filing schemes, each with every criterion.
#[utoipa::path(get, path = "/api/v1/policy/certification-schemes", tag = "policy", responses((status = 200, body = Vec<Scheme>)))]
#[get("/policy/certification-schemes")]
pub async fn certification_schemes(state: State) -> HttpResponse {
    HttpResponse::Ok().json(&state.policy.certification.schemes)
}

/// One scheme.
#[utoipa::path(get, path = "/api/v1/policy/certification-schemes/{code}", tag = "policy", params(("code" = String, Path)), responses(
    (status = 200, body = Scheme), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/policy/certification-schemes/{code}")]
pub async fn certification_scheme(state: State, path: Path<String>) -> Answer {
    let scheme = state
        .policy
        .certification
        .scheme(&path)
        .ok_or_else(|| AppError::not_found("certification scheme"))?;
    Ok(HttpResponse::Ok().json(scheme))
}

/// Evaluate figures against a scheme, storing nothing (预评估): every criterion with what
/// it requires, what the figures give, and whether it is met.
#[utoipa::path(post, path = "/api/v1/policy/certification-schemes/{code}/evaluation", tag = "policy", params(("code" = String, Path)),
    request_body = FiguresInput, responses(
    (status = 200, body = Evaluation),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/policy/certification-schemes/{code}/evaluation")]
pub async fn certification_self_check(
    state: State,
    path: Path<String>,
    body: JsonBody<FiguresInput>,
) -> Answer {
    let body = body?;
    let out = certification::self_check(&state.policy, &path, &body, state.clock.now())?;
    Ok(HttpResponse::Ok().json(out))
}

/// A firm registers itself and its first user account; onboarding starts as `submitted`.
#[utoipa::path(post, path = "/api/v1/registrations/firm", tag = "registration", request_body = FirmRegistration, responses(
    (status = 201, body = Registered<FirmView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/registrations/firm")]
pub async fn register_firm(
    state: State,
    req: HttpRequest,
    body: JsonBody<FirmRegistration>,
) -> Answer {
    let body = body?;
    let (auth, base) = (state.auth.clone(), state.site.base_url.clone());
    act_created(&state, Actor::public(request_id(&req)), move |c, cx| {
        firms::register(c, cx, &auth, links(&base), &body, FieldErrors::new())
    })
    .await
}

/// A service provider applies to be listed (then a reviewer opens its public notice).
#[utoipa::path(post, path = "/api/v1/registrations/provider", tag = "registration", request_body = ProviderApplication, responses(
    (status = 201, body = Registered<ProviderView>),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/registrations/provider")]
pub async fn register_provider(
    state: State,
    req: HttpRequest,
    body: JsonBody<ProviderApplication>,
) -> Answer {
    let body = body?;
    let (auth, base) = (state.auth.clone(), state.site.base_url.clone());
    act_created(&state, Actor::public(request_id(&req)), move |c, cx| {
        providers::apply(c, cx, &auth, links(&base), &body, FieldErrors::new())
    })
    .await
}

/// An incubator or maker space registers with its operator.
#[utoipa::path(post, path = "/api/v1/registrations/space", tag = "registration", request_body = SpaceRegistration, responses(
    (status = 201, body = Registered<SpaceView>),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/registrations/space")]
pub async fn register_space(
    state: State,
    req: HttpRequest,
    body: JsonBody<SpaceRegistration>,
) -> Answer {
    let body = body?;
    let (auth, ctx) = (state.auth.clone(), state.context(Actor::public(request_id(&req))));
    let base = state.site.base_url.clone();
    let out = db(&state, move |c| {
        spaces::register(c, ctx.cx(), &auth, links(&base), &body, FieldErrors::new())
    })
    .await?;
    Ok(HttpResponse::Created().json(out))
}

/// Providers now in public notice (公示), with their objection windows.
#[utoipa::path(get, path = "/api/v1/public/provider-notices", tag = "public", params(ListQuery), responses(
    (status = 200, body = Paged<NoticeView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/public/provider-notices")]
pub async fn provider_notices(state: State, q: web::Query<ListQuery>) -> Answer {
    let page = q.page()?;
    let out = db(&state, move |c| providers::notices(c, page)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// The listed providers (服务机构名录), by name: what each is listed for and its quality
/// score with the number of ratings it rests on.
#[utoipa::path(get, path = "/api/v1/public/providers", tag = "public", params(super::subsidies::PageQuery), responses(
    (status = 200, body = crate::services::Paged<crate::services::ratings::PublicProvider>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/public/providers")]
pub async fn listed_providers(state: State, q: web::Query<super::subsidies::PageQuery>) -> Answer {
    let page = crate::services::Page::asked(q.page, q.per_page)?;
    let (policy, now) = (state.policy.clone(), state.clock.now());
    let out = db(&state, move |c| {
        crate::services::ratings::listed_providers(c, &policy, now, None, page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// A listed provider's quality score (its ratings' mean pulled toward the programme's
/// mean, `rating_prior_weight`) and its ratings with its answers, newest first; no firm
/// is named.
#[utoipa::path(get, path = "/api/v1/public/providers/{provider_id}/ratings", tag = "public", params(("provider_id" = String, Path), super::subsidies::PageQuery), responses(
    (status = 200, body = crate::services::ratings::ProviderRatings),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/public/providers/{provider_id}/ratings")]
pub async fn provider_ratings(
    state: State,
    path: Path<ProviderId>,
    q: web::Query<super::subsidies::PageQuery>,
) -> Answer {
    let page = crate::services::Page::asked(q.page, q.per_page)?;
    let policy = state.policy.clone();
    let out =
        db(&state, move |c| crate::services::ratings::of_provider(c, &policy, &path, page)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Object to a provider during its public notice.
#[utoipa::path(post, path = "/api/v1/public/provider-notices/{provider_id}/objections", tag = "public", request_body = ObjectionInput,
    params(("provider_id" = String, Path)), responses(
    (status = 201, body = ObjectionView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/public/provider-notices/{provider_id}/objections")]
pub async fn file_objection(
    state: State,
    req: HttpRequest,
    path: Path<ProviderId>,
    body: JsonBody<ObjectionInput>,
) -> Answer {
    let body = body?;
    act_created(&state, Actor::public(request_id(&req)), move |c, cx| {
        providers::file_objection(c, cx, &path, &body)
    })
    .await
}

fn links(base: &str) -> Links<'_> {
    Links { base }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationToken {
    /// The token from the emailed link (`/verify?token=…`).
    pub token: String,
}

/// Verify a party's contact address with the token from the emailed link: once, within
/// 24 hours, and only while the address is still the one it was sent to. No sign-in:
/// the token is the proof.
#[utoipa::path(post, path = "/api/v1/contact-verification", tag = "registration", request_body = VerificationToken, responses(
    (status = 200, body = ContactState),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/contact-verification")]
pub async fn verify_contact(
    state: State,
    req: HttpRequest,
    body: JsonBody<VerificationToken>,
) -> Answer {
    let body = body?;
    let (now, rid) = (state.clock.now(), request_id(&req));
    let out = db(&state, move |c| contact_verification::verify(c, &body.token, now, rid)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Where the signed-in firm's, provider's or space's contact verification stands.
#[utoipa::path(get, path = "/api/v1/me/contact", tag = "registration", security(("bearer" = [])), responses(
    (status = 200, body = ContactState),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/me/contact")]
pub async fn my_contact(state: State, auth: Auth<PartyRole>) -> Answer {
    let id = auth.caller.user_id.clone();
    let out = db(&state, move |c| contact_verification::state(c, &id)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Send the contact verification link again (to the contact address on file; at most
/// three an hour; older links stop working).
#[utoipa::path(post, path = "/api/v1/me/contact/verification-email", tag = "registration", security(("bearer" = [])), responses(
    (status = 202, body = ContactState),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/me/contact/verification-email")]
pub async fn resend_verification(state: State, auth: Auth<PartyRole>) -> Answer {
    let id = auth.caller.user_id.clone();
    let base = state.site.base_url.clone();
    let ctx = state.context(auth.actor);
    let out =
        db(&state, move |c| contact_verification::resend(c, ctx.cx(), links(&base), &id)).await?;
    Ok(HttpResponse::Accepted().json(out))
}
