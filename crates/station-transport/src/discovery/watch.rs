//! Noticing DUTs arriving in and leaving slots.
//!
//! Serial device nodes appear a moment after the USB device (udev creates them), so the watcher
//! always compares port listings; libusb hotplug, where the platform has it, only wakes it
//! early instead of at the next polling interval.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use super::{DiscoveryError, Observation, SerialPortEntry};

/// A change in the port listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortEvent {
    /// A port appeared.
    Arrived(SerialPortEntry),
    /// A port disappeared.
    Removed {
        /// Its device node.
        path: String,
    },
}

/// Watches the port listing of a source (normally [`super::observe`]).
pub struct PortWatcher<F> {
    source: F,
    known: BTreeMap<String, SerialPortEntry>,
    interval: Duration,
    wake: Option<Receiver<()>>,
    _hotplug: Option<HotplugThread>,
}

impl<F: FnMut() -> Result<Observation, DiscoveryError>> PortWatcher<F> {
    /// A watcher that polls `source` every `interval`. The first [`PortWatcher::poll`] reports
    /// every port already present as arrived.
    pub fn new(source: F, interval: Duration) -> Self {
        Self {
            source,
            known: BTreeMap::new(),
            interval,
            wake: None,
            _hotplug: None,
        }
    }

    /// Also wakes on libusb hotplug events where libusb supports them. Returns whether hotplug
    /// is active; polling continues either way.
    pub fn enable_libusb_hotplug(&mut self) -> bool {
        // No `rusb::has_hotplug()`: it starts rusb's global context, which panics where libusb
        // cannot start. Registering on our own context fails cleanly instead.
        let (tx, rx) = channel();
        match HotplugThread::start(tx) {
            Ok(t) => {
                self.wake = Some(rx);
                self._hotplug = Some(t);
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "libusb hotplug unavailable; polling only");
                false
            }
        }
    }

    /// Lists ports now and reports what changed since the last call.
    pub fn poll(&mut self) -> Result<Vec<PortEvent>, DiscoveryError> {
        let now: BTreeMap<String, SerialPortEntry> = (self.source)()?
            .ports
            .into_iter()
            .map(|p| (p.path.clone(), p))
            .collect();
        let mut events: Vec<PortEvent> = self
            .known
            .keys()
            .filter(|k| !now.contains_key(*k))
            .map(|k| PortEvent::Removed { path: k.clone() })
            .collect();
        events.extend(
            now.iter()
                .filter(|(k, _)| !self.known.contains_key(*k))
                .map(|(_, p)| PortEvent::Arrived(p.clone())),
        );
        self.known = now;
        Ok(events)
    }

    /// Waits one interval (or until a hotplug event), then polls.
    pub fn next_events(&mut self) -> Result<Vec<PortEvent>, DiscoveryError> {
        match &self.wake {
            Some(rx) => match rx.recv_timeout(self.interval) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => self.wake = None,
            },
            None => std::thread::sleep(self.interval),
        }
        self.poll()
    }
}

/// A thread running libusb's event loop, turning hotplug callbacks into wake-ups.
struct HotplugThread {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Waker(Sender<()>);

impl<T: rusb::UsbContext> rusb::Hotplug<T> for Waker {
    fn device_arrived(&mut self, _: rusb::Device<T>) {
        let _ = self.0.send(());
    }

    fn device_left(&mut self, _: rusb::Device<T>) {
        let _ = self.0.send(());
    }
}

impl HotplugThread {
    fn start(tx: Sender<()>) -> Result<Self, rusb::Error> {
        use rusb::UsbContext;
        let context = rusb::Context::new()?;
        let registration: rusb::Registration<rusb::Context> = rusb::HotplugBuilder::new()
            .enumerate(false)
            .register(&context, Box::new(Waker(tx)))?;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("usb-hotplug".into())
            .spawn(move || {
                let _registration = registration;
                while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                    if context
                        .handle_events(Some(Duration::from_millis(200)))
                        .is_err()
                    {
                        break;
                    }
                }
            })
            .map_err(|_| rusb::Error::Other)?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for HotplugThread {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
