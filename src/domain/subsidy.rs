//! Fixed subsidies and awards for certified carriers: the policies as data
//! (`config/policy/subsidies.toml`), what each certification is entitled to and when,
//! the yearly statistics (火炬统计) rules, overlap of grants in the duplicate-support
//! register (避免多头重复支持), and the Zhejiang-style performance score. Pure: the
//! certifications, earlier entitlements and filings come from the caller.

use super::certification::{BenefitWindow, FigureValue, Figures, SchemeLevel};
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
                return Err(format!(
                    "policy {}: a performance award needs amount",
                    f.code
                ))
            }
            SubsidyBasis::Certification | SubsidyBasis::Yearly
                if amounts.is_empty() || f.schemes.is_empty() =>
            {
                return Err(format!(
                    "policy {}: needs schemes and amounts by level",
                    f.code
                ))
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
            statistics: StatisticsRules {
                deadline: "03-31".into(),
                figures: Vec::new(),
            },
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
            return Err(format!(
                "statistics.deadline {:?} is not MM-DD",
                self.statistics.deadline
            ));
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
            figure(
                &a.special_cases_figure,
                "performance_award.special_cases_figure",
            )?;
        }
        Ok(())
    }
}

/// A certification as the entitlement computation sees it.
#[derive(Debug, Clone)]
pub struct CertFact {
    pub id: String,
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
    pub certification_id: Option<String>,
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
    let mut best = live
        .filter_map(|p| p.level)
        .map(SchemeLevel::rank)
        .max()
        .unwrap_or(0);
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
                format!(
                    "upgrade to {}: {full} less {paid_max} already paid",
                    c.level.as_str()
                ),
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
    let certs: Vec<&CertFact> = certs
        .iter()
        .filter(|c| policy.schemes.contains(&c.scheme))
        .collect();
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
    pub space_id: String,
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
    pub space_id: String,
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
        b.total
            .cmp(&a.total)
            .then(b.cumulative_part.cmp(&a.cumulative_part))
            .then(ac.cmp(bc))
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
mod tests {
    use super::*;

    fn policy(upgrade: UpgradeRule) -> SubsidyPolicyDef {
        SubsidyPolicyDef {
            code: "award".into(),
            name_zh: "奖励".into(),
            name_en: "award".into(),
            purpose: "carrier_certification_award".into(),
            basis: SubsidyBasis::Certification,
            schemes: vec!["ni".into(), "pi".into(), "mi".into()],
            amounts: [
                ("national", 1_000_000),
                ("provincial", 500_000),
                ("municipal", 100_000),
            ]
            .into_iter()
            .map(|(l, y)| (l.to_string(), Fen::new(y * 100)))
            .collect(),
            amount: None,
            upgrade,
            on_duplicate: DuplicateRule::Flag,
            suspend_without_statistics: false,
            enabled: true,
            source: String::new(),
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    fn cert(
        id: &str,
        scheme: &str,
        level: SchemeLevel,
        on: &str,
        revoked: Option<&str>,
    ) -> CertFact {
        CertFact {
            id: id.into(),
            scheme: scheme.into(),
            level,
            window: BenefitWindow::of(d(on), None, revoked.map(d)),
        }
    }

    fn prior(due: &[Due]) -> Vec<Prior> {
        due.iter()
            .map(|x| Prior {
                period: x.period.clone(),
                level: x.level,
                amount: x.amount,
                rejected: false,
            })
            .collect()
    }

    #[test]
    fn an_award_is_due_the_month_after_certification_and_once() {
        let pol = policy(UpgradeRule::Difference);
        let certs = [cert(
            "c1",
            "pi",
            SchemeLevel::Provincial,
            "2027-03-15",
            None,
        )];
        assert!(certification_awards(&pol, &certs, &[], p("2027-03")).is_empty());
        let due = certification_awards(&pol, &certs, &[], p("2027-04"));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].period, "2027-04");
        assert_eq!(due[0].amount, Fen::new(50_000_000));
        // A later run finds it made.
        assert!(certification_awards(&pol, &certs, &prior(&due), p("2027-09")).is_empty());
    }

