//! Firm pages: the batches with their opening second and live remaining budget, the
//! claim button with a plain answer, and the firm's vouchers.

use super::desk::Posted;
use super::desk::Screen;
use super::session::{csrf_of, csrf_ok, see_other, session, with, Session};
use super::{local_time, render, wire, Lang};
use crate::domain::id::{BatchId, FirmId};
use crate::domain::{new_id, Fen, Role};
use crate::error::AppError;
use crate::http::Answer;
use crate::http::{db, request_id, typed_id, State};
use crate::services::claims::ClaimRequest;
use crate::services::prospects;
use crate::services::vouchers as svc;
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(batches)
        .service(claim)
        .service(lottery_entry)
        .service(my_vouchers)
        .service(profile)
        .service(update_profile)
        .service(resubmit);
}

fn renewed(state: &State, s: &Option<Session>) -> Vec<Cookie<'static>> {
    s.as_ref().map(|s| s.renewal(state)).unwrap_or_default()
}

pub(super) fn status_text(s: &str) -> &'static str {
    match s {
        "scheduled" => "opening-soon",
        "open" => "open",
        "exhausted" => "sold-out",
        "closed" => "closed-2",
        _ => "draft",
    }
}

/// A firm's standing with a batch, in words (the reason, when the checks refuse, is the
/// claim engine's own, in the reader's language).
fn prospect_json(p: &prospects::Prospect, en: bool) -> serde_json::Value {
    use prospects::ProspectState as S;
    let text = match p.state {
        S::CanClaim => "you-can-claim",
        S::Upcoming => "eligible-claim-when-it-opens",
        S::AlreadyClaimed => "claimed-in-this-batch",
        S::NotEligible => "not-eligible",
        S::GateNotMet => "earlier-vouchers-not-used-enough-to-claim",
        S::YearlyLimit => "this-years-limit-reached",
        S::SoldOut => "sold-out",
        S::Closed => "closed-2",
        S::CanRegister => "you-can-register-for-the-lottery",
        S::Registered => "registered-waiting-for-the-draw",
        S::Won => "drawn-2",
        S::NotDrawn => "not-drawn",
        S::RegistrationClosed => "registration-has-closed",
    };
    let reason = if en { &p.reason_en } else { &p.reason_zh };
    let outcome = p.outcome.as_deref().map(|o| match o {
        "lost" => "the-budget-ran-out-before-this-firms",
        _ => "not-eligible-at-the-draw",
    });
    let pct = |bp: f64| format!("{:.1}%", bp / 100.0);
    serde_json::json!({
        "state": p.state.as_str(), "text": text, "reason": reason,
        "voucher_code": p.voucher_code, "outcome": outcome,
        "used": p.used_bp.map(|b| pct(b as f64)), "required": p.required_bp.map(|b| pct(f64::from(b))),
        "entered_face": p.entered_face.map(|f| f.to_string()),
    })
}

