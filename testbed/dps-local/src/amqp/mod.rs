//! The device API over AMQP 1.0, as Microsoft's device SDKs speak it (DPS-NOTES §2.7), on
//! [fe2o3-amqp]'s acceptor.
//!
//! TLS comes first (no AMQP TLS header) and is ours ([`crate::tls`]); the first eight bytes
//! after it choose the layer: the SASL header for a symmetric-key device (`PLAIN`, its SAS)
//! or a TPM device (`TPM`, the challenge in segments, [`sasl`]), the plain AMQP header for an
//! X.509 device, whose identity is its TLS client certificate. The device attaches a receiver
//! and a sender link, both to `{idScope}/registrations/{registrationId}`, and sends requests
//! on the sender: application property `iotdps-operation-type` (`iotdps-register`, with the
//! registration JSON in a data section; `iotdps-get-operationstatus` with
//! `iotdps-operation-id`) and a correlation ID. A request the registrar answers with 200 or
//! 202 is accepted, and its answer goes back on the receiver link as one data section holding
//! DPS's JSON, with the same correlation ID and `retry-after` (and `Retry-After`, the C# SDK's
//! spelling); a refusal is a *rejected* disposition whose error condition tells the SDK
//! whether to retry (`com.microsoft:device-container-throttled` and `amqp:internal-error`
//! with `retry-after` in its info), its description DPS's error JSON.
//!
//! [fe2o3-amqp]: https://docs.rs/fe2o3-amqp

mod sasl;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fe2o3_amqp::acceptor::{
    ConnectionAcceptor, LinkAcceptor, LinkEndpoint, ListenerConnectionHandle, SessionAcceptor,
};
use fe2o3_amqp::types::definitions::{self, AmqpError, ErrorCondition, Fields, LinkError};
use fe2o3_amqp::types::messaging::{
    ApplicationProperties, Body, Data, Message, MessageId, Properties,
};
use fe2o3_amqp::types::performatives::Attach;
use fe2o3_amqp::types::primitives::{Binary, SimpleValue, Symbol, Value};
use fe2o3_amqp::{Delivery, Receiver, Sendable, Sender};
use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite};

use dps_wire::device::amqp::{
    ARGUMENT_ERROR, OPERATION_ID, OPERATION_STATUS, OPERATION_TYPE, REGISTER, RETRY_AFTER,
    THROTTLED,
};

use crate::device::{self, Answer, Credential};
use crate::service::Shared;

/// How long a device may take to send its protocol header, and then to attach its links.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long each step of a device's teardown (detach, end, close) may take.
const TEARDOWN: Duration = Duration::from_secs(5);
/// The container ID dps-local opens connections with.
const CONTAINER_ID: &str = "dps-local";

/// Why a connection ended early.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectionError {
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("the device sent no protocol header in time")]
    NoHeader,
    #[error("AMQP open: {0}")]
    Open(#[from] fe2o3_amqp::connection::OpenError),
    #[error("AMQP begin: {0}")]
    Begin(#[from] fe2o3_amqp::session::BeginError),
    #[error("AMQP attach: {0}")]
    Attach(String),
    #[error("the device attached no receiver and sender link in time")]
    NoLinks,
    #[error("the link address {0:?} is not this device's {{idScope}}/registrations/{{id}}")]
    Address(String),
}

/// The eight bytes the device sent first, put back in front of the stream for the acceptor.
#[derive(Debug)]
struct Replay<Io> {
    head: [u8; 8],
    at: usize,
    io: Io,
}

impl<Io: AsyncRead + Unpin> AsyncRead for Replay<Io> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.at < self.head.len() {
            let n = (self.head.len() - self.at).min(buf.remaining());
            let at = self.at;
            buf.put_slice(&self.head[at..at + n]);
            self.at += n;
            return std::task::Poll::Ready(Ok(()));
        }
        std::pin::Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for Replay<Io> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.io).poll_write(cx, data)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// One device's AMQP connection on `io` (TLS, or WebSocket frames); `chain` is its TLS client
