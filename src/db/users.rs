//! Users, refresh tokens and sign-in attempts.

use super::models::{AccountUnlockRow, EmailTokenRow, LoginAttemptRow, RefreshTokenRow, UserRow};
use super::schema::{account_unlocks, email_tokens, login_attempts, refresh_tokens, users};
use super::{holding, lower, DbConnection};
use crate::domain::id::{EmailTokenId, RefreshTokenId, SessionId, UserId};
use crate::domain::listing::{Filter, Sort};
use crate::domain::Role;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert(conn: &mut DbConnection, row: &UserRow) -> QueryResult<()> {
    diesel::insert_into(users::table).values(row).execute(conn).map(|_| ())
}

pub fn by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table.filter(users::username.eq(username)).first(conn).optional()
}

pub fn by_id(conn: &mut DbConnection, id: &UserId) -> QueryResult<Option<UserRow>> {
    users::table.find(id).first(conn).optional()
}

/// The user an optional id names (a link or an actor may name none).
pub fn by_opt_id(conn: &mut DbConnection, id: Option<&UserId>) -> QueryResult<Option<UserRow>> {
    match id {
        Some(id) => by_id(conn, id),
        None => Ok(None),
    }
}

pub fn username_taken(conn: &mut DbConnection, username: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::username.eq(username))))
        .get_result(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// Accounts as a list asks: by role, words in the username, the name or the email
/// address, the day they were made.
pub fn list(
    conn: &mut DbConnection,
    f: &Filter<Role>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<UserRow>, i64)> {
    listed!(
        conn,
        users,
        (offset, limit),
        |q| {
            if let Some(r) = f.status {
                q = q.filter(users::role.eq(r.as_str()));
            }
            if let Some(w) = &f.words {
                let p = holding(w);
                q = q.filter(
                    lower(users::username)
                        .like(p.clone())
                        .escape('\\')
                        .or(lower(users::display_name).like(p.clone()).escape('\\'))
                        .or(lower(users::email.assume_not_null()).like(p).escape('\\')),
                );
            }
            if let Some(t) = f.from {
                q = q.filter(users::created_at.ge(t));
            }
            if let Some(t) = f.before {
                q = q.filter(users::created_at.lt(t));
            }
        },
        order
            | o
            | match f.sort {
                Sort::Newest | Sort::Largest | Sort::Cheapest | Sort::Rated =>
                    o.order((users::created_at.desc(), users::id.desc())),
                Sort::Oldest => o.order((users::created_at.asc(), users::id.asc())),
                Sort::Name => o.order(users::username.asc()),
            }
    )
}

/// Sets a new password hash and invalidates every access token issued before.
pub fn set_password(
    conn: &mut DbConnection,
    id: &UserId,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::password_changed_at.eq(now),
            users::updated_at.eq(now),
            users::token_version.eq(users::token_version + 1),
        ))
        .execute(conn)
}

pub fn set_disabled(
    conn: &mut DbConnection,
    id: &UserId,
    disabled: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::disabled.eq(disabled),
            users::updated_at.eq(now),
            users::token_version.eq(users::token_version + 1),
        ))
        .execute(conn)
}

pub fn insert_refresh(conn: &mut DbConnection, row: &RefreshTokenRow) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table).values(row).execute(conn).map(|_| ())
}

pub fn refresh_by_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table.filter(refresh_tokens::token_hash.eq(hash)).first(conn).optional()
}

/// Marks one live token used; returns false if it was already revoked (a concurrent
/// refresh with the same token won the race).
pub fn rotate_refresh(
    conn: &mut DbConnection,
    id: &RefreshTokenId,
    replaced_by: &RefreshTokenId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n =
        diesel::update(refresh_tokens::table.find(id).filter(refresh_tokens::revoked_at.is_null()))
            .set((
                refresh_tokens::revoked_at.eq(now),
                refresh_tokens::revoke_reason.eq("rotated"),
                refresh_tokens::replaced_by.eq(replaced_by.as_str()),
            ))
            .execute(conn)?;
    Ok(n == 1)
}

