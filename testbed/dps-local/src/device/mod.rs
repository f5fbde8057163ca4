//! The DPS device API (runtime registration), shared by both transports: HTTPS (service.rs)
//! and MQTT (mqtt.rs) hand a [`Request`] to the [`Registrar`] and send back its [`Answer`].
//!
//! A registration: the device's enrollment is found by registration ID in this service's ID
//! scope, its credential is checked against it ([`attest`]), and, if it holds, the device is
//! assigned at once: `register` answers `202 assigning` with an operation ID and the first
//! operation lookup answers `200 assigned` (or `disabled` for a disabled enrollment), as DPS
//! does. Every attempt goes to the diagnostic log ([`diag`]). Refusals use DPS's statuses and
//! error shape; their messages say what was wrong (DPS's say less), for the firmware engineer.

pub(crate) mod allocate;
pub(crate) mod attest;
mod diag;
pub(crate) mod tpm;

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use dps_wire::device::{
    DEVICE_KEY_NAME, DeviceRegistration, DeviceRegistrationResult, RegistrationOperationStatus,
    RegistrationStatus, SymmetricKeyRegistrationResult, TpmChallenge, TpmRegistrationResult,
    X509RegistrationResult,
};
use dps_wire::sas::{PolicyKey, derive_device_key};
use dps_wire::schema::ProvisioningServiceErrorDetails;
use serde_json::Value;

pub use allocate::{LinkedHub, MAX_LINKED_HUBS};
pub(crate) use attest::Credential;
pub use diag::DIAGNOSTIC_LOG;
use dps_wire::schema::AllocationPolicy;

use crate::hub::registry::HubCredential;
use crate::rate::Bucket;
use crate::store::{Db, Kind};

/// The extended error codes dps-local answers with (`errorCode / 1000` is the HTTP status).
/// 401000, 401002 and 429 are DPS's own (DPS-NOTES §1.7); where DPS's code is not published,
/// these are chosen and documented in dps-local's README.
pub(crate) mod codes {
    /// The request is malformed (body not JSON, registration IDs that disagree).
    pub(crate) const BAD_REQUEST: i32 = 400001;
    /// The SAS token does not prove the enrollment (also: unknown registration ID, other ID
    /// scope: DPS does not tell them apart from a wrong key).
    pub(crate) const UNAUTHORIZED: i32 = 401000;
    /// The client certificate does not prove the enrollment.
    pub(crate) const INVALID_CERTIFICATE: i32 = 401002;
    /// No such operation, or no registration record yet.
    pub(crate) const NOT_FOUND: i32 = 404001;
    /// The message is larger than the service takes.
    pub(crate) const TOO_LARGE: i32 = 413001;
    /// Throttled: wait `Retry-After` seconds.
    pub(crate) const THROTTLED: i32 = 429001;
    /// The enrollment's attestation is not served here.
    pub(crate) const NOT_SUPPORTED: i32 = 400002;
    /// The EK is not the enrollment's (DPS's own code and message).
    pub(crate) const EK_MISMATCH: i32 = 400004;
    /// dps-local's own database failed.
    pub(crate) const INTERNAL: i32 = 500001;
    /// No hub to allocate to (the C SDK's "hub not specified", `DPS_HUB_ERROR_NO_HUB`).
    pub(crate) const NO_HUB: i32 = 400208;
    /// Custom allocation failed: the webhook timed out, was unreachable, refused, or replied
    /// with no linked hub (dps-local's choice; DPS's code is not published).
    pub(crate) const CUSTOM_ALLOCATION_FAILED: i32 = 400210;
    /// The enrollment names a hub that is not linked (dps-local's choice).
    pub(crate) const HUB_NOT_LINKED: i32 = 400211;
}

/// The hub a service with no other configuration links.
pub const DEFAULT_HUB: &str = "dps-local-hub.azure-devices.net";

/// The device API's settings, with DPS's published limits as defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSettings {
    /// The ID scope this service answers for.
    pub id_scope: String,
    /// The hubs linked to this service (at most [`allocate::MAX_LINKED_HUBS`]); allocation
    /// chooses among them.
    pub linked_hubs: Vec<LinkedHub>,
    /// The service-level allocation policy, for enrollments that set none (DPS: hashed).
    pub allocation_policy: AllocationPolicy,
    /// How long a custom-allocation webhook may take.
    pub webhook_timeout: Duration,
    /// Extra roots (DER) the webhook's TLS certificate may chain to (besides the system's).
    pub webhook_roots: Vec<Vec<u8>>,
    /// `Retry-After` (seconds) on `202 assigning`.
    pub retry_after_secs: u32,
    /// Device registrations per minute for the whole service (DPS: 200); `None` = unlimited.
    pub registrations_per_minute: Option<u32>,
    /// Operation lookups per device per 10 s (DPS: 5); `None` = unlimited.
    pub polls_per_device_per_10s: Option<u32>,
    /// Largest message (DPS: 96 KB).
    pub max_message_bytes: usize,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        Self {
            id_scope: "0ne00DEMO01".into(),
            linked_hubs: vec![LinkedHub::new(DEFAULT_HUB)],
            allocation_policy: AllocationPolicy::Hashed,
            webhook_timeout: Duration::from_secs(5),
            webhook_roots: Vec::new(),
            retry_after_secs: 3,
            registrations_per_minute: Some(200),
            polls_per_device_per_10s: Some(5),
            max_message_bytes: 96 * 1024,
        }
    }
}

