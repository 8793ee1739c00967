//! The reviewer's desk: one page with every queue (firm onboarding, provider listings
//! and their objections, disputed orders, redemption items with their evidence inline,
//! certification applications with the rule engine's result per criterion), each item
//! with its decision form. A refused decision comes back on the same page, at its item.
//! The desk shows the longest waiting of each queue; each queue also has a page of its
//! own (`/review/firms`, …) with the work list's search, days, orders, pages and files,
//! and the same decision forms.

use super::desk::Screen;
use super::desk::{Desk, Form, Posted, Shape};
use super::lists::{self, Spec};
use super::orders::open;
use super::provider::item_status_text;
use super::space::criteria_json;
use super::{local_time, val};
use crate::db::DbConnection;
use crate::domain::certification::ApplicationStatus;
use crate::domain::id::{AnyParty, EntityId};
use crate::domain::listing::{Filter, Sort};
use crate::domain::order::{OrderStatus, RedemptionStatus};
use crate::domain::party::{ListingStatus, OnboardingStatus};
use crate::domain::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::http::Answer;
use crate::http::{db, path_id, State};
use crate::services::certification::{self as certs, Viewer};
use crate::services::firms::{self};
use crate::services::listing::ListQuery;
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
    cfg.service(desk_page).service(queue_page).service(queue_file).service(decide);
}

const REVIEWING: &[Role] = &[Role::Reviewer, Role::Admin];
/// Items shown per queue; the count says how many wait in all.
const SHOWN: i64 = 20;

fn first(n: i64) -> Page {
    Page { page: 1, per_page: n }
}

/// A queue with a page of its own: its list's question (the queue's state fixed, oldest
/// waiting first unless asked otherwise).
static ITEMS_Q: Spec<RedemptionStatus> = Spec {
    path: "/review/items",
    title: "redemption-items",
    search_hint: "search-orders-hint",
    statuses: &[],
    parse: RedemptionStatus::parse,
    sorts: redemptions::ITEM_SORTS,
    tabs: &[],
};
const WAITING: &[Sort] = &[Sort::Oldest, Sort::Newest, Sort::Name];
static FIRMS_Q: Spec<OnboardingStatus> = Spec {
    path: "/review/firms",
    title: "firm-onboarding",
    search_hint: "search-parties-hint",
    statuses: &[],
    parse: OnboardingStatus::parse,
    sorts: WAITING,
    tabs: &[],
};
static PROVIDERS_Q: Spec<ListingStatus> = Spec {
    path: "/review/providers",
    title: "provider-listings",
    search_hint: "search-parties-hint",
    statuses: &[],
    parse: ListingStatus::parse,
    sorts: WAITING,
    tabs: &[],
};
static NOTICE_Q: Spec<ListingStatus> = Spec {
    path: "/review/notice",
    title: "listing-notices-and-objections",
    search_hint: "search-parties-hint",
    statuses: &[],
    parse: ListingStatus::parse,
    sorts: WAITING,
    tabs: &[],
};
static APPLICATIONS_Q: Spec<ApplicationStatus> = Spec {
    path: "/review/applications",
    title: "certification-2",
    search_hint: "search-certifications-hint",
    statuses: &[],
    parse: ApplicationStatus::parse,
    sorts: WAITING,
    tabs: &[],
};

/// What a queue's page shows besides its records: the filter's context (form, pager,
/// downloads) and its own address as asked (where its decisions return).
#[derive(Debug, Clone)]
struct Shown {
    list: minijinja::Value,
    back: String,
}

/// One queue shown on its own page, as asked.
#[derive(Debug, Clone)]
enum Focus {
    Items(Filter<RedemptionStatus>, Page),
    Firms(Filter<OnboardingStatus>, Page),
    Providers(Filter<ListingStatus>, Page),
    Notice(Filter<ListingStatus>, Page),
    Applications(Filter<ApplicationStatus>, Page),
}

