//! `station-demo`: the station on its embedded default. A virtual fixture of fresh boards
//! (simulated firmware on pseudo-terminals, a real swtpm per TPM board), provisioned by the
//! station's own run, uploaded to dps-local (a local DPS over HTTPS on loopback), and then each
//! board's field boot against dps-local from its own flash.
//!
//! This is the test bench's binary, in its own Debian package: the fixture PC's `station` links
//! neither the virtual fixture nor dps-local (docs/architecture.md).
#![forbid(unsafe_code)]

mod demo;
mod demo_line;
mod preflight;
mod upload;
mod virtual_fixture;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = demo::DemoArgs::parse();
    match demo::demo(&args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            station_cli::embed::print_error(&e);
            ExitCode::from(station_cli::exit_for(&e).code())
        }
    }
}
