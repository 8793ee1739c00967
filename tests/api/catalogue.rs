//! The service catalogue: listed providers publish in their categories; anyone browses.

use crate::helpers::{spawn_app, TestApp};
use chrono::Duration;
use hechuang::domain::Role;
use serde_json::{json, Value};

/// Registers a provider (patent, ip_trademark) and lists it; returns (id, token).
pub async fn listed_provider(app: &TestApp, username: &str) -> (String, String) {
    let id = app.register_provider(username).await;
    let rev = app.staff_token(&format!("rev_{username}"), Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/providers/{id}/listing"),
            Some(&rev),
            &json!({"action": "start_notice"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.clock.advance(Duration::days(8));
    let rev = app.token(&format!("rev_{username}")).await;
    let r = app.post("/api/v1/provider-notices/conclude", Some(&rev), &json!({})).await;
    assert!(r.body["listed"].as_array().unwrap().iter().any(|x| x == id.as_str()), "{}", r.body);
    (id, app.token(username).await)
}

fn item(category: &str, price: &str) -> Value {
    json!({
        "category": category,
        "title": "发明专利申请代理",
        "description": "技术交底、检索、撰写与答复审查意见",
        "list_price": price,
        "delivery_days": 90
    })
}

#[actix_web::test]
async fn a_listed_provider_publishes_and_everyone_sees_it() {
    let app = spawn_app().await;
    let (pid, token) = listed_provider(&app, "ipco").await;
    let r = app.post("/api/v1/provider/services", Some(&token), &item("patent", "8000.00")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["list_price"], "8000.00");
    assert_eq!(r.body["category_name"], "专利服务", "{}", r.body);
    assert_eq!(r.body["provider_id"], pid.as_str());
    assert_eq!(r.body["active"], true);
    let item_id = r.body["id"].as_str().unwrap().to_string();

    let all = app.get("/api/v1/services", None).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body["total"], 1);
    assert_eq!(all.body["items"][0]["provider_name"], "合肥ipco知识产权代理有限公司");
    assert_eq!(app.get("/api/v1/services?category=patent", None).await.body["total"], 1);
    assert_eq!(app.get("/api/v1/services?category=testing", None).await.body["total"], 0);
    assert_eq!(
        app.get(&format!("/api/v1/services?provider_id={pid}"), None).await.body["total"],
        1
    );
    let r = app.get("/api/v1/services?category=nope", None).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "category_unknown"));

    // Withdrawn: gone from the catalogue, still in the provider's own list.
    let mut withdrawn = item("patent", "8800.00");
    withdrawn["active"] = json!(false);
    let r =
        app.put(&format!("/api/v1/provider/services/{item_id}"), Some(&token), &withdrawn).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["list_price"], "8800.00");
    assert_eq!(app.get("/api/v1/services", None).await.body["total"], 0);
    let mine = app.get("/api/v1/provider/services", Some(&token)).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    assert_eq!(mine.body[0]["active"], false);

    // Both changes are audited.
    let admin = app.staff_token("admin", Role::Admin).await;
    let ev = app
        .get(
            &format!("/api/v1/audit/events?entity_type=service_item&entity_id={item_id}"),
            Some(&admin),
        )
        .await;
    let actions: Vec<&str> =
        ev.body.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.len(), 2, "{}", ev.body);
    assert!(actions.contains(&"service_item.created") && actions.contains(&"service_item.updated"));
}

#[actix_web::test]
async fn bad_items_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    // Not listed yet.
    app.register_provider("newco").await;
    let fresh = app.token("newco").await;
    let r = app.post("/api/v1/provider/services", Some(&fresh), &item("patent", "100.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "provider_not_listed"));

    let (_, token) = listed_provider(&app, "ipco2").await;
    let cases = [
        (item("testing", "100.00"), "category_not_listed"),
        (item("astrology", "100.00"), "category_unknown"),
        (item("patent", "0.00"), "amount_not_positive"),
        (item("patent", "100.001"), "amount_too_precise"),
        (item("patent", "-5"), "amount_negative"),
        (
            json!({"category": "patent", "title": "", "description": "d", "list_price": "1.00", "delivery_days": 5}),
            "required",
        ),
        (
            json!({"category": "patent", "title": "t", "description": "d", "list_price": "1.00", "delivery_days": 0}),
            "delivery_days_invalid",
        ),
    ];
    for (body, code) in cases {
        let r = app.post("/api/v1/provider/services", Some(&token), &body).await;
        assert_eq!(r.status, 422, "{code}: {}", r.body);
        assert_eq!(r.code(), code, "{}", r.body);
    }
    assert_eq!(app.count("service_items"), 0);

    // Another provider's item is not found, and stays as it was.
    let r = app.post("/api/v1/provider/services", Some(&token), &item("patent", "100.00")).await;
    let item_id = r.body["id"].as_str().unwrap().to_string();
    let (_, other) = listed_provider(&app, "ipco3").await;
    let r = app
        .put(&format!("/api/v1/provider/services/{item_id}"), Some(&other), &item("patent", "1.00"))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(app.get("/api/v1/services", None).await.body["items"][0]["list_price"], "100.00");
}
