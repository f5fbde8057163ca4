//! The service API: accept loop, fault knobs, SAS check, rate limit, routes.
// The `Err` of a route is the HTTP error response itself, returned at once; boxing it would
// only add an allocation per error.
#![allow(clippy::result_large_err)]

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use dps_wire::API_VERSION;
use dps_wire::device::{DEVICE_API_VERSIONS, DevicePath};
use dps_wire::sas::{PolicyKey, SasFields, url_decode};
use dps_wire::schema::{
    AttestationType, BulkEnrollmentOperationResult, BulkOperationMode,
    DeviceRegistrationOperationError, EnrollmentGroup, IndividualEnrollment, MAX_BULK_ENROLLMENTS,
    ProvisioningServiceErrorDetails, QuerySpecification, headers,
};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue, IF_MATCH, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};
use rand::rngs::StdRng;
use rand::{Rng as _, RngCore as _, SeedableRng as _};
use rustls::pki_types::CertificateDer;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::device::{self, Credential, Registrar};
use crate::rate::Bucket;
use crate::store::{Db, Kind, Stored};
use crate::{Config, Counters, Faults, Policy, RateLimit};

/// Largest request body accepted.
const MAX_BODY: usize = 1 << 20;
/// Default and largest query page.
const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;

/// Runs the custom allocations the last registrations started, each on its own task (its
/// webhook call holds no lock).
pub(crate) fn run_pending(shared: &Arc<Shared>) {
    for job in shared.registrar.take_pending() {
        let shared = Arc::clone(shared);
        tokio::spawn(async move { job.run(&shared.registrar, &shared.db).await });
    }
}

pub(crate) struct Shared {
    pub(crate) policies: Vec<Policy>,
    pub(crate) registrar: Registrar,
    pub(crate) db: Mutex<Db>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) counters: Counters,
    /// The linked hubs' service side (desired properties, enabling devices).
    pub(crate) hub: crate::hub::Hub,
    host_name: String,
    bucket: Option<Mutex<Bucket>>,
    bulk_cost: u32,
    rng: Mutex<StdRng>,
}

impl Shared {
    pub(crate) fn new(
        config: &Config,
        policies: Vec<Policy>,
        db: Db,
        webhook: reqwest::Client,
    ) -> Self {
        let RateLimit {
            ops_per_minute,
            bulk_cost,
            burst,
        } = config.rate_limit.clone();
        Shared {
            policies,
            registrar: Registrar::new(config.device.clone(), &config.state_dir, webhook),
            db: Mutex::new(db),
            faults: Mutex::new(config.faults.clone()),
            counters: Counters::default(),
            hub: crate::hub::Hub::new(),
            host_name: config.host_name.to_ascii_lowercase(),
            bucket: ops_per_minute.map(|rate| {
                let capacity = burst.unwrap_or((rate / 6).max(bulk_cost)).max(1);
                Mutex::new(Bucket::new(rate, capacity))
            }),
            bulk_cost,
            rng: Mutex::new(match config.seed {
                Some(seed) => StdRng::seed_from_u64(seed),
                None => StdRng::from_rng(&mut rand::rng()),
            }),
        }
    }

    fn draw(&self) -> f64 {
        self.rng
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .random::<f64>()
    }
}

/// Per-connection reset switch: a handler pulls it to drop the connection.
#[derive(Clone, Default)]
struct ConnCtl(Arc<Notify>);

