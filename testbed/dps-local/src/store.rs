//! Enrollments in SQLite: the JSON object as the client sent it (read-only fields removed),
//! its ETag and timestamps.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::Error;

/// Which records: individual enrollments or enrollment groups (same columns; the key column
/// holds the registration ID or the group ID).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Enrollment,
    Group,
}

impl Kind {
    fn table(self) -> &'static str {
        match self {
            Kind::Enrollment => "enrollments",
            Kind::Group => "enrollment_groups",
        }
    }

    /// The record's name in messages.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Enrollment => "enrollment",
            Kind::Group => "enrollment group",
        }
    }
}

/// One stored enrollment or enrollment group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stored {
    pub(crate) registration_id: String,
    pub(crate) body: serde_json::Map<String, serde_json::Value>,
    pub(crate) etag: String,
    pub(crate) created: String,
    pub(crate) updated: String,
}

impl Stored {
    /// The enrollment as the service returns it: the body plus `etag` and the timestamps.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        let mut body = self.body.clone();
        with_certificate_info(&mut body);
        body.insert("etag".into(), self.etag.clone().into());
        body.insert("createdDateTimeUtc".into(), self.created.clone().into());
        body.insert("lastUpdatedDateTimeUtc".into(), self.updated.clone().into());
        serde_json::Value::Object(body)
    }
}

/// Adds DPS's `info` (subject, issuer, thumbprints, validity, serial) beside each certificate
/// of an X.509 attestation, as the service returns it.
fn with_certificate_info(body: &mut serde_json::Map<String, serde_json::Value>) {
    let Some(x509) = body
        .get_mut("attestation")
        .and_then(|a| a.get_mut("x509"))
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for set in ["clientCertificates", "signingCertificates", "caReferences"] {
        let Some(certificates) = x509.get_mut(set).and_then(serde_json::Value::as_object_mut)
        else {
            continue;
        };
        for which in ["primary", "secondary"] {
            let Some(certificate) = certificates
                .get_mut(which)
                .and_then(serde_json::Value::as_object_mut)
            else {
                continue;
            };
            let info = certificate
                .get("certificate")
                .and_then(serde_json::Value::as_str)
                .and_then(crate::device::attest::enrollment_certificate_info)
                .and_then(|info| serde_json::to_value(info).ok());
            if let Some(info) = info {
                certificate.insert("info".into(), info);
            }
        }
    }
}

pub(crate) struct Db {
    conn: Connection,
}

