//! The built-in virtual fixture (`kiosk.virtual_fixture`): fresh simulated boards in every
//! configured slot, as `station demo` starts them, with the configured fault knobs.

use std::path::PathBuf;

use station_config::StationConfig;
use virtual_dut::{Fault, Fixture, FixtureSpec, SlotSpec};

/// A running virtual fixture.
pub struct VirtualFixture {
    fixture: Fixture,
}

/// Why the virtual fixture did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// `fixture.ports_file` is not set, so the station could not find the boards.
    #[error("kiosk.virtual_fixture needs fixture.ports_file")]
    NoPortsFile,
    /// A `[[kiosk.virtual_fault]]` names a fault that does not exist.
    #[error("slot {slot}: {source}")]
    BadFault {
        /// The slot.
        slot: u16,
        /// The parse error.
        #[source]
        source: virtual_dut::FaultParseError,
    },
    /// The pseudo-terminals or flash files could not be created.
    #[error("could not start the simulated boards")]
    Io(#[from] std::io::Error),
}

impl VirtualFixture {
    /// Starts one fresh board per configured slot, writing `fixture.ports_file`.
    pub fn start(config: &StationConfig) -> Result<Self, FixtureError> {
        let ports_file = config
            .fixture
            .ports_file
            .clone()
            .ok_or(FixtureError::NoPortsFile)?;
        let dir = ports_file
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut spec = FixtureSpec::uniform(&dir, 0, config.fixture.baud);
        spec.slots = config
            .fixture
            .slots
            .iter()
            .map(|s| SlotSpec::new(s.index, s.baud_or(&config.fixture)))
            .collect();
        for f in &config.kiosk.virtual_faults {
            let fault: Fault = f.fault.parse().map_err(|source| FixtureError::BadFault {
                slot: f.slot,
                source,
            })?;
            spec = spec.with_fault(f.slot, fault);
        }
        // New boards in every slot: the demo provisions fresh DUTs each start.
        for slot in &spec.slots {
            let _ = std::fs::remove_dir_all(dir.join(format!("slot-{}", slot.index)));
        }
        let fixture = Fixture::start(&spec)?;
        tracing::info!(slots = spec.slots.len(), dir = %dir.display(), "virtual fixture started");
        Ok(Self { fixture })
    }

    /// Stops every simulated board.
    pub fn stop(self) {
        self.fixture.stop();
    }
}
