//! The one extractor that decides who may call what: `Auth<P>` verifies the bearer
//! token, loads the caller's current state, and checks the role against `P`.

use super::{db, request_id, AppState};
use crate::domain::id::{AnyParty, PartyKindId, SessionId, UserId};
use crate::domain::Role;
use crate::error::AppError;
use crate::error::ErrorCode;
use crate::services::auth::{
    caller_from_claims, check_user_state, decode_access, user_state, Caller, UserState,
};
use crate::services::Actor;
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

/// A set of roles allowed to call an endpoint.
pub trait Allowed {
    const ROLES: &'static [Role];
}

macro_rules! role_set {
    ($(#[$m:meta])* $name:ident => [$($r:ident),*]) => {
        $(#[$m])*
        pub struct $name;
        impl Allowed for $name {
            const ROLES: &'static [Role] = &[$(Role::$r),*];
        }
    };
}

role_set!(/// Any signed-in user.
    AnyRole => [Firm, Provider, Space, Reviewer, Finance, Admin, Auditor]);
role_set!(FirmRole => [Firm]);
role_set!(/// An applicant's account: a firm, provider or space.
    PartyRole => [Firm, Provider, Space]);
role_set!(/// Staff who read parties' documents (as they read evidence).
    DocumentStaff => [Reviewer, Finance, Auditor]);
role_set!(/// A party's documents: the party itself and the staff who read them.
    DocumentRead => [Firm, Provider, Space, Reviewer, Finance, Auditor]);
role_set!(ProviderRole => [Provider]);
role_set!(SpaceRole => [Space]);
role_set!(/// Decides applications: onboarding, listings, objections.
    Reviewing => [Reviewer, Admin]);
role_set!(/// Reads authority-wide records.
    StaffRead => [Reviewer, Finance, Admin, Auditor]);
role_set!(/// An order's parties and the staff who may read orders.
    OrderRead => [Firm, Provider, Reviewer, Finance, Admin, Auditor]);
role_set!(/// The two sides of an order.
    FirmOrProvider => [Firm, Provider]);
role_set!(/// Who may download evidence: the order's parties, reviewers, finance, auditors.
    EvidenceRead => [Firm, Provider, Reviewer, Finance, Auditor]);
role_set!(/// Providers (their own) and the staff who read redemptions.
    RedemptionRead => [Provider, Reviewer, Finance, Admin, Auditor]);
role_set!(/// Spaces (their own) and the staff who read certifications.
    SpaceRead => [Space, Reviewer, Finance, Admin, Auditor]);
role_set!(/// Prepares, decides and pays settlement runs.
    FinanceRole => [Finance]);
role_set!(/// Reads settlement runs and reports, and verifies the ledger.
    FinanceRead => [Finance, Admin, Auditor]);
role_set!(AdminRole => [Admin]);
role_set!(/// Reads and verifies the audit trail.
    AuditRead => [Admin, Auditor]);

/// What this process knows of users whose sign-in state changed (disabled, password
/// changed), so checking a token costs no database read. Filled at start with every
/// user ever disabled or re-versioned, then kept current by polling `users.updated_at`
/// (`watch_user_states`); changes made on this process apply at once. A user not in
/// the map has never changed (token version 0); anything else not yet known is read
/// from the database.
#[derive(Default)]
pub struct UserStates {
    map: std::sync::RwLock<std::collections::HashMap<UserId, Option<UserState>>>,
    /// Sessions signed out, with when: their access tokens are refused until expiry.
    revoked: std::sync::RwLock<std::collections::HashMap<SessionId, chrono::NaiveDateTime>>,
}

impl UserStates {
    /// What a sign-out on this process revoked takes effect here at once (other
    /// processes read it from the database within `auth.user_state_poll_ms`).
    pub fn signed_out(
        &self,
        user_id: &UserId,
        out: &crate::services::auth::SignedOut,
        now: chrono::NaiveDateTime,
    ) {
        for f in &out.families {
            self.revoke_session(f, now);
        }
        if out.everywhere {
            self.forget(user_id);
        }
    }

    /// Refuses the access tokens of a signed-out session from now on.
    pub fn revoke_session(&self, session: &SessionId, at: chrono::NaiveDateTime) {
        self.revoked.write().unwrap_or_else(|p| p.into_inner()).insert(session.clone(), at);
    }

    fn session_revoked(&self, session: &SessionId) -> bool {
        self.revoked.read().unwrap_or_else(|p| p.into_inner()).contains_key(session)
    }

    /// Forgets sessions signed out before `before` (their access tokens have expired).
    fn prune_sessions(&self, before: chrono::NaiveDateTime) {
        self.revoked.write().unwrap_or_else(|p| p.into_inner()).retain(|_, at| *at >= before);
    }

    /// `Some(Some(state))`: known; `Some(None)`: must be read; `None`: never changed.
    fn get(&self, user_id: &UserId) -> Option<Option<UserState>> {
        self.map.read().unwrap_or_else(|p| p.into_inner()).get(user_id).copied()
    }

    pub fn set(&self, user_id: &UserId, state: Option<UserState>) {
        self.map.write().unwrap_or_else(|p| p.into_inner()).insert(user_id.clone(), state);
    }

    /// Makes the next request of this user read its state from the database.
    pub fn forget(&self, user_id: &UserId) {
        self.set(user_id, None);
    }
}

/// Reads the sessions signed out at or after `since` (by any process) into memory, and
/// forgets those whose access tokens have expired.
/// Returns the latest revocation time read (or `since` when none was).
pub async fn sync_revoked_sessions(
    state: &web::Data<AppState>,
    since: chrono::NaiveDateTime,
) -> Result<chrono::NaiveDateTime, AppError> {
    let rows = db(state, move |c| crate::services::auth::revoked_sessions(c, since)).await?;
    let mut latest = since;
    for (family, at) in rows {
        state.user_states.revoke_session(&family, at);
        latest = latest.max(at);
    }
    let ttl = chrono::Duration::seconds(state.auth.access_ttl_secs + 60);
    state.user_states.prune_sessions(state.clock.now() - ttl);
    Ok(latest)
}

/// Polls the users table for sign-in state changes made by any process, from
/// `watermark` on (the time of the initial load), and the sessions signed out.
pub async fn watch_user_states(
    state: web::Data<AppState>,
    every: std::time::Duration,
    mut watermark: Option<chrono::NaiveDateTime>,
) {
    // Revocations are read from a little before the latest one seen (clocks of several
    // servers differ a little), so each poll reads only the newest few.
    let mut revoked_mark = watermark.unwrap_or_else(|| state.clock.now());
    loop {
        tokio::time::sleep(every).await;
        let since = revoked_mark - chrono::Duration::seconds(2);
        match sync_revoked_sessions(&state, since).await {
            Ok(latest) => revoked_mark = revoked_mark.max(latest),
            Err(e) => tracing::warn!(error = %e, "reading signed-out sessions failed"),
        }
        let since = watermark.map(|w| w - chrono::Duration::seconds(2));
        match db(&state, move |c| crate::services::auth::changed_user_states(c, since)).await {
            Ok(rows) => {
                for (id, s, at) in rows {
                    state.user_states.set(&id, Some(s));
                    watermark = Some(watermark.map_or(at, |w| w.max(at)));
                }
                watermark.get_or_insert_with(|| state.clock.now());
            }
            Err(e) => tracing::warn!(error = %e, "reading user states failed"),
        }
    }
}

/// Checks an access token: signature, expiry, and that its user is neither disabled nor
/// re-versioned since (from the cache of user states, read through on a miss).
pub async fn verify_access(state: &web::Data<AppState>, token: &str) -> Result<Caller, AppError> {
    let claims = decode_access(&state.auth, token, state.clock.now())?;
    let user = UserId::stored(claims.sub.clone());
    let known = match state.user_states.get(&user) {
        Some(Some(s)) => Some(s),
        None if claims.ver == 0 => Some(UserState { token_version: 0, disabled: false }),
        _ => {
            let id = user.clone();
            let s = db(state, move |c| user_state(c, &id)).await?;
            state.user_states.set(&user, s);
            s
        }
    };
    check_user_state(&claims, known)?;
    if claims
        .sid
        .clone()
        .map(SessionId::stored)
        .is_some_and(|sid| state.user_states.session_revoked(&sid))
    {
        return Err(AppError::of(ErrorCode::SessionSignedOut));
    }
    caller_from_claims(&claims)
}

pub struct Auth<P: Allowed> {
    pub caller: Caller,
    pub actor: Actor,
    _p: PhantomData<P>,
}

impl<P: Allowed> FromRequest for Auth<P> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|t| t.trim().to_string());
        let rid = request_id(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let token = token
                .filter(|t| !t.is_empty())
                .ok_or_else(|| AppError::of(ErrorCode::AuthenticationRequired))?;
            let caller = verify_access(&state, &token).await?;
            if !P::ROLES.contains(&caller.role) {
                return Err(AppError::forbidden());
            }
            let actor = Actor::of_caller(&caller, rid);
            Ok(Auth { caller, actor, _p: PhantomData })
        })
    }
}

