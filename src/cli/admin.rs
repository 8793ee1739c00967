//! Administration: staff accounts, the audit chain, backup and restore.

use super::{failed, refused};
use anyhow::Context;
use hechuang::config::Settings;
use hechuang::db::{self, Backend};
use hechuang::domain::Role;
use hechuang::files::FileStore;
use hechuang::services::{self, auth::AuthConfig};
use hechuang::startup::{open_database, system_context};
use secrecy::ExposeSecret;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// `hechuang user create`: a staff account; the password is read from standard input.
pub fn create_user(
    config_dir: &Path,
    settings: &Settings,
    username: String,
    role: &str,
    display_name: Option<String>,
    email: Option<String>,
) -> anyhow::Result<ExitCode> {
    let role = Role::parse(role).with_context(|| format!("unknown role {role}"))?;
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    let pool = open_database(settings)?;
    let auth = AuthConfig::new(&settings.auth).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let input = services::users::NewStaffUser {
        display_name: display_name.unwrap_or_else(|| username.clone()),
        username,
        password,
        email,
        role,
    };
    let sys = system_context(settings, config_dir)?;
    match services::users::create_staff(&mut conn, sys.cx(), &auth, &input) {
        Ok(u) => {
            println!("created {} ({}) id {}", u.username, u.role.as_str(), u.id);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(refused(&e)),
    }
}

/// `hechuang audit verify`: recomputes the hash chain; exits 1 at the first broken link.
pub fn audit_verify(settings: &Settings) -> anyhow::Result<ExitCode> {
    let pool = open_database(settings)?;
    let mut conn = pool.get()?;
    let report = services::audit::verify(&mut conn).map_err(failed)?;
    match &report.first_broken {
        None => {
            println!("audit chain OK: {} events verified", report.events_checked);
            Ok(ExitCode::SUCCESS)
        }
        Some(b) => {
            println!(
                "audit chain BROKEN at event {}: {} ({} events checked)",
                b.seq, b.reason, report.events_checked
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `hechuang backup --to DIR`: the SQLite database and the evidence files, while the
/// service runs.
pub fn backup(settings: &Settings, to: &Path) -> anyhow::Result<ExitCode> {
    let pool = open_database(settings)?;
    let mut conn = pool.get()?;
    let store = FileStore::open(&settings.data.dir, settings.data.max_upload_bytes)?;
    match services::backup::backup(&mut conn, &store, to, chrono::Utc::now()) {
        Ok(m) => {
            println!(
                "backup written to {}: database {} bytes (SHA-256 {}); evidence: {} files ({} bytes)",
                to.display(),
                m.database_bytes,
                m.database_sha256,
                m.evidence_files,
                m.evidence_bytes
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(refused(&e)),
    }
}

/// `hechuang restore --from DIR`: refuses while a server answers on the configured
/// address, checks the backup (integrity, hash, audit chain, ledger, on a scratch
/// copy), then restores.
pub fn restore(settings: &Settings, from: &Path) -> anyhow::Result<ExitCode> {
    let url = settings.database.url.expose_secret();
    let (backend, target) = db::parse_url(url).map_err(anyhow::Error::msg)?;
    if backend != Backend::Sqlite {
        eprintln!("restore_postgres_use_pg_restore: restore a PostgreSQL database with pg_restore (docs/OPERATIONS.md)");
        return Ok(ExitCode::FAILURE);
    }
    let addr = format!("{}:{}", settings.server.host, settings.server.port);
    if answering(&addr) {
        eprintln!(
            "database_in_use: a server answers at {addr}; stop every server before restoring"
        );
        return Ok(ExitCode::FAILURE);
    }
    let (manifest, db_file) = match services::backup::check(from) {
        Ok(v) => v,
        Err(e) => return Ok(refused(&e)),
    };
    // Verified on a scratch copy: opening a database may change its file (WAL mode).
    let scratch = tempfile::tempdir()?;
    let copy = scratch.path().join("check.db");
    std::fs::copy(&db_file, &copy)?;
    let pool = db::build_pool(
        &format!("sqlite://{}", copy.display()),
        1,
        settings.database.busy_timeout_ms,
        Duration::from_secs(settings.database.connect_timeout_secs),
    )
    .map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let audit = services::audit::verify(&mut conn).map_err(failed)?;
    let ledger = services::ledger::verify(&mut conn).map_err(failed)?;
    drop(conn);
    if !audit.ok || !ledger.ok {
        eprintln!(
            "backup_damaged: the backup's audit chain ({}) or ledger ({}) does not verify; nothing restored",
            if audit.ok { "ok" } else { "broken" },
            if ledger.ok { "ok" } else { "unbalanced" }
        );
        return Ok(ExitCode::FAILURE);
    }
    match services::backup::restore(from, Path::new(&target), &settings.data.dir) {
        Ok(_) => {
            println!(
                "restored the backup taken at {} into {}: audit chain OK ({} events), ledger OK ({} entries); evidence: {} files",
                manifest.taken_at,
                target,
                audit.events_checked,
                ledger.entries,
                manifest.evidence_files
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(refused(&e)),
    }
}

/// Whether something answers on `addr` within half a second.
fn answering(addr: &str) -> bool {
    std::net::ToSocketAddrs::to_socket_addrs(addr)
        .map(|mut a| {
            a.any(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_millis(500)).is_ok())
        })
        .unwrap_or(false)
}
