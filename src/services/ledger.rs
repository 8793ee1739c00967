//! `ledger verify`: recomputes every account from the ledger entries and compares it
//! with the records the money belongs to: batch budgets, voucher balances and holds,
//! orders' holds, what providers are due and what is payable to them. Any difference
//! is reported with what was expected and what the entries say.

use crate::db::carriers::EntitlementFacts;
use crate::db::models::{
    OrderRow, PayoutRow, ReceivableRow, RecoveryRow, RedemptionItemRow, SupplementRow,
};
use crate::db::tallies::{self, Counts};
use crate::db::{ledger as repo, orders, settlement, DbConnection};
use crate::domain::id::{PartyId, ProgrammeId, ProviderId, VoucherId};
use crate::domain::ledger::Account;
use crate::domain::money::yuan_i128;
use crate::domain::order::{OrderStatus, RedemptionStatus};
use crate::domain::receivable::{RecoveryKind, SupplementStatus};
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
    /// against what its open orders hold: money beyond that no flow can move), `payout_items:{id}` (a payout's amount and offset against the items it pays),
    /// `payout_offset:{id}` (a payout's offset against its live offsets),
    /// `receivable_outstanding:{id}` (what a receivable still owes against its amount
    /// less its live recoveries),
    /// `item_payouts:{id}` (how many live payouts hold an item: at most 1 for a payable
    /// item, exactly 1 for a paid one, else 0), `item_payout_status:{id}` (1 when that
    /// payout is pending for a payable item, paid for a paid one; else 0).
    pub account: String,
    /// Yuan, e.g. `"1234.50"` (sums are kept in 128 bits, so none overflows); for the
    /// overview's `tally:{batch}:{kind}:{status}:{label}` the rows and two sums
    /// (`"3 · 1234.50 · 0.00"`), for its `holder:{batch}:{firm}` the firm's class,
    /// industry, district and whether served (or `none`), for `holdings:{firm}` how
    /// many batches the firm holds, for `score:{provider}` the provider's ratings and
    /// their aspects added (`"3 · 41"`).
    pub expected: String,
    /// As `expected`.
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
    /// The overview's kept tallies and holders, and the providers' kept ratings,
    /// checked against the rows.
    pub tallies: usize,
    pub differences: Vec<Difference>,
}

/// The prefixes of the accounts money may be in.
const KNOWN: &[&str] = &[
    "funding:",
    "batch:",
    "voucher:",
    "order:",
    "due:",
    "payable:",
    "payout:",
    "paid:",
    "subsidy:",
    "receivable:",
    "recoverable:",
    "repaid:",
];

