//! The DPS service-API client: individual enrollments (get, create-or-update, delete,
//! attestation mechanism), bulk operations and queries, over HTTPS with SAS authentication.
//!
//! Every request carries `api-version=2021-10-01` and a SAS token made from the connection
//! string (renewed before it expires). Errors keep what the service said: the HTTP status, the
//! 6-digit `errorCode`, the `trackingId` and `Retry-After`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::API_VERSION;
use crate::sas::{ConnectionString, SasToken, url_encode};
use crate::schema::{
    AttestationMechanism, BulkEnrollmentOperation, BulkEnrollmentOperationResult,
    BulkOperationMode, EnrollmentGroup, IndividualEnrollment, MAX_BULK_ENROLLMENTS,
    ProvisioningServiceErrorDetails, QuerySpecification, headers,
};

/// Default time for one request, connect to last body byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time to establish a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Lifetime of the SAS tokens the client makes (the C service client's default).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// A token is renewed when less than this is left of it.
const TOKEN_RENEW_MARGIN: Duration = Duration::from_secs(300);

/// Why a service-API call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DpsError {
    /// The trust-anchor file could not be read or holds no PEM certificate; the station cannot
    /// check the service's certificate, so it does not connect.
    #[error("could not use the trust anchor {}: {reason}", path.display())]
    TrustAnchor {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be set up (TLS configuration).
    #[error("could not set up the HTTPS client")]
    Client(#[source] reqwest::Error),
    /// No HTTP response arrived: connection refused or reset, TLS failure, timeout. Retryable.
    #[error("no response from DPS to {operation}")]
    Network {
        /// The operation, e.g. `bulk create`.
        operation: &'static str,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// DPS answered with an error status.
    #[error("{0}")]
    Service(Box<ServiceError>),
    /// DPS answered 2xx with a body that is not what the API describes.
    #[error("DPS sent an unexpected response body to {operation}")]
    Decode {
        /// The operation.
        operation: &'static str,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// More than [`MAX_BULK_ENROLLMENTS`] enrollments in one bulk call (a station bug).
    #[error("a bulk operation takes at most {MAX_BULK_ENROLLMENTS} enrollments, not {0}")]
    BulkTooLarge(usize),
}

/// An error response from DPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// The operation, e.g. `bulk create`.
    pub operation: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The 6-digit `errorCode` from the body (or the `x-ms-error-code` header if the body had
    /// none and the header is numeric).
    pub error_code: Option<i32>,
    /// The `x-ms-error-code` header as sent.
    pub error_code_header: Option<String>,
    /// The service's `trackingId`, for a support request.
    pub tracking_id: Option<String>,
    /// The service's message (or the status reason when there was none).
    pub message: String,
    /// `Retry-After`, when sent as a number of seconds.
    pub retry_after: Option<Duration>,
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DPS answered {} to {}: {}",
            self.status, self.operation, self.message
        )?;
        if let Some(code) = self.error_code {
            write!(f, " (errorCode {code}")?;
            if let Some(t) = &self.tracking_id {
                write!(f, ", trackingId {t}")?;
            }
            f.write_str(")")?;
        } else if let Some(t) = &self.tracking_id {
            write!(f, " (trackingId {t})")?;
        }
        Ok(())
    }
}

impl DpsError {
    /// The HTTP status DPS answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Service(e) => Some(e.status),
            _ => None,
        }
    }

    /// True for 429 Too Many Requests.
    pub fn is_throttled(&self) -> bool {
        self.status() == Some(429)
    }

    /// True when trying again later may succeed: no response, 408, 429 or any 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Network { .. } => true,
            Self::Service(e) => e.status == 408 || e.status == 429 || e.status >= 500,
            _ => false,
        }
    }

    /// True for 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// True for 409 Conflict (e.g. creating an enrollment that exists).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// True for 412 Precondition Failed (the `If-Match` ETag did not match).
    pub fn is_precondition_failed(&self) -> bool {
        self.status() == Some(412)
    }

    /// True for 401 or 403: the credentials are wrong, expired or lack a permission.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }

    /// How long DPS asked the station to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Service(e) => e.retry_after,
            _ => None,
        }
    }
}

