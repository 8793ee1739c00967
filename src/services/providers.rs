//! Service providers (服务机构): application, public notice with objections, listing,
//! suspension and delisting.

use super::auth::AuthConfig;
use super::contact_verification::{self as verification, Links};
pub use super::objections::{ObjectionInput, ObjectionOutcome, ObjectionResolution};
use super::registration::{self, NewAccount, NewParty, Registered};
use super::Acting;
use super::{audit, objections, Page, Paged};
use crate::db::models::Moved;
use crate::db::models::{ObjectionRow, ProviderRow};
use crate::db::{self, parties as repo, DbConnection};
use crate::domain::audit::{Action, Fixed, NoticeOf};
use crate::domain::id::ListingObjectionId;
use crate::domain::id::ProviderId;
use crate::domain::listing::Filter;
use crate::domain::party::{notice_window, ListingStatus, ObjectionStatus};
use crate::domain::validation::FieldErrors;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::{
    china_time, ApplicationReturned, Email, Message, ProviderListingDecided, ProviderListingNotice,
    Templates,
};
use crate::services::listing::{Cell, Row};
use crate::services::Cx;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderApplication {
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
    #[schema(min_length = 1, max_length = 100)]
    pub legal_representative: String,
    #[schema(min_length = 1, max_length = 200)]
    pub actual_controller: String,
    #[schema(min_length = 1, max_length = 300)]
    pub address: String,
    #[schema(min_length = 1, max_length = 100)]
    pub contact_name: String,
    #[schema(schema_with = crate::domain::validation::schema::phone)]
    pub contact_phone: String,
    #[schema(schema_with = crate::domain::validation::schema::email)]
    pub contact_email: String,
    /// What the provider offers, in a few sentences.
    #[schema(min_length = 1, max_length = 4000)]
    pub description: String,
    /// Category codes from `GET /api/v1/policy/service-categories`.
    #[schema(min_items = 1)]
    pub categories: Vec<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub bank_name: String,
    #[schema(min_length = 1, max_length = 200)]
    pub bank_account_name: String,
    #[schema(schema_with = crate::domain::validation::schema::bank_account)]
    pub bank_account_no: String,
}

registration::account_input!(ProviderApplication);

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProviderView {
    #[schema(value_type = String)]
    pub id: ProviderId,
    pub credit_code: String,
    pub name: String,
    pub legal_representative: String,
    pub actual_controller: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub description: String,
    pub categories: Vec<String>,
    pub bank_name: String,
    pub bank_account_name: String,
    pub bank_account_no: String,
    pub listing_status: ListingStatus,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub notice_starts_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub notice_ends_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    /// What to correct, while the application is returned for correction
    /// (`listing_status` = `returned`); empty otherwise.
    #[schema(value_type = Vec<String>)]
    pub corrections: Vec<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub listed_at: Option<NaiveDateTime>,
    /// When its listing was last decided (a refusal, a suspension, a delisting: a
    /// delisted provider may apply again `relist_after_days` after it).
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    #[schema(value_type = Option<String>)]
    pub decided_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub created_at: NaiveDateTime,
    /// When the contact address was verified by its emailed link; an application goes
    /// to review only then.
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub contact_verified_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub updated_at: NaiveDateTime,
}

impl ProviderView {
    fn build(r: ProviderRow, categories: Vec<String>) -> AppResult<Self> {
        Ok(ProviderView {
            listing_status: r.listing_status,
            id: r.id,
            credit_code: r.credit_code.into_string(),
            name: r.name,
            legal_representative: r.legal_representative,
            actual_controller: r.actual_controller,
            address: r.address,
            contact_name: r.contact_name,
            contact_phone: r.contact_phone,
            contact_email: r.contact_email,
            description: r.description,
            categories,
            bank_name: r.bank_name,
            bank_account_name: r.bank_account_name,
            bank_account_no: r.bank_account_no,
            notice_starts_at: r.notice_starts_at,
            notice_ends_at: r.notice_ends_at,
            decision_reason: r.decision_reason,
            corrections: r
                .corrections
                .as_ref()
                .map(|c| c.items().map(str::to_string).collect())
                .unwrap_or_default(),
            listed_at: r.listed_at,
            decided_at: r.reviewed_at,
            created_at: r.created_at,
            contact_verified_at: r.contact_verified_at,
            updated_at: r.updated_at,
        })
    }
}

