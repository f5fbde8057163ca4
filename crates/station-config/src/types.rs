//! The configuration types, as deserialised from a station TOML file.
//!
//! Every section denies unknown keys. Defaults are named functions so that the JSON Schema and
//! `station-config/default.toml` show them. Paths are resolved against the config file's directory
//! by [`crate::load`] and [`crate::parse_str`]; cross-field rules live in [`StationConfig::check`].

use std::fmt;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// A complete station configuration: the per-PC station and fixture settings plus the product
/// profiles the slots refer to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StationConfig {
    /// `[station]`: identity of this station and where it writes logs.
    pub station: StationSection,
    /// `[storage]`: where the local upload queue lives.
    pub storage: StorageSection,
    /// `[fixture]`: the test fixture, its serial settings and its slots.
    pub fixture: FixtureSection,
    /// `[[product]]`: the product profiles slots can provision. Ids must be unique.
    #[serde(rename = "product", default)]
    pub products: Vec<ProductProfile>,
    /// `[upload]`: the DPS service API enrollments are uploaded to, and the export signing
    /// key. Default: none (`station upload` and `station export` then refuse to run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadSection>,
    /// `[line_db]`: the PostgreSQL line database the line's stations share (site-wide
    /// uniqueness of serials, registration IDs and EKs). Default: none (this station's own
    /// database decides alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_db: Option<LineDbSection>,
    /// `[secrets]`: the public keys that seal device secrets where they are created, the
    /// identity that opens them, and how long they are kept. Required (or
    /// `insecure_plaintext`) when a product enrolls symmetric keys individually.
    #[serde(
        default,
        skip_serializing_if = "crate::secrets::SecretsSection::is_default"
    )]
    pub secrets: crate::SecretsSection,
    /// `[kiosk]`: the desktop app's window, login policy and virtual fixture. Default: a normal
    /// window, 5-minute idle logout, supervisor PIN to exit.
    #[serde(default)]
    pub kiosk: crate::KioskSection,
}

/// `[upload]`: where queued enrollments go (the DPS service API), how fast, and the key that
/// signs exports for a device operator.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadSection {
    /// DPS service host to connect to, `host[:port]` without scheme (always HTTPS).
    /// Default: the connection string's `HostName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_host: Option<String>,
    /// Where the service connection string
    /// (`HostName=…;SharedAccessKeyName=…;SharedAccessKey=…`) comes from: `{ env = "NAME" }`
    /// or `{ file = "path" }`, never inline. The policy needs EnrollmentRead and
    /// EnrollmentWrite. Default: none (an export-only station).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_string: Option<SecretSource>,
    /// PEM file with the CA certificate(s) to trust for the service endpoint, e.g. the one
    /// dps-local writes. When set, only these are trusted. Default: none (public web roots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_anchor: Option<PathBuf>,
    /// The DPS operations budget per minute for this station. Default `1000`.
    #[serde(default = "default_ops_per_minute")]
    pub ops_per_minute: u32,
    /// Operations one bulk call (up to 10 enrollments) is counted as. Default `10`.
    #[serde(default = "default_ops_per_bulk")]
    pub ops_per_bulk: u32,
    /// The station's export signing key (PKCS#8 PEM, ECDSA P-256); its certificate is the same
    /// path with the extension `.crt`. Both are created on the first export if absent.
    /// Default `"keys/export-signing.key"`, relative to the config file's directory.
    #[serde(default = "default_signing_key")]
    pub signing_key: PathBuf,
    /// Where the desktop app's "export a batch" writes (one new directory per export, named
    /// after the station and the time). Default `"exports"`, relative to the config file's
    /// directory.
    #[serde(default = "default_export_dir")]
    pub export_dir: PathBuf,
    /// The device operator's age public keys (`age1…`, from `age-keygen`). When set, every
    /// export is signed as always, then sealed (encrypted as a whole) to these keys: one
    /// `.tar.age` file only their identities open, and no plaintext batch is left on the
    /// station. Default: none (a signed folder, private to the station's account).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_recipients: Vec<String>,
}

impl StationConfig {
    /// The product profile with id `id`, if one is configured.
    pub fn product(&self, id: &str) -> Option<&ProductProfile> {
        self.products.iter().find(|p| p.id == id)
    }

