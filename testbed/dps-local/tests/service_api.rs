//! The service API over real HTTPS on loopback, driven by the station's own client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use dps_local::{Config, Faults, RateLimit, Server};
use station_upload::client::DpsClient;
use station_upload::sas::ConnectionString;
use station_upload::schema::{
    AttestationMechanism, BulkOperationMode, IndividualEnrollment, ProvisioningStatus,
};

fn enrollment(id: &str, key: &str) -> IndividualEnrollment {
    IndividualEnrollment {
        registration_id: id.parse().unwrap(),
        device_id: None,
        attestation: AttestationMechanism::symmetric_key(key.into(), None),
        capabilities: None,
        iot_hub_host_name: None,
        provisioning_status: Some(ProvisioningStatus::Enabled),
        optional_device_information: None,
        allocation: Default::default(),
        etag: None,
    }
}

const KEY_A: &str = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==";
const KEY_B: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQg==";

async fn start(config: Config) -> (Server, DpsClient) {
    let server = Server::start(config).await.unwrap();
    let client = DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .with_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    (server, client)
}

#[tokio::test]
async fn crud_etags_bulk_and_query() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client) = start(Config::new(dir.path())).await;

    let created = client
        .create_or_update(&enrollment("dev-1", KEY_A), None)
        .await
        .unwrap();
    let etag = created.etag.clone().unwrap();
    // Creating it again without If-Match is a conflict; a stale ETag is 412.
    let err = client
        .create_or_update(&enrollment("dev-1", KEY_B), None)
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    let err = client
        .create_or_update(&enrollment("dev-1", KEY_B), Some("bm90LXRoZS1ldGFn"))
        .await
        .unwrap_err();
    assert!(err.is_precondition_failed(), "{err}");
    let updated = client
        .create_or_update(&enrollment("dev-1", KEY_B), Some(&etag))
        .await
        .unwrap();
    assert_ne!(updated.etag, created.etag);
    let got = client.enrollment("DEV-1").await.unwrap();
    assert_eq!(
        got.attestation
            .symmetric_key
            .unwrap()
            .primary_key
            .as_deref(),
        Some(KEY_B)
    );
    let att = client.attestation_mechanism("dev-1").await.unwrap();
    assert!(AttestationMechanism::symmetric_key(KEY_B.into(), None).same_identity(&att));

    // Bulk: per-item errors, the rest applied.
    let batch: Vec<_> = (0..10)
        .map(|i| enrollment(&format!("bulk-{i:02}"), KEY_A))
        .chain([enrollment("dev-1", KEY_A)])
        .collect();
    let err = client
        .bulk(BulkOperationMode::Create, &batch)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        station_upload::client::DpsError::BulkTooLarge(11)
    ));
    let mut batch = batch[1..].to_vec();
    batch.remove(0);
    // An ID DPS refuses cannot be built with the typed client (`RegistrationId` refuses it),
    // so this batch goes as raw JSON, as another client could send it.
    let mut body = serde_json::json!({ "mode": "create", "enrollments": batch });
    let mut bad = serde_json::to_value(enrollment("dev-x", KEY_A)).unwrap();
    bad["registrationId"] = "-bad-id-".into();
    body["enrollments"].as_array_mut().unwrap().push(bad);
    let http = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(server.ca_file()).unwrap()).unwrap(),
        )
        .build()
        .unwrap();
    let expiry = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let result: station_upload::schema::BulkEnrollmentOperationResult = http
        .post(format!(
            "https://{}/enrollments?api-version={}",
            server.host(),
            station_upload::API_VERSION
        ))
        .header(
            "Authorization",
            server.connection_string().token(expiry).as_str(),
        )
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!result.is_successful);
    let codes: Vec<(String, i32)> = result
        .errors
        .iter()
        .map(|e| (e.registration_id.clone(), e.error_code))
        .collect();
    assert_eq!(
        codes,
        [("dev-1".into(), 409201), ("-bad-id-".into(), 400004)]
    );
    assert_eq!(server.enrollment_count(), 9);

    // Query with paging.
    let page = client.query_page("*", Some(4), None).await.unwrap();
    assert_eq!(page.items.len(), 4);
    assert!(page.continuation.is_some());
    let all = client.query_all("*", 4).await.unwrap();
    assert_eq!(all.len(), 9);
    assert_eq!(
        all.iter()
            .map(|e| e.registration_id.clone())
            .collect::<Vec<_>>(),
        server.registration_ids()
    );

    // Delete with If-Match.
    let current = client.enrollment("dev-1").await.unwrap();
    let err = client.delete("dev-1", Some("stale")).await.unwrap_err();
    assert!(err.is_precondition_failed());
    client
        .delete("dev-1", current.etag.as_deref())
        .await
        .unwrap();
    let err = client.enrollment("dev-1").await.unwrap_err();
    assert!(err.is_not_found());
    let station_upload::client::DpsError::Service(details) = err else {
        panic!()
    };
    assert_eq!(details.error_code, Some(404201));
    assert_eq!(details.error_code_header.as_deref(), Some("404201"));
    assert!(details.tracking_id.is_some());
    server.shutdown().await;
}

