//! Provider credit (服务机构信用): the grade follows the record at once, by the rules in
//! `config/policy/credit.toml`, with its reasons; the public list shows it.

use crate::helpers::spawn_app;
use crate::receivables::{decide, paid_and_questioned};
use crate::web::Browser;
use serde_json::json;

#[actix_web::test]
async fn a_providers_grade_falls_with_a_finding_and_a_clawback_and_says_why() {
    let app = spawn_app().await;
    let tag = "crd";
    let (w, _, findings) = paid_and_questioned(&app, tag, 2).await;
    let rev = app.token(&format!("rv_{tag}")).await;
    let url = format!("/api/v1/providers/{}/credit", w.provider);
    let r = app.get(&url, Some(&rev)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((&r.body["grade"], &r.body["points"]), (&json!("A"), &json!(100)), "{}", r.body);
    assert_eq!(r.body["reasons"], json!([]));
    assert_eq!(r.body["sanction"], "none");

    // The provider's next item is in review before the decisions.
    let mut w = w;
    w.provider_token = app.token(tag).await;
    let o = w.confirmed_order(&app, "300.00").await;
    let r = app
        .post("/api/v1/provider/redemptions", Some(&w.provider_token), &json!({"order_ids": [o]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // A corrected amount on a paid item: 10 for the finding, 10 for the clawback: B, and
    // the grade's warning is emailed.
    let (f0, _) = findings[0].clone();
    let body = json!({"outcome": "corrected", "corrected_amount": "100.00", "reason": "部分交付"});
    assert_eq!(decide(&app, tag, &f0, body).await.status, 200);
    let r = app.get(&url, Some(&rev)).await;
    assert_eq!((&r.body["grade"], &r.body["points"]), (&json!("B"), &json!(80)), "{}", r.body);
    assert_eq!(r.body["sanction"], "warning");
    let warned: Vec<_> = app.outbox().into_iter().filter(|m| m.kind == "credit_warning").collect();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].subject.contains("B 级"), "{}", warned[0].subject);
    // The public list shows the grade while the provider is listed.
    let list = app.get("/api/v1/public/providers", None).await;
    let mine = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == json!(w.provider))
        .cloned()
        .unwrap();
    assert_eq!(mine["grade"], "B", "{mine}");
    let page = Browser::new(&app).get("/public/providers").await;
    assert!(page.body.contains("信用等级"), "{}", page.body);
    assert!(page.body.contains("grade-B"), "{}", page.body);

    // Then found not delivered: 40 more, and a second clawback: 20 points, D, and the
    // provider is delisted by the rules at once.
    let (f1, _) = findings[1].clone();
    let body = json!({"outcome": "fraudulent", "reason": "未交付"});
    assert_eq!(decide(&app, tag, &f1, body).await.status, 200);
    let rev = app.token(&format!("rv_{tag}")).await;
    let r = app.get(&url, Some(&rev)).await;
    assert_eq!((&r.body["grade"], &r.body["points"]), (&json!("D"), &json!(30)), "{}", r.body);
    assert_eq!(r.body["sanction"], "delisting");
    assert_eq!(
        r.body["reasons"],
        json!([
            {"input": "finding_corrected", "count": 1, "points": 10},
            {"input": "finding_fraudulent", "count": 1, "points": 40},
            {"input": "clawback", "count": 2, "points": 20},
        ])
    );
    // The provider reads the same of itself.
    let own = app.get("/api/v1/provider/credit", Some(&app.token(tag).await)).await;
    assert_eq!(own.body, r.body);
    let p = app.get(&format!("/api/v1/providers/{}", w.provider), Some(&rev)).await;
    assert_eq!(p.body["listing_status"], "delisted", "{}", p.body);
    assert_eq!(p.body["decision_reason"], "信用等级降为 D（30 分），按信用规则出库", "{}", p.body);
    // Gone from the public list and the catalogue; named in the public delisting notice
    // with the day it may apply again; it takes no new order.
    let list = app.get("/api/v1/public/providers", None).await;
    assert!(!list.body["items"].as_array().unwrap().iter().any(|p| p["id"] == json!(w.provider)));
    let notice = Browser::new(&app).get("/public/provider-notices").await;
    assert!(notice.body.contains("出库公告"), "{}", notice.body);
    assert!(notice.body.contains("信用等级降为 D（30 分），按信用规则出库"), "{}", notice.body);
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("500.00")).await;
    assert_eq!(r.code(), "provider_not_listed", "{}", r.body);

    // The reviewer sees the grade and its reasons beside the provider's item in review.
    let desk = Browser::signed_in(&app, &rev).get("/review").await;
    assert!(desk.body.contains("record-credit"), "{}", desk.body);
    for said in [
        "回访抽查查实未提供服务 1 次（扣 40 分）",
        "已拨付款项被追回 2 次（扣 20 分）",
        "按规则应予出库",
    ] {
        assert!(desk.body.contains(said), "{said}: {}", desk.body);
    }

    // A year on, the events have left the window: A again.
    app.clock.advance(chrono::Duration::days(366));
    let r = app
        .get(&url, Some(&app.staff_token("rv2_crd", hechuang::domain::Role::Reviewer).await))
        .await;
    assert_eq!((&r.body["grade"], &r.body["points"]), (&json!("A"), &json!(100)), "{}", r.body);
    // A delisting is not lifted by itself: the provider applies again, once the
    // relisting period (730 days) has passed.
    let again = "/api/v1/provider/reapplication";
    let r = app.post(again, Some(&app.token(tag).await), &json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "relist_period_running"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("730 天"), "{}", r.body);
    app.clock.advance(chrono::Duration::days(365));
    let r = app.post(again, Some(&app.token(tag).await), &json!({})).await;
    assert_eq!(
        (r.status.as_u16(), &r.body["listing_status"]),
        (200, &json!("applied")),
        "{}",
        r.body
    );
    let r = app.post(again, Some(&app.token(tag).await), &json!({})).await;
    assert_eq!(r.code(), "provider_not_delisted", "{}", r.body);
}

