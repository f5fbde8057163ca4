//! The signed batch export for a device operator, and its verifier.
//!
//! An export is a directory holding:
//!
//! - `enrollments.json`: a JSON array of `IndividualEnrollment` objects exactly as the service
//!   API takes them (and as the station queued them), one object per line;
//! - `enrollments.csv`: one row per enrollment in the same order, with the columns of
//!   [`CSV_HEADER`] (no key material);
//! - `manifest.jws`: a JWS (RFC 7515) compact serialisation, ES256, signed with the station's
//!   export key. Its protected header carries the signing certificate (`x5c`); its payload is
//!   the [`Manifest`]: the SHA-256 digest and size of each file, the record count, the station
//!   ID, the selection, the time range of the records and the station's audit head.
//!
//! [`verify_export`] checks the signature against a trusted certificate (the station's own
//! signing certificate, or the CA that issued it), that the directory holds exactly those
//! files with those digests and sizes, that both files hold the record count the manifest
//! states, and that they list the same registration IDs in the same order. Any difference is
//! an error.
//!
//! [`write_export`] writes the data files (fsynced), appends `export.written` to the audit
//! log, and only then publishes the signed manifest (temporary file, fsync, rename, fsync of
//! the directory). A station killed at any instant leaves either a complete batch whose export
//! is audited, or a directory without a manifest, which the verifier refuses.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use station_store::{
    AuditEntry, EnrollmentStatus, ExportFilter, ExportRecord, Store, StoreError, private_files,
};

use crate::schema::IndividualEnrollment;

/// The enrollments file.
pub const JSON_FILE: &str = "enrollments.json";
/// The CSV file.
pub const CSV_FILE: &str = "enrollments.csv";
/// The signed manifest.
pub const MANIFEST_FILE: &str = "manifest.jws";
/// The manifest format this release writes and reads.
pub const FORMAT: &str = "station-export/1";
/// The CSV header row.
pub const CSV_HEADER: &str = "registration_id,device_id,attestation,provisioning_status,\
                              iot_hub_host_name,serial,work_order,station_id,queued_at,status";
/// The JWS `typ` of a manifest.
const JWS_TYP: &str = "station-export-manifest+jws";
/// A manifest larger than this is refused before parsing.
const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Write buffer per file.
const BUFFER: usize = 1 << 20;

/// Records (or bytes) between two progress reports.
const PROGRESS_EVERY: u64 = 4096;

/// Told how far a long batch operation is: `(done, total)`, in records for an export and in
/// bytes read for a verification. Called every few thousand records and once at the end.
pub type Progress<'a> = dyn FnMut(u64, u64) + 'a;

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The station database failed while reading the enrollments.
    #[error("could not read the enrollments")]
    Store(#[from] StoreError),
    /// A file could not be written or read.
    #[error("could not write {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The output directory exists and is not empty; an export never overwrites files.
    #[error("the export directory {} is not empty", path.display())]
    OutputNotEmpty {
        /// The directory.
        path: PathBuf,
    },
    /// The signing key or certificate could not be loaded or created.
    #[error("could not use the export signing key {}: {reason}", path.display())]
    SigningKey {
        /// The key or certificate file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A queued payload is not a DPS `IndividualEnrollment` (the database was altered).
    #[error("enrollment {registration_id} in the queue is not a valid IndividualEnrollment")]
    BadPayload {
        /// The registration ID.
        registration_id: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The selection matched no enrollment; no export was written.
    #[error("no enrollment matches the selection")]
    Empty,
}

impl ExportError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Store(e) => e.code(),
            Self::Io { .. } => "station::export::io",
            Self::OutputNotEmpty { .. } => "station::export::output_not_empty",
            Self::SigningKey { .. } => "station::export::signing_key",
            Self::BadPayload { .. } => "station::export::bad_payload",
            Self::Empty => "station::export::empty",
        }
    }

    /// One action for the supervisor.
    pub fn help(&self) -> String {
        match self {
            Self::Store(e) => e
                .help()
                .unwrap_or_else(|| "check the station database".into()),
            Self::Io { .. } => "check that the directory is writable and the disk not full".into(),
            Self::OutputNotEmpty { .. } => "choose a new directory for the export".into(),
            Self::SigningKey { .. } => {
                "check upload.signing_key: the file must be a PKCS#8 P-256 key with its \
                 certificate next to it, or absent so the station creates both"
                    .into()
            }
            Self::BadPayload { .. } => {
                "run `station audit verify` and call a supervisor: the database was changed".into()
            }
            Self::Empty => "check the work order or the time range".into(),
        }
    }
}

