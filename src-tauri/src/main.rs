//! `station-desktop`: the desktop station. `station-desktop [--config <file>]`.
#![forbid(unsafe_code)]
// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let started = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(text) = station_desktop::help_or_version(&args) {
        print!("{text}");
        return ExitCode::SUCCESS;
    }
    let options = station_desktop::Options::from_args(args);
    // A station that does not start still opens its window, on the cause and a Retry: the
    // kiosk service must not restart a process that would only fail again.
    let launch = match station_desktop::open_state(&options, started) {
        Ok(state) => station_desktop::Launch::ready(state),
        Err(failure) => {
            eprintln!("{failure}");
            station_desktop::Launch::failed(
                failure,
                Box::new(move || station_desktop::open_state(&options, std::time::Instant::now())),
            )
        }
    };
    match station_desktop::build_launch(
        tauri::Builder::default(),
        tauri::generate_context!(),
        launch,
    ) {
        Ok(app) => {
            station_desktop::run_app(app);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: could not start the desktop app: {e}");
            ExitCode::from(2)
        }
    }
}
