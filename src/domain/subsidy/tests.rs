use super::*;
use crate::domain::id::CertificationId;

fn policy(upgrade: UpgradeRule) -> SubsidyPolicyDef {
    SubsidyPolicyDef {
        code: "award".into(),
        name_zh: "奖励".into(),
        name_en: "award".into(),
        purpose: "carrier_certification_award".into(),
        basis: SubsidyBasis::Certification,
        schemes: vec!["ni".into(), "pi".into(), "mi".into()],
        amounts: [("national", 1_000_000), ("provincial", 500_000), ("municipal", 100_000)]
            .into_iter()
            .map(|(l, y)| (l.to_string(), Fen::new(y * 100)))
            .collect(),
        amount: None,
        upgrade,
        on_duplicate: DuplicateRule::Flag,
        suspend_without_statistics: false,
        enabled: true,
        source: String::new(),
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
fn p(s: &str) -> Period {
    Period::parse(s).unwrap()
}

fn cert(id: &str, scheme: &str, level: SchemeLevel, on: &str, revoked: Option<&str>) -> CertFact {
    CertFact {
        id: CertificationId::stored(id.into()),
        scheme: scheme.into(),
        level,
        window: BenefitWindow::of(d(on), None, revoked.map(d)),
    }
}

fn prior(due: &[Due]) -> Vec<Prior> {
    due.iter()
        .map(|x| Prior {
            period: x.period.clone(),
            level: x.level,
            amount: x.amount,
            rejected: false,
        })
        .collect()
}

#[test]
fn an_award_is_due_the_month_after_certification_and_once() {
    let pol = policy(UpgradeRule::Difference);
    let certs = [cert("c1", "pi", SchemeLevel::Provincial, "2027-03-15", None)];
    assert!(certification_awards(&pol, &certs, &[], p("2027-03")).is_empty());
    let due = certification_awards(&pol, &certs, &[], p("2027-04"));
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].period, "2027-04");
    assert_eq!(due[0].amount, Fen::new(50_000_000));
    // A later run finds it made.
    assert!(certification_awards(&pol, &certs, &prior(&due), p("2027-09")).is_empty());
}

#[test]
fn an_upgrade_pays_the_difference_and_the_same_level_is_never_paid_twice() {
    let pol = policy(UpgradeRule::Difference);
    let mut certs = vec![cert("c1", "pi", SchemeLevel::Provincial, "2027-03-15", None)];
    let first = certification_awards(&pol, &certs, &[], p("2027-04"));
    certs.push(cert("c2", "ni", SchemeLevel::National, "2028-06-01", None));
    let up = certification_awards(&pol, &certs, &prior(&first), p("2028-07"));
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].amount, Fen::new(50_000_000), "1,000,000 less 500,000");
    assert_eq!(up[0].level, Some(SchemeLevel::National));
    let mut all = prior(&first);
    all.extend(prior(&up));
    // Certified provincial again (after a revocation): nothing.
    certs.push(cert("c3", "pi", SchemeLevel::Provincial, "2029-01-10", None));
    assert!(certification_awards(&pol, &certs, &all, p("2030-01")).is_empty());
    // Full: the higher level in full; none: nothing after the first.
    let full =
        certification_awards(&policy(UpgradeRule::Full), &certs[..2], &prior(&first), p("2028-07"));
    assert_eq!(full[0].amount, Fen::new(100_000_000));
    assert!(certification_awards(
        &policy(UpgradeRule::Nothing),
        &certs[..2],
        &prior(&first),
        p("2028-07")
    )
    .is_empty());
    // A rejected award does not count as paid, but its month is not made again.
    let rejected: Vec<Prior> =
        prior(&first).into_iter().map(|x| Prior { rejected: true, ..x }).collect();
    let again = certification_awards(&pol, &certs[..2], &rejected, p("2028-07"));
    assert_eq!(again[0].amount, Fen::new(100_000_000));
    assert!(certification_awards(&pol, &certs[..1], &rejected, p("2028-07")).is_empty());
}

