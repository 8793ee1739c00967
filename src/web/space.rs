//! The space's page: certifications with the months they yield support, applications
//! with every criterion's result as evaluated on the day, entitlements and payments,
//! yearly statistics.

use super::desk::Screen;
use super::wire;
use crate::domain::listing::Filter;
use crate::domain::{china_time, Role};
use crate::http::Answer;
use crate::http::{db, State};
use crate::services::certification::{self as certs, Viewer};
use crate::services::subsidies::{self, EntitlementQuery};
use crate::services::{statistics, Page};
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest};
use minijinja::context;
use minijinja::value::Value;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(space_page);
}

#[get("/space")]
async fn space_page(state: State, req: HttpRequest) -> Answer {
    let d = super::orders::open!(state, req, &[Role::Space]);
    let en = d.en();
    let space = d.space()?;
    let policy = state.policy.clone();
    let all = Page { page: 1, per_page: 100 };
    let (c, a, e, f) = db(&state, move |c| {
        let v = Viewer::Space(&space);
        Ok((
            certs::certifications(c, &policy, v, &Filter::default(), all)?,
            certs::applications(c, v, &Filter::default(), all)?,
            subsidies::entitlements(c, &policy, v, &EntitlementQuery::default(), all)?,
            statistics::filings_of(c, &policy, &space)?,
        ))
    })
    .await?;
    let certifications: Vec<Value> = c
        .items
        .iter()
        .map(|c| {
            let status = wire(&c.status);
            let first = c.benefits.first.to_string();
            let benefits = match c.benefits.stops {
                Some(stop) => super::i18n::t_values(
                    "benefits-from-until",
                    en,
                    &[("first", &first), ("stop", &stop.to_string())],
                ),
                None => super::i18n::t_values("benefits-from", en, &[("first", &first)]),
            };
            super::val(json!({
                "scheme_name": super::scheme_name(&state.policy, &c.scheme, &c.scheme_name, en), "certified_on": c.certified_on.to_string(),
                "valid_until": c.valid_until.map(|d| d.to_string()),
                "status_text": super::certification_status(&status),
                "benefits": benefits,
            }))
        })
        .collect();
    let applications: Vec<Value> = a
        .items
        .iter()
        .map(|a| {
            let criteria = criteria_json(a, en);
            let status = wire(&a.status);
            super::val(json!({
                "scheme_name": super::scheme_name(&state.policy, &a.scheme, &a.scheme_name, en),
                "status_text": match status.as_str() {
                    "submitted" => "under-review", "certified" => "certified", "refused" => "refused", _ => "withdrawn-3",
                },
                "submitted_at": china_time(a.submitted_at).format("%Y-%m-%d").to_string(),
                "summary": if en { &a.evaluation.summary_en } else { &a.evaluation.summary_zh }, "criteria": criteria,
                "reason": a.decision_reason, "id": a.id, "refused": status == "refused",
            }))
        })
        .collect();
    let entitlements: Vec<Value> = e
        .items
        .iter()
        .map(|e| {
            let status = wire(&e.status);
            super::val(json!({
                "policy_name": e.policy_name, "period": e.period, "amount": e.amount.to_string(),
                "basis": e.basis,
                "status_text": match status.as_str() {
                    "in_notice" => "in-public-notice", "payable" => "approved-to-be-paid", "paid" => "paid", _ => "refused",
                },
            }))
        })
        .collect();
    let filings: Vec<Value> = f
        .iter()
        .map(|f| {
            super::val(json!({
                "year": f.year, "late": f.late,
                "filed_at": china_time(f.filed_at).format("%Y-%m-%d").to_string(),
            }))
        })
        .collect();
    Ok(d.render(
        &state,
        Screen { template: "space.html", path: "/space", title: "my-space" },
        context! {
            certifications => certifications, applications => applications,
            entitlements => entitlements, filings => filings,
        },
        &super::desk::Form::none(),
        StatusCode::OK,
    )?)
}

/// An application's criteria as evaluated on the day: required, actual, result.
pub(super) fn criteria_json(
    a: &crate::services::certification::ApplicationView,
    en: bool,
) -> Vec<serde_json::Value> {
    a.evaluation
        .criteria
        .iter()
        .map(|c| {
            let join = |f: fn(&crate::domain::certification::TestResult) -> &str| {
                c.tests
                    .iter()
                    .map(f)
                    .collect::<Vec<_>>()
                    .join(if en { " or " } else { " 或 " })
            };
            // English where the evaluation gives it (one kept before it did has none).
            let (required, actual) = if en && c.tests.iter().all(|t| !t.actual_en.is_empty()) {
                (join(|t| t.required_en.as_str()), join(|t| t.actual_en.as_str()))
            } else {
                (join(|t| t.required.as_str()), join(|t| t.actual.as_str()))
            };
            json!({
                "name": super::named(&c.name_zh, &c.name_en, en),
                "required": required,
                "actual": actual,
                "pass": match c.pass { Some(true) => "met", Some(false) => "not-met", None => "not-applicable" },
            })
        })
        .collect()
}