/// certificate chain (empty without one); `protocol` names the transport in the diagnostic
/// log (`amqp`, `amqp-ws`).
pub(crate) async fn connection<Io>(
    mut io: Io,
    shared: &Arc<Shared>,
    chain: Vec<CertificateDer<'static>>,
    protocol: &'static str,
) -> Result<(), ConnectionError>
where
    Io: AsyncRead + AsyncWrite + std::fmt::Debug + Send + Unpin + 'static,
{
    let mut head = [0u8; 8];
    tokio::time::timeout(OPEN_TIMEOUT, io.read_exact(&mut head))
        .await
        .map_err(|_| ConnectionError::NoHeader)??;
    let io = Replay { head, at: 0, io };
    let proved = Arc::new(Mutex::new(None));
    // `AMQP 3 1 0 0` is SASL's header; `AMQP 0 1 0 0` (or anything else, which the acceptor
    // answers with its own header and closes) is not.
    let mut conn = if head[4] == 3 {
        ConnectionAcceptor::builder()
            .container_id(CONTAINER_ID)
            .sasl_acceptor(sasl::DeviceSasl::new(
                Arc::clone(shared),
                protocol,
                Arc::clone(&proved),
            ))
            .build()
            .accept(io)
            .await?
    } else {
        ConnectionAcceptor::new(CONTAINER_ID).accept(io).await?
    };
    let proved = proved.lock().unwrap_or_else(|p| p.into_inner()).take();
    let served = serve(&mut conn, shared, proved, &chain, protocol).await;
    if let Err(e) = &served {
        let condition = match e {
            ConnectionError::Address(_) => AmqpError::UnauthorizedAccess,
            _ => AmqpError::InternalError,
        };
        let _ = conn
            .close_with_error(definitions::Error::new(
                condition,
                Some(e.to_string()),
                None,
            ))
            .await;
    } else if tokio::time::timeout(TEARDOWN, conn.on_close())
        .await
        .is_err()
    {
        let _ = conn.close().await;
    }
    served
}

