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

/// A technician `T1` (PIN 1234) and a supervisor `S1` (PIN 135790) in the station database at
/// `db`, added as the installer's admin would.
fn seed_operators(db: &Path) {
    let store = Store::open(db).unwrap();
    for (id, role, pin) in [
        ("T1", station_store::Role::Technician, "1234"),
        ("S1", station_store::Role::Supervisor, "135790"),
    ] {
        store
            .add_operator(
                "test",
                "root",
                &station_store::NewOperator {
                    id: id.into(),
                    name: id.into(),
                    role,
                    pin: pin.into(),
                },
            )
            .unwrap();
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A config for a fixture in `dir`.
fn write_config(dir: &Path, slots: u16) -> PathBuf {
    virtual_dut::test_secrets::write_uploader_identity(&dir.join("uploader.age")).unwrap();
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
[secrets]
recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]
identity_file = "uploader.age"
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
    // A copy, so this test does not see whatever an earlier demo left in var/.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("station-config")).unwrap();
    let config = dir.path().join("station-config/demo.toml");
    std::fs::copy(repo().join("station-config/demo.toml"), &config).unwrap();
    let out = station(
        &[
            "check",
            "--config",
            config.to_str().unwrap(),
            "--offline",
            "--json",
        ],
        &[],
    );
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON results");
    let results = results.as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["id"] == "config.valid" && r["outcome"] == "ok"),
        "{results:?}"
    );
    // Before the first `station-demo`, the demo's CA, TPM vendor root and uploader key pair do
    // not exist yet: those checks may fail, each with a fix; nothing else may.
    for r in results.iter().filter(|r| r["outcome"] == "failed") {
        let id = r["id"].as_str().unwrap();
        assert!(
            id == "ca.key" || id.starts_with("tpm.") || id == "secrets.sealed",
            "unexpected failure {r}"
        );
        assert!(r["fix"].as_str().is_some_and(|f| !f.is_empty()), "{r}");
    }
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
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(err.contains("error[station::config::unknown_key]"), "{err}");
    assert!(err.contains("station.toml:13:1:"), "line number in: {err}");
    assert!(err.contains("did you mean `command_timeout_ms`"), "{err}");
    assert!(err.contains("help:"), "{err}");
}

#[test]
fn a_missing_port_map_is_a_one_line_error_with_help() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), 1);
    let out = station(&["run", "--config", path.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(4));
    let err = text(&out.stderr);
    assert!(err.contains("error[station::run::ports_file]"), "{err}");
    assert!(err.contains("help: Start the fixture"), "{err}");
}

