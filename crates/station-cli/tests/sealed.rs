//! Device keys sealed where they are made (issue 28, item 1), tried as a stolen PC, a kiosk
//! account and a device operator would meet them, on real parts: the virtual fixture's boards,
//! the `station` binary, a SQLite file read byte by byte, dps-local over HTTPS on loopback.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use dps_local::{Config, ServerThread};
use station_store::{EnrollmentStatus, SecretState, Store};
use virtual_dut::{Fixture, FixtureSpec};

const SLOTS: u16 = 2;

fn station<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_station"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("station runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// A station of `SLOTS` individual symmetric-key slots in `dir`, uploading to `server`, with
/// `secrets` as its `[secrets]` section and `upload_extra` added to `[upload]`.
fn write_config(dir: &Path, server: &ServerThread, secrets: &str, upload_extra: &str) -> PathBuf {
    let slots: String = (1..=SLOTS)
        .map(|i| format!("[[fixture.slot]]\nindex = {i}\nproduct = \"p\"\n"))
        .collect();
    let path = dir.join("station.toml");
    std::fs::write(
        &path,
        format!(
            r#"[station]
id = "sealed"
log_dir = "log"
operator = "tech-1"
[storage]
database = "station.db"
{secrets}
[fixture]
name = "virtual"
ports_file = "fixture/ports.toml"
command_timeout_ms = 250
{slots}
[[product]]
id = "p"
registration_id = {{ template = "sl-{{serial}}", lowercase = true }}
dps = {{ id_scope = "0ne00C11001" }}
attestation = {{ kind = "symmetric-key", enrollment = {{ type = "individual" }} }}
[upload]
connection_string = {{ file = "{cs}" }}
trust_anchor = "{ca}"
ops_per_minute = 60000
signing_key = "keys/export.key"
{upload_extra}
"#,
            cs = server.connection_string_file().display(),
            ca = server.ca_file().display(),
        ),
    )
    .unwrap();
    path
}

/// `station export --config CONFIG --out OUT`, run in `dir`.
fn export(dir: &Path, config: &Path, out: &Path) -> Output {
    station(
        dir,
        &[
            "export",
            "--config",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    )
}

/// Runs every slot once; returns each board's key as DPS takes it (base64 text).
fn provision(dir: &Path, config: &Path) -> (Fixture, Vec<String>) {
    let fixture =
        Fixture::start(&FixtureSpec::uniform(dir.join("fixture"), SLOTS, 115_200)).unwrap();
    ok(&station(
        dir,
        &["run", "--config", config.to_str().unwrap()],
    ));
    let keys = (1..=SLOTS)
        .map(|slot| {
            String::from_utf8(
                fixture.flash(slot).unwrap().decoded_settings()["dps/sym_key"].clone(),
            )
            .unwrap()
        })
        .collect();
    (fixture, keys)
}

/// Every byte of the database and whatever log and shared-memory files it has.
fn database_bytes(db: &Path) -> Vec<u8> {
    Store::files(db)
        .iter()
        .filter(|f| f.exists())
        .flat_map(|f| std::fs::read(f).unwrap())
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// What DPS holds for `registration_id`: its primary key.
fn dps_key(server: &ServerThread, registration_id: &str) -> Option<String> {
    let client = station_upload::client::DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(client.enrollment(registration_id))
        .ok()
        .and_then(|e| e.attestation.symmetric_key?.primary_key)
}

/// The stolen-PC check: after the uploader delivered them, the database files hold no device
/// key, in clear, as raw bytes, or as the ciphertext they were kept in.
#[test]
fn an_uploaded_key_leaves_no_trace_in_the_database_files() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerThread::start(Config::new(dir.path().join("dps"))).unwrap();
    virtual_dut::test_secrets::write_uploader_identity(&dir.path().join("uploader.age")).unwrap();
    let config = write_config(
        dir.path(),
        &server,
        &virtual_dut::test_secrets::secrets_toml("uploader.age"),
        "",
    );
    let (fixture, keys) = provision(dir.path(), &config);
    let db = dir.path().join("station.db");

    // Before delivery: sealed, the payloads redacted, no key in any file.
    let store = Store::open(&db).unwrap();
    let queued = store.enrollments(None).unwrap();
    assert_eq!(queued.len(), usize::from(SLOTS));
    let ciphertexts: Vec<Vec<u8>> = queued
        .iter()
        .map(|e| {
            assert_eq!(e.secret, SecretState::Sealed, "{}", e.registration_id);
            assert!(e.payload_json.contains(station_store::REDACTED));
            e.sealed.as_ref().unwrap().ciphertext.clone()
        })
        .collect();
    drop(store);
    let bytes = database_bytes(&db);
    for key in &keys {
        assert!(
            !contains(&bytes, key.as_bytes()),
            "a key in clear before delivery"
        );
        let raw = base64::engine::general_purpose::STANDARD
            .decode(key)
            .unwrap();
        assert!(!contains(&bytes, &raw), "a key's raw bytes before delivery");
    }
    assert!(
        contains(&bytes, &ciphertexts[0][..64]),
        "the ciphertext is what is kept"
    );

    // The uploader opens them with its identity: DPS holds the boards' own keys.
    ok(&station(
        dir.path(),
        &["upload", "--once", "--config", config.to_str().unwrap()],
    ));
    for (slot, key) in (1..=SLOTS).zip(&keys) {
        let reg = String::from_utf8(
            fixture.flash(slot).unwrap().decoded_settings()["dps/reg_id"].clone(),
        )
        .unwrap();
        assert_eq!(
            dps_key(&server, &reg).as_deref(),
            Some(key.as_str()),
            "slot {slot}"
        );
    }

    // Delivered: purged. No key, raw or base64, and no ciphertext survives in any file.
    let store = Store::open(&db).unwrap();
    for e in store.enrollments(None).unwrap() {
        assert_eq!(e.status, EnrollmentStatus::Uploaded);
        assert_eq!(e.secret, SecretState::Purged);
        assert!(e.sealed.is_none() && e.purged_at.is_some());
    }
    let counts = store.secret_counts().unwrap();
    assert_eq!((counts.plain, counts.sealed, counts.purged), (0, 0, 2));
    assert!(store.checkpoint().unwrap());
    drop(store);
    let bytes = database_bytes(&db);
    for key in &keys {
        assert!(
            !contains(&bytes, key.as_bytes()),
            "a key in clear after delivery"
        );
        let raw = base64::engine::general_purpose::STANDARD
            .decode(key)
            .unwrap();
        assert!(!contains(&bytes, &raw), "a key's raw bytes after delivery");
    }
    for c in &ciphertexts {
        // Any 32 bytes of the ciphertext's body (past the age header, which names only the
        // recipient's stanza type) would be a trace.
        assert!(
            !contains(&bytes, &c[c.len() - 32..]),
            "a ciphertext after delivery"
        );
    }
    // The audit trail says so.
    let audit = Store::open(&db).unwrap().audit_rows(100).unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.kind == "enrollment.uploaded" && r.detail["secret_purged"] == true),
        "audited as purged"
    );
}