#[test]
fn a_certification_revoked_before_benefits_start_earns_nothing() {
    let pol = policy(UpgradeRule::Difference);
    // Revoked within the month of certification: benefits would start, and stop, in April.
    let certs = [cert("c1", "pi", SchemeLevel::Provincial, "2027-03-05", Some("2027-03-20"))];
    assert!(certification_awards(&pol, &certs, &[], p("2027-12")).is_empty());
    // Revoked in April: April is covered, the award stands.
    let certs = [cert("c1", "pi", SchemeLevel::Provincial, "2027-03-05", Some("2027-04-02"))];
    assert_eq!(certification_awards(&pol, &certs, &[], p("2027-12")).len(), 1);
}

#[test]
fn yearly_subsidies_count_the_months_in_force_and_stop_after_revocation() {
    let mut pol = policy(UpgradeRule::Difference);
    pol.basis = SubsidyBasis::Yearly;
    pol.amounts.insert("provincial".into(), Fen::new(12_000_000));
    // Certified 2027-03-15: April–December 2027 (9 months); revoked 2028-05-10:
    // January–May 2028 (5 months), nothing after.
    let certs = [cert("c1", "pi", SchemeLevel::Provincial, "2027-03-15", Some("2028-05-10"))];
    let filed = |_: i32| true;
    let (due, held) = yearly_subsidies(&pol, &certs, &[], p("2027-12"), &filed);
    assert!(due.is_empty() && held.is_empty(), "2027 is not over");
    let (due, _) = yearly_subsidies(&pol, &certs, &[], p("2030-01"), &filed);
    let got: Vec<(&str, i64)> = due.iter().map(|x| (x.period.as_str(), x.amount.get())).collect();
    assert_eq!(got, vec![("2027", 9_000_000), ("2028", 5_000_000)]);
    // Suspended without the year's statistics.
    pol.suspend_without_statistics = true;
    let (due, held) =
        yearly_subsidies(&pol, &certs, &prior(&due[..1]), p("2030-01"), &|y| y != 2028);
    assert!(due.is_empty());
    assert_eq!(held[0].period, "2028");
    // Rounded down to the fen: 100,000.01 a year for 1 month.
    pol.amounts.insert("provincial".into(), Fen::new(10_000_001));
    pol.suspend_without_statistics = false;
    let one = [cert("c1", "pi", SchemeLevel::Provincial, "2027-11-15", Some("2027-12-31"))];
    let (due, _) = yearly_subsidies(&pol, &one, &[], p("2028-01"), &filed);
    assert_eq!(due[0].amount, Fen::new(833_333));
}

#[test]
fn an_expired_certification_produces_nothing_for_a_later_month() {
    let mut pol = policy(UpgradeRule::Difference);
    pol.basis = SubsidyBasis::Yearly;
    pol.amounts.insert("provincial".into(), Fen::new(12_000_000));
    // Valid for one year from 2027-03-15: to 2028-03-14; benefits April 2027 to
    // March 2028, nothing from April 2028.
    let until = crate::domain::certification::valid_until(d("2027-03-15"), Some(1));
    assert_eq!(until, Some(d("2028-03-14")));
    let certs = [CertFact {
        id: CertificationId::stored("c1".into()),
        scheme: "pi".into(),
        level: SchemeLevel::Provincial,
        window: BenefitWindow::of(d("2027-03-15"), until, None),
    }];
    let (due, _) = yearly_subsidies(&pol, &certs, &[], p("2031-01"), &|_| true);
    let got: Vec<(&str, i64)> = due.iter().map(|x| (x.period.as_str(), x.amount.get())).collect();
    assert_eq!(got, vec![("2027", 9_000_000), ("2028", 3_000_000)]);
    // A one-time award for a certification that expired before its first month:
    // nothing (valid_until before the month after certification cannot happen with
    // whole years, so the window is built directly).
    let gone = [CertFact {
        id: CertificationId::stored("c2".into()),
        scheme: "pi".into(),
        level: SchemeLevel::Provincial,
        window: BenefitWindow::of(d("2027-03-15"), Some(d("2027-03-31")), None),
    }];
    let award = policy(UpgradeRule::Difference);
    assert!(certification_awards(&award, &gone, &[], p("2027-12")).is_empty());
}

