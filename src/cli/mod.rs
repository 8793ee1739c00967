//! The `hechuang` command line: one function per subcommand, in files by what they
//! touch. Each function opens what it needs (database, policy, templates), calls the
//! use case in `services` and says the result; a refused use case prints its code and
//! English detail and exits 1.

mod admin;
mod jobs;
mod money;
mod server;

use clap::{Parser, Subcommand};
use hechuang::config::Settings;
use hechuang::error::AppError;
use hechuang::startup::init_telemetry;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "hechuang", version, about = "合创券 innovation vouchers and carrier subsidies")]
struct Cli {
    /// Configuration directory (default.toml, <profile>.toml, policy/).
    #[arg(long, env = "HECHUANG_CONFIG_DIR", default_value = "config", global = true)]
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
pub(crate) enum JobsCommand {
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

/// Reads the settings, starts logging and runs the subcommand.
pub fn main() -> ExitCode {
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

fn run(cli: Cli, settings: Settings) -> anyhow::Result<ExitCode> {
    let (dir, s) = (cli.config_dir.as_path(), &settings);
    match cli.command {
        Command::Serve { demo } => server::serve(dir, s, demo),
        Command::Migrate => server::migrate(s),
        Command::Demo => server::demo(dir, s),
        Command::Backup { to } => admin::backup(s, &to),
        Command::Restore { from } => admin::restore(s, &from),
        Command::User { command: UserCommand::Create { username, role, display_name, email } } => {
            admin::create_user(dir, s, username, &role, display_name, email)
        }
        Command::Audit { command: AuditCommand::Verify } => admin::audit_verify(s),
        Command::Ledger { command: LedgerCommand::Verify } => money::ledger_verify(s),
        Command::Entitlements { as_of } => money::entitlements(dir, s, as_of.as_deref()),
        Command::Settle { period } => money::settle(dir, s, period.as_deref()),
        Command::Providers { command: ProvidersCommand::ConcludeNotices } => {
            jobs::conclude_provider_notices(dir, s)
        }
        Command::Lottery { command: LotteryCommand::DrawDue } => jobs::draw_due_lotteries(dir, s),
        Command::Jobs { command } => jobs::jobs(dir, s, command),
        Command::Mail { command: MailCommand::Preview { kind, locale } } => {
            server::mail_preview(dir, s, kind.as_deref(), locale)
        }
    }
}

/// Says a refused use case (code, English detail, each field) and exits 1.
fn refused(e: &AppError) -> ExitCode {
    eprintln!("hechuang: {}: {}", e.code, e.detail_en);
    for f in &e.errors {
        eprintln!("  {}: {}", f.field, f.detail_en);
    }
    ExitCode::FAILURE
}

/// A use case's error as the command's error.
fn failed(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}
