//! The rule engine and the shipped schemes, tested.

use super::*;
use crate::domain::validation::FieldErrors;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};

/// The shipped catalogue and schemes, read the way the loader does.
fn shipped() -> CertificationPolicy {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/policy/certification");
    #[derive(Deserialize)]
    struct F {
        figures: Vec<FigureDef>,
    }
    let read = |p: std::path::PathBuf| std::fs::read_to_string(p).unwrap();
    let figures: F = toml::from_str(&read(dir.join("figures.toml"))).unwrap();
    let mut schemes = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().unwrap() != "figures.toml" {
            schemes.push(
                toml::from_str::<Scheme>(&read(p.clone()))
                    .unwrap_or_else(|e| panic!("{}: {e}", p.display())),
            );
        }
    }
    let p = CertificationPolicy { figures: figures.figures, schemes };
    p.validate().unwrap();
    p
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A national incubator that meets every criterion exactly at its figure.
fn at_the_line() -> Value {
    json!({
        "independent_legal_person": true,
        "operating_since": "2023-12-01",
        "statistics_years": 2,
        "space_area_m2": "10000",
        "resident_area_m2": "7500",
        "seed_fund_yuan": "5000000.00",
        "incubatees_ever": 80,
        "incubatees": 50,
        "incubatees_funded": 5,
        "seed_fund_investments": 3,
        "staff": 10,
        "professional_staff": 8,
        "mentors": 5,
        "incubatees_with_patent_applications": 25,
        "incubatees_with_valid_ip": 0,
        "graduated_total": 20,
    })
}

fn file(
    p: &CertificationPolicy,
    scheme: &str,
    v: Value,
    on: &str,
) -> Result<Evaluation, FieldErrors> {
    let scheme = p.scheme(scheme).unwrap();
    let mut e = FieldErrors::new();
    let f = check_figures(
        p,
        v.as_object().unwrap(),
        Some(&scheme.figures_required(p)),
        day(on),
        &mut e,
    );
    if e.is_empty() {
        Ok(evaluate(p, scheme, &f, day(on)))
    } else {
        Err(e)
    }
}

fn failing(ev: &Evaluation) -> Vec<&str> {
    ev.criteria.iter().filter(|c| c.pass == Some(false)).map(|c| c.id.as_str()).collect()
}

#[test]
fn graduation_conditions_follow_the_scheme_and_amounts_must_be_above() {
    let p = shipped();
    let national = p.scheme("national_incubator").unwrap().incubatees.clone().unwrap();
    let g = national.graduation.unwrap();
    let five_m = Decimal::from(5_000_000);
    assert!(g.check(Graduation::HighTechEnterprise, None).is_ok());
    assert_eq!(
        g.check(Graduation::Investment, Some(five_m)).unwrap_err().0.as_str(),
        "graduation_condition_unmet"
    );
    assert!(g.check(Graduation::Investment, Some(five_m + Decimal::new(1, 2))).is_ok());
    assert_eq!(
        g.check(Graduation::Investment, None).unwrap_err().0.as_str(),
        "graduation_amount_required"
    );
    assert_eq!(
        g.check(Graduation::TechInnovationEnterprise, None).unwrap_err().0.as_str(),
        "graduation_condition_not_in_scheme"
    );
    let prov = p.scheme("provincial_incubator").unwrap().incubatees.clone().unwrap();
    let g = prov.graduation.unwrap();
    assert!(g.check(Graduation::TechInnovationEnterprise, None).is_ok());
    assert!(g.check(Graduation::LastYearRevenue, Some(Decimal::from(3_000_001))).is_ok());
    assert!(g.check(Graduation::TwoYearRevenue, Some(Decimal::from(5_000_000))).is_err());
}

#[test]
fn a_criterion_that_does_not_apply_needs_no_figures() {
    let p = shipped();
    let s = p.scheme("provincial_maker_space").unwrap();
    let mut filed = serde_json::Map::new();
    assert!(s.figures_required_given(&p, &filed).contains("lease_years"));
    filed.insert("site_leased".into(), serde_json::Value::Bool(true));
    assert!(s.figures_required_given(&p, &filed).contains("lease_years"));
    filed.insert("site_leased".into(), serde_json::Value::Bool(false));
    let req = s.figures_required_given(&p, &filed);
    assert!(!req.contains("lease_years") && req.contains("site_leased"));
}

#[test]
fn every_shipped_scheme_loads_and_names_known_figures() {
    let p = shipped();
    let mut codes: Vec<&str> = p.schemes.iter().map(|s| s.code.as_str()).collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            "municipal_incubator",
            "municipal_maker_space",
            "national_incubator",
            "national_maker_space",
            "provincial_incubator",
            "provincial_maker_space",
            "shanghai_brand",
            "shanghai_international",
            "shanghai_professional",
            "zhejiang_maker_space"
        ]
    );
    for s in &p.schemes {
        for f in s.figures_required(&p) {
            assert!(p.figure(&f).is_some(), "{}: {f}", s.code);
        }
    }
}

