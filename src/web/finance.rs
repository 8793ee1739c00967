//! Finance pages: settlement runs (prepare; approve or reject by a second finance user —
//! the button is disabled for the preparer, with the reason shown; bank file as CSV or
//! XLSX; each payout's result recorded by hand or a bank result file imported) and the
//! period report with monthly payouts by category drawn as inline SVG beside its table.

use super::desk::Screen;
use super::desk::{Desk, Form, Posted, Shape};
use super::lists::{self, Spec};
use super::orders::open;
use super::{local_time, val, wire};
use crate::domain::id::{PayoutId, RunId};
use crate::domain::listing::BY_AMOUNT;
use crate::domain::settlement::Period;
use crate::domain::settlement::{PayoutStatus, RunStatus};
use crate::domain::Role;
use crate::error::AppError;
use crate::error::ErrorCode;
use crate::http::handlers::settlement::attachment;
use crate::http::Answer;
use crate::http::{db, typed_id, State};
use crate::services::listing::ListQuery;
use crate::services::settlement::{
    self as svc, FileFormat, Note, PayoutResult, PeriodReport, RunDecision, RunDecisionKind,
};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(runs)
        .service(runs_file)
        .service(prepare)
        .service(report_file)
        .service(report)
        .service(bank_file)
        .service(run)
        // The list and its file before one payout, whose path would take `export`.
        .service(payouts_page)
        .service(payouts_file)
        .service(payout)
        .service(decide)
        .service(import)
        .service(record);
}

const FINANCE: &[Role] = &[Role::Finance];
const FINANCE_READ: &[Role] = &[Role::Finance, Role::Admin, Role::Auditor];
/// Result files up to this size are read (as the API's import).
const RESULT_FILE_LIMIT: usize = 16 << 20;

use crate::i18n::stage_text;

/// A payout's state in words (by its wire name).
fn payout_text(s: &str) -> &'static str {
    crate::domain::settlement::PayoutStatus::parse(s).map_or("", crate::i18n::payout_state)
}

/// The runs as a work list: found by period, payee or payout reference, by state and
/// the days prepared.
static RUNS: Spec<RunStatus> = Spec {
    path: "/finance",
    title: "settlement-runs",
    search_hint: "search-runs-hint",
    statuses: &[
        ("prepared", "waiting-for-approval"),
        ("approved", "approved-2"),
        ("rejected", "returned"),
    ],
    parse: RunStatus::parse,
    sorts: BY_AMOUNT,
    tabs: TABS,
};

/// The runs and every payout, as tabs of one another.
const TABS: &[(&str, &str)] = &[("/finance", "settlement-runs"), ("/finance/payouts", "payouts")];

/// Every payout as a work list: found by payee, credit code, payment or bank
/// reference, by state and the days paid; each opens to its items.
static PAYOUTS: Spec<PayoutStatus> = Spec {
    path: "/finance/payouts",
    title: "payouts",
    search_hint: "search-payouts-hint",
    statuses: &[
        ("pending", "to-be-paid"),
        ("paid", "paid-2"),
        ("failed", "failed-3"),
        ("reversed", "reversed"),
        ("cancelled", "cancelled"),
    ],
    parse: PayoutStatus::parse,
    sorts: svc::PAYOUT_SORTS,
    tabs: TABS,
};

#[get("/finance/payouts")]
async fn payouts_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, FINANCE_READ);
    let q = lists::asked(&req)?;
    Ok(lists::page(&state, &d, &PAYOUTS, q, svc::payouts).await?)
}

/// The payouts the filter finds, as CSV or XLSX.
#[get("/finance/payouts/export")]
async fn payouts_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, FINANCE_READ);
    let q = lists::asked(&req)?;
    Ok(lists::export(&state, &d, &PAYOUTS, q, svc::payouts).await?)
}