/// Why an export does not verify. Every variant means: do not import this batch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A file could not be read.
    #[error("could not read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The trust certificate file holds no usable certificate.
    #[error("the trust certificate is not usable: {0}")]
    BadTrust(String),
    /// The manifest is not a well-formed JWS with the expected header and payload.
    #[error("the manifest is malformed: {0}")]
    BadManifest(String),
    /// The manifest's signing certificate is neither the trusted certificate nor issued by it.
    #[error("the manifest was not signed by a trusted key: {0}")]
    UntrustedSigner(String),
    /// The manifest's signature does not verify: it was changed after signing.
    #[error("the manifest signature does not verify")]
    BadSignature,
    /// A file the manifest lists is missing.
    #[error("{0} is missing")]
    MissingFile(String),
    /// The directory holds a file the manifest does not list.
    #[error("{0} is not part of the signed export")]
    UnexpectedFile(String),
    /// A file's digest or size differs from the manifest: it was changed.
    #[error("{file} does not match the signed manifest ({what})")]
    Tampered {
        /// The file.
        file: String,
        /// `sha256` or `size`.
        what: &'static str,
    },
    /// A file holds a different number of records than the manifest states.
    #[error("{file} holds {found} record(s), the manifest states {expected}")]
    RecordCount {
        /// The file.
        file: String,
        /// Records the manifest states.
        expected: u64,
        /// Records found.
        found: u64,
    },
    /// A record is malformed.
    #[error("{file} line {line}: {reason}")]
    BadRecord {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        reason: String,
    },
}

impl VerifyError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "station::verify::io",
            Self::BadTrust(_) => "station::verify::bad_trust",
            Self::BadManifest(_) => "station::verify::bad_manifest",
            Self::UntrustedSigner(_) => "station::verify::untrusted_signer",
            Self::BadSignature => "station::verify::bad_signature",
            Self::MissingFile(_) => "station::verify::missing_file",
            Self::UnexpectedFile(_) => "station::verify::unexpected_file",
            Self::Tampered { .. } => "station::verify::tampered",
            Self::RecordCount { .. } => "station::verify::record_count",
            Self::BadRecord { .. } => "station::verify::bad_record",
        }
    }
}

/// The signed content of `manifest.jws`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The station that wrote the export.
    pub station_id: String,
    /// When the export was written (RFC 3339 UTC).
    pub created_at: String,
    /// Who wrote it.
    pub exported_by: String,
    /// How many enrollments each file holds.
    pub records: u64,
    /// What was selected.
    pub selection: Selection,
    /// When the first and last exported enrollments were queued.
    pub time_range: Option<TimeRange>,
    /// The files and their digests.
    pub files: Vec<FileEntry>,
    /// The station's audit-chain head when the export was written (hex SHA-256).
    pub audit_head: Option<String>,
}

/// The selection an export was made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Selection {
    /// The work order, if one was selected.
    pub work_order: Option<String>,
    /// The start of the time range (inclusive), if any.
    pub from: Option<String>,
    /// The end of the time range (exclusive), if any.
    pub to: Option<String>,
    /// The enrollment statuses included.
    pub statuses: Vec<String>,
}

/// The queue times of the first and last record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeRange {
    /// The first record's queue time.
    pub first: String,
    /// The last record's queue time.
    pub last: String,
}

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileEntry {
    /// The file name, relative to the export directory.
    pub name: String,
    /// Lower-case hex SHA-256 of its bytes.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// The station's export signing key (ECDSA P-256) and its certificate.
///
/// `Debug` never shows the key.
pub struct StationSigner {
    key: SigningKey,
    cert_der: Vec<u8>,
}

impl std::fmt::Debug for StationSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StationSigner")
            .field("cert_bytes", &self.cert_der.len())
            .finish_non_exhaustive()
    }
}

/// The certificate file next to a signing key: `<key path>.crt` with the extension replaced
/// (`keys/export.key` → `keys/export.crt`).
pub fn cert_path_for(key_path: &Path) -> PathBuf {
    key_path.with_extension("crt")
}

impl StationSigner {
    /// Loads the PKCS#8 PEM key at `key_path` and its certificate ([`cert_path_for`]), or,
    /// when neither exists, creates both: a new P-256 key (file mode 0600) and a self-signed
    /// certificate naming `station_id`. Returns the signer and whether it was created.
    pub fn load_or_create(key_path: &Path, station_id: &str) -> Result<(Self, bool), ExportError> {
        let cert_path = cert_path_for(key_path);
        let fail = |path: &Path, reason: String| ExportError::SigningKey {
            path: path.to_owned(),
            reason,
        };
        if !key_path.exists() && !cert_path.exists() {
            Self::create(key_path, &cert_path, station_id)?;
            return Self::load(key_path).map(|s| (s, true));
        }
        if !cert_path.exists() {
            return Err(fail(&cert_path, "the certificate is missing".into()));
        }
        Self::load(key_path)
            .map(|s| (s, false))
            .map_err(|e| match e {
                ExportError::SigningKey { .. } => e,
                other => fail(key_path, other.to_string()),
            })
    }

