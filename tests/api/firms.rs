use crate::helpers::{firm_body, new_credit_code, spawn_app};
use hechuang::domain::Role;
use serde_json::json;

#[actix_web::test]
async fn firm_registers_with_its_size_class_and_figures() {
    let app = spawn_app().await;
    let r =
        app.post("/api/v1/registrations/firm", None, &firm_body("acme", &new_credit_code())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let firm = &r.body["party"];
    assert_eq!(firm["size_class"], "small"); // software: 12 staff, 800,000 yuan
    assert_eq!(firm["revenue"], "800000.00");
    assert_eq!(firm["size_basis"]["employees"], 12);
    assert_eq!(firm["size_basis"]["bounds_met"]["employees"], 10);
    assert_eq!(firm["onboarding_status"], "submitted");
    assert_eq!(firm["district"], "340171");

    // The firm's user sees its own profile.
    let t = app.token("acme").await;
    let r = app.get("/api/v1/firm/profile", Some(&t)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["id"], firm["id"]);
}

#[actix_web::test]
async fn wrong_credit_codes_say_which_part_is_wrong_and_change_nothing() {
    let app = spawn_app().await;
    let before = (app.count("firms"), app.count("users"), app.count("audit_events"));
    let cases = [
        ("91350100M000100Y4", "18位"),          // too short
        ("91350100M000100I43", "第16位"),       // I is not in the charset
        ("91350100M000100Y53", "第17位"),       // organisation code check
        ("91350100M000100Y44", "第18位校验码"), // final check character
    ];
    for (code, part) in cases {
        let r = app.post("/api/v1/registrations/firm", None, &firm_body("bad", code)).await;
        assert_eq!(r.status, 422, "{code}: {}", r.body);
        assert_eq!(r.content_type, "application/problem+json");
        assert_eq!(r.code(), "credit_code_invalid", "{code}");
        assert!(r.body["detail"].as_str().unwrap().contains(part), "{code}: {}", r.body["detail"]);
        assert_eq!(r.body["errors"][0]["field"], "credit_code");
    }
    assert_eq!(before, (app.count("firms"), app.count("users"), app.count("audit_events")));
}

#[actix_web::test]
async fn several_bad_fields_are_all_reported() {
    let app = spawn_app().await;
    let mut body = firm_body("x", "91350100M000100Y44");
    body["revenue"] = json!("12.345");
    body["password"] = json!("short");
    body["industry"] = json!("mining");
    body["registered_on"] = json!("2099-01-01");
    let r = app.post("/api/v1/registrations/firm", None, &body).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.code(), "validation_failed");
    let codes: Vec<&str> =
        r.body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    for c in [
        "username_invalid",
        "password_too_weak",
        "credit_code_invalid",
        "amount_too_precise",
        "industry_unknown",
        "date_in_future",
    ] {
        assert!(codes.contains(&c), "{c} missing from {codes:?}");
    }
    assert_eq!(app.count("firms"), 0);
}

#[actix_web::test]
async fn the_district_is_one_of_the_policy_list_and_required() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/policy/districts", None).await;
    assert_eq!(r.status, 200);
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), 12, "{}", r.body);
    assert!(list.iter().any(|d| d["code"] == "340104" && d["name_zh"] == "蜀山区"), "{}", r.body);
    for district in [json!("999999"), json!(""), json!("  ")] {
        let mut body = firm_body("nodistrict", &new_credit_code());
        body["district"] = district.clone();
        let r = app.post("/api/v1/registrations/firm", None, &body).await;
        assert_eq!(r.status, 422, "{district}: {}", r.body);
        assert_eq!(r.code(), "district_unknown", "{district}");
        assert_eq!(r.body["errors"][0]["field"], "district");
    }
    let mut body = firm_body("nodistrict", &new_credit_code());
    body.as_object_mut().unwrap().remove("district");
    let r = app.post("/api/v1/registrations/firm", None, &body).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body["detail_en"].as_str().unwrap().contains("`district`"), "{}", r.body);
    assert_eq!(app.count("firms"), 0, "nothing written");
    // A firm changes its district on its profile while in review.
    let mut body = firm_body("movedfirm", &new_credit_code());
    let r = app.post("/api/v1/registrations/firm", None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let t = app.token("movedfirm").await;
    for k in ["username", "password"] {
        body.as_object_mut().unwrap().remove(k);
    }
    body["district"] = json!("340111");
    let r = app.put("/api/v1/firm/profile", Some(&t), &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["district"], "340111");
}

