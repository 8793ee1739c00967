//! Typed identifiers: an order's id is an `OrderId`, never a voucher's. Each is a
//! canonical UUID (v7 when made here, so ids sort by creation), parsed once where it
//! enters (a path segment, a form or JSON field) and carried as its type into the row
//! and out of it (`db/types.rs` has the diesel impls). On the wire an id is its text,
//! as before.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// What every typed id offers besides its own name.
pub trait EntityId: Sized {
    /// The record's name in a "not found" answer (`AppError::not_found`).
    const WHAT: &'static str;
    /// A canonical UUID, or none: anything else names no record.
    fn parse(s: &str) -> Option<Self>;
    /// An id read back from where only ids are kept (a row, a signed token).
    fn stored(s: String) -> Self;
    fn as_str(&self) -> &str;
}

macro_rules! ids {
    ($($(#[$m:meta])* $name:ident => $what:literal),* $(,)?) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new id (UUIDv7).
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                $name(super::new_id())
            }

            /// A canonical UUID, or none.
            pub fn parse(s: &str) -> Option<Self> {
                super::parse_id(s).map($name)
            }

            /// An id read back from storage (or from a view of a row), which only
            /// ever holds ids made here.
            pub fn stored(s: String) -> Self {
                $name(s)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl EntityId for $name {
            const WHAT: &'static str = $what;
            fn parse(s: &str) -> Option<Self> {
                $name::parse(s)
            }
            fn stored(s: String) -> Self {
                $name::stored(s)
            }
            fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// Maps and sets keyed by id can be asked with the text (same hash and order).
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        /// Text that is not a canonical UUID is refused with the record's name (the
        /// path extractor answers "not found" with it).
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| serde::de::Error::custom(not_an_id($what)))
            }
        }
    )*

        /// The record names of every typed id, for reading them back out of an error.
        pub const WHATS: &[&str] = &[$($what),*];
    };
}

ids! {
    /// An order (订单).
    OrderId => "order",
    /// A voucher (合创券).
    VoucherId => "voucher",
    /// A piece of an order's evidence.
    EvidenceId => "evidence",
    /// A voucher programme (合创券项目).
    ProgrammeId => "programme",
    /// A batch of a programme (期次).
    BatchId => "batch",
    /// A settlement run (结算批次).
    RunId => "settlement run",
    /// A payout of a settlement run (付款记录).
    PayoutId => "payout",
    /// A user account (用户): staff, or a party's sign-in.
    UserId => "user",
    /// A firm (企业): a small or micro firm that claims and spends vouchers.
    FirmId => "firm",
    /// A service provider (服务机构).
    ProviderId => "provider",
    /// A certified carrier: an incubator or maker space (孵化器、众创空间).
    SpaceId => "space",
    /// A provider's service in the catalogue (服务项目).
    ServiceItemId => "service item",
    /// A notice or common question published on the portal (通知公告、常见问题).
    ArticleId => "article",
    /// A firm in a space's incubatee register (在孵企业).
    IncubateeId => "incubatee",
    /// A space's application for certification (认定申请).
    CertApplicationId => "certification application",
    /// A space's certification as an incubator or maker space (认定).
    CertificationId => "certification",
    /// A subsidy or award a space is entitled to (补贴、奖励事项).
    EntitlementId => "entitlement",
    /// A provider's application for reimbursement (兑现申请).
    RedemptionApplicationId => "redemption application",
    /// One order in a redemption application (兑现事项).
    RedemptionItemId => "redemption item",
    /// An objection to a provider's listing during its notice (入库公示异议).
    ListingObjectionId => "objection",
    /// An objection to a redemption item during its notice (兑现公示异议).
    RedemptionObjectionId => "objection",
    /// A year's performance evaluation of the certified spaces (绩效评价).
    EvaluationId => "evaluation",
    /// A space's yearly statistics filing (火炬统计).
    FilingId => "statistics filing",
    /// A grant in the duplicate-support register (已获支持登记).
    GrantId => "grant",
    /// A document a party uploaded for review (证照材料).
    DocumentId => "document",
    /// A file attached to a published article (附件).
    ArticleFileId => "attachment",
    /// A raise of a batch's budget (追加预算).
    TopupId => "top-up",
    /// An email in the outbox (待发邮件).
    EmailId => "email",
    /// A refresh token of a session (登录会话的续期凭证).
    RefreshTokenId => "refresh token",
    /// A session: the family of refresh tokens one sign-in starts.
    SessionId => "session",
    /// A sign-in attempt, kept for the lockout rule.
    LoginAttemptId => "login attempt",
    /// An emailed one-time link (password reset, contact verification).
    EmailTokenId => "email link",
    /// An administrator's lifting of a lockout (解除锁定).
    UnlockId => "unlock",
    /// An event in the hash-chained audit trail (审计记录).
    AuditEventId => "audit event",
    /// A posting in the ledger (分录).
    LedgerEntryId => "ledger entry",
    /// A balanced ledger transaction: the postings of one money movement (记账凭证).
    LedgerTxnId => "ledger transaction",
    /// One run of a scheduled job (任务运行记录).
    JobRunId => "job run",
    /// A month's spot-check draw (抽查抽样).
    DrawId => "spot check draw",
    /// A sampled redemption item's check with its firm (回访抽查).
    SpotCheckId => "spot check",
    /// A finding a reviewer decides (核查事项).
    FindingId => "finding",
    /// What a provider owes back after a finding on an item in a run or paid (应收款项).
    ReceivableId => "receivable",
    /// One recovery of a receivable: an offset against a payout, or a repayment.
    RecoveryId => "recovery",
    /// An uploaded screening list, previewed and then applied or discarded (名单导入).
    ScreeningImportId => "screening import",
    /// An entry of the screening register: a credit code on one list (名单条目).
    ScreeningEntryId => "screening entry",
    /// A reviewer's clearing of an entry for one party, as a false match (解除误判).
    ClearanceId => "clearance",
    /// A party's appeal against a decision (申诉).
    AppealId => "appeal",
    /// What the programme pays a provider after an appeal raised a finding's amount
    /// (补付款).
    SupplementId => "supplement",
    /// The zone authority (主管部门) whose staff use the service.
    AuthorityId => "authority",
    /// Any party: a firm, a provider or a space, where a column may name any of them
    /// beside its kind (a user's party, a payee, a document's owner).
    PartyId => "party",
}

