//! Entitlements: computes the subsidy and award entitlements of certified carriers due
//! up to the slot's month (China time) and puts them on public notice.

use super::{Context, Outcome};
use crate::domain::settlement::Period;
use crate::services;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let as_of = Period::of(cx.now);
    let r = cx.as_system(move |c, sys| services::subsidies::compute(c, sys, Some(as_of))).await?;
    let detail = serde_json::json!({
        "as_of": r.as_of,
        "created": r.created.len(),
        "refused": r.refused,
        "flagged": r.flagged,
        "held_back": r.held_back.len(),
    });
    Ok(Outcome::done(r.created.len(), detail))
}
