//! Registering a party (firm, provider, space) with its first account, the same way for
//! all three: one transaction that refuses a username or a credit code already taken,
//! writes the party and its account, records both in the audit trail and emails the
//! link that verifies the contact address.

use super::audit;
use super::auth::{check_password, check_username, AuthConfig};
use super::contact_verification::{self as verification, Links};
use super::Cx;
use crate::db::models::{FirmRow, ProviderRow, SpaceRow, UserRow};
use crate::db::{self, parties, users, DbConnection};
use crate::domain::audit::{Action, Fixed};
use crate::domain::id::{AnyParty, UserId};
use crate::domain::validation::FieldErrors;
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

/// A party's row as registration needs it: who it is and where its contact is.
pub(super) trait Party: audit::Audited {
    const KIND: PartyKind;
    /// The role of the party's accounts.
    const ROLE: Role;
    /// The party as whom its accounts act.
    fn party(&self) -> AnyParty;
    fn credit_code(&self) -> &CreditCode;
    fn name(&self) -> &str;
    fn contact_email(&self) -> &str;
}

macro_rules! parties {
    ($($row:ty => $kind:ident),+ $(,)?) => {$(
        impl Party for $row {
            const KIND: PartyKind = PartyKind::$kind;
            const ROLE: Role = Role::$kind;
            fn party(&self) -> AnyParty {
                AnyParty::$kind(self.id.clone())
            }
            fn credit_code(&self) -> &CreditCode {
                &self.credit_code
            }
            fn name(&self) -> &str {
                &self.name
            }
            fn contact_email(&self) -> &str {
                &self.contact_email
            }
        }
    )+};
}

parties!(FirmRow => Firm, ProviderRow => Provider, SpaceRow => Space);

/// The party being registered and how the audit trail records it.
pub(super) struct NewParty<'a, P> {
    row: &'a P,
    audited: audit::Change,
}

impl<'a, P: Party> NewParty<'a, P> {
    /// The party recorded as its row.
    pub fn new(row: &'a P) -> Self {
        Self { row, audited: audit::Change::created(Action::PartyRegistered(P::KIND), row) }
    }

    /// The party recorded as `after`: its row and what is written beside it.
    pub fn recorded_as(row: &'a P, after: &impl Serialize) -> Self {
        Self {
            row,
            audited: audit::Change::new(Action::PartyRegistered(P::KIND), row.audit_id())
                .after(after),
        }
    }
}

/// The account fields of a registration, checked together with the party's fields.
pub(super) struct NewAccount<'a> {
    username: String,
    password: &'a str,
    email: Option<String>,
}

/// A registration form: the party's fields and its first account's.
pub(super) trait AccountInput {
    fn username(&self) -> &str;
    fn password(&self) -> &str;
    fn email(&self) -> Option<&str>;
}

/// Makes a form with `username`, `password` and `email` fields an [`AccountInput`].
macro_rules! account_input {
    ($input:ty) => {
        impl $crate::services::registration::AccountInput for $input {
            fn username(&self) -> &str {
                &self.username
            }
            fn password(&self) -> &str {
                &self.password
            }
            fn email(&self) -> Option<&str> {
                self.email.as_deref()
            }
        }
    };
}

pub(super) use account_input;

impl<'a> NewAccount<'a> {
    /// Checks the username, the password against the rules, and the email where one was
    /// given, into `errors`.
    pub fn check(errors: &mut FieldErrors, input: &'a impl AccountInput) -> Self {
        let username = check_username(errors, "username", input.username());
        check_password(errors, "password", &username, input.password());
        let email =
            input.email().filter(|e| !e.trim().is_empty()).map(|e| errors.email("email", e));
        Self { username, password: input.password(), email }
    }
}

/// Writes the party (`insert`) and its first account in one transaction, recording
/// both in the audit trail and emailing the link that verifies the party's contact.
pub(super) fn register<P: Party>(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    auth: &AuthConfig,
    links: Links<'_>,
    party: NewParty<'_, P>,
    account: NewAccount<'_>,
    insert: impl FnOnce(&mut DbConnection) -> AppResult<()>,
) -> AppResult<Registered<()>> {
    let by = cx.by();
    let NewParty { row, audited } = party;
    let user = UserRow::new_account(
        account.username,
        auth.hash_password(account.password)?,
        P::ROLE,
        Some(row.party()),
        row.name().to_string(),
        account.email,
        by.now,
    );
    let token = db::write_tx(conn, |c| -> AppResult<_> {
        if users::username_taken(c, &user.username)? {
            return Err(username_taken());
        }
        if let Some(owner) = parties::credit_code_owner(c, row.credit_code())? {
            return Err(credit_code_taken(owner));
        }
        insert(c)?;
        users::insert(c, &user)?;
        audit::record(c, by, audited)?;
        audit::record(
            c,
            by,
            audit::Change::new(Fixed::UserCreated, &user.id).after(&user.audit()),
        )?;
        verification::send(c, cx, links, &user, row.name(), row.contact_email())
    })?;
    Ok(Registered {
        user_id: user.id,
        username: user.username,
        party: (),
        verification_token: token,
    })
}

impl Registered<()> {
    /// The registration answered with the party as its kind shows it.
    pub(super) fn with<T>(self, party: T) -> Registered<T> {
        Registered {
            user_id: self.user_id,
            username: self.username,
            party,
            verification_token: self.verification_token,
        }
    }
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
