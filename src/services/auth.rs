//! Sign-in: argon2id password hashes, short-lived JWT access tokens, rotating refresh
//! tokens stored hashed, and failed-attempt limits per account and per address.

use super::{audit, Actor};
use crate::config::AuthSettings;
use crate::db::models::{EmailTokenRow, LoginAttemptRow, RefreshTokenRow, UserRow};
use crate::db::{self, users as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{
    AnyParty, EmailTokenId, LoginAttemptId, PartyId, PartyKindId, RefreshTokenId, SessionId, UserId,
};
use crate::domain::validation::FieldErrors;
use crate::domain::{new_id, PartyKind, Role};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::Cx;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{Duration, NaiveDateTime};
use jsonwebtoken::{
    decode, encode, Algorithm as JwtAlg, DecodingKey, EncodingKey, Header, Validation,
};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Everything sign-in needs, built once from the settings.
pub struct AuthConfig {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub access_ttl_secs: i64,
    pub refresh_ttl_secs: i64,
    pub max_failures_per_account: i64,
    pub max_failures_per_address: i64,
    pub failure_window_secs: i64,
    hasher: Argon2<'static>,
    dummy_hash: String,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig").field("keys", &"[REDACTED]").finish_non_exhaustive()
    }
}

impl AuthConfig {
    pub fn new(s: &AuthSettings) -> Result<Self, String> {
        let secret = s.jwt_secret.expose_secret().as_bytes();
        let params = Params::new(s.argon2_memory_kib, s.argon2_iterations, 1, None)
            .map_err(|e| format!("argon2 parameters: {e}"))?;
        let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = hasher
            .hash_password(b"timing-equaliser")
            .map_err(|e| format!("argon2: {e}"))?
            .to_string();
        Ok(AuthConfig {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access_ttl_secs: s.access_ttl_secs,
            refresh_ttl_secs: s.refresh_ttl_secs,
            max_failures_per_account: s.max_failures_per_account,
            max_failures_per_address: s.max_failures_per_address,
            failure_window_secs: s.failure_window_secs,
            hasher,
            dummy_hash,
        })
    }

    pub fn hash_password(&self, password: &str) -> AppResult<String> {
        self.hasher
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(format!("argon2: {e}")))
    }

    pub fn verify_password(&self, hash: &str, password: &str) -> bool {
        match PasswordHash::new(hash) {
            Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }
}

/// Access-token claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// The user's token version when issued; a password change or disabling bumps it.
    pub ver: i32,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// The session (refresh-token family) the token was issued in: signing that session
    /// out revokes the token at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn new_refresh_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A one-time link sent by email (a password reset, a contact verification): what it
/// is for, whose, to which address, asked from where and by whom, how long it works.
pub(crate) struct EmailLink<'a> {
    pub purpose: &'static str,
    pub user: &'a UserId,
    pub email: &'a str,
    pub requested_from: &'a str,
    pub requested_by: Option<&'a UserId>,
    pub ttl: Duration,
}

/// Records a new link, inside the caller's transaction: the user's older unused links
/// for the same purpose stop working. Returns the token the link carries (only its hash
/// is kept) and the row.
pub(crate) fn new_email_link(
    c: &mut DbConnection,
    link: EmailLink<'_>,
    now: NaiveDateTime,
) -> AppResult<(String, EmailTokenRow)> {
    repo::void_email_tokens(c, link.user, link.purpose, now)?;
    let token = new_refresh_secret();
    let row = EmailTokenRow {
        id: EmailTokenId::new(),
        purpose: link.purpose.into(),
        user_id: Some(link.user.clone()),
        email: link.email.to_string(),
        token_hash: token_hash(&token),
        requested_from: link.requested_from.to_string(),
        requested_by: link.requested_by.cloned(),
        created_at: now,
        expires_at: now + link.ttl,
        used_at: None,
    };
    repo::insert_email_token(c, &row)?;
    Ok((token, row))
}

fn issue(
    conn: &mut DbConnection,
    cfg: &AuthConfig,
    user: &UserRow,
    family: &SessionId,
    now: NaiveDateTime,
) -> AppResult<(Tokens, RefreshTokenId)> {
    let iat = now.and_utc().timestamp();
    let claims = Claims {
        sub: user.id.to_string(),
        role: user.role.as_str().to_string(),
        party_kind: user.party_kind.map(|k| k.as_str().to_string()),
        party: user.party_id.as_ref().map(PartyId::to_string),
        ver: user.token_version,
        iat,
        exp: iat + cfg.access_ttl_secs,
        jti: new_id(),
        sid: Some(family.to_string()),
    };
    let access = encode(&Header::new(JwtAlg::HS256), &claims, &cfg.encoding)
        .map_err(|e| AppError::internal(format!("jwt: {e}")))?;
    let secret = new_refresh_secret();
    let id = RefreshTokenId::new();
    repo::insert_refresh(
        conn,
        &RefreshTokenRow {
            id: id.clone(),
            user_id: user.id.clone(),
            family_id: family.clone(),
            token_hash: token_hash(&secret),
            issued_at: now,
            expires_at: now + Duration::seconds(cfg.refresh_ttl_secs),
            revoked_at: None,
            revoke_reason: None,
            replaced_by: None,
        },
    )?;
    Ok((
        Tokens {
            access_token: access,
            refresh_token: secret,
            token_type: "Bearer",
            expires_in: cfg.access_ttl_secs,
        },
        id,
    ))
}

