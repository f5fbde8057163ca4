//! `station run`: provision the configured fixture.

use crate::CONFIG_HELP;
use station_errors::Coded as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use station_pipeline::{Permissions, RunRequest, RunSummary, SlotOverride, Station, StopFlag};
use station_store::Store;
use station_transport::SerialOpener;

use crate::output::{CliError, ProgressPrinter, print_summary};
use crate::{EXIT_OK, EXIT_UNIT_FAILED, logging};

/// Arguments of `station run`.
#[derive(Args)]
pub(crate) struct RunArgs {
    /// Station configuration file.
    #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
    pub(crate) config: Option<PathBuf>,
    /// Only these slots (repeatable); all slots when absent.
    #[arg(long = "slot")]
    pub(crate) slots: Vec<u16>,
    /// Operator ID (defaults to station.operator in the config).
    #[arg(long)]
    pub(crate) operator: Option<String>,
    /// Work order (defaults to the one a supervisor set with `station line`, then
    /// station.work_order in the config).
    #[arg(long)]
    pub(crate) work_order: Option<String>,
    /// Provision units that already passed again: a supervisor's decision (--supervisor and
    /// their PIN from stdin or --pin-env; audited).
    #[arg(long)]
    pub(crate) rework: bool,
    /// The supervisor who decides a --rework.
    #[arg(long, requires = "rework")]
    pub(crate) supervisor: Option<String>,
    /// Read the supervisor's PIN from this environment variable instead of stdin.
    #[arg(long, requires = "rework")]
    pub(crate) pin_env: Option<String>,
    /// Run another configured product in one slot for this run, as SLOT=PRODUCT (repeatable;
    /// overrides the slot products set with `station line`).
    #[arg(long = "product", value_name = "SLOT=PRODUCT", value_parser = slot_value)]
    pub(crate) products: Vec<(u16, String)>,
    /// The serial on the board's label in a slot, as SLOT=SERIAL (repeatable): a board that
    /// reports another serial fails at identify and is not written.
    #[arg(long = "expect-serial", value_name = "SLOT=SERIAL", value_parser = slot_value)]
    pub(crate) expect_serials: Vec<(u16, String)>,
    /// Progress as JSON lines instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn run(args: &RunArgs) -> anyhow::Result<u8> {
    let config = station_config::load(&crate::config_file(args.config.as_deref()))
        .map_err(CliError::from)?;
    let summary = run_loaded(config, &crate::config_file(args.config.as_deref()), args)?;
    Ok(if summary.failed() == 0 {
        EXIT_OK
    } else {
        EXIT_UNIT_FAILED
    })
}

/// Parses `SLOT=VALUE`.
pub(crate) fn slot_value(s: &str) -> Result<(u16, String), String> {
    let (slot, value) = s
        .split_once('=')
        .ok_or_else(|| format!("expected SLOT=VALUE, got {s:?}"))?;
    let slot = slot
        .trim()
        .parse()
        .map_err(|_| format!("{slot:?} is not a slot number"))?;
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("slot {slot}: the value after '=' is empty"));
    }
    Ok((slot, value.to_owned()))
}

impl RunArgs {
    /// Every slot, with a fixed operator and work order, no overrides (`station-demo`).
    pub(crate) fn unattended(config: &Path, operator: &str, work_order: &str, json: bool) -> Self {
        RunArgs {
            config: Some(config.to_owned()),
            slots: Vec::new(),
            operator: Some(operator.to_owned()),
            work_order: Some(work_order.to_owned()),
            rework: false,
            supervisor: None,
            pin_env: None,
            products: Vec::new(),
            expect_serials: Vec::new(),
            json,
        }
    }
}

