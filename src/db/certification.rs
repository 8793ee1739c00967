//! Certification applications and certifications.

use super::models::{CertificationApplicationRow, CertificationRow, SpaceRow};
use super::schema::{certification_applications as apps, certifications as certs, spaces};
use super::{holding, lower, DbConnection};
use crate::domain::certification::{ApplicationStatus, CertificationStatus};
use crate::domain::china_time;
use crate::domain::id::{CertApplicationId, CertificationId, SpaceId};
use crate::domain::listing::{Filter, Sort};
use diesel::prelude::*;

pub fn insert_application(
    conn: &mut DbConnection,
    row: &CertificationApplicationRow,
) -> QueryResult<()> {
    diesel::insert_into(apps::table).values(row).execute(conn).map(|_| ())
}

pub fn application(
    conn: &mut DbConnection,
    id: &CertApplicationId,
) -> QueryResult<Option<CertificationApplicationRow>> {
    apps::table.find(id).first(conn).optional()
}

pub fn application_for_update(
    conn: &mut DbConnection,
    id: &CertApplicationId,
) -> QueryResult<Option<CertificationApplicationRow>> {
    first_for_update!(conn, apps::table.find(id))
}

/// Whether `space` has an application for `scheme` waiting for a decision.
pub fn has_open_application(
    conn: &mut DbConnection,
    space: &SpaceId,
    scheme: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        apps::table
            .filter(apps::space_id.eq(space))
            .filter(apps::scheme.eq(scheme))
            .filter(apps::status.eq("submitted")),
    ))
    .get_result(conn)
}

pub fn update_application(
    conn: &mut DbConnection,
    row: &CertificationApplicationRow,
) -> QueryResult<usize> {
    diesel::update(apps::table.find(&row.id)).set(row).execute(conn)
}

/// Applications as a list asks: of one space or of all; by state; words in the space's
/// name, its whole credit code or the scheme's code; the days filed; newest, oldest
/// (the queue) or by the space's name.
pub fn applications(
    conn: &mut DbConnection,
    space_id: Option<&SpaceId>,
    f: &Filter<ApplicationStatus>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(CertificationApplicationRow, SpaceRow)>, i64)> {
    let base = || {
        let mut q = apps::table.inner_join(spaces::table).into_boxed();
        if let Some(s) = space_id {
            q = q.filter(apps::space_id.eq(s.clone()));
        }
        if let Some(s) = f.status {
            q = q.filter(apps::status.eq(s.as_str()));
        }
        if let Some(w) = &f.words {
            q = q.filter(
                lower(spaces::name)
                    .like(holding(w))
                    .escape('\\')
                    .or(spaces::credit_code.eq(w.to_uppercase()))
                    .or(apps::scheme.eq(w.to_lowercase())),
            );
        }
        if let Some(t) = f.from {
            q = q.filter(apps::submitted_at.ge(t));
        }
        if let Some(t) = f.before {
            q = q.filter(apps::submitted_at.lt(t));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let ordered = match f.sort {
        Sort::Oldest => base().order((apps::submitted_at.asc(), apps::id.asc())),
        Sort::Name => base().order((spaces::name.asc(), apps::id.desc())),
        _ => base().order((apps::submitted_at.desc(), apps::id.desc())),
    };
    let rows = ordered.offset(offset).limit(limit).load(conn)?;
    Ok((rows, total))
}

pub fn insert_certification(conn: &mut DbConnection, row: &CertificationRow) -> QueryResult<()> {
    diesel::insert_into(certs::table).values(row).execute(conn).map(|_| ())
}

pub fn certification_for_update(
    conn: &mut DbConnection,
    id: &CertificationId,
) -> QueryResult<Option<CertificationRow>> {
    first_for_update!(conn, certs::table.find(id))
}

pub fn update_certification(conn: &mut DbConnection, row: &CertificationRow) -> QueryResult<usize> {
    diesel::update(certs::table.find(&row.id)).set(row).execute(conn)
}

/// The certification in force of a space under a scheme, if any.
pub fn active_certification(
    conn: &mut DbConnection,
    space_id: &SpaceId,
    scheme: &str,
) -> QueryResult<Option<CertificationRow>> {
    certs::table
        .filter(certs::space_id.eq(space_id))
        .filter(certs::scheme.eq(scheme))
        .filter(certs::status.eq("active"))
        .first(conn)
        .optional()
}

/// Certifications with their space, newest first: of one space or of all.
/// Certifications as a list asks: of one space or of all; by state; words in the
/// space's name, its whole credit code or the scheme's code; the days certified (China
/// days); newest, oldest or by the space's name.
pub fn certifications(
    conn: &mut DbConnection,
    space_id: Option<&SpaceId>,
    f: &Filter<CertificationStatus>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(CertificationRow, SpaceRow)>, i64)> {
    let base = || {
        let mut q = certs::table.inner_join(spaces::table).into_boxed();
        if let Some(s) = space_id {
            q = q.filter(certs::space_id.eq(s.clone()));
        }
        if let Some(s) = f.status {
            q = q.filter(certs::status.eq(s.as_str()));
        }
        if let Some(w) = &f.words {
            q = q.filter(
                lower(spaces::name)
                    .like(holding(w))
                    .escape('\\')
                    .or(spaces::credit_code.eq(w.to_uppercase()))
                    .or(certs::scheme.eq(w.to_lowercase())),
            );
        }
        // The bounds are the starts of China days in UTC; the column is a China day.
        if let Some(t) = f.from {
            q = q.filter(certs::certified_on.ge(china_time(t).date()));
        }
        if let Some(t) = f.before {
            q = q.filter(certs::certified_on.lt(china_time(t).date()));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let ordered = match f.sort {
        Sort::Oldest => base().order((certs::certified_on.asc(), certs::id.asc())),
        Sort::Name => base().order((spaces::name.asc(), certs::id.desc())),
        _ => base().order((certs::certified_on.desc(), certs::id.desc())),
    };
    let rows = ordered.offset(offset).limit(limit).load(conn)?;
    Ok((rows, total))
}

/// Certifications in force whose validity ended before `today`.
pub fn lapsed(
    conn: &mut DbConnection,
    today: chrono::NaiveDate,
) -> QueryResult<Vec<CertificationRow>> {
    certs::table.filter(certs::status.eq("active")).filter(certs::valid_until.lt(today)).load(conn)
}
