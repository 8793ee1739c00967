//! Certification applications and certifications.

use super::models::{CertificationApplicationRow, CertificationRow, SpaceRow};
use super::schema::{certification_applications as apps, certifications as certs, spaces};
use super::DbConnection;
use crate::domain::id::{CertApplicationId, CertificationId, SpaceId};
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

pub fn update_application(
    conn: &mut DbConnection,
    row: &CertificationApplicationRow,
) -> QueryResult<usize> {
    diesel::update(apps::table.find(&row.id)).set(row).execute(conn)
}

/// Applications, newest first: of one space or of all, of one status or any.
pub fn applications(
    conn: &mut DbConnection,
    space_id: Option<&SpaceId>,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(CertificationApplicationRow, SpaceRow)>, i64)> {
    let base = || {
        let mut q = apps::table.inner_join(spaces::table).into_boxed();
        if let Some(s) = space_id {
            q = q.filter(apps::space_id.eq(s.clone()));
        }
        if let Some(s) = status {
            q = q.filter(apps::status.eq(s.to_string()));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let rows = base().order(apps::id.desc()).offset(offset).limit(limit).load(conn)?;
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
pub fn certifications(
    conn: &mut DbConnection,
    space_id: Option<&SpaceId>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(CertificationRow, SpaceRow)>, i64)> {
    let base = || {
        let mut q = certs::table.inner_join(spaces::table).into_boxed();
        if let Some(s) = space_id {
            q = q.filter(certs::space_id.eq(s.clone()));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let rows = base().order(certs::id.desc()).offset(offset).limit(limit).load(conn)?;
    Ok((rows, total))
}

/// Certifications in force whose validity ended before `today`.
pub fn lapsed(
    conn: &mut DbConnection,
    today: chrono::NaiveDate,
) -> QueryResult<Vec<CertificationRow>> {
    certs::table.filter(certs::status.eq("active")).filter(certs::valid_until.lt(today)).load(conn)
}
