//! The service catalogue.

use super::models::ServiceItemRow;
use super::schema::{provider_scores, providers, service_items};
use super::DbConnection;
use super::{holding, lower};
use crate::domain::id::{ProviderId, ServiceItemId};
use crate::domain::listing::{Filter, Sort};
use crate::domain::rating::{Floor, Rank};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

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
    /// Only services of providers whose score, as shown, is at least this.
    pub floor: Option<Floor>,
    /// How `Sort::Rated` ranks providers (none: no ratings yet, newest first).
    pub rank: Option<Rank>,
}

/// A service, its provider's name, and the provider's kept ratings (how many, their
/// aspects added; none before a rating).
pub type Listed = (ServiceItemRow, String, Option<i64>, Option<i64>);

/// Services in `scope`, with the provider's name: words in the title, the description or
/// the provider's name; published on the days `f` gives; newest, oldest, by title,
/// cheapest or dearest first, or best-rated provider first (unrated last).
pub fn items<S>(
    conn: &mut DbConnection,
    scope: Scope<'_>,
    f: &Filter<S>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Listed>, i64)> {
    let Scope { listing_status, active, category, provider_id, floor, rank } = scope;
    let base = || {
        let mut q = service_items::table
            .inner_join(providers::table)
            .left_join(
                provider_scores::table
                    .on(provider_scores::provider_id.eq(service_items::provider_id)),
            )
            .into_boxed();
        if let Some(Floor { c, t, m, k }) = floor {
            // Whole numbers the domain computed; a provider without ratings (NULL) fails.
            q = q.filter(sql::<Bool>(&format!(
                "({c} + {t} * provider_scores.rating_total) >= {m} * ({k} + provider_scores.ratings)"
            )));
        }
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
        Sort::Rated => match rank {
            // Rated first, then by (c + t·T) / (k + n), the score times a constant.
            Some(Rank { c, t, k }) => base().order(sql::<BigInt>(&format!(
                "CASE WHEN provider_scores.ratings IS NULL THEN 1 ELSE 0 END, \
                 ({c} + {t} * provider_scores.rating_total) * 1.0 / ({k} + provider_scores.ratings) DESC, \
                 provider_scores.ratings DESC, service_items.id DESC"
            ))),
            None => base().order(service_items::id.desc()),
        },
        Sort::Newest => base().order(service_items::id.desc()),
    };
    let rows = ordered
        .select((
            service_items::all_columns,
            providers::name,
            provider_scores::ratings.nullable(),
            provider_scores::rating_total.nullable(),
        ))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}
