//! Forgotten passwords: a single-use link by email, valid 30 minutes, whose token is
//! kept only as its SHA-256. Asking never says whether an account exists (the same
//! answer, the same row written); asking is limited per account and per address.
//! Completing a reset sets the password, ends every session, voids the account's other
//! links and lifts a sign-in lock. An administrator can send the link and lift a lock.

use super::auth::{check_password, new_refresh_secret, token_hash, AuthConfig};
use super::{audit, Actor};
use crate::db::models::{AccountUnlockRow, EmailTokenRow, UserRow};
use crate::db::{self, users as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{EmailTokenId, UnlockId, UserId};
use crate::domain::validation::FieldErrors;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::{Message, PasswordReset, Templates};
use crate::services::Acting;
use crate::services::Cx;
use chrono::{Duration, NaiveDateTime};

pub const PURPOSE: &str = "password_reset";
/// How long a link works.
pub const TTL_MINUTES: i64 = 30;
/// Links one account may be sent in an hour (more requests are answered alike, unsent).
pub const PER_ACCOUNT_PER_HOUR: i64 = 3;
/// Requests one address may make in an hour, whatever they name.
pub const PER_ADDRESS_PER_HOUR: i64 = 10;

/// Where a link points: `{base_url}/password/reset?token=…`.
pub struct LinkBase<'a>(pub &'a str);

fn link(base: &LinkBase<'_>, token: &str) -> String {
    format!("{}/password/reset?token={token}", base.0.trim_end_matches('/'))
}

/// Who a link is for and who asked for it.
struct Asked<'a> {
    /// The address the link is emailed to.
    email: &'a str,
    /// The network address the request came from.
    addr: &'a str,
    /// The administrator who asked for the user, if one did.
    by: Option<&'a UserId>,
}

/// A link for `user`, recorded and emailed (inside the caller's transaction).
fn send(
    c: &mut DbConnection,
    templates: &Templates,
    base: &LinkBase<'_>,
    user: &UserRow,
    asked: Asked<'_>,
    acting: Acting<'_>,
) -> AppResult<()> {
    let Asked { email, addr, by } = asked;
    let Acting { now, actor } = acting;
    let (token, row) = super::auth::new_email_link(
        c,
        super::auth::EmailLink {
            purpose: PURPOSE,
            user: &user.id,
            email,
            requested_from: addr,
            requested_by: by,
            ttl: Duration::minutes(TTL_MINUTES),
        },
        now,
    )?;
    let message = PasswordReset {
        display_name: user.display_name.clone(),
        username: user.username.clone(),
        link: link(base, &token),
        expires_at: crate::notify::china_time(row.expires_at),
        minutes: TTL_MINUTES,
        by_administrator: by.is_some(),
    };
    super::outbox::enqueue(c, templates, vec![message.to(email, &user.display_name)], now)?;
    audit::record(
        c,
        actor.at(now),
        audit::Change::new(Fixed::PasswordResetSent, &user.id)
            .after(&serde_json::json!({"link": row.id, "expires_at": row.expires_at})),
    )
}

/// Someone asks for a reset link for `who` (a username or a contact email). The answer
/// is the same whether or not an account matched.
pub fn request(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    base: &LinkBase<'_>,
    who: &str,
    addr: &str,
) -> AppResult<()> {
    let who = who.trim();
    let mut errors = FieldErrors::new();
    if who.is_empty() || who.chars().count() > 254 || who.chars().any(char::is_control) {
        errors.add(
            "who",
            ErrorCode::Required,
            "请填写用户名或注册邮箱",
            "enter your username or the email you registered",
        );
    }
    errors.finish()?;
    let hour_ago = cx.now - Duration::hours(1);
    db::write_tx(conn, |c| -> AppResult<()> {
        if repo::email_tokens_from(c, addr, PURPOSE, hour_ago)? >= PER_ADDRESS_PER_HOUR {
            return Err(AppError::of(ErrorCode::ResetRequestsThrottled).with_retry_after(3600));
        }
        let mut sent = false;
        for user in repo::by_username_or_email(c, who)? {
            let Some(email) = user.email.clone().filter(|e| !e.is_empty()) else {
                continue;
            };
            if user.disabled
                || repo::email_tokens_for_user(c, &user.id, PURPOSE, hour_ago)?
                    >= PER_ACCOUNT_PER_HOUR
            {
                continue;
            }
            send(c, cx.templates, base, &user, Asked { email: &email, addr, by: None }, cx.by())?;
            sent = true;
        }
        if !sent {
            // Nothing sent: the request is kept all the same (it counts against the
            // address, and costs what a real one costs), as a link already used.
            repo::insert_email_token(
                c,
                &EmailTokenRow {
                    id: EmailTokenId::new(),
                    purpose: PURPOSE.into(),
                    user_id: None,
                    email: String::new(),
                    token_hash: token_hash(&new_refresh_secret()),
                    requested_from: addr.to_string(),
                    requested_by: None,
                    created_at: cx.now,
                    expires_at: cx.now,
                    used_at: Some(cx.now),
                },
            )?;
        }
        Ok(())
    })
}

