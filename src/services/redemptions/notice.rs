//! Redemption items in public notice (公示): the notice list, objections and their
//! resolution, the end of the notice, and the items approved for payment.

use super::super::objections::{self, ObjectionInput, ObjectionResolution};
use super::super::{audit, snapshot, Actor, Page, Paged};
use super::*;
use crate::db::models::{RedemptionItemRow, RedemptionObjectionRow};
use crate::db::orders::{self as repo};
use crate::db::{self, ledger, parties, DbConnection};
use crate::domain::ledger::{Account, Transaction};
use crate::domain::order::RedemptionStatus;
use crate::domain::party::{notice_outcome, NoticeOutcome, ObjectionStatus};
use crate::domain::{new_id, Fen, Policy};
use crate::error::{AppError, AppResult};
use crate::notify::Templates;
use chrono::NaiveDateTime;
use serde::Serialize;

/// An approved item as the public sees it during its notice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = RedemptionNoticeView)]
pub struct NoticeView {
    pub item_id: String,
    pub provider_name: String,
    pub firm_name: String,
    pub category: String,
    pub category_name: String,
    #[schema(value_type = String, example = "6000.00")]
    pub amount: Fen,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub approved_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub notice_ends_at: Option<NaiveDateTime>,
}

/// Approved items in their public notice (no sign-in), soonest ending first.
pub fn notices(
    conn: &mut DbConnection,
    policy: &Policy,
    page: Page,
) -> AppResult<Paged<NoticeView>> {
    let (rows, total) = repo::items_in_notice(conn, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows
            .into_iter()
            .map(|(i, provider_name, firm_name)| NoticeView {
                category_name: policy
                    .category(&i.category)
                    .map_or_else(|| i.category.clone(), |c| c.name_zh.clone()),
                item_id: i.id,
                provider_name,
                firm_name,
                category: i.category,
                amount: i.amount_fen,
                approved_at: i.reviewed_at,
                notice_ends_at: i.notice_ends_at,
            })
            .collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

/// One approved redemption as published: who provided what to whom, how much the
/// voucher paid, and where the payment stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApprovedView {
    pub item_id: String,
    pub provider_name: String,
    pub firm_name: String,
    pub category: String,
    pub category_name: String,
    #[schema(value_type = String, example = "6000.00")]
    pub amount: Fen,
    /// in_notice, payable, in_settlement or paid.
    pub status: RedemptionStatus,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub approved_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub notice_ends_at: Option<NaiveDateTime>,
}

/// Every approved redemption, most recently approved first (no sign-in).
pub fn approved(
    conn: &mut DbConnection,
    policy: &Policy,
    page: Page,
) -> AppResult<Paged<ApprovedView>> {
    let (rows, total) = repo::approved_items(conn, page.offset(), page.per_page)?;
    let items = rows
        .into_iter()
        .map(|(i, provider_name, firm_name)| {
            Ok(ApprovedView {
                status: i.status,
                category_name: policy
                    .category(&i.category)
                    .map_or_else(|| i.category.clone(), |c| c.name_zh.clone()),
                item_id: i.id,
                provider_name,
                firm_name,
                category: i.category,
                amount: i.amount_fen,
                approved_at: i.reviewed_at,
                notice_ends_at: i.notice_ends_at,
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(Paged {
        items,
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RedemptionObjectionView {
    pub id: String,
    pub item_id: String,
    pub objector_name: String,
    pub objector_contact: String,
    pub reason: String,
    pub status: ObjectionStatus,
    pub resolution_note: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub resolved_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub filed_at: NaiveDateTime,
}

impl RedemptionObjectionView {
    fn from_row(r: RedemptionObjectionRow) -> AppResult<Self> {
        Ok(RedemptionObjectionView {
            status: r.status,
            id: r.id,
            item_id: r.item_id,
            objector_name: r.objector_name,
            objector_contact: r.objector_contact,
            reason: r.reason,
            resolution_note: r.resolution_note,
            resolved_at: r.resolved_at,
            filed_at: r.filed_at,
        })
    }
}

/// Anyone may object to an approved item while its notice runs.
pub fn file_objection(
    conn: &mut DbConnection,
    item_id: &str,
    input: &ObjectionInput,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<RedemptionObjectionView> {
    let who = objections::objector(input)?;
    let row = RedemptionObjectionRow {
        id: new_id(),
        item_id: item_id.to_string(),
        objector_name: who.name,
        objector_contact: who.contact,
        reason: who.reason,
        status: ObjectionStatus::Open,
        resolution_note: None,
        resolved_by: None,
        resolved_at: None,
        filed_at: now,
    };
    db::write_tx(conn, |c| -> AppResult<_> {
        let item = repo::item_for_update(c, item_id)?
            .ok_or_else(|| AppError::not_found("redemption item"))?;
        objections::notice_running(
            item.status == RedemptionStatus::InNotice,
            item.notice_ends_at,
            now,
            ("兑现事项", "item"),
        )?;
        repo::insert_objection(c, &row)?;
        audit::record(
            c,
            actor,
            now,
            audit::Change {
                action: "redemption.objection_filed",
                entity_type: "redemption_objection",
                entity_id: &row.id,
                before: None,
                after: snapshot(&row),
            },
        )?;
        Ok(())
    })?;
    RedemptionObjectionView::from_row(row)
}

pub fn objections(
    conn: &mut DbConnection,
    item_id: &str,
) -> AppResult<Vec<RedemptionObjectionView>> {
    repo::item(conn, item_id)?.ok_or_else(|| AppError::not_found("redemption item"))?;
    repo::objections_of(conn, item_id)?
        .into_iter()
        .map(RedemptionObjectionView::from_row)
        .collect()
}

/// A reviewer decides an objection; an upheld one rejects the item at once and its
/// amount returns to the programme.
pub fn resolve_objection(
    conn: &mut DbConnection,
    templates: &Templates,
    objection_id: &str,
    input: &ObjectionResolution,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<RedemptionObjectionView> {
    let (status, note) = objections::resolution(input)?;
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::objection_for_update(c, objection_id)?
            .ok_or_else(|| AppError::not_found("objection"))?;
        let item = repo::item_for_update(c, &before.item_id)?
            .ok_or_else(|| AppError::internal("objection item"))?;
        let provider = parties::provider(c, &item.provider_id)?
            .ok_or_else(|| AppError::internal("item provider"))?;
        let firm =
            parties::firm(c, &item.firm_id)?.ok_or_else(|| AppError::internal("item firm"))?;
        super::super::affiliations::not_affiliated(
            c,
            actor,
            &[provider.credit_code.as_str(), firm.credit_code.as_str()],
        )?;
        objections::still_open(before.status)?;
        let after = RedemptionObjectionRow {
            status,
            resolution_note: Some(note.clone()),
            resolved_by: actor.user_id.clone(),
            resolved_at: Some(now),
            ..before.clone()
        };
        repo::update_objection(c, &after)?;
        audit::record(
            c,
            actor,
            now,
            audit::Change {
                action: &format!("redemption.objection_{}", status.as_str()),
                entity_type: "redemption_objection",
                entity_id: objection_id,
                before: snapshot(&before),
                after: snapshot(&after),
            },
        )?;
        if status == ObjectionStatus::Upheld && item.status == RedemptionStatus::InNotice {
            let rejected = RedemptionItemRow {
                status: RedemptionStatus::Rejected,
                decision_reason: Some(format!("公示异议成立：{note}")),
                reviewed_by: actor.user_id.clone(),
                reviewed_at: Some(now),
                updated_at: now,
                ..item.clone()
            };
            refuse(c, &rejected, now)?;
            repo::update_item(c, &rejected)?;
            audit::record(
                c,
                actor,
                now,
                audit::Change {
                    action: "redemption.item_rejected",
                    entity_type: "redemption_item",
                    entity_id: &item.id,
                    before: snapshot(&item),
                    after: snapshot(&rejected),
                },
            )?;
            // The approval email went before: this one has its own once-key.
            decided_email(c, templates, &rejected, "redemption_objection_upheld", now)?;
        }
        Ok(after)
    })?;
    RedemptionObjectionView::from_row(row)
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct NoticeReport {
    /// Items that became payable.
    pub payable: Vec<String>,
    /// Items whose notice ended but which wait for objections to be decided.
    pub awaiting_objections: Vec<String>,
}

/// Makes payable every approved item whose notice ended without an open or upheld
/// objection. Each item in its own transaction, re-checked under its row lock, so two
/// runs (or two servers) never move an item twice.
pub fn conclude_notices(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<NoticeReport> {
    let mut report = NoticeReport::default();
    for id in repo::notices_ended(conn, now)? {
        let outcome = db::write_tx(conn, |c| -> AppResult<Option<NoticeOutcome>> {
            let Some(before) = repo::item_for_update(c, &id)? else {
                return Ok(None);
            };
            let Some(end) = before.notice_ends_at else {
                return Ok(None);
            };
            if before.status != RedemptionStatus::InNotice {
                return Ok(None);
            }
            let filed = repo::objections_of(c, &id)?;
            let (open, upheld) = objections::open_and_upheld(filed.iter().map(|o| o.status));
            let outcome = notice_outcome(now, end, open, upheld);
            if outcome == NoticeOutcome::List {
                let after = RedemptionItemRow {
                    status: RedemptionStatus::Payable,
                    payable_at: Some(now),
                    updated_at: now,
                    ..before.clone()
                };
                repo::update_item(c, &after)?;
                ledger::post(
                    c,
                    &Transaction::transfer(
                        "redemption_payable",
                        Account::due(&after.provider_id),
                        Account::payable(&after.provider_id),
                        after.amount_fen,
                    ),
                    now,
                )?;
                audit::record(
                    c,
                    actor,
                    now,
                    audit::Change {
                        action: "redemption.item_payable",
                        entity_type: "redemption_item",
                        entity_id: &id,
                        before: snapshot(&before),
                        after: snapshot(&after),
                    },
                )?;
            }
            Ok(Some(outcome))
        })?;
        match outcome {
            Some(NoticeOutcome::List) => report.payable.push(id),
            Some(NoticeOutcome::AwaitingObjections) => report.awaiting_objections.push(id),
            _ => {}
        }
    }
    Ok(report)
}
