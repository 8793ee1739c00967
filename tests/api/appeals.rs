//! Appeals (申诉 / 复核): within the window, once, handled by a reviewer other than the
//! one who decided, by a deadline with escalation; an overturned decision takes effect
//! through the normal flow (a refused item paid in the next run, a firm onboarded, a
//! suspended provider listed again).

use crate::helpers::{spawn_app, TestApp};
use crate::orders::{world, World};
use chrono::Duration;
use hechuang::domain::Role;
use serde_json::{json, Value};

/// A confirmed order applied for and its item refused by `checker_{tag}`; returns the
/// item's id.
pub async fn refused_item(app: &TestApp, w: &World, tag: &str, amount: &str) -> String {
    let o = w.confirmed_order(app, amount).await;
    let r = app
        .post("/api/v1/provider/redemptions", Some(&w.provider_token), &json!({"order_ids": [o]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let item = r.body["items"][0]["id"].as_str().unwrap().to_string();
    let rev = app.staff_token(&format!("checker_{tag}"), Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/redemption-items/{item}/decision"),
            Some(&rev),
            &json!({"decision": "reject", "reason": "发票与合同金额不符"}),
        )
        .await;
    assert_eq!(r.body["status"], "rejected", "{}", r.body);
    item
}

pub fn appeal_body(kind: &str, id: &str) -> Value {
    json!({"subject_kind": kind, "subject_id": id, "grounds": "补充了更正后的发票，金额与合同一致"})
}

#[actix_web::test]
async fn an_overturned_refusal_is_paid_in_the_next_run_and_never_by_the_reviewer_who_refused() {
    let app = spawn_app().await;
    let tag = "apl";
    let mut w = world(&app, tag).await;
    let item = refused_item(&app, &w, tag, "3000.00").await;

    // The provider appeals; a second appeal of the same decision is refused.
    let r = app
        .post("/api/v1/appeals", Some(&w.provider_token), &appeal_body("redemption_item", &item))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (&r.body["status"], &r.body["decision"]),
        (&json!("open"), &json!("rejected")),
        "{}",
        r.body
    );
    assert_eq!(r.body["decision_reason"], "发票与合同金额不符");
    assert_eq!(r.body["late"], false);
    let appeal = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post("/api/v1/appeals", Some(&w.provider_token), &appeal_body("redemption_item", &item))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "appeal_already_filed"), "{}", r.body);
    // The firm cannot appeal the provider's item: not found, as another's record.
    let r = app
        .post("/api/v1/appeals", Some(&w.firm.token), &appeal_body("redemption_item", &item))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    // Grounds are needed.
    let r = app
        .post(
            "/api/v1/appeals",
            Some(&w.provider_token),
            &json!({"subject_kind": "redemption_item", "subject_id": item, "grounds": "  "}),
        )
        .await;
    assert_eq!(r.code(), "required", "{}", r.body);

    // The reviewer who refused it may not handle it.
    let url = format!("/api/v1/appeals/{appeal}/decision");
    let body = json!({"outcome": "overturned", "reason": "更正后的发票金额与合同一致"});
    let original = app.token(&format!("checker_{tag}")).await;
    let r = app.post(&url, Some(&original), &body).await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "appeal_by_original_reviewer"), "{}", r.body);
    // Another reviewer overturns it: the item enters its notice again.
    let other = app.staff_token(&format!("appeals_{tag}"), Role::Reviewer).await;
    let r = app.post(&url, Some(&other), &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "overturned");
    assert_eq!(app.post(&url, Some(&other), &body).await.code(), "appeal_decided");
    let told: Vec<_> = app.outbox().into_iter().filter(|m| m.kind == "appeal_decided").collect();
    assert_eq!(told.len(), 1);
    assert!(told[0].subject.contains("撤销原决定"), "{}", told[0].subject);

    // Its notice ends: payable; the month's run pays it.
    app.clock.advance(Duration::days(7) + Duration::minutes(1));
    let admin = app.token(&format!("admin_{tag}")).await;
    let r = app.run_job(&admin, "redemption_notices", None).await;
    assert_eq!(r.body["detail"]["payable"], json!([item]), "{}", r.body);
    let period = app.end_the_month();
    let maker = app.staff_token(&format!("maker_{tag}"), Role::Finance).await;
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": period})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["run"]["total"], "3000.00", "{}", r.body);
    assert_eq!(r.body["run"]["payouts"][0]["payee_id"], json!(w.provider));
    let ledger = app.get("/api/v1/ledger/verify", Some(&maker)).await;
    assert_eq!(ledger.body["ok"], true, "{}", ledger.body);
    // The provider reads its appeal and how it went.
    w.provider_token = app.token(tag).await;
    let mine = app.get("/api/v1/appeals", Some(&w.provider_token)).await;
    assert_eq!(mine.body["total"], 1, "{}", mine.body);
    assert_eq!(mine.body["items"][0]["outcome_reason"], "更正后的发票金额与合同一致");
    // The decision appealed keeps its own reason, though the item's now says the appeal's.
    assert_eq!(mine.body["items"][0]["decision_reason"], "发票与合同金额不符", "{}", mine.body);
}