pub(crate) async fn serve(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    shared: Arc<Shared>,
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
        // Faulty servers close with RST, so a reset looks like one on the wire.
        if shared
            .faults
            .lock()
            .map(|f| f.reset_rate > 0.0)
            .unwrap_or(false)
        {
            let _ = tcp.set_zero_linger();
        }
        let acceptor = acceptor.clone();
        let shared = Arc::clone(&shared);
        conns.spawn(async move {
            let Some((tls, chain)) = crate::tls::handshake(&acceptor, tcp, peer).await else {
                return;
            };
            let ctl = ConnCtl::default();
            let ctl2 = ctl.clone();
            // The device's chain, for X.509 attestation.
            let chain = Arc::new(chain);
            let service = hyper::service::service_fn(move |req| {
                let shared = Arc::clone(&shared);
                let ctl = ctl2.clone();
                let chain = Arc::clone(&chain);
                async move { Ok::<_, Infallible>(handle(&shared, &ctl, &chain, req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service);
            tokio::select! {
                r = conn => {
                    if let Err(e) = r {
                        tracing::debug!(%peer, error = %e, "connection ended");
                    }
                }
                () = ctl.0.notified() => tracing::debug!(%peer, "connection reset (fault knob)"),
            }
        });
        // Reap finished connections.
        while conns.try_join_next().is_some() {}
    }
    conns.abort_all();
}

/// Handles one request; a reset drops the connection (the response is never sent).
async fn handle(
    shared: &Arc<Shared>,
    ctl: &ConnCtl,
    peer: &[CertificateDer<'static>],
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    shared.counters.requests.fetch_add(1, Ordering::Relaxed);
    let faults = shared.faults.lock().map(|f| f.clone()).unwrap_or_default();
    let reset = faults.reset_rate > 0.0 && shared.draw() < faults.reset_rate;
    let reset_before = reset && shared.draw() < 0.5;
    if reset_before {
        return reset_now(shared, ctl).await;
    }
    let response = if DevicePath::parse(req.uri().path()).is_some() {
        respond_device(shared, peer, req).await
    } else {
        respond(shared, &faults, req).await
    };
    // Latency after the request was applied: a client that gives up (or dies) now leaves
    // DPS changed without knowing it.
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if reset {
        return reset_now(shared, ctl).await;
    }
    response
}

async fn reset_now(shared: &Shared, ctl: &ConnCtl) -> Response<Full<Bytes>> {
    shared.counters.resets.fetch_add(1, Ordering::Relaxed);
    ctl.0.notify_one();
    // The connection task drops the connection; this response is never written.
    std::future::pending::<()>().await;
    error(StatusCode::INTERNAL_SERVER_ERROR, 500000, "unreachable")
}

async fn respond(
    shared: &Shared,
    faults: &Faults,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let query_string = parts.uri.query().unwrap_or_default().to_owned();
    if !query_string
        .split('&')
        .any(|kv| kv == format!("api-version={API_VERSION}"))
    {
        return error(
            StatusCode::BAD_REQUEST,
            400001,
            &format!("api-version={API_VERSION} is required"),
        );
    }
    // `/enrollments/?api-version=…` is the bulk call as Node's service SDK sends it.
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if segments.first() == Some(&"registrations") {
        return respond_registrations(shared, &parts, &segments[1..], body).await;
    }
    let kind = match segments.first() {
        Some(&"enrollments") => Kind::Enrollment,
        Some(&"enrollmentGroups") => Kind::Group,
        _ => return error(StatusCode::NOT_FOUND, 404000, "no such resource"),
    };
    let route = match (parts.method.clone(), &segments[1..]) {
        (Method::GET, [id]) => Route::Get(decode(id)),
        (Method::PUT, [id]) => Route::Put(decode(id)),
        (Method::DELETE, [id]) => Route::Delete(decode(id)),
        (Method::POST, ["query"]) => Route::Query,
        (Method::POST, [id, "attestationmechanism"]) => Route::Attestation(decode(id)),
        (Method::POST, []) if kind == Kind::Enrollment => Route::Bulk,
        _ => {
            return error(StatusCode::METHOD_NOT_ALLOWED, 405000, "method not allowed");
        }
    };
    let write = matches!(route, Route::Put(_) | Route::Delete(_) | Route::Bulk);
    if let Err(message) = authorize(shared, &parts.headers, &path, write) {
        return error(StatusCode::UNAUTHORIZED, 401002, &message);
    }
    if faults.throttle_rate > 0.0 && shared.draw() < faults.throttle_rate {
        shared
            .counters
            .forced_throttles
            .fetch_add(1, Ordering::Relaxed);
        return throttled(Duration::from_secs(u64::from(
            faults.retry_after_secs.max(1),
        )));
    }
    let cost = if matches!(route, Route::Bulk) {
        shared.bulk_cost
    } else {
        1
    };
    if let Some(bucket) = &shared.bucket {
        let taken = bucket.lock().unwrap_or_else(|p| p.into_inner()).take(cost);
        if let Err(wait) = taken {
            shared.counters.throttled.fetch_add(1, Ordering::Relaxed);
            return throttled(wait);
        }
    }
    shared
        .counters
        .ops
        .fetch_add(u64::from(cost), Ordering::Relaxed);
    if faults.error_5xx_rate > 0.0 && shared.draw() < faults.error_5xx_rate {
        shared.counters.injected_5xx.fetch_add(1, Ordering::Relaxed);
        return if shared.draw() < 0.5 {
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                503000,
                "service unavailable (fault knob)",
            )
        } else {
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                500000,
                "internal error (fault knob)",
            )
        };
    }
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                413000,
                "request body too large",
            );
        }
    };
    let if_match = parts
        .headers
        .get(IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_matches('"').to_owned());
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut db = shared.db.lock().unwrap_or_else(|p| p.into_inner());
    let result = match route {
        Route::Get(id) => get(&db, kind, &id).map(|s| json(StatusCode::OK, &s.to_json())),
        Route::Attestation(id) => get(&db, kind, &id).map(|s| {
            json(
                StatusCode::OK,
                s.body
                    .get("attestation")
                    .unwrap_or(&serde_json::Value::Null),
            )
        }),
        Route::Put(id) => put(&db, kind, &id, &body, if_match.as_deref()),
        Route::Delete(id) => delete(&db, kind, &id, if_match.as_deref()),
        Route::Bulk => {
            shared.counters.bulk_calls.fetch_add(1, Ordering::Relaxed);
            bulk(&mut db, &body)
        }
        Route::Query => query(
            &db,
            kind,
            &body,
            header(headers::MAX_ITEM_COUNT).as_deref(),
            header(headers::CONTINUATION).as_deref(),
        ),
    };
    result.unwrap_or_else(|e| e)
}