    /// The slot with the 1-based fixture index `index`, if one is configured.
    pub fn slot(&self, index: u16) -> Option<&SlotConfig> {
        self.fixture.slots.iter().find(|s| s.index == index)
    }

    /// Every file and folder this configuration names that holds a secret, with what it is
    /// (e.g. `"product sym: group key"`): they must not be readable by other users. The
    /// database's -wal and -shm files are not listed (they sit beside it).
    pub fn secret_files(&self) -> Vec<(String, PathBuf)> {
        let mut files = vec![("station database".to_owned(), self.storage.database.clone())];
        let mut source = |what: String, s: &SecretSource| {
            if let SecretSource::File { file } = s {
                files.push((what, file.clone()));
            }
        };
        if let Some(c) = self
            .upload
            .as_ref()
            .and_then(|u| u.connection_string.as_ref())
        {
            source("DPS connection string".into(), c);
        }
        if let Some(p) = self.line_db.as_ref().and_then(|l| l.password.as_ref()) {
            source("line database password".into(), p);
        }
        if let Some(p) = self
            .line_db
            .as_ref()
            .and_then(|l| l.admin_password.as_ref())
        {
            source("line database admin password".into(), p);
        }
        for p in &self.products {
            match &p.attestation {
                AttestationConfig::SymmetricKey {
                    enrollment: SymmetricEnrollment::Group { group_key, .. },
                } => source(format!("product {}: group key", p.id), group_key),
                AttestationConfig::X509 {
                    ca: CaConfig::File { passphrase, .. },
                    ..
                } => source(format!("product {}: CA key passphrase", p.id), passphrase),
                AttestationConfig::X509 {
                    ca: CaConfig::Pkcs11 { pin, .. },
                    ..
                } => source(format!("product {}: token PIN", p.id), pin),
                _ => {}
            }
        }
        for p in &self.products {
            if let AttestationConfig::X509 {
                ca: CaConfig::File { key, .. },
                ..
            } = &p.attestation
            {
                files.push((format!("product {}: CA key", p.id), key.clone()));
            }
        }
        if let Some(identity) = &self.secrets.identity_file {
            files.push(("secrets identity".into(), identity.clone()));
        }
        if let Some(upload) = &self.upload {
            files.push(("export signing key".into(), upload.signing_key.clone()));
            files.push(("export folder".into(), upload.export_dir.clone()));
        }
        files
    }
}

/// `[station]`: identity of this station and where it writes logs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StationSection {
    /// Station id, e.g. `"line1-st03"`. Non-empty; only `A-Z a-z 0-9 . _ -`.
    pub id: String,
    /// Human-readable station name shown to the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Directory for log files. Default `"var/log"`, relative to the config file's directory.
    #[serde(default = "default_log_dir")]
    pub log_dir: PathBuf,
    /// A log file is closed and the next one started when it would pass this size, in MiB
    /// (and at midnight UTC). 1–10,000. Default 50.
    #[serde(default = "default_log_max_mb")]
    pub log_max_mb: u32,
    /// Log files kept per program (`station`, `station-desktop`); the oldest beyond are
    /// removed. 1–10,000. Default 30.
    #[serde(default = "default_log_keep")]
    pub log_keep: u32,
    /// Default operator id for CLI runs (a flag overrides it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// The starting work order of a station where no supervisor has set one (`station line`,
    /// the desktop app); `station run --work-order` overrides both for one run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_order: Option<String>,
}

/// `[storage]`: where the local upload queue lives.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StorageSection {
    /// SQLite database file. Relative to the config file's directory. Required.
    pub database: PathBuf,
}

