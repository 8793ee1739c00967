//! Layered settings: `config/default.toml`, then `config/<profile>.toml`, then
//! `HECHUANG__SECTION__KEY` environment variables. Secrets are wrapped so they never
//! show in logs or `Debug` output.

use crate::domain::{size_class::SizeTable, ListingPolicy, Policy, ServiceCategory};
use figment::providers::{Env, Format, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The development-only JWT secret shipped in `config/default.toml`. The production
/// profile refuses to start with it.
pub const DEV_JWT_SECRET: &str = "dev-only-insecure-jwt-secret-change-me-0123456789";

#[derive(Debug, Deserialize)]
pub struct Settings {
    #[serde(default = "default_profile")]
    pub profile: String,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub policy: PolicySettings,
    pub data: DataSettings,
    pub log: LogSettings,
    pub jobs: JobsSettings,
    pub claims: ClaimSettings,
    pub mail: MailSettings,
    pub texts: TextsSettings,
    /// Who runs this deployment, as every page's header and footer name it.
    pub site: SiteSettings,
}

/// The deployment profile's public face: the authority's name, how to reach it, the
/// site's record line (ICP 备案). Shown on every page; an empty field is left out.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct SiteSettings {
    /// The address people reach the site at, for links in emails (a password reset).
    pub base_url: String,
    pub authority_zh: String,
    pub authority_en: String,
    /// The short name in the header on narrow screens and in page titles.
    pub short_zh: String,
    pub short_en: String,
    /// The office that answers users (for a locked account, a refused application).
    pub office_zh: String,
    pub office_en: String,
    pub phone: String,
    pub email: String,
    pub address_zh: String,
    pub address_en: String,
    /// Office hours, e.g. 工作日 9:00–17:00.
    pub hours_zh: String,
    pub hours_en: String,
    /// The site's record line (e.g. 皖ICP备…号), printed in the footer.
    pub record_line: String,
}

#[derive(Debug, Deserialize)]
pub struct ClaimSettings {
    /// `batched` (the claim engine) or `naive` (one transaction per claim: the benchmark baseline).
    pub mode: ClaimMode,
    /// Most claims settled in one transaction.
    pub max_batch: usize,
    /// Claims that may wait per batch before new ones are turned away (`claim_queue_full`).
    pub queue_capacity: usize,
    /// How long the engine trusts its memory of a batch (window, remaining budget).
    pub memo_ttl_ms: u64,
}

fn default_profile() -> String {
    "default".into()
}

#[derive(Debug, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Upper bound on JSON request bodies, in bytes.
    pub max_body_bytes: usize,
    pub workers: Option<usize>,
}

#[derive(Debug, Deserialize)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub url: SecretString,
    pub pool_size: u32,
    pub busy_timeout_ms: u32,
    pub connect_timeout_secs: u64,
    /// SQLite only: how often the server copies the write-ahead log into the database
    /// (a PASSIVE checkpoint) on a background thread, in milliseconds. The claim writer
    /// then never stops to checkpoint (it would by itself every 1,000 pages, which cost
    /// about 40% of its time in the claim storm). 0 leaves checkpoints to SQLite.
    pub sqlite_checkpoint_ms: u64,
    /// SQLite only: `full` (the default: an acknowledged commit survives power failure)
    /// or `normal` (faster; the last commits may be lost when the machine loses power).
    #[serde(default = "default_sqlite_sync")]
    pub sqlite_synchronous: crate::db::SqliteSync,
    /// SQLite only: `/ready` fails while the file system holding the database has less
    /// free space than this (a full disk fails writes that a small probe would not show).
    #[serde(default = "default_min_free")]
    pub sqlite_min_free_bytes: u64,
}

fn default_min_free() -> u64 {
    32 * 1024 * 1024
}

fn default_sqlite_sync() -> crate::db::SqliteSync {
    crate::db::SqliteSync::Full
}

