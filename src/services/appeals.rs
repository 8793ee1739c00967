//! Appeals (申诉 / 复核): a firm, provider or space asks, within the window after a
//! decision against it (`config/policy/appeals.toml`), for the decision to be looked at
//! again: a refused redemption item, a refused onboarding, a refused listing, a
//! suspension or delisting, a refused certification. A reviewer other than the one who
//! decided handles it by its deadline (working days); one still open after it is
//! escalated to the administrators by email each day. An overturned decision takes
//! effect through the normal flows: the item enters its notice and becomes payable for
//! the next run; the firm is onboarded; the provider's application goes to its public
//! notice, or the suspended or delisted provider is listed again; the certification
//! application waits for a fresh decision. A spot-check finding, or the clawback it
//! made, can be overturned or granted in part (the item worth more than the finding
//! allowed): the clawback still owed is released, what was already recovered is paid
//! back by the next run (`services::findings::regrant_on_appeal`).

use super::{affiliations, audit, Cx, Page, Paged};
use crate::db::models::AppealRow;
use crate::db::{self, appeals as repo, certification as cert_repo, orders, parties, DbConnection};
use crate::domain::appeal::{add_working_days, within_window, AppealStatus, AppealSubject};
use crate::domain::audit::Fixed;
use crate::domain::certification::ApplicationStatus;
use crate::domain::id::{
    AnyParty, AppealId, CertApplicationId, FindingId, FirmId, PartyId, ProviderId, ReceivableId,
    RedemptionItemId, UserId,
};
use crate::domain::order::RedemptionStatus;
use crate::domain::party::{ListingStatus, OnboardingStatus};
use crate::domain::spot_check::{FindingOutcome, FindingStatus};
use crate::domain::validation::FieldErrors;
use crate::domain::Fen;
use crate::domain::{china_time, PartyKind};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::{self, Message};
use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// What a party files.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealInput {
    pub subject_kind: AppealSubject,
    /// The id of the item, firm, provider or certification application decided.
    #[schema(min_length = 1, max_length = 100)]
    pub subject_id: String,
    /// Why the decision should be looked at again (1–2,000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    pub grounds: String,
}

/// A reviewer's decision on an appeal.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecision {
    /// `upheld` (the decision stands), `overturned`, or `partly` (a finding or clawback
    /// only: the item is worth `granted_amount`).
    pub outcome: AppealOutcome,
    /// For `partly`: what the item is worth now, yuan: more than the finding allowed,
    /// less than the item's original amount.
    #[serde(default)]
    #[schema(schema_with = crate::domain::validation::schema::opt_yuan)]
    pub granted_amount: Option<String>,
    /// Why, shown to the party (1–1,000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealOutcome {
    Upheld,
    Overturned,
    Partly,
}

/// An appeal as the party, reviewers and auditors read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppealView {
    #[schema(value_type = String)]
    pub id: AppealId,
    pub party_kind: PartyKind,
    pub party_id: String,
    pub party_name: String,
    pub subject_kind: AppealSubject,
    pub subject_id: String,
    /// What it is about, in a few words (an order number, a name, a scheme).
    pub subject: String,
    /// The decision appealed: the state it left (e.g. `rejected`, `suspended`).
    pub decision: String,
    /// The reason given for the decision.
    pub decision_reason: String,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub decided_at: NaiveDateTime,
    pub grounds: String,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub filed_at: NaiveDateTime,
    /// When a reviewer must have decided (working days from filing).
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub due_at: NaiveDateTime,
    pub status: AppealStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_reason: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    #[schema(value_type = Option<String>)]
    pub handled_at: Option<NaiveDateTime>,
    /// A finding's or clawback's appeal granted: what the item is worth now, yuan.
    #[schema(value_type = Option<String>, example = "4000.00")]
    pub granted_amount: Option<Fen>,
    /// Still open past its deadline, or decided after it.
    pub late: bool,
    /// Escalated to the administrators (the last time).
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    #[schema(value_type = Option<String>)]
    pub escalated_at: Option<NaiveDateTime>,
}

