//! Values going into and coming out of the store: ids, statuses, runs, units, steps, enrollments.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The row id of a unit (one provisioning attempt of one DUT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitId(pub i64);

impl fmt::Display for UnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of a run (one operator session at the fixture); a UUID chosen by the caller.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub String);

impl RunId {
    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for RunId {
    fn from(id: String) -> Self {
        Self(id)
    }
}

impl From<&str> for RunId {
    fn from(id: &str) -> Self {
        Self(id.to_owned())
    }
}

/// The row id of a queued enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EnrollmentId(pub i64);

impl fmt::Display for EnrollmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A status string from the database or a user that names no known status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} status {value:?}")]
pub struct ParseStatusError {
    pub(crate) kind: &'static str,
    pub(crate) value: String,
}

/// Where a unit is in its life.
///
/// The database, `Display`, `FromStr` and serde all use the same strings: `in_progress`, `pass`,
/// `fail`, `interrupted`, `superseded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    /// Being provisioned now.
    InProgress,
    /// Provisioned; its enrollment (if any) is queued.
    Pass,
    /// Provisioning failed; the serial may be tried again without a rework.
    Fail,
    /// The station stopped while the unit was in progress (found at the next start).
    Interrupted,
    /// A passed unit that a supervisor sent to rework; a newer unit replaces it.
    Superseded,
    /// Verified and claimed: the outcome the station is about to make true on the board (lock)
    /// is on disk, the lock may or may not have reached the board. Completed (PASS) or failed
    /// when the board is next seen, or resolved by a supervisor. Never stored in
    /// `units.status` (which stays `in_progress`): derived from an open claim.
    Committing,
}

impl UnitStatus {
    /// The database string.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Interrupted => "interrupted",
            Self::Superseded => "superseded",
            Self::Committing => "committing",
        }
    }
}

impl fmt::Display for UnitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UnitStatus {
    type Err = ParseStatusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "in_progress" => Self::InProgress,
            "pass" => Self::Pass,
            "fail" => Self::Fail,
            "interrupted" => Self::Interrupted,
            "superseded" => Self::Superseded,
            "committing" => Self::Committing,
            _ => {
                return Err(ParseStatusError {
                    kind: "unit",
                    value: s.to_owned(),
                });
            }
        })
    }
}

/// Where a queued enrollment is on its way to DPS.
///
/// The database, `Display`, `FromStr` and serde all use `queued`, `uploaded`, `conflict`,
/// `superseded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentStatus {
    /// Waiting to be uploaded (or exported).
    Queued,
    /// DPS accepted it.
    Uploaded,
    /// DPS already holds a different enrollment with this registration ID; a supervisor decides.
    Conflict,
    /// Its unit was reworked before it was uploaded; it must never be uploaded.
    Superseded,
    /// DPS must refuse this registration ID: the uploader disables the enrollment DPS holds,
    /// or creates it disabled (a group device's revocation, DPS-NOTES §9).
    DisableQueued,
    /// DPS holds this registration ID's enrollment disabled. Never deleted by the station.
    Disabled,
}

impl EnrollmentStatus {
    /// The database string.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Uploaded => "uploaded",
            Self::Conflict => "conflict",
            Self::Superseded => "superseded",
            Self::DisableQueued => "disable_queued",
            Self::Disabled => "disabled",
        }
    }
}

impl fmt::Display for EnrollmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EnrollmentStatus {
    type Err = ParseStatusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "queued" => Self::Queued,
            "uploaded" => Self::Uploaded,
            "conflict" => Self::Conflict,
            "superseded" => Self::Superseded,
            "disable_queued" => Self::DisableQueued,
            "disabled" => Self::Disabled,
            _ => {
                return Err(ParseStatusError {
                    kind: "enrollment",
                    value: s.to_owned(),
                });
            }
        })
    }
}

/// A run to start: one operator session at one station, under one config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    /// The run id (a UUID the caller generates).
    pub id: RunId,
    /// The station (fixture PC) id.
    pub station_id: String,
    /// The logged-in operator.
    pub operator: String,
    /// The work order, if one was picked.
    pub work_order: Option<String>,
    /// The config file the run uses.
    pub config_path: String,
}

