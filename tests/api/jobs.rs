//! Scheduled jobs: once per (job, slot) on any number of servers, runs by hand with
//! the same rule, recorded with outcome and duration, dead runs marked interrupted, a
//! graceful stop.

use crate::cli::hechuang;
use crate::helpers::{only_scheduled, spawn_app, spawn_app_with, spawn_second};
use chrono::{Duration, NaiveDateTime, SubsecRound};
use hechuang::db::models::JobRunRow;
use hechuang::domain::Role;
use hechuang::jobs::{Job, RunOrigin};
use serde_json::json;
use std::net::TcpListener;

#[actix_web::test]
async fn a_run_by_hand_is_recorded_and_its_slot_is_not_run_twice() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;

    let jobs = app.get("/api/v1/admin/jobs", Some(&admin)).await;
    assert_eq!(jobs.status, 200);
    let names: Vec<&str> =
        jobs.body.as_array().unwrap().iter().map(|j| j["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "outbox_dispatch",
            "voucher_expiry_reminders",
            "provider_notices",
            "redemption_notices",
            "voucher_expiry",
            "settlement",
            "entitlements",
            "lottery_draw",
            "spot_check_deadlines",
            "appeal_deadlines",
            "housekeeping"
        ]
    );
    let reminders = &jobs.body[1];
    assert_eq!(reminders["schedule"], "0 0 9 * * *");
    assert_eq!(reminders["timezone"], "Asia/Shanghai");
    assert!(reminders["last_run"].is_null());

    // The latest 09:00 in Shanghai at or before now.
    let r = app.run_job(&admin, "voucher_expiry_reminders", None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "succeeded");
    assert_eq!(r.body["origin"], "manual");
    assert_eq!(r.body["attempt"], 1);
    assert!(r.body["duration_ms"].is_number());
    assert!(r.body["requested_by"].is_string());
    let slot = r.body["slot"].as_str().unwrap().to_string();
    assert!(slot.ends_with("01:00:00Z"), "09:00 in Shanghai is 01:00 UTC: {slot}");

    // Again for the same slot: refused, whether named or by default.
    let r = app.run_job(&admin, "voucher_expiry_reminders", None).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.code(), "job_slot_taken");
    let r = app
        .run_job(&admin, "voucher_expiry_reminders", Some(&json!({ "slot": slot.clone() })))
        .await;
    assert_eq!(r.code(), "job_slot_taken");
    // An earlier slot is a different slot.
    let earlier = chrono::NaiveDateTime::parse_from_str(&slot, "%Y-%m-%dT%H:%M:%SZ").unwrap()
        - Duration::days(1);
    let r = app.run_job(&admin, "voucher_expiry_reminders", Some(&slot_body(earlier))).await;
    assert_eq!(r.status, 201, "{}", r.body);

    // Bad requests change nothing.
    let tomorrow =
        (app.clock.now_utc() + Duration::days(1)).date_naive().and_hms_opt(1, 0, 0).unwrap();
    let r = app.run_job(&admin, "voucher_expiry_reminders", Some(&slot_body(tomorrow))).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "job_slot_in_future"));
    let r = app
        .run_job(
            &admin,
            "voucher_expiry_reminders",
            Some(&json!({"slot": format!("{}Z", earlier.format("%Y-%m-%dT02:00:00"))})),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "job_slot_invalid"));
    let r = app.run_job(&admin, "no_such_job", None).await;
    assert_eq!(r.status, 404);
    let r =
        app.run_job(&admin, "voucher_expiry_reminders", Some(&json!({"slot": "yesterday"}))).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_json"));
    let r = app.get("/api/v1/admin/jobs/runs?status=odd", Some(&admin)).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "status_unknown"));
    let r = app.get("/api/v1/admin/jobs/runs?job=nope", Some(&admin)).await;
    assert_eq!(r.status, 404);

    let runs = app.get("/api/v1/admin/jobs/runs?job=voucher_expiry_reminders", Some(&admin)).await;
    assert_eq!(runs.body["total"], 2, "{}", runs.body);
    let jobs = app.get("/api/v1/admin/jobs", Some(&admin)).await;
    assert_eq!(jobs.body[1]["last_run"]["slot"], slot);
}

