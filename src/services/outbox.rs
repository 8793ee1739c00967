//! The email outbox: written by use cases in their own transaction, sent by the
//! `outbox_dispatch` job, watched and retried by administrators.

use super::{audit, Page, Paged};
use crate::db::models::OutboxRow;
use crate::db::{self, outbox as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::EmailId;
use crate::domain::listing::Filter;
use crate::domain::operation::OutboxStatus;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::{Email, Templates};
use crate::services::listing::{Cell, Row};
use crate::services::Cx;
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

/// Renders `emails` and writes them to the outbox inside the caller's transaction. A
/// template that fails to render fails the whole use case (nothing is changed), so a
/// change never goes out without its email.
pub fn enqueue(
    c: &mut DbConnection,
    templates: &Templates,
    emails: Vec<Email>,
    now: NaiveDateTime,
) -> AppResult<usize> {
    let rows = render(templates, emails, now)?;
    repo::insert_many(c, &rows)?;
    Ok(rows.len())
}

/// The outbox rows for `emails`, rendered now.
pub fn render(
    templates: &Templates,
    emails: Vec<Email>,
    now: NaiveDateTime,
) -> AppResult<Vec<OutboxRow>> {
    emails
        .into_iter()
        .map(|e| {
            let r = templates
                .render(e.kind, templates.default_locale(), &e.context)
                .map_err(|err| template_error(&err))?;
            Ok(OutboxRow {
                id: EmailId::new(),
                kind: e.kind.to_string(),
                locale: r.locale,
                to_address: e.to_address,
                to_name: e.to_name,
                subject: r.subject,
                body: r.body,
                dedupe_key: e.dedupe_key,
                status: OutboxStatus::Pending,
                attempts: 0,
                next_attempt_at: now,
                locked_by: None,
                locked_until: None,
                last_error: None,
                created_at: now,
                sent_at: None,
                failed_at: None,
            })
        })
        .collect()
}

fn template_error(e: &crate::notify::TemplateError) -> AppError {
    tracing::error!(error = %e, "email template failed; the change was not made");
    AppError::of(ErrorCode::MailTemplateError).arg("reason", e)
}

/// The wait before the attempt after `attempts` failed ones: base × 2^(attempts−1),
/// at most `max` (seconds).
pub fn backoff(attempts: i32, base_secs: i64, max_secs: i64) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let secs = base_secs.saturating_mul(1_i64 << exp).min(max_secs);
    Duration::seconds(secs)
}

/// Sending rules, from `[mail]`.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub max_attempts: i32,
    pub backoff_base_secs: i64,
    pub backoff_max_secs: i64,
}

