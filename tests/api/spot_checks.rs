//! Spot checks (回访抽查): a month is drawn once it has ended, once; the draw is published
//! and re-draws from its seed; the sampled firms answer; a "no" or silence opens a
//! finding, and the item waits outside settlement.

use crate::helpers::{spawn_app, TestApp};
use crate::orders::world;
use crate::web::{post, Browser};
use chrono::Duration;
use hechuang::domain::settlement::Period;
use hechuang::domain::Role;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn sha(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Six approved (payable) items of one provider, approved in the month returned; the
/// clock is then past that month's end.
pub async fn six_approved(app: &TestApp, tag: &str) -> (crate::orders::World, String, Vec<String>) {
    let mut w = world(app, tag).await;
    let month = Period::of(app.clock.now()).to_string();
    let items = crate::settlement::make_payable(
        app,
        &w,
        tag,
        &["500.00", "600.00", "700.00", "800.00", "900.00", "1000.00"],
    )
    .await;
    w.provider_token = app.token(tag).await;
    (w, month, items)
}

#[actix_web::test]
async fn a_month_is_drawn_once_after_it_ends_and_anyone_re_draws_it_from_its_seed() {
    let app = spawn_app().await;
    let (w, month, items) = six_approved(&app, "spd").await;
    let admin = app.token("admin_spd").await;
    let draw = |token: String, period: &str| {
        let (app, body) = (&app, json!({"period": period}));
        async move { app.post("/api/v1/spot-checks/draws", Some(&token), &body).await }
    };
    // Refused: a month not over, a bad month, a reviewer; nothing recorded.
    let r = draw(admin.clone(), &month).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "period_not_over"), "{}", r.body);
    let r = draw(admin.clone(), "2026-13").await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "period_invalid"), "{}", r.body);
    let rev = app.staff_token("sc_rev_spd", Role::Reviewer).await;
    assert_eq!(draw(rev.clone(), &month).await.status, 403);
    assert_eq!(app.count("spot_check_draws"), 0);

    let ended = app.end_the_month();
    assert_eq!(ended, month);
    let admin = app.token("admin_spd").await;
    let before = Period::parse(&month).unwrap().previous().to_string();
    let r = draw(admin.clone(), &before).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "nothing_to_draw"), "{}", r.body);
    let r = draw(admin.clone(), &month).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // 10% of 6 is 1, but at least 5.
    assert_eq!((&r.body["population"], &r.body["sample_size"]), (&json!(6), &json!(5)));
    let id = r.body["id"].as_str().unwrap().to_string();
    let r = draw(admin.clone(), &month).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "already_drawn"), "{}", r.body);

    // The published draw, re-drawn here from its seed by the formula in docs/API.md.
    let p = app.get(&format!("/api/v1/public/spot-check-draws/{id}"), None).await;
    assert_eq!(p.status, 200, "{}", p.body);
    let seed = p.body["seed"].as_str().unwrap();
    assert_eq!(seed.len(), 64);
    let mut ids = items.clone();
    ids.sort();
    let digest = sha(&ids.join("\n"));
    assert_eq!(p.body["population_digest"], json!(digest));
    let entries = p.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 6);
    let mut keys: Vec<(String, String)> = Vec::new();
    for e in entries {
        let item = e["item_id"].as_str().unwrap();
        // The provider was listed within 180 days: one ticket and two for the risk.
        assert_eq!((&e["tickets"], &e["risks"]), (&json!(3), &json!(["new_provider"])), "{e}");
        let key = (1..=3).map(|j| sha(&format!("{seed}:{digest}:{item}:{j}"))).min().unwrap();
        assert_eq!(e["draw_key"], json!(key), "{item}");
        keys.push((key, item.to_string()));
    }
    keys.sort();
    let expected: Vec<&str> = keys.iter().take(5).map(|(_, i)| i.as_str()).collect();
    let mut drawn: Vec<&str> = entries
        .iter()
        .filter(|e| e["sampled"] == json!(true))
        .map(|e| e["item_id"].as_str().unwrap())
        .collect();
    drawn.sort();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(drawn, expected_sorted, "the five least keys");
    // No firm or person in it.
    let me = app.get("/api/v1/firm/profile", Some(&w.firm.token)).await;
    let text = p.body.to_string();
    for private in ["name", "contact_name", "contact_phone", "contact_email"] {
        let v = me.body[private].as_str().unwrap();
        assert!(!text.contains(v), "{private} {v} is not published");
    }
    // Each sampled firm is asked by email, once per check.
    let asked = app.outbox().into_iter().filter(|m| m.kind == "spot_check_asked").count();
    assert_eq!(asked, 5);
    // The staff list of draws.
    let rev = app.token("sc_rev_spd").await;
    let r = app.get("/api/v1/spot-checks/draws", Some(&rev)).await;
    assert_eq!((r.status.as_u16(), &r.body["total"]), (200, &json!(1)), "{}", r.body);
}