/// Recomputes every account and compares it with the records, in steps: the
/// transactions balance; batches, orders and what is due, vouchers, payouts and what is
/// paid, redemption items and entitlements and what is payable, each against its
/// account; last, money in an account no record explains.
pub fn verify(conn: &mut DbConnection) -> AppResult<LedgerReport> {
    crate::db::read_tx(conn, |c| {
        let entries = repo::entries(c)?;
        let batches = repo::batches(c)?;
        let orders = orders::all(c)?;
        let items = orders::all_items(c)?;
        let vouchers = repo::vouchers(c)?;
        let payouts = settlement::all_payouts(c)?;
        let payout_items = settlement::all_payout_items(c)?;
        let entitlements = crate::db::carriers::all_entitlements(c)?;
        let kept = (tallies::kept(c, None)?, tallies::kept_holders(c)?, tallies::kept_holdings(c)?);
        let counted = (tallies::counted(c)?, tallies::counted_holders(c)?);
        let scores = (crate::db::ratings::kept(c)?, crate::db::ratings::counted(c)?);
        let (receivables, recoveries) = crate::db::receivables::all(c)?;
        let supplements = crate::db::supplements::all(c)?;

        let mut books = Books::of(&entries);
        let transactions = books.balanced(&entries);
        for (id, budget, claimed) in &batches {
            books.account(Account::batch(id), w(*budget) - w(*claimed));
        }
        let (held_by_voucher, due) = books.orders(&orders, &items);
        books.vouchers(&vouchers, &held_by_voucher);
        let settled = books.payouts(&payouts, &payout_items, &recoveries);
        let owed = books.receivables(&receivables, &recoveries);
        let mut payable = books.items(&items, &settled);
        let given = books.entitlements(&entitlements, &settled, &mut payable);
        books.supplements(&supplements, &settled, &mut payable);
        for (provider, expected) in &payable {
            books.account(Account::payable(provider), *expected);
        }
        books.stray(|a| {
            let explained =
                |prefix: &str, by: &dyn Fn(&str) -> bool| a.strip_prefix(prefix).is_none_or(by);
            KNOWN.iter().any(|k| a.starts_with(k))
                && explained("due:", &|p| due.contains_key(p))
                && explained("payable:", &|p| payable.contains_key(p))
                && explained("paid:", &|p| settled.paid.contains_key(p))
                && explained("subsidy:", &|p| given.contains_key(p))
                && explained("receivable:", &|p| owed.by_provider.contains_key(p))
                && explained("recoverable:", &|p| owed.by_programme.contains_key(p))
                && explained("repaid:", &|p| owed.repaid.contains_key(p))
        });

        let checked = books.tallies(&kept.0, &counted.0)
            + books.holders(&kept.1, &counted.1)
            + books.holdings(&kept.2, &counted.1)
            + books.scores(&scores.0, &scores.1);

        Ok(LedgerReport {
            ok: books.diffs.is_empty(),
            entries: entries.len(),
            transactions,
            accounts: books.balances.len(),
            batches: batches.len(),
            vouchers: vouchers.len(),
            orders: orders.len(),
            redemption_items: items.len(),
            payouts: payouts.len(),
            tallies: checked,
            differences: books.diffs,
        })
    })
}

/// An amount in 128 bits: no total of i64 amounts can overflow it.
fn w(f: Fen) -> i128 {
    i128::from(f.get())
}

/// The balances the entries give, and the differences found so far.
struct Books<'a> {
    balances: HashMap<&'a str, i128>,
    diffs: Vec<Difference>,
}

/// What providers owe after findings: by provider (negative), by programme, and what
/// each provider has repaid (negative).
#[derive(Default)]
struct Owed {
    by_provider: BTreeMap<String, i128>,
    by_programme: BTreeMap<String, i128>,
    repaid: BTreeMap<String, i128>,
}

/// What settlement says: each live payout's status, which live payouts hold each item,
/// and what each payee has been paid.
struct Settled<'a> {
    status: HashMap<&'a str, PayoutStatus>,
    live_of_item: HashMap<&'a str, Vec<&'a str>>,
    paid: BTreeMap<PartyId, i128>,
}

impl<'a> Books<'a> {
    fn of(entries: &'a [(String, String, Fen)]) -> Self {
        let mut balances: HashMap<&str, i128> = HashMap::new();
        for (_, account, amount) in entries {
            *balances.entry(account.as_str()).or_default() += w(*amount);
        }
        Books { balances, diffs: Vec::new() }
    }

    fn check(&mut self, account: String, expected: i128, actual: i128) {
        if expected != actual {
            self.diffs.push(Difference {
                account,
                expected: yuan_i128(expected),
                actual: yuan_i128(actual),
            });
        }
    }

    /// The account holds `expected`.
    fn account(&mut self, account: Account, expected: i128) {
        let actual = self.balances.get(account.as_str()).copied().unwrap_or(0);
        self.check(account.into_string(), expected, actual);
    }