/// `[fixture]`: the test fixture, its serial settings and its slots.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixtureSection {
    /// Fixture name, e.g. `"virtual"` or `"bench-4x"`.
    pub name: String,
    /// Slot→port map written by the virtual fixture (see [`crate::PortsFile`]). Used for slots
    /// without an explicit `port`. Relative to the config file's directory. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports_file: Option<PathBuf>,
    /// Fixture definition (`fixtures/*.toml`, see [`crate::FixtureDefinition`]) that finds each
    /// slot's port by USB topology on a real fixture. Used for slots without an explicit
    /// `port`, before `ports_file`. Relative to the config file's directory. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<PathBuf>,
    /// Start a slot's unit by itself: `station watch` when a DUT arrives in it (needs
    /// `definition`), the desktop app as soon as the board's serial is scanned into it.
    /// Default `false`: a technician starts slots (scan every board, then *Start all*).
    #[serde(default)]
    pub auto_start: bool,
    /// Default baud rate for slots. Default `115200`.
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// Timeout for one SMP command attempt, in milliseconds. Default `1000`.
    #[serde(default = "default_command_timeout_ms")]
    pub command_timeout_ms: u64,
    /// Attempts per SMP command before the step fails. Default `3`.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// How long to wait for a DUT to come back after a reset, in milliseconds. Default `5000`.
    #[serde(default = "default_reset_timeout_ms")]
    pub reset_timeout_ms: u64,
    /// Slots per row of the fixture as it is built: the desktop app's Run screen lays its
    /// tiles out in these rows and columns. Default: none (the screen picks the largest tiles
    /// that fit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<u16>,
    /// A slot whose board does not answer `identify` within this many milliseconds is empty:
    /// no unit is recorded for it. Default `1500`.
    #[serde(default = "default_empty_after_ms")]
    pub empty_after_ms: u64,
    /// When a slot is blocked because boards keep failing after taking a credential.
    /// Default 3 failures within 8 hours.
    #[serde(default)]
    pub handout_alarm: HandoutAlarm,
    /// `[[fixture.slot]]`: the fixture's slots. At least one is required.
    #[serde(rename = "slot", default)]
    pub slots: Vec<SlotConfig>,
}

/// `[fixture.handout_alarm]`: units that fail after a credential crossed to their board (a
/// certificate or a group-derived key, then revoked) are what a rogue board looks like. This
/// many of them on one slot, or of one serial on any slot, within the window block the slot
/// until a supervisor clears it (`station slots --clear`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoutAlarm {
    /// Failures after a hand-out that block the slot. 1–100. Default 3.
    #[serde(default = "default_alarm_failures")]
    pub failures: u32,
    /// The rolling window they are counted in, in hours. 1–720. Default 8.
    #[serde(default = "default_alarm_window_hours")]
    pub window_hours: u32,
}

impl Default for HandoutAlarm {
    fn default() -> Self {
        Self {
            failures: default_alarm_failures(),
            window_hours: default_alarm_window_hours(),
        }
    }
}

fn default_alarm_failures() -> u32 {
    3
}

fn default_alarm_window_hours() -> u32 {
    8
}

/// `[[fixture.slot]]`: one DUT position on the fixture.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotConfig {
    /// 1-based slot index, unique within the fixture.
    pub index: u16,
    /// Explicit serial device path, e.g. `"/dev/ttyACM0"` or `"COM3"`. When absent the port is
    /// looked up in `fixture.ports_file` at run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// Baud rate for this slot. Default: `fixture.baud`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baud: Option<u32>,
    /// Id of the `[[product]]` this slot provisions.
    pub product: String,
}

impl SlotConfig {
    /// This slot's baud rate, falling back to the fixture default.
    pub fn baud_or(&self, fixture: &FixtureSection) -> u32 {
        self.baud.unwrap_or(fixture.baud)
    }
}

