//! Lottery batches (摇号): registration before the opening, one seeded draw at the
//! opening, and a public record from which anyone can recompute the draw.

use crate::claims::{batch, bulk_firms, ledger_ok, Firm};
use crate::helpers::{only_scheduled, spawn_app, spawn_app_with, spawn_second, TestApp};
use chrono::Duration;
use hechuang::domain::Role;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A published lottery batch opening in one hour: `budget` yuan in 50,000 vouchers.
async fn lottery_batch(app: &TestApp, admin: &str, budget: &str) -> String {
    batch(
        app,
        admin,
        json!({}),
        json!({"allocation_mode": "lottery", "budget": budget, "face_values": ["50000.00"]}),
    )
    .await
}

async fn enter(app: &TestApp, batch_id: &str, firm: &Firm, body: Value) -> crate::helpers::Resp {
    app.put(&format!("/api/v1/batches/{batch_id}/lottery/entry"), Some(&firm.token), &body).await
}

/// Recomputes the draw from the public record alone, as any reader could.
fn recompute(record: &Value) -> Vec<String> {
    let seed = record["seed"].as_str().expect("seed revealed");
    assert_eq!(sha256_hex(seed), record["seed_hash"], "the seed fits its commitment");
    let results = record["results"].as_array().unwrap();
    let mut codes: Vec<&str> = results.iter().map(|r| r["credit_code"].as_str().unwrap()).collect();
    codes.sort();
    let digest = sha256_hex(&codes.join("\n"));
    assert_eq!(record["entrants_digest"], digest.as_str());
    let mut keyed: Vec<(String, &str)> =
        codes.iter().map(|c| (sha256_hex(&format!("{seed}:{digest}:{c}")), *c)).collect();
    keyed.sort();
    for r in results {
        let code = r["credit_code"].as_str().unwrap();
        let key = &keyed.iter().find(|k| k.1 == code).unwrap().0;
        assert_eq!(r["key"], key.as_str(), "published key of {code}");
    }
    keyed.into_iter().map(|(_, c)| c.to_string()).collect()
}

