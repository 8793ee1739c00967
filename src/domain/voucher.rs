//! Voucher programmes, batches and the claim rules: eligibility, per-firm limits, the
//! next-claim gate and batch state by clock and budget. Pure functions only.

use super::error_code::{fill, ErrorCode};
use super::id::{FirmId, ProgrammeId};
use super::money::Fen;
use super::SizeClass;
use chrono::{Datelike, Duration, Months, NaiveDateTime};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoucherKind {
    /// 通用券: any of the programme's categories.
    General,
    /// 专用券: a named service category only.
    Special,
}

impl VoucherKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VoucherKind::General => "general",
            VoucherKind::Special => "special",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::General, Self::Special].into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AllocationMode {
    /// 先到先得: first come, first served at the opening second.
    FirstCome,
    /// A draw among firms that registered interest before the opening.
    Lottery,
}

impl AllocationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AllocationMode::FirstCome => "first_come",
            AllocationMode::Lottery => "lottery",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::FirstCome, Self::Lottery].into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Qualification {
    HighTech,
    TechSme,
    RecommendedBySpace,
}

impl Qualification {
    pub fn as_str(self) -> &'static str {
        match self {
            Qualification::HighTech => "high_tech",
            Qualification::TechSme => "tech_sme",
            Qualification::RecommendedBySpace => "recommended_by_space",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::HighTech, Self::TechSme, Self::RecommendedBySpace]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The claim rules of a programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRules {
    pub eligible_size_classes: Vec<SizeClass>,
    pub exclude_dishonest: bool,
    pub revenue_ceiling: Option<Fen>,
    pub required_qualifications: Vec<Qualification>,
    pub per_batch_limit: i32,
    pub per_year_limit: i32,
    pub count_by_controller: bool,
    /// Share of earlier vouchers' face value that must be used before claiming again,
    /// in basis points (8000 = 80%).
    pub gate_used_share_bp: i32,
}

/// What the rules need to know about a firm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmFacts {
    pub onboarded: bool,
    pub size_class: SizeClass,
    pub dishonest: bool,
    /// On a screening list in force (not cleared): refused whatever the programme says.
    pub screened: Option<super::screening::ListType>,
    pub revenue: Fen,
    pub high_tech: bool,
    pub tech_sme: bool,
    pub recommended: bool,
}

/// Why a claim is refused. Each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotOpen,
    Closed,
    SoldOut,
    AlreadyClaimed,
    NotEligible(Ineligible),
    GateUnmet {
        used_bp: i64,
        required_bp: i32,
    },
    AnnualLimit {
        limit: i32,
    },
    /// The batch is allocated by lottery among registered firms, not by claims.
    Lottery,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    NotOnboarded,
    /// On a screening list (名单筛查) in force, not cleared.
    Screened(super::screening::ListType),
    SizeClass(SizeClass),
    Dishonest,
    RevenueAboveCeiling,
    MissingQualification(Qualification),
}

impl Ineligible {
    pub fn code(self) -> &'static str {
        match self {
            Ineligible::NotOnboarded => "not_onboarded",
            Ineligible::SizeClass(_) => "size_class",
            Ineligible::Dishonest => "dishonest",
            Ineligible::Screened(_) => "screened",
            Ineligible::RevenueAboveCeiling => "revenue_above_ceiling",
            Ineligible::MissingQualification(_) => "qualification_missing",
        }
    }
}

