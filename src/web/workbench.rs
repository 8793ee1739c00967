//! The 工作台: where every role lands after signing in. What waits for this person,
//! counted, each count a link to the page where the work is done; where their firm,
//! provider or space stands and the next step; the batches an onboarded firm can claim
//! in; the latest orders. Also the sign-out page (`GET /logout`), which asks before
//! signing out.

use super::desk::Posted;
use super::desk::Screen;
use super::desk::{Desk, Form};
use super::orders::open;
use super::{local_time, wire};
use crate::domain::Role;
use crate::http::Answer;
use crate::http::{db, State};
use crate::services::workbench::{self as svc, Standing, TodoKind};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home).service(resend_verification);
}

const EVERYONE: &[Role] = &Role::ALL;

/// Where the work of a kind is done, and what it is called.
fn todo_link(kind: TodoKind) -> (&'static str, &'static str) {
    use TodoKind::*;
    match kind {
        OrdersToConfirm => ("/orders?status=delivered", "deliveries-to-confirm"),
        OrdersToAccept => ("/orders?status=requested", "orders-to-accept"),
        OrdersToDeliver => ("/orders?status=accepted", "orders-to-deliver"),
        OrdersToRedeem => ("/provider/redemptions", "orders-ready-for-redemption"),
        StatisticsDue => ("/space/statistics", "yearly-statistics-to-file"),
        ApplicationsInReview => ("/space", "certification-applications-in-review"),
        FirmsToOnboard => ("/review#q-firms", "firms-to-onboard"),
        ProvidersToReview => ("/review#q-providers", "provider-applications-to-review"),
        ProvidersInNotice => ("/review#q-notice", "providers-in-public-notice"),
        DisputesToResolve => ("/review#q-disputes", "disputed-deliveries-3"),
        RedemptionsToReview => ("/review#q-items", "redemption-items-to-review"),
        CertificationsToReview => ("/review#q-apps", "certification-applications-to-review"),
        EntitlementsInNotice => ("/review", "carrier-subsidies-in-public-notice"),
        NoticesEnding => ("/public/provider-notices", "notices-ending-within-a-day"),
        RunsToApprove => ("/finance", "runs-to-approve"),
        RunsToExport => ("/finance", "runs-whose-bank-file-is-to-be"),
        ResultsToRecord => ("/finance", "runs-with-payment-results-to-record"),
        EmailsFailed => ("/admin/outbox?status=failed", "emails-that-failed"),
        SpotChecksToAnswer => ("/firm/spot-checks", "spot-checks-to-answer"),
        FindingsOpen => ("/provider/findings", "findings-open"),
        FindingsToDecide => ("/spot-checks#findings", "findings-to-decide"),
        ReceivablesOwed => ("/finance/receivables", "receivables-still-owed"),
        AppealsToDecide => ("/appeals?state=open", "appeals-to-decide"),
    }
}

