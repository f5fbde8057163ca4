//! Repeated hand-outs are an alarm: units that fail after a credential crossed to their board
//! (it was revoked, docs/security.md) are what a rogue board, or a board being harvested for
//! credentials, looks like. When [`AlarmPolicy::failures`] of them happen on one slot, or for
//! one serial on any slot, within [`AlarmPolicy::window`], the slot is blocked: the station
//! starts no unit in it until a supervisor clears the block. Both are audited
//! (`slot.blocked`, `slot.cleared`).
//!
//! Counting starts again when a supervisor clears a slot: failures before the clear were
//! looked at and do not trip the slot again. Only units that *failed* count: a unit
//! interrupted because the station stopped (a kill, a power cut) has its credential revoked
//! all the same, but the board did nothing wrong, and a line recovering from a power cut must
//! not find its slots blocked.

use chrono::{DateTime, Duration, SubsecRound as _, Utc};
use rusqlite::{Connection, OptionalExtension as _, params};
use serde::Serialize;
use serde_json::json;

use super::Store;
use crate::audit;
use crate::error::StoreError;
use crate::sql::{Ts, fmt_ts};
use crate::types::UnitId;

/// When repeated failures after a hand-out block a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlarmPolicy {
    /// How many failures after a hand-out trip the alarm (at least 1).
    pub failures: u32,
    /// The rolling window they are counted in.
    pub window: Duration,
}

impl Default for AlarmPolicy {
    /// 3 within 8 hours.
    fn default() -> Self {
        Self {
            failures: 3,
            window: Duration::hours(8),
        }
    }
}

/// A blocked slot (or, once cleared, a past block).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlotBlock {
    /// The slot.
    pub slot: u16,
    /// The unit whose failure tripped the block.
    pub unit_id: UnitId,
    /// When.
    pub blocked_at: DateTime<Utc>,
    /// Failures after a hand-out on the slot in the window, when it tripped.
    pub failures_on_slot: u64,
    /// Failures after a hand-out of the tripping unit's serial (any slot) in the window.
    pub failures_of_serial: u64,
    /// The window, in hours.
    pub window_hours: u32,
    /// The policy's threshold.
    pub threshold: u32,
    /// The serials counted on the slot, newest first (at most 10).
    pub serials: Vec<String>,
    /// Who cleared it, when and why; `None` while the slot is blocked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleared: Option<Cleared>,
}

/// A supervisor's clearing of a block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cleared {
    /// When.
    pub at: DateTime<Utc>,
    /// The supervisor's operator ID.
    pub by: String,
    /// Why the slot may run again.
    pub reason: String,
}

impl SlotBlock {
    /// One line for the technician: why the slot is blocked.
    pub fn describe(&self) -> String {
        let serials = if self.serials.is_empty() {
            String::new()
        } else {
            format!(" (serials {})", self.serials.join(", "))
        };
        if self.failures_on_slot >= u64::from(self.threshold) {
            format!(
                "slot {} is blocked: {} units failed after taking a credential on it within {} h{serials}",
                self.slot, self.failures_on_slot, self.window_hours
            )
        } else {
            format!(
                "slot {} is blocked: one board failed {} times after taking a credential within {} h{serials}",
                self.slot, self.failures_of_serial, self.window_hours
            )
        }
    }
}

const COLUMNS: &str = "slot, unit_id, blocked_at, failures_on_slot, failures_of_serial,
    window_hours, threshold, serials_json, cleared_at, cleared_by, clear_reason";

fn block_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(SlotBlock, String)> {
    let cleared = match r.get::<_, Option<Ts>>(8)? {
        Some(at) => Some(Cleared {
            at: at.0,
            by: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
            reason: r.get::<_, Option<String>>(10)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok((
        SlotBlock {
            slot: r.get(0)?,
            unit_id: UnitId(r.get(1)?),
            blocked_at: r.get::<_, Ts>(2)?.0,
            failures_on_slot: r.get::<_, i64>(3)?.unsigned_abs(),
            failures_of_serial: r.get::<_, i64>(4)?.unsigned_abs(),
            window_hours: r.get(5)?,
            threshold: r.get(6)?,
            serials: Vec::new(),
            cleared,
        },
        r.get(7)?,
    ))
}

fn with_serials((mut block, json): (SlotBlock, String)) -> Result<SlotBlock, StoreError> {
    block.serials = serde_json::from_str(&json)?;
    Ok(block)
}

fn active_block(conn: &Connection, slot: u16) -> Result<Option<SlotBlock>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM slot_blocks WHERE slot = ?1 AND cleared_at IS NULL"
    ))?
    .query_row([slot], block_from_row)
    .optional()?
    .map(with_serials)
    .transpose()
}