/// A unit failed → exit 1; the summary names the failure and what to do; the keys the
/// station generated appear neither on screen nor in the debug log.
/// Two runs on the same boards, and an empty slot: the second run skips the boards that
/// passed ("DONE") and the empty slot ("EMPTY"), records no unit for either, and exits 0.
#[test]
fn running_good_boards_twice_and_an_empty_slot_records_no_failure() {
    let dir = tempfile::tempdir().unwrap();
    let spec =
        FixtureSpec::uniform(dir.path().join("fixture"), 3, 115_200).with_fault(3, Fault::Empty);
    let _fixture = Fixture::start(&spec).unwrap();
    let config = write_config(dir.path(), 3);
    let cfg = config.to_str().unwrap();
    let first = station(&["run", "--config", cfg], &[]);
    let stdout = text(&first.stdout);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{stdout}{}",
        text(&first.stderr)
    );
    assert!(
        stdout.contains("2 passed, 0 failed, 1 skipped (empty or already provisioned)"),
        "{stdout}"
    );
    assert!(stdout.contains("EMPTY"), "{stdout}");
    let again = station(&["run", "--config", cfg], &[]);
    let stdout = text(&again.stdout);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{stdout}{}",
        text(&again.stderr)
    );
    assert!(stdout.contains("0 passed, 0 failed, 3 skipped"), "{stdout}");
    assert!(
        stdout.contains("[slot  1] DONE") && stdout.contains("[slot  2] DONE"),
        "{stdout}"
    );
    assert!(stdout.contains("already provisioned"), "{stdout}");
    let store = Store::open(&dir.path().join("station.db")).unwrap();
    let units = store.units(&station_store::UnitFilter::default()).unwrap();
    assert_eq!(units.len(), 2, "only the two PASS units: {units:?}");
}

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
    // What to do is the registry's action for the code, nothing written beside it.
    assert!(
        stdout.contains(&format!(
            "help: {}",
            station_errors::action("station::smp::refused")
        )),
        "{stdout}"
    );

    let store = Store::open(&dir.path().join("station.db")).unwrap();
    let queued = store.enrollments(None).unwrap();
    assert_eq!(queued.len(), 1);
    // Sealed where it was made: the stored payload holds no key, the uploader's identity
    // opens the one the board holds.
    assert_eq!(queued[0].secret, station_store::SecretState::Sealed);
    let stored: serde_json::Value = serde_json::from_str(&queued[0].payload_json).unwrap();
    assert_eq!(
        stored["attestation"]["symmetricKey"]["primaryKey"],
        station_store::REDACTED
    );
    let payload = virtual_dut::test_secrets::delivered_payload(
        &queued[0].payload_json,
        queued[0].sealed.as_ref().map(|s| s.ciphertext.as_slice()),
    );
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
    // The unit's log, as the desktop app's unit screen shows it: steps and the audit rows
    // about this unit (by serial or registration ID), in time order.
    let out = text(&detail.stdout);
    let log = out.split("  log:\n").nth(1).unwrap_or_default();
    assert!(log.contains("step identify"), "{out}");
    assert!(
        log.contains("audit ") && log.contains(" by tech-7"),
        "{out}"
    );
    let audit = station(&["audit", "verify", "--config", cfg], &[]);
    assert!(audit.status.success());
    assert!(text(&audit.stdout).contains("audit chain ok"));
    let audit = station(&["audit", "verify", "--config", cfg, "--json"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert!(v["rows"].as_u64().unwrap() > 0, "{v}");
    // One key casing for the station's own JSON: snake_case, whatever the type uses inside.
    let out = station(&["yield", "--config", cfg, "--json"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["hourly"].is_array() && v.get("reasons").is_some(), "{v}");
    fn keys(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => m.iter().for_each(|(k, v)| {
                out.push(k.clone());
                keys(v, out);
            }),
            serde_json::Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }
    let detail = station(&["units", &id, "--config", cfg, "--json"], &[]);
    let mut all = Vec::new();
    for doc in [&out.stdout, &detail.stdout] {
        let mut v: serde_json::Value = serde_json::from_slice(doc).unwrap();
        // The DPS object keeps DPS casing.
        if let Some(e) = v.get_mut("enrollment") {
            e["payload_json"] = serde_json::Value::Null;
        }
        keys(&v, &mut all);
    }
    assert!(
        all.iter()
            .all(|k| !k.chars().any(|c| c.is_ascii_uppercase())),
        "{all:?}"
    );
}

/// A supervisor's line set-up (`station line`) is what the next `station run` uses, unless
/// the command line says otherwise; bad slots and products change nothing.
#[test]
fn the_line_set_up_is_used_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let _fixture = Fixture::start(&FixtureSpec::uniform(
        dir.path().join("fixture"),
        1,
        115_200,
    ))
    .unwrap();
    let config = write_config(dir.path(), 1);
    let cfg = config.to_str().unwrap();

    seed_operators(&dir.path().join("station.db"));
    let pin = [("PIN", "135790")];

    let out = station(&["line", "--config", cfg, "--work-order", "WO-LINE-3"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("to set the work order the station needs a supervisor"),
        "{}",
        text(&out.stderr)
    );
    // The issue's trial: an operator that does not exist, with no PIN, changes nothing; nor
    // does a technician with their own right PIN, nor a supervisor with a wrong one.
    for (operator, env, code) in [
        ("S200", [("PIN", "135790")], 7),
        ("T1", [("PIN", "1234")], 7),
        ("S1", [("PIN", "000000")], 7),
    ] {
        let out = station(
            &[
                "line",
                "--config",
                cfg,
                "--work-order",
                "WO-EVIL",
                "--operator",
                operator,
                "--pin-env",
                "PIN",
            ],
            &env,
        );
        assert_eq!(
            out.status.code(),
            Some(code),
            "{operator}: {}",
            text(&out.stderr)
        );
    }
    let out = station(
        &[
            "line",
            "--config",
            cfg,
            "--product",
            "1=nope",
            "--operator",
            "S1",
            "--pin-env",
            "PIN",
        ],
        &pin,
    );
    assert!(text(&out.stderr).contains("product nope is not configured"));
    let out = station(
        &[
            "line",
            "--config",
            cfg,
            "--work-order",
            "WO-LINE-3",
            "--operator",
            "S1",
            "--pin-env",
            "PIN",
        ],
        &pin,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("work order  WO-LINE-3"),
        "{}",
        text(&out.stdout)
    );

    assert!(station(&["run", "--config", cfg], &[]).status.success());
    let store = Store::open(&dir.path().join("station.db")).unwrap();
    let units = store.units(&UnitFilter::default()).unwrap();
    assert_eq!(units[0].work_order.as_deref(), Some("WO-LINE-3"));
    let audit = store.audit_rows(50).unwrap();
    let set = audit.iter().find(|r| r.kind == "work_order.set").unwrap();
    assert_eq!(
        (set.actor.as_str(), set.subject.as_str()),
        ("S1", "WO-LINE-3")
    );

    let out = station(&["queue", "--config", cfg, "--json"], &[]);
    let q: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(q["queued"], 1);
    assert_eq!(q["uploaded_last_hour"], 0);
    assert_eq!(q["last_errors"], serde_json::json!([]));
}

/// Preflight on a healthy fixture PC: every check ok, ports opened.
#[test]
fn check_passes_a_healthy_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let _fixture = Fixture::start(&FixtureSpec::uniform(
        dir.path().join("fixture"),
        2,
        115_200,
    ))
    .unwrap();
    let config = write_config(dir.path(), 2);
    let out = station(
        &["check", "--config", config.to_str().unwrap(), "--json"],
        &[],
    );
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed: Vec<_> = results
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "failed")
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert!(out.status.success());
    let openable = results
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"] == "port.openable" && r["outcome"] == "ok")
        .count();
    assert_eq!(openable, 2);
}

