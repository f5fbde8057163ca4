//! The device API over MQTT and over AMQP on TLS (ephemeral ports), driven by the project's
//! device client (`dps-device`, the virtual DUT's field firmware and the registration
//! benchmark): symmetric-key, group-derived and X.509 devices register; a wrong key gets DPS's
//! 401 on MQTT's response topic and SASL's refusal on AMQP. Microsoft's SDKs are
//! tests/azure_sdk.rs and tests/node_sdk.rs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use dps_device::{Credential, DeviceError, Endpoint, Registration, register_amqp, register_mqtt};
use dps_local::{Config, DeviceSettings, Server};
use dps_wire::device::RegistrationStatus;
use dps_wire::sas::{PolicyKey, derive_device_key};
use dps_wire::schema::{EnrollmentGroup, IndividualEnrollment};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::json;
use station_upload::client::DpsClient;

const SCOPE: &str = "0ne00MQT001";
const KEY: &str = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==";
const OTHER_KEY: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQg==";

/// Registers over `protocol` (`mqtt` or `amqp`), reaching dps-local's listener for it.
async fn register(
    protocol: &str,
    server: &Server,
    id: &str,
    credential: &Credential,
) -> Result<Registration, DeviceError> {
    let endpoint = Endpoint {
        host: "localhost".into(),
        port: match protocol {
            "mqtt" => server.mqtt_addr(),
            _ => server.amqp_addr(),
        }
        .unwrap()
        .port(),
        roots: CertificateDer::pem_file_iter(server.ca_file())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap(),
    };
    match protocol {
        "mqtt" => register_mqtt(&endpoint, SCOPE, id, credential).await,
        _ => register_amqp(&endpoint, SCOPE, id, credential).await,
    }
}

#[tokio::test]
async fn devices_register_over_mqtt_and_amqp_and_a_wrong_key_is_refused() {
    for protocol in ["mqtt", "amqp"] {
        devices_register_and_a_wrong_key_is_refused(protocol).await;
    }
}

async fn devices_register_and_a_wrong_key_is_refused(protocol: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    config.device = DeviceSettings {
        id_scope: SCOPE.into(),
        retry_after_secs: 1,
        ..DeviceSettings::default()
    };
    config.mqtt_bind = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.amqp_bind = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    let server = Server::start(config).await.unwrap();
    let service = DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();

    // An X.509 device's own key and certificate.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "mq-x509");
    let cert = params.self_signed(&key).unwrap();
    let enrollments = [
        json!({ "registrationId": "mq-sym", "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": KEY } } }),
        json!({ "registrationId": "mq-x509", "attestation": { "type": "x509", "x509": { "clientCertificates": { "primary": { "certificate": cert.pem() } } } } }),
    ];
    for e in enrollments {
        let e: IndividualEnrollment = serde_json::from_value(e).unwrap();
        service.create_or_update(&e, None).await.unwrap();
    }
    let group: EnrollmentGroup = serde_json::from_value(json!({
        "enrollmentGroupId": "mq-group",
        "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": OTHER_KEY } },
    }))
    .unwrap();
    service.create_or_update_group(&group, None).await.unwrap();

    let sym = Credential::SymmetricKey(PolicyKey::from_base64(KEY).unwrap());
    let r = register(protocol, &server, "mq-sym", &sym).await.unwrap();
    assert_eq!(r.status, RegistrationStatus::Assigned);
    assert_eq!(r.polls, 1);
    let state = r.state.unwrap();
    assert_eq!(
        state.assigned_hub.as_deref(),
        Some("dps-local-hub.azure-devices.net")
    );
    assert_eq!(state.device_id.as_deref(), Some("mq-sym"));

    let member = Credential::SymmetricKey(derive_device_key(
        &PolicyKey::from_base64(OTHER_KEY).unwrap(),
        "mq-member-9",
    ));
    let r = register(protocol, &server, "mq-member-9", &member)
        .await
        .unwrap();
    assert_eq!(
        r.state
            .unwrap()
            .symmetric_key
            .unwrap()
            .enrollment_group_id
            .as_deref(),
        Some("mq-group")
    );

    let x509 = Credential::X509 {
        chain: vec![CertificateDer::from(cert.der().to_vec())],
        key: PrivateKeyDer::from_pem_slice(key.serialize_pem().as_bytes()).unwrap(),
    };
    let r = register(protocol, &server, "mq-x509", &x509).await.unwrap();
    assert_eq!(r.status, RegistrationStatus::Assigned);
    assert!(r.state.unwrap().x509.unwrap().certificate_info.is_some());

    let wrong = Credential::SymmetricKey(PolicyKey::from_base64(OTHER_KEY).unwrap());
    match register(protocol, &server, "mq-sym", &wrong).await {
        // MQTT: DPS's answer on the response topic.
        Err(DeviceError::Refused {
            status,
            error_code,
            message,
        }) if protocol == "mqtt" => {
            assert_eq!(status, 401);
            assert_eq!(error_code, Some(401000));
            assert!(message.contains("does not match"), "{message}");
        }
        // AMQP: SASL refuses the connection before any request.
        Err(DeviceError::Refused {
            status, message, ..
        }) if protocol == "amqp" => {
            assert_eq!(status, 401);
            assert!(message.contains("SASL refused"), "{message}");
        }
        other => panic!("{protocol}: a wrong key registered: {other:?}"),
    }
    let log = std::fs::read_to_string(server.diagnostic_log()).unwrap();
    assert_eq!(log.lines().count(), 4, "{log}");
    assert!(
        log.lines()
            .all(|l| l.contains(&format!(r#""protocol":"{protocol}""#))),
        "{log}"
    );
    assert_eq!(
        log.lines()
            .filter(|l| l.contains(r#""outcome":"refused""#))
            .count(),
        1,
        "{log}"
    );
}
