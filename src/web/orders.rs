//! Spending a voucher in pages: the firm browses the catalogue, orders with the split
//! between voucher and own payment shown before it confirms, and confirms or disputes the
//! delivery; the provider accepts or declines, uploads its evidence and delivers. One
//! order page serves both sides (and staff, read-only), with the evidence viewable inline.

use super::desk::Screen;
use super::desk::{Desk, Form, Posted, Shape};
use super::{local_time, wire};
use crate::domain::id::{EvidenceId, OrderId, ServiceItemId};
use crate::domain::order::EvidenceKind;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::handlers::settlement::attachment;
use crate::http::Answer;
use crate::http::{db, typed_id, State};
use crate::services::orders::OrderQuery;
use crate::services::orders::{
    self as svc, DisputeResolution, OrderInput, OrderView, Party, ReasonInput,
};
use crate::services::settlement::FileFormat;
use crate::services::{catalogue, evidence, ratings, vouchers};
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(services)
        .service(new_order)
        .service(place_order)
        .service(export)
        .service(orders)
        .service(evidence_file)
        .service(upload)
        .service(order)
        .service(rate)
        .service(answer_rating)
        .service(act);
}

const PARTIES: &[Role] =
    &[Role::Firm, Role::Provider, Role::Reviewer, Role::Finance, Role::Admin, Role::Auditor];

macro_rules! open {
    ($state:expr, $req:expr, $roles:expr) => {
        match super::desk::open(&$state, &$req, $roles).await {
            Ok(d) => d,
            Err(r) => return Ok(r),
        }
    };
}
pub(super) use open;

/// The message key of an order's state as the data writes it.
pub(super) fn status_text(s: &str) -> &'static str {
    crate::domain::order::OrderStatus::parse(s).map_or("cancelled", crate::i18n::order_status)
}

fn order_json(o: &OrderView, policy: &crate::domain::Policy, en: bool) -> minijinja::Value {
    let status = wire(&o.status);
    let t = |v: Option<chrono::NaiveDateTime>| v.map(local_time).unwrap_or_default();
    let evidence: Vec<serde_json::Value> = o
        .evidence
        .iter()
        .flatten()
        .map(|e| {
            serde_json::json!({
                "href": format!("/orders/{}/evidence/{}", o.id, e.id),
                "kind_name": super::i18n::evidence_kind(e.kind), "file_name": e.file_name,
                "image": e.media_type.starts_with("image/"),
                "size_kib": (e.size_bytes + 1023) / 1024, "sha256": e.sha256,
                "uploaded_at": local_time(e.uploaded_at),
                "amount": e.amount.map(|a| a.to_string()), "dated": e.dated.map(|d| d.to_string()),
            })
        })
        .collect();
    let missing: Vec<&str> =
        o.missing_evidence.iter().flatten().map(|k| super::i18n::evidence_kind(*k)).collect();
    super::val(serde_json::json!({
        "id": o.id, "order_no": o.order_no, "status": status,
        "status_text": status_text(&status), "firm_name": o.firm_name,
        "provider_name": o.provider_name, "voucher_code": o.voucher_code,
        "category_name": super::category_name(policy, &o.category, en), "title": o.title, "note": o.note,
        "contract_amount": o.contract_amount.to_string(),
        "covered_amount": o.covered_amount.to_string(), "own_amount": o.own_amount.to_string(),
        "decline_reason": o.decline_reason, "cancel_reason": o.cancel_reason,
        "dispute_reason": o.dispute_reason, "resolution_note": o.resolution_note,
        "requested_at": local_time(o.requested_at), "accepted_at": t(o.accepted_at),
        "deliver_by": t(o.deliver_by), "delivered_at": t(o.delivered_at),
        "confirmed_at": t(o.confirmed_at), "closed_at": t(o.closed_at),
        "evidence": evidence, "missing": missing,
    }))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    page: Option<i64>,
    category: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    min_score: Option<String>,
}

