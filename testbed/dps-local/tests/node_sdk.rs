//! Proof by a client we did not write: Microsoft's Node.js device SDK
//! (`azure-iot-provisioning-device` 1.9.1 with its `Amqp`, `AmqpWs`, `Mqtt`, `MqttWs` and `Http`
//! transports, pinned in tests/interop/node) registers devices with dps-local over every
//! transport DPS offers, with each attestation it has a security client for: an individual
//! symmetric key, a key derived from a group's, an individual X.509 certificate and one that
//! chains to a group's root. Each transport also gets the refusals: a wrong key, a rogue
//! certificate, an unknown device, a disabled enrollment; none of them may hang the SDK.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sdk;

use std::net::SocketAddr;
use std::process::Command;

use dps_local::{Config, DeviceSettings, ServerThread};
use serde_json::{Value, json};

const SCOPE: &str = "0ne00NODE01";
const KEY: &str = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==";
const WRONG_KEY: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQg==";
const GROUP_KEY: &str = "R1JPVVBHUk9VUEdST1VQR1JPVVBHUk9VUEdST1VQR1I=";
const LINE_HUB: &str = "line-hub.azure-devices.net";

/// The SDK's transports and the protocol dps-local's diagnostic log names for each.
const TRANSPORTS: [(&str, &str); 5] = [
    ("Amqp", "amqp"),
    ("AmqpWs", "amqp-ws"),
    ("Mqtt", "mqtt"),
    ("MqttWs", "mqtt-ws"),
    ("Http", "https"),
];

