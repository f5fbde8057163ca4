//! A DPS device client: registration over MQTT 3.1.1 on TLS as field firmware does it
//! (DPS-NOTES §2.6), or over AMQP 1.0 ([`register_amqp`], §2.7), with a symmetric key (SAS as the password) or an X.509 identity (mutual
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

mod amqp;
mod hub;
pub use amqp::register_amqp;
pub use hub::{HubAuth, hub_sas, hub_sas_with, visit_hub};

/// What the client says it is (the SDKs send theirs in the username).
pub const CLIENT_VERSION: &str = "station-virtual-dut/0.1";
/// How long the device waits for any one answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// The most operation lookups before the device gives up.
const MAX_POLLS: u32 = 20;
/// How long a SAS token the device makes is valid.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// When a SAS token made now expires (Unix seconds).
fn token_expiry() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_add(TOKEN_LIFETIME)
        .as_secs()
}

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
    /// The AMQP connection, session or links failed below DPS's answers.
    #[error("AMQP: {0}")]
    Amqp(String),
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

/// What a TPM device's TPM does with DPS's key blobs (DPS-NOTES §2.5): activate the credential
/// with its EK, import the duplicated key under its SRK, and HMAC with it.
pub trait TpmDevice {
    /// Imports `blob` and returns HMAC-SHA256 of `message` with the imported key.
    fn import_and_sign(&mut self, blob: &[u8], message: &[u8]) -> Result<Vec<u8>, String>;
}

