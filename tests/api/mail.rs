//! Email: written to the outbox with the change that causes it, sent by the dispatch
//! job through lettre (in memory, to files, or over SMTP to a real server on
//! loopback), retried with backoff, failed visibly, retried by an administrator.

use crate::claims::{batch, bulk_firms};
use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use chrono::Duration;
use hechuang::config::{MailTransportKind, SmtpSecurity};
use hechuang::domain::Role;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One delivered message: its recipients and its raw data.
type Delivered = (Vec<String>, Vec<u8>);

/// A real SMTP server (mailin-embedded) on loopback that keeps what it receives.
#[derive(Clone, Default)]
pub struct Inbox {
    received: Arc<Mutex<Vec<Delivered>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for Inbox {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        self.received
            .lock()
            .unwrap()
            .push((std::mem::take(&mut self.to), std::mem::take(&mut self.data)));
        mailin_embedded::response::OK
    }
}

impl Inbox {
    /// Serves on `listener` from a background thread for the rest of the test process.
    pub fn serve(listener: TcpListener) -> Inbox {
        let inbox = Inbox::default();
        let mut server = mailin_embedded::Server::new(inbox.clone());
        server
            .with_name("mx.test.local")
            .with_ssl(mailin_embedded::SslConfig::None)
            .unwrap()
            .with_num_threads(2)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        inbox
    }

    pub fn messages(&self) -> Vec<Delivered> {
        self.received.lock().unwrap().clone()
    }
}

pub fn smtp_to(s: &mut hechuang::config::Settings, port: u16) {
    s.mail.transport = MailTransportKind::Smtp;
    s.mail.smtp.host = "127.0.0.1".into();
    s.mail.smtp.port = port;
    s.mail.smtp.security = SmtpSecurity::None;
    s.mail.smtp.timeout_secs = 5;
}

/// Registers a firm and has a reviewer decide it; returns the reviewer's token.
async fn decided_firm(app: &TestApp, username: &str, decision: Value) -> String {
    let (firm_id, _) = app.register_firm(username).await;
    app.forget_verification_mail();
    let rev = app.staff_token(&format!("rev_{username}"), Role::Reviewer).await;
    let r = app.post(&format!("/api/v1/firms/{firm_id}/onboarding"), Some(&rev), &decision).await;
    assert_eq!(r.status, 200, "{}", r.body);
    rev
}

/// A loopback port with nothing listening: connections to it are refused.
fn dead_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A header of a parsed message, decoded.
fn header_value(parsed: &mailparse::ParsedMail<'_>, name: &str) -> String {
    parsed
        .headers
        .iter()
        .find(|h| h.get_key() == name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .get_value()
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.lines()
        .find(|l| l.to_ascii_lowercase().starts_with(&format!("{}:", name.to_ascii_lowercase())))
        .map(|l| l[name.len() + 1..].trim())
}

#[actix_web::test]
async fn a_decision_and_its_email_are_written_together_and_sent_once() {
    let app = spawn_app().await;
    decided_firm(&app, "mailco", json!({"decision": "reject", "reason": "营业收入证明材料不清晰"}))
        .await;
    // Written with the decision, not sent yet.
    let rows = app.outbox();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.kind, "firm_onboarding_decided");
    assert_eq!(row.status.as_str(), "pending");
    assert_eq!(row.to_address, "contact@example.cn");
    assert_eq!(row.locale, "zh-CN");
    assert!(
        row.subject.contains("未通过") && row.subject.contains("合肥mailco科技有限公司"),
        "{}",
        row.subject
    );
    assert!(row.body.contains("营业收入证明材料不清晰"), "{}", row.body);
    assert!(app.mail_sent().await.is_empty());

    let admin = app.staff_token("admin", Role::Admin).await;
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "succeeded");
    assert_eq!(r.body["items"], 1);
    assert_eq!(r.body["detail"]["sent"], 1);
    let sent = app.mail_sent().await;
    assert_eq!(sent.len(), 1);
    let raw = &sent[0];
    let parsed = mailparse::parse_mail(raw.as_bytes()).unwrap();
    assert_eq!(header_value(&parsed, "Subject"), row.subject);
    assert!(parsed.get_body().unwrap().contains("营业收入证明材料不清晰"));
    assert!(
        header(raw, "Message-ID").unwrap().contains(row.id.as_str()),
        "the Message-ID names the outbox row"
    );
    let row = &app.outbox()[0];
    assert_eq!(row.status.as_str(), "sent");
    assert_eq!(row.attempts, 1);
    assert!(row.sent_at.is_some());

    // The next slot finds nothing to send.
    app.clock.advance(Duration::seconds(5));
    let admin = app.token("admin").await;
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    assert_eq!(r.body["items"], 0, "{}", r.body);
    assert_eq!(app.mail_sent().await.len(), 1);
}