fn load_view(c: &mut DbConnection, r: ProviderRow) -> AppResult<ProviderView> {
    let cats = repo::provider_categories(c, &r.id)?;
    ProviderView::build(r, cats)
}

/// A public notice entry: what anyone may see while a provider is in notice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ProviderNoticeView)]
pub struct NoticeView {
    #[schema(value_type = String)]
    pub provider_id: ProviderId,
    pub name: String,
    pub credit_code: String,
    pub legal_representative: String,
    pub categories: Vec<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub notice_starts_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub notice_ends_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObjectionView {
    #[schema(value_type = String)]
    pub id: ListingObjectionId,
    #[schema(value_type = String)]
    pub provider_id: ProviderId,
    pub objector_name: String,
    pub objector_contact: String,
    pub reason: String,
    pub status: ObjectionStatus,
    pub resolution_note: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub resolved_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub filed_at: NaiveDateTime,
}

/// A provider applies to be listed; the application goes to review once the contact
/// address answers the link sent to it.
/// A provider's application details: what it applies with and what it may correct
/// before its public notice starts (its account is not part of it).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderDetails {
    #[schema(schema_with = crate::domain::validation::schema::credit_code)]
    pub credit_code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(min_length = 1, max_length = 100)]
    pub legal_representative: String,
    #[schema(min_length = 1, max_length = 200)]
    pub actual_controller: String,
    #[schema(min_length = 1, max_length = 300)]
    pub address: String,
    #[schema(min_length = 1, max_length = 100)]
    pub contact_name: String,
    #[schema(schema_with = crate::domain::validation::schema::phone)]
    pub contact_phone: String,
    #[schema(schema_with = crate::domain::validation::schema::email)]
    pub contact_email: String,
    /// What the provider offers, in a few sentences.
    #[schema(min_length = 1, max_length = 4000)]
    pub description: String,
    /// Category codes from `GET /api/v1/policy/service-categories`.
    #[schema(min_items = 1)]
    pub categories: Vec<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub bank_name: String,
    #[schema(min_length = 1, max_length = 200)]
    pub bank_account_name: String,
    #[schema(schema_with = crate::domain::validation::schema::bank_account)]
    pub bank_account_no: String,
}

