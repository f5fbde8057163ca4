//! Proof by a client we did not write: Microsoft's Python device SDK (`azure-iot-device`, in
//! the project's .venv) registers a symmetric-key and an X.509 device with dps-local over MQTT
//! on TLS, port 8883, and over WebSockets, port 443 (the SDK cannot be told other ports), and is
//! refused for a wrong key, a certificate the enrollment does not hold, and a symmetric-key
//! group device the station revoked (a disabled individual enrollment that shadows the group,
//! as `station upload` queues it for a board that failed holding its derived key). Then its
//! `IoTHubDeviceClient` connects to the hub each registration named (dps-local's MQTT listener
//! serves the hubs too), reads the twin, reports a property and sends telemetry. The only
//! test on ports 8883 and 443.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sdk;

use std::net::SocketAddr;
use std::process::Command;

use dps_local::{Config, DeviceSettings, ServerThread};
use serde_json::{Value, json};

const SCOPE: &str = "0ne00SDK001";
const KEY: &str = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==";
const WRONG_KEY: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQg==";
const GROUP_KEY: &str = "R1JPVVBHUk9VUEdST1VQR1JPVVBHUk9VUEdST1VQR1I=";

fn derived_key(registration_id: &str) -> String {
    sdk::derived_key(GROUP_KEY, registration_id)
}