/// The attestation kinds a unit may use, as stored.
pub const ATTESTATIONS: [&str; 3] = ["symmetric-key", "x509", "tpm"];

/// A unit about to be provisioned: an identified DUT in a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    /// The run it belongs to; the run must exist and not be finished.
    pub run_id: RunId,
    /// The fixture slot.
    pub slot: u16,
    /// The DUT's serial number (not empty).
    pub serial: String,
    /// The product profile name.
    pub product: String,
    /// The DPS registration ID the unit will get (not empty).
    pub registration_id: String,
    /// One of [`ATTESTATIONS`]: `symmetric-key`, `x509` or `tpm`.
    pub attestation: String,
    /// The work order.
    pub work_order: Option<String>,
    /// The operator who placed the unit.
    pub operator: String,
    /// The station id.
    pub station_id: String,
    /// What the DUT reported about itself (model, hw, fw, caps) as JSON, stored as given.
    pub identity_json: Option<String>,
    /// A supervisor asked to provision an already passed unit again. The old unit becomes
    /// `superseded`, and so does its enrollment unless it was already uploaded.
    pub rework: bool,
}

/// What a unit claims besides its serial and registration ID, each unique among `pass` and
/// `in_progress` units (a rework may take over its own old unit's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitClaims<'a> {
    /// Lower-case hex SHA-256 of a TPM unit's EK (`TPM2B_PUBLIC`).
    pub ek_sha256: Option<&'a str>,
    /// The IoT Hub device ID rendered from the product's template (compared exactly: device
    /// IDs are case-sensitive).
    pub device_id: Option<&'a str>,
}

/// One pipeline step of a unit, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step name, e.g. `identify`, `write-settings`.
    pub step: String,
    /// Whether the step succeeded.
    pub ok: bool,
    /// When the step started.
    pub started_at: DateTime<Utc>,
    /// How long it took; serialised as `duration_ms` (a float number of milliseconds).
    #[serde(rename = "duration_ms", with = "duration_ms")]
    pub duration: Duration,
    /// Free-form detail (e.g. the error chain of a failed step).
    pub detail: Option<String>,
}

/// Why a unit failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitFailure {
    /// The step that failed.
    pub step: String,
    /// The stable error code, e.g. `station::smp::timeout`.
    pub code: String,
    /// The message shown to the technician.
    pub message: String,
}

/// An enrollment to queue with a PASS: the DPS `IndividualEnrollment` JSON, opaque to the store.
///
/// The payload may hold a device's symmetric keys, so `Debug` shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct NewEnrollment {
    /// The registration ID; must equal the unit's.
    pub registration_id: String,
    /// The enrollment JSON; must be valid JSON. When `sealed` is set, its keys are
    /// [`REDACTED`] and the whole payload is in the ciphertext.
    pub payload_json: String,
    /// The whole payload sealed where it was created (`[secrets]` recipients); `None` for a
    /// payload without a secret, or a station without recipients.
    pub sealed: Option<crate::SealedSecret>,
}

impl NewEnrollment {
    /// An enrollment stored as given (no secret, or a station without recipients).
    pub fn plain(registration_id: impl Into<String>, payload_json: impl Into<String>) -> Self {
        Self {
            registration_id: registration_id.into(),
            payload_json: payload_json.into(),
            sealed: None,
        }
    }
}

/// Which units [`Store::units`](crate::Store::units) lists; `Default` lists all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitFilter {
    /// Only units of this run.
    pub run: Option<RunId>,
    /// Only units with this status.
    pub status: Option<UnitStatus>,
    /// Only units with this serial.
    pub serial: Option<String>,
    /// At most this many units (newest first); no limit when `None`.
    pub limit: Option<u32>,
}