/// The kiosk's view: a station that seals keys but holds no identity cannot open them, so an
/// uploader run from its configuration sends nothing and says why; nothing is purged.
#[test]
fn without_the_identity_a_sealed_key_cannot_be_read_or_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerThread::start(Config::new(dir.path().join("dps"))).unwrap();
    let secrets = format!(
        "[secrets]\nrecipients = [\"{}\"]\n",
        virtual_dut::test_secrets::TEST_UPLOADER_RECIPIENT
    );
    let config = write_config(dir.path(), &server, &secrets, "");
    let (_fixture, _keys) = provision(dir.path(), &config);
    ok(&station(
        dir.path(),
        &["upload", "--once", "--config", config.to_str().unwrap()],
    ));
    assert_eq!(server.enrollment_count(), 0, "nothing left the station");
    let store = Store::open(&dir.path().join("station.db")).unwrap();
    for e in store.enrollments(None).unwrap() {
        assert_eq!(e.status, EnrollmentStatus::Conflict);
        let why = e.last_error.unwrap_or_default();
        assert!(
            why.contains("sealed") && why.contains("secrets.identity_file"),
            "{why}"
        );
        assert_eq!(
            e.secret,
            SecretState::Sealed,
            "not purged: nothing was delivered"
        );
    }
    // An identity file the uploader's account cannot read stops it at start, naming it.
    let unreadable = format!("{secrets}identity_file = \"missing.age\"\n");
    let config = write_config(dir.path(), &server, &unreadable, "");
    let out = station(
        dir.path(),
        &["upload", "--once", "--config", config.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("station::upload::identity"),
        "{}",
        text(&out.stderr)
    );
}

