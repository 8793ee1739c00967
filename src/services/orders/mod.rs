//! Spending a voucher: a firm orders a listed provider's service against one of its
//! vouchers; the provider accepts (the voucher's share is held) or declines; the
//! provider delivers with evidence; the firm confirms (the held share is consumed and
//! becomes due to the provider) or disputes, and a reviewer resolves the dispute.
//! Either side may cancel before delivery. Every step is one transaction with its
//! ledger entries, audit event and email.
//!
//! The rooms: this file is who sees an order and how (views, lists); `request.rs` is
//! the firm's quote and order; `transitions.rs` every step after it.

mod request;
mod transitions;

use crate::domain::id::{
    EvidenceId, FirmId, OrderId, ProgrammeId, ProviderId, ServiceItemId, VoucherId,
};
use crate::error::ErrorCode;
use request::{not_screened, provider_trading, spendable};
pub use request::{quote, request, OrderInput, Quote};
pub use transitions::{
    accept, cancel, confirm, decline, deliver, dispute, lapse, resolve_dispute, Cx, DisputeOutcome,
    DisputeResolution, Loaded, ReasonInput,
};

use super::listing::MATCHED_AT_MOST;
use super::{Actor, Page, Paged};
use crate::db::models::{EvidenceRow, FirmRow, OrderRow, ProviderRow, VoucherRow};
use crate::db::orders::{self as repo, Scope};
use crate::db::{self, parties, vouchers, DbConnection};
use crate::domain::order::{
    required_evidence, EvidenceKind, EvidenceWarning, OrderStatus, Sent, Side,
};
use crate::domain::{Fen, Policy, Role};
use crate::error::{AppError, AppResult};
use crate::notify::{self, OrderEvent};
use chrono::NaiveDateTime;
use serde::Serialize;

