//! The signed export against a real store: golden CSV shape, round trip through the verifier,
//! and every kind of tampering rejected.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use station_errors::Coded as _;
use std::path::{Path, PathBuf};

use station_store::{ExportFilter, NewEnrollment, NewRun, NewUnit, RunId, Store};
use station_upload::export::{
    CSV_FILE, CSV_HEADER, ExportRequest, JSON_FILE, MANIFEST_FILE, REVOCATIONS_FILE, SECRETS_FILE,
    StationSigner, VerifyError, cert_path_for, verify_export, write_export,
};
use station_upload::schema::{AttestationMechanism, IndividualEnrollment, ProvisioningStatus};

struct Setup {
    dir: tempfile::TempDir,
    store: Store,
    signer: StationSigner,
    cert_pem: Vec<u8>,
}

fn setup(n: usize) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (store, signer, cert_pem) = station_at(dir.path(), n);
    Setup {
        dir,
        store,
        signer,
        cert_pem,
    }
}

/// A station whose data lives in `root`: its store with `n` PASS units, and its export signer
/// (key and certificate made); the certificate's PEM.
fn station_at(root: &Path, n: usize) -> (Store, StationSigner, Vec<u8>) {
    let store = Store::open(&root.join("station.db")).unwrap();
    let run = RunId::from("run-x");
    store
        .start_run(&NewRun {
            id: run.clone(),
            station_id: "st-x".into(),
            operator: "tech".into(),
            work_order: Some("WO-7".into()),
            config_path: "station.toml".into(),
        })
        .unwrap();
    for i in 0..n {
        let id = format!("exp-{i:03}");
        let unit = store
            .begin_unit(&NewUnit {
                run_id: run.clone(),
                slot: 1,
                serial: format!("SN,{i}"),
                product: "p".into(),
                registration_id: id.clone(),
                attestation: "symmetric-key".into(),
                work_order: Some("WO-7".into()),
                operator: "tech".into(),
                station_id: "st-x".into(),
                identity_json: None,
                rework: false,
            })
            .unwrap();
        let e = IndividualEnrollment {
            registration_id: id.parse().unwrap(),
            device_id: Some(format!("dev-{i}")),
            attestation: AttestationMechanism::symmetric_key(
                "c2VjcmV0LXNlY3JldC1zZWNyZXQ=".into(),
                None,
            ),
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
                    registration_id: id,
                    payload_json: serde_json::to_string(&e).unwrap(),
                    sealed: None,
                }),
            )
            .unwrap();
    }
    let key = root.join("keys/export.key");
    let (signer, created) = StationSigner::load_or_create(&key, "st-x").unwrap();
    assert!(created);
    let cert_pem = std::fs::read(cert_path_for(&key)).unwrap();
    (store, signer, cert_pem)
}

fn export(s: &Setup, name: &str) -> PathBuf {
    let out = s.dir.path().join(name);
    export_to(&s.store, &s.signer, &out);
    out
}

/// Exports every record of `store` into `out`, signed by `signer`.
fn export_to(store: &Store, signer: &StationSigner, out: &Path) {
    write_export(
        store,
        &ExportRequest {
            filter: ExportFilter::default(),
            out_dir: out.to_owned(),
            station_id: "st-x".into(),
            actor: "supervisor-1".into(),
            crls: Vec::new(),
            sealed_for: None,
        },
        signer,
    )
    .unwrap();
}

/// A power cut right after an export: the station's data (store, signing key) and the batch on
/// the power-cut filesystem. The batch is still there and accepted, the signing key still
/// loads (no new key for the next batch), and the export is still in the audit chain.
#[test]
fn a_batch_written_before_a_power_cut_is_still_there_and_accepted_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut disk = powercut_fs::Mount::new(&dir.path().join("disk")).unwrap();
    let root = disk.path().join("var/lib/station");
    let (store, signer, cert_pem) = station_at(&root, 3);
    let out = disk.path().join("exports/batch-1");
    export_to(&store, &signer, &out);
    verify_export(&out, &cert_pem).unwrap();
    drop((store, signer));
    disk.cut().unwrap();
    let verified = verify_export(&out, &cert_pem).unwrap();
    assert_eq!(verified.manifest.records, 3);
    let key = root.join("keys/export.key");
    let (_, created) = StationSigner::load_or_create(&key, "st-x").unwrap();
    assert!(
        !created,
        "the signing key was lost: the next batch would have a new signer"
    );
    assert_eq!(std::fs::read(cert_path_for(&key)).unwrap(), cert_pem);
    let store = Store::open(&root.join("station.db")).unwrap();
    assert_eq!(store.audit_rows(1).unwrap()[0].kind, "export.written");
    store.verify_audit().unwrap();
}

