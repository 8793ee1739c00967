//! Page sessions: sign-in, the account page (password change), sign-out.
//!
//! The session is the API's own token pair, kept in cookies the page script cannot read:
//! `hc_access` (the short-lived access token, SameSite=Lax) and `hc_refresh` (the
//! refresh token, SameSite=Strict), both HttpOnly and, in production, Secure. An expired
//! access token is renewed from the refresh token on the next page, with the same
//! rotation and reuse detection as `POST /api/v1/auth/refresh`.
//!
//! Every form carries a CSRF token checked against the `hc_csrf` cookie (double submit:
//! HttpOnly, SameSite=Strict, random per browser); a form posted without the matching
//! token changes nothing.

use super::{render, Lang};
use crate::error::{AppError, ErrorCode};
use crate::http::extract::verify_access;
use crate::http::Answer;
use crate::http::{db, remote_addr, request_id, State};
pub(super) use crate::i18n::role_text;
use crate::services::auth::{self as svc, Caller, Tokens};
use crate::services::Actor;
use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub(super) const ACCESS: &str = "hc_access";
const REFRESH: &str = "hc_refresh";
const CSRF: &str = "hc_csrf";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login_page)
        .service(login)
        .service(account)
        .service(change_password)
        .service(logout_page)
        .service(logout);
}

fn cookie(state: &State, name: &'static str, value: String, max_age: i64) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .secure(state.secure_cookies)
        .same_site(if name == ACCESS { SameSite::Lax } else { SameSite::Strict })
        .max_age(CookieAge::seconds(max_age))
        .finish()
}

pub(super) fn session_cookies(state: &State, t: &Tokens) -> [Cookie<'static>; 2] {
    [
        cookie(state, ACCESS, t.access_token.clone(), t.expires_in),
        cookie(state, REFRESH, t.refresh_token.clone(), state.auth.refresh_ttl_secs),
    ]
}

/// The browser's CSRF token, and the cookie to set when it has none yet.
pub(super) fn csrf_of(state: &State, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    match req.cookie(CSRF).map(|c| c.value().to_string()) {
        Some(v) if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => (v, None),
        _ => {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let v = hex::encode(bytes);
            let c = cookie(state, CSRF, v.clone(), 60 * 60 * 24 * 30);
            (v, Some(c))
        }
    }
}

/// Whether the form's token is the browser's (compared as digests, so the comparison
/// takes the same time wherever they differ).
pub(super) fn csrf_ok(req: &HttpRequest, sent: &str) -> bool {
    let Some(c) = req.cookie(CSRF) else {
        return false;
    };
    !sent.is_empty() && Sha256::digest(c.value().as_bytes()) == Sha256::digest(sent.as_bytes())
}

/// A signed-in page user, and new tokens when the access token had to be renewed.
pub(super) struct Session {
    pub(super) caller: Caller,
    pub(super) renewed: Option<Tokens>,
}

impl Session {
    /// The cookies to set when the access token was renewed on this request.
    pub(super) fn renewal(&self, state: &State) -> Vec<Cookie<'static>> {
        self.renewed.as_ref().map(|t| session_cookies(state, t).to_vec()).unwrap_or_default()
    }
}

pub(super) async fn session(state: &State, req: &HttpRequest) -> Option<Session> {
    if let Some(c) = req.cookie(ACCESS) {
        if let Ok(caller) = verify_access(state, c.value()).await {
            return Some(Session { caller, renewed: None });
        }
    }
    let refresh = req.cookie(REFRESH)?.value().to_string();
    let (auth, now, rid) = (state.auth.clone(), state.clock.now(), request_id(req));
    let tokens = db(state, move |c| svc::refresh(c, &auth, &refresh, now, rid)).await.ok()?;
    let caller = verify_access(state, &tokens.access_token).await.ok()?;
    Some(Session { caller, renewed: Some(tokens) })
}

pub(super) fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to.to_string())).finish()
}

/// Where a person lands after signing in: their role's 工作台.
pub(super) const HOME: &str = "/home";

/// Only a path on this site: one leading `/` and no second one or backslash after it
/// (`//host`, `/\\host`), no control characters or whitespace anywhere (browsers drop a
/// tab or line break, so `/\t/evil.example` becomes `//evil.example`, another host);
/// otherwise the signed-in home.
fn safe_next(next: &str) -> &str {
    let same_site = next.starts_with('/')
        && !next[1..].starts_with(['/', '\\'])
        && !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if same_site {
        next
    } else {
        HOME
    }
}

