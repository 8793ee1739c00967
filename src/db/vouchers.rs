//! Programmes, batches, vouchers, ledger entries and keyed claim outcomes.

use super::models::{
    BatchRow, ClaimOutcomeRow, FirmRow, LedgerEntryRow, ProgrammeRow, TopupRow, VoucherRow,
};
use super::schema::{
    batch_topups, batches, claim_outcomes, firms, ledger_entries, programmes, vouchers,
};
use super::DbConnection;
use crate::domain::id::{BatchId, FirmId, ProgrammeId, VoucherId};
use crate::domain::listing::{Filter, Sort};
use crate::domain::voucher::VoucherStatus;
use crate::domain::Fen;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Rows per INSERT: keeps every statement under SQLite's bound-parameter limit.
pub(crate) const CHUNK: usize = 500;

pub fn insert_programme(conn: &mut DbConnection, row: &ProgrammeRow) -> QueryResult<()> {
    diesel::insert_into(programmes::table).values(row).execute(conn).map(|_| ())
}

pub fn programme(conn: &mut DbConnection, id: &ProgrammeId) -> QueryResult<Option<ProgrammeRow>> {
    programmes::table.find(id).first(conn).optional()
}

pub fn programme_code_taken(conn: &mut DbConnection, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(programmes::table.filter(programmes::code.eq(code))))
        .get_result(conn)
}

pub fn list_programmes(conn: &mut DbConnection) -> QueryResult<Vec<ProgrammeRow>> {
    programmes::table.order(programmes::created_at.desc()).load(conn)
}

pub fn next_batch_number(conn: &mut DbConnection, programme_id: &ProgrammeId) -> QueryResult<i32> {
    let max: Option<i32> = batches::table
        .filter(batches::programme_id.eq(programme_id))
        .select(diesel::dsl::max(batches::number))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert_batch(conn: &mut DbConnection, row: &BatchRow) -> QueryResult<()> {
    diesel::insert_into(batches::table).values(row).execute(conn).map(|_| ())
}

pub fn batch(conn: &mut DbConnection, id: &BatchId) -> QueryResult<Option<BatchRow>> {
    batches::table.find(id).first(conn).optional()
}

/// The batch row under a write lock: on PostgreSQL a row lock that orders every
/// server process's claim transactions for this batch; on SQLite the write
/// transaction already holds the database lock.
pub fn batch_for_update(conn: &mut DbConnection, id: &BatchId) -> QueryResult<Option<BatchRow>> {
    first_for_update!(conn, batches::table.find(id))
}

/// Serialises claims of one claimant group (a firm, or the firms under one actual
/// controller) across every batch of a programme, for the rest of the current write
/// transaction: two batches' claim transactions, each holding its own batch row, must
/// not both read a group's holdings before either has written its voucher. `keys`
/// (from `domain::voucher::claim_lock_key`) are taken in ascending order, so two
/// transactions locking overlapping groups cannot deadlock; the batch row is always
/// taken first. PostgreSQL: transaction-scoped advisory locks, one statement for all.
/// SQLite: nothing to do, the write transaction (`BEGIN IMMEDIATE`) already excludes
/// every other writer.
pub fn lock_claimant_groups(conn: &mut DbConnection, keys: &[i64]) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(c) => {
            if keys.is_empty() {
                return Ok(());
            }
            let mut keys = keys.to_vec();
            keys.sort_unstable();
            keys.dedup();
            #[derive(diesel::QueryableByName)]
            struct Locked {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                #[allow(dead_code)]
                n: i64,
            }
            // unnest yields the array in its order, and the locks are taken row by row.
            diesel::sql_query(
                "SELECT count(pg_advisory_xact_lock(k)) AS n FROM unnest($1::bigint[]) AS k",
            )
            .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(keys)
            .get_result::<Locked>(c)
            .map(|_| ())
        }
        DbConnection::Sqlite(_) => Ok(()),
    }
}

pub fn update_batch(conn: &mut DbConnection, row: &BatchRow) -> QueryResult<usize> {
    diesel::update(batches::table.find(&row.id)).set(row).execute(conn)
}

pub fn list_batches(conn: &mut DbConnection, include_drafts: bool) -> QueryResult<Vec<BatchRow>> {
    let mut q = batches::table.into_boxed();
    if !include_drafts {
        q = q.filter(batches::published.eq(true));
    }
    q.order(batches::opens_at.desc()).limit(200).load(conn)
}

/// The budgets of all a programme's batches (summed in `i128`, so no sum overflows).
pub fn programme_budget_total(
    conn: &mut DbConnection,
    programme_id: &ProgrammeId,
) -> QueryResult<i128> {
    let budgets: Vec<i64> = batches::table
        .filter(batches::programme_id.eq(programme_id))
        .select(batches::budget_fen)
        .load(conn)?;
    Ok(budgets.iter().map(|b| i128::from(*b)).sum())
}

pub fn insert_topup(conn: &mut DbConnection, row: &TopupRow) -> QueryResult<()> {
    diesel::insert_into(batch_topups::table).values(row).execute(conn).map(|_| ())
}

