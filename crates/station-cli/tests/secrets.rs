//! Secrets at rest, as a supervisor and a careless copy would meet them: files that hold
//! secrets are private to the station's account, `station check` names any that are not (and
//! `--tighten` fixes them), and reports show device keys only to a supervisor, audited.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use station_store::Store;
use virtual_dut::{Fixture, FixtureSpec};

fn station(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_station"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("station runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// One symmetric-key slot with an individual enrollment, and a group-key product whose key
/// file is `group.key`.
fn write_config(dir: &Path) -> std::path::PathBuf {
    virtual_dut::test_secrets::write_uploader_identity(&dir.join("uploader.age")).unwrap();
    let path = dir.join("station.toml");
    std::fs::write(
        &path,
        r#"[station]
id = "secrets-test"
log_dir = "log"
operator = "tech-7"
[storage]
database = "data/station.db"
[secrets]
recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]
identity_file = "uploader.age"
[fixture]
name = "virtual"
ports_file = "fixture/ports.toml"
command_timeout_ms = 250
[[fixture.slot]]
index = 1
product = "p"
[[product]]
id = "p"
registration_id = { template = "sec-{serial}", lowercase = true }
dps = { id_scope = "0ne00C11001" }
attestation = { kind = "symmetric-key", enrollment = { type = "individual" } }
[[product]]
id = "g"
registration_id = { template = "grp-{serial}", lowercase = true }
dps = { id_scope = "0ne00C11001" }
attestation = { kind = "symmetric-key", enrollment = { type = "group", group_key = { file = "group.key" }, group_id = "grp" } }
"#,
    )
    .unwrap();
    path
}

