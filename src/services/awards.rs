//! The yearly performance evaluation of filed maker spaces (Zhejiang style): every space
//! certified under the evaluated schemes that filed the year's statistics is scored and
//! ranked; the top N win; a winner not holding the title gets the one-time award (an
//! entitlement, through notice, approval and settlement) and the title for the
//! configured years. The ranking, each score broken down, is published and exportable.

use super::audit;
use crate::db::carriers as repo;
use crate::db::models::{PerformanceEvaluationRow, PerformanceScoreRow, SpaceRow};
use crate::db::{self, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::certification::{BenefitWindow, Figures};
use crate::domain::id::{EvaluationId, SpaceId};
use crate::domain::settlement::Period;
use crate::domain::subsidy::{score, Filed, IndicatorScore, Score};
use crate::domain::Policy;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::settlement::{csv_bytes, xlsx_bytes, FileFormat};
use crate::services::Cx;
use chrono::{Datelike, NaiveDateTime};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankedSpace {
    pub rank: u32,
    #[schema(value_type = String)]
    pub space_id: SpaceId,
    pub space_name: String,
    pub credit_code: String,
    #[schema(value_type = String, example = "87.5")]
    pub total: Decimal,
    #[schema(value_type = String)]
    pub cumulative_part: Decimal,
    #[schema(value_type = String)]
    pub increase_part: Decimal,
    pub special_cases: u32,
    #[schema(value_type = String)]
    pub special_points: Decimal,
    pub indicators: Vec<IndicatorScore>,
    pub no_previous_year: bool,
    pub winner: bool,
    pub holds_title: bool,
    /// Paid the award and given the title.
    pub awarded: bool,
    /// Awarded: the last year the title is held.
    pub title_until: Option<i32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationView {
    #[schema(value_type = String)]
    pub id: EvaluationId,
    pub year: i32,
    pub policy: String,
    pub title_zh: String,
    pub top_n: u32,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub computed_at: NaiveDateTime,
    pub ranking: Vec<RankedSpace>,
    /// The award entitlements this evaluation made (on evaluating only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entitlements: Option<Vec<super::subsidies::EntitlementView>>,
}

fn rules_of(policy: &Policy) -> AppResult<&crate::domain::subsidy::AwardRules> {
    policy
        .subsidies
        .performance_award
        .as_ref()
        .ok_or_else(|| AppError::of(ErrorCode::PerformanceAwardNotConfigured))
}

fn view(
    ev: &PerformanceEvaluationRow,
    rows: Vec<(PerformanceScoreRow, SpaceRow)>,
) -> AppResult<EvaluationView> {
    #[derive(serde::Deserialize)]
    struct Rules {
        title_zh: String,
        top_n: u32,
    }
    let rules: Rules = serde_json::from_str(&ev.rules)
        .map_err(|_| AppError::internal(format!("evaluation {}: bad rules", ev.id)))?;
    let mut ranking = Vec::with_capacity(rows.len());
    for (r, s) in rows {
        let sc: Score = serde_json::from_str(&r.breakdown)
            .map_err(|_| AppError::internal(format!("evaluation {}: bad score", ev.id)))?;
        ranking.push(RankedSpace {
            rank: sc.rank,
            space_id: s.id,
            space_name: s.name,
            credit_code: s.credit_code.into_string(),
            total: sc.total,
            cumulative_part: sc.cumulative_part,
            increase_part: sc.increase_part,
            special_cases: sc.special_cases,
            special_points: sc.special_points,
            indicators: sc.indicators,
            no_previous_year: sc.no_previous_year,
            winner: r.winner,
            holds_title: r.holds_title,
            awarded: r.awarded,
            title_until: r.title_until_year.map(|y| y + 1),
        });
    }
    Ok(EvaluationView {
        id: ev.id.clone(),
        year: ev.year,
        policy: ev.policy.clone(),
        title_zh: rules.title_zh,
        top_n: rules.top_n,
        computed_at: ev.computed_at,
        ranking,
        entitlements: None,
    })
}

/// Evaluates `year`, once: after the year's statistics deadline.
pub fn evaluate(conn: &mut DbConnection, cx: Cx<'_>, year: i32) -> AppResult<EvaluationView> {
    let rules = rules_of(cx.policy)?;
    let today = crate::domain::china_time(cx.now).date();
    if year < 2000 || year >= today.year() {
        return Err(AppError::of(ErrorCode::YearNotOver).arg("year", year));
    }
    if let Some(d) = cx.policy.subsidies.statistics.deadline_of(year) {
        if today <= d {
            return Err(AppError::of(ErrorCode::StatisticsDeadlineNotPassed)
                .arg("year", year)
                .arg("due", d));
        }
    }
    let award_policy = cx
        .policy
        .subsidies
        .policy(&rules.policy)
        .ok_or_else(|| AppError::internal("performance award policy missing"))?;
    db::write_tx(conn, |c| -> AppResult<_> {
        if repo::evaluation_of_year(c, year)?.is_some() {
            return Err(AppError::of(ErrorCode::AlreadyEvaluated).arg("year", year));
        }
        // Spaces certified under an evaluated scheme in any month of the year.
        let mut spaces: BTreeMap<SpaceId, SpaceRow> = BTreeMap::new();
        for (cert, space) in repo::all_certifications(c)? {
            if !rules.schemes.contains(&cert.scheme) {
                continue;
            }
            let w = BenefitWindow::of(cert.certified_on, cert.valid_until, cert.revoked_on);
            if (1..=12).any(|month| w.covers(Period { year, month })) {
                spaces.insert(space.id.clone(), space);
            }
        }
        let holders: BTreeSet<SpaceId> = repo::title_holders(c, year)?.into_iter().collect();
        let this: BTreeMap<SpaceId, String> =
            repo::filings_of_year(c, year)?.into_iter().map(|(f, s)| (s.id, f.figures)).collect();
        let last: BTreeMap<SpaceId, String> = repo::filings_of_year(c, year - 1)?
            .into_iter()
            .map(|(f, s)| (s.id, f.figures))
            .collect();
        let parse = |s: &str| {
            serde_json::from_str::<serde_json::Value>(s)
                .map(|v| Figures::from_stored(&v))
                .map_err(|_| AppError::internal("bad stored figures"))
        };
        let mut filed = Vec::new();
        for (id, space) in &spaces {
            let Some(figs) = this.get(id) else { continue };
            filed.push(Filed {
                space_id: id.clone(),
                credit_code: space.credit_code.to_string(),
                this_year: parse(figs)?,
                last_year: last.get(id).map(|f| parse(f)).transpose()?,
                holds_title: holders.contains(id),
            });
        }
        let scores = score(rules, &filed);
        let ev = PerformanceEvaluationRow {
            id: EvaluationId::new(),
            year,
            policy: rules.policy.clone(),
            rules: serde_json::to_string(rules).map_err(|e| AppError::internal(e.to_string()))?,
            space_count: scores.len() as i32,
            awarded_count: scores.iter().filter(|s| s.awarded).count() as i32,
            computed_by: cx.actor.user_id.clone(),
            computed_at: cx.now,
        };
        let title_until = year + rules.title_years as i32 - 1;
        let rows: Vec<PerformanceScoreRow> = scores
            .iter()
            .map(|s| {
                Ok(PerformanceScoreRow {
                    evaluation_id: ev.id.clone(),
                    space_id: s.space_id.clone(),
                    rank: s.rank as i32,
                    total: s.total.normalize().to_string(),
                    breakdown: serde_json::to_string(s)
                        .map_err(|e| AppError::internal(e.to_string()))?,
                    winner: s.winner,
                    holds_title: s.holds_title,
                    awarded: s.awarded,
                    title_until_year: s.awarded.then_some(title_until),
                })
            })
            .collect::<AppResult<_>>()?;
        repo::insert_evaluation(c, &ev, &rows)?;
        audit::record(c, cx.by(), audit::Change::new(Fixed::PerformanceEvaluated, &ev.id).after(&serde_json::json!({
                    "year": year,
                    "spaces": ev.space_count,
                    "awarded": ev.awarded_count,
                    "ranking": scores.iter().map(|s| (s.rank, &s.space_id, s.total.normalize().to_string())).collect::<Vec<_>>(),
                })))?;
        let awarded: Vec<(SpaceRow, u32)> = scores
            .iter()
            .filter(|s| s.awarded)
            .filter_map(|s| spaces.get(s.space_id.as_str()).map(|sp| (sp.clone(), s.rank)))
            .collect();
        let entitlements = if award_policy.enabled {
            super::subsidies::award_entitlements(c, cx, award_policy, &ev.id, year, &awarded)?
        } else {
            Vec::new()
        };
        let mut out = view(&ev, repo::scores_of(c, &ev.id)?)?;
        out.entitlements = Some(entitlements);
        Ok(out)
    })
}

pub fn evaluation(conn: &mut DbConnection, year: i32) -> AppResult<EvaluationView> {
    let ev = repo::evaluation_of_year(conn, year)?
        .ok_or_else(|| AppError::not_found("performance evaluation"))?;
    let rows = repo::scores_of(conn, &ev.id)?;
    view(&ev, rows)
}

/// The ranking as a table: a row per space, each indicator's cumulative and increase
/// values and their normalised scores in columns.
pub fn ranking_file(
    policy: &Policy,
    ev: &EvaluationView,
    format: FileFormat,
) -> AppResult<Vec<u8>> {
    let figure_name = |id: &str| {
        policy.certification.figure(id).map_or_else(|| id.to_string(), |f| f.name_zh.clone())
    };
    let mut header: Vec<String> = [
        "名次",
        "众创空间",
        "统一社会信用代码",
        "总分",
        "累计总量得分",
        "年度增量得分",
        "特色案例数",
        "特色加分",
        "入围",
        "已获称号",
        "本次奖励",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(first) = ev.ranking.first() {
        for i in &first.indicators {
            let n = figure_name(&i.figure);
            header.push(format!("{n}（累计）"));
            header.push(format!("{n}（增量）"));
            header.push(format!("{n}（累计得分）"));
            header.push(format!("{n}（增量得分）"));
        }
    }
    let yes = |b: bool| if b { "是" } else { "否" }.to_string();
    let rows: Vec<Vec<String>> = ev
        .ranking
        .iter()
        .map(|r| {
            let mut row = vec![
                r.rank.to_string(),
                r.space_name.clone(),
                r.credit_code.clone(),
                r.total.normalize().to_string(),
                r.cumulative_part.normalize().to_string(),
                r.increase_part.normalize().to_string(),
                r.special_cases.to_string(),
                r.special_points.normalize().to_string(),
                yes(r.winner),
                yes(r.holds_title),
                yes(r.awarded),
            ];
            for i in &r.indicators {
                row.push(i.cumulative.normalize().to_string());
                row.push(i.increase.normalize().to_string());
                row.push(i.cumulative_normalised.normalize().to_string());
                row.push(i.increase_normalised.normalize().to_string());
            }
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    match format {
        FileFormat::Csv => csv_bytes(&header, &rows),
        FileFormat::Xlsx => xlsx_bytes(&format!("{}年度绩效评价", ev.year), &header, &rows),
    }
}
