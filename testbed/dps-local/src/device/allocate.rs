//! Hub assignment as DPS documents it: the linked hubs an enrollment may use, the four
//! allocation policies, the custom-allocation webhook's request and reply, and what a
//! re-registration does under the enrollment's reprovisioning policy.
//!
//! `hashed` is weighted rendezvous hashing of the registration ID over the candidate hubs:
//! deterministic per ID, each hub's share its weight's share, and a device moves only if its
//! hub leaves the set (or a new hub wins it).

use std::time::Duration;

use dps_wire::device::AssignedSubstatus;
use dps_wire::schema::{AllocationPolicy, ReprovisionPolicy};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// A hub linked to the service, as the DPS resource describes it, plus the latency a
/// `geoLatency` policy measures (DPS measures it; dps-local is told).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedHub {
    /// Its host name, e.g. `contoso-1.azure-devices.net`.
    pub host_name: String,
    /// Its weight in `hashed` allocation (DPS: 1 by default).
    pub allocation_weight: u32,
    /// Whether allocation may choose it when an enrollment names no hubs.
    pub apply_allocation_policy: bool,
    /// Its latency to the devices, for `geoLatency` (lower wins).
    pub latency_ms: u32,
}

impl LinkedHub {
    /// A hub of weight 1 that takes part in allocation, at latency 0.
    pub fn new(host_name: impl Into<String>) -> Self {
        Self {
            host_name: host_name.into(),
            allocation_weight: 1,
            apply_allocation_policy: true,
            latency_ms: 0,
        }
    }
}

/// At most this many hubs are linked to a DPS instance.
pub const MAX_LINKED_HUBS: usize = 10;

/// Why no hub could be chosen: the registration fails with this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NoHub {
    pub(crate) error_code: i32,
    pub(crate) message: String,
}

/// The hubs the enrollment's policy chooses from: its `iotHubs` (each must be linked), or
/// its `iotHubHostName`, or every linked hub that takes part in allocation.
pub(crate) fn candidates<'a>(
    linked: &'a [LinkedHub],
    enrollment: &Value,
) -> Result<Vec<&'a LinkedHub>, NoHub> {
    let find = |name: &str| {
        linked
            .iter()
            .find(|h| h.host_name.eq_ignore_ascii_case(name))
            .ok_or_else(|| NoHub {
                error_code: super::codes::HUB_NOT_LINKED,
                message: format!(
                    "the enrollment names hub {name:?}, which is not linked to this service"
                ),
            })
    };
    let named: Vec<&str> = match enrollment.get("iotHubs").and_then(Value::as_array) {
        Some(hubs) if !hubs.is_empty() => hubs.iter().filter_map(Value::as_str).collect(),
        _ => enrollment
            .get("iotHubHostName")
            .and_then(Value::as_str)
            .into_iter()
            .collect(),
    };
    let hubs: Vec<&LinkedHub> = if named.is_empty() {
        linked
            .iter()
            .filter(|h| h.apply_allocation_policy)
            .collect()
    } else {
        named.into_iter().map(find).collect::<Result<_, _>>()?
    };
    if hubs.is_empty() {
        return Err(NoHub {
            error_code: super::codes::NO_HUB,
            message: "no linked hub is available to allocate the device to".into(),
        });
    }
    Ok(hubs)
}

/// The enrollment's policy, or the service's.
pub(crate) fn policy_of(enrollment: &Value, service: AllocationPolicy) -> AllocationPolicy {
    enrollment
        .get("allocationPolicy")
        .and_then(|p| serde_json::from_value(p.clone()).ok())
        .unwrap_or(service)
}

/// The enrollment's reprovisioning policy, or DPS's default (re-assign, migrate).
pub(crate) fn reprovision_of(enrollment: &Value) -> ReprovisionPolicy {
    enrollment
        .get("reprovisionPolicy")
        .and_then(|p| serde_json::from_value(p.clone()).ok())
        .unwrap_or_default()
}

/// A uniform number in (0, 1] from the registration ID and the hub's name.
fn unit_hash(registration_id: &str, host: &str) -> f64 {
    let digest = Sha256::new()
        .chain_update(registration_id.to_ascii_lowercase())
        .chain_update([0])
        .chain_update(host.to_ascii_lowercase())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // 53 random bits, shifted off zero.
    #[allow(clippy::cast_precision_loss)]
    let bits = (u64::from_be_bytes(first) >> 11) as f64;
    (bits + 1.0) / 9_007_199_254_740_992.0
}

