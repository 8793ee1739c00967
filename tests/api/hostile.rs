//! Hostile input (issue 20): names that read the same but differ in bytes, formulas in
//! names, invisible characters in file names.

use crate::helpers::{firm_body, new_credit_code, provider_body, space_body, spawn_app};
use crate::orders::{world, PDF};
use serde_json::Value;

fn field_codes(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_string(),
                        e["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A firm whose legal representative or actual controller is the provider's, written
/// with invisible characters or spaces inside (as stored before such names were
/// refused), may not trade with it on a voucher.
#[actix_web::test]
async fn related_parties_are_found_by_the_person_not_the_bytes() {
    let app = spawn_app().await;
    let w = world(&app, "rel").await; // the provider's representative and controller: 王五
    for (column, written) in [
        ("legal_representative", "王\u{200B}五"),
        ("legal_representative", "王\u{200D}五"),
        ("legal_representative", "王 五"),
        ("legal_representative", "\u{FEFF}王五\u{3000}"),
        ("actual_controller", "王\u{202E}五"),
        ("actual_controller", "王　五"),
    ] {
        app.exec(&format!(
            "UPDATE firms SET legal_representative = '张三', actual_controller = '控制人' \
             WHERE id = '{}'",
            w.firm.id
        ))
        .unwrap();
        app.exec(&format!("UPDATE firms SET {column} = '{written}' WHERE id = '{}'", w.firm.id))
            .unwrap();
        let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("1000.00")).await;
        assert_eq!(
            (r.status.as_u16(), r.code()),
            (403, "related_party_forbidden"),
            "{column} {written:?}: {}",
            r.body
        );
    }
    assert_eq!(app.count("orders"), 0, "nothing ordered");
    // Someone else trades freely.
    app.exec(&format!(
        "UPDATE firms SET legal_representative = '张三', actual_controller = '控制人' WHERE id = '{}'",
        w.firm.id
    ))
    .unwrap();
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("1000.00")).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

/// Invisible formatting characters are refused in the names of parties and people at
/// registration, each beside its field, and nothing is created.
#[actix_web::test]
async fn invisible_characters_and_formulas_in_names_are_refused_at_their_field() {
    let app = spawn_app().await;
    let cases: Vec<(&str, Value)> = vec![
        ("firm", {
            let mut b = firm_body("zwfirm", &new_credit_code());
            b["legal_representative"] = "郑\u{200B}刚".into();
            b["actual_controller"] = "郑\u{202E}刚".into();
            b["contact_name"] = "李\u{2066}四".into();
            b["name"] = "=HYPERLINK(\"http://evil.example\",\"点此\")".into();
            b
        }),
        ("provider", {
            let mut b = provider_body("zwprov", &new_credit_code());
            b["legal_representative"] = "王\u{200D}五".into();
            b["actual_controller"] = "\u{FEFF}王五".into();
            b["contact_name"] = "赵\u{00AD}六".into();
            b["name"] = "+1+cmd|' /C calc'!A0".into();
            b["bank_account_name"] = "@SUM(1+1)*cmd".into();
            b
        }),
        ("space", {
            let mut b = space_body("zwspace", &new_credit_code());
            b["legal_representative"] = "孙\u{200C}七".into();
            b["contact_name"] = "周\u{2060}八".into();
            b["name"] = "-2+3".into();
            b["operator_name"] = "=1+1".into();
            b
        }),
    ];
    for (kind, body) in cases {
        let r = app.post(&format!("/api/v1/registrations/{kind}"), None, &body).await;
        assert_eq!(r.status, 422, "{kind}: {}", r.body);
        let codes = field_codes(&r.body);
        let want: Vec<(&str, &str)> = match kind {
            "firm" => vec![
                ("name", "formula_like"),
                ("legal_representative", "invisible_characters"),
                ("actual_controller", "invisible_characters"),
                ("contact_name", "invisible_characters"),
            ],
            "provider" => vec![
                ("name", "formula_like"),
                ("legal_representative", "invisible_characters"),
                ("actual_controller", "invisible_characters"),
                ("contact_name", "invisible_characters"),
                ("bank_account_name", "formula_like"),
            ],
            _ => vec![
                ("name", "formula_like"),
                ("operator_name", "formula_like"),
                ("legal_representative", "invisible_characters"),
                ("contact_name", "invisible_characters"),
            ],
        };
        for (field, code) in want {
            assert!(
                codes.iter().any(|(f, c)| f == field && c == code),
                "{kind}: {field} {code} in {codes:?}"
            );
        }
    }
    assert_eq!(app.count("firms"), 0);
    assert_eq!(app.count("providers"), 0);
    assert_eq!(app.count("spaces"), 0);
    assert_eq!(app.count("users"), 0);
    // A space inside a person's name is only a space: accepted.
    let mut b = firm_body("spaced", &new_credit_code());
    b["legal_representative"] = "郑 刚".into();
    let r = app.post("/api/v1/registrations/firm", None, &b).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

/// An evidence file's shown name may not carry a direction override (which would show
/// `fdp.exe` as `exe.pdf`); the file is not stored.
#[actix_web::test]
async fn an_evidence_name_with_a_direction_override_is_refused() {
    let app = spawn_app().await;
    let w = world(&app, "bidi").await;
    let o = w.order(&app, "1000.00").await;
    let r = w.provider_does(&app, &o, "accept", serde_json::json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post_bytes(
            &format!("/api/v1/orders/{o}/evidence?kind=contract&name=%E2%80%AEfdp.exe"),
            Some(&w.provider_token),
            PDF.to_vec(),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        field_codes(&r.body),
        vec![("name".to_string(), "invisible_characters".to_string())]
    );
    assert_eq!(app.count("order_evidence"), 0);
}

/// A firm named like a formula (stored before such names were refused) appears in the
/// public results CSV as text a spreadsheet will not run.
#[actix_web::test]
async fn public_csv_cells_never_start_a_formula() {
    use hechuang::domain::Role;
    let app = spawn_app().await;
    let admin = app.staff_token("csv_admin", Role::Admin).await;
    let batch_id = crate::claims::batch(
        &app,
        &admin,
        serde_json::json!({}),
        serde_json::json!({"budget": "200000.00"}),
    )
    .await;
    let firms = crate::claims::bulk_firms(&app, 4, "small", true, None);
    let names = [
        "=HYPERLINK(\"http://evil.example\",\"点此\")",
        "+1+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
    ];
    for (f, n) in firms.iter().zip(names) {
        app.exec(&format!(
            "UPDATE firms SET name = '{}' WHERE id = '{}'",
            n.replace('\'', "''"),
            f.id
        ))
        .unwrap();
    }
    app.clock.advance(chrono::Duration::hours(1));
    for f in &firms {
        let r = app
            .post(
                &format!("/api/v1/batches/{batch_id}/claims"),
                Some(&f.token),
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let (status, _, bytes) =
        app.get_bytes(&format!("/public/batches/{batch_id}/results.csv"), None).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(bytes).unwrap();
    let mut reader =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let cells: Vec<String> =
        reader.records().map(|r| r.unwrap()[1].to_string()).filter(|c| !c.is_empty()).collect();
    assert_eq!(cells.len(), 4, "{text}");
    for (cell, name) in cells.iter().zip(names) {
        assert_eq!(cell, &format!("'{name}"), "{text}");
    }
    // The JSON feed carries names as they are (JSON is not run by spreadsheets).
    let r = app.get(&format!("/public/batches/{batch_id}/results.json"), None).await;
    assert_eq!(r.body["results"][0]["firm_name"], names[0]);
}

/// Money never overflows: a batch's budget stops at its ceiling however often it is
/// topped up, a programme's batches together at theirs, amounts longer than the
/// document allows are refused, and the database refuses a sum that does not fit.
#[actix_web::test]
async fn budgets_stop_at_their_ceilings_and_nothing_overflows() {
    use hechuang::domain::Role;
    use serde_json::json;
    let app = spawn_app().await;
    let admin = app.staff_token("ovf_admin", Role::Admin).await;
    let batch_id =
        crate::claims::batch(&app, &admin, json!({}), json!({"budget": "9999999999000.00"})).await;
    let topup = |amount: &'static str| {
        let (app, admin, batch_id) = (&app, admin.clone(), batch_id.clone());
        async move {
            app.post(
                &format!("/api/v1/batches/{batch_id}/topups"),
                Some(&admin),
                &json!({"amount": amount, "reason": "追加"}),
            )
            .await
        }
    };
    let r = topup("999.99").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["budget"], "9999999999999.99");
    for _ in 0..3 {
        let r = topup("9999999999999.99").await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(
            field_codes(&r.body),
            vec![("amount".to_string(), "budget_ceiling_exceeded".to_string())]
        );
    }
    let r = topup("0.01").await;
    assert_eq!(r.status, 422, "{}", r.body);
    // Fourteen integer digits, spaces, signs: refused as the document says.
    for bad in ["10000000000000.00", " 100", "+100", "0100"] {
        let r = app
            .post(
                &format!("/api/v1/batches/{batch_id}/topups"),
                Some(&admin),
                &json!({"amount": bad, "reason": "追加"}),
            )
            .await;
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
    }
    let r = app.get(&format!("/api/v1/batches/{batch_id}"), None).await;
    assert_eq!(r.body["budget"], "9999999999999.99");
    assert_eq!(app.count("batch_topups"), 1);
    // The programme's batches together stop at 100 such batches.
    let pid = r.body["programme_id"].as_str().unwrap().to_string();
    let opens = app.clock.now_utc() + chrono::Duration::hours(2);
    let mut refused = None;
    for i in 0..101 {
        let r = app
            .post(
                &format!("/api/v1/programmes/{pid}/batches"),
                Some(&admin),
                &json!({
                "name": format!("第{}期", i + 2), "budget": "9999999999999.99",
                "face_values": ["50000.00"], "opens_at": opens.to_rfc3339(),
                "closes_at": (opens + chrono::Duration::days(1)).to_rfc3339()}),
            )
            .await;
        if r.status != 201 {
            refused = Some((i, r));
            break;
        }
    }
    let (i, r) = refused.expect("the programme's ceiling refused a batch");
    assert_eq!(i, 99, "100 batches at the largest budget fit: {}", r.body);
    assert_eq!(r.status, 422);
    assert_eq!(
        field_codes(&r.body),
        vec![("budget".to_string(), "programme_ceiling_exceeded".to_string())]
    );
    let aud = app.staff_token("ovf_aud", Role::Auditor).await;
    let r = app.get("/api/v1/ledger/verify", Some(&aud)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
    // The last line: the database refuses a budget that does not fit 64 bits (SQLite
    // would otherwise store it as a REAL).
    let r = app.exec(&format!(
        "UPDATE batches SET budget_fen = budget_fen + 9223372036854775807 WHERE id = '{batch_id}'"
    ));
    assert!(r.is_err(), "an overflowing budget was stored");
    if !crate::helpers::is_postgres() {
        // (PostgreSQL casts 1.5 to the integer 2 for a BIGINT; SQLite would keep 1.5.)
        let r = app.exec(&format!("UPDATE batches SET budget_fen = 1.5 WHERE id = '{batch_id}'"));
        assert!(r.is_err(), "a fractional budget was stored");
    }
}

/// Dates, instants and windows the document refuses are refused by the API too, at
/// their field: a sign, a shortened field, a year before 1900 (registration), a batch
/// opening in 1970 or one that has already closed.
#[actix_web::test]
async fn implausible_dates_and_instants_are_refused_at_their_field() {
    use hechuang::domain::Role;
    use serde_json::json;
    let app = spawn_app().await;
    for (written, code) in [
        ("0001-01-01", "date_invalid"),
        ("+2026-01-01", "date_invalid"),
        ("2026-1-1", "date_invalid"),
        (" 2021-05-10", "date_invalid"),
    ] {
        let mut b = firm_body("datefirm", &new_credit_code());
        b["registered_on"] = written.into();
        let r = app.post("/api/v1/registrations/firm", None, &b).await;
        assert_eq!(r.status, 422, "{written}: {}", r.body);
        assert!(
            field_codes(&r.body).contains(&("registered_on".to_string(), code.to_string())),
            "{written}: {}",
            r.body
        );
    }
    assert_eq!(app.count("firms"), 0);
    let admin = app.staff_token("date_admin", Role::Admin).await;
    let r = app
        .post("/api/v1/programmes", Some(&admin), &json!({"code": "DATES", "name": "合创券"}))
        .await;
    let pid = r.body["id"].as_str().unwrap().to_string();
    let now = app.clock.now_utc();
    for (opens, closes, field, code) in [
        (
            "1970-01-01T00:00:00Z".to_string(),
            (now + chrono::Duration::days(1)).to_rfc3339(),
            "opens_at",
            "opens_at_past",
        ),
        (
            (now - chrono::Duration::days(3)).to_rfc3339(),
            (now - chrono::Duration::days(1)).to_rfc3339(),
            "closes_at",
            "window_past",
        ),
    ] {
        let r = app
            .post(
                &format!("/api/v1/programmes/{pid}/batches"),
                Some(&admin),
                &json!({
                "name": "第一期", "budget": "100000.00", "face_values": ["50000.00"],
                "opens_at": opens, "closes_at": closes}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            field_codes(&r.body).contains(&(field.to_string(), code.to_string())),
            "{}",
            r.body
        );
    }
    assert_eq!(app.count("batches"), 0);
}

/// A NUL character (which PostgreSQL cannot keep in text) in a path, a query, a JSON
/// string or a form field is the request's fault: 400 `nul_character`, on both backends,
/// and nothing is written. Found by fuzzing: `GET /api/v1/support-grants?credit_code=m%00`
/// was a server error on PostgreSQL.
#[actix_web::test]
async fn a_nul_character_anywhere_in_a_request_is_refused_never_a_fault() {
    let app = spawn_app().await;
    let auditor = app.staff_token("nul_aud", hechuang::domain::Role::Auditor).await;
    for path in [
        "/api/v1/support-grants?page=1&credit_code=m%00",
        "/api/v1/firms/f%00x",
        "/api/v1/policy/certification-schemes/a%00b",
    ] {
        let r = app.get(path, Some(&auditor)).await;
        assert_eq!((r.status.as_u16(), r.code()), (400, "nul_character"), "{path}: {}", r.body);
        assert!(r.body["detail"].as_str().unwrap_or("").contains("空字符"));
    }
    // In any string of a JSON body, key or value, however deep.
    let firms = app.count("firms");
    let mut body = firm_body("nul_firm", &new_credit_code());
    body["name"] = Value::String("合肥\0科技有限公司".into());
    let r = app.post("/api/v1/registrations/firm", None, &body).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "nul_character"));
    let r = app.login("nul\0user", "x").await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "nul_character"));
    assert_eq!(app.count("firms"), firms, "nothing written");

    // A page asked for with one: a page that says so, not a fault.
    let mut res = awc::Client::default()
        .get(app.url("/?lang=%00"))
        .insert_header(("accept", "text/html"))
        .send()
        .await
        .expect("request sent");
    let bytes = res.body().await.expect("body read");
    let text = String::from_utf8_lossy(&bytes);
    assert_eq!(res.status().as_u16(), 400, "{text}");
    assert!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        res.headers()
    );
    assert!(text.contains("空字符"), "{text}");

    // A form field: refused before any field is read, on both backends (SQLite would
    // have stored it).
    let mut b = crate::web::Browser::new(&app);
    let p = b.get("/login").await;
    let csrf = crate::web::Browser::csrf(&p);
    let p =
        b.post("/login", &[("csrf", &csrf), ("username", "nul\0user"), ("password", "x")]).await;
    assert_eq!(p.status, 400, "{}", p.body);
    assert!(p.body.contains("空字符"), "{}", p.body);
    let admin = app.staff_token("nul_adm", hechuang::domain::Role::Admin).await;
    let mut adm = crate::web::Browser::signed_in(&app, &admin);
    let page = adm.get("/admin").await;
    let csrf = crate::web::Browser::csrf(&page);
    let programmes = app.count("programmes");
    let audit = app.count("audit_events");
    let p = adm
        .post(
            "/admin/programmes",
            &[("csrf", &csrf), ("code", "NUL1"), ("name", "合创\0券"), ("categories", "patent")],
        )
        .await;
    assert_eq!(p.status, 400, "{}", p.body);
    assert!(p.body.contains("空字符"), "{}", p.body);
    assert_eq!(app.count("programmes"), programmes, "nothing made");
    assert_eq!(app.count("audit_events"), audit, "nothing audited");
    // The same form without it goes through: the body reaches the handler whole.
    let p = adm
        .post(
            "/admin/programmes",
            &[
                ("csrf", &csrf),
                ("code", "NUL1"),
                ("name", "合创券 100% 上门"),
                ("categories", "patent"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(app.count("programmes"), programmes + 1);
}
