//! Receivables (应收款项): a finding against an item already paid leaves the provider
//! owing; the next run offsets it (the bank file pays the net), carries forward what the
//! payout cannot cover, gives the offset back when the run is returned or the payout
//! fails; finance records repayments; the ledger verifies throughout.

use crate::helpers::{spawn_app, TestApp};
use crate::orders::World;
use crate::settlement::{approved_run, make_payable};
use crate::spot_checks::six_approved;
use crate::web::{post, Browser};
use hechuang::domain::settlement::Period;
use hechuang::domain::Role;
use serde_json::{json, Value};

fn yuan(v: &Value) -> f64 {
    v.as_str().unwrap_or_else(|| panic!("an amount: {v}")).parse().unwrap()
}

async fn ledger_ok(app: &TestApp, token: &str) {
    let r = app.get("/api/v1/ledger/verify", Some(token)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
    // And the overview, counted from the items, agrees with the ledger line by line
    // (offsets, recoveries and corrections accounted for).
    let auditor = app.staff_token("rc_auditor", hechuang::domain::Role::Auditor).await;
    let r = app.get("/api/v1/dashboard/reconciliation", Some(&auditor)).await;
    assert_eq!(r.body["agrees"], true, "{}", r.body);
}

/// Exports `run`'s bank file (CSV, returned as text) and records every pending payout
/// paid.
pub async fn pay(app: &TestApp, run: &str, finance: &str) -> String {
    let (s, _, csv) = app
        .get_bytes(&format!("/api/v1/settlement-runs/{run}/bank-file?format=csv"), Some(finance))
        .await;
    assert_eq!(s, 200);
    let r = app.get(&format!("/api/v1/settlement-runs/{run}"), Some(finance)).await;
    let today = hechuang::domain::china_time(app.clock.now()).date().to_string();
    for p in r.body["payouts"].as_array().unwrap() {
        if p["status"] == "pending" {
            let id = p["id"].as_str().unwrap();
            let r = app
                .post(
                    &format!("/api/v1/payouts/{id}/result"),
                    Some(finance),
                    &json!({"outcome": "paid", "bank_reference": format!("B-{id}"), "paid_on": today}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    }
    String::from_utf8(csv[3..].to_vec()).unwrap()
}

/// Six items paid in a month's run; then the month's spot checks are drawn and the firm
/// says "no" to `no` of them. Returns the world, the finance users' tokens (maker,
/// checker) and the open findings with their items' amounts.
pub async fn paid_and_questioned(
    app: &TestApp,
    tag: &str,
    no: usize,
) -> (World, (String, String), Vec<(String, f64)>) {
    let (w, month, _) = six_approved(app, tag).await;
    app.end_the_month();
    let maker = app.staff_token(&format!("fin_{tag}_a"), Role::Finance).await;
    let checker = app.staff_token(&format!("fin_{tag}_b"), Role::Finance).await;
    let run = approved_run(app, &month, &maker, &checker).await;
    pay(app, &run, &maker).await;
    let admin = app.token(&format!("admin_{tag}")).await;
    let r = app.post("/api/v1/spot-checks/draws", Some(&admin), &json!({"period": month})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let checks = app.get("/api/v1/firm/spot-checks", Some(&w.firm.token)).await;
    for c in checks.body["items"].as_array().unwrap().iter().take(no) {
        let id = c["id"].as_str().unwrap();
        let r = app
            .post(
                &format!("/api/v1/spot-checks/{id}/answer"),
                Some(&w.firm.token),
                &json!({"delivered": false, "note": "报告与发票不符"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let rev = app.staff_token(&format!("rv_{tag}"), Role::Reviewer).await;
    let f = app.get("/api/v1/findings?status=open", Some(&rev)).await;
    let findings: Vec<(String, f64)> = f.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["item_status"], "paid", "{f}");
            (f["id"].as_str().unwrap().to_string(), yuan(&f["amount"]))
        })
        .collect();
    assert_eq!(findings.len(), no);
    (w, (maker, checker), findings)
}

pub async fn decide(app: &TestApp, tag: &str, finding: &str, body: Value) -> crate::helpers::Resp {
    let rev = app.token(&format!("rv_{tag}")).await;
    app.post(&format!("/api/v1/findings/{finding}/decision"), Some(&rev), &body).await
}

#[actix_web::test]
async fn a_finding_on_a_paid_item_is_offset_in_the_next_run_and_the_bank_file_pays_the_net() {
    let app = spawn_app().await;
    let tag = "rco";
    let (mut w, _, findings) = paid_and_questioned(&app, tag, 2).await;
    // The next month's items (3,000.00 to the voucher) are confirmed before the
    // decisions: a fraud finding on a paid item delists the provider by the credit rules,
    // and a delisted provider takes no new orders (its confirmed ones are still paid).
    let next = Period::of(app.clock.now()).to_string();
    w.provider_token = app.token(tag).await;
    make_payable(&app, &w, tag, &["1000.00", "1000.00", "1000.00"]).await;
    // One not delivered at all; the other worth 100.00 to the voucher.
    let (f0, a0) = findings[0].clone();
    let (f1, a1) = findings[1].clone();
    let r = decide(&app, tag, &f0, json!({"outcome": "fraudulent", "reason": "未交付"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["receivable_id"].is_string(), "{}", r.body);
    assert_eq!(r.body["item_status"], "paid", "the bank paid it: it stays paid");
    let r = decide(
        &app,
        tag,
        &f1,
        json!({"outcome": "corrected", "corrected_amount": "100.00", "reason": "只交付一部分"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let owed = a0 + (a1 - 100.0);
    // The provider is told each decision by email, with what it owes back.
    let told: Vec<_> = app.outbox().into_iter().filter(|m| m.kind == "finding_decided").collect();
    assert_eq!(told.len(), 2, "{told:?}");
    let fraud = told.iter().find(|m| m.subject.contains("查实未提供服务")).expect("fraud email");
    let g0 = hechuang::domain::money::group_digits(&format!("{a0:.2}"));
    assert!(fraud.body.contains(&format!("多付的 {g0} 元形成应退款项")), "{}", fraud.body);
    assert!(told.iter().any(|m| m.body.contains("核定合创券兑现金额为 100.00 元")), "{told:?}");
    // Both are published in the list of approved redemptions, with what comes back.
    let public = Browser::new(&app).get("/public/redemptions").await;
    let g = |v: f64| hechuang::domain::money::group_digits(&format!("{v:.2}"));
    for said in [
        format!("回访抽查查实未提供服务，服务机构退回 {} 元", g(a0)),
        format!("回访抽查核定为 100.00 元，服务机构退回 {} 元", g(a1 - 100.0)),
    ] {
        assert!(public.body.contains(&said), "{said}: {}", public.body);
    }
    let csv = Browser::new(&app).get("/public/redemptions.csv").await;
    assert!(csv.body.contains("回访抽查结论"), "{}", csv.body);
    assert!(csv.body.contains("回访抽查查实未提供服务"), "{}", csv.body);

    // Staff and the provider see what is owed.
    let fin = app.token(&format!("fin_{tag}_a")).await;
    let r = app.get("/api/v1/receivables?state=open", Some(&fin)).await;
    assert_eq!(r.body["total"], json!(2), "{}", r.body);
    let total: f64 =
        r.body["items"].as_array().unwrap().iter().map(|i| yuan(&i["outstanding"])).sum();
    assert_eq!(total, owed);
    w.provider_token = app.token(tag).await;
    let mine = app.get("/api/v1/provider/receivables", Some(&w.provider_token)).await;
    assert_eq!(mine.body["total"], json!(2), "{}", mine.body);
    let first = mine.body["items"][0]["id"].as_str().unwrap().to_string();
    let r = app.get(&format!("/api/v1/receivables/{first}"), Some(&w.provider_token)).await;
    assert_eq!((r.status.as_u16(), &r.body["state"]), (200, &json!("open")), "{}", r.body);
    // Another provider does not see it.
    let other = crate::orders::world(&app, "rco2").await;
    let r = app.get(&format!("/api/v1/receivables/{first}"), Some(&other.provider_token)).await;
    assert_eq!(r.status, 404, "{}", r.body);
    ledger_ok(&app, &app.token(&format!("fin_{tag}_a")).await).await;

    // Delisted by the rules, told as by a reviewer's decision.
    let fin = app.token(&format!("fin_{tag}_a")).await;
    let p = app.get(&format!("/api/v1/providers/{}", w.provider), Some(&fin)).await;
    assert_eq!(p.body["listing_status"], "delisted", "{}", p.body);
    let told = app.outbox().into_iter().filter(|m| m.kind == "provider_listing_decided").count();
    assert!(told >= 1);

    // The next month's run: 3,000.00 to the voucher, less what is owed.
    app.end_the_month();
    let maker = app.token(&format!("fin_{tag}_a")).await;
    let checker = app.token(&format!("fin_{tag}_b")).await;
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": next})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let run = &r.body["run"];
    let gross = 3000.0;
    assert_eq!((yuan(&run["total"]), yuan(&run["offset"])), (gross - owed, owed), "{run}");
    let p = &run["payouts"][0];
    assert_eq!((yuan(&p["amount"]), yuan(&p["offset"])), (gross - owed, owed), "{p}");
    let notes = run["checklist"]["notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| n["note"]["kind"] == "offset"), "{notes:?}");
    // Taken at preparation: nothing is owed now.
    let r = app.get("/api/v1/receivables?state=open", Some(&maker)).await;
    assert_eq!(r.body["total"], json!(0), "{}", r.body);
    let run_id = run["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/settlement-runs/{run_id}/decision"),
            Some(&checker),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The bank file pays the net, not the items' total.
    let csv = pay(&app, &run_id, &maker).await;
    let net = format!("{:.2}", gross - owed);
    assert!(csv.contains(&format!(",{net},")), "{csv}");
    assert!(!csv.contains(",3000.00,"), "{csv}");
    let r = app.get(&format!("/api/v1/receivables/{first}"), Some(&maker)).await;
    assert_eq!(r.body["state"], "recovered", "{}", r.body);
    let rec = &r.body["recoveries"][0];
    assert_eq!((&rec["kind"], &rec["live"]), (&json!("offset"), &json!(true)), "{rec}");
    ledger_ok(&app, &maker).await;
}

#[actix_web::test]
async fn a_receivable_larger_than_the_next_payout_is_carried_forward_then_repaid() {
    let app = spawn_app().await;
    let tag = "rcf";
    let (mut w, _, findings) = paid_and_questioned(&app, tag, 1).await;
    let (f0, owed) = findings[0].clone();
    // Next month only 100.00 is payable (confirmed before the decision, which delists
    // the provider): all of it is offset, the rest carried forward.
    let next = Period::of(app.clock.now()).to_string();
    w.provider_token = app.token(tag).await;
    make_payable(&app, &w, tag, &["100.00"]).await;
    let r = decide(&app, tag, &f0, json!({"outcome": "fraudulent", "reason": "未交付"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    w.provider_token = app.token(tag).await;
    app.end_the_month();
    let maker = app.token(&format!("fin_{tag}_a")).await;
    let checker = app.token(&format!("fin_{tag}_b")).await;
    let prepare = || async {
        let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": next})).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["run"].clone()
    };
    let outstanding = || async {
        let r = app.get("/api/v1/receivables", Some(&maker)).await;
        yuan(&r.body["items"][0]["outstanding"])
    };
    let run = prepare().await;
    let item = yuan(&run["payouts"][0]["offset"]);
    assert!(item > 0.0 && item < owed, "{run}");
    assert_eq!((yuan(&run["total"]), yuan(&run["payouts"][0]["amount"])), (0.0, 0.0), "{run}");
    assert_eq!(outstanding().await, owed - item);
    // Returned by the checker: the offset is given back, the debt is whole again.
    let id = run["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/settlement-runs/{id}/decision"),
            Some(&checker),
            &json!({"decision": "reject", "reason": "核对抵扣"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outstanding().await, owed);
    ledger_ok(&app, &maker).await;
    // Prepared again and approved: nothing for the bank; the payout is settled by the
    // offset at once and the run is closed.
    let run = prepare().await;
    let id = run["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/settlement-runs/{id}/decision"),
            Some(&checker),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["stage"], "closed", "{}", r.body);
    assert_eq!(r.body["payouts"][0]["status"], "paid", "{}", r.body);
    let (_, _, csv) = app
        .get_bytes(&format!("/api/v1/settlement-runs/{id}/bank-file?format=csv"), Some(&maker))
        .await;
    let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert_eq!(csv.lines().count(), 1, "only the header: {csv}");
    let left = owed - item;
    assert_eq!(outstanding().await, left);

    // The provider pays the rest back; finance records it.
    let r = app.get("/api/v1/receivables", Some(&maker)).await;
    let rid = r.body["items"][0]["id"].as_str().unwrap().to_string();
    let url = format!("/api/v1/receivables/{rid}/repayments");
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let body = |amount: &str, day: chrono::NaiveDate| json!({"amount": amount, "bank_reference": "HF-REPAY-1", "paid_on": day.to_string()});
    for (b, status, code, field) in [
        (
            body(&format!("{:.2}", left + 0.01), today),
            422,
            "repayment_exceeds_outstanding",
            "amount",
        ),
        (body("0", today), 422, "amount_not_positive", "amount"),
        (body("1.001", today), 422, "amount_too_precise", "amount"),
        (body("10.00", today + chrono::Duration::days(1)), 422, "date_in_future", "paid_on"),
    ] {
        let r = app.post(&url, Some(&maker), &b).await;
        assert_eq!(r.status.as_u16(), status, "{}", r.body);
        assert_eq!(r.body["errors"][0]["code"], code, "{}", r.body);
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
    }
    w.provider_token = app.token(tag).await;
    let r = app.post(&url, Some(&w.provider_token), &body("10.00", today)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(outstanding().await, left, "nothing refused changed anything");
    let r = app.post(&url, Some(&maker), &body("10.00", today)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(yuan(&r.body["outstanding"]), left - 10.0);
    let r = app.post(&url, Some(&checker), &body(&format!("{:.2}", left - 10.0), today)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!((&r.body["state"], yuan(&r.body["outstanding"])), (&json!("recovered"), 0.0));
    let kinds: Vec<&str> = r.body["recoveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["kind"].as_str().unwrap())
        .collect();
    // The returned run's offset (undone), the second run's, and two repayments.
    assert_eq!(kinds, ["offset", "offset", "repayment", "repayment"], "{}", r.body);
    assert_eq!(r.body["recoveries"][0]["live"], false);
    let r = app.post(&url, Some(&maker), &body("1.00", today)).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "receivable_recovered"), "{}", r.body);
    ledger_ok(&app, &maker).await;
}

#[actix_web::test]
async fn a_failed_payout_gives_its_offset_back_and_the_next_run_takes_it_again() {
    let app = spawn_app().await;
    let tag = "rcx";
    let (mut w, _, findings) = paid_and_questioned(&app, tag, 1).await;
    let (f0, amount) = findings[0].clone();
    let r = decide(
        &app,
        tag,
        &f0,
        json!({"outcome": "corrected", "corrected_amount": "50.00", "reason": "部分交付"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let owed = amount - 50.0;
    let next = Period::of(app.clock.now()).to_string();
    w.provider_token = app.token(tag).await;
    make_payable(&app, &w, tag, &["2000.00"]).await;
    app.end_the_month();
    let maker = app.token(&format!("fin_{tag}_a")).await;
    let checker = app.token(&format!("fin_{tag}_b")).await;
    let run = approved_run(&app, &next, &maker, &checker).await;
    let (s, _, _) = app
        .get_bytes(&format!("/api/v1/settlement-runs/{run}/bank-file?format=csv"), Some(&maker))
        .await;
    assert_eq!(s, 200);
    let r = app.get(&format!("/api/v1/settlement-runs/{run}"), Some(&maker)).await;
    let payout = r.body["payouts"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(yuan(&r.body["payouts"][0]["offset"]), owed);
    let r = app
        .post(
            &format!("/api/v1/payouts/{payout}/result"),
            Some(&maker),
            &json!({"outcome": "failed", "reason": "账户已冻结"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The debt is owed again, the item payable again: the next month's run takes both.
    let r = app.get("/api/v1/receivables?state=open", Some(&maker)).await;
    assert_eq!(yuan(&r.body["items"][0]["outstanding"]), owed, "{}", r.body);
    ledger_ok(&app, &maker).await;
    let later = Period::of(app.clock.now()).to_string();
    app.end_the_month();
    let maker = app.token(&format!("fin_{tag}_a")).await;
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": later})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let p = &r.body["run"]["payouts"][0];
    assert_eq!((yuan(&p["offset"]), yuan(&p["amount"])), (owed, 2000.0 - owed), "{p}");
    ledger_ok(&app, &maker).await;
}

#[actix_web::test]
async fn finance_follows_and_records_repayments_in_pages_and_the_provider_sees_what_it_owes() {
    let app = spawn_app().await;
    let tag = "rcp";
    let (w, _, findings) = paid_and_questioned(&app, tag, 1).await;
    let (f0, owed) = findings[0].clone();
    // Each desk counts what waits and links to it: the firm's four checks still to
    // answer (five drawn, one answered), the provider's open finding, the reviewer's
    // finding to decide.
    let desk = |token: String| {
        let app = &app;
        async move { Browser::signed_in(app, &token).get("/home").await.body }
    };
    let count = crate::portal::count_of;
    let firm_desk = Browser::signed_in(&app, &w.firm.token).get("/home").await.body;
    assert_eq!(count(&firm_desk, "spot_checks_to_answer"), 4);
    assert!(firm_desk.contains("href=\"&#x2f;firm&#x2f;spot-checks\""), "{firm_desk}");
    assert_eq!(count(&desk(app.token(tag).await).await, "findings_open"), 1);
    let rev_desk = desk(app.token(&format!("rv_{tag}")).await).await;
    assert_eq!(count(&rev_desk, "findings_to_decide"), 1);
    assert_eq!(count(&desk(app.token(&format!("fin_{tag}_a")).await).await, "receivables_owed"), 0);
    let r = decide(&app, tag, &f0, json!({"outcome": "fraudulent", "reason": "未交付"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(count(&desk(app.token(&format!("rv_{tag}")).await).await, "findings_to_decide"), 0);
    assert_eq!(count(&desk(app.token(tag).await).await, "findings_open"), 0);
    assert_eq!(count(&desk(app.token(&format!("fin_{tag}_a")).await).await, "receivables_owed"), 1);
    let owed_text = format!("{owed:.2}");

    // Finance reaches the receivables from its navigation, and one from the list.
    let fin = app.token(&format!("fin_{tag}_a")).await;
    let mut b = Browser::signed_in(&app, &fin);
    let home = b.get("/home").await;
    assert!(home.body.contains("href=\"&#x2f;finance&#x2f;receivables\""), "in its navigation");
    let list = b.get("/finance/receivables").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("尚未收回"), "{}", list.body);
    let id = r.body["receivable_id"].as_str().unwrap().to_string();
    assert!(list.body.contains(&format!("href=\"/finance/receivables/{id}\"")), "{}", list.body);
    let page = b.get(&format!("/finance/receivables/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("登记汇回款"), "{}", page.body);
    // More than is owed: said beside the amount; nothing recorded.
    let url = format!("/finance/receivables/{id}/repayments");
    let today = hechuang::domain::china_time(app.clock.now()).date().to_string();
    let too_much = format!("{:.2}", owed + 1.0);
    let form = |amount: &str| {
        [
            ("amount", amount.to_string()),
            ("bank_reference", "HF-9".into()),
            ("paid_on", today.clone()),
        ]
    };
    let f = form(&too_much);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post(&mut b, &page, &url, &f).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"repay-amount-error\""), "{}", r.body);
    assert!(r.body.contains("还款金额不能超过尚欠金额"), "{}", r.body);
    assert_eq!(app.count("receivable_recoveries"), 0);
    let f = form(&owed_text);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post(&mut b, &page, &url, &f).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(&r.location).await;
    assert!(page.body.contains("已全部收回"), "{}", page.body);
    assert!(page.body.contains("服务机构汇回"), "{}", page.body);
    assert!(page.body.contains("已登记汇回款"), "{}", page.body);
    assert!(!page.body.contains(&format!("action=\"{url}\"")), "nothing left: {}", page.body);

    // The provider reads it beside its finding, in words.
    let token = app.token(tag).await;
    let mut p = Browser::signed_in(&app, &token);
    let mine = p.get("/provider/findings").await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert!(mine.body.contains("应退款项"), "{}", mine.body);
    assert!(mine.body.contains("多付部分形成应退款项"), "{}", mine.body);
    let grouped = hechuang::domain::money::group_digits(&owed_text);
    assert!(mine.body.contains(&grouped), "{grouped}: {}", mine.body);
    drop(w);
}
