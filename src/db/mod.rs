//! Storage: one connection type over PostgreSQL and bundled SQLite, an r2d2 pool,
//! embedded per-backend migrations, and the transaction helper every use case goes
//! through. This folder is the only code that knows SQL.

/// Inserts many rows of one table (the `MultiConnection` cannot carry a multi-row
/// INSERT, so this matches on the backend). PostgreSQL gets them through `COPY … FROM
/// STDIN (FORMAT binary)`: one short statement however many rows, where a multi-row
/// INSERT costs the server a parse and plan of thousands of parameters each time.
/// Constraints, foreign keys and triggers apply to COPY as to INSERT. SQLite gets
/// multi-row INSERTs in chunks that stay under its bound-parameter limit.
macro_rules! bulk_insert {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        if !rows.is_empty() {
            match &mut *$conn {
                $crate::db::DbConnection::Pg(c) => {
                    diesel::copy_from($table).from_insertable(rows.to_vec()).execute(c)?;
                }
                $crate::db::DbConnection::Sqlite(c) => {
                    for chunk in rows.chunks(500) {
                        diesel::insert_into($table).values(chunk).execute(c)?;
                    }
                }
            }
        }
    }};
}

/// The first row of a query under a write lock, or none: `FOR UPDATE` on PostgreSQL,
/// which orders every server process's writers of that row until the transaction ends;
/// on SQLite the write transaction (`BEGIN IMMEDIATE`) already excludes every other
/// writer, so the row is read as it is. Every "…_for_update" repository function is
/// this.
macro_rules! first_for_update {
    ($conn:expr, $query:expr) => {{
        let query = $query;
        match &mut *$conn {
            $crate::db::DbConnection::Pg(c) => query.for_update().first(c).optional(),
            $crate::db::DbConnection::Sqlite(c) => query.first(c).optional(),
        }
    }};
}

/// One page of a table's rows as a work list asks ([`crate::domain::listing::Filter`]):
/// `$filter` narrows (written once, applied alike to the page's query and the count's,
/// each a boxed query named `$q`), `$order` orders the page's query (named `$o`; each
/// arm of a `match` on the sort gives the same boxed type).
macro_rules! listed {
    ($conn:expr, $table:ident, ($offset:expr, $limit:expr), |$q:ident| $filter:block,
     order |$o:ident| $order:expr) => {{
        #[allow(unused_mut)]
        let total: i64 = {
            let mut $q = $table::table.into_boxed();
            $filter
            $q
        }
        .count()
        .get_result($conn)?;
        #[allow(unused_mut)]
        let rows = {
            let mut $q = $table::table.into_boxed();
            $filter
            let $o = $q;
            $order
        }
        .offset($offset)
        .limit($limit)
        .load($conn)?;
        Ok((rows, total))
    }};
}

diesel::define_sql_function! {
    /// Lower case (ASCII on SQLite, every letter on PostgreSQL): searches ignore case.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A LIKE pattern for text holding `words` anywhere, lower case, its own `%`, `_` and
/// `\` matched literally (with `ESCAPE '\'`).
pub(crate) fn holding(words: &str) -> String {
    let w = words.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{w}%")
}

pub mod appeals;
pub mod articles;
pub mod audit;
pub mod backup;
pub mod carriers;
pub mod catalogue;
pub mod certification;
pub mod credit;
pub mod dashboard;
pub mod documents;
pub mod jobs;
pub mod ledger;
pub mod lottery;
pub mod models;
pub mod orders;
pub mod outbox;
pub mod parties;
pub mod ratings;
pub mod receivables;
pub mod schema;
pub mod screening;
pub mod settlement;
pub mod spot_checks;
pub mod supplements;
pub mod tallies;
pub mod types;
pub mod users;
pub mod vouchers;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::path::Path;
use std::time::Duration;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// Chooses the backend from the URL scheme (never by trial: SQLite would accept
/// any string as a file name, so a mistyped Postgres URL must not become a file).
pub fn parse_url(url: &str) -> Result<(Backend, String), String> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((Backend::Postgres, url.to_string()))
    } else if let Some(rest) = url.strip_prefix("sqlite://") {
        Ok((Backend::Sqlite, rest.to_string()))
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        Ok((Backend::Sqlite, rest.to_string()))
    } else {
        Err("database.url must start with sqlite:// or postgres://".into())
    }
}

/// SQLite's `synchronous` setting in WAL mode (`database.sqlite_synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SqliteSync {
    /// Every commit is on disk before it is acknowledged, power failure included (the
    /// default: "acknowledged means durable").
    Full,
    /// Commits survive a crash of the process but the last ones may be lost when the
    /// machine loses power; faster (docs/BENCHMARKS.md measures by how much).
    Normal,
}

impl SqliteSync {
    fn pragma(self) -> &'static str {
        match self {
            SqliteSync::Full => "FULL",
            SqliteSync::Normal => "NORMAL",
        }
    }
}