async fn runs_page(
    state: &State,
    d: &Desk,
    q: ListQuery,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let q = q.without_blanks();
    let (filter, page, refused) = lists::judged(d, &RUNS, &q);
    let (form, status) = match &refused {
        Some(f) => (f, StatusCode::UNPROCESSABLE_ENTITY),
        None => (form, status),
    };
    let list = db(state, move |c| svc::list(c, &filter, page)).await?;
    let items: Vec<_> = list
        .items
        .iter()
        .map(|r| {
            let stage = wire(&r.stage);
            json!({"id": r.id, "period": r.period, "stage_text": stage_text(&stage), "stage": stage,
                   "payouts": r.payout_count, "items": r.item_count, "total": r.total.to_string(),
                   "prepared_at": local_time(r.prepared_at), "origin": r.origin})
        })
        .collect();
    let last = Period::before(state.clock.now()).to_string();
    d.render(
        state,
        Screen { template: "finance_runs.html", path: "/finance", title: "settlement-runs" },
        context! {
            items => val(&items), total => list.total, last_period => last,
            can_prepare => d.s.caller.role == Role::Finance,
            list => lists::filter_context(&RUNS, &q), page => list.page, tabs => val(TABS),
            pages => lists::pages(list.total),
        },
        form,
        status,
    )
}

#[get("/finance")]
async fn runs(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, FINANCE_READ);
    let q = lists::asked(&req)?;
    Ok(runs_page(&state, &d, q, &Form::none(), StatusCode::OK).await?)
}

/// The runs the filter finds, as CSV or XLSX.
#[get("/finance/export")]
async fn runs_file(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, FINANCE_READ);
    let q = lists::asked(&req)?;
    Ok(lists::export(&state, &d, &RUNS, q, svc::list).await?)
}

#[post("/finance/runs")]
async fn prepare(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, FINANCE);
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| svc::parse_period(p.get("period").trim()),
            |c, period, a| svc::prepare(c, a.cx(), period, false),
        )
        .await
        .map(|out| {
            let what = if out.created { "prepared" } else { "saved" };
            (format!("/finance/runs/{}", out.run.id), what)
        });
    let fields = [
        ("period_invalid", "period"),
        ("period_in_future", "period"),
        ("period_not_ended", "period"),
        ("period_before_programme", "period"),
        ("nothing_payable", "period"),
    ];
    let (st, dk) = (&state, &d);
    d.answer(st, r, "prepare", &p, &fields, move |f, s| async move {
        runs_page(st, dk, ListQuery::default(), &f, s).await
    })
    .await
}

