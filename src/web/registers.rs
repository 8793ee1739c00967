//! The registers staff look things up in: firms, providers and spaces (and every
//! redemption item, beside them), each a work list
//! ([`super::lists`]) searched by name or credit code, narrowed by state and the days
//! they registered, sorted, paged and exported; one header link, the lists as tabs
//! (with every voucher, entitlement, certification application and certification).
//! The same rows are the API's files (`GET /api/v1/firms?format=csv`, …).

use super::desk::{Desk, Form, Posted, Screen};
use super::lists::{self, Spec};
use super::orders::open;
use crate::db::DbConnection;
use crate::domain::certification::{ApplicationStatus, CertificationStatus};
use crate::domain::id::{AnyParty, FirmId};
use crate::domain::listing::{Filter, BY_NAME};
use crate::domain::order::RedemptionStatus;
use crate::domain::party::{ListingStatus, OnboardingStatus};
use crate::domain::subsidy::EntitlementStatus;
use crate::domain::voucher::VoucherStatus;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::{Answer, State};
use crate::services::orders::Party;
use crate::services::{certification, firms, providers, redemptions, spaces, subsidies, vouchers};
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;

/// A list's page and its download, for the authority's staff: `$fetch` gives, from the
/// state, what finds the records.
macro_rules! list_pages {
    ($page:ident, $file:ident, $path:literal, $export:literal, $spec:expr, $fetch:expr) => {
        #[get($path)]
        async fn $page(state: State, req: HttpRequest) -> Answer {
            let d = open!(state, req, STAFF);
            let q = lists::asked(&req)?;
            let fetch = $fetch;
            Ok(lists::page(&state, &d, &$spec, q, fetch(&state)).await?)
        }

        #[get($export)]
        async fn $file(state: State, req: HttpRequest) -> Answer {
            let d = open!(state, req, STAFF);
            let q = lists::asked(&req)?;
            let fetch = $fetch;
            Ok(lists::export(&state, &d, &$spec, q, fetch(&state)).await?)
        }
    };
}

list_pages!(firms_page, firms_file, "/firms", "/firms/export", FIRMS, |_: &State| firms::list);
list_pages!(
    providers_page,
    providers_file,
    "/providers",
    "/providers/export",
    PROVIDERS,
    |_: &State| providers::list
);
list_pages!(spaces_page, spaces_file, "/spaces", "/spaces/export", SPACES, |_: &State| {
    spaces::list
});
list_pages!(
    items_page,
    items_file,
    "/redemption-items",
    "/redemption-items/export",
    ITEMS,
    |s: &State| {
        let policy = s.policy.clone();
        move |c: &mut DbConnection, f: &Filter<RedemptionStatus>, p| {
            redemptions::items(c, &policy, Party::Staff, f, p)
        }
    }
);
list_pages!(
    entitlements_page,
    entitlements_file,
    "/entitlements",
    "/entitlements/export",
    ENTITLEMENTS,
    |s: &State| {
        let policy = s.policy.clone();
        move |c: &mut DbConnection, f: &Filter<EntitlementStatus>, p| {
            let q = subsidies::EntitlementQuery { filter: f.clone(), policy: None };
            subsidies::entitlements(c, &policy, subsidies::Viewer::Staff, &q, p)
        }
    }
);
list_pages!(
    vouchers_page,
    vouchers_file,
    "/vouchers",
    "/vouchers/export",
    VOUCHERS,
    |_: &State| { vouchers::list }
);

list_pages!(
    applications_page,
    applications_file,
    "/certification-applications",
    "/certification-applications/export",
    APPLICATIONS,
    |_: &State| {
        |c: &mut DbConnection, f: &Filter<ApplicationStatus>, p| {
            certification::applications(c, certification::Viewer::Staff, f, p)
        }
    }
);
list_pages!(
    certifications_page,
    certifications_file,
    "/certifications",
    "/certifications/export",
    CERTIFICATIONS,
    |s: &State| {
        let policy = s.policy.clone();
        move |c: &mut DbConnection, f: &Filter<CertificationStatus>, p| {
            certification::certifications(c, &policy, certification::Viewer::Staff, f, p)
        }
    }
);

