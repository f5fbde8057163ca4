//! MQTT 3.1.1 packets on a byte stream (TLS, or WebSocket frames), for the DPS and hub
//! sessions: rumqttc's `mqttbytes::v4` codec, one packet at a time.

use bytes::BytesMut;
use rumqttc::mqttbytes::Error as MqttError;
use rumqttc::mqttbytes::v4::Packet;
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
}
