//! A DPS device client: registration over MQTT 3.1.1 on TLS as field firmware does it
//! (DPS-NOTES §2.6), with a symmetric key (SAS as the password) or an X.509 identity (mutual
//! TLS). It uses only what a device holds: the endpoint, its ID scope and registration ID, its
//! credential and its trust anchors. Packets are rumqttc's `mqttbytes::v4` codec; topics,
//! usernames and SAS come from `dps-wire`.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::BytesMut;
use dps_wire::device::{
    DeviceRegistrationResult, MQTT_RESPONSE_FILTER, MqttRequest, RegistrationOperationStatus,
    RegistrationStatus, mqtt_username, parse_mqtt_response_topic,
};
use dps_wire::sas::{PolicyKey, device_token};
use rumqttc::mqttbytes::v4::{Connect, ConnectReturnCode, Login, Packet, Publish, Subscribe};
use rumqttc::mqttbytes::{Error as MqttError, QoS};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

/// What the client says it is (the SDKs send theirs in the username).
pub const CLIENT_VERSION: &str = "station-virtual-dut/0.1";
/// How long the device waits for any one answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// The most operation lookups before the device gives up.
const MAX_POLLS: u32 = 20;
/// How long a SAS token the device makes is valid.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Where DPS is and what the device trusts.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Host name (verified against the server certificate).
    pub host: String,
    /// MQTT port (8883 on DPS).
    pub port: u16,
    /// The trust anchors (the device's built-in roots).
    pub roots: Vec<CertificateDer<'static>>,
}

/// The device's credential.
pub enum Credential {
    /// The device's symmetric key.
    SymmetricKey(PolicyKey),
    /// The device's certificate chain (leaf first) and private key.
    X509 {
        /// Leaf first.
        chain: Vec<CertificateDer<'static>>,
        /// The leaf's private key.
        key: PrivateKeyDer<'static>,
    },
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credential::SymmetricKey(_) => "Credential::SymmetricKey(<redacted>)",
            Credential::X509 { .. } => "Credential::X509(<redacted>)",
        })
    }
}

/// The outcome of a registration the service answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// `assigned`, `disabled` or `failed`.
    pub status: RegistrationStatus,
    /// The registration state (hub, device ID, …).
    pub state: Option<DeviceRegistrationResult>,
    /// Operation lookups it took.
    pub polls: u32,
}

