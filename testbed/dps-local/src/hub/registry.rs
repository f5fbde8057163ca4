//! Each linked hub's device registry (DPS-NOTES §2.9), in dps-local's database: a device is
//! added, or its credential renewed, when DPS assigns it; a disabled device stays disabled
//! whatever DPS does (as in Azure, disabling an enrollment does not touch the hub, and
//! re-registering does not re-enable a device the hub disabled). Each device has its twin
//! (tags, desired and reported properties with their versions) and its recorded telemetry.

use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::store::Db;

/// How a device proves itself to its hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub(crate) enum HubCredential {
    /// SAS tokens signed with one of these keys (base64): the enrollment's, or derived from
    /// its group's.
    SymmetricKey { keys: Vec<String> },
    /// The client certificate it registered with (SHA-256 of the DER, hex).
    X509 { thumbprint: String },
    /// SAS tokens signed with the hub key DPS delivered to its TPM (base64).
    Tpm { key: String },
}

/// One device in a hub's registry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HubDevice {
    /// The hub's host name.
    pub hub: String,
    /// The device ID on that hub.
    pub device_id: String,
    /// The DPS registration that put it there.
    pub registration_id: String,
    /// Whether it may connect.
    pub enabled: bool,
    /// Its twin's tags.
    pub tags: Value,
    /// Desired properties, without `$version`.
    pub desired: Value,
    /// Their version.
    pub desired_version: i64,
    /// Reported properties, without `$version`.
    pub reported: Value,
    /// Their version.
    pub reported_version: i64,
    #[serde(skip)]
    pub(crate) credential: Option<HubCredential>,
}

impl HubDevice {
    /// The twin as the device reads it (`$iothub/twin/GET`): desired and reported properties,
    /// each with its `$version`.
    pub(crate) fn device_twin(&self) -> Value {
        let with_version = |props: &Value, version: i64| {
            let mut map = props.as_object().cloned().unwrap_or_default();
            map.insert("$version".into(), version.into());
            Value::Object(map)
        };
        serde_json::json!({
            "desired": with_version(&self.desired, self.desired_version),
            "reported": with_version(&self.reported, self.reported_version),
        })
    }
}

/// A telemetry message a device sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HubMessage {
    /// When the hub received it (RFC 3339).
    pub received: String,
    /// The properties from its topic (URL-encoded `k=v&…`, as sent).
    pub properties: String,
    /// Its payload.
    pub body: Vec<u8>,
}

/// Merges `patch` into `target` as a twin patch does: `null` removes a property, objects merge.
pub(crate) fn merge(target: &mut Value, patch: &Value) {
    let (Some(target_map), Some(patch_map)) = (target.as_object_mut(), patch.as_object()) else {
        *target = patch.clone();
        return;
    };
    for (k, v) in patch_map {
        if k.starts_with('$') {
            continue;
        }
        match v {
            Value::Null => {
                target_map.remove(k);
            }
            Value::Object(_) if target_map.get(k).is_some_and(Value::is_object) => {
                if let Some(t) = target_map.get_mut(k) {
                    merge(t, v);
                }
            }
            _ => {
                target_map.insert(k.clone(), v.clone());
            }
        }
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::Object(Map::new()))
}

/// A device, if the hub has it.
pub(crate) fn device(db: &Db, hub: &str, device_id: &str) -> rusqlite::Result<Option<HubDevice>> {
    db.conn()
        .prepare_cached(
            "SELECT hub, device_id, registration_id, credential, enabled, tags, desired,
                    desired_version, reported, reported_version
             FROM hub_devices WHERE hub = ?1 AND device_id = ?2",
        )?
        .query_row(params![hub, device_id], |r| {
            Ok(HubDevice {
                hub: r.get(0)?,
                device_id: r.get(1)?,
                registration_id: r.get(2)?,
                credential: serde_json::from_str(&r.get::<_, String>(3)?).ok(),
                enabled: r.get::<_, i64>(4)? != 0,
                tags: json(&r.get::<_, String>(5)?),
                desired: json(&r.get::<_, String>(6)?),
                desired_version: r.get(7)?,
                reported: json(&r.get::<_, String>(8)?),
                reported_version: r.get(9)?,
            })
        })
        .optional()
}

