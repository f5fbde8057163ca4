//! The kill harness: the real `station run` on a virtual fixture, SIGKILLed at a random
//! instant — aimed inside a chosen step (read from its `--json` progress) or uniform over the
//! run — then run again on the same boards as a technician would, and the invariants checked
//! against the boards' flash and the database:
//!
//! - every board is locked and has exactly one PASS unit whose registration ID and identity
//!   (symmetric key, installed certificate, EK) equal the board's, with exactly one live
//!   enrollment;
//! - no unit is left in progress or committing, no registration ID is in two live enrollments;
//! - every certificate on a board is issued and not void, every issued one is on a board or
//!   void;
//! - the audit chain verifies;
//! - on the mixed line, `station export` killed at random leaves either a batch that holds
//!   exactly the live set and is audited, or one that `verify-export` and `import` refuse;
//!   `station upload` killed at random and run again leaves dps-local holding exactly the live
//!   set.
//!
//! Short by default (`scripts/test.sh`); `STATION_KILLS=N` sets the kills per test for the long
//! run by hand (docs/dev/benchmarks.md). The virtual DUTs run in this test process, so they
//! outlive the killed station as real boards do.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;
use station_store::{EnrollmentStatus, Store, UnitFilter, UnitStatus};
use virtual_dut::{Fixture, FixtureSpec};

const SLOTS: u16 = 4;
const BAUD: u32 = 115_200;
/// Kills in the short run (`scripts/test.sh`); `STATION_KILLS=N` for the long one.
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
    virtual_dut::test_secrets::write_uploader_identity(&dir.join("uploader.age")).unwrap();
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
[secrets]
recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]
identity_file = "uploader.age"
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

