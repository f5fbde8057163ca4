//! Every SMP command the station uses, declared exactly once as a request/response pair
//! tagged with its (op, group, id). One module per management group.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::header::Op;

pub mod os;
pub mod provisioning;
pub mod settings;

/// Management group numbers.
pub mod group {
    /// OS management (Zephyr group 0).
    pub const OS: u16 = 0;
    /// Settings management (Zephyr group 3).
    pub const SETTINGS: u16 = 3;
    /// The station's provisioning group: the first user group (64).
    pub const PROVISIONING: u16 = 64;
}

/// One SMP request and the response it expects.
pub trait Command: Serialize {
    /// Request op (read or write).
    const OP: Op;
    /// Management group.
    const GROUP: u16;
    /// Command id within the group.
    const ID: u8;
    /// Name for logs, e.g. `settings.write`.
    const NAME: &'static str;
    /// The successful response body.
    type Response: DeserializeOwned;

    /// True when this request or its response carries a secret: the connection then never
    /// logs the payload bytes.
    fn is_secret(&self) -> bool {
        false
    }
}

/// A response with no fields of interest.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Empty {}

/// Declares the (op, group, id) of a request type and its response type, once.
macro_rules! smp_command {
    ($req:ty => $rsp:ty, $op:ident, $group:expr, $id:literal, $name:literal) => {
        impl $crate::commands::Command for $req {
            const OP: $crate::header::Op = $crate::header::Op::$op;
            const GROUP: u16 = $group;
            const ID: u8 = $id;
            const NAME: &'static str = $name;
            type Response = $rsp;
        }
    };
    ($req:ty => $rsp:ty, $op:ident, $group:expr, $id:literal, $name:literal, secret = $secret:expr) => {
        impl $crate::commands::Command for $req {
            const OP: $crate::header::Op = $crate::header::Op::$op;
            const GROUP: u16 = $group;
            const ID: u8 = $id;
            const NAME: &'static str = $name;
            type Response = $rsp;
            fn is_secret(&self) -> bool {
                #[allow(clippy::redundant_closure_call)]
                ($secret)(self)
            }
        }
    };
}
pub(crate) use smp_command;
