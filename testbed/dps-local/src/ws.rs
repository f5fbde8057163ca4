//! The device API's WebSocket listener (the SDKs' `websockets` option, DPS-NOTES §2.7–2.8):
//! `wss://{host}/$iothub/websocket`, serving MQTT and AMQP chosen by the subprotocol the
//! client offers (`mqtt` / `AMQPWSB10`), and a byte stream over the binary frames so each
//! protocol's session runs on it unchanged.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf as _, Bytes};
use futures_util::{Sink as _, Stream as _};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::tls::ServerStream as TlsStream;

/// The path the SDKs' WebSocket option connects to.
pub(crate) const PATH: &str = "/$iothub/websocket";

/// The protocol a WebSocket client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subprotocol {
    /// `mqtt` (also what a client that names none gets, as before AMQP was served).
    Mqtt,
    /// `AMQPWSB10`: AMQP 1.0 in binary frames.
    Amqp,
}

impl Subprotocol {
    fn token(self) -> &'static str {
        match self {
            Subprotocol::Mqtt => "mqtt",
            Subprotocol::Amqp => "AMQPWSB10",
        }
    }

    /// What the `Sec-WebSocket-Protocol` offer asks for: AMQP when it names `AMQPWSB10`, else
    /// MQTT.
    fn of_offer(offer: Option<&str>) -> (Subprotocol, bool) {
        let named = |token: &str| {
            offer.is_some_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case(token)))
        };
        if named(Subprotocol::Amqp.token()) {
            (Subprotocol::Amqp, true)
        } else {
            (Subprotocol::Mqtt, named(Subprotocol::Mqtt.token()))
        }
    }
}

/// The upgrade: only [`PATH`]; answers the subprotocol it chose when the client named it.
pub(crate) async fn accept(tls: TlsStream) -> Result<(WsIo, Subprotocol), WsError> {
    let chosen = std::sync::Mutex::new(Subprotocol::Mqtt);
    #[allow(
        clippy::result_large_err,
        reason = "the callback's signature is tungstenite's handshake API"
    )]
    let check = |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
        if req.uri().path() != PATH {
            let mut refusal = ErrorResponse::new(Some(format!("only {PATH} is served")));
            *refusal.status_mut() = StatusCode::NOT_FOUND;
            return Err(refusal);
        }
        let offer = req
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok());
        let (protocol, named) = Subprotocol::of_offer(offer);
        if named {
            resp.headers_mut().insert(
                "sec-websocket-protocol",
                HeaderValue::from_static(protocol.token()),
            );
        }
        *chosen.lock().unwrap_or_else(|p| p.into_inner()) = protocol;
        Ok(resp)
    };
    let ws = tokio_tungstenite::accept_hdr_async(tls, check).await?;
    let protocol = *chosen.lock().unwrap_or_else(|p| p.into_inner());
    Ok((
        WsIo {
            ws,
            pending: Bytes::new(),
        },
        protocol,
    ))
}

/// The bytes carried by a WebSocket's binary frames, as a stream: a read returns the rest of
/// the current frame; each write goes out as one binary frame.
pub(crate) struct WsIo {
    ws: WebSocketStream<TlsStream>,
    pending: Bytes,
}

impl std::fmt::Debug for WsIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsIo")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl AsyncRead for WsIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        while self.pending.is_empty() {
            match ready!(Pin::new(&mut self.ws).poll_next(cx)) {
                Some(Ok(Message::Binary(bytes))) => self.pending = bytes,
                // End of stream: a read of 0 bytes.
                Some(Ok(Message::Close(_))) | None => return Poll::Ready(Ok(())),
                // Pings are answered by the library; text frames carry no protocol bytes.
                Some(Ok(_)) => {}
                Some(Err(e)) => return Poll::Ready(Err(io::Error::other(e))),
            }
        }
        let n = self.pending.len().min(buf.remaining());
        buf.put_slice(&self.pending[..n]);
        self.pending.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for WsIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(Pin::new(&mut self.ws).poll_ready(cx)).map_err(io::Error::other)?;
        Pin::new(&mut self.ws)
            .start_send(Message::Binary(Bytes::copy_from_slice(data)))
            .map_err(io::Error::other)?;
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.ws)
            .poll_flush(cx)
            .map_err(io::Error::other)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.ws)
            .poll_close(cx)
            .map_err(io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use super::Subprotocol;

    #[test]
    fn the_offer_chooses_the_protocol() {
        assert_eq!(
            Subprotocol::of_offer(Some("AMQPWSB10")),
            (Subprotocol::Amqp, true)
        );
        assert_eq!(
            Subprotocol::of_offer(Some("mqtt, AMQPWSB10")),
            (Subprotocol::Amqp, true)
        );
        assert_eq!(
            Subprotocol::of_offer(Some("mqtt")),
            (Subprotocol::Mqtt, true)
        );
        assert_eq!(Subprotocol::of_offer(None), (Subprotocol::Mqtt, false));
        assert_eq!(
            Subprotocol::of_offer(Some("chat")),
            (Subprotocol::Mqtt, false)
        );
    }
}
