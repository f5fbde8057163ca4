//! What the app sends the UI: pipeline progress over a per-run channel, stamped with the time
//! it was sent so the UI can measure event-to-screen latency.

use serde::Serialize;
use station_pipeline::ProgressEvent;

/// A [`ProgressEvent`] (its `kind`-tagged fields, flattened) plus `sentAtMs`, the Unix time in
/// milliseconds when the app handed it to the channel.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimedEvent {
    /// The pipeline event.
    #[serde(flatten)]
    pub event: ProgressEvent,
    /// When it was sent, Unix milliseconds.
    pub sent_at_ms: f64,
}

impl TimedEvent {
    /// Stamps `event` with the current time.
    pub fn now(event: &ProgressEvent) -> Self {
        let sent_at_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1e3)
            .unwrap_or_default();
        Self {
            event: event.clone(),
            sent_at_ms,
        }
    }
}
