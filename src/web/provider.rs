//! Provider pages: the listing's state and notice period, the service catalogue editor,
//! and redemption (兑现) applications with every item's state and reasons.

use super::desk::Screen;
use super::desk::{Desk, Form, Posted, Shape};
use super::orders::open;
use super::{local_time, wire};
use crate::domain::id::ServiceItemId;
use crate::domain::order::RedemptionStatus;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::Answer;
use crate::http::{db, typed_id, State};
pub(super) use crate::i18n::listing_text;
use crate::services::catalogue::{self, ServiceItemInput, ServiceItemView};
use crate::services::listing::ListQuery;
use crate::services::orders::Party;
use crate::services::providers;
use crate::services::redemptions::{self, ApplicationInput};
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(update_application)
        .service(resubmit)
        .service(reapply)
        .service(services)
        .service(services_file)
        .service(create_service)
        .service(edit_service)
        .service(update_service)
        .service(redemptions_page)
        .service(redemptions_file)
        .service(apply);
}

const PROVIDER: &[Role] = &[Role::Provider];

pub(super) use crate::i18n::item_status_text;

#[get("/provider")]
async fn home(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, PROVIDER);
    Ok(home_page(&state, &d, &Form::none(), StatusCode::OK, None).await?)
}

/// The provider's application and listing: where it stands, what a reviewer asked it
/// to correct, and (before the notice starts) its details to correct.
async fn home_page(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
    ticked: Option<Vec<String>>,
) -> Result<HttpResponse, AppError> {
    let id = d.provider()?;
    let p = db(state, move |c| providers::get(c, &id)).await?;
    let wire_status = wire(&p.listing_status);
    let categories: Vec<String> =
        p.categories.iter().map(|c| super::category_name(&state.policy, c, d.en())).collect();
    let choices: Vec<(String, String)> = state
        .policy
        .categories
        .iter()
        .map(|k| (k.code.clone(), super::named(&k.name_zh, &k.name_en, d.en())))
        .collect();
    // What was ticked when the form comes back refused, else what is on record.
    let ticked = ticked.unwrap_or_else(|| p.categories.clone());
    let t = |v: Option<chrono::NaiveDateTime>| v.map(local_time);
    let relist_from = p.decided_at.map(|at| {
        let days =
            chrono::Duration::days(i64::from(state.policy.credit.sanctions.relist_after_days));
        crate::domain::china_time(at + days).format("%Y-%m-%d").to_string()
    });
    d.render(state, Screen { template: "provider.html", path: "/provider", title: "provider-listing" }, context! {
            p => context! {
                id => p.id.to_string(), name => p.name.clone(), credit_code => p.credit_code.clone(), status_text => listing_text(&wire_status), status => wire_status,
                categories => categories,
                notice_starts_at => t(p.notice_starts_at), notice_ends_at => t(p.notice_ends_at),
                listed_at => t(p.listed_at), decision_reason => p.decision_reason,
                contact_name => p.contact_name.clone(), contact_email => p.contact_email.clone(),
                bank => format!("{} {} {}", p.bank_name, p.bank_account_name, p.bank_account_no),
                corrections => p.corrections,
                editable => p.listing_status.can_edit_application(),
                details => context! {
                    credit_code => p.credit_code, name => p.name, legal_representative => p.legal_representative,
                    actual_controller => p.actual_controller, address => p.address, description => p.description,
                    contact_name => p.contact_name, contact_phone => p.contact_phone, contact_email => p.contact_email,
                    bank_name => p.bank_name, bank_account_name => p.bank_account_name, bank_account_no => p.bank_account_no,
                },
            },
            category_choices => choices, ticked => ticked,
            notice_days => state.policy.listing.notice_days,
            relist_days => state.policy.credit.sanctions.relist_after_days,
            relist_from => relist_from,
        }, form, status)
}

