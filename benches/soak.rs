//! A bounded soak: one `hechuang serve --demo` process under a mixed workload for a
//! fixed time — public pages, firms reading their vouchers and orders, quotes, orders
//! placed and declined, claims, reviewers reading their queues — recording every
//! request's latency and status, and the server's resident memory every 10 seconds.
//!
//!   cargo bench --bench soak -- --minutes 10 --concurrency 16 [--backend postgres]
//!
//! Prints, per minute, requests, error rate (5xx and transport errors), p50/p99 latency
//! and resident memory; ends with the totals. Results go in docs/BENCHMARKS.md.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Hechuang-Demo-2026";

struct Args {
    minutes: u64,
    concurrency: usize,
    backend: String,
}

fn args() -> Args {
    let mut a = Args { minutes: 10, concurrency: 16, backend: "sqlite".into() };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--minutes" => a.minutes = it.next().and_then(|v| v.parse().ok()).unwrap_or(10),
            "--concurrency" => a.concurrency = it.next().and_then(|v| v.parse().ok()).unwrap_or(16),
            "--backend" => a.backend = it.next().unwrap_or_default(),
            "--bench" => {}
            other => eprintln!("ignoring {other}"),
        }
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

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// One request's outcome: when, what, how long, status (0: transport error).
struct Sample {
    at: Duration,
    what: &'static str,
    micros: u64,
    status: u16,
}

#[derive(Clone)]
struct World {
    base: String,
    firm: String,
    provider: String,
    reviewer: String,
    voucher: String,
    item: String,
    batch: String,
}

async fn token(c: &awc::Client, base: &str, user: &str) -> String {
    let mut r = c
        .post(format!("{base}/api/v1/auth/login"))
        .send_json(&json!({"username": user, "password": PASSWORD}))
        .await
        .expect("login");
    let v: Value = r.json().await.expect("login body");
    v["access_token"].as_str().expect("a token").to_string()
}

async fn get_json(c: &awc::Client, url: &str, tok: &str) -> Value {
    let mut r = c
        .get(url)
        .insert_header(("Authorization", format!("Bearer {tok}")))
        .send()
        .await
        .expect("get");
    r.json().limit(16 << 20).await.unwrap_or(Value::Null)
}

async fn world(c: &awc::Client, base: &str) -> World {
    let (firm, reviewer) = (token(c, base, "firm01").await, token(c, base, "reviewer").await);
    let vouchers = get_json(c, &format!("{base}/api/v1/firm/vouchers"), &firm).await;
    let voucher = vouchers
        .as_array()
        .and_then(|a| a.iter().find(|v| v["status"] == "active"))
        .map(|v| v["id"].as_str().unwrap_or_default().to_string())
        .expect("firm01 holds an active voucher in the demo data");
    // provider01 (a listed patent agency in the demo data) publishes the service ordered.
    let provider = token(c, base, "provider01").await;
    let mut r = c
        .post(format!("{base}/api/v1/provider/services"))
        .insert_header(("Authorization", format!("Bearer {provider}")))
        .send_json(
            &json!({"category": "patent", "title": "专利检索分析", "description": "检索报告",
                           "list_price": "3000.00", "delivery_days": 30}),
        )
        .await
        .expect("publish a service");
    let v: Value = r.json().await.unwrap_or(Value::Null);
    let item = v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("provider01 publishes a service: {v}"))
        .to_string();
    let batches = get_json(c, &format!("{base}/api/v1/batches"), &firm).await;
    let batch = batches
        .as_array()
        .and_then(|a| a.first())
        .map(|b| b["id"].as_str().unwrap_or_default().to_string())
        .expect("a batch");
    World { base: base.into(), firm, provider, reviewer, voucher, item, batch }
}

async fn timed(
    out: &Mutex<Vec<Sample>>,
    start: Instant,
    what: &'static str,
    req: awc::SendClientRequest,
) -> Option<Value> {
    let t = Instant::now();
    let r = req.await;
    let (status, body) = match r {
        Ok(mut res) => {
            let s = res.status().as_u16();
            let b: Value = res.json().limit(16 << 20).await.unwrap_or(Value::Null);
            (s, Some(b))
        }
        Err(_) => (0, None),
    };
    out.lock().unwrap_or_else(|p| p.into_inner()).push(Sample {
        at: start.elapsed(),
        what,
        micros: t.elapsed().as_micros() as u64,
        status,
    });
    body
}

