//! `station slots`: slots blocked after repeated failures with a credential handed out
//! (docs/security.md, "Repeated hand-outs"), and a supervisor clearing one.

use std::path::PathBuf;

use clap::Args;
use station_store::{Action, SlotBlock};

use crate::CONFIG_HELP;
use crate::output::{CliError, say};

/// Arguments of `station slots`.
#[derive(Args)]
pub(crate) struct SlotsArgs {
    /// Station configuration (for the database and the station id).
    #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
    config: Option<PathBuf>,
    /// Clear this slot's block so it may run again. Needs --reason and a supervisor's
    /// --operator ID and PIN (stdin or --pin-env); audited.
    #[arg(long, value_name = "SLOT")]
    clear: Option<u16>,
    /// What the supervisor checked and why the slot may run (with --clear).
    #[arg(long)]
    reason: Option<String>,
    /// The supervisor clearing the slot.
    #[arg(long)]
    operator: Option<String>,
    /// Read the supervisor's PIN from this environment variable instead of stdin.
    #[arg(long)]
    pin_env: Option<String>,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

pub(crate) fn slots(args: &SlotsArgs) -> anyhow::Result<()> {
    let path = crate::config_file(args.config.as_deref());
    let config = station_config::load(&path).map_err(CliError::from)?;
    let store = crate::units::open(&path, Some(&config.storage.database))?;
    if let Some(slot) = args.clear {
        let reason = args
            .reason
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| {
                CliError::anyhow("station::slot::no_reason", "clearing a slot needs a reason")
            })?;
        let operator = args.operator.as_deref().ok_or_else(|| {
            CliError::anyhow(
                "station::slot::no_operator",
                "clearing a slot needs the supervisor's operator ID",
            )
        })?;
        let op = crate::operators::authorize(
            &config,
            &store,
            operator,
            args.pin_env.as_deref(),
            Action::ClearSlot,
        )?;
        let cleared = store
            .clear_slot_block(slot, &config.station.id, &op.id, reason)
            .map_err(CliError::from)?;
        if args.json {
            return crate::output::print_json(&cleared);
        }
        say!("slot {slot}: cleared by {}; it may run again", op.id);
        return Ok(());
    }
    let blocks = store.slot_blocks(50).map_err(CliError::from)?;
    if args.json {
        return crate::output::print_json(&blocks);
    }
    let blocked: Vec<&SlotBlock> = blocks.iter().filter(|b| b.cleared.is_none()).collect();
    let alarm = config.fixture.handout_alarm;
    if blocked.is_empty() {
        say!(
            "no slot is blocked (a slot is blocked after {} failures with a credential handed out within {} h)",
            alarm.failures,
            alarm.window_hours
        );
    }
    for b in &blocked {
        say!(
            "{} (since {}, unit {})",
            b.describe(),
            b.blocked_at.format("%Y-%m-%d %H:%M UTC"),
            b.unit_id
        );
    }
    if !blocked.is_empty() {
        say!(
            "A supervisor checks the slot and its last boards, then: station slots --clear N --reason \"…\" --operator ID"
        );
    }
    let cleared: Vec<&SlotBlock> = blocks.iter().filter(|b| b.cleared.is_some()).collect();
    if !cleared.is_empty() {
        say!("\nrecently cleared:");
        for b in cleared.iter().take(10) {
            if let Some(c) = &b.cleared {
                say!(
                    "  slot {}: blocked {}, cleared {} by {}: {}",
                    b.slot,
                    b.blocked_at.format("%Y-%m-%d %H:%M"),
                    c.at.format("%Y-%m-%d %H:%M"),
                    c.by,
                    c.reason
                );
            }
        }
    }
    Ok(())
}