/// Leases due messages to dispatch run `run` (one write transaction).
pub fn lease(
    conn: &mut DbConnection,
    run: &str,
    now: NaiveDateTime,
    lease_secs: i64,
    limit: i64,
) -> AppResult<Vec<OutboxRow>> {
    db::write_tx(conn, |c| {
        repo::lease_due(c, run, now, now + Duration::seconds(lease_secs), limit)
            .map_err(AppError::from)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Will be tried again.
    Retrying,
    /// Out of attempts, or refused for good.
    Failed,
    /// The run had lost its lease (another run owns the message now).
    Lost,
}

/// Records what happened to one message of run `run`.
pub fn record(
    conn: &mut DbConnection,
    row: &OutboxRow,
    run: &str,
    result: Result<(), crate::notify::transport::SendError>,
    retry: Retry,
    now: NaiveDateTime,
) -> AppResult<Delivery> {
    db::write_tx(conn, |c| -> AppResult<Delivery> {
        match result {
            Ok(()) => Ok(if repo::mark_sent(c, &row.id, run, now)? {
                Delivery::Sent
            } else {
                Delivery::Lost
            }),
            Err(e) => {
                let attempts = row.attempts + 1;
                let give_up = e.permanent || attempts >= retry.max_attempts;
                let retry_at = (!give_up).then(|| {
                    now + backoff(attempts, retry.backoff_base_secs, retry.backoff_max_secs)
                });
                let error: String = e.message.chars().take(2000).collect();
                if !repo::mark_attempt_failed(c, &row.id, run, &error, retry_at, now)? {
                    return Ok(Delivery::Lost);
                }
                if give_up {
                    tracing::warn!(outbox = %row.id, kind = %row.kind, attempts, error = %error, "email failed for good");
                    Ok(Delivery::Failed)
                } else {
                    tracing::info!(outbox = %row.id, kind = %row.kind, attempts, error = %error, "email will be retried");
                    Ok(Delivery::Retrying)
                }
            }
        }
    })
}

pub fn release(conn: &mut DbConnection, run: &str) -> AppResult<usize> {
    Ok(repo::release(conn, run)?)
}

/// An outbox message as administrators see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OutboxView {
    #[schema(value_type = String)]
    pub id: EmailId,
    pub kind: String,
    pub locale: String,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub sent_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub failed_at: Option<NaiveDateTime>,
}

impl From<OutboxRow> for OutboxView {
    fn from(r: OutboxRow) -> Self {
        OutboxView {
            id: r.id,
            kind: r.kind,
            locale: r.locale,
            to_address: r.to_address,
            to_name: r.to_name,
            subject: r.subject,
            body: r.body,
            status: r.status.to_string(),
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            created_at: r.created_at,
            sent_at: r.sent_at,
            failed_at: r.failed_at,
        }
    }
}

/// Emails as `f` asks, of one kind or all.
pub fn list(
    conn: &mut DbConnection,
    f: &Filter<OutboxStatus>,
    kind: Option<&str>,
    page: Page,
) -> AppResult<Paged<OutboxView>> {
    let (rows, total) = repo::list(conn, f, kind, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(Into::into).collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

pub fn get(conn: &mut DbConnection, id: &EmailId) -> AppResult<OutboxView> {
    repo::get(conn, id)?.map(Into::into).ok_or_else(|| AppError::not_found("email"))
}

/// Puts a failed email back in the queue (due now, attempts counted afresh).
pub fn retry(conn: &mut DbConnection, cx: Cx<'_>, id: &EmailId) -> AppResult<OutboxView> {
    db::write_tx(conn, |c| -> AppResult<OutboxView> {
        let before = repo::get(c, id)?.ok_or_else(|| AppError::not_found("email"))?;
        if !repo::requeue_failed(c, id, cx.now)? {
            return Err(AppError::of(ErrorCode::OutboxNotFailed).arg("status", before.status));
        }
        let after = repo::get(c, id)?.ok_or_else(|| AppError::not_found("email"))?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::OutboxRetried, id)
                .before(&Status::of(&before))
                .after(&Status::of(&after)),
        )?;
        Ok(after.into())
    })
}

/// What the audit trail keeps of an email (not its body).
#[derive(Serialize)]
struct Status<'a> {
    kind: &'a str,
    to_address: &'a str,
    status: &'a str,
    attempts: i32,
    last_error: Option<&'a str>,
}

impl<'a> Status<'a> {
    fn of(r: &'a OutboxRow) -> Self {
        Status {
            kind: &r.kind,
            to_address: &r.to_address,
            status: r.status.as_str(),
            attempts: r.attempts,
            last_error: r.last_error.as_deref(),
        }
    }
}

impl Row for OutboxView {
    const COLUMNS: &'static [&'static str] =
        &["to", "subject", "state", "attempts", "last-error", "written-at", "sent-at"];
    const FILE: &'static str = "emails";
    const SHEET: &'static str = "emails-2";
    fn cells(&self, _policy: &crate::domain::Policy, _en: bool) -> Vec<Cell> {
        let at = |t: Option<NaiveDateTime>| t.map_or(Cell::Text(String::new()), Cell::Time);
        vec![
            Cell::Text(self.to_address.clone()),
            Cell::Text(self.subject.clone()),
            Cell::Words(crate::i18n::email_state(&self.status)),
            Cell::Count(self.attempts.into()),
            Cell::Text(self.last_error.clone().unwrap_or_default()),
            Cell::Time(self.created_at),
            at(self.sent_at.or(self.failed_at)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = |n| backoff(n, 60, 3600).num_seconds();
        assert_eq!(b(1), 60);
        assert_eq!(b(2), 120);
        assert_eq!(b(3), 240);
        assert_eq!(b(6), 1920);
        assert_eq!(b(7), 3600);
        assert_eq!(b(40), 3600);
        assert_eq!(b(0), 60);
    }
}
