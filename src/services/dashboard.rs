//! The authority's overview of a programme, a year's batches or one batch: where the
//! money is from budget to bank, vouchers used against the gate, firms served, orders
//! and money by category, provider concentration, waiting times, disputes and
//! objections; the ledger reconciliation that shows it adds up; and the public summary
//! (aggregates only, no personal data).

use crate::db::dashboard as repo;
use crate::db::models::BatchRow;
use crate::db::{self, vouchers, DbConnection};
use crate::domain::figures::{share_bp, spread, Spread, Stages};
use crate::domain::id::{BatchId, ProgrammeId, ProviderId};
use crate::domain::order::{OrderStatus, RedemptionStatus};
use crate::domain::voucher::VoucherStatus;
use crate::domain::{china_time, Fen, Policy, SizeClass};
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the overview is of: a programme, a year (of batch openings, China time), a batch;
/// each optional (nothing: every programme).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// A programme (default: all of them).
    pub programme_id: Option<String>,
    /// The batches opening in this year (China time).
    #[param(minimum = 2000, maximum = 2999)]
    pub year: Option<i32>,
    /// One batch (of the programme, when one is given).
    pub batch_id: Option<String>,
    /// Compute anew rather than answer with an overview of the last minute.
    pub fresh: Option<bool>,
}

impl Selection {
    /// What the selection is, whatever way it was written (the key of recent overviews).
    fn key(&self) -> String {
        // No year is not year 0: a kept overview is answered before the selection is
        // judged again, so the keys of two different questions must differ.
        let part = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
        let year = self.year.map_or_else(String::new, |y| y.to_string());
        format!("{}|{}|{}", part(&self.programme_id), year, part(&self.batch_id))
    }
}

/// A programme or batch as the overview names it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Selected {
    pub programme: Option<Named>,
    pub year: Option<i32>,
    pub batch: Option<Named>,
    /// The batches the figures are of.
    pub batches: Vec<Named>,
}

/// The selection's vouchers.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct VoucherFigures {
    pub claimed: i64,
    pub active: i64,
    pub used: i64,
    pub expired: i64,
    /// Firms holding them.
    pub firms: i64,
    /// Spent (confirmed orders' voucher share) of the face value claimed, in basis
    /// points (8000 = 80%).
    pub used_share_bp: Option<i64>,
    /// The programme's next-claim gate, in basis points (one programme selected).
    pub gate_bp: Option<i32>,
}

/// Orders of one service category.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryLine {
    pub category: String,
    pub name_zh: String,
    pub name_en: String,
    /// Placed (any status).
    pub orders: i64,
    pub confirmed: i64,
    /// Confirmed orders' contract amounts.
    #[schema(value_type = String)]
    pub contract: Fen,
    /// Confirmed orders' voucher share.
    #[schema(value_type = String)]
    pub voucher: Fen,
}

/// Orders in one status.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusLine {
    pub status: OrderStatus,
    pub orders: i64,
    #[schema(value_type = String)]
    pub voucher: Fen,
}

/// Firms of one size class and industry holding the selection's vouchers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FirmLine {
    pub size_class: SizeClass,
    pub industry: String,
    pub industry_zh: String,
    pub industry_en: String,
    pub firms: i64,
    /// Of which with an order confirmed.
    pub served: i64,
}

/// Firms of one district holding the selection's vouchers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DistrictLine {
    /// The district's code (none: firms registered before the district was asked).
    pub district: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    pub firms: i64,
    /// Of which with an order confirmed.
    pub served: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProviderLine {
    #[schema(value_type = String)]
    pub id: ProviderId,
    pub name: String,
    pub orders: i64,
    #[schema(value_type = String)]
    pub amount: Fen,
    /// Of all confirmed voucher money, in basis points.
    pub share_bp: Option<i64>,
}

/// How concentrated the confirmed voucher money is among providers.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Concentration {
    /// Providers with a confirmed order.
    pub providers: i64,
    /// The ten largest providers' share, in basis points.
    pub top10_share_bp: Option<i64>,
    pub top: Vec<ProviderLine>,
}

