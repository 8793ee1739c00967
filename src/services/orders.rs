//! Spending a voucher: a firm orders a listed provider's service against one of its
//! vouchers; the provider accepts (the voucher's share is held) or declines; the
//! provider delivers with evidence; the firm confirms (the held share is consumed and
//! becomes due to the provider) or disputes, and a reviewer resolves the dispute.
//! Either side may cancel before delivery. Every step is one transaction with its
//! ledger entries, audit event and email.

use super::{audit, snapshot, Actor, Page, Paged};
use crate::db::models::{EvidenceRow, FirmRow, OrderRow, ProviderRow, VoucherRow};
use crate::db::orders::{self as repo, Scope};
use crate::db::{self, catalogue, ledger, parties, vouchers, DbConnection};
use crate::domain::ledger::{Account, Transaction};
use crate::domain::order::{
    order_no, related, required_evidence, shares, EvidenceKind, OrderAction, OrderStatus, PartyIds,
    Side,
};
use crate::domain::party::ListingStatus;
use crate::domain::validation::FieldErrors;
use crate::domain::{china_time, new_id, parse_id, Fen, PartyKind, Policy, Role};
use crate::error::{AppError, AppResult, Kind};
use crate::notify::{self, Email, Message, OrderEvent, Templates};
use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Who is looking at or acting on an order: its firm, its provider, or authority staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party<'a> {
    Firm(&'a str),
    Provider(&'a str),
    Staff,
}

impl<'a> Party<'a> {
    /// The party an actor acts for; a firm or provider user without one sees nothing.
    pub fn of(actor: &'a Actor) -> AppResult<Party<'a>> {
        match actor.role_kind {
            Some(Role::Firm) => actor
                .party_of(PartyKind::Firm)
                .map(Party::Firm)
                .ok_or_else(AppError::forbidden),
            Some(Role::Provider) => actor
                .party_of(PartyKind::Provider)
                .map(Party::Provider)
                .ok_or_else(AppError::forbidden),
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
            Party::Firm(f) => order.firm_id == f,
            Party::Provider(p) => order.provider_id == p,
            Party::Staff => true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// A service item a listed provider offers.
    pub service_item_id: String,
    /// One of the firm's active vouchers.
    pub voucher_id: String,
    /// The contract amount in yuan, e.g. "12000.00"; more than zero, at most 2 decimals.
    #[schema(schema_with = crate::domain::validation::schema::positive_yuan)]
    pub contract_amount: String,
    /// What the firm wants, for the provider (optional, at most 1,000 characters).
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// How a contract would be paid, before ordering.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Quote {
    #[schema(value_type = String, example = "12000.00")]
    pub contract_amount: Fen,
    /// Paid by the voucher (held when the provider accepts).
    #[schema(value_type = String, example = "6000.00")]
    pub covered_amount: Fen,
    /// Paid by the firm itself.
    #[schema(value_type = String, example = "6000.00")]
    pub own_amount: Fen,
    /// The voucher's balance not held by other orders, now.
    #[schema(value_type = String, example = "50000.00")]
    pub voucher_available: Fen,
    /// The programme's co-payment ratio, e.g. "0.50".
    pub co_payment_ratio: String,
    /// Contracts below this amount are paid wholly by the voucher (up to its balance).
    #[schema(value_type = String, example = "5000.00")]
    pub full_coverage_threshold: Fen,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    pub id: String,
    pub kind: EvidenceKind,
    pub kind_name: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub uploaded_at: NaiveDateTime,
    /// Where to download it (the order's parties, reviewers, finance and auditors).
    pub href: String,
}

impl EvidenceView {
    pub fn from_row(r: EvidenceRow) -> AppResult<Self> {
        let kind = EvidenceKind::parse(&r.kind)
            .ok_or_else(|| AppError::internal(format!("bad evidence kind {}", r.kind)))?;
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
        })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: String,
    /// The order number people read out.
    pub order_no: String,
    pub status: OrderStatus,
    pub firm_id: String,
    pub firm_name: String,
    pub provider_id: String,
    pub provider_name: String,
    pub service_item_id: String,
    pub voucher_id: String,
    pub voucher_code: String,
    pub programme_id: String,
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
}

struct Names {
    firm: String,
    provider: String,
    voucher_code: String,
}

fn view(policy: &Policy, r: OrderRow, n: Names) -> AppResult<OrderView> {
    let status = OrderStatus::parse(&r.status)
        .ok_or_else(|| AppError::internal(format!("bad order status {}", r.status)))?;
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
        contract_amount: Fen::new(r.contract_fen),
        covered_amount: Fen::new(r.covered_fen),
        own_amount: Fen::new(r.own_fen),
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
    })
}

/// The evidence kinds still missing for `order` given what was uploaded.
fn missing(order: &OrderRow, uploaded: &[EvidenceRow]) -> Vec<EvidenceKind> {
    required_evidence(Fen::new(order.own_fen))
        .into_iter()
        .filter(|k| !uploaded.iter().any(|e| e.kind == k.as_str()))
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
        Names {
            firm: firm.name,
            provider: provider.name,
            voucher_code: voucher.code,
        },
    )?;
    v.evidence = Some(
        evidence
            .into_iter()
            .map(EvidenceView::from_row)
            .collect::<AppResult<_>>()?,
    );
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
        contract_amount: notify::yuan(Fen::new(o.contract_fen)),
        covered_amount: notify::yuan(Fen::new(o.covered_fen)),
        own_amount: notify::yuan(Fen::new(o.own_fen)),
        reason: o
            .dispute_reason
            .clone()
            .filter(|_| o.status == OrderStatus::Disputed.as_str())
            .or_else(|| o.cancel_reason.clone())
            .or_else(|| o.decline_reason.clone())
            .unwrap_or_default(),
        cancelled_by: o.cancelled_by.clone().unwrap_or_default(),
        outcome: o.status.clone(),
        note: o.resolution_note.clone().unwrap_or_default(),
    }
}

