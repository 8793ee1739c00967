//! Voucher programmes: their rules as an administrator sets them, checked against the
//! defaults and ceilings of `config/policy/`.

use super::super::audit;
use crate::db::models::ProgrammeRow;
use crate::db::{self, vouchers as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::ProgrammeId;
use crate::domain::validation::FieldErrors;
use crate::domain::voucher::{ClaimRules, Qualification, VoucherKind};
use crate::domain::{Fen, Policy, SizeClass};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::Cx;
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
    #[schema(value_type = String)]
    pub id: ProgrammeId,
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
    let bp = v.map(|d| d * Decimal::from(10_000)).and_then(|d| i32::try_from(d.trunc()).ok());
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
        revenue_ceiling: p.revenue_ceiling_fen,
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
            voucher_kind: p.voucher_kind,
            categories: p
                .categories
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            co_payment_ratio: bp_to_share(p.co_payment_ratio_bp),
            full_coverage_threshold: p.full_coverage_threshold_fen,
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
        || !code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
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
    let categories = input.categories.clone().unwrap_or_else(|| d.categories.clone());
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
        input.co_payment_ratio.as_deref().unwrap_or(&d.co_payment_ratio),
        false,
    );
    let threshold = input.full_coverage_threshold.as_deref().unwrap_or(&d.full_coverage_threshold);
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
    let classes =
        input.eligible_size_classes.clone().unwrap_or_else(|| d.eligible_size_classes.clone());
    if classes.is_empty() {
        e.add(
            "eligible_size_classes",
            ErrorCode::SizeClassesRequired,
            "至少选择一种企业规模",
            "choose at least one size class",
        );
    }
    let ceiling = match input.revenue_ceiling.as_deref().or(d.revenue_ceiling.as_deref()) {
        Some(s) if !s.trim().is_empty() => Some(e.money("revenue_ceiling", s)),
        _ => None,
    };
    let quals =
        input.required_qualifications.clone().unwrap_or_else(|| d.required_qualifications.clone());
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
        input.gate_used_share.as_deref().unwrap_or(&d.gate_used_share),
        true,
    );
    ProgrammeRow {
        id: ProgrammeId::new(),
        code,
        name,
        voucher_kind: kind,
        categories: cats.join(","),
        co_payment_ratio_bp: ratio,
        full_coverage_threshold_fen: threshold,
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
    let input = ProgrammeInput { code: "CHECK".into(), name: "check".into(), ..Default::default() };
    programme_row(&mut e, policy, &input, chrono::DateTime::UNIX_EPOCH.naive_utc());
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
    cx: Cx<'_>,
    input: &ProgrammeInput,
) -> AppResult<ProgrammeView> {
    let mut e = FieldErrors::new();
    let row = programme_row(&mut e, cx.policy, input, cx.now);
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        if repo::programme_code_taken(c, &row.code)? {
            return Err(AppError::of(ErrorCode::ProgrammeCodeTaken));
        }
        repo::insert_programme(c, &row)?;
        audit::record(c, cx.by(), audit::Change::created(Fixed::ProgrammeCreated, &row))?;
        Ok(())
    })?;
    ProgrammeView::from_row(row)
}

pub fn programmes(conn: &mut DbConnection) -> AppResult<Vec<ProgrammeView>> {
    repo::list_programmes(conn)?.into_iter().map(ProgrammeView::from_row).collect()
}

pub fn programme(conn: &mut DbConnection, id: &ProgrammeId) -> AppResult<ProgrammeView> {
    ProgrammeView::from_row(
        repo::programme(conn, id)?.ok_or_else(|| AppError::not_found("programme"))?,
    )
}
