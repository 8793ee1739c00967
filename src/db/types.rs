//! How the domain's values travel into and out of the rows: money as `Fen` (BIGINT,
//! fen), statuses and kinds as their enums (TEXT, their wire names). The domain knows
//! nothing of diesel; the impls live here (Rust allows them in the crate that owns the
//! type). Each type gets what diesel's own `AsExpression`/`FromSqlRow` derives would
//! give (through `foreign_derive`), and `ToSql`/`FromSql` for PostgreSQL, SQLite and the
//! `MultiConnection`'s backend, which hands the value to the one in use.
//!
//! A stored text that names no variant is a broken row, not a guess: reading it fails
//! with the column's type and the text, as a foreign key or CHECK constraint would.

use super::MultiBackend;
use crate::domain::Fen;
use diesel::deserialize::FromSqlRow;
use diesel::deserialize::{self, FromSql};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::{Sqlite, SqliteValue};

/// `AsExpression` and `Queryable` for a domain type of one SQL type, and the
/// `MultiBackend` impls that defer to each backend's.
macro_rules! column_type {
    ($ty:ty, $proxy:ident, $st:ident) => {
        #[derive(AsExpression, FromSqlRow)]
        #[diesel(foreign_derive, sql_type = $st)]
        #[allow(dead_code)]
        struct $proxy($ty);

        impl ToSql<$st, MultiBackend> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value(($st, self));
                Ok(IsNull::No)
            }
        }

        impl FromSql<$st, MultiBackend> for $ty {
            fn from_sql(
                bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, $st>()
            }
        }
    };
}

column_type!(Fen, FenColumn, BigInt);

impl ToSql<BigInt, Pg> for Fen {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <i64 as ToSql<BigInt, Pg>>::to_sql(&self.get(), &mut out.reborrow())
    }
}

impl ToSql<BigInt, Sqlite> for Fen {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.get());
        Ok(IsNull::No)
    }
}

impl FromSql<BigInt, Pg> for Fen {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        <i64 as FromSql<BigInt, Pg>>::from_sql(bytes).map(Fen::new)
    }
}

impl FromSql<BigInt, Sqlite> for Fen {
    fn from_sql(bytes: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        <i64 as FromSql<BigInt, Sqlite>>::from_sql(bytes).map(Fen::new)
    }
}

/// A domain type stored as text: written as its `as_str()`, read back through `read`
/// (a `fn(String) -> deserialize::Result<Self>`).
macro_rules! text_column {
    ($ty:ty, $proxy:ident, $read:expr) => {
        column_type!($ty, $proxy, Text);

        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.as_str());
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Pg> for $ty {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                <String as FromSql<Text, Pg>>::from_sql(bytes).and_then($read)
            }
        }

        impl FromSql<Text, Sqlite> for $ty {
            fn from_sql(bytes: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
                <String as FromSql<Text, Sqlite>>::from_sql(bytes).and_then($read)
            }
        }
    };
}

/// Enums stored as their wire names (`text_enum!`'s `as_str` and `parse`).
macro_rules! text_columns {
    ($($ty:ty => $proxy:ident),* $(,)?) => {$(
        text_column!($ty, $proxy, |text: String| {
            <$ty>::parse(&text)
                .ok_or_else(|| format!("{} names no {}", text, stringify!($ty)).into())
        });
    )*};
}

text_columns! {
    crate::domain::order::OrderStatus => OrderStatusColumn,
    crate::domain::operation::JobRunStatus => JobRunStatusColumn,
    crate::domain::operation::OutboxStatus => OutboxStatusColumn,
    crate::domain::order::RedemptionStatus => RedemptionStatusColumn,
    crate::domain::voucher::VoucherStatus => VoucherStatusColumn,
    crate::domain::party::OnboardingStatus => OnboardingStatusColumn,
    crate::domain::party::ListingStatus => ListingStatusColumn,
    crate::domain::party::ObjectionStatus => ObjectionStatusColumn,
    crate::domain::subsidy::EntitlementStatus => EntitlementStatusColumn,
    crate::domain::settlement::RunStatus => RunStatusColumn,
    crate::domain::settlement::PayoutStatus => PayoutStatusColumn,
    crate::domain::certification::ApplicationStatus => ApplicationStatusColumn,
    crate::domain::certification::CertificationStatus => CertificationStatusColumn,
    crate::domain::SizeClass => SizeClassColumn,
    crate::domain::voucher::VoucherKind => VoucherKindColumn,
    crate::domain::voucher::AllocationMode => AllocationModeColumn,
    crate::domain::party::SpaceKind => SpaceKindColumn,
    crate::domain::certification::SchemeLevel => SchemeLevelColumn,
    crate::domain::Role => RoleColumn,
    crate::domain::PartyKind => PartyKindColumn,
    crate::domain::order::EvidenceKind => EvidenceKindColumn,
    crate::domain::party::DocumentKind => DocumentKindColumn,
    crate::domain::spot_check::CheckStatus => CheckStatusColumn,
    crate::domain::spot_check::OpenedBecause => OpenedBecauseColumn,
    crate::domain::spot_check::FindingStatus => FindingStatusColumn,
    crate::domain::receivable::RecoveryKind => RecoveryKindColumn,
    crate::domain::receivable::SupplementStatus => SupplementStatusColumn,
    crate::domain::screening::ListType => ListTypeColumn,
    crate::domain::screening::ImportStatus => ImportStatusColumn,
    crate::domain::appeal::AppealSubject => AppealSubjectColumn,
    crate::domain::appeal::AppealStatus => AppealStatusColumn,
}

/// Typed ids (and credit codes) stored as their text. Storage only ever holds values
/// parsed or made here, so reading one back does not parse it again.
macro_rules! id_columns {
    ($($ty:ident => $proxy:ident),* $(,)?) => {$(
        text_column!(crate::domain::id::$ty, $proxy, |text| Ok(crate::domain::id::$ty::stored(text)));
    )*};
}

