//! The audit chain anchored outside the station: `station audit verify` prints the head as
//! SEQ:HASH; given back with `--expect-head`, it catches what the chain alone cannot — rows
//! removed from its end, and an end rewritten and chained again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use station_store::{AuditEntry, Store};

fn verify(db: &Path, expect: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_station"));
    cmd.args(["audit", "verify", "--json", "--db"]).arg(db);
    if let Some(head) = expect {
        cmd.args(["--expect-head", head]);
    }
    cmd.output().unwrap()
}

fn append(store: &Store, kind: &str) {
    store
        .audit_append(&AuditEntry {
            station_id: "st-anchor".into(),
            actor: "tech-1".into(),
            kind: kind.into(),
            subject: "SN-1".into(),
            detail: serde_json::json!({ "n": kind }),
        })
        .unwrap();
}

#[test]
fn an_anchored_head_catches_a_truncated_or_rewritten_chain() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let store = Store::open(&db).unwrap();
    for i in 0..5 {
        append(&store, &format!("test.row{i}"));
    }
    let out = verify(&db, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let anchor = v["anchor"].as_str().unwrap().to_owned();
    assert!(anchor.starts_with("5:"), "{anchor}");
    assert!(verify(&db, Some(&anchor)).status.success());
    // A later row does not disturb an older anchor.
    append(&store, "test.row5");
    let out = verify(&db, Some(&anchor));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(store);

    // Someone with the file drops the trigger and removes the last two rows: the chain still
    // verifies on its own, the anchor does not.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq >= 5;")
        .unwrap();
    drop(conn);
    assert!(
        verify(&db, None).status.success(),
        "the chain alone cannot tell"
    );
    let out = verify(&db, Some(&anchor));
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("station::audit::head_mismatch"), "{err}");
    assert!(err.contains("truncated"), "{err}");

    // ...and writes another row 5 in its place, chained as the station would.
    let store = Store::open(&db).unwrap();
    append(&store, "test.forged");
    drop(store);
    assert!(verify(&db, None).status.success());
    let out = verify(&db, Some(&anchor));
    assert_eq!(out.status.code(), Some(6));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("rewritten"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A malformed head is a usage error.
    assert_eq!(verify(&db, Some("five:abc")).status.code(), Some(2));
}

/// The line database's append-only copy is the anchor a station cannot rewrite: its own role
/// may only append to it, so `--against-line` catches the same two attacks without anyone
/// keeping a head by hand.
#[test]
fn the_line_copy_catches_a_truncated_or_rewritten_chain() {
    use station_linedb::LineDb;
    use station_linedb::cluster::Cluster;
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(&dir.path().join("pg")).unwrap();
    let mut admin = LineDb::connect(&cluster.url(), Some(cluster.password()), "admin").unwrap();
    let password = "st-anchor-password-0123456789";
    admin.add_station_role("st-anchor", password).unwrap();
    std::fs::write(dir.path().join("line.pw"), password).unwrap();
    let config = dir.path().join("station.toml");
    std::fs::write(
        &config,
        format!(
            r#"[station]
id = "st-anchor"
log_dir = "log"
[storage]
database = "station.db"
[fixture]
name = "v"
ports_file = "ports.toml"
[[fixture.slot]]
index = 1
product = "x"
[[product]]
id = "x"
registration_id = {{ template = "x-{{serial}}" }}
dps = {{ id_scope = "0ne00000001" }}
attestation = {{ kind = "symmetric-key", enrollment = {{ type = "group", group_id = "g", group_key = {{ env = "NOT_USED" }} }} }}
[line_db]
url = "host=127.0.0.1 port={} user=st-anchor dbname=postgres"
password = {{ file = "line.pw" }}
insecure_plaintext = true
"#,
            cluster.port()
        ),
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_station"))
            .args(args)
            .output()
            .unwrap()
    };
    let db = dir.path().join("station.db");
    let store = Store::open(&db).unwrap();
    for i in 0..5 {
        append(&store, &format!("test.row{i}"));
    }
    drop(store);
    // The station's own sync copies its chain to the line (as its role: INSERT only).
    let status = run(&["line-db", "status", "--config", cfg]);
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let against = || {
        run(&[
            "audit",
            "verify",
            "--config",
            cfg,
            "--against-line",
            "--json",
        ])
    };
    let out = against();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matched_line_rows"], 5);

    // Truncated: the last two rows removed behind the station's back.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq >= 4;")
        .unwrap();
    drop(conn);
    let out = against();
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("truncated"), "{err}");

    // Rewritten: rows 4 and 5 forged and chained as the station would.
    let store = Store::open(&db).unwrap();
    append(&store, "test.forged4");
    append(&store, "test.forged5");
    drop(store);
    let out = against();
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 4 differs"), "{err}");
    // And the station's role cannot make the line's copy agree with the forgery.
    let rewrite = run(&["line-db", "status", "--config", cfg]);
    assert!(rewrite.status.success());
    assert_eq!(against().status.code(), Some(6), "the copy is append-only");
}
