//! DPS service-API wire types, api-version 2021-10-01.
//!
//! Source: `specification/deviceprovisioningservices/data-plane/DeviceProvisioningServices/
//! stable/2021-10-01/service.json` in Azure/azure-rest-api-specs. Field names keep the
//! service's spelling; optional fields are omitted when empty so `enrollments.json` is exactly
//! what the service API takes.

use serde::{Deserialize, Serialize};

/// `IndividualEnrollment`: one device's enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndividualEnrollment {
    /// The registration ID (≤ 128 characters; see `station_identity::RegistrationId`).
    pub registration_id: String,
    /// Desired IoT Hub device ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// How the device proves its identity.
    pub attestation: AttestationMechanism,
    /// Device capabilities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<DeviceCapabilities>,
    /// The IoT hub to assign the device to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iot_hub_host_name: Option<String>,
    /// Whether the enrollment is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_status: Option<ProvisioningStatus>,
    /// Optional device information (a twin collection), e.g. serial and work order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional_device_information: Option<TwinCollection>,
    /// The ETag the service returned (never sent on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// `DeviceCapabilities`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCapabilities {
    /// True for IoT Edge devices.
    pub iot_edge: bool,
}

/// `provisioningStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ProvisioningStatus {
    /// Devices may register.
    Enabled,
    /// Registration is refused.
    Disabled,
}

/// `TwinCollection`: free-form JSON properties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwinCollection {
    /// The properties.
    #[serde(flatten)]
    pub properties: serde_json::Map<String, serde_json::Value>,
}

/// `AttestationMechanism`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationMechanism {
    /// Which mechanism.
    #[serde(rename = "type")]
    pub kind: AttestationType,
    /// TPM attestation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpm: Option<TpmAttestation>,
    /// X.509 attestation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x509: Option<X509Attestation>,
    /// Symmetric-key attestation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symmetric_key: Option<SymmetricKeyAttestation>,
}

impl AttestationMechanism {
    /// Symmetric-key attestation with the given base64 keys.
    pub fn symmetric_key(primary: String, secondary: Option<String>) -> Self {
        Self {
            kind: AttestationType::SymmetricKey,
            tpm: None,
            x509: None,
            symmetric_key: Some(SymmetricKeyAttestation {
                primary_key: Some(primary),
                secondary_key: secondary,
            }),
        }
    }
}

/// `type` of an attestation mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttestationType {
    /// None.
    None,
    /// TPM.
    Tpm,
    /// X.509.
    X509,
    /// Symmetric key.
    SymmetricKey,
}

/// `TpmAttestation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TpmAttestation {
    /// Base64 of the marshalled EK `TPM2B_PUBLIC`.
    pub endorsement_key: String,
    /// Base64 of the marshalled SRK `TPM2B_PUBLIC`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_root_key: Option<String>,
}

/// `X509Attestation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X509Attestation {
    /// Client (leaf) certificates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_certificates: Option<X509Certificates>,
    /// Signing certificates (groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_certificates: Option<X509Certificates>,
}

/// `X509Certificates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X509Certificates {
    /// Primary certificate.
    pub primary: X509CertificateWithInfo,
    /// Secondary certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary: Option<X509CertificateWithInfo>,
}

/// `X509CertificateWithInfo`: the PEM certificate (input) and the service's info (output).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X509CertificateWithInfo {
    /// PEM certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
}

/// `SymmetricKeyAttestation`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SymmetricKeyAttestation {
    /// Primary key (base64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<String>,
    /// Secondary key (base64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_key: Option<String>,
}

impl std::fmt::Debug for SymmetricKeyAttestation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SymmetricKeyAttestation { <redacted> }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_key_enrollment_has_the_service_shape() {
        let e = IndividualEnrollment {
            registration_id: "demo-1".into(),
            device_id: None,
            attestation: AttestationMechanism::symmetric_key(
                "cHJpbWFyeQ==".into(),
                Some("c2Vjb25kYXJ5".into()),
            ),
            capabilities: Some(DeviceCapabilities { iot_edge: false }),
            iot_hub_host_name: None,
            provisioning_status: Some(ProvisioningStatus::Enabled),
            optional_device_information: None,
            etag: None,
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "registrationId": "demo-1",
                "attestation": {"type": "symmetricKey",
                    "symmetricKey": {"primaryKey": "cHJpbWFyeQ==", "secondaryKey": "c2Vjb25kYXJ5"}},
                "capabilities": {"iotEdge": false},
                "provisioningStatus": "enabled"
            })
        );
        assert!(!format!("{:?}", e).contains("cHJpbWFyeQ"));
    }
}
