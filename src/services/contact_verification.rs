//! A party's contact address is verified by a single-use link before its application
//! goes to review: a firm's onboarding and a provider's listing are not decided, and a
//! space's certification application is not accepted, until the address the party gave
//! answered. The link is sent when the party registers (inside that transaction), when
//! the address changes, and again on request (a few times an hour). Only the token's
//! SHA-256 is kept (`email_tokens`, purpose `verify_contact`); it works 24 hours, once,
//! and only for the address it was sent to.

use super::auth::token_hash;
use super::{audit, Actor};
use crate::db::models::UserRow;
use crate::db::{self, parties, users as repo, DbConnection};
use crate::domain::audit::{Action, Fixed};
use crate::domain::id::{AnyParty, UserId};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::{ContactVerification, Message};
use crate::services::Cx;
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

pub const PURPOSE: &str = "verify_contact";
/// How long a link works.
pub const TTL_HOURS: i64 = 24;
/// Links one account may be sent in an hour (registration's own link counts).
pub const PER_ACCOUNT_PER_HOUR: i64 = 3;

/// Where the links point: the site's address (`{base}/verify?token=…`).
#[derive(Clone, Copy)]
pub struct Links<'a> {
    pub base: &'a str,
}

fn link(base: &str, token: &str) -> String {
    format!("{}/verify?token={token}", base.trim_end_matches('/'))
}

/// Where a party's contact verification stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContactState {
    pub party_kind: String,
    pub party_name: String,
    pub contact_email: String,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub verified_at: Option<NaiveDateTime>,
}

fn party_of(user: &UserRow) -> AppResult<AnyParty> {
    match user.party() {
        Some(p) if !matches!(p, AnyParty::Authority(_)) => Ok(p),
        _ => Err(AppError::of(ErrorCode::NoPartyContact)),
    }
}

/// After a party changed its contact address to `email`: a new link to it when the one
/// acting is the party's own user (inside the caller's transaction).
pub fn send_to_own<P: ?Sized>(
    c: &mut DbConnection,
    cx: Cx<'_>,
    links: Links<'_>,
    party: &P,
    party_name: &str,
    email: &str,
) -> AppResult<()>
where
    crate::domain::id::PartyId: PartialEq<P>,
{
    let user = repo::by_opt_id(c, cx.actor.user_id.as_ref())?
        .filter(|u| u.party_id.as_ref().is_some_and(|p| p == party));
    if let Some(user) = user {
        send(c, cx, links, &user, party_name, email)?;
    }
    Ok(())
}

/// Records a new link for `user`'s party and queues it to `email` (inside the caller's
/// transaction); older unused links stop working.
pub fn send(
    c: &mut DbConnection,
    cx: Cx<'_>,
    links: Links<'_>,
    user: &UserRow,
    party_name: &str,
    email: &str,
) -> AppResult<String> {
    let now = cx.now;
    let (token, row) = super::auth::new_email_link(
        c,
        super::auth::EmailLink {
            purpose: PURPOSE,
            user: &user.id,
            email,
            requested_from: "",
            requested_by: None,
            ttl: Duration::hours(TTL_HOURS),
        },
        now,
    )?;
    let message = ContactVerification {
        party_name: party_name.to_string(),
        username: user.username.clone(),
        link: link(links.base, &token),
        expires_at: crate::notify::china_time(row.expires_at),
        hours: TTL_HOURS,
    };
    super::outbox::enqueue(c, cx.templates, vec![message.to(email, party_name)], now)?;
    audit::record(
        c,
        cx.by(),
        audit::Change::new(Fixed::VerificationSent, &user.id).after(
            &serde_json::json!({"link": row.id, "email": email, "expires_at": row.expires_at}),
        ),
    )?;
    Ok(token)
}

/// Where the signed-in party account's contact verification stands.
pub fn state(conn: &mut DbConnection, user_id: &UserId) -> AppResult<ContactState> {
    db::read_tx(conn, |c| state_in(c, user_id))
}

