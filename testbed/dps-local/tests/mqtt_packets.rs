//! Every MQTT 3.1.1 control packet a client may send gets the answer the specification
//! requires, checked with a plain MQTT client (raw packets over TLS, rumqttc's codec; no SDK,
//! no retries): CONNECT → CONNACK, SUBSCRIBE → SUBACK, UNSUBSCRIBE → UNSUBACK, PINGREQ →
//! PINGRESP, PUBLISH QoS 1 → PUBACK, QoS 2 → PUBREC and PUBREL → PUBCOMP, DISCONNECT and a
//! second CONNECT → the server closes. Microsoft's Node SDK hung because UNSUBSCRIBE went
//! unanswered (issue 31). And the hub's door on the same listener: each wrong CONNECT gets its
//! refusal code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use dps_local::{Config, DeviceSettings, Server};
use rumqttc::mqttbytes::QoS;
use rumqttc::mqttbytes::v4::{
    ConnAck, ConnectReturnCode, Login, Packet, PubAck, PubComp, PubRec, PubRel, Publish, SubAck,
    Subscribe, SubscribeReasonCode, UnsubAck, Unsubscribe,
};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_rustls::client::TlsStream;

const SCOPE: &str = "0ne00PKT001";
const FILTER: &str = "$dps/registrations/res/#";

/// A bare MQTT client: packets in, packets out, nothing else.
struct Client {
    io: TlsStream<tokio::net::TcpStream>,
    buf: BytesMut,
}

impl Client {
    async fn open(server: &Server) -> Self {
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_file_iter(server.ca_file()).unwrap() {
            roots.add(c.unwrap()).unwrap();
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let tcp = tokio::net::TcpStream::connect(server.mqtt_addr().unwrap())
            .await
            .unwrap();
        let io = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .unwrap();
        Self {
            io,
            buf: BytesMut::new(),
        }
    }

    async fn send(&mut self, packet: Packet) {
        let mut out = BytesMut::new();
        packet.write(&mut out, usize::MAX).unwrap();
        self.io.write_all(&out).await.unwrap();
        self.io.flush().await.unwrap();
    }

    /// The next packet, or `None` when the server closed the connection; panics after 5 s.
    async fn next(&mut self) -> Option<Packet> {
        tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match Packet::read(&mut self.buf, 1 << 20) {
                    Ok(p) => return Some(p),
                    Err(rumqttc::mqttbytes::Error::InsufficientBytes(_)) => {}
                    Err(e) => panic!("a malformed packet from the server: {e:?}"),
                }
                let mut chunk = [0u8; 4096];
                match self.io.read(&mut chunk).await {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                }
            }
        })
        .await
        .expect("the server answered within 5 s")
    }

    /// CONNECT as device `id` of the test scope.
    async fn connect(&mut self, id: &str) -> Option<Packet> {
        self.send(connect(id, &device_username(id))).await;
        self.next().await
    }
}

/// The username a DPS device of the test scope connects with.
fn device_username(id: &str) -> String {
    format!("{SCOPE}/registrations/{id}/api-version=2019-03-31")
}

/// A CONNECT from client `id` with `username` (the password is never checked at CONNECT).
fn connect(id: &str, username: &str) -> Packet {
    let mut connect = rumqttc::mqttbytes::v4::Connect::new(id);
    connect.login = Some(Login::new(
        username,
        "SharedAccessSignature sr=x&sig=y&se=1&skn=registration",
    ));
    Packet::Connect(connect)
}

async fn server(dir: &std::path::Path) -> Server {
    let mut config = Config::new(dir.join("dps"));
    config.device = DeviceSettings {
        id_scope: SCOPE.into(),
        ..DeviceSettings::default()
    };
    config.mqtt_bind = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    Server::start(config).await.unwrap()
}

