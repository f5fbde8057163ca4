//! Facts about a unit that its enrollment carries for the device operator
//! (`optionalDeviceInformation`), shared by every attestation kind.

use serde_json::json;
use station_smp::commands::provisioning::IdentityResponse;
use station_upload::schema::TwinCollection;

/// Facts about the unit the enrollment carries for the device operator.
pub(crate) struct UnitFacts<'a> {
    pub(crate) identity: &'a IdentityResponse,
    pub(crate) station_id: &'a str,
    pub(crate) work_order: Option<&'a str>,
    pub(crate) device_id: Option<String>,
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
