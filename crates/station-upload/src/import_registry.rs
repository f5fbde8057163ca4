//! Which batches were already imported, so an old genuine batch cannot be replayed into DPS
//! after its enrollments were deleted on purpose (a device retired, a batch withdrawn).
//!
//! The registry is a small text file of the operator's (by default
//! `$XDG_STATE_HOME/station/import-registry`, else `~/.local/state/station/import-registry`;
//! `station import --registry` names another): its first line names the format, each other line
//! is one completed import: the SHA-256 of the batch's signed manifest, the DPS service, when,
//! and the reason given for importing it again, tab-separated. It is only ever appended to.
//! Unlike the journal, it does not sit beside the batch, so deleting the batch's folder (or
//! copying the batch elsewhere) does not forget the import.

use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};

use station_store::private_files;

/// The first line of a registry.
pub const REGISTRY_FORMAT: &str = "station-import-registry/1";

/// One completed import of a batch into a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// When it completed (RFC 3339, as written).
    pub at: String,
    /// Why it was imported again, if it was a repeat.
    pub reason: Option<String>,
}

/// The registry file.
#[derive(Debug, Clone)]
pub struct ImportRegistry {
    path: PathBuf,
}

impl ImportRegistry {
    /// The default registry of the user running the import.
    pub fn default_path() -> PathBuf {
        let state = std::env::var_os("XDG_STATE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
            .unwrap_or_else(|| PathBuf::from("."));
        state.join("station").join("import-registry")
    }

    /// The registry at `path` (created on first record).
    pub fn at(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
        }
    }

    /// Its file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The completed imports of the batch `manifest_sha256` into `service`, oldest first.
    pub fn imports(&self, manifest_sha256: &str, service: &str) -> std::io::Result<Vec<Imported>> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut found = Vec::new();
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line?;
            if n == 0 {
                if line != REGISTRY_FORMAT {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{} is not an import registry", self.path.display()),
                    ));
                }
                continue;
            }
            let mut parts = line.split('\t');
            if let (Some(digest), Some(svc), Some(at)) = (parts.next(), parts.next(), parts.next())
                && digest == manifest_sha256
                && svc == service
            {
                found.push(Imported {
                    at: at.to_owned(),
                    reason: parts.next().map(str::to_owned),
                });
            }
        }
        Ok(found)
    }

    /// Records a completed import of `manifest_sha256` into `service` (with the reason, for a
    /// repeat), synced.
    pub fn record(
        &self,
        manifest_sha256: &str,
        service: &str,
        reason: Option<&str>,
    ) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_files::create_dir_all(dir)?;
        }
        // A new registry appears whole, with its header, and durably: a kill or a power cut
        // never leaves an empty one that every later import would refuse to read.
        let empty = std::fs::metadata(&self.path).map_or(true, |m| m.len() == 0);
        if empty {
            private_files::replace(&self.path, format!("{REGISTRY_FORMAT}\n").as_bytes())?;
        }
        let mut f = std::fs::OpenOptions::new().append(true).open(&self.path)?;
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        let mut line = format!(
            "{manifest_sha256}\t{}\t{}",
            clean(service),
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        if let Some(r) = reason {
            line.push('\t');
            line.push_str(&clean(r));
        }
        // One write of the whole line: a kill leaves the line or nothing, not half of one to
        // which the next record would be glued.
        line.push('\n');
        f.write_all(line.as_bytes())?;
        f.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_recorded_per_batch_and_service_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let reg = ImportRegistry::at(&dir.path().join("state/import-registry"));
        assert!(reg.imports("aa", "https://dps").unwrap().is_empty());
        reg.record("aa", "https://dps", None).unwrap();
        reg.record("bb", "https://dps", None).unwrap();
        reg.record("aa", "https://other", None).unwrap();
        reg.record("aa", "https://dps", Some("re-created\tafter a wipe"))
            .unwrap();
        let again = ImportRegistry::at(reg.path());
        let seen = again.imports("aa", "https://dps").unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].reason, None);
        assert_eq!(seen[1].reason.as_deref(), Some("re-created after a wipe"));
        std::fs::write(reg.path(), "something else\n").unwrap();
        assert!(reg.imports("aa", "https://dps").is_err());
    }
}