/// The provider corrects its application before the notice starts.
#[post("/provider")]
async fn update_application(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, PROVIDER);
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| p.input_all::<providers::ProviderDetails>(&DETAILS),
            |c, (i, prior), a| {
                providers::update_application(c, a.cx(), a.links(), &a.party_as()?, &i, prior)
            },
        )
        .await
        .map(|_| ("/provider".to_string(), "saved"));
    let ticked: Vec<String> =
        p.0.iter().filter(|(k, _)| k == "categories").map(|(_, v)| v.clone()).collect();
    let (st, dk) = (&state, &d);
    d.answer(st, r, "application", &p, &[], move |f, s| async move {
        home_page(st, dk, &f, s, Some(ticked)).await
    })
    .await
}

/// A delisted provider applies again once its relisting period has passed.
#[post("/provider/reapplication")]
async fn reapply(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, PROVIDER);
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |_| Ok(()),
            |c, (), a| providers::reapply(c, a.cx(), &a.party_as()?),
        )
        .await
        .map(|_| ("/provider".to_string(), "reapplied"));
    let (st, dk) = (&state, &d);
    d.answer(
        st,
        r,
        "reapply",
        &p,
        &[],
        move |f, s| async move { home_page(st, dk, &f, s, None).await },
    )
    .await
}

/// The provider sends its corrected application back to review.
#[post("/provider/resubmit")]
async fn resubmit(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, PROVIDER);
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |_| Ok(()),
            |c, (), a| providers::resubmit(c, a.cx(), &a.party_as()?),
        )
        .await
        .map(|_| ("/provider".to_string(), "resubmitted"));
    let (st, dk) = (&state, &d);
    d.answer(
        st,
        r,
        "resubmit",
        &p,
        &[],
        move |f, s| async move { home_page(st, dk, &f, s, None).await },
    )
    .await
}

const DETAILS: Shape = Shape { lists: &["categories"], ints: &[], bools: &[] };

fn item_json(i: &ServiceItemView, policy: &crate::domain::Policy, en: bool) -> minijinja::Value {
    super::val(serde_json::json!({
        "id": i.id, "title": i.title, "category": i.category,
        "category_name": super::category_name(policy, &i.category, en),
        "description": i.description, "list_price": i.list_price.to_string(),
        "delivery_days": i.delivery_days.to_string(), "active": i.active,
        "updated_at": local_time(i.updated_at),
    }))
}

/// The categories the provider is listed for, as choices.
async fn my_categories(state: &State, d: &Desk) -> Result<Vec<(String, String)>, AppError> {
    let id = d.provider()?;
    let p = db(state, move |c| providers::get(c, &id)).await?;
    Ok(p.categories
        .iter()
        .map(|c| {
            let name = super::category_name(&state.policy, c, d.en());
            (c.clone(), name)
        })
        .collect())
}

const ITEM: Shape = Shape { lists: &[], ints: &["delivery_days"], bools: &["active"] };

async fn services_page(
    state: &State,
    d: &Desk,
    q: &ListQuery,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (policy, id) = (state.policy.clone(), d.provider()?);
    let q = q.clone().without_blanks();
    let (filter, page, refused) = super::lists::judged(d, &MY_SERVICES, &q);
    let list = db(state, move |c| catalogue::own(c, &policy, &id, None, &filter, page)).await?;
    // A bad filter is said beside its field (unless the publishing form came back refused).
    let (form, status) = super::lists::shown_form(&refused, form, status);
    let items: Vec<minijinja::Value> =
        list.items.iter().map(|i| item_json(&i.0, &state.policy, d.en())).collect();
    let categories = my_categories(state, d).await?;
    d.render(
        state,
        Screen {
            template: "provider_services.html",
            path: "/provider/services",
            title: "my-services",
        },
        context! {
            items => items, categories => categories,
            list => super::lists::filter_context(&MY_SERVICES, &q), total => list.total,
            page => list.page, pages => super::lists::pages(list.total),
        },
        form,
        status,
    )
}

static MY_SERVICES: super::lists::Spec<catalogue::ServiceState> = super::lists::Spec {
    path: "/provider/services",
    title: "my-services",
    search_hint: "search-my-services-hint",
    statuses: &[("offered", "offered-2"), ("withdrawn", "withdrawn-2")],
    parse: catalogue::ServiceState::parse,
    sorts: catalogue::OWN_SORTS,
    tabs: &[],
};