async fn run_page(
    state: &State,
    d: &Desk,
    id: &RunId,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let rid = id.clone();
    let r = db(state, move |c| svc::get(c, &rid)).await?;
    let stage = wire(&r.stage);
    let payouts: Vec<_> = r
        .payouts
        .iter()
        .flatten()
        .map(|p| {
            let s = wire(&p.status);
            json!({"id": p.id, "reference": p.reference, "payee_name": p.payee_name,
                   "payee_kind": if p.payee_kind == "space" { "space-2" } else { "service-provider" },
                   "credit_code": p.credit_code,
                   "bank": format!("{} {} {}", p.bank_name, p.bank_account_name, p.bank_account_no),
                   "amount": p.amount.to_string(), "offset": (p.offset.get() > 0).then(|| p.offset.to_string()),
                   "items": p.item_count, "status_text": payout_text(&s),
                   "status": s, "bank_reference": p.bank_reference,
                   "paid_on": p.paid_on.map(|d| d.to_string()), "failure_reason": p.failure_reason})
        })
        .collect();
    // The approver's checklist, in words.
    let notes: Vec<String> = r
        .checklist
        .iter()
        .flat_map(|c| &c.notes)
        .map(|n| {
            let why = match &n.note {
                Note::FirstPayment => d.t("check-first-payment"),
                Note::AccountChanged { previous } => {
                    d.t_with("check-account-changed", &[("previous", previous.as_str())])
                }
                Note::NotListed { status } => d.t_with(
                    "check-provider-not-listed",
                    &[("status", d.t(super::provider::listing_text(&wire(status))).as_str())],
                ),
                Note::Disputes { orders } => {
                    d.t_with("check-disputed-orders", &[("count", orders.to_string().as_str())])
                }
                Note::AccountChangedSincePrepared { now } => {
                    d.t_with("check-account-changed-since-prepared", &[("now", now.as_str())])
                }
                Note::Offset { amount } => {
                    d.t_with("check-offset", &[("amount", amount.grouped().as_str())])
                }
            };
            format!("{}{}{}", n.payee_name, d.t("sep-colon"), why)
        })
        .collect();
    // What the run pays by service category and subsidy policy, in words.
    let by_category: Vec<serde_json::Value> = r
        .checklist
        .iter()
        .flat_map(|c| &c.by_category)
        .map(|t| {
            let name = if t.kind == "supplement" {
                d.t("supplements")
            } else if t.kind == "policy" {
                state.policy.subsidies.policy(&t.code).map_or_else(
                    || t.code.clone(),
                    |p| super::named(&p.name_zh, &p.name_en, d.en()),
                )
            } else {
                state.policy.category(&t.code).map_or_else(
                    || t.code.clone(),
                    |c| super::named(&c.name_zh, &c.name_en, d.en()),
                )
            };
            json!({"name": name, "items": t.items, "amount": t.amount.to_string()})
        })
        .collect();
    let me = d.s.caller.user_id.clone();
    let is_finance = d.s.caller.role == Role::Finance;
    let preparer = r.prepared_by.as_deref() == Some(me.as_str());
    let today = crate::domain::china_time(state.clock.now()).date().to_string();
    d.render(
        state,
        Screen {
            template: "finance_run.html",
            path: "/finance",
            title: &d.t_with("settlement-run-of", &[("period", r.period.as_str())]),
        },
        context! {
            r => context! {
                id => r.id.as_str(), period => r.period, stage_text => stage_text(&stage), stage => stage,
                total => r.total.to_string(), payouts => r.payout_count, items => r.item_count,
                offset => (r.offset.get() > 0).then(|| r.offset.to_string()),
                gross => (r.total + r.offset).to_string(),
                held_back => r.held_back.to_string(), held_back_count => r.held_back_count,
                prepared_at => local_time(r.prepared_at), origin => r.origin,
                decided_at => r.decided_at.map(local_time), reject_reason => r.reject_reason,
                exported_at => r.exported_at.map(local_time), csv_sha256 => r.csv_sha256,
                xlsx_sha256 => r.xlsx_sha256,
            },
            payouts => val(&payouts), finance => is_finance, preparer => preparer, today => today,
            notes => notes, by_category => super::val(by_category),
        },
        form,
        status,
    )
}

#[get("/finance/runs/{id}")]
async fn run(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let d = open!(state, req, FINANCE_READ);
    let id: RunId = typed_id(&path)?;
    Ok(run_page(&state, &d, &id, &Form::none(), StatusCode::OK).await?)
}