impl Refusal {
    /// The row of the table of error codes that answers this refusal.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Refusal::NotOpen => ErrorCode::BatchNotOpen,
            Refusal::Closed => ErrorCode::BatchClosed,
            Refusal::SoldOut => ErrorCode::BatchSoldOut,
            Refusal::AlreadyClaimed => ErrorCode::AlreadyClaimed,
            Refusal::NotEligible(i) => match i {
                Ineligible::NotOnboarded => ErrorCode::FirmNotOnboarded,
                Ineligible::SizeClass(_) => ErrorCode::FirmSizeClassNotEligible,
                Ineligible::Dishonest => ErrorCode::FirmDishonest,
                Ineligible::Screened(_) => ErrorCode::FirmScreened,
                Ineligible::RevenueAboveCeiling => ErrorCode::FirmRevenueAboveCeiling,
                Ineligible::MissingQualification(_) => ErrorCode::FirmQualificationMissing,
            },
            Refusal::GateUnmet { .. } => ErrorCode::ClaimGateUnmet,
            Refusal::AnnualLimit { .. } => ErrorCode::AnnualLimitReached,
            Refusal::Lottery => ErrorCode::BatchAllocatedByLottery,
        }
    }

    /// The values of the places in the code's messages: (name, Chinese, English).
    fn places(&self) -> Vec<(&'static str, String, String)> {
        match self {
            Refusal::NotEligible(Ineligible::SizeClass(c)) => {
                vec![("size", c.name_zh().into(), c.as_str().into())]
            }
            Refusal::NotEligible(Ineligible::Screened(l)) => {
                vec![("list", l.name_zh().into(), l.name_en().into())]
            }
            Refusal::NotEligible(Ineligible::MissingQualification(q)) => {
                vec![("qualification", qualification_zh(*q).into(), q.as_str().into())]
            }
            Refusal::GateUnmet { used_bp, required_bp } => vec![
                ("used", (used_bp / 100).to_string(), (used_bp / 100).to_string()),
                ("required", (required_bp / 100).to_string(), (required_bp / 100).to_string()),
            ],
            Refusal::AnnualLimit { limit } => {
                vec![("limit", limit.to_string(), limit.to_string())]
            }
            _ => Vec::new(),
        }
    }

    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    pub fn message_zh(&self) -> String {
        self.places()
            .iter()
            .fold(self.error_code().zh().to_string(), |m, (name, zh, _)| fill(&m, name, zh))
    }

    pub fn message_en(&self) -> String {
        self.places()
            .iter()
            .fold(self.error_code().en().to_string(), |m, (name, _, en)| fill(&m, name, en))
    }

    /// Stable detail for stored outcomes, e.g. `firm_not_eligible:size_class`.
    pub fn detail_code(&self) -> String {
        match self {
            Refusal::NotEligible(i) => format!("{}:{}", self.code(), i.code()),
            _ => self.code().to_string(),
        }
    }
}

pub fn qualification_zh(q: Qualification) -> &'static str {
    match q {
        Qualification::HighTech => "高新技术企业",
        Qualification::TechSme => "科技型中小企业",
        Qualification::RecommendedBySpace => "孵化载体推荐",
    }
}

/// Whether a firm may claim under these rules (limits and gate are checked separately).
pub fn eligibility(rules: &ClaimRules, f: &FirmFacts) -> Result<(), Ineligible> {
    if !f.onboarded {
        return Err(Ineligible::NotOnboarded);
    }
    if let Some(list) = f.screened {
        return Err(Ineligible::Screened(list));
    }
    if !rules.eligible_size_classes.contains(&f.size_class) {
        return Err(Ineligible::SizeClass(f.size_class));
    }
    if rules.exclude_dishonest && f.dishonest {
        return Err(Ineligible::Dishonest);
    }
    if rules.revenue_ceiling.is_some_and(|c| f.revenue > c) {
        return Err(Ineligible::RevenueAboveCeiling);
    }
    for q in &rules.required_qualifications {
        let has = match q {
            Qualification::HighTech => f.high_tech,
            Qualification::TechSme => f.tech_sme,
            Qualification::RecommendedBySpace => f.recommended,
        };
        if !has {
            return Err(Ineligible::MissingQualification(*q));
        }
    }
    Ok(())
}

/// What a claimant group already holds in the programme, as the checks see it.
#[derive(Debug, Clone, Default)]
pub struct Holdings {
    /// Vouchers of this batch.
    pub in_batch: i32,
    /// Vouchers claimed this year (any batch of the programme).
    pub in_year: i32,
    /// Earlier batches' vouchers: (face value, balance).
    pub earlier: Vec<(Fen, Fen)>,
}

/// Every check a claim passes before the budget is looked at, in the order the claim
/// engine applies them: eligibility, the per-batch and per-year limits, the 80% gate.
/// The claim engine and the batches page (what a firm could do) both use it.
pub fn precheck(rules: &ClaimRules, f: &FirmFacts, h: &Holdings) -> Result<(), Refusal> {
    eligibility(rules, f).map_err(Refusal::NotEligible)?;
    if h.in_batch >= rules.per_batch_limit {
        return Err(Refusal::AlreadyClaimed);
    }
    if h.in_year >= rules.per_year_limit {
        return Err(Refusal::AnnualLimit { limit: rules.per_year_limit });
    }
    gate(&h.earlier, rules.gate_used_share_bp)
        .map_err(|used_bp| Refusal::GateUnmet { used_bp, required_bp: rules.gate_used_share_bp })
}

