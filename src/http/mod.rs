//! JSON API under `/api/v1`, plus `/health`, `/ready`, `/metrics` and the OpenAPI
//! document. Handlers are thin: parse, call one service, shape the answer.

pub mod extract;
pub mod handlers;
pub mod metrics;
pub mod openapi;

use crate::clock::Clock;
use crate::db::{DbConnection, Pool};
use crate::domain::Policy;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::auth::AuthConfig;
use crate::services::Page;
use actix_web::{web, HttpRequest, HttpResponse};
use std::sync::Arc;

pub struct AppState {
    pub pool: Pool,
    pub policy: Arc<Policy>,
    pub auth: Arc<AuthConfig>,
    pub clock: Clock,
    pub metrics: metrics::Metrics,
    pub claims: crate::claim::ClaimEngine,
    pub user_states: extract::UserStates,
    /// Email templates: use cases that notify render into the outbox with them.
    pub mail: Arc<crate::notify::Templates>,
    /// Evidence files.
    pub files: Arc<crate::files::FileStore>,
    /// The job runner (scheduled jobs, and jobs run by hand).
    pub jobs: Arc<crate::jobs::Runner>,
    /// Page session cookies carry `Secure` (the production profile).
    pub secure_cookies: bool,
    /// The deployment's public face (`[site]`): every page's header and footer.
    pub site: Arc<crate::config::SiteSettings>,
    /// SQLite: the database file and the free space below which the service is not ready
    /// (`database.sqlite_min_free_bytes`).
    pub sqlite_space: Option<(std::path::PathBuf, u64)>,
    /// The authority's overviews of the last minute.
    pub overviews: Arc<crate::services::dashboard::Recent>,
}

pub type State = web::Data<AppState>;

/// What a handler answers: a response, or an error rendered as problem+json.
pub type Answer = actix_web::Result<HttpResponse>;

/// A JSON body whose errors are reported only after authorisation: an extractor
/// for the caller runs first, so a caller without the right role learns nothing
/// about the body and always gets 401/403.
pub type JsonBody<T> = Result<extract::Json<T>, actix_web::Error>;

/// Runs a use case on the blocking pool with a pooled connection.
impl AppState {
    /// The context of a use case `actor` runs now.
    pub fn context(&self, actor: crate::services::Actor) -> crate::services::Context {
        crate::services::Context {
            now: self.clock.now(),
            actor,
            policy: self.policy.clone(),
            templates: self.mail.clone(),
        }
    }
}

pub async fn db<T, F>(state: &AppState, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
{
    crate::services::on_pool(&state.pool, f).await
}

pub use crate::services::listing::ListQuery;

/// A validated page request from `page` (default 1) and `per_page` (default 20, at most 100).
pub fn page(page: Option<i64>, per_page: Option<i64>) -> AppResult<Page> {
    Page::asked(page, per_page)
}

/// An optional JSON body: empty (or only whitespace) is `None`.
pub fn optional_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> AppResult<Option<T>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    // JSON `null` is no body too.
    serde_json::from_slice::<Option<T>>(body)
        .map_err(|e| AppError::of(ErrorCode::InvalidJson).arg("reason", e))
}

/// A path id: anything that is not a UUID names nothing, so it is simply not found.
pub fn path_id(raw: &str, what: &'static str) -> AppResult<String> {
    crate::domain::parse_id(raw).ok_or_else(|| AppError::not_found(what))
}

/// A typed id from a path segment, where a handler reads it after its own checks (a
/// page asks who is signed in first): anything but a UUID is "not found".
pub fn typed_id<T: crate::domain::id::EntityId>(raw: &str) -> AppResult<T> {
    T::parse(raw).ok_or_else(|| AppError::not_found(T::WHAT))
}

/// The id of one request: returned in `x-request-id`, logged, and kept in the audit trail.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    pub fn new() -> Self {
        RequestId(uuid::Uuid::new_v4().to_string())
    }
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