/// Preflight on a broken one: the fixture is gone; each failure says what to do.
#[test]
fn check_names_each_broken_part_with_its_fix() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture::start(&FixtureSpec::uniform(
        dir.path().join("fixture"),
        1,
        115_200,
    ))
    .unwrap();
    let ports_file = fixture.ports_file().to_owned();
    fixture.stop();
    // The pseudo-terminal's number may already belong to another test's fixture: the ports
    // file names one that cannot exist, as a board unplugged for good would leave it.
    let ports = std::fs::read_to_string(&ports_file).unwrap();
    assert!(ports.contains("/dev/pts/"), "{ports}");
    std::fs::write(&ports_file, ports.replace("/dev/pts/", "/dev/pts/gone-")).unwrap();
    let config = write_config(dir.path(), 1);
    let out = station(&["check", "--config", config.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(4));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("FAILED   port.present"), "{stdout}");
    assert!(stdout.contains("fix: Start the fixture"), "{stdout}");
}

/// Preflight with an X.509 product whose CA cannot be read and an upload target that does not
/// answer: each is a FAILED line with its own fix; a running dps-local passes `dps.service`.
#[test]
fn check_reports_an_unreadable_ca_and_an_unreachable_dps() {
    let dir = tempfile::tempdir().unwrap();
    let _fixture = Fixture::start(&FixtureSpec::uniform(
        dir.path().join("fixture"),
        1,
        115_200,
    ))
    .unwrap();
    let server =
        dps_local::ServerThread::start(dps_local::Config::new(dir.path().join("dps"))).unwrap();
    let base = std::fs::read_to_string(write_config(dir.path(), 1)).unwrap();
    let with = |ca_cert: &str, host: &str| {
        format!(
            r#"{base}
[[product]]
id = "x"
registration_id = {{ template = "x-{{serial}}" }}
dps = {{ id_scope = "0ne00C11002" }}
[product.attestation]
kind = "x509"
enrollment = "individual"
[product.attestation.ca]
backend = "file"
certificate = "{ca_cert}"
key = "ca/key.pem"
passphrase = {{ env = "CLI_TEST_UNSET_PASSPHRASE" }}
[upload]
service_host = "{host}"
connection_string = {{ file = "{cs}" }}
trust_anchor = "{trust}"
"#,
            cs = server.connection_string_file().display(),
            trust = server.ca_file().display(),
        )
    };
    let config = dir.path().join("station.toml");
    let host = server.host();
    std::fs::write(&config, with("ca/missing.pem", &host)).unwrap();
    let out = station(
        &["check", "--config", config.to_str().unwrap(), "--json"],
        &[],
    );
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_id = |id: &str| {
        results
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(out.status.code(), Some(4));
    let ca = by_id("ca.key");
    assert_eq!(ca["outcome"], "failed", "{ca}");
    assert!(ca["fix"].as_str().is_some_and(|f| !f.is_empty()));
    assert_eq!(by_id("dps.service")["outcome"], "ok", "{results}");

    // The same station pointed at a port where nothing listens.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    std::fs::write(
        &config,
        with("ca/missing.pem", &format!("localhost:{}", dead.port())),
    )
    .unwrap();
    let out = station(&["check", "--config", config.to_str().unwrap()], &[]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("FAILED   dps.service"), "{stdout}");
    assert!(stdout.contains("FAILED   ca.key"), "{stdout}");
    assert_eq!(
        stdout.matches("fix:").count(),
        stdout.matches("FAILED").count() + stdout.matches("warning").count(),
        "{stdout}"
    );
}