/// An audited action in words; None for the ones not worth showing a person.
fn action_words(action: &str) -> Option<&'static str> {
    let (entity, verb) = action.split_once('.')?;
    Some(match (entity, verb) {
        ("firm", "registered") => "applied-for-the-firm-to-join",
        ("firm", "onboarded") => "approved-a-firms-onboarding",
        ("firm", "onboarding_rejected") => "refused-a-firms-onboarding",
        ("firm", "profile_updated") => "corrected-the-firms-details",
        ("firm", "onboarding_returned") => "returned-a-firms-application-for-correction",
        ("firm", "resubmitted") => "resubmitted-the-application",
        ("provider", "resubmitted") => "resubmitted-the-application",
        ("provider", "application_updated") => "corrected-the-application",
        ("firm", "qualifications_set") => "set-a-firms-qualifications",
        ("provider", "applied") => "applied-to-be-listed",
        ("provider", _) => "decided-on-a-providers-listing",
        ("service_item", _) => "edited-a-service",
        ("order", "requested") => "placed-an-order",
        ("order", "evidence_added") => "uploaded-delivery-documents",
        ("order", _) => "acted-on-an-order",
        ("voucher", "claimed") => "claimed-a-voucher",
        ("lottery", _) => "registered-for-a-lottery",
        ("redemption", "submitted") => "applied-for-redemption",
        ("redemption", _) => "reviewed-a-redemption",
        ("settlement", "prepared") => "prepared-a-settlement-run",
        ("settlement", "approved") => "approved-a-settlement-run",
        ("settlement", "rejected") => "returned-a-settlement-run",
        ("settlement", "exported") => "exported-a-bank-file",
        ("settlement", _) => "recorded-payment-results",
        ("payout", _) => "acted-on-a-payout",
        ("certification", "applied") => "applied-for-certification",
        ("certification", _) => "acted-on-a-certification",
        ("statistics", _) => "filed-yearly-statistics",
        ("incubatee", _) => "updated-the-incubatee-register",
        ("programme" | "batch", _) => "set-up-a-programme-or-batch",
        ("user", "password_changed") => "changed-the-password",
        ("user", _) => "managed-users",
        ("article", _) => "edited-notices-or-common-questions",
        ("auth", "password_reset") => "reset-the-password",
        ("auth", "account_unlocked") => "lifted-a-sign-in-lock",
        ("auth", "password_reset_sent") => "sent-a-password-reset-link",
        ("contact", "verified") => "verified-the-contact-email",
        ("document", "uploaded") => "uploaded-a-document",
        ("contact", "verification_sent") => "sent-an-email-verification-link",
        ("outbox", _) => "retried-an-email",
        _ => return None,
    })
}

/// Where a party stands, in words, and the link to its next step. An application whose
/// contact address is not verified yet waits for its applicant, not for a reviewer.
fn standing(s: &Standing, verified: bool) -> serde_json::Value {
    use crate::domain::party::{ListingStatus as L, OnboardingStatus as O};
    let (name, text, reason, corrections, next) = match s {
        Standing::Firm { name, status, reason, corrections } => {
            let (text, next) = match status {
                O::Submitted if !verified => (
                    "your-firms-application-is-submitted-verify-your",
                    ("/firm", "see-the-firms-details"),
                ),
                O::Submitted => {
                    ("your-firms-application-is-in-review-once", ("/firm", "see-the-firms-details"))
                }
                O::Onboarded => {
                    ("your-firm-is-onboarded-you-can-claim", ("/batches", "claim-vouchers"))
                }
                O::Returned => (
                    "your-firms-application-was-returned-for-correction",
                    ("/firm", "correct-and-resubmit"),
                ),
                O::Rejected => (
                    "your-firms-application-was-not-approved",
                    ("/firm", "correct-the-firms-details"),
                ),
            };
            (name, text, reason, corrections, next)
        }
        Standing::Provider { name, status, reason, corrections } => {
            let (text, next) = match status {
                L::Applied if !verified => (
                    "your-listing-application-is-submitted-verify-your",
                    ("/provider", "see-the-application"),
                ),
                L::Applied => {
                    ("your-listing-application-is-in-review", ("/provider", "see-the-application"))
                }
                L::Returned => (
                    "your-listing-application-was-returned-for-correction",
                    ("/provider", "correct-and-resubmit"),
                ),
                L::InNotice => (
                    "your-application-passed-review-and-is-in",
                    ("/provider", "see-the-application"),
                ),
                L::Listed => (
                    "listed-you-can-publish-services-and-take",
                    ("/provider/services", "manage-services"),
                ),
                L::Rejected => (
                    "your-listing-application-was-not-approved",
                    ("/provider", "see-the-application"),
                ),
                L::Suspended => (
                    "suspended-from-new-orders-running-orders-may",
                    ("/provider", "see-the-providers-details"),
                ),
                L::Delisted => ("delisted-2", ("/provider", "see-the-providers-details")),
            };
            (name, text, reason, corrections, next)
        }
        Standing::Space { name, certified } => {
            let (text, next) = if !verified {
                ("verify-your-contact-email-first-then-you", ("/space", "view-your-space"))
            } else if *certified == 0 {
                (
                    "no-certification-in-force-yet-you-can",
                    ("/space/apply", "apply-for-certification"),
                )
            } else {
                (
                    "certified-subsidies-follow-file-the-statistics-every",
                    ("/space", "see-certifications-and-subsidies"),
                )
            };
            let _ = certified;
            return json!({
                "name": name, "text": text, "reason": null, "corrections": [],
                "next_href": next.0, "next_text": next.1,
            });
        }
    };
    json!({
        "name": name, "text": text, "reason": reason, "corrections": corrections,
        "next_href": next.0, "next_text": next.1,
    })
}