/// A verified access token, before the user's current state is checked.
pub fn decode_access(
    cfg: &AuthConfig,
    token: &str,
    now: NaiveDateTime,
) -> Result<Claims, AppError> {
    let mut v = Validation::new(JwtAlg::HS256);
    v.algorithms = vec![JwtAlg::HS256];
    v.leeway = 0;
    v.validate_exp = false; // checked below against the service clock
    v.set_required_spec_claims(&["exp", "sub"]);
    let data = decode::<Claims>(token, &cfg.decoding, &v).map_err(|e| {
        tracing::debug!(error = %e, "access token refused");
        invalid_token()
    })?;
    if data.claims.exp <= now.and_utc().timestamp() {
        return Err(AppError::of(ErrorCode::TokenExpired));
    }
    Ok(data.claims)
}

pub fn invalid_token() -> AppError {
    AppError::of(ErrorCode::TokenInvalid)
}

/// The caller behind a verified token: role and party are signed into it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub role: Role,
    /// The firm, provider or space the caller acts for (an authority for staff).
    pub party: Option<AnyParty>,
    /// The session the access token belongs to (tokens issued before sessions were
    /// named in them have none).
    pub session_id: Option<SessionId>,
}

impl Caller {
    /// The caller's party as its typed id (`FirmId`, …), if it acts for one of that kind.
    pub fn party_as<T: PartyKindId>(&self) -> Option<T> {
        self.party.as_ref().and_then(T::in_party).cloned()
    }
}

pub fn caller_from_claims(claims: &Claims) -> AppResult<Caller> {
    let role = Role::parse(&claims.role).ok_or_else(invalid_token)?;
    Ok(Caller {
        user_id: UserId::stored(claims.sub.clone()),
        role,
        party: claims
            .party_kind
            .as_deref()
            .and_then(PartyKind::parse)
            .zip(claims.party.clone())
            .map(|(kind, id)| AnyParty::of(kind, PartyId::stored(id))),
        session_id: claims.sid.clone().map(SessionId::stored),
    })
}

/// A user's token version and whether the account is disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserState {
    pub token_version: i32,
    pub disabled: bool,
}

/// Refuses a token whose user is disabled or whose version is stale.
pub fn check_user_state(claims: &Claims, state: Option<UserState>) -> AppResult<()> {
    match state {
        None => Err(invalid_token()),
        Some(s) if s.disabled => Err(AppError::of(ErrorCode::AccountDisabled)),
        Some(s) if s.token_version != claims.ver => Err(AppError::of(ErrorCode::TokenRevoked)),
        Some(_) => Ok(()),
    }
}

pub fn user_state(conn: &mut DbConnection, user_id: &UserId) -> AppResult<Option<UserState>> {
    Ok(repo::by_id(conn, user_id)?
        .map(|u| UserState { token_version: u.token_version, disabled: u.disabled }))
}

/// Users whose sign-in state changed: all that were ever disabled or re-versioned
/// (`since` = None), or those updated at or after `since`.
pub fn changed_user_states(
    conn: &mut DbConnection,
    since: Option<NaiveDateTime>,
) -> AppResult<Vec<(UserId, UserState, NaiveDateTime)>> {
    Ok(repo::changed_states(conn, since)?
        .into_iter()
        .map(|(id, v, d, at)| (id, UserState { token_version: v, disabled: d }, at))
        .collect())
}

fn invalid_credentials() -> AppError {
    AppError::of(ErrorCode::InvalidCredentials)
}

/// When the sign-in lock on `username` ends, if the account is locked now: the
/// failures counted in the window reached `auth.max_failures_per_account`.
pub fn locked_until(
    conn: &mut DbConnection,
    cfg: &AuthConfig,
    username: &str,
    now: NaiveDateTime,
) -> AppResult<Option<NaiveDateTime>> {
    let window = Duration::seconds(cfg.failure_window_secs);
    let (failures, oldest) = repo::failures_for_user(conn, username, now - window)?;
    Ok((failures >= cfg.max_failures_per_account).then(|| oldest.unwrap_or(now) + window))
}

