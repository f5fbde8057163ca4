//! The TPM challenge's key blob against a real TPM and tools we did not write: swtpm holds an
//! EK and an SRK; tpm2-tools (driven by `virtual_dut::tpm_stack`) recovers the credential with
//! the EK (`tpm2_activatecredential`), imports the duplicated key under the SRK with it
//! (`tpm2_import`), loads it, and computes an HMAC that must equal the one over the key
//! dps-local put in the blob.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use dps_device::TpmDevice as _;
use virtual_dut::tpm_stack::PoweredTpm;

/// A swtpm for `state` whose tools run in `work`, with a persistent EK and SRK; their public
/// areas.
fn tpm(state: &Path, work: &Path) -> (PoweredTpm, Vec<u8>, Vec<u8>) {
    std::fs::create_dir_all(state).unwrap();
    std::fs::create_dir_all(work).unwrap();
    let tpm = PoweredTpm::start(state, work.to_owned()).expect("swtpm must be installed");
    let (ek, srk) = tpm.keys().expect("tpm2-tools must be installed");
    (tpm, ek, srk)
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    use hmac::Mac as _;
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

#[test]
fn tpm2_tools_activate_the_credential_import_the_key_and_its_hmac_matches() {
    let dir = tempfile::tempdir().unwrap();
    let (mut device, ek, srk) = tpm(&dir.path().join("tpm"), &dir.path().join("work"));
    let hmac_key: [u8; 32] = rand::random();
    let blob = dps_local::tpm_authentication_key(&ek, &srk, &hmac_key).unwrap();
    let message = b"0ne00DEMO01/registrations/dev-1\n1900000000";
    assert_eq!(
        device.import_and_sign(&blob, message).unwrap(),
        hmac(&hmac_key, message),
        "the TPM holds dps-local's key"
    );

    // Another TPM (another EK) cannot recover the credential.
    let (mut other, _, _) = tpm(&dir.path().join("other"), &dir.path().join("other-work"));
    let refused = other.import_and_sign(&blob, message).unwrap_err();
    assert!(refused.contains("tpm2_activatecredential"), "{refused}");
}

/// A TPM device registers over HTTPS as DPS-NOTES §2.3 describes: EK and SRK without
/// Authorization → 401 with the key blob; the TPM imports it and signs the SAS; 202, then
/// assigned with a second blob (the hub key) the TPM imports too. A wrong EK is 400004.
#[test]
fn a_tpm_device_registers_through_the_challenge_with_its_own_tpm() {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as B64;
    use serde_json::{Value, json};
    let dir = tempfile::tempdir().unwrap();
    let (mut device, ek, srk) = tpm(&dir.path().join("tpm"), &dir.path().join("work"));
    let ek = B64.encode(ek);
    let srk = B64.encode(srk);
    let scope = "0ne00TPM001";
    let mut config = dps_local::Config::new(dir.path().join("dps"));
    config.device.id_scope = scope.into();
    config.device.retry_after_secs = 0;
    let server = dps_local::ServerThread::start(config).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let service = station_upload::client::DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();
    for (id, key) in [
        ("tpm-dev-1", ek.clone()),
        ("tpm-other", B64.encode([7u8; 300])),
    ] {
        let e: dps_wire::schema::IndividualEnrollment = serde_json::from_value(json!({
            "registrationId": id,
            "attestation": { "type": "tpm", "tpm": { "endorsementKey": key } },
        }))
        .unwrap();
        rt.block_on(service.create_or_update(&e, None)).unwrap();
    }
    let ca = std::fs::read(server.ca_file()).unwrap();
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    let base = format!("https://{}", server.host());
    let put = |id: &str, auth: Option<&str>| {
        let mut req = http
            .put(format!("{base}{}", dps_wire::device::register_path(scope, id, "2021-06-01")))
            .json(&json!({ "registrationId": id, "tpm": { "endorsementKey": ek, "storageRootKey": srk } }));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        rt.block_on(async {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        })
    };
    // The EK of another enrollment: DPS's 400004.
    let (status, body) = put("tpm-other", None);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errorCode"], 400004);

    let (status, challenge) = put("tpm-dev-1", None);
    assert_eq!(status, 401, "{challenge}");
    assert_eq!(challenge["keyName"], "registration");
    let blob = B64
        .decode(challenge["authenticationKey"].as_str().unwrap())
        .unwrap();
    let sr = dps_wire::sas::url_encode(&format!("{scope}/registrations/tpm-dev-1"));
    let se = "1900000000";
    let sig = device
        .import_and_sign(&blob, format!("{sr}\n{se}").as_bytes())
        .unwrap();
    let sas = format!(
        "SharedAccessSignature sr={sr}&sig={}&se={se}&skn=registration",
        dps_wire::sas::url_encode(&B64.encode(sig))
    );
    // A SAS signed with anything else is refused.
    let forged = sas.replace("&sig=", "&sig=AA");
    let (status, body) = put("tpm-dev-1", Some(&forged));
    assert_eq!(status, 401, "{body}");
    let (status, body) = put("tpm-dev-1", Some(&sas));
    assert_eq!(status, 202, "{body}");
    let op = body["operationId"].as_str().unwrap();
    let done: Value = rt.block_on(async {
        http.get(format!(
            "{base}{}",
            dps_wire::device::operation_path(scope, "tpm-dev-1", op, "2021-06-01")
        ))
        .header("Authorization", &sas)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
    });
    assert_eq!(done["status"], "assigned", "{done}");
    assert_eq!(done["registrationState"]["deviceId"], "tpm-dev-1");
    // The hub key: a second blob the same TPM imports.
    let hub_blob = B64
        .decode(
            done["registrationState"]["tpm"]["authenticationKey"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    assert_eq!(device.import_and_sign(&hub_blob, b"hub").unwrap().len(), 32);
    let log = std::fs::read_to_string(server.diagnostic_log()).unwrap();
    let outcomes: Vec<String> = log
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["outcome"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        outcomes,
        ["refused", "challenged", "refused", "assigned"],
        "{log}"
    );
    assert!(
        log.lines().all(|l| l.contains(r#""attestation":"tpm""#)),
        "{log}"
    );
}