    /// Loads an existing key and its certificate.
    pub fn load(key_path: &Path) -> Result<Self, ExportError> {
        let cert_path = cert_path_for(key_path);
        let fail = |path: &Path, reason: String| ExportError::SigningKey {
            path: path.to_owned(),
            reason,
        };
        let pem = zeroize_string(
            std::fs::read_to_string(key_path).map_err(|e| fail(key_path, e.to_string()))?,
        );
        let key = SigningKey::from_pkcs8_pem(&pem)
            .map_err(|_| fail(key_path, "not a PKCS#8 PEM P-256 private key".into()))?;
        let cert_pem =
            std::fs::read_to_string(&cert_path).map_err(|e| fail(&cert_path, e.to_string()))?;
        let cert_der = pem_certificates(cert_pem.as_bytes())
            .into_iter()
            .next()
            .ok_or_else(|| fail(&cert_path, "no PEM certificate in the file".into()))?;
        let spki = spki_of(&cert_der).map_err(|e| fail(&cert_path, e))?;
        let cert_key = VerifyingKey::from_public_key_der(&spki)
            .map_err(|_| fail(&cert_path, "the certificate's key is not P-256".into()))?;
        if &cert_key != key.verifying_key() {
            return Err(fail(
                &cert_path,
                "the certificate does not belong to the key".into(),
            ));
        }
        Ok(StationSigner { key, cert_der })
    }

    fn create(key_path: &Path, cert_path: &Path, station_id: &str) -> Result<(), ExportError> {
        let fail = |reason: String| ExportError::SigningKey {
            path: key_path.to_owned(),
            reason,
        };
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| fail(e.to_string()))?;
        let mut params =
            rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| fail(e.to_string()))?;
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            format!("{station_id} export signer"),
        );
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationalUnitName, station_id);
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        params.not_before = rcgen::date_time_ymd(2025, 1, 1);
        params.not_after = rcgen::date_time_ymd(2050, 1, 1);
        let cert = params.self_signed(&key).map_err(|e| fail(e.to_string()))?;
        if let Some(dir) = key_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_files::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        }
        private_files::write_new(key_path, key.serialize_pem().as_bytes())
            .map_err(|e| fail(e.to_string()))?;
        std::fs::write(cert_path, cert.pem()).map_err(|e| ExportError::SigningKey {
            path: cert_path.to_owned(),
            reason: e.to_string(),
        })?;
        tracing::info!(key = %key_path.display(), cert = %cert_path.display(), "created the export signing key");
        Ok(())
    }

    /// The signing certificate (DER).
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The signing certificate as PEM (what a device operator is given as `--trust`).
    pub fn certificate_pem(&self) -> String {
        pem_encode("CERTIFICATE", &self.cert_der)
    }

    /// A JWS compact serialisation of `payload`, ES256, with the certificate in `x5c`.
    pub fn sign_jws(&self, payload: &[u8]) -> String {
        let header = serde_json::json!({
            "alg": "ES256",
            "typ": JWS_TYP,
            "x5c": [B64.encode(&self.cert_der)],
        });
        let signing_input = format!(
            "{}.{}",
            B64URL.encode(header.to_string()),
            B64URL.encode(payload)
        );
        let sig: Signature = self.key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", B64URL.encode(sig.to_bytes()))
    }
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// Which enrollments.
    pub filter: ExportFilter,
    /// The directory to create (it must not exist, or be empty).
    pub out_dir: PathBuf,
    /// This station's ID.
    pub station_id: String,
    /// Who exports (recorded in the manifest and the audit log).
    pub actor: String,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// The directory.
    pub dir: PathBuf,
    /// The signed manifest.
    pub manifest: Manifest,
    /// SHA-256 (hex) of `manifest.jws`, as recorded in the audit log.
    pub manifest_sha256: String,
}

/// Writes an export of the enrollments `request.filter` selects, streaming them from the store
/// (memory stays flat for any count), signs its manifest and appends audit `export.written`.
pub fn write_export(
    store: &Store,
    request: &ExportRequest,
    signer: &StationSigner,
) -> Result<ExportSummary, ExportError> {
    export_batch(store, request, signer, None)
}

/// [`write_export`], telling `progress` how many of the selected records are written (it counts
/// them first, for the total).
pub fn write_export_with(
    store: &Store,
    request: &ExportRequest,
    signer: &StationSigner,
    progress: &mut Progress<'_>,
) -> Result<ExportSummary, ExportError> {
    export_batch(store, request, signer, Some(progress))
}