/// Waiting times in whole days.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Timing {
    /// From claiming a voucher to its first order (China days), over the latest 10,000
    /// vouchers with an order.
    pub claim_to_first_order: Spread,
    /// From the firm's confirmation to the day the bank paid the provider, over the
    /// latest 10,000 paid items.
    pub confirmation_to_payment: Spread,
}

/// A count by status (`disputed`, `confirmed`, ... for disputes; `open`, `upheld`, ...
/// for objections).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub status: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    /// When the figures were computed (an overview is kept for a minute, see
    /// [`Recent`]; `fresh=true` computes anew).
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub as_of: NaiveDateTime,
    pub selection: Selected,
    pub stages: Stages,
    /// Back with the programme: refused and expired.
    #[schema(value_type = String)]
    pub returned: Fen,
    pub vouchers: VoucherFigures,
    pub by_category: Vec<CategoryLine>,
    pub by_status: Vec<StatusLine>,
    pub firms: Vec<FirmLine>,
    /// Firms by district, in the order of the policy's list; those not stated last.
    pub by_district: Vec<DistrictLine>,
    pub providers: Concentration,
    pub timing: Timing,
    /// Orders ever disputed, by their status now.
    pub disputes: Vec<Count>,
    /// Objections to redemption items in public notice, by status.
    pub objections: Vec<Count>,
}

/// The selection as batches, checked: an unknown programme or batch is not found; a
/// batch of another programme is refused.
fn resolve(conn: &mut DbConnection, s: &Selection) -> AppResult<(Selected, Vec<BatchRow>)> {
    let programme = match s.programme_id.as_deref().filter(|p| !p.is_empty()) {
        Some(raw) => {
            let id = ProgrammeId::parse(raw).ok_or_else(|| AppError::not_found("programme"))?;
            Some(vouchers::programme(conn, &id)?.ok_or_else(|| AppError::not_found("programme"))?)
        }
        None => None,
    };
    if let Some(y) = s.year {
        if !(2000..=2999).contains(&y) {
            return Err(AppError::of(ErrorCode::SelectionYearInvalid));
        }
    }
    let batch = match s.batch_id.as_deref().filter(|b| !b.is_empty()) {
        Some(raw) => {
            let id = BatchId::parse(raw).ok_or_else(|| AppError::not_found("batch"))?;
            let b = vouchers::batch(conn, &id)?.ok_or_else(|| AppError::not_found("batch"))?;
            if programme.as_ref().is_some_and(|p| p.id != b.programme_id) {
                return Err(AppError::of(ErrorCode::BatchNotInProgramme));
            }
            Some(b)
        }
        None => None,
    };
    let opening = s.year.and_then(|y| {
        let start = |y: i32| {
            NaiveDate::from_ymd_opt(y, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t - Duration::hours(8))
        };
        Some((start(y)?, start(y + 1)?))
    });
    let batches: Vec<BatchRow> = match &batch {
        Some(b) => {
            let opens = china_time(b.opens_at).year();
            if s.year.is_some_and(|y| y != opens) {
                Vec::new()
            } else {
                vec![b.clone()]
            }
        }
        None => repo::batches_of(conn, programme.as_ref().map(|p| &p.id), opening)?,
    };
    let named = |id: &str, name: &str| Named { id: id.to_string(), name: name.to_string() };
    let selected = Selected {
        programme: programme.as_ref().map(|p| named(p.id.as_str(), &p.name)),
        year: s.year,
        batch: batch.as_ref().map(|b| named(b.id.as_str(), &b.name)),
        batches: batches.iter().map(|b| named(b.id.as_str(), &b.name)).collect(),
    };
    Ok((selected, batches))
}

/// Waiting times are measured over the latest this many cases (vouchers with an order,
/// paid items): the median and 90th percentile of the last ten thousand say how long
/// people wait now, and cost a bounded read whatever the programme's size.
pub const TIMED_CASES: i64 = 10_000;

/// How long an overview is answered as it is before it is computed anew.
pub const KEPT_FOR: Duration = Duration::seconds(60);
/// Selections kept at most (the oldest make room).
const KEPT_AT_MOST: usize = 256;

