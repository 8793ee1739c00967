//! The authority's overview at scale (not a timed test; results go to docs/BENCHMARKS.md).
//!
//! Seeds a fresh database with F firms (each holding one voucher of one of two
//! batches), O orders spread over the vouchers and P providers in eight categories,
//! every order confirmed and its redemption item paid by a provider payout of one run,
//! then asks the overview (`services::dashboard::dashboard`, what `GET
//! /api/v1/dashboard` and the page call) for every programme, the programme, one batch
//! and one year, and the public summary, R times each, and reports p50, p99 and max.
//!
//!   cargo bench --bench overview -- --backend sqlite   --firms 100000 --orders 1000000
//!   cargo bench --bench overview -- --backend postgres --firms 100000 --orders 1000000
//!
//! PostgreSQL runs use HECHUANG_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres)
//! and create (and drop) a database named hc_bench_*.

mod common;

use chrono::{Duration as CDuration, NaiveDate, NaiveDateTime, Utc};
use diesel::{Connection, RunQueryDsl};
use hechuang::db::models::{
    BatchRow, FirmRow, OrderRow, PayoutRow, ProgrammeRow, RedemptionApplicationRow,
    RedemptionItemRow, ServiceItemRow, SettlementRunRow, VoucherRow,
};
use hechuang::db::{self, catalogue, orders, parties, settlement, vouchers};
use hechuang::domain::id::{
    BatchId, FirmId, OrderId, PartyId, PayoutId, ProgrammeId, RedemptionApplicationId,
    RedemptionItemId, RunId, ServiceItemId, VoucherId,
};
use hechuang::domain::order::{OrderStatus, RedemptionStatus};
use hechuang::domain::party::OnboardingStatus;
use hechuang::domain::settlement::{PayoutStatus, RunStatus};
use hechuang::domain::voucher::VoucherStatus;
use hechuang::domain::PartyKind;
use hechuang::domain::{Fen, SizeClass};
use hechuang::services::dashboard::{self as svc, Selection};
use std::time::{Duration, Instant};

const CATEGORIES: [&str; 8] = [
    "patent",
    "testing",
    "sci_tech_finance",
    "incubation",
    "legal",
    "accounting",
    "human_resources",
    "ip_trademark",
];
const INDUSTRIES: [&str; 6] =
    ["industry", "software_it", "wholesale", "retail", "leasing_business", "other"];
const FACE: i64 = 5_000_000;

struct Args {
    backend: String,
    firms: usize,
    orders: usize,
    providers: usize,
    repeat: usize,
}

