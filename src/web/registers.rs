//! The registers staff look things up in: firms, providers and spaces (and every
//! redemption item, beside them), each a work list
//! ([`super::lists`]) searched by name or credit code, narrowed by state and the days
//! they registered, sorted, paged and exported; one header link, the three as tabs.
//! The same rows are the API's files (`GET /api/v1/firms?format=csv`, …).

use super::lists::{self, Spec};
use super::orders::open;
use crate::domain::listing::BY_NAME;
use crate::domain::order::RedemptionStatus;
use crate::domain::party::{ListingStatus, OnboardingStatus};
use crate::domain::subsidy::EntitlementStatus;
use crate::domain::voucher::VoucherStatus;
use crate::domain::Role;
use crate::http::{Answer, State};
use crate::services::orders::Party;
use crate::services::{firms, providers, redemptions, spaces, subsidies, vouchers};
use actix_web::{get, web, HttpRequest};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(firms_page)
        .service(firms_file)
        .service(providers_page)
        .service(providers_file)
        .service(spaces_page)
        .service(spaces_file)
        .service(items_page)
        .service(items_file)
        .service(entitlements_page)
        .service(entitlements_file)
        .service(vouchers_page)
        .service(vouchers_file);
}

/// Who looks up the registers: the authority's staff.
const STAFF: &[Role] = &[Role::Reviewer, Role::Finance, Role::Admin, Role::Auditor];

const TABS: &[(&str, &str)] = &[
    ("/firms", "register-firms"),
    ("/providers", "register-providers"),
    ("/spaces", "register-spaces"),
    ("/redemption-items", "redemption-items-2"),
    ("/entitlements", "entitlements"),
    ("/vouchers", "register-vouchers"),
];

static FIRMS: Spec<OnboardingStatus> = Spec {
    path: "/firms",
    title: "register-firms",
    search_hint: "search-parties-hint",
    statuses: &[
        ("submitted", "submitted-under-review"),
        ("onboarded", "onboarded"),
        ("rejected", "refused"),
    ],
    parse: OnboardingStatus::parse,
    sorts: BY_NAME,
    tabs: TABS,
};

static PROVIDERS: Spec<ListingStatus> = Spec {
    path: "/providers",
    title: "register-providers",
    search_hint: "search-parties-hint",
    statuses: &[
        ("applied", "applied-under-review"),
        ("in_notice", "in-public-notice"),
        ("listed", "listed"),
        ("rejected", "refused"),
        ("suspended", "suspended"),
        ("delisted", "delisted"),
    ],
    parse: ListingStatus::parse,
    sorts: BY_NAME,
    tabs: TABS,
};

fn no_state(_: &str) -> Option<()> {
    None
}

static SPACES: Spec<()> = Spec {
    path: "/spaces",
    title: "register-spaces",
    search_hint: "search-spaces-hint",
    statuses: &[],
    parse: no_state,
    sorts: BY_NAME,
    tabs: TABS,
};

#[get("/firms")]
async fn firms_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, STAFF);
    let q = lists::asked(&req)?;
    Ok(lists::page(&state, &d, &FIRMS, q, firms::list).await?)
}

#[get("/firms/export")]
async fn firms_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, STAFF);
    let q = lists::asked(&req)?;
    Ok(lists::export(&state, &d, &FIRMS, q, firms::list).await?)
}

#[get("/providers")]
async fn providers_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, STAFF);
    let q = lists::asked(&req)?;
    Ok(lists::page(&state, &d, &PROVIDERS, q, providers::list).await?)
}

#[get("/providers/export")]
async fn providers_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, STAFF);
    let q = lists::asked(&req)?;
    Ok(lists::export(&state, &d, &PROVIDERS, q, providers::list).await?)
}

#[get("/spaces")]
async fn spaces_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, STAFF);
    let q = lists::asked(&req)?;
    Ok(lists::page(&state, &d, &SPACES, q, spaces::list).await?)
}

