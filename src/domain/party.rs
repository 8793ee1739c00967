//! Party lifecycles: firm onboarding (入库), provider listing (公示 then 入库), space kinds.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

super::text_enum! {
    pub enum OnboardingStatus {
        Submitted => "submitted",
        Onboarded => "onboarded",
        Rejected => "rejected",
    }
}

impl OnboardingStatus {
    /// A reviewer decides only a submitted application.
    pub fn can_decide(self) -> bool {
        self == OnboardingStatus::Submitted
    }

    /// A firm may edit its profile while it is not onboarded; editing a rejected
    /// profile resubmits it.
    pub fn can_edit_profile(self) -> bool {
        self != OnboardingStatus::Onboarded
    }
}

super::text_enum! {
    pub enum ListingStatus {
        Applied => "applied",
        InNotice => "in_notice",
        Listed => "listed",
        Rejected => "rejected",
        Suspended => "suspended",
        Delisted => "delisted",
    }
}

impl ListingStatus {
    pub fn name_zh(self) -> &'static str {
        match self {
            ListingStatus::Applied => "已申请",
            ListingStatus::InNotice => "公示中",
            ListingStatus::Listed => "已入库",
            ListingStatus::Rejected => "未通过",
            ListingStatus::Suspended => "已暂停",
            ListingStatus::Delisted => "已出库",
        }
    }

    /// Moves allowed by a reviewer's or administrator's decision (the move from
    /// `InNotice` to `Listed` happens only through [`notice_outcome`]).
    pub fn can_move_to(self, to: ListingStatus) -> bool {
        use ListingStatus::*;
        matches!(
            (self, to),
            (Applied, InNotice)
                | (Applied, Rejected)
                | (InNotice, Rejected)
                | (Listed, Suspended)
                | (Listed, Delisted)
                | (Suspended, Listed)
                | (Suspended, Delisted)
        )
    }
}

/// The public notice window for a provider application starting at `start`.
pub fn notice_window(start: NaiveDateTime, days: u32) -> (NaiveDateTime, NaiveDateTime) {
    (start, start + Duration::days(i64::from(days)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeOutcome {
    /// The notice is still running.
    Running,
    /// The notice ended but objections wait for a decision.
    AwaitingObjections,
    /// The notice ended with no open and no upheld objection: list the provider.
    List,
    /// An objection was upheld: the application fails.
    Reject,
}

/// Decides what a provider's public notice leads to.
pub fn notice_outcome(
    now: NaiveDateTime,
    ends_at: NaiveDateTime,
    open_objections: usize,
    upheld_objections: usize,
) -> NoticeOutcome {
    if upheld_objections > 0 {
        NoticeOutcome::Reject
    } else if now < ends_at {
        NoticeOutcome::Running
    } else if open_objections > 0 {
        NoticeOutcome::AwaitingObjections
    } else {
        NoticeOutcome::List
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionStatus {
    Open,
    Upheld,
    Dismissed,
}

impl ObjectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectionStatus::Open => "open",
            ObjectionStatus::Upheld => "upheld",
            ObjectionStatus::Dismissed => "dismissed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Upheld, Self::Dismissed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpaceKind {
    Incubator,
    MakerSpace,
    ProfessionalMakerSpace,
}

impl SpaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpaceKind::Incubator => "incubator",
            SpaceKind::MakerSpace => "maker_space",
            SpaceKind::ProfessionalMakerSpace => "professional_maker_space",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Incubator,
            Self::MakerSpace,
            Self::ProfessionalMakerSpace,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
    }

    #[test]
    fn notice_runs_its_full_length() {
        let (_, end) = notice_window(t(1), 7);
        assert_eq!(end, t(8));
        assert_eq!(notice_outcome(t(7), end, 0, 0), NoticeOutcome::Running);
        assert_eq!(notice_outcome(t(8), end, 0, 0), NoticeOutcome::List);
        assert_eq!(
            notice_outcome(t(9), end, 1, 0),
            NoticeOutcome::AwaitingObjections
        );
        assert_eq!(notice_outcome(t(3), end, 0, 1), NoticeOutcome::Reject);
    }

    #[test]
    fn listing_moves() {
        use ListingStatus::*;
        assert!(Applied.can_move_to(InNotice));
        assert!(!Applied.can_move_to(Listed));
        assert!(!InNotice.can_move_to(Listed));
        assert!(!Rejected.can_move_to(InNotice));
        assert!(Suspended.can_move_to(Listed));
        assert!(!Delisted.can_move_to(Listed));
    }

    #[test]
    fn onboarding_rules() {
        assert!(OnboardingStatus::Submitted.can_decide());
        assert!(!OnboardingStatus::Rejected.can_decide());
        assert!(OnboardingStatus::Rejected.can_edit_profile());
        assert!(!OnboardingStatus::Onboarded.can_edit_profile());
    }
}