/// One device request, whichever transport carried it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    /// `https` or `mqtt`.
    pub(crate) protocol: &'static str,
    pub(crate) id_scope: &'a str,
    pub(crate) registration_id: &'a str,
    pub(crate) credential: Credential<'a>,
}

/// What to send back: the status, the JSON body and `Retry-After`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) retry_after: Option<u32>,
}

impl Answer {
    fn ok(status: u16, body: &impl serde::Serialize, retry_after: Option<u32>) -> Answer {
        Answer {
            status,
            body: serde_json::to_value(body).unwrap_or(Value::Null),
            retry_after,
        }
    }

    fn error(error_code: i32, message: &str) -> Answer {
        let details = ProvisioningServiceErrorDetails {
            error_code: Some(error_code),
            tracking_id: Some(uuid::Uuid::new_v4().to_string()),
            message: Some(message.to_owned()),
            info: None,
            timestamp_utc: Some(now_text()),
        };
        Answer::ok(
            u16::try_from(error_code / 1000).unwrap_or(500),
            &details,
            None,
        )
    }

    /// A request that is not one this transport serves.
    pub(crate) fn bad_request(message: &str) -> Answer {
        Answer::error(codes::BAD_REQUEST, message)
    }

    fn throttled(wait: Duration) -> Answer {
        let secs = u32::try_from(wait.as_secs().max(1)).unwrap_or(u32::MAX);
        Answer {
            retry_after: Some(secs),
            ..Answer::error(
                codes::THROTTLED,
                "too many requests: wait Retry-After seconds",
            )
        }
    }

    /// The error code, if this is an error.
    fn error_code(&self) -> Option<i32> {
        self.body
            .get("errorCode")
            .and_then(Value::as_i64)
            .and_then(|c| i32::try_from(c).ok())
    }
}

/// Where allocation put a device.
enum Allocated {
    Hub(String),
    Webhook(allocate::WebhookCall),
    Failed(allocate::NoHub),
    Disabled,
}

/// The client for custom-allocation webhooks: HTTPS only, the system's roots and `extra`.
pub(crate) fn webhook_client(extra: &[Vec<u8>]) -> Result<reqwest::Client, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .tls_backend_rustls()
        .https_only(true);
    for (n, der) in extra.iter().enumerate() {
        let cert = reqwest::Certificate::from_der(der)
            .map_err(|e| format!("webhook root {n} is not a DER certificate: {e}"))?;
        builder = builder.tls_certs_merge([cert]);
    }
    builder
        .build()
        .map_err(|e| format!("the webhook client cannot be made: {e}"))
}

/// A finished operation, kept for its lookups.
struct Operation {
    registration_id: String,
    status: RegistrationOperationStatus,
}

/// What the credential proved.
#[derive(Clone)]
struct Attested {
    x509: Option<X509RegistrationResult>,
    symmetric_key: Option<SymmetricKeyRegistrationResult>,
}

pub(crate) struct Registrar {
    settings: DeviceSettings,
    operations: Mutex<HashMap<String, Operation>>,
    registrations: Option<Mutex<Bucket>>,
    polls: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Each TPM device's key from its latest challenge (in memory: a restart means a new
    /// challenge, as a device whose SAS fails starts again).
    tpm_keys: Mutex<HashMap<String, PolicyKey>>,
    log: diag::DiagLog,
    /// The client for custom-allocation webhooks.
    webhook: reqwest::Client,
    /// Custom allocations waiting for their webhook, for the transport to run.
    pending: Mutex<Vec<CustomAllocation>>,
}

/// Everything a registration's assignment needs once the device is authenticated, owned so a
/// custom allocation can finish it after its webhook answered.
#[derive(Clone)]
struct Assigning {
    operation_id: String,
    registration_id: String,
    enrollment: Value,
    attested: Attested,
    tpm: Option<TpmRegistrationResult>,
    /// What the device will prove itself with to its hub.
    hub_credential: Option<HubCredential>,
    device_id: String,
    created: String,
    previous: Option<allocate::Previous>,
    /// For the diagnostic log: the transport and the attestation.
    protocol: &'static str,
    attestation: &'static str,
}