#[actix_web::test]
async fn a_template_that_fails_to_render_fails_the_change() {
    // A copy of the shipped templates with one that names a value it is not given.
    let dir = tempfile::tempdir().unwrap();
    let src = crate::helpers::config_dir().join("locales");
    for locale in ["zh-CN", "en"] {
        std::fs::create_dir(dir.path().join(locale)).unwrap();
        for f in ["mail.ftl", "pages.ftl"] {
            std::fs::copy(src.join(locale).join(f), dir.path().join(locale).join(f)).unwrap();
        }
    }
    let zh_file = dir.path().join("zh-CN").join("mail.ftl");
    let zh = std::fs::read_to_string(&zh_file).unwrap();
    let broken = zh.replacen(
        "{ $firm_name }：\n\n        贵单位（统一社会信用代码",
        "{ $firm_nmae }：\n\n        贵单位（统一社会信用代码",
        1,
    );
    assert_ne!(zh, broken);
    std::fs::write(&zh_file, broken).unwrap();
    let tdir = dir.path().to_path_buf();
    let app = spawn_app_with(move |s| s.texts.dir = tdir).await;

    let (firm_id, _) = app.register_firm("tplco").await;
    let rev = app.staff_token("rev", Role::Reviewer).await;
    let events_before = app.count("audit_events");
    let r = app
        .post(
            &format!("/api/v1/firms/{firm_id}/onboarding"),
            Some(&rev),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, 500, "{}", r.body);
    assert_eq!(r.code(), "mail_template_error");
    assert!(
        r.body["detail_en"].as_str().unwrap().contains("firm_onboarding_decided"),
        "the error names the template: {}",
        r.body
    );
    // Nothing changed: no decision, no audit event, no email.
    let firm = app.get(&format!("/api/v1/firms/{firm_id}"), Some(&rev)).await;
    assert_eq!(firm.body["onboarding_status"], "submitted");
    assert_eq!(app.count("audit_events"), events_before);
    assert_eq!(app.count("outbox WHERE kind <> 'contact_verification'"), 0);
}

/// A copy of the shipped words with `edit` applied to `<locale>/<file>`.
fn words_with(locale: &str, file: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = crate::helpers::config_dir().join("locales");
    for l in ["zh-CN", "en"] {
        std::fs::create_dir(dir.path().join(l)).unwrap();
        for f in ["mail.ftl", "pages.ftl"] {
            let text = std::fs::read_to_string(src.join(l).join(f)).unwrap();
            let text = if (l, f) == (locale, file) {
                let edited = edit(&text);
                assert_ne!(edited, text, "the edit changes {l}/{f}");
                edited
            } else {
                text
            };
            std::fs::write(dir.path().join(l).join(f), text).unwrap();
        }
    }
    dir
}

/// The start with the words in `texts`: the error it stops with, if it does. The words
/// are read the same on either backend, so this start is on a SQLite file that goes with
/// the temporary directory (no PostgreSQL database is left behind).
async fn start_error(texts: &std::path::Path) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::test_settings();
    let db = format!("sqlite://{}", dir.path().join("start.db").display());
    settings.database.url = secrecy::SecretString::from(db);
    settings.data.dir = dir.path().join("data");
    settings.texts.dir = texts.to_path_buf();
    hechuang::startup::Application::build(
        &settings,
        &crate::helpers::config_dir(),
        hechuang::clock::Clock::fixed(chrono::Utc::now()),
    )
    .await
    .err()
    .map(|e| format!("{e:#}"))
}

#[actix_web::test]
async fn words_that_do_not_parse_or_a_page_word_in_one_language_only_stop_the_start() {
    // An email subject with an unclosed value: the error names the file's place.
    let broken = words_with("zh-CN", "mail.ftl", |t| {
        t.replacen(
            "    .subject = 【合创券】重置登录密码",
            "    .subject = 【合创券】重置登录密码 { $username",
            1,
        )
    });
    let err = start_error(broken.path()).await.expect("refused");
    assert!(
        err.contains("zh-CN/password_reset (subject) line"),
        "names the message and part: {err}"
    );
    // An email kind without its body.
    let no_body = words_with("en", "mail.ftl", |t| {
        t.replacen("password_reset =\n    .subject", "password_reset =\n    .title", 1)
    });
    let err = start_error(no_body.path()).await.expect("refused");
    assert!(err.contains("en/password_reset (subject): missing"), "{err}");
    // A page word only in Chinese.
    let one_sided = words_with("zh-CN", "pages.ftl", |t| format!("{t}\nonly-here = 只有中文\n"));
    let err = start_error(one_sided.path()).await.expect("refused");
    assert!(err.contains("only in zh-CN: [\"only-here\"]"), "{err}");
    // The shipped words start.
    let shipped = words_with("en", "pages.ftl", |t| format!("{t}\n"));
    assert_eq!(start_error(shipped.path()).await, None);
}

