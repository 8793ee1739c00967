//! The public disclosure pages (公示): certifications, subsidies, redemptions and
//! awards, each also as CSV and JSON. No personal data.

use crate::db::DbConnection;
use crate::domain::Policy;
use crate::error::AppError;
use crate::http::Answer;
use crate::http::{db, State};
use crate::services::certification::{self as certs, PublicCertification};
use crate::services::settlement::csv_bytes;
use crate::services::subsidies::{self as subsidies, PublicEntitlement};
use crate::services::{ratings, redemptions};
use crate::services::{Page, Paged};
use actix_web::http::header;
use actix_web::web::Path;
use actix_web::{get, web, HttpResponse};
use minijinja::context;

use super::*;

/// The public pages' routes.
pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    list_routes::<Certifications>(cfg);
    list_routes::<Subsidies>(cfg);
    list_routes::<Redemptions>(cfg);
    list_routes::<Providers>(cfg);
    cfg.service(provider_page);
    cfg.service(awards_csv).service(awards_json).service(awards_page);
}

/// The message key of a certification's status (the public lists and their CSV).
pub(super) fn certification_status(s: &str) -> &'static str {
    match s {
        "active" => "in-force",
        "revoked" => "revoked-2",
        _ => "expired",
    }
}

/// The message key of an entitlement's status.
fn entitlement_status(s: &str) -> &'static str {
    match s {
        "in_notice" => "in-public-notice",
        "payable" => "approved-to-be-paid",
        "paid" => "paid",
        _ => "",
    }
}

/// A public list (公示): fetched a page at a time, shown as a page, and given whole as
/// JSON and as CSV.
trait PublicList: 'static {
    type Item: serde::Serialize + Send + 'static;
    /// Where the page is; the JSON and CSV are at the same path with `.json`, `.csv`.
    const PATH: &'static str;
    const TEMPLATE: &'static str;
    /// The page title's message key.
    const TITLE: &'static str;
    const CSV_HEADER: &'static [&'static str];
    /// A page of the list as it stands at `now`.
    fn fetch(
        c: &mut DbConnection,
        policy: &Policy,
        now: chrono::NaiveDateTime,
        page: Page,
    ) -> Result<Paged<Self::Item>, AppError>;
    /// One row as the page shows it.
    fn shown(item: &Self::Item, policy: &Policy, en: bool) -> serde_json::Value;
    /// One row as the CSV writes it.
    fn csv_row(item: Self::Item) -> Vec<String>;
}

/// A public list's page, JSON and CSV routes.
fn list_routes<L: PublicList>(cfg: &mut web::ServiceConfig) {
    cfg.route(&format!("{}.csv", L::PATH), web::get().to(list_csv::<L>))
        .route(&format!("{}.json", L::PATH), web::get().to(list_json::<L>))
        .route(L::PATH, web::get().to(list_page::<L>));
}

async fn list_page<L: PublicList>(
    state: State,
    req: actix_web::HttpRequest,
    q: web::Query<PageQuery>,
) -> Answer {
    let lang = Lang::of_request(&req);
    let page = page_of(&q)?;
    let policy = state.policy.clone();
    let now = state.clock.now();
    let list = db(&state, move |c| L::fetch(c, &policy, now, page)).await?;
    let items: Vec<serde_json::Value> =
        list.items.iter().map(|i| L::shown(i, &state.policy, lang.en)).collect();
    Ok(with_lang(
        render(
            L::TEMPLATE,
            L::PATH,
            &lang,
            &Chrome::of(&state, &req).await,
            L::TITLE,
            context! { items => val(&items), total => list.total, page => list.page, pages => pages(list.total) },
        )?,
        &req,
    ))
}

async fn every<L: PublicList>(state: &State) -> Result<Vec<L::Item>, AppError> {
    let policy = state.policy.clone();
    let now = state.clock.now();
    db(state, move |c| all(|p| L::fetch(c, &policy, now, p))).await
}

async fn list_json<L: PublicList>(state: State) -> Answer {
    Ok(HttpResponse::Ok().json(every::<L>(&state).await?))
}

async fn list_csv<L: PublicList>(state: State) -> Answer {
    let rows: Vec<Vec<String>> = every::<L>(&state).await?.into_iter().map(L::csv_row).collect();
    let name = L::PATH.rsplit('/').next().unwrap_or("list");
    Ok(csv_response(csv_bytes(L::CSV_HEADER, &rows)?, &format!("{name}.csv")))
}