#[actix_web::test]
async fn disputes_lost_one_after_another_warn_the_provider_when_its_grade_falls_to_b() {
    use hechuang::domain::Role;
    let app = spawn_app().await;
    let tag = "crw";
    let w = crate::orders::world(&app, tag).await;
    let rev = app.staff_token(&format!("rev_{tag}"), Role::Reviewer).await;
    let warned = |app: &crate::helpers::TestApp| {
        app.outbox().into_iter().filter(|m| m.kind == "credit_warning").count()
    };
    // Each lost dispute costs 5: two leave it at 90 (A), the third at 85 (B): warned;
    // the fourth (80, B) the same day is not warned again.
    for n in 1..=4 {
        let o = w.order(&app, "500.00").await;
        assert_eq!(w.provider_does(&app, &o, "accept", json!({})).await.status, 200);
        w.upload_all(&app, &o).await;
        assert_eq!(w.provider_does(&app, &o, "deliver", json!({})).await.status, 200);
        assert_eq!(
            w.firm_does(&app, &o, "dispute", json!({"reason": "未按约交付"})).await.status,
            200
        );
        let r = app
            .post(
                &format!("/api/v1/orders/{o}/dispute-resolution"),
                Some(&rev),
                &json!({"outcome": "cancelled", "note": "交付物不符合合同"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(warned(&app), usize::from(n >= 3), "after dispute {n}");
    }
    let r = app.get(&format!("/api/v1/providers/{}/credit", w.provider), Some(&rev)).await;
    assert_eq!(
        (&r.body["grade"], &r.body["sanction"]),
        (&json!("B"), &json!("warning")),
        "{}",
        r.body
    );
    // A warning does not move the listing.
    let p = app.get(&format!("/api/v1/providers/{}", w.provider), Some(&rev)).await;
    assert_eq!(p.body["listing_status"], "listed", "{}", p.body);
}
