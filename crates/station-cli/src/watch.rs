//! `station watch`: start a slot by itself when a DUT arrives in it.
//!
//! Needs `fixture.definition` (slots are found by USB topology) and `fixture.auto_start =
//! true`. A DUT removed mid-run fails its unit cleanly (the link reports the disconnect); a
//! slot is started again only after its DUT has left and a DUT has arrived.

use crate::CONFIG_HELP;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;
use station_config::{FixtureDefinition, SlotSelector};
use station_pipeline::{Permissions, RunRequest, Station};
use station_store::Store;
use station_transport::SerialOpener;
use station_transport::discovery::{
    Observation, PortEvent, PortWatcher, SlotMatch, match_slots, observe,
};

use crate::logging;
use crate::output::{CliError, ProgressPrinter, print_summary};

/// How often the port listing is compared when no hotplug event wakes the watcher.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Arguments of `station watch`.
#[derive(Args)]
pub(crate) struct WatchArgs {
    /// Station configuration file.
    #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
    config: Option<PathBuf>,
    /// Operator ID (defaults to station.operator in the config).
    #[arg(long)]
    operator: Option<String>,
    /// Work order (defaults to station.work_order in the config).
    #[arg(long)]
    work_order: Option<String>,
    /// JSON lines: each slot's progress events, as `station run --json` (notes go to stderr).
    #[arg(long)]
    json: bool,
}

pub(crate) fn watch(args: &WatchArgs) -> anyhow::Result<u8> {
    // Runs until interrupted; units in flight are marked interrupted at the next start.
    let config = station_config::load(&crate::config_file(args.config.as_deref()))
        .map_err(CliError::from)?;
    let Some(def_path) = config.fixture.definition.clone() else {
        return Err(CliError::anyhow(
            "station::watch::no_definition",
            "watching needs a fixture definition",
        ));
    };
    if !config.fixture.auto_start {
        return Err(CliError::anyhow(
            "station::watch::auto_start_off",
            "this station is not configured to start slots by itself",
        ));
    }
    let def = FixtureDefinition::load(&def_path).map_err(CliError::from)?;
    let selectors: Vec<(u16, SlotSelector)> = config
        .fixture
        .slots
        .iter()
        .filter_map(|s| def.slot(s.index).map(|d| (s.index, d.select.clone())))
        .collect();
    let log = logging::init(&config.station)?;
    eprintln!("log: {}", log.path.display());
    let operator = args
        .operator
        .clone()
        .or_else(|| config.station.operator.clone())
        .ok_or_else(|| CliError::anyhow("station::run::no_operator", "no operator given"))?;
    let work_order = args
        .work_order
        .clone()
        .or_else(|| config.station.work_order.clone());
    let store = Arc::new(Store::open(&config.storage.database).map_err(CliError::from)?);
    let base = Arc::new(config);
    let busy: Arc<Mutex<BTreeSet<u16>>> = Arc::default();
    let mut watcher = PortWatcher::new(observe, POLL_INTERVAL);
    let hotplug = watcher.enable_libusb_hotplug();
    eprintln!(
        "watching {} slot(s) of {} ({}); Ctrl-C stops",
        selectors.len(),
        def.name,
        if hotplug {
            "libusb hotplug + polling"
        } else {
            "polling"
        }
    );
    let mut events = watcher
        .poll()
        .map_err(|e| CliError::anyhow("station::ports::discovery", e.to_string()))?;
    // One link to the line database for every slot's station, replayed while idle.
    let line = crate::run::connect_line_db(&base)?.map(|db| {
        let section = base.line_db.as_ref();
        Arc::new(
            station_pipeline::LineLink::new(
                db,
                section.map(|l| l.offline).unwrap_or_default(),
                section.map_or(50, |l| l.lease_block),
            )
            .with_connections(
                base.fixture
                    .slots
                    .len()
                    .min(station_pipeline::MAX_LINE_CONNECTIONS),
            ),
        )
    });
    let mut last_sync = std::time::Instant::now();
    loop {
        if let Some(line) = &line
            && last_sync.elapsed() >= std::time::Duration::from_secs(5)
        {
            last_sync = std::time::Instant::now();
            match line.sync(&store) {
                Ok(report) => {
                    for c in &report.conflicts {
                        eprintln!(
                            "CONFLICT: {} {} provisioned here while apart, and at station {}: see station line-db status",
                            c.identity.kind.as_str(),
                            c.identity.value,
                            c.holder_station
                        );
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %crate::output::chain(&e), "could not replay the line outbox")
                }
            }
        }
        let observed = observe().unwrap_or_default();
        let running = busy.lock().map(|b| b.clone()).unwrap_or_default();
        for (slot, port) in slots_to_start(&events, &observed, &selectors, &running, Path::exists) {
            let mut config = (*base).clone();
            if let Some(s) = config.fixture.slots.iter_mut().find(|s| s.index == slot) {
                s.port = Some(port.clone());
            }
            let station = Station::new(
                config,
                &crate::config_file(args.config.as_deref()),
                Arc::clone(&store),
                Arc::new(SerialOpener),
            )
            .map_err(CliError::from)?
            .with_ek_reader(Arc::new(station_identity::tpm::TssEkReader::new()));
            let station = match &line {
                Some(line) => station.with_line_link(Arc::clone(line)),
                None => station,
            };
            let request = RunRequest {
                slots: Some(vec![slot]),
                operator: operator.clone(),
                work_order: work_order.clone(),
                permissions: Permissions::none(),
                ..Default::default()
            };
            let busy = Arc::clone(&busy);
            if let Ok(mut b) = busy.lock() {
                b.insert(slot);
            }
            eprintln!("slot {slot}: DUT arrived on {port}; starting");
            let json = args.json;
            std::thread::spawn(move || {
                let printer = ProgressPrinter::new(json);
                match station.run(&request, &printer) {
                    Ok(summary) if !json => print_summary(&summary),
                    Ok(_) => {}
                    Err(e) => eprintln!("slot {slot}: {}", crate::output::chain(&e)),
                }
                if let Ok(mut b) = busy.lock() {
                    b.remove(&slot);
                }
            });
        }
        events = watcher.next_events().unwrap_or_default();
    }
}

