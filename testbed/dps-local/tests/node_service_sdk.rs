//! Proof by a client we did not write, on the service side: Microsoft's Node.js service SDK
//! (`azure-iot-provisioning-service` 1.11.2, pinned in tests/interop/node) manages dps-local's
//! enrollments as it would DPS's — individual (symmetric key, X.509) and group enrollments
//! created, read, updated with a current etag and refused with a stale one, queried page by
//! page, created in bulk (and refused a duplicate there), attestation read, registration
//! records read, queried per group and deleted, everything deleted again — and is refused what
//! DPS refuses: an unknown enrollment (404), a write with the read-only policy (401).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sdk;

use std::net::SocketAddr;
use std::process::Command;

use dps_device::{Credential, Endpoint, register_mqtt};
use dps_local::{Config, DeviceSettings, ServerThread};
use dps_wire::device::RegistrationStatus;
use dps_wire::sas::PolicyKey;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use serde_json::{Value, json};

const SCOPE: &str = "0ne00NSVC01";
/// The key the judge enrolls every symmetric-key device and group with.
const KEY: &str = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==";

/// Runs the service judge for `phase` with `extra` settings; its JSON answer per step.
fn judge(server: &dps_local::Server, phase: &str, extra: Value) -> Value {
    let script = sdk::root().join("tests/interop/node/dps_service_check.js");
    let modules =
        sdk::root().join("tests/interop/node/node_modules/azure-iot-provisioning-service");
    assert!(
        modules.is_dir(),
        "{} is missing: run scripts/bootstrap.sh test (npm ci there)",
        modules.display()
    );
    let mut config = json!({
        "phase": phase,
        "connection_string": server.connection_string().to_secret_string(),
        "read_connection_string": server.read_connection_string().to_secret_string(),
        "port": server.addr().port(),
    });
    config
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let out = Command::new("node")
        .arg(script)
        .arg(config.to_string())
        .env("NODE_EXTRA_CA_CERTS", server.ca_file())
        .output()
        .expect("node runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the Node service judge failed: {stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("one JSON line ({e}): {stdout}\n{stderr}"))
}

/// SHA-1 thumbprint of a PEM certificate, as openssl computes it (upper-case hex).
fn openssl_thumbprint(pem: &str, dir: &std::path::Path) -> String {
    let file = dir.join("svc-x509.pem");
    std::fs::write(&file, pem).unwrap();
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha1", "-in"])
        .arg(&file)
        .output()
        .expect("openssl runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .rsplit_once('=')
        .unwrap()
        .1
        .replace(':', "")
        .to_ascii_uppercase()
}

/// Registers `id` over MQTT with the key `key` (base64).
fn register(server: &dps_local::Server, id: &str, key: &str) {
    let endpoint = Endpoint {
        host: "localhost".into(),
        port: server.mqtt_addr().unwrap().port(),
        roots: CertificateDer::pem_file_iter(server.ca_file())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap(),
    };
    let credential = Credential::SymmetricKey(PolicyKey::from_base64(key).unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let r = runtime
        .block_on(register_mqtt(&endpoint, SCOPE, id, &credential))
        .unwrap();
    assert_eq!(r.status, RegistrationStatus::Assigned, "{id}");
}

#[test]
fn microsofts_node_service_sdk_manages_enrollments_and_registrations() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    config.device = DeviceSettings {
        id_scope: SCOPE.into(),
        retry_after_secs: 0,
        ..DeviceSettings::default()
    };
    config.mqtt_bind = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    let thread = ServerThread::start(config).unwrap();
    let server = thread.server();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "svc-x509");
    let certificate = params.self_signed(&key).unwrap().pem();

    let r = judge(server, "create", json!({ "certificate": certificate }));
    let step = |name: &str| r[name].clone();
    // Created and read back with the same etag, the initial twin as sent.
    assert_eq!(step("create")["id"], "svc-sym", "{r}");
    assert_eq!(step("create")["device"], "svc-device", "{r}");
    let etag = step("create")["etag"].as_str().unwrap().to_owned();
    assert!(!etag.is_empty(), "{r}");
    assert_eq!(step("get")["etag"], etag.as_str(), "{r}");
    assert_eq!(step("get")["twin"]["tags"]["line"], "L1", "{r}");
    assert_eq!(
        step("get")["twin"]["properties"]["desired"]["interval"],
        30,
        "{r}"
    );
    // An update with the current etag changes it; one with the old etag is refused.
    assert_eq!(step("updateWithEtag")["changed"], true, "{r}");
    assert_eq!(step("updateWithStaleEtag")["status"], 412, "{r}");
    // The X.509 enrollment's certificate info, as openssl reads the certificate.
    assert_eq!(
        step("x509")["thumbprint"]
            .as_str()
            .map(str::to_ascii_uppercase),
        Some(openssl_thumbprint(&certificate, dir.path())),
        "{r}"
    );
    assert_eq!(step("group")["id"], "svc-group", "{r}");
    assert_eq!(step("group")["etag"], step("group")["readEtag"], "{r}");
    // Bulk: three created; a duplicate refused per enrollment, not as a failed call.
    assert_eq!(step("bulk"), json!({ "ok": true, "errors": [] }), "{r}");
    assert_eq!(step("bulkAgain")["ok"], false, "{r}");
    assert_eq!(step("bulkAgain")["errors"][0]["id"], "svc-bulk-1", "{r}");
    assert_eq!(
        step("bulkAgain")["errors"][0]["code"]
            .as_i64()
            .map(|c| c / 1000),
        Some(409),
        "{r}"
    );
    // Five enrollments in pages of two: three pages, each enrollment once.
    assert_eq!(
        step("query"),
        json!({ "pages": 3, "ids": ["svc-bulk-1", "svc-bulk-2", "svc-bulk-3", "svc-sym", "svc-x509"] }),
        "{r}"
    );
    assert_eq!(step("groupQuery")["ids"], json!(["svc-group"]), "{r}");
    assert_eq!(
        step("attestation"),
        json!({ "type": "symmetricKey", "key": true }),
        "{r}"
    );
    assert_eq!(step("missing")["status"], 404, "{r}");
    assert_eq!(step("readOnlyGet")["id"], "svc-sym", "{r}");
    assert_eq!(step("readOnlyWrite")["status"], 401, "{r}");
    // dps-local's own view: the five, the read-only write not among them.
    assert_eq!(
        server.registration_ids(),
        [
            "svc-bulk-1",
            "svc-bulk-2",
            "svc-bulk-3",
            "svc-sym",
            "svc-x509"
        ]
    );

    // Devices register, one individually and one through the group; the judge reads, queries
    // and deletes their records, then deletes everything it made.
    register(server, "svc-sym", KEY);
    register(
        server,
        "svc-member-1",
        &sdk::derived_key(KEY, "svc-member-1"),
    );
    let r = judge(
        server,
        "inspect",
        json!({ "registered": ["svc-sym", "svc-member-1"] }),
    );
    let step = |name: &str| r[name].clone();
    assert_eq!(step("registration:svc-sym")["status"], "assigned", "{r}");
    assert_eq!(
        step("registration:svc-sym")["hub"],
        dps_local::DEFAULT_HUB,
        "{r}"
    );
    assert_eq!(
        step("registration:svc-member-1")["status"],
        "assigned",
        "{r}"
    );
    assert_eq!(
        step("groupRegistrations")["ids"],
        json!(["svc-member-1"]),
        "{r}"
    );
    for id in ["svc-sym", "svc-member-1"] {
        assert_eq!(
            step(&format!("deleteRegistration:{id}")),
            json!({ "deleted": true }),
            "{r}"
        );
    }
    assert_eq!(step("registrationGone")["status"], 404, "{r}");
    assert_eq!(step("deleteWithStaleEtag")["status"], 412, "{r}");
    for id in [
        "svc-sym",
        "svc-x509",
        "svc-bulk-1",
        "svc-bulk-2",
        "svc-bulk-3",
    ] {
        assert_eq!(
            step(&format!("delete:{id}")),
            json!({ "deleted": true }),
            "{r}"
        );
    }
    assert_eq!(step("deleteGroup"), json!({ "deleted": true }), "{r}");
    assert_eq!(step("queryAfter"), json!({ "pages": 1, "ids": [] }), "{r}");
    assert_eq!(step("groupGone")["status"], 404, "{r}");
    // dps-local's own view agrees: nothing left.
    assert!(server.registrations().is_empty());
    assert!(server.registration_ids().is_empty());
}