/// Everything ordering needs, checked: the voucher is the firm's and spendable, the
/// item is offered by a listed provider in a category the voucher covers, the parties
/// are not related, and the contract amount splits into a positive voucher share.
struct Prepared {
    firm: FirmRow,
    provider: ProviderRow,
    voucher: VoucherRow,
    item: crate::db::models::ServiceItemRow,
    quote: Quote,
    /// What the firm wants, checked.
    note: Option<String>,
}

fn prepare(
    c: &mut DbConnection,
    firm_id: &str,
    input: &OrderInput,
    now: NaiveDateTime,
    lock: bool,
) -> AppResult<Prepared> {
    // Every field's error at once, on the quote as on the order.
    let mut e = FieldErrors::new();
    let contract = e.money("contract_amount", &input.contract_amount);
    if contract.get() == 0 && Fen::parse_yuan(&input.contract_amount).is_ok() {
        e.add(
            "contract_amount",
            "amount_not_positive",
            "合同金额必须大于零",
            "the contract amount must be more than zero",
        );
    }
    let note = e.opt_text("note", input.note.as_deref(), 1000);
    e.finish()?;
    let voucher_id = parse_id(&input.voucher_id).ok_or_else(|| AppError::not_found("voucher"))?;
    let item_id =
        parse_id(&input.service_item_id).ok_or_else(|| AppError::not_found("service item"))?;
    let voucher = if lock {
        repo::voucher_for_update(c, &voucher_id)?
    } else {
        vouchers::voucher(c, &voucher_id)?
    }
    .filter(|v| v.firm_id == firm_id)
    .ok_or_else(|| AppError::not_found("voucher"))?;
    spendable(&voucher, now)?;
    let item = catalogue::get(c, &item_id)?.ok_or_else(|| AppError::not_found("service item"))?;
    if !item.active {
        return Err(AppError::conflict(
            "service_not_offered",
            "该服务项目已下架",
            "this service item is no longer offered",
        ));
    }
    let provider = parties::provider(c, &item.provider_id)?
        .ok_or_else(|| AppError::internal("service item without provider"))?;
    provider_trading(&provider)?;
    let programme = vouchers::programme(c, &voucher.programme_id)?
        .ok_or_else(|| AppError::internal("voucher without programme"))?;
    if !programme
        .categories
        .split(',')
        .any(|cat| cat == item.category)
    {
        return Err(AppError::rule(
            "category_not_covered",
            format!(
                "该合创券（{}）不能用于此类服务（{}）",
                programme.name, item.category
            ),
            format!(
                "this voucher's programme ({}) does not cover the category {}",
                programme.code, item.category
            ),
        ));
    }
    let firm = parties::firm(c, firm_id)?.ok_or_else(|| AppError::not_found("firm"))?;
    if let Some(why) = related(ids_of_firm(&firm), ids_of_provider(&provider)) {
        let zh = match why {
            "credit_code" => "统一社会信用代码相同",
            "legal_representative" => "法定代表人相同",
            _ => "实际控制人相同",
        };
        return Err(AppError::new(
            Kind::Forbidden,
            "related_party_forbidden",
            format!("企业与该服务机构存在关联关系（{zh}），不能使用合创券交易"),
            format!("the firm and the provider are related parties (same {why}) and may not trade with a voucher"),
        ));
    }
    let available = Fen::new(voucher.balance_fen - voucher.held_fen);
    if available.get() <= 0 {
        return Err(AppError::conflict(
            "voucher_exhausted",
            "该合创券已无可用余额",
            "this voucher has no balance left to spend",
        ));
    }
    let threshold = Fen::new(programme.full_coverage_threshold_fen);
    let s = shares(
        contract,
        available,
        programme.co_payment_ratio_bp,
        threshold,
    );
    if s.covered.get() == 0 {
        return Err(AppError::rule(
            "amount_too_small",
            "合同金额过小，合创券支付部分不足 0.01 元",
            "the contract is too small for the voucher to pay any of it",
        ));
    }
    Ok(Prepared {
        quote: Quote {
            contract_amount: contract,
            covered_amount: s.covered,
            own_amount: s.own,
            voucher_available: available,
            co_payment_ratio: super::vouchers::bp_to_share(programme.co_payment_ratio_bp),
            full_coverage_threshold: threshold,
        },
        firm,
        provider,
        voucher,
        item,
        note,
    })
}

