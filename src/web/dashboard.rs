//! The authority's overview page (admin and auditor; reviewers and finance read it too):
//! a programme, year or batch at a glance, each chart with its numbers in a table
//! beside it, the ledger reconciliation on request, and the whole exported as CSV or
//! XLSX. And the public summary (公开数据), for anyone.

use super::desk::{Form, Posted, Screen};
use super::orders::{open, status_text};
use super::rendering::{named, yuan};
use super::{local_time, val};
use crate::domain::figures::Stages;
use crate::domain::{china_time, Fen, Role};
use crate::error::AppError;
use crate::http::handlers::settlement::attachment;
use crate::http::{db, Answer, State};
use crate::services::dashboard::{self as svc, Dashboard, Reconciliation, Selection};
use crate::services::settlement::{csv_bytes, xlsx_bytes, FileFormat};
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest};
use chrono::Datelike;
use minijinja::context;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(overview).service(export).service(public_summary);
}

/// Who reads the overview: the authority's staff.
const READERS: &[Role] = &[Role::Admin, Role::Auditor, Role::Reviewer, Role::Finance];

/// The stages of the claimed money, in the order money moves, with their words and the
/// colour of their part of the bar.
const STAGES: &[(&str, &str, &str)] = &[
    ("free", "stage-free", "#9ecae1"),
    ("held", "stage-held", "#6baed6"),
    ("awaiting_application", "stage-awaiting-application", "#fdd0a2"),
    ("in_review", "stage-in-review", "#fdae6b"),
    ("in_notice", "stage-in-notice", "#fd8d3c"),
    ("payable", "stage-payable", "#a1d99b"),
    ("in_settlement", "stage-in-settlement", "#74c476"),
    ("paid", "stage-paid", "#31a354"),
    ("refused", "stage-refused", "#bdbdbd"),
    ("expired", "stage-expired", "#969696"),
];

fn stage_amount(s: &Stages, key: &str) -> Fen {
    match key {
        "budget" => s.budget,
        "claimed" => s.claimed,
        "unclaimed" => s.unclaimed,
        "free" => s.free,
        "held" => s.held,
        "spent" => s.spent,
        "awaiting_application" => s.awaiting_application,
        "in_review" => s.in_review,
        "in_notice" => s.in_notice,
        "payable" => s.payable,
        "in_settlement" => s.in_settlement,
        "paid" => s.paid,
        "refused" => s.refused,
        _ => s.expired,
    }
}

/// A reconciliation line's words.
fn reconciled_words(stage: &str) -> &'static str {
    match stage {
        "unclaimed" => "stage-unclaimed",
        "free" => "stage-free",
        "held" => "stage-held",
        "due" => "stage-due",
        "payable" => "stage-payable",
        "in_settlement" => "stage-in-settlement",
        "paid" => "stage-paid",
        _ => "stage-returned",
    }
}

pub(super) fn objection_words(status: &str) -> &'static str {
    match status {
        "open" => "objection-open",
        "upheld" => "objection-upheld",
        _ => "objection-dismissed",
    }
}

/// Basis points as a percentage with at most two decimals (`3125` → `31.25%`).
pub(crate) fn bp_percent(bp: i64) -> String {
    let whole = bp / 100;
    let cents = (bp % 100).abs();
    match cents {
        0 => format!("{whole}%"),
        c if c % 10 == 0 => format!("{whole}.{}%", c / 10),
        c => format!("{whole}.{c:02}%"),
    }
}

/// The page's form as sent: every field text, empty when not chosen.
#[derive(Debug, Default, serde::Deserialize)]
struct Asked {
    programme_id: Option<String>,
    year: Option<String>,
    batch_id: Option<String>,
    /// Compute anew (the 刷新 button).
    fresh: Option<String>,
}

impl Asked {
    /// The selection, empty fields left out; a year that is no number is refused at its
    /// field.
    fn selection(&self) -> Result<Selection, AppError> {
        let keep = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        let year = match keep(&self.year) {
            Some(y) => Some(
                y.trim()
                    .parse::<i32>()
                    .map_err(|_| AppError::of(crate::error::ErrorCode::SelectionYearInvalid))?,
            ),
            None => None,
        };
        Ok(Selection {
            programme_id: keep(&self.programme_id),
            batch_id: keep(&self.batch_id),
            year,
            fresh: keep(&self.fresh).map(|_| true),
        })
    }
}

#[derive(Debug, Default, serde::Deserialize)]
struct OverviewQuery {
    #[serde(flatten)]
    asked: Asked,
    /// Reconcile with the ledger on this load.
    reconcile: Option<String>,
}

