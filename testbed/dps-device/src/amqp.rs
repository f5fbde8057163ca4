//! Registration over AMQP 1.0 on TLS, as Microsoft's device SDKs do it (DPS-NOTES §2.7): TLS
//! first (ours), then SASL `PLAIN` with the SAS for a symmetric-key device, or no SASL and the
//! TLS client certificate for an X.509 one; a sender and a receiver link on
//! `{idScope}/registrations/{registrationId}`; each request a message naming its operation in
//! its application properties, with a correlation ID the answer carries back as one data
//! section of DPS's JSON. A refusal is a rejected disposition whose description is DPS's error
//! JSON. fe2o3-amqp is the AMQP layer.

use dps_wire::device::amqp::{
    OPERATION_ID, OPERATION_STATUS, OPERATION_TYPE, REGISTER, RETRY_AFTER, THROTTLED, link_address,
};
use dps_wire::sas::device_token;
use fe2o3_amqp::connection::ConnectionHandle;
use fe2o3_amqp::sasl_profile::SaslProfile;
use fe2o3_amqp::session::SessionHandle;
use fe2o3_amqp::types::definitions::{AmqpError, ErrorCondition};
use fe2o3_amqp::types::messaging::{
    ApplicationProperties, Body, Message, MessageId, Outcome, Properties,
};
use fe2o3_amqp::types::primitives::{Binary, SimpleValue, Value};
use fe2o3_amqp::{Connection, Receiver, Sender, Session};

use crate::{
    ANSWER_TIMEOUT, Credential, DeviceError, Endpoint, Next, Registration, next_step, tls_connect,
    token_expiry,
};

/// An AMQP failure below DPS's answers (open, begin, attach, send, receive).
fn amqp(what: &str, e: impl std::fmt::Display) -> DeviceError {
    DeviceError::Amqp(format!("{what}: {e}"))
}

/// The device's open AMQP connection: its session and link pair.
struct AmqpLink {
    connection: ConnectionHandle<()>,
    session: SessionHandle<()>,
    sender: Sender,
    receiver: Receiver,
    registration_id: String,
    requests: u32,
}

impl AmqpLink {
    async fn open(
        endpoint: &Endpoint,
        id_scope: &str,
        registration_id: &str,
        credential: &Credential,
    ) -> Result<AmqpLink, DeviceError> {
        let io = tls_connect(endpoint, Some(credential)).await?;
        let address = link_address(id_scope, registration_id);
        let builder = Connection::builder()
            .container_id(registration_id)
            .hostname(endpoint.host.as_str());
        let opened = match credential {
            Credential::SymmetricKey(key) => {
                let sas = device_token(key, id_scope, registration_id, token_expiry());
                builder
                    .sasl_profile(SaslProfile::Plain {
                        username: address.clone(),
                        password: sas.as_str().to_owned(),
                    })
                    .open_with_stream(io)
                    .await
            }
            Credential::X509 { .. } => builder.open_with_stream(io).await,
        };
        let mut connection = opened.map_err(|e| match e {
            // SASL refused the SAS: DPS's 401, as HTTPS and MQTT devices get it.
            fe2o3_amqp::connection::OpenError::SaslError { code, .. } => DeviceError::Refused {
                status: 401,
                error_code: None,
                message: format!("SASL refused the device's SAS ({code:?})"),
            },
            other => amqp("open", other),
        })?;
        let mut session = Session::begin(&mut connection)
            .await
            .map_err(|e| amqp("begin", e))?;
        let sender = Sender::attach(&mut session, "sender", address.clone())
            .await
            .map_err(|e| amqp("attach the sender", e))?;
        let receiver = Receiver::attach(&mut session, "receiver", address)
            .await
            .map_err(|e| amqp("attach the receiver", e))?;
        Ok(AmqpLink {
            connection,
            session,
            sender,
            receiver,
            registration_id: registration_id.to_owned(),
            requests: 0,
        })
    }

