//! spawn_app(): the real application on a random port with a fresh database —
//! a SQLite file by default, a new PostgreSQL database when TEST_DATABASE_URL is set.

use awc::http::StatusCode;
use chrono::Utc;
use diesel::{Connection, RunQueryDsl};
use hechuang::clock::Clock;
use hechuang::config::Settings;
use hechuang::db::{DbConnection, Pool};
use hechuang::domain::credit_code::make_code;
use hechuang::domain::Role;
use hechuang::services::{self, auth::AuthConfig, Actor};
use hechuang::startup::Application;
use secrecy::SecretString;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

pub const PASSWORD: &str = "Test-Password-2026";

pub struct TestApp {
    pub addr: String,
    pub clock: Clock,
    pub pool: Pool,
    pub db_url: String,
    pub client: awc::Client,
    /// The app's job runner (and through it the in-memory mail transport).
    pub jobs: std::sync::Arc<hechuang::jobs::Runner>,
    /// The test's own directory (its SQLite database and data directory).
    pub dir: tempfile::TempDir,
    /// Whether dropping the app verifies the ledger and the audit chain (see `Drop`).
    verify_on_drop: std::sync::atomic::AtomicBool,
}

/// When a test ends, whatever it did must have left the money and the audit trail
/// whole: the ledger balances and agrees with every record, and the audit chain
/// verifies. A test that passed fails here otherwise. (Not when the test is already
/// failing, nor for a second server on the first one's database, which the first
/// checks; a test that damages either on purpose says so with `damaged_on_purpose`.)
impl Drop for TestApp {
    fn drop(&mut self) {
        if std::thread::panicking() || !self.verify_on_drop.load(Ordering::SeqCst) {
            return;
        }
        let mut conn = self.pool.get().expect("a connection to verify the ledger");
        let ledger = services::ledger::verify(&mut conn).expect("ledger verify runs");
        assert!(
            ledger.ok,
            "the test left the ledger differing from the records: {:#?}",
            ledger.differences
        );
        let audit = services::audit::verify(&mut conn).expect("audit verify runs");
        assert!(audit.ok, "the test left the audit chain broken: {:?}", audit.first_broken);
    }
}

/// A port nothing listens on now, for a server process started by a test.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn config_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
}

pub fn test_settings() -> Settings {
    Settings::load(&config_dir(), Some("test")).expect("test settings load")
}

/// A fresh database URL: a new Postgres database when TEST_DATABASE_URL is set.
pub fn fresh_database(dir: &tempfile::TempDir) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => fresh_pg_database(&base),
        _ => format!("sqlite://{}", dir.path().join("test.db").display()),
    }
}

/// Creates a new, empty database on the PostgreSQL server behind `base`.
pub fn fresh_pg_database(base: &str) -> String {
    let name = format!("hc_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin =
        diesel::PgConnection::establish(base).expect("connect to the PostgreSQL test server");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create test database");
    let (prefix, _) = base.rsplit_once('/').expect("database URL has a path");
    format!("{prefix}/{name}")
}

/// Switches the scheduler on with only the given jobs scheduled (cron expressions).
pub fn only_scheduled(s: &mut Settings, jobs: &[(&str, &str)]) {
    s.jobs.enabled = true;
    for v in s.jobs.schedules.values_mut() {
        *v = "off".into();
    }
    for (job, cron) in jobs {
        s.jobs.schedules.insert(job.to_string(), cron.to_string());
    }
}

pub fn is_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(None, tweak).await
}

/// A second server instance on an existing app's database (its own pool, engine and memory).
pub async fn spawn_second(first: &TestApp) -> TestApp {
    spawn_app_on(Some(first.db_url.clone()), |_| {}).await
}

