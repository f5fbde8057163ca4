//! The mixed line: symmetric-key (slots 1–2), X.509 (3–4) and TPM (5–6) boards, the uploader
//! against dps-local and the signed export, all under the same kills.

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
pub(crate) struct Line {
    /// The bench: dps-local's state, the TPM vendor's CA, the boards and the configurations.
    pub(crate) root: PathBuf,
    /// The station's data: its database, logs, CA, export signing key.
    pub(crate) data: PathBuf,
    pub(crate) server: ServerThread,
    /// Every X.509 leaf ever installed on a board, by SHA-256 (boards outlive their
    /// iteration: their certificates stay accounted for).
    pub(crate) leaves: BTreeSet<String>,
    /// Appended to every configuration (a `[line_db]` section, say).
    extra: String,
}

impl Line {
    pub(crate) fn start(root: &Path) -> Line {
        Line::start_with(root, "")
    }

    /// A line whose station keeps its data in `data` (the power-cut filesystem, say) and
    /// the rest of the bench in `root`.
    pub(crate) fn start_on(root: &Path, data: &Path) -> Line {
        Line::start_in(root, data, "")
    }

    /// A line whose configurations end with `extra`.
    pub(crate) fn start_with(root: &Path, extra: &str) -> Line {
        Line::start_in(root, root, extra)
    }

