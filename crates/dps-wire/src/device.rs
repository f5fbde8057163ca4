//! The DPS device API (runtime registration) as `device.json` (2021-10-01) defines it, and the
//! request paths and MQTT topics both transports use. The same types serve the device that
//! registers and the service that answers.

use serde::{Deserialize, Serialize};

/// api-versions the device API accepts: the SDKs send these.
pub const DEVICE_API_VERSIONS: [&str; 3] = ["2019-03-31", "2021-06-01", "2021-10-01"];

/// The api-version devices send over MQTT (the Azure SDKs' constant).
pub const MQTT_API_VERSION: &str = "2019-03-31";

pub use crate::sas::{DEVICE_KEY_NAME, sas_resource};

/// The MQTT topic filter a device subscribes to for every response.
pub const MQTT_RESPONSE_FILTER: &str = "$dps/registrations/res/#";

/// The AMQP device API's vocabulary (DPS-NOTES §2.7): a device's link pair is on
/// [`amqp::link_address`]; each request on its sender names its operation in the application
/// property [`amqp::OPERATION_TYPE`].
pub mod amqp {
    /// The application property naming a request's operation.
    pub const OPERATION_TYPE: &str = "iotdps-operation-type";
    /// The application property naming the operation an operation-status request looks up.
    pub const OPERATION_ID: &str = "iotdps-operation-id";
    /// [`OPERATION_TYPE`] of a register request (the registration JSON in a data section).
    pub const REGISTER: &str = "iotdps-register";
    /// [`OPERATION_TYPE`] of an operation-status request.
    pub const OPERATION_STATUS: &str = "iotdps-get-operationstatus";
    /// The rejection condition the SDKs retry as throttling (with `retry-after` in its info).
    pub const THROTTLED: &str = "com.microsoft:device-container-throttled";
    /// The rejection condition of a bad request (not retried).
    pub const ARGUMENT_ERROR: &str = "com.microsoft:argument-error";
    /// The application property (and error info field) with the seconds to wait; the C# SDK
    /// reads `Retry-After`, so answers carry both spellings.
    pub const RETRY_AFTER: [&str; 2] = ["retry-after", "Retry-After"];

    /// The address of a device's receiver and sender links, and its SASL `PLAIN` username:
    /// `{idScope}/registrations/{registrationId}`.
    pub fn link_address(id_scope: &str, registration_id: &str) -> String {
        format!("{id_scope}/registrations/{registration_id}")
    }
}

/// `DeviceRegistration`: the body of a register request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRegistration {
    /// The registration ID (must equal the one in the path or MQTT username).
    pub registration_id: Option<String>,
    /// TPM attestation: the EK and SRK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpm: Option<TpmAttestation>,
    /// Custom data, handed to custom allocation and echoed in the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
}

/// `TpmAttestation` in a register request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TpmAttestation {
    /// Base64 of the EK's `TPM2B_PUBLIC`.
    pub endorsement_key: String,
    /// Base64 of the SRK's `TPM2B_PUBLIC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_root_key: Option<String>,
}

/// `EnrollmentStatus` of a registration or an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RegistrationStatus {
    /// Not assigned.
    Unassigned,
    /// Being assigned: poll again.
    Assigning,
    /// Assigned to a hub.
    Assigned,
    /// Refused; `errorCode` and `errorMessage` say why.
    Failed,
    /// The enrollment is disabled.
    Disabled,
}

/// `AssignedDeviceSubstatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AssignedSubstatus {
    /// Assigned to a hub for the first time.
    InitialAssignment,
    /// Moved to another hub, its device data migrated.
    DeviceDataMigrated,
    /// Moved to another hub, its device data reset from the enrollment.
    DeviceDataReset,
    /// Re-provisioned to a hub it was assigned to before.
    ReprovisionedToInitialAssignment,
}

/// `RegistrationOperationStatus`: what register and operation lookups answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationOperationStatus {
    /// The operation to poll.
    pub operation_id: String,
    /// Where the operation is.
    pub status: RegistrationStatus,
    /// The registration, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_state: Option<DeviceRegistrationResult>,
}

/// `DeviceRegistrationResult`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRegistrationResult {
    /// TPM: the key the device imports for its hub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpm: Option<TpmRegistrationResult>,
    /// X.509: the certificate the device presented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x509: Option<X509RegistrationResult>,
    /// Symmetric key: the group, if the key was derived from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symmetric_key: Option<SymmetricKeyRegistrationResult>,
    /// The registration ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_id: Option<String>,
    /// When the registration was first made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date_time_utc: Option<String>,
    /// The hub the device was assigned to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_hub: Option<String>,
    /// The device ID in that hub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The registration's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RegistrationStatus>,
    /// How it was assigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substatus: Option<AssignedSubstatus>,
    /// Why it failed (6-digit extended code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i32>,
    /// Why it failed, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// When it last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_date_time_utc: Option<String>,
    /// Its ETag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Custom allocation's payload for the device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
}

/// `TpmRegistrationResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TpmRegistrationResult {
    /// Base64 of the key blob the device imports (DPS-NOTES §2.5 layout).
    pub authentication_key: String,
}