/// The lowest scores the catalogue offers to filter by, and their words.
const SCORE_FLOORS: &[(&str, &str)] =
    &[("3", "score-3-and-above"), ("4", "score-4-and-above"), ("4.5", "score-4-5-and-above")];

/// Services a catalogue page shows.
const SERVICES_SHOWN: i64 = 30;

/// The catalogue for a firm: what listed providers offer now, searched by words in the
/// title, the description or the provider's name, of one category, of providers scored
/// at least so much, newest, oldest, by title, cheapest or best-rated first, a page at a
/// time; each with its provider's score, linked to the provider's public page.
#[get("/services")]
async fn services(state: State, req: HttpRequest, q: web::Query<ListQuery>) -> Answer {
    let d = open!(state, req, &[Role::Firm]);
    let page = crate::http::page(q.page, Some(SERVICES_SHOWN))?;
    let category = q.category.clone().filter(|c| !c.is_empty());
    let asked = crate::services::listing::ListQuery {
        q: q.q.clone(),
        sort: q.sort.clone(),
        ..Default::default()
    }
    .without_blanks();
    let f = asked.filter(|_| None::<()>, catalogue::SORTS)?;
    let policy = state.policy.clone();
    let min_score = q.min_score.clone().filter(|m| !m.is_empty());
    let offer = catalogue::Offer {
        category: category.clone(),
        provider_id: None,
        min_score: min_score.clone(),
    };
    let list = db(&state, move |c| catalogue::offered(c, &policy, &offer, &f, page)).await?;
    let given: Vec<(&str, String)> = [
        ("category", category.clone()),
        ("q", asked.q.clone()),
        ("min_score", min_score.clone()),
        ("sort", asked.sort.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let filter = serde_urlencoded::to_string(given).unwrap_or_default();
    let sorts: Vec<(&str, &str)> = [
        ("newest", "newest-first"),
        ("oldest", "oldest-first"),
        ("name", "by-name"),
        ("cheapest", "cheapest-first"),
        ("rated", "best-rated-first"),
    ]
    .to_vec();
    let categories = category_choices(&state.policy, d.en());
    let items: Vec<serde_json::Value> = list
        .items
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.id, "title": i.title, "provider_name": i.provider_name,
                "category_name": super::category_name(&state.policy, &i.category, d.en()), "description": i.description,
                "list_price": i.list_price.to_string(), "delivery_days": i.delivery_days,
                "provider_href": format!("/public/providers/{}", i.provider_id),
                "score": i.provider_score, "ratings": i.provider_ratings,
            })
        })
        .collect();
    Ok(d.render(
        &state,
        Screen { template: "services.html", path: "/services", title: "service-catalogue" },
        context! {
            items => super::val(&items), categories => categories, total => list.total,
            category => q.category.clone().unwrap_or_default(),
            words => asked.q.clone().unwrap_or_default(), sort => asked.sort.clone().unwrap_or_default(),
            floors => SCORE_FLOORS.to_vec(), min_score => min_score.unwrap_or_default(),
            sorts => sorts, filter => filter, page => list.page,
            pages => ((list.total + SERVICES_SHOWN - 1) / SERVICES_SHOWN).max(1),
        },
        &Form::none(),
        StatusCode::OK,
    )?)
}

#[derive(Debug, Deserialize)]
struct NewQuery {
    service: Option<String>,
}

/// Which field a refusal of an order concerns.
const ORDER_FIELDS: &[(&str, &str)] = &[
    ("voucher_expired", "voucher_id"),
    ("voucher_not_active", "voucher_id"),
    ("voucher_exhausted", "voucher_id"),
    ("voucher_balance_insufficient", "voucher_id"),
    ("category_not_covered", "voucher_id"),
    ("amount_too_small", "contract_amount"),
    ("amount_invalid", "contract_amount"),
    ("amount_not_positive", "contract_amount"),
];

