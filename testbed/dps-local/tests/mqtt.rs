//! The device API over MQTT on TLS (an ephemeral port), driven by the project's device client
//! (`dps-device`, the virtual DUT's field firmware): symmetric-key, group-derived and X.509
//! devices register; a wrong key gets DPS's 401 on the response topic. Microsoft's SDK is
//! tests/azure_sdk.rs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use dps_device::{Credential, DeviceError, Endpoint, register_mqtt};
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

#[tokio::test]
async fn devices_register_over_mqtt_and_a_wrong_key_gets_dps_401() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    config.device = DeviceSettings {
        id_scope: SCOPE.into(),
        retry_after_secs: 1,
        ..DeviceSettings::default()
    };
    config.mqtt_bind = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    let server = Server::start(config).await.unwrap();
    let service = DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();
    let endpoint = Endpoint {
        host: "localhost".into(),
        port: server.mqtt_addr().unwrap().port(),
        roots: CertificateDer::pem_file_iter(server.ca_file())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap(),
    };

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
    let r = register_mqtt(&endpoint, SCOPE, "mq-sym", &sym)
        .await
        .unwrap();
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
    let r = register_mqtt(&endpoint, SCOPE, "mq-member-9", &member)
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
    let r = register_mqtt(&endpoint, SCOPE, "mq-x509", &x509)
        .await
        .unwrap();
    assert_eq!(r.status, RegistrationStatus::Assigned);
    assert!(r.state.unwrap().x509.unwrap().certificate_info.is_some());

    let wrong = Credential::SymmetricKey(PolicyKey::from_base64(OTHER_KEY).unwrap());
    match register_mqtt(&endpoint, SCOPE, "mq-sym", &wrong).await {
        Err(DeviceError::Refused {
            status,
            error_code,
            message,
        }) => {
            assert_eq!(status, 401);
            assert_eq!(error_code, Some(401000));
            assert!(message.contains("does not match"), "{message}");
        }
        other => panic!("a wrong key registered: {other:?}"),
    }
    let log = std::fs::read_to_string(server.diagnostic_log()).unwrap();
    assert_eq!(log.lines().count(), 4, "{log}");
    assert!(
        log.lines().all(|l| l.contains(r#""protocol":"mqtt""#)),
        "{log}"
    );
}
