//! Appeals (申诉 / 复核): what a party may appeal, within which window, and by when a
//! reviewer must decide. Pure rules.

use super::Fen;
use chrono::{Datelike, Duration, NaiveDateTime, Weekday};
use serde::Deserialize;

super::text_enum! {
    /// What an appeal is against.
    pub enum AppealSubject {
        /// A redemption item refused (by the reviewer, or by an upheld objection).
        RedemptionItem => "redemption_item",
        /// A firm's onboarding refused.
        FirmOnboarding => "firm_onboarding",
        /// A provider's listing refused, or the provider suspended or delisted.
        ProviderListing => "provider_listing",
        /// A space's certification application refused.
        CertificationApplication => "certification_application",
        /// A spot-check finding decided against an item (a corrected amount, or fraud).
        Finding => "finding",
        /// The clawback of a finding against an item already in a run or paid (the
        /// receivable); decided with the finding, so one appeal covers both.
        Clawback => "clawback",
    }
}

super::text_enum! {
    /// Where an appeal stands.
    pub enum AppealStatus {
        Open => "open",
        /// The decision stands.
        Upheld => "upheld",
        /// The decision is undone through the normal flow (an item becomes payable, a
        /// firm onboarded, a provider listed again, an application decided afresh).
        Overturned => "overturned",
        /// Granted in part: a finding's or clawback's amount raised, not to the whole.
        Partly => "partly",
    }
}

/// The appeal rules (`config/policy/appeals.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealPolicy {
    /// Days after the decision within which an appeal may be filed.
    pub window_days: u32,
    /// Working days a reviewer has to decide.
    pub deadline_working_days: u32,
}

/// Whether an appeal filed `now` is within `window_days` of the decision.
pub fn within_window(decided_at: NaiveDateTime, now: NaiveDateTime, window_days: u32) -> bool {
    now <= decided_at + Duration::days(i64::from(window_days))
}

/// The moment `n` working days (Monday to Friday) after `from`, at the same time of day,
/// both in China time. Public holidays and their make-up working days are not known
/// here: they count as the weekdays they fall on.
pub fn add_working_days(from: NaiveDateTime, n: u32) -> NaiveDateTime {
    let mut at = from;
    let mut left = n;
    while left > 0 {
        at += Duration::days(1);
        if !matches!(at.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    at
}

/// Where the money goes when an appeal raises what a finding left an item worth by
/// `raise`: first the clawback still owed is released (`release`), then what had
/// already been recovered, or paid at the lower amount, is paid to the provider by the
/// next run (`supplement`); an item not yet in a run simply claims the amount again
/// (`restore`). The three add up to `raise`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Regrant {
    pub release: Fen,
    pub supplement: Fen,
    pub restore: Fen,
}

/// The money of raising a finding's amount by `raise`: `outstanding` is what its
/// receivable still owes (none when the finding made no receivable), `settled` whether
/// the item is in a live payout or paid.
pub fn regrant(raise: Fen, outstanding: Option<Fen>, settled: bool) -> Regrant {
    let raise = Fen::new(raise.get().max(0));
    match outstanding {
        Some(owed) => {
            let release = Fen::new(raise.get().min(owed.get().max(0)));
            Regrant { release, supplement: raise - release, restore: Fen::ZERO }
        }
        None if settled => Regrant { release: Fen::ZERO, supplement: raise, restore: Fen::ZERO },
        None => Regrant { release: Fen::ZERO, supplement: Fen::ZERO, restore: raise },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn a_raise_releases_the_debt_first_then_pays_back_what_was_recovered() {
        let f = Fen::new;
        // Nothing recovered yet: the whole raise is released.
        assert_eq!(
            regrant(f(3_000), Some(f(5_000)), true),
            Regrant { release: f(3_000), supplement: f(0), restore: f(0) }
        );
        // 4,000 of 5,000 recovered, 1,000 owed; raised by 3,000: 1,000 released, 2,000
        // paid back.
        assert_eq!(
            regrant(f(3_000), Some(f(1_000)), true),
            Regrant { release: f(1_000), supplement: f(2_000), restore: f(0) }
        );
        // All recovered: all paid back.
        assert_eq!(
            regrant(f(3_000), Some(f(0)), true),
            Regrant { release: f(0), supplement: f(3_000), restore: f(0) }
        );
        // No receivable, the item paid since at its corrected amount: paid on top.
        assert_eq!(
            regrant(f(700), None, true),
            Regrant { release: f(0), supplement: f(700), restore: f(0) }
        );
        // No receivable, the item still waiting: it claims the amount again.
        assert_eq!(
            regrant(f(700), None, false),
            Regrant { release: f(0), supplement: f(0), restore: f(700) }
        );
        for raise in [0, 1, 999, 5_000] {
            for owed in [None, Some(0), Some(1), Some(4_999), Some(9_000)] {
                for settled in [false, true] {
                    let r = regrant(f(raise), owed.map(f), settled);
                    assert_eq!(r.release + r.supplement + r.restore, f(raise));
                    assert!(r.release <= owed.map(f).unwrap_or(Fen::ZERO));
                }
            }
        }
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn ten_working_days_skip_the_weekends() {
        // Thursday 2026-12-03 → two weekends crossed → Thursday 2026-12-17.
        assert_eq!(add_working_days(at(2026, 12, 3, 10), 10), at(2026, 12, 17, 10));
        // Filed on a Saturday: the count starts on Monday.
        assert_eq!(add_working_days(at(2026, 12, 5, 10), 1), at(2026, 12, 7, 10));
        assert_eq!(add_working_days(at(2026, 12, 4, 10), 1), at(2026, 12, 7, 10));
        assert_eq!(add_working_days(at(2026, 12, 4, 10), 0), at(2026, 12, 4, 10));
    }

    #[test]
    fn the_window_runs_whole_days_from_the_decision() {
        let decided = at(2026, 12, 1, 9);
        assert!(within_window(decided, at(2026, 12, 16, 9), 15));
        assert!(!within_window(decided, at(2026, 12, 16, 10), 15));
    }
}
