//! The space's forms: a certification application (the figures its scheme's criteria
//! use, each field as its kind asks: yes/no, a date, a number with its unit), the
//! incubatee register (entries, graduations, departures) and the yearly statistics.
//! Each figure's refusal is shown at its field, named `figures.<id>` as in the API.

use super::desk::Screen;
use super::desk::{Desk, Form, Posted, Shape};
use super::orders::open;
use super::{local_time, val, wire};
use crate::domain::certification::{FigureDef, FigureKind, Graduation};
use crate::domain::id::IncubateeId;
use crate::domain::Role;
use crate::error::AppError;
use crate::error::ErrorCode;
use crate::http::Answer;
use crate::http::{db, typed_id, State};
use crate::services::certification::{self as certs, ApplicationInput};
use crate::services::incubatees::{self, DepartureInput, GraduationInput, IncubateeInput};
use crate::services::spaces;
use crate::services::statistics::{self, FilingInput};
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(apply_page)
        .service(apply)
        .service(register_page)
        .service(register)
        .service(incubatee_step)
        .service(statistics_page)
        .service(file_statistics);
}

const SPACE: &[Role] = &[Role::Space];

/// One figure as a form field.
fn field_of(def: &FigureDef, en: bool) -> serde_json::Value {
    let (input, hint) = match def.kind {
        FigureKind::Bool => ("bool", ""),
        FigureKind::Date => ("date", "YYYY-MM-DD"),
        FigureKind::Count => ("text", "whole-number"),
        FigureKind::Area => ("text", "square-metres-at-most-2-decimals"),
        FigureKind::Money => ("text", "yuan-at-most-2-decimals"),
        FigureKind::Percent => ("text", "percent-0-100-at-most-2-decimals"),
    };
    let label = if en { &def.name_en } else { &def.name_zh };
    json!({"name": format!("figures.{}", def.id), "label": label, "input": input,
           "hint": super::i18n::t(hint, en)})
}

/// The `figures.<id>` fields of a form as the API's figures object.
fn figures_of(
    p: &Posted,
    policy: &crate::domain::Policy,
) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    for (k, v) in &p.0 {
        let (Some(id), v) = (k.strip_prefix("figures."), v.trim()) else {
            continue;
        };
        if v.is_empty() {
            continue;
        }
        let kind = policy.certification.figure(id).map(|f| f.kind);
        let value = match (kind, v) {
            (Some(FigureKind::Bool), "true") => json!(true),
            (Some(FigureKind::Bool), "false") => json!(false),
            _ => json!(v),
        };
        m.insert(id.to_string(), value);
    }
    m
}

#[derive(Debug, Deserialize)]
struct SchemeQuery {
    scheme: Option<String>,
}

async fn apply_view(
    state: &State,
    d: &Desk,
    scheme: Option<&str>,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let id = d.space()?;
    let space = db(state, move |c| spaces::get(c, &id)).await?;
    let kind = wire(&space.kind);
    let cert = &state.policy.certification;
    let schemes: Vec<_> = cert
        .schemes
        .iter()
        .filter(|s| s.space_kinds.contains(&kind))
        .map(|s| json!({"code": s.code, "name": super::named(&s.name_zh, &s.name_en, d.en()), "source": s.source}))
        .collect();
    let chosen = scheme.and_then(|c| cert.scheme(c)).filter(|s| s.space_kinds.contains(&kind));
    let fields: Vec<_> = chosen
        .map(|s| {
            // Every figure the scheme may ask for: those its criteria read and the ones
            // that bound them (an incubatee count needs the total ever incubated).
            s.figures_required_given(cert, &serde_json::Map::new())
                .iter()
                .filter_map(|f| cert.figure(f))
                .map(|f| field_of(f, d.en()))
                .collect()
        })
        .unwrap_or_default();
    d.render(state, Screen { template: "space_apply.html", path: "/space/apply", title: "apply-for-certification-2" }, context! {
            schemes => val(&schemes), fields => val(&fields),
            scheme => val(chosen.map(|s| json!({"code": s.code, "name": super::named(&s.name_zh, &s.name_en, d.en())}))),
        }, form, status)
}

#[get("/space/apply")]
async fn apply_page(state: State, req: HttpRequest, q: web::Query<SchemeQuery>) -> Answer {
    let d = open!(state, req, SPACE);
    Ok(apply_view(&state, &d, q.scheme.as_deref(), &Form::none(), StatusCode::OK).await?)
}

#[post("/space/apply")]
async fn apply(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, SPACE);
    let scheme = p.get("scheme").to_string();
    let input = |p: &Posted| {
        Ok(ApplicationInput { scheme: scheme.clone(), figures: figures_of(p, &state.policy) })
    };
    let r = d
        .attempt(&state, &req, &p, input, |c, i, a| certs::apply(c, a.cx(), &a.party_as()?, &i))
        .await
        .map(|_| ("/space".to_string(), "filed"));
    let (st, dk, sc) = (&state, &d, scheme.as_str());
    d.answer(st, r, "apply", &p, &[], move |f, s| async move {
        apply_view(st, dk, Some(sc), &f, s).await
    })
    .await
}

fn graduation_text(g: Graduation) -> &'static str {
    match g {
        Graduation::HighTechEnterprise => "certified-as-a-high-tech-enterprise",
        Graduation::TechInnovationEnterprise => {
            "certified-as-a-provincial-tech-innovation-enterprise"
        }
        Graduation::Investment => "angel-or-venture-investment-above-the-schemes",
        Graduation::TwoYearRevenue => "revenue-in-each-of-the-last-two",
        Graduation::LastYearRevenue => "revenue-last-year-above-the-schemes-figure",
        Graduation::AcquiredOrListed => "acquired-or-listed",
    }
}

