//! OS management group (0): echo, reset, MCUmgr parameters, OS/application info.
//!
//! Spec: Zephyr `doc/services/device_mgmt/smp_groups/smp_group_0.rst`.

use serde::{Deserialize, Serialize};

use super::{Empty, group, smp_command};

/// Echo (id 0, write): the device answers with the same string.
#[derive(Debug, Clone, Serialize)]
pub struct Echo {
    /// Text to echo.
    pub d: String,
}

/// Echo response.
#[derive(Debug, Clone, Deserialize)]
pub struct EchoResponse {
    /// The echoed text.
    pub r: String,
}
smp_command!(Echo => EchoResponse, Write, group::OS, 0, "os.echo");

/// System reset (id 5, write): the device answers, then reboots.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Reset {}
smp_command!(Reset => Empty, Write, group::OS, 5, "os.reset");

/// MCUmgr parameters (id 6, read): the device's SMP buffer size and count.
#[derive(Debug, Clone, Default, Serialize)]
pub struct McumgrParams {}

/// MCUmgr parameters response.
#[derive(Debug, Clone, Deserialize)]
pub struct McumgrParamsResponse {
    /// Reassembly buffer size in bytes.
    pub buf_size: u32,
    /// Number of buffers.
    pub buf_count: u32,
}
smp_command!(McumgrParams => McumgrParamsResponse, Read, group::OS, 6, "os.mcumgr_params");

/// OS/application info (id 7, read).
#[derive(Debug, Clone, Serialize)]
pub struct OsInfo {
    /// Format string as in `uname` (e.g. `"a"` for everything).
    pub format: String,
}

/// OS/application info response.
#[derive(Debug, Clone, Deserialize)]
pub struct OsInfoResponse {
    /// The formatted information.
    pub output: String,
}
smp_command!(OsInfo => OsInfoResponse, Read, group::OS, 7, "os.info");
