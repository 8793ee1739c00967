//! Parties' documents for the reviewer: a firm, provider or space uploads its business
//! licence and certificates; it and reviewers, finance and auditors read them.

use super::act_created;
use crate::domain::id::{AnyParty, PartyId};
use crate::domain::PartyKind;
use crate::error::Problem;
use crate::http::extract::{Auth, DocumentRead, DocumentStaff, PartyRole};
use crate::http::Answer;
use crate::http::{db, path_id, State};
use crate::services::documents::{self as svc, DocumentInput, DocumentView, Reader};
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

/// Upload one document of the signed-in party (the request body is the file: PDF, JPEG
/// or PNG, checked by content; at most `data.max_upload_bytes`). Certificates need
/// their number, 高新技术企业 and 科技型中小企业 their validity; an expired certificate
/// is refused.
#[utoipa::path(post, path = "/api/v1/me/documents", tag = "registration", params(DocumentInput),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])), responses(
    (status = 201, body = DocumentView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/me/documents")]
pub async fn upload(
    state: State,
    auth: Auth<PartyRole>,
    q: web::Query<DocumentInput>,
    req: HttpRequest,
    payload: web::Payload,
) -> Answer {
    let party = auth.party()?.clone();
    let bytes = crate::http::file_body(&state, &req, payload).await?;
    let (files, input) = (state.files.clone(), q.into_inner());
    act_created(&state, auth.actor, move |c, cx| svc::upload(c, cx, &files, &party, &input, &bytes))
        .await
}

/// The signed-in party's documents, newest first.
#[utoipa::path(get, path = "/api/v1/me/documents", tag = "registration", security(("bearer" = [])), responses(
    (status = 200, body = Vec<DocumentView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/me/documents")]
pub async fn mine(state: State, auth: Auth<PartyRole>) -> Answer {
    let now = state.clock.now();
    let out = db(&state, move |c| {
        let party = auth.party()?;
        svc::of_party(c, Reader::of(&auth.caller), party, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

async fn of(state: State, auth: Auth<DocumentStaff>, kind: PartyKind, raw: &str) -> Answer {
    let party = AnyParty::of(kind, PartyId::stored(path_id(raw, kind.as_str())?));
    let now = state.clock.now();
    let out = db(&state, move |c| svc::of_party(c, Reader::of(&auth.caller), &party, now)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// A firm's documents (reviewers, finance, auditors).
#[utoipa::path(get, path = "/api/v1/firms/{id}/documents", tag = "firms", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = Vec<DocumentView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/firms/{id}/documents")]
pub async fn of_firm(state: State, auth: Auth<DocumentStaff>, path: Path<String>) -> Answer {
    of(state, auth, PartyKind::Firm, &path).await
}

/// A provider's documents (reviewers, finance, auditors).
#[utoipa::path(get, path = "/api/v1/providers/{id}/documents", tag = "providers", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = Vec<DocumentView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/providers/{id}/documents")]
pub async fn of_provider(state: State, auth: Auth<DocumentStaff>, path: Path<String>) -> Answer {
    of(state, auth, PartyKind::Provider, &path).await
}

/// A space's documents (reviewers, finance, auditors).
#[utoipa::path(get, path = "/api/v1/spaces/{id}/documents", tag = "spaces", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = Vec<DocumentView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/spaces/{id}/documents")]
pub async fn of_space(state: State, auth: Auth<DocumentStaff>, path: Path<String>) -> Answer {
    of(state, auth, PartyKind::Space, &path).await
}

/// Download one document (the party itself, reviewers, finance, auditors).
#[utoipa::path(get, path = "/api/v1/documents/{id}/file", tag = "registration", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, description = "the file, with its media type", content_type = "application/octet-stream"),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/documents/{id}/file")]
pub async fn download(
    state: State,
    auth: Auth<DocumentRead>,
    path: Path<crate::domain::id::DocumentId>,
) -> Answer {
    let files = state.files.clone();
    let (row, bytes) =
        db(&state, move |c| svc::read(c, &files, Reader::of(&auth.caller), &path)).await?;
    Ok(crate::http::stored_file_download(&row.media_type, &row.file_name, bytes))
}
