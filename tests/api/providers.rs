use crate::helpers::spawn_app;
use chrono::Duration;
use hechuang::domain::Role;
use serde_json::json;

fn objection() -> serde_json::Value {
    json!({"objector_name": "某某企业", "objector_contact": "0551-61234567", "reason": "该机构曾出具虚假检测报告"})
}

#[actix_web::test]
async fn listing_after_a_quiet_notice() {
    let app = spawn_app().await;
    let id = app.register_provider("ipagent").await;
    let rev = app.staff_token("rev", Role::Reviewer).await;
    let prov = app.token("ipagent").await;
    let r = app.get("/api/v1/provider/profile", Some(&prov)).await;
    assert_eq!(r.body["listing_status"], "applied");
    assert_eq!(r.body["categories"], json!(["ip_trademark", "patent"]));

    // Objections only during the notice.
    let obj_path = format!("/api/v1/public/provider-notices/{id}/objections");
    assert_eq!(app.post(&obj_path, None, &objection()).await.code(), "notice_not_open");

    let r = app
        .post(
            &format!("/api/v1/providers/{id}/listing"),
            Some(&rev),
            &json!({"action": "start_notice"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["listing_status"], "in_notice");
    let r = app.get("/api/v1/public/provider-notices", None).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["provider_id"], id);

    // Six days in: still in notice; seven days: listed.
    app.clock.advance(Duration::days(6));
    let rev = app.token("rev").await;
    let r = app.post("/api/v1/provider-notices/conclude", Some(&rev), &json!({})).await;
    assert_eq!(r.body["listed"], json!([]), "{}", r.body);
    app.clock.advance(Duration::days(1));
    let rev = app.token("rev").await;
    let r = app.post("/api/v1/provider-notices/conclude", Some(&rev), &json!({})).await;
    assert_eq!(r.body["listed"], json!([id]));
    // Idempotent: nothing more to do.
    let r = app.post("/api/v1/provider-notices/conclude", Some(&rev), &json!({})).await;
    assert_eq!(r.body["listed"], json!([]));
    let prov = app.token("ipagent").await;
    let r = app.get("/api/v1/provider/profile", Some(&prov)).await;
    assert_eq!(r.body["listing_status"], "listed");
    assert!(r.body["listed_at"].is_string());
    assert_eq!(app.post(&obj_path, None, &objection()).await.code(), "notice_not_open");

    // Suspension needs a reason; reinstatement restores the listing.
    let lp = format!("/api/v1/providers/{id}/listing");
    assert_eq!(
        app.post(&lp, Some(&rev), &json!({"action": "suspend"})).await.code(),
        "reason_required"
    );
    assert_eq!(
        app.post(&lp, Some(&rev), &json!({"action": "suspend", "reason": "整改"})).await.body
            ["listing_status"],
        "suspended"
    );
    assert_eq!(
        app.post(&lp, Some(&rev), &json!({"action": "reinstate"})).await.body["listing_status"],
        "listed"
    );
    let r = app.post(&lp, Some(&rev), &json!({"action": "start_notice"})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "listing_transition_invalid");
}

#[actix_web::test]
async fn an_open_objection_holds_the_listing_until_decided() {
    let app = spawn_app().await;
    let id = app.register_provider("testlab").await;
    let rev = app.staff_token("rev", Role::Reviewer).await;
    app.post(
        &format!("/api/v1/providers/{id}/listing"),
        Some(&rev),
        &json!({"action": "start_notice"}),
    )
    .await;
    let r = app
        .post(&format!("/api/v1/public/provider-notices/{id}/objections"), None, &objection())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let objection_id = r.body["id"].as_str().unwrap().to_string();

    app.clock.advance(Duration::days(8));

    let rev = app.token("rev").await;
    let r = app.post("/api/v1/provider-notices/conclude", Some(&rev), &json!({})).await;
    assert_eq!(r.body["listed"], json!([]));
    assert_eq!(r.body["awaiting_objections"], json!([id]));

    let res = format!("/api/v1/objections/{objection_id}/resolution");
    let r = app
        .post(&res, Some(&rev), &json!({"outcome": "dismissed", "note": "经核查举报不实"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "dismissed");
    assert_eq!(
        app.post(&res, Some(&rev), &json!({"outcome": "upheld", "note": "x"})).await.code(),
        "objection_already_resolved"
    );

    let r = app.post("/api/v1/provider-notices/conclude", Some(&rev), &json!({})).await;
    assert_eq!(r.body["listed"], json!([id]));
}

#[actix_web::test]
async fn an_upheld_objection_fails_the_application() {
    let app = spawn_app().await;
    let id = app.register_provider("shady").await;
    let rev = app.staff_token("rev", Role::Reviewer).await;
    app.post(
        &format!("/api/v1/providers/{id}/listing"),
        Some(&rev),
        &json!({"action": "start_notice"}),
    )
    .await;
    let r = app
        .post(&format!("/api/v1/public/provider-notices/{id}/objections"), None, &objection())
        .await;
    let objection_id = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/objections/{objection_id}/resolution"),
            Some(&rev),
            &json!({"outcome": "upheld", "note": "查证属实"}),
        )
        .await;
    assert_eq!(r.body["status"], "upheld");
    let r = app.get(&format!("/api/v1/providers/{id}"), Some(&rev)).await;
    assert_eq!(r.body["listing_status"], "rejected");
    assert!(r.body["decision_reason"].as_str().unwrap().contains("查证属实"));
    app.clock.advance(Duration::days(8));
    let rev = app.token("rev").await;
    let r = app.post("/api/v1/provider-notices/conclude", Some(&rev), &json!({})).await;
    assert_eq!(r.body["listed"], json!([]));
    let r = app.get(&format!("/api/v1/providers/{id}/objections"), Some(&rev)).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn provider_application_is_validated() {
    let app = spawn_app().await;
    let mut body = crate::helpers::provider_body("prov1", &crate::helpers::new_credit_code());
    body["categories"] = json!(["patent", "astrology"]);
    body["bank_account_no"] = json!("12AB");
    let r = app.post("/api/v1/registrations/provider", None, &body).await;
    assert_eq!(r.status, 422);
    let codes: Vec<&str> =
        r.body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(
        codes.contains(&"category_unknown") && codes.contains(&"bank_account_invalid"),
        "{codes:?}"
    );
    body["categories"] = json!([]);
    body["bank_account_no"] = json!("6222 0000 1111 2222");
    let r = app.post("/api/v1/registrations/provider", None, &body).await;
    assert_eq!(r.code(), "categories_required", "{}", r.body);
    assert_eq!(app.count("providers"), 0);
}

#[actix_web::test]
async fn spaces_register_and_are_visible_to_staff() {
    let app = spawn_app().await;
    let id = app.register_space("maker").await;
    let t = app.token("maker").await;
    let r = app.get("/api/v1/space/profile", Some(&t)).await;
    assert_eq!(r.body["kind"], "incubator");
    let fin = app.staff_token("fin", Role::Finance).await;
    let r = app.get(&format!("/api/v1/spaces/{id}"), Some(&fin)).await;
    assert_eq!(r.status, 200);
    let r = app.get("/api/v1/spaces", Some(&fin)).await;
    assert_eq!(r.body["total"], 1);
    let mut body = crate::helpers::space_body("other", &crate::helpers::new_credit_code());
    body["kind"] = json!("factory");
    let r = app.post("/api/v1/registrations/space", None, &body).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "invalid_json");
}
