//! Fixture definitions (`fixtures/*.toml`): how to find each slot's serial port on a real
//! fixture, by USB topology rather than by the `/dev` name that changes with every plug.
//!
//! ```toml
//! name = "line1-4up"
//! baud = 115200
//!
//! columns = 2                               # how the slots sit on the bed (optional)
//!
//! [[slot]]
//! index = 1
//! select = "usb:1-2.1"                      # whatever is plugged into hub port 2.1 of bus 1
//! row = 1                                   # where it sits, for the Run screen (optional)
//! column = 1
//!
//! [[slot]]
//! index = 2
//! select = "usb:1-2.2,vid=2fe3,pid=0004,if=0"   # narrowed to one CDC interface of one model
//!
//! [[slot]]
//! index = 3
//! select = "path:/dev/ttyS1"                # a fixed on-board UART
//! baud = 9600
//! ```

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{CheckProblem, ConfigError};
use crate::load::{invalid, parse_toml, read};

/// A fixture definition file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureDefinition {
    /// Fixture name, e.g. `"line1-4up"`.
    pub name: String,
    /// Free text for the line engineer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Default baud rate of the fixture's slots; the station config's `fixture.baud` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baud: Option<u32>,
    /// Slots per row of the bed, for the Run screen when slots give no `row`/`column`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<u16>,
    /// `[[slot]]`: one entry per physical slot.
    #[serde(rename = "slot", default)]
    pub slots: Vec<SlotDefinition>,
}

/// `[[slot]]` of a fixture definition.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SlotDefinition {
    /// 1-based slot index, as in the station config's `[[fixture.slot]]`.
    pub index: u16,
    /// How to find the slot's port (see [`SlotSelector`]).
    pub select: SlotSelector,
    /// This slot's baud rate, overriding the fixture's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baud: Option<u32>,
    /// The row the slot sits in on the bed (1 = the row nearest the technician's eye line);
    /// with `column`, the Run screen puts the slot's tile there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u16>,
    /// The column the slot sits in (1 = leftmost); given together with `row`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u16>,
}

impl FixtureDefinition {
    /// Reads and checks a fixture definition: unique slot indexes (≥ 1), non-zero baud rates.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = read(path)?;
        let (def, doc) = parse_toml::<Self>(&text, path)?;
        let mut problems = Vec::new();
        let mut seen = HashMap::new();
        if def.slots.is_empty() {
            problems.push(
                CheckProblem::new("slot", "the fixture defines no slots")
                    .with_help("add one [[slot]] per physical slot"),
            );
        }
        for (i, slot) in def.slots.iter().enumerate() {
            if slot.index == 0 {
                problems.push(CheckProblem::new(
                    format!("slot[{i}].index"),
                    "slot indexes start at 1",
                ));
            }
            if let Some(first) = seen.insert(slot.index, i) {
                problems.push(CheckProblem::new(
                    format!("slot[{i}].index"),
                    format!("slot index {} is already used by slot[{first}]", slot.index),
                ));
            }
            match (slot.row, slot.column) {
                (None, None) => {}
                (Some(r), Some(c)) if r >= 1 && c >= 1 => {
                    if let Some(other) = def
                        .slots
                        .iter()
                        .take(i)
                        .find(|o| o.row == Some(r) && o.column == Some(c))
                    {
                        problems.push(CheckProblem::new(
                            format!("slot[{i}].row"),
                            format!("slot {} already sits at row {r}, column {c}", other.index),
                        ));
                    }
                    if def.columns.is_some_and(|n| c > n) {
                        problems.push(CheckProblem::new(
                            format!("slot[{i}].column"),
                            format!(
                                "column {c} is beyond the fixture's {} columns",
                                def.columns.unwrap_or_default()
                            ),
                        ));
                    }
                }
                (Some(_), Some(_)) => problems.push(CheckProblem::new(
                    format!("slot[{i}].row"),
                    "rows and columns start at 1",
                )),
                _ => problems.push(
                    CheckProblem::new(
                        format!("slot[{i}].row"),
                        "a slot gives both row and column, or neither",
                    )
                    .with_help("add the missing one"),
                ),
            }
            if slot.baud == Some(0) {
                problems.push(CheckProblem::new(
                    format!("slot[{i}].baud"),
                    "baud must be greater than 0",
                ));
            }
        }
        if def.columns == Some(0) {
            problems.push(CheckProblem::new(
                "columns",
                "columns must be greater than 0",
            ));
        }
        if def.baud == Some(0) {
            problems.push(CheckProblem::new("baud", "baud must be greater than 0"));
        }
        if problems.is_empty() {
            Ok(def)
        } else {
            Err(invalid(path, &doc, problems))
        }
    }

    /// Where slot `index` sits on the bed, `(row, column)`, when the definition says.
    pub fn position(&self, index: u16) -> Option<(u16, u16)> {
        self.slot(index).and_then(|s| s.row.zip(s.column))
    }

    /// The definition of slot `index`.
    pub fn slot(&self, index: u16) -> Option<&SlotDefinition> {
        self.slots.iter().find(|s| s.index == index)
    }
}

