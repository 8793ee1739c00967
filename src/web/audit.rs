//! The audit trail for the auditor (and the administrator): the hash-chained events,
//! narrowed by record, by who acted, by action and by China days; each event's before
//! and after; the chain verified on request with the position of any break; the
//! filtered list exported as CSV.

use super::desk::Screen;
use super::desk::{Form, Posted};
use super::orders::open;
use super::session::role_text;
use super::{local_time, val};
use crate::db::models::AuditEventRow;
use crate::domain::id::UserId;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::handlers::settlement::attachment;
use crate::http::Answer;
use crate::http::{db, State};
use crate::services::audit::{self as svc, EventQuery, VerifyReport};
use crate::services::settlement::FileFormat;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest};
use minijinja::context;
use serde_json::json;
use std::collections::BTreeMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(trail).service(export);
}

const AUDITING: &[Role] = &[Role::Auditor, Role::Admin];
/// Events per page.
const SHOWN: i64 = 50;
/// Events in one export at the most (narrow the filter for more).
const EXPORTED: i64 = 10_000;

/// The kinds of record the trail names, with their words (the select's options).
const ENTITIES: &[(&str, &str)] = &[
    ("firm", "firm"),
    ("provider", "service-provider"),
    ("space", "space-2"),
    ("user", "audit-entity-user"),
    ("programme", "audit-entity-programme"),
    ("batch", "audit-entity-batch"),
    ("voucher", "audit-entity-voucher"),
    ("order", "audit-entity-order"),
    ("service_item", "audit-entity-service-item"),
    ("redemption_application", "audit-entity-redemption-application"),
    ("redemption_item", "audit-entity-redemption-item"),
    ("redemption_objection", "audit-entity-redemption-objection"),
    ("provider_objection", "audit-entity-provider-objection"),
    ("settlement_run", "audit-entity-settlement-run"),
    ("spot_check_draw", "audit-entity-spot-check-draw"),
    ("spot_check", "audit-entity-spot-check"),
    ("finding", "audit-entity-finding"),
    ("receivable", "audit-entity-receivable"),
    ("supplement", "audit-entity-supplement"),
    ("appeal", "audit-entity-appeal"),
    ("screening_import", "audit-entity-screening-import"),
    ("screening_entry", "audit-entity-screening-entry"),
    ("payout", "audit-entity-payout"),
    ("certification_application", "audit-entity-certification-application"),
    ("certification", "audit-entity-certification"),
    ("entitlement", "audit-entity-entitlement"),
    ("entitlement_run", "audit-entity-entitlement-run"),
    ("support_grant", "audit-entity-support-grant"),
    ("incubatee", "audit-entity-incubatee"),
    ("statistics_filing", "audit-entity-statistics-filing"),
    ("performance_evaluation", "audit-entity-performance-evaluation"),
    ("article", "audit-entity-article"),
    ("outbox", "audit-entity-email"),
    ("authority", "audit-entity-authority"),
];

/// An action's words on the trail (`order.accepted` → 机构接单), if it has them.
pub(super) fn action_words(name: &str) -> Option<String> {
    let key = format!("audit-action-{}", name.replace(['.', '_'], "-"));
    super::i18n::is_key(&key).then_some(key)
}

fn entity_words(t: &str) -> Option<&'static str> {
    ENTITIES.iter().find(|(code, _)| *code == t).map(|(_, words)| *words)
}

#[derive(Debug, Default, serde::Deserialize)]
struct TrailQuery {
    #[serde(flatten)]
    q: EventQuery,
    /// Verify the chain on this load.
    verify: Option<String>,
}

