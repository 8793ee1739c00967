//! The OpenAPI document, served at `/api/openapi.json`.

mod errors;

use super::handlers::*;
use crate::error::ErrorCode;
use errors::{ERRORS, FIELD_ERRORS};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hechuang API",
        description = "Innovation vouchers (合创券) and carrier subsidies. Money is yuan as decimal strings (\"1234.50\"); \
                       errors are application/problem+json with a stable `code`, a Chinese `detail` and an English `detail_en`.",
        version = env!("CARGO_PKG_VERSION"),
        license(name = "MIT")
    ),
    paths(
        ops::health, ops::ready, ops::metrics, openapi_json,
        auth::login, auth::refresh, auth::logout, auth::change_password, auth::me,
        public::service_categories, public::industries, public::districts, public::certification_figures,
        public::certification_schemes, public::certification_scheme, public::certification_self_check,
        public::register_firm, public::register_provider,
        public::register_space, public::verify_contact, public::my_contact, public::resend_verification,
        documents::upload, documents::mine, documents::of_firm, documents::of_provider, documents::of_space,
        documents::download,
        public::provider_notices, public::file_objection, public::listed_providers, public::provider_ratings,
        spot_checks::draw, spot_checks::draws, spot_checks::public_draw, spot_checks::checks,
        spot_checks::mine, spot_checks::answer, spot_checks::findings, spot_checks::provider_findings,
        spot_checks::statement, spot_checks::decide,
        firms::my_firm, firms::update_my_firm, firms::resubmit, firms::list, firms::get, firms::onboarding, firms::qualifications, firms::confirm_qualification,
        providers::my_provider, providers::update_my_provider, providers::resubmit, providers::reapply, providers::list, providers::get, providers::listing, providers::objections, providers::listing_check, providers::credit, providers::my_credit,
        providers::resolve_objection, providers::conclude_notices,
        spaces::my_space, spaces::list, spaces::get,
        users::list, users::create, users::disable, users::enable, users::affiliations, users::set_affiliations,
        audit::events, audit::verify, dashboard::dashboard, dashboard::reconciliation, dashboard::public_summary,
        vouchers::create_programme, vouchers::programmes, vouchers::programme, vouchers::create_batch,
        vouchers::batches, vouchers::batch, vouchers::publish, vouchers::top_up, vouchers::batch_state,
        vouchers::claim, vouchers::my_vouchers, vouchers::list,
        lottery::lottery, lottery::enter, lottery::my_entry, lottery::withdraw, lottery::draw,
        catalogue::offered, catalogue::mine, catalogue::create, catalogue::update,
        orders::quote, orders::create, orders::list, orders::get, orders::accept, orders::decline, orders::cancel,
        orders::deliver, orders::confirm, orders::rate, orders::answer_rating, orders::dispute, orders::resolve_dispute, orders::upload, orders::download,
        redemptions::apply, redemptions::applications, redemptions::application, redemptions::items, redemptions::decide,
        redemptions::objections, redemptions::resolve_objection, redemptions::notices, redemptions::file_objection,
        redemptions::verify_ledger,
        settlement::prepare, settlement::list, settlement::get, settlement::decide, settlement::bank_file,
        settlement::import_results, settlement::payouts, settlement::payout, settlement::record, settlement::reverse, settlement::report,
        receivables::list, receivables::provider_list, receivables::provider_supplements,
        receivables::get, receivables::repay,
        appeals::file, appeals::list, appeals::get, appeals::decide,
        screening::register, screening::entries, screening::upload, screening::import, screening::apply,
        screening::discard, screening::clear, screening::mine,
        certification::apply, certification::withdraw, certification::applications, certification::application,
        certification::decide, certification::certifications, certification::revoke, certification::public_certifications,
        incubatees::mine, incubatees::figures, incubatees::register, incubatees::graduate, incubatees::depart,
        incubatees::of_space,
        subsidies::policies, subsidies::compute, subsidies::entitlements, subsidies::entitlement, subsidies::decide,
        subsidies::grants, subsidies::record_grant, subsidies::public_subsidies, subsidies::file_statistics,
        subsidies::my_statistics, subsidies::year_status, subsidies::evaluate, subsidies::evaluation,
        subsidies::ranking,
        admin::jobs_list, admin::job_runs, admin::run_job, admin::outbox_list, admin::outbox_get, admin::outbox_retry,
    ),
    components(schemas(crate::error::Problem, crate::domain::validation::FieldError)),
    modifiers(&BearerAuth, &Refinements, &ErrorCodes),
    tags(
        (name = "auth", description = "Sign-in, tokens, passwords"),
        (name = "registration", description = "Firms, providers and spaces register themselves"),
        (name = "public", description = "No sign-in: public notices (公示) and objections"),
        (name = "spot checks", description = "Spot checks (回访抽查): the month's draw, the firms' answers, findings"),
        (name = "policy", description = "Policy data from config/policy"),
        (name = "vouchers", description = "Programmes, batches (期), claiming 合创券"),
        (name = "lottery", description = "Lottery batches (摇号): interest registration, the seeded draw, its public record"),
        (name = "catalogue", description = "Services listed providers offer for vouchers"),
        (name = "redemption", description = "Redemption (兑现): applications, item review, public notice, payable items"),
        (name = "appeals", description = "Appeals (申诉 / 复核): against refusals and sanctions, handled by another reviewer within a deadline"),
        (name = "screening", description = "Screening lists (名单筛查): list uploads with a preview, the register, holds on firms, providers and spaces, clearing of false matches"),
        (name = "settlement", description = "Settlement runs (定期兑现): preparation, maker-checker approval, bank files, payment results, reports"),
        (name = "certification", description = "Certification of incubators and maker spaces (认定/备案): applications evaluated criterion by criterion, decisions, revocations"),
        (name = "subsidies", description = "Subsidies and awards for certified carriers: entitlements, public notice and approval, the duplicate-support register (避免多头重复支持), yearly statistics (火炬统计)"),
        (name = "orders", description = "Spending vouchers: orders, holds, evidence, delivery, confirmation and disputes"),
        (name = "firms"), (name = "providers"), (name = "spaces"), (name = "users"), (name = "audit"), (name = "operations", description = "Health, metrics, scheduled jobs and the email outbox"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
            ),
        );
    }
}

