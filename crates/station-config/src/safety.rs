//! Configuration only from safe places. The configuration decides which module the station
//! loads into itself (`pkcs11.module`), which keys it signs with and where its secrets come
//! from: whoever can write it, or a file it names that holds or unlocks a secret, can make the
//! station run their code or use their key. So before a configuration is used:
//!
//! - the configuration file, and every secret file it names that exists, must be owned by the
//!   user running the station or by root, and not writable by its group or by others (a
//!   world-writable `./station.toml` in a shared folder is refused, whoever runs the station);
//! - `pkcs11.module` must be an absolute path to a file owned by root and writable by no one
//!   else.
//!
//! A refusal names the file, what is wrong and the command that fixes it. Only on Unix.

use std::path::{Path, PathBuf};

use crate::{AttestationConfig, CaConfig, StationConfig};

/// Why a file may not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeFile {
    /// The file.
    pub path: PathBuf,
    /// What it is, e.g. "the configuration", "product x: CA key".
    pub what: String,
    /// What is wrong, e.g. "writable by every user on the PC".
    pub reason: String,
    /// The command that fixes it.
    pub fix: String,
}

/// The user this process runs as (the owner of `/proc/self`); `None` where it cannot be told.
pub fn current_uid() -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata("/proc/self").ok().map(|m| m.uid())
    }
    #[cfg(not(unix))]
    None
}

/// Checks that `path` (if it exists) is owned by the current user or root and writable by
/// neither its group nor others. With `root_only`, the owner must be root.
pub(crate) fn check_file(path: &Path, what: &str, root_only: bool) -> Result<(), UnsafeFile> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let Ok(meta) = std::fs::metadata(path) else {
            return Ok(()); // missing or unreadable: the step that reads it says so
        };
        let fail = |reason: String, fix: String| UnsafeFile {
            path: path.to_owned(),
            what: what.to_owned(),
            reason,
            fix,
        };
        let me = current_uid();
        let owner = meta.uid();
        let owner_ok = owner == 0 || (!root_only && Some(owner) == me);
        if !owner_ok {
            let who = if root_only {
                "root".to_owned()
            } else {
                "you or root".to_owned()
            };
            return Err(fail(
                format!("it belongs to user {owner}, not {who}"),
                format!(
                    "chown {} {}",
                    if root_only { "root:root" } else { "$(id -un)" },
                    path.display()
                ),
            ));
        }
        let mode = meta.mode() & 0o777;
        if mode & 0o022 != 0 {
            let by = if mode & 0o002 != 0 {
                "every user on the PC"
            } else {
                "its group"
            };
            return Err(fail(
                format!("it is writable by {by} (mode {mode:04o})"),
                format!("chmod go-w {}", path.display()),
            ));
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = (path, what, root_only);
        Ok(())
    }
}

/// Checks every file `config` names that holds or unlocks a secret, and each PKCS#11 module.
pub(crate) fn check_named_files(config: &StationConfig) -> Result<(), UnsafeFile> {
    for (what, path) in config.secret_files() {
        // The database is the station's own: it creates it private and `station check
        // --tighten` tightens it; a refusal here would stop the command that repairs it.
        if path == config.storage.database {
            continue;
        }
        check_file(&path, &what, false)?;
    }
    for p in &config.products {
        if let AttestationConfig::X509 {
            ca: CaConfig::Pkcs11 { module, .. },
            ..
        } = &p.attestation
        {
            let what = format!("product {}: PKCS#11 module", p.id);
            if !module.is_absolute() {
                return Err(UnsafeFile {
                    path: module.clone(),
                    what,
                    reason: "it is not an absolute path (it would be looked up relative to \
                             the configuration's folder)"
                        .into(),
                    fix: "give the module's absolute path, e.g. \
                          /usr/lib/softhsm/libsofthsm2.so"
                        .into(),
                });
            }
            check_file(module, &what, true)?;
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn a_file_writable_by_others_or_its_group_is_refused_and_the_fix_named() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("station.toml");
        std::fs::write(&f, "x").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        check_file(&f, "the configuration", false).unwrap();
        for (mode, by) in [(0o666, "every user"), (0o664, "its group")] {
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(mode)).unwrap();
            let e = check_file(&f, "the configuration", false).unwrap_err();
            assert!(e.reason.contains(by), "{e:?}");
            assert_eq!(e.fix, format!("chmod go-w {}", f.display()));
        }
        assert!(check_file(&dir.path().join("missing"), "x", false).is_ok());
    }
}
