//! What the app sends the UI: pipeline progress over a per-run channel, stamped with the time
//! it was sent so the UI can measure event-to-screen latency, and sent in batches.
//!
//! Every message on a Tauri channel is one script the webview parses and runs. With 32 slots
//! at work the pipeline makes hundreds of events a second, and one script per event kept the
//! page's main thread busy running them (measured: p50 29 ms from send to the page, before the
//! page had drawn anything). A [`Forwarder`] sends what has gathered at most once per
//! [`Forwarder::GAP`]: a lone event goes at once, a burst goes as a handful of arrays, each
//! kept under [`DIRECT_LIMIT`] bytes of JSON: Tauri runs a smaller message as a script, and
//! makes the page fetch a bigger one over a second round trip (32 slots measured p95 100 ms
//! with 10 KB arrays against the limit's figure in the closing note of issue 29).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;
use station_pipeline::ProgressEvent;

/// A [`ProgressEvent`] (its `kind`-tagged fields, flattened) plus `sentAtMs`, the Unix time in
/// milliseconds when the pipeline reported it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimedEvent {
    /// The pipeline event.
    #[serde(flatten)]
    pub event: ProgressEvent,
    /// When it was reported, Unix milliseconds.
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

/// Tauri 2 sends a channel message under 8192 bytes of JSON as a script the page runs; a bigger
/// one waits for the page to fetch it (`MAX_JSON_DIRECT_EXECUTE_THRESHOLD` in tauri's
/// `ipc/channel.rs`). Arrays stay under this, with room for the brackets.
pub const DIRECT_LIMIT: usize = 8000;

/// Splits `batch`, in order, into arrays whose JSON stays under [`DIRECT_LIMIT`] bytes; an
/// event bigger than that on its own goes alone.
pub fn direct_sized(batch: Vec<TimedEvent>) -> Vec<Vec<TimedEvent>> {
    let mut out: Vec<Vec<TimedEvent>> = Vec::new();
    let mut size = 0;
    for ev in batch {
        // The element and its comma.
        let len = serde_json::to_string(&ev).map_or(DIRECT_LIMIT, |j| j.len()) + 1;
        match out.last_mut() {
            Some(last) if size + len <= DIRECT_LIMIT => {
                last.push(ev);
                size += len;
            }
            _ => {
                out.push(vec![ev]);
                size = len + 1;
            }
        }
    }
    out
}

/// Carries events from the pipeline's slot threads to `deliver` on a thread of its own, in the
/// order they were reported, batched. Dropping it delivers what is still waiting first.
pub struct Forwarder {
    tx: Option<mpsc::Sender<TimedEvent>>,
    thread: Option<JoinHandle<()>>,
}

impl Forwarder {
    /// The least time between two deliveries: about half a frame at 60 Hz.
    pub const GAP: Duration = Duration::from_millis(8);

