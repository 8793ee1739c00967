//! Certification schemes as data and the rule engine, at the HTTP boundary.

use crate::helpers::spawn_app;
use chrono::Duration;
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
    assert_eq!(r.body.as_array().unwrap().len(), 8, "{}", r.body);
    let r = app
        .get(
            "/api/v1/policy/certification-schemes/provincial_incubator",
            None,
        )
        .await;
    assert_eq!(r.body["level"], "provincial");
    let incubatees = r.body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "incubatees")
        .unwrap()
        .clone();
    assert_eq!(incubatees["test"]["when"][0]["value"], "15", "{incubatees}");
    let r = app
        .get("/api/v1/policy/certification-schemes/no_such_scheme", None)
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "not_found"));
    let r = app.get("/api/v1/policy/certification-figures", None).await;
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "space_area_m2" && f["kind"] == "area"));

    let url = "/api/v1/policy/certification-schemes/national_incubator/evaluation";
    let r = app
        .post(url, None, &json!({ "figures": national_incubator() }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["eligible"], true, "{}", r.body);
    assert_eq!(r.body["met"], 15);
    let ip = r.body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "ip")
        .unwrap()
        .clone();
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
    let tomorrow = hechuang::domain::china_time(app.clock.now() + Duration::days(1))
        .date()
        .to_string();
    let mut figures = national_incubator();
    figures["space_area_m2"] = json!("-10");
    figures["graduated_total"] = json!(141);
    figures["operating_since"] = json!(tomorrow);
    let r = app.post(url, None, &json!({ "figures": figures })).await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "validation_failed"),
        "{}",
        r.body
    );
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
    let r = app
        .post(url, None, &json!({ "figures": { "floor": 1 } }))
        .await;
    assert_eq!(r.status, 422);
    let codes: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"figure_unknown") && codes.contains(&"figure_required"));
    let r = app.post(url, None, &json!({ "figures": [1, 2] })).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_json"));
}