#[test]
fn overdue_statistics_count_years_certified_after_their_deadline() {
    let rules = StatisticsRules { deadline: "03-31".into(), figures: vec![] };
    let w = [BenefitWindow::of(d("2027-03-15"), None, None)];
    assert!(overdue_statistics(&rules, &w, &|_| false, d("2028-03-31")).is_empty());
    assert_eq!(overdue_statistics(&rules, &w, &|_| false, d("2028-04-01")), vec![2027]);
    assert!(overdue_statistics(&rules, &w, &|_| true, d("2029-06-01")).is_empty());
    assert_eq!(overdue_statistics(&rules, &w, &|y| y == 2027, d("2029-06-01")), vec![2028]);
}

#[test]
fn grant_periods_overlap_inclusively() {
    assert!(overlaps((d("2027-01-01"), d("2027-12-31")), (d("2027-12-31"), d("2028-12-31"))));
    assert!(!overlaps((d("2027-01-01"), d("2027-12-31")), (d("2028-01-01"), d("2028-12-31"))));
}

fn figs(pairs: &[(&str, i64)]) -> Figures {
    Figures(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), FigureValue::Number(Decimal::from(*v))))
            .collect(),
    )
}

#[test]
fn scores_normalise_weigh_cap_special_cases_and_rank() {
    let rules = AwardRules {
        policy: "zj".into(),
        schemes: vec![],
        top_n: 2,
        title_zh: "省级优秀众创空间".into(),
        title_years: 3,
        cumulative_share: Decimal::new(5, 1),
        indicators: vec![
            Indicator { figure: "a".into(), weight: Decimal::ONE },
            Indicator { figure: "b".into(), weight: Decimal::ONE },
        ],
        special_cases_figure: "s".into(),
        points_per_special_case: Decimal::ONE,
        max_special_points: Decimal::from(5),
    };
    let f = |id: &str, cc: &str, this: Figures, last: Option<Figures>, holds| Filed {
        space_id: crate::domain::id::SpaceId::stored(id.into()),
        credit_code: cc.into(),
        this_year: this,
        last_year: last,
        holds_title: holds,
    };
    let spaces = [
        // Best totals, no growth: cumulative 100, increase 0 → 50 + 2 cases.
        f(
            "x",
            "1",
            figs(&[("a", 100), ("b", 50), ("s", 2)]),
            Some(figs(&[("a", 100), ("b", 50)])),
            false,
        ),
        // Half the totals, all the growth: 50 × .5 + 100 × .5 = 75, 9 cases capped at 5.
        f(
            "y",
            "2",
            figs(&[("a", 50), ("b", 25), ("s", 9)]),
            Some(figs(&[("a", 0), ("b", 0)])),
            true,
        ),
        // No last year: increase zero → 25.
        f("z", "3", figs(&[("a", 50), ("b", 25)]), None, false),
    ];
    let s = score(&rules, &spaces);
    let order: Vec<(&str, String)> =
        s.iter().map(|x| (x.space_id.as_str(), x.total.normalize().to_string())).collect();
    assert_eq!(order, vec![("y", "80".into()), ("x", "52".into()), ("z", "25".into())]);
    assert!(s[0].winner && !s[0].awarded, "a title holder is ranked but not paid");
    assert!(s[1].winner && s[1].awarded);
    assert!(!s[2].winner && s[2].no_previous_year);
    assert_eq!(s[0].special_points, Decimal::from(5));
    assert_eq!(s[0].indicators[0].increase, Decimal::from(50));
}