/// Overviews computed lately, by selection: staff opening the page one after another,
/// and the public summary's visitors, do not each read a million orders. One computed
/// in the last minute is answered as it is; an older one is answered too while one
/// reader's request computes it anew in the background, so a reader waits for the
/// computation only the first time a selection is asked for (or when asking `fresh`).
/// Each says when it was computed.
#[derive(Debug, Default)]
pub struct Recent {
    kept: std::sync::Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    overviews: std::collections::HashMap<String, Dashboard>,
    /// Selections being computed anew in the background.
    renewing: std::collections::HashSet<String>,
}

/// What is kept of a selection.
pub enum Found {
    /// Computed in the last minute.
    Fresh(Dashboard),
    /// Older: answer it, and renew it unless `renew` is false (another reader's request
    /// is renewing it already).
    Stale {
        overview: Dashboard,
        renew: bool,
    },
    Missing,
}

impl Recent {
    fn lock(&self) -> AppResult<std::sync::MutexGuard<'_, Kept>> {
        self.kept.lock().map_err(|_| AppError::internal("overview cache"))
    }

    /// What is kept of `s` at `now`; a stale one is marked as being renewed by the
    /// caller when no one renews it yet.
    pub fn find(&self, s: &Selection, now: NaiveDateTime) -> AppResult<Found> {
        if s.fresh.unwrap_or(false) {
            return Ok(Found::Missing);
        }
        let key = s.key();
        let mut kept = self.lock()?;
        let Some(d) = kept.overviews.get(&key).cloned() else {
            return Ok(Found::Missing);
        };
        if now - d.as_of < KEPT_FOR && d.as_of <= now {
            return Ok(Found::Fresh(d));
        }
        let renew = kept.renewing.insert(key);
        Ok(Found::Stale { overview: d, renew })
    }

    /// Computes the overview of `s` now and keeps it.
    pub fn compute(
        &self,
        conn: &mut DbConnection,
        policy: &Policy,
        s: &Selection,
        now: NaiveDateTime,
    ) -> AppResult<Dashboard> {
        let key = s.key();
        let d = dashboard(conn, policy, s, now);
        let mut kept = self.lock()?;
        kept.renewing.remove(&key);
        let d = d?;
        if kept.overviews.len() >= KEPT_AT_MOST && !kept.overviews.contains_key(&key) {
            let oldest = kept.overviews.iter().min_by_key(|(_, d)| d.as_of).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                kept.overviews.remove(&oldest);
            }
        }
        kept.overviews.insert(key, d.clone());
        Ok(d)
    }

    /// The overview of `s` as kept (a fresh one, or a stale one computed anew first),
    /// without renewing in the background: for callers without a runtime to renew on.
    pub fn overview(
        &self,
        conn: &mut DbConnection,
        policy: &Policy,
        s: &Selection,
        now: NaiveDateTime,
    ) -> AppResult<Dashboard> {
        match self.find(s, now)? {
            Found::Fresh(d) => Ok(d),
            Found::Stale { .. } | Found::Missing => self.compute(conn, policy, s, now),
        }
    }
}

/// Firms counted by district as lines in the policy's order, with districts no longer
/// in the policy after them by code and those not stated last.
fn district_lines(
    policy: &Policy,
    mut counted: BTreeMap<Option<String>, (i64, i64)>,
) -> Vec<DistrictLine> {
    let mut lines: Vec<DistrictLine> = Vec::new();
    for d in &policy.districts {
        if let Some((firms, served)) = counted.remove(&Some(d.code.clone())) {
            lines.push(DistrictLine {
                district: Some(d.code.clone()),
                name_zh: d.name_zh.clone(),
                name_en: d.name_en.clone(),
                firms,
                served,
            });
        }
    }
    let unstated = counted.remove(&None);
    for (code, (firms, served)) in counted {
        let code = code.unwrap_or_default();
        lines.push(DistrictLine {
            name_zh: code.clone(),
            name_en: code.clone(),
            district: Some(code),
            firms,
            served,
        });
    }
    if let Some((firms, served)) = unstated {
        lines.push(DistrictLine {
            district: None,
            name_zh: "未填写".into(),
            name_en: "Not stated".into(),
            firms,
            served,
        });
    }
    lines
}