#[test]
fn the_azure_python_device_sdk_registers_over_mqtt_and_websockets_and_is_refused_a_wrong_identity()
{
    let root = sdk::root();
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/bootstrap.sh (it installs azure-iot-device into .venv)",
        python.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    config.device = DeviceSettings {
        id_scope: SCOPE.into(),
        retry_after_secs: 1,
        // The X.509 enrollment pins the line's hub; the rest land on the default one.
        linked_hubs: vec![
            dps_local::LinkedHub::new(dps_local::DEFAULT_HUB),
            dps_local::LinkedHub {
                apply_allocation_policy: false,
                ..dps_local::LinkedHub::new("line-hub.azure-devices.net")
            },
        ],
        ..DeviceSettings::default()
    };
    config.mqtt_bind = Some(SocketAddr::from(([127, 0, 0, 1], 8883)));
    config.websocket_bind = Some(SocketAddr::from(([127, 0, 0, 1], 443)));
    let server = ServerThread::start(config).expect(
        "dps-local starts with MQTT on 127.0.0.1:8883 and 443 (is another process using them?)",
    );
    assert_eq!(server.mqtt_addr().map(|a| a.port()), Some(8883));

    let line_ca = sdk::ca("line CA");
    let own = sdk::leaf(&line_ca, "sdk-x509-1", &[], dir.path());
    let rogue = sdk::leaf(&sdk::ca("rogue CA"), "sdk-x509-1", &[], dir.path());
    let (pem, cert_file, key_file) = (&own.pem, &own.cert_file, &own.key_file);
    let (rogue_cert, rogue_key) = (&rogue.cert_file, &rogue.key_file);
    let individuals = [
        json!({
            "registrationId": "sdk-sym-1",
            "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": KEY } },
            "provisioningStatus": "enabled",
        }),
        json!({
            "registrationId": "sdk-x509-1",
            "deviceId": "sensor-0001",
            "iotHubHostName": "line-hub.azure-devices.net",
            "attestation": { "type": "x509", "x509": { "clientCertificates": { "primary": { "certificate": pem } } } },
            "provisioningStatus": "enabled",
        }),
    ];
    // A symmetric-key group, and one of its devices revoked the way the station revokes a
    // board that failed holding its derived key: a disabled individual enrollment by that key.
    let group = json!({
        "enrollmentGroupId": "sdk-group",
        "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": GROUP_KEY } },
        "provisioningStatus": "enabled",
    });
    let revoked = json!({
        "registrationId": "sdk-group-revoked",
        "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": derived_key("sdk-group-revoked") } },
        "provisioningStatus": "disabled",
    });
    let mut individuals = individuals.to_vec();
    individuals.push(revoked);
    sdk::enroll(&server, &individuals, &[group]);

    let cases = json!([
        { "name": "symmetric", "registration_id": "sdk-sym-1", "symmetric_key": KEY, "hub": true },
        { "name": "x509", "registration_id": "sdk-x509-1", "cert_file": cert_file, "key_file": key_file, "hub": true },
        { "name": "symmetric_ws", "registration_id": "sdk-sym-1", "symmetric_key": KEY, "websockets": true },
        { "name": "x509_ws", "registration_id": "sdk-x509-1", "cert_file": cert_file, "key_file": key_file, "websockets": true },
        { "name": "wrong_key", "registration_id": "sdk-sym-1", "symmetric_key": WRONG_KEY },
        { "name": "rogue_cert", "registration_id": "sdk-x509-1", "cert_file": rogue_cert, "key_file": rogue_key },
        { "name": "group_ok", "registration_id": "sdk-group-ok", "symmetric_key": derived_key("sdk-group-ok") },
        { "name": "group_revoked", "registration_id": "sdk-group-revoked", "symmetric_key": derived_key("sdk-group-revoked") },
    ]);
    let out = Command::new(&python)
        .arg(root.join("tests/interop/dps_device_check.py"))
        .args(["localhost", SCOPE])
        .arg(server.ca_file())
        .arg(cases.to_string())
        .output()
        .expect("python runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the SDK check failed: {stderr}");
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "one JSON line ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });

    let sym = &seen["symmetric"];
    assert_eq!(sym["status"], "assigned", "{seen}");
    assert_eq!(sym["assigned_hub"], "dps-local-hub.azure-devices.net");
    assert_eq!(sym["device_id"], "sdk-sym-1");
    assert_eq!(sym["substatus"], "initialAssignment");
    let x5 = &seen["x509"];
    assert_eq!(x5["status"], "assigned", "{seen}");
    assert_eq!(x5["assigned_hub"], "line-hub.azure-devices.net");
    assert_eq!(x5["device_id"], "sensor-0001");
    // Then each at its hub with IoTHubDeviceClient (gateway_hostname = localhost, port 8883:
    // the hub shares DPS's MQTT listener): the twin read, a reported property, telemetry.
    for (case, hub, device) in [
        ("symmetric", dps_local::DEFAULT_HUB, "sdk-sym-1"),
        ("x509", "line-hub.azure-devices.net", "sensor-0001"),
    ] {
        let at_hub = &seen[case]["hub"];
        assert!(at_hub["error"].is_null(), "{case} at its hub: {seen}");
        assert_eq!(at_hub["desired"]["$version"], 1, "{case}: {at_hub}");
        let d = server.hub_device(hub, device).unwrap();
        assert_eq!(d.reported["judge"], "python", "{case}: {d:?}");
        assert_eq!(server.hub_messages(hub, device).len(), 1, "{case}");
    }
    // The same over WebSockets (port 443, /$iothub/websocket): a re-registration to the same hub.
    assert_eq!(seen["symmetric_ws"]["status"], "assigned", "{seen}");
    assert_eq!(
        seen["symmetric_ws"]["substatus"],
        "reprovisionedToInitialAssignment"
    );
    assert_eq!(seen["x509_ws"]["status"], "assigned", "{seen}");
    assert_eq!(seen["x509_ws"]["device_id"], "sensor-0001");
    // The group: a good device is assigned; the revoked one is refused by its disabled
    // individual enrollment, which DPS prefers to the group that would accept its key.
    assert_eq!(seen["group_ok"]["status"], "assigned", "{seen}");
    let revoked = &seen["group_revoked"];
    assert!(
        revoked["error"].is_string(),
        "the revoked device registered: {seen}"
    );
    assert!(
        revoked["cause"]
            .as_str()
            .unwrap_or_default()
            .contains("registration status disabled"),
        "the SDK saw DPS's `disabled`: {revoked}"
    );
    for refused in ["wrong_key", "rogue_cert"] {
        let r = &seen[refused];
        assert!(r["error"].is_string(), "{refused} was not refused: {seen}");
        assert!(
            r["cause"].as_str().unwrap_or_default().contains("401"),
            "{refused}: the SDK saw DPS's 401: {r}"
        );
    }
    // dps-local's side: both registrations recorded, over MQTT, and the refusals logged.
    let ids: Vec<String> = server
        .registrations()
        .into_iter()
        .filter_map(|r| r.registration_id)
        .collect();
    assert_eq!(
        ids,
        [
            "sdk-group-ok",
            "sdk-group-revoked",
            "sdk-sym-1",
            "sdk-x509-1"
        ]
    );
    let log = std::fs::read_to_string(server.diagnostic_log()).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let protocols: Vec<&str> = lines
        .iter()
        .map(|l| l["protocol"].as_str().unwrap())
        .collect();
    assert_eq!(
        protocols,
        [
            "mqtt", "mqtt", "mqtt-ws", "mqtt-ws", "mqtt", "mqtt", "mqtt", "mqtt"
        ],
        "{log}"
    );
    let refused = lines.iter().filter(|l| l["outcome"] == "refused").count();
    assert_eq!(refused, 2, "{log}");
}