pub fn login(
    conn: &mut DbConnection,
    cfg: &AuthConfig,
    username: &str,
    password: &str,
    remote_addr: &str,
    now: NaiveDateTime,
    request_id: Option<String>,
) -> AppResult<Tokens> {
    let username = username.trim();
    if username.is_empty() || password.is_empty() || username.len() > 64 || password.len() > 256 {
        return Err(invalid_credentials());
    }
    let since = now - Duration::seconds(cfg.failure_window_secs);
    // Limits first: a locked account or a throttled address is not even checked.
    let addr_failures = repo::failures_for_addr(conn, remote_addr, since)?;
    if addr_failures >= cfg.max_failures_per_address {
        return Err(AppError::of(ErrorCode::TooManyLoginAttempts)
            .with_retry_after(cfg.failure_window_secs as u64));
    }
    if let Some(until) = locked_until(conn, cfg, username, now)? {
        let wait = (until - now).num_seconds().max(1);
        return Err(AppError::of(ErrorCode::AccountLocked)
            .arg("wait", wait)
            .with_retry_after(wait as u64));
    }
    let user = repo::by_username(conn, username)?;
    // Always run one argon2 verification, so timing does not reveal whether a user exists.
    let ok = match &user {
        Some(u) => cfg.verify_password(&u.password_hash, password),
        None => {
            let _ = cfg.verify_password(&cfg.dummy_hash, password);
            false
        }
    };
    let attempt = LoginAttemptRow {
        id: LoginAttemptId::new(),
        username: username.to_string(),
        remote_addr: remote_addr.to_string(),
        succeeded: ok,
        attempted_at: now,
    };
    let user = match (ok, user) {
        (true, Some(u)) => u,
        _ => {
            db::write_tx(conn, |c| repo::record_attempt(c, &attempt))?;
            return Err(invalid_credentials());
        }
    };
    if user.disabled {
        db::write_tx(conn, |c| {
            repo::record_attempt(c, &LoginAttemptRow { succeeded: false, ..attempt })
        })?;
        return Err(AppError::of(ErrorCode::AccountDisabled));
    }
    db::write_tx(conn, |c| -> AppResult<_> {
        repo::record_attempt(c, &attempt)?;
        let (tokens, token_id) = issue(c, cfg, &user, &SessionId::new(), now)?;
        let actor = Actor::of_user(&user, request_id);
        audit::record(
            c,
            actor.at(now),
            audit::Change::new(Fixed::Login, &user.id)
                .after(&serde_json::json!({"refresh_token_id": token_id})),
        )?;
        Ok(tokens)
    })
}

pub fn refresh(
    conn: &mut DbConnection,
    cfg: &AuthConfig,
    token: &str,
    now: NaiveDateTime,
    request_id: Option<String>,
) -> AppResult<Tokens> {
    let hash = token_hash(token.trim());
    // The outcome of a reuse (revoking the family) must be committed even though the
    // request is refused, so the transaction returns the refusal as a value.
    let outcome: Result<Tokens, AppError> = db::write_tx(conn, |c| -> AppResult<_> {
        let Some(row) = repo::refresh_by_hash(c, &hash)? else {
            return Ok(Err(AppError::of(ErrorCode::RefreshTokenInvalid)));
        };
        let actor = Actor {
            user_id: Some(row.user_id.clone()),
            role: "user".into(),
            request_id: request_id.clone(),
            ..Actor::system()
        };
        if row.revoked_at.is_some() {
            if row.revoke_reason.as_deref() == Some("rotated") {
                repo::revoke_family(c, &row.family_id, "reuse_detected", now)?;
                audit::record(
                    c,
                    actor.at(now),
                    audit::Change::new(Fixed::RefreshReuseDetected, &row.user_id)
                        .after(&serde_json::json!({"family_id": row.family_id})),
                )?;
                return Ok(Err(AppError::of(ErrorCode::RefreshTokenReusedSessionRevoked)));
            }
            return Ok(Err(AppError::of(ErrorCode::RefreshTokenRevoked)));
        }
        if row.expires_at <= now {
            return Ok(Err(AppError::of(ErrorCode::RefreshTokenExpired)));
        }
        let Some(user) = repo::by_id(c, &row.user_id)? else {
            return Ok(Err(invalid_token()));
        };
        if user.disabled {
            return Ok(Err(AppError::of(ErrorCode::AccountDisabled)));
        }
        let (tokens, new_token_id) = issue(c, cfg, &user, &row.family_id, now)?;
        let actor = Actor { role: user.role.as_str().to_string(), ..actor };
        audit::record(
            c,
            actor.at(now),
            audit::Change::new(Fixed::TokenRefreshed, &user.id)
                .after(&serde_json::json!({"retired": row.id, "issued": new_token_id})),
        )?;
        if !repo::rotate_refresh(c, &row.id, &new_token_id, now)? {
            // Lost a race with another refresh of the same token: that is reuse.
            return Err(AppError::of(ErrorCode::RefreshTokenReused));
        }
        Ok(Ok(tokens))
    })?;
    outcome
}

