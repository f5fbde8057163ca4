//! Finding fixture slots on the PC: which serial port is in which slot.
//!
//! [`observe`] enumerates serial ports with their USB information (serialport, through udev)
//! and the USB device tree (rusb, libusb); [`match_slots`] assigns ports to slots by their
//! [`SlotSelector`](station_config::SlotSelector)s, a pure function tested on recordings; [`PortWatcher`] notices DUTs
//! arriving and leaving (libusb hotplug where available, polling always).

mod matching;
mod slots;
mod system;
mod watch;

use serde::{Deserialize, Serialize};
use station_config::UsbPortPath;

pub use matching::{SlotMatch, match_slots};
pub use slots::{PortSource, ResolveError, SlotPort, resolve_slot_ports};
pub use system::observe;
pub use watch::{PortEvent, PortWatcher};

/// Everything discovery saw at one moment; also the format of the recordings tests use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// Serial ports, with their USB details when they are USB devices.
    pub ports: Vec<SerialPortEntry>,
    /// USB devices (hubs included) from libusb.
    pub usb_devices: Vec<UsbDeviceEntry>,
}

/// One serial port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialPortEntry {
    /// Device node, e.g. `/dev/ttyACM0`.
    pub path: String,
    /// USB details, for a USB serial port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usb: Option<UsbPortDetails>,
}

/// USB details of a serial port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsbPortDetails {
    /// Vendor id.
    pub vid: u16,
    /// Product id.
    pub pid: u16,
    /// USB serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Manufacturer string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// Product string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Interface number of this port on a composite device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<u8>,
    /// Where the device is plugged in, e.g. `1-2.3`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_port_path"
    )]
    pub port_path: Option<UsbPortPath>,
}

/// One USB device from libusb.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsbDeviceEntry {
    /// Where it is plugged in.
    #[serde(with = "port_path")]
    pub port_path: UsbPortPath,
    /// Vendor id.
    pub vid: u16,
    /// Product id.
    pub pid: u16,
    /// USB class (9 = hub).
    pub class: u8,
}

/// Discovery failed outright (a missing library or permission), as opposed to finding nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// serialport could not list ports.
    #[error("could not list serial ports")]
    SerialList(#[source] serialport::Error),
    /// libusb could not list devices.
    #[error("could not list USB devices")]
    UsbList(#[source] rusb::Error),
}

mod port_path {
    use serde::{Deserialize, Deserializer, Serializer};
    use station_config::UsbPortPath;

    pub(super) fn serialize<S: Serializer>(p: &UsbPortPath, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(p)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<UsbPortPath, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

mod opt_port_path {
    use serde::{Deserialize, Deserializer, Serializer};
    use station_config::UsbPortPath;

    pub(super) fn serialize<S: Serializer>(
        p: &Option<UsbPortPath>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match p {
            Some(p) => s.collect_str(p),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<UsbPortPath>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| s.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}