async fn order_form(
    state: &State,
    d: &Desk,
    service_id: &ServiceItemId,
    form: &Form,
    quote: Option<minijinja::Value>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let firm = d.firm()?;
    let (policy, id) = (state.policy.clone(), service_id.clone());
    let (item, list) = db(state, move |c| {
        Ok((catalogue::item(c, &policy, &id)?, vouchers::vouchers_of_firm(c, &firm)?))
    })
    .await?;
    let vouchers: Vec<(String, String)> = list
        .iter()
        .filter(|v| v.status == "active")
        .map(|v| {
            let (available, until) = (super::yuan(v.available), local_time(v.valid_until));
            let text = d.t_with(
                "voucher-option",
                &[("code", &v.code), ("available", &available), ("until", &until)],
            );
            (v.id.to_string(), text)
        })
        .collect();
    d.render(
        state,
        Screen {
            template: "order_new.html",
            path: "/orders/new",
            title: "order",
        },
        context! {
            item => context! {
                id => item.id.into_string(), title => item.title, provider_name => item.provider_name,
                category_name => super::category_name(&state.policy, &item.category, d.en()),
                description => item.description,
                list_price => item.list_price.to_string(), delivery_days => item.delivery_days,
            },
            vouchers => vouchers, quote => quote,
        },
        form,
        status,
    )
}

#[get("/orders/new")]
async fn new_order(state: State, req: HttpRequest, q: web::Query<NewQuery>) -> Answer {
    let d = open!(state, req, &[Role::Firm]);
    let service = typed_id::<ServiceItemId>(q.service.as_deref().unwrap_or(""))?;
    Ok(order_form(&state, &d, &service, &Form::none(), None, StatusCode::OK).await?)
}

/// `_step=quote` shows the split; `_step=confirm` places the order as quoted.
#[post("/orders/new")]
async fn place_order(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, &[Role::Firm]);
    let service = typed_id::<ServiceItemId>(p.get("service_item_id"))?;
    let confirm = p.get("_step") == "confirm";
    let firm = d.firm()?;
    let ctx = state.context(d.actor());
    let now = ctx.now;
    let input = d.guard(&req, &p).and_then(|_| p.input_all::<OrderInput>(&Shape::TEXT));
    let result = match input {
        Err(e) => Err(e),
        Ok((input, prior)) if !prior.is_empty() => {
            // A field the form could not give (no voucher chosen): the quote on the
            // stand-ins says what else is wrong, all at once.
            let tried = db(&state, move |c| svc::quote(c, &firm, &input, now)).await;
            Err(super::desk::together(prior, tried.err()))
        }
        Ok((input, _)) if confirm => {
            db(&state, move |c| svc::request(c, ctx.cx(), &firm, &input).map(Ok)).await
        }
        Ok((input, _)) => db(&state, move |c| svc::quote(c, &firm, &input, now).map(Err)).await,
    };
    match result {
        Ok(Ok(o)) => Ok(d.done(&state, &format!("/orders/{}", o.id), "ordered")),
        Ok(Err(q)) => {
            // The quote, and the same fields again to confirm with.
            let kept = Form {
                id: "order".into(),
                values: p.0.iter().filter(|(k, _)| k != "csrf").cloned().collect(),
                ..Form::none()
            };
            let quote = context! {
                contract_amount => q.contract_amount.to_string(),
                covered_amount => q.covered_amount.to_string(),
                own_amount => q.own_amount.to_string(),
                voucher_available => q.voucher_available.to_string(),
                co_payment_ratio => super::guide::percent(&q.co_payment_ratio),
                full_coverage_threshold => q.full_coverage_threshold.to_string(),
            };
            Ok(order_form(&state, &d, &service, &kept, Some(quote), StatusCode::OK).await?)
        }
        Err(e) => {
            let f = d.failed("order", &p, &e, ORDER_FIELDS);
            Ok(order_form(&state, &d, &service, &f, None, e.kind.status()).await?)
        }
    }
}

