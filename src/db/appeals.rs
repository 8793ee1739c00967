//! Appeals against decisions.

use super::models::AppealRow;
use super::schema::appeals;
use super::DbConnection;
use crate::domain::appeal::AppealSubject;
use crate::domain::id::{AppealId, PartyId};
use crate::domain::PartyKind;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert(conn: &mut DbConnection, row: &AppealRow) -> QueryResult<usize> {
    diesel::insert_into(appeals::table).values(row).execute(conn)
}

pub fn update(conn: &mut DbConnection, row: &AppealRow) -> QueryResult<usize> {
    diesel::update(appeals::table.find(&row.id)).set(row).execute(conn)
}

pub fn get(conn: &mut DbConnection, id: &AppealId) -> QueryResult<Option<AppealRow>> {
    appeals::table.find(id).first(conn).optional()
}

pub fn for_update(conn: &mut DbConnection, id: &AppealId) -> QueryResult<Option<AppealRow>> {
    first_for_update!(conn, appeals::table.find(id))
}

/// The appeal already filed against one decision, if any.
pub fn of_decision(
    conn: &mut DbConnection,
    kind: AppealSubject,
    subject: &str,
    decided_at: NaiveDateTime,
) -> QueryResult<Option<AppealRow>> {
    appeals::table
        .filter(appeals::subject_kind.eq(kind.as_str()))
        .filter(appeals::subject_id.eq(subject))
        .filter(appeals::decided_at.eq(decided_at))
        .first(conn)
        .optional()
}

/// Appeals, newest first: a party's (`party`), open ones only (`open`).
pub fn list(
    conn: &mut DbConnection,
    party: Option<(PartyKind, &PartyId)>,
    open: Option<bool>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<AppealRow>, i64)> {
    let filtered = || {
        let mut q = appeals::table.into_boxed();
        if let Some((kind, id)) = party {
            q = q.filter(appeals::party_kind.eq(kind.as_str())).filter(appeals::party_id.eq(id));
        }
        match open {
            Some(true) => q = q.filter(appeals::status.eq("open")),
            Some(false) => q = q.filter(appeals::status.ne("open")),
            None => {}
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order((appeals::filed_at.desc(), appeals::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// Open appeals past their deadline not escalated since `since`.
pub fn overdue(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    since: NaiveDateTime,
) -> QueryResult<Vec<AppealRow>> {
    appeals::table
        .filter(appeals::status.eq("open"))
        .filter(appeals::due_at.lt(now))
        .filter(appeals::escalated_at.is_null().or(appeals::escalated_at.lt(since)))
        .order(appeals::due_at.asc())
        .load(conn)
}

/// How many appeals are open.
pub fn open_count(conn: &mut DbConnection) -> QueryResult<i64> {
    appeals::table.filter(appeals::status.eq("open")).count().get_result(conn)
}
