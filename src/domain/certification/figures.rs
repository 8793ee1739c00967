//! The figures a space files: their values, and the check of each against its kind.

use super::*;
use crate::domain::error_code::ErrorCode;
use crate::domain::validation::FieldErrors;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

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
        serde_json::Value::Object(self.0.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
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
    pub(super) fn number(&self, id: &str) -> Option<Decimal> {
        match self.0.get(id) {
            Some(FigureValue::Number(d)) => Some(*d),
            _ => None,
        }
    }
    pub(super) fn flag(&self, id: &str) -> bool {
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
                ErrorCode::FigureUnknown,
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
                    ErrorCode::FigureExceeds,
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
                    ErrorCode::FigureRequired,
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
    let mut bad = |code: ErrorCode, zh: String, en: String| {
        e.add(field, code, zh, en);
        None
    };
    match def.kind {
        FigureKind::Bool => match v {
            Value::Bool(b) => Some(FigureValue::Bool(*b)),
            _ => bad(
                ErrorCode::FigureInvalid,
                format!("{}应为是或否（true/false）", def.name_zh),
                format!("{} is true or false", def.id),
            ),
        },
        FigureKind::Date => {
            let parsed = v.as_str().and_then(crate::domain::validation::parse_day);
            match parsed {
                None => bad(
                    ErrorCode::DateInvalid,
                    format!("{}的日期格式应为 YYYY-MM-DD", def.name_zh),
                    format!("{} is a date, YYYY-MM-DD", def.id),
                ),
                Some(d) if d > today => bad(
                    ErrorCode::DateInFuture,
                    format!("{}不能晚于今天", def.name_zh),
                    format!("{} is in the future", def.id),
                ),
                Some(d) if d.year() < 1900 => bad(
                    ErrorCode::DateInvalid,
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
                    ErrorCode::FigureInvalid,
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
                    ErrorCode::FigureNegative,
                    format!("{}不能为负数", def.name_zh),
                    format!("{} cannot be negative", def.id),
                )
            } else if (whole && !d.fract().is_zero()) || (!whole && d.normalize().scale() > 2) {
                bad(
                    ErrorCode::FigureTooPrecise,
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
                    ErrorCode::PercentAbove100,
                    format!("{}不能超过 100%", def.name_zh),
                    format!("{} is a percentage, at most 100", def.id),
                )
            } else if d > Decimal::from(MAX_FIGURE) {
                bad(
                    ErrorCode::FigureOutOfRange,
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