/// Copies an export directory.
fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn an_export_round_trips_through_the_verifier() {
    let s = setup(5);
    let out = export(&s, "batch");
    let verified = verify_export(&out, &s.cert_pem).unwrap();
    assert_eq!(verified.manifest.records, 5);
    assert_eq!(verified.manifest.station_id, "st-x");
    assert_eq!(verified.manifest.exported_by, "supervisor-1");
    assert!(verified.manifest.audit_head.is_some());
    let enrollments = verified.enrollments().unwrap();
    assert_eq!(enrollments.len(), 5);
    assert_eq!(enrollments[4].registration_id, "exp-004");
    // The JSON is exactly what the service API takes: the queued objects, unchanged.
    let json: Vec<IndividualEnrollment> =
        serde_json::from_str(&std::fs::read_to_string(out.join(JSON_FILE)).unwrap()).unwrap();
    assert_eq!(json, enrollments);
    // Every enrollment (and key) is in the batch: it is private to the station's account,
    // and so is the database it came from.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&out), 0o700, "the batch folder");
        for e in std::fs::read_dir(&out).unwrap() {
            let p = e.unwrap().path();
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
        assert_eq!(mode(s.store.path()), 0o600, "the database");
    }
    // The export is in the audit chain.
    let rows = s.store.audit_rows(1).unwrap();
    assert_eq!(rows[0].kind, "export.written");
    assert_eq!(rows[0].detail["records"], 5);
    // A second export into the same directory is refused.
    let again = write_export(
        &s.store,
        &ExportRequest {
            filter: ExportFilter::default(),
            out_dir: out,
            station_id: "st-x".into(),
            actor: "x".into(),
            crls: Vec::new(),
            sealed_for: None,
        },
        &s.signer,
    );
    assert!(again.is_err());
}

#[test]
fn the_csv_matches_its_golden_shape() {
    let s = setup(2);
    let out = export(&s, "batch");
    let csv = std::fs::read_to_string(out.join(CSV_FILE)).unwrap();
    let golden = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/enrollments.csv.golden"),
    )
    .unwrap();
    // Everything but the queue timestamps is fixed.
    let normalise = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| {
                let mut f: Vec<&str> = l.split(',').collect();
                if f.len() == 11 && f[9].ends_with('Z') {
                    f[9] = "<queued_at>";
                }
                f.join(",")
            })
            .collect()
    };
    assert_eq!(normalise(&csv), normalise(&golden));
    assert_eq!(csv.lines().next().unwrap(), CSV_HEADER);
    assert!(!csv.contains("c2VjcmV0"), "no key material in the CSV");
}

