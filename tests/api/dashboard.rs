//! The authority's overview: where the money is from budget to bank, adding up to the
//! ledger to the fen; narrowed by programme, year and batch; the public summary.

use crate::helpers::{spawn_app, TestApp};
use crate::orders::{world, World};
use crate::settlement::make_payable;
use crate::web::Browser;
use hechuang::domain::Role;
use serde_json::{json, Value};

/// Pays everything payable: a run for the month just ended, approved, exported, paid.
async fn pay_the_month(app: &TestApp) {
    let period = app.end_the_month();
    let maker = app.staff_token("dsh_maker", Role::Finance).await;
    let checker = app.staff_token("dsh_checker", Role::Finance).await;
    let run = crate::settlement::approved_run(app, &period, &maker, &checker).await;
    let (s, _, _) = app
        .get_bytes(&format!("/api/v1/settlement-runs/{run}/bank-file?format=csv"), Some(&maker))
        .await;
    assert_eq!(s, 200);
    let today = hechuang::domain::china_time(app.clock.now()).date().to_string();
    let r = app.get(&format!("/api/v1/settlement-runs/{run}"), Some(&maker)).await;
    for p in r.body["payouts"].as_array().unwrap() {
        let r = app
            .post(
                &format!("/api/v1/payouts/{}/result", p["id"].as_str().unwrap()),
                Some(&maker),
                &json!({"outcome": "paid", "bank_reference": "BOC-DSH", "paid_on": today}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

/// Money in every stage: paid, payable in review, in notice, confirmed and not applied
/// for, held by an accepted order, free on the voucher.
async fn a_programme_in_every_stage(app: &TestApp) -> World {
    let mut w = world(app, "dsh").await;
    // 5,000 + 4,000 paid.
    make_payable(app, &w, "dsh", &["10000.00", "4000.00"]).await;
    pay_the_month(app).await;
    // The provider signs in again (the clock has moved past its session).
    w.provider_token = app.token("dsh").await;
    // 3,000 payable (not yet in a run).
    app.staff("admin_dsh2", Role::Admin);
    make_payable(app, &w, "dsh2", &["3000.00"]).await;
    w.provider_token = app.token("dsh").await;
    // 2,000 in notice, 1,000 in review.
    let notice = w.confirmed_order(app, "2000.00").await;
    let review = w.confirmed_order(app, "1000.00").await;
    let r = app
        .post(
            "/api/v1/provider/redemptions",
            Some(&w.provider_token),
            &json!({"order_ids": [notice, review]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let items = r.body["items"].as_array().unwrap().clone();
    let rev = app.staff_token("dsh_reviewer", Role::Reviewer).await;
    let notice_item = items.iter().find(|i| i["order_id"] == notice.as_str()).unwrap();
    let r = app
        .post(
            &format!("/api/v1/redemption-items/{}/decision", notice_item["id"].as_str().unwrap()),
            Some(&rev),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // 500 confirmed, not applied for; 700 held by an accepted order; 800 requested (free).
    w.confirmed_order(app, "500.00").await;
    let held = w.order(app, "700.00").await;
    assert_eq!(w.provider_does(app, &held, "accept", json!({})).await.status, 200);
    w.order(app, "800.00").await;
    w
}

fn stage(d: &Value, name: &str) -> String {
    d["stages"][name].as_str().unwrap_or_else(|| panic!("{name}: {d}")).to_string()
}

#[actix_web::test]
async fn the_overview_follows_every_fen_and_adds_up_to_the_ledger() {
    let app = spawn_app().await;
    let w = a_programme_in_every_stage(&app).await;
    let auditor = app.staff_token("dsh_auditor", Role::Auditor).await;
    let r = app.get("/api/v1/dashboard", Some(&auditor)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = r.body;
    // One batch of 1,000,000.00; one voucher of 50,000.00 claimed by one firm.
    for (name, want) in [
        ("budget", "1000000.00"),
        ("claimed", "50000.00"),
        ("unclaimed", "950000.00"),
        ("paid", "9000.00"),
        ("in_settlement", "0.00"),
        ("payable", "3000.00"),
        ("in_notice", "2000.00"),
        ("in_review", "1000.00"),
        ("awaiting_application", "500.00"),
        ("spent", "15500.00"),
        ("held", "700.00"),
        // 50,000 − 15,500 spent − 700 held.
        ("free", "33800.00"),
        ("refused", "0.00"),
        ("expired", "0.00"),
    ] {
        assert_eq!(stage(&d, name), want, "{name}: {}", d["stages"]);
    }
    assert_eq!(d["vouchers"]["claimed"], 1);
    assert_eq!(d["vouchers"]["firms"], 1);
    // 15,500 of 50,000: 31%.
    assert_eq!(d["vouchers"]["used_share_bp"], 3100);
    assert_eq!(d["by_category"][0]["category"], "patent");
    assert_eq!(d["by_category"][0]["name_zh"], "专利服务");
    assert_eq!(d["by_category"][0]["confirmed"], 6, "{}", d["by_category"]);
    assert_eq!(d["by_category"][0]["orders"], 8);
    assert_eq!(d["by_category"][0]["voucher"], "15500.00");
    assert_eq!(d["providers"]["providers"], 1);
    assert_eq!(d["providers"]["top10_share_bp"], 10000);
    assert_eq!(d["providers"]["top"][0]["id"], w.provider.as_str());
    assert_eq!(d["firms"][0]["size_class"], "small");
    assert_eq!(
        (d["firms"][0]["firms"].as_i64(), d["firms"][0]["served"].as_i64()),
        (Some(1), Some(1))
    );
    // The two items paid were paid days after their confirmation (the notice period
    // and the month's end in between).
    let paid = &d["timing"]["confirmation_to_payment"];
    assert_eq!(paid["cases"], 2, "{paid}");
    assert!(paid["median"].as_i64().unwrap() >= 7, "{paid}");
    assert_eq!(d["timing"]["claim_to_first_order"]["cases"], 1);

    // Every stage agrees with the ledger's accounts of its kind, to the fen.
    let r = app.get("/api/v1/dashboard/reconciliation", Some(&auditor)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["agrees"], true, "{}", r.body);
    let lines = r.body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 8);
    let ledger_of = |stage: &str| {
        lines.iter().find(|l| l["stage"] == stage).unwrap()["ledger"].as_str().unwrap().to_string()
    };
    assert_eq!(ledger_of("paid"), "9000.00");
    assert_eq!(ledger_of("payable"), "3000.00");
    assert_eq!(ledger_of("due"), "3500.00");
    assert_eq!(ledger_of("held"), "700.00");
    assert_eq!(ledger_of("free"), "33800.00");
    assert_eq!(ledger_of("unclaimed"), "950000.00");
    // Money moved behind the records' back is seen.
    app.damaged_on_purpose();
    app.exec(&format!(
        "UPDATE vouchers SET balance_fen = balance_fen - 100 WHERE id = '{}'",
        w.voucher
    ))
    .unwrap();
    let r = app.get("/api/v1/dashboard/reconciliation", Some(&auditor)).await;
    assert_eq!(r.body["agrees"], false, "{}", r.body);
    let free = lines.iter().position(|l| l["stage"] == "free").unwrap();
    assert_eq!(r.body["lines"][free]["agrees"], false, "{}", r.body);
    assert_eq!(r.body["lines"][free]["rows"], "33799.00");
}

#[actix_web::test]
async fn the_overview_narrows_to_a_programme_year_and_batch_and_refuses_what_is_not_there() {
    let app = spawn_app().await;
    let _w = a_programme_in_every_stage(&app).await;
    let admin = app.token("admin_dsh").await;
    let programme = app.get("/api/v1/programmes", Some(&admin)).await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let batches = app.get("/api/v1/batches", Some(&admin)).await.body;
    let batch = batches[0]["id"].as_str().unwrap().to_string();
    let opens = batches[0]["opens_at"].as_str().unwrap();
    let year: i32 = opens[..4].parse().unwrap();
    // A second programme with its own batch and no claims.
    let other = app
        .post("/api/v1/programmes", Some(&admin), &json!({"code": "DSHB", "name": "另一项目"}))
        .await;
    assert_eq!(other.status, 201, "{}", other.body);
    let other_id = other.body["id"].as_str().unwrap().to_string();
    let finance = app.staff_token("dsh_fin_reader", Role::Finance).await;

    let all = app.get("/api/v1/dashboard", Some(&finance)).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let one = app.get(&format!("/api/v1/dashboard?programme_id={programme}"), Some(&finance)).await;
    assert_eq!(one.body["stages"], all.body["stages"]);
    assert_eq!(one.body["selection"]["programme"]["id"], programme.as_str());
    assert_eq!(one.body["vouchers"]["gate_bp"], 8000);
    let b = app
        .get(
            &format!("/api/v1/dashboard?programme_id={programme}&batch_id={batch}"),
            Some(&finance),
        )
        .await;
    assert_eq!(b.body["stages"]["paid"], "9000.00");
    assert_eq!(b.body["selection"]["batches"].as_array().unwrap().len(), 1);
    let y = app.get(&format!("/api/v1/dashboard?year={year}"), Some(&finance)).await;
    assert_eq!(y.body["stages"]["claimed"], "50000.00");
    let none = app.get(&format!("/api/v1/dashboard?year={}", year + 1), Some(&finance)).await;
    assert_eq!(none.status, 200);
    assert_eq!(none.body["stages"]["claimed"], "0.00");
    assert_eq!(none.body["selection"]["batches"], json!([]));
    let empty =
        app.get(&format!("/api/v1/dashboard?programme_id={other_id}"), Some(&finance)).await;
    assert_eq!(empty.body["stages"]["budget"], "0.00", "{}", empty.body);
    assert_eq!(empty.body["vouchers"]["used_share_bp"], Value::Null);

    // An overview is kept for a minute: a new hold shows when asked fresh, or a minute on.
    let held = |d: &Value| d["stages"]["held"].as_str().unwrap().to_string();
    assert_eq!(held(&all.body), "700.00");
    let w = _w;
    let o = w.order(&app, "300.00").await;
    let provider = app.token("dsh").await;
    let r = app.post(&format!("/api/v1/orders/{o}/accept"), Some(&provider), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let kept = app.get("/api/v1/dashboard", Some(&finance)).await;
    assert_eq!((held(&kept.body), &kept.body["as_of"]), ("700.00".into(), &all.body["as_of"]));
    let fresh = app.get("/api/v1/dashboard?fresh=true", Some(&finance)).await;
    assert_eq!(held(&fresh.body), "1000.00");
    // A minute on, the kept overview is answered while it is computed anew.
    app.clock.advance(chrono::Duration::seconds(61));
    let by_programme = format!("/api/v1/dashboard?programme_id={programme}");
    let r = app.get(&by_programme, Some(&finance)).await;
    assert_eq!(held(&r.body), "700.00", "answered as kept");
    let mut renewed = Value::Null;
    for _ in 0..100 {
        let r = app.get(&by_programme, Some(&finance)).await;
        if held(&r.body) == "1000.00" {
            renewed = r.body;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_ne!(renewed["as_of"], one.body["as_of"], "computed anew: {renewed}");

    // Refusals: another programme's batch, unknown ids, a year out of range.
    let r = app
        .get(&format!("/api/v1/dashboard?programme_id={other_id}&batch_id={batch}"), Some(&finance))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "batch_not_in_programme"), "{}", r.body);
    let unknown = "01a244c2-b06a-710f-a26e-8976e943c3f2";
    let r = app.get(&format!("/api/v1/dashboard?batch_id={unknown}"), Some(&finance)).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
    let r = app.get("/api/v1/dashboard?programme_id=nonsense", Some(&finance)).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
    let r = app.get("/api/v1/dashboard?year=1999", Some(&finance)).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "selection_year_invalid"));
    // Year 0 is not "no year", though every programme's overview is kept.
    assert_eq!(app.get("/api/v1/dashboard", Some(&finance)).await.status, 200);
    let r = app.get("/api/v1/dashboard?year=0", Some(&finance)).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "selection_year_invalid"), "{}", r.body);
    let r = app.get("/api/v1/dashboard?colour=red", Some(&finance)).await;
    assert_eq!(r.status, 400);
    // Staff only.
    let r = app.get("/api/v1/dashboard", Some(&app.token("dsh").await)).await;
    assert_eq!(r.status, 403);
    assert_eq!(app.get("/api/v1/dashboard", None).await.status, 401);

    // Draft batches are the authority's own: a programme's draft is not counted in
    // public, a programme with drafts only is not shown.
    let admin = app.token("admin_dsh").await;
    for (pid, budget) in [(&programme, "5000000.00"), (&other_id, "700000.00")] {
        let opens = app.clock.now_utc() + chrono::Duration::days(10);
        let r = app
            .post(
                &format!("/api/v1/programmes/{pid}/batches"),
                Some(&admin),
                &json!({"name": "草稿批次", "budget": budget, "face_values": ["50000.00"],
                    "opens_at": opens.to_rfc3339(),
                    "closes_at": (opens + chrono::Duration::days(30)).to_rfc3339(),
                    "publish": false}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // The public summary: aggregates of each programme, no names of firms or providers.
    let r = app.get("/api/v1/public/summary", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.as_array().unwrap().len(), 1, "{}", r.body);
    let p = r.body[0].clone();
    assert_eq!((p["batches"].as_i64(), p["budget"].as_str()), (Some(1), Some("1000000.00")), "{p}");
    assert_eq!(p["claimed"], "50000.00");
    assert_eq!(p["paid"], "9000.00");
    assert_eq!((p["firms"].as_i64(), p["firms_served"].as_i64()), (Some(1), Some(1)));
    assert_eq!(p["orders_confirmed"], 6);
    let text = r.body.to_string();
    assert!(!text.contains("dsh") && !text.contains("有限公司"), "{text}");
}

#[actix_web::test]
async fn the_overview_page_shows_the_walk_in_words_reconciles_and_exports() {
    let app = spawn_app().await;
    let _w = a_programme_in_every_stage(&app).await;
    let auditor = app.staff_token("dsh_page_auditor", Role::Auditor).await;
    let mut b = Browser::signed_in(&app, &auditor);
    let home = b.get("/home").await;
    assert!(
        home.body.replace("&#x2f;", "/").contains("href=\"/dashboard\""),
        "the header leads to the overview"
    );
    let p = b.get("/dashboard").await;
    assert_eq!(p.status, 200, "{}", p.body);
    for words in [
        "项目总览",
        "预算 1,000,000.00 元，已领取 50,000.00 元，未领取 950,000.00 元；已使用（订单已确认）15,500.00 元。",
        "已支付",
        "9,000.00",
        "33,800.00",
        "公示中",
        "专利服务",
        "小型企业",
        "已使用金额占领取面额的 31%",
        "前十家占已使用券额的 100%",
        "企业按区县",
        "蜀山区",
    ] {
        assert!(p.body.contains(words), "{words}: {}", p.body);
    }
    assert!(!p.body.contains("in_notice") && !p.body.contains(">small<"), "no wire codes");
    // The form as a browser sends it, nothing chosen; a year that is no number.
    let p = b.get("/dashboard?programme_id=&year=&batch_id=").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("9,000.00"));
    let p = b.get("/dashboard?programme_id=&year=20x6&batch_id=").await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("id=\"selection-year-error\""), "{}", p.body);
    let p = b.get("/dashboard?programme_id=&year=&batch_id=&reconcile=1").await;
    assert!(p.body.contains("分毫不差"), "{}", p.body);
    // English, in the reader's words.
    let p = b.get("/dashboard?lang=en").await;
    assert!(p.body.contains("In public notice") && p.body.contains("9,000.00"), "{}", p.body);
    b.get("/dashboard?lang=zh").await;

    // Another programme's batch is refused beside the batch menu.
    let admin = app.token("admin_dsh").await;
    let batch =
        app.get("/api/v1/batches", Some(&admin)).await.body[0]["id"].as_str().unwrap().to_string();
    let other = app
        .post("/api/v1/programmes", Some(&admin), &json!({"code": "DSHC", "name": "另一项目"}))
        .await;
    let other = other.body["id"].as_str().unwrap().to_string();
    let p = b.get(&format!("/dashboard?programme_id={other}&batch_id={batch}")).await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("id=\"selection-batch_id-error\""), "{}", p.body);
    assert!(p.body.contains("该批次不属于所选项目"), "{}", p.body);

    // The export: every figure, in the reader's language.
    let csv = b.get("/dashboard/export?format=csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("资金去向,已支付,,9000.00"), "{}", csv.body);
    assert!(
        csv.body.contains("服务机构集中度,合肥dsh知识产权代理有限公司,6,15500.00"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("企业按区县,蜀山区,1,"), "{}", csv.body);
    assert!(csv.body.contains("企业按区县,蜀山区 · 已获服务,1,"), "{}", csv.body);
    let xlsx = b.get("/dashboard/export?format=xlsx").await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.body.starts_with("PK"), "a spreadsheet");
    let stranger = Browser::new(&app).get("/dashboard/export?format=xlsx").await;
    assert!(!stranger.body.starts_with("PK"), "signed-in staff only");

    // A firm is not let in.
    let mut firm = Browser::signed_in(&app, &_w.firm.token);
    assert_ne!(firm.get("/dashboard").await.status, 200);

    // The public figures, from the home page, without names.
    let mut anyone = Browser::new(&app);
    let home = anyone.get("/").await;
    assert!(home.body.contains("href=\"/public/summary\""), "{}", home.body);
    let p = anyone.get("/public/summary").await;
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("公开数据") && p.body.contains("50,000.00") && p.body.contains("9,000.00")
    );
    assert!(!p.body.contains("有限公司"), "no provider or firm is named");
}

#[actix_web::test]
async fn the_overview_counts_firms_by_district_and_the_lines_add_up() {
    let app = spawn_app().await;
    let w = world(&app, "dsd").await;
    w.confirmed_order(&app, "1000.00").await;
    // A second firm claims and orders nothing; it registered before the district was
    // asked (none stated). A third, in another district, claims too.
    let batch = app.get("/api/v1/batches", Some(&w.admin)).await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let others = crate::claims::bulk_firms(&app, 2, "micro", true, None);
    for f in &others {
        let r =
            app.post(&format!("/api/v1/batches/{batch}/claims"), Some(&f.token), &json!({})).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    app.exec(&format!("UPDATE firms SET district = NULL WHERE id = '{}'", others[0].id)).unwrap();
    app.exec(&format!("UPDATE firms SET district = '340111' WHERE id = '{}'", others[1].id))
        .unwrap();
    let auditor = app.staff_token("dsd_auditor", Role::Auditor).await;
    let d = app.get("/api/v1/dashboard?fresh=true", Some(&auditor)).await.body;
    let lines: Vec<(Value, Value, i64, i64)> = d["by_district"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["district"].clone(),
                l["name_zh"].clone(),
                l["firms"].as_i64().unwrap(),
                l["served"].as_i64().unwrap(),
            )
        })
        .collect();
    // In the policy's order, those not stated last.
    assert_eq!(
        lines,
        vec![
            (json!("340104"), json!("蜀山区"), 1, 1),
            (json!("340111"), json!("包河区"), 1, 0),
            (Value::Null, json!("未填写"), 1, 0),
        ],
        "{}",
        d["by_district"]
    );
    let total: i64 = lines.iter().map(|l| l.2).sum();
    assert_eq!(Some(total), d["vouchers"]["firms"].as_i64(), "every claimant counted once");
    let by_class: i64 =
        d["firms"].as_array().unwrap().iter().map(|l| l["firms"].as_i64().unwrap()).sum();
    assert_eq!(by_class, total, "by size and industry and by district count the same firms");

    // The page, in English words.
    let mut b = Browser::signed_in(&app, &auditor);
    let p = b.get("/dashboard?lang=en").await;
    for words in ["Firms by district", "Shushan District", "Baohe District", "Not stated"] {
        assert!(p.body.contains(words), "{words}: {}", p.body);
    }
}

/// The firms of a selection, as (firms, served) over the size and industry lines.
fn firm_totals(d: &Value) -> (i64, i64) {
    d["firms"].as_array().unwrap().iter().fold((0, 0), |(f, s), l| {
        (f + l["firms"].as_i64().unwrap(), s + l["served"].as_i64().unwrap())
    })
}

#[actix_web::test]
async fn a_firm_holding_vouchers_of_two_batches_is_one_firm_of_the_programme() {
    let app = spawn_app().await;
    // No gate: the firm claims the second batch with its first voucher unspent.
    let w = crate::orders::world_with(&app, "dtw", json!({"gate_used_share": "0"})).await;
    w.confirmed_order(&app, "1000.00").await;
    let batches = app.get("/api/v1/batches", Some(&w.admin)).await.body;
    let first = batches[0]["id"].as_str().unwrap().to_string();
    let programme = batches[0]["programme_id"].as_str().unwrap().to_string();
    let r = crate::claims::second_batch(&app, &w.admin, &programme, 1).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second = r.body["id"].as_str().unwrap().to_string();
    app.clock.advance(chrono::Duration::minutes(2));
    let firm = w.firm.token.clone();
    let r = app.post(&format!("/api/v1/batches/{second}/claims"), Some(&firm), &json!({})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // A second firm claims the second batch only.
    let other = crate::claims::bulk_firms(&app, 1, "micro", true, None).remove(0);
    let r =
        app.post(&format!("/api/v1/batches/{second}/claims"), Some(&other.token), &json!({})).await;
    assert_eq!(r.status, 201, "{}", r.body);

    let auditor = app.staff_token("dtw_auditor", Role::Auditor).await;
    let ask = |q: String| {
        let (app, auditor) = (&app, &auditor);
        async move {
            let r = app.get(&format!("/api/v1/dashboard?fresh=true{q}"), Some(auditor)).await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body
        }
    };
    let whole = ask(format!("&programme_id={programme}")).await;
    assert_eq!(whole["vouchers"]["claimed"], 3, "{}", whole["vouchers"]);
    assert_eq!(whole["vouchers"]["firms"], 2, "the firm of both batches counted once");
    assert_eq!(firm_totals(&whole), (2, 1), "{}", whole["firms"]);
    let districts: i64 =
        whole["by_district"].as_array().unwrap().iter().map(|l| l["firms"].as_i64().unwrap()).sum();
    assert_eq!(districts, 2, "{}", whole["by_district"]);
    let everything = ask(String::new()).await;
    assert_eq!(firm_totals(&everything), (2, 1));
    // Each batch has its own holders: the firm was served by its first batch only.
    let one = ask(format!("&batch_id={first}")).await;
    assert_eq!((one["vouchers"]["firms"].as_i64(), firm_totals(&one)), (Some(1), (1, 1)));
    let two = ask(format!("&batch_id={second}")).await;
    assert_eq!((two["vouchers"]["firms"].as_i64(), firm_totals(&two)), (Some(2), (2, 0)));
    // Spending in the second batch serves the firm there too, still one firm overall.
    let o = app
        .post(
            "/api/v1/orders",
            Some(&firm),
            &json!({"service_item_id": w.item, "voucher_id": r_voucher(&app, &firm, &second).await,
                "contract_amount": "2000.00"}),
        )
        .await;
    assert_eq!(o.status, 201, "{}", o.body);
    let order = o.body["id"].as_str().unwrap().to_string();
    assert_eq!(w.provider_does(&app, &order, "accept", json!({})).await.status, 200);
    w.upload_all(&app, &order).await;
    assert_eq!(w.provider_does(&app, &order, "deliver", json!({})).await.status, 200);
    assert_eq!(w.firm_does(&app, &order, "confirm", json!({})).await.status, 200);
    let two = ask(format!("&batch_id={second}")).await;
    assert_eq!(firm_totals(&two), (2, 1), "{}", two["firms"]);
    let whole = ask(format!("&programme_id={programme}")).await;
    assert_eq!(firm_totals(&whole), (2, 1), "{}", whole["firms"]);
    assert_eq!(whole["stages"]["spent"], "3000.00");
    // Waiting times follow both batches' vouchers (the second claimed later).
    assert_eq!(whole["timing"]["claim_to_first_order"]["cases"], 2, "{}", whole["timing"]);
    let two = ask(format!("&batch_id={second}")).await;
    assert_eq!(two["timing"]["claim_to_first_order"]["cases"], 1, "{}", two["timing"]);
}

/// The firm's voucher of a batch.
async fn r_voucher(app: &TestApp, firm: &str, batch: &str) -> String {
    let r = app.get("/api/v1/firm/vouchers", Some(firm)).await;
    let list = r.body.get("items").unwrap_or(&r.body).as_array().unwrap().clone();
    list.iter().find(|v| v["batch_id"] == batch).unwrap()["id"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn ledger_verify_finds_a_kept_tally_or_holder_that_differs_from_the_rows() {
    let app = spawn_app().await;
    let w = world(&app, "dtv").await;
    w.confirmed_order(&app, "1000.00").await;
    let finance = app.staff_token("dtv_finance", Role::Finance).await;
    // PostgreSQL's triggers append moves, which the hourly housekeeping (and any
    // overview) adds into the tallies; SQLite's add into the tallies at once.
    let postgres = app.db_url.starts_with("postgres");
    assert_eq!(app.count("tally_moves") > 0, postgres);
    let admin = app.staff_token("dtv_admin", Role::Admin).await;
    let r = app.run_job(&admin, "housekeeping", None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["detail"]["folded_tallies"].as_i64().unwrap() > 0, postgres, "{}", r.body);
    assert_eq!(app.count("tally_moves"), 0);
    let r = app.get("/api/v1/ledger/verify", Some(&finance)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
    assert_eq!(r.body["tallies"], 5, "voucher, order, spending, holder, holdings: {}", r.body);

    app.damaged_on_purpose();
    app.exec("UPDATE tallies SET n = n + 1 WHERE kind = 'order' AND status = 'confirmed'").unwrap();
    app.exec(&format!("UPDATE holders SET served = FALSE WHERE firm_id = '{}'", w.firm.id))
        .unwrap();
    app.exec(&format!("UPDATE holdings SET batches = 2 WHERE firm_id = '{}'", w.firm.id)).unwrap();
    let r = app.get("/api/v1/ledger/verify", Some(&finance)).await;
    assert_eq!(r.body["ok"], false, "{}", r.body);
    let diffs = r.body["differences"].as_array().unwrap();
    let batch = app.get("/api/v1/batches", Some(&w.admin)).await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tally = diffs
        .iter()
        .find(|d| d["account"] == format!("tally:{batch}:order:confirmed:patent").as_str())
        .unwrap_or_else(|| panic!("{diffs:?}"));
    assert_eq!(
        (tally["expected"].as_str(), tally["actual"].as_str()),
        (Some("1 · 1000.00 · 1000.00"), Some("2 · 1000.00 · 1000.00"))
    );
    let holder = diffs
        .iter()
        .find(|d| d["account"] == format!("holder:{batch}:{}", w.firm.id).as_str())
        .unwrap_or_else(|| panic!("{diffs:?}"));
    assert!(holder["expected"].as_str().unwrap().ends_with(" · served"), "{holder}");
    assert!(holder["actual"].as_str().unwrap().ends_with("not served"), "{holder}");
    let holdings = diffs
        .iter()
        .find(|d| d["account"] == format!("holdings:{}", w.firm.id).as_str())
        .unwrap_or_else(|| panic!("{diffs:?}"));
    assert_eq!(
        (holdings["expected"].as_str(), holdings["actual"].as_str()),
        (Some("1"), Some("2"))
    );
}
