//! The built-in virtual fixture (`kiosk.virtual_fixture`): fresh simulated boards in every
//! configured slot, as `station-demo` starts them, with the configured fault knobs.

//!
//! Only in a build with the `virtual-fixture` feature (the default; the packaged app is built
//! without it and refuses `kiosk.virtual_fixture` with [`FixtureError::NotBuilt`]).

#[cfg(feature = "virtual-fixture")]
use std::path::PathBuf;

use station_config::StationConfig;
#[cfg(feature = "virtual-fixture")]
use virtual_dut::{Fault, Fixture};

/// A running virtual fixture.
pub struct VirtualFixture {
    #[cfg(feature = "virtual-fixture")]
    fixture: Fixture,
}

/// A virtual fixture whose boards are starting.
pub struct Starting(std::thread::JoinHandle<Result<VirtualFixture, FixtureError>>);

impl Starting {
    /// Waits until every board runs.
    pub fn wait(self) -> Result<VirtualFixture, FixtureError> {
        self.0.join().unwrap_or(Err(FixtureError::Panicked))
    }
}

/// Why the virtual fixture did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// `fixture.ports_file` is not set, so the station could not find the boards.
    #[error("kiosk.virtual_fixture needs fixture.ports_file")]
    NoPortsFile,
    /// This build of the app has no virtual fixture (the packaged app: the test bench is not
    /// in it).
    #[error(
        "kiosk.virtual_fixture is set, but this build of the app has no virtual fixture (it is the test bench's, not in the packaged app)"
    )]
    NotBuilt,
    /// A `[[kiosk.virtual_fault]]` names a fault that does not exist.
    #[cfg(feature = "virtual-fixture")]
    #[error("slot {slot}: {source}")]
    BadFault {
        /// The slot.
        slot: u16,
        /// The parse error.
        #[source]
        source: virtual_dut::FaultParseError,
    },
    /// The virtual TPMs' local CA could not be created.
    #[cfg(feature = "virtual-fixture")]
    #[error(transparent)]
    Tpm(#[from] virtual_dut::station::StationSpecError),
    /// The thread starting the boards panicked (a bug).
    #[error("the thread starting the simulated boards stopped unexpectedly")]
    Panicked,
    /// The pseudo-terminals or flash files could not be created.
    #[error("could not start the simulated boards")]
    Io(#[from] std::io::Error),
}

impl VirtualFixture {
    /// Prepares one fresh board per configured slot (creating the virtual TPMs' local CA on
    /// first use, so TPM products find their vendor root) and starts the boards on a thread:
    /// manufacturing the swtpm of each TPM board takes about a second, which the login screen
    /// does not wait for. [`Starting::wait`] gives the running fixture.
    #[cfg(feature = "virtual-fixture")]
    pub fn start(config: &StationConfig) -> Result<Starting, FixtureError> {
        let ports_file = config
            .fixture
            .ports_file
            .clone()
            .ok_or(FixtureError::NoPortsFile)?;
        let dir = ports_file
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        // New boards in every slot: the demo provisions fresh DUTs each start.
        virtual_dut::station::fresh_boards(config, &dir);
        let mut spec = virtual_dut::station::spec_for(config, &dir)?;
        for f in &config.kiosk.virtual_faults {
            let fault: Fault = f.fault.parse().map_err(|source| FixtureError::BadFault {
                slot: f.slot,
                source,
            })?;
            spec = spec.with_fault(f.slot, fault);
        }
        let handle = std::thread::Builder::new()
            .name("virtual-fixture".into())
            .spawn(move || {
                let fixture = Fixture::start(&spec)?;
                tracing::info!(slots = spec.slots.len(), dir = %dir.display(), "virtual fixture started");
                Ok(VirtualFixture { fixture })
            })?;
        Ok(Starting(handle))
    }

    /// Without the `virtual-fixture` feature: refused with [`FixtureError::NotBuilt`].
    #[cfg(not(feature = "virtual-fixture"))]
    pub fn start(_config: &StationConfig) -> Result<Starting, FixtureError> {
        Err(FixtureError::NotBuilt)
    }

    /// Stops every simulated board.
    pub fn stop(self) {
        #[cfg(feature = "virtual-fixture")]
        self.fixture.stop();
    }
}
