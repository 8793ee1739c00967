//! Screening lists (名单筛查): the admin uploads the lists of dishonest and abnormal
//! entities (CSV or XLSX), sees what applying the file would change and whom it would
//! hold, and applies it whole or discards it. A firm, provider or space whose credit
//! code is on an entry in force is held until the entry leaves the list or a reviewer
//! clears it as a false match:
//! - a held firm cannot claim, order, nor have its orders accepted or confirmed;
//! - a held provider takes no new orders and its payouts are held back from runs;
//! - a held space's entitlements are held back from runs.
//!
//! Holds are read from the register when they matter (a claim, an order, a run), so a
//! hold starts and ends with the import that applies it; each start and end is audited.

use super::{audit, Acting, Cx};
use crate::db::models::{ClearanceRow, ScreeningEntryRow, ScreeningImportRow};
use crate::db::{self, screening as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{ClearanceId, PartyId, ScreeningEntryId, ScreeningImportId};
use crate::domain::screening::{self as rules, Entry, ImportStatus, Key, ListType, RowError};
use crate::domain::validation::{FieldError, FieldErrors};
use crate::domain::{china_time, PartyKind};
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// An entry of a list as the pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ListEntry {
    /// The register's id (none for an entry a pending import would add).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub credit_code: String,
    pub name: String,
    pub list_type: ListType,
    #[schema(value_type = String, format = Date)]
    pub listed_on: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub until_on: Option<NaiveDate>,
    pub source: String,
    /// Listed by today and not past its last day.
    pub in_force: bool,
}

impl ListEntry {
    fn of_entry(e: &Entry, today: NaiveDate) -> Self {
        ListEntry {
            id: None,
            credit_code: e.credit_code.as_str().into(),
            name: e.name.clone(),
            list_type: e.list_type,
            listed_on: e.listed_on,
            until_on: e.until_on,
            source: e.source.clone(),
            in_force: e.in_force(today),
        }
    }

    fn of_row(r: &ScreeningEntryRow, today: NaiveDate) -> Self {
        ListEntry {
            id: Some(r.id.to_string()),
            in_force: rules::in_force(r.listed_on, r.until_on, today),
            ..Self::of_entry(&entry_of(r), today)
        }
    }
}

fn entry_of(r: &ScreeningEntryRow) -> Entry {
    Entry {
        credit_code: r.credit_code.clone(),
        name: r.name.clone(),
        list_type: r.list_type,
        listed_on: r.listed_on,
        until_on: r.until_on,
        source: r.source.clone(),
    }
}

/// A party an entry names: held by it, or to be held or released by an import.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HoldView {
    pub party_kind: PartyKind,
    pub party_id: String,
    pub party_name: String,
    pub entry: ListEntry,
    /// Cleared by a reviewer as a false match: the hold does not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleared: Option<ClearanceView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClearanceView {
    pub reason: String,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub cleared_at: NaiveDateTime,
}

/// An uploaded list: what applying it changes (or changed), and whom it holds or frees.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportView {
    #[schema(value_type = String)]
    pub id: ScreeningImportId,
    pub file_name: String,
    pub status: ImportStatus,
    pub row_count: i32,
    pub added_count: i32,
    pub removed_count: i32,
    pub changed_count: i32,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    #[schema(value_type = Option<String>)]
    pub decided_at: Option<NaiveDateTime>,
    /// Entries the file adds to the register (on single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<Vec<ListEntry>>,
    /// Entries that leave the register.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<Vec<ListEntry>>,
    /// Entries kept with other details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<Vec<ListEntry>>,
    /// Parties an added entry in force holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holds_placed: Option<Vec<HoldView>>,
    /// Parties a removed entry held, freed by applying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holds_lifted: Option<Vec<HoldView>>,
}

impl ImportView {
    fn of_row(r: ScreeningImportRow) -> Self {
        ImportView {
            id: r.id,
            file_name: r.file_name,
            status: r.status,
            row_count: r.row_count,
            added_count: r.added_count,
            removed_count: r.removed_count,
            changed_count: r.changed_count,
            created_at: r.created_at,
            decided_at: r.decided_at,
            added: None,
            removed: None,
            changed: None,
            holds_placed: None,
            holds_lifted: None,
        }
    }
}