/// Every row of a public list, page by page.
pub(super) fn all<T>(
    mut fetch: impl FnMut(Page) -> Result<Paged<T>, AppError>,
) -> Result<Vec<T>, AppError> {
    let mut out = Vec::new();
    for n in 1.. {
        let p = fetch(Page { page: n, per_page: 100 })?;
        let total = p.total;
        out.extend(p.items);
        if out.len() as i64 >= total || n * 100 >= total {
            break;
        }
    }
    Ok(out)
}

pub(super) fn csv_response(bytes: Vec<u8>, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(bytes)
}

/// Certified incubators and maker spaces (认定结果公示).
struct Certifications;

impl PublicList for Certifications {
    type Item = PublicCertification;
    const PATH: &'static str = "/public/certifications";
    const TEMPLATE: &'static str = "certifications.html";
    const TITLE: &'static str = "certified-incubators-and-maker-spaces";
    const CSV_HEADER: &'static [&'static str] = &[
        "载体名称",
        "统一社会信用代码",
        "认定（备案）类型",
        "级别",
        "认定日期",
        "有效期至",
        "状态",
        "撤销日期",
    ];
    fn fetch(
        c: &mut DbConnection,
        policy: &Policy,
        _now: chrono::NaiveDateTime,
        page: Page,
    ) -> Result<Paged<Self::Item>, AppError> {
        certs::public_certifications(c, policy, page)
    }
    fn shown(c: &PublicCertification, policy: &Policy, en: bool) -> serde_json::Value {
        let status = wire(&c.status);
        serde_json::json!({
            "space_name": c.space_name, "credit_code": c.credit_code,
            "scheme_name": scheme_name(policy, &c.scheme, &c.scheme_name, en), "certified_on": c.certified_on.to_string(),
            "valid_until": c.valid_until.map(|d| d.to_string()),
            "revoked_on": c.revoked_on.map(|d| d.to_string()),
            "status_text": certification_status(&status), "status": status,
        })
    }
    fn csv_row(c: PublicCertification) -> Vec<String> {
        let status = wire(&c.status);
        vec![
            c.space_name,
            c.credit_code,
            c.scheme_name,
            wire(&c.level),
            c.certified_on.to_string(),
            c.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            i18n::t(certification_status(&status), false),
            c.revoked_on.map(|d| d.to_string()).unwrap_or_default(),
        ]
    }
}

/// Subsidies and awards to carriers (补贴公示).
struct Subsidies;

impl PublicList for Subsidies {
    type Item = PublicEntitlement;
    const PATH: &'static str = "/public/subsidies";
    const TEMPLATE: &'static str = "subsidies.html";
    const TITLE: &'static str = "subsidies-and-awards-to-carriers";
    const CSV_HEADER: &'static [&'static str] = &[
        "载体名称",
        "统一社会信用代码",
        "政策",
        "期间",
        "金额（元）",
        "依据",
        "状态",
        "公示截止（UTC）",
    ];
    fn fetch(
        c: &mut DbConnection,
        policy: &Policy,
        _now: chrono::NaiveDateTime,
        page: Page,
    ) -> Result<Paged<Self::Item>, AppError> {
        subsidies::public_entitlements(c, policy, page)
    }
    fn shown(e: &PublicEntitlement, _: &Policy, _: bool) -> serde_json::Value {
        let status = wire(&e.status);
        serde_json::json!({
            "space_name": e.space_name, "credit_code": e.credit_code,
            "policy_name": e.policy_name, "period": e.period,
            "amount": e.amount.to_string(), "basis": e.basis,
            "status_text": entitlement_status(&status), "status": status,
        })
    }
    fn csv_row(e: PublicEntitlement) -> Vec<String> {
        let status = wire(&e.status);
        vec![
            e.space_name,
            e.credit_code,
            e.policy_name,
            e.period,
            e.amount.to_string(),
            e.basis,
            i18n::t(entitlement_status(&status), false),
            e.notice_ends_at.to_string(),
        ]
    }
}

/// The message key of an approved redemption's status.
fn redemption_status(s: &str) -> &'static str {
    match s {
        "in_notice" => "in-public-notice",
        "payable" => "approved-to-be-paid",
        "in_settlement" => "being-paid",
        "paid" => "paid",
        _ => "",
    }
}

/// Approved redemptions (兑现结果公示): every voucher payment approved, with its state.
struct Redemptions;

