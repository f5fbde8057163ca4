//! Two stations on one line database (a real, throwaway PostgreSQL): a board provisioned at
//! one station is refused at the other, naming the first; its identities stay kept there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use station_config::OfflinePolicy;
use station_e2e::{Harness, HarnessOptions, Recorder};
use station_linedb::cluster::Cluster;
use station_linedb::{Identity, IdentityKind, LineDb};
use station_pipeline::{
    LineLink, Permissions, ProgressEvent, RunRequest, Station, Step, UnitOutcome,
};
use station_store::Store;
use station_transport::SerialOpener;
use virtual_dut::FixtureSpec;

const BAUD: u32 = 115_200;

/// A harness whose station is on the line database through `db`.
fn on_the_line(spec: FixtureSpec, db: LineDb) -> Harness {
    Harness::start(spec, &HarnessOptions::default()).map_station(|s| s.with_line_db(db))
}

#[test]
fn a_board_provisioned_at_one_station_is_refused_at_another_naming_it() {
    let pg = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(pg.path()).unwrap();
    let connect = |id: &str| LineDb::connect(&cluster.url(), Some(cluster.password()), id).unwrap();

    // Station A provisions the board.
    let a = on_the_line(
        FixtureSpec::uniform("unused", 1, BAUD),
        connect("e2e-station"),
    );
    let (summary, _) = a.run(Permissions::none());
    assert_eq!(summary.passed(), 1, "{:?}", summary.units);
    let serial = a.fixture.flash(1).unwrap().identity.serial;
    let holder = connect("observer")
        .holder(&Identity::new(IdentityKind::Serial, serial.clone()))
        .unwrap()
        .expect("the serial is reserved");
    assert_eq!(holder.station_id, "e2e-station");
    assert!(holder.kept, "a locked board's identities are kept for good");
    // Its key is reserved too, by its hash (never the key).
    let key = a.fixture.flash(1).unwrap().decoded_settings()["dps/sym_key"].clone();
    let key_holder = connect("observer")
        .holder(&Identity::new(
            IdentityKind::SymkeySha256,
            station_store::setting_digest(&key),
        ))
        .unwrap()
        .expect("the key's hash is reserved");
    assert_eq!(key_holder.unit_ref, holder.unit_ref);
    assert!(key_holder.kept);

    // Station B, its own database, the same board (moved, or a clone): refused at attest,
    // naming station A; nothing is written to the board.
    let mut config = station_config::load(&a.config_path).unwrap();
    config.station.id = "station-b".into();
    config.storage.database = a.path().join("station-b.db");
    let store_b = Arc::new(Store::open(&config.storage.database).unwrap());
    let station_b = Station::new(
        config,
        &a.config_path,
        Arc::clone(&store_b),
        Arc::new(SerialOpener),
    )
    .unwrap()
    .with_line_db(connect("station-b"));
    let settings_before = a.fixture.flash(1).unwrap().decoded_settings();
    let summary = station_b
        .run(
            &RunRequest {
                operator: "tech-b".into(),
                work_order: Some("WO-E2E".into()),
                ..Default::default()
            },
            &Recorder::default(),
        )
        .unwrap();
    let UnitOutcome::Fail { code, message, .. } = &summary.units[0].outcome else {
        panic!("{:?}", summary.units[0].outcome)
    };
    assert_eq!(code, "station::linedb::held");
    assert!(message.contains("held by station e2e-station"), "{message}");
    assert!(message.contains("provisioned"), "{message}");
    assert_eq!(
        a.fixture.flash(1).unwrap().decoded_settings(),
        settings_before
    );
    // B's refused unit released nothing of A's.
    let holder = connect("observer")
        .holder(&Identity::new(IdentityKind::Serial, serial))
        .unwrap()
        .unwrap();
    assert_eq!(holder.station_id, "e2e-station");
}

