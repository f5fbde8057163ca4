//! Every bench answers `--help` with its usage and does nothing else (`station-bench --help`
//! once ran a whole benchmark).

#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn every_bench_prints_help_and_runs_nothing() {
    for (name, exe) in [
        ("station-bench", env!("CARGO_BIN_EXE_station-bench")),
        ("upload-bench", env!("CARGO_BIN_EXE_upload-bench")),
        ("x509-bench", env!("CARGO_BIN_EXE_x509-bench")),
        ("tpm-bench", env!("CARGO_BIN_EXE_tpm-bench")),
        ("line-bench", env!("CARGO_BIN_EXE_line-bench")),
    ] {
        let out = Command::new(exe).arg("--help").output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name} --help: {out:?}");
        assert!(
            stdout.contains(&format!("Usage: {name}")),
            "{name} --help: {stdout}"
        );
        // A bench that ran prints its figures' header, "<name>: …".
        assert!(
            !stdout.contains(&format!("{name}: ")),
            "{name} --help ran the bench: {stdout}"
        );
        // An unknown option is a usage error, not a run with defaults.
        let out = Command::new(exe).arg("--no-such-option").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name} --no-such-option");
    }
}
