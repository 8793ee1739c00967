//! Certification (认定/备案) of incubators and maker spaces: evaluating figures against a
//! scheme, applications kept with their evaluation as it was on the day, a reviewer's
//! decision, certifications and their revocation.

use super::{audit, Actor, Page, Paged};
use crate::db::certification as repo;
use crate::db::models::Moved;
use crate::db::models::{CertificationApplicationRow, CertificationRow, SpaceRow};
use crate::db::{self, parties, DbConnection};
use crate::domain::audit::{Action, Fixed};
use crate::domain::certification::{
    check_figures, evaluate, valid_until, ApplicationStatus, BenefitWindow, CertificationStatus,
    Evaluation, Scheme, SchemeLevel,
};
use crate::domain::id::{CertApplicationId, CertificationId, SpaceId, UserId};
use crate::domain::listing::{Filter, Sort, BY_NAME};
use crate::domain::validation::FieldErrors;
use crate::domain::{Policy, Role};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::{CertificationDecided, CertificationRevoked, Message};
use crate::services::listing::{Cell, Row};
use crate::services::Cx;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Figures filed for a scheme.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FiguresInput {
    /// Figure id → value: yes/no as `true`/`false`, counts as integers, areas, money and
    /// percentages as decimal strings (`"12000.50"`) or integers, dates as `YYYY-MM-DD`.
    /// The ids are listed at `GET /api/v1/policy/certification-figures`.
    #[schema(value_type = Object)]
    pub figures: serde_json::Map<String, serde_json::Value>,
}

/// Evaluates figures against a scheme as of today (China time), storing nothing: what
/// a space sees before it applies, and what an application keeps.
pub fn self_check(
    policy: &Policy,
    scheme: &str,
    input: &FiguresInput,
    now: NaiveDateTime,
) -> AppResult<Evaluation> {
    let cert = &policy.certification;
    let scheme = cert.scheme(scheme).ok_or_else(|| AppError::not_found("certification scheme"))?;
    let today = crate::domain::china_time(now).date();
    let mut e = FieldErrors::new();
    let figures = check_figures(
        cert,
        &input.figures,
        Some(&scheme.figures_required_given(cert, &input.figures)),
        today,
        &mut e,
    );
    e.finish()?;
    Ok(evaluate(cert, scheme, &figures, today))
}

/// Who is looking: a space sees its own records, staff see all.
#[derive(Debug, Clone, Copy)]
pub enum Viewer<'a> {
    Space(&'a SpaceId),
    Staff,
}

impl<'a> Viewer<'a> {
    pub fn of(actor: &'a Actor) -> AppResult<Viewer<'a>> {
        match actor.role_kind {
            Some(Role::Space) => actor.space().map(Viewer::Space).ok_or_else(AppError::forbidden),
            Some(r) if r.is_staff() => Ok(Viewer::Staff),
            _ => Err(AppError::forbidden()),
        }
    }
    /// The space whose records the viewer may see (none: all).
    fn space(self) -> Option<&'a SpaceId> {
        match self {
            Viewer::Space(s) => Some(s),
            Viewer::Staff => None,
        }
    }
}

/// A space applies for a scheme.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    /// A scheme code (`GET /api/v1/policy/certification-schemes`).
    pub scheme: String,
    /// As for the evaluation endpoint.
    #[schema(value_type = Object)]
    pub figures: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    #[schema(value_type = String)]
    pub id: CertApplicationId,
    #[schema(value_type = String)]
    pub space_id: SpaceId,
    pub space_name: String,
    /// The space's unified social credit code.
    pub credit_code: String,
    pub scheme: String,
    pub scheme_name: String,
    pub status: ApplicationStatus,
    /// The rule engine's verdict on the day of filing.
    pub eligible: bool,
    /// The figures as filed.
    #[schema(value_type = Object)]
    pub figures: serde_json::Value,
    /// Every criterion as it was evaluated on the day of filing.
    pub evaluation: Evaluation,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub submitted_at: NaiveDateTime,
    pub decided_by: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
}

impl ApplicationView {
    fn from_row(r: CertificationApplicationRow, space: &SpaceRow) -> AppResult<Self> {
        let bad = |what: &str| AppError::internal(format!("application {}: bad {what}", r.id));
        let scheme: Scheme =
            serde_json::from_str(&r.scheme_snapshot).map_err(|_| bad("scheme snapshot"))?;
        Ok(ApplicationView {
            status: r.status,
            evaluation: serde_json::from_str(&r.evaluation).map_err(|_| bad("evaluation"))?,
            figures: serde_json::from_str(&r.figures).map_err(|_| bad("figures"))?,
            id: r.id,
            space_id: r.space_id,
            space_name: space.name.clone(),
            credit_code: space.credit_code.to_string(),
            scheme: r.scheme,
            scheme_name: scheme.name_zh,
            eligible: r.eligible,
            submitted_at: r.submitted_at,
            decided_by: r.decided_by.map(UserId::into_string),
            decided_at: r.decided_at,
            decision_reason: r.decision_reason,
        })
    }
}

