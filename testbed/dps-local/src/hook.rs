//! A custom-allocation webhook, the project's own: a small HTTPS service on loopback that
//! answers DPS's `AllocationRequest` as an Azure Function would. It puts each device on the
//! linked hub named by its registration payload's `region` (any hub whose name contains it),
//! or else on the last linked hub it was given; sets an initial twin saying so; and returns a
//! payload to the device. For tests it can also be slow, answer garbage or refuse.
//!
//! Its TLS certificate comes from its own CA (`ca.pem` in its directory), which dps-local's
//! `webhook_roots` must trust.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Error;

/// How the hook answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookBehaviour {
    /// Allocate as described in the module documentation.
    Allocate,
    /// Allocate, but only after this long (a webhook that times out).
    Delay(Duration),
    /// Answer `200` with a body that is not JSON.
    Malformed,
    /// Answer `200` naming a hub that was not among the linked hubs.
    UnlinkedHub,
    /// Answer with this HTTP status and no body.
    Status(u16),
}

/// A running hook. Dropping it stops it.
pub struct AllocationHook {
    addr: SocketAddr,
    dir: PathBuf,
    requests: Arc<Mutex<Vec<Value>>>,
    behaviour: Arc<Mutex<HookBehaviour>>,
    shutdown: watch::Sender<bool>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl AllocationHook {
    /// Starts the hook on `127.0.0.1:0` with its CA and certificate in `dir`, on its own
    /// runtime.
    pub fn start(dir: &Path, behaviour: HookBehaviour) -> Result<AllocationHook, Error> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_owned(),
            source,
        })?;
        let tls = crate::tls::server_config(dir, "localhost")?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|source| Error::Io {
                path: dir.to_owned(),
                source,
            })?;
        // Bound here, so the hook can be started from inside another runtime too.
        let bind = SocketAddr::from(([127, 0, 0, 1], 0));
        let listener = std::net::TcpListener::bind(bind)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|source| Error::Bind { addr: bind, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr: bind, source })?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let behaviour = Arc::new(Mutex::new(behaviour));
        let (shutdown, rx) = watch::channel(false);
        runtime.spawn(serve(
            listener,
            tokio_rustls::TlsAcceptor::from(tls),
            Arc::clone(&requests),
            Arc::clone(&behaviour),
            rx,
        ));
        Ok(AllocationHook {
            addr,
            dir: dir.to_owned(),
            requests,
            behaviour,
            shutdown,
            runtime: Some(runtime),
        })
    }

    /// The URL to put in an enrollment's `customAllocationDefinition.webhookUrl`.
    pub fn url(&self) -> String {
        format!("https://localhost:{}/api/allocate", self.addr.port())
    }

    /// The CA its certificate chains to (PEM), for dps-local's `webhook_roots`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join(crate::tls::CA_FILE)
    }

    /// Its CA certificate(s), DER, for dps-local's `webhook_roots`.
    pub fn ca_der(&self) -> std::io::Result<Vec<Vec<u8>>> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;
        CertificateDer::pem_file_iter(self.ca_file())
            .and_then(|certs| certs.map(|c| c.map(|c| c.to_vec())).collect())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))
    }

    /// Every `AllocationRequest` body received, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Changes how it answers from the next request on.
    pub fn set_behaviour(&self, behaviour: HookBehaviour) {
        *self.behaviour.lock().unwrap_or_else(|p| p.into_inner()) = behaviour;
    }
}

impl Drop for AllocationHook {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(rt) = self.runtime.take() {
            // Allowed inside another runtime, unlike a blocking shutdown.
            rt.shutdown_background();
        }
    }
}

/// The hook's answer to one `AllocationRequest`.
pub fn allocate(request: &Value) -> Value {
    let linked: Vec<&str> = request["linkedHubs"]
        .as_array()
        .map(|h| h.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let context = &request["deviceRuntimeContext"];
    let region = context["payload"]["region"].as_str();
    let hub = region
        .and_then(|r| linked.iter().find(|h| h.contains(r)))
        .or(linked.last())
        .copied()
        .unwrap_or_default();
    json!({
        "iotHubHostName": hub,
        "initialTwin": {
            "tags": { "allocatedBy": "dps-local-hook", "region": region.unwrap_or("default") },
            "properties": { "desired": { "hub": hub } }
        },
        "payload": { "assignedBy": "dps-local-hook", "hub": hub }
    })
}

async fn serve(
    listener: std::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    requests: Arc<Mutex<Vec<Value>>>,
    behaviour: Arc<Mutex<HookBehaviour>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => break,
        };
        let Ok((tcp, _)) = accepted else { continue };
        let acceptor = acceptor.clone();
        let requests = Arc::clone(&requests);
        let behaviour = Arc::clone(&behaviour);
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let requests = Arc::clone(&requests);
                    let behaviour = *behaviour.lock().unwrap_or_else(|p| p.into_inner());
                    async move {
                        let body = req.into_body().collect().await.map(|b| b.to_bytes());
                        let request: Value = body
                            .ok()
                            .and_then(|b| serde_json::from_slice(&b).ok())
                            .unwrap_or(Value::Null);
                        requests
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(request.clone());
                        Ok::<_, std::convert::Infallible>(answer(&request, behaviour).await)
                    }
                });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
        });
    }
}

async fn answer(request: &Value, behaviour: HookBehaviour) -> Response<Full<Bytes>> {
    let json_reply = |v: &Value| {
        Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(v.to_string())))
            .unwrap_or_default()
    };
    match behaviour {
        HookBehaviour::Allocate => json_reply(&allocate(request)),
        HookBehaviour::Delay(wait) => {
            tokio::time::sleep(wait).await;
            json_reply(&allocate(request))
        }
        HookBehaviour::Malformed => {
            Response::new(Full::new(Bytes::from_static(b"<html>oops</html>")))
        }
        HookBehaviour::UnlinkedHub => {
            let mut reply = allocate(request);
            reply["iotHubHostName"] = "elsewhere.azure-devices.net".into();
            json_reply(&reply)
        }
        HookBehaviour::Status(code) => {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() =
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            r
        }
    }
}
