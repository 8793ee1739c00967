//! Accounts: authorities, users and their sign-in records, staff affiliations.

use crate::db::schema::*;
use crate::domain::id::{
    AnyParty, AuthorityId, EmailTokenId, LoginAttemptId, PartyId, RefreshTokenId, SessionId,
    UnlockId, UserId,
};
use crate::domain::CreditCode;
use crate::domain::{PartyKind, Role};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = authorities)]
pub struct AuthorityRow {
    pub id: AuthorityId,
    pub name: String,
    pub region_code: String,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Queryable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub party_kind: Option<PartyKind>,
    pub party_id: Option<PartyId>,
    pub display_name: String,
    pub email: Option<String>,
    pub disabled: bool,
    pub token_version: i32,
    pub password_changed_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("password_hash", &"[REDACTED]")
            .field("role", &self.role)
            .field("party_id", &self.party_id)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// What the audit trail records of a user (never the password hash).
#[derive(Debug, Serialize)]
pub struct UserAudit<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub role: &'a str,
    pub party_kind: Option<&'a str>,
    pub party_id: Option<&'a str>,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub disabled: bool,
    pub token_version: i32,
}

impl UserRow {
    /// A new, enabled account acting for `party`, with a new id.
    pub fn new_account(
        username: String,
        password_hash: String,
        role: Role,
        party: Option<AnyParty>,
        display_name: String,
        email: Option<String>,
        now: NaiveDateTime,
    ) -> Self {
        UserRow {
            id: UserId::new(),
            username,
            password_hash,
            role,
            party_kind: party.as_ref().map(AnyParty::kind),
            party_id: party.as_ref().map(AnyParty::id),
            display_name,
            email,
            disabled: false,
            token_version: 0,
            password_changed_at: now,
            created_at: now,
            updated_at: now,
        }
    }

    /// The firm, provider or space the account acts for.
    pub fn party(&self) -> Option<AnyParty> {
        self.party_kind.zip(self.party_id.clone()).map(|(kind, id)| AnyParty::of(kind, id))
    }

    pub fn audit(&self) -> UserAudit<'_> {
        UserAudit {
            id: self.id.as_str(),
            username: &self.username,
            role: self.role.as_str(),
            party_kind: self.party_kind.map(PartyKind::as_str),
            party_id: self.party_id.as_ref().map(PartyId::as_str),
            display_name: &self.display_name,
            email: self.email.as_deref(),
            disabled: self.disabled,
            token_version: self.token_version,
        }
    }
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: RefreshTokenId,
    pub user_id: UserId,
    pub family_id: SessionId,
    pub token_hash: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoke_reason: Option<String>,
    pub replaced_by: Option<String>,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = login_attempts)]
pub struct LoginAttemptRow {
    pub id: LoginAttemptId,
    pub username: String,
    pub remote_addr: String,
    pub succeeded: bool,
    pub attempted_at: NaiveDateTime,
}

/// A single-use link sent by email (a password reset); only the token's hash is kept.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = email_tokens)]
pub struct EmailTokenRow {
    pub id: EmailTokenId,
    pub purpose: String,
    /// None for a request that named no account.
    pub user_id: Option<UserId>,
    pub email: String,
    pub token_hash: String,
    pub requested_from: String,
    pub requested_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// An account's sign-in lock lifted (by an administrator or a completed reset).
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = account_unlocks)]
pub struct AccountUnlockRow {
    pub id: UnlockId,
    pub username: String,
    pub unlocked_at: NaiveDateTime,
    pub unlocked_by: Option<UserId>,
    pub reason: String,
}

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = staff_affiliations)]
pub struct StaffAffiliationRow {
    pub user_id: UserId,
    pub credit_code: CreditCode,
    pub declared_by: Option<UserId>,
    pub declared_at: NaiveDateTime,
}
