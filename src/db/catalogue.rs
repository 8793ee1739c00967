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

pub fn of_provider(
    conn: &mut DbConnection,
    provider_id: &ProviderId,
) -> QueryResult<Vec<ServiceItemRow>> {
    service_items::table
        .filter(service_items::provider_id.eq(provider_id))
        .order(service_items::id.asc())
        .load(conn)
}

/// Active items of providers in `listing_status`, optionally of one category or provider,
/// with each provider's name.
/// Active services of providers in `listing_status`, with the provider's name: of one
/// category or provider; words in the title, the description or the provider's name;
/// published on the days `f` gives; newest, oldest, by title or cheapest first.
pub fn offered(
    conn: &mut DbConnection,
    listing_status: &str,
    category: Option<&str>,
    provider_id: Option<&ProviderId>,
    f: &Filter<()>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(ServiceItemRow, String)>, i64)> {
    let base = || {
        let mut q = service_items::table
            .inner_join(providers::table)
            .filter(service_items::active.eq(true))
            .filter(providers::listing_status.eq(listing_status.to_string()))
            .into_boxed();
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
