//! Fixed subsidies and awards for certified carriers: the policies as data
//! (`config/policy/subsidies.toml`), what each certification is entitled to and when,
//! the yearly statistics (火炬统计) rules, overlap of grants in the duplicate-support
//! register (避免多头重复支持), and the Zhejiang-style performance score. Pure: the
//! certifications, earlier entitlements and filings come from the caller.

use super::certification::{BenefitWindow, FigureValue, Figures, SchemeLevel};
use super::id::{CertificationId, SpaceId};
use super::settlement::Period;
use super::Fen;
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

super::text_enum! {
    /// What a policy pays for.
    pub enum SubsidyBasis {
        /// Once per certification level, due the month benefits start.
        Certification => "certification",
        /// Each calendar year a certification was in force, by months, after the year.
        Yearly => "yearly",
        /// The yearly performance evaluation's winners.
        PerformanceAward => "performance_award",
    }
}

super::text_enum! {
    /// What a one-time award pays when a space certified at one level is certified at a
    /// higher one.
    pub enum UpgradeRule {
        /// The higher level's amount less what was already paid.
        Difference => "difference",
        /// The higher level's full amount.
        Full => "full",
        /// Nothing: the first award is the only one.
        #[serde(rename = "none")]
        Nothing => "none",
    }
}

super::text_enum! {
    /// What happens when the register already holds a grant for the same beneficiary,
    /// purpose and period.
    pub enum DuplicateRule {
        /// The entitlement waits for a reviewer, who sees the earlier grant.
        Flag => "flag",
        /// The entitlement is refused at once, naming the earlier grant.
        Refuse => "refuse",
    }
}

super::text_enum! {
    pub enum EntitlementStatus {
        /// Published (公示) until its notice ends; then a reviewer decides.
        InNotice => "in_notice",
        /// Approved: paid by the next settlement run.
        Payable => "payable",
        Paid => "paid",
        Rejected => "rejected",
    }
}

/// One subsidy policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SubsidyPolicyDef {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The purpose recorded in the duplicate-support register: two grants with the same
    /// purpose for overlapping periods are duplicates, whatever policy made them.
    pub purpose: String,
    pub basis: SubsidyBasis,
    /// The schemes whose certifications it pays for (not for performance awards).
    pub schemes: Vec<String>,
    /// Yuan by level (certification and yearly policies).
    #[schema(value_type = BTreeMap<String, String>)]
    pub amounts: BTreeMap<String, Fen>,
    /// Yuan per winner (performance awards).
    #[schema(value_type = Option<String>)]
    pub amount: Option<Fen>,
    pub upgrade: UpgradeRule,
    pub on_duplicate: DuplicateRule,
    /// No entitlement while the space has a yearly statistics filing overdue.
    pub suspend_without_statistics: bool,
    pub enabled: bool,
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    code: String,
    name_zh: String,
    name_en: String,
    purpose: String,
    basis: SubsidyBasis,
    #[serde(default)]
    schemes: Vec<String>,
    #[serde(default)]
    amounts: BTreeMap<String, String>,
    #[serde(default)]
    amount: Option<String>,
    #[serde(default = "upgrade_default")]
    upgrade: UpgradeRule,
    #[serde(default = "duplicate_default")]
    on_duplicate: DuplicateRule,
    #[serde(default)]
    suspend_without_statistics: bool,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    source: String,
}

fn upgrade_default() -> UpgradeRule {
    UpgradeRule::Difference
}
fn duplicate_default() -> DuplicateRule {
    DuplicateRule::Flag
}
fn yes() -> bool {
    true
}

fn positive_yuan(what: &str, s: &str) -> Result<Fen, String> {
    let f = Fen::parse_yuan(s).map_err(|e| format!("{what}: {s:?}: {e}"))?;
    if f.get() <= 0 {
        return Err(format!("{what}: must be more than zero"));
    }
    Ok(f)
}