/// The service API's registration records: `GET`/`DELETE /registrations/{id}` and
/// `POST /registrations/{enrollmentGroupId}/query` (the group's devices). Reading needs
/// EnrollmentRead, deleting EnrollmentWrite (dps-local's two policies; DPS has separate
/// registration-status rights).
async fn respond_registrations(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    rest: &[&str],
    body: Incoming,
) -> Response<Full<Bytes>> {
    let path = parts.uri.path();
    let (write, id) = match (&parts.method, rest) {
        (&Method::GET, [id]) => (false, decode(id)),
        (&Method::DELETE, [id]) => (true, decode(id)),
        (&Method::POST, [id, "query"]) => (false, decode(id)),
        _ => return error(StatusCode::METHOD_NOT_ALLOWED, 405000, "method not allowed"),
    };
    if let Err(message) = authorize(shared, &parts.headers, path, write) {
        return error(StatusCode::UNAUTHORIZED, 401002, &message);
    }
    // The body of a query is not used (no filters); read it so the connection stays usable.
    let _ = Limited::new(body, MAX_BODY).collect().await;
    let db = shared.db.lock().unwrap_or_else(|p| p.into_inner());
    match (&parts.method, rest) {
        (&Method::GET, _) => match db.registration(&id) {
            Ok(Some(record)) => json(StatusCode::OK, &registration_state(&record)),
            Ok(None) => error(
                StatusCode::NOT_FOUND,
                404201,
                &format!("registration {id} does not exist"),
            ),
            Err(e) => db_error(&e),
        },
        (&Method::DELETE, _) => {
            let record = match db.registration(&id) {
                Ok(Some(r)) => r,
                Ok(None) => {
                    return error(
                        StatusCode::NOT_FOUND,
                        404201,
                        &format!("registration {id} does not exist"),
                    );
                }
                Err(e) => return db_error(&e),
            };
            let if_match = parts
                .headers
                .get(IF_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().trim_matches('"').to_owned());
            let etag = record["etag"]
                .as_str()
                .unwrap_or_default()
                .trim_matches('"');
            if let Some(tag) = if_match
                && tag != "*"
                && tag != etag
            {
                return error(
                    StatusCode::PRECONDITION_FAILED,
                    412002,
                    "the ETag does not match",
                );
            }
            match db.delete_registration(&id) {
                Ok(_) => Response::builder()
                    .status(StatusCode::NO_CONTENT)
                    .body(Full::new(Bytes::new()))
                    .unwrap_or_default(),
                Err(e) => db_error(&e),
            }
        }
        _ => match db.registrations() {
            Ok(all) => {
                let members: Vec<serde_json::Value> = all
                    .iter()
                    .filter(|r| {
                        [
                            &r["symmetricKey"]["enrollmentGroupId"],
                            &r["x509"]["enrollmentGroupId"],
                        ]
                        .iter()
                        .any(|g| g.as_str().is_some_and(|g| g.eq_ignore_ascii_case(&id)))
                    })
                    .map(registration_state)
                    .collect();
                json(StatusCode::OK, &members)
            }
            Err(e) => db_error(&e),
        },
    }
}