pub fn revoke_family(
    conn: &mut DbConnection,
    family: &SessionId,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set((refresh_tokens::revoked_at.eq(now), refresh_tokens::revoke_reason.eq(reason)))
    .execute(conn)
}

/// Moves the user's token version on: every access token issued before stops working.
pub fn bump_token_version(
    conn: &mut DbConnection,
    id: &UserId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::updated_at.eq(now), users::token_version.eq(users::token_version + 1)))
        .execute(conn)
}

/// (family, revoked at) of sessions revoked at or after `since` other than by rotation
/// (a rotated token's session goes on).
pub fn revoked_families(
    conn: &mut DbConnection,
    since: NaiveDateTime,
) -> QueryResult<Vec<(SessionId, NaiveDateTime)>> {
    let rows: Vec<(SessionId, Option<NaiveDateTime>)> = refresh_tokens::table
        .filter(refresh_tokens::revoked_at.ge(since))
        .filter(refresh_tokens::revoke_reason.ne("rotated"))
        .select((refresh_tokens::family_id, refresh_tokens::revoked_at))
        .distinct()
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(f, at)| at.map(|at| (f, at))).collect())
}

pub fn revoke_all_for_user(
    conn: &mut DbConnection,
    user_id: &UserId,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set((refresh_tokens::revoked_at.eq(now), refresh_tokens::revoke_reason.eq(reason)))
    .execute(conn)
}

pub fn record_attempt(conn: &mut DbConnection, row: &LoginAttemptRow) -> QueryResult<()> {
    diesel::insert_into(login_attempts::table).values(row).execute(conn).map(|_| ())
}

/// The failed sign-ins counted against `username` since `since`: how many, and the
/// oldest (to tell when a lock ends). Failures before the last success or the last
/// unlock (an administrator's, or a completed password reset) do not count.
pub fn failures_for_user(
    conn: &mut DbConnection,
    username: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    let last_ok: Option<NaiveDateTime> = login_attempts::table
        .filter(login_attempts::username.eq(username))
        .filter(login_attempts::succeeded.eq(true))
        .filter(login_attempts::attempted_at.ge(since))
        .select(diesel::dsl::max(login_attempts::attempted_at))
        .first(conn)?;
    let unlocked: Option<NaiveDateTime> = account_unlocks::table
        .filter(account_unlocks::username.eq(username))
        .filter(account_unlocks::unlocked_at.ge(since))
        .select(diesel::dsl::max(account_unlocks::unlocked_at))
        .first(conn)?;
    let from = last_ok.map_or(since, |t| t.max(since));
    let counted = || {
        let mut q = login_attempts::table
            .filter(login_attempts::username.eq(username))
            .filter(login_attempts::succeeded.eq(false))
            .filter(login_attempts::attempted_at.ge(from))
            .into_boxed();
        // Failures up to and including the unlock's instant no longer count.
        if let Some(u) = unlocked {
            q = q.filter(login_attempts::attempted_at.gt(u));
        }
        q
    };
    let n = counted().count().get_result(conn)?;
    let oldest = counted().select(diesel::dsl::min(login_attempts::attempted_at)).first(conn)?;
    Ok((n, oldest))
}

pub fn failures_for_addr(
    conn: &mut DbConnection,
    addr: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    login_attempts::table
        .filter(login_attempts::remote_addr.eq(addr))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.ge(since))
        .count()
        .get_result(conn)
}

/// (id, token_version, disabled, updated_at) of users changed since `since`, or of all
/// users ever disabled or re-versioned when `since` is None.
pub fn changed_states(
    conn: &mut DbConnection,
    since: Option<NaiveDateTime>,
) -> QueryResult<Vec<(UserId, i32, bool, NaiveDateTime)>> {
    let q =
        users::table.select((users::id, users::token_version, users::disabled, users::updated_at));
    match since {
        Some(t) => q.filter(users::updated_at.ge(t)).load(conn),
        None => q.filter(users::disabled.eq(true).or(users::token_version.gt(0))).load(conn),
    }
}

