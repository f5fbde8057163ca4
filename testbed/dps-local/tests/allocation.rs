//! Hub assignment through the device API, end to end over MQTT on TLS: hashed, static and
//! geoLatency over linked hubs, custom allocation through the project's webhook over real
//! HTTPS on loopback (success, timeout, malformed reply, an unlinked hub, a refusal), the
//! twin each device gets on its hub, re-registration under all four reprovisioning policies,
//! and a reworked unit (new key, same registration ID) re-registering where it was.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use dps_device::{Credential, Endpoint, register_mqtt, register_mqtt_with_payload};
use dps_local::hook::{AllocationHook, HookBehaviour};
use dps_local::{Config, DeviceSettings, LinkedHub, Server};
use dps_wire::device::{AssignedSubstatus, RegistrationStatus};
use dps_wire::sas::PolicyKey;
use dps_wire::schema::IndividualEnrollment;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use serde_json::{Value, json};
use station_upload::client::DpsClient;

const SCOPE: &str = "0ne00A11OC1";
const KEY: &str = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==";
const EAST: &str = "east-hub.azure-devices.net";
const WEST: &str = "west-hub.azure-devices.net";
const SPARE: &str = "spare-hub.azure-devices.net";

struct Dps {
    server: Server,
    service: DpsClient,
    endpoint: Endpoint,
    _dir: tempfile::TempDir,
}

impl Dps {
    /// A service with three linked hubs; `retry_after` seconds between a device's lookups.
    async fn start(hook: Option<&AllocationHook>, retry_after: u32) -> Dps {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path().join("dps"));
        config.device = DeviceSettings {
            id_scope: SCOPE.into(),
            retry_after_secs: retry_after,
            registrations_per_minute: None,
            polls_per_device_per_10s: None,
            linked_hubs: vec![
                LinkedHub {
                    latency_ms: 40,
                    ..LinkedHub::new(EAST)
                },
                LinkedHub {
                    allocation_weight: 3,
                    latency_ms: 8,
                    ..LinkedHub::new(WEST)
                },
                // Linked, but only for enrollments that name it.
                LinkedHub {
                    apply_allocation_policy: false,
                    ..LinkedHub::new(SPARE)
                },
            ],
            webhook_timeout: Duration::from_millis(700),
            webhook_roots: hook.map_or_else(Vec::new, |h| {
                CertificateDer::pem_file_iter(h.ca_file())
                    .unwrap()
                    .map(|c| c.unwrap().to_vec())
                    .collect()
            }),
            ..DeviceSettings::default()
        };
        config.mqtt_bind = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
        let server = Server::start(config).await.unwrap();
        let service = DpsClient::builder(server.connection_string())
            .with_trust_anchor_file(server.ca_file())
            .build()
            .unwrap();
        let endpoint = Endpoint {
            host: "localhost".into(),
            port: server.mqtt_addr().unwrap().port(),
            roots: CertificateDer::pem_file_iter(server.ca_file())
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap(),
        };
        Dps {
            server,
            service,
            endpoint,
            _dir: dir,
        }
    }

    async fn enroll(&self, id: &str, extra: Value) {
        let mut e = json!({
            "registrationId": id,
            "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": KEY } },
        });
        e.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let e: IndividualEnrollment = serde_json::from_value(e).unwrap();
        // Replacing an enrollment takes its ETag.
        let etag = self.service.enrollment(id).await.ok().and_then(|e| e.etag);
        self.service
            .create_or_update(&e, etag.as_deref())
            .await
            .unwrap();
    }

    /// Registers `id`; the final registration state as JSON.
    async fn register(&self, id: &str, payload: Option<Value>) -> Value {
        let credential = Credential::SymmetricKey(PolicyKey::from_base64(KEY).unwrap());
        let r =
            register_mqtt_with_payload(&self.endpoint, SCOPE, id, &credential, payload.as_ref())
                .await
                .unwrap();
        let mut state = serde_json::to_value(r.state.unwrap()).unwrap();
        state["status"] = serde_json::to_value(r.status).unwrap();
        state
    }
}

