//! The register check of a product, end to end: `station run` on a virtual fixture whose
//! boards have a network to dps-local (MQTT and HTTPS on loopback), with `station upload`
//! running beside it as it would on the line. A board passes only once its enrollment is in
//! DPS and it has registered from its own flash; a board DPS refuses fails for rework.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use dps_local::{Config, ServerThread};
use station_store::{RegisterCheck, Store, UnitFilter, UnitStatus};
use virtual_dut::field::FieldNetwork;
use virtual_dut::{Fixture, FixtureSpec};

const BAUD: u32 = 115_200;

/// Kills the uploader when the test ends, however it ends.
struct Uploader(Child);

impl Drop for Uploader {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn write_config(dir: &Path, server: &ServerThread, tpm_ca: &Path) -> PathBuf {
    virtual_dut::test_secrets::write_uploader_identity(&dir.join("uploader.age")).unwrap();
    let path = dir.join("station.toml");
    std::fs::write(
        &path,
        format!(
            r#"[station]
id = "register-check"
log_dir = "log"
operator = "tech-7"
[storage]
database = "station.db"
[secrets]
recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]
identity_file = "uploader.age"
[fixture]
name = "virtual"
ports_file = "fixture/ports.toml"
baud = {BAUD}
[[fixture.slot]]
index = 1
product = "sym"
[[fixture.slot]]
index = 2
product = "tpm"
[[fixture.slot]]
index = 3
product = "elsewhere"

[[product]]
id = "sym"
registration_id = {{ template = "rc-{{serial}}", lowercase = true }}
dps = {{ id_scope = "{scope}", global_endpoint = "localhost" }}
attestation = {{ kind = "symmetric-key", enrollment = {{ type = "individual" }} }}
register_check = {{ upload_wait_secs = 60 }}

[[product]]
id = "tpm"
registration_id = {{ template = "rc-tpm-{{serial}}", lowercase = true }}
dps = {{ id_scope = "{scope}", global_endpoint = "localhost" }}
register_check = {{}}
[product.attestation]
kind = "tpm"
enrollment = "individual"
registration_id = "ek-hash"
vendor_roots = ["{tpm_root}"]
vendor_intermediates = ["{tpm_issuer}"]

# Written with an ID scope this DPS does not serve: its boards cannot register.
[[product]]
id = "elsewhere"
registration_id = {{ template = "rc-x-{{serial}}", lowercase = true }}
dps = {{ id_scope = "0ne00FFFFFF", global_endpoint = "localhost" }}
attestation = {{ kind = "symmetric-key", enrollment = {{ type = "individual" }} }}
register_check = {{ upload_wait_secs = 60 }}

[upload]
connection_string = {{ file = "{cs}" }}
trust_anchor = "{ca}"
ops_per_minute = 60000
signing_key = "keys/export.key"
"#,
            scope = dps_local::DeviceSettings::default().id_scope,
            tpm_root = tpm_ca.join("swtpm-localca-rootca-cert.pem").display(),
            tpm_issuer = tpm_ca.join("issuercert.pem").display(),
            cs = server.connection_string_file().display(),
            ca = server.ca_file().display(),
        ),
    )
    .unwrap();
    path
}

