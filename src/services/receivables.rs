//! Receivables (应收款项): a finding decided against an item already in a settlement run
//! or paid leaves the provider owing the amount the item no longer claims. The
//! provider's later payouts offset it, oldest first (the bank file pays what is left,
//! and what the payout cannot cover is carried forward to the next run), or finance
//! records the provider's repayment. Ledger: `receivable:{provider}` → `recoverable:
//! {programme}` when opened; each recovery moves `payable:` (offset) or `repaid:`
//! (repayment) → `receivable:`, and `recoverable:` → `funding:`, so the programme gets
//! its money back as it is recovered. A payout that fails, is reversed or whose run is
//! rejected gives its offsets back: the debt is owed again, the items are payable again.

use super::{audit, Acting, Cx, Page, Paged};
use crate::db::models::{
    FindingRow, PayoutRow, ReceivableRow, RecoveryRow, RedemptionItemRow, SupplementRow,
};
use crate::db::{self, ledger, receivables as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{
    AppealId, PartyId, PayoutId, ProviderId, ReceivableId, RecoveryId, SupplementId,
};
use crate::domain::ledger::{Account, Transaction};
use crate::domain::receivable::{offsets, state, ReceivableState, RecoveryKind};
use crate::domain::validation::FieldErrors;
use crate::domain::Fen;
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A receivable as finance, reviewers and its provider read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceivableView {
    #[schema(value_type = String)]
    pub id: ReceivableId,
    pub finding_id: String,
    pub item_id: String,
    pub order_no: String,
    pub service: String,
    pub provider_id: String,
    pub provider_name: String,
    /// What the finding took back.
    #[schema(value_type = String, example = "5000.00")]
    pub amount: Fen,
    /// What is still owed.
    #[schema(value_type = String, example = "2000.00")]
    pub outstanding: Fen,
    /// What offsets and repayments have recovered.
    #[schema(value_type = String, example = "3000.00")]
    pub recovered: Fen,
    /// What an appeal against the finding or the clawback released (no longer owed).
    #[schema(value_type = String, example = "0.00")]
    pub released: Fen,
    pub state: ReceivableState,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub opened_at: NaiveDateTime,
    /// Every recovery, live or undone (on single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recoveries: Option<Vec<RecoveryView>>,
    /// What an appeal gave back of what had been recovered: supplements paid by a run
    /// (on single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "500.00")]
    pub given_back: Option<Fen>,
}

/// One recovery of a receivable.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecoveryView {
    #[schema(value_type = String)]
    pub id: RecoveryId,
    pub kind: RecoveryKind,
    #[schema(value_type = String, example = "3000.00")]
    pub amount: Fen,
    /// The payout it was taken from (offsets).
    pub payout_id: Option<String>,
    /// False once undone (the payout failed, was reversed, or its run was rejected).
    pub live: bool,
    /// The bank's reference of a repayment.
    pub bank_reference: Option<String>,
    pub paid_on: Option<NaiveDate>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub recorded_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub undone_at: Option<NaiveDateTime>,
}

fn view((r, order_no, service, provider_name, released): repo::Shown) -> ReceivableView {
    ReceivableView {
        state: state(r.outstanding_fen),
        recovered: r.amount_fen - r.outstanding_fen - released,
        released,
        id: r.id,
        finding_id: r.finding_id.to_string(),
        item_id: r.item_id.to_string(),
        order_no,
        service,
        provider_id: r.provider_id.to_string(),
        provider_name,
        amount: r.amount_fen,
        outstanding: r.outstanding_fen,
        opened_at: r.created_at,
        recoveries: None,
        given_back: None,
    }
}

fn recovery_view(r: RecoveryRow) -> RecoveryView {
    RecoveryView {
        id: r.id,
        kind: r.kind,
        amount: r.amount_fen,
        payout_id: r.payout_id.map(|p| p.to_string()),
        live: r.live,
        bank_reference: r.bank_reference,
        paid_on: r.paid_on,
        recorded_at: r.recorded_at,
        undone_at: r.undone_at,
    }
}