fn space_of(c: &mut DbConnection, id: &SpaceId) -> AppResult<SpaceRow> {
    parties::space(c, id)?.ok_or_else(|| AppError::not_found("space"))
}

/// Files an application: the figures are checked, evaluated as of today and kept with
/// the scheme as it is today.
pub fn apply(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    space_id: &SpaceId,
    input: &ApplicationInput,
) -> AppResult<ApplicationView> {
    let cert = &cx.policy.certification;
    let today = crate::domain::china_time(cx.now).date();
    let mut e = FieldErrors::new();
    let Some(scheme) = cert.scheme(input.scheme.trim()) else {
        e.add(
            "scheme",
            ErrorCode::SchemeUnknown,
            format!("未知的认定（备案）类型：{}", input.scheme),
            format!("unknown scheme {}", input.scheme),
        );
        return Err(e.into());
    };
    // What the incubatee register knows, where the space did not type it.
    let mut filed = input.figures.clone();
    super::incubatees::fill_from_register(conn, space_id, &mut filed)?;
    let figures = check_figures(
        cert,
        &filed,
        Some(&scheme.figures_required_given(cert, &filed)),
        today,
        &mut e,
    );
    e.finish()?;
    let evaluation = evaluate(cert, scheme, &figures, today);
    let result = db::write_tx(conn, |c| -> AppResult<_> {
        expire_lapsed(c, cx)?;
        let space = space_of(c, space_id)?;
        if space.contact_verified_at.is_none() {
            return Err(AppError::of(ErrorCode::ContactNotVerifiedForCertification)
                .arg("email", &space.contact_email));
        }
        if !scheme.space_kinds.iter().any(|k| k == space.kind.as_str()) {
            return Err(AppError::of(ErrorCode::SchemeNotForSpaceKind)
                .arg_each("scheme", &scheme.name_zh, &scheme.code)
                .arg("kind", space.kind.as_str()));
        }
        if repo::active_certification(c, space_id, &scheme.code)?.is_some() {
            return Err(AppError::of(ErrorCode::AlreadyCertified).arg_each(
                "scheme",
                &scheme.name_zh,
                &scheme.code,
            ));
        }
        let row = CertificationApplicationRow {
            id: CertApplicationId::new(),
            space_id: space_id.clone(),
            scheme: scheme.code.clone(),
            scheme_snapshot: serde_json::to_string(scheme)
                .map_err(|e| AppError::internal(e.to_string()))?,
            figures: figures.to_json().to_string(),
            evaluation: serde_json::to_string(&evaluation)
                .map_err(|e| AppError::internal(e.to_string()))?,
            eligible: evaluation.eligible,
            status: ApplicationStatus::Submitted,
            submitted_by: cx.actor.user_id.clone(),
            submitted_at: cx.now,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
        };
        repo::insert_application(c, &row)?;
        audit::record(c, cx.by(), audit::Change::created(Fixed::CertificationApplied, &row))?;
        ApplicationView::from_row(row, &space)
    });
    match result {
        Err(e) if e.code.is(ErrorCode::AlreadyExists) => Err(AppError::of(
            ErrorCode::ApplicationOpen,
        )
        .arg_each("scheme", &scheme.name_zh, &scheme.code)),
        other => other,
    }
}

/// How certification applications and certifications may be sorted: newest (the
/// default), oldest (the queue) or by the space's name.
pub const SORTS: &[Sort] = BY_NAME;

