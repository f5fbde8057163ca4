//! `dps-local --help` prints its usage and starts no server.

#![allow(clippy::unwrap_used)]

#[test]
fn help_prints_the_usage() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dps-local"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Usage: dps-local"), "{stdout}");
    assert!(!stdout.contains("listening"), "{stdout}");
}
