//! Objections to a public notice (公示异议), the same for a provider's listing and for a
//! redemption item: anyone may object while the notice runs; a reviewer upholds or
//! dismisses each objection once; a notice ends by itself only with no objection open
//! or upheld (`domain::party::notice_outcome`). The flow is written once here
//! ([`file`], [`resolve`], [`conclude`]); what differs, the rows and what an upheld
//! objection or the end of a notice does, each subject says through [`Notice`]
//! (`providers`, `redemptions::notice`).

use super::{audit, Actor};
use crate::db::{self, DbConnection};
use crate::domain::audit::{Action, NoticeOf};
use crate::domain::party::{notice_outcome, NoticeOutcome, ObjectionStatus};
use crate::domain::validation::FieldErrors;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::Cx;
use chrono::NaiveDateTime;
use diesel::QueryResult;
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

/// An objection row, whichever notice it was filed against.
pub(super) trait Objection: Serialize + Clone {
    /// The id of what the objection is against.
    type SubjectId: Clone + std::fmt::Display;
    /// The objection's own id.
    type Id: AsRef<str>;
    fn open(subject_id: &Self::SubjectId, who: Objector, now: NaiveDateTime) -> Self;
    fn id(&self) -> &str;
    fn subject_id(&self) -> &Self::SubjectId;
    fn status(&self) -> ObjectionStatus;
    /// The objection resolved to `status` with the reviewer's note.
    fn resolved(&self, status: ObjectionStatus, note: &str, by: &Actor, now: NaiveDateTime)
        -> Self;
}

/// Makes a subject's objection row an [`Objection`] and its view `From` it; the rows
/// differ only in the name of the field that points at the subject.
macro_rules! objection_rows {
    ($($row:ident ( $oid:ident ) . $subject:ident : $id:ty => $view:path),+ $(,)?) => {$(
        impl $crate::services::objections::Objection for $row {
            type SubjectId = $id;
            type Id = $crate::domain::id::$oid;
            fn open(
                subject_id: &$id,
                who: $crate::services::objections::Objector,
                now: chrono::NaiveDateTime,
            ) -> Self {
                $row {
                    id: $crate::domain::id::$oid::new(),
                    $subject: subject_id.clone(),
                    objector_name: who.name,
                    objector_contact: who.contact,
                    reason: who.reason,
                    status: $crate::domain::party::ObjectionStatus::Open,
                    resolution_note: None,
                    resolved_by: None,
                    resolved_at: None,
                    filed_at: now,
                }
            }
            fn id(&self) -> &str {
                self.id.as_str()
            }
            fn subject_id(&self) -> &$id {
                &self.$subject
            }
            fn status(&self) -> $crate::domain::party::ObjectionStatus {
                self.status
            }
            fn resolved(
                &self,
                status: $crate::domain::party::ObjectionStatus,
                note: &str,
                by: &$crate::services::Actor,
                now: chrono::NaiveDateTime,
            ) -> Self {
                $row {
                    status,
                    resolution_note: Some(note.to_string()),
                    resolved_by: by.user_id.clone(),
                    resolved_at: Some(now),
                    ..self.clone()
                }
            }
        }

        impl From<$row> for $view {
            fn from(r: $row) -> Self {
                Self {
                    id: r.id.into(),
                    $subject: r.$subject.clone(),
                    objector_name: r.objector_name,
                    objector_contact: r.objector_contact,
                    reason: r.reason,
                    status: r.status,
                    resolution_note: r.resolution_note,
                    resolved_at: r.resolved_at,
                    filed_at: r.filed_at,
                }
            }
        }
    )+};
}

pub(super) use objection_rows;

/// A notice's use cases for its callers: file, list and resolve objections, and end
/// the notices that are due, answering with the subject's own views. The report names
/// what went on in the subject's words (`listed`, `payable`).
macro_rules! notice_use_cases {
    ($notice:ty : $subject:ty, $oid:ty => $view:ty, $report:ident { $went_on:ident }) => {
        /// Anyone may object while the notice runs.
        pub fn file_objection(
            conn: &mut $crate::db::DbConnection,
            cx: $crate::services::Cx<'_>,
            subject_id: &$subject,
            input: &$crate::services::objections::ObjectionInput,
        ) -> $crate::error::AppResult<$view> {
            $crate::services::objections::file::<$notice>(conn, cx, subject_id, input)
                .map(Into::into)
        }

        /// The objections filed against one subject, oldest first.
        pub fn objections(
            conn: &mut $crate::db::DbConnection,
            subject_id: &$subject,
        ) -> $crate::error::AppResult<Vec<$view>> {
            let rows = $crate::services::objections::list::<$notice>(conn, subject_id)?;
            Ok(rows.into_iter().map(Into::into).collect())
        }

        /// A reviewer decides an objection; an upheld one undoes the subject at once
        /// (see the notice's `uphold`).
        pub fn resolve_objection(
            conn: &mut $crate::db::DbConnection,
            cx: $crate::services::Cx<'_>,
            objection_id: &$oid,
            input: &$crate::services::objections::ObjectionResolution,
        ) -> $crate::error::AppResult<$view> {
            $crate::services::objections::resolve::<$notice>(conn, cx, objection_id, input)
                .map(Into::into)
        }

        /// Ends every notice that is due and has no open or upheld objection, each
        /// once however often or wherever this runs (`objections::conclude`).
        pub fn conclude_notices(
            conn: &mut $crate::db::DbConnection,
            cx: $crate::services::Cx<'_>,
        ) -> $crate::error::AppResult<$report> {
            let done = $crate::services::objections::conclude::<$notice>(conn, cx)?;
            Ok($report { $went_on: done.went_on, awaiting_objections: done.awaiting_objections })
        }
    };
}

