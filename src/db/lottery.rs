//! Lottery draws and the firms' entries.

use super::models::{LotteryEntryRow, LotteryRow};
use super::schema::{batches, lotteries, lottery_entries};
use super::DbConnection;
use crate::domain::id::{BatchId, FirmId};
use crate::domain::Fen;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert_lottery(conn: &mut DbConnection, row: &LotteryRow) -> QueryResult<()> {
    diesel::insert_into(lotteries::table).values(row).execute(conn).map(|_| ())
}

pub fn lottery(conn: &mut DbConnection, batch_id: &BatchId) -> QueryResult<Option<LotteryRow>> {
    lotteries::table.find(batch_id).first(conn).optional()
}

/// Records the draw. Returns false when the lottery was already drawn (the guard makes
/// a second draw impossible even without the batch lock).
pub fn mark_drawn(conn: &mut DbConnection, row: &LotteryRow) -> QueryResult<bool> {
    let n =
        diesel::update(lotteries::table.find(&row.batch_id).filter(lotteries::drawn_at.is_null()))
            .set((
                lotteries::entrants_digest.eq(&row.entrants_digest),
                lotteries::entrants.eq(row.entrants),
                lotteries::winners.eq(row.winners),
                lotteries::drawn_at.eq(row.drawn_at),
                lotteries::drawn_by.eq(&row.drawn_by),
            ))
            .execute(conn)?;
    Ok(n == 1)
}

/// Published lottery batches whose opening has come, still open, not yet drawn.
pub fn due(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<BatchId>> {
    lotteries::table
        .inner_join(batches::table)
        .filter(lotteries::drawn_at.is_null())
        .filter(batches::published.eq(true))
        .filter(batches::opens_at.le(now))
        .filter(batches::closes_at.gt(now))
        .select(lotteries::batch_id)
        .order(batches::opens_at.asc())
        .load(conn)
}

pub fn entry(
    conn: &mut DbConnection,
    batch_id: &BatchId,
    firm_id: &FirmId,
) -> QueryResult<Option<LotteryEntryRow>> {
    lottery_entries::table.find((batch_id, firm_id)).first(conn).optional()
}

pub fn insert_entry(conn: &mut DbConnection, row: &LotteryEntryRow) -> QueryResult<()> {
    diesel::insert_into(lottery_entries::table).values(row).execute(conn).map(|_| ())
}

pub fn change_face_value(
    conn: &mut DbConnection,
    batch_id: &BatchId,
    firm_id: &FirmId,
    face_value_fen: Fen,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(lottery_entries::table.find((batch_id, firm_id)))
        .set((
            lottery_entries::face_value_fen.eq(face_value_fen),
            lottery_entries::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn delete_entry(
    conn: &mut DbConnection,
    batch_id: &BatchId,
    firm_id: &FirmId,
) -> QueryResult<usize> {
    diesel::delete(lottery_entries::table.find((batch_id, firm_id))).execute(conn)
}

/// A batch's entries: in draw order once drawn, by credit code before.
pub fn entries(conn: &mut DbConnection, batch_id: &BatchId) -> QueryResult<Vec<LotteryEntryRow>> {
    lottery_entries::table
        .filter(lottery_entries::batch_id.eq(batch_id))
        .order((lottery_entries::draw_rank.asc(), lottery_entries::credit_code.asc()))
        .load(conn)
}

pub fn count_entries(conn: &mut DbConnection, batch_id: &BatchId) -> QueryResult<i64> {
    lottery_entries::table.filter(lottery_entries::batch_id.eq(batch_id)).count().get_result(conn)
}

/// Writes each entry's draw result.
pub fn record_results(conn: &mut DbConnection, rows: &[LotteryEntryRow]) -> QueryResult<()> {
    for r in rows {
        diesel::update(lottery_entries::table.find((&r.batch_id, &r.firm_id)))
            .set((
                lottery_entries::draw_key.eq(&r.draw_key),
                lottery_entries::draw_rank.eq(r.draw_rank),
                lottery_entries::outcome.eq(&r.outcome),
                lottery_entries::voucher_id.eq(&r.voucher_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}
