//! The SQL of backups: an online snapshot of the SQLite database (`VACUUM INTO`, one
//! read transaction, so writers go on in WAL mode and the copy is one consistent point
//! in time), its integrity check, and the write lock held while a database is replaced.

use super::DbConnection;
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use std::path::Path;

/// Which backends can be snapshotted here.
#[derive(Debug, PartialEq, Eq)]
pub enum Snapshot {
    Written,
    /// PostgreSQL is backed up with its own tools (`pg_dump`), not by hechuang.
    NotSqlite,
}

/// Writes a consistent copy of the database into `to` (a file that must not exist).
pub fn vacuum_into(conn: &mut DbConnection, to: &Path) -> diesel::QueryResult<Snapshot> {
    match conn {
        DbConnection::Pg(_) => Ok(Snapshot::NotSqlite),
        DbConnection::Sqlite(c) => {
            diesel::sql_query("VACUUM INTO ?")
                .bind::<Text, _>(to.display().to_string())
                .execute(c)?;
            Ok(Snapshot::Written)
        }
    }
}

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// SQLite's own check of a database file: "ok", or what is wrong.
pub fn integrity_check(path: &Path) -> Result<String, String> {
    let mut c = SqliteConnection::establish(&path.display().to_string())
        .map_err(|e| format!("opening {}: {e}", path.display()))?;
    let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut c)
        .map_err(|e| format!("checking {}: {e}", path.display()))?;
    Ok(rows.into_iter().map(|r| r.integrity_check).collect::<Vec<_>>().join("; "))
}

/// Holds the write lock of the SQLite database at `path` for as long as the returned
/// connection lives: refused at once while another connection is writing. (In WAL mode
/// this does not see idle readers; the caller also checks that no server answers.)
pub fn lock_for_writing(path: &Path) -> Result<SqliteConnection, String> {
    let mut c = SqliteConnection::establish(&path.display().to_string())
        .map_err(|e| format!("opening {}: {e}", path.display()))?;
    c.batch_execute("PRAGMA busy_timeout = 0; BEGIN IMMEDIATE;")
        .map_err(|e| format!("{}: in use ({e})", path.display()))?;
    Ok(c)
}

#[derive(QueryableByName)]
struct Hash {
    #[diesel(sql_type = Text)]
    sha256: String,
}

/// Every stored file's hash the database file at `path` refers to: order evidence,
/// notice attachments and party documents.
pub fn evidence_hashes(path: &Path) -> Result<Vec<String>, String> {
    let mut c = SqliteConnection::establish(&path.display().to_string())
        .map_err(|e| format!("opening {}: {e}", path.display()))?;
    let rows: Vec<Hash> = diesel::sql_query(
        "SELECT sha256 FROM order_evidence UNION SELECT sha256 FROM article_files \
             UNION SELECT sha256 FROM party_documents ORDER BY sha256",
    )
    .load(&mut c)
    .map_err(|e| format!("reading {}: {e}", path.display()))?;
    Ok(rows.into_iter().map(|r| r.sha256).collect())
}
