//! The device API over real HTTPS on loopback: symmetric-key (SAS) and X.509 (mutual TLS)
//! registrations, every refusal, the throttles and the diagnostic log. Every response body is
//! checked against the definitions in DPS's own `device.json` (2021-10-01).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dps_local::{Config, DeviceSettings, Server};
use dps_wire::device::{operation_path, register_path};
use dps_wire::sas::{PolicyKey, device_token};
use dps_wire::schema::IndividualEnrollment;
use serde_json::{Value, json};
use station_upload::client::DpsClient;

const SCOPE: &str = "0ne00DEV001";
const KEY: &str = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==";
const OTHER_KEY: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQg==";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Checks `value` against definition `def` of ../shared/dps-spec/device.json: every property
/// is one the spec defines, required ones are present, enums hold one of their values, nested
/// `$ref`s likewise.
fn conforms(value: &Value, def: &str) {
    let spec: Value = serde_json::from_str(include_str!("../../../../shared/dps-spec/device.json"))
        .expect("device.json");
    check(&spec, value, &spec["definitions"][def], def);
}

fn check(spec: &Value, value: &Value, schema: &Value, at: &str) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/definitions/");
        return check(spec, value, &spec["definitions"][name], at);
    }
    if let Some(values) = schema["enum"].as_array() {
        assert!(
            values.contains(value),
            "{at}: {value} is not one of {values:?}"
        );
    }
    match schema["type"].as_str() {
        Some("string") => assert!(value.is_string(), "{at}: {value} is not a string"),
        Some("integer") => assert!(value.is_i64(), "{at}: {value} is not an integer"),
        Some("object") | None if schema["properties"].is_object() => {
            let obj = value
                .as_object()
                .unwrap_or_else(|| panic!("{at}: {value} is not an object"));
            for (k, v) in obj {
                let prop = &schema["properties"][k];
                assert!(!prop.is_null(), "{at}: property {k} is not in device.json");
                check(spec, v, prop, &format!("{at}.{k}"));
            }
            for r in schema["required"].as_array().into_iter().flatten() {
                assert!(
                    obj.contains_key(r.as_str().unwrap()),
                    "{at}: {r} is required"
                );
            }
        }
        _ => {}
    }
}

struct Dps {
    server: Server,
    service: DpsClient,
    dir: tempfile::TempDir,
}

async fn start(device: DeviceSettings) -> Dps {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    config.device = device;
    let server = Server::start(config).await.unwrap();
    let service = DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();
    Dps {
        server,
        service,
        dir,
    }
}

/// The test service: its default hub and the group's hub linked.
fn settings() -> DeviceSettings {
    DeviceSettings {
        id_scope: SCOPE.into(),
        retry_after_secs: 1,
        linked_hubs: vec![
            dps_local::LinkedHub::new(dps_local::DEFAULT_HUB),
            dps_local::LinkedHub {
                apply_allocation_policy: false,
                ..dps_local::LinkedHub::new("group-hub.azure-devices.net")
            },
        ],
        ..DeviceSettings::default()
    }
}

impl Dps {
    async fn enroll(&self, enrollment: Value) {
        let e: IndividualEnrollment = serde_json::from_value(enrollment).unwrap();
        self.service.create_or_update(&e, None).await.unwrap();
    }

    fn device(&self, identity: Option<reqwest::Identity>) -> reqwest::Client {
        let ca = std::fs::read(self.server.ca_file()).unwrap();
        let mut b = reqwest::Client::builder()
            .use_rustls_tls()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .timeout(Duration::from_secs(5));
        if let Some(id) = identity {
            b = b.identity(id);
        }
        b.build().unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.server.host())
    }

    /// `PUT …/register`: status, Retry-After, body.
    async fn register(
        &self,
        client: &reqwest::Client,
        scope: &str,
        id: &str,
        sas: Option<String>,
        body: Value,
    ) -> (u16, Option<String>, Value) {
        let mut req = client
            .put(self.url(&register_path(scope, id, "2021-10-01")))
            .json(&body);
        if let Some(sas) = sas {
            req = req.header("Authorization", sas);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let retry = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, retry, resp.json().await.unwrap())
    }

    async fn poll(
        &self,
        client: &reqwest::Client,
        id: &str,
        op: &str,
        sas: Option<String>,
    ) -> (u16, Value) {
        let mut req = client.get(self.url(&operation_path(SCOPE, id, op, "2021-06-01")));
        if let Some(sas) = sas {
            req = req.header("Authorization", sas);
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }
}

