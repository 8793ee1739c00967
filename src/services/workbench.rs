//! A person's 工作台 (home after sign-in): what waits for them, counted (待办); what
//! happened lately on their orders; and where a newcomer stands (the firm's onboarding,
//! the provider's listing, the space's certification) with the batches a firm can claim
//! in. Read only, from the same use cases the work pages call, in one read transaction.

use super::certification::{self as certs, Viewer};
use super::orders::{self, OrderView, Party};
use super::vouchers::BatchView;
use super::Page;
use crate::db::{self, DbConnection};
use crate::domain::certification::{ApplicationStatus, CertificationStatus};
use crate::domain::id::AnyParty;
use crate::domain::listing::Filter;
use crate::domain::order::{OrderStatus, RedemptionStatus};
use crate::domain::party::{ListingStatus, OnboardingStatus};
use crate::domain::settlement::RunStage;
use crate::domain::subsidy::EntitlementStatus;
use crate::domain::{Policy, Role};
use crate::error::{AppError, AppResult};
use crate::services::Cx;
use chrono::{Datelike, NaiveDateTime};
use serde::Serialize;

crate::domain::text_enum! {
    /// One kind of work waiting for someone.
    pub enum TodoKind {
        /// Firm: deliveries to confirm (or dispute).
        OrdersToConfirm => "orders_to_confirm",
        /// Provider: new orders to accept or decline.
        OrdersToAccept => "orders_to_accept",
        /// Provider: accepted orders to deliver.
        OrdersToDeliver => "orders_to_deliver",
        /// Provider: confirmed orders not yet in a redemption application.
        OrdersToRedeem => "orders_to_redeem",
        /// Space: last year's statistics not filed yet.
        StatisticsDue => "statistics_due",
        /// Space: its certification applications under review.
        ApplicationsInReview => "applications_in_review",
        /// Reviewer: firms waiting for onboarding.
        FirmsToOnboard => "firms_to_onboard",
        /// Reviewer: provider applications waiting for a decision to publish.
        ProvidersToReview => "providers_to_review",
        /// Reviewer: providers in public notice (the notice ends, then a decision).
        ProvidersInNotice => "providers_in_notice",
        /// Reviewer: disputed deliveries.
        DisputesToResolve => "disputes_to_resolve",
        /// Reviewer: redemption items to decide.
        RedemptionsToReview => "redemptions_to_review",
        /// Reviewer: certification applications to decide.
        CertificationsToReview => "certifications_to_review",
        /// Reviewer: carrier subsidies in notice, decided when the notice ends.
        EntitlementsInNotice => "entitlements_in_notice",
        /// Reviewer: provider listings and redemption items whose public notice ends
        /// within a day (objections close then).
        NoticesEnding => "notices_ending",
        /// Finance: runs prepared, waiting for a second person's approval.
        RunsToApprove => "runs_to_approve",
        /// Finance: approved runs whose bank file has not been taken.
        RunsToExport => "runs_to_export",
        /// Finance: exported runs with payouts whose result is not recorded.
        ResultsToRecord => "results_to_record",
        /// Admin: emails that could not be sent.
        EmailsFailed => "emails_failed",
        /// Firm: spot checks of its services waiting for its answer.
        SpotChecksToAnswer => "spot_checks_to_answer",
        /// Provider: findings on its items still open (its side may be stated).
        FindingsOpen => "findings_open",
        /// Reviewer: findings waiting for a decision.
        FindingsToDecide => "findings_to_decide",
        /// Finance: receivables still owed by providers.
        ReceivablesOwed => "receivables_owed",
        /// Reviewer: appeals waiting for a decision.
        AppealsToDecide => "appeals_to_decide",
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Todo {
    pub kind: TodoKind,
    pub count: i64,
}

/// Where the person's firm, provider or space stands with the programme.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "party", rename_all = "snake_case")]
pub enum Standing {
    Firm {
        name: String,
        status: OnboardingStatus,
        reason: Option<String>,
        /// What to correct, while returned for correction.
        corrections: Vec<String>,
    },
    Provider {
        name: String,
        status: ListingStatus,
        reason: Option<String>,
        /// What to correct, while returned for correction.
        corrections: Vec<String>,
    },
    Space {
        name: String,
        /// Certifications in force.
        certified: i64,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Workbench {
    pub standing: Option<Standing>,
    /// A firm's, provider's or space's contact address and whether it is verified.
    pub contact: Option<super::contact_verification::ContactState>,
    /// For a firm, provider or space: whether its business licence is uploaded.
    pub has_licence: Option<bool>,
    pub todo: Vec<Todo>,
    /// The person's latest orders (firms and providers).
    pub recent_orders: Vec<OrderView>,
    /// For an onboarded firm: the batches open now or opening later.
    pub batches: Vec<BatchView>,
    /// What this person did lately (their own audited actions, newest first).
    pub done_lately: Vec<Done>,
    /// For a firm, provider or space on a screening list: each hold, with its list.
    pub holds: Vec<super::screening::HoldView>,
}

/// One of the person's own recent actions.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    pub at: NaiveDateTime,
    pub action: String,
}

fn one() -> Page {
    Page { page: 1, per_page: 1 }
}

fn orders_in(
    c: &mut DbConnection,
    policy: &Policy,
    party: Party<'_>,
    status: OrderStatus,
) -> AppResult<i64> {
    Ok(orders::list(c, policy, party, Some(status.as_str()), one())?.total)
}

/// The work waiting for `actor` and where their party stands, as of `now`.
pub fn of(conn: &mut DbConnection, cx: Cx<'_>) -> AppResult<Workbench> {
    let role = cx.actor.role_kind.ok_or_else(AppError::forbidden)?;
    db::read_tx(conn, |c| {
        let mut todo = Vec::new();
        let mut add = |kind, count| todo.push(Todo { kind, count });
        let mut wb = Workbench {
            standing: None,
            contact: None,
            has_licence: None,
            todo: Vec::new(),
            recent_orders: Vec::new(),
            batches: Vec::new(),
            done_lately: Vec::new(),
            holds: Vec::new(),
        };
        if let Some(user) = &cx.actor.user_id {
            if matches!(role, Role::Firm | Role::Provider | Role::Space) {
                wb.contact = Some(super::contact_verification::state_in(c, user)?);
            }
            if let Some(party @ (AnyParty::Firm(_) | AnyParty::Provider(_) | AnyParty::Space(_))) =
                &cx.actor.party
            {
                wb.holds = super::screening::holds_of_party_in(c, party, cx.now)?;
                let reader = super::documents::Reader::Party(party);
                let docs = super::documents::of_party(c, reader, party, cx.now)?;
                wb.has_licence = Some(
                    docs.iter()
                        .any(|d| d.kind == crate::domain::party::DocumentKind::BusinessLicence),
                );
            }
            wb.done_lately = crate::db::audit::by_actor(c, user, 8)?
                .into_iter()
                .map(|e| Done { at: e.occurred_at, action: e.action })
                .collect();
        }
        let recent = Page { page: 1, per_page: 5 };
        match role {
            Role::Firm => {
                let party = Party::of(cx.actor)?;
                if let Party::Firm(id) = party {
                    let f = super::firms::get(c, id)?;
                    if f.onboarding_status == OnboardingStatus::Onboarded {
                        wb.batches = super::vouchers::batches(c, false, cx.now)?;
                    }
                    wb.standing = Some(Standing::Firm {
                        name: f.name,
                        status: f.onboarding_status,
                        reason: f.onboarding_reason,
                        corrections: f.corrections,
                    });
                }
                add(
                    TodoKind::OrdersToConfirm,
                    orders_in(c, cx.policy, party, OrderStatus::Delivered)?,
                );
                if let Party::Firm(id) = party {
                    let asked = Some(crate::domain::spot_check::CheckStatus::Asked);
                    add(
                        TodoKind::SpotChecksToAnswer,
                        super::spot_checks::checks(c, Some(id), asked, one())?.total,
                    );
                }
                wb.recent_orders = orders::list(c, cx.policy, party, None, recent)?.items;
            }
            Role::Provider => {
                let party = Party::of(cx.actor)?;
                if let Party::Provider(id) = party {
                    let p = super::providers::get(c, id)?;
                    wb.standing = Some(Standing::Provider {
                        name: p.name,
                        status: p.listing_status,
                        reason: p.decision_reason,
                        corrections: p.corrections,
                    });
                    add(
                        TodoKind::OrdersToAccept,
                        orders_in(c, cx.policy, party, OrderStatus::Requested)?,
                    );
                    add(
                        TodoKind::OrdersToDeliver,
                        orders_in(c, cx.policy, party, OrderStatus::Accepted)?,
                    );
                    let redeemable = super::redemptions::applicable_orders(c, cx.policy, id)?;
                    add(TodoKind::OrdersToRedeem, redeemable.len() as i64);
                    let open = Some(crate::domain::spot_check::FindingStatus::Open);
                    add(
                        TodoKind::FindingsOpen,
                        super::findings::list(c, Some(id), open, one())?.total,
                    );
                }
                wb.recent_orders = orders::list(c, cx.policy, party, None, recent)?.items;
            }
            Role::Space => {
                let id = cx.actor.space().ok_or_else(AppError::forbidden)?;
                let s = super::spaces::get(c, id)?;
                let all = Page { page: 1, per_page: 100 };
                let certified = certs::certifications(
                    c,
                    cx.policy,
                    Viewer::Space(id),
                    &Filter::only(Some(CertificationStatus::Active)),
                    all,
                )?
                .items
                .iter()
                .filter(|c| c.status == CertificationStatus::Active)
                .count() as i64;
                wb.standing = Some(Standing::Space { name: s.name, certified });
                add(
                    TodoKind::ApplicationsInReview,
                    certs::applications(
                        c,
                        Viewer::Space(id),
                        &Filter::only(Some(ApplicationStatus::Submitted)),
                        one(),
                    )?
                    .total,
                );
                let last_year = crate::domain::china_time(cx.now).year() - 1;
                let due = super::statistics::year_status(c, cx.policy, last_year, cx.now)?
                    .spaces
                    .iter()
                    .filter(|f| {
                        f.space_id == *id
                            && matches!(
                                f.state,
                                super::statistics::FilingState::Due
                                    | super::statistics::FilingState::Missing
                            )
                    })
                    .count() as i64;
                add(TodoKind::StatisticsDue, due);
            }
            Role::Reviewer | Role::Admin => {
                add(
                    TodoKind::FirmsToOnboard,
                    super::firms::list(c, &Filter::queue(OnboardingStatus::Submitted), one())?
                        .total,
                );
                add(
                    TodoKind::ProvidersToReview,
                    super::providers::list(c, &Filter::queue(ListingStatus::Applied), one())?.total,
                );
                add(
                    TodoKind::ProvidersInNotice,
                    super::providers::list(c, &Filter::queue(ListingStatus::InNotice), one())?
                        .total,
                );
                add(
                    TodoKind::DisputesToResolve,
                    orders_in(c, cx.policy, Party::Staff, OrderStatus::Disputed)?,
                );
                add(
                    TodoKind::RedemptionsToReview,
                    super::redemptions::items(
                        c,
                        cx.policy,
                        Party::Staff,
                        &Filter::queue(RedemptionStatus::Submitted),
                        one(),
                    )?
                    .total,
                );
                add(
                    TodoKind::CertificationsToReview,
                    certs::applications(
                        c,
                        Viewer::Staff,
                        &Filter::only(Some(ApplicationStatus::Submitted)),
                        one(),
                    )?
                    .total,
                );
                add(
                    TodoKind::EntitlementsInNotice,
                    super::subsidies::entitlements(
                        c,
                        cx.policy,
                        Viewer::Staff,
                        &super::subsidies::EntitlementQuery {
                            filter: Filter::only(Some(EntitlementStatus::InNotice)),
                            policy: None,
                        },
                        one(),
                    )?
                    .total,
                );
                let soon = cx.now + chrono::Duration::days(1);
                let ending = |t: Option<NaiveDateTime>| t.is_some_and(|t| t > cx.now && t <= soon);
                let mut ends = 0i64;
                for n in super::providers::notices(c, Page { page: 1, per_page: 100 })?.items {
                    ends += i64::from(ending(n.notice_ends_at));
                }
                for n in super::redemptions::notices(c, cx.policy, Page { page: 1, per_page: 100 })?
                    .items
                {
                    ends += i64::from(ending(n.notice_ends_at));
                }
                add(TodoKind::NoticesEnding, ends);
                let open = Some(crate::domain::spot_check::FindingStatus::Open);
                add(TodoKind::FindingsToDecide, super::findings::list(c, None, open, one())?.total);
                add(TodoKind::AppealsToDecide, crate::db::appeals::open_count(c)?);
                if role == Role::Admin {
                    add(
                        TodoKind::EmailsFailed,
                        super::outbox::list(
                            c,
                            &Filter::only(Some(crate::domain::operation::OutboxStatus::Failed)),
                            None,
                            one(),
                        )?
                        .total,
                    );
                }
            }
            Role::Finance => {
                let runs = super::settlement::list(
                    c,
                    &Filter::default(),
                    Page { page: 1, per_page: 100 },
                )?;
                let count =
                    |stage: RunStage| runs.items.iter().filter(|r| r.stage == stage).count() as i64;
                add(TodoKind::RunsToApprove, count(RunStage::Prepared));
                add(TodoKind::RunsToExport, count(RunStage::Approved));
                add(TodoKind::ResultsToRecord, count(RunStage::Exported));
                let owed = Some(crate::domain::receivable::ReceivableState::Open);
                add(
                    TodoKind::ReceivablesOwed,
                    super::receivables::list(c, None, owed, one())?.total,
                );
            }
            Role::Auditor => {}
        }
        wb.todo = todo;
        Ok(wb)
    })
}