text_column!(crate::domain::party::Corrections, CorrectionsColumn, |text| Ok(
    crate::domain::party::Corrections::stored(text)
));

text_column!(crate::domain::CreditCode, CreditCodeColumn, |text| Ok(
    crate::domain::CreditCode::stored(text)
));

id_columns! {
    OrderId => OrderIdColumn,
    VoucherId => VoucherIdColumn,
    EvidenceId => EvidenceIdColumn,
    ProgrammeId => ProgrammeIdColumn,
    BatchId => BatchIdColumn,
    RunId => RunIdColumn,
    PayoutId => PayoutIdColumn,
    UserId => UserIdColumn,
    FirmId => FirmIdColumn,
    ProviderId => ProviderIdColumn,
    SpaceId => SpaceIdColumn,
    ServiceItemId => ServiceItemIdColumn,
    ArticleId => ArticleIdColumn,
    IncubateeId => IncubateeIdColumn,
    CertApplicationId => CertApplicationIdColumn,
    CertificationId => CertificationIdColumn,
    EntitlementId => EntitlementIdColumn,
    RedemptionApplicationId => RedemptionApplicationIdColumn,
    RedemptionItemId => RedemptionItemIdColumn,
    ListingObjectionId => ListingObjectionIdColumn,
    RedemptionObjectionId => RedemptionObjectionIdColumn,
    EvaluationId => EvaluationIdColumn,
    FilingId => FilingIdColumn,
    GrantId => GrantIdColumn,
    DocumentId => DocumentIdColumn,
    ArticleFileId => ArticleFileIdColumn,
    TopupId => TopupIdColumn,
    EmailId => EmailIdColumn,
    PartyId => PartyIdColumn,
    AuthorityId => AuthorityIdColumn,
    RefreshTokenId => RefreshTokenIdColumn,
    SessionId => SessionIdColumn,
    LoginAttemptId => LoginAttemptIdColumn,
    EmailTokenId => EmailTokenIdColumn,
    UnlockId => UnlockIdColumn,
    AuditEventId => AuditEventIdColumn,
    LedgerEntryId => LedgerEntryIdColumn,
    LedgerTxnId => LedgerTxnIdColumn,
    JobRunId => JobRunIdColumn,
    DrawId => DrawIdColumn,
    SpotCheckId => SpotCheckIdColumn,
    FindingId => FindingIdColumn,
    ReceivableId => ReceivableIdColumn,
    RecoveryId => RecoveryIdColumn,
    ScreeningImportId => ScreeningImportIdColumn,
    ScreeningEntryId => ScreeningEntryIdColumn,
    ClearanceId => ClearanceIdColumn,
    AppealId => AppealIdColumn,
    SupplementId => SupplementIdColumn,
}

#[cfg(test)]
mod tests {
    use crate::domain::{self, PartyKind, Role, SizeClass};
    use serde::Serialize;

    /// A row's snapshot in the audit trail serialises its columns with serde; a kind
    /// stored by `as_str` must read the same there, or the trail would say one thing
    /// and the table another.
    fn same<T: Serialize + Copy>(values: &[T], as_str: fn(T) -> &'static str) {
        for &v in values {
            assert_eq!(serde_json::to_value(v).unwrap(), serde_json::Value::from(as_str(v)));
        }
    }

    /// `same` for each kind listed, over all its values (`Kind::ALL`).
    macro_rules! same_all {
        ($($kind:ident),+ $(,)?) => {$(
            same($kind::ALL, $kind::as_str);
        )+};
    }

    #[test]
    fn stored_kinds_serialise_as_their_stored_text() {
        use domain::certification::{ApplicationStatus, CertificationStatus, SchemeLevel};
        use domain::operation::{JobRunStatus, OutboxStatus};
        use domain::order::{EvidenceKind, OrderStatus, RedemptionStatus};
        use domain::party::{
            DocumentKind, ListingStatus, ObjectionStatus, OnboardingStatus, SpaceKind,
        };
        use domain::receivable::{RecoveryKind, SupplementStatus};
        use domain::settlement::{PayoutStatus, RunStatus};
        use domain::spot_check::{CheckStatus, FindingStatus, OpenedBecause};
        use domain::subsidy::EntitlementStatus;
        use domain::voucher::{AllocationMode, VoucherKind, VoucherStatus};
        same(&Role::ALL, Role::as_str);
        same(
            &[PartyKind::Authority, PartyKind::Firm, PartyKind::Provider, PartyKind::Space],
            PartyKind::as_str,
        );
        same(
            &[SizeClass::Micro, SizeClass::Small, SizeClass::Medium, SizeClass::Large],
            SizeClass::as_str,
        );
        same(&[VoucherKind::General, VoucherKind::Special], VoucherKind::as_str);
        same(&[AllocationMode::FirstCome, AllocationMode::Lottery], AllocationMode::as_str);
        same(
            &[SpaceKind::Incubator, SpaceKind::MakerSpace, SpaceKind::ProfessionalMakerSpace],
            SpaceKind::as_str,
        );
        same_all!(
            SchemeLevel,
            ApplicationStatus,
            CertificationStatus,
            ListingStatus,
            ObjectionStatus,
            OnboardingStatus,
            DocumentKind,
            EvidenceKind,
            CheckStatus,
            OpenedBecause,
            FindingStatus,
            RecoveryKind,
            SupplementStatus,
            OrderStatus,
            RedemptionStatus,
            VoucherStatus,
            EntitlementStatus,
            RunStatus,
            PayoutStatus,
            JobRunStatus,
            OutboxStatus,
        );
    }
}
