//! The hubs DPS assigns devices to (DPS-NOTES §2.9): each linked hub's device registry, filled
//! by DPS's assignments (`registry`), and its device-facing MQTT (`session`) on the same
//! listener as DPS's MQTT, told apart by the CONNECT username (`{hub}/{deviceId}/?api-version=…`
//! against DPS's `{idScope}/registrations/…`). A device proves itself with the credential DPS
//! assigned it: a SAS for `{hub}/devices/{deviceId}` signed with its symmetric key or with the
//! hub key DPS delivered to its TPM, or its X.509 client certificate. It reads its twin,
//! reports properties, receives desired-property updates and sends telemetry. The service
//! side (`Server::hub_set_desired`, `hub_set_enabled`, `hub_messages`) sets desired properties,
//! enables or disables a device and reads telemetry.

pub(crate) mod registry;
pub(crate) mod session;

use serde_json::Value;
use sha2::Digest as _;
use tokio::sync::broadcast;

pub use registry::{HubDevice, HubMessage};

use crate::store::Db;
use registry::Side;

/// A hub device's MQTT username: `{hubHostName}/{deviceId}/?api-version=…[&DeviceClientType=…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HubUsername {
    pub(crate) hub: String,
    pub(crate) device_id: String,
}

impl HubUsername {
    /// The hub and device, if `username` is a hub device's (not a module's, not DPS's).
    pub(crate) fn parse(username: &str) -> Option<HubUsername> {
        let (path, _query) = username.split_once("/?")?;
        let (hub, device_id) = path.split_once('/')?;
        (hub.contains('.') && !device_id.is_empty() && !device_id.contains('/')).then(|| {
            HubUsername {
                hub: hub.to_owned(),
                device_id: device_id.to_owned(),
            }
        })
    }
}

/// What the service side changed for a device that may be connected.
#[derive(Debug, Clone)]
pub(crate) enum HubEvent {
    /// New desired properties: the patch and the new version.
    Desired {
        hub: String,
        device_id: String,
        version: i64,
        patch: Value,
    },
    /// The device was disabled: its connection ends.
    Disabled { hub: String, device_id: String },
}

impl HubEvent {
    pub(crate) fn is_for(&self, hub: &str, device: &str) -> bool {
        let (h, d) = match self {
            HubEvent::Desired { hub, device_id, .. } | HubEvent::Disabled { hub, device_id } => {
                (hub, device_id)
            }
        };
        h.eq_ignore_ascii_case(hub) && d == device
    }
}

/// The hubs' service side.
pub(crate) struct Hub {
    events: broadcast::Sender<HubEvent>,
}

impl Hub {
    pub(crate) fn new() -> Hub {
        Hub {
            events: broadcast::channel(256).0,
        }
    }

    /// For a connected device's session: the service side's changes.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.events.subscribe()
    }

    /// Patches a device's desired properties and pushes the patch to it if it is connected;
    /// the new version, `None` if the hub has no such device.
    pub(crate) fn set_desired(
        &self,
        db: &Db,
        hub: &str,
        device_id: &str,
        patch: &Value,
    ) -> rusqlite::Result<Option<i64>> {
        let version = registry::patch(db, hub, device_id, Side::Desired, patch)?;
        if let Some(version) = version {
            let _ = self.events.send(HubEvent::Desired {
                hub: hub.to_owned(),
                device_id: device_id.to_owned(),
                version,
                patch: patch.clone(),
            });
        }
        Ok(version)
    }

    /// Enables or disables a device (a disabled device's connection ends); whether the hub
    /// has it.
    pub(crate) fn set_enabled(
        &self,
        db: &Db,
        hub: &str,
        device_id: &str,
        enabled: bool,
    ) -> rusqlite::Result<bool> {
        let found = registry::set_enabled(db, hub, device_id, enabled)?;
        if found && !enabled {
            let _ = self.events.send(HubEvent::Disabled {
                hub: hub.to_owned(),
                device_id: device_id.to_owned(),
            });
        }
        Ok(found)
    }
}

/// The hub's record of an X.509 device: the SHA-256 of its certificate's DER, hex.
pub(crate) fn thumbprint(der: &[u8]) -> String {
    sha2::Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::HubUsername;

    #[test]
    fn hub_usernames_parse_and_dps_and_module_usernames_do_not() {
        assert_eq!(
            HubUsername::parse(
                "hub-1.azure-devices.net/dev-1/?api-version=2021-04-12&DeviceClientType=x"
            ),
            Some(HubUsername {
                hub: "hub-1.azure-devices.net".into(),
                device_id: "dev-1".into()
            })
        );
        assert!(
            HubUsername::parse("0ne00DEMO01/registrations/dev-1/api-version=2019-03-31").is_none()
        );
        assert!(
            HubUsername::parse("hub.azure-devices.net/dev-1/module-1/?api-version=x").is_none()
        );
        assert!(HubUsername::parse("nohub/dev-1/?api-version=x").is_none());
    }
}