/// A custom allocation: the webhook to call, then the registration to finish.
pub(crate) struct CustomAllocation {
    call: allocate::WebhookCall,
    assigning: Assigning,
}

impl CustomAllocation {
    /// Calls the webhook (no lock held), then finishes the registration under `db`.
    pub(crate) async fn run(self, registrar: &Registrar, db: &Mutex<Db>) {
        let reply = allocate::call_webhook(
            &registrar.webhook,
            &self.call,
            registrar.settings.webhook_timeout,
        )
        .await;
        let db = db.lock().unwrap_or_else(|p| p.into_inner());
        let state = match reply {
            Ok(reply) => registrar.assign(
                &db,
                &self.assigning,
                reply.hub,
                reply.initial_twin,
                reply.payload,
            ),
            Err(no_hub) => Registrar::failed(&self.assigning, &no_hub),
        };
        let a = &self.assigning;
        registrar.log.write(&diag::Attempt {
            time: now_text(),
            registration_id: &a.registration_id,
            protocol: a.protocol,
            attestation: a.attestation,
            outcome: match state.status {
                Some(RegistrationStatus::Assigned) => "assigned",
                _ => "failed",
            },
            error_code: state.error_code,
            error: state.error_message.as_deref(),
            assigned_hub: state.assigned_hub.as_deref(),
            device_id: state.device_id.as_deref(),
        });
        registrar.finish(&db, &self.assigning, state);
    }
}

impl Registrar {
    pub(crate) fn new(
        settings: DeviceSettings,
        state_dir: &std::path::Path,
        webhook: reqwest::Client,
    ) -> Registrar {
        Registrar {
            registrations: settings
                .registrations_per_minute
                .map(|rate| Mutex::new(Bucket::new(rate, (rate / 6).max(1)))),
            operations: Mutex::new(HashMap::new()),
            polls: Mutex::new(HashMap::new()),
            tpm_keys: Mutex::new(HashMap::new()),
            log: diag::DiagLog::open(state_dir),
            webhook,
            pending: Mutex::new(Vec::new()),
            settings,
        }
    }

    /// The custom allocations registrations started since the last call, for the transport to
    /// run once it let go of the database.
    pub(crate) fn take_pending(&self) -> Vec<CustomAllocation> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub(crate) fn settings(&self) -> &DeviceSettings {
        &self.settings
    }

    /// `PUT …/register` or `$dps/registrations/PUT/iotdps-register`.
    pub(crate) fn register(&self, db: &Db, req: &Request<'_>, body: &[u8]) -> Answer {
        let registration = self.parse_registration(req, body);
        let tpm = registration.as_ref().is_ok_and(|r| r.tpm.is_some());
        let answer = match registration {
            Ok(registration) => self.register_inner(db, req, &registration),
            Err(answer) => answer,
        };
        let assigned = self.operation_result(&answer);
        let outcome = match (answer.status, assigned.as_ref().and_then(|r| r.status)) {
            (401, _) if answer.body.get("authenticationKey").is_some() => "challenged",
            (_, Some(RegistrationStatus::Disabled)) => "disabled",
            (_, Some(RegistrationStatus::Failed)) => "failed",
            (_, Some(RegistrationStatus::Assigning)) => "allocating",
            (202 | 200, _) => "assigned",
            (429, _) => "throttled",
            _ => "refused",
        };
        self.log.write(&diag::Attempt {
            time: now_text(),
            registration_id: req.registration_id,
            protocol: req.protocol,
            attestation: if tpm { "tpm" } else { req.credential.kind() },
            outcome,
            error_code: answer.error_code(),
            error: answer.body.get("message").and_then(Value::as_str),
            assigned_hub: assigned.as_ref().and_then(|r| r.assigned_hub.as_deref()),
            device_id: assigned.as_ref().and_then(|r| r.device_id.as_deref()),
        });
        answer
    }

    /// The final registration state behind a `202 assigning` answer.
    fn operation_result(&self, answer: &Answer) -> Option<DeviceRegistrationResult> {
        let id = answer.body.get("operationId")?.as_str()?;
        let ops = self.operations.lock().unwrap_or_else(|p| p.into_inner());
        ops.get(id)?.status.registration_state.clone()
    }

