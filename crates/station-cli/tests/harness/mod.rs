//! What the kill harness (`kill.rs`) and the power-cut harness (`power_cut.rs`) share: the
//! real `station run` stopped at a chosen or random instant, the rerun a technician makes, and
//! the invariants checked against the boards' flash and the database afterwards. `mixed` is
//! the mixed line (symmetric key, X.509, TPM; uploader, export).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub(crate) mod mixed;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rand::Rng;
use station_store::{EnrollmentStatus, Store, UnitFilter, UnitStatus};
use virtual_dut::Fixture;

pub(crate) const BAUD: u32 = 115_200;

/// How the station is stopped.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Stop {
    /// SIGKILL: the power cut.
    Kill,
    /// One SIGTERM: a graceful stop (`systemctl stop`, Ctrl-C).
    Term,
    /// Two SIGTERMs: the impatient technician; the second exits at once.
    TermTwice,
}

pub(crate) fn signal(pid: u32, name: &str) {
    // Not checked: the process may have exited already.
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status();
}

/// A unit the stopped run printed as PASS, from its `--json` progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Printed {
    /// The unit's id in the store.
    pub(crate) unit_id: i64,
    /// The registration ID it passed with.
    pub(crate) registration_id: String,
}

/// How a stopped run went.
#[derive(Debug)]
pub(crate) struct Stopped {
    /// Where the stop landed: the step it was aimed at, `uniform`, or `missed` (the run
    /// ended first).
    pub(crate) landed: String,
    /// How long the station took to exit after the (first) signal.
    pub(crate) took: Duration,
    /// Its exit code (none when killed).
    pub(crate) code: Option<i32>,
    /// Every unit it printed as PASS before it stopped.
    pub(crate) passed: Vec<Printed>,
}

/// `station run` stopped by SIGKILL; where the kill landed.
pub(crate) fn run_and_kill(config: &Path, aim: Option<(&str, u64)>, uniform_ms: u64) -> String {
    run_and_stop(config, aim, uniform_ms, Stop::Kill).landed
}

/// `station run --json`, stopped `how`: `aim` is a step and the most milliseconds to wait
/// once it starts (its slowest calibrated duration); without one, a uniform instant in
/// `0..=uniform_ms`. Its progress is read to the end, so every PASS it printed is known.
pub(crate) fn run_and_stop(
    config: &Path,
    aim: Option<(&str, u64)>,
    uniform_ms: u64,
    how: Stop,
) -> Stopped {
    let mut rng = rand::rng();
    let mut child = Command::new(env!("CARGO_BIN_EXE_station"))
        .args(["run", "--json", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (started, step_started) = mpsc::channel::<()>();
    let want = aim.map(|(step, _)| format!("\"step\":\"{step}\""));
    let reader = std::thread::spawn(move || {
        let mut passed = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(want) = &want
                && line.contains("\"kind\":\"stepStarted\"")
                && line.contains(want.as_str())
            {
                let _ = started.send(());
            }
            if line.contains("\"kind\":\"unitFinished\"") {
                let v: serde_json::Value = serde_json::from_str(&line).unwrap();
                if v["outcome"]["result"] == "pass" {
                    passed.push(Printed {
                        unit_id: v["unit_id"].as_i64().expect("a PASS unit has its id"),
                        registration_id: v["outcome"]["registration_id"]
                            .as_str()
                            .unwrap()
                            .to_owned(),
                    });
                }
            }
        }
        passed
    });
    let landed = match aim {
        Some((step, max_ms)) => match step_started.recv() {
            Ok(()) => {
                std::thread::sleep(Duration::from_micros(rng.random_range(0..=max_ms * 1000)));
                step.to_owned()
            }
            // The reader ended: the run did too, before the step started.
            Err(_) => "missed".to_owned(),
        },
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
    let took = signalled.elapsed();
    Stopped {
        landed,
        took,
        code: status.code(),
        passed: reader.join().unwrap(),
    }
}

pub(crate) fn rerun(config: &Path) {
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

/// The invariants that hold whatever the boards: no registration ID in two live enrollments,
/// no unit left in progress or committing, the audit chain whole. Returns the live enrollments
/// per (lower-case) registration ID.
pub(crate) fn check_common(store: &Store, kill: usize) -> HashMap<String, usize> {
    let mut live: HashMap<String, usize> = HashMap::new();
    for e in store.enrollments(None).unwrap() {
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
    live
}
/// Slot `slot`'s board is locked and has exactly one PASS unit, whose registration ID is the
/// board's and which has exactly one live enrollment. Returns the board's settings and that
/// enrollment's payload, for the identity checks.
pub(crate) fn board_enrollment(
    store: &Store,
    live: &HashMap<String, usize>,
    fixture: &Fixture,
    slot: u16,
    kill: usize,
) -> (BTreeMap<String, Vec<u8>>, serde_json::Value) {
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
    let mut payload = virtual_dut::test_secrets::delivered_payload(
        &e.payload_json,
        e.sealed.as_ref().map(|s| s.ciphertext.as_slice()),
    );
    if e.secret == station_store::SecretState::Purged {
        // Delivered and purged: nothing holds the key any more but the board (and DPS). The
        // claim's digest of what was written must be the board's key's.
        assert!(
            e.sealed.is_none(),
            "kill {kill}: {serial}: a purged row keeps ciphertext"
        );
        assert!(
            !e.payload_json
                .contains(&String::from_utf8_lossy(&settings["dps/sym_key"]).into_owned()),
            "kill {kill}: {serial}: a purged row keeps the key"
        );
        let claim = store
            .claim_of_unit(passed[0].id)
            .unwrap()
            .expect("its claim");
        let on_board = &settings["dps/sym_key"];
        assert_eq!(
            claim.settings.get("dps/sym_key"),
            Some(&station_store::setting_digest(on_board)),
            "kill {kill}: {serial}: the claimed key digest is not the board's"
        );
        payload["attestation"]["symmetricKey"]["primaryKey"] =
            String::from_utf8_lossy(on_board).into_owned().into();
    }
    (settings, payload)
}

/// How many kills a test makes: `default`, or `STATION_KILLS` for the long run by hand.
pub(crate) fn kills(default: usize) -> usize {
    count_from_env("STATION_KILLS", default)
}

/// The number in the environment variable `var`, else `default`.
pub(crate) fn count_from_env(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