    #[test]
    fn an_upgrade_pays_the_difference_and_the_same_level_is_never_paid_twice() {
        let pol = policy(UpgradeRule::Difference);
        let mut certs = vec![cert(
            "c1",
            "pi",
            SchemeLevel::Provincial,
            "2027-03-15",
            None,
        )];
        let first = certification_awards(&pol, &certs, &[], p("2027-04"));
        certs.push(cert("c2", "ni", SchemeLevel::National, "2028-06-01", None));
        let up = certification_awards(&pol, &certs, &prior(&first), p("2028-07"));
        assert_eq!(up.len(), 1);
        assert_eq!(up[0].amount, Fen::new(50_000_000), "1,000,000 less 500,000");
        assert_eq!(up[0].level, Some(SchemeLevel::National));
        let mut all = prior(&first);
        all.extend(prior(&up));
        // Certified provincial again (after a revocation): nothing.
        certs.push(cert(
            "c3",
            "pi",
            SchemeLevel::Provincial,
            "2029-01-10",
            None,
        ));
        assert!(certification_awards(&pol, &certs, &all, p("2030-01")).is_empty());
        // Full: the higher level in full; none: nothing after the first.
        let full = certification_awards(
            &policy(UpgradeRule::Full),
            &certs[..2],
            &prior(&first),
            p("2028-07"),
        );
        assert_eq!(full[0].amount, Fen::new(100_000_000));
        assert!(certification_awards(
            &policy(UpgradeRule::Nothing),
            &certs[..2],
            &prior(&first),
            p("2028-07")
        )
        .is_empty());
        // A rejected award does not count as paid, but its month is not made again.
        let rejected: Vec<Prior> = prior(&first)
            .into_iter()
            .map(|x| Prior {
                rejected: true,
                ..x
            })
            .collect();
        let again = certification_awards(&pol, &certs[..2], &rejected, p("2028-07"));
        assert_eq!(again[0].amount, Fen::new(100_000_000));
        assert!(certification_awards(&pol, &certs[..1], &rejected, p("2028-07")).is_empty());
    }

    #[test]
    fn a_certification_revoked_before_benefits_start_earns_nothing() {
        let pol = policy(UpgradeRule::Difference);
        // Revoked within the month of certification: benefits would start, and stop, in April.
        let certs = [cert(
            "c1",
            "pi",
            SchemeLevel::Provincial,
            "2027-03-05",
            Some("2027-03-20"),
        )];
        assert!(certification_awards(&pol, &certs, &[], p("2027-12")).is_empty());
        // Revoked in April: April is covered, the award stands.
        let certs = [cert(
            "c1",
            "pi",
            SchemeLevel::Provincial,
            "2027-03-05",
            Some("2027-04-02"),
        )];
        assert_eq!(
            certification_awards(&pol, &certs, &[], p("2027-12")).len(),
            1
        );
    }

    #[test]
    fn yearly_subsidies_count_the_months_in_force_and_stop_after_revocation() {
        let mut pol = policy(UpgradeRule::Difference);
        pol.basis = SubsidyBasis::Yearly;
        pol.amounts
            .insert("provincial".into(), Fen::new(12_000_000));
        // Certified 2027-03-15: April–December 2027 (9 months); revoked 2028-05-10:
        // January–May 2028 (5 months), nothing after.
        let certs = [cert(
            "c1",
            "pi",
            SchemeLevel::Provincial,
            "2027-03-15",
            Some("2028-05-10"),
        )];
        let filed = |_: i32| true;
        let (due, held) = yearly_subsidies(&pol, &certs, &[], p("2027-12"), &filed);
        assert!(due.is_empty() && held.is_empty(), "2027 is not over");
        let (due, _) = yearly_subsidies(&pol, &certs, &[], p("2030-01"), &filed);
        let got: Vec<(&str, i64)> = due
            .iter()
            .map(|x| (x.period.as_str(), x.amount.get()))
            .collect();
        assert_eq!(got, vec![("2027", 9_000_000), ("2028", 5_000_000)]);
        // Suspended without the year's statistics.
        pol.suspend_without_statistics = true;
        let (due, held) = yearly_subsidies(&pol, &certs, &prior(&due[..1]), p("2030-01"), &|y| {
            y != 2028
        });
        assert!(due.is_empty());
        assert_eq!(held[0].period, "2028");
        // Rounded down to the fen: 100,000.01 a year for 1 month.
        pol.amounts
            .insert("provincial".into(), Fen::new(10_000_001));
        pol.suspend_without_statistics = false;
        let one = [cert(
            "c1",
            "pi",
            SchemeLevel::Provincial,
            "2027-11-15",
            Some("2027-12-31"),
        )];
        let (due, _) = yearly_subsidies(&pol, &one, &[], p("2028-01"), &filed);
        assert_eq!(due[0].amount, Fen::new(833_333));
    }

