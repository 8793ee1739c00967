//! Server-rendered pages, Chinese first (an English switch, `?lang=en`, on the public
//! and account pages): the public disclosure (公示) pages, each also as CSV and JSON;
//! sign-in and the account; the firm's batches, claim and vouchers. Templates and the style
//! sheet are compiled into the binary (no CDN, nothing fetched at run time); minijinja
//! escapes every value in the HTML templates.
//!
//! This file is the routing, the home page and the static files; `rendering.rs` is what
//! every page shares (templates, language, header, formatting); `public.rs` the public
//! disclosure pages; the other files one desk or flow each.

use crate::http::Answer;
use crate::http::{db, State};
use crate::services::certification as certs;
use crate::services::redemptions;
use crate::services::subsidies;
use crate::services::Page;
use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use minijinja::context;

mod admin;
mod admin_articles;
mod appeals;
mod audit;
mod dashboard;
mod desk;
mod documents;
mod errors;
mod finance;
mod firm;
mod guide;
pub(crate) use crate::i18n;
pub(crate) mod lists;
mod notices;
mod orders;
mod password;
mod provider;
mod public;
mod receivables;
mod register;
mod registers;
mod rendering;
mod results;
mod review;
mod screening;
mod session;
mod space;
mod space_forms;
mod spot_checks;
mod verify;
mod workbench;

use public::{all, certification_status, csv_response};
pub use rendering::wording;
use rendering::*;

pub(crate) use errors::as_page as error_page;

/// Every page's route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(stylesheet)
        .service(script)
        .service(home)
        .configure(public::routes)
        .configure(session::routes)
        .configure(firm::routes)
        .configure(registers::routes)
        .configure(notices::routes)
        .configure(results::routes)
        .configure(space::routes)
        .configure(orders::routes)
        .configure(provider::routes)
        .configure(review::routes)
        .configure(finance::routes)
        .configure(admin::routes)
        .configure(space_forms::routes)
        .configure(spot_checks::routes)
        .configure(receivables::routes)
        .configure(screening::routes)
        .configure(appeals::routes)
        .configure(workbench::routes)
        .configure(password::routes)
        .configure(register::routes)
        .configure(verify::routes)
        .configure(documents::routes)
        .configure(guide::routes)
        .configure(admin_articles::routes)
        .configure(audit::routes)
        .configure(dashboard::routes);
}

#[get("/static/app.css")]
async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(CSS)
}

#[get("/static/app.js")]
async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(JS)
}

#[get("/")]
async fn home(state: State, req: actix_web::HttpRequest) -> Answer {
    let lang = Lang::of_request(&req);
    let policy = state.policy.clone();
    let one = Page { page: 1, per_page: 1 };
    let latest = Page { page: 1, per_page: 5 };
    let (c, s, r, n) = db(&state, move |c| {
        Ok((
            certs::public_certifications(c, &policy, one)?.total,
            subsidies::public_entitlements(c, &policy, one)?.total,
            redemptions::approved(c, &policy, one)?.total,
            crate::services::articles::published(
                c,
                crate::services::articles::ArticleKind::Notice,
                latest,
            )?,
        ))
    })
    .await?;
    let notices: Vec<serde_json::Value> =
        n.items.iter().map(|a| guide::article_json(a, lang.en())).collect();
    let title = "home";
    Ok(with_lang(
        render(
            "home.html",
            "/",
            &lang,
            &Chrome::of(&state, &req).await,
            title,
            context! {
                certifications => c, subsidies => s, redemptions => r, notices => val(notices),
            },
        )?,
        &req,
    ))
}
