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

mod harness;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use harness::{
    BAUD, Stop, board_enrollment, check_common, kills, rerun, run_and_kill, run_and_stop,
};
use station_store::{Store, UnitFilter, UnitStatus};
use virtual_dut::{Fixture, FixtureSpec};

const SLOTS: u16 = 4;
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
        let harness::Stopped {
            landed, took, code, ..
        } = run_and_stop(&config, Some((step, 5)), 0, how);
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
    use harness::mixed::{self, Line, kill_command, timed};
    let root = tempfile::tempdir().unwrap();
    let mut line = Line::start(root.path());
    let (steps, whole_ms) = mixed::calibrate(&mut line);
    let aimed: Vec<(String, u64)> = steps.into_iter().collect();
    // The first export makes the signing key; its time bounds the export kills.
    let first_config = root.path().join("calibration/station.toml");
    let cfg0 = first_config.to_str().unwrap();
    let export_dir = root.path().join("export-calibration");
    timed(&[
        "export",
        "--config",
        cfg0,
        "--out",
        export_dir.to_str().unwrap(),
    ]);
    let export_window = timed(&[
        "export",
        "--config",
        cfg0,
        "--out",
        root.path().join("export-calibration-2").to_str().unwrap(),
    ]) * 3
        / 2;
    let mut upload_window = timed(&["upload", "--once", "--config", cfg0]) * 3 / 2;
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
        let verdict = line.check_export(&store, &out_dir, &operator, kill);
        assert!(
            killed || verdict == mixed::Export::Accepted,
            "kill {kill}: an export that was not killed is refused"
        );
        *exports
            .entry(match (verdict, killed) {
                (mixed::Export::Accepted, true) => "killed, whole",
                (mixed::Export::Accepted, false) => "finished",
                (mixed::Export::Refused, _) => "killed, refused",
            })
            .or_default() += 1;

        // The uploader, killed at a random instant every other round, then run to the end:
        // dps-local holds exactly the live set.
        if kill % 2 == 1 {
            let (killed, _) = kill_command(&["upload", "--once", "--config", cfg], upload_window);
            *uploads
                .entry(if killed { "killed" } else { "finished" })
                .or_default() += 1;
            let took = timed(&["upload", "--once", "--config", cfg]);
            upload_window = upload_window.max(took * 3 / 2);
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
    use harness::mixed::{self, Line};
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
