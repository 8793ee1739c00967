use crate::helpers::{is_postgres, spawn_app};
use hechuang::domain::Role;
use serde_json::json;

#[actix_web::test]
async fn every_change_is_chained_and_tampering_is_named() {
    let app = spawn_app().await;
    let (firm_id, _) = app.register_firm("acme").await; // 2 events: firm + user
    let rev = app.staff_token("rev", Role::Reviewer).await; // authority + user + login
    app.post(
        &format!("/api/v1/firms/{firm_id}/onboarding"),
        Some(&rev),
        &json!({"decision": "approve"}),
    )
    .await;
    let aud = app.staff_token("aud", Role::Auditor).await;

    let r = app.get("/api/v1/audit/verify", Some(&aud)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ok"], true, "{}", r.body);
    let total = r.body["events_checked"].as_i64().unwrap();
    assert!(total >= 7, "{total}");

    // Events carry actor, before/after and the request id.
    let r = app
        .get(
            &format!("/api/v1/audit/events?entity_type=firm&entity_id={firm_id}&limit=1"),
            Some(&aud),
        )
        .await;
    let e = &r.body[0];
    assert_eq!(e["action"], "firm.onboarded");
    assert_eq!(e["actor_role"], "reviewer");
    assert!(e["request_id"].is_string());
    assert!(e["before_state"].as_str().unwrap().contains("\"submitted\""));
    assert!(e["after_state"].as_str().unwrap().contains("\"onboarded\""));

    // The database refuses edits and deletions of audit events.
    assert!(app.exec("UPDATE audit_events SET action = 'forged' WHERE seq = 2").is_err());
    assert!(app.exec("DELETE FROM audit_events WHERE seq = 2").is_err());

    // Someone with raw database access removes the guard and alters event 2.
    app.damaged_on_purpose();
    let on = if is_postgres() { " ON audit_events" } else { "" };
    app.exec(&format!("DROP TRIGGER audit_events_append_only_update{on}")).unwrap();
    app.exec(&format!("DROP TRIGGER audit_events_append_only_delete{on}")).unwrap();
    app.exec("UPDATE audit_events SET action = 'forged' WHERE seq = 2").unwrap();
    let r = app.get("/api/v1/audit/verify", Some(&aud)).await;
    assert_eq!(r.body["ok"], false);
    assert_eq!(r.body["first_broken"]["seq"], 2, "{}", r.body);

    // The CLI names the same link and exits non-zero.
    let out = crate::cli::hechuang(&app.db_url, &["audit", "verify"], None);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("BROKEN at event 2"), "{stdout}");
}

#[actix_web::test]
async fn removing_the_newest_events_is_detected() {
    let app = spawn_app().await;
    app.register_firm("acme").await;
    app.register_firm("beta").await;
    let on = if is_postgres() { " ON audit_events" } else { "" };
    app.damaged_on_purpose();
    app.exec(&format!("DROP TRIGGER audit_events_append_only_delete{on}")).unwrap();
    let last = app.count("audit_events");
    app.exec(&format!("DELETE FROM audit_events WHERE seq = {last}")).unwrap();
    let aud = app.staff_token("aud", Role::Auditor).await;
    // (signing in appended new events after the gap)
    let r = app.get("/api/v1/audit/verify", Some(&aud)).await;
    assert_eq!(r.body["ok"], false);
    assert_eq!(r.body["first_broken"]["seq"], last + 1, "{}", r.body);
}