#[get("/provider/services")]
async fn services(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, PROVIDER);
    let q = super::lists::asked(&req)?;
    Ok(services_page(&state, &d, &q, &Form::none(), StatusCode::OK).await?)
}

/// The provider's services as a file (CSV or XLSX), as filtered.
#[get("/provider/services/export")]
async fn services_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, PROVIDER);
    let q = super::lists::asked(&req)?;
    let (policy, id) = (state.policy.clone(), d.provider()?);
    let fetch = move |c: &mut crate::db::DbConnection,
                      f: &crate::domain::listing::Filter<catalogue::ServiceState>,
                      p| catalogue::own(c, &policy, &id, None, f, p);
    Ok(super::lists::export(&state, &d, &MY_SERVICES, q, fetch).await?)
}

#[post("/provider/services")]
async fn create_service(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, PROVIDER);
    let r = d
        .attempt_all(
            &state,
            &req,
            &p,
            |p| p.input_all::<ServiceItemInput>(&ITEM),
            |c, i, a| catalogue::create(c, a.cx(), &a.party_as()?, &i),
        )
        .await
        .map(|_| ("/provider/services".to_string(), "saved"));
    let (st, dk) = (&state, &d);
    let q = ListQuery::default();
    d.answer(
        st,
        r,
        "item",
        &p,
        &[],
        move |f, s| async move { services_page(st, dk, &q, &f, s).await },
    )
    .await
}

async fn edit_page(
    state: &State,
    d: &Desk,
    item_id: &ServiceItemId,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (policy, id, item) = (state.policy.clone(), d.provider()?, item_id.clone());
    let i = db(state, move |c| catalogue::own_item(c, &policy, &id, &item)).await?;
    let categories = my_categories(state, d).await?;
    d.render(
        state,
        Screen {
            template: "provider_service.html",
            path: "/provider/services",
            title: &format!("{}{}", d.t("edit-service"), i.title),
        },
        context! { i => item_json(&i, &state.policy, d.en()), categories => categories },
        form,
        status,
    )
}

#[get("/provider/services/{id}")]
async fn edit_service(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let d = open!(state, req, PROVIDER);
    let id = typed_id::<ServiceItemId>(&path)?;
    Ok(edit_page(&state, &d, &id, &Form::none(), StatusCode::OK).await?)
}

#[post("/provider/services/{id}")]
async fn update_service(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let d = open!(state, req, PROVIDER);
    let item = typed_id::<ServiceItemId>(&path)?;
    let it = item.clone();
    let r = d
        .attempt_all(
            &state,
            &req,
            &p,
            |p| p.input_all::<ServiceItemInput>(&ITEM),
            move |c, i, a| catalogue::update(c, a.cx(), &a.party_as()?, &it, &i),
        )
        .await
        .map(|_| ("/provider/services".to_string(), "saved"));
    let (st, dk, item) = (&state, &d, &item);
    d.answer(
        st,
        r,
        "item",
        &p,
        &[],
        move |f, s| async move { edit_page(st, dk, item, &f, s).await },
    )
    .await
}

