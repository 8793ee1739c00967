//! The reviewer's desk: one page with every queue (firm onboarding, provider listings
//! and their objections, disputed orders, redemption items with their evidence inline,
//! certification applications with the rule engine's result per criterion), each item
//! with its decision form. A refused decision comes back on the same page, at its item.

use super::desk::Screen;
use super::desk::{Desk, Form, Posted, Shape};
use super::orders::open;
use super::provider::item_status_text;
use super::space::criteria_json;
use super::{local_time, val};
use crate::db::DbConnection;
use crate::domain::certification::ApplicationStatus;
use crate::domain::id::{AnyParty, EntityId};
use crate::domain::listing::Filter;
use crate::domain::order::{OrderStatus, RedemptionStatus};
use crate::domain::party::{ListingStatus, OnboardingStatus};
use crate::domain::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::http::Answer;
use crate::http::{db, path_id, State};
use crate::services::certification::{self as certs, Viewer};
use crate::services::firms::{self};
use crate::services::orders::{self as orders, Party};
use crate::services::providers::{self};
use crate::services::records;
use crate::services::redemptions::{self};
use crate::services::Cx;
use crate::services::Page;
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::de::DeserializeOwned;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(desk_page).service(decide);
}

const REVIEWING: &[Role] = &[Role::Reviewer, Role::Admin];
/// Items shown per queue; the count says how many wait in all.
const SHOWN: i64 = 20;

fn first(n: i64) -> Page {
    Page { page: 1, per_page: n }
}

