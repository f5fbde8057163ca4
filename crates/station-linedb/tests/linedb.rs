//! The line database against a real PostgreSQL: a throwaway cluster (Debian's `postgresql`
//! server, `initdb` + `pg_ctl` in a temporary directory on a free port), several stations
//! connected at once, reserving and leasing concurrently.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Barrier};

use station_linedb::cluster::Cluster;
use station_linedb::{Identity, IdentityKind, LineDb, LineDbError};

fn station(cluster: &Cluster, id: &str) -> LineDb {
    LineDb::connect(&cluster.url(), Some(cluster.password()), id).unwrap()
}

fn identities(serial: &str) -> Vec<Identity> {
    vec![
        Identity::new(IdentityKind::Serial, serial),
        Identity::new(IdentityKind::RegistrationId, format!("Line-{serial}")),
    ]
}

#[test]
fn a_held_identity_refuses_another_station_naming_it_and_is_released_or_kept() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).unwrap();
    // A wrong password is refused at the door.
    let err = LineDb::connect(&cluster.url(), Some("wrong"), "st-x").unwrap_err();
    assert_eq!(err.code(), "station::linedb::unreachable", "{err}");

    let mut st1 = station(&cluster, "st-1");
    let mut st2 = station(&cluster, "st-2");
    st1.reserve("unit-1", &identities("SN1")).unwrap();
    // A retry by the same unit is fine.
    st1.reserve("unit-1", &identities("SN1")).unwrap();
    // The same board (or a cloned serial) on another station: refused, naming the station.
    let err = st2.reserve("unit-9", &identities("SN1")).unwrap_err();
    let LineDbError::Held(holder) = &err else {
        panic!("{err}")
    };
    assert_eq!(holder.station_id, "st-1");
    assert_eq!(holder.unit_ref, "unit-1");
    assert!(!holder.kept);
    assert!(err.to_string().contains("held by station st-1"), "{err}");
    // All or nothing: st-2's other identity was not left behind.
    let mixed = vec![
        Identity::new(IdentityKind::Serial, "SN2"),
        Identity::new(IdentityKind::RegistrationId, "line-sn1"),
    ];
    assert!(st2.reserve("unit-9", &mixed).is_err());
    assert_eq!(
        st1.holder(&Identity::new(IdentityKind::Serial, "SN2"))
            .unwrap(),
        None
    );
    // Registration IDs compare case-insensitively.
    assert!(
        st2.holder(&Identity::new(IdentityKind::RegistrationId, "LINE-SN1"))
            .unwrap()
            .is_some()
    );
    // Released (failed before the irreversible step): the other station may take it.
    assert_eq!(st1.release("unit-1").unwrap(), 2);
    st2.reserve("unit-9", &identities("SN1")).unwrap();
    // Kept (locked): release no longer frees it.
    assert_eq!(st2.keep("unit-9").unwrap(), 2);
    assert_eq!(st2.release("unit-9").unwrap(), 0);
    let err = st1.reserve("unit-2", &identities("SN1")).unwrap_err();
    assert!(err.to_string().contains("provisioned"), "{err}");
    // Reconnecting migrates nothing twice.
    drop(station(&cluster, "st-1"));
}

/// Eight stations race for the same 50 serials: each serial ends up held by exactly one.
#[test]
fn concurrent_stations_never_both_hold_a_serial() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Arc::new(Cluster::start(dir.path()).unwrap());
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|n| {
            let cluster = Arc::clone(&cluster);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut db = station(&cluster, &format!("st-{n}"));
                barrier.wait();
                (0..50)
                    .filter(|i| {
                        db.reserve(&format!("u-{n}-{i}"), &identities(&format!("SN{i}")))
                            .is_ok()
                    })
                    .count()
            })
        })
        .collect();
    let won: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(won, 50, "each serial won exactly once");
}

/// Four stations lease blocks of a 1,000-certificate order concurrently until it is
/// exhausted: the grants sum to exactly the quota; closing returns what was not used.
#[test]
fn quota_leases_never_exceed_the_order_and_unused_ones_return_on_close() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Arc::new(Cluster::start(dir.path()).unwrap());
    station(&cluster, "setup")
        .open_work_order("WO-1", 1_000)
        .unwrap();
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let cluster = Arc::clone(&cluster);
            std::thread::spawn(move || {
                let mut db = station(&cluster, &format!("st-{n}"));
                let mut granted = Vec::new();
                loop {
                    match db.lease("WO-1", 64) {
                        Ok(lease) => {
                            // Each station uses half of each lease.
                            db.use_lease(lease.id, lease.granted / 2).unwrap();
                            granted.push(lease.granted);
                        }
                        Err(LineDbError::QuotaExhausted { quota, .. }) => {
                            assert_eq!(quota, 1_000);
                            return granted;
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    let grants: Vec<i64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(grants.iter().sum::<i64>(), 1_000);
    // 15 full blocks of 64 and one of 40.
    assert_eq!(grants.len(), 16);
    let mut db = station(&cluster, "supervisor");
    assert_eq!(db.leased("WO-1").unwrap(), 1_000);
    let used: i64 = grants.iter().map(|g| g / 2).sum();
    assert_eq!(db.close_work_order("WO-1").unwrap(), 1_000 - used);
    assert_eq!(db.leased("WO-1").unwrap(), used);
    assert!(matches!(
        db.lease("WO-1", 1),
        Err(LineDbError::QuotaExhausted { .. })
    ));
    assert!(matches!(
        db.lease("WO-404", 1),
        Err(LineDbError::UnknownWorkOrder(_))
    ));
}