#[test]
fn a_board_passes_once_it_has_registered_and_a_refused_one_fails_for_rework() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    config.mqtt_bind = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    let server = ServerThread::start(config).unwrap();
    let tpm_ca = dir.path().join("tpm-ca");
    virtual_dut::tpm::LocalCa::open(&tpm_ca)
        .unwrap()
        .ensure_created()
        .unwrap();
    let config = write_config(dir.path(), &server, &tpm_ca);
    // On a line: the line's copy of each unit follows its register check, and the uploader
    // draws from the line's DPS budget.
    let pg = tempfile::tempdir().unwrap();
    let cluster = station_linedb::cluster::Cluster::start(pg.path()).unwrap();
    std::fs::write(dir.path().join("line-db.password"), cluster.password()).unwrap();
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[line_db]\nurl = \"{}\"\npassword = {{ file = \"line-db.password\" }}\ninsecure_plaintext = true\n",
        cluster.url()
    ));
    std::fs::write(&config, text).unwrap();

    let mut network =
        FieldNetwork::from_roots_file(&server.ca_file(), server.mqtt_addr().unwrap().port())
            .unwrap();
    network.https_port = server.addr().port();
    let loaded = station_config::load(&config).unwrap();
    let spec: FixtureSpec =
        virtual_dut::station::spec_for(&loaded, &dir.path().join("fixture")).unwrap();
    let fixture = Fixture::start(&spec.with_network(network)).unwrap();

    // The line's uploader, started before the run as on a real line (on the station's
    // database, which the station makes at its first start).
    drop(Store::open(&dir.path().join("station.db")).unwrap());
    let _uploader = Uploader(
        Command::new(env!("CARGO_BIN_EXE_station"))
            .args(["upload", "--config", config.to_str().unwrap()])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_station"))
        .args(["run", "--config", config.to_str().unwrap()])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "slot 3 fails: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hub = dps_local::DEFAULT_HUB;
    for slot in [1, 2] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("[slot  {slot}] PASS"))
                    && l.contains(&format!("registered: hub {hub}"))),
            "slot {slot}: {stdout}"
        );
    }

    let store = Store::open(&dir.path().join("station.db")).unwrap();
    let units = store.units(&UnitFilter::default()).unwrap();
    for slot in 1..=3u16 {
        let unit = units.iter().find(|u| u.slot == slot).unwrap();
        let detail = store.unit(unit.id).unwrap().unwrap();
        let last = detail.steps.last().unwrap();
        assert_eq!(last.step, "register", "slot {slot}");
        let check = detail.register_check.expect("the check is recorded");
        let flash = virtual_dut::flash::FlashImage::load(
            &dir.path().join(format!("fixture/slot-{slot}/flash.json")),
        )
        .unwrap();
        let held = flash.decoded_settings();
        if slot < 3 {
            assert_eq!(unit.status, UnitStatus::Pass, "slot {slot}");
            assert!(last.ok);
            // The enrollment was in DPS before the board was asked.
            assert_eq!(
                detail.enrollment.unwrap().status,
                station_store::EnrollmentStatus::Uploaded
            );
            let RegisterCheck::Registered {
                assigned_hub,
                device_id,
            } = check.check
            else {
                panic!("slot {slot}: {:?}", check.check);
            };
            assert_eq!(assigned_hub, hub);
            assert_eq!(Some(&device_id), unit.registration_id.as_ref());
            // What the board keeps is what the station recorded.
            assert_eq!(held["field/hub"], hub.as_bytes(), "slot {slot}");
            assert_eq!(held["field/device_id"], device_id.as_bytes());
        } else {
            assert_eq!(unit.status, UnitStatus::Fail);
            assert_eq!(unit.failed_step.as_deref(), Some("register"));
            assert_eq!(
                unit.failure_code.as_deref(),
                Some("station::register::refused")
            );
            let message = unit.failure_message.clone().unwrap();
            println!("slot 3: {message}");
            assert!(message.contains("ID scope"), "DPS's reason: {message}");
            assert!(matches!(check.check, RegisterCheck::Refused(_)));
            assert!(!held.contains_key("field/hub"));
            assert!(
                stdout.contains("DPS refused the board's registration"),
                "{stdout}"
            );
        }
    }
    // The refused board took a credential that DPS already held: the line's uploader disables
    // its enrollment there (the revocation of a board refused at the register check).
    let refused = units.iter().find(|u| u.slot == 3).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let status = store
            .unit(refused.id)
            .unwrap()
            .unwrap()
            .enrollment
            .map(|e| e.status);
        if status == Some(station_store::EnrollmentStatus::Disabled) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the refused board's enrollment was not disabled: {status:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let client = station_upload::client::DpsClient::builder(server.connection_string())
        .with_trust_anchor_file(server.ca_file())
        .build()
        .unwrap();
    let held = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(client.enrollment(refused.registration_id.as_deref().unwrap()))
        .unwrap();
    assert_eq!(
        held.provisioning_status,
        Some(station_upload::schema::ProvisioningStatus::Disabled)
    );
    // The audit chain is whole, and holds the check's outcome for each unit.
    store.verify_audit().unwrap();
    let kinds: Vec<String> = store
        .audit_rows(1000)
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "unit.registered").count(), 2);
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "unit.register_refused")
            .count(),
        1
    );
    // dps-local saw two assignments and the refusal.
    let log = std::fs::read_to_string(server.diagnostic_log()).unwrap();
    let assigned = log
        .lines()
        .filter(|l| l.contains(r#""outcome":"assigned""#))
        .count();
    assert_eq!(assigned, 2, "{log}");
    // The line counts the refused board as a failure too.
    let status =
        station_linedb::LineDb::connect(&cluster.url(), Some(cluster.password()), "observer")
            .unwrap()
            .status()
            .unwrap();
    let ours = status
        .yields
        .iter()
        .find(|y| y.station_id == "register-check")
        .unwrap_or_else(|| panic!("{status:?}"));
    assert_eq!((ours.passed, ours.failed), (2, 1), "{status:?}");
    drop(fixture);
}
