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
//! The schema is versioned (refinery migrations embedded from `migrations/`).
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod cluster;

use chrono::{DateTime, Utc};
use postgres::{Client, NoTls};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The advisory lock key the schema migration is serialised under.
const MIGRATION_LOCK: i64 = 0x5354_4154_494f_4e31; // "STATION1"

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
        }
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
    /// A statement failed.
    #[error("line database error: {0}")]
    Db(#[from] postgres::Error),
    /// Another station's unit holds one of the identities.
    #[error("{} {} is held by station {} (unit {}) since {}{}", .0.identity.kind.as_str(), .0.identity.value, .0.station_id, .0.unit_ref, .0.since.format("%Y-%m-%d %H:%M:%S UTC"), if .0.kept { ", provisioned" } else { ", being provisioned" })]
    Held(Box<Holder>),
    /// The work order is not in the line database.
    #[error("work order {0} is not in the line database")]
    UnknownWorkOrder(String),
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
    /// Stable code for messages and logs.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Connect(_) => "station::linedb::unreachable",
            Self::Migrate(_) => "station::linedb::migrate",
            Self::Db(_) => "station::linedb::error",
            Self::Held(_) => "station::linedb::held",
            Self::UnknownWorkOrder(_) => "station::linedb::unknown_work_order",
            Self::QuotaExhausted { .. } => "station::linedb::quota_exhausted",
        }
    }
}

/// One station's connection to the line database.
pub struct LineDb {
    client: Client,
    station_id: String,
}