async fn worker(
    c: awc::Client,
    w: World,
    until: Instant,
    start: Instant,
    out: Arc<Mutex<Vec<Sample>>>,
) {
    let b = &w.base;
    let auth = |t: &str| ("Authorization", format!("Bearer {t}"));
    let mut n: u64 = 0;
    while Instant::now() < until {
        n += 1;
        match n % 10 {
            0..=3 => {
                let path = ["/public/redemptions", "/public/certifications", "/batches", "/"]
                    [(n / 10 % 4) as usize];
                timed(&out, start, "page", c.get(format!("{b}{path}")).send()).await;
            }
            4 => {
                timed(
                    &out,
                    start,
                    "firm reads",
                    c.get(format!("{b}/api/v1/firm/vouchers")).insert_header(auth(&w.firm)).send(),
                )
                .await;
                timed(
                    &out,
                    start,
                    "firm reads",
                    c.get(format!("{b}/api/v1/orders")).insert_header(auth(&w.firm)).send(),
                )
                .await;
            }
            5 => {
                let body = json!({"service_item_id": w.item, "voucher_id": w.voucher, "contract_amount": "1000.00"});
                timed(
                    &out,
                    start,
                    "quote",
                    c.post(format!("{b}/api/v1/orders/quote"))
                        .insert_header(auth(&w.firm))
                        .send_json(&body),
                )
                .await;
            }
            6 | 7 => {
                let body = json!({"service_item_id": w.item, "voucher_id": w.voucher, "contract_amount": "1000.00"});
                let o = timed(
                    &out,
                    start,
                    "order",
                    c.post(format!("{b}/api/v1/orders"))
                        .insert_header(auth(&w.firm))
                        .send_json(&body),
                )
                .await;
                if let Some(id) = o.as_ref().and_then(|o| o["id"].as_str()) {
                    timed(
                        &out,
                        start,
                        "decline",
                        c.post(format!("{b}/api/v1/orders/{id}/decline"))
                            .insert_header(auth(&w.provider))
                            .send_json(&json!({"reason": "档期已满"})),
                    )
                    .await;
                }
            }
            8 => {
                timed(
                    &out,
                    start,
                    "claim",
                    c.post(format!("{b}/api/v1/batches/{}/claims", w.batch))
                        .insert_header(auth(&w.firm))
                        .send_json(&json!({})),
                )
                .await;
            }
            _ => {
                timed(
                    &out,
                    start,
                    "review",
                    c.get(format!("{b}/api/v1/redemption-items"))
                        .insert_header(auth(&w.reviewer))
                        .send(),
                )
                .await;
                timed(
                    &out,
                    start,
                    "review",
                    c.get(format!("{b}/api/v1/firms?status=submitted"))
                        .insert_header(auth(&w.reviewer))
                        .send(),
                )
                .await;
            }
        }
    }
}

/// An error: no answer, a server error, or a refusal of the signed-in clients (whose
/// every request is one they may make).
fn is_error(status: u16) -> bool {
    status == 0 || status >= 500 || status == 401 || status == 403
}

/// Per kind of request: count, errors, latencies (µs), statuses.
type PerKind = (usize, usize, Vec<u64>, BTreeMap<u16, usize>);

