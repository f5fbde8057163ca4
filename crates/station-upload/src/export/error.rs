//! Why an export could not be written, and why a batch does not verify.

use std::path::PathBuf;

use station_store::StoreError;

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
    /// An enrollment's device key is sealed to other keys than the export recipients: the
    /// operator could not open it.
    #[error(
        "the device key of {registration_id} is sealed to other keys (fingerprint {sealed_to}) \
         than the export recipients ({expected})"
    )]
    SealedForOthers {
        /// The registration ID.
        registration_id: String,
        /// The fingerprint it is sealed to.
        sealed_to: String,
        /// The export recipients' fingerprint.
        expected: String,
    },
}

impl station_errors::Coded for ExportError {
    fn code(&self) -> &'static str {
        match self {
            Self::Store(e) => e.code(),
            Self::Io { .. } => "station::export::io",
            Self::OutputNotEmpty { .. } => "station::export::output_not_empty",
            Self::SigningKey { .. } => "station::export::signing_key",
            Self::BadPayload { .. } => "station::export::bad_payload",
            Self::Empty => "station::export::empty",
            Self::SealedForOthers { .. } => "station::export::sealed_for_others",
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

impl station_errors::Coded for VerifyError {
    fn code(&self) -> &'static str {
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
