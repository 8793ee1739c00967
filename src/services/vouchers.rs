//! Voucher programmes and batches (期): configuration by an administrator, budget
//! top-ups, and the public view of a batch.

use super::{audit, snapshot, Actor};
use crate::db::models::{BatchRow, LotteryRow, ProgrammeRow, TopupRow, VoucherRow};
use crate::db::{self, ledger, vouchers as repo, DbConnection};
use crate::domain::ledger::{Account, Transaction};
use crate::domain::money::{MAX_FEN, PROGRAMME_MAX_FEN};
use crate::domain::validation::FieldErrors;
use crate::domain::voucher::{
    batch_status, format_face_values, parse_face_values, AllocationMode, BatchStatus, ClaimRules,
    Qualification, VoucherKind,
};
use crate::domain::{new_id, Fen, Policy, SizeClass};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A programme as an administrator creates it; omitted fields take the defaults from
/// `config/policy/programme_defaults.toml`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeInput {
    /// Short code used in voucher numbers: 2–16 capital letters and digits, e.g. `HCQ2026`.
    #[schema(schema_with = crate::domain::validation::schema::programme_code)]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub voucher_kind: Option<VoucherKind>,
    #[schema(min_items = 1)]
    pub categories: Option<Vec<String>>,
    /// Decimal share of a contract the voucher may pay, e.g. `"0.50"`.
    #[schema(schema_with = crate::domain::validation::schema::opt_share)]
    pub co_payment_ratio: Option<String>,
    /// Yuan; contracts below it may be paid wholly by voucher.
    #[schema(schema_with = crate::domain::validation::schema::opt_yuan)]
    pub full_coverage_threshold: Option<String>,
    #[schema(minimum = 1, maximum = 60)]
    pub validity_months: Option<i32>,
    #[schema(min_items = 1)]
    pub eligible_size_classes: Option<Vec<SizeClass>>,
    pub exclude_dishonest: Option<bool>,
    /// Yuan; firms with more revenue last year may not claim.
    #[schema(schema_with = crate::domain::validation::schema::opt_yuan)]
    pub revenue_ceiling: Option<String>,
    pub required_qualifications: Option<Vec<Qualification>>,
    #[schema(minimum = 1, maximum = 100)]
    pub per_batch_limit: Option<i32>,
    #[schema(minimum = 1, maximum = 1000)]
    pub per_year_limit: Option<i32>,
    pub count_by_controller: Option<bool>,
    /// Decimal share of earlier vouchers that must be used before claiming again, e.g. `"0.80"`.
    #[schema(schema_with = crate::domain::validation::schema::opt_share_or_zero)]
    pub gate_used_share: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProgrammeView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub voucher_kind: VoucherKind,
    pub categories: Vec<String>,
    pub co_payment_ratio: String,
    #[schema(value_type = String)]
    pub full_coverage_threshold: Fen,
    pub validity_months: i32,
    pub eligible_size_classes: Vec<SizeClass>,
    pub exclude_dishonest: bool,
    #[schema(value_type = Option<String>)]
    pub revenue_ceiling: Option<Fen>,
    pub required_qualifications: Vec<Qualification>,
    pub per_batch_limit: i32,
    pub per_year_limit: i32,
    pub count_by_controller: bool,
    pub gate_used_share: String,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub created_at: NaiveDateTime,
}

pub(crate) fn bp_to_share(bp: i32) -> String {
    Decimal::new(i64::from(bp), 4).normalize().to_string()
}

fn share_to_bp(e: &mut FieldErrors, field: &str, s: &str, allow_zero: bool) -> i32 {
    let v = Decimal::from_str(s.trim()).ok().filter(|d| d.scale() <= 4);
    let bp = v
        .map(|d| d * Decimal::from(10_000))
        .and_then(|d| i32::try_from(d.trunc()).ok());
    match bp {
        Some(bp) if (if allow_zero { 0 } else { 1 }) <= bp && bp <= 10_000 => bp,
        _ => {
            e.add(
                field,
                ErrorCode::ShareInvalid,
                format!("{field} 应为 0 到 1 之间的小数，最多四位小数"),
                format!("{field} must be a decimal share between 0 and 1 with at most 4 decimals"),
            );
            0
        }
    }
}

