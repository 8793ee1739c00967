//! Registration on pages: a firm (企业入驻), a provider (服务机构入库申请, with its
//! service categories and bank account) and a space (孵化载体). Each form is read as the
//! registration API's own input and run through the same use case, so the fields and
//! rules are the API's; every refused field shows its error beside it with what was typed
//! kept (never a password). The credit code is checked as it is typed by the site's own
//! script; the server's check stays the authority. Registered, the person is signed in
//! and lands on the 工作台, which shows where the application stands.

use super::desk::{Form, Posted};
use super::desk::{SentFile, FILE_ERRORS};
use super::session::{csrf_of, csrf_ok, session_cookies, with};
use super::{render, val, Chrome, Lang};
use crate::domain::id::AnyParty;
use crate::domain::validation::FieldErrors;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::http::Answer;
use crate::http::{db, remote_addr, request_id, State};
use crate::services::contact_verification::Links;
use crate::services::Cx;
use crate::services::{auth, firms, providers, spaces, Actor};
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(choose).service(form_page).service(submit);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Firm,
    Provider,
    Space,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        match s {
            "firm" => Some(Kind::Firm),
            "provider" => Some(Kind::Provider),
            "space" => Some(Kind::Space),
            _ => None,
        }
    }
    fn path(self) -> &'static str {
        match self {
            Kind::Firm => "/register/firm",
            Kind::Provider => "/register/provider",
            Kind::Space => "/register/space",
        }
    }
    fn title(self) -> &'static str {
        match self {
            Kind::Firm => "register-a-firm-application-to-join",
            Kind::Provider => "apply-as-a-provider",
            Kind::Space => "register-an-incubator-or-maker-space",
        }
    }
}

/// One field of a registration form: its name as the API names it, its label, how it
/// is typed, and the group it sits in.
struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    required: bool,
    hint: &'static str,
    group: &'static str,
}

const fn f(
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    group: &'static str,
) -> Field {
    Field { name, label, kind, required: true, hint: "", group }
}

const fn opt(mut x: Field) -> Field {
    x.required = false;
    x
}

const fn hint(mut x: Field, hint: &'static str) -> Field {
    x.hint = hint;
    x
}

const ACCOUNT: &str = "sign-in-account";
const UNIT: &str = "organisation";
const CONTACT: &str = "contact-person";
const BANK: &str = "bank-account-for-payments";
const DOCUMENTS: &str = "documents-3";

fn account() -> Vec<Field> {
    vec![
        hint(
            f("username", "username", "text", ACCOUNT),
            "n-3-64-letters-digits-dots-underscores-or",
        ),
        hint(
            f("password", "password", "password", ACCOUNT),
            "n-10-128-characters-with-at-least-three",
        ),
        hint(
            opt(f("email", "account-email-optional", "email", ACCOUNT)),
            "used-to-reset-a-forgotten-password-without",
        ),
    ]
}

fn contact() -> Vec<Field> {
    vec![
        f("contact_name", "contact-person", "text", CONTACT),
        f("contact_phone", "contact-phone", "tel", CONTACT),
        hint(
            f("contact_email", "contact-email", "email", CONTACT),
            "review-results-and-notices-go-to-this",
        ),
    ]
}

fn credit_code() -> Field {
    hint(
        f("credit_code", "unified-social-credit-code", "credit_code", UNIT),
        "n-18-characters-on-the-business-licence",
    )
}

