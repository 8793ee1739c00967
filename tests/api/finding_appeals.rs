//! Appeals against a spot-check finding or its clawback: one appeal per decision (the
//! finding and its clawback are one), never handled by the reviewer who decided, granted
//! whole or in part. The money follows through the normal flows: a clawback still owed is
//! released, what was already recovered is paid back by the next run (a supplement in
//! the payout, the bank file paying it), an unpaid item claims the amount again; the
//! ledger and the overview's reconciliation agree throughout.

use crate::helpers::{spawn_app, TestApp};
use crate::receivables::{decide, paid_and_questioned, pay};
use crate::settlement::approved_run;
use crate::spot_checks::six_approved;
use hechuang::domain::settlement::Period;
use hechuang::domain::Role;
use serde_json::{json, Value};

fn yuan(v: &Value) -> f64 {
    v.as_str().unwrap_or_else(|| panic!("an amount: {v}")).parse().unwrap()
}

async fn books_agree(app: &TestApp) {
    let auditor = app.staff_token("fa_auditor", Role::Auditor).await;
    let r = app.get("/api/v1/ledger/verify", Some(&auditor)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
    let r = app.get("/api/v1/dashboard/reconciliation", Some(&auditor)).await;
    assert_eq!(r.body["agrees"], true, "{}", r.body);
}

/// The ended `month` is drawn; the firm says "not delivered" to `no` of its checks; the
/// open findings (id, the item's amount, the item), as `rv_{tag}` reads them.
async fn questioned(
    app: &TestApp,
    w: &crate::orders::World,
    tag: &str,
    month: &str,
    no: usize,
) -> Vec<(String, f64, String)> {
    let admin = app.token(&format!("admin_{tag}")).await;
    let r = app.post("/api/v1/spot-checks/draws", Some(&admin), &json!({"period": month})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let checks = app.get("/api/v1/firm/spot-checks", Some(&w.firm.token)).await;
    for c in checks.body["items"].as_array().unwrap().iter().take(no) {
        let id = c["id"].as_str().unwrap();
        let body = json!({"delivered": false, "note": "未见成果"});
        let r =
            app.post(&format!("/api/v1/spot-checks/{id}/answer"), Some(&w.firm.token), &body).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let rev = app.staff_token(&format!("rv_{tag}"), Role::Reviewer).await;
    let f = app.get("/api/v1/findings?status=open", Some(&rev)).await;
    let found: Vec<(String, f64, String)> = f.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let id = f["id"].as_str().unwrap().to_string();
            (id, yuan(&f["amount"]), f["item_id"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(found.len(), no, "{}", f.body);
    found
}

fn grounds(kind: &str, id: &str) -> Value {
    json!({"subject_kind": kind, "subject_id": id, "grounds": "服务已按合同交付，附验收单与专利受理通知书"})
}

#[actix_web::test]
async fn an_overturned_clawback_releases_the_debt_and_the_next_run_pays_back_what_was_recovered() {
    let app = spawn_app().await;
    let tag = "fac";
    let (mut w, _, findings) = paid_and_questioned(&app, tag, 1).await;
    let (finding, amount) = findings[0].clone();
    let r = decide(&app, tag, &finding, json!({"outcome": "fraudulent", "reason": "未交付"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let receivable = r.body["receivable_id"].as_str().unwrap().to_string();
    // The provider pays 100.00 back at once; finance records it.
    let maker = app.token(&format!("fin_{tag}_a")).await;
    let today = hechuang::domain::china_time(app.clock.now()).date().to_string();
    let r = app
        .post(
            &format!("/api/v1/receivables/{receivable}/repayments"),
            Some(&maker),
            &json!({"amount": "100.00", "bank_reference": "HF-1", "paid_on": today}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let p = app.get(&format!("/api/v1/providers/{}", w.provider), Some(&maker)).await;
    assert_eq!(p.body["listing_status"], "delisted", "{}", p.body);
    books_agree(&app).await;

    // The provider appeals the clawback; the finding is the same decision, so a second
    // appeal against it is refused, as is one by another provider.
    w.provider_token = app.token(tag).await;
    let r = app
        .post("/api/v1/appeals", Some(&w.provider_token), &grounds("clawback", &receivable))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (&r.body["decision"], &r.body["decision_reason"]),
        (&json!("fraudulent"), &json!("未交付"))
    );
    let appeal = r.body["id"].as_str().unwrap().to_string();
    let r =
        app.post("/api/v1/appeals", Some(&w.provider_token), &grounds("finding", &finding)).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "appeal_already_filed"), "{}", r.body);
    let other = crate::orders::world(&app, "fac2").await;
    let r = app
        .post("/api/v1/appeals", Some(&other.provider_token), &grounds("clawback", &receivable))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);

    // The reviewer who decided the finding may not handle it.
    let url = format!("/api/v1/appeals/{appeal}/decision");
    let original = app.token(&format!("rv_{tag}")).await;
    let overturn = json!({"outcome": "overturned", "reason": "验收单与受理通知书证明已交付"});
    let r = app.post(&url, Some(&original), &overturn).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "appeal_by_original_reviewer"), "{}", r.body);
    // In part needs an amount between what the finding allowed (nothing) and the item's.
    let other_rev = app.staff_token(&format!("rv2_{tag}"), Role::Reviewer).await;
    let r = app.post(&url, Some(&other_rev), &json!({"outcome": "partly", "reason": "部分"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        (&r.body["errors"][0]["field"], &r.body["errors"][0]["code"]),
        (&json!("granted_amount"), &json!("required")),
        "{}",
        r.body
    );
    for too in ["0.00", &format!("{amount:.2}"), &format!("{:.2}", amount + 1.0)] {
        let body = json!({"outcome": "partly", "granted_amount": too, "reason": "部分"});
        let r = app.post(&url, Some(&other_rev), &body).await;
        assert_eq!(r.status, 422, "{too}: {}", r.body);
        assert_eq!(r.body["errors"][0]["code"], "granted_amount_invalid", "{too}: {}", r.body);
    }
    // An amount goes only with a grant in part.
    let body = json!({"outcome": "overturned", "granted_amount": "300.00", "reason": "已交付"});
    let r = app.post(&url, Some(&other_rev), &body).await;
    assert_eq!(r.body["errors"][0]["code"], "granted_amount_invalid", "{}", r.body);
    books_agree(&app).await;

    // Overturned: the finding is revised to no issue, the debt still owed released, the
    // 100.00 already repaid owed back to the provider.
    let r = app.post(&url, Some(&other_rev), &overturn).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (&r.body["status"], yuan(&r.body["granted_amount"])),
        (&json!("overturned"), amount),
        "{}",
        r.body
    );
    let r = app.post(&url, Some(&other_rev), &overturn).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "appeal_decided"), "{}", r.body);
    let maker = app.token(&format!("fin_{tag}_a")).await;
    let r = app.get(&format!("/api/v1/receivables/{receivable}"), Some(&maker)).await;
    assert_eq!(yuan(&r.body["outstanding"]), 0.0, "{}", r.body);
    assert_eq!(
        (yuan(&r.body["recovered"]), yuan(&r.body["released"])),
        (100.0, amount - 100.0),
        "{}",
        r.body
    );
    assert_eq!(r.body["given_back"], "100.00", "{}", r.body);
    let kinds: Vec<&str> = r.body["recoveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"release") && kinds.contains(&"repayment"), "{kinds:?}");
    let f = app.get("/api/v1/findings", Some(&other_rev)).await;
    let f = f.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == finding.as_str())
        .unwrap()
        .clone();
    assert_eq!(f["outcome"], "no_issue", "{f}");
    // The delisting the credit rules made for the fraud rested on this finding: with
    // the finding revised, the provider is listed again.
    let p = app.get(&format!("/api/v1/providers/{}", w.provider), Some(&maker)).await;
    assert_eq!(p.body["listing_status"], "listed", "{}", p.body);
    assert!(p.body["decision_reason"].as_str().unwrap().contains("申诉复核"), "{}", p.body);
    let told: Vec<_> = app.outbox().into_iter().filter(|m| m.kind == "appeal_decided").collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].body.contains("追回款项"), "{}", told[0].body);
    books_agree(&app).await;
    // The grant cannot be appealed again.
    w.provider_token = app.token(tag).await;
    let r =
        app.post("/api/v1/appeals", Some(&w.provider_token), &grounds("finding", &finding)).await;
    assert_eq!(r.status.as_u16() / 100, 4, "{}", r.body);

    // The next month's run pays the 100.00 back, alone (the provider has nothing else
    // payable): a payout with one supplement, in the bank file.
    let next = Period::of(app.clock.now()).to_string();
    app.end_the_month();
    let maker = app.token(&format!("fin_{tag}_a")).await;
    let checker = app.token(&format!("fin_{tag}_b")).await;
    let run = approved_run(&app, &next, &maker, &checker).await;
    let r = app.get(&format!("/api/v1/settlement-runs/{run}"), Some(&maker)).await;
    let p = &r.body["payouts"][0];
    assert_eq!((yuan(&p["amount"]), &p["item_count"]), (100.0, &json!(1)), "{}", r.body);
    let kinds = r.body["checklist"]["by_category"].as_array().unwrap();
    assert!(kinds.iter().any(|k| k["kind"] == "supplement"), "{kinds:?}");
    let payout = p["id"].as_str().unwrap().to_string();
    let d = app.get(&format!("/api/v1/payouts/{payout}"), Some(&maker)).await;
    assert_eq!(d.body["supplements"][0]["appeal_id"], appeal.as_str(), "{}", d.body);
    assert_eq!(yuan(&d.body["supplements"][0]["amount"]), 100.0, "{}", d.body);
    books_agree(&app).await;
    w.provider_token = app.token(tag).await;
    let mine = app.get("/api/v1/provider/supplements", Some(&w.provider_token)).await;
    assert_eq!((&mine.body[0]["amount"], &mine.body[0]["paid"]), (&json!("100.00"), &json!(false)));
    let csv = pay(&app, &run, &maker).await;
    assert!(csv.contains(",100.00,"), "{csv}");
    let mine = app.get("/api/v1/provider/supplements", Some(&app.token(tag).await)).await;
    assert_eq!(mine.body[0]["paid"], true, "{}", mine.body);
    books_agree(&app).await;
    // The period report counts it, as its own line, paid.
    let r = app.get(&format!("/api/v1/reports/settlement?period={next}"), Some(&maker)).await;
    assert_eq!((yuan(&r.body["amount"]), yuan(&r.body["paid"])), (100.0, 100.0), "{}", r.body);
    let line = &r.body["by_category"][0];
    assert_eq!((&line["id"], &line["name"]), (&json!("supplement"), &json!("补付款（申诉复核）")));
    // Finance reads the receivable as settled, part of it released on appeal.
    let page = crate::web::Browser::signed_in(&app, &maker)
        .get(&format!("/finance/receivables/{receivable}"))
        .await;
    assert!(page.body.contains("已结清（含申诉复核免除部分）"), "{}", page.body);
    // Nothing is paid twice: the next run has nothing for this provider.
    let later = Period::of(app.clock.now()).to_string();
    app.end_the_month();
    let maker = app.token(&format!("fin_{tag}_a")).await;
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": later})).await;
    assert_eq!(r.code(), "nothing_payable", "{}", r.body);
}

#[actix_web::test]
async fn findings_on_unpaid_items_granted_in_part_or_overturned_are_paid_by_the_next_run() {
    let app = spawn_app().await;
    let tag = "fau";
    let (w, month, _) = six_approved(&app, tag).await;
    app.end_the_month();
    let found = questioned(&app, &w, tag, &month, 3).await;
    let (corrected, a0, _) = found[0].clone();
    let (refused, a1, refused_item) = found[1].clone();
    let (cleared, _, _) = found[2].clone();
    // An open finding cannot be appealed yet; one found with no issue never.
    let prov = app.token(tag).await;
    let r = app.post("/api/v1/appeals", Some(&prov), &grounds("finding", &cleared)).await;
    assert_eq!(r.code(), "appeal_not_appealable", "{}", r.body);
    let r = decide(&app, tag, &cleared, json!({"outcome": "no_issue", "reason": "核实无误"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.post("/api/v1/appeals", Some(&prov), &grounds("finding", &cleared)).await;
    assert_eq!(r.code(), "appeal_not_appealable", "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("未认定问题"), "{}", r.body);
    let r = decide(
        &app,
        tag,
        &corrected,
        json!({"outcome": "corrected", "corrected_amount": "100.00", "reason": "只交付一部分"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r =
        decide(&app, tag, &refused, json!({"outcome": "fraudulent", "reason": "未提供服务"})).await;
    assert_eq!(r.body["item_status"], "rejected", "{}", r.body);
    books_agree(&app).await;

    // The refused item is appealed through its finding, not as a refused item.
    let prov = app.token(tag).await;
    let r =
        app.post("/api/v1/appeals", Some(&prov), &grounds("redemption_item", &refused_item)).await;
    assert_eq!(r.code(), "appeal_not_appealable", "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("核查结论"), "{}", r.body);
    let r = app.post("/api/v1/appeals", Some(&prov), &grounds("finding", &corrected)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let partly = r.body["id"].as_str().unwrap().to_string();
    let r = app.post("/api/v1/appeals", Some(&prov), &grounds("finding", &refused)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let whole = r.body["id"].as_str().unwrap().to_string();

    // Another reviewer: the correction granted in part (300.00, between 100.00 and the
    // item's amount), the refusal overturned.
    let rev2 = app.staff_token(&format!("rv2_{tag}"), Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/appeals/{partly}/decision"),
            Some(&rev2),
            &json!({"outcome": "partly", "granted_amount": "300.00", "reason": "交付了大部分"}),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), &r.body["status"], &r.body["granted_amount"]),
        (200, &json!("partly"), &json!("300.00")),
        "{}",
        r.body
    );
    let r = app
        .post(
            &format!("/api/v1/appeals/{whole}/decision"),
            Some(&rev2),
            &json!({"outcome": "overturned", "reason": "补充材料证明已交付"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let f = app.get("/api/v1/findings", Some(&rev2)).await;
    let by_id = |id: &str| {
        f.body["items"].as_array().unwrap().iter().find(|x| x["id"] == id).unwrap().clone()
    };
    let c = by_id(&corrected);
    assert_eq!(
        (&c["outcome"], &c["corrected_amount"], &c["amount"]),
        (&json!("corrected"), &json!("300.00"), &json!("300.00")),
        "{c}"
    );
    let x = by_id(&refused);
    assert_eq!((&x["outcome"], &x["item_status"]), (&json!("no_issue"), &json!("payable")), "{x}");
    assert_eq!(yuan(&x["amount"]), a1, "{x}");
    // The email says what was granted.
    let told: Vec<_> = app.outbox().into_iter().filter(|m| m.kind == "appeal_decided").collect();
    assert!(told.iter().any(|m| m.body.contains("部分支持，核定金额改为 300.00 元")), "{told:?}");
    books_agree(&app).await;

    // The month's run pays every item: the corrected one at 300.00, the refused one whole.
    let maker = app.staff_token(&format!("fin_{tag}_a"), Role::Finance).await;
    let checker = app.staff_token(&format!("fin_{tag}_b"), Role::Finance).await;
    let run = approved_run(&app, &month, &maker, &checker).await;
    let r = app.get(&format!("/api/v1/settlement-runs/{run}"), Some(&maker)).await;
    let all = 500.0 + 600.0 + 700.0 + 800.0 + 900.0 + 1000.0;
    assert_eq!(
        (yuan(&r.body["total"]), &r.body["item_count"]),
        (all - (a0 - 300.0), &json!(6)),
        "{}",
        r.body
    );
    pay(&app, &run, &maker).await;
    books_agree(&app).await;

    // Partly is only for findings and clawbacks.
    let w2 = crate::orders::world(&app, "fau2").await;
    let item = crate::appeals::refused_item(&app, &w2, "fau2", "800.00").await;
    let r = app
        .post("/api/v1/appeals", Some(&w2.provider_token), &grounds("redemption_item", &item))
        .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let rev2 = app.token(&format!("rv2_{tag}")).await;
    let r = app
        .post(
            &format!("/api/v1/appeals/{id}/decision"),
            Some(&rev2),
            &json!({"outcome": "partly", "granted_amount": "300.00", "reason": "x"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "appeal_partly_not_applicable"), "{}", r.body);
}

/// Sanctions by finding as data: with `corrected = "suspension"`, a corrected amount
/// suspends the provider though its grade stays A, saying why; an appeal that overturns
/// the finding lists it again, while one granted in part (still a correction) would not.
#[actix_web::test]
async fn a_finding_suspends_by_the_rules_for_findings_and_its_overturn_lists_again() {
    // The copy lives while the test does.
    let dir = crate::subsidies::policy_copy("credit.toml", |t| {
        t.replace("corrected = \"none\"", "corrected = \"suspension\"")
    });
    let path = dir.path().to_path_buf();
    let app = crate::helpers::spawn_app_with(move |s| s.policy.dir = path).await;
    let tag = "fas";
    let (w, month, _) = six_approved(&app, tag).await;
    app.end_the_month();
    let finding = questioned(&app, &w, tag, &month, 1).await.remove(0).0;
    let rev = app.token(&format!("rv_{tag}")).await;
    let r = decide(
        &app,
        tag,
        &finding,
        json!({"outcome": "corrected", "corrected_amount": "100.00", "reason": "只交付一部分"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = app.get(&format!("/api/v1/providers/{}", w.provider), Some(&rev)).await;
    assert_eq!(p.body["listing_status"], "suspended", "{}", p.body);
    assert_eq!(
        p.body["decision_reason"], "回访抽查核查核减兑现金额，按信用规则暂停服务资格",
        "{}",
        p.body
    );
    let grade = app.get(&format!("/api/v1/providers/{}/credit", w.provider), Some(&rev)).await;
    assert_eq!(grade.body["grade"], "A", "{}", grade.body);

    let prov = app.token(tag).await;
    let r = app.post("/api/v1/appeals", Some(&prov), &grounds("finding", &finding)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let appeal = r.body["id"].as_str().unwrap().to_string();
    let rev2 = app.staff_token(&format!("rv2_{tag}"), Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/appeals/{appeal}/decision"),
            Some(&rev2),
            &json!({"outcome": "overturned", "reason": "补充材料证明已全部交付"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = app.get(&format!("/api/v1/providers/{}", w.provider), Some(&rev2)).await;
    assert_eq!(p.body["listing_status"], "listed", "{}", p.body);
    books_agree(&app).await;
}

/// An item approved on the month's last evening is still in its notice when the month is
/// drawn: found over-claimed (corrected), then refused by an upheld public objection. An
/// appeal against the finding cannot make it payable: the item moved on.
#[actix_web::test]
async fn an_item_refused_since_by_an_objection_is_not_paid_by_its_findings_appeal() {
    let app = spawn_app().await;
    let tag = "fao";
    let mut w = crate::orders::world(&app, tag).await;
    let now = app.clock.now();
    let month = Period::of(now);
    app.clock.advance(month.end_utc() - now - chrono::Duration::hours(2));
    w.provider_token = app.token(tag).await;
    let order = w.confirmed_order(&app, "1000.00").await;
    let r = app
        .post(
            "/api/v1/provider/redemptions",
            Some(&w.provider_token),
            &json!({"order_ids": [order]}),
        )
        .await;
    let item = r.body["items"][0]["id"].as_str().unwrap().to_string();
    let approver = app.staff_token(&format!("checker_{tag}"), Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/redemption-items/{item}/decision"),
            Some(&approver),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.body["status"], "in_notice", "{}", r.body);
    let period = app.end_the_month();
    let finding = questioned(&app, &w, tag, &period, 1).await.remove(0).0;
    let rev = app.token(&format!("rv_{tag}")).await;
    let body = json!({"outcome": "corrected", "corrected_amount": "100.00", "reason": "部分交付"});
    let r = decide(&app, tag, &finding, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The public objects while the notice runs; the objection is upheld.
    let objection =
        json!({"objector_name": "王某", "objector_contact": "13800000000", "reason": "服务未完成"});
    let r = app
        .post(&format!("/api/v1/public/redemption-notices/{item}/objections"), None, &objection)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let objection = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/redemption-objections/{objection}/resolution"),
            Some(&rev),
            &json!({"outcome": "upheld", "note": "企业证实服务未完成"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let prov = app.token(tag).await;
    let r = app.post("/api/v1/appeals", Some(&prov), &grounds("finding", &finding)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let appeal = r.body["id"].as_str().unwrap().to_string();
    let rev2 = app.staff_token(&format!("rv2_{tag}"), Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/appeals/{appeal}/decision"),
            Some(&rev2),
            &json!({"outcome": "overturned", "reason": "已全部交付"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "appeal_subject_moved"), "{}", r.body);
    books_agree(&app).await;
}
