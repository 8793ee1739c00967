//! Writing and verifying the hash-chained audit trail.

use super::snapshot;
use crate::db::{self, audit as repo, models as m, DbConnection};
use crate::domain::audit::{chain_hash, Action, EventContent, GENESIS_HASH};
use crate::domain::id::{AuditEventId, UserId};
use crate::error::AppResult;
use crate::services::Acting;
use serde::Serialize;

/// One change to an entity: what was done (the action names the entity's kind), to
/// which entity, and its state before and after (JSON snapshots of the row, or of what
/// the trail keeps of it).
#[derive(Debug, Clone)]
#[must_use = "a change is recorded by `audit::record`"]
pub struct Change {
    action: Action,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
}

impl Change {
    /// A change with no state recorded yet.
    pub fn new(action: impl Into<Action>, entity_id: impl AsRef<str>) -> Self {
        Change {
            action: action.into(),
            entity_id: entity_id.as_ref().to_string(),
            before: None,
            after: None,
        }
    }

    /// A row written for the first time.
    pub fn created<R: Audited>(action: impl Into<Action>, row: &R) -> Self {
        Change::new(action, row.audit_id()).after(row)
    }

    /// A row changed from `before` to `after`.
    pub fn moved<R: Audited>(action: impl Into<Action>, before: &R, after: &R) -> Self {
        Change::new(action, before.audit_id()).before(before).after(after)
    }

    /// The state before the change.
    pub fn before<T: Serialize + ?Sized>(mut self, v: &T) -> Self {
        self.before = snapshot(v);
        self
    }

    /// The state after the change.
    pub fn after<T: Serialize + ?Sized>(mut self, v: &T) -> Self {
        self.after = snapshot(v);
        self
    }

    /// The state after the change, when there is one.
    pub fn after_opt<T: Serialize>(self, v: Option<&T>) -> Self {
        match v {
            Some(v) => self.after(v),
            None => self,
        }
    }
}

/// A row the trail records by its id.
pub trait Audited: Serialize {
    fn audit_id(&self) -> &str;
}

macro_rules! audited {
    ($($row:ty),* $(,)?) => {$(
        impl Audited for $row {
            fn audit_id(&self) -> &str {
                self.id.as_ref()
            }
        }
    )*};
}

audited!(
    m::AuthorityRow,
    m::ScreeningImportRow,
    m::AppealRow,
    m::SpaceRow,
    m::ArticleRow,
    m::BatchRow,
    m::CertificationApplicationRow,
    m::CertificationRow,
    m::EntitlementRow,
    m::FirmRow,
    m::IncubateeRow,
    m::OrderRow,
    m::PayoutRow,
    m::ProgrammeRow,
    m::ProviderRow,
    m::ReceivableRow,
    m::RedemptionItemRow,
    m::ServiceItemRow,
    m::SettlementRunRow,
    m::StatisticsFilingRow,
    m::SupportGrantRow,
    m::SupplementRow,
    m::VoucherRow,
);

/// Appends one event inside the caller's transaction.
pub fn record(conn: &mut DbConnection, by: Acting<'_>, change: Change) -> AppResult<()> {
    let Acting { now, actor } = by;
    let Change { action, entity_id, before, after } = change;
    repo::append(
        conn,
        repo::NewEvent {
            id: AuditEventId::new(),
            occurred_at: now,
            actor_user_id: actor.user_id.clone(),
            actor_role: actor.role.clone(),
            action: action.name().into_owned(),
            entity_type: action.entity().to_string(),
            entity_id,
            before_state: before,
            after_state: after,
            request_id: actor.request_id.clone(),
        },
    )?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerifyReport {
    pub ok: bool,
    pub events_checked: i64,
    pub head_seq: i64,
    /// The first event whose link does not hold, if any.
    pub first_broken: Option<BrokenLink>,
}

/// Recomputes the chain from the first event and names the first broken link.
pub fn verify(conn: &mut DbConnection) -> AppResult<VerifyReport> {
    db::read_tx(conn, |conn| {
        let (head_seq, head_hash) = repo::head(conn)?;
        let mut prev = GENESIS_HASH.to_string();
        let mut expected_seq = 1i64;
        let mut checked = 0i64;
        let mut after = 0i64;
        let mut broken: Option<BrokenLink> = None;
        'pages: loop {
            let page = repo::page_after(conn, after, 1000)?;
            if page.is_empty() {
                break;
            }
            for e in &page {
                after = e.seq;
                checked += 1;
                let fail = |reason: String| Some(BrokenLink { seq: e.seq, reason });
                if e.seq != expected_seq {
                    broken = fail(format!(
                        "expected event {expected_seq}, found {} (missing events)",
                        e.seq
                    ));
                } else if e.prev_hash != prev {
                    broken = fail("prev_hash does not match the previous event's hash".into());
                } else {
                    let h = chain_hash(
                        &prev,
                        &EventContent {
                            seq: e.seq,
                            id: e.id.as_str(),
                            occurred_at: e.occurred_at,
                            actor_user_id: e.actor_user_id.as_ref().map(UserId::as_str),
                            actor_role: &e.actor_role,
                            action: &e.action,
                            entity_type: &e.entity_type,
                            entity_id: &e.entity_id,
                            before_state: e.before_state.as_deref(),
                            after_state: e.after_state.as_deref(),
                            request_id: e.request_id.as_deref(),
                        },
                    );
                    if h != e.hash {
                        broken =
                            fail("content does not match its hash (the event was altered)".into());
                    }
                }
                if broken.is_some() {
                    break 'pages;
                }
                prev = e.hash.clone();
                expected_seq += 1;
            }
        }
        if broken.is_none() {
            let last = expected_seq - 1;
            if head_seq != last
                || (last > 0 && head_hash != prev)
                || (last == 0 && head_hash != GENESIS_HASH)
            {
                broken = Some(BrokenLink {
                    seq: last + 1,
                    reason: format!(
                        "the chain head says {head_seq} events but {last} are present (events removed from the end?)"
                    ),
                });
            }
        }
        Ok(VerifyReport {
            ok: broken.is_none(),
            events_checked: checked,
            head_seq,
            first_broken: broken,
        })
    })
}

