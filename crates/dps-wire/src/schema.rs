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
    /// The registration ID: validated when parsed, compared without regard to case.
    pub registration_id: crate::RegistrationId,
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
    /// Which hub DPS assigns the device to, its initial twin, and what re-registration does.
    #[serde(flatten)]
    pub allocation: Allocation,
    /// The ETag the service returned (never sent on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// `EnrollmentGroup`: devices whose keys derive from the group's key (symmetric key) or whose
/// certificates chain to the group's signing certificate (X.509).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentGroup {
    /// The group's ID.
    pub enrollment_group_id: String,
    /// The group's key or signing certificate.
    pub attestation: AttestationMechanism,
    /// Device capabilities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<DeviceCapabilities>,
    /// The IoT hub to assign its devices to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iot_hub_host_name: Option<String>,
    /// Whether the group is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_status: Option<ProvisioningStatus>,
    /// Which hub DPS assigns its devices to, their initial twin, and what re-registration does.
    #[serde(flatten)]
    pub allocation: Allocation,
    /// The ETag the service returned (never sent on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// The allocation fields an individual enrollment and an enrollment group share (DPS
/// 2021-10-01): the policy, the hubs it may choose from, the custom-allocation webhook, the
/// initial twin and the reprovisioning policy. All optional: DPS applies its service-level
/// policy and linked hubs when they are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Allocation {
    /// How DPS chooses the hub.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_policy: Option<AllocationPolicy>,
    /// The linked hubs (host names) the policy chooses from; all the service's when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iot_hubs: Option<Vec<String>>,
    /// The webhook of a `custom` policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_allocation_definition: Option<CustomAllocationDefinition>,
    /// The twin the device starts with on its hub.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_twin: Option<InitialTwin>,
    /// What a re-registration does when the assignment would change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reprovision_policy: Option<ReprovisionPolicy>,
}

/// `allocationPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AllocationPolicy {
    /// A weighted hash of the registration ID over the hubs.
    Hashed,
    /// The hub with the lowest latency to the device; ties hashed.
    GeoLatency,
    /// The one hub the enrollment names.
    Static,
    /// The hub a webhook chooses.
    Custom,
}

impl AllocationPolicy {
    /// DPS's name: `hashed`, `geoLatency`, `static`, `custom`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hashed => "hashed",
            Self::GeoLatency => "geoLatency",
            Self::Static => "static",
            Self::Custom => "custom",
        }
    }
}

/// `CustomAllocationDefinition`: the webhook DPS calls for a `custom` policy.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomAllocationDefinition {
    /// The webhook's URL (it may carry a function key: never logged).
    pub webhook_url: String,
    /// The API version of the request DPS sends it, e.g. `2021-10-01`.
    pub api_version: String,
}

impl std::fmt::Debug for CustomAllocationDefinition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomAllocationDefinition")
            .field("webhook_url", &"<redacted>")
            .field("api_version", &self.api_version)
            .finish()
    }
}

/// `InitialTwin`: tags and desired properties a device starts with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitialTwin {
    /// The twin's tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<TwinCollection>,
    /// Its properties (desired only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<InitialTwinProperties>,
}

/// `InitialTwinProperties`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitialTwinProperties {
    /// The desired properties.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired: Option<TwinCollection>,
}

/// `ReprovisionPolicy`: what happens when a registered device registers again and its
/// assignment would change. DPS's default is both `true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReprovisionPolicy {
    /// Re-run the allocation (`false`: the device stays on its hub).
    pub update_hub_assignment: bool,
    /// Move the device's twin to the new hub (`false`: it starts again from the initial twin).
    pub migrate_device_data: bool,
}

impl Default for ReprovisionPolicy {
    fn default() -> Self {
        Self {
            update_hub_assignment: true,
            migrate_device_data: true,
        }
    }
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

/// `OperationMode` of a bulk enrollment operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BulkOperationMode {
    /// Create each enrollment; one that already exists is a per-item error.
    Create,
    /// Create or replace each enrollment.
    Update,
    /// Replace each enrollment only if its `etag` matches.
    UpdateIfMatchETag,
    /// Delete each enrollment.
    Delete,
}

/// `BulkEnrollmentOperation`: at most [`MAX_BULK_ENROLLMENTS`] enrollments in one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkEnrollmentOperation {
    /// What to do with every enrollment.
    pub mode: BulkOperationMode,
    /// The enrollments.
    pub enrollments: Vec<IndividualEnrollment>,
}

/// The service's limit on enrollments per bulk operation ("maximum of 10 enrollments").
pub const MAX_BULK_ENROLLMENTS: usize = 10;

/// `BulkEnrollmentOperationResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkEnrollmentOperationResult {
    /// True when the whole operation succeeded.
    pub is_successful: bool,
    /// The items that failed, if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<DeviceRegistrationOperationError>,
}

/// `DeviceRegistrationOperationError`: one failed item of a bulk operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRegistrationOperationError {
    /// The item's registration ID.
    pub registration_id: String,
    /// The 6-digit extended error code; `error_code / 1000` is the HTTP status it stands for.
    pub error_code: i32,
    /// The error message.
    pub error_status: String,
}

/// `ProvisioningServiceErrorDetails`: the body of every non-2xx response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningServiceErrorDetails {
    /// The 6-digit extended error code, e.g. `401000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i32>,
    /// The service's tracking ID, for support requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Extra details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<std::collections::BTreeMap<String, String>>,
    /// When the error happened (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_utc: Option<String>,
}