/// A unit as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitSummary {
    /// The unit id.
    pub id: UnitId,
    /// Its run.
    pub run_id: RunId,
    /// The fixture slot.
    pub slot: u16,
    /// The serial; `None` for a slot that failed before a DUT identified itself.
    pub serial: Option<String>,
    /// The product; `None` for an unidentified unit.
    pub product: Option<String>,
    /// The registration ID; `None` for an unidentified unit.
    pub registration_id: Option<String>,
    /// The attestation kind; `None` for an unidentified unit.
    pub attestation: Option<String>,
    /// Where the unit is in its life.
    pub status: UnitStatus,
    /// The step that failed, for `fail`.
    pub failed_step: Option<String>,
    /// The error code, for `fail`.
    pub failure_code: Option<String>,
    /// The error message, for `fail`.
    pub failure_message: Option<String>,
    /// The work order.
    pub work_order: Option<String>,
    /// The operator.
    pub operator: String,
    /// The station.
    pub station_id: String,
    /// When provisioning started.
    pub started_at: DateTime<Utc>,
    /// When it ended (pass, fail, interrupted).
    pub finished_at: Option<DateTime<Utc>>,
    /// The unit this one reworks.
    pub rework_of: Option<UnitId>,
}

/// A unit with its steps and enrollment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitDetail {
    /// The unit.
    pub summary: UnitSummary,
    /// What the DUT reported about itself; serialised as embedded JSON when it is valid JSON.
    #[serde(serialize_with = "json_text::serialize_opt")]
    pub identity_json: Option<String>,
    /// TPM units: lower-case hex SHA-256 of the EK's `TPM2B_PUBLIC` (the duplicate key).
    pub ek_sha256: Option<String>,
    /// Its steps, in the order they ran.
    pub steps: Vec<StepRecord>,
    /// Its enrollment, if one was queued.
    pub enrollment: Option<QueuedEnrollment>,
    /// How its board's registration with DPS went, for a product with the register check.
    pub register_check: Option<RegisterCheckRecord>,
}

/// How a unit's board registered with DPS after PASS (the register check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RegisterCheck {
    /// DPS assigned the board.
    Registered {
        /// The hub it was assigned to.
        assigned_hub: String,
        /// Its device ID there.
        device_id: String,
    },
    /// The board could not register; the unit fails with this.
    Refused(UnitFailure),
}

/// A unit's register check as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisterCheckRecord {
    /// What happened.
    #[serde(flatten)]
    pub check: RegisterCheck,
    /// When.
    pub checked_at: DateTime<Utc>,
}

/// An enrollment in the queue.
///
/// The payload may hold a device's symmetric keys: `Debug` shows only its length, but
/// `Serialize` includes it (for export and `--json`), so front-ends decide where it may go.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct QueuedEnrollment {
    /// The enrollment id.
    pub id: EnrollmentId,
    /// The unit that passed with it.
    pub unit_id: UnitId,
    /// The DPS registration ID.
    pub registration_id: String,
    /// The `IndividualEnrollment` JSON as queued; serialised as embedded JSON.
    #[serde(serialize_with = "json_text::serialize")]
    pub payload_json: String,
    /// Where it is on its way to DPS.
    pub status: EnrollmentStatus,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When its status or attempts last changed.
    pub updated_at: DateTime<Utc>,
    /// Upload attempts so far.
    pub attempts: u32,
    /// The last upload error.
    pub last_error: Option<String>,
    /// Where its device secret is.
    pub secret: crate::SecretState,
    /// When its secret was purged after delivery.
    pub purged_at: Option<DateTime<Utc>>,
    /// The sealed payload (while `secret` is `sealed`); never serialised.
    #[serde(skip)]
    pub sealed: Option<crate::SealedSecret>,
}

impl fmt::Debug for NewEnrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewEnrollment")
            .field("registration_id", &self.registration_id)
            .field("payload_json", &Redacted(self.payload_json.len()))
            .field("sealed", &self.sealed)
            .finish()
    }
}

impl fmt::Debug for QueuedEnrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueuedEnrollment")
            .field("id", &self.id)
            .field("unit_id", &self.unit_id)
            .field("registration_id", &self.registration_id)
            .field("payload_json", &Redacted(self.payload_json.len()))
            .field("status", &self.status)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("attempts", &self.attempts)
            .field("last_error", &self.last_error)
            .field("secret", &self.secret)
            .field("purged_at", &self.purged_at)
            .field("sealed", &self.sealed)
            .finish()
    }
}