/// The guarded decrement: records `total` more claimed money and `count` more
/// vouchers only if the budget still covers it. Returns false when it does not.
pub fn take_from_budget(
    conn: &mut DbConnection,
    batch_id: &BatchId,
    total: Fen,
    count: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        batches::table
            .find(batch_id)
            .filter((batches::claimed_fen + total).le(batches::budget_fen)),
    )
    .set((
        batches::claimed_fen.eq(batches::claimed_fen + total),
        batches::vouchers_claimed.eq(batches::vouchers_claimed + count),
        batches::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn add_to_budget(
    conn: &mut DbConnection,
    batch_id: &BatchId,
    amount: Fen,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(batches::table.find(batch_id))
        .set((batches::budget_fen.eq(batches::budget_fen + amount), batches::updated_at.eq(now)))
        .execute(conn)
}

pub fn firms_by_ids(conn: &mut DbConnection, ids: &[FirmId]) -> QueryResult<Vec<FirmRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        out.extend(firms::table.filter(firms::id.eq_any(chunk)).load::<FirmRow>(conn)?);
    }
    Ok(out)
}

/// The programme's vouchers held by these firms. The SQL filters by firm only, so
/// PostgreSQL's generic plan for this prepared statement always uses the firm index
/// (a plan led by `programme_id` would read the whole programme per claim); the
/// programme is filtered here.
pub fn vouchers_of_firms(
    conn: &mut DbConnection,
    programme_id: &ProgrammeId,
    firm_ids: &[FirmId],
) -> QueryResult<Vec<VoucherRow>> {
    let mut out = Vec::new();
    for chunk in firm_ids.chunks(CHUNK) {
        out.extend(
            vouchers::table
                .filter(vouchers::firm_id.eq_any(chunk))
                .load::<VoucherRow>(conn)?
                .into_iter()
                .filter(|v| v.programme_id == *programme_id),
        );
    }
    Ok(out)
}

/// The programme's vouchers held by any firm under these actual controllers.
pub fn vouchers_of_controllers(
    conn: &mut DbConnection,
    programme_id: &ProgrammeId,
    controllers: &[String],
) -> QueryResult<Vec<VoucherRow>> {
    let mut out = Vec::new();
    for chunk in controllers.chunks(CHUNK) {
        out.extend(
            vouchers::table
                .filter(vouchers::programme_id.eq(programme_id))
                .filter(vouchers::controller.eq_any(chunk))
                .load::<VoucherRow>(conn)?,
        );
    }
    Ok(out)
}

pub fn insert_vouchers(conn: &mut DbConnection, rows: &[VoucherRow]) -> QueryResult<()> {
    bulk_insert!(conn, vouchers::table, rows);
    Ok(())
}

pub fn voucher(conn: &mut DbConnection, id: &VoucherId) -> QueryResult<Option<VoucherRow>> {
    vouchers::table.find(id).first(conn).optional()
}

pub fn vouchers_by_ids(conn: &mut DbConnection, ids: &[VoucherId]) -> QueryResult<Vec<VoucherRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        out.extend(vouchers::table.filter(vouchers::id.eq_any(chunk)).load::<VoucherRow>(conn)?);
    }
    Ok(out)
}

/// A voucher with its firm's name and credit code.
pub type HeldRow = (VoucherRow, String, String);