#[tokio::test]
async fn built_in_policies_assign_over_the_linked_hubs_and_keep_the_initial_twin() {
    let dps = Dps::start(None, 0).await;
    // Hashed over the hubs that take part (east 1 : west 3), the same ID on the same hub.
    let mut on = std::collections::BTreeMap::<String, u32>::new();
    for i in 0..120 {
        let id = format!("hash-{i:03}");
        dps.enroll(&id, json!({ "allocationPolicy": "hashed" }))
            .await;
        let state = dps.register(&id, None).await;
        let hub = state["assignedHub"].as_str().unwrap().to_owned();
        assert_ne!(hub, SPARE, "a hub outside allocation is never chosen");
        *on.entry(hub).or_default() += 1;
    }
    assert_eq!(on.values().sum::<u32>(), 120);
    assert!(on[WEST] > on[EAST], "west weighs three times east: {on:?}");
    let again = dps.register("hash-007", None).await;
    let first = dps.server.twin("hash-007").unwrap();
    assert_eq!(again["assignedHub"], first.hub.as_str());
    assert_eq!(again["substatus"], "reprovisionedToInitialAssignment");

    // Static: the one hub the enrollment names, even one outside allocation.
    dps.enroll(
        "static-1",
        json!({ "allocationPolicy": "static", "iotHubs": [SPARE] }),
    )
    .await;
    assert_eq!(dps.register("static-1", None).await["assignedHub"], SPARE);
    // geoLatency: west (8 ms) beats east (40 ms), for every device.
    for i in 0..10 {
        let id = format!("geo-{i}");
        dps.enroll(&id, json!({ "allocationPolicy": "geoLatency" }))
            .await;
        assert_eq!(dps.register(&id, None).await["assignedHub"], WEST);
    }
    // A hub that is not linked fails the registration with DPS's shape.
    dps.enroll(
        "unlinked-1",
        json!({ "allocationPolicy": "static", "iotHubs": ["nowhere.azure-devices.net"] }),
    )
    .await;
    let failed = dps.register("unlinked-1", None).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["errorCode"], 400211);
    // The initial twin is what the device gets on its hub.
    let twin = json!({
        "tags": { "serial": "SN-9", "line": "L1" },
        "properties": { "desired": { "interval": 30 } }
    });
    dps.enroll("twin-1", json!({ "initialTwin": twin })).await;
    let state = dps.register("twin-1", None).await;
    let kept = dps.server.twin("twin-1").unwrap();
    assert_eq!(kept.twin, twin);
    assert_eq!(state["assignedHub"], kept.hub.as_str());
    assert_eq!(kept.device_id, "twin-1");
}

