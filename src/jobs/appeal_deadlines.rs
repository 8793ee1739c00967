//! Appeal deadlines: each appeal still open past its deadline is escalated to the
//! administrators by email, once a day until a reviewer decides it.

use super::{Context, Outcome};
use crate::services;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let r = cx.as_system(services::appeals::escalate_overdue).await?;
    Ok(Outcome::done(r.appeals.len(), serde_json::json!({ "appeals": r.appeals })))
}