/// The overview of a selection computed now, read from one snapshot of the database.
pub fn dashboard(
    conn: &mut DbConnection,
    policy: &Policy,
    s: &Selection,
    now: NaiveDateTime,
) -> AppResult<Dashboard> {
    // PostgreSQL's tally moves added in first, so the read adds few of them.
    crate::db::tallies::fold(conn)?;
    db::read_tx(conn, |c| -> AppResult<Dashboard> {
        let (selection, batches) = resolve(c, s)?;
        let ids: Vec<BatchId> = batches.iter().map(|b| b.id.clone()).collect();
        // Orders and items carry their batch: every selection reads them alike.
        let scope = ids.as_slice();
        let budget: Fen = batches.iter().map(|b| b.budget_fen).sum();
        let gate_bp = match &selection.programme {
            Some(p) => vouchers::programme(c, &ProgrammeId::stored(p.id.clone()))?
                .map(|p| p.gate_used_share_bp),
            None => None,
        };

        let mut vf = VoucherFigures { gate_bp, ..Default::default() };
        let (mut claimed, mut free) = (Fen::ZERO, Fen::ZERO);
        for (status, n, face, unspent) in repo::vouchers_by_status(c, &ids)? {
            claimed = claimed + face;
            vf.claimed += n;
            match VoucherStatus::parse(&status) {
                Some(VoucherStatus::Active) => {
                    vf.active += n;
                    free = free + unspent;
                }
                Some(VoucherStatus::Used) => vf.used += n,
                Some(VoucherStatus::Expired | VoucherStatus::Revoked) | None => vf.expired += n,
            }
        }

        let (mut held, mut spent) = (Fen::ZERO, Fen::ZERO);
        let mut categories: BTreeMap<String, CategoryLine> = BTreeMap::new();
        let mut statuses: BTreeMap<OrderStatus, (i64, Fen)> = BTreeMap::new();
        for (status, category, n, contract, voucher) in repo::orders_by_status(c, scope)? {
            let status = OrderStatus::parse(&status)
                .ok_or_else(|| AppError::internal(format!("order status {status}")))?;
            let line = categories.entry(category.clone()).or_insert_with(|| {
                let (zh, en) =
                    policy.category(&category).map_or((category.clone(), category.clone()), |k| {
                        (k.name_zh.clone(), k.name_en.clone())
                    });
                CategoryLine {
                    category: category.clone(),
                    name_zh: zh,
                    name_en: en,
                    orders: 0,
                    confirmed: 0,
                    contract: Fen::ZERO,
                    voucher: Fen::ZERO,
                }
            });
            line.orders += n;
            let e = statuses.entry(status).or_default();
            *e = (e.0 + n, e.1 + voucher);
            match status {
                OrderStatus::Accepted | OrderStatus::Delivered | OrderStatus::Disputed => {
                    held = held + voucher
                }
                OrderStatus::Confirmed => {
                    spent = spent + voucher;
                    line.confirmed += n;
                    line.contract = line.contract + contract;
                    line.voucher = line.voucher + voucher;
                }
                OrderStatus::Requested | OrderStatus::Declined | OrderStatus::Cancelled => {}
            }
        }

        let mut items: BTreeMap<RedemptionStatus, Fen> = BTreeMap::new();
        for (status, _n, amount) in repo::items_by_status(c, scope)? {
            let status = RedemptionStatus::parse(&status)
                .ok_or_else(|| AppError::internal(format!("item status {status}")))?;
            *items.entry(status).or_insert(Fen::ZERO) = amount;
        }
        let (_, in_settlement) = repo::items_in_payouts(c, &ids)?;
        let item = |s| items.get(&s).copied().unwrap_or(Fen::ZERO);
        let stages = Stages::from_rows(
            budget,
            claimed,
            free,
            held,
            spent,
            [
                item(RedemptionStatus::Submitted),
                item(RedemptionStatus::InNotice),
                item(RedemptionStatus::Payable) - in_settlement,
                in_settlement,
                item(RedemptionStatus::Paid),
                item(RedemptionStatus::Rejected),
            ],
        );
        vf.used_share_bp = share_bp(spent.get(), claimed.get());

        let mut top = repo::spent_by_provider(c, scope)?;
        top.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        let count = top.len() as i64;
        top.truncate(10);
        let ten: Vec<ProviderId> = top.iter().map(|p| p.0.clone()).collect();
        let names: std::collections::HashMap<ProviderId, String> =
            repo::provider_names(c, &ten)?.into_iter().collect();
        let providers = Concentration {
            providers: count,
            top10_share_bp: share_bp(top.iter().map(|p| p.2.get()).sum(), spent.get()),
            top: top
                .into_iter()
                .map(|(id, orders, amount)| ProviderLine {
                    share_bp: share_bp(amount.get(), spent.get()),
                    name: names.get(&id).cloned().unwrap_or_default(),
                    id,
                    orders,
                    amount,
                })
                .collect(),
        };

        let counted = repo::firms_by_class(c, &ids)?;
        vf.firms = counted.iter().map(|f| f.firms).sum();
        let mut classes: BTreeMap<(SizeClass, String), (i64, i64)> = BTreeMap::new();
        let mut districts: BTreeMap<Option<String>, (i64, i64)> = BTreeMap::new();
        for f in &counted {
            let e = classes.entry((f.size_class, f.industry.clone())).or_default();
            e.0 += f.firms;
            e.1 += f.served;
            let e = districts.entry(f.district.clone()).or_default();
            e.0 += f.firms;
            e.1 += f.served;
        }
        let firms = classes
            .into_iter()
            .map(|((size_class, industry), (firms, served))| {
                let (zh, en) = policy.sme.industry(&industry).map_or_else(
                    || (industry.clone(), industry.clone()),
                    |i| (i.name_zh.clone(), i.name_en.clone()),
                );
                FirmLine { size_class, industry, industry_zh: zh, industry_en: en, firms, served }
            })
            .collect();
        let by_district = district_lines(policy, districts);

        let days = |from: NaiveDateTime, to: NaiveDate| (to - china_time(from).date()).num_days();
        let claim_to_first_order = spread(
            repo::claim_to_first_order(c, &ids, TIMED_CASES)?
                .into_iter()
                .filter_map(|(claimed, first)| Some(days(claimed, china_time(first?).date())))
                .collect(),
        );
        let confirmation_to_payment = spread(
            repo::confirmation_to_payment(c, scope, TIMED_CASES)?
                .into_iter()
                .filter_map(|(confirmed, paid)| Some(days(confirmed?, paid?)))
                .collect(),
        );
        let count = |rows: Vec<(String, i64)>| {
            rows.into_iter().map(|(status, count)| Count { status, count }).collect()
        };
        Ok(Dashboard {
            as_of: now,
            returned: stages.returned(),
            stages,
            vouchers: vf,
            by_category: categories.into_values().collect(),
            by_status: statuses
                .into_iter()
                .map(|(status, (orders, voucher))| StatusLine { status, orders, voucher })
                .collect(),
            firms,
            by_district,
            providers,
            timing: Timing { claim_to_first_order, confirmation_to_payment },
            disputes: count(repo::disputes(c, scope)?),
            objections: count(repo::objections(c, &ids)?),
            selection,
        })
    })
}

