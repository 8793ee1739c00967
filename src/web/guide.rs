//! Help and the authority's voice: 办事指南 (how each role does its work, step by step,
//! with links to the pages), the programme's rules rendered from the policy data and
//! the programmes in force (so the page always says what the system applies), common
//! questions and 通知公告 as the administrator publishes them.

use super::{local_time, render, val, Chrome, Lang};
use crate::domain::id::ArticleId;
use crate::domain::voucher::qualification_zh;
use crate::error::AppError;
use crate::http::Answer;
use crate::http::{db, typed_id, State};
use crate::services::articles::{self, ArticleKind, ArticleView};
use crate::services::Page;
use actix_web::http::header;
use actix_web::web::Path;
use actix_web::{get, web, HttpRequest, HttpResponse};
use minijinja::context;
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(guide).service(rules).service(notices).service(notice).service(notice_file);
}

/// A decimal share (`"0.50"`) as a percentage (`50%`).
pub(crate) fn percent(share: &str) -> String {
    match Decimal::from_str(share.trim()) {
        Ok(d) => format!("{}%", (d * Decimal::from(100)).normalize()),
        Err(_) => share.to_string(),
    }
}

/// A decimal share as the number a percentage field shows (`"0.5"` → `50`).
pub(crate) fn percent_number(share: &str) -> String {
    percent(share).trim_end_matches('%').to_string()
}

/// A percentage typed on a page (`50`, `50%`, `33.33`) as the decimal share the API
/// takes (`0.5`): more than 0, at most 100, at most two decimals; `None` otherwise.
pub(crate) fn share_of_percent(typed: &str) -> Option<String> {
    let d = Decimal::from_str(typed.trim().trim_end_matches(['%', '％']).trim()).ok()?;
    let ok = d.scale() <= 2 && d > Decimal::ZERO && d <= Decimal::from(100);
    ok.then(|| (d / Decimal::from(100)).normalize().to_string())
}

/// An article in the reader's language (the Chinese when no English was written),
/// its body as paragraphs.
pub(crate) fn article_json(a: &ArticleView, en: bool) -> serde_json::Value {
    let (title, body) = if en && !a.title_en.is_empty() && !a.body_en.is_empty() {
        (&a.title_en, &a.body_en)
    } else {
        (&a.title, &a.body)
    };
    let paragraphs: Vec<&str> = body.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect();
    json!({
        "id": a.id, "kind": a.kind.as_str(), "title": title, "paragraphs": paragraphs,
        "published_at": a.published_at.map(|t| local_time(t)[..10].to_string()),
        "published": a.published_at.is_some(),
        "updated_at": local_time(a.updated_at),
        "files": a.files.iter().map(|f| json!({
            "id": f.id, "name": f.file_name, "size_kib": (f.size_bytes + 1023) / 1024,
        })).collect::<Vec<_>>(),
    })
}

#[get("/guide")]
async fn guide(state: State, req: HttpRequest) -> Answer {
    let lang = Lang::of_request(&req);
    let all = Page { page: 1, per_page: 100 };
    let faq = db(&state, move |c| articles::published(c, ArticleKind::Faq, all)).await?;
    let faq: Vec<serde_json::Value> =
        faq.items.iter().map(|a| article_json(a, lang.en())).collect();
    let r = render(
        "guide.html",
        "/guide",
        &lang,
        &Chrome::of(&state, &req).await,
        "guide",
        context! { faq => val(faq) },
    )?;
    Ok(super::with_lang(r, &req))
}

