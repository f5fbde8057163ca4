//! `station upload`, `queue`, `export`, `verify-export` and `import` as a supervisor and a
//! device operator use them, against real dps-local servers over HTTPS on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use dps_local::{Config, Faults, ServerThread};
use station_store::{NewEnrollment, NewRun, NewUnit, RunId, Store};
use station_upload::schema::{AttestationMechanism, IndividualEnrollment, ProvisioningStatus};

fn station<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_station"))
        .args(args)
        .output()
        .expect("station runs")
}

/// `station import BATCH` into `operator`'s DPS, trusting `cert`, with `extra` arguments.
fn import_args(batch: &Path, cert: &Path, operator: &ServerThread, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "import".into(),
        batch.display().to_string(),
        "--trust".into(),
        cert.display().to_string(),
        "--connection-string-file".into(),
        operator.connection_string_file().display().to_string(),
        "--dps-trust".into(),
        operator.ca_file().display().to_string(),
        // The test's own registry of completed imports (not the user's).
        "--registry".into(),
        batch
            .parent()
            .unwrap()
            .join("import-registry")
            .display()
            .to_string(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

/// `station export --config CFG --out OUT`, which must succeed.
fn export_to(cfg: &Path, out: &Path) -> Output {
    let out = station(&[
        "export",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A station config in `dir` whose [upload] points at `server`.
fn write_config(dir: &Path, server: &ServerThread) -> PathBuf {
    virtual_dut::test_secrets::write_uploader_identity(&dir.join("uploader.age")).unwrap();
    let path = dir.join("station.toml");
    std::fs::write(
        &path,
        format!(
            r#"[station]
id = "up-cli"
log_dir = "log"
operator = "sup-1"
[storage]
database = "station.db"
[secrets]
recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]
identity_file = "uploader.age"
[fixture]
name = "virtual"
ports_file = "fixture/ports.toml"
[[fixture.slot]]
index = 1
product = "p"
[[product]]
id = "p"
registration_id = {{ template = "cli-{{serial}}", lowercase = true }}
dps = {{ id_scope = "0ne00C11001" }}
attestation = {{ kind = "symmetric-key", enrollment = {{ type = "individual" }} }}
[upload]
connection_string = {{ file = "{cs}" }}
trust_anchor = "{ca}"
ops_per_minute = 60000
signing_key = "keys/export.key"
"#,
            cs = server.connection_string_file().display(),
            ca = server.ca_file().display(),
        ),
    )
    .unwrap();
    path
}

/// Queues `n` enrollments; returns registration ID → primary key.
fn queue(db: &Path, n: usize) -> BTreeMap<String, String> {
    use base64::Engine as _;
    let store = Store::open(db).unwrap();
    let run = RunId::from("run-cli");
    store
        .start_run(&NewRun {
            id: run.clone(),
            station_id: "up-cli".into(),
            operator: "tech".into(),
            work_order: Some("WO-CLI".into()),
            config_path: "station.toml".into(),
        })
        .unwrap();
    let mut expected = BTreeMap::new();
    for i in 0..n {
        let id = format!("cli-{i:04}");
        let unit = store
            .begin_unit(&NewUnit {
                run_id: run.clone(),
                slot: 1,
                serial: format!("SN{i}"),
                product: "p".into(),
                registration_id: id.clone(),
                attestation: "symmetric-key".into(),
                work_order: Some("WO-CLI".into()),
                operator: "tech".into(),
                station_id: "up-cli".into(),
                identity_json: None,
                rework: false,
            })
            .unwrap();
        let key =
            base64::engine::general_purpose::STANDARD.encode(format!("cli-key-{i:06}-0123456789"));
        let e = IndividualEnrollment {
            registration_id: id.parse().unwrap(),
            device_id: None,
            attestation: AttestationMechanism::symmetric_key(key.clone(), None),
            capabilities: None,
            iot_hub_host_name: None,
            provisioning_status: Some(ProvisioningStatus::Enabled),
            optional_device_information: None,
            allocation: Default::default(),
            etag: None,
        };
        store
            .finish_pass(
                unit,
                &[],
                Some(&NewEnrollment {
                    registration_id: id.clone(),
                    payload_json: serde_json::to_string(&e).unwrap(),
                    sealed: None,
                }),
            )
            .unwrap();
        expected.insert(id, key);
    }
    expected
}

/// What `server` holds: registration ID → primary key, read through the service API.
fn dps_state(server: &ServerThread) -> BTreeMap<String, String> {
    let client = station_upload::client::DpsClient::builder(server.read_connection_string())
        .with_trust_anchor_file(server.ca_file())
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
            (
                e.registration_id.to_string(),
                e.attestation.symmetric_key.unwrap().primary_key.unwrap(),
            )
        })
        .collect()
}

#[test]
fn killed_mid_batch_and_restarted_uploads_exactly_the_queued_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    // Every response comes 300 ms after DPS applied the request: a window to die in.
    config.faults = Faults {
        latency: Duration::from_millis(300),
        ..Faults::default()
    };
    let server = ServerThread::start(config).unwrap();
    let cfg = write_config(dir.path(), &server);
    let db = dir.path().join("station.db");
    let expected = queue(&db, 50);

    let mut child = Command::new(env!("CARGO_BIN_EXE_station"))
        .args(["upload", "--once", "--config", cfg.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until DPS has applied a batch the station has not recorded yet, then SIGKILL.
    let store = Store::open(&db).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let in_dps = server.enrollment_count();
        let recorded = store.queue_stats().unwrap().uploaded;
        if in_dps >= 20 && in_dps > recorded {
            break;
        }
        assert!(Instant::now() < deadline, "upload never got going");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let stats = store.queue_stats().unwrap();
    assert!(
        stats.in_flight > 0,
        "the killed batch is left in flight: {stats:?}"
    );
    assert!((stats.uploaded as usize) < expected.len());

    server.set_faults(Faults::default());
    let out = station(&["upload", "--once", "--config", cfg.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("left in flight by a stopped uploader"),
        "{stdout}"
    );
    assert!(
        stdout.contains("already in DPS, same attestation"),
        "{stdout}"
    );
    assert_eq!(dps_state(&server), expected, "exactly the queued set");
    let stats = store.queue_stats().unwrap();
    assert_eq!(
        (
            stats.queued,
            stats.in_flight,
            stats.conflicts,
            stats.uploaded
        ),
        (0, 0, 0, 50)
    );
    store.verify_audit().unwrap();

    let out = station(&["queue", "--config", cfg.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(
        text(&out.stdout).contains(
            "queue depth 0 (in flight 0), uploaded 50 (50 in the last hour), conflicts 0"
        ),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn export_verify_and_import_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let station_side = ServerThread::start(Config::new(dir.path().join("dps"))).unwrap();
    let cfg = write_config(dir.path(), &station_side);
    let expected = queue(&dir.path().join("station.db"), 23);
    let out_dir = dir.path().join("batch-1");
    let out = station(&[
        "export",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--work-order",
        "WO-CLI",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("exported 23 enrollment(s)"));
    let cert = dir.path().join("keys/export.crt");
    assert!(cert.exists());

    let out = station(&[
        "verify-export",
        out_dir.to_str().unwrap(),
        "--trust",
        cert.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("records    23"));

    // A tampered copy fails loudly.
    let bad = dir.path().join("batch-bad");
    std::fs::create_dir(&bad).unwrap();
    for f in ["enrollments.json", "enrollments.csv", "manifest.jws"] {
        std::fs::copy(out_dir.join(f), bad.join(f)).unwrap();
    }
    let p = bad.join("enrollments.json");
    let mut bytes = std::fs::read(&p).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 0x20;
    std::fs::write(&p, bytes).unwrap();
    let out = station(&[
        "verify-export",
        bad.to_str().unwrap(),
        "--trust",
        cert.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(6));
    let err = text(&out.stderr);
    assert!(err.contains("error[station::verify::tampered]"), "{err}");
    assert!(
        err.contains(station_errors::action("station::verify::tampered")),
        "{err}"
    );
    let operator = ServerThread::start(Config::new(dir.path().join("operator-dps"))).unwrap();
    let out = station(&import_args(&bad, &cert, &operator, &[]));
    assert_eq!(
        out.status.code(),
        Some(6),
        "a tampered batch is never imported"
    );
    assert_eq!(operator.enrollment_count(), 0);

    // The operator's side: import into their own DPS; again (the journal says it is done);
    // again with a fresh journal: refused (the registry says it was imported: a replay could
    // re-create enrollments deleted on purpose), unless --again says why (DPS then says every
    // one is already present).
    for round in 0..3 {
        let extra: &[&str] = match round {
            0 | 1 => &["--ops-per-minute", "60000"],
            _ => &[
                "--ops-per-minute",
                "60000",
                "--fresh",
                "--again",
                "--reason",
                "checking DPS holds the batch",
            ],
        };
        if round == 2 {
            let replay = station(&import_args(
                &out_dir,
                &cert,
                &operator,
                &["--ops-per-minute", "60000", "--fresh"],
            ));
            assert_eq!(replay.status.code(), Some(5), "{}", text(&replay.stderr));
            assert!(
                text(&replay.stderr).contains("station::import::already_imported"),
                "{}",
                text(&replay.stderr)
            );
        }
        let out = station(&import_args(&out_dir, &cert, &operator, extra));
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
        match round {
            0 => assert!(stdout.contains("23 created"), "{stdout}"),
            1 => {
                assert!(
                    stdout.contains("resuming: 23 of 23 already in DPS"),
                    "{stdout}"
                );
                assert!(stdout.contains("0 created, 0 already present"), "{stdout}");
            }
            _ => assert!(stdout.contains("0 created, 23 already present"), "{stdout}"),
        }
        assert!(stdout.contains("23 of 23 enrollment(s) in DPS"), "{stdout}");
    }
    assert!(
        dir.path().join("batch-1.import-journal").is_file(),
        "the journal sits beside the batch"
    );
    assert_eq!(dps_state(&operator), expected);
    // Nothing reached the station's own DPS: exports do not upload.
    assert_eq!(station_side.enrollment_count(), 0);
}

/// With the device operator's age key in the config, the export leaves the station as one
/// sealed file (no plain folder left behind); the operator verifies and imports it with their
/// identity, and nobody else can.
#[test]
fn a_sealed_export_travels_as_one_file_and_imports_with_the_operators_identity() {
    let dir = tempfile::tempdir().unwrap();
    let station_side = ServerThread::start(Config::new(dir.path().join("dps"))).unwrap();
    let cfg = write_config(dir.path(), &station_side);
    let keygen = |name: &str| {
        let path = dir.path().join(name);
        let out = Command::new("age-keygen")
            .arg("-o")
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success());
        let public = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("# public key: ").map(str::to_owned))
            .unwrap();
        (path, public)
    };
    let (identity, public) = keygen("operator.key");
    let (stranger, _) = keygen("stranger.key");
    let mut text_cfg = std::fs::read_to_string(&cfg).unwrap();
    text_cfg.push_str(&format!("export_recipients = [\"{public}\"]\n"));
    std::fs::write(&cfg, text_cfg).unwrap();
    let expected = queue(&dir.path().join("station.db"), 7);

    let out_dir = dir.path().join("batch-7");
    let out = export_to(&cfg, &out_dir);
    assert!(
        text(&out.stdout).contains("sealed for 1 recipient(s)"),
        "{}",
        text(&out.stdout)
    );
    let sealed = dir.path().join("batch-7.tar.age");
    assert!(sealed.is_file());
    assert!(!out_dir.exists(), "no plaintext batch left on the station");
    let cert = dir.path().join("keys/export.crt");

    let verify = |id: Option<&Path>| {
        let mut args = vec![
            "verify-export".to_owned(),
            sealed.display().to_string(),
            "--trust".into(),
            cert.display().to_string(),
        ];
        if let Some(id) = id {
            args.extend(["--identity".into(), id.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        station(&args)
    };
    let out = verify(None);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--identity"),
        "{}",
        text(&out.stderr)
    );
    let out = verify(Some(&stranger));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("error[station::verify::not_for_this_identity]"),
        "{}",
        text(&out.stderr)
    );
    let out = verify(Some(&identity));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("records    7"),
        "{}",
        text(&out.stdout)
    );
    let json = station(&[
        "verify-export",
        sealed.to_str().unwrap(),
        "--trust",
        cert.to_str().unwrap(),
        "--identity",
        identity.to_str().unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        (v["verified"].as_bool(), v["sealed"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(v["manifest"]["records"], 7);
    assert!(
        v["manifest"]["stationId"].is_string(),
        "the signed manifest as signed: {v}"
    );

    let operator = ServerThread::start(Config::new(dir.path().join("operator-dps"))).unwrap();
    let out = station(&import_args(
        &sealed,
        &cert,
        &operator,
        &[
            "--identity",
            identity.to_str().unwrap(),
            "--ops-per-minute",
            "60000",
        ],
    ));
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(dps_state(&operator), expected);
}

#[test]
fn a_supervisor_resolves_a_conflict_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerThread::start(Config::new(dir.path().join("dps"))).unwrap();
    let cfg = write_config(dir.path(), &server);
    let db = dir.path().join("station.db");
    queue(&db, 3);
    {
        // The uploader found other enrollments in DPS under two of the registration IDs.
        let store = Store::open(&db).unwrap();
        let queued = store.enrollments(None).unwrap();
        for e in &queued[..2] {
            store
                .mark_enrollment_conflict(e.id, "uploader", "DPS holds a different attestation")
                .unwrap();
        }
    }
    let cfg = cfg.to_str().unwrap();
    Store::open(&db)
        .unwrap()
        .add_operator(
            "test",
            "root",
            &station_store::NewOperator {
                id: "S1".into(),
                name: "S1".into(),
                role: station_store::Role::Supervisor,
                pin: "135790".into(),
            },
        )
        .unwrap();
    // A supervisor's decision: their PIN from the variable --pin-env names.
    let as_s1 = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_station"))
            .args(args)
            .args(["--operator", "S1", "--pin-env", "S1_PIN"])
            .env("S1_PIN", "135790")
            .output()
            .expect("station runs")
    };

    let out = station(&["queue", "--config", cfg, "--retry", "cli-0000"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("station::queue::no_operator"),
        "{}",
        text(&out.stderr)
    );
    let out = as_s1(&["queue", "--config", cfg, "--retry", "cli-0002"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("has no upload conflict"),
        "{}",
        text(&out.stderr)
    );

    let out = as_s1(&["queue", "--config", cfg, "--retry", "CLI-0000"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("cli-0000: back in the upload queue"));
    let out = as_s1(&["queue", "--config", cfg, "--mark-uploaded", "cli-0001"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .contains("queue depth 2 (in flight 0), uploaded 1 (1 in the last hour), conflicts 0"),
        "{}",
        text(&out.stdout)
    );

    let store = Store::open(&db).unwrap();
    let mut audit = store.audit_rows(100).unwrap();
    audit.reverse();
    let by_s1: Vec<_> = audit
        .iter()
        .filter(|a| a.actor == "S1")
        .map(|a| (a.kind.as_str(), a.subject.as_str()))
        .collect();
    // Each decision follows the supervisor's login (PIN checked) that authorised it.
    assert_eq!(
        by_s1,
        [
            ("operator.login", "S1"),
            ("operator.login", "S1"),
            ("enrollment.requeued", "cli-0000"),
            ("operator.login", "S1"),
            ("enrollment.uploaded", "cli-0001")
        ]
    );
    store.verify_audit().unwrap();
}

/// A group-key product's enrollment group reaches DPS with the upload: created once with the
/// group key, then left alone; a group DPS holds with another key stops the upload.
#[test]
fn the_upload_puts_a_group_products_enrollment_group_in_dps_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerThread::start(Config::new(dir.path().join("dps"))).unwrap();
    let cfg = write_config(dir.path(), &server);
    let group_key = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==";
    std::fs::write(dir.path().join("group.key"), format!("{group_key}\n")).unwrap();
    let patched = std::fs::read_to_string(&cfg).unwrap().replace(
        "[upload]",
        r#"[[product]]
id = "g"
registration_id = { template = "g-{serial}", lowercase = true }
dps = { id_scope = "0ne00C11001" }
attestation = { kind = "symmetric-key", enrollment = { type = "group", group_id = "line-sensors", group_key = { file = "group.key" } } }
[upload]"#,
    );
    std::fs::write(&cfg, patched).unwrap();
    let run = || station(&["upload", "--once", "--config", cfg.to_str().unwrap()]);
    let out = run();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("enrollment group line-sensors: created"),
        "{}",
        text(&out.stdout)
    );
    let out = run();
    assert!(
        text(&out.stdout).contains("enrollment group line-sensors: present, same key"),
        "{}",
        text(&out.stdout)
    );
    let client = station_upload::client::DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let group = rt
        .block_on(client.enrollment_group("line-sensors"))
        .unwrap();
    assert_eq!(
        group
            .attestation
            .symmetric_key
            .as_ref()
            .unwrap()
            .primary_key
            .as_deref(),
        Some(group_key)
    );
    // Someone changed the group's key in DPS: the station refuses to go on as if it matched.
    let mut changed = group.clone();
    changed.attestation = AttestationMechanism::symmetric_key(
        "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQg==".into(),
        None,
    );
    rt.block_on(client.create_or_update_group(&changed, Some("*")))
        .unwrap();
    let out = run();
    assert_eq!(out.status.code(), Some(5));
    assert!(
        text(&out.stderr).contains("station::upload::group_conflict"),
        "{}",
        text(&out.stderr)
    );
}

/// `station import` under a real budget (scaled down: 600 enrollments at 3,000 operations a
/// minute, a bulk call of 10 enrollments costing 10, so 50 enrollments a second): on a
/// terminal it shows a bar with its ETA; killed mid-way and run again, it resumes from its
/// journal; stopped with Ctrl-C, it exits 130 and says so; run a third time, it sends only what
/// DPS did not confirm before. DPS ends holding exactly the batch.
#[test]
fn an_import_under_a_budget_shows_its_eta_and_resumes_where_it_was_killed_or_stopped() {
    use std::os::unix::process::CommandExt as _;
    const N: usize = 600;
    let dir = tempfile::tempdir().unwrap();
    let station_side = ServerThread::start(Config::new(dir.path().join("dps"))).unwrap();
    let cfg = write_config(dir.path(), &station_side);
    let expected = queue(&dir.path().join("station.db"), N);
    let batch = dir.path().join("batch");
    export_to(&cfg, &batch);
    let cert = dir.path().join("keys/export.crt");
    let operator = ServerThread::start(Config::new(dir.path().join("operator-dps"))).unwrap();
    let import = |extra: &[&str]| import_args(&batch, &cert, &operator, extra);
    let journal = dir.path().join("batch.import-journal");
    let journaled = || {
        std::fs::read_to_string(&journal)
            .map(|t| t.lines().count().saturating_sub(1))
            .unwrap_or(0)
    };

    // On a terminal (`script` gives the command a pseudo-terminal), under the budget.
    let command = std::iter::once(env!("CARGO_BIN_EXE_station").to_owned())
        .chain(import(&["--ops-per-minute", "3000"]))
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let screen = dir.path().join("screen.txt");
    let mut child = Command::new("script")
        .args(["-qfec", &command])
        .arg(&screen)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while journaled() < 150 {
        assert!(Instant::now() < deadline, "the import made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended early"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let pgid = i32::try_from(child.id()).unwrap();
    let killed = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait().unwrap();
    let done_before = journaled();
    assert!(
        (150..N).contains(&done_before),
        "killed mid-way: {done_before} journaled"
    );
    let shown = std::fs::read_to_string(&screen).unwrap();
    assert!(
        shown.contains("import") && shown.contains("ETA") && shown.contains(&format!("/{N}")),
        "a bar with its ETA on the terminal: {shown:?}"
    );

    // Run again under the budget and stop it with Ctrl-C (SIGINT): it releases the batch in
    // flight, says how far it got and exits 130 (interrupted).
    let child = Command::new(env!("CARGO_BIN_EXE_station"))
        .args(import(&["--ops-per-minute", "3000"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while journaled() < done_before + 100 {
        assert!(
            Instant::now() < deadline,
            "the resumed import made no progress"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let stopped = child.wait_with_output().unwrap();
    assert_eq!(
        stopped.status.code(),
        Some(130),
        "{}",
        text(&stopped.stderr)
    );
    let err = text(&stopped.stderr);
    assert!(err.contains("error[station::import::stopped]"), "{err}");
    assert!(err.contains("resumes from its journal"), "{err}");
    assert!(
        text(&stopped.stdout).contains(&format!("resuming: {done_before} of {N}")),
        "{}",
        text(&stopped.stdout)
    );
    let done_before = journaled();
    assert!(done_before < N, "stopped before the end: {done_before}");

    // Run again (piped, JSON): it resumes.
    let out = Command::new(env!("CARGO_BIN_EXE_station"))
        .args(import(&["--ops-per-minute", "60000", "--json"]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("ETA"), "no bar when piped");
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let resumed = lines.iter().find(|l| l["kind"] == "resumed").unwrap();
    assert_eq!(resumed["done"], done_before);
    let done = lines.last().unwrap();
    assert_eq!(done["kind"], "done");
    let (created, present) = (
        done["created"].as_u64().unwrap(),
        done["already_present"].as_u64().unwrap(),
    );
    assert_eq!(
        created + present,
        (N - done_before) as u64,
        "only what the journal did not list is sent"
    );
    assert!(
        present <= 10,
        "at most the batch in flight at the kill: {present}"
    );
    assert_eq!(done["done"], N);
    assert_eq!(journaled(), N);
    assert_eq!(dps_state(&operator), expected);
}
