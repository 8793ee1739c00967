//! Registering a party (firm, provider, space) with its first account, the same way for
//! all three: one transaction that refuses a username or a credit code already taken,
//! writes the party and its account, records both in the audit trail and emails the
//! link that verifies the contact address.

use super::contact_verification::{self as verification, Links};
use super::{audit, Acting};
use crate::db::models::UserRow;
use crate::db::{self, parties, users, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::UserId;
use crate::domain::CreditCode;
use crate::domain::{PartyKind, Role};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use serde::Serialize;

/// What a registration answers: the new account and the party as its kind shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Registered<T> {
    #[schema(value_type = String)]
    pub user_id: UserId,
    pub username: String,
    pub party: T,
    /// The contact verification link's token (emailed; never answered over the API).
    #[serde(skip)]
    #[schema(ignore)]
    pub verification_token: String,
}

/// The party being registered, as the transaction needs it.
pub(super) struct NewParty<'a> {
    pub kind: PartyKind,
    pub id: &'a str,
    pub credit_code: &'a CreditCode,
    pub name: &'a str,
    pub contact_email: &'a str,
    /// The party's registration as the audit trail records it.
    pub audited: audit::Change,
}

/// The party's first account.
pub(super) struct NewAccount {
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub email: Option<String>,
}

/// Writes the party (`insert`) and its first account in one transaction; answers the
/// account and the token of the verification link emailed to the party's contact.
pub(super) fn register(
    conn: &mut DbConnection,
    links: Links<'_>,
    party: NewParty<'_>,
    account: NewAccount,
    insert: impl FnOnce(&mut DbConnection) -> AppResult<()>,
    by: Acting<'_>,
) -> AppResult<(UserRow, String)> {
    let now = by.now;
    let user = UserRow::new_account(
        account.username,
        account.password_hash,
        account.role,
        Some((party.kind, party.id)),
        party.name.to_string(),
        account.email,
        now,
    );
    let token = db::write_tx(conn, |c| -> AppResult<_> {
        if users::username_taken(c, &user.username)? {
            return Err(username_taken());
        }
        if let Some(owner) = parties::credit_code_owner(c, party.credit_code)? {
            return Err(credit_code_taken(owner));
        }
        insert(c)?;
        users::insert(c, &user)?;
        audit::record(c, by, party.audited)?;
        audit::record(
            c,
            by,
            audit::Change::new(Fixed::UserCreated, &user.id).after(&user.audit()),
        )?;
        verification::send(c, links, &user, party.name, party.contact_email, by)
    })?;
    Ok((user, token))
}

/// A credit code already registered, and by which kind of party.
pub(crate) fn credit_code_taken(owner: &str) -> AppError {
    AppError::of(ErrorCode::CreditCodeTakenBy).arg_each(
        "owner",
        match owner {
            "firm" => "企业",
            "provider" => "服务机构",
            _ => "载体",
        },
        owner,
    )
}

pub(crate) fn username_taken() -> AppError {
    AppError::of(ErrorCode::UsernameTaken)
}