/// What a decision under appeal is: whose, what it left, by whom and when.
struct Decided {
    party: AnyParty,
    party_name: String,
    subject: String,
    decision: String,
    reason: String,
    decided_by: Option<UserId>,
    decided_at: NaiveDateTime,
    /// Whether the subject still stands as decided (can be appealed).
    appealable: Result<(), (&'static str, &'static str)>,
    /// The subjects that share this decision (a finding and its clawback): one appeal
    /// covers them all.
    siblings: Vec<(AppealSubject, String)>,
    /// The finding decided, for a finding's or clawback's appeal.
    finding: Option<FindingId>,
}

fn not_found() -> AppError {
    AppError::not_found("record")
}

/// Reads the decision an appeal is (or would be) against.
fn decided(c: &mut DbConnection, kind: AppealSubject, id: &str) -> AppResult<Decided> {
    let moved = ("该事项当前不是被驳回或处罚的状态", "it is not refused or sanctioned now");
    match kind {
        AppealSubject::RedemptionItem => {
            let item_id = RedemptionItemId::parse(id).ok_or_else(not_found)?;
            let item = orders::item(c, &item_id)?.ok_or_else(not_found)?;
            let provider = parties::provider(c, &item.provider_id)?.ok_or_else(not_found)?;
            let order = orders::get(c, &item.order_id)?.ok_or_else(not_found)?;
            let by_finding = crate::db::spot_checks::decided_finding_of(c, &item.id)?;
            let appealable = if item.status != RedemptionStatus::Rejected {
                Err(moved)
            } else if by_finding {
                Err((
                    "该事项因回访抽查核查结论不予拨付，请对核查结论提出申诉",
                    "it was refused by a spot-check finding: appeal the finding instead",
                ))
            } else {
                Ok(())
            };
            Ok(Decided {
                party: AnyParty::Provider(item.provider_id.clone()),
                party_name: provider.name,
                subject: format!("{} · {}", order.order_no, order.title),
                decision: item.status.to_string(),
                reason: item.decision_reason.clone().unwrap_or_default(),
                decided_by: item.reviewed_by.clone(),
                decided_at: item.reviewed_at.unwrap_or(item.updated_at),
                appealable,
                siblings: vec![(kind, id.to_string())],
                finding: None,
            })
        }
        AppealSubject::FirmOnboarding => {
            let firm_id = FirmId::parse(id).ok_or_else(not_found)?;
            let f = parties::firm(c, &firm_id)?.ok_or_else(not_found)?;
            Ok(Decided {
                party: AnyParty::Firm(f.id.clone()),
                subject: f.name.clone(),
                party_name: f.name,
                decision: f.onboarding_status.as_str().into(),
                reason: f.onboarding_reason.unwrap_or_default(),
                decided_by: f.reviewed_by,
                decided_at: f.reviewed_at.unwrap_or(f.updated_at),
                appealable: if f.onboarding_status == OnboardingStatus::Rejected {
                    Ok(())
                } else {
                    Err(moved)
                },
                siblings: vec![(kind, id.to_string())],
                finding: None,
            })
        }
        AppealSubject::ProviderListing => {
            let provider_id = ProviderId::parse(id).ok_or_else(not_found)?;
            let p = parties::provider(c, &provider_id)?.ok_or_else(not_found)?;
            let sanctioned = matches!(
                p.listing_status,
                ListingStatus::Rejected | ListingStatus::Suspended | ListingStatus::Delisted
            );
            Ok(Decided {
                party: AnyParty::Provider(p.id.clone()),
                subject: p.name.clone(),
                party_name: p.name,
                decision: p.listing_status.to_string(),
                reason: p.decision_reason.unwrap_or_default(),
                decided_by: p.reviewed_by,
                decided_at: p.reviewed_at.unwrap_or(p.updated_at),
                appealable: if sanctioned { Ok(()) } else { Err(moved) },
                siblings: vec![(kind, id.to_string())],
                finding: None,
            })
        }
        AppealSubject::CertificationApplication => {
            let app_id = CertApplicationId::parse(id).ok_or_else(not_found)?;
            let a = cert_repo::application(c, &app_id)?.ok_or_else(not_found)?;
            let s = parties::space(c, &a.space_id)?.ok_or_else(not_found)?;
            Ok(Decided {
                party: AnyParty::Space(a.space_id.clone()),
                party_name: s.name,
                subject: a.scheme.clone(),
                decision: a.status.to_string(),
                reason: a.decision_reason.clone().unwrap_or_default(),
                decided_by: a.decided_by.clone(),
                decided_at: a.decided_at.unwrap_or(a.submitted_at),
                appealable: if a.status == ApplicationStatus::Refused {
                    Ok(())
                } else {
                    Err(moved)
                },
                siblings: vec![(kind, id.to_string())],
                finding: None,
            })
        }
        AppealSubject::Finding => {
            let finding = FindingId::parse(id).ok_or_else(not_found)?;
            finding_decided(c, &finding)
        }
        AppealSubject::Clawback => {
            let r = ReceivableId::parse(id).ok_or_else(not_found)?;
            let r = crate::db::receivables::get(c, &r)?.ok_or_else(not_found)?;
            finding_decided(c, &r.finding_id)
        }
    }
}