pub fn applications(
    conn: &mut DbConnection,
    viewer: Viewer<'_>,
    f: &Filter<ApplicationStatus>,
    page: Page,
) -> AppResult<Paged<ApplicationView>> {
    let (rows, total) = repo::applications(conn, viewer.space(), f, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows
            .into_iter()
            .map(|(a, s)| ApplicationView::from_row(a, &s))
            .collect::<AppResult<_>>()?,
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

/// One application; another space's is not found.
pub fn application(
    conn: &mut DbConnection,
    viewer: Viewer<'_>,
    id: &CertApplicationId,
) -> AppResult<ApplicationView> {
    let row = repo::application(conn, id)?
        .filter(|a| viewer.space().is_none_or(|s| a.space_id == *s))
        .ok_or_else(|| AppError::not_found("certification application"))?;
    let space = space_of(conn, &row.space_id)?;
    ApplicationView::from_row(row, &space)
}

fn not_open() -> AppError {
    AppError::of(ErrorCode::ApplicationNotOpen)
}

/// The space withdraws its open application.
pub fn withdraw(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    space_id: &SpaceId,
    id: &CertApplicationId,
) -> AppResult<ApplicationView> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::application_for_update(c, id)?
            .filter(|a| a.space_id == *space_id)
            .ok_or_else(|| AppError::not_found("certification application"))?;
        if before.status != ApplicationStatus::Submitted {
            return Err(not_open());
        }
        let after = CertificationApplicationRow {
            status: ApplicationStatus::Withdrawn,
            decided_at: Some(cx.now),
            ..before.clone()
        };
        repo::update_application(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::moved(Fixed::CertificationWithdrawn, &before, &after),
        )?;
        let space = space_of(c, space_id)?;
        ApplicationView::from_row(after, &space)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificationDecisionKind {
    Certify,
    Refuse,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationDecision {
    pub decision: CertificationDecisionKind,
    /// Required when refusing.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    /// The day of certification, `YYYY-MM-DD` (default today; not before the filing,
    /// not in the future).
    #[schema(schema_with = crate::domain::validation::schema::opt_date)]
    pub certified_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificationView {
    #[schema(value_type = String)]
    pub id: CertificationId,
    #[schema(value_type = String)]
    pub space_id: SpaceId,
    pub space_name: String,
    pub credit_code: String,
    pub scheme: String,
    pub scheme_name: String,
    pub level: SchemeLevel,
    #[schema(value_type = String)]
    pub application_id: CertApplicationId,
    pub certified_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub status: CertificationStatus,
    pub revoked_on: Option<NaiveDate>,
    pub revoke_reason: Option<String>,
    /// The months the certification yields support in.
    pub benefits: BenefitWindow,
}

impl CertificationView {
    fn from_row(policy: &Policy, r: CertificationRow, space: &SpaceRow) -> Self {
        CertificationView {
            status: r.status,
            level: r.level,
            benefits: BenefitWindow::of(r.certified_on, r.valid_until, r.revoked_on),
            scheme_name: policy
                .certification
                .scheme(&r.scheme)
                .map_or_else(|| r.scheme.clone(), |s| s.name_zh.clone()),
            id: r.id,
            space_id: r.space_id,
            space_name: space.name.clone(),
            credit_code: space.credit_code.to_string(),
            scheme: r.scheme,
            application_id: r.application_id,
            certified_on: r.certified_on,
            valid_until: r.valid_until,
            revoked_on: r.revoked_on,
            revoke_reason: r.revoke_reason,
        }
    }
}

/// An application decided, and the certification it made, if any.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Decided {
    pub application: ApplicationView,
    pub certification: Option<CertificationView>,
}

/// An optional day (default today), not in the future.
fn date_field(
    e: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    today: NaiveDate,
) -> NaiveDate {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => e.past_date(field, s, today).unwrap_or(today),
        None => today,
    }
}

/// A reviewer certifies (only an application that met every criterion) or refuses
/// (with a reason) an open application.
/// An appeal overturned a refusal: the application waits for a decision again, taken
/// afresh through the normal review (`decide`). Inside the appeal's transaction.
pub(crate) fn reopen_on_appeal(
    c: &mut DbConnection,
    cx: Cx<'_>,
    id: &CertApplicationId,
) -> AppResult<()> {
    let before = repo::application_for_update(c, id)?
        .ok_or_else(|| AppError::not_found("certification application"))?;
    if before.status != ApplicationStatus::Refused
        || repo::has_open_application(c, &before.space_id, &before.scheme)?
    {
        return Err(AppError::of(ErrorCode::AppealSubjectMoved).arg("status", before.status));
    }
    let after = CertificationApplicationRow {
        status: ApplicationStatus::Submitted,
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        ..before.clone()
    };
    repo::update_application(c, &after)?;
    audit::record(c, cx.by(), audit::Change::moved(Fixed::CertificationReopened, &before, &after))?;
    Ok(())
}

pub fn decide(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    id: &CertApplicationId,
    input: &CertificationDecision,
) -> AppResult<Decided> {
    let today = crate::domain::china_time(cx.now).date();
    let mut e = FieldErrors::new();
    let reason = match input.decision {
        CertificationDecisionKind::Refuse => {
            Some(e.text("reason", input.reason.as_deref().unwrap_or(""), 2000))
        }
        CertificationDecisionKind::Certify => e.opt_text("reason", input.reason.as_deref(), 2000),
    };
    let certified_on = date_field(&mut e, "certified_on", input.certified_on.as_deref(), today);
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::application_for_update(c, id)?
            .ok_or_else(|| AppError::not_found("certification application"))?;
        if before.status != ApplicationStatus::Submitted {
            return Err(not_open());
        }
        expire_lapsed(c, cx)?;
        let space = space_of(c, &before.space_id)?;
        super::affiliations::not_affiliated(c, cx.actor, &[space.credit_code.as_str()])?;
        let scheme: Scheme = serde_json::from_str(&before.scheme_snapshot)
            .map_err(|_| AppError::internal("bad scheme snapshot"))?;
        let mut after = CertificationApplicationRow {
            decided_by: cx.actor.user_id.clone(),
            decided_at: Some(cx.now),
            decision_reason: reason.clone(),
            ..before.clone()
        };
        let mut certification = None;
        match input.decision {
            CertificationDecisionKind::Refuse => {
                after.status = ApplicationStatus::Refused;
            }
            CertificationDecisionKind::Certify => {
                if !before.eligible {
                    return Err(AppError::of(ErrorCode::ApplicationNotEligible));
                }
                if certified_on < crate::domain::china_time(before.submitted_at).date() {
                    return Err(AppError::validation({
                        let mut e = FieldErrors::new();
                        e.add(
                            "certified_on",
                            ErrorCode::DateBeforeApplication,
                            "认定日期不能早于申报日期",
                            "certification cannot precede the application",
                        );
                        e
                    }));
                }
                if repo::active_certification(c, &before.space_id, &before.scheme)?.is_some() {
                    return Err(AppError::of(ErrorCode::SpaceAlreadyCertified).arg_each(
                        "scheme",
                        &scheme.name_zh,
                        &scheme.code,
                    ));
                }
                after.status = ApplicationStatus::Certified;
                let row = CertificationRow {
                    id: CertificationId::new(),
                    space_id: before.space_id.clone(),
                    scheme: before.scheme.clone(),
                    level: scheme.level,
                    application_id: before.id.clone(),
                    certified_on,
                    valid_until: valid_until(certified_on, scheme.valid_years),
                    status: CertificationStatus::Active,
                    revoked_on: None,
                    revoke_reason: None,
                    revoked_by: None,
                    created_at: cx.now,
                    updated_at: cx.now,
                };
                repo::insert_certification(c, &row)?;
                audit::record(
                    c,
                    cx.by(),
                    audit::Change::created(Fixed::CertificationGranted, &row),
                )?;
                certification = Some(row);
            }
        }
        repo::update_application(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::moved(Action::CertificationDecided(after.status), &before, &after),
        )?;
        let email = CertificationDecided {
            space_name: space.name.clone(),
            scheme_name: scheme.name_zh.clone(),
            certified: certification.is_some(),
            certified_on: certified_on.to_string(),
            valid_until: certification
                .as_ref()
                .and_then(|r| r.valid_until)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            reason: reason.unwrap_or_default(),
        }
        .to(&space.contact_email, &space.contact_name);
        super::outbox::enqueue(c, cx.templates, vec![email], cx.now)?;
        Ok(Decided {
            application: ApplicationView::from_row(after, &space)?,
            certification: certification.map(|r| CertificationView::from_row(cx.policy, r, &space)),
        })
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocationInput {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// `YYYY-MM-DD` (default today; not before the certification, not in the future).
    #[schema(schema_with = crate::domain::validation::schema::opt_date)]
    pub revoked_on: Option<String>,
}

/// Revokes a certification in force: support stops from the month after `revoked_on`.
pub fn revoke(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    id: &CertificationId,
    input: &RevocationInput,
) -> AppResult<CertificationView> {
    let today = crate::domain::china_time(cx.now).date();
    let mut e = FieldErrors::new();
    let reason = e.text("reason", &input.reason, 2000);
    let revoked_on = date_field(&mut e, "revoked_on", input.revoked_on.as_deref(), today);
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::certification_for_update(c, id)?
            .ok_or_else(|| AppError::not_found("certification"))?;
        if before.status != CertificationStatus::Active {
            return Err(AppError::of(ErrorCode::CertificationNotActive));
        }
        if revoked_on < before.certified_on {
            return Err(AppError::validation({
                let mut e = FieldErrors::new();
                e.add(
                    "revoked_on",
                    ErrorCode::DateBeforeCertification,
                    "撤销日期不能早于认定日期",
                    "revocation cannot precede the certification",
                );
                e
            }));
        }
        let space = space_of(c, &before.space_id)?;
        super::affiliations::not_affiliated(c, cx.actor, &[space.credit_code.as_str()])?;
        let after = CertificationRow {
            status: CertificationStatus::Revoked,
            revoked_on: Some(revoked_on),
            revoke_reason: Some(reason.clone()),
            revoked_by: cx.actor.user_id.clone(),
            ..before.moved_at(cx.now)
        };
        repo::update_certification(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::moved(Fixed::CertificationRevoked, &before, &after),
        )?;
        let view = CertificationView::from_row(cx.policy, after, &space);
        let email = CertificationRevoked {
            space_name: space.name.clone(),
            scheme_name: view.scheme_name.clone(),
            revoked_on: revoked_on.to_string(),
            benefits_stop: view.benefits.stops.map(|p| p.to_string()).unwrap_or_default(),
            reason,
        }
        .to(&space.contact_email, &space.contact_name);
        super::outbox::enqueue(c, cx.templates, vec![email], cx.now)?;
        Ok(view)
    })
}

pub fn certifications(
    conn: &mut DbConnection,
    policy: &Policy,
    viewer: Viewer<'_>,
    f: &Filter<CertificationStatus>,
    page: Page,
) -> AppResult<Paged<CertificationView>> {
    let (rows, total) =
        repo::certifications(conn, viewer.space(), f, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(|(r, s)| CertificationView::from_row(policy, r, &s)).collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

impl Row for ApplicationView {
    const COLUMNS: &'static [&'static str] =
        &["carrier", "credit-code", "scheme-2", "meets-the-criteria", "state", "submitted"];
    const FILE: &'static str = "certification-applications";
    const SHEET: &'static str = "certification-applications";
    fn cells(&self, policy: &Policy, en: bool) -> Vec<Cell> {
        vec![
            Cell::Text(self.space_name.clone()),
            Cell::Text(self.credit_code.clone()),
            Cell::Text(crate::i18n::scheme_name(policy, &self.scheme, &self.scheme_name, en)),
            Cell::Words(if self.eligible { "yes" } else { "no" }),
            Cell::Words(crate::i18n::application_state(self.status)),
            Cell::Time(self.submitted_at),
        ]
    }
}

impl Row for CertificationView {
    const COLUMNS: &'static [&'static str] =
        &["carrier", "credit-code", "scheme-2", "state", "certified-on", "valid-until"];
    const FILE: &'static str = "certifications";
    const SHEET: &'static str = "certifications-register";
    fn cells(&self, policy: &Policy, en: bool) -> Vec<Cell> {
        vec![
            Cell::Text(self.space_name.clone()),
            Cell::Text(self.credit_code.clone()),
            Cell::Text(crate::i18n::scheme_name(policy, &self.scheme, &self.scheme_name, en)),
            Cell::Words(crate::i18n::certification_state(self.status)),
            Cell::Day(self.certified_on),
            self.valid_until.map_or(Cell::Text(String::new()), Cell::Day),
        ]
    }
}

/// What the public disclosure (公示) shows of a certification.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicCertification {
    pub space_name: String,
    pub credit_code: String,
    pub scheme: String,
    pub scheme_name: String,
    pub level: SchemeLevel,
    pub certified_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub status: CertificationStatus,
    pub revoked_on: Option<NaiveDate>,
}

