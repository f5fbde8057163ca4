//! The line database: one PostgreSQL server that a line's (or a site's) stations share, so what
//! must be unique across them is unique, and a work order's certificate quota cannot be
//! exceeded however many stations issue from it.
//!
//! - **Reservations.** Before the irreversible step a station reserves a unit's identities
//!   (serial, registration ID, EK hash, symmetric-key hash, certificate serial) in one
//!   transaction. A value another station's unit holds refuses the unit, naming that station
//!   and when ([`LineDbError::Held`]). A reservation is released when its unit fails before
//!   the irreversible step, and kept for good once the board is locked.
//! - **Quota leases.** A station leases blocks of a work order's quota and issues only from its
//!   lease, offline too; the sum granted never exceeds the quota (a row lock on the order).
//!   Closing the order returns what leases did not use.
//!
//! - **Apart and back.** A station that loses the server keeps a durable outbox (its SQLite
//!   store) and replays it ([`LineDb::replay_reservation`]); an identity another station took
//!   meanwhile becomes a [`Conflict`] for the supervisors, never a merge.
//! - **The line's view.** Every unit's outcome is copied ([`LineDb::finish_unit`]), so
//!   [`LineDb::status`] shows yield per station and work order, the quota, the stations and the
//!   open conflicts.
//! - **One DPS budget.** [`LineDb::take_budget`] is a token bucket in the database that every
//!   station's uploader draws from.
//!
//! The connection is re-opened when it drops (at most every [`RETRY_AFTER`]); until then every
//! call answers [`LineDbError::Offline`] at once, so an outage costs the line no waiting.
//!
//! The schema is versioned (refinery migrations embedded from `migrations/`).
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod admin;
mod audit;
#[cfg(feature = "cluster")]
pub mod cluster;
mod line;
mod quota;
mod reserve;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use postgres::{Client, NoTls};

pub use admin::{STATION_GROUP_ROLE, valid_role_name};
pub use audit::AuditCopy;
pub use line::{
    Conflict, LineBudget, LineStatus, LineUnit, OpenClaim, StationSeen, WorkOrderStatus, YieldRow,
};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The advisory lock key the schema migration is serialised under.
const MIGRATION_LOCK: i64 = 0x5354_4154_494f_4e31; // "STATION1"

/// How long a dropped connection is left before it is tried again.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// What kind of identity a reservation holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityKind {
    /// The board's serial.
    Serial,
    /// The DPS registration ID (case-insensitive: stored lower-case).
    RegistrationId,
    /// A TPM's endorsement key (SHA-256 hex).
    EkSha256,
    /// A symmetric key (SHA-256 hex; never the key).
    SymkeySha256,
    /// An issued certificate's serial.
    CertSerial,
    /// A certified device key (SHA-256 hex of its SubjectPublicKeyInfo).
    SpkiSha256,
}

impl IdentityKind {
    /// The database name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Serial => "serial",
            Self::RegistrationId => "registration_id",
            Self::EkSha256 => "ek_sha256",
            Self::SymkeySha256 => "symkey_sha256",
            Self::CertSerial => "cert_serial",
            Self::SpkiSha256 => "spki_sha256",
        }
    }

    /// The kind named `name` (see [`Self::as_str`]).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Serial,
            Self::RegistrationId,
            Self::EkSha256,
            Self::SymkeySha256,
            Self::CertSerial,
            Self::SpkiSha256,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// One identity value of a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Its kind.
    pub kind: IdentityKind,
    /// Its value.
    pub value: String,
}

impl Identity {
    /// `kind` = `value` (a registration ID is lower-cased).
    pub fn new(kind: IdentityKind, value: impl Into<String>) -> Self {
        let value = value.into();
        let value = if kind == IdentityKind::RegistrationId {
            value.to_lowercase()
        } else {
            value
        };
        Self { kind, value }
    }
}

/// Who holds an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The identity.
    pub identity: Identity,
    /// The station whose unit holds it.
    pub station_id: String,
    /// That station's unit.
    pub unit_ref: String,
    /// Kept for good (the board was locked), or held while the unit is provisioned.
    pub kept: bool,
    /// Since when.
    pub since: DateTime<Utc>,
    /// Still held with an open claim since then: the holder stopped while locking the board,
    /// and only it can complete the unit.
    pub claimed_at: Option<DateTime<Utc>>,
}

