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
    node_run(server, cases, |_| {})
}

/// Runs the Node judge with `cases`, calling `on_event` with each event line it prints
/// (`{"event": "listening", "case": …}`) while it runs; its JSON answer per case.
pub fn node_run(
    server: &dps_local::Server,
    cases: &Value,
    mut on_event: impl FnMut(&Value),
) -> Value {
    use std::io::BufRead as _;
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
    let mut child = Command::new("node")
        .arg(judge.join("dps_node_check.js"))
        .arg(config.to_string())
        .env("NODE_EXTRA_CA_CERTS", server.ca_file())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("node runs");
    let stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let mut last = String::new();
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        match serde_json::from_str::<Value>(&line) {
            Ok(event) if event.get("event").is_some() => on_event(&event),
            _ => last = line,
        }
    }
    let status = child.wait().unwrap();
    let stderr = stderr.join().unwrap();
    if let Some(log) = std::env::var_os("NODE_JUDGE_LOG") {
        std::fs::write(log, stderr.as_bytes()).unwrap();
    }
    assert!(status.success(), "the Node SDK check failed: {stderr}");
    serde_json::from_str(&last).unwrap_or_else(|e| panic!("one JSON line ({e}): {last}\n{stderr}"))
}

/// dps-local in `dir` for the test scope with `device` settings, every device listener on a
/// free port.
fn start(dir: &std::path::Path, device: DeviceSettings) -> ServerThread {
    let any_port = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    let mut config = Config::new(dir.join("dps"));
    config.device = DeviceSettings {
        id_scope: SCOPE.into(),
        retry_after_secs: 1,
        ..device
    };
    config.mqtt_bind = any_port;
    config.amqp_bind = any_port;
    config.websocket_bind = any_port;
    ServerThread::start(config).unwrap()
}

#[test]
fn microsofts_node_sdk_registers_over_every_transport_and_is_refused_a_wrong_identity() {
    let dir = tempfile::tempdir().unwrap();
    let device = DeviceSettings {
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
    let server = start(dir.path(), device);

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
    let server = start(dir.path(), DeviceSettings::default());

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

/// After registering, Node's device client (`azure-iot-device` 1.18.4 over `Mqtt`) connects to
/// the hub its registration named with the credential it registered with — an individual key,
/// a key derived from a group's, an X.509 certificate, the hub key DPS gave its TPM — reads its
/// twin (the enrollment's initial twin), reports a property, sends telemetry and receives a
/// desired-property update the service side sets. A device its hub disabled is refused, though
/// DPS assigns it again.
#[test]
fn microsofts_node_device_client_connects_to_its_hub_reads_its_twin_and_reports() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), DeviceSettings::default());
    let line_ca = sdk::ca("line CA");
    let leaf = sdk::leaf(&line_ca, "hub-x509", &[], dir.path());
    let (tpm, ek) = tpm(dir.path(), "hub-tpm");
    let initial_twin =
        json!({ "tags": { "line": "L1" }, "properties": { "desired": { "interval": 30 } } });
    let individuals = [
        json!({ "registrationId": "hub-sym", "initialTwin": initial_twin,
                "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": KEY } } }),
        json!({ "registrationId": "hub-x509", "deviceId": "sensor-x509", "initialTwin": initial_twin,
                "attestation": { "type": "x509", "x509": { "clientCertificates": { "primary": { "certificate": leaf.pem } } } } }),
        json!({ "registrationId": "hub-tpm", "initialTwin": initial_twin,
                "attestation": { "type": "tpm", "tpm": { "endorsementKey": base64::engine::general_purpose::STANDARD.encode(&ek) } } }),
    ];
    let groups = [
        json!({ "enrollmentGroupId": "hub-keys", "initialTwin": initial_twin,
        "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": GROUP_KEY } } }),
    ];
    sdk::enroll(&server, &individuals, &groups);
    let hub = json!({ "wait_desired": true });
    let cases = json!([
        { "name": "sym", "transport": "Mqtt", "registration_id": "hub-sym", "symmetric_key": KEY, "hub": hub },
        { "name": "group", "transport": "Amqp", "registration_id": "hub-grp",
          "symmetric_key": sdk::derived_key(GROUP_KEY, "hub-grp"), "hub": hub },
        { "name": "x509", "transport": "Http", "registration_id": "hub-x509",
          "cert_file": leaf.cert_file, "key_file": leaf.key_file, "hub": hub },
        { "name": "tpm", "transport": "Amqp", "registration_id": "hub-tpm", "tpm_port": tpm.port(), "hub": hub },
    ]);
    let devices = [
        ("sym", "hub-sym"),
        ("group", "hub-grp"),
        ("x509", "sensor-x509"),
        ("tpm", "hub-tpm"),
    ];
    let hub_of = dps_local::DEFAULT_HUB;
    // Each device, once it listens, gets a desired-property update from the service side.
    let seen = node_run(&server, &cases, |event| {
        let case = event["case"].as_str().unwrap();
        let (_, device) = devices.iter().find(|(c, _)| *c == case).unwrap();
        let version = server.hub_set_desired(hub_of, device, &json!({ "marker": case }));
        assert_eq!(
            version,
            Some(2),
            "{case}: the update is the twin's second desired version"
        );
    });
    for (case, device) in devices {
        let r = &seen[case];
        assert_eq!(r["status"], "assigned", "{case}: {r}");
        assert_eq!(r["device_id"], device, "{case}: {r}");
        let at_hub = &r["hub"];
        assert!(at_hub["error"].is_null(), "{case} at its hub: {r}");
        assert_eq!(
            at_hub["desired"]["interval"], 30,
            "{case}: the initial twin: {r}"
        );
        assert_eq!(at_hub["desired_update"]["marker"], case, "{case}: {r}");
        // The hub's side: the reported property and the telemetry.
        let d = server.hub_device(hub_of, device).unwrap();
        assert_eq!(d.reported["firmware"], "1.0.0", "{case}: {d:?}");
        assert_eq!(d.tags["line"], "L1");
        let messages = server.hub_messages(hub_of, device);
        assert_eq!(messages.len(), 1, "{case}: {messages:?}");
        let body: Value = serde_json::from_slice(&messages[0].body).unwrap();
        assert_eq!(body["device"], device);
    }

    // Disabled on its hub: DPS still assigns it (its enrollment is enabled), the hub refuses it.
    assert!(server.hub_set_enabled(hub_of, "hub-sym", false));
    let again = node_check(
        &server,
        &json!([{ "name": "sym", "transport": "Mqtt", "registration_id": "hub-sym", "symmetric_key": KEY, "hub": {} }]),
    );
    assert_eq!(again["sym"]["status"], "assigned", "{again}");
    assert!(
        again["sym"]["hub"]["error"].is_string(),
        "a disabled device connected: {again}"
    );
    assert!(!server.hub_device(hub_of, "hub-sym").unwrap().enabled);
    drop(tpm);
}
