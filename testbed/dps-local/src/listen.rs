//! The device API's own listeners besides HTTPS: MQTT on TLS, AMQP on TLS, and the WebSocket
//! listener that carries either. Each accepts, completes the TLS handshake (keeping the client's
//! certificate chain for X.509 devices) and hands the connection to its protocol's session.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::service::Shared;
use crate::ws::Subprotocol;
use crate::{Error, amqp, mqtt, ws};

/// What a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listener {
    /// MQTT 3.1.1 straight over TLS (port 8883 on DPS).
    Mqtt,
    /// AMQP 1.0 straight over TLS (port 5671 on DPS).
    Amqp,
    /// MQTT or AMQP in WebSocket binary frames over TLS, by subprotocol (port 443 on DPS).
    WebSocket,
}

/// Binds `bind` (if any) and serves `kind` there until `shutdown`; the bound address.
pub(crate) async fn start(
    bind: Option<SocketAddr>,
    kind: Listener,
    acceptor: &tokio_rustls::TlsAcceptor,
    shared: &Arc<Shared>,
    shutdown: &watch::Receiver<bool>,
) -> Result<Option<SocketAddr>, Error> {
    let Some(bind) = bind else { return Ok(None) };
    let listener = TcpListener::bind(bind)
        .await
        .map_err(|source| Error::Bind { addr: bind, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr: bind, source })?;
    tokio::spawn(serve(
        listener,
        acceptor.clone(),
        Arc::clone(shared),
        kind,
        shutdown.clone(),
    ));
    tracing::info!(addr = %bound, ?kind, "dps-local device API listening");
    Ok(Some(bound))
}

async fn serve(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    shared: Arc<Shared>,
    kind: Listener,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => break,
        };
        let Ok((tcp, peer)) = accepted else { continue };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let shared = Arc::clone(&shared);
        conns.spawn(async move {
            let Some((tls, chain)) = crate::tls::handshake(&acceptor, tcp, peer).await else {
                return;
            };
            let ended = match kind {
                Listener::Mqtt => mqtt::session(tls, &shared, &chain, "mqtt")
                    .await
                    .map_err(|e| e.to_string()),
                Listener::Amqp => amqp::connection(tls, &shared, chain, "amqp")
                    .await
                    .map_err(|e| e.to_string()),
                Listener::WebSocket => match ws::accept(tls).await {
                    Ok((io, Subprotocol::Mqtt)) => mqtt::session(io, &shared, &chain, "mqtt-ws")
                        .await
                        .map_err(|e| e.to_string()),
                    Ok((io, Subprotocol::Amqp)) => amqp::connection(io, &shared, chain, "amqp-ws")
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(format!("WebSocket upgrade refused: {e}")),
                },
            };
            if let Err(e) = ended {
                tracing::debug!(%peer, ?kind, error = %e, "device connection ended");
            }
        });
        while conns.try_join_next().is_some() {}
    }
    conns.abort_all();
}
