//! The line database against a real PostgreSQL: a throwaway cluster (Debian's `postgresql`
//! server, `initdb` + `pg_ctl` in a temporary directory on a free port), several stations
//! connected at once, reserving and leasing concurrently.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use station_errors::Coded as _;
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

/// A station stopped mid-lock leaves its unit's claim open on the line: another station that
/// meets the board is told where the claim is (only that station can complete it), the line's
/// status lists it, and it closes when the unit finishes.
#[test]
fn an_open_claim_names_its_station_to_any_other_until_the_unit_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).unwrap();
    let mut st1 = station(&cluster, "st-1");
    let mut st2 = station(&cluster, "st-2");
    st1.reserve("unit-1", &identities("SN7")).unwrap();
    let before = st2.reserve("unit-2", &identities("SN7")).unwrap_err();
    assert!(
        before.to_string().ends_with("being provisioned"),
        "{before}"
    );
    st1.claim("unit-1").unwrap();
    st1.claim("unit-1").unwrap();
    let err = st2.reserve("unit-2", &identities("SN7")).unwrap_err();
    let LineDbError::Held(holder) = &err else {
        panic!("{err}")
    };
    assert!(holder.claimed_at.is_some());
    assert!(
        err.to_string().contains("claimed at") && err.to_string().contains("take the board back"),
        "{err}"
    );
    let claims = st2.status().unwrap().claims;
    assert_eq!(claims.len(), 1, "{claims:?}");
    assert_eq!(
        (claims[0].station_id.as_str(), claims[0].unit_ref.as_str()),
        ("st-1", "unit-1")
    );
    assert_eq!(claims[0].serial.as_deref(), Some("SN7"));
    st1.keep("unit-1").unwrap();
    assert!(st2.status().unwrap().claims.is_empty());
    let err = st2.reserve("unit-2", &identities("SN7")).unwrap_err();
    assert!(err.to_string().ends_with("provisioned"), "{err}");
}

/// A station that was apart when its order closed reports certificates it issued from a lease
/// the close had returned: they are taken back from the return (the order's count stays
/// true), and the station learns what it may still issue. A lease the line granted that the
/// station never used is offered back to it (a station killed before keeping it).
#[test]
fn use_reported_after_a_close_is_taken_back_from_the_return() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).unwrap();
    let mut st = station(&cluster, "st-1");
    st.open_work_order("WO-2", 100).unwrap();
    let a = st.lease("WO-2", 10).unwrap();
    let b = st.lease("WO-2", 10).unwrap();
    st.use_lease(a.id, 4).unwrap();
    let unused: Vec<i64> = st
        .unused_leases()
        .unwrap()
        .iter()
        .map(|(l, _)| l.id)
        .collect();
    assert_eq!(unused, [b.id], "only the lease with no use on it");
    let mut supervisor = station(&cluster, "supervisor");
    assert_eq!(supervisor.close_work_order("WO-2").unwrap(), 6 + 10);
    assert_eq!(supervisor.leased("WO-2").unwrap(), 4);
    assert!(
        st.unused_leases().unwrap().is_empty(),
        "a closed order offers none"
    );
    assert_eq!(st.returned_leases().unwrap(), [(a.id, 4), (b.id, 0)]);
    // Issued apart after the close: 7 of lease a in all.
    st.use_lease(a.id, 7).unwrap();
    assert_eq!(supervisor.leased("WO-2").unwrap(), 7);
    assert_eq!(st.returned_leases().unwrap(), [(a.id, 7), (b.id, 0)]);
    // A replay of an older count changes nothing; more than granted is never counted.
    st.use_lease(a.id, 5).unwrap();
    st.use_lease(a.id, 50).unwrap();
    assert_eq!(supervisor.leased("WO-2").unwrap(), 10);
    assert_eq!(st.returned_leases().unwrap(), [(b.id, 0)]);
}