pub(super) use notice_use_cases;

/// What a public notice runs on: a provider's listing or a redemption item.
pub(super) trait Notice {
    type Subject: Serialize + Clone;
    type Objection: Objection;
    /// Which notice, as the audit trail names its objections.
    const NOTICE: NoticeOf;
    /// What is not found when the id names nothing.
    const NOT_FOUND: &'static str;
    /// The subject in both languages, for "not on notice".
    const WHAT: (&'static str, &'static str);

    fn subject(c: &mut DbConnection, id: &SubjectId<Self>) -> QueryResult<Option<Self::Subject>>;
    fn lock(c: &mut DbConnection, id: &SubjectId<Self>) -> QueryResult<Option<Self::Subject>>;
    /// When the subject's notice ends, if it is on notice.
    fn on_notice(s: &Self::Subject) -> Option<NaiveDateTime>;
    /// The subjects whose notice has ended by `now`.
    fn ended(c: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<SubjectId<Self>>>;

    fn insert_objection(c: &mut DbConnection, o: &Self::Objection) -> QueryResult<()>;
    fn lock_objection(
        c: &mut DbConnection,
        id: &ObjectionId<Self>,
    ) -> QueryResult<Option<Self::Objection>>;
    fn update_objection(c: &mut DbConnection, o: &Self::Objection) -> QueryResult<usize>;
    fn objections_of(
        c: &mut DbConnection,
        subject_id: &SubjectId<Self>,
    ) -> QueryResult<Vec<Self::Objection>>;

    /// Refused when this reviewer may not resolve this objection.
    fn may_resolve(_: &mut DbConnection, _: &Actor, _: &Self::Objection) -> AppResult<()> {
        Ok(())
    }
    /// An upheld objection refuses the subject, if it is still on notice.
    fn uphold(c: &mut DbConnection, cx: Cx<'_>, o: &Self::Objection, note: &str) -> AppResult<()> {
        let before = Self::lock(c, o.subject_id())?
            .ok_or_else(|| AppError::internal("objection subject"))?;
        if Self::on_notice(&before).is_none() {
            return Ok(());
        }
        Self::reject(c, cx, &before, format!("公示异议成立：{note}"))
    }
    /// The subject refused for `reason` (an objection was upheld).
    fn reject(
        c: &mut DbConnection,
        cx: Cx<'_>,
        before: &Self::Subject,
        why: String,
    ) -> AppResult<()>;
    /// The notice ended without an objection open or upheld: the subject goes on.
    fn conclude(c: &mut DbConnection, cx: Cx<'_>, before: &Self::Subject) -> AppResult<()>;
}

/// A notice's reads and writes, each the repository function of the same name in
/// `$repo`, but for the subject's own read and lock.
macro_rules! notice_repo {
    ($repo:ident, subject: $read:ident, lock: $lock:ident) => {
        fn subject(
            c: &mut $crate::db::DbConnection,
            id: &$crate::services::objections::SubjectId<Self>,
        ) -> diesel::QueryResult<Option<Self::Subject>> {
            $repo::$read(c, id)
        }
        fn lock(
            c: &mut $crate::db::DbConnection,
            id: &$crate::services::objections::SubjectId<Self>,
        ) -> diesel::QueryResult<Option<Self::Subject>> {
            $repo::$lock(c, id)
        }
        fn ended(
            c: &mut $crate::db::DbConnection,
            now: chrono::NaiveDateTime,
        ) -> diesel::QueryResult<Vec<$crate::services::objections::SubjectId<Self>>> {
            $repo::notices_ended(c, now)
        }
        fn insert_objection(
            c: &mut $crate::db::DbConnection,
            o: &Self::Objection,
        ) -> diesel::QueryResult<()> {
            $repo::insert_objection(c, o)
        }
        fn lock_objection(
            c: &mut $crate::db::DbConnection,
            id: &$crate::services::objections::ObjectionId<Self>,
        ) -> diesel::QueryResult<Option<Self::Objection>> {
            $repo::objection_for_update(c, id)
        }
        fn update_objection(
            c: &mut $crate::db::DbConnection,
            o: &Self::Objection,
        ) -> diesel::QueryResult<usize> {
            $repo::update_objection(c, o)
        }
        fn objections_of(
            c: &mut $crate::db::DbConnection,
            id: &$crate::services::objections::SubjectId<Self>,
        ) -> diesel::QueryResult<Vec<Self::Objection>> {
            $repo::objections_of(c, id)
        }
    };
}

pub(super) use notice_repo;

/// The id of what a notice runs on.
pub(super) type SubjectId<N> = <<N as Notice>::Objection as Objection>::SubjectId;
pub(super) type ObjectionId<N> = <<N as Notice>::Objection as Objection>::Id;

/// Anyone may object while the notice runs.
pub(super) fn file<N: Notice>(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    subject_id: &SubjectId<N>,
    input: &ObjectionInput,
) -> AppResult<N::Objection> {
    let row = N::Objection::open(subject_id, objector(input)?, cx.by().now);
    db::write_tx(conn, |c| -> AppResult<_> {
        let s = N::lock(c, subject_id)?.ok_or_else(|| AppError::not_found(N::NOT_FOUND))?;
        let ends = N::on_notice(&s);
        notice_running(ends.is_some(), ends, cx.by().now, N::WHAT)?;
        N::insert_objection(c, &row)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Action::ObjectionFiled(N::NOTICE), row.id()).after(&row),
        )?;
        Ok(())
    })?;
    Ok(row)
}