#[test]
fn at_exactly_the_figure_every_criterion_is_met() {
    let p = shipped();
    let ev = file(&p, "national_incubator", at_the_line(), "2026-12-01").unwrap();
    assert!(ev.eligible, "{:#?}", failing(&ev));
    assert_eq!((ev.met, ev.not_met, ev.not_applicable), (15, 0, 0));
    let area = ev.criteria.iter().find(|c| c.id == "area").unwrap();
    assert_eq!(area.tests[0].required, "≥ 10000 m²");
    assert_eq!(area.tests[0].actual, "10000 m²");
    let share = ev.criteria.iter().find(|c| c.id == "resident_area_share").unwrap();
    assert_eq!(
        (share.tests[0].required.as_str(), share.tests[0].actual.as_str()),
        ("≥ 75%", "75%")
    );
    let density = ev.criteria.iter().find(|c| c.id == "density").unwrap();
    assert_eq!(density.tests[0].required, "每 1000 m² ≥ 3");
    assert_eq!(density.tests[0].actual, "每 1000 m² 5");
    // Operating since 2023-12-01: 36 whole months on 2026-12-01, 35 the day before.
    let ev = file(&p, "national_incubator", at_the_line(), "2026-11-30").unwrap();
    assert_eq!(failing(&ev), ["operating"]);
    assert!(!ev.eligible);
    assert!(ev.summary_zh.contains("注册并运营满 3 年"), "{}", ev.summary_zh);
}

#[test]
fn one_below_the_figure_fails_that_criterion_alone() {
    let p = shipped();
    let cases: &[(&str, Value, &str)] = &[
        ("space_area_m2", json!("9999.99"), "area"),
        ("resident_area_m2", json!("7499.99"), "resident_area_share"),
        ("seed_fund_yuan", json!("4999999.99"), "seed_fund"),
        ("incubatees_funded", json!(4), "funded_share"),
        ("seed_fund_investments", json!(2), "fund_cases"),
        ("professional_staff", json!(7), "professional_staff_share"),
        ("graduated_total", json!(19), "graduated"),
        ("statistics_years", json!(1), "statistics"),
        ("independent_legal_person", json!(false), "legal_person"),
    ];
    for (figure, value, criterion) in cases {
        let mut v = at_the_line();
        v[figure] = value.clone();
        let ev = file(&p, "national_incubator", v, "2026-12-01").unwrap();
        assert_eq!(failing(&ev), [*criterion], "{figure} = {value}");
    }
    // 51 incubatees need 5.1 mentors by the 1-per-10 rule: 5 is not enough.
    let mut v = at_the_line();
    v["incubatees"] = json!(51);
    v["incubatees_funded"] = json!(6);
    v["incubatees_with_patent_applications"] = json!(26);
    let ev = file(&p, "national_incubator", v.clone(), "2026-12-01").unwrap();
    assert_eq!(failing(&ev), ["mentors_per_incubatees"]);
    v["mentors"] = json!(6);
    assert!(file(&p, "national_incubator", v, "2026-12-01").unwrap().eligible);
}

#[test]
fn patents_or_ip_either_alternative_suffices() {
    let p = shipped();
    let ip = |patents: i64, ip: i64| {
        let mut v = at_the_line();
        v["incubatees_with_patent_applications"] = json!(patents);
        v["incubatees_with_valid_ip"] = json!(ip);
        let ev = file(&p, "national_incubator", v, "2026-12-01").unwrap();
        let c = ev.criteria.iter().find(|c| c.id == "ip").unwrap().clone();
        (c.pass, c.tests.iter().map(|t| t.pass).collect::<Vec<_>>())
    };
    assert_eq!(ip(25, 0), (Some(true), vec![true, false])); // 50% patents
    assert_eq!(ip(0, 15), (Some(true), vec![false, true])); // 30% IP
    assert_eq!(ip(24, 14), (Some(false), vec![false, false]));
    assert_eq!(ip(50, 50), (Some(true), vec![true, true]));

    // Maker space: 500 m² or 30 workstations; 10 new firms or 5 funded.
    let base = json!({
        "operating_since": "2025-06-01", "dedicated_operator": true,
        "space_area_m2": "400", "workstations": 30, "workstation_public_area_m2": "300",
        "admitted_per_year": 20, "new_firms_per_year": 0, "funded_per_year": 5,
        "typical_cases_per_year": 3, "professional_staff": 3, "mentors": 3,
        "events_per_year": 10, "statistics_years": 1, "staff": 3,
    });
    let ev = file(&p, "national_maker_space", base.clone(), "2026-12-01").unwrap();
    assert!(ev.eligible, "{:?}", failing(&ev));
    let mut v = base;
    v["workstations"] = json!(29);
    v["funded_per_year"] = json!(4);
    let ev = file(&p, "national_maker_space", v, "2026-12-01").unwrap();
    assert_eq!(failing(&ev), ["space", "outcomes"]);
}

