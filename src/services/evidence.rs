//! Evidence for an order: the provider uploads the contract, the invoice, the firm's
//! payment receipt and the service report; the order's parties, reviewers, finance
//! and auditors may download them.

use super::audit;
use super::orders::{EvidenceView, Party};
use super::Acting;
use crate::db::models::EvidenceRow;
use crate::db::{self, orders as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{EvidenceId, OrderId, ProviderId};
use crate::domain::order::{display_name, EvidenceKind, MediaType, OrderStatus};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::files::FileStore;
use crate::services::Cx;

/// Checks an upload's kind and content; the file's type comes from its first bytes.
pub fn check(kind: &str, bytes: &[u8]) -> AppResult<(EvidenceKind, MediaType)> {
    let kind =
        EvidenceKind::parse(kind).ok_or_else(|| AppError::of(ErrorCode::EvidenceKindUnknown))?;
    Ok((kind, check_file(bytes)?))
}

/// A file anyone uploads (evidence, a notice's attachment): not empty, and a PDF, JPEG
/// or PNG by its content (never by its name).
pub fn check_file(bytes: &[u8]) -> AppResult<MediaType> {
    if bytes.is_empty() {
        return Err(AppError::of(ErrorCode::FileEmpty));
    }
    MediaType::sniff(bytes).ok_or_else(|| AppError::of(ErrorCode::FileTypeUnsupported))
}

/// The error for an upload whose body stopped arriving.
pub fn upload_timed_out(secs: u64) -> AppError {
    AppError::of(ErrorCode::UploadTimeout).arg("secs", secs)
}

/// The error for a file over the configured limit.
pub fn too_large(max: u64) -> AppError {
    AppError::of(ErrorCode::FileTooLarge).arg_each("max", max as f64 / 1_048_576.0, max)
}

/// A file as uploaded: the document kind it is given as, its name (if any) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub kind: &'a str,
    pub name: Option<&'a str>,
    /// An invoice's amount (yuan): required for an invoice, refused for other kinds.
    pub amount: Option<&'a str>,
    /// The document's date (YYYY-MM-DD, not after today): required for an invoice and a
    /// service report (the delivery), optional otherwise.
    pub dated: Option<&'a str>,
    pub bytes: &'a [u8],
}

/// What the provider states of a document, checked: an invoice's amount, the date.
fn statements(
    kind: Option<EvidenceKind>,
    amount: Option<&str>,
    dated: Option<&str>,
    today: chrono::NaiveDate,
    e: &mut crate::domain::validation::FieldErrors,
) -> (Option<crate::domain::Fen>, Option<chrono::NaiveDate>) {
    fn given(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|v| !v.is_empty())
    }
    let amount = match (given(amount), kind) {
        (Some(a), Some(EvidenceKind::Invoice)) => {
            let fen = e.money("amount", a);
            if fen.get() <= 0 && e.is_empty() {
                e.add(
                    "amount",
                    ErrorCode::AmountNotPositive,
                    "金额必须大于零",
                    "the amount must be more than zero",
                );
            }
            Some(fen)
        }
        (None, Some(EvidenceKind::Invoice)) => {
            e.add(
                "amount",
                ErrorCode::Required,
                "上传发票时须填写发票金额",
                "an invoice needs its amount",
            );
            None
        }
        (Some(_), _) => {
            e.add(
                "amount",
                ErrorCode::AmountUnexpected,
                "只有发票填写金额",
                "only an invoice states an amount",
            );
            None
        }
        (None, _) => None,
    };
    let needs_date = matches!(kind, Some(EvidenceKind::Invoice | EvidenceKind::ServiceReport));
    let dated = match given(dated) {
        Some(d) => e.past_date("dated", d, today),
        None if needs_date => {
            e.add(
                "dated",
                ErrorCode::Required,
                "上传发票、服务报告时须填写日期（开票日期或交付日期）",
                "an invoice or a service report needs its date (of the invoice, of the delivery)",
            );
            None
        }
        None => None,
    };
    (amount, dated)
}

