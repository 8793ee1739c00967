//! The audit hash chain: each event's hash covers its content and the previous hash,
//! so changing, removing or reordering any event breaks every link after it.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

use super::certification::ApplicationStatus;
use super::order::{OrderAction, OrderStatus};
use super::party::{ListingStatus, ObjectionStatus};
use super::settlement::PayoutStatus;
use super::subsidy::EntitlementStatus;
use super::PartyKind;

/// Declares the actions that always read the same: each with its name on the trail and
/// the kind of entity it is recorded on.
macro_rules! fixed_actions {
    ($($(#[$m:meta])* $v:ident => $name:literal on $entity:literal),* $(,)?) => {
        /// An action whose name on the trail never varies.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Fixed { $($(#[$m])* $v),* }
        impl Fixed {
            pub const ALL: &'static [Fixed] = &[$(Fixed::$v),*];
            pub fn name(self) -> &'static str {
                match self { $(Fixed::$v => $name),* }
            }
            pub fn entity(self) -> &'static str {
                match self { $(Fixed::$v => $entity),* }
            }
        }
    };
}

fixed_actions! {
    ArticleCreated => "article.created" on "article",
    ArticleUpdated => "article.updated" on "article",
    ArticleFileAttached => "article.file_attached" on "article",
    ArticlePublished => "article.published" on "article",
    ArticleWithdrawn => "article.withdrawn" on "article",
    AccountUnlocked => "auth.account_unlocked" on "user",
    Login => "auth.login" on "user",
    Logout => "auth.logout" on "user",
    PasswordReset => "auth.password_reset" on "user",
    PasswordResetSent => "auth.password_reset_sent" on "user",
    RefreshReuseDetected => "auth.refresh_reuse_detected" on "user",
    TokenRefreshed => "auth.token_refreshed" on "user",
    AuthorityCreated => "authority.created" on "authority",
    BatchCreated => "batch.created" on "batch",
    BatchPublished => "batch.published" on "batch",
    BatchToppedUp => "batch.topped_up" on "batch",
    CertificationApplied => "certification.applied" on "certification_application",
    CertificationWithdrawn => "certification.withdrawn" on "certification_application",
    CertificationReopened => "certification.reopened" on "certification_application",
    CertificationGranted => "certification.granted" on "certification",
    CertificationRevoked => "certification.revoked" on "certification",
    CertificationExpired => "certification.expired" on "certification",
    VerificationSent => "contact.verification_sent" on "user",
    EntitlementComputed => "entitlement.computed" on "entitlement",
    EntitlementsComputed => "entitlements.computed" on "entitlement_run",
    FirmOnboarded => "firm.onboarded" on "firm",
    FirmOnboardingRejected => "firm.onboarding_rejected" on "firm",
    FirmOnboardingReturned => "firm.onboarding_returned" on "firm",
    FirmResubmitted => "firm.resubmitted" on "firm",
    FirmProfileUpdated => "firm.profile_updated" on "firm",
    FirmQualificationsSet => "firm.qualifications_set" on "firm",
    FirmQualificationConfirmed => "firm.qualification_confirmed" on "firm",
    IncubateeRegistered => "incubatee.registered" on "incubatee",
    IncubateeGraduated => "incubatee.graduated" on "incubatee",
    IncubateeLeft => "incubatee.left" on "incubatee",
    LotteryCreated => "lottery.created" on "batch",
    LotteryDrawn => "lottery.drawn" on "batch",
    LotteryEntered => "lottery.entered" on "batch",
    LotteryEntryChanged => "lottery.entry_changed" on "batch",
    LotteryWithdrawn => "lottery.withdrawn" on "batch",
    OrderEvidenceAdded => "order.evidence_added" on "order",
    OrderRequested => "order.requested" on "order",
    OrderRated => "order.rated" on "order",
    OrderRatingAnswered => "order.rating_answered" on "order",
    OutboxRetried => "outbox.retried" on "outbox",
    PayoutReversed => "payout.reversed" on "payout",
    PerformanceEvaluated => "performance.evaluated" on "performance_evaluation",
    ProgrammeCreated => "programme.created" on "programme",
    ProviderApplicationUpdated => "provider.application_updated" on "provider",
    ProviderResubmitted => "provider.resubmitted" on "provider",
    ProviderReapplied => "provider.reapplied" on "provider",
    RedemptionSubmitted => "redemption.submitted" on "redemption_application",
    RedemptionItemApproved => "redemption.item_approved" on "redemption_item",
    RedemptionItemRejected => "redemption.item_rejected" on "redemption_item",
    RedemptionItemPayable => "redemption.item_payable" on "redemption_item",
    RedemptionItemReinstated => "redemption.item_reinstated" on "redemption_item",
    ServiceItemCreated => "service_item.created" on "service_item",
    ServiceItemUpdated => "service_item.updated" on "service_item",
    SpotCheckDrawn => "spot_check.drawn" on "spot_check_draw",
    SpotCheckAnswered => "spot_check.answered" on "spot_check",
    FindingOpened => "finding.opened" on "finding",
    FindingStated => "finding.stated" on "finding",
    FindingDecided => "finding.decided" on "finding",
    RedemptionItemCorrected => "redemption_item.corrected" on "redemption_item",
    ReceivableOpened => "receivable.opened" on "receivable",
    ReceivableOffset => "receivable.offset" on "receivable",
    ReceivableOffsetUndone => "receivable.offset_undone" on "receivable",
    ReceivableRepaid => "receivable.repaid" on "receivable",
    ReceivableReleased => "receivable.released" on "receivable",
    FindingRevised => "finding.revised" on "finding",
    SupplementOpened => "supplement.opened" on "supplement",
    AppealFiled => "appeal.filed" on "appeal",
    AppealDecided => "appeal.decided" on "appeal",
    AppealEscalated => "appeal.escalated" on "appeal",
    ScreeningPreviewed => "screening.previewed" on "screening_import",
    ScreeningApplied => "screening.applied" on "screening_import",
    ScreeningDiscarded => "screening.discarded" on "screening_import",
    ScreeningHoldPlaced => "screening.hold_placed" on "screening_entry",
    ScreeningHoldLifted => "screening.hold_lifted" on "screening_entry",
    ScreeningHoldCleared => "screening.hold_cleared" on "screening_entry",
    SettlementPrepared => "settlement.prepared" on "settlement_run",
    SettlementApproved => "settlement.approved" on "settlement_run",
    SettlementRejected => "settlement.rejected" on "settlement_run",
    SettlementExported => "settlement.exported" on "settlement_run",
    SettlementResultsImported => "settlement.results_imported" on "settlement_run",
    StatisticsFiled => "statistics.filed" on "statistics_filing",
    StatisticsCorrected => "statistics.corrected" on "statistics_filing",
    SupportGrantRecorded => "support_grant.recorded" on "support_grant",
    UserCreated => "user.created" on "user",
    UserAffiliationsSet => "user.affiliations_set" on "user",
    UserDisabled => "user.disabled" on "user",
    UserEnabled => "user.enabled" on "user",
    PasswordChanged => "user.password_changed" on "user",
    VoucherClaimed => "voucher.claimed" on "voucher",
    VoucherDrawn => "voucher.drawn" on "voucher",
    VoucherExpired => "voucher.expired" on "voucher",
}