/// The provider's redemptions: the form to apply, then its applications as a work list
/// (an order number, the state of an item, the days submitted, sorted, paged,
/// downloadable), each with its items.
async fn redemptions_view(
    state: &State,
    d: &Desk,
    q: &ListQuery,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (policy, id) = (state.policy.clone(), d.provider()?);
    let q = q.clone().without_blanks();
    let (filter, page, refused) = super::lists::judged(d, &MY_REDEMPTIONS, &q);
    let (orders, apps, total, page_no) = db(state, move |c| {
        let orders = redemptions::applicable_orders(c, &policy, &id)?;
        let list = redemptions::applications(c, &policy, Party::Provider(&id), &filter, page)?;
        let mut apps = Vec::with_capacity(list.items.len());
        for a in list.items {
            apps.push(redemptions::application(c, &policy, Party::Provider(&id), &a.id)?);
        }
        Ok((orders, apps, list.total, list.page))
    })
    .await?;
    // A bad filter is said beside its field (unless another form came back refused).
    let (form, status) = super::lists::shown_form(&refused, form, status);
    let orders: Vec<serde_json::Value> = orders
        .iter()
        .map(|o| {
            serde_json::json!({
                "id": o.id, "order_no": o.order_no, "title": o.title, "firm_name": o.firm_name,
                "covered_amount": o.covered_amount.to_string(),
                "confirmed_at": o.confirmed_at.map(local_time),
            })
        })
        .collect();
    let apps: Vec<serde_json::Value> = apps
        .iter()
        .map(|a| {
            let items: Vec<serde_json::Value> = a
                .items
                .iter()
                .flatten()
                .map(|i| {
                    let s = wire(&i.status);
                    serde_json::json!({
                        "order_no": i.order_no, "category_name": super::category_name(&state.policy, &i.category, d.en()),
                        "amount": i.amount.to_string(), "status_text": item_status_text(&s),
                        "status": s, "reason": i.decision_reason, "id": i.id,
                        "notice_ends_at": i.notice_ends_at.map(local_time),
                    })
                })
                .collect();
            serde_json::json!({
                "id": a.id, "total": a.total.to_string(), "item_count": a.item_count,
                "submitted_at": local_time(a.submitted_at), "items": items,
            })
        })
        .collect();
    d.render(
        state,
        Screen {
            template: "provider_redemptions.html",
            path: "/provider/redemptions",
            title: "redemptions",
        },
        context! {
            orders => super::val(&orders), apps => super::val(&apps),
            list => super::lists::filter_context(&MY_REDEMPTIONS, &q), total => total,
            page => page_no, pages => super::lists::pages(total),
        },
        form,
        status,
    )
}

static MY_REDEMPTIONS: super::lists::Spec<RedemptionStatus> = super::lists::Spec {
    path: "/provider/redemptions",
    title: "redemptions",
    search_hint: "search-my-redemptions-hint",
    statuses: &[
        ("submitted", "under-review-2"),
        ("rejected", "refused"),
        ("in_notice", "in-public-notice"),
        ("payable", "approved-to-be-paid"),
        ("in_settlement", "being-paid"),
        ("paid", "paid"),
    ],
    parse: RedemptionStatus::parse,
    sorts: redemptions::APPLICATION_SORTS,
    tabs: &[],
};

/// The provider's applications as a file (CSV or XLSX), as filtered.
#[get("/provider/redemptions/export")]
async fn redemptions_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, PROVIDER);
    let q = super::lists::asked(&req)?;
    let (policy, id) = (state.policy.clone(), d.provider()?);
    let fetch =
        move |c: &mut crate::db::DbConnection,
              f: &crate::domain::listing::Filter<RedemptionStatus>,
              p| { redemptions::applications(c, &policy, Party::Provider(&id), f, p) };
    Ok(super::lists::export(&state, &d, &MY_REDEMPTIONS, q, fetch).await?)
}

#[get("/provider/redemptions")]
async fn redemptions_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, PROVIDER);
    let q = super::lists::asked(&req)?;
    Ok(redemptions_view(&state, &d, &q, &Form::none(), StatusCode::OK).await?)
}

#[post("/provider/redemptions")]
async fn apply(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, PROVIDER);
    let shape = Shape { lists: &["order_ids"], ints: &[], bools: &[] };
    let r = d
        .attempt_all(
            &state,
            &req,
            &p,
            |p| p.input_all::<ApplicationInput>(&shape),
            |c, i, a| redemptions::apply(c, a.cx(), &a.party_as()?, &i),
        )
        .await
        .map(|_| ("/provider/redemptions".to_string(), "applied"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, "apply", &p, &[], move |f, s| async move {
        redemptions_view(st, dk, &ListQuery::default(), &f, s).await
    })
    .await
}