fn fields(kind: Kind) -> Vec<Field> {
    let mut v = account();
    match kind {
        Kind::Firm => {
            v.extend([
                credit_code(),
                f("name", "firm-name", "text", UNIT),
                f("legal_representative", "legal-representative", "text", UNIT),
                hint(
                    f("actual_controller", "actual-controller", "text", UNIT),
                    "firms-with-the-same-actual-controller-share",
                ),
                f("registered_on", "date-of-registration", "date", UNIT),
                f("address", "address", "text", UNIT),
                f("district", "district", "district", UNIT),
                f("industry", "industry", "industry", UNIT),
                f("employees", "employees-2", "number", UNIT),
                hint(f("revenue", "revenue-last-year-yuan", "text", UNIT), "e-g-2500000-00"),
                opt(f("total_assets", "total-assets-yuan-some-industries", "text", UNIT)),
            ]);
            v.extend(contact());
        }
        Kind::Provider => {
            v.extend([
                credit_code(),
                f("name", "provider-name", "text", UNIT),
                f("legal_representative", "legal-representative", "text", UNIT),
                f("actual_controller", "actual-controller", "text", UNIT),
                f("address", "address", "text", UNIT),
                hint(
                    f("description", "about-the-provider", "area", UNIT),
                    "the-services-qualifications-and-team-published-with",
                ),
                f("categories", "service-categories-one-or-more", "categories", UNIT),
            ]);
            v.extend(contact());
            v.extend([
                f("bank_name", "bank", "text", BANK),
                f("bank_account_name", "account-name", "text", BANK),
                hint(
                    f("bank_account_no", "account-number", "text", BANK),
                    "redemptions-are-paid-to-this-account",
                ),
            ]);
        }
        Kind::Space => {
            v.extend([
                credit_code(),
                f("name", "carrier-name", "text", UNIT),
                f("kind", "kind-of-carrier", "space_kind", UNIT),
                f("operator_name", "operating-company", "text", UNIT),
                f("legal_representative", "legal-representative", "text", UNIT),
                f("address", "address", "text", UNIT),
            ]);
            v.extend(contact());
            v.extend([
                opt(f("bank_name", "bank-optional", "text", BANK)),
                opt(f("bank_account_name", "account-name-optional", "text", BANK)),
                hint(
                    opt(f("bank_account_no", "account-number-optional", "text", BANK)),
                    "subsidies-are-paid-to-this-account-it",
                ),
            ]);
        }
    }
    // The business licence may come with the application (a reviewer asks for it);
    // certificates, with their numbers and validity, are uploaded on 证明材料 later.
    v.push(hint(
        opt(f("file", "business-licence-optional", "file", DOCUMENTS)),
        "a-pdf-jpeg-or-png-file-certificates-later",
    ));
    v
}

/// The options of a choice field, in the reader's language.
fn options(state: &State, kind: &str, en: bool) -> Vec<(String, String)> {
    let pick = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
    match kind {
        "industry" => state
            .policy
            .sme
            .industries
            .iter()
            .map(|i| (i.code.clone(), pick(&i.name_zh, &i.name_en)))
            .collect(),
        "district" => state
            .policy
            .districts
            .iter()
            .map(|d| (d.code.clone(), pick(&d.name_zh, &d.name_en)))
            .collect(),
        "categories" => state
            .policy
            .categories
            .iter()
            .map(|c| (c.code.clone(), pick(&c.name_zh, &c.name_en)))
            .collect(),
        "space_kind" => [
            ("incubator", "科技企业孵化器", "Incubator"),
            ("maker_space", "众创空间", "Maker space"),
            ("professional_maker_space", "专业化众创空间", "Professional maker space"),
        ]
        .into_iter()
        .map(|(c, z, e)| (c.to_string(), pick(z, e)))
        .collect(),
        _ => Vec::new(),
    }
}

fn page(
    state: &State,
    req: &HttpRequest,
    kind: Kind,
    form: &Form,
    checked: &[String],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::of_request(req);
    let en = lang.en();
    let groups: Vec<serde_json::Value> = [ACCOUNT, UNIT, CONTACT, BANK, DOCUMENTS]
        .into_iter()
        .filter_map(|g| {
            let items: Vec<serde_json::Value> = fields(kind)
                .into_iter()
                .filter(|x| x.group == g)
                .map(|x| {
                    json!({
                        "name": x.name, "label": x.label, "kind": x.kind, "required": x.required,
                        "hint": x.hint, "options": options(state, x.kind, en),
                    })
                })
                .collect();
            (!items.is_empty()).then(|| json!({"legend": g, "fields": items}))
        })
        .collect();
    let (csrf, set) = csrf_of(state, req);
    let r = render(
        "register_form.html",
        kind.path(),
        &lang,
        &Chrome::anonymous(state),
        kind.title(),
        context! {
            csrf => csrf, groups => val(groups), f => val(form), checked => val(checked),
            action => kind.path(),
        },
    )?;
    let mut cookies: Vec<Cookie<'static>> = set.into_iter().collect();
    cookies.extend(Lang::cookie_for(req));
    Ok(with(r, status, &cookies))
}

