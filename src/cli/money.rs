//! Money: verify the ledger, compute entitlements, prepare a settlement run.

use super::failed;
use hechuang::config::Settings;
use hechuang::domain::settlement::Period;
use hechuang::services::{self};
use hechuang::startup::{open_database, system_context};
use std::path::Path;
use std::process::ExitCode;

/// `hechuang ledger verify`: every account from the entries against the records; exits
/// 1 and lists each difference.
pub fn ledger_verify(settings: &Settings) -> anyhow::Result<ExitCode> {
    let pool = open_database(settings)?;
    let mut conn = pool.get()?;
    let r = services::ledger::verify(&mut conn).map_err(failed)?;
    let summary = format!(
        "{} entries in {} transactions over {} accounts; {} batches, {} vouchers, {} orders, {} redemption items",
        r.entries, r.transactions, r.accounts, r.batches, r.vouchers, r.orders, r.redemption_items
    );
    if r.ok {
        println!("ledger OK: {summary}");
        return Ok(ExitCode::SUCCESS);
    }
    println!("ledger DIFFERS in {} places: {summary}", r.differences.len());
    for d in &r.differences {
        println!("  {}: expected {}, entries say {}", d.account, d.expected, d.actual);
    }
    Ok(ExitCode::FAILURE)
}

/// The month a command names (YYYY-MM), if it names one.
fn period(p: Option<&str>) -> anyhow::Result<Option<Period>> {
    p.map(services::settlement::parse_period).transpose().map_err(failed)
}

/// `hechuang entitlements [--as-of YYYY-MM]`.
pub fn entitlements(
    config_dir: &Path,
    settings: &Settings,
    as_of: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let pool = open_database(settings)?;
    let mut conn = pool.get()?;
    let sys = system_context(settings, config_dir)?;
    let as_of = period(as_of)?;
    let r = services::subsidies::compute(&mut conn, sys.cx(), as_of).map_err(failed)?;
    println!(
        "entitlements up to {}: {} new ({} flagged as possible duplicates, {} refused as duplicates), {} held back",
        r.as_of,
        r.created.len(),
        r.flagged,
        r.refused,
        r.held_back.len()
    );
    for e in &r.created {
        println!("  {} {} {} {} yuan: {}", e.space_name, e.policy, e.period, e.amount, e.basis);
    }
    for h in &r.held_back {
        println!("  held back: {} {} {}: {}", h.space_name, h.policy, h.period, h.reason_en);
    }
    Ok(ExitCode::SUCCESS)
}

/// `hechuang settle [--period YYYY-MM]`: prepares the month's run (by default the month
/// before today, China time), or shows the one already prepared.
pub fn settle(
    config_dir: &Path,
    settings: &Settings,
    period_arg: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let pool = open_database(settings)?;
    let mut conn = pool.get()?;
    let sys = system_context(settings, config_dir)?;
    let period = period(period_arg)?.unwrap_or_else(|| Period::before(sys.now));
    let r = services::settlement::prepare(&mut conn, sys.cx(), period, false).map_err(failed)?;
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