impl TryFrom<PolicyFile> for SubsidyPolicyDef {
    type Error = String;
    fn try_from(f: PolicyFile) -> Result<Self, String> {
        let mut amounts = BTreeMap::new();
        for (level, yuan) in &f.amounts {
            if SchemeLevel::parse(level).is_none() {
                return Err(format!(
                    "policy {}: amounts.{level}: levels are national, provincial, municipal",
                    f.code
                ));
            }
            amounts.insert(
                level.clone(),
                positive_yuan(&format!("policy {} amounts.{level}", f.code), yuan)?,
            );
        }
        let amount = f
            .amount
            .as_deref()
            .map(|a| positive_yuan(&format!("policy {} amount", f.code), a))
            .transpose()?;
        match f.basis {
            SubsidyBasis::PerformanceAward if amount.is_none() => {
                return Err(format!("policy {}: a performance award needs amount", f.code))
            }
            SubsidyBasis::Certification | SubsidyBasis::Yearly
                if amounts.is_empty() || f.schemes.is_empty() =>
            {
                return Err(format!("policy {}: needs schemes and amounts by level", f.code))
            }
            _ => {}
        }
        if f.code.trim().is_empty() || f.purpose.trim().is_empty() {
            return Err("every policy needs a code and a purpose".into());
        }
        Ok(SubsidyPolicyDef {
            code: f.code,
            name_zh: f.name_zh,
            name_en: f.name_en,
            purpose: f.purpose,
            basis: f.basis,
            schemes: f.schemes,
            amounts,
            amount,
            upgrade: f.upgrade,
            on_duplicate: f.on_duplicate,
            suspend_without_statistics: f.suspend_without_statistics,
            enabled: f.enabled,
            source: f.source,
        })
    }
}

impl<'de> Deserialize<'de> for SubsidyPolicyDef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = PolicyFile::deserialize(d)?;
        SubsidyPolicyDef::try_from(f).map_err(serde::de::Error::custom)
    }
}

impl SubsidyPolicyDef {
    pub fn amount_for(&self, level: SchemeLevel) -> Option<Fen> {
        self.amounts.get(level.as_str()).copied()
    }
}

/// Yearly statistics (火炬统计): which figures a filing holds and when it is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatisticsRules {
    /// The filing for year Y is due by this day of year Y+1, `MM-DD`.
    pub deadline: String,
    /// Figure ids (from the certification figures catalogue) every filing must hold.
    pub figures: Vec<String>,
}

impl StatisticsRules {
    /// The last day to file the statistics of `year`.
    pub fn deadline_of(&self, year: i32) -> Option<NaiveDate> {
        let (m, d) = self.deadline.split_once('-')?;
        NaiveDate::from_ymd_opt(year + 1, m.parse().ok()?, d.parse().ok()?)
    }
}

/// One indicator of the performance evaluation: a cumulative figure of the yearly
/// statistics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub figure: String,
    #[serde(default = "one")]
    #[schema(value_type = String)]
    pub weight: Decimal,
}

fn one() -> Decimal {
    Decimal::ONE
}

/// The Zhejiang-style yearly performance evaluation of filed maker spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardRules {
    /// The subsidy policy (basis `performance_award`) that pays the winners.
    pub policy: String,
    /// Certifications of these schemes take part.
    pub schemes: Vec<String>,
    pub top_n: u32,
    pub title_zh: String,
    pub title_years: u32,
    /// Share of the score from cumulative totals; the rest is the increase over last year.
    #[schema(value_type = String)]
    pub cumulative_share: Decimal,
    pub indicators: Vec<Indicator>,
    /// The figure counting special cases, each worth `points_per_special_case`.
    pub special_cases_figure: String,
    #[schema(value_type = String)]
    pub points_per_special_case: Decimal,
    #[schema(value_type = String)]
    pub max_special_points: Decimal,
}

/// `config/policy/subsidies.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubsidyConfig {
    /// Days an entitlement is publicly noticed (公示) before it can be approved.
    pub notice_days: u32,
    pub statistics: StatisticsRules,
    pub policies: Vec<SubsidyPolicyDef>,
    pub performance_award: Option<AwardRules>,
}