fn export_batch(
    store: &Store,
    request: &ExportRequest,
    signer: &StationSigner,
    mut progress: Option<&mut Progress<'_>>,
) -> Result<ExportSummary, ExportError> {
    let dir = &request.out_dir;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ExportError::Io { path, source }
    };
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            return Err(ExportError::OutputNotEmpty { path: dir.clone() });
        }
    } else {
        private_files::create_dir_all(dir).map_err(io(dir))?;
    }
    // The batch holds every enrollment (symmetric keys among them): owner-only throughout.
    private_files::tighten(dir).map_err(io(dir))?;
    let audit_head = store.audit_rows(1)?.first().map(|r| r.hash.to_string());
    let json_path = dir.join(JSON_FILE);
    let csv_path = dir.join(CSV_FILE);
    let mut json = HashingWriter::new(private_files::create(&json_path).map_err(io(&json_path))?);
    let mut csv = HashingWriter::new(private_files::create(&csv_path).map_err(io(&csv_path))?);
    let mut first: Option<String> = None;
    let mut last = String::new();
    let mut line = String::with_capacity(512);
    let total = match progress.as_deref_mut() {
        Some(report) => {
            let total = store.count_export_records(&request.filter)?;
            report(0, total);
            total
        }
        None => 0,
    };
    let mut written = 0u64;
    let result = (|| -> Result<u64, ExportError> {
        json.write_all(b"[\n").map_err(io(&json_path))?;
        csv.write_all(CSV_HEADER.as_bytes())
            .map_err(io(&csv_path))?;
        csv.write_all(b"\n").map_err(io(&csv_path))?;
        let count = store.export_records(
            &request.filter,
            |r: &ExportRecord<'_>| -> Result<(), ExportError> {
                let view: CsvView<'_> = serde_json::from_str(r.payload_json).map_err(|source| {
                    ExportError::BadPayload {
                        registration_id: r.registration_id.to_owned(),
                        source,
                    }
                })?;
                if first.is_some() {
                    json.write_all(b",\n").map_err(io(&json_path))?;
                } else {
                    first = Some(r.created_at.to_owned());
                }
                if r.payload_json.contains('\n') {
                    // One object per line: re-encode a payload that spans lines.
                    let value: serde_json::Value =
                        serde_json::from_str(r.payload_json).map_err(|source| {
                            ExportError::BadPayload {
                                registration_id: r.registration_id.to_owned(),
                                source,
                            }
                        })?;
                    json.write_all(value.to_string().as_bytes())
                } else {
                    json.write_all(r.payload_json.as_bytes())
                }
                .map_err(io(&json_path))?;
                line.clear();
                csv_row(&mut line, &view, r);
                csv.write_all(line.as_bytes()).map_err(io(&csv_path))?;
                last.clear();
                last.push_str(r.created_at);
                written += 1;
                if let Some(report) = progress.as_deref_mut()
                    && written.is_multiple_of(PROGRESS_EVERY)
                {
                    report(written, total.max(written));
                }
                Ok(())
            },
        )?;
        json.write_all(if count == 0 { b"]\n" } else { b"\n]\n" })
            .map_err(io(&json_path))?;
        if let Some(report) = progress.as_deref_mut() {
            report(count, count);
        }
        Ok(count)
    })();
    let count = match result {
        Ok(0) => Err(ExportError::Empty),
        other => other,
    };
    let count = match count {
        Ok(n) => n,
        Err(e) => {
            drop((json, csv));
            let _ = std::fs::remove_file(&json_path);
            let _ = std::fs::remove_file(&csv_path);
            let _ = std::fs::remove_dir(dir);
            return Err(e);
        }
    };
    let json_entry = json.finish(JSON_FILE).map_err(io(&json_path))?;
    let csv_entry = csv.finish(CSV_FILE).map_err(io(&csv_path))?;
    let manifest = Manifest {
        format: FORMAT.into(),
        station_id: request.station_id.clone(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        exported_by: request.actor.clone(),
        records: count,
        selection: Selection {
            work_order: request.filter.work_order.clone(),
            from: request
                .filter
                .from
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            to: request
                .filter
                .to
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            statuses: request
                .filter
                .statuses
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
        },
        time_range: first.map(|first| TimeRange { first, last }),
        files: vec![json_entry, csv_entry],
        audit_head,
    };
    let payload = serde_json::to_vec_pretty(&manifest).map_err(|e| ExportError::Io {
        path: dir.join(MANIFEST_FILE),
        source: std::io::Error::other(e),
    })?;
    let jws = signer.sign_jws(&payload);
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest_sha256 = hex(&Sha256::digest(jws.as_bytes()));
    // Audited before the batch exists: until the signed manifest is renamed into place, the
    // directory holds no batch that `verify-export` or `import` accepts, and a station killed
    // at any instant leaves either that or a complete batch whose export is in the audit log.
    store.audit_append(&AuditEntry {
        station_id: request.station_id.clone(),
        actor: request.actor.clone(),
        kind: "export.written".into(),
        subject: String::new(),
        detail: serde_json::json!({
            "dir": dir.display().to_string(),
            "records": count,
            "manifest_sha256": manifest_sha256,
            "files": manifest.files,
            "selection": manifest.selection,
        }),
    })?;
    publish_synced(dir, &manifest_path, jws.as_bytes()).map_err(io(&manifest_path))?;
    Ok(ExportSummary {
        dir: dir.clone(),
        manifest,
        manifest_sha256,
    })
}

/// A verified export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedExport {
    /// The directory.
    pub dir: PathBuf,
    /// The manifest, signature checked.
    pub manifest: Manifest,
    /// The signing certificate's subject.
    pub signer: String,
    /// SHA-256 (hex) of `manifest.jws`: the batch's identity, as in audit `export.written`.
    pub manifest_sha256: String,
}