/// Vouchers as a list asks, with their firm's name and credit code: by state, by code
/// (as typed) or the firms `firms` names, the days claimed; newest, oldest or largest
/// face value first.
pub fn list(
    conn: &mut DbConnection,
    f: &Filter<VoucherStatus>,
    firms_named: Option<&[FirmId]>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<HeldRow>, i64)> {
    use super::schema::firms;
    let base = || {
        let mut q = vouchers::table
            .inner_join(firms::table.on(firms::id.eq(vouchers::firm_id)))
            .into_boxed();
        if let Some(s) = f.status {
            q = q.filter(vouchers::status.eq(s.as_str()));
        }
        if let Some(w) = &f.words {
            let named = firms_named.unwrap_or_default().to_vec();
            q = q.filter(vouchers::code.eq(w.to_uppercase()).or(vouchers::firm_id.eq_any(named)));
        }
        if let Some(t) = f.from {
            q = q.filter(vouchers::claimed_at.ge(t));
        }
        if let Some(t) = f.before {
            q = q.filter(vouchers::claimed_at.lt(t));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let ordered = match f.sort {
        Sort::Oldest => base().order((vouchers::claimed_at.asc(), vouchers::id.asc())),
        Sort::Largest => {
            base().order((vouchers::face_value_fen.desc(), vouchers::claimed_at.desc()))
        }
        Sort::Newest | Sort::Name | Sort::Cheapest | Sort::Rated => {
            base().order((vouchers::claimed_at.desc(), vouchers::id.desc()))
        }
    };
    let rows = ordered
        .select((vouchers::all_columns, firms::name, firms::credit_code))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

pub fn vouchers_of_firm(conn: &mut DbConnection, firm_id: &FirmId) -> QueryResult<Vec<VoucherRow>> {
    vouchers::table
        .filter(vouchers::firm_id.eq(firm_id))
        .order(vouchers::claimed_at.desc())
        .load(conn)
}

pub fn vouchers_of_batch(
    conn: &mut DbConnection,
    batch_id: &BatchId,
) -> QueryResult<Vec<VoucherRow>> {
    vouchers::table
        .filter(vouchers::batch_id.eq(batch_id))
        .order(vouchers::seq_in_batch.asc())
        .load(conn)
}

/// One voucher of a batch's results: (seq, firm name, credit code, face value fen,
/// claimed at).
pub type ResultRow = (i32, String, String, i64, NaiveDateTime);

/// A batch's vouchers in claim order with the claiming firm's name and credit code.
pub fn results_of_batch(
    conn: &mut DbConnection,
    batch_id: &BatchId,
) -> QueryResult<Vec<ResultRow>> {
    vouchers::table
        .inner_join(firms::table.on(firms::id.eq(vouchers::firm_id)))
        .filter(vouchers::batch_id.eq(batch_id))
        .order(vouchers::seq_in_batch.asc())
        .select((
            vouchers::seq_in_batch,
            firms::name,
            firms::credit_code,
            vouchers::face_value_fen,
            vouchers::claimed_at,
        ))
        .load(conn)
}

pub fn count_claimants(conn: &mut DbConnection, batch_id: &BatchId) -> QueryResult<i64> {
    vouchers::table
        .filter(vouchers::batch_id.eq(batch_id))
        .select(diesel::dsl::count(vouchers::firm_id).aggregate_distinct())
        .first(conn)
}

pub fn insert_ledger(conn: &mut DbConnection, rows: &[LedgerEntryRow]) -> QueryResult<()> {
    bulk_insert!(conn, ledger_entries::table, rows);
    Ok(())
}

/// The balance of one ledger account (sum of its entries). Summed in Rust: the SQL
/// SUM of a BIGINT is NUMERIC on PostgreSQL, which the shared connection cannot carry.
pub fn account_balance(conn: &mut DbConnection, account: &str) -> QueryResult<i64> {
    let v: Vec<i64> = ledger_entries::table
        .filter(ledger_entries::account.eq(account))
        .select(ledger_entries::amount_fen)
        .load(conn)?;
    Ok(v.iter().sum())
}

/// Transactions whose entries do not sum to zero (should always be empty).
pub fn unbalanced_txns(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    let rows: Vec<(String, i64)> = ledger_entries::table
        .select((ledger_entries::txn_id, ledger_entries::amount_fen))
        .load(conn)?;
    let mut sums: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for (t, a) in rows {
        *sums.entry(t).or_default() += a;
    }
    let mut bad: Vec<String> = sums.into_iter().filter(|(_, s)| *s != 0).map(|(t, _)| t).collect();
    bad.sort();
    Ok(bad)
}

/// The stored answers to these firms' keyed claims in one batch.
pub fn outcomes_of_firms(
    conn: &mut DbConnection,
    batch_id: &BatchId,
    firm_ids: &[FirmId],
) -> QueryResult<Vec<ClaimOutcomeRow>> {
    let mut out = Vec::new();
    for chunk in firm_ids.chunks(CHUNK) {
        out.extend(
            claim_outcomes::table
                .filter(claim_outcomes::batch_id.eq(batch_id))
                .filter(claim_outcomes::firm_id.eq_any(chunk))
                .load::<ClaimOutcomeRow>(conn)?,
        );
    }
    Ok(out)
}

pub fn insert_outcomes(conn: &mut DbConnection, rows: &[ClaimOutcomeRow]) -> QueryResult<()> {
    bulk_insert!(conn, claim_outcomes::table, rows);
    Ok(())
}

/// Active vouchers with a balance whose validity ends after `now` and at or before
/// `until`, soonest first.
pub fn expiring(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<VoucherRow>> {
    vouchers::table
        .filter(vouchers::status.eq("active"))
        .filter(vouchers::balance_fen.gt(0))
        .filter(vouchers::valid_until.gt(now))
        .filter(vouchers::valid_until.le(until))
        .order((vouchers::valid_until.asc(), vouchers::id.asc()))
        .load(conn)
}

/// A firm's vouchers: how many, their face values and balances together.
pub fn holdings(conn: &mut DbConnection, firm: &FirmId) -> QueryResult<(i64, Fen, Fen)> {
    let rows: Vec<(Fen, Fen)> = vouchers::table
        .filter(vouchers::firm_id.eq(firm))
        .select((vouchers::face_value_fen, vouchers::balance_fen))
        .load(conn)?;
    let (face, balance) = rows.iter().fold((0i64, 0i64), |(f, b), (x, y)| {
        (f.saturating_add(x.get()), b.saturating_add(y.get()))
    });
    Ok((rows.len() as i64, Fen::new(face), Fen::new(balance)))
}