/// A unit that fails before its irreversible step releases its reservation, so the board can
/// be provisioned again (at any station).
#[test]
fn a_unit_that_fails_before_the_lock_releases_its_reservation() {
    let pg = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(pg.path()).unwrap();
    let connect = |id: &str| LineDb::connect(&cluster.url(), Some(cluster.password()), id).unwrap();
    let h = on_the_line(
        FixtureSpec::uniform("unused", 1, BAUD).with_fault(1, virtual_dut::Fault::RefuseWrites),
        connect("e2e-station"),
    );
    let (summary, _) = h.run(Permissions::none());
    assert_eq!(summary.failed(), 1);
    let serial = h.fixture.flash(1).unwrap().identity.serial;
    assert_eq!(
        connect("observer")
            .holder(&Identity::new(IdentityKind::Serial, serial))
            .unwrap(),
        None,
        "released"
    );
}

/// A harness on the line through `db`, provisioning apart under `offline = "local"`.
fn on_the_line_local(spec: FixtureSpec, db: LineDb, options: &HarnessOptions) -> Harness {
    Harness::start(spec, options)
        .map_station(|s| s.with_line_link(Arc::new(LineLink::new(db, OfflinePolicy::Local, 50))))
}

/// The server crashes while a unit is being locked (its reservation made, its keep not yet
/// sent). Under `offline = "refuse"` the next units are refused with nothing written; under
/// `"local"` they pass on the station's own checks. When the server is back the replay
/// completes (outbox empty, every identity reserved and kept, every outcome copied) and the
/// serial another station took meanwhile is a conflict on this station (audited) and on the
/// line, never merged.
#[test]
fn the_server_crashes_mid_run_nothing_is_lost_and_the_replay_surfaces_conflicts() {
    let pg = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(pg.path()).unwrap();
    let connect = |id: &str| {
        LineDb::connect(&cluster.url(), Some(cluster.password()), id)
            .unwrap()
            .with_retry_after(std::time::Duration::from_millis(200))
    };

    // Refuse: slot 1 passes (its keep waits in the outbox), then slots 2 and 3 are refused
    // untouched.
    let strict = on_the_line(FixtureSpec::uniform("unused", 3, BAUD), connect("strict"));
    let crash = CrashAtLock::new(&cluster);
    let first = strict
        .station
        .run(&harness_request(vec![1]), &crash)
        .unwrap();
    assert_eq!(first.passed(), 1, "{:?}", first.units);
    let rest = strict
        .station
        .run(&harness_request(vec![2, 3]), &Recorder::default())
        .unwrap();
    assert_eq!(rest.failed(), 2, "{:?}", rest.units);
    for unit in &rest.units {
        let UnitOutcome::Fail { code, .. } = &unit.outcome else {
            unreachable!()
        };
        assert_eq!(code, "station::linedb::unreachable");
        assert!(
            !strict
                .fixture
                .flash(unit.slot)
                .unwrap()
                .decoded_settings()
                .contains_key("dps/sym_key"),
            "nothing written to a refused board"
        );
    }
    cluster.resume().unwrap();

    // Local: another station has slot 3's serial (a clone) on the line.
    let local = on_the_line_local(
        FixtureSpec::uniform("unused", 3, BAUD),
        connect("apart"),
        &HarnessOptions::default(),
    );
    let cloned = local.fixture.flash(3).unwrap().identity.serial;
    let mut other = connect("station-b");
    other
        .reserve(
            "b-1",
            &[Identity::new(IdentityKind::Serial, cloned.clone())],
        )
        .unwrap();
    other.keep("b-1").unwrap();
    let crash = CrashAtLock::new(&cluster);
    let first = local
        .station
        .run(&harness_request(vec![1]), &crash)
        .unwrap();
    assert_eq!(first.passed(), 1, "{:?}", first.units);
    let rest = local
        .station
        .run(&harness_request(vec![2, 3]), &Recorder::default())
        .unwrap();
    assert_eq!(rest.passed(), 2, "apart, on local checks: {:?}", rest.units);
    assert!(
        local.store.line_outbox_len().unwrap() >= 5,
        "what the line missed is kept"
    );
    cluster.resume().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(250));
    let report = local.station.sync_line().unwrap().unwrap();
    assert!(report.connected, "{report:?}");
    assert_eq!(report.waiting, 0);
    assert_eq!(local.store.line_outbox_len().unwrap(), 0, "replay complete");
    let mut observer = connect("observer");
    for slot in 1..=3u16 {
        let serial = local.fixture.flash(slot).unwrap().identity.serial;
        let holder = observer
            .holder(&Identity::new(IdentityKind::Serial, serial))
            .unwrap()
            .unwrap();
        if slot == 3 {
            assert_eq!(
                holder.station_id, "station-b",
                "never taken from its holder"
            );
        } else {
            assert_eq!(holder.station_id, "apart");
            assert!(holder.kept, "kept once replayed");
        }
    }
    let status = observer.status().unwrap();
    let passed: i64 = status
        .yields
        .iter()
        .filter(|y| y.station_id == "apart")
        .map(|y| y.passed)
        .sum();
    assert_eq!(passed, 3, "{status:?}");

    assert_eq!(status.conflicts.len(), 1, "{status:?}");
    let c = &status.conflicts[0];
    assert_eq!(c.identity.value, cloned);
    assert_eq!(c.holder_station, "station-b");
    assert_eq!(c.station_id, "apart");
    assert_eq!(report.conflicts.len(), 1);
    assert_eq!(local.store.line_conflict_count().unwrap(), 1);
    let audit = local.store.audit_rows(1_000).unwrap();
    assert!(audit.iter().any(|e| e.kind == "line.conflict"), "audited");
    // A second replay finds nothing new.
    let again = local.station.sync_line().unwrap().unwrap();
    assert_eq!((again.replayed, again.conflicts.len()), (0, 0));
    // The strict station's keep, left in its outbox by the crash, reaches the line too.
    strict.station.sync_line().unwrap().unwrap();
    assert_eq!(strict.store.line_outbox_len().unwrap(), 0);
    let serial = strict.fixture.flash(1).unwrap().identity.serial;
    assert!(
        observer
            .holder(&Identity::new(IdentityKind::Serial, serial))
            .unwrap()
            .unwrap()
            .kept
    );
    let status = observer.status().unwrap();
    let strict_yield = status.yields.iter().find(|y| y.station_id == "strict");
    assert_eq!(
        strict_yield.map(|y| (y.passed, y.failed)),
        Some((1, 2)),
        "{status:?}"
    );
}

