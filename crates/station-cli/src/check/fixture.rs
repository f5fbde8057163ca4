//! `fixture.*` and `port.*`: the fixture's ports exist, are found, and can be opened.

use station_config::StationConfig;

use super::CheckResult;
use crate::ports::resolve;
use station_transport::discovery::{PortSource, SlotPort};

pub(super) fn check(config: &StationConfig, offline: bool) -> Vec<CheckResult> {
    let mut out = Vec::new();
    if let Some(path) = &config.fixture.definition {
        match station_config::FixtureDefinition::load(path) {
            Ok(def) => {
                let missing: Vec<u16> = config
                    .fixture
                    .slots
                    .iter()
                    .filter(|s| s.port.is_none() && def.slot(s.index).is_none())
                    .map(|s| s.index)
                    .collect();
                out.push(if missing.is_empty() {
                    CheckResult::ok(
                        "fixture.definition",
                        format!("{} ({}) defines every slot", path.display(), def.name),
                    )
                } else {
                    CheckResult::failed(
                        "fixture.definition",
                        format!("{} has no [[slot]] for slot(s) {missing:?}", path.display()),
                        "Add the slots to the fixture definition, or give them a `port`.",
                    )
                });
            }
            Err(e) => {
                out.push(CheckResult::failed(
                    "fixture.definition",
                    e.to_string(),
                    "Fix the fixture definition file.",
                ));
                return out;
            }
        }
    }
    if let (Some(path), None) = (&config.fixture.ports_file, &config.fixture.definition)
        && !path.exists()
        && config.fixture.slots.iter().any(|s| s.port.is_none())
    {
        out.push(CheckResult::warning(
            "fixture.ports_file",
            format!("{} does not exist yet", path.display()),
            "Start the fixture (e.g. `virtual-fixture start --dir …`) before `station run`.",
        ));
        return out;
    }
    if offline && config.fixture.definition.is_some() {
        return out;
    }
    let resolved = match resolve(config) {
        Ok(r) => r,
        Err(e) => {
            out.push(CheckResult::failed(
                "port.present",
                format!("{e:#}"),
                "Check that udev is running.",
            ));
            return out;
        }
    };
    for (slot, r) in resolved {
        match r {
            SlotPort::NoBoard(why) | SlotPort::Unknown(why) => out.push(CheckResult::failed(
                "port.present",
                why,
                "Seat the DUT and check the fixture's cabling; `station ports` lists what the PC sees.",
            )),
            SlotPort::Found { port, source } => {
                let baud = config.slot(slot).map_or(config.fixture.baud, |s| s.baud_or(&config.fixture));
                if !std::path::Path::new(&port).exists() {
                    let fix = if source == PortSource::PortsFile {
                        "Start the fixture that writes the ports file (`virtual-fixture start`, or `station-demo`)."
                    } else {
                        "Plug the fixture in, or correct the slot's port (udev rules give stable names: docs/real-fixture.md)."
                    };
                    out.push(CheckResult::failed("port.present", format!("slot {slot}: {port} ({source}) is not present"), fix));
                } else if offline {
                    out.push(CheckResult::ok("port.present", format!("slot {slot}: {port} ({source})")));
                } else {
                    out.push(open_check(slot, &port, baud));
                }
            }
        }
    }
    out
}

/// Opens the port once, as the station would.
fn open_check(slot: u16, port: &str, baud: u32) -> CheckResult {
    match station_transport::SerialLink::open(port, baud) {
        Ok(_) => CheckResult::ok(
            "port.openable",
            format!("slot {slot}: {port} opens at {baud} baud"),
        ),
        Err(e) => {
            let io = match e {
                station_transport::LinkError::OpenPortFailed { source, .. } => source,
                other => std::io::Error::other(other.to_string()),
            };
            match io.kind() {
                std::io::ErrorKind::PermissionDenied => CheckResult::failed(
                    "port.openable",
                    format!("slot {slot}: permission denied on {port}{}", dialout_note()),
                    format!(
                        "sudo usermod -aG dialout {} and log in again (or install the udev rules: docs/real-fixture.md)",
                        std::env::var("USER").unwrap_or_else(|_| "$USER".into())
                    ),
                ),
                _ if io.raw_os_error() == Some(16) => CheckResult::warning(
                    "port.openable",
                    format!("slot {slot}: {port} is busy"),
                    "Close the other program using the port (a terminal, ModemManager).",
                ),
                _ => CheckResult::failed(
                    "port.openable",
                    format!("slot {slot}: cannot open {port}: {io}"),
                    "Reseat the fixture's USB cable; check `dmesg` for the adapter.",
                ),
            }
        }
    }
}

/// Whether the current user lacks the dialout group, as a note for the message.
fn dialout_note() -> &'static str {
    let group = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let Some(gid) = group
        .lines()
        .find(|l| l.starts_with("dialout:"))
        .and_then(|l| l.split(':').nth(2))
    else {
        return "";
    };
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let member = status
        .lines()
        .filter(|l| l.starts_with("Groups:") || l.starts_with("Gid:"))
        .flat_map(|l| l.split_whitespace().skip(1))
        .any(|g| g == gid);
    if member {
        ""
    } else {
        " (this user is not in the dialout group)"
    }
}
