//! The public disclosure pages (公示): certifications, subsidies, redemptions and
//! awards, each also as CSV and JSON. No personal data.

use crate::error::AppError;
use crate::http::{db, State};
use crate::services::certification::{self as certs, PublicCertification};
use crate::services::redemptions;
use crate::services::settlement::csv_bytes;
use crate::services::subsidies::{self as subsidies, PublicEntitlement};
use crate::services::{Page, Paged};
use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use minijinja::context;

use super::*;

/// The public pages' routes.
pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(certifications_csv)
        .service(certifications_json)
        .service(certifications_page)
        .service(subsidies_csv)
        .service(subsidies_json)
        .service(subsidies_page)
        .service(redemptions_csv)
        .service(redemptions_json)
        .service(redemptions_page)
        .service(awards_csv)
        .service(awards_json)
        .service(awards_page);
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

#[get("/public/certifications")]
async fn certifications_page(
    state: State,
    req: actix_web::HttpRequest,
    q: web::Query<PageQuery>,
) -> actix_web::Result<HttpResponse> {
    let lang = Lang::of_request(&req);
    let page = page_of(&q)?;
    let policy = state.policy.clone();
    let list = db(&state, move |c| {
        certs::public_certifications(c, &policy, page)
    })
    .await?;
    let items: Vec<minijinja::Value> = list
        .items
        .iter()
        .map(|c| {
            let status = wire(&c.status);
            val(serde_json::json!({
                "space_name": c.space_name, "credit_code": c.credit_code,
                "scheme_name": scheme_name(&state.policy, &c.scheme, &c.scheme_name, lang.en), "certified_on": c.certified_on.to_string(),
                "valid_until": c.valid_until.map(|d| d.to_string()),
                "revoked_on": c.revoked_on.map(|d| d.to_string()),
                "status_text": certification_status(&status), "status": status,
            }))
        })
        .collect();
    let title = "certified-incubators-and-maker-spaces";
    Ok(with_lang(
        render(
            "certifications.html",
            "/public/certifications",
            &lang,
            &Chrome::of(&state, &req).await,
            title,
            context! { items => items, total => list.total, page => list.page, pages => pages(list.total) },
        )?,
        &req,
    ))
}

/// Every row of a public list, page by page.
pub(super) fn all<T>(
    mut fetch: impl FnMut(Page) -> Result<Paged<T>, AppError>,
) -> Result<Vec<T>, AppError> {
    let mut out = Vec::new();
    for n in 1.. {
        let p = fetch(Page {
            page: n,
            per_page: 100,
        })?;
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
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes)
}

async fn all_certifications(state: &State) -> Result<Vec<PublicCertification>, AppError> {
    let policy = state.policy.clone();
    db(state, move |c| {
        all(|p| certs::public_certifications(c, &policy, p))
    })
    .await
}

#[get("/public/certifications.json")]
async fn certifications_json(state: State) -> actix_web::Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(all_certifications(&state).await?))
}

#[get("/public/certifications.csv")]
async fn certifications_csv(state: State) -> actix_web::Result<HttpResponse> {
    let rows: Vec<Vec<String>> = all_certifications(&state)
        .await?
        .into_iter()
        .map(|c| {
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
        })
        .collect();
    let header = [
        "载体名称",
        "统一社会信用代码",
        "认定（备案）类型",
        "级别",
        "认定日期",
        "有效期至",
        "状态",
        "撤销日期",
    ];
    Ok(csv_response(
        csv_bytes(&header, &rows)?,
        "certifications.csv",
    ))
}

async fn all_subsidies(state: &State) -> Result<Vec<PublicEntitlement>, AppError> {
    let policy = state.policy.clone();
    db(state, move |c| {
        all(|p| subsidies::public_entitlements(c, &policy, p))
    })
    .await
}

#[get("/public/subsidies")]
async fn subsidies_page(
    state: State,
    req: actix_web::HttpRequest,
    q: web::Query<PageQuery>,
) -> actix_web::Result<HttpResponse> {
    let lang = Lang::of_request(&req);
    let page = page_of(&q)?;
    let policy = state.policy.clone();
    let list = db(&state, move |c| {
        subsidies::public_entitlements(c, &policy, page)
    })
    .await?;
    let items: Vec<minijinja::Value> = list
        .items
        .iter()
        .map(|e| {
            let status = wire(&e.status);
            val(serde_json::json!({
                "space_name": e.space_name, "credit_code": e.credit_code,
                "policy_name": e.policy_name, "period": e.period,
                "amount": e.amount.to_string(), "basis": e.basis,
                "status_text": entitlement_status(&status), "status": status,
            }))
        })
        .collect();
    let title = "subsidies-and-awards-to-carriers";
    Ok(with_lang(
        render(
            "subsidies.html",
            "/public/subsidies",
            &lang,
            &Chrome::of(&state, &req).await,
            title,
            context! { items => items, total => list.total, page => list.page, pages => pages(list.total) },
        )?,
        &req,
    ))
}

