//! Appeals (申诉 / 复核): what a party may appeal, within which window, and by when a
//! reviewer must decide. Pure rules.

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

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