/// Weighted rendezvous hashing: the hub with the smallest `-ln(u) / weight` wins, so a hub
/// wins a share of IDs equal to its weight's share. A weight of 0 never wins.
pub(crate) fn hashed<'a>(registration_id: &str, hubs: &[&'a LinkedHub]) -> Option<&'a LinkedHub> {
    hubs.iter()
        .filter(|h| h.allocation_weight > 0)
        .map(|h| {
            let score =
                -unit_hash(registration_id, &h.host_name).ln() / f64::from(h.allocation_weight);
            (score, *h)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, h)| h)
}

/// The lowest-latency hubs, ties hashed.
pub(crate) fn geo_latency<'a>(
    registration_id: &str,
    hubs: &[&'a LinkedHub],
) -> Option<&'a LinkedHub> {
    let best = hubs.iter().map(|h| h.latency_ms).min()?;
    let nearest: Vec<&LinkedHub> = hubs
        .iter()
        .copied()
        .filter(|h| h.latency_ms == best)
        .collect();
    hashed(registration_id, &nearest).or_else(|| nearest.first().copied())
}

/// The hub a built-in policy (not `custom`) chooses.
pub(crate) fn choose(
    policy: AllocationPolicy,
    registration_id: &str,
    hubs: &[&LinkedHub],
) -> Result<String, NoHub> {
    let chosen = match policy {
        AllocationPolicy::Static => {
            if hubs.len() != 1 {
                return Err(NoHub {
                    error_code: super::codes::NO_HUB,
                    message: format!(
                        "the static policy needs exactly one hub in the enrollment; it has {}",
                        hubs.len()
                    ),
                });
            }
            hubs.first().copied()
        }
        AllocationPolicy::GeoLatency => geo_latency(registration_id, hubs),
        AllocationPolicy::Hashed | AllocationPolicy::Custom => hashed(registration_id, hubs),
    };
    chosen.map(|h| h.host_name.clone()).ok_or_else(|| NoHub {
        error_code: super::codes::NO_HUB,
        message: "every candidate hub has allocation weight 0".into(),
    })
}

/// Where the device was before this registration.
#[derive(Debug, Clone)]
pub(crate) struct Previous {
    pub(crate) hub: String,
    pub(crate) device_id: String,
    pub(crate) twin: Option<Value>,
}

/// What a registration ends with: the hub, the twin the device gets there, the substatus.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Assignment {
    pub(crate) hub: String,
    pub(crate) twin: Value,
    pub(crate) substatus: AssignedSubstatus,
}

/// Applies the reprovisioning policy (DPS's "re-provision and migrate data", "re-provision and
/// reset to initial config", "never re-provision"): `chosen` is the hub the allocation picked
/// (ignored when the device may not move), `initial` the twin a device starts with.
pub(crate) fn reprovision(
    previous: Option<&Previous>,
    chosen: String,
    policy: ReprovisionPolicy,
    initial: Value,
) -> Assignment {
    let Some(previous) = previous else {
        return Assignment {
            hub: chosen,
            twin: initial,
            substatus: AssignedSubstatus::InitialAssignment,
        };
    };
    let kept = previous.twin.clone().unwrap_or_else(|| initial.clone());
    if !policy.update_hub_assignment || chosen.eq_ignore_ascii_case(&previous.hub) {
        return Assignment {
            hub: previous.hub.clone(),
            twin: kept,
            substatus: AssignedSubstatus::ReprovisionedToInitialAssignment,
        };
    }
    if policy.migrate_device_data {
        Assignment {
            hub: chosen,
            twin: kept,
            substatus: AssignedSubstatus::DeviceDataMigrated,
        }
    } else {
        Assignment {
            hub: chosen,
            twin: initial,
            substatus: AssignedSubstatus::DeviceDataReset,
        }
    }
}