pub fn public_certifications(
    conn: &mut DbConnection,
    policy: &Policy,
    page: Page,
) -> AppResult<Paged<PublicCertification>> {
    let all = certifications(conn, policy, Viewer::Staff, &Filter::default(), page)?;
    Ok(Paged {
        items: all
            .items
            .into_iter()
            .map(|c| PublicCertification {
                space_name: c.space_name,
                credit_code: c.credit_code,
                scheme: c.scheme,
                scheme_name: c.scheme_name,
                level: c.level,
                certified_on: c.certified_on,
                valid_until: c.valid_until,
                status: c.status,
                revoked_on: c.revoked_on,
            })
            .collect(),
        page: all.page,
        per_page: all.per_page,
        total: all.total,
    })
}

/// Marks the certifications whose validity has ended as expired (their benefits
/// already stop by `valid_until`; this frees the space to apply again). Called in the
/// transaction of whatever looks at certifications in force.
pub fn expire_lapsed(c: &mut DbConnection, cx: Cx<'_>) -> AppResult<usize> {
    let today = crate::domain::china_time(cx.now).date();
    let lapsed = repo::lapsed(c, today)?;
    for before in &lapsed {
        let after =
            CertificationRow { status: CertificationStatus::Expired, ..before.moved_at(cx.now) };
        repo::update_certification(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::moved(Fixed::CertificationExpired, before, &after),
        )?;
    }
    Ok(lapsed.len())
}
