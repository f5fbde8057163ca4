//! The diagnostic log: one JSON line per registration attempt, in `registrations.jsonl` in the
//! state directory — the monitoring a DPS operator reads (time, registration ID, protocol,
//! attestation, outcome, error).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

/// The log file's name in the state directory.
pub const DIAGNOSTIC_LOG: &str = "registrations.jsonl";

/// One attempt.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Attempt<'a> {
    pub(crate) time: String,
    pub(crate) registration_id: &'a str,
    /// `https` or `mqtt`.
    pub(crate) protocol: &'a str,
    /// `symmetricKey`, `x509`, `tpm` or `none`.
    pub(crate) attestation: &'a str,
    /// `assigned`, `disabled`, `failed` (no hub: allocation failed), `refused`, `throttled`,
    /// `challenged` (TPM), or `allocating` (a custom allocation's webhook was called; a second
    /// line gives its outcome).
    pub(crate) outcome: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) assigned_hub: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) device_id: Option<&'a str>,
}

pub(crate) struct DiagLog {
    path: PathBuf,
    file: Mutex<Option<std::fs::File>>,
}

impl DiagLog {
    pub(crate) fn open(dir: &Path) -> DiagLog {
        let path = dir.join(DIAGNOSTIC_LOG);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| tracing::warn!(path = %path.display(), error = %e, "no diagnostic log"))
            .ok();
        DiagLog {
            path,
            file: Mutex::new(file),
        }
    }

    pub(crate) fn write(&self, attempt: &Attempt<'_>) {
        let Ok(mut line) = serde_json::to_string(attempt) else {
            return;
        };
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = file.as_mut()
            && let Err(e) = f.write_all(line.as_bytes())
        {
            tracing::warn!(path = %self.path.display(), error = %e, "diagnostic log write failed");
        }
    }
}