/// Why a registration did not complete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// The connection failed.
    #[error("cannot reach DPS at {endpoint}: {source}")]
    Connect {
        /// `host:port`.
        endpoint: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The TLS set-up (the device's credential or roots) is unusable.
    #[error("TLS: {0}")]
    Tls(String),
    /// A malformed MQTT packet.
    #[error("MQTT: {0}")]
    Mqtt(#[from] MqttError),
    /// The connection broke.
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    /// CONNECT was refused.
    #[error("DPS refused the MQTT connection: {0:?}")]
    ConnectRefused(ConnectReturnCode),
    /// The service refused the registration.
    #[error("DPS refused the registration: {status} {error_code:?} {message}")]
    Refused {
        /// The status on the response topic.
        status: u16,
        /// DPS's extended error code.
        error_code: Option<i64>,
        /// DPS's message.
        message: String,
    },
    /// No answer in time, or too many lookups.
    #[error("DPS did not answer in time")]
    Timeout,
    /// An answer that is not the DPS shape.
    #[error("unexpected answer from DPS: {0}")]
    BadAnswer(String),
}

/// Registers over MQTT: CONNECT, SUBSCRIBE `$dps/registrations/res/#`, PUBLISH register, then
/// operation lookups after each `retry-after` until the registration is decided.
pub async fn register_mqtt(
    endpoint: &Endpoint,
    id_scope: &str,
    registration_id: &str,
    credential: &Credential,
) -> Result<Registration, DeviceError> {
    let tls = tls_config(endpoint, credential)?;
    let addr = format!("{}:{}", endpoint.host, endpoint.port);
    let tcp = tokio::net::TcpStream::connect(&addr)
        .await
        .map_err(|source| DeviceError::Connect {
            endpoint: addr.clone(),
            source,
        })?;
    let _ = tcp.set_nodelay(true);
    let name =
        ServerName::try_from(endpoint.host.clone()).map_err(|e| DeviceError::Tls(e.to_string()))?;
    let io = tokio_rustls::TlsConnector::from(tls)
        .connect(name, tcp)
        .await
        .map_err(|source| DeviceError::Connect {
            endpoint: addr,
            source,
        })?;
    let mut link = Link {
        io,
        buf: BytesMut::with_capacity(4096),
    };
    let password = match credential {
        Credential::SymmetricKey(key) => {
            let expiry = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .saturating_add(TOKEN_LIFETIME)
                .as_secs();
            device_token(key, id_scope, registration_id, expiry)
                .as_str()
                .to_owned()
        }
        Credential::X509 { .. } => String::new(),
    };
    let mut connect = Connect::new(registration_id);
    connect.keep_alive = 60;
    connect.clean_session = true;
    connect.login = Some(Login::new(
        mqtt_username(id_scope, registration_id, CLIENT_VERSION),
        password,
    ));
    link.send(Packet::Connect(connect)).await?;
    match link.next().await? {
        Packet::ConnAck(ack) if ack.code == ConnectReturnCode::Success => {}
        Packet::ConnAck(ack) => return Err(DeviceError::ConnectRefused(ack.code)),
        other => return Err(DeviceError::BadAnswer(format!("{other:?} before CONNACK"))),
    }
    link.send(Packet::Subscribe(Subscribe::new(
        MQTT_RESPONSE_FILTER,
        QoS::AtLeastOnce,
    )))
    .await?;
    match link.next().await? {
        Packet::SubAck(_) => {}
        other => return Err(DeviceError::BadAnswer(format!("{other:?} before SUBACK"))),
    }
    let body = serde_json::json!({ "registrationId": registration_id }).to_string();
    let mut rid = 1u32;
    let mut request = MqttRequest::Register {
        rid: rid.to_string(),
    };
    let mut polls = 0;
    loop {
        let mut publish = Publish::new(request.topic(), QoS::AtLeastOnce, body.clone());
        publish.pkid = u16::try_from(rid % 60_000 + 1).unwrap_or(1);
        link.send(Packet::Publish(publish)).await?;
        let (status, retry_after, answer) = link.answer(&rid.to_string()).await?;
        rid += 1;
        match status {
            200 | 202 => {
                let op: RegistrationOperationStatus = serde_json::from_slice(&answer)
                    .map_err(|e| DeviceError::BadAnswer(e.to_string()))?;
                if op.status != RegistrationStatus::Assigning {
                    link.send(Packet::Disconnect).await.ok();
                    return Ok(Registration {
                        status: op.status,
                        state: op.registration_state,
                        polls,
                    });
                }
                polls += 1;
                if polls > MAX_POLLS {
                    return Err(DeviceError::Timeout);
                }
                tokio::time::sleep(Duration::from_secs(u64::from(retry_after.unwrap_or(1)))).await;
                request = MqttRequest::OperationStatus {
                    rid: rid.to_string(),
                    operation_id: op.operation_id,
                };
            }
            429 => {
                tokio::time::sleep(Duration::from_secs(u64::from(
                    retry_after.unwrap_or(1).max(1),
                )))
                .await;
                request = match request {
                    MqttRequest::Register { .. } => MqttRequest::Register {
                        rid: rid.to_string(),
                    },
                    MqttRequest::OperationStatus { operation_id, .. } => {
                        MqttRequest::OperationStatus {
                            rid: rid.to_string(),
                            operation_id,
                        }
                    }
                };
            }
            _ => {
                let v: serde_json::Value = serde_json::from_slice(&answer).unwrap_or_default();
                return Err(DeviceError::Refused {
                    status,
                    error_code: v["errorCode"].as_i64(),
                    message: v["message"].as_str().unwrap_or_default().to_owned(),
                });
            }
        }
    }
}

fn tls_config(
    endpoint: &Endpoint,
    credential: &Credential,
) -> Result<Arc<rustls::ClientConfig>, DeviceError> {
    let mut roots = rustls::RootCertStore::empty();
    for r in &endpoint.roots {
        roots
            .add(r.clone())
            .map_err(|e| DeviceError::Tls(format!("a trust anchor is unusable: {e}")))?;
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| DeviceError::Tls(e.to_string()))?
    .with_root_certificates(roots);
    let config = match credential {
        Credential::SymmetricKey(_) => builder.with_no_client_auth(),
        Credential::X509 { chain, key } => builder
            .with_client_auth_cert(chain.clone(), key.clone_key())
            .map_err(|e| DeviceError::Tls(format!("the device certificate is unusable: {e}")))?,
    };
    Ok(Arc::new(config))
}

struct Link<S> {
    io: S,
    buf: BytesMut,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Link<S> {
    async fn send(&mut self, packet: Packet) -> Result<(), DeviceError> {
        let mut out = BytesMut::new();
        packet.write(&mut out, usize::MAX)?;
        self.io.write_all(&out).await?;
        self.io.flush().await?;
        Ok(())
    }

    async fn next(&mut self) -> Result<Packet, DeviceError> {
        tokio::time::timeout(ANSWER_TIMEOUT, async {
            loop {
                match Packet::read(&mut self.buf, 1 << 20) {
                    Ok(p) => return Ok(p),
                    Err(MqttError::InsufficientBytes(_)) => {}
                    Err(e) => return Err(e.into()),
                }
                if self.io.read_buf(&mut self.buf).await? == 0 {
                    return Err(DeviceError::Io(std::io::ErrorKind::UnexpectedEof.into()));
                }
            }
        })
        .await
        .map_err(|_| DeviceError::Timeout)?
    }

    /// The response for request `rid`: status, `retry-after`, payload.
    async fn answer(&mut self, rid: &str) -> Result<(u16, Option<u32>, Vec<u8>), DeviceError> {
        loop {
            if let Packet::Publish(p) = self.next().await? {
                match parse_mqtt_response_topic(&p.topic) {
                    Some((status, got, retry)) if got == rid => {
                        return Ok((status, retry, p.payload.to_vec()));
                    }
                    _ => continue,
                }
            }
        }
    }
}
