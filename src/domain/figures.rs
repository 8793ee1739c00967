//! The arithmetic of the authority's overview: where a selection's voucher money is
//! (stages that add up to what was claimed), shares in basis points, and the spread of
//! waiting times (median and 90th percentile by nearest rank).

use super::Fen;
use serde::Serialize;

/// Where the money of a selection of batches is, from its budget to the bank. Every
/// claimed fen is in exactly one stage after `claimed`: free on a voucher, held by an
/// accepted order, confirmed and waiting for the provider's application, in review,
/// in public notice, payable, in a settlement run, paid, or back with the programme
/// (expired unused, or refused in review).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Stages {
    /// The batches' budgets.
    #[schema(value_type = String)]
    pub budget: Fen,
    /// Vouchers' face values.
    #[schema(value_type = String)]
    pub claimed: Fen,
    /// Budget not claimed.
    #[schema(value_type = String)]
    pub unclaimed: Fen,
    /// On valid vouchers, free to spend.
    #[schema(value_type = String)]
    pub free: Fen,
    /// Held by orders a provider accepted (not yet confirmed).
    #[schema(value_type = String)]
    pub held: Fen,
    /// Confirmed orders' voucher share (spent), in all the stages that follow.
    #[schema(value_type = String)]
    pub spent: Fen,
    /// Confirmed, not yet in a redemption application.
    #[schema(value_type = String)]
    pub awaiting_application: Fen,
    /// In redemption review.
    #[schema(value_type = String)]
    pub in_review: Fen,
    /// Approved, in public notice.
    #[schema(value_type = String)]
    pub in_notice: Fen,
    /// Payable, not yet in a settlement run.
    #[schema(value_type = String)]
    pub payable: Fen,
    /// In a payout made out and not yet paid.
    #[schema(value_type = String)]
    pub in_settlement: Fen,
    /// Paid to providers.
    #[schema(value_type = String)]
    pub paid: Fen,
    /// Refused in redemption review: back with the programme.
    #[schema(value_type = String)]
    pub refused: Fen,
    /// Expired unused on vouchers: back with the programme.
    #[schema(value_type = String)]
    pub expired: Fen,
}

impl Stages {
    /// The stages from what the rows say: `claimed` splits into free, held, spent (which
    /// splits into its stages and `refused`) and what expired unused (the rest).
    #[allow(clippy::too_many_arguments)]
    pub fn from_rows(
        budget: Fen,
        claimed: Fen,
        free: Fen,
        held: Fen,
        spent: Fen,
        applied: [Fen; 6],
    ) -> Stages {
        let [in_review, in_notice, payable, in_settlement, paid, refused] = applied;
        let in_applications = in_review + in_notice + payable + in_settlement + paid + refused;
        Stages {
            budget,
            claimed,
            unclaimed: budget - claimed,
            free,
            held,
            spent,
            awaiting_application: spent - in_applications,
            in_review,
            in_notice,
            payable,
            in_settlement,
            paid,
            refused,
            expired: claimed - free - held - spent,
        }
    }

    /// Back with the programme: refused and expired.
    pub fn returned(&self) -> Fen {
        self.refused + self.expired
    }
}

/// `part` of `whole` in basis points (1% = 100), rounded down; none of nothing.
pub fn share_bp(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| i64::try_from(i128::from(part) * 10_000 / i128::from(whole)).unwrap_or(0))
}

/// How long something took across a set of cases (whole days).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Spread {
    /// Cases measured.
    pub cases: usize,
    pub median: Option<i64>,
    /// The 90th percentile.
    pub p90: Option<i64>,
}

/// The median and the 90th percentile of `values` by nearest rank (the smallest value
/// with at least that share of the cases at or below it).
pub fn spread(mut values: Vec<i64>) -> Spread {
    values.sort_unstable();
    let rank = |pct: usize| -> Option<i64> {
        if values.is_empty() {
            return None;
        }
        let n = values.len();
        let k = (pct * n).div_ceil(100).max(1);
        values.get(k - 1).copied()
    };
    Spread { cases: values.len(), median: rank(50), p90: rank(90) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_split_what_was_claimed() {
        let f = Fen::new;
        // 100 budget, 80 claimed: 10 free, 5 held, 60 spent (of which 10 in review,
        // 5 in notice, 5 payable, 10 in a run, 20 paid, 3 refused; 7 not yet applied),
        // so 5 expired.
        let s = Stages::from_rows(
            f(100),
            f(80),
            f(10),
            f(5),
            f(60),
            [f(10), f(5), f(5), f(10), f(20), f(3)],
        );
        assert_eq!(s.unclaimed, f(20));
        assert_eq!(s.awaiting_application, f(7));
        assert_eq!(s.expired, f(5));
        assert_eq!(s.returned(), f(8));
        let parts = s.free
            + s.held
            + s.awaiting_application
            + s.in_review
            + s.in_notice
            + s.payable
            + s.in_settlement
            + s.paid
            + s.returned();
        assert_eq!(parts, s.claimed);
    }

    #[test]
    fn shares_round_down_and_nothing_has_none() {
        assert_eq!(share_bp(2, 3), Some(6666));
        assert_eq!(share_bp(8, 10), Some(8000));
        assert_eq!(share_bp(5, 0), None);
    }

    #[test]
    fn spread_by_nearest_rank() {
        assert_eq!(spread(vec![]), Spread { cases: 0, median: None, p90: None });
        assert_eq!(spread(vec![7]), Spread { cases: 1, median: Some(7), p90: Some(7) });
        // 1..=10: the median is the 5th value, the 90th percentile the 9th.
        let s = spread((1..=10).rev().collect());
        assert_eq!((s.median, s.p90), (Some(5), Some(9)));
        // 1..=11: ceil(5.5) = 6th, ceil(9.9) = 10th.
        let s = spread((1..=11).collect());
        assert_eq!((s.median, s.p90), (Some(6), Some(10)));
    }
}
