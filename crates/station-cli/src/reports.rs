//! `station yield` and `station audit list`: the desktop app's yield and audit screens on the
//! command line.

use crate::CONFIG_HELP;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;
use station_store::{Store, YieldFilter};

use crate::EXIT_OK;
use crate::output::CliError;

/// Arguments of `station yield`.
#[derive(Args)]
pub(crate) struct YieldArgs {
    /// Station configuration (to find the database).
    #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
    config: Option<PathBuf>,
    /// Only this work order.
    #[arg(long)]
    work_order: Option<String>,
    /// Only units finished at or after this time (RFC 3339, e.g. a shift start).
    #[arg(long)]
    since: Option<DateTime<Utc>>,
    /// Only units finished before this time (RFC 3339).
    #[arg(long)]
    until: Option<DateTime<Utc>>,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

pub(crate) fn yield_report(args: &YieldArgs) -> anyhow::Result<u8> {
    let store = open(&crate::config_file(args.config.as_deref()))?;
    let report = store
        .yield_report(&YieldFilter {
            work_order: args.work_order.clone(),
            since: args.since,
            until: args.until,
        })
        .map_err(CliError::from)?;
    if args.json {
        crate::output::print_json(&report)?;
        return Ok(EXIT_OK);
    }
    let total = report.pass + report.fail;
    let pct = if total == 0 {
        0.0
    } else {
        report.pass as f64 * 100.0 / total as f64
    };
    println!(
        "yield: {} pass, {} fail ({pct:.1}% first-pass of {total})",
        report.pass, report.fail
    );
    println!("{:<22} {:>6} {:>6}", "hour (UTC)", "pass", "fail");
    for h in &report.hourly {
        println!("{:<22} {:>6} {:>6}", h.hour, h.pass, h.fail);
    }
    if !report.reasons.is_empty() {
        // A Pareto: by error code and step, most frequent first, with the running total.
        println!("failure reasons (by code and step):");
        println!(
            "{:>6} {:>6} {:>6}  {:<16} {:<40} code",
            "units", "share", "cum.", "step", "reason"
        );
        let mut cumulative = 0.0;
        for r in &report.reasons {
            cumulative += r.share;
            println!(
                "{:>6} {:>5.1}% {:>5.1}%  {:<16} {:<40} {}",
                r.count,
                r.share * 100.0,
                cumulative * 100.0,
                r.step,
                r.title,
                r.code
            );
        }
        println!("`station explain CODE` says what a reason means and what to do.");
    }
    Ok(EXIT_OK)
}

/// Prints the newest `limit` audit rows (newest first), or JSON.
pub(crate) fn audit_list(config: &std::path::Path, limit: u32, json: bool) -> anyhow::Result<u8> {
    let store = open(config)?;
    let rows = store.audit_rows(limit).map_err(CliError::from)?;
    if json {
        crate::output::print_json(&rows)?;
        return Ok(EXIT_OK);
    }
    for r in &rows {
        println!(
            "{:>6} {} {:<14} {:<24} {:<20} {}",
            r.seq.0,
            r.at.format("%Y-%m-%d %H:%M:%S"),
            r.actor,
            r.kind,
            r.subject,
            r.detail
        );
    }
    Ok(EXIT_OK)
}

fn open(config: &std::path::Path) -> anyhow::Result<Store> {
    let config = station_config::load(config).map_err(CliError::from)?;
    Ok(Store::open(&config.storage.database).map_err(CliError::from)?)
}