/// A device's twin as it starts on its hub: the enrollment's `initialTwin` (tags and desired
/// properties), with empty collections where it has none.
pub(crate) fn initial_twin(source: Option<&Value>) -> Value {
    let tags = source
        .and_then(|t| t.get("tags"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let desired = source
        .and_then(|t| t.pointer("/properties/desired"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    json!({ "tags": tags, "properties": { "desired": desired } })
}

/// A call to an enrollment's custom-allocation webhook.
#[derive(Debug, Clone)]
pub(crate) struct WebhookCall {
    pub(crate) url: String,
    pub(crate) body: Value,
    pub(crate) linked: Vec<String>,
}

/// What the webhook decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WebhookReply {
    pub(crate) hub: String,
    pub(crate) initial_twin: Option<Value>,
    pub(crate) payload: Option<Value>,
}

/// The `AllocationRequest` DPS posts: the enrollment (as `individualEnrollment` or
/// `enrollmentGroup`), the device's runtime context and the hubs it may be assigned to.
pub(crate) fn webhook_call(
    enrollment: &Value,
    registration_id: &str,
    previous: Option<&Previous>,
    attestation: Value,
    payload: Option<&Value>,
    hubs: &[&LinkedHub],
) -> Option<WebhookCall> {
    let definition = enrollment.get("customAllocationDefinition")?;
    let url = definition.get("webhookUrl")?.as_str()?.to_owned();
    let mut context = serde_json::Map::new();
    context.insert("registrationId".into(), registration_id.into());
    if let Some(p) = previous {
        context.insert("currentIotHubHostName".into(), p.hub.clone().into());
        context.insert("currentDeviceId".into(), p.device_id.clone().into());
    }
    if let Value::Object(kind) = attestation {
        context.extend(kind);
    }
    if let Some(payload) = payload {
        context.insert("payload".into(), payload.clone());
    }
    let linked: Vec<String> = hubs.iter().map(|h| h.host_name.clone()).collect();
    // The webhook is someone else's code: it gets the enrollment without its keys, as DPS
    // sends it (a group's key would derive every member's).
    let mut enrollment = enrollment.clone();
    if let Some(sym) = enrollment.pointer_mut("/attestation/symmetricKey")
        && let Some(sym) = sym.as_object_mut()
    {
        sym.remove("primaryKey");
        sym.remove("secondaryKey");
    }
    let key = if enrollment.get("enrollmentGroupId").is_some() {
        "enrollmentGroup"
    } else {
        "individualEnrollment"
    };
    Some(WebhookCall {
        url,
        body: json!({
            key: enrollment,
            "deviceRuntimeContext": Value::Object(context),
            "linkedHubs": linked,
        }),
        linked,
    })
}

/// Posts the request and reads the `AllocationResponse`; any failure is the registration's.
pub(crate) async fn call_webhook(
    client: &reqwest::Client,
    call: &WebhookCall,
    timeout: Duration,
) -> Result<WebhookReply, NoHub> {
    let fail = |message: String| NoHub {
        error_code: super::codes::CUSTOM_ALLOCATION_FAILED,
        message,
    };
    let response = client
        .post(&call.url)
        .timeout(timeout)
        .json(&call.body)
        .send()
        .await
        .map_err(|e| {
            fail(if e.is_timeout() {
                format!(
                    "the custom allocation webhook did not answer within {} ms",
                    timeout.as_millis()
                )
            } else {
                format!(
                    "the custom allocation webhook could not be reached: {}",
                    without_url(&e)
                )
            })
        })?;
    let status = response.status();
    if !status.is_success() {
        return Err(fail(format!(
            "custom allocation failed with status code: {}",
            status.as_u16()
        )));
    }
    let reply: Value = response.json().await.map_err(|e| {
        fail(format!(
            "the custom allocation webhook's reply is not JSON: {}",
            without_url(&e)
        ))
    })?;
    let hub = reply
        .get("iotHubHostName")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            fail("the custom allocation webhook's reply names no iotHubHostName".into())
        })?;
    if !call.linked.iter().any(|h| h.eq_ignore_ascii_case(hub)) {
        return Err(fail(format!(
            "the custom allocation webhook chose hub {hub:?}, which is not one of the linked hubs it was given"
        )));
    }
    let twin = reply.get("initialTwin").filter(|t| !t.is_null()).cloned();
    if let Some(t) = &twin
        && !t.is_object()
    {
        return Err(fail(
            "the custom allocation webhook's initialTwin is not an object".into(),
        ));
    }
    Ok(WebhookReply {
        hub: hub.to_owned(),
        initial_twin: twin,
        payload: reply.get("payload").filter(|p| !p.is_null()).cloned(),
    })
}

/// A reqwest error's message without its URL (a function key may be in it).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<webhook>");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hubs(weights: &[u32]) -> Vec<LinkedHub> {
        weights
            .iter()
            .enumerate()
            .map(|(i, w)| LinkedHub {
                allocation_weight: *w,
                ..LinkedHub::new(format!("hub-{i}.azure-devices.net"))
            })
            .collect()
    }

    /// 10,000 registration IDs over weights 1:2:3 and 1:1: each hub's share within 2
    /// percentage points of its weight's share; the same ID always on the same hub; a hub
    /// added later takes devices only to itself.
    #[test]
    fn hashed_follows_the_weights_and_is_stable() {
        for weights in [&[1, 2, 3][..], &[1, 1], &[5, 1, 1, 1]] {
            let linked = hubs(weights);
            let set: Vec<&LinkedHub> = linked.iter().collect();
            let total: u32 = weights.iter().sum();
            let mut counts = vec![0u32; weights.len()];
            for i in 0..10_000 {
                let id = format!("sensor-{i:05}");
                let hub = hashed(&id, &set).unwrap();
                assert_eq!(
                    hashed(&id.to_uppercase(), &set).unwrap(),
                    hub,
                    "case-insensitive"
                );
                let n = linked.iter().position(|h| h == hub).unwrap();
                counts[n] += 1;
            }
            println!("weights {weights:?}: {counts:?} of 10000");
            for (n, w) in weights.iter().enumerate() {
                let share = f64::from(counts[n]) / 10_000.0;
                let want = f64::from(*w) / f64::from(total);
                assert!(
                    (share - want).abs() < 0.02,
                    "weights {weights:?}: hub {n} got {share:.4}, want {want:.4}"
                );
            }
        }
        let linked = hubs(&[1, 1, 1]);
        let before: Vec<&LinkedHub> = linked[..2].iter().collect();
        let after: Vec<&LinkedHub> = linked.iter().collect();
        for i in 0..2_000 {
            let id = format!("dev-{i}");
            let (a, b) = (hashed(&id, &before).unwrap(), hashed(&id, &after).unwrap());
            assert!(a == b || b == &linked[2], "{id} moved between old hubs");
        }
    }

    #[test]
    fn static_and_geo_latency_choose_as_documented() {
        let mut linked = hubs(&[1, 1, 1]);
        linked[0].latency_ms = 40;
        linked[1].latency_ms = 12;
        linked[2].latency_ms = 12;
        let all: Vec<&LinkedHub> = linked.iter().collect();
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..200 {
            let hub = choose(AllocationPolicy::GeoLatency, &format!("d{i}"), &all).unwrap();
            assert_ne!(hub, linked[0].host_name, "the slow hub never wins");
            seen.insert(hub);
        }
        assert_eq!(seen.len(), 2, "ties are hashed over both near hubs");
        let one = [&linked[2]];
        assert_eq!(
            choose(AllocationPolicy::Static, "d1", &one).unwrap(),
            linked[2].host_name
        );
        assert!(choose(AllocationPolicy::Static, "d1", &all).is_err());
        let enrollment = json!({"iotHubs": ["hub-9.azure-devices.net"]});
        assert_eq!(
            candidates(&linked, &enrollment).unwrap_err().error_code,
            super::super::codes::HUB_NOT_LINKED
        );
    }

    /// All four reprovisioning combinations, on a hub change and without one.
    #[test]
    fn reprovisioning_follows_the_two_booleans() {
        let initial = json!({"tags": {"t": 1}});
        let previous = Previous {
            hub: "old.azure-devices.net".into(),
            device_id: "d".into(),
            twin: Some(json!({"tags": {"t": 2}})),
        };
        let policy = |update, migrate| ReprovisionPolicy {
            update_hub_assignment: update,
            migrate_device_data: migrate,
        };
        let moved = |update, migrate| {
            reprovision(
                Some(&previous),
                "new.azure-devices.net".into(),
                policy(update, migrate),
                initial.clone(),
            )
        };
        let a = moved(true, true);
        assert_eq!(
            (a.hub.as_str(), a.substatus),
            (
                "new.azure-devices.net",
                AssignedSubstatus::DeviceDataMigrated
            )
        );
        assert_eq!(a.twin, previous.twin.clone().unwrap());
        let a = moved(true, false);
        assert_eq!(
            (a.hub.as_str(), a.substatus),
            ("new.azure-devices.net", AssignedSubstatus::DeviceDataReset)
        );
        assert_eq!(a.twin, initial);
        for migrate in [true, false] {
            let a = moved(false, migrate);
            assert_eq!(a.hub, "old.azure-devices.net", "never re-provisioned");
            assert_eq!(
                a.substatus,
                AssignedSubstatus::ReprovisionedToInitialAssignment
            );
            assert_eq!(a.twin, previous.twin.clone().unwrap());
        }
        let a = reprovision(
            None,
            "new.azure-devices.net".into(),
            policy(true, true),
            initial.clone(),
        );
        assert_eq!(
            (a.substatus, a.twin),
            (AssignedSubstatus::InitialAssignment, initial)
        );
    }
}
