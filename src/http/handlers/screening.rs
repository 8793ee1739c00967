//! Screening lists (名单筛查): the admin uploads a list file, reads the preview and
//! applies or discards it; staff read the register and the holds; reviewers clear false
//! matches; a party reads its own holds.

use super::{act, act_created, read};
use crate::domain::id::{ScreeningEntryId, ScreeningImportId};
use crate::error::{AppError, ErrorCode, Problem};
use crate::http::extract::{AdminRole, Auth, PartyRole, Reviewing, StaffRead};
use crate::http::{Answer, JsonBody, State};
use crate::services::screening::{
    self as svc, ClearInput, HoldView, ImportView, ListEntry, Register, MAX_FILE_BYTES,
};
use actix_web::web::Path;
use actix_web::{get, post, web};

/// The register: entries by list, every party an entry in force names (held, or
/// cleared by a reviewer), the import it stands at and the latest uploads.
#[utoipa::path(get, path = "/api/v1/screening", tag = "screening", security(("bearer" = [])), responses(
    (status = 200, body = Register),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/screening")]
pub async fn register(state: State, _auth: Auth<StaffRead>) -> Answer {
    let now = state.clock.now();
    read(&state, move |c| svc::register(c, now)).await
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    /// Part of a credit code or a name; none lists the first 100 entries.
    #[param(max_length = 100)]
    pub q: Option<String>,
}

/// Entries on the register whose credit code or name holds `q` (at most 100, by
/// credit code).
#[utoipa::path(get, path = "/api/v1/screening/entries", tag = "screening", params(EntriesQuery), security(("bearer" = [])), responses(
    (status = 200, body = Vec<ListEntry>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/screening/entries")]
pub async fn entries(state: State, _auth: Auth<StaffRead>, q: web::Query<EntriesQuery>) -> Answer {
    let now = state.clock.now();
    let q = q.into_inner().q.unwrap_or_default();
    if q.chars().count() > 100 {
        let mut e = crate::domain::validation::FieldErrors::new();
        e.add("q", ErrorCode::TooLong, "查找内容最多 100 个字", "at most 100 characters");
        return Err(AppError::validation(e).into());
    }
    read(&state, move |c| svc::search(c, &q, now)).await
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name; one ending in `.xlsx` (or a body that is one) is read as XLSX,
    /// anything else as UTF-8 CSV.
    #[param(max_length = 200)]
    pub file_name: Option<String>,
}

/// Upload a screening list (CSV in UTF-8 or XLSX, first sheet; header: 统一社会信用代码,
/// 名称, 名单类型, 列入日期, 移出日期 (optional), 来源, or the English names
/// credit_code, name, list_type, listed_on, until_on, source). The file is the whole
/// register as it stands. Nothing changes yet: the answer is the preview (entries added,
/// removed, changed; parties to be held and freed) to apply or discard. A file with any
/// bad row is refused whole, every problem named by its line.
#[utoipa::path(post, path = "/api/v1/screening/imports", tag = "screening", params(UploadQuery),
    request_body(content = String, content_type = "text/csv"), security(("bearer" = [])), responses(
    (status = 201, body = ImportView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/screening/imports")]
pub async fn upload(
    state: State,
    auth: Auth<AdminRole>,
    q: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Answer {
    let body = match payload.to_bytes_limited(MAX_FILE_BYTES).await {
        Ok(read) => read?,
        Err(_) => {
            return Err(AppError::of(ErrorCode::FileTooLarge)
                .arg_each("max", MAX_FILE_BYTES >> 20, MAX_FILE_BYTES)
                .into())
        }
    };
    let name = q.into_inner().file_name.unwrap_or_default();
    act_created(&state, auth.actor, move |c, cx| svc::preview(c, cx, &name, &body)).await
}

/// One upload: for a pending one, what applying it would change now; for an applied
/// one, what it added and removed.
#[utoipa::path(get, path = "/api/v1/screening/imports/{id}", tag = "screening", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = ImportView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/screening/imports/{id}")]
pub async fn import(state: State, _auth: Auth<StaffRead>, path: Path<ScreeningImportId>) -> Answer {
    let now = state.clock.now();
    read(&state, move |c| svc::get(c, &path, now)).await
}

/// Apply a previewed upload: the register becomes what it lists, holds start and end
/// (each audited) and other pending uploads are superseded. Refused as stale when
/// another upload was applied after this one was previewed.
#[utoipa::path(post, path = "/api/v1/screening/imports/{id}/apply", tag = "screening", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = ImportView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/screening/imports/{id}/apply")]
pub async fn apply(state: State, auth: Auth<AdminRole>, path: Path<ScreeningImportId>) -> Answer {
    act(&state, auth.actor, move |c, cx| svc::apply(c, cx, &path)).await
}

/// Discard a previewed upload: nothing changes.
#[utoipa::path(post, path = "/api/v1/screening/imports/{id}/discard", tag = "screening", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, body = ImportView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/screening/imports/{id}/discard")]
pub async fn discard(state: State, auth: Auth<AdminRole>, path: Path<ScreeningImportId>) -> Answer {
    act(&state, auth.actor, move |c, cx| svc::discard(c, cx, &path)).await
}

/// A reviewer clears an entry for one party it names, as a false match, with the
/// reason: the party is no longer held by it.
#[utoipa::path(post, path = "/api/v1/screening/entries/{id}/clearances", tag = "screening", request_body = ClearInput, params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 201, body = HoldView),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/screening/entries/{id}/clearances")]
pub async fn clear(
    state: State,
    auth: Auth<Reviewing>,
    path: Path<ScreeningEntryId>,
    body: JsonBody<ClearInput>,
) -> Answer {
    let body = body?;
    act_created(&state, auth.actor, move |c, cx| svc::clear(c, cx, &path, &body)).await
}

/// The signed-in firm's, provider's or space's holds: each list it is on, the source
/// and the day it was listed. Empty when it is on none.
#[utoipa::path(get, path = "/api/v1/screening/holds/mine", tag = "screening", security(("bearer" = [])), responses(
    (status = 200, body = Vec<HoldView>),
    (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/screening/holds/mine")]
pub async fn mine(state: State, auth: Auth<PartyRole>) -> Answer {
    let now = state.clock.now();
    let party = auth.party()?.clone();
    read(&state, move |c| svc::holds_of_party(c, &party, now)).await
}
