//! Where each configured slot's port is, the one rule every front end uses (`station run`,
//! `station check`, `station watch` and the desktop app): the slot's own `port`, else the
//! fixture definition matched on the live port listing, else the virtual fixture's ports file.

use station_config::{ConfigError, FixtureDefinition, FixtureSection, PortsFile};

use super::{DiscoveryError, Observation, SlotMatch, match_slots, observe};

/// Where a slot's port was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortSource {
    /// The slot's `port` in the configuration.
    Config,
    /// The fixture definition's selector, matched on the ports the PC sees.
    Definition,
    /// The virtual fixture's ports file.
    PortsFile,
}

impl std::fmt::Display for PortSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PortSource::Config => "config",
            PortSource::Definition => "definition",
            PortSource::PortsFile => "ports file",
        })
    }
}

/// How one slot's port was found, or why it was not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotPort {
    /// The port to use, and where it came from.
    Found {
        /// The port.
        port: String,
        /// Where it came from.
        source: PortSource,
    },
    /// The fixture definition knows the slot, but no single board is in it now (nothing
    /// plugged in, or two devices answer its selector). One line with what to do.
    NoBoard(String),
    /// Nothing says where the slot's port is (no `port`, no definition entry, no ports-file
    /// entry): a configuration problem. One line with what to do.
    Unknown(String),
}

/// Why the slots' ports could not be resolved at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The fixture definition could not be read.
    #[error("could not read the fixture definition")]
    Definition(#[source] ConfigError),
    /// The PC's ports could not be listed.
    #[error("could not list the PC's serial ports")]
    Discovery(#[source] DiscoveryError),
    /// The virtual fixture's ports file could not be read.
    #[error("could not read the fixture's ports file")]
    PortsFile(#[source] ConfigError),
}

/// Resolves every configured slot of `fixture`, listing the PC's ports only when some slot
/// needs the definition. `observed` replaces the live listing (tests pass a recording).
pub fn resolve_slot_ports(
    fixture: &FixtureSection,
    observed: Option<&Observation>,
) -> Result<Vec<(u16, SlotPort)>, ResolveError> {
    let unresolved: Vec<u16> = fixture
        .slots
        .iter()
        .filter(|s| s.port.is_none())
        .map(|s| s.index)
        .collect();
    let mut from_definition: Vec<(u16, SlotPort)> = Vec::new();
    if let (Some(path), false) = (&fixture.definition, unresolved.is_empty()) {
        let def = FixtureDefinition::load(path).map_err(ResolveError::Definition)?;
        let live;
        let observed = match observed {
            Some(o) => o,
            None => {
                live = observe().map_err(ResolveError::Discovery)?;
                &live
            }
        };
        let selectors: Vec<_> = unresolved
            .iter()
            .filter_map(|i| def.slot(*i).map(|d| (*i, d.select.clone())))
            .collect();
        for m in match_slots(&selectors, observed, |p| p.exists()) {
            let resolved = match &m {
                SlotMatch::Found { port, .. } => SlotPort::Found {
                    port: port.clone(),
                    source: PortSource::Definition,
                },
                _ => {
                    let selector = selectors.iter().find(|(i, _)| *i == m.slot());
                    SlotPort::NoBoard(
                        selector
                            .and_then(|(_, sel)| m.problem(sel))
                            .unwrap_or_else(|| format!("slot {}: no DUT found", m.slot())),
                    )
                }
            };
            from_definition.push((m.slot(), resolved));
        }
        for i in &unresolved {
            if def.slot(*i).is_none() {
                from_definition.push((
                    *i,
                    SlotPort::Unknown(format!(
                        "slot {i} is not in the fixture definition {}; add a [[slot]] with index = {i}",
                        path.display()
                    )),
                ));
            }
        }
    }
    let ports_file = match (&fixture.ports_file, fixture.definition.is_none()) {
        (Some(path), true) if !unresolved.is_empty() => {
            Some(PortsFile::load(path).map_err(ResolveError::PortsFile)?)
        }
        _ => None,
    };
    Ok(fixture
        .slots
        .iter()
        .map(|s| {
            let resolved = if let Some(port) = &s.port {
                SlotPort::Found {
                    port: port.clone(),
                    source: PortSource::Config,
                }
            } else if let Some(pos) = from_definition.iter().position(|(i, _)| *i == s.index) {
                from_definition.swap_remove(pos).1
            } else if let Some(entry) = ports_file.as_ref().and_then(|m| m.port(s.index)) {
                SlotPort::Found {
                    port: entry.port.clone(),
                    source: PortSource::PortsFile,
                }
            } else {
                SlotPort::Unknown(format!(
                    "slot {}: no port (set the slot's `port`, a fixture definition, or a ports file that has it)",
                    s.index
                ))
            };
            (s.index, resolved)
        })
        .collect())
}
