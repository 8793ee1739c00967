//! Documents a firm, provider or space uploads for the reviewer: its business licence and
//! its certificates (高新技术企业, 科技型中小企业, a provider's qualification) with their
//! number and validity. Files follow the evidence rules (PDF, JPEG or PNG by content, the
//! size limit, stored by SHA-256). The party itself, reviewers, finance and auditors may
//! read them; each upload is audited. A newer document of a kind does not remove an older
//! one: the reviewer sees the history.

use super::audit;
use crate::db::models::PartyDocumentRow;
use crate::db::{self, documents as repo, DbConnection};
use crate::domain::audit::Action;
use crate::domain::id::{AnyParty, DocumentId, PartyId};
use crate::domain::party::DocumentKind;
use crate::domain::validation::FieldErrors;
use crate::domain::{PartyKind, Role};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::files::FileStore;
use crate::services::Cx;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// What the party says about the file it uploads.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// Which ones a party uploads depends on it: firms business_licence,
    /// high_tech_certificate, tech_sme_certificate, other; providers business_licence,
    /// qualification_certificate, other; spaces business_licence, other.
    #[param(value_type = DocumentKind)]
    pub kind: String,
    /// The certificate's number (required for certificates).
    #[param(max_length = 64, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub certificate_no: Option<String>,
    /// Valid from (optional; not after today).
    #[param(schema_with = crate::domain::validation::schema::opt_date)]
    pub valid_from: Option<String>,
    /// Valid until (required for 高新技术企业 and 科技型中小企业; not past).
    #[param(schema_with = crate::domain::validation::schema::opt_date)]
    pub valid_until: Option<String>,
    /// The file's name, shown to readers (never used as a path).
    #[param(max_length = 255)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    #[schema(value_type = String)]
    pub id: DocumentId,
    pub party_kind: String,
    #[schema(value_type = String)]
    pub party_id: PartyId,
    pub kind: DocumentKind,
    pub certificate_no: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Past its validity today (China time).
    pub expired: bool,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub uploaded_at: NaiveDateTime,
}

impl DocumentView {
    fn from_row(r: PartyDocumentRow, today: NaiveDate) -> AppResult<Self> {
        Ok(DocumentView {
            kind: r.kind,
            expired: r.valid_until.is_some_and(|d| d < today),
            id: r.id,
            party_kind: r.party_kind.as_str().to_string(),
            party_id: r.party_id,
            certificate_no: r.certificate_no,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            file_name: r.file_name,
            media_type: r.media_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploaded_at: r.uploaded_at,
        })
    }
}

/// Who reads a party's documents.
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    /// The party's own account.
    Party(&'a AnyParty),
    /// Reviewers, finance and auditors (administrators do not read documents, as they
    /// do not read evidence).
    Staff(Role),
}

impl<'a> Reader<'a> {
    /// The reader a signed-in caller is.
    pub fn of(caller: &'a super::auth::Caller) -> Reader<'a> {
        match &caller.party {
            Some(p) if !matches!(p, AnyParty::Authority(_)) => Reader::Party(p),
            _ => Reader::Staff(caller.role),
        }
    }
}

impl Reader<'_> {
    /// The party itself, or staff who read documents.
    fn may_read_party(&self, party: &AnyParty) -> bool {
        match self {
            Reader::Party(own) => *own == party,
            Reader::Staff(r) => matches!(r, Role::Reviewer | Role::Finance | Role::Auditor),
        }
    }

    fn may_read(&self, row: &PartyDocumentRow) -> bool {
        self.may_read_party(&row.party())
    }
}

fn today(now: NaiveDateTime) -> NaiveDate {
    crate::domain::china_time(now).date()
}

/// A document's description once checked.
struct Described {
    kind: DocumentKind,
    number: Option<String>,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
}