fn list<T: Copy + PartialEq>(v: &[T], as_str: fn(T) -> &'static str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for x in v {
        let s = as_str(*x);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out.join(",")
}

pub fn rules_of(p: &ProgrammeRow) -> ClaimRules {
    ClaimRules {
        eligible_size_classes: p
            .eligible_size_classes
            .split(',')
            .filter_map(SizeClass::parse)
            .collect(),
        exclude_dishonest: p.exclude_dishonest,
        revenue_ceiling: p.revenue_ceiling_fen.map(Fen::new),
        required_qualifications: p
            .required_qualifications
            .split(',')
            .filter_map(Qualification::parse)
            .collect(),
        per_batch_limit: p.per_batch_limit,
        per_year_limit: p.per_year_limit,
        count_by_controller: p.count_by_controller,
        gate_used_share_bp: p.gate_used_share_bp,
    }
}

impl ProgrammeView {
    pub fn from_row(p: ProgrammeRow) -> AppResult<Self> {
        let rules = rules_of(&p);
        Ok(ProgrammeView {
            voucher_kind: VoucherKind::parse(&p.voucher_kind)
                .ok_or_else(|| AppError::internal("bad voucher kind"))?,
            categories: p
                .categories
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            co_payment_ratio: bp_to_share(p.co_payment_ratio_bp),
            full_coverage_threshold: Fen::new(p.full_coverage_threshold_fen),
            eligible_size_classes: rules.eligible_size_classes,
            revenue_ceiling: rules.revenue_ceiling,
            required_qualifications: rules.required_qualifications,
            gate_used_share: bp_to_share(p.gate_used_share_bp),
            id: p.id,
            code: p.code,
            name: p.name,
            validity_months: p.validity_months,
            exclude_dishonest: p.exclude_dishonest,
            per_batch_limit: p.per_batch_limit,
            per_year_limit: p.per_year_limit,
            count_by_controller: p.count_by_controller,
            created_at: p.created_at,
        })
    }
}

