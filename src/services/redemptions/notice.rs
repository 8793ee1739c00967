//! Redemption items in public notice (公示): the notice list, objections and their
//! resolution, the end of the notice, and the items approved for payment.

use super::super::objections;
use super::super::{audit, Acting, Actor, Page, Paged};
use super::*;
use crate::db::models::Moved;
use crate::db::models::{RedemptionItemRow, RedemptionObjectionRow};
use crate::db::orders::{self as repo};
use crate::db::{ledger, parties, DbConnection};
use crate::domain::audit::{Fixed, NoticeOf};
use crate::domain::id::RedemptionObjectionId;
use crate::domain::ledger::{Account, Transaction};
use crate::domain::order::RedemptionStatus;
use crate::domain::party::ObjectionStatus;
use crate::domain::{Fen, Policy};
use crate::error::{AppError, AppResult};
use chrono::NaiveDateTime;
use serde::Serialize;

/// An approved item as the public sees it during its notice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = RedemptionNoticeView)]
pub struct NoticeView {
    #[schema(value_type = String)]
    pub item_id: RedemptionItemId,
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
    #[schema(value_type = String)]
    pub item_id: RedemptionItemId,
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
    /// A spot check's finding that went against the item, once decided (回访抽查).
    pub finding: Option<PublishedFinding>,
}

/// A decided finding against an approved item, as published.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublishedFinding {
    /// `corrected` or `fraudulent`.
    pub outcome: crate::domain::spot_check::FindingOutcome,
    /// What the service was found worth to the voucher (`corrected`).
    #[schema(value_type = Option<String>, example = "300.00")]
    pub corrected_amount: Option<Fen>,
    /// What the provider owes back, when the item was already paid or in a run.
    #[schema(value_type = Option<String>, example = "700.00")]
    pub owed_back: Option<Fen>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub decided_at: Option<NaiveDateTime>,
}

/// Every approved redemption, most recently approved first (no sign-in); an item a
/// spot check found not delivered stays, with its finding.
pub fn approved(
    conn: &mut DbConnection,
    policy: &Policy,
    page: Page,
) -> AppResult<Paged<ApprovedView>> {
    let (rows, total) = repo::approved_items(conn, page.offset(), page.per_page)?;
    let ids: Vec<RedemptionItemId> = rows.iter().map(|(i, _, _)| i.id.clone()).collect();
    let mut found: std::collections::HashMap<RedemptionItemId, PublishedFinding> =
        std::collections::HashMap::new();
    for (item, outcome, corrected, owed_back, decided_at) in
        crate::db::spot_checks::published_findings(conn, &ids)?
    {
        if let Some(outcome) = crate::domain::spot_check::FindingOutcome::parse(&outcome) {
            let corrected_amount = corrected.map(Fen::new);
            found.insert(
                item,
                PublishedFinding { outcome, corrected_amount, owed_back, decided_at },
            );
        }
    }
    let items = rows
        .into_iter()
        .map(|(i, provider_name, firm_name)| {
            // What the provider owes back is what the item was paid less what the
            // finding (as an appeal may have revised it) allows.
            let finding = found.remove(&i.id).map(|mut f| {
                if f.owed_back.is_some() {
                    f.owed_back = Some(i.amount_fen - f.corrected_amount.unwrap_or(Fen::ZERO));
                }
                f
            });
            Ok(ApprovedView {
                finding,
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
    Ok(Paged { items, page: page.page, per_page: page.per_page, total })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RedemptionObjectionView {
    #[schema(value_type = String)]
    pub id: RedemptionObjectionId,
    #[schema(value_type = String)]
    pub item_id: RedemptionItemId,
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

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct NoticeReport {
    /// Items that became payable.
    pub payable: Vec<String>,
    /// Items whose notice ended but which wait for objections to be decided.
    pub awaiting_objections: Vec<String>,
}

objections::notice_use_cases!(
    ItemNotice: RedemptionItemId, RedemptionObjectionId => RedemptionObjectionView, NoticeReport { payable }
);

objections::objection_rows!(
    RedemptionObjectionRow(RedemptionObjectionId).item_id: RedemptionItemId => RedemptionObjectionView
);

/// An approved redemption item on notice: an upheld objection rejects it and returns
/// its amount to the programme; the end of the notice makes it payable.
struct ItemNotice;

impl objections::Notice for ItemNotice {
    type Subject = RedemptionItemRow;
    type Objection = RedemptionObjectionRow;
    const NOTICE: NoticeOf = NoticeOf::Redemption;
    const NOT_FOUND: &'static str = "redemption item";
    const WHAT: (&'static str, &'static str) = ("兑现事项", "item");

    objections::notice_repo!(repo, subject: item, lock: item_for_update);
    fn on_notice(i: &RedemptionItemRow) -> Option<NaiveDateTime> {
        i.notice_ends_at.filter(|_| i.status == RedemptionStatus::InNotice)
    }

    /// A reviewer affiliated with the item's provider or firm may not resolve.
    fn may_resolve(
        c: &mut DbConnection,
        actor: &Actor,
        o: &RedemptionObjectionRow,
    ) -> AppResult<()> {
        let item = repo::item_for_update(c, &o.item_id)?
            .ok_or_else(|| AppError::internal("objection item"))?;
        let provider = parties::provider(c, &item.provider_id)?
            .ok_or_else(|| AppError::internal("item provider"))?;
        let firm =
            parties::firm(c, &item.firm_id)?.ok_or_else(|| AppError::internal("item firm"))?;
        super::super::affiliations::not_affiliated(
            c,
            actor,
            &[provider.credit_code.as_str(), firm.credit_code.as_str()],
        )
    }

    fn reject(
        c: &mut DbConnection,
        cx: Cx<'_>,
        item: &RedemptionItemRow,
        why: String,
    ) -> AppResult<()> {
        let rejected = RedemptionItemRow {
            status: RedemptionStatus::Rejected,
            decision_reason: Some(why),
            reviewed_by: cx.actor.user_id.clone(),
            reviewed_at: Some(cx.now),
            ..item.moved_at(cx.now)
        };
        refuse(c, &rejected, cx.now)?;
        moved(c, cx.by(), Fixed::RedemptionItemRejected, item, &rejected)?;
        // The approval email went before: this one has its own once-key.
        decided_email(c, cx.templates, &rejected, "redemption_objection_upheld", cx.now)
    }

    fn conclude(c: &mut DbConnection, cx: Cx<'_>, before: &RedemptionItemRow) -> AppResult<()> {
        let after = RedemptionItemRow {
            status: RedemptionStatus::Payable,
            payable_at: Some(cx.now),
            ..before.moved_at(cx.now)
        };
        let (from, to) = (Account::due(&after.provider_id), Account::payable(&after.provider_id));
        let tx = Transaction::transfer("redemption_payable", from, to, after.amount_fen);
        ledger::post(c, &tx, cx.now)?;
        moved(c, cx.by(), Fixed::RedemptionItemPayable, before, &after)
    }
}

/// Writes an item's new status, audited.
fn moved(
    c: &mut DbConnection,
    by: Acting<'_>,
    action: Fixed,
    before: &RedemptionItemRow,
    after: &RedemptionItemRow,
) -> AppResult<()> {
    repo::update_item(c, after)?;
    audit::record(c, by, audit::Change::moved(action, before, after))
}