#[tokio::test]
async fn sas_is_checked_policy_rights_signature_and_resource() {
    let dir = tempfile::tempdir().unwrap();
    let (server, owner) = start(Config::new(dir.path())).await;
    owner
        .create_or_update(&enrollment("dev-1", KEY_A), None)
        .await
        .unwrap();

    let reader = DpsClient::builder(server.read_connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();
    reader.enrollment("dev-1").await.unwrap();
    let err = reader.delete("dev-1", None).await.unwrap_err();
    assert!(
        err.is_unauthorized(),
        "read-only policy cannot write: {err}"
    );

    let mut wrong_key = server.connection_string();
    wrong_key.key = station_upload::sas::PolicyKey::from_base64("d3Jvbmc=").unwrap();
    let err = DpsClient::builder(wrong_key)
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap()
        .enrollment("dev-1")
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");

    // A token for another host, sent to this server.
    let other: ConnectionString = server
        .connection_string()
        .to_secret_string()
        .replace("HostName=localhost", "HostName=otherdps.example")
        .parse()
        .unwrap();
    let err = DpsClient::builder(other)
        .with_endpoint(server.host())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap()
        .enrollment("dev-1")
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");

    // Without the trust file the server's certificate is refused (TLS is never relaxed).
    let err = DpsClient::builder(server.connection_string())
        .build()
        .unwrap()
        .enrollment("dev-1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, station_upload::client::DpsError::Network { .. }),
        "{err}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_and_faults_fire() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.rate_limit = RateLimit {
        ops_per_minute: Some(60),
        bulk_cost: 10,
        burst: Some(10),
    };
    let (server, client) = start(config).await;
    let batch = vec![enrollment("r-1", KEY_A)];
    client
        .bulk(BulkOperationMode::Create, &batch)
        .await
        .unwrap();
    let err = client
        .bulk(BulkOperationMode::Update, &batch)
        .await
        .unwrap_err();
    assert!(err.is_throttled(), "{err}");
    let wait = err.retry_after().unwrap();
    assert!(
        wait >= Duration::from_secs(1) && wait <= Duration::from_secs(10),
        "{wait:?}"
    );
    assert_eq!(server.stats().throttled, 1);

    server.set_faults(Faults {
        error_5xx_rate: 1.0,
        ..Faults::default()
    });
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = client.enrollment("r-1").await.unwrap_err();
    assert!(err.is_retryable() && err.status().unwrap() >= 500, "{err}");
    server.set_faults(Faults {
        reset_rate: 1.0,
        ..Faults::default()
    });
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = client.enrollment("r-1").await.unwrap_err();
    assert!(
        matches!(err, station_upload::client::DpsError::Network { .. }),
        "{err}"
    );
    assert!(server.stats().resets >= 1);
    server.shutdown().await;
}

#[tokio::test]
async fn state_survives_a_restart_and_the_trust_file_stays_valid() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client) = start(Config::new(dir.path())).await;
    client
        .create_or_update(&enrollment("keep-1", KEY_A), None)
        .await
        .unwrap();
    server.shutdown().await;
    let (server, client) = start(Config::new(dir.path())).await;
    assert_eq!(
        client.enrollment("keep-1").await.unwrap().registration_id,
        "keep-1"
    );
    let cs: ConnectionString = std::fs::read_to_string(server.connection_string_file())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(cs.host_name, server.host());
    server.shutdown().await;
}