/// Builds a validated programme row from the input merged with the defaults.
fn programme_row(
    e: &mut FieldErrors,
    policy: &Policy,
    input: &ProgrammeInput,
    now: NaiveDateTime,
) -> ProgrammeRow {
    let d = &policy.programme;
    let code = input.code.trim().to_string();
    if !(2..=16).contains(&code.len())
        || !code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        e.add(
            "code",
            ErrorCode::ProgrammeCodeInvalid,
            "项目代码应为2–16位大写字母或数字",
            "programme codes have 2-16 capital letters or digits",
        );
    }
    let name = e.text("name", &input.name, 200);
    let kind = input.voucher_kind.unwrap_or(d.voucher_kind);
    let categories = input
        .categories
        .clone()
        .unwrap_or_else(|| d.categories.clone());
    let mut cats: Vec<String> = Vec::new();
    for c in categories.iter().map(|c| c.trim().to_string()) {
        if policy.category(&c).is_none() {
            e.add(
                "categories",
                ErrorCode::CategoryUnknown,
                format!("未知的服务类别：{c}"),
                format!("unknown service category: {c}"),
            );
        } else if !cats.contains(&c) {
            cats.push(c);
        }
    }
    if cats.is_empty() {
        e.add(
            "categories",
            ErrorCode::CategoriesRequired,
            "至少选择一个服务类别",
            "choose at least one service category",
        );
    }
    if kind == VoucherKind::Special && cats.len() != 1 {
        e.add(
            "categories",
            ErrorCode::SpecialVoucherOneCategory,
            "专用券只能对应一个服务类别",
            "a special voucher buys exactly one category",
        );
    }
    let ratio = share_to_bp(
        e,
        "co_payment_ratio",
        input
            .co_payment_ratio
            .as_deref()
            .unwrap_or(&d.co_payment_ratio),
        false,
    );
    let threshold = input
        .full_coverage_threshold
        .as_deref()
        .unwrap_or(&d.full_coverage_threshold);
    let threshold = e.money("full_coverage_threshold", threshold);
    let validity = input.validity_months.unwrap_or(d.validity_months);
    if !(1..=60).contains(&validity) {
        e.add(
            "validity_months",
            ErrorCode::ValidityInvalid,
            "有效期应为1–60个月",
            "validity is 1-60 months",
        );
    }
    let classes = input
        .eligible_size_classes
        .clone()
        .unwrap_or_else(|| d.eligible_size_classes.clone());
    if classes.is_empty() {
        e.add(
            "eligible_size_classes",
            ErrorCode::SizeClassesRequired,
            "至少选择一种企业规模",
            "choose at least one size class",
        );
    }
    let ceiling = match input
        .revenue_ceiling
        .as_deref()
        .or(d.revenue_ceiling.as_deref())
    {
        Some(s) if !s.trim().is_empty() => Some(e.money("revenue_ceiling", s).get()),
        _ => None,
    };
    let quals = input
        .required_qualifications
        .clone()
        .unwrap_or_else(|| d.required_qualifications.clone());
    let per_batch = input.per_batch_limit.unwrap_or(d.per_batch_limit);
    let per_year = input.per_year_limit.unwrap_or(d.per_year_limit);
    if !(1..=100).contains(&per_batch) || per_year < per_batch || per_year > 1000 {
        e.add(
            "per_year_limit",
            ErrorCode::LimitsInvalid,
            "每期限额应为1–100，年度限额不小于每期限额",
            "per-batch limit 1-100 and a yearly limit at least as large",
        );
    }
    let gate = share_to_bp(
        e,
        "gate_used_share",
        input
            .gate_used_share
            .as_deref()
            .unwrap_or(&d.gate_used_share),
        true,
    );
    ProgrammeRow {
        id: new_id(),
        code,
        name,
        voucher_kind: kind.as_str().into(),
        categories: cats.join(","),
        co_payment_ratio_bp: ratio,
        full_coverage_threshold_fen: threshold.get(),
        validity_months: validity,
        eligible_size_classes: list(&classes, SizeClass::as_str),
        exclude_dishonest: input.exclude_dishonest.unwrap_or(d.exclude_dishonest),
        revenue_ceiling_fen: ceiling,
        required_qualifications: list(&quals, Qualification::as_str),
        per_batch_limit: per_batch,
        per_year_limit: per_year,
        count_by_controller: input.count_by_controller.unwrap_or(d.count_by_controller),
        gate_used_share_bp: gate,
        created_at: now,
        updated_at: now,
    }
}

