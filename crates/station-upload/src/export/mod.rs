//! The signed batch export for a device operator, and its verifier.
//!
//! An export is a directory holding:
//!
//! - `enrollments.json`: a JSON array of `IndividualEnrollment` objects exactly as the service
//!   API takes them (and as the station queued them), one object per line;
//! - `enrollments.csv`: one row per enrollment in the same order, with the columns of
//!   [`CSV_HEADER`] (no key material);
//! - `sealed-secrets.json`: for each enrollment whose device keys `enrollments.json` shows as
//!   `<redacted>`, in the same order, `{"registrationId", "sealedTo", "sealed"}`: the age
//!   ciphertext (base64) of the whole enrollment, sealed where the station created the keys to
//!   the device operator's export recipients. The station never opens it; `import` does, with
//!   the operator's identity;
//! - `revocations.json`: the same layout, one disabled `IndividualEnrollment` per registration
//!   ID DPS must refuse (a group device that failed holding its credential, an individual
//!   enrollment to disable); `import` makes DPS hold each disabled, never deletes one;
//! - `crl-<product>.pem`: the signing CA's current CRL of each X.509 product that has one;
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
//!
//! One job per module: [`signer`](StationSigner) (the station's key and certificate), `jws`
//! (signing and checking the manifest), `writer` ([`write_export`]), `verify`
//! ([`verify_export`]), `records` ([`JsonRecords`], the JSON file read back), `table` (the CSV
//! file, both ways, with the `csv` crate) and `pem`.

mod error;
mod jws;
mod manifest;
mod pem;
mod records;
mod signer;
mod table;
mod verify;
mod writer;

pub use error::{ExportError, VerifyError};
pub use jws::EXPORT_SIGNER_EKU;
pub use manifest::{FileEntry, Manifest, Selection, TimeRange};
pub use pem::pem_certificates;
pub use records::{JsonRecords, SealedEntry, keys_redacted};
pub use signer::{StationSigner, cert_path_for};
pub use verify::{VerifiedExport, verify_export, verify_export_with};
pub use writer::{ExportRequest, ExportSummary, write_export, write_export_with};

/// The enrollments file of an export.
pub const JSON_FILE: &str = "enrollments.json";
/// The CSV summary of an export.
pub const CSV_FILE: &str = "enrollments.csv";
/// The signed manifest of an export.
pub const MANIFEST_FILE: &str = "manifest.jws";
/// The sealed device secrets of an export: for each enrollment whose keys
/// `enrollments.json` shows redacted, in the same order, the age ciphertext of the whole
/// enrollment, sealed where the station created it.
pub const SECRETS_FILE: &str = "sealed-secrets.json";
/// The revocations of an export: the registration IDs DPS must refuse.
pub const REVOCATIONS_FILE: &str = "revocations.json";
/// The manifest format this station writes. Version 2 added revocations and CRLs: a verifier
/// of version 1 refuses a version-2 batch rather than import it without them. Version 3 added
/// `sealed-secrets.json`; version-2 batches (no sealed secrets) are still read.
pub const FORMAT: &str = "station-export/3";
/// The earlier format a verifier still accepts.
pub const FORMAT_V2: &str = "station-export/2";
/// The CSV columns, in order.
pub const CSV_HEADER: &str = "registration_id,device_id,attestation,provisioning_status,\
                              iot_hub_host_name,serial,work_order,station_id,queued_at,status";
/// The JWS `typ` of a manifest.
const JWS_TYP: &str = "station-export-manifest+jws";
/// A manifest larger than this is refused before parsing.
const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Read and write buffer per file.
const BUFFER: usize = 1 << 20;
/// Records (or bytes) between two progress reports.
const PROGRESS_EVERY: u64 = 4096;

/// Told how far a long batch operation is: `(done, total)`, in records for an export and in
/// bytes read for a verification. Called every few thousand records and once at the end.
pub type Progress<'a> = dyn FnMut(u64, u64) + 'a;