    /// The overview's kept tallies are the rows' counts and sums, key by key (an
    /// account `tally:{batch}:{kind}:{status}:{label}`, the figures as "rows · a · b");
    /// returns how many keys were compared.
    fn tallies(
        &mut self,
        kept: &BTreeMap<tallies::Key, Counts>,
        counted: &BTreeMap<tallies::Key, Counts>,
    ) -> usize {
        let keys: std::collections::BTreeSet<&tallies::Key> =
            kept.keys().chain(counted.keys()).collect();
        let shown = |c: Option<&Counts>| {
            let c = c.copied().unwrap_or_default();
            format!("{} · {} · {}", c.n, c.a, c.b)
        };
        for k in &keys {
            let (e, a) = (counted.get(*k), kept.get(*k));
            if e != a {
                self.diffs.push(Difference {
                    account: format!("tally:{}:{}:{}:{}", k.0, k.1, k.2, k.3),
                    expected: shown(e),
                    actual: shown(a),
                });
            }
        }
        keys.len()
    }

    /// The overview's kept holders are the firms holding each batch's vouchers, as the
    /// firms are now (an account `holder:{batch}:{firm}`).
    fn holders(&mut self, kept: &tallies::Holders, counted: &tallies::Holders) -> usize {
        let keys: std::collections::BTreeSet<&(String, String)> =
            kept.keys().chain(counted.keys()).collect();
        let shown = |h: Option<&(crate::domain::SizeClass, String, Option<String>, bool)>| {
            h.map_or_else(
                || "none".to_string(),
                |(s, i, d, v)| {
                    format!(
                        "{} · {i} · {} · {}",
                        s.as_str(),
                        d.as_deref().unwrap_or("-"),
                        if *v { "served" } else { "not served" }
                    )
                },
            )
        };
        for k in &keys {
            let (e, a) = (counted.get(*k), kept.get(*k));
            if e != a {
                self.diffs.push(Difference {
                    account: format!("holder:{}:{}", k.0, k.1),
                    expected: shown(e),
                    actual: shown(a),
                });
            }
        }
        keys.len()
    }

    /// Each firm's count of batches held is its holders' (an account
    /// `holdings:{firm}`); returns how many firms were compared.
    fn holdings(&mut self, kept: &BTreeMap<String, i64>, holders: &tallies::Holders) -> usize {
        let mut counted: BTreeMap<&str, i64> = BTreeMap::new();
        for (_, firm) in holders.keys() {
            *counted.entry(firm.as_str()).or_default() += 1;
        }
        let firms: std::collections::BTreeSet<&str> =
            kept.keys().map(String::as_str).chain(counted.keys().copied()).collect();
        for f in &firms {
            let (e, a) = (counted.get(f).copied().unwrap_or(0), kept.get(*f).copied().unwrap_or(0));
            if e != a {
                self.diffs.push(Difference {
                    account: format!("holdings:{f}"),
                    expected: e.to_string(),
                    actual: a.to_string(),
                });
            }
        }
        firms.len()
    }

    /// Each provider's kept ratings (how many, their aspects added) are its ratings'
    /// (an account `score:{provider}`); returns how many providers were compared.
    fn scores(
        &mut self,
        kept: &BTreeMap<String, (i64, i64)>,
        counted: &BTreeMap<String, (i64, i64)>,
    ) -> usize {
        let providers: std::collections::BTreeSet<&String> =
            kept.keys().chain(counted.keys()).collect();
        let shown = |v: Option<&(i64, i64)>| {
            let (n, t) = v.copied().unwrap_or((0, 0));
            format!("{n} · {t}")
        };
        for p in &providers {
            let (e, a) = (counted.get(*p), kept.get(*p));
            if e != a {
                self.diffs.push(Difference {
                    account: format!("score:{p}"),
                    expected: shown(e),
                    actual: shown(a),
                });
            }
        }
        providers.len()
    }