/// Deletes sign-in attempts made before `before`; returns how many.
pub fn prune_login_attempts(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.filter(login_attempts::attempted_at.lt(before)))
        .execute(conn)
}

/// Deletes refresh tokens that expired before `before`; returns how many.
pub fn prune_refresh_tokens(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(before)))
        .execute(conn)
}

/// Deletes emailed links (reset, verification) that expired before `before`, and lock
/// lifts made before it (they only ever mattered within the sign-in failure window);
/// returns how many of each.
pub fn prune_email_links(
    conn: &mut DbConnection,
    before: NaiveDateTime,
) -> QueryResult<(usize, usize)> {
    let links = diesel::delete(email_tokens::table.filter(email_tokens::expires_at.lt(before)))
        .execute(conn)?;
    let unlocks =
        diesel::delete(account_unlocks::table.filter(account_unlocks::unlocked_at.lt(before)))
            .execute(conn)?;
    Ok((links, unlocks))
}

/// Enabled users of a role that have an email address.
pub fn reachable_with_role(conn: &mut DbConnection, role: &str) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::role.eq(role))
        .filter(users::disabled.eq(false))
        .filter(users::email.is_not_null())
        .order(users::username.asc())
        .load(conn)
}

/// Users whose username or contact email is `who` (an email may name several accounts).
pub fn by_username_or_email(conn: &mut DbConnection, who: &str) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::username.eq(who).or(users::email.eq(who)))
        .order(users::username.asc())
        .limit(10)
        .load(conn)
}

pub fn insert_email_token(conn: &mut DbConnection, row: &EmailTokenRow) -> QueryResult<()> {
    diesel::insert_into(email_tokens::table).values(row).execute(conn).map(|_| ())
}

/// Links of `purpose` sent to `user_id` since `since`.
pub fn email_tokens_for_user(
    conn: &mut DbConnection,
    user_id: &UserId,
    purpose: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    email_tokens::table
        .filter(email_tokens::user_id.eq(user_id))
        .filter(email_tokens::purpose.eq(purpose))
        .filter(email_tokens::created_at.ge(since))
        .count()
        .get_result(conn)
}

/// Links of `purpose` requested from `addr` since `since`, whether or not they named an
/// account.
pub fn email_tokens_from(
    conn: &mut DbConnection,
    addr: &str,
    purpose: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    email_tokens::table
        .filter(email_tokens::requested_from.eq(addr))
        .filter(email_tokens::purpose.eq(purpose))
        .filter(email_tokens::created_at.ge(since))
        .count()
        .get_result(conn)
}

/// The link whose token hashes to `hash`, locked for its single use.
pub fn email_token_by_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<EmailTokenRow>> {
    first_for_update!(conn, email_tokens::table.filter(email_tokens::token_hash.eq(hash)))
}

/// Marks a link used; false when it was used already (a second use).
pub fn use_email_token(
    conn: &mut DbConnection,
    id: &EmailTokenId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        email_tokens::table.filter(email_tokens::id.eq(id)).filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}

/// Every unused link of `purpose` for `user_id` stops working (a newer one was sent, or
/// the password was reset).
pub fn void_email_tokens(
    conn: &mut DbConnection,
    user_id: &UserId,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        email_tokens::table
            .filter(email_tokens::user_id.eq(user_id))
            .filter(email_tokens::purpose.eq(purpose))
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(now))
    .execute(conn)
}

pub fn insert_unlock(conn: &mut DbConnection, row: &AccountUnlockRow) -> QueryResult<()> {
    diesel::insert_into(account_unlocks::table).values(row).execute(conn).map(|_| ())
}
