//! Public notices with the objection form: providers about to be listed (服务机构入库公示)
//! and approved redemptions about to be paid (兑现公示).

use super::session::{csrf_of, csrf_ok, with};
use super::{local_time, render, Lang};
use crate::domain::id::{ProviderId, RedemptionItemId};
use crate::error::AppError;
use crate::http::Answer;
use crate::http::{db, request_id, typed_id, State};
use crate::services::providers::{self as svc, ObjectionInput};
use crate::services::redemptions;
use crate::services::{Actor, Page};
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(provider_notices_csv)
        .service(provider_notices_json)
        .service(redemption_notices_csv)
        .service(redemption_notices_json)
        .service(notices)
        .service(file_objection)
        .service(redemption_notices)
        .service(redemption_objection);
}

/// Which notice.
#[derive(Clone, Copy)]
enum Kind {
    Provider,
    Redemption,
}

/// What an objection is filed against.
enum Subject {
    Provider(ProviderId),
    Redemption(RedemptionItemId),
}

impl Subject {
    fn kind(&self) -> Kind {
        match self {
            Subject::Provider(_) => Kind::Provider,
            Subject::Redemption(_) => Kind::Redemption,
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Subject::Provider(id) => id.as_str(),
            Subject::Redemption(id) => id.as_str(),
        }
    }
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Provider => "/public/provider-notices",
            Kind::Redemption => "/public/redemption-notices",
        }
    }
    fn title(self) -> &'static str {
        match self {
            Kind::Provider => "providers-in-notice",
            Kind::Redemption => "voucher-redemptions-in-notice",
        }
    }
    fn lead(self) -> &'static str {
        match self {
            Kind::Provider => "these-providers-are-about-to-be-listed",
            Kind::Redemption => "these-redemptions-were-approved-and-are-paid",
        }
    }
    fn empty(self) -> &'static str {
        match self {
            Kind::Provider => "no-providers-in-notice-now",
            Kind::Redemption => "no-redemptions-in-notice-now",
        }
    }
}

const FIELDS: [(&str, &str); 3] = [
    ("objector_name", "name-or-organisation"),
    ("objector_contact", "phone-or-email"),
    ("reason", "the-objection-and-its-grounds"),
];

struct Shown<'a> {
    status: StatusCode,
    notice: &'a str,
    err_for: &'a str,
    form_error: &'a str,
    errors: BTreeMap<String, String>,
    typed: BTreeMap<String, String>,
}

fn shown(t: Option<chrono::NaiveDateTime>) -> String {
    t.map(local_time).unwrap_or_default()
}

fn item(id: &str, title: &str, lines: Vec<String>) -> minijinja::Value {
    super::val(serde_json::json!({"id": id, "title": title, "lines": lines}))
}

