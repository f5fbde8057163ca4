//! Starting the station, or saying why it did not. A configuration, database or fixture
//! problem at start does not end the process (under the kiosk service's
//! `Restart=on-failure` that was a black screen flickering every two seconds): the window
//! opens on a full-screen message with the cause, the action and a *Retry*, which opens the
//! station again in place once the cause is fixed.

use std::sync::{Mutex, OnceLock, PoisonError};

use station_errors::Coded as _;

use crate::error::{CommandError, StartFailure, chain};
use crate::state::{StartError, StationState};

impl StartFailure {
    /// A configuration file that did not load (with what the file itself needs).
    pub fn config(e: &station_config::ConfigError) -> Self {
        let message = match e.hints() {
            Some(hints) => format!("{} ({hints})", chain(e)),
            None => chain(e),
        };
        Self::new(e.code(), message)
    }

    /// A station that did not open.
    pub fn station(e: &StartError) -> Self {
        Self::new(e.code(), chain(e))
    }
}

/// How one attempt to open the station goes.
pub type Opener = Box<dyn Fn() -> Result<StationState, StartFailure> + Send + Sync>;

/// The app's one managed value: the station once it has started, else why not.
pub struct Launch {
    station: OnceLock<StationState>,
    failure: Mutex<Option<StartFailure>>,
    open: Option<Opener>,
}

impl Launch {
    /// A station that started.
    pub fn ready(state: StationState) -> Self {
        Self {
            station: OnceLock::from(state),
            failure: Mutex::new(None),
            open: None,
        }
    }

    /// A station that did not start; `open` tries again (the start-up screen's Retry).
    pub fn failed(failure: StartFailure, open: Opener) -> Self {
        Self {
            station: OnceLock::new(),
            failure: Mutex::new(Some(failure)),
            open: Some(open),
        }
    }

    /// The station, or why it did not start (`station::app::not_started`, with the cause).
    pub fn station(&self) -> Result<&StationState, CommandError> {
        self.station.get().ok_or_else(|| {
            CommandError::NotStarted(self.failure().unwrap_or_else(|| {
                StartFailure::new("station::app::not_started", "the station has not started")
            }))
        })
    }

    /// Why the station did not start, while it has not.
    pub fn failure(&self) -> Option<StartFailure> {
        if self.station.get().is_some() {
            return None;
        }
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Opens the station again (nothing to do once it runs). A new cause replaces the old.
    pub fn retry(&self) -> Result<(), CommandError> {
        if self.station.get().is_some() {
            return Ok(());
        }
        let Some(open) = &self.open else {
            return self.station().map(|_| ());
        };
        // One attempt at a time: a second Retry waits for the first's answer.
        let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        if self.station.get().is_some() {
            return Ok(());
        }
        match open() {
            Ok(state) => {
                tracing::info!("the station started on retry");
                if self.station.set(state).is_err() {
                    tracing::warn!("the station had already started");
                }
                *failure = None;
                Ok(())
            }
            Err(f) => {
                tracing::warn!(code = %f.code, message = %f.message, "the station still does not start");
                *failure = Some(f.clone());
                Err(CommandError::NotStarted(f))
            }
        }
    }
}

impl station_errors::Coded for StartError {
    fn code(&self) -> &'static str {
        match self {
            StartError::Fixture(_) => "station::fixture::virtual",
            StartError::Definition(e) => e.code(),
            StartError::Store(e) => e.code(),
            StartError::Pipeline(e) => e.code(),
            StartError::Line(e) => e.code(),
        }
    }
}