/// Checks the shipped programme defaults (at start-up).
pub fn check_defaults(policy: &Policy) -> Result<(), String> {
    let mut e = FieldErrors::new();
    let input = ProgrammeInput {
        code: "CHECK".into(),
        name: "check".into(),
        ..Default::default()
    };
    programme_row(
        &mut e,
        policy,
        &input,
        chrono::DateTime::UNIX_EPOCH.naive_utc(),
    );
    match e.finish() {
        Ok(()) => Ok(()),
        Err(e) => Err(e
            .0
            .iter()
            .map(|f| format!("{}: {}", f.field, f.detail_en))
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

pub fn create_programme(
    conn: &mut DbConnection,
    policy: &Policy,
    input: &ProgrammeInput,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<ProgrammeView> {
    let mut e = FieldErrors::new();
    let row = programme_row(&mut e, policy, input, now);
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        if repo::programme_code_taken(c, &row.code)? {
            return Err(AppError::of(ErrorCode::ProgrammeCodeTaken));
        }
        repo::insert_programme(c, &row)?;
        audit::record(
            c,
            actor,
            now,
            audit::Change {
                action: "programme.created",
                entity_type: "programme",
                entity_id: &row.id,
                before: None,
                after: snapshot(&row),
            },
        )?;
        Ok(())
    })?;
    ProgrammeView::from_row(row)
}

pub fn programmes(conn: &mut DbConnection) -> AppResult<Vec<ProgrammeView>> {
    repo::list_programmes(conn)?
        .into_iter()
        .map(ProgrammeView::from_row)
        .collect()
}

pub fn programme(conn: &mut DbConnection, id: &str) -> AppResult<ProgrammeView> {
    ProgrammeView::from_row(
        repo::programme(conn, id)?.ok_or_else(|| AppError::not_found("programme"))?,
    )
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Yuan, e.g. `"30000000.00"`.
    #[schema(schema_with = crate::domain::validation::schema::positive_yuan)]
    pub budget: String,
    /// Yuan; one value, or several for the firm to choose from.
    #[schema(schema_with = crate::domain::validation::schema::face_values)]
    pub face_values: Vec<String>,
    /// RFC 3339 with offset, e.g. `2026-12-01T09:00:00+08:00`.
    #[schema(schema_with = crate::domain::validation::schema::instant)]
    pub opens_at: String,
    #[schema(schema_with = crate::domain::validation::schema::instant)]
    pub closes_at: String,
    /// `first_come` (the default) or `lottery`: firms register interest until the
    /// opening instant and a seeded draw allocates the vouchers at the opening.
    pub allocation_mode: Option<AllocationMode>,
    /// Publish at once (otherwise a draft, published later).
    #[serde(default)]
    pub publish: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchView {
    pub id: String,
    pub programme_id: String,
    pub number: i32,
    pub name: String,
    #[schema(value_type = String)]
    pub budget: Fen,
    #[schema(value_type = String)]
    pub claimed: Fen,
    #[schema(value_type = String)]
    pub remaining: Fen,
    pub vouchers_claimed: i32,
    #[schema(value_type = Vec<String>)]
    pub face_values: Vec<Fen>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub opens_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub closes_at: NaiveDateTime,
    pub allocation_mode: AllocationMode,
    pub status: BatchStatus,
}

impl BatchView {
    pub fn from_row(b: BatchRow, now: NaiveDateTime) -> AppResult<Self> {
        let faces = parse_face_values(&b.face_values);
        let smallest = faces.iter().copied().min().unwrap_or(Fen::new(i64::MAX));
        let remaining = Fen::new(b.budget_fen - b.claimed_fen);
        Ok(BatchView {
            status: batch_status(
                b.published,
                b.opens_at,
                b.closes_at,
                remaining,
                smallest,
                now,
            ),
            allocation_mode: AllocationMode::parse(&b.allocation_mode)
                .ok_or_else(|| AppError::internal("bad mode"))?,
            id: b.id,
            programme_id: b.programme_id,
            number: b.number,
            name: b.name,
            budget: Fen::new(b.budget_fen),
            claimed: Fen::new(b.claimed_fen),
            remaining,
            vouchers_claimed: b.vouchers_claimed,
            face_values: faces,
            opens_at: b.opens_at,
            closes_at: b.closes_at,
        })
    }
}

/// Refuses `more` when the programme's batch budgets would then pass their ceiling.
fn within_programme_ceiling(
    c: &mut DbConnection,
    programme_id: &str,
    more: Fen,
    field: &str,
) -> AppResult<()> {
    let total = repo::programme_budget_total(c, programme_id)? + i128::from(more.get());
    if total > i128::from(PROGRAMME_MAX_FEN) {
        let mut e = FieldErrors::new();
        e.add(
            field,
            ErrorCode::ProgrammeCeilingExceeded,
            format!(
                "本计划各期预算合计将超过上限 {} 元",
                Fen::new(PROGRAMME_MAX_FEN)
            ),
            format!(
                "the programme's batch budgets together would pass their ceiling of {} yuan",
                Fen::new(PROGRAMME_MAX_FEN)
            ),
        );
        return Err(e.into());
    }
    Ok(())
}

pub(crate) fn parse_instant(e: &mut FieldErrors, field: &str, s: &str) -> Option<NaiveDateTime> {
    match crate::domain::validation::parse_instant(s) {
        Some(t) => Some(t),
        None => {
            e.add(
                field,
                ErrorCode::InstantInvalid,
                "时间格式应为 RFC 3339，如 2026-12-01T09:00:00+08:00",
                "instants are RFC 3339 with an offset, e.g. 2026-12-01T09:00:00+08:00",
            );
            None
        }
    }
}

pub fn create_batch(
    conn: &mut DbConnection,
    programme_id: &str,
    input: &BatchInput,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<BatchView> {
    let mut e = FieldErrors::new();
    let name = e.text("name", &input.name, 200);
    let budget = e.money("budget", &input.budget);
    if budget.get() == 0 && e.is_empty() {
        e.add(
            "budget",
            ErrorCode::BudgetInvalid,
            "预算必须大于零",
            "the budget must be positive",
        );
    }
    let mut faces: Vec<Fen> = Vec::new();
    for f in &input.face_values {
        let v = e.money("face_values", f);
        if v.get() == 0 {
            e.add(
                "face_values",
                ErrorCode::FaceValueInvalid,
                "面额必须大于零",
                "face values must be positive",
            );
        } else if !faces.contains(&v) {
            faces.push(v);
        }
    }
    faces.sort();
    if input.face_values.is_empty() {
        e.add(
            "face_values",
            ErrorCode::FaceValuesRequired,
            "至少设置一种面额",
            "give at least one face value",
        );
    }
    if faces.last().is_some_and(|m| *m > budget) && budget.get() > 0 {
        e.add(
            "face_values",
            ErrorCode::FaceValueAboveBudget,
            "面额不能超过预算",
            "a face value cannot exceed the budget",
        );
    }
    let opens = parse_instant(&mut e, "opens_at", &input.opens_at);
    let closes = parse_instant(&mut e, "closes_at", &input.closes_at);
    if let (Some(o), Some(c)) = (opens, closes) {
        if c <= o {
            e.add(
                "closes_at",
                ErrorCode::WindowInvalid,
                "结束时间必须晚于开始时间",
                "closes_at must be after opens_at",
            );
        } else if c <= now {
            e.add(
                "closes_at",
                ErrorCode::WindowPast,
                "结束时间已过，不能新建该期",
                "closes_at has passed: such a batch could never be claimed",
            );
        }
    }
    // A new batch opens now or later; a day's leeway for "open at once" and clocks.
    if opens.is_some_and(|o| o < now - chrono::Duration::days(1)) {
        e.add(
            "opens_at",
            ErrorCode::OpensAtPast,
            "开放时间不能早于现在一天以上",
            "opens_at may not be more than a day before now",
        );
    }
    let mode = input.allocation_mode.unwrap_or(AllocationMode::FirstCome);
    e.finish()?;
    let (Some(opens_at), Some(closes_at)) = (opens, closes) else {
        return Err(AppError::internal("window"));
    };
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let programme =
            repo::programme(c, programme_id)?.ok_or_else(|| AppError::not_found("programme"))?;
        within_programme_ceiling(c, &programme.id, budget, "budget")?;
        let row = BatchRow {
            id: new_id(),
            programme_id: programme.id.clone(),
            number: repo::next_batch_number(c, &programme.id)?,
            name: name.clone(),
            budget_fen: budget.get(),
            claimed_fen: 0,
            vouchers_claimed: 0,
            face_values: format_face_values(&faces),
            opens_at,
            closes_at,
            allocation_mode: mode.as_str().into(),
            published: input.publish,
            created_by: actor.user_id.clone(),
            created_at: now,
            updated_at: now,
        };
        repo::insert_batch(c, &row)?;
        if mode == AllocationMode::Lottery {
            let lottery = new_lottery(&row.id);
            crate::db::lottery::insert_lottery(c, &lottery)?;
            audit::record(
                c,
                actor,
                now,
                audit::Change {
                    action: "lottery.created",
                    entity_type: "batch",
                    entity_id: &row.id,
                    before: None,
                    after: Some(serde_json::json!({ "seed_hash": lottery.seed_hash }).to_string()),
                },
            )?;
        }
        ledger::post(
            c,
            &Transaction::transfer(
                "batch_budget",
                Account::funding(&programme.id),
                Account::batch(&row.id),
                budget,
            ),
            now,
        )?;
        audit::record(
            c,
            actor,
            now,
            audit::Change {
                action: "batch.created",
                entity_type: "batch",
                entity_id: &row.id,
                before: None,
                after: snapshot(&row),
            },
        )?;
        Ok(row)
    })?;
    BatchView::from_row(row, now)
}

pub fn publish_batch(
    conn: &mut DbConnection,
    batch_id: &str,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<BatchView> {
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::batch_for_update(c, batch_id)?.ok_or_else(|| AppError::not_found("batch"))?;
        if before.published {
            return Err(AppError::of(ErrorCode::BatchAlreadyPublished));
        }
        if before.closes_at <= now {
            return Err(AppError::of(ErrorCode::BatchWindowPast));
        }
        let after = BatchRow {
            published: true,
            updated_at: now,
            ..before.clone()
        };
        repo::update_batch(c, &after)?;
        audit::record(
            c,
            actor,
            now,
            audit::Change {
                action: "batch.published",
                entity_type: "batch",
                entity_id: batch_id,
                before: snapshot(&before),
                after: snapshot(&after),
            },
        )?;
        Ok(after)
    })?;
    BatchView::from_row(row, now)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopupInput {
    /// Yuan added to the budget.
    #[schema(schema_with = crate::domain::validation::schema::positive_yuan)]
    pub amount: String,
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Raises a batch's budget (a recorded top-up with its own ledger transaction).
/// Budgets are never lowered, so what is claimed always stays covered.
pub fn top_up(
    conn: &mut DbConnection,
    batch_id: &str,
    input: &TopupInput,
    now: NaiveDateTime,
    actor: &Actor,
) -> AppResult<BatchView> {
    let mut e = FieldErrors::new();
    let amount = e.money("amount", &input.amount);
    if amount.get() == 0 && e.is_empty() {
        e.add(
            "amount",
            ErrorCode::AmountNotPositive,
            "追加金额必须大于零",
            "a top-up must be positive",
        );
    }
    let reason = e.text("reason", &input.reason, 1000);
    e.finish()?;
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::batch_for_update(c, batch_id)?.ok_or_else(|| AppError::not_found("batch"))?;
        if before.closes_at <= now {
            return Err(AppError::of(ErrorCode::BatchClosedForTopUp));
        }
        // A batch's budget never passes the largest amount, nor a programme's total its
        // ceiling (docs/API.md): checked before any arithmetic in SQL.
        if i128::from(before.budget_fen) + i128::from(amount.get()) > i128::from(MAX_FEN) {
            let mut e = FieldErrors::new();
            e.add(
                "amount",
                ErrorCode::BudgetCeilingExceeded,
                format!("追加后该期预算将超过上限 {} 元", Fen::new(MAX_FEN)),
                format!(
                    "the batch's budget would pass its ceiling of {} yuan",
                    Fen::new(MAX_FEN)
                ),
            );
            return Err(e.into());
        }
        within_programme_ceiling(c, &before.programme_id, amount, "amount")?;
        let topup = TopupRow {
            id: new_id(),
            batch_id: before.id.clone(),
            amount_fen: amount.get(),
            reason: reason.clone(),
            created_by: actor.user_id.clone(),
            created_at: now,
        };
        repo::insert_topup(c, &topup)?;
        repo::add_to_budget(c, batch_id, amount.get(), now)?;
        ledger::post(
            c,
            &Transaction::transfer(
                "batch_topup",
                Account::funding(&before.programme_id),
                Account::batch(batch_id),
                amount,
            ),
            now,
        )?;
        let after = repo::batch(c, batch_id)?.ok_or_else(|| AppError::not_found("batch"))?;
        audit::record(
            c,
            actor,
            now,
            audit::Change {
                action: "batch.topped_up",
                entity_type: "batch",
                entity_id: batch_id,
                before: snapshot(&before),
                after: snapshot(&after),
            },
        )?;
        Ok(after)
    })?;
    BatchView::from_row(row, now)
}

/// Batches the public may see (published ones), newest first; staff also see drafts.
pub fn batches(
    conn: &mut DbConnection,
    include_drafts: bool,
    now: NaiveDateTime,
) -> AppResult<Vec<BatchView>> {
    repo::list_batches(conn, include_drafts)?
        .into_iter()
        .map(|b| BatchView::from_row(b, now))
        .collect()
}

pub fn batch(
    conn: &mut DbConnection,
    id: &str,
    include_drafts: bool,
    now: NaiveDateTime,
) -> AppResult<BatchView> {
    let b = repo::batch(conn, id)?
        .filter(|b| b.published || include_drafts)
        .ok_or_else(|| AppError::not_found("batch"))?;
    BatchView::from_row(b, now)
}

/// One voucher of a batch's public results (公示): who got it, for how much, when.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    pub seq: i32,
    pub firm_name: String,
    pub credit_code: String,
    #[schema(value_type = String)]
    pub face_value: Fen,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub claimed_at: NaiveDateTime,
}

