//! A space's incubatee register (在孵企业名册): who entered when, how old the firm was,
//! how long it may stay, and its graduation. The register feeds the figures of
//! certification applications and yearly statistics.

use super::audit;
use crate::db::carriers as repo;
use crate::db::models::IncubateeRow;
use crate::db::{self, parties, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::certification::CertificationStatus;
use crate::domain::certification::{months_between, Graduation};
use crate::domain::id::{IncubateeId, SpaceId};
use crate::domain::validation::FieldErrors;
use crate::domain::Fen;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::Acting;
use crate::services::Cx;
use chrono::{Months, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncubateeInput {
    #[schema(min_length = 1, max_length = 200)]
    pub firm_name: String,
    #[schema(schema_with = crate::domain::validation::schema::credit_code)]
    pub credit_code: String,
    /// The firm's registration date, `YYYY-MM-DD`.
    #[schema(schema_with = crate::domain::validation::schema::date)]
    pub founded_on: String,
    /// The day it entered the space, `YYYY-MM-DD`.
    #[schema(schema_with = crate::domain::validation::schema::date)]
    pub entered_on: String,
    /// The firm's field, e.g. `software`; `biomedicine`, `modern_agriculture` and
    /// `integrated_circuits` may stay longer under the national rules.
    #[schema(min_length = 1, max_length = 50)]
    pub field: String,
    /// The scheme whose incubatee rules apply (default: the space's highest
    /// certification in force that has such rules).
    pub scheme: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GraduationInput {
    #[schema(schema_with = crate::domain::validation::schema::date)]
    pub graduated_on: String,
    pub condition: Graduation,
    /// Yuan, for the conditions that are amounts (investment, revenue), e.g.
    /// `"5200000.00"`: it must be above the scheme's figure.
    #[schema(schema_with = crate::domain::validation::schema::opt_positive_yuan)]
    pub amount: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartureInput {
    #[schema(schema_with = crate::domain::validation::schema::date)]
    pub left_on: String,
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncubateeView {
    #[schema(value_type = String)]
    pub id: IncubateeId,
    /// The scheme whose rules apply.
    pub scheme: String,
    pub firm_name: String,
    pub credit_code: String,
    pub founded_on: NaiveDate,
    pub entered_on: NaiveDate,
    pub age_months_at_entry: i32,
    pub field: String,
    pub limit_months: i32,
    pub limit_ends_on: NaiveDate,
    pub graduated_on: Option<NaiveDate>,
    pub graduation: Option<Graduation>,
    pub left_on: Option<NaiveDate>,
    pub left_reason: Option<String>,
    /// Still in the register today.
    pub current: bool,
    /// Current, and past its incubation limit.
    pub over_limit: bool,
}

fn view(r: IncubateeRow, today: NaiveDate) -> IncubateeView {
    let current = r.graduated_on.is_none() && r.left_on.is_none();
    IncubateeView {
        over_limit: current && today > r.limit_ends_on,
        current,
        graduation: r.graduation.as_deref().and_then(Graduation::parse),
        id: r.id,
        scheme: r.scheme,
        firm_name: r.firm_name,
        credit_code: r.credit_code.into_string(),
        founded_on: r.founded_on,
        entered_on: r.entered_on,
        age_months_at_entry: r.age_months_at_entry,
        field: r.field,
        limit_months: r.limit_months,
        limit_ends_on: r.limit_ends_on,
        graduated_on: r.graduated_on,
        left_on: r.left_on,
        left_reason: r.left_reason,
    }
}

/// Registers a firm that entered the space.
pub fn register(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    space_id: &SpaceId,
    input: &IncubateeInput,
) -> AppResult<IncubateeView> {
    let today = crate::domain::china_time(cx.now).date();
    let mut e = FieldErrors::new();
    let name = e.text("firm_name", &input.firm_name, 200);
    let code = e.credit_code("credit_code", &input.credit_code);
    let field = e.text("field", &input.field, 50);
    let founded = e.past_date("founded_on", &input.founded_on, today);
    let entered = e.past_date("entered_on", &input.entered_on, today);
    if let (Some(f), Some(d)) = (founded, entered) {
        if d < f {
            e.add(
                "entered_on",
                ErrorCode::DateBeforeFounding,
                "入孵日期不能早于企业成立日期",
                "a firm cannot enter before it was founded",
            );
        }
    }
    e.finish()?;
    let (founded, entered) = (founded.unwrap_or(today), entered.unwrap_or(today));
    db::write_tx(conn, |c| -> AppResult<_> {
        let cert = &cx.policy.certification;
        let scheme = match input.scheme.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(code) => cert
                .scheme(code)
                .ok_or_else(|| AppError::of(ErrorCode::SchemeUnknown).arg("code", code))?,
            None => repo::certifications_of(c, space_id)?
                .into_iter()
                .filter(|r| r.status == CertificationStatus::Active)
                .filter_map(|r| cert.scheme(&r.scheme))
                .filter(|s| s.incubatees.is_some())
                .max_by_key(|s| s.level.rank())
                .ok_or_else(|| AppError::of(ErrorCode::SchemeRequired))?,
        };
        let rules = scheme.incubatees.as_ref().ok_or_else(|| {
            AppError::of(ErrorCode::SchemeHasNoIncubateeRules).arg_each(
                "scheme",
                &scheme.name_zh,
                &scheme.code,
            )
        })?;
        let age = months_between(founded, entered);
        if let Some(max) = rules.max_age_months_at_entry {
            if age > i64::from(max) {
                return Err(AppError::of(ErrorCode::IncubateeTooOld)
                    .arg("age", age)
                    .arg("max", max)
                    .arg_each("scheme", &scheme.name_zh, &scheme.code));
            }
        }
        let limit = rules.limit_months(&field);
        let row = IncubateeRow {
            id: IncubateeId::new(),
            space_id: space_id.clone(),
            scheme: scheme.code.clone(),
            firm_name: name.clone(),
            credit_code: code.clone(),
            founded_on: founded,
            entered_on: entered,
            age_months_at_entry: i32::try_from(age).unwrap_or(i32::MAX),
            field: field.clone(),
            limit_months: i32::try_from(limit).unwrap_or(i32::MAX),
            limit_ends_on: entered.checked_add_months(Months::new(limit)).unwrap_or(entered),
            graduated_on: None,
            graduation: None,
            left_on: None,
            left_reason: None,
            created_at: cx.now,
            updated_at: cx.now,
        };
        repo::insert_incubatee(c, &row)?;
        audit::record(c, cx.by(), audit::Change::created(Fixed::IncubateeRegistered, &row))?;
        Ok(view(row, today))
    })
    .map_err(|e| {
        // The only unique key a new row can break: the firm is in the register.
        if e.code.is(ErrorCode::AlreadyExists) || e.code.is(ErrorCode::CreditCodeTaken) {
            AppError::of(ErrorCode::IncubateeAlreadyRegistered)
        } else {
            e
        }
    })
}

enum End {
    Graduated(NaiveDate, Graduation),
    Left(NaiveDate, String),
}

fn end(
    conn: &mut DbConnection,
    space_id: &SpaceId,
    id: &IncubateeId,
    how: End,
    by: Acting<'_>,
    check: impl Fn(&IncubateeRow) -> AppResult<()>,
) -> AppResult<IncubateeView> {
    let now = by.now;
    let today = crate::domain::china_time(now).date();
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::incubatee_for_update(c, id)?
            .filter(|r| r.space_id == *space_id)
            .ok_or_else(|| AppError::not_found("incubatee"))?;
        if before.graduated_on.is_some() || before.left_on.is_some() {
            return Err(AppError::of(ErrorCode::IncubateeNotCurrent));
        }
        check(&before)?;
        let (on, action) = match &how {
            End::Graduated(d, _) => (*d, Fixed::IncubateeGraduated),
            End::Left(d, _) => (*d, Fixed::IncubateeLeft),
        };
        if on < before.entered_on {
            let mut e = FieldErrors::new();
            e.add(
                match how {
                    End::Graduated(..) => "graduated_on",
                    End::Left(..) => "left_on",
                },
                ErrorCode::DateBeforeEntry,
                "日期不能早于入孵日期",
                "the date precedes the entry",
            );
            return Err(e.into());
        }
        let mut after = IncubateeRow { updated_at: now, ..before.clone() };
        match how {
            End::Graduated(d, g) => {
                after.graduated_on = Some(d);
                after.graduation = Some(g.as_str().into());
            }
            End::Left(d, r) => {
                after.left_on = Some(d);
                after.left_reason = Some(r);
            }
        }
        repo::update_incubatee(c, &after)?;
        audit::record(c, by, audit::Change::moved(action, &before, &after))?;
        Ok(view(after, today))
    })
}

/// Records a graduation, checked against the graduation conditions of the scheme the
/// firm was registered under.
pub fn graduate(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    space_id: &SpaceId,
    id: &IncubateeId,
    input: &GraduationInput,
) -> AppResult<IncubateeView> {
    let today = crate::domain::china_time(cx.now).date();
    let mut e = FieldErrors::new();
    let on = e.past_date("graduated_on", &input.graduated_on, today);
    let amount = match input.amount.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(a) => match Fen::parse_yuan(a) {
            Ok(f) => Some(f.to_yuan()),
            Err(m) => {
                e.add("amount", m.code(), m.message_zh(), m.message_en());
                None
            }
        },
    };
    e.finish()?;
    let how = End::Graduated(on.unwrap_or(today), input.condition);
    end(conn, space_id, id, how, cx.by(), |row| {
        let rules = cx
            .policy
            .certification
            .scheme(&row.scheme)
            .and_then(|s| s.incubatees.as_ref())
            .and_then(|r| r.graduation.as_ref());
        match rules.map(|g| g.check(input.condition, amount)) {
            Some(Err((code, zh, en))) => {
                let field = if code == ErrorCode::GraduationConditionNotInScheme {
                    "condition"
                } else {
                    "amount"
                };
                let mut e = FieldErrors::new();
                e.add(field, code, zh, en);
                Err(e.into())
            }
            _ => Ok(()),
        }
    })
}

pub fn depart(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    space_id: &SpaceId,
    id: &IncubateeId,
    input: &DepartureInput,
) -> AppResult<IncubateeView> {
    let today = crate::domain::china_time(cx.now).date();
    let mut e = FieldErrors::new();
    let on = e.past_date("left_on", &input.left_on, today);
    let reason = e.text("reason", &input.reason, 500);
    e.finish()?;
    end(conn, space_id, id, End::Left(on.unwrap_or(today), reason), cx.by(), |_| Ok(()))
}

pub fn register_of(
    conn: &mut DbConnection,
    space_id: &SpaceId,
    now: NaiveDateTime,
) -> AppResult<Vec<IncubateeView>> {
    let today = crate::domain::china_time(now).date();
    Ok(repo::incubatees_of(conn, space_id)?.into_iter().map(|r| view(r, today)).collect())
}

/// What the register says today, as figures of an application or a filing.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct RegisterFigures {
    pub incubatees_ever: i64,
    pub incubatees: i64,
    pub graduated_total: i64,
}

