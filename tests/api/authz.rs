//! Walks every endpoint with every role and with no token: 401 without a token,
//! 403 for a role the endpoint is not for, and neither for the roles it is for.
//! The list is checked against the OpenAPI document, so a new endpoint must be added here.

use crate::helpers::spawn_app;
use hechuang::domain::Role;
use hechuang::domain::Role::*;
use std::collections::BTreeSet;

const ANY: &[Role] = &[Firm, Provider, Space, Reviewer, Finance, Admin, Auditor];
const STAFF_READ: &[Role] = &[Reviewer, Finance, Admin, Auditor];
const REVIEWING: &[Role] = &[Reviewer, Admin];
const AUDIT: &[Role] = &[Admin, Auditor];
const ORDER_READ: &[Role] = &[Firm, Provider, Reviewer, Finance, Admin, Auditor];
const FINANCE_READ: &[Role] = &[Finance, Admin, Auditor];
const REDEMPTION_READ: &[Role] = &[Provider, Reviewer, Finance, Admin, Auditor];
const EVIDENCE_READ: &[Role] = &[Firm, Provider, Reviewer, Finance, Auditor];
const SPACE_READ: &[Role] = &[Space, Reviewer, Finance, Admin, Auditor];

/// (method, path, roles allowed; None = public)
const ENDPOINTS: &[(&str, &str, Option<&[Role]>)] = &[
    ("get", "/health", None),
    ("get", "/ready", None),
    ("get", "/metrics", None),
    ("get", "/api/openapi.json", None),
    ("post", "/api/v1/auth/login", None),
    ("post", "/api/v1/auth/refresh", None),
    ("post", "/api/v1/auth/logout", Some(ANY)),
    ("post", "/api/v1/auth/password", Some(ANY)),
    ("get", "/api/v1/auth/me", Some(ANY)),
    ("get", "/api/v1/policy/service-categories", None),
    ("get", "/api/v1/policy/industries", None),
    ("get", "/api/v1/policy/districts", None),
    ("get", "/api/v1/policy/certification-figures", None),
    ("get", "/api/v1/policy/certification-schemes", None),
    ("get", "/api/v1/policy/certification-schemes/{code}", None),
    ("post", "/api/v1/policy/certification-schemes/{code}/evaluation", None),
    ("post", "/api/v1/registrations/firm", None),
    ("post", "/api/v1/space/certification-applications", Some(&[Space])),
    ("post", "/api/v1/space/certification-applications/{id}/withdrawal", Some(&[Space])),
    ("get", "/api/v1/certification-applications", Some(SPACE_READ)),
    ("get", "/api/v1/certification-applications/{id}", Some(SPACE_READ)),
    ("post", "/api/v1/certification-applications/{id}/decision", Some(REVIEWING)),
    ("get", "/api/v1/certifications", Some(SPACE_READ)),
    ("post", "/api/v1/certifications/{id}/revocation", Some(REVIEWING)),
    ("get", "/api/v1/public/certifications", None),
    ("get", "/api/v1/policy/subsidies", None),
    ("get", "/api/v1/space/incubatees", Some(&[Space])),
    ("get", "/api/v1/space/incubatees/figures", Some(&[Space])),
    ("post", "/api/v1/space/incubatees", Some(&[Space])),
    ("post", "/api/v1/space/incubatees/{id}/graduation", Some(&[Space])),
    ("post", "/api/v1/space/incubatees/{id}/departure", Some(&[Space])),
    ("get", "/api/v1/spaces/{id}/incubatees", Some(STAFF_READ)),
    ("post", "/api/v1/entitlement-runs", Some(REVIEWING)),
    ("get", "/api/v1/entitlements", Some(SPACE_READ)),
    ("get", "/api/v1/entitlements/{id}", Some(SPACE_READ)),
    ("post", "/api/v1/entitlements/{id}/decision", Some(REVIEWING)),
    ("get", "/api/v1/support-grants", Some(STAFF_READ)),
    ("post", "/api/v1/support-grants", Some(REVIEWING)),
    ("get", "/api/v1/public/subsidies", None),
    ("post", "/api/v1/space/statistics", Some(&[Space])),
    ("get", "/api/v1/space/statistics", Some(&[Space])),
    ("get", "/api/v1/statistics", Some(STAFF_READ)),
    ("post", "/api/v1/performance-evaluations", Some(REVIEWING)),
    ("get", "/api/v1/public/performance-evaluations/{year}", None),
    ("get", "/api/v1/public/performance-evaluations/{year}/ranking", None),
    ("post", "/api/v1/registrations/provider", None),
    ("post", "/api/v1/registrations/space", None),
    ("post", "/api/v1/contact-verification", None),
    ("post", "/api/v1/me/documents", Some(&[Firm, Provider, Space])),
    ("get", "/api/v1/me/documents", Some(&[Firm, Provider, Space])),
    ("get", "/api/v1/firms/{id}/documents", Some(&[Reviewer, Finance, Auditor])),
    ("get", "/api/v1/providers/{id}/documents", Some(&[Reviewer, Finance, Auditor])),
    ("get", "/api/v1/spaces/{id}/documents", Some(&[Reviewer, Finance, Auditor])),
    (
        "get",
        "/api/v1/documents/{id}/file",
        Some(&[Firm, Provider, Space, Reviewer, Finance, Auditor]),
    ),
    ("get", "/api/v1/me/contact", Some(&[Firm, Provider, Space])),
    ("post", "/api/v1/me/contact/verification-email", Some(&[Firm, Provider, Space])),
    ("get", "/api/v1/public/provider-notices", None),
    ("get", "/api/v1/public/providers", None),
    ("get", "/api/v1/public/spot-check-draws/{id}", None),
    ("post", "/api/v1/spot-checks/draws", Some(&[Admin])),
    ("get", "/api/v1/spot-checks/draws", Some(STAFF_READ)),
    ("get", "/api/v1/spot-checks", Some(STAFF_READ)),
    ("get", "/api/v1/firm/spot-checks", Some(&[Firm])),
    ("post", "/api/v1/spot-checks/{id}/answer", Some(&[Firm])),
    ("get", "/api/v1/findings", Some(STAFF_READ)),
    ("get", "/api/v1/provider/findings", Some(&[Provider])),
    ("post", "/api/v1/findings/{id}/statement", Some(&[Provider])),
    ("post", "/api/v1/findings/{id}/decision", Some(&[Reviewer, Admin])),
    ("get", "/api/v1/receivables", Some(STAFF_READ)),
    ("post", "/api/v1/appeals", Some(&[Firm, Provider, Space])),
    ("get", "/api/v1/appeals", Some(&[Firm, Provider, Space, Reviewer, Finance, Admin, Auditor])),
    (
        "get",
        "/api/v1/appeals/{id}",
        Some(&[Firm, Provider, Space, Reviewer, Finance, Admin, Auditor]),
    ),
    ("post", "/api/v1/appeals/{id}/decision", Some(REVIEWING)),
    ("get", "/api/v1/screening", Some(STAFF_READ)),
    ("get", "/api/v1/screening/entries", Some(STAFF_READ)),
    ("post", "/api/v1/screening/imports", Some(&[Admin])),
    ("get", "/api/v1/screening/imports/{id}", Some(STAFF_READ)),
    ("post", "/api/v1/screening/imports/{id}/apply", Some(&[Admin])),
    ("post", "/api/v1/screening/imports/{id}/discard", Some(&[Admin])),
    ("post", "/api/v1/screening/entries/{id}/clearances", Some(&[Reviewer, Admin])),
    ("get", "/api/v1/screening/holds/mine", Some(&[Firm, Provider, Space])),
    ("get", "/api/v1/providers/{id}/credit", Some(STAFF_READ)),
    ("get", "/api/v1/provider/credit", Some(&[Provider])),
    ("get", "/api/v1/provider/receivables", Some(&[Provider])),
    ("get", "/api/v1/provider/supplements", Some(&[Provider])),
    ("get", "/api/v1/receivables/{id}", Some(REDEMPTION_READ)),
    ("post", "/api/v1/receivables/{id}/repayments", Some(&[Finance])),
    ("get", "/api/v1/public/providers/{provider_id}/ratings", None),
    ("post", "/api/v1/public/provider-notices/{provider_id}/objections", None),
    ("get", "/api/v1/firm/profile", Some(&[Firm])),
    ("put", "/api/v1/firm/profile", Some(&[Firm])),
    ("post", "/api/v1/firm/profile/resubmit", Some(&[Firm])),
    ("get", "/api/v1/firms", Some(STAFF_READ)),
    ("get", "/api/v1/firms/{id}", Some(STAFF_READ)),
    ("post", "/api/v1/firms/{id}/onboarding", Some(REVIEWING)),
    ("put", "/api/v1/firms/{id}/qualifications", Some(REVIEWING)),
    ("post", "/api/v1/firms/{id}/qualifications/confirmation", Some(REVIEWING)),
    ("get", "/api/v1/provider/profile", Some(&[Provider])),
    ("put", "/api/v1/provider/profile", Some(&[Provider])),
    ("post", "/api/v1/provider/profile/resubmit", Some(&[Provider])),
    ("post", "/api/v1/provider/reapplication", Some(&[Provider])),
    ("get", "/api/v1/providers", Some(STAFF_READ)),
    ("get", "/api/v1/providers/{id}", Some(STAFF_READ)),
    ("post", "/api/v1/providers/{id}/listing", Some(REVIEWING)),
    ("get", "/api/v1/providers/{id}/objections", Some(STAFF_READ)),
    ("get", "/api/v1/providers/{id}/listing-check", Some(STAFF_READ)),
    ("post", "/api/v1/objections/{id}/resolution", Some(REVIEWING)),
    ("post", "/api/v1/provider-notices/conclude", Some(REVIEWING)),
    ("get", "/api/v1/space/profile", Some(&[Space])),
    ("get", "/api/v1/spaces", Some(STAFF_READ)),
    ("get", "/api/v1/spaces/{id}", Some(STAFF_READ)),
    ("get", "/api/v1/users", Some(&[Admin])),
    ("post", "/api/v1/users", Some(&[Admin])),
    ("post", "/api/v1/users/{id}/disable", Some(&[Admin])),
    ("post", "/api/v1/users/{id}/enable", Some(&[Admin])),
    ("get", "/api/v1/audit/events", Some(AUDIT)),
    ("get", "/api/v1/audit/verify", Some(AUDIT)),
    ("get", "/api/v1/dashboard", Some(STAFF_READ)),
    ("get", "/api/v1/dashboard/reconciliation", Some(STAFF_READ)),
    ("get", "/api/v1/public/summary", None),
    ("post", "/api/v1/programmes", Some(&[Admin])),
    ("get", "/api/v1/programmes", None),
    ("get", "/api/v1/programmes/{id}", None),
    ("post", "/api/v1/programmes/{id}/batches", Some(&[Admin])),
    ("get", "/api/v1/batches", None),
    ("get", "/api/v1/batches/{id}", None),
    ("post", "/api/v1/batches/{id}/publish", Some(&[Admin])),
    ("post", "/api/v1/batches/{id}/topups", Some(&[Admin])),
    ("get", "/api/v1/batches/{id}/state", None),
    ("post", "/api/v1/batches/{id}/claims", Some(&[Firm])),
    ("get", "/api/v1/firm/vouchers", Some(&[Firm])),
    ("get", "/api/v1/vouchers", Some(STAFF_READ)),
    ("get", "/api/v1/batches/{id}/lottery", None),
    ("put", "/api/v1/batches/{id}/lottery/entry", Some(&[Firm])),
    ("get", "/api/v1/batches/{id}/lottery/entry", Some(&[Firm])),
    ("delete", "/api/v1/batches/{id}/lottery/entry", Some(&[Firm])),
    ("post", "/api/v1/batches/{id}/lottery/draw", Some(&[Admin])),
    ("get", "/api/v1/services", None),
    ("get", "/api/v1/provider/services", Some(&[Provider])),
    ("post", "/api/v1/provider/services", Some(&[Provider])),
    ("put", "/api/v1/provider/services/{id}", Some(&[Provider])),
    ("post", "/api/v1/orders/quote", Some(&[Firm])),
    ("post", "/api/v1/orders", Some(&[Firm])),
    ("get", "/api/v1/orders", Some(ORDER_READ)),
    ("get", "/api/v1/orders/{id}", Some(ORDER_READ)),
    ("post", "/api/v1/orders/{id}/accept", Some(&[Provider])),
    ("post", "/api/v1/orders/{id}/decline", Some(&[Provider])),
    ("post", "/api/v1/orders/{id}/cancel", Some(&[Firm, Provider])),
    ("post", "/api/v1/orders/{id}/deliver", Some(&[Provider])),
    ("post", "/api/v1/orders/{id}/confirm", Some(&[Firm])),
    ("post", "/api/v1/orders/{id}/rating", Some(&[Firm])),
    ("post", "/api/v1/orders/{id}/rating/answer", Some(&[Provider])),
    ("post", "/api/v1/orders/{id}/dispute", Some(&[Firm])),
    ("post", "/api/v1/orders/{id}/dispute-resolution", Some(REVIEWING)),
    ("post", "/api/v1/orders/{id}/evidence", Some(&[Provider])),
    ("get", "/api/v1/orders/{id}/evidence/{evidence_id}", Some(EVIDENCE_READ)),
    ("post", "/api/v1/provider/redemptions", Some(&[Provider])),
    ("get", "/api/v1/redemptions", Some(REDEMPTION_READ)),
    ("get", "/api/v1/redemptions/{id}", Some(REDEMPTION_READ)),
    ("get", "/api/v1/redemption-items", Some(REDEMPTION_READ)),
    ("post", "/api/v1/redemption-items/{id}/decision", Some(REVIEWING)),
    ("get", "/api/v1/redemption-items/{id}/objections", Some(STAFF_READ)),
    ("post", "/api/v1/redemption-objections/{id}/resolution", Some(REVIEWING)),
    ("get", "/api/v1/public/redemption-notices", None),
    ("post", "/api/v1/public/redemption-notices/{item_id}/objections", None),
    ("get", "/api/v1/ledger/verify", Some(&[Finance, Admin, Auditor])),
    ("post", "/api/v1/settlement-runs", Some(&[Finance])),
    ("get", "/api/v1/settlement-runs", Some(FINANCE_READ)),
    ("get", "/api/v1/settlement-runs/{id}", Some(FINANCE_READ)),
    ("post", "/api/v1/settlement-runs/{id}/decision", Some(&[Finance])),
    ("get", "/api/v1/settlement-runs/{id}/bank-file", Some(&[Finance])),
    ("post", "/api/v1/settlement-runs/{id}/results", Some(&[Finance])),
    ("get", "/api/v1/payouts", Some(FINANCE_READ)),
    ("get", "/api/v1/payouts/{id}", Some(FINANCE_READ)),
    ("post", "/api/v1/payouts/{id}/result", Some(&[Finance])),
    ("post", "/api/v1/payouts/{id}/reversal", Some(&[Finance])),
    ("get", "/api/v1/reports/settlement", Some(FINANCE_READ)),
    ("get", "/api/v1/users/{id}/affiliations", Some(&[Admin])),
    ("put", "/api/v1/users/{id}/affiliations", Some(&[Admin])),
    ("get", "/api/v1/admin/jobs", Some(&[Admin])),
    ("get", "/api/v1/admin/jobs/runs", Some(&[Admin])),
    ("post", "/api/v1/admin/jobs/{job}/runs", Some(&[Admin])),
    ("get", "/api/v1/admin/outbox", Some(&[Admin])),
    ("get", "/api/v1/admin/outbox/{id}", Some(&[Admin])),
    ("post", "/api/v1/admin/outbox/{id}/retry", Some(&[Admin])),
];