/// The register as the screening page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Register {
    /// The import the register stands at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied: Option<ImportView>,
    /// Entries on the register, by list.
    pub counts: Vec<ListCount>,
    /// Every party an entry names, held or cleared.
    pub holds: Vec<HoldView>,
    /// The latest uploads, newest first.
    pub imports: Vec<ImportView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ListCount {
    pub list_type: ListType,
    pub entries: usize,
}

fn today(now: NaiveDateTime) -> NaiveDate {
    china_time(now).date()
}

/// The largest list file accepted.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// A file's header and its rows, each with its line number.
type Table = (Vec<String>, Vec<(u64, Vec<String>)>);

/// The parties a credit code names: kind, id, name.
type Named = BTreeMap<String, Vec<(PartyKind, PartyId, String)>>;

/// The cells of a list file: its header and its rows with their line numbers. XLSX
/// (the first sheet) or CSV in UTF-8 (a byte-order mark is allowed).
fn read_table(file_name: &str, bytes: &[u8]) -> AppResult<Table> {
    let bad = |zh: String, en: String| {
        AppError::of(ErrorCode::ScreeningFileUnreadable).arg_each("why", zh, en)
    };
    if bytes.is_empty() {
        return Err(bad("文件是空的".into(), "the file is empty".into()));
    }
    let lower = file_name.to_lowercase();
    if bytes.starts_with(b"PK\x03\x04") || lower.ends_with(".xlsx") {
        return read_xlsx(bytes)
            .map_err(|e| bad(format!("XLSX 无法读取：{e}"), format!("unreadable XLSX: {e}")));
    }
    if lower.ends_with(".xls") {
        return Err(bad(
            "不支持旧版 .xls 文件，请另存为 .xlsx 或 UTF-8 CSV".into(),
            "old .xls files are not read; save as .xlsx or UTF-8 CSV".into(),
        ));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes);
    if std::str::from_utf8(body).is_err() {
        return Err(bad(
            "CSV 文件不是 UTF-8 编码，请另存为“CSV UTF-8”或 .xlsx".into(),
            "the CSV file is not UTF-8; save it as CSV UTF-8 or .xlsx".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body);
    let mut header = None;
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec =
            rec.map_err(|e| bad(format!("CSV 无法读取：{e}"), format!("unreadable CSV: {e}")))?;
        let line = rec.position().map_or(0, |p| p.line());
        let cells: Vec<String> = rec.iter().map(str::to_string).collect();
        if header.is_none() {
            header = Some(cells);
        } else {
            rows.push((line, cells));
        }
    }
    let header = header.ok_or_else(|| bad("文件是空的".into(), "the file is empty".into()))?;
    Ok((header, rows))
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, String> {
    use calamine::{Data, Reader};
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| "no sheet".to_string())?
        .map_err(|e| e.to_string())?;
    let first_row = range.start().map_or(0, |(r, _)| r);
    let cell = |d: &Data| -> String {
        match d {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(dt) => match rules::spreadsheet_day(dt.as_f64()) {
                Some(d) => d.format("%Y-%m-%d").to_string(),
                None => dt.to_string(),
            },
            Data::DateTimeIso(s) => s.chars().take(10).collect(),
            Data::DurationIso(s) => s.clone(),
            Data::Error(e) => format!("#{e:?}"),
        }
    };
    let mut rows = range.rows().enumerate();
    let header: Vec<String> = match rows.next() {
        Some((_, r)) => r.iter().map(cell).collect(),
        None => return Err("the first sheet is empty".into()),
    };
    let rows = rows
        .map(|(i, r)| (u64::from(first_row) + i as u64 + 1, r.iter().map(cell).collect()))
        .collect();
    Ok((header, rows))
}

/// The refusal of a file with bad rows: every problem, each named by its line.
fn rows_refused(errors: Vec<RowError>) -> AppError {
    let mut e = AppError::of(ErrorCode::ScreeningFileInvalid).arg("count", errors.len());
    let first = errors.first().map(|r| r.line).unwrap_or(1);
    e = e.arg("line", first);
    e.errors = errors
        .into_iter()
        .map(|r| FieldError {
            field: format!("line {}: {}", r.line, r.column),
            code: ErrorCode::ScreeningFileInvalid,
            detail: format!("第 {} 行：{}", r.line, r.zh),
            detail_en: format!("line {}: {}", r.line, r.en),
        })
        .collect();
    e
}

/// Reads and checks a list file, then keeps it as a pending import with what applying
/// it would change. A file with any bad row is refused whole, with every row's problem;
/// nothing is kept.
pub fn preview(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    file_name: &str,
    bytes: &[u8],
) -> AppResult<ImportView> {
    let name = file_name.trim();
    let name = if name.is_empty() { "名单.csv" } else { name };
    if name.chars().count() > 200 {
        let mut errors = FieldErrors::new();
        errors.add("file", ErrorCode::TooLong, "文件名过长", "the file name is too long");
        return Err(errors.into());
    }
    let (header, rows) = read_table(name, bytes)?;
    let entries = rules::parse(&header, &rows, today(cx.now)).map_err(rows_refused)?;
    let json = serde_json::to_string(&entries).map_err(AppError::internal)?;
    let by = cx.by();
    db::write_tx(conn, |c| -> AppResult<_> {
        let base = repo::latest_applied(c)?;
        let current: Vec<Entry> = repo::current_entries(c)?.iter().map(entry_of).collect();
        let d = rules::diff(&current, &entries);
        let row = ScreeningImportRow {
            id: ScreeningImportId::new(),
            file_name: name.into(),
            entries: json,
            row_count: count(entries.len()),
            status: ImportStatus::Pending,
            base_import_id: base.map(|b| b.id),
            added_count: count(d.added.len()),
            removed_count: count(d.removed.len()),
            changed_count: count(d.changed.len()),
            created_by: by.actor.user_id.clone().ok_or_else(AppError::forbidden)?,
            created_at: by.now,
            decided_by: None,
            decided_at: None,
        };
        repo::insert_import(c, &row)?;
        audit::record(c, by, audit::Change::created(Fixed::ScreeningPreviewed, &row))?;
        detailed(c, row, by.now)
    })
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn parse_entries(row: &ScreeningImportRow) -> AppResult<Vec<Entry>> {
    serde_json::from_str(&row.entries).map_err(AppError::internal)
}

/// One import with its detail: for a pending one, what applying it would change now;
/// for an applied one, what it changed.
pub fn get(
    conn: &mut DbConnection,
    id: &ScreeningImportId,
    now: NaiveDateTime,
) -> AppResult<ImportView> {
    db::read_tx(conn, |c| {
        let row = repo::import(c, id)?.ok_or_else(|| AppError::not_found("screening import"))?;
        detailed(c, row, now)
    })
}

fn detailed(
    c: &mut DbConnection,
    row: ScreeningImportRow,
    now: NaiveDateTime,
) -> AppResult<ImportView> {
    let day = today(now);
    let (added, removed, changed): (Vec<Entry>, Vec<Entry>, Vec<Entry>) = match row.status {
        ImportStatus::Applied => {
            // What it changed in place is not kept apart: its count says how many.
            let (a, r) = repo::entries_of_import(c, &row.id)?;
            let e = |v: Vec<ScreeningEntryRow>| v.iter().map(entry_of).collect();
            (e(a), e(r), Vec::new())
        }
        _ => {
            let incoming = parse_entries(&row)?;
            let current: Vec<Entry> = repo::current_entries(c)?.iter().map(entry_of).collect();
            let d = rules::diff(&current, &incoming);
            let pick = |from: &[Entry], keys: &[Key]| -> Vec<Entry> {
                let keys: BTreeSet<&Key> = keys.iter().collect();
                from.iter().filter(|e| keys.contains(&e.key())).cloned().collect()
            };
            (pick(&incoming, &d.added), pick(&current, &d.removed), pick(&incoming, &d.changed))
        }
    };
    let named = named_by(c, added.iter().chain(removed.iter()))?;
    let matches = |list: &[Entry]| -> Vec<HoldView> {
        list.iter()
            .filter(|e| e.in_force(day))
            .flat_map(|e| {
                named.get(e.credit_code.as_str()).into_iter().flatten().map(|(k, id, n)| HoldView {
                    party_kind: *k,
                    party_id: id.to_string(),
                    party_name: n.clone(),
                    entry: ListEntry::of_entry(e, day),
                    cleared: None,
                })
            })
            .collect()
    };
    let views = |list: &[Entry]| list.iter().map(|e| ListEntry::of_entry(e, day)).collect();
    Ok(ImportView {
        holds_placed: Some(matches(&added)),
        holds_lifted: Some(matches(&removed)),
        added: Some(views(&added)),
        removed: Some(views(&removed)),
        changed: Some(views(&changed)),
        ..ImportView::of_row(row)
    })
}

/// The parties each credit code of `entries` names.
fn named_by<'a>(
    c: &mut DbConnection,
    entries: impl Iterator<Item = &'a Entry>,
) -> AppResult<Named> {
    let mut codes: Vec<String> = entries.map(|e| e.credit_code.as_str().to_string()).collect();
    codes.sort();
    codes.dedup();
    let mut out: Named = BTreeMap::new();
    for (kind, id, name, code) in repo::parties_of_codes(c, &codes)? {
        out.entry(code).or_default().push((kind, id, name));
    }
    Ok(out)
}

/// Applies a pending import: the register becomes what the file lists (entries not in
/// it leave), every hold placed or lifted is audited, and other pending imports are
/// superseded. Refused when another import was applied after this one was previewed.
pub fn apply(conn: &mut DbConnection, cx: Cx<'_>, id: &ScreeningImportId) -> AppResult<ImportView> {
    let by = cx.by();
    db::write_tx(conn, |c| -> AppResult<_> {
        repo::lock_register(c)?;
        let before = repo::import_for_update(c, id)?
            .ok_or_else(|| AppError::not_found("screening import"))?;
        match before.status {
            ImportStatus::Pending => {}
            ImportStatus::Superseded => return Err(AppError::of(ErrorCode::ScreeningImportStale)),
            _ => return Err(AppError::of(ErrorCode::ScreeningImportDecided)),
        }
        let base = repo::latest_applied(c)?.map(|b| b.id);
        if base != before.base_import_id {
            return Err(AppError::of(ErrorCode::ScreeningImportStale));
        }
        let incoming = parse_entries(&before)?;
        let current = repo::current_entries(c)?;
        let by_key: BTreeMap<Key, &ScreeningEntryRow> =
            current.iter().map(|r| (entry_of(r).key(), r)).collect();
        let new_keys: BTreeSet<Key> = incoming.iter().map(Entry::key).collect();
        let day = today(by.now);
        let mut placed = Vec::new();
        let mut lifted = Vec::new();
        for e in &incoming {
            match by_key.get(&e.key()) {
                Some(old) if entry_of(old) == *e => {}
                Some(old) => {
                    let after = ScreeningEntryRow {
                        name: e.name.clone(),
                        until_on: e.until_on,
                        source: e.source.clone(),
                        ..(*old).clone()
                    };
                    repo::update_entry(c, &after)?;
                }
                None => {
                    let row = ScreeningEntryRow {
                        id: ScreeningEntryId::new(),
                        credit_code: e.credit_code.clone(),
                        name: e.name.clone(),
                        list_type: e.list_type,
                        listed_on: e.listed_on,
                        until_on: e.until_on,
                        source: e.source.clone(),
                        added_by_import: before.id.clone(),
                        added_at: by.now,
                        removed_by_import: None,
                        removed_at: None,
                    };
                    repo::insert_entry(c, &row)?;
                    if e.in_force(day) {
                        placed.push(row);
                    }
                }
            }
        }
        for old in &current {
            if !new_keys.contains(&entry_of(old).key()) {
                let after = ScreeningEntryRow {
                    removed_by_import: Some(before.id.clone()),
                    removed_at: Some(by.now),
                    ..old.clone()
                };
                repo::update_entry(c, &after)?;
                if rules::in_force(old.listed_on, old.until_on, day) {
                    lifted.push(after);
                }
            }
        }
        record_holds(c, by, &placed, Fixed::ScreeningHoldPlaced)?;
        record_holds(c, by, &lifted, Fixed::ScreeningHoldLifted)?;
        for other in repo::pending_imports(c, &before.id)? {
            let after = ScreeningImportRow {
                status: ImportStatus::Superseded,
                decided_by: by.actor.user_id.clone(),
                decided_at: Some(by.now),
                ..other.clone()
            };
            repo::update_import(c, &after)?;
        }
        let after = ScreeningImportRow {
            status: ImportStatus::Applied,
            decided_by: by.actor.user_id.clone(),
            decided_at: Some(by.now),
            ..before.clone()
        };
        repo::update_import(c, &after)?;
        audit::record(c, by, audit::Change::moved(Fixed::ScreeningApplied, &before, &after))?;
        detailed(c, after, by.now)
    })
}

/// One audit event per party an entry starts or stops holding (a cleared match stays
/// cleared, so its lifting is not news).
fn record_holds(
    c: &mut DbConnection,
    by: Acting<'_>,
    entries: &[ScreeningEntryRow],
    action: Fixed,
) -> AppResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let plain: Vec<Entry> = entries.iter().map(entry_of).collect();
    let named = named_by(c, plain.iter())?;
    let ids: Vec<ScreeningEntryId> = entries.iter().map(|e| e.id.clone()).collect();
    let cleared: BTreeSet<(String, String)> = repo::clearances_of(c, &ids)?
        .into_iter()
        .map(|k| (k.entry_id.to_string(), k.party_id.to_string()))
        .collect();
    for e in entries {
        for (kind, id, name) in named.get(e.credit_code.as_str()).into_iter().flatten() {
            if cleared.contains(&(e.id.to_string(), id.to_string())) {
                continue;
            }
            let party = serde_json::json!({
                "party_kind": kind, "party_id": id, "party_name": name,
                "list_type": e.list_type, "listed_on": e.listed_on, "source": e.source,
            });
            audit::record(c, by, audit::Change::new(action, e.id.as_str()).after(&party))?;
        }
    }
    Ok(())
}

