//! `[secrets]`: how the device secrets the station creates are kept (sealed at creation,
//! purged once delivered).

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `[secrets]`: the keys that seal the device secrets the station creates (an individual
/// symmetric-key enrollment's keys), the identity that opens them, and how long they are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretsSection {
    /// age public keys (`age1…`) every device secret is sealed to the moment the station
    /// creates it: the uploader's on an upload line, the device operator's (the same as
    /// `upload.export_recipients`) on an export line. The station keeps only the ciphertext
    /// and cannot read it back. Default: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// A recipients file (`age -R` format: one `age1…` per line, `#` comments) read when the
    /// station starts, added to `recipients`. Relative to the config file's directory.
    /// Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients_file: Option<PathBuf>,
    /// The identity (`AGE-SECRET-KEY-1…`, from `age-keygen`) that opens sealed secrets: the
    /// uploader's. Only the account that delivers (the uploader) can read it; the kiosk's
    /// account cannot, and needs it not. Relative to the config file's directory.
    /// Default: none (sealed secrets can then only be exported, sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_file: Option<PathBuf>,
    /// How long a sealed secret stays once delivered: `"until-delivered"` (purged when DPS
    /// confirms the enrollment or a sealed export carries it) or `"keep"` (a lab: reported by
    /// `station check --security`). Default `"until-delivered"`.
    #[serde(default)]
    pub retain: Retain,
    /// A lab that keeps device keys readable in the database: no recipients. `station check`
    /// reports it as a failed `secrets.sealed`. Default `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_plaintext: bool,
}

/// `secrets.retain`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Retain {
    /// Purge a device secret (sealed or not) once its delivery is confirmed.
    #[default]
    UntilDelivered,
    /// Keep sealed secrets after delivery (a lab; a stolen PC then holds every key, sealed).
    Keep,
}

impl SecretsSection {
    /// Whether nothing is set (the section is then left out when written).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Whether a recipient is configured (inline or by file).
    pub fn sealed(&self) -> bool {
        !self.recipients.is_empty() || self.recipients_file.is_some()
    }
}
