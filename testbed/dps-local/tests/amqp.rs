//! The AMQP door, attacked with a plain AMQP 1.0 client (fe2o3-amqp's, no DPS logic): a device
//! that proved itself as A over SASL PLAIN attaches its links to B's address, or attaches its
//! two links to two different devices' addresses. dps-local closes the connection with
//! `amqp:unauthorized-access`, and nothing is registered for B.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use dps_local::{Config, DeviceSettings, Server};
use dps_wire::sas::{PolicyKey, device_token};
use fe2o3_amqp::sasl_profile::SaslProfile;
use fe2o3_amqp::types::messaging::{ApplicationProperties, Message};
use fe2o3_amqp::types::primitives::Binary;
use fe2o3_amqp::{Connection, Receiver, Sender, Session};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use station_upload::client::DpsClient;

const SCOPE: &str = "0ne00AMQP01";
const KEY: &str = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==";

/// A TLS stream to dps-local's AMQP port, trusting its CA.
async fn tls(server: &Server) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(server.ca_file()).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(server.amqp_addr().unwrap())
        .await
        .unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

/// Opens a connection proven as `who` (SASL PLAIN with its SAS), attaches a sender to
/// `sender_to` and a receiver to `receiver_from`, and sends a register request for
/// `sender_to`'s device. What went wrong first, if anything.
async fn attempt(
    server: &Server,
    who: &str,
    sender_to: &str,
    receiver_from: &str,
) -> Option<String> {
    let key = PolicyKey::from_base64(KEY).unwrap();
    let sas = device_token(&key, SCOPE, who, u64::MAX / 2);
    let mut connection = Connection::builder()
        .container_id(who)
        .hostname("localhost")
        .sasl_profile(SaslProfile::Plain {
            username: format!("{SCOPE}/registrations/{who}"),
            password: sas.as_str().to_owned(),
        })
        .open_with_stream(tls(server).await)
        .await
        .unwrap();
    let mut session = Session::begin(&mut connection).await.unwrap();
    let mut sender = match Sender::attach(
        &mut session,
        "s",
        format!("{SCOPE}/registrations/{sender_to}"),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return Some(format!("sender attach: {e:?}")),
    };
    let mut receiver = match Receiver::attach(
        &mut session,
        "r",
        format!("{SCOPE}/registrations/{receiver_from}"),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return Some(format!("receiver attach: {e:?}")),
    };
    let request = Message::builder()
        .application_properties(
            ApplicationProperties::builder()
                .insert("iotdps-operation-type", "iotdps-register")
                .build(),
        )
        .data(Binary::from(
            json!({ "registrationId": sender_to })
                .to_string()
                .into_bytes(),
        ))
        .build();
    let sent = tokio::time::timeout(std::time::Duration::from_secs(5), sender.send(request)).await;
    match sent {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Some(format!("send: {e:?}")),
        Err(_) => return Some("send: no outcome in 5 s".into()),
    }
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        receiver.recv::<fe2o3_amqp::types::messaging::Body<fe2o3_amqp::types::primitives::Value>>(),
    )
    .await;
    match answer {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(format!("receive: {e:?}")),
        Err(_) => Some("receive: no answer in 5 s".into()),
    }
}

#[tokio::test]
async fn a_device_proven_as_one_registration_cannot_register_another() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    config.device = DeviceSettings {
        id_scope: SCOPE.into(),
        retry_after_secs: 0,
        ..DeviceSettings::default()
    };
    config.amqp_bind = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    let server = Server::start(config).await.unwrap();
    let service = DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();
    for id in ["amqp-a", "amqp-b"] {
        let e = serde_json::from_value(json!({
            "registrationId": id,
            "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": KEY } },
        }))
        .unwrap();
        service.create_or_update(&e, None).await.unwrap();
    }

    // The control: A on its own address registers.
    assert_eq!(attempt(&server, "amqp-a", "amqp-a", "amqp-a").await, None);
    // A's proof, B's address on both links; then links split between A and B.
    for (sender_to, receiver_from) in [
        ("amqp-b", "amqp-b"),
        ("amqp-a", "amqp-b"),
        ("amqp-b", "amqp-a"),
    ] {
        let failure = attempt(&server, "amqp-a", sender_to, receiver_from).await;
        let failure = failure.unwrap_or_else(|| {
            panic!("A registered through links to {sender_to} and {receiver_from}")
        });
        assert!(
            failure.contains("UnauthorizedAccess") || failure.contains("unauthorized"),
            "links {sender_to}/{receiver_from}: {failure}"
        );
    }
    let registered: Vec<String> = server
        .registrations()
        .into_iter()
        .filter_map(|r| r.registration_id)
        .collect();
    assert_eq!(registered, ["amqp-a"], "B was registered by A");
}