    /// Every transaction sums to zero; returns how many there are.
    fn balanced(&mut self, entries: &[(String, String, Fen)]) -> usize {
        let mut txns: HashMap<&str, i128> = HashMap::new();
        for (txn, _, amount) in entries {
            *txns.entry(txn.as_str()).or_default() += w(*amount);
        }
        let mut unbalanced: Vec<(&str, i128)> =
            txns.iter().filter(|(_, s)| **s != 0).map(|(t, s)| (*t, *s)).collect();
        unbalanced.sort();
        for (t, s) in unbalanced {
            self.check(format!("txn:{t}"), 0, s);
        }
        txns.len()
    }

    /// Each order holds its covered amount while it holds; a confirmed order is due to
    /// its provider until its item becomes payable (or is rejected, when the amount
    /// returns to the programme). Returns what each voucher's orders hold and what each
    /// provider is due.
    fn orders(
        &mut self,
        orders: &'a [OrderRow],
        items: &'a [RedemptionItemRow],
    ) -> (HashMap<&'a str, i128>, BTreeMap<ProviderId, i128>) {
        // An item waiting in review or notice is due for its amount (a finding may have
        // corrected it below the order's voucher share).
        let item_status: HashMap<&str, (RedemptionStatus, Fen)> =
            items.iter().map(|i| (i.order_id.as_str(), (i.status, i.amount_fen))).collect();
        let mut held_by_voucher: HashMap<&str, i128> = HashMap::new();
        let mut due: BTreeMap<ProviderId, i128> = BTreeMap::new();
        for o in orders {
            let holds = o.status.holds();
            if holds {
                *held_by_voucher.entry(o.voucher_id.as_str()).or_default() += w(o.covered_fen);
            }
            self.account(Account::order(&o.id), if holds { w(o.covered_fen) } else { 0 });
            let item = item_status.get(o.id.as_str());
            let still_due = o.status == OrderStatus::Confirmed
                && item.is_none_or(|(s, _)| {
                    matches!(s, RedemptionStatus::Submitted | RedemptionStatus::InNotice)
                });
            let amount = item.map_or(o.covered_fen, |(_, a)| *a);
            *due.entry(o.provider_id.clone()).or_default() += if still_due { w(amount) } else { 0 };
        }
        for (provider, expected) in &due {
            self.account(Account::due(provider), *expected);
        }
        (held_by_voucher, due)
    }

    /// Each voucher's account holds its free balance; its held amount is what its
    /// orders hold. Only an active voucher can spend its free balance; an expired,
    /// revoked or used one keeps only what its open orders hold (the rest went back to
    /// the programme, or was spent). Anything more is stranded: no flow moves it.
    fn vouchers(
        &mut self,
        vouchers: &[(VoucherId, Fen, Fen, VoucherStatus)],
        held_by_voucher: &HashMap<&str, i128>,
    ) {
        for (id, bal, held, status) in vouchers {
            self.account(Account::voucher(id), w(*bal) - w(*held));
            if *status != VoucherStatus::Active {
                self.check(format!("voucher_stranded:{id}"), w(*held), w(*bal));
            }
            self.check(
                format!("voucher_held:{id}"),
                held_by_voucher.get(id.as_str()).copied().unwrap_or(0),
                w(*held),
            );
        }
    }