/// The filter's parts that were given, by name (the page position left out).
fn given(q: &EventQuery) -> Vec<(&'static str, &str)> {
    [
        ("entity_type", &q.entity_type),
        ("entity_id", &q.entity_id),
        ("actor", &q.actor),
        ("action", &q.action),
        ("from", &q.from),
        ("to", &q.to),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect()
}

/// The filter with the form's empty fields left out (not asked, rather than refused).
fn without_blanks(q: EventQuery) -> EventQuery {
    let keep = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    EventQuery {
        entity_type: keep(q.entity_type),
        entity_id: keep(q.entity_id),
        actor: keep(q.actor),
        action: keep(q.action),
        from: keep(q.from),
        to: keep(q.to),
        ..q
    }
}

/// The filter as the page's query string (for paging and the export).
fn query_string(q: &EventQuery) -> String {
    serde_urlencoded::to_string(given(q)).unwrap_or_default()
}

/// The events of `q` with the usernames of those who acted.
async fn events_of(
    state: &State,
    q: EventQuery,
    max: i64,
) -> Result<(Vec<AuditEventRow>, BTreeMap<UserId, String>), AppError> {
    db(state, move |c| {
        let rows = svc::search(c, &q, max)?;
        let mut names = BTreeMap::new();
        for id in rows.iter().filter_map(|r| r.actor_user_id.clone()) {
            if let std::collections::btree_map::Entry::Vacant(e) = names.entry(id) {
                if let Some(u) = crate::db::users::by_id(c, e.key())? {
                    e.insert(u.username);
                }
            }
        }
        Ok((rows, names))
    })
    .await
}

#[get("/audit")]
async fn trail(state: State, req: HttpRequest, q: web::Query<TrailQuery>) -> Answer {
    let d = open!(state, req, AUDITING);
    let TrailQuery { q, verify } = q.into_inner();
    let q = without_blanks(q);
    let report: Option<VerifyReport> = match verify {
        Some(_) => Some(db(&state, svc::verify).await?),
        None => None,
    };
    let filter = query_string(&q);
    let asked = posted_of(&q);
    let (rows, names, form) =
        match events_of(&state, EventQuery { limit: Some(SHOWN), ..q.clone() }, SHOWN).await {
            Ok((rows, names)) => (rows, names, Form::none()),
            Err(e) => {
                let f = d.failed(
                    "filter",
                    &asked,
                    &e,
                    &[("limit_invalid", "limit"), ("entity_filter_incomplete", "entity_type")],
                );
                (Vec::new(), BTreeMap::new(), f)
            }
        };
    let status = if form.id.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let events: Vec<_> = rows
        .iter()
        .map(|r| {
            let who = r.actor_user_id.as_ref().and_then(|u| names.get(u)).cloned();
            let role = Role::parse(&r.actor_role).map(role_text);
            json!({
                "seq": r.seq, "at": local_time(r.occurred_at), "who": who, "role": role,
                "system": r.actor_user_id.is_none(), "action": r.action, "action_words": action_words(&r.action),
                "entity": entity_words(&r.entity_type), "entity_type": r.entity_type,
                "entity_id": r.entity_id, "before": pretty(r.before_state.as_deref()),
                "after": pretty(r.after_state.as_deref()), "request_id": r.request_id,
            })
        })
        .collect();
    let older = (rows.len() as i64 == SHOWN).then(|| rows.last().map(|r| r.seq)).flatten();
    let entities: Vec<(&str, &str)> = ENTITIES.to_vec();
    let current = context! {
        entity_type => q.entity_type.clone().unwrap_or_default(), entity_id => q.entity_id.clone().unwrap_or_default(),
        actor => q.actor.clone().unwrap_or_default(), action => q.action.clone().unwrap_or_default(),
        from => q.from.clone().unwrap_or_default(), to => q.to.clone().unwrap_or_default(),
    };
    d.render(
        &state,
        Screen { template: "audit.html", path: "/audit", title: "audit-trail" },
        context! {
            events => val(&events), older => older, filter => filter, entities => entities, sel => current,
            paged => q.before_seq.is_some(),
            report => report.map(|r| context! {
                ok => r.ok, checked => r.events_checked, head => r.head_seq,
                broken_at => r.first_broken.as_ref().map(|b| b.seq),
                reason => r.first_broken.map(|b| b.reason),
            }),
        },
        &form,
        status,
    )
    .map_err(Into::into)
}

/// The filtered trail as CSV (newest first, at most [`EXPORTED`] events).
#[get("/audit/export")]
async fn export(state: State, req: HttpRequest, q: web::Query<EventQuery>) -> Answer {
    let d = open!(state, req, AUDITING);
    let q =
        EventQuery { limit: Some(EXPORTED), before_seq: None, ..without_blanks(q.into_inner()) };
    let (rows, names) = events_of(&state, q, EXPORTED).await?;
    let header = if d.en() {
        [
            "No.",
            "Time (Beijing)",
            "Who",
            "Role",
            "Action",
            "Kind",
            "Record",
            "Before",
            "After",
            "Request",
        ]
    } else {
        [
            "序号",
            "时间（北京时间）",
            "操作人",
            "角色",
            "操作",
            "对象类型",
            "对象",
            "变更前",
            "变更后",
            "请求",
        ]
    };
    let lines: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            let who =
                r.actor_user_id.as_ref().and_then(|u| names.get(u)).cloned().unwrap_or_default();
            let action = match action_words(&r.action) {
                Some(key) => format!("{} [{}]", d.t(&key), r.action),
                None => r.action,
            };
            vec![
                r.seq.to_string(),
                local_time(r.occurred_at),
                who,
                r.actor_role,
                action,
                r.entity_type,
                r.entity_id,
                r.before_state.unwrap_or_default(),
                r.after_state.unwrap_or_default(),
                r.request_id.unwrap_or_default(),
            ]
        })
        .collect();
    let bytes = crate::services::settlement::csv_bytes(&header, &lines)?;
    Ok(attachment(bytes, FileFormat::Csv, "audit-trail.csv", None))
}

/// A stored snapshot laid out for reading (as stored when it is not JSON).
fn pretty(s: Option<&str>) -> Option<String> {
    let s = s?;
    Some(
        serde_json::from_str::<serde_json::Value>(s)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| s.to_string()),
    )
}

/// The filter as a form that was sent, so a refused part is said beside its field.
fn posted_of(q: &EventQuery) -> Posted {
    Posted(given(q).into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

#[cfg(test)]
mod tests {
    use super::action_words;
    use crate::domain::audit::Action;

    #[test]
    fn every_action_on_the_trail_has_words_in_both_languages() {
        for name in Action::every_name() {
            let key = action_words(&name).unwrap_or_else(|| panic!("no words for {name}"));
            let en = crate::web::i18n::t(&key, true);
            assert!(en != key && !en.is_empty(), "no English for {name}");
            assert!(en.is_ascii(), "{name}: {en}");
        }
    }
}
