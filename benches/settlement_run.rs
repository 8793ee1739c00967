//! Settlement preparation at scale (not a timed test; results go to docs/BENCHMARKS.md).
//!
//! Seeds a fresh database with N payable redemption items from P providers (one firm,
//! one voucher, one confirmed order per item), then runs the real `hechuang settle
//! --period …` binary and reports its wall time and peak resident memory (VmHWM,
//! sampled every 10 ms), then checks the run and the ledger.
//!
//! With `--paid-before H`, H more items were payable the month before: that month's run
//! is prepared first (by the same binary, timed too), approved, exported and paid in
//! full from a bank result file (through the library, timed), so the measured run
//! starts with H paid items in its tables, as every month after the first does.
//!
//!   cargo bench --bench settlement_run -- --backend sqlite --items 1000000 --providers 5000
//!   cargo bench --bench settlement_run -- --backend postgres --items 1000000 --providers 5000
//!   cargo bench --bench settlement_run -- --backend postgres --items 1000000 --providers 5000 --paid-before 1000000
//!
//! PostgreSQL runs use HECHUANG_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres)
//! and create (and drop) a database named hc_bench_*.

mod common;

use chrono::{Duration as CDuration, NaiveDate, Utc};
use diesel::{Connection, RunQueryDsl};
use hechuang::db::models::{
    BatchRow, FirmRow, LedgerEntryRow, OrderRow, ProgrammeRow, RedemptionApplicationRow,
    RedemptionItemRow, ServiceItemRow, VoucherRow,
};
use hechuang::db::{self, catalogue, orders, parties, vouchers};
use hechuang::domain::id::{BatchId, FirmId, OrderId, ProgrammeId, ServiceItemId, VoucherId};
use hechuang::domain::order::{OrderStatus, RedemptionStatus};
use hechuang::domain::party::OnboardingStatus;
use hechuang::domain::settlement::Period;
use hechuang::domain::voucher::VoucherStatus;
use hechuang::domain::Fen;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Args {
    backend: String,
    items: usize,
    providers: usize,
    paid_before: usize,
}

