//! Settlement periods, run and payout states, and payout references. Pure functions.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

super::text_enum! {
    /// A run: prepared → approved (by someone else) | rejected (items back to payable).
    pub enum RunStatus {
        Prepared => "prepared",
        Approved => "approved",
        Rejected => "rejected",
    }
}

super::text_enum! {
    /// Where a run stands, as finance sees it (DESIGN.md: prepared → approved → exported
    /// → closed): derived from the stored status, the export and the payouts' results.
    pub enum RunStage {
        Prepared => "prepared",
        Approved => "approved",
        Exported => "exported",
        Closed => "closed",
        Rejected => "rejected",
    }
}

/// The stage of a run with `status`, exported or not, with `pending` payouts still
/// awaiting their result. An exported run is closed when no payout awaits a result.
pub fn run_stage(status: RunStatus, exported: bool, pending: i64) -> RunStage {
    match status {
        RunStatus::Prepared => RunStage::Prepared,
        RunStatus::Rejected => RunStage::Rejected,
        RunStatus::Approved if !exported => RunStage::Approved,
        RunStatus::Approved if pending > 0 => RunStage::Exported,
        RunStatus::Approved => RunStage::Closed,
    }
}

super::text_enum! {
    /// A payout: pending → paid | failed (items back to payable); paid → reversed
    /// (items back to payable); cancelled with its rejected run.
    pub enum PayoutStatus {
        Pending => "pending",
        Paid => "paid",
        Failed => "failed",
        Reversed => "reversed",
        Cancelled => "cancelled",
    }
}

/// A month paid for, `YYYY-MM`, in China time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period {
    pub year: i32,
    pub month: u32,
}