    /// The register request's body, within the size limit and naming the request's device.
    fn parse_registration(
        &self,
        req: &Request<'_>,
        body: &[u8],
    ) -> Result<DeviceRegistration, Answer> {
        if body.len() > self.settings.max_message_bytes {
            return Err(Answer::error(
                codes::TOO_LARGE,
                &format!(
                    "the request is {} bytes, over {}",
                    body.len(),
                    self.settings.max_message_bytes
                ),
            ));
        }
        let registration: DeviceRegistration = if body.iter().all(u8::is_ascii_whitespace) {
            DeviceRegistration::default()
        } else {
            match serde_json::from_slice(body) {
                Ok(r) => r,
                Err(e) => {
                    return Err(Answer::error(
                        codes::BAD_REQUEST,
                        &format!("the body is not a DeviceRegistration: {e}"),
                    ));
                }
            }
        };
        if let Some(id) = registration.registration_id.as_deref()
            && !id.eq_ignore_ascii_case(req.registration_id)
        {
            return Err(Answer::error(
                codes::BAD_REQUEST,
                &format!(
                    "the body's registrationId {id:?} is not the one in the path or username ({:?})",
                    req.registration_id
                ),
            ));
        }
        Ok(registration)
    }

    fn register_inner(
        &self,
        db: &Db,
        req: &Request<'_>,
        registration: &DeviceRegistration,
    ) -> Answer {
        if let Some(bucket) = &self.registrations {
            let taken = bucket.lock().unwrap_or_else(|p| p.into_inner()).take(1);
            if let Err(wait) = taken {
                return Answer::throttled(wait);
            }
        }
        if let Some(challenge) = self.tpm_challenge(db, req, registration) {
            return challenge;
        }
        let (enrollment, attested) = match self.authenticate(db, req) {
            Ok(v) => v,
            Err(answer) => return answer,
        };
        // A TPM device's hub key: a second blob for its TPM (DPS-NOTES §2.3 step 5); its hub
        // keeps the key to check the device's SAS.
        let hub_key: [u8; 32] = rand::random();
        let tpm_result = match (&registration.tpm, attestation_type(&enrollment)) {
            (Some(t), Some("tpm")) => match tpm_blob(t, &hub_key) {
                Ok(blob) => Some(TpmRegistrationResult {
                    authentication_key: blob,
                }),
                Err(e) => return Answer::error(codes::BAD_REQUEST, &e),
            },
            _ => None,
        };
        let hub_credential = hub_credential(
            req,
            &enrollment_keys(&enrollment, req.registration_id),
            tpm_result.is_some().then_some(&hub_key),
        );
        let previous_state = db
            .registration(req.registration_id)
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_value::<DeviceRegistrationResult>(v).ok());
        // Where the device is: its twin's hub, which a failed or disabled registration since
        // does not erase.
        let previous =
            db.device_twin(req.registration_id)
                .ok()
                .flatten()
                .map(|(hub, device_id, twin)| allocate::Previous {
                    hub,
                    device_id,
                    twin: Some(twin),
                });
        let operation_id = format!("5.{:016x}.{}", rand::random::<u64>(), uuid::Uuid::new_v4());
        let assigning = Assigning {
            operation_id: operation_id.clone(),
            registration_id: req.registration_id.to_owned(),
            device_id: enrollment
                .get("deviceId")
                .and_then(Value::as_str)
                .unwrap_or(req.registration_id)
                .to_owned(),
            created: previous_state
                .as_ref()
                .and_then(|p| p.created_date_time_utc.clone())
                .unwrap_or_else(now_text),
            protocol: req.protocol,
            attestation: if registration.tpm.is_some() {
                "tpm"
            } else {
                req.credential.kind()
            },
            enrollment,
            attested,
            hub_credential,
            tpm: tpm_result,
            previous,
        };
        let state = match self.allocate(&assigning, registration) {
            Allocated::Hub(hub) => self.assign(db, &assigning, hub, None, None),
            Allocated::Failed(no_hub) => Self::failed(&assigning, &no_hub),
            Allocated::Disabled => Self::disabled(&assigning),
            Allocated::Webhook(call) => {
                self.pending
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(CustomAllocation {
                        call,
                        assigning: assigning.clone(),
                    });
                DeviceRegistrationResult {
                    registration_id: Some(assigning.registration_id.clone()),
                    status: Some(RegistrationStatus::Assigning),
                    ..Default::default()
                }
            }
        };
        self.finish(db, &assigning, state);
        Answer::ok(
            202,
            &RegistrationOperationStatus {
                operation_id,
                status: RegistrationStatus::Assigning,
                registration_state: Some(DeviceRegistrationResult {
                    registration_id: Some(req.registration_id.to_owned()),
                    status: Some(RegistrationStatus::Assigning),
                    ..Default::default()
                }),
            },
            Some(self.settings.retry_after_secs),
        )
    }

    /// Where the enrollment's policy puts the device (`Webhook`: its webhook decides).
    fn allocate(&self, a: &Assigning, registration: &DeviceRegistration) -> Allocated {
        if a.enrollment
            .get("provisioningStatus")
            .and_then(Value::as_str)
            == Some("disabled")
        {
            return Allocated::Disabled;
        }
        let reprovision = allocate::reprovision_of(&a.enrollment);
        if let Some(previous) = &a.previous
            && !reprovision.update_hub_assignment
        {
            // Never re-provisioned: it stays where it is.
            return Allocated::Hub(previous.hub.clone());
        }
        let hubs = match allocate::candidates(&self.settings.linked_hubs, &a.enrollment) {
            Ok(hubs) => hubs,
            Err(no_hub) => return Allocated::Failed(no_hub),
        };
        let policy = allocate::policy_of(&a.enrollment, self.settings.allocation_policy);
        if policy == AllocationPolicy::Custom {
            let attestation = match (&registration.tpm, &a.attested.x509) {
                (Some(tpm), _) => serde_json::json!({ "tpm": tpm }),
                (None, Some(x509)) => serde_json::json!({ "x509": x509 }),
                (None, None) => serde_json::json!({ "symmetricKey": {} }),
            };
            return match allocate::webhook_call(
                &a.enrollment,
                &a.registration_id,
                a.previous.as_ref(),
                attestation,
                registration.payload.as_ref(),
                &hubs,
            ) {
                Some(call) => Allocated::Webhook(call),
                None => Allocated::Failed(allocate::NoHub {
                    error_code: codes::CUSTOM_ALLOCATION_FAILED,
                    message: "the custom policy needs the enrollment's customAllocationDefinition.webhookUrl".into(),
                }),
            };
        }
        match allocate::choose(policy, &a.registration_id, &hubs) {
            Ok(hub) => Allocated::Hub(hub),
            Err(no_hub) => Allocated::Failed(no_hub),
        }
    }

    /// The assigned state: the reprovisioning policy applied to the chosen hub, the twin kept
    /// for the device on its hub.
    fn assign(
        &self,
        db: &Db,
        a: &Assigning,
        chosen: String,
        webhook_twin: Option<Value>,
        payload: Option<Value>,
    ) -> DeviceRegistrationResult {
        let initial =
            allocate::initial_twin(webhook_twin.as_ref().or(a.enrollment.get("initialTwin")));
        let assignment = allocate::reprovision(
            a.previous.as_ref(),
            chosen,
            allocate::reprovision_of(&a.enrollment),
            initial,
        );
        if let Err(e) = db.put_twin(
            &a.registration_id,
            &assignment.hub,
            &a.device_id,
            &assignment.twin,
        ) {
            tracing::error!(error = %e, "could not keep a device's twin");
        }
        if let Some(credential) = &a.hub_credential
            && let Err(e) = crate::hub::registry::assign(
                db,
                &assignment.hub,
                &a.device_id,
                &a.registration_id,
                credential,
                &assignment.twin,
            )
        {
            tracing::error!(error = %e, "could not add a device to its hub's registry");
        }
        DeviceRegistrationResult {
            assigned_hub: Some(assignment.hub),
            device_id: Some(a.device_id.clone()),
            status: Some(RegistrationStatus::Assigned),
            substatus: Some(assignment.substatus),
            payload,
            tpm: a.tpm.clone(),
            ..Self::base(a)
        }
    }

    /// A registration that could not be assigned.
    fn failed(a: &Assigning, no_hub: &allocate::NoHub) -> DeviceRegistrationResult {
        DeviceRegistrationResult {
            status: Some(RegistrationStatus::Failed),
            error_code: Some(no_hub.error_code),
            error_message: Some(no_hub.message.clone()),
            ..Self::base(a)
        }
    }

    /// A registration through a disabled enrollment.
    fn disabled(a: &Assigning) -> DeviceRegistrationResult {
        DeviceRegistrationResult {
            status: Some(RegistrationStatus::Disabled),
            error_message: Some("the enrollment is disabled".to_owned()),
            ..Self::base(a)
        }
    }

    fn base(a: &Assigning) -> DeviceRegistrationResult {
        DeviceRegistrationResult {
            x509: a.attested.x509.clone(),
            symmetric_key: a.attested.symmetric_key.clone(),
            registration_id: Some(a.registration_id.clone()),
            created_date_time_utc: Some(a.created.clone()),
            last_updated_date_time_utc: Some(now_text()),
            etag: Some(new_etag()),
            ..Default::default()
        }
    }

    /// Keeps the registration record (once it is final) and the operation its lookups answer.
    fn finish(&self, db: &Db, a: &Assigning, state: DeviceRegistrationResult) {
        let status = state.status.unwrap_or(RegistrationStatus::Assigned);
        if status != RegistrationStatus::Assigning {
            let state_json = serde_json::to_value(&state).unwrap_or(Value::Null);
            if let Err(e) = db.put_registration(&a.registration_id, &state_json) {
                tracing::error!(error = %e, "could not store a registration");
            }
        }
        self.operations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                a.operation_id.clone(),
                Operation {
                    registration_id: a.registration_id.clone(),
                    status: RegistrationOperationStatus {
                        operation_id: a.operation_id.clone(),
                        status,
                        registration_state: Some(state),
                    },
                },
            );
    }

    /// `GET …/operations/{operationId}` or `$dps/registrations/GET/iotdps-get-operationstatus`.
    pub(crate) fn operation(&self, db: &Db, req: &Request<'_>, operation_id: &str) -> Answer {
        if let Some(limit) = self.settings.polls_per_device_per_10s {
            let mut polls = self.polls.lock().unwrap_or_else(|p| p.into_inner());
            let window = polls
                .entry(req.registration_id.to_ascii_lowercase())
                .or_default();
            let now = Instant::now();
            while window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(10))
            {
                window.pop_front();
            }
            if window.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
                let wait = window.front().map_or(Duration::from_secs(1), |t| {
                    Duration::from_secs(10).saturating_sub(now.duration_since(*t))
                });
                return Answer::throttled(wait);
            }
            window.push_back(now);
        }
        if let Err(answer) = self.authenticate(db, req) {
            return answer;
        }
        let ops = self.operations.lock().unwrap_or_else(|p| p.into_inner());
        match ops.get(operation_id) {
            Some(op) if op.registration_id.eq_ignore_ascii_case(req.registration_id) => {
                if op.status.status == RegistrationStatus::Assigning {
                    // A custom allocation still waits for its webhook.
                    return Answer::ok(202, &op.status, Some(self.settings.retry_after_secs));
                }
                Answer::ok(200, &op.status, None)
            }
            _ => Answer::error(
                codes::NOT_FOUND,
                &format!("no operation {operation_id:?} for this registration"),
            ),
        }
    }

    /// `POST /{idScope}/registrations/{registrationId}`: the device's registration record,
    /// for a device whose credential proves its enrollment.
    pub(crate) fn status(&self, db: &Db, req: &Request<'_>) -> Answer {
        if let Err(answer) = self.authenticate(db, req) {
            return answer;
        }
        match db.registration(req.registration_id) {
            Ok(Some(body)) => Answer {
                status: 200,
                body,
                retry_after: None,
            },
            Ok(None) => Answer::error(codes::NOT_FOUND, "this device has not registered yet"),
            Err(e) => {
                tracing::error!(error = %e, "could not read a registration");
                Answer::error(codes::INTERNAL, "dps-local could not read the registration")
            }
        }
    }

    /// A transport that authenticates the connection before any request (AMQP's SASL): does
    /// the credential prove an enrollment? A refusal goes to the diagnostic log as a refused
    /// registration, as HTTPS and MQTT log theirs; `attestation` names what the device used.
    pub(crate) fn admit(
        &self,
        db: &Db,
        req: &Request<'_>,
        attestation: &'static str,
    ) -> Result<(), Answer> {
        let Err(answer) = self.authenticate(db, req) else {
            return Ok(());
        };
        self.log.write(&diag::Attempt {
            time: now_text(),
            registration_id: req.registration_id,
            protocol: req.protocol,
            attestation,
            outcome: "refused",
            error_code: answer.error_code(),
            error: answer.body.get("message").and_then(Value::as_str),
            assigned_hub: None,
            device_id: None,
        });
        Err(answer)
    }

    /// The device's enrollment, if its credential proves it.
    fn authenticate(&self, db: &Db, req: &Request<'_>) -> Result<(Value, Attested), Answer> {
        let refused_code = match req.credential {
            Credential::Certificates(_) => codes::INVALID_CERTIFICATE,
            _ => codes::UNAUTHORIZED,
        };
        if !req.id_scope.eq_ignore_ascii_case(&self.settings.id_scope) {
            return Err(Answer::error(
                refused_code,
                &format!(
                    "Unauthorized: ID scope {:?} is not this service's ({})",
                    req.id_scope, self.settings.id_scope
                ),
            ));
        }
        let individual = match db.get(Kind::Enrollment, req.registration_id) {
            Ok(s) => s,
            Err(e) => return Err(internal(&e)),
        };
        let now = chrono::Utc::now().timestamp();
        let refused = |r: attest::Refusal| {
            Answer::error(r.error_code, &format!("Unauthorized: {}", r.message))
        };
        let Some(stored) = individual else {
            return self.authenticate_group(db, req, now).map_err(|r| match r {
                Some(r) => refused(r),
                None => Answer::error(
                    refused_code,
                    &format!(
                        "Unauthorized: no enrollment or enrollment group for registration ID {:?}",
                        req.registration_id
                    ),
                ),
            });
        };
        let enrollment = Value::Object(stored.body);
        let attestation = &enrollment["attestation"];
        match attestation.get("type").and_then(Value::as_str) {
            Some("symmetricKey") => {
                attest::symmetric_key(
                    req.credential,
                    req.id_scope,
                    req.registration_id,
                    &symmetric_keys(attestation),
                    u64::try_from(now).unwrap_or(0),
                )
                .map_err(refused)?;
                Ok((
                    enrollment,
                    Attested {
                        x509: None,
                        symmetric_key: None,
                    },
                ))
            }
            Some("x509") => {
                let certs = &attestation["x509"]["clientCertificates"];
                let enrolled: Vec<&str> = ["primary", "secondary"]
                    .iter()
                    .filter_map(|k| certs[k]["certificate"].as_str())
                    .collect();
                let info =
                    attest::x509_individual(req.credential, req.registration_id, &enrolled, now)
                        .map_err(refused)?;
                Ok((
                    enrollment,
                    Attested {
                        x509: Some(X509RegistrationResult {
                            certificate_info: Some(info),
                            ..Default::default()
                        }),
                        symmetric_key: None,
                    },
                ))
            }
            Some("tpm") => {
                let key = self
                    .tpm_keys
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(&req.registration_id.to_ascii_lowercase())
                    .cloned();
                let Some(key) = key else {
                    return Err(Answer::error(
                        codes::UNAUTHORIZED,
                        "Unauthorized: a TPM device first registers with its EK and SRK and no Authorization, then signs with the key from the challenge",
                    ));
                };
                attest::symmetric_key(
                    req.credential,
                    req.id_scope,
                    req.registration_id,
                    &[key],
                    u64::try_from(now).unwrap_or(0),
                )
                .map_err(refused)?;
                Ok((
                    enrollment,
                    Attested {
                        x509: None,
                        symmetric_key: None,
                    },
                ))
            }
            other => Err(Answer::error(
                codes::NOT_SUPPORTED,
                &format!(
                    "the enrollment's attestation {} is not served by dps-local's device API",
                    other.unwrap_or("(none)")
                ),
            )),
        }
    }

    /// The TPM challenge (DPS-NOTES §2.3): a register request without `Authorization` that
    /// carries the EK and SRK of a TPM enrollment gets `401` with a key blob only that TPM can
    /// import; the device then signs its SAS with the imported key. `None`: not a challenge.
    fn tpm_challenge(
        &self,
        db: &Db,
        req: &Request<'_>,
        registration: &DeviceRegistration,
    ) -> Option<Answer> {
        let (Credential::None, Some(tpm)) = (req.credential, &registration.tpm) else {
            return None;
        };
        if !req.id_scope.eq_ignore_ascii_case(&self.settings.id_scope) {
            return None;
        }
        let enrollment = Value::Object(db.get(Kind::Enrollment, req.registration_id).ok()??.body);
        if attestation_type(&enrollment) != Some("tpm") {
            return None;
        }
        let enrolled = enrollment["attestation"]["tpm"]["endorsementKey"]
            .as_str()
            .and_then(|k| B64.decode(k).ok());
        if enrolled.is_none() || enrolled != B64.decode(&tpm.endorsement_key).ok() {
            return Some(Answer::error(
                codes::EK_MISMATCH,
                "Endorsement key is invalid, or does not match the Enrollment.",
            ));
        }
        let key: [u8; 32] = rand::random();
        let blob = match tpm_blob(tpm, &key) {
            Ok(b) => b,
            Err(e) => return Some(Answer::error(codes::BAD_REQUEST, &e)),
        };
        self.tpm_keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                req.registration_id.to_ascii_lowercase(),
                PolicyKey::from_base64(&B64.encode(key)).expect("base64 of 32 bytes"),
            );
        Some(Answer::ok(
            401,
            &TpmChallenge {
                authentication_key: blob,
                key_name: DEVICE_KEY_NAME.into(),
            },
            None,
        ))
    }

    /// A device without an individual enrollment: the first enrollment group its credential
    /// proves membership of (a key derived from the group's, or a chain to its signing
    /// certificate). `Err(None)`: no group of the credential's kind; `Err(Some)`: the last
    /// group's reason.
    fn authenticate_group(
        &self,
        db: &Db,
        req: &Request<'_>,
        now: i64,
    ) -> Result<(Value, Attested), Option<attest::Refusal>> {
        let groups = db.page(Kind::Group, None, MAX_GROUPS).unwrap_or_else(|e| {
            tracing::error!(error = %e, "could not read the enrollment groups");
            Vec::new()
        });
        let mut last = None;
        for group in groups {
            let id = group.registration_id.clone();
            let body = Value::Object(group.body);
            let attestation = &body["attestation"];
            let result = match (
                attestation.get("type").and_then(Value::as_str),
                req.credential,
            ) {
                (Some("symmetricKey"), Credential::Sas(_)) => {
                    let derived: Vec<PolicyKey> = symmetric_keys(attestation)
                        .iter()
                        .map(|k| derive_device_key(k, req.registration_id))
                        .collect();
                    attest::symmetric_key(
                        req.credential,
                        req.id_scope,
                        req.registration_id,
                        &derived,
                        u64::try_from(now).unwrap_or(0),
                    )
                    .map(|()| Attested {
                        x509: None,
                        symmetric_key: Some(SymmetricKeyRegistrationResult {
                            enrollment_group_id: Some(id.clone()),
                        }),
                    })
                }
                (Some("x509"), Credential::Certificates(_)) => {
                    let Some(pem) =
                        attestation["x509"]["signingCertificates"]["primary"]["certificate"]
                            .as_str()
                    else {
                        continue;
                    };
                    attest::x509_group(req.credential, req.registration_id, pem, now).map(
                        |(leaf, signer)| Attested {
                            x509: Some(X509RegistrationResult {
                                certificate_info: Some(leaf),
                                enrollment_group_id: Some(id.clone()),
                                signing_certificate_info: Some(signer),
                            }),
                            symmetric_key: None,
                        },
                    )
                }
                _ => continue,
            };
            match result {
                Ok(attested) => return Ok((body, attested)),
                Err(r) => last = Some(r),
            }
        }
        Err(last)
    }
}