/// [`state`] inside the caller's transaction.
pub fn state_in(c: &mut DbConnection, user_id: &UserId) -> AppResult<ContactState> {
    let user = repo::by_id(c, user_id)?.ok_or_else(|| AppError::not_found("user"))?;
    let party = party_of(&user)?;
    let kind = party.kind();
    let (name, email, verified_at) =
        parties::contact_of(c, &party)?.ok_or_else(|| AppError::not_found("party"))?;
    Ok(ContactState {
        party_kind: kind.as_str().to_string(),
        party_name: name,
        contact_email: email,
        verified_at,
    })
}

/// The party account asks for a new link (to the contact address on file).
pub fn resend(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    links: Links<'_>,
    user_id: &UserId,
) -> AppResult<ContactState> {
    db::write_tx(conn, |c| -> AppResult<ContactState> {
        let user = repo::by_id(c, user_id)?.ok_or_else(|| AppError::not_found("user"))?;
        let party = party_of(&user)?;
        let kind = party.kind();
        let (name, email, verified_at) =
            parties::contact_of(c, &party)?.ok_or_else(|| AppError::not_found("party"))?;
        if verified_at.is_some() {
            return Err(AppError::of(ErrorCode::ContactAlreadyVerified).arg("email", email));
        }
        if repo::email_tokens_for_user(c, &user.id, PURPOSE, cx.now - Duration::hours(1))?
            >= PER_ACCOUNT_PER_HOUR
        {
            return Err(AppError::of(ErrorCode::VerificationResendThrottled)
                .arg("per_account_per_hour", PER_ACCOUNT_PER_HOUR)
                .with_retry_after(3600));
        }
        send(c, cx, links, &user, &name, &email)?;
        Ok(ContactState {
            party_kind: kind.as_str().to_string(),
            party_name: name,
            contact_email: email,
            verified_at: None,
        })
    })
}

/// The refusal of a link that is not one of ours.
pub fn invalid() -> AppError {
    AppError::of(ErrorCode::VerificationLinkInvalid)
}

/// Uses a link: the party's contact address is verified, once, before the link expires,
/// and only if the address is still the one the link was sent to.
pub fn verify(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
    request_id: Option<String>,
) -> AppResult<ContactState> {
    let token = token.trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    db::write_tx(conn, |c| -> AppResult<ContactState> {
        let row = repo::email_token_by_hash(c, &token_hash(token))?
            .filter(|r| r.purpose == PURPOSE)
            .ok_or_else(invalid)?;
        if row.used_at.is_some() {
            return Err(AppError::of(ErrorCode::VerificationLinkUsed));
        }
        if now >= row.expires_at {
            return Err(
                AppError::of(ErrorCode::VerificationLinkExpired).arg("ttl_hours", TTL_HOURS)
            );
        }
        let user = repo::by_opt_id(c, row.user_id.as_ref())?.ok_or_else(invalid)?;
        let party = party_of(&user)?;
        let kind = party.kind();
        let (name, email, _) = parties::contact_of(c, &party)?.ok_or_else(invalid)?;
        if email != row.email {
            return Err(AppError::of(ErrorCode::VerificationLinkStale));
        }
        if !repo::use_email_token(c, &row.id, now)? {
            return Err(AppError::of(ErrorCode::VerificationLinkUsed));
        }
        parties::set_contact_verified(c, &party, &email, now)?;
        let actor = Actor::of_user(&user, request_id);
        audit::record(
            c,
            actor.at(now),
            audit::Change::new(Action::ContactVerified(kind), party.as_str())
                .after(&serde_json::json!({"email": email, "link": row.id})),
        )?;
        let (_, _, verified_at) = parties::contact_of(c, &party)?.ok_or_else(invalid)?;
        Ok(ContactState {
            party_kind: kind.as_str().to_string(),
            party_name: name,
            contact_email: email,
            verified_at,
        })
    })
}

/// The refusal when a party's application is decided (or a space applies) before its
/// contact address is verified.
pub fn not_verified(email: &str) -> AppError {
    AppError::of(ErrorCode::ContactNotVerified).arg("email", email)
}
