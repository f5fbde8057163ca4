//! `station check`: a preflight for a fixture PC.
//!
//! Every check has a stable id, a result (ok, warning, failed) and, when not ok, a one-line
//! fix. One file per area. `--offline` skips what touches hardware or the network (opening
//! ports, resolving DPS), for validating a configuration on any machine.

mod accounts;
mod ca;
mod clock;
mod dps;
mod fixture;
mod line_db;
mod private;
mod secrets;
mod security;
mod storage;
mod tpm;

use crate::CONFIG_HELP;
use station_errors::Coded as _;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use crate::EXIT_OK;
use crate::output::CliError;

/// Arguments of `station check`.
#[derive(Args)]
pub(crate) struct CheckArgs {
    /// Station configuration file.
    #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
    config: Option<PathBuf>,
    /// Skip checks that open ports or use the network.
    #[arg(long)]
    offline: bool,
    /// Results as JSON.
    #[arg(long)]
    json: bool,
    /// Take away other users' access to every file that holds a secret (files.private).
    #[arg(long)]
    tighten: bool,
    /// Print the configuration's JSON Schema instead of checking.
    #[arg(long)]
    schema: bool,
    /// Also report the threat model item by item (docs/security.md): what this station
    /// guarantees, what is misconfigured, and what is the site's duty or not built yet.
    #[arg(long)]
    security: bool,
}

/// A check's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Outcome {
    Ok,
    Warning,
    Failed,
}

/// One check's finding.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CheckResult {
    pub(crate) id: &'static str,
    pub(crate) outcome: Outcome,
    pub(crate) detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fix: Option<String>,
}

impl CheckResult {
    pub(crate) fn ok(id: &'static str, detail: impl Into<String>) -> Self {
        Self {
            id,
            outcome: Outcome::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    pub(crate) fn warning(
        id: &'static str,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            id,
            outcome: Outcome::Warning,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    pub(crate) fn failed(
        id: &'static str,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            id,
            outcome: Outcome::Failed,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

pub(crate) fn check(args: &CheckArgs) -> anyhow::Result<u8> {
    if args.schema {
        println!(
            "{}",
            serde_json::to_string_pretty(&station_config::json_schema())?
        );
        return Ok(EXIT_OK);
    }
    let found = station_config::discover(args.config.as_deref());
    let config = station_config::load(&found.path).map_err(CliError::from)?;
    let mut results = vec![CheckResult::ok(
        "config.valid",
        format!("{found} parses and passes its checks"),
    )];
    results.extend(fixture::check(&config, args.offline));
    results.push(storage::check(&config));
    results.extend(secrets::check(&config));
    results.extend(secrets::sealing(&config));
    results.extend(private::check(&config, args.tighten));
    results.extend(recipients(&config));
    results.extend(ca::check(&config));
    results.extend(tpm::check(&config));
    results.push(clock::check());
    results.extend(config.line_db.as_ref().map(line_db::tls));
    if !args.offline {
        results.extend(dps::check(&config));
        results.extend(dps::service(&config));
        results.extend(line_db::check(&config));
    }
    if args.security {
        results.extend(security::check(&config, args.offline));
    }
    let failed = results.iter().any(|r| r.outcome == Outcome::Failed);
    if args.json {
        crate::output::print_json(&results)?;
    } else {
        for r in &results {
            let tag = match r.outcome {
                Outcome::Ok => "ok",
                Outcome::Warning => "warning",
                Outcome::Failed => "FAILED",
            };
            println!("{tag:<8} {:<20} {}", r.id, r.detail);
            if let Some(fix) = &r.fix {
                println!("{:<29} fix: {fix}", "");
            }
        }
    }
    // A failed check means the PC is not ready to provision: the environment's exit code.
    Ok(if failed {
        station_errors::Exit::Environment.code()
    } else {
        EXIT_OK
    })
}

/// `export.recipients`: the device operator's age keys parse (the config's load checks only
/// their shape).
fn recipients(config: &station_config::StationConfig) -> Option<CheckResult> {
    let list = &config.upload.as_ref()?.export_recipients;
    if list.is_empty() {
        return None;
    }
    Some(match station_upload::sealed::parse_recipients(list) {
        Ok(r) => CheckResult::ok(
            "export.recipients",
            format!("exports are sealed for {} age recipient(s)", r.len()),
        ),
        Err(e) => CheckResult::failed("export.recipients", e.to_string(), e.action()),
    })
}