/// The invariants that hold whatever the boards: no registration ID in two live enrollments,
/// no unit left in progress or committing, the audit chain whole. Returns the live enrollments
/// per (lower-case) registration ID.
fn check_common(store: &Store, kill: usize) -> HashMap<String, usize> {
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

/// Every board locked with exactly one PASS unit whose registration ID and key are the board's,
/// with exactly one live enrollment.
fn check_invariants(store: &Store, fixture: &Fixture, kill: usize) {
    let live = check_common(store, kill);
    for slot in 1..=SLOTS {
        let (settings, payload) = board_enrollment(store, &live, fixture, slot, kill);
        // The board holds the key as its base64 text, as DPS takes it.
        let on_board = String::from_utf8(settings["dps/sym_key"].clone()).unwrap();
        assert_eq!(
            payload["attestation"]["symmetricKey"]["primaryKey"], on_board,
            "kill {kill}: slot {slot}: the enrollment's key is not the board's"
        );
    }
}

/// Slot `slot`'s board is locked and has exactly one PASS unit, whose registration ID is the
/// board's and which has exactly one live enrollment. Returns the board's settings and that
/// enrollment's payload, for the identity checks.
fn board_enrollment(
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
fn kills(default: usize) -> usize {
    std::env::var("STATION_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn killed_at_any_instant_and_run_again_no_unit_is_lost_or_duplicated() {
    let root = tempfile::tempdir().unwrap();
    let db = root.path().join("station.db");
    let mut landed: BTreeMap<String, usize> = BTreeMap::new();
    // Runs left alone measure how long a whole run takes: uniform kills fall inside it. The
    // shortest of three, so a run slowed by other tests starting at the same time does not
    // stretch the window past every later run.
    let window_ms = (0..3)
        .map(|i| {
            let dir = root.path().join(format!("calibration-{i}"));
            let fixture =
                Fixture::start(&FixtureSpec::uniform(dir.join("fixture"), SLOTS, BAUD)).unwrap();
            let config = write_config(&dir, &dir.join("calibration.db"));
            let t = Instant::now();
            rerun(&config);
            fixture.stop();
            u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX)
        })
        .min()
        .unwrap_or(200);
    let total = kills(KILLS);
    for kill in 0..total {
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
        // Every aimed kill lands unless its step ended first; uniform ones may come after a
        // run that went faster than the window.
        hit >= total / 2,
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

/// Kills of the mixed line's run in the short version; `STATION_KILLS` applies here too.
const MIXED_KILLS: usize = 12;

#[test]
fn a_mixed_line_its_uploader_and_its_export_killed_at_any_instant_lose_and_duplicate_nothing() {
    use mixed::{Line, kill_command, station};
    let root = tempfile::tempdir().unwrap();
    let mut line = Line::start(root.path());
    let (steps, whole_ms) = mixed::calibrate(&mut line);
    let aimed: Vec<(String, u64)> = steps.into_iter().collect();
    let cert = line.export_cert();
    // The first export makes the signing key; its time bounds the export kills.
    let calibration = |args: &[&str]| {
        let t = Instant::now();
        let out = station(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        t.elapsed()
    };
    let first_config = root.path().join("calibration/station.toml");
    let cfg0 = first_config.to_str().unwrap();
    let export_dir = root.path().join("export-calibration");
    calibration(&[
        "export",
        "--config",
        cfg0,
        "--out",
        export_dir.to_str().unwrap(),
    ]);
    let export_window = calibration(&[
        "export",
        "--config",
        cfg0,
        "--out",
        root.path().join("export-calibration-2").to_str().unwrap(),
    ]) * 3
        / 2;
    let mut upload_window = calibration(&["upload", "--once", "--config", cfg0]) * 3 / 2;
    // The device operator's DPS: a refused batch must never reach it.
    let operator =
        dps_local::ServerThread::start(dps_local::Config::new(root.path().join("operator-dps")))
            .unwrap();
    let mut landed: BTreeMap<String, usize> = BTreeMap::new();
    let mut exports: BTreeMap<&str, usize> = BTreeMap::new();
    let mut uploads: BTreeMap<&str, usize> = BTreeMap::new();
    let total = kills(MIXED_KILLS);
    let mut next_aim = 0;
    for kill in 0..total {
        let dir = root.path().join(format!("kill-{kill}"));
        let config = line.config(&dir);
        let cfg = config.to_str().unwrap();
        let fixture = line.boards(&config, &dir);
        // Three kills in four aimed at a step in turn, the fourth uniform over a whole run.
        let aim = (kill % 4 != 3).then(|| {
            let (step, ms) = &aimed[next_aim % aimed.len()];
            next_aim += 1;
            (step.as_str(), *ms)
        });
        let at = run_and_kill(&config, aim, whole_ms);
        *landed.entry(at).or_default() += 1;
        rerun(&config);
        let store = Store::open(&line.db()).unwrap();
        line.check(&store, &fixture, kill);
        fixture.stop();

        // The export, killed at a random instant: a batch is accepted only whole, audited, and
        // holding exactly the live set; anything else is refused by verify-export and import.
        let out_dir = root.path().join(format!("export-{kill}"));
        let out = out_dir.to_str().unwrap();
        let (killed, _) = kill_command(&["export", "--config", cfg, "--out", out], export_window);
        let verify = station(&["verify-export", out, "--trust", cert.to_str().unwrap()]);
        if verify.status.success() {
            let batch =
                station_upload::export::verify_export(&out_dir, &std::fs::read(&cert).unwrap())
                    .unwrap();
            let ids: BTreeSet<String> = batch
                .enrollments()
                .unwrap()
                .into_iter()
                .map(|e| e.registration_id.as_str().to_lowercase())
                .collect();
            // A key DPS confirmed was purged: its enrollment can travel in no batch again.
            let purged: BTreeSet<String> = store
                .enrollments(None)
                .unwrap()
                .into_iter()
                .filter(|e| e.secret == station_store::SecretState::Purged)
                .map(|e| e.registration_id.to_lowercase())
                .collect();
            let live: BTreeSet<String> = Line::live_set(&store)
                .into_keys()
                .filter(|r| !purged.contains(r))
                .collect();
            assert_eq!(
                ids, live,
                "kill {kill}: the batch is not the live set less what was delivered"
            );
            let jws = std::fs::read(out_dir.join("manifest.jws")).unwrap();
            let sha = station_store::setting_digest(&jws);
            assert!(
                store
                    .audit_rows(20)
                    .unwrap()
                    .iter()
                    .any(|r| r.kind == "export.written"
                        && r.detail["manifest_sha256"] == sha.as_str()),
                "kill {kill}: an accepted batch with no export.written audit row"
            );
            *exports
                .entry(if killed { "killed, whole" } else { "finished" })
                .or_default() += 1;
        } else {
            assert!(
                killed,
                "kill {kill}: an export that was not killed is refused"
            );
            assert_eq!(verify.status.code(), Some(6));
            let import = station(&[
                "import",
                out,
                "--trust",
                cert.to_str().unwrap(),
                "--connection-string-file",
                operator.connection_string_file().to_str().unwrap(),
                "--dps-trust",
                operator.ca_file().to_str().unwrap(),
            ]);
            assert_eq!(
                import.status.code(),
                Some(6),
                "kill {kill}: import of a killed batch"
            );
            assert_eq!(operator.enrollment_count(), 0);
            *exports.entry("killed, refused").or_default() += 1;
        }

        // The uploader, killed at a random instant every other round, then run to the end:
        // dps-local holds exactly the live set.
        if kill % 2 == 1 {
            let (killed, _) = kill_command(&["upload", "--once", "--config", cfg], upload_window);
            *uploads
                .entry(if killed { "killed" } else { "finished" })
                .or_default() += 1;
            let t = Instant::now();
            let out = station(&["upload", "--once", "--config", cfg]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            upload_window = upload_window.max(t.elapsed() * 3 / 2);
            assert_eq!(
                line.dps_set(),
                Line::live_set(&store),
                "kill {kill}: dps-local does not hold exactly the live set"
            );
        }
        drop(store);
    }
    println!("mixed line, run kills by where they landed (whole run {whole_ms} ms): {landed:?}");
    println!("exports killed at random: {exports:?}; uploads killed at random: {uploads:?}");
    let hit = landed
        .iter()
        .filter(|(k, _)| *k != "missed")
        .map(|(_, n)| n)
        .sum::<usize>();
    assert!(
        // Every aimed kill lands unless its step ended first; uniform ones may come after a
        // run that went faster than the window.
        hit >= total / 2,
        "too few kills landed inside a run: {landed:?}"
    );
}

/// Kills of the station on a line in the short version; `STATION_KILLS` applies here too.
const LEASE_KILLS: usize = 8;

/// The mixed line on a line database (real PostgreSQL), its X.509 product drawing the work
/// order's quota in leases of 9, killed at random — mostly inside the certificate step, where
/// it leases — and run again: besides the mixed line's invariants, no lease is lost (one the
/// line granted but the station's store never kept is recovered at the next start), the
/// certificates issued are exactly what the station's leases count, the line's counts agree
/// once told, and closing the order takes back exactly what was not used, after which the
/// station issues nothing more for it.
#[test]
fn a_station_on_a_line_killed_while_it_leases_quota_loses_no_lease_and_exceeds_nothing() {
    use mixed::Line;
    use station_linedb::cluster::Cluster;
    let pg = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(pg.path()).unwrap();
    let root = tempfile::tempdir().unwrap();
    let password = root.path().join("line-db.password");
    std::fs::write(&password, cluster.password()).unwrap();
    let extra = format!(
        "[line_db]\nurl = \"{}\"\npassword = {{ file = \"{}\" }}\nlease_block = 9\ninsecure_plaintext = true\n",
        cluster.url(),
        password.display()
    );
    let mut line = Line::start_with(root.path(), &extra);
    let (steps, whole_ms) = mixed::calibrate(&mut line);
    let aimed: Vec<(&str, u64)> = ["issue", "issue", "write-settings"]
        .iter()
        .map(|s| (*s, steps.get(*s).copied().unwrap_or(5)))
        .collect();
    // The window a kill rarely lands in, made certain: the line grants the station a lease
    // and the station dies before its store keeps it. The first rerun must recover it (the
    // checks below compare the line's grants with the store's).
    station_linedb::LineDb::connect(&cluster.url(), Some(cluster.password()), "kill-mixed")
        .unwrap()
        .lease("WO-DEMO", 9)
        .unwrap();
    let mut landed: BTreeMap<String, usize> = BTreeMap::new();
    let total = kills(LEASE_KILLS);
    for kill in 0..total {
        let dir = root.path().join(format!("kill-{kill}"));
        let config = line.config(&dir);
        let fixture = line.boards(&config, &dir);
        let aim = (kill % 4 != 3).then(|| aimed[kill % aimed.len()]);
        let at = run_and_kill(&config, aim, whole_ms);
        *landed.entry(at).or_default() += 1;
        rerun(&config);
        let store = Store::open(&line.db()).unwrap();
        line.check(&store, &fixture, kill);
        drop(store);
        fixture.stop();
        let leases = Leases::read(&line.db(), &cluster);
        assert_eq!(
            leases.issued, leases.used,
            "kill {kill}: certificates issued but not counted on a lease: {leases:?}"
        );
        assert_eq!(
            (leases.line_granted, leases.line_used),
            (leases.granted, leases.used),
            "kill {kill}: the line and the station disagree on the leases: {leases:?}"
        );
        assert_eq!(
            leases.line_leased, leases.granted,
            "kill {kill}: {leases:?}"
        );
        // A kill mid-lock left a claim open on the line; the rerun completed it there too.
        let open = cluster
            .psql(
                "SELECT COUNT(*) FROM reservations WHERE claimed_at IS NOT NULL AND state = 'held'",
            )
            .unwrap();
        assert_eq!(
            open.trim(),
            "0",
            "kill {kill}: claims left open on the line"
        );
    }
    println!("station on a line, kills by where they landed: {landed:?}");
    // A station tops up below a quarter of a block (≤ 2 of 9 here) and its two X.509 slots
    // take at most one each after the check: some of the lease is always left.
    let before = Leases::read(&line.db(), &cluster);
    assert!(before.granted > before.used, "{before:?}");

    // The supervisor closes the order: what the station did not use goes back to it.
    let mut supervisor =
        station_linedb::LineDb::connect(&cluster.url(), Some(cluster.password()), "supervisor")
            .unwrap();
    assert_eq!(
        supervisor.close_work_order("WO-DEMO").unwrap(),
        before.granted - before.used
    );
    // The next run learns it at its start: its X.509 boards are refused, the others pass.
    let dir = root.path().join("after-close");
    let config = line.config(&dir);
    let fixture = line.boards(&config, &dir);
    rerun(&config);
    fixture.stop();
    let after = Leases::read(&line.db(), &cluster);
    assert_eq!(
        (after.issued, after.granted, after.line_leased),
        (before.issued, before.used, before.used),
        "{after:?}"
    );
    let store = Store::open(&line.db()).unwrap();
    let refused: Vec<_> = store
        .units(&UnitFilter {
            status: Some(UnitStatus::Fail),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .filter(|u| u.failure_code.as_deref() == Some("station::store::lease_exhausted"))
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused.iter().all(|u| u.product.as_deref() == Some("x509")),
        "{refused:?}"
    );
}

/// The work order's quota as the station's store and the line database count it.
#[derive(Debug)]
struct Leases {
    /// Certificates the station issued for the order (void ones too: each took quota).
    issued: i64,
    /// Granted to the station, as its store holds its leases.
    granted: i64,
    /// Counted on those leases.
    used: i64,
    /// Granted to the station, as the line holds its leases (after returns).
    line_granted: i64,
    /// Used, as the line was told.
    line_used: i64,
    /// The order's leased count on the line.
    line_leased: i64,
}

impl Leases {
    fn read(db: &Path, cluster: &station_linedb::cluster::Cluster) -> Leases {
        let conn = rusqlite::Connection::open(db).unwrap();
        let (granted, used): (i64, i64) = conn
            .query_row(
                "SELECT COALESCE(SUM(granted), 0), COALESCE(SUM(used), 0) FROM line_leases
                 WHERE work_order = 'WO-DEMO'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let issued: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM issued_certificates WHERE work_order = 'WO-DEMO'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let out = cluster
            .psql(
                "SELECT COALESCE(SUM(granted - returned), 0), COALESCE(SUM(used), 0),
                        (SELECT leased FROM work_orders WHERE id = 'WO-DEMO')
                 FROM quota_leases WHERE station_id = 'kill-mixed'",
            )
            .unwrap();
        let n: Vec<i64> = out.trim().split('|').map(|v| v.parse().unwrap()).collect();
        Leases {
            issued,
            granted,
            used,
            line_granted: n[0],
            line_used: n[1],
            line_leased: n[2],
        }
    }
}

/// The mixed line: symmetric-key (slots 1–2), X.509 (3–4) and TPM (5–6) boards, the uploader
/// against dps-local and the signed export, all under the same kills.
mod mixed {
    use std::collections::{BTreeMap, BTreeSet, HashMap};
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use base64::Engine as _;
    use dps_local::{Config, ServerThread};
    use rand::Rng;
    use station_identity::tpm::TpmPublic;
    use station_store::{EnrollmentStatus, Store, setting_digest};
    use station_upload::export::pem_certificates;
    use virtual_dut::Fixture;

    use super::{BAUD, board_enrollment, check_common};

    const SLOTS: u16 = 6;

    /// One line: its database, CA, TPM vendor CA and dps-local, shared by every iteration.
    pub(super) struct Line {
        pub(super) root: PathBuf,
        pub(super) server: ServerThread,
        /// Every X.509 leaf ever installed on a board, by SHA-256 (boards outlive their
        /// iteration: their certificates stay accounted for).
        pub(super) leaves: BTreeSet<String>,
        /// Appended to every configuration (a `[line_db]` section, say).
        extra: String,
    }

    impl Line {
        pub(super) fn start(root: &Path) -> Line {
            Line::start_with(root, "")
        }

        /// A line whose configurations end with `extra`.
        pub(super) fn start_with(root: &Path, extra: &str) -> Line {
            let server = ServerThread::start(Config::new(root.join("dps"))).unwrap();
            let line = Line {
                root: root.to_owned(),
                server,
                leaves: BTreeSet::new(),
                extra: extra.to_owned(),
            };
            virtual_dut::tpm::LocalCa::open(line.tpm_ca())
                .unwrap()
                .ensure_created()
                .unwrap();
            // The X.509 product's file CA (a passphrase file, then `station ca init`), and
            // the work order the X.509 quota counts against, set as a supervisor would.
            let config = line.config(&root.join("setup"));
            let passphrase = root.join("ca/passphrase");
            station_store::private_files::create_dir_all(&root.join("ca")).unwrap();
            station_store::private_files::write_new(&passphrase, b"kill-harness-ca-passphrase")
                .unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_station"))
                .args(["ca", "init", "--days", "365", "--config"])
                .arg(&config)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            Store::open(&line.db())
                .unwrap()
                .set_line_setting(
                    "kill-mixed",
                    "kill harness",
                    station_store::LineSetting::WorkOrder,
                    Some("WO-DEMO"),
                )
                .unwrap();
            line
        }

        pub(super) fn db(&self) -> PathBuf {
            self.root.join("station.db")
        }

        fn tpm_ca(&self) -> PathBuf {
            self.root.join("tpm-ca")
        }

        /// The export signing certificate (made by the first export).
        pub(super) fn export_cert(&self) -> PathBuf {
            self.root.join("keys/export.crt")
        }

        /// A configuration whose boards live in `dir`; everything else is the line's.
        pub(super) fn config(&self, dir: &Path) -> PathBuf {
            virtual_dut::test_secrets::write_uploader_identity(&dir.join("uploader.age")).unwrap();
            std::fs::create_dir_all(dir).unwrap();
            let slots: String = (1..=SLOTS)
                .map(|i| {
                    let product = match i {
                        1 | 2 => "sym",
                        3 | 4 => "x509",
                        _ => "tpm",
                    };
                    format!("[[fixture.slot]]\nindex = {i}\nproduct = \"{product}\"\n")
                })
                .collect();
            let root = self.root.display();
            let tpm_ca = self.tpm_ca();
            let path = dir.join("station.toml");
            std::fs::write(
                &path,
                format!(
                    r#"[station]
id = "kill-mixed"
log_dir = "{root}/log"
operator = "tech-7"
[storage]
database = "{db}"
[secrets]
recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]
identity_file = "uploader.age"
[fixture]
name = "virtual"
ports_file = "{ports}"
baud = {BAUD}
command_timeout_ms = 1000
{slots}
[[product]]
id = "sym"
registration_id = {{ template = "km-{{serial}}", lowercase = true }}
dps = {{ id_scope = "0ne00K11002" }}
attestation = {{ kind = "symmetric-key", enrollment = {{ type = "individual" }} }}

[[product]]
id = "x509"
registration_id = {{ template = "km-x5-{{serial}}", lowercase = true }}
dps = {{ id_scope = "0ne00K11002" }}
[product.attestation]
kind = "x509"
enrollment = "individual"
validity_days = 30
key_algorithms = ["ec-p256"]
quota_per_work_order = 1000000
[product.attestation.ca]
backend = "file"
certificate = "{root}/ca/signing-ca.pem"
root = "{root}/ca/root-ca.pem"
key = "{root}/ca/signing-ca.key.pem"
passphrase = {{ file = "{root}/ca/passphrase" }}

[[product]]
id = "tpm"
registration_id = {{ template = "km-tpm-{{serial}}", lowercase = true }}
dps = {{ id_scope = "0ne00K11002" }}
[product.attestation]
kind = "tpm"
enrollment = "individual"
registration_id = "ek-hash"
vendor_roots = ["{tpm_root}"]
vendor_intermediates = ["{tpm_issuer}"]

[upload]
connection_string = {{ file = "{cs}" }}
trust_anchor = "{dps_ca}"
ops_per_minute = 60000
signing_key = "{root}/keys/export.key"
{extra}
"#,
                    extra = self.extra,
                    db = self.db().display(),
                    ports = dir.join("fixture/ports.toml").display(),
                    tpm_root = tpm_ca.join("swtpm-localca-rootca-cert.pem").display(),
                    tpm_issuer = tpm_ca.join("issuercert.pem").display(),
                    cs = self.server.connection_string_file().display(),
                    dps_ca = self.server.ca_file().display(),
                ),
            )
            .unwrap();
            path
        }

        /// Fresh boards for `config` in `dir`: the demo's shape (slot 6's TPM has no
        /// persistent EK, so the station creates it).
        pub(super) fn boards(&self, config: &Path, dir: &Path) -> Fixture {
            let loaded = station_config::load(config).unwrap();
            let spec = virtual_dut::station::spec_for(&loaded, &dir.join("fixture")).unwrap();
            Fixture::start(&spec).unwrap()
        }

        /// The invariants over this iteration's boards and the line's certificates.
        pub(super) fn check(&mut self, store: &Store, fixture: &Fixture, kill: usize) {
            let live = check_common(store, kill);
            let mut leaves_here = Vec::new();
            for slot in 1..=SLOTS {
                let (settings, payload) = board_enrollment(store, &live, fixture, slot, kill);
                let reg_id = String::from_utf8(settings["dps/reg_id"].clone()).unwrap();
                let serial = format!("slot {slot} ({reg_id})");
                let att = &payload["attestation"];
                match slot {
                    1 | 2 => {
                        let on_board = String::from_utf8(settings["dps/sym_key"].clone()).unwrap();
                        assert_eq!(
                            att["symmetricKey"]["primaryKey"], on_board,
                            "kill {kill}: {serial}: the enrollment's key is not the board's"
                        );
                    }
                    3 | 4 => {
                        let chain = fixture.keystore(slot).unwrap().chain(0).unwrap();
                        let pem = att["x509"]["clientCertificates"]["primary"]["certificate"]
                            .as_str()
                            .unwrap();
                        assert_eq!(
                            pem_certificates(pem.as_bytes()).unwrap().first(),
                            chain.first(),
                            "kill {kill}: {serial}: the enrollment's certificate is not the board's"
                        );
                        leaves_here.push(setting_digest(&chain[0]));
                    }
                    _ => {
                        let ek = base64::engine::general_purpose::STANDARD
                            .decode(att["tpm"]["endorsementKey"].as_str().unwrap())
                            .unwrap();
                        // The board's registration ID is the hash of the EK it read from its TPM.
                        let ek = TpmPublic::from_tpm2b(&ek).unwrap();
                        assert_eq!(
                            ek.registration_id().as_str(),
                            reg_id,
                            "kill {kill}: {serial}: the enrollment's EK is not the board's"
                        );
                    }
                }
            }
            self.leaves.extend(leaves_here);
            // Every certificate on a board is issued and not void; every issued one is on a
            // board or void.
            let issued: HashMap<String, String> = store
                .issued_certificates(None)
                .unwrap()
                .into_iter()
                .map(|c| (c.sha256.to_lowercase(), c.status))
                .collect();
            for leaf in &self.leaves {
                assert_eq!(
                    issued.get(leaf).map(String::as_str),
                    Some("issued"),
                    "kill {kill}: a board's certificate {leaf} is not an issued one"
                );
            }
            for (sha, status) in &issued {
                assert!(
                    status == "void" || self.leaves.contains(sha),
                    "kill {kill}: certificate {sha} is {status} but on no board"
                );
            }
            // Every void one is revoked: its hand-out is, and the CRL lists it.
            let void = store
                .issued_certificates(None)
                .unwrap()
                .into_iter()
                .filter(|c| c.status == "void")
                .count();
            let revoked = store.revoked_certificates().unwrap();
            assert_eq!(revoked.len(), void, "kill {kill}");
            assert!(
                revoked.iter().all(|c| c.handout_revoked),
                "kill {kill}: a void certificate whose hand-out is not revoked: {revoked:?}"
            );
        }

        /// The live set (queued or uploaded): registration ID → its identity.
        pub(super) fn live_set(store: &Store) -> BTreeMap<String, String> {
            store
                .enrollments(None)
                .unwrap()
                .into_iter()
                .filter(|e| {
                    matches!(
                        e.status,
                        EnrollmentStatus::Queued | EnrollmentStatus::Uploaded
                    )
                })
                .map(|e| {
                    let v = virtual_dut::test_secrets::delivered_payload(
                        &e.payload_json,
                        e.sealed.as_ref().map(|s| s.ciphertext.as_slice()),
                    );
                    let identity = if e.secret == station_store::SecretState::Purged {
                        // Delivered and purged: the claim's digest of the key written is all
                        // the station keeps.
                        store
                            .claim_of_unit(e.unit_id)
                            .unwrap()
                            .and_then(|c| c.settings.get("dps/sym_key").cloned())
                            .expect("a purged key's claim digest")
                    } else {
                        identity_of(&v["attestation"])
                    };
                    (e.registration_id.to_lowercase(), identity)
                })
                .collect()
        }

        /// What dps-local holds, read through its service API.
        pub(super) fn dps_set(&self) -> BTreeMap<String, String> {
            let client =
                station_upload::client::DpsClient::builder(self.server.read_connection_string())
                    .with_trust_anchor_file(self.server.ca_file())
                    .build()
                    .unwrap();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime
                .block_on(client.query_all("*", 100))
                .unwrap()
                .into_iter()
                .map(|e| {
                    let v = serde_json::to_value(&e).unwrap();
                    (
                        e.registration_id.as_str().to_lowercase(),
                        identity_of(&v["attestation"]),
                    )
                })
                .collect()
        }
    }

    /// The identity an enrollment carries, as one string: the key, the leaf or the EK.
    /// What identifies an enrollment: a symmetric key by its digest (as a claim keeps it),
    /// a certificate or an EK as it is.
    fn identity_of(att: &serde_json::Value) -> String {
        let pick = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        pick(&att["symmetricKey"]["primaryKey"])
            .map(|k| station_store::setting_digest(k.as_bytes()))
            .or_else(|| pick(&att["x509"]["clientCertificates"]["primary"]["certificate"]))
            .or_else(|| pick(&att["tpm"]["endorsementKey"]))
            .unwrap_or_else(|| panic!("no identity in {att}"))
    }

    /// Runs `station ARGS` and kills it after a uniform random wait in `0..=window`.
    /// Returns whether it was still running when killed, and how long it ran.
    pub(super) fn kill_command(args: &[&str], window: Duration) -> (bool, Duration) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_station"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let at = Duration::from_micros(
            rand::rng().random_range(0..=u64::try_from(window.as_micros()).unwrap_or(u64::MAX)),
        );
        let start = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                return (false, start.elapsed());
            }
            if start.elapsed() >= at {
                let _ = child.kill();
                let _ = child.wait();
                return (true, start.elapsed());
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    pub(super) fn station(args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_station"))
            .args(args)
            .output()
            .unwrap()
    }

    /// The calibration run's slowest duration of each step, ms.
    pub(super) fn calibrate(line: &mut Line) -> (BTreeMap<String, u64>, u64) {
        let dir = line.root.join("calibration");
        let config = line.config(&dir);
        let fixture = line.boards(&config, &dir);
        let t = Instant::now();
        let out = station(&["run", "--json", "--config", config.to_str().unwrap()]);
        let whole = u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut steps: BTreeMap<String, u64> = BTreeMap::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["kind"] == "stepFinished" {
                let ms = v["duration_ms"].as_f64().unwrap().ceil() as u64;
                let e = steps
                    .entry(v["step"].as_str().unwrap().to_owned())
                    .or_default();
                *e = (*e).max(ms.max(1));
            }
        }
        let store = Store::open(&line.db()).unwrap();
        line.check(&store, &fixture, usize::MAX);
        fixture.stop();
        (steps, whole)
    }
}