/// The decision of a spot-check finding, for an appeal against it or its clawback.
fn finding_decided(c: &mut DbConnection, id: &FindingId) -> AppResult<Decided> {
    let f = crate::db::spot_checks::finding(c, id)?.ok_or_else(not_found)?;
    let item = orders::item(c, &f.item_id)?.ok_or_else(not_found)?;
    let order = orders::get(c, &item.order_id)?.ok_or_else(not_found)?;
    let provider = parties::provider(c, &f.provider_id)?.ok_or_else(not_found)?;
    let outcome = f.outcome.as_deref().and_then(FindingOutcome::parse);
    let appealable = match (f.status, outcome) {
        (FindingStatus::Open, _) => Err(("核查事项尚未作出结论", "the finding is not decided yet")),
        (_, Some(FindingOutcome::Corrected | FindingOutcome::Fraudulent)) => Ok(()),
        _ => Err(("核查结论未认定问题，无需申诉", "the finding found no issue")),
    };
    let mut siblings = vec![(AppealSubject::Finding, f.id.to_string())];
    if let Some(r) = crate::db::receivables::of_finding(c, &f.id)? {
        siblings.push((AppealSubject::Clawback, r.id.to_string()));
    }
    Ok(Decided {
        party: AnyParty::Provider(f.provider_id.clone()),
        party_name: provider.name,
        subject: format!("{} · {}", order.order_no, order.title),
        decision: f.outcome.clone().unwrap_or_else(|| f.status.to_string()),
        reason: f.reason.clone().unwrap_or_default(),
        decided_by: f.decided_by.clone(),
        decided_at: f.decided_at.unwrap_or(f.opened_at),
        appealable,
        siblings,
        finding: Some(f.id),
    })
}

fn view(c: &mut DbConnection, r: AppealRow, now: NaiveDateTime) -> AppResult<AppealView> {
    let d = decided(c, r.subject_kind, &r.subject_id)?;
    let late = match r.handled_at {
        Some(at) => at > r.due_at,
        None => now > r.due_at,
    };
    Ok(AppealView {
        id: r.id,
        party_kind: r.party_kind,
        party_id: r.party_id.to_string(),
        party_name: d.party_name,
        subject_kind: r.subject_kind,
        subject_id: r.subject_id,
        subject: d.subject,
        decision: r.decision,
        decision_reason: r.decision_reason,
        decided_at: r.decided_at,
        grounds: r.grounds,
        filed_at: r.filed_at,
        due_at: r.due_at,
        status: r.status,
        outcome_reason: r.outcome_reason,
        handled_at: r.handled_at,
        granted_amount: r.granted_fen.map(Fen::new),
        late,
        escalated_at: r.escalated_at,
    })
}

/// The deadline of an appeal filed `now`: `n` working days on, counted in China time.
fn deadline(now: NaiveDateTime, n: u32) -> NaiveDateTime {
    // China time is UTC+8 all year.
    add_working_days(now + Duration::hours(8), n) - Duration::hours(8)
}

