//! Interoperability: smpclient (PyPI), an SMP client we did not write, talks to a virtual DUT
//! over its pseudo-terminal: echo, settings write/read, a missing key, save, reset, read again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use virtual_dut::{Fixture, FixtureSpec};

#[test]
fn smpclient_echoes_and_reads_and_writes_settings_on_a_virtual_dut() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/bootstrap.sh (it installs smpclient into .venv)",
        python.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture::start(&FixtureSpec::uniform(dir.path(), 1, 115_200)).unwrap();
    let out = Command::new(&python)
        .arg(root.join("tests/interop/smpclient_check.py"))
        .arg(fixture.port(1))
        .output()
        .expect("python runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "smpclient check failed: {stderr}");
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    assert_eq!(seen["echo"], "hello from smpclient");
    assert_eq!(seen["read"], "written-by-smpclient");
    assert_eq!(seen["missing_is_error"], true);
    assert_eq!(seen["reset_ok"], true);
    assert_eq!(
        seen["read_after_reset"], "written-by-smpclient",
        "saved setting survives the reset"
    );
    // And it is in the DUT's flash file.
    let flash = fixture.flash(1).unwrap().decoded_settings();
    assert_eq!(flash["interop/probe"], b"written-by-smpclient");
}

/// A locked board keeps its secrets (docs/device-protocol.md): after the station provisioned
/// and locked it, smpclient reads the public `dps/*` settings but not the symmetric key, and
/// cannot overwrite it. The station itself proved the key persisted with the setting proof.
#[test]
fn smpclient_cannot_read_a_locked_boards_symmetric_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(python.exists(), "run scripts/bootstrap.sh first");
    let h = station_e2e::Harness::start(
        FixtureSpec::uniform("unused", 1, 115_200),
        &station_e2e::HarnessOptions::default(),
    );
    let (summary, _) = h.run(station_pipeline::Permissions::none());
    assert_eq!(summary.passed(), 1, "{:#?}", summary.units);
    let flash = h.fixture.flash(1).unwrap();
    assert!(flash.locked);
    let out = Command::new(&python)
        .arg(root.join("tests/interop/smpclient_locked_check.py"))
        .arg(h.fixture.port(1))
        .output()
        .expect("python runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "smpclient check failed: {stderr}");
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    let settings = flash.decoded_settings();
    for name in [
        "dps/endpoint",
        "dps/id_scope",
        "dps/reg_id",
        "dps/attestation",
    ] {
        assert_eq!(
            seen["read"][name]["value"].as_str().map(str::as_bytes),
            Some(settings[name].as_slice()),
            "{name}: {seen}"
        );
    }
    let key = &seen["read"]["dps/sym_key"];
    assert!(
        key["value"].is_null(),
        "a locked board returned its key: {seen}"
    );
    assert!(key["error"].is_string(), "{seen}");
    assert_eq!(seen["overwrite_refused"], true, "{seen}");
    // And the key in flash is untouched.
    assert_eq!(
        h.fixture.flash(1).unwrap().decoded_settings()["dps/sym_key"],
        settings["dps/sym_key"]
    );
}
