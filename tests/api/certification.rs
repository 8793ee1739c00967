//! Certification schemes as data and the rule engine, at the HTTP boundary.

use crate::helpers::{spawn_app, TestApp};
use chrono::Duration;
use hechuang::domain::settlement::Period;
use hechuang::domain::Role;
use serde_json::{json, Value};

fn national_incubator() -> Value {
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
    })
}

#[actix_web::test]
async fn schemes_and_figures_are_published_and_evaluated_criterion_by_criterion() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/policy/certification-schemes", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.as_array().unwrap().len(), 10, "{}", r.body);
    let r = app.get("/api/v1/policy/certification-schemes/provincial_incubator", None).await;
    assert_eq!(r.body["level"], "provincial");
    let incubatees = r.body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "incubatees")
        .unwrap()
        .clone();
    assert_eq!(incubatees["test"]["when"][0]["value"], "15", "{incubatees}");
    let r = app.get("/api/v1/policy/certification-schemes/no_such_scheme", None).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
    let r = app.get("/api/v1/policy/certification-figures", None).await;
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "space_area_m2" && f["kind"] == "area"));

    let url = "/api/v1/policy/certification-schemes/national_incubator/evaluation";
    let r = app.post(url, None, &json!({ "figures": national_incubator() })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["eligible"], true, "{}", r.body);
    assert_eq!(r.body["met"], 15);
    let ip =
        r.body["criteria"].as_array().unwrap().iter().find(|c| c["id"] == "ip").unwrap().clone();
    // 20 of 60 applied for patents (33.33% < 50%), 18 of 60 hold IP (30% ≥ 30%).
    assert_eq!(ip["pass"], true);
    assert_eq!(ip["tests"][0]["actual"], "33.33%");
    assert_eq!(ip["tests"][0]["pass"], false);
    assert_eq!(ip["tests"][1]["actual"], "30%");
    assert_eq!(ip["tests"][1]["pass"], true);

    // Below the line: the summary names what is missing.
    let mut figures = national_incubator();
    figures["space_area_m2"] = json!("9999.99");
    figures["resident_area_m2"] = json!("7500");
    let r = app.post(url, None, &json!({ "figures": figures })).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["eligible"], false);
    assert_eq!(r.body["not_met"], 1, "{}", r.body);
    assert!(
        r.body["summary_zh"]
            .as_str()
            .unwrap()
            .contains("可自主支配的孵化场地面积不低于 10000 平方米"),
        "{}",
        r.body
    );
}

#[actix_web::test]
async fn figures_that_cannot_be_true_get_field_errors_in_chinese() {
    let app = spawn_app().await;
    let url = "/api/v1/policy/certification-schemes/national_incubator/evaluation";
    let tomorrow =
        hechuang::domain::china_time(app.clock.now() + Duration::days(1)).date().to_string();
    let mut figures = national_incubator();
    figures["space_area_m2"] = json!("-10");
    figures["graduated_total"] = json!(141);
    figures["operating_since"] = json!(tomorrow);
    let r = app.post(url, None, &json!({ "figures": figures })).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "validation_failed"), "{}", r.body);
    let errors: Vec<(String, String, String)> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
                e["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let find = |field: &str| {
        errors
            .iter()
            .find(|e| e.0 == field)
            .unwrap_or_else(|| panic!("{field}: {errors:?}"))
            .clone()
    };
    assert_eq!(find("figures.space_area_m2").1, "figure_negative");
    assert!(find("figures.space_area_m2").2.contains("不能为负数"));
    assert_eq!(find("figures.graduated_total").1, "figure_exceeds");
    assert_eq!(find("figures.operating_since").1, "date_in_future");
    // Missing and unknown figures; a shape that is not an object of figures.
    let r = app.post(url, None, &json!({ "figures": { "floor": 1 } })).await;
    assert_eq!(r.status, 422);
    let codes: Vec<&str> =
        r.body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"figure_unknown") && codes.contains(&"figure_required"));
    let r = app.post(url, None, &json!({ "figures": [1, 2] })).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_json"));
}

fn month_after(app: &TestApp) -> String {
    Period::of(app.clock.now()).next().to_string()
}

fn today(app: &TestApp) -> String {
    hechuang::domain::china_time(app.clock.now()).date().to_string()
}

