//! The kill harness, short version: the real `station run` on a virtual fixture, SIGKILLed at a
//! random instant — aimed inside a chosen step (read from its `--json` progress) or uniform over
//! the run — then run again on the same boards as a technician would, and the invariants
//! checked against the boards' flash and the database:
//!
//! - every board is locked and has exactly one PASS unit whose registration ID and symmetric
//!   key equal the board's flash, with exactly one live enrollment;
//! - no unit is left in progress or committing, no registration ID is in two live enrollments;
//! - the audit chain verifies.
//!
//! The virtual DUTs run in this test process, so they outlive the killed station as real
//! boards do.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;
use station_store::{EnrollmentStatus, Store, UnitFilter, UnitStatus};
use virtual_dut::{Fixture, FixtureSpec};

const SLOTS: u16 = 4;
const BAUD: u32 = 115_200;
const KILLS: usize = 32;
/// Steps a kill is aimed at, in turn; every other kill is uniform over the run.
const AIMED: &[(&str, u64)] = &[
    ("identify", 10),
    ("attest", 5),
    ("write-settings", 25),
    ("save", 5),
    ("reset", 30),
    ("verify", 20),
    ("lock", 8),
    ("record", 5),
];

fn write_config(dir: &Path, db: &Path) -> std::path::PathBuf {
    let slots: String = (1..=SLOTS)
        .map(|i| format!("[[fixture.slot]]\nindex = {i}\nproduct = \"p\"\n"))
        .collect();
    let path = dir.join("station.toml");
    std::fs::write(
        &path,
        format!(
            r#"[station]
id = "kill-test"
log_dir = "{log}"
operator = "tech-7"
[storage]
database = "{db}"
[fixture]
name = "virtual"
ports_file = "{ports}"
baud = {BAUD}
command_timeout_ms = 400
{slots}
[[product]]
id = "p"
registration_id = {{ template = "kill-{{serial}}", lowercase = true }}
dps = {{ id_scope = "0ne00K11001" }}
attestation = {{ kind = "symmetric-key", enrollment = {{ type = "individual" }} }}
"#,
            log = dir.join("log").display(),
            db = db.display(),
            ports = dir.join("fixture/ports.toml").display(),
        ),
    )
    .unwrap();
    path
}

/// How the station is stopped.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stop {
    /// SIGKILL: the power cut.
    Kill,
    /// One SIGTERM: a graceful stop (`systemctl stop`, Ctrl-C).
    Term,
    /// Two SIGTERMs: the impatient technician; the second exits at once.
    TermTwice,
}

fn signal(pid: u32, name: &str) {
    // Not checked: the process may have exited already.
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status();
}

/// Where a kill landed: the step it was aimed at, `uniform`, or `missed` (the run ended first).
fn run_and_kill(config: &Path, aim: Option<(&str, u64)>, uniform_ms: u64) -> String {
    run_and_stop(config, aim, uniform_ms, Stop::Kill).0
}