/// A published batch and every voucher claimed from it, in claim order.
pub fn batch_results(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> AppResult<(BatchView, Vec<BatchResult>)> {
    crate::db::read_tx(conn, |c| {
        let b = batch(c, id, false, now)?;
        let rows = repo::results_of_batch(c, id)?
            .into_iter()
            .map(
                |(seq, firm_name, credit_code, fen, claimed_at)| BatchResult {
                    seq,
                    firm_name,
                    credit_code,
                    face_value: Fen::new(fen),
                    claimed_at,
                },
            )
            .collect();
        Ok((b, rows))
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VoucherView {
    pub id: String,
    /// The voucher's filing number (备案编号).
    pub code: String,
    pub batch_id: String,
    pub programme_id: String,
    /// Arrival order within the batch.
    pub seq_in_batch: i32,
    #[schema(value_type = String)]
    pub face_value: Fen,
    #[schema(value_type = String)]
    pub balance: Fen,
    #[schema(value_type = String)]
    pub held: Fen,
    /// What can still be spent: the balance less what accepted orders hold.
    #[schema(value_type = String)]
    pub available: Fen,
    /// active, used, expired or revoked.
    pub status: String,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub claimed_at: NaiveDateTime,
    /// A voucher is valid from the instant it is claimed.
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub valid_from: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub valid_until: NaiveDateTime,
}

impl From<VoucherRow> for VoucherView {
    fn from(v: VoucherRow) -> Self {
        VoucherView {
            id: v.id,
            code: v.code,
            batch_id: v.batch_id,
            programme_id: v.programme_id,
            seq_in_batch: v.seq_in_batch,
            face_value: Fen::new(v.face_value_fen),
            balance: Fen::new(v.balance_fen),
            held: Fen::new(v.held_fen),
            available: Fen::new(v.balance_fen - v.held_fen),
            status: v.status,
            claimed_at: v.claimed_at,
            valid_from: v.claimed_at,
            valid_until: v.valid_until,
        }
    }
}

pub fn vouchers_of_firm(conn: &mut DbConnection, firm_id: &str) -> AppResult<Vec<VoucherView>> {
    Ok(repo::vouchers_of_firm(conn, firm_id)?
        .into_iter()
        .map(VoucherView::from)
        .collect())
}

/// The lottery row written with a new lottery batch.
fn new_lottery(batch_id: &str) -> LotteryRow {
    let seed = crate::domain::lottery::new_seed();
    LotteryRow {
        batch_id: batch_id.to_string(),
        seed_hash: crate::domain::lottery::seed_hash(&seed),
        seed,
        entrants_digest: None,
        entrants: None,
        winners: None,
        drawn_at: None,
        drawn_by: None,
    }
}
