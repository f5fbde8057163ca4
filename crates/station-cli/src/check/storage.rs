//! `storage.database`: the database's directory can be written.

use std::path::PathBuf;

use station_config::StationConfig;

use super::CheckResult;

pub(super) fn check(config: &StationConfig) -> CheckResult {
    let db = &config.storage.database;
    let dir = db.parent().map(PathBuf::from).unwrap_or_default();
    // Probe the nearest existing ancestor: the station creates missing directories.
    let mut probe = dir.clone();
    while !probe.as_os_str().is_empty() && !probe.exists() {
        probe = probe.parent().map(PathBuf::from).unwrap_or_default();
    }
    let test_file = probe.join(format!(".station-check-{}", std::process::id()));
    let writable = std::fs::write(&test_file, b"").is_ok();
    let _ = std::fs::remove_file(&test_file);
    if writable {
        CheckResult::ok("storage.database", format!("{} is writable", db.display()))
    } else {
        CheckResult::failed(
            "storage.database",
            format!("cannot write in {}", probe.display()),
            format!(
                "Give the station user write access to {} (and keep it on a local disk).",
                dir.display()
            ),
        )
    }
}
