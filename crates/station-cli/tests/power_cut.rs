//! The power-cut harness: the kill harness's mixed line (symmetric key, X.509, TPM) with the
//! station's data — its database and WAL, logs, CA, export signing key, exports, and the
//! operator's copy of a batch with its import journal — on the power-cut filesystem
//! (testbed/powercut-fs). dps-local's state, the boards' flash and their swtpm state are outside
//! it: a board's flash is the board's, and DPS is a service elsewhere.
//!
//! At a random or aimed instant the station is SIGKILLed and the power cut: every write not
//! yet made durable (file data without fsync, directory entries without an fsync of the
//! directory) is lost whole. The station is then run again on the same boards, and:
//!
//! - the kill harness's invariants hold (every board locked with exactly one PASS unit and one
//!   live enrollment carrying its identity; no unit in progress; every certificate on a board
//!   issued, every other one void and revoked; the audit chain whole);
//! - every unit the cut run printed as PASS is still PASS, with the same registration ID;
//! - a batch `verify-export` accepted before a cut is still accepted after it;
//! - `station export`, `station upload` and `station import` cut mid-way leave a batch that is
//!   whole or refused, dps-local holding exactly the live set once the upload runs again, and
//!   the operator's DPS holding exactly the batch once the import runs again.
//!
//! Short by default (`scripts/test.sh`, about 30 cuts); `STATION_CUTS=N` sets the cuts for the
//! long run by hand (docs/dev/benchmarks.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use dps_local::{Config, ServerThread};
use harness::mixed::{self, Export, Line, batch_set, dps_set_of, kill_command, station, timed};
use harness::{Stop, rerun, run_and_stop};
use powercut_fs::{CutReport, Mount};
use station_store::{Store, UnitStatus};

/// Cuts in the short run; `STATION_CUTS=N` for the long one.
const CUTS: usize = 30;

/// What the cuts hit and what they threw away.
#[derive(Default)]
struct Tally {
    /// Cuts by what was running and where.
    at: BTreeMap<String, usize>,
    /// What the cuts threw away, summed.
    lost: CutReport,
    /// Units printed PASS before a cut (each checked still PASS after it).
    printed: usize,
}

impl Tally {
    /// Cuts the power and counts the cut under `at`.
    fn cut(&mut self, disk: &mut Mount, at: &str) {
        let report = disk.cut().unwrap();
        *self.at.entry(at.to_owned()).or_default() += 1;
        self.lost.files_reverted += report.files_reverted;
        self.lost.dirs_reverted += report.dirs_reverted;
        self.lost.inodes_dropped += report.inodes_dropped;
    }

    fn total(&self) -> usize {
        self.at.values().sum()
    }
}

fn cuts() -> usize {
    harness::count_from_env("STATION_CUTS", CUTS)
}

/// Whether `verify-export` accepts the batch `dir`.
fn verified(line: &Line, dir: &Path) -> bool {
    let cert = line.export_cert();
    station(&[
        "verify-export".as_ref(),
        dir.as_os_str(),
        "--trust".as_ref(),
        cert.as_os_str(),
    ])
    .status
    .success()
}

/// A copy of the batch `from` in `to`, as the operator receives it (durable on their disk).
fn receive(from: &Path, to: &Path, disk: &Mount) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    disk.sync_all();
}