#[get("/register")]
async fn choose(state: State, req: HttpRequest) -> Answer {
    let lang = Lang::of_request(&req);
    let r = render(
        "register.html",
        "/register",
        &lang,
        &Chrome::of(&state, &req).await,
        "register",
        context! {},
    )?;
    Ok(super::with_lang(r, &req))
}

#[get("/register/{kind}")]
async fn form_page(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let kind = Kind::parse(&path).ok_or_else(|| AppError::not_found("page"))?;
    Ok(page(&state, &req, kind, &Form::none(), &[], StatusCode::OK)?)
}

/// The posted form as the registration API's input, every field present so the use case
/// checks them all at once: a blank required field goes in blank (the use case says it
/// is required); a number or a choice that cannot be read goes in as a stand-in, with its
/// own error (`prior`), so nothing is written while it stands.
fn input_of(kind: Kind, p: &Posted) -> (serde_json::Value, FieldErrors) {
    use serde_json::Value;
    let mut obj = serde_json::Map::new();
    let mut prior = FieldErrors::new();
    for x in fields(kind) {
        let v = p.get(x.name).trim();
        let value = match x.kind {
            "categories" => Value::Array(
                p.0.iter()
                    .filter(|(k, v)| k == "categories" && !v.trim().is_empty())
                    .map(|(_, v)| Value::String(v.trim().to_string()))
                    .collect(),
            ),
            "number" => match v.parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    if v.is_empty() {
                        prior.add(
                            x.name,
                            ErrorCode::Required,
                            "此项为必填项",
                            "this field is required",
                        );
                    } else {
                        prior.add(
                            x.name,
                            ErrorCode::IntegerInvalid,
                            "请填写整数",
                            "must be a whole number",
                        );
                    }
                    Value::from(0)
                }
            },
            "space_kind" => match crate::domain::party::SpaceKind::parse(v) {
                Some(k) => Value::String(k.as_str().into()),
                None => {
                    prior.add(
                        x.name,
                        ErrorCode::Required,
                        "请选择载体类型",
                        "choose the kind of carrier",
                    );
                    Value::String("incubator".into())
                }
            },
            "file" => continue,
            _ if v.is_empty() && !x.required => continue,
            _ => Value::String(v.to_string()),
        };
        obj.insert(x.name.to_string(), value);
    }
    (Value::Object(obj), prior)
}