/// What an upload attempt found out about one claimed enrollment, recorded by
/// [`Store::complete_uploads`](crate::Store::complete_uploads).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UploadResult {
    /// DPS holds the enrollment: created now, or already present with the same attestation
    /// (`already_present`, e.g. a batch retried after a restart).
    Uploaded {
        /// DPS already had it with the same attestation; nothing was changed there.
        already_present: bool,
    },
    /// DPS holds a different enrollment with this registration ID, or rejected it; a
    /// supervisor decides. Nothing in DPS was overwritten.
    Conflict {
        /// Why, for the supervisor (never key material).
        reason: String,
    },
    /// DPS holds this registration ID's enrollment disabled (a `disable_queued` row).
    Disabled {
        /// DPS held no enrollment for it: it was created disabled.
        created: bool,
    },
}

/// The upload queue at a glance, for `station queue`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    /// Enrollments waiting for upload (including those in flight).
    pub queued: u64,
    /// Of those, how many an uploader has claimed for a batch right now.
    pub in_flight: u64,
    /// Enrollments DPS holds.
    pub uploaded: u64,
    /// Enrollments waiting for a supervisor.
    pub conflicts: u64,
    /// Revocations waiting to reach DPS (`disable_queued`).
    pub revocations_queued: u64,
    /// Registration IDs DPS holds disabled (`disabled`).
    pub disabled: u64,
    /// When the oldest queued enrollment was queued.
    pub oldest_queued_at: Option<DateTime<Utc>>,
}

/// The queue at a glance ([`Store::queue_overview`](crate::Store::queue_overview)).
#[derive(Debug, Clone)]
pub struct QueueOverview {
    /// Counts by status and the oldest queued enrollment.
    pub stats: QueueStats,
    /// Enrollments uploaded since the overview's `since`.
    pub uploaded_since: u64,
    /// Conflicts waiting for a supervisor, newest first.
    pub conflicts: Vec<QueuedEnrollment>,
    /// Enrollments whose last upload attempt failed (or that conflicted), newest first.
    pub last_errors: Vec<QueuedEnrollment>,
}

/// Which enrollments [`Store::export_records`](crate::Store::export_records) streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFilter {
    /// Only enrollments of units with this work order.
    pub work_order: Option<String>,
    /// Only enrollments queued at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only enrollments queued before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only enrollments with one of these statuses.
    pub statuses: Vec<EnrollmentStatus>,
}

impl Default for ExportFilter {
    /// Everything a device operator may import: `queued` and `uploaded`.
    fn default() -> Self {
        Self {
            work_order: None,
            from: None,
            to: None,
            statuses: vec![EnrollmentStatus::Queued, EnrollmentStatus::Uploaded],
        }
    }
}

/// One enrollment as streamed for an export, borrowing the row's text.
///
/// The payload may hold a device's symmetric keys: `Debug` shows only its length.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ExportRecord<'a> {
    /// The enrollment id.
    pub id: EnrollmentId,
    /// Its unit.
    pub unit_id: UnitId,
    /// The DPS registration ID.
    pub registration_id: &'a str,
    /// The `IndividualEnrollment` JSON exactly as queued.
    pub payload_json: &'a str,
    /// Its status.
    pub status: EnrollmentStatus,
    /// When it was queued (RFC 3339, as stored).
    pub created_at: &'a str,
    /// The unit's serial.
    pub serial: Option<&'a str>,
    /// The unit's work order.
    pub work_order: Option<&'a str>,
    /// The station that provisioned the unit.
    pub station_id: &'a str,
    /// Where its device secret is.
    pub secret: crate::SecretState,
    /// The sealed payload (age ciphertext) while `secret` is `sealed`.
    pub sealed: Option<&'a [u8]>,
    /// The fingerprint of the recipients it is sealed to.
    pub sealed_to: Option<&'a str>,
}

impl fmt::Debug for ExportRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportRecord")
            .field("id", &self.id)
            .field("registration_id", &self.registration_id)
            .field("payload_json", &Redacted(self.payload_json.len()))
            .field("status", &self.status)
            .field("created_at", &self.created_at)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

/// What stands in for a secret in redacted output.
pub const REDACTED: &str = "<redacted>";