#[actix_web::test]
async fn every_claimed_voucher_is_emailed_with_its_code_amount_and_expiry() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let batch_id = batch(&app, &admin, json!({}), json!({"budget": "100000.00"})).await;
    let firms = bulk_firms(&app, 3, "small", true, None);
    app.clock.advance(Duration::hours(1));
    let mut codes = Vec::new();
    for f in &firms {
        let r = app
            .send("POST", &format!("/api/v1/batches/{batch_id}/claims"), Some(&f.token), None)
            .await;
        if r.status == 201 {
            codes.push((
                r.body["code"].as_str().unwrap().to_string(),
                r.body["valid_until"].clone(),
            ));
        } else {
            assert_eq!(r.code(), "batch_sold_out");
        }
    }
    assert_eq!(codes.len(), 2);
    let rows = app.outbox();
    assert_eq!(rows.len(), 2, "one email per voucher, none for the refusal");
    for (code, _) in &codes {
        let row = rows
            .iter()
            .find(|r| r.subject.contains(code.as_str()))
            .expect("email for each voucher");
        assert_eq!(row.kind, "claim_succeeded");
        assert!(row.subject.contains("50,000.00"), "{}", row.subject);
        assert!(row.body.contains("有效期至"), "{}", row.body);
    }
}

#[actix_web::test]
async fn through_lettre_smtp_to_a_real_server_with_a_chinese_subject() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Inbox::serve(listener);
    let app = spawn_app_with(move |s| smtp_to(s, port)).await;
    decided_firm(&app, "smtpco", json!({"decision": "approve"})).await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    assert_eq!(r.body["detail"]["sent"], 1, "{}", r.body);

    let got = inbox.messages();
    assert_eq!(got.len(), 1);
    let (to, data) = &got[0];
    assert_eq!(to, &vec!["contact@example.cn".to_string()]);
    let raw = String::from_utf8(data.clone()).unwrap();
    // On the wire the subject is 7-bit, RFC 2047 encoded ...
    let wire_subject = header(&raw, "Subject").unwrap();
    assert!(wire_subject.is_ascii(), "{wire_subject}");
    assert!(wire_subject.to_ascii_lowercase().contains("=?utf-8?"), "{wire_subject}");
    // ... and decodes to the Chinese subject that was written.
    let parsed = mailparse::parse_mail(data).unwrap();
    let subject = header_value(&parsed, "Subject");
    assert_eq!(subject, "【合创券】企业入库申请已通过：合肥smtpco科技有限公司");
    assert_eq!(subject, app.outbox()[0].subject);
    assert!(parsed.get_body().unwrap().contains("贵单位现可在开放时间内申领合创券"));
    let from = header_value(&parsed, "From");
    assert!(
        from.contains("合创券服务平台") && from.contains("noreply@hechuang.example.cn"),
        "{from}"
    );
}

#[actix_web::test]
async fn a_dead_smtp_server_delays_email_but_not_the_request() {
    // A port with nothing listening: connections are refused.
    let port = dead_port();
    let app = spawn_app_with(move |s| {
        smtp_to(s, port);
        s.mail.max_attempts = 3;
    })
    .await;
    let started = std::time::Instant::now();
    decided_firm(&app, "deadco", json!({"decision": "approve"})).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let admin = app.staff_token("admin", Role::Admin).await;

    // First attempt fails; the email waits a minute (backoff_base_secs).
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    assert_eq!(r.body["status"], "succeeded", "a failed send is not a failed run: {}", r.body);
    assert_eq!(r.body["detail"]["retrying"], 1, "{}", r.body);
    let row = app.outbox().remove(0);
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
    assert!(row.last_error.as_deref().unwrap().contains("smtp"), "{:?}", row.last_error);
    assert_eq!(row.next_attempt_at, app.clock.now() + Duration::seconds(60));
    // Not due yet: the next slot leaves it alone.
    app.clock.advance(Duration::seconds(30));
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    assert_eq!(r.body["detail"]["retrying"], 0, "{}", r.body);
    assert_eq!(app.outbox()[0].attempts, 1);

    // Second attempt (a minute later) fails; then two minutes.
    app.clock.advance(Duration::seconds(30));
    app.run_job(&admin, "outbox_dispatch", None).await;
    let row = app.outbox().remove(0);
    assert_eq!(row.attempts, 2);
    assert_eq!(row.next_attempt_at, app.clock.now() + Duration::seconds(120));

    // The server comes back on the same port; the email goes out when due.
    let inbox = Inbox::serve(TcpListener::bind(("127.0.0.1", port)).unwrap());
    app.clock.advance(Duration::seconds(120));
    let admin = app.token("admin").await;
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    assert_eq!(r.body["detail"]["sent"], 1, "{}", r.body);
    assert_eq!(inbox.messages().len(), 1);
    let row = app.outbox().remove(0);
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 3));
}

