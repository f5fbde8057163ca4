//! The desktop station: a Tauri 2 app over the provisioning pipeline, for technicians and
//! supervisors at the fixture PC, in kiosk mode when the station config asks for it.
//!
//! The app stays thin: [`commands`] check the operator's role and call the core,
//! [`events`] stamps pipeline progress for its per-run channel, [`state`] holds the one managed
//! [`StationState`]. Nothing here speaks SMP or touches keys.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod commands;
pub mod error;
pub mod events;
pub mod fixture;
pub mod launch;
pub mod media;
pub mod priority;
pub mod shutdown;
pub mod state;

use std::path::PathBuf;
use std::time::Instant;

use tauri::{
    App, Builder, Context, Manager, RunEvent, Runtime, WebviewUrl, WebviewWindowBuilder,
    WindowEvent,
};

pub use error::CommandError;
pub use error::StartFailure;
pub use launch::Launch;
pub use state::{StartError, StationState};

/// Builds the app around `state`: the kiosk window from `[kiosk]`, the commands, and the close
/// guard. Tests pass `tauri::test::mock_builder()` and a mock context.
pub fn build_app<R: Runtime>(
    builder: Builder<R>,
    context: Context<R>,
    state: StationState,
) -> tauri::Result<App<R>> {
    build_launch(builder, context, Launch::ready(state))
}

/// [`build_app`] for a station that started or did not: one that did not opens on the
/// start-up screen (the cause, the action, *Retry*), in a plain window since its `[kiosk]`
/// settings are unknown.
pub fn build_launch<R: Runtime>(
    builder: Builder<R>,
    context: Context<R>,
    launch: Launch,
) -> tauri::Result<App<R>> {
    let (kiosk, title) = match launch.station() {
        Ok(state) => (
            state.config().kiosk.clone(),
            state
                .config()
                .station
                .name
                .clone()
                .unwrap_or_else(|| format!("Station {}", state.config().station.id)),
        ),
        Err(_) => (
            station_config::KioskSection {
                fullscreen: false,
                decorations: true,
                always_on_top: false,
                ..Default::default()
            },
            "Provisioning station: not started".to_owned(),
        ),
    };
    builder
        .manage(launch)
        .setup(move |app| {
            WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                .title(title)
                .inner_size(1280.0, 800.0)
                .min_inner_size(800.0, 600.0)
                .fullscreen(kiosk.fullscreen)
                .decorations(kiosk.decorations)
                .always_on_top(kiosk.always_on_top)
                .build()?;
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                let launch = window.state::<Launch>();
                let Ok(st) = launch.station() else {
                    return;
                };
                if st.config().kiosk.exit_requires_supervisor_pin {
                    // Only `exit_app` with a supervisor's PIN may end the kiosk.
                    api.prevent_close();
                } else if !st.running().is_empty() {
                    // Closing now would cut boards off mid-write: stop the runs at a safe
                    // point first, then exit.
                    api.prevent_close();
                    shutdown::exit_when_idle(window.app_handle().clone());
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::ui_ready,
            commands::retry_start,
            commands::approve,
            commands::removable_drives,
            commands::end_approval,
            commands::login,
            commands::logout,
            commands::session,
            commands::touch_session,
            commands::set_work_order,
            commands::set_slot_product,
            commands::run_slots,
            commands::units,
            commands::unit,
            commands::queue_status,
            commands::line_status,
            commands::line_overview,
            commands::resolve_conflict,
            commands::requeue_enrollment,
            commands::open_claims,
            commands::void_claim,
            commands::keep_claim_waiting,
            commands::export_batch,
            commands::yield_report,
            commands::audit_log,
            commands::config_text,
            commands::operators,
            commands::add_operator,
            commands::set_operator_pin,
            commands::unlock_operator,
            commands::exit_app,
        ])
        .build(context)
}

/// Runs the built app until `exit_app`, a stop signal, or (outside kiosk mode) the window
/// closes; see [`shutdown`].
pub fn run_app<R: Runtime>(app: App<R>) {
    if let Err(e) = shutdown::on_signals(app.handle().clone()) {
        tracing::error!(error = %e, "no SIGTERM handling: a stop signal will cut running units off");
    }
    app.run(|handle, event| match event {
        RunEvent::ExitRequested { api, code, .. } => {
            let launch = handle.state::<Launch>();
            let Ok(st) = launch.station() else {
                return;
            };
            // A code means `exit_app` asked; no code means the last window closed.
            if code.is_none() && st.config().kiosk.exit_requires_supervisor_pin {
                api.prevent_exit();
            }
        }
        RunEvent::Exit => {
            if let Ok(st) = handle.state::<Launch>().station() {
                st.stop_fixture();
            }
        }
        _ => {}
    });
}

/// Command-line options of `station-desktop`.
#[derive(Debug, Clone)]
pub struct Options {
    /// The configuration file and how it was found: `--config <file>`, else
    /// `$STATION_CONFIG`, else `./station.toml`, else `/etc/station/station.toml` (as the CLI).
    pub config: station_config::Discovered,
}

/// What `station-desktop --help` prints.
pub const USAGE: &str = "\
station-desktop: the provisioning station's desktop app (the technician's and supervisor's screen)

Usage: station-desktop [--config <FILE>]

Options:
      --config <FILE>  Station configuration file. Without --config: $STATION_CONFIG, else
                       ./station.toml if there is one, else /etc/station/station.toml
  -h, --help           Print help
  -V, --version        Print version

Kiosk mode, operators and the autostarting kiosk session: docs/kiosk.md.
";

/// `--help` or `--version` among the arguments: the text to print instead of starting.
pub fn help_or_version(args: &[String]) -> Option<String> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        Some(USAGE.to_owned())
    } else if args.iter().any(|a| a == "--version" || a == "-V") {
        Some(format!("station-desktop {}\n", env!("CARGO_PKG_VERSION")))
    } else {
        None
    }
}

