//! Provider listing notices (服务机构入库公示) with the objection form.

use super::session::{csrf_of, csrf_ok, with};
use super::{render, Lang};
use crate::domain::china_time;
use crate::error::AppError;
use crate::http::{db, path_id, request_id, State};
use crate::services::providers::{self as svc, ObjectionInput};
use crate::services::{Actor, Page};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(notices).service(file_objection);
}

const FIELDS: [(&str, &str); 3] = [
    ("objector_name", "姓名或单位"),
    ("objector_contact", "联系电话或邮箱"),
    ("reason", "异议内容及理由"),
];

struct Shown<'a> {
    status: StatusCode,
    notice: &'a str,
    err_for: &'a str,
    form_error: &'a str,
    errors: BTreeMap<String, String>,
    typed: BTreeMap<String, String>,
}

async fn page(state: &State, req: &HttpRequest, s: Shown<'_>) -> Result<HttpResponse, AppError> {
    let list = db(state, move |c| {
        svc::notices(
            c,
            Page {
                page: 1,
                per_page: 100,
            },
        )
    })
    .await?;
    let shown = |t: Option<chrono::NaiveDateTime>| {
        t.map(|t| china_time(t).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    let items: Vec<minijinja::Value> = list
        .items
        .iter()
        .map(|n| {
            let cats: Vec<String> = n
                .categories
                .iter()
                .map(|c| {
                    state
                        .policy
                        .category(c)
                        .map_or_else(|| c.clone(), |k| k.name_zh.clone())
                })
                .collect();
            minijinja::Value::from(minijinja::value::Serde(serde_json::json!({
                "provider_id": n.provider_id, "name": n.name, "credit_code": n.credit_code,
                "legal_representative": n.legal_representative, "categories": cats.join("、"),
                "starts": shown(n.notice_starts_at), "ends": shown(n.notice_ends_at),
            })))
        })
        .collect();
    let mut errors = s.errors;
    let mut typed = s.typed;
    let fields: Vec<minijinja::Value> = FIELDS
        .iter()
        .map(|(name, label)| {
            errors.entry(name.to_string()).or_default();
            typed.entry(name.to_string()).or_default();
            minijinja::Value::from(minijinja::value::Serde(
                serde_json::json!({"name": name, "label": label}),
            ))
        })
        .collect();
    let (csrf, set) = csrf_of(state, req);
    let r = render(
        "provider_notices.html",
        "/public/provider-notices",
        &Lang { en: false },
        "服务机构入库公示",
        context! {
            items => items, fields => fields, csrf => csrf, notice => s.notice,
            err_for => s.err_for, form_error => s.form_error, errors => errors, typed => typed,
        },
    )?;
    Ok(with(r, s.status, set.as_slice()))
}

#[get("/public/provider-notices")]
async fn notices(state: State, req: HttpRequest) -> actix_web::Result<HttpResponse> {
    Ok(page(
        &state,
        &req,
        Shown {
            status: StatusCode::OK,
            notice: "",
            err_for: "",
            form_error: "",
            errors: BTreeMap::new(),
            typed: BTreeMap::new(),
        },
    )
    .await?)
}

#[derive(Debug, Deserialize)]
struct ObjectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    objector_name: String,
    #[serde(default)]
    objector_contact: String,
    #[serde(default)]
    reason: String,
}

#[post("/public/provider-notices/{id}/objection")]
async fn file_objection(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ObjectionForm>,
) -> actix_web::Result<HttpResponse> {
    let id = path_id(&path, "provider")?;
    let f = form.into_inner();
    let typed: BTreeMap<String, String> = [
        ("objector_name", &f.objector_name),
        ("objector_contact", &f.objector_contact),
        ("reason", &f.reason),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect();
    if !csrf_ok(&req, &f.csrf) {
        let s = Shown {
            status: StatusCode::FORBIDDEN,
            notice: "",
            err_for: &id,
            form_error: "页面已过期，异议未提交，请重试。",
            errors: BTreeMap::new(),
            typed,
        };
        return Ok(page(&state, &req, s).await?);
    }
    let input = ObjectionInput {
        objector_name: f.objector_name,
        objector_contact: f.objector_contact,
        reason: f.reason,
    };
    let (now, actor) = (state.clock.now(), Actor::public(request_id(&req)));
    let key = id.clone();
    match db(&state, move |c| {
        svc::file_objection(c, &key, &input, now, &actor)
    })
    .await
    {
        Ok(_) => {
            let s = Shown {
                status: StatusCode::CREATED,
                notice: "异议已收到，我们将核实处理。",
                err_for: "",
                form_error: "",
                errors: BTreeMap::new(),
                typed: BTreeMap::new(),
            };
            Ok(page(&state, &req, s).await?)
        }
        Err(e) => {
            let errors: BTreeMap<String, String> = e
                .errors
                .iter()
                .map(|fe| (fe.field.clone(), fe.detail.clone()))
                .collect();
            let form_error = if errors.is_empty() {
                e.detail.clone()
            } else {
                String::new()
            };
            let s = Shown {
                status: e.kind.status(),
                notice: "",
                err_for: &id,
                form_error: &form_error,
                errors,
                typed,
            };
            Ok(page(&state, &req, s).await?)
        }
    }
}
