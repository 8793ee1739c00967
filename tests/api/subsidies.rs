//! Subsidies for certified carriers at the HTTP boundary: entitlements computed once,
//! noticed, approved and paid by the settlement run; upgrades; revocation; the
//! duplicate-support register; yearly statistics.

use crate::helpers::{new_credit_code, space_body, spawn_app, TestApp};
use chrono::Duration;
use hechuang::domain::settlement::Period;
use hechuang::domain::Role;
use serde_json::{json, Value};

/// Figures that meet the national incubator's criteria (and so the provincial ones).
pub(crate) fn figures() -> Value {
    json!({
        "independent_legal_person": true,
        "operating_since": "2020-03-01",
        "statistics_years": 3,
        "space_area_m2": "12000.50",
        "resident_area_m2": "9600",
        "seed_fund_yuan": "6000000.00",
        "incubatees_ever": 140,
        "incubatees": 60,
        "incubatees_funded": 6,
        "seed_fund_investments": 4,
        "staff": 10,
        "professional_staff": 8,
        "mentors": 6,
        "incubatees_with_patent_applications": 20,
        "incubatees_with_valid_ip": 18,
        "graduated_total": 25,
        "specialised_incubator": false,
        "region_certifies_municipal": false,
        "municipal_certified": false,
    })
}