#[derive(Debug, Deserialize)]
pub struct AuthSettings {
    pub jwt_secret: SecretString,
    pub access_ttl_secs: i64,
    pub refresh_ttl_secs: i64,
    /// Failed sign-ins per account within the window before the account is locked.
    pub max_failures_per_account: i64,
    /// Failed sign-ins per remote address within the window before it is throttled.
    pub max_failures_per_address: i64,
    pub failure_window_secs: i64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// How often each process reads sign-in state changes made by other processes.
    pub user_state_poll_ms: u64,
}

#[derive(Debug, Deserialize)]
pub struct PolicySettings {
    pub dir: PathBuf,
    /// The certification schemes in force in this deployment (codes of files under
    /// `certification/`); empty: every one shipped.
    #[serde(default)]
    pub schemes: Vec<String>,
    /// The subsidy policies in force (codes in `subsidies.toml`); empty: every one
    /// shipped that covers a scheme in force.
    #[serde(default)]
    pub subsidies: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct DataSettings {
    pub dir: PathBuf,
    /// The largest evidence file accepted, in bytes.
    pub max_upload_bytes: u64,
    /// An upload whose body has not arrived in full within this many seconds is refused
    /// (408) and nothing is stored: a client that stops sending holds no worker.
    #[serde(default = "default_upload_timeout")]
    pub upload_timeout_secs: u64,
}

fn default_upload_timeout() -> u64 {
    120
}

#[derive(Debug, Deserialize)]
pub struct LogSettings {
    pub level: String,
    /// `pretty` or `json`.
    pub format: String,
}

#[derive(Debug, Deserialize)]
pub struct JobsSettings {
    /// Run the scheduler in this process. Jobs can still be run by hand (CLI, admin
    /// endpoint) when it is off.
    pub enabled: bool,
    /// The time zone cron expressions are read in (an IANA name).
    pub timezone: String,
    /// How long a stopping server waits for running jobs before recording them as
    /// interrupted, in seconds.
    pub shutdown_grace_secs: u64,
    /// A running job writes a heartbeat this often; a run whose heartbeat is older
    /// than `stale_after_secs` (its process died) is recorded as interrupted.
    pub heartbeat_secs: u64,
    pub stale_after_secs: i64,
    /// Job runs are kept this many days; runs that did nothing, one day.
    pub keep_runs_days: i64,
    /// Sign-in attempts, and refresh tokens after they expire, are kept this many days.
    pub keep_sign_in_records_days: i64,
    /// Cron expressions (seconds first: `sec min hour day month weekday`), by job.
    /// `off` disables a job's schedule.
    pub schedules: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MailTransportKind {
    Smtp,
    File,
    Memory,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required), usually port 587.
    Starttls,
    /// TLS from the first byte, usually port 465.
    Tls,
    /// No encryption: only for a relay on the same host or network.
    None,
}

#[derive(Debug, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// Set it with HECHUANG__MAIL__SMTP__PASSWORD.
    pub password: Option<SecretString>,
    pub timeout_secs: u64,
}

/// Where every word people read is kept (`crate::texts`).
#[derive(Debug, Deserialize)]
pub struct TextsSettings {
    /// `<dir>/<locale>/pages.ftl` and `mail.ftl`; relative to the project root.
    pub dir: PathBuf,
}

#[derive(Debug, Deserialize)]
pub struct MailSettings {
    /// `smtp`, `file` (`.eml` files under `file_dir`) or `memory` (tests).
    pub transport: MailTransportKind,
    /// The sender, e.g. `合创券服务平台 <noreply@example.cn>`.
    pub from: String,
    /// The host name in Message-IDs.
    pub message_id_host: String,
    /// The locale emails are written in; a kind without a message in its `mail.ftl`
    /// falls back to `zh-CN`, then `en`.
    pub locale: String,
    /// Where the file transport writes; relative to `data.dir`.
    pub file_dir: PathBuf,
    /// Sending attempts before a message is marked failed.
    pub max_attempts: i32,
    /// The wait before the n-th retry is `backoff_base_secs × 2^(n-1)`, at most
    /// `backoff_max_secs`.
    pub backoff_base_secs: i64,
    pub backoff_max_secs: i64,
    /// Messages one dispatch run takes on.
    pub batch_size: i64,
    /// How long a dispatch run holds its messages before another may take them.
    pub lease_secs: i64,
    pub smtp: SmtpSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("configuration profile file {0} does not exist")]
    MissingProfile(PathBuf),
    #[error("refusing to start: {0}")]
    Insecure(String),
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("policy file {path}: {msg}")]
    Policy { path: PathBuf, msg: String },
}

