//! Pure domain types and rules: no SQL, no HTTP, no I/O.

/// A status or kind stored as text: `as_str`, `parse` and `ALL`, in one place.
macro_rules! text_enum {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s)
            }
        }
        /// The wire name.
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

pub mod allocation;
pub mod appeal;
pub mod audit;
pub mod certification;
pub mod credit;
pub mod credit_code;
pub mod error_code;
pub mod figures;
pub mod id;
pub mod idempotency;
pub mod ledger;
pub mod listing;
pub mod listing_rules;
pub mod lottery;
pub mod money;
pub mod operation;
pub mod order;
pub mod party;
pub mod rating;
pub mod receivable;
pub mod screening;
pub mod settlement;
pub mod size_class;
pub mod spot_check;
pub mod subsidy;
pub mod utc;
pub mod validation;
pub mod voucher;

pub use credit_code::CreditCode;
pub use idempotency::IdempotencyKey;
pub use money::Fen;
pub use size_class::SizeClass;

use serde::{Deserialize, Serialize};

/// A UTC instant as wall-clock time in China (UTC+8 all year: no daylight saving).
pub fn china_time(utc: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    utc + chrono::Duration::hours(8)
}

/// Identifiers are UUIDv7 (time-ordered) stored as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Accepts only a canonical UUID; anything else names no entity.
pub fn parse_id(s: &str) -> Option<String> {
    uuid::Uuid::parse_str(s).ok().map(|u| u.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Firm,
    Provider,
    Space,
    Reviewer,
    Finance,
    Admin,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Firm,
        Role::Provider,
        Role::Space,
        Role::Reviewer,
        Role::Finance,
        Role::Admin,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Firm => "firm",
            Role::Provider => "provider",
            Role::Space => "space",
            Role::Reviewer => "reviewer",
            Role::Finance => "finance",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Staff roles belong to the zone authority rather than to a firm, provider or space.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Reviewer | Role::Finance | Role::Admin | Role::Auditor)
    }

    /// The kind of party a user of this role acts for.
    pub fn party_kind(self) -> Option<PartyKind> {
        match self {
            Role::Firm => Some(PartyKind::Firm),
            Role::Provider => Some(PartyKind::Provider),
            Role::Space => Some(PartyKind::Space),
            _ => None,
        }
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Authority,
    Firm,
    Provider,
    Space,
}

impl PartyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Authority => "authority",
            PartyKind::Firm => "firm",
            PartyKind::Provider => "provider",
            PartyKind::Space => "space",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [PartyKind::Authority, PartyKind::Firm, PartyKind::Provider, PartyKind::Space]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Policy data loaded from `config/policy/` (the loading itself lives in `config`).
#[derive(Debug, Clone)]
pub struct Policy {
    pub sme: size_class::SizeTable,
    pub categories: Vec<ServiceCategory>,
    /// The districts firms state (`config/policy/districts.toml`).
    pub districts: Vec<District>,
    pub listing: ListingPolicy,
    pub programme: ProgrammeDefaults,
    pub spending: SpendingPolicy,
    /// Spot checks of approved redemption items (`config/policy/spot_checks.toml`).
    pub spot_checks: spot_check::SpotCheckPolicy,
    /// Provider credit grades and the sanctions they call for (`config/policy/credit.toml`).
    pub credit: credit::CreditPolicy,
    /// Appeals: the window to file and the deadline to decide (`config/policy/appeals.toml`).
    pub appeals: appeal::AppealPolicy,
    pub certification: certification::CertificationPolicy,
    pub subsidies: subsidy::SubsidyConfig,
}

/// Spending and redemption (`config/policy/spending.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpendingPolicy {
    /// Length of the public notice (公示期) of approved redemption items.
    pub redemption_notice_days: u32,
    /// Days after a voucher's expiry in which an order accepted before it may still be
    /// delivered.
    pub delivery_grace_days: u32,
    /// Days after confirming an order in which the firm may rate it (服务评价).
    #[serde(default = "rating::default_window_days")]
    pub rating_window_days: u32,
    /// How many ratings' weight the programme's mean has in a provider's score: few
    /// ratings are pulled toward the mean, many speak for themselves.
    #[serde(default = "rating::default_prior_weight")]
    pub rating_prior_weight: u32,
}