fn ids_of_firm(f: &FirmRow) -> PartyIds<'_> {
    PartyIds {
        credit_code: &f.credit_code,
        legal_representative: &f.legal_representative,
        actual_controller: &f.actual_controller,
    }
}

fn ids_of_provider(p: &ProviderRow) -> PartyIds<'_> {
    PartyIds {
        credit_code: &p.credit_code,
        legal_representative: &p.legal_representative,
        actual_controller: &p.actual_controller,
    }
}

/// A voucher can take a new order or hold: active and not past its validity.
fn spendable(v: &VoucherRow, now: NaiveDateTime) -> AppResult<()> {
    if v.status == "expired" || (v.status == "active" && v.valid_until <= now) {
        return Err(AppError::conflict(
            "voucher_expired",
            format!(
                "该合创券已于 {} 过期",
                china_time(v.valid_until).format("%Y-%m-%d %H:%M")
            ),
            "this voucher has expired",
        ));
    }
    if v.status != "active" {
        return Err(AppError::conflict(
            "voucher_not_active",
            "该合创券已用完或已作废",
            format!("this voucher is {}", v.status),
        ));
    }
    Ok(())
}

/// A provider trades only while listed.
fn provider_trading(p: &ProviderRow) -> AppResult<()> {
    if p.listing_status == ListingStatus::Suspended.as_str() {
        return Err(AppError::conflict(
            "provider_suspended",
            "该服务机构已被暂停服务资格",
            "this provider is suspended",
        ));
    }
    if p.listing_status != ListingStatus::Listed.as_str() {
        return Err(AppError::conflict(
            "provider_not_listed",
            "该服务机构不在服务机构库中",
            "this provider is not listed",
        ));
    }
    Ok(())
}

/// How a contract would split, without ordering.
pub fn quote(
    conn: &mut DbConnection,
    firm_id: &str,
    input: &OrderInput,
    now: NaiveDateTime,
) -> AppResult<Quote> {
    db::read_tx(conn, |c| {
        prepare(c, firm_id, input, now, false).map(|p| p.quote)
    })
}

