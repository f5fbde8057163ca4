//! Repeated hand-outs are an alarm, end to end through `station run`: a board that takes a
//! group-derived key, refuses the write that completes it and comes back under a new serial
//! each time (harvesting one credential per run) gets its slot blocked after three such
//! failures; the slot then starts nothing until a supervisor (PIN checked, role checked)
//! clears it with `station slots --clear`; both are audited.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use station_store::{Store, UnitFilter};
use virtual_dut::{Fault, Fixture, FixtureSpec};

const GROUP_KEY: &str = "c3RhdGlvbi1hbGFybS1zdWl0ZS1ncm91cC1rZXktMzI=";

fn station(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_station"))
        .args(args)
        .current_dir(dir)
        .env("PIN", "482913")
        .env("WRONG_PIN", "000000")
        .env("ADMIN_PIN", "482913")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn write_config(dir: &Path) -> PathBuf {
    let path = dir.join("station.toml");
    std::fs::write(dir.join("group.key"), format!("{GROUP_KEY}\n")).unwrap();
    std::fs::write(
        &path,
        r#"[station]
id = "alarm"
log_dir = "log"
operator = "tech-7"
[storage]
database = "station.db"
[fixture]
name = "virtual"
ports_file = "fixture/ports.toml"
[[fixture.slot]]
index = 1
product = "sg"
[[fixture.slot]]
index = 2
product = "sg"

[[product]]
id = "sg"
registration_id = { template = "al-{serial}", lowercase = true }
dps = { id_scope = "0ne00000A0A" }
attestation = { kind = "symmetric-key", enrollment = { type = "group", group_id = "alarm-sensors", group_key = { file = "group.key" } } }
"#,
    )
    .unwrap();
    path
}

#[test]
fn a_slot_harvested_three_times_is_blocked_until_a_supervisor_clears_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let cfg = config.to_str().unwrap();
    let loaded = station_config::load(&config).unwrap();
    let mut spec: FixtureSpec =
        virtual_dut::station::spec_for(&loaded, &dir.path().join("fixture")).unwrap();
    let rogue = spec.slots.iter_mut().find(|s| s.index == 1).unwrap();
    rogue
        .faults
        .extend([Fault::TakeAndRefuse, Fault::FreshSerial]);
    let _fixture = Fixture::start(&spec).unwrap();

    for attempt in 1..=3 {
        let out = station(dir.path(), &["run", "--slot", "1", "--config", cfg]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert_eq!(
            text(&out).contains("slot 1 is blocked"),
            attempt == 3,
            "attempt {attempt}: {}",
            text(&out)
        );
    }
    // Blocked: nothing is started in slot 1 (no new unit), slot 2 still runs.
    let before = Store::open(&dir.path().join("station.db"))
        .unwrap()
        .units(&UnitFilter::default())
        .unwrap()
        .len();
    let out = station(dir.path(), &["run", "--config", cfg]);
    let said = text(&out);
    assert!(said.contains("station::slot::blocked"), "{said}");
    assert!(
        said.contains("3 units failed after taking a credential"),
        "{said}"
    );
    let store = Store::open(&dir.path().join("station.db")).unwrap();
    let units = store.units(&UnitFilter::default()).unwrap();
    assert_eq!(units.len(), before + 1, "only slot 2 started a unit");
    assert!(
        units
            .iter()
            .all(|u| u.slot == 1 || u.status == station_store::UnitStatus::Pass)
    );

    let out = station(dir.path(), &["slots", "--json", "--config", cfg]);
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed[0]["slot"], 1, "{listed}");
    assert_eq!(listed[0]["failures_on_slot"], 3);
    assert!(listed[0].get("cleared").is_none());

    // A technician cannot clear it, a supervisor with the wrong PIN cannot, a supervisor can.
    // The station's first operator is an admin added by root (CI runs as root); the admin
    // adds the others (the PIN in $PIN, the admin's own in $ADMIN_PIN).
    for (id, role, admin) in [
        ("adm-1", "admin", None),
        ("tech-7", "technician", Some("adm-1")),
        ("sup-1", "supervisor", Some("adm-1")),
    ] {
        let mut args = vec![
            "operators",
            "add",
            id,
            "--name",
            id,
            "--role",
            role,
            "--pin-env",
            "PIN",
            "--config",
            cfg,
        ];
        if let Some(admin) = admin {
            args.extend(["--operator", admin, "--operator-pin-env", "ADMIN_PIN"]);
        }
        let out = station(dir.path(), &args);
        assert!(out.status.success(), "{}", text(&out));
    }
    let clear = |operator: &str, pin_env: &str| {
        station(
            dir.path(),
            &[
                "slots",
                "--clear",
                "1",
                "--reason",
                "pogo pins checked; boards quarantined",
                "--operator",
                operator,
                "--pin-env",
                pin_env,
                "--config",
                cfg,
            ],
        )
    };
    let out = clear("tech-7", "PIN");
    assert!(!out.status.success());
    assert!(
        text(&out).contains("clear a blocked slot"),
        "{}",
        text(&out)
    );
    let out = clear("sup-1", "WRONG_PIN");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(store.slot_block(1).unwrap().is_some(), "still blocked");
    let out = clear("sup-1", "PIN");
    assert!(out.status.success(), "{}", text(&out));
    assert!(store.slot_block(1).unwrap().is_none());

    // Cleared: the slot runs again (the rogue fails again, and counting starts afresh).
    let out = station(dir.path(), &["run", "--slot", "1", "--config", cfg]);
    let said = text(&out);
    assert!(!said.contains("is blocked"), "{said}");
    assert!(said.contains("write-settings"), "{said}");
    let kinds: Vec<String> = store
        .audit_rows(1000)
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "slot.blocked").count(), 1);
    assert_eq!(kinds.iter().filter(|k| *k == "slot.cleared").count(), 1);
    store.verify_audit().unwrap();
}