impl Options {
    /// Parses `--config <file>`; anything else is ignored (WebKit and tauri-driver add their own).
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Self {
        let mut config = None;
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            if a == "--config" {
                config = it.next().map(PathBuf::from);
            } else if let Some(v) = a.strip_prefix("--config=") {
                config = Some(PathBuf::from(v));
            }
        }
        Self {
            config: station_config::discover(config.as_deref()),
        }
    }
}

/// Loads the configuration, starts logging and opens the station. `started` is the process
/// start, for the startup figure.
pub fn open_state(options: &Options, started: Instant) -> Result<StationState, StartFailure> {
    let config =
        station_config::load(&options.config.path).map_err(|e| StartFailure::config(&e))?;
    let log_path = init_logging(&config.station);
    tracing::info!(config = %options.config, "configuration");
    StationState::open(config, &options.config.path, started, log_path)
        .map_err(|e| StartFailure::station(&e))
}

/// One log file per start in `station.log_dir`, rotated daily and at `station.log_max_mb`,
/// keeping `station.log_keep` (crates/station-logs); returns the first file's path. A log that
/// cannot be opened does not stop the app, but it is said on stderr (the kiosk service's
/// journal), with the reason.
fn init_logging(station: &station_config::StationSection) -> Option<PathBuf> {
    use tracing_subscriber::EnvFilter;
    let dir = &station.log_dir;
    let policy = station_logs::LogPolicy::from_config(station.log_max_mb, station.log_keep);
    let file = match station_logs::RollingFile::open(dir, "station-desktop", policy) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "station-desktop: no log file: cannot write in {}: {e}; set station.log_dir to \
                 a directory the station user can write",
                dir.display()
            );
            return None;
        }
    };
    let path = file.path().to_owned();
    let filter = EnvFilter::try_from_env("STATION_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // Writes go straight to the file (no worker thread to keep alive).
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Some(path)
}