#[get("/batches")]
async fn batches(state: State, req: HttpRequest) -> Answer {
    let s = session(&state, &req).await;
    let lang = Lang::of_request(&req);
    let firm_id = s
        .as_ref()
        .filter(|s| s.caller.role == Role::Firm)
        .and_then(|s| s.caller.party_as::<FirmId>());
    let firm = firm_id.is_some();
    let now = state.clock.now();
    let (list, prospects) = db(&state, move |c| {
        let list = svc::batches(c, false, now)?;
        let p = match &firm_id {
            Some(id) => prospects::of_firm(c, id, &list, now)?,
            None => Vec::new(),
        };
        Ok((list, p))
    })
    .await?;
    // The live remaining budget, as the claim engine holds it at the opening second.
    let mut items = Vec::with_capacity(list.len());
    for b in &list {
        let live = state.claims.state(&b.id).await;
        let (remaining, claimed) = live
            .map(|l| (l.snap.remaining, l.snap.vouchers_claimed))
            .unwrap_or((b.remaining, b.vouchers_claimed));
        let status = wire(&b.status);
        let prospect =
            prospects.iter().find(|p| p.batch_id == b.id).map(|p| prospect_json(p, lang.en()));
        items.push(super::val(serde_json::json!({
            "id": b.id, "name": b.name, "status": status, "status_text": status_text(&status),
            "mode": wire(&b.allocation_mode),
            "opens_at": local_time(b.opens_at), "closes_at": local_time(b.closes_at),
            "opens_at_utc": format!("{}Z", b.opens_at.format("%Y-%m-%dT%H:%M:%S%.3f")),
            "budget": b.budget.to_string(), "remaining": remaining.to_string(),
            "vouchers_claimed": claimed,
            "faces": b.face_values.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
            // One key per rendered form: pressing twice gets the first answer again.
            "key": new_id(),
            "prospect": prospect,
        })));
    }
    let (csrf, set) = csrf_of(&state, &req);
    let chrome = match &s {
        Some(s) => super::Chrome::signed_in(&state, s.caller.role),
        None => super::Chrome::anonymous(&state),
    };
    let done =
        web::Query::<std::collections::BTreeMap<String, String>>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.get("done").map(|d| super::desk::done_text(d)))
            .unwrap_or("");
    let r = render(
        "batches.html",
        "/batches",
        &lang,
        &chrome,
        "voucher-batches",
        context! {
            items => items, firm => firm, csrf => csrf, done => done,
            server_now => format!("{}Z", now.format("%Y-%m-%dT%H:%M:%S%.3f")),
        },
    )?;
    let mut cookies = renewed(&state, &s);
    cookies.extend(set);
    cookies.extend(Lang::cookie_for(&req));
    Ok(with(r, StatusCode::OK, &cookies))
}

/// A firm registers for a lottery batch (or changes the face value it wants), or
/// withdraws, until the opening instant.
#[post("/batches/{id}/lottery/{action}")]
async fn lottery_entry(
    state: State,
    req: HttpRequest,
    path: Path<(String, String)>,
    p: Posted,
) -> Answer {
    let (id, action) = path.into_inner();
    let id: BatchId = typed_id(&id)?;
    if !["register", "withdraw"].contains(&action.as_str()) {
        return Err(AppError::not_found("page").into());
    }
    let d = super::orders::open!(state, req, &[Role::Firm]);
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| {
                let face = p.get("face_value").trim();
                Ok(crate::services::lottery::EntryInput {
                    face_value: (!face.is_empty()).then(|| face.to_string()),
                })
            },
            move |c, input, a| {
                if action == "register" {
                    crate::services::lottery::enter(c, a.cx(), &id, &a.party_as()?, &input)
                        .map(|_| "entered")
                } else {
                    crate::services::lottery::withdraw(c, a.cx(), &id, &a.party_as()?)
                        .map(|_| "withdrawn")
                }
            },
        )
        .await;
    match r {
        Ok(what) => Ok(d.done(&state, "/batches", what)),
        Err(e) => {
            let reason = if d.en() { e.detail_en.clone() } else { e.detail.clone() };
            let chrome = super::Chrome::signed_in(&state, Role::Firm);
            let lang = Lang::of_request(&req);
            let title = "lottery-registration-not-done";
            let r = render(
                "claim_result.html",
                "/batches",
                &lang,
                &chrome,
                title,
                context! { ok => false, reason => reason },
            )?;
            Ok(with(r, e.kind.status(), &[]))
        }
    }
}

#[derive(Debug, Deserialize)]
struct ClaimForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
    face_value: Option<String>,
}

fn answer(
    lang: &Lang,
    chrome: &super::Chrome,
    ok: bool,
    ctx: minijinja::Value,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let title = if ok { "claimed-3" } else { "not-claimed" };
    let r = render("claim_result.html", "/batches", lang, chrome, title, ctx)?;
    Ok(with(r, status, &[]))
}

