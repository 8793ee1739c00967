//! The SQLite and PostgreSQL migrations must end with the same tables, columns,
//! keys, indexes, foreign keys, check constraints and triggers.

use diesel::sql_types::{Bool, Integer, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::MigrationHarness;
use hechuang::db::{PG_MIGRATIONS, SQLITE_MIGRATIONS};
use std::collections::BTreeSet;

#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    columns: BTreeSet<(String, String, String, bool)>,
    primary_keys: BTreeSet<(String, String)>,
    uniques: BTreeSet<(String, String)>,
    indexes: BTreeSet<(String, String, String)>,
    foreign_keys: BTreeSet<(String, String, String, String)>,
    checks: BTreeSet<String>,
    triggers: BTreeSet<String>,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteCol {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    #[diesel(column_name = type_)]
    type_: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    unique: i32,
    #[diesel(sql_type = Text)]
    origin: String,
}

#[derive(QueryableByName)]
struct SqliteFk {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    from: String,
    #[diesel(sql_type = Text)]
    to: String,
}

fn sqlite_schema(conn: &mut SqliteConnection) -> Schema {
    let mut s = Schema::default();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'",
    )
    .load(conn)
    .unwrap();
    for Name { name: t } in tables {
        let cols: Vec<SqliteCol> = diesel::sql_query(format!(
            "SELECT name, type AS type_, \"notnull\", pk FROM pragma_table_info('{t}')"
        ))
        .load(conn)
        .unwrap();
        let mut pk: Vec<(i32, String)> = Vec::new();
        for c in cols {
            s.columns.insert((t.clone(), c.name.clone(), c.type_.to_uppercase(), c.notnull == 1));
            if c.pk > 0 {
                pk.push((c.pk, c.name));
            }
        }
        pk.sort();
        s.primary_keys
            .insert((t.clone(), pk.into_iter().map(|(_, n)| n).collect::<Vec<_>>().join(",")));
        let idx: Vec<SqliteIndex> = diesel::sql_query(format!(
            "SELECT name, \"unique\", origin FROM pragma_index_list('{t}')"
        ))
        .load(conn)
        .unwrap();
        for i in idx {
            let cols: Vec<Name> = diesel::sql_query(format!(
                "SELECT name FROM pragma_index_info('{}') ORDER BY seqno",
                i.name
            ))
            .load(conn)
            .unwrap();
            let cols = cols.into_iter().map(|c| c.name).collect::<Vec<_>>().join(",");
            match (i.origin.as_str(), i.unique) {
                ("pk", _) => {}
                (_, 1) => {
                    s.uniques.insert((t.clone(), cols));
                }
                _ => {
                    s.indexes.insert((t.clone(), i.name, cols));
                }
            }
        }
        let fks: Vec<SqliteFk> = diesel::sql_query(format!(
            "SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('{t}')"
        ))
        .load(conn)
        .unwrap();
        for f in fks {
            s.foreign_keys.insert((t.clone(), f.from, f.table, f.to));
        }
    }
    let sqls: Vec<Name> = diesel::sql_query(
        "SELECT sql AS name FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL",
    )
    .load(conn)
    .unwrap();
    for Name { name: sql } in sqls {
        let words: Vec<&str> = sql.split_whitespace().collect();
        for w in words.windows(3) {
            if w[0] == "CONSTRAINT" && w[2].starts_with("CHECK") {
                s.checks.insert(w[1].to_string());
            }
        }
    }
    let triggers: Vec<Name> =
        diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            .load(conn)
            .unwrap();
    // SQLite-only guards: a money column holds an integer (SQLite would store an
    // overflowing sum as REAL); PostgreSQL's BIGINT refuses anything else by itself.
    s.triggers =
        triggers.into_iter().map(|n| n.name).filter(|n| !n.contains("_money_integer")).collect();
    s
}

#[derive(QueryableByName)]
struct PgCol {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Bool)]
    is_primary: bool,
    #[diesel(sql_type = Text)]
    cols: String,
}

#[derive(QueryableByName)]
struct PgFk {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    ref_column: String,
}

