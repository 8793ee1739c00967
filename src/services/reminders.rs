//! Voucher expiry reminders, 30 and 7 days ahead (the daily `voucher_expiry_reminders`
//! job). Each voucher gets each reminder at most once, whenever the job runs.

use super::outbox;
use crate::db::{self, outbox as outbox_repo, vouchers as repo, DbConnection};
use crate::domain::id::{FirmId, VoucherId};
use crate::domain::voucher::{reminder_due, Reminder};
use crate::error::AppResult;
use crate::notify::{china_date, yuan, Message, Templates, VoucherExpiring};
use chrono::{Duration, NaiveDateTime};
use std::collections::{HashMap, HashSet};

/// Writes the reminders due at `now` (one transaction). Returns how many were written.
pub fn send_due(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
) -> AppResult<usize> {
    db::write_tx(conn, |c| -> AppResult<usize> {
        let vouchers = repo::expiring(c, now, now + Duration::days(31))?;
        let due: Vec<_> = vouchers
            .into_iter()
            .filter_map(|v| reminder_due(now, v.valid_until).map(|r| (v, r)))
            .collect();
        if due.is_empty() {
            return Ok(0);
        }
        let key = |id: &VoucherId, r: Reminder| format!("voucher_expiring:{id}:{}", r.days());
        let keys: Vec<String> = due.iter().map(|(v, r)| key(&v.id, *r)).collect();
        let sent: HashSet<String> = outbox_repo::existing_keys(c, &keys)?.into_iter().collect();
        let due: Vec<_> =
            due.into_iter().filter(|(v, r)| !sent.contains(&key(&v.id, *r))).collect();
        let mut firm_ids: Vec<FirmId> = due.iter().map(|(v, _)| v.firm_id.clone()).collect();
        firm_ids.sort();
        firm_ids.dedup();
        let firms: HashMap<FirmId, _> =
            repo::firms_by_ids(c, &firm_ids)?.into_iter().map(|f| (f.id.clone(), f)).collect();
        let emails: Vec<_> = due
            .iter()
            .filter_map(|(v, r)| {
                let firm = firms.get(&v.firm_id)?;
                Some(
                    VoucherExpiring {
                        firm_name: firm.name.clone(),
                        voucher_code: v.code.clone(),
                        balance: yuan(v.balance_fen),
                        valid_until: china_date(v.valid_until),
                        days_left: crate::domain::voucher::days_left(now, v.valid_until),
                    }
                    .to(&firm.contact_email, &firm.name)
                    .once(key(&v.id, *r)),
                )
            })
            .collect();
        outbox::enqueue(c, templates, emails, now)
    })
}