impl ProviderApplication {
    fn details(&self) -> ProviderDetails {
        ProviderDetails {
            credit_code: self.credit_code.clone(),
            name: self.name.clone(),
            legal_representative: self.legal_representative.clone(),
            actual_controller: self.actual_controller.clone(),
            address: self.address.clone(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            contact_email: self.contact_email.clone(),
            description: self.description.clone(),
            categories: self.categories.clone(),
            bank_name: self.bank_name.clone(),
            bank_account_name: self.bank_account_name.clone(),
            bank_account_no: self.bank_account_no.clone(),
        }
    }
}

/// The details checked into `row` (its other columns kept), and the categories sorted,
/// each once. Errors go to `e`.
fn checked(
    e: &mut FieldErrors,
    policy: &crate::domain::Policy,
    d: &ProviderDetails,
    row: ProviderRow,
) -> (ProviderRow, Vec<String>) {
    let credit_code = e.credit_code("credit_code", &d.credit_code);
    let mut categories: Vec<String> = d.categories.iter().map(|c| c.trim().to_string()).collect();
    categories.sort();
    categories.dedup();
    if categories.is_empty() {
        e.add(
            "categories",
            ErrorCode::CategoriesRequired,
            "至少选择一个服务类别",
            "choose at least one service category",
        );
    }
    for c in &categories {
        if policy.category(c).is_none() {
            e.add(
                "categories",
                ErrorCode::CategoryUnknown,
                format!("未知的服务类别：{c}"),
                format!("unknown service category: {c}"),
            );
        }
    }
    let row = ProviderRow {
        credit_code,
        name: e.party_name("name", &d.name, 200),
        legal_representative: e.person_name("legal_representative", &d.legal_representative, 100),
        actual_controller: e.person_name("actual_controller", &d.actual_controller, 200),
        address: e.text("address", &d.address, 300),
        contact_name: e.person_name("contact_name", &d.contact_name, 100),
        contact_phone: e.phone("contact_phone", &d.contact_phone),
        contact_email: e.email("contact_email", &d.contact_email),
        description: e.text("description", &d.description, 4000),
        bank_name: e.text("bank_name", &d.bank_name, 200),
        bank_account_name: e.party_name("bank_account_name", &d.bank_account_name, 200),
        bank_account_no: e.bank_account("bank_account_no", &d.bank_account_no),
        ..row
    };
    (row, categories)
}

pub fn apply(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    auth: &AuthConfig,
    links: Links<'_>,
    input: &ProviderApplication,
    prior: FieldErrors,
) -> AppResult<Registered<ProviderView>> {
    let mut e = prior;
    let account = NewAccount::check(&mut e, input);
    let blank = ProviderRow {
        id: ProviderId::new(),
        credit_code: crate::domain::CreditCode::stored(String::new()),
        name: String::new(),
        legal_representative: String::new(),
        actual_controller: String::new(),
        address: String::new(),
        contact_name: String::new(),
        contact_phone: String::new(),
        contact_email: String::new(),
        description: String::new(),
        bank_name: String::new(),
        bank_account_name: String::new(),
        bank_account_no: String::new(),
        listing_status: ListingStatus::Applied,
        notice_starts_at: None,
        notice_ends_at: None,
        decision_reason: None,
        reviewed_by: None,
        reviewed_at: None,
        listed_at: None,
        created_at: cx.now,
        updated_at: cx.now,
        contact_verified_at: None,
        corrections: None,
    };
    let (row, categories) = checked(&mut e, cx.policy, &input.details(), blank);
    e.finish()?;
    let mut audited = serde_json::to_value(&row).map_err(AppError::internal)?;
    audited["categories"] = serde_json::json!(categories);
    let registered = registration::register(
        conn,
        cx,
        auth,
        links,
        NewParty::recorded_as(&row, &audited),
        account,
        |c| Ok(repo::insert_provider(c, &row, &categories)?),
    )?;
    Ok(registered.with(ProviderView::build(row, categories)?))
}

/// The provider corrects its application before the public notice starts (while it
/// waits for review or after it was returned for correction). A returned application
/// stays with the provider until it resubmits it. A changed contact address must be
/// verified again.
pub fn update_application(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    links: Links<'_>,
    provider_id: &ProviderId,
    input: &ProviderDetails,
    prior: FieldErrors,
) -> AppResult<ProviderView> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::provider_for_update(c, provider_id)?
            .ok_or_else(|| AppError::not_found("provider"))?;
        let status = before.listing_status;
        if !status.can_edit_application() {
            return Err(AppError::of(ErrorCode::ApplicationLocked).arg_each(
                "status",
                status.name_zh(),
                status.as_str(),
            ));
        }
        let mut e = prior.clone();
        let (mut after, categories) = checked(&mut e, cx.policy, input, before.moved_at(cx.now));
        e.finish()?;
        if after.credit_code != before.credit_code {
            if let Some(owner) = repo::credit_code_owner(c, &after.credit_code)? {
                return Err(registration::credit_code_taken(owner));
            }
        }
        if after.contact_email != before.contact_email {
            after.contact_verified_at = None;
        }
        let earlier = repo::provider_categories(c, provider_id)?;
        repo::update_provider(c, &after)?;
        repo::set_provider_categories(c, provider_id, &categories)?;
        let mut was = serde_json::to_value(&before).map_err(AppError::internal)?;
        was["categories"] = serde_json::json!(earlier);
        let mut now = serde_json::to_value(&after).map_err(AppError::internal)?;
        now["categories"] = serde_json::json!(categories);
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::ProviderApplicationUpdated, &after.id)
                .before(&was)
                .after(&now),
        )?;
        if after.contact_verified_at.is_none() {
            verification::send_to_own(
                c,
                cx,
                links,
                provider_id,
                &after.name,
                &after.contact_email,
            )?;
        }
        ProviderView::build(after, categories)
    })
}

