//! Party lifecycles: firm onboarding (入库), provider listing (公示 then 入库), space kinds.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// An invisible formatting character (Unicode category Cf: zero-width spaces and
/// joiners, bidirectional overrides and isolates, the byte-order mark, soft hyphens…).
/// Names of parties and people, and file names, may not contain them: they make two
/// names that read the same compare different, or show text reversed.
pub fn is_format_char(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

/// A name of a person (legal representative, actual controller) as the related-party
/// and controller rules compare it: NFKC (full-width and compatibility forms folded),
/// without format characters or any whitespace, letters in lower case. `郑 刚`,
/// `郑\u{200B}刚` and `郑刚` are one person; `Li Wei` and `LIWEI` too.
pub fn person_key(name: &str) -> String {
    name.nfkc()
        .filter(|c| !is_format_char(*c) && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Characters a spreadsheet reads as the start of a formula (`=`, `+`, `-`, `@`, and
/// tab or carriage return before one), so a cell beginning with one may run when a
/// payment or report file is opened (OWASP "CSV injection").
pub fn starts_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

super::text_enum! {
    pub enum OnboardingStatus {
        Submitted => "submitted",
        Returned => "returned",
        Onboarded => "onboarded",
        Rejected => "rejected",
    }
}

impl OnboardingStatus {
    /// A reviewer decides only a submitted application.
    pub fn can_decide(self) -> bool {
        self == OnboardingStatus::Submitted
    }

    /// A firm may edit its profile while it is not onboarded; editing a rejected
    /// profile resubmits it, editing a returned one keeps it with the firm until the
    /// firm resubmits it.
    pub fn can_edit_profile(self) -> bool {
        self != OnboardingStatus::Onboarded
    }
}

super::text_enum! {
    pub enum ListingStatus {
        Applied => "applied",
        Returned => "returned",
        InNotice => "in_notice",
        Listed => "listed",
        Rejected => "rejected",
        Suspended => "suspended",
        Delisted => "delisted",
    }
}

impl ListingStatus {
    pub fn name_zh(self) -> &'static str {
        match self {
            ListingStatus::Applied => "已申请",
            ListingStatus::Returned => "退回补正",
            ListingStatus::InNotice => "公示中",
            ListingStatus::Listed => "已入库",
            ListingStatus::Rejected => "未通过",
            ListingStatus::Suspended => "已暂停",
            ListingStatus::Delisted => "已出库",
        }
    }

    /// Moves allowed by a reviewer's or administrator's decision (the move from
    /// `InNotice` to `Listed` happens only through [`notice_outcome`]).
    pub fn can_move_to(self, to: ListingStatus) -> bool {
        use ListingStatus::*;
        matches!(
            (self, to),
            (Applied, InNotice)
                | (Applied, Returned)
                | (Applied, Rejected)
                | (InNotice, Rejected)
                | (Listed, Suspended)
                | (Listed, Delisted)
                | (Suspended, Listed)
                | (Suspended, Delisted)
        )
    }
}

impl ListingStatus {
    /// The applicant may change its application before the notice starts: while it
    /// waits for review, or after it was returned for correction.
    pub fn can_edit_application(self) -> bool {
        matches!(self, ListingStatus::Applied | ListingStatus::Returned)
    }
}

/// Whether a firm's qualification counts on `today` (China): held, and not past the
/// last day of the certificate a reviewer confirmed it from (one set by hand has none).
pub fn qualification_in_force(
    held: bool,
    until: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> bool {
    held && until.is_none_or(|u| today <= u)
}

/// What a reviewer asks an applicant to correct (退回补正), one item a line: at least
/// one, at most [`Corrections::MAX_ITEMS`], each a line of at most
/// [`Corrections::MAX_CHARS`] characters. Stored as its lines; read as a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrections(String);

impl Corrections {
    pub const MAX_ITEMS: usize = 20;
    pub const MAX_CHARS: usize = 500;

    /// The items given (each may hold several lines, as a page's text box does), one
    /// a line, trimmed, without empty ones.
    pub fn items_of(given: &[String]) -> Vec<String> {
        given
            .iter()
            .flat_map(|g| g.split(['\n', '\r']))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// From items already checked (non-empty, one line each).
    pub fn of_items(items: &[String]) -> Option<Self> {
        (!items.is_empty()).then(|| Corrections(items.join("\n")))
    }

    /// As stored (written only from checked items).
    pub fn stored(text: String) -> Self {
        Corrections(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn items(&self) -> impl Iterator<Item = &str> {
        self.0.lines()
    }
}

impl Serialize for Corrections {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.items())
    }
}

/// The public notice window for a provider application starting at `start`.
pub fn notice_window(start: NaiveDateTime, days: u32) -> (NaiveDateTime, NaiveDateTime) {
    (start, start + Duration::days(i64::from(days)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeOutcome {
    /// The notice is still running.
    Running,
    /// The notice ended but objections wait for a decision.
    AwaitingObjections,
    /// The notice ended with no open and no upheld objection: list the provider.
    List,
    /// An objection was upheld: the application fails.
    Reject,
}

/// Decides what a provider's public notice leads to.
pub fn notice_outcome(
    now: NaiveDateTime,
    ends_at: NaiveDateTime,
    open_objections: usize,
    upheld_objections: usize,
) -> NoticeOutcome {
    if upheld_objections > 0 {
        NoticeOutcome::Reject
    } else if now < ends_at {
        NoticeOutcome::Running
    } else if open_objections > 0 {
        NoticeOutcome::AwaitingObjections
    } else {
        NoticeOutcome::List
    }
}

super::text_enum! {
    /// An objection to a provider's listing or a redemption item in public notice.
    pub enum ObjectionStatus {
        Open => "open",
        Upheld => "upheld",
        Dismissed => "dismissed",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpaceKind {
    Incubator,
    MakerSpace,
    ProfessionalMakerSpace,
}

impl SpaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpaceKind::Incubator => "incubator",
            SpaceKind::MakerSpace => "maker_space",
            SpaceKind::ProfessionalMakerSpace => "professional_maker_space",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Incubator, Self::MakerSpace, Self::ProfessionalMakerSpace]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap().and_hms_opt(9, 0, 0).unwrap()
    }

    #[test]
    fn notice_runs_its_full_length() {
        let (_, end) = notice_window(t(1), 7);
        assert_eq!(end, t(8));
        assert_eq!(notice_outcome(t(7), end, 0, 0), NoticeOutcome::Running);
        assert_eq!(notice_outcome(t(8), end, 0, 0), NoticeOutcome::List);
        assert_eq!(notice_outcome(t(9), end, 1, 0), NoticeOutcome::AwaitingObjections);
        assert_eq!(notice_outcome(t(3), end, 0, 1), NoticeOutcome::Reject);
    }

    #[test]
    fn listing_moves() {
        use ListingStatus::*;
        assert!(Applied.can_move_to(InNotice));
        assert!(!Applied.can_move_to(Listed));
        assert!(!InNotice.can_move_to(Listed));
        assert!(!Rejected.can_move_to(InNotice));
        assert!(Suspended.can_move_to(Listed));
        assert!(!Delisted.can_move_to(Listed));
    }

    #[test]
    fn a_person_is_the_same_however_the_name_is_spaced_or_padded() {
        let plain = person_key("郑刚");
        assert_eq!(plain, "郑刚");
        for variant in [
            "郑\u{200B}刚",
            "郑\u{200D}刚",
            "郑 刚",
            " 郑刚\u{3000}",
            "\u{FEFF}郑刚",
            "郑\u{202E}刚",
            "郑\u{2060}刚",
            "郑\u{00AD}刚",
        ] {
            assert_eq!(person_key(variant), plain, "{variant:?}");
        }
        // Compatibility forms fold (full-width Latin letters), and case does not count.
        assert_eq!(person_key("Ｌｉ Ｗｅｉ"), person_key("LIWEI"));
        assert_ne!(person_key("郑刚"), person_key("郑钢"));
        assert!(is_format_char('\u{202E}') && is_format_char('\u{200B}'));
        assert!(!is_format_char('郑') && !is_format_char(' '));
    }

    #[test]
    fn formula_starts() {
        for t in ["=HYPERLINK(\"x\")", "+1+cmd|x", "-2", "@SUM(A1)", "\t=1", "\r=1"] {
            assert!(starts_like_formula(t), "{t:?}");
        }
        for t in ["合肥科技", "A=1", "1-2", ""] {
            assert!(!starts_like_formula(t), "{t:?}");
        }
    }

    #[test]
    fn onboarding_rules() {
        assert!(OnboardingStatus::Submitted.can_decide());
        assert!(!OnboardingStatus::Rejected.can_decide());
        assert!(OnboardingStatus::Rejected.can_edit_profile());
        assert!(!OnboardingStatus::Onboarded.can_edit_profile());
        assert!(!OnboardingStatus::Returned.can_decide());
        assert!(OnboardingStatus::Returned.can_edit_profile());
    }

    #[test]
    fn a_qualification_stops_counting_after_its_certificate_ends() {
        let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        let until = Some(day("2026-12-31"));
        assert!(qualification_in_force(true, until, day("2026-12-31")));
        assert!(!qualification_in_force(true, until, day("2027-01-01")));
        assert!(qualification_in_force(true, None, day("2099-01-01")));
        assert!(!qualification_in_force(false, None, day("2026-01-01")));
    }

    #[test]
    fn returns_for_correction() {
        assert!(ListingStatus::Applied.can_move_to(ListingStatus::Returned));
        assert!(!ListingStatus::InNotice.can_move_to(ListingStatus::Returned));
        assert!(!ListingStatus::Returned.can_move_to(ListingStatus::InNotice));
        assert!(ListingStatus::Returned.can_edit_application());
        assert!(!ListingStatus::InNotice.can_edit_application());
        let given = vec!["  营业执照不清晰 \r\n\n 地址与执照不符".to_string(), " ".to_string()];
        let items = Corrections::items_of(&given);
        assert_eq!(items, ["营业执照不清晰", "地址与执照不符"]);
        let c = Corrections::of_items(&items).unwrap();
        assert_eq!(c.items().collect::<Vec<_>>(), items);
        assert_eq!(serde_json::to_value(&c).unwrap(), serde_json::json!(items));
        assert_eq!(Corrections::of_items(&[]), None);
    }
}

super::text_enum! {
    /// A document a firm, provider or space uploads for the reviewer.
    pub enum DocumentKind {
        /// 营业执照 (of the party, or of a space's operator).
        BusinessLicence => "business_licence",
        /// 高新技术企业证书: number and validity (three years).
        HighTechCertificate => "high_tech_certificate",
        /// 科技型中小企业入库登记: registration number and the year it is valid through.
        TechSmeCertificate => "tech_sme_certificate",
        /// A provider's professional qualification (e.g. 专利代理机构执业许可证, CMA/CNAS).
        QualificationCertificate => "qualification_certificate",
        /// Any other supporting document.
        Other => "other",
    }
}

impl DocumentKind {
    /// The kinds a party of `kind` may upload.
    pub fn for_party(kind: super::PartyKind) -> &'static [DocumentKind] {
        use DocumentKind::*;
        match kind {
            super::PartyKind::Firm => {
                &[BusinessLicence, HighTechCertificate, TechSmeCertificate, Other]
            }
            super::PartyKind::Provider => &[BusinessLicence, QualificationCertificate, Other],
            super::PartyKind::Space => &[BusinessLicence, Other],
            super::PartyKind::Authority => &[],
        }
    }

    /// A certificate: its number is required.
    pub fn needs_number(self) -> bool {
        matches!(
            self,
            DocumentKind::HighTechCertificate
                | DocumentKind::TechSmeCertificate
                | DocumentKind::QualificationCertificate
        )
    }

    /// A qualification that lapses: the date it is valid until is required.
    pub fn needs_validity(self) -> bool {
        matches!(self, DocumentKind::HighTechCertificate | DocumentKind::TechSmeCertificate)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            DocumentKind::BusinessLicence => "营业执照",
            DocumentKind::HighTechCertificate => "高新技术企业证书",
            DocumentKind::TechSmeCertificate => "科技型中小企业入库登记",
            DocumentKind::QualificationCertificate => "资质证书",
            DocumentKind::Other => "其他证明材料",
        }
    }
}
