//! Read-only reports for the supervisor screens: yield per hour and failure reasons.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::Store;
use crate::StoreError;
use crate::sql::fmt_ts;

/// Which finished units a yield report counts; `Default` counts all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YieldFilter {
    /// Only units of this work order.
    pub work_order: Option<String>,
    /// Only units finished at or after this time (e.g. the start of a shift).
    pub since: Option<DateTime<Utc>>,
    /// Only units finished before this time.
    pub until: Option<DateTime<Utc>>,
}

/// Passes and failures in one clock hour (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HourlyYield {
    /// The hour, `YYYY-MM-DDTHH:00:00Z`.
    pub hour: String,
    /// Units that passed.
    pub pass: u64,
    /// Units that failed.
    pub fail: u64,
}

/// How often units failed with one error code at one step: a bar of the failure Pareto.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureReason {
    /// Stable error code.
    pub code: String,
    /// The step the units failed at (`identify`, `write-settings`, …; `unknown` if none).
    pub step: String,
    /// The code's plain description from the error registry (no unit's details): the label.
    pub title: String,
    /// The newest message with this code at this step: an example, for the detail view.
    pub message: String,
    /// How many units failed with it.
    pub count: u64,
    /// Its part of all failures in the report, 0 to 1.
    pub share: f64,
}

/// Yield over a filter: per hour, and the failure reasons, most frequent first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct YieldReport {
    /// Passes (including units later superseded by a rework).
    pub pass: u64,
    /// Failures.
    pub fail: u64,
    /// Per hour, oldest first; hours without units are absent.
    pub hourly: Vec<HourlyYield>,
    /// Failure reasons.
    pub reasons: Vec<FailureReason>,
}

impl Store {
    /// Counts finished units (pass, superseded, fail) matching `filter`.
    pub fn yield_report(&self, filter: &YieldFilter) -> Result<YieldReport, StoreError> {
        let wo = filter.work_order.as_deref();
        let since = filter.since.map(fmt_ts);
        let until = filter.until.map(fmt_ts);
        self.read(|conn| {
            const WHERE: &str = "finished_at IS NOT NULL
                 AND status IN ('pass', 'superseded', 'fail')
                 AND (?1 IS NULL OR work_order = ?1)
                 AND (?2 IS NULL OR finished_at >= ?2)
                 AND (?3 IS NULL OR finished_at < ?3)";
            let hourly = conn
                .prepare_cached(&format!(
                    "SELECT substr(finished_at, 1, 13) || ':00:00Z' AS hour,
                            SUM(status <> 'fail'), SUM(status = 'fail')
                     FROM units WHERE {WHERE} GROUP BY hour ORDER BY hour"
                ))?
                .query_map(params![wo, since, until], |r| {
                    Ok(HourlyYield {
                        hour: r.get(0)?,
                        pass: r.get::<_, i64>(1)?.unsigned_abs(),
                        fail: r.get::<_, i64>(2)?.unsigned_abs(),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let reasons = conn
                .prepare_cached(&format!(
                    "SELECT COALESCE(failure_code, 'unknown'), COALESCE(failed_step, 'unknown'),
                            MAX(id), COUNT(*)
                     FROM units WHERE {WHERE} AND status = 'fail'
                     GROUP BY 1, 2 ORDER BY 4 DESC, 1, 2"
                ))?
                .query_map(params![wo, since, until], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut out = Vec::with_capacity(reasons.len());
            let failures: i64 = reasons.iter().map(|r| r.3).sum();
            for (code, step, newest, count) in reasons {
                let message: Option<String> = conn
                    .prepare_cached("SELECT failure_message FROM units WHERE id = ?1")?
                    .query_row([newest], |r| r.get(0))?;
                out.push(FailureReason {
                    title: station_errors::title(&code).to_owned(),
                    code,
                    step,
                    message: message.unwrap_or_default(),
                    count: count.unsigned_abs(),
                    share: count as f64 / failures.max(1) as f64,
                });
            }
            Ok(YieldReport {
                pass: hourly.iter().map(|h| h.pass).sum(),
                fail: hourly.iter().map(|h| h.fail).sum(),
                hourly,
                reasons: out,
            })
        })
    }

    /// The work orders units were provisioned under, newest first.
    pub fn work_orders(&self) -> Result<Vec<String>, StoreError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT work_order FROM units WHERE work_order IS NOT NULL
                     GROUP BY work_order ORDER BY MAX(id) DESC",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<_>, _>>()?)
        })
    }
}

/// Audit rows in a unit's log at most (a unit has a handful; a reworked one a few more).
const UNIT_LOG_AUDIT_ROWS: u32 = 200;

/// One line of a unit's log: a step as it ran, or an audit row about the unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnitLogLine {
    /// When.
    pub at: DateTime<Utc>,
    /// `step <name>` or `audit <seq>`.
    pub source: String,
    /// What happened, in one line.
    pub text: String,
}

impl Store {
    /// The log of `unit`: its steps (outcome, duration, detail) and the audit rows about its
    /// serial or registration ID (the first 200), in time order. What the
    /// desktop app's unit screen and `station units ID` show.
    pub fn unit_log(&self, unit: &crate::UnitDetail) -> Result<Vec<UnitLogLine>, StoreError> {
        let mut log: Vec<UnitLogLine> = unit
            .steps
            .iter()
            .map(|s| UnitLogLine {
                at: s.started_at,
                source: format!("step {}", s.step),
                text: format!(
                    "{} in {:.1} ms{}",
                    if s.ok { "ok" } else { "FAILED" },
                    s.duration.as_secs_f64() * 1e3,
                    s.detail
                        .as_deref()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default()
                ),
            })
            .collect();
        let serial = unit.summary.serial.as_deref().unwrap_or("");
        let reg = unit.summary.registration_id.as_deref().unwrap_or("");
        if !serial.is_empty() || !reg.is_empty() {
            let rows =
                self.read(|conn| crate::audit::about(conn, serial, reg, UNIT_LOG_AUDIT_ROWS))?;
            log.extend(rows.into_iter().map(|row| UnitLogLine {
                at: row.at,
                source: format!("audit {}", row.seq),
                text: format!("{} by {}: {}", row.kind, row.actor, row.detail),
            }));
        }
        log.sort_by_key(|l| l.at);
        Ok(log)
    }
}
