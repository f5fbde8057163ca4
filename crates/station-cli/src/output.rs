//! Rendering: live progress lines, the run summary table, and errors for the technician.

use std::io::Write;
use std::sync::Mutex;

use station_pipeline::{EventSink, ProgressEvent, RunSummary, UnitOutcome};

/// An error already phrased for the technician: one line, a stable code, one action.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct CliError {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) help: String,
}

impl CliError {
    pub(crate) fn anyhow(
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> anyhow::Error {
        anyhow::Error::new(CliError {
            code,
            message: message.into(),
            help: help.into(),
        })
    }
}

impl From<station_pipeline::PipelineError> for CliError {
    fn from(e: station_pipeline::PipelineError) -> Self {
        let message = chain(&e);
        CliError {
            code: e.code(),
            message,
            help: e.help(),
        }
    }
}

impl From<station_config::ConfigError> for CliError {
    fn from(e: station_config::ConfigError) -> Self {
        CliError {
            code: e.code(),
            message: e.to_string(),
            help: e.help().unwrap_or_else(|| {
                "Fix the configuration file and run `station check` again.".into()
            }),
        }
    }
}

impl From<station_store::StoreError> for CliError {
    fn from(e: station_store::StoreError) -> Self {
        CliError {
            code: e.code(),
            message: chain(&e),
            help: e
                .help()
                .unwrap_or_else(|| "Check the database path and the disk.".into()),
        }
    }
}

/// Prints an error to stderr: `error[code]: message` and `help: …`.
pub(crate) fn print_error(e: &anyhow::Error) {
    match e.downcast_ref::<CliError>() {
        Some(c) => {
            eprintln!("error[{}]: {}", c.code, c.message);
            eprintln!("  help: {}", c.help);
        }
        None => eprintln!("error: {e:#}"),
    }
}

/// The error and its sources on one line.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

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
            if let Ok(line) = serde_json::to_string(event) {
                let _ = writeln!(out, "{line}");
            }
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
                outcome: UnitOutcome::Fail { message, .. },
                ..
            } => {
                format!("[slot {slot:>2}] FAIL  {message}")
            }
            _ => return,
        };
        let _ = writeln!(out, "{line}");
    }
}

/// The run summary table.
pub(crate) fn print_summary(summary: &RunSummary) {
    println!();
    println!(
        "{:<5} {:<16} {:<6} {:>8}  registration ID / reason",
        "slot", "serial", "result", "time"
    );
    for u in &summary.units {
        let serial = u.serial.as_deref().unwrap_or("-");
        let secs = format!("{:.2} s", u.wall.as_secs_f64());
        match &u.outcome {
            UnitOutcome::Pass {
                registration_id, ..
            } => {
                println!(
                    "{:<5} {:<16} {:<6} {:>8}  {}",
                    u.slot, serial, "PASS", secs, registration_id
                )
            }
            UnitOutcome::Fail {
                step,
                code,
                message,
                help,
            } => {
                println!(
                    "{:<5} {:<16} {:<6} {:>8}  {} [{}: {}]",
                    u.slot,
                    serial,
                    "FAIL",
                    secs,
                    message,
                    step.as_str(),
                    code
                );
                println!("{:<39}  help: {}", "", help);
            }
        }
    }
    println!(
        "\n{} passed, {} failed in {:.2} s (run {})",
        summary.passed(),
        summary.failed(),
        summary.wall.as_secs_f64(),
        summary.run_id
    );
}