/// Registers a TPM device over HTTPS (DPS has no TPM over MQTT): the register request with
/// the EK and SRK (base64 of their `TPM2B_PUBLIC`) gets the challenge, the TPM imports its
/// key and signs the SAS, then register and operation lookups carry it. The hub key is in the
/// result (`registrationState.tpm`): the device's TPM signs its hub SAS with it
/// ([`hub_sas_with`]).
pub async fn register_tpm_https(
    endpoint: &Endpoint,
    id_scope: &str,
    registration_id: &str,
    endorsement_key: &str,
    storage_root_key: &str,
    tpm: &mut dyn TpmDevice,
) -> Result<Registration, DeviceError> {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as B64;
    use dps_wire::device::{TpmChallenge, operation_path, register_path};
    use dps_wire::sas::url_encode;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let roots = endpoint
        .roots
        .iter()
        .map(|r| reqwest::Certificate::from_der(r.as_ref()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DeviceError::Tls(e.to_string()))?;
    let http = reqwest::Client::builder()
        .tls_backend_rustls()
        .tls_certs_only(roots)
        .timeout(ANSWER_TIMEOUT)
        .build()
        .map_err(|e| DeviceError::Tls(e.to_string()))?;
    let base = format!("https://{}:{}", endpoint.host, endpoint.port);
    let body = serde_json::json!({
        "registrationId": registration_id,
        "tpm": { "endorsementKey": endorsement_key, "storageRootKey": storage_root_key },
    });
    let url = format!(
        "{base}{}",
        register_path(id_scope, registration_id, "2021-06-01")
    );
    let send = |req: reqwest::RequestBuilder| send_json(endpoint, req);
    let (status, challenge, _) = send(http.put(&url).json(&body)).await?;
    if status != 401 || challenge.get("authenticationKey").is_none() {
        return Err(refused(status, &challenge));
    }
    let challenge: TpmChallenge =
        serde_json::from_value(challenge).map_err(|e| DeviceError::BadAnswer(e.to_string()))?;
    let blob = B64
        .decode(&challenge.authentication_key)
        .map_err(|e| DeviceError::BadAnswer(e.to_string()))?;
    let sr = url_encode(&dps_wire::sas::sas_resource(id_scope, registration_id));
    let se = token_expiry().to_string();
    let sig = tpm
        .import_and_sign(&blob, format!("{sr}\n{se}").as_bytes())
        .map_err(DeviceError::Tls)?;
    let sas = format!(
        "SharedAccessSignature sr={sr}&sig={}&se={se}&skn={}",
        url_encode(&B64.encode(sig)),
        url_encode(&challenge.key_name)
    );
    let (status, reply, mut retry_after) =
        send(http.put(&url).header("Authorization", &sas).json(&body)).await?;
    if status != 202 && status != 200 {
        return Err(refused(status, &reply));
    }
    let mut op: RegistrationOperationStatus =
        serde_json::from_value(reply).map_err(|e| DeviceError::BadAnswer(e.to_string()))?;
    let mut polls = 0;
    while op.status == RegistrationStatus::Assigning {
        polls += 1;
        if polls > MAX_POLLS {
            return Err(DeviceError::Timeout);
        }
        // DPS's pace: wait Retry-After (else a second) before each lookup.
        tokio::time::sleep(Duration::from_secs(retry_after.unwrap_or(1))).await;
        let url = format!(
            "{base}{}",
            operation_path(id_scope, registration_id, &op.operation_id, "2021-06-01")
        );
        let (status, reply, after) = send(http.get(&url).header("Authorization", &sas)).await?;
        retry_after = after;
        match status {
            200 | 202 => {
                op = serde_json::from_value(reply)
                    .map_err(|e| DeviceError::BadAnswer(e.to_string()))?;
            }
            429 => {}
            _ => return Err(refused(status, &reply)),
        }
    }
    Ok(Registration {
        status: op.status,
        state: op.registration_state,
        polls,
    })
}

/// Sends an HTTPS request to DPS and reads its JSON answer with its status and Retry-After.
async fn send_json(
    endpoint: &Endpoint,
    request: reqwest::RequestBuilder,
) -> Result<(u16, serde_json::Value, Option<u64>), DeviceError> {
    let response = request.send().await.map_err(|e| DeviceError::Connect {
        endpoint: format!("{}:{}", endpoint.host, endpoint.port),
        source: std::io::Error::other(e),
    })?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let value: serde_json::Value = response
        .json()
        .await
        .map_err(|e| DeviceError::BadAnswer(e.to_string()))?;
    Ok((status, value, retry_after))
}

/// DPS's refusal, from its error body.
fn refused(status: u16, v: &serde_json::Value) -> DeviceError {
    DeviceError::Refused {
        status,
        error_code: v["errorCode"].as_i64(),
        message: v["message"].as_str().unwrap_or_default().to_owned(),
    }
}

/// Registers over MQTT: CONNECT, SUBSCRIBE `$dps/registrations/res/#`, PUBLISH register, then
/// operation lookups after each `retry-after` until the registration is decided.
pub async fn register_mqtt(
    endpoint: &Endpoint,
    id_scope: &str,
    registration_id: &str,
    credential: &Credential,
) -> Result<Registration, DeviceError> {
    register_mqtt_with_payload(endpoint, id_scope, registration_id, credential, None).await
}

/// [`register_mqtt`] with a custom `payload` in the register request (DPS hands it to a custom
/// allocation webhook).
pub async fn register_mqtt_with_payload(
    endpoint: &Endpoint,
    id_scope: &str,
    registration_id: &str,
    credential: &Credential,
    payload: Option<&serde_json::Value>,
) -> Result<Registration, DeviceError> {
    let password = match credential {
        Credential::SymmetricKey(key) => {
            device_token(key, id_scope, registration_id, token_expiry())
                .as_str()
                .to_owned()
        }
        Credential::X509 { .. } => String::new(),
    };
    let mut link = Link::open(
        endpoint,
        Some(credential),
        registration_id,
        mqtt_username(id_scope, registration_id, CLIENT_VERSION),
        password,
    )
    .await?;
    link.subscribe(MQTT_RESPONSE_FILTER, QoS::AtLeastOnce)
        .await?;
    let mut body = serde_json::json!({ "registrationId": registration_id });
    if let Some(payload) = payload {
        body["payload"] = payload.clone();
    }
    let body = body.to_string();
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
        let answer = serde_json::from_slice(&answer).unwrap_or_default();
        let operation_id =
            match next_step(status, retry_after.map(u64::from), answer, &mut polls).await? {
                Next::Decided(registration) => {
                    link.send(Packet::Disconnect).await.ok();
                    return Ok(*registration);
                }
                Next::Poll(operation_id) => operation_id,
                Next::Again => match request {
                    MqttRequest::Register { .. } => {
                        request = MqttRequest::Register {
                            rid: rid.to_string(),
                        };
                        continue;
                    }
                    MqttRequest::OperationStatus { operation_id, .. } => operation_id,
                },
            };
        request = MqttRequest::OperationStatus {
            rid: rid.to_string(),
            operation_id,
        };
    }
}

/// What DPS's answer to a register or operation-status request tells the device to do next.
enum Next {
    /// The registration is decided (`assigned`, `disabled`, `failed`).
    Decided(Box<Registration>),
    /// Still assigning: look this operation up.
    Poll(String),
    /// Throttled: send the same request again.
    Again,
}

