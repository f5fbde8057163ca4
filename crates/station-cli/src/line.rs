//! `station line`: the line set-up a supervisor makes (work order, a slot's product), kept in
//! the station database and used by `station run` and the desktop app alike. Each change is
//! audited in the same transaction that makes it.

use crate::CONFIG_HELP;
use std::path::PathBuf;

use clap::Args;
use station_config::StationConfig;
use station_store::{LineSetting, Store};

use crate::EXIT_OK;
use crate::output::CliError;

/// Arguments of `station line`.
#[derive(Args)]
pub(crate) struct LineArgs {
    /// Station configuration.
    #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
    config: Option<PathBuf>,
    /// Set the work order units are recorded under.
    #[arg(long, conflicts_with = "clear_work_order")]
    work_order: Option<String>,
    /// Clear the work order (the config's station.work_order applies again).
    #[arg(long)]
    clear_work_order: bool,
    /// Run another configured product in a slot from now on, as SLOT=PRODUCT (repeatable).
    #[arg(long = "product", value_name = "SLOT=PRODUCT", value_parser = crate::run::slot_value)]
    products: Vec<(u16, String)>,
    /// Put a slot back on its configured product (repeatable).
    #[arg(long = "configured-product", value_name = "SLOT")]
    configured: Vec<u16>,
    /// The supervisor making the change (required to change; PIN from stdin or --pin-env;
    /// recorded in the audit log).
    #[arg(long)]
    operator: Option<String>,
    /// Read the supervisor's PIN from this environment variable instead of stdin.
    #[arg(long)]
    pin_env: Option<String>,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

pub(crate) fn line(args: &LineArgs) -> anyhow::Result<u8> {
    let config = station_config::load(&crate::config_file(args.config.as_deref()))
        .map_err(CliError::from)?;
    let store = Store::open(&config.storage.database).map_err(CliError::from)?;
    let changes = changes(args, &config)?;
    if !changes.is_empty() {
        let action = if changes
            .iter()
            .any(|(s, _)| matches!(s, LineSetting::WorkOrder))
        {
            station_store::Action::SetWorkOrder
        } else {
            station_store::Action::SetSlotProduct
        };
        let operator = crate::operators::decided_by(
            &config,
            &store,
            args.operator.as_deref(),
            args.pin_env.as_deref(),
            action,
            "station::line::no_operator",
        )?;
        for (setting, value) in &changes {
            store
                .set_line_setting(&config.station.id, &operator, *setting, value.as_deref())
                .map_err(CliError::from)?;
        }
    }
    let setup =
        station_pipeline::line::resolve(&config, store.line_setup().map_err(CliError::from)?);
    let work_order = setup.work_order;
    let slots = station_pipeline::line::slot_products(&config, &setup.slot_products);
    if args.json {
        let list: Vec<_> = slots
            .iter()
            .map(|(slot, now, configured)| {
                serde_json::json!({ "slot": slot, "product": now, "configured_product": configured })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "work_order": work_order,
                "slots": list,
            }))?
        );
        return Ok(EXIT_OK);
    }
    println!("work order  {}", work_order.as_deref().unwrap_or("(none)"));
    for (slot, now, configured) in &slots {
        let note = if now == configured {
            String::new()
        } else {
            format!("  (configured: {configured})")
        };
        println!("slot {slot:<4}  {now}{note}");
    }
    Ok(EXIT_OK)
}

/// The changes `args` ask for, checked against the configuration before any is made.
fn changes(
    args: &LineArgs,
    config: &StationConfig,
) -> anyhow::Result<Vec<(LineSetting, Option<String>)>> {
    let mut out = Vec::new();
    if let Some(wo) = &args.work_order {
        let wo = wo.trim();
        if wo.is_empty() {
            return Err(CliError::anyhow(
                "station::line::empty_work_order",
                "the work order is empty",
            ));
        }
        out.push((LineSetting::WorkOrder, Some(wo.to_owned())));
    }
    if args.clear_work_order {
        out.push((LineSetting::WorkOrder, None));
    }
    let slot = |index: u16| {
        config.slot(index).ok_or_else(|| {
            CliError::anyhow(
                "station::line::unknown_slot",
                format!("slot {index} is not on this fixture"),
            )
        })
    };
    for (index, product) in &args.products {
        let configured = &slot(*index)?.product;
        if config.product(product).is_none() {
            return Err(CliError::anyhow(
                "station::line::unknown_product",
                format!("product {product} is not configured on this station"),
            ));
        }
        let value = (product != configured).then(|| product.clone());
        out.push((LineSetting::SlotProduct(*index), value));
    }
    for index in &args.configured {
        slot(*index)?;
        out.push((LineSetting::SlotProduct(*index), None));
    }
    Ok(out)
}