fn args() -> Args {
    let mut a = Args {
        backend: "sqlite".into(),
        firms: 100_000,
        orders: 1_000_000,
        providers: 1_000,
        repeat: 30,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let val = v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--backend" => a.backend = val,
            "--firms" => a.firms = val.parse().expect("--firms N"),
            "--orders" => a.orders = val.parse().expect("--orders N"),
            "--providers" => a.providers = val.parse().expect("--providers N"),
            "--repeat" => a.repeat = val.parse().expect("--repeat N"),
            "--bench" => {
                i += 1;
                continue;
            }
            "--help" | "-h" => {
                println!(
                    "--backend sqlite|postgres --firms N --orders N [--providers N] [--repeat N]"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

fn firm(n: usize, now: NaiveDateTime) -> FirmRow {
    FirmRow {
        id: FirmId::new(),
        credit_code: common::credit_code("MA", n),
        name: format!("合肥基准企业{n:06}"),
        legal_representative: "张三".into(),
        actual_controller: format!("控制人{n}"),
        registered_on: NaiveDate::from_ymd_opt(2021, 1, 1).expect("date"),
        address: "合肥".into(),
        contact_name: "李四".into(),
        contact_phone: "0551-65550000".into(),
        contact_email: format!("f{n}@example.cn"),
        industry: INDUSTRIES[n % INDUSTRIES.len()].into(),
        employees: 10,
        revenue_fen: Fen::new(100_000_000),
        total_assets_fen: None,
        size_class: if n.is_multiple_of(3) { SizeClass::Micro } else { SizeClass::Small },
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
        // Every twentieth registered before the district was asked.
        district: (!n.is_multiple_of(20)).then(|| DISTRICTS[n % DISTRICTS.len()].into()),
    }
}

const DISTRICTS: [&str; 6] = ["340104", "340111", "340171", "340102", "340103", "340122"];

struct Seeded {
    programme: ProgrammeId,
    batch: BatchId,
    year: i32,
    /// A China day on which orders were placed.
    busy_day: String,
}

/// Seeds the database: firms, vouchers, providers, confirmed orders, paid items and
/// the payouts that paid them.
fn seed(url: &str, a: &Args) -> Seeded {
    let pool = db::build_pool(url, 2, 5000, Duration::from_secs(10)).expect("pool");
    let mut conn = pool.get().expect("conn");
    db::run_migrations(&mut conn).expect("migrations");
    let c: &mut db::DbConnection = &mut conn;
    let now = Utc::now().naive_utc();
    let start = now - CDuration::days(200);
    let programme = ProgrammeRow {
        id: ProgrammeId::new(),
        code: "BENCH".into(),
        name: "合创券".into(),
        voucher_kind: hechuang::domain::voucher::VoucherKind::General,
        categories: CATEGORIES.join(","),
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
        created_at: start,
        updated_at: start,
    };
    // Two batches: the first holds 60% of the vouchers.
    let first = a.firms * 3 / 5;
    let batches: Vec<BatchRow> = [(1, first), (2, a.firms - first)]
        .into_iter()
        .map(|(number, n)| BatchRow {
            id: BatchId::new(),
            programme_id: programme.id.clone(),
            number,
            name: format!("第{number}期"),
            budget_fen: Fen::new(FACE * n as i64 + 100_000_000),
            claimed_fen: Fen::new(FACE * n as i64),
            vouchers_claimed: n as i32,
            face_values: FACE.to_string(),
            opens_at: start + CDuration::days(30 * i64::from(number)),
            closes_at: start + CDuration::days(30 * i64::from(number) + 10),
            allocation_mode: hechuang::domain::voucher::AllocationMode::FirstCome,
            published: true,
            created_by: None,
            created_at: start,
            updated_at: start,
        })
        .collect();
    let year = hechuang::domain::china_time(batches[0].opens_at).format("%Y").to_string();
    db::write_tx(c, |c| -> diesel::QueryResult<()> {
        vouchers::insert_programme(c, &programme)?;
        for b in &batches {
            vouchers::insert_batch(c, b)?;
        }
        Ok(())
    })
    .expect("programme");

    let mut providers = Vec::with_capacity(a.providers);
    db::write_tx(c, |c| -> diesel::QueryResult<()> {
        for p in 0..a.providers {
            let row = common::provider(p, common::credit_code("MB", p), start);
            let category = CATEGORIES[p % CATEGORIES.len()];
            parties::insert_provider(c, &row, &[category.to_string()])?;
            let item = ServiceItemRow {
                id: ServiceItemId::new(),
                provider_id: row.id.clone(),
                category: category.into(),
                title: "服务".into(),
                description: "bench".into(),
                list_price_fen: Fen::new(400_000),
                delivery_days: 30,
                active: true,
                created_at: start,
                updated_at: start,
            };
            catalogue::insert(c, &item)?;
            let app = RedemptionApplicationRow {
                id: RedemptionApplicationId::new(),
                provider_id: row.id.clone(),
                item_count: 1,
                total_fen: Fen::new(1),
                submitted_by: None,
                submitted_at: start,
            };
            orders::insert_application(c, &app, &[])?;
            providers.push((row, item.id, app.id, category));
        }
        Ok(())
    })
    .expect("providers");

    // Firms and their vouchers, in chunks.
    let per_voucher = a.orders.div_ceil(a.firms.max(1));
    let mut firm_vouchers: Vec<(FirmId, VoucherId, BatchId, NaiveDateTime)> =
        Vec::with_capacity(a.firms);
    for lo in (0..a.firms).step_by(20_000) {
        let hi = (lo + 20_000).min(a.firms);
        let firms: Vec<FirmRow> = (lo..hi).map(|n| firm(n, start)).collect();
        let rows: Vec<VoucherRow> = firms
            .iter()
            .enumerate()
            .map(|(k, f)| {
                let n = lo + k;
                let b = if n < first { &batches[0] } else { &batches[1] };
                let claimed_at = b.opens_at + CDuration::seconds((n % 3600) as i64);
                // Its orders' voucher shares, as the order loop below makes them.
                let spent: i64 = (0..per_voucher)
                    .map(|j| n * per_voucher + j)
                    .filter(|o| *o < a.orders)
                    .map(share)
                    .sum();
                firm_vouchers.push((f.id.clone(), VoucherId::new(), b.id.clone(), claimed_at));
                let id = firm_vouchers.last().map(|v| v.1.clone()).expect("pushed");
                VoucherRow {
                    id,
                    code: format!("BENCH-{:02}-{n:06}", b.number),
                    batch_id: b.id.clone(),
                    programme_id: programme.id.clone(),
                    firm_id: f.id.clone(),
                    nth: 1,
                    seq_in_batch: n as i32 + 1,
                    face_value_fen: Fen::new(FACE),
                    balance_fen: Fen::new(FACE - spent),
                    held_fen: Fen::new(0),
                    status: VoucherStatus::Active,
                    controller: f.actual_controller.clone(),
                    claim_year: 2026,
                    claimed_at,
                    valid_until: claimed_at + CDuration::days(365),
                    idempotency_key: None,
                }
            })
            .collect();
        db::write_tx(c, |c| -> diesel::QueryResult<()> {
            for f in &firms {
                parties::insert_firm(c, f)?;
            }
            vouchers::insert_vouchers(c, &rows)?;
            Ok(())
        })
        .expect("firms");
        eprint!("\rseeded {hi} firms");
    }
    eprintln!();

    // One approved run whose payouts (one per provider) paid every item.
    let mut owed = vec![(0i64, 0i32); providers.len()];
    for o in 0..a.orders {
        let e = &mut owed[o % providers.len()];
        *e = (e.0 + share(o), e.1 + 1);
    }
    let run = SettlementRunRow {
        id: RunId::new(),
        period: "2026-01".into(),
        cutoff: now,
        status: RunStatus::Approved,
        origin: "manual".into(),
        prepared_by: None,
        prepared_at: now,
        decided_by: None,
        decided_at: Some(now),
        reject_reason: None,
        payout_count: a.providers as i32,
        item_count: a.orders as i32,
        total_fen: Fen::new(owed.iter().map(|o| o.0).sum()),
        held_back_count: 0,
        held_back_fen: Fen::new(0),
        csv_sha256: None,
        xlsx_sha256: None,
        exported_at: Some(now),
        offset_fen: Fen::new(0),
    };
    let paid_on = hechuang::domain::china_time(now).date();
    let payouts: Vec<PayoutRow> = providers
        .iter()
        .enumerate()
        .map(|(k, (p, _, _, _))| PayoutRow {
            id: PayoutId::new(),
            run_id: run.id.clone(),
            reference: format!("BENCH-{k:05}"),
            payee_kind: PartyKind::Provider,
            payee_id: PartyId::stored(p.id.to_string()),
            payee_name: p.name.clone(),
            credit_code: p.credit_code.clone(),
            bank_name: p.bank_name.clone(),
            bank_account_name: p.bank_account_name.clone(),
            bank_account_no: p.bank_account_no.clone(),
            amount_fen: Fen::new(owed[k].0),
            item_count: owed[k].1,
            status: PayoutStatus::Paid,
            bank_reference: Some(format!("B{k}")),
            paid_on: Some(paid_on),
            failure_reason: None,
            recorded_by: None,
            recorded_at: Some(now),
            reversed_by: None,
            reversed_at: None,
            reversal_reason: None,
            offset_fen: Fen::new(0),
        })
        .collect();
    db::write_tx(c, |c| -> diesel::QueryResult<()> {
        settlement::insert_run(c, &run)?;
        settlement::insert_payouts(c, &payouts)
    })
    .expect("run");

    // Orders and their paid items, in chunks.
    for lo in (0..a.orders).step_by(50_000) {
        let hi = (lo + 50_000).min(a.orders);
        let mut order_rows = Vec::with_capacity(hi - lo);
        let mut item_rows = Vec::with_capacity(hi - lo);
        for o in lo..hi {
            let (firm_id, voucher_id, batch_id, claimed_at) =
                &firm_vouchers[(o / per_voucher).min(a.firms - 1)];
            let (p, service, app, category) = &providers[o % providers.len()];
            let requested = *claimed_at + CDuration::days((o % 40) as i64);
            let confirmed = requested + CDuration::days(20 + (o % 30) as i64);
            let amount = share(o);
            let order = OrderRow {
                id: OrderId::new(),
                order_no: format!("DDBENCH{o:012}"),
                firm_id: firm_id.clone(),
                provider_id: p.id.clone(),
                service_item_id: service.clone(),
                voucher_id: voucher_id.clone(),
                programme_id: programme.id.clone(),
                category: (*category).into(),
                title: "服务".into(),
                note: String::new(),
                contract_fen: Fen::new(amount * 2),
                covered_fen: Fen::new(amount),
                own_fen: Fen::new(amount),
                status: OrderStatus::Confirmed,
                decline_reason: None,
                cancel_reason: None,
                cancelled_by: None,
                // One order in 500 was disputed on its way.
                dispute_reason: (o % 500 == 0).then(|| "交付不完整".to_string()),
                resolution_note: None,
                requested_at: requested,
                accepted_at: Some(requested),
                deliver_by: Some(requested + CDuration::days(30)),
                delivered_at: Some(confirmed),
                confirmed_at: Some(confirmed),
                closed_at: Some(confirmed),
                updated_at: confirmed,
                batch_id: batch_id.clone(),
            };
            item_rows.push(RedemptionItemRow {
                id: RedemptionItemId::new(),
                application_id: app.clone(),
                order_id: order.id.clone(),
                provider_id: p.id.clone(),
                firm_id: firm_id.clone(),
                programme_id: programme.id.clone(),
                category: (*category).into(),
                amount_fen: Fen::new(amount),
                status: RedemptionStatus::Paid,
                decision_reason: None,
                reviewed_by: None,
                reviewed_at: Some(confirmed),
                notice_ends_at: Some(confirmed + CDuration::days(7)),
                payable_at: Some(confirmed + CDuration::days(7)),
                updated_at: now,
                batch_id: batch_id.clone(),
            });
            order_rows.push(order);
        }
        db::write_tx(c, |c| -> diesel::QueryResult<()> {
            orders::insert_many(c, &order_rows)?;
            orders::insert_many_items(c, &item_rows)
        })
        .expect("orders");
        eprint!("\rseeded {hi} orders and paid items");
    }
    eprintln!();
    diesel::sql_query(
        "INSERT INTO payout_items (payout_id, item_kind, item_id, amount_fen, live) \
         SELECT p.id, 'redemption', i.id, i.amount_fen, TRUE \
         FROM redemption_items i JOIN payouts p ON p.payee_id = i.provider_id",
    )
    .execute(c)
    .expect("payout items");
    match c {
        db::DbConnection::Pg(pg) => {
            diesel::sql_query("VACUUM ANALYZE").execute(pg).ok();
        }
        db::DbConnection::Sqlite(s) => {
            diesel::sql_query("ANALYZE").execute(s).ok();
        }
    }
    Seeded {
        programme: programme.id,
        batch: batches[0].id.clone(),
        year: year.parse().expect("year"),
        busy_day: hechuang::domain::china_time(batches[0].opens_at + CDuration::days(10))
            .date()
            .to_string(),
    }
}

/// Order `o`'s voucher share, fen: 1,000.00 to 3,900.00 yuan.
fn share(o: usize) -> i64 {
    100_000 + (o % 30) as i64 * 10_000
}

fn percentile(sorted: &[f64], pct: usize) -> f64 {
    let k = (pct * sorted.len()).div_ceil(100).max(1);
    sorted[k - 1]
}

fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("temp dir");
    // HECHUANG_BENCH_KEEP=path keeps the SQLite database there (to read its plans).
    let file = match std::env::var_os("HECHUANG_BENCH_KEEP") {
        Some(path) => {
            let path = std::path::PathBuf::from(path);
            std::fs::remove_file(&path).ok();
            path
        }
        None => dir.path().join("bench.db"),
    };
    let mut drop_pg: Option<(String, String)> = None;
    let url = match a.backend.as_str() {
        "sqlite" => format!("sqlite://{}", file.display()),
        "postgres" => {
            let base = std::env::var("HECHUANG_TEST_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let name = format!("hc_bench_{}", uuid::Uuid::new_v4().simple());
            let mut admin = diesel::PgConnection::establish(&base).expect("PostgreSQL reachable");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .expect("database created");
            drop_pg = Some((base.clone(), name.clone()));
            format!("{}/{name}", base.rsplit_once('/').expect("a database in the URL").0)
        }
        other => panic!("unknown backend {other}"),
    };
    let t = Instant::now();
    let s = seed(&url, &a);
    eprintln!(
        "seeded {} firms, {} orders and paid items, {} providers in {:.1}s",
        a.firms,
        a.orders,
        a.providers,
        t.elapsed().as_secs_f64()
    );
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let policy = hechuang::config::load_policy(&root.join("config/policy")).expect("policy");
    let pool = db::build_pool(&url, 1, 5000, Duration::from_secs(10)).expect("pool");
    let mut conn = pool.get().expect("conn");
    let selections = [
        ("every programme", Selection::default()),
        (
            "the programme",
            Selection { programme_id: Some(s.programme.to_string()), ..Default::default() },
        ),
        (
            "one batch",
            Selection {
                programme_id: Some(s.programme.to_string()),
                batch_id: Some(s.batch.to_string()),
                ..Default::default()
            },
        ),
        ("one year", Selection { year: Some(s.year), ..Default::default() }),
    ];
    println!(
        "backend={} firms={} orders={} paid_items={} providers={} repeat={}",
        a.backend, a.firms, a.orders, a.orders, a.providers, a.repeat
    );
    // Where the time of one overview of every programme goes, query by query.
    {
        use hechuang::db::dashboard as q;
        let c: &mut db::DbConnection = &mut conn;
        let ids: Vec<BatchId> =
            q::batches_of(c, None, None).expect("batches").into_iter().map(|b| b.id).collect();
        let mut time = |name: &str, f: &mut dyn FnMut(&mut db::DbConnection)| {
            let t = Instant::now();
            f(c);
            println!("  query {name}: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
        };
        // PostgreSQL's tally moves of the seeding added in (SQLite keeps none).
        time("fold", &mut |c| {
            db::tallies::fold(c).expect("fold");
        });
        time("vouchers_by_status", &mut |c| drop(q::vouchers_by_status(c, &ids).expect("q")));
        let all = ids.as_slice();
        time("orders_by_status", &mut |c| drop(q::orders_by_status(c, all).expect("q")));
        time("items_by_status", &mut |c| drop(q::items_by_status(c, all).expect("q")));
        time("items_in_payouts", &mut |c| {
            q::items_in_payouts(c, &ids).expect("q");
        });
        time("spent_by_provider", &mut |c| drop(q::spent_by_provider(c, all).expect("q")));
        time("firms_by_class", &mut |c| drop(q::firms_by_class(c, &ids).expect("q")));
        time("claim_to_first_order", &mut |c| {
            drop(q::claim_to_first_order(c, &ids, svc::TIMED_CASES).expect("q"))
        });
        time("confirmation_to_payment", &mut |c| {
            drop(q::confirmation_to_payment(c, all, svc::TIMED_CASES).expect("q"))
        });
        time("disputes", &mut |c| drop(q::disputes(c, all).expect("q")));
        time("objections", &mut |c| drop(q::objections(c, &ids).expect("q")));
    }
    let now = Utc::now().naive_utc();
    let recent = svc::Recent::default();
    let timed = |f: &mut dyn FnMut()| {
        let mut ms = Vec::with_capacity(a.repeat);
        for _ in 0..a.repeat {
            let t = Instant::now();
            f();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        format!(
            "p50_ms={:.1} p99_ms={:.1} max_ms={:.1}",
            percentile(&ms, 50),
            percentile(&ms, 99),
            ms.last().copied().unwrap_or_default()
        )
    };
    for (name, sel) in &selections {
        let d = svc::dashboard(&mut conn, &policy, sel, now).expect("overview");
        assert_eq!(d.stages.paid, d.stages.spent, "every confirmed order was paid");
        // Computed anew each time (`fresh=true`, or the first reader of a minute).
        let computed = timed(&mut || {
            svc::dashboard(&mut conn, &policy, sel, now).expect("overview");
        });
        // As the API and the page answer it once a reader has asked for it: kept,
        // and renewed in the background once it is a minute old.
        recent.compute(&mut conn, &policy, sel, now).expect("overview");
        let served = timed(&mut || {
            recent.overview(&mut conn, &policy, sel, now).expect("overview");
        });
        println!(
            "overview {name}: claimed={} paid={} first-order cases={} median={:?} computed: {computed} served: {served}",
            d.stages.claimed, d.stages.paid, d.timing.claim_to_first_order.cases,
            d.timing.claim_to_first_order.median
        );
    }
    // The searched lists (the API's and the pages' work lists: what a search, a state,
    // an order and a page cost), as staff ask them.
    {
        use hechuang::domain::listing::{Filter, Sort};
        use hechuang::services::orders::{self as order_svc, OrderQuery, Party};
        use hechuang::services::{firms, providers, redemptions, settlement, vouchers, Page};
        let c: &mut db::DbConnection = &mut conn;
        let first = Page { page: 1, per_page: 20 };
        let mid = a.firms / 2;
        let firm_code = common::credit_code("MA", mid).to_string();
        let firm_name = format!("基准企业{mid:06}");
        let order_no = format!("DDBENCH{:012}", a.orders / 2);
        let provider_name = format!("基准服务机构{:05}", a.providers / 2);
        fn words<S>(w: &str) -> Filter<S> {
            Filter { words: Some(w.to_string()), ..Filter::default() }
        }
        let oq = |q: Option<&str>| OrderQuery { q: q.map(str::to_string), ..Default::default() };
        type Asked = Box<dyn FnMut(&mut db::DbConnection) -> i64>;
        let mut lists: Vec<(String, Asked)> = Vec::new();
        let p = policy.clone();
        lists.push((
            "orders: newest, first page".into(),
            Box::new(move |c| {
                order_svc::search(c, &p, Party::Staff, &oq(None), first).expect("orders").total
            }),
        ));
        let p = policy.clone();
        lists.push((
            "orders: confirmed, largest first".into(),
            Box::new(move |c| {
                let q = OrderQuery {
                    status: Some("confirmed".into()),
                    sort: Some("largest".into()),
                    ..Default::default()
                };
                order_svc::search(c, &p, Party::Staff, &q, first).expect("orders").total
            }),
        ));
        let p = policy.clone();
        lists.push((
            "orders: page 100".into(),
            Box::new(move |c| {
                order_svc::search(c, &p, Party::Staff, &oq(None), Page { page: 100, per_page: 20 })
                    .expect("orders")
                    .total
            }),
        ));
        let (p, w) = (policy.clone(), order_no.clone());
        lists.push((
            "orders: an order number".into(),
            Box::new(move |c| {
                order_svc::search(c, &p, Party::Staff, &oq(Some(&w)), first).expect("orders").total
            }),
        ));
        let (p, w) = (policy.clone(), firm_code.clone());
        lists.push((
            "orders: a firm's credit code".into(),
            Box::new(move |c| {
                order_svc::search(c, &p, Party::Staff, &oq(Some(&w)), first).expect("orders").total
            }),
        ));
        let (p, w) = (policy.clone(), firm_name.clone());
        lists.push((
            "orders: part of a firm's name".into(),
            Box::new(move |c| {
                order_svc::search(c, &p, Party::Staff, &oq(Some(&w)), first).expect("orders").total
            }),
        ));
        let (p, w) = (policy.clone(), provider_name.clone());
        lists.push((
            "orders: part of a provider's name".into(),
            Box::new(move |c| {
                order_svc::search(c, &p, Party::Staff, &oq(Some(&w)), first).expect("orders").total
            }),
        ));
        let p = policy.clone();
        lists.push((
            "orders: a word in every name".into(),
            Box::new(move |c| {
                order_svc::search(c, &p, Party::Staff, &oq(Some("基准")), first)
                    .expect("orders")
                    .total
            }),
        ));
        let (p, day) = (policy.clone(), s.busy_day.clone());
        lists.push((
            "orders: placed on one day".into(),
            Box::new(move |c| {
                let q = OrderQuery {
                    from: Some(day.clone()),
                    to: Some(day.clone()),
                    ..Default::default()
                };
                order_svc::search(c, &p, Party::Staff, &q, first).expect("orders").total
            }),
        ));
        let p = policy.clone();
        lists.push((
            "redemption items: paid, newest".into(),
            Box::new(move |c| {
                let f = Filter {
                    status: Some(RedemptionStatus::Paid),
                    sort: Sort::Newest,
                    ..Filter::default()
                };
                redemptions::items(c, &p, Party::Staff, &f, first).expect("items").total
            }),
        ));
        let (p, w) = (policy.clone(), firm_name.clone());
        lists.push((
            "redemption items: paid, part of a firm's name".into(),
            Box::new(move |c| {
                let f = Filter { status: Some(RedemptionStatus::Paid), ..words(&w) };
                redemptions::items(c, &p, Party::Staff, &f, first).expect("items").total
            }),
        ));
        let p = policy.clone();
        lists.push((
            "redemption items: paid, a word in every name".into(),
            Box::new(move |c| {
                let f = Filter { status: Some(RedemptionStatus::Paid), ..words("基准") };
                redemptions::items(c, &p, Party::Staff, &f, first).expect("items").total
            }),
        ));
        let (p, w) = (policy.clone(), order_no.clone());
        lists.push((
            "redemption items: paid, an order number".into(),
            Box::new(move |c| {
                let f = Filter { status: Some(RedemptionStatus::Paid), ..words(&w) };
                redemptions::items(c, &p, Party::Staff, &f, first).expect("items").total
            }),
        ));
        lists.push((
            "firms: newest".into(),
            Box::new(move |c| firms::list(c, &Filter::default(), first).expect("firms").total),
        ));
        lists.push((
            "firms: by name".into(),
            Box::new(move |c| {
                let f = Filter { sort: Sort::Name, ..Filter::default() };
                firms::list(c, &f, first).expect("firms").total
            }),
        ));
        let w = firm_name.clone();
        lists.push((
            "firms: part of a name".into(),
            Box::new(move |c| firms::list(c, &words(&w), first).expect("firms").total),
        ));
        lists.push((
            "firms: a word in every name".into(),
            Box::new(move |c| firms::list(c, &words("基准企业05"), first).expect("firms").total),
        ));
        let w = firm_code.clone();
        lists.push((
            "firms: a credit code".into(),
            Box::new(move |c| firms::list(c, &words(&w), first).expect("firms").total),
        ));
        lists.push((
            "vouchers: newest".into(),
            Box::new(move |c| {
                vouchers::list(c, &Filter::default(), first).expect("vouchers").total
            }),
        ));
        let w = format!("BENCH-01-{mid:06}");
        lists.push((
            "vouchers: a voucher's code".into(),
            Box::new(move |c| vouchers::list(c, &words(&w), first).expect("vouchers").total),
        ));
        let w = firm_name.clone();
        lists.push((
            "vouchers: part of a firm's name".into(),
            Box::new(move |c| vouchers::list(c, &words(&w), first).expect("vouchers").total),
        ));
        let w = provider_name.clone();
        lists.push((
            "providers: part of a name".into(),
            Box::new(move |c| providers::list(c, &words(&w), first).expect("providers").total),
        ));
        let w = provider_name.clone();
        lists.push((
            "payouts: part of a payee's name".into(),
            Box::new(move |c| settlement::payouts(c, &words(&w), first).expect("payouts").total),
        ));
        for (name, f) in &mut lists {
            let found = f(c);
            let mut ms = Vec::with_capacity(a.repeat);
            for _ in 0..a.repeat {
                let t = Instant::now();
                f(c);
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            ms.sort_by(f64::total_cmp);
            println!(
                "list {name}: found={found} p50_ms={:.1} p99_ms={:.1} max_ms={:.1}",
                percentile(&ms, 50),
                percentile(&ms, 99),
                ms.last().copied().unwrap_or_default()
            );
        }
    }
    // The public summary is each programme's overview (here: "the programme").
    drop(conn);
    drop(pool);
    if let Some((base, name)) = drop_pg {
        let mut admin = diesel::PgConnection::establish(&base).expect("PostgreSQL reachable");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .ok();
    }
}