async fn page(
    state: &State,
    req: &HttpRequest,
    kind: Kind,
    s: Shown<'_>,
) -> Result<HttpResponse, AppError> {
    let all = Page { page: 1, per_page: 100 };
    let lang = Lang::of_request(req);
    let en = lang.en();
    let items: Vec<minijinja::Value> = match kind {
        Kind::Provider => {
            let list = db(state, move |c| svc::notices(c, all)).await?;
            list.items
                .iter()
                .map(|n| {
                    let cats: Vec<String> = n
                        .categories
                        .iter()
                        .map(|c| super::category_name(&state.policy, c, en))
                        .collect();
                    let (from, to) = (shown(n.notice_starts_at), shown(n.notice_ends_at));
                    let t =
                        |key: &str, values: &[(&str, &str)]| super::i18n::t_values(key, en, values);
                    let lines = vec![
                        t(
                            "notice-line-provider",
                            &[
                                ("code", &n.credit_code),
                                ("representative", &n.legal_representative),
                            ],
                        ),
                        t(
                            "notice-line-categories",
                            &[("categories", &cats.join(&super::i18n::t("sep-enum", en)))],
                        ),
                        t("notice-line-period", &[("from", &from), ("to", &to)]),
                    ];
                    item(n.provider_id.as_str(), &n.name, lines)
                })
                .collect()
        }
        Kind::Redemption => {
            let policy = state.policy.clone();
            let list = db(state, move |c| redemptions::notices(c, &policy, all)).await?;
            list.items
                .iter()
                .map(|n| {
                    let t =
                        |key: &str, values: &[(&str, &str)]| super::i18n::t_values(key, en, values);
                    let lines = vec![
                        t("notice-line-firm", &[("firm", &n.firm_name)]),
                        t("notice-line-amount", &[("amount", &super::yuan(n.amount))]),
                        t("notice-line-ends", &[("ends", &shown(n.notice_ends_at))]),
                    ];
                    item(
                        n.item_id.as_str(),
                        &format!(
                            "{} · {}",
                            n.provider_name,
                            super::category_name(&state.policy, &n.category, en)
                        ),
                        lines,
                    )
                })
                .collect()
        }
    };
    let delistings: Vec<serde_json::Value> = match kind {
        Kind::Provider => {
            let policy = state.policy.clone();
            db(state, move |c| svc::delistings(c, &policy))
                .await?
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "name": d.name, "credit_code": d.credit_code,
                        "at": local_time(d.delisted_at), "reason": d.reason,
                        "from": crate::domain::china_time(d.may_reapply_from).format("%Y-%m-%d").to_string(),
                    })
                })
                .collect()
        }
        Kind::Redemption => Vec::new(),
    };
    let mut errors = s.errors;
    let mut typed = s.typed;
    let fields: Vec<minijinja::Value> = FIELDS
        .iter()
        .map(|(name, label)| {
            errors.entry(name.to_string()).or_default();
            typed.entry(name.to_string()).or_default();
            super::val(serde_json::json!({"name": name, "label": label}))
        })
        .collect();
    let (csrf, set) = csrf_of(state, req);
    let mut set: Vec<_> = set.into_iter().collect();
    set.extend(Lang::cookie_for(req));
    let r = render(
        "notices.html",
        kind.path(),
        &lang,
        &super::Chrome::of(state, req).await,
        kind.title(),
        context! {
            items => items, fields => fields, csrf => csrf, notice => s.notice,
            delistings => super::val(delistings),
            lead => kind.lead(), empty => kind.empty(), action_base => kind.path(),
            err_for => s.err_for, form_error => s.form_error, errors => errors, typed => typed,
        },
    )?;
    Ok(with(r, s.status, &set))
}

fn blank(status: StatusCode) -> Shown<'static> {
    Shown {
        status,
        notice: "",
        err_for: "",
        form_error: "",
        errors: BTreeMap::new(),
        typed: BTreeMap::new(),
    }
}

#[get("/public/provider-notices")]
async fn notices(state: State, req: HttpRequest) -> Answer {
    Ok(page(&state, &req, Kind::Provider, blank(StatusCode::OK)).await?)
}

#[get("/public/redemption-notices")]
async fn redemption_notices(state: State, req: HttpRequest) -> Answer {
    Ok(page(&state, &req, Kind::Redemption, blank(StatusCode::OK)).await?)
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
    path: Path<String>,
    form: web::Form<ObjectionForm>,
) -> Answer {
    let id = typed_id::<ProviderId>(&path)?;
    Ok(object(state, req, Subject::Provider(id), form.into_inner()).await?)
}

#[post("/public/redemption-notices/{id}/objection")]
async fn redemption_objection(
    state: State,
    req: HttpRequest,
    path: Path<String>,
    form: web::Form<ObjectionForm>,
) -> Answer {
    let id = typed_id::<RedemptionItemId>(&path)?;
    Ok(object(state, req, Subject::Redemption(id), form.into_inner()).await?)
}

