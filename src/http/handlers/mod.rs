//! Route handlers, one module per area.

pub mod admin;
pub mod appeals;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod certification;
pub mod dashboard;
pub mod documents;
pub mod firms;
pub mod incubatees;
pub mod lists;
pub mod lottery;
pub mod ops;
pub mod orders;
pub mod providers;
pub mod public;
pub mod receivables;
pub mod redemptions;
pub mod screening;
pub mod settlement;
pub mod spaces;
pub mod spot_checks;
pub mod subsidies;
pub mod users;
pub mod vouchers;

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::http::Answer;
use crate::services::{Actor, Cx};
use actix_web::{web, HttpResponse};

/// Runs a use case as `actor` in one database call: its context (now, policy, email
/// templates) is the server's.
pub(crate) async fn run_as<T, F>(state: &super::State, actor: Actor, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, Cx<'_>) -> AppResult<T> + Send + 'static,
{
    let ctx = state.context(actor);
    super::db(state, move |c| f(c, ctx.cx())).await
}

/// Runs `f` (a read) on a pooled connection, answering 200 with the result.
pub(crate) async fn read<T, F>(state: &super::State, f: F) -> Answer
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
{
    Ok(HttpResponse::Ok().json(super::db(state, f).await?))
}

/// [`run_as`], answering 200 with the result.
pub(crate) async fn act<T, F>(state: &super::State, actor: Actor, f: F) -> Answer
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&mut DbConnection, Cx<'_>) -> AppResult<T> + Send + 'static,
{
    Ok(HttpResponse::Ok().json(run_as(state, actor, f).await?))
}

/// [`run_as`] for a use case that creates what it answers: 201.
pub(crate) async fn act_created<T, F>(state: &super::State, actor: Actor, f: F) -> Answer
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&mut DbConnection, Cx<'_>) -> AppResult<T> + Send + 'static,
{
    Ok(HttpResponse::Created().json(run_as(state, actor, f).await?))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(ops::health).service(ops::ready).service(ops::metrics).service(
        web::scope("/api/v1")
            // The opening-second routes first: each dynamic route costs a regex
            // match for every request that reaches past it.
            .service(vouchers::claim)
            .service(vouchers::batch_state)
            .service(auth::login)
            .service(auth::refresh)
            .service(auth::logout)
            .service(auth::change_password)
            .service(auth::me)
            .service(public::service_categories)
            .service(public::industries)
            .service(public::districts)
            .service(public::certification_figures)
            .service(public::certification_schemes)
            .service(public::certification_scheme)
            .service(public::certification_self_check)
            .service(certification::apply)
            .service(certification::withdraw)
            .service(certification::applications)
            .service(certification::application)
            .service(certification::decide)
            .service(certification::certifications)
            .service(certification::revoke)
            .service(certification::public_certifications)
            .service(incubatees::figures)
            .service(incubatees::mine)
            .service(incubatees::register)
            .service(incubatees::graduate)
            .service(incubatees::depart)
            .service(incubatees::of_space)
            .service(subsidies::policies)
            .service(subsidies::compute)
            .service(subsidies::entitlements)
            .service(subsidies::entitlement)
            .service(subsidies::decide)
            .service(subsidies::grants)
            .service(subsidies::record_grant)
            .service(subsidies::public_subsidies)
            .service(subsidies::file_statistics)
            .service(subsidies::my_statistics)
            .service(subsidies::year_status)
            .service(subsidies::evaluate)
            .service(subsidies::evaluation)
            .service(subsidies::ranking)
            .service(public::register_firm)
            .service(public::register_provider)
            .service(public::register_space)
            .service(public::verify_contact)
            .service(public::my_contact)
            .service(public::resend_verification)
            .service(documents::upload)
            .service(documents::mine)
            .service(documents::of_firm)
            .service(documents::of_provider)
            .service(documents::of_space)
            .service(documents::download)
            .service(public::provider_notices)
            .service(public::listed_providers)
            .service(spot_checks::draw)
            .service(spot_checks::draws)
            .service(spot_checks::public_draw)
            .service(spot_checks::checks)
            .service(spot_checks::mine)
            .service(spot_checks::answer)
            .service(spot_checks::findings)
            .service(spot_checks::provider_findings)
            .service(spot_checks::statement)
            .service(providers::credit)
            .service(providers::my_credit)
            .service(receivables::list)
            .service(receivables::provider_list)
            .service(receivables::provider_supplements)
            .service(receivables::get)
            .service(receivables::repay)
            .service(appeals::file)
            .service(appeals::list)
            .service(appeals::get)
            .service(appeals::decide)
            .service(screening::register)
            .service(screening::entries)
            .service(screening::upload)
            .service(screening::import)
            .service(screening::apply)
            .service(screening::discard)
            .service(screening::clear)
            .service(screening::mine)
            .service(spot_checks::decide)
            .service(public::provider_ratings)
            .service(public::file_objection)
            .service(firms::my_firm)
            .service(firms::update_my_firm)
            .service(firms::resubmit)
            .service(firms::list)
            .service(firms::get)
            .service(firms::onboarding)
            .service(firms::qualifications)
            .service(firms::confirm_qualification)
            .service(providers::my_provider)
            .service(providers::update_my_provider)
            .service(providers::resubmit)
            .service(providers::reapply)
            .service(providers::conclude_notices)
            .service(providers::list)
            .service(providers::get)
            .service(providers::listing)
            .service(providers::objections)
            .service(providers::listing_check)
            .service(providers::resolve_objection)
            .service(catalogue::offered)
            .service(catalogue::mine)
            .service(catalogue::create)
            .service(catalogue::update)
            .service(orders::quote)
            .service(orders::create)
            .service(orders::list)
            .service(orders::get)
            .service(orders::accept)
            .service(orders::decline)
            .service(orders::cancel)
            .service(orders::deliver)
            .service(orders::confirm)
            .service(orders::rate)
            .service(orders::answer_rating)
            .service(orders::dispute)
            .service(orders::resolve_dispute)
            .service(orders::upload)
            .service(orders::download)
            .service(redemptions::apply)
            .service(redemptions::applications)
            .service(redemptions::application)
            .service(redemptions::items)
            .service(redemptions::decide)
            .service(redemptions::objections)
            .service(redemptions::resolve_objection)
            .service(redemptions::notices)
            .service(redemptions::file_objection)
            .service(redemptions::verify_ledger)
            .service(settlement::prepare)
            .service(settlement::list)
            .service(settlement::get)
            .service(settlement::decide)
            .service(settlement::bank_file)
            .service(settlement::import_results)
            .service(settlement::payouts)
            .service(settlement::payout)
            .service(settlement::record)
            .service(settlement::reverse)
            .service(settlement::report)
            .service(spaces::my_space)
            .service(spaces::list)
            .service(spaces::get)
            .service(users::list)
            .service(users::create)
            .service(users::disable)
            .service(users::enable)
            .service(users::affiliations)
            .service(users::set_affiliations)
            .service(vouchers::create_programme)
            .service(vouchers::programmes)
            .service(vouchers::programme)
            .service(vouchers::create_batch)
            .service(vouchers::batches)
            .service(vouchers::batch)
            .service(vouchers::publish)
            .service(vouchers::top_up)
            .service(vouchers::my_vouchers)
            .service(vouchers::list)
            .service(lottery::lottery)
            .service(lottery::enter)
            .service(lottery::my_entry)
            .service(lottery::withdraw)
            .service(lottery::draw)
            .service(admin::jobs_list)
            .service(admin::job_runs)
            .service(admin::run_job)
            .service(admin::outbox_list)
            .service(admin::outbox_get)
            .service(admin::outbox_retry)
            .service(audit::events)
            .service(audit::verify)
            .service(dashboard::dashboard)
            .service(dashboard::reconciliation)
            .service(dashboard::public_summary),
    );
}
