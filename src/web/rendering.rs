//! Rendering: the templates and style sheet compiled in, the reader's language, the
//! header and navigation every page shares, and the formatting of values for pages
//! (yuan, China time, names in the reader's language).

use super::{i18n, session};
use crate::domain::Role;
use crate::error::AppError;
use crate::http::State;
use crate::services::Page;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use minijinja::{context, Environment};
use serde::Deserialize;
use std::sync::OnceLock;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("templates/", $name)))),*]
    };
}

/// Every page template, compiled in (a test checks none in the folder is left out).
const TEMPLATES: &[(&str, &str)] = templates![
    "account.html",
    "admin_jobs.html",
    "awards.html",
    "admin_outbox.html",
    "admin_programmes.html",
    "admin_users.html",
    "batch_results.html",
    "batches.html",
    "certifications.html",
    "claim_result.html",
    "denied.html",
    "finance_report.html",
    "finance_run.html",
    "finance_payout.html",
    "audit.html",
    "dashboard.html",
    "public_summary.html",
    "finance_runs.html",
    "firm.html",
    "forms.html",
    "home.html",
    "item_fields.html",
    "layout.html",
    "login.html",
    "notices.html",
    "order.html",
    "order_new.html",
    "orders.html",
    "list.html",
    "firm_record.html",
    "records.html",
    "lists.html",
    "pager.html",
    "provider.html",
    "provider_redemptions.html",
    "provider_service.html",
    "provider_services.html",
    "provider_findings.html",
    "receivables.html",
    "screening.html",
    "appeals.html",
    "screening_import.html",
    "receivable.html",
    "public_provider.html",
    "public_providers.html",
    "public_spot_check.html",
    "public_spot_checks.html",
    "spot_checks.html",
    "firm_spot_checks.html",
    "redemptions.html",
    "review.html",
    "services.html",
    "space.html",
    "space_apply.html",
    "space_incubatees.html",
    "space_statistics.html",
    "subsidies.html",
    "vouchers.html",
    "workbench.html",
    "logout.html",
    "error.html",
    "password_forgot.html",
    "verify.html",
    "documents.html",
    "password_reset.html",
    "register.html",
    "register_form.html",
    "lottery.html",
    "guide.html",
    "rules.html",
    "notices_list.html",
    "notice.html",
    "admin_articles.html",
    "admin_article.html",
];

pub(super) const CSS: &str = include_str!("static/app.css");
pub(super) const JS: &str = include_str!("static/app.js");

/// Rows per page of a public list.
const PER_PAGE: i64 = 50;

fn env() -> Result<&'static Environment<'static>, AppError> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        // `{{ "order-no"|t }}`, `{{ "orders-in-all"|t(n=total) }}`: the message in the
        // reader's language.
        env.add_filter(
            "t",
            |state: &minijinja::State,
             s: String,
             kwargs: minijinja::value::Kwargs|
             -> Result<String, minijinja::Error> {
                let en = state.lookup("en").is_some_and(|v| v.is_true());
                let args = i18n::args_of(&kwargs, false)?;
                Ok(i18n::t_with(&s, en, kwargs.args().next().is_some().then_some(&args)))
            },
        );
        // `{{ "batch-standing"|th(remaining=…) }}`: a message that carries its own markup
        // (`<strong>`), the values escaped: emphasis stays in the sentence, in either
        // language's word order. Only for messages from the locale files.
        env.add_filter(
            "th",
            |state: &minijinja::State,
             s: String,
             kwargs: minijinja::value::Kwargs|
             -> Result<minijinja::Value, minijinja::Error> {
                let en = state.lookup("en").is_some_and(|v| v.is_true());
                let args = i18n::args_of(&kwargs, true)?;
                Ok(minijinja::Value::from_safe_string(i18n::t_with(&s, en, Some(&args))))
            },
        );
        // `{{ amount|yuan }}`: a plain amount (`1234567.50`) with thousands separators.
        env.add_filter("yuan", |s: String| -> String { crate::domain::money::group_digits(&s) });
        for (name, src) in TEMPLATES {
            env.add_template(name, src).map_err(|e| format!("page template {name}: {e}"))?;
        }
        Ok(env)
    })
    .as_ref()
    .map_err(AppError::internal)
}

#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    page: Option<i64>,
}

/// The reader's language and the bits of links that keep it.
pub(crate) struct Lang {
    pub(super) en: bool,
}

/// The cookie that keeps a reader's choice of language across pages and forms.
const LANG_COOKIE: &str = "hc_lang";

impl Lang {
    /// The language asked for on this request (`?lang=en` / `?lang=zh`), else the one
    /// chosen before (the `hc_lang` cookie), else Chinese.
    pub(crate) fn of_request(req: &actix_web::HttpRequest) -> Lang {
        match asked_lang(req) {
            Some(en) => Lang { en },
            None => Lang { en: req.cookie(LANG_COOKIE).is_some_and(|c| c.value() == "en") },
        }
    }

