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
    /// Default operator id for CLI runs (a flag overrides it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Default work order for CLI runs (a flag overrides it).
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
    /// `[[fixture.slot]]`: the fixture's slots. At least one is required.
    #[serde(rename = "slot", default)]
    pub slots: Vec<SlotConfig>,
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
/// Only `symmetric-key` is supported by this station build; `x509` and `tpm` parse so that
/// profiles can be shared, but [`StationConfig::check`] rejects them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AttestationConfig {
    /// `kind = "symmetric-key"`: SAS keys, individual or derived from a group key.
    SymmetricKey {
        /// Individual or group enrollment.
        enrollment: SymmetricEnrollment,
    },
    /// `kind = "x509"`: X.509 certificates (placeholder; a later issue adds the fields).
    X509 {
        /// Individual or group enrollment.
        enrollment: X509Enrollment,
    },
    /// `kind = "tpm"`: TPM endorsement key attestation (placeholder; a later issue fills it).
    Tpm {},
}

impl AttestationConfig {
    /// The `kind` value as written in TOML, e.g. `"symmetric-key"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::SymmetricKey { .. } => "symmetric-key",
            Self::X509 { .. } => "x509",
            Self::Tpm {} => "tpm",
        }
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

/// X.509 enrollment type (placeholder until X.509 attestation lands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum X509Enrollment {
    /// One enrollment per device certificate.
    Individual,
    /// One enrollment group for a signing CA.
    Group,
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
pub(crate) const SECRET_KEYS: &[&str] = &["group_key"];

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

fn default_log_dir() -> PathBuf {
    PathBuf::from("var/log")
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

fn default_reset_timeout_ms() -> u64 {
    5000
}

fn default_settings_prefix() -> String {
    "dps".to_owned()
}

fn default_global_endpoint() -> String {
    "global.azure-devices-provisioning.net".to_owned()
}
