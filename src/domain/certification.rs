//! Certification of carriers (孵化器、众创空间认定/备案): schemes as data, the figures a
//! space files, and the rule engine that evaluates an application criterion by
//! criterion. Pure: the schemes come from `config/policy/certification/`, the figures
//! from the application, the day from the caller.
//!
//! A criterion compares one figure, a ratio of two figures, or the months since a date
//! figure with a threshold; "A or B" criteria list alternatives (`any_of`). A criterion
//! may use another threshold when a yes/no figure is set (`when`: a specialised
//! incubator needs 15 incubatees, not 20) or apply only when one is (`only_if`: a lease
//! of 5 years only for a leased site). Comparisons are exact: a ratio num/den ≥ v is
//! tested as num × scale ≥ v × den, so "≥" is met at exactly the figure.

use super::validation::FieldErrors;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

super::text_enum! {
    /// How a figure is given and checked.
    pub enum FigureKind {
        /// Yes or no.
        Bool => "bool",
        /// A whole number ≥ 0 (firms, staff, events, years).
        Count => "count",
        /// Square metres ≥ 0, at most 2 decimals.
        Area => "area",
        /// Yuan ≥ 0, at most 2 decimals.
        Money => "money",
        /// 0–100, at most 2 decimals.
        Percent => "percent",
        /// A day, `YYYY-MM-DD`, not in the future.
        Date => "date",
    }
}

impl FigureKind {
    fn unit_zh(self) -> &'static str {
        match self {
            FigureKind::Bool | FigureKind::Date | FigureKind::Count => "",
            FigureKind::Area => " m²",
            FigureKind::Money => " 元",
            FigureKind::Percent => "%",
        }
    }
    fn unit_en(self) -> &'static str {
        match self {
            FigureKind::Money => " yuan",
            k => k.unit_zh(),
        }
    }
    fn numeric(self) -> bool {
        matches!(
            self,
            FigureKind::Count | FigureKind::Area | FigureKind::Money | FigureKind::Percent
        )
    }
}

/// One figure a space may file (`figures.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FigureDef {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: FigureKind,
    /// The figure cannot exceed this other figure (incubatees' area within the whole
    /// area; graduates within every incubatee ever registered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<String>,
}

/// A comparison of an actual value with a required one, written as in the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Op {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "<")]
    Below,
    #[serde(rename = "==")]
    Equal,
    /// A yes/no figure that must be yes.
    #[serde(rename = "is_true")]
    IsTrue,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::AtLeast => "≥",
            Op::Above => ">",
            Op::AtMost => "≤",
            Op::Below => "<",
            Op::Equal => "=",
            Op::IsTrue => "",
        }
    }
    fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Op::AtLeast => ord != Less,
            Op::Above => ord == Greater,
            Op::AtMost => ord != Greater,
            Op::Below => ord == Less,
            Op::Equal => ord == Equal,
            Op::IsTrue => false,
        }
    }
}

/// What a test measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Test {
    /// A figure, compared as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figure: Option<String>,
    /// Numerator and denominator figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<[String; 2]>,
    /// For a ratio: the threshold is per this many of the denominator (per 1,000 m²:
    /// `per = "1000"`; per 10 incubatees: `per = "10"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// For a ratio: the threshold is a percentage (`value = "75"` means 75%).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub percent: bool,
    /// Whole months from this date figure to the day of evaluation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months_since: Option<String>,
    pub op: Op,
    /// The threshold (absent for `is_true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Another threshold while a yes/no figure is yes (first match wins).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Override>,
    /// Unit shown after a figure's value where its kind gives none (e.g. "个", "名").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_zh: Option<String>,
    /// The unit in English where it has one ("years"); a Chinese counter such as 个 or
    /// 家 has none, and the English shows the number alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_en: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// A yes/no figure.
    pub figure: String,
    pub value: String,
}

/// One criterion of a scheme: a test, or alternatives of which one must hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "CriterionFile")]
pub struct Criterion {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// Applies only when this yes/no figure is yes; otherwise it is not applicable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_if: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<Test>,
    /// "A or B": met when any alternative is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Test>,
}