#[test]
fn a_mixed_line_whose_power_is_cut_at_any_instant_loses_nothing_it_printed_or_published() {
    let bench = tempfile::tempdir().unwrap();
    let mut disk = Mount::new(&bench.path().join("disk")).unwrap();
    let data = disk.path().join("var/lib/station");
    let mut tally = Tally::default();

    // Setting the station up (`station ca init`, the work order) makes its own files durable:
    // the power cut right after it proves it, as the runs below need the CA.
    let mut line = Line::start_on(bench.path(), &data);
    tally.cut(&mut disk, "setup");
    let (steps, whole_ms) = mixed::calibrate(&mut line);
    let aimed: Vec<(String, u64)> = steps.into_iter().collect();
    let cfg0 = bench.path().join("calibration/station.toml");
    let cfg0 = cfg0.to_str().unwrap();

    // The first export makes the signing key; the second's time bounds the export cuts.
    let first = data.join("exports/calibration");
    timed(&["export", "--config", cfg0, "--out", first.to_str().unwrap()]);
    let second = data.join("exports/calibration-2");
    let mut export_window = timed(&[
        "export",
        "--config",
        cfg0,
        "--out",
        second.to_str().unwrap(),
    ]) * 3
        / 2;
    let mut upload_window = timed(&["upload", "--once", "--config", cfg0]) * 3 / 2;
    // The device operator's DPS, and an import of the first batch that bounds the import cuts.
    let operator = ServerThread::start(Config::new(bench.path().join("operator-dps"))).unwrap();
    let received = disk.path().join("operator/calibration");
    receive(&first, &received, &disk);
    let mut import_window = timed(&line.import_args(&received, &operator)) * 3 / 2;
    // The signing key, the certificate and the batches are durable once export said so.
    let manifests = [&first, &second].map(|b| std::fs::read(b.join("manifest.jws")).unwrap());
    tally.cut(&mut disk, "after setup and export");
    for (batch, manifest) in [&first, &second].iter().zip(&manifests) {
        assert!(
            verified(&line, batch),
            "{} is refused after the power cut",
            batch.display()
        );
        assert_eq!(
            &std::fs::read(batch.join("manifest.jws")).unwrap(),
            manifest
        );
    }

    let total = cuts();
    let mut exports: BTreeMap<&str, usize> = BTreeMap::new();
    let mut last_accepted = first.clone();
    let mut round = 0;
    while tally.total() < total + 2 {
        let dir = bench.path().join(format!("round-{round}"));
        let config = line.config(&dir);
        let cfg = config.to_str().unwrap();
        let fixture = line.boards(&config, &dir);

        // The run, cut: three in four aimed at a step in turn, the fourth uniform.
        let aim = (round % 4 != 3).then(|| {
            let (step, ms) = &aimed[(round - round / 4) % aimed.len()];
            (step.as_str(), *ms)
        });
        let stopped = run_and_stop(&config, aim, whole_ms, Stop::Kill);
        tally.cut(&mut disk, &format!("run: {}", stopped.landed));
        {
            let store = Store::open(&line.db()).unwrap();
            for printed in &stopped.passed {
                let unit = store
                    .unit(station_store::UnitId(printed.unit_id))
                    .unwrap()
                    .unwrap_or_else(|| {
                        panic!(
                            "round {round}: unit {} printed PASS is gone",
                            printed.unit_id
                        )
                    });
                assert_eq!(
                    (unit.summary.status, unit.summary.registration_id.as_deref()),
                    (UnitStatus::Pass, Some(printed.registration_id.as_str())),
                    "round {round}: a unit printed PASS is not PASS after the cut"
                );
            }
            tally.printed += stopped.passed.len();
        }
        rerun(&config);
        let store = Store::open(&line.db()).unwrap();
        line.check(&store, &fixture, round);
        drop(store);
        fixture.stop();

        // Then one of the other commands, cut in turn.
        let out_dir = data.join(format!("exports/round-{round}"));
        let out = out_dir.to_str().unwrap();
        match round % 4 {
            0 => {
                // The export cut mid-way: whole, or refused by verify-export and import.
                let (killed, _) =
                    kill_command(&["export", "--config", cfg, "--out", out], export_window);
                tally.cut(
                    &mut disk,
                    if killed {
                        "export: mid-way"
                    } else {
                        "export: after"
                    },
                );
                let store = Store::open(&line.db()).unwrap();
                let verdict = line.check_export(&store, &out_dir, &operator, round);
                assert!(
                    killed || verdict == Export::Accepted,
                    "round {round}: an export that finished is refused after the cut"
                );
                *exports
                    .entry(match (verdict, killed) {
                        (Export::Accepted, true) => "cut mid-way, whole",
                        (Export::Accepted, false) => "finished, whole",
                        (Export::Refused, _) => "cut mid-way, refused",
                    })
                    .or_default() += 1;
                if verdict == Export::Accepted {
                    last_accepted = out_dir;
                }
            }
            1 => {
                // The uploader cut mid-way, then run to the end: dps-local holds the live set.
                let (killed, _) =
                    kill_command(&["upload", "--once", "--config", cfg], upload_window);
                tally.cut(
                    &mut disk,
                    if killed {
                        "upload: mid-way"
                    } else {
                        "upload: after"
                    },
                );
                let took = timed(&["upload", "--once", "--config", cfg]);
                upload_window = upload_window.max(took * 3 / 2);
                let store = Store::open(&line.db()).unwrap();
                assert_eq!(
                    line.dps_set(),
                    Line::live_set(&store),
                    "round {round}: dps-local does not hold exactly the live set"
                );
            }
            2 => {
                // A batch accepted before the cut is accepted after it. The export grows
                // with the line's database: its time widens the window of the export cuts.
                export_window =
                    export_window.max(timed(&["export", "--config", cfg, "--out", out]) * 3 / 2);
                let manifest = std::fs::read(out_dir.join("manifest.jws")).unwrap();
                let store = Store::open(&line.db()).unwrap();
                assert_eq!(
                    line.check_export(&store, &out_dir, &operator, round),
                    Export::Accepted
                );
                drop(store);
                tally.cut(&mut disk, "export: published");
                let store = Store::open(&line.db()).unwrap();
                assert_eq!(
                    line.check_export(&store, &out_dir, &operator, round),
                    Export::Accepted,
                    "round {round}: a batch accepted before the cut is refused after it"
                );
                assert_eq!(
                    std::fs::read(out_dir.join("manifest.jws")).unwrap(),
                    manifest
                );
                *exports.entry("published, still whole").or_default() += 1;
                last_accepted = out_dir;
            }
            _ => {
                // The import cut mid-way on the operator's disk, then run to the end: the
                // operator's DPS holds every enrollment of the batch, with its identity. An
                // import that finished before the cut is recorded for good: importing the
                // batch afresh is refused (its enrollments may have been deleted on purpose).
                let received = disk.path().join(format!("operator/round-{round}"));
                receive(&last_accepted, &received, &disk);
                let args = line.import_args(&received, &operator);
                let mut fresh = args.clone();
                fresh.push("--fresh".to_owned());
                let refused_afresh = |when: &str| {
                    let replay = station(&fresh);
                    assert!(
                        String::from_utf8_lossy(&replay.stderr)
                            .contains("station::import::already_imported"),
                        "round {round}: a batch imported before the cut ({when}) is imported \
                         again: {}",
                        String::from_utf8_lossy(&replay.stderr)
                    );
                };
                let (killed, ran) = kill_command(&args, import_window);
                if killed {
                    tally.cut(&mut disk, "import: mid-way");
                } else {
                    tally.cut(&mut disk, "import: after");
                    refused_afresh("it had finished");
                }
                let t = Instant::now();
                let again = station(&args);
                // The batches grow with the line: the whole import widens the window.
                import_window = import_window.max((ran + t.elapsed()) * 3 / 2);
                let held = dps_set_of(&operator);
                let batch = batch_set(&received, &line.export_cert());
                if again.status.success() {
                    let store = Store::open(&line.db()).unwrap();
                    let live = Line::live_set(&store);
                    drop(store);
                    for id in &batch {
                        assert_eq!(
                            held.get(id),
                            live.get(id),
                            "round {round}: the operator's DPS does not hold {id} as the line does"
                        );
                    }
                    tally.cut(&mut disk, "import: finished");
                    refused_afresh("run again to the end");
                } else {
                    // Refused only as a batch this DPS already received whole: the import
                    // finished before the cut and its journal was lost with it.
                    assert!(
                        !killed
                            && String::from_utf8_lossy(&again.stderr)
                                .contains("station::import::already_imported"),
                        "round {round}: {}",
                        String::from_utf8_lossy(&again.stderr)
                    );
                    assert!(batch.iter().all(|id| held.contains_key(id)));
                }
            }
        }
        round += 1;
    }
    println!(
        "power cuts: {} by where they landed: {:?}",
        tally.total(),
        tally.at
    );
    println!(
        "they threw away {} file contents, {} folders' entries, {} files; {} units printed \
         PASS were checked after their cut; exports: {exports:?}; the disk saw {:?}",
        tally.lost.files_reverted,
        tally.lost.dirs_reverted,
        tally.lost.inodes_dropped,
        tally.printed,
        disk.sync_counts(),
    );
    let revoked = Store::open(&line.db())
        .unwrap()
        .revoked_certificates()
        .unwrap()
        .len();
    println!(
        "{revoked} certificates voided by the cuts, each on the CRL on disk after its rerun ({} listed)",
        line.crl_serials().len()
    );
    assert!(
        tally.lost.files_reverted > 0 && tally.lost.inodes_dropped > 0,
        "the cuts threw nothing away: they proved nothing"
    );
    let hit = tally
        .at
        .iter()
        .filter(|(k, _)| k.starts_with("run: ") && *k != "run: missed")
        .map(|(_, n)| n)
        .sum::<usize>();
    assert!(
        hit >= round / 2,
        "too few cuts landed inside a run: {:?}",
        tally.at
    );
}