pub fn request_id(req: &HttpRequest) -> Option<String> {
    use actix_web::HttpMessage;
    req.extensions().get::<RequestId>().map(|r| r.0.clone())
}

pub fn remote_addr(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// JSON, query and path errors as problem+json.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(|err, _req| {
        use actix_web::error::JsonPayloadError as J;
        let e = match &err {
            J::OverflowKnownLength { .. } | J::Overflow { .. } => {
                AppError::of(ErrorCode::BodyTooLarge)
            }
            J::ContentType => AppError::of(ErrorCode::ContentTypeUnsupported),
            J::Deserialize(d) => AppError::of(ErrorCode::InvalidJson).arg("reason", d),
            other => AppError::of(ErrorCode::BodyUnreadable).arg("what", other),
        };
        e.into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req| AppError::of(ErrorCode::InvalidQuery).arg("reason", err).into())
}

/// Refuses a request whose path or query holds a NUL character (`%00`; a raw NUL never
/// gets past the HTTP parser) before any handler sees it, with `nul_character`.
pub fn url_holds_nul(req: &actix_web::dev::ServiceRequest) -> bool {
    // A URI cannot carry a raw NUL; it can carry one escaped.
    let has = |s: &str| s.contains("%00");
    has(req.uri().path()) || has(req.query_string())
}

/// The most a page's form (`application/x-www-form-urlencoded`) may send; the form
/// extractor takes 16 KiB, so nothing a page sends comes near it.
const FORM_BODY_LIMIT: usize = 1024 * 1024;

/// No NUL in a page's form reaches a handler: a form body holding one (raw or as `%00`)
/// is refused with 400 `nul_character` before any field is read, on either backend
/// (PostgreSQL cannot store one; SQLite would). Other bodies are left to their own
/// extractors (JSON walks its values; files are bytes).
pub async fn refuse_nul_in_forms(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    use futures_util::StreamExt;
    let form = req.content_type() == "application/x-www-form-urlencoded";
    if form {
        let mut payload = req.take_payload();
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > FORM_BODY_LIMIT {
                let e = AppError::of(ErrorCode::FormTooLarge);
                return Ok(req.error_response(e));
            }
            body.extend_from_slice(&chunk);
        }
        let nul = body.contains(&0)
            || body.windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0');
        if nul {
            return Ok(req.error_response(AppError::nul_character()));
        }
        req.set_payload(actix_web::dev::Payload::from(body.freeze()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// A path segment that does not parse (a typed id that is not a UUID, say) names
/// nothing: "not found", naming the record when the id's type says which.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        let what = crate::domain::id::what_of(&err.to_string()).unwrap_or("record");
        AppError::not_found(what).into()
    })
}

/// A request body that is a file (evidence, a party's document): refused before reading
/// when its declared length is over `data.max_upload_bytes`, and when it is longer or
/// does not arrive within `data.upload_timeout_secs`.
pub async fn file_body(
    state: &State,
    req: &actix_web::HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<web::Bytes> {
    use crate::services::evidence::{too_large, upload_timed_out};
    let max = state.files.max_bytes;
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large(max).into());
    }
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    let wait = state.files.upload_timeout;
    match tokio::time::timeout(wait, payload.to_bytes_limited(limit)).await {
        Err(_) => Err(upload_timed_out(wait.as_secs()).into()),
        Ok(Ok(read)) => Ok(read?),
        Ok(Err(_)) => Err(too_large(max).into()),
    }
}

/// A stored file (evidence, a party's document) as a download: its checked media type,
/// its name as given (RFC 5987), never sniffed, never cached.
pub fn stored_file_download(media_type: &str, file_name: &str, bytes: Vec<u8>) -> HttpResponse {
    use actix_web::http::header::{
        self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
    };
    HttpResponse::Ok()
        .content_type(media_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: file_name.as_bytes().to_vec(),
            })],
        })
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}