impl VerifiedExport {
    /// Reads every (verified) enrollment into memory, in order; [`Self::records`] streams them.
    pub fn enrollments(&self) -> Result<Vec<IndividualEnrollment>, VerifyError> {
        self.records()?.map(|r| r.map(|(_, e)| e)).collect()
    }

    /// The (verified) enrollments, read one line at a time, in order.
    pub fn records(&self) -> Result<JsonRecords, VerifyError> {
        JsonRecords::open(&self.dir.join(JSON_FILE))
    }
}

/// Verifies the export in `dir` against the PEM certificate(s) in `trust_pem`; see the module
/// docs for every check.
pub fn verify_export(dir: &Path, trust_pem: &[u8]) -> Result<VerifiedExport, VerifyError> {
    verify_export_with(dir, trust_pem, &mut |_, _| {})
}

/// [`verify_export`], telling `progress` how many bytes of the batch's files are read (each file
/// is read twice: once for its digest, once for its records). Memory stays flat for any count:
/// the two files are read side by side, a line at a time.
pub fn verify_export_with(
    dir: &Path,
    trust_pem: &[u8],
    progress: &mut Progress<'_>,
) -> Result<VerifiedExport, VerifyError> {
    let trusted = pem_certificates(trust_pem);
    if trusted.is_empty() {
        return Err(VerifyError::BadTrust(
            "no PEM certificate in the file".into(),
        ));
    }
    let manifest_path = dir.join(MANIFEST_FILE);
    let read_err = |path: &Path| {
        let path = path.to_owned();
        move |source| VerifyError::Io { path, source }
    };
    if !manifest_path.exists() {
        return Err(VerifyError::MissingFile(MANIFEST_FILE.into()));
    }
    let size = std::fs::metadata(&manifest_path)
        .map_err(read_err(&manifest_path))?
        .len();
    if size > MAX_MANIFEST_BYTES {
        return Err(VerifyError::BadManifest("it is too large".into()));
    }
    let jws = std::fs::read_to_string(&manifest_path).map_err(read_err(&manifest_path))?;
    let (manifest, signer) = verify_jws(jws.trim_end(), &trusted)?;
    let manifest_sha256 = hex(&Sha256::digest(jws.as_bytes()));
    if manifest.format != FORMAT {
        return Err(VerifyError::BadManifest(format!(
            "unknown format {:?}",
            manifest.format
        )));
    }
    // Exactly the listed files, plus the manifest.
    let mut expected: Vec<&str> = manifest.files.iter().map(|f| f.name.as_str()).collect();
    expected.sort_unstable();
    if expected != [CSV_FILE, JSON_FILE] {
        return Err(VerifyError::BadManifest(format!(
            "it lists {expected:?}, expected {JSON_FILE} and {CSV_FILE}"
        )));
    }
    for entry in std::fs::read_dir(dir).map_err(read_err(dir))? {
        let entry = entry.map_err(read_err(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != MANIFEST_FILE && !expected.contains(&name.as_str()) {
            return Err(VerifyError::UnexpectedFile(name));
        }
    }
    let total = manifest
        .files
        .iter()
        .fold(0u64, |n, f| n.saturating_add(f.bytes))
        .saturating_mul(2);
    let mut done = 0u64;
    progress(0, total);
    for file in &manifest.files {
        let path = dir.join(&file.name);
        if !path.exists() {
            return Err(VerifyError::MissingFile(file.name.clone()));
        }
        let (sha256, bytes) = digest_file(&path, &mut |n| {
            done += n;
            progress(done, total);
        })
        .map_err(read_err(&path))?;
        if bytes != file.bytes {
            return Err(VerifyError::Tampered {
                file: file.name.clone(),
                what: "size",
            });
        }
        if sha256 != file.sha256 {
            return Err(VerifyError::Tampered {
                file: file.name.clone(),
                what: "sha256",
            });
        }
    }
    check_content(dir, manifest.records, &mut |n| {
        progress(done + n, total);
    })?;
    progress(total, total);
    Ok(VerifiedExport {
        dir: dir.to_owned(),
        manifest,
        signer,
        manifest_sha256,
    })
}

/// Both files hold `records` records, listing the same registration IDs in the same order.
/// They are read side by side, one record of each at a time; `read` is told the bytes read.
fn check_content(dir: &Path, records: u64, read: &mut dyn FnMut(u64)) -> Result<(), VerifyError> {
    let mut json = JsonRecords::open(&dir.join(JSON_FILE))?;
    let mut csv = CsvStream::open(&dir.join(CSV_FILE))?;
    match csv.next_record()? {
        Some((_, fields)) if fields.join(",") == CSV_HEADER => {}
        _ => return Err(csv.bad(1, "the header row is not the export header".into())),
    }
    let columns = CSV_HEADER.split(',').count();
    let mut csv_count = 0u64;
    let mut csv_ended = false;
    let mut json_count = 0u64;
    while let Some(record) = json.next() {
        let (_, enrollment) = record?;
        json_count += 1;
        if !csv_ended {
            match csv.next_record()? {
                None => csv_ended = true,
                Some((line, fields)) => {
                    if fields.len() != columns {
                        return Err(csv.bad(line, "wrong number of columns".into()));
                    }
                    let id = fields.first().map(String::as_str).unwrap_or_default();
                    if id != enrollment.registration_id {
                        return Err(csv.bad(
                            line,
                            format!("registration ID {id:?} differs from {JSON_FILE}"),
                        ));
                    }
                    csv_count += 1;
                }
            }
        }
        if json_count.is_multiple_of(PROGRESS_EVERY) {
            read(json.bytes_read() + csv.bytes_read());
        }
    }
    check_count(JSON_FILE, records, json_count)?;
    if !csv_ended && let Some((line, fields)) = csv.next_record()? {
        let id = fields.first().cloned().unwrap_or_default();
        return Err(csv.bad(
            line,
            format!("registration ID {id:?} differs from {JSON_FILE}"),
        ));
    }
    check_count(CSV_FILE, records, csv_count)?;
    read(json.bytes_read() + csv.bytes_read());
    Ok(())
}

fn check_count(file: &str, expected: u64, found: u64) -> Result<(), VerifyError> {
    if expected == found {
        Ok(())
    } else {
        Err(VerifyError::RecordCount {
            file: file.into(),
            expected,
            found,
        })
    }
}

/// Checks the JWS and returns its manifest and the signer's subject.
fn verify_jws(jws: &str, trusted: &[Vec<u8>]) -> Result<(Manifest, String), VerifyError> {
    let bad = |s: &str| VerifyError::BadManifest(s.into());
    let mut parts = jws.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("it is not a JWS compact serialisation"));
    };
    let header: serde_json::Value = B64URL
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| bad("its header is not base64url JSON"))?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("ES256") {
        return Err(bad("its algorithm is not ES256"));
    }
    if header.get("typ").and_then(|a| a.as_str()) != Some(JWS_TYP) {
        return Err(bad("its type is not a station export manifest"));
    }
    if header.get("crit").is_some() {
        return Err(bad("it has critical header parameters"));
    }
    let x5c = header
        .get("x5c")
        .and_then(|x| x.as_array())
        .and_then(|a| a.first())
        .and_then(|c| c.as_str())
        .and_then(|c| B64.decode(c).ok())
        .ok_or_else(|| bad("it carries no signing certificate (x5c)"))?;
    let (spki, subject) = trusted_signer(&x5c, trusted)?;
    let key = VerifyingKey::from_public_key_der(&spki)
        .map_err(|_| VerifyError::UntrustedSigner("the signing key is not P-256".into()))?;
    let sig_bytes = B64URL.decode(s).map_err(|_| VerifyError::BadSignature)?;
    let sig = Signature::from_slice(&sig_bytes).map_err(|_| VerifyError::BadSignature)?;
    key.verify(format!("{h}.{p}").as_bytes(), &sig)
        .map_err(|_| VerifyError::BadSignature)?;
    let payload = B64URL
        .decode(p)
        .map_err(|_| bad("its payload is not base64url"))?;
    let manifest: Manifest = serde_json::from_slice(&payload)
        .map_err(|e| VerifyError::BadManifest(format!("its payload is not a manifest: {e}")))?;
    Ok((manifest, subject))
}