/// The enrollment JSON with every secret (the `primaryKey` and `secondaryKey` of a symmetric
/// key, wherever they sit) replaced by [`REDACTED`]: what reports print unless a supervisor
/// asks for the keys. Text that is not JSON is replaced whole.
pub fn redact_payload(payload_json: &str) -> String {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if SECRET_FIELDS.contains(&k.as_str()) && !v.is_null() {
                        *v = serde_json::Value::String(REDACTED.into());
                    } else {
                        walk(v);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    const SECRET_FIELDS: &[&str] = &["primaryKey", "secondaryKey"];
    match serde_json::from_str::<serde_json::Value>(payload_json) {
        Ok(mut v) => {
            walk(&mut v);
            v.to_string()
        }
        Err(_) => format!("\"{REDACTED}\""),
    }
}

impl QueuedEnrollment {
    /// The same enrollment with its payload's secrets redacted ([`redact_payload`]).
    pub fn redacted(&self) -> Self {
        Self {
            payload_json: redact_payload(&self.payload_json),
            ..self.clone()
        }
    }
}

/// Stands in for a payload in `Debug` output.
struct Redacted(usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted, {} bytes>", self.0)
    }
}

/// Serde for a `Duration` as a float number of milliseconds.
mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64() * 1000.0)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let ms = f64::deserialize(d)?;
        Duration::try_from_secs_f64(ms / 1000.0).map_err(D::Error::custom)
    }
}

/// Serialise a JSON text as embedded JSON when it parses, else as a string.
mod json_text {
    use serde::{Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => value.serialize(s),
            Err(_) => s.serialize_str(text),
        }
    }

    pub(crate) fn serialize_opt<S: Serializer>(
        text: &Option<String>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match text {
            Some(text) => serialize(text, s),
            None => s.serialize_none(),
        }
    }
}

/// The row id of an issued certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CertificateId(pub i64);

impl fmt::Display for CertificateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A device certificate about to leave the station, as recorded by
/// [`Store::issue_certificate`](crate::Store::issue_certificate). Work order, operator and
/// station come from the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCertificate {
    /// The `in_progress` unit it is for.
    pub unit_id: UnitId,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// Subject, e.g. `CN=contoso-sn0001`.
    pub subject: String,
    /// SHA-256 thumbprint of the DER, lower-case hex (64 characters).
    pub sha256: String,
    /// SHA-256 of the certified key's SubjectPublicKeyInfo, lower-case hex: a key is certified
    /// once ([`StoreError::KeyReused`](crate::StoreError::KeyReused)).
    pub spki_sha256: String,
    /// The signing CA's id (hex SHA-256 of its certificate).
    pub ca_id: String,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
    /// The leaf's DER, kept so it can be revoked by certificate.
    pub der: Vec<u8>,
    /// For a group-enrollment product: the disabled individual enrollment (JSON) that takes
    /// this device out of its group if its unit does not pass (see [`NewHandout`]).
    pub revocation_json: Option<String>,
}

/// What a credential crossing the link to a board is, for [`Store::record_handout`](crate::Store::record_handout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoutKind {
    /// A device certificate (recorded with [`NewCertificate`]).
    Certificate,
    /// A key derived from a group enrollment's key.
    DerivedKey,
}

impl HandoutKind {
    /// The database string.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Certificate => "certificate",
            Self::DerivedKey => "derived_key",
        }
    }
}

/// A group-derived key about to be written to a board: recorded durably first, so a unit that
/// does not pass has its key revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHandout {
    /// The `in_progress` unit whose board receives it.
    pub unit_id: UnitId,
    /// The disabled individual enrollment (JSON) to queue if the unit does not pass.
    pub revocation_json: String,
}

/// A certificate the station issued, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedCertificateRecord {
    /// Row id.
    pub id: CertificateId,
    /// Serial number, hex.
    pub serial: String,
    /// Subject.
    pub subject: String,
    /// SHA-256 thumbprint, hex.
    pub sha256: String,
    /// Work order it counts against.
    pub work_order: Option<String>,
    /// Operator of the unit's run.
    pub operator: String,
    /// Station.
    pub station_id: String,
    /// The unit it was issued for.
    pub unit_id: UnitId,
    /// The signing CA's id.
    pub ca_id: String,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
    /// When it was recorded (before it was sent to the DUT).
    pub issued_at: DateTime<Utc>,
    /// `issued`, or `void` when its unit failed afterwards.
    pub status: String,
    /// Why it is void (`None` unless `status` is `void`).
    pub void_reason: Option<String>,
}
