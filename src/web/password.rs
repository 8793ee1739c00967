//! Forgotten passwords on pages: ask for a link by username or email (the answer never
//! says whether an account exists), then set a new password through the emailed link.

use super::session::{csrf_of, csrf_ok, with};
use super::{render, Chrome, Lang};
use crate::error::AppError;
use crate::http::Answer;
use crate::http::{db, remote_addr, request_id, State};
use crate::services::password_reset::{self as svc, LinkBase};
use crate::services::Actor;
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(forgot_page).service(forgot).service(reset_page).service(reset);
}

fn page(
    state: &State,
    req: &HttpRequest,
    name: &str,
    path: &str,
    title: &str,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::of_request(req);
    let (csrf, set) = csrf_of(state, req);
    let r = render(
        name,
        path,
        &lang,
        &Chrome::anonymous(state),
        title,
        context! { csrf => csrf, ..ctx },
    )?;
    let mut cookies: Vec<Cookie<'static>> = set.into_iter().collect();
    cookies.extend(Lang::cookie_for(req));
    Ok(with(r, status, &cookies))
}

fn words(e: &AppError, en: bool) -> String {
    if en {
        e.detail_en.clone()
    } else {
        e.detail.clone()
    }
}

fn expired(en: bool) -> String {
    super::i18n::t("this-form-has-expired-it-was-not", en)
}

#[get("/password/forgot")]
async fn forgot_page(state: State, req: HttpRequest) -> Answer {
    Ok(page(
        &state,
        &req,
        "password_forgot.html",
        "/password/forgot",
        "forgot-password",
        StatusCode::OK,
        context! { sent => false, who => "", error => "", form_error => "" },
    )?)
}

#[derive(Debug, Deserialize)]
struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    who: String,
}

#[post("/password/forgot")]
async fn forgot(state: State, req: HttpRequest, form: web::Form<ForgotForm>) -> Answer {
    let en = Lang::of_request(&req).en();
    let f = form.into_inner();
    let again = |status, error: String, form_error: String| {
        page(
            &state,
            &req,
            "password_forgot.html",
            "/password/forgot",
            "forgot-password",
            status,
            context! { sent => false, who => f.who.clone(), error => error, form_error => form_error },
        )
    };
    if !csrf_ok(&req, &f.csrf) {
        return Ok(again(StatusCode::FORBIDDEN, String::new(), expired(en))?);
    }
    let (base, addr) = (state.site.base_url.clone(), remote_addr(&req));
    let actor = Actor { request_id: request_id(&req), ..Actor::system() };
    let who = f.who.clone();
    let ctx = state.context(actor);
    match db(&state, move |c| svc::request(c, ctx.cx(), &LinkBase(&base), &who, &addr)).await {
        Ok(()) => Ok(page(
            &state,
            &req,
            "password_forgot.html",
            "/password/forgot",
            "forgot-password",
            StatusCode::OK,
            context! { sent => true, who => "", error => "", form_error => "" },
        )?),
        Err(e) if !e.errors.is_empty() => {
            let fe = &e.errors[0];
            let msg = if en { &fe.detail_en } else { &fe.detail };
            Ok(again(e.kind.status(), msg.clone(), String::new())?)
        }
        Err(e) if e.kind.status().is_client_error() => {
            Ok(again(e.kind.status(), String::new(), words(&e, en))?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn reset_view(
    state: &State,
    req: &HttpRequest,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<HttpResponse, AppError> {
    let errors: BTreeMap<&str, &str> = [("new_password", ""), ("confirm_password", "")].into();
    let base = context! {
        bad_link => "", finished => false, token => "", username => "", errors => errors,
    };
    page(
        state,
        req,
        "password_reset.html",
        "/password/reset",
        "reset-the-password-2",
        status,
        context! { ..ctx, ..base },
    )
}

#[get("/password/reset")]
async fn reset_page(state: State, req: HttpRequest, q: web::Query<TokenQuery>) -> Answer {
    let en = Lang::of_request(&req).en();
    let (token, now) = (q.token.clone(), state.clock.now());
    let t = token.clone();
    Ok(match db(&state, move |c| svc::check(c, &t, now)).await {
        Ok(username) => reset_view(
            &state,
            &req,
            StatusCode::OK,
            context! { token => token, username => username },
        )?,
        Err(e) if e.kind.status().is_client_error() => {
            reset_view(&state, &req, e.kind.status(), context! { bad_link => words(&e, en) })?
        }
        Err(e) => return Err(e.into()),
    })
}

/// The reset form again, for the account the link names, with the errors by field.
async fn again(
    state: &State,
    req: &HttpRequest,
    token: &str,
    now: chrono::NaiveDateTime,
    status: StatusCode,
    mut errors: BTreeMap<String, String>,
) -> Result<HttpResponse, AppError> {
    for f in ["new_password", "confirm_password"] {
        errors.entry(f.to_string()).or_default();
    }
    let t = token.to_string();
    let username = db(state, move |c| svc::check(c, &t, now)).await.unwrap_or_default();
    reset_view(
        state,
        req,
        status,
        context! { token => token, username => username, errors => errors },
    )
}

#[derive(Debug, Deserialize)]
struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

#[post("/password/reset")]
async fn reset(state: State, req: HttpRequest, form: web::Form<ResetForm>) -> Answer {
    let en = Lang::of_request(&req).en();
    let f = form.into_inner();
    let (now, auth, rid) = (state.clock.now(), state.auth.clone(), request_id(&req));
    let token = f.token.clone();
    if !csrf_ok(&req, &f.csrf) {
        let mut errors = BTreeMap::new();
        errors.insert("new_password".to_string(), expired(en));
        return Ok(again(&state, &req, &f.token, now, StatusCode::FORBIDDEN, errors).await?);
    }
    if f.new_password != f.confirm_password {
        let mut errors = BTreeMap::new();
        errors
            .insert("confirm_password".to_string(), super::i18n::t("the-two-passwords-differ", en));
        return Ok(
            again(&state, &req, &f.token, now, StatusCode::UNPROCESSABLE_ENTITY, errors).await?
        );
    }
    let password = f.new_password.clone();
    match db(&state, move |c| svc::complete(c, &auth, &token, &password, now, rid)).await {
        Ok(user_id) => {
            // This process refuses the account's old tokens at once (others within
            // auth.user_state_poll_ms).
            state.user_states.forget(&user_id);
            Ok(reset_view(&state, &req, StatusCode::OK, context! { finished => true })?)
        }
        Err(e) if !e.errors.is_empty() => {
            let errors = e
                .errors
                .iter()
                .map(|fe| {
                    let msg = if en { &fe.detail_en } else { &fe.detail };
                    (fe.field.clone(), msg.clone())
                })
                .collect();
            Ok(again(&state, &req, &f.token, now, e.kind.status(), errors).await?)
        }
        Err(e) if e.kind.status().is_client_error() => {
            Ok(reset_view(&state, &req, e.kind.status(), context! { bad_link => words(&e, en) })?)
        }
        Err(e) => Err(e.into()),
    }
}
