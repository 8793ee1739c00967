//! SME size classification (统计上大中小微型企业划分办法), driven by a table kept as data
//! in `config/policy/sme_size.toml` so an authority can add industries.
//!
//! Rule: large, medium and small must reach *every* lower bound of their row that the
//! industry measures, otherwise the firm drops a class; micro is what is left (a firm
//! is micro as soon as one figure is below the small row).

use super::money::Fen;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    Micro,
    Small,
    Medium,
    Large,
}

impl SizeClass {
    pub fn as_str(self) -> &'static str {
        match self {
            SizeClass::Micro => "micro",
            SizeClass::Small => "small",
            SizeClass::Medium => "medium",
            SizeClass::Large => "large",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "micro" => Some(SizeClass::Micro),
            "small" => Some(SizeClass::Small),
            "medium" => Some(SizeClass::Medium),
            "large" => Some(SizeClass::Large),
            _ => None,
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            SizeClass::Micro => "微型",
            SizeClass::Small => "小型",
            SizeClass::Medium => "中型",
            SizeClass::Large => "大型",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Employees,
    Revenue,
    TotalAssets,
}

/// Lower bounds of one class row. Money bounds are whole yuan in the policy file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    pub employees: Option<i64>,
    pub revenue_yuan: Option<i64>,
    pub total_assets_yuan: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndustryRule {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub measures: Vec<Measure>,
    pub large: Bounds,
    pub medium: Bounds,
    pub small: Bounds,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeTable {
    pub version: String,
    pub industries: Vec<IndustryRule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub employees: i64,
    pub revenue: Fen,
    pub total_assets: Option<Fen>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    #[error("unknown industry")]
    UnknownIndustry,
    #[error("total assets are required for this industry")]
    TotalAssetsRequired,
}

/// What the classification was based on, stored with the firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeBasis {
    pub table_version: String,
    pub industry: String,
    pub class: SizeClass,
    pub employees: i64,
    pub revenue: String,
    pub total_assets: Option<String>,
    pub measures: Vec<Measure>,
    /// The lower bounds of the row the firm reached (none for micro).
    pub bounds_met: Option<Bounds>,
}

impl SizeTable {
    pub fn industry(&self, code: &str) -> Option<&IndustryRule> {
        self.industries.iter().find(|i| i.code == code)
    }

    /// Checks the table is usable: every class row names a bound for each measure, and
    /// the rows rise from small to large.
    pub fn validate(&self) -> Result<(), String> {
        if self.industries.is_empty() {
            return Err("no industries".into());
        }
        for ind in &self.industries {
            if ind.measures.is_empty() {
                return Err(format!("industry {}: no measures", ind.code));
            }
            for m in &ind.measures {
                let get = |b: &Bounds| bound(b, *m);
                let (s, md, l) = (get(&ind.small), get(&ind.medium), get(&ind.large));
                match (s, md, l) {
                    (Some(s), Some(md), Some(l)) if s <= md && md <= l => {}
                    _ => {
                        return Err(format!(
                            "industry {}: bounds for {:?} missing or not rising small <= medium <= large",
                            ind.code, m
                        ))
                    }
                }
            }
        }
        Ok(())
    }