/// A registration record as the service API shows it (`DeviceRegistrationState`): the device
/// API's result without its attestation details.
fn registration_state(record: &serde_json::Value) -> serde_json::Value {
    let mut state = serde_json::Map::new();
    for field in [
        "registrationId",
        "createdDateTimeUtc",
        "assignedHub",
        "deviceId",
        "status",
        "substatus",
        "errorCode",
        "errorMessage",
        "lastUpdatedDateTimeUtc",
        "etag",
        "payload",
    ] {
        if let Some(v) = record.get(field) {
            state.insert(field.into(), v.clone());
        }
    }
    serde_json::Value::Object(state)
}

/// The device API over HTTPS: `register`, operation lookups and the status lookup.
async fn respond_device(
    shared: &Arc<Shared>,
    peer: &[CertificateDer<'static>],
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let Some(path) = DevicePath::parse(parts.uri.path()) else {
        return error(StatusCode::NOT_FOUND, 404000, "no such resource");
    };
    let api_version = parts
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("api-version="))
        .unwrap_or_default()
        .to_owned();
    if !DEVICE_API_VERSIONS.contains(&api_version.as_str()) {
        return error(
            StatusCode::BAD_REQUEST,
            400001,
            &format!(
                "api-version must be one of {}",
                DEVICE_API_VERSIONS.join(", ")
            ),
        );
    }
    let limit = shared.registrar.settings().max_message_bytes;
    let body = match Limited::new(body, limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                413001,
                &format!("the request is over {limit} bytes"),
            );
        }
    };
    let sas = parts
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let credential = match (sas, peer.is_empty()) {
        (Some(token), _) => Credential::Sas(token),
        (None, false) => Credential::Certificates(peer),
        (None, true) => Credential::None,
    };
    let db = shared.db.lock().unwrap_or_else(|p| p.into_inner());
    let request = |id_scope, registration_id| device::Request {
        protocol: "https",
        id_scope,
        registration_id,
        credential,
    };
    let answer = match (&parts.method, &path) {
        (
            &Method::PUT,
            DevicePath::Register {
                id_scope,
                registration_id,
            },
        ) => shared
            .registrar
            .register(&db, &request(id_scope, registration_id), &body),
        (
            &Method::GET,
            DevicePath::Operation {
                id_scope,
                registration_id,
                operation_id,
            },
        ) => shared
            .registrar
            .operation(&db, &request(id_scope, registration_id), operation_id),
        (
            &Method::POST,
            DevicePath::Status {
                id_scope,
                registration_id,
            },
        ) => shared
            .registrar
            .status(&db, &request(id_scope, registration_id)),
        _ => return error(StatusCode::METHOD_NOT_ALLOWED, 405000, "method not allowed"),
    };
    drop(db);
    run_pending(shared);
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = json(status, &answer.body);
    if let Some(secs) = answer.retry_after {
        resp.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    if let Some(code) = answer
        .body
        .get("errorCode")
        .and_then(serde_json::Value::as_i64)
    {
        resp.headers_mut()
            .insert(headers::ERROR_CODE, HeaderValue::from(code));
    }
    resp
}

