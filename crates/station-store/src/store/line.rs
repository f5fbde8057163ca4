//! The supervisor's line set-up (work order, per-slot product choices), kept in the database so
//! a restarted station (a crash, a kiosk restart by systemd) goes on with the same set-up.

use std::collections::BTreeMap;

use rusqlite::params;
use serde_json::json;

use super::Store;
use crate::StoreError;
use crate::audit::{self, AuditSeq};
use crate::sql::now;

/// One setting of the line set-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineSetting {
    /// The work order units are recorded under.
    WorkOrder,
    /// The product a slot runs instead of its configured one.
    SlotProduct(u16),
}

impl LineSetting {
    fn key(self) -> String {
        match self {
            Self::WorkOrder => "work_order".to_owned(),
            Self::SlotProduct(slot) => format!("slot.{slot}.product"),
        }
    }
}

/// The line set-up as stored; what is absent falls back to the station configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineSetup {
    /// The work order a supervisor set, if any.
    pub work_order: Option<String>,
    /// Slots a supervisor moved to another product: slot → product ID.
    pub slot_products: BTreeMap<u16, String>,
}

impl Store {
    /// Sets (`Some`) or clears (`None`) one line setting and appends its audit row
    /// (`work_order.set` or `slot.product`) in one transaction: a setting is never in effect
    /// unaudited. The caller checked the actor's role.
    pub fn set_line_setting(
        &self,
        station_id: &str,
        actor: &str,
        setting: LineSetting,
        value: Option<&str>,
    ) -> Result<AuditSeq, StoreError> {
        let key = setting.key();
        self.write(|tx| {
            match value {
                Some(v) => tx
                    .prepare_cached(
                        "INSERT INTO line_settings (key, value, actor, updated_at)
                         VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                             actor = excluded.actor, updated_at = excluded.updated_at",
                    )?
                    .execute(params![key, v, actor, now()])?,
                None => tx
                    .prepare_cached("DELETE FROM line_settings WHERE key = ?1")?
                    .execute([&key])?,
            };
            let (kind, subject, detail) = match setting {
                LineSetting::WorkOrder => (
                    "work_order.set",
                    value.unwrap_or("").to_owned(),
                    json!({ "work_order": value }),
                ),
                LineSetting::SlotProduct(slot) => (
                    "slot.product",
                    format!("slot {slot}"),
                    // `null`: the slot is back on its configured product.
                    json!({ "slot": slot, "product": value }),
                ),
            };
            audit::append(tx, station_id, actor, kind, &subject, &detail)
        })
    }

    /// The stored line set-up. Keys this release does not know are ignored (a newer station
    /// may have written them).
    pub fn line_setup(&self) -> Result<LineSetup, StoreError> {
        self.read(|conn| {
            let mut setup = LineSetup::default();
            let mut stmt = conn.prepare_cached("SELECT key, value FROM line_settings")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (key, value) = row?;
                if key == "work_order" {
                    setup.work_order = Some(value);
                } else if let Some(slot) = key
                    .strip_prefix("slot.")
                    .and_then(|k| k.strip_suffix(".product"))
                    .and_then(|n| n.parse::<u16>().ok())
                {
                    setup.slot_products.insert(slot, value);
                }
            }
            Ok(setup)
        })
    }
}