fn query_string(s: &Selection) -> String {
    let mut parts: Vec<(&str, String)> = Vec::new();
    if let Some(p) = &s.programme_id {
        parts.push(("programme_id", p.clone()));
    }
    if let Some(y) = s.year {
        parts.push(("year", y.to_string()));
    }
    if let Some(b) = &s.batch_id {
        parts.push(("batch_id", b.clone()));
    }
    serde_urlencoded::to_string(parts).unwrap_or_default()
}

/// What the selection form offers: programmes, years batches open in, batches.
async fn choices(
    state: &State,
) -> Result<(Vec<(String, String)>, Vec<i32>, Vec<(String, String)>), AppError> {
    db(state, |c| {
        let programmes: Vec<(String, String)> = crate::db::vouchers::list_programmes(c)?
            .into_iter()
            .map(|p| (p.id.to_string(), p.name))
            .collect();
        let batches = crate::db::dashboard::batches_of(c, None, None)?;
        let mut years: Vec<i32> = batches.iter().map(|b| china_time(b.opens_at).year()).collect();
        years.sort_unstable();
        years.dedup();
        let names: std::collections::HashMap<&str, &str> =
            programmes.iter().map(|(id, n)| (id.as_str(), n.as_str())).collect();
        let batches = batches
            .iter()
            .map(|b| {
                let p = names.get(b.programme_id.as_str()).copied().unwrap_or_default();
                (b.id.to_string(), format!("{p} · {}", b.name))
            })
            .collect();
        Ok((programmes, years, batches))
    })
    .await
}