/// The two public notices objections are filed against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeOf {
    /// A provider's listing (入库公示).
    Listing,
    /// Approved redemption items (兑付公示).
    Redemption,
}

impl NoticeOf {
    fn prefix(self) -> &'static str {
        match self {
            NoticeOf::Listing => "provider",
            NoticeOf::Redemption => "redemption",
        }
    }
}

/// What an audit event records: one value per thing a use case does, naming the action
/// on the trail and the kind of entity it is recorded on. Where the name carries a
/// status, the status is the typed value the row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Fixed(Fixed),
    /// A party registered: `firm.registered`, `provider.applied`, `space.registered`.
    PartyRegistered(PartyKind),
    /// A party's document uploaded, recorded on the party.
    DocumentUploaded(PartyKind),
    /// A party's contact email verified, recorded on the party.
    ContactVerified(PartyKind),
    /// A provider's listing moved: `provider.in_notice`, `provider.listed`, ...
    ListingMoved(ListingStatus),
    /// An order moved by someone's action (`order.accepted`, `order.dispute_rejected`, ...).
    OrderMoved {
        action: OrderAction,
        to: OrderStatus,
    },
    /// A bank's result for a payout: `payout.paid`, `payout.failed`.
    PayoutSettled(PayoutStatus),
    /// An entitlement decided: `entitlement.payable`, `entitlement.rejected`, ...
    EntitlementDecided(EntitlementStatus),
    /// A certification application decided: `certification.approved`, ...
    CertificationDecided(ApplicationStatus),
    /// An objection filed against a notice.
    ObjectionFiled(NoticeOf),
    /// An objection resolved: `provider.objection_upheld`, ...
    ObjectionResolved(NoticeOf, ObjectionStatus),
}