/// Where a slot's serial port is.
///
/// ```
/// use station_config::{SlotSelector, UsbPortPath};
///
/// // A fixed device node.
/// let s: SlotSelector = "path:/dev/ttyS1".parse().unwrap();
/// assert_eq!(s, SlotSelector::Path("/dev/ttyS1".into()));
///
/// // Whatever is plugged into port 3 of the hub on port 2 of USB bus 1 ...
/// let s: SlotSelector = "usb:1-2.3".parse().unwrap();
/// let SlotSelector::Usb(usb) = &s else { unreachable!() };
/// assert_eq!(usb.port, UsbPortPath { bus: 1, ports: vec![2, 3] });
///
/// // ... narrowed to one model, one board and one interface of a two-port CDC device.
/// let s: SlotSelector = "usb:1-2.3,vid=2fe3,pid=0004,serial=A1B2,if=2".parse().unwrap();
/// assert_eq!(s.to_string(), "usb:1-2.3,vid=2fe3,pid=0004,serial=A1B2,if=2");
///
/// assert!("usb:1-".parse::<SlotSelector>().is_err());
/// assert!("usb:1-2,colour=red".parse::<SlotSelector>().is_err());
/// assert!("COM3".parse::<SlotSelector>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotSelector {
    /// A fixed serial device node, `path:/dev/ttyS1`.
    Path(PathBuf),
    /// A USB position, `usb:BUS-PORT[.PORT…][,vid=HEX][,pid=HEX][,serial=TEXT][,if=N]`.
    Usb(UsbSelector),
}

/// A USB slot selector: the port path, optionally narrowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbSelector {
    /// Bus and port chain, e.g. `1-2.3`.
    pub port: UsbPortPath,
    /// Only devices with this vendor id.
    pub vid: Option<u16>,
    /// Only devices with this product id.
    pub pid: Option<u16>,
    /// Only the device with this USB serial number.
    pub serial: Option<String>,
    /// Only this interface number (a composite device with several serial ports).
    pub interface: Option<u8>,
}

/// A USB port path as Linux names it: bus number, then the port on each hub from the root,
/// e.g. `1-2.3` (bus 1, root port 2, hub port 3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UsbPortPath {
    /// Bus number.
    pub bus: u8,
    /// Port numbers from the root hub down; never empty.
    pub ports: Vec<u8>,
}