/// A criterion as written in a scheme file: a single test's fields sit beside the
/// criterion's own (`figure = …, op = …, value = …`), or `any_of` lists alternatives
/// (or, as stored with an application, `test` holds the single test).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CriterionFile {
    id: String,
    name_zh: String,
    name_en: String,
    #[serde(default)]
    only_if: Option<String>,
    #[serde(default)]
    any_of: Vec<Test>,
    #[serde(default)]
    test: Option<Test>,
    #[serde(default)]
    figure: Option<String>,
    #[serde(default)]
    ratio: Option<[String; 2]>,
    #[serde(default)]
    per: Option<String>,
    #[serde(default)]
    percent: bool,
    #[serde(default)]
    months_since: Option<String>,
    #[serde(default)]
    op: Option<Op>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    when: Vec<Override>,
    #[serde(default)]
    unit_zh: Option<String>,
    #[serde(default)]
    unit_en: Option<String>,
}

impl TryFrom<CriterionFile> for Criterion {
    type Error = String;
    fn try_from(f: CriterionFile) -> Result<Self, String> {
        let inline = match f.op {
            Some(op) => Some(Test {
                figure: f.figure,
                ratio: f.ratio,
                per: f.per,
                percent: f.percent,
                months_since: f.months_since,
                op,
                value: f.value,
                when: f.when,
                unit_zh: f.unit_zh,
                unit_en: f.unit_en,
            }),
            None if f.figure.is_some()
                || f.ratio.is_some()
                || f.months_since.is_some()
                || f.value.is_some() =>
            {
                return Err(format!("criterion {}: a test needs an op", f.id))
            }
            None => None,
        };
        if inline.is_some() && f.test.is_some() {
            return Err(format!("criterion {}: the test is given twice", f.id));
        }
        Ok(Criterion {
            id: f.id,
            name_zh: f.name_zh,
            name_en: f.name_en,
            only_if: f.only_if,
            test: inline.or(f.test),
            any_of: f.any_of,
        })
    }
}

super::text_enum! {
    pub enum SchemeLevel {
        National => "national",
        Provincial => "provincial",
        Municipal => "municipal",
    }
}

impl SchemeLevel {
    /// Municipal 1, provincial 2, national 3: a higher level outranks a lower one.
    pub fn rank(self) -> u8 {
        match self {
            SchemeLevel::Municipal => 1,
            SchemeLevel::Provincial => 2,
            SchemeLevel::National => 3,
        }
    }
}

/// Who may be registered as an incubatee and for how long (`[incubatees]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncubateeRules {
    /// The oldest a firm may be, in months since its registration, when it enters
    /// (absent: no limit).
    #[serde(default)]
    pub max_age_months_at_entry: Option<u32>,
    /// How long a firm may stay.
    pub incubation_months: u32,
    /// Fields with a longer stay (biomedicine, modern agriculture, integrated circuits).
    #[serde(default)]
    pub extended_fields: Vec<String>,
    #[serde(default)]
    pub extended_incubation_months: Option<u32>,
    /// What graduates a firm (any one condition); absent: any condition recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graduation: Option<GraduationRules>,
}

super::text_enum! {
    /// A graduation condition.
    pub enum Graduation {
        /// Certified as a high-tech enterprise (高新技术企业).
        HighTechEnterprise => "high_tech_enterprise",
        /// Certified as a provincial tech-innovation enterprise.
        TechInnovationEnterprise => "tech_innovation_enterprise",
        /// Cumulative angel or venture investment above the scheme's figure.
        Investment => "investment",
        /// Revenue over the last two years above the scheme's figure.
        TwoYearRevenue => "two_year_revenue",
        /// Revenue last year above the scheme's figure.
        LastYearRevenue => "last_year_revenue",
        /// Acquired or listed.
        AcquiredOrListed => "acquired_or_listed",
    }
}

/// The graduation conditions of a scheme (`[incubatees.graduation]`): amounts in yuan,
/// met when strictly above; a condition without its entry does not graduate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GraduationRules {
    #[serde(default)]
    pub high_tech_enterprise: bool,
    #[serde(default)]
    pub tech_innovation_enterprise: bool,
    #[serde(default)]
    pub acquired_or_listed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub investment_above_yuan: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub two_year_revenue_above_yuan: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub last_year_revenue_above_yuan: Option<Decimal>,
}

