//! Settlement: runs per period, maker-checker, bank files, results and reversals.

use crate::cli::hechuang;
use crate::helpers::{spawn_app, spawn_second, TestApp};
use crate::orders::{balance, world, World};
use chrono::Duration;
use hechuang::domain::settlement::Period;
use hechuang::domain::Role;
use serde_json::{json, Value};

/// Makes `amounts` (contracts, yuan) of the world's provider payable: orders confirmed,
/// applied for, approved, and their notice over. Returns the payable item ids.
pub async fn make_payable(app: &TestApp, w: &World, tag: &str, amounts: &[&str]) -> Vec<String> {
    let mut orders = Vec::new();
    for a in amounts {
        orders.push(w.confirmed_order(app, a).await);
    }
    let r = app
        .post(
            "/api/v1/provider/redemptions",
            Some(&w.provider_token),
            &json!({"order_ids": orders}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let items: Vec<String> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    let rev = app.staff_token(&format!("checker_{tag}"), Role::Reviewer).await;
    for i in &items {
        let r = app
            .post(
                &format!("/api/v1/redemption-items/{i}/decision"),
                Some(&rev),
                &json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    app.clock.advance(Duration::days(7) + Duration::minutes(1));
    let admin = app.token(&format!("admin_{tag}")).await;
    let r = app.run_job(&admin, "redemption_notices", None).await;
    assert_eq!(r.body["detail"]["payable"].as_array().unwrap().len(), items.len(), "{}", r.body);
    items
}

/// Prepares `period`'s run as `maker` and has `checker` approve it; returns the run's id.
pub async fn approved_run(app: &TestApp, period: &str, maker: &str, checker: &str) -> String {
    let r = app.post("/api/v1/settlement-runs", Some(maker), &json!({"period": period})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let run = r.body["run"]["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/settlement-runs/{run}/decision"),
            Some(checker),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    run
}

fn period_now(app: &TestApp) -> String {
    Period::of(app.clock.now()).to_string()
}

async fn ledger_ok(app: &TestApp, token: &str) {
    let r = app.get("/api/v1/ledger/verify", Some(token)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
}

/// An item's state as shown: a payable item in a pending payout is in settlement.
fn item_status(app: &TestApp, item: &str) -> String {
    let mut c = app.conn();
    let id = hechuang::domain::id::RedemptionItemId::stored(item.to_string());
    let stored = hechuang::db::orders::item(&mut c, &id).unwrap().unwrap().status.to_string();
    let live = hechuang::db::settlement::live_payout_status(&mut c, &[item.to_string()]).unwrap();
    match (stored.as_str(), live.get(item).map(String::as_str)) {
        ("payable", Some("pending")) => "in_settlement".into(),
        _ => stored,
    }
}

#[actix_web::test]
async fn a_month_is_prepared_approved_exported_paid_and_reported() {
    let app = spawn_app().await;
    let w = world(&app, "sta").await;
    let items = make_payable(&app, &w, "sta", &["10000.00", "4000.00"]).await; // 5,000 + 4,000
    let maker = app.staff_token("fin_maker", Role::Finance).await;
    app.staff("fin_checker", Role::Finance);
    app.exec("UPDATE users SET email = username || '@finance.example.cn' WHERE role = 'finance'")
        .unwrap();

    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": "2026-13"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "period_invalid"));
    // A month before the service existed is no period to pay.
    for implausible in ["2000-01", "2019-12", " 2026-11"] {
        let r = app
            .post("/api/v1/settlement-runs", Some(&maker), &json!({"period": implausible}))
            .await;
        assert_eq!((r.status.as_u16(), r.code()), (400, "period_invalid"), "{implausible}");
    }
    // A month that has not begun has nothing to pay yet.
    let next_month = Period::of(app.clock.now() + Duration::days(32)).to_string();
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": next_month})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "period_in_future"));
    // The month in progress is settled once it has ended.
    let r = app
        .post("/api/v1/settlement-runs", Some(&maker), &json!({"period": period_now(&app)}))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "period_not_ended"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("尚未结束"), "{}", r.body);
    // A month before the programme began has nothing to settle.
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": "2021-01"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "period_before_programme"), "{}", r.body);
    assert_eq!(app.count("settlement_runs"), 0);
    let period = app.end_the_month();
    let (maker, checker) = (app.token("fin_maker").await, app.token("fin_checker").await);
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": period})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["created"], true);
    let run = r.body["run"].clone();
    let run_id = run["id"].as_str().unwrap().to_string();
    assert_eq!(run["status"], "prepared");
    assert_eq!(run["stage"], "prepared");
    assert_eq!(run["results"]["pending"], 1);
    assert_eq!(run["payout_count"], 1);
    assert_eq!(run["item_count"], 2);
    assert_eq!(run["total"], "9000.00");
    // Never paid before: the approver's checklist says so.
    assert_eq!(run["checklist"]["items"], 2);
    assert_eq!(run["checklist"]["notes"][0]["note"]["kind"], "first_payment", "{run}");
    let payout = run["payouts"][0].clone();
    assert_eq!(payout["payee_name"], "合肥sta知识产权代理有限公司");
    assert_eq!(payout["bank_account_no"], "184661234567890");
    assert_eq!(payout["amount"], "9000.00");
    assert!(payout["reference"].as_str().unwrap().ends_with("-1-00001"), "{payout}");
    // The payout opens to what it pays: each item with its firm, order, category,
    // amounts, evidence and the reviewer's decision.
    let opened = format!("/api/v1/payouts/{}", payout["id"].as_str().unwrap());
    let r = app.get(&opened, Some(&checker)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["run_id"].as_str(), r.body["period"].as_str()),
        (Some(run_id.as_str()), Some(period.as_str()))
    );
    assert_eq!(r.body["bank_changed"], false);
    let paid = r.body["redemptions"].as_array().unwrap();
    assert_eq!(paid.len(), 2, "{}", r.body);
    let mut amounts: Vec<&str> = paid.iter().map(|i| i["amount"].as_str().unwrap()).collect();
    amounts.sort();
    assert_eq!(amounts, ["4000.00", "5000.00"]);
    for i in paid {
        assert!(items.contains(&i["id"].as_str().unwrap().to_string()), "{i}");
        assert_eq!(i["category"], "patent");
        assert_eq!(i["reviewed_by"], "checker_sta", "{i}");
        assert!(i["order_no"].as_str().unwrap().starts_with("DD"), "{i}");
        assert!(!i["firm_name"].as_str().unwrap().is_empty(), "{i}");
        assert!(!i["evidence"].as_array().unwrap().is_empty(), "{i}");
    }
    assert_eq!(
        r.body["by_category"],
        json!([{"category": "patent", "items": 2, "amount": "9000.00"}])
    );
    assert_eq!(r.body["entitlements"], json!([]));
    // The payee's account changed since: the payout says so (it pays the account it
    // was made out to).
    let account = |no: &str| {
        format!("UPDATE providers SET bank_account_no = '{no}' WHERE id = '{}'", w.provider)
    };
    app.exec(&account("6222000011112222")).unwrap();
    assert_eq!(app.get(&opened, Some(&checker)).await.body["bank_changed"], true);
    // The run's checklist says so too, and what the run pays by category.
    let r = app.get(&format!("/api/v1/settlement-runs/{run_id}"), Some(&checker)).await;
    let notes = r.body["checklist"]["notes"].as_array().unwrap().clone();
    let changed = notes
        .iter()
        .find(|n| n["note"]["kind"] == "account_changed_since_prepared")
        .unwrap_or_else(|| panic!("{notes:?}"));
    assert!(changed["note"]["now"].as_str().unwrap().contains("6222000011112222"), "{changed}");
    assert_eq!(
        r.body["checklist"]["by_category"],
        json!([{"kind": "category", "code": "patent", "items": 2, "amount": "9000.00"}])
    );
    app.exec(&account("184661234567890")).unwrap();
    let r = app.get(&opened, Some(&app.token("sta").await)).await;
    assert_eq!(r.status, 403, "finance, administrators and auditors only");
    let r = app.get("/api/v1/payouts/01a244c2-b06a-710f-a26e-8976e943c3f2", Some(&checker)).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
    for i in &items {
        assert_eq!(item_status(&app, i), "in_settlement");
    }
    assert_eq!(balance(&app, &format!("payable:{}", w.provider)), 0);
    let listed = |status: &str| format!("/api/v1/redemption-items?status={status}");
    let provider_token = app.token("sta").await;
    let r = app.get(&listed("in_settlement"), Some(&provider_token)).await;
    assert_eq!(r.body["total"], 2, "{}", r.body);
    assert_eq!(r.body["items"][0]["status"], "in_settlement");
    assert_eq!(app.get(&listed("payable"), Some(&maker)).await.body["total"], 0);
    // Preparing again gives the same run.
    let again =
        app.post("/api/v1/settlement-runs", Some(&checker), &json!({"period": period})).await;
    assert_eq!((again.status.as_u16(), again.body["created"].as_bool()), (200, Some(false)));
    assert_eq!(again.body["run"]["id"], run_id.as_str());
    // Finance colleagues were told a run waits for approval (not the preparer).
    let awaiting: Vec<_> = app
        .outbox()
        .into_iter()
        .filter(|m| m.kind == "settlement_awaiting_approval")
        .map(|m| m.to_address)
        .collect();
    assert_eq!(awaiting, ["fin_checker@finance.example.cn"]);

    // Not exportable before approval; the preparer cannot approve.
    let r = app.get(&format!("/api/v1/settlement-runs/{run_id}/bank-file"), Some(&maker)).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "run_not_approved"));
    let decide = format!("/api/v1/settlement-runs/{run_id}/decision");
    let r = app.post(&decide, Some(&maker), &json!({"decision": "approve"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "same_user_cannot_approve"));
    let r = app.post(&decide, Some(&checker), &json!({"decision": "approve"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "approved");
    assert_eq!(r.body["stage"], "approved");
    assert!(r.body["decided_at"].is_string());
    // Results are recorded against the file the bank was given.
    let payout_id = payout["id"].as_str().unwrap().to_string();
    let result = format!("/api/v1/payouts/{payout_id}/result");
    let today = hechuang::domain::china_time(app.clock.now()).date().to_string();
    let paid = json!({"outcome": "paid", "bank_reference": "BOC001", "paid_on": today});
    let r = app.post(&result, Some(&maker), &paid).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "run_not_exported"));
    let r = app.post(&decide, Some(&checker), &json!({"decision": "reject", "reason": "x"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "run_already_decided"));

    // The bank file: CSV with a byte-order mark, and XLSX; the same bytes every time.
    let csv_url = format!("/api/v1/settlement-runs/{run_id}/bank-file?format=csv");
    let (s1, h1, csv1) = app.get_bytes(&csv_url, Some(&maker)).await;
    assert_eq!(s1, 200);
    assert!(csv1.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(csv1[3..].to_vec()).unwrap();
    assert!(
        text.starts_with(
            "序号,收款人名称,统一社会信用代码,开户银行,账户名称,银行账号,金额（元）,付款参考号"
        ),
        "{text}"
    );
    assert!(text.contains("9000.00") && text.contains("184661234567890"), "{text}");
    let (_, h2, csv2) = app.get_bytes(&csv_url, Some(&checker)).await;
    assert_eq!(csv1, csv2);
    assert_eq!(h1.get("x-content-sha256"), h2.get("x-content-sha256"));
    let xlsx_url = format!("/api/v1/settlement-runs/{run_id}/bank-file?format=xlsx");
    let (s, _, x1) = app.get_bytes(&xlsx_url, Some(&maker)).await;
    assert_eq!(s, 200);
    assert!(x1.starts_with(b"PK"), "a zip container");
    assert_eq!(x1, app.get_bytes(&xlsx_url, Some(&maker)).await.2);
    let r = app.get(&format!("/api/v1/settlement-runs/{run_id}"), Some(&maker)).await;
    assert_eq!(
        r.body["csv_sha256"].as_str(),
        h1.get("x-content-sha256").and_then(|v| v.to_str().ok())
    );
    assert!(r.body["xlsx_sha256"].is_string());
    assert_eq!(r.body["stage"], "exported");

    // Paid, once.
    let r = app
        .post(
            &result,
            Some(&maker),
            &json!({"outcome": "paid", "bank_reference": "BOC001", "paid_on": "2000-13-01"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "date_invalid"));
    let r = app.post(&result, Some(&maker), &paid).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "paid");
    // Every result is in: the run is closed.
    let r = app.get("/api/v1/settlement-runs", Some(&checker)).await;
    assert_eq!(r.body["items"][0]["id"], run_id.as_str());
    assert_eq!(r.body["items"][0]["stage"], "closed", "{}", r.body);
    assert_eq!(r.body["items"][0]["results"]["paid"], 1);
    assert_eq!(r.body["items"][0]["results"]["pending"], 0);
    let r = app.post(&result, Some(&maker), &json!({"outcome": "failed", "reason": "x"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "payout_already_recorded"));
    for i in &items {
        assert_eq!(item_status(&app, i), "paid");
    }
    assert_eq!(balance(&app, &format!("paid:{}", w.provider)), 900_000);
    assert!(app
        .outbox()
        .iter()
        .any(|m| m.kind == "payout_paid" && m.to_address == "ip@example.cn"));
    ledger_ok(&app, &maker).await;

    // The period report, as JSON and as files.
    let r = app.get(&format!("/api/v1/reports/settlement?period={period}"), Some(&maker)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["amount"].as_str(), r.body["paid"].as_str(), r.body["items"].as_i64()),
        (Some("9000.00"), Some("9000.00"), Some(2))
    );
    assert_eq!(r.body["by_category"][0]["name"], "专利服务");
    assert_eq!(r.body["by_provider"][0]["amount"], "9000.00");
    let (s, _, bytes) = app
        .get_bytes(&format!("/api/v1/reports/settlement?period={period}&format=csv"), Some(&maker))
        .await;
    assert_eq!(s, 200);
    assert!(String::from_utf8_lossy(&bytes).contains("合计"));
    let (s, _, bytes) = app
        .get_bytes(&format!("/api/v1/reports/settlement?period={period}&format=xlsx"), Some(&maker))
        .await;
    assert!(s == 200 && bytes.starts_with(b"PK"));

    // A reversal is the only change to a paid payout: its items are payable again.
    let r = app
        .post(
            &format!("/api/v1/payouts/{payout_id}/reversal"),
            Some(&maker),
            &json!({"reason": "收款账户已销户，银行退回"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "reversed");
    let r = app
        .post(
            &format!("/api/v1/payouts/{payout_id}/reversal"),
            Some(&maker),
            &json!({"reason": "again"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "payout_not_paid"));
    for i in &items {
        assert_eq!(item_status(&app, i), "payable");
    }
    assert_eq!(balance(&app, &format!("payable:{}", w.provider)), 900_000);
    ledger_ok(&app, &maker).await;
    let out = hechuang(&app.db_url, &["ledger", "verify"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    // The monthly job prepares the month before (the one just settled: it finds its
    // run), and the CLI finds the period's existing run too.
    let admin = app.token("admin_sta").await;
    let r = app.run_job(&admin, "settlement", None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(Period::before(app.clock.now()).to_string(), period);
    assert_eq!(r.body["detail"]["period"], period.as_str(), "{}", r.body);
    assert_eq!(r.body["detail"]["run"], run_id.as_str(), "{}", r.body);
    assert_eq!(r.body["detail"]["created"], false, "{}", r.body);
    let out = hechuang(&app.db_url, &["settle", "--period", &period], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.starts_with(&format!("existing run {run_id}")),
        "{stdout}"
    );

    // Paid before to another account, and suspended since: the next run's checklist
    // says both.
    app.exec(&format!(
        "UPDATE providers SET bank_account_no = '6222000011112222', listing_status = 'suspended' WHERE id = '{}'",
        w.provider
    ))
    .unwrap();
    let next = app.end_the_month();
    let maker = app.token("fin_maker").await;
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": next})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let checklist = &r.body["run"]["checklist"];
    assert_eq!(
        (checklist["payees"].as_i64(), checklist["total"].as_str()),
        (Some(1), Some("9000.00"))
    );
    let note = &checklist["notes"][0]["note"];
    assert_eq!(note["kind"], "account_changed", "{checklist}");
    assert!(note["previous"].as_str().unwrap().ends_with("184661234567890"), "{checklist}");
    assert_eq!(checklist["notes"][1]["note"], json!({"kind": "not_listed", "status": "suspended"}));
}

#[actix_web::test]
async fn held_back_payees_rejected_runs_failures_and_result_files() {
    let app = spawn_app().await;
    let w = world(&app, "stb").await;
    let items = make_payable(&app, &w, "stb", &["10000.00", "6000.00"]).await;
    // A second provider whose bank account cannot be paid.
    let w2 = world(&app, "stc").await;
    let held_items = make_payable(&app, &w2, "stc", &["2000.00"]).await;
    app.exec(&format!(
        "UPDATE providers SET bank_account_no = '12-34' WHERE id = '{}'",
        w2.provider
    ))
    .unwrap();
    app.staff("fin_m", Role::Finance);
    app.staff("fin_c", Role::Finance);
    let period = app.end_the_month();
    let (maker, checker) = (app.token("fin_m").await, app.token("fin_c").await);

    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": period})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let run = r.body["run"].clone();
    assert_eq!(run["payout_count"], 1);
    assert_eq!(run["held_back_count"], 1);
    assert_eq!(run["held_back"], "2000.00");
    assert!(run["held_back_payees"][0]["reason"].as_str().unwrap().contains("银行账号"), "{run}");
    assert_eq!(item_status(&app, &held_items[0]), "payable", "held back: still payable");

    // Rejected: every item back to payable; the period can be prepared again.
    let run_id = run["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/settlement-runs/{run_id}/decision"),
            Some(&checker),
            &json!({"decision": "reject"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "required"));
    let r = app
        .post(
            &format!("/api/v1/settlement-runs/{run_id}/decision"),
            Some(&checker),
            &json!({"decision": "reject", "reason": "账户信息待核实"}),
        )
        .await;
    assert_eq!(r.body["status"], "rejected", "{}", r.body);
    assert_eq!(r.body["payouts"][0]["status"], "cancelled");
    for i in &items {
        assert_eq!(item_status(&app, i), "payable");
    }
    ledger_ok(&app, &maker).await;
    let r = app.post("/api/v1/settlement-runs", Some(&checker), &json!({"period": period})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let run_id = r.body["run"]["id"].as_str().unwrap().to_string();
    let reference = r.body["run"]["payouts"][0]["reference"].as_str().unwrap().to_string();
    assert!(reference.ends_with("-2-00001"), "{reference}");
    let r = app
        .post(
            &format!("/api/v1/settlement-runs/{run_id}/decision"),
            Some(&maker),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // A malformed result file applies nothing.
    let results = format!("/api/v1/settlement-runs/{run_id}/results");
    let send = |body: &str| {
        let client = app.client.clone();
        let url = app.url(&results);
        let token = maker.clone();
        let body = body.to_string();
        async move {
            let mut res = client
                .post(url)
                .insert_header(("Authorization", format!("Bearer {token}")))
                .insert_header(("Content-Type", "text/csv"))
                .send_body(body)
                .await
                .unwrap();
            let v: Value = res.json().await.unwrap_or(Value::Null);
            (res.status().as_u16(), v)
        }
    };
    // Not before the bank file is exported.
    let (status, body) = send(&format!(
        "reference,status,amount,bank_reference,paid_on,reason\n{reference},失败,8000.00,,,户名不符\n"
    ))
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("run_not_exported")), "{body}");
    let (s, _, _) = app
        .get_bytes(&format!("/api/v1/settlement-runs/{run_id}/bank-file?format=xlsx"), Some(&maker))
        .await;
    assert_eq!(s, 200);
    let (status, body) = send(&format!(
        "reference,status,amount,bank_reference,paid_on,reason\n{reference},maybe,13000.00,,,\n"
    ))
    .await;
    assert_eq!((status, body["code"].as_str()), (422, Some("results_file_malformed")), "{body}");
    let (status, body) = send("ref,outcome\nx,paid\n").await;
    assert_eq!((status, body["code"].as_str()), (422, Some("results_file_malformed")), "{body}");
    for i in &items {
        assert_eq!(item_status(&app, i), "in_settlement");
    }

    // Unmatched and mismatched rows are reported; the matching row is applied.
    let file = format!(
        "\u{feff}reference,status,amount,bank_reference,paid_on,reason\n\
         HC999999-1-00001,paid,1.00,B1,2020-01-01,\n\
         {reference},失败,99.00,,,户名不符\n\
         {reference},失败,8000.00,,,户名不符\n"
    );
    let (status, body) = send(&file).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["applied"], 1, "{body}");
    assert_eq!(body["unmatched"][0]["line"], 2);
    assert_eq!(body["mismatched"][0]["line"], 3);
    // Failed: the items are payable again, for the next run.
    for i in &items {
        assert_eq!(item_status(&app, i), "payable");
    }
    assert!(app.outbox().iter().any(|m| m.kind == "payout_failed"));
    ledger_ok(&app, &maker).await;
    // The same file again: the payout is already recorded.
    let (_, body) = send(&file).await;
    assert_eq!(
        (body["applied"].as_i64(), body["mismatched"].as_array().map(Vec::len)),
        (Some(0), Some(2)),
        "{body}"
    );

    // Next month's run pays them (and, its account fixed, the held-back provider).
    app.exec(&format!(
        "UPDATE providers SET bank_account_no = '622200001111' WHERE id = '{}'",
        w2.provider
    ))
    .unwrap();
    let next = app.end_the_month();
    let maker = app.token("fin_m").await;
    assert_ne!(next, period);
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": next})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["run"]["payout_count"], 2, "{}", r.body);
    assert_eq!(r.body["run"]["total"], "10000.00");
    ledger_ok(&app, &maker).await;

    app.damaged_on_purpose();
    // The ledger check finds a payout marked paid behind its back.
    let payout = r.body["run"]["payouts"][0]["id"].as_str().unwrap().to_string();
    app.exec(&format!(
        "UPDATE payouts SET status = 'paid', bank_reference = 'X', paid_on = '2026-01-05' WHERE id = '{payout}'"
    ))
    .unwrap();
    let report = app.get("/api/v1/ledger/verify", Some(&maker)).await.body;
    assert_eq!(report["ok"], false, "{report}");
    let accounts: Vec<&str> = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["account"].as_str().unwrap())
        .collect();
    assert!(accounts.contains(&format!("payout:{payout}").as_str()), "{report}");
    assert!(accounts.iter().any(|a| a.starts_with("paid:")), "{report}");
    assert!(accounts.iter().any(|a| a.starts_with("item_payout_status:")), "{report}");
}

#[actix_web::test]
async fn two_servers_preparing_one_period_make_one_run() {
    let app = spawn_app().await;
    let w = world(&app, "std").await;
    make_payable(&app, &w, "std", &["10000.00"]).await;
    let second = spawn_second(&app).await;
    let period = app.end_the_month();
    second.clock.advance(app.clock.now_utc() - second.clock.now_utc());
    let a = app.staff_token("fin_a", Role::Finance).await;
    let b = app.staff_token("fin_b", Role::Finance).await;
    let body = json!({"period": period});
    let (ra, rb) = tokio::join!(
        app.post("/api/v1/settlement-runs", Some(&a), &body),
        second.post("/api/v1/settlement-runs", Some(&b), &body),
    );
    assert!(ra.status.is_success() && rb.status.is_success(), "{} {}", ra.body, rb.body);
    assert_eq!(ra.body["run"]["id"], rb.body["run"]["id"]);
    assert_eq!(
        [ra.body["created"].as_bool(), rb.body["created"].as_bool()]
            .iter()
            .filter(|c| **c == Some(true))
            .count(),
        1
    );
    assert_eq!(app.count("settlement_runs"), 1);
    assert_eq!(app.count("payouts"), 1);
    ledger_ok(&app, &a).await;
}

#[actix_web::test]
async fn items_payable_after_a_run_was_prepared_wait_for_the_next_run() {
    let app = spawn_app().await;
    let mut w = world(&app, "ste").await;
    let first = make_payable(&app, &w, "ste", &["10000.00"]).await;
    app.staff("fin_e", Role::Finance);
    let period = app.end_the_month();
    let maker = app.token("fin_e").await;
    let prepare = |period: String, token: String| {
        let app = &app;
        async move {
            app.post("/api/v1/settlement-runs", Some(&token), &json!({ "period": period })).await
        }
    };
    let r = prepare(period.clone(), maker).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let run_id = r.body["run"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["run"]["item_count"], 1);

    // Another item becomes payable after the run was prepared (same month or not).
    w.provider_token = app.token("ste").await;
    app.staff("admin_ste2", Role::Admin);
    let late = make_payable(&app, &w, "ste2", &["6000.00"]).await;
    let maker = app.token("fin_e").await;
    let r = prepare(period.clone(), maker.clone()).await;
    assert_eq!((r.status.as_u16(), r.body["created"].as_bool()), (200, Some(false)));
    assert_eq!(r.body["run"]["id"], run_id.as_str());
    assert_eq!(r.body["run"]["item_count"], 1, "the run is as it was prepared");
    assert_eq!(r.body["run"]["total"], "5000.00");
    assert_eq!(item_status(&app, &first[0]), "in_settlement");
    assert_eq!(item_status(&app, &late[0]), "payable");
    assert_eq!(balance(&app, &format!("payable:{}", w.provider)), 300_000);
    ledger_ok(&app, &maker).await;

    // The next month's run pays it, and only it.
    let next = app.end_the_month();
    let maker = app.token("fin_e").await;
    let r = prepare(next, maker.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_ne!(r.body["run"]["id"], run_id.as_str());
    assert_eq!(r.body["run"]["item_count"], 1, "{}", r.body);
    assert_eq!(r.body["run"]["total"], "3000.00");
    assert_eq!(item_status(&app, &late[0]), "in_settlement");
    assert_eq!(balance(&app, &format!("payable:{}", w.provider)), 0);
    ledger_ok(&app, &maker).await;
}

#[actix_web::test]
async fn empty_unfinished_and_impossible_periods_make_no_run() {
    let app = spawn_app().await;
    app.staff("fin_z", Role::Finance);
    let admin = app.staff_token("admin_z", Role::Admin).await;
    let maker = app.token("fin_z").await;
    let prepare = |period: String, token: String| {
        let app = &app;
        async move {
            app.post("/api/v1/settlement-runs", Some(&token), &json!({ "period": period })).await
        }
    };
    // Before any programme or money: every month is before the programme began.
    let last_month = Period::before(app.clock.now()).to_string();
    let r = prepare(last_month.clone(), maker.clone()).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "period_before_programme"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("尚未开始"), "{}", r.body);
    // The monthly job has nothing to do: done, nothing made, not a failure.
    let r = app.run_job(&admin, "settlement", None).await;
    assert_eq!(
        (r.status.as_u16(), r.body["status"].as_str()),
        (201, Some("succeeded")),
        "{}",
        r.body
    );
    assert_eq!(r.body["detail"]["nothing_payable"], true, "{}", r.body);

    // A programme, and a provider whose items are payable but whose account cannot be paid.
    let w = world(&app, "stz").await;
    let items = make_payable(&app, &w, "stz", &["10000.00"]).await;
    app.exec(&format!("UPDATE providers SET bank_account_no = '' WHERE id = '{}'", w.provider))
        .unwrap();
    let this_month = period_now(&app);
    let maker = app.token("fin_z").await;
    let r = prepare(this_month.clone(), maker.clone()).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "period_not_ended"), "{}", r.body);
    assert!(r.body["detail_en"].as_str().unwrap().contains("has not ended"), "{}", r.body);
    let ledger_before = app.count("ledger_entries");

    let period = app.end_the_month();
    let maker = app.token("fin_z").await;
    // The only payee is held back: nothing is payable, and the answer says why.
    let r = prepare(period.clone(), maker.clone()).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "nothing_payable"), "{}", r.body);
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains(&period) && detail.contains("1 个收款方"), "{detail}");
    // Nothing was made or moved.
    assert_eq!((app.count("settlement_runs"), app.count("payouts")), (0, 0));
    assert_eq!(app.count("ledger_entries"), ledger_before);
    assert_eq!(item_status(&app, &items[0]), "payable");

    // Its account completed, the month is paid.
    app.exec(&format!(
        "UPDATE providers SET bank_account_no = '622200001111' WHERE id = '{}'",
        w.provider
    ))
    .unwrap();
    let r = prepare(period, maker).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["run"]["total"], "5000.00", "{}", r.body);

    // The month after has nothing at all: the same refusal, without the held-back clause.
    let next = app.end_the_month();
    let r = prepare(next, app.token("fin_z").await).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "nothing_payable"), "{}", r.body);
    assert!(!r.body["detail"].as_str().unwrap().contains("收款方"), "{}", r.body);
    assert_eq!(app.count("settlement_runs"), 1);
}
