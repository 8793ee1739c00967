//! Claiming vouchers: the opening-second storm, each refusal, idempotent retries.

use crate::helpers::{new_credit_code, spawn_app, test_settings, TestApp};
use chrono::Duration;
use hechuang::db::models::{FirmRow, UserRow};
use hechuang::db::{self, parties, users, DbConnection};
use hechuang::domain::{new_id, Role};
use hechuang::services::auth::Claims;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashSet};

pub struct Firm {
    pub id: String,
    pub token: String,
}

/// An onboarded (or submitted) firm row with plausible details, for tests that write
/// the database directly.
pub fn firm_row(
    id: &str,
    name: &str,
    size_class: &str,
    onboarded: bool,
    controller: &str,
    now: chrono::NaiveDateTime,
) -> FirmRow {
    FirmRow {
        id: hechuang::domain::id::FirmId::stored(id.into()),
        credit_code: hechuang::domain::CreditCode::parse(&new_credit_code()).expect("a code"),
        name: name.into(),
        legal_representative: "张三".into(),
        actual_controller: controller.into(),
        registered_on: chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap(),
        address: "合肥".into(),
        contact_name: "李四".into(),
        contact_phone: "0551-65550000".into(),
        contact_email: "a@example.cn".into(),
        industry: "software_it".into(),
        employees: 12,
        revenue_fen: hechuang::domain::Fen::new(80_000_000),
        total_assets_fen: None,
        size_class: hechuang::domain::SizeClass::parse(size_class).unwrap(),
        size_basis: "{}".into(),
        onboarding_status: if onboarded {
            hechuang::domain::party::OnboardingStatus::Onboarded
        } else {
            hechuang::domain::party::OnboardingStatus::Submitted
        },
        onboarding_reason: None,
        reviewed_by: None,
        reviewed_at: None,
        high_tech: false,
        tech_sme: false,
        dishonest: false,
        recommended_by_space_id: None,
        created_at: now,
        updated_at: now,
        contact_verified_at: Some(now),
        corrections: None,
        high_tech_certificate: None,
        high_tech_until: None,
        tech_sme_certificate: None,
        tech_sme_until: None,
        district: Some("340104".into()),
    }
}

/// Inserts `n` firms with a user each straight into the database (the storm needs
/// thousands; registering them one by one through argon2 would only slow the suite)
/// and mints each an access token with the test key.
pub fn bulk_firms(
    app: &TestApp,
    n: usize,
    size_class: &str,
    onboarded: bool,
    controller: Option<&str>,
) -> Vec<Firm> {
    let now = app.clock.now();
    let settings = test_settings();
    let key = jsonwebtoken::EncodingKey::from_secret(
        secrecy::ExposeSecret::expose_secret(&settings.auth.jwt_secret).as_bytes(),
    );
    let mut conn = app.conn();
    let c: &mut DbConnection = &mut conn;
    let mut out = Vec::with_capacity(n);
    let rows: Vec<(FirmRow, UserRow)> = (0..n)
        .map(|i| {
            let id = new_id();
            let firm = firm_row(
                &id,
                &format!("合肥测试企业{i}"),
                size_class,
                onboarded,
                &controller.map_or_else(|| format!("控制人{id}"), str::to_string),
                now,
            );
            let user = UserRow::new_account(
                format!("bulk_{}", &id[id.len() - 12..]),
                "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$ZmFrZWhhc2hmYWtlaGFzaA".into(),
                hechuang::domain::Role::Firm,
                Some(hechuang::domain::id::AnyParty::Firm(hechuang::domain::id::FirmId::stored(
                    id.clone(),
                ))),
                firm.name.clone(),
                None,
                now,
            );
            (firm, user)
        })
        .collect();
    db::write_tx(c, |c| -> Result<(), diesel::result::Error> {
        for (f, u) in &rows {
            parties::insert_firm(c, f)?;
            users::insert(c, u)?;
        }
        Ok(())
    })
    .expect("bulk firms inserted");
    for (f, u) in rows {
        let iat = now.and_utc().timestamp();
        let claims = Claims {
            sub: u.id.into_string(),
            role: "firm".into(),
            party_kind: Some("firm".into()),
            party: Some(f.id.to_string()),
            ver: 0,
            iat,
            exp: iat + 800 * 24 * 3600, // outlives the clock moves in these tests (past expiry)
            jti: new_id(),
            sid: None,
        };
        let token = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap();
        out.push(Firm { id: f.id.into_string(), token });
    }
    out
}

