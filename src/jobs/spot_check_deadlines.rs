//! Spot-check deadlines: each check still unanswered past its deadline becomes a
//! finding for a reviewer (its item waits outside settlement until decided).

use super::{Context, Outcome};
use crate::services;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let r = cx.as_system(services::spot_checks::conclude_overdue).await?;
    Ok(Outcome::done(r.findings.len(), serde_json::json!({ "findings": r.findings })))
}
