//! Progress bars for the long batch commands (upload, import, export, verify-export, audit
//! verify): rate and ETA on stderr when it is a terminal; nothing when it is piped or the
//! command prints `--json`, so scripts and logs see only the command's own output.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar, or nothing (not a terminal, or `--json`). Clones share one bar.
#[derive(Clone)]
pub(crate) struct Progress(Option<ProgressBar>);

/// What a bar counts.
#[derive(Clone, Copy)]
pub(crate) enum Unit {
    /// Records (enrollments, audit rows).
    Records,
    /// Bytes read.
    Bytes,
}

impl Progress {
    /// A bar labelled `label`, shown only on a terminal and never with `--json`.
    pub(crate) fn new(label: &str, unit: Unit, json: bool) -> Self {
        if json || !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let template = match unit {
            Unit::Records => "{msg:<9} [{wide_bar}] {pos}/{len} {per_sec} ETA {eta}",
            Unit::Bytes => {
                "{msg:<9} [{wide_bar}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}"
            }
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = ProgressBar::new(0)
            .with_style(style)
            .with_message(label.to_owned());
        Self(Some(bar))
    }

    /// No bar.
    pub(crate) fn none() -> Self {
        Self(None)
    }

    /// Whether a bar is drawn (per-item lines are then left out).
    pub(crate) fn shown(&self) -> bool {
        self.0.is_some()
    }

    /// `done` of `total`.
    pub(crate) fn set(&self, done: u64, total: u64) {
        if let Some(bar) = &self.0 {
            bar.set_length(total);
            bar.set_position(done);
        }
    }

    /// Starts counting at `done` of `total` (a resumed import): the rate and ETA count only
    /// what this run does.
    pub(crate) fn start_at(&self, done: u64, total: u64) {
        self.set(done, total);
        if let Some(bar) = &self.0 {
            bar.reset_eta();
        }
    }

    /// One more.
    pub(crate) fn inc(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Prints a line on stdout without tearing the bar.
    pub(crate) fn println(&self, line: &str) {
        match &self.0 {
            Some(bar) => bar.suspend(|| println!("{line}")),
            None => println!("{line}"),
        }
    }

    /// Removes the bar (before the command's summary).
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