impl std::fmt::Debug for LineDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineDb")
            .field("station_id", &self.station_id)
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
        let mut config: postgres::Config = url.parse().map_err(LineDbError::Connect)?;
        if let Some(password) = password {
            config.password(password);
        }
        config.application_name(&format!("station {station_id}"));
        config.connect_timeout(std::time::Duration::from_secs(5));
        let mut client = config.connect(NoTls).map_err(LineDbError::Connect)?;
        // Stations starting together migrate one at a time (a session-level advisory lock).
        client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
        let migrated = embedded::migrations::runner().run(&mut client);
        client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
        migrated.map_err(LineDbError::Migrate)?;
        client.execute(
            "INSERT INTO stations (id) VALUES ($1)
             ON CONFLICT (id) DO UPDATE SET last_seen = now()",
            &[&station_id],
        )?;
        Ok(LineDb {
            client,
            station_id: station_id.to_owned(),
        })
    }

    /// This station's ID.
    #[must_use]
    pub fn station_id(&self) -> &str {
        &self.station_id
    }

    /// Reserves every identity of the unit `unit_ref` in one transaction: all or none. An
    /// identity this unit already holds is fine (a retry); one another unit holds refuses the
    /// unit with [`LineDbError::Held`].
    pub fn reserve(&mut self, unit_ref: &str, identities: &[Identity]) -> Result<(), LineDbError> {
        let station = self.station_id.clone();
        let mut tx = self.client.transaction()?;
        for identity in identities {
            let inserted = tx.execute(
                "INSERT INTO reservations (kind, value, station_id, unit_ref)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (kind, value) DO NOTHING",
                &[
                    &identity.kind.as_str(),
                    &identity.value,
                    &station,
                    &unit_ref,
                ],
            )?;
            if inserted == 1 {
                continue;
            }
            let holder = holder_of(&mut tx, identity)?;
            match holder {
                Some(h) if h.station_id == station && h.unit_ref == unit_ref => {}
                Some(h) => return Err(LineDbError::Held(Box::new(h))),
                // Released between the insert and the read: try once more.
                None => {
                    tx.execute(
                        "INSERT INTO reservations (kind, value, station_id, unit_ref)
                         VALUES ($1, $2, $3, $4)",
                        &[
                            &identity.kind.as_str(),
                            &identity.value,
                            &station,
                            &unit_ref,
                        ],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Releases what the unit holds and has not kept (it failed before its irreversible step).
    pub fn release(&mut self, unit_ref: &str) -> Result<u64, LineDbError> {
        Ok(self.client.execute(
            "DELETE FROM reservations WHERE station_id = $1 AND unit_ref = $2 AND state = 'held'",
            &[&self.station_id, &unit_ref],
        )?)
    }

    /// Keeps what the unit holds for good (its board is locked).
    pub fn keep(&mut self, unit_ref: &str) -> Result<u64, LineDbError> {
        Ok(self.client.execute(
            "UPDATE reservations SET state = 'kept', kept_at = now()
             WHERE station_id = $1 AND unit_ref = $2 AND state = 'held'",
            &[&self.station_id, &unit_ref],
        )?)
    }

    /// Who holds `identity`, if anyone.
    pub fn holder(&mut self, identity: &Identity) -> Result<Option<Holder>, LineDbError> {
        holder_of(&mut self.client, identity)
    }

    /// Opens a work order with `quota` certificates (an order already open keeps its quota).
    pub fn open_work_order(&mut self, id: &str, quota: i64) -> Result<(), LineDbError> {
        self.client.execute(
            "INSERT INTO work_orders (id, quota) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
            &[&id, &quota],
        )?;
        Ok(())
    }

    /// Leases up to `block` certificates of the order's quota to this station (fewer when less
    /// is left); refused when nothing is left or the order is closed.
    pub fn lease(&mut self, work_order: &str, block: i64) -> Result<Lease, LineDbError> {
        let station = self.station_id.clone();
        let mut tx = self.client.transaction()?;
        // The row lock serialises every station's lease of this order.
        let row = tx.query_opt(
            "SELECT quota, leased, closed_at IS NOT NULL FROM work_orders WHERE id = $1 FOR UPDATE",
            &[&work_order],
        )?;
        let Some(row) = row else {
            return Err(LineDbError::UnknownWorkOrder(work_order.to_owned()));
        };
        let (quota, leased, closed): (i64, i64, bool) = (row.get(0), row.get(1), row.get(2));
        let granted = block.min(quota - leased);
        if granted <= 0 || closed {
            return Err(LineDbError::QuotaExhausted {
                work_order: work_order.to_owned(),
                quota,
            });
        }
        tx.execute(
            "UPDATE work_orders SET leased = leased + $2 WHERE id = $1",
            &[&work_order, &granted],
        )?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO quota_leases (work_order_id, station_id, granted)
                 VALUES ($1, $2, $3) RETURNING id",
                &[&work_order, &station, &granted],
            )?
            .get(0);
        tx.commit()?;
        Ok(Lease { id, granted })
    }

    /// Records that `n` more certificates were issued from the lease.
    pub fn use_lease(&mut self, lease: i64, n: i64) -> Result<(), LineDbError> {
        self.client.execute(
            "UPDATE quota_leases SET used = used + $2 WHERE id = $1 AND station_id = $3",
            &[&lease, &n, &self.station_id],
        )?;
        Ok(())
    }

    /// Closes the order: no more leases, and what every lease did not use returns to it.
    /// Returns how many certificates came back.
    pub fn close_work_order(&mut self, id: &str) -> Result<i64, LineDbError> {
        let mut tx = self.client.transaction()?;
        let returned: i64 = tx
            .query_one(
                "WITH r AS (
                     UPDATE quota_leases SET returned = granted - used
                     WHERE work_order_id = $1 AND returned = 0 AND granted > used
                     RETURNING granted - used AS back)
                 SELECT COALESCE(SUM(back), 0)::BIGINT FROM r",
                &[&id],
            )?
            .get(0);
        let updated = tx.execute(
            "UPDATE work_orders SET closed_at = COALESCE(closed_at, now()), leased = leased - $2
             WHERE id = $1",
            &[&id, &returned],
        )?;
        if updated == 0 {
            return Err(LineDbError::UnknownWorkOrder(id.to_owned()));
        }
        tx.commit()?;
        Ok(returned)
    }

    /// Certificates leased from the order in all, across stations (after returns).
    pub fn leased(&mut self, work_order: &str) -> Result<i64, LineDbError> {
        self.client
            .query_opt(
                "SELECT leased FROM work_orders WHERE id = $1",
                &[&work_order],
            )?
            .map(|r| r.get(0))
            .ok_or_else(|| LineDbError::UnknownWorkOrder(work_order.to_owned()))
    }
}

fn holder_of(
    db: &mut impl postgres::GenericClient,
    identity: &Identity,
) -> Result<Option<Holder>, LineDbError> {
    let row = db.query_opt(
        "SELECT station_id, unit_ref, state, reserved_at FROM reservations
         WHERE kind = $1 AND value = $2",
        &[&identity.kind.as_str(), &identity.value],
    )?;
    Ok(row.map(|r| Holder {
        identity: identity.clone(),
        station_id: r.get(0),
        unit_ref: r.get(1),
        kept: r.get::<_, String>(2) == "kept",
        since: r.get(3),
    }))
}
