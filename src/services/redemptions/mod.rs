//! Redemption (兑现): a provider groups its confirmed orders into an application; a
//! reviewer approves or rejects each item with a reason; approved items are published
//! for a notice period (公示) in which anyone may object, and become payable when it
//! ends without an upheld objection. Payable items are what settlement pays.
//!
//! Ledger: a confirmed order's share sits in `due:{provider}`; it moves to
//! `payable:{provider}` when the item becomes payable, or back to the programme's
//! funding when the item is rejected.

use super::orders::Party;
use super::{audit, Page, Paged};
use crate::db::models::{OrderRow, RedemptionApplicationRow, RedemptionItemRow};
use crate::db::orders::{self as repo};
use crate::db::{self, parties, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{
    FirmId, OrderId, ProgrammeId, ProviderId, RedemptionApplicationId, RedemptionItemId,
};
use crate::domain::listing::{Filter, Sort};
use crate::domain::order::{OrderStatus, RedemptionStatus};
use crate::domain::validation::FieldErrors;
use crate::domain::{Fen, Policy};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::listing::{Cell, Row};
use crate::services::Cx;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

mod notice;
mod review;

pub use notice::*;
pub use review::*;

/// At most this many orders in one application.
pub const MAX_ITEMS: usize = 500;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RedemptionApplicationInput)]
pub struct ApplicationInput {
    /// Confirmed orders of the provider not yet in an application (1–500).
    #[schema(min_items = 1, max_items = 500)]
    pub order_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    #[schema(value_type = String)]
    pub id: RedemptionItemId,
    #[schema(value_type = String)]
    pub application_id: RedemptionApplicationId,
    #[schema(value_type = String)]
    pub order_id: OrderId,
    pub order_no: String,
    #[schema(value_type = String)]
    pub provider_id: ProviderId,
    #[schema(value_type = String)]
    pub firm_id: FirmId,
    #[schema(value_type = String)]
    pub programme_id: ProgrammeId,
    pub category: String,
    pub category_name: String,
    #[schema(value_type = String, example = "6000.00")]
    pub amount: Fen,
    pub status: RedemptionStatus,
    /// Why it was rejected (also when an objection was upheld).
    pub decision_reason: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub reviewed_at: Option<NaiveDateTime>,
    /// When an approved item's public notice ends.
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub notice_ends_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub payable_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = RedemptionApplicationView)]
pub struct ApplicationView {
    #[schema(value_type = String)]
    pub id: RedemptionApplicationId,
    #[schema(value_type = String)]
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub item_count: i32,
    #[schema(value_type = String, example = "18000.00")]
    pub total: Fen,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub submitted_at: NaiveDateTime,
    /// How many items are in each status.
    pub statuses: std::collections::BTreeMap<String, i64>,
    /// The items (on single reads and on submission).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ItemView>>,
}

fn item_view(policy: &Policy, r: RedemptionItemRow, order_no: String) -> AppResult<ItemView> {
    Ok(ItemView {
        status: r.status,
        category_name: policy
            .category(&r.category)
            .map_or_else(|| r.category.clone(), |c| c.name_zh.clone()),
        id: r.id,
        application_id: r.application_id,
        order_id: r.order_id,
        order_no,
        provider_id: r.provider_id,
        firm_id: r.firm_id,
        programme_id: r.programme_id,
        category: r.category,
        amount: r.amount_fen,
        decision_reason: r.decision_reason,
        reviewed_at: r.reviewed_at,
        notice_ends_at: r.notice_ends_at,
        payable_at: r.payable_at,
        updated_at: r.updated_at,
    })
}

/// Item views with their orders' numbers.
fn item_views(
    c: &mut DbConnection,
    policy: &Policy,
    items: Vec<RedemptionItemRow>,
) -> AppResult<Vec<ItemView>> {
    let ids: Vec<OrderId> = items.iter().map(|i| i.order_id.clone()).collect();
    let numbers: HashMap<OrderId, String> =
        repo::by_ids(c, &ids)?.into_iter().map(|o| (o.id, o.order_no)).collect();
    let item_ids: Vec<String> = items.iter().map(|i| i.id.to_string()).collect();
    let live = crate::db::settlement::live_payout_status(c, &item_ids)?;
    items
        .into_iter()
        .map(|i| {
            let no = numbers.get(&i.order_id).cloned().unwrap_or_default();
            let in_run = live.get(i.id.as_str()).map(String::as_str) == Some("pending");
            let mut v = item_view(policy, i, no)?;
            if in_run && v.status == RedemptionStatus::Payable {
                v.status = RedemptionStatus::InSettlement;
            }
            Ok(v)
        })
        .collect()
}

fn application_view(
    c: &mut DbConnection,
    policy: &Policy,
    a: RedemptionApplicationRow,
    provider_name: String,
    with_items: bool,
) -> AppResult<ApplicationView> {
    let items = repo::items_of(c, &a.id)?;
    let mut statuses = std::collections::BTreeMap::new();
    for i in &items {
        *statuses.entry(i.status.to_string()).or_insert(0) += 1;
    }
    Ok(ApplicationView {
        id: a.id,
        provider_id: a.provider_id,
        provider_name,
        item_count: a.item_count,
        total: a.total_fen,
        submitted_at: a.submitted_at,
        statuses,
        items: if with_items { Some(item_views(c, policy, items)?) } else { None },
    })
}

