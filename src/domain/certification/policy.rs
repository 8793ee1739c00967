//! Certification schemes as data: the figures they ask for, their criteria, their
//! incubatee and graduation rules, the benefit windows, and the policy that holds them.

use crate::domain::error_code::ErrorCode;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::str::FromStr;

crate::domain::text_enum! {
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
    pub(super) fn unit_zh(self) -> &'static str {
        match self {
            FigureKind::Bool | FigureKind::Date | FigureKind::Count => "",
            FigureKind::Area => " m²",
            FigureKind::Money => " 元",
            FigureKind::Percent => "%",
        }
    }
    pub(super) fn unit_en(self) -> &'static str {
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
    pub(super) fn symbol(self) -> &'static str {
        match self {
            Op::AtLeast => "≥",
            Op::Above => ">",
            Op::AtMost => "≤",
            Op::Below => "<",
            Op::Equal => "=",
            Op::IsTrue => "",
        }
    }
    pub(super) fn holds(self, ord: std::cmp::Ordering) -> bool {
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

crate::domain::text_enum! {
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

crate::domain::text_enum! {
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
pub type GraduationRefusal = (ErrorCode, String, String);

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
                ErrorCode::GraduationConditionNotInScheme,
                format!("该认定类型的毕业条件不包括“{}”", condition.as_str()),
                format!("{} is not a graduation condition of the scheme", condition.as_str()),
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
                ErrorCode::GraduationAmountRequired,
                "请填写金额（元）".into(),
                "this condition needs the amount in yuan".into(),
            )),
            Some(a) if a > threshold => Ok(()),
            Some(a) => Err((
                ErrorCode::GraduationConditionUnmet,
                format!("须超过 {} 元，填报为 {} 元", threshold.normalize(), a.normalize()),
                format!("must be above {} yuan, is {}", threshold.normalize(), a.normalize()),
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
        let bounds: Vec<String> =
            out.iter().filter_map(|id| policy.figure(id).and_then(|f| f.at_most.clone())).collect();
        out.extend(bounds);
        out
    }
}

crate::domain::text_enum! {
    /// An application: submitted → certified | refused (with a reason) | withdrawn.
    pub enum ApplicationStatus {
        Submitted => "submitted",
        Certified => "certified",
        Refused => "refused",
        Withdrawn => "withdrawn",
    }
}

crate::domain::text_enum! {
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
    on.checked_add_months(chrono::Months::new(y.saturating_mul(12))).and_then(|d| d.pred_opt())
}

/// The months a certification yields benefits in: from the month after it was granted
/// up to the month it was revoked or its validity ended (benefits stop from the month
/// after).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BenefitWindow {
    #[schema(value_type = String, example = "2027-01")]
    #[serde(serialize_with = "period_str")]
    pub first: crate::domain::settlement::Period,
    /// The first month without benefits, if the certification ended.
    #[schema(value_type = Option<String>, example = "2027-05")]
    #[serde(serialize_with = "opt_period_str")]
    pub stops: Option<crate::domain::settlement::Period>,
}

fn period_str<S: serde::Serializer>(
    p: &crate::domain::settlement::Period,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(p)
}

fn opt_period_str<S: serde::Serializer>(
    p: &Option<crate::domain::settlement::Period>,
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
        use crate::domain::settlement::Period;
        let ends = [revoked_on, valid_until]
            .into_iter()
            .flatten()
            .min()
            .map(|d| Period::of_date(d).next());
        BenefitWindow { first: Period::of_date(certified_on).next(), stops: ends }
    }

    /// Whether the certification yields benefits for `month`.
    pub fn covers(&self, month: crate::domain::settlement::Period) -> bool {
        month >= self.first && self.stops.is_none_or(|s| month < s)
    }
}

/// The figures catalogue and the schemes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificationPolicy {
    pub figures: Vec<FigureDef>,
    pub schemes: Vec<Scheme>,
}

pub(super) fn decimal(s: &str) -> Option<Decimal> {
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
                    return Err(format!("figure {}: at_most needs two numeric figures", f.id));
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
        let f = self.figure(id).ok_or_else(|| format!("{at}: unknown figure {id}"))?;
        if kinds.contains(&f.kind) {
            Ok(())
        } else {
            Err(format!("{at}: figure {id} is {}", f.kind.as_str()))
        }
    }

    fn validate_test(&self, at: &str, t: &Test) -> Result<(), String> {
        const NUMERIC: &[FigureKind] =
            &[FigureKind::Count, FigureKind::Area, FigureKind::Money, FigureKind::Percent];
        let measures = [t.figure.is_some(), t.ratio.is_some(), t.months_since.is_some()]
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
        let value =
            t.value.as_deref().ok_or_else(|| format!("{at}: a comparison needs a value"))?;
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