/// One stage as the rows and as the ledger have it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReconciliationLine {
    /// `unclaimed` (batch accounts), `free` (voucher accounts), `held` (order accounts),
    /// `due` (awaiting application, in review and in notice: due accounts), `payable`,
    /// `in_settlement` (payout accounts), `paid` (providers' accounts), `returned`
    /// (programme funding back).
    pub stage: String,
    #[schema(value_type = String)]
    pub rows: Fen,
    #[schema(value_type = String)]
    pub ledger: Fen,
    pub agrees: bool,
}

/// Every programme's overview against the ledger, stage by stage.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reconciliation {
    pub agrees: bool,
    pub lines: Vec<ReconciliationLine>,
}

/// The overview of every programme beside the ledger's balances of each kind of account:
/// they agree to the fen, or the line that does not is named.
pub fn reconcile(
    conn: &mut DbConnection,
    policy: &Policy,
    now: NaiveDateTime,
) -> AppResult<Reconciliation> {
    db::read_tx(conn, |c| -> AppResult<Reconciliation> {
        let d = dashboard(c, policy, &Selection::default(), now)?;
        let s = d.stages;
        let funding = repo::ledger_kind_total(c, "funding")?;
        let budgets = repo::all_budgets(c)?;
        // Offsets leave the payout accounts the net while the items stay at their whole
        // amount; what findings took back is in the funding.
        let (pending_offsets, paid_offsets, recovered, corrected) = repo::finding_adjustments(c)?;
        // Supplements an appeal granted are paid from the funding beside the items.
        let (supp_waiting, supp_in_run, supp_paid) = repo::supplement_stages(c)?;
        let supplements = supp_waiting + supp_in_run + supp_paid;
        let pairs = [
            ("unclaimed", s.unclaimed, repo::ledger_kind_total(c, "batch")?),
            ("free", s.free, repo::ledger_kind_total(c, "voucher")?),
            ("held", s.held, repo::ledger_kind_total(c, "order")?),
            (
                "due",
                // The stage "awaiting application" is the spent less what items claim:
                // a correction lowered an item, not the spending.
                s.awaiting_application + s.in_review + s.in_notice - corrected,
                repo::ledger_kind_total(c, "due")?,
            ),
            ("payable", s.payable + supp_waiting, repo::ledger_provider_total(c, "payable")?),
            (
                "in_settlement",
                s.in_settlement - pending_offsets + supp_in_run,
                repo::ledger_provider_payouts(c)?,
            ),
            ("paid", s.paid - paid_offsets + supp_paid, repo::ledger_provider_total(c, "paid")?),
            ("returned", d.returned + recovered + corrected - supplements, funding + budgets),
        ];
        let lines: Vec<ReconciliationLine> = pairs
            .into_iter()
            .map(|(stage, rows, ledger)| ReconciliationLine {
                stage: stage.to_string(),
                rows,
                ledger,
                agrees: rows == ledger,
            })
            .collect();
        Ok(Reconciliation { agrees: lines.iter().all(|l| l.agrees), lines })
    })
}

