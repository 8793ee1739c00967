//! Provider notices: lists the providers whose public notice ended without an
//! objection; those with an objection wait for a reviewer.

use super::{Context, Outcome};
use crate::services;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let r = cx.as_system(services::providers::conclude_notices).await?;
    let waiting = r.awaiting_objections;
    let detail = serde_json::json!({ "listed": r.listed, "awaiting_objections": waiting });
    Ok(Outcome::done(r.listed.len(), detail))
}