impl Store {
    /// After `unit` failed: if its board had taken a credential (now revoked) and that makes
    /// `policy.failures` such failures on its slot, or of its serial on any slot, within
    /// `policy.window` (counted from the slot's last clearing at the earliest), blocks the slot
    /// with audit `slot.blocked` and returns the block. `None` when nothing was blocked (no
    /// hand-out, under the threshold, or the slot is blocked already).
    pub fn raise_handout_alarm(
        &self,
        unit: UnitId,
        policy: &AlarmPolicy,
    ) -> Result<Option<SlotBlock>, StoreError> {
        self.write(|tx| {
            let Some((slot, serial, station_id)) = tx
                .prepare_cached(
                    "SELECT u.slot, u.serial, u.station_id FROM units u
                     WHERE u.id = ?1 AND u.status = 'fail' AND EXISTS (SELECT 1 FROM handouts h
                         WHERE h.unit_id = u.id AND h.status = 'revoked')",
                )?
                .query_row([unit.0], |r| {
                    Ok((
                        r.get::<_, u16>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .optional()?
            else {
                return Ok(None);
            };
            if active_block(tx, slot)?.is_some() {
                return Ok(None);
            }
            // Microseconds, as the database keeps it, so the block returned is the one stored.
            let now = Utc::now().trunc_subsecs(6);
            let last_clear: Option<Ts> = tx
                .prepare_cached("SELECT MAX(cleared_at) FROM slot_blocks WHERE slot = ?1")?
                .query_row([slot], |r| r.get(0))?;
            let window_start = now - policy.window;
            let since = fmt_ts(last_clear.map_or(window_start, |t| t.0.max(window_start)));
            let serials = tx
                .prepare_cached(
                    "SELECT COALESCE(u.serial, '') FROM units u
                     WHERE u.slot = ?1 AND u.started_at >= ?2 AND u.status = 'fail'
                       AND EXISTS (SELECT 1 FROM handouts h
                                   WHERE h.unit_id = u.id AND h.status = 'revoked')
                     ORDER BY u.id DESC",
                )?
                .query_map(params![slot, since], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let of_serial: i64 = match &serial {
                Some(serial) => tx
                    .prepare_cached(
                        "SELECT COUNT(*) FROM units u
                         WHERE u.serial = ?1 AND u.started_at >= ?2 AND u.status = 'fail'
                           AND EXISTS (SELECT 1 FROM handouts h
                                       WHERE h.unit_id = u.id AND h.status = 'revoked')",
                    )?
                    .query_row(params![serial, since], |r| r.get(0))?,
                None => 0,
            };
            let threshold = u64::from(policy.failures.max(1));
            let on_slot = serials.len() as u64;
            if on_slot < threshold && of_serial.unsigned_abs() < threshold {
                return Ok(None);
            }
            let block = SlotBlock {
                slot,
                unit_id: unit,
                blocked_at: now,
                failures_on_slot: on_slot,
                failures_of_serial: of_serial.unsigned_abs(),
                window_hours: u32::try_from(policy.window.num_hours()).unwrap_or(u32::MAX),
                threshold: policy.failures.max(1),
                serials: serials.into_iter().take(10).collect(),
                cleared: None,
            };
            tx.prepare_cached(
                "INSERT INTO slot_blocks (slot, unit_id, blocked_at, failures_on_slot,
                     failures_of_serial, window_hours, threshold, serials_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                slot,
                unit.0,
                fmt_ts(now),
                on_slot as i64,
                of_serial,
                block.window_hours,
                block.threshold,
                serde_json::to_string(&block.serials)?,
            ])?;
            audit::append(
                tx,
                &station_id,
                "station",
                "slot.blocked",
                serial.as_deref().unwrap_or_default(),
                &json!({
                    "slot": slot,
                    "unit": unit,
                    "failures_on_slot": on_slot,
                    "failures_of_serial": of_serial,
                    "window_hours": block.window_hours,
                    "threshold": block.threshold,
                    "serials": block.serials,
                }),
            )?;
            Ok(Some(block))
        })
    }

    /// The slot's block, if it is blocked.
    pub fn slot_block(&self, slot: u16) -> Result<Option<SlotBlock>, StoreError> {
        self.read(|conn| active_block(conn, slot))
    }

    /// Every block, blocked slots first, then the most recent cleared ones (at most `limit`
    /// rows in all).
    pub fn slot_blocks(&self, limit: u32) -> Result<Vec<SlotBlock>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM slot_blocks
                 ORDER BY cleared_at IS NOT NULL, id DESC LIMIT ?1"
            ))?
            .query_map([limit], block_from_row)?
            .map(|row| with_serials(row?))
            .collect()
        })
    }

    /// A supervisor (`actor`) clears `slot`'s block after looking at the slot and the boards,
    /// with audit `slot.cleared` by `station_id`. Returns the cleared block.
    pub fn clear_slot_block(
        &self,
        slot: u16,
        station_id: &str,
        actor: &str,
        reason: &str,
    ) -> Result<SlotBlock, StoreError> {
        if actor.trim().is_empty() || reason.trim().is_empty() {
            return Err(StoreError::InvalidInput {
                field: "clear_slot_block",
                reason: "clearing a slot needs the supervisor and a reason".to_owned(),
            });
        }
        self.write(|tx| {
            let mut block = active_block(tx, slot)?.ok_or(StoreError::NotBlocked { slot })?;
            let now = Utc::now().trunc_subsecs(6);
            tx.prepare_cached(
                "UPDATE slot_blocks SET cleared_at = ?2, cleared_by = ?3, clear_reason = ?4
                 WHERE slot = ?1 AND cleared_at IS NULL",
            )?
            .execute(params![slot, fmt_ts(now), actor, reason])?;
            audit::append(
                tx,
                station_id,
                actor,
                "slot.cleared",
                "",
                &json!({
                    "slot": slot,
                    "blocked_at": fmt_ts(block.blocked_at),
                    "unit": block.unit_id,
                    "reason": reason,
                }),
            )?;
            block.cleared = Some(Cleared {
                at: now,
                by: actor.to_owned(),
                reason: reason.to_owned(),
            });
            Ok(block)
        })
    }
}
