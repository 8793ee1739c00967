//! The service catalogue: listed providers publish service items in the categories they
//! are listed for; anyone may browse what listed providers offer.

use super::{audit, Page, Paged};
use crate::db::models::Moved;
use crate::db::models::ServiceItemRow;
use crate::db::{self, catalogue as repo, parties, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{ProviderId, ServiceItemId};
use crate::domain::listing::{Filter, Sort};
use crate::domain::party::ListingStatus;
use crate::domain::rating::{self, Basis};
use crate::domain::validation::FieldErrors;
use crate::domain::{Fen, Policy};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::listing::{Cell, Row};
use crate::services::Cx;
use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceItemInput {
    /// A service category code the provider is listed for.
    pub category: String,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(min_length = 1, max_length = 4000)]
    pub description: String,
    /// Yuan, e.g. "8000.00"; more than zero.
    #[schema(schema_with = crate::domain::validation::schema::positive_yuan)]
    pub list_price: String,
    /// Days from acceptance to delivery (1–3650).
    #[schema(minimum = 1, maximum = 3650)]
    pub delivery_days: i32,
    /// Offered (default) or withdrawn.
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServiceItemView {
    #[schema(value_type = String)]
    pub id: ServiceItemId,
    #[schema(value_type = String)]
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub category: String,
    pub category_name: String,
    pub title: String,
    pub description: String,
    #[schema(value_type = String, example = "8000.00")]
    pub list_price: Fen,
    pub delivery_days: i32,
    pub active: bool,
    /// The provider's quality score (the shrunk average of its ratings, 1–5, two
    /// places); none before its first rating.
    #[schema(value_type = Option<String>, example = "4.37")]
    pub provider_score: Option<String>,
    /// How many ratings the provider's score rests on.
    pub provider_ratings: i64,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub updated_at: NaiveDateTime,
}

/// A service as listed, its provider's score weighed against `basis` (none: not shown).
fn listed(policy: &Policy, basis: Option<&Basis>, l: repo::Listed) -> ServiceItemView {
    let (row, name, n, total) = l;
    let mut v = view(policy, row, name);
    if let (Some(b), Some(n), Some(total)) = (basis, n, total) {
        v.provider_score = b.score(n, total).map(|s| format!("{s:.2}"));
        v.provider_ratings = n;
    }
    v
}

fn view(policy: &Policy, r: ServiceItemRow, provider_name: String) -> ServiceItemView {
    ServiceItemView {
        provider_score: None,
        provider_ratings: 0,
        category_name: policy
            .category(&r.category)
            .map_or_else(|| r.category.clone(), |c| c.name_zh.clone()),
        id: r.id,
        provider_id: r.provider_id,
        provider_name,
        category: r.category,
        title: r.title,
        description: r.description,
        list_price: r.list_price_fen,
        delivery_days: r.delivery_days,
        active: r.active,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

struct Clean {
    category: String,
    title: String,
    description: String,
    price: Fen,
    delivery_days: i32,
    active: bool,
}

/// Checks an item against the policy and the provider's listed categories.
fn clean(policy: &Policy, listed_for: &[String], input: &ServiceItemInput) -> AppResult<Clean> {
    let mut e = FieldErrors::new();
    let category = input.category.trim().to_string();
    if policy.category(&category).is_none() {
        e.add(
            "category",
            ErrorCode::CategoryUnknown,
            format!("未知的服务类别：{category}"),
            format!("unknown service category: {category}"),
        );
    } else if !listed_for.contains(&category) {
        e.add(
            "category",
            ErrorCode::CategoryNotListed,
            "贵机构未获准提供该类别的服务",
            "the provider is not listed for this category",
        );
    }
    let title = e.text("title", &input.title, 200);
    let description = e.text("description", &input.description, 4000);
    let price = e.money("list_price", &input.list_price);
    if price.get() == 0 && Fen::parse_yuan(&input.list_price).is_ok() {
        e.add(
            "list_price",
            ErrorCode::AmountNotPositive,
            "标价必须大于零",
            "the list price must be more than zero",
        );
    }
    if !(1..=3650).contains(&input.delivery_days) {
        e.add(
            "delivery_days",
            ErrorCode::DeliveryDaysInvalid,
            "交付周期应为 1 至 3650 天",
            "delivery_days must be between 1 and 3650",
        );
    }
    e.finish()?;
    Ok(Clean {
        category,
        title,
        description,
        price,
        delivery_days: input.delivery_days,
        active: input.active.unwrap_or(true),
    })
}

/// The provider, locked, which must be listed to publish.
fn listed_provider(
    c: &mut DbConnection,
    provider_id: &ProviderId,
) -> AppResult<(crate::db::models::ProviderRow, Vec<String>)> {
    let p = parties::provider_for_update(c, provider_id)?
        .ok_or_else(|| AppError::not_found("provider"))?;
    if p.listing_status != ListingStatus::Listed {
        return Err(AppError::of(ErrorCode::ProviderNotListedToPublish));
    }
    let cats = parties::provider_categories(c, provider_id)?;
    Ok((p, cats))
}

pub fn create(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
    input: &ServiceItemInput,
) -> AppResult<ServiceItemView> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let (p, cats) = listed_provider(c, provider_id)?;
        let v = clean(cx.policy, &cats, input)?;
        let row = ServiceItemRow {
            id: ServiceItemId::new(),
            provider_id: provider_id.clone(),
            category: v.category,
            title: v.title,
            description: v.description,
            list_price_fen: v.price,
            delivery_days: v.delivery_days,
            active: v.active,
            created_at: cx.now,
            updated_at: cx.now,
        };
        repo::insert(c, &row)?;
        audit::record(c, cx.by(), audit::Change::created(Fixed::ServiceItemCreated, &row))?;
        Ok(view(cx.policy, row, p.name))
    })
}

