//! Receivables (应收款项): what a provider owes back after a finding against an item that
//! was already in a settlement run or paid. A receivable is recovered by offsets against
//! the provider's later payouts (the bank pays what is left) and by recorded repayments.
//! Pure rules: how much a run offsets and against which receivables.

use super::Fen;

super::text_enum! {
    /// How a receivable was (partly) recovered.
    pub enum RecoveryKind {
        /// Taken from a payout to the provider: the bank file pays the net.
        Offset => "offset",
        /// The provider paid it back; finance recorded the bank's reference.
        Repayment => "repayment",
        /// No longer owed: an appeal against the finding or the clawback raised the
        /// item's amount. Nothing comes in; the programme stops expecting it.
        Release => "release",
    }
}

super::text_enum! {
    /// Where a supplement (补付款) stands.
    pub enum SupplementStatus {
        /// Waiting for a run, or in one.
        Payable => "payable",
        /// Its payout was paid.
        Paid => "paid",
    }
}

super::text_enum! {
    /// Where a receivable stands: something still owed, or nothing.
    pub enum ReceivableState {
        Open => "open",
        Recovered => "recovered",
    }
}

/// The state of a receivable with `outstanding` still owed.
pub fn state(outstanding: Fen) -> ReceivableState {
    if outstanding.get() > 0 {
        ReceivableState::Open
    } else {
        ReceivableState::Recovered
    }
}

/// What a payout of `gross` takes back from receivables still owing `owed` (oldest
/// first): each receivable's share, in order, until the gross or the debts run out.
/// What is not taken is carried forward to later runs. The sum of the shares is never
/// more than `gross`, and no share is more than what its receivable still owes.
pub fn offsets(gross: Fen, owed: &[Fen]) -> Vec<Fen> {
    let mut left = gross.get().max(0);
    owed.iter()
        .map(|o| {
            let take = o.get().max(0).min(left);
            left -= take;
            Fen::new(take)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: &[i64]) -> Vec<Fen> {
        v.iter().copied().map(Fen::new).collect()
    }

    #[test]
    fn a_run_takes_the_oldest_debts_first_and_carries_the_rest_forward() {
        // Enough to clear both.
        assert_eq!(offsets(Fen::new(10_000), &f(&[3_000, 2_000])), f(&[3_000, 2_000]));
        // Clears the first, part of the second: the rest is carried forward.
        assert_eq!(offsets(Fen::new(4_000), &f(&[3_000, 2_000])), f(&[3_000, 1_000]));
        // Less than the first: nothing left for the second.
        assert_eq!(offsets(Fen::new(2_500), &f(&[3_000, 2_000])), f(&[2_500, 0]));
        // Nothing owed, nothing taken; nothing payable, nothing taken.
        assert_eq!(offsets(Fen::new(2_500), &[]), Vec::<Fen>::new());
        assert_eq!(offsets(Fen::ZERO, &f(&[3_000])), f(&[0]));
    }

    #[test]
    fn offsets_never_exceed_the_payout_or_a_debt() {
        for gross in [0, 1, 999, 5_000, 5_001, 12_345, 1_000_000] {
            for owed in [vec![], vec![1], vec![5_000, 1], vec![7, 7, 7], vec![0, 4_000, 9_999]] {
                let owed = f(&owed);
                let taken = offsets(Fen::new(gross), &owed);
                let total: i64 = taken.iter().map(|t| t.get()).sum();
                let debt: i64 = owed.iter().map(|t| t.get()).sum();
                assert_eq!(total, gross.min(debt), "{gross} {owed:?}");
                for (t, o) in taken.iter().zip(&owed) {
                    assert!(t.get() >= 0 && t <= o, "{gross} {owed:?}");
                }
            }
        }
        assert_eq!(state(Fen::new(1)), ReceivableState::Open);
        assert_eq!(state(Fen::ZERO), ReceivableState::Recovered);
    }
}
