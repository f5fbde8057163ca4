//! Work orders and their certificate quota, leased to stations in blocks.

use crate::{Lease, LineDb, LineDbError};

impl LineDb {
    /// Opens a work order with `quota` certificates. An order already open keeps the quota it
    /// was opened with, which is returned (so a station configured otherwise can say so).
    pub fn open_work_order(&mut self, id: &str, quota: i64) -> Result<i64, LineDbError> {
        self.with(|c, _| {
            c.execute(
                "INSERT INTO work_orders (id, quota) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
                &[&id, &quota],
            )?;
            Ok(
                c.query_one("SELECT quota FROM work_orders WHERE id = $1", &[&id])?
                    .get(0),
            )
        })
    }

    /// Leases up to `block` certificates of the order's quota to this station (fewer when less
    /// is left); refused when nothing is left or the order is closed.
    pub fn lease(&mut self, work_order: &str, block: i64) -> Result<Lease, LineDbError> {
        self.with(|client, station| {
            let mut tx = client.transaction()?;
            // The row lock serialises every station's lease of this order.
            let row = tx.query_opt(
                "SELECT quota, leased, closed_at IS NOT NULL FROM work_orders
                 WHERE id = $1 FOR UPDATE",
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
        })
    }

    /// Records that the lease's station has issued `used` certificates from it in all (an
    /// absolute count, so a replay sent twice counts once). A station that was apart when its
    /// order closed may have issued from the lease after the close returned it: what it
    /// issued is taken back from the return (the order stays closed, so nobody else leased
    /// it meanwhile and the quota still holds).
    pub fn use_lease(&mut self, lease: i64, used: i64) -> Result<(), LineDbError> {
        self.with(|client, station| {
            let mut tx = client.transaction()?;
            let row = tx.query_opt(
                "SELECT work_order_id, granted, used, returned FROM quota_leases
                 WHERE id = $1 AND station_id = $2 FOR UPDATE",
                &[&lease, &station],
            )?;
            let Some(row) = row else {
                return Ok(());
            };
            let (order, granted, was, returned): (String, i64, i64, i64) =
                (row.get(0), row.get(1), row.get(2), row.get(3));
            let now_used = was.max(used).min(granted);
            let still_returned = returned.min(granted - now_used);
            tx.execute(
                "UPDATE quota_leases SET used = $2, returned = $3 WHERE id = $1",
                &[&lease, &now_used, &still_returned],
            )?;
            if still_returned < returned {
                tx.execute(
                    "UPDATE work_orders SET leased = leased + $2 WHERE id = $1",
                    &[&order, &(returned - still_returned)],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// This station's leases whose unused part a close returned to their (closed) order:
    /// `(lease, what the station may still issue from it: granted - returned)`.
    pub fn returned_leases(&mut self) -> Result<Vec<(i64, i64)>, LineDbError> {
        self.with(|c, station| {
            Ok(c.query(
                "SELECT id, granted - returned FROM quota_leases
                 WHERE station_id = $1 AND returned > 0 ORDER BY id",
                &[&station],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })
    }

    /// Closes the order: no more leases, and what every lease did not use returns to it.
    /// Returns how many certificates came back.
    pub fn close_work_order(&mut self, id: &str) -> Result<i64, LineDbError> {
        self.with(|client, _| {
            let mut tx = client.transaction()?;
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
                "UPDATE work_orders SET closed_at = COALESCE(closed_at, now()),
                                        leased = leased - $2
                 WHERE id = $1",
                &[&id, &returned],
            )?;
            if updated == 0 {
                return Err(LineDbError::UnknownWorkOrder(id.to_owned()));
            }
            tx.commit()?;
            Ok(returned)
        })
    }

    /// This station's leases from which the line has been told of no certificate and which no
    /// close returned: `(lease, work order, granted)`. A station killed between the line
    /// granting a lease and keeping it in its own store finds the lease here and keeps it
    /// (it can have issued nothing from a lease it never held). A lease with use on it is
    /// never handed back: a station that does not know such a lease lost its store, and issuing
    /// from it again could exceed the quota.
    pub fn unused_leases(&mut self) -> Result<Vec<(Lease, String)>, LineDbError> {
        self.with(|c, station| {
            Ok(c.query(
                "SELECT l.id, l.granted, l.work_order_id FROM quota_leases l
                 JOIN work_orders w ON w.id = l.work_order_id
                 WHERE l.station_id = $1 AND l.used = 0 AND l.returned = 0
                   AND w.closed_at IS NULL
                 ORDER BY l.id",
                &[&station],
            )?
            .iter()
            .map(|r| {
                (
                    Lease {
                        id: r.get(0),
                        granted: r.get(1),
                    },
                    r.get(2),
                )
            })
            .collect())
        })
    }

    /// Certificates leased from the order in all, across stations (after returns).
    pub fn leased(&mut self, work_order: &str) -> Result<i64, LineDbError> {
        self.with(|c, _| {
            c.query_opt(
                "SELECT leased FROM work_orders WHERE id = $1",
                &[&work_order],
            )?
            .map(|r| r.get(0))
            .ok_or_else(|| LineDbError::UnknownWorkOrder(work_order.to_owned()))
        })
    }
}
