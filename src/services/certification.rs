//! Certification (认定/备案) of incubators and maker spaces: the schemes and the
//! figures as data, the rule engine's evaluation.

use crate::domain::certification::{check_figures, evaluate, Evaluation};
use crate::domain::validation::FieldErrors;
use crate::domain::Policy;
use crate::error::{AppError, AppResult};
use chrono::NaiveDateTime;
use serde::Deserialize;

/// Figures filed for a scheme.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FiguresInput {
    /// Figure id → value: yes/no as `true`/`false`, counts as integers, areas, money and
    /// percentages as decimal strings (`"12000.50"`) or integers, dates as `YYYY-MM-DD`.
    /// The ids are listed at `GET /api/v1/policy/certification-figures`.
    #[schema(value_type = Object)]
    pub figures: serde_json::Map<String, serde_json::Value>,
}

/// Evaluates figures against a scheme as of today (China time), storing nothing: what
/// a space sees before it applies, and what an application keeps.
pub fn self_check(
    policy: &Policy,
    scheme: &str,
    input: &FiguresInput,
    now: NaiveDateTime,
) -> AppResult<Evaluation> {
    let cert = &policy.certification;
    let scheme = cert
        .scheme(scheme)
        .ok_or_else(|| AppError::not_found("certification scheme"))?;
    let today = crate::domain::china_time(now).date();
    let mut e = FieldErrors::new();
    let figures = check_figures(
        cert,
        &input.figures,
        Some(&scheme.figures_required(cert)),
        today,
        &mut e,
    );
    e.finish()?;
    Ok(evaluate(cert, scheme, &figures, today))
}