impl Default for SubsidyConfig {
    fn default() -> Self {
        SubsidyConfig {
            notice_days: 7,
            statistics: StatisticsRules { deadline: "03-31".into(), figures: Vec::new() },
            policies: Vec::new(),
            performance_award: None,
        }
    }
}

impl SubsidyConfig {
    pub fn policy(&self, code: &str) -> Option<&SubsidyPolicyDef> {
        self.policies.iter().find(|p| p.code == code)
    }

    /// Checks the file against the schemes and figures it names.
    pub fn validate(&self, cert: &super::certification::CertificationPolicy) -> Result<(), String> {
        if !(1..=90).contains(&self.notice_days) {
            return Err("notice_days must be 1–90".into());
        }
        if self.statistics.deadline_of(2025).is_none() {
            return Err(format!("statistics.deadline {:?} is not MM-DD", self.statistics.deadline));
        }
        let figure = |id: &str, what: &str| {
            if cert.figure(id).is_some() {
                Ok(())
            } else {
                Err(format!("{what}: no figure {id} in figures.toml"))
            }
        };
        for f in &self.statistics.figures {
            figure(f, "statistics.figures")?;
        }
        let mut seen = std::collections::BTreeSet::new();
        for p in &self.policies {
            if !seen.insert(p.code.as_str()) {
                return Err(format!("policy {} is defined twice", p.code));
            }
            for s in &p.schemes {
                if cert.scheme(s).is_none() {
                    return Err(format!("policy {}: no scheme {s}", p.code));
                }
            }
        }
        if let Some(a) = &self.performance_award {
            match self.policy(&a.policy) {
                Some(p) if p.basis == SubsidyBasis::PerformanceAward => {}
                _ => {
                    return Err(format!(
                        "performance_award.policy {}: no performance_award policy of that code",
                        a.policy
                    ))
                }
            }
            for s in &a.schemes {
                if cert.scheme(s).is_none() {
                    return Err(format!("performance_award: no scheme {s}"));
                }
            }
            if a.indicators.is_empty() || a.top_n == 0 || a.title_years == 0 {
                return Err("performance_award needs indicators, top_n and title_years".into());
            }
            if a.cumulative_share < Decimal::ZERO || a.cumulative_share > Decimal::ONE {
                return Err("performance_award.cumulative_share must be 0–1".into());
            }
            for i in &a.indicators {
                figure(&i.figure, "performance_award.indicators")?;
                if i.weight <= Decimal::ZERO {
                    return Err(format!("indicator {}: weight must be positive", i.figure));
                }
            }
            figure(&a.special_cases_figure, "performance_award.special_cases_figure")?;
        }
        Ok(())
    }
}

/// A certification as the entitlement computation sees it.
#[derive(Debug, Clone)]
pub struct CertFact {
    pub id: CertificationId,
    pub scheme: String,
    pub level: SchemeLevel,
    pub window: BenefitWindow,
}

/// An entitlement the space already has under the policy (any status: a rejected one
/// still holds its period, so a re-run does not make it again).
#[derive(Debug, Clone)]
pub struct Prior {
    pub period: String,
    pub level: Option<SchemeLevel>,
    pub amount: Fen,
    pub rejected: bool,
}

/// What a computation found due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub period: String,
    pub certification_id: Option<CertificationId>,
    pub level: Option<SchemeLevel>,
    pub amount: Fen,
    /// The first and last day the grant is for (for the duplicate-support register): the
    /// month an award on certification is due in, the year of a yearly subsidy.
    pub covers: (NaiveDate, NaiveDate),
    pub basis_zh: String,
    pub basis_en: String,
}

/// Something that would be due but is held back, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Suspended {
    pub period: String,
    pub reason_zh: String,
    pub reason_en: String,
}

fn level_zh(l: SchemeLevel) -> &'static str {
    match l {
        SchemeLevel::National => "国家级",
        SchemeLevel::Provincial => "省级",
        SchemeLevel::Municipal => "市级",
    }
}