#[actix_web::test]
async fn duplicate_codes_and_usernames_are_refused() {
    let app = spawn_app().await;
    let code = new_credit_code();
    assert_eq!(
        app.post("/api/v1/registrations/firm", None, &firm_body("first", &code)).await.status,
        201
    );
    let r = app.post("/api/v1/registrations/firm", None, &firm_body("second", &code)).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "credit_code_taken");
    // The same code cannot come back as a provider either.
    let r = app
        .post("/api/v1/registrations/provider", None, &crate::helpers::provider_body("prov", &code))
        .await;
    assert_eq!(r.code(), "credit_code_taken");
    let r =
        app.post("/api/v1/registrations/firm", None, &firm_body("first", &new_credit_code())).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "username_taken");
    assert_eq!(app.count("firms"), 1);
    assert_eq!(app.count("providers"), 0);
}

#[actix_web::test]
async fn total_assets_industries_need_assets() {
    let app = spawn_app().await;
    let mut body = firm_body("lease", &new_credit_code());
    body["industry"] = json!("leasing_business");
    let r = app.post("/api/v1/registrations/firm", None, &body).await;
    assert_eq!(r.code(), "total_assets_required");
    body["total_assets"] = json!("90000000.00");
    body["employees"] = json!(150);
    let r = app.post("/api/v1/registrations/firm", None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["party"]["size_class"], "medium");
}