/// The next-claim gate: earlier vouchers (face, balance) must be at least `gate_bp`
/// used in total, or fully spent. No earlier vouchers: the gate is open.
/// Returns the used share in basis points when the gate is shut.
pub fn gate(earlier: &[(Fen, Fen)], gate_bp: i32) -> Result<(), i64> {
    let face: i64 = earlier.iter().map(|(f, _)| f.get()).sum();
    if face == 0 {
        return Ok(());
    }
    let used: i64 = earlier.iter().map(|(f, b)| f.get() - b.get()).sum();
    // used / face >= gate_bp / 10000, in integers (no rounding).
    if i128::from(used) * 10_000 >= i128::from(gate_bp) * i128::from(face) || used == face {
        Ok(())
    } else {
        Err(i64::try_from(i128::from(used) * 10_000 / i128::from(face)).unwrap_or(0))
    }
}

super::text_enum! {
    /// A voucher's life: active (its free balance can be spent) → used (nothing left) |
    /// expired (unused balance returned to the programme) | revoked.
    pub enum VoucherStatus {
        Active => "active",
        Used => "used",
        Expired => "expired",
        Revoked => "revoked",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Draft,
    Scheduled,
    Open,
    Exhausted,
    Closed,
}

impl BatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Draft => "draft",
            BatchStatus::Scheduled => "scheduled",
            BatchStatus::Open => "open",
            BatchStatus::Exhausted => "exhausted",
            BatchStatus::Closed => "closed",
        }
    }
}

/// A batch's state follows from the clock and the budget; nobody presses a button.
pub fn batch_status(
    published: bool,
    opens_at: NaiveDateTime,
    closes_at: NaiveDateTime,
    remaining: Fen,
    smallest_face: Fen,
    now: NaiveDateTime,
) -> BatchStatus {
    if !published {
        BatchStatus::Draft
    } else if now < opens_at {
        BatchStatus::Scheduled
    } else if now >= closes_at {
        BatchStatus::Closed
    } else if remaining < smallest_face {
        BatchStatus::Exhausted
    } else {
        BatchStatus::Open
    }
}

/// Face values are stored as a comma-separated list of fen.
/// Why a wanted face value cannot be had from a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceRefusal {
    NotOffered,
    Required,
}

impl FaceRefusal {
    pub fn error_code(self) -> ErrorCode {
        match self {
            FaceRefusal::NotOffered => ErrorCode::FaceValueNotOffered,
            FaceRefusal::Required => ErrorCode::FaceValueRequired,
        }
    }
    pub fn code(self) -> &'static str {
        self.error_code().as_str()
    }
    pub fn message_zh(self) -> &'static str {
        self.error_code().zh()
    }
    pub fn message_en(self) -> &'static str {
        self.error_code().en()
    }
}

/// The face value a firm gets from a batch offering `offered`: the one it wants, or the
/// only one there is.
pub fn choose_face(offered: &[Fen], wanted: Option<Fen>) -> Result<Fen, FaceRefusal> {
    match (wanted, offered) {
        (Some(f), _) if offered.contains(&f) => Ok(f),
        (Some(_), _) => Err(FaceRefusal::NotOffered),
        (None, [only]) => Ok(*only),
        (None, _) => Err(FaceRefusal::Required),
    }
}

pub fn parse_face_values(s: &str) -> Vec<Fen> {
    s.split(',').filter_map(|p| p.trim().parse::<i64>().ok()).map(Fen::new).collect()
}

pub fn format_face_values(v: &[Fen]) -> String {
    v.iter().map(|f| f.get().to_string()).collect::<Vec<_>>().join(",")
}

/// The voucher's filing number (备案编号): programme code, batch number, arrival sequence.
pub fn voucher_code(programme_code: &str, batch_number: i32, seq: i32) -> String {
    format!("{programme_code}-{batch_number:02}-{seq:06}")
}

/// Vouchers are valid for whole months from the claim.
pub fn valid_until(claimed_at: NaiveDateTime, months: i32) -> NaiveDateTime {
    claimed_at
        .checked_add_months(Months::new(u32::try_from(months).unwrap_or(12)))
        .unwrap_or(claimed_at + Duration::days(365))
}