    /// Starts the forwarding thread.
    pub fn start(mut deliver: impl FnMut(Vec<TimedEvent>) + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel::<TimedEvent>();
        let thread = std::thread::Builder::new()
            .name("ui-events".into())
            .spawn(move || {
                // No delivery yet: the first event need not wait.
                let mut last: Option<Instant> = None;
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    let due = last.map_or_else(Instant::now, |l| l + Self::GAP);
                    let mut open = true;
                    loop {
                        // What is already queued goes with this batch, whatever the time
                        // (`recv_timeout` takes a waiting event before it looks at the clock).
                        match rx.recv_timeout(due.saturating_duration_since(Instant::now())) {
                            Ok(ev) => batch.push(ev),
                            Err(RecvTimeoutError::Timeout) => break,
                            Err(RecvTimeoutError::Disconnected) => {
                                open = false;
                                break;
                            }
                        }
                    }
                    direct_sized(batch).into_iter().for_each(&mut deliver);
                    last = Some(Instant::now());
                    if !open {
                        break;
                    }
                }
            })
            .expect("spawning the UI event thread");
        Self {
            tx: Some(tx),
            thread: Some(thread),
        }
    }

    /// Stamps `event` and queues it; never blocks the slot thread that reports it.
    pub fn send(&self, event: &ProgressEvent) {
        if let Some(tx) = &self.tx {
            // The thread only ends once `tx` is dropped, so this cannot fail while `self` lives.
            let _ = tx.send(TimedEvent::now(event));
        }
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn step(slot: u16, n: usize) -> ProgressEvent {
        ProgressEvent::Identified {
            run_id: "r1".into(),
            slot,
            serial: format!("S{slot}-{n}"),
            model: "m".into(),
            fw: "1".into(),
        }
    }

    fn serial(ev: &TimedEvent) -> (u16, usize) {
        match &ev.event {
            ProgressEvent::Identified { slot, serial, .. } => {
                (*slot, serial.rsplit('-').next().unwrap().parse().unwrap())
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_burst_arrives_whole_in_order_and_in_few_batches() {
        let got = Arc::new(Mutex::new(Vec::<Vec<TimedEvent>>::new()));
        let sink = got.clone();
        let fwd = Arc::new(Forwarder::start(move |b| sink.lock().unwrap().push(b)));
        let threads: Vec<_> = (1..=8u16)
            .map(|slot| {
                let fwd = fwd.clone();
                std::thread::spawn(move || (0..250).for_each(|n| fwd.send(&step(slot, n))))
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        // Dropping the last handle delivers what is left before it returns.
        drop(Arc::into_inner(fwd).expect("the only handle"));
        let batches = got.lock().unwrap();
        let all: Vec<(u16, usize)> = batches.iter().flatten().map(serial).collect();
        assert_eq!(all.len(), 2000, "every event arrives once");
        for slot in 1..=8u16 {
            let mine: Vec<usize> = all
                .iter()
                .filter(|(s, _)| *s == slot)
                .map(|x| x.1)
                .collect();
            assert_eq!(
                mine,
                (0..250).collect::<Vec<_>>(),
                "slot {slot}'s events in order"
            );
        }
        assert!(
            batches.len() < 2000,
            "2000 events in a burst went as {} deliveries",
            batches.len()
        );
    }

    #[test]
    fn a_big_batch_goes_as_arrays_tauri_runs_directly() {
        let mut batch: Vec<TimedEvent> = (0..500).map(|n| TimedEvent::now(&step(1, n))).collect();
        // An event too big for any array goes alone, in its place.
        let mut huge = step(2, 7);
        if let ProgressEvent::Identified { model, .. } = &mut huge {
            *model = "m".repeat(DIRECT_LIMIT + 10);
        }
        batch.insert(200, TimedEvent::now(&huge));
        let arrays = direct_sized(batch);
        assert!(
            arrays.len() > 5,
            "500 events of ~100 bytes need several arrays"
        );
        for a in &arrays {
            let json = serde_json::to_string(a).unwrap();
            assert!(
                json.len() < 8192 || a.len() == 1,
                "{} bytes in {} events",
                json.len(),
                a.len()
            );
        }
        let order: Vec<(u16, usize)> = arrays.iter().flatten().map(serial).collect();
        let mut want: Vec<(u16, usize)> = (0..500).map(|n| (1, n)).collect();
        want.insert(200, (2, 7));
        assert_eq!(order, want);
    }

    #[test]
    fn a_lone_event_is_not_held_back_for_company() {
        let (tx, rx) = mpsc::channel();
        let fwd = Forwarder::start(move |b| tx.send(b).unwrap());
        fwd.send(&step(3, 1));
        // Delivered while the forwarder still lives: nothing waits for a second event.
        let batch = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("delivered without a second event");
        assert_eq!(batch.iter().map(serial).collect::<Vec<_>>(), vec![(3, 1)]);
        drop(fwd);
    }
}
