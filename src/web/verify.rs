//! The contact verification link on a page: `GET /verify?token=…` asks the reader to
//! confirm (a mail scanner fetching the link must not use it up), the button verifies.

use super::session::{csrf_of, csrf_ok, with};
use super::{local_time, render, Chrome, Lang};
use crate::error::AppError;
use crate::http::Answer;
use crate::http::{db, request_id, State};
use crate::services::contact_verification as svc;
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(verify_page).service(verify);
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Deserialize)]
struct VerifyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

async fn page(
    state: &State,
    req: &HttpRequest,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::of_request(req);
    let (csrf, set) = csrf_of(state, req);
    let chrome = Chrome::of(state, req).await;
    let signed_in = chrome.is_signed_in();
    let base = context! {
        token => "", verified => false, error => "", email => "", name => "", at => "",
    };
    let r = render(
        "verify.html",
        "/verify",
        &lang,
        &chrome,
        "verify-your-contact-email-2",
        context! { ..context! { csrf => csrf, signed_in => signed_in }, ..ctx, ..base },
    )?;
    let mut cookies: Vec<Cookie<'static>> = set.into_iter().collect();
    cookies.extend(Lang::cookie_for(req));
    Ok(with(r, status, &cookies))
}

fn token_ok(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

#[get("/verify")]
async fn verify_page(state: State, req: HttpRequest, q: web::Query<TokenQuery>) -> Answer {
    let token = q.token.trim().to_string();
    if !token_ok(&token) {
        let en = Lang::of_request(&req).en();
        let e = svc::invalid();
        let error = if en { e.detail_en } else { e.detail };
        return Ok(page(&state, &req, StatusCode::BAD_REQUEST, context! { error => error }).await?);
    }
    Ok(page(&state, &req, StatusCode::OK, context! { token => token }).await?)
}

#[post("/verify")]
async fn verify(state: State, req: HttpRequest, form: web::Form<VerifyForm>) -> Answer {
    let en = Lang::of_request(&req).en();
    let f = form.into_inner();
    if !csrf_ok(&req, &f.csrf) {
        let error = super::i18n::t("this-form-has-expired-it-was-not", en);
        return Ok(page(
            &state,
            &req,
            StatusCode::FORBIDDEN,
            context! { token => f.token, error => error },
        )
        .await?);
    }
    let (now, rid) = (state.clock.now(), request_id(&req));
    let token = f.token.clone();
    match db(&state, move |c| svc::verify(c, &token, now, rid)).await {
        Ok(s) => Ok(page(
            &state,
            &req,
            StatusCode::OK,
            context! {
                verified => true, email => s.contact_email, name => s.party_name,
                at => s.verified_at.map(local_time).unwrap_or_default(),
            },
        )
        .await?),
        Err(e) if e.kind.status().is_client_error() => {
            let status = e.kind.status();
            let error = if en { e.detail_en } else { e.detail };
            Ok(page(&state, &req, status, context! { error => error }).await?)
        }
        Err(e) => Err(e.into()),
    }
}