/// `[[product]]`: how one product is provisioned (versioned by the line engineer).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductProfile {
    /// Product id that slots refer to; unique.
    pub id: String,
    /// Free-form description shown to the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How the DPS registration id is built for each unit.
    pub registration_id: RegistrationIdRule,
    /// The DPS instance devices register with.
    pub dps: DpsTarget,
    /// How devices attest to DPS.
    pub attestation: AttestationConfig,
    /// IoT Hub device id template, with the same placeholders as `registration_id.template`.
    /// Default: none (DPS uses the registration id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// IoT Hub host name the enrollment pins, e.g. `"contoso.azure-devices.net"`. Default: none
    /// (DPS allocation policy decides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iot_hub_host_name: Option<String>,
    /// Status of enrollments created for this product. Default `"enabled"`.
    #[serde(default)]
    pub provisioning_status: ProvisioningStatus,
    /// Prefix of the DUT settings keys (`"{prefix}/endpoint"`, …). Default `"dps"`.
    #[serde(default = "default_settings_prefix")]
    pub settings_prefix: String,
    /// `[product.register_check]`: after PASS, once the unit's enrollment is uploaded, the
    /// board registers with DPS over the fixture's network, and the outcome is recorded on the
    /// unit (a refused unit fails, for rework). For fixtures whose boards have a network; needs
    /// `[upload]`. Default: off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_check: Option<RegisterCheck>,
    /// `[product.allocation]`: how DPS chooses the hub for this product's devices. Default:
    /// none (DPS's service-level policy over all its linked hubs, or `iot_hub_host_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation: Option<AllocationConfig>,
    /// `[product.initial_twin]`: the twin each device starts with on its hub, with the unit's
    /// facts filled in. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_twin: Option<InitialTwinConfig>,
    /// `[product.reprovision]`: what a re-registration does when the device's assignment would
    /// change. Default: none (DPS's default: re-assign and migrate the twin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reprovision: Option<ReprovisionConfig>,
    /// Characters a board may report in its serial, model, hardware and firmware strings
    /// beyond the default letters, digits and `. _ : -` (1 to 64 of them each): a board that
    /// reports anything else fails at `identify`. Printable ASCII only, never
    /// `" ' \ , ; = + @ < >` or a backtick. Default: none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub board_string_extra_chars: String,
}

/// Characters `board_string_extra_chars` may never widen the board strings with: quotes and
/// separators of the CSV and the shell, and the starts of a spreadsheet formula.
pub const BOARD_STRING_FORBIDDEN: &str = "\"'\\,;=+@<>`";

/// `[line_db]`: where the line database is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineDbSection {
    /// libpq-style connection string without the password, e.g.
    /// `"host=line-db.factory.lan port=5432 user=station dbname=line1"`. Required.
    pub url: String,
    /// Where the password comes from (`{ env = "…" }` or `{ file = "…" }`). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretSource>,
    /// What the station does while it cannot reach the line database: `"refuse"` units (no
    /// identity is used that the line cannot vouch for), or `"local"`: provision under this
    /// station's own uniqueness checks and its quota leases only, and replay what it did when
    /// the line is back (conflicts go to the supervisors). Default `"refuse"`.
    #[serde(default)]
    pub offline: OfflinePolicy,
    /// Certificates of a work order's quota the station leases at a time (1–100,000): what it
    /// can still issue while apart. Default 50.
    #[serde(default = "default_lease_block")]
    pub lease_block: u32,
    /// The CA certificates (PEM) the server's certificate must chain to: the station speaks
    /// TLS to it, checks the URL's host against the certificate and logs in with SCRAM bound
    /// to the channel. Relative to the config file's directory. Required unless
    /// `insecure_plaintext`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// A lab without TLS: plain TCP to the line database, whose network can then read and
    /// change every reservation and obtain the password from a server that asks for it in
    /// clear. `station check` reports it as a failed `line_db.tls`. Default `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_plaintext: bool,
    /// The line's admin role (the tables' owner): migrations, making a station's role
    /// (`station line-db add-station`) and resolving conflicts. Used only by `station line-db`
    /// administration commands, never by a station at work; the station itself logs in with
    /// its own role (the URL's `user`, named after its ID). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_user: Option<String>,
    /// Where the admin role's password comes from (`{ env = "…" }` or `{ file = "…" }`, a
    /// supervisor's file apart from the station's). Required with `admin_user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_password: Option<SecretSource>,
}

fn default_lease_block() -> u32 {
    50
}

/// `line_db.offline`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OfflinePolicy {
    /// Refuse units while the line database is unreachable.
    #[default]
    Refuse,
    /// Provision on local checks and quota leases; replay when the line is back.
    Local,
}

/// `[product.allocation]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationConfig {
    /// `"hashed"` (a weighted hash of the registration ID), `"geoLatency"` (the lowest-latency
    /// hub, ties hashed), `"static"` (the one hub in `iot_hubs`) or `"custom"` (a webhook
    /// decides). Required.
    pub policy: AllocationPolicyName,
    /// Host names of the linked hubs the policy chooses from (at most 10). Default: empty (all
    /// the DPS instance's linked hubs); `static` needs exactly one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub iot_hubs: Vec<String>,
    /// `custom` only (required there): the HTTPS URL DPS posts its allocation request to.
    /// DPS keeps it in every enrollment, so a function key in it travels with them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// `custom` only: the request's API version. Default `"2021-10-01"`.
    #[serde(default = "default_webhook_api_version")]
    pub api_version: String,
}