/// A selector or port path that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid slot selector {input:?}: {reason}")]
pub struct SelectorError {
    /// The text given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

fn selector_error(input: &str, reason: impl Into<String>) -> SelectorError {
    SelectorError {
        input: input.to_owned(),
        reason: reason.into(),
    }
}

impl FromStr for UsbPortPath {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (bus, chain) = s
            .split_once('-')
            .ok_or_else(|| selector_error(s, "expected BUS-PORT[.PORT…], e.g. 1-2.3"))?;
        let bus = bus
            .parse()
            .map_err(|_| selector_error(s, format!("bus {bus:?} is not a number")))?;
        let ports = chain
            .split('.')
            .map(|p| {
                p.parse::<u8>()
                    .map_err(|_| selector_error(s, format!("port {p:?} is not a number")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if ports.is_empty() || ports.len() > 7 {
            return Err(selector_error(s, "a port chain has 1 to 7 ports"));
        }
        Ok(UsbPortPath { bus, ports })
    }
}

impl fmt::Display for UsbPortPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-", self.bus)?;
        for (i, p) in self.ports.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl FromStr for SlotSelector {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(path) = s.strip_prefix("path:") {
            if !path.starts_with('/') {
                return Err(selector_error(
                    s,
                    "a path selector needs an absolute path, e.g. path:/dev/ttyS1",
                ));
            }
            return Ok(SlotSelector::Path(PathBuf::from(path)));
        }
        let Some(rest) = s.strip_prefix("usb:") else {
            return Err(selector_error(
                s,
                "expected `usb:BUS-PORT…` or `path:/dev/…`",
            ));
        };
        let mut parts = rest.split(',');
        let port: UsbPortPath = parts
            .next()
            .unwrap_or_default()
            .parse()
            .map_err(|e: SelectorError| selector_error(s, e.reason))?;
        let mut sel = UsbSelector {
            port,
            vid: None,
            pid: None,
            serial: None,
            interface: None,
        };
        for part in parts {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| selector_error(s, format!("{part:?} is not key=value")))?;
            let hex = |v: &str| {
                u16::from_str_radix(v, 16)
                    .map_err(|_| selector_error(s, format!("{key}={v} is not a 4-digit hex id")))
            };
            match key {
                "vid" => sel.vid = Some(hex(value)?),
                "pid" => sel.pid = Some(hex(value)?),
                "serial" if !value.is_empty() => sel.serial = Some(value.to_owned()),
                "if" => {
                    sel.interface =
                        Some(value.parse().map_err(|_| {
                            selector_error(s, format!("if={value} is not a number"))
                        })?)
                }
                _ => {
                    return Err(selector_error(
                        s,
                        format!("unknown selector key {key:?} (expected vid, pid, serial or if)"),
                    ));
                }
            }
        }
        Ok(SlotSelector::Usb(sel))
    }
}

impl fmt::Display for SlotSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlotSelector::Path(p) => write!(f, "path:{}", p.display()),
            SlotSelector::Usb(u) => {
                write!(f, "usb:{}", u.port)?;
                if let Some(v) = u.vid {
                    write!(f, ",vid={v:04x}")?;
                }
                if let Some(p) = u.pid {
                    write!(f, ",pid={p:04x}")?;
                }
                if let Some(s) = &u.serial {
                    write!(f, ",serial={s}")?;
                }
                if let Some(i) = u.interface {
                    write!(f, ",if={i}")?;
                }
                Ok(())
            }
        }
    }
}

impl Serialize for SlotSelector {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SlotSelector {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_paths_round_trip() {
        for s in ["1-1", "3-2.4.1", "10-7.7.7.7.7.7.7"] {
            assert_eq!(s.parse::<UsbPortPath>().unwrap().to_string(), s);
        }
        for bad in ["1", "1-", "a-1", "1-x", "1-1.2.3.4.5.6.7.8", "1-300"] {
            assert!(bad.parse::<UsbPortPath>().is_err(), "{bad}");
        }
    }

    #[test]
    fn selectors_reject_what_they_cannot_mean() {
        for bad in [
            "path:dev/ttyS1",
            "usb:1-2,vid=xyz",
            "usb:1-2,if=-1",
            "usb:1-2,serial=",
            "usb:1-2,vid",
        ] {
            assert!(bad.parse::<SlotSelector>().is_err(), "{bad}");
        }
    }

    fn load_text(text: &str) -> Result<FixtureDefinition, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fixture.toml");
        std::fs::write(&path, text).unwrap();
        FixtureDefinition::load(&path)
    }

    #[test]
    fn slots_sit_at_one_row_and_column_each() {
        let def = load_text(
            "name = \"bed\"\ncolumns = 2\n\
             [[slot]]\nindex = 1\nselect = \"path:/dev/ttyS1\"\nrow = 2\ncolumn = 1\n\
             [[slot]]\nindex = 2\nselect = \"path:/dev/ttyS2\"\nrow = 1\ncolumn = 1\n",
        )
        .unwrap();
        assert_eq!(def.position(1), Some((2, 1)));
        assert_eq!(def.position(2), Some((1, 1)));
        assert_eq!(def.columns, Some(2));
        for (bad, says) in [
            ("row = 1\ncolumn = 1\n", "already sits at row 1, column 1"),
            ("row = 1\n", "both row and column"),
            ("row = 0\ncolumn = 1\n", "start at 1"),
            ("row = 3\ncolumn = 3\n", "beyond the fixture's 2 columns"),
        ] {
            let text = format!(
                "name = \"bed\"\ncolumns = 2\n\
                 [[slot]]\nindex = 1\nselect = \"path:/dev/ttyS1\"\nrow = 1\ncolumn = 1\n\
                 [[slot]]\nindex = 2\nselect = \"path:/dev/ttyS2\"\n{bad}"
            );
            let err = format!("{:?}", load_text(&text).unwrap_err());
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
