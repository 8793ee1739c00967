//! Operations: the audit trail, the outbox, job runs, articles.

use crate::db::schema::*;
use crate::domain::id::{ArticleFileId, ArticleId, AuditEventId, EmailId, JobRunId, UserId};
use crate::domain::operation::{JobRunStatus, OutboxStatus};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub struct AuditEventRow {
    pub seq: i64,
    pub id: AuditEventId,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<UserId>,
    pub actor_role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// One email in the outbox, rendered when it was written.
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
pub struct OutboxRow {
    pub id: EmailId,
    pub kind: String,
    pub locale: String,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body: String,
    pub dedupe_key: Option<String>,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
}

/// One run of a scheduled job for one time slot.
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = job_runs, treat_none_as_default_value = false)]
pub struct JobRunRow {
    pub id: JobRunId,
    pub job: String,
    pub slot: NaiveDateTime,
    pub origin: String,
    pub status: JobRunStatus,
    pub attempt: i32,
    pub runner: String,
    pub requested_by: Option<UserId>,
    pub started_at: NaiveDateTime,
    pub heartbeat_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub duration_ms: Option<i64>,
    pub items: i64,
    pub detail: Option<String>,
}

/// A notice (通知公告) or a common question (常见问题) the authority publishes.
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = articles)]
pub struct ArticleRow {
    pub id: ArticleId,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub title_en: String,
    pub body_en: String,
    pub published_at: Option<NaiveDateTime>,
    pub created_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A file attached to an article.
#[derive(Debug, Clone, Queryable, Insertable, Serialize)]
#[diesel(table_name = article_files)]
pub struct ArticleFileRow {
    pub id: ArticleFileId,
    pub article_id: ArticleId,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Option<UserId>,
    pub uploaded_at: NaiveDateTime,
}
