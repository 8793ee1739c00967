//! Firms: registration with credit code and size class, profile edits, onboarding
//! (入库) and qualifications.

use super::auth::AuthConfig;
use super::contact_verification::{self as verification, Links};
pub use super::registration::Registered;
use super::registration::{self, credit_code_taken, NewAccount, NewParty};
use super::{audit, Page, Paged};
use crate::db::models::FirmRow;
use crate::db::models::Moved;
use crate::db::{self, parties as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{FirmId, SpaceId};
use crate::domain::listing::Filter;
use crate::domain::party::OnboardingStatus;
use crate::domain::size_class::{Figures, SizeBasis, SizeError};
use crate::domain::validation::FieldErrors;
use crate::domain::CreditCode;
use crate::domain::{Fen, Policy, SizeClass};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::{china_time, ApplicationReturned, FirmOnboardingDecided, Message};
use crate::services::listing::{Cell, Row};
use crate::services::Cx;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// A firm's business profile, as the firm submits it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirmProfileInput {
    /// 统一社会信用代码 (18 characters).
    #[schema(schema_with = crate::domain::validation::schema::credit_code)]
    pub credit_code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(min_length = 1, max_length = 100)]
    pub legal_representative: String,
    /// 实际控制人.
    #[schema(min_length = 1, max_length = 200)]
    pub actual_controller: String,
    /// Date of registration, `YYYY-MM-DD`.
    #[schema(schema_with = crate::domain::validation::schema::date)]
    pub registered_on: String,
    #[schema(min_length = 1, max_length = 300)]
    pub address: String,
    #[schema(min_length = 1, max_length = 100)]
    pub contact_name: String,
    #[schema(schema_with = crate::domain::validation::schema::phone)]
    pub contact_phone: String,
    #[schema(schema_with = crate::domain::validation::schema::email)]
    pub contact_email: String,
    /// Industry code from the SME size table (`GET /api/v1/policy/industries`).
    pub industry: String,
    /// The district the firm is in (所在区县), a code from `GET /api/v1/policy/districts`.
    pub district: String,
    /// Employees at the end of last year.
    #[schema(minimum = 0, maximum = 10000000)]
    pub employees: i64,
    /// Revenue last year in yuan, e.g. `"2500000.00"`.
    #[schema(schema_with = crate::domain::validation::schema::yuan)]
    pub revenue: String,
    /// Total assets in yuan; required by industries measured by assets.
    #[schema(schema_with = crate::domain::validation::schema::opt_yuan)]
    pub total_assets: Option<String>,
}

/// A sign-in and a profile in one flat object (see the `PartialSchema` below).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirmRegistration {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
    #[serde(flatten)]
    pub profile: FirmProfileInput,
}

registration::account_input!(FirmRegistration);

/// The profile's fields with the sign-in's beside them, as one object. The derive would
/// document the flattened profile as `allOf` of two closed objects, which no request can
/// satisfy (each forbids the other's fields).
impl utoipa::PartialSchema for FirmRegistration {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::domain::validation::schema;
        use utoipa::openapi::schema::{Object, Schema};
        use utoipa::openapi::RefOr;
        let mut object = match <FirmProfileInput as utoipa::PartialSchema>::schema() {
            RefOr::T(Schema::Object(o)) => o,
            _ => Object::new(),
        };
        object.description =
            Some("A firm's sign-in and business profile, registered together.".into());
        for (name, field, required) in [
            ("username", schema::username(), true),
            ("password", schema::new_password(), true),
            ("email", schema::opt_email(), false),
        ] {
            object.properties.insert(name.into(), field.into());
            if required {
                object.required.push(name.into());
            }
        }
        RefOr::T(Schema::Object(object))
    }
}