/// What the derives cannot say on their own:
/// - text fields (`min_length = 1, max_length = N`, or only `max_length` when optional) get
///   the character rules of `FieldErrors::text` as a pattern, keeping their descriptions;
/// - list filters get the values they accept (the query type is shared, the values are not),
///   and lists that take no status filter lose the parameter.
struct Refinements;

/// Each list endpoint sharing `ListQuery`, and what its `status` filter accepts
/// (`None`: the endpoint has no status filter).
fn status_filters() -> Vec<(&'static str, Option<Vec<&'static str>>)> {
    use crate::domain::certification::ApplicationStatus;
    use crate::domain::order::{OrderStatus, RedemptionStatus};
    use crate::domain::party::{ListingStatus, OnboardingStatus};
    use crate::domain::Role;
    fn names<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Option<Vec<&'static str>> {
        Some(all.iter().map(|x| f(*x)).collect())
    }
    vec![
        (
            "/api/v1/certification-applications",
            names(ApplicationStatus::ALL, ApplicationStatus::as_str),
        ),
        (
            "/api/v1/certifications",
            names(
                crate::domain::certification::CertificationStatus::ALL,
                crate::domain::certification::CertificationStatus::as_str,
            ),
        ),
        ("/api/v1/firms", names(OnboardingStatus::ALL, OnboardingStatus::as_str)),
        (
            "/api/v1/payouts",
            names(
                crate::domain::settlement::PayoutStatus::ALL,
                crate::domain::settlement::PayoutStatus::as_str,
            ),
        ),
        ("/api/v1/providers", names(ListingStatus::ALL, ListingStatus::as_str)),
        (
            "/api/v1/provider/services",
            names(
                crate::services::catalogue::ServiceState::ALL,
                crate::services::catalogue::ServiceState::as_str,
            ),
        ),
        ("/api/v1/orders", names(OrderStatus::ALL, OrderStatus::as_str)),
        ("/api/v1/redemption-items", names(RedemptionStatus::ALL, RedemptionStatus::as_str)),
        ("/api/v1/redemptions", names(RedemptionStatus::ALL, RedemptionStatus::as_str)),
        ("/api/v1/users", names(&Role::ALL, Role::as_str)),
        (
            "/api/v1/vouchers",
            names(
                crate::domain::voucher::VoucherStatus::ALL,
                crate::domain::voucher::VoucherStatus::as_str,
            ),
        ),
        (
            "/api/v1/settlement-runs",
            names(
                crate::domain::settlement::RunStatus::ALL,
                crate::domain::settlement::RunStatus::as_str,
            ),
        ),
        (
            "/api/v1/entitlements",
            names(
                crate::domain::subsidy::EntitlementStatus::ALL,
                crate::domain::subsidy::EntitlementStatus::as_str,
            ),
        ),
        (
            "/api/v1/admin/outbox",
            Some(crate::domain::operation::OutboxStatus::ALL.iter().map(|s| s.as_str()).collect()),
        ),
        (
            "/api/v1/admin/jobs/runs",
            Some(crate::domain::operation::JobRunStatus::ALL.iter().map(|s| s.as_str()).collect()),
        ),
        ("/api/v1/public/certifications", None),
        ("/api/v1/public/provider-notices", None),
        ("/api/v1/public/redemption-notices", None),
        ("/api/v1/spaces", None),
        ("/api/v1/services", None),
    ]
}

