//! Provider credit (服务机构信用): a grade A–D from the provider's record over a window,
//! by rules kept as data (`config/policy/credit.toml`), with the reasons that cost it
//! points, and the sanction its grade calls for. Pure: the counts come from the records.

use serde::{Deserialize, Serialize};

/// A provider's credit grade, best first (written `A`–`D`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Grade {
    A,
    B,
    C,
    D,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }
}

super::text_enum! {
    /// What a grade calls for, mildest first.
    pub enum Sanction {
        None => "none",
        Warning => "warning",
        Suspension => "suspension",
        Delisting => "delisting",
    }
}

super::text_enum! {
    /// A kind of event that costs a provider points.
    pub enum Input {
        DisputeLost => "dispute_lost",
        FindingCorrected => "finding_corrected",
        FindingFraudulent => "finding_fraudulent",
        Clawback => "clawback",
        LateDelivery => "late_delivery",
        LowRating => "low_rating",
    }
}

/// Points off per event of a kind, and at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deduction {
    pub points: u32,
    pub cap: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deductions {
    pub dispute_lost: Deduction,
    pub finding_corrected: Deduction,
    pub finding_fraudulent: Deduction,
    pub clawback: Deduction,
    pub late_delivery: Deduction,
    pub low_rating: Deduction,
}

impl Deductions {
    fn of(&self, input: Input) -> Deduction {
        match input {
            Input::DisputeLost => self.dispute_lost,
            Input::FindingCorrected => self.finding_corrected,
            Input::FindingFraudulent => self.finding_fraudulent,
            Input::Clawback => self.clawback,
            Input::LateDelivery => self.late_delivery,
            Input::LowRating => self.low_rating,
        }
    }
}

/// The lowest points of grades A, B and C (below `c` is D).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Floors {
    pub a: u32,
    pub b: u32,
    pub c: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sanctions {
    pub a: Sanction,
    pub b: Sanction,
    pub c: Sanction,
    pub d: Sanction,
    /// Days after delisting before the provider may apply to be listed again.
    pub relist_after_days: u32,
    /// What a finding decided against a provider calls for by itself, whatever its grade
    /// comes to (the stricter of the two applies).
    pub by_finding: FindingSanctions,
}

/// Sanctions by finding (`[sanctions.by_finding]`): `none`, `suspension` or `delisting`
/// (a finding's decision is emailed to the provider already, so no separate warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingSanctions {
    /// A finding that corrected the amount.
    pub corrected: Sanction,
    /// A finding that the service was not delivered.
    pub fraudulent: Sanction,
}

/// The credit rules (`config/policy/credit.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditPolicy {
    /// Events in this many days before now count.
    pub window_days: u32,
    pub start: u32,
    pub deductions: Deductions,
    /// A mean rating below this (with at least `low_rating_min_ratings`) counts once.
    pub low_rating_below: rust_decimal::Decimal,
    pub low_rating_min_ratings: u32,
    pub floors: Floors,
    pub sanctions: Sanctions,
}

impl CreditPolicy {
    /// Why the rules cannot be used, if they cannot: floors must fall from A to C
    /// within the starting points, a window from 1 day to 10 years, and the sanctions
    /// must not get milder as the grade falls.
    pub fn invalid(&self) -> Option<String> {
        let f = self.floors;
        if !(f.a <= self.start && f.b < f.a && f.c < f.b) {
            return Some(format!(
                "floors must fall: start {} ≥ a {} > b {} > c {}",
                self.start, f.a, f.b, f.c
            ));
        }
        if !(1..=3650).contains(&self.window_days) {
            return Some("window_days must be 1–3650".into());
        }
        let s = &self.sanctions;
        if !(s.a <= s.b && s.b <= s.c && s.c <= s.d) {
            return Some("sanctions must not get milder as the grade falls".into());
        }
        let f = s.by_finding;
        if f.corrected == Sanction::Warning || f.fraudulent == Sanction::Warning {
            return Some("sanctions.by_finding takes none, suspension or delisting".into());
        }
        if f.corrected > f.fraudulent {
            return Some(
                "sanctions.by_finding: fraud must not be sanctioned more mildly than a correction"
                    .into(),
            );
        }
        if self.low_rating_below <= rust_decimal::Decimal::ONE
            || self.low_rating_below > rust_decimal::Decimal::from(5)
        {
            return Some("low_rating_below must be above 1 and at most 5".into());
        }
        None
    }

    pub fn sanction(&self, g: Grade) -> Sanction {
        match g {
            Grade::A => self.sanctions.a,
            Grade::B => self.sanctions.b,
            Grade::C => self.sanctions.c,
            Grade::D => self.sanctions.d,
        }
    }
}

/// How many events of each kind a provider had in the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub dispute_lost: u32,
    pub finding_corrected: u32,
    pub finding_fraudulent: u32,
    pub clawback: u32,
    pub late_delivery: u32,
    /// Its ratings: how many, and the sum of their aspects (three a rating).
    pub ratings: u32,
    pub rating_total: u64,
}

/// One reason a provider lost points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reason {
    pub input: Input,
    /// Events counted (for `low_rating`, 1).
    pub count: u32,
    pub points: u32,
}

/// A provider's grade, its points, the reasons and what it calls for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    pub grade: Grade,
    pub points: u32,
    pub reasons: Vec<Reason>,
    pub sanction: Sanction,
}