/// The provider sends back an application returned for correction: it waits for a
/// reviewer again. The list of corrections stays on the audit trail.
pub fn resubmit(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
) -> AppResult<ProviderView> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::provider_for_update(c, provider_id)?
            .ok_or_else(|| AppError::not_found("provider"))?;
        let status = before.listing_status;
        if status != ListingStatus::Returned {
            return Err(AppError::of(ErrorCode::ApplicationNotReturned).arg_each(
                "status",
                status.name_zh(),
                status.as_str(),
            ));
        }
        let after = ProviderRow {
            listing_status: ListingStatus::Applied,
            corrections: None,
            ..before.moved_at(cx.now)
        };
        repo::update_provider(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::moved(Fixed::ProviderResubmitted, &before, &after),
        )?;
        load_view(c, after)
    })
}

pub fn get(conn: &mut DbConnection, id: &ProviderId) -> AppResult<ProviderView> {
    let row = repo::provider(conn, id)?.ok_or_else(|| AppError::not_found("provider"))?;
    load_view(conn, row)
}

/// `p`'s application under the listing rules (`config/policy/listing.toml`) on `now`'s
/// China day: what its documents, contact and payout account show.
pub fn listing_check(
    conn: &mut DbConnection,
    policy: &crate::domain::ListingPolicy,
    p: &ProviderView,
    now: NaiveDateTime,
) -> AppResult<crate::domain::listing_rules::ListingCheck> {
    use crate::domain::listing_rules::{check, ListingFacts};
    use crate::domain::party::DocumentKind;
    let today = crate::domain::china_time(now).date();
    let party = crate::domain::id::AnyParty::Provider(p.id.clone());
    let docs = db::documents::of_party(conn, &party)?;
    let certificates = || {
        docs.iter().filter(|d| {
            d.kind == DocumentKind::QualificationCertificate
                && d.certificate_no.as_deref().is_some_and(|n| !n.trim().is_empty())
        })
    };
    let expired = certificates().filter(|d| d.valid_until.is_some_and(|u| u < today)).count();
    Ok(check(
        policy,
        &ListingFacts {
            name: &p.name,
            categories: &p.categories,
            business_licence: docs.iter().any(|d| d.kind == DocumentKind::BusinessLicence),
            qualifications_in_force: certificates().count() - expired,
            qualifications_expired: expired,
            contact_verified: p.contact_verified_at.is_some(),
            bank_account_name: &p.bank_account_name,
        },
    ))
}

/// Providers as `f` asks. `applied` is the review queue: only providers whose contact
/// address is verified.
pub fn list(
    conn: &mut DbConnection,
    f: &Filter<ListingStatus>,
    page: Page,
) -> AppResult<Paged<ProviderView>> {
    let (rows, total) = repo::list_providers(
        conn,
        f,
        (f.status == Some(ListingStatus::Applied)).then_some(true),
        page.offset(),
        page.per_page,
    )?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        items.push(load_view(conn, r)?);
    }
    Ok(Paged { items, page: page.page, per_page: page.per_page, total })
}