#[get("/orders")]
async fn orders(state: State, req: HttpRequest, q: web::Query<OrderQuery>) -> Answer {
    let d = open!(state, req, PARTIES);
    let q = without_blanks(q.into_inner());
    let page = crate::http::page(q.page, Some(SHOWN))?;
    let (policy, actor, asked) = (state.policy.clone(), d.actor(), q.clone());
    let found =
        db(&state, move |c| svc::search(c, &policy, Party::of(&actor)?, &asked, page)).await;
    let posted = Posted(filter_parts(&q).into_iter().map(|(k, v)| (k.to_string(), v)).collect());
    let (list, form) = match found {
        Ok(list) => (Some(list), Form::none()),
        Err(e) => (None, d.failed("filter", &posted, &e, &[("status_unknown", "status")])),
    };
    let status_code =
        if form.id.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let (items, total, page_no, pages) = match &list {
        Some(l) => (
            l.items.iter().map(|o| order_json(o, &state.policy, d.en())).collect::<Vec<_>>(),
            l.total,
            l.page,
            ((l.total + SHOWN - 1) / SHOWN).max(1),
        ),
        None => (Vec::new(), 0, 1, 1),
    };
    let statuses: Vec<(&str, &str)> =
        ["requested", "accepted", "delivered", "disputed", "confirmed", "declined", "cancelled"]
            .iter()
            .map(|s| (*s, status_text(s)))
            .collect();
    let categories = category_choices(&state.policy, d.en());
    let sorts = [
        ("newest", "newest-first"),
        ("oldest", "oldest-first"),
        ("largest", "largest-contract-first"),
    ];
    let role = d.s.caller.role;
    let title = match role {
        Role::Provider => "orders-2",
        Role::Firm => "orders-3",
        _ => "all-orders",
    };
    let filter = serde_urlencoded::to_string(filter_parts(&q)).unwrap_or_default();
    let sel = |v: &Option<String>| v.clone().unwrap_or_default();
    Ok(d.render(
        &state,
        Screen { template: "orders.html", path: "/orders", title },
        context! {
            items => items, total => total, statuses => statuses, categories => categories,
            sorts => sorts.to_vec(), page => page_no, pages => pages, filter => filter,
            sel => context! {
                q => sel(&q.q), status => sel(&q.status), category => sel(&q.category),
                from => sel(&q.from), to => sel(&q.to), sort => sel(&q.sort),
            },
            firm => role == Role::Firm,
            staff => !matches!(role, Role::Firm | Role::Provider),
        },
        &form,
        status_code,
    )?)
}

/// The service categories as a menu's options: (code, name in the reader's language).
fn category_choices(policy: &crate::domain::Policy, en: bool) -> Vec<(String, String)> {
    policy
        .categories
        .iter()
        .map(|c| (c.code.clone(), super::named(&c.name_zh, &c.name_en, en)))
        .collect()
}

/// Orders a page shows.
const SHOWN: i64 = 50;

