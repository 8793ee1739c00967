//! Screening lists in pages (名单筛查): the admin uploads a list, reads the preview (what
//! it adds and removes, whom it holds and frees) and applies or discards it; staff read
//! the register and the holds; reviewers clear a false match with a reason.

use super::desk::{Desk, Form, Posted, Screen, Shape};
use super::orders::open;
use super::{local_time, val};
use crate::domain::id::{ScreeningEntryId, ScreeningImportId};
use crate::domain::screening::{ImportStatus, ListType};
use crate::domain::{PartyKind, Role};
use crate::error::{AppError, ErrorCode};
use crate::http::{db, typed_id, Answer, State};
use crate::services::screening::{self as svc, ClearInput, HoldView, ImportView, ListEntry};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(register_page)
        .service(upload)
        .service(import_page)
        .service(apply)
        .service(discard)
        .service(clear);
}

const STAFF: &[Role] = &[Role::Admin, Role::Reviewer, Role::Finance, Role::Auditor];

/// A list's name, as a phrase key.
pub(super) fn list_words(t: ListType) -> &'static str {
    match t {
        ListType::DishonestDebtor => "list-dishonest-debtor",
        ListType::SeriousViolation => "list-serious-violation",
        ListType::AbnormalOperation => "list-abnormal-operation",
    }
}

fn import_words(s: ImportStatus) -> &'static str {
    match s {
        ImportStatus::Pending => "import-pending",
        ImportStatus::Applied => "import-applied",
        ImportStatus::Discarded => "import-discarded",
        ImportStatus::Superseded => "import-superseded",
    }
}

fn party_words(k: PartyKind) -> &'static str {
    match k {
        PartyKind::Firm => "party-firm",
        PartyKind::Provider => "party-provider",
        PartyKind::Space => "party-space",
        PartyKind::Authority => "party-authority",
    }
}

/// Where staff read a party's record: a firm's page, a provider or space found by its
/// credit code in its register.
fn party_href(k: PartyKind, id: &str, code: &str) -> String {
    match k {
        PartyKind::Firm => format!("/firms/{id}"),
        PartyKind::Provider => format!("/providers?q={code}"),
        PartyKind::Space => format!("/spaces?q={code}"),
        PartyKind::Authority => String::new(),
    }
}

fn entry_json(e: &ListEntry) -> serde_json::Value {
    serde_json::json!({
        "id": e.id, "credit_code": e.credit_code, "name": e.name,
        "list": list_words(e.list_type), "listed_on": e.listed_on.to_string(),
        "until_on": e.until_on.map(|d| d.to_string()), "source": e.source, "in_force": e.in_force,
    })
}

pub(super) fn hold_json(h: &HoldView) -> serde_json::Value {
    serde_json::json!({
        "party_kind": h.party_kind.as_str(), "party": party_words(h.party_kind),
        "party_id": h.party_id, "party_name": h.party_name,
        "href": party_href(h.party_kind, &h.party_id, &h.entry.credit_code),
        "entry": entry_json(&h.entry),
        "cleared": h.cleared.as_ref().map(|c| serde_json::json!({
            "reason": c.reason, "at": local_time(c.cleared_at),
        })),
        "form": format!("clear-{}-{}", h.entry.id.as_deref().unwrap_or(""), h.party_id),
    })
}

