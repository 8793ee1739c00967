//! 证明材料: a firm, provider or space uploads its business licence and certificates
//! (with number and validity) for the reviewer, and sees what it uploaded; the party and
//! the staff who read documents open each one inline.

use super::desk::Screen;
use super::desk::{Desk, Form, Posted};
use super::orders::open;
use super::{local_time, val};
use crate::domain::id::AnyParty;
use crate::domain::party::DocumentKind;
use crate::domain::{PartyKind, Role};
use crate::error::AppError;
use crate::http::Answer;
use crate::http::{db, State};
use crate::services::documents::{self as svc, DocumentInput, DocumentView, Reader};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page).service(upload).service(file);
}

const PARTIES: &[Role] = &[Role::Firm, Role::Provider, Role::Space];
const READERS: &[Role] =
    &[Role::Firm, Role::Provider, Role::Space, Role::Reviewer, Role::Finance, Role::Auditor];

/// A document as a page shows it: the kind by name, dates in China time, the size.
pub(super) fn shown(d: &DocumentView) -> serde_json::Value {
    json!({
        "id": d.id, "kind": d.kind.as_str(), "kind_text": super::i18n::document_kind(d.kind),
        "certificate_no": d.certificate_no,
        "valid_from": d.valid_from.map(|x| x.to_string()),
        "valid_until": d.valid_until.map(|x| x.to_string()),
        "expired": d.expired, "file_name": d.file_name,
        "size_kib": (d.size_bytes + 1023) / 1024,
        "uploaded_at": local_time(d.uploaded_at),
    })
}

fn party_of(d: &Desk) -> Result<AnyParty, AppError> {
    match &d.s.caller.party {
        Some(p) if !matches!(p, AnyParty::Authority(_)) => Ok(p.clone()),
        _ => Err(AppError::forbidden()),
    }
}

async fn view(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let party = party_of(d)?;
    let kind = party.kind();
    let now = state.clock.now();
    let caller = d.s.caller.clone();
    let docs = db(state, move |c| svc::of_party(c, Reader::of(&caller), &party, now)).await?;
    let kinds: Vec<(&str, &str)> = std::iter::once(("", "choose"))
        .chain(
            DocumentKind::for_party(kind)
                .iter()
                .map(|k| (k.as_str(), super::i18n::document_kind(*k))),
        )
        .collect();
    let has_licence = docs.iter().any(|x| x.kind == DocumentKind::BusinessLicence);
    let items: Vec<serde_json::Value> = docs.iter().map(shown).collect();
    d.render(
        state,
        Screen { template: "documents.html", path: "/documents", title: "documents-3" },
        context! {
            items => val(items), kinds => kinds, has_licence => has_licence,
            is_firm => kind == PartyKind::Firm, is_provider => kind == PartyKind::Provider,
        },
        form,
        status,
    )
}

#[get("/documents")]
async fn page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, PARTIES);
    Ok(view(&state, &d, &Form::none(), StatusCode::OK).await?)
}

fn input_of(p: &Posted, name: &str) -> DocumentInput {
    let opt = |k: &str| Some(p.get(k).to_string()).filter(|v| !v.trim().is_empty());
    DocumentInput {
        kind: p.get("kind").to_string(),
        certificate_no: opt("certificate_no"),
        valid_from: opt("valid_from"),
        valid_until: opt("valid_until"),
        name: Some(name.to_string()).filter(|n| !n.is_empty()),
    }
}

#[post("/documents")]
async fn upload(state: State, req: HttpRequest, parts: Multipart) -> Answer {
    let d = open!(state, req, PARTIES);
    let party = party_of(&d)?;
    let (p, sent) = d.upload(&state, &req, parts).await;
    let result = match sent {
        Err(e) => Err(e),
        Ok((name, bytes)) => {
            let input = input_of(&p, &name);
            let (files, ctx) = (state.files.clone(), state.context(d.actor()));
            db(&state, move |c| svc::upload(c, ctx.cx(), &files, &party, &input, &bytes)).await
        }
    };
    match result {
        Ok(_) => Ok(d.done(&state, "/documents", "uploaded")),
        Err(e) => {
            let f = d.failed("document", &p, &e, &super::desk::FILE_ERRORS);
            Ok(view(&state, &d, &f, e.kind.status()).await?)
        }
    }
}

/// One document, inline: the party's own, or any for reviewers, finance and auditors.
#[get("/documents/{id}")]
async fn file(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let id = crate::http::typed_id::<crate::domain::id::DocumentId>(&path)?;
    let d = open!(state, req, READERS);
    let (files, caller) = (state.files.clone(), d.s.caller.clone());
    let (row, bytes) = db(&state, move |c| svc::read(c, &files, Reader::of(&caller), &id)).await?;
    Ok(super::guide::inline_file(&row.media_type, &row.file_name, bytes))
}