impl Focus {
    fn name(&self) -> &'static str {
        match self {
            Focus::Items(..) => "items",
            Focus::Firms(..) => "firms",
            Focus::Providers(..) => "providers",
            Focus::Notice(..) => "notice",
            Focus::Applications(..) => "applications",
        }
    }

    /// The page a queue shows: the one asked on its own page, the first
    /// [`SHOWN`] on the desk, none (only the count) on another queue's page.
    fn page(focus: &Option<Focus>, queue: &str) -> Page {
        match focus {
            None => first(SHOWN),
            Some(f) if f.name() == queue => match f {
                Focus::Items(_, p)
                | Focus::Firms(_, p)
                | Focus::Providers(_, p)
                | Focus::Notice(_, p)
                | Focus::Applications(_, p) => *p,
            },
            Some(_) => first(0),
        }
    }
}

/// A queue's page as asked: the filter judged with the queue's state fixed (a bad one
/// gives the queue's first page and the form refused beside its fields), and what the
/// page's filter form, pager and downloads need.
fn focused(d: &Desk, queue: &str, mut q: ListQuery) -> Option<(Focus, Option<Form>, Shown)> {
    q.status = None;
    let q = q.without_blanks();
    let back = back_to(queue, &q);
    let shown = |list: minijinja::Value| Shown { list, back: back.clone() };
    fn fixed<S: Clone>(
        d: &Desk,
        spec: &'static Spec<S>,
        q: &ListQuery,
        state: S,
    ) -> (Filter<S>, Page, Option<Form>, minijinja::Value) {
        let (mut f, page, refused) = lists::judged_by(d, spec, q, SHOWN);
        if refused.is_some() {
            f = Filter::queue(state.clone());
        }
        f.status = Some(state);
        (f, page, refused, lists::filter_context(spec, q))
    }
    Some(match queue {
        "items" => {
            let (f, p, r, c) = fixed(d, &ITEMS_Q, &q, RedemptionStatus::Submitted);
            (Focus::Items(f, p), r, shown(c))
        }
        "firms" => {
            let (f, p, r, c) = fixed(d, &FIRMS_Q, &q, OnboardingStatus::Submitted);
            (Focus::Firms(f, p), r, shown(c))
        }
        "providers" => {
            let (f, p, r, c) = fixed(d, &PROVIDERS_Q, &q, ListingStatus::Applied);
            (Focus::Providers(f, p), r, shown(c))
        }
        "notice" => {
            let (f, p, r, c) = fixed(d, &NOTICE_Q, &q, ListingStatus::InNotice);
            (Focus::Notice(f, p), r, shown(c))
        }
        "applications" => {
            let (f, p, r, c) = fixed(d, &APPLICATIONS_Q, &q, ApplicationStatus::Submitted);
            (Focus::Applications(f, p), r, shown(c))
        }
        _ => return None,
    })
}

/// A queue's page: `/review/{queue}` with its list's question.
#[get("/review/{queue}")]
async fn queue_page(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let d = open!(state, req, REVIEWING);
    let q = lists::asked(&req)?;
    let (focus, refused, list) =
        focused(&d, &path, q).ok_or_else(|| AppError::not_found("page"))?;
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let form = refused.unwrap_or_else(Form::none);
    Ok(review_page(&state, &d, &form, status, Some((focus, list))).await?)
}