/// An allocation policy, spelled as DPS spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum AllocationPolicyName {
    /// Weighted hash of the registration ID.
    #[serde(rename = "hashed")]
    Hashed,
    /// Lowest latency, ties hashed.
    #[serde(rename = "geoLatency")]
    GeoLatency,
    /// The one hub named.
    #[serde(rename = "static")]
    Static,
    /// A webhook decides.
    #[serde(rename = "custom")]
    Custom,
}

/// `[product.initial_twin]`: tags and desired properties, written here or in a JSON file
/// (`{"tags": {…}, "properties": {"desired": {…}}}`, the DPS shape). String values may hold
/// `{serial}`, `{model}`, `{work_order}` and `{station}`, filled in per unit.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitialTwinConfig {
    /// A JSON file holding the twin (relative to this config). Not with `tags`/`desired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// The twin's tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<serde_json::Map<String, serde_json::Value>>,
    /// The twin's desired properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Eq for InitialTwinConfig {}

/// `[product.reprovision]`: DPS's `reprovisionPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReprovisionConfig {
    /// Re-run the allocation when the device registers again (`false`: it stays on its hub).
    /// Default `true`.
    #[serde(default = "default_true")]
    pub update_hub_assignment: bool,
    /// Move the device's twin to a new hub (`false`: the twin starts again from the initial
    /// twin). Default `true`.
    #[serde(default = "default_true")]
    pub migrate_device_data: bool,
}

/// `[product.register_check]`: the board registers with DPS before it leaves the fixture.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterCheck {
    /// How long the slot waits for the uploader (`station upload --watch`, another process or
    /// station) to upload the unit's enrollment before the board registers, in seconds.
    /// Default 120.
    #[serde(default = "default_upload_wait_secs")]
    pub upload_wait_secs: u64,
}

impl Default for RegisterCheck {
    fn default() -> Self {
        Self {
            upload_wait_secs: default_upload_wait_secs(),
        }
    }
}

/// How a unit's DPS registration id is built.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationIdRule {
    /// Template, e.g. `"contoso-{serial}"`. Placeholders: `{serial}` (required), `{model}`,
    /// `{station}`; any other placeholder is a config error.
    pub template: String,
    /// Lowercase the rendered id. Default `false`.
    #[serde(default)]
    pub lowercase: bool,
}

/// The DPS instance devices register with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DpsTarget {
    /// DPS ID scope, e.g. `"0ne00000A0A"`. Non-empty, alphanumeric.
    pub id_scope: String,
    /// DPS global endpoint host name, without scheme or path; an optional `:port` is allowed.
    /// Default `"global.azure-devices-provisioning.net"`.
    #[serde(default = "default_global_endpoint")]
    pub global_endpoint: String,
}

/// Status given to enrollments created for a product.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProvisioningStatus {
    /// Devices may provision (the default).
    #[default]
    Enabled,
    /// Enrollments are created disabled; devices cannot provision until enabled in DPS.
    Disabled,
}

