//! `files.private`: every file that holds a secret (the database, keys, passphrases, PINs,
//! the export folder) is readable by its owner only (or the `station` group), never by every
//! user on the PC. With `--tighten` the check fixes what it finds.

use std::path::PathBuf;

use station_config::StationConfig;
use station_store::Store;
use station_store::private_files::{self, Sharing};

use super::CheckResult;

const ID: &str = "files.private";

pub(super) fn check(config: &StationConfig, tighten: bool) -> Vec<CheckResult> {
    let mut files: Vec<(String, PathBuf, Sharing)> = Vec::new();
    for (what, path) in config.secret_files() {
        if path == config.storage.database {
            for (i, f) in Store::files(&path).into_iter().enumerate() {
                let what = ["station database", "database WAL", "database shared memory"][i];
                files.push((what.to_owned(), f, Sharing::Database));
            }
        } else {
            files.push((what, path, Sharing::Private));
        }
    }
    let mut results = Vec::new();
    let mut private = 0usize;
    for (what, path, sharing) in &files {
        match private_files::exposure_as(path, *sharing) {
            Ok(None) => private += usize::from(path.exists()),
            Ok(Some(e)) if tighten => match private_files::tighten_as(path, *sharing) {
                Ok(_) => results.push(CheckResult::ok(
                    ID,
                    format!("{what} {}: was {}, tightened", path.display(), e.describe()),
                )),
                Err(err) => results.push(CheckResult::failed(
                    ID,
                    format!(
                        "{what} {}: {}; could not tighten: {err}",
                        path.display(),
                        e.describe()
                    ),
                    format!(
                        "Run as the file's owner: chmod {:04o} {}",
                        e.wanted,
                        path.display()
                    ),
                )),
            },
            Ok(Some(e)) => results.push(CheckResult::failed(
                ID,
                format!("{what} {}: {}", path.display(), e.describe()),
                format!(
                    "chmod {:04o} {} (or run `station check --tighten`)",
                    e.wanted,
                    path.display()
                ),
            )),
            Err(err) => results.push(CheckResult::warning(
                ID,
                format!(
                    "{what} {}: cannot read its permissions: {err}",
                    path.display()
                ),
                "Check that the station account may read the file's folder.",
            )),
        }
    }
    if results.is_empty() {
        results.push(CheckResult::ok(
            ID,
            format!("{private} file(s) holding secrets are private to the station's account"),
        ));
    }
    results
}
