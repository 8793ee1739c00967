//! The API's work lists: a page of records as JSON, or the whole filtered list as a file
//! ([`crate::services::listing`]).

use crate::domain::listing::Sort;
use crate::http::{db, State};
use crate::services::listing::{everything, file, ListQuery, Row};
use crate::services::settlement::FileFormat;
use actix_web::HttpResponse;

/// An API list: a page of `fetch`'s records as JSON, or with `format=csv|xlsx` the whole
/// filtered list as a file (`lang=en` for English).
pub async fn answer<R, S, F>(
    state: &State,
    q: ListQuery,
    parse: fn(&str) -> Option<S>,
    sorts: &'static [Sort],
    fetch: F,
) -> actix_web::Result<HttpResponse>
where
    R: Row + serde::Serialize + Send + 'static,
    S: Send + 'static,
    F: crate::services::listing::Fetch<R, S>,
{
    let f = q.filter(parse, sorts)?;
    // The page asked for is judged for a file too (the document bounds it either way).
    let page = q.page()?;
    match q.file()? {
        None => {
            let list = db(state, move |c| crate::db::read_tx(c, |c| fetch(c, &f, page))).await?;
            Ok(HttpResponse::Ok().json(list))
        }
        Some(format) => {
            let (policy, en) = (state.policy.clone(), q.en());
            let bytes = db(state, move |c| {
                let list = crate::db::read_tx(c, |c| fetch(c, &f, everything()))?;
                file(&list.items, &policy, en, format)
            })
            .await?;
            Ok(downloaded::<R>(bytes, format))
        }
    }
}

pub(crate) fn downloaded<R: Row>(bytes: Vec<u8>, format: FileFormat) -> HttpResponse {
    let ext = if format == FileFormat::Csv { "csv" } else { "xlsx" };
    super::settlement::attachment(bytes, format, &format!("{}.{ext}", R::FILE), None)
}
