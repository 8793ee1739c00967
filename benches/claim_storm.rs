//! Claim-storm load generator (not a timed test; results go to docs/BENCHMARKS.md).
//!
//! It prepares a fresh database (programme, batch, N onboarded firms with users),
//! signs every firm in beforehand (tokens minted with the server's key), starts the
//! real `hechuang serve` binary, and fires one claim per firm over HTTP on loopback,
//! starting just before the batch opens. It reports claims and refusals per second,
//! latency percentiles and the server's peak resident memory.
//!
//!   cargo bench --bench claim_storm -- --backend sqlite --firms 100000 --vouchers 100000 --mode batched
//!   cargo bench --bench claim_storm -- --backend postgres --firms 20000 --vouchers 534 --mode naive
//!
//! PostgreSQL runs use HECHUANG_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres)
//! and create a database named hc_bench_*.

use chrono::{Duration as CDuration, Utc};
use diesel::{Connection, RunQueryDsl};
use hechuang::db::models::{BatchRow, FirmRow, ProgrammeRow, UserRow};
use hechuang::db::schema::{firms, users};
use hechuang::db::{self, DbConnection};
use hechuang::domain::credit_code::make_code;
use hechuang::domain::id::{BatchId, FirmId, ProgrammeId};
use hechuang::domain::new_id;
use hechuang::domain::party::OnboardingStatus;
use hechuang::domain::Fen;
use hechuang::services::auth::Claims;
use std::cell::{Cell, RefCell};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

const SECRET: &str = "benchmark-secret-benchmark-secret-0123456789";
const FACE_FEN: i64 = 5_000_000; // 50,000.00 yuan

struct Args {
    backend: String,
    firms: usize,
    vouchers: usize,
    mode: String,
    concurrency: usize,
    lead_ms: u64,
}

fn args() -> Args {
    let mut a = Args {
        backend: "sqlite".into(),
        firms: 20_000,
        vouchers: 534,
        mode: "batched".into(),
        concurrency: 256,
        lead_ms: 300,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let val = v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--backend" => a.backend = val,
            "--firms" => a.firms = val.parse().expect("--firms N"),
            "--vouchers" => a.vouchers = val.parse().expect("--vouchers N"),
            "--mode" => a.mode = val,
            "--concurrency" => a.concurrency = val.parse().expect("--concurrency N"),
            "--lead-ms" => a.lead_ms = val.parse().expect("--lead-ms N"),
            "--bench" => {
                i += 1;
                continue;
            }
            "--help" | "-h" => {
                println!("--backend sqlite|postgres --firms N --vouchers N --mode batched|naive --concurrency N --lead-ms N");
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A keep-alive HTTP/1.1 connection that sends prepared requests and reads each
/// response by its Content-Length. A load generator should cost far less than the
/// server it measures; a general client spends more per request than the claim itself.
struct Conn {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: &str) -> std::io::Result<Conn> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn { stream, buf: Vec::with_capacity(4096) })
    }

    /// Sends one request; returns the status and the body.
    async fn request(&mut self, req: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.stream.write_all(req).await?;
        self.buf.clear();
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end])
                    .map_err(|_| std::io::Error::other("head not UTF-8"))?;
                let status: u16 = head
                    .get(9..12)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| std::io::Error::other("status line"))?;
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())
                            .flatten()
                    })
                    .unwrap_or(0);
                let body_start = end + 4;
                while self.buf.len() < body_start + len {
                    if self.stream.read_buf(&mut self.buf).await? == 0 {
                        return Err(std::io::Error::other("closed mid-body"));
                    }
                }
                return Ok((status, self.buf[body_start..body_start + len].to_vec()));
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Err(std::io::Error::other("closed"));
            }
        }
    }
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn prepare(url: &str, a: &Args, opens_at: chrono::NaiveDateTime) -> (String, Vec<String>) {
    let pool = db::build_pool(url, 2, 5000, Duration::from_secs(10)).expect("pool");
    let mut conn = pool.get().expect("conn");
    db::run_migrations(&mut conn).expect("migrations");
    let now = Utc::now().naive_utc();
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
        budget_fen: Fen::new(FACE_FEN * i64::try_from(a.vouchers).unwrap()),
        claimed_fen: Fen::new(0),
        vouchers_claimed: 0,
        face_values: FACE_FEN.to_string(),
        opens_at,
        closes_at: opens_at + CDuration::hours(2),
        allocation_mode: hechuang::domain::voucher::AllocationMode::FirstCome,
        published: true,
        created_by: None,
        created_at: now,
        updated_at: now,
    };
    db::vouchers::insert_programme(&mut conn, &programme).unwrap();
    db::vouchers::insert_batch(&mut conn, &batch).unwrap();
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let mut tokens = Vec::with_capacity(a.firms);
    let c: &mut DbConnection = &mut conn;
    for chunk_start in (0..a.firms).step_by(500) {
        let end = (chunk_start + 500).min(a.firms);
        let mut fs = Vec::new();
        let mut us = Vec::new();
        for i in chunk_start..end {
            let id = FirmId::new();
            fs.push(FirmRow {
                id: id.clone(),
                credit_code: hechuang::domain::CreditCode::stored(
                    make_code("91", "340100", &format!("MB{i:06}")).unwrap(),
                ),
                name: format!("firm {i}"),
                legal_representative: "x".into(),
                actual_controller: format!("c{i}"),
                registered_on: chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap(),
                address: "x".into(),
                contact_name: "x".into(),
                contact_phone: "0551-65550000".into(),
                contact_email: "x@example.cn".into(),
                industry: "software_it".into(),
                employees: 12,
                revenue_fen: Fen::new(80_000_000),
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
            });
            let user = UserRow::new_account(
                format!("bench{i}"),
                "x".into(),
                hechuang::domain::Role::Firm,
                Some(hechuang::domain::id::AnyParty::Firm(id.clone())),
                "x".into(),
                None,
                now,
            );
            let uid = user.id.to_string();
            us.push(user);
            let iat = now.and_utc().timestamp();
            let claims = Claims {
                sub: uid,
                role: "firm".into(),
                party_kind: Some("firm".into()),
                party: Some(id.into_string()),
                ver: 0,
                iat,
                exp: iat + 7200,
                jti: new_id(),
                sid: None,
            };
            tokens.push(
                jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap(),
            );
        }
        match c {
            DbConnection::Pg(pg) => {
                diesel::insert_into(firms::table).values(&fs).execute(pg).unwrap();
                diesel::insert_into(users::table).values(&us).execute(pg).unwrap();
            }
            DbConnection::Sqlite(s) => {
                s.transaction(|s| {
                    diesel::insert_into(firms::table).values(&fs).execute(s)?;
                    diesel::insert_into(users::table).values(&us).execute(s)
                })
                .unwrap();
            }
        }
    }
    (batch.id.into_string(), tokens)
}

