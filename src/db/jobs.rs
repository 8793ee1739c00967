//! Job runs: one row per (job, time slot).

use super::models::JobRunRow;
use super::schema::job_runs;
use super::{holding, lower, DbConnection};
use crate::domain::listing::{Filter, Sort};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use crate::domain::id::JobRunId;
use crate::domain::operation::JobRunStatus::{self, Failed, Interrupted, Running, Succeeded};

/// Inserts the run; false when the (job, slot) row exists already (another process,
/// or an earlier run, has the slot).
pub fn claim_slot(conn: &mut DbConnection, row: &JobRunRow) -> QueryResult<bool> {
    match diesel::insert_into(job_runs::table).values(row).execute(conn) {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn by_slot(
    conn: &mut DbConnection,
    job: &str,
    slot: NaiveDateTime,
) -> QueryResult<Option<JobRunRow>> {
    job_runs::table
        .filter(job_runs::job.eq(job))
        .filter(job_runs::slot.eq(slot))
        .first(conn)
        .optional()
}

/// Takes a failed or interrupted slot over for another attempt. False if the slot is
/// running or succeeded (or someone else took it over first).
pub fn retake_slot(conn: &mut DbConnection, row: &JobRunRow) -> QueryResult<bool> {
    let n = diesel::update(
        job_runs::table
            .filter(job_runs::job.eq(&row.job))
            .filter(job_runs::slot.eq(row.slot))
            .filter(job_runs::status.eq_any([Failed, Interrupted])),
    )
    .set((
        job_runs::id.eq(&row.id),
        job_runs::origin.eq(&row.origin),
        job_runs::status.eq(Running),
        job_runs::attempt.eq(job_runs::attempt + 1),
        job_runs::runner.eq(&row.runner),
        job_runs::requested_by.eq(&row.requested_by),
        job_runs::started_at.eq(row.started_at),
        job_runs::heartbeat_at.eq(row.heartbeat_at),
        job_runs::finished_at.eq(None::<NaiveDateTime>),
        job_runs::duration_ms.eq(None::<i64>),
        job_runs::items.eq(0),
        job_runs::detail.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn finish(
    conn: &mut DbConnection,
    id: &JobRunId,
    status: JobRunStatus,
    now: NaiveDateTime,
    duration_ms: i64,
    items: i64,
    detail: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(job_runs::table.find(id))
        .set((
            job_runs::status.eq(status),
            job_runs::finished_at.eq(Some(now)),
            job_runs::heartbeat_at.eq(now),
            job_runs::duration_ms.eq(Some(duration_ms)),
            job_runs::items.eq(items),
            job_runs::detail.eq(detail),
        ))
        .execute(conn)
}

pub fn heartbeat(conn: &mut DbConnection, id: &JobRunId, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(job_runs::table.find(id).filter(job_runs::status.eq(Running)))
        .set(job_runs::heartbeat_at.eq(now))
        .execute(conn)
}

/// Records as interrupted every run still marked running whose heartbeat stopped
/// before `cutoff` (its process died), or, with `runner`, every running run of that
/// process.
pub fn interrupt(
    conn: &mut DbConnection,
    cutoff: Option<NaiveDateTime>,
    runner: Option<&str>,
    now: NaiveDateTime,
    detail: &str,
) -> QueryResult<usize> {
    let mut q = diesel::update(job_runs::table).filter(job_runs::status.eq(Running)).into_boxed();
    if let Some(c) = cutoff {
        q = q.filter(job_runs::heartbeat_at.lt(c));
    }
    if let Some(r) = runner {
        q = q.filter(job_runs::runner.eq(r.to_string()));
    }
    q.set((
        job_runs::status.eq(Interrupted),
        job_runs::finished_at.eq(Some(now)),
        job_runs::detail.eq(Some(detail)),
    ))
    .execute(conn)
}

pub fn get(conn: &mut DbConnection, id: &JobRunId) -> QueryResult<Option<JobRunRow>> {
    job_runs::table.find(id).first(conn).optional()
}

/// Runs newest first; without `idle`, leaving out scheduled runs that succeeded with
/// nothing to do (a job checking every second would bury the others).
/// Job runs as a list asks: by state and job, words in the job's name or the runner,
/// the days started; without `idle`, scheduled runs that succeeded doing nothing are
/// left out; newest or oldest first.
pub fn list(
    conn: &mut DbConnection,
    f: &Filter<JobRunStatus>,
    job: Option<&str>,
    idle: bool,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<JobRunRow>, i64)> {
    listed!(
        conn,
        job_runs,
        (offset, limit),
        |q| {
            if let Some(j) = job {
                q = q.filter(job_runs::job.eq(j.to_string()));
            }
            if let Some(s) = f.status {
                q = q.filter(job_runs::status.eq(s));
            }
            if !idle {
                q = q.filter(
                    job_runs::origin
                        .ne("schedule")
                        .or(job_runs::items.ne(0))
                        .or(job_runs::status.ne(Succeeded)),
                );
            }
            if let Some(w) = &f.words {
                let p = holding(w);
                q = q.filter(
                    lower(job_runs::job)
                        .like(p.clone())
                        .escape('\\')
                        .or(lower(job_runs::runner).like(p).escape('\\')),
                );
            }
            if let Some(t) = f.from {
                q = q.filter(job_runs::started_at.ge(t));
            }
            if let Some(t) = f.before {
                q = q.filter(job_runs::started_at.lt(t));
            }
        },
        order
            | o
            | match f.sort {
                // Ids are UUIDv7: the order runs began in, within one instant too.
                Sort::Oldest => o.order((job_runs::started_at.asc(), job_runs::id.asc())),
                _ => o.order((job_runs::started_at.desc(), job_runs::id.desc())),
            }
    )
}

/// The latest slot's run of `job`.
pub fn last(conn: &mut DbConnection, job: &str) -> QueryResult<Option<JobRunRow>> {
    job_runs::table
        .filter(job_runs::job.eq(job))
        .order(job_runs::slot.desc())
        .first(conn)
        .optional()
}

/// Deletes finished runs started before `before`, and finished runs that did nothing
/// started before `idle_before`.
pub fn prune(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    idle_before: NaiveDateTime,
) -> QueryResult<usize> {
    let old = diesel::delete(
        job_runs::table
            .filter(job_runs::status.ne(Running))
            .filter(job_runs::started_at.lt(before)),
    )
    .execute(conn)?;
    let idle = diesel::delete(
        job_runs::table
            .filter(job_runs::status.eq(Succeeded))
            .filter(job_runs::items.eq(0))
            .filter(job_runs::started_at.lt(idle_before)),
    )
    .execute(conn)?;
    Ok(old + idle)
}