impl From<Fixed> for Action {
    fn from(f: Fixed) -> Self {
        Action::Fixed(f)
    }
}

impl Action {
    /// Every name an action can have on the trail (each has words on the audit page).
    pub fn every_name() -> std::collections::BTreeSet<String> {
        use super::certification::ApplicationStatus as A;
        let kinds = [PartyKind::Authority, PartyKind::Firm, PartyKind::Provider, PartyKind::Space];
        let order_actions = [
            OrderAction::Accept,
            OrderAction::Decline,
            OrderAction::Cancel,
            OrderAction::Deliver,
            OrderAction::Confirm,
            OrderAction::Dispute,
            OrderAction::UpholdDelivery,
            OrderAction::CancelDisputed,
            OrderAction::Lapse,
        ];
        let mut all: Vec<Action> = Fixed::ALL.iter().map(|f| Action::Fixed(*f)).collect();
        for k in kinds {
            all.extend([
                Action::PartyRegistered(k),
                Action::DocumentUploaded(k),
                Action::ContactVerified(k),
            ]);
        }
        all.extend(ListingStatus::ALL.iter().map(|s| Action::ListingMoved(*s)));
        for action in order_actions {
            for to in OrderStatus::ALL {
                all.push(Action::OrderMoved { action, to: *to });
            }
        }
        all.extend(PayoutStatus::ALL.iter().map(|s| Action::PayoutSettled(*s)));
        all.extend(EntitlementStatus::ALL.iter().map(|s| Action::EntitlementDecided(*s)));
        all.extend(A::ALL.iter().map(|s| Action::CertificationDecided(*s)));
        for n in [NoticeOf::Listing, NoticeOf::Redemption] {
            all.push(Action::ObjectionFiled(n));
            all.extend(ObjectionStatus::ALL.iter().map(|s| Action::ObjectionResolved(n, *s)));
        }
        all.into_iter().map(|a| a.name().into_owned()).collect()
    }

    /// The action's name on the trail.
    pub fn name(self) -> Cow<'static, str> {
        match self {
            Action::Fixed(f) => f.name().into(),
            Action::PartyRegistered(k) => match k {
                PartyKind::Provider => "provider.applied".into(),
                k => format!("{}.registered", k.as_str()).into(),
            },
            Action::DocumentUploaded(_) => "document.uploaded".into(),
            Action::ContactVerified(_) => "contact.verified".into(),
            Action::ListingMoved(s) => format!("provider.{}", s.as_str()).into(),
            Action::OrderMoved { action, to } => {
                format!("order.{}", order_event(action, to)).into()
            }
            Action::PayoutSettled(s) => format!("payout.{}", s.as_str()).into(),
            Action::EntitlementDecided(s) => format!("entitlement.{}", s.as_str()).into(),
            Action::CertificationDecided(s) => format!("certification.{}", s.as_str()).into(),
            Action::ObjectionFiled(n) => format!("{}.objection_filed", n.prefix()).into(),
            Action::ObjectionResolved(n, s) => {
                format!("{}.objection_{}", n.prefix(), s.as_str()).into()
            }
        }
    }

    /// The kind of entity the event is recorded on.
    pub fn entity(self) -> &'static str {
        match self {
            Action::Fixed(f) => f.entity(),
            Action::PartyRegistered(k)
            | Action::DocumentUploaded(k)
            | Action::ContactVerified(k) => k.as_str(),
            Action::ListingMoved(_) => "provider",
            Action::OrderMoved { .. } => "order",
            Action::PayoutSettled(_) => "payout",
            Action::EntitlementDecided(_) => "entitlement",
            Action::CertificationDecided(_) => "certification_application",
            Action::ObjectionFiled(n) | Action::ObjectionResolved(n, _) => match n {
                NoticeOf::Listing => "provider_objection",
                NoticeOf::Redemption => "redemption_objection",
            },
        }
    }
}

