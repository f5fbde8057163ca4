//! Slot matching against recorded port listings (see tests/recordings/README.md: no USB device
//! can be presented on these machines), and the live serialport and libusb code paths.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use station_config::{FixtureDefinition, SlotSelector};
use station_transport::discovery::{
    Observation, PortEvent, PortWatcher, SlotMatch, match_slots, observe,
};

fn recording(name: &str) -> Observation {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/recordings")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn fixture_def(name: &str) -> Vec<(u16, SlotSelector)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name);
    FixtureDefinition::load(&path)
        .unwrap()
        .slots
        .into_iter()
        .map(|s| (s.index, s.select))
        .collect()
}

fn nothing_exists(_: &Path) -> bool {
    false
}

fn found(slot: u16, port: &str) -> SlotMatch {
    SlotMatch::Found {
        slot,
        port: port.into(),
    }
}

#[test]
fn a_hub_fixture_maps_every_slot_by_port_path() {
    let matches = match_slots(
        &fixture_def("line1-4up.toml"),
        &recording("recorded-hub-4up.json"),
        nothing_exists,
    );
    assert_eq!(
        matches,
        vec![
            found(1, "/dev/ttyACM0"),
            found(2, "/dev/ttyACM1"),
            found(3, "/dev/ttyACM2"),
            found(4, "/dev/ttyACM3")
        ]
    );
}

#[test]
fn an_empty_slot_is_missing_and_the_others_keep_their_ports() {
    // Slot 3 is empty: /dev/ttyACM2 now belongs to slot 4. Names moved; slots did not.
    let slots = fixture_def("line1-4up.toml");
    let matches = match_slots(
        &slots,
        &recording("recorded-hub-4up-slot3-empty.json"),
        nothing_exists,
    );
    assert_eq!(
        matches,
        vec![
            found(1, "/dev/ttyACM0"),
            found(2, "/dev/ttyACM1"),
            SlotMatch::Missing { slot: 3 },
            found(4, "/dev/ttyACM2")
        ]
    );
    let problem = matches[2].problem(&slots[2].1).unwrap();
    assert!(
        problem.contains("slot 3") && problem.contains("usb:1-2.3"),
        "{problem}"
    );
}

#[test]
fn a_two_port_cdc_device_is_told_apart_by_interface() {
    let obs = recording("recorded-dual-cdc.json");
    assert_eq!(
        match_slots(&fixture_def("bench-dual.toml"), &obs, nothing_exists),
        vec![found(1, "/dev/ttyUSB0"), found(2, "/dev/ttyACM1")]
    );
    // Without `if=`, both ports answer: ambiguous, with advice.
    let loose: SlotSelector = "usb:1-2.2".parse().unwrap();
    let m = match_slots(&[(2, loose.clone())], &obs, nothing_exists);
    assert_eq!(
        m,
        vec![SlotMatch::Ambiguous {
            slot: 2,
            ports: vec!["/dev/ttyACM0".into(), "/dev/ttyACM1".into()]
        }]
    );
    assert!(m[0].problem(&loose).unwrap().contains("if=N"));
}

#[test]
fn two_duts_in_one_slot_are_reported_not_guessed() {
    let m = match_slots(
        &fixture_def("line1-4up.toml")[..2],
        &recording("recorded-two-duts-one-slot.json"),
        nothing_exists,
    );
    assert_eq!(m[0], found(1, "/dev/ttyACM0"));
    assert_eq!(
        m[1],
        SlotMatch::Ambiguous {
            slot: 2,
            ports: vec!["/dev/ttyACM1".into(), "/dev/ttyACM2".into()]
        }
    );
}

