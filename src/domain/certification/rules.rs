//! The rule engine: each criterion of a scheme evaluated against the filed figures on a
//! day, with what was required and what was found, in both languages.

use super::*;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One test's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TestResult {
    /// The requirement, e.g. "≥ 10000 m²", "≥ 75%", "每 1000 m² ≥ 3".
    pub required: String,
    /// What the figures give, e.g. "12000.5 m²", "80%", "3.5".
    pub actual: String,
    pub pass: bool,
    /// The requirement in English, e.g. "≥ 3 per 1000 m²" (empty in an evaluation kept
    /// before English was given).
    #[serde(default)]
    pub required_en: String,
    /// What the figures give, in English.
    #[serde(default)]
    pub actual_en: String,
}

/// One criterion's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CriterionResult {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// True when met, false when not, null when not applicable (`only_if` not set).
    pub pass: Option<bool>,
    /// For one test, its outcome; for "A or B", one per alternative.
    pub tests: Vec<TestResult>,
}

/// An application's evaluation, as it was on `evaluated_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Evaluation {
    pub scheme: String,
    pub evaluated_on: NaiveDate,
    /// Every criterion met (or not applicable).
    pub eligible: bool,
    pub met: usize,
    pub not_met: usize,
    pub not_applicable: usize,
    pub criteria: Vec<CriterionResult>,
    pub summary_zh: String,
    pub summary_en: String,
}