/// A run request for the harness's work order.
fn harness_request(slots: Vec<u16>) -> RunRequest {
    RunRequest {
        slots: Some(slots),
        operator: "tech-1".into(),
        work_order: Some("WO-E2E".into()),
        ..Default::default()
    }
}

/// An event sink that crashes the server (`pg_ctl stop -m immediate`) when a unit starts its
/// lock: after its reservation, before its keep.
struct CrashAtLock<'a> {
    cluster: &'a Cluster,
    crashed: std::sync::Once,
}

impl<'a> CrashAtLock<'a> {
    fn new(cluster: &'a Cluster) -> Self {
        Self {
            cluster,
            crashed: std::sync::Once::new(),
        }
    }
}

impl station_pipeline::EventSink for CrashAtLock<'_> {
    fn event(&self, event: &ProgressEvent) {
        if matches!(
            event,
            ProgressEvent::StepStarted {
                step: Step::Lock,
                ..
            }
        ) {
            self.crashed.call_once(|| self.cluster.stop().unwrap());
        }
    }
}

/// Four stations issue one work order's 10-certificate quota, 16 boards between them, in
/// leases of 3; one of them (D) loses its network to the line after its first unit and goes
/// on apart. Never more than 10 boards pass across the line, and none of the quota is lost:
/// what did not pass is still held, unused, in a station's lease (a station that ran through
/// its first lease before the others asked takes a second one it may not use up — which
/// schedule happens depends on the load; the unused rest goes back when the order closes).
/// Every other unit fails for want of a lease (nothing issued to it), D issues only the rest
/// of the lease it holds, and when D is back the line learns what it used.
#[test]
fn four_stations_never_exceed_a_quota_even_with_one_apart() {
    let pg = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(pg.path()).unwrap();
    let relay = station_linedb::cluster::Relay::start(cluster.port()).unwrap();
    let ca_dir = tempfile::tempdir().unwrap();
    let ca = station_e2e::x509::file_ca(ca_dir.path());
    let station = |id: &str, via_relay: bool| {
        let url = if via_relay {
            cluster.url_on(relay.port())
        } else {
            cluster.url()
        };
        let db = LineDb::connect(&url, Some(cluster.password()), id)
            .unwrap()
            .with_retry_after(std::time::Duration::from_millis(200));
        ca.harness(
            FixtureSpec::uniform("unused", 4, BAUD),
            "individual",
            Some(10),
        )
        .map_station(|s| s.with_line_link(Arc::new(LineLink::new(db, OfflinePolicy::Local, 3))))
    };
    let d = station("station-d", true);
    let first = d
        .station
        .run(&harness_request(vec![1]), &Recorder::default())
        .unwrap();
    assert_eq!(first.passed(), 1, "{:?}", first.units);
    assert_eq!(d.store.line_lease_remaining("WO-E2E").unwrap(), 2);
    relay.cut();
    let others: Vec<Harness> = ["station-a", "station-b", "station-c"]
        .iter()
        .map(|id| station(id, false))
        .collect();
    let outcomes: Vec<Vec<UnitOutcome>> = std::thread::scope(|s| {
        let d_rest = s.spawn(|| {
            d.station
                .run(&harness_request(vec![2, 3, 4]), &Recorder::default())
                .unwrap()
        });
        let rest: Vec<_> = others
            .iter()
            .map(|h| {
                s.spawn(|| {
                    h.station
                        .run(&harness_request(vec![1, 2, 3, 4]), &Recorder::default())
                        .unwrap()
                })
            })
            .collect();
        std::iter::once(d_rest)
            .chain(rest)
            .map(|t| {
                t.join()
                    .unwrap()
                    .units
                    .into_iter()
                    .map(|u| u.outcome)
                    .collect()
            })
            .collect()
    });
    let passed = 1 + outcomes
        .iter()
        .flatten()
        .filter(|o| matches!(o, UnitOutcome::Pass { .. }))
        .count();
    let unused: i64 = std::iter::once(&d)
        .chain(&others)
        .map(|h| h.store.line_lease_remaining("WO-E2E").unwrap())
        .sum();
    assert!(passed <= 10, "{outcomes:?}");
    // What is left unused sits with a station that ran out of boards, not of lease: one that
    // holds some of the quota failed no unit for want of it, and at most a block less the
    // unit it was taken for (3 - 1) is left.
    for (h, outcome) in std::iter::once(&d).chain(&others).zip(&outcomes) {
        if h.store.line_lease_remaining("WO-E2E").unwrap() > 0 {
            assert!(
                outcome
                    .iter()
                    .all(|o| matches!(o, UnitOutcome::Pass { .. })),
                "a station holding unused quota failed a unit: {outcomes:?}"
            );
        }
    }
    assert!(
        unused <= 2,
        "{unused} of the quota left unused: {outcomes:?}"
    );
    assert_eq!(
        i64::try_from(passed).unwrap() + unused,
        10,
        "the quota is what passed plus what the leases still hold: {outcomes:?}"
    );
    for outcome in outcomes
        .iter()
        .flatten()
        .filter(|o| !matches!(o, UnitOutcome::Pass { .. }))
    {
        let UnitOutcome::Fail { code, step, .. } = outcome else {
            unreachable!()
        };
        assert_eq!(code, "station::store::lease_exhausted", "{outcome:?}");
        assert_eq!(*step, Step::Issue);
    }
    // D issued exactly what its lease held while apart.
    assert_eq!(
        outcomes[0]
            .iter()
            .filter(|o| matches!(o, UnitOutcome::Pass { .. }))
            .count(),
        2
    );
    let issued: usize = std::iter::once(&d)
        .chain(&others)
        .map(|h| {
            h.store
                .issued_certificates(None)
                .unwrap()
                .into_iter()
                .filter(|c| c.status == "issued")
                .count()
        })
        .sum();
    assert_eq!(issued, passed, "certificates in service across the line");
    relay.mend();
    std::thread::sleep(std::time::Duration::from_millis(250));
    let report = d.station.sync_line().unwrap().unwrap();
    assert!(report.connected && report.waiting == 0, "{report:?}");
    for h in &others {
        h.station.sync_line().unwrap().unwrap();
    }
    let status = LineDb::connect(&cluster.url(), Some(cluster.password()), "observer")
        .unwrap()
        .status()
        .unwrap();
    let wo = status
        .work_orders
        .iter()
        .find(|w| w.id == "WO-E2E")
        .unwrap();
    assert_eq!(
        (wo.quota, wo.leased, usize::try_from(wo.used).unwrap()),
        (10, 10, passed),
        "{wo:?}"
    );
}