/// The lists that share [`crate::services::listing::ListQuery`]: the orders each offers,
/// or none where only a page and a state are taken so far.
fn list_sorts() -> Vec<(&'static str, Option<&'static [crate::domain::listing::Sort]>)> {
    use crate::domain::listing::BY_NAME;
    vec![
        ("/api/v1/firms", Some(BY_NAME)),
        ("/api/v1/providers", Some(BY_NAME)),
        ("/api/v1/spaces", Some(BY_NAME)),
        ("/api/v1/users", Some(crate::services::users::SORTS)),
        ("/api/v1/certification-applications", Some(crate::services::certification::SORTS)),
        ("/api/v1/payouts", Some(crate::services::settlement::PAYOUT_SORTS)),
        ("/api/v1/certifications", Some(crate::services::certification::SORTS)),
        ("/api/v1/public/certifications", None),
        ("/api/v1/public/provider-notices", None),
        ("/api/v1/redemptions", Some(crate::services::redemptions::APPLICATION_SORTS)),
        ("/api/v1/redemption-items", Some(crate::services::redemptions::ITEM_SORTS)),
        ("/api/v1/settlement-runs", Some(crate::domain::listing::BY_AMOUNT)),
        ("/api/v1/admin/outbox", Some(crate::domain::listing::BY_TIME)),
        ("/api/v1/admin/jobs/runs", Some(crate::domain::listing::BY_TIME)),
        ("/api/v1/entitlements", Some(crate::services::subsidies::SORTS)),
        ("/api/v1/vouchers", Some(crate::services::vouchers::SORTS)),
        ("/api/v1/services", Some(crate::services::catalogue::SORTS)),
        ("/api/v1/provider/services", Some(crate::services::catalogue::OWN_SORTS)),
        ("/api/v1/public/redemption-notices", None),
    ]
}