/// The objections filed against one subject, oldest first.
pub(super) fn list<N: Notice>(
    conn: &mut DbConnection,
    subject_id: &SubjectId<N>,
) -> AppResult<Vec<N::Objection>> {
    N::subject(conn, subject_id)?.ok_or_else(|| AppError::not_found(N::NOT_FOUND))?;
    Ok(N::objections_of(conn, subject_id)?)
}

/// A reviewer decides an objection once; an upheld one undoes the subject at once.
pub(super) fn resolve<N: Notice>(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    objection_id: &ObjectionId<N>,
    input: &ObjectionResolution,
) -> AppResult<N::Objection> {
    let (status, note) = resolution(input)?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            N::lock_objection(c, objection_id)?.ok_or_else(|| AppError::not_found("objection"))?;
        N::may_resolve(c, cx.by().actor, &before)?;
        still_open(before.status())?;
        let after = before.resolved(status, &note, cx.by().actor, cx.by().now);
        N::update_objection(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Action::ObjectionResolved(N::NOTICE, status), objection_id)
                .before(&before)
                .after(&after),
        )?;
        if status == ObjectionStatus::Upheld {
            N::uphold(c, cx, &before, &note)?;
        }
        Ok(after)
    })
}

/// What the end of the notices did: the subjects that went on, and those whose notice
/// ended but which wait for objections to be decided.
pub(super) struct Concluded {
    pub went_on: Vec<String>,
    pub awaiting_objections: Vec<String>,
}

/// Concludes every notice that has ended without an open or upheld objection. Each
/// subject in its own transaction, re-checked under its row lock, so running this
/// twice, or on two servers at once, moves each subject once.
pub(super) fn conclude<N: Notice>(conn: &mut DbConnection, cx: Cx<'_>) -> AppResult<Concluded> {
    let mut report = Concluded { went_on: Vec::new(), awaiting_objections: Vec::new() };
    for id in N::ended(conn, cx.by().now)? {
        let outcome = db::write_tx(conn, |c| -> AppResult<Option<NoticeOutcome>> {
            let Some(before) = N::lock(c, &id)? else {
                return Ok(None);
            };
            let Some(end) = N::on_notice(&before) else {
                return Ok(None);
            };
            let filed = N::objections_of(c, &id)?;
            let (open, upheld) = open_and_upheld(filed.iter().map(|o| o.status()));
            let outcome = notice_outcome(cx.by().now, end, open, upheld);
            if outcome == NoticeOutcome::List {
                N::conclude(c, cx, &before)?;
            }
            Ok(Some(outcome))
        })?;
        match outcome {
            Some(NoticeOutcome::List) => report.went_on.push(id.to_string()),
            Some(NoticeOutcome::AwaitingObjections) => {
                report.awaiting_objections.push(id.to_string())
            }
            _ => {}
        }
    }
    Ok(report)
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
        let t =
            |h| chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap().and_hms_opt(h, 0, 0).unwrap();
        let what = ("服务机构", "provider");
        assert!(notice_running(true, Some(t(10)), t(9), what).is_ok());
        assert_eq!(
            notice_running(true, Some(t(10)), t(10), what).unwrap_err().code,
            "notice_not_open"
        );
        assert!(notice_running(false, Some(t(10)), t(9), what).is_err());
        assert!(notice_running(true, None, t(9), what).is_err());
    }
}