/// What signing out revoked.
#[derive(Debug, Clone, Default)]
pub struct SignedOut {
    /// Refresh tokens revoked.
    pub sessions: usize,
    /// Sessions whose access tokens stop working now.
    pub families: Vec<SessionId>,
    /// Every access token of the user stopped working (its token version moved on).
    pub everywhere: bool,
}

/// Signs out: revokes the session the refresh token belongs to (or, without one, the
/// session of the caller's access token), or every session of the user. The access
/// tokens of those sessions stop working at once (`SignedOut` tells the caller's
/// process which; the others learn it from the database within a poll).
pub fn logout(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    caller: &Caller,
    refresh_token: Option<&str>,
    everywhere: bool,
) -> AppResult<SignedOut> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let mut out = SignedOut { everywhere, ..SignedOut::default() };
        let family = match refresh_token {
            Some(t) => match repo::refresh_by_hash(c, &token_hash(t.trim()))? {
                Some(row) if row.user_id == caller.user_id => Some(row.family_id),
                _ => None,
            },
            None => caller.session_id.clone(),
        };
        if everywhere {
            out.sessions = repo::revoke_all_for_user(c, &caller.user_id, "logout", cx.now)?;
            repo::bump_token_version(c, &caller.user_id, cx.now)?;
        } else if let Some(f) = family {
            out.sessions = repo::revoke_family(c, &f, "logout", cx.now)?;
            out.families.push(f);
        }
        let n = out.sessions;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::Logout, &caller.user_id)
                .after(&serde_json::json!({"sessions_revoked": n, "everywhere": everywhere})),
        )?;
        Ok(out)
    })
}

/// Sessions signed out (or revoked on refresh-token reuse) at or after `since`, with
/// when: their access tokens are refused until they expire.
pub fn revoked_sessions(
    conn: &mut DbConnection,
    since: NaiveDateTime,
) -> AppResult<Vec<(SessionId, NaiveDateTime)>> {
    Ok(repo::revoked_families(conn, since)?)
}

/// Password rules: 10–128 characters, not the username, at least three kinds of
/// character among lower case, upper case, digits and others.
pub fn check_password(errors: &mut FieldErrors, field: &str, username: &str, password: &str) {
    let len = password.chars().count();
    let kinds = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if !(10..=128).contains(&len) || kinds < 3 || password.eq_ignore_ascii_case(username) {
        errors.add(
            field,
            ErrorCode::PasswordTooWeak,
            "密码须为10–128位，至少包含大写字母、小写字母、数字、符号中的三类，且不能与用户名相同",
            "passwords need 10-128 characters with at least three of: lower case, upper case, digits, symbols, and must differ from the username",
        );
    }
}

/// Usernames: 3–64 characters of letters, digits and `._-@`.
pub fn check_username(errors: &mut FieldErrors, field: &str, username: &str) -> String {
    let u = username.trim().to_string();
    let ok = (3..=64).contains(&u.len())
        && u.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if !ok {
        errors.add(
            field,
            ErrorCode::UsernameInvalid,
            "用户名须为3–64位字母、数字或 ._-@",
            "usernames have 3-64 characters: letters, digits and ._-@",
        );
    }
    u
}

pub fn change_password(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    cfg: &AuthConfig,
    caller: &Caller,
    current: &str,
    new: &str,
) -> AppResult<Tokens> {
    let user = repo::by_id(conn, &caller.user_id)?.ok_or_else(|| AppError::not_found("user"))?;
    if !cfg.verify_password(&user.password_hash, current) {
        return Err(AppError::of(ErrorCode::CurrentPasswordWrong));
    }
    let mut errors = FieldErrors::new();
    check_password(&mut errors, "new_password", &user.username, new);
    if current == new {
        errors.add(
            "new_password",
            ErrorCode::PasswordUnchanged,
            "新密码不能与当前密码相同",
            "the new password must differ from the current one",
        );
    }
    errors.finish()?;
    let hash = cfg.hash_password(new)?;
    db::write_tx(conn, |c| -> AppResult<_> {
        repo::set_password(c, &user.id, &hash, cx.now)?;
        repo::revoke_all_for_user(c, &user.id, "password_changed", cx.now)?;
        audit::record(c, cx.by(), audit::Change::new(Fixed::PasswordChanged, &user.id))?;
        let fresh = repo::by_id(c, &user.id)?.ok_or_else(|| AppError::not_found("user"))?;
        let (tokens, _) = issue(c, cfg, &fresh, &SessionId::new(), cx.now)?;
        Ok(tokens)
    })
}
