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
    let state = match station_desktop::open_state(&options, started) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match station_desktop::build_app(tauri::Builder::default(), tauri::generate_context!(), state) {
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