/// Which expiry reminder is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    /// 30 days ahead (sent while more than 7 days are left).
    Days30,
    /// 7 days ahead.
    Days7,
}

impl Reminder {
    pub fn days(self) -> i64 {
        match self {
            Reminder::Days30 => 30,
            Reminder::Days7 => 7,
        }
    }
}

fn china_day(t: NaiveDateTime) -> chrono::NaiveDate {
    super::china_time(t).date()
}

/// Whole calendar days (in China) from `now` to the day a voucher valid until
/// `valid_until` expires.
pub fn days_left(now: NaiveDateTime, valid_until: NaiveDateTime) -> i64 {
    (china_day(valid_until) - china_day(now)).num_days()
}

/// The reminder a voucher valid until `valid_until` is due at `now`, if any: the 7-day
/// one from 7 days before its last day, the 30-day one from 30 days before while more
/// than 7 are left. None once it has expired.
pub fn reminder_due(now: NaiveDateTime, valid_until: NaiveDateTime) -> Option<Reminder> {
    if valid_until <= now {
        return None;
    }
    match days_left(now, valid_until) {
        d if d <= 7 => Some(Reminder::Days7),
        d if d <= 30 => Some(Reminder::Days30),
        _ => None,
    }
}

/// The programme year a claim counts against: the calendar year in China (UTC+8).
/// The claimant group a claim counts against: the firm, or, where the programme counts
/// firms under one actual controller together, that controller (compared as a person,
/// `party::person_key`).
pub fn claimant_group(count_by_controller: bool, firm_id: &FirmId, controller: &str) -> String {
    if count_by_controller {
        format!("controller:{}", super::party::person_key(controller))
    } else {
        format!("firm:{firm_id}")
    }
}