pub fn figures(conn: &mut DbConnection, space_id: &SpaceId) -> AppResult<RegisterFigures> {
    let rows = repo::incubatees_of(conn, space_id)?;
    Ok(RegisterFigures {
        incubatees_ever: rows.len() as i64,
        incubatees: rows.iter().filter(|r| r.graduated_on.is_none() && r.left_on.is_none()).count()
            as i64,
        graduated_total: rows.iter().filter(|r| r.graduated_on.is_some()).count() as i64,
    })
}

/// Fills the register's figures into filed figures that leave them out (a space with
/// an empty register fills nothing): what the space typed stands where it typed it.
pub fn fill_from_register(
    conn: &mut DbConnection,
    space_id: &SpaceId,
    figures: &mut serde_json::Map<String, serde_json::Value>,
) -> AppResult<()> {
    let f = figures_of(conn, space_id)?;
    if let Some(f) = f {
        for (id, v) in [
            ("incubatees_ever", f.incubatees_ever),
            ("incubatees", f.incubatees),
            ("graduated_total", f.graduated_total),
        ] {
            figures.entry(id.to_string()).or_insert_with(|| serde_json::Value::from(v));
        }
    }
    Ok(())
}

fn figures_of(conn: &mut DbConnection, space_id: &SpaceId) -> AppResult<Option<RegisterFigures>> {
    if parties::space(conn, space_id)?.is_none() {
        return Err(AppError::not_found("space"));
    }
    let f = figures(conn, space_id)?;
    Ok((f.incubatees_ever > 0).then_some(f))
}