async fn register_view(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (id, now) = (d.space()?, state.clock.now());
    let list = db(state, move |c| incubatees::register_of(c, &id, now)).await?;
    let items: Vec<_> = list
        .iter()
        .map(|i| {
            json!({"id": i.id, "firm_name": i.firm_name, "credit_code": i.credit_code,
                   "entered_on": i.entered_on.to_string(), "age": i.age_months_at_entry,
                   "field": i.field, "limit_ends_on": i.limit_ends_on.to_string(),
                   "current": i.current, "over_limit": i.over_limit,
                   "graduated_on": i.graduated_on.map(|d| d.to_string()),
                   "graduation": i.graduation.map(graduation_text),
                   "left_on": i.left_on.map(|d| d.to_string()), "left_reason": i.left_reason})
        })
        .collect();
    let conditions: Vec<(&str, &str)> =
        Graduation::ALL.iter().map(|g| (g.as_str(), graduation_text(*g))).collect();
    let today = crate::domain::china_time(state.clock.now()).date().to_string();
    d.render(
        state,
        Screen {
            template: "space_incubatees.html",
            path: "/space/incubatees",
            title: "incubatee-register",
        },
        context! { items => val(&items), conditions => conditions, today => today },
        form,
        status,
    )
}

#[get("/space/incubatees")]
async fn register_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, SPACE);
    Ok(register_view(&state, &d, &Form::none(), StatusCode::OK).await?)
}

#[post("/space/incubatees")]
async fn register(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, SPACE);
    let r = d
        .attempt_all(
            &state,
            &req,
            &p,
            |p| p.input_all::<IncubateeInput>(&Shape::TEXT),
            |c, i, a| incubatees::register(c, a.cx(), &a.party_as()?, &i),
        )
        .await
        .map(|_| ("/space/incubatees".to_string(), "saved"));
    let (st, dk) = (&state, &d);
    d.answer(
        st,
        r,
        "incubatee",
        &p,
        &[],
        move |f, s| async move { register_view(st, dk, &f, s).await },
    )
    .await
}

/// `graduation` or `departure` of one incubatee.
#[post("/space/incubatees/{id}/{step}")]
async fn incubatee_step(
    state: State,
    req: HttpRequest,
    path: Path<(String, String)>,
    p: Posted,
) -> Answer {
    let (id, step) = path.into_inner();
    let d = open!(state, req, SPACE);
    let id = typed_id::<IncubateeId>(&id)?;
    let iid = id.clone();
    let r = match step.as_str() {
        "graduation" => {
            d.attempt_all(
                &state,
                &req,
                &p,
                |p| p.input_all::<GraduationInput>(&Shape::TEXT),
                move |c, i, a| incubatees::graduate(c, a.cx(), &a.party_as()?, &iid, &i),
            )
            .await
        }
        "departure" => {
            d.attempt_all(
                &state,
                &req,
                &p,
                |p| p.input_all::<DepartureInput>(&Shape::TEXT),
                move |c, i, a| incubatees::depart(c, a.cx(), &a.party_as()?, &iid, &i),
            )
            .await
        }
        _ => return Err(AppError::not_found("page").into()),
    }
    .map(|_| ("/space/incubatees".to_string(), "saved"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, &format!("{step}-{id}"), &p, &[], move |f, s| async move {
        register_view(st, dk, &f, s).await
    })
    .await
}

async fn statistics_view(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (policy, id) = (state.policy.clone(), d.space()?);
    let filings = db(state, move |c| statistics::filings_of(c, &policy, &id)).await?;
    let cert = &state.policy.certification;
    let fields: Vec<_> = state
        .policy
        .subsidies
        .statistics
        .figures
        .iter()
        .filter_map(|f| cert.figure(f))
        .map(|f| field_of(f, d.en()))
        .collect();
    let filed: Vec<_> = filings
        .iter()
        .map(|f| json!({"year": f.year, "filed_at": local_time(f.filed_at), "late": f.late}))
        .collect();
    let year = crate::domain::china_time(state.clock.now()).date().format("%Y").to_string();
    let last_year = year.parse::<i32>().map(|y| y - 1).unwrap_or_default();
    d.render(
        state,
        Screen {
            template: "space_statistics.html",
            path: "/space/statistics",
            title: "yearly-statistics",
        },
        context! {
            fields => val(&fields), filed => val(&filed), last_year => last_year,
            deadline => state.policy.subsidies.statistics.deadline.clone(),
        },
        form,
        status,
    )
}

#[get("/space/statistics")]
async fn statistics_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, SPACE);
    Ok(statistics_view(&state, &d, &Form::none(), StatusCode::OK).await?)
}

#[post("/space/statistics")]
async fn file_statistics(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, SPACE);
    // A year that cannot be read is said with the figures' errors: the use case runs on a
    // stand-in year (its own word on the year gives way to the form's).
    let input = |p: &Posted| {
        let mut e = crate::domain::validation::FieldErrors::new();
        let year = p.get("year").trim().parse::<i32>().unwrap_or_else(|_| {
            e.add("year", ErrorCode::YearInvalid, "请填写年份，如 2026", "a year, e.g. 2026");
            0
        });
        let figures = figures_of(p, &state.policy);
        Ok((FilingInput { year, figures }, e))
    };
    let r = d
        .attempt_all(&state, &req, &p, input, |c, i, a| {
            statistics::file(c, a.cx(), &a.party_as()?, &i)
        })
        .await
        .map(|_| ("/space/statistics".to_string(), "filed"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, "statistics", &p, &[], move |f, s| async move {
        statistics_view(st, dk, &f, s).await
    })
    .await
}