/// Who is looking at or acting on an order: its firm, its provider, or authority staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party<'a> {
    Firm(&'a FirmId),
    Provider(&'a ProviderId),
    Staff,
}

impl<'a> Party<'a> {
    /// The party an actor acts for; a firm or provider user without one sees nothing.
    pub fn of(actor: &'a Actor) -> AppResult<Party<'a>> {
        match actor.role_kind {
            Some(Role::Firm) => actor.firm().map(Party::Firm).ok_or_else(AppError::forbidden),
            Some(Role::Provider) => {
                actor.provider().map(Party::Provider).ok_or_else(AppError::forbidden)
            }
            Some(Role::Reviewer | Role::Finance | Role::Admin | Role::Auditor) => Ok(Party::Staff),
            _ => Err(AppError::forbidden()),
        }
    }

    fn scope(self) -> Scope<'a> {
        match self {
            Party::Firm(f) => Scope::Firm(f),
            Party::Provider(p) => Scope::Provider(p),
            Party::Staff => Scope::All,
        }
    }

    /// Whether this party may see `order` (others get "not found").
    pub(crate) fn sees(self, order: &OrderRow) -> bool {
        match self {
            Party::Firm(f) => order.firm_id == *f,
            Party::Provider(p) => order.provider_id == *p,
            Party::Staff => true,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    #[schema(value_type = String)]
    pub id: EvidenceId,
    pub kind: EvidenceKind,
    pub kind_name: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub uploaded_at: NaiveDateTime,
    /// An invoice's amount as the provider stated it (yuan).
    #[schema(value_type = Option<String>, example = "12000.00")]
    pub amount: Option<Fen>,
    /// The document's date as stated: an invoice's, a delivery's (service report).
    pub dated: Option<chrono::NaiveDate>,
    /// Where to download it (the order's parties, reviewers, finance and auditors).
    pub href: String,
}

impl EvidenceView {
    pub fn from_row(r: EvidenceRow) -> AppResult<Self> {
        let kind = r.kind;
        Ok(EvidenceView {
            href: format!("/api/v1/orders/{}/evidence/{}", r.order_id, r.id),
            id: r.id,
            kind,
            kind_name: kind.name_zh().into(),
            file_name: r.file_name,
            media_type: r.media_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploaded_at: r.uploaded_at,
            amount: r.amount_fen,
            dated: r.dated,
        })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    #[schema(value_type = String)]
    pub id: OrderId,
    /// The order number people read out.
    pub order_no: String,
    pub status: OrderStatus,
    #[schema(value_type = String)]
    pub firm_id: FirmId,
    pub firm_name: String,
    #[schema(value_type = String)]
    pub provider_id: ProviderId,
    pub provider_name: String,
    #[schema(value_type = String)]
    pub service_item_id: ServiceItemId,
    #[schema(value_type = String)]
    pub voucher_id: VoucherId,
    pub voucher_code: String,
    #[schema(value_type = String)]
    pub programme_id: ProgrammeId,
    pub category: String,
    pub category_name: String,
    pub title: String,
    pub note: String,
    #[schema(value_type = String, example = "12000.00")]
    pub contract_amount: Fen,
    #[schema(value_type = String, example = "6000.00")]
    pub covered_amount: Fen,
    #[schema(value_type = String, example = "6000.00")]
    pub own_amount: Fen,
    pub decline_reason: Option<String>,
    pub cancel_reason: Option<String>,
    pub cancelled_by: Option<Side>,
    pub dispute_reason: Option<String>,
    /// The reviewer's note on a resolved dispute.
    pub resolution_note: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub requested_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub accepted_at: Option<NaiveDateTime>,
    /// Accepted plus the service's delivery days.
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub deliver_by: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub delivered_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub confirmed_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub closed_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub updated_at: NaiveDateTime,
    /// The evidence uploaded (on single-order reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<EvidenceView>>,
    /// What must still be uploaded before the order can be marked delivered (on
    /// single-order reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_evidence: Option<Vec<EvidenceKind>>,
    /// For staff on single-order reads: one file sent as two kinds of document, or also
    /// the evidence of another order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_warnings: Option<Vec<EvidenceWarning>>,
}

struct Names {
    firm: String,
    provider: String,
    voucher_code: String,
}

fn view(policy: &Policy, r: OrderRow, n: Names) -> AppResult<OrderView> {
    let status = r.status;
    Ok(OrderView {
        category_name: policy
            .category(&r.category)
            .map_or_else(|| r.category.clone(), |c| c.name_zh.clone()),
        status,
        cancelled_by: r.cancelled_by.as_deref().and_then(Side::parse),
        id: r.id,
        order_no: r.order_no,
        firm_id: r.firm_id,
        firm_name: n.firm,
        provider_id: r.provider_id,
        provider_name: n.provider,
        service_item_id: r.service_item_id,
        voucher_id: r.voucher_id,
        voucher_code: n.voucher_code,
        programme_id: r.programme_id,
        category: r.category,
        title: r.title,
        note: r.note,
        contract_amount: r.contract_fen,
        covered_amount: r.covered_fen,
        own_amount: r.own_fen,
        decline_reason: r.decline_reason,
        cancel_reason: r.cancel_reason,
        dispute_reason: r.dispute_reason,
        resolution_note: r.resolution_note,
        requested_at: r.requested_at,
        accepted_at: r.accepted_at,
        deliver_by: r.deliver_by,
        delivered_at: r.delivered_at,
        confirmed_at: r.confirmed_at,
        closed_at: r.closed_at,
        updated_at: r.updated_at,
        evidence: None,
        missing_evidence: None,
        evidence_warnings: None,
    })
}

/// The warnings about `v`'s evidence (as read with it).
fn evidence_warnings(c: &mut DbConnection, v: &OrderView) -> AppResult<Vec<EvidenceWarning>> {
    let own = v.evidence.as_deref().unwrap_or_default();
    if own.is_empty() {
        return Ok(Vec::new());
    }
    let hashes: Vec<String> = own.iter().map(|e| e.sha256.clone()).collect();
    let others = repo::same_evidence_elsewhere(c, &v.id, &hashes)?;
    let own: Vec<Sent<'_>> = own
        .iter()
        .map(|e| Sent {
            kind: e.kind,
            sha256: &e.sha256,
            file_name: &e.file_name,
            amount: e.amount,
            dated: e.dated,
        })
        .collect();
    let elsewhere: Vec<(Sent<'_>, &str)> = others
        .iter()
        .map(|(e, no)| {
            let sent = Sent {
                kind: e.kind,
                sha256: &e.sha256,
                file_name: &e.file_name,
                amount: e.amount_fen,
                dated: e.dated,
            };
            (sent, no.as_str())
        })
        .collect();
    let facts = crate::domain::order::OrderFacts {
        contract: v.contract_amount,
        accepted_on: v.accepted_at.map(|t| crate::domain::china_time(t).date()),
    };
    let mut out = crate::domain::order::evidence_warnings(&own, &elsewhere);
    out.extend(crate::domain::order::statement_warnings(&own, facts));
    Ok(out)
}

/// The evidence kinds still missing for `order` given what was uploaded.
fn missing(order: &OrderRow, uploaded: &[EvidenceRow]) -> Vec<EvidenceKind> {
    required_evidence(order.own_fen)
        .into_iter()
        .filter(|k| !uploaded.iter().any(|e| e.kind == *k))
        .collect()
}

/// An order with its evidence, as `party` may see it.
fn full_view(c: &mut DbConnection, policy: &Policy, o: OrderRow) -> AppResult<OrderView> {
    let (firm, provider, voucher) = parties_of(c, &o, false)?;
    let evidence = repo::evidence_of(c, &o.id)?;
    let lacking = missing(&o, &evidence);
    let mut v = view(
        policy,
        o,
        Names { firm: firm.name, provider: provider.name, voucher_code: voucher.code },
    )?;
    v.evidence = Some(evidence.into_iter().map(EvidenceView::from_row).collect::<AppResult<_>>()?);
    v.missing_evidence = Some(lacking);
    Ok(v)
}

/// The parties of an order and its voucher; with `lock`, the voucher under its row lock
/// (order first, then voucher, as everywhere): a transition then decides what to do
/// with the voucher's money on the voucher as it is, not as it was before the expiry
/// job (which locks the voucher alone) changed it.
fn parties_of(
    c: &mut DbConnection,
    o: &OrderRow,
    lock: bool,
) -> AppResult<(FirmRow, ProviderRow, VoucherRow)> {
    let firm = parties::firm(c, &o.firm_id)?.ok_or_else(|| AppError::internal("order firm"))?;
    let provider = parties::provider(c, &o.provider_id)?
        .ok_or_else(|| AppError::internal("order provider"))?;
    let voucher = if lock {
        repo::voucher_for_update(c, &o.voucher_id)?
    } else {
        vouchers::voucher(c, &o.voucher_id)?
    }
    .ok_or_else(|| AppError::internal("order voucher"))?;
    Ok((firm, provider, voucher))
}

fn email_values(o: &OrderRow, f: &FirmRow, p: &ProviderRow, v: &VoucherRow) -> OrderEvent {
    OrderEvent {
        order_no: o.order_no.clone(),
        firm_name: f.name.clone(),
        provider_name: p.name.clone(),
        service_title: o.title.clone(),
        voucher_code: v.code.clone(),
        contract_amount: notify::yuan(o.contract_fen),
        covered_amount: notify::yuan(o.covered_fen),
        own_amount: notify::yuan(o.own_fen),
        reason: o
            .dispute_reason
            .clone()
            .filter(|_| o.status == OrderStatus::Disputed)
            .or_else(|| o.cancel_reason.clone())
            .or_else(|| o.decline_reason.clone())
            .unwrap_or_default(),
        cancelled_by: o.cancelled_by.clone().unwrap_or_default(),
        outcome: o.status.as_str().to_string(),
        note: o.resolution_note.clone().unwrap_or_default(),
    }
}

/// One order, if `party` may see it.
pub fn get(
    conn: &mut DbConnection,
    policy: &Policy,
    party: Party<'_>,
    order_id: &OrderId,
) -> AppResult<OrderView> {
    db::read_tx(conn, |c| {
        let o = repo::get(c, order_id)?
            .filter(|o| party.sees(o))
            .ok_or_else(|| AppError::not_found("order"))?;
        let mut v = full_view(c, policy, o)?;
        // Another order's number is for staff only.
        if matches!(party, Party::Staff) {
            v.evidence_warnings = Some(evidence_warnings(c, &v)?);
        }
        Ok(v)
    })
}

/// The orders `party` may see, newest first, in one state or all.
pub fn list(
    conn: &mut DbConnection,
    policy: &Policy,
    party: Party<'_>,
    status: Option<&str>,
    page: Page,
) -> AppResult<Paged<OrderView>> {
    let q = OrderQuery { status: status.map(str::to_string), ..Default::default() };
    search(conn, policy, party, &q, page)
}

/// What a list of orders asks for (the API's query and the page's filter): every part
/// optional.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Orders per page (default 20, at most 100).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// `requested`, `accepted`, `delivered`, `disputed`, `confirmed`, `declined` or
    /// `cancelled`.
    #[param(pattern = "^(requested|accepted|delivered|disputed|confirmed|declined|cancelled)$")]
    pub status: Option<String>,
    /// An order number, a credit code, or part of a firm's or provider's name.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// A service category code (`GET /api/v1/policy/service-categories`).
    pub category: Option<String>,
    /// Placed on or after this day, YYYY-MM-DD (China).
    #[param(schema_with = crate::domain::validation::schema::opt_date)]
    pub from: Option<String>,
    /// Placed on or before this day, YYYY-MM-DD (China).
    #[param(schema_with = crate::domain::validation::schema::opt_date)]
    pub to: Option<String>,
    /// `newest` (default), `oldest` or `largest` (contract amount).
    #[param(pattern = "^(newest|oldest|largest)$")]
    pub sort: Option<String>,
    /// `json` (default: a page), or `csv` / `xlsx`: the whole filtered list (at most
    /// 10,000 orders) as a file, in the reader's language (`lang=en`).
    #[param(pattern = "^(json|csv|xlsx)$")]
    pub format: Option<String>,
    /// The file's language: `zh` (default) or `en`.
    #[param(pattern = "^(zh|en)$")]
    pub lang: Option<String>,
}

/// The query as the database filter; each bad part is said by its field.
fn filter_of(
    conn: &mut DbConnection,
    policy: &Policy,
    q: &OrderQuery,
) -> AppResult<repo::OrderFilter> {
    use crate::domain::validation::FieldErrors;
    let mut e = FieldErrors::new();
    // A state, category or sort given empty is not given (the document lets them be
    // null); a day given empty is refused as its format says.
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => match OrderStatus::parse(s) {
            Some(s) => Some(s),
            None => return Err(AppError::of(ErrorCode::OrderStatusUnknown).arg("status", s)),
        },
        None => None,
    };
    let category = q.category.clone().filter(|c| !c.is_empty());
    if let Some(c) = &category {
        if policy.category(c).is_none() {
            e.add(
                "category",
                ErrorCode::CategoryUnknown,
                "没有此服务类别",
                "no such service category",
            );
        }
    }
    // The parts every list shares, judged as every list judges them.
    let shared = crate::services::listing::ListQuery {
        q: q.q.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        sort: q.sort.clone(),
        lang: q.lang.clone(),
        ..Default::default()
    };
    let (words, placed_from, placed_before, sort) =
        shared.common(&mut e, crate::services::listing::BY_AMOUNT);
    e.finish()?;
    let text = match words {
        Some(w) => Some(repo::OrderText {
            firms: repo::firms_matching(conn, &w, MATCHED_AT_MOST)?,
            providers: repo::providers_matching(conn, &w, MATCHED_AT_MOST)?,
            order_no: w,
        }),
        None => None,
    };
    let sort = match sort {
        crate::domain::listing::Sort::Oldest => repo::OrderSort::Oldest,
        crate::domain::listing::Sort::Largest => repo::OrderSort::Largest,
        _ => repo::OrderSort::Newest,
    };
    Ok(repo::OrderFilter { status, category, placed_from, placed_before, text, sort })
}

/// The orders `party` may see, as `q` narrows and orders them, a page of them.
pub fn search(
    conn: &mut DbConnection,
    policy: &Policy,
    party: Party<'_>,
    q: &OrderQuery,
    page: Page,
) -> AppResult<Paged<OrderView>> {
    db::read_tx(conn, |c| {
        let f = filter_of(c, policy, q)?;
        let (rows, total) = repo::list(c, party.scope(), &f, page.offset(), page.per_page)?;
        let items = rows
            .into_iter()
            .map(|(o, firm, provider, voucher_code)| {
                view(policy, o, Names { firm, provider, voucher_code })
            })
            .collect::<AppResult<_>>()?;
        Ok(Paged { items, page: page.page, per_page: page.per_page, total })
    })
}

/// Orders in one export at the most (narrow the filter for more).
pub const EXPORTED_AT_MOST: i64 = 10_000;

/// The orders `q` finds as a table (CSV or XLSX), at most [`EXPORTED_AT_MOST`], headers
/// and states in the reader's language.
pub fn export(
    conn: &mut DbConnection,
    policy: &Policy,
    party: Party<'_>,
    q: &OrderQuery,
    en: bool,
    format: crate::services::settlement::FileFormat,
) -> AppResult<Vec<u8>> {
    use crate::services::settlement::{csv_bytes, xlsx_bytes, FileFormat};
    let (rows, _) = db::read_tx(conn, |c| -> AppResult<_> {
        let f = filter_of(c, policy, q)?;
        Ok(repo::list(c, party.scope(), &f, 0, EXPORTED_AT_MOST)?)
    })?;
    let header: [&str; 11] = if en {
        [
            "Order no.",
            "Placed (Beijing)",
            "Firm",
            "Provider",
            "Category",
            "Service",
            "Contract (yuan)",
            "Voucher share (yuan)",
            "Own share (yuan)",
            "State",
            "Voucher",
        ]
    } else {
        [
            "订单号",
            "下单时间（北京时间）",
            "企业",
            "服务机构",
            "服务类别",
            "服务",
            "合同金额（元）",
            "券支付（元）",
            "自付（元）",
            "状态",
            "创新券",
        ]
    };
    let lines: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(o, firm, provider, voucher)| {
            let category = policy.category(&o.category).map_or_else(
                || o.category.clone(),
                |c| if en { c.name_en.clone() } else { c.name_zh.clone() },
            );
            vec![
                o.order_no,
                crate::domain::china_time(o.requested_at).format("%Y-%m-%d %H:%M").to_string(),
                firm,
                provider,
                category,
                o.title,
                o.contract_fen.to_string(),
                o.covered_fen.to_string(),
                o.own_fen.to_string(),
                crate::i18n::t(crate::i18n::order_status(o.status), en),
                voucher,
            ]
        })
        .collect();
    match format {
        FileFormat::Csv => csv_bytes(&header, &lines),
        FileFormat::Xlsx => xlsx_bytes(if en { "Orders" } else { "订单" }, &header, &lines),
    }
}
