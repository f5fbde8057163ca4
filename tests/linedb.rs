//! Two stations on one line database (a real, throwaway PostgreSQL): a board provisioned at
//! one station is refused at the other, naming the first; its identities stay kept there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use station_e2e::{Harness, HarnessOptions, Recorder};
use station_linedb::cluster::Cluster;
use station_linedb::{Identity, IdentityKind, LineDb};
use station_pipeline::{Permissions, RunRequest, Station, UnitOutcome};
use station_store::Store;
use station_transport::SerialOpener;
use virtual_dut::FixtureSpec;

const BAUD: u32 = 115_200;

/// A harness whose station is on the line database as `e2e-station`.
fn on_the_line(spec: FixtureSpec, db: LineDb) -> Harness {
    let Harness {
        dir,
        fixture,
        station,
        store,
        config_path,
    } = Harness::start(spec, &HarnessOptions::default());
    Harness {
        dir,
        fixture,
        station: station.with_line_db(db),
        store,
        config_path,
    }
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
