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

async fn check(app: &crate::helpers::TestApp, token: &str, id: &str) -> serde_json::Value {
    let r = app.get(&format!("/api/v1/providers/{id}/listing-check"), Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// The listing rules inform the reviewer: licence, a qualification in force per
/// licensed category, contact verified, payouts to the provider's own account; in the
/// API and beside the application on the review desk, in the reader's words.
#[actix_web::test]
async fn the_review_desk_shows_an_application_under_the_listing_rules() {
    use crate::helpers::{new_credit_code, provider_body};
    use crate::orders::PDF;
    use crate::web::Browser;
    let app = spawn_app().await;
    let rev = app.staff_token("lr_rev", Role::Reviewer).await;
    // Applies for patent (licensed) and trademark agency (not), its payout account in
    // another name, nothing uploaded yet.
    let id = app.register_provider("lr_prov").await;
    let prov = app.token("lr_prov").await;
    let c = check(&app, &rev, &id).await;
    assert_eq!((c["all_met"].as_bool(), c["met"].as_i64()), (Some(false), Some(1)), "{c}");
    let rules = c["rules"].as_array().unwrap();
    let rule = |name: &str| rules.iter().find(|r| r["rule"] == name).cloned().unwrap();
    assert_eq!(rule("business_licence")["uploaded"], false);
    assert_eq!(rule("qualifications")["categories"], json!(["patent"]), "{c}");
    assert_eq!(rule("qualifications")["in_force"], 0);
    assert_eq!(rule("contact_verified")["verified"], true);
    assert_eq!(rule("account_name")["matches"], false);

    // A licence and a certificate valid until tomorrow; two days on it has expired and
    // counts no more; then one in force.
    let up = |token: String, q: &str| {
        let (app, path) = (&app, format!("/api/v1/me/documents?{q}"));
        async move { app.post_bytes(&path, Some(&token), PDF.to_vec()).await }
    };
    assert_eq!(up(prov.clone(), "kind=business_licence").await.status, 201);
    let tomorrow = hechuang::domain::china_time(app.clock.now()).date() + Duration::days(1);
    let q = format!("kind=qualification_certificate&certificate_no=P-1&valid_until={tomorrow}");
    let r = up(prov.clone(), &q).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(check(&app, &rev, &id).await["met"], 3, "licence, qualification, contact");
    app.clock.advance(Duration::days(2));
    let (rev, prov) = (app.token("lr_rev").await, app.token("lr_prov").await);
    let c = check(&app, &rev, &id).await;
    let q = c["rules"].as_array().unwrap().iter().find(|r| r["rule"] == "qualifications").cloned();
    assert_eq!(
        q.map(|q| (q["in_force"].clone(), q["expired"].clone())),
        Some((json!(0), json!(1)))
    );
    assert_eq!(c["met"], 2, "licence and contact: {c}");
    let r = up(prov.clone(), "kind=qualification_certificate&certificate_no=P-2").await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(check(&app, &rev, &id).await["met"], 3);

    // Beside the application on the desk: each rule in words, what it asks and shows.
    let mut b = Browser::signed_in(&app, &rev);
    let p = b.get("/review/providers").await;
    assert_eq!(p.status, 200, "{}", p.body);
    let at = p.body.find(&format!("id=\"listing-rules-{id}\"")).expect("the rules beside it");
    let part = &p.body[at..];
    for words in [
        "入库条件：未全部达标",
        "共 4 项，3 项达标",
        "执业资质证书",
        "每个需资质的服务类别一份有效证书，共 1 份（专利服务）",
        "有效 1 份，已过期 1 份",
        "收款账户户名",
        "与机构名称一致（合肥lr_prov知识产权代理有限公司）",
        "合肥知识产权代理有限公司",
        "未达标",
    ] {
        assert!(part.contains(words), "{words} in {part}");
    }
    assert!(!part.contains("account_name"), "names, not wire codes: {part}");

    // An application meeting every rule; one whose contact is not verified.
    let mut body = provider_body("lr_good", &new_credit_code());
    body["categories"] = json!(["ip_trademark"]);
    body["bank_account_name"] = body["name"].clone();
    let r = app.post("/api/v1/registrations/provider", None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let good = r.body["party"]["id"].as_str().unwrap().to_string();
    let c = check(&app, &rev, &good).await;
    assert_eq!(c["rules"].as_array().map(Vec::len), Some(3), "no licensed category: {c}");
    let unverified =
        c["rules"].as_array().unwrap().iter().find(|r| r["rule"] == "contact_verified").cloned();
    assert_eq!(unverified.map(|r| r["verified"].clone()), Some(json!(false)));
    app.verify_contact(&r.body).await;
    let good_token = app.token("lr_good").await;
    let r = app
        .post_bytes("/api/v1/me/documents?kind=business_licence", Some(&good_token), PDF.to_vec())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let c = check(&app, &rev, &good).await;
    assert_eq!((c["all_met"].as_bool(), c["met"].as_i64()), (Some(true), Some(3)), "{c}");
    let p = b.get("/review/providers").await;
    let at = p.body.find(&format!("id=\"listing-rules-{good}\"")).expect("the rules beside it");
    assert!(p.body[at..].contains("入库条件：均已达标"), "{}", &p.body[at..]);
    // Unknown provider: 404.
    let r = app
        .get("/api/v1/providers/01a248b5-7b1c-70ca-9949-c4b8aae0f29d/listing-check", Some(&rev))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
}