#[actix_web::test]
async fn two_servers_firing_the_same_slot_run_it_once() {
    let a = spawn_app().await;
    let b = spawn_second(&a).await;
    let now = a.clock.now();
    for job in [Job::Housekeeping, Job::OutboxDispatch, Job::LotteryDraw] {
        let slot = a.jobs.schedules().slot_at(job, now);
        let (ra, rb) = tokio::join!(
            a.jobs.run(job, slot, RunOrigin::Schedule),
            b.jobs.run(job, slot, RunOrigin::Schedule)
        );
        let ran = [ra.unwrap(), rb.unwrap()].into_iter().flatten().count();
        assert_eq!(ran, 1, "{job:?} ran once");
    }
    assert_eq!(a.count("job_runs"), 3);
    // By hand, the second server is told the slot is taken.
    let slot = a.jobs.schedules().slot_at(Job::Housekeeping, now);
    let admin = a.staff_token("admin", Role::Admin).await;
    let r = b.run_job(&admin, "housekeeping", Some(&slot_body(slot))).await;
    assert_eq!(r.code(), "job_slot_taken", "{}", r.body);
}

#[actix_web::test]
async fn a_failed_slot_can_be_run_again_by_hand() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    app.exec("ALTER TABLE outbox RENAME TO outbox_away").unwrap();
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    app.exec("ALTER TABLE outbox_away RENAME TO outbox").unwrap();
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "failed");
    assert!(r.body["detail"]["error"].is_string(), "{}", r.body);
    let slot = r.body["slot"].as_str().unwrap().to_string();

    let r = app.run_job(&admin, "outbox_dispatch", Some(&json!({ "slot": slot.clone() }))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "succeeded");
    assert_eq!(r.body["attempt"], 2);
    // Succeeded: now it is taken.
    let r = app.run_job(&admin, "outbox_dispatch", Some(&json!({ "slot": slot.clone() }))).await;
    assert_eq!(r.code(), "job_slot_taken");
    assert_eq!(app.count("job_runs"), 1);
}

/// A run-by-hand body naming a slot (UTC).
fn slot_body(t: NaiveDateTime) -> serde_json::Value {
    json!({ "slot": format!("{}Z", t.format("%Y-%m-%dT%H:%M:%S")) })
}

fn dead_run(job: &str, slot: NaiveDateTime, heartbeat: NaiveDateTime) -> JobRunRow {
    JobRunRow {
        id: hechuang::domain::id::JobRunId::new(),
        job: job.into(),
        slot,
        origin: "schedule".into(),
        status: hechuang::domain::operation::JobRunStatus::Running,
        attempt: 1,
        runner: "gone-host:4242:deadbeef".into(),
        requested_by: None,
        started_at: heartbeat,
        heartbeat_at: heartbeat,
        finished_at: None,
        duration_ms: None,
        items: 0,
        detail: None,
    }
}

#[actix_web::test]
async fn a_run_whose_process_died_is_recorded_interrupted_and_not_run_again_by_itself() {
    let app = spawn_app().await;
    let now = app.clock.now().trunc_subsecs(0);
    // A process claimed this slot and died two minutes ago; another is still alive.
    let slot = app.jobs.schedules().slot_at(Job::VoucherExpiryReminders, now);
    let dead = dead_run("voucher_expiry_reminders", slot, now - Duration::minutes(2));
    let alive =
        dead_run("provider_notices", now - Duration::seconds(10), now - Duration::seconds(10));
    {
        let mut c = app.conn();
        assert!(hechuang::db::jobs::claim_slot(&mut c, &dead).unwrap());
        assert!(hechuang::db::jobs::claim_slot(&mut c, &alive).unwrap());
    }
    // The scheduler does not run a claimed slot again.
    assert!(app
        .jobs
        .run(Job::VoucherExpiryReminders, dead.slot, RunOrigin::Schedule)
        .await
        .unwrap()
        .is_none());

    let admin = app.staff_token("admin", Role::Admin).await;
    let r = app.run_job(&admin, "housekeeping", None).await;
    assert_eq!(r.body["detail"]["interrupted"], 1, "{}", r.body);
    let runs = app.get("/api/v1/admin/jobs/runs?status=interrupted", Some(&admin)).await;
    assert_eq!(runs.body["total"], 1);
    assert_eq!(runs.body["items"][0]["id"], dead.id.as_str());
    assert!(runs.body["items"][0]["detail"]["error"].as_str().unwrap().contains("heartbeat"));
    let still = app.get("/api/v1/admin/jobs/runs?status=running", Some(&admin)).await;
    assert_eq!(still.body["items"][0]["id"], alive.id.as_str());

    // An administrator may run the interrupted slot again.
    let r = app.run_job(&admin, "voucher_expiry_reminders", Some(&slot_body(dead.slot))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["attempt"], 2);
    assert_eq!(r.body["status"], "succeeded");
}