    /// Each payout holds its amount while pending; paid payouts add up in `paid:`; a
    /// payout's items add up to its amount and its offset; a live (pending or paid)
    /// payout's offset is what its live offsets took, and any other payout's is none
    /// (`payout_offset:{id}`).
    fn payouts(
        &mut self,
        payouts: &'a [PayoutRow],
        payout_items: &'a [(String, String, Fen, bool)],
        recoveries: &[RecoveryRow],
    ) -> Settled<'a> {
        let mut offsets: HashMap<&str, i128> = HashMap::new();
        for r in recoveries.iter().filter(|r| r.live) {
            if let Some(p) = &r.payout_id {
                *offsets.entry(p.as_str()).or_default() += w(r.amount_fen);
            }
        }
        let mut items_sum: HashMap<&str, i128> = HashMap::new();
        let mut live_of_item: HashMap<&str, Vec<&str>> = HashMap::new();
        for (payout, item, amount, live) in payout_items {
            *items_sum.entry(payout.as_str()).or_default() += w(*amount);
            if *live {
                live_of_item.entry(item.as_str()).or_default().push(payout.as_str());
            }
        }
        let mut paid: BTreeMap<PartyId, i128> = BTreeMap::new();
        let mut status: HashMap<&str, PayoutStatus> = HashMap::new();
        for p in payouts {
            status.insert(p.id.as_str(), p.status);
            let pending = p.status == PayoutStatus::Pending;
            self.account(Account::payout(&p.id), if pending { w(p.amount_fen) } else { 0 });
            let live = matches!(p.status, PayoutStatus::Pending | PayoutStatus::Paid);
            let carried = w(p.amount_fen) + w(p.offset_fen);
            self.check(
                format!("payout_items:{}", p.id),
                carried,
                items_sum.get(p.id.as_str()).copied().unwrap_or(0),
            );
            self.check(
                format!("payout_offset:{}", p.id),
                if live { w(p.offset_fen) } else { 0 },
                offsets.get(p.id.as_str()).copied().unwrap_or(0),
            );
            *paid.entry(p.payee_id.clone()).or_default() +=
                if p.status == PayoutStatus::Paid { w(p.amount_fen) } else { 0 };
        }
        for (payee, expected) in &paid {
            self.account(Account::paid(payee), *expected);
        }
        Settled { status, live_of_item, paid }
    }

    /// Each receivable owes its amount less its live recoveries
    /// (`receivable_outstanding:{id}`); `receivable:` holds, negative, what each provider
    /// still owes, `recoverable:` what each programme still expects, and `repaid:`,
    /// negative, what each provider has paid back.
    fn receivables(&mut self, rows: &[ReceivableRow], recoveries: &[RecoveryRow]) -> Owed {
        let mut recovered: HashMap<&str, i128> = HashMap::new();
        let mut owed = Owed::default();
        for r in recoveries.iter().filter(|r| r.live) {
            *recovered.entry(r.receivable_id.as_str()).or_default() += w(r.amount_fen);
        }
        let provider_of: HashMap<&str, &str> =
            rows.iter().map(|r| (r.id.as_str(), r.provider_id.as_str())).collect();
        for r in recoveries.iter().filter(|r| r.live && r.kind == RecoveryKind::Repayment) {
            if let Some(p) = provider_of.get(r.receivable_id.as_str()) {
                *owed.repaid.entry(p.to_string()).or_default() -= w(r.amount_fen);
            }
        }
        for r in rows {
            let left = w(r.amount_fen) - recovered.get(r.id.as_str()).copied().unwrap_or(0);
            self.check(format!("receivable_outstanding:{}", r.id), left, w(r.outstanding_fen));
            *owed.by_provider.entry(r.provider_id.to_string()).or_default() -= left;
            *owed.by_programme.entry(r.programme_id.to_string()).or_default() += left;
        }
        for (p, v) in owed.by_provider.clone() {
            self.account(Account::receivable(&ProviderId::stored(p)), v);
        }
        for (g, v) in owed.by_programme.clone() {
            self.account(Account::recoverable(&ProgrammeId::stored(g)), v);
        }
        for (p, v) in owed.repaid.clone() {
            self.account(Account::repaid(&ProviderId::stored(p)), v);
        }
        owed
    }

    /// A payable item waits for a run (no live payout) or is in one (one live pending
    /// payout: "in settlement"); a paid item has one live paid payout; any other item
    /// has none. What waits is what `payable:` holds: returned by provider.
    fn items(
        &mut self,
        items: &'a [RedemptionItemRow],
        settled: &Settled<'a>,
    ) -> BTreeMap<PartyId, i128> {
        let mut payable: BTreeMap<PartyId, i128> = BTreeMap::new();
        for i in items {
            let wanted = match i.status {
                RedemptionStatus::Payable => Some(PayoutStatus::Pending),
                RedemptionStatus::Paid => Some(PayoutStatus::Paid),
                _ => None,
            };
            let waiting = self.in_payouts(i.id.as_str(), wanted, settled);
            *payable.entry(PartyId::from(&i.provider_id)).or_default() +=
                if waiting { w(i.amount_fen) } else { 0 };
        }
        payable
    }

    /// Subsidy entitlements: the same rules as redemption items, paid to spaces (what
    /// waits is added to `payable`); each policy's account has given out what its
    /// approved (payable or paid) entitlements hold. Returns that, by policy.
    fn entitlements(
        &mut self,
        entitlements: &'a [EntitlementFacts],
        settled: &Settled<'a>,
        payable: &mut BTreeMap<PartyId, i128>,
    ) -> BTreeMap<&'a str, i128> {
        let mut given: BTreeMap<&str, i128> = BTreeMap::new();
        for (id, space, policy, amount, status) in entitlements {
            let wanted = match status {
                EntitlementStatus::Payable => Some(PayoutStatus::Pending),
                EntitlementStatus::Paid => Some(PayoutStatus::Paid),
                _ => None,
            };
            if wanted.is_some() {
                *given.entry(policy.as_str()).or_default() += w(*amount);
            }
            let waiting = self.in_payouts(id.as_str(), wanted, settled);
            *payable.entry(PartyId::from(space)).or_default() +=
                if waiting { w(*amount) } else { 0 };
        }
        for (policy, amount) in &given {
            self.account(Account::subsidy(policy), -amount);
        }
        given
    }

    /// Supplements (补付款): the same rules as redemption items, paid to the provider
    /// (what waits is added to `payable`).
    fn supplements(
        &mut self,
        supplements: &'a [SupplementRow],
        settled: &Settled<'a>,
        payable: &mut BTreeMap<PartyId, i128>,
    ) {
        for s in supplements {
            let wanted = Some(match s.status {
                SupplementStatus::Payable => PayoutStatus::Pending,
                SupplementStatus::Paid => PayoutStatus::Paid,
            });
            let waiting = self.in_payouts(s.id.as_str(), wanted, settled);
            *payable.entry(PartyId::from(&s.provider_id)).or_default() +=
                if waiting { w(s.amount_fen) } else { 0 };
        }
    }

    /// Checks the live payouts that hold one item (a redemption item, an entitlement or
    /// a supplement): none unless it is payable or paid (`wanted` is then the status
    /// its payout must have), at most one, and one for a paid item. Returns whether the
    /// item is payable and waits for a run.
    fn in_payouts(
        &mut self,
        id: &str,
        wanted: Option<PayoutStatus>,
        settled: &Settled<'_>,
    ) -> bool {
        let held_by = settled.live_of_item.get(id).map(Vec::as_slice).unwrap_or_default();
        let max_live = usize::from(wanted.is_some());
        let must_be_in_one = wanted == Some(PayoutStatus::Paid);
        if held_by.len() > max_live || (must_be_in_one && held_by.is_empty()) {
            self.check(format!("item_payouts:{id}"), max_live as i128, held_by.len() as i128);
        }
        if let (Some(wanted), [payout]) = (wanted, held_by) {
            let right = settled.status.get(payout) == Some(&wanted);
            self.check(format!("item_payout_status:{id}"), 1, i128::from(right));
        }
        wanted == Some(PayoutStatus::Pending) && held_by.is_empty()
    }

    /// Money in an account no record explains (`explained` says which are).
    fn stray(&mut self, explained: impl Fn(&str) -> bool) {
        let mut stray: Vec<(&str, i128)> = self
            .balances
            .iter()
            .filter(|(a, v)| **v != 0 && !explained(a))
            .map(|(a, v)| (*a, *v))
            .collect();
        stray.sort();
        for (a, v) in stray {
            self.check(a.to_string(), 0, v);
        }
    }
}
