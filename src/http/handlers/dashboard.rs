//! The authority's overview, its reconciliation with the ledger, and the public summary.

use crate::error::{AppResult, Problem};
use crate::http::extract::{Auth, StaffRead};
use crate::http::handlers::read;
use crate::http::{db, Answer, State};
use crate::services::dashboard::{
    self as svc, Dashboard, Found, PublicProgramme, Reconciliation, Selection,
};
use actix_web::{get, web, HttpResponse};

/// The overview of `s` as the API and the page answer it: kept for a minute; older,
/// answered as kept while it is computed anew in the background; computed now the first
/// time (or when asked `fresh`).
pub(crate) async fn overview_of(state: &State, s: Selection) -> AppResult<Dashboard> {
    let (recent, now) = (state.overviews.clone(), state.clock.now());
    match recent.find(&s, now)? {
        Found::Fresh(d) => Ok(d),
        Found::Stale { overview, renew } => {
            if renew {
                let (state, policy) = (state.clone(), state.policy.clone());
                actix_web::rt::spawn(async move {
                    let recent = state.overviews.clone();
                    if let Err(e) = db(&state, move |c| recent.compute(c, &policy, &s, now)).await {
                        tracing::warn!(error = %e, "renewing an overview");
                    }
                });
            }
            Ok(overview)
        }
        Found::Missing => {
            let policy = state.policy.clone();
            db(state, move |c| recent.compute(c, &policy, &s, now)).await
        }
    }
}

/// Every programme's public figures, from their overviews as kept.
pub(crate) async fn public_summary_of(state: &State) -> AppResult<Vec<PublicProgramme>> {
    let programmes = db(state, |c| {
        let mut out = Vec::new();
        for p in crate::db::vouchers::list_programmes(c)? {
            let published = crate::db::dashboard::published_batches(c, &p.id)?;
            out.push((p, published));
        }
        Ok(out)
    })
    .await?;
    let mut out = Vec::with_capacity(programmes.len());
    // Only what is published: a programme with no published batch is not shown, and a
    // draft batch's budget is not counted.
    for (p, (batches, budget)) in programmes.into_iter().filter(|(_, (n, _))| *n > 0) {
        let s = Selection { programme_id: Some(p.id.to_string()), ..Default::default() };
        out.push(PublicProgramme::of(p.name, overview_of(state, s).await?, batches, budget));
    }
    Ok(out)
}

/// A programme, a year's batches or one batch at a glance: where the money is from budget
/// to bank, vouchers used against the gate, firms served by size class and industry,
/// orders and money by category, provider concentration, waiting times, disputes and
/// objections. Nothing selected: every programme. An overview is kept for a minute;
/// an older one is answered while it is computed anew (`as_of` says when it was
/// computed); `fresh=true` computes it now.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "audit", params(Selection), security(("bearer" = [])), responses(
    (status = 200, body = Dashboard), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/dashboard")]
pub async fn dashboard(state: State, _auth: Auth<StaffRead>, q: web::Query<Selection>) -> Answer {
    Ok(HttpResponse::Ok().json(overview_of(&state, q.into_inner()).await?))
}

/// Every programme's overview stage by stage beside the ledger's balances of the same
/// accounts: `agrees` when every line is equal to the fen.
#[utoipa::path(get, path = "/api/v1/dashboard/reconciliation", tag = "audit", security(("bearer" = [])), responses(
    (status = 200, body = Reconciliation), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/dashboard/reconciliation")]
pub async fn reconciliation(state: State, _auth: Auth<StaffRead>) -> Answer {
    let (policy, now) = (state.policy.clone(), state.clock.now());
    read(&state, move |c| svc::reconcile(c, &policy, now)).await
}

/// Each programme's public figures (公开数据): budget, claimed, firms served, orders and
/// money by category, paid. Aggregates only: no firm, provider or person is named. The
/// figures are kept as the overview's are (`as_of`).
#[utoipa::path(get, path = "/api/v1/public/summary", tag = "public", responses(
    (status = 200, body = Vec<PublicProgramme>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/public/summary")]
pub async fn public_summary(state: State) -> Answer {
    Ok(HttpResponse::Ok().json(public_summary_of(&state).await?))
}