/// Why a graduation does not meet the scheme: (code, Chinese, English).
pub type GraduationRefusal = (&'static str, String, String);

impl GraduationRules {
    /// Whether `condition`, with the `amount` in yuan where it is one of money, graduates
    /// a firm.
    pub fn check(
        &self,
        condition: Graduation,
        amount: Option<Decimal>,
    ) -> Result<(), GraduationRefusal> {
        let unknown = || {
            Err((
                "graduation_condition_not_in_scheme",
                format!("该认定类型的毕业条件不包括“{}”", condition.as_str()),
                format!(
                    "{} is not a graduation condition of the scheme",
                    condition.as_str()
                ),
            ))
        };
        let threshold = match condition {
            Graduation::HighTechEnterprise if self.high_tech_enterprise => return Ok(()),
            Graduation::TechInnovationEnterprise if self.tech_innovation_enterprise => {
                return Ok(())
            }
            Graduation::AcquiredOrListed if self.acquired_or_listed => return Ok(()),
            Graduation::Investment => self.investment_above_yuan,
            Graduation::TwoYearRevenue => self.two_year_revenue_above_yuan,
            Graduation::LastYearRevenue => self.last_year_revenue_above_yuan,
            _ => None,
        };
        let Some(threshold) = threshold else {
            return unknown();
        };
        match amount {
            None => Err((
                "graduation_amount_required",
                "请填写金额（元）".into(),
                "this condition needs the amount in yuan".into(),
            )),
            Some(a) if a > threshold => Ok(()),
            Some(a) => Err((
                "graduation_condition_unmet",
                format!(
                    "须超过 {} 元，填报为 {} 元",
                    threshold.normalize(),
                    a.normalize()
                ),
                format!(
                    "must be above {} yuan, is {}",
                    threshold.normalize(),
                    a.normalize()
                ),
            )),
        }
    }
}

impl IncubateeRules {
    /// How many months a firm of `field` may stay.
    pub fn limit_months(&self, field: &str) -> u32 {
        match self.extended_incubation_months {
            Some(m) if self.extended_fields.iter().any(|f| f == field) => m,
            _ => self.incubation_months,
        }
    }
}

/// A certification or filing scheme (one file under `config/policy/certification/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub level: SchemeLevel,
    /// The space kinds that may apply (incubator, maker_space, professional_maker_space).
    pub space_kinds: Vec<String>,
    /// Where the criteria come from.
    pub source: String,
    /// Years a certification stays valid; absent: until revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_years: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incubatees: Option<IncubateeRules>,
    pub criteria: Vec<Criterion>,
}

impl Scheme {
    /// Every figure the scheme's criteria read.
    pub fn figures_used(&self) -> BTreeSet<String> {
        self.figures_read(&serde_json::Map::new())
    }

    /// The figures the criteria read, leaving out those of a criterion whose `only_if`
    /// figure was filed as no.
    fn figures_read(&self, filed: &serde_json::Map<String, serde_json::Value>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for c in &self.criteria {
            out.extend(c.only_if.iter().cloned());
            let off = c
                .only_if
                .as_ref()
                .is_some_and(|f| filed.get(f) == Some(&serde_json::Value::Bool(false)));
            if off {
                continue;
            }
            for t in c.test.iter().chain(&c.any_of) {
                out.extend(t.figure.iter().cloned());
                out.extend(t.ratio.iter().flat_map(|r| r.iter().cloned()));
                out.extend(t.months_since.iter().cloned());
                out.extend(t.when.iter().map(|w| w.figure.clone()));
            }
        }
        out
    }
}

impl Scheme {
    /// What an application must file: every figure the criteria read, and each figure
    /// those are bounded by (so "no more graduates than incubatees ever" is always
    /// checked).
    pub fn figures_required(&self, policy: &CertificationPolicy) -> BTreeSet<String> {
        self.figures_required_given(policy, &serde_json::Map::new())
    }

