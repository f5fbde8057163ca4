//! Live enumeration: serialport (udev) for serial ports, rusb (libusb) for the USB tree.

use serialport::SerialPortType;
use station_config::UsbPortPath;

use super::{DiscoveryError, Observation, SerialPortEntry, UsbDeviceEntry, UsbPortDetails};

/// Enumerates serial ports and USB devices now.
///
/// On a machine without USB (or without libusb access) the USB list is empty rather than an
/// error: a fixture of fixed UARTs still works. A serial-port listing failure is an error.
pub fn observe() -> Result<Observation, DiscoveryError> {
    let ports = serialport::available_ports()
        .map_err(DiscoveryError::SerialList)?
        .into_iter()
        .map(|p| SerialPortEntry {
            usb: match p.port_type {
                SerialPortType::UsbPort(info) => Some(UsbPortDetails {
                    vid: info.vid,
                    pid: info.pid,
                    serial: info.serial_number,
                    manufacturer: info.manufacturer,
                    product: info.product,
                    interface: info.interface,
                    port_path: info.location.and_then(|l| {
                        Some(UsbPortPath {
                            bus: l.bus_id().parse().ok()?,
                            ports: l.port_chain().to_vec(),
                        })
                    }),
                }),
                _ => None,
            },
            path: p.port_name,
        })
        .collect();
    let usb_devices = match usb_devices() {
        Ok(d) => d,
        Err(e @ DiscoveryError::UsbList(rusb::Error::Access)) => return Err(e),
        Err(e) => {
            tracing::debug!(error = %e, "no USB device list (no USB on this machine?)");
            Vec::new()
        }
    };
    Ok(Observation { ports, usb_devices })
}

fn usb_devices() -> Result<Vec<UsbDeviceEntry>, DiscoveryError> {
    use rusb::UsbContext as _;
    // A context of our own, not rusb's global one, which panics where libusb cannot start
    // (a kernel without USB, no /dev/bus/usb).
    let context = rusb::Context::new().map_err(DiscoveryError::UsbList)?;
    let devices = context.devices().map_err(DiscoveryError::UsbList)?;
    Ok(devices
        .iter()
        .filter_map(|d| {
            let desc = d.device_descriptor().ok()?;
            let ports = d.port_numbers().ok()?;
            // Root hubs have no port chain; they are not where a DUT plugs in.
            (!ports.is_empty()).then(|| UsbDeviceEntry {
                port_path: UsbPortPath {
                    bus: d.bus_number(),
                    ports,
                },
                vid: desc.vendor_id(),
                pid: desc.product_id(),
                class: desc.class_code(),
            })
        })
        .collect())
}