fn month_days(p: Period) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(p.year, p.month, 1).unwrap_or_default();
    let next = p.next();
    let last = NaiveDate::from_ymd_opt(next.year, next.month, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    (first, last)
}

/// One-time awards on certification (`basis = "certification"`) due up to and
/// including `as_of`: one per certification level, due the month benefits start, if the
/// certification is still in force in that month. On an upgrade the rule decides; the
/// same level is never paid twice, nor a lower one after a higher.
pub fn certification_awards(
    policy: &SubsidyPolicyDef,
    certs: &[CertFact],
    prior: &[Prior],
    as_of: Period,
) -> Vec<Due> {
    let mut certs: Vec<&CertFact> = certs
        .iter()
        .filter(|c| policy.schemes.contains(&c.scheme))
        .filter(|c| c.window.first <= as_of && c.window.covers(c.window.first))
        .collect();
    // Month by month; within a month the higher level first.
    certs.sort_by(|a, b| {
        a.window
            .first
            .cmp(&b.window.first)
            .then(b.level.rank().cmp(&a.level.rank()))
            .then(a.id.cmp(&b.id))
    });
    let live = prior.iter().filter(|p| !p.rejected);
    let mut paid_max = live.clone().map(|p| p.amount).max().unwrap_or_default();
    let mut best = live.filter_map(|p| p.level).map(SchemeLevel::rank).max().unwrap_or(0);
    let mut periods: Vec<String> = prior.iter().map(|p| p.period.clone()).collect();
    let mut out = Vec::new();
    for c in certs {
        let period = c.window.first.to_string();
        let Some(full) = policy.amount_for(c.level) else {
            continue;
        };
        if periods.contains(&period) || c.level.rank() <= best {
            continue;
        }
        let amount = match policy.upgrade {
            UpgradeRule::Difference => full.get() - paid_max.get(),
            UpgradeRule::Full => full.get(),
            UpgradeRule::Nothing if best == 0 => full.get(),
            UpgradeRule::Nothing => 0,
        };
        if amount <= 0 {
            continue;
        }
        let (basis_zh, basis_en) = if best == 0 {
            (
                format!("{}认定一次性奖励 {} 元", level_zh(c.level), full),
                format!("one-time award for {} certification", c.level.as_str()),
            )
        } else {
            (
                format!(
                    "升级为{}：应奖 {} 元，已奖 {} 元，补差 {} 元",
                    level_zh(c.level),
                    full,
                    paid_max,
                    Fen::new(amount)
                ),
                format!("upgrade to {}: {full} less {paid_max} already paid", c.level.as_str()),
            )
        };
        out.push(Due {
            period: period.clone(),
            certification_id: Some(c.id.clone()),
            level: Some(c.level),
            amount: Fen::new(amount),
            covers: month_days(c.window.first),
            basis_zh,
            basis_en,
        });
        periods.push(period);
        best = c.level.rank();
        paid_max = paid_max.max(full);
    }
    out
}