/// The lock key serialising one claimant group's claims in a programme (a 64-bit
/// digest: distinct groups colliding would only wait for each other).
pub fn claim_lock_key(programme_id: &ProgrammeId, group: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("claim-group\u{0}{programme_id}\u{0}{group}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    i64::from_be_bytes(b)
}

pub fn claim_year(now: NaiveDateTime) -> i32 {
    super::china_time(now).year()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn facts() -> FirmFacts {
        FirmFacts {
            onboarded: true,
            size_class: SizeClass::Small,
            dishonest: false,
            screened: None,
            revenue: Fen::new(100_000_000),
            high_tech: false,
            tech_sme: true,
            recommended: false,
        }
    }

    fn rules() -> ClaimRules {
        ClaimRules {
            eligible_size_classes: vec![SizeClass::Micro, SizeClass::Small],
            exclude_dishonest: true,
            revenue_ceiling: Some(Fen::new(2_000_000_000)),
            required_qualifications: vec![],
            per_batch_limit: 1,
            per_year_limit: 2,
            count_by_controller: false,
            gate_used_share_bp: 8000,
        }
    }

    #[test]
    fn eligibility_rules() {
        assert_eq!(eligibility(&rules(), &facts()), Ok(()));
        let f = FirmFacts { onboarded: false, ..facts() };
        assert_eq!(eligibility(&rules(), &f), Err(Ineligible::NotOnboarded));
        let f = FirmFacts { size_class: SizeClass::Medium, ..facts() };
        assert_eq!(eligibility(&rules(), &f), Err(Ineligible::SizeClass(SizeClass::Medium)));
        let f = FirmFacts { dishonest: true, ..facts() };
        assert_eq!(eligibility(&rules(), &f), Err(Ineligible::Dishonest));
        // A screening hold refuses even where the programme lets dishonest firms claim.
        let list = crate::domain::screening::ListType::AbnormalOperation;
        let f = FirmFacts { screened: Some(list), ..facts() };
        let lenient = ClaimRules { exclude_dishonest: false, ..rules() };
        assert_eq!(eligibility(&lenient, &f), Err(Ineligible::Screened(list)));
        let r = Refusal::NotEligible(Ineligible::Screened(list));
        assert_eq!(r.detail_code(), "firm_not_eligible:screened");
        assert!(r.message_zh().contains("经营异常名录"), "{}", r.message_zh());
        let f = FirmFacts { revenue: Fen::new(2_000_000_001), ..facts() };
        assert_eq!(eligibility(&rules(), &f), Err(Ineligible::RevenueAboveCeiling));
        let f = FirmFacts { revenue: Fen::new(2_000_000_000), ..facts() };
        assert_eq!(eligibility(&rules(), &f), Ok(()), "the ceiling itself is allowed");
        let r = ClaimRules { required_qualifications: vec![Qualification::HighTech], ..rules() };
        assert_eq!(
            eligibility(&r, &facts()),
            Err(Ineligible::MissingQualification(Qualification::HighTech))
        );
    }

    #[test]
    fn gate_at_eighty_percent() {
        let f = |face: i64, bal: i64| (Fen::new(face), Fen::new(bal));
        assert_eq!(gate(&[], 8000), Ok(()));
        assert_eq!(gate(&[f(10_000, 2_000)], 8000), Ok(()), "exactly 80% used");
        assert_eq!(gate(&[f(10_000, 2_001)], 8000), Err(7999));
        assert_eq!(gate(&[f(10_000, 0), f(10_000, 10_000)], 8000), Err(5000));
        assert_eq!(gate(&[f(10_000, 0)], 10_000), Ok(()), "fully spent");
    }

    #[test]
    fn status_follows_clock_and_budget() {
        let t = |h| NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(h, 0, 0).unwrap();
        let s = |p, rem, now| batch_status(p, t(9), t(17), Fen::new(rem), Fen::new(100), now);
        assert_eq!(s(false, 1000, t(10)), BatchStatus::Draft);
        assert_eq!(s(true, 1000, t(8)), BatchStatus::Scheduled);
        assert_eq!(s(true, 1000, t(9)), BatchStatus::Open, "open at the opening instant");
        assert_eq!(s(true, 99, t(10)), BatchStatus::Exhausted);
        assert_eq!(s(true, 1000, t(17)), BatchStatus::Closed, "closed at the closing instant");
    }

    #[test]
    fn codes_years_and_validity() {
        assert_eq!(voucher_code("HCQ2026", 1, 534), "HCQ2026-01-000534");
        let late = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap().and_hms_opt(16, 30, 0).unwrap();
        assert_eq!(claim_year(late), 2027, "16:30 UTC on 31 Dec is 2027 in Hefei");
        let d = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap().and_hms_opt(0, 0, 0).unwrap();
        assert_eq!(valid_until(d, 1).date(), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        assert_eq!(
            parse_face_values(&format_face_values(&[Fen::new(5), Fen::new(7)])),
            vec![Fen::new(5), Fen::new(7)]
        );
    }

    #[test]
    fn a_face_value_is_the_one_wanted_or_the_only_one() {
        let one = [Fen::new(5_000_000)];
        let two = [Fen::new(3_000_000), Fen::new(5_000_000)];
        assert_eq!(choose_face(&one, None), Ok(Fen::new(5_000_000)));
        assert_eq!(choose_face(&two, Some(Fen::new(3_000_000))), Ok(Fen::new(3_000_000)));
        assert_eq!(choose_face(&two, None), Err(FaceRefusal::Required));
        assert_eq!(choose_face(&one, Some(Fen::new(1))), Err(FaceRefusal::NotOffered));
    }

    #[test]
    fn expiry_reminders_fall_on_china_calendar_days() {
        // Valid until 2027-11-23 09:00 in China (01:00 UTC).
        let until = NaiveDate::from_ymd_opt(2027, 11, 23).unwrap().and_hms_opt(1, 0, 0).unwrap();
        let at =
            |y, m, d, h| NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, 0, 0).unwrap();
        // 2027-10-23 23:00 in China is 31 days ahead: nothing yet.
        assert_eq!(reminder_due(at(2027, 10, 23, 15), until), None);
        // 2027-10-24 00:00 in China (16:00 UTC the day before) is 30 days ahead.
        assert_eq!(days_left(at(2027, 10, 23, 16), until), 30);
        assert_eq!(reminder_due(at(2027, 10, 23, 16), until), Some(Reminder::Days30));
        assert_eq!(reminder_due(at(2027, 11, 15, 12), until), Some(Reminder::Days30));
        assert_eq!(days_left(at(2027, 11, 16, 0), until), 7);
        assert_eq!(reminder_due(at(2027, 11, 16, 0), until), Some(Reminder::Days7));
        assert_eq!(reminder_due(at(2027, 11, 23, 0), until), Some(Reminder::Days7));
        // Expired: no reminder.
        assert_eq!(reminder_due(until, until), None);
        assert_eq!(reminder_due(at(2027, 12, 1, 0), until), None);
    }
}