enum Route {
    Get(String),
    Put(String),
    Delete(String),
    Attestation(String),
    Bulk,
    Query,
}

type Answer = Result<Response<Full<Bytes>>, Response<Full<Bytes>>>;

fn decode(segment: &str) -> String {
    url_decode(segment).unwrap_or_else(|| segment.to_owned())
}

/// Checks the SAS token: policy, signature over `sr` as received, expiry, resource, rights.
fn authorize(
    shared: &Shared,
    headers: &hyper::HeaderMap,
    path: &str,
    write: bool,
) -> Result<(), String> {
    let value = headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("no Authorization header")?;
    let fields = SasFields::parse(value).map_err(|e| e.to_string())?;
    let policy = shared
        .policies
        .iter()
        .find(|p| Some(p.name.as_str()) == fields.key_name.as_deref())
        .ok_or("unknown shared access policy")?;
    let key = PolicyKey::from_base64(&policy.key).map_err(|e| e.to_string())?;
    if !fields.signed_by(&key) {
        return Err("the signature does not match".into());
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if fields.expiry <= now {
        return Err("the token has expired".into());
    }
    let resource = fields.resource().ok_or("sr is not URL-encoded text")?;
    let (host, rest) = resource.split_once('/').unwrap_or((&resource, ""));
    let host = host.rsplit_once(':').map_or(host, |(h, p)| {
        if p.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    if host != shared.host_name {
        return Err(format!("the token is for another resource ({host})"));
    }
    // A token for a path grants that path and everything below it, segment by segment.
    let want: Vec<&str> = path.trim_matches('/').split('/').collect();
    let granted: Vec<&str> = rest
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    if granted.len() > want.len()
        || granted
            .iter()
            .zip(&want)
            .any(|(g, w)| !g.eq_ignore_ascii_case(&decode(w)))
    {
        return Err("the token does not cover this resource".into());
    }
    let right = if write {
        "EnrollmentWrite"
    } else {
        "EnrollmentRead"
    };
    if !policy.rights.iter().any(|r| r == right) {
        return Err(format!("the policy lacks {right}"));
    }
    Ok(())
}

fn get(db: &Db, kind: Kind, id: &str) -> Result<Stored, Response<Full<Bytes>>> {
    match db.get(kind, id) {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(error(
            StatusCode::NOT_FOUND,
            404201,
            &format!("{} {id} does not exist", kind.noun()),
        )),
        Err(e) => Err(db_error(&e)),
    }
}

fn put(db: &Db, kind: Kind, id: &str, body: &[u8], if_match: Option<&str>) -> Answer {
    let (registration_id, map) = match kind {
        Kind::Enrollment => parse_enrollment(body),
        Kind::Group => parse_group(body),
    }
    .map_err(|m| error(StatusCode::BAD_REQUEST, 400004, &m))?;
    if !registration_id.eq_ignore_ascii_case(id) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            400005,
            &format!("the {} ID in the body differs from the URL", kind.noun()),
        ));
    }
    let existing = db.get(kind, id).map_err(|e| db_error(&e))?;
    let now = now();
    let stored = match (existing, if_match) {
        (Some(_), None) => {
            return Err(error(
                StatusCode::CONFLICT,
                409201,
                &format!("{} {id} already exists", kind.noun()),
            ));
        }
        (Some(old), Some(tag)) if tag == "*" || tag == old.etag.trim_matches('"') => Stored {
            registration_id: old.registration_id,
            body: map,
            etag: new_etag(),
            created: old.created,
            updated: now,
        },
        (_, Some(_)) => {
            return Err(error(
                StatusCode::PRECONDITION_FAILED,
                412002,
                "the ETag does not match",
            ));
        }
        (None, None) => Stored {
            registration_id,
            body: map,
            etag: new_etag(),
            created: now.clone(),
            updated: now,
        },
    };
    db.put(kind, &stored).map_err(|e| db_error(&e))?;
    Ok(json(StatusCode::OK, &stored.to_json()))
}