/// A space with a bank account; returns (space id, credit code, token).
pub(crate) async fn space(app: &TestApp, username: &str) -> (String, String, String) {
    let code = new_credit_code();
    let mut body = space_body(username, &code);
    body["bank_name"] = json!("中国银行合肥分行");
    body["bank_account_name"] = json!(format!("{username}孵化器"));
    body["bank_account_no"] = json!("6217000010001234567");
    let r = app.post("/api/v1/registrations/space", None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.verify_contact(&r.body).await;
    let id = r.body["party"]["id"].as_str().unwrap().to_string();
    (id, code, app.token(username).await)
}

/// The space applies for `scheme` and a reviewer certifies it; returns the certification.
pub(crate) async fn certify(app: &TestApp, token: &str, reviewer: &str, scheme: &str) -> Value {
    let r = app
        .post(
            "/api/v1/space/certification-applications",
            Some(token),
            &json!({"scheme": scheme, "figures": figures()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["eligible"], true, "{}", r.body["evaluation"]);
    let id = r.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/certification-applications/{id}/decision"),
            Some(reviewer),
            &json!({"decision": "certify"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["certification"].clone()
}

pub(crate) async fn compute(app: &TestApp, token: &str) -> Value {
    let r = app.post("/api/v1/entitlement-runs", Some(token), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

pub(crate) fn month_start_after(app: &TestApp) -> Duration {
    // From now to a few hours into the first day of next month (China time).
    let now = hechuang::domain::china_time(app.clock.now());
    let next = Period::of(app.clock.now()).next();
    let start = chrono::NaiveDate::from_ymd_opt(next.year, next.month, 1)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap();
    start - now
}

async fn verify_ledger(app: &TestApp) -> Value {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let fin = app.staff_token(&format!("sb_auditor{n}"), Role::Auditor).await;
    let r = app.get("/api/v1/ledger/verify", Some(&fin)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

#[actix_web::test]
async fn an_award_is_computed_once_noticed_approved_and_paid_by_the_settlement_run() {
    let app = spawn_app().await;
    let (space_id, code, tok) = space(&app, "sb_inc").await;
    let reviewer = app.staff_token("sb_reviewer", Role::Reviewer).await;
    let cert = certify(&app, &tok, &reviewer, "provincial_incubator").await;
    assert_eq!(cert["level"], "provincial");

    // Benefits start the month after certification: nothing yet.
    let r = compute(&app, &reviewer).await;
    assert_eq!(r["created"], json!([]), "{r}");
    let r =
        app.post("/api/v1/entitlement-runs", Some(&reviewer), &json!({"as_of": "2999-01"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "period_in_future"));
    let r =
        app.post("/api/v1/entitlement-runs", Some(&reviewer), &json!({"as_of": "2027-13"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "period_invalid"));

    app.clock.advance(month_start_after(&app));
    let reviewer = app.token("sb_reviewer").await;
    let tok = app.token("sb_inc").await;
    let r = compute(&app, &reviewer).await;
    let created = r["created"].as_array().unwrap();
    assert_eq!(created.len(), 1, "{r}");
    let ent = &created[0];
    assert_eq!(ent["policy"], "incubator_certification_award");
    assert_eq!(ent["amount"], "500000.00");
    assert_eq!(ent["level"], "provincial");
    assert_eq!(ent["status"], "in_notice");
    assert_eq!(ent["period"], Period::of(app.clock.now()).to_string());
    assert_eq!(ent["certification_id"], cert["id"]);
    let ent_id = ent["id"].as_str().unwrap().to_string();
    // Re-runs, by hand or by the job, never duplicate.
    assert_eq!(compute(&app, &reviewer).await["created"], json!([]));
    let admin = app.staff_token("sb_admin", Role::Admin).await;
    let r = app.run_job(&admin, "entitlements", None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["detail"]["created"], 0, "{}", r.body);
    assert_eq!(app.count("subsidy_entitlements"), 1);

    // Published (公示) while in notice; the space sees its own, another space nothing.
    let r = app.get("/api/v1/public/subsidies", None).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["credit_code"], code.as_str());
    assert_eq!(r.body["items"][0]["amount"], "500000.00");
    let one = format!("/api/v1/entitlements/{ent_id}");
    assert_eq!(app.get(&one, Some(&tok)).await.body["id"], ent_id.as_str());
    let (_, _, other) = space(&app, "sb_other").await;
    assert_eq!(app.get(&one, Some(&other)).await.status, 404);
    assert_eq!(app.get("/api/v1/entitlements", Some(&other)).await.body["total"], 0);

    // Not before the notice ends; a reason to reject.
    let decide = format!("{one}/decision");
    let r = app.post(&decide, Some(&reviewer), &json!({"decision": "approve"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "entitlement_in_notice"));
    let r = app.post(&decide, Some(&reviewer), &json!({"decision": "reject"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "required"));
    let r = app.post(&decide, Some(&reviewer), &json!({"decision": "maybe"})).await;
    assert_eq!(r.status, 400, "{}", r.body);
    app.clock.advance(Duration::days(8));
    let reviewer = app.token("sb_reviewer").await;
    let r = app.post(&decide, Some(&reviewer), &json!({"decision": "approve"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "payable");
    let r = app.post(&decide, Some(&reviewer), &json!({"decision": "approve"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "entitlement_already_decided"));
    // The grant is in the register.
    let r = app.get(&format!("/api/v1/support-grants?credit_code={code}"), Some(&reviewer)).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["source"], "incubator_certification_award");
    assert_eq!(r.body["items"][0]["entitlement_id"], ent_id.as_str());
    let ledger = verify_ledger(&app).await;
    assert_eq!(ledger["ok"], true, "{ledger}");

    // The settlement run pays it to the space.
    let period = app.end_the_month();
    let (tok, reviewer) = (app.token("sb_inc").await, app.token("sb_reviewer").await);
    let f1 = app.staff_token("sb_fin1", Role::Finance).await;
    let f2 = app.staff_token("sb_fin2", Role::Finance).await;
    let r = app.post("/api/v1/settlement-runs", Some(&f1), &json!({"period": period})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let run = r.body["run"].clone();
    assert_eq!(run["payout_count"], 1, "{run}");
    assert_eq!(run["total"], "500000.00");
    let payout = &run["payouts"][0];
    assert_eq!(payout["payee_kind"], "space", "{payout}");
    assert_eq!(payout["payee_id"], space_id.as_str());
    let payout_id = payout["id"].as_str().unwrap().to_string();
    let run_id = run["id"].as_str().unwrap();
    // Opened, the payout shows the award it pays and who approved it.
    let r = app.get(&format!("/api/v1/payouts/{payout_id}"), Some(&f2)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["redemptions"], json!([]));
    let paid = &r.body["entitlements"][0];
    assert_eq!(paid["id"], ent_id.as_str(), "{}", r.body);
    assert_eq!(paid["policy"], "incubator_certification_award");
    assert_eq!(paid["amount"], "500000.00");
    assert_eq!(paid["decided_by"], "sb_reviewer");
    assert!(!paid["space_name"].as_str().unwrap().is_empty(), "{paid}");
    let r = app
        .post(
            &format!("/api/v1/settlement-runs/{run_id}/decision"),
            Some(&f2),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .get_bytes(&format!("/api/v1/settlement-runs/{run_id}/bank-file?format=csv"), Some(&f2))
        .await;
    assert_eq!(r.0, 200);
    let csv = String::from_utf8_lossy(&r.2).to_string();
    assert!(csv.contains("6217000010001234567") && csv.contains("500000.00"), "{csv}");
    let today = hechuang::domain::china_time(app.clock.now()).date().to_string();
    let r = app
        .post(
            &format!("/api/v1/payouts/{payout_id}/result"),
            Some(&f2),
            &json!({"outcome": "paid", "bank_reference": "BOC-SB-1", "paid_on": today}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.get(&one, Some(&tok)).await.body["status"], "paid");
    // The period report adds up to the run, subsidies by policy.
    let r = app.get(&format!("/api/v1/reports/settlement?period={period}"), Some(&f2)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["amount"].as_str(), r.body["paid"].as_str()),
        (Some("500000.00"), Some("500000.00"))
    );
    assert_eq!(r.body["by_subsidy_policy"][0]["name"], "科技企业孵化器认定一次性奖励");
    assert_eq!(r.body["by_provider"], json!([]));
    assert!(app
        .outbox()
        .iter()
        .any(|m| m.kind == "payout_paid" && m.to_address == "space@example.cn"));
    let ledger = verify_ledger(&app).await;
    assert_eq!(ledger["ok"], true, "{ledger}");

    // Upgraded to national: the difference, once; a later run pays nothing more.
    let national = certify(&app, &tok, &reviewer, "national_incubator").await;
    app.clock.advance(month_start_after(&app));
    let reviewer = app.token("sb_reviewer").await;
    let r = compute(&app, &reviewer).await;
    let created = r["created"].as_array().unwrap();
    assert_eq!(created.len(), 1, "{r}");
    assert_eq!(created[0]["amount"], "500000.00", "1,000,000 less 500,000");
    assert_eq!(created[0]["level"], "national");
    assert_eq!(created[0]["certification_id"], national["id"]);
    assert!(created[0]["duplicate_of"].is_null(), "{}", created[0]);
    assert!(created[0]["basis"].as_str().unwrap().contains("补差"));
    app.clock.advance(month_start_after(&app));
    let reviewer = app.token("sb_reviewer").await;
    assert_eq!(compute(&app, &reviewer).await["created"], json!([]));
    assert_eq!(app.count("subsidy_entitlements"), 2);
}

#[actix_web::test]
async fn a_revoked_certification_produces_no_entitlement_for_a_later_month() {
    let app = spawn_app().await;
    let (_, _, tok) = space(&app, "sr_inc").await;
    let reviewer = app.staff_token("sr_reviewer", Role::Reviewer).await;
    let today = hechuang::domain::china_time(app.clock.now()).date().to_string();

    // Revoked in the month of certification: benefits would start next month, and stop then.
    let cert = certify(&app, &tok, &reviewer, "provincial_incubator").await;
    let r = app
        .post(
            &format!("/api/v1/certifications/{}/revocation", cert["id"].as_str().unwrap()),
            Some(&reviewer),
            &json!({"reason": "材料弄虚作假", "revoked_on": today}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["benefits"]["stops"], r.body["benefits"]["first"]);
    for _ in 0..3 {
        app.clock.advance(month_start_after(&app));
        let reviewer = app.token("sr_reviewer").await;
        let r = compute(&app, &reviewer).await;
        assert_eq!(r["created"], json!([]), "{r}");
    }
    assert_eq!(app.count("subsidy_entitlements"), 0);

    // Computed, then revoked back to the day of certification before approval: the
    // approval is refused, nothing becomes payable.
    let (_, _, tok2) = space(&app, "sr_inc2").await;
    let reviewer = app.token("sr_reviewer").await;
    let day = hechuang::domain::china_time(app.clock.now()).date().to_string();
    let cert = certify(&app, &tok2, &reviewer, "provincial_incubator").await;
    app.clock.advance(month_start_after(&app));
    let reviewer = app.token("sr_reviewer").await;
    let r = compute(&app, &reviewer).await;
    assert_eq!(r["created"].as_array().unwrap().len(), 1, "{r}");
    let ent = r["created"][0]["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/certifications/{}/revocation", cert["id"].as_str().unwrap()),
            Some(&reviewer),
            &json!({"reason": "认定撤销", "revoked_on": day}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.clock.advance(Duration::days(8));
    let reviewer = app.token("sr_reviewer").await;
    let r = app
        .post(
            &format!("/api/v1/entitlements/{ent}/decision"),
            Some(&reviewer),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "certification_not_in_force"), "{}", r.body);
    let r = app
        .post(
            &format!("/api/v1/entitlements/{ent}/decision"),
            Some(&reviewer),
            &json!({"decision": "reject", "reason": "认定已撤销"}),
        )
        .await;
    assert_eq!(r.body["status"], "rejected", "{}", r.body);
    // A rejected entitlement holds its period: re-runs do not make it again.
    let r = compute(&app, &reviewer).await;
    assert_eq!(r["created"], json!([]), "{r}");
    assert_eq!(app.count("support_grants"), 0);
}

#[actix_web::test]
async fn a_second_grant_for_the_same_support_is_flagged_with_the_earlier_one_shown() {
    let app = spawn_app().await;
    let (_, code, tok) = space(&app, "sd_inc").await;
    let reviewer = app.staff_token("sd_reviewer", Role::Reviewer).await;
    let next = Period::of(app.clock.now()).next();
    let from = format!("{next}-01");

    // Bad grants change nothing.
    let good = json!({
        "credit_code": code, "beneficiary_name": "sd_inc孵化器",
        "purpose": "carrier_certification_award", "covers_from": from, "covers_to": format!("{}-12-31", next.year),
        "source": "高新区管委会", "amount": "200000.00", "note": "区级配套奖励"
    });
    for (field, value, want) in [
        ("credit_code", json!("91340100MA2N0XXXX0"), "credit_code_invalid"),
        ("covers_to", json!("2000-01-01"), "period_invalid"),
        ("covers_from", json!("2027/01/01"), "date_invalid"),
        ("amount", json!("-1"), "amount_negative"),
        ("amount", json!("0"), "amount_not_positive"),
        ("source", json!(" "), "required"),
    ] {
        let mut b = good.clone();
        b[field] = value;
        let r = app.post("/api/v1/support-grants", Some(&reviewer), &b).await;
        assert_eq!((r.status.as_u16(), r.code()), (422, want), "{field}: {}", r.body);
    }
    assert_eq!(app.count("support_grants"), 0);
    let r = app.post("/api/v1/support-grants", Some(&reviewer), &good).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["earlier"], json!([]));
    let earlier_id = r.body["grant"]["id"].as_str().unwrap().to_string();
    // A second record of it shows the first.
    let r = app.post("/api/v1/support-grants", Some(&reviewer), &good).await;
    assert_eq!(r.body["earlier"][0]["id"], earlier_id.as_str(), "{}", r.body);

    certify(&app, &tok, &reviewer, "provincial_incubator").await;
    app.clock.advance(month_start_after(&app));
    let reviewer = app.token("sd_reviewer").await;
    let r = compute(&app, &reviewer).await;
    assert_eq!(r["flagged"], 1, "{r}");
    let ent = &r["created"][0];
    assert_eq!(ent["status"], "in_notice");
    assert_eq!(ent["duplicate_of"]["id"], earlier_id.as_str());
    assert_eq!(ent["duplicate_of"]["source"], "高新区管委会");
    let decide = format!("/api/v1/entitlements/{}/decision", ent["id"].as_str().unwrap());
    app.clock.advance(Duration::days(8));
    let reviewer = app.token("sd_reviewer").await;
    let r = app.post(&decide, Some(&reviewer), &json!({"decision": "approve"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "duplicate_support"));
    assert!(r.body["detail"].as_str().unwrap().contains("高新区管委会"), "{}", r.body);
    let r = app
        .post(
            &decide,
            Some(&reviewer),
            &json!({"decision": "approve", "acknowledge_duplicate": true}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "duplicate_support"), "a reason is needed");
    let r = app
        .post(
            &decide,
            Some(&reviewer),
            &json!({"decision": "approve", "acknowledge_duplicate": true,
                    "reason": "区级配套奖励与市级认定奖励可叠加，经会议研究同意"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "payable");
    assert_eq!(app.count("support_grants"), 3);
}

#[actix_web::test]
async fn yearly_statistics_are_checked_flagged_when_missing_and_hold_back_subsidies() {
    let app = spawn_app().await;
    let (space_id, _, tok) = space(&app, "ss_inc").await;
    let reviewer = app.staff_token("ss_reviewer", Role::Reviewer).await;
    certify(&app, &tok, &reviewer, "provincial_incubator").await;
    let this_year = Period::of(app.clock.now()).year;
    let stats = json!({"incubatees_ever": 140, "incubatees": 60, "graduated_total": 25,
                       "staff": 10, "mentors": 6});

    // Bad filings change nothing.
    let r = app
        .post("/api/v1/space/statistics", Some(&tok), &json!({"year": this_year, "figures": stats}))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "statistics_year_invalid"));
    let mut bad = stats.clone();
    bad["graduated_total"] = json!(141);
    bad["staff"] = json!(-1);
    bad.as_object_mut().unwrap().remove("mentors");
    let r = app
        .post(
            "/api/v1/space/statistics",
            Some(&tok),
            &json!({"year": this_year - 1, "figures": bad}),
        )
        .await;
    assert_eq!(r.code(), "validation_failed", "{}", r.body);
    let fields: Vec<(&str, &str)> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert!(fields.contains(&("figures.graduated_total", "figure_exceeds")), "{fields:?}");
    assert!(fields.contains(&("figures.staff", "figure_negative")), "{fields:?}");
    assert!(fields.contains(&("figures.mentors", "figure_required")), "{fields:?}");
    assert_eq!(app.count("statistics_filings"), 0);

    // The year after certification: due, then missing after the deadline (31 March).
    // 16 months on, the upgrade's award waits for the missing filing.
    app.clock.advance(Duration::days(365 + 125));
    let reviewer = app.token("ss_reviewer").await;
    let tok = app.token("ss_inc").await;
    let first_year = this_year + 1;
    let r = app.get(&format!("/api/v1/statistics?year={first_year}"), Some(&reviewer)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["missing"], 1, "{}", r.body);
    assert_eq!(r.body["spaces"][0]["space_id"], space_id.as_str());
    assert_eq!(r.body["spaces"][0]["state"], "missing");
    // The one-time provincial award is held back too, as statistics are overdue.
    certify(&app, &tok, &reviewer, "national_incubator").await;
    app.clock.advance(month_start_after(&app));
    let reviewer = app.token("ss_reviewer").await;
    let tok = app.token("ss_inc").await;
    let r = compute(&app, &reviewer).await;
    assert_eq!(r["created"], json!([]), "{r}");
    assert_eq!(r["held_back"].as_array().unwrap().len(), 2, "{r}");
    assert!(r["held_back"][0]["reason"].as_str().unwrap().contains(&first_year.to_string()));

    // Filed late: flagged as late, and the entitlements are made.
    let r = app
        .post(
            "/api/v1/space/statistics",
            Some(&tok),
            &json!({"year": first_year, "figures": stats}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["late"], true);
    let r = app.get(&format!("/api/v1/statistics?year={first_year}"), Some(&reviewer)).await;
    assert_eq!(r.body["spaces"][0]["state"], "late");
    assert_eq!(r.body["missing"], 0);
    let r = compute(&app, &reviewer).await;
    let amounts: Vec<&str> =
        r["created"].as_array().unwrap().iter().map(|e| e["amount"].as_str().unwrap()).collect();
    assert_eq!(amounts, vec!["500000.00", "500000.00"], "{r}");
    let r = app.get("/api/v1/space/statistics", Some(&tok)).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    let r = app.get("/api/v1/statistics?year=1999", Some(&reviewer)).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "year_invalid"));
}

#[actix_web::test]
async fn the_incubatee_register_follows_the_scheme_rules_and_feeds_the_figures() {
    let app = spawn_app().await;
    let (space_id, _, tok) = space(&app, "si_inc").await;
    let reviewer = app.staff_token("si_reviewer", Role::Reviewer).await;
    let url = "/api/v1/space/incubatees";
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let months_ago = |m: u32| (today - chrono::Months::new(m)).to_string();
    let firm = |founded: String, entered: String, field: &str| {
        json!({"firm_name": "合肥星云科技有限公司", "credit_code": new_credit_code(),
               "founded_on": founded, "entered_on": entered, "field": field})
    };

    // No certification yet: the rules must be named.
    let r = app.post(url, Some(&tok), &firm(months_ago(10), months_ago(2), "software")).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "scheme_required"));
    certify(&app, &tok, &reviewer, "national_incubator").await;

    // Bad input changes nothing.
    let tomorrow = (today + Duration::days(1)).to_string();
    for (body, want) in [
        (firm(months_ago(10), tomorrow.clone(), "software"), "date_in_future"),
        (firm(months_ago(2), months_ago(10), "software"), "date_before_founding"),
        (firm("2026-02-30".into(), months_ago(1), "software"), "date_invalid"),
        (firm(months_ago(10), months_ago(2), " "), "required"),
        // 25 months old at entry: the national rules allow 24.
        (firm(months_ago(27), months_ago(2), "software"), "incubatee_too_old"),
    ] {
        let r = app.post(url, Some(&tok), &body).await;
        assert_eq!((r.status.as_u16(), r.code()), (422, want), "{}", r.body);
    }
    let mut bad = firm(months_ago(10), months_ago(2), "software");
    bad["credit_code"] = json!("91340100MA2N0XXXX0");
    let r = app.post(url, Some(&tok), &bad).await;
    assert_eq!(r.code(), "credit_code_invalid");
    assert_eq!(app.count("incubatees"), 0);

    // Exactly 24 months old at entry is allowed; 48 months' stay, 60 for biomedicine.
    let a = firm(months_ago(26), months_ago(2), "software");
    let r = app.post(url, Some(&tok), &a).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["age_months_at_entry"], 24);
    assert_eq!(r.body["limit_months"], 48);
    let ends = (today - chrono::Months::new(2)) + chrono::Months::new(48);
    assert_eq!(r.body["limit_ends_on"], ends.to_string());
    let graduate_id = r.body["id"].as_str().unwrap().to_string();
    let r = app.post(url, Some(&tok), &a).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "incubatee_already_registered"));
    let r = app.post(url, Some(&tok), &firm(months_ago(5), months_ago(1), "biomedicine")).await;
    assert_eq!(r.body["limit_months"], 60, "{}", r.body);
    let leaver = r.body["id"].as_str().unwrap().to_string();
    let r = app.post(url, Some(&tok), &firm(months_ago(3), months_ago(1), "software")).await;
    assert_eq!(r.status, 201);

    // Graduation: once, not before entry; another space cannot touch it.
    let grad = format!("{url}/{graduate_id}/graduation");
    let r = app
        .post(
            &grad,
            Some(&tok),
            &json!({"graduated_on": months_ago(3), "condition": "high_tech_enterprise"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "date_before_entry"));
    // The national rules' conditions: investment strictly above 5,000,000 RMB; no
    // "provincial tech-innovation enterprise".
    let on = today.to_string();
    for (body, want) in [
        (
            json!({"graduated_on": on, "condition": "investment", "amount": "5000000.00"}),
            "graduation_condition_unmet",
        ),
        (json!({"graduated_on": on, "condition": "investment"}), "graduation_amount_required"),
        (
            json!({"graduated_on": on, "condition": "investment", "amount": "5000000.001"}),
            "amount_too_precise",
        ),
        (
            json!({"graduated_on": on, "condition": "tech_innovation_enterprise"}),
            "graduation_condition_not_in_scheme",
        ),
    ] {
        let r = app.post(&grad, Some(&tok), &body).await;
        assert_eq!((r.status.as_u16(), r.code()), (422, want), "{}", r.body);
    }
    let (_, _, other) = space(&app, "si_other").await;
    let body = json!({"graduated_on": on, "condition": "investment", "amount": "5000000.01"});
    assert_eq!(app.post(&grad, Some(&other), &body).await.status, 404);
    let r = app.post(&grad, Some(&tok), &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["graduation"], "investment");
    assert_eq!(r.body["scheme"], "national_incubator");
    assert_eq!(r.body["current"], false);
    let r = app.post(&grad, Some(&tok), &body).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "incubatee_not_current"));
    let r = app
        .post(
            &format!("{url}/{leaver}/departure"),
            Some(&tok),
            &json!({"left_on": today.to_string(), "reason": "迁出本市"}),
        )
        .await;
    assert_eq!(r.body["left_reason"], "迁出本市", "{}", r.body);

    // The register's figures, and what a filing takes from it.
    let r = app.get(&format!("{url}/figures"), Some(&tok)).await;
    assert_eq!(r.body, json!({"incubatees_ever": 3, "incubatees": 1, "graduated_total": 1}));
    let year = Period::of(app.clock.now()).year - 1;
    let r = app
        .post(
            "/api/v1/space/statistics",
            Some(&tok),
            &json!({"year": year, "figures": {"staff": 10, "mentors": 6, "graduated_total": 4}}),
        )
        .await;
    assert_eq!(r.code(), "figure_exceeds", "more graduates than ever registered: {}", r.body);
    let r = app
        .post(
            "/api/v1/space/statistics",
            Some(&tok),
            &json!({"year": year, "figures": {"staff": 10, "mentors": 6}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["figures"]["incubatees_ever"], "3");
    assert_eq!(r.body["figures"]["graduated_total"], "1");

    // Staff read the register.
    let r = app.get(&format!("/api/v1/spaces/{space_id}/incubatees"), Some(&reviewer)).await;
    assert_eq!(r.body.as_array().unwrap().len(), 3, "{}", r.body);

    // Provincial rules allow a firm 3 years old at entry, and 5 years' stay.
    let (_, _, prov) = space(&app, "si_prov").await;
    let mut b = firm(months_ago(38), months_ago(2), "software");
    b["scheme"] = json!("provincial_incubator");
    let r = app.post(url, Some(&prov), &b).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["limit_months"], 60);
    b["founded_on"] = json!(months_ago(39));
    b["credit_code"] = json!(new_credit_code());
    let r = app.post(url, Some(&prov), &b).await;
    assert_eq!(r.code(), "incubatee_too_old");
}

/// A copy of the shipped policy folder, with `edit` applied to one file's text.
pub fn policy_copy(file: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = crate::helpers::config_dir().join("policy");
    for sub in ["", "certification"] {
        let to = dir.path().join(sub);
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(src.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = edit(&text);
    assert_ne!(text, edited, "{file} unchanged");
    std::fs::write(&path, edited).unwrap();
    dir
}

/// The shipped policy with the performance award's top N set.
fn policy_with_top_n(n: u32) -> tempfile::TempDir {
    policy_copy("subsidies.toml", |t| t.replace("top_n = 20", &format!("top_n = {n}")))
}

async fn maker_space(app: &TestApp, username: &str, reviewer: &str) -> String {
    let mut body = space_body(username, &new_credit_code());
    body["kind"] = json!("maker_space");
    body["name"] = json!(format!("{username}众创空间"));
    let r = app.post("/api/v1/registrations/space", None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.verify_contact(&r.body).await;
    let tok = app.token(username).await;
    let r = app
        .post(
            "/api/v1/space/certification-applications",
            Some(&tok),
            &json!({"scheme": "zhejiang_maker_space", "figures": {
                "space_area_m2": "800", "workstations": 120, "site_leased": true, "lease_years": 5,
                "seed_fund_yuan": "3000000", "seed_fund_investments": 3,
                "operating_since": "2025-06-01"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["eligible"], true, "{}", r.body["evaluation"]);
    let id = r.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/certification-applications/{id}/decision"),
            Some(reviewer),
            &json!({"decision": "certify"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["certification"]["space_id"].as_str().unwrap().to_string()
}

/// Yearly statistics with every indicator at `v` and `cases` special cases.
async fn file(app: &TestApp, username: &str, year: i32, v: i64, cases: i64) {
    let tok = app.token(username).await;
    let r = app
        .post(
            "/api/v1/space/statistics",
            Some(&tok),
            &json!({"year": year, "figures": {
                "incubatees_ever": 40, "incubatees": 30, "graduated_total": 5, "staff": 6, "mentors": v,
                "residents_attracted_total": v, "graduated_to_market_total": v,
                "technical_services_total": v, "financing_cases_total": v,
                "growth_chain_placements_total": v, "mentoring_sessions_total": v,
                "training_events_total": v, "special_cases": cases}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Moves the clock to 10:00 China time on `md` (MM-DD) of `year`.
fn move_to(app: &TestApp, year: i32, md: &str) {
    let target = chrono::NaiveDate::parse_from_str(&format!("{year}-{md}"), "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(2, 0, 0)
        .unwrap();
    app.clock.advance(target - app.clock.now());
}

#[actix_web::test]
async fn the_performance_evaluation_ranks_awards_the_top_n_once_and_exports_the_ranking() {
    let policy = policy_with_top_n(2);
    let dir = policy.path().to_path_buf();
    let app = crate::helpers::spawn_app_with(move |s| s.policy.dir = dir).await;
    let reviewer = app.staff_token("pa_reviewer", Role::Reviewer).await;
    let a = maker_space(&app, "pa_a", &reviewer).await;
    let b = maker_space(&app, "pa_b", &reviewer).await;
    let c = maker_space(&app, "pa_c", &reviewer).await;
    // Certified but never files: not ranked.
    maker_space(&app, "pa_d", &reviewer).await;
    let y1 = Period::of(app.clock.now()).year + 1;

    // Before the year is over, before its deadline: refused.
    let url = "/api/v1/performance-evaluations";
    let r = app.post(url, Some(&reviewer), &json!({"year": y1})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "year_not_over"));
    move_to(&app, y1 + 1, "03-31");
    for (u, last, this, cases) in [("pa_a", 100, 100, 0), ("pa_b", 0, 60, 9), ("pa_c", 10, 20, 1)] {
        file(&app, u, y1 - 1, last, 0).await;
        file(&app, u, y1, this, cases).await;
    }
    let reviewer = app.token("pa_reviewer").await;
    let r = app.post(url, Some(&reviewer), &json!({"year": y1})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "statistics_deadline_not_passed"));
    move_to(&app, y1 + 1, "04-01");
    let reviewer = app.token("pa_reviewer").await;
    let r = app.post(url, Some(&reviewer), &json!({"year": y1})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // a: cumulative 100, increase 0 → 50. b: 60 and all of the growth (60 of 60) →
    // 30 + 50 + 5 (9 cases, capped) = 85. c: 20 and 10 of 60 → 10 + 8.3333 + 1.
    let ranking = r.body["ranking"].as_array().unwrap();
    let got: Vec<(&str, &str, bool)> = ranking
        .iter()
        .map(|s| {
            (
                s["space_id"].as_str().unwrap(),
                s["total"].as_str().unwrap(),
                s["awarded"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(b.as_str(), "85", true), (a.as_str(), "50", true), (c.as_str(), "19.3333", false)],
        "{}",
        r.body
    );
    assert_eq!(ranking[0]["special_points"], "5");
    assert_eq!(ranking[0]["indicators"].as_array().unwrap().len(), 8);
    assert_eq!(ranking[0]["indicators"][0]["increase"], "60");
    assert_eq!(ranking[0]["title_until"], y1 + 3);
    let ents = r.body["entitlements"].as_array().unwrap();
    assert_eq!(ents.len(), 2);
    assert!(ents
        .iter()
        .all(|e| e["amount"] == "500000.00" && e["period"] == y1.to_string().as_str()));
    let r = app.post(url, Some(&reviewer), &json!({"year": y1})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "already_evaluated"));
    let r = app
        .post(
            "/api/v1/space/statistics",
            Some(&app.token("pa_c").await),
            &json!({"year": y1, "figures": {"incubatees_ever": 1, "incubatees": 1,
                    "graduated_total": 0, "staff": 1, "mentors": 1}}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "statistics_locked"));

    // Published and exported.
    let r = app.get(&format!("/api/v1/public/performance-evaluations/{y1}"), None).await;
    assert_eq!(r.body["ranking"].as_array().unwrap().len(), 3);
    let (status, headers, bytes) = app
        .get_bytes(&format!("/api/v1/public/performance-evaluations/{y1}/ranking?format=csv"), None)
        .await;
    assert_eq!(status, 200);
    assert!(headers
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap().starts_with("text/csv")));
    let csv = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("名次,众创空间,统一社会信用代码,总分"), "{}", lines[0]);
    assert!(lines[0].contains("累计吸引入驻团队和企业数（累计）"), "{}", lines[0]);
    assert!(lines[1].starts_with("1,pa_b众创空间,"), "{}", lines[1]);
    let (status, _, bytes) = app
        .get_bytes(
            &format!("/api/v1/public/performance-evaluations/{y1}/ranking?format=xlsx"),
            None,
        )
        .await;
    assert_eq!((status.as_u16(), &bytes[..2]), (200, &b"PK"[..]));
    let r = app.get(&format!("/api/v1/public/performance-evaluations/{}", y1 - 5), None).await;
    assert_eq!(r.status, 404);
    // The public page shows the same ranking, with CSV and JSON beside it.
    let (status, _, page) = app.get_bytes(&format!("/public/awards/{y1}"), None).await;
    let page = String::from_utf8(page.to_vec()).unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("pa_b众创空间") && page.contains("获奖") && page.contains("共 3 家参评"),
        "{page}"
    );
    let (status, _, csv_page) = app.get_bytes(&format!("/public/awards/{y1}.csv"), None).await;
    assert_eq!(status, 200);
    assert_eq!(csv_page, bytes_csv(&app, y1).await);
    let (_, _, none) = app.get_bytes(&format!("/public/awards/{}", y1 - 5), None).await;
    assert!(String::from_utf8(none.to_vec()).unwrap().contains("尚未公布"));

    // Next year c leads and a is second: a still holds the title, is ranked among the
    // winners but not paid again; c is paid.
    move_to(&app, y1 + 2, "04-01");
    for (u, v) in [("pa_a", 150), ("pa_b", 61), ("pa_c", 400)] {
        file(&app, u, y1 + 1, v, 0).await;
    }
    let reviewer = app.token("pa_reviewer").await;
    let r = app.post(url, Some(&reviewer), &json!({"year": y1 + 1})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ranking = r.body["ranking"].as_array().unwrap();
    let got: Vec<(&str, bool, bool, bool)> = ranking
        .iter()
        .map(|s| {
            (
                s["space_id"].as_str().unwrap(),
                s["winner"].as_bool().unwrap(),
                s["holds_title"].as_bool().unwrap(),
                s["awarded"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (c.as_str(), true, false, true),
            (a.as_str(), true, true, false),
            (b.as_str(), false, true, false)
        ],
        "{}",
        r.body
    );
    let ents = r.body["entitlements"].as_array().unwrap();
    assert_eq!(ents.len(), 1);
    assert_eq!(ents[0]["space_id"], c.as_str());
    let r = app.get("/api/v1/public/subsidies", None).await;
    assert_eq!(r.body["total"], 3, "{}", r.body);
}

#[actix_web::test]
async fn a_certification_past_its_validity_expires_and_earns_nothing_after() {
    // A scheme valid for one year, as an authority may configure.
    let policy = policy_copy("certification/provincial_incubator.toml", |t| {
        t.replace("level = \"provincial\"", "level = \"provincial\"\nvalid_years = 1")
    });
    let dir = policy.path().to_path_buf();
    let app = crate::helpers::spawn_app_with(move |s| s.policy.dir = dir).await;
    let (_, _, tok) = space(&app, "se_inc").await;
    let reviewer = app.staff_token("se_reviewer", Role::Reviewer).await;
    let cert = certify(&app, &tok, &reviewer, "provincial_incubator").await;
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let until = (today + chrono::Months::new(12)).pred_opt().unwrap();
    assert_eq!(cert["valid_until"], until.to_string());
    assert_eq!(cert["benefits"]["stops"], Period::of_date(until).next().to_string());

    // 13 months on: the award of its first month is made, nothing for later months,
    // and the certification is marked expired.
    app.clock.advance(Duration::days(396));
    let reviewer = app.token("se_reviewer").await;
    let tok = app.token("se_inc").await;
    let r = compute(&app, &reviewer).await;
    let periods: Vec<&str> =
        r["created"].as_array().unwrap().iter().map(|e| e["period"].as_str().unwrap()).collect();
    assert_eq!(periods, vec![Period::of_date(today).next().to_string()], "{r}");
    let r = app.get("/api/v1/certifications", Some(&tok)).await;
    assert_eq!(r.body["items"][0]["status"], "expired", "{}", r.body);
    assert_eq!(compute(&app, &reviewer).await["created"], json!([]));
    // The space may apply again.
    let r = app
        .post(
            "/api/v1/space/certification-applications",
            Some(&tok),
            &json!({"scheme": "provincial_incubator", "figures": figures()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

#[actix_web::test]
async fn the_entitlements_command_computes_and_refuses_a_month_not_begun() {
    let app = spawn_app().await;
    let out = crate::cli::hechuang(&app.db_url, &["entitlements"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("entitlements up to "), "{text}");
    assert!(text.contains(": 0 new"), "{text}");
    let out = crate::cli::hechuang(&app.db_url, &["entitlements", "--as-of", "2999-01"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has not begun"));
    let out = crate::cli::hechuang(&app.db_url, &["entitlements", "--as-of", "2027-13"], None);
    assert_eq!(out.status.code(), Some(1));
}

#[actix_web::test]
async fn a_municipal_maker_space_gets_its_construction_subsidy_and_a_yearly_subsidy_once_filed() {
    // The optional yearly operating subsidy switched on, as an authority may.
    let policy =
        policy_copy("subsidies.toml", |t| t.replace("\nenabled = false\n", "\nenabled = true\n"));
    let dir = policy.path().to_path_buf();
    let app = crate::helpers::spawn_app_with(move |s| s.policy.dir = dir).await;
    let reviewer = app.staff_token("sm_reviewer", Role::Reviewer).await;
    let mut body = space_body("sm_space", &new_credit_code());
    body["kind"] = json!("maker_space");
    let r = app.post("/api/v1/registrations/space", None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.verify_contact(&r.body).await;
    let tok = app.token("sm_space").await;
    let r = app
        .post(
            "/api/v1/space/certification-applications",
            Some(&tok),
            &json!({"scheme": "municipal_maker_space", "figures": {
                "registered_in_province": true, "operating_since": "2025-01-01",
                "resident_firms": 12, "resident_teams": 16, "space_area_m2": "800",
                "professional_space": false, "site_leased": false, "public_area_m2": "150",
                "staff": 5, "seed_fund_yuan": "200000"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["eligible"], true, "{}", r.body["evaluation"]);
    let id = r.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/certification-applications/{id}/decision"),
            Some(&reviewer),
            &json!({"decision": "certify"}),
        )
        .await;
    assert_eq!(r.body["certification"]["level"], "municipal", "{}", r.body);

    // Up front: the construction subsidy, the month after certification.
    app.clock.advance(month_start_after(&app));
    let reviewer = app.token("sm_reviewer").await;
    let r = compute(&app, &reviewer).await;
    let got: Vec<(&str, &str)> = r["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["policy"].as_str().unwrap(), e["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(got, vec![("maker_space_construction_subsidy", "100000.00")], "{r}");
    let first_year = Period::of(app.clock.now()).year;

    // After the year: the yearly subsidy waits for the year's statistics.
    move_to(&app, first_year + 1, "01-10");
    let reviewer = app.token("sm_reviewer").await;
    let r = compute(&app, &reviewer).await;
    assert_eq!(r["created"], json!([]), "{r}");
    assert_eq!(r["held_back"][0]["policy"], "maker_space_operating_subsidy", "{r}");
    assert_eq!(r["held_back"][0]["period"], first_year.to_string().as_str());
    file(&app, "sm_space", first_year, 10, 0).await;
    let r = compute(&app, &reviewer).await;
    let got: Vec<(&str, &str, &str)> = r["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["policy"].as_str().unwrap(),
                e["period"].as_str().unwrap(),
                e["amount"].as_str().unwrap(),
            )
        })
        .collect();
    // Twelve months certified at municipal level: the full 50,000.
    assert_eq!(
        got,
        vec![("maker_space_operating_subsidy", first_year.to_string().as_str(), "50000.00")],
        "{r}"
    );
    assert_eq!(compute(&app, &reviewer).await["created"], json!([]));
}

async fn bytes_csv(app: &TestApp, year: i32) -> Vec<u8> {
    let (_, _, b) = app
        .get_bytes(
            &format!("/api/v1/public/performance-evaluations/{year}/ranking?format=csv"),
            None,
        )
        .await;
    b.to_vec()
}