async fn object(
    state: State,
    req: HttpRequest,
    subject: Subject,
    f: ObjectionForm,
) -> Result<HttpResponse, AppError> {
    let (kind, id) = (subject.kind(), subject.as_str().to_string());
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
            form_error: "this-page-has-expired-and-the-objection",
            errors: BTreeMap::new(),
            typed,
        };
        return page(&state, &req, kind, s).await;
    }
    let input = ObjectionInput {
        objector_name: f.objector_name,
        objector_contact: f.objector_contact,
        reason: f.reason,
    };
    let ctx = state.context(Actor::public(request_id(&req)));
    let filed = db(&state, move |c| match subject {
        Subject::Provider(key) => svc::file_objection(c, ctx.cx(), &key, &input).map(|_| ()),
        Subject::Redemption(key) => {
            redemptions::file_objection(c, ctx.cx(), &key, &input).map(|_| ())
        }
    })
    .await;
    match filed {
        Ok(()) => {
            let s = Shown {
                notice: "objection-received-we-will-look-into-it",
                ..blank(StatusCode::CREATED)
            };
            page(&state, &req, kind, s).await
        }
        Err(e) => {
            let en = Lang::of_request(&req).en();
            let errors: BTreeMap<String, String> = e
                .errors
                .iter()
                .map(|fe| {
                    let text = if en { &fe.detail_en } else { &fe.detail };
                    (fe.field.clone(), text.clone())
                })
                .collect();
            let form_error = if errors.is_empty() {
                if en {
                    e.detail_en.clone()
                } else {
                    e.detail.clone()
                }
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
            page(&state, &req, kind, s).await
        }
    }
}

async fn all_provider_notices(state: &State) -> Result<Vec<svc::NoticeView>, AppError> {
    db(state, |c| super::all(|p| svc::notices(c, p))).await
}

async fn all_redemption_notices(state: &State) -> Result<Vec<redemptions::NoticeView>, AppError> {
    let policy = state.policy.clone();
    db(state, move |c| super::all(|p| redemptions::notices(c, &policy, p))).await
}

#[get("/public/provider-notices.json")]
async fn provider_notices_json(state: State) -> Answer {
    Ok(HttpResponse::Ok().json(all_provider_notices(&state).await?))
}

#[get("/public/provider-notices.csv")]
async fn provider_notices_csv(state: State) -> Answer {
    let rows: Vec<Vec<String>> = all_provider_notices(&state)
        .await?
        .into_iter()
        .map(|n| {
            let cats: Vec<String> = n
                .categories
                .iter()
                .map(|c| state.policy.category(c).map_or_else(|| c.clone(), |k| k.name_zh.clone()))
                .collect();
            vec![
                n.name,
                n.credit_code,
                n.legal_representative,
                cats.join("、"),
                shown(n.notice_starts_at),
                shown(n.notice_ends_at),
            ]
        })
        .collect();
    let header = [
        "服务机构",
        "统一社会信用代码",
        "法定代表人",
        "服务类别",
        "公示开始（北京时间）",
        "公示截止（北京时间）",
    ];
    Ok(super::csv_response(
        crate::services::settlement::csv_bytes(&header, &rows)?,
        "provider-notices.csv",
    ))
}

#[get("/public/redemption-notices.json")]
async fn redemption_notices_json(state: State) -> Answer {
    Ok(HttpResponse::Ok().json(all_redemption_notices(&state).await?))
}

#[get("/public/redemption-notices.csv")]
async fn redemption_notices_csv(state: State) -> Answer {
    let rows: Vec<Vec<String>> = all_redemption_notices(&state)
        .await?
        .into_iter()
        .map(|n| {
            vec![
                n.provider_name,
                n.firm_name,
                n.category_name,
                n.amount.to_string(),
                shown(n.approved_at),
                shown(n.notice_ends_at),
            ]
        })
        .collect();
    let header = [
        "服务机构",
        "企业",
        "服务类别",
        "兑现金额（元）",
        "审核通过（北京时间）",
        "公示截止（北京时间）",
    ];
    Ok(super::csv_response(
        crate::services::settlement::csv_bytes(&header, &rows)?,
        "redemption-notices.csv",
    ))
}