#[actix_web::test]
async fn the_firm_answers_and_a_no_or_silence_opens_a_finding_that_holds_the_item() {
    let app = spawn_app().await;
    let (w, month, _) = six_approved(&app, "spa").await;
    app.end_the_month();
    let admin = app.token("admin_spa").await;
    let r = app.post("/api/v1/spot-checks/draws", Some(&admin), &json!({"period": month})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let firm = w.firm.token.clone();
    let r = app.get("/api/v1/firm/spot-checks?status=asked", Some(&firm)).await;
    assert_eq!((r.status.as_u16(), &r.body["total"]), (200, &json!(5)), "{}", r.body);
    let checks: Vec<String> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let answer = |token: String, id: String, body: Value| {
        let app = &app;
        async move { app.post(&format!("/api/v1/spot-checks/{id}/answer"), Some(&token), &body).await }
    };
    // "No" without saying what happened: refused at the field, nothing changed.
    let r =
        answer(firm.clone(), checks[0].clone(), json!({"delivered": false, "note": "  "})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "note");
    assert_eq!(app.count("findings"), 0);
    // Another firm cannot see it.
    let other = crate::claims::bulk_firms(&app, 1, "small", true, None).remove(0);
    let r = answer(other.token.clone(), checks[0].clone(), json!({"delivered": true})).await;
    assert_eq!(r.status, 404, "{}", r.body);

    // Yes closes it, once.
    let r = answer(firm.clone(), checks[0].clone(), json!({"delivered": true})).await;
    assert_eq!((r.status.as_u16(), &r.body["status"]), (200, &json!("confirmed")), "{}", r.body);
    let r = answer(firm.clone(), checks[0].clone(), json!({"delivered": false, "note": "x"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "spot_check_answered"), "{}", r.body);
    // No, with what happened, opens a finding.
    let r = answer(
        firm.clone(),
        checks[1].clone(),
        json!({"delivered": false, "note": "只提交了申请，未收到答复审查意见的服务"}),
    )
    .await;
    assert_eq!((r.status.as_u16(), &r.body["status"]), (200, &json!("finding")), "{}", r.body);
    assert_eq!(app.count("findings"), 1);

    // Past the deadline: the firm's answer is refused with the day, and the job makes
    // each unanswered check a finding.
    app.clock.advance(Duration::days(10) + Duration::minutes(1));
    let r = answer(firm.clone(), checks[2].clone(), json!({"delivered": true})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "spot_check_closed"), "{}", r.body);
    let admin = app.token("admin_spa").await;
    let r = app.run_job(&admin, "spot_check_deadlines", None).await;
    assert_eq!(r.body["detail"]["findings"].as_array().unwrap().len(), 3, "{}", r.body);
    assert_eq!(app.count("findings"), 4);
    app.clock.advance(Duration::days(1));
    let admin = app.token("admin_spa").await;
    let r = app.run_job(&admin, "spot_check_deadlines", None).await;
    assert_eq!(r.body["detail"]["findings"], json!([]), "a finding is opened once: {}", r.body);
    assert_eq!(app.count("findings"), 4);
    let rev = app.staff_token("sc_rev_spa", Role::Reviewer).await;
    let r = app.get("/api/v1/spot-checks?status=finding", Some(&rev)).await;
    assert_eq!(r.body["total"], json!(4), "{}", r.body);

    // The month's run pays the two items without an open finding only.
    let maker = app.staff_token("fin_spa_a", Role::Finance).await;
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": month})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The unsampled item and the confirmed one: 2 of the 6.
    assert_eq!(r.body["run"]["item_count"], json!(2), "{}", r.body);
}

#[actix_web::test]
async fn the_pages_draw_publish_and_take_the_firms_answers() {
    let app = spawn_app().await;
    let (w, month, _) = six_approved(&app, "spp").await;
    app.end_the_month();
    let admin = app.token("admin_spp").await;
    let mut adm = Browser::signed_in(&app, &admin);
    let p = adm.get("/home").await;
    assert!(p.body.contains("href=\"&#x2f;spot-checks\""), "in the admin's navigation");
    let p = adm.get("/spot-checks").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("抽取样本并通知企业"), "{}", p.body);
    // A bad month is said beside the field; nothing drawn.
    let r = post(&mut adm, &p, "/spot-checks/draws", &[("period", "2026/11")]).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("draw-period-error"), "{}", r.body);
    assert_eq!(app.count("spot_check_draws"), 0);
    let r = post(&mut adm, &p, "/spot-checks/draws", &[("period", &month)]).await;
    assert_eq!((r.status, r.location.as_str()), (303, "/spot-checks?done=drawn"), "{}", r.body);
    let p = adm.get(&r.location).await;
    assert!(p.body.contains("样本已抽取") && p.body.contains(&month), "{}", p.body);
    assert!(p.body.contains("待企业答复"), "the checks in words: {}", p.body);

    // Anyone reaches the draw from the home page and reads its seed and keys.
    let mut anyone = Browser::new(&app);
    let home = anyone.get("/").await;
    assert!(home.body.contains("href=\"/public/spot-checks\""), "linked from home");
    let list = anyone.get("/public/spot-checks").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let id = app.get("/api/v1/spot-checks/draws", Some(&admin)).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(list.body.contains(&id), "{}", list.body);
    let page = anyone.get(&format!("/public/spot-checks/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let seed = app.get(&format!("/api/v1/public/spot-check-draws/{id}"), None).await.body["seed"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(page.body.contains(&seed) && page.body.contains("新入库机构"), "{}", page.body);
    assert_eq!(page.body.matches("<span class=\"tag warn\">抽中</span>").count(), 5);

    // The firm answers on its page: "no" without a word is refused at the field.
    let mut firm = Browser::signed_in(&app, &w.firm.token);
    let p = firm.get("/firm/spot-checks").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("该服务是否按发票所列如实交付"), "{}", p.body);
    let checks = app.get("/api/v1/firm/spot-checks", Some(&w.firm.token)).await;
    let first = checks.body["items"][0]["id"].as_str().unwrap().to_string();
    let second = checks.body["items"][1]["id"].as_str().unwrap().to_string();
    let r = post(
        &mut firm,
        &p,
        &format!("/firm/spot-checks/{first}/answer"),
        &[("delivered", "false"), ("note", "")],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains(&format!("check-{first}-note-error")), "{}", r.body);
    let r =
        post(&mut firm, &p, &format!("/firm/spot-checks/{first}/answer"), &[("delivered", "true")])
            .await;
    assert_eq!((r.status, r.location.as_str()), (303, "/firm/spot-checks?done=checked"));
    let r = post(
        &mut firm,
        &p,
        &format!("/firm/spot-checks/{second}/answer"),
        &[("delivered", "false"), ("note", "没有收到服务报告")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p = firm.get(&r.location).await;
    assert!(p.body.contains("感谢答复") && p.body.contains("已如实交付"), "{}", p.body);
    assert!(p.body.contains("没有收到服务报告") && p.body.contains("已转为核查事项"), "{}", p.body);
    assert_eq!(app.count("findings"), 1);

    // The provider finds it from its navigation and states its side.
    let prov_token = app.token("spp").await;
    let mut prov = Browser::signed_in(&app, &prov_token);
    let home = prov.get("/home").await;
    assert!(home.body.contains("href=\"&#x2f;provider&#x2f;findings\""), "in its navigation");
    let p = prov.get("/provider/findings").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("没有收到服务报告") && p.body.contains("企业答复未如实交付"));
    let finding = app.get("/api/v1/provider/findings", Some(&prov_token)).await.body["items"][0]
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let action = format!("/provider/findings/{finding}/statement");
    let r = post(&mut prov, &p, &action, &[("statement", "")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains(&format!("finding-{finding}-statement-error")), "{}", r.body);
    let r = post(&mut prov, &p, &action, &[("statement", "服务报告已于交付时发送")]).await;
    assert_eq!((r.status, r.location.as_str()), (303, "/provider/findings?done=stated"));

    // A reviewer sees both sides on the spot-check page and decides there.
    let rev = app.staff_token("sc_rev_spp", Role::Reviewer).await;
    let mut rb = Browser::signed_in(&app, &rev);
    let p = rb.get("/spot-checks").await;
    assert!(p.body.contains("没有收到服务报告") && p.body.contains("服务报告已于交付时发送"));
    let action = format!("/spot-checks/findings/{finding}/decision");
    // A corrected amount left out is said beside its field; nothing decided.
    let r = post(&mut rb, &p, &action, &[("outcome", "corrected"), ("reason", "部分交付")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains(&format!("finding-{finding}-corrected_amount-error")), "{}", r.body);
    let r = post(&mut rb, &p, &action, &[("outcome", "no_issue"), ("reason", "报告齐全")]).await;
    assert_eq!((r.status, r.location.as_str()), (303, "/spot-checks?done=decided"), "{}", r.body);
    let p = prov.get("/provider/findings").await;
    assert!(p.body.contains("无问题，照常拨付") && p.body.contains("报告齐全"), "{}", p.body);
}

#[actix_web::test]
async fn a_reviewer_hears_both_sides_and_decides_what_an_unpaid_item_claims() {
    let app = spawn_app().await;
    let (w, month, _) = six_approved(&app, "spf").await;
    app.end_the_month();
    let admin = app.token("admin_spf").await;
    let r = app.post("/api/v1/spot-checks/draws", Some(&admin), &json!({"period": month})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The firm says "no" to four of the five checks; one confirmed.
    let checks = app.get("/api/v1/firm/spot-checks", Some(&w.firm.token)).await;
    let checks: Vec<(String, String)> = checks.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().into(), c["amount"].as_str().unwrap().into()))
        .collect();
    for (i, (id, _)) in checks.iter().enumerate() {
        let body = if i == 0 {
            json!({"delivered": true})
        } else {
            json!({"delivered": false, "note": format!("问题 {i}")})
        };
        let r =
            app.post(&format!("/api/v1/spot-checks/{id}/answer"), Some(&w.firm.token), &body).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let prov = app.token("spf").await;
    let r = app.get("/api/v1/provider/findings?status=open", Some(&prov)).await;
    assert_eq!((r.status.as_u16(), &r.body["total"]), (200, &json!(4)), "{}", r.body);
    let findings: Vec<(String, String)> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap().into(), f["amount"].as_str().unwrap().into()))
        .collect();
    // The provider states its side.
    let (f0, amount0) = findings[0].clone();
    let r = app
        .post(
            &format!("/api/v1/findings/{f0}/statement"),
            Some(&prov),
            &json!({"statement": "已按合同交付，附件为答复审查意见通知书"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["firm_note"].as_str().unwrap().starts_with("问题"), "both sides: {}", r.body);
    assert_eq!(r.body["provider_statement"], json!("已按合同交付，附件为答复审查意见通知书"));

    // The reviewer who approved the items may not decide; another may.
    let approver = app.token("checker_spf").await;
    let decide = |token: String, id: String, body: Value| {
        let app = &app;
        async move { app.post(&format!("/api/v1/findings/{id}/decision"), Some(&token), &body).await }
    };
    let r = decide(approver, f0.clone(), json!({"outcome": "no_issue", "reason": "x"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "finding_by_approver"), "{}", r.body);
    let rev = app.staff_token("sc_rev_spf", Role::Reviewer).await;
    // A correction without its amount, or with one not below the item's, is refused at
    // the amount's field.
    let r =
        decide(rev.clone(), f0.clone(), json!({"outcome": "corrected", "reason": "部分"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        (&r.body["errors"][0]["field"], &r.body["errors"][0]["code"]),
        (&json!("corrected_amount"), &json!("required")),
        "{}",
        r.body
    );
    let r = decide(
        rev.clone(),
        f0.clone(),
        json!({"outcome": "corrected", "corrected_amount": amount0, "reason": "部分交付"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "corrected_amount", "{}", r.body);
    let r = decide(
        rev.clone(),
        f0.clone(),
        json!({"outcome": "corrected", "corrected_amount": "300.00", "reason": "只交付了一半"}),
    )
    .await;
    assert_eq!((r.status.as_u16(), &r.body["amount"]), (200, &json!("300.00")), "{}", r.body);
    assert_eq!(r.body["outcome"], "corrected");
    let r = decide(rev.clone(), f0.clone(), json!({"outcome": "no_issue", "reason": "x"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "finding_decided"), "{}", r.body);
    let r = app
        .post(
            &format!("/api/v1/findings/{f0}/statement"),
            Some(&prov),
            &json!({"statement": "补充"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "finding_decided"), "{}", r.body);
    // Fraud: the item is refused, its whole amount back to the programme.
    let (f1, _) = findings[1].clone();
    let r =
        decide(rev.clone(), f1, json!({"outcome": "fraudulent", "reason": "未提供任何服务"})).await;
    assert_eq!(
        (r.status.as_u16(), &r.body["item_status"]),
        (200, &json!("rejected")),
        "{}",
        r.body
    );
    // Both stay in the public list of approved redemptions with what was found (the
    // refused one too); nothing is owed back, as neither was paid.
    let public = Browser::new(&app).get("/public/redemptions").await;
    assert!(public.body.contains("回访抽查核定为 300.00 元"), "{}", public.body);
    assert!(public.body.contains("回访抽查查实未提供服务"), "{}", public.body);
    assert!(!public.body.contains("服务机构退回"), "{}", public.body);
    // The provider is told each decision by email; nothing owed back for unpaid items.
    let told: Vec<_> = app.outbox().into_iter().filter(|m| m.kind == "finding_decided").collect();
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told.iter().all(|m| !m.body.contains("应退款项")), "{told:?}");
    // No issue: the item is paid as approved.
    let (f2, amount2) = findings[2].clone();
    let r = decide(rev.clone(), f2, json!({"outcome": "no_issue", "reason": "服务报告齐全"})).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The month's run: the unsampled item, the confirmed one, the cleared one and the
    // corrected one (300.00); not the refused one nor the one still open.
    let maker = app.staff_token("fin_spf_a", Role::Finance).await;
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": month})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["run"]["item_count"], json!(4), "{}", r.body);
    let total: f64 = r.body["run"]["total"].as_str().unwrap().parse().unwrap();
    let all = 500.0 + 600.0 + 700.0 + 800.0 + 900.0 + 1000.0;
    let a = |s: &str| s.parse::<f64>().unwrap();
    let still_open = a(&findings[3].1);
    let refused = a(&findings[1].1);
    assert_eq!(total, all - still_open - refused - (a(&amount0) - 300.0), "{}", r.body);
    assert!(a(&amount2) > 0.0);
    // The open one waited outside the run and is still decided; cleared now, the next
    // run pays it.
    let (f3, _) = findings[3].clone();
    let r = decide(rev.clone(), f3, json!({"outcome": "no_issue", "reason": "核实无误"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The overview agrees with the ledger: what the correction gave back is counted.
    let auditor = app.staff_token("spf_auditor", Role::Auditor).await;
    let r = app.get("/api/v1/dashboard/reconciliation", Some(&auditor)).await;
    assert_eq!(r.body["agrees"], true, "{}", r.body);
    // Dropping the app runs `ledger verify`: every fen moved by the decisions accounts.
}

#[actix_web::test]
async fn a_decision_against_an_item_in_a_run_leaves_the_run_whole_and_opens_a_receivable() {
    let app = spawn_app().await;
    let (w, month, _) = six_approved(&app, "spr").await;
    app.end_the_month();
    // Finance prepares the month's run before the draw: every item is in it.
    let maker = app.staff_token("fin_spr_a", Role::Finance).await;
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": month})).await;
    assert_eq!((r.status.as_u16(), &r.body["run"]["item_count"]), (201, &json!(6)), "{}", r.body);
    let admin = app.token("admin_spr").await;
    let r = app.post("/api/v1/spot-checks/draws", Some(&admin), &json!({"period": month})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let checks = app.get("/api/v1/firm/spot-checks", Some(&w.firm.token)).await;
    let id = checks.body["items"][0]["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/spot-checks/{id}/answer"),
            Some(&w.firm.token),
            &json!({"delivered": false, "note": "未交付"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rev = app.staff_token("sc_rev_spr", Role::Reviewer).await;
    let f = app.get("/api/v1/findings?status=open", Some(&rev)).await;
    let finding = f.body["items"][0]["id"].as_str().unwrap().to_string();
    let amount = f.body["items"][0]["amount"].clone();
    let outcome = json!({"outcome": "fraudulent", "reason": "未交付"});
    let r = app.post(&format!("/api/v1/findings/{finding}/decision"), Some(&rev), &outcome).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The run the bank will be given is unchanged; the provider owes the item back.
    let run = app.get("/api/v1/settlement-runs", Some(&maker)).await;
    assert_eq!(run.body["items"][0]["item_count"], json!(6), "{}", run.body);
    let owed = app.get("/api/v1/receivables?state=open", Some(&rev)).await;
    assert_eq!(owed.body["items"][0]["outstanding"], amount, "{}", owed.body);
    let id = r.body["receivable_id"].as_str().unwrap();
    assert_eq!(owed.body["items"][0]["id"], json!(id));
    // Dropping the app runs `ledger verify`: the receivable is in the books.
}
