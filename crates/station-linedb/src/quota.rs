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
    /// absolute count, so a replay sent twice counts once).
    pub fn use_lease(&mut self, lease: i64, used: i64) -> Result<(), LineDbError> {
        self.with(|c, station| {
            c.execute(
                "UPDATE quota_leases SET used = GREATEST(used, $2)
                 WHERE id = $1 AND station_id = $3",
                &[&lease, &used, &station],
            )?;
            Ok(())
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