/// DPS assigned `registration_id` to `hub` as `device_id` with `twin` (`{tags, properties:
/// {desired}}`): the device is added, or its credential, tags and desired properties replaced
/// (a new desired version when they changed). Its enabled state and reported properties stay.
pub(crate) fn assign(
    db: &Db,
    hub: &str,
    device_id: &str,
    registration_id: &str,
    credential: &HubCredential,
    twin: &Value,
) -> rusqlite::Result<()> {
    let tags = twin
        .get("tags")
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let desired = twin
        .pointer("/properties/desired")
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let credential = serde_json::to_string(credential).unwrap_or_default();
    db.conn()
        .prepare_cached(
            "INSERT INTO hub_devices (hub, device_id, registration_id, credential, enabled, tags,
                                      desired, desired_version, reported, reported_version)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, 1, '{}', 1)
             ON CONFLICT (hub, device_id) DO UPDATE SET
                 registration_id = ?3, credential = ?4, tags = ?5, desired = ?6,
                 desired_version = desired_version + (desired <> ?6)",
        )?
        .execute(params![
            hub,
            device_id,
            registration_id,
            credential,
            tags.to_string(),
            desired.to_string()
        ])?;
    Ok(())
}

/// Enables or disables a device; whether the hub has it.
pub(crate) fn set_enabled(
    db: &Db,
    hub: &str,
    device_id: &str,
    enabled: bool,
) -> rusqlite::Result<bool> {
    Ok(db
        .conn()
        .prepare_cached("UPDATE hub_devices SET enabled = ?3 WHERE hub = ?1 AND device_id = ?2")?
        .execute(params![hub, device_id, i64::from(enabled)])?
        > 0)
}

/// Which properties a patch changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Desired,
    Reported,
}

/// Applies `patch` to a device's desired or reported properties; the new version, `None` when
/// the hub has no such device.
pub(crate) fn patch(
    db: &Db,
    hub: &str,
    device_id: &str,
    side: Side,
    patch: &Value,
) -> rusqlite::Result<Option<i64>> {
    let Some(device) = device(db, hub, device_id)? else {
        return Ok(None);
    };
    let (mut props, version) = match side {
        Side::Desired => (device.desired, device.desired_version),
        Side::Reported => (device.reported, device.reported_version),
    };
    merge(&mut props, patch);
    let version = version + 1;
    let sql = match side {
        Side::Desired => {
            "UPDATE hub_devices SET desired = ?3, desired_version = ?4 WHERE hub = ?1 AND device_id = ?2"
        }
        Side::Reported => {
            "UPDATE hub_devices SET reported = ?3, reported_version = ?4 WHERE hub = ?1 AND device_id = ?2"
        }
    };
    db.conn()
        .prepare_cached(sql)?
        .execute(params![hub, device_id, props.to_string(), version])?;
    Ok(Some(version))
}

/// Records a telemetry message.
pub(crate) fn record(
    db: &Db,
    hub: &str,
    device_id: &str,
    received: &str,
    properties: &str,
    body: &[u8],
) -> rusqlite::Result<()> {
    db.conn()
        .prepare_cached(
            "INSERT INTO hub_messages (hub, device_id, received, properties, body)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![hub, device_id, received, properties, body])?;
    Ok(())
}

/// A device's telemetry, oldest first.
pub(crate) fn messages(db: &Db, hub: &str, device_id: &str) -> rusqlite::Result<Vec<HubMessage>> {
    db.conn()
        .prepare_cached(
            "SELECT received, properties, body FROM hub_messages
             WHERE hub = ?1 AND device_id = ?2 ORDER BY seq",
        )?
        .query_map(params![hub, device_id], |r| {
            Ok(HubMessage {
                received: r.get(0)?,
                properties: r.get(1)?,
                body: r.get(2)?,
            })
        })?
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::merge;

    #[test]
    fn a_twin_patch_merges_objects_and_removes_nulls() {
        let mut props = json!({ "a": 1, "nested": { "x": 1, "y": 2 }, "gone": true });
        merge(
            &mut props,
            &json!({ "b": 2, "nested": { "y": null, "z": 3 }, "gone": null, "$version": 9 }),
        );
        assert_eq!(
            props,
            json!({ "a": 1, "b": 2, "nested": { "x": 1, "z": 3 } })
        );
    }
}