#[actix_web::test]
async fn onboarding_by_a_reviewer() {
    let app = spawn_app().await;
    let (firm_id, _) = app.register_firm("acme").await;
    let rev = app.staff_token("rev", Role::Reviewer).await;
    let path = format!("/api/v1/firms/{firm_id}/onboarding");

    let r = app.post(&path, Some(&rev), &json!({"decision": "reject"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.code(), "reason_required");

    let r = app
        .post(&path, Some(&rev), &json!({"decision": "reject", "reason": "营业收入证明不清晰"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["onboarding_status"], "rejected");
    assert_eq!(r.body["onboarding_reason"], "营业收入证明不清晰");

    // Already decided.
    let r = app.post(&path, Some(&rev), &json!({"decision": "approve"})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "onboarding_already_decided");

    // The firm fixes its profile: resubmitted, with a new size class.
    let firm = app.token("acme").await;
    let mut profile = firm_body("acme", "");
    let obj = profile.as_object_mut().unwrap();
    obj.remove("username");
    obj.remove("password");
    let current = app.get("/api/v1/firm/profile", Some(&firm)).await;
    profile["credit_code"] = current.body["credit_code"].clone();
    profile["employees"] = json!(5);
    let r = app.put("/api/v1/firm/profile", Some(&firm), &profile).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["onboarding_status"], "submitted");
    assert_eq!(r.body["size_class"], "micro");

    let r = app.post(&path, Some(&rev), &json!({"decision": "approve"})).await;
    assert_eq!(r.body["onboarding_status"], "onboarded");

    // Once onboarded the firm cannot change its profile alone.
    let r = app.put("/api/v1/firm/profile", Some(&firm), &profile).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "firm_profile_locked");

    // Qualifications and the recommending space.
    let space_id = app.register_space("incu").await;
    let r = app
        .put(&format!("/api/v1/firms/{firm_id}/qualifications"), Some(&rev),
            &json!({"high_tech": true, "tech_sme": true, "dishonest": false, "recommended_by_space_id": space_id}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["qualifications"]["high_tech"], true);
    assert_eq!(r.body["qualifications"]["recommended_by_space_id"], space_id);
    let r = app
        .put(&format!("/api/v1/firms/{firm_id}/qualifications"), Some(&rev),
            &json!({"high_tech": true, "tech_sme": true, "dishonest": false, "recommended_by_space_id": uuid::Uuid::now_v7().to_string()}))
        .await;
    assert_eq!(r.code(), "space_unknown");

    // Each decision left an audit event.
    let aud = app.staff_token("aud", Role::Auditor).await;
    let r = app
        .get(&format!("/api/v1/audit/events?entity_type=firm&entity_id={firm_id}"), Some(&aud))
        .await;
    let actions: Vec<&str> =
        r.body.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "firm.qualifications_set",
            "firm.onboarded",
            "firm.profile_updated",
            "firm.onboarding_rejected",
            "contact.verified",
            "firm.registered"
        ]
    );
}

#[actix_web::test]
async fn lists_are_paged_and_filtered() {
    let app = spawn_app().await;
    for i in 0..3 {
        app.register_firm(&format!("firm{i}")).await;
    }
    let rev = app.staff_token("rev", Role::Reviewer).await;
    let r = app.get("/api/v1/firms?per_page=2", Some(&rev)).await;
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    let r = app.get("/api/v1/firms?per_page=2&page=2", Some(&rev)).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = app.get("/api/v1/firms?status=onboarded", Some(&rev)).await;
    assert_eq!(r.body["total"], 0);
}

/// A reviewer confirms a qualification from the certificate a firm uploaded; the
/// qualification counts for a claim until the certificate's last day, then stops.
#[actix_web::test]
async fn a_qualification_confirmed_from_a_certificate_stops_counting_when_it_ends() {
    use chrono::Duration;
    let app = spawn_app().await;
    let rev = app.staff_token("q_rev", Role::Reviewer).await;
    let admin = app.staff_token("q_admin", Role::Admin).await;
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let until = today + Duration::days(10);
    let mut firms = Vec::new();
    for name in ["qa_firm", "qb_firm"] {
        let (id, _) = app.register_firm(name).await;
        let r = app
            .post(
                &format!("/api/v1/firms/{id}/onboarding"),
                Some(&rev),
                &json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let token = app.token(name).await;
        let upload = |q: String| {
            let (app, token) = (&app, token.clone());
            async move {
                let r = app
                    .post_bytes(
                        &format!("/api/v1/me/documents?{q}"),
                        Some(&token),
                        crate::orders::PDF.to_vec(),
                    )
                    .await;
                assert_eq!(r.status, 201, "{}", r.body);
                r.body["id"].as_str().unwrap().to_string()
            }
        };
        let cert = upload(format!(
            "kind=high_tech_certificate&certificate_no=GR2026{name}&valid_until={until}"
        ))
        .await;
        let licence = upload("kind=business_licence".into()).await;
        firms.push((id, name, cert, licence));
    }
    let (a, b) = (&firms[0], &firms[1]);
    let confirm = |firm: &str| format!("/api/v1/firms/{firm}/qualifications/confirmation");

    // Refused at the field: not a certificate, not this firm's, no such document.
    let firm_a = app.token(a.1).await;
    let before = app.count("audit_events");
    for (doc, code) in [
        (a.3.clone(), "document_not_a_certificate"),
        (b.2.clone(), "document_unknown"),
        ("not-an-id".to_string(), "document_unknown"),
    ] {
        let r = app.post(&confirm(&a.0), Some(&rev), &json!({"document_id": doc})).await;
        assert_eq!(r.status, 422, "{doc}: {}", r.body);
        assert_eq!((r.body["errors"][0]["field"].as_str(), r.code()), (Some("document_id"), code));
    }
    let r = app.post(&confirm(&a.0), Some(&firm_a), &json!({"document_id": a.2})).await;
    assert_eq!(r.status, 403, "only a reviewer confirms");
    assert_eq!(app.count("audit_events"), before);

    for f in [a, b] {
        let r = app.post(&confirm(&f.0), Some(&rev), &json!({"document_id": f.2})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["qualifications"]["high_tech"], true);
        assert_eq!(
            r.body["high_tech_certificate"],
            json!({"number": format!("GR2026{}", f.1), "valid_until": until.to_string()})
        );
    }

    // A programme for high-tech enterprises: a claims while its certificate is valid;
    // b, after its certificate ended, is refused as not qualified.
    let batch = crate::claims::batch(
        &app,
        &admin,
        json!({"required_qualifications": ["high_tech"]}),
        json!({"budget": "100000.00"}),
    )
    .await;
    let claims = format!("/api/v1/batches/{batch}/claims");
    app.clock.advance(Duration::hours(1));
    let firm_a = app.token(a.1).await;
    let r = app.post(&claims, Some(&firm_a), &json!({"face_value": "50000.00"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.clock.advance(Duration::days(11));
    let firm_b = app.token(b.1).await;
    let r = app.post(&claims, Some(&firm_b), &json!({"face_value": "50000.00"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "firm_not_eligible"), "{}", r.body);
    // Confirming from the ended certificate is refused too.
    let rev = app.token("q_rev").await;
    let r = app.post(&confirm(&b.0), Some(&rev), &json!({"document_id": b.2})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "certificate_expired"), "{}", r.body);

    // The staff page says so, and offers no confirmation from the ended certificate.
    let mut page = crate::web::Browser::signed_in(&app, &rev);
    let p = page.get(&format!("/firms/{}", b.0)).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains(&format!("GR2026{}", b.1)) && p.body.contains("tag warn"),
        "{}",
        p.body
    );
    assert!(!p.body.contains("据此核定资质"), "{}", p.body);
    // The register links each firm to its page.
    let p = page.get("/firms?q=qa_firm").await;
    assert!(
        p.body.replace("&#x2f;", "/").contains(&format!("href=\"/firms/{}\"", a.0)),
        "{}",
        p.body
    );
}