/// The filter's parts that were given, by name (the page position left out).
fn filter_parts(q: &OrderQuery) -> Vec<(&'static str, String)> {
    [
        ("q", &q.q),
        ("status", &q.status),
        ("category", &q.category),
        ("from", &q.from),
        ("to", &q.to),
        ("sort", &q.sort),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
    .collect()
}

/// The query with the form's empty fields left out.
fn without_blanks(q: OrderQuery) -> OrderQuery {
    let keep = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    OrderQuery {
        q: keep(q.q),
        status: keep(q.status),
        category: keep(q.category),
        from: keep(q.from),
        to: keep(q.to),
        sort: keep(q.sort),
        format: keep(q.format),
        lang: None,
        ..q
    }
}

/// The filtered list as CSV or XLSX, in the reader's language.
#[get("/orders/export")]
async fn export(state: State, req: HttpRequest, q: web::Query<OrderQuery>) -> Answer {
    let d = open!(state, req, PARTIES);
    let q = without_blanks(q.into_inner());
    let format = match q.format.as_deref() {
        Some("xlsx") => FileFormat::Xlsx,
        _ => FileFormat::Csv,
    };
    let (policy, actor, en) = (state.policy.clone(), d.actor(), d.en());
    let bytes =
        db(&state, move |c| svc::export(c, &policy, Party::of(&actor)?, &q, en, format)).await?;
    let ext = if format == FileFormat::Csv { "csv" } else { "xlsx" };
    Ok(attachment(bytes, format, &format!("orders.{ext}"), None))
}

async fn order_page(
    state: &State,
    d: &Desk,
    id: &OrderId,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (policy, actor, oid) = (state.policy.clone(), d.actor(), id.clone());
    let (o, rating) = db(state, move |c| {
        let o = svc::get(c, &policy, Party::of(&actor)?, &oid)?;
        Ok((o, ratings::of_order(c, &oid)?))
    })
    .await?;
    let kinds: Vec<(&str, &str)> =
        EvidenceKind::ALL.iter().map(|k| (k.as_str(), super::i18n::evidence_kind(*k))).collect();
    let role = d.s.caller.role;
    let days = state.policy.spending.rating_window_days;
    // The last moment the firm may rate, and whether it is still ahead.
    let rate_until = o.confirmed_at.map(|at| at + chrono::Duration::days(i64::from(days)));
    let can_rate = role == Role::Firm
        && wire(&o.status) == "confirmed"
        && rating.is_none()
        && o.confirmed_at
            .is_some_and(|at| crate::domain::rating::window_open(at, state.clock.now(), days));
    let can_answer = role == Role::Provider && rating.as_ref().is_some_and(|r| r.answer.is_none());
    let rating_json = rating.map(|r| {
        serde_json::json!({
            "quality": r.quality, "timeliness": r.timeliness, "value": r.value,
            "comment": r.comment, "rated_at": local_time(r.rated_at),
            "answer": r.answer, "answered_at": r.answered_at.map(local_time),
        })
    });
    let stars: Vec<(String, String)> = std::iter::once((String::new(), "choose".to_string()))
        .chain((1..=5).rev().map(|n| (n.to_string(), format!("stars-{n}"))))
        .collect();
    d.render(
        state,
        Screen {
            template: "order.html",
            path: &format!("/orders/{id}"),
            title: &format!("{} {}", d.t("order-no"), o.order_no),
        },
        context! {
            o => order_json(&o, &state.policy, d.en()), kinds => kinds,
            firm => role == Role::Firm, provider => role == Role::Provider,
            reviewer => matches!(role, Role::Reviewer | Role::Admin),
            max_mib => state.files.max_bytes / 1_048_576,
            rating => super::val(rating_json), can_rate => can_rate, can_answer => can_answer,
            rate_until => rate_until.map(local_time), stars => stars,
            provider_href => format!("/public/providers/{}", o.provider_id),
        },
        form,
        status,
    )
}

/// The firm's rating of its confirmed order, as the API's: three scores 1–5 and an
/// optional comment, once, within the window.
#[post("/orders/{id}/rating")]
async fn rate(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let id: OrderId = typed_id(&path)?;
    let d = open!(state, req, &[Role::Firm]);
    const SCORES: Shape =
        Shape { lists: &[], ints: &["quality", "timeliness", "value"], bools: &[] };
    let oid = id.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| p.input::<ratings::RatingInput>(&SCORES),
            move |c, i, a| {
                let cx = a.cx();
                ratings::rate(c, cx, &a.party_as()?, &oid, &i)
            },
        )
        .await
        .map(|_| (format!("/orders/{id}"), "rated"));
    let (st, dk, oid) = (&state, &d, &id);
    d.answer(
        st,
        r,
        "rate",
        &p,
        &[],
        move |f, s| async move { order_page(st, dk, oid, &f, s).await },
    )
    .await
}

