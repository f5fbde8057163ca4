//! `clock.sane`: the system clock is plausible (SAS tokens and certificates depend on it).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::CheckResult;

/// 2026-01-01T00:00:00Z: no correctly set clock running this build is earlier.
const EARLIEST: Duration = Duration::from_secs(1_767_225_600);
/// 2100-01-01T00:00:00Z.
const LATEST: Duration = Duration::from_secs(4_102_444_800);

pub(super) fn check() -> CheckResult {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let shown =
        chrono::DateTime::<chrono::Utc>::from(SystemTime::now()).format("%Y-%m-%dT%H:%M:%SZ");
    if (EARLIEST..LATEST).contains(&now) {
        CheckResult::ok("clock.sane", format!("system time {shown}"))
    } else {
        CheckResult::failed(
            "clock.sane",
            format!("system time {shown} is not plausible"),
            "Set the clock (enable NTP: `timedatectl set-ntp true`); SAS tokens and certificates need it.",
        )
    }
}