    /// The cookie to set when this request chose a language.
    pub(crate) fn cookie_for(
        req: &actix_web::HttpRequest,
    ) -> Option<actix_web::cookie::Cookie<'static>> {
        asked_lang(req).map(|en| {
            actix_web::cookie::Cookie::build(LANG_COOKIE, if en { "en" } else { "zh" })
                .path("/")
                .same_site(actix_web::cookie::SameSite::Lax)
                .max_age(actix_web::cookie::time::Duration::days(365))
                .finish()
        })
    }

    pub(crate) fn en(&self) -> bool {
        self.en
    }

    fn q(&self) -> &'static str {
        if self.en {
            "?lang=en"
        } else {
            ""
        }
    }
    fn amp(&self) -> &'static str {
        if self.en {
            "&lang=en"
        } else {
            ""
        }
    }
}

fn asked_lang(req: &actix_web::HttpRequest) -> Option<bool> {
    web::Query::<std::collections::BTreeMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|q| match q.get("lang").map(String::as_str) {
            Some("en") => Some(true),
            Some("zh") => Some(false),
            _ => None,
        })
}

/// A page with the language cookie set when this request chose the language.
pub(crate) fn with_lang(mut r: HttpResponse, req: &actix_web::HttpRequest) -> HttpResponse {
    if let Some(c) = Lang::cookie_for(req) {
        // A cookie that cannot be written as a header is a bug here, not input.
        let _ = r.add_cookie(&c);
    }
    r
}

/// A link in a role's navigation.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct NavLink {
    pub(crate) href: &'static str,
    pub(crate) text: &'static str,
}

/// The pages a role works on, in the order of its day; the header shows them to that
/// role only (a test follows every link of every role and gets the page, not a refusal).
pub(crate) use crate::i18n::{category_name, named};

/// A certification scheme's name in the reader's language (the name a record kept when the
/// scheme is no longer in the policy data).
pub(crate) use crate::i18n::scheme_name;

/// The pages' wording as (key, Chinese, English): what a reader of the other language
/// would see (the language tests look for leftovers, and for keys, with it).
pub fn wording() -> Vec<(String, String, String)> {
    i18n::all()
}

pub(crate) fn nav(role: Role) -> Vec<NavLink> {
    let l = |href, text| NavLink { href, text };
    let mut links = vec![l("/home", "my-desk")];
    links.extend(match role {
        Role::Firm => vec![
            l("/firm", "my-firm"),
            l("/documents", "documents-3"),
            l("/batches", "claim-vouchers"),
            l("/my/vouchers", "my-vouchers"),
            l("/services", "service-catalogue"),
            l("/orders", "my-orders"),
            l("/firm/spot-checks", "spot-checks"),
            l("/appeals", "my-appeals"),
        ],
        Role::Provider => vec![
            l("/provider", "listing"),
            l("/documents", "documents-3"),
            l("/provider/services", "my-services"),
            l("/orders", "orders-2"),
            l("/provider/redemptions", "redemptions"),
            l("/provider/findings", "findings"),
            l("/appeals", "my-appeals"),
        ],
        Role::Space => vec![
            l("/space", "certification-and-subsidies"),
            l("/documents", "documents-3"),
            l("/space/apply", "apply-for-certification"),
            l("/space/incubatees", "incubatees"),
            l("/space/statistics", "statistics"),
            l("/appeals", "my-appeals"),
        ],
        Role::Reviewer => vec![
            l("/review", "review-desk"),
            l("/firms", "registers"),
            l("/orders", "all-orders"),
            l("/spot-checks", "spot-checks"),
            l("/screening", "screening-lists"),
            l("/appeals", "appeals-to-review"),
            l("/dashboard", "programme-overview"),
        ],
        Role::Finance => vec![
            l("/finance", "settlement-runs"),
            l("/finance/report", "settlement-report"),
            l("/finance/receivables", "receivables"),
            l("/firms", "registers"),
            l("/orders", "all-orders"),
            l("/dashboard", "programme-overview"),
        ],
        Role::Admin => vec![
            l("/admin", "programmes-and-batches"),
            l("/admin/users", "users-and-roles"),
            l("/admin/outbox", "emails"),
            l("/admin/jobs", "jobs"),
            l("/admin/articles", "notices-and-questions"),
            l("/spot-checks", "spot-checks"),
            l("/screening", "screening-lists"),
            l("/appeals", "appeals-to-review"),
            l("/finance/receivables", "receivables"),
            l("/review", "review-desk"),
            l("/firms", "registers"),
            l("/orders", "all-orders"),
            l("/dashboard", "programme-overview"),
            l("/audit", "audit-trail"),
        ],
        Role::Auditor => vec![
            l("/firms", "registers"),
            l("/orders", "all-orders"),
            l("/spot-checks", "spot-checks"),
            l("/screening", "screening-lists"),
            l("/appeals", "appeals-to-review"),
            l("/dashboard", "programme-overview"),
            l("/audit", "audit-trail"),
            l("/finance", "settlement-runs"),
            l("/finance/report", "settlement-report"),
            l("/finance/receivables", "receivables"),
        ],
    });
    links
}

/// What every page's header and footer show besides the page: the authority, and who
/// is signed in with their role's links.
pub(crate) struct Chrome {
    site: std::sync::Arc<crate::config::SiteSettings>,
    role: Option<Role>,
}

