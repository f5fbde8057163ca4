//! Rendering: live progress lines, the run summary table, and errors for the technician.

use std::io::Write;

use std::sync::Mutex;

use station_errors::Coded as _;
use station_pipeline::{EventSink, ProgressEvent, RunSummary, UnitOutcome};

/// An error as the CLI prints it: its stable code and one line. What to do is the registry's
/// action for the code (`station explain CODE` says more); `note` carries what this one case
/// adds, such as a configuration file's valid keys.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) note: Option<String>,
}

impl CliError {
    /// A lower layer's coded error: its code and its chain (one line).
    pub(crate) fn coded(code: &'static str, e: &dyn std::error::Error) -> Self {
        CliError {
            code,
            message: chain(e),
            note: None,
        }
    }

    /// An error of the front-end itself: its stable code and one line.
    pub fn anyhow(code: &'static str, message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(CliError {
            code,
            message: message.into(),
            note: None,
        })
    }

    /// What a supervisor or engineer does: the registry's action for the code.
    pub(crate) fn help(&self) -> &'static str {
        station_errors::action(self.code)
    }
}

impl From<station_pipeline::PipelineError> for CliError {
    fn from(e: station_pipeline::PipelineError) -> Self {
        CliError::coded(e.code(), &e)
    }
}

impl From<station_config::ConfigError> for CliError {
    fn from(e: station_config::ConfigError) -> Self {
        CliError {
            code: e.code(),
            message: e.to_string(),
            note: e.hints(),
        }
    }
}

impl From<station_store::StoreError> for CliError {
    fn from(e: station_store::StoreError) -> Self {
        CliError::coded(e.code(), &e)
    }
}

/// `s` fit for a terminal: control characters — a terminal's escape sequences among them, which
/// a board could put in its serial or its EK certificate's names — are shown escaped
/// (`\u{1b}`), never sent.
pub(crate) fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// `println!` for a line that may hold what a board reported (see [`printable`]).
macro_rules! say {
    () => {
        println!()
    };
    ($($arg:tt)*) => {
        println!("{}", $crate::output::printable(&format!($($arg)*)))
    };
}
pub(crate) use say;

/// Prints an error to stderr: `error[code]: message`, its `note: …` and `help: …`.
pub fn print_error(e: &anyhow::Error) {
    match e.downcast_ref::<CliError>() {
        Some(c) => {
            eprintln!("error[{}]: {}", c.code, printable(&c.message));
            if let Some(note) = &c.note {
                eprintln!("  note: {}", printable(note));
            }
            eprintln!("  help: {}", c.help());
        }
        None => eprintln!("error: {}", printable(&format!("{e:#}"))),
    }
}

/// The error and its sources on one line.
pub use station_errors::chain;

/// Prints one line per finished step and unit, or JSON lines with `--json`.
pub(crate) struct ProgressPrinter {
    json: bool,
    out: Mutex<std::io::Stdout>,
}

impl ProgressPrinter {
    pub(crate) fn new(json: bool) -> Self {
        Self {
            json,
            out: Mutex::new(std::io::stdout()),
        }
    }
}

impl EventSink for ProgressPrinter {
    fn event(&self, event: &ProgressEvent) {
        let Ok(mut out) = self.out.lock() else { return };
        if self.json {
            let _ = writeln!(out, "{}", json_line(event));
            return;
        }
        let line = match event {
            ProgressEvent::RunStarted { run_id, slots } => {
                format!("run {run_id}: {} slot(s) {:?}", slots.len(), slots)
            }
            ProgressEvent::Identified {
                slot,
                serial,
                model,
                fw,
                ..
            } => {
                format!("[slot {slot:>2}] {serial}  {model} fw {fw}")
            }
            ProgressEvent::StepFinished {
                slot,
                serial,
                step,
                ok,
                duration_ms,
                ..
            } => format!(
                "[slot {slot:>2}] {:<14} {:<28} {} {:>8.1} ms",
                serial.as_deref().unwrap_or("-"),
                step.to_string(),
                if *ok { "ok  " } else { "FAIL" },
                duration_ms
            ),
            ProgressEvent::UnitFinished {
                slot,
                outcome:
                    UnitOutcome::Pass {
                        registration_id,
                        registered,
                        ..
                    },
                ..
            } => match registered {
                Some(r) => format!(
                    "[slot {slot:>2}] PASS  {registration_id}  registered: hub {}, device ID {}",
                    r.hub, r.device_id
                ),
                None => format!("[slot {slot:>2}] PASS  {registration_id}"),
            },
            ProgressEvent::UnitFinished {
                slot,
                outcome:
                    UnitOutcome::Fail {
                        message, pending, ..
                    },
                ..
            } => {
                // A board whose lock went unanswered is not decided: it must come back.
                let word = if *pending { "OPEN" } else { "FAIL" };
                format!("[slot {slot:>2}] {word}  {message}")
            }
            ProgressEvent::UnitFinished {
                slot,
                outcome:
                    UnitOutcome::Skipped {
                        reason, message, ..
                    },
                ..
            } => {
                format!("[slot {slot:>2}] {}  {message}", skip_word(*reason))
            }
            _ => return,
        };
        let _ = writeln!(out, "{}", printable(&line));
    }
}