#[actix_web::test]
async fn a_lottery_is_drawn_once_and_anyone_can_recompute_it() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let batch_id = lottery_batch(&app, &admin, "250000.00").await; // 5 vouchers
    let firms = bulk_firms(&app, 12, "small", true, None);
    let outsider = &bulk_firms(&app, 1, "small", false, None)[0];
    let path = format!("/api/v1/batches/{batch_id}/lottery");

    // Before registration: the commitment is public, the seed is not.
    let r = app.get(&path, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["drawn"], false);
    assert_eq!(r.body["entrants"], 0);
    assert!(r.body["seed"].is_null());
    let seed_hash = r.body["seed_hash"].as_str().unwrap().to_string();
    assert_eq!(seed_hash.len(), 64);

    // A lottery batch takes no claims, before or after the opening.
    let claim = format!("/api/v1/batches/{batch_id}/claims");
    let r = app.post(&claim, Some(&firms[0].token), &json!({})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "batch_allocated_by_lottery");

    let mut codes = BTreeSet::new();
    for f in &firms {
        let r = enter(&app, &batch_id, f, json!({})).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["status"], "registered");
        assert_eq!(r.body["face_value"], "50000.00");
        codes.insert(r.body["credit_code"].as_str().unwrap().to_string());
    }
    // Registering again changes nothing.
    let r = enter(&app, &batch_id, &firms[1], json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Refusals store nothing.
    let r = enter(&app, &batch_id, outsider, json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "firm_not_eligible"));
    let r = enter(&app, &batch_id, &firms[2], json!({"face_value": "40000.00"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "face_value_not_offered"));
    // One firm withdraws.
    let mine = format!("{path}/entry");
    let r = app.send("DELETE", &mine, Some(&firms[11].token), None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    codes.remove(&firm_code(&app, &firms[11]));
    let r = app.get(&mine, Some(&firms[11].token)).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
    let r = app.get(&path, None).await;
    assert_eq!(r.body["entrants"], 11);
    // Between registration and the draw, one firm gets a dishonesty record.
    app.exec(&format!("UPDATE firms SET dishonest = TRUE WHERE id = '{}'", firms[0].id)).unwrap();

    let draw = format!("{path}/draw");
    let r = app.post(&draw, Some(&admin), &json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "lottery_not_due"));

    app.clock.advance(Duration::hours(1)); // the opening instant
    let admin = app.staff_token("admin2", Role::Admin).await;
    let r = enter(&app, &batch_id, &firms[3], json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "lottery_registration_closed"));
    let r = app.send("DELETE", &mine, Some(&firms[3].token), None).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "lottery_registration_closed"));

    let r = app.post(&draw, Some(&admin), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["drawn"], true);
    assert_eq!(r.body["seed_hash"], seed_hash.as_str(), "commitment unchanged");
    assert_eq!(r.body["entrants"], 11);
    assert_eq!(r.body["winners"], 5);
    let record = app.get(&path, None).await.body;
    assert_eq!(record, r.body, "the public record is what the draw returned");

    // Anyone can recompute the order from the record.
    let order = recompute(&record);
    let results = record["results"].as_array().unwrap();
    let published: Vec<&str> = results.iter().map(|r| r["credit_code"].as_str().unwrap()).collect();
    assert_eq!(published, order, "results are listed in draw order");
    assert_eq!(
        published.iter().map(|c| c.to_string()).collect::<BTreeSet<_>>(),
        codes,
        "every entrant, and only they, took part"
    );
    let ranks: Vec<i64> = results.iter().map(|r| r["rank"].as_i64().unwrap()).collect();
    assert_eq!(ranks, (1..=11).collect::<Vec<i64>>());

    // Winners are the first five eligible entrants in draw order; the dishonest firm is
    // refused whatever its rank; everyone after the budget ran out lost.
    let dishonest = firm_code(&app, &firms[0]);
    let mut won = 0;
    for r in results {
        let code = r["credit_code"].as_str().unwrap();
        let expected = if code == dishonest {
            "firm_not_eligible"
        } else if won < 5 {
            won += 1;
            "won"
        } else {
            "lost"
        };
        assert_eq!(r["outcome"], expected, "{r}");
        assert_eq!(r["voucher_code"].is_string(), expected == "won", "{r}");
    }
    assert_eq!(won, 5);

    // Each firm sees its own result; a winner holds the voucher, in draw order.
    let mut seqs = Vec::new();
    for f in &firms[..11] {
        let code = firm_code(&app, f);
        let public = results.iter().find(|r| r["credit_code"] == code.as_str()).unwrap();
        let r = app.get(&mine, Some(&f.token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["status"], public["outcome"]);
        assert_eq!(r.body["draw_rank"], public["rank"]);
        let vouchers = app.get("/api/v1/firm/vouchers", Some(&f.token)).await.body;
        if public["outcome"] == "won" {
            assert_eq!(r.body["voucher"]["code"], public["voucher_code"]);
            assert_eq!(vouchers[0]["code"], public["voucher_code"]);
            seqs.push((
                public["rank"].as_i64().unwrap(),
                r.body["voucher"]["seq_in_batch"].as_i64().unwrap(),
            ));
        } else {
            assert!(r.body["voucher"].is_null());
            assert_eq!(vouchers.as_array().unwrap().len(), 0);
        }
    }
    seqs.sort();
    assert_eq!(seqs.iter().map(|s| s.1).collect::<Vec<_>>(), (1..=5).collect::<Vec<i64>>());

    // Once only; still no claims; the money adds up.
    let r = app.post(&draw, Some(&admin), &json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "lottery_already_drawn"));
    let r = app.post(&claim, Some(&firms[5].token), &json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "batch_allocated_by_lottery"));
    let s = app.get(&format!("/api/v1/batches/{batch_id}/state"), None).await.body;
    assert_eq!(s["remaining"], "0.00");
    assert_eq!(s["vouchers_claimed"], 5);
    assert_eq!(app.count("vouchers"), 5);
    let (balance, unbalanced) = ledger_ok(&app, &batch_id);
    assert_eq!(balance, 0);
    assert!(unbalanced.is_empty(), "{unbalanced:?}");
    let aud = app.staff_token("aud", Role::Auditor).await;
    assert_eq!(app.get("/api/v1/audit/verify", Some(&aud)).await.body["ok"], true);
    let events = app
        .get(
            &format!("/api/v1/audit/events?entity_type=batch&entity_id={batch_id}&limit=100"),
            Some(&aud),
        )
        .await
        .body;
    let count =
        |action: &str| events.as_array().unwrap().iter().filter(|e| e["action"] == action).count();
    assert_eq!(count("lottery.created"), 1);
    assert_eq!(count("lottery.entered"), 12);
    assert_eq!(count("lottery.withdrawn"), 1);
    assert_eq!(count("lottery.drawn"), 1);
}

