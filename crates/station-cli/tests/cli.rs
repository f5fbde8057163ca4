//! The `station` binary as a technician and a supervisor use it: exit codes, messages, logs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use station_store::{Store, UnitFilter};
use virtual_dut::{Fault, Fixture, FixtureSpec};

fn station(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_station"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("station runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A config for a fixture in `dir`.
fn write_config(dir: &Path, slots: u16) -> PathBuf {
    let slot_sections: String = (1..=slots)
        .map(|i| format!("[[fixture.slot]]\nindex = {i}\nproduct = \"p\"\n"))
        .collect();
    let path = dir.join("station.toml");
    std::fs::write(
        &path,
        format!(
            r#"[station]
id = "cli-test"
log_dir = "log"
operator = "tech-7"
[storage]
database = "station.db"
[fixture]
name = "virtual"
ports_file = "fixture/ports.toml"
command_timeout_ms = 250
{slot_sections}
[[product]]
id = "p"
registration_id = {{ template = "cli-{{serial}}", lowercase = true }}
dps = {{ id_scope = "0ne00C11001" }}
attestation = {{ kind = "symmetric-key", enrollment = {{ type = "individual" }} }}
"#
        ),
    )
    .unwrap();
    path
}

#[test]
fn check_accepts_the_demo_config() {
    let config = repo().join("station-config/demo.toml");
    let out = station(&["check", "--config", config.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("config.valid"));
}

#[test]
fn check_names_the_line_and_suggests_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), 1);
    let broken = std::fs::read_to_string(&path)
        .unwrap()
        .replace("command_timeout_ms", "command_timout_ms");
    std::fs::write(&path, broken).unwrap();
    let out = station(&["check", "--config", path.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("error[station::config::unknown_key]"), "{err}");
    assert!(err.contains("station.toml:10:1:"), "line number in: {err}");
    assert!(err.contains("did you mean `command_timeout_ms`"), "{err}");
    assert!(err.contains("help:"), "{err}");
}

#[test]
fn a_missing_port_map_is_a_one_line_error_with_help() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), 1);
    let out = station(&["run", "--config", path.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("error[station::run::ports_file]"), "{err}");
    assert!(err.contains("help: Start the fixture"), "{err}");
}

/// A unit failed → exit 1; the summary names the failure and what to do; the keys the
/// station generated appear neither on screen nor in the debug log.
#[test]
fn run_reports_failures_and_never_prints_or_logs_keys() {
    let dir = tempfile::tempdir().unwrap();
    let spec = FixtureSpec::uniform(dir.path().join("fixture"), 2, 115_200)
        .with_fault(2, Fault::RefuseWrites);
    let fixture = Fixture::start(&spec).unwrap();
    let config = write_config(dir.path(), 2);
    let out = station(
        &[
            "run",
            "--config",
            config.to_str().unwrap(),
            "--work-order",
            "WO-9",
        ],
        &[("STATION_LOG", "debug")],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
    assert!(
        stdout.contains("DUT refused settings.write while writing the DPS settings"),
        "{stdout}"
    );
    assert!(
        stdout.contains("help: The firmware refuses settings writes"),
        "{stdout}"
    );

    let store = Store::open(&dir.path().join("station.db")).unwrap();
    let queued = store.enrollments(None).unwrap();
    assert_eq!(queued.len(), 1);
    let payload: serde_json::Value = serde_json::from_str(&queued[0].payload_json).unwrap();
    let key = payload["attestation"]["symmetricKey"]["primaryKey"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        fixture.flash(1).unwrap().decoded_settings()["dps/sym_key"],
        key.as_bytes()
    );

    let logs: Vec<_> = std::fs::read_dir(dir.path().join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(logs.len(), 1, "one log file per start");
    let log = std::fs::read_to_string(&logs[0]).unwrap();
    assert!(log.contains("smp tx"), "debug logging reached the file");
    assert!(
        log.contains("<redacted>"),
        "secret exchanges are logged redacted"
    );
    let key_hex: String = key.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    for (what, haystack) in [
        ("stdout", &stdout),
        ("stderr", &text(&out.stderr)),
        ("log", &log),
    ] {
        assert!(!haystack.contains(&key), "key leaked to {what}");
        assert!(!haystack.contains(&key_hex), "key leaked to {what} as hex");
    }
    let _ = store.units(&UnitFilter::default()).unwrap();
}

#[test]
fn units_and_audit_verify_read_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture::start(&FixtureSpec::uniform(
        dir.path().join("fixture"),
        1,
        115_200,
    ))
    .unwrap();
    let config = write_config(dir.path(), 1);
    let cfg = config.to_str().unwrap();
    assert!(station(&["run", "--config", cfg], &[]).status.success());
    let out = station(&["units", "--config", cfg, "--json"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let units: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(units.as_array().unwrap().len(), 1);
    assert_eq!(units[0]["status"], "pass");
    assert_eq!(
        units[0]["serial"],
        fixture.flash(1).unwrap().identity.serial.as_str()
    );
    let id = units[0]["id"].to_string();
    let detail = station(&["units", &id, "--config", cfg], &[]);
    assert!(
        text(&detail.stdout).contains("write-settings"),
        "{}",
        text(&detail.stdout)
    );
    let audit = station(&["audit", "verify", "--config", cfg], &[]);
    assert!(audit.status.success());
    assert!(text(&audit.stdout).contains("audit chain ok"));
}