fn args() -> Args {
    let mut a =
        Args { backend: "sqlite".into(), items: 1_000_000, providers: 5_000, paid_before: 0 };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let val = v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--backend" => a.backend = val,
            "--items" => a.items = val.parse().expect("--items N"),
            "--providers" => a.providers = val.parse().expect("--providers N"),
            "--paid-before" => a.paid_before = val.parse().expect("--paid-before N"),
            "--bench" => {
                i += 1;
                continue;
            }
            "--help" | "-h" => {
                println!("--backend sqlite|postgres --items N --providers N [--paid-before N]");
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Seeds the database; returns the period the items are payable in (the history of
/// `--paid-before` is payable in the month before it).
fn seed(url: &str, a: &Args) -> Period {
    let pool = db::build_pool(url, 2, 5000, Duration::from_secs(10)).expect("pool");
    let mut conn = pool.get().expect("conn");
    db::run_migrations(&mut conn).expect("migrations");
    let c: &mut db::DbConnection = &mut conn;
    let now = Utc::now().naive_utc();
    // Payable in the month before this one (China time), as the monthly run finds them.
    let period = Period::before(now);
    let payable_at = period.end_utc() - CDuration::days(3);
    let paid_before_at = Period::before(period.start_utc()).end_utc() - CDuration::days(3);
    let all = a.items + a.paid_before;
    let programme = ProgrammeRow {
        id: ProgrammeId::new(),
        code: "BENCH".into(),
        name: "bench".into(),
        voucher_kind: hechuang::domain::voucher::VoucherKind::General,
        categories: "patent".into(),
        co_payment_ratio_bp: 5000,
        full_coverage_threshold_fen: Fen::new(0),
        validity_months: 12,
        eligible_size_classes: "micro,small".into(),
        exclude_dishonest: true,
        revenue_ceiling_fen: None,
        required_qualifications: String::new(),
        per_batch_limit: 1,
        per_year_limit: 2,
        count_by_controller: false,
        gate_used_share_bp: 8000,
        created_at: now,
        updated_at: now,
    };
    let batch = BatchRow {
        id: BatchId::new(),
        programme_id: programme.id.clone(),
        number: 1,
        name: "bench".into(),
        // No money moved through the batch or the voucher here (the items are seeded
        // payable directly), so both stand at zero and the ledger check holds.
        budget_fen: Fen::new(0),
        claimed_fen: Fen::new(0),
        vouchers_claimed: 1,
        face_values: "5000000".into(),
        opens_at: now - CDuration::days(60),
        closes_at: now + CDuration::days(60),
        allocation_mode: hechuang::domain::voucher::AllocationMode::FirstCome,
        published: true,
        created_by: None,
        created_at: now,
        updated_at: now,
    };
    let firm = FirmRow {
        id: FirmId::new(),
        credit_code: common::credit_code("MA", 999_999),
        name: "合肥基准测试企业".into(),
        legal_representative: "张三".into(),
        actual_controller: "张三".into(),
        registered_on: NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(),
        address: "合肥".into(),
        contact_name: "李四".into(),
        contact_phone: "0551-65550000".into(),
        contact_email: "firm@example.cn".into(),
        industry: "software_it".into(),
        employees: 10,
        revenue_fen: Fen::new(100_000_000),
        total_assets_fen: None,
        size_class: hechuang::domain::SizeClass::Small,
        size_basis: "{}".into(),
        onboarding_status: OnboardingStatus::Onboarded,
        onboarding_reason: None,
        reviewed_by: None,
        reviewed_at: None,
        high_tech: false,
        tech_sme: false,
        dishonest: false,
        recommended_by_space_id: None,
        created_at: now,
        updated_at: now,
        contact_verified_at: Some(now),
        corrections: None,
        high_tech_certificate: None,
        high_tech_until: None,
        tech_sme_certificate: None,
        tech_sme_until: None,
        district: Some("340171".into()),
    };
    let voucher = VoucherRow {
        id: VoucherId::new(),
        code: "BENCH-01-000001".into(),
        batch_id: batch.id.clone(),
        programme_id: programme.id.clone(),
        firm_id: firm.id.clone(),
        nth: 1,
        seq_in_batch: 1,
        face_value_fen: Fen::new(5_000_000),
        balance_fen: Fen::new(0),
        held_fen: Fen::new(0),
        status: VoucherStatus::Used,
        controller: "张三".into(),
        claim_year: 2026,
        claimed_at: now,
        valid_until: now + CDuration::days(365),
        idempotency_key: None,
    };
    db::write_tx(c, |c| -> diesel::QueryResult<()> {
        vouchers::insert_programme(c, &programme)?;
        vouchers::insert_batch(c, &batch)?;
        parties::insert_firm(c, &firm)?;
        vouchers::insert_vouchers(c, std::slice::from_ref(&voucher))?;
        Ok(())
    })
    .expect("base rows");
    let mut providers = Vec::with_capacity(a.providers);
    db::write_tx(c, |c| -> diesel::QueryResult<()> {
        for p in 0..a.providers {
            let row = common::provider(p, common::credit_code("MA", p), now);
            parties::insert_provider(c, &row, &["patent".to_string()])?;
            let item = ServiceItemRow {
                id: ServiceItemId::new(),
                provider_id: row.id.clone(),
                category: "patent".into(),
                title: "专利代理".into(),
                description: "bench".into(),
                list_price_fen: Fen::new(100_000),
                delivery_days: 30,
                active: true,
                created_at: now,
                updated_at: now,
            };
            catalogue::insert(c, &item)?;
            let app = RedemptionApplicationRow {
                id: hechuang::domain::id::RedemptionApplicationId::new(),
                provider_id: row.id.clone(),
                item_count: 1,
                total_fen: Fen::new(1),
                submitted_by: None,
                submitted_at: now,
            };
            orders::insert_application(c, &app, &[])?;
            providers.push((row.id, item.id, app.id));
        }
        Ok(())
    })
    .expect("providers");
    // Items in chunks: each with its confirmed order, spread over the providers.
    let chunk = 50_000;
    let mut done = 0;
    let mut due_total = 0i64;
    while done < all {
        let n = chunk.min(all - done);
        let mut order_rows = Vec::with_capacity(n);
        let mut item_rows = Vec::with_capacity(n);
        for k in done..done + n {
            let (pid, sid, aid) = &providers[k % providers.len()];
            let amount = 10_000 + (k % 97) as i64 * 100;
            due_total += amount;
            let order = OrderRow {
                id: OrderId::new(),
                order_no: format!("DDBENCH{k:012}"),
                firm_id: firm.id.clone(),
                provider_id: pid.clone(),
                service_item_id: sid.clone(),
                voucher_id: voucher.id.clone(),
                programme_id: programme.id.clone(),
                category: "patent".into(),
                title: "专利代理".into(),
                note: String::new(),
                contract_fen: Fen::new(amount * 2),
                covered_fen: Fen::new(amount),
                own_fen: Fen::new(amount),
                status: OrderStatus::Confirmed,
                decline_reason: None,
                cancel_reason: None,
                cancelled_by: None,
                dispute_reason: None,
                resolution_note: None,
                requested_at: now,
                accepted_at: Some(now),
                deliver_by: Some(now),
                delivered_at: Some(now),
                confirmed_at: Some(now),
                closed_at: Some(now),
                updated_at: now,
                batch_id: batch.id.clone(),
            };
            item_rows.push(RedemptionItemRow {
                id: hechuang::domain::id::RedemptionItemId::new(),
                application_id: aid.clone(),
                order_id: order.id.clone(),
                provider_id: pid.clone(),
                firm_id: firm.id.clone(),
                programme_id: programme.id.clone(),
                category: "patent".into(),
                amount_fen: Fen::new(amount),
                status: RedemptionStatus::Payable,
                decision_reason: None,
                reviewed_by: None,
                reviewed_at: Some(now),
                notice_ends_at: Some(if k < a.paid_before { paid_before_at } else { payable_at }),
                payable_at: Some(if k < a.paid_before { paid_before_at } else { payable_at }),
                updated_at: now,
                batch_id: batch.id.clone(),
            });
            order_rows.push(order);
        }
        db::write_tx(c, |c| -> diesel::QueryResult<()> {
            orders::insert_many(c, &order_rows)?;
            orders::insert_many_items(c, &item_rows)?;
            Ok(())
        })
        .expect("items");
        done += n;
        eprint!("\rseeded {done} items");
    }
    eprintln!();
    // The money for them sits in the providers' payable accounts, as the redemption
    // notices would have left it; the programme's funding paid it.
    let mut per_provider = vec![0i64; providers.len()];
    for k in 0..all {
        per_provider[k % providers.len()] += 10_000 + (k % 97) as i64 * 100;
    }
    let txn = hechuang::domain::id::LedgerTxnId::new();
    let mut entries: Vec<LedgerEntryRow> = providers
        .iter()
        .zip(&per_provider)
        .map(|((pid, _, _), amount)| LedgerEntryRow {
            id: hechuang::domain::id::LedgerEntryId::new(),
            txn_id: txn.clone(),
            account: format!("payable:{pid}"),
            amount_fen: Fen::new(*amount),
            kind: "bench_seed".into(),
            created_at: now,
        })
        .collect();
    entries.push(LedgerEntryRow {
        id: hechuang::domain::id::LedgerEntryId::new(),
        txn_id: txn,
        account: format!("funding:{}", programme.id),
        amount_fen: Fen::new(-due_total),
        kind: "bench_seed".into(),
        created_at: now,
    });
    vouchers::insert_ledger(c, &entries).expect("ledger");
    if let db::DbConnection::Pg(pg) = c {
        diesel::sql_query("VACUUM ANALYZE").execute(pg).ok();
    }
    period
}

/// Runs `hechuang settle --period …`; returns its wall time, peak resident memory (KiB)
/// and what it printed.
fn settle(url: &str, period: Period, data: &std::path::Path) -> (Duration, u64, String) {
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hechuang"))
        .args(["settle", "--period", &period.to_string()])
        .env("HECHUANG_CONFIG_DIR", &config)
        .env("HECHUANG__DATABASE__URL", url)
        .env("HECHUANG__LOG__LEVEL", "warn")
        .env("HECHUANG__DATA__DIR", data)
        .stdout(Stdio::piped())
        .spawn()
        .expect("hechuang settle starts");
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        if let Some(k) = vm_hwm_kib(pid) {
            peak = peak.max(k);
        }
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let out = child.wait_with_output().expect("output");
    assert!(status.success(), "settle failed");
    (elapsed, peak, String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Approves the run of `period`, exports its bank file and records every payout paid
/// from a bank result file, through the library as the endpoints do.
fn pay_in_full(url: &str, period: Period) {
    use hechuang::services::settlement as svc;
    let pool = db::build_pool(url, 1, 5000, Duration::from_secs(10)).expect("pool");
    let mut conn = pool.get().expect("conn");
    let c: &mut db::DbConnection = &mut conn;
    let now = Utc::now().naive_utc();
    let actor = hechuang::services::Actor::system();
    let templates = hechuang::notify::Templates::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(hechuang::texts::DEFAULT_DIR),
        "zh-CN",
    )
    .expect("templates");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let policy = hechuang::config::load_policy(&root.join("config/policy")).expect("policy");
    let run =
        db::settlement::live_run(c, &period.to_string()).expect("run").expect("the month's run");
    let decision = svc::RunDecision { decision: svc::RunDecisionKind::Approve, reason: None };
    let cx = || hechuang::services::Cx::new(actor.at(now), &policy, &templates);
    svc::decide(c, cx(), &run.id, &decision).expect("approved");
    svc::export(c, cx(), &run.id, svc::FileFormat::Csv).expect("exported");
    let today = hechuang::domain::china_time(now).date();
    let mut file = String::from("reference,status,amount,bank_reference,paid_on,reason\n");
    for p in db::settlement::payouts_of(c, &run.id).expect("payouts") {
        file.push_str(&format!(
            "{},paid,{},B{},{today},\n",
            p.reference, p.amount_fen, p.reference
        ));
    }
    let report = svc::import(
        c,
        hechuang::services::Cx::new(actor.at(now), &policy, &templates),
        &run.id,
        file.as_bytes(),
    )
    .expect("results");
    assert!(report.unmatched.is_empty() && report.mismatched.is_empty());
    eprintln!("history: {} payouts paid", report.applied);
}

fn main() {
    let a = args();
    let dir = tempfile::tempdir().unwrap();
    let mut drop_pg: Option<(String, String)> = None;
    let url = match a.backend.as_str() {
        "sqlite" => format!("sqlite://{}", dir.path().join("bench.db").display()),
        "postgres" => {
            let base = std::env::var("HECHUANG_TEST_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let name = format!("hc_bench_{}", uuid::Uuid::new_v4().simple());
            let mut admin = diesel::PgConnection::establish(&base).expect("PostgreSQL reachable");
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
            drop_pg = Some((base.clone(), name.clone()));
            format!("{}/{name}", base.rsplit_once('/').unwrap().0)
        }
        other => panic!("unknown backend {other}"),
    };
    let t = Instant::now();
    let period = seed(&url, &a);
    eprintln!(
        "seeded {} items from {} providers in {:.1}s",
        a.items + a.paid_before,
        a.providers,
        t.elapsed().as_secs_f64()
    );
    let data = dir.path().join("data");
    if a.paid_before > 0 {
        let before = Period::before(period.start_utc());
        let (elapsed, peak, out) = settle(&url, before, &data);
        println!("{out}");
        println!(
            "history: backend={} period={before} items={} prepare_seconds={:.2} peak_rss_mib={:.0}",
            a.backend,
            a.paid_before,
            elapsed.as_secs_f64(),
            peak as f64 / 1024.0
        );
        let t = Instant::now();
        pay_in_full(&url, before);
        println!(
            "history: approved, exported and paid from a result file in {:.2}s",
            t.elapsed().as_secs_f64()
        );
    }
    let (elapsed, peak, out) = settle(&url, period, &data);
    println!("{out}");
    println!(
        "backend={} items={} providers={} paid_before={} prepare_seconds={:.2} peak_rss_mib={:.0}",
        a.backend,
        a.items,
        a.providers,
        a.paid_before,
        elapsed.as_secs_f64(),
        peak as f64 / 1024.0
    );
    let pool = db::build_pool(&url, 1, 5000, Duration::from_secs(10)).expect("pool");
    let run = db::settlement::live_run(&mut pool.get().expect("conn"), &period.to_string())
        .expect("run")
        .expect("the month's run");
    assert_eq!(
        run.item_count as usize, a.items,
        "the run pays this month's items and none of the history"
    );
    drop(pool);

    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_hechuang"))
        .args(["ledger", "verify"])
        .env("HECHUANG_CONFIG_DIR", &config)
        .env("HECHUANG__DATABASE__URL", &url)
        .env("HECHUANG__LOG__LEVEL", "warn")
        .output()
        .expect("ledger verify runs");
    println!(
        "{} ({:.1}s)",
        String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or(""),
        t.elapsed().as_secs_f64()
    );

    if let Some((base, name)) = drop_pg {
        let mut admin = diesel::PgConnection::establish(&base).expect("PostgreSQL reachable");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .ok();
    }
}