#[get("/guide/rules")]
async fn rules(state: State, req: HttpRequest) -> Answer {
    let lang = Lang::of_request(&req);
    let en = lang.en();
    let pick = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
    let programmes = db(&state, crate::services::vouchers::programmes).await?;
    let policy = &state.policy;
    let category = |code: &str| {
        policy
            .category(code)
            .map(|c| pick(&c.name_zh, &c.name_en))
            .unwrap_or_else(|| code.to_string())
    };
    let programmes: Vec<serde_json::Value> = programmes
        .iter()
        .map(|p| {
            json!({
                "name": p.name, "code": p.code,
                "categories": p.categories.iter().map(|c| category(c)).collect::<Vec<_>>(),
                "co_payment": percent(&p.co_payment_ratio),
                "full_coverage": p.full_coverage_threshold.grouped(),
                "validity_months": p.validity_months,
                "sizes": p.eligible_size_classes.iter().map(|s| super::i18n::size_class(*s)).collect::<Vec<_>>(),
                "exclude_dishonest": p.exclude_dishonest,
                "revenue_ceiling": p.revenue_ceiling.map(|f| f.grouped()),
                "qualifications": p.required_qualifications.iter().map(|q| qualification_zh(*q)).collect::<Vec<_>>(),
                "per_batch": p.per_batch_limit, "per_year": p.per_year_limit,
                "by_controller": p.count_by_controller,
                "gate": percent(&p.gate_used_share),
            })
        })
        .collect();
    let schemes: Vec<serde_json::Value> = policy
        .certification
        .schemes
        .iter()
        .map(|s| {
            json!({
                "name": pick(&s.name_zh, &s.name_en), "source": s.source,
                "valid_years": s.valid_years, "criteria": s.criteria.len(),
            })
        })
        .collect();
    let subsidies: Vec<serde_json::Value> = policy
        .subsidies
        .policies
        .iter()
        .filter(|p| p.enabled)
        .map(|p| {
            let mut amounts: Vec<String> = p
                .amounts
                .iter()
                .map(|(level, a)| {
                    let level = match level.as_str() {
                        "national" => pick("国家级", "national"),
                        "provincial" => pick("省级", "provincial"),
                        "municipal" => pick("市级", "municipal"),
                        other => other.to_string(),
                    };
                    format!("{level} {}", a.grouped())
                })
                .collect();
            if let Some(a) = p.amount {
                amounts.push(a.grouped());
            }
            json!({
                "name": pick(&p.name_zh, &p.name_en), "amounts": amounts, "source": p.source,
                "schemes": p.schemes.iter().filter_map(|s| policy.certification.scheme(s))
                    .map(|s| pick(&s.name_zh, &s.name_en)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let r = render(
        "rules.html",
        "/guide/rules",
        &lang,
        &Chrome::of(&state, &req).await,
        "programme-rules",
        context! {
            programmes => val(programmes), schemes => val(schemes), subsidies => val(subsidies),
            listing_notice_days => policy.listing.notice_days,
            redemption_notice_days => policy.spending.redemption_notice_days,
            delivery_grace_days => policy.spending.delivery_grace_days,
            subsidy_notice_days => policy.subsidies.notice_days,
            award => val(policy.subsidies.performance_award.as_ref().map(|a| json!({
                "title": a.title_zh, "top_n": a.top_n, "years": a.title_years,
            }))),
        },
    )?;
    Ok(super::with_lang(r, &req))
}

#[derive(Debug, serde::Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

#[get("/notices")]
async fn notices(state: State, req: HttpRequest, q: web::Query<PageQuery>) -> Answer {
    let lang = Lang::of_request(&req);
    let page = crate::http::page(q.page, Some(20))?;
    let list = db(&state, move |c| articles::published(c, ArticleKind::Notice, page)).await?;
    let items: Vec<serde_json::Value> =
        list.items.iter().map(|a| article_json(a, lang.en())).collect();
    let r = render(
        "notices_list.html",
        "/notices",
        &lang,
        &Chrome::of(&state, &req).await,
        "notices",
        context! {
            items => val(items), total => list.total, page => list.page,
            pages => ((list.total + 19) / 20).max(1),
        },
    )?;
    Ok(super::with_lang(r, &req))
}

#[get("/notices/{id}")]
async fn notice(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let lang = Lang::of_request(&req);
    let id = typed_id::<ArticleId>(&path)?;
    let a = db(&state, move |c| articles::get(c, &id, false)).await?;
    let title =
        if lang.en() && !a.title_en.is_empty() { a.title_en.clone() } else { a.title.clone() };
    let r = render(
        "notice.html",
        &format!("/notices/{}", a.id),
        &lang,
        &Chrome::of(&state, &req).await,
        &title,
        context! { a => val(article_json(&a, lang.en())) },
    )?;
    Ok(super::with_lang(r, &req))
}

/// An attachment of a published notice or answer, shown in the browser (PDF and images
/// only, as checked on upload; never sniffed).
#[get("/notices/{id}/files/{file}")]
async fn notice_file(state: State, path: Path<(String, String)>) -> Answer {
    let (id, fid) = path.into_inner();
    let (id, fid) =
        (typed_id::<ArticleId>(&id)?, typed_id::<crate::domain::id::ArticleFileId>(&fid)?);
    let f = db(&state, move |c| articles::file(c, &id, &fid, false)).await?;
    file_response(&state, &f)
}

pub(crate) fn file_response(state: &State, f: &crate::db::models::ArticleFileRow) -> Answer {
    let bytes = state
        .files
        .read(&f.sha256)
        .map_err(|e| AppError::internal(format!("reading an attachment: {e}")))?;
    Ok(inline_file(&f.media_type, &f.file_name, bytes))
}

/// A stored file shown in the browser (never run: sandboxed, its type not sniffed), under
/// an ASCII version of its name.
pub(crate) fn inline_file(media_type: &str, file_name: &str, bytes: Vec<u8>) -> HttpResponse {
    let name: String =
        file_name.chars().filter(|c| c.is_ascii_alphanumeric() || ".-_".contains(*c)).collect();
    HttpResponse::Ok()
        .content_type(media_type)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", if name.is_empty() { "attachment" } else { &name }),
        ))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .body(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_reads_as_a_percentage_and_a_typed_percentage_as_a_share() {
        assert_eq!(percent("0.50"), "50%");
        assert_eq!(percent("0.3333"), "33.33%");
        assert_eq!(percent_number("0.5"), "50");
        assert_eq!(share_of_percent("50").as_deref(), Some("0.5"));
        assert_eq!(share_of_percent(" 33.33% ").as_deref(), Some("0.3333"));
        assert_eq!(share_of_percent("100").as_deref(), Some("1"));
        for bad in ["0", "-5", "100.01", "33.333", "abc", "0.5x", ""] {
            assert_eq!(share_of_percent(bad), None, "{bad}");
        }
    }
}
