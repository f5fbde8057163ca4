//! The line set-up a run starts from: the supervisor's stored choices (`station line`, the
//! desktop app) laid over the station configuration. The CLI and the app both read it here.

use std::collections::BTreeMap;

use station_config::StationConfig;
use station_store::LineSetup;

/// The stored set-up as it applies to `config`: the stored work order, else the config's; the
/// stored slot products whose slot and product the config still has (others are logged and
/// ignored: the config was edited since the supervisor chose them).
pub fn resolve(config: &StationConfig, stored: LineSetup) -> LineSetup {
    let slot_products = stored
        .slot_products
        .into_iter()
        .filter(|(slot, product)| {
            let known = config.slot(*slot).is_some() && config.product(product).is_some();
            if !known {
                tracing::warn!(
                    slot,
                    product,
                    "ignoring a stored slot product the config no longer has"
                );
            }
            known
        })
        .collect();
    LineSetup {
        work_order: stored
            .work_order
            .or_else(|| config.station.work_order.clone()),
        slot_products,
    }
}

/// The product each slot of `config` runs with `chosen` applied: `(slot, product, configured
/// product)`, in the config's slot order.
pub fn slot_products(
    config: &StationConfig,
    chosen: &BTreeMap<u16, String>,
) -> Vec<(u16, String, String)> {
    config
        .fixture
        .slots
        .iter()
        .map(|s| {
            let now = chosen.get(&s.index).unwrap_or(&s.product);
            (s.index, now.clone(), s.product.clone())
        })
        .collect()
}