/// Registers from the form; gives back the new account's username.
fn run(
    c: &mut crate::db::DbConnection,
    cx: Cx<'_>,
    kind: Kind,
    p: &Posted,
    (cfg, links): (&auth::AuthConfig, Links<'_>),
    licence: Option<(&crate::files::FileStore, &SentFile)>,
) -> AppResult<String> {
    let (json, mut prior) = input_of(kind, p);
    // A file that is not a document is said with the form's other errors.
    if let Some((store, (_, bytes))) = licence {
        let checked = crate::services::evidence::check_file(bytes).and_then(|_| {
            if bytes.len() as u64 > store.max_bytes {
                Err(crate::services::evidence::too_large(store.max_bytes))
            } else {
                Ok(())
            }
        });
        if let Err(e) = checked {
            prior.0.push(crate::domain::validation::FieldError {
                field: "file".into(),
                code: e.code,
                detail: e.detail,
                detail_en: e.detail_en,
            });
        }
    }
    let read = |e: serde_json::Error| AppError::of(ErrorCode::FormUnreadable).arg("reason", e);
    let (username, party) = match kind {
        Kind::Firm => {
            let input: firms::FirmRegistration = serde_json::from_value(json).map_err(read)?;
            let r = firms::register(c, cx, cfg, links, &input, prior)?;
            (input.username, AnyParty::Firm(r.party.id))
        }
        Kind::Provider => {
            let input: providers::ProviderApplication =
                serde_json::from_value(json).map_err(read)?;
            let r = providers::apply(c, cx, cfg, links, &input, prior)?;
            (input.username, AnyParty::Provider(r.party.id))
        }
        Kind::Space => {
            let input: spaces::SpaceRegistration = serde_json::from_value(json).map_err(read)?;
            let r = spaces::register(c, cx, cfg, links, &input, prior)?;
            (input.username, AnyParty::Space(r.party.id))
        }
    };
    // In the registration's own transaction: a licence that cannot be kept registers
    // nothing.
    if let Some((store, (name, bytes))) = licence {
        let input = crate::services::documents::DocumentInput {
            kind: "business_licence".into(),
            certificate_no: None,
            valid_from: None,
            valid_until: None,
            name: Some(name.clone()).filter(|n| !n.is_empty()),
        };
        crate::services::documents::upload(c, cx, store, &party, &input, bytes)?;
    }
    Ok(username)
}

/// The service categories ticked, to tick them again.
fn checked_of(posted: &Posted) -> Vec<String> {
    posted.0.iter().filter(|(k, _)| k == "categories").map(|(_, v)| v.clone()).collect()
}

#[post("/register/{kind}")]
async fn submit(
    state: State,
    req: HttpRequest,
    path: Path<String>,
    payload: web::Payload,
) -> Answer {
    let kind = Kind::parse(&path).ok_or_else(|| AppError::not_found("page"))?;
    let en = Lang::of_request(&req).en();
    // The page sends multipart (with the licence, if chosen); a plain form is read too.
    let multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (posted, sent) = if multipart {
        let max = state.files.max_bytes;
        super::desk::read_multipart(
            actix_multipart::Multipart::new(req.headers(), payload),
            max,
            crate::services::evidence::too_large(max),
            state.files.upload_timeout,
        )
        .await
    } else {
        use actix_web::FromRequest;
        (Posted::from_request(&req, &mut payload.into_inner()).await?, Ok(None))
    };
    // A file input left empty sends a part with no name and no bytes.
    let licence = match sent {
        Ok(file) => file.filter(|(name, bytes)| !(name.is_empty() && bytes.is_empty())),
        Err(e) => {
            let checked = checked_of(&posted);
            let f = Form::failed("register", &posted, &e, &FILE_ERRORS, en);
            return Ok(page(&state, &req, kind, &f, &checked, e.kind.status())?);
        }
    };
    let checked = checked_of(&posted);
    if !csrf_ok(&req, posted.get("csrf")) {
        let e = AppError::of(ErrorCode::FormExpired);
        let f = Form::failed("register", &posted, &e, &[], en);
        return Ok(page(&state, &req, kind, &f, &checked, StatusCode::FORBIDDEN)?);
    }
    let (cfg, base) = (state.auth.clone(), state.site.base_url.clone());
    let files = state.files.clone();
    let (addr, rid) = (remote_addr(&req), request_id(&req));
    let ctx = state.context(Actor::public(rid.clone()));
    let password = posted.get("password").to_string();
    let p = Posted(posted.0.clone());
    let out = db(&state, move |c| {
        let links = Links { base: &base };
        let licence = licence.as_ref().map(|f| (&*files, f));
        let username = run(c, ctx.cx(), kind, &p, (&cfg, links), licence)?;
        // Signed in at once: the 工作台 shows where the application stands.
        auth::login(c, &cfg, &username, &password, &addr, ctx.now, rid)
    })
    .await;
    match out {
        Ok(tokens) => {
            let to = super::session::see_other("/home?done=registered");
            Ok(with(to, StatusCode::SEE_OTHER, &session_cookies(&state, &tokens)))
        }
        Err(e) if e.kind.status().is_client_error() => {
            let field_of: Vec<(&str, &str)> = [
                ("credit_code_taken", "credit_code"),
                ("username_taken", "username"),
                // Checkboxes: none ticked sends no field, the field is on the page.
                ("categories_required", "categories"),
            ]
            .into_iter()
            .chain(FILE_ERRORS)
            .collect();
            let f = Form::failed("register", &posted, &e, &field_of, en);
            Ok(page(&state, &req, kind, &f, &checked, e.kind.status())?)
        }
        Err(e) => Err(e.into()),
    }
}