impl Period {
    /// `YYYY-MM` exactly (digits only, no spaces or signs), from [`Period::FIRST_YEAR`]
    /// to 2999.
    pub fn parse(s: &str) -> Option<Period> {
        let (y, m) = s.split_once('-')?;
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(y, 4) || !digits(m, 2) {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        ((Self::FIRST_YEAR..=2999).contains(&year) && (1..=12).contains(&month))
            .then_some(Period { year, month })
    }

    /// No month before this year is paid for or reported: the service did not exist.
    pub const FIRST_YEAR: i32 = 2020;

    /// The month before the China date of `utc` (what a run on the 1st pays for).
    pub fn before(utc: NaiveDateTime) -> Period {
        let d = super::china_time(utc).date();
        if d.month() == 1 {
            Period { year: d.year() - 1, month: 12 }
        } else {
            Period { year: d.year(), month: d.month() - 1 }
        }
    }

    /// The month of the China date of `utc`.
    pub fn of(utc: NaiveDateTime) -> Period {
        let d = super::china_time(utc).date();
        Period { year: d.year(), month: d.month() }
    }

    /// The first instant of the period, as UTC: midnight of its 1st in China (UTC+8).
    pub fn start_utc(self) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t - chrono::Duration::hours(8))
            .unwrap_or_default()
    }

    /// The first instant after the period, as UTC: midnight of the next month's 1st in
    /// China (UTC+8).
    pub fn end_utc(self) -> NaiveDateTime {
        self.next().start_utc()
    }

    /// The month of a (China) date.
    pub fn of_date(d: NaiveDate) -> Period {
        Period { year: d.year(), month: d.month() }
    }

    /// The month after.
    pub fn next(self) -> Period {
        if self.month == 12 {
            Period { year: self.year + 1, month: 1 }
        } else {
            Period { year: self.year, month: self.month + 1 }
        }
    }

    pub fn previous(self) -> Period {
        if self.month == 1 {
            Period { year: self.year - 1, month: 12 }
        } else {
            Period { year: self.year, month: self.month - 1 }
        }
    }

    pub fn compact(self) -> String {
        format!("{:04}{:02}", self.year, self.month)
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The reference of the `seq`-th payout of the `attempt`-th run of `period`, e.g.
/// `HC202611-1-00042`: what the bank file and the bank's result file carry.
pub fn payout_reference(period: Period, attempt: i64, seq: usize) -> String {
    format!("HC{}-{attempt}-{seq:05}", period.compact())
}

/// Why a bank account cannot be paid, if it cannot: a bank, an account name and an
/// account number of 8–32 digits are needed.
/// A bank account as one comparable line: bank, account name and the number without
/// white space (two payouts went to the same account when their lines are equal).
pub fn account_line(bank: &str, account_name: &str, account_no: &str) -> String {
    let no: String = account_no.chars().filter(|c| !c.is_whitespace()).collect();
    format!("{} {} {}", bank.trim(), account_name.trim(), no)
}

pub fn unpayable(bank: &str, account_name: &str, account_no: &str) -> Option<&'static str> {
    if bank.trim().is_empty() {
        Some("未登记开户银行")
    } else if account_name.trim().is_empty() {
        Some("未登记银行账户名")
    } else if !(8..=32).contains(&account_no.len())
        || !account_no.bytes().all(|b| b.is_ascii_digit())
    {
        Some("银行账号无效（应为 8–32 位数字）")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn the_month_before_crosses_the_year() {
        let jan = Period::parse("2026-01").unwrap();
        assert_eq!(jan.previous().to_string(), "2025-12");
        assert_eq!(Period::parse("2026-11").unwrap().previous().to_string(), "2026-10");
        assert_eq!(jan.previous().next(), jan);
    }

    #[test]
    fn periods_in_china_time() {
        assert_eq!(Period::parse("2026-11"), Some(Period { year: 2026, month: 11 }));
        for bad in [
            "2026-13", "2026-1", "26-11", "2026/11", "", "2026-00", "abcd-ef",
            // Implausible or loosely written: before the service, signs, spaces.
            "2000-01", "2019-12", "2026-+1", "+202-11", " 2026-11", "2026-11 ",
        ] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        let p = Period::parse("2026-11").unwrap();
        assert_eq!(p.to_string(), "2026-11");
        // December 1st, 00:00 in China is November 30th, 16:00 UTC.
        assert_eq!(p.end_utc(), utc(2026, 11, 30, 16));
        assert_eq!(p.start_utc(), utc(2026, 10, 31, 16));
        assert_eq!(Period::parse("2026-12").unwrap().end_utc(), utc(2026, 12, 31, 16));
        // The run at 02:00 on December 1st (China) pays November.
        assert_eq!(Period::before(utc(2026, 11, 30, 18)), p);
        // 15:00 UTC on November 30th is still November 30th in China.
        assert_eq!(Period::before(utc(2026, 11, 30, 15)), Period { year: 2026, month: 10 });
        assert_eq!(Period::before(utc(2026, 12, 31, 17)), Period { year: 2026, month: 12 });
        assert_eq!(Period::of(utc(2026, 12, 31, 17)), Period { year: 2027, month: 1 });
    }

    #[test]
    fn a_run_is_closed_once_exported_and_every_result_is_in() {
        use RunStage::*;
        assert_eq!(run_stage(RunStatus::Prepared, false, 3), Prepared);
        assert_eq!(run_stage(RunStatus::Rejected, false, 0), Rejected);
        assert_eq!(run_stage(RunStatus::Approved, false, 3), Approved);
        // Not exported, nothing pending (an empty run): still waiting for its file.
        assert_eq!(run_stage(RunStatus::Approved, false, 0), Approved);
        assert_eq!(run_stage(RunStatus::Approved, true, 1), Exported);
        assert_eq!(run_stage(RunStatus::Approved, true, 0), Closed);
    }

    #[test]
    fn references_and_bank_accounts() {
        let p = Period::parse("2026-11").unwrap();
        assert_eq!(payout_reference(p, 1, 42), "HC202611-1-00042");
        assert_eq!(
            account_line(" 中国银行", "某公司 ", "1846 6123 4567 890"),
            account_line("中国银行", "某公司", "184661234567890")
        );
        assert_ne!(
            account_line("中国银行", "某公司", "184661234567890"),
            account_line("中国银行", "某公司", "184661234567891")
        );
        assert_eq!(unpayable("中国银行", "某公司", "184661234567890"), None);
        assert!(unpayable("", "某公司", "184661234567890").is_some());
        assert!(unpayable("中国银行", " ", "184661234567890").is_some());
        assert!(unpayable("中国银行", "某公司", "1234").is_some());
        assert!(unpayable("中国银行", "某公司", "18466123456789X").is_some());
    }
}