/// Defaults for new voucher programmes (`config/policy/programme_defaults.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeDefaults {
    pub voucher_kind: voucher::VoucherKind,
    pub categories: Vec<String>,
    /// Decimal share, e.g. `"0.50"`.
    pub co_payment_ratio: String,
    /// Yuan.
    pub full_coverage_threshold: String,
    pub validity_months: i32,
    pub eligible_size_classes: Vec<SizeClass>,
    pub exclude_dishonest: bool,
    #[serde(default)]
    pub revenue_ceiling: Option<String>,
    pub required_qualifications: Vec<voucher::Qualification>,
    pub per_batch_limit: i32,
    pub per_year_limit: i32,
    pub count_by_controller: bool,
    /// Decimal share, e.g. `"0.80"`.
    pub gate_used_share: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceCategory {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A district a firm is in (所在区县): a national statistical division code and its names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct District {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingPolicy {
    /// Length of the public notice (公示期) before a provider is listed.
    pub notice_days: u32,
    /// Categories whose providers need a professional qualification in force (one
    /// certificate per such category applied for), as the listing rules check.
    #[serde(default)]
    pub qualified_categories: Vec<String>,
}

impl Policy {
    pub fn category(&self, code: &str) -> Option<&ServiceCategory> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn district(&self, code: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.code == code)
    }

    /// The policy a deployment put in force: only the certification schemes named in
    /// `schemes` and the subsidy policies named in `subsidies` (an empty list keeps every
    /// one shipped). A subsidy policy covers only the schemes in force and is dropped
    /// when none is left; so is the performance evaluation. Other regions' data stays in
    /// the repository and never shows as the basis of anything here.
    pub fn in_force(mut self, schemes: &[String], subsidies: &[String]) -> Result<Policy, String> {
        let unknown = |kind: &str, code: &str| format!("{kind} {code:?} is not in the policy data");
        for code in schemes {
            if self.certification.scheme(code).is_none() {
                return Err(unknown("certification scheme", code));
            }
        }
        for code in subsidies {
            if self.subsidies.policy(code).is_none() {
                return Err(unknown("subsidy policy", code));
            }
        }
        if !schemes.is_empty() {
            self.certification.schemes.retain(|s| schemes.contains(&s.code));
        }
        let kept = |s: &String| schemes.is_empty() || schemes.contains(s);
        let certification = &self.certification;
        self.subsidies.policies.retain_mut(|p| {
            p.schemes.retain(kept);
            // Amounts only for the levels of the schemes left (a national-only deployment
            // shows no provincial or municipal amount).
            let levels: Vec<&str> = p
                .schemes
                .iter()
                .filter_map(|s| certification.scheme(s))
                .map(|s| s.level.as_str())
                .collect();
            p.amounts.retain(|level, _| levels.contains(&level.as_str()));
            let listed = subsidies.is_empty() || subsidies.contains(&p.code);
            listed && (!p.schemes.is_empty() || p.basis == subsidy::SubsidyBasis::PerformanceAward)
        });
        let award_kept = self.subsidies.performance_award.as_mut().is_some_and(|a| {
            a.schemes.retain(kept);
            !a.schemes.is_empty()
        });
        let award_policy =
            self.subsidies.performance_award.as_ref().map(|a| a.policy.clone()).unwrap_or_default();
        if !award_kept || self.subsidies.policy(&award_policy).is_none() {
            self.subsidies.performance_award = None;
            self.subsidies.policies.retain(|p| p.basis != subsidy::SubsidyBasis::PerformanceAward);
        }
        self.certification.validate()?;
        self.subsidies.validate(&self.certification)?;
        Ok(self)
    }
}
