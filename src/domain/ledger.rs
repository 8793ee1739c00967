//! The ledger's vocabulary: where public money can be (accounts) and how it moves
//! (transactions that can only be built balanced). `db::ledger::post` stores a
//! transaction; `services::ledger::verify` recomputes every account from the entries
//! and compares it with the records.
//!
//! Money moves from a programme's funding into a batch budget, from a batch budget into
//! vouchers, from a voucher into the orders that hold it, then to the provider (due,
//! then payable), into a payout and out as paid. A subsidy policy's account pays a
//! space's payable. What expires or is refused goes back to the programme's funding.
//! A finding against money already in a run or paid makes a receivable: the provider
//! owes it (`receivable:`), the programme expects it (`recoverable:`), and as offsets
//! or repayments recover it the programme's funding gets it back.

use super::id::{AnyPartyId, BatchId, OrderId, PayoutId, ProgrammeId, ProviderId, VoucherId};
use super::Fen;
use std::fmt;

/// A ledger account, written `kind:id`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Account(String);

impl Account {
    /// What a programme has not yet put into batches (or has had back).
    pub fn funding(programme_id: &ProgrammeId) -> Self {
        Account(format!("funding:{programme_id}"))
    }

    /// A batch's budget not yet claimed.
    pub fn batch(batch_id: &BatchId) -> Self {
        Account(format!("batch:{batch_id}"))
    }

    /// A voucher's free balance.
    pub fn voucher(voucher_id: &VoucherId) -> Self {
        Account(format!("voucher:{voucher_id}"))
    }

    /// What an accepted order holds of its voucher, until it is confirmed or released.
    pub fn order(order_id: &OrderId) -> Self {
        Account(format!("order:{order_id}"))
    }

    /// What confirmed orders owe a provider before review and public notice end.
    pub fn due(provider_id: &ProviderId) -> Self {
        Account(format!("due:{provider_id}"))
    }

    /// What a payee (provider or space) is to be paid: approved, notice ended.
    pub fn payable(payee_id: &impl AnyPartyId) -> Self {
        Account(format!("payable:{}", payee_id.as_str()))
    }

    /// What a prepared payout carries until the bank pays it or it fails.
    pub fn payout(payout_id: &PayoutId) -> Self {
        Account(format!("payout:{payout_id}"))
    }

    /// What a payee has been paid.
    pub fn paid(payee_id: &impl AnyPartyId) -> Self {
        Account(format!("paid:{}", payee_id.as_str()))
    }

    /// What a provider owes back after findings (negative: owed), until offsets and
    /// repayments bring it back to zero.
    pub fn receivable(provider_id: &ProviderId) -> Self {
        Account(format!("receivable:{provider_id}"))
    }

    /// What a programme is owed back by providers after findings: credited to its
    /// funding only as the money is recovered.
    pub fn recoverable(programme_id: &ProgrammeId) -> Self {
        Account(format!("recoverable:{programme_id}"))
    }

    /// What a provider has paid back from its own bank account (negative: money in).
    pub fn repaid(provider_id: &ProviderId) -> Self {
        Account(format!("repaid:{provider_id}"))
    }

    /// What a subsidy policy has given out (negative: it pays).
    pub fn subsidy(policy: &str) -> Self {
        Account(format!("subsidy:{policy}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One ledger transaction: postings (account, signed fen) that sum to zero. The only
/// ways to build one move each amount out of one account and into another, so an
/// unbalanced transaction cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    kind: &'static str,
    postings: Vec<(Account, Fen)>,
}

impl Transaction {
    /// `amount` from `from` to `to`.
    pub fn transfer(kind: &'static str, from: Account, to: Account, amount: Fen) -> Self {
        Self::fan_out(kind, from, [(to, amount)])
    }

    /// From one account to many: one debit of the total, then one credit per receiver.
    /// Nothing to receive makes an empty transaction (nothing is posted).
    pub fn fan_out(
        kind: &'static str,
        from: Account,
        to: impl IntoIterator<Item = (Account, Fen)>,
    ) -> Self {
        let mut total = Fen::ZERO;
        let mut postings = vec![(from, Fen::ZERO)];
        for (account, amount) in to {
            total = total + amount;
            postings.push((account, amount));
        }
        if postings.len() == 1 {
            postings.clear();
        } else {
            postings[0].1 = -total;
        }
        Transaction { kind, postings }
    }

    /// Many moves (from, to, amount) in one transaction: a debit and a credit each.
    pub fn moves(
        kind: &'static str,
        list: impl IntoIterator<Item = (Account, Account, Fen)>,
    ) -> Self {
        let mut postings = Vec::new();
        for (from, to, amount) in list {
            postings.push((from, -amount));
            postings.push((to, amount));
        }
        Transaction { kind, postings }
    }

    /// What moved the money (`voucher_claimed`, `order_hold`, ...).
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The postings, in the order they were made.
    pub fn postings(&self) -> &[(Account, Fen)] {
        &self.postings
    }

    pub fn is_empty(&self) -> bool {
        self.postings.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::id::{PartyId, SpaceId};

    fn sum(t: &Transaction) -> i64 {
        t.postings().iter().map(|(_, a)| a.get()).sum()
    }

    #[test]
    fn a_fan_out_debits_the_total_once_and_balances() {
        let t = Transaction::fan_out(
            "voucher_claimed",
            Account::batch(&BatchId::stored("b".into())),
            [
                (Account::voucher(&VoucherId::stored("1".into())), Fen::new(5_000_000)),
                (Account::voucher(&VoucherId::stored("2".into())), Fen::new(3_000_001)),
            ],
        );
        assert_eq!(t.postings().len(), 3);
        assert_eq!(
            t.postings()[0],
            (Account::batch(&BatchId::stored("b".into())), Fen::new(-8_000_001))
        );
        assert_eq!(sum(&t), 0);
        assert_eq!(t.kind(), "voucher_claimed");
        assert!(Transaction::fan_out(
            "voucher_claimed",
            Account::batch(&BatchId::stored("b".into())),
            []
        )
        .is_empty());
    }

    #[test]
    fn transfers_and_moves_balance() {
        let t = Transaction::transfer(
            "order_hold",
            Account::voucher(&VoucherId::stored("v".into())),
            Account::order(&OrderId::stored("o".into())),
            Fen::new(12_345),
        );
        assert_eq!(
            t.postings(),
            &[
                (Account::voucher(&VoucherId::stored("v".into())), Fen::new(-12_345)),
                (Account::order(&OrderId::stored("o".into())), Fen::new(12_345))
            ]
        );
        let m = Transaction::moves(
            "settlement_prepared",
            [
                (
                    Account::payable(&PartyId::stored("p1".into())),
                    Account::payout(&PayoutId::stored("x1".into())),
                    Fen::new(100),
                ),
                (
                    Account::payable(&ProviderId::stored("p2".into())),
                    Account::payout(&PayoutId::stored("x2".into())),
                    Fen::new(250),
                ),
            ],
        );
        assert_eq!(m.postings().len(), 4);
        assert_eq!(sum(&m), 0);
    }

    #[test]
    fn accounts_are_written_kind_colon_id() {
        assert_eq!(Account::funding(&ProgrammeId::stored("p".into())).as_str(), "funding:p");
        assert_eq!(Account::due(&ProviderId::stored("x".into())).to_string(), "due:x");
        assert_eq!(Account::subsidy("opening").into_string(), "subsidy:opening");
        assert_eq!(Account::paid(&SpaceId::stored("s".into())).as_str(), "paid:s");
    }
}