fn show(d: Decimal) -> String {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

fn run_test(
    policy: &CertificationPolicy,
    t: &Test,
    figures: &Figures,
    on: NaiveDate,
) -> TestResult {
    let missing = || TestResult {
        required: String::new(),
        actual: "未填报".into(),
        pass: false,
        required_en: String::new(),
        actual_en: "not reported".into(),
    };
    let kind_of = |id: &str| policy.figure(id).map(|f| f.kind);
    let unit = |id: &str| {
        t.unit_zh.clone().map_or_else(
            || kind_of(id).map_or("", FigureKind::unit_zh).to_string(),
            |u| format!(" {u}"),
        )
    };
    let unit_en = |id: &str| match (&t.unit_en, &t.unit_zh) {
        (Some(u), _) => format!(" {u}"),
        // A Chinese counter has no English word: the number alone.
        (None, Some(_)) => String::new(),
        (None, None) => kind_of(id).map_or("", FigureKind::unit_en).to_string(),
    };
    if t.op == Op::IsTrue {
        let Some(id) = &t.figure else {
            return missing();
        };
        return match figures.0.get(id) {
            Some(FigureValue::Bool(b)) => TestResult {
                required: "是".into(),
                actual: if *b { "是" } else { "否" }.into(),
                pass: *b,
                required_en: "yes".into(),
                actual_en: if *b { "yes" } else { "no" }.into(),
            },
            _ => missing(),
        };
    }
    let threshold = t
        .when
        .iter()
        .find(|w| figures.flag(&w.figure))
        .map(|w| w.value.as_str())
        .or(t.value.as_deref())
        .and_then(decimal)
        .unwrap_or_default();
    let sym = t.op.symbol();
    if let Some(id) = &t.figure {
        let (u, ue) = (unit(id), unit_en(id));
        let Some(v) = figures.number(id) else {
            return missing();
        };
        return TestResult {
            required: format!("{sym} {}{u}", show(threshold)),
            actual: format!("{}{u}", show(v)),
            pass: t.op.holds(v.cmp(&threshold)),
            required_en: format!("{sym} {}{ue}", show(threshold)),
            actual_en: format!("{}{ue}", show(v)),
        };
    }
    if let Some(id) = &t.months_since {
        let Some(FigureValue::Date(d)) = figures.0.get(id) else {
            return missing();
        };
        let m = Decimal::from(months_between(*d, on));
        return TestResult {
            required: format!("{sym} {} 个月", show(threshold)),
            actual: format!("{} 个月（自 {d}）", show(m)),
            pass: t.op.holds(m.cmp(&threshold)),
            required_en: format!("{sym} {} months", show(threshold)),
            actual_en: format!("{} months (since {d})", show(m)),
        };
    }
    let Some([n, dn]) = &t.ratio else {
        return missing();
    };
    let (Some(num), Some(den)) = (figures.number(n), figures.number(dn)) else {
        return missing();
    };
    // Chinese says the base first (每 1000 m² ≥ 3), English after (≥ 3 per 1000 m²).
    let (scale, prefix, suffix, suffix_en) = match (&t.per, t.percent) {
        (_, true) => (Decimal::ONE_HUNDRED, String::new(), "%".to_string(), "%".to_string()),
        (Some(p), false) => {
            let p = decimal(p).unwrap_or(Decimal::ONE);
            (
                p,
                format!("每 {} {} ", show(p), unit(dn).trim()),
                String::new(),
                format!(" per {}{}", show(p), unit_en(dn)).trim_end().to_string(),
            )
        }
        (None, false) => (Decimal::ONE, String::new(), String::new(), String::new()),
    };
    let required = format!("{prefix}{sym} {}{suffix}", show(threshold));
    let required_en = format!("{sym} {}{suffix_en}", show(threshold));
    if den.is_zero() {
        return TestResult {
            required,
            actual: format!("{} / 0", show(num)),
            pass: false,
            required_en,
            actual_en: format!("{} / 0", show(num)),
        };
    }
    // num / den × scale ⋚ threshold, without dividing.
    let (lhs, rhs) = match (num.checked_mul(scale), threshold.checked_mul(den)) {
        (Some(l), Some(r)) => (l, r),
        _ => return missing(),
    };
    TestResult {
        required,
        actual: format!("{prefix}{}{suffix}", show(lhs / den)),
        pass: t.op.holds(lhs.cmp(&rhs)),
        required_en,
        actual_en: format!("{}{suffix_en}", show(lhs / den)),
    }
}

/// Evaluates `figures` against `scheme` on the day `on`: every criterion with what it
/// requires, what the figures give and whether it is met.
pub fn evaluate(
    policy: &CertificationPolicy,
    scheme: &Scheme,
    figures: &Figures,
    on: NaiveDate,
) -> Evaluation {
    let mut criteria = Vec::with_capacity(scheme.criteria.len());
    let (mut met, mut not_met, mut na) = (0, 0, 0);
    for c in &scheme.criteria {
        let applies = c.only_if.as_ref().is_none_or(|f| figures.flag(f));
        let tests: Vec<TestResult> =
            c.test.iter().chain(&c.any_of).map(|t| run_test(policy, t, figures, on)).collect();
        let pass = if !applies {
            na += 1;
            None
        } else if tests.iter().any(|t| t.pass) {
            met += 1;
            Some(true)
        } else {
            not_met += 1;
            Some(false)
        };
        criteria.push(CriterionResult {
            id: c.id.clone(),
            name_zh: c.name_zh.clone(),
            name_en: c.name_en.clone(),
            pass,
            tests,
        });
    }
    let eligible = not_met == 0;
    let failing: Vec<&str> =
        criteria.iter().filter(|c| c.pass == Some(false)).map(|c| c.name_zh.as_str()).collect();
    let summary_zh = if eligible {
        format!(
            "符合{}全部 {} 项条件{}",
            scheme.name_zh,
            met,
            if na > 0 { format!("（{na} 项不适用）") } else { String::new() }
        )
    } else {
        format!("{} 项条件中 {} 项未达到：{}", met + not_met, not_met, failing.join("；"))
    };
    let summary_en = if eligible {
        format!("Meets all {met} criteria of {} ({na} not applicable)", scheme.name_en)
    } else {
        format!("{not_met} of {} criteria not met", met + not_met)
    };
    Evaluation {
        scheme: scheme.code.clone(),
        evaluated_on: on,
        eligible,
        met,
        not_met,
        not_applicable: na,
        criteria,
        summary_zh,
        summary_en,
    }
}
