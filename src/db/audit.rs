//! The append-only audit trail. A single head row (`audit_head`) is updated first in
//! every appending transaction: that row lock orders concurrent writers on
//! PostgreSQL (and SQLite's write lock does the same), so the chain never forks.

use super::models::AuditEventRow;
use super::schema::{audit_events, audit_head};
use super::DbConnection;
use crate::domain::audit::{chain_hash, EventContent};
use crate::domain::id::{AuditEventId, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub struct NewEvent {
    pub id: AuditEventId,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<UserId>,
    pub actor_role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub request_id: Option<String>,
}

pub fn append(conn: &mut DbConnection, ev: NewEvent) -> QueryResult<()> {
    append_many(conn, vec![ev])
}

/// Events with `seq > after`, in order, at most `limit`.
pub fn page_after(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<AuditEventRow>> {
    audit_events::table
        .filter(audit_events::seq.gt(after))
        .order(audit_events::seq.asc())
        .limit(limit)
        .load(conn)
}

pub fn head(conn: &mut DbConnection) -> QueryResult<(i64, String)> {
    audit_head::table.find(1).select((audit_head::last_seq, audit_head::last_hash)).first(conn)
}

/// What the auditor narrows the trail to; every part optional.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<UserId>,
    /// An action's exact name, or a family ending in a dot (`order.`).
    pub action: Option<String>,
    /// From this instant (inclusive) to that one (exclusive).
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// The newest events matching `f` first, below `before_seq`, at most `limit`.
pub fn search(
    conn: &mut DbConnection,
    f: &EventFilter,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEventRow>> {
    let mut q = audit_events::table.into_boxed();
    if let Some(t) = &f.entity_type {
        q = q.filter(audit_events::entity_type.eq(t.clone()));
    }
    if let Some(id) = &f.entity_id {
        q = q.filter(audit_events::entity_id.eq(id.clone()));
    }
    if let Some(a) = &f.actor {
        q = q.filter(audit_events::actor_user_id.eq(a.clone()));
    }
    match f.action.as_deref() {
        Some(family) if family.ends_with('.') => {
            // A prefix: names are lower-case words, dots and underscores; `_` is escaped.
            let pattern =
                format!("{}%", family.replace('\\', "").replace('%', "\\%").replace('_', "\\_"));
            q = q.filter(audit_events::action.like(pattern).escape('\\'));
        }
        Some(exact) => q = q.filter(audit_events::action.eq(exact.to_string())),
        None => {}
    }
    if let Some(from) = f.from {
        q = q.filter(audit_events::occurred_at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(audit_events::occurred_at.lt(to));
    }
    if let Some(b) = before_seq {
        q = q.filter(audit_events::seq.lt(b));
    }
    q.order(audit_events::seq.desc()).limit(limit).load(conn)
}

/// The newest events one user caused, leaving out sign-ins, sign-outs and token
/// renewals.
pub fn by_actor(
    conn: &mut DbConnection,
    user_id: &UserId,
    limit: i64,
) -> QueryResult<Vec<AuditEventRow>> {
    audit_events::table
        .filter(audit_events::actor_user_id.eq(user_id))
        .filter(audit_events::action.ne_all(["auth.login", "auth.logout", "auth.token_refreshed"]))
        .order(audit_events::seq.desc())
        .limit(limit)
        .load(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    audit_events::table.count().get_result(conn)
}

/// Appends several events with one head update (the claim engine's batches).
pub fn append_many(conn: &mut DbConnection, events: Vec<NewEvent>) -> QueryResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let n = i64::try_from(events.len()).unwrap_or(i64::MAX);
    let (last_seq, mut prev_hash): (i64, String) = diesel::update(audit_head::table.find(1))
        .set(audit_head::last_seq.eq(audit_head::last_seq + n))
        .returning((audit_head::last_seq, audit_head::last_hash))
        .get_result(conn)?;
    let mut rows = Vec::with_capacity(events.len());
    for (i, ev) in events.into_iter().enumerate() {
        let seq = last_seq - n + 1 + i64::try_from(i).unwrap_or(0);
        let hash = chain_hash(
            &prev_hash,
            &EventContent {
                seq,
                id: ev.id.as_str(),
                occurred_at: ev.occurred_at,
                actor_user_id: ev.actor_user_id.as_ref().map(UserId::as_str),
                actor_role: &ev.actor_role,
                action: &ev.action,
                entity_type: &ev.entity_type,
                entity_id: &ev.entity_id,
                before_state: ev.before_state.as_deref(),
                after_state: ev.after_state.as_deref(),
                request_id: ev.request_id.as_deref(),
            },
        );
        rows.push(AuditEventRow {
            seq,
            id: ev.id,
            occurred_at: ev.occurred_at,
            actor_user_id: ev.actor_user_id,
            actor_role: ev.actor_role,
            action: ev.action,
            entity_type: ev.entity_type,
            entity_id: ev.entity_id,
            before_state: ev.before_state,
            after_state: ev.after_state,
            request_id: ev.request_id,
            prev_hash: std::mem::take(&mut prev_hash),
            hash: hash.clone(),
        });
        prev_hash = hash;
    }
    bulk_insert!(conn, audit_events::table, &rows);
    diesel::update(audit_head::table.find(1))
        .set(audit_head::last_hash.eq(&prev_hash))
        .execute(conn)?;
    Ok(())
}