    /// As [`Scheme::figures_required`], for what a space filed: a criterion that applies
    /// only when a yes/no figure is yes needs its figures only when that figure was not
    /// filed as no (a space on its own site files no lease term).
    pub fn figures_required_given(
        &self,
        policy: &CertificationPolicy,
        filed: &serde_json::Map<String, serde_json::Value>,
    ) -> BTreeSet<String> {
        let mut out = self.figures_read(filed);
        let bounds: Vec<String> = out
            .iter()
            .filter_map(|id| policy.figure(id).and_then(|f| f.at_most.clone()))
            .collect();
        out.extend(bounds);
        out
    }
}

super::text_enum! {
    /// An application: submitted → certified | refused (with a reason) | withdrawn.
    pub enum ApplicationStatus {
        Submitted => "submitted",
        Certified => "certified",
        Refused => "refused",
        Withdrawn => "withdrawn",
    }
}

super::text_enum! {
    /// A certification: active → revoked (with a reason) | expired.
    pub enum CertificationStatus {
        Active => "active",
        Revoked => "revoked",
        Expired => "expired",
    }
}

/// The last day a certification granted on `on` is valid, for a scheme valid `years`.
pub fn valid_until(on: NaiveDate, years: Option<u32>) -> Option<NaiveDate> {
    let y = years?;
    on.checked_add_months(chrono::Months::new(y.saturating_mul(12)))
        .and_then(|d| d.pred_opt())
}

/// The months a certification yields benefits in: from the month after it was granted
/// up to the month it was revoked or its validity ended (benefits stop from the month
/// after).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BenefitWindow {
    #[schema(value_type = String, example = "2027-01")]
    #[serde(serialize_with = "period_str")]
    pub first: super::settlement::Period,
    /// The first month without benefits, if the certification ended.
    #[schema(value_type = Option<String>, example = "2027-05")]
    #[serde(serialize_with = "opt_period_str")]
    pub stops: Option<super::settlement::Period>,
}

fn period_str<S: serde::Serializer>(
    p: &super::settlement::Period,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(p)
}

fn opt_period_str<S: serde::Serializer>(
    p: &Option<super::settlement::Period>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.collect_str(p),
        None => s.serialize_none(),
    }
}

impl BenefitWindow {
    pub fn of(
        certified_on: NaiveDate,
        valid_until: Option<NaiveDate>,
        revoked_on: Option<NaiveDate>,
    ) -> BenefitWindow {
        use super::settlement::Period;
        let ends = [revoked_on, valid_until]
            .into_iter()
            .flatten()
            .min()
            .map(|d| Period::of_date(d).next());
        BenefitWindow {
            first: Period::of_date(certified_on).next(),
            stops: ends,
        }
    }

    /// Whether the certification yields benefits for `month`.
    pub fn covers(&self, month: super::settlement::Period) -> bool {
        month >= self.first && self.stops.is_none_or(|s| month < s)
    }
}

/// The figures catalogue and the schemes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificationPolicy {
    pub figures: Vec<FigureDef>,
    pub schemes: Vec<Scheme>,
}

fn decimal(s: &str) -> Option<Decimal> {
    Decimal::from_str(s.trim()).ok()
}

impl CertificationPolicy {
    pub fn figure(&self, id: &str) -> Option<&FigureDef> {
        self.figures.iter().find(|f| f.id == id)
    }
    pub fn scheme(&self, code: &str) -> Option<&Scheme> {
        self.schemes.iter().find(|s| s.code == code)
    }