#[actix_web::test]
async fn out_of_attempts_an_email_fails_visibly_and_an_admin_sends_it_again() {
    let port = dead_port();
    let app = spawn_app_with(move |s| {
        smtp_to(s, port);
        s.mail.max_attempts = 2;
    })
    .await;
    decided_firm(&app, "failco", json!({"decision": "approve"})).await;
    let admin = app.staff_token("admin", Role::Admin).await;
    app.run_job(&admin, "outbox_dispatch", None).await;
    app.clock.advance(Duration::seconds(60));
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    assert_eq!(r.body["detail"]["failed"], 1, "{}", r.body);

    let failed = app.get("/api/v1/admin/outbox?status=failed", Some(&admin)).await;
    assert_eq!(failed.status, 200, "{}", failed.body);
    assert_eq!(failed.body["total"], 1);
    let item = &failed.body["items"][0];
    assert_eq!(item["kind"], "firm_onboarding_decided");
    assert_eq!(item["attempts"], 2);
    assert!(item["last_error"].as_str().unwrap().contains("smtp"));
    let id = item["id"].as_str().unwrap().to_string();
    // A failed email is not retried by the job.
    app.clock.advance(Duration::hours(1));
    let admin = app.token("admin").await;
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    assert_eq!(r.body["items"], 0);

    let inbox = Inbox::serve(TcpListener::bind(("127.0.0.1", port)).unwrap());
    let r = app.post(&format!("/api/v1/admin/outbox/{id}/retry"), Some(&admin), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["attempts"], 0);
    // Only a failed one can be retried.
    let r = app.post(&format!("/api/v1/admin/outbox/{id}/retry"), Some(&admin), &json!({})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "outbox_not_failed");
    let r = app
        .post(
            &format!("/api/v1/admin/outbox/{}/retry", uuid::Uuid::now_v7()),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app.get("/api/v1/admin/outbox?status=lost", Some(&admin)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "status_unknown");

    app.clock.advance(Duration::seconds(5));
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    assert_eq!(r.body["detail"]["sent"], 1, "{}", r.body);
    assert_eq!(inbox.messages().len(), 1);
    // The retry is in the audit trail.
    let ev = app
        .get(&format!("/api/v1/audit/events?entity_type=outbox&entity_id={id}"), Some(&admin))
        .await;
    assert_eq!(ev.body[0]["action"], "outbox.retried", "{}", ev.body);
}

#[actix_web::test]
async fn the_embedded_default_writes_eml_files_under_the_data_directory() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_path_buf();
    let app = spawn_app_with(move |s| {
        s.mail.transport = MailTransportKind::File;
        s.data.dir = dir;
    })
    .await;
    decided_firm(&app, "fileco", json!({"decision": "approve"})).await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    assert_eq!(r.body["detail"]["sent"], 1, "{}", r.body);
    let files: Vec<_> =
        std::fs::read_dir(data.path().join("mail")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let parsed_bytes = std::fs::read(&files[0]).unwrap();
    let parsed = mailparse::parse_mail(&parsed_bytes).unwrap();
    let subject = header_value(&parsed, "Subject");
    assert_eq!(subject, "【合创券】企业入库申请已通过：合肥fileco科技有限公司");
}

#[actix_web::test]
async fn addresses_the_mailer_cannot_use_are_refused_where_they_enter() {
    let app = spawn_app().await;
    for bad in ["two@at@example.cn", "a b@example.cn", "<x>@example.cn", "x@exa mple.cn"] {
        let mut body = crate::helpers::firm_body("badmail", &crate::helpers::new_credit_code());
        body["contact_email"] = json!(bad);
        let r = app.post("/api/v1/registrations/firm", None, &body).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
        assert_eq!(r.code(), "email_invalid", "{bad}");
        assert_eq!(r.body["errors"][0]["field"], "contact_email");
    }
    assert_eq!(app.count("firms"), 0);
    // A staff account's address too.
    let admin = app.staff_token("admin", Role::Admin).await;
    let r = app
        .post(
            "/api/v1/users",
            Some(&admin),
            &json!({"username": "fin1", "password": crate::helpers::PASSWORD, "display_name": "财务",
                    "role": "finance", "email": "fin@@example.cn"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.code(), "email_invalid");
}

#[actix_web::test]
async fn expiry_reminders_go_out_once_30_and_7_days_ahead() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let batch_id = batch(&app, &admin, json!({}), json!({})).await;
    let firm = bulk_firms(&app, 1, "small", true, None).remove(0);
    app.clock.advance(Duration::hours(1));
    let r = app
        .send("POST", &format!("/api/v1/batches/{batch_id}/claims"), Some(&firm.token), None)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let code = r.body["code"].as_str().unwrap().to_string();
    let valid_until = chrono::DateTime::parse_from_rfc3339(&format!(
        "{}Z",
        r.body["valid_until"].as_str().unwrap().trim_end_matches('Z')
    ))
    .unwrap()
    .naive_utc();
    let reminders = |app: &TestApp| {
        app.outbox().into_iter().filter(|r| r.kind == "voucher_expiring").collect::<Vec<_>>()
    };
    // Moves the clock to `days` before expiry and runs the daily job by hand.
    async fn day(app: &TestApp, valid_until: chrono::NaiveDateTime, days: i64) -> Value {
        let target = valid_until - Duration::days(days);
        app.clock.advance(target - app.clock.now());
        let admin = app.token("admin").await;
        let r = app.run_job(&admin, "voucher_expiry_reminders", None).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body
    }
    // 40 days ahead: nothing.
    assert_eq!(day(&app, valid_until, 40).await["items"], 0);
    assert!(reminders(&app).is_empty());
    // 30 days ahead: the first reminder.
    assert_eq!(day(&app, valid_until, 30).await["items"], 1);
    let first = reminders(&app);
    assert_eq!(first.len(), 1);
    assert!(first[0].subject.contains(&code), "{}", first[0].subject);
    assert!(first[0].subject.contains("50,000.00"), "{}", first[0].subject);
    assert!(first[0].body.contains("还有 30 天到期"), "{}", first[0].body);
    // Every later day until the 7-day mark: nothing new.
    assert_eq!(day(&app, valid_until, 29).await["items"], 0);
    assert_eq!(day(&app, valid_until, 8).await["items"], 0);
    // 7 days ahead: the second.
    assert_eq!(day(&app, valid_until, 7).await["items"], 1);
    assert_eq!(day(&app, valid_until, 3).await["items"], 0);
    let all = reminders(&app);
    assert_eq!(all.len(), 2);
    assert!(all.iter().any(|r| r.body.contains("还有 7 天到期")));
}

#[actix_web::test]
async fn while_the_mail_server_is_down_a_run_stops_after_three_failures() {
    let port = dead_port();
    let app = spawn_app_with(move |s| smtp_to(s, port)).await;
    for n in 0..5 {
        decided_firm(&app, &format!("downco{n}"), json!({"decision": "approve"})).await;
    }
    let admin = app.staff_token("admin", Role::Admin).await;
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    assert_eq!(r.body["status"], "succeeded", "{}", r.body);
    assert_eq!(r.body["detail"]["retrying"], 3, "{}", r.body);
    assert!(r.body["detail"]["stopped_early"].is_string(), "{}", r.body);
    let rows = app.outbox();
    let tried = rows.iter().filter(|r| r.attempts == 1).count();
    let waiting = rows
        .iter()
        .filter(|r| r.attempts == 0 && r.locked_by.is_none() && r.status.as_str() == "pending")
        .count();
    assert_eq!((tried, waiting), (3, 2), "the rest are untouched and not held");

    // When the server is back, everything goes out.
    let inbox = Inbox::serve(TcpListener::bind(("127.0.0.1", port)).unwrap());
    app.clock.advance(Duration::seconds(60));
    let admin = app.token("admin").await;
    let r = app.run_job(&admin, "outbox_dispatch", None).await;
    assert_eq!(r.body["detail"]["sent"], 5, "{}", r.body);
    assert_eq!(inbox.messages().len(), 5);
}
