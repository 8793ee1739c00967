//! Ordering: the quote (what the voucher covers and what the firm pays) and the order
//! itself, with every check an order must pass.

use super::*;
use crate::db::models::{FirmRow, OrderRow, ProviderRow, VoucherRow};
use crate::db::orders::{self as repo};
use crate::db::{self, catalogue, parties, vouchers, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{FirmId, ServiceItemId};
use crate::domain::order::{order_no, related, shares, OrderStatus, PartyIds};
use crate::domain::party::ListingStatus;
use crate::domain::validation::FieldErrors;
use crate::domain::voucher::VoucherStatus;
use crate::domain::{china_time, Fen};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::{self, Message};
use crate::services::audit;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

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
    firm_id: &FirmId,
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
            ErrorCode::AmountNotPositive,
            "合同金额必须大于零",
            "the contract amount must be more than zero",
        );
    }
    let note = e.opt_text("note", input.note.as_deref(), 1000);
    e.finish()?;
    let voucher_id =
        VoucherId::parse(&input.voucher_id).ok_or_else(|| AppError::not_found("voucher"))?;
    let item_id = ServiceItemId::parse(&input.service_item_id)
        .ok_or_else(|| AppError::not_found("service item"))?;
    let voucher = if lock {
        repo::voucher_for_update(c, &voucher_id)?
    } else {
        vouchers::voucher(c, &voucher_id)?
    }
    .filter(|v| &v.firm_id == firm_id)
    .ok_or_else(|| AppError::not_found("voucher"))?;
    spendable(&voucher, now)?;
    let item = catalogue::get(c, &item_id)?.ok_or_else(|| AppError::not_found("service item"))?;
    if !item.active {
        return Err(AppError::of(ErrorCode::ServiceNotOffered));
    }
    let provider = parties::provider(c, &item.provider_id)?
        .ok_or_else(|| AppError::internal("service item without provider"))?;
    provider_trading(&provider)?;
    let programme = vouchers::programme(c, &voucher.programme_id)?
        .ok_or_else(|| AppError::internal("voucher without programme"))?;
    if !programme.categories.split(',').any(|cat| cat == item.category) {
        return Err(AppError::of(ErrorCode::CategoryNotCovered)
            .arg_each("programme", &programme.name, &programme.code)
            .arg("category", &item.category));
    }
    let firm = parties::firm(c, firm_id)?.ok_or_else(|| AppError::not_found("firm"))?;
    not_screened(c, &firm, &provider, now)?;
    if let Some(why) = related(ids_of_firm(&firm), ids_of_provider(&provider)) {
        let zh = match why {
            "credit_code" => "统一社会信用代码相同",
            "legal_representative" => "法定代表人相同",
            _ => "实际控制人相同",
        };
        return Err(AppError::of(ErrorCode::RelatedPartyForbidden).arg("zh", zh).arg("why", why));
    }
    let available = voucher.balance_fen - voucher.held_fen;
    if available.get() <= 0 {
        return Err(AppError::of(ErrorCode::VoucherExhausted));
    }
    let threshold = programme.full_coverage_threshold_fen;
    let s = shares(contract, available, programme.co_payment_ratio_bp, threshold);
    if s.covered.get() == 0 {
        return Err(AppError::of(ErrorCode::AmountTooSmall));
    }
    Ok(Prepared {
        quote: Quote {
            contract_amount: contract,
            covered_amount: s.covered,
            own_amount: s.own,
            voucher_available: available,
            co_payment_ratio: crate::services::vouchers::bp_to_share(programme.co_payment_ratio_bp),
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
        credit_code: f.credit_code.as_str(),
        legal_representative: &f.legal_representative,
        actual_controller: &f.actual_controller,
    }
}

fn ids_of_provider(p: &ProviderRow) -> PartyIds<'_> {
    PartyIds {
        credit_code: p.credit_code.as_str(),
        legal_representative: &p.legal_representative,
        actual_controller: &p.actual_controller,
    }
}