impl Modify for Refinements {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use crate::domain::validation::schema::{
            NAME_PATTERN, OPT_PARTY_NAME_PATTERN, OPT_TEXT_PATTERN, PARTY_NAME_PATTERN,
            TEXT_PATTERN,
        };
        // Inputs describing a party (they carry a credit code) check the names of the
        // party and its people more strictly (`FieldErrors::party_name`, `person_name`).
        const PARTY_NAMES: &[&str] = &["name", "operator_name", "bank_account_name"];
        const PERSON_NAMES: &[&str] =
            &["legal_representative", "actual_controller", "contact_name"];
        use utoipa::openapi::schema::{Schema, SchemaType, Type};
        use utoipa::openapi::RefOr;
        if let Some(components) = openapi.components.as_mut() {
            for schema in components.schemas.values_mut() {
                let RefOr::T(Schema::Object(object)) = schema else {
                    continue;
                };
                let is_party = object.properties.contains_key("credit_code");
                for (name, property) in object.properties.iter_mut() {
                    let RefOr::T(Schema::Object(p)) = property else {
                        continue;
                    };
                    let is_string = match &p.schema_type {
                        SchemaType::Type(t) => *t == Type::String,
                        SchemaType::Array(ts) => ts.contains(&Type::String),
                        SchemaType::AnyValue => false,
                    };
                    if !is_string
                        || p.pattern.is_some()
                        || p.format.is_some()
                        || p.max_length.is_none()
                    {
                        continue;
                    }
                    let required = p.min_length.is_some_and(|n| n >= 1);
                    let pattern = match (is_party, required) {
                        (true, true) if PARTY_NAMES.contains(&name.as_str()) => PARTY_NAME_PATTERN,
                        (true, false) if PARTY_NAMES.contains(&name.as_str()) => {
                            OPT_PARTY_NAME_PATTERN
                        }
                        (true, true) if PERSON_NAMES.contains(&name.as_str()) => NAME_PATTERN,
                        (_, true) => TEXT_PATTERN,
                        (_, false) => OPT_TEXT_PATTERN,
                    };
                    p.pattern = Some(pattern.to_string());
                }
            }
        }
        // A file's format and language are words from a short list: given, they are one
        // of them (not null: an empty value is refused like any other word).
        for item in openapi.paths.paths.values_mut() {
            let Some(params) = item.get.as_mut().and_then(|op| op.parameters.as_mut()) else {
                continue;
            };
            for p in params.iter_mut().filter(|p| p.name == "format" || p.name == "lang") {
                if let Some(RefOr::T(Schema::Object(o))) = p.schema.as_mut() {
                    if o.pattern.is_some() {
                        o.schema_type = SchemaType::new(Type::String);
                    }
                }
            }
        }
        // The work lists' orders; the lists that take only a page and a state lose the
        // other parts of the shared query.
        for (path, sorts) in list_sorts() {
            let Some(params) = openapi
                .paths
                .paths
                .get_mut(path)
                .and_then(|item| item.get.as_mut())
                .and_then(|op| op.parameters.as_mut())
            else {
                continue;
            };
            match sorts {
                None => params.retain(|p| {
                    !["q", "from", "to", "sort", "format", "lang"].contains(&p.name.as_str())
                }),
                Some(sorts) => {
                    let values: Vec<&str> =
                        std::iter::once("").chain(sorts.iter().map(|s| s.as_str())).collect();
                    for p in params.iter_mut().filter(|p| p.name == "sort") {
                        p.schema = Some(
                            utoipa::openapi::schema::ObjectBuilder::new()
                                .schema_type(Type::String)
                                .enum_values(Some(values.clone()))
                                .into(),
                        );
                    }
                }
            }
        }
        for (path, values) in status_filters() {
            let Some(op) = openapi.paths.paths.get_mut(path).and_then(|item| item.get.as_mut())
            else {
                continue;
            };
            let Some(params) = op.parameters.as_mut() else {
                continue;
            };
            match values {
                None => params.retain(|p| p.name != "status"),
                Some(values) => {
                    // Empty means no filter.
                    let values: Vec<&str> = std::iter::once("").chain(values).collect();
                    for p in params.iter_mut().filter(|p| p.name == "status") {
                        p.schema = Some(
                            utoipa::openapi::schema::ObjectBuilder::new()
                                .schema_type(Type::String)
                                .enum_values(Some(values.clone()))
                                .into(),
                        );
                    }
                }
            }
        }
    }
}

/// The status a listed code is documented under: its own, or 422 when the operation
/// answers it beside a field.
fn listed<'a>(
    problems: &'a [ErrorCode],
    fields: &'a [ErrorCode],
) -> impl Iterator<Item = (u16, ErrorCode)> + 'a {
    problems.iter().map(|c| (c.kind().http_status(), *c)).chain(fields.iter().map(|c| (422, *c)))
}

/// Each operation's codes of `ERRORS`, under their status, with their English message:
/// the per-endpoint lists come from the one table of codes.
struct ErrorCodes;

/// The operation `method` of `path`, if the document has it.
fn operation_mut<'a>(
    openapi: &'a mut utoipa::openapi::OpenApi,
    method: &str,
    path: &str,
) -> Option<&'a mut utoipa::openapi::path::Operation> {
    let item = openapi.paths.paths.get_mut(path)?;
    match method {
        "get" => item.get.as_mut(),
        "post" => item.post.as_mut(),
        "put" => item.put.as_mut(),
        "patch" => item.patch.as_mut(),
        "delete" => item.delete.as_mut(),
        _ => None,
    }
}