/// Runs an already loaded configuration (shared with `station-demo`, through `embed`).
pub(crate) fn run_loaded(
    config: station_config::StationConfig,
    config_path: &Path,
    args: &RunArgs,
) -> anyhow::Result<RunSummary> {
    let log = logging::init(&config.station)?;
    if !args.json {
        println!("log: {}", log.path.display());
    }
    let operator = args
        .operator
        .clone()
        .or_else(|| config.station.operator.clone())
        .ok_or_else(|| CliError::anyhow("station::run::no_operator", "no operator given"))?;
    // Slots without a board (the fixture definition finds none) are reported EMPTY by the run.
    let slots = args.slots.clone();
    let store = Arc::new(Store::open(&config.storage.database).map_err(CliError::from)?);
    if args.rework {
        let supervisor = crate::operators::decided_by(
            &config,
            &store,
            args.supervisor.as_deref(),
            args.pin_env.as_deref(),
            station_store::Action::Rework,
            "station::run::no_supervisor",
        )?;
        store
            .audit_append(&station_store::AuditEntry {
                station_id: config.station.id.clone(),
                actor: supervisor,
                kind: "rework.authorized".into(),
                subject: String::new(),
                detail: serde_json::json!({ "operator": operator, "slots": slots }),
            })
            .map_err(CliError::from)?;
    }
    // The line set-up a supervisor made (here or in the desktop app) applies unless the
    // command line says otherwise.
    let line =
        station_pipeline::line::resolve(&config, store.line_setup().map_err(CliError::from)?);
    let work_order = args.work_order.clone().or(line.work_order);
    let mut products = line.slot_products;
    products.extend(args.products.iter().cloned());
    let station = station_for(config, config_path, store)?;
    let overrides = SlotOverride::by_slot(products, args.expect_serials.clone());
    let request = RunRequest {
        slots: (!slots.is_empty()).then_some(slots),
        operator,
        work_order,
        permissions: Permissions {
            rework: args.rework,
        },
        overrides,
        stop: graceful_stop()?,
    };
    let printer = ProgressPrinter::new(args.json);
    sync_line(&station, args.json);
    let summary = station.run(&request, &printer).map_err(CliError::from)?;
    if !args.json {
        print_summary(&summary);
    }
    sync_line(&station, args.json);
    Ok(summary)
}

/// The station of `config`: its signing CAs, its TPM reader and (with `[line_db]`) its line.
pub(crate) fn station_for(
    config: station_config::StationConfig,
    config_path: &Path,
    store: Arc<Store>,
) -> anyhow::Result<Station> {
    let issuers = crate::ca::load_issuers(&config)?;
    let line_db = connect_line_db(&config)?;
    let mut station = Station::new(config, config_path, store, Arc::new(SerialOpener))
        .map_err(CliError::from)?
        .with_ek_reader(Arc::new(station_identity::tpm::TssEkReader::new()));
    for (product, issuer) in issuers {
        station = station.with_issuer(&product, issuer);
    }
    if let Some(db) = line_db {
        station = station.with_line_db(db);
    }
    Ok(station)
}

/// Replays what the line database must still hear; says what a supervisor must know.
pub(crate) fn sync_line(station: &Station, quiet: bool) {
    match station.sync_line() {
        None => {}
        Some(Ok(report)) => {
            for c in &report.conflicts {
                eprintln!(
                    "CONFLICT: {} {} was provisioned here (unit {}) while apart from the line, and at station {} (unit {}): a supervisor must decide (station line-db status)",
                    c.identity.kind.as_str(),
                    c.identity.value,
                    c.unit_ref,
                    c.holder_station,
                    c.holder_unit
                );
            }
            if !quiet && report.waiting > 0 {
                eprintln!(
                    "line database unreachable: {} update(s) wait in this station's outbox and are replayed when it is back",
                    report.waiting
                );
            }
        }
        Some(Err(e)) => {
            tracing::warn!(error = %crate::output::chain(&e), "could not replay the line outbox");
        }
    }
}

/// Connects to the line database when the config names one (`[line_db]`). Unreachable: the
/// station starts apart under `offline = "local"`, and is refused under `"refuse"`.
pub(crate) fn connect_line_db(
    config: &station_config::StationConfig,
) -> anyhow::Result<Option<station_linedb::LineDb>> {
    let opened = station_pipeline::open_line_db(config)
        .map_err(|e| CliError::anyhow(e.code(), crate::output::chain(&e)))?;
    let Some((db, unreachable)) = opened else {
        return Ok(None);
    };
    let Some(e) = unreachable else {
        return Ok(Some(db));
    };
    let local = config
        .line_db
        .as_ref()
        .is_some_and(|l| l.offline == station_config::OfflinePolicy::Local);
    if local {
        tracing::warn!(error = %crate::output::chain(&e), "the line database is unreachable: working apart (line_db.offline = \"local\")");
        eprintln!(
            "warning: the line database is unreachable; this station works apart and replays what it does when the line is back"
        );
        Ok(Some(db))
    } else {
        Err(CliError::anyhow(e.code(), crate::output::chain(&e)))
    }
}

/// SIGINT/SIGTERM (Ctrl-C, `systemctl stop`) ask the run to stop at its slots' next safe
/// points; a second signal exits at once (exit 130): units already claimed are then completed
/// or failed when their boards are next seen.
fn graceful_stop() -> anyhow::Result<StopFlag> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // Registered first, so it sees the flag before this signal raises it: only a second
        // signal exits.
        signal_hook::flag::register_conditional_shutdown(
            signal,
            130,
            std::sync::Arc::clone(&flag),
        )?;
        signal_hook::flag::register(signal, std::sync::Arc::clone(&flag))?;
    }
    Ok(StopFlag::from_atomic(flag))
}