impl utoipa::ToSchema for FirmRegistration {}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FirmView {
    #[schema(value_type = String)]
    pub id: FirmId,
    pub credit_code: String,
    pub name: String,
    pub legal_representative: String,
    pub actual_controller: String,
    pub registered_on: NaiveDate,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub industry: String,
    /// The district's code (none: registered before it was asked).
    pub district: Option<String>,
    pub employees: i64,
    /// Yuan.
    #[schema(value_type = String, example = "2500000.00")]
    pub revenue: Fen,
    #[schema(value_type = Option<String>)]
    pub total_assets: Option<Fen>,
    pub size_class: SizeClass,
    /// The figures and table row the size class came from.
    #[schema(value_type = Object)]
    pub size_basis: serde_json::Value,
    pub onboarding_status: OnboardingStatus,
    pub onboarding_reason: Option<String>,
    /// What to correct, while the application is returned for correction
    /// (`onboarding_status` = `returned`); empty otherwise.
    #[schema(value_type = Vec<String>)]
    pub corrections: Vec<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub reviewed_at: Option<NaiveDateTime>,
    pub qualifications: Qualifications,
    /// What each qualification was confirmed from: the certificate's number and the last
    /// day it counts (none when set by hand).
    pub high_tech_certificate: Certificate,
    pub tech_sme_certificate: Certificate,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub created_at: NaiveDateTime,
    /// When the contact address was verified by its emailed link; an application goes
    /// to review only then.
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub contact_verified_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Qualifications {
    /// 高新技术企业.
    pub high_tech: bool,
    /// 入库科技型中小企业.
    pub tech_sme: bool,
    /// 失信记录.
    pub dishonest: bool,
    /// The space that recommends the firm (在孵企业推荐), if any.
    pub recommended_by_space_id: Option<String>,
}

/// The certificate a qualification was confirmed from.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema, PartialEq, Eq)]
pub struct Certificate {
    pub number: Option<String>,
    /// The last day the qualification counts.
    pub valid_until: Option<NaiveDate>,
}

impl FirmView {
    pub fn from_row(r: FirmRow) -> AppResult<Self> {
        Ok(FirmView {
            high_tech_certificate: Certificate {
                number: r.high_tech_certificate.clone(),
                valid_until: r.high_tech_until,
            },
            tech_sme_certificate: Certificate {
                number: r.tech_sme_certificate.clone(),
                valid_until: r.tech_sme_until,
            },
            size_class: r.size_class,
            onboarding_status: r.onboarding_status,
            size_basis: serde_json::from_str(&r.size_basis).unwrap_or(serde_json::Value::Null),
            qualifications: Qualifications {
                high_tech: r.high_tech,
                tech_sme: r.tech_sme,
                dishonest: r.dishonest,
                recommended_by_space_id: r.recommended_by_space_id.map(SpaceId::into_string),
            },
            id: r.id,
            credit_code: r.credit_code.into_string(),
            name: r.name,
            legal_representative: r.legal_representative,
            actual_controller: r.actual_controller,
            registered_on: r.registered_on,
            address: r.address,
            contact_name: r.contact_name,
            contact_phone: r.contact_phone,
            contact_email: r.contact_email,
            industry: r.industry,
            district: r.district,
            employees: i64::from(r.employees),
            revenue: r.revenue_fen,
            total_assets: r.total_assets_fen,
            onboarding_reason: r.onboarding_reason,
            corrections: r
                .corrections
                .as_ref()
                .map(|c| c.items().map(str::to_string).collect())
                .unwrap_or_default(),
            reviewed_at: r.reviewed_at,
            created_at: r.created_at,
            contact_verified_at: r.contact_verified_at,
            updated_at: r.updated_at,
        })
    }
}

struct CleanProfile {
    credit_code: CreditCode,
    name: String,
    legal_representative: String,
    actual_controller: String,
    registered_on: NaiveDate,
    address: String,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    industry: String,
    district: String,
    employees: i32,
    revenue: Fen,
    total_assets: Option<Fen>,
    basis: SizeBasis,
}

fn clean_profile(
    errors: &mut FieldErrors,
    policy: &Policy,
    p: &FirmProfileInput,
    today: NaiveDate,
) -> Option<CleanProfile> {
    let credit_code = errors.credit_code("credit_code", &p.credit_code);
    let name = errors.party_name("name", &p.name, 200);
    let legal_representative =
        errors.person_name("legal_representative", &p.legal_representative, 100);
    let actual_controller = errors.person_name("actual_controller", &p.actual_controller, 200);
    let registered_on = match crate::domain::validation::parse_day(&p.registered_on) {
        Some(d) if d <= today => Some(d),
        Some(_) => {
            errors.add(
                "registered_on",
                ErrorCode::DateInFuture,
                "成立日期不能晚于今天",
                "the registration date is in the future",
            );
            None
        }
        None => {
            errors.add(
                "registered_on",
                ErrorCode::DateInvalid,
                "成立日期格式应为 YYYY-MM-DD（1900 年以后）",
                "dates are written YYYY-MM-DD, from 1900",
            );
            None
        }
    };
    let address = errors.text("address", &p.address, 300);
    let contact_name = errors.person_name("contact_name", &p.contact_name, 100);
    let contact_phone = errors.phone("contact_phone", &p.contact_phone);
    let contact_email = errors.email("contact_email", &p.contact_email);
    let industry = p.industry.trim().to_string();
    if policy.sme.industry(&industry).is_none() {
        errors.add(
            "industry",
            ErrorCode::IndustryUnknown,
            "行业代码不在企业划型标准表中",
            "unknown industry code (see /api/v1/policy/industries)",
        );
    }
    let district = p.district.trim().to_string();
    if policy.district(&district).is_none() {
        errors.add(
            "district",
            ErrorCode::DistrictUnknown,
            "请选择所在区县",
            "choose the district the firm is in (see /api/v1/policy/districts)",
        );
    }
    let employees = if (0..=10_000_000).contains(&p.employees) {
        i32::try_from(p.employees).ok()
    } else {
        errors.add(
            "employees",
            ErrorCode::EmployeesInvalid,
            "从业人员数应为 0 至 10,000,000 之间的整数",
            "employees must be between 0 and 10,000,000",
        );
        None
    };
    let revenue = errors.money("revenue", &p.revenue);
    let total_assets = p.total_assets.as_deref().map(|t| errors.money("total_assets", t));
    let (Some(registered_on), Some(employees)) = (registered_on, employees) else {
        return None;
    };
    if !errors.is_empty() {
        return None;
    }
    let figures = Figures { employees: i64::from(employees), revenue, total_assets };
    let basis = match policy.sme.classify(&industry, &figures) {
        Ok(b) => b,
        Err(SizeError::TotalAssetsRequired) => {
            errors.add(
                "total_assets",
                ErrorCode::TotalAssetsRequired,
                "该行业按资产总额划型，请填写资产总额",
                "this industry is sized by total assets; give total_assets",
            );
            return None;
        }
        Err(SizeError::UnknownIndustry) => return None,
    };
    Some(CleanProfile {
        credit_code,
        name,
        legal_representative,
        actual_controller,
        registered_on,
        address,
        contact_name,
        contact_phone,
        contact_email,
        industry,
        district,
        employees,
        revenue,
        total_assets,
        basis,
    })
}

/// A firm registers itself and its first user; onboarding starts as `submitted`, and
/// goes to review once the contact address answers the link sent to it.
pub fn register(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    auth: &AuthConfig,
    links: Links<'_>,
    input: &FirmRegistration,
    prior: FieldErrors,
) -> AppResult<Registered<FirmView>> {
    let mut errors = prior;
    let account = NewAccount::check(&mut errors, input);
    let clean = clean_profile(&mut errors, cx.policy, &input.profile, cx.now.date());
    errors.finish()?;
    let Some(p) = clean else {
        return Err(AppError::internal("profile validation inconsistent"));
    };
    let firm_id = FirmId::new();
    let row = FirmRow {
        id: firm_id.clone(),
        credit_code: p.credit_code,
        name: p.name.clone(),
        legal_representative: p.legal_representative,
        actual_controller: p.actual_controller,
        registered_on: p.registered_on,
        address: p.address,
        contact_name: p.contact_name,
        contact_phone: p.contact_phone,
        contact_email: p.contact_email,
        industry: p.industry,
        employees: p.employees,
        revenue_fen: p.revenue,
        total_assets_fen: p.total_assets,
        size_class: p.basis.class,
        size_basis: serde_json::to_string(&p.basis).map_err(AppError::internal)?,
        onboarding_status: OnboardingStatus::Submitted,
        onboarding_reason: None,
        reviewed_by: None,
        reviewed_at: None,
        high_tech: false,
        tech_sme: false,
        dishonest: false,
        recommended_by_space_id: None,
        created_at: cx.now,
        updated_at: cx.now,
        contact_verified_at: None,
        corrections: None,
        high_tech_certificate: None,
        high_tech_until: None,
        tech_sme_certificate: None,
        tech_sme_until: None,
        district: Some(p.district),
    };
    let registered =
        registration::register(conn, cx, auth, links, NewParty::new(&row), account, |c| {
            Ok(repo::insert_firm(c, &row)?)
        })?;
    Ok(registered.with(FirmView::from_row(row)?))
}

pub fn get(conn: &mut DbConnection, id: &FirmId) -> AppResult<FirmView> {
    let row = repo::firm(conn, id)?.ok_or_else(|| AppError::not_found("firm"))?;
    FirmView::from_row(row)
}

/// Firms as `f` asks. `submitted` is the review queue: only firms whose contact address
/// is verified (the others wait for their applicant, not a reviewer).
pub fn list(
    conn: &mut DbConnection,
    f: &Filter<OnboardingStatus>,
    page: Page,
) -> AppResult<Paged<FirmView>> {
    let (rows, total) = repo::list_firms(
        conn,
        f,
        (f.status == Some(OnboardingStatus::Submitted)).then_some(true),
        page.offset(),
        page.per_page,
    )?;
    Ok(Paged {
        items: rows.into_iter().map(FirmView::from_row).collect::<AppResult<_>>()?,
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

/// The firm edits its profile before onboarding; a rejected profile is resubmitted. A
/// changed contact address must be verified again (a link goes to the new one).
pub fn update_profile(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    links: Links<'_>,
    firm_id: &FirmId,
    input: &FirmProfileInput,
    prior: FieldErrors,
) -> AppResult<FirmView> {
    let mut errors = prior;
    let clean = clean_profile(&mut errors, cx.policy, input, cx.now.date());
    errors.finish()?;
    let Some(p) = clean else {
        return Err(AppError::internal("profile validation inconsistent"));
    };
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::firm_for_update(c, firm_id)?.ok_or_else(|| AppError::not_found("firm"))?;
        let status = before.onboarding_status;
        if !status.can_edit_profile() {
            return Err(AppError::of(ErrorCode::FirmProfileLocked));
        }
        if p.credit_code != before.credit_code {
            if let Some(owner) = repo::credit_code_owner(c, &p.credit_code)? {
                return Err(credit_code_taken(owner));
            }
        }
        let after = FirmRow {
            credit_code: p.credit_code.clone(),
            name: p.name.clone(),
            legal_representative: p.legal_representative.clone(),
            actual_controller: p.actual_controller.clone(),
            registered_on: p.registered_on,
            address: p.address.clone(),
            contact_name: p.contact_name.clone(),
            contact_phone: p.contact_phone.clone(),
            contact_email: p.contact_email.clone(),
            industry: p.industry.clone(),
            district: Some(p.district.clone()),
            employees: p.employees,
            revenue_fen: p.revenue,
            total_assets_fen: p.total_assets,
            size_class: p.basis.class,
            size_basis: serde_json::to_string(&p.basis).map_err(AppError::internal)?,
            // A returned application stays with the firm until it resubmits it (it may
            // have documents to upload too); any other is submitted again.
            onboarding_status: if status == OnboardingStatus::Returned {
                status
            } else {
                OnboardingStatus::Submitted
            },
            onboarding_reason: None,
            reviewed_by: None,
            reviewed_at: None,
            updated_at: cx.now,
            contact_verified_at: if p.contact_email == before.contact_email {
                before.contact_verified_at
            } else {
                None
            },
            ..before.clone()
        };
        repo::update_firm(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::moved(Fixed::FirmProfileUpdated, &before, &after),
        )?;
        if after.contact_verified_at.is_none() {
            verification::send_to_own(c, cx, links, firm_id, &after.name, &after.contact_email)?;
        }
        Ok(after)
    })?;
    FirmView::from_row(row)
}

/// A reviewer's decision on an application: approve, refuse (with a reason) or return
/// it to the applicant for correction (with what to correct). There is no default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnboardingVerdict {
    Approve,
    Reject,
    /// Back to the firm with a list of what to correct (退回补正); it corrects and
    /// resubmits.
    Return,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnboardingDecision {
    pub decision: OnboardingVerdict,
    /// Required when rejecting.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
    /// Required when returning, refused otherwise: what to correct, one item an entry
    /// (an entry of several lines is several items), at most 20 of at most 500
    /// characters.
    #[serde(default)]
    #[schema(schema_with = crate::domain::validation::schema::corrections)]
    pub corrections: Vec<String>,
}

pub fn decide_onboarding(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    firm_id: &FirmId,
    input: &OnboardingDecision,
) -> AppResult<FirmView> {
    let returning = input.decision == OnboardingVerdict::Return;
    let mut e = FieldErrors::new();
    let reason = e.reason(
        input.reason.as_deref(),
        input.decision == OnboardingVerdict::Reject,
        ("驳回时必须填写理由", "a rejection needs a reason"),
    );
    let corrections = e.corrections(&input.corrections, returning);
    e.finish()?;
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::firm_for_update(c, firm_id)?.ok_or_else(|| AppError::not_found("firm"))?;
        let status = before.onboarding_status;
        if !status.can_decide() {
            return Err(
                AppError::of(ErrorCode::OnboardingAlreadyDecided).arg("status", status.as_str())
            );
        }
        if before.contact_verified_at.is_none() {
            return Err(verification::not_verified(&before.contact_email));
        }
        let (to, action) = match input.decision {
            OnboardingVerdict::Approve => (OnboardingStatus::Onboarded, Fixed::FirmOnboarded),
            OnboardingVerdict::Reject => {
                (OnboardingStatus::Rejected, Fixed::FirmOnboardingRejected)
            }
            OnboardingVerdict::Return => {
                (OnboardingStatus::Returned, Fixed::FirmOnboardingReturned)
            }
        };
        let after = FirmRow {
            onboarding_status: to,
            onboarding_reason: reason.clone(),
            corrections: corrections.clone(),
            reviewed_by: cx.actor.user_id.clone(),
            reviewed_at: Some(cx.now),
            ..before.moved_at(cx.now)
        };
        repo::update_firm(c, &after)?;
        audit::record(c, cx.by(), audit::Change::moved(action, &before, &after))?;
        if let Some(list) = &corrections {
            let email = ApplicationReturned::of(
                crate::domain::PartyKind::Firm,
                &after.name,
                after.credit_code.as_str(),
                list,
                cx.now,
            )
            .to(&after.contact_email, &after.name);
            super::outbox::enqueue(c, cx.templates, vec![email], cx.now)?;
            return Ok(after);
        }
        let email = FirmOnboardingDecided {
            firm_name: after.name.clone(),
            credit_code: after.credit_code.to_string(),
            approved: to == OnboardingStatus::Onboarded,
            reason: reason.clone().unwrap_or_default(),
            decided_at: china_time(cx.now),
        }
        .to(&after.contact_email, &after.name);
        super::outbox::enqueue(c, cx.templates, vec![email], cx.now)?;
        Ok(after)
    })?;
    FirmView::from_row(row)
}