fn delete(db: &Db, kind: Kind, id: &str, if_match: Option<&str>) -> Answer {
    let old = get(db, kind, id)?;
    if let Some(tag) = if_match
        && tag != "*"
        && tag != old.etag.trim_matches('"')
    {
        return Err(error(
            StatusCode::PRECONDITION_FAILED,
            412002,
            "the ETag does not match",
        ));
    }
    db.delete(kind, id).map_err(|e| db_error(&e))?;
    Ok(Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Full::new(Bytes::new()))
        .unwrap_or_default())
}

fn bulk(db: &mut Db, body: &[u8]) -> Answer {
    let raw: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            400000,
            &format!("invalid JSON: {e}"),
        )
    })?;
    // Each item is checked on its own (a bad one is an item error, as DPS reports it), so
    // the body's shape is read first, its items as plain JSON.
    #[derive(serde::Deserialize)]
    struct BulkRequest {
        mode: BulkOperationMode,
        enrollments: Vec<serde_json::Value>,
    }
    let op: BulkRequest = serde_json::from_value(raw).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            400000,
            &format!("not a BulkEnrollmentOperation: {e}"),
        )
    })?;
    if op.enrollments.len() > MAX_BULK_ENROLLMENTS {
        return Err(error(
            StatusCode::BAD_REQUEST,
            400006,
            &format!("at most {MAX_BULK_ENROLLMENTS} enrollments per bulk operation"),
        ));
    }
    let items = &op.enrollments;
    let errors = db
        .transaction(|db| {
            let mut errors = Vec::new();
            for item in items {
                let text = item.to_string();
                let (id, map) = match parse_enrollment(text.as_bytes()) {
                    Ok(v) => v,
                    Err(message) => {
                        errors.push(item_error(item, 400004, message));
                        continue;
                    }
                };
                let existing = db.get(Kind::Enrollment, &id)?;
                let now = now();
                let stored = match (op.mode, existing) {
                    (BulkOperationMode::Create, Some(_)) => {
                        errors.push(item_error(
                            item,
                            409201,
                            format!("enrollment {id} already exists"),
                        ));
                        continue;
                    }
                    (BulkOperationMode::Delete, Some(_)) => {
                        db.delete(Kind::Enrollment, &id)?;
                        continue;
                    }
                    (BulkOperationMode::Delete | BulkOperationMode::UpdateIfMatchETag, None) => {
                        errors.push(item_error(
                            item,
                            404201,
                            format!("enrollment {id} does not exist"),
                        ));
                        continue;
                    }
                    (BulkOperationMode::UpdateIfMatchETag, Some(old)) => {
                        let tag = item
                            .get("etag")
                            .and_then(|t| t.as_str())
                            .unwrap_or_default();
                        if tag != "*" && tag.trim_matches('"') != old.etag.trim_matches('"') {
                            errors.push(item_error(item, 412002, "the ETag does not match".into()));
                            continue;
                        }
                        Stored {
                            body: map,
                            etag: new_etag(),
                            updated: now,
                            ..old
                        }
                    }
                    (BulkOperationMode::Update, Some(old)) => Stored {
                        body: map,
                        etag: new_etag(),
                        updated: now,
                        ..old
                    },
                    (BulkOperationMode::Create | BulkOperationMode::Update, None) => Stored {
                        registration_id: id,
                        body: map,
                        etag: new_etag(),
                        created: now.clone(),
                        updated: now,
                    },
                };
                db.put(Kind::Enrollment, &stored)?;
            }
            Ok(errors)
        })
        .map_err(|e| db_error(&e))?;
    Ok(json(
        StatusCode::OK,
        &BulkEnrollmentOperationResult {
            is_successful: errors.is_empty(),
            errors,
        },
    ))
}