/// The provider's one public answer to the rating of its order.
#[post("/orders/{id}/rating/answer")]
async fn answer_rating(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let id: OrderId = typed_id(&path)?;
    let d = open!(state, req, &[Role::Provider]);
    let oid = id.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| p.input::<ratings::AnswerInput>(&Shape::TEXT),
            move |c, i, a| {
                let cx = a.cx();
                ratings::answer(c, cx, &a.party_as()?, &oid, &i)
            },
        )
        .await
        .map(|_| (format!("/orders/{id}"), "answered"));
    let (st, dk, oid) = (&state, &d, &id);
    d.answer(
        st,
        r,
        "answer",
        &p,
        &[],
        move |f, s| async move { order_page(st, dk, oid, &f, s).await },
    )
    .await
}

#[get("/orders/{id}")]
async fn order(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let d = open!(state, req, PARTIES);
    let id: OrderId = typed_id(&path)?;
    Ok(order_page(&state, &d, &id, &Form::none(), StatusCode::OK).await?)
}

/// One step on an order, as the form named by the step: accept, decline, cancel,
/// deliver (provider); confirm, dispute, cancel (firm); resolve (reviewer).
#[post("/orders/{id}/{step}")]
async fn act(state: State, req: HttpRequest, path: Path<(String, String)>, p: Posted) -> Answer {
    let (id, step) = path.into_inner();
    let id: OrderId = typed_id(&id)?;
    let d = open!(state, req, PARTIES);
    let role = d.s.caller.role;
    let allowed = match step.as_str() {
        "accept" | "decline" | "deliver" => role == Role::Provider,
        "confirm" | "dispute" => role == Role::Firm,
        "cancel" => matches!(role, Role::Firm | Role::Provider),
        "resolve" => matches!(role, Role::Reviewer | Role::Admin),
        _ => return Err(AppError::not_found("page").into()),
    };
    if !allowed {
        return Err(AppError::forbidden().into());
    }
    let done = match step.as_str() {
        "accept" => "accepted",
        "decline" => "declined",
        "deliver" => "delivered",
        "confirm" => "confirmed",
        "dispute" => "disputed",
        "cancel" => "cancelled",
        _ => "resolved",
    };
    // Each step reads the input it needs: a reason, a resolution, or nothing.
    let input = |p: &Posted| -> Result<(Option<ReasonInput>, Option<DisputeResolution>), AppError> {
        Ok(match step.as_str() {
            "decline" | "dispute" | "cancel" => (Some(p.input(&Shape::TEXT)?), None),
            "resolve" => (None, Some(p.input(&Shape::TEXT)?)),
            _ => (None, None),
        })
    };
    let (oid, s) = (id.clone(), step.clone());
    let r = d
        .attempt(&state, &req, &p, input, move |c, (reason, resolution), a| {
            let cx = a.cx();
            let reason = || reason.ok_or_else(|| AppError::internal("no reason read"));
            match s.as_str() {
                "accept" => svc::accept(c, cx, &a.party_as()?, &oid),
                "decline" => svc::decline(c, cx, &a.party_as()?, &oid, &reason()?),
                "deliver" => svc::deliver(c, cx, &a.party_as()?, &oid),
                "confirm" => svc::confirm(c, cx, &a.party_as()?, &oid),
                "dispute" => svc::dispute(c, cx, &a.party_as()?, &oid, &reason()?),
                "cancel" => svc::cancel(c, cx, Party::of(&a.actor)?, &oid, &reason()?),
                _ => {
                    let r = resolution.ok_or_else(|| AppError::internal("no resolution read"))?;
                    svc::resolve_dispute(c, cx, &oid, &r)
                }
            }
        })
        .await
        .map(|_| (format!("/orders/{id}"), done));
    let (st, dk, oid) = (&state, &d, &id);
    d.answer(st, r, &step, &p, &[], move |f, s| async move { order_page(st, dk, oid, &f, s).await })
        .await
}