pub fn notices(conn: &mut DbConnection, page: Page) -> AppResult<Paged<NoticeView>> {
    let list = list(conn, &Filter::queue(ListingStatus::InNotice), page)?;
    Ok(Paged {
        items: list
            .items
            .into_iter()
            .map(|p| NoticeView {
                provider_id: p.id,
                name: p.name,
                credit_code: p.credit_code,
                legal_representative: p.legal_representative,
                categories: p.categories,
                notice_starts_at: p.notice_starts_at,
                notice_ends_at: p.notice_ends_at,
            })
            .collect(),
        page: list.page,
        per_page: list.per_page,
        total: list.total,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingAction {
    /// Put an application into public notice (公示).
    StartNotice,
    /// Refuse an application (before or during notice).
    Reject,
    /// Return an application to the provider for correction (退回补正), with what to
    /// correct.
    Return,
    Suspend,
    Reinstate,
    Delist,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingDecision {
    pub action: ListingAction,
    /// Required for reject, suspend and delist.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
    /// Required when returning, refused otherwise: what to correct, one item an entry
    /// (an entry of several lines is several items), at most 20 of at most 500
    /// characters.
    #[serde(default)]
    #[schema(schema_with = crate::domain::validation::schema::corrections)]
    pub corrections: Vec<String>,
}

pub fn decide_listing(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
    input: &ListingDecision,
) -> AppResult<ProviderView> {
    use ListingAction as A;
    let mut e = FieldErrors::new();
    let reason = e.reason(
        input.reason.as_deref(),
        matches!(input.action, A::Reject | A::Suspend | A::Delist),
        ("此操作必须填写理由", "this action needs a reason"),
    );
    let corrections = e.corrections(&input.corrections, input.action == A::Return);
    e.finish()?;
    let target = match input.action {
        A::StartNotice => ListingStatus::InNotice,
        A::Return => ListingStatus::Returned,
        A::Reject => ListingStatus::Rejected,
        A::Suspend => ListingStatus::Suspended,
        A::Reinstate => ListingStatus::Listed,
        A::Delist => ListingStatus::Delisted,
    };
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::provider_for_update(c, provider_id)?
            .ok_or_else(|| AppError::not_found("provider"))?;
        let from = before.listing_status;
        if !from.can_move_to(target) {
            return Err(AppError::of(ErrorCode::ListingTransitionInvalid)
                .arg_each("from", from.name_zh(), from.as_str())
                .arg("to", target.as_str()));
        }
        if from == ListingStatus::Applied && before.contact_verified_at.is_none() {
            return Err(verification::not_verified(&before.contact_email));
        }
        let after = decided(cx, &before, target, reason.clone(), corrections.clone());
        moved(c, cx.templates, cx.by(), Action::ListingMoved(target), &before, &after)?;
        load_view(c, after)
    })
}

/// The sanction a provider's credit grade calls for, applied (`services::credit::enforce`):
/// a listed provider suspended, a listed or suspended one delisted, audited and told as
/// a reviewer's decision is. Nothing when it stands there or further already.
pub(crate) fn sanction_by_credit(
    c: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
    sanction: crate::domain::credit::Sanction,
    a: &crate::domain::credit::Assessment,
    because: Option<&str>,
) -> AppResult<Option<crate::domain::credit::Sanction>> {
    use crate::domain::credit::Sanction;
    let before = repo::provider_for_update(c, provider_id)?
        .ok_or_else(|| AppError::not_found("provider"))?;
    let (target, what) = match (sanction, before.listing_status) {
        (Sanction::Suspension, ListingStatus::Listed) => (ListingStatus::Suspended, "暂停服务资格"),
        (Sanction::Delisting, ListingStatus::Listed | ListingStatus::Suspended) => {
            (ListingStatus::Delisted, "出库")
        }
        _ => return Ok(None),
    };
    let reason = match because {
        Some(why) => format!("{why}，{BY_CREDIT_RULES}{what}"),
        None => {
            format!("信用等级降为 {}（{} 分），{BY_CREDIT_RULES}{what}", a.grade.as_str(), a.points)
        }
    };
    let after = decided(cx, &before, target, Some(reason), None);
    moved(c, cx.templates, cx.by(), Action::ListingMoved(target), &before, &after)?;
    Ok(Some(sanction))
}

/// What the reason of a suspension or delisting made by the credit rules says (and
/// only theirs): how such a sanction is told from a reviewer's.
const BY_CREDIT_RULES: &str = "按信用规则";

/// A suspension or delisting the credit rules made is lifted, in the transaction of an
/// appeal that revised a finding it rested on, when what is `needed` now (the grade
/// recomputed, and the revised finding's own sanction) no longer calls for it: listed again, or a delisting eased to a suspension. A reviewer's own sanction
/// stays (it is appealed as such). Time alone never lifts a sanction.
pub(crate) fn lift_credit_sanction(
    c: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
    a: &crate::domain::credit::Assessment,
    needed: crate::domain::credit::Sanction,
) -> AppResult<()> {
    use crate::domain::credit::Sanction;
    let before = repo::provider_for_update(c, provider_id)?
        .ok_or_else(|| AppError::not_found("provider"))?;
    let by_rules = before.decision_reason.as_deref().is_some_and(|r| r.contains(BY_CREDIT_RULES));
    if !by_rules {
        return Ok(());
    }
    let (target, what) = match (before.listing_status, needed) {
        (
            ListingStatus::Suspended | ListingStatus::Delisted,
            Sanction::None | Sanction::Warning,
        ) => (ListingStatus::Listed, "恢复服务资格"),
        (ListingStatus::Delisted, Sanction::Suspension) => {
            (ListingStatus::Suspended, "改为暂停服务资格")
        }
        _ => return Ok(()),
    };
    let reason = format!(
        "核查结论经申诉复核改定，信用等级为 {}（{} 分），{BY_CREDIT_RULES}{what}",
        a.grade.as_str(),
        a.points
    );
    let after = decided(cx, &before, target, Some(reason), None);
    moved(c, cx.templates, cx.by(), Action::ListingMoved(target), &before, &after)
}

/// A listed provider whose grade calls for a warning (警示) is told by email, with its
/// grade and points, at most once a day.
pub(crate) fn warn_by_credit(
    c: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
    a: &crate::domain::credit::Assessment,
) -> AppResult<Option<crate::domain::credit::Sanction>> {
    let p = repo::provider(c, provider_id)?.ok_or_else(|| AppError::not_found("provider"))?;
    if p.listing_status != ListingStatus::Listed {
        return Ok(None);
    }
    let key = format!("credit_warning:{}:{}", p.id, crate::domain::china_time(cx.now).date());
    if !crate::db::outbox::existing_keys(c, std::slice::from_ref(&key))?.is_empty() {
        return Ok(None);
    }
    let email = crate::notify::CreditWarning {
        provider_name: p.name.clone(),
        grade: a.grade.as_str().into(),
        points: a.points,
    }
    .to(&p.contact_email, &p.name)
    .once(key);
    super::outbox::enqueue(c, cx.templates, vec![email], cx.now)?;
    Ok(Some(crate::domain::credit::Sanction::Warning))
}

/// A delisting as the public notice (出库公告) shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Delisting {
    pub name: String,
    pub credit_code: String,
    pub delisted_at: NaiveDateTime,
    pub reason: String,
    /// From when it may apply to be listed again.
    pub may_reapply_from: NaiveDateTime,
}

/// The delisted providers (the latest 100), for the public notice.
pub fn delistings(
    conn: &mut DbConnection,
    policy: &crate::domain::Policy,
) -> AppResult<Vec<Delisting>> {
    let days = chrono::Duration::days(i64::from(policy.credit.sanctions.relist_after_days));
    Ok(db::read_tx(conn, |c| repo::delisted_providers(c, 100))?
        .into_iter()
        .map(|p| {
            let at = p.reviewed_at.unwrap_or(p.updated_at);
            Delisting {
                name: p.name,
                credit_code: p.credit_code.to_string(),
                delisted_at: at,
                reason: p.decision_reason.unwrap_or_default(),
                may_reapply_from: at + days,
            }
        })
        .collect())
}

/// A delisted provider applies to be listed again once the relisting period has passed
/// (`config/policy/credit.toml`, `relist_after_days`): its application goes to review as
/// a new one does.
pub fn reapply(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
) -> AppResult<ProviderView> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::provider_for_update(c, provider_id)?
            .ok_or_else(|| AppError::not_found("provider"))?;
        if before.listing_status != ListingStatus::Delisted {
            return Err(AppError::of(ErrorCode::ProviderNotDelisted).arg_each(
                "status",
                before.listing_status.name_zh(),
                before.listing_status.as_str(),
            ));
        }
        let days = cx.policy.credit.sanctions.relist_after_days;
        let from = before.reviewed_at.unwrap_or(before.updated_at)
            + chrono::Duration::days(i64::from(days));
        if cx.now < from {
            return Err(AppError::of(ErrorCode::RelistPeriodRunning)
                .arg("days", days)
                .arg("from", crate::domain::china_time(from).format("%Y-%m-%d")));
        }
        let after = ProviderRow {
            listing_status: ListingStatus::Applied,
            decision_reason: None,
            notice_starts_at: None,
            notice_ends_at: None,
            ..before.moved_at(cx.now)
        };
        repo::update_provider(c, &after)?;
        audit::record(c, cx.by(), audit::Change::moved(Fixed::ProviderReapplied, &before, &after))?;
        load_view(c, after)
    })
}