impl PublicList for Redemptions {
    type Item = redemptions::ApprovedView;
    const PATH: &'static str = "/public/redemptions";
    const TEMPLATE: &'static str = "redemptions.html";
    const TITLE: &'static str = "approved-voucher-redemptions";
    const CSV_HEADER: &'static [&'static str] = &[
        "服务机构",
        "企业",
        "服务类别",
        "合创券兑现金额（元）",
        "审核通过时间（北京时间）",
        "状态",
        "回访抽查结论",
    ];
    fn fetch(
        c: &mut DbConnection,
        policy: &Policy,
        _now: chrono::NaiveDateTime,
        page: Page,
    ) -> Result<Paged<Self::Item>, AppError> {
        redemptions::approved(c, policy, page)
    }
    fn shown(r: &redemptions::ApprovedView, policy: &Policy, en: bool) -> serde_json::Value {
        let status = wire(&r.status);
        serde_json::json!({
            "provider_name": r.provider_name, "firm_name": r.firm_name,
            "category_name": category_name(policy, &r.category, en),
            "amount": r.amount.to_string(),
            "approved_at": r.approved_at.map(local_time),
            "status_text": redemption_status(&status), "status": status,
            "finding": r.finding.as_ref().map(|f| finding_words(f, en)),
        })
    }
    fn csv_row(r: redemptions::ApprovedView) -> Vec<String> {
        let status = wire(&r.status);
        let finding = r.finding.as_ref().map(|f| finding_words(f, false)).unwrap_or_default();
        vec![
            r.provider_name,
            r.firm_name,
            r.category_name,
            r.amount.to_string(),
            r.approved_at.map(local_time).unwrap_or_default(),
            i18n::t(redemption_status(&status), false),
            finding,
        ]
    }
}

/// A published finding in words: what the spot check found, and what the provider pays
/// back when the item had been paid.
fn finding_words(f: &redemptions::PublishedFinding, en: bool) -> String {
    use crate::domain::spot_check::FindingOutcome;
    let mut text = match (f.outcome, f.corrected_amount) {
        (FindingOutcome::Corrected, Some(a)) => {
            i18n::t_values("finding-published-corrected", en, &[("amount", &a.grouped())])
        }
        _ => i18n::t("finding-published-fraudulent", en),
    };
    if let Some(back) = f.owed_back {
        text.push_str(&i18n::t_values(
            "finding-published-owed",
            en,
            &[("amount", &back.grouped())],
        ));
    }
    text
}

/// The listed providers (服务机构名录), by name, each with its quality score.
struct Providers;

impl PublicList for Providers {
    type Item = ratings::PublicProvider;
    const PATH: &'static str = "/public/providers";
    const TEMPLATE: &'static str = "public_providers.html";
    const TITLE: &'static str = "listed-service-providers";
    const CSV_HEADER: &'static [&'static str] = &[
        "服务机构",
        "统一社会信用代码",
        "服务类别",
        "质量评分",
        "评价条数",
        "信用等级",
        "入库时间（北京时间）",
    ];
    fn fetch(
        c: &mut DbConnection,
        policy: &Policy,
        now: chrono::NaiveDateTime,
        page: Page,
    ) -> Result<Paged<Self::Item>, AppError> {
        ratings::listed_providers(c, policy, now, None, page)
    }
    fn shown(p: &ratings::PublicProvider, policy: &Policy, en: bool) -> serde_json::Value {
        let cats: Vec<String> = p.categories.iter().map(|c| category_name(policy, c, en)).collect();
        serde_json::json!({
            "href": format!("/public/providers/{}", p.id), "name": p.name,
            "credit_code": p.credit_code, "categories": cats,
            "score": p.score, "ratings": p.ratings, "grade": p.grade.as_str(),
            "listed_at": p.listed_at.map(local_time),
        })
    }
    fn csv_row(p: ratings::PublicProvider) -> Vec<String> {
        vec![
            p.name,
            p.credit_code,
            p.category_names.join("、"),
            p.score.unwrap_or_default(),
            p.ratings.to_string(),
            p.grade.as_str().to_string(),
            p.listed_at.map(local_time).unwrap_or_default(),
        ]
    }
}

