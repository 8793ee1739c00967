//! The overview's figures as the database keeps them (migration 000027). Triggers move
//! `tallies` (rows and two sums per batch, kind, status and label) and `holders` (the
//! firms holding each batch's vouchers, by size class, industry and district, served or
//! not) in the very transaction that writes a voucher, order, redemption item or firm,
//! whichever use case writes it. PostgreSQL's triggers append their moves to
//! `tally_moves` (concurrent writers never wait on one shared row), which [`fold`] adds
//! into `tallies`; a read adds what is not folded yet. The `counted_*` functions
//! recount the same figures from the rows, for `ledger verify`.

use super::schema::{
    firms, holders, holdings, orders, redemption_items, tallies, tally_moves, vouchers,
};
use super::DbConnection;
use crate::domain::id::BatchId;
use crate::domain::{Fen, SizeClass};
use diesel::dsl::{count_star, exists, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use std::collections::BTreeMap;

/// SUM of a BIGINT column as BIGINT (PostgreSQL makes it NUMERIC, which the connection
/// enum does not carry; a selection's sums are far below 2^63 fen).
pub fn sum_fen(expr: &str) -> diesel::expression::SqlLiteral<BigInt> {
    sql::<BigInt>(&format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)"))
}

/// What a tally counts (the `kind` column).
pub mod kind {
    /// Vouchers by status: rows, face value, balance less held.
    pub const VOUCHER: &str = "voucher";
    /// Orders by status and category: rows, contract amount, voucher share.
    pub const ORDER: &str = "order";
    /// Orders ever disputed, by status: rows.
    pub const DISPUTE: &str = "dispute";
    /// Confirmed orders by provider (the label): rows, voucher share.
    pub const SPEND: &str = "spend";
    /// Redemption items by status: rows, amount.
    pub const ITEM: &str = "item";
}

/// A tally's key: batch, kind, status, label.
pub type Key = (String, String, String, String);

/// Rows and the two sums of one key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub n: i64,
    pub a: Fen,
    pub b: Fen,
}

impl Counts {
    fn add(&mut self, n: i64, a: Fen, b: Fen) {
        self.n += n;
        self.a = self.a + a;
        self.b = self.b + b;
    }

    fn is_zero(&self) -> bool {
        self.n == 0 && self.a == Fen::ZERO && self.b == Fen::ZERO
    }
}

type Row = (String, String, String, String, i64, Fen, Fen);

/// Adds rows into `into`, leaving out keys that come to nothing (a tally moved back to
/// zero stays as a row of zeros).
fn merge(into: &mut BTreeMap<Key, Counts>, rows: Vec<Row>) {
    for (batch, kind, status, label, n, a, b) in rows {
        into.entry((batch, kind, status, label)).or_default().add(n, a, b);
    }
}

/// Every kept tally with something in it, by key (all batches, or those given).
pub fn kept(
    conn: &mut DbConnection,
    batches: Option<&[BatchId]>,
) -> QueryResult<BTreeMap<Key, Counts>> {
    let mut q = tallies::table
        .select((
            tallies::batch_id,
            tallies::kind,
            tallies::status,
            tallies::label,
            tallies::n,
            tallies::a_fen,
            tallies::b_fen,
        ))
        .into_boxed();
    if let Some(ids) = batches {
        q = q.filter(tallies::batch_id.eq_any(ids));
    }
    let mut out = BTreeMap::new();
    merge(&mut out, q.load(conn)?);
    let mut m = tally_moves::table
        .group_by((
            tally_moves::batch_id,
            tally_moves::kind,
            tally_moves::status,
            tally_moves::label,
        ))
        .select((
            tally_moves::batch_id,
            tally_moves::kind,
            tally_moves::status,
            tally_moves::label,
            sum_fen("tally_moves.n"),
            sum_fen("tally_moves.a_fen"),
            sum_fen("tally_moves.b_fen"),
        ))
        .into_boxed();
    if let Some(ids) = batches {
        m = m.filter(tally_moves::batch_id.eq_any(ids));
    }
    let moves: Vec<(String, String, String, String, Fen, Fen, Fen)> = m.load(conn)?;
    merge(
        &mut out,
        moves.into_iter().map(|(b, k, s, l, n, x, y)| (b, k, s, l, n.get(), x, y)).collect(),
    );
    out.retain(|_, c| !c.is_zero());
    Ok(out)
}

