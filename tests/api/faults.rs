//! Faults of resources and connections (issue 20): a full disk (SQLite) and a
//! connection the PostgreSQL server terminates answer 503 `service_unavailable` with
//! `Retry-After`, write nothing half-way, and `/ready` tells the truth.

use crate::cli::{can_mount, Mount};
use crate::helpers::{is_postgres, spawn_app, spawn_app_with};
use hechuang::domain::Role;
use serde_json::json;

async fn programme(app: &crate::helpers::TestApp, admin: &str, n: usize) -> crate::helpers::Resp {
    app.post(
        "/api/v1/programmes",
        Some(admin),
        &json!({"code": format!("FULL{n}"), "name": "合创券"}),
    )
    .await
}

/// SQLite on a file system that fills up: writes that no longer fit answer 503 with
/// Retry-After, `/ready` fails while a write cannot be taken, and both recover when
/// space is freed; every answered write is whole (audit chain and ledger verify).
#[actix_web::test]
async fn a_full_disk_answers_503_and_readiness_says_so() {
    if is_postgres() || !can_mount() {
        eprintln!("skipped: SQLite on a tmpfs of its own (PostgreSQL has its own test)");
        return;
    }
    let m = Mount::tmpfs("size=4m");
    let url = format!("sqlite://{}", m.path().join("full.db").display());
    let app = spawn_app_with(move |s| {
        s.database.url = secrecy::SecretString::from(url);
        s.database.sqlite_min_free_bytes = 64 * 1024;
    })
    .await;
    let admin = app.staff_token("full_admin", Role::Admin).await;
    assert_eq!(app.get("/ready", None).await.status, 200);
    let mut created = 0;
    let r = programme(&app, &admin, 0).await;
    assert_eq!(r.status, 201, "{}", r.body);
    created += 1;

    // Fill the disk.
    let filler = m.path().join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![7u8; 16 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    }
    // Writes go on while they fit in what the log already holds; the first that does
    // not is refused as a fault of the service, not of the request.
    let mut refused = None;
    for n in 1..2000 {
        let r = programme(&app, &admin, n).await;
        if r.status == 201 {
            created += 1;
            continue;
        }
        refused = Some(r);
        break;
    }
    let r = refused.expect("a write failed on the full disk");
    assert_eq!((r.status.as_u16(), r.code()), (503, "service_unavailable"), "{}", r.body);
    assert_eq!(r.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    let ready = app.get("/ready", None).await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert!(ready.headers.contains_key("retry-after"));

    // Space again: ready, and writes are taken.
    std::fs::remove_file(&filler).unwrap();
    let mut ok = false;
    for _ in 0..50 {
        if app.get("/ready", None).await.status == 200 {
            ok = true;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ok, "ready again once space is freed");
    let r = programme(&app, &admin, 9999).await;
    assert_eq!(r.status, 201, "{}", r.body);
    created += 1;
    assert_eq!(app.count("programmes"), created, "nothing half-written");
    let aud = app.staff_token("full_aud", Role::Auditor).await;
    let r = app.get("/api/v1/audit/verify", Some(&aud)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
}

/// PostgreSQL: the server terminates the connection a request is using (an operator's
/// `pg_terminate_backend`, a failover): the request answers 503 with Retry-After and
/// wrote nothing; the pool replaces the connection, so `/ready` and a retry succeed.
#[actix_web::test]
async fn a_terminated_connection_answers_503_and_a_retry_succeeds() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, RunQueryDsl};
    if !is_postgres() {
        eprintln!("skipped: PostgreSQL connections (SQLite has its own test)");
        return;
    }
    let app = spawn_app().await;
    let admin = app.staff_token("term_admin", Role::Admin).await;
    let batch_id =
        crate::claims::batch(&app, &admin, json!({}), json!({"budget": "100000.00"})).await;
    // Hold the batch's row, so the top-up waits on it inside its transaction.
    let mut blocker = diesel::PgConnection::establish(&app.db_url).unwrap();
    blocker
        .batch_execute(&format!(
            "BEGIN; SELECT id FROM batches WHERE id = '{batch_id}' FOR UPDATE;"
        ))
        .unwrap();
    let topup = app.spawn_send(
        "POST",
        &format!("/api/v1/batches/{batch_id}/topups"),
        Some(&admin),
        json!({"amount": "5000.00", "reason": "追加"}),
    );
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut terminated = 0;
    for _ in 0..200 {
        let r: N = diesel::sql_query(
            "SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
             WHERE wait_event_type = 'Lock' AND datname = current_database()",
        )
        .get_result(&mut blocker)
        .unwrap();
        if r.n > 0 {
            terminated = r.n;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(terminated, 1, "the waiting top-up's connection was terminated");
    let (status, body, retry) = topup.await.unwrap();
    assert_eq!(
        (status, body["code"].as_str().unwrap_or("")),
        (503, "service_unavailable"),
        "{body}"
    );
    assert_eq!(retry.as_deref(), Some("5"));
    blocker.batch_execute("COMMIT").unwrap();
    assert_eq!(app.count("batch_topups"), 0, "nothing half-written");
    assert_eq!(app.get("/ready", None).await.status, 200);
    let r = app
        .post(
            &format!("/api/v1/batches/{batch_id}/topups"),
            Some(&admin),
            &json!({"amount": "5000.00", "reason": "追加"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["budget"], "105000.00");
}