/// A provider applies for redemption of confirmed orders not yet applied for.
pub fn apply(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
    input: &ApplicationInput,
) -> AppResult<ApplicationView> {
    let mut ids: Vec<OrderId> = Vec::with_capacity(input.order_ids.len());
    for raw in &input.order_ids {
        let id = OrderId::parse(raw).ok_or_else(|| AppError::not_found("order"))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() || ids.len() > MAX_ITEMS {
        let mut e = FieldErrors::new();
        e.add(
            "order_ids",
            ErrorCode::OrderCountInvalid,
            format!("每份兑现申请应包含 1 至 {MAX_ITEMS} 个订单"),
            format!("an application holds 1 to {MAX_ITEMS} orders"),
        );
        e.finish()?;
    }
    db::write_tx(conn, |c| -> AppResult<_> {
        let provider =
            parties::provider(c, provider_id)?.ok_or_else(|| AppError::not_found("provider"))?;
        let orders: HashMap<OrderId, OrderRow> = repo::by_ids(c, &ids)?
            .into_iter()
            .filter(|o| o.provider_id == *provider_id)
            .map(|o| (o.id.clone(), o))
            .collect();
        if let Some(missing) = ids.iter().find(|id| !orders.contains_key(*id)) {
            return Err(AppError::of(ErrorCode::OrderNotFound).arg("missing", missing));
        }
        let unconfirmed: Vec<&str> = ids
            .iter()
            .filter_map(|id| orders.get(id))
            .filter(|o| o.status != OrderStatus::Confirmed)
            .map(|o| o.order_no.as_str())
            .collect();
        if !unconfirmed.is_empty() {
            return Err(AppError::of(ErrorCode::OrderNotConfirmed).arg_each(
                "orders",
                unconfirmed.join("、"),
                unconfirmed.join(", "),
            ));
        }
        let taken = repo::redeemed_orders(c, &ids)?;
        if !taken.is_empty() {
            let nos: Vec<&str> =
                taken.iter().filter_map(|id| orders.get(id)).map(|o| o.order_no.as_str()).collect();
            return Err(AppError::of(ErrorCode::OrdersAlreadyRedeemed).arg_each(
                "orders",
                nos.join("、"),
                nos.join(", "),
            ));
        }
        let app = RedemptionApplicationRow {
            id: RedemptionApplicationId::new(),
            provider_id: provider_id.clone(),
            item_count: ids.len() as i32,
            total_fen: ids.iter().filter_map(|id| orders.get(id)).map(|o| o.covered_fen).sum(),
            submitted_by: cx.actor.user_id.clone(),
            submitted_at: cx.now,
        };
        let items: Vec<RedemptionItemRow> = ids
            .iter()
            .filter_map(|id| orders.get(id))
            .map(|o| RedemptionItemRow {
                id: RedemptionItemId::new(),
                application_id: app.id.clone(),
                order_id: o.id.clone(),
                provider_id: provider_id.clone(),
                firm_id: o.firm_id.clone(),
                programme_id: o.programme_id.clone(),
                category: o.category.clone(),
                amount_fen: o.covered_fen,
                status: RedemptionStatus::Submitted,
                decision_reason: None,
                reviewed_by: None,
                reviewed_at: None,
                notice_ends_at: None,
                payable_at: None,
                updated_at: cx.now,
                batch_id: o.batch_id.clone(),
            })
            .collect();
        repo::insert_application(c, &app, &items)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::RedemptionSubmitted, &app.id)
                .after(&serde_json::json!({ "application": app, "items": items })),
        )?;
        application_view(c, cx.policy, app, provider.name, true)
    })
}

/// The provider's confirmed orders not yet in any application: what it may apply for
/// now (at most one application's worth, newest first).
pub fn applicable_orders(
    conn: &mut DbConnection,
    policy: &Policy,
    provider_id: &ProviderId,
) -> AppResult<Vec<super::orders::OrderView>> {
    let confirmed = super::orders::list(
        conn,
        policy,
        Party::Provider(provider_id),
        Some(OrderStatus::Confirmed.as_str()),
        Page { page: 1, per_page: MAX_ITEMS as i64 },
    )?
    .items;
    let ids: Vec<OrderId> = confirmed.iter().map(|o| o.id.clone()).collect();
    let done: std::collections::HashSet<OrderId> =
        repo::redeemed_orders(conn, &ids)?.into_iter().collect();
    Ok(confirmed.into_iter().filter(|o| !done.contains(o.id.as_str())).collect())
}

/// How redemption applications may be sorted: newest (the default), oldest, or the
/// largest total first.
pub const APPLICATION_SORTS: &[Sort] = crate::domain::listing::BY_AMOUNT;