#[get("/home")]
async fn home(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, EVERYONE);
    let page = page(&state, &d).await?;
    Ok(page)
}

async fn page(state: &State, d: &Desk) -> Result<HttpResponse, crate::error::AppError> {
    page_with(state, d, Form::none(), StatusCode::OK).await
}

async fn page_with(
    state: &State,
    d: &Desk,
    form: Form,
    status: StatusCode,
) -> Result<HttpResponse, crate::error::AppError> {
    let ctx = state.context(d.actor());
    let user_id = d.s.caller.user_id.clone();
    let (wb, user) = db(state, move |c| {
        let wb = svc::of(c, ctx.cx())?;
        let user = crate::services::users::get(c, &user_id)?;
        Ok((wb, user))
    })
    .await?;
    let todo: Vec<serde_json::Value> = wb
        .todo
        .iter()
        .map(|t| {
            let (href, text) = todo_link(t.kind);
            json!({"kind": t.kind.as_str(), "href": href, "text": text, "count": t.count})
        })
        .collect();
    let waiting: i64 = wb.todo.iter().map(|t| t.count).sum();
    let batches: Vec<serde_json::Value> = wb
        .batches
        .iter()
        .map(|b| {
            json!({
                "name": b.name, "status_text": super::firm::status_text(&wire(&b.status)),
                "opens_at": local_time(b.opens_at), "closes_at": local_time(b.closes_at),
                "remaining": super::yuan(b.remaining),
            })
        })
        .collect();
    let orders: Vec<serde_json::Value> = wb
        .recent_orders
        .iter()
        .map(|o| {
            json!({
                "id": o.id, "order_no": o.order_no, "title": o.title,
                "status_text": super::orders::status_text(&wire(&o.status)),
                "firm_name": o.firm_name, "provider_name": o.provider_name,
                "amount": super::yuan(o.contract_amount),
                "requested_at": local_time(o.requested_at),
            })
        })
        .collect();
    let lately: Vec<serde_json::Value> = wb
        .done_lately
        .iter()
        .filter_map(|x| action_words(&x.action).map(|w| json!({"at": local_time(x.at), "what": w})))
        .collect();
    let role = d.s.caller.role;
    let verified = wb.contact.as_ref().is_none_or(|c| c.verified_at.is_some());
    d.render(
        state,
        Screen { template: "workbench.html", path: "/home", title: "my-desk" },
        context! {
            display_name => user.display_name,
            role_text => super::session::role_text(role),
            standing => wb.standing.as_ref().map(|s| super::val(standing(s, verified))),
            licence_missing => wb.has_licence == Some(false),
            contact => wb.contact.as_ref().map(|c| context! {
                email => c.contact_email.clone(), verified => c.verified_at.is_some(),
                verified_at => c.verified_at.map(local_time),
            }),
            todo => super::val(todo), waiting => waiting,
            batches => super::val(batches), orders => super::val(orders),
            lately => super::val(lately),
            is_provider => role == Role::Provider,
            is_firm => role == Role::Firm,
            holds => super::val(wb.holds.iter().map(super::screening::hold_json).collect::<Vec<_>>()),
        },
        &form,
        status,
    )
}

/// The applicant asks for the contact verification link again.
#[post("/home/verification")]
async fn resend_verification(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, &[Role::Firm, Role::Provider, Role::Space]);
    let user = d.s.caller.user_id.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |_| Ok(()),
            move |c, (), a| {
                crate::services::contact_verification::resend(c, a.cx(), a.links(), &user)
            },
        )
        .await
        .map(|_| ("/home".to_string(), "verification_sent"));
    let (st, dk) = (&state, &d);
    d.answer(
        st,
        r,
        "verification",
        &p,
        &[],
        move |f, s| async move { page_with(st, dk, f, s).await },
    )
    .await
}
