//! Service orders, their evidence, redemption applications and items, objections to
//! redemption notices, staff affiliations, and the voucher holds orders take.

use super::models::{
    EvidenceRow, OrderRow, RedemptionApplicationRow, RedemptionItemRow, RedemptionObjectionRow,
    StaffAffiliationRow, VoucherRow,
};
use super::schema::{
    findings, firms, order_evidence, orders, providers, redemption_applications, redemption_items,
    redemption_objections, staff_affiliations, vouchers,
};
use super::vouchers::CHUNK;
use super::DbConnection;
use crate::domain::id::{
    EvidenceId, FirmId, OrderId, ProviderId, RedemptionApplicationId, RedemptionItemId,
    RedemptionObjectionId, UserId, VoucherId,
};
use crate::domain::listing::{Filter, Sort};
use crate::domain::order::OrderStatus;
use crate::domain::Fen;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An order with its firm's and provider's names and its voucher's code.
pub type OrderListed = (OrderRow, String, String, String);
/// A redemption item with its provider's and firm's names.
pub type ItemListed = (RedemptionItemRow, String, String);

/// Whose orders or redemptions a listing shows.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    Firm(&'a FirmId),
    Provider(&'a ProviderId),
    All,
}

pub fn insert(conn: &mut DbConnection, row: &OrderRow) -> QueryResult<()> {
    diesel::insert_into(orders::table).values(row).execute(conn).map(|_| ())
}

/// Many orders at once (imports and benchmarks).
pub fn insert_many(conn: &mut DbConnection, rows: &[OrderRow]) -> QueryResult<()> {
    bulk_insert!(conn, orders::table, rows);
    Ok(())
}

/// Many redemption items at once (imports and benchmarks).
pub fn insert_many_items(conn: &mut DbConnection, rows: &[RedemptionItemRow]) -> QueryResult<()> {
    bulk_insert!(conn, redemption_items::table, rows);
    Ok(())
}

pub fn update(conn: &mut DbConnection, row: &OrderRow) -> QueryResult<usize> {
    diesel::update(orders::table.find(&row.id)).set(row).execute(conn)
}

pub fn get(conn: &mut DbConnection, id: &OrderId) -> QueryResult<Option<OrderRow>> {
    orders::table.find(id).first(conn).optional()
}

/// The order, locked for the rest of the transaction (SQLite's write transaction
/// already excludes other writers).
pub fn get_for_update(conn: &mut DbConnection, id: &OrderId) -> QueryResult<Option<OrderRow>> {
    first_for_update!(conn, orders::table.find(id))
}

pub fn by_ids(conn: &mut DbConnection, ids: &[OrderId]) -> QueryResult<Vec<OrderRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        out.extend(orders::table.filter(orders::id.eq_any(chunk)).load::<OrderRow>(conn)?);
    }
    Ok(out)
}

/// How a list of orders is narrowed and ordered.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub category: Option<String>,
    /// Placed at or after (UTC).
    pub placed_from: Option<NaiveDateTime>,
    /// Placed before (UTC).
    pub placed_before: Option<NaiveDateTime>,
    /// Words searched for: an order number, or one of these firms or providers.
    pub text: Option<OrderText>,
    pub sort: OrderSort,
}

/// What a search matched: the order number as typed, firms and providers by name or
/// credit code.
#[derive(Debug, Clone, Default)]
pub struct OrderText {
    pub order_no: String,
    pub firms: Vec<FirmId>,
    pub providers: Vec<ProviderId>,
}

/// The order of a list of orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OrderSort {
    #[default]
    Newest,
    Oldest,
    /// The largest contract first.
    Largest,
}