/// The batches' tallies of one kind summed over the batches, by status and label.
pub fn summed(
    conn: &mut DbConnection,
    batches: &[BatchId],
    kind: &str,
) -> QueryResult<BTreeMap<(String, String), Counts>> {
    let t: Vec<(String, String, Fen, Fen, Fen)> = tallies::table
        .filter(tallies::batch_id.eq_any(batches))
        .filter(tallies::kind.eq(kind))
        .group_by((tallies::status, tallies::label))
        .select((
            tallies::status,
            tallies::label,
            sum_fen("tallies.n"),
            sum_fen("tallies.a_fen"),
            sum_fen("tallies.b_fen"),
        ))
        .load(conn)?;
    let m: Vec<(String, String, Fen, Fen, Fen)> = tally_moves::table
        .filter(tally_moves::batch_id.eq_any(batches))
        .filter(tally_moves::kind.eq(kind))
        .group_by((tally_moves::status, tally_moves::label))
        .select((
            tally_moves::status,
            tally_moves::label,
            sum_fen("tally_moves.n"),
            sum_fen("tally_moves.a_fen"),
            sum_fen("tally_moves.b_fen"),
        ))
        .load(conn)?;
    let mut out: BTreeMap<(String, String), Counts> = BTreeMap::new();
    for (status, label, n, a, b) in t.into_iter().chain(m) {
        out.entry((status, label)).or_default().add(n.get(), a, b);
    }
    out.retain(|_, c| !c.is_zero());
    Ok(out)
}

/// Adds PostgreSQL's appended moves into the tallies, in one short transaction; a
/// second caller meanwhile does not wait (the reads add what is not folded yet). SQLite
/// keeps no moves. Returns how many tallies were moved.
pub fn fold(conn: &mut DbConnection) -> QueryResult<usize> {
    #[derive(QueryableByName)]
    struct Got {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        got: bool,
    }
    match conn {
        DbConnection::Sqlite(_) => Ok(0),
        DbConnection::Pg(c) => c.transaction(|c| {
            let lock: Got = diesel::sql_query("SELECT pg_try_advisory_xact_lock(7261000027) AS got")
                .get_result(c)?;
            if !lock.got {
                return Ok(0);
            }
            diesel::sql_query(
                "WITH moved AS (DELETE FROM tally_moves RETURNING *) \
                 INSERT INTO tallies (batch_id, kind, status, label, n, a_fen, b_fen) \
                 SELECT batch_id, kind, status, label, SUM(n), SUM(a_fen), SUM(b_fen) FROM moved \
                 GROUP BY batch_id, kind, status, label ORDER BY batch_id, kind, status, label \
                 ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = tallies.n + excluded.n, \
                 a_fen = tallies.a_fen + excluded.a_fen, b_fen = tallies.b_fen + excluded.b_fen",
            )
            .execute(c)
        }),
    }
}

/// The tallies recounted from the rows, by key, leaving out keys with nothing in them.
pub fn counted(conn: &mut DbConnection) -> QueryResult<BTreeMap<Key, Counts>> {
    let tag = |kind: &'static str,
               rows: Vec<(String, String, String, i64, Fen, Fen)>|
     -> Vec<Row> {
        rows.into_iter().map(|(b, s, l, n, x, y)| (b, kind.to_string(), s, l, n, x, y)).collect()
    };
    let mut out = BTreeMap::new();
    let v: Vec<(String, String, i64, Fen, Fen)> = vouchers::table
        .group_by((vouchers::batch_id, vouchers::status))
        .select((
            vouchers::batch_id,
            vouchers::status,
            count_star(),
            sum_fen("vouchers.face_value_fen"),
            sum_fen("vouchers.balance_fen - vouchers.held_fen"),
        ))
        .load(conn)?;
    merge(
        &mut out,
        tag(
            kind::VOUCHER,
            v.into_iter().map(|(b, s, n, x, y)| (b, s, String::new(), n, x, y)).collect(),
        ),
    );
    let o: Vec<(String, String, String, i64, Fen, Fen)> = orders::table
        .group_by((orders::batch_id, orders::status, orders::category))
        .select((
            orders::batch_id,
            orders::status,
            orders::category,
            count_star(),
            sum_fen("orders.contract_fen"),
            sum_fen("orders.covered_fen"),
        ))
        .load(conn)?;
    merge(&mut out, tag(kind::ORDER, o));
    let d: Vec<(String, String, i64)> = orders::table
        .filter(orders::dispute_reason.is_not_null())
        .group_by((orders::batch_id, orders::status))
        .select((orders::batch_id, orders::status, count_star()))
        .load(conn)?;
    merge(
        &mut out,
        tag(
            kind::DISPUTE,
            d.into_iter().map(|(b, s, n)| (b, s, String::new(), n, Fen::ZERO, Fen::ZERO)).collect(),
        ),
    );
    let s: Vec<(String, String, String, i64, Fen)> = orders::table
        .filter(orders::status.eq("confirmed"))
        .group_by((orders::batch_id, orders::status, orders::provider_id))
        .select((
            orders::batch_id,
            orders::status,
            orders::provider_id,
            count_star(),
            sum_fen("orders.covered_fen"),
        ))
        .load(conn)?;
    merge(
        &mut out,
        tag(kind::SPEND, s.into_iter().map(|(b, s, l, n, x)| (b, s, l, n, x, Fen::ZERO)).collect()),
    );
    let i: Vec<(String, String, i64, Fen)> = redemption_items::table
        .group_by((redemption_items::batch_id, redemption_items::status))
        .select((
            redemption_items::batch_id,
            redemption_items::status,
            count_star(),
            sum_fen("redemption_items.amount_fen"),
        ))
        .load(conn)?;
    merge(
        &mut out,
        tag(
            kind::ITEM,
            i.into_iter().map(|(b, s, n, x)| (b, s, String::new(), n, x, Fen::ZERO)).collect(),
        ),
    );
    out.retain(|_, c| !c.is_zero());
    Ok(out)
}