/// One payout opened to what it pays, for finance to read before approving or paying.
#[get("/finance/payouts/{id}")]
async fn payout(state: State, req: HttpRequest, path: Path<PayoutId>) -> Answer {
    let d = open!(state, req, FINANCE_READ);
    let p = db(&state, move |c| svc::payout(c, &path)).await?;
    let en = d.en();
    let policy = &state.policy;
    let redemptions: Vec<_> = p
        .redemptions
        .iter()
        .map(|i| {
            let evidence: Vec<_> = i
                .evidence
                .iter()
                .map(|e| json!({"id": e.id, "kind": super::i18n::evidence_kind(e.kind),
                                "file_name": e.file_name}))
                .collect();
            json!({"order_id": i.order_id, "order_no": i.order_no, "title": i.title,
                   "firm_name": i.firm_name, "category": super::category_name(policy, &i.category, en),
                   "contract_amount": i.contract_amount.to_string(), "amount": i.amount.to_string(),
                   "reviewed_by": i.reviewed_by, "reviewed_at": i.reviewed_at.map(local_time),
                   "decision_reason": i.decision_reason, "evidence": evidence})
        })
        .collect();
    let entitlements: Vec<_> = p
        .entitlements
        .iter()
        .map(|e| {
            let name = policy.subsidies.policy(&e.policy).map_or_else(
                || e.policy.clone(),
                |x| super::rendering::named(&x.name_zh, &x.name_en, en),
            );
            json!({"space_name": e.space_name, "policy": name, "period": e.period, "basis": e.basis,
                   "amount": e.amount.to_string(), "decided_by": e.decided_by,
                   "decided_at": e.decided_at.map(local_time)})
        })
        .collect();
    let supplements: Vec<_> = p
        .supplements
        .iter()
        .map(|s| json!({"order_no": s.order_no, "amount": s.amount.to_string()}))
        .collect();
    let by_category: Vec<_> = p
        .by_category
        .iter()
        .map(|c| {
            json!({"name": super::category_name(policy, &c.category, en), "items": c.items,
                        "amount": c.amount.to_string()})
        })
        .collect();
    let x = &p.payout;
    let status = wire(&x.status);
    let title = d.t_with("payout-of", &[("reference", x.reference.as_str())]);
    d.render(
        &state,
        Screen { template: "finance_payout.html", path: "/finance", title: &title },
        context! {
            run_id => p.run_id.as_str(), period => p.period.as_str(), bank_changed => p.bank_changed,
            x => context! {
                reference => x.reference.as_str(), payee_name => x.payee_name.as_str(),
                payee_kind => if x.payee_kind == "space" { "space-2" } else { "service-provider" },
                credit_code => x.credit_code.as_str(),
                bank => format!("{} {} {}", x.bank_name, x.bank_account_name, x.bank_account_no),
                amount => x.amount.to_string(), items => x.item_count,
                status_text => payout_text(&status), status => status,
            },
            redemptions => val(&redemptions), entitlements => val(&entitlements),
            supplements => val(&supplements), by_category => val(&by_category),
        },
        &Form::none(),
        StatusCode::OK,
    )
    .map_err(Into::into)
}

#[post("/finance/runs/{id}/decision")]
async fn decide(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let d = open!(state, req, FINANCE);
    let id: RunId = typed_id(&path)?;
    let rid = id.clone();
    let r = d
        .attempt_all(
            &state,
            &req,
            &p,
            |p| {
                // Approving needs the checklist ticked; the API's input has no such field.
                let ticked = p.get("checked") == "yes";
                let rest = Posted(p.0.iter().filter(|(k, _)| k != "checked").cloned().collect());
                let (input, mut e) = rest.input_all::<RunDecision>(&Shape::TEXT)?;
                if input.decision == RunDecisionKind::Approve && !ticked {
                    e.add(
                        "checked",
                        ErrorCode::Required,
                        "批准前请逐项核对并勾选确认",
                        "check each point and tick the box before approving",
                    );
                }
                Ok((input, e))
            },
            move |c, i, a| svc::decide(c, a.cx(), &rid, &i),
        )
        .await
        .map(|v| {
            let what = if wire(&v.status) == "approved" { "approved" } else { "rejected" };
            (format!("/finance/runs/{id}"), what)
        });
    let (st, dk, id) = (&state, &d, &id);
    d.answer(
        st,
        r,
        "decision",
        &p,
        &[],
        move |f, s| async move { run_page(st, dk, id, &f, s).await },
    )
    .await
}

/// The bank file. Taking it marks the run exported (as the API's export does), so it is
/// a form with the page's token, never a link another site could make a browser follow.
#[post("/finance/runs/{id}/bank-file")]
async fn bank_file(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let d = open!(state, req, FINANCE);
    let id: RunId = typed_id(&path)?;
    let format = match p.get("format") {
        "xlsx" => FileFormat::Xlsx,
        _ => FileFormat::Csv,
    };
    let rid = id.clone();
    match d
        .attempt(&state, &req, &p, |_| Ok(()), move |c, _, a| svc::export(c, a.cx(), &rid, format))
        .await
    {
        Ok((bytes, sha, name)) => Ok(attachment(bytes, format, &name, Some(&sha))),
        Err(e) => {
            let f = d.failed("export", &p, &e, &[]);
            Ok(run_page(&state, &d, &id, &f, e.kind.status()).await?)
        }
    }
}