    /// Checks that the catalogue and every scheme hold together; the message names the
    /// scheme and criterion at fault.
    pub fn validate(&self) -> Result<(), String> {
        let mut ids = BTreeSet::new();
        for f in &self.figures {
            if !ids.insert(f.id.as_str()) {
                return Err(format!("figure {} is defined twice", f.id));
            }
        }
        for f in &self.figures {
            if let Some(other) = &f.at_most {
                let o = self
                    .figure(other)
                    .ok_or_else(|| format!("figure {}: at_most names unknown {other}", f.id))?;
                if !f.kind.numeric() || !o.kind.numeric() {
                    return Err(format!(
                        "figure {}: at_most needs two numeric figures",
                        f.id
                    ));
                }
            }
        }
        let mut codes = BTreeSet::new();
        for s in &self.schemes {
            if !codes.insert(s.code.as_str()) {
                return Err(format!("scheme {} is defined twice", s.code));
            }
            if s.criteria.is_empty() {
                return Err(format!("scheme {}: no criteria", s.code));
            }
            if s.space_kinds.is_empty() {
                return Err(format!("scheme {}: no space kinds", s.code));
            }
            let mut crit = BTreeSet::new();
            for c in &s.criteria {
                let at = format!("scheme {} criterion {}", s.code, c.id);
                if !crit.insert(c.id.as_str()) {
                    return Err(format!("{at}: defined twice"));
                }
                if let Some(f) = &c.only_if {
                    self.expect_kind(&at, f, &[FigureKind::Bool])?;
                }
                match (&c.test, c.any_of.len()) {
                    (Some(t), 0) => self.validate_test(&at, t)?,
                    (None, n) if n >= 2 => {
                        for t in &c.any_of {
                            self.validate_test(&at, t)?;
                        }
                    }
                    _ => {
                        return Err(format!(
                            "{at}: give one test, or any_of with two or more alternatives"
                        ))
                    }
                }
            }
            if let Some(r) = &s.incubatees {
                if r.incubation_months == 0
                    || r.extended_incubation_months.is_some() == r.extended_fields.is_empty()
                {
                    return Err(format!(
                        "scheme {}: incubatee rules need incubation_months, and extended \
                         fields together with their extended months",
                        s.code
                    ));
                }
            }
        }
        Ok(())
    }

    fn expect_kind(&self, at: &str, id: &str, kinds: &[FigureKind]) -> Result<(), String> {
        let f = self
            .figure(id)
            .ok_or_else(|| format!("{at}: unknown figure {id}"))?;
        if kinds.contains(&f.kind) {
            Ok(())
        } else {
            Err(format!("{at}: figure {id} is {}", f.kind.as_str()))
        }
    }

    fn validate_test(&self, at: &str, t: &Test) -> Result<(), String> {
        const NUMERIC: &[FigureKind] = &[
            FigureKind::Count,
            FigureKind::Area,
            FigureKind::Money,
            FigureKind::Percent,
        ];
        let measures = [
            t.figure.is_some(),
            t.ratio.is_some(),
            t.months_since.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if measures != 1 {
            return Err(format!(
                "{at}: a test measures exactly one of figure, ratio or months_since"
            ));
        }
        if t.op == Op::IsTrue {
            let Some(f) = &t.figure else {
                return Err(format!("{at}: is_true tests a yes/no figure"));
            };
            self.expect_kind(at, f, &[FigureKind::Bool])?;
            if t.value.is_some() || !t.when.is_empty() {
                return Err(format!("{at}: is_true takes no value"));
            }
            return Ok(());
        }
        let value = t
            .value
            .as_deref()
            .ok_or_else(|| format!("{at}: a comparison needs a value"))?;
        if decimal(value).is_none() {
            return Err(format!("{at}: value {value:?} is not a number"));
        }
        for w in &t.when {
            self.expect_kind(at, &w.figure, &[FigureKind::Bool])?;
            if decimal(&w.value).is_none() {
                return Err(format!("{at}: when value {:?} is not a number", w.value));
            }
        }
        if let Some(f) = &t.figure {
            self.expect_kind(at, f, NUMERIC)?;
        }
        if let Some([n, d]) = &t.ratio {
            self.expect_kind(at, n, NUMERIC)?;
            self.expect_kind(at, d, NUMERIC)?;
        }
        if let Some(f) = &t.months_since {
            self.expect_kind(at, f, &[FigureKind::Date])?;
        }
        if t.per.is_some() || t.percent {
            if t.ratio.is_none() {
                return Err(format!("{at}: per and percent belong to a ratio"));
            }
            if t.per.is_some() && t.percent {
                return Err(format!("{at}: a ratio is per a quantity or a percentage"));
            }
            if let Some(p) = &t.per {
                if decimal(p).is_none_or(|p| p <= Decimal::ZERO) {
                    return Err(format!("{at}: per {p:?} must be a positive number"));
                }
            }
        }
        Ok(())
    }
}

/// A filed figure, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureValue {
    Bool(bool),
    Number(Decimal),
    Date(NaiveDate),
}