/// How devices attest to DPS, selected by `kind`.
///
/// `symmetric-key` and `x509` are supported by this station build; `tpm` parses so that
/// profiles can be shared, but [`StationConfig::check`] rejects it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AttestationConfig {
    /// `kind = "symmetric-key"`: SAS keys, individual or derived from a group key.
    SymmetricKey {
        /// Individual or group enrollment.
        enrollment: SymmetricEnrollment,
    },
    /// `kind = "x509"`: the DUT generates a key and a CSR; the station issues its certificate
    /// from the line's signing CA under the station's own profile.
    X509 {
        /// `"individual"`: an individual enrollment carrying the device certificate is queued
        /// per unit. `"group"`: devices chain to the signing CA of a DPS enrollment group;
        /// nothing is queued per unit.
        enrollment: X509Enrollment,
        /// Validity of device certificates, in days from issuance. Default `3650`.
        #[serde(default = "default_validity_days")]
        validity_days: u32,
        /// Device key algorithms the CSR may use. Default `["ec-p256"]`.
        #[serde(default = "default_key_algorithms")]
        key_algorithms: Vec<X509KeyAlgorithm>,
        /// Most certificates issued under one work order (all products count). Default: no
        /// quota. When set, runs of this product need a work order.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quota_per_work_order: Option<u64>,
        /// The signing CA that issues the device certificates.
        ca: CaConfig,
    },
    /// `kind = "tpm"`: the station reads the TPM's endorsement key (EK) through the DUT, checks
    /// the EK certificate against the TPM vendors' CAs, and queues an individual enrollment
    /// carrying the EK.
    Tpm {
        /// `"individual"`: an individual enrollment carrying the EK is queued per unit (DPS has
        /// no TPM enrollment groups).
        enrollment: TpmEnrollment,
        /// How the registration ID is made. Default `"ek-hash"`.
        #[serde(default)]
        registration_id: TpmRegistrationId,
        /// TPM vendor root CA certificates (PEM, any number per file, or DER). The EK
        /// certificate must chain to one of them. At least one file is required.
        vendor_roots: Vec<PathBuf>,
        /// CA certificates that may stand between a vendor root and an EK certificate (PEM or
        /// DER); used to build the chain, never trusted on their own. Default none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        vendor_intermediates: Vec<PathBuf>,
        /// Also read the storage root key (persistent at 0x81000001, else created from the
        /// Azure C SDK's SRK template) and put it in the enrollment. Default `false`.
        #[serde(default)]
        include_srk: bool,
        /// The EK template the product's TPMs must have been created from; any other EK is
        /// refused at `read-ek`. Default `"tcg-rsa2048"`.
        #[serde(default)]
        ek_template: EkTemplateName,
    },
}

impl AttestationConfig {
    /// The `kind` value as written in TOML, e.g. `"symmetric-key"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::SymmetricKey { .. } => "symmetric-key",
            Self::X509 { .. } => "x509",
            Self::Tpm { .. } => "tpm",
        }
    }

    /// Whether the product's devices register through an enrollment group (nothing is queued
    /// per unit).
    pub fn is_group(&self) -> bool {
        matches!(
            self,
            Self::SymmetricKey {
                enrollment: SymmetricEnrollment::Group { .. }
            } | Self::X509 {
                enrollment: X509Enrollment::Group,
                ..
            }
        )
    }
}

/// Symmetric-key enrollment type, selected by `type`.
// Deserialised through `SymmetricEnrollmentRepr`: serde ignores extra keys next to the tag of a
// unit variant, so `Individual` is read as an empty struct variant to reject them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(
    tag = "type",
    rename_all = "kebab-case",
    from = "SymmetricEnrollmentRepr"
)]
pub enum SymmetricEnrollment {
    /// `type = "individual"`: a random key per device; an individual enrollment is queued per unit.
    Individual,
    /// `type = "group"`: the device key is derived from the group key; nothing is queued per unit.
    Group {
        /// DPS enrollment group id.
        group_id: String,
        /// Where the enrollment group's primary key comes from.
        group_key: SecretSource,
    },
}

/// Symmetric-key enrollment type, selected by `type`.
#[derive(Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
#[schemars(rename = "SymmetricEnrollment")]
enum SymmetricEnrollmentRepr {
    /// `type = "individual"`: a random key per device; an individual enrollment is queued per unit.
    Individual {},
    /// `type = "group"`: the device key is derived from the group key; nothing is queued per unit.
    Group {
        /// DPS enrollment group id.
        group_id: String,
        /// Where the enrollment group's primary key comes from.
        group_key: SecretSource,
    },
}

impl From<SymmetricEnrollmentRepr> for SymmetricEnrollment {
    fn from(repr: SymmetricEnrollmentRepr) -> Self {
        match repr {
            SymmetricEnrollmentRepr::Individual {} => Self::Individual,
            SymmetricEnrollmentRepr::Group {
                group_id,
                group_key,
            } => Self::Group {
                group_id,
                group_key,
            },
        }
    }
}

/// TPM enrollment type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TpmEnrollment {
    /// One individual enrollment per TPM, carrying its EK, queued with the unit.
    Individual,
}

