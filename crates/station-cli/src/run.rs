//! `station run`: provision the configured fixture.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use station_pipeline::{Permissions, RunRequest, RunSummary, Station};
use station_store::Store;
use station_transport::SerialOpener;

use crate::output::{CliError, ProgressPrinter, print_summary};
use crate::{EXIT_OK, EXIT_UNIT_FAILED, logging};

/// Arguments of `station run`.
#[derive(Args)]
pub(crate) struct RunArgs {
    /// Station configuration file.
    #[arg(long)]
    pub(crate) config: PathBuf,
    /// Only these slots (repeatable); all slots when absent.
    #[arg(long = "slot")]
    pub(crate) slots: Vec<u16>,
    /// Operator ID (defaults to station.operator in the config).
    #[arg(long)]
    pub(crate) operator: Option<String>,
    /// Work order (defaults to station.work_order in the config).
    #[arg(long)]
    pub(crate) work_order: Option<String>,
    /// Provision units that already passed again (a supervisor's decision; audited).
    #[arg(long)]
    pub(crate) rework: bool,
    /// Progress as JSON lines instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn run(args: &RunArgs) -> anyhow::Result<u8> {
    let config = station_config::load(&args.config).map_err(CliError::from)?;
    let summary = run_loaded(config, &args.config, args)?;
    Ok(if summary.failed() == 0 {
        EXIT_OK
    } else {
        EXIT_UNIT_FAILED
    })
}

/// Runs an already loaded configuration (shared with `station demo`).
pub(crate) fn run_loaded(
    config: station_config::StationConfig,
    config_path: &Path,
    args: &RunArgs,
) -> anyhow::Result<RunSummary> {
    let log = logging::init(&config.station.log_dir)?;
    if !args.json {
        println!("log: {}", log.path.display());
    }
    let operator = args
        .operator
        .clone()
        .or_else(|| config.station.operator.clone())
        .ok_or_else(|| {
            CliError::anyhow(
                "station::run::no_operator",
                "no operator given",
                "Pass --operator <ID>, or set station.operator in the config.",
            )
        })?;
    let work_order = args
        .work_order
        .clone()
        .or_else(|| config.station.work_order.clone());
    let store = Arc::new(Store::open(&config.storage.database).map_err(CliError::from)?);
    let station =
        Station::new(config, config_path, store, Arc::new(SerialOpener)).map_err(CliError::from)?;
    let request = RunRequest {
        slots: (!args.slots.is_empty()).then(|| args.slots.clone()),
        operator,
        work_order,
        permissions: Permissions {
            rework: args.rework,
        },
    };
    let printer = ProgressPrinter::new(args.json);
    let summary = station.run(&request, &printer).map_err(CliError::from)?;
    if !args.json {
        print_summary(&summary);
    }
    Ok(summary)
}