/// The r2d2 manager: opens the variant the URL names and sets SQLite's pragmas.
#[derive(Debug, Clone)]
pub struct Manager {
    backend: Backend,
    target: String,
    busy_timeout_ms: u32,
    wal_autocheckpoint: u32,
    synchronous: SqliteSync,
}

impl Manager {
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut c = diesel::PgConnection::establish(&self.target)
                    .map_err(r2d2::Error::ConnectionError)?;
                // diesel prepares and caches statements; PostgreSQL would soon switch
                // them to a generic plan made while a table (vouchers, at the opening
                // second) was still empty, and keep scanning it as it grows. Planning
                // each execution with the table's current size costs far less.
                c.batch_execute("SET plan_cache_mode = force_custom_plan")
                    .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Pg(c))
            }
            Backend::Sqlite => {
                let mut c = diesel::SqliteConnection::establish(&self.target)
                    .map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout first, so even the switch to WAL waits for the lock.
                c.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = {}; \
                     PRAGMA wal_autocheckpoint = {};",
                    self.busy_timeout_ms,
                    self.synchronous.pragma(),
                    self.wal_autocheckpoint
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// Copies SQLite's write-ahead log into the database without waiting for, or holding
/// up, anyone (a PASSIVE checkpoint). Nothing to do on PostgreSQL.
pub fn checkpoint(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute("PRAGMA wal_checkpoint(PASSIVE);"),
        DbConnection::Pg(_) => Ok(()),
    }
}

/// SQLite's own default: a commit that takes the write-ahead log past this many pages
/// checkpoints it.
pub const DEFAULT_WAL_AUTOCHECKPOINT: u32 = 1000;
/// With a background checkpointer (`checkpoint`), commits checkpoint only if it falls
/// this far behind (64 MiB of log).
pub const BACKGROUND_WAL_AUTOCHECKPOINT: u32 = 16_000;

/// Builds the pool; for SQLite creates the file's directory first.
pub fn build_pool(
    url: &str,
    size: u32,
    busy_timeout_ms: u32,
    connect_timeout: Duration,
) -> Result<Pool, String> {
    build_pool_with(
        url,
        size,
        busy_timeout_ms,
        connect_timeout,
        DEFAULT_WAL_AUTOCHECKPOINT,
        SqliteSync::Full,
    )
}

/// `build_pool` with SQLite's automatic checkpoint threshold in pages and its
/// `synchronous` setting.
pub fn build_pool_with(
    url: &str,
    size: u32,
    busy_timeout_ms: u32,
    connect_timeout: Duration,
    wal_autocheckpoint: u32,
    synchronous: SqliteSync,
) -> Result<Pool, String> {
    let (backend, target) = parse_url(url)?;
    if backend == Backend::Sqlite && target != ":memory:" {
        if let Some(parent) = Path::new(&target).parent() {
            let dir = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
            writable(dir, Path::new(&target))?;
        }
    }
    let manager = Manager { backend, target, busy_timeout_ms, wal_autocheckpoint, synchronous };
    if backend == Backend::Sqlite {
        // Switch the file to WAL once, before the pool opens connections in parallel.
        manager.connect().map_err(|e| format!("cannot open the database: {e}"))?;
    }
    r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(connect_timeout)
        .build(manager)
        .map_err(|e| format!("cannot open the database: {e}"))
}

/// SQLite writes its database, its write-ahead log and its shared-memory file beside
/// each other; a folder it cannot write in would otherwise surface only as "unable to
/// open database file". Says plainly which folder cannot be written and why.
fn writable(dir: &Path, db: &Path) -> Result<(), String> {
    let plain = |what: &Path, e: std::io::Error| {
        format!(
            "the database folder {} cannot be written ({}: {e}); hechuang keeps its SQLite \
             database there and must write to it. Make the folder writable, or point \
             database.url (HECHUANG__DATABASE__URL) at a writable place",
            dir.display(),
            what.display()
        )
    };
    std::fs::create_dir_all(dir).map_err(|e| plain(dir, e))?;
    let probe = dir.join(format!(".hechuang-write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"probe").map_err(|e| plain(&probe, e))?;
    let _ = std::fs::remove_file(&probe);
    if db.exists() {
        std::fs::OpenOptions::new().append(true).open(db).map_err(|e| plain(db, e))?;
    }
    Ok(())
}

pub fn backend_of(conn: &DbConnection) -> Backend {
    match conn {
        DbConnection::Pg(_) => Backend::Postgres,
        DbConnection::Sqlite(_) => Backend::Sqlite,
    }
}

/// Runs pending migrations for the connection's backend; returns the versions applied.
/// On PostgreSQL an advisory lock keeps two starting servers from migrating at once.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConnection::Pg(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7261000001)").map_err(|e| e.to_string())?;
            let r = c
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            let _ = c.batch_execute("SELECT pg_advisory_unlock(7261000001)");
            r?
        }
        DbConnection::Sqlite(c) => {
            let r = c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            // A table rebuild switches foreign keys off for its duration; whatever
            // happened, this connection goes back to the pool with them on.
            let _ = c.batch_execute("ROLLBACK");
            c.batch_execute("PRAGMA foreign_keys = ON").map_err(|e| e.to_string())?;
            r?
        }
    };
    Ok(applied)
}

