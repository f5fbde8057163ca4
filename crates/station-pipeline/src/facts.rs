//! Facts about a unit that its enrollment carries for the device operator
//! (`optionalDeviceInformation`), shared by every attestation kind.

use serde_json::json;
use station_config::{ProductProfile, TwinFacts};
use station_smp::commands::provisioning::IdentityResponse;
use station_upload::schema::{Allocation, TwinCollection};

use crate::station::Station;

/// Facts about the unit the enrollment carries for the device operator.
pub(crate) struct UnitFacts<'a> {
    pub(crate) identity: &'a IdentityResponse,
    pub(crate) station_id: &'a str,
    pub(crate) work_order: Option<&'a str>,
    pub(crate) device_id: Option<String>,
    /// The product's allocation, its initial twin filled in for this unit.
    pub(crate) allocation: Allocation,
}

impl<'a> UnitFacts<'a> {
    /// The facts of the unit `identity` of `product` at `station`.
    pub(crate) fn of(
        station: &'a Station,
        product: &ProductProfile,
        identity: &'a IdentityResponse,
        work_order: Option<&'a str>,
    ) -> Self {
        let station_id = station.config().station.id.as_str();
        let device_id = device_id(product, identity, station_id);
        let twin_facts = TwinFacts {
            serial: &identity.serial,
            model: &identity.model,
            work_order: work_order.unwrap_or_default(),
            station: station_id,
        };
        let allocation = crate::allocation::enrollment_allocation(
            product,
            station.initial_twin(&product.id),
            Some(&twin_facts),
        );
        Self {
            identity,
            station_id,
            work_order,
            device_id,
            allocation,
        }
    }
}

pub(crate) fn device_information(facts: &UnitFacts<'_>) -> TwinCollection {
    let mut props = serde_json::Map::new();
    props.insert("serial".into(), json!(facts.identity.serial));
    props.insert("model".into(), json!(facts.identity.model));
    props.insert("hw".into(), json!(facts.identity.hw));
    props.insert("fw".into(), json!(facts.identity.fw));
    props.insert("station".into(), json!(facts.station_id));
    if let Some(wo) = facts.work_order {
        props.insert("workOrder".into(), json!(wo));
    }
    TwinCollection { properties: props }
}

/// The IoT Hub device ID `product`'s template renders for the board `identity` at
/// `station_id`; `None` when the product has no template (DPS uses the registration ID).
pub(crate) fn device_id(
    product: &ProductProfile,
    identity: &IdentityResponse,
    station_id: &str,
) -> Option<String> {
    product.device_id.as_ref().map(|t| {
        t.replace("{serial}", &identity.serial)
            .replace("{model}", &identity.model)
            .replace("{station}", station_id)
    })
}
