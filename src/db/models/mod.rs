//! Row structs, field order matching `schema.rs`. One file per area; every row
//! is re-exported here, so `db::models::OrderRow` names it wherever it lives.

mod accounts;
mod carriers;
mod checks;
mod money;
mod operations;
mod orders;
mod parties;
mod vouchers;

pub use accounts::*;
pub use carriers::*;
pub use checks::*;
pub use money::*;
pub use operations::*;
pub use orders::*;
pub use parties::*;
pub use vouchers::*;

use crate::domain::Fen;
use chrono::NaiveDateTime;
use serde::Serializer;

/// Audit snapshots of rows keep money as it is stored: an integer of fen (the API
/// and pages write yuan).
fn fen_number<S: Serializer>(fen: &Fen, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(fen.get())
}

fn opt_fen_number<S: Serializer>(fen: &Option<Fen>, s: S) -> Result<S::Ok, S::Error> {
    match fen {
        Some(f) => s.serialize_some(&f.get()),
        None => s.serialize_none(),
    }
}

/// A row whose `updated_at` says when it last changed.
pub trait Moved: Clone {
    /// The row as it is after a change made at `now`: the same values, `updated_at` now.
    fn moved_at(&self, now: NaiveDateTime) -> Self;
}

macro_rules! moved_rows {
    ($($row:ident),+ $(,)?) => {$(
        impl Moved for $row {
            fn moved_at(&self, now: NaiveDateTime) -> Self {
                $row { updated_at: now, ..self.clone() }
            }
        }
    )+};
}

moved_rows!(
    UserRow,
    SpaceRow,
    FirmRow,
    ProviderRow,
    ProgrammeRow,
    BatchRow,
    LotteryEntryRow,
    ServiceItemRow,
    OrderRow,
    RedemptionItemRow,
    CertificationRow,
    StatisticsFilingRow,
    IncubateeRow,
    EntitlementRow,
    ArticleRow,
);
