//! Subsidies for certified carriers: computing entitlements (a job and a command, unique
//! per space, policy and period), their public notice and approval, the payable they
//! become for the settlement run, and the duplicate-support register.

use super::{audit, Page, Paged};
use crate::db::carriers as repo;
use crate::db::models::{CertificationRow, EntitlementRow, SpaceRow, SupportGrantRow};
use crate::db::{self, parties, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::certification::{BenefitWindow, SchemeLevel};
use crate::domain::id::{CertificationId, EntitlementId, EvaluationId, GrantId, SpaceId, UserId};
use crate::domain::listing::{Filter, Sort};
use crate::domain::settlement::Period;
use crate::domain::subsidy::{
    certification_awards, overdue_statistics, yearly_subsidies, CertFact, Due, DuplicateRule,
    EntitlementStatus, Prior, SubsidyBasis, SubsidyPolicyDef,
};
use crate::domain::{Fen, Policy};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::listing::{Cell, Row};
use crate::services::Acting;
use crate::services::Cx;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

mod decisions;
mod grants;

pub use decisions::*;
pub use grants::*;

pub fn certification_fact(r: &CertificationRow) -> CertFact {
    CertFact {
        id: r.id.clone(),
        scheme: r.scheme.clone(),
        level: r.level,
        window: BenefitWindow::of(r.certified_on, r.valid_until, r.revoked_on),
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GrantView {
    #[schema(value_type = String)]
    pub id: GrantId,
    pub credit_code: String,
    pub beneficiary_name: String,
    pub purpose: String,
    pub covers_from: NaiveDate,
    pub covers_to: NaiveDate,
    /// The policy code, or the body that granted it elsewhere.
    pub source: String,
    #[schema(value_type = String, example = "500000.00")]
    pub amount: Fen,
    #[schema(value_type = Option<String>)]
    pub entitlement_id: Option<EntitlementId>,
    pub note: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub recorded_at: NaiveDateTime,
}

impl From<SupportGrantRow> for GrantView {
    fn from(g: SupportGrantRow) -> Self {
        GrantView {
            id: g.id,
            credit_code: g.credit_code.into_string(),
            beneficiary_name: g.beneficiary_name,
            purpose: g.purpose,
            covers_from: g.covers_from,
            covers_to: g.covers_to,
            source: g.source,
            amount: g.amount_fen,
            entitlement_id: g.entitlement_id,
            note: g.note,
            recorded_at: g.recorded_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntitlementView {
    #[schema(value_type = String)]
    pub id: EntitlementId,
    #[schema(value_type = String)]
    pub space_id: SpaceId,
    pub space_name: String,
    pub credit_code: String,
    pub policy: String,
    pub policy_name: String,
    /// `YYYY-MM` (awards on certification) or `YYYY` (yearly subsidies, awards).
    pub period: String,
    pub purpose: String,
    #[schema(value_type = Option<String>)]
    pub certification_id: Option<CertificationId>,
    #[schema(value_type = Option<String>)]
    pub evaluation_id: Option<EvaluationId>,
    pub level: Option<SchemeLevel>,
    #[schema(value_type = String, example = "1000000.00")]
    pub amount: Fen,
    pub covers_from: NaiveDate,
    pub covers_to: NaiveDate,
    /// How the amount was found.
    pub basis: String,
    pub status: EntitlementStatus,
    /// An earlier grant for the same purpose and an overlapping period: the reviewer
    /// must acknowledge it to approve.
    pub duplicate_of: Option<GrantView>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub computed_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub notice_ends_at: NaiveDateTime,
    pub decided_by: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub payable_at: Option<NaiveDateTime>,
}

fn view(
    c: &mut DbConnection,
    policy: &Policy,
    r: EntitlementRow,
    space: &SpaceRow,
) -> AppResult<EntitlementView> {
    let duplicate_of = match &r.duplicate_grant_id {
        Some(g) => repo::grant(c, g)?.map(GrantView::from),
        None => None,
    };
    Ok(EntitlementView {
        status: r.status,
        level: r.level,
        policy_name: policy
            .subsidies
            .policy(&r.policy)
            .map_or_else(|| r.policy.clone(), |p| p.name_zh.clone()),
        id: r.id,
        space_id: r.space_id,
        space_name: space.name.clone(),
        credit_code: space.credit_code.to_string(),
        policy: r.policy,
        period: r.period,
        purpose: r.purpose,
        certification_id: r.certification_id,
        evaluation_id: r.evaluation_id,
        amount: r.amount_fen,
        covers_from: r.covers_from,
        covers_to: r.covers_to,
        basis: r.basis,
        duplicate_of,
        computed_at: r.computed_at,
        notice_ends_at: r.notice_ends_at,
        decided_by: r.decided_by.map(UserId::into_string),
        decided_at: r.decided_at,
        decision_reason: r.decision_reason,
        payable_at: r.payable_at,
    })
}

/// Something held back from a computation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HeldBack {
    #[schema(value_type = String)]
    pub space_id: SpaceId,
    pub space_name: String,
    pub policy: String,
    pub period: String,
    pub reason: String,
    pub reason_en: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComputeReport {
    /// The month computed up to, `YYYY-MM`.
    pub as_of: String,
    /// Entitlements made by this computation (none when it ran before: re-runs never
    /// duplicate).
    pub created: Vec<EntitlementView>,
    /// Made but refused at once: the register already holds the same support.
    pub refused: usize,
    /// Made and waiting for a reviewer to look at an earlier grant.
    pub flagged: usize,
    /// Due but held back (statistics overdue).
    pub held_back: Vec<HeldBack>,
}

/// A new entitlement, with the duplicate-support register consulted.
fn make(
    c: &mut DbConnection,
    notice_days: u32,
    p: &SubsidyPolicyDef,
    space: &SpaceRow,
    due: &Due,
    evaluation_id: Option<&EvaluationId>,
    by: Acting<'_>,
) -> AppResult<EntitlementRow> {
    let now = by.now;
    let earlier =
        repo::overlapping_grants(c, &space.credit_code, &p.purpose, due.covers.0, due.covers.1)?;
    // The policy's own earlier grants are its upgrade rule's business, not duplicates.
    let dup = earlier.iter().find(|g| g.source != p.code);
    let refused = dup.is_some() && p.on_duplicate == DuplicateRule::Refuse;
    let row = EntitlementRow {
        id: EntitlementId::new(),
        space_id: space.id.clone(),
        policy: p.code.clone(),
        period: due.period.clone(),
        purpose: p.purpose.clone(),
        certification_id: due.certification_id.clone(),
        evaluation_id: evaluation_id.cloned(),
        level: due.level,
        amount_fen: due.amount,
        covers_from: due.covers.0,
        covers_to: due.covers.1,
        basis: due.basis_zh.clone(),
        status: if refused { EntitlementStatus::Rejected } else { EntitlementStatus::InNotice },
        duplicate_grant_id: dup.map(|g| g.id.clone()),
        computed_at: now,
        notice_ends_at: now + chrono::Duration::days(i64::from(notice_days)),
        decided_by: None,
        decided_at: refused.then_some(now),
        decision_reason: dup.filter(|_| refused).map(|g| {
            format!(
                "重复支持：{} 已于 {} 至 {} 就同一事项获 {} 资助 {} 元",
                g.beneficiary_name, g.covers_from, g.covers_to, g.source, g.amount_fen
            )
        }),
        payable_at: None,
        updated_at: now,
    };
    repo::insert_entitlement(c, &row)?;
    audit::record(c, by, audit::Change::created(Fixed::EntitlementComputed, &row))?;
    Ok(row)
}

/// Computes every entitlement due up to and including `as_of` (this month, China time,
/// when none is given; a month that has not begun is refused). Idempotent: each is
/// unique per (space, policy, period), so a re-run makes only what is new. A
/// certification revoked or expired stops producing entitlements from the month after.
pub fn compute(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    as_of: Option<Period>,
) -> AppResult<ComputeReport> {
    let this_month = Period::of(cx.now);
    let as_of = as_of.unwrap_or(this_month);
    if as_of > this_month {
        return Err(AppError::of(ErrorCode::AsOfInFuture).arg("as_of", as_of));
    }
    let run = |c: &mut DbConnection| compute_tx(c, cx, as_of);
    match db::write_tx(conn, run) {
        // Another computation made the same entitlement at the same moment: what it made
        // stands; this one runs again over what is left.
        Err(e) if e.code.is(ErrorCode::AlreadyExists) => db::write_tx(conn, run),
        other => other,
    }
}

fn compute_tx(c: &mut DbConnection, cx: Cx<'_>, as_of: Period) -> AppResult<ComputeReport> {
    let cfg = &cx.policy.subsidies;
    let today = crate::domain::china_time(cx.now).date();
    super::certification::expire_lapsed(c, cx)?;
    let mut by_space: BTreeMap<SpaceId, (SpaceRow, Vec<CertFact>)> = BTreeMap::new();
    for (cert, space) in repo::all_certifications(c)? {
        let fact = certification_fact(&cert);
        by_space.entry(space.id.clone()).or_insert_with(|| (space, Vec::new())).1.push(fact);
    }
    let mut report = ComputeReport {
        as_of: as_of.to_string(),
        created: Vec::new(),
        refused: 0,
        flagged: 0,
        held_back: Vec::new(),
    };
    for (space, certs) in by_space.values() {
        let existing = repo::entitlements_of(c, &space.id)?;
        let filed: BTreeSet<i32> = repo::filed_years(c, &space.id)?.into_iter().collect();
        let is_filed = |y: i32| filed.contains(&y);
        for p in cfg.policies.iter().filter(|p| p.enabled) {
            let certs_of: Vec<CertFact> =
                certs.iter().filter(|f| p.schemes.contains(&f.scheme)).cloned().collect();
            if certs_of.is_empty() {
                continue;
            }
            let prior: Vec<Prior> = existing
                .iter()
                .filter(|e| e.policy == p.code)
                .map(|e| Prior {
                    period: e.period.clone(),
                    level: e.level,
                    amount: e.amount_fen,
                    rejected: e.status == EntitlementStatus::Rejected,
                })
                .collect();
            let (mut due, mut held) = match p.basis {
                SubsidyBasis::Certification => {
                    (certification_awards(p, &certs_of, &prior, as_of), Vec::new())
                }
                SubsidyBasis::Yearly => yearly_subsidies(p, &certs_of, &prior, as_of, &is_filed),
                SubsidyBasis::PerformanceAward => continue,
            };
            if p.suspend_without_statistics && !due.is_empty() {
                let windows: Vec<BenefitWindow> = certs_of.iter().map(|f| f.window).collect();
                let overdue = overdue_statistics(&cfg.statistics, &windows, &is_filed, today);
                if !overdue.is_empty() {
                    let years: Vec<String> = overdue.iter().map(i32::to_string).collect();
                    for d in due.drain(..) {
                        held.push(crate::domain::subsidy::Suspended {
                            period: d.period,
                            reason_zh: format!(
                                "{} 年度火炬统计数据逾期未报送，补贴暂缓",
                                years.join("、")
                            ),
                            reason_en: format!("statistics overdue for {}", years.join(", ")),
                        });
                    }
                }
            }
            for h in held {
                report.held_back.push(HeldBack {
                    space_id: space.id.clone(),
                    space_name: space.name.clone(),
                    policy: p.code.clone(),
                    period: h.period,
                    reason: h.reason_zh,
                    reason_en: h.reason_en,
                });
            }
            for d in &due {
                let row = make(c, cfg.notice_days, p, space, d, None, cx.by())?;
                if row.status == EntitlementStatus::Rejected {
                    report.refused += 1;
                } else if row.duplicate_grant_id.is_some() {
                    report.flagged += 1;
                }
                report.created.push(view(c, cx.policy, row, space)?);
            }
        }
    }
    audit::record(
        c,
        cx.by(),
        audit::Change::new(Fixed::EntitlementsComputed, as_of.to_string()).after(
            &serde_json::json!({
                "as_of": as_of.to_string(),
                "created": report.created.len(),
                "refused": report.refused,
                "flagged": report.flagged,
                "held_back": report.held_back.len(),
            }),
        ),
    )?;
    Ok(report)
}

/// Makes the entitlements of a performance evaluation's awarded spaces (called by the
/// evaluation, in its transaction).
pub fn award_entitlements(
    c: &mut DbConnection,
    cx: Cx<'_>,
    p: &SubsidyPolicyDef,
    evaluation_id: &EvaluationId,
    year: i32,
    awarded: &[(SpaceRow, u32)],
) -> AppResult<Vec<EntitlementView>> {
    let amount =
        p.amount.ok_or_else(|| AppError::internal("a performance award without amount"))?;
    let mut out = Vec::new();
    for (space, rank) in awarded {
        let due = Due {
            period: year.to_string(),
            certification_id: None,
            level: None,
            amount,
            covers: (
                NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
                NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
            ),
            basis_zh: format!("{year} 年度绩效评价第 {rank} 名"),
            basis_en: format!("ranked {rank} in the {year} evaluation"),
        };
        let row =
            make(c, cx.policy.subsidies.notice_days, p, space, &due, Some(evaluation_id), cx.by())?;
        out.push(view(c, cx.policy, row, space)?);
    }
    Ok(out)
}

/// Who is looking at entitlements.
pub use super::certification::Viewer;

/// Entitlements as a list asks: the shared parts (state, words in the space's name or
/// its whole credit code or the beginning of the period, the days computed, the order)
/// and one subsidy policy.
#[derive(Debug, Clone, Default)]
pub struct EntitlementQuery {
    pub filter: Filter<EntitlementStatus>,
    pub policy: Option<String>,
}

/// The orders of the entitlements list.
pub const SORTS: &[Sort] = crate::domain::listing::BY_AMOUNT;

pub fn entitlements(
    conn: &mut DbConnection,
    policy: &Policy,
    viewer: Viewer<'_>,
    q: &EntitlementQuery,
    page: Page,
) -> AppResult<Paged<EntitlementView>> {
    let space = match viewer {
        Viewer::Space(s) => Some(s),
        Viewer::Staff => None,
    };
    let (rows, total) = repo::entitlements(
        conn,
        &repo::EntitlementFilter {
            space_id: space,
            status: q.filter.status.map(EntitlementStatus::as_str),
            statuses: None,
            policy: q.policy.as_deref(),
            words: q.filter.words.as_deref(),
            from: q.filter.from,
            before: q.filter.before,
            sort: Some(q.filter.sort),
        },
        page.offset(),
        page.per_page,
    )?;
    let mut items = Vec::with_capacity(rows.len());
    for (r, s) in rows {
        items.push(view(conn, policy, r, &s)?);
    }
    Ok(Paged { items, page: page.page, per_page: page.per_page, total })
}

pub fn entitlement(
    conn: &mut DbConnection,
    policy: &Policy,
    viewer: Viewer<'_>,
    id: &EntitlementId,
) -> AppResult<EntitlementView> {
    let row = repo::entitlement(conn, id)?
        .filter(|e| match viewer {
            Viewer::Space(s) => e.space_id == *s,
            Viewer::Staff => true,
        })
        .ok_or_else(|| AppError::not_found("entitlement"))?;
    let space = parties::space(conn, &row.space_id)?.ok_or_else(|| AppError::not_found("space"))?;
    view(conn, policy, row, &space)
}
impl Row for EntitlementView {
    const COLUMNS: &'static [&'static str] = &[
        "space",
        "credit-code",
        "subsidy-policy",
        "period-2",
        "amount-yuan",
        "state",
        "computed-at",
    ];
    const FILE: &'static str = "entitlements";
    const SHEET: &'static str = "entitlements";
    fn cells(&self, policy: &Policy, en: bool) -> Vec<Cell> {
        let name = policy.subsidies.policy(&self.policy).map_or_else(
            || self.policy_name.clone(),
            |p| crate::i18n::named(&p.name_zh, &p.name_en, en),
        );
        vec![
            Cell::Text(self.space_name.clone()),
            Cell::Text(self.credit_code.clone()),
            Cell::Text(name),
            Cell::Text(self.period.clone()),
            Cell::Money(self.amount),
            Cell::Words(crate::i18n::entitlement(self.status)),
            Cell::Time(self.computed_at),
        ]
    }
}
