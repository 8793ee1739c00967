//! The screening register: imports, entries, clearances, and the parties whose credit
//! codes are on an entry.

use super::models::{ClearanceRow, ScreeningEntryRow, ScreeningImportRow};
use super::schema::{
    firms, providers, screening_clearances, screening_entries, screening_imports, spaces,
};
use super::DbConnection;
use crate::domain::id::{PartyId, ScreeningEntryId, ScreeningImportId};
use crate::domain::PartyKind;
use diesel::prelude::*;

/// The advisory lock every change of the register takes (PostgreSQL; SQLite's write
/// transaction already excludes other writers): two imports applied at once are
/// applied one after the other, so the second sees the first and is refused as stale.
const REGISTER_LOCK: i64 = 0x5343_5245_454e; // "SCREEN"

pub fn lock_register(conn: &mut DbConnection) -> QueryResult<()> {
    super::vouchers::lock_claimant_groups(conn, &[REGISTER_LOCK])
}

pub fn insert_import(conn: &mut DbConnection, row: &ScreeningImportRow) -> QueryResult<usize> {
    diesel::insert_into(screening_imports::table).values(row).execute(conn)
}

pub fn update_import(conn: &mut DbConnection, row: &ScreeningImportRow) -> QueryResult<usize> {
    diesel::update(screening_imports::table.find(&row.id)).set(row).execute(conn)
}

pub fn import(
    conn: &mut DbConnection,
    id: &ScreeningImportId,
) -> QueryResult<Option<ScreeningImportRow>> {
    screening_imports::table.find(id).first(conn).optional()
}

pub fn import_for_update(
    conn: &mut DbConnection,
    id: &ScreeningImportId,
) -> QueryResult<Option<ScreeningImportRow>> {
    first_for_update!(conn, screening_imports::table.find(id))
}

/// The import the register stands at: the last applied.
pub fn latest_applied(conn: &mut DbConnection) -> QueryResult<Option<ScreeningImportRow>> {
    screening_imports::table
        .filter(screening_imports::status.eq("applied"))
        .order((screening_imports::decided_at.desc(), screening_imports::id.desc()))
        .first(conn)
        .optional()
}