impl Modify for ErrorCodes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use std::collections::BTreeMap;
        use utoipa::openapi::{content::Content, Ref, RefOr, Response};
        let operations: std::collections::BTreeSet<(&str, &str)> =
            ERRORS.iter().chain(FIELD_ERRORS).map(|(m, p, _)| (*m, *p)).collect();
        let codes_of = |table: &'static [(&str, &str, &'static [ErrorCode])], m: &str, p: &str| {
            table.iter().find(|(tm, tp, _)| *tm == m && *tp == p).map_or(&[][..], |(_, _, c)| *c)
        };
        for (method, path) in operations {
            let Some(op) = operation_mut(openapi, method, path) else {
                continue;
            };
            let mut by_status: BTreeMap<u16, Vec<String>> = BTreeMap::new();
            let problems = codes_of(ERRORS, method, path);
            let fields = codes_of(FIELD_ERRORS, method, path);
            for (status, code) in listed(problems, fields) {
                let line = format!("`{}`: {}", code.as_str(), code.en());
                let lines = by_status.entry(status).or_default();
                if !lines.iter().any(|l| l.starts_with(&format!("`{}`", code.as_str()))) {
                    lines.push(line);
                }
            }
            for (status, lines) in by_status {
                let description = lines.join("; ");
                let response =
                    op.responses.responses.entry(status.to_string()).or_insert_with(|| {
                        let mut r = Response::new("");
                        r.content.insert(
                            "application/problem+json".into(),
                            Content::new(Some(Ref::from_schema_name("Problem"))),
                        );
                        RefOr::T(r)
                    });
                if let RefOr::T(r) = response {
                    r.description = if r.description.is_empty() {
                        description
                    } else {
                        format!("{}; {description}", r.description)
                    };
                }
            }
        }
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// This OpenAPI document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations", responses((status = 200, content_type = "application/json", body = Object)))]
#[actix_web::get("/api/openapi.json")]
pub async fn openapi_json() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().json(document())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    /// Two types documented under one name become one schema in the document: every
    /// operation using either is then described with one of them (it happened twice:
    /// the notice lists, and the redemption application documented with a
    /// certification application's fields). Names must be unique across the crate.
    #[test]
    fn every_operation_named_in_the_error_list_is_in_the_document() {
        let mut doc = super::document();
        for (method, path, codes) in super::ERRORS {
            assert!(!codes.is_empty(), "{method} {path}");
            assert!(
                super::operation_mut(&mut doc, method, path).is_some(),
                "{method} {path} lists codes but is not in the document"
            );
        }
    }

    /// A field code whose own status is 422 belongs in `ERRORS`; `FIELD_ERRORS` is for
    /// the codes that would otherwise be listed under their other status.
    #[test]
    fn field_codes_listed_apart_are_those_of_another_status() {
        let mut doc = super::document();
        for (method, path, codes) in super::FIELD_ERRORS {
            assert!(super::operation_mut(&mut doc, method, path).is_some());
            for code in codes.iter() {
                assert_ne!(code.kind().http_status(), 422, "{method} {path} {code:?}");
                let problems = super::ERRORS
                    .iter()
                    .filter(|(m, p, _)| m == method && p == path)
                    .flat_map(|(_, _, c)| c.iter());
                for p in problems {
                    assert_ne!(p, code, "{method} {path} lists {code:?} twice");
                }
            }
        }
    }

    #[test]
    fn no_two_documented_types_share_a_schema_name() {
        let derive = regex::Regex::new(
            r"#\[derive\([^\]]*ToSchema[^\]]*\)\]((?:\s*#\[[^\]]*\]|\s*///[^\n]*)*)\s*pub (?:struct|enum) (\w+)",
        )
        .expect("pattern");
        let renamed = regex::Regex::new(r"schema\(as = ([\w:]+)\)").expect("pattern");
        let text_enum =
            regex::Regex::new(r"text_enum!\s*\{(?:\s*#\[[^\]]*\]|\s*///[^\n]*)*\s*pub enum (\w+)")
                .expect("pattern");
        let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut files = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        let mut seen = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(
                    std::fs::read_dir(&path)
                        .expect("src is readable")
                        .map(|e| e.expect("entry").path()),
                );
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source is readable");
            let file = path.display().to_string();
            for c in derive.captures_iter(&text) {
                let name = renamed
                    .captures(&c[1])
                    .map(|r| r[1].to_string())
                    .unwrap_or_else(|| c[2].to_string());
                names.entry(name).or_default().push(file.clone());
                seen += 1;
            }
            for c in text_enum.captures_iter(&text) {
                names.entry(c[1].to_string()).or_default().push(file.clone());
                seen += 1;
            }
        }
        assert!(seen > 100, "the scan finds the documented types: {seen}");
        let shared: Vec<_> = names.iter().filter(|(_, files)| files.len() > 1).collect();
        assert!(shared.is_empty(), "schema names used twice: {shared:?}");
    }
}
