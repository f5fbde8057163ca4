//! One role per station on the line database, as a line engineer sets it up
//! (`station line-db add-station` with the admin's configuration) and `station check
//! --security` reports it, against a real PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output};

use station_linedb::cluster::Cluster;

fn station(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_station"))
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A station `id` whose line login is `user` with the password in `password_file`, and
/// `admin` lines added to `[line_db]`.
fn write_config(
    dir: &Path,
    name: &str,
    cluster: &Cluster,
    user: &str,
    password_file: &str,
    admin: &str,
) -> String {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            r#"[station]
id = "st-r"
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
url = "host=127.0.0.1 port={port} user={user} dbname=postgres"
password = {{ file = "{password_file}" }}
insecure_plaintext = true
{admin}
"#,
            port = cluster.port()
        ),
    )
    .unwrap();
    path.display().to_string()
}

fn outcome(out: &Output, id: &str) -> String {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}{}", text(&out.stdout), text(&out.stderr)));
    v.as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("{id} missing: {v}"))
}

#[test]
fn a_line_engineer_gives_each_station_its_own_role_and_check_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(&dir.path().join("pg")).unwrap();
    std::fs::write(dir.path().join("admin.pw"), cluster.password()).unwrap();
    std::fs::set_permissions(
        dir.path().join("admin.pw"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let owner = cluster
        .url()
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix("user="))
        .unwrap()
        .to_owned();
    let admin_lines =
        format!("admin_user = \"{owner}\"\nadmin_password = {{ file = \"admin.pw\" }}");
    // The admin's own configuration logs in as the owner: check names that as a failure.
    let admin = write_config(
        dir.path(),
        "admin.toml",
        &cluster,
        &owner,
        "admin.pw",
        &admin_lines,
    );
    let out = station(&["check", "--security", "--json", "--config", &admin]);
    assert_eq!(outcome(&out, "security.line_db_roles"), "failed");

    // The line engineer makes the station's role; its password goes to a private file.
    let out = station(&[
        "line-db",
        "add-station",
        "st-r",
        "--config",
        &admin,
        "--password-file",
        dir.path().join("st-r.pw").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mode = std::fs::metadata(dir.path().join("st-r.pw"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // Never over an existing file: a role's only password would be lost.
    let again = station(&[
        "line-db",
        "add-station",
        "st-r",
        "--config",
        &admin,
        "--password-file",
        dir.path().join("st-r.pw").to_str().unwrap(),
    ]);
    assert!(!again.status.success());

    // The station with its own role: ok.
    let own = write_config(dir.path(), "station.toml", &cluster, "st-r", "st-r.pw", "");
    let out = station(&["check", "--security", "--json", "--config", &own]);
    assert_eq!(
        outcome(&out, "security.line_db_roles"),
        "ok",
        "{}",
        text(&out.stdout)
    );
    // Administration needs the admin role, which the station's configuration does not name.
    let out = station(&[
        "line-db",
        "add-station",
        "st-x",
        "--config",
        &own,
        "--password-file",
        dir.path().join("st-x.pw").to_str().unwrap(),
    ]);
    assert!(
        text(&out.stderr).contains("station::linedb::no_admin"),
        "{}",
        text(&out.stderr)
    );
}
