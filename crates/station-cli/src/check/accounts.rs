//! `security.accounts`: the uploader's secrets (the DPS connection string, the identity that
//! opens sealed device keys) are readable by one account besides root, never by the kiosk's
//! too. Read from the files' owners and modes and the PC's `/etc/passwd` and `/etc/group`, so
//! it answers the same whichever account runs the check.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use station_config::{SecretSource, StationConfig};

use super::CheckResult;

const ID: &str = "security.accounts";

/// The files only the uploader's account may read.
fn uploader_secrets(config: &StationConfig) -> Vec<(&'static str, PathBuf)> {
    let mut files = Vec::new();
    if let Some(SecretSource::File { file }) = config
        .upload
        .as_ref()
        .and_then(|u| u.connection_string.as_ref())
    {
        files.push(("the DPS connection string", file.clone()));
    }
    if let Some(identity) = &config.secrets.identity_file {
        files.push(("the secrets identity", identity.clone()));
    }
    files
}

/// The accounts of the PC: `(name, uid, primary gid)`, and each group's `(gid, members)`.
struct Accounts {
    users: Vec<(String, u32, u32)>,
    groups: Vec<(u32, Vec<String>)>,
}

impl Accounts {
    fn read() -> Self {
        let table = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let users = table("/etc/passwd")
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                Some((
                    f.first()?.to_string(),
                    f.get(2)?.parse().ok()?,
                    f.get(3)?.parse().ok()?,
                ))
            })
            .collect();
        let groups = table("/etc/group")
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                let members = f
                    .get(3)
                    .map(|m| {
                        m.split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                Some((f.get(2)?.parse().ok()?, members))
            })
            .collect();
        Self { users, groups }
    }

    /// The accounts other than root that can read a file of this owner, group and mode;
    /// `None` when every account can.
    fn readers(&self, uid: u32, gid: u32, mode: u32) -> Option<BTreeSet<String>> {
        if mode & 0o004 != 0 {
            return None;
        }
        let mut out = BTreeSet::new();
        for (name, u, primary) in &self.users {
            if *u == 0 {
                continue;
            }
            let in_group = *primary == gid
                || self
                    .groups
                    .iter()
                    .any(|(g, members)| *g == gid && members.contains(name));
            if (*u == uid && mode & 0o400 != 0) || (*u != uid && in_group && mode & 0o040 != 0) {
                out.insert(name.clone());
            }
        }
        Some(out)
    }
}

#[cfg(unix)]
fn readers_of(accounts: &Accounts, path: &Path) -> Option<Result<BTreeSet<String>, ()>> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::metadata(path).ok()?;
    Some(
        accounts
            .readers(meta.uid(), meta.gid(), meta.mode() & 0o777)
            .ok_or(()),
    )
}

#[cfg(not(unix))]
fn readers_of(_: &Accounts, _: &Path) -> Option<Result<BTreeSet<String>, ()>> {
    None
}

pub(super) fn check(config: &StationConfig) -> CheckResult {
    let accounts = Accounts::read();
    let mut found = Vec::new();
    let mut all = BTreeSet::new();
    for (what, path) in uploader_secrets(config) {
        match readers_of(&accounts, &path) {
            None => {}
            Some(Err(())) => {
                return CheckResult::failed(
                    ID,
                    format!("{what} {} is readable by every account", path.display()),
                    format!(
                        "chown root:station-upload {0} && chmod 0640 {0} (docs/install.md)",
                        path.display()
                    ),
                );
            }
            Some(Ok(readers)) if readers.len() > 1 => {
                return CheckResult::failed(
                    ID,
                    format!(
                        "{what} {} is readable by {} accounts ({}): the kiosk's must not read it",
                        path.display(),
                        readers.len(),
                        readers.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                    format!(
                        "chown root:station-upload {0} && chmod 0640 {0}, and run the uploader \
                         as station-upload (docs/install.md)",
                        path.display()
                    ),
                );
            }
            Some(Ok(readers)) => {
                all.extend(readers);
                found.push(what);
            }
        }
    }
    if found.is_empty() {
        return CheckResult::ok(
            ID,
            "no uploader secret (connection string, identity) on this PC",
        );
    }
    CheckResult::ok(
        ID,
        format!(
            "{} readable by {} besides root",
            found.join(" and "),
            if all.is_empty() {
                "no account".to_owned()
            } else {
                all.into_iter().collect::<Vec<_>>().join(", ")
            }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Accounts {
        Accounts {
            users: vec![
                ("root".into(), 0, 0),
                ("station".into(), 990, 990),
                ("station-upload".into(), 991, 991),
                ("tech".into(), 1000, 1000),
            ],
            // 990 station (station-upload is a member), 991 station-upload.
            groups: vec![(990, vec!["station-upload".into()]), (991, vec![])],
        }
    }

    fn names(set: Option<BTreeSet<String>>) -> Vec<String> {
        set.expect("not every account").into_iter().collect()
    }

    #[test]
    fn readers_follow_owner_group_and_mode() {
        let a = accounts();
        // root:station-upload 0640: the uploader alone.
        assert_eq!(names(a.readers(0, 991, 0o640)), ["station-upload"]);
        // root:station 0640: the kiosk and the uploader, the mistake the check names.
        assert_eq!(
            names(a.readers(0, 990, 0o640)),
            ["station", "station-upload"]
        );
        // station-upload's own 0600.
        assert_eq!(names(a.readers(991, 991, 0o600)), ["station-upload"]);
        // 0644: everyone.
        assert!(a.readers(0, 991, 0o644).is_none());
        // Owner without read: nobody but root.
        assert!(names(a.readers(991, 991, 0o200)).is_empty());
    }
}
