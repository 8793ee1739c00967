//! Receivables in pages (应收款项): finance and the other staff follow what providers
//! owe back after findings; finance records a repayment on a receivable's page. Offsets
//! are taken by the settlement runs and shown there and here.

use super::desk::{Desk, Form, Posted, Screen, Shape};
use super::orders::open;
use super::{local_time, val};
use crate::domain::id::ReceivableId;
use crate::domain::receivable::{ReceivableState, RecoveryKind};
use crate::domain::Role;
use crate::error::AppError;
use crate::http::{db, typed_id, Answer, State};
use crate::services::receivables::{self as svc, ReceivableView, RepaymentInput};
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page).service(one_page).service(repay);
}

const STAFF: &[Role] = &[Role::Finance, Role::Admin, Role::Auditor, Role::Reviewer];

/// A receivable's state in words.
pub(super) fn state_words(s: ReceivableState) -> &'static str {
    match s {
        ReceivableState::Open => "receivable-open",
        ReceivableState::Recovered => "receivable-recovered",
    }
}

pub(super) fn receivable_json(r: &ReceivableView) -> serde_json::Value {
    serde_json::json!({
        "id": r.id, "finding_id": r.finding_id, "order_no": r.order_no, "service": r.service,
        "provider_name": r.provider_name, "amount": r.amount.to_string(),
        "recovered": r.recovered.to_string(), "outstanding": r.outstanding.to_string(),
        "released": r.released.to_string(), "any_released": r.released.get() > 0,
        "given_back": r.given_back.filter(|g| g.get() > 0).map(|g| g.to_string()),
        "open": r.state == ReceivableState::Open, "state_text": if r.state == ReceivableState::Recovered && r.released.get() > 0 {
            "receivable-settled-on-appeal"
        } else {
            state_words(r.state)
        },
        "opened_at": local_time(r.opened_at),
    })
}

#[derive(Debug, Deserialize)]
struct StateQuery {
    state: Option<String>,
    page: Option<i64>,
}

/// Staff: the receivables, open ones by default.
#[get("/finance/receivables")]
async fn list_page(state: State, req: HttpRequest, q: web::Query<StateQuery>) -> Answer {
    let d = open!(state, req, STAFF);
    let asked = q.state.as_deref().filter(|s| !s.is_empty()).unwrap_or("open").to_string();
    let filter = match asked.as_str() {
        "all" => None,
        s => Some(ReceivableState::parse(s).ok_or_else(|| {
            AppError::of(crate::error::ErrorCode::StatusUnknown).arg("status", s)
        })?),
    };
    let page = crate::http::page(q.page, Some(super::lists::SHOWN))?;
    let list = db(&state, move |c| svc::list(c, None, filter, page)).await?;
    let rows: Vec<_> = list.items.iter().map(receivable_json).collect();
    let states =
        [("open", "receivable-open"), ("recovered", "receivable-recovered"), ("all", "all")];
    Ok(d.render(
        &state,
        Screen { template: "receivables.html", path: "/finance/receivables", title: "receivables" },
        context! {
            receivables => val(&rows), total => list.total, page => list.page,
            pages => super::lists::pages(list.total), states => states.to_vec(), state => asked,
        },
        &Form::none(),
        StatusCode::OK,
    )?)
}

async fn one_view(
    state: &State,
    d: &Desk,
    id: &ReceivableId,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let rid = id.clone();
    let r = db(state, move |c| svc::get(c, None, &rid)).await?;
    let recoveries: Vec<_> = r
        .recoveries
        .iter()
        .flatten()
        .map(|x| {
            serde_json::json!({
                "kind": match x.kind {
                    RecoveryKind::Offset => "recovery-offset",
                    RecoveryKind::Repayment => "recovery-repayment",
                    RecoveryKind::Release => "recovery-release",
                },
                "amount": x.amount.to_string(), "payout_id": x.payout_id, "live": x.live,
                "bank_reference": x.bank_reference, "paid_on": x.paid_on.map(|d| d.to_string()),
                "recorded_at": local_time(x.recorded_at), "undone_at": x.undone_at.map(local_time),
            })
        })
        .collect();
    let today = crate::domain::china_time(state.clock.now()).date().to_string();
    d.render(
        state,
        Screen { template: "receivable.html", path: "/finance/receivables", title: "receivable" },
        context! {
            r => val(receivable_json(&r)), recoveries => val(&recoveries),
            may_repay => d.s.caller.role == Role::Finance && r.state == ReceivableState::Open,
            today => today,
        },
        form,
        status,
    )
}

/// One receivable with its recoveries; finance records a repayment here.
#[get("/finance/receivables/{id}")]
async fn one_page(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let id: ReceivableId = typed_id(&path)?;
    let d = open!(state, req, STAFF);
    Ok(one_view(&state, &d, &id, &Form::none(), StatusCode::OK).await?)
}

#[post("/finance/receivables/{id}/repayments")]
async fn repay(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let id: ReceivableId = typed_id(&path)?;
    let d = open!(state, req, &[Role::Finance]);
    let rid = id.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| p.input::<RepaymentInput>(&Shape::TEXT),
            move |c, i, a| {
                let cx = a.cx();
                svc::repay(c, cx, &rid, &i)
            },
        )
        .await
        .map(|_| (format!("/finance/receivables/{path}"), "repaid"));
    let (st, dk, id) = (&state, &d, &id);
    d.answer(st, r, "repay", &p, &[], move |f, s| async move { one_view(st, dk, id, &f, s).await })
        .await
}