/// A voucher can take a new order or hold: active and not past its validity.
pub(super) fn spendable(v: &VoucherRow, now: NaiveDateTime) -> AppResult<()> {
    if v.status == VoucherStatus::Expired
        || (v.status == VoucherStatus::Active && v.valid_until <= now)
    {
        return Err(AppError::of(ErrorCode::VoucherExpired)
            .arg("at", china_time(v.valid_until).format("%Y-%m-%d %H:%M")));
    }
    if v.status != VoucherStatus::Active {
        return Err(AppError::of(ErrorCode::VoucherNotActive).arg("status", v.status));
    }
    Ok(())
}

/// A provider trades only while listed.
pub(super) fn provider_trading(p: &ProviderRow) -> AppResult<()> {
    if p.listing_status == ListingStatus::Suspended {
        return Err(AppError::of(ErrorCode::ProviderSuspended));
    }
    if p.listing_status != ListingStatus::Listed {
        return Err(AppError::of(ErrorCode::ProviderNotListed));
    }
    Ok(())
}

/// Neither side of an order may be on a screening list in force (名单筛查): a held firm
/// orders nothing and a held provider takes no new orders.
pub(super) fn not_screened(
    c: &mut DbConnection,
    firm: &FirmRow,
    provider: &ProviderRow,
    now: NaiveDateTime,
) -> AppResult<()> {
    use crate::domain::PartyKind;
    use crate::services::screening::ensure_clear;
    ensure_clear(c, PartyKind::Firm, firm.id.as_str(), firm.credit_code.as_str(), now)?;
    ensure_clear(c, PartyKind::Provider, provider.id.as_str(), provider.credit_code.as_str(), now)
}

/// How a contract would split, without ordering.
pub fn quote(
    conn: &mut DbConnection,
    firm_id: &FirmId,
    input: &OrderInput,
    now: NaiveDateTime,
) -> AppResult<Quote> {
    db::read_tx(conn, |c| prepare(c, firm_id, input, now, false).map(|p| p.quote))
}

/// A firm orders a service against one of its vouchers. Nothing is held yet: the
/// provider's acceptance holds the voucher's share.
pub fn request(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    firm_id: &FirmId,
    input: &OrderInput,
) -> AppResult<OrderView> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let p = prepare(c, firm_id, input, cx.now, true)?;
        let note = p.note.clone().unwrap_or_default();
        let row = OrderRow {
            id: OrderId::new(),
            order_no: order_no(china_time(cx.now).date(), rand::random::<u64>()),
            firm_id: firm_id.clone(),
            provider_id: p.provider.id.clone(),
            service_item_id: p.item.id.clone(),
            voucher_id: p.voucher.id.clone(),
            programme_id: p.voucher.programme_id.clone(),
            category: p.item.category.clone(),
            title: p.item.title.clone(),
            note: note.clone(),
            contract_fen: p.quote.contract_amount,
            covered_fen: p.quote.covered_amount,
            own_fen: p.quote.own_amount,
            status: OrderStatus::Requested,
            decline_reason: None,
            cancel_reason: None,
            cancelled_by: None,
            dispute_reason: None,
            resolution_note: None,
            requested_at: cx.now,
            accepted_at: None,
            deliver_by: None,
            delivered_at: None,
            confirmed_at: None,
            closed_at: None,
            updated_at: cx.now,
            batch_id: p.voucher.batch_id.clone(),
        };
        repo::insert(c, &row)?;
        audit::record(c, cx.by(), audit::Change::created(Fixed::OrderRequested, &row))?;
        let values = email_values(&row, &p.firm, &p.provider, &p.voucher);
        crate::services::outbox::enqueue(
            c,
            cx.templates,
            vec![notify::OrderRequested(values)
                .to(&p.provider.contact_email, &p.provider.name)
                .once(format!("order_requested:{}", row.id))],
            cx.now,
        )?;
        full_view(c, cx.policy, row)
    })
}