/// Each tampering, applied to a fresh copy of a good export, must be rejected.
#[test]
fn any_tampering_is_rejected() {
    let s = setup(6);
    let good = export(&s, "good");
    let case = |name: &str, tamper: &dyn Fn(&Path)| -> VerifyError {
        let dir = s.dir.path().join(format!("t-{name}"));
        copy(&good, &dir);
        tamper(&dir);
        verify_export(&dir, &s.cert_pem).expect_err(name)
    };
    let flip = |file: &'static str, at: usize| {
        move |dir: &Path| {
            let p = dir.join(file);
            let mut bytes = std::fs::read(&p).unwrap();
            let i = at.min(bytes.len() - 1);
            bytes[i] ^= 0x01;
            std::fs::write(&p, bytes).unwrap();
        }
    };
    // One byte changed in each file, at the start, middle and end.
    for file in [JSON_FILE, CSV_FILE] {
        let len = std::fs::metadata(good.join(file)).unwrap().len() as usize;
        for at in [0, len / 2, len - 2] {
            let e = case(&format!("{file}-{at}"), &flip(file, at));
            assert!(
                matches!(e, VerifyError::Tampered { .. }),
                "{file}@{at}: {e}"
            );
        }
    }
    let len = std::fs::metadata(good.join(MANIFEST_FILE)).unwrap().len() as usize;
    for at in [5, len / 2, len - 3] {
        let e = case(&format!("manifest-{at}"), &flip(MANIFEST_FILE, at));
        assert!(
            matches!(
                e,
                VerifyError::BadSignature
                    | VerifyError::BadManifest(_)
                    | VerifyError::UntrustedSigner(_)
            ),
            "manifest@{at}: {e}"
        );
    }
    // A record dropped from the JSON (the last line before `]`), and from the CSV.
    let e = case("drop-json", &|dir| {
        let p = dir.join(JSON_FILE);
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.remove(lines.len() - 2);
        let n = lines.len();
        let fixed = lines[n - 2].trim_end_matches(',').to_owned();
        lines[n - 2] = &fixed;
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    });
    assert!(matches!(e, VerifyError::Tampered { .. }), "{e}");
    let e = case("drop-csv", &|dir| {
        let p = dir.join(CSV_FILE);
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&p, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    });
    assert!(matches!(e, VerifyError::Tampered { .. }), "{e}");
    // The manifest swapped for the (validly signed) manifest of another batch.
    let all = s.store.enrollments(None).unwrap();
    let subset = s.dir.path().join("subset");
    write_export(
        &s.store,
        &ExportRequest {
            filter: ExportFilter {
                from: Some(all[3].created_at),
                ..ExportFilter::default()
            },
            out_dir: subset.clone(),
            station_id: "st-x".into(),
            actor: "x".into(),
            crls: Vec::new(),
            sealed_for: None,
        },
        &s.signer,
    )
    .unwrap();
    let e = case("swap-manifest", &|dir| {
        std::fs::copy(subset.join(MANIFEST_FILE), dir.join(MANIFEST_FILE)).unwrap();
    });
    assert!(matches!(e, VerifyError::Tampered { .. }), "{e}");
    // An empty selection writes nothing.
    let empty = write_export(
        &s.store,
        &ExportRequest {
            filter: ExportFilter {
                to: Some(chrono::Utc::now() - chrono::Duration::days(1)),
                ..ExportFilter::default()
            },
            out_dir: s.dir.path().join("empty"),
            station_id: "st-x".into(),
            actor: "x".into(),
            crls: Vec::new(),
            sealed_for: None,
        },
        &s.signer,
    );
    assert!(empty.is_err());
    assert!(!s.dir.path().join("empty").exists());
    // A manifest signed by another key.
    let e = case("foreign-signer", &|dir| {
        let key = dir.join("../foreign.key");
        let (foreign, _) = StationSigner::load_or_create(&key, "intruder").unwrap();
        let jws = std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap();
        let payload = jws.split('.').nth(1).unwrap();
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        std::fs::write(dir.join(MANIFEST_FILE), foreign.sign_jws(&payload)).unwrap();
    });
    assert!(matches!(e, VerifyError::UntrustedSigner(_)), "{e}");
    // A file removed, and a file added.
    let e = case("missing", &|dir| {
        std::fs::remove_file(dir.join(CSV_FILE)).unwrap()
    });
    assert!(matches!(e, VerifyError::MissingFile(_)), "{e}");
    let e = case("extra", &|dir| {
        std::fs::write(dir.join("notes.txt"), "hi").unwrap()
    });
    assert!(matches!(e, VerifyError::UnexpectedFile(_)), "{e}");
    // The good copy still verifies.
    verify_export(&good, &s.cert_pem).unwrap();
}

/// An identity made by the reference `age-keygen` (Go, Debian's `age`): the file and its
/// public key.
fn age_keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let out = std::process::Command::new("age-keygen")
        .arg("-o")
        .arg(&path)
        .output()
        .expect("age-keygen (Debian package age; scripts/bootstrap.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let public = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_owned();
    (path, public)
}

