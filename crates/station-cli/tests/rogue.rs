//! Rogue boards, end to end: `station run` on a virtual fixture, `station upload`, then each
//! board's own field boot against dps-local (MQTT on TLS, loopback). A board that takes a
//! credential (a group certificate, a group-derived key) and then fails its unit on purpose
//! must be refused by DPS in the field; its honest neighbour is assigned.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use dps_local::{Config, ServerThread};
use station_store::{EnrollmentStatus, Store, UnitFilter, UnitStatus};
use station_upload::schema::{
    AttestationMechanism, AttestationType, EnrollmentGroup, ProvisioningStatus, X509Attestation,
    X509CertificateWithInfo, X509Certificates,
};
use virtual_dut::Fault;
use virtual_dut::field::{FieldNetwork, FieldOutcome, register_board};
use virtual_dut::{Fixture, FixtureSpec};

const BAUD: u32 = 115_200;
const GROUP_KEY: &str = "c3RhdGlvbi1yb2d1ZS1zdWl0ZS1ncm91cC1rZXktMzI=";

fn station(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_station"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn write_config(dir: &Path, server: &ServerThread) -> PathBuf {
    let path = dir.join("station.toml");
    std::fs::write(dir.join("group.key"), format!("{GROUP_KEY}\n")).unwrap();
    std::fs::write(
        &path,
        format!(
            r#"[station]
id = "rogue"
log_dir = "log"
operator = "tech-7"
[storage]
database = "station.db"
[fixture]
name = "virtual"
ports_file = "fixture/ports.toml"
baud = {BAUD}
[[fixture.slot]]
index = 1
product = "xg"
[[fixture.slot]]
index = 2
product = "sg"
[[fixture.slot]]
index = 3
product = "xg"
[[fixture.slot]]
index = 4
product = "sg"

[[product]]
id = "xg"
registration_id = {{ template = "rg-x-{{serial}}", lowercase = true }}
dps = {{ id_scope = "{scope}", global_endpoint = "localhost" }}
[product.attestation]
kind = "x509"
enrollment = "group"
validity_days = 30
[product.attestation.ca]
backend = "file"
certificate = "ca/signing-ca.pem"
root = "ca/root-ca.pem"
key = "ca/signing-ca.key.pem"
passphrase = {{ file = "ca/passphrase" }}

[[product]]
id = "sg"
registration_id = {{ template = "rg-s-{{serial}}", lowercase = true }}
dps = {{ id_scope = "{scope}", global_endpoint = "localhost" }}
attestation = {{ kind = "symmetric-key", enrollment = {{ type = "group", group_id = "rogue-sensors", group_key = {{ file = "group.key" }} }} }}

[upload]
connection_string = {{ file = "{cs}" }}
trust_anchor = "{ca}"
ops_per_minute = 60000
signing_key = "keys/export.key"
"#,
            scope = dps_local::DeviceSettings::default().id_scope,
            cs = server.connection_string_file().display(),
            ca = server.ca_file().display(),
        ),
    )
    .unwrap();
    path
}