/// A firm, provider or space appeals a decision against it, within the window.
pub fn file(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    party: &AnyParty,
    input: &AppealInput,
) -> AppResult<AppealView> {
    let mut e = FieldErrors::new();
    let grounds = e.long_text("grounds", &input.grounds, 2000);
    e.finish()?;
    let user = cx.actor.user_id.clone().ok_or_else(AppError::forbidden)?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let d = decided(c, input.subject_kind, input.subject_id.trim())?;
        // Another party's decision is not found, as everywhere.
        if &d.party != party {
            return Err(not_found());
        }
        if let Err((zh, en)) = d.appealable {
            return Err(AppError::of(ErrorCode::AppealNotAppealable).arg_each("why", zh, en));
        }
        let window = cx.policy.appeals.window_days;
        if !within_window(d.decided_at, cx.now, window) {
            return Err(AppError::of(ErrorCode::AppealWindowClosed)
                .arg("decided", china_time(d.decided_at).format("%Y-%m-%d %H:%M"))
                .arg("days", window));
        }
        let subject_id = input.subject_id.trim().to_string();
        // A finding and its clawback are one decision: the finding's row is locked so
        // two appeals filed at once, one against each, are taken one after the other.
        if let Some(f) = &d.finding {
            crate::db::spot_checks::finding_for_update(c, f)?;
        }
        for (kind, id) in &d.siblings {
            if repo::of_decision(c, *kind, id, d.decided_at)?.is_some() {
                return Err(AppError::of(ErrorCode::AppealAlreadyFiled));
            }
        }
        let row = AppealRow {
            id: AppealId::new(),
            party_kind: party.kind(),
            party_id: PartyId::stored(party.as_str().to_string()),
            subject_kind: input.subject_kind,
            subject_id,
            decision: d.decision,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
            grounds,
            filed_by: user,
            filed_at: cx.now,
            due_at: deadline(cx.now, cx.policy.appeals.deadline_working_days),
            status: AppealStatus::Open,
            outcome_reason: None,
            handled_by: None,
            handled_at: None,
            escalated_at: None,
            decision_reason: d.reason,
            granted_fen: None,
        };
        repo::insert(c, &row)?;
        audit::record(c, cx.by(), audit::Change::created(Fixed::AppealFiled, &row))?;
        view(c, row, cx.now)
    })
}

/// A reviewer decides an appeal: never the one who made the decision appealed, nor one
/// affiliated with the party. Overturned, the decision is undone through its flow.
pub fn decide(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    id: &AppealId,
    input: &AppealDecision,
) -> AppResult<AppealView> {
    let mut e = FieldErrors::new();
    let reason = e.long_text("reason", &input.reason, 1000);
    let asked = input.granted_amount.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let granted = match (input.outcome, asked) {
        (AppealOutcome::Partly, Some(a)) => Some(e.money("granted_amount", a)),
        (AppealOutcome::Partly, None) => {
            e.add(
                "granted_amount",
                ErrorCode::Required,
                "部分支持时须填写核定金额",
                "granting in part needs the amount the item is worth now",
            );
            None
        }
        (_, Some(_)) => {
            e.add(
                "granted_amount",
                ErrorCode::GrantedAmountInvalid,
                "只有部分支持时填写核定金额（撤销原决定即按原兑现金额）",
                "an amount goes only with granting in part (overturned, the item is worth its original amount)",
            );
            None
        }
        (_, None) => None,
    };
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::for_update(c, id)?.ok_or_else(|| AppError::not_found("appeal"))?;
        if before.status != AppealStatus::Open {
            return Err(AppError::of(ErrorCode::AppealDecided));
        }
        let on_finding =
            matches!(before.subject_kind, AppealSubject::Finding | AppealSubject::Clawback);
        if input.outcome == AppealOutcome::Partly && !on_finding {
            return Err(AppError::of(ErrorCode::AppealPartlyNotApplicable));
        }
        if before.decided_by.is_some() && before.decided_by == cx.actor.user_id {
            return Err(AppError::of(ErrorCode::AppealByOriginalReviewer));
        }
        let code = credit_code_of(c, &AnyParty::of(before.party_kind, before.party_id.clone()))?;
        affiliations::not_affiliated(c, cx.actor, &[code.as_str()])?;
        let granted_fen = match input.outcome {
            AppealOutcome::Upheld => None,
            AppealOutcome::Overturned | AppealOutcome::Partly => {
                overturn(c, cx, &before, granted, &reason)?.map(|f| f.get())
            }
        };
        let after = AppealRow {
            status: match input.outcome {
                AppealOutcome::Upheld => AppealStatus::Upheld,
                AppealOutcome::Overturned => AppealStatus::Overturned,
                AppealOutcome::Partly => AppealStatus::Partly,
            },
            granted_fen,
            outcome_reason: Some(reason.clone()),
            handled_by: cx.actor.user_id.clone(),
            handled_at: Some(cx.now),
            ..before.clone()
        };
        repo::update(c, &after)?;
        audit::record(c, cx.by(), audit::Change::moved(Fixed::AppealDecided, &before, &after))?;
        let v = view(c, after, cx.now)?;
        tell_party(c, cx, &v)?;
        Ok(v)
    })
}