/// The server crashes and comes back: calls answer "unreachable" at once while it is down
/// (no waiting per unit), the connection is re-opened by itself, and nothing committed is lost.
#[test]
fn a_station_rides_out_a_server_crash_and_reconnects_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).unwrap();
    let mut st1 = station(&cluster, "st-1").with_retry_after(std::time::Duration::from_millis(300));
    st1.reserve("unit-1", &identities("SN1")).unwrap();
    st1.keep("unit-1").unwrap();
    cluster.stop().unwrap();
    let err = st1.reserve("unit-2", &identities("SN2")).unwrap_err();
    assert!(err.is_unreachable(), "{err}");
    assert_eq!(err.code(), "station::linedb::unreachable");
    assert!(!st1.is_connected());
    // Within the retry time: refused at once, without a connection attempt.
    let t = std::time::Instant::now();
    let err = st1.reserve("unit-2", &identities("SN2")).unwrap_err();
    assert!(matches!(err, LineDbError::Offline), "{err}");
    assert!(t.elapsed() < std::time::Duration::from_millis(100));
    cluster.resume().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(350));
    st1.reserve("unit-2", &identities("SN2")).unwrap();
    assert!(st1.is_connected());
    let holder = st1
        .holder(&Identity::new(IdentityKind::Serial, "SN1"))
        .unwrap()
        .unwrap();
    assert!(holder.kept, "committed before the crash, still there");
}

/// Two stations provision the same serial while one is apart: the replay reserves what is
/// free, records the taken one as a conflict (once, however often replayed) naming both
/// stations, and leaves the holder's reservation alone until a supervisor resolves it.
#[test]
fn a_replay_surfaces_what_another_station_took_meanwhile_and_merges_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).unwrap();
    let mut st1 = station(&cluster, "st-1");
    let mut st2 = station(&cluster, "st-2");
    st1.reserve("unit-1", &identities("SN1")).unwrap();
    st1.keep("unit-1").unwrap();
    // st-2 was apart when it provisioned SN1 (a clone) under its own registration ID.
    let done_at = chrono::Utc::now() - chrono::Duration::minutes(3);
    let offline = vec![
        Identity::new(IdentityKind::Serial, "SN1"),
        Identity::new(IdentityKind::RegistrationId, "st2-only"),
    ];
    for _ in 0..2 {
        let conflicts = st2.replay_reservation("unit-7", &offline, done_at).unwrap();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        let c = &conflicts[0];
        assert_eq!(c.identity, Identity::new(IdentityKind::Serial, "SN1"));
        assert_eq!(
            (c.holder_station.as_str(), c.holder_unit.as_str()),
            ("st-1", "unit-1")
        );
        assert_eq!(
            (c.station_id.as_str(), c.unit_ref.as_str()),
            ("st-2", "unit-7")
        );
    }
    // What was free is now st-2's; what was taken stays st-1's.
    assert_eq!(
        st1.holder(&Identity::new(IdentityKind::RegistrationId, "st2-only"))
            .unwrap()
            .unwrap()
            .station_id,
        "st-2"
    );
    assert_eq!(
        st2.holder(&Identity::new(IdentityKind::Serial, "SN1"))
            .unwrap()
            .unwrap()
            .station_id,
        "st-1"
    );
    // Both stations see it, once, until it is resolved.
    for db in [&mut st1, &mut st2] {
        let status = db.status().unwrap();
        assert_eq!(status.conflicts.len(), 1);
        assert!(status.conflicts[0].holder_kept);
    }
    let id = st1.status().unwrap().conflicts[0].id;
    assert!(
        st1.resolve_conflict(id, "sup-1", "st-2's board scrapped")
            .unwrap()
    );
    assert!(!st1.resolve_conflict(id, "sup-1", "again").unwrap());
    assert!(st2.status().unwrap().conflicts.is_empty());
}

/// A server left at schema version 1 by the previous release is brought to the newest
/// version by the first station that connects, keeping its rows; an empty one too.
#[test]
fn migrations_run_from_an_empty_server_and_from_the_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).unwrap();
    LineDb::migrate_only_to(&cluster.url(), Some(cluster.password()), 1).unwrap();
    {
        // What the previous release wrote, by hand (its client is gone).
        let mut config: postgres::Config = cluster.url().parse().unwrap();
        config.password(cluster.password());
        let mut c = config.connect(postgres::NoTls).unwrap();
        c.batch_execute(
            "INSERT INTO stations (id) VALUES ('old');
             INSERT INTO reservations (kind, value, station_id, unit_ref, state)
             VALUES ('serial', 'OLD-1', 'old', 'u1', 'kept');",
        )
        .unwrap();
    }
    let mut db = station(&cluster, "new");
    assert_eq!(
        db.schema_version().unwrap(),
        LineDb::latest_schema_version()
    );
    assert!(LineDb::latest_schema_version() >= 2);
    let holder = db
        .holder(&Identity::new(IdentityKind::Serial, "OLD-1"))
        .unwrap()
        .unwrap();
    assert_eq!(holder.station_id, "old");
    // The new tables work on the migrated server.
    assert!(db.status().unwrap().conflicts.is_empty());

    let empty = tempfile::tempdir().unwrap();
    let fresh = Cluster::start(empty.path()).unwrap();
    assert_eq!(
        station(&fresh, "first").schema_version().unwrap(),
        LineDb::latest_schema_version()
    );
}