/// Firms holding each batch's vouchers: by (batch, firm), the firm's size class,
/// industry and district and whether it has an order of the batch confirmed.
pub type Holders = BTreeMap<(String, String), (SizeClass, String, Option<String>, bool)>;

/// Every kept holder.
pub fn kept_holders(conn: &mut DbConnection) -> QueryResult<Holders> {
    let rows: Vec<(String, String, SizeClass, String, Option<String>, bool)> = holders::table
        .select((
            holders::batch_id,
            holders::firm_id,
            holders::size_class,
            holders::industry,
            holders::district,
            holders::served,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(b, f, s, i, d, v)| ((b, f), (s, i, d, v))).collect())
}

/// How many batches each firm holds vouchers of, as kept (firms holding none left out).
pub fn kept_holdings(conn: &mut DbConnection) -> QueryResult<BTreeMap<String, i64>> {
    let rows: Vec<(String, i64)> = holdings::table
        .filter(holdings::batches.ne(0))
        .select((holdings::firm_id, holdings::batches))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The holders recounted from the vouchers, the firms and their confirmed orders.
pub fn counted_holders(conn: &mut DbConnection) -> QueryResult<Holders> {
    let served = exists(
        orders::table
            .filter(orders::firm_id.eq(firms::id))
            .filter(orders::batch_id.eq(vouchers::batch_id))
            .filter(orders::status.eq("confirmed")),
    );
    let rows: Vec<(String, String, SizeClass, String, Option<String>, bool)> = vouchers::table
        .inner_join(firms::table.on(firms::id.eq(vouchers::firm_id)))
        .select((
            vouchers::batch_id,
            firms::id,
            firms::size_class,
            firms::industry,
            firms::district,
            served,
        ))
        .distinct()
        .load(conn)?;
    Ok(rows.into_iter().map(|(b, f, s, i, d, v)| ((b, f), (s, i, d, v))).collect())
}

/// Firms of one size class, industry and district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmCount {
    pub size_class: SizeClass,
    pub industry: String,
    pub district: Option<String>,
    pub firms: i64,
    /// Of which with an order confirmed.
    pub served: i64,
}

/// `served` as 1 or 0, summed or the largest, as BIGINT on both backends.
fn served_as(f: &str) -> diesel::expression::SqlLiteral<BigInt> {
    sql::<BigInt>(&format!("CAST({f}(CASE WHEN holders.served THEN 1 ELSE 0 END) AS BIGINT)"))
}

/// Firms holding the batches' vouchers by size class, industry and district (none: not
/// stated), each with how many of them have a confirmed order of the batches. A firm
/// holding vouchers of two of the batches is one firm: the batches' counts are added,
/// and for each firm found in more than one the extra rows taken off.
pub fn firms_by_class(conn: &mut DbConnection, batches: &[BatchId]) -> QueryResult<Vec<FirmCount>> {
    type Class = (SizeClass, String, Option<String>);
    let mut out: BTreeMap<Class, (i64, i64)> = BTreeMap::new();
    // Batch by batch: each is one range of `holders_class_idx`, already in the groups'
    // order (two batches' ranges at once would be sorted first).
    for batch in batches {
        let rows: Vec<(SizeClass, String, Option<String>, i64, i64)> = holders::table
            .filter(holders::batch_id.eq(batch))
            .group_by((holders::size_class, holders::industry, holders::district))
            .select((
                holders::size_class,
                holders::industry,
                holders::district,
                count_star(),
                served_as("SUM"),
            ))
            .load(conn)?;
        for (s, i, d, n, v) in rows {
            let e = out.entry((s, i, d)).or_default();
            e.0 += n;
            e.1 += v;
        }
    }
    if batches.len() > 1 {
        // Only firms holding more than one batch can be counted twice: found by
        // `holdings_several_idx`, their holders by `holders_firm_idx` in the firm's order.
        let several = holdings::table.filter(holdings::batches.gt(1)).select(holdings::firm_id);
        let twice: Vec<(SizeClass, String, Option<String>, i64, i64, i64)> = holders::table
            .filter(holders::firm_id.eq_any(several))
            .filter(holders::batch_id.eq_any(batches))
            .group_by((holders::firm_id, holders::size_class, holders::industry, holders::district))
            .having(count_star().gt(1))
            .select((
                holders::size_class,
                holders::industry,
                holders::district,
                count_star(),
                served_as("SUM"),
                served_as("MAX"),
            ))
            .load(conn)?;
        for (s, i, d, rows, served_rows, served) in twice {
            let e = out.entry((s, i, d)).or_default();
            e.0 -= rows - 1;
            e.1 -= served_rows - served;
        }
    }
    Ok(out
        .into_iter()
        .filter(|(_, (firms, _))| *firms > 0)
        .map(|((size_class, industry, district), (firms, served))| FirmCount {
            size_class,
            industry,
            district,
            firms,
            served,
        })
        .collect())
}