#[actix_web::test]
async fn the_scheduler_sends_mail_by_itself() {
    let app = spawn_app_with(|s| only_scheduled(s, &[("outbox_dispatch", "* * * * * *")])).await;
    let (firm_id, _) = app.register_firm("schedco").await;
    let rev = app.staff_token("rev", Role::Reviewer).await;
    app.post(
        &format!("/api/v1/firms/{firm_id}/onboarding"),
        Some(&rev),
        &json!({"decision": "approve"}),
    )
    .await;
    // The clock stands still in tests: the next second is the next slot.
    app.clock.advance(Duration::seconds(1));
    let mut sent = Vec::new();
    for _ in 0..50 {
        sent = app.mail_sent().await;
        if sent.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The contact verification link and the decision.
    assert_eq!(sent.len(), 2, "sent within seconds by the scheduled job");
    let runs = app
        .get(
            "/api/v1/admin/jobs/runs?job=outbox_dispatch",
            Some(&app.staff_token("admin", Role::Admin).await),
        )
        .await;
    assert!(
        runs.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["origin"] == "schedule" && r["items"].as_i64() >= Some(1)),
        "{}",
        runs.body
    );
}

#[test]
fn the_cli_runs_a_job_once_per_slot() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database(&dir);
    let run_housekeeping =
        |slot: &str| hechuang(&url, &["jobs", "run", "housekeeping", "--slot", slot], None);
    let out = run_housekeeping("2026-11-20T03:17:00Z");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("housekeeping slot 2026-11-20 03:17:00: succeeded"), "{text}");
    let out = run_housekeeping("2026-11-20T03:17:00Z");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("job_slot_taken"));
    let out = run_housekeeping("2026-11-20T03:18:00Z");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("job_slot_invalid"));
    let out = hechuang(&url, &["jobs", "list"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("housekeeping") && text.contains("last slot 2026-11-20 03:17:00 succeeded"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 11, "{text}");
    // The templates as an authority would check them after editing.
    let out = hechuang(&url, &["mail", "preview", "claim_succeeded"], None);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("Subject: 【合创券】领取成功：HQ-2026-01-000123"));
}

/// Accepts connections and never answers: an SMTP server that hangs.
fn black_hole() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    port
}

