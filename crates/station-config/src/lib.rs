//! Station configuration: the types, loading with precise errors, JSON Schema generation and
//! cross-field checks.
//!
//! Core crates, the front-ends and `station check` read the config through this crate without
//! opening hardware. A config is one TOML file (see `station-config/default.toml` for every key
//! with its default). [`load`] reads it, reports unknown keys, wrong types and missing keys with
//! file, line, column and key path, resolves relative paths against the file's directory and
//! runs [`StationConfig::check`].
//!
//! ```
//! use std::path::Path;
//! use station_errors::Coded as _;
//!
//! let text = r#"
//! [station]
//! id = "line1-st03"
//!
//! [storage]
//! database = "var/station.db"
//!
//! [fixture]
//! name = "bench"
//!
//! [[fixture.slot]]
//! index = 1
//! port = "/dev/ttyACM0"
//! product = "sensor"
//!
//! [[product]]
//! id = "sensor"
//! registration_id = { template = "contoso-{serial}" }
//! dps = { id_scope = "0ne00000A0A" }
//! attestation = { kind = "symmetric-key", enrollment = { type = "individual" } }
//!
//! [secrets]
//! recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]
//! "#;
//! let config = station_config::parse_str(text, Path::new("/etc/station/station.toml"))?;
//! assert_eq!(config.storage.database, Path::new("/etc/station/var/station.db"));
//! assert_eq!(config.fixture.slots[0].baud_or(&config.fixture), 115_200);
//!
//! let err = station_config::parse_str(
//!     &text.replace("name = \"bench\"", "name = \"bench\"\nbaud_rat = 9600"),
//!     Path::new("station.toml"),
//! )
//! .unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "station.toml:10:1: unknown key `baud_rat` in [fixture]; did you mean `baud`?"
//! );
//! assert_eq!(err.code(), "station::config::unknown_key");
//! # Ok::<(), station_config::ConfigError>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod allocation;
mod check;
mod discover;
mod error;
mod fixture_def;
mod kiosk;
mod load;
mod locate;
mod ports;
mod safety;
mod schema;
mod secrets;
mod types;

pub use allocation::{MAX_HUBS, TWIN_PLACEHOLDERS, TwinFacts, render_twin, twin_template_problem};
pub use check::TEMPLATE_PLACEHOLDERS;
pub use discover::{
    CONFIG_ENV, ConfigSource, Discovered, LOCAL_CONFIG, SEARCH_ORDER, SYSTEM_CONFIG, discover,
    discover_with,
};
pub use error::{CheckProblem, ConfigError, ParseError, ParseErrorKind};
pub use fixture_def::{
    FixtureDefinition, SelectorError, SlotDefinition, SlotSelector, UsbPortPath, UsbSelector,
};
pub use kiosk::{KioskSection, Locale, Sounds, VirtualFault};
pub use load::{load, parse_str};
pub use ports::{PortEntry, PortsFile};
pub use safety::{UnsafeFile, current_uid};
pub use schema::json_schema;
pub use secrets::{Retain, SecretsSection};
pub use types::{
    AllocationConfig, AllocationPolicyName, AttestationConfig, BOARD_STRING_FORBIDDEN, CaConfig,
    DpsTarget, EkTemplateName, FixtureSection, HandoutAlarm, InitialTwinConfig, LineDbSection,
    OfflinePolicy, ProductProfile, ProvisioningStatus, RegisterCheck, RegistrationIdRule,
    ReprovisionConfig, SecretSource, SlotConfig, StationConfig, StationSection, StorageSection,
    SymmetricEnrollment, TpmEnrollment, TpmRegistrationId, UploadSection, X509Enrollment,
    X509KeyAlgorithm,
};