async fn review_page(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (policy, actor) = (state.policy.clone(), d.actor());
    let (actor_role, now) = (d.s.caller.role, state.clock.now());
    let queues = db(state, move |c| {
        let firms = firms::list(c, &Filter::queue(OnboardingStatus::Submitted), first(SHOWN))?;
        let applied = providers::list(c, &Filter::queue(ListingStatus::Applied), first(SHOWN))?;
        // Returned for correction: with the applicants until they resubmit.
        let returned = (
            firms::list(c, &Filter::queue(OnboardingStatus::Returned), first(1))?.total,
            providers::list(c, &Filter::queue(ListingStatus::Returned), first(1))?.total,
        );
        let noticed = providers::list(c, &Filter::queue(ListingStatus::InNotice), first(SHOWN))?;
        let mut objections = Vec::new();
        for p in &noticed.items {
            for o in providers::objections(c, &p.id)? {
                if o.status.as_str() == "open" {
                    objections.push((p.name.clone(), o));
                }
            }
        }
        let party = Party::of(&actor)?;
        let disputes =
            orders::list(c, &policy, party, Some(OrderStatus::Disputed.as_str()), first(SHOWN))?;
        let items = redemptions::items(
            c,
            &policy,
            party,
            &Filter::queue(RedemptionStatus::Submitted),
            first(SHOWN),
        )?;
        let mut evidence = Vec::with_capacity(items.items.len());
        for i in &items.items {
            evidence.push(orders::get(c, &policy, party, &i.order_id)?);
        }
        let apps = certs::applications(
            c,
            Viewer::Staff,
            &Filter::queue(ApplicationStatus::Submitted),
            first(SHOWN),
        )?;
        // Each applicant's documents, for those who read them (not administrators).
        let reader = crate::services::documents::Reader::Staff(actor_role);
        let mut docs = std::collections::HashMap::new();
        let parties = firms
            .items
            .iter()
            .map(|f| AnyParty::Firm(f.id.clone()))
            .chain(applied.items.iter().map(|p| AnyParty::Provider(p.id.clone())));
        for party in parties {
            if let Ok(list) = crate::services::documents::of_party(c, reader, &party, now) {
                docs.insert(party.as_str().to_string(), list);
            }
        }
        // Each applicant's record with the programme, and each item's share rule.
        let mut records = std::collections::HashMap::new();
        for f in &firms.items {
            records.insert(f.id.as_str().to_string(), records::of_firm(c, &f.id)?);
        }
        let providers =
            applied.items.iter().map(|p| &p.id).chain(items.items.iter().map(|i| &i.provider_id));
        for p in providers {
            if !records.contains_key(p.as_str()) {
                records.insert(p.as_str().to_string(), records::of_provider(c, p)?);
            }
        }
        let mut rules = std::collections::HashMap::new();
        for (i, o) in items.items.iter().zip(evidence.iter()) {
            if let Some(r) =
                records::share_rule(c, &i.programme_id, o.contract_amount, o.covered_amount)?
            {
                rules.insert(i.id.as_str().to_string(), r);
            }
        }
        Ok((
            (firms, applied, noticed, objections, disputes, items, evidence, apps),
            (docs, records, rules),
            returned,
        ))
    })
    .await?;
    let (
        (firms, applied, noticed, objections, disputes, items, evidence, apps),
        (docs, records, rules),
        returned,
    ) = queues;
    let record_of = |id: &str| records.get(id).map(|r| record_json(d, r));
    let docs_of = |id: &str| -> Option<Vec<serde_json::Value>> {
        docs.get(id).map(|l| l.iter().map(super::documents::shown).collect())
    };
    // Names in the reader's language, never the codes the data keeps.
    let en = d.en();
    let industry = |code: &str| {
        state.policy.sme.industries.iter().find(|i| i.code == code).map_or_else(
            || code.to_string(),
            |i| {
                if en {
                    i.name_en.clone()
                } else {
                    i.name_zh.clone()
                }
            },
        )
    };
    let firms_v: Vec<_> = firms
        .items
        .iter()
        .map(|f| {
            json!({
                "id": f.id, "name": f.name, "credit_code": f.credit_code,
                "industry": industry(&f.industry), "employees": f.employees,
                "revenue": f.revenue.to_string(),
                "size_class": d.t(super::i18n::size_class(f.size_class)),
                "registered_on": f.registered_on.to_string(), "submitted_at": local_time(f.created_at),
                "documents": docs_of(f.id.as_str()), "record": record_of(f.id.as_str()),
                "size_rule": size_rule(d, &state.policy, &f.industry),
            })
        })
        .collect();
    let provider_json = |p: &providers::ProviderView| {
        json!({
            "id": p.id, "name": p.name, "credit_code": p.credit_code,
            "categories": p.categories.iter().map(|c| state.policy.category(c).map_or_else(|| c.clone(), |k| if en { k.name_en.clone() } else { k.name_zh.clone() })).collect::<Vec<_>>(),
            "notice_ends_at": p.notice_ends_at.map(local_time), "description": p.description,
            "documents": docs_of(p.id.as_str()), "record": record_of(p.id.as_str()),
        })
    };
    let applied_v: Vec<_> = applied.items.iter().map(provider_json).collect();
    let noticed_v: Vec<_> = noticed.items.iter().map(provider_json).collect();
    let objections_v: Vec<_> = objections
        .iter()
        .map(|(name, o)| {
            json!({"id": o.id, "provider_name": name, "objector": o.objector_name,
                   "reason": o.reason, "filed_at": local_time(o.filed_at)})
        })
        .collect();
    let disputes_v: Vec<_> = disputes
        .items
        .iter()
        .map(|o| {
            json!({"id": o.id, "order_no": o.order_no, "firm_name": o.firm_name,
                   "provider_name": o.provider_name, "reason": o.dispute_reason,
                   "covered_amount": o.covered_amount.to_string()})
        })
        .collect();
    let items_v: Vec<_> = items
        .items
        .iter()
        .zip(evidence.iter())
        .map(|(i, o)| {
            let ev: Vec<_> = o
                .evidence
                .iter()
                .flatten()
                .map(|e| {
                    json!({"href": format!("/orders/{}/evidence/{}", o.id, e.id),
                           "kind_name": super::i18n::evidence_kind(e.kind), "file_name": e.file_name,
                           "image": e.media_type.starts_with("image/")})
                })
                .collect();
            let warnings: Vec<String> =
                o.evidence_warnings.iter().flatten().map(|w| super::orders::evidence_warning(d, w)).collect();
            json!({
                "warnings": warnings,
                "id": i.id, "order_id": i.order_id, "order_no": i.order_no,
                "category_name": super::category_name(&state.policy, &i.category, en), "amount": i.amount.to_string(),
                "status_text": item_status_text(&super::wire(&i.status)),
                "firm_name": o.firm_name, "provider_name": o.provider_name, "title": o.title,
                "contract_amount": o.contract_amount.to_string(), "evidence": ev,
                "covered_amount": o.covered_amount.to_string(),
                "record": record_of(i.provider_id.as_str()),
                "rule": rules.get(i.id.as_str()).map(share_rule_json),
            })
        })
        .collect();
    let apps_v: Vec<_> = apps
        .items
        .iter()
        .map(|a| {
            json!({
                "id": a.id, "space_name": a.space_name, "scheme_name": super::scheme_name(&state.policy, &a.scheme, &a.scheme_name, en),
                "eligible": a.eligible, "summary": if en { &a.evaluation.summary_en } else { &a.evaluation.summary_zh },
                "criteria": criteria_json(a, en), "submitted_at": local_time(a.submitted_at),
            })
        })
        .collect();
    d.render(
        state,
        Screen { template: "review.html", path: "/review", title: "review-desk" },
        context! {
            firms => val(&firms_v), firms_total => firms.total,
            applied => val(&applied_v), applied_total => applied.total,
            noticed => val(&noticed_v), noticed_total => noticed.total,
            objections => val(&objections_v),
            disputes => val(&disputes_v), disputes_total => disputes.total,
            items => val(&items_v), items_total => items.total,
            apps => val(&apps_v), apps_total => apps.total,
            firms_returned => returned.0, providers_returned => returned.1,
        },
        form,
        status,
    )
}

