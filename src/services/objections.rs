//! Objections to a public notice (公示异议), the same for a provider's listing and for a
//! redemption item: anyone may object while the notice runs; a reviewer upholds or
//! dismisses each objection once; a notice ends by itself only with no objection open
//! or upheld (`domain::party::notice_outcome`). What differs, the rows and what an
//! upheld objection undoes, stays with each subject (`providers`, `redemptions`).

use crate::domain::party::ObjectionStatus;
use crate::domain::validation::FieldErrors;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionInput {
    #[schema(min_length = 1, max_length = 100)]
    pub objector_name: String,
    /// Phone or email so the authority can follow up.
    #[schema(min_length = 1, max_length = 200)]
    pub objector_contact: String,
    #[schema(min_length = 1, max_length = 4000)]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionOutcome {
    Upheld,
    Dismissed,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionResolution {
    pub outcome: ObjectionOutcome,
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// An objector's words, checked.
pub(super) struct Objector {
    pub name: String,
    pub contact: String,
    pub reason: String,
}

/// The objector's name, contact and reason; every error at once, beside its field.
pub(super) fn objector(input: &ObjectionInput) -> AppResult<Objector> {
    let mut e = FieldErrors::new();
    let objector = Objector {
        name: e.text("objector_name", &input.objector_name, 100),
        contact: e.text("objector_contact", &input.objector_contact, 200),
        reason: e.text("reason", &input.reason, 4000),
    };
    e.finish()?;
    Ok(objector)
}

/// Refused unless the subject is on notice now (`what` names it in both languages).
pub(super) fn notice_running(
    in_notice: bool,
    ends_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
    what: (&str, &str),
) -> AppResult<()> {
    if in_notice && ends_at.is_some_and(|end| now < end) {
        return Ok(());
    }
    Err(AppError::of(ErrorCode::NoticeNotOpen).arg_each("what", what.0, what.1))
}

/// A reviewer's resolution, checked: the status it gives the objection, and the note.
pub(super) fn resolution(input: &ObjectionResolution) -> AppResult<(ObjectionStatus, String)> {
    let mut e = FieldErrors::new();
    let note = e.text("note", &input.note, 2000);
    e.finish()?;
    let status = match input.outcome {
        ObjectionOutcome::Upheld => ObjectionStatus::Upheld,
        ObjectionOutcome::Dismissed => ObjectionStatus::Dismissed,
    };
    Ok((status, note))
}

/// Refused when the objection (in `status`) was resolved already.
pub(super) fn still_open(status: ObjectionStatus) -> AppResult<()> {
    if status == ObjectionStatus::Open {
        return Ok(());
    }
    Err(AppError::of(ErrorCode::ObjectionAlreadyResolved))
}

/// How many of the objections (by status) are open, and how many upheld.
pub(super) fn open_and_upheld(statuses: impl Iterator<Item = ObjectionStatus>) -> (usize, usize) {
    statuses.fold((0, 0), |(open, upheld), s| {
        (
            open + usize::from(s == ObjectionStatus::Open),
            upheld + usize::from(s == ObjectionStatus::Upheld),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objections_are_counted_by_status() {
        use ObjectionStatus::*;
        let s = [Open, Upheld, Dismissed, Open];
        assert_eq!(open_and_upheld(s.into_iter()), (2, 1));
        assert_eq!(open_and_upheld(std::iter::empty()), (0, 0));
    }

    #[test]
    fn a_notice_takes_objections_only_while_it_runs() {
        let t = |h| {
            chrono::NaiveDate::from_ymd_opt(2026, 12, 4)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
        };
        let what = ("服务机构", "provider");
        assert!(notice_running(true, Some(t(10)), t(9), what).is_ok());
        assert_eq!(
            notice_running(true, Some(t(10)), t(10), what)
                .unwrap_err()
                .code,
            "notice_not_open"
        );
        assert!(notice_running(false, Some(t(10)), t(9), what).is_err());
        assert!(notice_running(true, None, t(9), what).is_err());
    }
}