/// Discards a pending import: nothing changes.
pub fn discard(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    id: &ScreeningImportId,
) -> AppResult<ImportView> {
    let by = cx.by();
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::import_for_update(c, id)?
            .ok_or_else(|| AppError::not_found("screening import"))?;
        if before.status != ImportStatus::Pending {
            return Err(AppError::of(ErrorCode::ScreeningImportDecided));
        }
        let after = ScreeningImportRow {
            status: ImportStatus::Discarded,
            decided_by: by.actor.user_id.clone(),
            decided_at: Some(by.now),
            ..before.clone()
        };
        repo::update_import(c, &after)?;
        audit::record(c, by, audit::Change::moved(Fixed::ScreeningDiscarded, &before, &after))?;
        Ok(ImportView::of_row(after))
    })
}

/// The register: counts by list, every party an entry in force names (held or cleared),
/// and the latest imports.
pub fn register(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<Register> {
    let day = today(now);
    db::read_tx(conn, |c| {
        let applied = repo::latest_applied(c)?.map(ImportView::of_row);
        let current = repo::current_entries(c)?;
        let counts = ListType::ALL
            .iter()
            .map(|t| ListCount {
                list_type: *t,
                entries: current.iter().filter(|e| e.list_type == *t).count(),
            })
            .collect();
        let codes = repo::matched_codes(c)?;
        let holds = holds_of_codes(c, &codes, day, true)?;
        let imports = repo::recent_imports(c, 20)?.into_iter().map(ImportView::of_row).collect();
        Ok(Register { applied, counts, holds, imports })
    })
}

/// The entries on the register whose credit code or name holds `q` (at most 100).
pub fn search(conn: &mut DbConnection, q: &str, now: NaiveDateTime) -> AppResult<Vec<ListEntry>> {
    let day = today(now);
    let rows = db::read_tx(conn, |c| repo::search_entries(c, q.trim(), 100))?;
    Ok(rows.iter().map(|r| ListEntry::of_row(r, day)).collect())
}

/// The holds on the parties with `codes`: every entry in force naming one, with the
/// clearance if a reviewer cleared it (`with_cleared`), or only those not cleared.
fn holds_of_codes(
    c: &mut DbConnection,
    codes: &[String],
    day: NaiveDate,
    with_cleared: bool,
) -> AppResult<Vec<HoldView>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let entries: Vec<ScreeningEntryRow> = repo::entries_of_codes(c, codes)?
        .into_iter()
        .filter(|e| rules::in_force(e.listed_on, e.until_on, day))
        .collect();
    let ids: Vec<ScreeningEntryId> = entries.iter().map(|e| e.id.clone()).collect();
    let cleared: BTreeMap<(String, String), ClearanceRow> = repo::clearances_of(c, &ids)?
        .into_iter()
        .map(|k| ((k.entry_id.to_string(), k.party_id.to_string()), k))
        .collect();
    let mut named: Named = BTreeMap::new();
    for (kind, id, name, code) in repo::parties_of_codes(c, codes)? {
        named.entry(code).or_default().push((kind, id, name));
    }
    let mut out = Vec::new();
    for e in &entries {
        for (kind, id, name) in named.get(e.credit_code.as_str()).into_iter().flatten() {
            let clearance = cleared.get(&(e.id.to_string(), id.to_string()));
            if clearance.is_some() && !with_cleared {
                continue;
            }
            out.push(HoldView {
                party_kind: *kind,
                party_id: id.to_string(),
                party_name: name.clone(),
                entry: ListEntry::of_row(e, day),
                cleared: clearance
                    .map(|k| ClearanceView { reason: k.reason.clone(), cleared_at: k.cleared_at }),
            });
        }
    }
    out.sort_by(|a, b| {
        (a.party_name.as_str(), a.entry.listed_on).cmp(&(b.party_name.as_str(), b.entry.listed_on))
    });
    Ok(out)
}

