//! Redemption (兑现), voucher expiry and the ledger check: the money path from a
//! confirmed order to a payable item, and what returns to the programme.

use crate::catalogue::listed_provider;
use crate::cli::hechuang;
use crate::helpers::{spawn_app, TestApp};
use crate::orders::{balance, world, World};
use chrono::Duration;
use hechuang::domain::Role;
use serde_json::{json, Value};

async fn ledger_ok(app: &TestApp, who: &str) -> Value {
    let r = app.get("/api/v1/ledger/verify", Some(who)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn programme_of(app: &TestApp, voucher: &str) -> String {
    let mut c = app.conn();
    hechuang::db::vouchers::voucher(
        &mut c,
        &hechuang::domain::id::VoucherId::parse(voucher).expect("a uuid"),
    )
    .unwrap()
    .unwrap()
    .programme_id
    .into_string()
}

async fn user_id(app: &TestApp, admin: &str, username: &str) -> String {
    let users = app.get("/api/v1/users?per_page=100", Some(admin)).await;
    users.body["items"].as_array().unwrap().iter().find(|u| u["username"] == username).unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The items of an application, by order id.
fn item_of(app_view: &Value, order: &str) -> Value {
    app_view["items"].as_array().unwrap().iter().find(|i| i["order_id"] == order).unwrap().clone()
}

#[actix_web::test]
async fn confirmed_orders_are_reviewed_published_and_become_payable() {
    let app = spawn_app().await;
    let w: World = world(&app, "rda").await;
    let o1 = w.confirmed_order(&app, "10000.00").await; // 5,000 due
    let o2 = w.confirmed_order(&app, "6000.00").await; // 3,000 due
    let o3 = w.confirmed_order(&app, "4000.00").await; // 4,000 due (below the threshold)
    let open = w.order(&app, "2000.00").await;
    let programme = programme_of(&app, &w.voucher);
    let funding_before = balance(&app, &format!("funding:{programme}"));
    assert_eq!(balance(&app, &format!("due:{}", w.provider)), 1_200_000);

    // Only the provider's confirmed orders, each once.
    let apply = |ids: Vec<&str>| json!({ "order_ids": ids });
    let r = app
        .post("/api/v1/provider/redemptions", Some(&w.provider_token), &apply(vec![&o1, &open]))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "order_not_confirmed"), "{}", r.body);
    let r = app.post("/api/v1/provider/redemptions", Some(&w.provider_token), &apply(vec![])).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "order_count_invalid"));
    let (_, stranger) = listed_provider(&app, "rdb").await;
    let provider_token = app.token("rda").await;
    let r = app.post("/api/v1/provider/redemptions", Some(&stranger), &apply(vec![&o1])).await;
    assert_eq!(r.status, 404, "another provider's order is not found");
    assert_eq!(app.count("redemption_items"), 0);

    let r = app
        .post(
            "/api/v1/provider/redemptions",
            Some(&provider_token),
            &apply(vec![&o1, &o2, &o3, &o1]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["item_count"], 3);
    assert_eq!(r.body["total"], "12000.00");
    assert_eq!(r.body["statuses"]["submitted"], 3);
    let application = r.body["id"].as_str().unwrap().to_string();
    let (i1, i2, i3) = (
        item_of(&r.body, &o1)["id"].as_str().unwrap().to_string(),
        item_of(&r.body, &o2)["id"].as_str().unwrap().to_string(),
        item_of(&r.body, &o3)["id"].as_str().unwrap().to_string(),
    );
    let r =
        app.post("/api/v1/provider/redemptions", Some(&provider_token), &apply(vec![&o2])).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "order_already_redeemed"));

    // The reviewers' queue holds the three items; a conflicted reviewer may not decide.
    let admin = app.token("admin_rda").await;
    let rev = app.staff_token("reviewer_rda", Role::Reviewer).await;
    let queue = app.get("/api/v1/redemption-items", Some(&rev)).await;
    assert_eq!(queue.body["total"], 3, "{}", queue.body);
    let conflicted = app.staff_token("rev_rda_conflict", Role::Reviewer).await;
    let firm_code: String = {
        let mut c = app.conn();
        hechuang::db::parties::firm(
            &mut c,
            &hechuang::domain::id::FirmId::stored(w.firm.id.clone()),
        )
        .unwrap()
        .unwrap()
        .credit_code
        .into_string()
    };
    let cid = user_id(&app, &admin, "rev_rda_conflict").await;
    let r = app
        .put(
            &format!("/api/v1/users/{cid}/affiliations"),
            Some(&admin),
            &json!({"credit_codes": [firm_code]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let decide = |item: &str| format!("/api/v1/redemption-items/{item}/decision");
    let r = app.post(&decide(&i1), Some(&conflicted), &json!({"decision": "approve"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "reviewer_conflict_of_interest"));

    // Approve one, reject one (a reason is required), approve the third.
    let r = app.post(&decide(&i1), Some(&rev), &json!({"decision": "approve"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "in_notice");
    assert!(r.body["notice_ends_at"].is_string());
    let r = app.post(&decide(&i2), Some(&rev), &json!({"decision": "reject"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "required"));
    let r = app
        .post(
            &decide(&i2),
            Some(&rev),
            &json!({"decision": "reject", "reason": "发票抬头与合同主体不一致"}),
        )
        .await;
    assert_eq!(r.body["status"], "rejected", "{}", r.body);
    let r = app.post(&decide(&i2), Some(&rev), &json!({"decision": "approve"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "item_already_decided"));
    app.post(&decide(&i3), Some(&rev), &json!({"decision": "approve"})).await;
    // The rejected share went back to the programme.
    assert_eq!(balance(&app, &format!("funding:{programme}")), funding_before + 300_000);
    assert_eq!(balance(&app, &format!("due:{}", w.provider)), 900_000);

    // The provider sees every item's state and the reason for the rejection.
    let r = app.get(&format!("/api/v1/redemptions/{application}"), Some(&provider_token)).await;
    assert_eq!(item_of(&r.body, &o2)["decision_reason"], "发票抬头与合同主体不一致");
    assert_eq!(item_of(&r.body, &o1)["status"], "in_notice");
    assert_eq!(r.body["statuses"], json!({"in_notice": 2, "rejected": 1}));
    assert_eq!(
        app.get(&format!("/api/v1/redemptions/{application}"), Some(&stranger)).await.status,
        404
    );

    // The public sees the approved items and may object while the notice runs.
    let notices = app.get("/api/v1/public/redemption-notices", None).await;
    assert_eq!(notices.body["total"], 2, "{}", notices.body);
    let n = notices.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["item_id"] == i1.as_str())
        .unwrap()
        .clone();
    assert_eq!(n["amount"], "5000.00");
    assert_eq!(n["provider_name"], "合肥rda知识产权代理有限公司");
    let objection = json!({"objector_name": "王某", "objector_contact": "13800000000", "reason": "该服务实际未完成"});
    let r = app
        .post(&format!("/api/v1/public/redemption-notices/{i1}/objections"), None, &objection)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let dismiss_id = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(&format!("/api/v1/public/redemption-notices/{i3}/objections"), None, &objection)
        .await;
    let uphold_id = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(&format!("/api/v1/public/redemption-notices/{i2}/objections"), None, &objection)
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "notice_not_open"));

    // Nothing is payable before the notice ends.
    let r = app.run_job(&admin, "redemption_notices", None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["items"], 0, "{}", r.body);

    // An upheld objection rejects the item at once, its share back to the programme.
    let r = app
        .post(
            &format!("/api/v1/redemption-objections/{uphold_id}/resolution"),
            Some(&rev),
            &json!({"outcome": "upheld", "note": "企业证实服务未完成"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.get(&format!("/api/v1/redemptions/{application}"), Some(&provider_token)).await;
    assert_eq!(item_of(&r.body, &o3)["status"], "rejected");
    assert!(item_of(&r.body, &o3)["decision_reason"].as_str().unwrap().contains("公示异议成立"));
    assert_eq!(balance(&app, &format!("funding:{programme}")), funding_before + 700_000);

    // After the notice, an open objection still holds the item back.
    app.clock.advance(Duration::days(7) + Duration::minutes(1));
    let admin = app.token("admin_rda").await;
    let rev = app.token("reviewer_rda").await;
    let r = app.run_job(&admin, "redemption_notices", None).await;
    assert_eq!(r.body["detail"]["awaiting_objections"], json!([i1]), "{}", r.body);
    let r = app
        .post(
            &format!("/api/v1/redemption-objections/{dismiss_id}/resolution"),
            Some(&rev),
            &json!({"outcome": "dismissed", "note": "服务报告与验收单齐全"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.clock.advance(Duration::minutes(1)); // the job's next slot
    let r = app.run_job(&admin, "redemption_notices", None).await;
    assert_eq!(r.body["detail"]["payable"], json!([i1]), "{}", r.body);
    assert_eq!(balance(&app, &format!("payable:{}", w.provider)), 500_000);
    assert_eq!(balance(&app, &format!("due:{}", w.provider)), 0);
    let payable = app.get("/api/v1/redemption-items?status=payable", Some(&admin)).await;
    assert_eq!(payable.body["total"], 1);
    assert_eq!(payable.body["items"][0]["amount"], "5000.00");

    // The provider heard of each decision.
    let decided: Vec<_> = app
        .outbox()
        .into_iter()
        .filter(|m| m.kind == "redemption_decided")
        .map(|m| m.subject)
        .collect();
    assert_eq!(decided.len(), 4, "{decided:?}"); // 3 decisions + the upheld objection
    assert!(decided.iter().any(|s| s.contains("未通过")), "{decided:?}");

    // The whole journey (claim, orders, holds, confirmations, review, notice,
    // objections, payable) leaves a ledger and an audit chain that verify.
    let report = ledger_ok(&app, &admin).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["redemption_items"], 3);
    let out = hechuang(&app.db_url, &["ledger", "verify"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let audit = app.get("/api/v1/audit/verify", Some(&admin)).await;
    assert!(audit.body["first_broken"].is_null(), "{}", audit.body);
    assert!(audit.body["events_checked"].as_i64().unwrap() > 30, "{}", audit.body);
}

#[actix_web::test]
async fn expiry_returns_the_unused_balance_and_lapses_undeliverable_orders() {
    let app = spawn_app().await;
    let mut w = world(&app, "exa").await;
    let programme = programme_of(&app, &w.voucher);
    let funding_before = balance(&app, &format!("funding:{programme}"));
    let a = w.order(&app, "10000.00").await; // delivered within the grace period
    let b = w.order(&app, "10000.00").await; // never accepted
    let c = w.order(&app, "10000.00").await; // accepted, never delivered
    for o in [&a, &c] {
        assert_eq!(w.provider_does(&app, o, "accept", json!({})).await.status, 200);
    }
    // Not yet due: nothing happens.
    let admin = app.token("admin_exa").await;
    let r = app.run_job(&admin, "voucher_expiry", None).await;
    assert_eq!(r.body["items"], 0, "{}", r.body);

    // A year and a day later the voucher has expired: 40,000 unused returns.
    app.clock.advance(Duration::days(366));
    let admin = app.token("admin_exa").await;
    w.provider_token = app.token("exa").await;
    let r = app.run_job(&admin, "voucher_expiry", None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["detail"]["expired"], 1, "{}", r.body);
    assert_eq!(r.body["detail"]["returned"], "40000.00");
    assert_eq!(r.body["detail"]["lapsed_orders"], json!([b]));
    assert_eq!(
        w.voucher_state(&app).await,
        ("10000.00".into(), "10000.00".into(), "0.00".into(), "expired".into())
    );
    assert_eq!(balance(&app, &format!("funding:{programme}")), funding_before + 4_000_000);
    let r = app.get(&format!("/api/v1/orders/{b}"), Some(&w.firm.token)).await;
    assert_eq!(
        (r.body["status"].as_str(), r.body["cancelled_by"].as_str()),
        (Some("cancelled"), Some("system"))
    );
    // The next day's run changes nothing.
    app.clock.advance(Duration::days(1));
    let admin = app.token("admin_exa").await;
    w.provider_token = app.token("exa").await;
    let r = app.run_job(&admin, "voucher_expiry", None).await;
    assert_eq!((r.status.as_u16(), &r.body["items"]), (201, &json!(0)), "{}", r.body);

    // The accepted order may still be delivered within the grace period, and confirmed.
    w.upload_all(&app, &a).await;
    assert_eq!(w.provider_does(&app, &a, "deliver", json!({})).await.status, 200);
    assert_eq!(w.firm_does(&app, &a, "confirm", json!({})).await.status, 200);
    assert_eq!(balance(&app, &format!("due:{}", w.provider)), 500_000);
    // But the expired voucher takes no new order.
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("100.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "voucher_expired"));

    // When the grace period ends, the undelivered order lapses; its hold returns too.
    app.clock.advance(Duration::days(30));
    let admin = app.token("admin_exa").await;
    w.provider_token = app.token("exa").await;
    w.upload_all(&app, &c).await;
    let r = w.provider_does(&app, &c, "deliver", json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "delivery_grace_ended"), "{}", r.body);
    let r = app.run_job(&admin, "voucher_expiry", None).await;
    assert_eq!(r.body["detail"]["lapsed_orders"], json!([c]), "{}", r.body);
    assert_eq!(
        w.voucher_state(&app).await,
        ("0.00".into(), "0.00".into(), "0.00".into(), "expired".into())
    );
    assert_eq!(balance(&app, &format!("funding:{programme}")), funding_before + 4_500_000);
    assert!(app
        .outbox()
        .iter()
        .any(|m| m.kind == "order_cancelled" && m.to_address == "ip@example.cn"));

    let report = ledger_ok(&app, &admin).await;
    assert_eq!(report["ok"], true, "{report}");
    let audit = app
        .get(
            &format!("/api/v1/audit/events?entity_type=voucher&entity_id={}", w.voucher),
            Some(&admin),
        )
        .await;
    assert_eq!(audit.body[0]["action"], "voucher.expired", "{}", audit.body);
}

#[actix_web::test]
async fn ledger_verify_finds_any_difference() {
    let app = spawn_app().await;
    let w = world(&app, "lva").await;
    let held = w.order(&app, "10000.00").await;
    w.provider_does(&app, &held, "accept", json!({})).await;
    w.confirmed_order(&app, "4000.00").await;

    let out = hechuang(&app.db_url, &["ledger", "verify"], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("ledger OK"), "{stdout}");
    let auditor = app.staff_token("aud_lva", Role::Auditor).await;
    assert_eq!(ledger_ok(&app, &auditor).await["ok"], true);

    app.damaged_on_purpose();
    // A voucher balance changed behind the ledger's back is found, and so is a hold.
    app.exec(&format!(
        "UPDATE vouchers SET balance_fen = balance_fen + 1 WHERE id = '{}'",
        w.voucher
    ))
    .unwrap();
    app.exec(&format!("UPDATE orders SET covered_fen = covered_fen - 1, own_fen = own_fen + 1 WHERE id = '{held}'"))
        .unwrap();
    let report = ledger_ok(&app, &auditor).await;
    assert_eq!(report["ok"], false);
    let accounts: Vec<&str> = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["account"].as_str().unwrap())
        .collect();
    assert!(accounts.contains(&format!("voucher:{}", w.voucher).as_str()), "{report}");
    assert!(accounts.contains(&format!("order:{held}").as_str()), "{report}");
    assert!(accounts.contains(&format!("voucher_held:{}", w.voucher).as_str()), "{report}");
    let out = hechuang(&app.db_url, &["ledger", "verify"], None);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("ledger DIFFERS"), "{stdout}");
    assert!(
        stdout.contains(&format!("order:{held}: expected 4999.99, entries say 5000.00")),
        "{stdout}"
    );
}