/// A firm orders a service against one of its vouchers. Nothing is held yet: the
/// provider's acceptance holds the voucher's share.
pub fn request(
    conn: &mut DbConnection,
    templates: &Templates,
    policy: &Policy,
    firm_id: &str,
    input: &OrderInput,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<OrderView> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let p = prepare(c, firm_id, input, now, true)?;
        let note = p.note.clone().unwrap_or_default();
        let row = OrderRow {
            id: new_id(),
            order_no: order_no(china_time(now).date(), rand::random::<u64>()),
            firm_id: firm_id.to_string(),
            provider_id: p.provider.id.clone(),
            service_item_id: p.item.id.clone(),
            voucher_id: p.voucher.id.clone(),
            programme_id: p.voucher.programme_id.clone(),
            category: p.item.category.clone(),
            title: p.item.title.clone(),
            note: note.clone(),
            contract_fen: p.quote.contract_amount.get(),
            covered_fen: p.quote.covered_amount.get(),
            own_fen: p.quote.own_amount.get(),
            status: OrderStatus::Requested.as_str().into(),
            decline_reason: None,
            cancel_reason: None,
            cancelled_by: None,
            dispute_reason: None,
            resolution_note: None,
            requested_at: now,
            accepted_at: None,
            deliver_by: None,
            delivered_at: None,
            confirmed_at: None,
            closed_at: None,
            updated_at: now,
        };
        repo::insert(c, &row)?;
        audit::record(
            c,
            actor,
            now,
            "order.requested",
            "order",
            &row.id,
            None,
            snapshot(&row),
        )?;
        let values = email_values(&row, &p.firm, &p.provider, &p.voucher);
        super::outbox::enqueue(
            c,
            templates,
            vec![notify::OrderRequested(values)
                .to(&p.provider.contact_email, &p.provider.name)
                .once(format!("order_requested:{}", row.id))],
            now,
        )?;
        full_view(c, policy, row)
    })
}

/// One order, if `party` may see it.
pub fn get(
    conn: &mut DbConnection,
    policy: &Policy,
    party: Party<'_>,
    order_id: &str,
) -> AppResult<OrderView> {
    db::read_tx(conn, |c| {
        let o = repo::get(c, order_id)?
            .filter(|o| party.sees(o))
            .ok_or_else(|| AppError::not_found("order"))?;
        full_view(c, policy, o)
    })
}

/// The orders `party` may see, newest first.
pub fn list(
    conn: &mut DbConnection,
    policy: &Policy,
    party: Party<'_>,
    status: Option<&str>,
    page: Page,
) -> AppResult<Paged<OrderView>> {
    if let Some(s) = status {
        if OrderStatus::parse(s).is_none() {
            return Err(AppError::bad_request(
                "status_unknown",
                format!("未知的订单状态：{s}"),
                format!("unknown order status: {s}"),
            ));
        }
    }
    let (rows, total) = repo::list(conn, party.scope(), status, page.offset(), page.per_page)?;
    let items = rows
        .into_iter()
        .map(|(o, firm, provider, voucher_code)| {
            view(
                policy,
                o,
                Names {
                    firm,
                    provider,
                    voucher_code,
                },
            )
        })
        .collect::<AppResult<_>>()?;
    Ok(Paged {
        items,
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisputeOutcome {
    /// The delivery stands: back to delivered, for the firm to confirm.
    Delivered,
    /// The delivery is wanting: the order is cancelled and the hold released.
    Cancelled,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeResolution {
    pub outcome: DisputeOutcome,
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// What a transition needs beyond the order itself.
pub struct Ctx<'a> {
    pub templates: &'a Templates,
    pub policy: &'a Policy,
    pub now: NaiveDateTime,
    pub actor: &'a Actor,
}

/// Loads and locks the order as `party` sees it, checks the transition, lets `apply`
/// change the order and move money, then records the audit event and the emails.
fn transition(
    conn: &mut DbConnection,
    cx: &Ctx<'_>,
    party: Party<'_>,
    order_id: &str,
    action: OrderAction,
    apply: impl FnOnce(&mut DbConnection, &mut OrderRow, &Loaded) -> AppResult<()>,
) -> AppResult<OrderView> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::get_for_update(c, order_id)?
            .filter(|o| party.sees(o))
            .ok_or_else(|| AppError::not_found("order"))?;
        let status = OrderStatus::parse(&before.status)
            .ok_or_else(|| AppError::internal("bad order status"))?;
        let next = status
            .after(action)
            .ok_or_else(|| not_now(status, action))?;
        let (firm, provider, voucher) = parties_of(c, &before, true)?;
        let loaded = Loaded {
            firm,
            provider,
            voucher,
        };
        let mut after = before.clone();
        after.status = next.as_str().into();
        after.updated_at = cx.now;
        apply(c, &mut after, &loaded)?;
        repo::update(c, &after)?;
        audit::record(
            c,
            cx.actor,
            cx.now,
            &format!("order.{}", action_name(action, next)),
            "order",
            order_id,
            snapshot(&before),
            snapshot(&after),
        )?;
        let emails = emails_for(action, &after, &loaded);
        super::outbox::enqueue(c, cx.templates, emails, cx.now)?;
        full_view(c, cx.policy, after)
    })
}

/// The parties and voucher of the order being changed.
pub struct Loaded {
    firm: FirmRow,
    provider: ProviderRow,
    voucher: VoucherRow,
}

fn action_name(action: OrderAction, next: OrderStatus) -> &'static str {
    match action {
        OrderAction::Accept => "accepted",
        OrderAction::Decline => "declined",
        OrderAction::Cancel => "cancelled",
        OrderAction::Deliver => "delivered",
        OrderAction::Confirm => "confirmed",
        OrderAction::Dispute => "disputed",
        OrderAction::UpholdDelivery | OrderAction::CancelDisputed => match next {
            OrderStatus::Cancelled => "dispute_cancelled",
            _ => "dispute_rejected",
        },
        OrderAction::Lapse => "lapsed",
    }
}