/// The holds on one party now (cleared ones left out): what its pages show and what
/// stops its claims, orders and payouts.
pub fn holds_of(
    c: &mut DbConnection,
    kind: PartyKind,
    id: &str,
    credit_code: &str,
    now: NaiveDateTime,
) -> AppResult<Vec<HoldView>> {
    let all = holds_of_codes(c, &[credit_code.to_string()], today(now), false)?;
    Ok(all.into_iter().filter(|h| h.party_kind == kind && h.party_id == id).collect())
}

/// The first hold on a party, for a refusal: the list's name and source.
pub fn hold_of(
    c: &mut DbConnection,
    kind: PartyKind,
    id: &str,
    credit_code: &str,
    now: NaiveDateTime,
) -> AppResult<Option<HoldView>> {
    Ok(holds_of(c, kind, id, credit_code, now)?.into_iter().next())
}

/// Refuses what a held party asks for, naming the party, its list and the list's source.
pub fn ensure_clear(
    c: &mut DbConnection,
    kind: PartyKind,
    id: &str,
    credit_code: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    match hold_of(c, kind, id, credit_code, now)? {
        None => Ok(()),
        Some(h) => Err(refusal(&h)),
    }
}

/// The refusal a hold gives.
pub fn refusal(h: &HoldView) -> AppError {
    AppError::of(ErrorCode::OnScreeningList)
        .arg("name", &h.party_name)
        .arg_each("list", h.entry.list_type.name_zh(), h.entry.list_type.name_en())
        .arg("source", &h.entry.source)
        .arg("listed_on", h.entry.listed_on)
}

