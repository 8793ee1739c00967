//! Ratings of confirmed orders (服务评价): the firm rates the service once, within a
//! window after confirming it, 1 to 5 on three fixed aspects with an optional comment;
//! the provider may answer once, publicly. A provider's quality score is a shrunk
//! average: its ratings' mean pulled toward the programme's mean by a prior weight, so
//! that one glowing rating does not outrank a hundred good ones.

use chrono::{Duration, NaiveDateTime};
use rust_decimal::Decimal;

pub fn default_window_days() -> u32 {
    30
}

pub fn default_prior_weight() -> u32 {
    5
}

/// Longest comment or answer, in characters.
pub const TEXT_AT_MOST: usize = 1000;

/// One rating's three aspects, each 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scores {
    pub quality: i16,
    pub timeliness: i16,
    pub value: i16,
}

impl Scores {
    /// The aspects out of 1–5, by name, in the order they are asked.
    pub fn out_of_range(&self) -> Vec<&'static str> {
        [("quality", self.quality), ("timeliness", self.timeliness), ("value", self.value)]
            .into_iter()
            .filter(|(_, v)| !(1..=5).contains(v))
            .map(|(name, _)| name)
            .collect()
    }

    /// The three aspects added (3–15): a rating's weight in a score is this over 3.
    pub fn total(&self) -> i64 {
        i64::from(self.quality) + i64::from(self.timeliness) + i64::from(self.value)
    }
}

/// Whether an order confirmed at `confirmed_at` may still be rated at `now`.
pub fn window_open(confirmed_at: NaiveDateTime, now: NaiveDateTime, days: u32) -> bool {
    now <= confirmed_at + Duration::days(i64::from(days))
}

/// A provider's score from its `n` ratings whose aspects add to `total` (each rating's
/// mean is its aspects over 3), against the programme's `mean` over all ratings:
/// (k·mean + Σ rating means) / (k + n), rounded to two places. None without ratings.
pub fn shrunk_score(total: i64, n: i64, mean: Decimal, prior_weight: u32) -> Option<Decimal> {
    if n <= 0 {
        return None;
    }
    let k = Decimal::from(prior_weight);
    let sum = Decimal::from(total) / Decimal::from(3);
    let score = (k * mean + sum) / (k + Decimal::from(n));
    Some(score.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
}

/// The programme's mean rating (each rating's aspects over 3) from all `n` ratings whose
/// aspects add to `total`; 3 (the middle of the scale) before any.
pub fn programme_mean(total: i64, n: i64) -> Decimal {
    if n <= 0 {
        return Decimal::from(3);
    }
    Decimal::from(total) / Decimal::from(3 * n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn every_aspect_is_one_to_five() {
        let s = Scores { quality: 0, timeliness: 5, value: 6 };
        assert_eq!(s.out_of_range(), ["quality", "value"]);
        assert!(Scores { quality: 1, timeliness: 3, value: 5 }.out_of_range().is_empty());
    }

    #[test]
    fn the_window_closes_after_its_last_day() {
        let at = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(10, 0, 0).unwrap();
        assert!(window_open(at, at + Duration::days(30), 30));
        assert!(!window_open(at, at + Duration::days(30) + Duration::seconds(1), 30));
    }

    #[test]
    fn few_ratings_are_pulled_toward_the_programme_mean() {
        // One perfect rating against a programme mean of 4, weight 5: (5·4 + 5) / 6.
        assert_eq!(shrunk_score(15, 1, d("4"), 5), Some(d("4.17")));
        // A hundred ratings of 4.6 stay near 4.6.
        assert_eq!(shrunk_score(1380, 100, d("4"), 5), Some(d("4.57")));
        // The hundred rank above the single perfect one.
        assert!(shrunk_score(1380, 100, d("4"), 5) > shrunk_score(15, 1, d("4"), 5));
        assert_eq!(shrunk_score(0, 0, d("4"), 5), None);
        // Weight 0: the plain mean.
        assert_eq!(shrunk_score(12, 1, d("4"), 0), Some(d("4")));
    }

    #[test]
    fn the_programme_mean_is_the_middle_before_any_rating() {
        assert_eq!(programme_mean(0, 0), d("3"));
        assert_eq!(programme_mean(27, 2), d("4.5"));
    }
}