/// Applications: a provider's own, or all for staff; with a state, those with an item
/// in it; words in the provider's name, its whole credit code, or an order number.
pub fn applications(
    conn: &mut DbConnection,
    policy: &Policy,
    party: Party<'_>,
    f: &Filter<RedemptionStatus>,
    page: Page,
) -> AppResult<Paged<ApplicationView>> {
    let provider = match party {
        Party::Provider(p) => Some(p),
        Party::Staff => None,
        Party::Firm(_) => return Err(AppError::forbidden()),
    };
    let (rows, total) = repo::applications(conn, provider, f, page.offset(), page.per_page)?;
    let items = rows
        .into_iter()
        .map(|(a, name)| application_view(conn, policy, a, name, false))
        .collect::<AppResult<_>>()?;
    Ok(Paged { items, page: page.page, per_page: page.per_page, total })
}

impl Row for ApplicationView {
    const COLUMNS: &'static [&'static str] =
        &["service-provider", "submitted", "items-in-the-application", "amount-yuan", "state"];
    const FILE: &'static str = "redemption-applications";
    const SHEET: &'static str = "redemption-applications";
    fn cells(&self, _policy: &Policy, en: bool) -> Vec<Cell> {
        // How many items stand in each state, in the stored order of the states.
        let states: Vec<String> = RedemptionStatus::ALL
            .iter()
            .filter_map(|s| {
                self.statuses
                    .get(s.as_str())
                    .map(|n| format!("{} {n}", crate::i18n::t(crate::i18n::redemption(*s), en)))
            })
            .collect();
        vec![
            Cell::Text(self.provider_name.clone()),
            Cell::Time(self.submitted_at),
            Cell::Count(i64::from(self.item_count)),
            Cell::Money(self.total),
            Cell::Text(states.join(if en { ", " } else { "、" })),
        ]
    }
}

/// One application with every item's state and reasons.
pub fn application(
    conn: &mut DbConnection,
    policy: &Policy,
    party: Party<'_>,
    id: &RedemptionApplicationId,
) -> AppResult<ApplicationView> {
    let a = repo::application(conn, id)?
        .filter(|a| match party {
            Party::Provider(p) => a.provider_id == *p,
            Party::Staff => true,
            Party::Firm(_) => false,
        })
        .ok_or_else(|| AppError::not_found("redemption application"))?;
    let name = parties::provider(conn, &a.provider_id)?.map(|p| p.name).unwrap_or_default();
    application_view(conn, policy, a, name, true)
}

/// The orders of the item lists: the queue's oldest first (default), newest, largest.
pub const ITEM_SORTS: &[Sort] = &[Sort::Oldest, Sort::Newest, Sort::Largest];

/// Redemption items as `f` asks (its state by default `submitted`: the reviewers'
/// queue): searched by order number, or a firm's or provider's credit code or part of
/// its name; by the days applied for; a provider's own, every one for staff.
pub fn items(
    conn: &mut DbConnection,
    policy: &Policy,
    party: Party<'_>,
    f: &Filter<RedemptionStatus>,
    page: Page,
) -> AppResult<Paged<ItemView>> {
    let provider = match party {
        Party::Provider(p) => Some(p),
        Party::Staff => None,
        Party::Firm(_) => return Err(AppError::forbidden()),
    };
    // "In settlement" is not stored: it is a payable item held by a live payout.
    let (stored, in_run) = match f.status.unwrap_or(RedemptionStatus::Submitted) {
        RedemptionStatus::InSettlement => (RedemptionStatus::Payable, Some(true)),
        RedemptionStatus::Payable => (RedemptionStatus::Payable, Some(false)),
        other => (other, None),
    };
    let text = match &f.words {
        Some(w) => {
            let most = crate::services::listing::MATCHED_AT_MOST;
            Some(repo::ItemText {
                firms: repo::firms_matching(conn, w, most)?,
                providers: repo::providers_matching(conn, w, most)?,
                orders: repo::numbered(conn, w)?,
            })
        }
        None => None,
    };
    let rest = Filter { status: None, words: None, from: f.from, before: f.before, sort: f.sort };
    let (rows, total) = repo::items_in(
        conn,
        stored.as_str(),
        in_run,
        provider,
        &rest,
        text.as_ref(),
        page.offset(),
        page.per_page,
    )?;
    Ok(Paged {
        items: item_views(conn, policy, rows)?,
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

impl Row for ItemView {
    const COLUMNS: &'static [&'static str] =
        &["order-no", "category-2", "amount-yuan", "state", "reviewed-at", "payable-from"];
    const FILE: &'static str = "redemption-items";
    const SHEET: &'static str = "redemption-items-2";
    fn cells(&self, policy: &Policy, en: bool) -> Vec<Cell> {
        let at = |t: Option<NaiveDateTime>| t.map_or(Cell::Text(String::new()), Cell::Time);
        vec![
            Cell::Text(self.order_no.clone()),
            Cell::Text(crate::i18n::category_name(policy, &self.category, en)),
            Cell::Money(self.amount),
            Cell::Words(crate::i18n::redemption(self.status)),
            at(self.reviewed_at),
            at(self.payable_at),
        ]
    }
    fn href(&self) -> Option<String> {
        Some(format!("/orders/{}", self.order_id))
    }
}