#[test]
fn keys_in_reports_need_a_supervisor_and_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let _fixture = Fixture::start(&FixtureSpec::uniform(
        dir.path().join("fixture"),
        1,
        115_200,
    ))
    .unwrap();
    let config = write_config(dir.path());
    std::fs::write(
        dir.path().join("group.key"),
        "Z3JvdXAta2V5LWJ5dGVzLTMyLWxvbmc=",
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    let run = station(&["run", "--config", cfg], None);
    assert!(
        run.status.success(),
        "{}{}",
        text(&run.stdout),
        text(&run.stderr)
    );

    let db = dir.path().join("data/station.db");
    for file in Store::files(&db).iter().filter(|f| f.exists()) {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    let store = Store::open(&db).unwrap();
    let queued = store.enrollments(None).unwrap();
    let payload = virtual_dut::test_secrets::delivered_payload(
        &queued[0].payload_json,
        queued[0].sealed.as_ref().map(|s| s.ciphertext.as_slice()),
    );
    let key = payload["attestation"]["symmetricKey"]["primaryKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let unit = queued[0].unit_id.to_string();

    // By default the unit's JSON carries no key.
    let out = station(&["units", &unit, "--config", cfg, "--json"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(!shown.contains(&key), "a key in plain --json: {shown}");
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        v["enrollment"]["payload_json"]["attestation"]["symmetricKey"]["primaryKey"],
        "<redacted>"
    );

    // Asking for the keys needs an operator: a usage error says so.
    let out = station(
        &[
            "units",
            &unit,
            "--config",
            cfg,
            "--json",
            "--reveal-secrets",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--operator"),
        "{}",
        text(&out.stderr)
    );

    // The first operator is an admin, added by root (the tests run as root, as CI does); the
    // admin adds the others, its own PIN on the line after theirs.
    let add = |id: &str, role: &str, stdin: &str, admin: Option<&str>| {
        let mut args = vec![
            "operators",
            "--config",
            cfg,
            "add",
            id,
            "--name",
            id,
            "--role",
            role,
        ];
        if let Some(admin) = admin {
            args.extend(["--operator", admin]);
        }
        let out = station(&args, Some(stdin));
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    add("adm-1", "admin", "975310", None);
    add("sup-1", "supervisor", "471100\n975310\n", Some("adm-1"));
    add("tech-1", "technician", "1234\n975310\n", Some("adm-1"));

    // An operator's own language: set by an admin, only one the screens speak.
    let language = |args: &[&str]| {
        let mut all = vec!["operators", "--config", cfg, "set-language"];
        all.extend_from_slice(args);
        all.extend(["--operator", "adm-1"]);
        station(&all, Some("975310\n"))
    };
    let out = language(&["tech-1", "zh-CN"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A technician may not choose anyone's language, their own included.
    let out = station(
        &[
            "operators",
            "--config",
            cfg,
            "set-language",
            "tech-1",
            "es",
            "--operator",
            "tech-1",
        ],
        Some("1234\n"),
    );
    assert_eq!(out.status.code(), Some(7), "exit code `denied`");
    assert!(
        text(&out.stderr).contains("station::auth::not_allowed"),
        "{}",
        text(&out.stderr)
    );
    let out = language(&["tech-1", "klingon"]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(
        text(&out.stderr).contains("en, zh-CN, es"),
        "{}",
        text(&out.stderr)
    );
    let listed = station(&["operators", "--config", cfg, "list", "--json"], None);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let tech = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "tech-1")
        .unwrap();
    assert_eq!(tech["language"], "zh-CN", "{tech}");
    assert!(
        store
            .audit_rows(10)
            .unwrap()
            .iter()
            .any(|r| r.kind == "operator.language" && r.actor == "adm-1")
    );
    let reveal = |op: &str, pin: &str| {
        station(
            &[
                "units",
                &unit,
                "--config",
                cfg,
                "--json",
                "--reveal-secrets",
                "--operator",
                op,
            ],
            Some(pin),
        )
    };
    // A wrong PIN and a technician are refused, and see nothing.
    for (op, pin, code) in [
        ("sup-1", "000000", "station::login::failed"),
        ("tech-1", "1234", "station::auth::not_allowed"),
    ] {
        let out = reveal(op, pin);
        assert_eq!(out.status.code(), Some(7), "exit code `denied`");
        assert!(!text(&out.stdout).contains(&key));
        assert!(
            text(&out.stderr).contains(code),
            "{op}: {}",
            text(&out.stderr)
        );
    }
    let out = reveal("sup-1", "471100\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&key),
        "the supervisor sees the key"
    );
    let rows = store.audit_rows(10).unwrap();
    let revealed: Vec<_> = rows
        .iter()
        .filter(|r| r.kind == "secrets.revealed")
        .collect();
    assert_eq!(revealed.len(), 1, "one audit row, for the one reveal");
    assert_eq!(revealed[0].actor, "sup-1");
    assert_eq!(revealed[0].subject, format!("unit {unit}"));
}

#[test]
fn check_names_secret_files_others_can_read_and_tightens_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let cfg = config.to_str().unwrap();
    let group_key = dir.path().join("group.key");
    std::fs::write(&group_key, "Z3JvdXAta2V5LWJ5dGVzLTMyLWxvbmc=").unwrap();
    std::fs::set_permissions(&group_key, std::fs::Permissions::from_mode(0o644)).unwrap();

    let check = |extra: &[&str]| {
        let mut args = vec!["check", "--config", cfg, "--offline", "--json"];
        args.extend_from_slice(extra);
        let out = station(&args, None);
        let results: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out.stderr)));
        let private: Vec<serde_json::Value> = results
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["id"] == "files.private")
            .cloned()
            .collect();
        (out.status.code(), private)
    };
    let (code, found) = check(&[]);
    assert_ne!(code, Some(0), "an exposed key fails the check");
    let failed: Vec<_> = found.iter().filter(|r| r["outcome"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{found:?}");
    let detail = failed[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("group key") && detail.contains("0644"),
        "{detail}"
    );
    assert!(
        failed[0]["fix"].as_str().unwrap().contains("chmod 0600"),
        "{:?}",
        failed[0]
    );
    assert_eq!(mode(&group_key), 0o644, "a plain check changes nothing");

    let (_, found) = check(&["--tighten"]);
    assert!(found.iter().all(|r| r["outcome"] == "ok"), "{found:?}");
    assert!(
        found[0]["detail"].as_str().unwrap().contains("tightened"),
        "{found:?}"
    );
    assert_eq!(mode(&group_key), 0o600);
    let (_, found) = check(&[]);
    assert!(
        found.iter().all(|r| r["outcome"] == "ok"),
        "clean after tightening: {found:?}"
    );
}
