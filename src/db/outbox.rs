//! The email outbox.

use super::models::OutboxRow;
use super::schema::outbox;
use super::DbConnection;
use super::{holding, lower};
use crate::domain::id::EmailId;
use crate::domain::listing::{Filter, Sort};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::operation::OutboxStatus::{self, Failed, Pending, Sent};

pub fn insert_many(conn: &mut DbConnection, rows: &[OutboxRow]) -> QueryResult<()> {
    bulk_insert!(conn, outbox::table, rows);
    Ok(())
}

/// Which of `keys` already have an email.
pub fn existing_keys(conn: &mut DbConnection, keys: &[String]) -> QueryResult<Vec<String>> {
    let mut found = Vec::new();
    for chunk in keys.chunks(500) {
        let mut part: Vec<Option<String>> = outbox::table
            .filter(outbox::dedupe_key.eq_any(chunk))
            .select(outbox::dedupe_key)
            .load(conn)?;
        found.extend(part.drain(..).flatten());
    }
    Ok(found)
}

/// Leases up to `limit` due messages to `run` until `until`: pending, due, and not
/// leased to a run whose lease still holds. Call inside a write transaction.
pub fn lease_due(
    conn: &mut DbConnection,
    run: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let free = outbox::locked_until.is_null().or(outbox::locked_until.lt(now));
    let ids: Vec<String> = outbox::table
        .filter(outbox::status.eq(Pending))
        .filter(outbox::next_attempt_at.le(now))
        .filter(free)
        .order((outbox::next_attempt_at.asc(), outbox::created_at.asc()))
        .select(outbox::id)
        .limit(limit)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .filter(outbox::status.eq(Pending))
            .filter(outbox::locked_until.is_null().or(outbox::locked_until.lt(now))),
    )
    .set((outbox::locked_by.eq(run), outbox::locked_until.eq(until)))
    .execute(conn)?;
    outbox::table
        .filter(outbox::locked_by.eq(run))
        .filter(outbox::status.eq(Pending))
        .order((outbox::next_attempt_at.asc(), outbox::created_at.asc()))
        .load(conn)
}

/// Records a delivery. False if the run no longer holds the message.
pub fn mark_sent(
    conn: &mut DbConnection,
    id: &EmailId,
    run: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table.find(id).filter(outbox::locked_by.eq(run)).filter(outbox::status.eq(Pending)),
    )
    .set((
        outbox::status.eq(Sent),
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::sent_at.eq(Some(now)),
        outbox::locked_by.eq(None::<String>),
        outbox::locked_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records a failed attempt: retried at `retry_at`, or failed for good when `None`.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    id: &EmailId,
    run: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target =
        outbox::table.find(id).filter(outbox::locked_by.eq(run)).filter(outbox::status.eq(Pending));
    let unlock = (
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::last_error.eq(Some(error)),
        outbox::locked_by.eq(None::<String>),
        outbox::locked_until.eq(None::<NaiveDateTime>),
    );
    let n = match retry_at {
        Some(at) => {
            diesel::update(target).set((unlock, outbox::next_attempt_at.eq(at))).execute(conn)?
        }
        None => diesel::update(target)
            .set((unlock, outbox::status.eq(Failed), outbox::failed_at.eq(Some(now))))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Gives back the messages a run still holds (it stopped before sending them).
pub fn release(conn: &mut DbConnection, run: &str) -> QueryResult<usize> {
    diesel::update(
        outbox::table.filter(outbox::locked_by.eq(run)).filter(outbox::status.eq(Pending)),
    )
    .set((outbox::locked_by.eq(None::<String>), outbox::locked_until.eq(None::<NaiveDateTime>)))
    .execute(conn)
}

pub fn get(conn: &mut DbConnection, id: &EmailId) -> QueryResult<Option<OutboxRow>> {
    outbox::table.find(id).first(conn).optional()
}

/// Emails as a list asks: by state and kind, words in the address, the name or the
/// subject, the days they were written; newest or oldest first (ids are UUIDv7).
pub fn list(
    conn: &mut DbConnection,
    f: &Filter<OutboxStatus>,
    kind: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<OutboxRow>, i64)> {
    listed!(
        conn,
        outbox,
        (offset, limit),
        |q| {
            if let Some(s) = f.status {
                q = q.filter(outbox::status.eq(s));
            }
            if let Some(k) = kind {
                q = q.filter(outbox::kind.eq(k.to_string()));
            }
            if let Some(w) = &f.words {
                let p = holding(w);
                q = q.filter(
                    lower(outbox::to_address)
                        .like(p.clone())
                        .escape('\\')
                        .or(lower(outbox::to_name.assume_not_null()).like(p.clone()).escape('\\'))
                        .or(lower(outbox::subject).like(p).escape('\\')),
                );
            }
            if let Some(t) = f.from {
                q = q.filter(outbox::created_at.ge(t));
            }
            if let Some(t) = f.before {
                q = q.filter(outbox::created_at.lt(t));
            }
        },
        order
            | o
            | match f.sort {
                Sort::Oldest => o.order(outbox::id.asc()),
                _ => o.order(outbox::id.desc()),
            }
    )
}

/// Puts a failed message back in the queue, due now, with its attempts counted afresh.
pub fn requeue_failed(
    conn: &mut DbConnection,
    id: &EmailId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(outbox::table.find(id).filter(outbox::status.eq(Failed)))
        .set((
            outbox::status.eq(Pending),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::failed_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn count_by_status(conn: &mut DbConnection, status: &str) -> QueryResult<i64> {
    outbox::table.filter(outbox::status.eq(status)).count().get_result(conn)
}