/// The run summary table.
pub(crate) fn print_summary(summary: &RunSummary) {
    say!();
    say!(
        "{:<5} {:<16} {:<6} {:>8}  registration ID / reason",
        "slot",
        "serial",
        "result",
        "time"
    );
    for u in &summary.units {
        let serial = u.serial.as_deref().unwrap_or("-");
        let secs = format!("{:.2} s", u.wall.as_secs_f64());
        match &u.outcome {
            UnitOutcome::Pass {
                registration_id, ..
            } => {
                say!(
                    "{:<5} {:<16} {:<6} {:>8}  {}",
                    u.slot,
                    serial,
                    "PASS",
                    secs,
                    registration_id
                )
            }
            UnitOutcome::Fail {
                step,
                code,
                message,
                help,
                pending,
                ..
            } => {
                say!(
                    "{:<5} {:<16} {:<6} {:>8}  {} [{}: {}]",
                    u.slot,
                    serial,
                    if *pending { "OPEN" } else { "FAIL" },
                    secs,
                    message,
                    step.as_str(),
                    code
                );
                say!("{:<39}  help: {}", "", help);
            }
            UnitOutcome::Skipped {
                reason, message, ..
            } => {
                say!(
                    "{:<5} {:<16} {:<6} {:>8}  {}",
                    u.slot,
                    serial,
                    skip_word(*reason),
                    secs,
                    message
                );
            }
        }
    }
    let skipped = summary.skipped();
    say!();
    say!(
        "{} passed, {} failed{} in {:.2} s (run {})",
        summary.passed(),
        summary.failed(),
        if skipped > 0 {
            format!(", {skipped} skipped (empty or already provisioned)")
        } else {
            String::new()
        },
        summary.wall.as_secs_f64(),
        summary.run_id
    );
}

/// The one word a skipped slot shows: `EMPTY`, or `DONE` for a board already provisioned.
fn skip_word(reason: station_pipeline::SkipReason) -> &'static str {
    match reason {
        station_pipeline::SkipReason::Empty => "EMPTY",
        station_pipeline::SkipReason::AlreadyProvisioned => "DONE",
    }
}

/// Keys whose values are wire shapes, printed as they are: a DPS object (`payload_json`), a
/// DUT's self-report (`identity_json`), a batch's signed manifest.
const WIRE_KEYS: &[&str] = &["payload_json", "identity_json", "manifest"];

/// `value` as the CLI's JSON: every key `snake_case` (docs/cli.md), except inside
/// [`WIRE_KEYS`], whose values keep their own shape.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Value {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                let old = std::mem::take(map);
                for (k, mut v) in old {
                    let key = snake_case(&k);
                    if !WIRE_KEYS.contains(&key.as_str()) {
                        walk(&mut v);
                    }
                    map.insert(key, v);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    walk(&mut v);
    v
}

/// Prints `value` as one pretty JSON document on stdout, keys `snake_case`.
pub(crate) fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(&to_json(value))?);
    Ok(())
}

/// `value` as one compact JSON line (streamed events), keys `snake_case`.
pub(crate) fn json_line<T: serde::Serialize + ?Sized>(value: &T) -> String {
    to_json(value).to_string()
}

/// `workOrders` → `work_orders`, `ekSha256` → `ek_sha256`, `kebab-key` → `kebab_key`;
/// snake_case stays as it is.
pub(crate) fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev_lower = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c == '-' {
            out.push('_');
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

#[cfg(test)]
mod json_tests {
    use super::*;

    #[test]
    fn keys_become_snake_case_but_wire_shapes_keep_theirs() {
        for (k, want) in [
            ("workOrders", "work_orders"),
            ("ekSha256", "ek_sha256"),
            ("brokenAt", "broken_at"),
            ("already_snake", "already_snake"),
            ("kebab-case", "kebab_case"),
            ("durationMs", "duration_ms"),
            ("x", "x"),
        ] {
            assert_eq!(snake_case(k), want);
        }
        let v = to_json(&serde_json::json!({
            "workOrders": [{"holderStation": "s1"}],
            "enrollment": {"payload_json": {"registrationId": "r", "attestation": {"symmetricKey": {}}}},
            "manifest": {"stationId": "s"},
        }));
        assert_eq!(v["work_orders"][0]["holder_station"], "s1");
        assert_eq!(
            v["enrollment"]["payload_json"]["registrationId"], "r",
            "DPS casing kept"
        );
        assert_eq!(
            v["manifest"]["stationId"], "s",
            "the signed manifest as signed"
        );
    }
}

#[cfg(test)]
mod printable_tests {
    use super::printable;

    #[test]
    fn control_characters_are_shown_escaped_and_plain_text_is_untouched() {
        assert_eq!(printable("VD0001-01 PASS"), "VD0001-01 PASS");
        let shown = printable("serial \u{1b}[2J\u{7}\r=x");
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert_eq!(shown, "serial \\u{1b}[2J\\u{7}\\u{d}=x");
        // Not control characters: kept as they are (names in other scripts).
        assert_eq!(printable("Prüfplatz 3"), "Prüfplatz 3");
    }
}