    pub fn classify(&self, industry: &str, figures: &Figures) -> Result<SizeBasis, SizeError> {
        let rule = self.industry(industry).ok_or(SizeError::UnknownIndustry)?;
        if rule.measures.contains(&Measure::TotalAssets) && figures.total_assets.is_none() {
            return Err(SizeError::TotalAssetsRequired);
        }
        let reaches = |b: &Bounds| {
            rule.measures.iter().all(|m| {
                let Some(lower) = bound(b, *m) else {
                    return false;
                };
                match m {
                    Measure::Employees => figures.employees >= lower,
                    Measure::Revenue => figures.revenue.get() >= lower.saturating_mul(100),
                    Measure::TotalAssets => {
                        figures.total_assets.is_some_and(|t| t.get() >= lower.saturating_mul(100))
                    }
                }
            })
        };
        let (class, bounds_met) = [
            (SizeClass::Large, &rule.large),
            (SizeClass::Medium, &rule.medium),
            (SizeClass::Small, &rule.small),
        ]
        .into_iter()
        .find(|(_, b)| reaches(b))
        .map(|(c, b)| (c, Some(b.clone())))
        .unwrap_or((SizeClass::Micro, None));
        Ok(SizeBasis {
            table_version: self.version.clone(),
            industry: rule.code.clone(),
            class,
            employees: figures.employees,
            revenue: figures.revenue.to_string(),
            total_assets: figures.total_assets.map(|t| t.to_string()),
            measures: rule.measures.clone(),
            bounds_met,
        })
    }
}

fn bound(b: &Bounds, m: Measure) -> Option<i64> {
    match m {
        Measure::Employees => b.employees,
        Measure::Revenue => b.revenue_yuan,
        Measure::TotalAssets => b.total_assets_yuan,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> SizeTable {
        let text = include_str!("../../config/policy/sme_size.toml");
        let t: SizeTable = toml::from_str(text).expect("policy parses");
        t.validate().expect("policy valid");
        t
    }

    fn yuan(y: i64) -> Fen {
        Fen::from_whole_yuan(y).unwrap()
    }

    fn class(ind: &str, employees: i64, revenue: i64) -> SizeClass {
        table()
            .classify(ind, &Figures { employees, revenue: yuan(revenue), total_assets: None })
            .unwrap()
            .class
    }

    #[test]
    fn industry_rows_with_boundaries() {
        // 工业: small is 20 <= X < 300 and 3M <= Y < 20M
        assert_eq!(class("industry", 20, 3_000_000), SizeClass::Small);
        assert_eq!(class("industry", 19, 3_000_000), SizeClass::Micro);
        assert_eq!(class("industry", 20, 2_999_999), SizeClass::Micro);
        assert_eq!(class("industry", 300, 20_000_000), SizeClass::Medium);
        // medium needs both: many staff but small revenue drops to small
        assert_eq!(class("industry", 500, 10_000_000), SizeClass::Small);
        assert_eq!(class("industry", 1000, 400_000_000), SizeClass::Large);
        assert_eq!(class("industry", 999, 400_000_000), SizeClass::Medium);
    }

    #[test]
    fn software_wholesale_retail_other() {
        assert_eq!(class("software_it", 10, 500_000), SizeClass::Small);
        assert_eq!(class("software_it", 9, 50_000_000), SizeClass::Micro);
        assert_eq!(class("software_it", 100, 10_000_000), SizeClass::Medium);
        assert_eq!(class("wholesale", 5, 10_000_000), SizeClass::Small);
        assert_eq!(class("wholesale", 4, 10_000_000), SizeClass::Micro);
        assert_eq!(class("retail", 50, 5_000_000), SizeClass::Medium);
        assert_eq!(class("retail", 10, 999_999), SizeClass::Micro);
        // 其他: employees only, revenue ignored
        assert_eq!(class("other", 10, 0), SizeClass::Small);
        assert_eq!(class("other", 9, 900_000_000), SizeClass::Micro);
        assert_eq!(class("other", 300, 0), SizeClass::Large);
    }

    #[test]
    fn total_assets_industries_need_the_figure() {
        let t = table();
        let f = Figures { employees: 50, revenue: yuan(1), total_assets: None };
        assert_eq!(t.classify("leasing_business", &f), Err(SizeError::TotalAssetsRequired));
        let f = Figures { total_assets: Some(yuan(1_000_000)), ..f };
        assert_eq!(t.classify("leasing_business", &f).unwrap().class, SizeClass::Small);
        assert_eq!(t.classify("mining", &f), Err(SizeError::UnknownIndustry));
    }

    #[test]
    fn basis_records_the_figures() {
        let b = table()
            .classify(
                "industry",
                &Figures { employees: 25, revenue: yuan(4_000_000), total_assets: None },
            )
            .unwrap();
        assert_eq!(b.revenue, "4000000.00");
        assert_eq!(b.bounds_met.unwrap().employees, Some(20));
    }
}
