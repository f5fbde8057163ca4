//! The device API over MQTT 3.1.1 on TLS, as the Azure device SDKs speak it (DPS-NOTES §2.6):
//! CONNECT with client ID = registration ID, username
//! `{idScope}/registrations/{registrationId}/api-version=…`, the SAS token as password (or a
//! client certificate for X.509); SUBSCRIBE `$dps/registrations/res/#`; PUBLISH
//! `$dps/registrations/PUT/iotdps-register/?$rid=…` and
//! `…/GET/iotdps-get-operationstatus/?$rid=…&operationId=…`; answers on
//! `$dps/registrations/res/{status}/?$rid=…[&retry-after=…]`.
//!
//! The same session runs over MQTT-on-TLS and over MQTT in WebSocket binary frames
//! (path `/$iothub/websocket`, subprotocol `mqtt`, [`crate::ws`]), as the SDKs' `websockets`
//! option connects.
//!
//! Packets are rumqttc's `mqttbytes::v4` codec. The credential is checked on each request by
//! the same [`Registrar`](crate::device::Registrar) as HTTPS, so refusals carry DPS's error
//! JSON on the response topic (`res/401/…`); a CONNECT that is not a DPS device's is refused
//! with its CONNACK code. No persistent sessions. Every control packet a client may send gets
//! the answer MQTT 3.1.1 requires (tests/mqtt_packets.rs).

use std::sync::Arc;
use std::time::Duration;

use dps_wire::device::{MQTT_RESPONSE_FILTER, MqttRequest, MqttUsername, mqtt_response_topic};
use rumqttc::mqttbytes::QoS;
use rumqttc::mqttbytes::v4::{ConnAck, ConnectReturnCode, Packet, Publish};
use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::device::{self, Credential};
pub(crate) use crate::mqtt_wire::SessionError;
use crate::mqtt_wire::{Inbound, Stream};
use crate::service::Shared;

/// How long a device may take to send CONNECT.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Packet overhead allowed on top of the message limit (topic, headers).
const PACKET_OVERHEAD: usize = 1024;

/// One device's MQTT session on `wire` (TLS, or WebSocket frames); `protocol` names the
/// transport in the diagnostic log (`mqtt`, `mqtt-ws`).
pub(crate) async fn session<W: AsyncRead + AsyncWrite + Unpin>(
    wire: W,
    shared: &Arc<Shared>,
    chain: &[CertificateDer<'static>],
    protocol: &'static str,
) -> Result<(), SessionError> {
    let settings = shared.registrar.settings();
    let mut stream = Stream::new(wire, settings.max_message_bytes + PACKET_OVERHEAD);
    let first = tokio::time::timeout(CONNECT_TIMEOUT, stream.next())
        .await
        .map_err(|_| SessionError::NoConnect)??;
    let Some(Packet::Connect(connect)) = first else {
        return Err(SessionError::NotConnect);
    };
    let (username, password) = connect
        .login
        .clone()
        .map(|l| (l.username, l.password))
        .unwrap_or_default();
    // The hubs' devices share the listener: a hub's username is `{hub}/{deviceId}/?…`.
    if let Some(user) = crate::hub::HubUsername::parse(&username) {
        return crate::hub::session::run(stream, shared, chain, &connect, user, &password).await;
    }
    let Some(user) = MqttUsername::parse(&username) else {
        tracing::debug!(%username, "MQTT CONNECT refused: neither a DPS device's nor a hub device's username");
        stream
            .send(Packet::ConnAck(ConnAck::new(
                ConnectReturnCode::BadUserNamePassword,
                false,
            )))
            .await?;
        return Ok(());
    };
    if !connect
        .client_id
        .eq_ignore_ascii_case(&user.registration_id)
    {
        tracing::debug!(client_id = %connect.client_id, "MQTT CONNECT refused: client ID is not the registration ID");
        stream
            .send(Packet::ConnAck(ConnAck::new(
                ConnectReturnCode::BadClientId,
                false,
            )))
            .await?;
        return Ok(());
    }
    stream
        .send(Packet::ConnAck(ConnAck::new(
            ConnectReturnCode::Success,
            false,
        )))
        .await?;
    let credential = if !password.is_empty() {
        Credential::Sas(&password)
    } else if !chain.is_empty() {
        Credential::Certificates(chain)
    } else {
        Credential::None
    };
    let request = device::Request {
        protocol,
        id_scope: &user.id_scope,
        registration_id: &user.registration_id,
        credential,
    };
    while let Some(packet) = stream.next().await? {
        let publish = match stream.answer(packet).await? {
            Inbound::Subscribe(sub) => {
                stream.suback(&sub, |f| f == MQTT_RESPONSE_FILTER).await?;
                continue;
            }
            Inbound::Publish(publish) => publish,
            Inbound::End => break,
            Inbound::Done => continue,
        };
        let Some(req) = MqttRequest::parse(&publish.topic) else {
            tracing::debug!(topic = %publish.topic, "MQTT publish to an unknown topic ignored");
            continue;
        };
        let (answer, rid) = {
            let db = shared.db.lock().unwrap_or_else(|p| p.into_inner());
            match &req {
                MqttRequest::Register { rid } => (
                    shared.registrar.register(&db, &request, &publish.payload),
                    rid.clone(),
                ),
                MqttRequest::OperationStatus { rid, operation_id } => (
                    shared.registrar.operation(&db, &request, operation_id),
                    rid.clone(),
                ),
            }
        };
        crate::service::run_pending(shared);
        let topic = mqtt_response_topic(answer.status, &rid, answer.retry_after);
        let payload = serde_json::to_vec(&answer.body).unwrap_or_default();
        stream
            .send(Packet::Publish(Publish::new(
                topic,
                QoS::AtMostOnce,
                payload,
            )))
            .await?;
    }
    Ok(())
}
