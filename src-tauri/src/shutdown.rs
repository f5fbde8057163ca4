//! Closing the app without cutting a board off. The window's close button (outside kiosk mode)
//! and SIGINT/SIGTERM (Ctrl-C, `systemctl stop` of the kiosk) ask every running slot to stop at
//! its next safe point, wait for the slots (at most [`STOP_WAIT`]), then exit. A unit not yet
//! claimed stops before its next step; a claimed one finishes its lock and record. A second
//! signal exits at once (130); the crash-safety claim covers what was under way.

use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};

use crate::launch::Launch;

/// The longest the app waits for running slots before it exits anyway. The pipeline stops a
/// slot within one step (well under a second on the virtual fixture; a command timeout on a
/// silent board).
pub const STOP_WAIT: Duration = Duration::from_secs(10);

/// Stops the runs, then exits the app once no slot is running (on another thread: the caller
/// is the event loop).
pub fn exit_when_idle<R: Runtime>(handle: AppHandle<R>) {
    if let Ok(st) = handle.state::<Launch>().station() {
        st.request_stop();
    }
    let spawned = std::thread::Builder::new()
        .name("exit-when-idle".into())
        .spawn(move || {
            let left = handle
                .state::<Launch>()
                .station()
                .map(|st| st.wait_idle(STOP_WAIT))
                .unwrap_or_default();
            if left.is_empty() {
                tracing::info!("every slot stopped; exiting");
            } else {
                tracing::warn!(slots = ?left, "slots still running after the stop wait; exiting");
            }
            handle.exit(0);
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not wait for the slots to stop; they stop at exit");
    }
}

/// Handles SIGINT and SIGTERM for the app's lifetime: the first stops the runs and exits when
/// they are done, a second exits at once.
pub fn on_signals<R: Runtime>(handle: AppHandle<R>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut seen = 0u32;
            for signal in signals.forever() {
                seen += 1;
                if seen > 1 {
                    tracing::warn!(signal, "second stop signal: exiting now");
                    std::process::exit(130);
                }
                tracing::info!(
                    signal,
                    "stop signal: finishing the running units, then exiting"
                );
                exit_when_idle(handle.clone());
            }
        })?;
    Ok(())
}