/// An appeal overturned a refused onboarding: the firm is onboarded, told as by any
/// decision. Inside the appeal's transaction.
pub(crate) fn onboard_on_appeal(
    c: &mut DbConnection,
    cx: Cx<'_>,
    firm_id: &FirmId,
    reason: &str,
) -> AppResult<()> {
    let before = repo::firm_for_update(c, firm_id)?.ok_or_else(|| AppError::not_found("firm"))?;
    if before.onboarding_status != OnboardingStatus::Rejected {
        return Err(AppError::of(ErrorCode::AppealSubjectMoved)
            .arg("status", before.onboarding_status.as_str()));
    }
    let after = FirmRow {
        onboarding_status: OnboardingStatus::Onboarded,
        onboarding_reason: Some(reason.to_string()),
        corrections: None,
        reviewed_by: cx.actor.user_id.clone(),
        reviewed_at: Some(cx.now),
        ..before.moved_at(cx.now)
    };
    repo::update_firm(c, &after)?;
    audit::record(c, cx.by(), audit::Change::moved(Fixed::FirmOnboarded, &before, &after))?;
    let email = FirmOnboardingDecided {
        firm_name: after.name.clone(),
        credit_code: after.credit_code.to_string(),
        approved: true,
        reason: reason.to_string(),
        decided_at: china_time(cx.now),
    }
    .to(&after.contact_email, &after.name);
    super::outbox::enqueue(c, cx.templates, vec![email], cx.now)?;
    Ok(())
}