/// `QuerySpecification`: the body of a query; `"*"` selects everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuerySpecification {
    /// The query string.
    pub query: String,
}

/// Response and request header names of the service API.
pub mod headers {
    /// The error code of a non-2xx response (`x-ms-error-code`).
    pub const ERROR_CODE: &str = "x-ms-error-code";
    /// The page token of a query (request and response, `x-ms-continuation`).
    pub const CONTINUATION: &str = "x-ms-continuation";
    /// The page size of a query (`x-ms-max-item-count`).
    pub const MAX_ITEM_COUNT: &str = "x-ms-max-item-count";
    /// The item type of a query response (`x-ms-item-type`), e.g. `Enrollment`.
    pub const ITEM_TYPE: &str = "x-ms-item-type";
}

impl AttestationMechanism {
    /// Whether `other` attests the same identity: the same kind and the same key material.
    ///
    /// Symmetric keys compare the primary key, and the secondary key when `self` has one
    /// (the service may generate a secondary key the station never sent); TPM compares the
    /// endorsement key; X.509 compares the client (or signing) certificates' PEM text with
    /// whitespace removed. Used to reconcile an upload with an enrollment already present.
    pub fn same_identity(&self, other: &AttestationMechanism) -> bool {
        if self.kind != other.kind {
            return false;
        }
        match self.kind {
            AttestationType::None => true,
            AttestationType::SymmetricKey => match (&self.symmetric_key, &other.symmetric_key) {
                (Some(a), Some(b)) => {
                    a.primary_key.is_some()
                        && a.primary_key == b.primary_key
                        && (a.secondary_key.is_none() || a.secondary_key == b.secondary_key)
                }
                _ => false,
            },
            AttestationType::Tpm => match (&self.tpm, &other.tpm) {
                (Some(a), Some(b)) => a.endorsement_key == b.endorsement_key,
                _ => false,
            },
            AttestationType::X509 => match (&self.x509, &other.x509) {
                (Some(a), Some(b)) => {
                    let pem = |c: &Option<X509Certificates>| {
                        c.as_ref()
                            .and_then(|c| c.primary.certificate.as_deref())
                            .map(|p| p.chars().filter(|c| !c.is_whitespace()).collect::<String>())
                    };
                    let (ac, bc) = (pem(&a.client_certificates), pem(&b.client_certificates));
                    let (asg, bsg) = (pem(&a.signing_certificates), pem(&b.signing_certificates));
                    (ac.is_some() || asg.is_some()) && ac == bc && asg == bsg
                }
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_key_enrollment_has_the_service_shape() {
        let e = IndividualEnrollment {
            registration_id: "demo-1".parse().unwrap(),
            device_id: None,
            attestation: AttestationMechanism::symmetric_key(
                "cHJpbWFyeQ==".into(),
                Some("c2Vjb25kYXJ5".into()),
            ),
            capabilities: Some(DeviceCapabilities { iot_edge: false }),
            iot_hub_host_name: None,
            provisioning_status: Some(ProvisioningStatus::Enabled),
            optional_device_information: None,
            allocation: Default::default(),
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

    #[test]
    fn bulk_and_error_shapes() {
        let op = BulkEnrollmentOperation {
            mode: BulkOperationMode::UpdateIfMatchETag,
            enrollments: vec![],
        };
        assert_eq!(
            serde_json::to_value(&op).unwrap(),
            serde_json::json!({"mode": "updateIfMatchETag", "enrollments": []})
        );
        let r: BulkEnrollmentOperationResult = serde_json::from_str(
            r#"{"isSuccessful":false,"errors":[{"registrationId":"a","errorCode":409201,"errorStatus":"exists"}]}"#,
        )
        .unwrap();
        assert_eq!(r.errors[0].error_code, 409201);
        let ok: BulkEnrollmentOperationResult =
            serde_json::from_str(r#"{"isSuccessful": true}"#).unwrap();
        assert!(ok.errors.is_empty());
        let e: ProvisioningServiceErrorDetails = serde_json::from_str(
            r#"{"errorCode":401000,"trackingId":"t-1","message":"Unauthorized","timestampUtc":"2021-10-13T09:00:13Z"}"#,
        )
        .unwrap();
        assert_eq!(e.error_code, Some(401000));
        assert_eq!(e.tracking_id.as_deref(), Some("t-1"));
    }

    #[test]
    fn same_identity_compares_key_material() {
        let a = AttestationMechanism::symmetric_key("a2V5MQ==".into(), None);
        let b = AttestationMechanism::symmetric_key("a2V5MQ==".into(), Some("Z2Vu".into()));
        let c = AttestationMechanism::symmetric_key("a2V5Mg==".into(), None);
        assert!(
            a.same_identity(&b),
            "a service-generated secondary key is not a conflict"
        );
        assert!(!b.same_identity(&a));
        assert!(!a.same_identity(&c));
        let tpm = AttestationMechanism {
            kind: AttestationType::Tpm,
            tpm: Some(TpmAttestation {
                endorsement_key: "ek".into(),
                storage_root_key: None,
            }),
            x509: None,
            symmetric_key: None,
        };
        assert!(tpm.same_identity(&tpm.clone()));
        assert!(!tpm.same_identity(&a));
    }
}
