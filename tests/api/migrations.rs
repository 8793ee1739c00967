//! Migrations that change tables holding data keep that data and its references.

use crate::claims::firm_row;
use crate::helpers::{fresh_pg_database, is_postgres};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::MigrationHarness;
use hechuang::db::models::{BatchRow, ClaimOutcomeRow, ProgrammeRow, VoucherRow};
use hechuang::db::{parties, vouchers, DbConnection, PG_MIGRATIONS, SQLITE_MIGRATIONS};
use hechuang::domain::new_id;

/// The migrations before `2026-11-23-000004_voucher_keys`.
const BEFORE_VOUCHER_KEYS: usize = 3;

fn programme(id: &str, code: &str, now: chrono::NaiveDateTime) -> ProgrammeRow {
    ProgrammeRow {
        id: id.into(),
        code: code.into(),
        name: "合创券".into(),
        voucher_kind: "general".into(),
        categories: "patent".into(),
        co_payment_ratio_bp: 5000,
        full_coverage_threshold_fen: 0,
        validity_months: 12,
        eligible_size_classes: "micro,small".into(),
        exclude_dishonest: true,
        revenue_ceiling_fen: None,
        required_qualifications: String::new(),
        per_batch_limit: 1,
        per_year_limit: 2,
        count_by_controller: false,
        gate_used_share_bp: 8000,
        created_at: now,
        updated_at: now,
    }
}

fn voucher(id: &str, batch: &BatchRow, firm_id: &str, seq: i32, key: Option<&str>) -> VoucherRow {
    VoucherRow {
        id: id.into(),
        code: format!("MIG-01-{seq:06}"),
        batch_id: batch.id.clone(),
        programme_id: batch.programme_id.clone(),
        firm_id: firm_id.into(),
        nth: 1,
        seq_in_batch: seq,
        face_value_fen: 5_000_000,
        balance_fen: 5_000_000,
        held_fen: 0,
        status: "active".into(),
        controller: "张三".into(),
        claim_year: 2026,
        claimed_at: batch.opens_at,
        valid_until: batch.closes_at,
        idempotency_key: key.map(str::to_string),
    }
}

/// Fills a database migrated up to before the voucher-keys migration, migrates the rest,
/// and checks what the migration promises.
fn check(conn: &mut DbConnection) {
    let now = chrono::Utc::now().naive_utc();
    let (p1, p2) = (new_id(), new_id());
    vouchers::insert_programme(conn, &programme(&p1, "MIGA", now)).unwrap();
    vouchers::insert_programme(conn, &programme(&p2, "MIGB", now)).unwrap();
    let batch = BatchRow {
        id: new_id(),
        programme_id: p1.clone(),
        number: 1,
        name: "第一期".into(),
        budget_fen: 10_000_000,
        claimed_fen: 5_000_000,
        vouchers_claimed: 1,
        face_values: "5000000".into(),
        opens_at: now,
        closes_at: now + chrono::Duration::days(30),
        allocation_mode: "first_come".into(),
        published: true,
        created_by: None,
        created_at: now,
        updated_at: now,
    };
    vouchers::insert_batch(conn, &batch).unwrap();
    let (f1, f2) = (new_id(), new_id());
    parties::insert_firm(
        conn,
        &firm_row(&f1, "迁移测试企业一", "small", true, "张三", now),
    )
    .unwrap();
    parties::insert_firm(
        conn,
        &firm_row(&f2, "迁移测试企业二", "small", true, "张三", now),
    )
    .unwrap();
    let v1 = new_id();
    vouchers::insert_vouchers(conn, &[voucher(&v1, &batch, &f1, 1, Some("k-1"))]).unwrap();
    vouchers::insert_outcomes(
        conn,
        &[ClaimOutcomeRow {
            firm_id: f1.clone(),
            idempotency_key: "k-1".into(),
            batch_id: batch.id.clone(),
            outcome: "claimed".into(),
            voucher_id: Some(v1.clone()),
            detail: None,
            created_at: now,
        }],
    )
    .unwrap();

    let applied = hechuang::db::run_migrations(conn).unwrap();
    assert_eq!(
        applied.first().map(String::as_str),
        Some("20261123000004"),
        "the voucher-keys migration ran first"
    );

    // The voucher and the keyed answer that refers to it are still there.
    let kept = vouchers::vouchers_by_ids(conn, std::slice::from_ref(&v1)).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].idempotency_key.as_deref(), Some("k-1"));
    assert_eq!(
        vouchers::outcomes_of_firms(conn, std::slice::from_ref(&f1))
            .unwrap()
            .len(),
        1
    );
    // A voucher whose programme is not its batch's programme is refused now.
    let mut wrong = voucher(&new_id(), &batch, &f2, 2, None);
    wrong.programme_id = p2;
    let r = vouchers::insert_vouchers(conn, &[wrong]);
    assert!(
        r.is_err(),
        "a voucher of another programme's batch was stored"
    );
    // So is one of an unknown batch or firm; a good one is stored.
    let mut orphan = voucher(&new_id(), &batch, &f2, 3, None);
    orphan.batch_id = new_id();
    assert!(vouchers::insert_vouchers(conn, &[orphan]).is_err());
    let unknown_firm = voucher(&new_id(), &batch, &new_id(), 4, None);
    assert!(vouchers::insert_vouchers(conn, &[unknown_firm]).is_err());
    vouchers::insert_vouchers(conn, &[voucher(&new_id(), &batch, &f2, 5, None)]).unwrap();
}

#[test]
fn the_voucher_keys_migration_keeps_existing_vouchers_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let mut c =
        SqliteConnection::establish(&dir.path().join("m.db").display().to_string()).unwrap();
    c.batch_execute("PRAGMA foreign_keys = ON").unwrap();
    for _ in 0..BEFORE_VOUCHER_KEYS {
        c.run_next_migration(SQLITE_MIGRATIONS).unwrap();
    }
    let mut conn = DbConnection::Sqlite(c);
    check(&mut conn);
    let DbConnection::Sqlite(c) = &mut conn else {
        unreachable!()
    };
    // Foreign keys are back on and nothing dangles.
    #[derive(diesel::QueryableByName)]
    struct On {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        foreign_keys: i32,
    }
    let on: On = diesel::sql_query("PRAGMA foreign_keys")
        .get_result(c)
        .unwrap();
    assert_eq!(on.foreign_keys, 1);
    #[derive(diesel::QueryableByName)]
    struct Dangling {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table: String,
    }
    let dangling: Vec<Dangling> = diesel::sql_query("PRAGMA foreign_key_check")
        .load(c)
        .unwrap();
    let tables: Vec<String> = dangling.into_iter().map(|d| d.table).collect();
    assert!(tables.is_empty(), "rows without their parent in {tables:?}");
}

#[test]
fn the_voucher_keys_migration_keeps_existing_vouchers_on_postgres() {
    if !is_postgres() {
        return; // the PostgreSQL pass of scripts/test runs this one
    }
    let base = std::env::var("TEST_DATABASE_URL").unwrap();
    let mut c = PgConnection::establish(&fresh_pg_database(&base)).unwrap();
    for _ in 0..BEFORE_VOUCHER_KEYS {
        c.run_next_migration(PG_MIGRATIONS).unwrap();
    }
    check(&mut DbConnection::Pg(c));
}
