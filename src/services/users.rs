//! Staff accounts (reviewer, finance, admin, auditor), created by an administrator
//! or by the `hechuang user create` command.

use super::auth::{check_password, check_username, AuthConfig};
use super::registration::username_taken;
use super::{audit, Page, Paged};
use crate::db::models::{AuthorityRow, UserRow};
use crate::db::{self, parties, users as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{AnyParty, AuthorityId, PartyId, UserId};
use crate::domain::listing::Filter;
use crate::domain::validation::FieldErrors;
use crate::domain::{PartyKind, Role};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::listing::{Cell, Row};
use crate::services::Cx;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaffUser {
    #[schema(schema_with = crate::domain::validation::schema::username)]
    pub username: String,
    #[schema(schema_with = crate::domain::validation::schema::new_password)]
    pub password: String,
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: String,
    #[schema(schema_with = crate::domain::validation::schema::opt_email)]
    pub email: Option<String>,
    /// One of reviewer, finance, admin, auditor.
    #[schema(schema_with = crate::domain::validation::schema::staff_role)]
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    #[schema(value_type = String)]
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub party_kind: Option<PartyKind>,
    #[schema(value_type = Option<String>)]
    pub party_id: Option<PartyId>,
    pub display_name: String,
    pub email: Option<String>,
    pub disabled: bool,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub created_at: NaiveDateTime,
}

impl UserView {
    pub fn from_row(r: UserRow) -> AppResult<Self> {
        Ok(UserView {
            role: r.role,
            party_kind: r.party_kind,
            id: r.id,
            username: r.username,
            party_id: r.party_id,
            display_name: r.display_name,
            email: r.email,
            disabled: r.disabled,
            created_at: r.created_at,
        })
    }
}

/// The zone authority staff belong to; created on first use.
pub fn ensure_authority(conn: &mut DbConnection, cx: Cx<'_>) -> AppResult<AuthorityRow> {
    if let Some(a) = parties::first_authority(conn)? {
        return Ok(a);
    }
    let row = AuthorityRow {
        id: AuthorityId::new(),
        name: "合肥高新技术产业开发区管理委员会".into(),
        region_code: "340171".into(),
        created_at: cx.now,
    };
    parties::insert_authority(conn, &row)?;
    audit::record(conn, cx.by(), audit::Change::created(Fixed::AuthorityCreated, &row))?;
    Ok(row)
}

pub fn create_staff(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    auth: &AuthConfig,
    input: &NewStaffUser,
) -> AppResult<UserView> {
    let mut e = FieldErrors::new();
    let username = check_username(&mut e, "username", &input.username);
    check_password(&mut e, "password", &username, &input.password);
    let display_name = e.text("display_name", &input.display_name, 100);
    let email =
        input.email.as_deref().filter(|x| !x.trim().is_empty()).map(|x| e.email("email", x));
    if !input.role.is_staff() {
        e.add("role", ErrorCode::RoleNotStaff, "此处只能创建审核、财务、管理员或审计账号；企业、机构和载体请自行注册",
            "only reviewer, finance, admin and auditor accounts are created here; firms, providers and spaces register themselves");
    }
    e.finish()?;
    let hash = auth.hash_password(&input.password)?;
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        if repo::username_taken(c, &username)? {
            return Err(username_taken());
        }
        let authority = ensure_authority(c, cx)?;
        let row = UserRow::new_account(
            username.clone(),
            hash.clone(),
            input.role,
            Some(AnyParty::Authority(authority.id.clone())),
            display_name.clone(),
            email.clone(),
            cx.now,
        );
        repo::insert(c, &row)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::UserCreated, &row.id).after(&row.audit()),
        )?;
        Ok(row)
    })?;
    UserView::from_row(row)
}

pub fn get(conn: &mut DbConnection, id: &UserId) -> AppResult<UserView> {
    UserView::from_row(repo::by_id(conn, id)?.ok_or_else(|| AppError::not_found("user"))?)
}

/// Accounts as `f` asks (its state is the role).
pub fn list(conn: &mut DbConnection, f: &Filter<Role>, page: Page) -> AppResult<Paged<UserView>> {
    let (rows, total) = repo::list(conn, f, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(UserView::from_row).collect::<AppResult<_>>()?,
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

/// Disables or re-enables an account. Disabling revokes its sessions and tokens at once.
pub fn set_disabled(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    id: &UserId,
    disabled: bool,
) -> AppResult<UserView> {
    if disabled && cx.actor.user_id.as_ref() == Some(id) {
        return Err(AppError::of(ErrorCode::CannotDisableSelf));
    }
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::by_id(c, id)?.ok_or_else(|| AppError::not_found("user"))?;
        repo::set_disabled(c, id, disabled, cx.now)?;
        if disabled {
            repo::revoke_all_for_user(c, id, "disabled", cx.now)?;
        }
        let after = repo::by_id(c, id)?.ok_or_else(|| AppError::not_found("user"))?;
        let action = if disabled { Fixed::UserDisabled } else { Fixed::UserEnabled };
        audit::record(
            c,
            cx.by(),
            audit::Change::new(action, id).before(&before.audit()).after(&after.audit()),
        )?;
        Ok(after)
    })?;
    UserView::from_row(row)
}

/// The accounts list's orders: by username first (the list an administrator scans).
pub const SORTS: &[crate::domain::listing::Sort] = &[
    crate::domain::listing::Sort::Name,
    crate::domain::listing::Sort::Newest,
    crate::domain::listing::Sort::Oldest,
];

impl Row for UserView {
    const COLUMNS: &'static [&'static str] =
        &["username", "name-2", "role", "email-3", "state", "created-on"];
    const FILE: &'static str = "users";
    const SHEET: &'static str = "users-and-roles";
    fn cells(&self, _policy: &crate::domain::Policy, _en: bool) -> Vec<Cell> {
        vec![
            Cell::Text(self.username.clone()),
            Cell::Text(self.display_name.clone()),
            Cell::Words(crate::i18n::role_text(self.role)),
            Cell::Text(self.email.clone().unwrap_or_default()),
            Cell::Words(if self.disabled { "disabled" } else { "active" }),
            Cell::Time(self.created_at),
        ]
    }
}