/// The device's session: its two links, then its requests until it detaches or closes.
async fn serve(
    conn: &mut ListenerConnectionHandle,
    shared: &Arc<Shared>,
    proved: Option<sasl::Identity>,
    chain: &[CertificateDer<'static>],
    protocol: &'static str,
) -> Result<(), ConnectionError> {
    let mut session = SessionAcceptor::new().accept(conn).await?;
    let links = LinkAcceptor::new();
    let mut address: Option<String> = None;
    let (mut sender, mut receiver): (Option<Sender>, Option<Receiver>) = (None, None);
    while sender.is_none() || receiver.is_none() {
        let attach = tokio::time::timeout(OPEN_TIMEOUT, session.next_incoming_attach())
            .await
            .map_err(|_| ConnectionError::NoLinks)?
            .ok_or(ConnectionError::NoLinks)?;
        let this = link_address(&attach).unwrap_or_default();
        if address.as_ref().is_some_and(|a| *a != this) {
            return Err(ConnectionError::Address(this));
        }
        match links
            .accept_incoming_attach(attach, &mut session)
            .await
            .map_err(|e| ConnectionError::Attach(format!("{e:?}")))?
        {
            LinkEndpoint::Sender(s) => sender = Some(s),
            LinkEndpoint::Receiver(r) => receiver = Some(r),
        }
        address = Some(this);
    }
    let (Some(mut sender), Some(mut receiver), Some(address)) = (sender, receiver, address) else {
        return Err(ConnectionError::NoLinks);
    };
    let Some((id_scope, registration_id)) = sasl::parse_identity(&address) else {
        return Err(ConnectionError::Address(address));
    };
    // A SASL identity must be the links' (a device registers only itself).
    let credential = match &proved {
        Some(who) => {
            if !who.id_scope.eq_ignore_ascii_case(&id_scope)
                || !who.registration_id.eq_ignore_ascii_case(&registration_id)
            {
                return Err(ConnectionError::Address(address));
            }
            Credential::Sas(&who.sas)
        }
        None if !chain.is_empty() => Credential::Certificates(chain),
        None => Credential::None,
    };
    let request = device::Request {
        protocol,
        id_scope: &id_scope,
        registration_id: &registration_id,
        credential,
    };
    while let Ok(delivery) = receiver.recv::<Body<Value>>().await {
        let answer = answer(shared, &request, &delivery);
        crate::service::run_pending(shared);
        if answer.status >= 400 {
            let _ = receiver.reject(&delivery, rejection(&answer)).await;
            continue;
        }
        let _ = receiver.accept(&delivery).await;
        let correlation_id = delivery
            .message()
            .properties
            .as_ref()
            .and_then(|p| p.correlation_id.clone());
        let reply = Sendable::builder()
            .message(response(&answer, correlation_id))
            .settled(true)
            .build();
        if sender.send(reply).await.is_err() {
            break;
        }
    }
    // The device detached its sender (our receiver): answer it, then each step of its
    // teardown in turn. Ending the session under links it has not detached yet sends detaches
    // on a channel it has already let go, and Node's client then never reports its result.
    let _ = receiver.close().await;
    let _ = tokio::time::timeout(TEARDOWN, sender.on_detach()).await;
    let _ = sender.close().await;
    if tokio::time::timeout(TEARDOWN, session.on_end())
        .await
        .is_err()
    {
        let _ = session.end().await;
    }
    Ok(())
}

/// The address a link names: a sender's target (the device sends to it), a receiver's source.
fn link_address(attach: &Attach) -> Option<String> {
    use fe2o3_amqp::types::definitions::Role;
    use fe2o3_amqp::types::messaging::TargetArchetype;
    match attach.role {
        Role::Sender => match attach.target.as_deref()? {
            TargetArchetype::Target(t) => t.address.clone(),
            #[allow(unreachable_patterns, reason = "other archetypes behind features")]
            _ => None,
        },
        Role::Receiver => attach.source.as_ref()?.address.clone(),
    }
}

/// The registrar's answer to one request message.
fn answer(
    shared: &Arc<Shared>,
    request: &device::Request<'_>,
    delivery: &Delivery<Body<Value>>,
) -> Answer {
    let message = delivery.message();
    let property = |name: &str| {
        message
            .application_properties
            .as_ref()
            .and_then(|p| p.0.get(name))
            .and_then(|v| match v {
                SimpleValue::String(s) => Some(s.clone()),
                SimpleValue::Symbol(s) => Some(s.to_string()),
                _ => None,
            })
    };
    let db = shared.db.lock().unwrap_or_else(|p| p.into_inner());
    match property(OPERATION_TYPE).as_deref() {
        Some(REGISTER) => shared
            .registrar
            .register(&db, request, &body_bytes(&message.body)),
        Some(OPERATION_STATUS) => {
            let operation_id = property(OPERATION_ID).unwrap_or_default();
            shared.registrar.operation(&db, request, &operation_id)
        }
        other => Answer::bad_request(&format!(
            "{OPERATION_TYPE} {other:?} is neither {REGISTER} nor {OPERATION_STATUS}"
        )),
    }
}

/// A request's body as bytes: its data sections, or a string or binary value.
fn body_bytes(body: &Body<Value>) -> Vec<u8> {
    match body {
        Body::Data(sections) => sections.iter().flat_map(|d| d.0.iter().copied()).collect(),
        Body::Value(v) => match &v.0 {
            Value::String(s) => s.clone().into_bytes(),
            Value::Binary(b) => b.to_vec(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// An answer the SDK reads: one data section holding DPS's JSON.
fn response(answer: &Answer, correlation_id: Option<MessageId>) -> Message<Data> {
    let mut properties = ApplicationProperties::builder();
    if let Some(secs) = answer.retry_after {
        for name in RETRY_AFTER {
            properties = properties.insert(name, SimpleValue::from(i64::from(secs)));
        }
    }
    Message::builder()
        .properties(Properties {
            correlation_id,
            ..Properties::default()
        })
        .application_properties(properties.build())
        .data(Binary::from(
            serde_json::to_vec(&answer.body).unwrap_or_default(),
        ))
        .build()
}

/// A refusal as the SDKs read it: the condition says whether to retry, the description holds
/// DPS's error JSON, the info `retry-after`.
fn rejection(answer: &Answer) -> definitions::Error {
    let condition = match answer.status {
        429 => ErrorCondition::Custom(Symbol::from(THROTTLED)),
        401 | 403 => ErrorCondition::AmqpError(AmqpError::UnauthorizedAccess),
        404 => ErrorCondition::AmqpError(AmqpError::NotFound),
        413 => ErrorCondition::LinkError(LinkError::MessageSizeExceeded),
        s if s >= 500 => ErrorCondition::AmqpError(AmqpError::InternalError),
        _ => ErrorCondition::Custom(Symbol::from(ARGUMENT_ERROR)),
    };
    let info = answer.retry_after.map(|secs| {
        let mut info = Fields::new();
        for name in RETRY_AFTER {
            info.insert(Symbol::from(name), Value::from(i64::from(secs)));
        }
        info
    });
    definitions::Error::new(condition, Some(answer.body.to_string()), info)
}
