//! Conflicts of interest: the organisations (by credit code) a staff member belongs to
//! or works for, declared by an admin. A reviewer may not decide an item of an
//! organisation they are affiliated with.

use super::{audit, Actor};
use crate::db::models::StaffAffiliationRow;
use crate::db::{self, orders as repo, users, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::UserId;
use crate::domain::validation::FieldErrors;
use crate::domain::CreditCode;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::Cx;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Affiliations {
    /// Unified social credit codes of the organisations the staff member belongs to.
    #[schema(schema_with = crate::domain::validation::schema::credit_codes)]
    pub credit_codes: Vec<String>,
}

/// Refuses when the acting user is affiliated with any of `credit_codes`.
pub fn not_affiliated(c: &mut DbConnection, actor: &Actor, credit_codes: &[&str]) -> AppResult<()> {
    let Some(user) = actor.user_id.as_ref() else {
        return Ok(());
    };
    let mine = repo::affiliations(c, user)?;
    if credit_codes.iter().any(|code| mine.iter().any(|m| m.eq_ignore_ascii_case(code))) {
        return Err(AppError::of(ErrorCode::ReviewerConflictOfInterest));
    }
    Ok(())
}

pub fn get(conn: &mut DbConnection, user_id: &UserId) -> AppResult<Affiliations> {
    users::by_id(conn, user_id)?.ok_or_else(|| AppError::not_found("user"))?;
    Ok(Affiliations { credit_codes: repo::affiliations(conn, user_id)? })
}

/// Replaces a staff member's declared affiliations (at most 50).
pub fn set(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    user_id: &UserId,
    input: &Affiliations,
) -> AppResult<Affiliations> {
    let mut e = FieldErrors::new();
    let mut codes: Vec<CreditCode> =
        input.credit_codes.iter().map(|c| e.credit_code("credit_codes", c)).collect();
    if codes.len() > 50 {
        e.add("credit_codes", ErrorCode::TooMany, "最多申报 50 个单位", "at most 50 organisations");
    }
    e.finish()?;
    codes.sort();
    codes.dedup();
    db::write_tx(conn, |c| -> AppResult<_> {
        let user = users::by_id(c, user_id)?.ok_or_else(|| AppError::not_found("user"))?;
        let staff = user.role.is_staff();
        if !staff {
            return Err(AppError::of(ErrorCode::NotStaff));
        }
        let before = repo::affiliations(c, user_id)?;
        let rows: Vec<StaffAffiliationRow> = codes
            .iter()
            .map(|code| StaffAffiliationRow {
                user_id: user_id.clone(),
                credit_code: code.clone(),
                declared_by: cx.actor.user_id.clone(),
                declared_at: cx.now,
            })
            .collect();
        repo::set_affiliations(c, user_id, &rows)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::UserAffiliationsSet, user_id).before(&before).after(&codes),
        )?;
        Ok(Affiliations { credit_codes: codes.iter().map(CreditCode::to_string).collect() })
    })
}
