//! Backup and restore of an SQLite installation: the database and the evidence files it
//! refers to, in one folder.
//!
//! A backup is taken while the service runs: the database is copied by `VACUUM INTO`
//! (one read transaction: a single point in time, writers carry on), then every evidence
//! file the copy refers to is copied from the store and its SHA-256 checked. Evidence is
//! written before the row that names it, so a file the copy refers to always exists.
//! `manifest.json` records what was copied and the database copy's SHA-256.
//!
//! A restore checks the backup first (SQLite's integrity check, the manifest's hash, the
//! audit chain and the ledger, on the copy), refuses while a server answers or a writer
//! holds the database, then puts the evidence back and swaps the database file in by a
//! rename. PostgreSQL installations use `pg_dump` / `pg_restore` (docs/OPERATIONS.md).

use crate::db::backup::{self as repo, Snapshot};
use crate::db::DbConnection;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::files::{sha256_hex, FileStore};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The database copy's file name inside a backup folder.
pub const DATABASE_FILE: &str = "hechuang.db";
const MANIFEST: &str = "manifest.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// When the copy was taken (UTC, RFC 3339).
    pub taken_at: String,
    pub database_sha256: String,
    pub database_bytes: u64,
    pub evidence_files: usize,
    pub evidence_bytes: u64,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::internal(format!("{what} {}: {e}", path.display()))
}

/// Takes a backup into the folder `to`, which must not exist yet.
pub fn backup(
    conn: &mut DbConnection,
    store: &FileStore,
    to: &Path,
    taken_at: chrono::DateTime<chrono::Utc>,
) -> AppResult<Manifest> {
    if to.exists() {
        return Err(AppError::of(ErrorCode::BackupTargetExists).arg("folder", to.display()));
    }
    std::fs::create_dir_all(to).map_err(|e| io("creating", to, e))?;
    let db_file = to.join(DATABASE_FILE);
    match repo::vacuum_into(conn, &db_file)? {
        Snapshot::Written => {}
        Snapshot::NotSqlite => {
            let _ = std::fs::remove_dir(to);
            return Err(AppError::of(ErrorCode::BackupPostgresUsePgDump));
        }
    }
    let (mut files, mut bytes) = (0usize, 0u64);
    for sha in repo::evidence_hashes(&db_file).map_err(AppError::internal)? {
        let from = store
            .path_of(&sha)
            .ok_or_else(|| AppError::internal(format!("a stored hash is not one: {sha}")))?;
        let content = std::fs::read(&from).map_err(|e| io("reading evidence", &from, e))?;
        if sha256_hex(&content) != sha {
            return Err(AppError::internal(format!(
                "evidence {} does not match its hash: the store is damaged",
                from.display()
            )));
        }
        let dest = evidence_path(to, &sha);
        write_new(&dest, &content)?;
        files += 1;
        bytes += content.len() as u64;
    }
    let db_bytes = std::fs::read(&db_file).map_err(|e| io("reading", &db_file, e))?;
    let manifest = Manifest {
        taken_at: taken_at.to_rfc3339(),
        database_sha256: sha256_hex(&db_bytes),
        database_bytes: db_bytes.len() as u64,
        evidence_files: files,
        evidence_bytes: bytes,
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| AppError::internal(format!("manifest: {e}")))?;
    write_new(&to.join(MANIFEST), &json)?;
    Ok(manifest)
}

/// `backup/evidence/ab/cd/<sha256>`, as in the live store.
fn evidence_path(root: &Path, sha: &str) -> PathBuf {
    root.join("evidence").join(&sha[..2]).join(&sha[2..4]).join(sha)
}

/// Writes a file completely (flushed to disk) before it appears under its name.
fn write_new(dest: &Path, bytes: &[u8]) -> AppResult<()> {
    use std::io::Write;
    let dir = dest.parent().ok_or_else(|| AppError::internal("a file without a folder"))?;
    std::fs::create_dir_all(dir).map_err(|e| io("creating", dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io("writing in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| io("writing", dest, e))?;
    tmp.persist(dest).map_err(|e| io("placing", dest, e.error))?;
    Ok(())
}

/// What a backup holds, checked: the manifest, and the copy's integrity and hash.
pub fn check(from: &Path) -> AppResult<(Manifest, PathBuf)> {
    let manifest_path = from.join(MANIFEST);
    let raw = std::fs::read(&manifest_path)
        .map_err(|_| AppError::of(ErrorCode::BackupNotFound).arg("folder", from.display()))?;
    let manifest: Manifest = serde_json::from_slice(&raw)
        .map_err(|e| AppError::of(ErrorCode::BackupManifestUnreadable).arg("reason", e))?;
    let db_file = from.join(DATABASE_FILE);
    let bytes = std::fs::read(&db_file).map_err(|e| io("reading", &db_file, e))?;
    if sha256_hex(&bytes) != manifest.database_sha256 {
        return Err(AppError::of(ErrorCode::BackupDatabaseHashMismatch));
    }
    let integrity = repo::integrity_check(&db_file).map_err(AppError::internal)?;
    if integrity != "ok" {
        return Err(AppError::of(ErrorCode::BackupDatabaseCorrupt).arg("result", integrity));
    }
    Ok((manifest, db_file))
}

/// Puts a checked backup in place of the database at `db_path` and its evidence into
/// `store_root` (the data directory's `evidence/`). The caller has checked the backup's
/// audit chain and ledger, and that no server is running.
pub fn restore(from: &Path, db_path: &Path, data_dir: &Path) -> AppResult<Manifest> {
    let (manifest, db_file) = check(from)?;
    // A writer in the middle of a transaction means a server is still running.
    if db_path.exists() {
        drop(
            repo::lock_for_writing(db_path)
                .map_err(|e| AppError::of(ErrorCode::DatabaseInUse).arg("reason", e))?,
        );
    }
    // Evidence first: once the database is in place, every file it names is there.
    for sha in repo::evidence_hashes(&db_file).map_err(AppError::internal)? {
        let src = evidence_path(from, &sha);
        let dest = evidence_path(data_dir, &sha);
        if dest.exists() {
            continue;
        }
        let content = std::fs::read(&src).map_err(|e| io("reading evidence", &src, e))?;
        if sha256_hex(&content) != sha {
            return Err(AppError::of(ErrorCode::BackupEvidenceDamaged).arg("file", src.display()));
        }
        write_new(&dest, &content)?;
    }
    // The old database's write-ahead log belongs to the old file: gone before the new
    // file takes its name, so SQLite never applies it to the restored one.
    for ext in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{ext}", db_path.display()));
        if side.exists() {
            std::fs::remove_file(&side).map_err(|e| io("removing", &side, e))?;
        }
    }
    let bytes = std::fs::read(&db_file).map_err(|e| io("reading", &db_file, e))?;
    write_new(db_path, &bytes)?;
    Ok(manifest)
}
