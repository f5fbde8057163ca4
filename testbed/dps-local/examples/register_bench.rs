//! Registrations per second against dps-local, MQTT, AMQP and HTTPS, 1 and 64 concurrent
//! devices, throttles off and `Retry-After: 0` (so the figure is the service's, not the wait
//! DPS asks for). Each registration is the whole device flow: TLS connect, register, one
//! operation lookup (AMQP: SASL, session and link pair too). Symmetric-key individual
//! enrollments. Then hub connections per second: each device connects to the hub DPS assigned
//! it (MQTT on TLS, a SAS of its key), reads its twin, reports a property and disconnects.
//!
//! `cargo run --release -p dps-local --example register_bench [-- --devices 512]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use dps_device::{Credential, Endpoint, HubAuth, hub_sas, register_amqp, register_mqtt, visit_hub};
use dps_local::{Config, DeviceSettings, Server};
use dps_wire::device::{operation_path, register_path};
use dps_wire::sas::{PolicyKey, device_token};
use dps_wire::schema::{AttestationMechanism, BulkOperationMode, IndividualEnrollment};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

const SCOPE: &str = "0ne00BENCH1";
const KEY: &str = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let devices: usize = args
        .iter()
        .position(|a| a == "--devices")
        .and_then(|i| args.get(i + 1))
        .map_or(256, |v| v.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    config.device = DeviceSettings {
        id_scope: SCOPE.into(),
        retry_after_secs: 0,
        registrations_per_minute: None,
        polls_per_device_per_10s: None,
        ..DeviceSettings::default()
    };
    config.mqtt_bind = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.amqp_bind = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    let server = Server::start(config).await.unwrap();
    let service = station_upload::client::DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();
    let ids: Vec<String> = (0..devices).map(|i| format!("bench-{i:05}")).collect();
    for chunk in ids.chunks(10) {
        let enrollments: Vec<IndividualEnrollment> = chunk
            .iter()
            .map(|id| IndividualEnrollment {
                registration_id: id.parse().expect("a valid registration ID"),
                device_id: None,
                attestation: AttestationMechanism::symmetric_key(KEY.into(), None),
                capabilities: None,
                iot_hub_host_name: None,
                provisioning_status: None,
                optional_device_information: None,
                allocation: Default::default(),
                etag: None,
            })
            .collect();
        service
            .bulk(BulkOperationMode::Create, &enrollments)
            .await
            .unwrap();
    }
    let roots: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(server.ca_file())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let endpoint = Arc::new(Endpoint {
        host: "localhost".into(),
        port: server.mqtt_addr().unwrap().port(),
        roots,
    });
    let amqp_endpoint = Arc::new(Endpoint {
        port: server.amqp_addr().unwrap().port(),
        ..(*endpoint).clone()
    });
    let ca = std::fs::read(server.ca_file()).unwrap();
    let base = format!("https://{}", server.host());
    println!(
        "register-bench: {devices} registrations per configuration, symmetric-key, 2-core machine"
    );
    println!(
        "{:>6} {:>11} {:>12} {:>14}",
        "proto", "concurrent", "wall", "registrations/s"
    );
    for concurrent in [1usize, 64] {
        for proto in ["mqtt", "amqp", "https"] {
            let ids = Arc::new(ids.clone());
            let t = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for worker in 0..concurrent {
                let ids = Arc::clone(&ids);
                let endpoint = Arc::clone(&endpoint);
                let amqp_endpoint = Arc::clone(&amqp_endpoint);
                let ca = ca.clone();
                let base = base.clone();
                tasks.spawn(async move {
                    let key = PolicyKey::from_base64(KEY).unwrap();
                    for id in ids.iter().skip(worker).step_by(concurrent) {
                        let cred = Credential::SymmetricKey(key.clone());
                        match proto {
                            "mqtt" => {
                                register_mqtt(&endpoint, SCOPE, id, &cred).await.unwrap();
                            }
                            "amqp" => {
                                register_amqp(&amqp_endpoint, SCOPE, id, &cred)
                                    .await
                                    .unwrap();
                            }
                            _ => {
                                // A client per device (its own TLS connection, as a device
                                // has), trusting only dps-local's CA: a device loads no
                                // system trust store.
                                let http = reqwest::Client::builder()
                                    .tls_backend_rustls()
                                    .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
                                    .build()
                                    .unwrap();
                                https_register(&http, &base, &key, id).await;
                            }
                        }
                    }
                });
            }
            while let Some(r) = tasks.join_next().await {
                r.unwrap();
            }
            let wall = t.elapsed();
            println!(
                "{proto:>6} {concurrent:>11} {:>9.2} s {:>14.1}",
                wall.as_secs_f64(),
                devices as f64 / wall.as_secs_f64()
            );
        }
    }
    assert_eq!(server.registrations().len(), devices);

    // Each device at its hub (dps-local's default linked hub, on its MQTT listener).
    let hub = server.registrations()[0].assigned_hub.clone().unwrap();
    println!(
        "\n{:>6} {:>11} {:>12} {:>14}",
        "", "concurrent", "wall", "hub visits/s"
    );
    for concurrent in [1usize, 64] {
        let ids = Arc::new(ids.clone());
        let t = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for worker in 0..concurrent {
            let ids = Arc::clone(&ids);
            let endpoint = Arc::clone(&endpoint);
            let hub = hub.clone();
            tasks.spawn(async move {
                let key = PolicyKey::from_base64(KEY).unwrap();
                for id in ids.iter().skip(worker).step_by(concurrent) {
                    let sas = hub_sas(&key, &hub, id);
                    let reported = serde_json::json!({ "bench": concurrent });
                    visit_hub(&endpoint, &hub, id, HubAuth::Sas(sas), &reported)
                        .await
                        .unwrap();
                }
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap();
        }
        let wall = t.elapsed();
        println!(
            "{:>6} {concurrent:>11} {:>9.2} s {:>14.1}",
            "hub",
            wall.as_secs_f64(),
            devices as f64 / wall.as_secs_f64()
        );
    }
}

async fn https_register(http: &reqwest::Client, base: &str, key: &PolicyKey, id: &str) {
    let expiry = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    let sas = device_token(key, SCOPE, id, expiry).as_str().to_owned();
    let reply: serde_json::Value = http
        .put(format!("{base}{}", register_path(SCOPE, id, "2021-10-01")))
        .header("Authorization", &sas)
        .json(&serde_json::json!({ "registrationId": id }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let op = reply["operationId"].as_str().unwrap();
    let done: serde_json::Value = http
        .get(format!(
            "{base}{}",
            operation_path(SCOPE, id, op, "2021-10-01")
        ))
        .header("Authorization", &sas)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(done["status"], "assigned");
}
