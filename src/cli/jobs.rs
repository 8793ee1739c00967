//! Jobs: list them, run one by hand for a slot, and the two jobs' use cases that can be
//! run on their own (provider notices, due lotteries).

use super::{failed, refused, JobsCommand};
use anyhow::Context;
use hechuang::clock::Clock;
use hechuang::config::Settings;
use hechuang::jobs::{self, Job, RunOrigin, Runner};
use hechuang::services::{self};
use hechuang::startup::{
    job_runner, load_checked_policy, load_templates, open_database, system_context,
};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// `hechuang jobs list|run`.
pub fn jobs(
    config_dir: &Path,
    settings: &Settings,
    command: JobsCommand,
) -> anyhow::Result<ExitCode> {
    let pool = open_database(settings)?;
    let templates = load_templates(settings, config_dir)?;
    let clock = Clock::system();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let policy = Arc::new(load_checked_policy(settings, config_dir)?);
        let runner = job_runner(settings, pool.clone(), clock.clone(), templates, policy, None)?;
        match command {
            JobsCommand::List => {
                let mut conn = pool.get()?;
                list(&mut conn, &runner, &clock)
            }
            JobsCommand::Run { job, slot } => run(&runner, &clock, &job, slot).await,
        }
    })
}

/// Every job with its schedule, next slot and latest run.
fn list(
    conn: &mut hechuang::db::DbConnection,
    runner: &Runner,
    clock: &Clock,
) -> anyhow::Result<ExitCode> {
    let list = jobs::list_jobs(conn, runner.schedules(), clock.now()).map_err(failed)?;
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

/// Runs `job` now for `slot` (by default its latest scheduled instant), once only.
async fn run(
    runner: &Arc<Runner>,
    clock: &Clock,
    job: &str,
    slot: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<ExitCode> {
    let job = Job::parse(job).with_context(|| {
        format!("no job {job:?}; jobs: {}", Job::ALL.map(Job::as_str).join(", "))
    })?;
    let slot = jobs::manual_slot(runner.schedules(), job, slot, clock.now()).map_err(failed)?;
    match runner.run(job, slot, RunOrigin::Manual { user_id: None }).await {
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
            Ok(if r.status == hechuang::domain::operation::JobRunStatus::Succeeded {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Ok(None) => Ok(ExitCode::FAILURE),
        Err(e) => Ok(refused(&e)),
    }
}

/// `hechuang providers conclude-notices`.
pub fn conclude_provider_notices(
    config_dir: &Path,
    settings: &Settings,
) -> anyhow::Result<ExitCode> {
    let pool = open_database(settings)?;
    let mut conn = pool.get()?;
    let sys = system_context(settings, config_dir)?;
    let r = services::providers::conclude_notices(&mut conn, sys.cx()).map_err(failed)?;
    println!(
        "listed {} provider(s); {} wait for objections to be decided",
        r.listed.len(),
        r.awaiting_objections.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `hechuang lottery draw-due`.
pub fn draw_due_lotteries(config_dir: &Path, settings: &Settings) -> anyhow::Result<ExitCode> {
    let pool = open_database(settings)?;
    let mut conn = pool.get()?;
    let sys = system_context(settings, config_dir)?;
    let drawn = services::lottery::draw_due(&mut conn, sys.cx()).map_err(failed)?;
    println!("drew {} lottery batch(es)", drawn.len());
    for id in drawn {
        println!("  {id}");
    }
    Ok(ExitCode::SUCCESS)
}