impl FigureValue {
    fn to_json(self) -> serde_json::Value {
        match self {
            FigureValue::Bool(b) => serde_json::Value::Bool(b),
            FigureValue::Number(d) => serde_json::Value::String(d.normalize().to_string()),
            FigureValue::Date(d) => serde_json::Value::String(d.to_string()),
        }
    }
}

/// A space's figures, checked against the catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures(pub BTreeMap<String, FigureValue>);

impl Figures {
    /// The figures as stored and shown: numbers as decimal strings, dates as
    /// `YYYY-MM-DD`, yes/no as booleans.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )
    }
    /// Reads figures back as [`Figures::to_json`] wrote them (what is not one of its
    /// shapes is left out).
    pub fn from_stored(v: &serde_json::Value) -> Figures {
        let mut out = BTreeMap::new();
        if let Some(m) = v.as_object() {
            for (k, v) in m {
                let value = match v {
                    serde_json::Value::Bool(b) => Some(FigureValue::Bool(*b)),
                    serde_json::Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map(FigureValue::Date)
                        .ok()
                        .or_else(|| decimal(s).map(FigureValue::Number)),
                    serde_json::Value::Number(n) => {
                        n.as_i64().map(|i| FigureValue::Number(Decimal::from(i)))
                    }
                    _ => None,
                };
                if let Some(value) = value {
                    out.insert(k.clone(), value);
                }
            }
        }
        Figures(out)
    }
    fn number(&self, id: &str) -> Option<Decimal> {
        match self.0.get(id) {
            Some(FigureValue::Number(d)) => Some(*d),
            _ => None,
        }
    }
    fn flag(&self, id: &str) -> bool {
        matches!(self.0.get(id), Some(FigureValue::Bool(true)))
    }
}

/// Upper bound of any filed number (10^12): no real figure comes near it.
const MAX_FIGURE: i64 = 1_000_000_000_000;

/// Checks filed figures (`{"incubatees": 60, "incubation_area_m2": "12000.50", …}`):
/// every id known, every value of its kind and range, no figure above the one it is
/// bounded by, no date after `today`; and, when `required` is given, each of those
/// figures present. Numbers come as JSON integers or decimal strings, never as JSON
/// fractions (which would pass through floating point). All problems are reported at
/// once, each under `figures.{id}`.
pub fn check_figures(
    policy: &CertificationPolicy,
    input: &serde_json::Map<String, serde_json::Value>,
    required: Option<&BTreeSet<String>>,
    today: NaiveDate,
    e: &mut FieldErrors,
) -> Figures {
    let mut out = BTreeMap::new();
    for (id, v) in input {
        let field = format!("figures.{id}");
        let Some(def) = policy.figure(id) else {
            e.add(
                &field,
                "figure_unknown",
                format!("未知的申报指标：{id}"),
                format!("unknown figure {id}"),
            );
            continue;
        };
        if let Some(value) = parse_figure(def, v, today, &field, e) {
            out.insert(id.clone(), value);
        }
    }
    let figures = Figures(out);
    for def in &policy.figures {
        let (Some(other), Some(v)) = (&def.at_most, figures.number(&def.id)) else {
            continue;
        };
        if let Some(limit) = figures.number(other) {
            if v > limit {
                let o = policy.figure(other).map_or(other.as_str(), |f| &f.name_zh);
                e.add(
                    &format!("figures.{}", def.id),
                    "figure_exceeds",
                    format!("{}（{}）不能大于{}（{}）", def.name_zh, v, o, limit),
                    format!("{} ({v}) cannot exceed {other} ({limit})", def.id),
                );
            }
        }
    }
    if let Some(required) = required {
        for id in required {
            if !input.contains_key(id) {
                let name = policy.figure(id).map_or(id.as_str(), |f| &f.name_zh);
                e.add(
                    &format!("figures.{id}"),
                    "figure_required",
                    format!("请填报：{name}"),
                    format!("the figure {id} is required"),
                );
            }
        }
    }
    figures
}