fn age(args: &[&str], dir: &Path) -> std::process::Output {
    std::process::Command::new("age")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("age runs")
}

/// A batch sealed to the device operator: only their identity opens it (ours and the
/// reference `age` agree both ways), it holds the signed batch unchanged, a damaged or
/// foreign file is refused with its own code, and no plaintext is left behind.
#[test]
fn a_sealed_batch_opens_only_for_its_operator_and_the_reference_age_agrees() {
    use station_upload::sealed::{SealError, open_sealed, parse_recipients, seal_dir};
    let s = setup(4);
    let d = s.dir.path();
    let (operator_id, operator_pub) = age_keygen(d, "operator.key");
    let (other_id, _) = age_keygen(d, "other.key");
    let batch = export(&s, "batch");
    let plain = std::fs::read(batch.join(JSON_FILE)).unwrap();

    let recipients = parse_recipients(std::slice::from_ref(&operator_pub)).unwrap();
    let sealed_path = d.join("batch.tar.age");
    let sealed = seal_dir(&batch, &recipients, &sealed_path).unwrap();
    assert!(!batch.exists(), "the plaintext folder is removed");
    assert!(!d.join("batch.tar.age.partial").exists());
    let bytes = std::fs::read(&sealed_path).unwrap();
    assert_eq!(sealed.bytes, bytes.len() as u64);
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    let key = b"c2VjcmV0LXNlY3JldC1zZWNyZXQ=";
    assert!(
        !bytes.windows(key.len()).any(|w| w == key),
        "no key in clear"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&sealed_path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }

    // Ours opens it and the batch verifies as written.
    let opened = open_sealed(&sealed_path, &operator_id).unwrap();
    let verified = verify_export(opened.path(), &s.cert_pem).unwrap();
    assert_eq!(verified.manifest.records, 4);
    assert_eq!(std::fs::read(opened.path().join(JSON_FILE)).unwrap(), plain);

    // The reference age opens it too, and GNU tar lists exactly the batch's files.
    let out = age(
        &[
            "-d",
            "-i",
            operator_id.to_str().unwrap(),
            "-o",
            "ref.tar",
            "batch.tar.age",
        ],
        d,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = std::process::Command::new("tar")
        .args(["-tf", "ref.tar"])
        .current_dir(d)
        .output()
        .unwrap();
    let mut names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            CSV_FILE,
            JSON_FILE,
            MANIFEST_FILE,
            REVOCATIONS_FILE,
            SECRETS_FILE
        ]
    );

    // And what the reference age seals (a batch packed by GNU tar), ours opens and verifies.
    let unpacked = d.join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    assert!(
        std::process::Command::new("tar")
            .args(["-xf", "../ref.tar"])
            .current_dir(&unpacked)
            .status()
            .unwrap()
            .success()
    );
    let out = std::process::Command::new("tar")
        .args([
            "-cf",
            "../by-gnu.tar",
            CSV_FILE,
            JSON_FILE,
            MANIFEST_FILE,
            REVOCATIONS_FILE,
            SECRETS_FILE,
        ])
        .current_dir(&unpacked)
        .status()
        .unwrap();
    assert!(out.success());
    let out = age(
        &["-r", &operator_pub, "-o", "by-go.tar.age", "by-gnu.tar"],
        d,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let opened = open_sealed(&d.join("by-go.tar.age"), &operator_id).unwrap();
    assert_eq!(
        verify_export(opened.path(), &s.cert_pem)
            .unwrap()
            .manifest
            .records,
        4
    );

    // Someone else's identity is told so; a damaged file is damaged; a bad recipient is named.
    let e = open_sealed(&sealed_path, &other_id).unwrap_err();
    assert!(matches!(e, SealError::NotForThisIdentity { .. }), "{e}");
    let mut damaged = bytes.clone();
    let i = damaged.len() - 40;
    damaged[i] ^= 1;
    std::fs::write(d.join("damaged.tar.age"), damaged).unwrap();
    let e = open_sealed(&d.join("damaged.tar.age"), &operator_id).unwrap_err();
    assert_eq!(e.code(), "station::verify::sealed_corrupt", "{e}");
    let e = parse_recipients(&[operator_pub.clone(), "age1notakey".into()]).unwrap_err();
    assert!(matches!(e, SealError::BadRecipient { index: 2, .. }), "{e}");
    let e = open_sealed(&sealed_path, &d.join("ref.tar")).unwrap_err();
    assert_eq!(e.code(), "station::verify::bad_identity", "{e}");

    // An archive that tries to write outside its folder is refused before anything lands.
    std::fs::write(d.join("evil"), b"x").unwrap();
    let out = std::process::Command::new("tar")
        .args(["-cPf", "evil.tar", "--transform", "s,^,../,", "evil"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(out.success());
    let out = age(&["-r", &operator_pub, "-o", "evil.tar.age", "evil.tar"], d);
    assert!(out.status.success());
    let e = open_sealed(&d.join("evil.tar.age"), &operator_id).unwrap_err();
    assert_eq!(e.code(), "station::verify::sealed_entry", "{e}");
}

/// The import journal: a resumed import claims only what the journal does not list, a line
/// cut short by a kill is dropped, and a journal of another batch or service is refused.
#[test]
fn an_import_journal_resumes_drops_a_torn_line_and_refuses_another_import() {
    use station_upload::import::{ImportError, ImportQueue};
    use station_upload::queue::{ItemOutcome, UploadQueue as _};
    let s = setup(25);
    let out = export(&s, "batch");
    let verified = verify_export(&out, &s.cert_pem).unwrap();
    let journal = s.dir.path().join("batch.import-journal");
    let ids = |items: &[station_upload::queue::QueueItem]| -> Vec<i64> {
        items.iter().map(|i| i.id.0).collect()
    };

    let queue = ImportQueue::open(&verified, "https://dps.example", &journal, false, None).unwrap();
    let first = queue.claim(10).unwrap();
    assert_eq!(ids(&first), (0..10).collect::<Vec<_>>());
    let outcomes: Vec<_> = first
        .iter()
        .map(|i| {
            let o = if i.id.0 == 3 {
                ItemOutcome::Conflict("another key".into())
            } else {
                ItemOutcome::Created
            };
            (i.id, o)
        })
        .collect();
    queue.complete(&outcomes).unwrap();
    // Claimed but never confirmed: the kill comes here.
    let _in_flight = queue.claim(10).unwrap();
    let progress = queue.progress();
    assert_eq!(
        (progress.done, progress.problems, progress.total),
        (9, 1, 25)
    );
    drop(queue);
    // A kill mid-write leaves half a line.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"1"))
        .unwrap();

    let queue = ImportQueue::open(&verified, "https://dps.example", &journal, false, None).unwrap();
    assert_eq!(queue.progress().resumed, 9);
    let again = queue.claim(100).unwrap();
    let mut want = vec![3];
    want.extend(10..25);
    assert_eq!(
        ids(&again),
        want,
        "the conflict and what was never confirmed"
    );
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.ends_with("9\n"), "the torn line is gone: {text:?}");
    drop(queue);

    let other = ImportQueue::open(&verified, "https://other.example", &journal, false, None);
    assert!(
        matches!(other, Err(ImportError::OtherImport { .. })),
        "{other:?}"
    );
    assert_eq!(other.unwrap_err().code(), "station::import::other_journal");
    let fresh =
        ImportQueue::open(&verified, "https://other.example", &journal, true, None).unwrap();
    assert_eq!(fresh.progress().resumed, 0);
    assert_eq!(fresh.claim(100).unwrap().len(), 25);

    drop(fresh);
    // A line that is no record of this batch.
    let header = std::fs::read_to_string(&journal).unwrap();
    let header = header.lines().next().unwrap().to_owned();
    std::fs::write(&journal, format!("{header}\n4\n99\n")).unwrap();
    let corrupt = ImportQueue::open(&verified, "https://other.example", &journal, false, None);
    assert!(
        matches!(corrupt, Err(ImportError::Corrupt { line: 3, .. })),
        "{corrupt:?}"
    );
    assert_eq!(corrupt.unwrap_err().code(), "station::import::journal");
}

/// `manifest.jws` of the batch at `dir` signed again with `key`, `cert` in its `x5c`: what an
/// attacker holding a certificate (and its key) that a trusted CA issued could make.
fn resign(dir: &Path, cert_der: &[u8], key: &rcgen::KeyPair) {
    use base64::Engine as _;
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::DecodePrivateKey as _;
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let std_b64 = base64::engine::general_purpose::STANDARD;
    let jws = std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap();
    let mut parts = jws.trim_end().split('.');
    let mut header: serde_json::Value =
        serde_json::from_slice(&url.decode(parts.next().unwrap()).unwrap()).unwrap();
    let payload = parts.next().unwrap();
    header["x5c"] = serde_json::json!([std_b64.encode(cert_der)]);
    let input = format!("{}.{payload}", url.encode(header.to_string()));
    let signing = p256::ecdsa::SigningKey::from_pkcs8_der(&key.serialize_der()).unwrap();
    let sig: p256::ecdsa::Signature = signing.sign(input.as_bytes());
    std::fs::write(
        dir.join(MANIFEST_FILE),
        format!("{input}.{}", url.encode(sig.to_bytes())),
    )
    .unwrap();
}

/// Trusting a CA trusts only the export signers it issued for the batch's station: a device
/// certificate of the line's CA (its key on a board) cannot sign a batch, nor can an export
/// signer of another station; a certificate the station makes for itself is an export signer.
#[test]
fn only_export_signers_of_the_batchs_station_sign_batches() {
    use rcgen::{
        BasicConstraints, CertificateParams, CustomExtension, DnType, ExtendedKeyUsagePurpose,
        IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let s = setup(2);
    let good = export(&s, "good");
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name.push(DnType::CommonName, "line CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf = |cn: &str, ou: &str, signer_eku: bool, client_auth: bool| {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.distinguished_name
            .push(DnType::OrganizationalUnitName, ou);
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.is_ca = IsCa::ExplicitNoCa;
        if client_auth {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        }
        if signer_eku {
            // The project's export-signer EKU, DER as the station writes it.
            let oid = station_upload::export::EXPORT_SIGNER_EKU;
            let eku = std::process::Command::new("openssl")
                .args([
                    "asn1parse",
                    "-genstr",
                    &format!("OID:{oid}"),
                    "-out",
                    "/dev/stdout",
                    "-noout",
                ])
                .output()
                .unwrap()
                .stdout;
            let mut seq = vec![0x30, eku.len() as u8];
            seq.extend_from_slice(&eku);
            p.custom_extensions
                .push(CustomExtension::from_oid_content(&[2, 5, 29, 37], seq));
        }
        let cert = p.signed_by(&key, &issuer).unwrap();
        (cert.der().to_vec(), key)
    };
    let trust = ca_cert.pem().into_bytes();
    let case = |name: &str, cert: &(Vec<u8>, KeyPair)| {
        let dir = s.dir.path().join(name);
        copy(&good, &dir);
        resign(&dir, &cert.0, &cert.1);
        verify_export(&dir, &trust)
    };
    // A device certificate of the line CA, naming the station even: refused.
    let device = leaf("gw-SN1", "st-x", false, true);
    let e = case("device-signed", &device).unwrap_err();
    assert!(
        matches!(&e, VerifyError::UntrustedSigner(why) if why.contains("not an export signer")),
        "{e}"
    );
    // An export signer the CA issued for this station: verifies.
    let signer = leaf("st-x export signer", "st-x", true, false);
    let ok = case("ca-issued-signer", &signer).unwrap();
    assert!(ok.signer.contains("st-x export signer"), "{}", ok.signer);
    // One issued for another station: refused.
    let other = leaf("st-y export signer", "st-y", true, false);
    let e = case("other-station", &other).unwrap_err();
    assert!(
        matches!(&e, VerifyError::UntrustedSigner(why) if why.contains("does not name station st-x")),
        "{e}"
    );
    // The station's own certificate carries the export-signer EKU and says it is no CA.
    let out = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-text"])
        .stdin(std::fs::File::open(cert_path_for(&s.dir.path().join("keys/export.key"))).unwrap())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(station_upload::export::EXPORT_SIGNER_EKU),
        "{text}"
    );
    assert!(text.contains("CA:FALSE"), "{text}");
}