/// A firm's, provider's or space's id is a party's id; back the other way only where
/// the kind beside it says which (`of_party`).
macro_rules! party_ids {
    ($($name:ident),*) => {$(
        impl From<$name> for PartyId {
            fn from(id: $name) -> PartyId {
                PartyId(id.0)
            }
        }

        impl From<&$name> for PartyId {
            fn from(id: &$name) -> PartyId {
                PartyId(id.0.clone())
            }
        }

        impl PartialEq<$name> for PartyId {
            fn eq(&self, other: &$name) -> bool {
                self.0 == other.0
            }
        }

        impl $name {
            /// The party's id as this kind's, where the kind stored beside it says so.
            pub fn of_party(id: PartyId) -> Self {
                $name(id.0)
            }
        }
    )*};
}

party_ids!(FirmId, ProviderId, SpaceId, AuthorityId);

/// The typed id of one kind of party, found in an [`AnyParty`] of that kind.
pub trait PartyKindId: EntityId + Clone {
    fn in_party(p: &AnyParty) -> Option<&Self>;
}

impl PartyKindId for FirmId {
    fn in_party(p: &AnyParty) -> Option<&Self> {
        p.firm()
    }
}

impl PartyKindId for ProviderId {
    fn in_party(p: &AnyParty) -> Option<&Self> {
        p.provider()
    }
}

impl PartyKindId for SpaceId {
    fn in_party(p: &AnyParty) -> Option<&Self> {
        p.space()
    }
}

/// A firm, a provider or a space, as its own kind of id: whom a user acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyParty {
    Firm(FirmId),
    Provider(ProviderId),
    Space(SpaceId),
    /// Staff act for the zone authority.
    Authority(AuthorityId),
}

impl AnyParty {
    /// The party of `kind` stored as `id` (a user's two columns, a signed token's).
    pub fn of(kind: super::PartyKind, id: PartyId) -> AnyParty {
        match kind {
            super::PartyKind::Firm => AnyParty::Firm(FirmId::of_party(id)),
            super::PartyKind::Provider => AnyParty::Provider(ProviderId::of_party(id)),
            super::PartyKind::Space => AnyParty::Space(SpaceId::of_party(id)),
            super::PartyKind::Authority => AnyParty::Authority(AuthorityId::of_party(id)),
        }
    }

    pub fn kind(&self) -> super::PartyKind {
        match self {
            AnyParty::Firm(_) => super::PartyKind::Firm,
            AnyParty::Provider(_) => super::PartyKind::Provider,
            AnyParty::Space(_) => super::PartyKind::Space,
            AnyParty::Authority(_) => super::PartyKind::Authority,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            AnyParty::Firm(id) => id.as_str(),
            AnyParty::Provider(id) => id.as_str(),
            AnyParty::Space(id) => id.as_str(),
            AnyParty::Authority(id) => id.as_str(),
        }
    }

    /// The id as any party's (for a column that names any kind).
    pub fn id(&self) -> PartyId {
        PartyId(self.as_str().to_string())
    }

    pub fn firm(&self) -> Option<&FirmId> {
        match self {
            AnyParty::Firm(id) => Some(id),
            _ => None,
        }
    }

    pub fn provider(&self) -> Option<&ProviderId> {
        match self {
            AnyParty::Provider(id) => Some(id),
            _ => None,
        }
    }

    pub fn space(&self) -> Option<&SpaceId> {
        match self {
            AnyParty::Space(id) => Some(id),
            _ => None,
        }
    }
}

/// An id that names a party: a firm's, a provider's, a space's, or a party's of either
/// kind (what a ledger account of a payee is opened with).
pub trait AnyPartyId: EntityId {}
impl AnyPartyId for FirmId {}
impl AnyPartyId for ProviderId {}
impl AnyPartyId for SpaceId {}
impl AnyPartyId for PartyId {}

const NOT_AN_ID: &str = "not an id of a";

fn not_an_id(what: &str) -> String {
    format!("{NOT_AN_ID} {what}")
}

/// The record an id that failed to parse was meant to name, from its error message.
pub fn what_of(message: &str) -> Option<&'static str> {
    let rest = message.split(NOT_AN_ID).nth(1)?.trim_start();
    WHATS.iter().copied().filter(|w| rest.starts_with(*w)).max_by_key(|w| w.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_canonical_uuids_and_keep_their_text_on_the_wire() {
        let id = OrderId::new();
        assert_eq!(OrderId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(OrderId::parse("not-a-uuid"), None);
        let upper = id.as_str().to_uppercase();
        assert_eq!(OrderId::parse(&upper), Some(id.clone()), "canonical form");
        let json = serde_json::to_string(&id).expect("serialises");
        assert_eq!(json, format!("\"{id}\""));
        let back: OrderId = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, id);
        let refused = serde_json::from_str::<VoucherId>("\"1 OR 1=1\"").unwrap_err();
        assert_eq!(what_of(&refused.to_string()), Some("voucher"));
        assert_eq!(what_of("some other message"), None);
    }
}
