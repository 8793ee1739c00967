//! Contact verification (issue 21): a registration emails a single-use link to the
//! contact address; until it is followed the application does not go to review (no
//! decision, not in the queue, no certification application). The token is kept only
//! hashed, works 24 hours and once, only for the address it was sent to; it can be sent
//! again a few times an hour.

use crate::helpers::{firm_body, new_credit_code, provider_body, space_body, spawn_app, TestApp};
use chrono::Duration;
use hechuang::domain::Role;
use serde_json::{json, Value};

async fn register(app: &TestApp, kind: &str, body: &Value) -> Value {
    let r = app.post(&format!("/api/v1/registrations/{kind}"), None, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn verify(app: &TestApp, token: &str) -> crate::helpers::Resp {
    app.post("/api/v1/contact-verification", None, &json!({ "token": token })).await
}

fn links_sent(app: &TestApp, email: &str) -> usize {
    app.outbox()
        .iter()
        .filter(|m| m.kind == "contact_verification" && m.to_address == email)
        .count()
}

#[actix_web::test]
async fn a_firm_is_reviewed_only_once_its_contact_answers_the_link() {
    let app = spawn_app().await;
    let reviewer = app.staff_token("v_rev", Role::Reviewer).await;
    let reg = register(&app, "firm", &firm_body("v_firm", &new_credit_code())).await;
    let firm_id = reg["party"]["id"].as_str().unwrap();
    assert!(reg["party"]["contact_verified_at"].is_null(), "{reg}");
    assert!(reg.get("verification_token").is_none(), "never answered: {reg}");

    // The link went to the contact address, in Chinese, with its expiry.
    let mail = app
        .outbox()
        .into_iter()
        .find(|m| m.kind == "contact_verification")
        .expect("a verification email");
    assert_eq!(mail.to_address, "contact@example.cn");
    assert!(mail.subject.contains("验证联系邮箱"), "{}", mail.subject);
    assert!(mail.body.contains("/verify?token="), "{}", mail.body);
    assert!(mail.body.contains("24 小时内"), "{}", mail.body);
    let token = app.verification_token("contact@example.cn", "v_firm");
    // Kept only as its hash.
    assert_eq!(app.count(&format!("email_tokens WHERE token_hash = '{token}'")), 0);
    assert_eq!(app.count("email_tokens WHERE purpose = 'verify_contact' AND used_at IS NULL"), 1);

    // Not in review: no decision, not in the queue, the firm sees why.
    let r = app
        .post(
            &format!("/api/v1/firms/{firm_id}/onboarding"),
            Some(&reviewer),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.code(), "contact_not_verified");
    assert!(r.body["detail"].as_str().unwrap().contains("contact@example.cn"));
    let q = app.get("/api/v1/firms?status=submitted", Some(&reviewer)).await;
    assert_eq!(q.body["total"], 0, "{}", q.body);
    let firm = app.token("v_firm").await;
    let me = app.get("/api/v1/me/contact", Some(&firm)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["contact_email"], "contact@example.cn");
    assert!(me.body["verified_at"].is_null());

    // Opening the link's page does not use it (a mail scanner may fetch it).
    let page = app.get(&format!("/verify?token={token}"), None).await;
    assert_eq!(page.status, 200);

    let r = verify(&app, &token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["contact_email"], "contact@example.cn");
    assert!(r.body["verified_at"].is_string(), "{}", r.body);
    // Once only.
    let again = verify(&app, &token).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert_eq!(again.code(), "verification_link_used");

    let q = app.get("/api/v1/firms?status=submitted", Some(&reviewer)).await;
    assert_eq!(q.body["total"], 1, "{}", q.body);
    let r = app
        .post(
            &format!("/api/v1/firms/{firm_id}/onboarding"),
            Some(&reviewer),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Nothing more to verify.
    let r = app.post("/api/v1/me/contact/verification-email", Some(&firm), &json!({})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.code(), "contact_already_verified");
    // Audited, by the firm's own account.
    assert_eq!(
        app.count(&format!(
            "audit_events WHERE action = 'contact.verified' AND entity_id = '{firm_id}'"
        )),
        1
    );
}

#[actix_web::test]
async fn links_expire_are_replaced_by_newer_ones_and_sending_again_is_limited() {
    let app = spawn_app().await;
    register(&app, "firm", &firm_body("v_exp", &new_credit_code())).await;
    let first = app.verification_token("contact@example.cn", "v_exp");
    let firm = app.token("v_exp").await;

    // 24 hours and a second later, the link has expired.
    app.clock.advance(Duration::hours(24) + Duration::seconds(1));
    let r = verify(&app, &first).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.code(), "verification_link_expired");

    // Sent again: the new link works; registration's and two more make three an hour.
    let firm = {
        let _ = firm;
        app.token("v_exp").await
    };
    let resend = || async {
        app.post("/api/v1/me/contact/verification-email", Some(&firm), &json!({})).await
    };
    let r = resend().await;
    assert_eq!(r.status, 202, "{}", r.body);
    let second = app.verification_token("contact@example.cn", "v_exp");
    assert_ne!(first, second);
    app.clock.advance(Duration::minutes(1));
    let r = resend().await;
    assert_eq!(r.status, 202, "{}", r.body);
    let third = app.verification_token("contact@example.cn", "v_exp");
    app.clock.advance(Duration::minutes(1));
    let r = resend().await;
    assert_eq!(r.status, 202, "{}", r.body);
    let r = resend().await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.code(), "verification_resend_throttled");
    assert!(r.headers.get("retry-after").is_some());
    assert_eq!(links_sent(&app, "contact@example.cn"), 4, "the refused one is not sent");

    // An older link stopped working when a newer one was sent.
    let r = verify(&app, &third).await;
    assert_eq!(r.code(), "verification_link_used", "{}", r.body);
    let newest = app.verification_token("contact@example.cn", "v_exp");
    let r = verify(&app, &newest).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let _ = second;
}

#[actix_web::test]
async fn a_link_works_only_for_its_address_and_only_as_a_verification_link() {
    let app = spawn_app().await;
    let code = new_credit_code();
    register(&app, "firm", &firm_body("v_move", &code)).await;
    let old = app.verification_token("contact@example.cn", "v_move");
    let firm = app.token("v_move").await;

    // Not ours: refused alike, nothing verified.
    for bad in ["", "abc", &"0".repeat(64), &"z".repeat(64)] {
        let r = verify(&app, bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.code(), "verification_link_invalid", "{bad}");
    }

    // The firm corrects its contact address: a link goes to the new one, the old one
    // no longer verifies anything.
    let mut profile = firm_body("v_move", &code);
    let obj = profile.as_object_mut().unwrap();
    obj.remove("username");
    obj.remove("password");
    obj.insert("contact_email".into(), json!("new-desk@example.cn"));
    let r = app.put("/api/v1/firm/profile", Some(&firm), &profile).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["contact_verified_at"].is_null());
    let r = verify(&app, &old).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let new = app.verification_token("new-desk@example.cn", "v_move");
    let r = verify(&app, &new).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["contact_email"], "new-desk@example.cn");

    // A verified address changed again must be verified again: out of the queue.
    let reviewer = app.staff_token("v_rev3", Role::Reviewer).await;
    let q = app.get("/api/v1/firms?status=submitted", Some(&reviewer)).await;
    assert_eq!(q.body["total"], 1, "{}", q.body);
    profile["contact_email"] = json!("third@example.cn");
    let r = app.put("/api/v1/firm/profile", Some(&firm), &profile).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let q = app.get("/api/v1/firms?status=submitted", Some(&reviewer)).await;
    assert_eq!(q.body["total"], 0, "{}", q.body);
    assert_eq!(links_sent(&app, "third@example.cn"), 1);
}