#[actix_web::test]
async fn the_matrix_covers_every_documented_endpoint() {
    let app = spawn_app().await;
    let doc = app.get("/api/openapi.json", None).await.body;
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let listed: BTreeSet<(String, String)> =
        ENDPOINTS.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    assert_eq!(documented, listed, "the OpenAPI document and this matrix disagree");
}

#[actix_web::test]
async fn every_endpoint_with_every_role() {
    let app = spawn_app().await;
    let mut tokens = Vec::new();
    app.register_firm("m_firm").await;
    tokens.push((Firm, app.token("m_firm").await));
    app.register_provider("m_provider").await;
    tokens.push((Provider, app.token("m_provider").await));
    app.register_space("m_space").await;
    tokens.push((Space, app.token("m_space").await));
    for (name, role) in [
        ("m_reviewer", Reviewer),
        ("m_finance", Finance),
        ("m_admin", Admin),
        ("m_auditor", Auditor),
    ] {
        tokens.push((role, app.staff_token(name, role).await));
    }
    let unknown = uuid::Uuid::now_v7().to_string();
    let mut failures = Vec::new();
    for (method, path, allowed) in ENDPOINTS {
        let path = path
            .replace("{id}", &unknown)
            .replace("{provider_id}", &unknown)
            .replace("{evidence_id}", &unknown)
            .replace("{item_id}", &unknown)
            .replace("{year}", &unknown)
            .replace("{job}", "housekeeping")
            .replace("{code}", "national_incubator");
        // Signing out with an empty body would end the caller's own session (and the
        // rest of this walk with it): name a refresh token that ends nothing.
        let body = (*method != "get").then(|| {
            if path.ends_with("/auth/logout") {
                serde_json::json!({"refresh_token": "no-such-session"})
            } else {
                serde_json::json!({})
            }
        });
        let m = method.to_uppercase();
        // Without a token.
        let r = app.send(&m, &path, None, body.as_ref()).await;
        if allowed.is_none() && *method == "get" && !path.contains(&unknown) && r.status != 200 {
            failures.push(format!("{m} {path} anonymous: public read gave {}", r.status));
        }
        match allowed {
            None if matches!(r.status.as_u16(), 401 | 403) => {
                failures.push(format!("{m} {path} anonymous: {}", r.status))
            }
            Some(_) if r.status != 401 => {
                failures.push(format!("{m} {path} anonymous: expected 401, got {}", r.status))
            }
            _ => {}
        }
        for (role, token) in &tokens {
            let r = app.send(&m, &path, Some(token), body.as_ref()).await;
            let ok = allowed.is_none_or(|roles| roles.contains(role));
            let s = r.status.as_u16();
            if ok && matches!(s, 401 | 403) {
                failures.push(format!("{m} {path} as {role:?}: allowed but got {s} {}", r.body));
            }
            // A plain read the role is allowed succeeds outright.
            if ok && *method == "get" && !path.contains(&unknown) && s != 200 {
                failures.push(format!("{m} {path} as {role:?}: expected 200, got {s} {}", r.body));
            }
            if !ok && s != 403 {
                failures.push(format!("{m} {path} as {role:?}: expected 403, got {s}"));
            }
            if s >= 500 {
                failures.push(format!("{m} {path} as {role:?}: server error {}", r.body));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[actix_web::test]
async fn parties_see_only_their_own_records() {
    let app = spawn_app().await;
    let (firm_a, _) = app.register_firm("firm_a").await;
    let (firm_b, _) = app.register_firm("firm_b").await;
    let a = app.token("firm_a").await;
    let b = app.token("firm_b").await;
    assert_eq!(app.get("/api/v1/firm/profile", Some(&a)).await.body["id"], firm_a);
    assert_eq!(app.get("/api/v1/firm/profile", Some(&b)).await.body["id"], firm_b);
    // A firm cannot read another firm by id: the staff endpoint refuses its role.
    assert_eq!(app.get(&format!("/api/v1/firms/{firm_b}"), Some(&a)).await.status, 403);
}