#[actix_web::test]
async fn sigterm_interrupts_a_running_job_and_gives_its_emails_back() {
    let app = spawn_app().await;
    let (firm_id, _) = app.register_firm("stopco").await;
    let rev = app.staff_token("rev", Role::Reviewer).await;
    app.post(
        &format!("/api/v1/firms/{firm_id}/onboarding"),
        Some(&rev),
        &json!({"decision": "approve"}),
    )
    .await;
    let port = black_hole();
    let http_port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hechuang"))
        .arg("serve")
        .env("HECHUANG_CONFIG_DIR", crate::helpers::config_dir())
        .env("HECHUANG_PROFILE", "test")
        .env("HECHUANG__DATABASE__URL", &app.db_url)
        .env("HECHUANG__SERVER__PORT", http_port.to_string())
        .env("HECHUANG__JOBS__ENABLED", "true")
        .env("HECHUANG__JOBS__SCHEDULES__OUTBOX_DISPATCH", "* * * * * *")
        .env("HECHUANG__JOBS__SHUTDOWN_GRACE_SECS", "5")
        .env("HECHUANG__MAIL__TRANSPORT", "smtp")
        .env("HECHUANG__MAIL__SMTP__HOST", "127.0.0.1")
        .env("HECHUANG__MAIL__SMTP__PORT", port.to_string())
        .env("HECHUANG__MAIL__SMTP__SECURITY", "none")
        .env("HECHUANG__MAIL__SMTP__TIMEOUT_SECS", "60")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the dispatch run holds the email and hangs on the server.
    let mut holding = false;
    for _ in 0..100 {
        let leased = app.outbox()[0].locked_by.is_some();
        if leased {
            holding = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(holding, "the server's dispatch run took the email");
    let stopped_at = std::time::Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut status = None;
    for _ in 0..150 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let Some(status) = status else {
        let _ = child.kill();
        panic!("the server did not stop within 15 s of SIGTERM");
    };
    assert!(status.success(), "clean exit: {status:?}");
    assert!(stopped_at.elapsed() < std::time::Duration::from_secs(10));

    let admin = app.staff_token("admin", Role::Admin).await;
    let runs =
        app.get("/api/v1/admin/jobs/runs?job=outbox_dispatch&status=running", Some(&admin)).await;
    assert_eq!(runs.body["total"], 0, "nothing is left running: {}", runs.body);
    let runs = app
        .get("/api/v1/admin/jobs/runs?job=outbox_dispatch&status=interrupted", Some(&admin))
        .await;
    assert_eq!(runs.body["total"], 1, "{}", runs.body);
    // The email is back in the queue, untouched: no attempt counted, no lease held.
    let row = app.outbox().remove(0);
    assert_eq!(row.status.as_str(), "pending");
    assert_eq!(row.attempts, 0);
    assert!(row.locked_by.is_none() && row.locked_until.is_none());
}

#[actix_web::test]
async fn housekeeping_keeps_runs_a_month_and_idle_runs_a_day() {
    let app = spawn_app().await;
    let now = app.clock.now().trunc_subsecs(0);
    let finished = |job: &str, age: Duration, items: i64| JobRunRow {
        status: hechuang::domain::operation::JobRunStatus::Succeeded,
        finished_at: Some(now - age),
        duration_ms: Some(3),
        items,
        ..dead_run(job, now - age, now - age)
    };
    let rows = [
        finished("outbox_dispatch", Duration::hours(2), 0), // idle, recent: kept
        finished("lottery_draw", Duration::days(2), 0),     // idle, two days old: pruned
        finished("outbox_dispatch", Duration::days(2), 5),  // did work: kept a month
        finished("provider_notices", Duration::days(31), 1), // past the month: pruned
    ];
    {
        let mut c = app.conn();
        for r in &rows {
            assert!(hechuang::db::jobs::claim_slot(&mut c, r).unwrap());
        }
    }
    let admin = app.staff_token("admin", Role::Admin).await;
    let r = app.run_job(&admin, "housekeeping", None).await;
    assert_eq!(r.body["detail"]["pruned_runs"], 2, "{}", r.body);
    let left = app.get("/api/v1/admin/jobs/runs", Some(&admin)).await;
    let ids: std::collections::BTreeSet<&str> =
        left.body["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(rows[0].id.as_str()) && ids.contains(rows[2].id.as_str()));
    assert!(!ids.contains(rows[1].id.as_str()) && !ids.contains(rows[3].id.as_str()));
}

#[actix_web::test]
async fn housekeeping_prunes_sign_in_records_after_ninety_days() {
    let app = spawn_app().await;
    app.staff_token("admin", Role::Admin).await; // an attempt and a refresh token at day 0
                                                 // A verification link (expires on day 1) and a lifted lock at day 0.
    app.register_firm("hk_firm").await;
    let user = app.staff("hk_locked", Role::Reviewer);
    hechuang::services::password_reset::unlock(
        &mut app.conn(),
        app.system().cx(),
        &hechuang::domain::id::UserId::stored(user),
    )
    .unwrap();
    app.clock.advance(Duration::days(60));
    let admin = app.token("admin").await; // and at day 60
    let r = app.run_job(&admin, "housekeeping", None).await;
    assert_eq!(r.body["detail"]["pruned_login_attempts"], 0, "{}", r.body);
    assert_eq!(r.body["detail"]["pruned_refresh_tokens"], 0);
    assert_eq!(r.body["detail"]["pruned_email_links"], 0);
    assert_eq!(r.body["detail"]["pruned_unlocks"], 0);
    assert_eq!(app.count("login_attempts"), 2);

    app.clock.advance(Duration::days(45)); // day 105
    let admin = app.token("admin").await;
    let r = app.run_job(&admin, "housekeeping", None).await;
    // Day 0's attempt is 105 days old; day 0's token expired on day 14, 91 days ago.
    assert_eq!(r.body["detail"]["pruned_login_attempts"], 1, "{}", r.body);
    assert_eq!(r.body["detail"]["pruned_refresh_tokens"], 1);
    assert_eq!(app.count("login_attempts"), 2);
    assert_eq!(app.count("refresh_tokens"), 2);
    // The day-0 link expired on day 1, the lock was lifted on day 0: both gone.
    assert_eq!(r.body["detail"]["pruned_email_links"], 1, "{}", r.body);
    assert_eq!(r.body["detail"]["pruned_unlocks"], 1);
    assert_eq!(app.count("email_tokens"), 0);
    assert_eq!(app.count("account_unlocks"), 0);
}