/// One firm as staff see it: its details, its qualifications with the certificates
/// they were confirmed from (a reviewer confirms one from a certificate the firm
/// uploaded), its documents and its record with the programme.
async fn firm_view(
    state: &State,
    d: &Desk,
    id: FirmId,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (now, role) = (state.clock.now(), d.s.caller.role);
    let (f, docs, record) = crate::http::db(state, move |c| {
        let f = firms::get(c, &id)?;
        let reader = crate::services::documents::Reader::Staff(role);
        let docs =
            crate::services::documents::of_party(c, reader, &AnyParty::Firm(id.clone()), now)
                .unwrap_or_default();
        let record = crate::services::records::of_firm(c, now, &id)?;
        Ok((f, docs, record))
    })
    .await?;
    let today = crate::domain::china_time(now).date();
    let en = d.en();
    let held = |held: bool, c: &firms::Certificate| {
        let in_force = crate::domain::party::qualification_in_force(held, c.valid_until, today);
        serde_json::json!({
            "held": held, "in_force": in_force, "number": c.number,
            "until": c.valid_until.map(|u| u.to_string()),
        })
    };
    let industry = crate::i18n::industry_name(&state.policy, &f.industry, en);
    let district = f.district.as_deref().map(|c| crate::i18n::district_name(&state.policy, c, en));
    let documents: Vec<_> = docs.iter().map(super::documents::shown).collect();
    d.render(
        state,
        Screen { template: "firm_record.html", path: "/firms", title: "register-firms" },
        context! {
            firm => super::val(serde_json::json!({
                "id": f.id, "name": f.name, "credit_code": f.credit_code,
                "status": super::wire(&f.onboarding_status),
                "status_text": crate::i18n::onboarding(f.onboarding_status),
                "industry": industry, "district": district, "size_text": crate::i18n::size_class(f.size_class),
                "employees": f.employees, "revenue": f.revenue.to_string(),
                "registered_on": f.registered_on.to_string(), "address": f.address,
                "contact": format!("{} {} {}", f.contact_name, f.contact_phone, f.contact_email),
                "high_tech": held(f.qualifications.high_tech, &f.high_tech_certificate),
                "tech_sme": held(f.qualifications.tech_sme, &f.tech_sme_certificate),
                "dishonest": f.qualifications.dishonest,
            })),
            documents => super::val(&documents),
            record => super::val(super::review::record_json(d, &record)),
            may_confirm => matches!(role, Role::Reviewer | Role::Admin),
        },
        form,
        status,
    )
}

#[get("/firms/{id}")]
async fn firm_page(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let d = open!(state, req, STAFF);
    let id: FirmId = crate::http::typed_id(&path)?;
    Ok(firm_view(&state, &d, id, &Form::none(), StatusCode::OK).await?)
}

/// A reviewer confirms a qualification from one of the firm's certificates.
#[post("/firms/{id}/qualifications/confirmation")]
async fn confirm(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let d = open!(state, req, &[Role::Reviewer, Role::Admin]);
    let id: FirmId = crate::http::typed_id(&path)?;
    let (firm, back) = (id.clone(), format!("/firms/{id}"));
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| p.input::<firms::CertificateConfirmation>(&super::desk::Shape::TEXT),
            move |c, i, a| firms::confirm_qualification(c, a.cx(), &firm, &i),
        )
        .await
        .map(|_| (back, "saved"));
    let (st, dk) = (&state, &d);
    d.answer(
        st,
        r,
        "confirm",
        &p,
        &[],
        move |f, s| async move { firm_view(st, dk, id, &f, s).await },
    )
    .await
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(firms_page)
        .service(firms_file)
        // After the list's own paths (`/firms/export`).
        .service(firm_page)
        .service(confirm)
        .service(providers_page)
        .service(providers_file)
        .service(spaces_page)
        .service(spaces_file)
        .service(items_page)
        .service(items_file)
        .service(entitlements_page)
        .service(entitlements_file)
        .service(vouchers_page)
        .service(vouchers_file)
        .service(applications_page)
        .service(applications_file)
        .service(certifications_page)
        .service(certifications_file);
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
    ("/certification-applications", "certification-applications"),
    ("/certifications", "certifications-register"),
];

static FIRMS: Spec<OnboardingStatus> = Spec {
    path: "/firms",
    title: "register-firms",
    search_hint: "search-parties-hint",
    statuses: &[
        ("submitted", "submitted-under-review"),
        ("returned", "returned-for-correction"),
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
        ("returned", "returned-for-correction"),
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

static APPLICATIONS: Spec<ApplicationStatus> = Spec {
    path: "/certification-applications",
    title: "certification-applications",
    search_hint: "search-certifications-hint",
    statuses: &[
        ("submitted", "under-review"),
        ("certified", "certified"),
        ("refused", "refused"),
        ("withdrawn", "withdrawn-3"),
    ],
    parse: ApplicationStatus::parse,
    sorts: certification::SORTS,
    tabs: TABS,
};

static CERTIFICATIONS: Spec<CertificationStatus> = Spec {
    path: "/certifications",
    title: "certifications-register",
    search_hint: "search-certifications-hint",
    statuses: &[("active", "in-force"), ("revoked", "revoked-2"), ("expired", "expired")],
    parse: CertificationStatus::parse,
    sorts: certification::SORTS,
    tabs: TABS,
};