/// A programme and a published batch opening one hour from the test clock's now.
pub async fn batch(app: &TestApp, admin: &str, programme: Value, batch: Value) -> String {
    let mut p = json!({"code": format!("HC{}", &new_id().replace('-', "")[20..28].to_uppercase()), "name": "合创券"});
    p.as_object_mut().unwrap().extend(programme.as_object().unwrap().clone());
    let r = app.post("/api/v1/programmes", Some(admin), &p).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let pid = r.body["id"].as_str().unwrap().to_string();
    let opens = app.clock.now_utc() + Duration::hours(1);
    let mut b = json!({
        "name": "第一期",
        "budget": "26700000.00",
        "face_values": ["50000.00"],
        "opens_at": opens.to_rfc3339(),
        "closes_at": (opens + Duration::days(30)).to_rfc3339(),
        "publish": true
    });
    b.as_object_mut().unwrap().extend(batch.as_object().unwrap().clone());
    let r = app.post(&format!("/api/v1/programmes/{pid}/batches"), Some(admin), &b).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

/// Batch 2 of a programme, published, opening `minutes` from the test clock's now.
pub async fn second_batch(
    app: &TestApp,
    admin: &str,
    programme_id: &str,
    minutes: i64,
) -> crate::helpers::Resp {
    let opens = app.clock.now_utc() + Duration::minutes(minutes);
    app.post(&format!("/api/v1/programmes/{programme_id}/batches"), Some(admin), &json!({
        "name": "第二期", "budget": "1000000.00", "face_values": ["50000.00"],
        "opens_at": opens.to_rfc3339(), "closes_at": (opens + Duration::days(10)).to_rfc3339(), "publish": true}))
    .await
}

pub fn ledger_ok(app: &TestApp, batch_id: &str) -> (i64, Vec<String>) {
    let mut conn = app.conn();
    let balance = db::vouchers::account_balance(&mut conn, &format!("batch:{batch_id}")).unwrap();
    (balance, db::vouchers::unbalanced_txns(&mut conn).unwrap())
}

#[actix_web::test]
async fn two_thousand_firms_race_for_534_vouchers() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let batch_id = batch(&app, &admin, json!({}), json!({})).await;
    let firms = bulk_firms(&app, 2000, "small", true, None);
    app.clock.advance(Duration::hours(1)); // the opening second

    let mut handles = Vec::new();
    for f in &firms {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/batches/{batch_id}/claims"));
        let token = f.token.clone();
        let firm = f.id.clone();
        handles.push(actix_web::rt::spawn(async move {
            let mut res = client
                .post(url)
                .insert_header(("Authorization", format!("Bearer {token}")))
                .send()
                .await
                .expect("sent");
            let body: Value = res.json().limit(1 << 20).await.unwrap_or(Value::Null);
            let arrival: u64 =
                res.headers().get("x-claim-arrival").unwrap().to_str().unwrap().parse().unwrap();
            (firm, res.status().as_u16(), arrival, body)
        }));
    }
    let mut winners = Vec::new();
    let mut losers = Vec::new();
    for h in handles {
        let (firm, status, arrival, body) = h.await.unwrap();
        match status {
            201 => winners.push((firm, arrival, body)),
            409 => {
                assert_eq!(body["code"], "batch_sold_out", "{body}");
                losers.push(arrival);
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(winners.len(), 534);
    assert_eq!(losers.len(), 1466);
    let distinct: HashSet<&String> = winners.iter().map(|w| &w.0).collect();
    assert_eq!(distinct.len(), 534, "no firm twice");
    // The winners are exactly the 534 earliest arrivals, and their voucher sequence follows arrival.
    let mut by_arrival: Vec<&(String, u64, Value)> = winners.iter().collect();
    by_arrival.sort_by_key(|w| w.1);
    let arrivals: Vec<u64> = by_arrival.iter().map(|w| w.1).collect();
    assert_eq!(arrivals, (1..=534).collect::<Vec<u64>>());
    let seqs: Vec<i64> = by_arrival.iter().map(|w| w.2["seq_in_batch"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=534).collect::<Vec<i64>>());
    assert!(losers.iter().all(|a| *a > 534));
    let codes: BTreeSet<&str> = winners.iter().map(|w| w.2["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 534, "voucher codes are unique");
    assert!(winners
        .iter()
        .all(|w| w.2["face_value"] == "50000.00" && w.2["balance"] == "50000.00"));

    let r = app.get(&format!("/api/v1/batches/{batch_id}/state"), None).await;
    assert_eq!(r.body["remaining"], "0.00");
    assert_eq!(r.body["vouchers_claimed"], 534);
    assert_eq!(r.body["claimants"], 534);
    assert_eq!(r.body["status"], "exhausted");
    assert_eq!(app.count("vouchers"), 534);
    let (balance, unbalanced) = ledger_ok(&app, &batch_id);
    assert_eq!(balance, 0, "the batch account is empty");
    assert!(unbalanced.is_empty(), "{unbalanced:?}");
    let aud = app.staff_token("aud", Role::Auditor).await;
    assert_eq!(app.get("/api/v1/audit/verify", Some(&aud)).await.body["ok"], true);
}

#[actix_web::test]
async fn each_refusal_has_its_code() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    // Two vouchers' worth of budget; face values to choose from.
    let batch_id = batch(
        &app,
        &admin,
        json!({}),
        json!({"budget": "100000.00", "face_values": ["50000.00", "30000.00"]}),
    )
    .await;
    let claims = format!("/api/v1/batches/{batch_id}/claims");
    let ok = bulk_firms(&app, 3, "small", true, None);
    let not_onboarded = bulk_firms(&app, 1, "micro", false, None);
    let medium = bulk_firms(&app, 1, "medium", true, None);

    let r = app.post(&claims, Some(&ok[0].token), &json!({"face_value": "50000.00"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "batch_not_open"));
    app.clock.advance(Duration::hours(1));

    let r = app.post(&claims, Some(&ok[0].token), &json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "face_value_required"));
    let r = app.post(&claims, Some(&ok[0].token), &json!({"face_value": "40000.00"})).await;
    assert_eq!(r.code(), "face_value_not_offered");
    let r = app.post(&claims, Some(&ok[0].token), &json!({"face_value": "40000.001"})).await;
    assert_eq!(r.code(), "amount_too_precise");
    let r =
        app.post(&claims, Some(&not_onboarded[0].token), &json!({"face_value": "50000.00"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "firm_not_eligible"));
    assert!(r.body["detail"].as_str().unwrap().contains("入库"), "{}", r.body);
    let r = app.post(&claims, Some(&medium[0].token), &json!({"face_value": "50000.00"})).await;
    assert_eq!(r.code(), "firm_not_eligible");
    assert!(r.body["detail_en"].as_str().unwrap().contains("medium"), "{}", r.body);

    let r = app.post(&claims, Some(&ok[0].token), &json!({"face_value": "50000.00"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app.post(&claims, Some(&ok[0].token), &json!({"face_value": "30000.00"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "already_claimed"));
    let r = app.post(&claims, Some(&ok[1].token), &json!({"face_value": "30000.00"})).await;
    assert_eq!(r.status, 201);
    // 20,000 left: too little for either face value.
    let r = app.post(&claims, Some(&ok[2].token), &json!({"face_value": "30000.00"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "batch_sold_out"));
    let r = app.get(&format!("/api/v1/batches/{batch_id}/state"), None).await;
    assert_eq!(r.body["remaining"], "20000.00");
    assert_eq!(r.body["status"], "exhausted");

    // A top-up reopens it at once.
    let admin = app.token("admin").await;
    let r = app
        .post(
            &format!("/api/v1/batches/{batch_id}/topups"),
            Some(&admin),
            &json!({"amount": "10000.00", "reason": "追加预算"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["budget"], "110000.00");
    let r = app.post(&claims, Some(&ok[2].token), &json!({"face_value": "30000.00"})).await;
    assert_eq!(r.status, 201, "{}", r.body);

    app.clock.advance(Duration::days(31));
    let r = app.post(&claims, Some(&ok[2].token), &json!({"face_value": "30000.00"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "batch_closed"));
    let (balance, unbalanced) = ledger_ok(&app, &batch_id);
    assert_eq!(balance, 0);
    assert!(unbalanced.is_empty());
}

#[actix_web::test]
async fn gate_and_annual_limit() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let first =
        batch(&app, &admin, json!({"code": "GATE1"}), json!({"budget": "1000000.00"})).await;
    let firms = bulk_firms(&app, 1, "small", true, None);
    app.clock.advance(Duration::hours(1));
    let r = app
        .post(&format!("/api/v1/batches/{first}/claims"), Some(&firms[0].token), &json!({}))
        .await;
    assert_eq!(r.status, 201);
    let pid = app.get(&format!("/api/v1/batches/{first}"), None).await.body["programme_id"]
        .as_str()
        .unwrap()
        .to_string();

    // Second batch of the same programme: the unused first voucher shuts the gate.
    let admin = app.token("admin").await;
    let r = second_batch(&app, &admin, &pid, 5).await;
    assert_eq!(r.body["number"], 2);
    let second = r.body["id"].as_str().unwrap().to_string();
    app.clock.advance(Duration::minutes(5));
    let r = app
        .post(&format!("/api/v1/batches/{second}/claims"), Some(&firms[0].token), &json!({}))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "claim_gate_unmet"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("80%"));

    // A programme without a gate but one voucher a year.
    let third = batch(
        &app,
        &admin,
        json!({"code": "YEAR1", "gate_used_share": "0", "per_year_limit": 1}),
        json!({"budget": "1000000.00"}),
    )
    .await;
    let pid3 = app.get(&format!("/api/v1/batches/{third}"), None).await.body["programme_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.clock.advance(Duration::hours(1));
    let admin = app.token("admin").await;
    assert_eq!(
        app.post(&format!("/api/v1/batches/{third}/claims"), Some(&firms[0].token), &json!({}))
            .await
            .status,
        201
    );
    let r = second_batch(&app, &admin, &pid3, 1).await;
    let fourth = r.body["id"].as_str().unwrap().to_string();
    app.clock.advance(Duration::minutes(1));
    let r = app
        .post(&format!("/api/v1/batches/{fourth}/claims"), Some(&firms[0].token), &json!({}))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "annual_limit_reached"), "{}", r.body);
}

#[actix_web::test]
async fn firms_under_one_controller_count_together() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let b =
        batch(&app, &admin, json!({"count_by_controller": true}), json!({"budget": "1000000.00"}))
            .await;
    let group = bulk_firms(&app, 2, "small", true, Some("王某"));
    app.clock.advance(Duration::hours(1));
    let path = format!("/api/v1/batches/{b}/claims");
    assert_eq!(app.post(&path, Some(&group[0].token), &json!({})).await.status, 201);
    let r = app.post(&path, Some(&group[1].token), &json!({})).await;
    assert_eq!(r.code(), "already_claimed", "{}", r.body);
}

#[actix_web::test]
async fn a_retry_with_the_same_key_gets_the_same_answer() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let b = batch(&app, &admin, json!({}), json!({"budget": "50000.00"})).await;
    let firms = bulk_firms(&app, 2, "small", true, None);
    let path = format!("/api/v1/batches/{b}/claims");
    let send = |token: String, key: &'static str| {
        let app = &app;
        let path = path.clone();
        async move {
            let mut req = app
                .client
                .post(app.url(&path))
                .insert_header(("Authorization", format!("Bearer {token}")));
            if !key.is_empty() {
                req = req.insert_header(("Idempotency-Key", key));
            }
            let mut res = req.send().await.unwrap();
            let body: Value = res.json().await.unwrap();
            (res.status().as_u16(), body)
        }
    };
    // Refused before the opening: "not yet" is an answer of its moment, so the same key
    // sent after the opening is a claim.
    let (s, body) = send(firms[0].token.clone(), "claim-1").await;
    assert_eq!((s, body["code"].as_str().unwrap()), (409, "batch_not_open"));
    app.clock.advance(Duration::hours(1));
    let (s, first) = send(firms[0].token.clone(), "claim-1").await;
    assert_eq!(s, 201, "a retry after the opening claims: {first}");
    let (s, again) = send(firms[0].token.clone(), "claim-1").await;
    assert_eq!(s, 201);
    assert_eq!(again["id"], first["id"], "the retry returns the same voucher");
    // Sold out now, but the keyed retry still gets its voucher.
    let (s, other) = send(firms[1].token.clone(), "").await;
    assert_eq!((s, other["code"].as_str().unwrap()), (409, "batch_sold_out"));
    let (s, again) = send(firms[0].token.clone(), "claim-1").await;
    assert_eq!((s, again["id"].clone()), (201, first["id"].clone()));
    // A new key for the same firm is a new claim, refused as a duplicate.
    let (s, dup) = send(firms[0].token.clone(), "claim-2").await;
    assert_eq!((s, dup["code"].as_str().unwrap()), (409, "already_claimed"));
    assert_eq!(app.count("vouchers"), 1);
    let r = app.get("/api/v1/firm/vouchers", Some(&firms[0].token)).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert_eq!(r.body[0]["id"], first["id"]);

    let r = app
        .client
        .post(app.url(&path))
        .insert_header(("Authorization", format!("Bearer {}", firms[1].token)))
        .insert_header(("Idempotency-Key", "bad key with spaces"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // A key belongs to its batch: the same key in another batch claims there, and the
    // first batch's retry still gets its own voucher.
    let pid = app.get(&format!("/api/v1/batches/{b}"), None).await.body["programme_id"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = app.token("admin").await;
    let r = second_batch(&app, &admin, &pid, 1).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let b2 = r.body["id"].as_str().unwrap().to_string();
    app.clock.advance(Duration::minutes(2));
    app.exec("UPDATE programmes SET gate_used_share_bp = 0").unwrap();
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/batches/{b2}/claims")))
        .insert_header(("Authorization", format!("Bearer {}", firms[0].token)))
        .insert_header(("Idempotency-Key", "claim-1"));
    req = req.timeout(std::time::Duration::from_secs(30));
    let mut res = req.send().await.unwrap();
    let in_b2: Value = res.json().await.unwrap();
    assert_eq!(res.status().as_u16(), 201, "{in_b2}");
    assert_ne!(in_b2["id"], first["id"]);
    assert_eq!(in_b2["batch_id"], b2.as_str());
    let (s, again) = send(firms[0].token.clone(), "claim-1").await;
    assert_eq!((s, again["id"].clone()), (201, first["id"].clone()));
    assert_eq!(app.count("vouchers"), 2);
}

#[actix_web::test]
async fn programme_and_batch_input_is_checked() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let r = app.post("/api/v1/programmes", Some(&admin), &json!({"code": "x", "name": "", "co_payment_ratio": "1.5", "categories": ["astrology"]})).await;
    assert_eq!(r.status, 422);
    let codes: Vec<&str> =
        r.body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    for c in ["programme_code_invalid", "required", "share_invalid", "category_unknown"] {
        assert!(codes.contains(&c), "{c} missing from {codes:?}");
    }
    let r = app
        .post("/api/v1/programmes", Some(&admin), &json!({"code": "HCQ2026", "name": "合创券2026"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["co_payment_ratio"], "0.5");
    assert_eq!(r.body["gate_used_share"], "0.8");
    assert_eq!(r.body["validity_months"], 12);
    assert_eq!(r.body["eligible_size_classes"], json!(["micro", "small"]));
    let pid = r.body["id"].as_str().unwrap();
    assert_eq!(
        app.post("/api/v1/programmes", Some(&admin), &json!({"code": "HCQ2026", "name": "again"}))
            .await
            .code(),
        "programme_code_taken"
    );

    let r = app
        .post(&format!("/api/v1/programmes/{pid}/batches"), Some(&admin), &json!({
            "name": "第一期", "budget": "100.00", "face_values": ["200.00"],
            "opens_at": "2026-12-01T09:00:00+08:00", "closes_at": "2026-12-01T08:00:00+08:00", "allocation_mode": "lottery"}))
        .await;
    let codes: Vec<&str> =
        r.body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    for c in ["face_value_above_budget", "window_invalid"] {
        assert!(codes.contains(&c), "{c} missing from {codes:?}");
    }
    assert_eq!(app.count("lotteries"), 0, "a refused lottery batch leaves nothing");
    let r = app
        .post(&format!("/api/v1/programmes/{pid}/batches"), Some(&admin), &json!({
            "name": "第一期", "budget": "100.00", "face_values": ["100.00"],
            "opens_at": "2026-12-01T09:00:00+08:00", "closes_at": "2026-12-02T08:00:00+08:00", "allocation_mode": "raffle"}))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_json"));
    // A draft is invisible to the public until published.
    let opens = app.clock.now_utc() + Duration::hours(1);
    let r = app
        .post(&format!("/api/v1/programmes/{pid}/batches"), Some(&admin), &json!({
            "name": "第一期", "budget": "1000.00", "face_values": ["100.00"],
            "opens_at": opens.to_rfc3339(), "closes_at": (opens + Duration::hours(1)).to_rfc3339()}))
        .await;
    assert_eq!(r.body["status"], "draft");
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(app.get(&format!("/api/v1/batches/{id}"), None).await.status, 404);
    assert_eq!(app.get(&format!("/api/v1/batches/{id}/state"), None).await.status, 404);
    let r = app.post(&format!("/api/v1/batches/{id}/publish"), Some(&admin), &json!({})).await;
    assert_eq!(r.body["status"], "scheduled");
    assert_eq!(
        app.get(&format!("/api/v1/batches/{id}/state"), None).await.body["status"],
        "scheduled"
    );
    assert_eq!(
        app.post(&format!("/api/v1/batches/{id}/publish"), Some(&admin), &json!({})).await.code(),
        "batch_already_published"
    );
}
