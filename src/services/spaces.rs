//! Spaces (载体): incubators and maker spaces register with their operator.

use super::auth::AuthConfig;
use super::contact_verification::Links;
use super::registration::{self, NewAccount, NewParty, Registered};
use super::{Page, Paged};
use crate::db::models::SpaceRow;
use crate::db::{parties as repo, DbConnection};
use crate::domain::id::SpaceId;
use crate::domain::listing::Filter;
use crate::domain::party::SpaceKind;
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::listing::{Cell, Row};
use crate::services::Cx;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpaceRegistration {
    #[schema(schema_with = crate::domain::validation::schema::username)]
    pub username: String,
    #[schema(schema_with = crate::domain::validation::schema::new_password)]
    pub password: String,
    #[schema(schema_with = crate::domain::validation::schema::opt_email)]
    pub email: Option<String>,
    #[schema(schema_with = crate::domain::validation::schema::credit_code)]
    pub credit_code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: SpaceKind,
    /// The operating company (运营主体).
    #[schema(min_length = 1, max_length = 200)]
    pub operator_name: String,
    #[schema(min_length = 1, max_length = 100)]
    pub legal_representative: String,
    #[schema(min_length = 1, max_length = 300)]
    pub address: String,
    #[schema(min_length = 1, max_length = 100)]
    pub contact_name: String,
    #[schema(schema_with = crate::domain::validation::schema::phone)]
    pub contact_phone: String,
    #[schema(schema_with = crate::domain::validation::schema::email)]
    pub contact_email: String,
    #[schema(max_length = 200)]
    pub bank_name: Option<String>,
    #[schema(max_length = 200)]
    pub bank_account_name: Option<String>,
    #[schema(schema_with = crate::domain::validation::schema::opt_bank_account)]
    pub bank_account_no: Option<String>,
}

registration::account_input!(SpaceRegistration);

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SpaceView {
    #[schema(value_type = String)]
    pub id: SpaceId,
    pub credit_code: String,
    pub name: String,
    pub kind: SpaceKind,
    pub operator_name: String,
    pub legal_representative: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub bank_name: Option<String>,
    pub bank_account_name: Option<String>,
    pub bank_account_no: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub created_at: NaiveDateTime,
    /// When the contact address was verified by its emailed link; an application goes
    /// to review only then.
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub contact_verified_at: Option<NaiveDateTime>,
}

impl SpaceView {
    fn from_row(r: SpaceRow) -> AppResult<Self> {
        Ok(SpaceView {
            kind: r.kind,
            id: r.id,
            credit_code: r.credit_code.into_string(),
            name: r.name,
            operator_name: r.operator_name,
            legal_representative: r.legal_representative,
            address: r.address,
            contact_name: r.contact_name,
            contact_phone: r.contact_phone,
            contact_email: r.contact_email,
            bank_name: r.bank_name,
            bank_account_name: r.bank_account_name,
            bank_account_no: r.bank_account_no,
            created_at: r.created_at,
            contact_verified_at: r.contact_verified_at,
        })
    }
}

/// A space registers with its operator; its certification applications are accepted
/// once the contact address answers the link sent to it.
pub fn register(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    auth: &AuthConfig,
    links: Links<'_>,
    input: &SpaceRegistration,
    prior: FieldErrors,
) -> AppResult<Registered<SpaceView>> {
    let mut e = prior;
    let account = NewAccount::check(&mut e, input);
    let bank_account_no = input
        .bank_account_no
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| e.bank_account("bank_account_no", s));
    let row = SpaceRow {
        id: SpaceId::new(),
        credit_code: e.credit_code("credit_code", &input.credit_code),
        name: e.party_name("name", &input.name, 200),
        kind: input.kind,
        operator_name: e.party_name("operator_name", &input.operator_name, 200),
        legal_representative: e.person_name(
            "legal_representative",
            &input.legal_representative,
            100,
        ),
        address: e.text("address", &input.address, 300),
        contact_name: e.person_name("contact_name", &input.contact_name, 100),
        contact_phone: e.phone("contact_phone", &input.contact_phone),
        contact_email: e.email("contact_email", &input.contact_email),
        bank_name: e.opt_text("bank_name", input.bank_name.as_deref(), 200),
        bank_account_name: e.opt_party_name(
            "bank_account_name",
            input.bank_account_name.as_deref(),
            200,
        ),
        bank_account_no,
        created_at: cx.now,
        updated_at: cx.now,
        contact_verified_at: None,
    };
    e.finish()?;
    let registered =
        registration::register(conn, cx, auth, links, NewParty::new(&row), account, |c| {
            Ok(repo::insert_space(c, &row)?)
        })?;
    Ok(registered.with(SpaceView::from_row(row)?))
}

pub fn get(conn: &mut DbConnection, id: &SpaceId) -> AppResult<SpaceView> {
    SpaceView::from_row(repo::space(conn, id)?.ok_or_else(|| AppError::not_found("space"))?)
}

/// Spaces as `f` asks.
pub fn list(conn: &mut DbConnection, f: &Filter<()>, page: Page) -> AppResult<Paged<SpaceView>> {
    let (rows, total) = repo::list_spaces(conn, f, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(SpaceView::from_row).collect::<AppResult<_>>()?,
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

impl Row for SpaceView {
    const COLUMNS: &'static [&'static str] =
        &["name", "credit-code", "kind-of-carrier", "operator", "registered-here"];
    const FILE: &'static str = "spaces";
    const SHEET: &'static str = "register-spaces";
    fn cells(&self, _policy: &crate::domain::Policy, _en: bool) -> Vec<Cell> {
        vec![
            Cell::Text(self.name.clone()),
            Cell::Text(self.credit_code.clone()),
            Cell::Words(crate::i18n::space_kind(self.kind)),
            Cell::Text(self.operator_name.clone()),
            Cell::Time(self.created_at),
        ]
    }
}
