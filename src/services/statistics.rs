//! Yearly statistics (火炬统计) of certified carriers: filings, the deadline, and who is
//! missing.

use super::audit;
use crate::db::carriers as repo;
use crate::db::models::StatisticsFilingRow;
use crate::db::{self, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::certification::{check_figures, BenefitWindow};
use crate::domain::id::FilingId;
use crate::domain::id::SpaceId;
use crate::domain::settlement::Period;
use crate::domain::validation::FieldErrors;
use crate::domain::Policy;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::Cx;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingInput {
    /// The calendar year the figures are for (over by now).
    #[schema(minimum = 2000, maximum = 2999)]
    pub year: i32,
    /// As for certification figures; `GET /api/v1/policy/subsidies` lists the ones
    /// every filing must hold.
    #[schema(value_type = Object)]
    pub figures: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FilingView {
    #[schema(value_type = String)]
    pub id: FilingId,
    #[schema(value_type = String)]
    pub space_id: SpaceId,
    pub year: i32,
    #[schema(value_type = Object)]
    pub figures: serde_json::Value,
    pub deadline: Option<NaiveDate>,
    /// Filed after the deadline.
    pub late: bool,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub filed_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub updated_at: NaiveDateTime,
}

fn view(policy: &Policy, r: StatisticsFilingRow) -> AppResult<FilingView> {
    Ok(FilingView {
        figures: serde_json::from_str(&r.figures)
            .map_err(|_| AppError::internal(format!("filing {}: bad figures", r.id)))?,
        deadline: policy.subsidies.statistics.deadline_of(r.year),
        id: r.id,
        space_id: r.space_id,
        year: r.year,
        late: r.late,
        filed_at: r.filed_at,
        updated_at: r.updated_at,
    })
}

/// A space files (or, until the year is evaluated, corrects) its statistics for a year
/// that is over.
pub fn file(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    space_id: &SpaceId,
    input: &FilingInput,
) -> AppResult<FilingView> {
    let today = crate::domain::china_time(cx.now).date();
    let mut e = FieldErrors::new();
    if input.year >= today.year() || input.year < 2000 {
        e.add(
            "year",
            ErrorCode::StatisticsYearInvalid,
            "只能报送已结束年度的统计数据",
            "statistics are filed for a year that is over",
        );
    }
    let rules = &cx.policy.subsidies.statistics;
    let required: BTreeSet<String> = rules.figures.iter().cloned().collect();
    let mut filed = input.figures.clone();
    super::incubatees::fill_from_register(conn, space_id, &mut filed)?;
    let figures = check_figures(&cx.policy.certification, &filed, Some(&required), today, &mut e);
    e.finish()?;
    let late = rules.deadline_of(input.year).is_some_and(|d| today > d);
    db::write_tx(conn, |c| -> AppResult<_> {
        if repo::evaluation_of_year(c, input.year)?.is_some() {
            return Err(AppError::of(ErrorCode::StatisticsLocked).arg("year", input.year));
        }
        let row = match repo::filing(c, space_id, input.year)? {
            Some(before) => {
                let after = StatisticsFilingRow {
                    figures: figures.to_json().to_string(),
                    updated_at: cx.now,
                    filed_by: cx.actor.user_id.clone(),
                    ..before.clone()
                };
                repo::update_filing(c, &after)?;
                audit::record(
                    c,
                    cx.by(),
                    audit::Change::moved(Fixed::StatisticsCorrected, &before, &after),
                )?;
                after
            }
            None => {
                let row = StatisticsFilingRow {
                    id: FilingId::new(),
                    space_id: space_id.clone(),
                    year: input.year,
                    figures: figures.to_json().to_string(),
                    late,
                    filed_by: cx.actor.user_id.clone(),
                    filed_at: cx.now,
                    updated_at: cx.now,
                };
                repo::insert_filing(c, &row)?;
                audit::record(c, cx.by(), audit::Change::created(Fixed::StatisticsFiled, &row))?;
                row
            }
        };
        view(cx.policy, row)
    })
}

pub fn filings_of(
    conn: &mut DbConnection,
    policy: &Policy,
    space_id: &SpaceId,
) -> AppResult<Vec<FilingView>> {
    repo::filings_of_space(conn, space_id)?.into_iter().map(|r| view(policy, r)).collect()
}

crate::domain::text_enum! {
    pub enum FilingState {
        /// Filed by the deadline.
        Filed => "filed",
        /// Filed after the deadline.
        Late => "late",
        /// Not filed, and the deadline has passed: flagged (subsidies that require
        /// statistics are suspended).
        Missing => "missing",
        /// Not filed yet; the deadline is still ahead.
        Due => "due",
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FilingStatus {
    #[schema(value_type = String)]
    pub space_id: SpaceId,
    pub space_name: String,
    pub credit_code: String,
    /// The schemes the space was certified under in that year.
    pub schemes: Vec<String>,
    pub state: FilingState,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub filed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearStatus {
    pub year: i32,
    pub deadline: Option<NaiveDate>,
    pub spaces: Vec<FilingStatus>,
    /// How many are missing.
    pub missing: usize,
}

/// Every space certified in any month of `year`, with where its filing stands.
pub fn year_status(
    conn: &mut DbConnection,
    policy: &Policy,
    year: i32,
    now: NaiveDateTime,
) -> AppResult<YearStatus> {
    let today = crate::domain::china_time(now).date();
    if !(2000..=today.year()).contains(&year) {
        return Err(AppError::of(ErrorCode::YearInvalid));
    }
    let deadline = policy.subsidies.statistics.deadline_of(year);
    db::read_tx(conn, |c| {
        let mut spaces: BTreeMap<SpaceId, FilingStatus> = BTreeMap::new();
        for (cert, space) in repo::all_certifications(c)? {
            let w = BenefitWindow::of(cert.certified_on, cert.valid_until, cert.revoked_on);
            if !(1..=12).any(|month| w.covers(Period { year, month })) {
                continue;
            }
            spaces
                .entry(space.id.clone())
                .or_insert_with(|| FilingStatus {
                    space_id: space.id.clone(),
                    space_name: space.name.clone(),
                    credit_code: space.credit_code.to_string(),
                    schemes: Vec::new(),
                    state: FilingState::Due,
                    filed_at: None,
                })
                .schemes
                .push(cert.scheme);
        }
        let filed: BTreeMap<SpaceId, StatisticsFilingRow> =
            repo::filings_of_year(c, year)?.into_iter().map(|(f, s)| (s.id, f)).collect();
        let mut missing = 0;
        let mut out: Vec<FilingStatus> = spaces.into_values().collect();
        for s in &mut out {
            s.state = match filed.get(&s.space_id) {
                Some(f) => {
                    s.filed_at = Some(f.filed_at);
                    if f.late {
                        FilingState::Late
                    } else {
                        FilingState::Filed
                    }
                }
                None if deadline.is_some_and(|d| today > d) => {
                    missing += 1;
                    FilingState::Missing
                }
                None => FilingState::Due,
            };
        }
        Ok(YearStatus { year, deadline, spaces: out, missing })
    })
}