fn provincial() -> Value {
    json!({
        "independent_legal_person": true, "operating_since": "2024-01-01",
        "statistics_years": 1, "space_area_m2": "3000", "resident_area_m2": "2100",
        "staff": 4, "professional_staff": 2, "mentors": 2,
        "incubatees_ever": 30, "incubatees": 15, "specialised_incubator": true,
        "incubatees_with_patent_applications": 5, "incubatees_with_valid_ip": 0,
        "graduated_total": 3, "region_certifies_municipal": false,
        "municipal_certified": false,
    })
}

#[test]
fn a_specialised_incubator_needs_15_incubatees_and_municipal_first_only_where_it_applies() {
    let p = shipped();
    let ev = file(&p, "provincial_incubator", provincial(), "2026-12-01").unwrap();
    assert!(ev.eligible, "{:?}", failing(&ev));
    assert_eq!(ev.not_applicable, 1, "no municipal certification in the region");
    let c = ev.criteria.iter().find(|c| c.id == "incubatees").unwrap();
    assert_eq!(c.tests[0].required, "≥ 15 家");
    let mut v = provincial();
    v["specialised_incubator"] = json!(false);
    let ev = file(&p, "provincial_incubator", v, "2026-12-01").unwrap();
    assert_eq!(failing(&ev), ["incubatees"], "a general one needs 20");
    let mut v = provincial();
    v["region_certifies_municipal"] = json!(true);
    let ev = file(&p, "provincial_incubator", v, "2026-12-01").unwrap();
    assert_eq!(failing(&ev), ["municipal_first"]);
    // A professional maker space needs 1,000 m²; a lease counts only when leased.
    let space = json!({
        "registered_in_province": true, "operating_since": "2025-01-01",
        "resident_firms": 10, "resident_teams": 15, "space_area_m2": "800",
        "professional_space": false, "site_leased": false, "lease_years": 1,
        "public_area_m2": "120", "staff": 5, "seed_fund_yuan": "1",
    });
    let ev = file(&p, "provincial_maker_space", space.clone(), "2026-12-01").unwrap();
    assert!(ev.eligible, "{:?}", failing(&ev));
    let mut v = space;
    v["professional_space"] = json!(true);
    v["site_leased"] = json!(true);
    let ev = file(&p, "provincial_maker_space", v, "2026-12-01").unwrap();
    assert_eq!(failing(&ev), ["area", "lease"]);
}

#[test]
fn incubation_limits_by_field() {
    let p = shipped();
    let r = p.scheme("national_incubator").unwrap().incubatees.clone().unwrap();
    assert_eq!(r.max_age_months_at_entry, Some(24));
    assert_eq!(r.limit_months("software_it"), 48);
    for field in ["biomedicine", "modern_agriculture", "integrated_circuits"] {
        assert_eq!(r.limit_months(field), 60, "{field}");
    }
    let prov = p.scheme("provincial_incubator").unwrap().incubatees.clone();
    assert_eq!(
        prov.map(|r| (r.max_age_months_at_entry, r.limit_months("biomedicine"))),
        Some((Some(36), 60))
    );
}

fn codes(e: &FieldErrors) -> Vec<(String, String)> {
    e.0.iter().map(|f| (f.field.clone(), f.code.to_string())).collect()
}