#[get("/dashboard")]
async fn overview(state: State, req: HttpRequest, q: web::Query<OverviewQuery>) -> Answer {
    let d = open!(state, req, READERS);
    let OverviewQuery { asked, reconcile } = q.into_inner();
    let (programmes, years, batches) = choices(&state).await?;
    let (found, s) = match asked.selection() {
        Ok(s) => (crate::http::handlers::dashboard::overview_of(&state, s.clone()).await, s),
        Err(e) => (Err(e), Selection::default()),
    };
    let recon: Option<Reconciliation> = match reconcile {
        Some(_) => {
            let (policy, now) = (state.policy.clone(), state.clock.now());
            Some(db(&state, move |c| svc::reconcile(c, &policy, now)).await?)
        }
        None => None,
    };
    let posted = Posted(
        [
            ("programme_id", asked.programme_id.clone().unwrap_or_default()),
            ("year", asked.year.clone().unwrap_or_default()),
            ("batch_id", asked.batch_id.clone().unwrap_or_default()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    );
    let (overview, form) = match found {
        Ok(o) => (Some(shown(&o, d.en())), Form::none()),
        Err(e) => {
            let f = d.failed(
                "selection",
                &posted,
                &e,
                &[("batch_not_in_programme", "batch_id"), ("selection_year_invalid", "year")],
            );
            (None, f)
        }
    };
    let status = if form.id.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let recon = recon.map(|r| {
        let lines: Vec<_> = r
            .lines
            .iter()
            .map(|l| {
                json!({"words": reconciled_words(&l.stage), "rows": yuan(l.rows),
                    "ledger": yuan(l.ledger), "agrees": l.agrees})
            })
            .collect();
        context! { agrees => r.agrees, lines => val(lines) }
    });
    let filter = query_string(&s);
    d.render(
        &state,
        Screen { template: "dashboard.html", path: "/dashboard", title: "programme-overview" },
        context! {
            o => overview, recon => recon, filter => filter,
            programmes => programmes, years => years, batch_choices => batches,
            sel => context! {
                programme_id => asked.programme_id.clone().unwrap_or_default(),
                year => asked.year.clone().unwrap_or_default(),
                batch_id => asked.batch_id.clone().unwrap_or_default(),
            },
        },
        &form,
        status,
    )
    .map_err(Into::into)
}

/// The overview as the page shows it: words, yuan with separators, percentages, and the
/// bar's parts laid out.
fn shown(o: &Dashboard, en: bool) -> minijinja::Value {
    let s = &o.stages;
    let claimed = s.claimed.get();
    let mut x = 0i64;
    let mut bar = Vec::new();
    let mut stages = Vec::new();
    for (key, words, colour) in STAGES {
        let amount = stage_amount(s, key);
        let share = crate::domain::figures::share_bp(amount.get(), claimed);
        if amount.get() > 0 && claimed > 0 {
            let w =
                i64::try_from(i128::from(amount.get()) * 600 / i128::from(claimed)).unwrap_or(0);
            bar.push(json!({"x": x, "w": w.max(1), "colour": colour, "words": words, "amount": yuan(amount)}));
            x += w;
        }
        stages.push(json!({"key": key, "words": words, "colour": colour, "amount": yuan(amount),
            "share": share.map(bp_percent).unwrap_or_default()}));
    }
    let pct = |bp: Option<i64>| bp.map(bp_percent).unwrap_or_else(|| "-".into());
    let top_voucher = o.by_category.iter().map(|c| c.voucher.get()).max().unwrap_or(0);
    let categories: Vec<_> = o
        .by_category
        .iter()
        .map(|c| {
            let w = if top_voucher > 0 {
                i64::try_from(i128::from(c.voucher.get()) * 400 / i128::from(top_voucher)).unwrap_or(0)
            } else {
                0
            };
            json!({"name": named(&c.name_zh, &c.name_en, en), "orders": c.orders, "confirmed": c.confirmed,
                "contract": yuan(c.contract), "voucher": yuan(c.voucher), "w": w})
        })
        .collect();
    let statuses: Vec<_> = o
        .by_status
        .iter()
        .map(|l| json!({"words": status_text(l.status.as_str()), "orders": l.orders, "voucher": yuan(l.voucher)}))
        .collect();
    let firms: Vec<_> = o
        .firms
        .iter()
        .map(|f| {
            json!({"class": super::i18n::size_class(f.size_class),
                "industry": named(&f.industry_zh, &f.industry_en, en), "firms": f.firms, "served": f.served})
        })
        .collect();
    let top_district = o.by_district.iter().map(|l| l.firms).max().unwrap_or(0);
    let districts: Vec<_> = o
        .by_district
        .iter()
        .map(|l| {
            let w = |n: i64| if top_district > 0 { n * 600 / top_district } else { 0 };
            json!({"name": named(&l.name_zh, &l.name_en, en), "firms": l.firms, "served": l.served,
                "w": w(l.firms), "ws": w(l.served)})
        })
        .collect();
    let providers: Vec<_> = o
        .providers
        .top
        .iter()
        .map(|p| json!({"name": p.name, "orders": p.orders, "amount": yuan(p.amount), "share": pct(p.share_bp)}))
        .collect();
    let days = |v: Option<i64>| v.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
    let timing = [
        ("claim-to-first-order", &o.timing.claim_to_first_order),
        ("confirmation-to-payment", &o.timing.confirmation_to_payment),
    ]
    .iter()
    .map(|(w, t)| json!({"words": w, "cases": t.cases, "median": days(t.median), "p90": days(t.p90)}))
    .collect::<Vec<_>>();
    let disputes: Vec<_> = o
        .disputes
        .iter()
        .map(|c| json!({"words": status_text(&c.status), "count": c.count}))
        .collect();
    let objections: Vec<_> = o
        .objections
        .iter()
        .map(|c| json!({"words": objection_words(&c.status), "count": c.count}))
        .collect();
    let v = &o.vouchers;
    val(json!({
        "as_of": local_time(o.as_of),
        "programme": o.selection.programme.as_ref().map(|p| p.name.clone()),
        "batch": o.selection.batch.as_ref().map(|b| b.name.clone()),
        "year": o.selection.year,
        "batches": o.selection.batches.len(),
        "budget": yuan(s.budget), "claimed": yuan(s.claimed), "unclaimed": yuan(s.unclaimed),
        "spent": yuan(s.spent), "returned": yuan(o.returned),
        "bar": bar, "stages": stages,
        "vouchers": {"claimed": v.claimed, "active": v.active, "used": v.used, "expired": v.expired,
            "firms": v.firms, "used_share": pct(v.used_share_bp),
            "gate": v.gate_bp.map(|g| bp_percent(i64::from(g)))},
        "categories": categories, "statuses": statuses, "firms": firms, "districts": districts,
        "providers": {"count": o.providers.providers, "top10": pct(o.providers.top10_share_bp), "top": providers},
        "timing": timing, "disputes": disputes, "objections": objections,
    }))
}

#[derive(Debug, Default, serde::Deserialize)]
struct ExportQuery {
    #[serde(flatten)]
    asked: Asked,
    format: Option<String>,
}

/// The overview as one table: a row per figure (section, item, count, amount in yuan).
#[get("/dashboard/export")]
async fn export(state: State, req: HttpRequest, q: web::Query<ExportQuery>) -> Answer {
    let d = open!(state, req, READERS);
    let ExportQuery { asked, format } = q.into_inner();
    let s = asked.selection()?;
    let o = crate::http::handlers::dashboard::overview_of(&state, s).await?;
    let en = d.en();
    let t = |k: &str| d.t(k);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row = |section: &str, item: String, count: String, amount: String| {
        rows.push(vec![section.to_string(), item, count, amount]);
    };
    let money = |f: Fen| f.to_string();
    let sec = t("where-the-money-is");
    for key in ["budget", "claimed", "unclaimed", "spent"] {
        row(
            &sec,
            t(&format!("stage-{}", key.replace('_', "-"))),
            String::new(),
            money(stage_amount(&o.stages, key)),
        );
    }
    for (key, words, _) in STAGES {
        row(&sec, t(words), String::new(), money(stage_amount(&o.stages, key)));
    }
    let sec = t("vouchers-2");
    let v = &o.vouchers;
    for (words, n) in [
        ("vouchers-claimed", v.claimed),
        ("vouchers-active", v.active),
        ("vouchers-used-up", v.used),
        ("vouchers-expired", v.expired),
        ("firms-holding-vouchers", v.firms),
    ] {
        row(&sec, t(words), n.to_string(), String::new());
    }
    let sec = t("by-category");
    for c in &o.by_category {
        row(&sec, named(&c.name_zh, &c.name_en, en), c.confirmed.to_string(), money(c.voucher));
    }
    let sec = t("firms-by-size-and-industry");
    for f in &o.firms {
        let item = format!(
            "{} · {}",
            t(super::i18n::size_class(f.size_class)),
            named(&f.industry_zh, &f.industry_en, en)
        );
        row(&sec, item.clone(), f.firms.to_string(), String::new());
        row(&sec, format!("{item} · {}", t("served")), f.served.to_string(), String::new());
    }
    let sec = t("firms-by-district");
    for l in &o.by_district {
        let item = named(&l.name_zh, &l.name_en, en);
        row(&sec, item.clone(), l.firms.to_string(), String::new());
        row(&sec, format!("{item} · {}", t("served")), l.served.to_string(), String::new());
    }
    let sec = t("largest-providers");
    for p in &o.providers.top {
        row(&sec, p.name.clone(), p.orders.to_string(), money(p.amount));
    }
    let sec = t("waiting-times-days");
    for (words, sp) in [
        ("claim-to-first-order", &o.timing.claim_to_first_order),
        ("confirmation-to-payment", &o.timing.confirmation_to_payment),
    ] {
        let n = |v: Option<i64>| v.map(|d| d.to_string()).unwrap_or_default();
        row(&sec, format!("{} · {}", t(words), t("median")), n(sp.median), String::new());
        row(&sec, format!("{} · {}", t(words), t("percentile-90")), n(sp.p90), String::new());
    }
    let sec = t("disputes-and-objections");
    for c in &o.disputes {
        row(
            &sec,
            format!("{} · {}", t("disputed-orders"), t(status_text(&c.status))),
            c.count.to_string(),
            String::new(),
        );
    }
    for c in &o.objections {
        row(
            &sec,
            format!("{} · {}", t("objections"), t(objection_words(&c.status))),
            c.count.to_string(),
            String::new(),
        );
    }
    let header_owned = [t("section"), t("item"), t("count"), t("amount-yuan")];
    let header: Vec<&str> = header_owned.iter().map(String::as_str).collect();
    let (bytes, format, ext) = match format.as_deref() {
        Some("xlsx") => {
            (xlsx_bytes(&t("programme-overview"), &header, &rows)?, FileFormat::Xlsx, "xlsx")
        }
        _ => (csv_bytes(&header, &rows)?, FileFormat::Csv, "csv"),
    };
    Ok(attachment(bytes, format, &format!("overview.{ext}"), None))
}

/// 公开数据: each programme's aggregate figures, for anyone.
#[get("/public/summary")]
async fn public_summary(state: State, req: HttpRequest) -> Answer {
    let lang = super::Lang::of_request(&req);
    let programmes = crate::http::handlers::dashboard::public_summary_of(&state).await?;
    let en = lang.en();
    let shown: Vec<_> = programmes
        .iter()
        .map(|p| {
            json!({"name": p.name, "batches": p.batches, "budget": yuan(p.budget), "claimed": yuan(p.claimed),
                "vouchers": p.vouchers, "firms": p.firms, "firms_served": p.firms_served,
                "orders_confirmed": p.orders_confirmed, "spent": yuan(p.spent), "paid": yuan(p.paid),
                "categories": p.by_category.iter().map(|c| json!({"name": named(&c.name_zh, &c.name_en, en),
                    "confirmed": c.confirmed, "voucher": yuan(c.voucher)})).collect::<Vec<_>>()})
        })
        .collect();
    let r = super::render(
        "public_summary.html",
        "/public/summary",
        &lang,
        &super::Chrome::of(&state, &req).await,
        "public-figures",
        context! {
            programmes => val(shown),
            as_of => programmes.iter().map(|p| p.as_of).min().map(local_time).unwrap_or_default(),
        },
    )?;
    Ok(super::with_lang(r, &req))
}