/// Runs `f` in one write transaction. SQLite takes the write lock up front
/// (`BEGIN IMMEDIATE`), so a use case never fails half-way on a lock upgrade;
/// PostgreSQL uses an ordinary transaction with row locks taken by the repositories.
/// The transaction is opened through diesel's transaction manager, so statements that
/// open their own (nested) transaction get a savepoint, and a connection dropped in
/// the middle (a panic) is seen as broken by the pool and discarded. Any error rolls
/// everything back. Called inside a transaction, it is a savepoint in it.
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    // Inside a transaction already (one that holds the write lock: a form's dry run),
    // a savepoint, as any nested transaction.
    if matches!(conn, DbConnection::Sqlite(_)) && !in_transaction(conn) {
        return outermost_tx(conn, "BEGIN IMMEDIATE", f);
    }
    conn.transaction(f)
}

/// Runs `f` in a read snapshot: every query in it sees the database as of its first
/// read, whatever commits meanwhile (a deferred transaction in SQLite's WAL mode;
/// REPEATABLE READ in PostgreSQL, whose default would let each statement see newer
/// commits, so a verification could compare totals of two different moments). Called
/// inside a transaction, it is a savepoint in it.
pub fn read_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if matches!(conn, DbConnection::Pg(_)) && !in_transaction(conn) {
        return outermost_tx(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ", f);
    }
    conn.transaction(f)
}

/// Whether the connection is inside a transaction.
fn in_transaction(conn: &mut DbConnection) -> bool {
    use diesel::connection::{AnsiTransactionManager as Tm, TransactionManager};
    let depth = match conn {
        DbConnection::Sqlite(c) => {
            <Tm as TransactionManager<diesel::SqliteConnection>>::transaction_manager_status_mut(c)
                .transaction_depth()
        }
        DbConnection::Pg(c) => {
            <Tm as TransactionManager<diesel::PgConnection>>::transaction_manager_status_mut(c)
                .transaction_depth()
        }
    };
    matches!(depth, Ok(Some(_)))
}

/// Runs `f` in an outermost transaction opened by the statement `begin`; commits when
/// it succeeds, rolls back when it or the commit fails.
fn outermost_tx<T, E, F>(conn: &mut DbConnection, begin: &str, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager as Tm, TransactionManager};
    match conn {
        DbConnection::Sqlite(c) => Tm::begin_transaction_sql(c, begin)?,
        DbConnection::Pg(c) => Tm::begin_transaction_sql(c, begin)?,
    }
    let end = |conn: &mut DbConnection, commit: bool| match (conn, commit) {
        (DbConnection::Sqlite(c), true) => {
            <Tm as TransactionManager<diesel::SqliteConnection>>::commit_transaction(c)
        }
        (DbConnection::Sqlite(c), false) => {
            <Tm as TransactionManager<diesel::SqliteConnection>>::rollback_transaction(c)
        }
        (DbConnection::Pg(c), true) => {
            <Tm as TransactionManager<diesel::PgConnection>>::commit_transaction(c)
        }
        (DbConnection::Pg(c), false) => {
            <Tm as TransactionManager<diesel::PgConnection>>::rollback_transaction(c)
        }
    };
    match f(conn) {
        Ok(v) => match end(conn, true) {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = end(conn, false);
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = end(conn, false);
            Err(e)
        }
    }
}

/// Bytes free to an unprivileged writer on the file system holding `path` (its folder
/// when the file does not exist yet); `None` when the system cannot tell.
pub fn free_space(path: &Path) -> Option<u64> {
    let target = if path.exists() { path } else { path.parent()? };
    let c = std::ffi::CString::new(target.as_os_str().as_encoded_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `c` is a NUL-terminated path and `st` a buffer of the type statvfs fills.
    let rc = unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled the buffer.
    let st = unsafe { st.assume_init() };
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

/// Checks the database answers (for `/ready`).
pub fn ping(conn: &mut DbConnection) -> QueryResult<()> {
    conn.ping()
}

/// Checks the database takes a write now (for `/ready`): one committed update of the
/// single row of `readiness_probe`, in a write transaction like any use case's (on
/// SQLite it needs the write lock, room in the log and a writable file).
pub fn probe_write(conn: &mut DbConnection, now: chrono::NaiveDateTime) -> QueryResult<()> {
    use diesel::sql_types::Timestamp;
    write_tx(conn, |c| {
        match c {
            DbConnection::Pg(pg) => {
                diesel::sql_query("UPDATE readiness_probe SET checked_at = $1 WHERE id = 1")
                    .bind::<Timestamp, _>(now)
                    .execute(pg)
            }
            DbConnection::Sqlite(sq) => {
                diesel::sql_query("UPDATE readiness_probe SET checked_at = ? WHERE id = 1")
                    .bind::<Timestamp, _>(now)
                    .execute(sq)
            }
        }
        .map(|_| ())
    })
}
