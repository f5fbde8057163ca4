//! The DPS allocation settings of a product: the checks serde cannot express, and the initial
//! twin's templates (`{serial}`, `{model}`, `{work_order}`, `{station}` in string values).

use serde_json::Value;

use crate::error::CheckProblem;
use crate::types::{AllocationPolicyName, ProductProfile};

/// Placeholders accepted in the initial twin's string values.
pub const TWIN_PLACEHOLDERS: &[&str] = &["serial", "model", "work_order", "station"];

/// DPS links at most this many hubs to an instance.
pub const MAX_HUBS: usize = 10;

/// The unit's facts a twin template is filled with.
#[derive(Debug, Clone, Copy)]
pub struct TwinFacts<'a> {
    /// The board's serial.
    pub serial: &'a str,
    /// Its model.
    pub model: &'a str,
    /// The work order, if any (empty when none).
    pub work_order: &'a str,
    /// The station's id.
    pub station: &'a str,
}

/// The first unknown or unmatched placeholder in any string of `value`, as a message.
#[must_use]
pub fn twin_template_problem(value: &Value) -> Option<String> {
    strings(value).into_iter().find_map(placeholder_problem)
}

/// Every string value in `value`, at any depth (object keys excluded).
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// Whether any string in `value` holds a placeholder.
fn uses_placeholders(value: &Value) -> bool {
    strings(value).into_iter().any(|s| {
        TWIN_PLACEHOLDERS
            .iter()
            .any(|p| s.contains(&format!("{{{p}}}")))
    })
}

fn placeholder_problem(s: &str) -> Option<String> {
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let Some((name, after)) = rest[open + 1..].split_once('}') else {
            return Some(format!("`{s}` has an unmatched `{{`"));
        };
        if !TWIN_PLACEHOLDERS.contains(&name) {
            return Some(format!("`{s}` uses the unknown placeholder {{{name}}}"));
        }
        rest = after;
    }
    None
}

/// `value` with every placeholder in its strings filled in from `facts`.
#[must_use]
pub fn render_twin(value: &Value, facts: &TwinFacts<'_>) -> Value {
    match value {
        Value::String(s) => Value::String(
            s.replace("{serial}", facts.serial)
                .replace("{model}", facts.model)
                .replace("{work_order}", facts.work_order)
                .replace("{station}", facts.station),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| render_twin(v, facts)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), render_twin(v, facts)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The allocation, twin and reprovisioning rules of one product.
pub(crate) fn check_product_allocation(
    prefix: &str,
    product: &ProductProfile,
    host_problem: fn(&str) -> Option<String>,
    problems: &mut Vec<CheckProblem>,
) {
    let key = |field: &str| format!("{prefix}.{field}");
    if let Some(allocation) = &product.allocation {
        if allocation.iot_hubs.len() > MAX_HUBS {
            problems.push(
                CheckProblem::new(
                    key("allocation.iot_hubs"),
                    format!(
                        "{} hubs are listed; DPS links at most {MAX_HUBS}",
                        allocation.iot_hubs.len()
                    ),
                )
                .with_help("list only the hubs this product's devices may land on"),
            );
        }
        for (i, hub) in allocation.iot_hubs.iter().enumerate() {
            if let Some(problem) = host_problem(hub) {
                problems.push(
                    CheckProblem::new(
                        format!("{prefix}.allocation.iot_hubs[{i}]"),
                        format!("IoT Hub host name {problem}"),
                    )
                    .with_help("write only the host name, e.g. \"contoso-1.azure-devices.net\""),
                );
            }
            if allocation.iot_hubs[..i]
                .iter()
                .any(|h| h.eq_ignore_ascii_case(hub))
            {
                problems.push(CheckProblem::new(
                    format!("{prefix}.allocation.iot_hubs[{i}]"),
                    format!("hub `{hub}` is listed twice"),
                ));
            }
        }
        let static_hubs = allocation.iot_hubs.len()
            + usize::from(allocation.iot_hubs.is_empty() && product.iot_hub_host_name.is_some());
        if allocation.policy == AllocationPolicyName::Static && static_hubs != 1 {
            problems.push(
                CheckProblem::new(
                    key("allocation.iot_hubs"),
                    format!("the static policy needs exactly one hub; {static_hubs} are named"),
                )
                .with_help("name the one hub in allocation.iot_hubs"),
            );
        }
        if product.iot_hub_host_name.is_some() && !allocation.iot_hubs.is_empty() {
            problems.push(
                CheckProblem::new(
                    key("iot_hub_host_name"),
                    "iot_hub_host_name and allocation.iot_hubs both name hubs",
                )
                .with_help("list the hubs in allocation.iot_hubs only"),
            );
        }
        match (&allocation.webhook_url, allocation.policy) {
            (None, AllocationPolicyName::Custom) => problems.push(
                CheckProblem::new(
                    key("allocation.webhook_url"),
                    "the custom policy needs the webhook's URL",
                )
                .with_help("set allocation.webhook_url = \"https://…\""),
            ),
            (Some(url), AllocationPolicyName::Custom) if !url.starts_with("https://") => problems
                .push(
                    CheckProblem::new(
                        key("allocation.webhook_url"),
                        "DPS calls custom-allocation webhooks over HTTPS only",
                    )
                    .with_help("use an https:// URL"),
                ),
            (Some(_), policy) if policy != AllocationPolicyName::Custom => problems.push(
                CheckProblem::new(
                    key("allocation.webhook_url"),
                    "a webhook is used only by the custom policy",
                )
                .with_help("remove webhook_url, or set policy = \"custom\""),
            ),
            _ => {}
        }
    }
    if let Some(twin) = &product.initial_twin {
        if twin.file.is_some() && (twin.tags.is_some() || twin.desired.is_some()) {
            problems.push(
                CheckProblem::new(
                    key("initial_twin.file"),
                    "the initial twin is given both in a file and in tags/desired",
                )
                .with_help("keep one: the file, or the tags and desired tables"),
            );
        }
        let group = product.attestation.is_group();
        for (field, map) in [("tags", &twin.tags), ("desired", &twin.desired)] {
            let Some(map) = map else { continue };
            let value = Value::Object(map.clone());
            if let Some(problem) = twin_template_problem(&value) {
                problems.push(
                    CheckProblem::new(key(&format!("initial_twin.{field}")), problem).with_help(
                        "placeholders are {serial}, {model}, {work_order} and {station}",
                    ),
                );
            } else if group && uses_placeholders(&value) {
                problems.push(
                    CheckProblem::new(
                        key(&format!("initial_twin.{field}")),
                        "an enrollment group's twin is shared by all its devices: it cannot use a unit's facts",
                    )
                    .with_help("remove the placeholders, or use individual enrollments"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_strings_at_any_depth_and_leave_the_rest() {
        let facts = TwinFacts {
            serial: "SN1",
            model: "M",
            work_order: "WO-7",
            station: "st-1",
        };
        let twin = serde_json::json!({
            "tags": {"serial": "{serial}", "where": ["{station}/{work_order}", 3]},
            "n": 5, "flag": true, "model": "model {model}"
        });
        assert_eq!(
            render_twin(&twin, &facts),
            serde_json::json!({
                "tags": {"serial": "SN1", "where": ["st-1/WO-7", 3]},
                "n": 5, "flag": true, "model": "model M"
            })
        );
        assert_eq!(twin_template_problem(&twin), None);
        assert!(
            twin_template_problem(&serde_json::json!({"a": ["{sn}"]}))
                .unwrap()
                .contains("{sn}")
        );
        assert!(twin_template_problem(&serde_json::json!("{serial")).is_some());
    }
}
