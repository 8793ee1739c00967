use super::act;
use super::read;
use crate::domain::id::FirmId;
use crate::domain::listing::BY_NAME;
use crate::domain::party::OnboardingStatus;
use crate::error::Problem;
use crate::http::extract::{Auth, FirmRole, Reviewing, StaffRead};
use crate::http::Answer;
use crate::http::{JsonBody, ListQuery, State};
use crate::services::firms::{
    self as svc, CertificateConfirmation, FirmProfileInput, FirmView, OnboardingDecision,
    Qualifications,
};
use crate::services::Paged;
use actix_web::web::Path;
use actix_web::{get, post, put, web};

/// The signed-in firm's own profile and onboarding status.
#[utoipa::path(get, path = "/api/v1/firm/profile", tag = "firms", security(("bearer" = [])), responses(
    (status = 200, body = FirmView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/firm/profile")]
pub async fn my_firm(state: State, auth: Auth<FirmRole>) -> Answer {
    let id = auth.party_as::<FirmId>()?;
    read(&state, move |c| svc::get(c, &id)).await
}

/// Edit the profile before onboarding; a rejected profile is resubmitted, a returned one
/// stays returned until `POST /api/v1/firm/profile/resubmit`.
#[utoipa::path(put, path = "/api/v1/firm/profile", tag = "firms", request_body = FirmProfileInput, security(("bearer" = [])), responses(
    (status = 200, body = FirmView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[put("/firm/profile")]
pub async fn update_my_firm(
    state: State,
    auth: Auth<FirmRole>,
    body: JsonBody<FirmProfileInput>,
) -> Answer {
    let body = body?;
    let id = auth.party_as::<FirmId>()?;
    let (ctx, site) = (state.context(auth.actor), state.site.clone());
    read(&state, move |c| {
        let links = crate::services::contact_verification::Links { base: &site.base_url };
        svc::update_profile(
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

/// Send an application returned for correction back to review, once corrected (the
/// details with `PUT /api/v1/firm/profile`, documents with the firm's documents).
#[utoipa::path(post, path = "/api/v1/firm/profile/resubmit", tag = "firms", security(("bearer" = [])), responses(
    (status = 200, body = FirmView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/firm/profile/resubmit")]
pub async fn resubmit(state: State, auth: Auth<FirmRole>) -> Answer {
    let id = auth.party_as::<FirmId>()?;
    act(&state, auth.actor, move |c, cx| svc::resubmit(c, cx, &id)).await
}

/// Firms: searched by part of the name or the whole credit code, by onboarding status
/// (`submitted`, `returned`, `onboarded`, `rejected`) and the days they registered; newest, oldest
/// or by name; a page, or the list as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/firms", tag = "firms", params(ListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "a page of firms (JSON), or the list as CSV (UTF-8 with BOM) or XLSX", content((Paged<FirmView> = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/firms")]
pub async fn list(state: State, _auth: Auth<StaffRead>, q: web::Query<ListQuery>) -> Answer {
    super::lists::answer(&state, q.into_inner(), OnboardingStatus::parse, BY_NAME, svc::list).await
}

#[utoipa::path(get, path = "/api/v1/firms/{id}", tag = "firms", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = FirmView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/firms/{id}")]
pub async fn get(state: State, _auth: Auth<StaffRead>, path: Path<FirmId>) -> Answer {
    read(&state, move |c| svc::get(c, &path)).await
}

/// Onboard (入库), reject or return for correction (退回补正) a submitted firm.
#[utoipa::path(post, path = "/api/v1/firms/{id}/onboarding", tag = "firms", request_body = OnboardingDecision, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = FirmView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/firms/{id}/onboarding")]
pub async fn onboarding(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<FirmId>,
    body: JsonBody<OnboardingDecision>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::decide_onboarding(c, cx, &path, &body)).await
}

/// Confirm a qualification (高新技术企业 or 科技型中小企业) from a certificate the firm
/// uploaded: held with the certificate's number until its last day, after which it no
/// longer counts for a claim.
#[utoipa::path(post, path = "/api/v1/firms/{id}/qualifications/confirmation", tag = "firms", request_body = CertificateConfirmation, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = FirmView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/firms/{id}/qualifications/confirmation")]
pub async fn confirm_qualification(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<FirmId>,
    body: JsonBody<CertificateConfirmation>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::confirm_qualification(c, cx, &path, &body)).await
}

/// Record a firm's qualifications (high-tech, tech SME, dishonesty record, recommending space).
#[utoipa::path(put, path = "/api/v1/firms/{id}/qualifications", tag = "firms", request_body = Qualifications, params(("id" = String, Path)),
    security(("bearer" = [])), responses(
    (status = 200, body = FirmView), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[put("/firms/{id}/qualifications")]
pub async fn qualifications(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<FirmId>,
    body: JsonBody<Qualifications>,
) -> Answer {
    let body = body?;
    act(&state, auth.actor, move |c, cx| svc::set_qualifications(c, cx, &path, &body)).await
}
