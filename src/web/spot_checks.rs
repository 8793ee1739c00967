//! Spot checks in pages (回访抽查): the administrator draws a month that has ended and
//! staff follow the checks; the sampled firm answers on its own page; anyone reads a
//! draw with its seed and every item's key, to re-draw it.

use super::desk::{Desk, Form, Posted, Screen, Shape};
use super::orders::open;
use super::rendering::{render, with_lang, Chrome, Lang, PageQuery};
use super::{local_time, pages, val, wire};
use crate::domain::id::{DrawId, FindingId, SpotCheckId};
use crate::domain::settlement::Period;
use crate::domain::spot_check::{CheckStatus, FindingOutcome, FindingStatus, OpenedBecause};
use crate::domain::Role;
use crate::error::AppError;
use crate::http::{db, typed_id, Answer, State};
use crate::services::findings::{self, FindingDecision, FindingView, StatementInput};
use crate::services::spot_checks::{self as svc, CheckView, DrawInput, DrawView};
use crate::services::Page;
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(staff_page)
        .service(draw)
        .service(decide_finding)
        .service(provider_page)
        .service(provider_statement)
        .service(firm_page)
        .service(firm_answer)
        .service(public_draws)
        .service(public_draw);
}

const STAFF: &[Role] = &[Role::Admin, Role::Reviewer, Role::Finance, Role::Auditor];

/// A check's state in words.
fn status_words(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Asked => "check-asked",
        CheckStatus::Confirmed => "check-confirmed",
        CheckStatus::Finding => "check-finding",
    }
}

fn check_json(c: &CheckView) -> serde_json::Value {
    serde_json::json!({
        "id": c.id, "order_no": c.order_no, "service": c.service,
        "provider_name": c.provider_name, "amount": c.amount.to_string(),
        "status": wire(&c.status), "status_text": status_words(c.status),
        "answer_by": local_time(c.answer_by), "delivered": c.delivered,
        "note": c.firm_note, "answered_at": c.answered_at.map(local_time),
    })
}

fn draw_json(d: &DrawView) -> serde_json::Value {
    serde_json::json!({
        "id": d.id, "period": d.period, "population": d.population,
        "sample_size": d.sample_size, "drawn_at": local_time(d.drawn_at),
        "href": format!("/public/spot-checks/{}", d.id),
    })
}

/// The decision menu: nothing preset.
const OUTCOMES: &[(&str, &str)] = &[
    ("", "choose"),
    ("no_issue", "outcome-no-issue"),
    ("corrected", "outcome-corrected"),
    ("fraudulent", "outcome-fraudulent"),
];

fn finding_json(f: &FindingView) -> serde_json::Value {
    let because = match f.opened_because {
        OpenedBecause::FirmSaidNo => "opened-firm-said-no",
        OpenedBecause::NoAnswer => "opened-no-answer",
    };
    let outcome = f.outcome.map(|o| match o {
        FindingOutcome::NoIssue => "outcome-no-issue",
        FindingOutcome::Corrected => "outcome-corrected",
        FindingOutcome::Fraudulent => "outcome-fraudulent",
    });
    serde_json::json!({
        "id": f.id, "order_no": f.order_no, "service": f.service,
        "provider_name": f.provider_name, "amount": f.amount.to_string(),
        "because": because, "firm_note": f.firm_note, "statement": f.provider_statement,
        "open": f.status == FindingStatus::Open, "outcome": outcome,
        "corrected": f.corrected_amount.map(|a| a.to_string()), "reason": f.reason,
        "opened_at": local_time(f.opened_at), "decided_at": f.decided_at.map(local_time),
        "receivable_id": f.receivable_id,
        "item_state": crate::domain::order::RedemptionStatus::parse(&f.item_status)
            .map(crate::i18n::redemption),
        "paid": f.item_status == "paid",
        "against": matches!(f.outcome, Some(FindingOutcome::Corrected | FindingOutcome::Fraudulent)),
    })
}

#[derive(Debug, Deserialize)]
struct StatusQuery {
    status: Option<String>,
    page: Option<i64>,
}

