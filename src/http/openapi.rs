//! The OpenAPI document, served at `/api/openapi.json`.

use super::handlers::*;
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
        ops::health, ops::ready, ops::metrics, ops::openapi_json,
        auth::login, auth::refresh, auth::logout, auth::change_password, auth::me,
        public::service_categories, public::industries, public::certification_figures,
        public::certification_schemes, public::certification_scheme, public::certification_self_check,
        public::register_firm, public::register_provider,
        public::register_space, public::provider_notices, public::file_objection,
        firms::my_firm, firms::update_my_firm, firms::list, firms::get, firms::onboarding, firms::qualifications,
        providers::my_provider, providers::list, providers::get, providers::listing, providers::objections,
        providers::resolve_objection, providers::conclude_notices,
        spaces::my_space, spaces::list, spaces::get,
        users::list, users::create, users::disable, users::enable, users::affiliations, users::set_affiliations,
        audit::events, audit::verify,
        vouchers::create_programme, vouchers::programmes, vouchers::programme, vouchers::create_batch,
        vouchers::batches, vouchers::batch, vouchers::publish, vouchers::top_up, vouchers::batch_state,
        vouchers::claim, vouchers::my_vouchers,
        lottery::lottery, lottery::enter, lottery::my_entry, lottery::withdraw, lottery::draw,
        catalogue::offered, catalogue::mine, catalogue::create, catalogue::update,
        orders::quote, orders::create, orders::list, orders::get, orders::accept, orders::decline, orders::cancel,
        orders::deliver, orders::confirm, orders::dispute, orders::resolve_dispute, orders::upload, orders::download,
        redemptions::apply, redemptions::applications, redemptions::application, redemptions::items, redemptions::decide,
        redemptions::objections, redemptions::resolve_objection, redemptions::notices, redemptions::file_objection,
        redemptions::verify_ledger,
        settlement::prepare, settlement::list, settlement::get, settlement::decide, settlement::bank_file,
        settlement::import_results, settlement::record, settlement::reverse, settlement::report,
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
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in, tokens, passwords"),
        (name = "registration", description = "Firms, providers and spaces register themselves"),
        (name = "public", description = "No sign-in: public notices (公示) and objections"),
        (name = "policy", description = "Policy data from config/policy"),
        (name = "vouchers", description = "Programmes, batches (期), claiming 合创券"),
        (name = "lottery", description = "Lottery batches (摇号): interest registration, the seeded draw, its public record"),
        (name = "catalogue", description = "Services listed providers offer for vouchers"),
        (name = "redemption", description = "Redemption (兑现): applications, item review, public notice, payable items"),
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
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