/// How the trail names an order's move: by what was done, and for a reviewer's ruling
/// on a dispute, by where it left the order.
fn order_event(action: OrderAction, to: OrderStatus) -> &'static str {
    match action {
        OrderAction::Accept => "accepted",
        OrderAction::Decline => "declined",
        OrderAction::Cancel => "cancelled",
        OrderAction::Deliver => "delivered",
        OrderAction::Confirm => "confirmed",
        OrderAction::Dispute => "disputed",
        OrderAction::UpholdDelivery | OrderAction::CancelDisputed => match to {
            OrderStatus::Cancelled => "dispute_cancelled",
            _ => "dispute_rejected",
        },
        OrderAction::Lapse => "lapsed",
    }
}

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The content of one event as it is hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContent<'a> {
    pub seq: i64,
    pub id: &'a str,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<&'a str>,
    pub actor_role: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before_state: Option<&'a str>,
    pub after_state: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

/// Timestamps are hashed in one fixed format at microsecond precision (what both
/// backends store).
pub fn canonical_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn chain_hash(prev_hash: &str, e: &EventContent<'_>) -> String {
    // A JSON array is an unambiguous encoding of the fields (strings are escaped,
    // nulls distinct from empty strings).
    let canonical = serde_json::json!([
        prev_hash,
        e.seq,
        e.id,
        canonical_time(e.occurred_at),
        e.actor_user_id,
        e.actor_role,
        e.action,
        e.entity_type,
        e.entity_id,
        e.before_state,
        e.after_state,
        e.request_id,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn ev(seq: i64, action: &str) -> EventContent<'_> {
        EventContent {
            seq,
            id: "e",
            occurred_at: NaiveDate::from_ymd_opt(2026, 11, 23)
                .unwrap()
                .and_hms_micro_opt(1, 2, 3, 4)
                .unwrap(),
            actor_user_id: None,
            actor_role: "system",
            action,
            entity_type: "firm",
            entity_id: "f",
            before_state: None,
            after_state: Some("{}"),
            request_id: None,
        }
    }

    #[test]
    fn action_names_are_the_trail_s_words() {
        assert_eq!(Action::from(Fixed::BatchCreated).name(), "batch.created");
        assert_eq!(Action::from(Fixed::BatchCreated).entity(), "batch");
        assert_eq!(Action::PartyRegistered(PartyKind::Provider).name(), "provider.applied");
        assert_eq!(Action::PartyRegistered(PartyKind::Space).name(), "space.registered");
        assert_eq!(Action::DocumentUploaded(PartyKind::Firm).entity(), "firm");
        let ruling = |to| Action::OrderMoved { action: OrderAction::CancelDisputed, to };
        assert_eq!(ruling(OrderStatus::Cancelled).name(), "order.dispute_cancelled");
        assert_eq!(ruling(OrderStatus::Delivered).name(), "order.dispute_rejected");
        let upheld = Action::ObjectionResolved(NoticeOf::Redemption, ObjectionStatus::Upheld);
        assert_eq!(upheld.name(), "redemption.objection_upheld");
        assert_eq!(upheld.entity(), "redemption_objection");
        assert_eq!(Action::ListingMoved(ListingStatus::InNotice).name(), "provider.in_notice");
    }

    #[test]
    fn no_two_fixed_actions_share_a_name() {
        let mut names: Vec<_> = Fixed::ALL.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }

    #[test]
    fn any_change_changes_the_hash() {
        let h = chain_hash(GENESIS_HASH, &ev(1, "firm.registered"));
        assert_eq!(h.len(), 64);
        assert_ne!(h, chain_hash(GENESIS_HASH, &ev(2, "firm.registered")));
        assert_ne!(h, chain_hash(GENESIS_HASH, &ev(1, "firm.onboarded")));
        assert_ne!(h, chain_hash(&h, &ev(1, "firm.registered")));
        let mut e = ev(1, "firm.registered");
        e.before_state = Some("");
        assert_ne!(h, chain_hash(GENESIS_HASH, &e));
        assert_eq!(h, chain_hash(GENESIS_HASH, &ev(1, "firm.registered")));
    }
}