/// Runs the Node judge with `cases`; its JSON answer per case.
pub fn node_check(server: &dps_local::Server, cases: &Value) -> Value {
    let root = sdk::root();
    let judge = root.join("tests/interop/node");
    assert!(
        judge
            .join("node_modules/azure-iot-provisioning-device")
            .is_dir(),
        "{}/node_modules is missing: run scripts/bootstrap.sh test (npm ci there)",
        judge.display()
    );
    let ports = json!({
        "amqp": server.amqp_addr().unwrap().port(),
        "mqtt": server.mqtt_addr().unwrap().port(),
        "ws": server.websocket_addr().unwrap().port(),
        "https": server.addr().port(),
    });
    let config = json!({ "host": "localhost", "scope": SCOPE, "ports": ports, "cases": cases });
    let out = Command::new("node")
        .arg(judge.join("dps_node_check.js"))
        .arg(config.to_string())
        .env("NODE_EXTRA_CA_CERTS", server.ca_file())
        .output()
        .expect("node runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if let Some(log) = std::env::var_os("NODE_JUDGE_LOG") {
        std::fs::write(log, stderr.as_bytes()).unwrap();
    }
    assert!(out.status.success(), "the Node SDK check failed: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "one JSON line ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn any_port() -> Option<SocketAddr> {
    Some(SocketAddr::from(([127, 0, 0, 1], 0)))
}

#[test]
fn microsofts_node_sdk_registers_over_every_transport_and_is_refused_a_wrong_identity() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    config.device = DeviceSettings {
        id_scope: SCOPE.into(),
        retry_after_secs: 1,
        // Forty devices at once: throttling is another test's subject.
        registrations_per_minute: None,
        linked_hubs: vec![
            dps_local::LinkedHub::new(dps_local::DEFAULT_HUB),
            dps_local::LinkedHub {
                apply_allocation_policy: false,
                ..dps_local::LinkedHub::new(LINE_HUB)
            },
        ],
        ..DeviceSettings::default()
    };
    config.mqtt_bind = any_port();
    config.amqp_bind = any_port();
    config.websocket_bind = any_port();
    let server = ServerThread::start(config).unwrap();

    let line_root = sdk::ca("line root");
    let line_ca = sdk::intermediate(&line_root, "line intermediate");
    let rogue_ca = sdk::ca("rogue CA");
    let mut individuals = Vec::new();
    let mut cases = Vec::new();
    for (transport, _) in TRANSPORTS {
        let p = transport.to_ascii_lowercase();
        let own = sdk::leaf(&line_ca, &format!("{p}-x509"), &[], dir.path());
        let member = sdk::leaf(&line_ca, &format!("{p}-x509g"), &[&line_ca.pem], dir.path());
        let rogue = sdk::leaf(&rogue_ca, &format!("{p}-x509"), &[], dir.path());
        individuals.push(json!({
            "registrationId": format!("{p}-sym"),
            "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": KEY } },
        }));
        individuals.push(json!({
            "registrationId": format!("{p}-x509"),
            "deviceId": format!("sensor-{p}"),
            "iotHubHostName": LINE_HUB,
            "attestation": { "type": "x509", "x509": { "clientCertificates": { "primary": { "certificate": own.pem } } } },
        }));
        individuals.push(json!({
            "registrationId": format!("{p}-off"),
            "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": KEY } },
            "provisioningStatus": "disabled",
        }));
        let x509 = |name: &str, id: String, leaf: &sdk::Leaf| {
            json!({ "name": name, "transport": transport, "registration_id": id,
                    "cert_file": leaf.cert_file, "key_file": leaf.key_file })
        };
        let sym = |name: &str, id: String, key: String| json!({ "name": name, "transport": transport, "registration_id": id, "symmetric_key": key });
        cases.extend([
            sym(&format!("{p}/symmetric"), format!("{p}-sym"), KEY.into()),
            sym(
                &format!("{p}/group"),
                format!("{p}-grp"),
                sdk::derived_key(GROUP_KEY, &format!("{p}-grp")),
            ),
            x509(&format!("{p}/x509"), format!("{p}-x509"), &own),
            x509(&format!("{p}/x509-group"), format!("{p}-x509g"), &member),
            sym(
                &format!("{p}/wrong-key"),
                format!("{p}-sym"),
                WRONG_KEY.into(),
            ),
            x509(&format!("{p}/rogue-cert"), format!("{p}-x509"), &rogue),
            sym(&format!("{p}/unknown"), format!("{p}-nobody"), KEY.into()),
            sym(&format!("{p}/disabled"), format!("{p}-off"), KEY.into()),
        ]);
    }
    let groups = [
        json!({
            "enrollmentGroupId": "node-keys",
            "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": GROUP_KEY } },
        }),
        json!({
            "enrollmentGroupId": "node-line",
            "iotHubHostName": LINE_HUB,
            "attestation": { "type": "x509", "x509": { "signingCertificates": { "primary": { "certificate": line_root.pem } } } },
        }),
    ];
    sdk::enroll(&server, &individuals, &groups);

    let seen = node_check(&server, &Value::from(cases));
    for (transport, _) in TRANSPORTS {
        let p = transport.to_ascii_lowercase();
        for (case, hub, device) in [
            ("symmetric", dps_local::DEFAULT_HUB, format!("{p}-sym")),
            ("group", dps_local::DEFAULT_HUB, format!("{p}-grp")),
            ("x509", LINE_HUB, format!("sensor-{p}")),
            ("x509-group", LINE_HUB, format!("{p}-x509g")),
        ] {
            let r = &seen[format!("{p}/{case}")];
            assert_eq!(r["status"], "assigned", "{transport} {case}: {r}");
            assert_eq!(r["assigned_hub"], hub, "{transport} {case}: {r}");
            assert_eq!(r["device_id"], device.as_str(), "{transport} {case}: {r}");
        }
        for case in ["wrong-key", "rogue-cert", "unknown", "disabled"] {
            let r = &seen[format!("{p}/{case}")];
            assert!(
                r["error"].is_string(),
                "{transport} {case} was not refused: {r}"
            );
            assert_ne!(
                r["error"], "timeout",
                "{transport} {case}: the SDK hung: {r}"
            );
        }
    }
    // dps-local's side: every attempt in the diagnostic log under its transport's name, with
    // the same outcomes whichever transport carried it (AMQP's SASL refusals included).
    let log = std::fs::read_to_string(server.diagnostic_log()).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (transport, protocol) in TRANSPORTS {
        let mut outcomes: Vec<&str> = lines
            .iter()
            .filter(|l| l["protocol"] == protocol)
            .map(|l| l["outcome"].as_str().unwrap())
            .collect();
        outcomes.sort_unstable();
        assert_eq!(
            outcomes,
            [
                "assigned", "assigned", "assigned", "assigned", "disabled", "refused", "refused",
                "refused"
            ],
            "{transport}: {log}"
        );
    }
}

