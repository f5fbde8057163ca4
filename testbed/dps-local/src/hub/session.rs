//! A hub device's MQTT session, as Microsoft's device SDKs speak it (DPS-NOTES §2.9): the
//! CONNECT is checked against the hub's registry; then `$iothub/twin/GET/?$rid=…` reads the
//! twin, `$iothub/twin/PATCH/properties/reported/?$rid=…` reports properties (answers on
//! `$iothub/twin/res/{status}/?$rid=…[&$version=…]`), desired-property updates arrive on
//! `$iothub/twin/PATCH/properties/desired/?$version=…`, and telemetry goes to
//! `devices/{deviceId}/messages/events/{properties}`.

use std::sync::Arc;

use dps_wire::sas::{PolicyKey, SasFields};
use rumqttc::mqttbytes::QoS;
use rumqttc::mqttbytes::v4::{ConnAck, Connect, ConnectReturnCode, Packet, Publish};
use rustls::pki_types::CertificateDer;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::broadcast::error::RecvError;

use super::registry::{self, HubCredential, HubDevice, Side};
use super::{HubEvent, HubUsername, thumbprint};
use crate::mqtt_wire::{Inbound, SessionError, Stream};
use crate::service::Shared;

/// The topics a hub device may subscribe to.
const TWIN_RESPONSES: &str = "$iothub/twin/res/#";
const DESIRED: &str = "$iothub/twin/PATCH/properties/desired/#";
const TWIN_GET: &str = "$iothub/twin/GET/";
const REPORTED: &str = "$iothub/twin/PATCH/properties/reported/";

/// The device, if the CONNECT proves it; else the CONNACK code and the reason (for the log).
fn admit(
    shared: &Shared,
    connect: &Connect,
    user: &HubUsername,
    password: &str,
    chain: &[CertificateDer<'static>],
) -> Result<HubDevice, (ConnectReturnCode, String)> {
    if connect.client_id != user.device_id {
        return Err((
            ConnectReturnCode::BadClientId,
            format!("client ID {:?} is not the device ID", connect.client_id),
        ));
    }
    let linked = shared
        .registrar
        .settings()
        .linked_hubs
        .iter()
        .any(|h| h.host_name.eq_ignore_ascii_case(&user.hub));
    if !linked {
        return Err((
            ConnectReturnCode::BadUserNamePassword,
            format!("{} is not a hub linked to this service", user.hub),
        ));
    }
    let device = {
        let db = shared.db.lock().unwrap_or_else(|p| p.into_inner());
        registry::device(&db, &user.hub, &user.device_id)
    };
    let device = match device {
        Ok(Some(d)) => d,
        Ok(None) => {
            return Err((
                ConnectReturnCode::NotAuthorized,
                "no such device on the hub (DPS has not assigned it there)".into(),
            ));
        }
        Err(e) => {
            return Err((
                ConnectReturnCode::ServiceUnavailable,
                format!("the registry could not be read: {e}"),
            ));
        }
    };
    if !device.enabled {
        return Err((
            ConnectReturnCode::NotAuthorized,
            "the device is disabled on its hub".into(),
        ));
    }
    let proved = match &device.credential {
        Some(HubCredential::X509 { thumbprint: want }) => {
            chain.first().is_some_and(|leaf| thumbprint(leaf) == *want)
        }
        Some(HubCredential::SymmetricKey { keys }) => sas_signed(password, user, keys),
        Some(HubCredential::Tpm { key }) => sas_signed(password, user, std::slice::from_ref(key)),
        None => false,
    };
    if !proved {
        return Err((
            ConnectReturnCode::NotAuthorized,
            "the credential is not the one DPS assigned the device".into(),
        ));
    }
    Ok(device)
}

/// Whether `password` is an unexpired SAS for `{hub}/devices/{deviceId}` signed with one of
/// `keys` (base64).
fn sas_signed(password: &str, user: &HubUsername, keys: &[String]) -> bool {
    let Ok(fields) = SasFields::parse(password) else {
        return false;
    };
    let want = format!("{}/devices/{}", user.hub, user.device_id).to_ascii_lowercase();
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    fields.resource().as_deref() == Some(want.as_str())
        && fields.expiry > now
        && keys
            .iter()
            .filter_map(|k| PolicyKey::from_base64(k).ok())
            .any(|k| fields.signed_by(&k))
}

/// The `$rid` of a request topic's query.
fn rid(topic: &str) -> String {
    topic
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("$rid="))
        .unwrap_or_default()
        .to_owned()
}