fn parse_figure(
    def: &FigureDef,
    v: &serde_json::Value,
    today: NaiveDate,
    field: &str,
    e: &mut FieldErrors,
) -> Option<FigureValue> {
    use serde_json::Value;
    let mut bad = |code: &str, zh: String, en: String| {
        e.add(field, code, zh, en);
        None
    };
    match def.kind {
        FigureKind::Bool => match v {
            Value::Bool(b) => Some(FigureValue::Bool(*b)),
            _ => bad(
                "figure_invalid",
                format!("{}应为是或否（true/false）", def.name_zh),
                format!("{} is true or false", def.id),
            ),
        },
        FigureKind::Date => {
            let parsed = v.as_str().and_then(crate::domain::validation::parse_day);
            match parsed {
                None => bad(
                    "date_invalid",
                    format!("{}的日期格式应为 YYYY-MM-DD", def.name_zh),
                    format!("{} is a date, YYYY-MM-DD", def.id),
                ),
                Some(d) if d > today => bad(
                    "date_in_future",
                    format!("{}不能晚于今天", def.name_zh),
                    format!("{} is in the future", def.id),
                ),
                Some(d) if d.year() < 1900 => bad(
                    "date_invalid",
                    format!("{}的日期不合理", def.name_zh),
                    format!("{} is before 1900", def.id),
                ),
                Some(d) => Some(FigureValue::Date(d)),
            }
        }
        kind => {
            let number = match v {
                Value::Number(n) if n.is_i64() || n.is_u64() => {
                    n.as_i64().map(Decimal::from).or(Some(Decimal::MAX))
                }
                Value::String(s) => decimal(s),
                _ => None,
            };
            let Some(d) = number else {
                return bad(
                    "figure_invalid",
                    format!("{}应为数字（小数请写成字符串，如 \"12.50\"）", def.name_zh),
                    format!(
                        "{} is a number: an integer, or a decimal string such as \"12.50\"",
                        def.id
                    ),
                );
            };
            let whole = kind == FigureKind::Count;
            if d.is_sign_negative() && !d.is_zero() {
                bad(
                    "figure_negative",
                    format!("{}不能为负数", def.name_zh),
                    format!("{} cannot be negative", def.id),
                )
            } else if (whole && !d.fract().is_zero()) || (!whole && d.normalize().scale() > 2) {
                bad(
                    "figure_too_precise",
                    if whole {
                        format!("{}应为整数", def.name_zh)
                    } else {
                        format!("{}最多保留两位小数", def.name_zh)
                    },
                    if whole {
                        format!("{} is a whole number", def.id)
                    } else {
                        format!("{} has at most 2 decimal places", def.id)
                    },
                )
            } else if kind == FigureKind::Percent && d > Decimal::ONE_HUNDRED {
                bad(
                    "percent_above_100",
                    format!("{}不能超过 100%", def.name_zh),
                    format!("{} is a percentage, at most 100", def.id),
                )
            } else if d > Decimal::from(MAX_FIGURE) {
                bad(
                    "figure_out_of_range",
                    format!("{}超出合理范围", def.name_zh),
                    format!("{} is out of range", def.id),
                )
            } else {
                Some(FigureValue::Number(d.normalize()))
            }
        }
    }
}