#[post("/batches/{id}/claim")]
async fn claim(
    state: State,
    req: HttpRequest,
    path: Path<String>,
    form: web::Form<ClaimForm>,
) -> Answer {
    let id: BatchId = typed_id(&path)?;
    let Some(s) = session(&state, &req).await.filter(|s| s.caller.role == Role::Firm) else {
        return Ok(see_other("/login?next=/batches"));
    };
    let lang = Lang::of_request(&req);
    let chrome = super::Chrome::signed_in(&state, s.caller.role);
    let refuse = |reason: String, status| {
        answer(&lang, &chrome, false, context! { ok => false, reason => reason }, status)
    };
    if !csrf_ok(&req, &form.csrf) {
        return Ok(refuse(
            super::i18n::t("this-page-has-expired-and-nothing-was", lang.en()),
            StatusCode::FORBIDDEN,
        )?);
    }
    let face_value = match form.face_value.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        None => None,
        Some(f) => match Fen::parse_yuan(f) {
            Ok(v) => Some(v),
            Err(e) => {
                let reason = if lang.en() { e.message_en() } else { e.message_zh() };
                return Ok(refuse(reason.into(), StatusCode::UNPROCESSABLE_ENTITY)?);
            }
        },
    };
    let key = crate::domain::IdempotencyKey::from_page(&form.key);
    let firm_id = s.caller.party_as::<FirmId>().ok_or_else(|| AppError::not_found("firm"))?;
    let user = s.caller.user_id.clone();
    let request = ClaimRequest::by_user(user, firm_id, face_value, key, request_id(&req));
    let (_, got) = state.claims.claim(&id, request).await;
    let mut r = match got.into_result() {
        Ok(v) => answer(
            &lang,
            &chrome,
            true,
            context! {
                ok => true, code => v.code, amount => v.face_value.to_string(),
                valid_until => local_time(v.valid_until),
            },
            StatusCode::CREATED,
        )?,
        Err(e) => {
            let reason = if lang.en() { e.detail_en.clone() } else { e.detail.clone() };
            refuse(reason, e.kind.status())?
        }
    };
    for c in renewed(&state, &Some(s)) {
        let _ = r.add_cookie(&c);
    }
    Ok(r)
}

#[get("/my/vouchers")]
async fn my_vouchers(state: State, req: HttpRequest) -> Answer {
    let Some(s) = session(&state, &req).await.filter(|s| s.caller.role == Role::Firm) else {
        return Ok(see_other("/login?next=/my/vouchers"));
    };
    let firm = s.caller.party_as::<FirmId>().ok_or_else(|| AppError::not_found("firm"))?;
    let list = db(&state, move |c| svc::vouchers_of_firm(c, &firm)).await?;
    let items: Vec<minijinja::Value> = list
        .iter()
        .map(|v| {
            let text = crate::i18n::voucher_state(&v.status);
            super::val(serde_json::json!({
                "code": v.code, "face_value": v.face_value.to_string(),
                "balance": v.balance.to_string(), "held": v.held.to_string(),
                "available": v.available.to_string(), "status_text": text,
                "valid_until": local_time(v.valid_until),
            }))
        })
        .collect();
    let r = render(
        "vouchers.html",
        "/my/vouchers",
        &Lang::of_request(&req),
        &super::Chrome::signed_in(&state, s.caller.role),
        "my-vouchers",
        context! { items => items },
    )?;
    Ok(with(r, StatusCode::OK, &renewed(&state, &Some(s))))
}

fn size_text(s: &str) -> &'static str {
    match s {
        "micro" => "micro-enterprise",
        "small" => "small-enterprise",
        "medium" => "medium-enterprise",
        _ => "large-enterprise",
    }
}