#[get("/spaces/export")]
async fn spaces_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, STAFF);
    let q = lists::asked(&req)?;
    Ok(lists::export(&state, &d, &SPACES, q, spaces::list).await?)
}

static ITEMS: Spec<RedemptionStatus> = Spec {
    path: "/redemption-items",
    title: "redemption-items-2",
    search_hint: "search-orders-hint",
    statuses: &[
        ("submitted", "under-review-2"),
        ("rejected", "refused"),
        ("in_notice", "in-public-notice"),
        ("payable", "approved-to-be-paid"),
        ("in_settlement", "being-paid"),
        ("paid", "paid"),
    ],
    parse: RedemptionStatus::parse,
    sorts: redemptions::ITEM_SORTS,
    tabs: TABS,
};

#[get("/redemption-items")]
async fn items_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, STAFF);
    let (q, policy) = (lists::asked(&req)?, state.policy.clone());
    Ok(lists::page(&state, &d, &ITEMS, q, move |c, f, p| {
        redemptions::items(c, &policy, Party::Staff, f, p)
    })
    .await?)
}

#[get("/redemption-items/export")]
async fn items_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, STAFF);
    let (q, policy) = (lists::asked(&req)?, state.policy.clone());
    Ok(lists::export(&state, &d, &ITEMS, q, move |c, f, p| {
        redemptions::items(c, &policy, Party::Staff, f, p)
    })
    .await?)
}

static ENTITLEMENTS: Spec<EntitlementStatus> = Spec {
    path: "/entitlements",
    title: "entitlements",
    search_hint: "search-entitlements-hint",
    statuses: &[
        ("in_notice", "in-public-notice"),
        ("payable", "approved-to-be-paid"),
        ("paid", "paid"),
        ("rejected", "refused"),
    ],
    parse: EntitlementStatus::parse,
    sorts: subsidies::SORTS,
    tabs: TABS,
};

/// Every entitlement as `f` asks (staff).
fn all_entitlements(
    policy: std::sync::Arc<crate::domain::Policy>,
) -> impl FnOnce(
    &mut crate::db::DbConnection,
    &crate::domain::listing::Filter<EntitlementStatus>,
    crate::services::Page,
) -> crate::error::AppResult<crate::services::Paged<subsidies::EntitlementView>> {
    move |c, f, p| {
        let q = subsidies::EntitlementQuery { filter: f.clone(), policy: None };
        subsidies::entitlements(c, &policy, subsidies::Viewer::Staff, &q, p)
    }
}

#[get("/entitlements")]
async fn entitlements_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, STAFF);
    let q = lists::asked(&req)?;
    Ok(lists::page(&state, &d, &ENTITLEMENTS, q, all_entitlements(state.policy.clone())).await?)
}

#[get("/entitlements/export")]
async fn entitlements_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, STAFF);
    let q = lists::asked(&req)?;
    Ok(lists::export(&state, &d, &ENTITLEMENTS, q, all_entitlements(state.policy.clone())).await?)
}

static VOUCHERS: Spec<VoucherStatus> = Spec {
    path: "/vouchers",
    title: "register-vouchers",
    search_hint: "search-vouchers-hint",
    statuses: &[
        ("active", "usable"),
        ("used", "used-up"),
        ("expired", "expired-2"),
        ("revoked", "revoked"),
    ],
    parse: VoucherStatus::parse,
    sorts: vouchers::SORTS,
    tabs: TABS,
};

#[get("/vouchers")]
async fn vouchers_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, STAFF);
    let q = lists::asked(&req)?;
    Ok(lists::page(&state, &d, &VOUCHERS, q, vouchers::list).await?)
}

#[get("/vouchers/export")]
async fn vouchers_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, STAFF);
    let q = lists::asked(&req)?;
    Ok(lists::export(&state, &d, &VOUCHERS, q, vouchers::list).await?)
}