/// A page of the orders `scope` may see, narrowed by `f`, with the total.
pub fn list(
    conn: &mut DbConnection,
    scope: Scope<'_>,
    f: &OrderFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<OrderListed>, i64)> {
    // The count needs no joins: every order has its firm, provider and voucher.
    // `$part` is the text search whole (`None`: the order number, or an order of the
    // firms or providers found), or one of its disjoint parts (`Some(Part::…)`).
    macro_rules! narrowed {
        ($q:expr, $part:expr) => {{
            let mut q = $q;
            match scope {
                Scope::Firm(id) => q = q.filter(orders::firm_id.eq(id)),
                Scope::Provider(id) => q = q.filter(orders::provider_id.eq(id)),
                Scope::All => {}
            }
            if let Some(s) = f.status {
                q = q.filter(orders::status.eq(s));
            }
            if let Some(c) = &f.category {
                q = q.filter(orders::category.eq(c));
            }
            if let Some(t) = f.placed_from {
                q = q.filter(orders::requested_at.ge(t));
            }
            if let Some(t) = f.placed_before {
                q = q.filter(orders::requested_at.lt(t));
            }
            // Each part only when it can match, so that every part is an index's (an
            // empty list would leave the planner a scan of every order).
            if let Some(t) = &f.text {
                let (firms, providers) = (!t.firms.is_empty(), !t.providers.is_empty());
                let no = orders::order_no.eq(&t.order_no);
                q = match $part {
                    None => match (firms, providers) {
                        (false, false) => q.filter(no),
                        (true, false) => q.filter(no.or(orders::firm_id.eq_any(&t.firms))),
                        (false, true) => q.filter(no.or(orders::provider_id.eq_any(&t.providers))),
                        (true, true) => q.filter(
                            no.or(orders::firm_id.eq_any(&t.firms))
                                .or(orders::provider_id.eq_any(&t.providers)),
                        ),
                    },
                    Some(Part::Providers) => q.filter(orders::provider_id.eq_any(&t.providers)),
                    Some(Part::Firms) => {
                        q = q.filter(orders::firm_id.eq_any(&t.firms));
                        if providers {
                            q = q.filter(orders::provider_id.ne_all(&t.providers));
                        }
                        q
                    }
                    Some(Part::Number) => {
                        q = q.filter(no);
                        if firms {
                            q = q.filter(orders::firm_id.ne_all(&t.firms));
                        }
                        if providers {
                            q = q.filter(orders::provider_id.ne_all(&t.providers));
                        }
                        q
                    }
                };
            }
            q
        }};
    }
    /// The disjoint parts of a text search: the orders of the providers found, those of
    /// the firms found less those, the numbered order less both.
    enum Part {
        Providers,
        Firms,
        Number,
    }
    // Counted part by part and added: each part reads its own index once, where
    // counting "number, or firms, or providers" makes SQLite gather and deduplicate
    // every row found (a word in every name: a million orders, 1,090 ms against 83).
    let total = match &f.text {
        None => narrowed!(orders::table.into_boxed(), None::<Part>).count().get_result(conn)?,
        Some(t) => {
            let mut total: i64 = 0;
            if !t.providers.is_empty() {
                let q = narrowed!(orders::table.into_boxed(), Some(Part::Providers));
                total += q.count().get_result::<i64>(conn)?;
            }
            if !t.firms.is_empty() {
                let q = narrowed!(orders::table.into_boxed(), Some(Part::Firms));
                total += q.count().get_result::<i64>(conn)?;
            }
            let q = narrowed!(orders::table.into_boxed(), Some(Part::Number));
            total + q.count().get_result::<i64>(conn)?
        }
    };
    let q = narrowed!(
        orders::table
            .inner_join(firms::table.on(firms::id.eq(orders::firm_id)))
            .inner_join(providers::table.on(providers::id.eq(orders::provider_id)))
            .inner_join(vouchers::table.on(vouchers::id.eq(orders::voucher_id)))
            .into_boxed(),
        None::<Part>
    );
    let q = q.select((orders::all_columns, firms::name, providers::name, vouchers::code));
    let rows = match f.sort {
        OrderSort::Newest => q.order(orders::id.desc()),
        OrderSort::Oldest => q.order(orders::id.asc()),
        OrderSort::Largest => q.order((orders::contract_fen.desc(), orders::id.desc())),
    }
    .offset(offset)
    .limit(limit)
    .load(conn)?;
    Ok((rows, total))
}

/// Firms whose name holds `words` or whose credit code is `words` (at most `limit`).
pub fn firms_matching(
    conn: &mut DbConnection,
    words: &str,
    limit: i64,
) -> QueryResult<Vec<FirmId>> {
    firms::table
        .filter(
            firms::name
                .like(format!("%{}%", like_escaped(words)))
                .escape('\\')
                .or(firms::credit_code.eq(words)),
        )
        .select(firms::id)
        .limit(limit)
        .load(conn)
}