impl Holder {
    /// What the holder is doing with the identity, for the refusal.
    fn doing(&self) -> String {
        match (self.kept, self.claimed_at) {
            (true, _) => ", provisioned".to_owned(),
            (false, Some(at)) => format!(
                ", claimed at {} (that station stopped while locking the board: take the board \
                 back to it, only it can complete the unit)",
                at.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            (false, None) => ", being provisioned".to_owned(),
        }
    }
}

/// A block of a work order's quota granted to this station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// The lease.
    pub id: i64,
    /// Certificates it allows.
    pub granted: i64,
}

/// What the line database refused, or why it could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LineDbError {
    /// The server could not be reached or refused the login.
    #[error("cannot connect to the line database: {0}")]
    Connect(#[source] postgres::Error),
    /// The schema could not be brought up to date.
    #[error("cannot migrate the line database: {0}")]
    Migrate(#[source] refinery::Error),
    /// The CA file for TLS to the server is not usable.
    #[error("the line database's CA certificates: {0}")]
    Tls(String),
    /// The connection dropped and is not tried again before its retry time.
    #[error("the line database is unreachable (tried again within {} s)", RETRY_AFTER.as_secs())]
    Offline,
    /// A statement failed.
    #[error("line database error: {0}")]
    Db(#[from] postgres::Error),
    /// Another station's unit holds one of the identities.
    #[error("{} {} is held by station {} (unit {}) since {}{}", .0.identity.kind.as_str(), .0.identity.value, .0.station_id, .0.unit_ref, .0.since.format("%Y-%m-%d %H:%M:%S UTC"), .0.doing())]
    Held(Box<Holder>),
    /// The work order is not in the line database.
    #[error("work order {0} is not in the line database")]
    UnknownWorkOrder(String),
    /// The station logs in with a role that may not write as this station: each station's
    /// role is named after its ID (`station line-db add-station ID`).
    #[error("the line database role {role:?} may not act as station {station:?}")]
    WrongRole {
        /// The station ID the configuration gives.
        station: String,
        /// The role it logged in as.
        role: String,
    },
    /// A station ID that cannot name a role, or a password that cannot be given to one.
    #[error("cannot make a line database role: {0}")]
    BadRoleName(String),
    /// The work order's quota is all leased (or it is closed).
    #[error("work order {work_order}: its quota of {quota} certificates is all leased")]
    QuotaExhausted {
        /// The order.
        work_order: String,
        /// Its quota.
        quota: i64,
    },
}

impl LineDbError {
    /// The server could not be reached (or the connection dropped): the station is apart from
    /// the line, as opposed to refused by it.
    #[must_use]
    pub fn is_unreachable(&self) -> bool {
        match self {
            Self::Connect(_) | Self::Offline => true,
            // No server error code: the socket, not the statement, failed.
            Self::Db(e) => e.is_closed() || e.as_db_error().is_none(),
            _ => false,
        }
    }
}

impl station_errors::Coded for LineDbError {
    fn code(&self) -> &'static str {
        match self {
            Self::Connect(_) | Self::Offline => "station::linedb::unreachable",
            Self::Tls(_) => "station::linedb::tls",
            Self::Migrate(_) => "station::linedb::migrate",
            Self::Db(_) if self.is_unreachable() => "station::linedb::unreachable",
            Self::Db(_) => "station::linedb::error",
            Self::Held(_) => "station::linedb::held",
            Self::UnknownWorkOrder(_) => "station::linedb::unknown_work_order",
            Self::QuotaExhausted { .. } => "station::linedb::quota_exhausted",
            Self::WrongRole { .. } => "station::linedb::wrong_role",
            Self::BadRoleName(_) => "station::linedb::bad_role",
        }
    }
}

/// The schema version the line database is at (0: none yet, or not readable by this role).
fn current_version(client: &mut Client) -> i32 {
    client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
            &[],
        )
        .map(|r| r.get(0))
        .unwrap_or(0)
}

/// One station's connection to the line database, re-opened when it drops.
pub struct LineDb {
    config: postgres::Config,
    /// TLS to the server, verified against the configured CA (`None`: plain TCP).
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
    client: Option<Client>,
    /// Statements prepared on `client` (dropped with it).
    prepared: std::collections::HashMap<&'static str, postgres::Statement>,
    retry_at: Option<Instant>,
    retry_after: Duration,
    station_id: String,
}

impl std::fmt::Debug for LineDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineDb")
            .field("station_id", &self.station_id)
            .field("connected", &self.client.is_some())
            .finish_non_exhaustive()
    }
}