impl station_errors::Coded for DpsError {
    fn code(&self) -> &'static str {
        match self {
            Self::TrustAnchor { .. } => "station::upload::trust_anchor",
            Self::Client(_) => "station::upload::client",
            Self::Network { .. } => "station::upload::network",
            Self::Service(e) => match e.status {
                401 | 403 => "station::upload::unauthorized",
                404 => "station::upload::not_found",
                409 => "station::upload::conflict",
                412 => "station::upload::precondition_failed",
                429 => "station::upload::throttled",
                500.. => "station::upload::service_unavailable",
                _ => "station::upload::rejected",
            },
            Self::Decode { .. } => "station::upload::bad_response",
            Self::BulkTooLarge(_) => "station::upload::bulk_too_large",
        }
    }
}

/// One page of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPage {
    /// The enrollments on this page.
    pub items: Vec<IndividualEnrollment>,
    /// The token for the next page; `None` on the last page.
    pub continuation: Option<String>,
}

/// A client of one DPS instance's service API.
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use station_upload::client::DpsClient;
///
/// let cs = "HostName=localhost:8443;SharedAccessKeyName=provisioningserviceowner;\
///           SharedAccessKey=a2V5".parse()?;
/// let client = DpsClient::builder(cs)
///     .with_trust_anchor_file("var/dps-local/ca.pem")
///     .build()?;
/// let enrollment = client.enrollment("demo-sn0001").await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DpsClient {
    http: reqwest::Client,
    base: String,
    credentials: ConnectionString,
    token: Mutex<Option<(SasToken, u64)>>,
}

/// Builds a [`DpsClient`]; the defaults are safe (system-independent public roots, bounded
/// timeouts, HTTPS only).
#[derive(Debug)]
#[must_use]
pub struct DpsClientBuilder {
    credentials: ConnectionString,
    host: Option<String>,
    trust_anchor: Option<PathBuf>,
    timeout: Duration,
    connect_timeout: Duration,
}