/// The checked description: kind, number, validity.
fn checked(
    party: PartyKind,
    input: &DocumentInput,
    today: NaiveDate,
    prior: FieldErrors,
) -> AppResult<Described> {
    let mut e = prior;
    let allowed = DocumentKind::for_party(party);
    let kind = DocumentKind::parse(input.kind.trim()).filter(|k| allowed.contains(k));
    if kind.is_none() {
        let names: Vec<&str> = allowed.iter().map(|k| k.name_zh()).collect();
        let codes: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
        e.add(
            "kind",
            ErrorCode::DocumentKindUnknown,
            format!("请选择材料类型：{}", names.join("、")),
            format!("choose the kind of document: {}", codes.join(", ")),
        );
    }
    let number = e.opt_text("certificate_no", input.certificate_no.as_deref(), 64);
    let from = input
        .valid_from
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| e.past_date("valid_from", s, today));
    let until = input
        .valid_until
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| e.date("valid_until", s));
    if let Some(k) = kind {
        if k.needs_number() && number.is_none() {
            e.add(
                "certificate_no",
                ErrorCode::CertificateNoRequired,
                format!("请填写{}的证书编号", k.name_zh()),
                "enter the certificate's number",
            );
        }
        if k.needs_validity()
            && until.is_none()
            && input.valid_until.as_deref().is_none_or(|s| s.trim().is_empty())
        {
            e.add(
                "valid_until",
                ErrorCode::ValidUntilRequired,
                format!("请填写{}的有效期", k.name_zh()),
                "enter the date the certificate is valid until",
            );
        }
    }
    if let Some(u) = until {
        if u < today {
            e.add(
                "valid_until",
                ErrorCode::CertificateExpired,
                format!("证书已于 {u} 过期，请上传有效的证书"),
                format!("the certificate expired on {u}; upload a valid one"),
            );
        }
        if from.is_some_and(|f| f > u) {
            e.add(
                "valid_until",
                ErrorCode::ValidityInvalid,
                "有效期截止日期不能早于起始日期",
                "the certificate cannot end before it starts",
            );
        }
    }
    e.finish()?;
    let Some(kind) = kind else {
        return Err(AppError::internal("document kind validation inconsistent"));
    };
    Ok(Described { kind, number, from, until })
}

/// Stores a file and records it as one of the party's documents.
pub fn upload(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    store: &FileStore,
    party: &AnyParty,
    input: &DocumentInput,
    bytes: &[u8],
) -> AppResult<DocumentView> {
    let today = today(cx.now);
    let mut prior = FieldErrors::new();
    let name = input.name.as_deref().unwrap_or("");
    prior.no_format_chars("file", name);
    // Every field's error at once; the file's own checks after (they are about bytes).
    let Described { kind, number, from, until } = checked(party.kind(), input, today, prior)?;
    let media = super::evidence::check_file(bytes)?;
    if bytes.len() as u64 > store.max_bytes {
        return Err(super::evidence::too_large(store.max_bytes));
    }
    let sha =
        store.put(bytes).map_err(|e| AppError::internal(format!("storing a document: {e}")))?;
    let row = PartyDocumentRow {
        id: DocumentId::new(),
        party_kind: party.kind(),
        party_id: party.id(),
        kind,
        certificate_no: number,
        valid_from: from,
        valid_until: until,
        file_name: crate::domain::order::display_name(
            name,
            &format!("{}.{}", kind.as_str(), media.extension()),
        ),
        media_type: media.as_str().into(),
        size_bytes: bytes.len() as i64,
        sha256: sha,
        uploaded_by: cx.actor.user_id.clone(),
        uploaded_at: cx.now,
    };
    db::write_tx(conn, |c| -> AppResult<_> {
        repo::insert(c, &row)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Action::DocumentUploaded(party.kind()), party.as_str()).after(&row),
        )
    })?;
    DocumentView::from_row(row, today)
}

/// A party's documents, newest first, for a reader who may see them.
pub fn of_party(
    conn: &mut DbConnection,
    reader: Reader<'_>,
    party: &AnyParty,
    now: NaiveDateTime,
) -> AppResult<Vec<DocumentView>> {
    if !reader.may_read_party(party) {
        return Err(AppError::not_found("party"));
    }
    let today = today(now);
    repo::of_party(conn, party)?.into_iter().map(|r| DocumentView::from_row(r, today)).collect()
}

/// One document and its bytes, for a reader who may see it.
pub fn read(
    conn: &mut DbConnection,
    store: &FileStore,
    reader: Reader<'_>,
    id: &DocumentId,
) -> AppResult<(PartyDocumentRow, Vec<u8>)> {
    let row = repo::get(conn, id)?
        .filter(|r| reader.may_read(r))
        .ok_or_else(|| AppError::not_found("document"))?;
    let bytes = store
        .read(&row.sha256)
        .map_err(|e| AppError::internal(format!("reading a document: {e}")))?;
    Ok((row, bytes))
}
