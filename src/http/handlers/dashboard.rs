//! The authority's overview, its reconciliation with the ledger, and the public summary.

use crate::error::Problem;
use crate::http::extract::{Auth, StaffRead};
use crate::http::handlers::read;
use crate::http::{Answer, State};
use crate::services::dashboard::{
    self as svc, Dashboard, PublicProgramme, Reconciliation, Selection,
};
use actix_web::{get, web};

/// A programme, a year's batches or one batch at a glance: where the money is from budget
/// to bank, vouchers used against the gate, firms served by size class and industry,
/// orders and money by category, provider concentration, waiting times, disputes and
/// objections. Nothing selected: every programme.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "audit", params(Selection), security(("bearer" = [])), responses(
    (status = 200, body = Dashboard), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/dashboard")]
pub async fn dashboard(state: State, _auth: Auth<StaffRead>, q: web::Query<Selection>) -> Answer {
    let (policy, q) = (state.policy.clone(), q.into_inner());
    read(&state, move |c| svc::dashboard(c, &policy, &q)).await
}

/// Every programme's overview stage by stage beside the ledger's balances of the same
/// accounts: `agrees` when every line is equal to the fen.
#[utoipa::path(get, path = "/api/v1/dashboard/reconciliation", tag = "audit", security(("bearer" = [])), responses(
    (status = 200, body = Reconciliation), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/dashboard/reconciliation")]
pub async fn reconciliation(state: State, _auth: Auth<StaffRead>) -> Answer {
    let policy = state.policy.clone();
    read(&state, move |c| svc::reconcile(c, &policy)).await
}

/// Each programme's public figures (公开数据): budget, claimed, firms served, orders and
/// money by category, paid. Aggregates only: no firm, provider or person is named.
#[utoipa::path(get, path = "/api/v1/public/summary", tag = "public", responses(
    (status = 200, body = Vec<PublicProgramme>), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/public/summary")]
pub async fn public_summary(state: State) -> Answer {
    let policy = state.policy.clone();
    read(&state, move |c| svc::public_summary(c, &policy)).await
}