#[test]
fn figures_that_cannot_be_true_are_refused_field_by_field() {
    let p = shipped();
    let mut v = at_the_line();
    v["space_area_m2"] = json!("-1");
    v["graduated_total"] = json!(81); // more than ever registered (80)
    v["operating_since"] = json!("2026-12-02");
    v["seed_fund_yuan"] = json!("1.001");
    v["incubatees_funded"] = json!(2.5); // a JSON fraction
    v["mentors"] = json!("5.5"); // a count
    v["unheard_of"] = json!(1);
    v.as_object_mut().unwrap().remove("staff");
    let e = file(&p, "national_incubator", v, "2026-12-01").unwrap_err();
    let mut got = codes(&e);
    got.sort();
    let want = [
        ("figures.graduated_total", "figure_exceeds"),
        ("figures.incubatees_funded", "figure_invalid"),
        ("figures.mentors", "figure_too_precise"),
        ("figures.operating_since", "date_in_future"),
        ("figures.seed_fund_yuan", "figure_too_precise"),
        ("figures.space_area_m2", "figure_negative"),
        ("figures.staff", "figure_required"),
        ("figures.unheard_of", "figure_unknown"),
    ];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec());
    // Percentages stop at 100; a part cannot exceed its whole.
    let mut v = json!({
        "independent_legal_person": true, "registered_in_city": true,
        "operating_since": "2025-01-01", "partner_institutions": 10,
        "staff": 10, "professional_staff": 10, "mentors": 20, "specialist_mentors": 21,
        "mentoring_sessions_per_year": 50, "typical_cases_per_year": 10,
        "admitted_per_year": 20, "industry_concentration_pct": "100.01",
        "incubatees_ever": 25, "incubatees": 10, "incubatees_with_valid_ip": 3,
        "funded_per_year": 5,
    });
    let e = file(&p, "shanghai_professional", v.clone(), "2026-12-01").unwrap_err();
    assert_eq!(
        codes(&e),
        [
            ("figures.industry_concentration_pct".to_string(), "percent_above_100".to_string()),
            ("figures.specialist_mentors".to_string(), "figure_exceeds".to_string())
        ]
    );
    v["industry_concentration_pct"] = json!("70");
    v["specialist_mentors"] = json!(10);
    let ev = file(&p, "shanghai_professional", v, "2026-12-01").unwrap();
    assert!(ev.eligible, "{:?}", failing(&ev));
}

#[test]
fn a_scheme_that_does_not_hold_together_is_refused_at_load() {
    let mut p = shipped();
    let good = p.clone();
    p.schemes[0].criteria[0].test.as_mut().unwrap().figure = Some("nowhere".into());
    assert!(p.validate().unwrap_err().contains("unknown figure nowhere"));
    let mut p = good.clone();
    let c = &mut p.schemes[0].criteria[0];
    c.any_of = vec![c.test.clone().unwrap()];
    assert!(p.validate().is_err(), "a test and any_of at once");
    let mut p = good.clone();
    let dup = p.schemes[0].criteria[0].clone();
    p.schemes[0].criteria.push(dup);
    assert!(p.validate().unwrap_err().contains("defined twice"));
    let mut p = good;
    let t = Test {
        figure: Some("space_area_m2".into()),
        ratio: None,
        per: None,
        percent: false,
        months_since: None,
        op: Op::AtLeast,
        value: Some("many".into()),
        when: vec![],
        unit_zh: None,
        unit_en: None,
    };
    p.schemes[0].criteria[0].test = Some(t);
    assert!(p.validate().unwrap_err().contains("not a number"));
}

#[test]
fn benefits_start_the_month_after_and_stop_the_month_after_revocation() {
    use crate::domain::settlement::Period;
    let p = |s: &str| Period::parse(s).unwrap();
    let w = BenefitWindow::of(day("2026-12-10"), None, None);
    assert!(!w.covers(p("2026-12")), "not in the month of certification");
    assert!(w.covers(p("2027-01")) && w.covers(p("2040-06")));
    let w = BenefitWindow::of(day("2026-12-10"), None, Some(day("2027-03-15")));
    assert!(w.covers(p("2027-03")), "the month of revocation still counts");
    assert!(!w.covers(p("2027-04")) && !w.covers(p("2028-01")));
    assert_eq!(w.stops, Some(p("2027-04")));
    // Valid for 3 years: the last day is the day before the third anniversary.
    let until = valid_until(day("2026-12-10"), Some(3)).unwrap();
    assert_eq!(until, day("2029-12-09"));
    let w = BenefitWindow::of(day("2026-12-10"), Some(until), None);
    assert!(w.covers(p("2029-12")) && !w.covers(p("2030-01")));
    assert_eq!(valid_until(day("2026-12-10"), None), None);
    // Revoked in December: benefits stop from January.
    let w = BenefitWindow::of(day("2025-01-01"), None, Some(day("2026-12-31")));
    assert_eq!(w.stops, Some(p("2027-01")));
}

#[test]
fn whole_months() {
    assert_eq!(months_between(day("2023-12-01"), day("2026-12-01")), 36);
    assert_eq!(months_between(day("2023-12-01"), day("2026-11-30")), 35);
    assert_eq!(months_between(day("2026-01-31"), day("2026-02-28")), 0);
    assert_eq!(months_between(day("2026-01-31"), day("2026-03-31")), 2);
}

#[test]
fn a_zero_denominator_fails_rather_than_divides() {
    let p = shipped();
    let mut v = at_the_line();
    v["incubatees"] = json!(0);
    v["incubatees_funded"] = json!(0);
    v["incubatees_with_patent_applications"] = json!(0);
    let ev = file(&p, "national_incubator", v, "2026-12-01").unwrap();
    let c = ev.criteria.iter().find(|c| c.id == "funded_share").unwrap();
    assert_eq!((c.pass, c.tests[0].actual.as_str()), (Some(false), "0 / 0"));
}