impl<P: Allowed> Auth<P> {
    /// The caller's own party id (firm, provider or space).
    pub fn party(&self) -> Result<&AnyParty, AppError> {
        self.caller.party.as_ref().ok_or_else(|| AppError::not_found("record"))
    }

    /// The caller's party as its typed id (`FirmId`, …): signed into the token. The
    /// role the endpoint admits says which kind; any other is "not found".
    pub fn party_as<T: PartyKindId>(&self) -> Result<T, AppError> {
        self.caller.party_as::<T>().ok_or_else(|| AppError::not_found("record"))
    }
}

/// A JSON request body. Read as `web::Json` reads it (size limit, content type, the
/// same problem answers), with one difference: a number written with a zero fraction
/// (`12.0`) counts as the integer it is, as JSON Schema's `integer` says, so a client
/// whose JSON library writes integers that way is not refused for it.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Whole-valued floats become integers, everywhere in the document.
fn integral_numbers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                // Within ±2^53 a float is exact, so the integer is the number written.
                if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                    *v = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// Whether any string in the document, key or value, holds a NUL character.
fn holds_nul(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let mut value = value.await?.into_inner();
            if holds_nul(&value) {
                return Err(AppError::nul_character().into());
            }
            integral_numbers(&mut value);
            serde_json::from_value(value)
                .map(Json)
                .map_err(|e| AppError::of(ErrorCode::InvalidJson).arg("reason", e).into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::integral_numbers;
    use serde_json::json;

    #[test]
    fn a_nul_anywhere_in_the_document_is_found() {
        use super::holds_nul;
        assert!(!holds_nul(&json!({"a": ["b", {"c": "d"}], "n": 1})));
        assert!(holds_nul(&json!({"a": ["b", {"c": "d\0"}]})));
        assert!(holds_nul(&json!({"a\0": 1})));
        assert!(holds_nul(&json!(["\0"])));
    }

    #[test]
    fn whole_floats_become_integers_and_fractions_stay() {
        let mut v = json!({"employees": 12.0, "ratio": 0.5, "list": [3.0, -4.0, 1e300], "n": 7});
        integral_numbers(&mut v);
        assert_eq!(v["employees"], json!(12));
        assert!(v["employees"].is_i64());
        assert_eq!(v["ratio"], json!(0.5));
        assert_eq!(v["list"][0], json!(3));
        assert_eq!(v["list"][1], json!(-4));
        assert!(v["list"][2].is_f64(), "beyond 2^53 a float is not an exact integer");
        assert_eq!(v["n"], json!(7));
    }
}
