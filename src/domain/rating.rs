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

/// What every provider's score is weighed against: the programme's ratings (how many,
/// their aspects added) and the prior weight `k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Basis {
    pub all_n: i64,
    pub all_total: i64,
    pub k: i64,
}

impl Basis {
    /// The programme's mean rating (each rating's aspects over 3), two places; 3 (the
    /// middle of the scale) before any rating.
    pub fn mean(&self) -> Decimal {
        if self.all_n <= 0 {
            return Decimal::from(3);
        }
        rounded(i128::from(self.all_total), 3 * i128::from(self.all_n))
    }

    /// A provider's score from its `n` ratings whose aspects add to `total`: its
    /// ratings' means pulled toward the programme's mean by `k` ratings' weight,
    /// (k·mean + Σ rating means) / (k + n), rounded half away from zero to two places,
    /// computed exactly in integers. None without ratings.
    pub fn score(&self, n: i64, total: i64) -> Option<Decimal> {
        if n <= 0 || self.all_n <= 0 {
            return None;
        }
        let (k, a, big_n) =
            (i128::from(self.k), i128::from(self.all_total), i128::from(self.all_n));
        // (k·A/(3N) + T/3) / (k + n) = (k·A + T·N) / (3·N·(k + n)).
        Some(rounded(k * a + i128::from(total) * big_n, 3 * big_n * (k + i128::from(n))))
    }

    /// The test "the score as shown is at least `floor`" as integers a query can apply
    /// to each provider's count n and total T: `c + t·T >= m·(k + n)`. None when no
    /// provider can pass it (no ratings yet). `floor` has at most two places.
    pub fn floor(&self, floor: Decimal) -> Option<Floor> {
        if self.all_n <= 0 {
            return None;
        }
        // Shown ≥ X (X·100 = x, whole) ⟺ 100·num/den ≥ x − ½ ⟺ 200·num ≥ (2x − 1)·den.
        let x = i64::try_from((floor * Decimal::from(100)).trunc()).ok()?;
        Some(Floor {
            c: 200 * self.k * self.all_total,
            t: 200 * self.all_n,
            m: (2 * x - 1) * 3 * self.all_n,
            k: self.k,
        })
    }

    /// The order of providers by score, as integers: a provider ranks by
    /// `(c + t·T) / (k + n)`, higher first (its score times the constant 3·N).
    pub fn rank(&self) -> Option<Rank> {
        (self.all_n > 0).then_some(Rank { c: self.k * self.all_total, t: self.all_n, k: self.k })
    }
}

/// `c + t·T >= m·(k + n)`: a provider's score, shown, is at least the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Floor {
    pub c: i64,
    pub t: i64,
    pub m: i64,
    pub k: i64,
}

/// `(c + t·T) / (k + n)`: a provider's place by score, higher first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rank {
    pub c: i64,
    pub t: i64,
    pub k: i64,
}

/// num / den rounded half away from zero to two places (both positive).
fn rounded(num: i128, den: i128) -> Decimal {
    let cents = (200 * num + den) / (2 * den);
    Decimal::new(i64::try_from(cents).unwrap_or(i64::MAX), 2)
}

/// Whether `floor` is a score a filter may ask for: 1 to 5, two places at most.
pub fn valid_floor(floor: Decimal) -> bool {
    let f = floor.normalize();
    f >= Decimal::ONE && f <= Decimal::from(5) && f.scale() <= 2
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

    fn basis(all_n: i64, all_total: i64, k: i64) -> Basis {
        Basis { all_n, all_total, k }
    }

    #[test]
    fn few_ratings_are_pulled_toward_the_programme_mean() {
        // A programme mean of 4 (ten ratings adding to 120), weight 5.
        let b = basis(10, 120, 5);
        // One perfect rating: (5·4 + 5) / 6.
        assert_eq!(b.score(1, 15), Some(d("4.17")));
        // A hundred ratings of 4.6 stay near 4.6: (5·4 + 460) / 105.
        assert_eq!(b.score(100, 1380), Some(d("4.57")));
        assert!(b.score(100, 1380) > b.score(1, 15), "the hundred rank above the one");
        assert_eq!(b.score(0, 0), None);
        // Weight 0: the plain mean.
        assert_eq!(basis(10, 120, 0).score(1, 12), Some(d("4.00")));
    }

    #[test]
    fn a_score_on_a_half_rounds_away_from_zero_exactly() {
        // k = 1, N = 1, A = 9 (mean 3); one rating adding to 12 (mean 4):
        // (3 + 4) / 2 = 3.5 exactly; adding to 11: (3 + 11/3) / 2 = 3.333….
        assert_eq!(basis(1, 9, 1).score(1, 12), Some(d("3.50")));
        assert_eq!(basis(1, 9, 1).score(1, 11), Some(d("3.33")));
        // 3.995 exactly (k = 0, 200 ratings adding to 2397): shown as 4.00, not 3.99.
        assert_eq!(basis(200, 2397, 0).score(200, 2397), Some(d("4.00")));
    }

    #[test]
    fn the_floor_passes_exactly_the_scores_shown_at_or_above_it() {
        let passes = |b: Basis, n: i64, t: i64, x: &str| {
            let f = b.floor(d(x)).unwrap();
            f.c + f.t * t >= f.m * (f.k + n)
        };
        let b = basis(200, 2397, 0);
        assert!(passes(b, 200, 2397, "4"), "3.995 is shown 4.00");
        assert!(!passes(b, 200, 2396, "4"), "3.99333 is shown 3.99");
        let b = basis(10, 120, 5);
        for (n, t) in [(1, 15), (100, 1380), (3, 9), (7, 80)] {
            for x in ["1", "3.5", "4", "4.17", "4.18", "4.5", "5"] {
                let shown = b.score(n, t).unwrap();
                assert_eq!(passes(b, n, t, x), shown >= d(x), "n {n} t {t} floor {x}");
            }
        }
        assert_eq!(basis(0, 0, 5).floor(d("4")), None, "no ratings: nobody passes");
    }

    #[test]
    fn the_rank_orders_as_the_scores_do() {
        let b = basis(10, 120, 5);
        let r = b.rank().unwrap();
        let key = |n: i64, t: i64| (r.c + r.t * t) as f64 / (r.k + n) as f64;
        assert!(key(100, 1380) > key(1, 15));
        assert!(key(1, 15) > key(1, 9));
        assert_eq!(basis(0, 0, 5).rank(), None);
    }

    #[test]
    fn the_programme_mean_is_the_middle_before_any_rating() {
        assert_eq!(basis(0, 0, 5).mean(), d("3"));
        assert_eq!(basis(2, 27, 5).mean(), d("4.50"));
    }

    #[test]
    fn a_floor_is_one_to_five_with_two_places_at_most() {
        for ok in ["1", "3.5", "4.25", "5", "5.00"] {
            assert!(valid_floor(d(ok)), "{ok}");
        }
        for bad in ["0.99", "5.01", "4.255", "0", "-1"] {
            assert!(!valid_floor(d(bad)), "{bad}");
        }
    }
}