/// An export line: keys sealed to the device operator where they are made travel in the batch
/// as they are (the station never opens them), open only with the operator's identity, reach
/// the operator's DPS, and are purged from the station once the batch exists.
#[test]
fn an_export_line_hands_over_keys_it_never_opens() {
    let dir = tempfile::tempdir().unwrap();
    let station_dps = ServerThread::start(Config::new(dir.path().join("dps"))).unwrap();
    let operator = ServerThread::start(Config::new(dir.path().join("operator-dps"))).unwrap();
    let (identity, public) = station_seal::generate_identity();
    let operator_id = dir.path().join("operator.age");
    std::fs::write(&operator_id, identity.as_bytes()).unwrap();
    let config = write_config(
        dir.path(),
        &station_dps,
        &format!("[secrets]\nrecipients = [\"{public}\"]\n"),
        &format!("export_recipients = [\"{public}\"]"),
    );
    let (fixture, keys) = provision(dir.path(), &config);
    let out = dir.path().join("batch");
    let exported = export(dir.path(), &config, &out);
    ok(&exported);
    let said = text(&exported.stdout);
    assert!(said.contains("2 device key(s) travel sealed"), "{said}");
    assert!(said.contains("2 delivered device key(s) purged"), "{said}");
    let sealed = dir.path().join("batch.tar.age");
    assert!(sealed.is_file() && !out.exists());

    // Purged at once: the station keeps nothing of them.
    let db = dir.path().join("station.db");
    let store = Store::open(&db).unwrap();
    assert_eq!(store.secret_counts().unwrap().purged, 2);
    assert!(store.checkpoint().unwrap());
    drop(store);
    let bytes = database_bytes(&db);
    for key in &keys {
        assert!(!contains(&bytes, key.as_bytes()));
    }

    // The operator imports with the identity; DPS gets the boards' own keys.
    let cert = dir.path().join("keys/export.crt");
    let import = |extra: &[&str]| {
        let mut args = vec![
            "import".to_owned(),
            sealed.display().to_string(),
            "--trust".into(),
            cert.display().to_string(),
            "--connection-string-file".into(),
            operator.connection_string_file().display().to_string(),
            "--dps-trust".into(),
            operator.ca_file().display().to_string(),
            "--registry".into(),
            dir.path().join("registry").display().to_string(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        station(dir.path(), &args)
    };
    ok(&import(&["--identity", operator_id.to_str().unwrap()]));
    for (slot, key) in (1..=SLOTS).zip(&keys) {
        let reg = String::from_utf8(
            fixture.flash(slot).unwrap().decoded_settings()["dps/reg_id"].clone(),
        )
        .unwrap();
        assert_eq!(dps_key(&operator, &reg).as_deref(), Some(key.as_str()));
    }

    // A second export has nothing left to carry, and says what it left out.
    let again = export(dir.path(), &config, &dir.path().join("again"));
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("station::export::empty"),
        "{}",
        text(&again.stderr)
    );
}

/// Keys sealed to the uploader never go into a batch for the operator, who could not open
/// them: the export is refused before anything is written.
#[test]
fn keys_sealed_to_the_uploader_are_not_exported_to_the_operator() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerThread::start(Config::new(dir.path().join("dps"))).unwrap();
    let (_, operator_public) = station_seal::generate_identity();
    let config = write_config(
        dir.path(),
        &server,
        &virtual_dut::test_secrets::secrets_toml("uploader.age"),
        &format!("export_recipients = [\"{operator_public}\"]"),
    );
    let (_fixture, _keys) = provision(dir.path(), &config);
    let out = dir.path().join("batch");
    let refused = export(dir.path(), &config, &out);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("station::export::sealed_for_others"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!out.exists() && !dir.path().join("batch.tar.age").exists());
    let store = Store::open(&dir.path().join("station.db")).unwrap();
    assert_eq!(store.secret_counts().unwrap().sealed, 2, "nothing purged");
}

/// `station secrets keygen` makes a pair that works (sealed to its recipients file, opened with
/// its identity), keeps the identity private, and never replaces one.
#[test]
fn keygen_makes_a_working_pair_and_never_replaces_an_identity() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let identity = dir.path().join("uploader.age");
    let recipients = dir.path().join("recipients.txt");
    let keygen = |d: &Path| {
        station(
            d,
            &[
                "secrets",
                "keygen",
                "--identity",
                identity.to_str().unwrap(),
                "--recipients",
                recipients.to_str().unwrap(),
            ],
        )
    };
    ok(&keygen(dir.path()));
    let mode = std::fs::metadata(&identity).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let public = station_seal::read_recipients_file(&recipients).unwrap();
    let sealed = station_seal::Sealer::new(&public)
        .unwrap()
        .seal(b"device key")
        .unwrap();
    let opened = station_seal::Opener::from_file(&identity)
        .unwrap()
        .open(&sealed)
        .unwrap();
    assert_eq!(opened.as_slice(), b"device key");
    let before = std::fs::read(&identity).unwrap();
    let again = keygen(dir.path());
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("station::secrets::keygen"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(
        std::fs::read(&identity).unwrap(),
        before,
        "the identity is kept"
    );
}
