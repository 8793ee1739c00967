//! Lottery draw: draws the lottery batches whose opening has come, then tells the claim
//! engine which batches it allocated (so it forgets their queues).

use super::{Context, Outcome};
use crate::services;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let drawn = cx.as_system(services::lottery::draw_due).await?;
    if let Some(f) = &cx.deps().on_drawn {
        f(&drawn);
    }
    Ok(Outcome::done(drawn.len(), serde_json::json!({ "drawn": drawn })))
}