#[derive(Default)]
struct Tally {
    claimed: u64,
    sold_out: u64,
    not_open: u64,
    other: u64,
    latencies_us: Vec<u64>,
    first_claim: Option<Instant>,
    last_claim: Option<Instant>,
    first_sold_out: Option<Instant>,
    last_sold_out: Option<Instant>,
}

fn main() {
    let a = args();
    let dir = tempfile::tempdir().unwrap();
    let url = match a.backend.as_str() {
        "sqlite" => format!("sqlite://{}", dir.path().join("bench.db").display()),
        "postgres" => {
            let base = std::env::var("HECHUANG_TEST_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let name = format!("hc_bench_{}", uuid::Uuid::new_v4().simple());
            let mut admin = diesel::PgConnection::establish(&base).expect("PostgreSQL reachable");
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
            format!("{}/{name}", base.rsplit_once('/').unwrap().0)
        }
        other => panic!("unknown backend {other}"),
    };
    let setup_started = Instant::now();
    let opens_at = Utc::now() + CDuration::seconds(3600);
    let (batch_id, tokens) = prepare(&url, &a, opens_at.naive_utc());
    eprintln!("prepared {} firms in {:.1}s", a.firms, setup_started.elapsed().as_secs_f64());

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_hechuang"))
            .arg("serve")
            .env("HECHUANG_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/config"))
            .env("HECHUANG__DATABASE__URL", &url)
            .env("HECHUANG__DATABASE__POOL_SIZE", "8")
            .env("HECHUANG__SERVER__PORT", port.to_string())
            .env("HECHUANG__AUTH__JWT_SECRET", SECRET)
            .env(
                "HECHUANG__LOG__LEVEL",
                std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            // The claim transaction writes each firm's email to the outbox (measured
            // here); sending them is the dispatch job's, off during the storm.
            .env("HECHUANG__JOBS__ENABLED", "false")
            .env("HECHUANG__MAIL__TRANSPORT", "memory")
            .env("HECHUANG__CLAIMS__MODE", &a.mode)
            .stdout(match std::env::var("BENCH_SERVER_LOG_FILE") {
                Ok(f) => Stdio::from(std::fs::File::create(f).expect("log file")),
                Err(_) => Stdio::null(),
            })
            .stderr(Stdio::inherit())
            .spawn()
            .expect("server starts"),
    );
    let pid = server.0.id();

    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async move {
        let addr = format!("127.0.0.1:{port}");
        for _ in 0..200 {
            if let Ok(mut conn) = Conn::open(&addr).await {
                if conn
                    .request(b"GET /ready HTTP/1.1\r\nHost: bench\r\n\r\n")
                    .await
                    .is_ok_and(|(s, _)| s == 200)
                {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Move the opening to `lead_ms` from now, so the storm starts just before it.
        let opens = Utc::now() + CDuration::milliseconds(i64::try_from(a.lead_ms).unwrap());
        {
            let pool = db::build_pool(&url, 1, 5000, Duration::from_secs(10)).unwrap();
            let mut c = pool.get().unwrap();
            let mut b = db::vouchers::batch(
                &mut c,
                &hechuang::domain::id::BatchId::parse(&batch_id).unwrap(),
            )
            .unwrap()
            .unwrap();
            b.opens_at = opens.naive_utc();
            db::vouchers::update_batch(&mut c, &b).unwrap();
        }
        let opened = Instant::now() + (opens - Utc::now()).to_std().unwrap_or_default();
        // Each firm's request, ready to write.
        let requests: Rc<Vec<Vec<u8>>> = Rc::new(
            tokens
                .iter()
                .map(|t| {
                    format!(
                        "POST /api/v1/batches/{batch_id}/claims HTTP/1.1\r\nHost: bench\r\n\
                         Authorization: Bearer {t}\r\nContent-Length: 0\r\n\r\n"
                    )
                    .into_bytes()
                })
                .collect(),
        );
        drop(tokens);
        let next = Rc::new(Cell::new(0usize));
        let tally = Rc::new(RefCell::new(Tally::default()));
        let started = Instant::now();
        let mut workers = Vec::new();
        let local = tokio::task::LocalSet::new();
        for _ in 0..a.concurrency {
            let (addr, requests, next, tally) =
                (addr.clone(), requests.clone(), next.clone(), tally.clone());
            workers.push(local.spawn_local(async move {
                let mut conn: Option<Conn> = None;
                loop {
                    let i = next.get();
                    if i >= requests.len() {
                        break;
                    }
                    next.set(i + 1);
                    // One firm: press, and press again while the batch is not yet open.
                    loop {
                        let t0 = Instant::now();
                        if conn.is_none() {
                            conn = Conn::open(&addr).await.ok();
                        }
                        let res = match conn.as_mut() {
                            Some(c) => c.request(&requests[i]).await,
                            None => Err(std::io::Error::other("connect")),
                        };
                        let t1 = Instant::now();
                        let (status, body) = match res {
                            Ok(r) => r,
                            Err(_) => {
                                conn = None;
                                (0, Vec::new())
                            }
                        };
                        let not_yet_open = {
                            let mut t = tally.borrow_mut();
                            t.latencies_us
                                .push(u64::try_from((t1 - t0).as_micros()).unwrap_or(u64::MAX));
                            if status == 201 {
                                t.claimed += 1;
                                t.first_claim.get_or_insert(t1);
                                t.last_claim = Some(t1);
                                false
                            } else if body.windows(14).any(|w| w == b"batch_sold_out") {
                                t.sold_out += 1;
                                t.first_sold_out.get_or_insert(t1);
                                t.last_sold_out = Some(t1);
                                false
                            } else if body.windows(14).any(|w| w == b"batch_not_open") {
                                t.not_open += 1;
                                true
                            } else {
                                t.other += 1;
                                false
                            }
                        };
                        if not_yet_open {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                            continue;
                        }
                        break;
                    }
                }
            }));
        }
        local.await;
        for w in workers {
            let _ = w.await;
        }
        let total = started.elapsed();
        let mut t = tally.borrow_mut();
        t.latencies_us.sort_unstable();
        let pct = |p: f64| {
            t.latencies_us
                .get(((t.latencies_us.len() as f64 - 1.0) * p) as usize)
                .copied()
                .unwrap_or(0) as f64
                / 1000.0
        };
        let since_open = |x: Option<Instant>| {
            x.map(|x| x.saturating_duration_since(opened).as_secs_f64()).unwrap_or(0.0)
        };
        let claim_window = since_open(t.last_claim).max(1e-6);
        let sold_window = t
            .first_sold_out
            .zip(t.last_sold_out)
            .map(|(a, b)| (b - a).as_secs_f64())
            .unwrap_or(0.0)
            .max(1e-6);
        println!(
            "| {} | {} | {} | {} | {} | {:.0} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {:.1} |",
            a.backend,
            a.mode,
            a.firms,
            a.vouchers,
            t.claimed,
            t.claimed as f64 / claim_window,
            t.sold_out,
            if t.sold_out > 0 { t.sold_out as f64 / sold_window } else { 0.0 },
            pct(0.5),
            pct(0.99),
            pct(1.0),
            t.other,
            peak_rss_kib(pid) as f64 / 1024.0,
        );
        eprintln!(
            "requests {} in {:.2}s (not-yet-open answers {}), claims done {:.2}s after opening",
            t.latencies_us.len(),
            total.as_secs_f64(),
            t.not_open,
            claim_window
        );
    });
    drop(server);
}