#[get("/public/subsidies.json")]
async fn subsidies_json(state: State) -> actix_web::Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(all_subsidies(&state).await?))
}

#[get("/public/subsidies.csv")]
async fn subsidies_csv(state: State) -> actix_web::Result<HttpResponse> {
    let rows: Vec<Vec<String>> = all_subsidies(&state)
        .await?
        .into_iter()
        .map(|e| {
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
        })
        .collect();
    let header = [
        "载体名称",
        "统一社会信用代码",
        "政策",
        "期间",
        "金额（元）",
        "依据",
        "状态",
        "公示截止（UTC）",
    ];
    Ok(csv_response(csv_bytes(&header, &rows)?, "subsidies.csv"))
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

async fn all_redemptions(state: &State) -> Result<Vec<redemptions::ApprovedView>, AppError> {
    let policy = state.policy.clone();
    db(state, move |c| {
        all(|p| redemptions::approved(c, &policy, p))
    })
    .await
}

/// Approved redemptions (兑现结果公示): every voucher payment approved, with its state.
#[get("/public/redemptions")]
async fn redemptions_page(
    state: State,
    req: actix_web::HttpRequest,
    q: web::Query<PageQuery>,
) -> actix_web::Result<HttpResponse> {
    let lang = Lang::of_request(&req);
    let page = page_of(&q)?;
    let policy = state.policy.clone();
    let list = db(&state, move |c| redemptions::approved(c, &policy, page)).await?;
    let items: Vec<serde_json::Value> = list
        .items
        .iter()
        .map(|r| {
            let status = wire(&r.status);
            serde_json::json!({
                "provider_name": r.provider_name, "firm_name": r.firm_name,
                "category_name": category_name(&state.policy, &r.category, lang.en),
                "amount": r.amount.to_string(),
                "approved_at": r.approved_at.map(local_time),
                "status_text": redemption_status(&status), "status": status,
            })
        })
        .collect();
    let title = "approved-voucher-redemptions";
    Ok(with_lang(
        render(
            "redemptions.html",
            "/public/redemptions",
            &lang,
            &Chrome::of(&state, &req).await,
            title,
            context! { items => val(&items), total => list.total, page => list.page, pages => pages(list.total) },
        )?,
        &req,
    ))
}

#[get("/public/redemptions.json")]
async fn redemptions_json(state: State) -> actix_web::Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(all_redemptions(&state).await?))
}

#[get("/public/redemptions.csv")]
async fn redemptions_csv(state: State) -> actix_web::Result<HttpResponse> {
    let rows: Vec<Vec<String>> = all_redemptions(&state)
        .await?
        .into_iter()
        .map(|r| {
            let status = wire(&r.status);
            vec![
                r.provider_name,
                r.firm_name,
                r.category_name,
                r.amount.to_string(),
                r.approved_at.map(local_time).unwrap_or_default(),
                i18n::t(redemption_status(&status), false),
            ]
        })
        .collect();
    let header = [
        "服务机构",
        "企业",
        "服务类别",
        "合创券兑现金额（元）",
        "审核通过时间（北京时间）",
        "状态",
    ];
    Ok(csv_response(csv_bytes(&header, &rows)?, "redemptions.csv"))
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
async fn awards_page(
    state: State,
    req: actix_web::HttpRequest,
    path: web::Path<String>,
) -> actix_web::Result<HttpResponse> {
    let lang = Lang::of_request(&req);
    let year = match path.as_str() {
        "latest" => last_year(&state),
        y => y.parse::<i32>().map_err(|_| AppError::not_found("year"))?,
    };
    let found = db(&state, move |c| {
        match crate::services::awards::evaluation(c, year) {
            Ok(ev) => Ok(Some(ev)),
            Err(e) if e.kind == crate::error::Kind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
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
    let title = i18n::t_values(
        "performance-awards-of",
        lang.en,
        &[("year", &year.to_string())],
    );
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
async fn awards_json(state: State, path: web::Path<i32>) -> actix_web::Result<HttpResponse> {
    let year = path.into_inner();
    Ok(HttpResponse::Ok().json(
        db(&state, move |c| {
            crate::services::awards::evaluation(c, year)
        })
        .await?,
    ))
}

#[get("/public/awards/{year}.csv")]
async fn awards_csv(state: State, path: web::Path<i32>) -> actix_web::Result<HttpResponse> {
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