fn not_now(status: OrderStatus, action: OrderAction) -> AppError {
    let (zh, en) = match action {
        OrderAction::Accept | OrderAction::Decline => (
            "只能处理待接受的订单",
            "only a requested order can be accepted or declined",
        ),
        OrderAction::Cancel | OrderAction::Lapse => (
            "订单交付后不能取消",
            "an order can be cancelled only before delivery",
        ),
        OrderAction::Deliver => (
            "只有已接受的订单可以标记交付",
            "only an accepted order can be marked delivered",
        ),
        OrderAction::Confirm | OrderAction::Dispute => (
            "只有已交付的订单可以确认或提出异议",
            "only a delivered order can be confirmed or disputed",
        ),
        OrderAction::UpholdDelivery | OrderAction::CancelDisputed => (
            "该订单没有待处理的异议",
            "this order has no dispute to resolve",
        ),
    };
    AppError::conflict(
        "order_state_invalid",
        format!("{zh}（当前状态：{}）", status.as_str()),
        format!("{en} (the order is {})", status.as_str()),
    )
}

fn emails_for(action: OrderAction, o: &OrderRow, l: &Loaded) -> Vec<Email> {
    let v = || email_values(o, &l.firm, &l.provider, &l.voucher);
    let (fa, fname) = (&l.firm.contact_email, &l.firm.name);
    let (pa, pname) = (&l.provider.contact_email, &l.provider.name);
    match action {
        OrderAction::Accept => vec![notify::OrderAccepted(v()).to(fa, fname)],
        OrderAction::Decline => vec![notify::OrderDeclined(v()).to(fa, fname)],
        OrderAction::Deliver => vec![notify::OrderDelivered(v()).to(fa, fname)],
        OrderAction::Confirm => vec![notify::OrderConfirmed(v()).to(pa, pname)],
        OrderAction::Dispute => vec![notify::OrderDisputed(v()).to(pa, pname)],
        OrderAction::Cancel | OrderAction::Lapse => {
            // Whoever did not cancel hears of it; a reviewer's or the system's
            // cancellation is told to both.
            let mut out = Vec::new();
            if o.cancelled_by.as_deref() != Some(Side::Firm.as_str()) {
                out.push(notify::OrderCancelled(v()).to(fa, fname));
            }
            if o.cancelled_by.as_deref() != Some(Side::Provider.as_str()) {
                out.push(notify::OrderCancelled(v()).to(pa, pname));
            }
            out
        }
        OrderAction::UpholdDelivery | OrderAction::CancelDisputed => vec![
            notify::OrderDisputeResolved(v()).to(fa, fname),
            notify::OrderDisputeResolved(v()).to(pa, pname),
        ],
    }
}

/// Ends an order's hold: back to the voucher while it is active, to the programme
/// once the voucher has expired (its balance can no longer be spent).
fn release(
    c: &mut DbConnection,
    o: &OrderRow,
    v: &VoucherRow,
    now: NaiveDateTime,
) -> AppResult<()> {
    let amount = Fen::new(o.covered_fen);
    let to_programme = v.status != "active";
    repo::unhold(c, &v.id, amount.get(), to_programme)?;
    let to = if to_programme {
        Account::funding(&v.programme_id)
    } else {
        Account::voucher(&v.id)
    };
    ledger::post(
        c,
        &Transaction::transfer("order_release", Account::order(&o.id), to, amount),
        now,
    )?;
    Ok(())
}