/// The list a firm is held by now, if any.
pub fn firm_list(
    c: &mut DbConnection,
    f: &crate::db::models::FirmRow,
    now: NaiveDateTime,
) -> AppResult<Option<ListType>> {
    Ok(hold_of(c, PartyKind::Firm, f.id.as_str(), f.credit_code.as_str(), now)?
        .map(|h| h.entry.list_type))
}

/// The firms among `firms` (id, credit code) held now, each with the list it is on.
pub fn held_firms(
    c: &mut DbConnection,
    firms: &[(String, String)],
    now: NaiveDateTime,
) -> AppResult<BTreeMap<String, HoldView>> {
    let codes: Vec<String> = firms.iter().map(|(_, code)| code.clone()).collect();
    let mut out = BTreeMap::new();
    for h in holds_of_codes(c, &codes, today(now), false)? {
        if h.party_kind == PartyKind::Firm {
            out.entry(h.party_id.clone()).or_insert(h);
        }
    }
    Ok(out)
}

/// Whether each of `payees` (kind, id, credit code) is held now, with the reason a
/// settlement run writes beside a payee it holds back.
pub fn held_payees(
    c: &mut DbConnection,
    payees: &[(PartyKind, String, String)],
    now: NaiveDateTime,
) -> AppResult<BTreeMap<(PartyKind, String), String>> {
    let codes: Vec<String> = payees.iter().map(|(_, _, code)| code.clone()).collect();
    let mut out = BTreeMap::new();
    for h in holds_of_codes(c, &codes, today(now), false)? {
        out.entry((h.party_kind, h.party_id.clone())).or_insert_with(|| {
            format!("在{}名单上（{}），暂缓支付", h.entry.list_type.name_zh(), h.entry.source)
        });
    }
    Ok(out)
}