/// Reads one answer (its status, `retry-after` and JSON body) the same way on every transport,
/// and waits as DPS asks before the next request (at most [`MAX_POLLS`] lookups).
async fn next_step(
    status: u16,
    retry_after: Option<u64>,
    answer: serde_json::Value,
    polls: &mut u32,
) -> Result<Next, DeviceError> {
    match status {
        200 | 202 => {
            let op: RegistrationOperationStatus = serde_json::from_value(answer)
                .map_err(|e| DeviceError::BadAnswer(e.to_string()))?;
            if op.status != RegistrationStatus::Assigning {
                return Ok(Next::Decided(Box::new(Registration {
                    status: op.status,
                    state: op.registration_state,
                    polls: *polls,
                })));
            }
            *polls += 1;
            if *polls > MAX_POLLS {
                return Err(DeviceError::Timeout);
            }
            tokio::time::sleep(Duration::from_secs(retry_after.unwrap_or(1))).await;
            Ok(Next::Poll(op.operation_id))
        }
        429 => {
            tokio::time::sleep(Duration::from_secs(retry_after.unwrap_or(1).max(1))).await;
            Ok(Next::Again)
        }
        _ => Err(refused(status, &answer)),
    }
}

/// A TLS connection to `endpoint`, trusting its roots, presenting `credential`'s certificate
/// when it is an X.509 one.
async fn tls_connect(
    endpoint: &Endpoint,
    credential: Option<&Credential>,
) -> Result<TlsStream, DeviceError> {
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
    tokio_rustls::TlsConnector::from(tls)
        .connect(name, tcp)
        .await
        .map_err(|source| DeviceError::Connect {
            endpoint: addr,
            source,
        })
}

/// TLS to `endpoint`, trusting its roots; with the client certificate of an X.509 `credential`.
fn tls_config(
    endpoint: &Endpoint,
    credential: Option<&Credential>,
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
        None | Some(Credential::SymmetricKey(_)) => builder.with_no_client_auth(),
        Some(Credential::X509 { chain, key }) => builder
            .with_client_auth_cert(chain.clone(), key.clone_key())
            .map_err(|e| DeviceError::Tls(format!("the device certificate is unusable: {e}")))?,
    };
    Ok(Arc::new(config))
}

struct Link<S> {
    io: S,
    buf: BytesMut,
}

/// A TLS connection to DPS or a hub.
type TlsStream = tokio_rustls::client::TlsStream<tokio::net::TcpStream>;

type TlsLink = Link<TlsStream>;

impl TlsLink {
    /// MQTT on TLS to `endpoint` (with the client certificate of an X.509 `tls_credential`),
    /// connected (CONNECT) as `client_id` with `username` and `password`, its CONNACK a success.
    async fn open(
        endpoint: &Endpoint,
        tls_credential: Option<&Credential>,
        client_id: &str,
        username: String,
        password: String,
    ) -> Result<TlsLink, DeviceError> {
        let io = tls_connect(endpoint, tls_credential).await?;
        let mut link = Link {
            io,
            buf: BytesMut::with_capacity(4096),
        };
        let mut connect = Connect::new(client_id);
        connect.keep_alive = 60;
        connect.clean_session = true;
        connect.login = Some(Login::new(username, password));
        link.send(Packet::Connect(connect)).await?;
        match link.next().await? {
            Packet::ConnAck(ack) if ack.code == ConnectReturnCode::Success => Ok(link),
            Packet::ConnAck(ack) => Err(DeviceError::ConnectRefused(ack.code)),
            other => Err(DeviceError::BadAnswer(format!("{other:?} before CONNACK"))),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Link<S> {
    /// SUBSCRIBE to `filter`, then its SUBACK.
    async fn subscribe(&mut self, filter: &str, qos: QoS) -> Result<(), DeviceError> {
        self.send(Packet::Subscribe(Subscribe::new(filter, qos)))
            .await?;
        match self.next().await? {
            Packet::SubAck(_) => Ok(()),
            other => Err(DeviceError::BadAnswer(format!("{other:?} before SUBACK"))),
        }
    }

    /// The hub's answer to twin request `rid`: status, `$version`, payload.
    async fn twin_answer(&mut self, rid: &str) -> Result<(u16, Option<i64>, Vec<u8>), DeviceError> {
        loop {
            if let Packet::Publish(p) = self.next().await? {
                let Some(rest) = p.topic.strip_prefix("$iothub/twin/res/") else {
                    continue;
                };
                let (status, query) = rest.split_once("/?").unwrap_or((rest, ""));
                let field = |name: &str| {
                    query
                        .split('&')
                        .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
                };
                if field("$rid") == Some(rid) {
                    let status = status.parse().unwrap_or(0);
                    let version = field("$version").and_then(|v| v.parse().ok());
                    return Ok((status, version, p.payload.to_vec()));
                }
            }
        }
    }

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
