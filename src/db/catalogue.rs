//! The service catalogue.

use super::models::ServiceItemRow;
use super::schema::{providers, service_items};
use super::DbConnection;
use super::{holding, lower};
use crate::domain::id::{ProviderId, ServiceItemId};
use crate::domain::listing::{Filter, Sort};
use diesel::prelude::*;

pub fn insert(conn: &mut DbConnection, row: &ServiceItemRow) -> QueryResult<()> {
    diesel::insert_into(service_items::table).values(row).execute(conn).map(|_| ())
}

pub fn update(conn: &mut DbConnection, row: &ServiceItemRow) -> QueryResult<usize> {
    diesel::update(service_items::table.find(&row.id)).set(row).execute(conn)
}

pub fn get(conn: &mut DbConnection, id: &ServiceItemId) -> QueryResult<Option<ServiceItemRow>> {
    service_items::table.find(id).first(conn).optional()
}

/// Which services a list reads: of providers in a listing state (the catalogue: listed
/// ones), offered or withdrawn, of one category or provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    pub listing_status: Option<&'a str>,
    /// Offered (`true`) or withdrawn (`false`); none: either.
    pub active: Option<bool>,
    pub category: Option<&'a str>,
    pub provider_id: Option<&'a ProviderId>,
}

/// Services in `scope`, with the provider's name: words in the title, the description or
/// the provider's name; published on the days `f` gives; newest, oldest, by title,
/// cheapest or dearest first.
pub fn items<S>(
    conn: &mut DbConnection,
    scope: Scope<'_>,
    f: &Filter<S>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(ServiceItemRow, String)>, i64)> {
    let Scope { listing_status, active, category, provider_id } = scope;
    let base = || {
        let mut q = service_items::table.inner_join(providers::table).into_boxed();
        if let Some(a) = active {
            q = q.filter(service_items::active.eq(a));
        }
        if let Some(l) = listing_status {
            q = q.filter(providers::listing_status.eq(l.to_string()));
        }
        if let Some(c) = category {
            q = q.filter(service_items::category.eq(c.to_string()));
        }
        if let Some(p) = provider_id {
            q = q.filter(service_items::provider_id.eq(p.to_string()));
        }
        if let Some(w) = &f.words {
            let p = holding(w);
            q = q.filter(
                lower(service_items::title)
                    .like(p.clone())
                    .escape('\\')
                    .or(lower(service_items::description).like(p.clone()).escape('\\'))
                    .or(lower(providers::name).like(p).escape('\\')),
            );
        }
        if let Some(t) = f.from {
            q = q.filter(service_items::created_at.ge(t));
        }
        if let Some(t) = f.before {
            q = q.filter(service_items::created_at.lt(t));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let ordered = match f.sort {
        Sort::Oldest => base().order(service_items::id.asc()),
        Sort::Name => base().order((service_items::title.asc(), service_items::id.asc())),
        Sort::Cheapest => {
            base().order((service_items::list_price_fen.asc(), service_items::id.asc()))
        }
        Sort::Largest => {
            base().order((service_items::list_price_fen.desc(), service_items::id.asc()))
        }
        Sort::Newest => base().order(service_items::id.desc()),
    };
    let rows = ordered
        .select((service_items::all_columns, providers::name))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}