#[actix_web::test]
async fn an_appeal_after_the_window_or_against_no_refusal_is_refused_and_an_upheld_one_changes_nothing(
) {
    let app = spawn_app().await;
    let rev = app.staff_token("apl_w_rev", Role::Reviewer).await;
    let (firm, user) = app.register_firm("apl_w_firm").await;
    let onboarding = format!("/api/v1/firms/{firm}/onboarding");
    let r = app
        .post(&onboarding, Some(&rev), &json!({"decision": "reject", "reason": "营业执照已过期"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let tok = app.token(&user).await;
    // An onboarding that was not refused cannot be appealed; nor another firm's.
    let (other, other_user) = app.register_firm("apl_w_other").await;
    let other_tok = app.token(&other_user).await;
    let r = app
        .post("/api/v1/appeals", Some(&other_tok), &appeal_body("firm_onboarding", &other))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "appeal_not_appealable"), "{}", r.body);
    let r =
        app.post("/api/v1/appeals", Some(&other_tok), &appeal_body("firm_onboarding", &firm)).await;
    assert_eq!(r.status, 404, "{}", r.body);

    // Sixteen days on, the 15-day window has closed.
    app.clock.advance(Duration::days(16));
    let tok_late = app.token(&user).await;
    let r =
        app.post("/api/v1/appeals", Some(&tok_late), &appeal_body("firm_onboarding", &firm)).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "appeal_window_closed"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("15 天内"), "{}", r.body);
    drop(tok);

    // Within the window: upheld, the firm stays refused.
    let (f2, u2) = app.register_firm("apl_w_f2").await;
    let rev = app.token("apl_w_rev").await;
    let path = format!("/api/v1/firms/{f2}/onboarding");
    app.post(&path, Some(&rev), &json!({"decision": "reject", "reason": "不属于小微企业"})).await;
    let r = app
        .post("/api/v1/appeals", Some(&app.token(&u2).await), &appeal_body("firm_onboarding", &f2))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    let other_rev = app.staff_token("apl_w_rev2", Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/appeals/{id}/decision"),
            Some(&other_rev),
            &json!({"outcome": "upheld", "reason": "营业收入超过小微企业标准"}),
        )
        .await;
    assert_eq!(r.body["status"], "upheld", "{}", r.body);
    let firm_now = app.get(&format!("/api/v1/firms/{f2}"), Some(&other_rev)).await;
    assert_eq!(firm_now.body["onboarding_status"], "rejected", "{}", firm_now.body);

    // A second refused firm's appeal overturned: onboarded.
    let (f3, u3) = app.register_firm("apl_w_f3").await;
    app.post(
        &format!("/api/v1/firms/{f3}/onboarding"),
        Some(&rev),
        &json!({"decision": "reject", "reason": "材料不全"}),
    )
    .await;
    let r = app
        .post("/api/v1/appeals", Some(&app.token(&u3).await), &appeal_body("firm_onboarding", &f3))
        .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/appeals/{id}/decision"),
            Some(&other_rev),
            &json!({"outcome": "overturned", "reason": "材料已在申请时提交"}),
        )
        .await;
    assert_eq!(r.body["status"], "overturned", "{}", r.body);
    let firm_now = app.get(&format!("/api/v1/firms/{f3}"), Some(&other_rev)).await;
    assert_eq!(firm_now.body["onboarding_status"], "onboarded", "{}", firm_now.body);
}

#[actix_web::test]
async fn a_suspended_provider_appeals_and_is_listed_again_with_its_services_back() {
    let app = spawn_app().await;
    let tag = "apls";
    let w = world(&app, tag).await;
    let rev = app.staff_token(&format!("susp_{tag}"), Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/providers/{}/listing", w.provider),
            Some(&rev),
            &json!({"action": "suspend", "reason": "投诉核查中"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            "/api/v1/appeals",
            Some(&w.provider_token),
            &appeal_body("provider_listing", &w.provider),
        )
        .await;
    assert_eq!((&r.body["decision"], r.status.as_u16()), (&json!("suspended"), 201), "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    let other = app.staff_token(&format!("other_{tag}"), Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/appeals/{id}/decision"),
            Some(&other),
            &json!({"outcome": "overturned", "reason": "投诉经核查不属实"}),
        )
        .await;
    assert_eq!(r.body["status"], "overturned", "{}", r.body);
    let p = app.get(&format!("/api/v1/providers/{}", w.provider), Some(&other)).await;
    assert_eq!(p.body["listing_status"], "listed", "{}", p.body);
    // It trades again.
    assert_eq!(
        app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("800.00")).await.status,
        201
    );
}

