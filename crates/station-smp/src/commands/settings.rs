//! Settings management group (3): read/write, delete, commit, load/save.
//!
//! Spec: Zephyr `doc/services/device_mgmt/smp_groups/smp_group_3.rst`. Values are CBOR byte
//! strings.

use serde::{Deserialize, Serialize};

use super::{Empty, group, smp_command};

/// Settings group return codes (SMP v2 `err.rc` with `err.group == 3`).
pub mod rc {
    /// Unknown error.
    pub const UNKNOWN: i64 = 1;
    /// The key name is too long.
    pub const KEY_TOO_LONG: i64 = 2;
    /// The key does not exist.
    pub const KEY_NOT_FOUND: i64 = 3;
    /// The key cannot be read.
    pub const READ_NOT_SUPPORTED: i64 = 4;
    /// The root key does not exist.
    pub const ROOT_KEY_NOT_FOUND: i64 = 5;
    /// The key cannot be written.
    pub const WRITE_NOT_SUPPORTED: i64 = 6;
    /// The key cannot be deleted.
    pub const DELETE_NOT_SUPPORTED: i64 = 7;
}

/// Read a setting (id 0, read).
#[derive(Debug, Clone, Serialize)]
pub struct ReadSetting {
    /// Key, e.g. `dps/endpoint`.
    pub name: String,
    /// Largest value the client accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u32>,
    /// Whether the value is secret (never serialised; keeps it out of logs).
    #[serde(skip)]
    pub secret: bool,
}

/// Read-setting response.
#[derive(Debug, Clone, Deserialize)]
pub struct ReadSettingResponse {
    /// The stored bytes.
    #[serde(with = "serde_bytes")]
    pub val: Vec<u8>,
}
smp_command!(ReadSetting => ReadSettingResponse, Read, group::SETTINGS, 0, "settings.read",
    secret = |r: &ReadSetting| r.secret);

/// Write a setting (id 0, write).
#[derive(Clone, Serialize)]
pub struct WriteSetting {
    /// Key.
    pub name: String,
    /// Bytes to store.
    #[serde(with = "serde_bytes")]
    pub val: Vec<u8>,
    /// Whether the value is secret (never serialised; keeps it out of logs).
    #[serde(skip)]
    pub secret: bool,
}

impl std::fmt::Debug for WriteSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let val: &dyn std::fmt::Debug = if self.secret {
            &"<redacted>"
        } else {
            &self.val
        };
        f.debug_struct("WriteSetting")
            .field("name", &self.name)
            .field("val", val)
            .finish()
    }
}
smp_command!(WriteSetting => Empty, Write, group::SETTINGS, 0, "settings.write",
    secret = |w: &WriteSetting| w.secret);

/// Delete a setting (id 1, write).
#[derive(Debug, Clone, Serialize)]
pub struct DeleteSetting {
    /// Key.
    pub name: String,
}
smp_command!(DeleteSetting => Empty, Write, group::SETTINGS, 1, "settings.delete");

/// Commit pending settings (id 2, write).
#[derive(Debug, Clone, Default, Serialize)]
pub struct CommitSettings {}
smp_command!(CommitSettings => Empty, Write, group::SETTINGS, 2, "settings.commit");

/// Load settings from persistent storage (id 3, read).
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadSettings {}
smp_command!(LoadSettings => Empty, Read, group::SETTINGS, 3, "settings.load");

/// Save settings to persistent storage (id 3, write).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SaveSettings {}
smp_command!(SaveSettings => Empty, Write, group::SETTINGS, 3, "settings.save");