/// A queue's download: the whole filtered queue as CSV or XLSX, the register's columns.
#[get("/review/{queue}/export")]
async fn queue_file(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let d = open!(state, req, REVIEWING);
    let mut q = lists::asked(&req)?;
    q.status = None;
    let policy = state.policy.clone();
    Ok(match path.as_str() {
        "items" => {
            lists::export(
                &state,
                &d,
                &ITEMS_Q,
                q,
                move |c: &mut DbConnection, f: &Filter<RedemptionStatus>, p| {
                    let f = Filter { status: Some(RedemptionStatus::Submitted), ..f.clone() };
                    redemptions::items(c, &policy, Party::Staff, &f, p)
                },
            )
            .await?
        }
        "firms" => {
            lists::export(
                &state,
                &d,
                &FIRMS_Q,
                q,
                |c: &mut DbConnection, f: &Filter<OnboardingStatus>, p| {
                    firms::list(
                        c,
                        &Filter { status: Some(OnboardingStatus::Submitted), ..f.clone() },
                        p,
                    )
                },
            )
            .await?
        }
        "providers" | "notice" => {
            let (spec, fixed) = if path.as_str() == "providers" {
                (&PROVIDERS_Q, ListingStatus::Applied)
            } else {
                (&NOTICE_Q, ListingStatus::InNotice)
            };
            lists::export(
                &state,
                &d,
                spec,
                q,
                move |c: &mut DbConnection, f: &Filter<ListingStatus>, p| {
                    providers::list(c, &Filter { status: Some(fixed), ..f.clone() }, p)
                },
            )
            .await?
        }
        "applications" => {
            lists::export(
                &state,
                &d,
                &APPLICATIONS_Q,
                q,
                |c: &mut DbConnection, f: &Filter<ApplicationStatus>, p| {
                    let f = Filter { status: Some(ApplicationStatus::Submitted), ..f.clone() };
                    certs::applications(c, Viewer::Staff, &f, p)
                },
            )
            .await?
        }
        _ => return Err(AppError::not_found("page").into()),
    })
}