    /// Sends one request and waits for its answer: `(status, retry-after, JSON)`; a rejection
    /// is DPS's error (its status from the error code), a throttle `429`.
    async fn request(
        &mut self,
        operation: &str,
        operation_id: Option<&str>,
        body: &[u8],
    ) -> Result<(u16, Option<u64>, serde_json::Value), DeviceError> {
        self.requests += 1;
        let correlation = format!("{}-{}", self.registration_id, self.requests);
        let mut properties =
            ApplicationProperties::builder().insert(OPERATION_TYPE, operation.to_owned());
        if let Some(id) = operation_id {
            properties = properties.insert(OPERATION_ID, id.to_owned());
        }
        let message = Message::builder()
            .properties(Properties {
                correlation_id: Some(MessageId::String(correlation.clone())),
                ..Properties::default()
            })
            .application_properties(properties.build())
            .data(Binary::from(body.to_vec()))
            .build();
        let outcome = tokio::time::timeout(ANSWER_TIMEOUT, self.sender.send(message))
            .await
            .map_err(|_| DeviceError::Timeout)?
            .map_err(|e| amqp("send", e))?;
        match outcome {
            Outcome::Accepted(_) => {}
            Outcome::Rejected(rejected) => return Ok(rejection(rejected.error)),
            other => {
                return Err(DeviceError::BadAnswer(format!(
                    "the request was not accepted: {other:?}"
                )));
            }
        }
        loop {
            let delivery =
                tokio::time::timeout(ANSWER_TIMEOUT, self.receiver.recv::<Body<Value>>())
                    .await
                    .map_err(|_| DeviceError::Timeout)?
                    .map_err(|e| amqp("receive", e))?;
            // The service settles its answers; accepting an unsettled one costs nothing.
            let _ = self.receiver.accept(&delivery).await;
            let message = delivery.message();
            let answers_this = message
                .properties
                .as_ref()
                .and_then(|p| p.correlation_id.as_ref())
                .is_some_and(|c| *c == MessageId::String(correlation.clone()));
            if !answers_this {
                continue;
            }
            let retry_after = message.application_properties.as_ref().and_then(|p| {
                RETRY_AFTER
                    .iter()
                    .find_map(|name| p.0.get(*name))
                    .and_then(seconds)
            });
            let json = match &message.body {
                Body::Data(sections) => sections
                    .iter()
                    .flat_map(|d| d.0.iter().copied())
                    .collect::<Vec<u8>>(),
                other => {
                    return Err(DeviceError::BadAnswer(format!(
                        "an answer that is not a data section: {other:?}"
                    )));
                }
            };
            let value =
                serde_json::from_slice(&json).map_err(|e| DeviceError::BadAnswer(e.to_string()))?;
            return Ok((200, retry_after, value));
        }
    }

    /// Detaches both links, ends the session and closes the connection, in that order.
    async fn close(self) {
        let AmqpLink {
            mut connection,
            mut session,
            sender,
            receiver,
            ..
        } = self;
        let _ = sender.close().await;
        let _ = receiver.close().await;
        let _ = session.end().await;
        let _ = connection.close().await;
    }
}

/// Seconds in an AMQP value (the SDKs send a number or a string).
fn seconds(v: &SimpleValue) -> Option<u64> {
    match v {
        SimpleValue::Long(n) => u64::try_from(*n).ok(),
        SimpleValue::Int(n) => u64::try_from(*n).ok(),
        SimpleValue::Ulong(n) => Some(*n),
        SimpleValue::Uint(n) => Some(u64::from(*n)),
        SimpleValue::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A rejected request as `(status, retry-after, DPS's error JSON)`.
fn rejection(
    error: Option<fe2o3_amqp::types::definitions::Error>,
) -> (u16, Option<u64>, serde_json::Value) {
    let Some(error) = error else {
        return (400, None, serde_json::Value::Null);
    };
    let body: serde_json::Value = error
        .description
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_else(|| serde_json::json!({ "message": error.description }));
    let retry_after = error.info.as_ref().and_then(|info| {
        RETRY_AFTER.iter().find_map(|name| {
            info.iter()
                .find(|(k, _)| k.as_str() == *name)
                .and_then(|(_, v)| SimpleValue::try_from(v.clone()).ok())
                .and_then(|v| seconds(&v))
        })
    });
    let from_code = body["errorCode"]
        .as_i64()
        .and_then(|c| u16::try_from(c / 1000).ok());
    let status = match &error.condition {
        ErrorCondition::Custom(c) if c.as_str() == THROTTLED => 429,
        ErrorCondition::AmqpError(AmqpError::UnauthorizedAccess) => from_code.unwrap_or(401),
        ErrorCondition::AmqpError(AmqpError::InternalError) => from_code.unwrap_or(500),
        _ => from_code.unwrap_or(400),
    };
    (status, retry_after, body)
}

/// Registers over AMQP: open (SASL `PLAIN` with the SAS, or the certificate), attach the link
/// pair, send the register request, then operation lookups after each `retry-after` until the
/// registration is decided.
pub async fn register_amqp(
    endpoint: &Endpoint,
    id_scope: &str,
    registration_id: &str,
    credential: &Credential,
) -> Result<Registration, DeviceError> {
    let mut link = AmqpLink::open(endpoint, id_scope, registration_id, credential).await?;
    let result = decide(&mut link, registration_id).await;
    link.close().await;
    result
}

async fn decide(link: &mut AmqpLink, registration_id: &str) -> Result<Registration, DeviceError> {
    let body = serde_json::json!({ "registrationId": registration_id }).to_string();
    let mut operation_id: Option<String> = None;
    let mut polls = 0;
    loop {
        let (status, retry_after, answer) = match &operation_id {
            None => link.request(REGISTER, None, body.as_bytes()).await?,
            Some(op) => link.request(OPERATION_STATUS, Some(op), &[]).await?,
        };
        match next_step(status, retry_after, answer, &mut polls).await? {
            Next::Decided(registration) => return Ok(*registration),
            Next::Poll(op) => operation_id = Some(op),
            Next::Again => {}
        }
    }
}