/// How a TPM product's registration ID is made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TpmRegistrationId {
    /// `"ek-hash"`: lower-case RFC 4648 base32, without padding, of the SHA-256 of the EK's
    /// marshalled `TPM2B_PUBLIC` (52 characters; the Azure C SDK's default). The product's
    /// `registration_id` template is not used.
    #[default]
    EkHash,
    /// `"template"`: the product's `registration_id` template, as for other products.
    Template,
}

/// The EK templates a TPM product may accept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EkTemplateName {
    /// `"tcg-rsa2048"`: the TCG EK Credential Profile's default RSA-2048 template (L-1):
    /// exact attributes, the PolicySecret(endorsement) policy, AES-128-CFB, no scheme, a
    /// 2048-bit modulus with the default exponent. The only one DPS's TPM attestation and the
    /// Azure device SDKs use.
    #[default]
    TcgRsa2048,
}

/// X.509 enrollment type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum X509Enrollment {
    /// One individual enrollment per device certificate, queued with the unit.
    Individual,
    /// One enrollment group for the signing CA (set up once in DPS); nothing queued per unit.
    Group,
}

/// A device key algorithm a product allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum X509KeyAlgorithm {
    /// ECDSA on NIST P-256 (`"ec-p256"`).
    EcP256,
    /// ECDSA on NIST P-384 (`"ec-p384"`).
    EcP384,
}

impl X509KeyAlgorithm {
    /// The name as written in TOML, e.g. `"ec-p256"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EcP256 => "ec-p256",
            Self::EcP384 => "ec-p384",
        }
    }
}

/// The signing CA of an X.509 product, selected by `backend`. Its certificate and the
/// intermediates are files; the key is an encrypted file or an object in a PKCS#11 token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "backend", rename_all = "lowercase", deny_unknown_fields)]
pub enum CaConfig {
    /// `backend = "file"`: the key is an encrypted PKCS#8 PEM file.
    File {
        /// The signing CA certificate (PEM). Relative to the config file's directory.
        certificate: PathBuf,
        /// Intermediate CA certificates (PEM) sent to devices after the signing CA, nearest
        /// first. Default: none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        intermediates: Vec<PathBuf>,
        /// The root CA certificate (PEM): the trust anchor, never sent to devices; `station ca
        /// init` writes the development root here. Default: none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        root: Option<PathBuf>,
        /// The encrypted PKCS#8 key (PEM `ENCRYPTED PRIVATE KEY`).
        key: PathBuf,
        /// Where the key's passphrase comes from; never inline. When the variable is unset,
        /// an interactive `station` prompts for it.
        passphrase: SecretSource,
    },
    /// `backend = "pkcs11"`: the key is a non-extractable object in a PKCS#11 token.
    Pkcs11 {
        /// The signing CA certificate (PEM). Relative to the config file's directory.
        certificate: PathBuf,
        /// Intermediate CA certificates (PEM) sent after the signing CA. Default: none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        intermediates: Vec<PathBuf>,
        /// The root CA certificate (PEM), never sent to devices. Default: none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        root: Option<PathBuf>,
        /// The PKCS#11 module. Default `"/usr/lib/softhsm/libsofthsm2.so"` (SoftHSM2 on
        /// Debian 12).
        #[serde(default = "default_pkcs11_module")]
        module: PathBuf,
        /// Label of the token holding the key.
        token_label: String,
        /// Label (`CKA_LABEL`) of the private key.
        key_label: String,
        /// Where the token's user PIN comes from; never inline.
        pin: SecretSource,
    },
}

impl CaConfig {
    /// `"file"` or `"pkcs11"`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::File { .. } => "file",
            Self::Pkcs11 { .. } => "pkcs11",
        }
    }

    /// The signing CA certificate file.
    pub fn certificate(&self) -> &std::path::Path {
        match self {
            Self::File { certificate, .. } | Self::Pkcs11 { certificate, .. } => certificate,
        }
    }

    /// The intermediate certificate files.
    pub fn intermediates(&self) -> &[PathBuf] {
        match self {
            Self::File { intermediates, .. } | Self::Pkcs11 { intermediates, .. } => intermediates,
        }
    }

    /// The root certificate file, if configured.
    pub fn root(&self) -> Option<&std::path::Path> {
        match self {
            Self::File { root, .. } | Self::Pkcs11 { root, .. } => root.as_deref(),
        }
    }
}