fn import_json(i: &ImportView) -> serde_json::Value {
    let list = |v: &Option<Vec<ListEntry>>| -> Vec<serde_json::Value> {
        v.iter().flatten().map(entry_json).collect()
    };
    let holds = |v: &Option<Vec<HoldView>>| -> Vec<serde_json::Value> {
        v.iter().flatten().map(hold_json).collect()
    };
    serde_json::json!({
        "id": i.id, "file_name": i.file_name, "status": i.status.as_str(),
        "status_text": import_words(i.status), "pending": i.status == ImportStatus::Pending,
        "row_count": i.row_count, "added_count": i.added_count,
        "removed_count": i.removed_count, "changed_count": i.changed_count,
        "created_at": local_time(i.created_at), "decided_at": i.decided_at.map(local_time),
        "added": list(&i.added), "removed": list(&i.removed), "changed": list(&i.changed),
        "holds_placed": holds(&i.holds_placed), "holds_lifted": holds(&i.holds_lifted),
    })
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

/// Staff: the register, its holds and uploads; the admin uploads a list here.
#[get("/screening")]
async fn register_page(state: State, req: HttpRequest, q: web::Query<SearchQuery>) -> Answer {
    let d = open!(state, req, STAFF);
    let q = q.into_inner().q.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    Ok(register_view(&state, &d, q, &Form::none(), StatusCode::OK).await?)
}

async fn register_view(
    state: &State,
    d: &Desk,
    q: Option<String>,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let asked = q.clone();
    let (reg, found) = db(state, move |c| {
        let reg = svc::register(c, now)?;
        let found = match &asked {
            Some(q) => Some(svc::search(c, q, now)?),
            None => None,
        };
        Ok((reg, found))
    })
    .await?;
    let counts: Vec<_> = reg
        .counts
        .iter()
        .map(|c| serde_json::json!({"list": list_words(c.list_type), "entries": c.entries}))
        .collect();
    let holds: Vec<_> = reg.holds.iter().map(hold_json).collect();
    let imports: Vec<_> = reg.imports.iter().map(import_json).collect();
    let found: Option<Vec<_>> = found.map(|f| f.iter().map(entry_json).collect());
    let role = d.s.caller.role;
    d.render(
        state,
        Screen { template: "screening.html", path: "/screening", title: "screening-lists" },
        context! {
            applied => reg.applied.as_ref().map(|a| val(import_json(a))),
            counts => val(&counts), holds => val(&holds), imports => val(&imports),
            q => q, found => found.map(val),
            may_upload => role == Role::Admin,
            may_clear => matches!(role, Role::Reviewer | Role::Admin),
        },
        form,
        status,
    )
}

/// The admin uploads a list file: refused whole (every bad row said) or kept as a
/// preview, which opens.
#[post("/screening/imports")]
async fn upload(state: State, req: HttpRequest, parts: Multipart) -> Answer {
    let d = open!(state, req, &[Role::Admin]);
    let too_large = AppError::of(ErrorCode::FileTooLarge).arg_each(
        "max",
        svc::MAX_FILE_BYTES >> 20,
        svc::MAX_FILE_BYTES,
    );
    let (p, read) = super::desk::read_multipart(
        parts,
        svc::MAX_FILE_BYTES as u64,
        too_large,
        state.files.upload_timeout,
    )
    .await;
    let (file, refusal) = match read {
        Ok(f) => (f.unwrap_or_default(), None),
        Err(e) => ((String::new(), Vec::new()), Some(e)),
    };
    let ctx = state.context(d.actor());
    let r = match refusal.map_or_else(|| d.guard(&req, &p), Err) {
        Err(e) => Err(e),
        Ok(()) => {
            let (name, bytes) = file;
            db(&state, move |c| svc::preview(c, ctx.cx(), &name, &bytes)).await
        }
    };
    match r {
        Ok(i) => Ok(d.done(&state, &format!("/screening/imports/{}", i.id), "list-previewed")),
        Err(e) => {
            let f = d.failed("upload", &p, &e, &[]);
            Ok(register_view(&state, &d, None, &f, e.kind.status()).await?)
        }
    }
}

/// One upload: its preview with the buttons to apply or discard it, or what it did.
#[get("/screening/imports/{id}")]
async fn import_page(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let id: ScreeningImportId = typed_id(&path)?;
    let d = open!(state, req, STAFF);
    Ok(import_view(&state, &d, &id, &Form::none(), StatusCode::OK).await?)
}

async fn import_view(
    state: &State,
    d: &Desk,
    id: &ScreeningImportId,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (iid, now) = (id.clone(), state.clock.now());
    let i = db(state, move |c| svc::get(c, &iid, now)).await?;
    d.render(
        state,
        Screen { template: "screening_import.html", path: "/screening", title: "screening-import" },
        context! {
            i => val(import_json(&i)),
            may_decide => d.s.caller.role == Role::Admin && i.status == ImportStatus::Pending,
        },
        form,
        status,
    )
}

#[post("/screening/imports/{id}/apply")]
async fn apply(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    decide(state, req, path, p, Decision::Apply).await
}

#[post("/screening/imports/{id}/discard")]
async fn discard(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    decide(state, req, path, p, Decision::Discard).await
}

#[derive(Clone, Copy, PartialEq)]
enum Decision {
    Apply,
    Discard,
}

async fn decide(
    state: State,
    req: HttpRequest,
    path: Path<String>,
    p: Posted,
    how: Decision,
) -> Answer {
    let id: ScreeningImportId = typed_id(&path)?;
    let d = open!(state, req, &[Role::Admin]);
    let iid = id.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |_| Ok(()),
            move |c, (), a| {
                let cx = a.cx();
                if how == Decision::Apply {
                    svc::apply(c, cx, &iid)
                } else {
                    svc::discard(c, cx, &iid)
                }
            },
        )
        .await
        .map(|_| {
            if how == Decision::Apply {
                ("/screening".to_string(), "list-applied")
            } else {
                ("/screening".to_string(), "list-discarded")
            }
        });
    let (st, dk, id) = (&state, &d, &id);
    d.answer(
        st,
        r,
        "decide",
        &p,
        &[],
        move |f, s| async move { import_view(st, dk, id, &f, s).await },
    )
    .await
}

#[derive(Debug, Deserialize)]
struct ClearForm {
    party_kind: PartyKind,
    party_id: String,
    reason: String,
}

/// A reviewer clears an entry for one party, as a false match.
#[post("/screening/entries/{id}/clearances")]
async fn clear(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let id: ScreeningEntryId = typed_id(&path)?;
    let d = open!(state, req, &[Role::Reviewer, Role::Admin]);
    let form_id = format!("clear-{}-{}", path.as_str(), p.get("party_id"));
    let eid = id.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |p| {
                p.input::<ClearForm>(&Shape::TEXT).map(|f| ClearInput {
                    party_kind: f.party_kind,
                    party_id: f.party_id,
                    reason: f.reason,
                })
            },
            move |c, i, a| {
                let cx = a.cx();
                svc::clear(c, cx, &eid, &i)
            },
        )
        .await
        .map(|_| ("/screening".to_string(), "match-cleared"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, &form_id, &p, &[], move |f, s| async move {
        register_view(st, dk, None, &f, s).await
    })
    .await
}
