//! The one extractor that decides who may call what: `Auth<P>` verifies the bearer
//! token, loads the caller's current state, and checks the role against `P`.

use super::{db, request_id, AppState};
use crate::domain::Role;
use crate::error::AppError;
use crate::services::auth::{caller_from_claims, decode_access, Caller};
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
role_set!(ProviderRole => [Provider]);
role_set!(SpaceRole => [Space]);
role_set!(/// Decides applications: onboarding, listings, objections.
    Reviewing => [Reviewer, Admin]);
role_set!(/// Reads authority-wide records.
    StaffRead => [Reviewer, Finance, Admin, Auditor]);
role_set!(AdminRole => [Admin]);
role_set!(/// Reads and verifies the audit trail.
    AuditRead => [Admin, Auditor]);

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
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        let rid = request_id(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let token = token.filter(|t| !t.is_empty()).ok_or_else(|| {
                AppError::unauthorized(
                    "authentication_required",
                    "请先登录（需要 Authorization: Bearer 访问令牌）",
                    "sign in first (Authorization: Bearer <access token>)",
                )
            })?;
            let claims = decode_access(&state.auth, &token, state.clock.now())?;
            let caller = db(&state, move |c| caller_from_claims(c, &claims)).await?;
            if !P::ROLES.contains(&caller.role) {
                return Err(AppError::forbidden());
            }
            let actor = Actor::user(
                &caller.user_id,
                caller.role,
                caller.party_kind,
                caller.party_id.clone(),
                rid,
            );
            Ok(Auth {
                caller,
                actor,
                _p: PhantomData,
            })
        })
    }
}

impl<P: Allowed> Auth<P> {
    /// The caller's own party id (firm, provider or space).
    pub fn party_id(&self) -> Result<String, AppError> {
        self.caller
            .party_id
            .clone()
            .ok_or_else(|| AppError::not_found("record"))
    }
}