/// Receivables: a provider's own, or any (staff); open or recovered; oldest first.
pub fn list(
    conn: &mut DbConnection,
    provider: Option<&ProviderId>,
    state: Option<ReceivableState>,
    page: Page,
) -> AppResult<Paged<ReceivableView>> {
    let (rows, total) = repo::shown(conn, provider, state, None, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(view).collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

/// What the programme owes or paid a provider after an appeal (补付款).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupplementView {
    #[schema(value_type = String)]
    pub id: SupplementId,
    pub order_no: String,
    pub appeal_id: String,
    #[schema(value_type = String, example = "500.00")]
    pub amount: Fen,
    /// Paid by a run (else waiting for the next one, or in it).
    pub paid: bool,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub created_at: NaiveDateTime,
}

/// A provider's supplements, newest first.
pub fn supplements_of(
    conn: &mut DbConnection,
    provider: &ProviderId,
) -> AppResult<Vec<SupplementView>> {
    Ok(crate::db::supplements::of_provider(conn, provider)?
        .into_iter()
        .map(|(s, order_no)| SupplementView {
            paid: s.status == crate::domain::receivable::SupplementStatus::Paid,
            id: s.id,
            order_no,
            appeal_id: s.appeal_id.to_string(),
            amount: s.amount_fen,
            created_at: s.created_at,
        })
        .collect())
}

/// One receivable with its recoveries; a provider reads only its own.
pub fn get(
    conn: &mut DbConnection,
    provider: Option<&ProviderId>,
    id: &ReceivableId,
) -> AppResult<ReceivableView> {
    let (rows, _) = repo::shown(conn, provider, None, Some(id), 0, 1)?;
    let mut v =
        rows.into_iter().next().map(view).ok_or_else(|| AppError::not_found("receivable"))?;
    v.recoveries = Some(repo::recoveries_of(conn, id)?.into_iter().map(recovery_view).collect());
    let finding = crate::domain::id::FindingId::stored(v.finding_id.clone());
    v.given_back = Some(
        crate::db::supplements::of_finding(conn, &finding)?.iter().map(|s| s.amount_fen).sum(),
    );
    Ok(v)
}

/// Opens the receivable of a finding decided against `item` (in a run or paid) for
/// `amount`, in the decision's transaction.
pub fn open(
    c: &mut DbConnection,
    by: Acting<'_>,
    finding: &FindingRow,
    item: &RedemptionItemRow,
    amount: Fen,
) -> AppResult<ReceivableRow> {
    let row = ReceivableRow {
        id: ReceivableId::new(),
        finding_id: finding.id.clone(),
        item_id: item.id.clone(),
        provider_id: item.provider_id.clone(),
        programme_id: item.programme_id.clone(),
        amount_fen: amount,
        outstanding_fen: amount,
        created_at: by.now,
        updated_at: by.now,
    };
    repo::insert(c, &row)?;
    let tx = Transaction::transfer(
        "receivable_opened",
        Account::receivable(&row.provider_id),
        Account::recoverable(&row.programme_id),
        amount,
    );
    ledger::post(c, &tx, by.now)?;
    audit::record(c, by, audit::Change::created(Fixed::ReceivableOpened, &row))?;
    Ok(row)
}

/// Releases `amount` of what `before` still owes: an appeal against its finding or
/// clawback raised the item's amount. Nothing comes in; the programme stops expecting
/// it (`recoverable:` → `receivable:`). In the appeal's transaction.
pub fn release(
    c: &mut DbConnection,
    by: Acting<'_>,
    before: ReceivableRow,
    amount: Fen,
) -> AppResult<ReceivableRow> {
    if amount.get() <= 0 || amount > before.outstanding_fen {
        return Err(AppError::internal(format!("release {amount} of {}", before.id)));
    }
    let recovery = recovery(&before, RecoveryKind::Release, amount, by);
    let tx = Transaction::transfer(
        "receivable_released",
        Account::recoverable(&before.programme_id),
        Account::receivable(&before.provider_id),
        amount,
    );
    ledger::post(c, &tx, by.now)?;
    settle(c, by, before, &recovery, Fixed::ReceivableReleased)
}

/// Owes `amount` to the provider of `item` (补付款), paid by the next settlement run: what
/// an appeal gave back beyond the debt still owed (already recovered), or on top of an
/// item already paid at the lower amount. The programme's funding pays it
/// (`funding:` → `payable:`). One per appeal.
pub fn supplement(
    c: &mut DbConnection,
    by: Acting<'_>,
    appeal: &AppealId,
    finding: &FindingRow,
    item: &RedemptionItemRow,
    amount: Fen,
) -> AppResult<SupplementRow> {
    let row = SupplementRow {
        id: SupplementId::new(),
        appeal_id: appeal.clone(),
        finding_id: finding.id.clone(),
        item_id: item.id.clone(),
        provider_id: item.provider_id.clone(),
        programme_id: item.programme_id.clone(),
        amount_fen: amount,
        status: crate::domain::receivable::SupplementStatus::Payable,
        payable_at: by.now,
        created_at: by.now,
        updated_at: by.now,
    };
    crate::db::supplements::insert(c, &row)?;
    let tx = Transaction::transfer(
        "supplement_payable",
        Account::funding(&row.programme_id),
        Account::payable(&row.provider_id),
        amount,
    );
    ledger::post(c, &tx, by.now)?;
    audit::record(c, by, audit::Change::created(Fixed::SupplementOpened, &row))?;
    Ok(row)
}

/// What a run will take from each provider's payout: the receivables still owing,
/// oldest first, locked until the run is written. Read before the payouts are made out.
pub struct Owing(BTreeMap<ProviderId, Vec<ReceivableRow>>);

impl Owing {
    pub fn of(c: &mut DbConnection, providers: &[ProviderId]) -> AppResult<Owing> {
        let mut by: BTreeMap<ProviderId, Vec<ReceivableRow>> = BTreeMap::new();
        for r in repo::owing_for_update(c, providers)? {
            by.entry(r.provider_id.clone()).or_default().push(r);
        }
        Ok(Owing(by))
    }

    /// What a payout of `gross` to `provider` takes back.
    pub fn offset(&self, provider: &ProviderId, gross: Fen) -> Fen {
        let owed: Vec<Fen> = self
            .0
            .get(provider)
            .map(|rs| rs.iter().map(|r| r.outstanding_fen).collect())
            .unwrap_or_default();
        offsets(gross, &owed).into_iter().sum()
    }

    /// Records the offsets the run's `payouts` took (as [`Owing::offset`] said, each
    /// payout's `offset_fen`): a recovery per receivable, its debt lowered, the money
    /// moved, audited.
    pub fn take(
        self,
        c: &mut DbConnection,
        by: Acting<'_>,
        payouts: &[PayoutRow],
    ) -> AppResult<()> {
        let mut owing = self.0;
        let mut moves = Vec::new();
        for p in payouts.iter().filter(|p| p.offset_fen.get() > 0) {
            let provider = ProviderId::stored(p.payee_id.to_string());
            let Some(rows) = owing.remove(&provider) else {
                return Err(AppError::internal(format!("payout {} offsets no receivable", p.id)));
            };
            let gross = p.amount_fen + p.offset_fen;
            let owed: Vec<Fen> = rows.iter().map(|r| r.outstanding_fen).collect();
            let shares = offsets(gross, &owed);
            if shares.iter().copied().sum::<Fen>() != p.offset_fen {
                return Err(AppError::internal(format!("payout {} offset changed", p.id)));
            }
            for (before, share) in rows.into_iter().zip(shares).filter(|(_, s)| s.get() > 0) {
                let recovery = RecoveryRow {
                    payout_id: Some(p.id.clone()),
                    ..recovery(&before, RecoveryKind::Offset, share, by)
                };
                moves.extend(recovered(&before, Account::payable(&p.payee_id), share));
                settle(c, by, before, &recovery, Fixed::ReceivableOffset)?;
            }
        }
        ledger::post(c, &Transaction::moves("receivable_offset", moves), by.now)?;
        Ok(())
    }
}

/// A live recovery of `amount` of `r` of `kind`, recorded now by the acting person;
/// the caller names the payout or the bank's reference where the kind has one.
fn recovery(r: &ReceivableRow, kind: RecoveryKind, amount: Fen, by: Acting<'_>) -> RecoveryRow {
    RecoveryRow {
        id: RecoveryId::new(),
        receivable_id: r.id.clone(),
        kind,
        payout_id: None,
        amount_fen: amount,
        live: true,
        bank_reference: None,
        paid_on: None,
        recorded_by: by.actor.user_id.clone(),
        recorded_at: by.now,
        undone_at: None,
    }
}

/// The two moves of recovering `amount` of `r` from `from`: into the receivable, and
/// from what the programme expects into its funding.
fn recovered(r: &ReceivableRow, from: Account, amount: Fen) -> [(Account, Account, Fen); 2] {
    [
        (from, Account::receivable(&r.provider_id), amount),
        (Account::recoverable(&r.programme_id), Account::funding(&r.programme_id), amount),
    ]
}

/// Writes a recovery and lowers the receivable's debt by it, audited.
fn settle(
    c: &mut DbConnection,
    by: Acting<'_>,
    before: ReceivableRow,
    recovery: &RecoveryRow,
    action: Fixed,
) -> AppResult<ReceivableRow> {
    let after = ReceivableRow {
        outstanding_fen: before.outstanding_fen - recovery.amount_fen,
        updated_at: by.now,
        ..before.clone()
    };
    repo::insert_recovery(c, recovery)?;
    repo::update(c, &after)?;
    audit::record(
        c,
        by,
        audit::Change::new(action, after.id.as_str()).before(&before).after(&(&after, recovery)),
    )?;
    Ok(after)
}

/// Gives back the offsets a payout took (it failed, was reversed, or its run was
/// rejected): the debts are owed again and the money is back in `payable:`, as the
/// payout's items are payable again.
pub fn undo_offsets(
    c: &mut DbConnection,
    by: Acting<'_>,
    payout: &PayoutId,
    payee: &PartyId,
) -> AppResult<()> {
    let mut moves = Vec::new();
    for before in repo::live_offsets_of(c, payout)? {
        let r = repo::for_update(c, &before.receivable_id)?
            .ok_or_else(|| AppError::internal("an offset's receivable is gone"))?;
        let after_r = ReceivableRow {
            outstanding_fen: r.outstanding_fen + before.amount_fen,
            updated_at: by.now,
            ..r.clone()
        };
        let undone = RecoveryRow { live: false, undone_at: Some(by.now), ..before.clone() };
        for (from, to, amount) in recovered(&r, Account::payable(payee), before.amount_fen) {
            moves.push((to, from, amount));
        }
        repo::update_recovery(c, &undone)?;
        repo::update(c, &after_r)?;
        audit::record(
            c,
            by,
            audit::Change::new(Fixed::ReceivableOffsetUndone, r.id.as_str())
                .before(&r)
                .after(&(&after_r, &undone)),
        )?;
    }
    ledger::post(c, &Transaction::moves("receivable_offset_undone", moves), by.now)?;
    Ok(())
}

/// A repayment the provider made of a receivable, as finance records it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepaymentInput {
    /// Yuan, more than zero and at most what is still owed.
    #[schema(schema_with = crate::domain::validation::schema::positive_yuan)]
    pub amount: String,
    /// The bank's reference of the incoming transfer (1–100 characters).
    #[schema(min_length = 1, max_length = 100)]
    pub bank_reference: String,
    /// The day the money arrived, YYYY-MM-DD, not in the future.
    #[schema(schema_with = crate::domain::validation::schema::date)]
    pub paid_on: String,
}