/// The signer's SPKI and subject, if the signer is a trusted certificate or was issued by one.
fn trusted_signer(
    signer_der: &[u8],
    trusted: &[Vec<u8>],
) -> Result<(Vec<u8>, String), VerifyError> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let untrusted = |s: String| VerifyError::UntrustedSigner(s);
    let (_, signer) = X509Certificate::from_der(signer_der)
        .map_err(|_| untrusted("the signing certificate is not X.509 DER".into()))?;
    let spki = signer.public_key().raw.to_vec();
    let subject = signer.subject().to_string();
    if trusted.iter().any(|t| t.as_slice() == signer_der) {
        return Ok((spki, subject));
    }
    for t in trusted {
        let Ok((_, anchor)) = X509Certificate::from_der(t) else {
            continue;
        };
        let is_ca = anchor
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|bc| bc.value.ca);
        if is_ca
            && signer.issuer() == anchor.subject()
            && signer.verify_signature(Some(anchor.public_key())).is_ok()
            && signer.validity().is_valid()
        {
            return Ok((spki, subject));
        }
    }
    Err(untrusted(format!(
        "{subject} is not the trusted certificate and was not issued by it"
    )))
}

/// The records of a batch's `enrollments.json`, read one line at a time: an iterator of
/// `(line, enrollment)` that checks the file's layout (`[`, one object per line separated by
/// commas, `]`) as it goes and ends after the first error.
#[derive(Debug)]
pub struct JsonRecords {
    path: PathBuf,
    lines: std::io::Split<BufReader<File>>,
    line: u64,
    count: u64,
    /// 0: before `[`, 1: records, 2: after `]`, 3: ended.
    state: u8,
    expect_more: bool,
    bytes: u64,
}