/// The device operator's X.509 enrollment group: the line's signing CA.
fn create_x509_group(server: &ServerThread, signing_ca: &Path) {
    let client = station_upload::client::DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();
    let group = EnrollmentGroup {
        enrollment_group_id: "rogue-gateways".into(),
        attestation: AttestationMechanism {
            kind: AttestationType::X509,
            tpm: None,
            x509: Some(X509Attestation {
                client_certificates: None,
                signing_certificates: Some(X509Certificates {
                    primary: X509CertificateWithInfo {
                        certificate: Some(std::fs::read_to_string(signing_ca).unwrap()),
                    },
                    secondary: None,
                }),
            }),
            symmetric_key: None,
        },
        capabilities: None,
        iot_hub_host_name: None,
        provisioning_status: Some(ProvisioningStatus::Enabled),
        allocation: Default::default(),
        etag: None,
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(client.create_or_update_group(&group, None))
        .unwrap();
}

/// dps-local with MQTT on loopback, the station's configuration, its signing CA and the
/// device operator's X.509 group.
fn start(dir: &Path) -> (ServerThread, PathBuf) {
    let mut config = Config::new(dir.join("dps"));
    config.mqtt_bind = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    let server = ServerThread::start(config).unwrap();
    let config = write_config(dir, &server);
    station_store::private_files::create_dir_all(&dir.join("ca")).unwrap();
    station_store::private_files::write_new(&dir.join("ca/passphrase"), b"rogue-suite-ca").unwrap();
    let out = station(
        dir,
        &[
            "ca",
            "init",
            "--days",
            "365",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    create_x509_group(&server, &dir.join("ca/signing-ca.pem"));
    (server, config)
}

/// The field network of `server` (MQTT on TLS and HTTPS, loopback).
fn field_network(server: &ServerThread) -> FieldNetwork {
    let mut network =
        FieldNetwork::from_roots_file(&server.ca_file(), server.mqtt_addr().unwrap().port())
            .unwrap();
    network.https_port = server.addr().port();
    network
}

#[test]
fn a_board_that_takes_a_group_credential_and_fails_is_refused_in_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let (server, config) = start(dir.path());

    let loaded = station_config::load(&config).unwrap();
    let mut spec: FixtureSpec =
        virtual_dut::station::spec_for(&loaded, &dir.path().join("fixture")).unwrap();
    for s in spec.slots.iter_mut().filter(|s| s.index <= 2) {
        s.faults.push(Fault::TakeAndRefuse);
    }
    let _fixture = Fixture::start(&spec).unwrap();

    let out = station(dir.path(), &["run", "--config", config.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let out = station(
        dir.path(),
        &["upload", "--once", "--config", config.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let store = Store::open(&dir.path().join("station.db")).unwrap();
    let units = store.units(&UnitFilter::default()).unwrap();
    let network = field_network(&server);
    for slot in 1..=4u16 {
        let unit = units.iter().find(|u| u.slot == slot).unwrap();
        let field =
            register_board(&dir.path().join(format!("fixture/slot-{slot}")), &network).unwrap();
        println!("slot {slot}: {:?} → field boot {field:?}", unit.status);
        if slot <= 2 {
            // The rogue: its unit failed at the write it refused, and DPS refuses the
            // credential it walked off with.
            assert_eq!(unit.status, UnitStatus::Fail, "slot {slot}");
            assert_eq!(unit.failed_step.as_deref(), Some("write-settings"));
            let detail = store.unit(unit.id).unwrap().unwrap();
            assert_eq!(
                detail.enrollment.map(|e| e.status),
                Some(EnrollmentStatus::Disabled),
                "slot {slot}"
            );
            // The X.509 board is refused as disabled; the symmetric-key board's disabled
            // enrollment carries fresh random keys (the station keeps none of the device's),
            // so DPS refuses its signature before it reads the status.
            assert!(
                matches!(&field, FieldOutcome::Refused(why)
                    if why.contains("disabled") || (slot == 2 && why.contains("401"))),
                "slot {slot}: {field:?}"
            );
        } else {
            assert_eq!(unit.status, UnitStatus::Pass, "slot {slot}");
            assert!(
                matches!(field, FieldOutcome::Assigned { .. }),
                "slot {slot}: {field:?}"
            );
        }
    }
    // The rogue's certificate is void and still counted; both revocations are audited.
    let certs = store.issued_certificates(None).unwrap();
    assert_eq!(certs.len(), 2);
    assert_eq!(certs.iter().filter(|c| c.status == "void").count(), 1);
    let kinds: Vec<String> = store
        .audit_rows(1000)
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "credential.revoked").count(),
        2
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "enrollment.disabled").count(),
        2
    );
    store.verify_audit().unwrap();

    // The device operator's copy: an export carries both revocations and the CRL, and an
    // import into the operator's own DPS leaves both registration IDs disabled there.
    let batch = dir.path().join("batch");
    let out = station(
        dir.path(),
        &[
            "export",
            "--config",
            config.to_str().unwrap(),
            "--out",
            batch.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verified = station_upload::export::verify_export(
        &batch,
        &std::fs::read(station_upload::export::cert_path_for(
            &dir.path().join("keys/export.key"),
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(verified.manifest.format, station_upload::export::FORMAT);
    assert_eq!(verified.manifest.revocations, 2);
    assert!(batch.join("crl-xg.pem").exists());
    let operator = ServerThread::start(Config::new(dir.path().join("operator-dps"))).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_station"))
        .arg("import")
        .arg(&batch)
        .arg("--trust")
        .arg(station_upload::export::cert_path_for(
            &dir.path().join("keys/export.key"),
        ))
        .arg("--connection-string-file")
        .arg(operator.connection_string_file())
        .arg("--dps-trust")
        .arg(operator.ca_file())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let client = station_upload::client::DpsClient::builder(operator.connection_string())
        .with_trust_anchor_file(operator.ca_file())
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for unit in units.iter().filter(|u| u.slot <= 2) {
        let id = unit.registration_id.clone().unwrap();
        let held = rt.block_on(client.enrollment(&id)).unwrap();
        assert_eq!(
            held.provisioning_status,
            Some(ProvisioningStatus::Disabled),
            "{id}"
        );
    }

    // The CRL the station wrote after the void lists the rogue's leaf: openssl checks the
    // CRL's signature and refuses that leaf, and still accepts the honest board's.
    let ca = dir.path().join("ca");
    let crl = ca.join("crl.pem");
    assert!(crl.exists(), "the station writes the CRL after a void");
    let out = station(
        dir.path(),
        &[
            "ca",
            "crl",
            "--out",
            "crl-by-hand.pem",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("lists 1 certificate(s)"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for crl in [crl, dir.path().join("crl-by-hand.pem")] {
        let out = Command::new("openssl")
            .args(["crl", "-noout", "-text", "-in"])
            .arg(&crl)
            .arg("-CAfile")
            .arg(ca.join("signing-ca.pem"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && err.contains("verify OK"),
            "{text}{err}"
        );
        assert!(text.contains("Cessation Of Operation"), "{text}");
        for (slot, revoked) in [(1, true), (3, false)] {
            let keystore = virtual_dut::keystore::Keystore::load(
                &dir.path()
                    .join(format!("fixture/slot-{slot}/keystore.json")),
            )
            .unwrap();
            let leaf = dir.path().join(format!("leaf-{slot}.pem"));
            std::fs::write(
                &leaf,
                station_identity::pki::pem_encode("CERTIFICATE", &keystore.chain(0).unwrap()[0]),
            )
            .unwrap();
            let out = Command::new("openssl")
                .args(["verify", "-crl_check", "-CAfile"])
                .arg(ca.join("root-ca.pem"))
                .arg("-untrusted")
                .arg(ca.join("signing-ca.pem"))
                .arg("-CRLfile")
                .arg(&crl)
                .arg(&leaf)
                .output()
                .unwrap();
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if revoked {
                assert!(
                    !out.status.success() && said.contains("certificate revoked"),
                    "{said}"
                );
            } else {
                assert!(out.status.success(), "slot {slot}: {said}");
            }
        }
    }
}

/// A group board that takes its derived key and never confirms the lock: the station cannot
/// tell a rogue from a good board whose answer was lost, so it keeps the unit's claim open and
/// the key stays valid (the board registers). When the supervisor declares the board gone
/// (`station claims --void`), its key is revoked: after the upload DPS refuses it in the field.
#[test]
fn a_group_board_that_never_confirms_its_lock_is_refused_once_its_claim_is_voided() {
    let dir = tempfile::tempdir().unwrap();
    let (server, config) = start(dir.path());
    let cfg = config.to_str().unwrap();
    let loaded = station_config::load(&config).unwrap();
    let mut spec: FixtureSpec =
        virtual_dut::station::spec_for(&loaded, &dir.path().join("fixture")).unwrap();
    let rogue = spec.slots.iter_mut().find(|s| s.index == 2).unwrap();
    rogue.faults.push(Fault::LockReplyLost);
    let _fixture = Fixture::start(&spec).unwrap();

    let out = station(dir.path(), &["run", "--slot", "2", "--config", cfg]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = station(dir.path(), &["claims", "--json", "--config", cfg]);
    let claims: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unit = claims[0]["unit_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("one open claim: {claims}"));
    // The upload creates the product's enrollment group in DPS (nothing else is queued yet).
    let out = station(dir.path(), &["upload", "--once", "--config", cfg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let board = dir.path().join("fixture/slot-2");
    let network = field_network(&server);
    // While the claim is open the key is live: the station does not revoke a board that may
    // be good and locked.
    let field = register_board(&board, &network).unwrap();
    assert!(matches!(field, FieldOutcome::Assigned { .. }), "{field:?}");

    // A supervisor (PIN checked) declares the board gone.
    Store::open(&dir.path().join("station.db"))
        .unwrap()
        .add_operator(
            "rogue",
            "root",
            &station_store::NewOperator {
                id: "sup-1".into(),
                name: "Supervisor".into(),
                role: station_store::Role::Supervisor,
                pin: "864213".into(),
            },
        )
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_station"))
        .args([
            "claims",
            "--void",
            &unit.to_string(),
            "--reason",
            "board missing from the line",
            "--operator",
            "sup-1",
            "--pin-env",
            "SUP_PIN",
            "--config",
            cfg,
        ])
        .env("SUP_PIN", "864213")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = station(dir.path(), &["upload", "--once", "--config", cfg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = Store::open(&dir.path().join("station.db")).unwrap();
    let detail = store.unit(station_store::UnitId(unit)).unwrap().unwrap();
    assert_eq!(detail.summary.status, UnitStatus::Fail);
    assert_eq!(
        detail.enrollment.map(|e| e.status),
        Some(EnrollmentStatus::Disabled)
    );
    // Its disabled enrollment carries fresh random keys, not the board's: refused at the
    // signature (401) rather than at the status.
    let field = register_board(&board, &network).unwrap();
    assert!(
        matches!(&field, FieldOutcome::Refused(why) if why.contains("disabled") || why.contains("401")),
        "{field:?}"
    );
}