fn credit_code_of(c: &mut DbConnection, party: &AnyParty) -> AppResult<String> {
    let code = match party {
        AnyParty::Firm(id) => parties::firm(c, id)?.map(|f| f.credit_code.to_string()),
        AnyParty::Provider(id) => parties::provider(c, id)?.map(|p| p.credit_code.to_string()),
        AnyParty::Space(id) => parties::space(c, id)?.map(|s| s.credit_code.to_string()),
        AnyParty::Authority(_) => None,
    };
    code.ok_or_else(|| AppError::internal("appeal of no party"))
}

fn contact_of(c: &mut DbConnection, party: &AnyParty) -> AppResult<(String, String)> {
    let contact = match party {
        AnyParty::Firm(id) => parties::firm(c, id)?.map(|f| (f.contact_email, f.name)),
        AnyParty::Provider(id) => parties::provider(c, id)?.map(|p| (p.contact_email, p.name)),
        AnyParty::Space(id) => parties::space(c, id)?.map(|s| (s.contact_email, s.name)),
        AnyParty::Authority(_) => None,
    };
    contact.ok_or_else(|| AppError::internal("appeal of no party"))
}

/// Undoes the decision appealed, through its own flow: whole, or for a finding or
/// clawback to `granted` (in part). Returns what a finding's item is worth now.
fn overturn(
    c: &mut DbConnection,
    cx: Cx<'_>,
    a: &AppealRow,
    granted: Option<Fen>,
    reason: &str,
) -> AppResult<Option<Fen>> {
    let id = a.subject_id.as_str();
    match a.subject_kind {
        AppealSubject::RedemptionItem => {
            let item = RedemptionItemId::parse(id).ok_or_else(not_found)?;
            super::redemptions::reinstate_on_appeal(c, cx, &item, reason)?;
        }
        AppealSubject::FirmOnboarding => {
            let firm = FirmId::parse(id).ok_or_else(not_found)?;
            super::firms::onboard_on_appeal(c, cx, &firm, reason)?;
        }
        AppealSubject::ProviderListing => {
            let provider = ProviderId::parse(id).ok_or_else(not_found)?;
            super::providers::relist_on_appeal(c, cx, &provider, reason)?;
        }
        AppealSubject::CertificationApplication => {
            let app = CertApplicationId::parse(id).ok_or_else(not_found)?;
            super::certification::reopen_on_appeal(c, cx, &app)?;
        }
        AppealSubject::Finding | AppealSubject::Clawback => {
            let finding = match a.subject_kind {
                AppealSubject::Clawback => {
                    let r = ReceivableId::parse(id).ok_or_else(not_found)?;
                    crate::db::receivables::get(c, &r)?.ok_or_else(not_found)?.finding_id
                }
                _ => FindingId::parse(id).ok_or_else(not_found)?,
            };
            let worth =
                super::findings::regrant_on_appeal(c, cx, &finding, &a.id, granted, reason)?;
            return Ok(Some(worth));
        }
    }
    Ok(None)
}

