//! Where each slot's port is: the slot's `port`, else the fixture definition (matched on the
//! live port listing), else the virtual fixture's ports file. Also `station ports`.

use std::path::Path;

use clap::Args;
use station_config::{FixtureDefinition, StationConfig};
use station_transport::discovery::{
    ResolveError, SlotMatch, SlotPort, match_slots, observe, resolve_slot_ports,
};

use crate::output::CliError;

/// Resolves every configured slot through the one rule the pipeline uses
/// ([`resolve_slot_ports`]), as CLI errors.
pub(crate) fn resolve(config: &StationConfig) -> anyhow::Result<Vec<(u16, SlotPort)>> {
    resolve_slot_ports(&config.fixture, None).map_err(|e| match e {
        ResolveError::Definition(e) => CliError::from(e).into(),
        ResolveError::Discovery(e) => CliError::anyhow(
            "station::ports::discovery",
            format!(
                "could not list the PC's serial ports: {}",
                crate::output::chain(&e)
            ),
        ),
        other => CliError::anyhow("station::run::ports_file", crate::output::chain(&other)),
    })
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
    let observed = observe()
        .map_err(|e| CliError::anyhow("station::ports::discovery", crate::output::chain(&e)))?;
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
