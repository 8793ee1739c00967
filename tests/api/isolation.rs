//! Identifiers of another party: a firm naming another firm's voucher, a provider
//! another provider's order, evidence, service item or redemption, a space another
//! space's application or incubatee — each answered 404 `not_found`, with nothing of
//! the other party in the answer, and nothing changed. Through the API and the pages.

use crate::helpers::{spawn_app, Resp, TestApp};
use crate::orders::{world, World, PDF};
use crate::web::Browser;
use serde_json::{json, Value};

/// Not found, and not a word of what the other party holds.
fn hidden(r: &Resp, what: &str, secrets: &[&str]) {
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"), "{what}: {}", r.body);
    let body = r.body.to_string();
    for s in secrets {
        assert!(!body.contains(s), "{what} leaks {s}: {body}");
    }
}

async fn call(app: &TestApp, method: &str, path: &str, token: &str, body: Option<Value>) -> Resp {
    app.send(method, path, Some(token), body.as_ref()).await
}

/// A world with one delivered and confirmed order, evidence and a redemption applied.
async fn busy(app: &TestApp, tag: &str) -> (World, String, String, String) {
    let w = world(app, tag).await;
    let order = w.confirmed_order(app, "12000.00").await;
    let r = app.get(&format!("/api/v1/orders/{order}"), Some(&w.provider_token)).await;
    let evidence = r.body["evidence"][0]["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            "/api/v1/provider/redemptions",
            Some(&w.provider_token),
            &json!({"order_ids": [order]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let application = r.body["id"].as_str().unwrap().to_string();
    (w, order, evidence, application)
}

#[actix_web::test]
async fn another_partys_identifiers_are_not_found_and_leak_nothing() {
    let app = spawn_app().await;
    let (a, a_order, a_evidence, a_redemption) = busy(&app, "isoa").await;
    let (b, _, _, _) = busy(&app, "isob").await;
    let a_order_no = app.get(&format!("/api/v1/orders/{a_order}"), Some(&a.firm.token)).await.body
        ["order_no"]
        .as_str()
        .unwrap()
        .to_string();
    let secrets = [a_order_no.as_str(), "合肥isoa"];
    let audit_before = app.count("audit_events");

    // Firm b with firm a's voucher, order and evidence.
    let fb = &b.firm.token;
    let cases: Vec<(&str, String, Option<Value>, &str)> = vec![
        (
            "POST",
            "/api/v1/orders/quote".into(),
            Some(
                json!({"service_item_id": b.item, "voucher_id": a.voucher, "contract_amount": "1000.00"}),
            ),
            "quote with another firm's voucher",
        ),
        (
            "POST",
            "/api/v1/orders".into(),
            Some(
                json!({"service_item_id": b.item, "voucher_id": a.voucher, "contract_amount": "1000.00"}),
            ),
            "order with another firm's voucher",
        ),
        ("GET", format!("/api/v1/orders/{a_order}"), None, "another firm's order"),
        (
            "GET",
            format!("/api/v1/orders/{a_order}/evidence/{a_evidence}"),
            None,
            "another firm's evidence",
        ),
        (
            "POST",
            format!("/api/v1/orders/{a_order}/dispute"),
            Some(json!({"reason": "x"})),
            "disputing another firm's order",
        ),
        (
            "POST",
            format!("/api/v1/orders/{a_order}/cancel"),
            Some(json!({"reason": "x"})),
            "cancelling another firm's order",
        ),
    ];
    for (m, path, body, what) in cases {
        hidden(&call(&app, m, &path, fb, body).await, what, &secrets);
    }

    // Provider b with provider a's order, evidence, service item and redemption.
    let pb = &b.provider_token;
    let cases: Vec<(&str, String, Option<Value>, &str)> = vec![
        ("GET", format!("/api/v1/orders/{a_order}"), None, "another provider's order"),
        (
            "GET",
            format!("/api/v1/orders/{a_order}/evidence/{a_evidence}"),
            None,
            "another provider's evidence",
        ),
        (
            "POST",
            format!("/api/v1/orders/{a_order}/accept"),
            Some(json!({})),
            "accepting another provider's order",
        ),
        (
            "POST",
            format!("/api/v1/orders/{a_order}/deliver"),
            Some(json!({})),
            "delivering another provider's order",
        ),
        (
            "PUT",
            format!("/api/v1/provider/services/{}", a.item),
            Some(json!({"category": "patent", "title": "x", "description": "x",
                        "list_price": "1.00", "delivery_days": 1})),
            "editing another provider's service",
        ),
        (
            "GET",
            format!("/api/v1/redemptions/{a_redemption}"),
            None,
            "another provider's redemption",
        ),
        (
            "POST",
            "/api/v1/provider/redemptions".into(),
            Some(json!({"order_ids": [a_order]})),
            "applying for another provider's order",
        ),
    ];
    for (m, path, body, what) in cases {
        hidden(&call(&app, m, &path, pb, body).await, what, &secrets);
    }
    let r = app
        .post_bytes(
            &format!("/api/v1/orders/{a_order}/evidence?kind=contract"),
            Some(pb),
            PDF.to_vec(),
        )
        .await;
    hidden(&r, "uploading to another provider's order", &secrets);

    // Spaces: another space's application and incubatee.
    let (_, _, sa) = crate::subsidies::space(&app, "isospa").await;
    let (_, _, sb) = crate::subsidies::space(&app, "isospb").await;
    let rev = app.staff_token("iso_rev", hechuang::domain::Role::Reviewer).await;
    crate::subsidies::certify(&app, &sa, &rev, "national_incubator").await;
    let r = app
        .post(
            "/api/v1/space/certification-applications",
            Some(&sa),
            &json!({"scheme": "provincial_incubator", "figures": crate::subsidies::figures()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let application = r.body["id"].as_str().unwrap().to_string();
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let r = app
        .post(
            "/api/v1/space/incubatees",
            Some(&sa),
            &json!({"firm_name": "合肥isospa星云科技有限公司", "credit_code": crate::helpers::new_credit_code(),
                    "founded_on": (today - chrono::Months::new(10)).to_string(),
                    "entered_on": (today - chrono::Months::new(2)).to_string(), "field": "软件"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let incubatee = r.body["id"].as_str().unwrap().to_string();
    let space_secrets = ["isospa"];
    let audit_mid = app.count("audit_events");
    let cases: Vec<(&str, String, Option<Value>, &str)> = vec![
        (
            "GET",
            format!("/api/v1/certification-applications/{application}"),
            None,
            "another space's application",
        ),
        (
            "POST",
            format!("/api/v1/space/certification-applications/{application}/withdrawal"),
            Some(json!({})),
            "withdrawing another space's application",
        ),
        (
            "POST",
            format!("/api/v1/space/incubatees/{incubatee}/departure"),
            Some(json!({"left_on": today.to_string(), "reason": "x"})),
            "another space's incubatee",
        ),
        (
            "POST",
            format!("/api/v1/space/incubatees/{incubatee}/graduation"),
            Some(json!({"graduated_on": today.to_string(), "condition": "acquired_or_listed"})),
            "graduating another space's incubatee",
        ),
    ];
    for (m, path, body, what) in cases {
        hidden(&call(&app, m, &path, &sb, body).await, what, &space_secrets);
    }

    // The pages answer the same.
    let mut page = Browser::signed_in(&app, fb);
    let p = page.get(&format!("/orders/{a_order}")).await;
    assert_eq!(p.status, 404, "{}", p.body);
    assert!(!p.body.contains(&a_order_no));
    let p = page.get(&format!("/orders/{a_order}/evidence/{a_evidence}")).await;
    assert_eq!(p.status, 404);
    assert!(!p.body.starts_with("%PDF"));
    let mut page = Browser::signed_in(&app, pb);
    let p = page.get(&format!("/provider/services/{}", a.item)).await;
    assert_eq!(p.status, 404, "{}", p.body);

    // Nothing refused left a trace of a change.
    assert_eq!(app.count("audit_events"), audit_mid);
    assert!(audit_mid > audit_before, "the spaces' own steps were recorded");
    let r = app.get(&format!("/api/v1/orders/{a_order}"), Some(&a.firm.token)).await;
    assert_eq!(r.body["status"], "confirmed");
}
