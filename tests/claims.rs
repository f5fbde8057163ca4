//! End-to-end: the write-ahead claim. A board whose lock went unanswered (the station cannot
//! tell whether it locked, as after a kill between lock and record) keeps an open claim; the
//! next run on the same board reads it back and completes, finishes or fails it, never
//! provisioning it twice and never queueing an enrollment for a board that disagrees.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use station_e2e::{Harness, HarnessOptions};
use station_pipeline::{Permissions, ProgressEvent, RunSummary, Step, UnitOutcome};
use station_store::{EnrollmentStatus, UnitStatus};
use virtual_dut::{Fault, FixtureSpec};

const BAUD: u32 = 115_200;

fn harness() -> Harness {
    Harness::start(
        FixtureSpec::uniform("unused", 2, BAUD).with_fault(1, Fault::LockReplyLost),
        &HarnessOptions {
            // Long enough that a loaded machine (the line database's tests run beside these)
            // does not lose an answered lock too; the lost reply still costs only 2 s.
            command_timeout_ms: 1000,
            max_attempts: 2,
            ..HarnessOptions::default()
        },
    )
}

fn outcome(summary: &RunSummary, slot: u16) -> UnitOutcome {
    summary
        .units
        .iter()
        .find(|u| u.slot == slot)
        .unwrap()
        .outcome
        .clone()
}

fn steps_of(events: &[ProgressEvent], slot: u16) -> Vec<Step> {
    events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::StepStarted { slot: s, step, .. } if *s == slot => Some(*step),
            _ => None,
        })
        .collect()
}

/// Run 1: slot 1's lock is unanswered; its unit is left committing, the board locked.
fn first_run(h: &Harness) -> station_store::UnitId {
    let (summary, _) = h.run(Permissions::none());
    match outcome(&summary, 1) {
        UnitOutcome::Fail { code, step, .. } => {
            assert_eq!(code, "station::lock::unconfirmed");
            assert_eq!(step, Step::Lock);
        }
        other => panic!("slot 1 should not pass: {other:?}"),
    }
    assert!(matches!(outcome(&summary, 2), UnitOutcome::Pass { .. }));
    let unit = station_store::UnitId(summary.units[0].unit_id.unwrap());
    assert_eq!(
        h.store.unit(unit).unwrap().unwrap().summary.status,
        UnitStatus::Committing
    );
    assert!(
        h.fixture.flash(1).unwrap().locked,
        "the lock reached the board"
    );
    // Only slot 2's enrollment is queued; slot 1's waits for its board.
    assert_eq!(h.store.enrollments(None).unwrap().len(), 1);
    // A restarted station does not mark a committing unit interrupted.
    assert_eq!(h.store.mark_interrupted().unwrap(), 0);
    assert_eq!(h.store.open_claims().unwrap().len(), 1);
    unit
}

#[test]
fn a_locked_board_matching_its_claim_passes_without_being_provisioned_again() {
    let h = harness();
    let unit = first_run(&h);
    let before = h.fixture.flash(1).unwrap();

    let (summary, events) = h.run(Permissions::none());
    match outcome(&summary, 1) {
        UnitOutcome::Pass {
            enrollment_queued, ..
        } => assert!(enrollment_queued),
        other => panic!("recovery should pass: {other:?}"),
    }
    assert_eq!(
        summary.units[0].unit_id,
        Some(unit.0),
        "the claimed unit passes"
    );
    assert_eq!(
        steps_of(&events, 1),
        [Step::Identify, Step::Verify, Step::Record],
        "read back and recorded, nothing written"
    );
    assert_eq!(
        h.fixture.flash(1).unwrap(),
        before,
        "the board was not touched"
    );
    let detail = h.store.unit(unit).unwrap().unwrap();
    assert_eq!(detail.summary.status, UnitStatus::Pass);
    let e = detail.enrollment.expect("queued");
    assert_eq!(e.status, EnrollmentStatus::Queued);
    let reg_id = String::from_utf8(before.decoded_settings()["dps/reg_id"].clone()).unwrap();
    assert_eq!(e.registration_id, reg_id);
    assert!(h.store.open_claims().unwrap().is_empty());
    // Slot 2's board (already passed) is refused as a duplicate: one enrollment each.
    assert_eq!(h.store.enrollments(None).unwrap().len(), 2);
    h.store.verify_audit().unwrap();
}

#[test]
fn an_unlocked_board_matching_its_claim_is_locked_and_passes() {
    let h = harness();
    let unit = first_run(&h);
    set_locked(&h, 1, false);

    let (summary, events) = h.run(Permissions::none());
    assert!(
        matches!(outcome(&summary, 1), UnitOutcome::Pass { .. }),
        "{:?}",
        outcome(&summary, 1)
    );
    assert_eq!(
        steps_of(&events, 1),
        [Step::Identify, Step::Verify, Step::Lock, Step::Record]
    );
    assert!(h.fixture.flash(1).unwrap().locked);
    assert_eq!(
        h.store.unit(unit).unwrap().unwrap().summary.status,
        UnitStatus::Pass
    );
    assert_eq!(h.store.enrollments(None).unwrap().len(), 2);
}

#[test]
fn a_board_that_disagrees_with_its_claim_fails_and_nothing_is_queued_for_it() {
    let h = harness();
    let unit = first_run(&h);
    // The board now holds another registration ID (reflashed on a bench).
    let mut image = h.fixture.flash(1).unwrap();
    let mut settings = image.decoded_settings();
    settings.insert("dps/reg_id".into(), b"someone-else".to_vec());
    image.set_settings(&settings);
    image.save(&h.fixture.flash_path(1)).unwrap();
    reset(&h, 1);

    let (summary, _) = h.run(Permissions::none());
    match outcome(&summary, 1) {
        UnitOutcome::Fail { code, message, .. } => {
            assert_eq!(code, "station::recover::mismatch");
            assert!(message.contains("dps/reg_id differs"), "{message}");
        }
        other => panic!("a disagreeing board must fail: {other:?}"),
    }
    let detail = h.store.unit(unit).unwrap().unwrap();
    assert_eq!(detail.summary.status, UnitStatus::Fail);
    assert!(detail.enrollment.is_none());
    assert!(h.store.open_claims().unwrap().is_empty());
    assert_eq!(h.store.enrollments(None).unwrap().len(), 1);
    h.store.verify_audit().unwrap();
}

fn set_locked(h: &Harness, slot: u16, locked: bool) {
    let mut image = h.fixture.flash(slot).unwrap();
    image.locked = locked;
    image.save(&h.fixture.flash_path(slot)).unwrap();
    reset(h, slot);
}

/// Resets the board so it boots from its (edited) flash.
fn reset(h: &Harness, slot: u16) {
    let link = station_transport::SerialLink::open(h.fixture.port(slot), BAUD).unwrap();
    let mut client = station_smp::Client::new(station_smp::Connection::new(
        Box::new(link),
        station_smp::ConnectionConfig::default(),
    ));
    client.reset().unwrap();
}
