//! Spending a voucher: orders, holds, evidence, delivery, confirmation and disputes.

use crate::catalogue::listed_provider;
use crate::claims::{batch, bulk_firms, Firm};
use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use chrono::Duration;
use hechuang::db::{self, vouchers as vrepo};
use hechuang::domain::Role;
use serde_json::{json, Value};

pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";
pub const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

/// A firm with one claimed 50,000-yuan voucher, and a listed provider with one patent
/// service item.
pub struct World {
    pub admin: String,
    pub firm: Firm,
    pub voucher: String,
    pub provider: String,
    pub provider_token: String,
    pub item: String,
}

/// Sets up a world; `programme` overrides the programme's defaults.
pub async fn world_with(app: &TestApp, tag: &str, programme: Value) -> World {
    let admin = app.staff_token(&format!("admin_{tag}"), Role::Admin).await;
    let batch_id =
        batch(app, &admin, programme, json!({"budget": "1000000.00", "face_values": ["50000.00"]}))
            .await;
    let firm = bulk_firms(app, 1, "small", true, None).remove(0);
    app.clock.advance(Duration::hours(1));
    let r = app
        .post(&format!("/api/v1/batches/{batch_id}/claims"), Some(&firm.token), &json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let voucher = r.body["id"].as_str().unwrap().to_string();
    let (provider, provider_token) = listed_provider(app, tag).await;
    let r = app
        .post(
            "/api/v1/provider/services",
            Some(&provider_token),
            &json!({"category": "patent", "title": "发明专利申请代理", "description": "撰写与答复",
                "list_price": "12000.00", "delivery_days": 60}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    World {
        admin: app.token(&format!("admin_{tag}")).await,
        firm,
        voucher,
        provider,
        provider_token,
        item: r.body["id"].as_str().unwrap().to_string(),
    }
}

pub async fn world(app: &TestApp, tag: &str) -> World {
    world_with(app, tag, json!({})).await
}

impl World {
    pub fn order_body(&self, amount: &str) -> Value {
        json!({"service_item_id": self.item, "voucher_id": self.voucher, "contract_amount": amount})
    }

    /// Orders and returns the order's id.
    pub async fn order(&self, app: &TestApp, amount: &str) -> String {
        let r = app.post("/api/v1/orders", Some(&self.firm.token), &self.order_body(amount)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["id"].as_str().unwrap().to_string()
    }

    pub async fn provider_does(
        &self,
        app: &TestApp,
        order: &str,
        what: &str,
        body: Value,
    ) -> crate::helpers::Resp {
        app.post(&format!("/api/v1/orders/{order}/{what}"), Some(&self.provider_token), &body).await
    }

    pub async fn firm_does(
        &self,
        app: &TestApp,
        order: &str,
        what: &str,
        body: Value,
    ) -> crate::helpers::Resp {
        app.post(&format!("/api/v1/orders/{order}/{what}"), Some(&self.firm.token), &body).await
    }

    /// Uploads every document an order needs, each a different file, the invoice for
    /// the contract's amount and dated today with the delivery.
    pub async fn upload_all(&self, app: &TestApp, order: &str) {
        let o = app.get(&format!("/api/v1/orders/{order}"), Some(&self.provider_token)).await;
        let contract = o.body["contract_amount"].as_str().expect("contract amount").to_string();
        for kind in ["contract", "invoice", "payment_receipt", "service_report"] {
            let stated = stated(app, kind, &contract);
            let r = app
                .post_bytes(
                    &format!("/api/v1/orders/{order}/evidence?kind={kind}&name={kind}.pdf{stated}"),
                    Some(&self.provider_token),
                    distinct_pdf(order, kind),
                )
                .await;
            assert_eq!(r.status, 201, "{kind}: {}", r.body);
        }
    }

    /// Takes an order from request to confirmation; returns its id.
    pub async fn confirmed_order(&self, app: &TestApp, amount: &str) -> String {
        let o = self.order(app, amount).await;
        assert_eq!(self.provider_does(app, &o, "accept", json!({})).await.status, 200);
        self.upload_all(app, &o).await;
        assert_eq!(self.provider_does(app, &o, "deliver", json!({})).await.status, 200);
        let r = self.firm_does(app, &o, "confirm", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        o
    }

    /// The voucher as the firm sees it: (balance, held, available, status).
    pub async fn voucher_state(&self, app: &TestApp) -> (String, String, String, String) {
        let r = app.get("/api/v1/firm/vouchers", Some(&self.firm.token)).await;
        let v = r
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == self.voucher.as_str())
            .unwrap()
            .clone();
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        (s("balance"), s("held"), s("available"), s("status"))
    }
}

/// A PDF of its own for `order`'s `kind` of document (the same bytes twice would be
/// one file sent twice, which the reviewer is warned about).
pub fn distinct_pdf(order: &str, kind: &str) -> Vec<u8> {
    let mut bytes = PDF.to_vec();
    bytes.extend_from_slice(format!("\n% {order} {kind}\n").as_bytes());
    bytes
}

pub fn balance(app: &TestApp, account: &str) -> i64 {
    let mut conn = app.conn();
    vrepo::account_balance(&mut conn, account).unwrap()
}

fn unbalanced(app: &TestApp) -> Vec<String> {
    let mut conn = app.conn();
    vrepo::unbalanced_txns(&mut conn).unwrap()
}

fn subjects(app: &TestApp) -> Vec<(String, String)> {
    app.outbox().into_iter().map(|m| (m.kind, m.to_address)).collect()
}

#[actix_web::test]
async fn a_voucher_pays_its_share_of_a_delivered_and_confirmed_service() {
    let app = spawn_app().await;
    let w = world(&app, "ipa").await;

    // The firm sees the split before ordering: 50% of 12,000.05 is 6,000.025 → 6,000.03.
    let q = app.post("/api/v1/orders/quote", Some(&w.firm.token), &w.order_body("12000.05")).await;
    assert_eq!(q.status, 200, "{}", q.body);
    assert_eq!(q.body["covered_amount"], "6000.03");
    assert_eq!(q.body["own_amount"], "6000.02");
    assert_eq!(q.body["voucher_available"], "50000.00");
    assert_eq!(app.count("orders"), 0, "a quote orders nothing");

    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("12000.05")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let o = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["status"], "requested");
    assert_eq!(r.body["covered_amount"], "6000.03");
    assert_eq!(r.body["own_amount"], "6000.02");
    assert_eq!(r.body["category_name"], "专利服务");
    assert!(r.body["order_no"].as_str().unwrap().starts_with("DD"), "{}", r.body);
    assert_eq!(
        r.body["missing_evidence"],
        json!(["contract", "invoice", "payment_receipt", "service_report"])
    );
    // Nothing is held until the provider accepts.
    assert_eq!(w.voucher_state(&app).await.1, "0.00");

    let r = w.provider_does(&app, &o, "accept", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "accepted");
    assert!(r.body["deliver_by"].is_string());
    assert_eq!(
        w.voucher_state(&app).await,
        ("50000.00".into(), "6000.03".into(), "43999.97".into(), "active".into())
    );
    assert_eq!(balance(&app, &format!("order:{o}")), 600_003);

    // Delivery needs every document; the provider is told which are missing.
    let r = w.provider_does(&app, &o, "deliver", json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "evidence_missing"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("服务合同"), "{}", r.body);
    w.upload_all(&app, &o).await;
    let r = w.provider_does(&app, &o, "deliver", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "delivered");

    // The firm reads the evidence and can download each file.
    let r = app.get(&format!("/api/v1/orders/{o}"), Some(&w.firm.token)).await;
    assert_eq!(r.body["evidence"].as_array().unwrap().len(), 4);
    assert_eq!(r.body["missing_evidence"], json!([]));
    let href = r.body["evidence"][0]["href"].as_str().unwrap().to_string();
    let (status, headers, bytes) = app.get_bytes(&href, Some(&w.firm.token)).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, distinct_pdf(&o, "contract"));
    assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
    assert!(headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("attachment"));

    let r = w.firm_does(&app, &o, "confirm", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "confirmed");
    assert_eq!(
        w.voucher_state(&app).await,
        ("43999.97".into(), "0.00".into(), "43999.97".into(), "active".into())
    );
    // The ledger: the order's hold is empty and the provider is owed the voucher's share.
    assert_eq!(balance(&app, &format!("order:{o}")), 0);
    assert_eq!(balance(&app, &format!("due:{}", w.provider)), 600_003);
    assert_eq!(balance(&app, &format!("voucher:{}", w.voucher)), 4_399_997);
    assert!(unbalanced(&app).is_empty());

    // A confirmed order is final.
    let r = w.firm_does(&app, &o, "dispute", json!({"reason": "晚了"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "order_state_invalid"));
    // The order's state in words, not the data's code.
    assert!(r.body["detail"].as_str().unwrap().contains("（当前状态：已确认交付）"), "{}", r.body);
    assert!(
        r.body["detail_en"].as_str().unwrap().contains("(the order is delivery confirmed)"),
        "{}",
        r.body
    );
    let r = w.provider_does(&app, &o, "cancel", json!({"reason": "x"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "order_state_invalid"));

    // Each step told the other side, and left an audit event.
    let mail = subjects(&app);
    for (kind, to) in [
        ("order_requested", "ip@example.cn"),
        ("order_accepted", "a@example.cn"),
        ("order_delivered", "a@example.cn"),
        ("order_confirmed", "ip@example.cn"),
    ] {
        assert!(mail.contains(&(kind.into(), to.into())), "{kind} to {to}: {mail:?}");
    }
    let admin = w.admin.clone();
    let audit = app
        .get(
            &format!("/api/v1/audit/events?entity_type=order&entity_id={o}&limit=100"),
            Some(&admin),
        )
        .await;
    let actions: Vec<&str> =
        audit.body.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in [
        "order.requested",
        "order.accepted",
        "order.evidence_added",
        "order.delivered",
        "order.confirmed",
    ] {
        assert!(actions.contains(&a), "{a}: {actions:?}");
    }
}

#[actix_web::test]
async fn each_refusal_has_its_code_and_changes_nothing() {
    let app = spawn_app().await;
    // A programme that covers testing only: the provider's patent service is not covered.
    let narrow = world_with(&app, "ipb", json!({"categories": ["testing"]})).await;
    let r =
        app.post("/api/v1/orders", Some(&narrow.firm.token), &narrow.order_body("1000.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "category_not_covered"), "{}", r.body);

    // No full coverage below a threshold, so a tiny contract leaves the voucher nothing.
    let w = world_with(
        &app,
        "ipc",
        json!({"full_coverage_threshold": "0.00", "co_payment_ratio": "0.30"}),
    )
    .await;
    let other = bulk_firms(&app, 1, "small", true, None).remove(0);
    let cases: Vec<(Value, &str, u16, &str)> = vec![
        (w.order_body("0"), "firm", 422, "amount_not_positive"),
        (w.order_body("-5.00"), "firm", 422, "amount_negative"),
        (w.order_body("100.001"), "firm", 422, "amount_too_precise"),
        (w.order_body("一百"), "firm", 422, "amount_invalid"),
        // Another firm's voucher is not found, as if it did not exist.
        (w.order_body("1000.00"), "other", 404, "not_found"),
        (
            json!({"service_item_id": w.item, "voucher_id": "nope", "contract_amount": "1.00"}),
            "firm",
            404,
            "not_found",
        ),
        (
            json!({"service_item_id": w.voucher, "voucher_id": w.voucher, "contract_amount": "1.00"}),
            "firm",
            404,
            "not_found",
        ),
        // 0.01 yuan at 30% rounds to a zero voucher share.
        (w.order_body("0.01"), "firm", 422, "amount_too_small"),
    ];
    for (body, who, status, code) in cases {
        let token = if who == "firm" { &w.firm.token } else { &other.token };
        let r = app.post("/api/v1/orders", Some(token), &body).await;
        assert_eq!((r.status.as_u16(), r.code()), (status, code), "{body}: {}", r.body);
    }
    // A provider or a reviewer cannot order.
    let r = app.post("/api/v1/orders", Some(&w.provider_token), &w.order_body("1000.00")).await;
    assert_eq!(r.status, 403);

    // A withdrawn item is not offered.
    let r = app
        .put(
            &format!("/api/v1/provider/services/{}", w.item),
            Some(&w.provider_token),
            &json!({"category": "patent", "title": "发明专利申请代理", "description": "撰写与答复",
                "list_price": "12000.00", "delivery_days": 60, "active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("1000.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "service_not_offered"));
    app.put(
        &format!("/api/v1/provider/services/{}", w.item),
        Some(&w.provider_token),
        &json!({"category": "patent", "title": "发明专利申请代理", "description": "撰写与答复",
            "list_price": "12000.00", "delivery_days": 60, "active": true}),
    )
    .await;

    // A suspended provider takes no orders.
    let rev = app.staff_token("rev_ref", Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/providers/{}/listing", w.provider),
            Some(&rev),
            &json!({"action": "suspend", "reason": "投诉核查中"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("1000.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "provider_suspended"));
    let r = app
        .post(
            &format!("/api/v1/providers/{}/listing", w.provider),
            Some(&rev),
            &json!({"action": "reinstate", "reason": "核查无问题"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Related parties: the firm shares the provider's actual controller.
    app.exec(&format!("UPDATE firms SET actual_controller = '王五' WHERE id = '{}'", w.firm.id))
        .unwrap();
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("1000.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "related_party_forbidden"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("实际控制人"));
    app.exec(&format!(
        "UPDATE firms SET actual_controller = '控制人', legal_representative = '王五' WHERE id = '{}'",
        w.firm.id
    ))
    .unwrap();
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("1000.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "related_party_forbidden"));
    app.exec(&format!("UPDATE firms SET legal_representative = '张三' WHERE id = '{}'", w.firm.id))
        .unwrap();

    // A revoked (or used) voucher buys nothing.
    let revoke = |status: &str| {
        format!("UPDATE vouchers SET status = '{status}' WHERE id = '{}'", w.voucher)
    };
    app.exec(&revoke("revoked")).unwrap();
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("1000.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "voucher_not_active"), "{}", r.body);
    app.exec(&revoke("active")).unwrap();

    // A delisted provider takes no orders.
    let rev = app.token("rev_ref").await;
    let r = app
        .post(
            &format!("/api/v1/providers/{}/listing", w.provider),
            Some(&rev),
            &json!({"action": "delist", "reason": "主动退出"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("1000.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "provider_not_listed"), "{}", r.body);

    // An expired voucher buys nothing.
    app.clock.advance(Duration::days(366));
    let firm_token = w.firm.token.clone();
    let r = app.post("/api/v1/orders", Some(&firm_token), &w.order_body("1000.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "voucher_expired"), "{}", r.body);

    assert_eq!(app.count("orders"), 0, "no refusal wrote an order");
    assert!(app.outbox().iter().all(|m| !m.kind.starts_with("order_")));
}

#[actix_web::test]
async fn parallel_acceptances_never_hold_more_than_the_balance() {
    let app = spawn_app().await;
    let w = world(&app, "ipd").await;
    // 16 orders whose voucher shares (5,000 each) add up to 80,000 against 50,000.
    let mut orders = Vec::new();
    for _ in 0..16 {
        orders.push(w.order(&app, "10000.00").await);
    }
    let mut handles = Vec::new();
    for o in &orders {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/orders/{o}/accept"));
        let token = w.provider_token.clone();
        handles.push(actix_web::rt::spawn(async move {
            let mut res = client
                .post(url)
                .insert_header(("Authorization", format!("Bearer {token}")))
                .send()
                .await
                .expect("sent");
            let body: Value = res.json().await.unwrap_or(Value::Null);
            (res.status().as_u16(), body)
        }));
    }
    let (mut accepted, mut refused) = (0, 0);
    for h in handles {
        let (status, body) = h.await.unwrap();
        match status {
            200 => accepted += 1,
            409 => {
                assert_eq!(body["code"], "voucher_balance_insufficient", "{body}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((accepted, refused), (10, 6));
    assert_eq!(
        w.voucher_state(&app).await,
        ("50000.00".into(), "50000.00".into(), "0.00".into(), "active".into())
    );
    assert_eq!(balance(&app, &format!("voucher:{}", w.voucher)), 0);
    let held: i64 = orders.iter().map(|o| balance(&app, &format!("order:{o}"))).sum();
    assert_eq!(held, 5_000_000);
    // A voucher with nothing left takes no new order either.
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("100.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "voucher_exhausted"));
}

#[actix_web::test]
async fn decline_cancel_and_disputes_release_or_keep_the_hold() {
    let app = spawn_app().await;
    let w = world(&app, "ipe").await;

    // Declining needs a reason, which the firm is told.
    let o1 = w.order(&app, "4000.00").await;
    let r = w.provider_does(&app, &o1, "decline", json!({"reason": ""})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "required"));
    let r = w.provider_does(&app, &o1, "decline", json!({"reason": "档期已满"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["decline_reason"], "档期已满");
    let r = w.provider_does(&app, &o1, "accept", json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "order_state_invalid"));

    // Below the 5,000 threshold the voucher pays it all; cancelling releases the hold.
    let o2 = w.order(&app, "4000.00").await;
    let r = w.provider_does(&app, &o2, "accept", json!({})).await;
    assert_eq!(r.body["covered_amount"], "4000.00");
    assert_eq!(w.voucher_state(&app).await.1, "4000.00");
    let r = w.firm_does(&app, &o2, "cancel", json!({"reason": "需求变更"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["cancelled_by"], "firm");
    assert_eq!(w.voucher_state(&app).await.1, "0.00");
    assert_eq!(balance(&app, &format!("order:{o2}")), 0);
    assert_eq!(balance(&app, &format!("voucher:{}", w.voucher)), 5_000_000);

    // A dispute keeps the hold until a reviewer decides.
    let o3 = w.order(&app, "20000.00").await;
    w.provider_does(&app, &o3, "accept", json!({})).await;
    w.upload_all(&app, &o3).await;
    w.provider_does(&app, &o3, "deliver", json!({})).await;
    let r = w.firm_does(&app, &o3, "dispute", json!({"reason": "检索报告缺少对比文件"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "disputed");
    assert_eq!(w.voucher_state(&app).await.1, "10000.00");
    // Neither side can cancel a delivered (disputed) order.
    let r = w.firm_does(&app, &o3, "cancel", json!({"reason": "x"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "order_state_invalid"));

    // A reviewer affiliated with the provider may not decide.
    let conflicted = app.staff_token("rev_conflict", Role::Reviewer).await;
    let provider_code: String = {
        let mut c = app.conn();
        db::parties::provider(&mut c, &hechuang::domain::id::ProviderId::stored(w.provider.clone()))
            .unwrap()
            .unwrap()
            .credit_code
            .into_string()
    };
    let users = app.get("/api/v1/users?per_page=100", Some(&w.admin)).await;
    let rev_id = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "rev_conflict")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .put(
            &format!("/api/v1/users/{rev_id}/affiliations"),
            Some(&w.admin),
            &json!({"credit_codes": [provider_code]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            &format!("/api/v1/orders/{o3}/dispute-resolution"),
            Some(&conflicted),
            &json!({"outcome": "cancelled", "note": "x"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "reviewer_conflict_of_interest"), "{}", r.body);

    // Another reviewer finds the delivery wanting: cancelled, hold released.
    let rev = app.staff_token("rev_free", Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/orders/{o3}/dispute-resolution"),
            Some(&rev),
            &json!({"outcome": "cancelled", "note": "服务机构未能补充对比文件"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(r.body["cancelled_by"], "reviewer");
    assert_eq!(w.voucher_state(&app).await.1, "0.00");

    // Or finds it good: back to delivered, and the firm confirms.
    let o4 = w.order(&app, "20000.00").await;
    w.provider_does(&app, &o4, "accept", json!({})).await;
    w.upload_all(&app, &o4).await;
    w.provider_does(&app, &o4, "deliver", json!({})).await;
    w.firm_does(&app, &o4, "dispute", json!({"reason": "不满意"})).await;
    let r = app
        .post(
            &format!("/api/v1/orders/{o4}/dispute-resolution"),
            Some(&rev),
            &json!({"outcome": "delivered", "note": "交付材料齐全，符合合同约定"}),
        )
        .await;
    assert_eq!(r.body["status"], "delivered", "{}", r.body);
    let r = w.firm_does(&app, &o4, "confirm", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        w.voucher_state(&app).await,
        ("40000.00".into(), "0.00".into(), "40000.00".into(), "active".into())
    );
    assert!(unbalanced(&app).is_empty());

    let mail = subjects(&app);
    for (kind, to) in [
        ("order_declined", "a@example.cn"),
        ("order_cancelled", "ip@example.cn"),
        ("order_disputed", "ip@example.cn"),
        ("order_dispute_resolved", "a@example.cn"),
        ("order_dispute_resolved", "ip@example.cn"),
    ] {
        assert!(mail.contains(&(kind.into(), to.into())), "{kind} to {to}: {mail:?}");
    }
    // The firm that cancelled is not told of its own cancellation.
    let cancelled_to_firm = app
        .outbox()
        .iter()
        .filter(|m| m.kind == "order_cancelled" && m.to_address == "a@example.cn")
        .count();
    assert_eq!(cancelled_to_firm, 0);
}

#[actix_web::test]
async fn orders_and_evidence_are_seen_only_by_their_parties_and_staff() {
    let app = spawn_app_with(|s| s.data.max_upload_bytes = 4096).await;
    let w = world(&app, "ipf").await;
    let o = w.order(&app, "10000.00").await;

    // Evidence only once accepted.
    let url = format!("/api/v1/orders/{o}/evidence?kind=contract");
    let r = app.post_bytes(&url, Some(&w.provider_token), PDF.to_vec()).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "evidence_not_accepted_now"));
    w.provider_does(&app, &o, "accept", json!({})).await;

    // Checked by content and size; the client's name is only shown, never a path.
    let exe = b"MZ\x90\x00\x03\x00\x00\x00%PDF-1.7".to_vec();
    for (body, status, code) in [
        (Vec::new(), 422, "file_empty"),
        (exe, 422, "file_type_unsupported"),
        (vec![b'%'; 5000], 413, "file_too_large"),
    ] {
        let r = app.post_bytes(&url, Some(&w.provider_token), body).await;
        assert_eq!((r.status.as_u16(), r.code()), (status, code), "{}", r.body);
    }
    let mut big_pdf = PDF.to_vec();
    big_pdf.resize(4097, b' ');
    let r = app.post_bytes(&url, Some(&w.provider_token), big_pdf).await;
    assert_eq!((r.status.as_u16(), r.code()), (413, "file_too_large"));
    let r = app
        .post_bytes(
            &format!("/api/v1/orders/{o}/evidence?kind=selfie"),
            Some(&w.provider_token),
            PNG.to_vec(),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "evidence_kind_unknown"));
    assert_eq!(app.count("order_evidence"), 0, "nothing refused was recorded");

    let r = app
        .post_bytes(
            &format!(
                "/api/v1/orders/{o}/evidence?kind=invoice&name=..%2F..%2Fetc%2F%E5%8F%91%E7%A5%A8.png{}",
                stated(&app, "invoice", "10000.00")
            ),
            Some(&w.provider_token),
            PNG.to_vec(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["file_name"], "发票.png");
    assert_eq!(r.body["media_type"], "image/png");
    let sha = r.body["sha256"].as_str().unwrap().to_string();
    let href = r.body["href"].as_str().unwrap().to_string();
    let stored = app.dir.path().join("data/evidence").join(&sha[..2]).join(&sha[2..4]).join(&sha);
    assert_eq!(std::fs::read(&stored).unwrap(), PNG, "stored by its hash");

    // Another firm and another provider see neither the order nor its files.
    let stranger = bulk_firms(&app, 1, "small", true, None).remove(0);
    let (_, other_provider) = listed_provider(&app, "ipg").await;
    // Listing took the clock a week on: sign in again.
    let provider_token = app.token("ipf").await;
    let admin = app.token("admin_ipf").await;
    for token in [&stranger.token, &other_provider] {
        let r = app.get(&format!("/api/v1/orders/{o}"), Some(token)).await;
        assert_eq!(r.status, 404);
        assert_eq!(app.get_bytes(&href, Some(token)).await.0, 404);
        let list = app.get("/api/v1/orders", Some(token)).await;
        assert_eq!(list.body["total"], 0);
        let r = app.post_bytes(&url, Some(&other_provider), PDF.to_vec()).await;
        assert_eq!(r.status, 404);
    }
    // Reviewers, finance and auditors may read the files; admins and spaces may not.
    for role in [Role::Reviewer, Role::Finance, Role::Auditor] {
        let t = app.staff_token(&format!("read_{}", role.as_str()), role).await;
        let (status, _, bytes) = app.get_bytes(&href, Some(&t)).await;
        assert_eq!((status.as_u16(), bytes.as_slice()), (200, PNG), "{role:?}");
    }
    assert_eq!(app.get_bytes(&href, Some(&admin)).await.0, 403);
    // The parties each see the order in their lists.
    for token in [&w.firm.token, &provider_token, &admin] {
        let list = app.get("/api/v1/orders?status=accepted", Some(token)).await;
        assert_eq!(list.body["total"], 1, "{}", list.body);
    }
    let r = app.get("/api/v1/orders?status=lost", Some(&w.firm.token)).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "status_unknown"));
}

/// A path id is parsed once, as its type, where it enters: text that is no id names no
/// record, and the answer says which record (an order, its evidence), in both languages;
/// a sign-in is still asked for first.
#[actix_web::test]
async fn ids_in_paths_that_are_not_ids_are_not_found_naming_the_record() {
    let app = spawn_app().await;
    let w = world(&app, "pid").await;
    let r = app.get("/api/v1/orders/1%20OR%201=1", Some(&w.firm.token)).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["code"], "not_found");
    assert!(r.body["detail"].as_str().unwrap_or_default().contains("订单"), "{}", r.body);
    assert!(r.body["detail_en"].as_str().unwrap_or_default().contains("order"), "{}", r.body);
    let o = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("1000.00")).await.body
        ["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = app.get(&format!("/api/v1/orders/{o}/evidence/zzz"), Some(&w.firm.token)).await;
    assert_eq!(r.status, 404);
    assert!(r.body["detail_en"].as_str().unwrap_or_default().contains("evidence"), "{}", r.body);
    let r = app.post(&format!("/api/v1/orders/{}/accept", "not-an-id"), None, &json!({})).await;
    assert_eq!(r.status, 401, "who asks is checked before what is asked for");
}

#[actix_web::test]
async fn one_file_sent_twice_or_for_two_orders_is_flagged_for_staff_only() {
    let app = spawn_app().await;
    let w = world(&app, "ewf").await;
    let send = |order: String, kind: &'static str, bytes: Vec<u8>| {
        let (app, token) = (&app, w.provider_token.clone());
        async move {
            let stated = stated(app, kind, "12000.00");
            let url =
                format!("/api/v1/orders/{order}/evidence?kind={kind}&name={kind}.pdf{stated}");
            let r = app.post_bytes(&url, Some(&token), bytes).await;
            assert_eq!(r.status, 201, "{kind}: {}", r.body);
        }
    };
    let a = w.order(&app, "12000.00").await;
    let b = w.order(&app, "12000.00").await;
    for o in [&a, &b] {
        assert_eq!(w.provider_does(&app, o, "accept", json!({})).await.status, 200);
    }
    // The contract sent again as the payment receipt; one invoice for both orders.
    let contract = distinct_pdf(&a, "contract");
    send(a.clone(), "contract", contract.clone()).await;
    send(a.clone(), "payment_receipt", contract).await;
    send(a.clone(), "invoice", distinct_pdf("shared", "invoice")).await;
    send(b.clone(), "invoice", distinct_pdf("shared", "invoice")).await;
    send(a.clone(), "service_report", distinct_pdf(&a, "service_report")).await;

    let rev = app.staff_token("ewf_rev", Role::Reviewer).await;
    let order_no = |o: &str| {
        let (app, rev, o) = (&app, rev.clone(), o.to_string());
        async move {
            app.get(&format!("/api/v1/orders/{o}"), Some(&rev)).await.body["order_no"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let (no_a, no_b) = (order_no(&a).await, order_no(&b).await);
    let r = app.get(&format!("/api/v1/orders/{a}"), Some(&rev)).await;
    assert_eq!(
        r.body["evidence_warnings"],
        json!([
            {"kind": "same_file_twice", "kinds": ["contract", "payment_receipt"], "file_name": "contract.pdf"},
            {"kind": "same_file_elsewhere", "evidence_kind": "invoice", "file_name": "invoice.pdf", "order_no": no_b},
        ]),
        "{}",
        r.body
    );
    let r = app.get(&format!("/api/v1/orders/{b}"), Some(&rev)).await;
    assert_eq!(r.body["evidence_warnings"][0]["order_no"], no_a.as_str(), "{}", r.body);
    // Another order's number is not the firm's or the provider's to see.
    for token in [&w.firm.token, &w.provider_token] {
        let r = app.get(&format!("/api/v1/orders/{a}"), Some(token)).await;
        assert_eq!(r.status, 200);
        assert!(r.body.get("evidence_warnings").is_none(), "{}", r.body);
    }
}

#[actix_web::test]
async fn an_invoice_for_another_amount_or_a_delivery_before_acceptance_is_flagged() {
    let app = spawn_app().await;
    let w = world(&app, "esf").await;
    let o = w.order(&app, "12000.00").await;
    assert_eq!(w.provider_does(&app, &o, "accept", json!({})).await.status, 200);
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let (before, tomorrow) = (today - chrono::Duration::days(2), today.succ_opt().unwrap());
    let url = |q: &str| format!("/api/v1/orders/{o}/evidence?{q}");
    let token = w.provider_token.clone();
    // What the provider must state, and may not: refused by the field, nothing stored.
    for (q, field, code) in [
        ("kind=invoice&dated=2026-12-01".to_string(), "amount", "required"),
        ("kind=invoice&amount=12000.00".to_string(), "dated", "required"),
        ("kind=service_report".to_string(), "dated", "required"),
        (format!("kind=invoice&amount=0.00&dated={today}"), "amount", "amount_not_positive"),
        (format!("kind=invoice&amount=12000.001&dated={today}"), "amount", "amount_too_precise"),
        (format!("kind=invoice&amount=12000.00&dated={tomorrow}"), "dated", "date_in_future"),
        ("kind=invoice&amount=12000.00&dated=2026-13-01".to_string(), "dated", "date_invalid"),
        ("kind=contract&amount=12000.00".to_string(), "amount", "amount_unexpected"),
    ] {
        let r = app.post_bytes(&url(&q), Some(&token), distinct_pdf(&o, &q)).await;
        assert_eq!(r.status, 422, "{q}: {}", r.body);
        assert_eq!(r.body["errors"][0]["field"], field, "{q}: {}", r.body);
        assert_eq!(r.body["errors"][0]["code"], code, "{q}: {}", r.body);
    }
    assert_eq!(app.count("order_evidence"), 0);
    // An invoice for less than the contract, a delivery dated before the acceptance.
    for (q, kind) in [
        (format!("kind=invoice&name=fp.pdf&amount=11000.00&dated={today}"), "invoice"),
        (format!("kind=service_report&name=report.pdf&dated={before}"), "service_report"),
    ] {
        let r = app.post_bytes(&url(&q), Some(&token), distinct_pdf(&o, kind)).await;
        assert_eq!(r.status, 201, "{q}: {}", r.body);
    }
    let rev = app.staff_token("esf_rev", Role::Reviewer).await;
    let r = app.get(&format!("/api/v1/orders/{o}"), Some(&rev)).await;
    assert_eq!(
        r.body["evidence_warnings"],
        json!([
            {"kind": "invoice_amount_differs", "file_name": "fp.pdf",
             "invoice_amount": "11000.00", "contract_amount": "12000.00"},
            {"kind": "delivered_before_acceptance", "file_name": "report.pdf",
             "dated": before.to_string(), "accepted_on": today.to_string()},
        ]),
        "{}",
        r.body
    );
    // What was stated is on the record, for every party.
    let r = app.get(&format!("/api/v1/orders/{o}"), Some(&w.firm.token)).await;
    let invoice = r.body["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "invoice")
        .unwrap()
        .clone();
    assert_eq!(
        (invoice["amount"].clone(), invoice["dated"].clone()),
        (json!("11000.00"), json!(today.to_string()))
    );
    // The reviewer reads the statement on the order's page, and both warnings in words
    // beside the redemption item on the desk.
    let mut page = crate::web::Browser::signed_in(&app, &rev);
    let p = page.get(&format!("/orders/{o}")).await;
    assert!(p.body.contains("金额 11,000.00 元"), "{}", p.body);
    for kind in ["contract", "payment_receipt"] {
        let r = app
            .post_bytes(&url(&format!("kind={kind}")), Some(&token), distinct_pdf(&o, kind))
            .await;
        assert_eq!(r.status, 201, "{kind}: {}", r.body);
    }
    assert_eq!(w.provider_does(&app, &o, "deliver", json!({})).await.status, 200);
    assert_eq!(w.firm_does(&app, &o, "confirm", json!({})).await.status, 200);
    let r =
        app.post("/api/v1/provider/redemptions", Some(&token), &json!({"order_ids": [o]})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let desk = page.get("/review").await;
    assert!(
        desk.body.contains("发票（fp.pdf）金额 11,000.00 元，与合同金额 12,000.00 元不一致")
            && desk.body.contains(&format!(
                "服务报告（report.pdf）的交付日期 {before} 早于机构接单日期 {today}"
            )),
        "{}",
        desk.body
    );
}

/// What a provider states of a document it uploads, as query parts: an invoice's amount
/// (`contract`, so nothing is flagged) and date, a service report's delivery date;
/// today (China) for both.
pub fn stated(app: &TestApp, kind: &str, contract: &str) -> String {
    let today = hechuang::domain::china_time(app.clock.now()).date();
    match kind {
        "invoice" => format!("&amount={contract}&dated={today}"),
        "service_report" => format!("&dated={today}"),
        _ => String::new(),
    }
}

/// Suspension (暂停, a sanction): the provider's services leave the catalogue and the
/// public list at once and it takes no new orders, but the orders it has accepted run to
/// their end: delivered, confirmed and redeemed.
#[actix_web::test]
async fn a_suspended_providers_services_leave_the_catalogue_while_its_running_orders_finish() {
    let app = spawn_app().await;
    let w = world(&app, "sus").await;
    let running = w.order(&app, "1000.00").await;
    assert_eq!(w.provider_does(&app, &running, "accept", json!({})).await.status, 200);
    let waiting = w.order(&app, "500.00").await;
    let listed =
        |body: &Value| body["items"].as_array().unwrap().iter().any(|s| s["id"] == json!(w.item));
    let r = app.get("/api/v1/services", Some(&w.firm.token)).await;
    assert!(listed(&r.body), "{}", r.body);

    let rev = app.staff_token("rev_sus", Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/providers/{}/listing", w.provider),
            Some(&rev),
            &json!({"action": "suspend", "reason": "回访抽查查实未交付"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Gone from the catalogue and the public list at once.
    let r = app.get("/api/v1/services", Some(&w.firm.token)).await;
    assert!(!listed(&r.body), "{}", r.body);
    let r = app.get("/api/v1/public/providers", None).await;
    let named = r.body["items"].as_array().unwrap().iter().any(|p| p["id"] == json!(w.provider));
    assert!(!named, "{}", r.body);
    // No new orders, none newly accepted.
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("800.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "provider_suspended"), "{}", r.body);
    let r = w.provider_does(&app, &waiting, "accept", json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "provider_suspended"), "{}", r.body);
    // The running order finishes: delivered, confirmed, applied for.
    w.upload_all(&app, &running).await;
    let r = w.provider_does(&app, &running, "deliver", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = w.firm_does(&app, &running, "confirm", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            "/api/v1/provider/redemptions",
            Some(&w.provider_token),
            &json!({"order_ids": [running]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}
