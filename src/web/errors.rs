//! Refusals and faults as pages: a browser that asks for a missing page, a record it may
//! not see, or gets a server fault or an unavailable service, is shown a page in its
//! language with the site's header and a way back, with the same status (and
//! `Retry-After`). The API, the health and metrics endpoints and the public data files
//! keep problem+json: only a response that is problem+json, to a request that accepts
//! HTML, for a path that is a page, is turned into one.

use super::{render, Chrome, Lang};
use crate::http::{RequestId, State};
use actix_web::body::{to_bytes, BoxBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpMessage, HttpRequest};
use minijinja::context;

/// Whether `req` is a person's browser asking for a page.
fn wants_page(req: &HttpRequest) -> bool {
    let path = req.path();
    let data = path.starts_with("/api/")
        || ["/health", "/ready", "/metrics"].contains(&path)
        || [".json", ".csv", ".xlsx"].iter().any(|e| path.ends_with(e));
    let html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    html && !data
}

/// The page's title and what it says, by status.
fn words(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        404 => ("page-not-found", "the-page-or-record-you-asked-for"),
        403 => ("not-allowed", "this-account-may-not-see-this-page"),
        401 => ("please-sign-in", "sign-in-first-then-carry-on"),
        429 => ("too-many-requests", "please-wait-a-moment-and-try-again"),
        503 => ("service-unavailable-for-a-moment", "the-system-is-busy-or-under-maintenance"),
        s if s >= 500 => ("something-went-wrong", "an-error-stopped-your-request-please-try"),
        _ => ("the-request-could-not-be-handled-2", "the-request-could-not-be-handled"),
    }
}

/// Turns a problem+json answer to a browser's page request into a page.
pub(crate) async fn as_page(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/problem+json"));
    if !(status.is_client_error() || status.is_server_error())
        || !is_problem
        || !wants_page(res.request())
    {
        return res;
    }
    let Some(state) = res.request().app_data::<State>().cloned() else {
        return res;
    };
    let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
    let (req, res) = res.into_parts();
    let body = to_bytes(res.into_body()).await.unwrap_or_default();
    let problem: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let lang = Lang::of_request(&req);
    let detail = problem
        .get(if lang.en() { "detail_en" } else { "detail" })
        .and_then(|d| d.as_str())
        .unwrap_or_default()
        .to_string();
    let (title, says) = words(status);
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let chrome = Chrome::of(&state, &req).await;
    // The fault's own words only for a refusal; a fault's detail is for the log.
    let detail = if status.is_client_error() && status != StatusCode::NOT_FOUND {
        detail
    } else {
        String::new()
    };
    let page = render(
        "error.html",
        req.path(),
        &lang,
        &chrome,
        title,
        context! { says => says, detail => detail, request_id => request_id, status => status.as_u16() },
    );
    match page {
        Ok(mut page) => {
            *page.status_mut() = status;
            if let Some(v) = retry_after {
                page.headers_mut().insert(header::RETRY_AFTER, v);
            }
            ServiceResponse::new(req, page)
        }
        Err(e) => ServiceResponse::new(req, actix_web::ResponseError::error_response(&e)),
    }
}
