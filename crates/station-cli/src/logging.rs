//! One log file per station start, in the configured log directory, rotated daily and at
//! `station.log_max_mb`, keeping `station.log_keep` files (crates/station-logs).

use std::path::PathBuf;

use station_config::StationSection;
use station_logs::{LogPolicy, RollingFile};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Keeps the log writer alive; logs are flushed when it drops.
pub struct LogGuard {
    _guard: WorkerGuard,
    /// The log file this start began with.
    pub path: PathBuf,
}

/// Starts logging to `<log_dir>/station-<timestamp>-<pid>.log` at `info` (or `STATION_LOG`).
pub(crate) fn init(station: &StationSection) -> anyhow::Result<LogGuard> {
    let dir = &station.log_dir;
    let file = RollingFile::open(
        dir,
        "station",
        LogPolicy::from_config(station.log_max_mb, station.log_keep),
    )
    .map_err(|e| anyhow::anyhow!("cannot write a log file in {}: {e}", dir.display()))?;
    let path = file.path().to_owned();
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("STATION_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(LogGuard {
        _guard: guard,
        path,
    })
}