fn query(
    db: &Db,
    kind: Kind,
    body: &[u8],
    max_items: Option<&str>,
    continuation: Option<&str>,
) -> Answer {
    let spec: QuerySpecification = serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            400000,
            &format!("not a QuerySpecification: {e}"),
        )
    })?;
    let q = spec.query.trim().to_ascii_lowercase();
    if q != "*" && q != "select * from enrollments" {
        return Err(error(
            StatusCode::BAD_REQUEST,
            400007,
            "dps-local only answers the query \"*\" (or SELECT * FROM enrollments)",
        ));
    }
    let limit = match max_items {
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| error(StatusCode::BAD_REQUEST, 400008, "bad x-ms-max-item-count"))?
            .min(MAX_PAGE),
        None => DEFAULT_PAGE,
    };
    let after = match continuation {
        Some(c) => Some(
            B64.decode(c)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| error(StatusCode::BAD_REQUEST, 400009, "bad x-ms-continuation"))?,
        ),
        None => None,
    };
    let mut page = db
        .page(kind, after.as_deref(), limit + 1)
        .map_err(|e| db_error(&e))?;
    let more = page.len() > limit as usize;
    page.truncate(limit as usize);
    let items: Vec<serde_json::Value> = page.iter().map(Stored::to_json).collect();
    let mut resp = json(StatusCode::OK, &items);
    let h = resp.headers_mut();
    h.insert(headers::ITEM_TYPE, HeaderValue::from_static("Enrollment"));
    h.insert(headers::MAX_ITEM_COUNT, HeaderValue::from(limit));
    if more
        && let Some(last) = page.last()
        && let Ok(v) = HeaderValue::from_str(&B64.encode(&last.registration_id))
    {
        h.insert(headers::CONTINUATION, v);
    }
    Ok(resp)
}

/// Parses and checks an `IndividualEnrollment`; returns its registration ID and the JSON
/// object to store (read-only fields removed, symmetric keys generated when absent).
fn parse_enrollment(
    body: &[u8],
) -> Result<(String, serde_json::Map<String, serde_json::Value>), String> {
    let mut map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).map_err(|e| format!("not a JSON object: {e}"))?;
    let e: IndividualEnrollment = serde_json::from_value(serde_json::Value::Object(map.clone()))
        .map_err(|e| format!("not an IndividualEnrollment: {e}"))?;
    let att = &e.attestation;
    match att.kind {
        AttestationType::SymmetricKey => generate_missing_keys(&mut map, att)?,
        AttestationType::Tpm => {
            let ek = att
                .tpm
                .as_ref()
                .map(|t| t.endorsement_key.as_str())
                .unwrap_or_default();
            if ek.is_empty() || B64.decode(ek).is_err() {
                return Err("tpm.endorsementKey must be base64".into());
            }
        }
        AttestationType::X509 => {
            let pem = att
                .x509
                .as_ref()
                .and_then(|x| x.client_certificates.as_ref())
                .and_then(|c| c.primary.certificate.as_deref())
                .unwrap_or_default();
            if !pem.contains("BEGIN CERTIFICATE") {
                return Err(
                    "x509.clientCertificates.primary.certificate must be a PEM certificate".into(),
                );
            }
        }
        AttestationType::None => {
            return Err("an individual enrollment needs an attestation mechanism".into());
        }
    }
    for read_only in [
        "etag",
        "createdDateTimeUtc",
        "lastUpdatedDateTimeUtc",
        "registrationState",
    ] {
        map.remove(read_only);
    }
    Ok((e.registration_id.to_string(), map))
}

/// Checks the given symmetric keys (base64 of 16–64 bytes) and generates the missing ones, as
/// the service does.
fn generate_missing_keys(
    map: &mut serde_json::Map<String, serde_json::Value>,
    att: &dps_wire::schema::AttestationMechanism,
) -> Result<(), String> {
    let keys = att.symmetric_key.as_ref();
    for key in [
        keys.and_then(|k| k.primary_key.as_ref()),
        keys.and_then(|k| k.secondary_key.as_ref()),
    ]
    .into_iter()
    .flatten()
    {
        let len = B64
            .decode(key)
            .map_err(|_| "a symmetric key is not base64")?
            .len();
        if !(16..=64).contains(&len) {
            return Err("a symmetric key must be 16 to 64 bytes".into());
        }
    }
    // The service generates keys that are not given.
    if let Some(sk) = map
        .get_mut("attestation")
        .and_then(|a| a.as_object_mut())
        .map(|a| {
            a.entry("symmetricKey")
                .or_insert_with(|| serde_json::json!({}))
        })
        .and_then(|s| s.as_object_mut())
    {
        for name in ["primaryKey", "secondaryKey"] {
            sk.entry(name).or_insert_with(|| {
                let mut bytes = [0u8; 64];
                rand::rng().fill_bytes(&mut bytes);
                B64.encode(bytes).into()
            });
        }
    }
    Ok(())
}

