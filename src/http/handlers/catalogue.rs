//! The service catalogue: providers publish, everyone browses.

use super::{act, act_created};
use crate::domain::id::{ProviderId, ServiceItemId};
use crate::error::Problem;
use crate::http::extract::{Auth, ProviderRole};
use crate::http::Answer;
use crate::http::{typed_id, JsonBody, State};
use crate::services::catalogue::{self as svc, ServiceItemInput, ServiceItemView};
use crate::services::Paged;
use actix_web::web::Path;
use actix_web::{get, post, put, web};

crate::list_query! {
    /// The catalogue's question: the shared parts (no state: only what is offered now),
    /// a category and a provider.
    CatalogueQuery {
        /// A service category code.
        category: Option<String>,
        /// One provider's services.
        provider_id: Option<String>,
        /// Only services of providers whose quality score, as shown, is at least this
        /// (1–5, at most two decimals; providers not yet rated are left out).
        #[param(pattern = r"^([1-4](\.[0-9]{1,2})?|5(\.0{1,2})?)$")]
        min_score: Option<String>,
    }
}

/// What listed providers offer (no sign-in needed): searched by words in the title, the
/// description or the provider's name; of one category or provider; published on the
/// days `from`/`to`; of providers scored at least `min_score`; newest (default), oldest,
/// by title, cheapest or best-rated provider first (`rated`: the provider's quality
/// score, unrated providers last); each with its provider's score and number of
/// ratings; a page, or the list as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/services", tag = "catalogue", params(CatalogueQuery), responses(
    (status = 200, description = "a page of services (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<ServiceItemView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/services")]
pub async fn offered(state: State, q: web::Query<CatalogueQuery>) -> Answer {
    let q = q.into_inner();
    let provider = match q.provider_id.as_deref() {
        Some(p) => Some(typed_id::<crate::domain::id::ProviderId>(p)?),
        None => None,
    };
    let policy = state.policy.clone();
    let offer = svc::Offer {
        category: q.category.clone(),
        provider_id: provider,
        min_score: q.min_score.clone(),
    };
    fn none(_: &str) -> Option<()> {
        None
    }
    super::lists::answer(&state, q.shared(), none, svc::SORTS, move |c, f, p| {
        svc::offered(c, &policy, &offer, f, p)
    })
    .await
}

crate::list_query! {
    /// The provider's own services: the shared parts (the state `offered` or
    /// `withdrawn`) and a category.
    OwnServicesQuery {
        /// A service category code.
        category: Option<String>,
    }
}

/// The signed-in provider's services, offered and withdrawn: searched by words in the
/// title or description; of one state and category; published on the days `from`/`to`;
/// newest (default), oldest, by title or cheapest first; a page, or the list as CSV or
/// XLSX.
#[utoipa::path(get, path = "/api/v1/provider/services", tag = "catalogue", params(OwnServicesQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of the provider's services (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<ServiceItemView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/provider/services")]
pub async fn mine(
    state: State,
    auth: Auth<ProviderRole>,
    q: web::Query<OwnServicesQuery>,
) -> Answer {
    let id = auth.party_as::<ProviderId>()?;
    let q = q.into_inner();
    let (policy, category) = (state.policy.clone(), q.category.clone());
    super::lists::answer(
        &state,
        q.shared(),
        svc::ServiceState::parse,
        svc::OWN_SORTS,
        move |c, f, p| svc::own(c, &policy, &id, category.as_deref(), f, p),
    )
    .await
}

/// Publish a service (a listed provider, in a category it is listed for).
#[utoipa::path(post, path = "/api/v1/provider/services", tag = "catalogue", request_body = ServiceItemInput, security(("bearer" = [])), responses(
    (status = 201, body = ServiceItemView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/provider/services")]
pub async fn create(
    state: State,
    auth: Auth<ProviderRole>,
    body: JsonBody<ServiceItemInput>,
) -> Answer {
    let body = body?;
    let id = auth.party_as::<ProviderId>()?;
    act_created(&state, auth.actor, move |c, cx| svc::create(c, cx, &id, &body)).await
}

/// Change or withdraw (`"active": false`) one of the provider's services.
#[utoipa::path(put, path = "/api/v1/provider/services/{id}", tag = "catalogue", request_body = ServiceItemInput, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = ServiceItemView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[put("/provider/services/{id}")]
pub async fn update(
    state: State,
    auth: Auth<ProviderRole>,
    path: Path<ServiceItemId>,
    body: JsonBody<ServiceItemInput>,
) -> Answer {
    let body = body?;
    let item = path.into_inner();
    let id = auth.party_as::<ProviderId>()?;
    act(&state, auth.actor, move |c, cx| svc::update(c, cx, &id, &item, &body)).await
}