/// The firm sends back an application returned for correction, once it has corrected
/// what was asked: it waits for a reviewer again. The list of corrections stays on the
/// audit trail.
pub fn resubmit(conn: &mut DbConnection, cx: Cx<'_>, firm_id: &FirmId) -> AppResult<FirmView> {
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::firm_for_update(c, firm_id)?.ok_or_else(|| AppError::not_found("firm"))?;
        let status = before.onboarding_status;
        if status != OnboardingStatus::Returned {
            return Err(
                AppError::of(ErrorCode::ApplicationNotReturned).arg("status", status.as_str())
            );
        }
        let after = FirmRow {
            onboarding_status: OnboardingStatus::Submitted,
            corrections: None,
            ..before.moved_at(cx.now)
        };
        repo::update_firm(c, &after)?;
        audit::record(c, cx.by(), audit::Change::moved(Fixed::FirmResubmitted, &before, &after))?;
        Ok(after)
    })?;
    FirmView::from_row(row)
}

pub fn set_qualifications(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    firm_id: &FirmId,
    q: &Qualifications,
) -> AppResult<FirmView> {
    let space = match q.recommended_by_space_id.as_deref().map(str::trim).filter(|s| !s.is_empty())
    {
        Some(s) => Some(SpaceId::parse(s).ok_or_else(space_unknown)?),
        None => None,
    };
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::firm_for_update(c, firm_id)?.ok_or_else(|| AppError::not_found("firm"))?;
        if let Some(s) = &space {
            if repo::space(c, s)?.is_none() {
                return Err(space_unknown());
            }
        }
        // A qualification set by hand keeps the certificate it was confirmed from while
        // it stays held; taken away, the certificate goes with it.
        let kept = |held: bool, was: bool, cert: &Option<String>, until: Option<NaiveDate>| {
            if held && was {
                (cert.clone(), until)
            } else {
                (None, None)
            }
        };
        let (high_tech_certificate, high_tech_until) = kept(
            q.high_tech,
            before.high_tech,
            &before.high_tech_certificate,
            before.high_tech_until,
        );
        let (tech_sme_certificate, tech_sme_until) =
            kept(q.tech_sme, before.tech_sme, &before.tech_sme_certificate, before.tech_sme_until);
        let after = FirmRow {
            high_tech: q.high_tech,
            tech_sme: q.tech_sme,
            dishonest: q.dishonest,
            recommended_by_space_id: space.clone(),
            high_tech_certificate,
            high_tech_until,
            tech_sme_certificate,
            tech_sme_until,
            ..before.moved_at(cx.now)
        };
        repo::update_firm(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::moved(Fixed::FirmQualificationsSet, &before, &after),
        )?;
        Ok(after)
    })?;
    FirmView::from_row(row)
}