/// What the supervisor's commands write is there after a power cut: the CA `station ca init`
/// made (its certificates were written with no fsync), the CRL `station ca crl` published (a
/// rename never synced: the old list, or none, came back), and the key pair `station secrets
/// keygen` made (the recipients file had no fsync).
#[test]
fn what_the_setup_commands_write_survives_a_power_cut() {
    let bench = tempfile::tempdir().unwrap();
    let mut disk = Mount::new(&bench.path().join("disk")).unwrap();
    let data = disk.path().join("var/lib/station");
    let line = Line::start_on(bench.path(), &data);
    let config = line.config(&bench.path().join("setup"));
    let cfg = config.to_str().unwrap();
    let identity = data.join("secrets/uploader.age");
    let recipients = data.join("secrets/recipients.txt");
    std::fs::create_dir_all(identity.parent().unwrap()).unwrap();
    disk.sync_all();
    timed(&["ca", "crl", "--config", cfg]);
    timed(&[
        "secrets".as_ref(),
        "keygen".as_ref(),
        "--identity".as_ref(),
        identity.as_os_str(),
        "--recipients".as_ref(),
        recipients.as_os_str(),
    ]);
    disk.cut().unwrap();
    let show = station(&["ca", "show", "--config", cfg]);
    assert!(
        show.status.success(),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    let crl = data.join("ca/crl.pem");
    let parsed = std::process::Command::new("openssl")
        .args(["crl", "-noout", "-in"])
        .arg(&crl)
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "the CRL after the cut: {}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let public = std::fs::read_to_string(&recipients).unwrap();
    assert!(public.lines().any(|l| l.starts_with("age1")), "{public:?}");
    assert!(
        std::fs::read_to_string(&identity)
            .unwrap()
            .contains("AGE-SECRET-KEY-1")
    );
}

/// A sealed export (`export_recipients`) leaves no plaintext batch on the station, after a
/// power cut too: the removal of the batch folder is made durable, not only the sealed file.
#[test]
fn a_sealed_export_leaves_no_plaintext_batch_behind_after_a_power_cut() {
    let bench = tempfile::tempdir().unwrap();
    let mut disk = Mount::new(&bench.path().join("disk")).unwrap();
    let data = disk.path().join("var/lib/station");
    let line = Line::start_on(bench.path(), &data);
    let dir = bench.path().join("sealed");
    let config = line.config(&dir);
    let operator_key = bench.path().join("operator.key");
    let keygen = std::process::Command::new("age-keygen")
        .arg("-o")
        .arg(&operator_key)
        .output()
        .unwrap();
    assert!(keygen.status.success());
    let public = std::fs::read_to_string(&operator_key)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("# public key: ").map(str::to_owned))
        .unwrap();
    // The device keys sealed to the operator from the start, as a sealed export needs.
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace(
        "age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56",
        &public,
    ) + &format!("export_recipients = [\"{public}\"]\n");
    std::fs::write(&config, text).unwrap();
    let fixture = line.boards(&config, &dir);
    rerun(&config);
    fixture.stop();
    disk.sync_all();

    let out = data.join("exports/sealed");
    timed(&[
        "export".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(!out.exists());
    disk.cut().unwrap();
    assert!(
        !out.exists(),
        "the plaintext batch came back after the power cut: {:?}",
        std::fs::read_dir(&out).map(|d| d.count())
    );
    let sealed = data.join("exports/sealed.tar.age");
    let cert = line.export_cert();
    let verify = station(&[
        "verify-export".as_ref(),
        sealed.as_os_str(),
        "--trust".as_ref(),
        cert.as_os_str(),
        "--identity".as_ref(),
        operator_key.as_os_str(),
    ]);
    assert!(
        verify.status.success(),
        "the sealed batch after the cut: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// `station ca init` cut between its key and its certificates (the key is made durable first)
/// takes that key up again when run again, instead of refusing for good because the key
/// exists; a key its passphrase does not open is refused and left as it is.
#[test]
fn a_ca_init_stopped_after_its_key_finishes_with_that_key_when_run_again() {
    let bench = tempfile::tempdir().unwrap();
    let line = Line::start(bench.path());
    let config = line.config(&bench.path().join("setup"));
    let cfg = config.to_str().unwrap();
    let ca = line.data.join("ca");
    let key = std::fs::read(ca.join("signing-ca.key.pem")).unwrap();
    let init = || station(&["ca", "init", "--days", "365", "--config", cfg]);
    let stopped_after_the_key = || {
        std::fs::remove_file(ca.join("signing-ca.pem")).unwrap();
        std::fs::remove_file(ca.join("root-ca.pem")).unwrap();
    };

    stopped_after_the_key();
    let again = init();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(std::fs::read(ca.join("signing-ca.key.pem")).unwrap(), key);
    let show = station(&["ca", "show", "--config", cfg]);
    assert!(
        show.status.success(),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    // A whole CA is never made again.
    assert!(!init().status.success());

    stopped_after_the_key();
    station_store::private_files::write(&ca.join("passphrase"), b"not the key's passphrase")
        .unwrap();
    let refused = init();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("signing-ca.key.pem"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(std::fs::read(ca.join("signing-ca.key.pem")).unwrap(), key);
}