/// The provider accepts: the voucher's share is held, if the voucher still has it.
pub fn accept(
    conn: &mut DbConnection,
    cx: &Ctx<'_>,
    provider_id: &str,
    order_id: &str,
) -> AppResult<OrderView> {
    transition(
        conn,
        cx,
        Party::Provider(provider_id),
        order_id,
        OrderAction::Accept,
        |c, o, l| {
            provider_trading(&l.provider)?;
            let v = repo::voucher_for_update(c, &o.voucher_id)?
                .ok_or_else(|| AppError::internal("order voucher"))?;
            spendable(&v, cx.now)?;
            if !repo::hold(c, &v.id, o.covered_fen)? {
                return Err(AppError::conflict(
                    "voucher_balance_insufficient",
                    format!(
                        "合创券可用余额 {} 元不足以冻结本订单的 {} 元",
                        Fen::new(v.balance_fen - v.held_fen),
                        Fen::new(o.covered_fen)
                    ),
                    "the voucher no longer has enough balance for this order",
                ));
            }
            ledger::post(
                c,
                &Transaction::transfer(
                    "order_hold",
                    Account::voucher(&v.id),
                    Account::order(&o.id),
                    Fen::new(o.covered_fen),
                ),
                cx.now,
            )?;
            let days = catalogue::get(c, &o.service_item_id)?.map_or(0, |i| i.delivery_days);
            o.accepted_at = Some(cx.now);
            o.deliver_by = Some(cx.now + Duration::days(i64::from(days)));
            Ok(())
        },
    )
}

fn reason(field: &str, input: &ReasonInput) -> AppResult<String> {
    let mut e = FieldErrors::new();
    let r = e.text(field, &input.reason, 2000);
    e.finish()?;
    Ok(r)
}

/// The provider declines a requested order, with a reason for the firm.
pub fn decline(
    conn: &mut DbConnection,
    cx: &Ctx<'_>,
    provider_id: &str,
    order_id: &str,
    input: &ReasonInput,
) -> AppResult<OrderView> {
    let why = reason("reason", input)?;
    transition(
        conn,
        cx,
        Party::Provider(provider_id),
        order_id,
        OrderAction::Decline,
        |_, o, _| {
            o.decline_reason = Some(why);
            o.closed_at = Some(cx.now);
            Ok(())
        },
    )
}

/// The firm or the provider cancels before delivery; a hold is released.
pub fn cancel(
    conn: &mut DbConnection,
    cx: &Ctx<'_>,
    party: Party<'_>,
    order_id: &str,
    input: &ReasonInput,
) -> AppResult<OrderView> {
    let why = reason("reason", input)?;
    let side = match party {
        Party::Firm(_) => Side::Firm,
        Party::Provider(_) => Side::Provider,
        Party::Staff => return Err(AppError::forbidden()),
    };
    transition(conn, cx, party, order_id, OrderAction::Cancel, |c, o, l| {
        if o.accepted_at.is_some() {
            release(c, o, &l.voucher, cx.now)?;
        }
        o.cancel_reason = Some(why);
        o.cancelled_by = Some(side.as_str().into());
        o.closed_at = Some(cx.now);
        Ok(())
    })
}

/// The end of the grace period in which an order accepted before its voucher expired
/// may still be delivered.
fn grace_end(cx: &Ctx<'_>, v: &VoucherRow) -> NaiveDateTime {
    v.valid_until + Duration::days(i64::from(cx.policy.spending.delivery_grace_days))
}

/// The provider marks the order delivered, once every required document is uploaded
/// and, for an expired voucher, within the grace period.
pub fn deliver(
    conn: &mut DbConnection,
    cx: &Ctx<'_>,
    provider_id: &str,
    order_id: &str,
) -> AppResult<OrderView> {
    transition(
        conn,
        cx,
        Party::Provider(provider_id),
        order_id,
        OrderAction::Deliver,
        |c, o, l| {
            let lacking = missing(o, &repo::evidence_of(c, &o.id)?);
            if !lacking.is_empty() {
                let zh: Vec<&str> = lacking.iter().map(|k| k.name_zh()).collect();
                let en: Vec<&str> = lacking.iter().map(|k| k.as_str()).collect();
                return Err(AppError::conflict(
                    "evidence_missing",
                    format!("请先上传：{}", zh.join("、")),
                    format!("upload these first: {}", en.join(", ")),
                ));
            }
            if cx.now >= grace_end(cx, &l.voucher) {
                return Err(AppError::conflict(
                    "delivery_grace_ended",
                    "合创券已过期且交付宽限期已结束，订单将自动取消",
                    "the voucher expired and the grace period for delivery has ended",
                ));
            }
            o.delivered_at = Some(cx.now);
            Ok(())
        },
    )
}