fn sas(key: &str, scope: &str, id: &str, expiry: u64) -> Option<String> {
    Some(
        device_token(&PolicyKey::from_base64(key).unwrap(), scope, id, expiry)
            .as_str()
            .to_owned(),
    )
}

fn sym_enrollment(id: &str, status: &str) -> Value {
    json!({
        "registrationId": id,
        "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": KEY } },
        "provisioningStatus": status,
    })
}

fn refusal(status: u16, body: &Value, want_status: u16, want_code: i64, says: &str) {
    assert_eq!(status, want_status, "{body}");
    conforms(body, "ProvisioningServiceErrorDetails");
    assert_eq!(body["errorCode"], want_code, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains(says),
        "{:?} does not say {says:?}",
        body["message"]
    );
}

#[tokio::test]
async fn a_symmetric_key_device_registers_and_every_bad_credential_is_refused() {
    let dps = start(settings()).await;
    dps.enroll(sym_enrollment("dev-1", "enabled")).await;
    dps.enroll(sym_enrollment("dev-off", "disabled")).await;
    let client = dps.device(None);
    let good = || sas(KEY, SCOPE, "dev-1", now() + 600);

    let (status, retry, body) = dps
        .register(
            &client,
            SCOPE,
            "dev-1",
            good(),
            json!({ "registrationId": "dev-1" }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(retry.as_deref(), Some("1"));
    conforms(&body, "RegistrationOperationStatus");
    assert_eq!(body["status"], "assigning");
    let op = body["operationId"].as_str().unwrap().to_owned();
    let (status, body) = dps.poll(&client, "dev-1", &op, good()).await;
    assert_eq!(status, 200, "{body}");
    conforms(&body, "RegistrationOperationStatus");
    assert_eq!(body["status"], "assigned");
    let state = &body["registrationState"];
    assert_eq!(state["assignedHub"], "dps-local-hub.azure-devices.net");
    assert_eq!(state["deviceId"], "dev-1");
    assert_eq!(state["substatus"], "initialAssignment");
    // The status lookup returns the record; the server keeps it.
    let resp = client
        .post(dps.url(&format!(
            "/{SCOPE}/registrations/dev-1?api-version=2019-03-31"
        )))
        .header("Authorization", good().unwrap())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let record: Value = resp.json().await.unwrap();
    conforms(&record, "DeviceRegistrationResult");
    assert_eq!(record["assignedHub"], "dps-local-hub.azure-devices.net");
    assert_eq!(dps.server.registrations().len(), 1);
    // Registering again: the same hub, so re-provisioned to it.
    let (_, _, body) = dps
        .register(
            &client,
            SCOPE,
            "dev-1",
            good(),
            json!({ "registrationId": "dev-1" }),
        )
        .await;
    let (_, body) = dps
        .poll(
            &client,
            "dev-1",
            body["operationId"].as_str().unwrap(),
            good(),
        )
        .await;
    assert_eq!(
        body["registrationState"]["substatus"],
        "reprovisionedToInitialAssignment"
    );
    assert_eq!(
        body["registrationState"]["createdDateTimeUtc"], state["createdDateTimeUtc"],
        "the registration keeps its creation time"
    );

    // A SAS signed with another key, expired, for another device, or none at all.
    let body1 = json!({ "registrationId": "dev-1" });
    let cases = [
        (
            sas(OTHER_KEY, SCOPE, "dev-1", now() + 600),
            "does not match",
        ),
        (sas(KEY, SCOPE, "dev-1", now() - 1), "expired"),
        (sas(KEY, SCOPE, "dev-2", now() + 600), "is for"),
        (None, "send a SAS token"),
        (Some("SharedAccessSignature sr=x".into()), "malformed"),
    ];
    for (token, says) in cases {
        let (status, _, body) = dps
            .register(&client, SCOPE, "dev-1", token, body1.clone())
            .await;
        refusal(status, &body, 401, 401000, says);
    }
    // An unknown registration ID and another ID scope are refused like a wrong key.
    let (status, _, body) = dps
        .register(
            &client,
            SCOPE,
            "nobody",
            sas(KEY, SCOPE, "nobody", now() + 60),
            json!({}),
        )
        .await;
    refusal(status, &body, 401, 401000, "no enrollment");
    let (status, _, body) = dps
        .register(
            &client,
            "0ne00OTHER1",
            "dev-1",
            sas(KEY, "0ne00OTHER1", "dev-1", now() + 60),
            body1.clone(),
        )
        .await;
    refusal(status, &body, 401, 401000, "ID scope");
    // A body that names another device.
    let (status, _, body) = dps
        .register(
            &client,
            SCOPE,
            "dev-1",
            good(),
            json!({ "registrationId": "dev-2" }),
        )
        .await;
    refusal(status, &body, 400, 400001, "registrationId");
    // A poll for an operation that does not exist, and one with a bad SAS.
    let (status, body) = dps.poll(&client, "dev-1", "5.nope", good()).await;
    refusal(status, &body, 404, 404001, "no operation");
    let (status, body) = dps
        .poll(
            &client,
            "dev-1",
            &op,
            sas(OTHER_KEY, SCOPE, "dev-1", now() + 60),
        )
        .await;
    refusal(status, &body, 401, 401000, "does not match");
    // A disabled enrollment: the operation ends `disabled`, no hub.
    let off = sas(KEY, SCOPE, "dev-off", now() + 60);
    let (status, _, body) = dps
        .register(
            &client,
            SCOPE,
            "dev-off",
            off.clone(),
            json!({ "registrationId": "dev-off" }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let (status, body) = dps
        .poll(
            &client,
            "dev-off",
            body["operationId"].as_str().unwrap(),
            off,
        )
        .await;
    assert_eq!(status, 200);
    conforms(&body, "RegistrationOperationStatus");
    assert_eq!(body["status"], "disabled");
    assert_eq!(body["registrationState"]["assignedHub"], Value::Null);

    // The diagnostic log: one line per register attempt, with its outcome and error.
    let log = std::fs::read_to_string(dps.server.diagnostic_log()).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2 + 5 + 2 + 1 + 1, "{log}");
    assert_eq!(lines[0]["outcome"], "assigned");
    assert_eq!(lines[0]["protocol"], "https");
    assert_eq!(lines[0]["attestation"], "symmetricKey");
    assert_eq!(lines[0]["assignedHub"], "dps-local-hub.azure-devices.net");
    assert_eq!(lines[2]["outcome"], "refused");
    assert_eq!(lines[2]["errorCode"], 401000);
    assert_eq!(lines.last().unwrap()["outcome"], "disabled");
    assert!(!log.contains(KEY), "the log never holds a key");
    drop(dps.dir);
}

/// An X.509 identity: a CA, and a leaf for `cn` valid from `days_ago` for `days`.
struct Device {
    pem: String,
    key_pem: String,
    identity: reqwest::Identity,
}

fn leaf(ca: &rcgen::Issuer<'static, rcgen::KeyPair>, cn: &str, not_after_days: i64) -> Device {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    let now = time_now();
    params.not_before = now - time::Duration::days(30);
    params.not_after = now + time::Duration::days(not_after_days);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, ca).unwrap();
    let pem = cert.pem();
    let identity =
        reqwest::Identity::from_pem(format!("{}{}", key.serialize_pem(), pem).as_bytes()).unwrap();
    Device {
        pem,
        key_pem: key.serialize_pem(),
        identity,
    }
}

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn ca(name: &str) -> rcgen::Issuer<'static, rcgen::KeyPair> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    rcgen::Issuer::new(params, key)
}

fn x509_enrollment(id: &str, pem: &str) -> Value {
    json!({
        "registrationId": id,
        "attestation": { "type": "x509", "x509": { "clientCertificates": { "primary": { "certificate": pem } } } },
        "provisioningStatus": "enabled",
    })
}

#[tokio::test]
async fn an_x509_device_registers_over_mutual_tls_and_wrong_certificates_are_refused() {
    let dps = start(settings()).await;
    let line_ca = ca("line CA");
    let good = leaf(&line_ca, "x5-dev-1", 30);
    dps.enroll(x509_enrollment("x5-dev-1", &good.pem)).await;
    let body = json!({ "registrationId": "x5-dev-1" });

    let client = dps.device(Some(good.identity.clone()));
    let (status, _, reply) = dps
        .register(&client, SCOPE, "x5-dev-1", None, body.clone())
        .await;
    assert_eq!(status, 202, "{reply}");
    let op = reply["operationId"].as_str().unwrap().to_owned();
    let (status, reply) = dps.poll(&client, "x5-dev-1", &op, None).await;
    assert_eq!(status, 200, "{reply}");
    conforms(&reply, "RegistrationOperationStatus");
    assert_eq!(reply["status"], "assigned");
    let info = &reply["registrationState"]["x509"]["certificateInfo"];
    assert_eq!(info["subjectName"], "CN=x5-dev-1");
    assert_eq!(info["sha256Thumbprint"].as_str().unwrap().len(), 64);

    // Same CN from another CA (another key); the registration ID of another device; expired;
    // no certificate at all.
    let cases = [
        (
            Some(leaf(&ca("rogue CA"), "x5-dev-1", 30).identity),
            "x5-dev-1",
            "not the one in the enrollment",
        ),
        (
            Some(leaf(&line_ca, "x5-dev-2", 30).identity),
            "x5-dev-1",
            "CN",
        ),
        (
            Some(leaf(&line_ca, "x5-dev-1", -1).identity),
            "x5-dev-1",
            "not valid now",
        ),
        (None, "x5-dev-1", "connect with the device certificate"),
    ];
    for (identity, id, says) in cases {
        let client = dps.device(identity);
        let (status, _, reply) = dps.register(&client, SCOPE, id, None, body.clone()).await;
        refusal(status, &reply, 401, 401002, says);
    }
    let lines = std::fs::read_to_string(dps.server.diagnostic_log()).unwrap();
    assert!(
        lines
            .lines()
            .next()
            .unwrap()
            .contains(r#""attestation":"x509""#),
        "{lines}"
    );
}

#[tokio::test]
async fn registrations_and_polls_over_the_published_limits_get_429_with_retry_after() {
    let dps = start(DeviceSettings {
        registrations_per_minute: Some(12),
        polls_per_device_per_10s: Some(2),
        ..settings()
    })
    .await;
    dps.enroll(sym_enrollment("dev-1", "enabled")).await;
    let client = dps.device(None);
    let token = || sas(KEY, SCOPE, "dev-1", now() + 600);
    let body = json!({ "registrationId": "dev-1" });
    // A bucket of 12/min holds 2 (ten seconds' worth): the third register is throttled.
    let mut statuses = Vec::new();
    let mut op = String::new();
    for _ in 0..3 {
        let (status, retry, reply) = dps
            .register(&client, SCOPE, "dev-1", token(), body.clone())
            .await;
        if status == 429 {
            refusal(status, &reply, 429, 429001, "too many");
            assert!(retry.unwrap().parse::<u32>().unwrap() >= 1);
        } else {
            op = reply["operationId"].as_str().unwrap().to_owned();
        }
        statuses.push(status);
    }
    assert_eq!(statuses, [202, 202, 429]);
    let mut polls = Vec::new();
    for _ in 0..3 {
        polls.push(dps.poll(&client, "dev-1", &op, token()).await.0);
    }
    assert_eq!(polls, [200, 200, 429], "5 per 10 s in DPS; 2 here");
    let log = std::fs::read_to_string(dps.server.diagnostic_log()).unwrap();
    assert!(log.contains(r#""outcome":"throttled""#), "{log}");
}

#[tokio::test]
async fn group_members_register_with_derived_keys_and_chains_to_the_signing_certificate() {
    use dps_wire::sas::derive_device_key;
    use dps_wire::schema::EnrollmentGroup;
    let dps = start(settings()).await;
    // A symmetric-key group (the key is the group's; devices hold keys derived from it) and an
    // X.509 group (root → intermediate → leaf; the group holds the root).
    let group_key = PolicyKey::from_base64(KEY).unwrap();
    let sym: EnrollmentGroup = serde_json::from_value(json!({
        "enrollmentGroupId": "sensors",
        "attestation": { "type": "symmetricKey", "symmetricKey": { "primaryKey": KEY, "secondaryKey": OTHER_KEY } },
        "iotHubHostName": "group-hub.azure-devices.net",
    }))
    .unwrap();
    dps.service
        .create_or_update_group(&sym, None)
        .await
        .unwrap();
    let root_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut root_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    root_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "group root");
    root_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let root_cert = root_params.self_signed(&root_key).unwrap();
    let root = rcgen::Issuer::new(root_params, root_key);
    let mid_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut mid_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    mid_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "line intermediate");
    mid_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let mid_cert = mid_params.signed_by(&mid_key, &root).unwrap();
    let mid = rcgen::Issuer::new(mid_params, mid_key);
    let x5: EnrollmentGroup = serde_json::from_value(json!({
        "enrollmentGroupId": "x509-line",
        "attestation": { "type": "x509", "x509": { "signingCertificates": { "primary": { "certificate": root_cert.pem() } } } },
    }))
    .unwrap();
    dps.service.create_or_update_group(&x5, None).await.unwrap();

    // Symmetric key: a key derived from the group's primary (or secondary) key registers.
    let client = dps.device(None);
    for (group, id) in [(KEY, "member-1"), (OTHER_KEY, "member-2")] {
        let derived = derive_device_key(&PolicyKey::from_base64(group).unwrap(), id);
        let token = Some(
            device_token(&derived, SCOPE, id, now() + 60)
                .as_str()
                .to_owned(),
        );
        let (status, _, reply) = dps
            .register(
                &client,
                SCOPE,
                id,
                token.clone(),
                json!({ "registrationId": id }),
            )
            .await;
        assert_eq!(status, 202, "{reply}");
        let (_, reply) = dps
            .poll(&client, id, reply["operationId"].as_str().unwrap(), token)
            .await;
        conforms(&reply, "RegistrationOperationStatus");
        let state = &reply["registrationState"];
        assert_eq!(
            state["symmetricKey"]["enrollmentGroupId"], "sensors",
            "{reply}"
        );
        assert_eq!(state["assignedHub"], "group-hub.azure-devices.net");
        assert_eq!(state["deviceId"], id);
    }
    // The group key itself, or a key derived for another ID, is not a member's key.
    let (status, _, reply) = dps
        .register(
            &client,
            SCOPE,
            "member-3",
            sas(KEY, SCOPE, "member-3", now() + 60),
            json!({}),
        )
        .await;
    refusal(status, &reply, 401, 401000, "does not match");
    let other = derive_device_key(&group_key, "member-4");
    let token = Some(
        device_token(&other, SCOPE, "member-3", now() + 60)
            .as_str()
            .to_owned(),
    );
    let (status, _, reply) = dps
        .register(&client, SCOPE, "member-3", token, json!({}))
        .await;
    refusal(status, &reply, 401, 401000, "does not match");

    // X.509: leaf + intermediate presented, chaining to the group's root.
    let member =
        |cn: &str, issuer: &rcgen::Issuer<'static, rcgen::KeyPair>, with_chain: &str, days: i64| {
            let d = leaf(issuer, cn, days);
            let key_pem = d.key_pem.clone();
            reqwest::Identity::from_pem(format!("{key_pem}{}{with_chain}", d.pem).as_bytes())
                .unwrap()
        };
    let client = dps.device(Some(member("x5-member-1", &mid, &mid_cert.pem(), 30)));
    let (status, _, reply) = dps
        .register(
            &client,
            SCOPE,
            "x5-member-1",
            None,
            json!({ "registrationId": "x5-member-1" }),
        )
        .await;
    assert_eq!(status, 202, "{reply}");
    let (_, reply) = dps
        .poll(
            &client,
            "x5-member-1",
            reply["operationId"].as_str().unwrap(),
            None,
        )
        .await;
    conforms(&reply, "RegistrationOperationStatus");
    let x509 = &reply["registrationState"]["x509"];
    assert_eq!(x509["enrollmentGroupId"], "x509-line", "{reply}");
    assert_eq!(
        x509["signingCertificateInfo"]["subjectName"],
        "CN=group root"
    );
    // Without the intermediate, from another root, or expired: refused.
    let rogue = ca("rogue root");
    let cases = [
        (member("x5-member-2", &mid, "", 30), "does not lead"),
        (member("x5-member-2", &rogue, "", 30), "does not lead"),
        (
            member("x5-member-2", &mid, &mid_cert.pem(), -1),
            "not valid now",
        ),
    ];
    for (identity, says) in cases {
        let client = dps.device(Some(identity));
        let (status, _, reply) = dps
            .register(&client, SCOPE, "x5-member-2", None, json!({}))
            .await;
        refusal(status, &reply, 401, 401002, says);
    }
    // The service API reads the groups back, and an operator sees which devices registered.
    let (status, got) = service_call(
        &dps,
        reqwest::Method::GET,
        "/enrollmentGroups/sensors",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got["enrollmentGroupId"], "sensors");
    assert!(got["etag"].is_string());
    let (status, members) = service_call(
        &dps,
        reqwest::Method::POST,
        "/registrations/sensors/query",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["registrationId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["member-1", "member-2"]);
    let service_spec: Value =
        serde_json::from_str(include_str!("../../../../shared/dps-spec/service.json")).unwrap();
    let allowed = &service_spec["definitions"]["DeviceRegistrationState"]["properties"];
    for key in members[0].as_object().unwrap().keys() {
        assert!(
            !allowed[key].is_null(),
            "{key} is not a DeviceRegistrationState property"
        );
    }
    assert_eq!(members[0]["assignedHub"], "group-hub.azure-devices.net");
    let (status, one) =
        service_call(&dps, reqwest::Method::GET, "/registrations/member-1", None).await;
    assert_eq!(status, 200);
    assert_eq!(one, members[0]);
    // Delete: a stale ETag is 412, the right one 204, then it is gone.
    let (status, _) = service_call(
        &dps,
        reqwest::Method::DELETE,
        "/registrations/member-1",
        Some("\"nope\""),
    )
    .await;
    assert_eq!(status, 412);
    let etag = one["etag"].as_str().unwrap().to_owned();
    let (status, _) = service_call(
        &dps,
        reqwest::Method::DELETE,
        "/registrations/member-1",
        Some(&etag),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) =
        service_call(&dps, reqwest::Method::GET, "/registrations/member-1", None).await;
    assert_eq!(status, 404);
}

/// A service-API call with the owner policy's SAS: status and JSON body (Null when empty).
async fn service_call(
    dps: &Dps,
    method: reqwest::Method,
    path: &str,
    if_match: Option<&str>,
) -> (u16, Value) {
    let token = dps
        .server
        .connection_string()
        .token(now() + 60)
        .as_str()
        .to_owned();
    let ca = std::fs::read(dps.server.ca_file()).unwrap();
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    let mut req = client
        .request(method, dps.url(&format!("{path}?api-version=2021-10-01")))
        .header("Authorization", token)
        .json(&json!({}));
    if let Some(tag) = if_match {
        req = req.header("If-Match", tag);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