#[tokio::test]
async fn every_control_packet_gets_the_answer_the_specification_requires() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    let mut c = Client::open(&server).await;

    assert_eq!(
        c.connect("pkt-1").await,
        Some(Packet::ConnAck(ConnAck::new(
            ConnectReturnCode::Success,
            false
        )))
    );

    let mut subscribe = Subscribe::new(FILTER, QoS::AtLeastOnce);
    subscribe.pkid = 6;
    c.send(Packet::Subscribe(subscribe)).await;
    assert_eq!(
        c.next().await,
        Some(Packet::SubAck(SubAck::new(
            6,
            vec![SubscribeReasonCode::Success(QoS::AtLeastOnce)]
        ))),
        "SUBSCRIBE gets SUBACK with its packet identifier"
    );

    let mut unsubscribe = Unsubscribe::new(FILTER);
    unsubscribe.pkid = 7;
    c.send(Packet::Unsubscribe(unsubscribe)).await;
    assert_eq!(
        c.next().await,
        Some(Packet::UnsubAck(UnsubAck::new(7))),
        "UNSUBSCRIBE gets UNSUBACK with its packet identifier (MQTT-3.10.4-4)"
    );

    c.send(Packet::PingReq).await;
    assert_eq!(
        c.next().await,
        Some(Packet::PingResp),
        "PINGREQ gets PINGRESP"
    );

    // Publishes to a topic the device API does not have: acknowledged by their QoS, no answer.
    let mut at_least_once = Publish::new("not/a/dps/topic", QoS::AtLeastOnce, "x");
    at_least_once.pkid = 8;
    c.send(Packet::Publish(at_least_once)).await;
    assert_eq!(
        c.next().await,
        Some(Packet::PubAck(PubAck::new(8))),
        "QoS 1: PUBACK"
    );

    let mut exactly_once = Publish::new("not/a/dps/topic", QoS::ExactlyOnce, "x");
    exactly_once.pkid = 9;
    c.send(Packet::Publish(exactly_once)).await;
    assert_eq!(
        c.next().await,
        Some(Packet::PubRec(PubRec::new(9))),
        "QoS 2: PUBREC (MQTT-4.3.3-2), not a PUBACK"
    );
    c.send(Packet::PubRel(PubRel::new(9))).await;
    assert_eq!(
        c.next().await,
        Some(Packet::PubComp(PubComp::new(9))),
        "PUBREL: PUBCOMP"
    );

    // A second CONNECT is a protocol violation: the server disconnects (MQTT-3.1.0-2).
    c.send(connect("pkt-1", &device_username("pkt-1"))).await;
    assert_eq!(
        c.next().await,
        None,
        "a second CONNECT closes the connection"
    );

    // DISCONNECT: the server closes.
    let mut d = Client::open(&server).await;
    assert!(matches!(d.connect("pkt-2").await, Some(Packet::ConnAck(_))));
    d.send(Packet::Disconnect).await;
    assert_eq!(d.next().await, None, "DISCONNECT closes the connection");

    // A first packet that is not CONNECT: closed without an answer (MQTT-3.1.0-1).
    let mut e = Client::open(&server).await;
    e.send(Packet::PingReq).await;
    assert_eq!(e.next().await, None, "nothing before CONNECT");

    // A CONNECT that is not a DPS device's: CONNACK with a refusal, then closed.
    let mut f = Client::open(&server).await;
    f.send(connect("pkt-3", "not-a-dps-username")).await;
    assert_eq!(
        f.next().await,
        Some(Packet::ConnAck(ConnAck::new(
            ConnectReturnCode::BadUserNamePassword,
            false
        )))
    );
    assert_eq!(f.next().await, None);
}

/// A SAS for a hub device: `sr={hub}/devices/{device}`, signed with `key`, valid until `expiry`.
fn hub_sas(key: &str, hub: &str, device: &str, expiry: u64) -> String {
    use dps_wire::sas::{PolicyKey, url_encode};
    let resource = url_encode(&format!("{hub}/devices/{device}"));
    let sig = PolicyKey::from_base64(key)
        .unwrap()
        .sign(format!("{resource}\n{expiry}").as_bytes());
    format!(
        "SharedAccessSignature sr={resource}&sig={}&se={expiry}",
        url_encode(&sig)
    )
}