fn pct(v: &mut [u64], p: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = match a.backend.as_str() {
        "postgres" => {
            let base = std::env::var("HECHUANG_TEST_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let name = format!("hc_soak_{}", std::process::id());
            let status = Command::new("psql")
                .args([&base, "-qc", &format!("CREATE DATABASE {name}")])
                .status()
                .expect("psql");
            assert!(status.success(), "cannot create {name}");
            let (prefix, _) = base.rsplit_once('/').expect("a database URL");
            format!("{prefix}/{name}")
        }
        _ => format!("sqlite://{}", dir.path().join("soak.db").display()),
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/config");
    let child = Command::new(env!("CARGO_BIN_EXE_hechuang"))
        .args(["serve", "--demo"])
        .env("HECHUANG_CONFIG_DIR", config)
        .env("HECHUANG__DATABASE__URL", &url)
        .env("HECHUANG__DATA__DIR", dir.path().join("data"))
        .env("HECHUANG__SERVER__PORT", port.to_string())
        .env("HECHUANG__LOG__LEVEL", "warn")
        // The clients sign in once: tokens must outlive the soak (15 minutes by default;
        // a 20-minute soak otherwise measures 401s after minute 15).
        .env("HECHUANG__AUTH__ACCESS_TTL_SECS", "86400")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let pid = child.id();
    let _server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    let out: Arc<Mutex<Vec<Sample>>> = Arc::new(Mutex::new(Vec::new()));
    let rss: Arc<Mutex<Vec<(u64, u64)>>> = Arc::new(Mutex::new(Vec::new()));
    actix_web::rt::System::new().block_on(async {
        let c = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
        for _ in 0..200 {
            if c.get(format!("{base}/ready")).send().await.is_ok_and(|r| r.status() == 200) {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        let w = world(&c, &base).await;
        let start = Instant::now();
        let until = start + Duration::from_secs(a.minutes * 60);
        let sampler = {
            let rss = rss.clone();
            actix_web::rt::spawn(async move {
                while Instant::now() < until {
                    rss.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((start.elapsed().as_secs(), rss_kib(pid)));
                    actix_web::rt::time::sleep(Duration::from_secs(10)).await;
                }
            })
        };
        let mut hs = Vec::new();
        for _ in 0..a.concurrency {
            hs.push(actix_web::rt::spawn(worker(c.clone(), w.clone(), until, start, out.clone())));
        }
        for h in hs {
            let _ = h.await;
        }
        let _ = sampler.await;
    });
    let samples = out.lock().unwrap_or_else(|p| p.into_inner());
    let rss = rss.lock().unwrap_or_else(|p| p.into_inner());
    println!("soak: {} min, {} workers, {} backend", a.minutes, a.concurrency, a.backend);
    println!("minute  requests  errors  p50_ms  p99_ms  rss_mib");
    for m in 0..a.minutes {
        let in_m: Vec<&Sample> = samples.iter().filter(|s| s.at.as_secs() / 60 == m).collect();
        let errors = in_m.iter().filter(|s| is_error(s.status)).count();
        let mut lat: Vec<u64> = in_m.iter().map(|s| s.micros).collect();
        let mem = rss.iter().filter(|(t, _)| t / 60 == m).map(|(_, k)| *k).max().unwrap_or(0);
        println!(
            "{:>6}  {:>8}  {:>6}  {:>6.1}  {:>6.1}  {:>7.1}",
            m + 1,
            in_m.len(),
            errors,
            pct(&mut lat, 0.5) as f64 / 1000.0,
            pct(&mut lat, 0.99) as f64 / 1000.0,
            mem as f64 / 1024.0
        );
    }
    let mut by: BTreeMap<&str, PerKind> = BTreeMap::new();
    for s in samples.iter() {
        let e = by.entry(s.what).or_default();
        e.0 += 1;
        if is_error(s.status) {
            e.1 += 1;
        }
        e.2.push(s.micros);
        *e.3.entry(s.status).or_default() += 1;
    }
    println!("request     count  errors  p50_ms  p99_ms  statuses");
    for (what, (n, err, mut lat, statuses)) in by {
        println!(
            "{what:<10} {n:>6}  {err:>6}  {:>6.1}  {:>6.1}  {statuses:?}",
            pct(&mut lat, 0.5) as f64 / 1000.0,
            pct(&mut lat, 0.99) as f64 / 1000.0
        );
    }
    let total_err = samples.iter().filter(|s| is_error(s.status)).count();
    println!(
        "total: {} requests, {} errors ({:.3}%), rss first {:.1} MiB, last {:.1} MiB, max {:.1} MiB",
        samples.len(),
        total_err,
        100.0 * total_err as f64 / samples.len().max(1) as f64,
        rss.first().map_or(0, |r| r.1) as f64 / 1024.0,
        rss.last().map_or(0, |r| r.1) as f64 / 1024.0,
        rss.iter().map(|r| r.1).max().unwrap_or(0) as f64 / 1024.0
    );
}