async fn staff_view(
    state: &State,
    d: &Desk,
    q: &StatusQuery,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let asked = q.status.as_deref().filter(|s| !s.is_empty());
    let filter = match asked {
        None => None,
        Some(s) => Some(CheckStatus::parse(s).ok_or_else(|| {
            AppError::of(crate::error::ErrorCode::StatusUnknown).arg("status", s)
        })?),
    };
    let page = crate::http::page(q.page, Some(super::lists::SHOWN))?;
    let (draws, checks, open) = db(state, move |c| {
        Ok((
            svc::draws(c, Page { page: 1, per_page: 24 })?,
            svc::checks(c, None, filter, page)?,
            findings::list(c, None, Some(FindingStatus::Open), Page { page: 1, per_page: 100 })?,
        ))
    })
    .await?;
    let open: Vec<_> = open.items.iter().map(finding_json).collect();
    let draws: Vec<_> = draws.items.iter().map(draw_json).collect();
    let rows: Vec<_> = checks.items.iter().map(check_json).collect();
    // The month a draw is usually for: the last one over.
    let last = Period::of(state.clock.now()).previous().to_string();
    let statuses: Vec<(&str, &str)> =
        CheckStatus::ALL.iter().map(|s| (s.as_str(), status_words(*s))).collect();
    d.render(
        state,
        Screen { template: "spot_checks.html", path: "/spot-checks", title: "spot-checks" },
        context! {
            draws => val(&draws), checks => val(&rows), total => checks.total,
            findings => val(&open),
            may_decide => matches!(d.s.caller.role, Role::Reviewer | Role::Admin),
            outcomes => OUTCOMES.to_vec(),
            page => checks.page, pages => super::lists::pages(checks.total),
            may_draw => d.s.caller.role == Role::Admin, last_month => last,
            statuses => statuses, status => asked.unwrap_or_default(),
            share => state.policy.spot_checks.share_percent,
            at_least => state.policy.spot_checks.at_least,
            answer_days => state.policy.spot_checks.answer_days,
        },
        form,
        status,
    )
}

/// Staff: the draws and every check, of one state; the administrator's draw form.
#[get("/spot-checks")]
async fn staff_page(state: State, req: HttpRequest, q: web::Query<StatusQuery>) -> Answer {
    let d = open!(state, req, STAFF);
    Ok(staff_view(&state, &d, &q, &Form::none(), StatusCode::OK).await?)
}

/// The administrator draws a month that has ended.
#[post("/spot-checks/draws")]
async fn draw(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, &[Role::Admin]);
    let base = state.site.base_url.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| p.input::<DrawInput>(&Shape::TEXT),
            move |c, i, a| {
                let cx = a.cx();
                svc::draw(c, cx, &base, &i)
            },
        )
        .await
        .map(|_| ("/spot-checks".to_string(), "drawn"));
    let (st, dk) = (&state, &d);
    let q = StatusQuery { status: None, page: None };
    d.answer(st, r, "draw", &p, &[("period_invalid", "period")], move |f, s| async move {
        staff_view(st, dk, &q, &f, s).await
    })
    .await
}

/// A reviewer decides a finding from the spot-check page.
#[post("/spot-checks/findings/{id}/decision")]
async fn decide_finding(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let id: FindingId = typed_id(&path)?;
    let d = open!(state, req, &[Role::Reviewer, Role::Admin]);
    let base = state.site.base_url.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| p.input::<FindingDecision>(&Shape::TEXT),
            move |c, i, a| {
                let cx = a.cx();
                findings::decide(c, cx, &base, &id, &i)
            },
        )
        .await
        .map(|_| ("/spot-checks".to_string(), "decided"));
    let (st, dk) = (&state, &d);
    let q = StatusQuery { status: None, page: None };
    let form = format!("finding-{path}");
    let fields = [("amount_invalid", "corrected_amount")];
    d.answer(
        st,
        r,
        &form,
        &p,
        &fields,
        move |f, s| async move { staff_view(st, dk, &q, &f, s).await },
    )
    .await
}

async fn provider_view(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let provider = d.provider()?;
    let now = state.clock.now();
    let (list, owed, supplements, appeals) = db(state, move |c| {
        let all = Page { page: 1, per_page: 100 };
        let party = crate::domain::id::AnyParty::Provider(provider.clone());
        Ok((
            findings::list(c, Some(&provider), None, all)?,
            crate::services::receivables::list(c, Some(&provider), None, all)?,
            crate::services::receivables::supplements_of(c, &provider)?,
            crate::services::appeals::list(c, Some(&party), None, all, now)?,
        ))
    })
    .await?;
    // A decision appealed already offers no second appeal (a finding and its clawback
    // are one decision).
    let appealed: Vec<&str> = appeals.items.iter().map(|a| a.subject_id.as_str()).collect();
    let supplements: Vec<_> = supplements
        .iter()
        .map(|s| {
            serde_json::json!({"order_no": s.order_no, "amount": s.amount.to_string(),
                "paid": s.paid, "created_at": local_time(s.created_at)})
        })
        .collect();
    let rows: Vec<_> = list.items.iter().map(finding_json).collect();
    let owed: Vec<_> = owed.items.iter().map(super::receivables::receivable_json).collect();
    d.render(
        state,
        Screen {
            template: "provider_findings.html",
            path: "/provider/findings",
            title: "findings",
        },
        context! {
            findings => val(&rows), receivables => val(&owed), supplements => val(&supplements),
            appealed => val(&appealed),
        },
        form,
        status,
    )
}

/// The provider's findings, each open one with the form for its side.
#[get("/provider/findings")]
async fn provider_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, &[Role::Provider]);
    Ok(provider_view(&state, &d, &Form::none(), StatusCode::OK).await?)
}