/// Where a secret comes from: `{ env = "NAME" }` or `{ file = "path" }`, never inline.
///
/// Serde representation: untagged, a table with exactly one of the keys `env` and `file`. A `file`
/// path is resolved against the config file's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum SecretSource {
    /// Read the secret from an environment variable.
    Env {
        /// Environment variable name.
        env: String,
    },
    /// Read the secret from a file.
    File {
        /// Path to the file.
        file: PathBuf,
    },
}

impl SecretSource {
    /// Where the secret comes from, e.g. `"env DEMO_GROUP_KEY"` or `"file /x/y"`; never the value.
    pub fn describe(&self) -> String {
        match self {
            Self::Env { env } => format!("env {env}"),
            Self::File { file } => format!("file {}", file.display()),
        }
    }
}

/// Start of the deserialisation error for an inline secret; `load` maps it to
/// [`crate::ParseErrorKind::InlineSecret`].
pub(crate) const INLINE_SECRET_MESSAGE: &str = "a secret must not be written inline";

/// Start of the deserialisation errors for a malformed `{ env | file }` table.
pub(crate) const SECRET_SOURCE_MESSAGE: &str = "a secret source";

/// Keys whose value is a [`SecretSource`]; used to point an inline-secret error at its line.
pub(crate) const SECRET_KEYS: &[&str] = &["group_key", "passphrase", "pin", "connection_string"];

const SECRET_SOURCE_KEYS: &[&str] = &["env", "file"];

// Hand-written so that an inline string is rejected with a message that never repeats the value.
impl<'de> Deserialize<'de> for SecretSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretSourceVisitor)
    }
}

struct SecretSourceVisitor;

impl<'de> Visitor<'de> for SecretSourceVisitor {
    type Value = SecretSource;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table `{ env = \"NAME\" }` or `{ file = \"path\" }`")
    }

    // The value is deliberately not echoed: it may be the secret itself.
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::custom(INLINE_SECRET_MESSAGE))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found: Option<SecretSource> = None;
        while let Some(key) = map.next_key::<String>()? {
            let source = match key.as_str() {
                "env" => SecretSource::Env {
                    env: map.next_value()?,
                },
                "file" => SecretSource::File {
                    file: map.next_value()?,
                },
                other => return Err(de::Error::unknown_field(other, SECRET_SOURCE_KEYS)),
            };
            if found.is_some() {
                return Err(de::Error::custom(format_args!(
                    "{SECRET_SOURCE_MESSAGE} takes exactly one of `env` or `file`"
                )));
            }
            found = Some(source);
        }
        found.ok_or_else(|| {
            de::Error::custom(format_args!(
                "{SECRET_SOURCE_MESSAGE} needs `env` or `file`"
            ))
        })
    }
}

fn default_ops_per_minute() -> u32 {
    1000
}

fn default_ops_per_bulk() -> u32 {
    10
}

fn default_export_dir() -> PathBuf {
    PathBuf::from("exports")
}

fn default_signing_key() -> PathBuf {
    PathBuf::from("keys/export-signing.key")
}

fn default_log_dir() -> PathBuf {
    PathBuf::from("var/log")
}

fn default_log_max_mb() -> u32 {
    50
}

fn default_log_keep() -> u32 {
    30
}

fn default_baud() -> u32 {
    115_200
}

fn default_command_timeout_ms() -> u64 {
    1000
}

fn default_max_attempts() -> u32 {
    3
}

fn default_empty_after_ms() -> u64 {
    1500
}

fn default_reset_timeout_ms() -> u64 {
    5000
}

fn default_validity_days() -> u32 {
    3650
}

fn default_key_algorithms() -> Vec<X509KeyAlgorithm> {
    vec![X509KeyAlgorithm::EcP256]
}

fn default_pkcs11_module() -> PathBuf {
    PathBuf::from("/usr/lib/softhsm/libsofthsm2.so")
}

fn default_webhook_api_version() -> String {
    "2021-10-01".to_owned()
}

fn default_true() -> bool {
    true
}

fn default_upload_wait_secs() -> u64 {
    120
}

fn default_settings_prefix() -> String {
    "dps".to_owned()
}

fn default_global_endpoint() -> String {
    "global.azure-devices-provisioning.net".to_owned()
}