#[get("/review")]
async fn desk_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, REVIEWING);
    Ok(review_page(&state, &d, &Form::none(), StatusCode::OK).await?)
}

/// One decision: `kind` is firm, provider, objection, item or application; the form is
/// the API's decision input for it.
#[post("/review/{kind}/{id}")]
async fn decide(state: State, req: HttpRequest, path: Path<(String, String)>, p: Posted) -> Answer {
    let (kind, id) = path.into_inner();
    let d = open!(state, req, REVIEWING);
    path_id(&id, "item")?;
    let (st, rq, dk, ps) = (&state, &req, &d, &p);
    let r = match kind.as_str() {
        "firm" => decide_one(st, rq, dk, ps, &id, &CORRECTING, firms::decide_onboarding).await,
        "provider" => decide_one(st, rq, dk, ps, &id, &CORRECTING, providers::decide_listing).await,
        "objection" => {
            decide_one(st, rq, dk, ps, &id, &Shape::TEXT, providers::resolve_objection).await
        }
        "item" => decide_one(st, rq, dk, ps, &id, &Shape::TEXT, redemptions::decide).await,
        "application" => decide_one(st, rq, dk, ps, &id, &Shape::TEXT, certs::decide).await,
        _ => return Err(AppError::not_found("page").into()),
    }
    .map(|()| ("/review".to_string(), "decided"));
    let form_id = format!("{kind}-{}", path_tail(&req));
    let (st, dk) = (&state, &d);
    d.answer(st, r, &form_id, &p, &[], move |f, s| async move { review_page(st, dk, &f, s).await })
        .await
}

/// An application's decision form: its text box of corrections is a list, one item a
/// line.
const CORRECTING: Shape = Shape { lists: &["corrections"], ints: &[], bools: &[] };