#[post("/provider/findings/{id}/statement")]
async fn provider_statement(
    state: State,
    req: HttpRequest,
    path: Path<String>,
    p: Posted,
) -> Answer {
    let id: FindingId = typed_id(&path)?;
    let d = open!(state, req, &[Role::Provider]);
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| p.input::<StatementInput>(&Shape::TEXT),
            move |c, i, a| {
                let cx = a.cx();
                findings::state(c, cx, &a.party_as()?, &id, &i)
            },
        )
        .await
        .map(|_| ("/provider/findings".to_string(), "stated"));
    let (st, dk) = (&state, &d);
    let form = format!("finding-{path}");
    d.answer(st, r, &form, &p, &[], move |f, s| async move { provider_view(st, dk, &f, s).await })
        .await
}

async fn firm_view(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let firm = d.firm()?;
    let checks =
        db(state, move |c| svc::checks(c, Some(&firm), None, Page { page: 1, per_page: 100 }))
            .await?;
    let rows: Vec<_> = checks.items.iter().map(check_json).collect();
    d.render(
        state,
        Screen {
            template: "firm_spot_checks.html",
            path: "/firm/spot-checks",
            title: "spot-checks",
        },
        context! { checks => val(&rows) },
        form,
        status,
    )
}

/// The firm's spot checks, each still asked with its answer form.
#[get("/firm/spot-checks")]
async fn firm_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, &[Role::Firm]);
    Ok(firm_view(&state, &d, &Form::none(), StatusCode::OK).await?)
}

/// The firm's answer to one check: delivered as invoiced, or not and what happened.
#[post("/firm/spot-checks/{id}/answer")]
async fn firm_answer(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let id: SpotCheckId = typed_id(&path)?;
    let d = open!(state, req, &[Role::Firm]);
    const ANSWER: Shape = Shape { lists: &[], ints: &[], bools: &["delivered"] };
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| p.input::<svc::CheckAnswerInput>(&ANSWER),
            move |c, i, a| {
                let cx = a.cx();
                svc::answer(c, cx, &a.party_as()?, &id, &i)
            },
        )
        .await
        .map(|_| ("/firm/spot-checks".to_string(), "checked"));
    let (st, dk) = (&state, &d);
    let form = format!("check-{path}");
    d.answer(st, r, &form, &p, &[], move |f, s| async move { firm_view(st, dk, &f, s).await }).await
}

/// The draws, published, latest month first.
#[get("/public/spot-checks")]
async fn public_draws(state: State, req: HttpRequest, q: web::Query<PageQuery>) -> Answer {
    let lang = Lang::of_request(&req);
    let page = super::rendering::page_of(&q)?;
    let list = db(&state, move |c| svc::draws(c, page)).await?;
    let items: Vec<_> = list.items.iter().map(draw_json).collect();
    Ok(with_lang(
        render(
            "public_spot_checks.html",
            "/public/spot-checks",
            &lang,
            &Chrome::of(&state, &req).await,
            "spot-check-draws",
            context! { items => val(&items), total => list.total, page => list.page, pages => pages(list.total) },
        )?,
        &req,
    ))
}

/// One draw: its rules, seed and digest, how to re-draw it, every item with its
/// tickets, risks, key and whether it was drawn.
#[get("/public/spot-checks/{id}")]
async fn public_draw(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let lang = Lang::of_request(&req);
    let id: DrawId = typed_id(&path)?;
    let v = db(&state, move |c| svc::public_draw(c, &id)).await?;
    let en = lang.en;
    let entries: Vec<_> = v
        .entries
        .iter()
        .map(|e| {
            let risks: Vec<&str> = e
                .risks
                .iter()
                .map(|r| match r {
                    crate::domain::spot_check::Risk::NewProvider => "risk-new-provider",
                    crate::domain::spot_check::Risk::LowScore => "risk-low-score",
                    crate::domain::spot_check::Risk::EarlierFindings => "risk-earlier-findings",
                })
                .collect();
            serde_json::json!({
                "item_id": e.item_id, "order_no": e.order_no, "provider_name": e.provider_name,
                "category_name": super::category_name(&state.policy, &e.category, en),
                "amount": e.amount.to_string(), "tickets": e.tickets, "risks": risks,
                "key": e.draw_key, "sampled": e.sampled,
            })
        })
        .collect();
    let title = crate::i18n::t_values("spot-check-draw-of", en, &[("period", &v.period)]);
    Ok(with_lang(
        render(
            "public_spot_check.html",
            &format!("/public/spot-checks/{}", v.id),
            &lang,
            &Chrome::of(&state, &req).await,
            &title,
            context! {
                d => val(&v), drawn_at => local_time(v.drawn_at), entries => val(&entries),
            },
        )?,
        &req,
    ))
}
