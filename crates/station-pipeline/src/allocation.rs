//! A product's DPS allocation as every enrollment it queues carries it: the policy, the hubs,
//! the custom-allocation webhook, the reprovisioning policy and the initial twin, rendered
//! with the unit's facts.

use std::collections::HashMap;

use serde_json::Value;
use station_config::{AllocationPolicyName, ProductProfile, StationConfig, TwinFacts};
use station_upload::schema::{
    Allocation, AllocationPolicy, CustomAllocationDefinition, InitialTwin, InitialTwinProperties,
    ReprovisionPolicy, TwinCollection,
};

use crate::error::PipelineError;

/// The initial twin of every product that has one, as a template in DPS's `InitialTwin`
/// shape; files are read and checked once, when the station starts.
pub(crate) fn load_twins(config: &StationConfig) -> Result<HashMap<String, Value>, PipelineError> {
    let mut twins = HashMap::new();
    for product in &config.products {
        if let Some(twin) =
            initial_twin_template(product).map_err(|reason| PipelineError::InitialTwin {
                product: product.id.clone(),
                reason,
            })?
        {
            twins.insert(product.id.clone(), twin);
        }
    }
    Ok(twins)
}

/// The product's initial twin template (`{"tags": …, "properties": {"desired": …}}`), from
/// its file or its tables; `None` if it has none.
///
/// # Errors
///
/// The file cannot be read, is not a JSON object of that shape, or uses an unknown
/// placeholder.
pub fn initial_twin_template(product: &ProductProfile) -> Result<Option<Value>, String> {
    let Some(config) = &product.initial_twin else {
        return Ok(None);
    };
    let twin = match &config.file {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let value: Value = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
            serde_json::from_value::<InitialTwin>(value.clone()).map_err(|e| {
                format!(
                    "{} is not an initial twin (tags, properties.desired): {e}",
                    file.display()
                )
            })?;
            value
        }
        None => serde_json::to_value(InitialTwin {
            tags: config
                .tags
                .clone()
                .map(|properties| TwinCollection { properties }),
            properties: config
                .desired
                .clone()
                .map(|properties| InitialTwinProperties {
                    desired: Some(TwinCollection { properties }),
                }),
        })
        .map_err(|e| e.to_string())?,
    };
    if let Some(problem) = station_config::twin_template_problem(&twin) {
        return Err(problem);
    }
    Ok(Some(twin))
}

/// The allocation fields of an enrollment of `product`; the twin template filled in with
/// `facts` (a group's twin, shared by all its devices, is passed with no facts and must hold no
/// placeholders).
#[must_use]
pub fn enrollment_allocation(
    product: &ProductProfile,
    twin: Option<&Value>,
    facts: Option<&TwinFacts<'_>>,
) -> Allocation {
    let allocation = product.allocation.as_ref();
    let initial_twin = twin.and_then(|t| {
        let rendered = facts.map_or_else(|| t.clone(), |f| station_config::render_twin(t, f));
        serde_json::from_value::<InitialTwin>(rendered).ok()
    });
    Allocation {
        allocation_policy: allocation.map(|a| match a.policy {
            AllocationPolicyName::Hashed => AllocationPolicy::Hashed,
            AllocationPolicyName::GeoLatency => AllocationPolicy::GeoLatency,
            AllocationPolicyName::Static => AllocationPolicy::Static,
            AllocationPolicyName::Custom => AllocationPolicy::Custom,
        }),
        iot_hubs: allocation
            .filter(|a| !a.iot_hubs.is_empty())
            .map(|a| a.iot_hubs.clone()),
        custom_allocation_definition: allocation.and_then(|a| {
            a.webhook_url
                .as_ref()
                .map(|url| CustomAllocationDefinition {
                    webhook_url: url.clone(),
                    api_version: a.api_version.clone(),
                })
        }),
        initial_twin,
        reprovision_policy: product.reprovision.map(|r| ReprovisionPolicy {
            update_hub_assignment: r.update_hub_assignment,
            migrate_device_data: r.migrate_device_data,
        }),
    }
}