pub(super) fn with(
    mut r: HttpResponse,
    status: StatusCode,
    cookies: &[Cookie<'static>],
) -> HttpResponse {
    *r.status_mut() = status;
    for c in cookies {
        // A cookie that cannot be written as a header is a bug here, not input.
        let _ = r.add_cookie(c);
    }
    r
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn login_form(
    state: &State,
    req: &HttpRequest,
    status: StatusCode,
    username: &str,
    next: &str,
    form_error: &str,
    errors: BTreeMap<&str, String>,
) -> Result<HttpResponse, AppError> {
    let lang = &Lang::of_request(req);
    let (csrf, set) = csrf_of(state, req);
    let mut errors = errors;
    for f in ["username", "password"] {
        errors.entry(f).or_default();
    }
    let title = "sign-in";
    let r = render(
        "login.html",
        "/login",
        lang,
        &super::Chrome::anonymous(state),
        title,
        context! { csrf => csrf, next => next, username => username, form_error => form_error, errors => errors },
    )?;
    Ok(with(r, status, set.as_slice()))
}

#[get("/login")]
async fn login_page(state: State, req: HttpRequest, q: web::Query<NextQuery>) -> Answer {
    let next = safe_next(q.next.as_deref().unwrap_or(HOME));
    // Still signed in (perhaps only the refresh token is left): straight on.
    if let Some(s) = session(&state, &req).await {
        return Ok(with(see_other(next), StatusCode::SEE_OTHER, &s.renewal(&state)));
    }
    Ok(login_form(&state, &req, StatusCode::OK, "", next, "", BTreeMap::new())?)
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

fn expired_form(en: bool) -> String {
    super::i18n::t("this-form-has-expired-it-was-not", en)
}

#[post("/login")]
async fn login(state: State, req: HttpRequest, form: web::Form<LoginForm>) -> Answer {
    let lang = Lang::of_request(&req);
    let f = form.into_inner();
    let next = safe_next(&f.next).to_string();
    if !csrf_ok(&req, &f.csrf) {
        return Ok(login_form(
            &state,
            &req,
            StatusCode::FORBIDDEN,
            &f.username,
            &next,
            &expired_form(false),
            BTreeMap::new(),
        )?);
    }
    let (auth, now, addr, rid) =
        (state.auth.clone(), state.clock.now(), remote_addr(&req), request_id(&req));
    let (user, pass) = (f.username.clone(), f.password);
    match db(&state, move |c| svc::login(c, &auth, &user, &pass, &addr, now, rid)).await {
        Ok(tokens) => {
            Ok(with(see_other(&next), StatusCode::SEE_OTHER, &session_cookies(&state, &tokens)))
        }
        Err(e) => {
            let mut errors = BTreeMap::new();
            let said = if lang.en { &e.detail_en } else { &e.detail };
            errors.insert("password", said.clone());
            // A locked account: when it unlocks, how to unlock it now, whom to call.
            let form_error = match (e.code, e.retry_after_secs) {
                (ErrorCode::AccountLocked, Some(secs)) => {
                    locked_text(&state, now + chrono::Duration::seconds(secs as i64), lang.en)
                }
                _ => String::new(),
            };
            Ok(login_form(&state, &req, e.kind.status(), &f.username, &next, &form_error, errors)?)
        }
    }
}

/// What a locked account's sign-in page says: when the lock ends (China time), that a
/// password reset lifts it now, and the authority's contact.
fn locked_text(state: &State, until: chrono::NaiveDateTime, en: bool) -> String {
    let site = &state.site;
    let at = super::local_time(until);
    let contact: Vec<&str> = [
        if en { site.office_en.as_str() } else { site.office_zh.as_str() },
        site.phone.as_str(),
        site.email.as_str(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect();
    super::i18n::t_values(
        "account-locked-until",
        en,
        &[("at", &at), ("contact", &contact.join(" · "))],
    )
}

/// The account page again, refused, when a form on it came back with an expired token.
async fn account_form_expired(
    state: &State,
    req: &HttpRequest,
    s: &Session,
) -> Result<HttpResponse, AppError> {
    let expired = expired_form(false);
    account_page(state, req, s, StatusCode::FORBIDDEN, "", &expired, BTreeMap::new()).await
}

async fn account_page(
    state: &State,
    req: &HttpRequest,
    s: &Session,
    status: StatusCode,
    notice: &str,
    form_error: &str,
    errors: BTreeMap<String, String>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::of_request(req);
    let id = s.caller.user_id.clone();
    let user = db(state, move |c| Ok(crate::db::users::by_id(c, &id)?))
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let (csrf, set) = csrf_of(state, req);
    let mut errors = errors;
    for f in ["current_password", "new_password"] {
        errors.entry(f.to_string()).or_default();
    }
    let r = render(
        "account.html",
        "/account",
        &lang,
        &super::Chrome::signed_in(state, s.caller.role),
        "my-account",
        context! {
            csrf => csrf, display_name => user.display_name, username => user.username,
            role_text => role_text(s.caller.role), notice => notice, form_error => form_error,
            errors => errors,
        },
    )?;
    let mut cookies: Vec<Cookie<'static>> = set.into_iter().collect();
    cookies.extend(s.renewal(state));
    Ok(with(r, status, &cookies))
}

#[get("/account")]
async fn account(state: State, req: HttpRequest) -> Answer {
    let Some(s) = session(&state, &req).await else {
        return Ok(see_other("/login?next=/account"));
    };
    Ok(account_page(&state, &req, &s, StatusCode::OK, "", "", BTreeMap::new()).await?)
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

#[post("/account/password")]
async fn change_password(state: State, req: HttpRequest, form: web::Form<PasswordForm>) -> Answer {
    let Some(s) = session(&state, &req).await else {
        return Ok(see_other("/login?next=/account"));
    };
    if !csrf_ok(&req, &form.csrf) {
        return Ok(account_form_expired(&state, &req, &s).await?);
    }
    let f = form.into_inner();
    let auth = state.auth.clone();
    let caller = s.caller.clone();
    let ctx = state.context(Actor::of_caller(&caller, request_id(&req)));
    match db(&state, move |c| {
        svc::change_password(c, ctx.cx(), &auth, &caller, &f.current_password, &f.new_password)
    })
    .await
    {
        Ok(tokens) => {
            let cookies = session_cookies(&state, &tokens);
            let fresh = Session { caller: s.caller.clone(), renewed: None };
            let mut page = account_page(
                &state,
                &req,
                &fresh,
                StatusCode::OK,
                "密码已修改，其他设备上的登录已失效。",
                "",
                BTreeMap::new(),
            )
            .await?;
            // The new session's cookies: other devices' sign-ins are gone, this one stays.
            for c in &cookies {
                // A cookie that cannot be written as a header is a bug here, not input.
                let _ = page.add_cookie(c);
            }
            Ok(page)
        }
        Err(e) => {
            let mut errors: BTreeMap<String, String> =
                e.errors.iter().map(|fe| (fe.field.clone(), fe.detail.clone())).collect();
            if errors.is_empty() {
                let field = if e.code.is(ErrorCode::CurrentPasswordWrong) {
                    "current_password"
                } else {
                    "new_password"
                };
                errors.insert(field.into(), e.detail.clone());
            }
            Ok(account_page(&state, &req, &s, e.kind.status(), "", "", errors).await?)
        }
    }
}

#[derive(Debug, Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// The sign-out page: signed in, it asks (signing out changes state, so only the
/// form's POST does it); signed out, it says so with the way back in.
#[get("/logout")]
async fn logout_page(state: State, req: HttpRequest) -> Answer {
    let lang = Lang::of_request(&req);
    let s = session(&state, &req).await;
    let (csrf, set) = csrf_of(&state, &req);
    let chrome = match &s {
        Some(s) => super::Chrome::signed_in(&state, s.caller.role),
        None => super::Chrome::anonymous(&state),
    };
    let title = if s.is_some() { "sign-out-2" } else { "signed-out" };
    let r = render("logout.html", "/logout", &lang, &chrome, title, context! { csrf => csrf })?;
    let mut cookies: Vec<Cookie<'static>> = set.into_iter().collect();
    cookies.extend(s.iter().flat_map(|s| s.renewal(&state)));
    cookies.extend(Lang::cookie_for(&req));
    Ok(with(r, StatusCode::OK, &cookies))
}

#[post("/logout")]
async fn logout(state: State, req: HttpRequest, form: web::Form<LogoutForm>) -> Answer {
    let Some(s) = session(&state, &req).await else {
        return Ok(see_other("/logout"));
    };
    if !csrf_ok(&req, &form.csrf) {
        return Ok(account_form_expired(&state, &req, &s).await?);
    }
    let refresh = req.cookie(REFRESH).map(|c| c.value().to_string());
    let caller = s.caller.clone();
    let ctx = state.context(Actor::of_caller(&caller, request_id(&req)));
    let (user, now) = (caller.user_id.clone(), ctx.now);
    let out =
        db(&state, move |c| svc::logout(c, ctx.cx(), &caller, refresh.as_deref(), false)).await?;
    state.user_states.signed_out(&user, &out, now);
    let gone =
        [cookie(&state, ACCESS, String::new(), 0), cookie(&state, REFRESH, String::new(), 0)];
    Ok(with(see_other("/logout"), StatusCode::SEE_OTHER, &gone))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_only_ever_a_path_on_this_site() {
        for ok in ["/space", "/orders/1?tab=evidence", "/", "/a/b%2F/c"] {
            assert_eq!(safe_next(ok), ok);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\u{b}/evil.example",
            "/ /evil.example",
            "/\u{3000}/evil.example",
            "/x\\y",
            "https://evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(bad), "/home", "{bad:?}");
        }
    }
}
