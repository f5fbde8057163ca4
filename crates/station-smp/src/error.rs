//! Errors of the SMP layer and the device return codes they carry.

use std::time::Duration;

use station_transport::LinkError;
use station_transport::framing::FrameError;

use crate::commands::group;

/// A return code from the device, decoded where the station knows its meaning.
///
/// SMP v1 (and v2 for transport-level failures) sends a bare `rc` from the MCUmgr table; v2
/// sends group errors as `err: {group, rc}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceRc {
    /// `MGMT_ERR_ENOTSUP` (8): the device does not implement the command.
    NotSupported,
    /// `MGMT_ERR_EINVAL` (3): the device rejected the request's arguments.
    InvalidArgument,
    /// `MGMT_ERR_EACCESSDENIED` (11).
    AccessDenied,
    /// `MGMT_ERR_EBUSY` (10).
    Busy,
    /// Any other MCUmgr return code, kept raw.
    Mgmt(i64),
    /// A group-specific return code, kept raw with its group.
    Group {
        /// The group that reported it.
        group: u16,
        /// The group's return code.
        rc: i64,
    },
}

impl DeviceRc {
    /// Decodes a bare MCUmgr `rc`.
    pub fn from_mgmt(rc: i64) -> Self {
        match rc {
            3 => DeviceRc::InvalidArgument,
            8 => DeviceRc::NotSupported,
            10 => DeviceRc::Busy,
            11 => DeviceRc::AccessDenied,
            other => DeviceRc::Mgmt(other),
        }
    }

    /// A short description for messages.
    pub fn describe(&self) -> String {
        match self {
            DeviceRc::NotSupported => "command not supported".into(),
            DeviceRc::InvalidArgument => "invalid argument".into(),
            DeviceRc::AccessDenied => "access denied".into(),
            DeviceRc::Busy => "device busy".into(),
            DeviceRc::Mgmt(rc) => format!("MCUmgr error {rc}"),
            DeviceRc::Group {
                group: group::SETTINGS,
                rc,
            } => {
                use crate::commands::settings::rc as s;
                match *rc {
                    s::KEY_NOT_FOUND => "setting not found".into(),
                    s::WRITE_NOT_SUPPORTED => "setting cannot be written".into(),
                    s::KEY_TOO_LONG => "setting name too long".into(),
                    other => format!("settings error {other}"),
                }
            }
            DeviceRc::Group {
                group: group::PROVISIONING,
                rc,
            } => {
                use crate::commands::provisioning::rc as p;
                match *rc {
                    p::LOCKED => "device is locked".into(),
                    p::SERIAL_MISMATCH => "lock confirmation does not match the serial".into(),
                    p::NO_HARDWARE => "device lacks the hardware for this".into(),
                    p::KEY_NOT_FOUND => "no key or certificate in that key slot".into(),
                    p::UNSUPPORTED_ALGORITHM => "key algorithm not supported by the device".into(),
                    p::BAD_CHAIN => "certificate chain rejected".into(),
                    p::NO_SPACE => "certificate chain too large for the device".into(),
                    other => format!("provisioning error {other}"),
                }
            }
            DeviceRc::Group { group, rc } => format!("group {group} error {rc}"),
        }
    }
}

/// Errors of an SMP exchange.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmpError {
    /// The link failed (port gone, I/O error).
    #[error("serial link failed")]
    Link(#[from] LinkError),
    /// No valid response arrived after every attempt.
    #[error(
        "no valid response to {command} after {attempts} attempts ({frame_errors} damaged frames)"
    )]
    NoResponse {
        /// The command name.
        command: &'static str,
        /// Attempts made.
        attempts: u32,
        /// Time allowed per attempt.
        timeout: Duration,
        /// Frames that failed CRC or decoding while waiting.
        frame_errors: u32,
        /// The last framing error seen, if any.
        last_frame_error: Option<FrameError>,
    },
    /// The device answered with an error code.
    #[error("device refused {command}: {}", rc.describe())]
    Device {
        /// The command name.
        command: &'static str,
        /// The decoded return code.
        rc: DeviceRc,
    },
    /// The response body was not the CBOR the command defines.
    #[error("malformed response to {command}")]
    Malformed {
        /// The command name.
        command: &'static str,
        /// What went wrong.
        #[source]
        source: ciborium::de::Error<std::io::Error>,
    },
    /// The request could not be encoded (a bug in the station).
    #[error("could not encode {command}")]
    Encode {
        /// The command name.
        command: &'static str,
        /// What went wrong.
        #[source]
        source: ciborium::ser::Error<std::io::Error>,
    },
}

impl SmpError {
    /// True when the device reported that it does not implement the command.
    pub fn command_not_supported(&self) -> bool {
        matches!(
            self,
            SmpError::Device {
                rc: DeviceRc::NotSupported,
                ..
            }
        )
    }

    /// True when the device went away.
    pub fn is_disconnect(&self) -> bool {
        matches!(self, SmpError::Link(LinkError::Disconnected { .. }))
    }

    /// True when nothing valid or damaged came back: silence until the last attempt ended.
    pub fn is_silence(&self) -> bool {
        matches!(
            self,
            SmpError::NoResponse {
                frame_errors: 0,
                ..
            }
        )
    }

    /// True when responses arrived but were damaged (CRC or decoding failures).
    pub fn is_corruption(&self) -> bool {
        matches!(self, SmpError::NoResponse { frame_errors, .. } if *frame_errors > 0)
    }

    /// The device return code, if the device answered with one.
    pub fn device_rc(&self) -> Option<DeviceRc> {
        match self {
            SmpError::Device { rc, .. } => Some(*rc),
            _ => None,
        }
    }
}