/// Yearly subsidies (`basis = "yearly"`) for every calendar year over by `as_of` (the
/// month being computed): each month of the year a certification of the policy's
/// schemes was in force counts one twelfth of the amount for its level (the highest
/// level when several are), rounded down to the fen so nothing is overpaid.
/// `statistics_filed(year)` says whether that year's statistics are in; with
/// `suspend_without_statistics` a year without them waits.
pub fn yearly_subsidies(
    policy: &SubsidyPolicyDef,
    certs: &[CertFact],
    prior: &[Prior],
    as_of: Period,
    statistics_filed: &dyn Fn(i32) -> bool,
) -> (Vec<Due>, Vec<Suspended>) {
    let certs: Vec<&CertFact> =
        certs.iter().filter(|c| policy.schemes.contains(&c.scheme)).collect();
    let (mut due, mut held) = (Vec::new(), Vec::new());
    let Some(first_year) = certs.iter().map(|c| c.window.first.year).min() else {
        return (due, held);
    };
    for year in first_year..as_of.year {
        let period = year.to_string();
        if prior.iter().any(|p| p.period == period) {
            continue;
        }
        let mut total = Decimal::ZERO;
        let mut months = 0;
        for month in 1..=12 {
            let m = Period { year, month };
            let level = certs
                .iter()
                .filter(|c| c.window.covers(m))
                .map(|c| c.level)
                .max_by_key(|l| l.rank());
            if let Some(amount) = level.and_then(|l| policy.amount_for(l)) {
                total += amount.to_yuan();
                months += 1;
            }
        }
        if months == 0 {
            continue;
        }
        if policy.suspend_without_statistics && !statistics_filed(year) {
            held.push(Suspended {
                period,
                reason_zh: format!("{year} 年度火炬统计数据未报送，补贴暂缓"),
                reason_en: format!("the {year} statistics are not filed"),
            });
            continue;
        }
        let yuan = (total / Decimal::from(12)).round_dp_with_strategy(2, RoundingStrategy::ToZero);
        let Ok(amount) = Fen::from_yuan_decimal(yuan) else {
            continue;
        };
        if amount.get() <= 0 {
            continue;
        }
        due.push(Due {
            period,
            certification_id: None,
            level: None,
            amount,
            covers: (
                NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
                NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
            ),
            basis_zh: format!("{year} 年度运营补贴：认定有效 {months} 个月"),
            basis_en: format!("{year} operating subsidy for {months} months certified"),
        });
    }
    (due, held)
}

/// Whether two grant periods overlap (both inclusive).
pub fn overlaps(a: (NaiveDate, NaiveDate), b: (NaiveDate, NaiveDate)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// The years whose statistics were overdue on `today` for a space certified over
/// `windows`: a year counts if the space was certified in any month of it.
pub fn overdue_statistics(
    rules: &StatisticsRules,
    windows: &[BenefitWindow],
    filed: &dyn Fn(i32) -> bool,
    today: NaiveDate,
) -> Vec<i32> {
    let Some(first) = windows.iter().map(|w| w.first.year).min() else {
        return Vec::new();
    };
    use chrono::Datelike;
    (first..today.year())
        .filter(|y| rules.deadline_of(*y).is_some_and(|d| d < today))
        .filter(|y| {
            (1..=12).any(|month| windows.iter().any(|w| w.covers(Period { year: *y, month })))
        })
        .filter(|y| !filed(*y))
        .collect()
}

/// One space's statistics as the evaluation sees them.
#[derive(Debug, Clone)]
pub struct Filed {
    pub space_id: SpaceId,
    pub credit_code: String,
    pub this_year: Figures,
    pub last_year: Option<Figures>,
    /// Holds the title from an earlier evaluation.
    pub holds_title: bool,
}

/// One indicator's part of a score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IndicatorScore {
    pub figure: String,
    #[schema(value_type = String)]
    pub cumulative: Decimal,
    #[schema(value_type = String)]
    pub increase: Decimal,
    /// 0–100: the space's value over the best value among the spaces evaluated.
    #[schema(value_type = String)]
    pub cumulative_normalised: Decimal,
    #[schema(value_type = String)]
    pub increase_normalised: Decimal,
}

/// A space's score, broken down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Score {
    #[schema(value_type = String)]
    pub space_id: SpaceId,
    pub rank: u32,
    pub indicators: Vec<IndicatorScore>,
    /// Weighted mean of the normalised cumulative values, 0–100.
    #[schema(value_type = String)]
    pub cumulative_part: Decimal,
    #[schema(value_type = String)]
    pub increase_part: Decimal,
    pub special_cases: u32,
    #[schema(value_type = String)]
    pub special_points: Decimal,
    /// share × cumulative + (1 − share) × increase + special points, to 4 places.
    #[schema(value_type = String)]
    pub total: Decimal,
    /// No statistics for the year before: the increase counts as zero.
    pub no_previous_year: bool,
    pub holds_title: bool,
    /// Among the top N.
    pub winner: bool,
    /// A winner not holding the title: paid and given the title.
    pub awarded: bool,
}

