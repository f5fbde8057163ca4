//! Reservations: the identities that must be unique across the line, held by one unit of one
//! station, released or kept; and the replay of reservations a station made while apart.

use chrono::{DateTime, Utc};
use postgres::GenericClient;

use crate::{Conflict, Holder, Identity, LineDb, LineDbError};

impl LineDb {
    /// Reserves every identity of the unit `unit_ref` in one transaction: all or none. An
    /// identity this unit already holds is fine (a retry); one another unit holds refuses the
    /// unit with [`LineDbError::Held`].
    pub fn reserve(&mut self, unit_ref: &str, identities: &[Identity]) -> Result<(), LineDbError> {
        let kinds: Vec<&str> = identities.iter().map(|i| i.kind.as_str()).collect();
        let values: Vec<&str> = identities.iter().map(|i| i.value.as_str()).collect();
        self.with_prepared(RESERVE_ALL, |client, reserve_all, station| {
            // The common case in one round trip: everything free (or this unit's already).
            let row = client.query_one(reserve_all, &[&kinds, &values, &station, &unit_ref])?;
            let (taken, at): (i64, DateTime<Utc>) = (row.get(0), row.get(1));
            if taken == 0 {
                return Ok(());
            }
            // Another unit holds one: undo what this statement took, and name the holder.
            client.execute(
                "DELETE FROM reservations
                 WHERE station_id = $1 AND unit_ref = $2 AND reserved_at = $3 AND state = 'held'",
                &[&station, &unit_ref, &at],
            )?;
            for identity in identities {
                match holder_of(client, identity)? {
                    Some(h) if !(h.station_id == station && h.unit_ref == unit_ref) => {
                        return Err(LineDbError::Held(Box::new(h)));
                    }
                    _ => {}
                }
            }
            // Its holder released it meanwhile: take them one by one, all or none.
            let mut tx = client.transaction()?;
            for identity in identities {
                if let Some(h) = take(&mut tx, station, unit_ref, identity)? {
                    return Err(LineDbError::Held(Box::new(h)));
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// The unit's claim is committed at the station: its board is about to be sent the lock.
    /// Until the unit finishes, another station that meets one of its identities is told the
    /// board has an open claim here ([`Holder::claimed_at`]). Claiming twice keeps the first.
    pub fn claim(&mut self, unit_ref: &str) -> Result<(), LineDbError> {
        self.with(|c, station| {
            c.execute(
                "UPDATE reservations SET claimed_at = COALESCE(claimed_at, now())
                 WHERE station_id = $1 AND unit_ref = $2 AND state = 'held'",
                &[&station, &unit_ref],
            )?;
            Ok(())
        })
    }

    /// Replays a reservation the station made while apart from the line (`done_at`): each
    /// identity nobody holds is reserved (held); each another unit holds meanwhile becomes a
    /// [`Conflict`], recorded for the supervisors and returned. Nothing is merged or taken
    /// from the other unit. Replaying twice records nothing twice.
    pub fn replay_reservation(
        &mut self,
        unit_ref: &str,
        identities: &[Identity],
        done_at: DateTime<Utc>,
    ) -> Result<Vec<Conflict>, LineDbError> {
        self.with(|client, station| {
            let mut tx = client.transaction()?;
            let mut conflicts = Vec::new();
            for identity in identities {
                let Some(holder) = take(&mut tx, station, unit_ref, identity)? else {
                    continue;
                };
                let row = tx.query_one(
                    "INSERT INTO conflicts (kind, value, holder_station, holder_unit,
                                            station_id, unit_ref, done_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (kind, value, station_id, unit_ref)
                     DO UPDATE SET done_at = conflicts.done_at
                     RETURNING id, detected_at",
                    &[
                        &identity.kind.as_str(),
                        &identity.value,
                        &holder.station_id,
                        &holder.unit_ref,
                        &station,
                        &unit_ref,
                        &done_at,
                    ],
                )?;
                conflicts.push(Conflict {
                    id: row.get(0),
                    identity: identity.clone(),
                    holder_station: holder.station_id,
                    holder_unit: holder.unit_ref,
                    holder_kept: holder.kept,
                    station_id: station.to_owned(),
                    unit_ref: unit_ref.to_owned(),
                    done_at,
                    detected_at: row.get(1),
                    resolved: None,
                });
            }
            tx.commit()?;
            Ok(conflicts)
        })
    }

    /// Releases what the unit holds and has not kept (it failed before its irreversible step).
    pub fn release(&mut self, unit_ref: &str) -> Result<u64, LineDbError> {
        self.with(|c, station| {
            Ok(c.execute(
                "DELETE FROM reservations
                 WHERE station_id = $1 AND unit_ref = $2 AND state = 'held'",
                &[&station, &unit_ref],
            )?)
        })
    }

    /// Keeps what the unit holds for good (its board is locked).
    pub fn keep(&mut self, unit_ref: &str) -> Result<u64, LineDbError> {
        self.with(|c, station| {
            Ok(c.execute(
                "UPDATE reservations SET state = 'kept', kept_at = now()
                 WHERE station_id = $1 AND unit_ref = $2 AND state = 'held'",
                &[&station, &unit_ref],
            )?)
        })
    }

    /// Who holds `identity`, if anyone.
    pub fn holder(&mut self, identity: &Identity) -> Result<Option<Holder>, LineDbError> {
        self.with(|c, _| holder_of(c, identity))
    }
}

/// Takes every identity (`$1` kinds, `$2` values) for station `$3`'s unit `$4` that nobody
/// holds, in one statement; answers how many another unit holds (then the caller undoes what
/// this statement took: the rows with its `now()`, which it also answers).
const RESERVE_ALL: &str = "
    WITH wanted AS (SELECT * FROM unnest($1::text[], $2::text[]) AS w(kind, value)),
    ins AS (
        INSERT INTO reservations (kind, value, station_id, unit_ref)
        SELECT kind, value, $3, $4 FROM wanted
        ON CONFLICT (kind, value) DO NOTHING
        RETURNING kind, value)
    SELECT (SELECT COUNT(*) FROM wanted w
            WHERE NOT EXISTS (SELECT 1 FROM ins i WHERE i.kind = w.kind AND i.value = w.value)
              AND NOT EXISTS (SELECT 1 FROM reservations r
                              WHERE r.kind = w.kind AND r.value = w.value
                                AND r.station_id = $3 AND r.unit_ref = $4)),
           now()";

/// Reserves `identity` for the unit; `Some(holder)` when another unit holds it.
fn take(
    tx: &mut impl GenericClient,
    station: &str,
    unit_ref: &str,
    identity: &Identity,
) -> Result<Option<Holder>, LineDbError> {
    let insert = "INSERT INTO reservations (kind, value, station_id, unit_ref)
                  VALUES ($1, $2, $3, $4) ON CONFLICT (kind, value) DO NOTHING";
    let params: [&(dyn postgres::types::ToSql + Sync); 4] = [
        &identity.kind.as_str(),
        &identity.value,
        &station,
        &unit_ref,
    ];
    if tx.execute(insert, &params)? == 1 {
        return Ok(None);
    }
    match holder_of(tx, identity)? {
        Some(h) if h.station_id == station && h.unit_ref == unit_ref => Ok(None),
        Some(h) => Ok(Some(h)),
        // Released between the insert and the read: take it now.
        None => {
            tx.execute(insert, &params)?;
            Ok(None)
        }
    }
}

fn holder_of(
    db: &mut impl GenericClient,
    identity: &Identity,
) -> Result<Option<Holder>, LineDbError> {
    let row = db.query_opt(
        "SELECT station_id, unit_ref, state, reserved_at, claimed_at FROM reservations
         WHERE kind = $1 AND value = $2",
        &[&identity.kind.as_str(), &identity.value],
    )?;
    Ok(row.map(|r| Holder {
        identity: identity.clone(),
        station_id: r.get(0),
        unit_ref: r.get(1),
        kept: r.get::<_, String>(2) == "kept",
        since: r.get(3),
        claimed_at: r.get(4),
    }))
}
