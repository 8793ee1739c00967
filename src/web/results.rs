//! A batch's public results (领取结果公示): the claim curve since the opening second (an
//! inline SVG, with its numbers as a table), the remaining budget and every voucher.

use super::{local_time, render, Lang};
use crate::domain::id::BatchId;
use crate::domain::Fen;
use crate::error::AppError;
use crate::http::Answer;
use crate::http::{db, typed_id, State};
use crate::services::settlement::csv_bytes;
use crate::services::vouchers::{self as svc, BatchResult};
use actix_web::web::Path;
use actix_web::{get, web, HttpResponse};
use chrono::NaiveDateTime;
use minijinja::context;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(lottery_page).service(results_csv).service(results_json).service(results_page);
}

/// A time since the opening: "1 时 2 分 3 秒", or "1 h 2 min 3 s" in English.
fn span(secs: i64, en: bool) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m, en) {
        (0, 0, false) => format!("{s} 秒"),
        (0, _, false) => format!("{m} 分 {s} 秒"),
        (_, _, false) => format!("{h} 时 {m} 分 {s} 秒"),
        (0, 0, true) => format!("{s} s"),
        (0, _, true) => format!("{m} min {s} s"),
        (_, _, true) => format!("{h} h {m} min {s} s"),
    }
}

/// The step curve of vouchers claimed over seconds since the opening, in a 640×260
/// drawing (plot area x 40–620, y 20–220), and ten sample points of it for the table.
pub(crate) fn claim_curve(
    opens_at: NaiveDateTime,
    rows: &[BatchResult],
    en: bool,
) -> (String, String, Vec<(String, usize, Fen)>) {
    let secs: Vec<i64> =
        rows.iter().map(|r| (r.claimed_at - opens_at).num_seconds().max(0)).collect();
    let total = secs.last().copied().unwrap_or(0).max(1);
    let n = rows.len().max(1) as f64;
    let x = |s: i64| 40.0 + 580.0 * s as f64 / total as f64;
    let y = |k: usize| 220.0 - 200.0 * k as f64 / n;
    let mut points = vec![format!("{:.1},{:.1}", x(0), y(0))];
    for (i, s) in secs.iter().enumerate() {
        points.push(format!("{:.1},{:.1}", x(*s), y(i)));
        points.push(format!("{:.1},{:.1}", x(*s), y(i + 1)));
    }
    let mut samples = Vec::new();
    for step in 1..=10 {
        let at = total * step / 10;
        let upto: Vec<&BatchResult> =
            rows.iter().zip(&secs).filter(|(_, s)| **s <= at).map(|(r, _)| r).collect();
        let amount =
            upto.iter().fold(Fen::default(), |a, r| a.checked_add(r.face_value).unwrap_or(a));
        samples.push((span(at, en), upto.len(), amount));
    }
    samples.dedup_by(|a, b| a.1 == b.1 && a.0 == b.0);
    (points.join(" "), span(total, en), samples)
}

async fn load(
    state: &State,
    path: &Path<String>,
) -> Result<(svc::BatchView, Vec<BatchResult>), AppError> {
    let id: BatchId = typed_id(path)?;
    let now = state.clock.now();
    db(state, move |c| svc::batch_results(c, &id, now)).await
}

/// A lottery batch's public draw record (摇号公示): before the draw the commitment (the
/// seed's hash) and how many registered; after it the seed, the entrants' digest, every
/// entrant's key and rank, and how anyone can recompute the order.
#[get("/public/batches/{id}/lottery")]
async fn lottery_page(state: State, req: actix_web::HttpRequest, path: Path<String>) -> Answer {
    let lang = Lang::of_request(&req);
    let id: BatchId = typed_id(&path)?;
    let now = state.clock.now();
    let (b, l) = db(&state, move |c| {
        Ok((svc::batch(c, &id, false, now)?, crate::services::lottery::view(c, &id)?))
    })
    .await?;
    let rows: Vec<serde_json::Value> = l
        .results
        .iter()
        .map(|r| {
            serde_json::json!({
                "rank": r.rank, "credit_code": r.credit_code, "key": r.key,
                "face_value": r.face_value.grouped(),
                "outcome": match r.outcome.as_str() {
                    crate::services::lottery::WON => "drawn",
                    crate::services::lottery::LOST => "the-budget-ran-out-before-this-firms",
                    _ => "not-eligible-at-the-draw",
                },
                "won": r.outcome == crate::services::lottery::WON,
                "voucher_code": r.voucher_code,
            })
        })
        .collect();
    let title = if lang.en() {
        format!("{}: the lottery", b.name)
    } else {
        format!("{} 摇号公示", b.name)
    };
    Ok(super::with_lang(
        render(
            "lottery.html",
            &format!("/public/batches/{}/lottery", b.id),
            &lang,
            &super::Chrome::of(&state, &req).await,
            &title,
            context! {
                id => b.id.as_str(), seed_hash => l.seed_hash, entrants => l.entrants,
                closes_at => local_time(l.registration_closes_at), drawn => l.drawn,
                drawn_at => l.drawn_at.map(local_time), seed => l.seed,
                entrants_digest => l.entrants_digest, winners => l.winners,
                formula => l.formula, rows => super::val(&rows),
            },
        )?,
        &req,
    ))
}