/// Records a repayment of a receivable: at most what is still owed.
pub fn repay(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    id: &ReceivableId,
    input: &RepaymentInput,
) -> AppResult<ReceivableView> {
    let mut e = FieldErrors::new();
    let amount = e.money("amount", &input.amount);
    if amount.get() == 0 && Fen::parse_yuan(&input.amount).is_ok() {
        e.add(
            "amount",
            ErrorCode::AmountNotPositive,
            "还款金额须大于零",
            "the repayment must be more than zero",
        );
    }
    let bank_reference = e.text("bank_reference", &input.bank_reference, 100);
    let paid_on = e.past_date("paid_on", &input.paid_on, crate::domain::china_time(cx.now).date());
    e.finish()?;
    let paid_on = paid_on.ok_or_else(|| AppError::internal("a checked date is missing"))?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::for_update(c, id)?.ok_or_else(|| AppError::not_found("receivable"))?;
        if before.outstanding_fen.get() == 0 {
            return Err(AppError::of(ErrorCode::ReceivableRecovered));
        }
        if amount > before.outstanding_fen {
            let mut e = FieldErrors::new();
            let owed = crate::notify::yuan(before.outstanding_fen);
            e.add(
                "amount",
                ErrorCode::RepaymentExceedsOutstanding,
                format!("还款金额不能超过尚欠金额 {owed} 元"),
                format!("the repayment is more than the {owed} still owed"),
            );
            e.finish()?;
        }
        let recovery = RecoveryRow {
            bank_reference: Some(bank_reference.clone()),
            paid_on: Some(paid_on),
            ..recovery(&before, RecoveryKind::Repayment, amount, cx.by())
        };
        let moves = recovered(&before, Account::repaid(&before.provider_id), amount);
        ledger::post(c, &Transaction::moves("receivable_repaid", moves), cx.now)?;
        settle(c, cx.by(), before, &recovery, Fixed::ReceivableRepaid)?;
        get(c, None, id)
    })
}
