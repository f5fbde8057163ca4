//! Produces a unit's identity material and what to write and queue for it, per product.

use serde_json::json;
use station_config::{AttestationConfig, ProductProfile, ProvisioningStatus, SymmetricEnrollment};
use station_identity::{RegistrationId, SymmetricKey};
use station_smp::commands::provisioning::{IdentityResponse, caps};
use station_upload::schema::{
    AttestationMechanism, DeviceCapabilities, IndividualEnrollment,
    ProvisioningStatus as WireStatus, TwinCollection,
};
use zeroize::Zeroizing;

use crate::error::UnitFailure;
use crate::events::Step;

/// One setting to write to the DUT.
pub(crate) struct SettingWrite {
    pub(crate) name: String,
    pub(crate) value: Zeroizing<Vec<u8>>,
    pub(crate) secret: bool,
}

/// What attestation produced for one unit.
pub(crate) struct Attestation {
    /// Settings to write, in order.
    pub(crate) settings: Vec<SettingWrite>,
    /// The individual enrollment to queue, if the product enrolls devices individually.
    pub(crate) enrollment: Option<IndividualEnrollment>,
}

/// Facts about the unit the enrollment carries for the device operator.
pub(crate) struct UnitFacts<'a> {
    pub(crate) identity: &'a IdentityResponse,
    pub(crate) station_id: &'a str,
    pub(crate) work_order: Option<&'a str>,
    pub(crate) device_id: Option<String>,
}

/// Builds the attestation for `product`. `group_key` is the product's enrollment-group key,
/// when it has one.
pub(crate) fn attest(
    product: &ProductProfile,
    registration_id: &RegistrationId,
    group_key: Option<&SymmetricKey>,
    facts: &UnitFacts<'_>,
) -> Result<Attestation, UnitFailure> {
    match &product.attestation {
        AttestationConfig::SymmetricKey { enrollment } => {
            if !facts.identity.caps.iter().any(|c| c == caps::SYMKEY) {
                return Err(UnitFailure::new(
                    Step::Attest,
                    "station::dut::missing_capability",
                    format!(
                        "DUT {} cannot store a symmetric key (no `symkey` capability)",
                        facts.identity.serial
                    ),
                    "Check that the product selected matches the board in the slot.",
                ));
            }
            let (key, individual) = match enrollment {
                SymmetricEnrollment::Individual => (SymmetricKey::random(), true),
                SymmetricEnrollment::Group { .. } => {
                    let group = group_key.ok_or_else(|| {
                        UnitFailure::new(
                            Step::Attest,
                            "station::attest::no_group_key",
                            format!("no group key loaded for product {}", product.id),
                            "Restart the station after installing the group key.",
                        )
                    })?;
                    (group.derive_device_key(registration_id), false)
                }
            };
            let key_b64 = key.to_base64();
            let mut settings = dps_settings(product, registration_id, "symmetric-key");
            settings.push(SettingWrite {
                name: format!("{}/sym_key", product.settings_prefix),
                value: Zeroizing::new(key_b64.as_bytes().to_vec()),
                secret: true,
            });
            let enrollment = individual.then(|| IndividualEnrollment {
                registration_id: registration_id.to_string(),
                device_id: facts.device_id.clone(),
                attestation: AttestationMechanism::symmetric_key(key_b64.to_string(), None),
                capabilities: Some(DeviceCapabilities { iot_edge: false }),
                iot_hub_host_name: product.iot_hub_host_name.clone(),
                provisioning_status: Some(match product.provisioning_status {
                    ProvisioningStatus::Enabled => WireStatus::Enabled,
                    ProvisioningStatus::Disabled => WireStatus::Disabled,
                }),
                optional_device_information: Some(device_information(facts)),
                etag: None,
            });
            Ok(Attestation {
                settings,
                enrollment,
            })
        }
        other => Err(UnitFailure::new(
            Step::Attest,
            "station::attest::unsupported",
            format!(
                "attestation kind {} is not supported by this station build",
                other.kind()
            ),
            "Use a station build with X.509 and TPM support for this product.",
        )),
    }
}

/// The `dps/*` settings every product writes.
fn dps_settings(
    product: &ProductProfile,
    registration_id: &RegistrationId,
    kind: &str,
) -> Vec<SettingWrite> {
    let p = &product.settings_prefix;
    let plain = |name: &str, value: &str| SettingWrite {
        name: format!("{p}/{name}"),
        value: Zeroizing::new(value.as_bytes().to_vec()),
        secret: false,
    };
    vec![
        plain("endpoint", &product.dps.global_endpoint),
        plain("id_scope", &product.dps.id_scope),
        plain("reg_id", registration_id.as_str()),
        plain("attestation", kind),
    ]
}

fn device_information(facts: &UnitFacts<'_>) -> TwinCollection {
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
