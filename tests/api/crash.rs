//! Crashes: the real server process is killed with SIGKILL in the middle of a claim storm,
//! several times, and restarted. Afterwards every claim that was answered 201 exists, no
//! firm holds two vouchers of the batch, nothing beyond the budget was issued, the ledger
//! balances, the audit chain verifies, and each voucher's email is queued once and sent
//! once. On SQLite and on PostgreSQL.

use crate::claims::bulk_firms;
use crate::helpers::{config_dir, free_port, spawn_app, TestApp};
use chrono::Duration;
use hechuang::domain::id::RunId;
use hechuang::domain::Role;
use rand::Rng;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(db_url: &str, data: &std::path::Path, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_hechuang"))
        .arg("serve")
        .env("HECHUANG_CONFIG_DIR", config_dir())
        .env("HECHUANG_PROFILE", "test")
        .env("HECHUANG__DATABASE__URL", db_url)
        .env("HECHUANG__DATA__DIR", data)
        .env("HECHUANG__SERVER__PORT", port.to_string())
        .env("HECHUANG__SERVER__WORKERS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server process starts");
    Server(child)
}

async fn ready(app: &TestApp, port: u16) {
    for _ in 0..150 {
        if let Ok(r) = app.client.get(format!("http://127.0.0.1:{port}/ready")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("server on {port} did not become ready");
}

#[actix_web::test]
async fn killed_mid_storm_the_server_loses_and_oversells_nothing() {
    // The in-process app only prepares and inspects the database.
    let app = spawn_app().await;
    let admin = app.staff_token("crash_admin", Role::Admin).await;
    let r = app
        .post("/api/v1/programmes", Some(&admin), &json!({"code": "CRASH", "name": "合创券"}))
        .await;
    let pid = r.body["id"].as_str().unwrap().to_string();
    // 120 vouchers for 400 firms: the budget runs out during the rounds.
    let opens = chrono::Utc::now() + Duration::seconds(2);
    let r = app
        .post(
            &format!("/api/v1/programmes/{pid}/batches"),
            Some(&admin),
            &json!({
            "name": "第一期", "budget": "6000000.00", "face_values": ["50000.00"],
            "opens_at": opens.to_rfc3339(), "closes_at": (opens + Duration::hours(1)).to_rfc3339(),
            "publish": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let batch = r.body["id"].as_str().unwrap().to_string();
    let firms = bulk_firms(&app, 400, "small", true, None);
    let data = app.dir.path().join("data");
    let wait = (opens - chrono::Utc::now()).to_std().unwrap_or_default();
    actix_web::rt::time::sleep(wait + std::time::Duration::from_millis(50)).await;

    let mut answered: Vec<(String, String)> = Vec::new(); // (firm, voucher id) answered 201
    let mut rng = rand::rng();
    let mut cut_off = 0;
    for round in firms.chunks(100) {
        let port = free_port();
        let server = start(&app.db_url, &data, port);
        ready(&app, port).await;
        let url = format!("http://127.0.0.1:{port}/api/v1/batches/{batch}/claims");
        let mut handles = Vec::new();
        let answers = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for (i, f) in round.iter().enumerate() {
            let (client, url, token, firm) =
                (app.client.clone(), url.clone(), f.token.clone(), f.id.clone());
            let answers = answers.clone();
            handles.push(actix_web::rt::spawn(async move {
                // Arrivals spread over a tenth of a second, as at a real opening.
                actix_web::rt::time::sleep(std::time::Duration::from_millis(i as u64)).await;
                let res = client
                    .post(url)
                    .insert_header(("Authorization", format!("Bearer {token}")))
                    .send()
                    .await;
                if res.is_ok() {
                    answers.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                match res {
                    Ok(mut r) if r.status().as_u16() == 201 => match r.json::<Value>().await {
                        Ok(v) => Ok(Some((firm, v["id"].as_str().unwrap_or_default().to_string()))),
                        Err(_) => Err(()),
                    },
                    Ok(_) => Ok(None),
                    // Cut off by the kill.
                    Err(_) => Err(()),
                }
            }));
        }
        // SIGKILL at a random point of the storm: after the first few answers.
        let after = rng.random_range(1..8);
        for _ in 0..2000 {
            if answers.load(std::sync::atomic::Ordering::SeqCst) >= after {
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        drop(server);
        for h in handles {
            match h.await.unwrap() {
                Ok(Some(won)) => answered.push(won),
                Ok(None) => {}
                Err(()) => cut_off += 1,
            }
        }
    }

    assert!(cut_off > 0, "the kills cut requests off mid-storm");
    eprintln!("{} claims answered 201, {cut_off} cut off by SIGKILL", answered.len());

    // After the last crash, a clean start.
    let port = free_port();
    let _server = start(&app.db_url, &data, port);
    ready(&app, port).await;

    // The rest of the firms claim on the restarted server until the budget is gone.
    let url = format!("http://127.0.0.1:{port}/api/v1/batches/{batch}/claims");
    let mut rest = Vec::new();
    for f in &firms {
        let (client, url, token) = (app.client.clone(), url.clone(), f.token.clone());
        rest.push(actix_web::rt::spawn(async move {
            client
                .post(url)
                .insert_header(("Authorization", format!("Bearer {token}")))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    for h in rest {
        let status = h.await.unwrap();
        assert!([201, 409].contains(&status), "after the restart: {status}");
    }
    assert_eq!(app.count("vouchers"), 120, "the budget spent exactly, not beyond");

    let mut c = app.conn();
    let mut held: HashSet<String> = HashSet::new();
    for (firm, voucher) in &answered {
        let v = hechuang::db::vouchers::vouchers_of_firm(
            &mut c,
            &hechuang::domain::id::FirmId::stored(firm.clone()),
        )
        .unwrap();
        assert!(
            v.iter().any(|v| &v.id == voucher),
            "voucher {voucher} was answered 201 but is gone"
        );
        held.insert(firm.clone());
    }
    let vouchers = app.count("vouchers");
    assert!(vouchers <= 120, "{vouchers} vouchers for a budget of 120");
    assert!(vouchers as usize >= answered.len());
    let firms_with = {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query("SELECT COUNT(DISTINCT firm_id) AS n FROM vouchers")
            .get_result::<N>(&mut c)
            .unwrap()
            .n
    };
    assert_eq!(firms_with, vouchers, "no firm holds two vouchers");
    let fin = app.staff_token("crash_fin", Role::Finance).await;
    let r = app.get("/api/v1/ledger/verify", Some(&fin)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
    let auditor = app.staff_token("crash_auditor", Role::Auditor).await;
    let r = app.get("/api/v1/audit/verify", Some(&auditor)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
    let r = app.get(&format!("/api/v1/batches/{batch}"), None).await;
    assert_eq!(
        r.body["vouchers_claimed"].as_i64(),
        Some(vouchers),
        "the batch counts what exists: {}",
        r.body
    );

    // Each voucher's email queued once, and sent once by the dispatcher.
    let outbox = app.outbox();
    let claimed_mail: Vec<_> = outbox.iter().filter(|m| m.kind == "claim_succeeded").collect();
    assert_eq!(claimed_mail.len() as i64, vouchers, "one email per voucher");
    let admin = app.token("crash_admin").await;
    let pending = || {
        app.outbox()
            .into_iter()
            .filter(|m| m.kind == "claim_succeeded" && m.status.as_str() != "sent")
            .count()
    };
    for _ in 0..6 {
        if pending() == 0 {
            break;
        }
        // One run per slot (a second): the dispatcher sends a batch each time.
        app.clock.advance(Duration::seconds(5));
        let r = app.run_job(&admin, "outbox_dispatch", None).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    assert_eq!(pending(), 0, "every claim email sent");
    let keys: HashSet<_> = claimed_mail.iter().map(|m| m.body.clone()).collect();
    assert_eq!(keys.len(), claimed_mail.len(), "no voucher's email twice");
}

/// The payouts of a run as stored: (reference, status).
fn payouts(app: &TestApp, run: &str) -> Vec<(String, String)> {
    let mut c = app.conn();
    hechuang::db::settlement::payouts_of(&mut c, &RunId::parse(run).expect("a run id"))
        .unwrap()
        .into_iter()
        .map(|p| (p.reference, p.status.to_string()))
        .collect()
}

#[actix_web::test]
async fn killed_during_export_and_results_import_nothing_is_paid_twice() {
    let app = spawn_app().await;
    // Three providers with payable items, one run approved by a second finance user.
    for tag in ["crs_a", "crs_b", "crs_c"] {
        let w = crate::orders::world(&app, tag).await;
        crate::settlement::make_payable(&app, &w, tag, &["12000.00", "8000.00"]).await;
    }
    let period = app.end_the_month();
    let maker = app.staff_token("crs_maker", Role::Finance).await;
    let checker = app.staff_token("crs_checker", Role::Finance).await;
    let run = crate::settlement::approved_run(&app, &period, &maker, &checker).await;
    let refs: Vec<String> = payouts(&app, &run).into_iter().map(|(r, _)| r).collect();
    assert_eq!(refs.len(), 3);
    // The bank's answer: every payout paid (the child servers run on the real clock).
    let today = hechuang::domain::china_time(chrono::Utc::now().naive_utc()).date();
    let mut results = String::from("reference,status,amount,bank_reference,paid_on,reason\n");
    let mut c = app.conn();
    let run_id = RunId::parse(&run).expect("a run id");
    for p in hechuang::db::settlement::payouts_of(&mut c, &run_id).unwrap() {
        results.push_str(&format!(
            "{},成功,{},BOC{},{today},\n",
            p.reference,
            p.amount_fen,
            &p.id.as_str()[p.id.as_str().len() - 8..]
        ));
    }
    drop(c);

    let data = app.dir.path().join("data");
    let mut rng = rand::rng();
    let mut cut_off = 0;
    for _ in 0..8 {
        let port = free_port();
        let server = start(&app.db_url, &data, port);
        ready(&app, port).await;
        let base = format!("http://127.0.0.1:{port}/api/v1/settlement-runs/{run}");
        let (c1, c2) = (app.client.clone(), app.client.clone());
        let (t1, t2) = (checker.clone(), checker.clone());
        let (export_url, import_url) =
            (format!("{base}/bank-file?format=csv"), format!("{base}/results"));
        let body = results.clone();
        let export = actix_web::rt::spawn(async move {
            c1.get(export_url)
                .insert_header(("Authorization", format!("Bearer {t1}")))
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
        let import = actix_web::rt::spawn(async move {
            c2.post(import_url)
                .insert_header(("Authorization", format!("Bearer {t2}")))
                .insert_header(("Content-Type", "text/csv"))
                .send_body(body)
                .await
                .map(|r| r.status().as_u16())
        });
        // Within the few milliseconds the two requests take.
        actix_web::rt::time::sleep(std::time::Duration::from_micros(rng.random_range(0..6000)))
            .await;
        drop(server);
        let (e, i) = (export.await.unwrap(), import.await.unwrap());
        cut_off += usize::from(e.is_err()) + usize::from(i.is_err());
        // Whatever the kill interrupted: each payout is pending or paid, never twice.
        for (reference, status) in payouts(&app, &run) {
            assert!(status == "pending" || status == "paid", "{reference}: {status}");
        }
    }

    assert!(cut_off > 0, "the kills cut requests off");

    // A clean start: export (again, if it was lost) and import until all are paid.
    let port = free_port();
    let _server = start(&app.db_url, &data, port);
    ready(&app, port).await;
    let base = format!("http://127.0.0.1:{port}/api/v1/settlement-runs/{run}");
    let r = app
        .client
        .get(format!("{base}/bank-file?format=csv"))
        .insert_header(("Authorization", format!("Bearer {checker}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let mut r = app
        .client
        .post(format!("{base}/results"))
        .insert_header(("Authorization", format!("Bearer {checker}")))
        .insert_header(("Content-Type", "text/csv"))
        .send_body(results.clone())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let report: Value = r.json().await.unwrap();
    let applied = report["applied"].as_u64().unwrap();
    let already = report["mismatched"].as_array().unwrap().len() as u64;
    assert_eq!(applied + already, 3, "{report}");
    assert!(payouts(&app, &run).iter().all(|(_, s)| s == "paid"));
    // Once more: nothing is paid again.
    let mut r = app
        .client
        .post(format!("{base}/results"))
        .insert_header(("Authorization", format!("Bearer {checker}")))
        .insert_header(("Content-Type", "text/csv"))
        .send_body(results)
        .await
        .unwrap();
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["applied"], 0, "{report}");
    let fin = app.token("crs_maker").await;
    let r = app.get("/api/v1/ledger/verify", Some(&fin)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
    let auditor = app.staff_token("crs_auditor", Role::Auditor).await;
    let r = app.get("/api/v1/audit/verify", Some(&auditor)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
    let paid_mail = app.outbox().into_iter().filter(|m| m.kind == "payout_paid").count();
    assert_eq!(paid_mail, 3, "one payment email per payout");
}