    fn start_in(root: &Path, data: &Path, extra: &str) -> Line {
        let server = ServerThread::start(Config::new(root.join("dps"))).unwrap();
        let line = Line {
            root: root.to_owned(),
            data: data.to_owned(),
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
        let passphrase = data.join("ca/passphrase");
        station_store::private_files::create_dir_all(&data.join("ca")).unwrap();
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

    pub(crate) fn db(&self) -> PathBuf {
        self.data.join("station.db")
    }

    fn tpm_ca(&self) -> PathBuf {
        self.root.join("tpm-ca")
    }

    /// The export signing certificate (made by the first export).
    pub(crate) fn export_cert(&self) -> PathBuf {
        self.data.join("keys/export.crt")
    }

    /// A configuration whose boards live in `dir`; everything else is the line's.
    pub(crate) fn config(&self, dir: &Path) -> PathBuf {
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
        let root = self.data.display();
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
    pub(crate) fn boards(&self, config: &Path, dir: &Path) -> Fixture {
        let loaded = station_config::load(config).unwrap();
        let spec = virtual_dut::station::spec_for(&loaded, &dir.join("fixture")).unwrap();
        Fixture::start(&spec).unwrap()
    }

    /// The invariants over this iteration's boards and the line's certificates.
    pub(crate) fn check(&mut self, store: &Store, fixture: &Fixture, kill: usize) {
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
        let want: BTreeSet<String> = revoked.iter().map(|c| serial_key(&c.serial)).collect();
        let listed = self.crl_serials();
        assert!(
            want.is_subset(&listed),
            "kill {kill}: the CRL on disk lacks revoked certificates: {:?}",
            want.difference(&listed).collect::<Vec<_>>()
        );
    }

    /// The serials the X.509 product's CRL on disk lists (none when there is no CRL).
    pub(crate) fn crl_serials(&self) -> BTreeSet<String> {
        let crl = self.data.join("ca/crl.pem");
        if !crl.exists() {
            return BTreeSet::new();
        }
        let out = Command::new("openssl")
            .args(["crl", "-noout", "-text", "-in"])
            .arg(&crl)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the CRL {} does not parse: {}",
            crl.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Serial Number: "))
            .map(serial_key)
            .collect()
    }

    /// The live set (queued or uploaded): registration ID → its identity.
    pub(crate) fn live_set(store: &Store) -> BTreeMap<String, String> {
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
    pub(crate) fn dps_set(&self) -> BTreeMap<String, String> {
        dps_set_of(&self.server)
    }

    /// Checks the batch `out_dir` as the device operator would: `verify-export` accepts it
    /// only whole, audited (an `export.written` row names its manifest) and holding exactly
    /// the live set less what DPS confirmed and the station purged; a batch it refuses, the
    /// import refuses too and `operator` receives nothing from it.
    pub(crate) fn check_export(
        &self,
        store: &Store,
        out_dir: &Path,
        operator: &ServerThread,
        kill: usize,
    ) -> Export {
        let cert = self.export_cert();
        let out = out_dir.to_str().unwrap();
        let verify = station(&["verify-export", out, "--trust", cert.to_str().unwrap()]);
        if !verify.status.success() {
            assert_eq!(verify.status.code(), Some(6), "kill {kill}");
            let before = operator.enrollment_count();
            let import = station(&self.import_args(out_dir, operator));
            assert_eq!(
                import.status.code(),
                Some(6),
                "kill {kill}: import of a refused batch"
            );
            assert_eq!(operator.enrollment_count(), before);
            return Export::Refused;
        }
        let ids = batch_set(out_dir, &cert);
        // A key DPS confirmed was purged: its enrollment can travel in no batch again.
        let purged: BTreeSet<String> = store
            .enrollments(None)
            .unwrap()
            .into_iter()
            .filter(|e| e.secret == station_store::SecretState::Purged)
            .map(|e| e.registration_id.to_lowercase())
            .collect();
        let live: BTreeSet<String> = Line::live_set(store)
            .into_keys()
            .filter(|r| !purged.contains(r))
            .collect();
        assert_eq!(
            ids, live,
            "kill {kill}: the batch is not the live set less what was delivered"
        );
        let jws = std::fs::read(out_dir.join("manifest.jws")).unwrap();
        let sha = setting_digest(&jws);
        assert!(
            store
                .audit_rows(20)
                .unwrap()
                .iter()
                .any(|r| r.kind == "export.written" && r.detail["manifest_sha256"] == sha.as_str()),
            "kill {kill}: an accepted batch with no export.written audit row"
        );
        Export::Accepted
    }

    /// `station import` of the batch `dir` into `operator`, its completed imports recorded
    /// beside the batch (not in the user's registry).
    pub(crate) fn import_args(&self, dir: &Path, operator: &ServerThread) -> Vec<String> {
        let registry = dir.with_extension("import-registry");
        [
            "import".as_ref(),
            dir.as_os_str(),
            "--trust".as_ref(),
            self.export_cert().as_os_str(),
            "--identity".as_ref(),
            self.root.join("calibration/uploader.age").as_os_str(),
            "--connection-string-file".as_ref(),
            operator.connection_string_file().as_os_str(),
            "--dps-trust".as_ref(),
            operator.ca_file().as_os_str(),
            "--registry".as_ref(),
            registry.as_os_str(),
            "--ops-per-minute".as_ref(),
            "60000".as_ref(),
        ]
        .iter()
        .map(|a| a.to_str().unwrap().to_owned())
        .collect()
    }
}

/// A certificate serial as hex, lower case, without leading zeros or colons.
fn serial_key(serial: &str) -> String {
    let hex: String = serial.chars().filter(|c| *c != ':').collect();
    let hex = hex.to_lowercase();
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() { "0" } else { trimmed }.to_owned()
}

/// How the device operator found a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Export {
    /// Verified: whole, audited, the live set.
    Accepted,
    /// Refused by `verify-export` and by `import`.
    Refused,
}

/// What `server` holds, read through its service API: registration ID → identity.
pub(crate) fn dps_set_of(server: &ServerThread) -> BTreeMap<String, String> {
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
            let v = serde_json::to_value(&e).unwrap();
            (
                e.registration_id.as_str().to_lowercase(),
                identity_of(&v["attestation"]),
            )
        })
        .collect()
}

/// The registration IDs of the verified batch `dir`.
pub(crate) fn batch_set(dir: &Path, cert: &Path) -> BTreeSet<String> {
    station_upload::export::verify_export(dir, &std::fs::read(cert).unwrap())
        .unwrap()
        .enrollments()
        .unwrap()
        .into_iter()
        .map(|e| e.registration_id.as_str().to_lowercase())
        .collect()
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
pub(crate) fn kill_command<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    window: Duration,
) -> (bool, Duration) {
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

/// Runs `station ARGS`, which must succeed; how long it took.
pub(crate) fn timed<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> Duration {
    let t = Instant::now();
    let out = station(args);
    assert!(
        out.status.success(),
        "station {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.elapsed()
}

pub(crate) fn station<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_station"))
        .args(args)
        .output()
        .unwrap()
}

/// The calibration run's slowest duration of each step, ms.
pub(crate) fn calibrate(line: &mut Line) -> (BTreeMap<String, u64>, u64) {
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