fn firm_code(app: &TestApp, f: &Firm) -> String {
    let mut conn = app.conn();
    hechuang::db::parties::firm(&mut conn, &hechuang::domain::id::FirmId::stored(f.id.clone()))
        .unwrap()
        .unwrap()
        .credit_code
        .into_string()
}

#[actix_web::test]
async fn the_server_draws_at_the_opening_by_itself() {
    let app = spawn_app_with(|s| only_scheduled(s, &[("lottery_draw", "* * * * * *")])).await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let batch_id = lottery_batch(&app, &admin, "100000.00").await; // 2 vouchers
    let firms = bulk_firms(&app, 3, "micro", true, None);
    for f in &firms {
        assert_eq!(enter(&app, &batch_id, f, json!({})).await.status, 201);
    }
    let path = format!("/api/v1/batches/{batch_id}/lottery");
    // The loop is running, but the opening has not come.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(app.get(&path, None).await.body["drawn"], false);

    app.clock.advance(Duration::hours(1));
    let mut record = Value::Null;
    for _ in 0..100 {
        record = app.get(&path, None).await.body;
        if record["drawn"] == true {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(record["drawn"], true, "drawn within seconds of the opening");
    assert_eq!(record["winners"], 2);
    recompute(&record);
    let s = app.get(&format!("/api/v1/batches/{batch_id}/state"), None).await.body;
    assert_eq!(s["remaining"], "0.00");
    assert_eq!(app.count("vouchers"), 2);
    // The draw is a recorded run of the lottery_draw job; every earlier tick of the
    // same (frozen) second was one slot, run once.
    let admin = app.token("admin").await;
    let runs = app.get("/api/v1/admin/jobs/runs?job=lottery_draw", Some(&admin)).await.body;
    assert_eq!(runs["total"], 2, "{runs}");
    assert_eq!(runs["items"][0]["items"], 1);
    assert_eq!(runs["items"][0]["origin"], "schedule");
    assert_eq!(runs["items"][1]["items"], 0);
}

#[actix_web::test]
async fn two_servers_drawing_at_once_make_one_draw() {
    let a = spawn_app().await;
    let b = spawn_second(&a).await;
    let admin = a.staff_token("admin", Role::Admin).await;
    let batch_id = lottery_batch(&a, &admin, "500000.00").await; // 10 vouchers
    let firms = bulk_firms(&a, 30, "small", true, None);
    for f in &firms {
        assert_eq!(enter(&a, &batch_id, f, json!({})).await.status, 201);
    }
    a.clock.advance(Duration::hours(1));
    b.clock.advance(Duration::hours(1));
    let admin_a = a.staff_token("admin_a", Role::Admin).await;
    let admin_b = b.token("admin_a").await;
    let draw = format!("/api/v1/batches/{batch_id}/lottery/draw");
    let empty = json!({});
    let (ra, rb) =
        tokio::join!(a.post(&draw, Some(&admin_a), &empty), b.post(&draw, Some(&admin_b), &empty),);
    let mut statuses = [ra.status.as_u16(), rb.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", ra.body, rb.body);
    let loser = if ra.status == 409 { &ra } else { &rb };
    assert_eq!(loser.code(), "lottery_already_drawn");
    assert_eq!(a.count("vouchers"), 10);
    let record = a.get(&format!("/api/v1/batches/{batch_id}/lottery"), None).await.body;
    assert_eq!(record["winners"], 10);
    recompute(&record);
}

#[actix_web::test]
async fn lottery_input_is_checked() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let firm = &bulk_firms(&app, 1, "small", true, None)[0];

    // A first-come batch has no lottery.
    let fcfs = batch(&app, &admin, json!({}), json!({})).await;
    let r = enter(&app, &fcfs, firm, json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "batch_not_lottery"));
    let r = app.get(&format!("/api/v1/batches/{fcfs}/lottery"), None).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
    let r =
        app.post(&format!("/api/v1/batches/{fcfs}/lottery/draw"), Some(&admin), &json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "batch_not_lottery"));

    // Unknown and malformed batch ids.
    let unknown = hechuang::domain::new_id();
    let r = enter(&app, &unknown, firm, json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
    let r = enter(&app, "not-an-id", firm, json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));

    // Several face values: the firm must choose one that is offered.
    let multi = batch(
        &app,
        &admin,
        json!({}),
        json!({"allocation_mode": "lottery", "budget": "1000000.00",
               "face_values": ["50000.00", "100000.00"]}),
    )
    .await;
    let r = enter(&app, &multi, firm, json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "face_value_required"));
    let r = enter(&app, &multi, firm, json!({"face_value": "五万"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = enter(&app, &multi, firm, json!({"face_value": "50000.00", "extra": 1})).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_json"));
    assert_eq!(app.count("lottery_entries"), 0, "refusals store nothing");
    let r = enter(&app, &multi, firm, json!({"face_value": "50000.00"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = enter(&app, &multi, firm, json!({"face_value": "100000.00"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["face_value"], "100000.00", "the choice can change");
    assert_eq!(app.count("lottery_entries"), 1);

    // A draft lottery batch is not visible.
    let r = app.get(&format!("/api/v1/batches/{multi}"), None).await;
    let programme = r.body["programme_id"].as_str().unwrap().to_string();
    let opens = app.clock.now_utc() + Duration::hours(2);
    let r = app
        .post(
            &format!("/api/v1/programmes/{programme}/batches"),
            Some(&admin),
            &json!({"name": "草稿", "budget": "100000.00", "face_values": ["50000.00"],
                    "opens_at": opens.to_rfc3339(), "closes_at": (opens + Duration::days(1)).to_rfc3339(),
                    "allocation_mode": "lottery"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let draft = r.body["id"].as_str().unwrap();
    let r = enter(&app, draft, firm, json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
    let r = app.get(&format!("/api/v1/batches/{draft}/lottery"), None).await;
    assert_eq!(r.status, 404);

    // Withdrawing without an entry.
    let other = &bulk_firms(&app, 1, "small", true, None)[0];
    let r = app
        .send("DELETE", &format!("/api/v1/batches/{multi}/lottery/entry"), Some(&other.token), None)
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
}

#[actix_web::test]
async fn the_command_line_draws_due_lotteries() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    // The command runs on the system clock: a batch opening four seconds from now.
    let r = app
        .post("/api/v1/programmes", Some(&admin), &json!({"code": "HCCLI", "name": "合创券"}))
        .await;
    let programme = r.body["id"].as_str().unwrap().to_string();
    let opens = chrono::Utc::now() + Duration::seconds(4);
    let r = app
        .post(
            &format!("/api/v1/programmes/{programme}/batches"),
            Some(&admin),
            &json!({"name": "第一期", "budget": "100000.00", "face_values": ["50000.00"],
                    "opens_at": opens.to_rfc3339(), "closes_at": (opens + Duration::days(1)).to_rfc3339(),
                    "allocation_mode": "lottery", "publish": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let batch_id = r.body["id"].as_str().unwrap().to_string();
    for f in &bulk_firms(&app, 3, "small", true, None) {
        assert_eq!(enter(&app, &batch_id, f, json!({})).await.status, 201);
    }
    let out = crate::cli::hechuang(&app.db_url, &["lottery", "draw-due"], None);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("drew 0 lottery batch(es)"),
        "not due yet"
    );
    let wait = (opens - chrono::Utc::now()).to_std().unwrap_or_default();
    actix_web::rt::time::sleep(wait + std::time::Duration::from_millis(200)).await;
    let out = crate::cli::hechuang(&app.db_url, &["lottery", "draw-due"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("drew 1 lottery batch(es)"), "{stdout}");
    assert!(stdout.contains(&batch_id), "{stdout}");
    let record = app.get(&format!("/api/v1/batches/{batch_id}/lottery"), None).await.body;
    assert_eq!(record["winners"], 2);
    recompute(&record);
    // Nothing left to draw.
    let out = crate::cli::hechuang(&app.db_url, &["lottery", "draw-due"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("drew 0"));
}