impl JsonRecords {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<Self, VerifyError> {
        let file = File::open(path).map_err(|source| VerifyError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            path: path.to_owned(),
            lines: BufReader::with_capacity(BUFFER, file).split(b'\n'),
            line: 0,
            count: 0,
            state: 0,
            expect_more: false,
            bytes: 0,
        })
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    fn fail(
        &mut self,
        line: u64,
        reason: String,
    ) -> Option<Result<(u64, IndividualEnrollment), VerifyError>> {
        self.state = 3;
        Some(Err(VerifyError::BadRecord {
            file: JSON_FILE.into(),
            line,
            reason,
        }))
    }
}

impl Iterator for JsonRecords {
    type Item = Result<(u64, IndividualEnrollment), VerifyError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.state == 3 {
                return None;
            }
            let Some(line) = self.lines.next() else {
                if self.state == 2 {
                    self.state = 3;
                    return None;
                }
                let n = self.count + 2;
                return self.fail(n, "the array is not closed".into());
            };
            let line = match line {
                Ok(l) => l,
                Err(source) => {
                    self.state = 3;
                    return Some(Err(VerifyError::Io {
                        path: self.path.clone(),
                        source,
                    }));
                }
            };
            self.line += 1;
            self.bytes += line.len() as u64 + 1;
            let n = self.line;
            match self.state {
                0 if line == b"[" => self.state = 1,
                0 => return self.fail(n, "the file does not start with `[`".into()),
                1 if line == b"]" => {
                    if self.expect_more {
                        return self.fail(n, "a comma before `]`".into());
                    }
                    self.state = 2;
                }
                1 => {
                    if self.count > 0 && !self.expect_more {
                        return self.fail(n, "a missing comma".into());
                    }
                    let (body, more) = match line.strip_suffix(b",") {
                        Some(b) => (b, true),
                        None => (line.as_slice(), false),
                    };
                    match serde_json::from_slice::<IndividualEnrollment>(body) {
                        Ok(e) => {
                            self.count += 1;
                            self.expect_more = more;
                            return Some(Ok((n, e)));
                        }
                        Err(e) => {
                            return self.fail(n, format!("not an IndividualEnrollment: {e}"));
                        }
                    }
                }
                _ => return self.fail(n, "text after `]`".into()),
            }
        }
    }
}

/// The rows of a batch's `enrollments.csv`, one record (which may span lines inside quotes) at
/// a time.
struct CsvStream {
    path: PathBuf,
    reader: BufReader<File>,
    line: u64,
    buf: String,
    bytes: u64,
}

impl CsvStream {
    fn open(path: &Path) -> Result<Self, VerifyError> {
        let file = File::open(path).map_err(|source| VerifyError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            path: path.to_owned(),
            reader: BufReader::with_capacity(BUFFER, file),
            line: 0,
            buf: String::new(),
            bytes: 0,
        })
    }

    fn bad(&self, line: u64, reason: String) -> VerifyError {
        VerifyError::BadRecord {
            file: CSV_FILE.into(),
            line,
            reason,
        }
    }

    fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The next record's first line and fields; `None` at the end of the file.
    fn next_record(&mut self) -> Result<Option<(u64, Vec<String>)>, VerifyError> {
        self.buf.clear();
        let start = self.line + 1;
        loop {
            let n = match self.reader.read_line(&mut self.buf) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    return Err(self.bad(start, "the row is not UTF-8".into()));
                }
                Err(source) => {
                    return Err(VerifyError::Io {
                        path: self.path.clone(),
                        source,
                    });
                }
            };
            if n == 0 {
                break;
            }
            self.bytes += n as u64;
            self.line += 1;
            // A quoted field may hold line breaks: read on while a quote is open.
            if self.buf.bytes().filter(|&b| b == b'"').count() % 2 == 0 {
                break;
            }
        }
        if self.buf.is_empty() {
            return Ok(None);
        }
        Ok(CsvRecords::new(&self.buf)
            .next()
            .map(|(_, fields)| (start, fields.into_iter().map(Cow::into_owned).collect())))
    }
}

/// A minimal RFC 4180 reader: yields (line number, fields) per record.
struct CsvRecords<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
}

impl<'a> CsvRecords<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            line: 1,
        }
    }
}

impl<'a> Iterator for CsvRecords<'a> {
    type Item = (u64, Vec<Cow<'a, str>>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start_line = self.line;
        let bytes = self.text.as_bytes();
        let mut fields = Vec::new();
        loop {
            if bytes.get(self.pos) == Some(&b'"') {
                let mut value = String::new();
                let mut i = self.pos + 1;
                loop {
                    match bytes.get(i) {
                        Some(b'"') if bytes.get(i + 1) == Some(&b'"') => {
                            value.push('"');
                            i += 2;
                        }
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(_) => {
                            let ch = self.text[i..].chars().next()?;
                            if ch == '\n' {
                                self.line += 1;
                            }
                            value.push(ch);
                            i += ch.len_utf8();
                        }
                        None => break,
                    }
                }
                fields.push(Cow::Owned(value));
                self.pos = i;
            } else {
                let end = self.text[self.pos..]
                    .find([',', '\n'])
                    .map_or(self.text.len(), |e| self.pos + e);
                fields.push(Cow::Borrowed(&self.text[self.pos..end]));
                self.pos = end;
            }
            match bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    break;
                }
                _ => {
                    self.pos = self.text.len();
                    break;
                }
            }
        }
        Some((start_line, fields))
    }
}

