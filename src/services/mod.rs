//! Use cases: one function per user intent, one transaction each, with the audit
//! event written in the same transaction as the change.

pub mod affiliations;
pub mod appeals;
pub mod articles;
pub mod audit;
pub mod auth;
pub mod awards;
pub mod backup;
pub mod catalogue;
pub mod certification;
pub mod claims;
pub mod contact_verification;
pub mod credit;
pub mod dashboard;
pub mod demo;
pub mod documents;
pub mod evidence;
pub mod expiry;
pub mod findings;
pub mod firms;
pub mod incubatees;
pub mod ledger;
pub mod listing;
pub mod lottery;
pub mod objections;
pub mod orders;
pub mod outbox;
pub mod password_reset;
pub mod prospects;
pub mod providers;
pub mod ratings;
pub mod receivables;
pub mod records;
pub mod redemptions;
pub mod registration;
pub mod reminders;
pub mod screening;
pub mod settlement;
pub mod spaces;
pub mod spot_checks;
pub mod statistics;
pub mod subsidies;
pub mod tables;
pub mod users;
pub mod vouchers;
pub mod workbench;

use crate::domain::id::{AnyParty, FirmId, ProviderId, SpaceId, UserId};
use crate::domain::{Policy, Role};
use crate::notify::Templates;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Who acts and when: what a use case records of itself in the audit trail, handed
/// to it as one value.
#[derive(Debug, Clone, Copy)]
pub struct Acting<'a> {
    pub now: NaiveDateTime,
    pub actor: &'a Actor,
}

/// What a use case is handed besides its connection and its input: who acts and when,
/// the policy in force and the email templates. Each edge builds it once (a request, a
/// page, a job, a command); the connection stays a parameter of its own because
/// `db::write_tx` lends it to the transaction's closure.
#[derive(Debug, Clone, Copy)]
pub struct Cx<'a> {
    pub now: NaiveDateTime,
    pub actor: &'a Actor,
    pub policy: &'a Policy,
    pub templates: &'a Templates,
}

impl<'a> Cx<'a> {
    pub fn new(by: Acting<'a>, policy: &'a Policy, templates: &'a Templates) -> Self {
        Cx { now: by.now, actor: by.actor, policy, templates }
    }

    /// Who acts and when, for the audit trail.
    pub fn by(&self) -> Acting<'a> {
        Acting { now: self.now, actor: self.actor }
    }
}

/// What an edge (a request, a page, a job, a command) owns and lends to its use cases
/// as a [`Cx`].
#[derive(Debug, Clone)]
pub struct Context {
    pub now: NaiveDateTime,
    pub actor: Actor,
    pub policy: std::sync::Arc<Policy>,
    pub templates: std::sync::Arc<Templates>,
}

impl Context {
    pub fn cx(&self) -> Cx<'_> {
        Cx { now: self.now, actor: &self.actor, policy: &self.policy, templates: &self.templates }
    }
}

/// Who is acting, for authorisation scoping and the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<UserId>,
    /// A role name, or `system` / `public` when no user acts.
    pub role: String,
    pub role_kind: Option<Role>,
    /// The firm, provider or space the user acts for.
    pub party: Option<AnyParty>,
    pub request_id: Option<String>,
}

impl Actor {
    pub fn system() -> Self {
        Actor {
            user_id: None,
            role: "system".into(),
            role_kind: None,
            party: None,
            request_id: None,
        }
    }

    pub fn public(request_id: Option<String>) -> Self {
        Actor { role: "public".into(), request_id, ..Actor::system() }
    }

    /// The actor of a signed-in caller.
    pub fn of_caller(c: &auth::Caller, request_id: Option<String>) -> Self {
        Actor::user(&c.user_id, c.role, c.party.clone(), request_id)
    }

    pub fn user(
        user_id: &UserId,
        role: Role,
        party: Option<AnyParty>,
        request_id: Option<String>,
    ) -> Self {
        Actor {
            user_id: Some(user_id.clone()),
            role: role.as_str().to_string(),
            role_kind: Some(role),
            party,
            request_id,
        }
    }

    /// The actor of `user` before a session exists: signing in, following an emailed link.
    pub fn of_user(user: &crate::db::models::UserRow, request_id: Option<String>) -> Self {
        Actor::user(&user.id, user.role, user.party(), request_id)
    }

    /// This actor acting at `now`.
    pub fn at(&self, now: NaiveDateTime) -> Acting<'_> {
        Acting { now, actor: self }
    }

    /// The firm this actor acts for, if it acts for one.
    pub fn firm(&self) -> Option<&FirmId> {
        self.party.as_ref().and_then(AnyParty::firm)
    }

    /// The provider this actor acts for, if it acts for one.
    pub fn provider(&self) -> Option<&ProviderId> {
        self.party.as_ref().and_then(AnyParty::provider)
    }

    /// The space this actor acts for, if it acts for one.
    pub fn space(&self) -> Option<&SpaceId> {
        self.party.as_ref().and_then(AnyParty::space)
    }
}

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub page: i64,
    pub per_page: i64,
}

impl Page {
    pub const MAX_PER_PAGE: i64 = 100;

    /// A validated page request from `page` (default 1) and `per_page` (default 20, at
    /// most 100).
    pub fn asked(page: Option<i64>, per_page: Option<i64>) -> crate::error::AppResult<Page> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(20);

        if !(1..=1_000_000).contains(&page) {
            return Err(crate::error::AppError::of(crate::error::ErrorCode::PageInvalid));
        }
        if !(1..=Page::MAX_PER_PAGE).contains(&per_page) {
            return Err(crate::error::AppError::of(crate::error::ErrorCode::PerPageInvalid)
                .arg("max", Page::MAX_PER_PAGE));
        }
        Ok(Page { page, per_page })
    }

    pub fn offset(self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

/// Runs a use case with a pooled connection on tokio's blocking pool (HTTP handlers and
/// jobs alike: the database calls are synchronous).
pub async fn on_pool<T, F>(pool: &crate::db::Pool, f: F) -> crate::error::AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::db::DbConnection) -> crate::error::AppResult<T> + Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await
    .map_err(|e| crate::error::AppError::internal(format!("blocking task failed: {e}")))?
}

/// Serialises a row for the audit trail.
pub fn snapshot<T: Serialize + ?Sized>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}