/// `X509RegistrationResult`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X509RegistrationResult {
    /// The device certificate presented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_info: Option<X509CertificateInfo>,
    /// The enrollment group, for group members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment_group_id: Option<String>,
    /// The group's signing certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_certificate_info: Option<X509CertificateInfo>,
}

/// `X509CertificateInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X509CertificateInfo {
    /// Subject, RFC 4514 text.
    pub subject_name: String,
    /// SHA-1 thumbprint, upper-case hex.
    pub sha1_thumbprint: String,
    /// SHA-256 thumbprint, upper-case hex.
    pub sha256_thumbprint: String,
    /// Issuer, RFC 4514 text.
    pub issuer_name: String,
    /// Start of validity (RFC 3339).
    pub not_before_utc: String,
    /// End of validity (RFC 3339).
    pub not_after_utc: String,
    /// Serial number, hex.
    pub serial_number: String,
    /// X.509 version (3).
    pub version: i32,
}

/// `SymmetricKeyRegistrationResult`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SymmetricKeyRegistrationResult {
    /// The enrollment group whose key the device key was derived from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment_group_id: Option<String>,
}

/// The TPM challenge: a 401 body carrying the key the device must import before it signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TpmChallenge {
    /// Base64 of the key blob.
    pub authentication_key: String,
    /// The `skn` to sign with (`registration`).
    pub key_name: String,
}

/// `/{idScope}/registrations/{registrationId}/register?api-version=…`.
pub fn register_path(id_scope: &str, registration_id: &str, api_version: &str) -> String {
    format!(
        "/{}/registrations/{}/register?api-version={api_version}",
        crate::sas::url_encode(id_scope),
        crate::sas::url_encode(registration_id)
    )
}

/// `/{idScope}/registrations/{registrationId}/operations/{operationId}?api-version=…`.
pub fn operation_path(
    id_scope: &str,
    registration_id: &str,
    operation_id: &str,
    api_version: &str,
) -> String {
    format!(
        "/{}/registrations/{}/operations/{}?api-version={api_version}",
        crate::sas::url_encode(id_scope),
        crate::sas::url_encode(registration_id),
        crate::sas::url_encode(operation_id)
    )
}

/// A device API request, from its path (`/{idScope}/registrations/{id}[/register |
/// /operations/{op}]`, segments still URL-encoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevicePath {
    /// `PUT …/register`.
    Register {
        /// The ID scope.
        id_scope: String,
        /// The registration ID.
        registration_id: String,
    },
    /// `GET …/operations/{operationId}`.
    Operation {
        /// The ID scope.
        id_scope: String,
        /// The registration ID.
        registration_id: String,
        /// The operation.
        operation_id: String,
    },
    /// `POST /{idScope}/registrations/{registrationId}`: the registration's status.
    Status {
        /// The ID scope.
        id_scope: String,
        /// The registration ID.
        registration_id: String,
    },
}

impl DevicePath {
    /// Parses a request path; `None` if it is not a device API path.
    pub fn parse(path: &str) -> Option<DevicePath> {
        let decode = |s: &str| crate::sas::url_decode(s);
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match segments.as_slice() {
            [scope, "registrations", id, "register"] => Some(DevicePath::Register {
                id_scope: decode(scope)?,
                registration_id: decode(id)?,
            }),
            [scope, "registrations", id, "operations", op] => Some(DevicePath::Operation {
                id_scope: decode(scope)?,
                registration_id: decode(id)?,
                operation_id: decode(op)?,
            }),
            [scope, "registrations", id] if *scope != "enrollments" => Some(DevicePath::Status {
                id_scope: decode(scope)?,
                registration_id: decode(id)?,
            }),
            _ => None,
        }
    }
}

/// The MQTT username a device connects with:
/// `{idScope}/registrations/{registrationId}/api-version=…[&ClientVersion=…]`.
pub fn mqtt_username(id_scope: &str, registration_id: &str, client_version: &str) -> String {
    format!(
        "{id_scope}/registrations/{registration_id}/api-version={MQTT_API_VERSION}&ClientVersion={}",
        crate::sas::url_encode(client_version)
    )
}

/// A parsed MQTT username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttUsername {
    /// The ID scope.
    pub id_scope: String,
    /// The registration ID.
    pub registration_id: String,
    /// The api-version.
    pub api_version: String,
}

impl MqttUsername {
    /// Parses `{idScope}/registrations/{registrationId}/api-version=…[&…]`.
    pub fn parse(username: &str) -> Option<MqttUsername> {
        let mut parts = username.splitn(4, '/');
        let id_scope = parts.next()?.to_owned();
        if parts.next()? != "registrations" {
            return None;
        }
        let registration_id = parts.next()?.to_owned();
        let query = parts.next()?;
        let api_version = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("api-version="))?
            .to_owned();
        if id_scope.is_empty() || registration_id.is_empty() {
            return None;
        }
        Some(MqttUsername {
            id_scope,
            registration_id,
            api_version,
        })
    }
}

