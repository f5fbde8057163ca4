//! Where each slot's port is: the slot's `port`, else the fixture definition (matched on the
//! live port listing), else the virtual fixture's ports file. Also `station ports`.

use std::path::Path;

use clap::Args;
use station_config::{FixtureDefinition, PortsFile, StationConfig};
use station_transport::discovery::{Observation, SlotMatch, match_slots, observe};

use crate::output::CliError;

/// How one slot's port was found, or why it was not.
pub(crate) enum Resolved {
    /// The port to use, and where it came from.
    Port { port: String, source: &'static str },
    /// No usable port, with a one-line explanation and fix.
    Problem(String),
}

/// Resolves every configured slot. Reads the fixture definition and enumerates ports only
/// when some slot needs them.
pub(crate) fn resolve(config: &StationConfig) -> anyhow::Result<Vec<(u16, Resolved)>> {
    let fixture = &config.fixture;
    let unresolved: Vec<u16> = fixture
        .slots
        .iter()
        .filter(|s| s.port.is_none())
        .map(|s| s.index)
        .collect();
    let mut from_definition = Vec::new();
    if let (Some(path), false) = (&fixture.definition, unresolved.is_empty()) {
        let def = FixtureDefinition::load(path).map_err(CliError::from)?;
        let observed: Observation = observe().map_err(|e| {
            CliError::anyhow(
                "station::ports::discovery",
                format!(
                    "could not list the PC's serial ports: {}",
                    crate::output::chain(&e)
                ),
                "Check that udev is running and the station may read /sys and /dev.",
            )
        })?;
        let selectors: Vec<_> = unresolved
            .iter()
            .filter_map(|i| def.slot(*i).map(|d| (*i, d.select.clone())))
            .collect();
        for m in match_slots(&selectors, &observed, |p| p.exists()) {
            let selector = &selectors
                .iter()
                .find(|(i, _)| *i == m.slot())
                .map(|(_, s)| s.clone());
            let resolved = match (&m, selector) {
                (SlotMatch::Found { port, .. }, _) => Resolved::Port {
                    port: port.clone(),
                    source: "definition",
                },
                (_, Some(sel)) => Resolved::Problem(m.problem(sel).unwrap_or_default()),
                (_, None) => {
                    Resolved::Problem(format!("slot {}: not in the fixture definition", m.slot()))
                }
            };
            from_definition.push((m.slot(), resolved));
        }
        for i in &unresolved {
            if def.slot(*i).is_none() {
                from_definition.push((
                    *i,
                    Resolved::Problem(format!(
                        "slot {i} is not in the fixture definition {}; add a [[slot]] with index = {i}",
                        path.display()
                    )),
                ));
            }
        }
    }
    let ports_file = match (
        &fixture.ports_file,
        fixture.definition.is_none() && !unresolved.is_empty(),
    ) {
        (Some(path), true) => PortsFile::load(path).ok(),
        _ => None,
    };
    Ok(fixture
        .slots
        .iter()
        .map(|s| {
            let resolved = if let Some(port) = &s.port {
                Resolved::Port {
                    port: port.clone(),
                    source: "config",
                }
            } else if let Some(pos) = from_definition.iter().position(|(i, _)| *i == s.index) {
                from_definition.swap_remove(pos).1
            } else if let Some(entry) = ports_file.as_ref().and_then(|m| m.port(s.index)) {
                Resolved::Port {
                    port: entry.port.clone(),
                    source: "ports file",
                }
            } else {
                Resolved::Problem(format!(
                    "slot {}: no port (the fixture's port map has none for it)",
                    s.index
                ))
            };
            (s.index, resolved)
        })
        .collect())
}

/// Arguments of `station ports`.
#[derive(Args)]
pub(crate) struct PortsArgs {
    /// Print the listing as JSON (the format of the slot-matching recordings).
    #[arg(long)]
    json: bool,
    /// Also show which slot of this fixture definition each port is in.
    #[arg(long)]
    definition: Option<std::path::PathBuf>,
}

/// `station ports`: what serial ports and USB devices the PC sees.
pub(crate) fn ports(args: &PortsArgs) -> anyhow::Result<()> {
    let observed = observe().map_err(|e| {
        CliError::anyhow(
            "station::ports::discovery",
            crate::output::chain(&e),
            "Check that udev is running.",
        )
    })?;
    if args.json {
        crate::output::print_json(&observed)?;
        return Ok(());
    }
    println!(
        "{} serial port(s), {} USB device(s)",
        observed.ports.len(),
        observed.usb_devices.len()
    );
    for p in &observed.ports {
        match &p.usb {
            Some(u) => println!(
                "  {:<16} usb {} {:04x}:{:04x} if {} serial {} ({})",
                p.path,
                u.port_path
                    .as_ref()
                    .map_or_else(|| "?".into(), |p| p.to_string()),
                u.vid,
                u.pid,
                u.interface.map_or_else(|| "-".into(), |i| i.to_string()),
                u.serial.as_deref().unwrap_or("-"),
                u.product.as_deref().unwrap_or("")
            ),
            None => println!("  {}", p.path),
        }
    }
    if let Some(def_path) = &args.definition {
        let def = FixtureDefinition::load(def_path).map_err(CliError::from)?;
        let selectors: Vec<_> = def
            .slots
            .iter()
            .map(|s| (s.index, s.select.clone()))
            .collect();
        for (m, (_, sel)) in match_slots(&selectors, &observed, Path::exists)
            .iter()
            .zip(&selectors)
        {
            match m {
                SlotMatch::Found { slot, port } => println!("slot {slot}: {port} ({sel})"),
                other => println!("{}", other.problem(sel).unwrap_or_default()),
            }
        }
    }
    Ok(())
}
