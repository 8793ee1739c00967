//! Writing and verifying the hash-chained audit trail.

use super::Actor;
use crate::db::{self, audit as repo, DbConnection};
use crate::domain::audit::{chain_hash, EventContent, GENESIS_HASH};
use crate::domain::id::UserId;
use crate::domain::new_id;
use crate::error::AppResult;
use chrono::NaiveDateTime;
use serde::Serialize;

/// One change to an entity: what was done, to which entity, and its state before and
/// after (JSON snapshots of the row as the API shows it).
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Appends one event inside the caller's transaction.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
    change: Change<'_>,
) -> AppResult<()> {
    let Change {
        action,
        entity_type,
        entity_id,
        before,
        after,
    } = change;
    repo::append(
        conn,
        repo::NewEvent {
            id: new_id(),
            occurred_at: now,
            actor_user_id: actor.user_id.clone(),
            actor_role: actor.role.clone(),
            action: action.to_string(),
            entity_type: entity_type.to_string(),
            entity_id: entity_id.to_string(),
            before_state: before,
            after_state: after,
            request_id: actor.request_id.clone(),
        },
    )?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerifyReport {
    pub ok: bool,
    pub events_checked: i64,
    pub head_seq: i64,
    /// The first event whose link does not hold, if any.
    pub first_broken: Option<BrokenLink>,
}

/// Recomputes the chain from the first event and names the first broken link.
pub fn verify(conn: &mut DbConnection) -> AppResult<VerifyReport> {
    db::read_tx(conn, |conn| {
        let (head_seq, head_hash) = repo::head(conn)?;
        let mut prev = GENESIS_HASH.to_string();
        let mut expected_seq = 1i64;
        let mut checked = 0i64;
        let mut after = 0i64;
        let mut broken: Option<BrokenLink> = None;
        'pages: loop {
            let page = repo::page_after(conn, after, 1000)?;
            if page.is_empty() {
                break;
            }
            for e in &page {
                after = e.seq;
                checked += 1;
                let fail = |reason: String| Some(BrokenLink { seq: e.seq, reason });
                if e.seq != expected_seq {
                    broken = fail(format!(
                        "expected event {expected_seq}, found {} (missing events)",
                        e.seq
                    ));
                } else if e.prev_hash != prev {
                    broken = fail("prev_hash does not match the previous event's hash".into());
                } else {
                    let h = chain_hash(
                        &prev,
                        &EventContent {
                            seq: e.seq,
                            id: &e.id,
                            occurred_at: e.occurred_at,
                            actor_user_id: e.actor_user_id.as_ref().map(UserId::as_str),
                            actor_role: &e.actor_role,
                            action: &e.action,
                            entity_type: &e.entity_type,
                            entity_id: &e.entity_id,
                            before_state: e.before_state.as_deref(),
                            after_state: e.after_state.as_deref(),
                            request_id: e.request_id.as_deref(),
                        },
                    );
                    if h != e.hash {
                        broken =
                            fail("content does not match its hash (the event was altered)".into());
                    }
                }
                if broken.is_some() {
                    break 'pages;
                }
                prev = e.hash.clone();
                expected_seq += 1;
            }
        }
        if broken.is_none() {
            let last = expected_seq - 1;
            if head_seq != last
                || (last > 0 && head_hash != prev)
                || (last == 0 && head_hash != GENESIS_HASH)
            {
                broken = Some(BrokenLink {
                    seq: last + 1,
                    reason: format!(
                        "the chain head says {head_seq} events but {last} are present (events removed from the end?)"
                    ),
                });
            }
        }
        Ok(VerifyReport {
            ok: broken.is_none(),
            events_checked: checked,
            head_seq,
            first_broken: broken,
        })
    })
}

/// The newest events first, optionally for one entity.
pub fn recent(
    conn: &mut DbConnection,
    entity: Option<(&str, &str)>,
    before_seq: Option<i64>,
    limit: i64,
) -> AppResult<Vec<crate::db::models::AuditEventRow>> {
    Ok(repo::recent(conn, entity, before_seq, limit)?)
}