fn pg_schema(conn: &mut PgConnection) -> Schema {
    let mut s = Schema::default();
    let cols: Vec<PgCol> = diesel::sql_query(
        "SELECT table_name::text, column_name::text, data_type::text, (is_nullable = 'NO') AS not_null
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    )
    .load(conn)
    .unwrap();
    for c in cols {
        let ty = match c.data_type.as_str() {
            "timestamp without time zone" => "TIMESTAMP".to_string(),
            other => other.to_uppercase(),
        };
        s.columns.insert((c.table_name, c.column_name, ty, c.not_null));
    }
    let idx: Vec<PgIndex> = diesel::sql_query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, ix.indisunique AS is_unique,
                ix.indisprimary AS is_primary,
                array_to_string(ARRAY(SELECT a.attname FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',') AS cols
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND t.relname <> '__diesel_schema_migrations'",
    )
    .load(conn)
    .unwrap();
    for i in idx {
        if i.is_primary {
            s.primary_keys.insert((i.table_name, i.cols));
        } else if i.is_unique {
            s.uniques.insert((i.table_name, i.cols));
        } else {
            s.indexes.insert((i.table_name, i.index_name, i.cols));
        }
    }
    let fks: Vec<PgFk> = diesel::sql_query(
        // Column pairs in key order, so a composite key gives one row per pair (as
        // SQLite's pragma does), not every combination.
        "SELECT cl.relname::text AS table_name, a.attname::text AS column_name,
                rcl.relname::text AS ref_table, ra.attname::text AS ref_column
         FROM pg_constraint c
         JOIN pg_class cl ON cl.oid = c.conrelid
         JOIN pg_class rcl ON rcl.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = c.connamespace
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, refcol)
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
         JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.refcol
         WHERE c.contype = 'f' AND n.nspname = 'public'",
    )
    .load(conn)
    .unwrap();
    for f in fks {
        s.foreign_keys.insert((f.table_name, f.column_name, f.ref_table, f.ref_column));
    }
    let checks: Vec<Name> = diesel::sql_query(
        "SELECT c.conname::text AS name FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE c.contype = 'c' AND n.nspname = 'public'",
    )
    .load(conn)
    .unwrap();
    s.checks = checks.into_iter().map(|n| n.name).collect();
    let triggers: Vec<Name> =
        diesel::sql_query("SELECT tgname::text AS name FROM pg_trigger WHERE NOT tgisinternal")
            .load(conn)
            .unwrap();
    s.triggers = triggers.into_iter().map(|n| n.name).collect();
    s
}

/// The PostgreSQL server to compare against: TEST_DATABASE_URL in the PostgreSQL pass,
/// HECHUANG_TEST_PG_URL (exported by scripts/test) in the SQLite pass.
fn pg_server() -> Option<String> {
    ["TEST_DATABASE_URL", "HECHUANG_TEST_PG_URL"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|u| u.starts_with("postgres"))
}

#[test]
fn sqlite_and_postgres_schemas_are_the_same() {
    let Some(server) = pg_server() else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true but no PostgreSQL URL is set: the schema comparison cannot run"
        );
        eprintln!("schema parity: skipped (no PostgreSQL; scripts/test sets HECHUANG_TEST_PG_URL)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut lite =
        SqliteConnection::establish(&dir.path().join("s.db").display().to_string()).unwrap();
    lite.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();
    let pg_url = crate::helpers::fresh_pg_database(&server);
    let mut pg = PgConnection::establish(&pg_url).unwrap();
    pg.run_pending_migrations(PG_MIGRATIONS).unwrap();

    let a = sqlite_schema(&mut lite);
    let b = pg_schema(&mut pg);
    assert!(a.columns.len() > 50, "introspection found too little: {a:?}");
    assert!(!a.checks.is_empty() && !a.triggers.is_empty() && !a.foreign_keys.is_empty());
    assert_eq!(a.columns, b.columns, "columns differ");
    assert_eq!(a.primary_keys, b.primary_keys, "primary keys differ");
    assert_eq!(a.uniques, b.uniques, "unique constraints differ");
    assert_eq!(a.indexes, b.indexes, "indexes differ");
    assert_eq!(a.foreign_keys, b.foreign_keys, "foreign keys differ");
    assert_eq!(a.checks, b.checks, "check constraints differ");
    assert_eq!(a.triggers, b.triggers, "triggers differ");

    // The migration lists are the same names in the same order.
    let names = |dir: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        v.sort();
        v
    };
    assert_eq!(names("migrations/sqlite"), names("migrations/postgres"));
}
