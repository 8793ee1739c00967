use crate::error::{ErrorCode, Problem};
use crate::http::extract::{AnyRole, Auth};
use crate::http::Answer;
use crate::http::{db, remote_addr, request_id, JsonBody, State};
use crate::services::auth::{self as svc, Tokens};
use crate::services::users::UserView;
use actix_web::{get, post, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Sign in with username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = Tokens),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/auth/login")]
pub async fn login(state: State, req: HttpRequest, body: JsonBody<LoginRequest>) -> Answer {
    let body = body?;
    let addr = remote_addr(&req);
    let rid = request_id(&req);
    let now = state.clock.now();
    let auth = state.auth.clone();
    let body = body.into_inner();
    let tokens =
        db(&state, move |c| svc::login(c, &auth, &body.username, &body.password, &addr, now, rid))
            .await?;
    Ok(HttpResponse::Ok().json(tokens))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchange a refresh token for new tokens; the old refresh token stops working.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = Tokens),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/auth/refresh")]
pub async fn refresh(state: State, req: HttpRequest, body: JsonBody<RefreshRequest>) -> Answer {
    let body = body?;
    let rid = request_id(&req);
    let now = state.clock.now();
    let auth = state.auth.clone();
    let result = db(&state, move |c| svc::refresh(c, &auth, &body.refresh_token, now, rid)).await;
    if result.as_ref().is_err_and(|e| e.code.is(ErrorCode::RefreshTokenReused)) {
        // The reused token's whole session was revoked: its access tokens too, now.
        let since = now - chrono::Duration::seconds(2);
        crate::http::extract::sync_revoked_sessions(&state, since).await?;
    }
    Ok(HttpResponse::Ok().json(result?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// The session to end; omitted, the session of the access token used. With
    /// `everywhere: true` every session of the user ends. Access tokens of ended
    /// sessions stop working at once.
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub everywhere: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LogoutResult {
    pub sessions_revoked: usize,
}

/// Sign out: revoke this session's refresh tokens, or every session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = LogoutRequest, security(("bearer" = [])), responses(
    (status = 200, body = LogoutResult),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/auth/logout")]
pub async fn logout(state: State, auth: Auth<AnyRole>, body: JsonBody<LogoutRequest>) -> Answer {
    let body = body?;
    let ctx = state.context(auth.actor);
    let (user, now) = (auth.caller.user_id.clone(), ctx.now);
    let out = db(&state, move |c| {
        svc::logout(c, ctx.cx(), &auth.caller, body.refresh_token.as_deref(), body.everywhere)
    })
    .await?;
    state.user_states.signed_out(&user, &out, now);
    Ok(HttpResponse::Ok().json(LogoutResult { sessions_revoked: out.sessions }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    #[schema(schema_with = crate::domain::validation::schema::new_password)]
    pub new_password: String,
}

/// Change the password. Every other session and token stops working; new tokens are returned.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChange, security(("bearer" = [])), responses(
    (status = 200, body = Tokens),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/auth/password")]
pub async fn change_password(
    state: State,
    auth: Auth<AnyRole>,
    body: JsonBody<PasswordChange>,
) -> Answer {
    let body = body?;
    let ctx = state.context(auth.actor);
    let cfg = state.auth.clone();
    let user_id = auth.caller.user_id.clone();
    let tokens = db(&state, move |c| {
        svc::change_password(
            c,
            ctx.cx(),
            &cfg,
            &auth.caller,
            &body.current_password,
            &body.new_password,
        )
    })
    .await?;
    state.user_states.forget(&user_id);
    Ok(HttpResponse::Ok().json(tokens))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = UserView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/auth/me")]
pub async fn me(state: State, auth: Auth<AnyRole>) -> Answer {
    let id = auth.caller.user_id.clone();
    let v = db(&state, move |c| crate::services::users::get(c, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}