/// One payout's result, typed by hand from the bank's statement.
#[post("/finance/payouts/{id}/result")]
async fn record(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let d = open!(state, req, FINANCE);
    let id: PayoutId = typed_id(&path)?;
    let run_id: RunId = typed_id(p.get("_run"))?;
    let pid = id.clone();
    let r = d
        .attempt_all(
            &state,
            &req,
            &p,
            |p| p.input_all::<PayoutResult>(&Shape::TEXT),
            move |c, i, a| svc::record(c, a.cx(), &pid, &i),
        )
        .await
        .map(|_| (format!("/finance/runs/{run_id}"), "recorded"));
    let (st, dk, rid) = (&state, &d, &run_id);
    d.answer(st, r, &format!("payout-{id}"), &p, &[], move |f, s| async move {
        run_page(st, dk, rid, &f, s).await
    })
    .await
}

/// The bank's result file (CSV), uploaded from the page.
#[post("/finance/runs/{id}/results")]
async fn import(state: State, req: HttpRequest, path: Path<String>, parts: Multipart) -> Answer {
    let d = open!(state, req, FINANCE);
    let id: RunId = typed_id(&path)?;
    let too_large = AppError::of(ErrorCode::ResultFileTooLarge);
    let (p, read) = super::desk::read_multipart(
        parts,
        RESULT_FILE_LIMIT as u64,
        too_large,
        state.files.upload_timeout,
    )
    .await;
    let (file, refusal) = match read {
        Ok(f) => (f.map(|(_, b)| b).unwrap_or_default(), None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let (ctx, rid) = (state.context(d.actor()), id.clone());
    let r = match refusal.map_or_else(|| d.guard(&req, &p), Err) {
        Err(e) => Err(e),
        Ok(()) => db(&state, move |c| svc::import(c, ctx.cx(), &rid, &file)).await,
    };
    match r {
        Ok(rep) if rep.unmatched.is_empty() && rep.mismatched.is_empty() => {
            Ok(d.done(&state, &format!("/finance/runs/{id}"), "imported"))
        }
        Ok(rep) => {
            let lines: Vec<String> = rep
                .unmatched
                .iter()
                .chain(rep.mismatched.iter())
                .map(|r| format!("第 {} 行：{}", r.line, r.problem))
                .collect();
            let f = Form {
                id: "import".into(),
                error: format!("已登记 {} 笔；以下行未登记：{}", rep.applied, lines.join("；")),
                ..Form::none()
            };
            Ok(run_page(&state, &d, &id, &f, StatusCode::UNPROCESSABLE_ENTITY).await?)
        }
        Err(e) => {
            let f = d.failed("import", &p, &e, &[]);
            Ok(run_page(&state, &d, &id, &f, e.kind.status()).await?)
        }
    }
}

#[derive(Debug, Deserialize)]
struct ReportQuery {
    period: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ReportFileQuery {
    period: Option<String>,
    format: Option<String>,
}

/// The period report as a spreadsheet (the API's report file).
#[get("/finance/report/file")]
async fn report_file(state: State, req: HttpRequest, q: web::Query<ReportFileQuery>) -> Answer {
    let _d = open!(state, req, FINANCE_READ);
    let period = match q.period.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => svc::parse_period(p)?,
        None => Period::before(state.clock.now()),
    };
    let format = match q.format.as_deref() {
        Some("xlsx") => FileFormat::Xlsx,
        _ => FileFormat::Csv,
    };
    let policy = state.policy.clone();
    let r = db(&state, move |c| svc::report(c, &policy, period)).await?;
    let bytes = svc::report_file(&r, format)?;
    let ext = if format == FileFormat::Csv { "csv" } else { "xlsx" };
    Ok(attachment(bytes, format, &format!("settlement-report-{period}.{ext}"), None))
}

/// Months shown in the payouts chart, ending with the report's period.
const MONTHS: usize = 12;

#[get("/finance/report")]
async fn report(state: State, req: HttpRequest, q: web::Query<ReportQuery>) -> Answer {
    let d = open!(state, req, FINANCE_READ);
    let period = match q.period.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => svc::parse_period(p)?,
        None => Period::before(state.clock.now()),
    };
    let policy = state.policy.clone();
    let mut reports: Vec<PeriodReport> = db(&state, move |c| {
        let mut out = Vec::with_capacity(MONTHS);
        let mut p = period;
        for _ in 0..MONTHS {
            out.push(svc::report(c, &policy, p)?);
            p = p.previous();
        }
        out.reverse();
        Ok(out)
    })
    .await?;
    // Categories and subsidy policies by their names in the reader's language.
    let en = d.en();
    for r in &mut reports {
        for l in &mut r.by_category {
            l.name = super::category_name(&state.policy, &l.id, en);
        }
        for l in &mut r.by_subsidy_policy {
            if let Some(p) = state.policy.subsidies.policy(&l.id) {
                l.name = super::rendering::named(&p.name_zh, &p.name_en, en);
            }
        }
    }
    let chart = payouts_chart(&reports);
    let r = reports.last().ok_or_else(|| AppError::internal("no report"))?;
    let lines = |l: &[svc::ReportLine]| -> Vec<serde_json::Value> {
        l.iter()
            .map(|x| json!({"name": x.name, "items": x.items, "amount": x.amount.to_string(), "paid": x.paid.to_string()}))
            .collect()
    };
    Ok(d.render(&state, Screen { template: "finance_report.html", path: "/finance/report", title: &d.t_with("settlement-report-of", &[("period", r.period.as_str())]) }, context! {
            period => r.period.clone(), items => r.items, amount => r.amount.to_string(),
            paid => r.paid.to_string(),
            by_category => val(lines(&r.by_category)), by_programme => val(lines(&r.by_programme)),
            by_provider => val(lines(&r.by_provider)), by_subsidy => val(lines(&r.by_subsidy_policy)),
            chart => val(&chart),
        }, &Form::none(), StatusCode::OK)?)
}

/// Monthly payouts (paid amounts) by category, as stacked bars: the series, their
/// colours, each month's bar segments in SVG units, and the table of the same numbers.
#[derive(Debug, serde::Serialize, PartialEq)]
pub(super) struct Chart {
    pub(super) series: Vec<Series>,
    pub(super) months: Vec<Month>,
    /// The largest month's total in yuan, the top of the scale.
    pub(super) max: String,
}

#[derive(Debug, serde::Serialize, PartialEq)]
pub(super) struct Series {
    pub(super) name: String,
    pub(super) colour: &'static str,
}

#[derive(Debug, serde::Serialize, PartialEq)]
pub(super) struct Month {
    pub(super) period: String,
    pub(super) x: i64,
    pub(super) total: String,
    /// Per series: the amount in yuan and the bar segment (y, height).
    pub(super) cells: Vec<Cell>,
}

#[derive(Debug, serde::Serialize, PartialEq)]
pub(super) struct Cell {
    pub(super) amount: String,
    pub(super) y: i64,
    pub(super) h: i64,
}

const COLOURS: &[&str] = &["#b3261e", "#1e7b34", "#1f5fa8", "#b06f00", "#6a3d9a", "#5b6675"];
/// Plot height in SVG units (the axis is at y = 20 + HEIGHT).
const HEIGHT: i64 = 200;

pub(super) fn payouts_chart(reports: &[PeriodReport]) -> Chart {
    let subsidies = "carrier-subsidies-and-awards";
    let mut names: Vec<String> = Vec::new();
    for r in reports {
        for l in &r.by_category {
            if !names.contains(&l.name) {
                names.push(l.name.clone());
            }
        }
        if !r.by_subsidy_policy.is_empty() && !names.iter().any(|n| n == subsidies) {
            names.push(subsidies.to_string());
        }
    }
    let amount_of = |r: &PeriodReport, name: &str| -> i64 {
        if name == subsidies {
            r.by_subsidy_policy.iter().map(|l| l.paid.get()).sum()
        } else {
            r.by_category.iter().filter(|l| l.name == name).map(|l| l.paid.get()).sum()
        }
    };
    let totals: Vec<i64> =
        reports.iter().map(|r| names.iter().map(|n| amount_of(r, n)).sum()).collect();
    let max = totals.iter().copied().max().unwrap_or(0);
    let months = reports
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut top = 20 + HEIGHT;
            let cells = names
                .iter()
                .map(|n| {
                    let a = amount_of(r, n);
                    // Scaled in whole integers: exact and the same every time.
                    let h = if max > 0 {
                        ((a as i128 * HEIGHT as i128) / max as i128) as i64
                    } else {
                        0
                    };
                    top -= h;
                    Cell { amount: crate::domain::Fen::new(a).to_string(), y: top, h }
                })
                .collect();
            Month {
                period: r.period.clone(),
                x: 60 + i as i64 * 45,
                total: crate::domain::Fen::new(totals[i]).to_string(),
                cells,
            }
        })
        .collect();
    Chart {
        series: names
            .into_iter()
            .enumerate()
            .map(|(i, name)| Series { name, colour: COLOURS[i % COLOURS.len()] })
            .collect(),
        months,
        max: crate::domain::Fen::new(max).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Fen;
    use crate::services::settlement::ReportLine;

    fn line(name: &str, paid: i64) -> ReportLine {
        ReportLine {
            id: name.into(),
            name: name.into(),
            items: 1,
            amount: Fen::new(paid),
            paid: Fen::new(paid),
        }
    }

    fn report(period: &str, cats: Vec<ReportLine>, subs: Vec<ReportLine>) -> PeriodReport {
        PeriodReport {
            period: period.into(),
            items: 0,
            amount: Fen::new(0),
            paid: Fen::new(0),
            by_programme: vec![],
            by_provider: vec![],
            by_category: cats,
            by_subsidy_policy: subs,
        }
    }

    #[test]
    fn the_tallest_month_fills_the_plot_and_segments_stack_by_category() {
        let c = payouts_chart(&[
            report("2026-09", vec![line("专利", 10_000)], vec![]),
            report(
                "2026-10",
                vec![line("专利", 30_000), line("检测", 10_000)],
                vec![line("孵化器补贴", 40_000)],
            ),
            report("2026-11", vec![], vec![]),
        ]);
        let names: Vec<&str> = c.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["专利", "检测", "carrier-subsidies-and-awards"]);
        assert_eq!(c.max, "800.00");
        let oct = &c.months[1];
        assert_eq!(oct.total, "800.00");
        let hs: Vec<i64> = oct.cells.iter().map(|x| x.h).collect();
        assert_eq!(hs, [75, 25, 100], "300/800, 100/800, 400/800 of 200");
        assert_eq!(oct.cells[0].y, 220 - 75, "the first segment sits on the axis");
        assert_eq!(oct.cells[2].y, 220 - 200, "the last reaches the top");
        assert_eq!(c.months[0].cells[0].h, 25);
        assert!(c.months[2].cells.iter().all(|x| x.h == 0));
        assert_eq!(c.months[2].cells[0].amount, "0.00");
    }

    #[test]
    fn nothing_paid_draws_no_bars() {
        let c = payouts_chart(&[report("2026-11", vec![line("专利", 0)], vec![])]);
        assert_eq!(c.max, "0.00");
        assert_eq!(c.months[0].cells[0].h, 0);
    }
}