async fn profile_view(
    state: &State,
    d: &super::desk::Desk,
    form: &super::desk::Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let id = d.firm()?;
    let f = db(state, move |c| crate::services::firms::get(c, &id)).await?;
    let status_s = wire(&f.onboarding_status);
    let size = wire(&f.size_class);
    let industries: Vec<(String, String)> = state
        .policy
        .sme
        .industries
        .iter()
        .map(|i| (i.code.clone(), super::named(&i.name_zh, &i.name_en, d.en())))
        .collect();
    // A firm registered before the district was asked chooses one when it next saves.
    let districts: Vec<(String, String)> = std::iter::once((String::new(), "choose".into()))
        .chain(
            state
                .policy
                .districts
                .iter()
                .map(|x| (x.code.clone(), super::named(&x.name_zh, &x.name_en, d.en()))),
        )
        .collect();
    d.render(state, Screen { template: "firm.html", path: "/firm", title: "my-firm" }, context! {
            firm => super::val(serde_json::json!({
                "id": f.id, "name": f.name, "credit_code": f.credit_code, "legal_representative": f.legal_representative,
                "actual_controller": f.actual_controller, "registered_on": f.registered_on.to_string(),
                "address": f.address, "contact_name": f.contact_name, "contact_phone": f.contact_phone,
                "contact_email": f.contact_email, "industry": f.industry, "employees": f.employees.to_string(),
                "district": f.district.clone().unwrap_or_default(),
                "revenue": f.revenue.to_string(), "total_assets": f.total_assets.map(|a| a.to_string()).unwrap_or_default(),
                "status": status_s, "status_text": crate::i18n::onboarding(f.onboarding_status), "reason": f.onboarding_reason,
                "corrections": f.corrections,
                "size_text": size_text(&size), "high_tech": f.qualifications.high_tech,
                "tech_sme": f.qualifications.tech_sme, "dishonest": f.qualifications.dishonest,
                "high_tech_until": f.high_tech_certificate.valid_until.map(|d| d.to_string()),
                "tech_sme_until": f.tech_sme_certificate.valid_until.map(|d| d.to_string()),
                "reviewed_at": f.reviewed_at.map(local_time),
            })),
            industries => industries,
            districts => districts,
        }, form, status)
}

#[get("/firm")]
async fn profile(state: State, req: HttpRequest) -> Answer {
    let d = super::orders::open!(state, req, &[Role::Firm]);
    Ok(profile_view(&state, &d, &super::desk::Form::none(), StatusCode::OK).await?)
}

/// The firm corrects its registration details (re-checked as on registration; its
/// size class follows the figures).
#[post("/firm")]
async fn update_profile(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = super::orders::open!(state, req, &[Role::Firm]);
    let shape = super::desk::Shape { lists: &[], ints: &["employees"], bools: &[] };
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| p.input_all::<crate::services::firms::FirmProfileInput>(&shape),
            |c, (i, prior), a| {
                crate::services::firms::update_profile(
                    c,
                    a.cx(),
                    a.links(),
                    &a.party_as()?,
                    &i,
                    prior,
                )
            },
        )
        .await
        .map(|_| ("/firm".to_string(), "saved"));
    let (st, dk) = (&state, &d);
    d.answer(
        st,
        r,
        "profile",
        &p,
        &[],
        move |f, s| async move { profile_view(st, dk, &f, s).await },
    )
    .await
}

/// The firm sends its corrected application back to review.
#[post("/firm/resubmit")]
async fn resubmit(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = super::orders::open!(state, req, &[Role::Firm]);
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |_| Ok(()),
            |c, (), a| crate::services::firms::resubmit(c, a.cx(), &a.party_as()?),
        )
        .await
        .map(|_| ("/firm".to_string(), "resubmitted"));
    let (st, dk) = (&state, &d);
    d.answer(
        st,
        r,
        "resubmit",
        &p,
        &[],
        move |f, s| async move { profile_view(st, dk, &f, s).await },
    )
    .await
}