/// The enrollment's (or group's) attestation type.
fn attestation_type(enrollment: &Value) -> Option<&str> {
    enrollment["attestation"]["type"].as_str()
}

/// The key blob for a device's TPM, base64, wrapping `key`.
fn tpm_blob(tpm: &dps_wire::device::TpmAttestation, key: &[u8]) -> Result<String, String> {
    let ek = B64
        .decode(&tpm.endorsement_key)
        .map_err(|_| "tpm.endorsementKey is not base64".to_owned())?;
    let srk = B64
        .decode(tpm.storage_root_key.as_deref().unwrap_or_default())
        .map_err(|_| "tpm.storageRootKey is not base64".to_owned())?;
    if srk.is_empty() {
        return Err("a TPM registration carries tpm.storageRootKey".into());
    }
    tpm::authentication_key(&ek, &srk, key).map(|b| B64.encode(b))
}

/// DPS's limit on enrollment groups per service.
const MAX_GROUPS: u32 = 100;

/// An enrollment's or group's primary and secondary symmetric keys.
/// A symmetric-key device's own keys: its individual enrollment's, or derived from its group's.
fn enrollment_keys(enrollment: &Value, registration_id: &str) -> Vec<PolicyKey> {
    let keys = symmetric_keys(&enrollment["attestation"]);
    if enrollment.get("enrollmentGroupId").is_some() {
        keys.iter()
            .map(|k| derive_device_key(k, registration_id))
            .collect()
    } else {
        keys
    }
}