/// `station check` tries the line database: nothing listening there is a failed check with a
/// fix, and a password written into its URL is refused as a config error.
#[test]
fn check_reports_an_unreachable_line_database() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), 1);
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!(
            "{base}\n[line_db]\nurl = \"host=127.0.0.1 port={dead} user=station dbname=line\"\ninsecure_plaintext = true\n"
        ),
    )
    .unwrap();
    let out = station(
        &["check", "--config", config.to_str().unwrap(), "--json"],
        &[],
    );
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let line = results
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "line_db.reachable")
        .cloned()
        .unwrap_or_else(|| panic!("{results}"));
    assert_eq!(line["outcome"], "failed", "{line}");
    assert!(
        line["detail"].as_str().unwrap().contains("line database"),
        "{line}"
    );
    assert!(
        line["fix"]
            .as_str()
            .is_some_and(|f| f.contains("[line_db]"))
    );
    assert_eq!(out.status.code(), Some(4));
    // Without ca_file the line database is reached in the clear: a failed check of its own.
    let tls = results
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "line_db.tls")
        .cloned()
        .unwrap_or_else(|| panic!("{results}"));
    assert_eq!(tls["outcome"], "failed", "{tls}");
    assert!(tls["fix"].as_str().unwrap().contains("ca_file"), "{tls}");

    std::fs::write(
        &config,
        format!("{base}\n[line_db]\nurl = \"host=db user=station password=hunter2\"\ninsecure_plaintext = true\n"),
    )
    .unwrap();
    let out = station(&["check", "--config", config.to_str().unwrap()], &[]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("line_db.url") && stderr.contains("holds a password"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "the secret is not echoed: {stderr}"
    );
}