/// An appeal overturned a refused listing (the application goes to its public notice,
/// as an approved one does) or a suspension or delisting (listed again at once). Inside
/// the appeal's transaction.
pub(crate) fn relist_on_appeal(
    c: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
    reason: &str,
) -> AppResult<()> {
    let before = repo::provider_for_update(c, provider_id)?
        .ok_or_else(|| AppError::not_found("provider"))?;
    let target = match before.listing_status {
        ListingStatus::Rejected => ListingStatus::InNotice,
        ListingStatus::Suspended | ListingStatus::Delisted => ListingStatus::Listed,
        other => return Err(AppError::of(ErrorCode::AppealSubjectMoved).arg("status", other)),
    };
    let after = decided(cx, &before, target, Some(reason.to_string()), None);
    moved(c, cx.templates, cx.by(), Action::ListingMoved(target), &before, &after)
}

/// `before` moved to `target` by the acting person now, with the reason: a notice opens
/// its window, a first listing is dated.
fn decided(
    cx: Cx<'_>,
    before: &ProviderRow,
    target: ListingStatus,
    reason: Option<String>,
    corrections: Option<crate::domain::party::Corrections>,
) -> ProviderRow {
    let mut after = ProviderRow {
        listing_status: target,
        decision_reason: reason,
        corrections,
        reviewed_by: cx.actor.user_id.clone(),
        reviewed_at: Some(cx.now),
        ..before.moved_at(cx.now)
    };
    if target == ListingStatus::InNotice {
        let (start, end) = notice_window(cx.now, cx.policy.listing.notice_days);
        after.notice_starts_at = Some(start);
        after.notice_ends_at = Some(end);
    }
    if target == ListingStatus::Listed && after.listed_at.is_none() {
        after.listed_at = Some(cx.now);
    }
    after
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ConcludeReport {
    pub listed: Vec<String>,
    pub awaiting_objections: Vec<String>,
}

objections::notice_use_cases!(Listing: ProviderId, ListingObjectionId => ObjectionView, ConcludeReport { listed });

objections::objection_rows!(ObjectionRow(ListingObjectionId).provider_id: ProviderId => ObjectionView);

/// A provider's listing on notice: an upheld objection rejects the application, the
/// end of the notice lists the provider.
struct Listing;

impl objections::Notice for Listing {
    type Subject = ProviderRow;
    type Objection = ObjectionRow;
    const NOTICE: NoticeOf = NoticeOf::Listing;
    const NOT_FOUND: &'static str = "provider";
    const WHAT: (&'static str, &'static str) = ("服务机构", "provider");

    objections::notice_repo!(repo, subject: provider, lock: provider_for_update);
    fn on_notice(p: &ProviderRow) -> Option<NaiveDateTime> {
        p.notice_ends_at.filter(|_| p.listing_status == ListingStatus::InNotice)
    }

    fn reject(c: &mut DbConnection, cx: Cx<'_>, p: &ProviderRow, why: String) -> AppResult<()> {
        let rejected = ProviderRow {
            listing_status: ListingStatus::Rejected,
            decision_reason: Some(why),
            reviewed_by: cx.actor.user_id.clone(),
            reviewed_at: Some(cx.now),
            ..p.moved_at(cx.now)
        };
        moved(c, cx.templates, cx.by(), Action::ListingMoved(ListingStatus::Rejected), p, &rejected)
    }

    fn conclude(c: &mut DbConnection, cx: Cx<'_>, before: &ProviderRow) -> AppResult<()> {
        let after = ProviderRow {
            listing_status: ListingStatus::Listed,
            listed_at: Some(cx.now),
            ..before.moved_at(cx.now)
        };
        moved(c, cx.templates, cx.by(), Action::ListingMoved(ListingStatus::Listed), before, &after)
    }
}

/// Writes a provider's new listing status, audited, and tells the provider.
fn moved(
    c: &mut DbConnection,
    templates: &Templates,
    by: Acting<'_>,
    action: Action,
    before: &ProviderRow,
    after: &ProviderRow,
) -> AppResult<()> {
    repo::update_provider(c, after)?;
    audit::record(c, by, audit::Change::moved(action, before, after))?;
    super::outbox::enqueue(c, templates, vec![listing_email(after, by.now)], by.now)?;
    Ok(())
}

/// The email a provider gets when its listing status changes to `p.listing_status`:
/// the notice opening, or the decision.
fn listing_email(p: &ProviderRow, now: NaiveDateTime) -> Email {
    if let Some(list) =
        p.corrections.as_ref().filter(|_| p.listing_status == ListingStatus::Returned)
    {
        return ApplicationReturned::of(
            crate::domain::PartyKind::Provider,
            &p.name,
            p.credit_code.as_str(),
            list,
            now,
        )
        .to(&p.contact_email, &p.name);
    }
    if p.listing_status == ListingStatus::InNotice {
        return ProviderListingNotice {
            provider_name: p.name.clone(),
            credit_code: p.credit_code.to_string(),
            notice_starts: p.notice_starts_at.map(china_time).unwrap_or_default(),
            notice_ends: p.notice_ends_at.map(china_time).unwrap_or_default(),
        }
        .to(&p.contact_email, &p.name);
    }
    ProviderListingDecided {
        provider_name: p.name.clone(),
        credit_code: p.credit_code.to_string(),
        status: p.listing_status.to_string(),
        reason: if p.listing_status == ListingStatus::Listed {
            String::new()
        } else {
            p.decision_reason.clone().unwrap_or_default()
        },
        decided_at: china_time(now),
    }
    .to(&p.contact_email, &p.name)
}

impl Row for ProviderView {
    const COLUMNS: &'static [&'static str] =
        &["name", "credit-code", "service-category", "state", "listed-on", "registered-here"];
    const FILE: &'static str = "providers";
    const SHEET: &'static str = "register-providers";
    fn cells(&self, policy: &crate::domain::Policy, en: bool) -> Vec<Cell> {
        let categories: Vec<String> =
            self.categories.iter().map(|c| crate::i18n::category_name(policy, c, en)).collect();
        vec![
            Cell::Text(self.name.clone()),
            Cell::Text(self.credit_code.clone()),
            Cell::Text(categories.join(if en { ", " } else { "、" })),
            Cell::Words(crate::i18n::listing_text(self.listing_status.as_str())),
            self.listed_at.map_or(Cell::Text(String::new()), Cell::Time),
            Cell::Time(self.created_at),
        ]
    }
}
