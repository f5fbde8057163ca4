//! What the test bench's `station-demo` builds on: the CLI's own run, upload, CA and line
//! views, so the demo provisions, uploads and reports exactly as `station run`, `station
//! upload` and `station line-db status` do. Nothing here starts a virtual fixture or a DPS
//! emulator: those are in `testbed/`, and never linked into `station`.

use std::path::Path;
use std::sync::Arc;

use station_config::{CaConfig, StationConfig, StationSection, UploadSection};
use station_identity::pki::file::KdfCost;
use station_pipeline::{RunSummary, Station};
use station_store::Store;
use station_upload::client::DpsClient;
use station_upload::queue::StoreQueue;
use station_upload::uploader::{RunMode, UploadError, UploadStats};

pub use crate::logging::LogGuard;
pub use crate::output::{CliError, chain, print_error};

/// Provisions every slot of an already loaded configuration as `station run` does (live
/// progress, the summary table, the line replayed before and after), with a fixed operator and
/// work order.
pub fn run(
    config: StationConfig,
    config_path: &Path,
    operator: &str,
    work_order: &str,
    json: bool,
) -> anyhow::Result<RunSummary> {
    let args = crate::run::RunArgs::unattended(config_path, operator, work_order, json);
    crate::run::run_loaded(config, config_path, &args)
}

/// Starts the station's log file (`station.log_dir`); it is flushed when the guard drops.
pub fn init_logging(station: &StationSection) -> anyhow::Result<LogGuard> {
    crate::logging::init(station)
}

/// The station of `config` with its signing CAs, TPM reader and line database, as `station
/// run` builds it.
pub fn station_for(
    config: StationConfig,
    config_path: &Path,
    store: Arc<Store>,
) -> anyhow::Result<Station> {
    crate::run::station_for(config, config_path, store)
}

/// Replays what the line database must still hear, printing conflicts as `station run` does.
pub fn sync_line(station: &Station, quiet: bool) {
    crate::run::sync_line(station, quiet);
}

/// Prints the line's view as `station line-db status` does.
pub fn print_line_status(station: &str, waiting: i64, status: &station_linedb::LineStatus) {
    crate::line_db::print_status(station, waiting, status);
}

/// Creates a development root and signing CA for `product` where `ca` points, as `station ca
/// init` does (never asking: a file CA's passphrase must be in its file); returns the summary.
pub fn init_ca(product: &str, ca: &CaConfig, days: u32, cost: KdfCost) -> anyhow::Result<String> {
    crate::ca::init(product, ca, days, cost, false)
}

/// Uploads everything queued in `db` once, as `station upload --once` does (JSON lines on
/// stdout with `json`, otherwise quiet), and returns the figures.
pub fn upload_queue(
    section: &UploadSection,
    secrets: &station_config::SecretsSection,
    db: &Path,
    owner: &str,
    json: bool,
) -> anyhow::Result<UploadStats> {
    let (opener, retention) = crate::upload::delivery_secrets(secrets)?;
    let store = Arc::new(Store::open(db).map_err(CliError::from)?);
    let queue = StoreQueue::open(store, owner)
        .map_err(|e| CliError::from(UploadError::from(e)))?
        .with_secrets(opener, retention);
    let sink: station_upload::uploader::UploadSink = if json {
        crate::upload::printer(true, crate::progress::Progress::none())
    } else {
        Arc::new(|_: &station_upload::uploader::UploadEvent| {})
    };
    crate::upload::run_uploader(section, Arc::new(queue), RunMode::Drain, sink, false)
}

/// A DPS service client for `[upload]`, as `station upload` makes it.
pub fn dps_client(section: &UploadSection) -> anyhow::Result<DpsClient> {
    crate::upload::client(section)
}