/// The latest imports, newest first.
pub fn recent_imports(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<ScreeningImportRow>> {
    screening_imports::table
        .order((screening_imports::created_at.desc(), screening_imports::id.desc()))
        .limit(limit)
        .load(conn)
}

/// Imports still waiting, other than `but`.
pub fn pending_imports(
    conn: &mut DbConnection,
    but: &ScreeningImportId,
) -> QueryResult<Vec<ScreeningImportRow>> {
    screening_imports::table
        .filter(screening_imports::status.eq("pending"))
        .filter(screening_imports::id.ne(but))
        .load(conn)
}

/// The register: every entry not removed.
pub fn current_entries(conn: &mut DbConnection) -> QueryResult<Vec<ScreeningEntryRow>> {
    screening_entries::table
        .filter(screening_entries::removed_at.is_null())
        .order((screening_entries::credit_code.asc(), screening_entries::listed_on.asc()))
        .load(conn)
}

/// The register's entries whose code or name holds `q`, at most `limit`.
pub fn search_entries(
    conn: &mut DbConnection,
    q: &str,
    limit: i64,
) -> QueryResult<Vec<ScreeningEntryRow>> {
    let like = format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    screening_entries::table
        .filter(screening_entries::removed_at.is_null())
        .filter(
            screening_entries::credit_code
                .like(like.clone())
                .escape('\\')
                .or(screening_entries::name.like(like).escape('\\')),
        )
        .order((screening_entries::credit_code.asc(), screening_entries::listed_on.asc()))
        .limit(limit)
        .load(conn)
}

/// The entries an applied import added, and those it removed.
pub fn entries_of_import(
    conn: &mut DbConnection,
    id: &ScreeningImportId,
) -> QueryResult<(Vec<ScreeningEntryRow>, Vec<ScreeningEntryRow>)> {
    let added = screening_entries::table
        .filter(screening_entries::added_by_import.eq(id))
        .order(screening_entries::credit_code.asc())
        .load(conn)?;
    let removed = screening_entries::table
        .filter(screening_entries::removed_by_import.eq(id))
        .order(screening_entries::credit_code.asc())
        .load(conn)?;
    Ok((added, removed))
}

pub fn insert_entry(conn: &mut DbConnection, row: &ScreeningEntryRow) -> QueryResult<usize> {
    diesel::insert_into(screening_entries::table).values(row).execute(conn)
}

pub fn update_entry(conn: &mut DbConnection, row: &ScreeningEntryRow) -> QueryResult<usize> {
    diesel::update(screening_entries::table.find(&row.id)).set(row).execute(conn)
}

pub fn entry(
    conn: &mut DbConnection,
    id: &ScreeningEntryId,
) -> QueryResult<Option<ScreeningEntryRow>> {
    screening_entries::table.find(id).first(conn).optional()
}

/// The register's entries naming any of `codes` (in force or not: the caller knows the
/// day).
pub fn entries_of_codes(
    conn: &mut DbConnection,
    codes: &[String],
) -> QueryResult<Vec<ScreeningEntryRow>> {
    let mut out = Vec::new();
    for chunk in codes.chunks(super::vouchers::CHUNK) {
        out.extend(
            screening_entries::table
                .filter(screening_entries::removed_at.is_null())
                .filter(screening_entries::credit_code.eq_any(chunk))
                .load::<ScreeningEntryRow>(conn)?,
        );
    }
    Ok(out)
}

/// The clearances of `entries`.
pub fn clearances_of(
    conn: &mut DbConnection,
    entries: &[ScreeningEntryId],
) -> QueryResult<Vec<ClearanceRow>> {
    let mut out = Vec::new();
    for chunk in entries.chunks(super::vouchers::CHUNK) {
        out.extend(
            screening_clearances::table
                .filter(screening_clearances::entry_id.eq_any(chunk))
                .load::<ClearanceRow>(conn)?,
        );
    }
    Ok(out)
}

pub fn insert_clearance(conn: &mut DbConnection, row: &ClearanceRow) -> QueryResult<usize> {
    diesel::insert_into(screening_clearances::table).values(row).execute(conn)
}

/// A party named by an entry's credit code: its kind, id, name and credit code.
pub type Named = (PartyKind, PartyId, String, String);

/// The firms, providers and spaces whose credit code is one of `codes`.
pub fn parties_of_codes(conn: &mut DbConnection, codes: &[String]) -> QueryResult<Vec<Named>> {
    let mut out = Vec::new();
    for chunk in codes.chunks(super::vouchers::CHUNK) {
        let f: Vec<(PartyId, String, String)> = firms::table
            .filter(firms::credit_code.eq_any(chunk))
            .select((firms::id, firms::name, firms::credit_code))
            .load(conn)?;
        out.extend(f.into_iter().map(|(i, n, c)| (PartyKind::Firm, i, n, c)));
        let p: Vec<(PartyId, String, String)> = providers::table
            .filter(providers::credit_code.eq_any(chunk))
            .select((providers::id, providers::name, providers::credit_code))
            .load(conn)?;
        out.extend(p.into_iter().map(|(i, n, c)| (PartyKind::Provider, i, n, c)));
        let s: Vec<(PartyId, String, String)> = spaces::table
            .filter(spaces::credit_code.eq_any(chunk))
            .select((spaces::id, spaces::name, spaces::credit_code))
            .load(conn)?;
        out.extend(s.into_iter().map(|(i, n, c)| (PartyKind::Space, i, n, c)));
    }
    Ok(out)
}

/// The credit codes of the register's entries that name a firm, provider or space.
pub fn matched_codes(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    let on_list = screening_entries::table
        .filter(screening_entries::removed_at.is_null())
        .select(screening_entries::credit_code);
    let mut codes: Vec<String> = firms::table
        .filter(firms::credit_code.eq_any(on_list))
        .select(firms::credit_code)
        .load(conn)?;
    codes.extend(
        providers::table
            .filter(providers::credit_code.eq_any(on_list))
            .select(providers::credit_code)
            .load::<String>(conn)?,
    );
    codes.extend(
        spaces::table
            .filter(spaces::credit_code.eq_any(on_list))
            .select(spaces::credit_code)
            .load::<String>(conn)?,
    );
    codes.sort();
    codes.dedup();
    Ok(codes)
}