/// A listed provider's public page: who it is, what it offers now, its quality score
/// with how it is made, and its ratings with its answers, a page at a time.
#[get("/public/providers/{id}")]
async fn provider_page(
    state: State,
    req: actix_web::HttpRequest,
    path: Path<String>,
    q: web::Query<PageQuery>,
) -> Answer {
    let lang = Lang::of_request(&req);
    let id: crate::domain::id::ProviderId = crate::http::typed_id(&path)?;
    let page = page_of(&q)?;
    let policy = state.policy.clone();
    let now = state.clock.now();
    let (provider, services, rated) = db(&state, move |c| {
        let p =
            ratings::listed_providers(c, &policy, now, Some(&id), Page { page: 1, per_page: 1 })?
                .items
                .into_iter()
                .next()
                .ok_or_else(|| AppError::not_found("provider"))?;
        let offer = crate::services::catalogue::Offer {
            provider_id: Some(id.clone()),
            ..Default::default()
        };
        let services = crate::services::catalogue::offered(
            c,
            &policy,
            &offer,
            &crate::domain::listing::Filter::default(),
            Page { page: 1, per_page: 100 },
        )?;
        let rated = ratings::of_provider(c, &policy, &id, page)?;
        Ok((p, services, rated))
    })
    .await?;
    let en = lang.en;
    let services: Vec<serde_json::Value> = services
        .items
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.id, "title": i.title, "description": i.description,
                "category_name": category_name(&state.policy, &i.category, en),
                "list_price": i.list_price.to_string(), "delivery_days": i.delivery_days,
            })
        })
        .collect();
    let rows: Vec<serde_json::Value> = rated
        .items
        .iter()
        .map(|r| {
            serde_json::json!({
                "quality": r.quality, "timeliness": r.timeliness, "value": r.value,
                "comment": r.comment, "rated_at": local_time(r.rated_at),
                "answer": r.answer, "answered_at": r.answered_at.map(local_time),
            })
        })
        .collect();
    let cats: Vec<String> =
        provider.categories.iter().map(|c| category_name(&state.policy, c, en)).collect();
    Ok(with_lang(
        render(
            "public_provider.html",
            &format!("/public/providers/{}", provider.id),
            &lang,
            &Chrome::of(&state, &req).await,
            &provider.name,
            context! {
                p => val(&provider), categories => cats, listed_at => provider.listed_at.map(local_time), services => val(&services),
                ratings => val(&rows), mean => rated.programme_mean,
                prior_weight => state.policy.spending.rating_prior_weight,
                total => provider.ratings, page => rated.page, pages => pages(provider.ratings),
            },
        )?,
        &req,
    ))
}

/// The year whose evaluation the awards page shows by default: the last one over.
fn last_year(state: &State) -> i32 {
    crate::domain::china_time(state.clock.now())
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .map(|y| y - 1)
        .unwrap_or_default()
}

/// A year's performance evaluation (绩效评价结果公示): the ranking with each part of the
/// score, who won, who holds the title, who is paid.
#[get("/public/awards/{year}")]
async fn awards_page(state: State, req: actix_web::HttpRequest, path: Path<String>) -> Answer {
    let lang = Lang::of_request(&req);
    let year = match path.as_str() {
        "latest" => last_year(&state),
        y => y.parse::<i32>().map_err(|_| AppError::not_found("year"))?,
    };
    let found = db(&state, move |c| match crate::services::awards::evaluation(c, year) {
        Ok(ev) => Ok(Some(ev)),
        Err(e) if e.kind == crate::error::Kind::NotFound => Ok(None),
        Err(e) => Err(e),
    })
    .await?;
    let rows: Vec<serde_json::Value> = found
        .iter()
        .flat_map(|ev| ev.ranking.iter())
        .map(|r| {
            serde_json::json!({
                "rank": r.rank, "space_name": r.space_name, "credit_code": r.credit_code,
                "total": r.total.to_string(), "cumulative": r.cumulative_part.to_string(),
                "increase": r.increase_part.to_string(), "special": r.special_points.to_string(),
                "winner": r.winner, "holds_title": r.holds_title, "awarded": r.awarded,
                "title_until": r.title_until,
            })
        })
        .collect();
    let title = i18n::t_values("performance-awards-of", lang.en, &[("year", &year.to_string())]);
    Ok(with_lang(
        render(
            "awards.html",
            &format!("/public/awards/{year}"),
            &lang,
            &Chrome::of(&state, &req).await,
            &title,
            context! {
                year => year, rows => val(&rows), found => found.is_some(),
                title_zh => found.as_ref().map(|e| e.title_zh.clone()),
                top_n => found.as_ref().map(|e| e.top_n),
            },
        )?,
        &req,
    ))
}

#[get("/public/awards/{year}.json")]
async fn awards_json(state: State, path: Path<i32>) -> Answer {
    let year = path.into_inner();
    Ok(HttpResponse::Ok()
        .json(db(&state, move |c| crate::services::awards::evaluation(c, year)).await?))
}

#[get("/public/awards/{year}.csv")]
async fn awards_csv(state: State, path: Path<i32>) -> Answer {
    let year = path.into_inner();
    let policy = state.policy.clone();
    let bytes = db(&state, move |c| {
        let ev = crate::services::awards::evaluation(c, year)?;
        crate::services::awards::ranking_file(
            &policy,
            &ev,
            crate::services::settlement::FileFormat::Csv,
        )
    })
    .await?;
    Ok(csv_response(bytes, &format!("awards-{year}.csv")))
}
