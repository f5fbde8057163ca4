//! The slot→port map that the virtual fixture writes and the station reads at run time.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::error::{CheckProblem, ConfigError};
use crate::load::{invalid, parse_toml, read};

/// The slot→port map the virtual fixture writes (TOML), referenced by `fixture.ports_file`.
///
/// ```toml
/// fixture = "virtual"
///
/// [[slot]]
/// index = 1
/// port = "/dev/pts/7"
/// baud = 115200
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PortsFile {
    /// Name of the fixture that wrote the file.
    pub fixture: String,
    /// `[[slot]]`: one entry per slot; indexes are unique.
    #[serde(rename = "slot", default)]
    pub slots: Vec<PortEntry>,
}

/// `[[slot]]` in a [`PortsFile`]: where one slot's DUT is attached.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PortEntry {
    /// 1-based slot index, matching `[[fixture.slot]] index`.
    pub index: u16,
    /// Serial device path, e.g. `"/dev/pts/7"`.
    pub port: String,
    /// Baud rate the DUT listens at.
    pub baud: u32,
}

impl PortsFile {
    /// Reads and parses a ports file.
    ///
    /// # Errors
    ///
    /// As for [`crate::load`]; duplicate slot indexes are [`ConfigError::Invalid`].
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = read(path)?;
        let (ports, doc) = parse_toml::<Self>(&text, path)?;
        let mut seen = HashMap::new();
        let problems: Vec<CheckProblem> = ports
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, entry)| {
                seen.insert(entry.index, i).map(|first| {
                    CheckProblem::new(
                        format!("slot[{i}].index"),
                        format!(
                            "slot index {} is already used by slot[{first}]",
                            entry.index
                        ),
                    )
                })
            })
            .collect();
        if problems.is_empty() {
            Ok(ports)
        } else {
            Err(invalid(path, &doc, problems))
        }
    }

    /// Writes the file atomically: a temporary file in the same directory is written, synced
    /// and renamed over `path`. Creates the parent directory if needed.
    ///
    /// # Errors
    ///
    /// Any I/O error; `path` is then unchanged.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let body = toml::to_string(self).map_err(io::Error::other)?;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path.file_name().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "ports file path has no file name",
            )
        })?;
        fs::create_dir_all(dir)?;
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(
            ".{}.{}-{unique}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let written = (|| {
            // A fresh name, created exclusively: never through a link planted at it.
            let mut file = fs::File::options()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            file.write_all(b"# Slot -> port map written by the fixture; edits are overwritten.\n")?;
            file.write_all(body.as_bytes())?;
            file.sync_all()?;
            fs::rename(&tmp, path)
        })();
        if written.is_err() {
            // Best effort: the temporary file is useless once the write failed.
            let _ = fs::remove_file(&tmp);
        }
        written
    }

    /// The entry for the 1-based slot `index`, if present.
    pub fn port(&self, index: u16) -> Option<&PortEntry> {
        self.slots.iter().find(|e| e.index == index)
    }
}
