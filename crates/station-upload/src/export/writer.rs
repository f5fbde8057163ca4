//! Writing a batch: the data files streamed from the store and fsynced, the export audited,
//! then the signed manifest published whole.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use station_store::{
    AuditEntry, EnrollmentId, EnrollmentStatus, ExportFilter, ExportRecord, SecretState, Store,
    private_files,
};

use super::table::{CsvView, CsvWriter};
use super::{
    BUFFER, CSV_FILE, ExportError, FORMAT, FileEntry, JSON_FILE, MANIFEST_FILE, Manifest,
    PROGRESS_EVERY, Progress, REVOCATIONS_FILE, SECRETS_FILE, Selection, StationSigner, TimeRange,
};

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
    /// The CRLs to carry, `(product, PEM)`: written as `crl-<product>.pem`.
    pub crls: Vec<(String, String)>,
    /// The recipients' fingerprint every sealed device secret must be sealed to (the export
    /// recipients'): one sealed to anyone else (the uploader) is refused, since the operator
    /// could not open it. `None`: no check.
    pub sealed_for: Option<String>,
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
    /// The enrollments whose device secret the batch carries sealed: delivered once the batch
    /// is handed over, then purged (`secrets.retain`).
    pub sealed_ids: Vec<EnrollmentId>,
    /// The enrollments whose device secret the batch carries in clear (a station without
    /// recipients): delivered only if the batch is then sealed as a whole.
    pub plain_ids: Vec<EnrollmentId>,
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
    let secrets_path = dir.join(SECRETS_FILE);
    let mut json = HashingWriter::new(private_files::create(&json_path).map_err(io(&json_path))?);
    let mut secrets =
        HashingWriter::new(private_files::create(&secrets_path).map_err(io(&secrets_path))?);
    let mut sealed_ids = Vec::new();
    let mut plain_ids = Vec::new();
    let mut csv = CsvWriter::start(HashingWriter::new(
        private_files::create(&csv_path).map_err(io(&csv_path))?,
    ))
    .map_err(io(&csv_path))?;
    let mut first: Option<String> = None;
    let mut last = String::new();
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
        secrets.write_all(b"[\n").map_err(io(&secrets_path))?;
        let count = store.export_records(
            &request.filter,
            |r: &ExportRecord<'_>| -> Result<(), ExportError> {
                match (r.secret, r.sealed) {
                    (SecretState::Sealed, Some(ciphertext)) => {
                        let sealed_to = r.sealed_to.unwrap_or_default();
                        if let Some(expected) = &request.sealed_for
                            && sealed_to != expected
                        {
                            return Err(ExportError::SealedForOthers {
                                registration_id: r.registration_id.to_owned(),
                                sealed_to: sealed_to.to_owned(),
                                expected: expected.clone(),
                            });
                        }
                        if !sealed_ids.is_empty() {
                            secrets.write_all(b",\n").map_err(io(&secrets_path))?;
                        }
                        let entry = serde_json::json!({
                            "registrationId": r.registration_id,
                            "sealedTo": sealed_to,
                            "sealed": base64::engine::Engine::encode(
                                &base64::engine::general_purpose::STANDARD,
                                ciphertext,
                            ),
                        });
                        secrets
                            .write_all(entry.to_string().as_bytes())
                            .map_err(io(&secrets_path))?;
                        sealed_ids.push(r.id);
                    }
                    (SecretState::Sealed, None) => {
                        return Err(ExportError::BadPayload {
                            registration_id: r.registration_id.to_owned(),
                            source: <serde_json::Error as serde::de::Error>::custom(
                                "marked sealed but holds no ciphertext",
                            ),
                        });
                    }
                    (SecretState::Plain, _) => plain_ids.push(r.id),
                    _ => {}
                }
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
                csv.row(&view, r).map_err(io(&csv_path))?;
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
        secrets
            .write_all(if sealed_ids.is_empty() {
                b"]\n"
            } else {
                b"\n]\n"
            })
            .map_err(io(&secrets_path))?;
        if let Some(report) = progress.as_deref_mut() {
            report(count, count);
        }
        Ok(count)
    })();
    let written = result.and_then(|count| Ok((count, write_revocations(store, request, dir)?)));
    let written = match written {
        Ok((0, (0, _))) => Err(ExportError::Empty),
        other => other,
    };
    let (count, (revocations, revocations_entry)) = match written {
        Ok(n) => n,
        Err(e) => {
            drop((json, csv, secrets));
            let _ = std::fs::remove_file(&json_path);
            let _ = std::fs::remove_file(&csv_path);
            let _ = std::fs::remove_file(&secrets_path);
            let _ = std::fs::remove_file(dir.join(REVOCATIONS_FILE));
            let _ = std::fs::remove_dir(dir);
            return Err(e);
        }
    };
    let mut files = vec![revocations_entry];
    for (product, pem) in &request.crls {
        let name = crl_file_name(product).ok_or_else(|| ExportError::Io {
            path: dir.join(product),
            source: std::io::Error::other("a product ID that cannot name a CRL file"),
        })?;
        let path = dir.join(&name);
        let mut w = HashingWriter::new(private_files::create(&path).map_err(io(&path))?);
        w.write_all(pem.as_bytes()).map_err(io(&path))?;
        files.push(w.finish(&name).map_err(io(&path))?);
    }
    let json_entry = json.finish(JSON_FILE).map_err(io(&json_path))?;
    let csv_entry = csv
        .finish()
        .and_then(|w| w.finish(CSV_FILE))
        .map_err(io(&csv_path))?;
    let secrets_entry = secrets.finish(SECRETS_FILE).map_err(io(&secrets_path))?;
    let manifest = Manifest {
        format: FORMAT.into(),
        station_id: request.station_id.clone(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        exported_by: request.actor.clone(),
        records: count,
        revocations,
        sealed: sealed_ids.len() as u64,
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
        files: [json_entry, csv_entry, secrets_entry]
            .into_iter()
            .chain(files)
            .collect(),
        audit_head,
    };
    let payload = serde_json::to_vec_pretty(&manifest).map_err(|e| ExportError::Io {
        path: dir.join(MANIFEST_FILE),
        source: std::io::Error::other(e),
    })?;
    let jws = signer.sign_jws(&payload);
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest_sha256 = hex::encode(Sha256::digest(jws.as_bytes()));
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
            "revocations": revocations,
            "sealed": sealed_ids.len(),
            "plain_keys": plain_ids.len(),
            "manifest_sha256": manifest_sha256,
            "files": manifest.files,
            "selection": manifest.selection,
        }),
    })?;
    // All at once: a crash leaves no manifest or the whole one (a leftover temporary file is
    // one more file, which `verify_export` refuses).
    private_files::replace(&manifest_path, jws.as_bytes()).map_err(io(&manifest_path))?;
    Ok(ExportSummary {
        dir: dir.clone(),
        manifest,
        manifest_sha256,
        sealed_ids,
        plain_ids,
    })
}