/// Which configuration a command uses without `--config`: `$STATION_CONFIG`, else
/// `./station.toml`, else `/etc/station/station.toml`; `--config` beats them all; `station
/// check` and `--verbose` say which; none found is one line naming where it looked.
#[test]
fn the_configuration_is_found_as_documented_and_named() {
    let cwd = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let local = write_config(cwd.path(), 1);
    let from_env = write_config(other.path(), 1);
    let run_in = |args: &[&str], env: Option<&Path>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_station"));
        cmd.args(args)
            .current_dir(cwd.path())
            .env_remove("STATION_CONFIG");
        if let Some(e) = env {
            cmd.env("STATION_CONFIG", e);
        }
        cmd.output().unwrap()
    };
    let first_line = |o: &Output| {
        text(&o.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    };

    // ./station.toml in the working directory.
    let out = run_in(&["check", "--offline"], None);
    assert!(
        first_line(&out).contains("station.toml (from ./station.toml in the working directory)"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // $STATION_CONFIG beats it.
    let out = run_in(&["check", "--offline"], Some(&from_env));
    assert!(
        first_line(&out).contains(&format!("{} (from $STATION_CONFIG)", from_env.display())),
        "{}",
        text(&out.stdout)
    );
    // --config beats both; --verbose says which on any command.
    let out = run_in(
        &["units", "--verbose", "--config", local.to_str().unwrap()],
        Some(&from_env),
    );
    assert!(
        text(&out.stderr).contains(&format!(
            "configuration: {} (from --config)",
            local.display()
        )),
        "{}",
        text(&out.stderr)
    );
    // A ./station.toml anyone can write is refused, whoever runs the station: it names the
    // PKCS#11 module the station loads and the keys it signs with.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&local, std::fs::Permissions::from_mode(0o666)).unwrap();
        let out = run_in(&["units"], None);
        assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
        let err = text(&out.stderr);
        assert!(err.contains("error[station::config::unsafe_file]"), "{err}");
        assert!(err.contains("writable by every user on the PC"), "{err}");
        assert!(err.contains("chmod go-w"), "{err}");
        std::fs::set_permissions(&local, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    // Nothing here and no variable: the system file, and where it looked when it is absent.
    std::fs::remove_file(&local).unwrap();
    if !Path::new(station_config::SYSTEM_CONFIG).exists() {
        let out = run_in(&["units"], None);
        assert_eq!(out.status.code(), Some(3));
        let err = text(&out.stderr);
        assert!(err.contains("/etc/station/station.toml"), "{err}");
        assert!(err.contains("$STATION_CONFIG"), "{err}");
    }
}

/// `station explain` prints what docs/errors.md says, for a code as the technician copies it
/// from the screen, for an area, and the exit-code table; an unknown code is a usage error.
#[test]
fn explain_gives_the_meaning_action_and_exit_code_of_an_error() {
    let out = station(&["explain", "error[station::config::unknown_key]:"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    let doc = station_errors::lookup("station::config::unknown_key").unwrap();
    assert!(
        shown.starts_with("station::config::unknown_key\n"),
        "{shown}"
    );
    let words = station_errors::technician(doc.code).unwrap();
    for part in [
        &words.label,
        doc.meaning,
        doc.action,
        &words.says,
        &words.todo,
    ] {
        assert!(shown.contains(part), "{shown}");
    }
    assert!(shown.contains("Exit code: 3 (config)"), "{shown}");
    let docs = std::fs::read_to_string(repo().join("docs/errors.md")).unwrap();
    assert!(docs.contains(doc.meaning) && docs.contains(doc.action));

    let out = station(&["explain", "station::upload", "--json"], &[]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.len() > 10, "{codes:?}");
    assert!(codes.iter().all(|c| c.starts_with("station::upload::")));
    assert!(list[0]["exit_name"].is_string(), "snake_case keys: {list}");

    let out = station(&["explain"], &[]);
    let table = text(&out.stdout);
    assert!(table.contains("130  interrupted"), "{table}");
    let out = station(&["explain", "station::nope::nothing"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("error[station::explain::unknown]"));
}

/// `station --help` lists the product's commands; the demo is not one of them (it is the test
/// bench's `station-demo`, in its own package).
#[test]
fn help_lists_the_commands_and_no_demo() {
    let out = station(&["--help"], &[]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    for command in ["run", "check", "upload", "export", "explain"] {
        assert!(stdout.contains(&format!("\n  {command} ")), "{stdout}");
    }
    assert!(!stdout.contains("\n  demo "), "{stdout}");
    let out = station(&["demo"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// `station check --security` reports the threat model item by item on this station: the
/// guarantees it gives, what is misconfigured (failed) and what is the site's duty or not built
/// yet (warnings that say so); without the flag none of it is shown.
#[test]
fn check_security_reports_each_item_of_the_threat_model() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), 1);
    let base = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{base}\n[line_db]\nurl = \"host=127.0.0.1 port=1 user=station dbname=line\"\ninsecure_plaintext = true\n"),
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    let ids = |out: &Output| -> Vec<(String, String)> {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["outcome"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let plain = ids(&station(
        &["check", "--offline", "--json", "--config", cfg],
        &[],
    ));
    assert!(
        plain.iter().all(|(id, _)| !id.starts_with("security.")),
        "{plain:?}"
    );
    let out = station(
        &[
            "check",
            "--offline",
            "--security",
            "--json",
            "--config",
            cfg,
        ],
        &[],
    );
    let found = ids(&out);
    let outcome = |id: &str| {
        found
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, o)| o.as_str())
            .unwrap_or_else(|| panic!("{id} missing: {found:?}"))
    };
    assert_eq!(outcome("security.config"), "ok");
    assert_eq!(outcome("security.pins"), "ok");
    assert_eq!(outcome("line_db.tls"), "failed");
    for duty in ["security.disk", "security.line_db_roles"] {
        assert_eq!(outcome(duty), "warning", "{duty}");
    }
    assert_eq!(
        outcome("security.keys_at_rest"),
        "ok",
        "an empty database holds no key"
    );
    assert_eq!(outcome("secrets.sealed"), "ok");
    // On a line, the line database's append-only copy anchors the audit chain.
    assert_eq!(outcome("security.audit_anchor"), "ok");
    // The test's identity file is its owner's alone (root runs the tests: no other reader).
    assert_eq!(outcome("security.accounts"), "ok");
    assert_eq!(out.status.code(), Some(4), "a failed item fails the check");

    // A lab that keeps device keys in clear says so, and the check fails on it.
    let text = std::fs::read_to_string(cfg).unwrap();
    let start = text.find("recipients = [").unwrap();
    let end = start + text[start..].find('\n').unwrap();
    std::fs::write(
        cfg,
        format!(
            "{}insecure_plaintext = true{}",
            &text[..start],
            &text[end..]
        ),
    )
    .unwrap();
    let lab = ids(&station(
        &["check", "--offline", "--json", "--config", cfg],
        &[],
    ));
    assert!(
        lab.contains(&("secrets.sealed".to_owned(), "failed".to_owned())),
        "{lab:?}"
    );
}
