//! Outbox dispatch: sends due emails until none is due, the mail server seems down, or
//! the server stops (the messages not yet sent are given back at once).

use super::{Context, Outcome};
use crate::notify::transport::build_message;
use crate::services::outbox::{self, Delivery};

/// Transient send failures in a row after which a dispatch run stops.
const GIVE_UP_AFTER: u32 = 3;

pub(super) async fn run(cx: &Context<'_>) -> Result<Outcome, String> {
    let deps = cx.deps();
    let mut stop = cx.runner.stopping();
    let (mut sent, mut retrying, mut failed) = (0_usize, 0_usize, 0_usize);
    let mut unreachable_in_a_row = 0;
    let detail = |s, r, f| serde_json::json!({ "sent": s, "retrying": r, "failed": f });
    loop {
        if *stop.borrow() {
            release(cx).await;
            return Ok(Outcome::interrupted(sent, detail(sent, retrying, failed)));
        }
        let (run, now) = (cx.run_id.to_string(), deps.clock.now());
        let (lease, limit) = (deps.lease_secs, deps.batch_size);
        let rows = cx.db(move |c| outbox::lease(c, &run, now, lease, limit)).await?;
        if rows.is_empty() {
            return Ok(Outcome::done(sent, detail(sent, retrying, failed)));
        }
        for row in rows {
            let result = match build_message(&row, &deps.from, &deps.message_id_host) {
                Ok(m) => {
                    let sent_or_stopped = tokio::select! {
                        r = deps.transport.send(m) => Some(r),
                        _ = stop.wait_for(|s| *s) => None,
                    };
                    match sent_or_stopped {
                        Some(r) => r,
                        None => {
                            release(cx).await;
                            return Ok(Outcome::interrupted(sent, detail(sent, retrying, failed)));
                        }
                    }
                }
                Err(e) => Err(e),
            };
            let transient = matches!(&result, Err(e) if !e.permanent);
            let (run, now, retry) = (cx.run_id.to_string(), deps.clock.now(), deps.retry);
            let recorded = cx.db(move |c| outbox::record(c, &row, &run, result, retry, now)).await;
            match recorded {
                Ok(Delivery::Sent) => sent += 1,
                Ok(Delivery::Retrying) => retrying += 1,
                Ok(Delivery::Failed) => failed += 1,
                Ok(Delivery::Lost) => {}
                Err(e) => {
                    release(cx).await;
                    return Err(e);
                }
            }
            unreachable_in_a_row = if transient { unreachable_in_a_row + 1 } else { 0 };
            if unreachable_in_a_row >= GIVE_UP_AFTER {
                // The mail server is down or hanging: the other emails wait for the
                // next slot instead of each spending an attempt (and a timeout).
                release(cx).await;
                let mut d = detail(sent, retrying, failed);
                d["stopped_early"] = serde_json::json!(format!(
                    "{GIVE_UP_AFTER} sends in a row failed for a reason that may pass; the rest wait for the next run"
                ));
                return Ok(Outcome::done(sent, d));
            }
        }
    }
}

/// Gives back the emails this run leased and did not send.
async fn release(cx: &Context<'_>) {
    let run = cx.run_id.to_string();
    if let Err(e) = cx.db(move |c| outbox::release(c, &run)).await {
        tracing::warn!(error = %e, "releasing leased emails failed; they wait for the lease to end");
    }
}
