//! Migrations that change tables holding data keep that data and its references.

use crate::claims::firm_row;
use crate::helpers::{fresh_pg_database, is_postgres};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, QueryDsl, RunQueryDsl, SqliteConnection};
use diesel_migrations::MigrationHarness;
use hechuang::db::models::{BatchRow, ClaimOutcomeRow, ProgrammeRow, VoucherRow};
use hechuang::db::{vouchers, DbConnection, PG_MIGRATIONS, SQLITE_MIGRATIONS};
use hechuang::domain::id::{BatchId, PayoutId, ProgrammeId, RunId};
use hechuang::domain::new_id;
use hechuang::domain::Fen;

/// The migrations before `2026-11-23-000004_voucher_keys`.
const BEFORE_VOUCHER_KEYS: usize = 3;

fn programme(id: &ProgrammeId, code: &str, now: chrono::NaiveDateTime) -> ProgrammeRow {
    ProgrammeRow {
        id: id.clone(),
        code: code.into(),
        name: "合创券".into(),
        voucher_kind: hechuang::domain::voucher::VoucherKind::parse("general").unwrap(),
        categories: "patent".into(),
        co_payment_ratio_bp: 5000,
        full_coverage_threshold_fen: Fen::new(0),
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
        id: hechuang::domain::id::VoucherId::parse(id).expect("a uuid"),
        code: format!("MIG-01-{seq:06}"),
        batch_id: batch.id.clone(),
        programme_id: batch.programme_id.clone(),
        firm_id: hechuang::domain::id::FirmId::stored(firm_id.into()),
        nth: 1,
        seq_in_batch: seq,
        face_value_fen: Fen::new(5_000_000),
        balance_fen: Fen::new(5_000_000),
        held_fen: Fen::new(0),
        status: hechuang::domain::voucher::VoucherStatus::Active,
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
    let (p1, p2) = (ProgrammeId::new(), ProgrammeId::new());
    vouchers::insert_programme(conn, &programme(&p1, "MIGA", now)).unwrap();
    vouchers::insert_programme(conn, &programme(&p2, "MIGB", now)).unwrap();
    let batch = BatchRow {
        id: BatchId::new(),
        programme_id: p1.clone(),
        number: 1,
        name: "第一期".into(),
        budget_fen: Fen::new(10_000_000),
        claimed_fen: Fen::new(5_000_000),
        vouchers_claimed: 1,
        face_values: "5000000".into(),
        opens_at: now,
        closes_at: now + chrono::Duration::days(30),
        allocation_mode: hechuang::domain::voucher::AllocationMode::parse("first_come").unwrap(),
        published: true,
        created_by: None,
        created_at: now,
        updated_at: now,
    };
    vouchers::insert_batch(conn, &batch).unwrap();
    let (f1, f2) = (new_id(), new_id());
    // Firms as the schema of then holds them (today's row has columns added later).
    for (id, name) in [(&f1, "迁移测试企业一"), (&f2, "迁移测试企业二")] {
        let r = firm_row(id, name, "small", true, "张三", now);
        conn.batch_execute(&format!(
            "INSERT INTO firms (id, credit_code, name, legal_representative, actual_controller, \
             registered_on, address, contact_name, contact_phone, contact_email, industry, \
             employees, revenue_fen, size_class, size_basis, onboarding_status, high_tech, \
             tech_sme, dishonest, created_at, updated_at) VALUES ('{}', '{}', '{}', '{}', '{}', \
             '{}', '{}', '{}', '{}', '{}', '{}', {}, {}, '{}', '{}', '{}', FALSE, FALSE, FALSE, \
             '{}', '{}')",
            r.id,
            r.credit_code,
            r.name,
            r.legal_representative,
            r.actual_controller,
            r.registered_on,
            r.address,
            r.contact_name,
            r.contact_phone,
            r.contact_email,
            r.industry,
            r.employees,
            r.revenue_fen,
            r.size_class.as_str(),
            r.size_basis.replace('\'', "''"),
            r.onboarding_status,
            r.created_at.format("%Y-%m-%d %H:%M:%S"),
            r.updated_at.format("%Y-%m-%d %H:%M:%S"),
        ))
        .unwrap();
    }
    let v1 = new_id();
    vouchers::insert_vouchers(conn, &[voucher(&v1, &batch, &f1, 1, Some("k-1"))]).unwrap();
    vouchers::insert_outcomes(
        conn,
        &[ClaimOutcomeRow {
            firm_id: hechuang::domain::id::FirmId::stored(f1.clone()),
            idempotency_key: "k-1".into(),
            batch_id: batch.id.clone(),
            outcome: "claimed".into(),
            voucher_id: Some(hechuang::domain::id::VoucherId::parse(&v1).expect("a uuid")),
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
    let kept = vouchers::vouchers_by_ids(
        conn,
        &[hechuang::domain::id::VoucherId::parse(&v1).expect("a uuid")],
    )
    .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].idempotency_key.as_deref(), Some("k-1"));
    assert_eq!(
        vouchers::outcomes_of_firms(
            conn,
            &batch.id,
            &[hechuang::domain::id::FirmId::stored(f1.clone())]
        )
        .unwrap()
        .len(),
        1
    );
    // A voucher whose programme is not its batch's programme is refused now.
    let mut wrong = voucher(&new_id(), &batch, &f2, 2, None);
    wrong.programme_id = p2;
    let r = vouchers::insert_vouchers(conn, &[wrong]);
    assert!(r.is_err(), "a voucher of another programme's batch was stored");
    // So is one of an unknown batch or firm; a good one is stored.
    let mut orphan = voucher(&new_id(), &batch, &f2, 3, None);
    orphan.batch_id = BatchId::new();
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
    let DbConnection::Sqlite(c) = &mut conn else { unreachable!() };
    // Foreign keys are back on and nothing dangles.
    #[derive(diesel::QueryableByName)]
    struct On {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        foreign_keys: i32,
    }
    let on: On = diesel::sql_query("PRAGMA foreign_keys").get_result(c).unwrap();
    assert_eq!(on.foreign_keys, 1);
    #[derive(diesel::QueryableByName)]
    struct Dangling {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table: String,
    }
    let dangling: Vec<Dangling> = diesel::sql_query("PRAGMA foreign_key_check").load(c).unwrap();
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

/// The migrations before `2026-11-23-000009_payout_item_keys`.
const BEFORE_PAYOUT_ITEM_KEYS: usize = 8;

fn exec(conn: &mut DbConnection, sql: &str) -> Result<usize, diesel::result::Error> {
    match conn {
        DbConnection::Pg(c) => diesel::sql_query(sql).execute(c),
        DbConnection::Sqlite(c) => diesel::sql_query(sql).execute(c),
    }
}

fn payout_item_count(conn: &mut DbConnection) -> i64 {
    use hechuang::db::schema::payout_items;
    payout_items::table.count().get_result(conn).unwrap()
}

/// Fills a database migrated up to before the payout-item-keys migration with a run, a
/// payout and an item it pays, migrates the rest, and checks that the item is kept and
/// that the triggers refuse what the foreign key refused.
fn check_payout_items(conn: &mut DbConnection) {
    // Written in SQL with the columns of that time: the models have columns added later
    // (`offset_fen`, 2026-12-06-000031_receivables).
    struct Payout {
        id: PayoutId,
    }
    let (run, payout) = (RunId::new(), Payout { id: PayoutId::new() });
    let now = "2026-11-01 00:00:00";
    exec(
        conn,
        &format!(
            "INSERT INTO settlement_runs (id, period, cutoff, status, origin, prepared_at, \
             payout_count, item_count, total_fen, held_back_count, held_back_fen) \
             VALUES ('{run}', '2026-10', '{now}', 'prepared', 'manual', '{now}', 1, 1, 100000, 0, 0)"
        ),
    )
    .unwrap();
    exec(
        conn,
        &format!(
            "INSERT INTO payouts (id, run_id, reference, payee_kind, payee_id, payee_name, \
             credit_code, bank_name, bank_account_name, bank_account_no, amount_fen, \
             item_count, status) VALUES ('{}', '{run}', 'HC202610-1-00001', 'provider', \
             '{}', '合肥迁移测试服务机构', '91340100MA0000001X', '中国银行', \
             '合肥迁移测试服务机构', '184661234567890', 100000, 1, 'pending')",
            payout.id,
            hechuang::domain::id::PartyId::new()
        ),
    )
    .unwrap();
    let item = |payout: &str, item: &str| {
        format!(
            "INSERT INTO payout_items (payout_id, item_kind, item_id, amount_fen, live) \
             VALUES ('{payout}', 'redemption', '{item}', 100000, true)"
        )
    };
    let kept_item = new_id();
    exec(conn, &item(payout.id.as_str(), &kept_item)).unwrap();

    let applied = hechuang::db::run_migrations(conn).unwrap();
    assert_eq!(
        applied.first().map(String::as_str),
        Some("20261123000009"),
        "the payout-item-keys migration ran first"
    );
    assert_eq!(payout_item_count(conn), 1, "the item is kept");

    // An item naming no payout is refused, alone or among good ones.
    assert!(exec(conn, &item(&new_id(), &new_id())).is_err());
    let many = format!(
        "INSERT INTO payout_items (payout_id, item_kind, item_id, amount_fen, live) VALUES \
         ('{}', 'redemption', '{}', 1, true), ('{}', 'redemption', '{}', 1, true)",
        payout.id,
        new_id(),
        new_id(),
        new_id()
    );
    assert!(exec(conn, &many).is_err());
    assert_eq!(payout_item_count(conn), 1, "nothing of the refused inserts");
    // An item's payout never changes; a payout is never deleted nor renamed.
    let moved =
        format!("UPDATE payout_items SET payout_id = '{}' WHERE item_id = '{kept_item}'", new_id());
    assert!(exec(conn, &moved).is_err());
    let deleted = format!("DELETE FROM payouts WHERE id = '{}'", payout.id);
    assert!(exec(conn, &deleted).is_err());
    let renamed = format!("UPDATE payouts SET id = '{}' WHERE id = '{}'", new_id(), payout.id);
    assert!(exec(conn, &renamed).is_err());
    // What the application does still works: another item, letting go of one, a
    // payout's result.
    exec(conn, &item(payout.id.as_str(), &new_id())).unwrap();
    let released = format!("UPDATE payout_items SET live = false WHERE item_id = '{kept_item}'");
    assert_eq!(exec(conn, &released).unwrap(), 1);
    let failed = format!(
        "UPDATE payouts SET status = 'failed', failure_reason = 'x' WHERE id = '{}'",
        payout.id
    );
    assert_eq!(exec(conn, &failed).unwrap(), 1);
    assert_eq!(payout_item_count(conn), 2);
}

#[test]
fn the_payout_item_keys_migration_keeps_items_and_refuses_orphans_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let mut c =
        SqliteConnection::establish(&dir.path().join("m.db").display().to_string()).unwrap();
    c.batch_execute("PRAGMA foreign_keys = ON").unwrap();
    for _ in 0..BEFORE_PAYOUT_ITEM_KEYS {
        c.run_next_migration(SQLITE_MIGRATIONS).unwrap();
    }
    check_payout_items(&mut DbConnection::Sqlite(c));
}

#[test]
fn the_payout_item_keys_migration_keeps_items_and_refuses_orphans_on_postgres() {
    if !is_postgres() {
        return; // the PostgreSQL pass of scripts/test runs this one
    }
    let base = std::env::var("TEST_DATABASE_URL").unwrap();
    let mut c = PgConnection::establish(&fresh_pg_database(&base)).unwrap();
    for _ in 0..BEFORE_PAYOUT_ITEM_KEYS {
        c.run_next_migration(PG_MIGRATIONS).unwrap();
    }
    check_payout_items(&mut DbConnection::Pg(c));
}

/// Counts `table`'s rows whose batch is their voucher's (through the order for items).
fn with_their_batch(conn: &mut DbConnection, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = match conn {
        DbConnection::Pg(c) => diesel::sql_query(sql).get_result(c),
        DbConnection::Sqlite(c) => diesel::sql_query(sql).get_result(c),
    }
    .unwrap();
    n.n
}

#[actix_web::test]
async fn the_batch_migration_gives_existing_orders_and_items_their_vouchers_batch() {
    let app = crate::helpers::spawn_app().await;
    let w = crate::orders::world(&app, "mbt").await;
    crate::settlement::make_payable(&app, &w, "mbt", &["1000.00", "2000.00"]).await;
    let orders_sql = "SELECT COUNT(*) AS n FROM orders o JOIN vouchers v ON v.id = o.voucher_id \
                      WHERE o.batch_id = v.batch_id";
    let items_sql = "SELECT COUNT(*) AS n FROM redemption_items i \
                     JOIN orders o ON o.id = i.order_id JOIN vouchers v ON v.id = o.voucher_id \
                     WHERE i.batch_id = v.batch_id";
    let mut conn = app.conn();
    let c: &mut DbConnection = &mut conn;
    assert_eq!((with_their_batch(c, orders_sql), with_their_batch(c, items_sql)), (2, 2));
    // Back to before the migration (the column gone), and forward again over the rows
    // (the migrations after `2026-12-05-000025_batch_on_orders` are reverted first and
    // run again after it).
    const AFTER: usize = 10;
    match c {
        DbConnection::Sqlite(s) => {
            for _ in 0..=AFTER {
                s.revert_last_migration(SQLITE_MIGRATIONS).unwrap();
            }
            for _ in 0..=AFTER {
                s.run_next_migration(SQLITE_MIGRATIONS).unwrap();
            }
        }
        DbConnection::Pg(p) => {
            for _ in 0..=AFTER {
                p.revert_last_migration(PG_MIGRATIONS).unwrap();
            }
            for _ in 0..=AFTER {
                p.run_next_migration(PG_MIGRATIONS).unwrap();
            }
        }
    }
    assert_eq!((with_their_batch(c, orders_sql), with_their_batch(c, items_sql)), (2, 2));
    drop(conn);
    // And the overview of the batch reads them.
    let auditor = app.staff_token("mbt_auditor", hechuang::domain::Role::Auditor).await;
    let batch = app.get("/api/v1/batches", Some(&w.admin)).await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d =
        app.get(&format!("/api/v1/dashboard?batch_id={batch}&fresh=true"), Some(&auditor)).await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["stages"]["payable"], "3000.00", "{}", d.body["stages"]);
}

#[actix_web::test]
async fn the_tallies_migration_counts_existing_rows_and_the_overview_reads_the_same() {
    let app = crate::helpers::spawn_app().await;
    let mut w = crate::orders::world(&app, "mtl").await;
    crate::settlement::make_payable(&app, &w, "mtl", &["1000.00", "2000.00"]).await;
    w.provider_token = app.token("mtl").await;
    let o = w.order(&app, "700.00").await;
    assert_eq!(w.provider_does(&app, &o, "accept", serde_json::json!({})).await.status, 200);
    let auditor = app.staff_token("mtl_auditor", hechuang::domain::Role::Auditor).await;
    let overview = |d: serde_json::Value| {
        let mut d = d;
        d.as_object_mut().unwrap().remove("as_of");
        d
    };
    let before = overview(app.get("/api/v1/dashboard?fresh=true", Some(&auditor)).await.body);
    assert_eq!(before["stages"]["payable"], "3000.00", "{}", before["stages"]);
    // Back to before the migration (no tallies), and forward again: the tallies and
    // holders are counted from the rows there are. (The migrations after
    // `2026-12-05-000027_overview_tallies` are reverted first and run again after it.)
    const AFTER: usize = 8;
    let mut conn = app.conn();
    let c: &mut DbConnection = &mut conn;
    for _ in 0..=AFTER {
        match c {
            DbConnection::Sqlite(s) => drop(s.revert_last_migration(SQLITE_MIGRATIONS).unwrap()),
            DbConnection::Pg(p) => drop(p.revert_last_migration(PG_MIGRATIONS).unwrap()),
        }
    }
    assert!(exec(c, "SELECT COUNT(*) FROM tallies").is_err(), "the tallies are gone");
    for _ in 0..=AFTER {
        match c {
            DbConnection::Sqlite(s) => drop(s.run_next_migration(SQLITE_MIGRATIONS).unwrap()),
            DbConnection::Pg(p) => drop(p.run_next_migration(PG_MIGRATIONS).unwrap()),
        }
    }
    drop(conn);
    let after = overview(app.get("/api/v1/dashboard?fresh=true", Some(&auditor)).await.body);
    assert_eq!(after, before);
    // Dropping the app runs `ledger verify`, which recounts every tally and holder.
}

#[actix_web::test]
async fn the_scores_migration_counts_the_ratings_already_given() {
    let app = crate::helpers::spawn_app().await;
    let w = crate::orders::world(&app, "msc").await;
    for s in [5, 3] {
        let o = w.confirmed_order(&app, "500.00").await;
        let r = app
            .post(
                &format!("/api/v1/orders/{o}/rating"),
                Some(&w.firm.token),
                &serde_json::json!({"quality": s, "timeliness": s, "value": 4}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let score = || async {
        let r = app.get(&format!("/api/v1/public/providers/{}/ratings", w.provider), None).await;
        (r.body["score"].clone(), r.body["ratings"].clone())
    };
    let before = score().await;
    assert_eq!(before, (serde_json::json!("4.00"), serde_json::json!(2)));
    // Back to before `2026-12-06-000029_provider_scores` (the kept scores are gone) and
    // forward again: the scores are counted from the ratings there are. (The migrations
    // after it are reverted first and run again after it.)
    const AFTER: usize = 6;
    let mut conn = app.conn();
    let c: &mut DbConnection = &mut conn;
    for _ in 0..=AFTER {
        match c {
            DbConnection::Sqlite(s) => drop(s.revert_last_migration(SQLITE_MIGRATIONS).unwrap()),
            DbConnection::Pg(p) => drop(p.revert_last_migration(PG_MIGRATIONS).unwrap()),
        }
    }
    assert!(exec(c, "SELECT COUNT(*) FROM provider_scores").is_err(), "the scores are gone");
    for _ in 0..=AFTER {
        match c {
            DbConnection::Sqlite(s) => drop(s.run_next_migration(SQLITE_MIGRATIONS).unwrap()),
            DbConnection::Pg(p) => drop(p.run_next_migration(PG_MIGRATIONS).unwrap()),
        }
    }
    drop(conn);
    assert_eq!(score().await, before);
    // Dropping the app runs `ledger verify`, which recounts every provider's score.
}
