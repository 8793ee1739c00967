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
    assert_eq!(mine.body["total"], 1, "{}", mine.body);
    assert_eq!(mine.body["items"][0]["active"], false);

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

#[actix_web::test]
async fn a_provider_finds_its_own_services_by_words_state_and_order_pages_and_files() {
    let app = spawn_app().await;
    listed_provider(&app, "own_svc").await;
    let (_, other) = listed_provider(&app, "other_svc").await;
    // Signed in again (listing the second provider took its notice period).
    let token = app.token("own_svc").await;
    let publish = |title: &str, category: &str, price: &str, active: bool| {
        json!({"category": category, "title": title, "description": "代理服务",
            "list_price": price, "delivery_days": 30, "active": active})
    };
    for (t, c, p, a) in [
        ("发明专利申请代理", "patent", "12000.00", true),
        ("实用新型专利代理", "patent", "3000.00", true),
        ("商标注册代理", "ip_trademark", "1500.00", true),
        ("专利复审代理（已停）", "patent", "9000.00", false),
    ] {
        let r = app.post("/api/v1/provider/services", Some(&token), &publish(t, c, p, a)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        app.clock.advance(Duration::minutes(1));
    }
    let r = app
        .post(
            "/api/v1/provider/services",
            Some(&other),
            &publish("别家专利代理", "patent", "100.00", true),
        )
        .await;
    assert_eq!(r.status, 201);
    let token = app.token("own_svc").await;
    let get = |q: &str| {
        let path = format!("/api/v1/provider/services{q}");
        let (app, token) = (&app, token.clone());
        async move { app.get(&path, Some(&token)).await }
    };
    let titles = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_string())
            .collect()
    };
    // Its own only, newest first.
    let all = get("").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.body["total"], 4);
    assert_eq!(titles(&all.body)[0], "专利复审代理（已停）");
    // By state, words, category, order, pages.
    assert_eq!(get("?status=withdrawn").await.body["total"], 1);
    assert_eq!(get("?status=offered").await.body["total"], 3);
    let found = get(&format!("?{}", serde_urlencoded::to_string([("q", "专利")]).unwrap())).await;
    assert_eq!(found.body["total"], 3, "{}", found.body);
    assert_eq!(get("?category=ip_trademark").await.body["total"], 1);
    assert_eq!(
        titles(&get("?sort=cheapest&status=offered").await.body),
        vec!["商标注册代理", "实用新型专利代理", "发明专利申请代理"]
    );
    let p2 = get("?per_page=3&page=2").await;
    assert_eq!((p2.body["total"].as_i64(), titles(&p2.body).len()), (Some(4), 1));
    // Refused, each with its code.
    for (q, code) in [
        ("?status=sold", "status_unknown"),
        ("?sort=largest", "sort_unknown"),
        ("?category=mining", "category_unknown"),
        ("?page=0", "page_invalid"),
    ] {
        let r = get(q).await;
        assert_eq!(r.code(), code, "{q}: {}", r.body);
    }
    // The list as a file, in words.
    let (s, _, csv) =
        app.get_bytes("/api/v1/provider/services?format=csv&status=withdrawn", Some(&token)).await;
    assert_eq!(s, 200);
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("服务,类别,标价（元）,交付天数,状态,发布时间"), "{text}");
    assert!(text.contains("专利复审代理（已停）,专利服务,9000.00,30,已下架,"), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");

    // The page: the same list with its filter, downloads and links to each service.
    let mut b = crate::web::Browser::signed_in(&app, &token);
    let p = b.get("/provider/services?status=withdrawn").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("共 1 条") && p.body.contains("专利复审代理（已停）"), "{}", p.body);
    assert!(!p.body.contains("商标注册代理"), "{}", p.body);
    assert!(p.body.contains("id=\"list-csv\""), "downloads");
    let none = b
        .get(&format!(
            "/provider/services?{}",
            serde_urlencoded::to_string([("q", "没有这个")]).unwrap()
        ))
        .await;
    assert!(
        none.body.contains("没有符合条件的记录。") && none.body.contains("共 0 条"),
        "{}",
        none.body
    );
    let bad = b.get("/provider/services?sort=largest").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"filter-sort-error\""), "{}", bad.body);
    let file = b.get("/provider/services/export?format=xlsx").await;
    assert!(file.body.starts_with("PK"), "a spreadsheet");
}