#[actix_web::test]
async fn an_appeal_open_past_its_deadline_is_escalated_once_a_day_and_listed_late() {
    let app = spawn_app().await;
    let tag = "apld";
    let w = world(&app, tag).await;
    let item = refused_item(&app, &w, tag, "1500.00").await;
    let r = app
        .post("/api/v1/appeals", Some(&w.provider_token), &appeal_body("redemption_item", &item))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let filed: chrono::DateTime<chrono::Utc> =
        r.body["filed_at"].as_str().unwrap().parse().unwrap();
    let due: chrono::DateTime<chrono::Utc> = r.body["due_at"].as_str().unwrap().parse().unwrap();
    // Ten working days: two weekends inside, so 14 calendar days.
    assert_eq!((due - filed).num_days(), 14, "{}", r.body);
    app.exec("UPDATE users SET email = 'admin@example.cn' WHERE role = 'admin'").unwrap();
    // A second administrator is told too (each has its own once-a-day key).
    app.staff_token(&format!("admin2_{tag}"), Role::Admin).await;
    app.exec(&format!(
        "UPDATE users SET email = 'admin2@example.cn' WHERE username = 'admin2_{tag}'"
    ))
    .unwrap();

    let admin = app.token(&format!("admin_{tag}")).await;
    assert_eq!(
        app.run_job(&admin, "appeal_deadlines", None).await.body["detail"]["appeals"],
        json!([])
    );
    app.clock.advance(Duration::days(15));
    let admin = app.token(&format!("admin_{tag}")).await;
    let r = app.run_job(&admin, "appeal_deadlines", None).await;
    assert_eq!(r.body["detail"]["appeals"].as_array().unwrap().len(), 1, "{}", r.body);
    let told: Vec<_> = app.outbox().into_iter().filter(|m| m.kind == "appeal_overdue").collect();
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[0].body.contains("处理期限"), "{}", told[0].body);
    let mut to: Vec<_> = told.iter().map(|m| m.to_address.as_str()).collect();
    to.sort();
    assert_eq!(to, ["admin2@example.cn", "admin@example.cn"]);
    // The auditor sees it open and late.
    let auditor = app.staff_token(&format!("aud_{tag}"), Role::Auditor).await;
    let list = app.get("/api/v1/appeals?state=open", Some(&auditor)).await;
    assert_eq!(
        (&list.body["items"][0]["late"], &list.body["total"]),
        (&json!(true), &json!(1)),
        "{}",
        list.body
    );
    assert!(list.body["items"][0]["escalated_at"].is_string(), "{}", list.body);
    // The next day, while still open, again.
    app.clock.advance(Duration::days(1));
    let admin = app.token(&format!("admin_{tag}")).await;
    let r = app.run_job(&admin, "appeal_deadlines", None).await;
    assert_eq!(r.body["detail"]["appeals"].as_array().unwrap().len(), 1, "{}", r.body);
    let told = app.outbox().into_iter().filter(|m| m.kind == "appeal_overdue").count();
    assert_eq!(told, 4, "each administrator once a day");
}

#[actix_web::test]
async fn a_refused_certification_overturned_on_appeal_is_decided_afresh() {
    use crate::subsidies::{figures, space};
    let app = spawn_app().await;
    let (_, _, tok) = space(&app, "apl_sp").await;
    let r = app
        .post(
            "/api/v1/space/certification-applications",
            Some(&tok),
            &json!({"scheme": "provincial_incubator", "figures": figures()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let app_id = r.body["id"].as_str().unwrap().to_string();
    let first = app.staff_token("apl_sp_rev", Role::Reviewer).await;
    let decision = format!("/api/v1/certification-applications/{app_id}/decision");
    let r = app
        .post(&decision, Some(&first), &json!({"decision": "refuse", "reason": "场地证明不清"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post("/api/v1/appeals", Some(&tok), &appeal_body("certification_application", &app_id))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["decision"], "refused", "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    let other = app.staff_token("apl_sp_rev2", Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/appeals/{id}/decision"),
            Some(&other),
            &json!({"outcome": "overturned", "reason": "场地租赁合同已补充"}),
        )
        .await;
    assert_eq!(r.body["status"], "overturned", "{}", r.body);
    // Back in review; certified through the normal decision.
    let r = app.post(&decision, Some(&other), &json!({"decision": "certify"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["certification"]["id"].is_string(), "{}", r.body);
}
