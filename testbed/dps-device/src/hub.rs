//! The device at its hub after DPS assigned it (DPS-NOTES §2.9): MQTT 3.1.1 on TLS with client
//! ID = device ID, username `{hub}/{deviceId}/?api-version=2021-04-12`, a SAS for
//! `{hub}/devices/{deviceId}` as the password (signed with its symmetric key, or by its TPM with
//! the hub key DPS delivered) or its X.509 client certificate; it reads its twin
//! (`$iothub/twin/GET`) and reports properties (`$iothub/twin/PATCH/properties/reported`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use dps_wire::sas::{PolicyKey, url_encode};
use rumqttc::mqttbytes::QoS;
use rumqttc::mqttbytes::v4::{Packet, Publish};

use crate::{Credential, DeviceError, Endpoint, Link, token_expiry};

/// The api-version the device's hub username names (Microsoft's Node SDK's).
const HUB_API_VERSION: &str = "2021-04-12";

/// How the device proves itself to its hub.
pub enum HubAuth<'a> {
    /// A SAS ([`hub_sas`], or signed by its TPM with [`hub_sas_with`]).
    Sas(String),
    /// Its X.509 credential: the TLS client certificate.
    Certificate(&'a Credential),
}

impl std::fmt::Debug for HubAuth<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HubAuth::Sas(_) => "HubAuth::Sas(<redacted>)",
            HubAuth::Certificate(_) => "HubAuth::Certificate",
        })
    }
}

/// A SAS for `{hub}/devices/{deviceId}` whose signature `sign` makes over `sr\nse` (its TPM's
/// HMAC with the hub key, for a TPM device).
pub fn hub_sas_with(
    hub: &str,
    device_id: &str,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<String, String> {
    let sr = url_encode(&format!("{hub}/devices/{device_id}"));
    let se = token_expiry();
    let sig = sign(format!("{sr}\n{se}").as_bytes())?;
    Ok(format!(
        "SharedAccessSignature sr={sr}&sig={}&se={se}",
        url_encode(&B64.encode(sig))
    ))
}

/// A SAS for `{hub}/devices/{deviceId}` signed with the device's symmetric key.
pub fn hub_sas(key: &PolicyKey, hub: &str, device_id: &str) -> String {
    hub_sas_with(hub, device_id, |m| {
        B64.decode(key.sign(m)).map_err(|e| e.to_string())
    })
    .unwrap_or_default()
}

/// Connects to `hub` (reached at `endpoint`, a gateway when the hub's own name does not
/// resolve) as `device_id`, reads its twin, reports `reported` and disconnects; the twin as
/// read (`{"desired": …, "reported": …}`).
pub async fn visit_hub(
    endpoint: &Endpoint,
    hub: &str,
    device_id: &str,
    auth: HubAuth<'_>,
    reported: &serde_json::Value,
) -> Result<serde_json::Value, DeviceError> {
    let (tls_credential, password) = match &auth {
        HubAuth::Sas(sas) => (None, sas.clone()),
        HubAuth::Certificate(credential) => (Some(*credential), String::new()),
    };
    let mut link = Link::open(
        endpoint,
        tls_credential,
        device_id,
        format!("{hub}/{device_id}/?api-version={HUB_API_VERSION}"),
        password,
    )
    .await?;
    link.subscribe("$iothub/twin/res/#", QoS::AtMostOnce)
        .await?;
    link.send(Packet::Publish(Publish::new(
        "$iothub/twin/GET/?$rid=1",
        QoS::AtMostOnce,
        Vec::<u8>::new(),
    )))
    .await?;
    let (status, _, twin) = link.twin_answer("1").await?;
    if status != 200 {
        return Err(DeviceError::BadAnswer(format!(
            "the twin read answered {status}"
        )));
    }
    let twin: serde_json::Value =
        serde_json::from_slice(&twin).map_err(|e| DeviceError::BadAnswer(e.to_string()))?;
    link.send(Packet::Publish(Publish::new(
        "$iothub/twin/PATCH/properties/reported/?$rid=2",
        QoS::AtMostOnce,
        reported.to_string(),
    )))
    .await?;
    let (status, _, _) = link.twin_answer("2").await?;
    if status != 204 {
        return Err(DeviceError::BadAnswer(format!(
            "the reported properties were answered {status}"
        )));
    }
    link.send(Packet::Disconnect).await.ok();
    Ok(twin)
}
