//! Work lists on pages, the same way everywhere: a list's records as the table of cells
//! its view declares ([`Row`], beside the view in `services`), shown with the filter
//! form, the total, the pager and the downloads (`lists.html`); a download is the whole
//! filtered list as the API's `format=csv|xlsx` gives it, so a file says what the page
//! says. A page declares its states, orders and tabs ([`Spec`]).

use super::desk::{Desk, Form, Posted, Screen};
use crate::domain::listing::{Filter, Sort};
use crate::error::AppError;
use crate::http::{db, State};
use crate::services::listing::{everything, file, Cell, Fetch, ListQuery, Row};
use crate::services::settlement::FileFormat;
use crate::services::Page;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use minijinja::context;

/// A list page's question from its address: the list's parts, and nothing else (the
/// note a page is sent back with after a change, `done=…`, is the page's own).
pub(super) fn asked(req: &actix_web::HttpRequest) -> Result<ListQuery, AppError> {
    asked_from(req.query_string())
}

/// A list's question from a query string (see [`asked`]).
pub(super) fn asked_from(query: &str) -> Result<ListQuery, AppError> {
    const PARTS: &[&str] =
        &["page", "per_page", "status", "q", "from", "to", "sort", "format", "lang"];
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|e| AppError::of(crate::error::ErrorCode::InvalidQuery).arg("reason", e))?;
    let kept: Vec<(String, String)> =
        pairs.into_iter().filter(|(k, _)| PARTS.contains(&k.as_str())).collect();
    let text = serde_urlencoded::to_string(kept).unwrap_or_default();
    serde_urlencoded::from_str(&text)
        .map_err(|e| AppError::of(crate::error::ErrorCode::InvalidQuery).arg("reason", e))
}

/// A cell as a page shows it: amounts with thousands separators.
fn shown(c: &Cell, en: bool) -> serde_json::Value {
    let num = matches!(c, Cell::Money(_) | Cell::Count(_));
    let text = match c {
        Cell::Money(f) => super::yuan(*f),
        other => other.filed(en),
    };
    serde_json::json!({"text": text, "num": num, "tag": matches!(c, Cell::Words(_))})
}

/// A list's page: where it is, what it is called, what its search finds, its states
/// (value, message key) and orders, and the pages beside it (path, message key) shown
/// as tabs.
pub(crate) struct Spec<S: 'static> {
    pub path: &'static str,
    pub title: &'static str,
    /// The search field's hint (message key): what the words are looked for in.
    pub search_hint: &'static str,
    pub statuses: &'static [(&'static str, &'static str)],
    pub parse: fn(&str) -> Option<S>,
    pub sorts: &'static [Sort],
    pub tabs: &'static [(&'static str, &'static str)],
}

/// Records a list page shows.
pub(crate) const SHOWN: i64 = 50;

fn sort_key(s: Sort) -> &'static str {
    match s {
        Sort::Newest => "newest-first",
        Sort::Oldest => "oldest-first",
        Sort::Name => "by-name",
        Sort::Largest => "largest-first",
        Sort::Cheapest => "cheapest-first",
        Sort::Rated => "best-rated-first",
    }
}

/// The filter's context for `lists.html`'s macros: the parts given (to refill the
/// form), the query string links carry, the menus.
pub(crate) fn filter_context<S>(spec: &Spec<S>, q: &ListQuery) -> minijinja::Value {
    let sel = |v: &Option<String>| v.clone().unwrap_or_default();
    let sorts: Vec<(&str, &str)> = spec.sorts.iter().map(|s| (s.as_str(), sort_key(*s))).collect();
    context! {
        action => spec.path, hint => spec.search_hint,
        statuses => super::val(spec.statuses), sorts => sorts,
        query => serde_urlencoded::to_string(q.given()).unwrap_or_default(),
        sel => context! {
            q => sel(&q.q), status => sel(&q.status), from => sel(&q.from), to => sel(&q.to),
            sort => sel(&q.sort),
        },
    }
}

/// A page that shows a list its own way (with actions or forms beside it): the filter
/// judged and the page asked for; a bad filter gives every record's first page and the
/// form refused beside its fields.
pub(super) fn judged<S>(
    d: &Desk,
    spec: &Spec<S>,
    q: &ListQuery,
) -> (Filter<S>, Page, Option<Form>) {
    judged_by(d, spec, q, SHOWN)
}