impl LineDb {
    /// Connects as `station_id` (libpq-style `url`, the password apart so it never sits in a
    /// config string), brings the schema up to date and registers the station.
    pub fn connect(
        url: &str,
        password: Option<&str>,
        station_id: &str,
    ) -> Result<LineDb, LineDbError> {
        let mut db = Self::apart(url, password, station_id)?;
        db.client = Some(db.open()?);
        Ok(db)
    }

    /// A connection not opened yet: the first call opens it. For a station that starts while
    /// the line database is unreachable and may work apart (`offline = "local"`). Only a `url`
    /// that does not parse is refused here.
    pub fn apart(
        url: &str,
        password: Option<&str>,
        station_id: &str,
    ) -> Result<LineDb, LineDbError> {
        let mut config: postgres::Config = url.parse().map_err(LineDbError::Connect)?;
        if let Some(password) = password {
            config.password(password);
        }
        config.application_name(&format!("station {station_id}"));
        config.connect_timeout(CONNECT_TIMEOUT);
        Ok(LineDb {
            tls: None,
            client: None,
            prepared: std::collections::HashMap::new(),
            retry_at: None,
            retry_after: RETRY_AFTER,
            config,
            station_id: station_id.to_owned(),
        })
    }

    /// Opens a connection, migrates (one station at a time) and says the station is here.
    fn open(&self) -> Result<Client, LineDbError> {
        let mut client = match &self.tls {
            Some(tls) => self.config.connect(tls.clone()),
            None => self.config.connect(NoTls),
        }
        .map_err(LineDbError::Connect)?;
        // A schema already current is left alone: a station's own role may not change it.
        // Otherwise stations starting together migrate one at a time (a session-level
        // advisory lock); only the admin role (the tables' owner) can.
        if current_version(&mut client) < Self::latest_schema_version() {
            client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
            let migrated = embedded::migrations::runner().run(&mut client);
            client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
            migrated.map_err(LineDbError::Migrate)?;
        }
        match client.execute(
            "INSERT INTO stations (id) VALUES ($1)
             ON CONFLICT (id) DO UPDATE SET last_seen = now()",
            &[&self.station_id],
        ) {
            Ok(_) => Ok(client),
            Err(e) if e.code() == Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) => {
                Err(LineDbError::WrongRole {
                    station: self.station_id.clone(),
                    role: self.config.get_user().unwrap_or_default().to_owned(),
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// This station's ID.
    #[must_use]
    pub fn station_id(&self) -> &str {
        &self.station_id
    }

    /// Speaks TLS to the server (required: a server without it is refused), verifying its
    /// certificate against the CA certificates in `ca_pem` and its name against the URL's
    /// host, and logs in only with SCRAM bound to that TLS channel (`channel_binding=require`):
    /// a server (or anything in between) that asks for the password in clear or as MD5, or
    /// offers SCRAM without channel binding, is refused before the password leaves. Call
    /// before the first connection ([`Self::apart`], then [`Self::opened`]).
    pub fn with_ca(mut self, ca_pem: &[u8]) -> Result<Self, LineDbError> {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject as _;
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem) {
            let cert = cert.map_err(|e| LineDbError::Tls(format!("not PEM certificates: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| LineDbError::Tls(format!("not a usable CA certificate: {e}")))?;
        }
        if roots.is_empty() {
            return Err(LineDbError::Tls("no certificate in the file".to_owned()));
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| LineDbError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        self.tls = Some(tokio_postgres_rustls::MakeRustlsConnect::new(tls));
        self.config.ssl_mode(postgres::config::SslMode::Require);
        self.config
            .channel_binding(postgres::config::ChannelBinding::Require);
        Ok(self)
    }

    /// Logs in as `user` instead of the URL's (the line's admin role, for `station line-db`
    /// administration commands). Call before the first connection.
    #[must_use]
    pub fn with_user(mut self, user: &str) -> Self {
        self.config.user(user);
        self
    }

    /// Opens the connection now (see [`Self::apart`]).
    pub fn opened(mut self) -> Result<Self, LineDbError> {
        self.client = Some(self.open()?);
        Ok(self)
    }

    /// Another connection like this one (same server, login and station), not opened yet: for
    /// a station whose slots should not wait for each other's round trips.
    #[must_use]
    pub fn another(&self) -> LineDb {
        LineDb {
            config: self.config.clone(),
            tls: self.tls.clone(),
            client: None,
            prepared: std::collections::HashMap::new(),
            retry_at: None,
            retry_after: self.retry_after,
            station_id: self.station_id.clone(),
        }
    }

    /// As [`Self::another`], committing without waiting for the server's disk
    /// (`synchronous_commit = off`): for what may be lost in a crash of the server, never a
    /// reservation. The station sends a unit's finish on these ([`LineDb::finish_unit`]): a
    /// crash of the server may lose the last fraction of a second of them, which leaves a kept
    /// reservation `held` (it still refuses every other unit), a released one held (a
    /// supervisor frees it) and the line's yield short of those units.
    #[must_use]
    pub fn another_lazy(&self) -> LineDb {
        let mut db = self.another();
        db.config.options("-c synchronous_commit=off");
        db
    }

    /// Tries a dropped connection again after `after` instead of [`RETRY_AFTER`].
    #[must_use]
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = after;
        self
    }

    /// The schema version the server is at (the newest migration applied).
    pub fn schema_version(&mut self) -> Result<i32, LineDbError> {
        self.with(|c, _| {
            Ok(c.query_one(
                "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
                &[],
            )?
            .get(0))
        })
    }

    /// The newest schema version this release knows.
    #[must_use]
    pub fn latest_schema_version() -> i32 {
        embedded::migrations::runner()
            .get_migrations()
            .iter()
            .map(|m| i32::try_from(m.version()).unwrap_or(i32::MAX))
            .max()
            .unwrap_or(0)
    }

    /// Brings an (empty or older) line database to schema `version` and no further, as an
    /// older release would have left it: for migration tests.
    #[doc(hidden)]
    pub fn migrate_only_to(
        url: &str,
        password: Option<&str>,
        version: u32,
    ) -> Result<(), LineDbError> {
        let mut config: postgres::Config = url.parse().map_err(LineDbError::Connect)?;
        if let Some(password) = password {
            config.password(password);
        }
        let mut client = config.connect(NoTls).map_err(LineDbError::Connect)?;
        embedded::migrations::runner()
            .set_target(refinery::Target::Version(version))
            .run(&mut client)
            .map_err(LineDbError::Migrate)?;
        Ok(())
    }

    /// Whether the connection is up (as of the last call).
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.client.as_ref().is_some_and(|c| !c.is_closed())
    }

    /// Opens the connection again if it dropped (at most every [`RETRY_AFTER`]).
    fn ensure(&mut self) -> Result<(), LineDbError> {
        if self.is_connected() {
            return Ok(());
        }
        self.client = None;
        self.prepared.clear();
        if self.retry_at.is_some_and(|at| Instant::now() < at) {
            return Err(LineDbError::Offline);
        }
        match self.open() {
            Ok(client) => {
                tracing::info!(station = %self.station_id, "the line database is reachable again");
                self.client = Some(client);
                self.retry_at = None;
                Ok(())
            }
            Err(e) => {
                self.retry_at = Some(Instant::now() + self.retry_after);
                Err(e)
            }
        }
    }

    /// Runs `f` on the connection, opening it again first if it dropped (at most every
    /// [`RETRY_AFTER`]); a failure of the connection itself drops it.
    fn with<T>(
        &mut self,
        f: impl FnOnce(&mut Client, &str) -> Result<T, LineDbError>,
    ) -> Result<T, LineDbError> {
        self.ensure()?;
        let Some(client) = self.client.as_mut() else {
            return Err(LineDbError::Offline);
        };
        let result = f(client, &self.station_id);
        if let Err(e) = &result
            && e.is_unreachable()
        {
            tracing::warn!(station = %self.station_id, error = %e, "lost the line database");
            self.client = None;
            self.prepared.clear();
            self.retry_at = Some(Instant::now() + self.retry_after);
        }
        result
    }

    /// [`Self::with`], with `sql` prepared once per connection (one round trip saved per call
    /// on the hot paths).
    fn with_prepared<T>(
        &mut self,
        sql: &'static str,
        f: impl FnOnce(&mut Client, &postgres::Statement, &str) -> Result<T, LineDbError>,
    ) -> Result<T, LineDbError> {
        self.ensure()?;
        let mut cache = std::mem::take(&mut self.prepared);
        let result = self.with(|client, station| {
            let statement = match cache.get(sql) {
                Some(s) => s.clone(),
                None => {
                    let s = client.prepare(sql)?;
                    cache.insert(sql, s.clone());
                    s
                }
            };
            f(client, &statement, station)
        });
        if self.client.is_some() {
            self.prepared = cache;
        }
        result
    }

    /// Says the station is alive (`stations.last_seen`).
    pub fn heartbeat(&mut self) -> Result<(), LineDbError> {
        self.with(|c, station| {
            c.execute(
                "UPDATE stations SET last_seen = now() WHERE id = $1",
                &[&station],
            )?;
            Ok(())
        })
    }
}