fn invalid() -> AppError {
    AppError::of(ErrorCode::ResetLinkInvalid)
}

/// The account a link resets, if the link can still be used.
fn usable(
    c: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> AppResult<(EmailTokenRow, UserRow)> {
    let token = token.trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    let row = repo::email_token_by_hash(c, &token_hash(token))?
        .filter(|r| r.purpose == PURPOSE)
        .ok_or_else(invalid)?;
    if row.used_at.is_some() {
        return Err(AppError::of(ErrorCode::ResetLinkUsed));
    }
    if now >= row.expires_at {
        return Err(AppError::of(ErrorCode::ResetLinkExpired).arg("ttl_minutes", TTL_MINUTES));
    }
    let user =
        repo::by_opt_id(c, row.user_id.as_ref())?.filter(|u| !u.disabled).ok_or_else(invalid)?;
    Ok((row, user))
}

/// The username a link would reset (to show on the form), or why it cannot be used.
pub fn check(conn: &mut DbConnection, token: &str, now: NaiveDateTime) -> AppResult<String> {
    db::read_tx(conn, |c| usable(c, token, now).map(|(_, u)| u.username))
}

/// Sets the new password through the link: once, before it expires. Returns the
/// account's id (its sessions end: the caller tells this process's token checks).
pub fn complete(
    conn: &mut DbConnection,
    cfg: &AuthConfig,
    token: &str,
    new_password: &str,
    now: NaiveDateTime,
    request_id: Option<String>,
) -> AppResult<UserId> {
    let username = check(conn, token, now)?;
    let mut errors = FieldErrors::new();
    check_password(&mut errors, "new_password", &username, new_password);
    errors.finish()?;
    let hash = cfg.hash_password(new_password)?;
    db::write_tx(conn, |c| -> AppResult<UserId> {
        // Checked again under the row's lock: two uses at once, one wins.
        let (row, user) = usable(c, token, now)?;
        if !repo::use_email_token(c, &row.id, now)? {
            return Err(AppError::of(ErrorCode::ResetLinkUsed));
        }
        repo::void_email_tokens(c, &user.id, PURPOSE, now)?;
        repo::set_password(c, &user.id, &hash, now)?;
        repo::revoke_all_for_user(c, &user.id, "password_reset", now)?;
        repo::insert_unlock(
            c,
            &AccountUnlockRow {
                id: UnlockId::new(),
                username: user.username.clone(),
                unlocked_at: now,
                unlocked_by: None,
                reason: PURPOSE.into(),
            },
        )?;
        let actor = Actor::of_user(&user, request_id);
        audit::record(
            c,
            actor.at(now),
            audit::Change::new(Fixed::PasswordReset, &user.id)
                .after(&serde_json::json!({"link": row.id})),
        )?;
        Ok(user.id)
    })
}

/// An administrator sends `user_id` a reset link (to the account's contact email).
pub fn send_by_admin(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    base: &LinkBase<'_>,
    user_id: &UserId,
) -> AppResult<()> {
    let actor = cx.by().actor;
    db::write_tx(conn, |c| -> AppResult<()> {
        let user = repo::by_id(c, user_id)?.ok_or_else(|| AppError::not_found("user"))?;
        let Some(email) = user.email.clone().filter(|e| !e.is_empty()) else {
            return Err(AppError::of(ErrorCode::UserHasNoEmail));
        };
        if user.disabled {
            return Err(AppError::of(ErrorCode::UserDisabled));
        }
        send(
            c,
            cx.templates,
            base,
            &user,
            Asked { email: &email, addr: "admin", by: actor.user_id.as_ref() },
            cx.by(),
        )
    })
}

/// An administrator lifts the sign-in lock on `user_id`: failures before now stop
/// counting.
pub fn unlock(conn: &mut DbConnection, cx: Cx<'_>, user_id: &UserId) -> AppResult<()> {
    db::write_tx(conn, |c| -> AppResult<()> {
        let user = repo::by_id(c, user_id)?.ok_or_else(|| AppError::not_found("user"))?;
        repo::insert_unlock(
            c,
            &AccountUnlockRow {
                id: UnlockId::new(),
                username: user.username.clone(),
                unlocked_at: cx.now,
                unlocked_by: cx.actor.user_id.clone(),
                reason: "administrator".into(),
            },
        )?;
        audit::record(c, cx.by(), audit::Change::new(Fixed::AccountUnlocked, &user.id))
    })
}
