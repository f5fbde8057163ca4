//! `station claims`: units the station lost track of while locking them (it stopped, or the
//! lock went unanswered), waiting for their boards, and a supervisor's two decisions about them.

use crate::CONFIG_HELP;
use crate::output::say;
use std::path::PathBuf;

use clap::Args;
use station_store::{ClaimRecord, Store, UnitId};

use crate::output::CliError;

/// Arguments of `station claims`.
#[derive(Args)]
pub(crate) struct ClaimsArgs {
    /// Station configuration (to find the database).
    #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
    config: Option<PathBuf>,
    /// The database file (overrides the configuration's).
    #[arg(long)]
    db: Option<PathBuf>,
    /// The board of this unit is gone (scrapped, lost): void its claim and certificate; nothing
    /// is queued. Needs --operator and --reason.
    #[arg(long, value_name = "UNIT", conflicts_with = "wait")]
    void: Option<i64>,
    /// The board of this unit will be brought back: keep waiting for it (recorded). Needs
    /// --operator.
    #[arg(long, value_name = "UNIT")]
    wait: Option<i64>,
    /// Why the board is gone (with --void).
    #[arg(long)]
    reason: Option<String>,
    /// The supervisor deciding (PIN from stdin or --pin-env; recorded in the audit log).
    #[arg(long)]
    operator: Option<String>,
    /// Read the supervisor's PIN from this environment variable instead of stdin.
    #[arg(long)]
    pin_env: Option<String>,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

pub(crate) fn claims(args: &ClaimsArgs) -> anyhow::Result<()> {
    let store = crate::units::open(
        &crate::config_file(args.config.as_deref()),
        args.db.as_deref(),
    )?;
    let operator = || -> anyhow::Result<String> {
        let config = station_config::load(&crate::config_file(args.config.as_deref()))
            .map_err(CliError::from)?;
        crate::operators::decided_by(
            &config,
            &store,
            args.operator.as_deref(),
            args.pin_env.as_deref(),
            station_store::Action::ResolveClaim,
            "station::claims::no_operator",
        )
    };
    if let Some(unit) = args.void {
        let reason = args
            .reason
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| {
                CliError::anyhow(
                    "station::claims::no_reason",
                    "voiding a claim needs a reason",
                )
            })?;
        store
            .void_claim(UnitId(unit), &operator()?, reason)
            .map_err(CliError::from)?;
        say!("unit {unit}: claim voided, its certificate (if any) is void, nothing is queued");
        tell_line(
            &crate::config_file(args.config.as_deref()),
            &store,
            UnitId(unit),
        )?;
        return Ok(());
    }
    if let Some(unit) = args.wait {
        store
            .keep_claim_waiting(UnitId(unit), &operator()?)
            .map_err(CliError::from)?;
        say!("unit {unit}: waiting for its board; run it in a slot to complete or fail it");
        return Ok(());
    }
    let open = store.open_claims().map_err(CliError::from)?;
    if args.json {
        crate::output::print_json(&open)?;
        return Ok(());
    }
    if open.is_empty() {
        say!("no open claims: every unit the station locked is recorded");
        return Ok(());
    }
    say!(
        "{} unit(s) waiting for their boards (the station stopped or the lock went unanswered):",
        open.len()
    );
    say!(
        "{:>6}  {:<18} {:<40} {:<22} waiting",
        "unit",
        "serial",
        "registration ID",
        "claimed"
    );
    for c in &open {
        print_claim(c);
    }
    say!(
        "Put each board in a slot and run it: the station reads it back and completes or fails it.\n\
         A supervisor decides for boards that will not come back: `station claims --void UNIT --reason … --operator ID`,\n\
         or records that one will: `station claims --wait UNIT --operator ID`."
    );
    Ok(())
}

fn print_claim(c: &ClaimRecord) {
    let waiting = c.waiting.as_ref().map_or_else(String::new, |(who, at)| {
        format!("kept by {who} at {}", at.format("%Y-%m-%d %H:%M"))
    });
    say!(
        "{:>6}  {:<18} {:<40} {:<22} {waiting}",
        c.unit_id.0,
        c.serial,
        c.registration_id,
        c.created_at.format("%Y-%m-%d %H:%M:%S")
    );
}

/// On a line, the voided unit is a failure there too: its claim closes and what it held is
/// released (now, or from the outbox when the line is back).
fn tell_line(config: &std::path::Path, store: &Store, unit: UnitId) -> anyhow::Result<()> {
    let config = station_config::load(config).map_err(CliError::from)?;
    let Some(line) = config.line_db.as_ref() else {
        return Ok(());
    };
    let Some(db) = crate::run::connect_line_db(&config)? else {
        return Ok(());
    };
    let link = station_pipeline::LineLink::new(db, line.offline, line.lease_block);
    let Some(detail) = store.unit(unit).map_err(CliError::from)? else {
        return Ok(());
    };
    let u = &detail.summary;
    link.finish(
        store,
        unit,
        u.serial.as_deref(),
        u.registration_id.as_deref(),
        u.product.as_deref().unwrap_or_default(),
        u.work_order.as_deref(),
        Some((
            u.failed_step.as_deref().unwrap_or("lock"),
            u.failure_code
                .as_deref()
                .unwrap_or("station::claim::voided"),
        )),
    );
    match link.sync(store) {
        Ok(r) if r.waiting == 0 => {
            say!("the line database has it: the unit's claim is closed there")
        }
        _ => say!("the line database is unreachable: it hears of it at the next sync"),
    }
    Ok(())
}