impl Db {
    pub(crate) fn open(path: &Path) -> Result<Db, Error> {
        let db_err = |source| Error::Db {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(db_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS twins (
                 registration_id TEXT PRIMARY KEY COLLATE NOCASE,
                 hub             TEXT NOT NULL,
                 device_id       TEXT NOT NULL,
                 twin            TEXT NOT NULL
             ) STRICT;
             CREATE TABLE IF NOT EXISTS enrollments (
                 registration_id TEXT PRIMARY KEY COLLATE NOCASE,
                 body            TEXT NOT NULL,
                 etag            TEXT NOT NULL,
                 created         TEXT NOT NULL,
                 updated         TEXT NOT NULL
             ) STRICT;
             CREATE TABLE IF NOT EXISTS enrollment_groups (
                 registration_id TEXT PRIMARY KEY COLLATE NOCASE,
                 body            TEXT NOT NULL,
                 etag            TEXT NOT NULL,
                 created         TEXT NOT NULL,
                 updated         TEXT NOT NULL
             ) STRICT;
             CREATE TABLE IF NOT EXISTS registrations (
                 registration_id TEXT PRIMARY KEY COLLATE NOCASE,
                 body            TEXT NOT NULL
             ) STRICT;
             CREATE TABLE IF NOT EXISTS hub_devices (
                 hub              TEXT NOT NULL COLLATE NOCASE,
                 device_id        TEXT NOT NULL,
                 registration_id  TEXT NOT NULL,
                 credential       TEXT NOT NULL,
                 enabled          INTEGER NOT NULL,
                 tags             TEXT NOT NULL,
                 desired          TEXT NOT NULL,
                 desired_version  INTEGER NOT NULL,
                 reported         TEXT NOT NULL,
                 reported_version INTEGER NOT NULL,
                 PRIMARY KEY (hub, device_id)
             ) STRICT;
             CREATE TABLE IF NOT EXISTS hub_messages (
                 seq        INTEGER PRIMARY KEY AUTOINCREMENT,
                 hub        TEXT NOT NULL COLLATE NOCASE,
                 device_id  TEXT NOT NULL,
                 received   TEXT NOT NULL,
                 properties TEXT NOT NULL,
                 body       BLOB NOT NULL
             ) STRICT;",
        )
        .map_err(db_err)?;
        Ok(Db { conn })
    }

    pub(crate) fn get(&self, kind: Kind, id: &str) -> rusqlite::Result<Option<Stored>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT registration_id, body, etag, created, updated FROM {}
                 WHERE registration_id = ?1",
                kind.table()
            ))?
            .query_row([id], row)
            .optional()
    }

    pub(crate) fn put(&self, kind: Kind, s: &Stored) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO {} (registration_id, body, etag, created, updated)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (registration_id) DO UPDATE
                 SET body = ?2, etag = ?3, updated = ?5",
                kind.table()
            ))?
            .execute(params![
                s.registration_id,
                serde_json::Value::Object(s.body.clone()).to_string(),
                s.etag,
                s.created,
                s.updated
            ])?;
        Ok(())
    }

    pub(crate) fn delete(&self, kind: Kind, id: &str) -> rusqlite::Result<bool> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "DELETE FROM {} WHERE registration_id = ?1",
                kind.table()
            ))?
            .execute([id])?
            > 0)
    }

    /// Up to `limit` enrollments after `after` (by registration ID, case-insensitively).
    pub(crate) fn page(
        &self,
        kind: Kind,
        after: Option<&str>,
        limit: u32,
    ) -> rusqlite::Result<Vec<Stored>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT registration_id, body, etag, created, updated FROM {}
                 WHERE ?1 IS NULL OR registration_id > ?1
                 ORDER BY registration_id LIMIT ?2",
                kind.table()
            ))?
            .query_map(params![after, limit], row)?
            .collect()
    }

    pub(crate) fn count(&self) -> rusqlite::Result<u64> {
        self.conn
            .query_row("SELECT COUNT(*) FROM enrollments", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(i64::unsigned_abs)
    }

    /// A device's registration record (`DeviceRegistrationResult` JSON), if it registered.
    pub(crate) fn registration(&self, id: &str) -> rusqlite::Result<Option<serde_json::Value>> {
        self.conn
            .prepare_cached("SELECT body FROM registrations WHERE registration_id = ?1")?
            .query_row([id], |r| r.get::<_, String>(0))
            .optional()
            .map(|body| body.and_then(|b| serde_json::from_str(&b).ok()))
    }

    /// Writes a device's registration record.
    pub(crate) fn put_registration(
        &self,
        id: &str,
        body: &serde_json::Value,
    ) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO registrations (registration_id, body) VALUES (?1, ?2)
                 ON CONFLICT (registration_id) DO UPDATE SET body = ?2",
            )?
            .execute(params![id, body.to_string()])?;
        Ok(())
    }

    /// The hub, device ID and twin of a registered device.
    pub(crate) fn device_twin(
        &self,
        id: &str,
    ) -> rusqlite::Result<Option<(String, String, serde_json::Value)>> {
        self.conn
            .prepare_cached("SELECT hub, device_id, twin FROM twins WHERE registration_id = ?1")?
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .optional()
            .map(|row| {
                row.and_then(|(hub, device, twin)| {
                    serde_json::from_str(&twin).ok().map(|t| (hub, device, t))
                })
            })
    }

    /// Keeps the twin a device has on its hub (its assignment moved it, or it is new).
    pub(crate) fn put_twin(
        &self,
        id: &str,
        hub: &str,
        device_id: &str,
        twin: &serde_json::Value,
    ) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO twins (registration_id, hub, device_id, twin) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (registration_id) DO UPDATE SET hub = ?2, device_id = ?3, twin = ?4",
            )?
            .execute(params![id, hub, device_id, twin.to_string()])?;
        Ok(())
    }

    /// Deletes a device's registration record; whether there was one.
    pub(crate) fn delete_registration(&self, id: &str) -> rusqlite::Result<bool> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM registrations WHERE registration_id = ?1")?
            .execute([id])?
            > 0)
    }

    /// Every registration record, by registration ID.
    pub(crate) fn registrations(&self) -> rusqlite::Result<Vec<serde_json::Value>> {
        self.conn
            .prepare_cached("SELECT body FROM registrations ORDER BY registration_id")?
            .query_map([], |r| r.get::<_, String>(0))?
            .map(|b| b.map(|b| serde_json::from_str(&b).unwrap_or(serde_json::Value::Null)))
            .collect()
    }

    /// The connection, for the hub's registry (hub/registry.rs keeps its own queries).
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one transaction.
    pub(crate) fn transaction<T>(
        &mut self,
        f: impl FnOnce(&Db) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        match f(self) {
            Ok(v) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    let body: String = r.get(1)?;
    let body = match serde_json::from_str(&body) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    Ok(Stored {
        registration_id: r.get(0)?,
        body,
        etag: r.get(2)?,
        created: r.get(3)?,
        updated: r.get(4)?,
    })
}