#[actix_web::test]
async fn providers_and_spaces_wait_for_their_contact_too() {
    let app = spawn_app().await;
    let reviewer = app.staff_token("v_rev2", Role::Reviewer).await;
    let p = register(&app, "provider", &provider_body("v_prov", &new_credit_code())).await;
    let provider_id = p["party"]["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/providers/{provider_id}/listing"),
            Some(&reviewer),
            &json!({"action": "start_notice"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.code(), "contact_not_verified");
    let q = app.get("/api/v1/providers?status=applied", Some(&reviewer)).await;
    assert_eq!(q.body["total"], 0, "{}", q.body);
    app.verify_contact(&p).await;
    let r = app
        .post(
            &format!("/api/v1/providers/{provider_id}/listing"),
            Some(&reviewer),
            &json!({"action": "start_notice"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let s = register(&app, "space", &space_body("v_space", &new_credit_code())).await;
    let space = app.token("v_space").await;
    let apply = || async {
        app.post(
            "/api/v1/space/certification-applications",
            Some(&space),
            &json!({"scheme": "provincial_incubator", "figures": crate::subsidies::figures()}),
        )
        .await
    };
    let r = apply().await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.code(), "contact_not_verified");
    assert_eq!(app.count("certification_applications"), 0);
    app.verify_contact(&s).await;
    let r = apply().await;
    assert_eq!(r.status, 201, "{}", r.body);

    // Staff have no contact to verify.
    let r = app.get("/api/v1/me/contact", Some(&reviewer)).await;
    assert_eq!(r.status, 403, "{}", r.body);
}