/// What the auditor asks of the trail (the API's query and the page's form): every
/// part optional; dates are China dates, `to` inclusive.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// The kind of record (`order`, `settlement_run`, `user`, ...).
    pub entity_type: Option<String>,
    /// One record (with `entity_type`).
    pub entity_id: Option<String>,
    /// Who acted: a username.
    pub actor: Option<String>,
    /// An action (`order.accepted`) or a family of them ending in a dot (`order.`).
    #[param(pattern = "^[a-z._]{1,100}$")]
    pub action: Option<String>,
    /// From this day, YYYY-MM-DD (China).
    #[param(schema_with = crate::domain::validation::schema::opt_date)]
    pub from: Option<String>,
    /// To this day inclusive, YYYY-MM-DD (China).
    #[param(schema_with = crate::domain::validation::schema::opt_date)]
    pub to: Option<String>,
    /// Only events with a smaller sequence number (the next page, backwards).
    pub before_seq: Option<i64>,
    /// At most 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// The events `q` asks for, newest first. Bad parts are said by field and change nothing.
pub fn search(
    conn: &mut DbConnection,
    q: &EventQuery,
    max: i64,
) -> AppResult<Vec<crate::db::models::AuditEventRow>> {
    use crate::domain::validation::FieldErrors;
    use crate::error::{AppError, ErrorCode};
    let text = |v: &Option<String>| {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=max).contains(&limit) {
        return Err(AppError::of(ErrorCode::LimitInvalid));
    }
    let (entity_type, entity_id) = (text(&q.entity_type), text(&q.entity_id));
    if entity_id.is_some() && entity_type.is_none() {
        return Err(AppError::of(ErrorCode::EntityFilterIncomplete));
    }
    let mut e = FieldErrors::new();
    // An action or a day given empty is refused as the document says (the page leaves
    // its empty fields out).
    let action = q.action.clone();
    if let Some(a) = &action {
        if a.is_empty()
            || a.len() > 100
            || !a.bytes().all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
        {
            e.add("action", ErrorCode::FormInvalid, "操作名称只含小写字母、点和下划线，如 order.accepted 或 order.", "an action is lower-case letters, dots and underscores, e.g. order.accepted or order.");
        }
    }
    let day = |e: &mut FieldErrors, field: &str, v: &Option<String>| {
        v.as_deref().and_then(|v| e.date(field, v))
    };
    let (from, to) = (day(&mut e, "from", &q.from), day(&mut e, "to", &q.to));
    let mut actor = None;
    if let Some(name) = text(&q.actor) {
        match db::users::by_username(conn, &name)? {
            Some(u) => actor = Some(u.id),
            None => {
                e.add("actor", ErrorCode::ActorUnknown, "没有此用户名", "no user has this name")
            }
        }
    }
    e.finish()?;
    // A China day starts at 16:00 UTC the day before.
    let start =
        |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN) - chrono::Duration::hours(8);
    let filter = repo::EventFilter {
        entity_type,
        entity_id,
        actor,
        action,
        from: from.map(start),
        to: to.and_then(|d| d.succ_opt()).map(start),
    };
    Ok(repo::search(conn, &filter, q.before_seq, limit)?)
}