/// One decision of the review desk: the form read (as `shape` says) as the API's
/// decision input `I` for it, then `run` on what the path names (anything but an id is
/// "not found").
#[allow(clippy::too_many_arguments)]
async fn decide_one<T, I, V>(
    state: &State,
    req: &HttpRequest,
    d: &Desk,
    p: &Posted,
    raw: &str,
    shape: &'static Shape,
    run: fn(&mut DbConnection, Cx<'_>, &T, &I) -> AppResult<V>,
) -> Result<(), AppError>
where
    T: EntityId + Send + 'static,
    I: DeserializeOwned + Send + 'static,
    V: Send + 'static,
{
    let id = T::parse(raw).ok_or_else(|| AppError::not_found("item"))?;
    d.attempt_all(
        state,
        req,
        p,
        move |p| p.input_all::<I>(shape),
        move |c, i, a| run(c, a.cx(), &id, &i).map(drop),
    )
    .await
}

/// The item id as it appears in the path (the form's id is `{kind}-{id}`).
fn path_tail(req: &HttpRequest) -> String {
    req.path().rsplit('/').next().unwrap_or_default().to_string()
}

/// An applicant's record in the reader's words: earlier steps (with reasons and lists
/// of corrections), vouchers, orders, disputes, redemptions, objections by state.
pub(super) fn record_json(d: &Desk, r: &records::Record) -> serde_json::Value {
    let steps: Vec<_> = r
        .steps
        .iter()
        .map(|s| {
            json!({"at": local_time(s.at),
                   "what": super::audit::action_words(&s.action).map(|k| d.t(&k)).unwrap_or_else(|| s.action.clone()),
                   "reason": s.reason, "corrections": s.corrections})
        })
        .collect();
    let counted = |pairs: Vec<(String, i64)>| -> String {
        pairs.iter().map(|(w, n)| format!("{w} {n}")).collect::<Vec<_>>().join(&d.t("sep-enum"))
    };
    let orders = counted(
        r.orders.iter().map(|(s, n)| (d.t(super::orders::status_text(s.as_str())), *n)).collect(),
    );
    let redemptions = counted(
        r.redemptions.iter().map(|(s, n)| (d.t(crate::i18n::redemption(*s)), *n)).collect(),
    );
    let objections = counted(
        r.objections
            .iter()
            .map(|(s, n)| (d.t(super::dashboard::objection_words(s.as_str())), *n))
            .collect(),
    );
    json!({
        "new": r.is_new(), "steps": steps,
        "vouchers": r.vouchers.filter(|v| v.count > 0).map(|v| json!({
            "count": v.count, "face": v.face_value.to_string(), "balance": v.balance.to_string()})),
        "orders": orders, "disputed": r.disputed, "redemptions": redemptions, "objections": objections,
    })
}

/// The national size classification's rows for the firm's industry, in words: what its
/// size class was measured against.
fn size_rule(
    d: &Desk,
    policy: &crate::domain::Policy,
    industry: &str,
) -> Option<serde_json::Value> {
    let rule = policy.sme.industry(industry)?;
    let en = d.en();
    let bounds = |b: &crate::domain::size_class::Bounds| -> String {
        let mut parts = Vec::new();
        if let Some(n) = b.employees {
            parts.push(crate::i18n::t_values("size-rule-employees", en, &[("n", &n.to_string())]));
        }
        if let Some(y) = b.revenue_yuan {
            let yuan = super::yuan(crate::domain::Fen::new(y.saturating_mul(100)));
            parts.push(crate::i18n::t_values("size-rule-revenue", en, &[("yuan", &yuan)]));
        }
        if let Some(y) = b.total_assets_yuan {
            let yuan = super::yuan(crate::domain::Fen::new(y.saturating_mul(100)));
            parts.push(crate::i18n::t_values("size-rule-assets", en, &[("yuan", &yuan)]));
        }
        parts.join(&d.t("size-rule-and"))
    };
    Some(json!({
        "industry": super::named(&rule.name_zh, &rule.name_en, en),
        "medium": bounds(&rule.medium), "small": bounds(&rule.small),
    }))
}

/// A redemption item's share against its programme's rule.
fn share_rule_json(r: &records::ShareRule) -> serde_json::Value {
    let pct = rust_decimal::Decimal::new(i64::from(r.ratio_bp), 2).normalize().to_string();
    json!({
        "programme": r.programme_name, "percent": pct,
        "threshold": r.full_coverage_threshold.to_string(), "allowed": r.allowed.to_string(),
        "within": r.within,
    })
}
