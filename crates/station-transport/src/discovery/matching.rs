//! Assigning serial ports to fixture slots by selector.

use std::path::Path;

use station_config::{SlotSelector, UsbSelector};

use super::{Observation, SerialPortEntry};

/// What a slot's selector found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotMatch {
    /// Exactly one port: the slot's DUT.
    Found {
        /// The slot.
        slot: u16,
        /// Its port.
        port: String,
    },
    /// Nothing in the slot.
    Missing {
        /// The slot.
        slot: u16,
    },
    /// More than one port answers the selector: two DUTs in one slot (through a hub), or a
    /// composite device whose interface the selector does not name.
    Ambiguous {
        /// The slot.
        slot: u16,
        /// Every port that matched.
        ports: Vec<String>,
    },
}

impl SlotMatch {
    /// The slot this is about.
    pub fn slot(&self) -> u16 {
        match self {
            SlotMatch::Found { slot, .. }
            | SlotMatch::Missing { slot }
            | SlotMatch::Ambiguous { slot, .. } => *slot,
        }
    }

    /// A one-line explanation for the technician, with what to do, for anything but `Found`.
    pub fn problem(&self, selector: &SlotSelector) -> Option<String> {
        match self {
            SlotMatch::Found { .. } => None,
            SlotMatch::Missing { slot } => Some(format!(
                "slot {slot}: no DUT found at {selector}; seat the DUT and check its USB cable"
            )),
            SlotMatch::Ambiguous { slot, ports } => Some(format!(
                "slot {slot}: {} ports match {selector} ({}); remove the extra device, or narrow the selector with if=N",
                ports.len(),
                ports.join(", ")
            )),
        }
    }
}

/// Matches every `(slot, selector)` against what was observed.
///
/// A USB selector matches the ports of the device plugged in at its port path *or below it*:
/// a hub in a slot with two DUTs behind it is reported as [`SlotMatch::Ambiguous`], never as
/// one of the two. `vid`, `pid`, `serial` and `if` narrow the match. A path selector matches an
/// observed port with that path, or any path `exists` confirms (fixed UARTs, udev symlinks).
pub fn match_slots(
    slots: &[(u16, SlotSelector)],
    observed: &Observation,
    exists: impl Fn(&Path) -> bool,
) -> Vec<SlotMatch> {
    slots
        .iter()
        .map(|(slot, selector)| {
            let mut ports: Vec<String> = match selector {
                SlotSelector::Path(path) => {
                    let listed = observed.ports.iter().any(|p| Path::new(&p.path) == path);
                    if listed || exists(path) {
                        vec![path.display().to_string()]
                    } else {
                        Vec::new()
                    }
                }
                SlotSelector::Usb(usb) => observed
                    .ports
                    .iter()
                    .filter(|p| usb_matches(usb, p))
                    .map(|p| p.path.clone())
                    .collect(),
            };
            ports.sort();
            match ports.len() {
                0 => SlotMatch::Missing { slot: *slot },
                1 => SlotMatch::Found {
                    slot: *slot,
                    port: ports.remove(0),
                },
                _ => SlotMatch::Ambiguous { slot: *slot, ports },
            }
        })
        .collect()
}

fn usb_matches(sel: &UsbSelector, port: &SerialPortEntry) -> bool {
    let Some(usb) = &port.usb else { return false };
    let Some(path) = &usb.port_path else {
        return false;
    };
    path.bus == sel.port.bus
        && path.ports.starts_with(&sel.port.ports)
        && sel.vid.is_none_or(|v| v == usb.vid)
        && sel.pid.is_none_or(|p| p == usb.pid)
        && sel
            .serial
            .as_ref()
            .is_none_or(|s| usb.serial.as_ref() == Some(s))
        && sel.interface.is_none_or(|i| usb.interface == Some(i))
}
