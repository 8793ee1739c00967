//! Provider notices: lists the providers whose public notice ended without an
//! objection; those with an objection wait for a reviewer.

use super::{BackgroundJob, Context, Outcome, Work};
use crate::services::{self};

pub(super) struct ProviderNotices;

impl BackgroundJob for ProviderNotices {
    fn name(&self) -> &'static str {
        "provider_notices"
    }

    fn describe(&self) -> (&'static str, &'static str) {
        (
            "公示期满的服务机构入库",
            "list providers whose public notice ended without objection",
        )
    }

    fn run<'a>(&'a self, cx: &'a Context<'a>) -> Work<'a> {
        Box::pin(async move {
            let sys = cx.system();
            let r = cx
                .db(move |c| services::providers::conclude_notices(c, sys.cx()))
                .await?;
            Ok(Outcome::done(
                r.listed.len(),
                serde_json::json!({ "listed": r.listed, "awaiting_objections": r.awaiting_objections }),
            ))
        })
    }
}