/// The file name of `product`'s CRL in a batch, if the ID can name one.
pub(super) fn crl_file_name(product: &str) -> Option<String> {
    let ok = !product.is_empty()
        && product.len() <= 64
        && product
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| format!("crl-{product}.pem"))
}

/// Writes `revocations.json`: every revocation the selection's work order and time range hold
/// (whatever statuses it asked for), each as a disabled `IndividualEnrollment`.
fn write_revocations(
    store: &Store,
    request: &ExportRequest,
    dir: &Path,
) -> Result<(u64, FileEntry), ExportError> {
    let path = dir.join(REVOCATIONS_FILE);
    let io = |source| ExportError::Io {
        path: path.clone(),
        source,
    };
    let mut out = HashingWriter::new(private_files::create(&path).map_err(io)?);
    out.write_all(b"[\n").map_err(io)?;
    let filter = ExportFilter {
        statuses: vec![EnrollmentStatus::DisableQueued, EnrollmentStatus::Disabled],
        ..request.filter.clone()
    };
    let mut n = 0u64;
    store.export_records(&filter, |r: &ExportRecord<'_>| -> Result<(), ExportError> {
        let mut value: serde_json::Value =
            serde_json::from_str(r.payload_json).map_err(|source| ExportError::BadPayload {
                registration_id: r.registration_id.to_owned(),
                source,
            })?;
        if let Some(object) = value.as_object_mut() {
            object.insert("provisioningStatus".into(), "disabled".into());
            object.remove("etag");
        }
        if n > 0 {
            out.write_all(b",\n").map_err(io)?;
        }
        out.write_all(value.to_string().as_bytes()).map_err(io)?;
        n += 1;
        Ok(())
    })?;
    out.write_all(if n == 0 { b"]\n" } else { b"\n]\n" })
        .map_err(io)?;
    Ok((n, out.finish(REVOCATIONS_FILE).map_err(io)?))
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
            sha256: hex::encode(self.hasher.finalize()),
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