fn publish(topic: String, payload: Vec<u8>) -> Packet {
    Packet::Publish(Publish::new(topic, QoS::AtMostOnce, payload))
}

/// Runs a hub device's session after its CONNECT.
pub(crate) async fn run<W: AsyncRead + AsyncWrite + Unpin>(
    mut stream: Stream<W>,
    shared: &Arc<Shared>,
    chain: &[CertificateDer<'static>],
    connect: &Connect,
    user: HubUsername,
    password: &str,
) -> Result<(), SessionError> {
    let device = match admit(shared, connect, &user, password, chain) {
        Ok(device) => device,
        Err((code, why)) => {
            tracing::debug!(hub = %user.hub, device = %user.device_id, %why, "hub CONNECT refused");
            stream
                .send(Packet::ConnAck(ConnAck::new(code, false)))
                .await?;
            return Ok(());
        }
    };
    let (hub, device_id) = (device.hub, device.device_id);
    let mut events = shared.hub.subscribe();
    stream
        .send(Packet::ConnAck(ConnAck::new(
            ConnectReturnCode::Success,
            false,
        )))
        .await?;
    tracing::debug!(%hub, device = %device_id, "hub device connected");
    let telemetry = format!("devices/{device_id}/messages/events/");
    let mut wants_desired = false;
    loop {
        let packet = tokio::select! {
            p = stream.next() => p?,
            event = events.recv() => {
                match event {
                    Ok(e) if e.is_for(&hub, &device_id) => match e {
                        HubEvent::Desired { version, patch, .. } if wants_desired => {
                            let mut body = patch;
                            if let Some(map) = body.as_object_mut() {
                                map.insert("$version".into(), version.into());
                            }
                            let topic = format!("$iothub/twin/PATCH/properties/desired/?$version={version}");
                            stream.send(publish(topic, body.to_string().into_bytes())).await?;
                        }
                        HubEvent::Desired { .. } => {}
                        HubEvent::Disabled { .. } => {
                            tracing::debug!(%hub, device = %device_id, "disabled: disconnected");
                            return Ok(());
                        }
                    },
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return Ok(()),
                }
                continue;
            }
        };
        let Some(packet) = packet else { return Ok(()) };
        match stream.answer(packet).await? {
            Inbound::Subscribe(sub) => {
                let devicebound = format!("devices/{device_id}/messages/devicebound/#");
                wants_desired |= sub.filters.iter().any(|f| f.path == DESIRED);
                stream
                    .suback(&sub, |f| {
                        f == TWIN_RESPONSES
                            || f == DESIRED
                            || f == devicebound
                            || f.starts_with("$iothub/methods/POST/")
                    })
                    .await?;
            }
            Inbound::Publish(p) => {
                if let Some(answer) = request(shared, &hub, &device_id, &telemetry, &p) {
                    stream.send(answer).await?;
                }
            }
            Inbound::End => return Ok(()),
            Inbound::Done => {}
        }
    }
}

/// One PUBLISH from the device: a twin request (its answer) or telemetry (recorded).
fn request(
    shared: &Shared,
    hub: &str,
    device_id: &str,
    telemetry: &str,
    p: &Publish,
) -> Option<Packet> {
    let db = shared.db.lock().unwrap_or_else(|p| p.into_inner());
    let answer = |status: u16, rid: &str, query: &str, body: Vec<u8>| {
        Some(publish(
            format!("$iothub/twin/res/{status}/?$rid={rid}{query}"),
            body,
        ))
    };
    if p.topic.starts_with(TWIN_GET) {
        let rid = rid(&p.topic);
        return match registry::device(&db, hub, device_id) {
            Ok(Some(d)) => answer(200, &rid, "", d.device_twin().to_string().into_bytes()),
            _ => answer(500, &rid, "", Vec::new()),
        };
    }
    if p.topic.starts_with(REPORTED) {
        let rid = rid(&p.topic);
        let Ok(patch @ Value::Object(_)) = serde_json::from_slice::<Value>(&p.payload) else {
            return answer(400, &rid, "", Vec::new());
        };
        return match registry::patch(&db, hub, device_id, Side::Reported, &patch) {
            Ok(Some(version)) => answer(204, &rid, &format!("&$version={version}"), Vec::new()),
            _ => answer(500, &rid, "", Vec::new()),
        };
    }
    if let Some(properties) = p.topic.strip_prefix(telemetry) {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        if let Err(e) = registry::record(&db, hub, device_id, &now, properties, &p.payload) {
            tracing::error!(error = %e, "could not record telemetry");
        }
        return None;
    }
    tracing::debug!(topic = %p.topic, "hub publish to an unknown topic ignored");
    None
}