/// What a device publishes over MQTT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MqttRequest {
    /// `$dps/registrations/PUT/iotdps-register/?$rid={rid}`.
    Register {
        /// The request ID to echo.
        rid: String,
    },
    /// `$dps/registrations/GET/iotdps-get-operationstatus/?$rid={rid}&operationId={op}`.
    OperationStatus {
        /// The request ID to echo.
        rid: String,
        /// The operation.
        operation_id: String,
    },
}

impl MqttRequest {
    /// Parses a publish topic; `None` if it is neither request.
    pub fn parse(topic: &str) -> Option<MqttRequest> {
        let (path, query) = topic.split_once("/?")?;
        let field = |name: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
                .map(str::to_owned)
        };
        let rid = field("$rid")?;
        match path {
            "$dps/registrations/PUT/iotdps-register" => Some(MqttRequest::Register { rid }),
            "$dps/registrations/GET/iotdps-get-operationstatus" => {
                Some(MqttRequest::OperationStatus {
                    rid,
                    operation_id: field("operationId")?,
                })
            }
            _ => None,
        }
    }

    /// The topic for this request.
    pub fn topic(&self) -> String {
        match self {
            MqttRequest::Register { rid } => {
                format!("$dps/registrations/PUT/iotdps-register/?$rid={rid}")
            }
            MqttRequest::OperationStatus { rid, operation_id } => format!(
                "$dps/registrations/GET/iotdps-get-operationstatus/?$rid={rid}&operationId={operation_id}"
            ),
        }
    }
}

/// The response topic: `$dps/registrations/res/{status}/?$rid={rid}[&retry-after={s}]`.
pub fn mqtt_response_topic(status: u16, rid: &str, retry_after: Option<u32>) -> String {
    match retry_after {
        Some(s) => format!("$dps/registrations/res/{status}/?$rid={rid}&retry-after={s}"),
        None => format!("$dps/registrations/res/{status}/?$rid={rid}"),
    }
}

/// A parsed response topic: the status, the request ID and `retry-after` (any case).
pub fn parse_mqtt_response_topic(topic: &str) -> Option<(u16, String, Option<u32>)> {
    let rest = topic.strip_prefix("$dps/registrations/res/")?;
    let (status, query) = rest.split_once("/?")?;
    let mut rid = None;
    let mut retry = None;
    for kv in query.split('&') {
        let (k, v) = kv.split_once('=')?;
        if k == "$rid" {
            rid = Some(v.to_owned());
        } else if k.eq_ignore_ascii_case("retry-after") {
            retry = v.parse().ok();
        }
    }
    Some((status.parse().ok()?, rid?, retry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_and_the_service_api_is_not_a_device_path() {
        let p = register_path("0ne00DEMO01", "dev-1", "2021-10-01");
        let (path, _) = p.split_once('?').unwrap();
        assert_eq!(
            DevicePath::parse(path),
            Some(DevicePath::Register {
                id_scope: "0ne00DEMO01".into(),
                registration_id: "dev-1".into()
            })
        );
        let p = operation_path("0ne00DEMO01", "dev-1", "5.abc.d-e", "2021-10-01");
        let (path, _) = p.split_once('?').unwrap();
        assert!(matches!(
            DevicePath::parse(path),
            Some(DevicePath::Operation { operation_id, .. }) if operation_id == "5.abc.d-e"
        ));
        assert_eq!(DevicePath::parse("/enrollments/dev-1"), None);
        assert_eq!(DevicePath::parse("/enrollments/query"), None);
    }

    #[test]
    fn mqtt_usernames_and_topics_parse_as_the_sdks_send_them() {
        // The Python SDK's form: ClientVersion percent-encoded, no `?`.
        let u = MqttUsername::parse("0ne00DEMO01/registrations/dev-1/api-version=2019-03-31&ClientVersion=azure-iot-device-provisioning-py%2F2.14.0").unwrap();
        assert_eq!(u.id_scope, "0ne00DEMO01");
        assert_eq!(u.registration_id, "dev-1");
        assert_eq!(u.api_version, "2019-03-31");
        assert_eq!(
            MqttUsername::parse("0ne00DEMO01/devices/dev-1/api-version=1"),
            None
        );
        let r = MqttRequest::parse("$dps/registrations/PUT/iotdps-register/?$rid=7").unwrap();
        assert_eq!(r, MqttRequest::Register { rid: "7".into() });
        assert_eq!(MqttRequest::parse(&r.topic()), Some(r));
        let q = MqttRequest::OperationStatus {
            rid: "8".into(),
            operation_id: "op-1".into(),
        };
        assert_eq!(MqttRequest::parse(&q.topic()), Some(q));
        let t = mqtt_response_topic(202, "7", Some(3));
        assert_eq!(t, "$dps/registrations/res/202/?$rid=7&retry-after=3");
        // Exactly two `$`: the Python SDK splits the topic on them.
        assert_eq!(t.matches('$').count(), 2);
        assert_eq!(
            parse_mqtt_response_topic(&t),
            Some((202, "7".into(), Some(3)))
        );
        assert_eq!(
            parse_mqtt_response_topic("$dps/registrations/res/429/?$rid=9&Retry-After=32"),
            Some((429, "9".into(), Some(32)))
        );
    }
}