    #[test]
    fn an_expired_certification_produces_nothing_for_a_later_month() {
        let mut pol = policy(UpgradeRule::Difference);
        pol.basis = SubsidyBasis::Yearly;
        pol.amounts
            .insert("provincial".into(), Fen::new(12_000_000));
        // Valid for one year from 2027-03-15: to 2028-03-14; benefits April 2027 to
        // March 2028, nothing from April 2028.
        let until = crate::domain::certification::valid_until(d("2027-03-15"), Some(1));
        assert_eq!(until, Some(d("2028-03-14")));
        let certs = [CertFact {
            id: "c1".into(),
            scheme: "pi".into(),
            level: SchemeLevel::Provincial,
            window: BenefitWindow::of(d("2027-03-15"), until, None),
        }];
        let (due, _) = yearly_subsidies(&pol, &certs, &[], p("2031-01"), &|_| true);
        let got: Vec<(&str, i64)> = due
            .iter()
            .map(|x| (x.period.as_str(), x.amount.get()))
            .collect();
        assert_eq!(got, vec![("2027", 9_000_000), ("2028", 3_000_000)]);
        // A one-time award for a certification that expired before its first month:
        // nothing (valid_until before the month after certification cannot happen with
        // whole years, so the window is built directly).
        let gone = [CertFact {
            id: "c2".into(),
            scheme: "pi".into(),
            level: SchemeLevel::Provincial,
            window: BenefitWindow::of(d("2027-03-15"), Some(d("2027-03-31")), None),
        }];
        let award = policy(UpgradeRule::Difference);
        assert!(certification_awards(&award, &gone, &[], p("2027-12")).is_empty());
    }

    #[test]
    fn overdue_statistics_count_years_certified_after_their_deadline() {
        let rules = StatisticsRules {
            deadline: "03-31".into(),
            figures: vec![],
        };
        let w = [BenefitWindow::of(d("2027-03-15"), None, None)];
        assert!(overdue_statistics(&rules, &w, &|_| false, d("2028-03-31")).is_empty());
        assert_eq!(
            overdue_statistics(&rules, &w, &|_| false, d("2028-04-01")),
            vec![2027]
        );
        assert!(overdue_statistics(&rules, &w, &|_| true, d("2029-06-01")).is_empty());
        assert_eq!(
            overdue_statistics(&rules, &w, &|y| y == 2027, d("2029-06-01")),
            vec![2028]
        );
    }

    #[test]
    fn grant_periods_overlap_inclusively() {
        assert!(overlaps(
            (d("2027-01-01"), d("2027-12-31")),
            (d("2027-12-31"), d("2028-12-31"))
        ));
        assert!(!overlaps(
            (d("2027-01-01"), d("2027-12-31")),
            (d("2028-01-01"), d("2028-12-31"))
        ));
    }

    fn figs(pairs: &[(&str, i64)]) -> Figures {
        Figures(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), FigureValue::Number(Decimal::from(*v))))
                .collect(),
        )
    }

    #[test]
    fn scores_normalise_weigh_cap_special_cases_and_rank() {
        let rules = AwardRules {
            policy: "zj".into(),
            schemes: vec![],
            top_n: 2,
            title_zh: "省级优秀众创空间".into(),
            title_years: 3,
            cumulative_share: Decimal::new(5, 1),
            indicators: vec![
                Indicator {
                    figure: "a".into(),
                    weight: Decimal::ONE,
                },
                Indicator {
                    figure: "b".into(),
                    weight: Decimal::ONE,
                },
            ],
            special_cases_figure: "s".into(),
            points_per_special_case: Decimal::ONE,
            max_special_points: Decimal::from(5),
        };
        let f = |id: &str, cc: &str, this: Figures, last: Option<Figures>, holds| Filed {
            space_id: id.into(),
            credit_code: cc.into(),
            this_year: this,
            last_year: last,
            holds_title: holds,
        };
        let spaces = [
            // Best totals, no growth: cumulative 100, increase 0 → 50 + 2 cases.
            f(
                "x",
                "1",
                figs(&[("a", 100), ("b", 50), ("s", 2)]),
                Some(figs(&[("a", 100), ("b", 50)])),
                false,
            ),
            // Half the totals, all the growth: 50 × .5 + 100 × .5 = 75, 9 cases capped at 5.
            f(
                "y",
                "2",
                figs(&[("a", 50), ("b", 25), ("s", 9)]),
                Some(figs(&[("a", 0), ("b", 0)])),
                true,
            ),
            // No last year: increase zero → 25.
            f("z", "3", figs(&[("a", 50), ("b", 25)]), None, false),
        ];
        let s = score(&rules, &spaces);
        let order: Vec<(&str, String)> = s
            .iter()
            .map(|x| (x.space_id.as_str(), x.total.normalize().to_string()))
            .collect();
        assert_eq!(
            order,
            vec![("y", "80".into()), ("x", "52".into()), ("z", "25".into())]
        );
        assert!(
            s[0].winner && !s[0].awarded,
            "a title holder is ranked but not paid"
        );
        assert!(s[1].winner && s[1].awarded);
        assert!(!s[2].winner && s[2].no_previous_year);
        assert_eq!(s[0].special_points, Decimal::from(5));
        assert_eq!(s[0].indicators[0].increase, Decimal::from(50));
    }
}
