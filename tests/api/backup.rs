//! `hechuang backup` during writes and `hechuang restore`: the restored database and its
//! evidence verify (audit chain, ledger); a damaged backup, a running server or an
//! existing target folder are refused and change nothing.

use crate::helpers::{config_dir, is_postgres, spawn_app, TestApp};
use crate::orders::world;
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output};

/// The binary with the app's database and data folder (or others), on a port.
fn cli(db_url: &str, data_dir: &Path, port: u16, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hechuang"))
        .args(args)
        .env("HECHUANG_CONFIG_DIR", config_dir())
        .env("HECHUANG_PROFILE", "test")
        .env("HECHUANG__DATABASE__URL", db_url)
        .env("HECHUANG__DATA__DIR", data_dir)
        .env("HECHUANG__SERVER__PORT", port.to_string())
        .output()
        .expect("hechuang runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn count(c: &mut hechuang::db::DbConnection, table: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result::<N>(c).unwrap().n
}

fn app_port(app: &TestApp) -> u16 {
    app.addr.rsplit(':').next().unwrap().parse().unwrap()
}

#[actix_web::test]
async fn a_backup_taken_during_writes_restores_and_verifies() {
    let app = spawn_app().await;
    let data = app.dir.path().join("data");
    let target = app.dir.path().join("backup-1");
    if is_postgres() {
        let o = cli(&app.db_url, &data, 0, &["backup", "--to", target.to_str().unwrap()]);
        assert!(!o.status.success());
        assert!(text(&o).contains("backup_postgres_use_pg_dump"), "{}", text(&o));
        assert!(!target.exists(), "nothing left behind");
        return;
    }
    // Evidence on disk, then a stream of claims while the backup is taken.
    let w = world(&app, "bkp").await;
    let o = w.confirmed_order(&app, "12000.00").await;
    // A party's document and a notice's attachment are files too.
    let r = app
        .post_bytes(
            "/api/v1/me/documents?kind=business_licence",
            Some(&w.firm.token),
            crate::orders::PNG.to_vec(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let licence_sha = r.body["sha256"].as_str().unwrap().to_string();
    let admin = app.token("admin_bkp").await;
    let batch =
        crate::claims::batch(&app, &admin, json!({}), json!({"budget": "5000000.00"})).await;
    let firms = crate::claims::bulk_firms(&app, 80, "small", true, None);
    app.clock.advance(chrono::Duration::hours(1));
    // Claims go on before, during and after the backup: the last ten wait for it to end.
    let backed_up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/batches/{batch}/claims"));
        let done = backed_up.clone();
        actix_web::rt::spawn(async move {
            let (n, mut ok) = (firms.len(), 0);
            for (i, f) in firms.into_iter().enumerate() {
                if i == n - 10 {
                    while !done.load(std::sync::atomic::Ordering::SeqCst) {
                        actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
                    }
                }
                let r = client
                    .post(&url)
                    .insert_header(("Authorization", format!("Bearer {}", f.token)))
                    .send_json(&json!({}))
                    .await;
                if r.is_ok_and(|r| r.status().as_u16() == 201) {
                    ok += 1;
                }
            }
            ok
        })
    };
    while app.count("vouchers") < 6 {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (db_url, data2, t) = (app.db_url.clone(), data.clone(), target.clone());
    let backup = actix_web::rt::task::spawn_blocking(move || {
        cli(&db_url, &data2, 0, &["backup", "--to", t.to_str().unwrap()])
    })
    .await
    .unwrap();
    backed_up.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(backup.status.success(), "{}", text(&backup));
    // The order's four documents and the firm's licence: five files.
    assert!(text(&backup).contains("evidence: 5 files"), "{}", text(&backup));
    let claimed = writer.await.unwrap();
    assert_eq!(claimed, 80, "every claim went through around the backup");

    // Into an existing folder: refused.
    let again = cli(&app.db_url, &data, 0, &["backup", "--to", target.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(text(&again).contains("backup_target_exists"), "{}", text(&again));

    // Restored elsewhere: the database and every evidence file, verified.
    let elsewhere = tempfile::tempdir().unwrap();
    let new_db = format!("sqlite://{}", elsewhere.path().join("restored.db").display());
    let new_data = elsewhere.path().join("data");
    let r = cli(&new_db, &new_data, 0, &["restore", "--from", target.to_str().unwrap()]);
    assert!(r.status.success(), "{}", text(&r));
    assert!(text(&r).contains("audit chain OK") && text(&r).contains("ledger OK"), "{}", text(&r));
    for check in [["ledger", "verify"], ["audit", "verify"]] {
        let v = cli(&new_db, &new_data, 0, &check);
        assert!(v.status.success(), "{check:?}: {}", text(&v));
    }
    let restored =
        hechuang::db::build_pool(&new_db, 1, 1000, std::time::Duration::from_secs(5)).unwrap();
    let mut c = restored.get().unwrap();
    let ev = hechuang::db::orders::evidence_of(
        &mut c,
        &hechuang::domain::id::OrderId::parse(&o).unwrap(),
    )
    .unwrap();
    assert_eq!(ev.len(), 4);
    let store = hechuang::files::FileStore::open(&new_data, 1 << 20).unwrap();
    for e in &ev {
        let bytes = store.read(&e.sha256).unwrap();
        assert_eq!(hechuang::files::sha256_hex(&bytes), e.sha256);
    }
    let licence = store.read(&licence_sha).unwrap();
    assert_eq!(licence, crate::orders::PNG, "the party's document came back too");
    let vouchers_then = count(&mut c, "vouchers");
    let vouchers_now = app.count("vouchers");
    // One point in time among the claims: some before it (and the world's voucher),
    // at least the last ten after it.
    assert!(
        vouchers_then > 5 && vouchers_then <= vouchers_now - 10,
        "a point in time during the claims: {vouchers_then} of {vouchers_now}"
    );

    // Over the live database while its server runs: refused, nothing touched.
    let before = app.count("vouchers");
    let r =
        cli(&app.db_url, &data, app_port(&app), &["restore", "--from", target.to_str().unwrap()]);
    assert!(!r.status.success());
    assert!(text(&r).contains("database_in_use"), "{}", text(&r));
    assert_eq!(app.count("vouchers"), before);

    // A damaged backup: refused before anything is replaced.
    let db_copy = target.join("hechuang.db");
    let mut bytes = std::fs::read(&db_copy).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&db_copy, bytes).unwrap();
    let other = tempfile::tempdir().unwrap();
    let other_db = format!("sqlite://{}", other.path().join("x.db").display());
    let r = cli(
        &other_db,
        &other.path().join("data"),
        0,
        &["restore", "--from", target.to_str().unwrap()],
    );
    assert!(!r.status.success());
    assert!(text(&r).contains("backup_damaged"), "{}", text(&r));
    assert!(!other.path().join("x.db").exists(), "nothing restored");
}