/// The fields of an enrollment the CSV shows, borrowed from the payload.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CsvView<'a> {
    #[serde(borrow)]
    device_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    attestation: AttestationView<'a>,
    #[serde(borrow)]
    provisioning_status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    iot_hub_host_name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct AttestationView<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
}

fn csv_row(out: &mut String, view: &CsvView<'_>, r: &ExportRecord<'_>) {
    let status = match r.status {
        EnrollmentStatus::Queued => "queued",
        EnrollmentStatus::Uploaded => "uploaded",
        EnrollmentStatus::Conflict => "conflict",
        EnrollmentStatus::Superseded => "superseded",
    };
    let fields = [
        r.registration_id,
        view.device_id.as_deref().unwrap_or(""),
        &view.attestation.kind,
        view.provisioning_status.as_deref().unwrap_or(""),
        view.iot_hub_host_name.as_deref().unwrap_or(""),
        r.serial.unwrap_or(""),
        r.work_order.unwrap_or(""),
        r.station_id,
        r.created_at,
        status,
    ];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, f);
    }
    out.push('\n');
}

/// Appends `field`, quoted when it holds a comma, quote or line break.
fn csv_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// A buffered file writer that hashes and counts what it writes.
struct HashingWriter {
    inner: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl HashingWriter {
    fn new(file: File) -> Self {
        Self {
            inner: BufWriter::with_capacity(BUFFER, file),
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Flushes and fsyncs; returns the file's manifest entry.
    fn finish(self, name: &str) -> std::io::Result<FileEntry> {
        let file = self.inner.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(FileEntry {
            name: name.into(),
            sha256: hex(&self.hasher.finalize()),
            bytes: self.bytes,
        })
    }
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn digest_file(path: &Path, read: &mut dyn FnMut(u64)) -> std::io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; BUFFER];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
        read(n as u64);
    }
    Ok((hex(&hasher.finalize()), total))
}

/// Writes `path` in `dir` all at once: a temporary file, fsynced, renamed over `path`, then the
/// directory fsynced. A crash leaves the old state or the whole file, never part of it (a
/// leftover temporary file is one more file, which `verify_export` refuses).
fn publish_synced(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    let mut f = private_files::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()
}

/// Keeps a secret string's buffer from lingering: zeroed on drop.
fn zeroize_string(s: String) -> ZeroizingString {
    ZeroizingString(s)
}

struct ZeroizingString(String);

impl std::ops::Deref for ZeroizingString {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Drop for ZeroizingString {
    fn drop(&mut self) {
        // Overwrite the bytes in place with ASCII zeros (keeps the String valid UTF-8).
        let len = self.0.len();
        self.0.clear();
        self.0.extend(std::iter::repeat_n('0', len));
    }
}

/// The DER bodies of every `CERTIFICATE` PEM block in `pem`.
pub fn pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let body_start = start + "-----BEGIN CERTIFICATE-----".len();
        let Some(end) = rest[body_start..].find("-----END CERTIFICATE-----") else {
            break;
        };
        let body: String = rest[body_start..body_start + end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if let Ok(der) = B64.decode(body) {
            out.push(der);
        }
        rest = &rest[body_start + end..];
    }
    out
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn spki_of(cert_der: &[u8]) -> Result<Vec<u8>, String> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    X509Certificate::from_der(cert_der)
        .map(|(_, c)| c.public_key().raw.to_vec())
        .map_err(|_| "not an X.509 certificate".to_owned())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let mut s = String::new();
        csv_field(&mut s, "plain");
        s.push('|');
        csv_field(&mut s, "a,b \"c\"");
        assert_eq!(s, "plain|\"a,b \"\"c\"\"\"");
        let rows: Vec<_> = CsvRecords::new("a,\"x,\"\"y\"\"\nz\",c\nd,e,f\n")
            .map(|(l, f)| (l, f.iter().map(|c| c.to_string()).collect::<Vec<_>>()))
            .collect();
        assert_eq!(
            rows,
            vec![
                (1, vec!["a".into(), "x,\"y\"\nz".into(), "c".into()]),
                (3, vec!["d".into(), "e".into(), "f".into()])
            ]
        );
    }

    #[test]
    fn pem_round_trip() {
        let der = vec![1u8, 2, 3, 250];
        assert_eq!(
            pem_certificates(pem_encode("CERTIFICATE", &der).as_bytes()),
            vec![der]
        );
    }
}