/// Four uploaders drawing from one line budget of 1,200 operations a minute for 3 s take
/// together what the budget allows and no more (plus the bucket's capacity).
#[test]
fn the_line_budget_is_shared_not_multiplied() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Arc::new(Cluster::start(dir.path()).unwrap());
    let start = std::time::Instant::now();
    let run_for = std::time::Duration::from_secs(3);
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let cluster = Arc::clone(&cluster);
            std::thread::spawn(move || {
                let mut db = station(&cluster, &format!("up-{n}"));
                let mut taken = 0u32;
                while start.elapsed() < run_for {
                    match db.take_budget("dps-line", 1, 1_200, 11).unwrap() {
                        None => taken += 1,
                        Some(wait) => std::thread::sleep(wait.min(run_for)),
                    }
                }
                taken
            })
        })
        .collect();
    let taken: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let elapsed = start.elapsed().as_secs_f64();
    let allowed = 20.0 * elapsed + 11.0;
    assert!(
        f64::from(taken) <= allowed,
        "{taken} taken, {allowed} allowed"
    );
    // And the line uses its budget (the bucket starts empty).
    assert!(
        f64::from(taken) >= 0.85 * 20.0 * elapsed - 11.0,
        "only {taken} of {allowed}"
    );
}

/// TLS to the server: with the line's CA the station connects (and works); with another CA it
/// is refused for the certificate, and a server that takes only TLS refuses plain TCP.
#[test]
fn tls_to_the_server_is_verified_against_the_configured_ca() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).unwrap();
    let (ca_pem, cert_pem, key_pem) = station_linedb::cluster::dev_certificate().unwrap();
    cluster.enable_tls(&cert_pem, &key_pem, true).unwrap();
    let apart = || LineDb::apart(&cluster.url(), Some(cluster.password()), "st-tls").unwrap();

    let mut db = apart()
        .with_ca(ca_pem.as_bytes())
        .unwrap()
        .opened()
        .unwrap();
    db.reserve("u-1", &identities("TLS-1")).unwrap();
    assert!(db.is_connected());

    let (other_ca, _, _) = station_linedb::cluster::dev_certificate().unwrap();
    let err = apart()
        .with_ca(other_ca.as_bytes())
        .unwrap()
        .opened()
        .unwrap_err();
    assert_eq!(err.code(), "station::linedb::unreachable");
    assert!(
        format!("{:?}", err).to_lowercase().contains("certificate"),
        "{err:?}"
    );
    let err = apart().opened().unwrap_err();
    assert!(
        format!("{err:?}").contains("no pg_hba.conf entry"),
        "{err:?}"
    );
    let err = apart().with_ca(b"not a certificate").unwrap_err();
    assert_eq!(err.code(), "station::linedb::tls");

    // A server that asks for the password in clear (inside TLS, or a man in the middle with a
    // certificate the station would accept) gets nothing: SCRAM bound to the channel or no
    // login. Before `channel_binding=require` the station answered it.
    cluster.set_tls_auth_method("password").unwrap();
    let err = apart()
        .with_ca(ca_pem.as_bytes())
        .unwrap()
        .opened()
        .unwrap_err();
    assert_eq!(err.code(), "station::linedb::unreachable");
    assert!(
        format!("{err:?}")
            .to_lowercase()
            .contains("channel binding"),
        "{err:?}"
    );
    // SCRAM, bound to the channel, still works.
    cluster.set_tls_auth_method("scram-sha-256").unwrap();
    let mut db = apart()
        .with_ca(ca_pem.as_bytes())
        .unwrap()
        .opened()
        .unwrap();
    db.reserve("u-2", &identities("TLS-2")).unwrap();
}