/// Stores a file and records it as evidence for one of the provider's orders, while
/// the order is accepted (before delivery) or disputed (to answer the dispute).
pub fn add(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    store: &FileStore,
    provider_id: &ProviderId,
    order_id: &OrderId,
    file: Upload<'_>,
) -> AppResult<EvidenceView> {
    let Upload { kind, name, amount, dated, bytes } = file;
    let Acting { now, actor } = cx.by();
    // A file name is shown to reviewers as given: no invisible formatting characters
    // (a direction override would show `exe.pdf` for `fdp.exe`).
    let mut e = crate::domain::validation::FieldErrors::new();
    e.no_format_chars("name", name.unwrap_or(""));
    let today = crate::domain::china_time(now).date();
    let (amount_fen, dated) = statements(EvidenceKind::parse(kind), amount, dated, today, &mut e);
    e.finish()?;
    let (kind, media) = check(kind, bytes)?;
    if bytes.len() as u64 > store.max_bytes {
        return Err(too_large(store.max_bytes));
    }
    // Refuse before writing anything when the order is not the provider's.
    let order = repo::get(conn, order_id)?
        .filter(|o| o.provider_id == *provider_id)
        .ok_or_else(|| AppError::not_found("order"))?;
    open_for_evidence(order.status)?;
    let sha = store.put(bytes).map_err(|e| AppError::internal(format!("storing evidence: {e}")))?;
    let fallback = format!("{}.{}", kind.as_str(), media.extension());
    let row = EvidenceRow {
        id: EvidenceId::new(),
        order_id: order_id.clone(),
        kind,
        sha256: sha,
        size_bytes: bytes.len() as i64,
        media_type: media.as_str().into(),
        file_name: display_name(name.unwrap_or(""), &fallback),
        uploaded_by: actor.user_id.clone(),
        uploaded_at: now,
        amount_fen,
        dated,
    };
    db::write_tx(conn, |c| -> AppResult<_> {
        let o = repo::get_for_update(c, order_id)?
            .filter(|o| o.provider_id == *provider_id)
            .ok_or_else(|| AppError::not_found("order"))?;
        open_for_evidence(o.status)?;
        repo::insert_evidence(c, &row)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::OrderEvidenceAdded, order_id).after(&row),
        )?;
        Ok(())
    })?;
    EvidenceView::from_row(row)
}

fn open_for_evidence(status: OrderStatus) -> AppResult<()> {
    if matches!(status, OrderStatus::Accepted | OrderStatus::Disputed) {
        Ok(())
    } else {
        Err(AppError::of(ErrorCode::EvidenceNotAcceptedNow))
    }
}

/// One evidence record of an order, if `party` may see the order.
pub fn get(
    conn: &mut DbConnection,
    party: Party<'_>,
    order_id: &OrderId,
    evidence_id: &EvidenceId,
) -> AppResult<EvidenceRow> {
    let order = repo::get(conn, order_id)?.ok_or_else(|| AppError::not_found("order"))?;
    if !party.sees(&order) {
        return Err(AppError::not_found("order"));
    }
    repo::evidence(conn, evidence_id)?
        .filter(|e| e.order_id == *order_id)
        .ok_or_else(|| AppError::not_found("evidence"))
}

/// One evidence record and its bytes, if `party` may see the order (the API's download
/// and the pages' inline view both read it this way).
pub fn read(
    conn: &mut DbConnection,
    store: &FileStore,
    party: Party<'_>,
    order_id: &OrderId,
    evidence_id: &EvidenceId,
) -> AppResult<(EvidenceRow, Vec<u8>)> {
    let row = get(conn, party, order_id, evidence_id)?;
    let bytes = store
        .read(&row.sha256)
        .map_err(|e| AppError::internal(format!("reading evidence: {e}")))?;
    Ok((row, bytes))
}