/// Whole months from `from` to `on` (a month is complete on the same day of the month).
pub fn months_between(from: NaiveDate, on: NaiveDate) -> i64 {
    let mut m =
        i64::from(on.year() - from.year()) * 12 + i64::from(on.month()) - i64::from(from.month());
    if on.day() < from.day() {
        m -= 1;
    }
    m
}

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
        (_, true) => (
            Decimal::ONE_HUNDRED,
            String::new(),
            "%".to_string(),
            "%".to_string(),
        ),
        (Some(p), false) => {
            let p = decimal(p).unwrap_or(Decimal::ONE);
            (
                p,
                format!("每 {} {} ", show(p), unit(dn).trim()),
                String::new(),
                format!(" per {}{}", show(p), unit_en(dn))
                    .trim_end()
                    .to_string(),
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
        let tests: Vec<TestResult> = c
            .test
            .iter()
            .chain(&c.any_of)
            .map(|t| run_test(policy, t, figures, on))
            .collect();
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
    let failing: Vec<&str> = criteria
        .iter()
        .filter(|c| c.pass == Some(false))
        .map(|c| c.name_zh.as_str())
        .collect();
    let summary_zh = if eligible {
        format!(
            "符合{}全部 {} 项条件{}",
            scheme.name_zh,
            met,
            if na > 0 {
                format!("（{na} 项不适用）")
            } else {
                String::new()
            }
        )
    } else {
        format!(
            "{} 项条件中 {} 项未达到：{}",
            met + not_met,
            not_met,
            failing.join("；")
        )
    };
    let summary_en = if eligible {
        format!(
            "Meets all {met} criteria of {} ({na} not applicable)",
            scheme.name_en
        )
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// The shipped catalogue and schemes, read the way the loader does.
    fn shipped() -> CertificationPolicy {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/policy/certification");
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
        let p = CertificationPolicy {
            figures: figures.figures,
            schemes,
        };
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
        ev.criteria
            .iter()
            .filter(|c| c.pass == Some(false))
            .map(|c| c.id.as_str())
            .collect()
    }

    #[test]
    fn graduation_conditions_follow_the_scheme_and_amounts_must_be_above() {
        let p = shipped();
        let national = p
            .scheme("national_incubator")
            .unwrap()
            .incubatees
            .clone()
            .unwrap();
        let g = national.graduation.unwrap();
        let five_m = Decimal::from(5_000_000);
        assert!(g.check(Graduation::HighTechEnterprise, None).is_ok());
        assert_eq!(
            g.check(Graduation::Investment, Some(five_m)).unwrap_err().0,
            "graduation_condition_unmet"
        );
        assert!(g
            .check(Graduation::Investment, Some(five_m + Decimal::new(1, 2)))
            .is_ok());
        assert_eq!(
            g.check(Graduation::Investment, None).unwrap_err().0,
            "graduation_amount_required"
        );
        assert_eq!(
            g.check(Graduation::TechInnovationEnterprise, None)
                .unwrap_err()
                .0,
            "graduation_condition_not_in_scheme"
        );
        let prov = p
            .scheme("provincial_incubator")
            .unwrap()
            .incubatees
            .clone()
            .unwrap();
        let g = prov.graduation.unwrap();
        assert!(g.check(Graduation::TechInnovationEnterprise, None).is_ok());
        assert!(g
            .check(Graduation::LastYearRevenue, Some(Decimal::from(3_000_001)))
            .is_ok());
        assert!(g
            .check(Graduation::TwoYearRevenue, Some(Decimal::from(5_000_000)))
            .is_err());
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
        let share = ev
            .criteria
            .iter()
            .find(|c| c.id == "resident_area_share")
            .unwrap();
        assert_eq!(
            (
                share.tests[0].required.as_str(),
                share.tests[0].actual.as_str()
            ),
            ("≥ 75%", "75%")
        );
        let density = ev.criteria.iter().find(|c| c.id == "density").unwrap();
        assert_eq!(density.tests[0].required, "每 1000 m² ≥ 3");
        assert_eq!(density.tests[0].actual, "每 1000 m² 5");
        // Operating since 2023-12-01: 36 whole months on 2026-12-01, 35 the day before.
        let ev = file(&p, "national_incubator", at_the_line(), "2026-11-30").unwrap();
        assert_eq!(failing(&ev), ["operating"]);
        assert!(!ev.eligible);
        assert!(
            ev.summary_zh.contains("注册并运营满 3 年"),
            "{}",
            ev.summary_zh
        );
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
        assert!(
            file(&p, "national_incubator", v, "2026-12-01")
                .unwrap()
                .eligible
        );
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
        assert_eq!(
            ev.not_applicable, 1,
            "no municipal certification in the region"
        );
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
        let r = p
            .scheme("national_incubator")
            .unwrap()
            .incubatees
            .clone()
            .unwrap();
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
        e.0.iter()
            .map(|f| (f.field.clone(), f.code.clone()))
            .collect()
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
        assert_eq!(
            got,
            want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
        );
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
                (
                    "figures.industry_concentration_pct".to_string(),
                    "percent_above_100".to_string()
                ),
                (
                    "figures.specialist_mentors".to_string(),
                    "figure_exceeds".to_string()
                )
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
        assert!(
            w.covers(p("2027-03")),
            "the month of revocation still counts"
        );
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
}
