//! One log file per station start, in the configured log directory.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Keeps the log writer alive; logs are flushed when it drops.
pub(crate) struct LogGuard {
    _guard: WorkerGuard,
    /// The log file.
    pub(crate) path: PathBuf,
}

/// Starts logging to `<dir>/station-<timestamp>-<pid>.log` at `info` (or `RUST_LOG`).
pub(crate) fn init(dir: &Path) -> anyhow::Result<LogGuard> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create the log directory {}: {e}", dir.display()))?;
    let name = format!(
        "station-{}-{}.log",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        std::process::id()
    );
    let appender = tracing_appender::rolling::never(dir, &name);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("STATION_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(LogGuard {
        _guard: guard,
        path: dir.join(name),
    })
}
