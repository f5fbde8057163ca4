//! Verifying a batch: the manifest's signature against the operator's trust anchors, the
//! files against the manifest, and the two files against each other, in bounded memory.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::schema::IndividualEnrollment;

use super::records::{SealedEntry, keys_redacted};
use super::table::CsvRows;
use super::{
    BUFFER, CSV_FILE, CSV_HEADER, FORMAT, FORMAT_V2, JSON_FILE, JsonRecords, MANIFEST_FILE,
    MAX_MANIFEST_BYTES, Manifest, PROGRESS_EVERY, Progress, REVOCATIONS_FILE, SECRETS_FILE,
    VerifyError, pem_certificates,
};

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

    /// The (verified) sealed device secrets, in the order of the enrollments they belong to
    /// (empty for a format-2 batch).
    pub fn sealed_secrets(&self) -> Result<Option<JsonRecords<SealedEntry>>, VerifyError> {
        let path = self.dir.join(SECRETS_FILE);
        if self.manifest.format == FORMAT_V2 {
            return Ok(None);
        }
        JsonRecords::open_of(&path, "a sealed secret").map(Some)
    }

    /// The (verified) revocations, read one line at a time, in order: each a disabled
    /// enrollment DPS must hold.
    pub fn revocations(&self) -> Result<JsonRecords, VerifyError> {
        JsonRecords::open(&self.dir.join(REVOCATIONS_FILE))
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
    let trusted = pem_certificates(trust_pem).map_err(VerifyError::BadTrust)?;
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
    let (manifest, signer) = super::jws::verify(jws.trim_end(), &trusted)?;
    let manifest_sha256 = hex::encode(Sha256::digest(jws.as_bytes()));
    let data_files: &[&str] = if manifest.format == FORMAT {
        &[JSON_FILE, CSV_FILE, REVOCATIONS_FILE, SECRETS_FILE]
    } else if manifest.format == FORMAT_V2 {
        &[JSON_FILE, CSV_FILE, REVOCATIONS_FILE]
    } else {
        return Err(VerifyError::BadManifest(format!(
            "unknown format {:?}",
            manifest.format
        )));
    };
    // Exactly the listed files, plus the manifest: the data files and CRLs.
    let expected: Vec<&str> = manifest.files.iter().map(|f| f.name.as_str()).collect();
    let crls = expected
        .iter()
        .filter(|n| !data_files.contains(n))
        .collect::<Vec<_>>();
    let listed_once = |name: &str| expected.iter().filter(|n| **n == name).count() == 1;
    if !data_files.iter().all(|n| listed_once(n))
        || crls.iter().any(|n| {
            !(n.starts_with("crl-") && n.ends_with(".pem"))
                || super::writer::crl_file_name(&n[4..n.len() - 4]).as_deref() != Some(**n)
                || !listed_once(n)
        })
    {
        return Err(VerifyError::BadManifest(format!(
            "it lists {expected:?}, expected {} and crl-<product>.pem files",
            data_files.join(", ")
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
    check_revocations(dir, manifest.revocations)?;
    if manifest.format == FORMAT {
        check_sealed(dir, manifest.sealed)?;
    } else if manifest.sealed != 0 {
        return Err(VerifyError::BadManifest(
            "a format-2 batch cannot carry sealed secrets".into(),
        ));
    }
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
    let mut csv = CsvRows::open(&dir.join(CSV_FILE))?;
    match csv.next_record()? {
        Some((_, fields)) if fields.iter().eq(CSV_HEADER.split(',')) => {}
        _ => {
            return Err(CsvRows::bad(
                1,
                "the header row is not the export header".into(),
            ));
        }
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
                        return Err(CsvRows::bad(line, "wrong number of columns".into()));
                    }
                    let id = fields.get(0).unwrap_or_default();
                    if enrollment.registration_id != id {
                        return Err(CsvRows::bad(
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
        let id = fields.get(0).unwrap_or_default();
        return Err(CsvRows::bad(
            line,
            format!("registration ID {id:?} differs from {JSON_FILE}"),
        ));
    }
    check_count(CSV_FILE, records, csv_count)?;
    read(json.bytes_read() + csv.bytes_read());
    Ok(())
}

/// `sealed-secrets.json` holds `expected` entries: one for each enrollment whose keys are
/// redacted, naming it, in the same order, and none for any other.
fn check_sealed(dir: &Path, expected: u64) -> Result<(), VerifyError> {
    let mut sealed =
        JsonRecords::<SealedEntry>::open_of(&dir.join(SECRETS_FILE), "a sealed secret")?;
    let mut found = 0u64;
    for record in JsonRecords::open(&dir.join(JSON_FILE))? {
        let (line, enrollment) = record?;
        if !keys_redacted(&enrollment) {
            continue;
        }
        match sealed.next().transpose()? {
            Some((_, entry)) if enrollment.registration_id == entry.registration_id.as_str() => {
                found += 1;
            }
            Some((sealed_line, entry)) => {
                return Err(VerifyError::BadRecord {
                    file: SECRETS_FILE.into(),
                    line: sealed_line,
                    reason: format!(
                        "it names {}, where {JSON_FILE} line {line} needs {}",
                        entry.registration_id, enrollment.registration_id
                    ),
                });
            }
            None => {
                return Err(VerifyError::BadRecord {
                    file: JSON_FILE.into(),
                    line,
                    reason: format!(
                        "the keys of {} are sealed, and {SECRETS_FILE} has no entry for them",
                        enrollment.registration_id
                    ),
                });
            }
        }
    }
    if let Some((line, entry)) = sealed.next().transpose()? {
        return Err(VerifyError::BadRecord {
            file: SECRETS_FILE.into(),
            line,
            reason: format!(
                "an entry for {}, whose keys {JSON_FILE} does not show sealed",
                entry.registration_id
            ),
        });
    }
    check_count(SECRETS_FILE, expected, found)
}

/// `revocations.json` holds `expected` records, each disabled.
fn check_revocations(dir: &Path, expected: u64) -> Result<(), VerifyError> {
    let mut found = 0u64;
    for record in JsonRecords::open(&dir.join(REVOCATIONS_FILE))? {
        let (line, enrollment) = record?;
        if enrollment.provisioning_status != Some(crate::schema::ProvisioningStatus::Disabled) {
            return Err(VerifyError::BadRecord {
                file: REVOCATIONS_FILE.into(),
                line,
                reason: format!("revocation {} is not disabled", enrollment.registration_id),
            });
        }
        found += 1;
    }
    check_count(REVOCATIONS_FILE, expected, found)
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
    Ok((hex::encode(hasher.finalize()), total))
}