/// A swtpm with a persistent EK and SRK (made by tpm2-tools, where Node's client reads them);
/// the TPM and its EK's public area.
fn tpm(dir: &std::path::Path, name: &str) -> (virtual_dut::tpm_stack::PoweredTpm, Vec<u8>) {
    let state = dir.join(name);
    let work = dir.join(format!("{name}-work"));
    std::fs::create_dir_all(&state).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let tpm = virtual_dut::tpm_stack::PoweredTpm::start(&state, work)
        .expect("swtpm must be installed (scripts/bootstrap.sh)");
    let (ek, _srk) = tpm.keys().expect("tpm2-tools must be installed");
    (tpm, ek)
}

/// Node's TPM security client (`azure-iot-security-tpm` on tss.js, against swtpm) registers
/// over AMQP, where the challenge is SASL's `TPM` mechanism in segments, and over HTTPS, where
/// it is the 401 with the key blob; both import the hub key DPS's result carries. A TPM whose EK
/// is not the enrollment's is refused on both.
#[test]
fn microsofts_node_tpm_client_registers_over_amqp_and_https_through_the_challenge() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    config.device = DeviceSettings {
        id_scope: SCOPE.into(),
        retry_after_secs: 1,
        ..DeviceSettings::default()
    };
    config.mqtt_bind = any_port();
    config.amqp_bind = any_port();
    config.websocket_bind = any_port();
    let server = ServerThread::start(config).unwrap();

    let mut tpms = Vec::new();
    let mut individuals = Vec::new();
    let mut cases = Vec::new();
    for transport in ["Amqp", "Http"] {
        let p = transport.to_ascii_lowercase();
        let (own, ek) = tpm(dir.path(), &format!("{p}-tpm"));
        let (stranger, _) = tpm(dir.path(), &format!("{p}-stranger"));
        individuals.push(json!({
            "registrationId": format!("{p}-tpm"),
            "deviceId": format!("tpm-{p}"),
            "attestation": { "type": "tpm", "tpm": { "endorsementKey": b64.encode(&ek) } },
        }));
        cases.push(json!({ "name": format!("{p}/tpm"), "transport": transport,
                           "registration_id": format!("{p}-tpm"), "tpm_port": own.port() }));
        cases.push(
            json!({ "name": format!("{p}/other-tpm"), "transport": transport,
                           "registration_id": format!("{p}-tpm"), "tpm_port": stranger.port() }),
        );
        tpms.extend([own, stranger]);
    }
    sdk::enroll(&server, &individuals, &[]);

    let seen = node_check(&server, &Value::from(cases));
    for transport in ["Amqp", "Http"] {
        let p = transport.to_ascii_lowercase();
        let r = &seen[format!("{p}/tpm")];
        assert_eq!(r["status"], "assigned", "{transport} TPM: {seen}");
        assert_eq!(r["assigned_hub"], dps_local::DEFAULT_HUB, "{r}");
        assert_eq!(r["device_id"], format!("tpm-{p}").as_str(), "{r}");
        let r = &seen[format!("{p}/other-tpm")];
        assert!(
            r["error"].is_string(),
            "{transport}: another TPM registered: {r}"
        );
        assert_ne!(r["error"], "timeout", "{transport}: the SDK hung: {r}");
    }
    // The challenge, then the assignment, for each; the other TPMs stopped at their EK.
    let log = std::fs::read_to_string(server.diagnostic_log()).unwrap();
    for protocol in ["amqp", "https"] {
        let mut outcomes: Vec<String> = log
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["protocol"] == protocol && l["attestation"] == "tpm")
            .map(|l| l["outcome"].as_str().unwrap().to_owned())
            .collect();
        outcomes.sort_unstable();
        assert_eq!(
            outcomes,
            ["assigned", "challenged", "refused"],
            "{protocol}: {log}"
        );
    }
    drop(tpms);
}