impl Chrome {
    pub(crate) fn signed_in(state: &State, role: Role) -> Chrome {
        Chrome { site: state.site.clone(), role: Some(role) }
    }

    pub(crate) fn anonymous(state: &State) -> Chrome {
        Chrome { site: state.site.clone(), role: None }
    }

    /// The reader of a public page: signed in when the request carries a valid access
    /// token (an expired one is renewed on the next work page; the header offers 登录,
    /// and the sign-in page sends a still-signed-in reader straight on).
    pub(crate) async fn of(state: &State, req: &actix_web::HttpRequest) -> Chrome {
        let role = match req.cookie(session::ACCESS) {
            Some(c) => crate::http::extract::verify_access(state, c.value())
                .await
                .ok()
                .map(|caller| caller.role),
            None => None,
        };
        Chrome { site: state.site.clone(), role }
    }

    pub(crate) fn is_signed_in(&self) -> bool {
        self.role.is_some()
    }

    fn context(&self, en: bool) -> minijinja::Value {
        let s = &*self.site;
        let pick = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
        context! {
            site => context! {
                authority => pick(&s.authority_zh, &s.authority_en),
                short => pick(&s.short_zh, &s.short_en),
                office => pick(&s.office_zh, &s.office_en),
                address => pick(&s.address_zh, &s.address_en),
                hours => pick(&s.hours_zh, &s.hours_en),
                phone => s.phone.clone(), email => s.email.clone(),
                record_line => s.record_line.clone(),
            },
            me => self.role.map(|r| context! {
                role => session::role_text(r),
                nav => val(nav(r)),
            }),
        }
    }
}

/// Renders a page inside the site's header and footer, with the headers every page
/// carries: no script or frame from anywhere, nothing sniffed, no referrer sent elsewhere.
pub(super) fn render(
    name: &str,
    path: &str,
    lang: &Lang,
    chrome: &Chrome,
    title: &str,
    ctx: minijinja::Value,
) -> Result<HttpResponse, AppError> {
    render_at(name, path, path, lang, chrome, title, ctx)
}

/// As [`render`], for a page read at `here` (its own address, which the language link
/// keeps) under the navigation's `path`.
pub(super) fn render_at(
    name: &str,
    path: &str,
    here: &str,
    lang: &Lang,
    chrome: &Chrome,
    title: &str,
    ctx: minijinja::Value,
) -> Result<HttpResponse, AppError> {
    let other = if lang.en { format!("{here}?lang=zh") } else { format!("{here}?lang=en") };
    let base = context! {
        en => lang.en,
        lang_tag => if lang.en { "en" } else { "zh-CN" },
        q => lang.q(),
        amp_lang => lang.amp(),
        other_lang_href => other,
        title => title,
        path => path,
    };
    let html = env()?
        .get_template(name)
        .and_then(|t| t.render(context! { ..base, ..chrome.context(lang.en), ..ctx }))
        .map_err(|e| AppError::internal(format!("page {name}: {e:#}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .body(html))
}

/// An amount as pages show it: yuan with thousands separators (`30,000,000.00`).
pub(crate) fn yuan(f: crate::domain::Fen) -> String {
    f.grouped()
}

/// A UTC instant as shown on pages: China time to the second.
pub(crate) fn local_time(t: chrono::NaiveDateTime) -> String {
    crate::domain::china_time(t).format("%Y-%m-%d %H:%M:%S").to_string()
}

pub(super) fn page_of(q: &PageQuery) -> Result<Page, AppError> {
    crate::http::page(q.page, Some(PER_PAGE))
}

pub(super) fn pages(total: i64) -> i64 {
    ((total + PER_PAGE - 1) / PER_PAGE).max(1)
}

/// Any serialisable value as a template value.
pub(crate) fn val<T: serde::Serialize>(v: T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(v))
}

/// A value's wire form as text (an enum's snake_case name).
pub(crate) fn wire<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_in_the_folder_is_compiled_in_and_parses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/templates");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = super::TEMPLATES.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
        assert!(super::env().is_ok(), "{:?}", super::env().err());
    }

    /// The pages' CSP allows scripts and styles from hechuang's own files only: no
    /// template may carry an inline script, a style attribute or an event handler.
    #[test]
    fn no_template_has_inline_script_style_or_handlers() {
        for (name, src) in super::TEMPLATES {
            let lower = src.to_lowercase();
            let mut rest = lower.as_str();
            while let Some(at) = rest.find("<script") {
                let tag = &rest[at..rest[at..].find('>').map_or(rest.len(), |e| at + e)];
                assert!(tag.contains(" src=\"/static/"), "{name}: inline script {tag}");
                rest = &rest[at + 7..];
            }
            assert!(
                !lower.contains(" style=") && !lower.contains("<style"),
                "{name}: inline style"
            );
            for handler in
                [" onclick=", " onload=", " onsubmit=", " onchange=", " oninput=", " onerror="]
            {
                assert!(!lower.contains(handler), "{name}: {handler}");
            }
            assert!(!lower.contains("javascript:"), "{name}: javascript: URL");
        }
    }
}