/// Whether a provider's mean rating is low under `p`: at least the minimum number of
/// ratings, and a mean of their aspects below the line (compared in integers).
fn low_rating(p: &CreditPolicy, c: &Counts) -> bool {
    if c.ratings == 0 || c.ratings < p.low_rating_min_ratings {
        return false;
    }
    // mean = total / (3 n) < below  ⇔  total < below · 3n
    let line = p.low_rating_below * rust_decimal::Decimal::from(3 * u64::from(c.ratings));
    rust_decimal::Decimal::from(c.rating_total) < line
}

/// The grade of a provider with `c` under `p`.
pub fn assess(p: &CreditPolicy, c: &Counts) -> Assessment {
    let events = [
        (Input::DisputeLost, c.dispute_lost),
        (Input::FindingCorrected, c.finding_corrected),
        (Input::FindingFraudulent, c.finding_fraudulent),
        (Input::Clawback, c.clawback),
        (Input::LateDelivery, c.late_delivery),
        (Input::LowRating, u32::from(low_rating(p, c))),
    ];
    let mut reasons = Vec::new();
    let mut off = 0u32;
    for (input, count) in events {
        let d = p.deductions.of(input);
        let points = d.points.saturating_mul(count).min(d.cap);
        if count > 0 && points > 0 {
            reasons.push(Reason { input, count, points });
            off = off.saturating_add(points);
        }
    }
    let points = p.start.saturating_sub(off);
    let f = p.floors;
    let grade = if points >= f.a {
        Grade::A
    } else if points >= f.b {
        Grade::B
    } else if points >= f.c {
        Grade::C
    } else {
        Grade::D
    };
    Assessment { grade, points, reasons, sanction: p.sanction(grade) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> CreditPolicy {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/policy/credit.toml"),
        )
        .unwrap();
        toml::from_str(&text).unwrap()
    }

    #[test]
    fn the_shipped_rules_are_valid_and_a_clean_record_is_a() {
        let p = policy();
        assert_eq!(p.invalid(), None);
        let a = assess(&p, &Counts::default());
        assert_eq!((a.grade, a.points, a.sanction), (Grade::A, 100, Sanction::None));
        assert!(a.reasons.is_empty());
    }

    #[test]
    fn each_event_costs_its_points_up_to_its_cap_and_the_reasons_say_so() {
        let p = policy();
        // Two lost disputes (10) and six late deliveries (12, capped at 10): 80, B.
        let a = assess(&p, &Counts { dispute_lost: 2, late_delivery: 6, ..Counts::default() });
        assert_eq!((a.points, a.grade, a.sanction), (80, Grade::B, Sanction::Warning));
        assert_eq!(
            a.reasons,
            vec![
                Reason { input: Input::DisputeLost, count: 2, points: 10 },
                Reason { input: Input::LateDelivery, count: 6, points: 10 },
            ]
        );
        // One fraud finding clawed back after payment: 100 − 40 − 10 = 50, D.
        let a = assess(&p, &Counts { finding_fraudulent: 1, clawback: 1, ..Counts::default() });
        assert_eq!((a.points, a.grade, a.sanction), (50, Grade::D, Sanction::Delisting));
        // One corrected amount and one lost dispute: 85, B; a second correction: 75, B;
        // a third: 65, C (suspension).
        for (n, points, grade) in [(1, 85, Grade::B), (2, 75, Grade::B), (3, 65, Grade::C)] {
            let c = Counts { finding_corrected: n, dispute_lost: 1, ..Counts::default() };
            let a = assess(&p, &c);
            assert_eq!((a.points, a.grade), (points, grade), "{n}");
        }
        // Points never go below zero.
        let c = Counts { finding_fraudulent: 9, clawback: 9, dispute_lost: 9, ..Counts::default() };
        assert_eq!(assess(&p, &c).points, 0);
    }

    #[test]
    fn a_low_rating_counts_once_and_only_with_enough_ratings() {
        let p = policy();
        // Three ratings averaging 2.67 (total 24 of 9 aspects): low.
        let low = Counts { ratings: 3, rating_total: 24, ..Counts::default() };
        let a = assess(&p, &low);
        assert_eq!(a.reasons, vec![Reason { input: Input::LowRating, count: 1, points: 15 }]);
        // Exactly 3.00 is not below the line; two low ratings are too few.
        assert!(assess(&p, &Counts { ratings: 3, rating_total: 27, ..Counts::default() })
            .reasons
            .is_empty());
        assert!(assess(&p, &Counts { ratings: 2, rating_total: 6, ..Counts::default() })
            .reasons
            .is_empty());
    }

    #[test]
    fn rules_that_contradict_themselves_are_refused() {
        let mut p = policy();
        p.floors.b = p.floors.a;
        assert!(p.invalid().is_some());
        let mut p = policy();
        p.sanctions.d = Sanction::Warning;
        assert!(p.invalid().is_some());
        let mut p = policy();
        p.window_days = 0;
        assert!(p.invalid().is_some());
        // A finding's own sanction: no warning (its decision is emailed already), and
        // fraud never milder than a correction.
        let mut p = policy();
        p.sanctions.by_finding.corrected = Sanction::Warning;
        assert!(p.invalid().unwrap().contains("by_finding"));
        let mut p = policy();
        p.sanctions.by_finding.corrected = Sanction::Delisting;
        assert!(p.invalid().unwrap().contains("fraud"));
        let mut p = policy();
        p.sanctions.by_finding.fraudulent = Sanction::Delisting;
        assert_eq!(p.invalid(), None);
    }
}