/// Which certificate a reviewer confirms a qualification from.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateConfirmation {
    /// One of the firm's documents: a 高新技术企业 certificate or a 科技型中小企业
    /// registration, with its number and validity, still valid.
    pub document_id: String,
}

/// A reviewer confirms a qualification from a certificate the firm uploaded: the
/// qualification is held with the certificate's number until its last day, then stops
/// counting on its own.
pub fn confirm_qualification(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    firm_id: &FirmId,
    input: &CertificateConfirmation,
) -> AppResult<FirmView> {
    use crate::domain::party::DocumentKind;
    let refused = |code: ErrorCode, zh: &str, en: &str| {
        let mut e = FieldErrors::new();
        e.add("document_id", code, zh, en);
        AppError::validation(e)
    };
    let today = crate::domain::china_time(cx.now).date();
    let doc = crate::domain::id::DocumentId::parse(input.document_id.trim())
        .map(|id| crate::db::documents::get(conn, &id))
        .transpose()?
        .flatten()
        .filter(|d| d.party_id.as_str() == firm_id.as_str())
        .ok_or_else(|| {
            refused(
                ErrorCode::DocumentUnknown,
                "该企业没有这份材料",
                "the firm has no such document",
            )
        })?;
    let high_tech = match doc.kind {
        DocumentKind::HighTechCertificate => true,
        DocumentKind::TechSmeCertificate => false,
        _ => {
            return Err(refused(
                ErrorCode::DocumentNotACertificate,
                "只能据高新技术企业证书或科技型中小企业入库登记核定资质",
                "a qualification is confirmed from a high-tech enterprise certificate or a tech SME registration",
            ))
        }
    };
    let (Some(number), Some(until)) = (doc.certificate_no.clone(), doc.valid_until) else {
        return Err(refused(
            ErrorCode::CertificateIncomplete,
            "证书缺少编号或有效期，无法据此核定资质",
            "the certificate has no number or validity to confirm a qualification from",
        ));
    };
    if until < today {
        return Err(refused(
            ErrorCode::CertificateExpired,
            "证书已过有效期",
            "the certificate's validity has ended",
        ));
    }
    let row = db::write_tx(conn, |c| -> AppResult<_> {
        let before =
            repo::firm_for_update(c, firm_id)?.ok_or_else(|| AppError::not_found("firm"))?;
        let after = if high_tech {
            FirmRow {
                high_tech: true,
                high_tech_certificate: Some(number.clone()),
                high_tech_until: Some(until),
                ..before.moved_at(cx.now)
            }
        } else {
            FirmRow {
                tech_sme: true,
                tech_sme_certificate: Some(number.clone()),
                tech_sme_until: Some(until),
                ..before.moved_at(cx.now)
            }
        };
        repo::update_firm(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::moved(Fixed::FirmQualificationConfirmed, &before, &after),
        )?;
        Ok(after)
    })?;
    FirmView::from_row(row)
}

fn space_unknown() -> AppError {
    let mut e = FieldErrors::new();
    e.add("recommended_by_space_id", ErrorCode::SpaceUnknown, "推荐载体不存在", "no such space");
    AppError::validation(e)
}

impl Row for FirmView {
    const COLUMNS: &'static [&'static str] = &[
        "name",
        "credit-code",
        "industry-2",
        "district",
        "size-class",
        "state",
        "registered-here",
    ];
    const FILE: &'static str = "firms";
    const SHEET: &'static str = "register-firms";
    fn cells(&self, policy: &crate::domain::Policy, en: bool) -> Vec<Cell> {
        vec![
            Cell::Text(self.name.clone()),
            Cell::Text(self.credit_code.clone()),
            Cell::Text(crate::i18n::industry_name(policy, &self.industry, en)),
            match &self.district {
                Some(code) => Cell::Text(crate::i18n::district_name(policy, code, en)),
                None => Cell::Words("not-stated"),
            },
            Cell::Words(crate::i18n::size_class(self.size_class)),
            Cell::Words(crate::i18n::onboarding(self.onboarding_status)),
            Cell::Time(self.created_at),
        ]
    }
    fn href(&self) -> Option<String> {
        Some(format!("/firms/{}", self.id))
    }
}