/// An enrollment group: a symmetric key (generated when absent) or an X.509 signing
/// certificate; returns its ID and the object as stored.
fn parse_group(
    body: &[u8],
) -> Result<(String, serde_json::Map<String, serde_json::Value>), String> {
    let mut map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).map_err(|e| format!("not a JSON object: {e}"))?;
    let g: EnrollmentGroup = serde_json::from_value(serde_json::Value::Object(map.clone()))
        .map_err(|e| format!("not an EnrollmentGroup: {e}"))?;
    check_registration_id(&g.enrollment_group_id)?;
    match g.attestation.kind {
        AttestationType::SymmetricKey => generate_missing_keys(&mut map, &g.attestation)?,
        AttestationType::X509 => {
            let pem = g
                .attestation
                .x509
                .as_ref()
                .and_then(|x| x.signing_certificates.as_ref())
                .and_then(|c| c.primary.certificate.as_deref())
                .unwrap_or_default();
            if !pem.contains("BEGIN CERTIFICATE") {
                return Err(
                    "x509.signingCertificates.primary.certificate must be a PEM certificate".into(),
                );
            }
        }
        AttestationType::Tpm | AttestationType::None => {
            return Err(
                "an enrollment group is symmetric-key or X.509 (DPS has no TPM groups)".into(),
            );
        }
    }
    for read_only in ["etag", "createdDateTimeUtc", "lastUpdatedDateTimeUtc"] {
        map.remove(read_only);
    }
    Ok((g.enrollment_group_id, map))
}

/// "up to 128 characters long) of alphanumeric characters plus certain special characters
/// : . _ -. No special characters allowed at start or end."
/// An enrollment group's ID follows the registration-ID rule.
fn check_registration_id(id: &str) -> Result<(), String> {
    dps_wire::RegistrationId::parse(id)
        .map(drop)
        .map_err(|e| e.to_string())
}

fn item_error(
    item: &serde_json::Value,
    code: i32,
    message: String,
) -> DeviceRegistrationOperationError {
    DeviceRegistrationOperationError {
        registration_id: item
            .get("registrationId")
            .and_then(|r| r.as_str())
            .unwrap_or_default()
            .to_owned(),
        error_code: code,
        error_status: message,
    }
}

fn new_etag() -> String {
    B64.encode(format!("\"{}\"", uuid::Uuid::new_v4()))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn json<T: serde::Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Full<Bytes>> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

/// An error in the DPS shape, with `x-ms-error-code`.
fn error(status: StatusCode, code: i32, message: &str) -> Response<Full<Bytes>> {
    let details = ProvisioningServiceErrorDetails {
        error_code: Some(code),
        tracking_id: Some(uuid::Uuid::new_v4().to_string()),
        message: Some(message.to_owned()),
        info: None,
        timestamp_utc: Some(now()),
    };
    let mut resp = json(status, &details);
    resp.headers_mut()
        .insert(headers::ERROR_CODE, HeaderValue::from(code));
    resp
}

fn throttled(wait: Duration) -> Response<Full<Bytes>> {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut resp = error(StatusCode::TOO_MANY_REQUESTS, 429001, "too many requests");
    resp.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(secs));
    resp
}

fn db_error(e: &rusqlite::Error) -> Response<Full<Bytes>> {
    tracing::error!(error = %e, "database error");
    error(StatusCode::INTERNAL_SERVER_ERROR, 500001, "database error")
}