/// Changes one of the provider's own items (another provider's item is not found).
pub fn update(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
    item_id: &ServiceItemId,
    input: &ServiceItemInput,
) -> AppResult<ServiceItemView> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::get(c, item_id)?
            .filter(|r| r.provider_id == *provider_id)
            .ok_or_else(|| AppError::not_found("service item"))?;
        let (p, cats) = listed_provider(c, provider_id)?;
        let v = clean(cx.policy, &cats, input)?;
        let after = ServiceItemRow {
            category: v.category,
            title: v.title,
            description: v.description,
            list_price_fen: v.price,
            delivery_days: v.delivery_days,
            active: v.active,
            ..before.moved_at(cx.now)
        };
        repo::update(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::moved(Fixed::ServiceItemUpdated, &before, &after),
        )?;
        Ok(view(cx.policy, after, p.name))
    })
}

/// A service as its provider sees it: offered in the catalogue, or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceState {
    Offered,
    Withdrawn,
}

impl ServiceState {
    pub const ALL: &'static [ServiceState] = &[ServiceState::Offered, ServiceState::Withdrawn];
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceState::Offered => "offered",
            ServiceState::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|x| x.as_str() == s)
    }
}

/// The provider's own services, offered and withdrawn, as `f` asks (words in the title
/// or description, the state, the days published, the order), of one category or all.
pub fn own(
    conn: &mut DbConnection,
    policy: &Policy,
    provider_id: &ProviderId,
    category: Option<&str>,
    f: &Filter<ServiceState>,
    page: Page,
) -> AppResult<Paged<OwnService>> {
    known_category(policy, category)?;
    let scope = repo::Scope {
        active: f.status.map(|s| s == ServiceState::Offered),
        category,
        provider_id: Some(provider_id),
        ..repo::Scope::default()
    };
    let (rows, total) = repo::items(conn, scope, f, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(|l| OwnService(listed(policy, None, l))).collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

/// One of a provider's own services in its list (its state a column of the file).
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct OwnService(pub ServiceItemView);

fn known_category(policy: &Policy, category: Option<&str>) -> AppResult<()> {
    match category {
        Some(c) if policy.category(c).is_none() => {
            Err(AppError::of(ErrorCode::CategoryUnknown).arg("category", c))
        }
        _ => Ok(()),
    }
}

/// The catalogue's orders: newest (default), oldest, by title, cheapest first, or
/// best-rated provider first.
pub const SORTS: &[Sort] = &[Sort::Newest, Sort::Oldest, Sort::Name, Sort::Cheapest, Sort::Rated];

/// A provider's own services: newest (default), oldest, by title, cheapest first.
pub const OWN_SORTS: &[Sort] = &[Sort::Newest, Sort::Oldest, Sort::Name, Sort::Cheapest];

/// Which services the catalogue shows besides the list's filter.
#[derive(Debug, Clone, Default)]
pub struct Offer {
    /// A service category code.
    pub category: Option<String>,
    pub provider_id: Option<ProviderId>,
    /// Only providers whose score, as shown, is at least this (1–5, two places).
    pub min_score: Option<String>,
}

/// The lowest score asked for, checked: 1 to 5 with two places at most.
fn min_score(asked: Option<&str>) -> AppResult<Option<Decimal>> {
    let Some(a) = asked.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    match Decimal::from_str(a) {
        Ok(d) if rating::valid_floor(d) => Ok(Some(d)),
        _ => Err(AppError::of(ErrorCode::ScoreFilterInvalid).arg("min_score", a)),
    }
}

/// What listed providers offer, as `f` asks and `offer` narrows, each with its
/// provider's score.
pub fn offered(
    conn: &mut DbConnection,
    policy: &Policy,
    offer: &Offer,
    f: &Filter<()>,
    page: Page,
) -> AppResult<Paged<ServiceItemView>> {
    let category = offer.category.as_deref();
    known_category(policy, category)?;
    let floor = min_score(offer.min_score.as_deref())?;
    db::read_tx(conn, |c| {
        let basis = super::ratings::basis(c, policy)?;
        let empty = Paged { items: Vec::new(), page: page.page, per_page: page.per_page, total: 0 };
        let floor = match floor.map(|x| basis.floor(x)) {
            // A floor asked of a programme without ratings: no provider passes it.
            Some(None) => return Ok(empty),
            Some(Some(f)) => Some(f),
            None => None,
        };
        let scope = repo::Scope {
            listing_status: Some(ListingStatus::Listed.as_str()),
            active: Some(true),
            category,
            provider_id: offer.provider_id.as_ref(),
            floor,
            rank: basis.rank(),
        };
        let (rows, total) = repo::items(c, scope, f, page.offset(), page.per_page)?;
        Ok(Paged {
            items: rows.into_iter().map(|l| listed(policy, Some(&basis), l)).collect(),
            page: page.page,
            per_page: page.per_page,
            total,
        })
    })
}

/// One item as offered now (active, its provider listed), for ordering it.
pub fn item(
    conn: &mut DbConnection,
    policy: &Policy,
    item_id: &ServiceItemId,
) -> AppResult<ServiceItemView> {
    let row = repo::get(conn, item_id)?
        .filter(|r| r.active)
        .ok_or_else(|| AppError::not_found("service item"))?;
    let p = parties::provider(conn, &row.provider_id)?
        .filter(|p| p.listing_status == ListingStatus::Listed)
        .ok_or_else(|| AppError::not_found("service item"))?;
    Ok(view(policy, row, p.name))
}

/// One of the provider's own items, for editing it.
pub fn own_item(
    conn: &mut DbConnection,
    policy: &Policy,
    provider_id: &ProviderId,
    item_id: &ServiceItemId,
) -> AppResult<ServiceItemView> {
    let row = repo::get(conn, item_id)?
        .filter(|r| &r.provider_id == provider_id)
        .ok_or_else(|| AppError::not_found("service item"))?;
    let p = parties::provider(conn, provider_id)?.ok_or_else(|| AppError::not_found("provider"))?;
    Ok(view(policy, row, p.name))
}

impl Row for ServiceItemView {
    const COLUMNS: &'static [&'static str] = &[
        "service",
        "service-provider",
        "category-2",
        "list-price-yuan",
        "delivery-days",
        "quality-score",
    ];
    const FILE: &'static str = "services";
    const SHEET: &'static str = "service-catalogue";
    fn cells(&self, policy: &Policy, en: bool) -> Vec<Cell> {
        vec![
            Cell::Text(self.title.clone()),
            Cell::Text(self.provider_name.clone()),
            Cell::Text(crate::i18n::category_name(policy, &self.category, en)),
            Cell::Money(self.list_price),
            Cell::Count(self.delivery_days.into()),
            Cell::Text(self.provider_score.clone().unwrap_or_default()),
        ]
    }
}

impl Row for OwnService {
    const COLUMNS: &'static [&'static str] =
        &["service", "category-2", "list-price-yuan", "delivery-days", "state", "published-on"];
    const FILE: &'static str = "my-services";
    const SHEET: &'static str = "my-services";
    fn cells(&self, policy: &Policy, en: bool) -> Vec<Cell> {
        let s = &self.0;
        vec![
            Cell::Text(s.title.clone()),
            Cell::Text(crate::i18n::category_name(policy, &s.category, en)),
            Cell::Money(s.list_price),
            Cell::Count(s.delivery_days.into()),
            Cell::Words(if s.active { "offered-2" } else { "withdrawn-2" }),
            Cell::Time(s.created_at),
        ]
    }
    fn href(&self) -> Option<String> {
        Some(format!("/provider/services/{}", self.0.id))
    }
}