async fn spawn_app_on(db: Option<String>, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let own_database = db.is_none();
    if let Ok(level) = std::env::var("TEST_LOG") {
        hechuang::startup::init_telemetry(&level, "pretty");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut settings = test_settings();
    let db_url = db.unwrap_or_else(|| fresh_database(&dir));
    settings.database.url = SecretString::from(db_url.clone());
    settings.database.pool_size = 4;
    settings.server.host = "127.0.0.1".into();
    settings.server.port = 0;
    settings.server.workers = Some(1);
    settings.data.dir = dir.path().join("data");
    tweak(&mut settings);
    let clock = Clock::fixed(Utc::now());
    let app = Application::build(&settings, &config_dir(), clock.clone())
        .await
        .expect("application builds");
    let addr = app.url();
    let pool = app.pool.clone();
    let jobs = app.jobs.clone();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        addr,
        clock,
        pool,
        db_url,
        jobs,
        client: awc::Client::builder()
            // Reuse an idle connection only well within the server's 5 s keep-alive,
            // or a long test may send on a connection the server has just closed.
            .connector(awc::Connector::new().conn_keep_alive(std::time::Duration::from_secs(2)))
            .timeout(std::time::Duration::from_secs(60))
            .finish(),
        dir,
        verify_on_drop: own_database.into(),
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
    pub headers: awc::http::header::HeaderMap,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

fn header_str(h: &awc::http::header::HeaderMap, name: &str) -> String {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// A message of the error table whose `{place}` no caller filled.
fn has_unfilled_place(text: &str) -> bool {
    text.split('{').skip(1).any(|rest| {
        rest.split_once('}').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
    })
}

static CODES: AtomicU32 = AtomicU32::new(1);

/// A new valid credit code, distinct within this test process.
pub fn new_credit_code() -> String {
    let n = CODES.fetch_add(1, Ordering::SeqCst) + std::process::id() % 1000 * 10_000;
    make_code("91", "340100", &format!("MA{:06}", n % 1_000_000)).expect("valid code")
}

impl TestApp {
    /// For a test that damages the ledger or the audit trail on purpose: dropping the
    /// app does not verify them.
    pub fn damaged_on_purpose(&self) {
        self.verify_on_drop.store(false, Ordering::SeqCst);
    }

    /// Moves the clock to a minute past the end of the current month (China time) and
    /// gives that month: a settlement run pays months that have ended. Tokens taken
    /// before are then expired.
    pub fn end_the_month(&self) -> String {
        let period = hechuang::domain::settlement::Period::of(self.clock.now());
        self.clock.advance(period.end_utc() - self.clock.now() + chrono::Duration::minutes(1));
        period.to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.addr, path)
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Resp {
        let m = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(m, self.url(path));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        let mut res = match body {
            Some(b) => req.send_json(b).await,
            None => req.send().await,
        }
        .expect("request sent");
        let bytes = res.body().limit(10 * 1024 * 1024).await.expect("body read");
        let content_type = header_str(res.headers(), "content-type");
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        for key in ["detail", "detail_en"] {
            let text = body[key].as_str().unwrap_or_default();
            assert!(
                !has_unfilled_place(text),
                "{method} {path}: a message with a place left unfilled: {text}"
            );
        }
        Resp { status: res.status(), content_type, body, headers: res.headers().clone() }
    }

    /// Posts raw bytes (an upload).
    pub async fn post_bytes(&self, path: &str, token: Option<&str>, bytes: Vec<u8>) -> Resp {
        let mut req = self
            .client
            .post(self.url(path))
            .insert_header(("Content-Type", "application/octet-stream"));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        let mut res = req.send_body(bytes).await.expect("request sent");
        let bytes = res.body().limit(10 * 1024 * 1024).await.expect("body read");
        Resp {
            status: res.status(),
            content_type: header_str(res.headers(), "content-type"),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            headers: res.headers().clone(),
        }
    }

    /// GETs raw bytes (a download): status, headers and the bytes.
    pub async fn get_bytes(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, awc::http::header::HeaderMap, Vec<u8>) {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        let mut res = req.send().await.expect("request sent");
        let bytes = res.body().limit(64 * 1024 * 1024).await.expect("body read");
        (res.status(), res.headers().clone(), bytes.to_vec())
    }

    /// Sends a JSON request on its own task, so several can be released together;
    /// the handle answers (status, body, Retry-After).
    pub fn spawn_send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> actix_web::rt::task::JoinHandle<(u16, Value, Option<String>)> {
        let m = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(m, self.url(path));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        actix_web::rt::spawn(async move {
            let mut res = req.send_json(&body).await.expect("request sent");
            let retry =
                res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
            let body: Value = res.json().limit(1 << 20).await.unwrap_or(Value::Null);
            (res.status().as_u16(), body, retry)
        })
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send("GET", path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.send("POST", path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.send("PUT", path, token, Some(body)).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Resp {
        self.post("/api/v1/auth/login", None, &json!({"username": username, "password": password}))
            .await
    }

    /// Signs in and returns the access token, failing the test otherwise.
    pub async fn token(&self, username: &str) -> String {
        let r = self.login(username, PASSWORD).await;
        assert_eq!(r.status, 200, "login {username}: {}", r.body);
        r.body["access_token"].as_str().expect("access token").to_string()
    }

    /// The raw messages the in-memory transport has sent.
    pub async fn mail_sent(&self) -> Vec<String> {
        self.jobs.transport().sent().await
    }

    /// Runs a job by hand through the admin endpoint (`body` may name the slot).
    pub async fn run_job(&self, admin: &str, job: &str, body: Option<&Value>) -> Resp {
        self.send("POST", &format!("/api/v1/admin/jobs/{job}/runs"), Some(admin), body).await
    }

    /// The outbox, newest first.
    pub fn outbox(&self) -> Vec<hechuang::db::models::OutboxRow> {
        let mut conn = self.conn();
        hechuang::db::outbox::list(&mut conn, &Default::default(), None, 0, 10_000)
            .expect("outbox")
            .0
    }

    pub fn conn(&self) -> hechuang::db::PooledConn {
        self.pool.get().expect("connection")
    }

    /// The context of a use case the system runs now, with the shipped policy and
    /// email templates.
    pub fn system(&self) -> services::Context {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        services::Context {
            now: self.clock.now(),
            actor: Actor::system(),
            policy: std::sync::Arc::new(
                hechuang::config::load_policy(&root.join("policy")).expect("policy"),
            ),
            templates: std::sync::Arc::new(
                hechuang::notify::Templates::load(&root.join("locales"), "zh-CN")
                    .expect("templates"),
            ),
        }
    }

    /// Creates a staff user directly (the way `hechuang user create` does); one that
    /// exists already is kept as it is.
    pub fn staff(&self, username: &str, role: Role) -> String {
        let settings = test_settings();
        let auth = AuthConfig::new(&settings.auth).expect("auth config");
        let mut conn = self.conn();
        if let Some(u) = hechuang::db::users::by_username(&mut conn, username).expect("read") {
            assert_eq!(u.role, role, "{username} exists with another role");
            return u.id.into_string();
        }
        services::users::create_staff(
            &mut conn,
            self.system().cx(),
            &auth,
            &services::users::NewStaffUser {
                username: username.into(),
                password: PASSWORD.into(),
                display_name: username.into(),
                email: None,
                role,
            },
        )
        .expect("staff user created")
        .id
        .into_string()
    }

    pub async fn staff_token(&self, username: &str, role: Role) -> String {
        self.staff(username, role);
        self.token(username).await
    }

    /// Registers a firm through the API; returns (firm id, username).
    pub async fn register_firm(&self, username: &str) -> (String, String) {
        let r = self
            .post("/api/v1/registrations/firm", None, &firm_body(username, &new_credit_code()))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        self.verify_contact(&r.body).await;
        (r.body["party"]["id"].as_str().expect("firm id").to_string(), username.to_string())
    }

    pub async fn register_provider(&self, username: &str) -> String {
        let r = self
            .post(
                "/api/v1/registrations/provider",
                None,
                &provider_body(username, &new_credit_code()),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        self.verify_contact(&r.body).await;
        r.body["party"]["id"].as_str().expect("provider id").to_string()
    }

    pub async fn register_space(&self, username: &str) -> String {
        let r = self
            .post("/api/v1/registrations/space", None, &space_body(username, &new_credit_code()))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        self.verify_contact(&r.body).await;
        r.body["party"]["id"].as_str().expect("space id").to_string()
    }

    /// The token of the newest contact verification link emailed to `email` for the
    /// account `username`.
    pub fn verification_token(&self, email: &str, username: &str) -> String {
        let (zh, en) = (format!("用户名 {username}）"), format!("username {username})"));
        let mail = self
            .outbox()
            .into_iter()
            .find(|m| {
                m.kind == "contact_verification"
                    && m.to_address == email
                    && (m.body.contains(&zh) || m.body.contains(&en))
            })
            .unwrap_or_else(|| panic!("no verification link was sent to {email} for {username}"));
        let at = mail.body.find("token=").expect("a link in the mail") + 6;
        mail.body[at..at + 64].to_string()
    }

    /// Follows the verification link a registration (its 201 answer) was sent, as the
    /// applicant would: the application goes to review.
    pub async fn verify_contact(&self, registered: &Value) {
        let email = registered["party"]["contact_email"].as_str().expect("contact email");
        let username = registered["username"].as_str().expect("username");
        let token = self.verification_token(email, username);
        let r = self
            .post("/api/v1/contact-verification", None, &serde_json::json!({ "token": token }))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    /// Drops the contact verification emails still waiting in the outbox, for tests
    /// about the emails that come after (the links were followed already).
    pub fn forget_verification_mail(&self) {
        self.exec("DELETE FROM outbox WHERE kind = 'contact_verification' AND status = 'pending'")
            .expect("outbox cleared of verification links");
    }

    pub fn count(&self, table: &str) -> i64 {
        count_in(&mut self.conn(), table)
    }
    pub fn exec(&self, sql: &str) -> Result<usize, diesel::result::Error> {
        let mut conn = self.conn();
        let c: &mut DbConnection = &mut conn;
        match c {
            DbConnection::Pg(pg) => diesel::sql_query(sql).execute(pg),
            DbConnection::Sqlite(s) => diesel::sql_query(sql).execute(s),
        }
    }
}

pub fn firm_body(username: &str, credit_code: &str) -> Value {
    json!({
        "username": username,
        "password": PASSWORD,
        "credit_code": credit_code,
        "name": format!("合肥{username}科技有限公司"),
        "legal_representative": "张三",
        "actual_controller": "张三",
        "registered_on": "2021-05-10",
        "address": "合肥市高新区望江西路1号",
        "contact_name": "李四",
        "contact_phone": "0551-65551234",
        "contact_email": "contact@example.cn",
        "industry": "software_it",
        "district": "340171",
        "employees": 12,
        "revenue": "800000.00"
    })
}

pub fn provider_body(username: &str, credit_code: &str) -> Value {
    json!({
        "username": username,
        "password": PASSWORD,
        "credit_code": credit_code,
        "name": format!("合肥{username}知识产权代理有限公司"),
        "legal_representative": "王五",
        "actual_controller": "王五",
        "address": "合肥市蜀山区黄山路2号",
        "contact_name": "赵六",
        "contact_phone": "0551-66661234",
        "contact_email": "ip@example.cn",
        "description": "专利申请与布局",
        "categories": ["patent", "ip_trademark"],
        "bank_name": "中国银行合肥分行",
        "bank_account_name": "合肥知识产权代理有限公司",
        "bank_account_no": "184661234567890"
    })
}

pub fn space_body(username: &str, credit_code: &str) -> Value {
    json!({
        "username": username,
        "password": PASSWORD,
        "credit_code": credit_code,
        "name": format!("{username}孵化器"),
        "kind": "incubator",
        "operator_name": "合肥孵化运营有限公司",
        "legal_representative": "孙七",
        "address": "合肥市高新区创新大道3号",
        "contact_name": "周八",
        "contact_phone": "0551-67771234",
        "contact_email": "space@example.cn"
    })
}

/// The rows of `table` as the connection sees them now.
pub fn count_in(c: &mut DbConnection, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let rows: Vec<N> = match c {
        DbConnection::Pg(pg) => {
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).load(pg)
        }
        DbConnection::Sqlite(s) => {
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).load(s)
        }
    }
    .expect("count");
    rows[0].n
}