#[tokio::test]
async fn custom_allocation_asks_the_webhook_and_fails_as_dps_when_it_misbehaves() {
    let dir = tempfile::tempdir().unwrap();
    let hook = AllocationHook::start(&dir.path().join("hook"), HookBehaviour::Allocate).unwrap();
    let dps = Dps::start(Some(&hook), 1).await;
    let custom = json!({
        "allocationPolicy": "custom",
        "iotHubs": [EAST, WEST],
        "customAllocationDefinition": { "webhookUrl": hook.url(), "apiVersion": "2021-10-01" },
        "initialTwin": { "tags": { "from": "enrollment" } },
    });
    dps.enroll("cust-1", custom.clone()).await;
    let state = dps
        .register("cust-1", Some(json!({ "region": "east" })))
        .await;
    assert_eq!(state["status"], "assigned");
    assert_eq!(state["assignedHub"], EAST, "the payload's region decided");
    assert_eq!(state["payload"]["assignedBy"], "dps-local-hook");
    // The webhook's twin wins over the enrollment's on an initial assignment.
    let twin = dps.server.twin("cust-1").unwrap().twin;
    assert_eq!(twin["tags"]["allocatedBy"], "dps-local-hook");
    assert_eq!(twin["properties"]["desired"]["hub"], EAST);
    // What DPS sent: the enrollment, the device's runtime context with its payload, the hubs.
    let request = hook.requests().pop().unwrap();
    assert_eq!(request["individualEnrollment"]["registrationId"], "cust-1");
    assert_eq!(request["deviceRuntimeContext"]["registrationId"], "cust-1");
    assert_eq!(request["deviceRuntimeContext"]["payload"]["region"], "east");
    assert!(request["deviceRuntimeContext"]["symmetricKey"].is_object());
    assert!(request["deviceRuntimeContext"]["currentIotHubHostName"].is_null());
    assert_eq!(request["linkedHubs"], json!([EAST, WEST]));
    // Registering again: the webhook is told where the device is now.
    dps.register("cust-1", None).await;
    let request = hook.requests().pop().unwrap();
    assert_eq!(
        request["deviceRuntimeContext"]["currentIotHubHostName"],
        EAST
    );
    assert_eq!(request["deviceRuntimeContext"]["currentDeviceId"], "cust-1");

    for (n, (behaviour, says)) in [
        (
            HookBehaviour::Delay(Duration::from_secs(3)),
            "did not answer within 700 ms",
        ),
        (HookBehaviour::Malformed, "not JSON"),
        (HookBehaviour::UnlinkedHub, "not one of the linked hubs"),
        (HookBehaviour::Status(500), "status code: 500"),
    ]
    .into_iter()
    .enumerate()
    {
        hook.set_behaviour(behaviour);
        let id = format!("cust-bad-{n}");
        dps.enroll(&id, custom.clone()).await;
        let state = dps.register(&id, None).await;
        assert_eq!(state["status"], "failed", "{behaviour:?}: {state}");
        assert_eq!(state["errorCode"], 400210);
        let message = state["errorMessage"].as_str().unwrap();
        assert!(message.contains(says), "{behaviour:?}: {message}");
        assert!(
            !message.contains(&hook.url()),
            "the URL (a key) is never echoed"
        );
        assert!(dps.server.twin(&id).is_none());
    }
}