async fn review_page(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
    focus: Option<(Focus, Shown)>,
) -> Result<HttpResponse, AppError> {
    let (policy, actor) = (state.policy.clone(), d.actor());
    let (actor_role, now) = (d.s.caller.role, state.clock.now());
    let (focus, shown) = match focus {
        Some((f, l)) => (Some(f), Some(l)),
        None => (None, None),
    };
    let (list, back) = match shown {
        Some(Shown { list, back }) => (Some(list), Some(back)),
        None => (None, None),
    };
    let focus_name = focus.as_ref().map(Focus::name);
    let queues = db(state, move |c| {
        let page = |queue: &str| Focus::page(&focus, queue);
        let firms = match &focus {
            Some(Focus::Firms(f, _)) => firms::list(c, f, page("firms"))?,
            _ => firms::list(c, &Filter::queue(OnboardingStatus::Submitted), page("firms"))?,
        };
        let applied = match &focus {
            Some(Focus::Providers(f, _)) => providers::list(c, f, page("providers"))?,
            _ => providers::list(c, &Filter::queue(ListingStatus::Applied), page("providers"))?,
        };
        // Returned for correction: with the applicants until they resubmit.
        let returned = (
            firms::list(c, &Filter::queue(OnboardingStatus::Returned), first(1))?.total,
            providers::list(c, &Filter::queue(ListingStatus::Returned), first(1))?.total,
        );
        let noticed = match &focus {
            Some(Focus::Notice(f, _)) => providers::list(c, f, page("notice"))?,
            _ => providers::list(c, &Filter::queue(ListingStatus::InNotice), page("notice"))?,
        };
        let mut objections = Vec::new();
        for p in &noticed.items {
            for o in providers::objections(c, &p.id)? {
                if o.status.as_str() == "open" {
                    objections.push((p.name.clone(), o));
                }
            }
        }
        let party = Party::of(&actor)?;
        let disputes = orders::list(
            c,
            &policy,
            party,
            Some(OrderStatus::Disputed.as_str()),
            page("disputes"),
        )?;
        let items = match &focus {
            Some(Focus::Items(f, _)) => redemptions::items(c, &policy, party, f, page("items"))?,
            _ => redemptions::items(
                c,
                &policy,
                party,
                &Filter::queue(RedemptionStatus::Submitted),
                page("items"),
            )?,
        };
        let mut evidence = Vec::with_capacity(items.items.len());
        for i in &items.items {
            evidence.push(orders::get(c, &policy, party, &i.order_id)?);
        }
        let apps = match &focus {
            Some(Focus::Applications(f, _)) => {
                certs::applications(c, Viewer::Staff, f, page("applications"))?
            }
            _ => certs::applications(
                c,
                Viewer::Staff,
                &Filter::queue(ApplicationStatus::Submitted),
                page("applications"),
            )?,
        };
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
            records.insert(f.id.as_str().to_string(), records::of_firm(c, now, &f.id)?);
        }
        let providers =
            applied.items.iter().map(|p| &p.id).chain(items.items.iter().map(|i| &i.provider_id));
        for p in providers {
            if !records.contains_key(p.as_str()) {
                records.insert(p.as_str().to_string(), records::of_provider(c, &policy, now, p)?);
            }
        }
        let mut rules = std::collections::HashMap::new();
        // Each listing application under the listing rules.
        let mut checks = std::collections::HashMap::new();
        for p in &applied.items {
            let check = providers::listing_check(c, &policy.listing, p, now)?;
            checks.insert(p.id.as_str().to_string(), check);
        }
        for (i, o) in items.items.iter().zip(evidence.iter()) {
            if let Some(r) =
                records::share_rule(c, &i.programme_id, o.contract_amount, o.covered_amount)?
            {
                rules.insert(i.id.as_str().to_string(), r);
            }
        }
        Ok((
            (firms, applied, noticed, objections, disputes, items, evidence, apps),
            (docs, records, rules, checks),
            returned,
        ))
    })
    .await?;
    let (
        (firms, applied, noticed, objections, disputes, items, evidence, apps),
        (docs, records, rules, checks),
        returned,
    ) = queues;
    let record_of = |id: &str| records.get(id).map(|r| record_json(d, r));
    let docs_of = |id: &str| -> Option<Vec<serde_json::Value>> {
        docs.get(id).map(|l| l.iter().map(super::documents::shown).collect())
    };
    // Names in the reader's language, never the codes the data keeps.
    let en = d.en();
    let industry = |code: &str| crate::i18n::industry_name(&state.policy, code, en);
    let district = |code: &Option<String>| {
        code.as_deref().map(|c| crate::i18n::district_name(&state.policy, c, en))
    };
    let firms_v: Vec<_> = firms
        .items
        .iter()
        .map(|f| {
            json!({
                "id": f.id, "name": f.name, "credit_code": f.credit_code,
                "industry": industry(&f.industry), "employees": f.employees,
                "district": district(&f.district),
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
            "check": checks.get(p.id.as_str()).map(|c| listing_check_json(d, &state.policy, &p.name, c)),
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
    let (focus_total, focus_page) = match focus_name {
        Some("items") => (items.total, items.page),
        Some("firms") => (firms.total, firms.page),
        Some("providers") => (applied.total, applied.page),
        Some("notice") => (noticed.total, noticed.page),
        Some("applications") => (apps.total, apps.page),
        _ => (0, 1),
    };
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
            focus => focus_name, list => list, back => back, page => focus_page,
            pages => lists::pages_of(focus_total, SHOWN), shown => SHOWN,
        },
        form,
        status,
    )
}

#[get("/review")]
async fn desk_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, REVIEWING);
    Ok(review_page(&state, &d, &Form::none(), StatusCode::OK, None).await?)
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
    };
    // Sent from a queue's own page: back to that page as it was asked.
    let back = back_of(&p);
    let to = back.as_ref().map_or_else(|| "/review".to_string(), |(queue, q)| back_to(queue, q));
    let r = r.map(|()| (to, "decided"));
    let form_id = format!("{kind}-{}", path_tail(&req));
    let (st, dk) = (&state, &d);
    let focus = back.and_then(|(queue, q)| focused(&d, &queue, q)).map(|(f, _, l)| (f, l));
    d.answer(st, r, &form_id, &p, &[], move |f, s| async move {
        review_page(st, dk, &f, s, focus).await
    })
    .await
}

/// A queue's page as asked (what its decision forms send back to).
fn back_to(queue: &str, q: &ListQuery) -> String {
    let mut parts: Vec<(&str, String)> =
        q.given().into_iter().filter(|(k, _)| *k != "status").collect();
    if let Some(n) = q.page.filter(|n| *n > 1) {
        parts.push(("page", n.to_string()));
    }
    let query = serde_urlencoded::to_string(parts).unwrap_or_default();
    if query.is_empty() {
        format!("/review/{queue}")
    } else {
        format!("/review/{queue}?{query}")
    }
}