#[actix_web::test]
async fn a_space_applies_a_reviewer_certifies_and_later_revokes() {
    let app = spawn_app().await;
    let space_id = app.register_space("cs_inc").await;
    let space = app.token("cs_inc").await;
    let url = "/api/v1/space/certification-applications";

    // Refusals first: nothing is stored.
    let r = app.post(url, Some(&space), &json!({"scheme": "nope", "figures": {}})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "scheme_unknown"));
    let r = app
        .post(
            url,
            Some(&space),
            &json!({"scheme": "national_maker_space", "figures": {
                "operating_since": "2020-01-01", "dedicated_operator": true,
                "space_area_m2": "800", "workstations": 60, "workstation_public_area_m2": "700",
                "admitted_per_year": 25, "new_firms_per_year": 12, "funded_per_year": 5,
                "typical_cases_per_year": 3, "professional_staff": 3, "mentors": 3,
                "events_per_year": 12, "statistics_years": 2, "staff": 4 }}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "scheme_not_for_space_kind"), "{}", r.body);
    let mut bad = national_incubator();
    bad["resident_area_m2"] = json!("12000.51"); // more than the whole area
    let r =
        app.post(url, Some(&space), &json!({"scheme": "national_incubator", "figures": bad})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "figure_exceeds"));
    assert_eq!(app.count("certification_applications"), 0);

    let r = app
        .post(
            url,
            Some(&space),
            &json!({"scheme": "national_incubator", "figures": national_incubator()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "submitted");
    assert_eq!(r.body["eligible"], true);
    assert_eq!(r.body["scheme_name"], "国家级科技企业孵化器");
    assert_eq!(r.body["evaluation"]["met"], 15);
    assert_eq!(r.body["figures"]["space_area_m2"], "12000.5");
    let application = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            url,
            Some(&space),
            &json!({"scheme": "national_incubator", "figures": national_incubator()}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "application_open"));

    // Another space sees none of it; the reviewers' queue has it.
    app.register_space("cs_other").await;
    let other = app.token("cs_other").await;
    let one = format!("/api/v1/certification-applications/{application}");
    assert_eq!(app.get(&one, Some(&other)).await.status, 404);
    let r = app.get("/api/v1/certification-applications", Some(&other)).await;
    assert_eq!(r.body["total"], 0);
    let reviewer = app.staff_token("cs_reviewer", Role::Reviewer).await;
    let r = app.get("/api/v1/certification-applications?status=submitted", Some(&reviewer)).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["space_name"], "cs_inc孵化器");

    // A reviewer affiliated with the space may not decide.
    let admin = app.staff_token("cs_admin", Role::Admin).await;
    let conflicted_id = app.staff("cs_conflicted", Role::Reviewer);
    let conflicted = app.token("cs_conflicted").await;
    let r = app.get("/api/v1/space/profile", Some(&space)).await;
    assert_eq!(r.body["id"], space_id.as_str());
    let code = r.body["credit_code"].as_str().unwrap().to_string();
    let r = app
        .put(
            &format!("/api/v1/users/{conflicted_id}/affiliations"),
            Some(&admin),
            &json!({"credit_codes": [code]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let decide = format!("{one}/decision");
    let r = app.post(&decide, Some(&conflicted), &json!({"decision": "certify"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "reviewer_conflict_of_interest"));
    let r = app.post(&decide, Some(&reviewer), &json!({"decision": "refuse"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "required"));
    let tomorrow =
        hechuang::domain::china_time(app.clock.now() + Duration::days(1)).date().to_string();
    let r = app
        .post(&decide, Some(&reviewer), &json!({"decision": "certify", "certified_on": tomorrow}))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "date_in_future"));

    // Certified: support from the month after.
    let r = app.post(&decide, Some(&reviewer), &json!({"decision": "certify"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["application"]["status"], "certified");
    let cert = r.body["certification"].clone();
    assert_eq!(cert["status"], "active");
    assert_eq!(cert["level"], "national");
    assert_eq!(cert["certified_on"], today(&app).as_str());
    assert_eq!(cert["valid_until"], Value::Null);
    assert_eq!(cert["benefits"]["first"], month_after(&app).as_str());
    assert_eq!(cert["benefits"]["stops"], Value::Null);
    let cert_id = cert["id"].as_str().unwrap().to_string();
    let mail = app.outbox();
    let decided = mail.iter().find(|m| m.kind == "certification_decided").expect("decision email");
    assert_eq!(decided.to_address, "space@example.cn");
    assert!(decided.subject.contains("认定通过"), "{}", decided.subject);
    let r = app.post(&decide, Some(&reviewer), &json!({"decision": "refuse", "reason": "x"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "application_not_open"));
    let r = app
        .post(
            url,
            Some(&space),
            &json!({"scheme": "national_incubator", "figures": national_incubator()}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "already_certified"));

    // Public disclosure and the space's own list.
    let r = app.get("/api/v1/public/certifications", None).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["scheme_name"], "国家级科技企业孵化器");
    assert_eq!(r.body["items"][0]["status"], "active");
    assert_eq!(app.get("/api/v1/certifications", Some(&space)).await.body["total"], 1);
    assert_eq!(app.get("/api/v1/certifications", Some(&other)).await.body["total"], 0);

    // Revoked two months later: support stops from the month after.
    app.clock.advance(Duration::days(62));
    let reviewer = app.token("cs_reviewer").await;
    let revoke = format!("/api/v1/certifications/{cert_id}/revocation");
    let r = app.post(&revoke, Some(&reviewer), &json!({"reason": " "})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "required"));
    let r = app
        .post(
            &revoke,
            Some(&reviewer),
            &json!({"reason": "未报送统计数据", "revoked_on": "2001-01-01"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "date_before_certification"));
    let r =
        app.post(&revoke, Some(&reviewer), &json!({"reason": "连续两年未报送火炬统计数据"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "revoked");
    assert_eq!(r.body["revoked_on"], today(&app).as_str());
    assert_eq!(r.body["benefits"]["stops"], month_after(&app).as_str());
    assert!(app
        .outbox()
        .iter()
        .any(|m| m.kind == "certification_revoked" && m.subject.contains("已撤销")));
    let r = app.post(&revoke, Some(&reviewer), &json!({"reason": "again"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "certification_not_active"));
    let r = app.get("/api/v1/public/certifications", None).await;
    assert_eq!(r.body["items"][0]["status"], "revoked");
    let aud = app.staff_token("cs_auditor", Role::Auditor).await;
    let r = app.get("/api/v1/audit/verify", Some(&aud)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
    let r = app
        .get(
            &format!("/api/v1/audit/events?entity_type=certification&entity_id={cert_id}"),
            Some(&aud),
        )
        .await;
    let actions: Vec<&str> = r
        .body
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        actions.contains(&"certification.granted") && actions.contains(&"certification.revoked"),
        "{}",
        r.body
    );
}

#[actix_web::test]
async fn an_application_keeps_its_evaluation_and_only_an_eligible_one_is_certified() {
    let app = spawn_app().await;
    app.register_space("cs_young").await;
    let space = app.token("cs_young").await;
    // Operating for 35 whole months: one short of the national incubator's 3 years.
    let since = hechuang::domain::china_time(app.clock.now()).date() - chrono::Months::new(35);
    let mut figures = national_incubator();
    figures["operating_since"] = json!(since.to_string());
    let r = app
        .post(
            "/api/v1/space/certification-applications",
            Some(&space),
            &json!({"scheme": "national_incubator", "figures": figures}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["eligible"], false);
    let failing: Vec<&str> = r.body["evaluation"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["pass"] == false)
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["operating"]);
    let id = r.body["id"].as_str().unwrap().to_string();
    let evaluation = r.body["evaluation"].clone();

    // Two months on, the application still shows the evaluation of its day.
    app.clock.advance(Duration::days(62));
    let reviewer = app.staff_token("cs_rev2", Role::Reviewer).await;
    let one = format!("/api/v1/certification-applications/{id}");
    let r = app.get(&one, Some(&reviewer)).await;
    assert_eq!(r.body["evaluation"], evaluation);
    let r = app
        .post(&format!("{one}/decision"), Some(&reviewer), &json!({"decision": "certify"}))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "application_not_eligible"));
    let r = app
        .post(
            &format!("{one}/decision"),
            Some(&reviewer),
            &json!({"decision": "refuse", "reason": "运营未满 3 年"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["application"]["status"], "refused");
    assert_eq!(r.body["certification"], Value::Null);
    let email = app.outbox().into_iter().find(|m| m.kind == "certification_decided").unwrap();
    assert!(email.subject.contains("未通过"), "{}", email.subject);

    // A new application is evaluated as of its own day, and may be withdrawn once.
    let space = app.token("cs_young").await;
    let r = app
        .post(
            "/api/v1/space/certification-applications",
            Some(&space),
            &json!({"scheme": "national_incubator", "figures": figures}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["eligible"], true, "37 months now");
    let withdraw = format!(
        "/api/v1/space/certification-applications/{}/withdrawal",
        r.body["id"].as_str().unwrap()
    );
    let r = app.post(&withdraw, Some(&space), &json!({})).await;
    assert_eq!(r.body["status"], "withdrawn", "{}", r.body);
    let r = app.post(&withdraw, Some(&space), &json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "application_not_open"));
}
