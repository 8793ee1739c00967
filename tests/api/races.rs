//! Money rules under real concurrency (issue 20): per-firm limits across batches of one
//! programme opening together, through two server processes; the expiry job racing a
//! cancellation; stranded money reported by `ledger verify`.

use crate::claims::{bulk_firms, Firm};
use crate::helpers::{count_in, free_port, is_postgres, spawn_app, TestApp};
use crate::orders::world;
use crate::processes::{start_server, wait_ready};
use chrono::Duration;
use hechuang::domain::Role;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A programme with `rules` and three published batches of it opening together at
/// `opens` (real time: the server processes use the real clock).
async fn three_batches(
    app: &TestApp,
    admin: &str,
    code: &str,
    rules: Value,
    opens: chrono::DateTime<chrono::Utc>,
) -> (String, Vec<String>) {
    let mut p = json!({"code": code, "name": "合创券"});
    p.as_object_mut().unwrap().extend(rules.as_object().unwrap().clone());
    let r = app.post("/api/v1/programmes", Some(admin), &p).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let pid = r.body["id"].as_str().unwrap().to_string();
    let mut batches = Vec::new();
    for name in ["第一期", "第二期", "第三期"] {
        let r = app
            .post(&format!("/api/v1/programmes/{pid}/batches"), Some(admin), &json!({
                "name": name, "budget": "50000000.00", "face_values": ["50000.00"],
                "opens_at": opens.to_rfc3339(), "closes_at": (opens + Duration::hours(1)).to_rfc3339(),
                "publish": true}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        batches.push(r.body["id"].as_str().unwrap().to_string());
    }
    (pid, batches)
}

/// Every firm claims in every batch through every server, all requests released at once.
/// Returns the refusal codes counted.
async fn storm(
    app: &TestApp,
    ports: &[u16],
    firms: &[Firm],
    batches: &[String],
) -> HashMap<String, usize> {
    let mut handles = Vec::new();
    for f in firms {
        for b in batches {
            for p in ports {
                let client = app.client.clone();
                let url = format!("http://127.0.0.1:{p}/api/v1/batches/{b}/claims");
                let token = f.token.clone();
                handles.push(actix_web::rt::spawn(async move {
                    let mut res = client
                        .post(url)
                        .insert_header(("Authorization", format!("Bearer {token}")))
                        .send()
                        .await
                        .expect("sent");
                    let body: Value = res.json().limit(1 << 20).await.unwrap_or(Value::Null);
                    (res.status().as_u16(), body)
                }));
            }
        }
    }
    let mut codes: HashMap<String, usize> = HashMap::new();
    for h in handles {
        let (status, body) = h.await.unwrap();
        let code = if status == 201 {
            "claimed".to_string()
        } else {
            body["code"].as_str().unwrap_or("?").to_string()
        };
        *codes.entry(code).or_default() += 1;
    }
    codes
}

/// (firm id, batch id, controller key) of every voucher of a programme.
fn vouchers_of(app: &TestApp, programme: &str) -> Vec<(String, String, String)> {
    use diesel::prelude::*;
    use hechuang::db::schema::vouchers;
    let mut conn = app.conn();
    let c: &mut hechuang::db::DbConnection = &mut conn;
    vouchers::table
        .filter(vouchers::programme_id.eq(programme))
        .select((vouchers::firm_id, vouchers::batch_id, vouchers::controller))
        .load(c)
        .unwrap()
}

/// Writes the actual controllers of firms straight into their rows (as if registered
/// before names were checked: the rule must hold whatever is stored).
fn set_controller(app: &TestApp, firm: &str, controller: &str) {
    use diesel::prelude::*;
    use hechuang::db::schema::firms;
    let mut conn = app.conn();
    let c: &mut hechuang::db::DbConnection = &mut conn;
    diesel::update(firms::table.find(firm))
        .set(firms::actual_controller.eq(controller))
        .execute(c)
        .unwrap();
}

#[actix_web::test]
async fn per_firm_limits_hold_across_batches_opening_together_in_two_processes() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin", Role::Admin).await;
    let opens = chrono::Utc::now() + Duration::seconds(6);
    // A: one voucher per batch, two a year, no gate. B: the same counted per actual
    // controller, and a firm must have used 80% of earlier vouchers before the next.
    let (prog_a, batches_a) = three_batches(
        &app,
        &admin,
        "RACEA",
        json!({"per_batch_limit": 1, "per_year_limit": 2, "gate_used_share": "0"}),
        opens,
    )
    .await;
    let (prog_b, batches_b) = three_batches(
        &app,
        &admin,
        "RACEB",
        json!({"per_batch_limit": 1, "per_year_limit": 2, "gate_used_share": "0.80",
               "count_by_controller": true}),
        opens,
    )
    .await;
    let firms = bulk_firms(&app, 60, "small", true, None);
    // Under B, firms come in threes under one controller, the name written three ways.
    let spellings = ["郑刚{}", "郑 刚{}", "郑\u{200B}刚{}"];
    for (i, f) in firms.iter().enumerate() {
        let name = spellings[i % 3].replace("{}", &(i / 3).to_string());
        set_controller(&app, &f.id, &name);
    }

    let ports = [free_port(), free_port()];
    let _servers: Vec<_> = ports.iter().map(|p| start_server(&app.db_url, *p)).collect();
    for p in ports {
        wait_ready(&app, p).await;
    }
    let wait = (opens - chrono::Utc::now()).to_std().unwrap_or_default()
        + std::time::Duration::from_millis(50);
    actix_web::rt::time::sleep(wait).await;

    let all: Vec<String> = batches_a.iter().chain(&batches_b).cloned().collect();
    let codes = storm(&app, &ports, &firms, &all).await;

    // A: every firm exactly two vouchers (the year's limit), never two in one batch.
    let held_a = vouchers_of(&app, &prog_a);
    let mut per_firm: HashMap<&str, usize> = HashMap::new();
    let mut per_firm_batch: HashMap<(&str, &str), usize> = HashMap::new();
    for (f, b, _) in &held_a {
        *per_firm.entry(f).or_default() += 1;
        *per_firm_batch.entry((f, b)).or_default() += 1;
    }
    assert!(
        per_firm.values().all(|n| *n == 2) && per_firm.len() == firms.len(),
        "per-year limit: {per_firm:?} ({codes:?})"
    );
    assert!(per_firm_batch.values().all(|n| *n == 1), "per-batch limit");
    // B: one voucher per controller: the gate stops a second while the first is unused.
    let held_b = vouchers_of(&app, &prog_b);
    let mut per_controller: HashMap<&str, usize> = HashMap::new();
    for (_, _, c) in &held_b {
        *per_controller.entry(c).or_default() += 1;
    }
    assert_eq!(per_controller.len(), firms.len() / 3, "{per_controller:?}");
    assert!(
        per_controller.values().all(|n| *n == 1),
        "controller grouping and gate: {per_controller:?} ({codes:?})"
    );
    let allowed = ["claimed", "already_claimed", "annual_limit_reached", "claim_gate_unmet"];
    assert!(codes.keys().all(|c| allowed.contains(&c.as_str())), "{codes:?}");
    assert_eq!(codes["claimed"], held_a.len() + held_b.len(), "every voucher answered once");
    let aud = app.staff_token("aud", Role::Auditor).await;
    let r = app.get("/api/v1/ledger/verify", Some(&aud)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
}

/// Holds a voucher's row lock in a separate PostgreSQL session until dropped (or
/// `release`d), so the test can line up who waits for it.
struct RowBlocker(diesel::PgConnection);

impl RowBlocker {
    fn lock_voucher(db_url: &str, voucher: &str) -> Self {
        Self::lock(db_url, "vouchers", voucher)
    }

    fn lock(db_url: &str, table: &str, id: &str) -> Self {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let mut c = diesel::PgConnection::establish(db_url).expect("blocker connects");
        c.batch_execute(&format!("BEGIN; SELECT id FROM {table} WHERE id = '{id}' FOR UPDATE;"))
            .expect("row locked");
        RowBlocker(c)
    }

    /// How many sessions wait for a lock now.
    fn waiting(&mut self) -> i64 {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(
            "SELECT COUNT(*) AS n FROM pg_stat_activity \
             WHERE wait_event_type = 'Lock' AND datname = current_database()",
        )
        .get_result::<N>(&mut self.0)
        .map(|r| r.n)
        .unwrap_or(0)
    }

    async fn until_waiting(&mut self, n: i64) {
        for _ in 0..200 {
            if self.waiting() >= n {
                return;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("{n} sessions never waited for the row");
    }

    fn release(mut self) {
        use diesel::connection::SimpleConnection;
        self.0.batch_execute("COMMIT").expect("released");
    }
}

/// The voucher-expiry job and a firm's cancellation of an accepted order meet on one
/// voucher: the expiry takes the voucher first, and the cancellation (which had read
/// the voucher active) releases its hold after the voucher expired. The released money
/// must go back to the programme, not to an expired voucher nobody can spend. On
/// PostgreSQL the order of events is forced with a third session holding the voucher's
/// row; SQLite's single writer cannot interleave them, and the same race must end the
/// same way.
#[actix_web::test]
async fn a_cancellation_racing_the_expiry_job_strands_nothing() {
    let app = spawn_app().await;
    let w = world(&app, "exr").await;
    let order = w.order(&app, "8000.00").await;
    let r = w.provider_does(&app, &order, "accept", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, held, _, _) = w.voucher_state(&app).await;
    assert_ne!(held, "0.00");
    app.clock.advance(Duration::days(400)); // past the voucher's validity
    let admin = app.token("admin_exr").await;

    let expire = || {
        app.spawn_send("POST", "/api/v1/admin/jobs/voucher_expiry/runs", Some(&admin), json!({}))
    };
    let cancel = || {
        app.spawn_send(
            "POST",
            &format!("/api/v1/orders/{order}/cancel"),
            Some(&w.firm.token),
            json!({"reason": "不再需要"}),
        )
    };
    let (expired, cancelled) = if is_postgres() {
        let mut blocker = RowBlocker::lock_voucher(&app.db_url, &w.voucher);
        let e = expire();
        blocker.until_waiting(1).await; // the expiry waits for the voucher first
        let c = cancel();
        blocker.until_waiting(2).await; // then the cancellation
        blocker.release();
        (e.await.unwrap(), c.await.unwrap())
    } else {
        let (e, c) = (expire(), cancel());
        (e.await.unwrap(), c.await.unwrap())
    };
    assert_eq!(expired.0, 201, "{}", expired.1);
    assert!(cancelled.0 == 200 || cancelled.1["code"] == "order_state_invalid", "{cancelled:?}");

    // Whatever the order of events: the voucher is expired and keeps nothing, and the
    // programme has the whole face value back.
    assert_eq!(
        w.voucher_state(&app).await,
        ("0.00".into(), "0.00".into(), "0.00".into(), "expired".into())
    );
    let aud = app.staff_token("aud", Role::Auditor).await;
    let r = app.get("/api/v1/ledger/verify", Some(&aud)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
}

/// `ledger verify` reports money an expired voucher keeps beyond what its open orders
/// hold, even when every account agrees with its record (what the race above left
/// behind before it was fixed).
#[actix_web::test]
async fn ledger_verify_reports_an_expired_voucher_keeping_free_balance() {
    let app = spawn_app().await;
    let w = world(&app, "strand").await;
    let aud = app.staff_token("aud", Role::Auditor).await;
    let r = app.get("/api/v1/ledger/verify", Some(&aud)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
    app.damaged_on_purpose();
    // The voucher expires with its 50,000 still in its account and on its row.
    app.exec(&format!("UPDATE vouchers SET status = 'expired' WHERE id = '{}'", w.voucher))
        .unwrap();
    let r = app.get("/api/v1/ledger/verify", Some(&aud)).await;
    assert_eq!(r.body["ok"], false, "{}", r.body);
    let diffs = r.body["differences"].as_array().unwrap();
    let stranded = diffs
        .iter()
        .find(|d| d["account"] == format!("voucher_stranded:{}", w.voucher))
        .unwrap_or_else(|| panic!("{diffs:?}"));
    assert_eq!(stranded["expected"], "0.00");
    assert_eq!(stranded["actual"], "50000.00");
    // The command says so too, and fails.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hechuang"))
        .args(["ledger", "verify"])
        .env("HECHUANG_CONFIG_DIR", crate::helpers::config_dir())
        .env("HECHUANG_PROFILE", "test")
        .env("HECHUANG__DATABASE__URL", &app.db_url)
        .output()
        .expect("ledger verify runs");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("voucher_stranded"), "{text}");
}

/// Several applications for the same order at once: one is taken, every other is told
/// `order_already_redeemed` (the documented code), also when the database's unique key
/// is what stops it.
#[actix_web::test]
async fn concurrent_redemptions_of_one_order_answer_the_documented_code() {
    let app = spawn_app().await;
    let w = world(&app, "rdr").await;
    let o = w.confirmed_order(&app, "10000.00").await;
    let handles: Vec<_> = (0..12)
        .map(|_| {
            app.spawn_send(
                "POST",
                "/api/v1/provider/redemptions",
                Some(&w.provider_token),
                json!({"order_ids": [o]}),
            )
        })
        .collect();
    let mut codes: HashMap<(u16, String), usize> = HashMap::new();
    for h in handles {
        let (status, body, _) = h.await.unwrap();
        let code = body["code"].as_str().unwrap_or("created").to_string();
        *codes.entry((status, code)).or_default() += 1;
    }
    assert_eq!(codes.get(&(201, "created".to_string())), Some(&1), "{codes:?}");
    assert_eq!(codes.get(&(409, "order_already_redeemed".to_string())), Some(&11), "{codes:?}");
    assert_eq!(app.count("redemption_items"), 1);
}

/// A verification (ledger, audit chain, reports) reads one moment: what others commit
/// while it runs is not seen half-way. PostgreSQL's default isolation lets each
/// statement see newer commits, so a `ledger verify` beside a live server could compare
/// the entries of one moment with the records of the next and report a difference.
#[actix_web::test]
async fn a_read_transaction_sees_one_moment_whatever_commits_meanwhile() {
    let app = spawn_app().await;
    let mut reader = app.conn();
    let (first, second) =
        hechuang::db::read_tx(&mut reader, |c| -> Result<_, diesel::result::Error> {
            let first = count_in(c, "login_attempts");
            // Another connection commits a row while the read is under way.
            app.exec(
                "INSERT INTO login_attempts (id, username, remote_addr, succeeded, attempted_at) \
                 VALUES ('snapshot-test', 'someone', '127.0.0.1', false, '2026-12-04 00:00:00')",
            )?;
            Ok((first, count_in(c, "login_attempts")))
        })
        .expect("the read runs");
    assert_eq!(first, second, "the read saw a commit made after it began");
    // After it, the new row is there.
    assert_eq!(app.count("login_attempts"), first + 1);
}

/// Two sessions of one firm rate the same order at once: one rating is stored, the
/// other is told the order is rated; never two, never an error. On PostgreSQL both
/// wait on the order's row held by a third session, then go one after the other.
#[actix_web::test]
async fn two_ratings_of_one_order_at_once_store_one() {
    let app = spawn_app().await;
    let w = world(&app, "rtr").await;
    let order = w.confirmed_order(&app, "600.00").await;
    let rate = |q: i64| {
        app.spawn_send(
            "POST",
            &format!("/api/v1/orders/{order}/rating"),
            Some(&w.firm.token),
            json!({"quality": q, "timeliness": 4, "value": 4}),
        )
    };
    let (a, b) = if is_postgres() {
        let mut blocker = RowBlocker::lock(&app.db_url, "orders", &order);
        let a = rate(5);
        blocker.until_waiting(1).await;
        let b = rate(2);
        blocker.until_waiting(2).await;
        blocker.release();
        (a.await.unwrap(), b.await.unwrap())
    } else {
        let (a, b) = (rate(5), rate(2));
        (a.await.unwrap(), b.await.unwrap())
    };
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{a:?} {b:?}");
    let refused = if a.0 == 409 { &a.1 } else { &b.1 };
    assert_eq!(refused["code"], "already_rated", "{refused}");
    assert_eq!(app.count("order_ratings"), 1);
}

#[actix_web::test]
async fn four_draws_of_one_month_at_once_draw_it_once() {
    let app = spawn_app().await;
    let (_, month, _) = crate::spot_checks::six_approved(&app, "rsd").await;
    app.end_the_month();
    let admin = app.token("admin_rsd").await;
    let handles: Vec<_> = (0..4)
        .map(|_| {
            app.spawn_send(
                "POST",
                "/api/v1/spot-checks/draws",
                Some(&admin),
                json!({"period": month}),
            )
        })
        .collect();
    let mut codes: HashMap<(u16, String), usize> = HashMap::new();
    for h in handles {
        let (status, body, _) = h.await.unwrap();
        let code = body["code"].as_str().unwrap_or("drawn").to_string();
        *codes.entry((status, code)).or_default() += 1;
    }
    assert_eq!(codes.get(&(201, "drawn".into())), Some(&1), "{codes:?}");
    assert_eq!(codes.get(&(409, "already_drawn".into())), Some(&3), "{codes:?}");
    assert_eq!(app.count("spot_check_draws"), 1);
    assert_eq!(app.count("spot_checks"), 5);
    let asked = app.outbox().into_iter().filter(|m| m.kind == "spot_check_asked").count();
    assert_eq!(asked, 5, "each firm asked once");
}

#[actix_web::test]
async fn a_yes_and_a_no_to_one_check_at_once_keep_one_answer() {
    let app = spawn_app().await;
    let (w, month, _) = crate::spot_checks::six_approved(&app, "rsa").await;
    app.end_the_month();
    let admin = app.token("admin_rsa").await;
    let r = app.post("/api/v1/spot-checks/draws", Some(&admin), &json!({"period": month})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let checks = app.get("/api/v1/firm/spot-checks", Some(&w.firm.token)).await;
    let check = checks.body["items"][0]["id"].as_str().unwrap().to_string();
    let answer = |body: Value| {
        app.spawn_send(
            "POST",
            &format!("/api/v1/spot-checks/{check}/answer"),
            Some(&w.firm.token),
            body,
        )
    };
    let (yes, no) = (json!({"delivered": true}), json!({"delivered": false, "note": "未交付"}));
    let (a, b) = if is_postgres() {
        let mut blocker = RowBlocker::lock(&app.db_url, "spot_checks", &check);
        let a = answer(yes);
        blocker.until_waiting(1).await;
        let b = answer(no);
        blocker.until_waiting(2).await;
        blocker.release();
        (a.await.unwrap(), b.await.unwrap())
    } else {
        let (a, b) = (answer(yes), answer(no));
        (a.await.unwrap(), b.await.unwrap())
    };
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let (won, lost) = if a.0 == 200 { (&a.1, &b.1) } else { (&b.1, &a.1) };
    assert_eq!(lost["code"], "spot_check_answered", "{lost}");
    // A finding exactly when the "no" won.
    let findings = if won["status"] == "finding" { 1 } else { 0 };
    assert_eq!(app.count("findings"), findings, "{won}");
}

#[actix_web::test]
async fn repayments_and_a_run_racing_for_one_debt_recover_it_exactly_once() {
    let app = spawn_app().await;
    let tag = "rrv";
    let (mut w, _, findings) = crate::receivables::paid_and_questioned(&app, tag, 1).await;
    let (f0, owed) = findings[0].clone();
    // The next month has 2,000.00 payable (confirmed before the decision, which delists
    // the provider): enough to offset the whole debt.
    let next = hechuang::domain::settlement::Period::of(app.clock.now()).to_string();
    w.provider_token = app.token(tag).await;
    crate::settlement::make_payable(&app, &w, tag, &["2000.00"]).await;
    let r = crate::receivables::decide(
        &app,
        tag,
        &f0,
        json!({"outcome": "fraudulent", "reason": "未交付"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let receivable = r.body["receivable_id"].as_str().unwrap().to_string();
    app.end_the_month();
    let fin = app.token(&format!("fin_{tag}_a")).await;
    let today = hechuang::domain::china_time(app.clock.now()).date().to_string();
    let url = format!("/api/v1/receivables/{receivable}/repayments");
    let repay = |amount: String| {
        app.spawn_send(
            "POST",
            &url,
            Some(&fin),
            json!({"amount": amount, "bank_reference": "HF-RACE", "paid_on": today}),
        )
    };
    // Two repayments of all but 1.00 at once: one is recorded, the other finds too
    // little owed.
    let most = format!("{:.2}", owed - 1.0);
    let (a, b) = if is_postgres() {
        let mut blocker = RowBlocker::lock(&app.db_url, "receivables", &receivable);
        let a = repay(most.clone());
        blocker.until_waiting(1).await;
        let b = repay(most.clone());
        blocker.until_waiting(2).await;
        blocker.release();
        (a.await.unwrap(), b.await.unwrap())
    } else {
        let (a, b) = (repay(most.clone()), repay(most.clone()));
        (a.await.unwrap(), b.await.unwrap())
    };
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 422], "{a:?} {b:?}");
    let lost = if a.0 == 422 { &a.1 } else { &b.1 };
    assert_eq!(lost["errors"][0]["code"], "repayment_exceeds_outstanding", "{lost}");
    // The last 1.00 repaid while the month's run is prepared: whichever goes first,
    // the debt is recovered once and the run offsets only what is still owed.
    let prepare =
        || app.spawn_send("POST", "/api/v1/settlement-runs", Some(&fin), json!({"period": next}));
    let (paid, run) = if is_postgres() {
        // The repayment waits for the debt's row first, then the run.
        let mut blocker = RowBlocker::lock(&app.db_url, "receivables", &receivable);
        let paid = repay("1.00".into());
        blocker.until_waiting(1).await;
        let run = prepare();
        blocker.until_waiting(2).await;
        blocker.release();
        (paid.await.unwrap(), run.await.unwrap())
    } else {
        let (paid, run) = (repay("1.00".into()), prepare());
        (paid.await.unwrap(), run.await.unwrap())
    };
    assert_eq!(run.0, 201, "{run:?}");
    let offset: f64 = run.1["run"]["offset"].as_str().unwrap().parse().unwrap();
    match paid.0 {
        201 => assert_eq!(offset, 0.0, "repaid first: nothing left to offset"),
        409 | 422 => assert_eq!(offset, 1.0, "offset first: {paid:?}"),
        s => panic!("{s}: {paid:?}"),
    }
    let r = app.get(&format!("/api/v1/receivables/{receivable}"), Some(&fin)).await;
    assert_eq!(r.body["outstanding"], "0.00", "{}", r.body);
    let recovered: f64 = r.body["recoveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["live"] == true)
        .map(|x| x["amount"].as_str().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((recovered - owed).abs() < 0.001, "{}", r.body);
    // Dropping the app runs `ledger verify` over the receivable and its recoveries.
}

/// A provider appeals a finding and, at once, the clawback it made (one decision): one
/// appeal is filed, the other told the decision is appealed already. Then two reviewers
/// overturn that appeal at once: one decision stands, the debt is released once and
/// what was repaid is owed back once. On PostgreSQL each pair waits on the row (the
/// finding's, then the appeal's) held by a third session, then goes one after the other.
#[actix_web::test]
async fn two_appeals_of_one_finding_and_two_grants_of_one_appeal_at_once_count_once() {
    let app = spawn_app().await;
    let tag = "rfa";
    let (mut w, _, findings) = crate::receivables::paid_and_questioned(&app, tag, 1).await;
    let (finding, _) = findings[0].clone();
    let r = crate::receivables::decide(
        &app,
        tag,
        &finding,
        json!({"outcome": "fraudulent", "reason": "未交付"}),
    )
    .await;
    let receivable = r.body["receivable_id"].as_str().unwrap().to_string();
    let fin = app.token(&format!("fin_{tag}_a")).await;
    let today = hechuang::domain::china_time(app.clock.now()).date().to_string();
    let r = app
        .post(
            &format!("/api/v1/receivables/{receivable}/repayments"),
            Some(&fin),
            &json!({"amount": "50.00", "bank_reference": "HF-R", "paid_on": today}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    w.provider_token = app.token(tag).await;
    let file = |kind: &str, id: &str| {
        app.spawn_send(
            "POST",
            "/api/v1/appeals",
            Some(&w.provider_token),
            json!({"subject_kind": kind, "subject_id": id, "grounds": "已交付"}),
        )
    };
    let (a, b) = if is_postgres() {
        let mut blocker = RowBlocker::lock(&app.db_url, "findings", &finding);
        let a = file("finding", &finding);
        blocker.until_waiting(1).await;
        let b = file("clawback", &receivable);
        blocker.until_waiting(2).await;
        blocker.release();
        (a.await.unwrap(), b.await.unwrap())
    } else {
        let (a, b) = (file("finding", &finding), file("clawback", &receivable));
        (a.await.unwrap(), b.await.unwrap())
    };
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{a:?} {b:?}");
    let lost = if a.0 == 409 { &a.1 } else { &b.1 };
    assert_eq!(lost["code"], "appeal_already_filed", "{lost}");
    assert_eq!(app.count("appeals"), 1);
    let appeal = if a.0 == 201 { &a.1["id"] } else { &b.1["id"] };
    let appeal = appeal.as_str().unwrap().to_string();

    let one = app.staff_token(&format!("rv2_{tag}"), Role::Reviewer).await;
    let two = app.staff_token(&format!("rv3_{tag}"), Role::Reviewer).await;
    let url = format!("/api/v1/appeals/{appeal}/decision");
    let grant = |token: &str| {
        app.spawn_send(
            "POST",
            &url,
            Some(token),
            json!({"outcome": "overturned", "reason": "已交付"}),
        )
    };
    let (a, b) = if is_postgres() {
        let mut blocker = RowBlocker::lock(&app.db_url, "appeals", &appeal);
        let a = grant(&one);
        blocker.until_waiting(1).await;
        let b = grant(&two);
        blocker.until_waiting(2).await;
        blocker.release();
        (a.await.unwrap(), b.await.unwrap())
    } else {
        let (a, b) = (grant(&one), grant(&two));
        (a.await.unwrap(), b.await.unwrap())
    };
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let lost = if a.0 == 409 { &a.1 } else { &b.1 };
    assert_eq!(lost["code"], "appeal_decided", "{lost}");
    assert_eq!(app.count("supplements"), 1);
    let r = app.get(&format!("/api/v1/receivables/{receivable}"), Some(&fin)).await;
    assert_eq!((&r.body["outstanding"], &r.body["recovered"]), (&json!("0.00"), &json!("50.00")));
    let releases =
        r.body["recoveries"].as_array().unwrap().iter().filter(|x| x["kind"] == "release").count();
    assert_eq!(releases, 1, "{}", r.body);
    let r = app.get("/api/v1/ledger/verify", Some(&fin)).await;
    assert_eq!(r.body["ok"], true, "{}", r.body);
}