/// The queue page a decision was sent from (its hidden `_back`: `/review/{queue}?…`),
/// read as a list's question; anything else is the desk.
fn back_of(p: &Posted) -> Option<(String, ListQuery)> {
    let back = p.get("_back").trim();
    let rest = back.strip_prefix("/review/")?;
    let (queue, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !["items", "firms", "providers", "notice", "applications"].contains(&queue) {
        return None;
    }
    let q = lists::asked_from(query).ok()?;
    Some((queue.to_string(), q))
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
        "score": r.standing.filter(|s| s.ratings > 0).map(|s| json!({
            "score": s.score.map(|x| format!("{x:.2}")), "ratings": s.ratings})),
        "credit": r.credit.as_ref().map(|a| json!({
            "grade": a.grade.as_str(), "points": a.points,
            "reasons": a.reasons.iter().map(|x| d.t_with(
                &format!("credit-reason-{}", x.input.as_str().replace('_', "-")),
                &[("count", x.count.to_string().as_str()), ("points", x.points.to_string().as_str())],
            )).collect::<Vec<_>>(),
            "sanction": d.t(&format!("credit-sanction-{}", a.sanction.as_str())),
        })),
        "holds": r.holds.iter().map(|h| format!(
            "{}{}{}{}{} {}{}",
            d.t(super::screening::list_words(h.entry.list_type)), d.t("paren-open"), h.entry.source,
            d.t("sep-comma"), d.t("listed-on-day"), h.entry.listed_on, d.t("paren-close"),
        )).collect::<Vec<_>>(),
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

/// A listing application under the listing rules, in the reader's words: each rule's
/// name, what it asks, what the application shows, met or not.
fn listing_check_json(
    d: &Desk,
    policy: &crate::domain::Policy,
    provider_name: &str,
    c: &crate::domain::listing_rules::ListingCheck,
) -> serde_json::Value {
    use crate::domain::listing_rules::ListingRule;
    let en = d.en();
    let yes_no = |yes: bool, y: &str, n: &str| d.t(if yes { y } else { n });
    let rules: Vec<_> = c
        .rules
        .iter()
        .map(|r| {
            let (name, required, actual) = match r {
                ListingRule::BusinessLicence { uploaded } => (
                    d.t("business-licence"),
                    d.t("listing-rule-licence-required"),
                    yes_no(*uploaded, "listing-rule-uploaded", "listing-rule-not-uploaded"),
                ),
                ListingRule::Qualifications { categories, in_force, expired } => {
                    let names: Vec<String> =
                        categories.iter().map(|k| super::category_name(policy, k, en)).collect();
                    (
                        d.t("listing-rule-qualifications"),
                        d.t_with(
                            "listing-rule-qualifications-required",
                            &[
                                ("n", &categories.len().to_string()),
                                ("categories", &names.join(&d.t("sep-enum"))),
                            ],
                        ),
                        d.t_with(
                            "listing-rule-qualifications-actual",
                            &[
                                ("in_force", &in_force.to_string()),
                                ("expired", &expired.to_string()),
                            ],
                        ),
                    )
                }
                ListingRule::ContactVerified { verified } => (
                    d.t("listing-rule-contact"),
                    d.t("listing-rule-contact-required"),
                    yes_no(*verified, "listing-rule-verified", "listing-rule-not-verified"),
                ),
                ListingRule::AccountName { account_name, .. } => (
                    d.t("listing-rule-account-name"),
                    d.t_with("listing-rule-account-name-required", &[("name", provider_name)]),
                    if account_name.trim().is_empty() {
                        d.t("not-stated")
                    } else {
                        account_name.clone()
                    },
                ),
            };
            json!({"name": name, "required": required, "actual": actual,
                   "pass": if r.met() { "met" } else { "not-met" }})
        })
        .collect();
    json!({
        "all_met": c.all_met,
        "summary": d.t_with(
            "listing-rules-summary",
            &[("met", &c.met.to_string()), ("total", &c.rules.len().to_string())],
        ),
        "rules": rules,
    })
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