#[tokio::test]
async fn re_registration_follows_the_reprovisioning_policy_in_all_four_combinations() {
    let dps = Dps::start(None, 0).await;
    let twin_v1 = json!({ "tags": { "v": 1 }, "properties": { "desired": { "rate": 10 } } });
    let twin_v2 = json!({ "tags": { "v": 2 }, "properties": { "desired": { "rate": 20 } } });
    for (update, migrate) in [(true, true), (true, false), (false, true), (false, false)] {
        let id = format!("rp-{update}-{migrate}");
        dps.enroll(
            &id,
            json!({ "allocationPolicy": "static", "iotHubs": [EAST], "initialTwin": twin_v1 }),
        )
        .await;
        let first = dps.register(&id, None).await;
        assert_eq!(first["assignedHub"], EAST);
        assert_eq!(first["substatus"], "initialAssignment");
        // The operator moves the enrollment to another hub and changes its twin.
        dps.enroll(
            &id,
            json!({
                "allocationPolicy": "static", "iotHubs": [WEST], "initialTwin": twin_v2,
                "reprovisionPolicy": { "updateHubAssignment": update, "migrateDeviceData": migrate },
            }),
        )
        .await;
        let second = dps.register(&id, None).await;
        let kept = dps.server.twin(&id).unwrap();
        let (hub, substatus, twin) = match (update, migrate) {
            (true, true) => (WEST, AssignedSubstatus::DeviceDataMigrated, &twin_v1),
            (true, false) => (WEST, AssignedSubstatus::DeviceDataReset, &twin_v2),
            (false, _) => (
                EAST,
                AssignedSubstatus::ReprovisionedToInitialAssignment,
                &twin_v1,
            ),
        };
        assert_eq!(second["assignedHub"], hub, "{id}");
        assert_eq!(
            second["substatus"],
            serde_json::to_value(substatus).unwrap(),
            "{id}"
        );
        assert_eq!(&kept.twin, twin, "{id}");
        assert_eq!(kept.hub, hub, "{id}");
        // The registration record shows it too.
        let record = dps
            .server
            .registrations()
            .into_iter()
            .find(|r| r.registration_id.as_deref() == Some(id.as_str()))
            .unwrap();
        assert_eq!(record.assigned_hub.as_deref(), Some(hub));
        assert_eq!(record.substatus, Some(substatus));
    }
    // A reworked unit: the station re-issued its identity (a new key in the same
    // registration ID's enrollment). The old key is refused; the new one registers where the
    // device was, keeping its twin.
    const NEW_KEY: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQg==";
    let before = dps.server.twin("rp-true-false").unwrap();
    let etag = dps.service.enrollment("rp-true-false").await.unwrap().etag;
    let mut reworked = dps.service.enrollment("rp-true-false").await.unwrap();
    reworked.attestation =
        dps_wire::schema::AttestationMechanism::symmetric_key(NEW_KEY.into(), None);
    reworked.etag = None;
    dps.service
        .create_or_update(&reworked, etag.as_deref())
        .await
        .unwrap();
    let old = Credential::SymmetricKey(PolicyKey::from_base64(KEY).unwrap());
    assert!(
        register_mqtt(&dps.endpoint, SCOPE, "rp-true-false", &old)
            .await
            .is_err(),
        "the old identity no longer registers"
    );
    let new = Credential::SymmetricKey(PolicyKey::from_base64(NEW_KEY).unwrap());
    let r = register_mqtt(&dps.endpoint, SCOPE, "rp-true-false", &new)
        .await
        .unwrap();
    let state = r.state.unwrap();
    assert_eq!(state.assigned_hub.as_deref(), Some(before.hub.as_str()));
    assert_eq!(
        state.substatus,
        Some(AssignedSubstatus::ReprovisionedToInitialAssignment)
    );
    assert_eq!(dps.server.twin("rp-true-false").unwrap().twin, before.twin);

    // A disabled enrollment refuses the device that was assigned before.
    dps.enroll(
        "rp-true-true",
        json!({ "iotHubs": [EAST], "provisioningStatus": "disabled" }),
    )
    .await;
    let credential = Credential::SymmetricKey(PolicyKey::from_base64(KEY).unwrap());
    let r = register_mqtt(&dps.endpoint, SCOPE, "rp-true-true", &credential)
        .await
        .unwrap();
    assert_eq!(r.status, RegistrationStatus::Disabled);
}

/// What the webhook sees of a symmetric-key enrollment: no key (DPS sends the attestation
/// type only), and a device whose earlier registration failed still counts as where it was.
#[tokio::test]
async fn the_webhook_never_sees_a_key_and_a_failed_registration_keeps_the_assignment() {
    let dir = tempfile::tempdir().unwrap();
    let hook = AllocationHook::start(&dir.path().join("hook"), HookBehaviour::Allocate).unwrap();
    let dps = Dps::start(Some(&hook), 1).await;
    let custom = json!({
        "allocationPolicy": "custom",
        "iotHubs": [EAST, WEST],
        "customAllocationDefinition": { "webhookUrl": hook.url(), "apiVersion": "2021-10-01" },
    });
    dps.enroll("key-1", custom).await;
    let first = dps.register("key-1", None).await;
    assert_eq!(first["assignedHub"], WEST);
    let request = hook.requests().pop().unwrap();
    assert_eq!(
        request["individualEnrollment"]["attestation"]["type"],
        "symmetricKey"
    );
    assert!(
        !request.to_string().contains(KEY),
        "the symmetric key was sent to the webhook: {request}"
    );
    // The webhook fails once; the device stays where it was, and the next registration
    // through a working webhook is a re-registration, not an initial assignment.
    hook.set_behaviour(HookBehaviour::Status(503));
    assert_eq!(dps.register("key-1", None).await["status"], "failed");
    hook.set_behaviour(HookBehaviour::Allocate);
    let again = dps.register("key-1", None).await;
    assert_eq!(again["assignedHub"], WEST);
    assert_eq!(again["substatus"], "reprovisionedToInitialAssignment");
    let request = hook.requests().pop().unwrap();
    assert_eq!(
        request["deviceRuntimeContext"]["currentIotHubHostName"],
        WEST
    );
}