/// As [`run_and_kill`], stopping the station `how`; also returns how long it took to exit
/// after the (first) signal.
fn run_and_stop(
    config: &Path,
    aim: Option<(&str, u64)>,
    uniform_ms: u64,
    how: Stop,
) -> (String, Duration, Option<i32>) {
    let mut rng = rand::rng();
    let mut child = Command::new(env!("CARGO_BIN_EXE_station"))
        .args(["run", "--json", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let landed = match aim {
        Some((step, max_ms)) => {
            let want = format!("\"step\":\"{step}\"");
            let mut landed = "missed".to_owned();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.contains("\"kind\":\"stepStarted\"") && line.contains(&want) {
                    std::thread::sleep(Duration::from_micros(rng.random_range(0..=max_ms * 1000)));
                    landed = step.to_owned();
                    break;
                }
            }
            landed
        }
        None => {
            let at = Duration::from_millis(rng.random_range(0..=uniform_ms));
            let start = Instant::now();
            loop {
                if child.try_wait().unwrap().is_some() {
                    break "missed".to_owned();
                }
                if start.elapsed() >= at {
                    break "uniform".to_owned();
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    };
    let signalled = Instant::now();
    match how {
        Stop::Kill => {
            let _ = child.kill(); // SIGKILL
        }
        Stop::Term => signal(child.id(), "TERM"),
        Stop::TermTwice => {
            signal(child.id(), "TERM");
            std::thread::sleep(Duration::from_millis(2));
            signal(child.id(), "TERM");
        }
    }
    let status = child.wait().unwrap();
    (landed, signalled.elapsed(), status.code())
}

fn rerun(config: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_station"))
        .args(["run", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    // 1: boards that passed before the kill are refused as duplicates, as they should be.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "rerun could not run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check_invariants(store: &Store, fixture: &Fixture, kill: usize) {
    let enrollments = store.enrollments(None).unwrap();
    let mut live: HashMap<String, usize> = HashMap::new();
    for e in &enrollments {
        if matches!(
            e.status,
            EnrollmentStatus::Queued | EnrollmentStatus::Uploaded
        ) {
            *live.entry(e.registration_id.to_lowercase()).or_default() += 1;
        }
    }
    assert!(
        live.values().all(|n| *n == 1),
        "kill {kill}: a registration ID in two live enrollments: {live:?}"
    );
    for slot in 1..=SLOTS {
        let flash = fixture.flash(slot).unwrap();
        let serial = &flash.identity.serial;
        assert!(
            flash.locked,
            "kill {kill}: slot {slot} ({serial}) not locked after the rerun"
        );
        let settings = flash.decoded_settings();
        let reg_id = String::from_utf8(settings["dps/reg_id"].clone()).unwrap();
        let passed: Vec<_> = store
            .units(&UnitFilter {
                serial: Some(serial.clone()),
                status: Some(UnitStatus::Pass),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            passed.len(),
            1,
            "kill {kill}: {serial}: PASS units {passed:?}"
        );
        assert_eq!(passed[0].registration_id.as_deref(), Some(reg_id.as_str()));
        let detail = store.unit(passed[0].id).unwrap().unwrap();
        let e = detail.enrollment.expect("a PASS unit has its enrollment");
        assert_eq!(
            live.get(&reg_id.to_lowercase()),
            Some(&1),
            "kill {kill}: {serial}"
        );
        let payload: serde_json::Value = serde_json::from_str(&e.payload_json).unwrap();
        // The board holds the key as its base64 text, as DPS takes it.
        let on_board = String::from_utf8(settings["dps/sym_key"].clone()).unwrap();
        assert_eq!(
            payload["attestation"]["symmetricKey"]["primaryKey"], on_board,
            "kill {kill}: {serial}: the enrollment's key is not the board's"
        );
    }
    for status in [UnitStatus::InProgress, UnitStatus::Committing] {
        let left = store
            .units(&UnitFilter {
                status: Some(status),
                ..Default::default()
            })
            .unwrap();
        assert!(
            left.is_empty(),
            "kill {kill}: units left {status}: {left:?}"
        );
    }
    store.verify_audit().unwrap();
}

#[test]
fn killed_at_any_instant_and_run_again_no_unit_is_lost_or_duplicated() {
    let root = tempfile::tempdir().unwrap();
    let db = root.path().join("station.db");
    let mut landed: BTreeMap<String, usize> = BTreeMap::new();
    // One run left alone measures how long a whole run takes: uniform kills fall inside it.
    let window_ms = {
        let dir = root.path().join("calibration");
        let fixture =
            Fixture::start(&FixtureSpec::uniform(dir.join("fixture"), SLOTS, BAUD)).unwrap();
        let config = write_config(&dir, &dir.join("calibration.db"));
        let t = Instant::now();
        rerun(&config);
        fixture.stop();
        u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX)
    };
    for kill in 0..KILLS {
        let dir = root.path().join(format!("kill-{kill}"));
        let fixture =
            Fixture::start(&FixtureSpec::uniform(dir.join("fixture"), SLOTS, BAUD)).unwrap();
        let config = write_config(&dir, &db);
        let aim = (kill % 2 == 0).then(|| AIMED[(kill / 2) % AIMED.len()]);
        let at = run_and_kill(&config, aim, window_ms);
        *landed.entry(at).or_default() += 1;
        rerun(&config);
        let store = Store::open(&db).unwrap();
        check_invariants(&store, &fixture, kill);
        drop(store);
        fixture.stop();
    }
    println!("kills by where they landed (whole run {window_ms} ms): {landed:?}");
    let hit = landed
        .iter()
        .filter(|(k, _)| *k != "missed")
        .map(|(_, n)| n)
        .sum::<usize>();
    assert!(
        hit >= KILLS * 3 / 4,
        "too few kills landed inside a run: {landed:?}"
    );
}

#[test]
fn a_graceful_stop_ends_within_ten_seconds_and_a_rerun_loses_nothing() {
    let root = tempfile::tempdir().unwrap();
    let db = root.path().join("station.db");
    let steps = [
        "identify",
        "write-settings",
        "reset",
        "verify",
        "lock",
        "record",
    ];
    for (i, step) in steps.iter().enumerate() {
        let how = if i % 3 == 2 {
            Stop::TermTwice
        } else {
            Stop::Term
        };
        let dir = root.path().join(format!("stop-{i}"));
        let fixture =
            Fixture::start(&FixtureSpec::uniform(dir.join("fixture"), SLOTS, BAUD)).unwrap();
        let config = write_config(&dir, &db);
        let (landed, took, code) = run_and_stop(&config, Some((step, 5)), 0, how);
        println!(
            "{how:?} in {landed}: exited in {} ms with {code:?}",
            took.as_millis()
        );
        assert!(took < Duration::from_secs(10), "{how:?} took {took:?}");
        if landed != "missed" && how == Stop::Term {
            // Stopped units are failures (exit 1), never a crash.
            assert!(matches!(code, Some(0 | 1)), "{how:?}: exit {code:?}");
        }
        rerun(&config);
        let store = Store::open(&db).unwrap();
        check_invariants(&store, &fixture, i);
        drop(store);
        fixture.stop();
    }
}