fn number(f: &Figures, id: &str) -> Decimal {
    match f.0.get(id) {
        Some(FigureValue::Number(d)) => *d,
        _ => Decimal::ZERO,
    }
}

fn normalised(v: Decimal, best: Decimal) -> Decimal {
    if best <= Decimal::ZERO || v <= Decimal::ZERO {
        Decimal::ZERO
    } else {
        v * Decimal::from(100) / best
    }
}

/// Scores and ranks the spaces: per indicator, the cumulative value this year and its
/// increase over last year (never below zero; zero without last year's filing), each
/// normalised to the best among the spaces; the weighted means combine by
/// `cumulative_share`; each special case adds its points up to the maximum. Ties go to
/// the higher cumulative part, then the lower credit code. The top N win; a winner
/// already holding the title keeps it and is not paid again.
pub fn score(rules: &AwardRules, spaces: &[Filed]) -> Vec<Score> {
    let mut best: BTreeMap<&str, (Decimal, Decimal)> = BTreeMap::new();
    let values = |s: &Filed, id: &str| {
        let cum = number(&s.this_year, id);
        let inc = s
            .last_year
            .as_ref()
            .map_or(Decimal::ZERO, |l| (cum - number(l, id)).max(Decimal::ZERO));
        (cum, inc)
    };
    for s in spaces {
        for i in &rules.indicators {
            let (c, n) = values(s, &i.figure);
            let b = best.entry(i.figure.as_str()).or_default();
            b.0 = b.0.max(c);
            b.1 = b.1.max(n);
        }
    }
    let weights: Decimal = rules.indicators.iter().map(|i| i.weight).sum();
    let mut scores: Vec<(Score, &str)> = spaces
        .iter()
        .map(|s| {
            let mut cum_part = Decimal::ZERO;
            let mut inc_part = Decimal::ZERO;
            let indicators = rules
                .indicators
                .iter()
                .map(|i| {
                    let (c, n) = values(s, &i.figure);
                    let (bc, bn) = best.get(i.figure.as_str()).copied().unwrap_or_default();
                    let (cn, nn) = (normalised(c, bc), normalised(n, bn));
                    cum_part += cn * i.weight;
                    inc_part += nn * i.weight;
                    IndicatorScore {
                        figure: i.figure.clone(),
                        cumulative: c,
                        increase: n,
                        cumulative_normalised: cn.round_dp(4).normalize(),
                        increase_normalised: nn.round_dp(4).normalize(),
                    }
                })
                .collect();
            if weights > Decimal::ZERO {
                cum_part /= weights;
                inc_part /= weights;
            }
            let cases = number(&s.this_year, &rules.special_cases_figure);
            let special_points =
                (cases * rules.points_per_special_case).min(rules.max_special_points);
            let total = rules.cumulative_share * cum_part
                + (Decimal::ONE - rules.cumulative_share) * inc_part
                + special_points;
            (
                Score {
                    space_id: s.space_id.clone(),
                    rank: 0,
                    indicators,
                    cumulative_part: cum_part.round_dp(4).normalize(),
                    increase_part: inc_part.round_dp(4).normalize(),
                    special_cases: u32::try_from(cases.trunc().mantissa()).unwrap_or(0),
                    special_points: special_points.normalize(),
                    total: total.round_dp(4).normalize(),
                    no_previous_year: s.last_year.is_none(),
                    holds_title: s.holds_title,
                    winner: false,
                    awarded: false,
                },
                s.credit_code.as_str(),
            )
        })
        .collect();
    scores.sort_by(|(a, ac), (b, bc)| {
        b.total.cmp(&a.total).then(b.cumulative_part.cmp(&a.cumulative_part)).then(ac.cmp(bc))
    });
    scores
        .into_iter()
        .enumerate()
        .map(|(i, (mut s, _))| {
            s.rank = i as u32 + 1;
            s.winner = s.rank <= rules.top_n;
            s.awarded = s.winner && !s.holds_title;
            s
        })
        .collect()
}

#[cfg(test)]
mod tests;
