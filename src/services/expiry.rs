//! Voucher expiry: a daily job marks vouchers past their validity expired and returns
//! what was neither spent nor held to the programme by a ledger entry. Orders accepted
//! before the expiry keep their hold and may still be delivered within the grace
//! period (`spending.delivery_grace_days`); requested orders on an expired voucher, and
//! accepted ones not delivered when the grace period ends, lapse and release their
//! hold to the programme.

use super::audit;
use super::orders::{self, Cx};
use crate::db::{self, ledger, orders as repo, vouchers, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::ledger::{Account, Transaction};
use crate::domain::voucher::VoucherStatus;
use crate::domain::Fen;
use crate::error::AppResult;
use chrono::Duration;
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ExpiryReport {
    /// Vouchers marked expired.
    pub expired: usize,
    /// What they returned to their programmes, in yuan.
    #[schema(value_type = String)]
    pub returned: Fen,
    /// Orders that lapsed.
    pub lapsed_orders: Vec<String>,
}

/// Expires what is due at `now`. Each voucher and each order in its own transaction,
/// re-checked under its lock, so a second run (or a second server) changes nothing.
pub fn run(conn: &mut DbConnection, cx: Cx<'_>) -> AppResult<ExpiryReport> {
    let mut report = ExpiryReport::default();
    loop {
        let due = repo::expired_active(conn, cx.now, 500)?;
        let mut progressed = false;
        for id in &due {
            let returned = db::write_tx(conn, |c| -> AppResult<Option<Fen>> {
                let Some(before) = repo::voucher_for_update(c, id)? else {
                    return Ok(None);
                };
                if before.status != VoucherStatus::Active || before.valid_until > cx.now {
                    return Ok(None);
                }
                repo::expire(c, id)?;
                let unused = before.balance_fen - before.held_fen;
                if unused > Fen::ZERO {
                    let (from, to) = (Account::voucher(id), Account::funding(&before.programme_id));
                    let tx = Transaction::transfer("voucher_expired", from, to, unused);
                    ledger::post(c, &tx, cx.now)?;
                }
                let after = vouchers::voucher(c, id)?;
                audit::record(
                    c,
                    cx.by(),
                    audit::Change::new(Fixed::VoucherExpired, id)
                        .before(&before)
                        .after_opt(after.as_ref()),
                )?;
                Ok(Some(unused))
            })?;
            if let Some(unused) = returned {
                progressed = true;
                report.expired += 1;
                report.returned = report.returned + unused;
            }
        }
        if !progressed {
            break;
        }
    }
    let cutoff = cx.now - Duration::days(i64::from(cx.policy.spending.delivery_grace_days));
    for id in repo::lapsing(conn, cutoff)? {
        if orders::lapse(conn, cx, &id)? {
            report.lapsed_orders.push(id.into_string());
        }
    }
    Ok(report)
}