#[get("/public/batches/{id}/results")]
async fn results_page(state: State, req: actix_web::HttpRequest, path: Path<String>) -> Answer {
    let lang = Lang::of_request(&req);
    let (b, rows) = load(&state, &path).await?;
    let (points, total_span, samples) = claim_curve(b.opens_at, &rows, lang.en());
    let claimed = rows.iter().fold(Fen::default(), |a, r| a.checked_add(r.face_value).unwrap_or(a));
    let samples: Vec<minijinja::Value> = samples
        .into_iter()
        .map(|(at, count, amount)| {
            super::val(serde_json::json!({"at": at, "count": count, "amount": amount.to_string()}))
        })
        .collect();
    let table: Vec<minijinja::Value> = rows
        .iter()
        .map(|r| {
            super::val(serde_json::json!({
                "seq": r.seq, "firm_name": r.firm_name, "credit_code": r.credit_code,
                "face_value": r.face_value.to_string(), "claimed_at": local_time(r.claimed_at),
            }))
        })
        .collect();
    let title = if lang.en() {
        format!("{}: who claimed", b.name)
    } else {
        format!("{} 领取结果公示", b.name)
    };
    Ok(super::with_lang(
        render(
            "batch_results.html",
            &format!("/public/batches/{}/results", b.id),
            &lang,
            &super::Chrome::of(&state, &req).await,
            &title,
            context! {
                id => b.id.as_str(), opens_at => local_time(b.opens_at), budget => b.budget.to_string(),
                remaining => b.remaining.to_string(), claimed => claimed.to_string(),
                count => rows.len(), points => points, span => total_span, samples => samples,
                rows => table,
            },
        )?,
        &req,
    ))
}

/// The batch's money as the results page shows it: budget, claimed, remaining.
fn summary(b: &svc::BatchView, rows: &[BatchResult]) -> serde_json::Value {
    serde_json::json!({
        "batch_id": b.id,
        "name": b.name,
        "budget": b.budget.to_string(),
        "claimed": b.claimed.to_string(),
        "remaining": b.remaining.to_string(),
        "vouchers_claimed": b.vouchers_claimed,
        "claimants": rows.len(),
        "status": b.status,
    })
}

/// `{"summary": {budget, claimed, remaining, …}, "results": [every voucher]}`; each
/// entry of `results` keeps the shape the list has always had.
#[get("/public/batches/{id}/results.json")]
async fn results_json(state: State, path: Path<String>) -> Answer {
    let (b, rows) = load(&state, &path).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "summary": summary(&b, &rows),
        "results": rows,
    })))
}

#[get("/public/batches/{id}/results.csv")]
async fn results_csv(state: State, path: Path<String>) -> Answer {
    let (b, rows) = load(&state, &path).await?;
    let mut rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            vec![
                r.seq.to_string(),
                r.firm_name,
                r.credit_code,
                r.face_value.to_string(),
                local_time(r.claimed_at),
            ]
        })
        .collect();
    // Companion rows after the list: the batch's budget, what was claimed (by how many
    // firms) and what remains, the amount in the face-value column.
    for (label, amount) in [
        ("预算合计 budget", b.budget),
        ("已领合计 claimed", b.claimed),
        ("剩余 remaining", b.remaining),
    ] {
        rows.push(vec![
            label.to_string(),
            String::new(),
            String::new(),
            amount.to_string(),
            String::new(),
        ]);
    }
    let header = ["序号", "企业名称", "统一社会信用代码", "面额（元）", "领取时间（北京时间）"];
    Ok(super::csv_response(csv_bytes(&header, &rows)?, &format!("batch-{}-results.csv", b.number)))
}
