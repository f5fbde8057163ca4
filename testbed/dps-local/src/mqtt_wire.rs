//! MQTT 3.1.1 packets on a byte stream (TLS, or WebSocket frames), for the DPS and hub
//! sessions: rumqttc's `mqttbytes::v4` codec, one packet at a time.

use bytes::BytesMut;
use rumqttc::mqttbytes::v4::{
    Packet, PubAck, PubComp, PubRec, Publish, SubAck, Subscribe, SubscribeReasonCode, UnsubAck,
};
use rumqttc::mqttbytes::{Error as MqttError, QoS};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

/// Why a session ended early.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SessionError {
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("MQTT: {0}")]
    Mqtt(#[from] MqttError),
    #[error("the device did not send CONNECT in time")]
    NoConnect,
    #[error("the first packet was not CONNECT")]
    NotConnect,
}

/// What is left for a session once the wire answered what MQTT requires of a packet.
pub(crate) enum Inbound {
    /// A PUBLISH (already acknowledged as its QoS requires).
    Publish(Publish),
    /// A SUBSCRIBE: the session decides which filters it grants ([`Stream::suback`]).
    Subscribe(Subscribe),
    /// DISCONNECT, or a second CONNECT: the session ends.
    End,
    /// Nothing more to do.
    Done,
}

pub(crate) struct Stream<W> {
    wire: W,
    buf: BytesMut,
    max: usize,
}

impl<W: AsyncRead + AsyncWrite + Unpin> Stream<W> {
    /// A stream taking packets of at most `max` bytes.
    pub(crate) fn new(wire: W, max: usize) -> Self {
        Self {
            wire,
            buf: BytesMut::with_capacity(4096),
            max,
        }
    }

    /// The next packet; `None` when the device closed the connection.
    pub(crate) async fn next(&mut self) -> Result<Option<Packet>, SessionError> {
        loop {
            match Packet::read(&mut self.buf, self.max) {
                Ok(p) => return Ok(Some(p)),
                Err(MqttError::InsufficientBytes(_)) => {}
                Err(e) => return Err(e.into()),
            }
            if self.wire.read_buf(&mut self.buf).await? == 0 {
                return Ok(None);
            }
        }
    }

    pub(crate) async fn send(&mut self, packet: Packet) -> Result<(), SessionError> {
        let mut out = BytesMut::new();
        packet.write(&mut out, usize::MAX)?;
        self.wire.write_all(&out).await?;
        self.wire.flush().await?;
        Ok(())
    }

    /// Answers what MQTT 3.1.1 requires of `packet` whatever the session (tests/
    /// mqtt_packets.rs): PUBACK for a QoS 1 PUBLISH, PUBREC for QoS 2 and PUBCOMP for its
    /// PUBREL (MQTT-4.3.3-2; the request itself is served once, on its PUBLISH), UNSUBACK,
    /// PINGRESP. What is left for the session comes back.
    pub(crate) async fn answer(&mut self, packet: Packet) -> Result<Inbound, SessionError> {
        match packet {
            Packet::Publish(publish) => {
                match publish.qos {
                    QoS::AtMostOnce => {}
                    QoS::AtLeastOnce => {
                        self.send(Packet::PubAck(PubAck::new(publish.pkid))).await?
                    }
                    QoS::ExactlyOnce => {
                        self.send(Packet::PubRec(PubRec::new(publish.pkid))).await?
                    }
                }
                return Ok(Inbound::Publish(publish));
            }
            Packet::Subscribe(sub) => return Ok(Inbound::Subscribe(sub)),
            Packet::PubRel(release) => {
                self.send(Packet::PubComp(PubComp::new(release.pkid)))
                    .await?;
            }
            // Nothing to stop sending (answers go to the device whatever it listens to), but
            // the client waits for the UNSUBACK: Microsoft's Node SDK does before it reports
            // its registration (MQTT-3.10.4-4).
            Packet::Unsubscribe(unsubscribe) => {
                self.send(Packet::UnsubAck(UnsubAck::new(unsubscribe.pkid)))
                    .await?;
            }
            Packet::PingReq => self.send(Packet::PingResp).await?,
            Packet::Disconnect => return Ok(Inbound::End),
            // A second CONNECT is a protocol violation: the server disconnects (MQTT-3.1.0-2).
            Packet::Connect(_) => {
                tracing::debug!("MQTT: a second CONNECT; the connection is closed");
                return Ok(Inbound::End);
            }
            // The acknowledgements of QoS 1 and 2 publishes: answers go at QoS 0, so none is
            // expected; a client sending one anyway is ignored.
            _ => {}
        }
        Ok(Inbound::Done)
    }

    /// SUBACK for `sub`: each filter `grants` accepts at its QoS, at most 1; the others fail.
    pub(crate) async fn suback(
        &mut self,
        sub: &Subscribe,
        mut grants: impl FnMut(&str) -> bool,
    ) -> Result<(), SessionError> {
        let codes = sub
            .filters
            .iter()
            .map(|f| {
                if grants(&f.path) {
                    SubscribeReasonCode::Success(match f.qos {
                        QoS::AtMostOnce => QoS::AtMostOnce,
                        _ => QoS::AtLeastOnce,
                    })
                } else {
                    SubscribeReasonCode::Failure
                }
            })
            .collect();
        self.send(Packet::SubAck(SubAck::new(sub.pkid, codes)))
            .await
    }
}