/// A reviewer's clearing of a false match.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearInput {
    /// `firm`, `provider` or `space`.
    pub party_kind: PartyKind,
    #[schema(min_length = 1, max_length = 100)]
    pub party_id: String,
    /// Why the entry does not concern this party (e.g. the court's removal decision),
    /// 1–1,000 characters.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Clears an entry for one party it names: the hold no longer applies to that party,
/// whatever later imports say of the same entry. Audited with the reason.
pub fn clear(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    entry_id: &ScreeningEntryId,
    input: &ClearInput,
) -> AppResult<HoldView> {
    let reason = FieldErrors::decision_reason(
        Some(&input.reason),
        true,
        (
            "请写明为何这一条目不涉及该单位（如法院的移出决定）",
            "say why the entry does not concern this party",
        ),
    )?
    .unwrap_or_default();
    let by = cx.by();
    db::write_tx(conn, |c| -> AppResult<_> {
        repo::lock_register(c)?;
        let e = repo::entry(c, entry_id)?
            .filter(|e| e.removed_at.is_none())
            .ok_or_else(|| AppError::not_found("screening entry"))?;
        let party = repo::parties_of_codes(c, &[e.credit_code.as_str().to_string()])?
            .into_iter()
            .find(|(k, id, _, _)| *k == input.party_kind && id.as_str() == input.party_id)
            .ok_or_else(|| AppError::of(ErrorCode::ScreeningNotAMatch))?;
        if !repo::clearances_of(c, std::slice::from_ref(&e.id))?
            .iter()
            .all(|k| k.party_id.as_str() != input.party_id || k.party_kind != input.party_kind)
        {
            return Err(AppError::of(ErrorCode::ScreeningAlreadyCleared));
        }
        let row = ClearanceRow {
            id: ClearanceId::new(),
            entry_id: e.id.clone(),
            party_kind: party.0,
            party_id: party.1.clone(),
            reason: reason.clone(),
            cleared_by: by.actor.user_id.clone().ok_or_else(AppError::forbidden)?,
            cleared_at: by.now,
        };
        repo::insert_clearance(c, &row)?;
        let after = serde_json::json!({
            "party_kind": party.0, "party_id": party.1, "party_name": party.2,
            "list_type": e.list_type, "listed_on": e.listed_on, "source": e.source,
            "reason": reason,
        });
        audit::record(
            c,
            by,
            audit::Change::new(Fixed::ScreeningHoldCleared, e.id.as_str()).after(&after),
        )?;
        Ok(HoldView {
            party_kind: party.0,
            party_id: party.1.to_string(),
            party_name: party.2,
            entry: ListEntry::of_row(&e, today(by.now)),
            cleared: Some(ClearanceView { reason: row.reason, cleared_at: row.cleared_at }),
        })
    })
}

/// The holds on the signed-in party (firm, provider or space), for its own pages.
pub fn holds_of_party(
    conn: &mut DbConnection,
    party: &crate::domain::id::AnyParty,
    now: NaiveDateTime,
) -> AppResult<Vec<HoldView>> {
    db::read_tx(conn, |c| holds_of_party_in(c, party, now))
}

/// [`holds_of_party`] inside the caller's transaction.
pub fn holds_of_party_in(
    c: &mut DbConnection,
    party: &crate::domain::id::AnyParty,
    now: NaiveDateTime,
) -> AppResult<Vec<HoldView>> {
    use crate::db::parties;
    use crate::domain::id::AnyParty;
    let code = match party {
        AnyParty::Firm(id) => parties::firm(c, id)?.map(|f| f.credit_code),
        AnyParty::Provider(id) => parties::provider(c, id)?.map(|p| p.credit_code),
        AnyParty::Space(id) => parties::space(c, id)?.map(|s| s.credit_code),
        AnyParty::Authority(_) => None,
    };
    match code {
        Some(code) => holds_of(c, party.kind(), party.as_str(), code.as_str(), now),
        None => Ok(Vec::new()),
    }
}