/// The provider's evidence upload: `multipart/form-data` with the CSRF token, the kind
/// and the file, checked exactly as the API's upload is.
#[post("/orders/{id}/evidence")]
async fn upload(state: State, req: HttpRequest, path: Path<String>, parts: Multipart) -> Answer {
    let id: OrderId = typed_id(&path)?;
    let d = open!(state, req, &[Role::Provider]);
    let (p, sent) = d.upload(&state, &req, parts).await;
    let result = match sent {
        Err(e) => Err(e),
        Ok((name, bytes)) => {
            let (files, ctx, oid) = (state.files.clone(), state.context(d.actor()), id.clone());
            let (provider, kind) = (d.provider()?, p.get("kind").to_string());
            let (amount, dated) = (p.get("amount").to_string(), p.get("dated").to_string());
            db(&state, move |c| {
                evidence::add(
                    c,
                    ctx.cx(),
                    &files,
                    &provider,
                    &oid,
                    evidence::Upload {
                        kind: &kind,
                        name: Some(&name).filter(|n| !n.is_empty()).map(String::as_str),
                        amount: Some(amount.as_str()),
                        dated: Some(dated.as_str()),
                        bytes: &bytes,
                    },
                )
            })
            .await
        }
    };
    match result {
        Ok(_) => Ok(d.done(&state, &format!("/orders/{id}"), "uploaded")),
        Err(e) => {
            let field: Vec<(&str, &str)> = super::desk::FILE_ERRORS
                .into_iter()
                .chain([("evidence_kind_unknown", "kind")])
                .collect();
            let f = d.failed("evidence", &p, &e, &field);
            Ok(order_page(&state, &d, &id, &f, e.kind.status()).await?)
        }
    }
}

/// An evidence file for those who may see the order, shown in the browser (PDF and
/// images only, as checked on upload; never sniffed).
#[get("/orders/{id}/evidence/{evidence_id}")]
async fn evidence_file(state: State, req: HttpRequest, path: Path<(String, String)>) -> Answer {
    let (oid, eid) = path.into_inner();
    let (oid, eid): (OrderId, EvidenceId) = (typed_id(&oid)?, typed_id(&eid)?);
    let d = open!(
        state,
        req,
        &[Role::Firm, Role::Provider, Role::Reviewer, Role::Finance, Role::Auditor]
    );
    let (files, actor) = (state.files.clone(), d.actor());
    let (row, bytes) =
        db(&state, move |c| evidence::read(c, &files, Party::of(&actor)?, &oid, &eid)).await?;
    Ok(HttpResponse::Ok()
        .content_type(row.media_type.as_str())
        .insert_header((header::CONTENT_DISPOSITION, "inline"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}

/// An evidence warning in the reader's words.
pub(super) fn evidence_warning(d: &Desk, w: &crate::domain::order::EvidenceWarning) -> String {
    use crate::domain::order::EvidenceWarning as W;
    let kind = |k: crate::domain::order::EvidenceKind| d.t(super::i18n::evidence_kind(k));
    match w {
        W::SameFileTwice { kinds, file_name } => {
            let kinds: Vec<String> = kinds.iter().map(|k| kind(*k)).collect();
            d.t_with(
                "warning-same-file-twice",
                &[("file", file_name.as_str()), ("kinds", kinds.join(&d.t("sep-enum")).as_str())],
            )
        }
        W::SameFileElsewhere { evidence_kind, file_name, order_no } => d.t_with(
            "warning-same-file-elsewhere",
            &[
                ("kind", kind(*evidence_kind).as_str()),
                ("file", file_name.as_str()),
                ("order", order_no.as_str()),
            ],
        ),
        W::InvoiceAmountDiffers { file_name, invoice_amount, contract_amount } => d.t_with(
            "warning-invoice-amount-differs",
            &[
                ("file", file_name.as_str()),
                ("invoice", super::yuan(*invoice_amount).as_str()),
                ("contract", super::yuan(*contract_amount).as_str()),
            ],
        ),
        W::DeliveredBeforeAcceptance { file_name, dated, accepted_on } => d.t_with(
            "warning-delivered-before-acceptance",
            &[
                ("file", file_name.as_str()),
                ("dated", dated.to_string().as_str()),
                ("accepted", accepted_on.to_string().as_str()),
            ],
        ),
    }
}
