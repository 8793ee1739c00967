//! The `hechuang` command: serve, migrate, demo data, users, audit and ledger verification.

use anyhow::Context;
use clap::{Parser, Subcommand};
use hechuang::clock::Clock;
use hechuang::config::Settings;
use hechuang::domain::Role;
use hechuang::services::{self, auth::AuthConfig, Actor};
use hechuang::startup::{
    init_telemetry, job_runner, load_checked_policy, load_templates, open_database, Application,
};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "hechuang",
    version,
    about = "合创券 innovation vouchers and carrier subsidies"
)]
struct Cli {
    /// Configuration directory (default.toml, <profile>.toml, policy/).
    #[arg(
        long,
        env = "HECHUANG_CONFIG_DIR",
        default_value = "config",
        global = true
    )]
    config_dir: PathBuf,
    /// Configuration profile: default, test or production.
    #[arg(long, env = "HECHUANG_PROFILE", global = true)]
    profile: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the HTTP service (creates and migrates the database on first start).
    Serve {
        /// Fill an empty database with the demo data set first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Fill an empty database with a Hefei-style demo data set and print the sign-ins.
    Demo,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Audit trail tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Ledger tools.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Prepare the settlement run of a month (idempotent: an existing run is shown).
    Settle {
        /// The month to pay for, YYYY-MM; by default the month before today (China).
        #[arg(long)]
        period: Option<String>,
    },
    /// Compute the subsidy entitlements of certified carriers due up to a month
    /// (idempotent: re-runs never duplicate; the `entitlements` job does it monthly).
    Entitlements {
        /// YYYY-MM; by default this month (China).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Provider listing tools.
    Providers {
        #[command(subcommand)]
        command: ProvidersCommand,
    },
    /// Lottery batches.
    Lottery {
        #[command(subcommand)]
        command: LotteryCommand,
    },
    /// Scheduled jobs: list them, or run one by hand for a time slot.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Email templates.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Back up the SQLite database and its evidence files into a new folder, while the
    /// service runs (PostgreSQL: use pg_dump, see docs/OPERATIONS.md).
    Backup {
        /// The folder to create for the backup.
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup made by `hechuang backup` in place of the configured SQLite
    /// database. Stop every server first; the backup's audit chain and ledger are
    /// verified before anything is replaced.
    Restore {
        /// The backup folder.
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Every job with its schedule, next slot and latest run.
    List,
    /// Run a job now for one time slot, once only: a slot that already ran (on any
    /// server) is refused unless it failed or was interrupted.
    Run {
        /// outbox_dispatch, voucher_expiry_reminders, provider_notices, redemption_notices,
        /// voucher_expiry, settlement, entitlements, lottery_draw or housekeeping.
        job: String,
        /// The slot (RFC 3339, e.g. 2026-11-23T01:00:00Z); by default the latest
        /// scheduled instant.
        #[arg(long)]
        slot: Option<chrono::DateTime<chrono::Utc>>,
    },
}

#[derive(Subcommand)]
enum MailCommand {
    /// Render every email template (or one kind) with example values, to check an
    /// edited template before restarting the server.
    Preview {
        kind: Option<String>,
        /// The reader's locale (default: mail.locale).
        #[arg(long)]
        locale: Option<String>,
    },
}

#[derive(Subcommand)]
enum LotteryCommand {
    /// Draw every lottery batch whose opening has come (the server's `lottery_draw` job
    /// does this every second). A lottery is drawn once only.
    DrawDue,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff account (admin, reviewer, finance, auditor). The password is
    /// read from standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exits 1 and names the first broken link if any.
    Verify,
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Recompute every account from the entries and compare it with the records
    /// (batches, vouchers, orders, redemption items); exits 1 and lists each difference.
    Verify,
}

#[derive(Subcommand)]
enum ProvidersCommand {
    /// List providers whose public notice has ended without an open or upheld objection.
    ConcludeNotices,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(&cli.config_dir, cli.profile.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hechuang: {e}");
            return ExitCode::from(2);
        }
    };
    init_telemetry(&settings.log.level, &settings.log.format);
    match run(cli, settings) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hechuang: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `hechuang restore`: refuses while a server answers on the configured address, checks
/// the backup (integrity, hash, audit chain, ledger, on a scratch copy), then restores.
fn restore(settings: &Settings, from: &std::path::Path) -> anyhow::Result<ExitCode> {
    use secrecy::ExposeSecret;
    let url = settings.database.url.expose_secret();
    let (backend, target) = hechuang::db::parse_url(url).map_err(anyhow::Error::msg)?;
    if backend != hechuang::db::Backend::Sqlite {
        eprintln!("restore_postgres_use_pg_restore: restore a PostgreSQL database with pg_restore (docs/OPERATIONS.md)");
        return Ok(ExitCode::FAILURE);
    }
    let addr = format!("{}:{}", settings.server.host, settings.server.port);
    let answering = std::net::ToSocketAddrs::to_socket_addrs(&addr)
        .map(|mut a| {
            a.any(|a| {
                std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_millis(500))
                    .is_ok()
            })
        })
        .unwrap_or(false);
    if answering {
        eprintln!(
            "database_in_use: a server answers at {addr}; stop every server before restoring"
        );
        return Ok(ExitCode::FAILURE);
    }
    let (manifest, db_file) = match services::backup::check(from) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{}: {}", e.code, e.detail_en);
            return Ok(ExitCode::FAILURE);
        }
    };
    // Verified on a scratch copy: opening a database may change its file (WAL mode).
    let scratch = tempfile::tempdir()?;
    let copy = scratch.path().join("check.db");
    std::fs::copy(&db_file, &copy)?;
    let pool = hechuang::db::build_pool(
        &format!("sqlite://{}", copy.display()),
        1,
        settings.database.busy_timeout_ms,
        std::time::Duration::from_secs(settings.database.connect_timeout_secs),
    )
    .map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let audit = services::audit::verify(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    let ledger = services::ledger::verify(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    drop(conn);
    if !audit.ok || !ledger.ok {
        eprintln!(
            "backup_damaged: the backup's audit chain ({}) or ledger ({}) does not verify; nothing restored",
            if audit.ok { "ok" } else { "broken" },
            if ledger.ok { "ok" } else { "unbalanced" }
        );
        return Ok(ExitCode::FAILURE);
    }
    match services::backup::restore(from, std::path::Path::new(&target), &settings.data.dir) {
        Ok(_) => {
            println!(
                "restored the backup taken at {} into {}: audit chain OK ({} events), ledger OK ({} entries); evidence: {} files",
                manifest.taken_at,
                target,
                audit.events_checked,
                ledger.entries,
                manifest.evidence_files
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}: {}", e.code, e.detail_en);
            Ok(ExitCode::FAILURE)
        }
    }
}

fn run(cli: Cli, settings: Settings) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { demo } => {
            if demo {
                fill_demo(&cli.config_dir, &settings, true)?;
            }
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let app = Application::build(&settings, &cli.config_dir, Clock::system()).await?;
                let url = app.url();
                println!("hechuang is listening on {url}");
                println!("  Open {url}/ in a browser: the portal, sign-in and registration.");
                println!(
                    "  First time? Fill the demo data with `hechuang demo` (every demo user's \
                     password: {})",
                    services::demo::DEMO_PASSWORD
                );
                println!(
                    "  or create an administrator: `hechuang user create --username admin --role admin`."
                );
                println!("  API: {url}/api/v1  ·  OpenAPI: {url}/api/openapi.json");
                app.run_until_stopped().await?;
                Ok::<_, anyhow::Error>(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { to } => {
            let pool = open_database(&settings)?;
            let mut conn = pool.get()?;
            let store = hechuang::files::FileStore::open(
                &settings.data.dir,
                settings.data.max_upload_bytes,
            )?;
            match services::backup::backup(&mut conn, &store, &to, chrono::Utc::now()) {
                Ok(m) => {
                    println!(
                        "backup written to {}: database {} bytes (SHA-256 {}); evidence: {} files ({} bytes)",
                        to.display(),
                        m.database_bytes,
                        m.database_sha256,
                        m.evidence_files,
                        m.evidence_bytes
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{}: {}", e.code, e.detail_en);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Restore { from } => restore(&settings, &from),
        Command::Migrate => {
            open_database(&settings)?;
            println!("migrations are up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            fill_demo(&cli.config_dir, &settings, false)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command:
                UserCommand::Create {
                    username,
                    role,
                    display_name,
                    email,
                },
        } => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role}"))?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let pool = open_database(&settings)?;
            let auth = AuthConfig::new(&settings.auth).map_err(anyhow::Error::msg)?;
            let mut conn = pool.get()?;
            let input = services::users::NewStaffUser {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                password,
                email,
                role,
            };
            match services::users::create_staff(
                &mut conn,
                &auth,
                &input,
                Clock::system().now(),
                &Actor::system(),
            ) {
                Ok(u) => {
                    println!("created {} ({}) id {}", u.username, u.role.as_str(), u.id);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("hechuang: {}: {}", e.code, e.detail_en);
                    for f in &e.errors {
                        eprintln!("  {}: {}", f.field, f.detail_en);
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let pool = open_database(&settings)?;
            let mut conn = pool.get()?;
            let report = services::audit::verify(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            match &report.first_broken {
                None => {
                    println!("audit chain OK: {} events verified", report.events_checked);
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    println!(
                        "audit chain BROKEN at event {}: {} ({} events checked)",
                        b.seq, b.reason, report.events_checked
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Ledger {
            command: LedgerCommand::Verify,
        } => {
            let pool = open_database(&settings)?;
            let mut conn = pool.get()?;
            let r = services::ledger::verify(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            let summary = format!(
                "{} entries in {} transactions over {} accounts; {} batches, {} vouchers, {} orders, {} redemption items",
                r.entries, r.transactions, r.accounts, r.batches, r.vouchers, r.orders, r.redemption_items
            );
            if r.ok {
                println!("ledger OK: {summary}");
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "ledger DIFFERS in {} places: {summary}",
                r.differences.len()
            );
            for d in &r.differences {
                println!(
                    "  {}: expected {}, entries say {}",
                    d.account, d.expected, d.actual
                );
            }
            Ok(ExitCode::FAILURE)
        }
        Command::Entitlements { as_of } => {
            let pool = open_database(&settings)?;
            let mut conn = pool.get()?;
            let policy = load_checked_policy(&settings, &cli.config_dir)?;
            let now = Clock::system().now();
            let this_month = hechuang::domain::settlement::Period::of(now);
            let as_of = match as_of {
                Some(p) => {
                    services::settlement::parse_period(&p).map_err(|e| anyhow::anyhow!("{e}"))?
                }
                None => this_month,
            };
            if as_of > this_month {
                anyhow::bail!("{as_of} has not begun");
            }
            let r = services::subsidies::compute(
                &mut conn,
                &policy,
                as_of,
                now,
                &services::Actor::system(),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "entitlements up to {}: {} new ({} flagged as possible duplicates, {} refused as duplicates), {} held back",
                r.as_of,
                r.created.len(),
                r.flagged,
                r.refused,
                r.held_back.len()
            );
            for e in &r.created {
                println!(
                    "  {} {} {} {} yuan: {}",
                    e.space_name, e.policy, e.period, e.amount, e.basis
                );
            }
            for h in &r.held_back {
                println!(
                    "  held back: {} {} {}: {}",
                    h.space_name, h.policy, h.period, h.reason_en
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Settle { period } => {
            let pool = open_database(&settings)?;
            let mut conn = pool.get()?;
            let templates = load_templates(&settings, &cli.config_dir)?;
            let now = Clock::system().now();
            let period = match period {
                Some(p) => {
                    services::settlement::parse_period(&p).map_err(|e| anyhow::anyhow!("{e}"))?
                }
                None => hechuang::domain::settlement::Period::before(now),
            };
            let r = services::settlement::prepare(
                &mut conn,
                &templates,
                period,
                false,
                now,
                &services::Actor::system(),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{} run {} for {}: {} payouts, {} items, {} yuan; {} payees held back ({} yuan)",
                if r.created { "prepared" } else { "existing" },
                r.run.id,
                r.run.period,
                r.run.payout_count,
                r.run.item_count,
                r.run.total,
                r.run.held_back_count,
                r.run.held_back
            );
            for h in r.run.held_back_payees.iter().flatten() {
                println!("  held back: {} ({}): {}", h.payee_name, h.amount, h.reason);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Providers {
            command: ProvidersCommand::ConcludeNotices,
        } => {
            let pool = open_database(&settings)?;
            let mut conn = pool.get()?;
            let templates = load_templates(&settings, &cli.config_dir)?;
            let r = services::providers::conclude_notices(
                &mut conn,
                &templates,
                Clock::system().now(),
                &Actor::system(),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "listed {} provider(s); {} wait for objections to be decided",
                r.listed.len(),
                r.awaiting_objections.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Lottery {
            command: LotteryCommand::DrawDue,
        } => {
            let pool = open_database(&settings)?;
            let mut conn = pool.get()?;
            let templates = load_templates(&settings, &cli.config_dir)?;
            let drawn = services::lottery::draw_due(&mut conn, &templates, Clock::system().now())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("drew {} lottery batch(es)", drawn.len());
            for id in drawn {
                println!("  {id}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Jobs { command } => jobs_command(&cli.config_dir, &settings, command),
        Command::Mail {
            command: MailCommand::Preview { kind, locale },
        } => {
            let templates = load_templates(&settings, &cli.config_dir)?;
            let locale = locale.unwrap_or_else(|| settings.mail.locale.clone());
            let kinds: Vec<&str> = match &kind {
                Some(k) if hechuang::notify::templates::KINDS.contains(&k.as_str()) => vec![k],
                Some(k) => anyhow::bail!(
                    "no email kind {k:?}; kinds: {}",
                    hechuang::notify::templates::KINDS.join(", ")
                ),
                None => hechuang::notify::templates::KINDS.to_vec(),
            };
            let mut failed = false;
            for k in kinds {
                match templates.render(k, &locale, &hechuang::notify::sample_context(k)) {
                    Ok(r) => println!(
                        "=== {k} ({})\nSubject: {}\n\n{}",
                        r.locale, r.subject, r.body
                    ),
                    Err(e) => {
                        failed = true;
                        eprintln!("=== {k}: {e}");
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

fn jobs_command(
    config_dir: &std::path::Path,
    settings: &Settings,
    command: JobsCommand,
) -> anyhow::Result<ExitCode> {
    use hechuang::jobs::{self, RunOrigin};
    let pool = open_database(settings)?;
    let templates = load_templates(settings, config_dir)?;
    let clock = Clock::system();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let policy = std::sync::Arc::new(load_checked_policy(settings, config_dir)?);
        let runner = job_runner(
            settings,
            pool.clone(),
            clock.clone(),
            templates,
            policy,
            None,
        )?;
        match command {
            JobsCommand::List => {
                let mut conn = pool.get()?;
                let list = jobs::list_jobs(&mut conn, runner.schedules(), clock.now())
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                for j in list {
                    let last = j.last_run.map_or("never run".to_string(), |r| {
                        format!("last slot {} {} ({} items)", r.slot, r.status, r.items)
                    });
                    println!(
                        "{:<26} {:<16} next {:<20} {}",
                        j.name.as_str(),
                        j.schedule.as_deref().unwrap_or("off"),
                        j.next_slot.map_or("-".into(), |t| t.to_string()),
                        last
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            JobsCommand::Run { job, slot } => {
                let job = jobs::Job::parse(&job).with_context(|| {
                    format!(
                        "no job {job:?}; jobs: {}",
                        jobs::Job::ALL.map(jobs::Job::as_str).join(", ")
                    )
                })?;
                let slot = jobs::manual_slot(runner.schedules(), job, slot, clock.now())
                    .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.detail_en))?;
                match runner
                    .run(job, slot, RunOrigin::Manual { user_id: None })
                    .await
                {
                    Ok(Some(r)) => {
                        println!(
                            "{} slot {}: {} in {} ms, {} items {}",
                            r.job,
                            r.slot,
                            r.status,
                            r.duration_ms.unwrap_or(0),
                            r.items,
                            r.detail.unwrap_or_default()
                        );
                        Ok(if r.status == "succeeded" {
                            ExitCode::SUCCESS
                        } else {
                            ExitCode::FAILURE
                        })
                    }
                    Ok(None) => Ok(ExitCode::FAILURE),
                    Err(e) => {
                        eprintln!("hechuang: {}: {}", e.code, e.detail_en);
                        Ok(ExitCode::FAILURE)
                    }
                }
            }
        }
    })
}

fn fill_demo(
    config_dir: &std::path::Path,
    settings: &Settings,
    skip_if_filled: bool,
) -> anyhow::Result<()> {
    let pool = open_database(settings)?;
    let policy = hechuang::startup::load_checked_policy(settings, config_dir)?;
    let templates = load_templates(settings, config_dir)?;
    let auth = AuthConfig::new(&settings.auth).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    match services::demo::fill(
        &mut conn,
        &templates,
        &settings.site.base_url,
        &policy,
        &auth,
        Clock::system().now(),
    ) {
        Ok(signins) => {
            println!(
                "演示数据已写入 / demo data written. Sign in with password {:?}:",
                services::demo::DEMO_PASSWORD
            );
            for s in signins {
                println!("  {:<12} {:<9} {}", s.username, s.role.as_str(), s.who);
            }
            Ok(())
        }
        Err(e) if skip_if_filled && e.code == "database_not_empty" => {
            println!("database already has data; demo data not added");
            Ok(())
        }
        Err(e) => Err(anyhow::anyhow!("{}: {}", e.code, e.detail_en)),
    }
}
