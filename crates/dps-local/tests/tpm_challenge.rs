//! The TPM challenge's key blob against a real TPM and tools we did not write: swtpm holds an
//! EK and an SRK; tpm2-tools recovers the credential with the EK (`tpm2_activatecredential`),
//! imports the duplicated key under the SRK with it (`tpm2_import`), loads it, and computes an
//! HMAC that must equal the one over the key dps-local put in the blob.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Swtpm {
    child: Child,
    port: u16,
}

impl Swtpm {
    fn start(state: &Path) -> Swtpm {
        let port = loop {
            let a = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
            let p = a.local_addr().unwrap().port();
            if p < u16::MAX && TcpListener::bind((Ipv4Addr::LOCALHOST, p + 1)).is_ok() {
                break p;
            }
        };
        let child = Command::new("swtpm")
            .args(["socket", "--tpm2", "--tpmstate"])
            .arg(format!("dir={}", state.display()))
            .arg("--server")
            .arg(format!("type=tcp,port={port},bindaddr=127.0.0.1"))
            .arg("--ctrl")
            .arg(format!("type=tcp,port={},bindaddr=127.0.0.1", port + 1))
            .args(["--flags", "not-need-init,startup-clear"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("swtpm must be installed (Debian package swtpm)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(Instant::now() < deadline, "swtpm did not open port {port}");
            std::thread::sleep(Duration::from_millis(10));
        }
        Swtpm { child, port }
    }

    fn tool(&self, name: &str, args: &[&str], dir: &Path) -> Vec<u8> {
        let out = Command::new(name)
            .arg("--tcti")
            .arg(format!("swtpm:host=127.0.0.1,port={}", self.port))
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("{name} must be installed (tpm2-tools): {e}"));
        assert!(
            out.status.success(),
            "{name} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

impl Drop for Swtpm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An EK at 0x81010001 and an SRK at 0x81000001; their public areas in `ek.pub`, `srk.pub`.
fn persistent_keys(tpm: &Swtpm, d: &Path) {
    tpm.tool(
        "tpm2_createek",
        &["-c", "0x81010001", "-G", "rsa", "-u", "ek.pub"],
        d,
    );
    tpm.tool(
        "tpm2_createprimary",
        &["-C", "o", "-g", "sha256", "-G", "rsa", "-c", "srk.ctx"],
        d,
    );
    tpm.tool(
        "tpm2_evictcontrol",
        &["-C", "o", "-c", "srk.ctx", "0x81000001"],
        d,
    );
    tpm.tool("tpm2_readpublic", &["-c", "0x81000001", "-o", "srk.pub"], d);
    // Without a resource manager the tools leave transient objects loaded.
    tpm.tool("tpm2_flushcontext", &["-t"], d);
}

/// The marshalled `TPM2B` at the start of `bytes`, and the rest.
fn split_tpm2b(bytes: &[u8]) -> (&[u8], &[u8]) {
    let n = usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
    bytes.split_at(2 + n)
}

/// What the device's TPM does with a key blob: tpm2-tools recover the credential with the EK,
/// import the duplicated key under the SRK with it, load it, and HMAC `message` with it.
fn import_and_hmac(tpm: &Swtpm, d: &Path, blob: &[u8], message: &[u8]) -> Vec<u8> {
    let (id_object, rest) = split_tpm2b(blob);
    let (secret, rest) = split_tpm2b(rest);
    let (duplicate, rest) = split_tpm2b(rest);
    let (seed, rest) = split_tpm2b(rest);
    let (public, rest) = split_tpm2b(rest);
    assert!(rest.is_empty(), "five structures and nothing else");
    // tpm2-tools' credential file: magic, version, then the ID object and the secret.
    let mut cred = 0xBADC_C0DEu32.to_be_bytes().to_vec();
    cred.extend_from_slice(&1u32.to_be_bytes());
    cred.extend_from_slice(id_object);
    cred.extend_from_slice(secret);
    std::fs::write(d.join("cred.bin"), cred).unwrap();
    std::fs::write(d.join("dup.bin"), duplicate).unwrap();
    std::fs::write(d.join("seed.bin"), seed).unwrap();
    std::fs::write(d.join("obj.pub"), public).unwrap();
    tpm.tool(
        "tpm2_startauthsession",
        &["--policy-session", "-S", "session.ctx"],
        d,
    );
    tpm.tool("tpm2_policysecret", &["-S", "session.ctx", "-c", "e"], d);
    tpm.tool(
        "tpm2_activatecredential",
        &[
            "-c",
            "0x81000001",
            "-C",
            "0x81010001",
            "-i",
            "cred.bin",
            "-o",
            "inner.key",
            "-P",
            "session:session.ctx",
        ],
        d,
    );
    tpm.tool("tpm2_flushcontext", &["session.ctx"], d);
    tpm.tool(
        "tpm2_import",
        &[
            "-C",
            "0x81000001",
            "-u",
            "obj.pub",
            "-i",
            "dup.bin",
            "-s",
            "seed.bin",
            "-k",
            "inner.key",
            "-r",
            "obj.priv",
        ],
        d,
    );
    tpm.tool(
        "tpm2_load",
        &[
            "-C",
            "0x81000001",
            "-u",
            "obj.pub",
            "-r",
            "obj.priv",
            "-c",
            "obj.ctx",
        ],
        d,
    );
    std::fs::write(d.join("msg.bin"), message).unwrap();
    tpm.tool(
        "tpm2_hmac",
        &["-c", "obj.ctx", "-g", "sha256", "-o", "mac.bin", "msg.bin"],
        d,
    );
    tpm.tool("tpm2_flushcontext", &["-t"], d);
    std::fs::read(d.join("mac.bin")).unwrap()
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
    let state = dir.path().join("tpm");
    std::fs::create_dir_all(&state).unwrap();
    let tpm = Swtpm::start(&state);
    let d = dir.path();
    persistent_keys(&tpm, d);
    let ek = std::fs::read(d.join("ek.pub")).unwrap();
    let srk = std::fs::read(d.join("srk.pub")).unwrap();
    let hmac_key: [u8; 32] = rand::random();
    let blob = dps_local::tpm_authentication_key(&ek, &srk, &hmac_key).unwrap();
    let message = b"0ne00DEMO01/registrations/dev-1\n1900000000";
    assert_eq!(
        import_and_hmac(&tpm, d, &blob, message),
        hmac(&hmac_key, message),
        "the TPM holds dps-local's key"
    );

    // Another TPM (another EK) cannot recover the credential.
    let other_state = dir.path().join("other");
    std::fs::create_dir_all(&other_state).unwrap();
    let other = Swtpm::start(&other_state);
    let od = dir.path().join("o");
    std::fs::create_dir_all(&od).unwrap();
    persistent_keys(&other, &od);
    std::fs::copy(d.join("cred.bin"), od.join("cred.bin")).unwrap();
    other.tool(
        "tpm2_startauthsession",
        &["--policy-session", "-S", "session.ctx"],
        &od,
    );
    other.tool("tpm2_policysecret", &["-S", "session.ctx", "-c", "e"], &od);
    let refused = Command::new("tpm2_activatecredential")
        .arg("--tcti")
        .arg(format!("swtpm:host=127.0.0.1,port={}", other.port))
        .args([
            "-c",
            "0x81000001",
            "-C",
            "0x81010001",
            "-i",
            "cred.bin",
            "-o",
            "inner.key",
            "-P",
            "session:session.ctx",
        ])
        .current_dir(&od)
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "another TPM activated the credential"
    );
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
    let state = dir.path().join("tpm");
    std::fs::create_dir_all(&state).unwrap();
    let tpm = Swtpm::start(&state);
    let d = dir.path();
    persistent_keys(&tpm, d);
    let ek = B64.encode(std::fs::read(d.join("ek.pub")).unwrap());
    let srk = B64.encode(std::fs::read(d.join("srk.pub")).unwrap());
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
    let sig = import_and_hmac(&tpm, d, &blob, format!("{sr}\n{se}").as_bytes());
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
    assert_eq!(import_and_hmac(&tpm, d, &hub_blob, b"hub").len(), 32);
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