/// The firm confirms the delivery: the held share is consumed and becomes due to the
/// provider, to be claimed in a redemption application.
pub fn confirm(
    conn: &mut DbConnection,
    cx: &Ctx<'_>,
    firm_id: &str,
    order_id: &str,
) -> AppResult<OrderView> {
    transition(
        conn,
        cx,
        Party::Firm(firm_id),
        order_id,
        OrderAction::Confirm,
        |c, o, l| {
            repo::unhold(c, &l.voucher.id, o.covered_fen, true)?;
            ledger::post(
                c,
                &Transaction::transfer(
                    "order_confirmed",
                    Account::order(&o.id),
                    Account::due(&o.provider_id),
                    Fen::new(o.covered_fen),
                ),
                cx.now,
            )?;
            o.confirmed_at = Some(cx.now);
            o.closed_at = Some(cx.now);
            Ok(())
        },
    )
}

/// The firm disputes the delivery; the hold stays until a reviewer resolves it.
pub fn dispute(
    conn: &mut DbConnection,
    cx: &Ctx<'_>,
    firm_id: &str,
    order_id: &str,
    input: &ReasonInput,
) -> AppResult<OrderView> {
    let why = reason("reason", input)?;
    transition(
        conn,
        cx,
        Party::Firm(firm_id),
        order_id,
        OrderAction::Dispute,
        |_, o, _| {
            o.dispute_reason = Some(why);
            Ok(())
        },
    )
}

/// A reviewer resolves a dispute: the delivery stands (back to delivered) or the order
/// is cancelled and its hold released. Not by a reviewer affiliated with either party.
pub fn resolve_dispute(
    conn: &mut DbConnection,
    cx: &Ctx<'_>,
    order_id: &str,
    input: &DisputeResolution,
) -> AppResult<OrderView> {
    let mut e = FieldErrors::new();
    let note = e.text("note", &input.note, 2000);
    e.finish()?;
    let action = match input.outcome {
        DisputeOutcome::Delivered => OrderAction::UpholdDelivery,
        DisputeOutcome::Cancelled => OrderAction::CancelDisputed,
    };
    transition(conn, cx, Party::Staff, order_id, action, |c, o, l| {
        super::affiliations::not_affiliated(
            c,
            cx.actor,
            &[&l.firm.credit_code, &l.provider.credit_code],
        )?;
        o.resolution_note = Some(note);
        if action == OrderAction::CancelDisputed {
            release(c, o, &l.voucher, cx.now)?;
            o.cancel_reason = o.dispute_reason.clone();
            o.cancelled_by = Some(Side::Reviewer.as_str().into());
            o.closed_at = Some(cx.now);
        }
        Ok(())
    })
}

/// The system cancels an open order on an expired voucher: a requested order at once,
/// an accepted one when the delivery grace period has ended. Returns whether it did.
pub fn lapse(conn: &mut DbConnection, cx: &Ctx<'_>, order_id: &str) -> AppResult<bool> {
    let r = transition(
        conn,
        cx,
        Party::Staff,
        order_id,
        OrderAction::Lapse,
        |c, o, l| {
            let grace_end = grace_end(cx, &l.voucher);
            let accepted = o.accepted_at.is_some();
            if l.voucher.status == "active" || (accepted && cx.now < grace_end) {
                return Err(AppError::conflict("not_due", "未到期", "not due"));
            }
            if accepted {
                release(c, o, &l.voucher, cx.now)?;
            }
            o.cancel_reason = Some(if accepted {
                "合创券已过期，交付宽限期内未交付".into()
            } else {
                "合创券已过期，订单未被接受".into()
            });
            o.cancelled_by = Some(Side::System.as_str().into());
            o.closed_at = Some(cx.now);
            Ok(())
        },
    );
    match r {
        Ok(_) => Ok(true),
        Err(e) if e.code == "not_due" || e.code == "order_state_invalid" => Ok(false),
        Err(e) => Err(e),
    }
}