/// One programme's public figures: aggregates only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicProgramme {
    /// When the figures were computed (at most a minute ago).
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub as_of: NaiveDateTime,
    pub name: String,
    /// Published batches (drafts are not public).
    pub batches: usize,
    /// The published batches' budgets.
    #[schema(value_type = String)]
    pub budget: Fen,
    #[schema(value_type = String)]
    pub claimed: Fen,
    pub vouchers: i64,
    /// Firms holding vouchers.
    pub firms: i64,
    /// Firms with an order confirmed.
    pub firms_served: i64,
    pub orders_confirmed: i64,
    /// Confirmed orders' voucher share.
    #[schema(value_type = String)]
    pub spent: Fen,
    /// Paid to providers.
    #[schema(value_type = String)]
    pub paid: Fen,
    pub by_category: Vec<CategoryLine>,
}

impl PublicProgramme {
    /// The programme's public figures from its overview, with its published batches
    /// (`batches`, their `budget`) in place of every batch.
    pub fn of(name: String, d: Dashboard, batches: i64, budget: Fen) -> PublicProgramme {
        PublicProgramme {
            as_of: d.as_of,
            name,
            batches: usize::try_from(batches).unwrap_or_default(),
            budget,
            claimed: d.stages.claimed,
            vouchers: d.vouchers.claimed,
            firms: d.vouchers.firms,
            firms_served: d.firms.iter().map(|f| f.served).sum(),
            orders_confirmed: d.by_category.iter().map(|l| l.confirmed).sum(),
            spent: d.stages.spent,
            paid: d.stages.paid,
            by_category: d.by_category,
        }
    }
}
