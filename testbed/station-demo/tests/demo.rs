//! `station-demo` end to end: the six demo boards provisioned, uploaded to dps-local and
//! registered from their own flash; a line of three; and the line's views from `station`
//! (the product binary, built beside this one by a workspace build).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use station_linedb::cluster::Cluster;
use station_linedb::{Identity, IdentityKind, LineDb};

fn demo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_station-demo"))
        .args(args)
        .output()
        .expect("station-demo runs")
}

/// The product's `station`, which a workspace build (`cargo build`, `cargo nextest run`)
/// puts beside `station-demo`.
fn station(args: &[&str]) -> Output {
    let exe = Path::new(env!("CARGO_BIN_EXE_station-demo")).with_file_name("station");
    assert!(
        exe.exists(),
        "{} is missing: build it (cargo build -p station-cli), or run the workspace's tests",
        exe.display()
    );
    Command::new(exe).args(args).output().expect("station runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A copy of the demo configuration in `dir` (its var/ beside it).
fn demo_config(dir: &Path, extra: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("station-config")).unwrap();
    let config = dir.join("station-config/demo.toml");
    let base = std::fs::read_to_string(repo().join("station-config/demo.toml")).unwrap();
    std::fs::write(&config, format!("{base}\n{extra}")).unwrap();
    config
}

/// `station-demo` end to end: six boards provisioned and uploaded, then the field boot — every
/// board registers with dps-local from its own flash (symmetric-key and X.509 over MQTT, TPM
/// over HTTPS through the TPM challenge with its own swtpm), connects to the hub it was assigned
/// with the credential DPS's answer gave it (the TPM signs its hub SAS with the hub key DPS
/// delivered), reads its twin there and keeps the hub and twin in its flash.
#[test]
fn the_demo_boards_register_with_dps_local_from_their_own_flash() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config(dir.path(), "");
    let out = demo(&["--config", config.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("6 of 6 boards registered and connected to their hub"),
        "{stdout}"
    );
    let fixture = dir.path().join("var/demo/fixture");
    for slot in 1..=6 {
        let flash =
            virtual_dut::flash::FlashImage::load(&fixture.join(format!("slot-{slot}/flash.json")))
                .unwrap();
        let settings = flash.decoded_settings();
        let hub = String::from_utf8_lossy(&settings["field/hub"]).into_owned();
        let reg_id = String::from_utf8_lossy(&settings["dps/reg_id"]).into_owned();
        assert_eq!(
            settings["field/device_id"], settings["dps/reg_id"],
            "slot {slot}"
        );
        // The hub its product's policy says, and the desired properties its product's
        // initial twin (or the webhook's) gave it, as the board read them at its hub.
        let twin: serde_json::Value = serde_json::from_slice(&settings["field/twin"]).unwrap();
        let hubs = [
            dps_local::LinkedHub::new("demo-hub-1.azure-devices.net"),
            dps_local::LinkedHub::new("demo-hub-2.azure-devices.net"),
        ];
        let desired = &twin["desired"];
        if slot <= 4 {
            assert_eq!(
                Some(&hub),
                dps_local::hashed_hub(&reg_id, &hubs).as_ref(),
                "slot {slot}"
            );
            let interval = if slot <= 2 { 60 } else { 30 };
            assert_eq!(
                desired["telemetry_interval_s"], interval,
                "slot {slot}: {twin}"
            );
        } else {
            // The demo's webhook puts devices without a region on the last hub it is given.
            assert_eq!(hub, "demo-hub-2.azure-devices.net", "slot {slot}");
            assert_eq!(desired["hub"], hub.as_str(), "slot {slot}: {twin}");
        }
        assert!(
            stdout.contains(&format!(
                "hub {hub}, device ID {reg_id}; connected to its hub"
            )),
            "slot {slot}: {stdout}"
        );
    }
    let log =
        std::fs::read_to_string(dir.path().join("var/demo/dps-local/registrations.jsonl")).unwrap();
    let assigned: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|l: &serde_json::Value| l["outcome"] == "assigned")
        .collect();
    assert_eq!(assigned.len(), 6, "{log}");
    let by_protocol = |p: &str| assigned.iter().filter(|l| l["protocol"] == p).count();
    assert_eq!((by_protocol("mqtt"), by_protocol("https")), (4, 2), "{log}");
    let challenged = log
        .lines()
        .filter(|l| l.contains(r#""outcome":"challenged""#))
        .count();
    assert_eq!(challenged, 2, "each TPM board was challenged once: {log}");
}

/// `station-demo --line 3`: three stations, each on its own fixture and store, against one
/// line database; every board passes and the line's view counts them per station and in all.
#[test]
fn the_demo_runs_a_line_of_three_stations_and_shows_its_yield() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config(dir.path(), "");
    let out = demo(&["--config", config.to_str().unwrap(), "--line", "3"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("TLS only"), "{stdout}");
    for n in 1..=3 {
        let row = stdout
            .lines()
            .find(|l| {
                l.trim_start().starts_with(&format!("demo-station-{n} ")) && l.contains("WO-DEMO")
            })
            .unwrap_or_else(|| panic!("no yield row for station {n}: {stdout}"));
        assert!(row.contains("100.0 %"), "{row}");
        // Each station's own store holds its six units.
        let store = station_store::Store::open(
            &dir.path()
                .join(format!("var/demo/line/station-{n}/station.db")),
        )
        .unwrap();
        assert_eq!(
            store
                .units(&station_store::UnitFilter::default())
                .unwrap()
                .len(),
            6
        );
    }
    let whole = stdout.lines().find(|l| l.contains("whole line")).unwrap();
    assert_eq!(
        whole.split_whitespace().collect::<Vec<_>>()[2..5],
        ["18", "0", "100.0"],
        "{whole}"
    );
    assert!(stdout.contains("no open conflicts"), "{stdout}");
    // The demo's server is stopped: nothing listens on its port any more.
    assert!(
        !dir.path()
            .join("var/demo/line/line-db/data/postmaster.pid")
            .exists()
    );
}

/// The demo on a line, then `station line-db status --json`: the station, its yield and
/// its work order's leases are on the line; a conflict shows until a supervisor resolves it
/// (audited on the station).
#[test]
fn line_db_status_shows_the_line_and_resolve_closes_a_conflict() {
    let pg = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(pg.path()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("line-db.password");
    std::fs::write(&password, cluster.password()).unwrap();
    let config = demo_config(
        dir.path(),
        &format!(
            "[line_db]\nurl = \"{}\"\npassword = {{ file = \"{}\" }}\ninsecure_plaintext = true\n",
            cluster.url(),
            password.display()
        ),
    );
    let config = config.to_str().unwrap();
    let out = demo(&["--config", config]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    // Another station replays a board it provisioned apart with one of this line's serials.
    let db = station_store::Store::open(&dir.path().join("var/demo/station.db")).unwrap();
    let serial = db.units(&station_store::UnitFilter::default()).unwrap()[0]
        .serial
        .clone()
        .unwrap();
    let mut other = LineDb::connect(&cluster.url(), Some(cluster.password()), "st-apart").unwrap();
    let conflicts = other
        .replay_reservation(
            "u-9",
            &[Identity::new(IdentityKind::Serial, serial.clone())],
            chrono::Utc::now(),
        )
        .unwrap();
    assert_eq!(conflicts.len(), 1);

    let out = station(&["line-db", "status", "--config", config, "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ours = status["yield"]
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["station"] == "demo-station")
        .unwrap_or_else(|| panic!("{status}"));
    assert_eq!(
        (ours["passed"].as_i64(), ours["failed"].as_i64()),
        (Some(6), Some(0))
    );
    let wo = &status["work_orders"][0];
    assert_eq!(wo["id"], "WO-DEMO");
    assert_eq!(wo["used"], 2, "the two X.509 boards, from a lease: {wo}");
    assert!(wo["leased"].as_i64().unwrap() >= 2);
    // The station's audit chain is on the line, whole, and verifies from the copy alone.
    let audit = &status["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "demo-station")
        .unwrap()["audit"];
    assert_eq!(audit["ok"], true, "{audit}");
    assert_eq!(
        audit["rows"].as_u64(),
        Some(db.verify_audit().unwrap().rows),
        "every row copied"
    );
    let copied = cluster
        .psql("SELECT count(*) FROM audit_copies WHERE station_id = 'demo-station'")
        .unwrap();
    assert_eq!(
        copied.trim().parse::<u64>().unwrap(),
        audit["rows"].as_u64().unwrap()
    );
    // Tampered with on the server: the line's copy says where and how.
    cluster
        .psql("UPDATE audit_copies SET detail_json = '{}' WHERE station_id = 'demo-station' AND seq = 3")
        .unwrap();
    let tampered: serde_json::Value = serde_json::from_slice(
        &station(&["line-db", "status", "--config", config, "--json"]).stdout,
    )
    .unwrap();
    let audit = &tampered["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "demo-station")
        .unwrap()["audit"];
    assert_eq!(
        (audit["ok"].as_bool(), audit["broken_at"].as_i64()),
        (Some(false), Some(3)),
        "{audit}"
    );
    assert!(
        audit["reason"].as_str().unwrap().contains("content"),
        "{audit}"
    );
    let conflict = &status["conflicts"][0];
    assert_eq!(conflict["value"], serial);
    assert_eq!(conflict["holder_station"], "demo-station");
    assert_eq!(conflict["station"], "st-apart");
    let id = conflict["id"].as_i64().unwrap().to_string();

    // The supervisor is one of this station's operators, PIN checked.
    db.add_operator(
        "demo-station",
        "root",
        &station_store::NewOperator {
            id: "S200".into(),
            name: "Supervisor".into(),
            role: station_store::Role::Supervisor,
            pin: "246813".into(),
        },
    )
    .unwrap();
    let resolve = |note: &str| {
        let exe = Path::new(env!("CARGO_BIN_EXE_station-demo")).with_file_name("station");
        Command::new(exe)
            .args(["line-db", "resolve", "--config", config, &id])
            .args(["--operator", "S200", "--pin-env", "SUP_PIN", "--note", note])
            .env("SUP_PIN", "246813")
            .output()
            .expect("station runs")
    };
    let out = resolve("st-apart's board scrapped");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = resolve("again");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no open conflict"),
        "{}",
        text(&out.stderr)
    );
    let status: serde_json::Value = serde_json::from_slice(
        &station(&["line-db", "status", "--config", config, "--json"]).stdout,
    )
    .unwrap();
    assert_eq!(status["conflicts"], serde_json::json!([]));
    let audit = db.audit_rows(1_000).unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.kind == "line.conflict_resolved" && r.actor == "S200")
    );
}

/// `station-demo --help` prints its usage and starts nothing (no var/ directory appears).
#[test]
fn help_prints_the_usage_and_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_station-demo"))
        .arg("--help")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    for option in [
        "Usage: station-demo",
        "--setup-only",
        "--line <N>",
        "--config",
    ] {
        assert!(stdout.contains(option), "{stdout}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// On a machine without the programs the virtual boards run, the demo stops before it starts
/// anything and names the Debian packages (a newcomer's demo once provisioned six boards, then
/// failed the TPM boards' field boot on a missing tpm2-tools).
#[test]
fn a_machine_without_the_boards_programs_is_told_which_packages_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let empty_path = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_station-demo"))
        .current_dir(dir.path())
        .env("PATH", empty_path.path())
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("station::demo::programs"), "{stderr}");
    assert!(
        stderr.contains("apt-get install swtpm swtpm-tools tpm2-tools"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing was started"
    );
}