impl Settings {
    /// Loads settings from `dir`. The profile comes from the argument, else
    /// `HECHUANG_PROFILE`, else `default` (the embedded development set-up).
    pub fn load(dir: &Path, profile: Option<&str>) -> Result<Settings, ConfigError> {
        Settings::load_over(dir, profile, "")
    }

    /// `load` with `overrides` (TOML) applied last: for tests, which must not change
    /// the process's environment under other tests.
    fn load_over(
        dir: &Path,
        profile: Option<&str>,
        overrides: &str,
    ) -> Result<Settings, ConfigError> {
        let profile = profile
            .map(str::to_string)
            .or_else(|| std::env::var("HECHUANG_PROFILE").ok())
            .unwrap_or_else(default_profile);
        let mut fig = Figment::new().merge(Toml::file(dir.join("default.toml")));
        if profile != "default" {
            let file = dir.join(format!("{profile}.toml"));
            if !file.exists() {
                return Err(ConfigError::MissingProfile(file));
            }
            fig = fig.merge(Toml::file(file));
        }
        fig = fig
            .merge(Env::prefixed("HECHUANG__").split("__"))
            .merge(Toml::string(overrides))
            .merge(("profile", profile));
        let settings: Settings = fig.extract().map_err(Box::new)?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        // Only this machine can reach a server bound to a loopback address.
        fn is_loopback(host: &str) -> bool {
            let h = host.trim().trim_start_matches('[').trim_end_matches(']');
            h.eq_ignore_ascii_case("localhost")
                || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        let secret = self.auth.jwt_secret.expose_secret();
        if self.profile == "production" && secret == DEV_JWT_SECRET {
            return Err(ConfigError::Insecure(
                "the production profile needs its own auth.jwt_secret (set HECHUANG__AUTH__JWT_SECRET); \
                 the development default is public"
                    .into(),
            ));
        }
        if secret == DEV_JWT_SECRET && !is_loopback(&self.server.host) {
            return Err(ConfigError::Insecure(format!(
                "auth.jwt_secret is the development default, which is published in \
                 config/default.toml: anyone could sign tokens for this server. It may only \
                 be used on a loopback address, and server.host is {:?}. Set your own secret \
                 of at least 32 random bytes, e.g. HECHUANG__AUTH__JWT_SECRET=$(openssl rand -hex 32)",
                self.server.host
            )));
        }
        if secret.len() < 32 {
            return Err(ConfigError::Insecure("auth.jwt_secret must be at least 32 bytes".into()));
        }
        if self.auth.access_ttl_secs <= 0 || self.auth.refresh_ttl_secs <= 0 {
            return Err(ConfigError::Invalid("token lifetimes must be positive".into()));
        }
        if self.profile == "production" && self.mail.transport == MailTransportKind::Memory {
            return Err(ConfigError::Invalid(
                "mail.transport = \"memory\" loses every email; production needs smtp or file"
                    .into(),
            ));
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "mail.from {:?} is not an email address (e.g. 名称 <noreply@example.cn>)",
                self.mail.from
            )));
        }
        if self.mail.max_attempts < 1
            || self.mail.backoff_base_secs < 1
            || self.mail.backoff_max_secs < self.mail.backoff_base_secs
            || self.mail.batch_size < 1
            || self.mail.lease_secs < 1
        {
            return Err(ConfigError::Invalid(
                "mail: max_attempts, backoff_base_secs, batch_size and lease_secs must be at least 1, \
                 and backoff_max_secs at least backoff_base_secs"
                    .into(),
            ));
        }
        if !(1..=3600).contains(&self.data.upload_timeout_secs) {
            return Err(ConfigError::Invalid(
                "data.upload_timeout_secs must be between 1 and 3600".into(),
            ));
        }
        if !(1024..=1 << 30).contains(&self.data.max_upload_bytes) {
            return Err(ConfigError::Invalid(
                "data.max_upload_bytes must be between 1 KiB and 1 GiB".into(),
            ));
        }
        if self.jobs.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "jobs.timezone {:?} is not an IANA time zone name",
                self.jobs.timezone
            )));
        }
        if self.jobs.heartbeat_secs == 0
            || self.jobs.stale_after_secs <= self.jobs.heartbeat_secs as i64
        {
            return Err(ConfigError::Invalid(
                "jobs.stale_after_secs must be longer than jobs.heartbeat_secs (at least 1)".into(),
            ));
        }
        if self.database.pool_size == 0 {
            return Err(ConfigError::Invalid("database.pool_size must be at least 1".into()));
        }
        Ok(())
    }

    /// Where the words are: `<dir>/<locale>/pages.ftl` and `mail.ftl` (relative paths
    /// as for `policy_dir`).
    pub fn texts_dir(&self, config_dir: &Path) -> PathBuf {
        if self.texts.dir.is_absolute() {
            self.texts.dir.clone()
        } else {
            config_dir.parent().unwrap_or(Path::new(".")).join(&self.texts.dir)
        }
    }

    /// Where policy files live: relative paths are taken from the configuration
    /// directory's parent (the project root), so the service runs from anywhere.
    pub fn policy_dir(&self, config_dir: &Path) -> PathBuf {
        if self.policy.dir.is_absolute() {
            self.policy.dir.clone()
        } else {
            config_dir.parent().unwrap_or(Path::new(".")).join(&self.policy.dir)
        }
    }
}

fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Policy { path: path.to_path_buf(), msg: e.to_string() })?;
    toml::from_str(&text)
        .map_err(|e| ConfigError::Policy { path: path.to_path_buf(), msg: e.to_string() })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoriesFile {
    categories: Vec<ServiceCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DistrictsFile {
    districts: Vec<crate::domain::District>,
}

/// Loads and checks the policy data under `dir`.
pub fn load_policy(dir: &Path) -> Result<Policy, ConfigError> {
    let sme_path = dir.join("sme_size.toml");
    let sme: SizeTable = read_toml(&sme_path)?;
    sme.validate().map_err(|msg| ConfigError::Policy { path: sme_path, msg })?;
    let cat_path = dir.join("service_categories.toml");
    let cats: CategoriesFile = read_toml(&cat_path)?;
    if cats.categories.is_empty() {
        return Err(ConfigError::Policy { path: cat_path, msg: "no categories".into() });
    }
    let districts_path = dir.join("districts.toml");
    let districts: DistrictsFile = read_toml(&districts_path)?;
    let mut codes: Vec<&str> = districts.districts.iter().map(|d| d.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    if codes.is_empty() || codes.len() != districts.districts.len() {
        return Err(ConfigError::Policy {
            path: districts_path,
            msg: "districts must be listed, each code once".into(),
        });
    }
    let listing_path = dir.join("listing.toml");
    let listing: ListingPolicy = read_toml(&listing_path)?;
    if let Some(unknown) =
        listing.qualified_categories.iter().find(|q| !cats.categories.iter().any(|c| &c.code == *q))
    {
        return Err(ConfigError::Policy {
            path: listing_path,
            msg: format!("qualified_categories names {unknown}, not a service category"),
        });
    }
    let programme: crate::domain::ProgrammeDefaults =
        read_toml(&dir.join("programme_defaults.toml"))?;
    let spending_path = dir.join("spending.toml");
    let spending: crate::domain::SpendingPolicy = read_toml(&spending_path)?;
    if !(1..=90).contains(&spending.redemption_notice_days) || spending.delivery_grace_days > 365 {
        return Err(ConfigError::Policy {
            path: spending_path,
            msg: "redemption_notice_days must be 1–90 and delivery_grace_days at most 365".into(),
        });
    }
    let spot_path = dir.join("spot_checks.toml");
    let spot_checks: crate::domain::spot_check::SpotCheckPolicy = read_toml(&spot_path)?;
    let w = &spot_checks.weights;
    let low = w.low_score_below;
    if !(1..=100).contains(&spot_checks.share_percent)
        || !(1..=90).contains(&spot_checks.answer_days)
        || low < rust_decimal::Decimal::ONE
        || low > rust_decimal::Decimal::from(5)
        || [w.new_provider, w.low_score, w.earlier_findings].iter().any(|t| *t > 20)
    {
        return Err(ConfigError::Policy {
            path: spot_path,
            msg: "share_percent must be 1–100, answer_days 1–90, low_score_below 1–5 and \
                  each weight at most 20"
                .into(),
        });
    }
    let credit_path = dir.join("credit.toml");
    let credit: crate::domain::credit::CreditPolicy = read_toml(&credit_path)?;
    if let Some(msg) = credit.invalid() {
        return Err(ConfigError::Policy { path: credit_path, msg });
    }
    let appeals_path = dir.join("appeals.toml");
    let appeals: crate::domain::appeal::AppealPolicy = read_toml(&appeals_path)?;
    if !(1..=90).contains(&appeals.window_days)
        || !(1..=60).contains(&appeals.deadline_working_days)
    {
        return Err(ConfigError::Policy {
            path: appeals_path,
            msg: "window_days must be 1–90 and deadline_working_days 1–60".into(),
        });
    }
    let certification = load_certification(&dir.join("certification"))?;
    let subsidies_path = dir.join("subsidies.toml");
    let subsidies: crate::domain::subsidy::SubsidyConfig = read_toml(&subsidies_path)?;
    subsidies
        .validate(&certification)
        .map_err(|msg| ConfigError::Policy { path: subsidies_path, msg })?;
    Ok(Policy {
        sme,
        categories: cats.categories,
        districts: districts.districts,
        listing,
        programme,
        spending,
        spot_checks,
        credit,
        appeals,
        certification,
        subsidies,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FiguresFile {
    figures: Vec<crate::domain::certification::FigureDef>,
}

/// The certification figures (`figures.toml`) and every scheme beside it (one file
/// each, named after the scheme's code).
fn load_certification(
    dir: &Path,
) -> Result<crate::domain::certification::CertificationPolicy, ConfigError> {
    use crate::domain::certification::{CertificationPolicy, Scheme};
    let failed = |path: &Path, msg: String| ConfigError::Policy { path: path.to_path_buf(), msg };
    let figures: FiguresFile = read_toml(&dir.join("figures.toml"))?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| failed(dir, e.to_string()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "toml")
                && p.file_name().is_some_and(|n| n != "figures.toml")
        })
        .collect();
    files.sort();
    let mut schemes = Vec::with_capacity(files.len());
    for path in files {
        let scheme: Scheme = read_toml(&path)?;
        if path.file_stem().and_then(|s| s.to_str()) != Some(scheme.code.as_str()) {
            return Err(failed(
                &path,
                format!("the file of scheme {} must be named {}.toml", scheme.code, scheme.code),
            ));
        }
        schemes.push(scheme);
    }
    let policy = CertificationPolicy { figures: figures.figures, schemes };
    policy.validate().map_err(|msg| failed(dir, msg))?;
    Ok(policy)
}

/// How the claim engine settles claims (`claims.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimMode {
    /// Queue and settle many claims per transaction (the default).
    Batched,
    /// One transaction per claim, locking the budget row: the baseline for benchmarks.
    Naive,
}

#[cfg(test)]
mod tests;