/// [`judged`], `shown` records a page.
pub(super) fn judged_by<S>(
    d: &Desk,
    spec: &Spec<S>,
    q: &ListQuery,
    shown: i64,
) -> (Filter<S>, Page, Option<Form>) {
    let asked = q
        .filter(spec.parse, spec.sorts)
        .and_then(|f| Ok((f, crate::http::page(q.page, Some(shown))?)));
    match asked {
        Ok((f, page)) => (f, page, None),
        Err(e) => {
            let given = Posted(q.given().into_iter().map(|(k, v)| (k.to_string(), v)).collect());
            let form = d.failed("filter", &given, &e, &[("status_unknown", "status")]);
            (Filter::default(), Page { page: 1, per_page: shown }, Some(form))
        }
    }
}

/// The form a list page with a form of its own shows: one that came back refused, else
/// the filter's refusal ([`judged`]) beside its fields.
pub(super) fn shown_form<'a>(
    refused: &'a Option<Form>,
    form: &'a Form,
    status: StatusCode,
) -> (&'a Form, StatusCode) {
    match refused {
        Some(f) if form.id.is_empty() => (f, StatusCode::UNPROCESSABLE_ENTITY),
        _ => (form, status),
    }
}

/// The pages a list of `total` records takes.
pub(super) fn pages(total: i64) -> i64 {
    pages_of(total, SHOWN)
}

/// The pages a list of `total` records takes, `shown` a page.
pub(super) fn pages_of(total: i64, shown: i64) -> i64 {
    ((total + shown - 1) / shown).max(1)
}

/// A list's page: the filter form, the total with the downloads, the table, the pager.
/// A bad filter comes back beside its field (422) with no rows.
pub(super) async fn page<R, S, F>(
    state: &State,
    d: &Desk,
    spec: &'static Spec<S>,
    q: ListQuery,
    fetch: F,
) -> Result<HttpResponse, AppError>
where
    R: Row + Send + 'static,
    S: Send + 'static,
    F: Fetch<R, S>,
{
    let q = q.without_blanks();
    let asked = q.filter(spec.parse, spec.sorts).and_then(|f| {
        let page = crate::http::page(q.page, Some(SHOWN))?;
        Ok((f, page))
    });
    let found = match asked {
        Ok((f, page)) => db(state, move |c| crate::db::read_tx(c, |c| fetch(c, &f, page))).await,
        Err(e) => Err(e),
    };
    let posted = Posted(q.given().into_iter().map(|(k, v)| (k.to_string(), v)).collect());
    let (list, form) = match found {
        Ok(list) => (Some(list), Form::none()),
        Err(e) => (None, d.failed("filter", &posted, &e, &[("status_unknown", "status")])),
    };
    let status = if list.is_some() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let en = d.en();
    let (rows, total, page_no) = match &list {
        Some(l) => (
            l.items
                .iter()
                .map(|r| {
                    let cells: Vec<_> =
                        r.cells(&state.policy, en).iter().map(|c| shown(c, en)).collect();
                    serde_json::json!({"href": r.href(), "cells": cells})
                })
                .collect::<Vec<_>>(),
            l.total,
            l.page,
        ),
        None => (Vec::new(), 0, 1),
    };
    d.render(
        state,
        Screen { template: "list.html", path: spec.path, title: spec.title },
        context! {
            list => filter_context(spec, &q), tabs => super::val(spec.tabs),
            columns => super::val(R::COLUMNS), rows => super::val(&rows), total => total,
            page => page_no, pages => pages(total),
        },
        &form,
        status,
    )
}

/// A list page's download: the whole filtered list as CSV or XLSX in the reader's
/// language.
pub(super) async fn export<R, S, F>(
    state: &State,
    d: &Desk,
    spec: &'static Spec<S>,
    q: ListQuery,
    fetch: F,
) -> Result<HttpResponse, AppError>
where
    R: Row + Send + 'static,
    S: Send + 'static,
    F: Fetch<R, S>,
{
    let q = q.without_blanks();
    let format = q.file()?.unwrap_or(FileFormat::Csv);
    let f = q.filter(spec.parse, spec.sorts)?;
    let (policy, en) = (state.policy.clone(), d.en());
    let bytes = db(state, move |c| {
        let list = crate::db::read_tx(c, |c| fetch(c, &f, everything()))?;
        file(&list.items, &policy, en, format)
    })
    .await?;
    Ok(crate::http::handlers::lists::downloaded::<R>(bytes, format))
}
