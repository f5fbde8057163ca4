//! One role per station on a real PostgreSQL (issue 28, item 4): a station's role writes only
//! its own rows, its audit copy is append-only, it cannot raise a quota, resolve a conflict or
//! migrate, and it cannot log in as another station. Tried as a rogue station would, with the
//! station's own credentials and raw SQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use postgres::NoTls;
use station_errors::Coded as _;
use station_linedb::cluster::Cluster;
use station_linedb::{AuditCopy, Identity, IdentityKind, LineDb, LineDbError};

const ST1_PASSWORD: &str = "st1-password-0123456789";
const ST2_PASSWORD: &str = "st2-password-0123456789";

/// The URL of `cluster` logging in as `role`.
fn url_as(cluster: &Cluster, role: &str) -> String {
    format!(
        "host=127.0.0.1 port={} user={role} dbname=postgres",
        cluster.port()
    )
}

/// A raw client logged in as `role`: what a rogue station's own credentials allow.
fn raw(cluster: &Cluster, role: &str, password: &str) -> postgres::Client {
    let mut config: postgres::Config = url_as(cluster, role).parse().unwrap();
    config.password(password);
    config.connect(NoTls).unwrap()
}

fn copy(seq: i64) -> AuditCopy {
    AuditCopy {
        seq,
        at: "2026-12-05T00:00:00Z".into(),
        station_id: "st-1".into(),
        actor: "tech".into(),
        kind: "unit.pass".into(),
        subject: "SN1".into(),
        detail_json: "{}".into(),
        prev_hash: vec![0; 32],
        hash: vec![seq as u8; 32],
    }
}

#[test]
fn a_station_role_writes_only_its_own_rows_and_never_rewrites_the_audit_copy() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).unwrap();
    // The admin role (the tables' owner) migrates and makes the stations' roles.
    let mut admin = LineDb::connect(&cluster.url(), Some(cluster.password()), "admin").unwrap();
    admin.add_station_role("st-1", ST1_PASSWORD).unwrap();
    admin.add_station_role("st-2", ST2_PASSWORD).unwrap();
    assert!(matches!(
        admin.add_station_role("st'; DROP TABLE units; --", ST1_PASSWORD),
        Err(LineDbError::BadRoleName(_))
    ));
    assert!(
        !admin.role().unwrap().1,
        "the admin is not a station's role"
    );
    admin.open_work_order("WO-R", 100).unwrap();

    let mut st1 = LineDb::connect(&url_as(&cluster, "st-1"), Some(ST1_PASSWORD), "st-1").unwrap();
    let mut st2 = LineDb::connect(&url_as(&cluster, "st-2"), Some(ST2_PASSWORD), "st-2").unwrap();
    assert_eq!(st1.role().unwrap(), ("st-1".to_owned(), true));
    st1.reserve("u-1", &[Identity::new(IdentityKind::Serial, "SN1")])
        .unwrap();
    st1.copy_audit(&[copy(1), copy(2)]).unwrap();
    let lease = st1.lease("WO-R", 10).unwrap();

    // The station's own work goes through as before; st-2 still sees who holds SN1.
    let err = st2
        .reserve("u-9", &[Identity::new(IdentityKind::Serial, "SN1")])
        .unwrap_err();
    assert!(matches!(err, LineDbError::Held(_)), "{err}");

    // A role logging in as another station is refused at the door.
    let err = LineDb::connect(&url_as(&cluster, "st-2"), Some(ST2_PASSWORD), "st-1").unwrap_err();
    assert_eq!(err.code(), "station::linedb::wrong_role", "{err}");

    // Raw SQL with st-2's credentials against st-1's rows: nothing changes.
    let mut rogue = raw(&cluster, "st-2", ST2_PASSWORD);
    let touched = |c: &mut postgres::Client, sql: &str| c.execute(sql, &[]);
    assert_eq!(
        touched(
            &mut rogue,
            "UPDATE reservations SET station_id = 'st-2', unit_ref = 'u-9'"
        )
        .unwrap(),
        0,
        "st-2 cannot take over st-1's reservation"
    );
    assert_eq!(touched(&mut rogue, "DELETE FROM reservations").unwrap(), 0);
    assert_eq!(
        touched(&mut rogue, "UPDATE quota_leases SET used = granted").unwrap(),
        0
    );
    assert!(
        touched(&mut rogue, "UPDATE work_orders SET quota = 1000000").is_err(),
        "no station raises a quota"
    );
    assert!(touched(&mut rogue, "DELETE FROM audit_copies").is_err());
    assert!(touched(&mut rogue, "UPDATE audit_copies SET hash = prev_hash").is_err());
    assert!(
        rogue
            .execute(
                "INSERT INTO audit_copies (station_id, seq, at, row_station_id, actor, kind,
                     subject, detail_json, prev_hash, hash)
                 VALUES ('st-1', 3, 'x', 'st-1', 'x', 'x', 'x', '{}', '\\x00', '\\x00')",
                &[],
            )
            .is_err(),
        "st-2 cannot append to st-1's chain"
    );
    assert!(
        touched(&mut rogue, "UPDATE conflicts SET resolved_at = now()").is_err(),
        "resolving a conflict is the admin's"
    );
    assert!(
        touched(&mut rogue, "CREATE TABLE evil (x int)").is_err(),
        "no DDL"
    );
    // st-1 itself cannot rewrite its own copy either: the copy is append-only.
    let mut own = raw(&cluster, "st-1", ST1_PASSWORD);
    assert!(
        touched(
            &mut own,
            "DELETE FROM audit_copies WHERE station_id = 'st-1'"
        )
        .is_err()
    );
    assert!(touched(&mut own, "UPDATE audit_copies SET kind = 'x'").is_err());

    // What st-1 holds is intact.
    let holder = st2
        .holder(&Identity::new(IdentityKind::Serial, "SN1"))
        .unwrap()
        .unwrap();
    assert_eq!(
        (holder.station_id.as_str(), holder.unit_ref.as_str()),
        ("st-1", "u-1")
    );
    assert_eq!(
        st2.audit_copy("st-1", 0, 10).unwrap(),
        vec![copy(1), copy(2)]
    );
    st1.use_lease(lease.id, 3).unwrap();
    assert_eq!(admin.leased("WO-R").unwrap(), lease.granted);
}

#[test]
fn a_station_role_cannot_migrate_an_older_line() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).unwrap();
    let mut admin = LineDb::connect(&cluster.url(), Some(cluster.password()), "admin").unwrap();
    admin.add_station_role("st-1", ST1_PASSWORD).unwrap();
    // The line goes back to an older schema's history (as an older release left it).
    cluster
        .psql("DELETE FROM refinery_schema_history WHERE version = (SELECT MAX(version) FROM refinery_schema_history)")
        .unwrap();
    let err = LineDb::connect(&url_as(&cluster, "st-1"), Some(ST1_PASSWORD), "st-1").unwrap_err();
    assert_eq!(err.code(), "station::linedb::migrate", "{err}");
}