/// The hub's door: only a device DPS assigned there, enabled, with the credential DPS assigned
/// it, for a linked hub, under its own client ID, gets in; each other CONNECT gets its refusal
/// code and the connection ends. Checked with raw packets, not an SDK.
#[tokio::test]
async fn the_hub_admits_only_the_device_dps_assigned_with_its_own_credential() {
    const KEY: &str = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==";
    const OTHER: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQg==";
    let hub = dps_local::DEFAULT_HUB;
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path()).await;
    // Enroll and register `hub-1` so its hub knows it.
    let client = station_upload::client::DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();
    let enrollment: dps_wire::schema::IndividualEnrollment =
        serde_json::from_value(serde_json::json!({
            "registrationId": "hub-1",
            "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": KEY } },
        }))
        .unwrap();
    client.create_or_update(&enrollment, None).await.unwrap();
    let endpoint = dps_device::Endpoint {
        host: "localhost".into(),
        port: server.mqtt_addr().unwrap().port(),
        roots: CertificateDer::pem_file_iter(server.ca_file())
            .unwrap()
            .map(Result::unwrap)
            .collect(),
    };
    let key =
        dps_device::Credential::SymmetricKey(dps_wire::sas::PolicyKey::from_base64(KEY).unwrap());
    let registered = dps_device::register_mqtt(&endpoint, SCOPE, "hub-1", &key)
        .await
        .unwrap();
    assert_eq!(
        registered.state.and_then(|s| s.assigned_hub).as_deref(),
        Some(hub)
    );

    let later = u64::try_from(chrono::Utc::now().timestamp()).unwrap() + 600;
    let username = |hub: &str, device: &str| format!("{hub}/{device}/?api-version=2021-04-12");
    let attempt = |client_id: &str, username: String, password: String| {
        let mut connect = rumqttc::mqttbytes::v4::Connect::new(client_id);
        connect.login = Some(Login::new(username, password));
        Packet::Connect(connect)
    };
    let refused = |code| Some(Packet::ConnAck(ConnAck::new(code, false)));
    for (why, packet, want) in [
        (
            "another key",
            attempt(
                "hub-1",
                username(hub, "hub-1"),
                hub_sas(OTHER, hub, "hub-1", later),
            ),
            ConnectReturnCode::NotAuthorized,
        ),
        (
            "an expired SAS",
            attempt(
                "hub-1",
                username(hub, "hub-1"),
                hub_sas(KEY, hub, "hub-1", 1),
            ),
            ConnectReturnCode::NotAuthorized,
        ),
        (
            "a SAS for another device",
            attempt(
                "hub-1",
                username(hub, "hub-1"),
                hub_sas(KEY, hub, "hub-2", later),
            ),
            ConnectReturnCode::NotAuthorized,
        ),
        (
            "a device DPS never assigned",
            attempt(
                "hub-2",
                username(hub, "hub-2"),
                hub_sas(KEY, hub, "hub-2", later),
            ),
            ConnectReturnCode::NotAuthorized,
        ),
        (
            "a hub that is not linked",
            attempt(
                "hub-1",
                username("rogue.azure-devices.net", "hub-1"),
                hub_sas(KEY, "rogue.azure-devices.net", "hub-1", later),
            ),
            ConnectReturnCode::BadUserNamePassword,
        ),
        (
            "another client ID",
            attempt(
                "hub-9",
                username(hub, "hub-1"),
                hub_sas(KEY, hub, "hub-1", later),
            ),
            ConnectReturnCode::BadClientId,
        ),
    ] {
        let mut c = Client::open(&server).await;
        c.send(packet).await;
        assert_eq!(c.next().await, refused(want), "{why}");
        assert_eq!(c.next().await, None, "{why}: the connection ends");
    }

    // The right credential gets in and reads its twin; disabled, it is cut off and refused.
    let good = || {
        attempt(
            "hub-1",
            username(hub, "hub-1"),
            hub_sas(KEY, hub, "hub-1", later),
        )
    };
    let mut c = Client::open(&server).await;
    c.send(good()).await;
    assert_eq!(c.next().await, refused(ConnectReturnCode::Success));
    c.send(Packet::Publish(Publish::new(
        "$iothub/twin/GET/?$rid=7",
        QoS::AtMostOnce,
        Vec::<u8>::new(),
    )))
    .await;
    let Some(Packet::Publish(twin)) = c.next().await else {
        panic!("no twin answer")
    };
    assert_eq!(twin.topic, "$iothub/twin/res/200/?$rid=7");
    let body: serde_json::Value = serde_json::from_slice(&twin.payload).unwrap();
    assert_eq!(body["desired"]["$version"], 1, "{body}");
    // The project's own device client (dps-device, the virtual DUT's field firmware) reads its
    // twin and reports a property, signing its SAS with its key.
    let key = dps_wire::sas::PolicyKey::from_base64(KEY).unwrap();
    let twin = dps_device::visit_hub(
        &endpoint,
        hub,
        "hub-1",
        dps_device::HubAuth::Sas(dps_device::hub_sas(&key, hub, "hub-1")),
        &serde_json::json!({ "firmware": "field-1" }),
    )
    .await
    .unwrap();
    assert_eq!(twin["reported"]["$version"], 1, "{twin}");
    let device = server.hub_device(hub, "hub-1").unwrap();
    assert_eq!(device.reported["firmware"], "field-1");
    assert_eq!(device.reported_version, 2);
    assert!(server.hub_set_enabled(hub, "hub-1", false));
    assert_eq!(c.next().await, None, "a disabled device is disconnected");
    let mut c = Client::open(&server).await;
    c.send(good()).await;
    assert_eq!(c.next().await, refused(ConnectReturnCode::NotAuthorized));
}