/// Decides which slots to start: those whose selector now finds exactly one port that just
/// arrived, and which are not running already.
pub(crate) fn slots_to_start(
    events: &[PortEvent],
    observed: &Observation,
    selectors: &[(u16, SlotSelector)],
    running: &BTreeSet<u16>,
    exists: impl Fn(&Path) -> bool,
) -> Vec<(u16, String)> {
    let arrived: BTreeSet<&str> = events
        .iter()
        .filter_map(|e| match e {
            PortEvent::Arrived(p) => Some(p.path.as_str()),
            PortEvent::Removed { .. } => None,
        })
        .collect();
    if arrived.is_empty() {
        return Vec::new();
    }
    match_slots(selectors, observed, exists)
        .into_iter()
        .filter_map(|m| match m {
            SlotMatch::Found { slot, port }
                if arrived.contains(port.as_str()) && !running.contains(&slot) =>
            {
                Some((slot, port))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use station_transport::discovery::SerialPortEntry;

    use super::*;

    fn recording(name: &str) -> Observation {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../station-transport/tests/recordings")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn selectors() -> Vec<(u16, SlotSelector)> {
        (1..=4)
            .map(|i| (i, format!("usb:1-2.{i},vid=2fe3,pid=0004").parse().unwrap()))
            .collect()
    }

    fn arrived(path: &str) -> PortEvent {
        PortEvent::Arrived(SerialPortEntry {
            path: path.into(),
            usb: None,
        })
    }

    #[test]
    fn a_dut_arriving_starts_only_its_slot() {
        // Recorded: the fixture with all four DUTs; ttyACM2 (slot 3) just arrived.
        let obs = recording("recorded-hub-4up.json");
        let start = slots_to_start(
            &[arrived("/dev/ttyACM2")],
            &obs,
            &selectors(),
            &BTreeSet::new(),
            |_| false,
        );
        assert_eq!(start, vec![(3, "/dev/ttyACM2".to_owned())]);
    }

    #[test]
    fn a_running_slot_is_not_started_twice_and_removals_start_nothing() {
        let obs = recording("recorded-hub-4up.json");
        let running = BTreeSet::from([3]);
        assert!(
            slots_to_start(
                &[arrived("/dev/ttyACM2")],
                &obs,
                &selectors(),
                &running,
                |_| false
            )
            .is_empty()
        );
        let removed = [PortEvent::Removed {
            path: "/dev/ttyACM9".into(),
        }];
        assert!(
            slots_to_start(&removed, &obs, &selectors(), &BTreeSet::new(), |_| false).is_empty()
        );
    }

    #[test]
    fn a_slot_with_two_duts_is_not_started() {
        let obs = recording("recorded-two-duts-one-slot.json");
        let start = slots_to_start(
            &[arrived("/dev/ttyACM1"), arrived("/dev/ttyACM2")],
            &obs,
            &selectors(),
            &BTreeSet::new(),
            |_| false,
        );
        assert!(start.is_empty(), "{start:?}");
    }
}