fn tell_party(c: &mut DbConnection, cx: Cx<'_>, v: &AppealView) -> AppResult<()> {
    let party = AnyParty::of(v.party_kind, PartyId::stored(v.party_id.clone()));
    let (email, name) = contact_of(c, &party)?;
    let msg = notify::AppealDecided {
        party_name: name.clone(),
        subject_kind: v.subject_kind.as_str().into(),
        subject: v.subject.clone(),
        outcome: match v.status {
            AppealStatus::Overturned => "overturned",
            AppealStatus::Partly => "partly",
            _ => "upheld",
        }
        .into(),
        granted: v.granted_amount.map(notify::yuan).unwrap_or_default(),
        reason: v.outcome_reason.clone().unwrap_or_default(),
    };
    super::outbox::enqueue(
        c,
        cx.templates,
        vec![msg.to(&email, &name).once(format!("appeal_decided:{}", v.id))],
        cx.now,
    )?;
    Ok(())
}

/// Appeals: staff read all (`party` none), a party its own; open ones only (`open`).
pub fn list(
    conn: &mut DbConnection,
    party: Option<&AnyParty>,
    open: Option<bool>,
    page: Page,
    now: NaiveDateTime,
) -> AppResult<Paged<AppealView>> {
    db::read_tx(conn, |c| {
        let pid = party.map(|p| (p.kind(), PartyId::stored(p.as_str().to_string())));
        let (rows, total) = repo::list(
            c,
            pid.as_ref().map(|(k, id)| (*k, id)),
            open,
            page.offset(),
            page.per_page,
        )?;
        let items = rows.into_iter().map(|r| view(c, r, now)).collect::<AppResult<Vec<_>>>()?;
        Ok(Paged { items, total, page: page.page, per_page: page.per_page })
    })
}

/// One appeal; a party reads only its own.
pub fn get(
    conn: &mut DbConnection,
    party: Option<&AnyParty>,
    id: &AppealId,
    now: NaiveDateTime,
) -> AppResult<AppealView> {
    db::read_tx(conn, |c| {
        let r = repo::get(c, id)?.ok_or_else(|| AppError::not_found("appeal"))?;
        if let Some(p) = party {
            if r.party_kind != p.kind() || r.party_id.as_str() != p.as_str() {
                return Err(AppError::not_found("appeal"));
            }
        }
        view(c, r, now)
    })
}

/// What the daily escalation did.
#[derive(Debug, Clone, Serialize)]
pub struct Escalated {
    pub appeals: Vec<String>,
}

/// Each open appeal past its deadline, not escalated in the last day, is escalated:
/// every administrator with an email address is told, and it is audited.
pub fn escalate_overdue(conn: &mut DbConnection, cx: Cx<'_>) -> AppResult<Escalated> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let due = repo::overdue(c, cx.now, cx.now - Duration::hours(23))?;
        if due.is_empty() {
            return Ok(Escalated { appeals: Vec::new() });
        }
        let admins: Vec<(String, String)> = crate::db::users::reachable_with_role(c, "admin")?
            .into_iter()
            .filter_map(|u| u.email.clone().map(|e| (e, u.display_name.clone())))
            .collect();
        let mut done = Vec::new();
        for before in due {
            let after = AppealRow { escalated_at: Some(cx.now), ..before.clone() };
            repo::update(c, &after)?;
            audit::record(
                c,
                cx.by(),
                audit::Change::moved(Fixed::AppealEscalated, &before, &after),
            )?;
            let v = view(c, after, cx.now)?;
            let key = |email: &str| {
                format!("appeal_overdue:{}:{}:{email}", v.id, china_time(cx.now).date())
            };
            let wanted: Vec<String> = admins.iter().map(|(e, _)| key(e)).collect();
            let sent = crate::db::outbox::existing_keys(c, &wanted)?;
            let emails = admins
                .iter()
                .filter(|(email, _)| !sent.contains(&key(email)))
                .map(|(email, name)| {
                    notify::AppealOverdue {
                        admin_name: name.clone(),
                        party_name: v.party_name.clone(),
                        subject_kind: v.subject_kind.as_str().into(),
                        subject: v.subject.clone(),
                        filed_at: notify::china_time(v.filed_at),
                        due_at: notify::china_time(v.due_at),
                    }
                    .to(email, name)
                    .once(key(email))
                })
                .collect();
            super::outbox::enqueue(c, cx.templates, emails, cx.now)?;
            done.push(v.id.to_string());
        }
        Ok(Escalated { appeals: done })
    })
}
