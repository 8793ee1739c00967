//! `ledger verify`: recomputes every account from the ledger entries and compares it
//! with the records the money belongs to: batch budgets, voucher balances and holds,
//! orders' holds, what providers are due and what is payable to them. Any difference
//! is reported with what was expected and what the entries say.

use crate::db::{ledger as repo, orders, settlement, DbConnection};
use crate::domain::ledger::Account;
use crate::domain::money::yuan_i128;
use crate::domain::order::{OrderStatus, RedemptionStatus};
use crate::domain::settlement::PayoutStatus;
use crate::domain::subsidy::EntitlementStatus;
use crate::domain::voucher::VoucherStatus;
use crate::domain::Fen;
use crate::error::AppResult;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Difference {
    /// The account, or a check that is not an account: `txn:{id}` (a transaction that
    /// does not sum to zero), `voucher_held:{id}` (a voucher's held amount against its
    /// orders), `voucher_stranded:{id}` (an expired, revoked or used voucher's balance
    /// against what its open orders hold: money beyond that no flow can move), `payout_items:{id}` (a payout against the items it pays),
    /// `item_payouts:{id}` (how many live payouts hold an item: at most 1 for a payable
    /// item, exactly 1 for a paid one, else 0), `item_payout_status:{id}` (1 when that
    /// payout is pending for a payable item, paid for a paid one; else 0).
    pub account: String,
    /// Yuan, e.g. `"1234.50"` (sums are kept in 128 bits, so none overflows).
    pub expected: String,
    /// Yuan, e.g. `"1234.50"`.
    pub actual: String,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct LedgerReport {
    /// True when no difference was found.
    pub ok: bool,
    pub entries: usize,
    pub transactions: usize,
    pub accounts: usize,
    pub batches: usize,
    pub vouchers: usize,
    pub orders: usize,
    pub redemption_items: usize,
    pub payouts: usize,
    pub differences: Vec<Difference>,
}

/// The prefixes of the accounts money may be in.
const KNOWN: &[&str] = &[
    "funding:", "batch:", "voucher:", "order:", "due:", "payable:", "payout:", "paid:", "subsidy:",
];

pub fn verify(conn: &mut DbConnection) -> AppResult<LedgerReport> {
    crate::db::read_tx(conn, |c| {
        let entries = repo::entries(c)?;
        // Every sum in 128 bits: no total of i64 amounts can overflow it.
        let mut txns: HashMap<&str, i128> = HashMap::new();
        let mut accounts: HashMap<&str, i128> = HashMap::new();
        for (txn, account, amount) in &entries {
            *txns.entry(txn.as_str()).or_default() += i128::from(amount.get());
            *accounts.entry(account.as_str()).or_default() += i128::from(amount.get());
        }
        let mut diffs = Vec::new();
        let mut check = |account: String, expected: i128, actual: i128| {
            if expected != actual {
                diffs.push(Difference {
                    account,
                    expected: yuan_i128(expected),
                    actual: yuan_i128(actual),
                });
            }
        };
        let w = |f: Fen| i128::from(f.get());
        let mut unbalanced: Vec<(&str, i128)> = txns
            .iter()
            .filter(|(_, s)| **s != 0)
            .map(|(t, s)| (*t, *s))
            .collect();
        unbalanced.sort();
        for (t, s) in unbalanced {
            check(format!("txn:{t}"), 0, s);
        }
        let balance = |a: &str| accounts.get(a).copied().unwrap_or(0);

        let batches = repo::batches(c)?;
        for (id, budget, claimed) in &batches {
            check(
                Account::batch(id).into_string(),
                w(*budget) - w(*claimed),
                balance(Account::batch(id).as_str()),
            );
        }

        let orders = orders::all(c)?;
        let items = orders::all_items(c)?;
        let item_status: HashMap<&str, &str> = items
            .iter()
            .map(|i| (i.order_id.as_str(), i.status.as_str()))
            .collect();
        let mut held_by_voucher: HashMap<&str, i128> = HashMap::new();
        let mut due: BTreeMap<&str, i128> = BTreeMap::new();
        for o in &orders {
            let status = Some(o.status);
            let holds = o.status.holds();
            if holds {
                *held_by_voucher.entry(o.voucher_id.as_str()).or_default() += w(o.covered_fen);
            }
            check(
                Account::order(&o.id).into_string(),
                if holds { w(o.covered_fen) } else { 0 },
                balance(Account::order(&o.id).as_str()),
            );
            // A confirmed order is due to its provider until its item becomes payable
            // (or is rejected, when the amount returns to the programme).
            let still_due = status == Some(OrderStatus::Confirmed)
                && item_status.get(o.id.as_str()).is_none_or(|s| {
                    *s == RedemptionStatus::Submitted.as_str()
                        || *s == RedemptionStatus::InNotice.as_str()
                });
            let entry = due.entry(o.provider_id.as_str()).or_default();
            if still_due {
                *entry += w(o.covered_fen);
            }
        }
        for (provider, expected) in &due {
            check(
                Account::due(provider).into_string(),
                *expected,
                balance(Account::due(provider).as_str()),
            );
        }

        let vouchers = repo::vouchers(c)?;
        for (id, bal, held, status) in &vouchers {
            check(
                Account::voucher(id).into_string(),
                w(*bal) - w(*held),
                balance(Account::voucher(id).as_str()),
            );
            // Only an active voucher can spend its free balance; an expired, revoked or
            // used one keeps only what its open orders hold (the rest went back to the
            // programme, or was spent). Anything more is stranded: no flow moves it.
            if *status != VoucherStatus::Active {
                check(format!("voucher_stranded:{id}"), w(*held), w(*bal));
            }
            check(
                format!("voucher_held:{id}"),
                held_by_voucher.get(id.as_str()).copied().unwrap_or(0),
                w(*held),
            );
        }

        // Settlement: each payout holds its amount while pending; paid payouts add up
        // in `paid:`; a payout's items add up to it; an item is in at most one live
        // payout, and an item in settlement (or paid) is in one.
        let payouts = settlement::all_payouts(c)?;
        let payout_items = settlement::all_payout_items(c)?;
        let mut items_sum: HashMap<&str, i128> = HashMap::new();
        let mut live_of_item: HashMap<&str, Vec<&str>> = HashMap::new();
        for (payout, item, amount, live) in &payout_items {
            *items_sum.entry(payout.as_str()).or_default() += w(*amount);
            if *live {
                live_of_item
                    .entry(item.as_str())
                    .or_default()
                    .push(payout.as_str());
            }
        }
        let mut paid: BTreeMap<&str, i128> = BTreeMap::new();
        let mut payout_status: HashMap<&str, &str> = HashMap::new();
        for p in &payouts {
            payout_status.insert(p.id.as_str(), p.status.as_str());
            let pending = p.status == PayoutStatus::Pending;
            check(
                Account::payout(p.id.as_str()).into_string(),
                if pending { w(p.amount_fen) } else { 0 },
                balance(Account::payout(p.id.as_str()).as_str()),
            );
            check(
                format!("payout_items:{}", p.id),
                w(p.amount_fen),
                items_sum.get(p.id.as_str()).copied().unwrap_or(0),
            );
            let e = paid.entry(p.payee_id.as_str()).or_default();
            if p.status == PayoutStatus::Paid {
                *e += w(p.amount_fen);
            }
        }
        for (payee, expected) in &paid {
            check(
                Account::paid(payee).into_string(),
                *expected,
                balance(Account::paid(payee).as_str()),
            );
        }
        // A payable item waits for a run (no live payout) or is in one (one live
        // pending payout: "in settlement"); a paid item has one live paid payout; any
        // other item has none. What waits is what `payable:` holds.
        let mut payable: BTreeMap<&str, i128> = BTreeMap::new();
        for i in &items {
            let held_by = live_of_item.get(i.id.as_str()).cloned().unwrap_or_default();
            let state = |k: usize| held_by.get(k).and_then(|p| payout_status.get(p)).copied();
            let entry = payable.entry(i.provider_id.as_str()).or_default();
            let (max_live, wanted) = match Some(i.status) {
                Some(RedemptionStatus::Payable) => (1, Some(PayoutStatus::Pending)),
                Some(RedemptionStatus::Paid) => (1, Some(PayoutStatus::Paid)),
                _ => (0, None),
            };
            if i.status == RedemptionStatus::Payable && held_by.is_empty() {
                *entry += w(i.amount_fen);
            }
            if held_by.len() > max_live {
                check(
                    format!("item_payouts:{}", i.id),
                    max_live as i128,
                    held_by.len() as i128,
                );
            }
            if i.status == RedemptionStatus::Paid && held_by.is_empty() {
                check(format!("item_payouts:{}", i.id), 1, 0);
            }
            if let (Some(w), 1) = (wanted, held_by.len()) {
                let right = state(0) == Some(w.as_str());
                check(format!("item_payout_status:{}", i.id), 1, i128::from(right));
            }
        }
        // Subsidy entitlements: the same rules, paid to spaces; each policy's account
        // has given out what its approved (payable or paid) entitlements hold.
        let entitlements = crate::db::carriers::all_entitlements(c)?;
        let mut given: BTreeMap<String, i128> = BTreeMap::new();
        for (id, space, policy, amount, status) in &entitlements {
            let held_by = live_of_item.get(id.as_str()).cloned().unwrap_or_default();
            let is = |s: EntitlementStatus| status == s.as_str();
            if is(EntitlementStatus::Payable) || is(EntitlementStatus::Paid) {
                *given.entry(policy.clone()).or_default() += w(*amount);
            }
            let entry = payable.entry(space.as_str()).or_default();
            if is(EntitlementStatus::Payable) && held_by.is_empty() {
                *entry += w(*amount);
            }
            let (max_live, wanted) = if is(EntitlementStatus::Payable) {
                (1, Some(PayoutStatus::Pending))
            } else if is(EntitlementStatus::Paid) {
                (1, Some(PayoutStatus::Paid))
            } else {
                (0, None)
            };
            if held_by.len() > max_live || (is(EntitlementStatus::Paid) && held_by.is_empty()) {
                check(
                    format!("item_payouts:{id}"),
                    max_live as i128,
                    held_by.len() as i128,
                );
            }
            if let (Some(w), 1) = (wanted, held_by.len()) {
                let right =
                    held_by.first().and_then(|p| payout_status.get(p)).copied() == Some(w.as_str());
                check(format!("item_payout_status:{id}"), 1, i128::from(right));
            }
        }
        for (policy, amount) in &given {
            let account = Account::subsidy(policy).into_string();
            let actual = balance(&account);
            check(account, -amount, actual);
        }
        for (provider, expected) in &payable {
            check(
                Account::payable(provider).into_string(),
                *expected,
                balance(Account::payable(provider).as_str()),
            );
        }
        // Money in an account no record explains.
        let mut stray: Vec<(&str, i128)> = accounts
            .iter()
            .filter(|(a, v)| {
                **v != 0
                    && (!KNOWN.iter().any(|k| a.starts_with(k))
                        || (a.starts_with("due:") && !due.contains_key(&a[4..]))
                        || (a.starts_with("payable:") && !payable.contains_key(&a[8..]))
                        || (a.starts_with("paid:") && !paid.contains_key(&a[5..]))
                        || (a.starts_with("subsidy:") && !given.contains_key(&a[8..])))
            })
            .map(|(a, v)| (*a, *v))
            .collect();
        stray.sort();
        for (a, v) in stray {
            check(a.to_string(), 0, v);
        }

        Ok(LedgerReport {
            ok: diffs.is_empty(),
            entries: entries.len(),
            transactions: txns.len(),
            accounts: accounts.len(),
            batches: batches.len(),
            vouchers: vouchers.len(),
            orders: orders.len(),
            redemption_items: items.len(),
            payouts: payouts.len(),
            differences: diffs,
        })
    })
}
