//! Redemption notices: makes approved redemption items payable when their public
//! notice ended without an objection.

use super::{Context, Outcome};
use crate::services;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let r = cx.as_system(services::redemptions::conclude_notices).await?;
    Ok(Outcome::done(
        r.payable.len(),
        serde_json::json!({ "payable": r.payable, "awaiting_objections": r.awaiting_objections }),
    ))
}