impl DpsClient {
    /// A builder for the DPS instance the connection string names.
    pub fn builder(credentials: ConnectionString) -> DpsClientBuilder {
        DpsClientBuilder {
            credentials,
            host: None,
            trust_anchor: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// The base URL, e.g. `https://mydps.azure-devices-provisioning.net`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET /enrollments/{id}`.
    pub async fn enrollment(
        &self,
        registration_id: &str,
    ) -> Result<IndividualEnrollment, DpsError> {
        let path = format!("/enrollments/{}", url_encode(registration_id));
        self.call_json(
            "get enrollment",
            Method::GET,
            &path,
            None::<&()>,
            HeaderMap::new(),
        )
        .await
        .map(|(v, _)| v)
    }

    /// `GET /enrollmentGroups/{id}`.
    pub async fn enrollment_group(&self, group_id: &str) -> Result<EnrollmentGroup, DpsError> {
        let path = format!("/enrollmentGroups/{}", url_encode(group_id));
        self.call_json(
            "get enrollment group",
            Method::GET,
            &path,
            None::<&()>,
            HeaderMap::new(),
        )
        .await
        .map(|(v, _)| v)
    }

    /// `POST /enrollments/{id}/attestationmechanism`: the attestation with its key material.
    pub async fn attestation_mechanism(
        &self,
        registration_id: &str,
    ) -> Result<AttestationMechanism, DpsError> {
        let path = format!(
            "/enrollments/{}/attestationmechanism",
            url_encode(registration_id)
        );
        self.call_json(
            "get attestation mechanism",
            Method::POST,
            &path,
            None::<&()>,
            HeaderMap::new(),
        )
        .await
        .map(|(v, _)| v)
    }

    /// `PUT /enrollments/{id}`: creates the enrollment, or replaces it when `if_match` is an
    /// ETag (or `*`) that matches. Without `if_match`, an existing enrollment is a 409.
    pub async fn create_or_update(
        &self,
        enrollment: &IndividualEnrollment,
        if_match: Option<&str>,
    ) -> Result<IndividualEnrollment, DpsError> {
        let path = format!(
            "/enrollments/{}",
            url_encode(enrollment.registration_id.as_str())
        );
        self.call_json(
            "create or update enrollment",
            Method::PUT,
            &path,
            Some(enrollment),
            if_match_header(if_match),
        )
        .await
        .map(|(v, _)| v)
    }

    /// `PUT /enrollmentGroups/{id}`: creates the group, or replaces it when `if_match` is an
    /// ETag (or `*`) that matches. Without `if_match`, an existing group is a 409.
    pub async fn create_or_update_group(
        &self,
        group: &EnrollmentGroup,
        if_match: Option<&str>,
    ) -> Result<EnrollmentGroup, DpsError> {
        let path = format!(
            "/enrollmentGroups/{}",
            url_encode(&group.enrollment_group_id)
        );
        self.call_json(
            "create or update enrollment group",
            Method::PUT,
            &path,
            Some(group),
            if_match_header(if_match),
        )
        .await
        .map(|(v, _)| v)
    }

    /// `DELETE /enrollments/{id}`, optionally only if the ETag matches.
    pub async fn delete(
        &self,
        registration_id: &str,
        if_match: Option<&str>,
    ) -> Result<(), DpsError> {
        let path = format!("/enrollments/{}", url_encode(registration_id));
        self.send(
            "delete enrollment",
            Method::DELETE,
            &path,
            None::<&()>,
            if_match_header(if_match),
        )
        .await
        .map(|_| ())
    }

    /// `POST /enrollments`: one bulk operation on at most [`MAX_BULK_ENROLLMENTS`] enrollments.
    /// Per-item failures come back in the result's `errors`, not as an `Err`.
    pub async fn bulk(
        &self,
        mode: BulkOperationMode,
        enrollments: &[IndividualEnrollment],
    ) -> Result<BulkEnrollmentOperationResult, DpsError> {
        if enrollments.len() > MAX_BULK_ENROLLMENTS {
            return Err(DpsError::BulkTooLarge(enrollments.len()));
        }
        let body = BulkEnrollmentOperation {
            mode,
            enrollments: enrollments.to_vec(),
        };
        let operation = match mode {
            BulkOperationMode::Create => "bulk create",
            BulkOperationMode::Update => "bulk update",
            BulkOperationMode::UpdateIfMatchETag => "bulk update if match",
            BulkOperationMode::Delete => "bulk delete",
        };
        self.call_json(
            operation,
            Method::POST,
            "/enrollments",
            Some(&body),
            HeaderMap::new(),
        )
        .await
        .map(|(v, _)| v)
    }

    /// `POST /enrollments/query`: one page of at most `page_size` enrollments.
    pub async fn query_page(
        &self,
        query: &str,
        page_size: Option<u32>,
        continuation: Option<&str>,
    ) -> Result<QueryPage, DpsError> {
        let mut extra = HeaderMap::new();
        if let Some(n) = page_size {
            extra.insert(headers::MAX_ITEM_COUNT, n.into());
        }
        if let Some(c) = continuation
            && let Ok(v) = c.parse()
        {
            extra.insert(headers::CONTINUATION, v);
        }
        let spec = QuerySpecification {
            query: query.to_owned(),
        };
        let (items, resp_headers) = self
            .call_json(
                "query enrollments",
                Method::POST,
                "/enrollments/query",
                Some(&spec),
                extra,
            )
            .await?;
        let continuation = resp_headers
            .get(headers::CONTINUATION)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        Ok(QueryPage {
            items,
            continuation,
        })
    }

    /// Every enrollment the query selects, following continuation tokens.
    pub async fn query_all(
        &self,
        query: &str,
        page_size: u32,
    ) -> Result<Vec<IndividualEnrollment>, DpsError> {
        let mut all = Vec::new();
        let mut continuation: Option<String> = None;
        loop {
            let page = self
                .query_page(query, Some(page_size), continuation.as_deref())
                .await?;
            all.extend(page.items);
            match page.continuation {
                Some(c) => continuation = Some(c),
                None => return Ok(all),
            }
        }
    }

    async fn call_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        body: Option<&B>,
        extra: HeaderMap,
    ) -> Result<(T, HeaderMap), DpsError> {
        let (bytes, headers) = self.send(operation, method, path, body, extra).await?;
        let value = serde_json::from_slice(&bytes)
            .map_err(|source| DpsError::Decode { operation, source })?;
        Ok((value, headers))
    }

    async fn send<B: Serialize + ?Sized>(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        body: Option<&B>,
        extra: HeaderMap,
    ) -> Result<(Vec<u8>, HeaderMap), DpsError> {
        let url = format!("{}{path}?api-version={API_VERSION}", self.base);
        let mut req = self
            .http
            .request(method, &url)
            .header(AUTHORIZATION, self.token().as_str())
            .header(ACCEPT, "application/json")
            .headers(extra);
        if let Some(body) = body {
            let json = serde_json::to_vec(body)
                .map_err(|source| DpsError::Decode { operation, source })?;
            req = req
                .header(CONTENT_TYPE, "application/json; charset=utf-8")
                .body(json);
        }
        let resp = req
            .send()
            .await
            .map_err(|source| DpsError::Network { operation, source })?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp
            .bytes()
            .await
            .map_err(|source| DpsError::Network { operation, source })?;
        if status.is_success() {
            return Ok((bytes.to_vec(), headers));
        }
        Err(service_error(operation, status, &headers, &bytes))
    }

    /// The current token, renewed when it is close to expiry.
    fn token(&self) -> SasToken {
        let now = unix_now();
        let mut guard = self.token.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((token, expiry)) = guard.as_ref()
            && *expiry > now + TOKEN_RENEW_MARGIN.as_secs()
        {
            return token.clone();
        }
        let expiry = now + TOKEN_LIFETIME.as_secs();
        let token = self.credentials.token(expiry);
        *guard = Some((token.clone(), expiry));
        token
    }
}

impl DpsClientBuilder {
    /// Talk to `host[:port]` instead of the connection string's `HostName` (the SAS resource
    /// stays the `HostName`).
    pub fn with_endpoint(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Trust only the CA certificates in this PEM file (e.g. the one dps-local writes) instead
    /// of the public web roots.
    pub fn with_trust_anchor_file(mut self, path: impl AsRef<Path>) -> Self {
        self.trust_anchor = Some(path.as_ref().to_owned());
        self
    }

    /// The time limit for one request (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit to connect (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Builds the client: reads the trust anchor and sets up TLS (ring, the process's rustls
    /// provider: installed here if none is yet). Without a trust anchor the system's roots are
    /// trusted (Debian's ca-certificates); with one, only the anchor.
    pub fn build(self) -> Result<DpsClient, DpsError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut http = reqwest::Client::builder()
            .tls_backend_rustls()
            .https_only(true)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("station-upload/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &self.trust_anchor {
            let fail = |reason: String| DpsError::TrustAnchor {
                path: path.clone(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| fail(format!("not PEM certificates: {e}")))?;
            if certs.is_empty() {
                return Err(fail("it holds no certificate".into()));
            }
            http = http.tls_certs_only(certs);
        }
        let host = self
            .host
            .unwrap_or_else(|| self.credentials.host_name.clone());
        Ok(DpsClient {
            http: http.build().map_err(DpsError::Client)?,
            base: format!("https://{host}"),
            credentials: self.credentials,
            token: Mutex::new(None),
        })
    }
}

fn if_match_header(if_match: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(tag) = if_match {
        // The C# client quotes an unquoted ETag; `*` stays bare.
        let value = if tag == "*" || tag.starts_with('"') {
            tag.to_owned()
        } else {
            format!("\"{tag}\"")
        };
        if let Ok(v) = value.parse() {
            h.insert(reqwest::header::IF_MATCH, v);
        }
    }
    h
}

fn service_error(
    operation: &'static str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> DpsError {
    let details: ProvisioningServiceErrorDetails = serde_json::from_slice(body).unwrap_or_default();
    let header_code = headers
        .get(headers::ERROR_CODE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(3600.0)));
    DpsError::Service(Box::new(ServiceError {
        operation,
        status: status.as_u16(),
        error_code: details
            .error_code
            .or_else(|| header_code.as_deref().and_then(|c| c.parse().ok())),
        error_code_header: header_code,
        tracking_id: details.tracking_id,
        message: details
            .message
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
        retry_after,
    }))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