/// What a device proves itself with to its hub: the hub key its TPM got, its certificate, or
/// its symmetric keys (`keys`).
fn hub_credential(
    req: &Request<'_>,
    keys: &[PolicyKey],
    hub_key: Option<&[u8; 32]>,
) -> Option<HubCredential> {
    if let Some(key) = hub_key {
        return Some(HubCredential::Tpm {
            key: B64.encode(key),
        });
    }
    match req.credential {
        Credential::Certificates(chain) => chain.first().map(|leaf| HubCredential::X509 {
            thumbprint: crate::hub::thumbprint(leaf),
        }),
        Credential::Sas(_) if !keys.is_empty() => Some(HubCredential::SymmetricKey {
            keys: keys.iter().map(PolicyKey::to_base64).collect(),
        }),
        _ => None,
    }
}

fn symmetric_keys(attestation: &Value) -> Vec<PolicyKey> {
    ["primaryKey", "secondaryKey"]
        .iter()
        .filter_map(|k| attestation["symmetricKey"][k].as_str())
        .filter_map(|k| PolicyKey::from_base64(k).ok())
        .collect()
}

fn internal(e: &rusqlite::Error) -> Answer {
    tracing::error!(error = %e, "could not read an enrollment");
    Answer::error(codes::INTERNAL, "dps-local could not read the enrollment")
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn new_etag() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("\"{}\"", uuid::Uuid::new_v4()))
}
