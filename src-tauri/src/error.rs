//! Command errors: what the UI shows, serialised as `{ code, message, help }`.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use station_errors::Coded as _;
use station_pipeline::PipelineError;
use station_store::{OperatorError, StoreError};

/// Why a command failed. The UI shows `message` and `help`; `code` is stable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The command needs a logged-in operator and there is none.
    #[error("no operator is logged in")]
    NotLoggedIn,
    /// The operator was idle for longer than `kiosk.idle_logout_seconds` and was logged out.
    #[error("you were logged out after {0} s without input")]
    SessionExpired(u32),
    /// Login, lockout, role or operator management refused the command.
    #[error(transparent)]
    Operator(#[from] OperatorError),
    /// The station database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The run could not start or be recorded.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// A requested slot is still running.
    #[error("slot {0} is still running")]
    SlotBusy(u16),
    /// The app was asked to close while these slots are still provisioning.
    #[error("the station cannot close while slot(s) {} are running", list_slots(.0))]
    ExitWhileRunning(Vec<u16>),
    /// The slot asked for is not in the fixture configuration.
    #[error("slot {0} is not on this fixture")]
    UnknownSlot(u16),
    /// The product asked for is not configured.
    #[error("product {0} is not configured on this station")]
    UnknownProduct(String),
    /// An export could not be written.
    #[error(transparent)]
    Export(#[from] station_upload::export::ExportError),
    /// An export could not be sealed for the device operator.
    #[error(transparent)]
    Seal(#[from] station_upload::sealed::SealError),
    /// An export could not be delivered (written, sealed).
    #[error(transparent)]
    Delivery(station_upload::delivery::DeliveryError),
    /// The export needs an `[upload]` section (its signing key).
    #[error("this station has no [upload] section, so it has no export signing key")]
    NoUploadSection,
    /// The built-in virtual fixture did not start.
    #[error("the virtual fixture did not start: {0}")]
    Fixture(String),
    /// The unit asked for does not exist.
    #[error("unit {0} does not exist")]
    UnknownUnit(i64),
    /// The configuration file could not be read for display.
    #[error("could not read the configuration file")]
    ConfigRead(#[source] std::io::Error),
    /// The app is closing: running slots are stopping and no new run starts.
    #[error("the station is closing")]
    Closing,
    /// A claim is voided only with a reason (it goes into the audit log).
    #[error("no reason given for declaring the board gone")]
    NoReason,
    /// The line database refused or could not be reached.
    #[error(transparent)]
    Line(#[from] station_linedb::LineDbError),
    /// The removable drive chosen for an export is not mounted (any more).
    #[error("the drive {0} is not plugged in")]
    NoSuchDrive(String),
    /// Writing an export onto a removable drive failed.
    #[error("could not write the batch onto the drive {0}")]
    DriveWrite(String, #[source] std::io::Error),
    /// The station did not start (the start-up screen shows the cause and a Retry).
    #[error("{}", .0.message)]
    NotStarted(StartFailure),
    /// The background task running the command stopped (a station bug).
    #[error("the station task stopped unexpectedly: {0}")]
    Task(String),
}

impl station_errors::Coded for CommandError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotLoggedIn => "station::auth::not_logged_in",
            Self::SessionExpired(_) => "station::auth::session_expired",
            Self::Operator(e) => e.code(),
            Self::Store(e) => e.code(),
            Self::Pipeline(e) => e.code(),
            Self::SlotBusy(_) => "station::run::slot_busy",
            Self::ExitWhileRunning(_) => "station::kiosk::slots_running",
            Self::UnknownUnit(_) => "station::units::unknown",
            Self::UnknownSlot(_) => "station::run::unknown_slot",
            Self::Fixture(_) => "station::fixture::virtual",
            Self::UnknownProduct(_) => "station::run::unknown_product",
            Self::Export(e) => e.code(),
            Self::Seal(e) => e.code(),
            Self::Delivery(station_upload::delivery::DeliveryError::Export(e)) => e.code(),
            Self::Delivery(station_upload::delivery::DeliveryError::Seal(e)) => e.code(),
            Self::NoUploadSection => "station::export::no_upload_section",
            Self::ConfigRead(_) => "station::config::read",
            Self::Closing => "station::run::closing",
            Self::NoReason => "station::claims::no_reason",
            Self::Line(e) => e.code(),
            Self::Task(_) => "station::bug::task",
            Self::NotStarted(_) => "station::app::not_started",
            Self::NoSuchDrive(_) => "station::export::no_drive",
            Self::DriveWrite(..) => "station::export::drive_write",
        }
    }
}

impl Serialize for CommandError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("CommandError", 3)?;
        // A start-up failure carries its cause's own code (`station::config::…`).
        match self {
            Self::NotStarted(f) => st.serialize_field("code", &f.code)?,
            _ => st.serialize_field("code", self.code())?,
        }
        st.serialize_field("message", &chain(self))?;
        // The registry's action (English, for a supervisor); the app shows the technician's
        // text for the code from its catalogue, in their language.
        let help = match self {
            Self::NotStarted(f) => f.help.clone(),
            _ => self.action().to_owned(),
        };
        st.serialize_field("help", &help)?;
        st.end()
    }
}

/// The message and its causes on one line (lower layers' sources included).
pub(crate) use station_errors::chain;

fn list_slots(slots: &[u16]) -> String {
    slots
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<station_upload::delivery::DeliveryError> for CommandError {
    fn from(e: station_upload::delivery::DeliveryError) -> Self {
        Self::Delivery(e)
    }
}

/// Why the station did not start: what the start-up screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StartFailure {
    /// The stable code of the cause (`station::config::…`, `station::store::…`).
    pub code: String,
    /// The cause, in one line with its details.
    pub message: String,
    /// What a supervisor does: the registry's action for `code`.
    pub help: String,
}

impl StartFailure {
    /// The failure `code` with its one line; what to do is the registry's.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            help: station_errors::action(code).to_owned(),
        }
    }
}

impl std::fmt::Display for StartFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "error[{}]: {}\n  help: {}",
            self.code, self.message, self.help
        )
    }
}
