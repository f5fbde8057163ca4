//! A line of stations from the command line, against a real (throwaway) PostgreSQL: the demo's
//! three-station line, `station run` on a line, and `station line-db status` / `resolve`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use station_linedb::cluster::Cluster;
use station_linedb::{Identity, IdentityKind, LineDb};

fn station(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_station"))
        .args(args)
        .output()
        .expect("station runs")
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

/// `station demo --line 3`: three stations, each on its own fixture and store, against one
/// line database; every board passes and the line's view counts them per station and in all.
#[test]
fn the_demo_runs_a_line_of_three_stations_and_shows_its_yield() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config(dir.path(), "");
    let out = station(&["demo", "--config", config.to_str().unwrap(), "--line", "3"]);
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

/// `station run` on a line, then `station line-db status --json`: the station, its yield and
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
            "[line_db]\nurl = \"{}\"\npassword = {{ file = \"{}\" }}\n",
            cluster.url(),
            password.display()
        ),
    );
    let config = config.to_str().unwrap();
    let out = station(&["demo", "--config", config]);
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

    let out = station(&[
        "line-db",
        "resolve",
        "--config",
        config,
        &id,
        "--operator",
        "S200",
        "--note",
        "st-apart's board scrapped",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = station(&[
        "line-db",
        "resolve",
        "--config",
        config,
        &id,
        "--operator",
        "S200",
        "--note",
        "again",
    ]);
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