/// Providers whose name holds `words` or whose credit code is `words` (at most
/// `limit`).
pub fn providers_matching(
    conn: &mut DbConnection,
    words: &str,
    limit: i64,
) -> QueryResult<Vec<ProviderId>> {
    providers::table
        .filter(
            providers::name
                .like(format!("%{}%", like_escaped(words)))
                .escape('\\')
                .or(providers::credit_code.eq(words)),
        )
        .select(providers::id)
        .limit(limit)
        .load(conn)
}

/// `words` with LIKE's wildcards (and the escape character) taken literally.
fn like_escaped(words: &str) -> String {
    words.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Every order (for verifying the ledger).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<OrderRow>> {
    orders::table.order(orders::id.asc()).load(conn)
}

pub fn voucher_for_update(
    conn: &mut DbConnection,
    id: &VoucherId,
) -> QueryResult<Option<VoucherRow>> {
    first_for_update!(conn, vouchers::table.find(id))
}

/// The guarded hold: holds `amount` more on an active voucher only if its unheld
/// balance covers it. False when it does not (nothing changed). The CHECK
/// `held_fen <= balance_fen` stands behind it.
pub fn hold(conn: &mut DbConnection, voucher_id: &VoucherId, amount: Fen) -> QueryResult<bool> {
    let n = diesel::update(
        vouchers::table
            .find(voucher_id)
            .filter(vouchers::status.eq("active"))
            .filter((vouchers::held_fen + amount).le(vouchers::balance_fen)),
    )
    .set(vouchers::held_fen.eq(vouchers::held_fen + amount))
    .execute(conn)?;
    Ok(n == 1)
}

/// Ends a hold of `amount`. With `spend`, the amount leaves the voucher too (consumed
/// by a confirmed order, or returned to the programme after the voucher expired);
/// without, it is free to spend again. A voucher whose balance reaches zero is used.
pub fn unhold(
    conn: &mut DbConnection,
    voucher_id: &VoucherId,
    amount: Fen,
    spend: bool,
) -> QueryResult<()> {
    let take = if spend { amount } else { Fen::ZERO };
    diesel::update(vouchers::table.find(voucher_id))
        .set((
            vouchers::held_fen.eq(vouchers::held_fen - amount),
            vouchers::balance_fen.eq(vouchers::balance_fen - take),
        ))
        .execute(conn)?;
    diesel::update(
        vouchers::table
            .find(voucher_id)
            .filter(vouchers::status.eq("active"))
            .filter(vouchers::balance_fen.eq(0)),
    )
    .set(vouchers::status.eq("used"))
    .execute(conn)?;
    Ok(())
}

/// Active vouchers whose validity ended at or before `now`, oldest first.
pub fn expired_active(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<VoucherId>> {
    vouchers::table
        .filter(vouchers::status.eq("active"))
        .filter(vouchers::valid_until.le(now))
        .order((vouchers::valid_until.asc(), vouchers::id.asc()))
        .select(vouchers::id)
        .limit(limit)
        .load(conn)
}

/// Marks a voucher expired, leaving only its held amount as its balance.
pub fn expire(conn: &mut DbConnection, voucher_id: &VoucherId) -> QueryResult<usize> {
    diesel::update(vouchers::table.find(voucher_id).filter(vouchers::status.eq("active")))
        .set((vouchers::status.eq("expired"), vouchers::balance_fen.eq(vouchers::held_fen)))
        .execute(conn)
}

/// Open orders on expired vouchers that are due to lapse: requested ones at once,
/// accepted ones once the voucher's validity ended at or before `grace_cutoff` (that
/// is, the grace period for delivery is over).
pub fn lapsing(conn: &mut DbConnection, grace_cutoff: NaiveDateTime) -> QueryResult<Vec<OrderId>> {
    orders::table
        .inner_join(vouchers::table.on(vouchers::id.eq(orders::voucher_id)))
        .filter(vouchers::status.eq("expired"))
        .filter(
            orders::status
                .eq("requested")
                .or(orders::status.eq("accepted").and(vouchers::valid_until.le(grace_cutoff))),
        )
        .select(orders::id)
        .order(orders::id.asc())
        .load(conn)
}

// Evidence.

pub fn insert_evidence(conn: &mut DbConnection, row: &EvidenceRow) -> QueryResult<()> {
    diesel::insert_into(order_evidence::table).values(row).execute(conn).map(|_| ())
}

pub fn evidence_of(conn: &mut DbConnection, order_id: &OrderId) -> QueryResult<Vec<EvidenceRow>> {
    order_evidence::table
        .filter(order_evidence::order_id.eq(order_id))
        .order(order_evidence::id.asc())
        .load(conn)
}

/// The evidence of orders other than `order_id` with the same contents as any of
/// `hashes`, each with its order's number (an index on `sha256` finds them).
pub fn same_evidence_elsewhere(
    conn: &mut DbConnection,
    order_id: &OrderId,
    hashes: &[String],
) -> QueryResult<Vec<(EvidenceRow, String)>> {
    order_evidence::table
        .inner_join(orders::table)
        .filter(order_evidence::sha256.eq_any(hashes))
        .filter(order_evidence::order_id.ne(order_id))
        .order(orders::order_no.asc())
        .select((order_evidence::all_columns, orders::order_no))
        .limit(100)
        .load(conn)
}

pub fn evidence(conn: &mut DbConnection, id: &EvidenceId) -> QueryResult<Option<EvidenceRow>> {
    order_evidence::table.find(id).first(conn).optional()
}

// Redemption.

pub fn insert_application(
    conn: &mut DbConnection,
    app: &RedemptionApplicationRow,
    items: &[RedemptionItemRow],
) -> QueryResult<()> {
    diesel::insert_into(redemption_applications::table).values(app).execute(conn)?;
    for item in items {
        diesel::insert_into(redemption_items::table).values(item).execute(conn)?;
    }
    Ok(())
}

pub fn application(
    conn: &mut DbConnection,
    id: &RedemptionApplicationId,
) -> QueryResult<Option<RedemptionApplicationRow>> {
    redemption_applications::table.find(id).first(conn).optional()
}

/// Redemption applications as a list asks: one provider's or all; with a state, those
/// with an item in it; words in the provider's name, its whole credit code, or the
/// number of an order applied for; the days submitted; newest, oldest or largest total
/// first. With the provider's name.
pub fn applications(
    conn: &mut DbConnection,
    provider_id: Option<&ProviderId>,
    f: &Filter<crate::domain::order::RedemptionStatus>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(RedemptionApplicationRow, String)>, i64)> {
    use super::{holding, lower};
    use diesel::dsl::exists;
    let base = || {
        let mut q = redemption_applications::table
            .inner_join(providers::table.on(providers::id.eq(redemption_applications::provider_id)))
            .into_boxed();
        if let Some(p) = provider_id {
            q = q.filter(redemption_applications::provider_id.eq(p.clone()));
        }
        if let Some(s) = f.status {
            q = q.filter(exists(
                redemption_items::table
                    .filter(redemption_items::application_id.eq(redemption_applications::id))
                    .filter(redemption_items::status.eq(s.as_str())),
            ));
        }
        if let Some(w) = &f.words {
            q = q.filter(
                lower(providers::name)
                    .like(holding(w))
                    .escape('\\')
                    .or(providers::credit_code.eq(w.to_uppercase()))
                    .or(exists(
                        redemption_items::table
                            .inner_join(orders::table.on(orders::id.eq(redemption_items::order_id)))
                            .filter(
                                redemption_items::application_id.eq(redemption_applications::id),
                            )
                            .filter(orders::order_no.eq(w.to_uppercase())),
                    )),
            );
        }
        if let Some(t) = f.from {
            q = q.filter(redemption_applications::submitted_at.ge(t));
        }
        if let Some(t) = f.before {
            q = q.filter(redemption_applications::submitted_at.lt(t));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let ordered = match f.sort {
        Sort::Oldest => base().order(redemption_applications::id.asc()),
        Sort::Largest => base()
            .order((redemption_applications::total_fen.desc(), redemption_applications::id.desc())),
        _ => base().order(redemption_applications::id.desc()),
    };
    let rows = ordered
        .select((redemption_applications::all_columns, providers::name))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

pub fn items_of(
    conn: &mut DbConnection,
    application_id: &RedemptionApplicationId,
) -> QueryResult<Vec<RedemptionItemRow>> {
    redemption_items::table
        .filter(redemption_items::application_id.eq(application_id))
        .order(redemption_items::id.asc())
        .load(conn)
}

pub fn item(
    conn: &mut DbConnection,
    id: &RedemptionItemId,
) -> QueryResult<Option<RedemptionItemRow>> {
    redemption_items::table.find(id).first(conn).optional()
}

pub fn item_for_update(
    conn: &mut DbConnection,
    id: &RedemptionItemId,
) -> QueryResult<Option<RedemptionItemRow>> {
    first_for_update!(conn, redemption_items::table.find(id))
}

pub fn update_item(conn: &mut DbConnection, row: &RedemptionItemRow) -> QueryResult<usize> {
    diesel::update(redemption_items::table.find(&row.id)).set(row).execute(conn)
}

/// The items of orders already in a redemption application, among `order_ids`.
pub fn redeemed_orders(
    conn: &mut DbConnection,
    order_ids: &[OrderId],
) -> QueryResult<Vec<OrderId>> {
    let mut out = Vec::new();
    for chunk in order_ids.chunks(CHUNK) {
        out.extend(
            redemption_items::table
                .filter(redemption_items::order_id.eq_any(chunk))
                .select(redemption_items::order_id)
                .load::<OrderId>(conn)?,
        );
    }
    Ok(out)
}

/// What a search of redemption items matched: the order number as typed, and the firms
/// and providers whose name or credit code it matched.
pub struct ItemText {
    /// The order with the number typed (none or one).
    pub orders: Vec<OrderId>,
    pub firms: Vec<FirmId>,
    pub providers: Vec<ProviderId>,
}

/// The order numbered `no` (none or one).
pub fn numbered(conn: &mut DbConnection, no: &str) -> QueryResult<Vec<OrderId>> {
    orders::table.filter(orders::order_no.eq(no)).select(orders::id).load(conn)
}

/// Redemption items in one stored state as a list asks: with `in_run`, only those a live
/// payout holds (or none holds); one provider's; matching `text`; applied for on the
/// days `f` gives; oldest, newest or largest first.
#[allow(clippy::too_many_arguments)]
pub fn items_in(
    conn: &mut DbConnection,
    status: &str,
    in_run: Option<bool>,
    provider_id: Option<&ProviderId>,
    f: &Filter<()>,
    text: Option<&ItemText>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<RedemptionItemRow>, i64)> {
    use super::schema::{payout_items, redemption_applications};
    use diesel::dsl::{exists, not};
    let live = || {
        exists(
            payout_items::table
                .filter(payout_items::item_id.eq(redemption_items::id))
                .filter(payout_items::live),
        )
    };
    let (apps, at) = (redemption_applications::table, redemption_applications::submitted_at);
    type Cond = Box<
        dyn BoxableExpression<
            redemption_items::table,
            <DbConnection as diesel::Connection>::Backend,
            SqlType = diesel::sql_types::Bool,
        >,
    >;
    // What the words found, as conditions on an item: in (`true`) or out of (`false`)
    // the providers, the firms or the numbered order found. Only those that can match,
    // so that every part is an index's.
    let found = |inside: bool| -> Vec<Cond> {
        let Some(t) = text else { return Vec::new() };
        let mut found: Vec<Cond> = Vec::new();
        if !t.providers.is_empty() {
            let ids = t.providers.clone();
            let c = redemption_items::provider_id;
            found.push(if inside { Box::new(c.eq_any(ids)) } else { Box::new(c.ne_all(ids)) });
        }
        if !t.firms.is_empty() {
            let ids = t.firms.clone();
            let c = redemption_items::firm_id;
            found.push(if inside { Box::new(c.eq_any(ids)) } else { Box::new(c.ne_all(ids)) });
        }
        if !t.orders.is_empty() {
            let ids = t.orders.clone();
            let c = redemption_items::order_id;
            found.push(if inside { Box::new(c.eq_any(ids)) } else { Box::new(c.ne_all(ids)) });
        }
        found
    };
    // `part`: the text search whole (`None`: any of what was found) or its `i`-th
    // disjoint part (found by the `i`-th, not by any before it).
    let filtered = |part: Option<usize>| {
        let mut q = redemption_items::table.into_boxed();
        q = q.filter(redemption_items::status.eq(status.to_string()));
        if let Some(p) = provider_id {
            q = q.filter(redemption_items::provider_id.eq(p.clone()));
        }
        match in_run {
            Some(true) => q = q.filter(live()),
            Some(false) => q = q.filter(not(live())),
            None => {}
        }
        if text.is_some() {
            match part {
                None => {
                    q = match found(true).into_iter().reduce(|a, b| Box::new(a.or(b))) {
                        Some(matched) => q.filter(matched),
                        // Nothing matched, nothing found.
                        None => {
                            q.filter(redemption_items::id.eq_any(Vec::<RedemptionItemId>::new()))
                        }
                    }
                }
                Some(i) => {
                    let (inside, outside) = (found(true), found(false));
                    for (j, (yes, no)) in inside.into_iter().zip(outside).enumerate() {
                        match j.cmp(&i) {
                            std::cmp::Ordering::Less => q = q.filter(no),
                            std::cmp::Ordering::Equal => q = q.filter(yes),
                            std::cmp::Ordering::Greater => {}
                        }
                    }
                }
            }
        }
        if let Some(t) = f.from {
            q = q.filter(
                redemption_items::application_id
                    .eq_any(apps.filter(at.ge(t)).select(redemption_applications::id)),
            );
        }
        if let Some(t) = f.before {
            q = q.filter(
                redemption_items::application_id
                    .eq_any(apps.filter(at.lt(t)).select(redemption_applications::id)),
            );
        }
        q
    };
    // Counted part by part and added, as the order search does (a million items found:
    // 750 ms as one count, 75 part by part).
    let total: i64 = if text.is_some() {
        let mut total = 0;
        for i in 0..found(true).len() {
            total += filtered(Some(i)).count().get_result::<i64>(conn)?;
        }
        total
    } else {
        filtered(None).count().get_result(conn)?
    };
    let q = filtered(None);
    let rows = match f.sort {
        Sort::Oldest => q.order(redemption_items::id.asc()),
        Sort::Newest | Sort::Name | Sort::Cheapest | Sort::Rated => {
            q.order(redemption_items::id.desc())
        }
        Sort::Largest => q.order((redemption_items::amount_fen.desc(), redemption_items::id.asc())),
    }
    .offset(offset)
    .limit(limit)
    .load(conn)?;
    Ok((rows, total))
}

/// Items whose notice is public now (approved, notice not yet ended), with the
/// provider's and the firm's names, soonest ending first.
pub fn items_in_notice(
    conn: &mut DbConnection,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ItemListed>, i64)> {
    items_listed(conn, &["in_notice"], Listed::NoticeEndingFirst, offset, limit)
}

/// Approved items in any later state (in notice, payable, in settlement, paid), with the
/// provider's and the firm's names, most recently approved first: the public record of
/// what was redeemed.
pub fn approved_items(
    conn: &mut DbConnection,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ItemListed>, i64)> {
    let approved = ["in_notice", "payable", "in_settlement", "paid"];
    items_listed(conn, &approved, Listed::LatestApproved, offset, limit)
}

/// The order of a public list of items.
#[derive(Clone, Copy)]
enum Listed {
    NoticeEndingFirst,
    LatestApproved,
}

/// Items in `statuses` with the provider's and the firm's names, one page, and how
/// many there are.
fn items_listed(
    conn: &mut DbConnection,
    statuses: &[&str],
    order: Listed,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ItemListed>, i64)> {
    let base = || {
        let q = redemption_items::table
            .inner_join(providers::table.on(providers::id.eq(redemption_items::provider_id)))
            .inner_join(firms::table.on(firms::id.eq(redemption_items::firm_id)))
            .into_boxed();
        match order {
            Listed::NoticeEndingFirst => {
                q.filter(redemption_items::status.eq_any(statuses.to_vec()))
            }
            // An approved item a spot check then found not delivered stays in the list,
            // with the finding beside it.
            Listed::LatestApproved => q.filter(
                redemption_items::status.eq_any(statuses.to_vec()).or(diesel::dsl::exists(
                    findings::table
                        .filter(findings::item_id.eq(redemption_items::id))
                        .filter(findings::outcome.eq("fraudulent")),
                )),
            ),
        }
    };
    let total = base().count().get_result(conn)?;
    let rows = base().select((redemption_items::all_columns, providers::name, firms::name));
    let rows = match order {
        Listed::NoticeEndingFirst => {
            rows.order((redemption_items::notice_ends_at.asc(), redemption_items::id.asc()))
        }
        Listed::LatestApproved => {
            rows.order((redemption_items::reviewed_at.desc(), redemption_items::id.desc()))
        }
    };
    let rows = rows.offset(offset).limit(limit).load(conn)?;
    Ok((rows, total))
}

/// Items whose notice ended at or before `now`.
pub fn notices_ended(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<Vec<RedemptionItemId>> {
    redemption_items::table
        .filter(redemption_items::status.eq("in_notice"))
        .filter(redemption_items::notice_ends_at.le(now))
        .order(redemption_items::id.asc())
        .select(redemption_items::id)
        .load(conn)
}

/// Every item (for verifying the ledger).
pub fn all_items(conn: &mut DbConnection) -> QueryResult<Vec<RedemptionItemRow>> {
    redemption_items::table.order(redemption_items::id.asc()).load(conn)
}

pub fn insert_objection(conn: &mut DbConnection, row: &RedemptionObjectionRow) -> QueryResult<()> {
    diesel::insert_into(redemption_objections::table).values(row).execute(conn).map(|_| ())
}

pub fn objection_for_update(
    conn: &mut DbConnection,
    id: &RedemptionObjectionId,
) -> QueryResult<Option<RedemptionObjectionRow>> {
    first_for_update!(conn, redemption_objections::table.find(id))
}

pub fn update_objection(
    conn: &mut DbConnection,
    row: &RedemptionObjectionRow,
) -> QueryResult<usize> {
    diesel::update(redemption_objections::table.find(&row.id)).set(row).execute(conn)
}

pub fn objections_of(
    conn: &mut DbConnection,
    item_id: &RedemptionItemId,
) -> QueryResult<Vec<RedemptionObjectionRow>> {
    redemption_objections::table
        .filter(redemption_objections::item_id.eq(item_id))
        .order(redemption_objections::id.asc())
        .load(conn)
}

// Staff affiliations.

pub fn affiliations(conn: &mut DbConnection, user_id: &UserId) -> QueryResult<Vec<String>> {
    staff_affiliations::table
        .filter(staff_affiliations::user_id.eq(user_id))
        .order(staff_affiliations::credit_code.asc())
        .select(staff_affiliations::credit_code)
        .load(conn)
}

/// Replaces a user's declared affiliations.
pub fn set_affiliations(
    conn: &mut DbConnection,
    user_id: &UserId,
    rows: &[StaffAffiliationRow],
) -> QueryResult<()> {
    diesel::delete(staff_affiliations::table.filter(staff_affiliations::user_id.eq(user_id)))
        .execute(conn)?;
    for r in rows {
        diesel::insert_into(staff_affiliations::table).values(r).execute(conn)?;
    }
    Ok(())
}

/// A party whose record is counted: a firm's or a provider's orders and items.
#[derive(Debug, Clone, Copy)]
pub enum Side<'a> {
    Firm(&'a FirmId),
    Provider(&'a ProviderId),
}

/// A party's record: its orders by state, how many were ever disputed, its redemption
/// items by state.
pub type Tallies =
    (Vec<(OrderStatus, i64)>, i64, Vec<(crate::domain::order::RedemptionStatus, i64)>);

pub fn tallies(conn: &mut DbConnection, side: Side<'_>) -> QueryResult<Tallies> {
    // Grouped queries are not boxed: each side is its own query, said once here.
    macro_rules! counted {
        ($order_col:expr, $item_col:expr, $id:expr) => {{
            let by_state: Vec<(OrderStatus, i64)> = orders::table
                .filter($order_col.eq($id))
                .group_by(orders::status)
                .select((orders::status, diesel::dsl::count_star()))
                .load(conn)?;
            let disputed: i64 = orders::table
                .filter($order_col.eq($id))
                .filter(orders::dispute_reason.is_not_null())
                .count()
                .get_result(conn)?;
            let items = redemption_items::table
                .filter($item_col.eq($id))
                .group_by(redemption_items::status)
                .select((redemption_items::status, diesel::dsl::count_star()))
                .load(conn)?;
            Ok((by_state, disputed, items))
        }};
    }
    match side {
        Side::Firm(f) => counted!(orders::firm_id, redemption_items::firm_id, f),
        Side::Provider(p) => counted!(orders::provider_id, redemption_items::provider_id, p),
    }
}
