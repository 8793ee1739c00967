//! A payout opened to what it pays: each redemption item with its firm, order, category,
//! amounts, evidence and review decision, or each subsidy entitlement with its policy and
//! decision; and whether the payee's bank account has changed since the payout was made.

use super::PayoutView;
use crate::db::settlement as repo;
use crate::db::{parties, users, DbConnection};
use crate::domain::id::{
    AnyParty, AppealId, EntitlementId, EvidenceId, OrderId, PayoutId, RedemptionItemId, RunId,
    SupplementId, UserId,
};
use crate::domain::order::EvidenceKind;
use crate::domain::settlement::account_line;
use crate::domain::Fen;
use crate::error::{AppError, AppResult};
use chrono::NaiveDateTime;
use serde::Serialize;
use std::collections::BTreeMap;

/// One payout with everything it pays.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PayoutDetail {
    #[schema(value_type = String)]
    pub run_id: RunId,
    pub period: String,
    pub payout: PayoutView,
    /// The payee's bank details today differ from those the payout was made out to.
    pub bank_changed: bool,
    pub redemptions: Vec<PaidRedemption>,
    pub entitlements: Vec<PaidEntitlement>,
    /// Supplements (补付款): what an appeal against a finding or a clawback gave back.
    pub supplements: Vec<PaidSupplement>,
    /// The redemptions by service category: (category code, items, amount).
    pub by_category: Vec<CategoryTotal>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryTotal {
    pub category: String,
    pub items: i64,
    #[schema(value_type = String)]
    pub amount: Fen,
}

/// A redemption item a payout pays.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaidRedemption {
    #[schema(value_type = String)]
    pub id: RedemptionItemId,
    #[schema(value_type = String)]
    pub order_id: OrderId,
    pub order_no: String,
    pub title: String,
    pub firm_name: String,
    pub category: String,
    #[schema(value_type = String)]
    pub contract_amount: Fen,
    /// What the programme pays for it (the voucher's share).
    #[schema(value_type = String)]
    pub amount: Fen,
    /// Who approved it, and when.
    pub reviewed_by: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub reviewed_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub payable_at: Option<NaiveDateTime>,
    pub evidence: Vec<PaidEvidence>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaidEvidence {
    #[schema(value_type = String)]
    pub id: EvidenceId,
    pub kind: EvidenceKind,
    pub file_name: String,
    pub media_type: String,
}

/// A supplement a payout pays (补付款): after an appeal raised a finding's amount.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaidSupplement {
    #[schema(value_type = String)]
    pub id: SupplementId,
    #[schema(value_type = String)]
    pub item_id: RedemptionItemId,
    pub order_no: String,
    #[schema(value_type = String)]
    pub appeal_id: AppealId,
    #[schema(value_type = String)]
    pub amount: Fen,
}

/// A subsidy entitlement a payout pays.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaidEntitlement {
    #[schema(value_type = String)]
    pub id: EntitlementId,
    pub space_name: String,
    pub policy: String,
    pub period: String,
    pub basis: String,
    #[schema(value_type = String)]
    pub amount: Fen,
    pub decided_by: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub decided_at: Option<NaiveDateTime>,
}

pub fn payout(conn: &mut DbConnection, id: &PayoutId) -> AppResult<PayoutDetail> {
    let row = repo::payout(conn, id)?.ok_or_else(|| AppError::not_found("payout"))?;
    let run = repo::run(conn, &row.run_id)?.ok_or_else(|| AppError::internal("payout run"))?;
    let bank_now = match row.payee() {
        AnyParty::Provider(p) => parties::provider(conn, &p)?
            .map(|p| (p.bank_name, p.bank_account_name, p.bank_account_no)),
        AnyParty::Space(s) => parties::space(conn, &s)?.map(|s| {
            let text = Option::unwrap_or_default;
            (text(s.bank_name), text(s.bank_account_name), text(s.bank_account_no))
        }),
        AnyParty::Firm(_) | AnyParty::Authority(_) => None,
    };
    let made_out = account_line(&row.bank_name, &row.bank_account_name, &row.bank_account_no);
    let bank_changed =
        bank_now.is_some_and(|(bank, name, no)| account_line(&bank, &name, &no) != made_out);
    let lines = repo::payout_lines(conn, id)?;
    let mut names: BTreeMap<UserId, Option<String>> = BTreeMap::new();
    let deciders = lines
        .redemptions
        .iter()
        .filter_map(|(i, _, _)| i.reviewed_by.clone())
        .chain(lines.entitlements.iter().filter_map(|(e, _)| e.decided_by.clone()));
    for user in deciders {
        if let std::collections::btree_map::Entry::Vacant(e) = names.entry(user) {
            let name = users::by_id(conn, e.key())?.map(|u| u.username);
            e.insert(name);
        }
    }
    let name_of = |u: &Option<UserId>| u.as_ref().and_then(|u| names.get(u).cloned().flatten());
    let mut evidence: BTreeMap<OrderId, Vec<PaidEvidence>> = BTreeMap::new();
    for e in lines.evidence {
        evidence.entry(e.order_id).or_default().push(PaidEvidence {
            id: e.id,
            kind: e.kind,
            file_name: e.file_name,
            media_type: e.media_type,
        });
    }
    let mut by_category: BTreeMap<String, (i64, Fen)> = BTreeMap::new();
    let redemptions = lines
        .redemptions
        .into_iter()
        .map(|(i, o, firm_name)| {
            let t = by_category.entry(i.category.clone()).or_default();
            *t = (t.0 + 1, t.1 + i.amount_fen);
            PaidRedemption {
                reviewed_by: name_of(&i.reviewed_by),
                evidence: evidence.remove(&o.id).unwrap_or_default(),
                id: i.id,
                order_id: o.id,
                order_no: o.order_no,
                title: o.title,
                firm_name,
                category: i.category,
                contract_amount: o.contract_fen,
                amount: i.amount_fen,
                reviewed_at: i.reviewed_at,
                decision_reason: i.decision_reason,
                payable_at: i.payable_at,
            }
        })
        .collect();
    let entitlements = lines
        .entitlements
        .into_iter()
        .map(|(e, space_name)| PaidEntitlement {
            decided_by: name_of(&e.decided_by),
            id: e.id,
            space_name,
            policy: e.policy,
            period: e.period,
            basis: e.basis,
            amount: e.amount_fen,
            decided_at: e.decided_at,
        })
        .collect();
    let supplements = lines
        .supplements
        .into_iter()
        .map(|(s, order_no)| PaidSupplement {
            id: s.id,
            item_id: s.item_id,
            order_no,
            appeal_id: s.appeal_id,
            amount: s.amount_fen,
        })
        .collect();
    let by_category = by_category
        .into_iter()
        .map(|(category, (items, amount))| CategoryTotal { category, items, amount })
        .collect();
    Ok(PayoutDetail {
        run_id: run.id,
        period: run.period,
        payout: PayoutView::from_row(row)?,
        bank_changed,
        redemptions,
        entitlements,
        supplements,
        by_category,
    })
}
