//! The duplicate-support register (避免多头重复支持): grants recorded from other
//! programmes, and the public list of entitlements.

use super::super::{audit, Page, Paged};
use super::*;
use crate::db::carriers as repo;
use crate::db::models::SupportGrantRow;
use crate::db::{self, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::GrantId;
use crate::domain::subsidy::EntitlementStatus;
use crate::domain::validation::FieldErrors;
use crate::domain::{Fen, Policy};
use crate::error::AppResult;
use crate::error::ErrorCode;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// A grant made elsewhere (another department, another programme), recorded so that the
/// register sees every source.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    #[schema(schema_with = crate::domain::validation::schema::credit_code)]
    pub credit_code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub beneficiary_name: String,
    #[schema(min_length = 1, max_length = 100)]
    pub purpose: String,
    /// `YYYY-MM-DD`.
    #[schema(schema_with = crate::domain::validation::schema::date)]
    pub covers_from: String,
    #[schema(schema_with = crate::domain::validation::schema::date)]
    pub covers_to: String,
    #[schema(min_length = 1, max_length = 200)]
    pub source: String,
    /// Yuan, e.g. `"300000.00"`.
    #[schema(schema_with = crate::domain::validation::schema::positive_yuan)]
    pub amount: String,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// What recording a grant found: the grant, and any earlier grants for the same purpose
/// and an overlapping period (a second one is recorded, but shown).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GrantRecorded {
    pub grant: GrantView,
    pub earlier: Vec<GrantView>,
}

pub fn record_grant(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    input: &GrantInput,
) -> AppResult<GrantRecorded> {
    let mut e = FieldErrors::new();
    let credit_code = e.credit_code("credit_code", &input.credit_code);
    let name = e.text("beneficiary_name", &input.beneficiary_name, 200);
    let purpose = e.text("purpose", &input.purpose, 100);
    let source = e.text("source", &input.source, 200);
    let note = e.opt_text("note", input.note.as_deref(), 2000);
    let from = e.date("covers_from", &input.covers_from);
    let to = e.date("covers_to", &input.covers_to);
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            e.add(
                "covers_to",
                ErrorCode::PeriodInvalid,
                "结束日期不能早于开始日期",
                "the period ends before it starts",
            );
        }
    }
    let amount = match Fen::parse_yuan(&input.amount) {
        Ok(a) if a.get() > 0 => a,
        Ok(_) => {
            e.add(
                "amount",
                ErrorCode::AmountNotPositive,
                "金额须大于零",
                "the amount must be more than zero",
            );
            Fen::default()
        }
        Err(m) => {
            e.add("amount", m.code(), m.message_zh(), m.message_en());
            Fen::default()
        }
    };
    e.finish()?;
    let (from, to) = (from.unwrap_or_default(), to.unwrap_or_default());
    db::write_tx(conn, |c| -> AppResult<_> {
        let earlier = repo::overlapping_grants(c, &credit_code, &purpose, from, to)?;
        let row = SupportGrantRow {
            id: GrantId::new(),
            credit_code: credit_code.clone(),
            beneficiary_name: name.clone(),
            purpose: purpose.clone(),
            covers_from: from,
            covers_to: to,
            source: source.clone(),
            amount_fen: amount,
            entitlement_id: None,
            note: note.clone(),
            recorded_by: cx.actor.user_id.clone(),
            recorded_at: cx.now,
        };
        repo::insert_grant(c, &row)?;
        audit::record(c, cx.by(), audit::Change::created(Fixed::SupportGrantRecorded, &row))?;
        Ok(GrantRecorded {
            grant: row.into(),
            earlier: earlier.into_iter().map(GrantView::from).collect(),
        })
    })
}

pub fn grants(
    conn: &mut DbConnection,
    credit_code: Option<&str>,
    page: Page,
) -> AppResult<Paged<GrantView>> {
    let (rows, total) = repo::grants(conn, credit_code, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(GrantView::from).collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

/// What the public disclosure (上网公示) shows of support given.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicEntitlement {
    pub space_name: String,
    pub credit_code: String,
    pub policy_name: String,
    pub period: String,
    #[schema(value_type = String)]
    pub amount: Fen,
    pub basis: String,
    pub status: EntitlementStatus,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub notice_ends_at: NaiveDateTime,
}

pub fn public_entitlements(
    conn: &mut DbConnection,
    policy: &Policy,
    page: Page,
) -> AppResult<Paged<PublicEntitlement>> {
    let shown = ["in_notice", "payable", "paid"];
    let (rows, total) = repo::entitlements(
        conn,
        &repo::EntitlementFilter {
            space_id: None,
            status: None,
            statuses: Some(&shown),
            ..Default::default()
        },
        page.offset(),
        page.per_page,
    )?;
    Ok(Paged {
        items: rows
            .into_iter()
            .map(|(r, s)| PublicEntitlement {
                space_name: s.name,
                credit_code: s.credit_code.into_string(),
                policy_name: policy
                    .subsidies
                    .policy(&r.policy)
                    .map_or_else(|| r.policy.clone(), |p| p.name_zh.clone()),
                period: r.period,
                amount: r.amount_fen,
                basis: r.basis,
                status: r.status,
                notice_ends_at: r.notice_ends_at,
            })
            .collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}