#[test]
fn vid_pid_and_serial_narrow_the_match() {
    let obs = recording("recorded-dual-cdc.json");
    let wrong_model: SlotSelector = "usb:1-2.1,vid=2fe3".parse().unwrap();
    let right_serial: SlotSelector = "usb:1-2.2,serial=0F2C9A11,if=0".parse().unwrap();
    let wrong_serial: SlotSelector = "usb:1-2.2,serial=FFFF,if=0".parse().unwrap();
    assert_eq!(
        match_slots(
            &[(1, wrong_model), (2, right_serial), (3, wrong_serial)],
            &obs,
            nothing_exists
        ),
        vec![
            SlotMatch::Missing { slot: 1 },
            found(2, "/dev/ttyACM0"),
            SlotMatch::Missing { slot: 3 }
        ]
    );
}

#[test]
fn path_selectors_match_listed_or_existing_nodes() {
    let obs = recording("recorded-hub-4up.json");
    let listed: SlotSelector = "path:/dev/ttyS0".parse().unwrap();
    let symlink: SlotSelector = "path:/dev/serial/by-path/pci-0000:00:14.0-usb-0:2.1:1.0"
        .parse()
        .unwrap();
    let absent: SlotSelector = "path:/dev/ttyS9".parse().unwrap();
    let exists = |p: &Path| p == Path::new("/dev/serial/by-path/pci-0000:00:14.0-usb-0:2.1:1.0");
    let m = match_slots(&[(1, listed), (2, symlink), (3, absent)], &obs, exists);
    assert_eq!(m[0], found(1, "/dev/ttyS0"));
    assert_eq!(
        m[1],
        found(2, "/dev/serial/by-path/pci-0000:00:14.0-usb-0:2.1:1.0")
    );
    assert_eq!(m[2], SlotMatch::Missing { slot: 3 });
}

#[test]
fn recordings_round_trip_through_the_ports_json_format() {
    for name in [
        "recorded-hub-4up.json",
        "recorded-dual-cdc.json",
        "recorded-two-duts-one-slot.json",
    ] {
        let obs = recording(name);
        let again: Observation =
            serde_json::from_str(&serde_json::to_string(&obs).unwrap()).unwrap();
        assert_eq!(obs, again, "{name}");
    }
}

#[test]
fn the_watcher_reports_arrivals_and_removals() {
    let mut script = vec![
        recording("recorded-hub-4up.json"),
        recording("recorded-hub-4up-slot3-empty.json"),
        recording("recorded-hub-4up-slot3-empty.json"),
    ]
    .into_iter();
    let mut watcher = PortWatcher::new(
        move || Ok(script.next().unwrap_or_default()),
        Duration::from_millis(1),
    );
    let first = watcher.poll().unwrap();
    assert_eq!(
        first
            .iter()
            .filter(|e| matches!(e, PortEvent::Arrived(_)))
            .count(),
        5
    );
    // Slot 3's DUT is pulled: the kernel renumbers, so ttyACM3 goes away and ttyACM2 now is
    // slot 4's (matching by port path, not by name, is what keeps slots straight).
    let second = watcher.poll().unwrap();
    assert_eq!(
        second,
        vec![PortEvent::Removed {
            path: "/dev/ttyACM3".into()
        }]
    );
    assert!(watcher.next_events().unwrap().is_empty());
    // Everything unplugged.
    let last = watcher.poll().unwrap();
    assert_eq!(last.len(), 4);
    assert!(last.iter().all(|e| matches!(e, PortEvent::Removed { .. })));
}

/// The real serialport (udev) and libusb paths run here. These machines have no USB, so they
/// find no USB ports — and must say so without an error.
#[test]
fn live_enumeration_runs_without_error() {
    let obs = observe().expect("serialport and libusb enumeration run");
    if !Path::new("/sys/bus/usb").exists() {
        assert!(obs.usb_devices.is_empty());
        assert!(obs.ports.iter().all(|p| p.usb.is_none()), "{obs:?}");
    }
    let mut watcher = PortWatcher::new(observe, Duration::from_millis(10));
    let _hotplug = watcher.enable_libusb_hotplug();
    watcher.poll().expect("first poll");
    assert!(
        watcher.next_events().expect("second poll").is_empty(),
        "nothing plugged in meanwhile"
    );
}
