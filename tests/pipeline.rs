//! End-to-end: the station provisions virtual DUTs over real pseudo-terminals into a real
//! SQLite store. One test per fault knob: the faulty unit FAILs with a clear reason, nothing is
//! queued for it, and the other slots PASS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use station_e2e::{Harness, HarnessOptions};
use station_pipeline::{Permissions, ProgressEvent, RunRequest, SlotOverride, Step, UnitOutcome};
use station_store::{EnrollmentStatus, UnitFilter, UnitStatus};
use virtual_dut::{Fault, FixtureSpec};

const BAUD: u32 = 115_200;

fn outcome(h: &Harness, summary: &station_pipeline::RunSummary, slot: u16) -> UnitOutcome {
    let _ = h;
    summary
        .units
        .iter()
        .find(|u| u.slot == slot)
        .expect("slot in summary")
        .outcome
        .clone()
}

#[test]
fn four_slots_all_pass_with_settings_in_flash_and_enrollments_queued() {
    let h = Harness::start(
        FixtureSpec::uniform("unused", 4, BAUD),
        &HarnessOptions::default(),
    );
    let (summary, _) = h.run(Permissions::none());
    assert_eq!(summary.passed(), 4, "{:#?}", summary.units);

    let passed = h
        .store
        .units(&UnitFilter {
            status: Some(UnitStatus::Pass),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(passed.len(), 4);
    let queued = h.store.enrollments(Some(EnrollmentStatus::Queued)).unwrap();
    assert_eq!(queued.len(), 4);

    for slot in 1..=4u16 {
        let flash = h.fixture.flash(slot).unwrap();
        assert!(flash.locked, "slot {slot} locked");
        let settings = flash.decoded_settings();
        let reg_id = String::from_utf8(settings["dps/reg_id"].clone()).unwrap();
        assert_eq!(
            reg_id,
            format!("e2e-{}", flash.identity.serial.to_lowercase())
        );
        assert_eq!(settings["dps/id_scope"], b"0ne00E2E001");
        assert_eq!(
            settings["dps/endpoint"],
            b"global.azure-devices-provisioning.net"
        );
        assert_eq!(settings["dps/attestation"], b"symmetric-key");

        // The queued enrollment carries exactly the key the DUT holds, sealed: the stored
        // payload shows it redacted, and only the uploader's identity opens it.
        let e = queued
            .iter()
            .find(|e| e.registration_id == reg_id)
            .expect("enrollment queued");
        assert_eq!(e.secret, station_store::SecretState::Sealed);
        let stored: serde_json::Value = serde_json::from_str(&e.payload_json).unwrap();
        assert_eq!(
            stored["attestation"]["symmetricKey"]["primaryKey"],
            station_store::REDACTED
        );
        let key = String::from_utf8_lossy(&settings["dps/sym_key"]).into_owned();
        assert!(
            !e.payload_json.contains(&key),
            "the stored payload holds no key"
        );
        let json = station_e2e::delivered_payload(e);
        assert_eq!(json["registrationId"], reg_id);
        assert_eq!(json["attestation"]["type"], "symmetricKey");
        assert_eq!(
            json["attestation"]["symmetricKey"]["primaryKey"]
                .as_str()
                .unwrap()
                .as_bytes(),
            settings["dps/sym_key"]
        );
        assert_eq!(
            json["optionalDeviceInformation"]["serial"],
            flash.identity.serial
        );
        assert_eq!(json["optionalDeviceInformation"]["workOrder"], "WO-E2E");

        let unit = passed.iter().find(|u| u.slot == slot).unwrap();
        let detail = h.store.unit(unit.id).unwrap().unwrap();
        let steps: Vec<&str> = detail.steps.iter().map(|s| s.step.as_str()).collect();
        assert_eq!(
            steps,
            [
                "identify",
                "attest",
                "write-settings",
                "save",
                "reset",
                "verify",
                "lock",
                "record"
            ]
        );
        assert!(detail.steps.iter().all(|s| s.ok));
    }
    // Two units never share a key.
    let keys: std::collections::HashSet<_> = (1..=4)
        .map(|s| h.fixture.flash(s).unwrap().settings["dps/sym_key"].clone())
        .collect();
    assert_eq!(keys.len(), 4);
    assert!(h.store.verify_audit().is_ok());
}

#[test]
fn events_arrive_in_the_documented_order() {
    let h = Harness::start(
        FixtureSpec::uniform("unused", 2, BAUD),
        &HarnessOptions::default(),
    );
    let (_, events) = h.run(Permissions::none());
    assert!(matches!(
        events.first(),
        Some(ProgressEvent::RunStarted { .. })
    ));
    assert!(matches!(
        events.last(),
        Some(ProgressEvent::RunFinished {
            passed: 2,
            failed: 0,
            ..
        })
    ));
    let mut per_slot: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for e in &events {
        let (slot, tag) = match e {
            ProgressEvent::SlotStarted { slot, .. } => (*slot, "slot".to_owned()),
            ProgressEvent::Identified { slot, .. } => (*slot, "identified".to_owned()),
            ProgressEvent::StepStarted { slot, step, .. } => (*slot, format!("+{}", step.as_str())),
            ProgressEvent::StepFinished {
                slot,
                step,
                ok: true,
                ..
            } => (*slot, format!("-{}", step.as_str())),
            ProgressEvent::UnitFinished { slot, .. } => (*slot, "unit".to_owned()),
            _ => continue,
        };
        per_slot.entry(slot).or_default().push(tag);
    }
    let want: Vec<String> = [
        "slot",
        "+identify",
        "identified",
        "-identify",
        "+attest",
        "-attest",
        "+write-settings",
        "-write-settings",
        "+save",
        "-save",
        "+reset",
        "-reset",
        "+verify",
        "-verify",
        "+lock",
        "-lock",
        "+record",
        "-record",
        "unit",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (slot, got) in per_slot {
        assert_eq!(got, want, "slot {slot}");
    }
}

/// Runs 3 slots with `fault` on slot 2 and checks the bad-day contract.
fn fault_case(fault: Fault, step: Step, codes: &[&str], message_has: &str) {
    let spec = FixtureSpec::uniform("unused", 3, BAUD).with_fault(2, fault);
    let h = Harness::start(spec, &HarnessOptions::default());
    let (summary, _) = h.run(Permissions::none());
    for slot in [1, 3] {
        assert!(
            matches!(outcome(&h, &summary, slot), UnitOutcome::Pass { .. }),
            "slot {slot}: {:?}",
            summary.units
        );
    }
    match outcome(&h, &summary, 2) {
        UnitOutcome::Fail {
            step: s,
            code,
            message,
            help,
            ..
        } => {
            assert_eq!(s, step, "{fault}: {message}");
            assert!(
                codes.contains(&code.as_str()),
                "{fault}: code {code}, message {message}"
            );
            assert!(message.contains(message_has), "{fault}: {message}");
            assert!(!help.is_empty());
        }
        other => panic!("{fault}: slot 2 should fail, got {other:?}"),
    }
    // Nothing queued for the faulty unit; the two good ones are.
    let queued = h.store.enrollments(None).unwrap();
    assert_eq!(queued.len(), 2);
    let failed = h
        .store
        .units(&UnitFilter {
            status: Some(UnitStatus::Fail),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].slot, 2);
    assert_eq!(failed[0].failed_step.as_deref(), Some(step.as_str()));
    assert!(
        failed[0]
            .failure_message
            .as_deref()
            .unwrap()
            .contains(message_has)
    );
    if let Some(serial) = &failed[0].serial {
        assert!(
            queued
                .iter()
                .all(|e| !e.registration_id.contains(&serial.to_lowercase()))
        );
    }
    assert!(h.store.verify_audit().is_ok());
}

#[test]
fn fault_drop_bytes() {
    fault_case(
        Fault::DropBytes(40),
        Step::Identify,
        &["station::smp::corrupted", "station::smp::timeout"],
        "while identifying",
    );
}

#[test]
fn fault_corrupt_bytes() {
    fault_case(
        Fault::CorruptBytes(40),
        Step::Identify,
        &["station::smp::corrupted"],
        "garbled",
    );
}

#[test]
fn fault_stall() {
    fault_case(
        Fault::Stall(3),
        Step::WriteSettings,
        &["station::smp::timeout"],
        "stopped answering",
    );
}

/// A slot with no board (its port there, nothing answering) is skipped: no unit, no FAIL in
/// the yield, and its neighbours pass.
#[test]
fn an_empty_slot_is_skipped_and_records_nothing() {
    let spec = FixtureSpec::uniform("unused", 3, BAUD).with_fault(2, Fault::Empty);
    let h = Harness::start(spec, &HarnessOptions::default());
    let (summary, _) = h.run(Permissions::none());
    assert_only_empty(&h, &summary, 2, 2, "no board answered in slot 2");
    // What a technician does next: the board goes in, the slot runs.
    let unit = summary.units.iter().find(|u| u.slot == 2).unwrap();
    assert!(
        unit.wall.as_millis() < 3000,
        "skipped within the probe: {:?}",
        unit.wall
    );
}

/// With a fixture definition (as on a real fixture), a slot whose selector finds no device is
/// EMPTY: nothing is opened, no unit is recorded, and the slot that has a board passes. This is
/// the rule `station run` and the desktop app share (`resolve_slot_ports`).
#[test]
fn a_slot_the_fixture_definition_finds_empty_is_skipped() {
    let spec = FixtureSpec::uniform("unused", 2, BAUD);
    let h = Harness::start(spec, &HarnessOptions::default());
    let ports = station_config::PortsFile::load(&h.path().join("fixture/ports.toml")).unwrap();
    let board = &ports.port(1).unwrap().port;
    let def = h.path().join("definition.toml");
    std::fs::write(
        &def,
        format!(
            "name = \"bench\"\n[[slot]]\nindex = 1\nselect = \"path:{board}\"\n[[slot]]\nindex = 2\nselect = \"path:{}\"\n",
            h.path().join("no-board-here").display()
        ),
    )
    .unwrap();
    let text = std::fs::read_to_string(&h.config_path).unwrap().replace(
        "ports_file = \"fixture/ports.toml\"",
        "definition = \"definition.toml\"",
    );
    std::fs::write(&h.config_path, text).unwrap();
    let h = h.reload_config();
    let (summary, _) = h.run(Permissions::none());
    let units = assert_only_empty(&h, &summary, 2, 1, "no DUT found");
    assert_eq!(units[0].slot, 1);
}

/// Checks a run in which `slot` alone was EMPTY (its message saying `says`) and the other
/// `passed` slots passed: no unit recorded for it. Returns the units recorded.
fn assert_only_empty(
    h: &Harness,
    summary: &station_pipeline::RunSummary,
    slot: u16,
    passed: usize,
    says: &str,
) -> Vec<station_store::UnitSummary> {
    assert_eq!(
        (summary.passed(), summary.failed(), summary.skipped()),
        (passed, 0, 1),
        "{:?}",
        summary.units
    );
    match outcome(h, summary, slot) {
        UnitOutcome::Skipped {
            reason, message, ..
        } => {
            assert_eq!(reason, station_pipeline::SkipReason::Empty);
            assert!(message.contains(says), "{message}");
        }
        other => panic!("a slot without a board is empty, got {other:?}"),
    }
    let units = h.store.units(&UnitFilter::default()).unwrap();
    assert_eq!(units.len(), passed, "no unit for the empty slot: {units:?}");
    assert!(units.iter().all(|u| u.slot != slot));
    units
}

#[test]
fn fault_disconnect_mid_write() {
    fault_case(
        Fault::DisconnectMidWrite,
        Step::WriteSettings,
        &["station::link::disconnected"],
        "disconnected",
    );
}

#[test]
fn fault_refuse_writes() {
    fault_case(
        Fault::RefuseWrites,
        Step::WriteSettings,
        &["station::smp::refused"],
        "setting cannot be written",
    );
}

#[test]
fn fault_reboot_during_save() {
    fault_case(
        Fault::RebootDuringSave,
        Step::Verify,
        &["station::verify::not_persisted"],
        "did not persist",
    );
}

#[test]
fn a_provisioned_serial_is_refused_unless_reworked() {
    let h = Harness::start(
        FixtureSpec::uniform("unused", 1, BAUD),
        &HarnessOptions::default(),
    );
    let (first, _) = h.run(Permissions::none());
    assert_eq!(first.passed(), 1);

    // The same good board run again: locked and holding what its PASS unit wrote, it is
    // skipped ("already provisioned: remove it"): no unit, no FAIL, nothing queued, audited.
    let (again, _) = h.run(Permissions::none());
    match outcome(&h, &again, 1) {
        UnitOutcome::Skipped {
            reason, unit_id, ..
        } => {
            assert_eq!(reason, station_pipeline::SkipReason::AlreadyProvisioned);
            assert_eq!(unit_id, first.units[0].unit_id);
        }
        other => panic!("a good board run twice is skipped, got {other:?}"),
    }
    assert_eq!((again.passed(), again.failed(), again.skipped()), (0, 0, 1));
    assert_eq!(h.store.units(&UnitFilter::default()).unwrap().len(), 1);
    assert_eq!(h.store.enrollments(None).unwrap().len(), 1);
    assert!(
        h.store
            .audit_rows(100)
            .unwrap()
            .iter()
            .any(|r| r.kind == "unit.already_provisioned")
    );

    // Unlocked (a board that is not as its unit left it): refused as a duplicate, recorded.
    set_locked(&h, 1, false);
    let (unlocked, _) = h.run(Permissions::none());
    match outcome(&h, &unlocked, 1) {
        UnitOutcome::Fail { code, message, .. } => {
            assert_eq!(code, "station::store::duplicate", "{message}");
        }
        other => panic!("an unlocked board with a passed serial fails, got {other:?}"),
    }
    assert_eq!(h.store.enrollments(None).unwrap().len(), 1);

    // The rework bench unlocked the board; a supervisor approves the rework.
    let (rework, _) = h.run(Permissions { rework: true });
    assert!(
        matches!(outcome(&h, &rework, 1), UnitOutcome::Pass { .. }),
        "{:?}",
        rework.units
    );
    let superseded = h
        .store
        .units(&UnitFilter {
            status: Some(UnitStatus::Superseded),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(superseded.len(), 1);
    let queued = h.store.enrollments(Some(EnrollmentStatus::Queued)).unwrap();
    assert_eq!(
        queued.len(),
        1,
        "only the reworked unit's enrollment is live"
    );
    let live = station_e2e::delivered_payload(&queued[0]);
    let key = h.fixture.flash(1).unwrap().decoded_settings()["dps/sym_key"].clone();
    assert_eq!(
        live["attestation"]["symmetricKey"]["primaryKey"]
            .as_str()
            .unwrap()
            .as_bytes(),
        key
    );
    let rows = h.store.audit_rows(100).unwrap();
    assert!(rows.iter().any(|r| r.kind == "unit.rework"));
}

#[test]
fn a_locked_board_is_not_written() {
    let h = Harness::start(
        FixtureSpec::uniform("unused", 1, BAUD),
        &HarnessOptions::default(),
    );
    // A board locked elsewhere (another line, an earlier run) arrives.
    set_locked(&h, 1, true);
    let (summary, _) = h.run(Permissions::none());
    match outcome(&h, &summary, 1) {
        UnitOutcome::Fail { code, step, .. } => {
            assert_eq!(code, "station::dut::locked");
            assert_eq!(step, Step::Attest);
        }
        other => panic!("locked board should fail, got {other:?}"),
    }
    assert!(
        h.fixture.flash(1).unwrap().settings.is_empty(),
        "nothing written to a locked board"
    );
    assert_eq!(h.store.queue_depth().unwrap(), 0);
}

/// Edits a board's lock bit in its flash, as a rework bench would, and resets the board so it
/// boots with it.
fn set_locked(h: &Harness, slot: u16, locked: bool) {
    let mut image = h.fixture.flash(slot).unwrap();
    image.locked = locked;
    image.save(&h.fixture.flash_path(slot)).unwrap();
    let link = station_transport::SerialLink::open(h.fixture.port(slot), BAUD).unwrap();
    let mut client = station_smp::Client::new(station_smp::Connection::new(
        Box::new(link),
        station_smp::ConnectionConfig::default(),
    ));
    client.reset().unwrap();
}

/// A DPS enrollment-group key (base64, 64 bytes), as the line engineer installs it.
const GROUP_KEY: &str =
    "8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw==";

/// Product `grp`, group-enrolled, its key written into `dir`.
fn group_product(dir: &std::path::Path) -> String {
    let key_file = dir.join("group.key");
    std::fs::write(&key_file, GROUP_KEY).unwrap();
    format!(
        r#"
[[product]]
id = "grp"
registration_id = {{ template = "grp-{{serial}}", lowercase = true }}
dps = {{ id_scope = "0ne00E2E002" }}
attestation = {{ kind = "symmetric-key", enrollment = {{ type = "group", group_id = "line-1", group_key = {{ file = "{}" }} }} }}
"#,
        key_file.display()
    )
}

#[test]
fn group_enrolled_product_derives_the_key_and_queues_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let group_key = GROUP_KEY;
    let options = HarnessOptions {
        products: group_product(dir.path()),
        product_id: "grp".into(),
        ..HarnessOptions::default()
    };
    let h = Harness::start(FixtureSpec::uniform("unused", 2, BAUD), &options);
    let (summary, _) = h.run(Permissions::none());
    assert_eq!(summary.passed(), 2, "{:?}", summary.units);
    assert_eq!(
        h.store.queue_depth().unwrap(),
        0,
        "group members are not enrolled individually"
    );
    for slot in 1..=2 {
        let settings = h.fixture.flash(slot).unwrap().decoded_settings();
        let reg_id = station_identity::RegistrationId::parse(
            std::str::from_utf8(&settings["dps/reg_id"]).unwrap(),
        )
        .unwrap();
        let expected = station_identity::SymmetricKey::from_base64(group_key)
            .unwrap()
            .derive_device_key(&reg_id);
        assert_eq!(settings["dps/sym_key"], expected.to_base64().as_bytes());
    }
}

/// A board's label scanned into a slot must match the board the slot holds: a mismatch fails
/// the unit at `identify`, records it under the board's own serial, and writes nothing.
#[test]
fn a_scanned_serial_that_is_not_the_board_in_the_slot_stops_at_identify() {
    let h = Harness::start(
        FixtureSpec::uniform("unused", 2, BAUD),
        &HarnessOptions::default(),
    );
    let board1 = h.fixture.flash(1).unwrap().identity.serial;
    let board2 = h.fixture.flash(2).unwrap().identity.serial;
    let scan = |serial: &str| SlotOverride {
        expected_serial: Some(serial.into()),
        ..Default::default()
    };
    let request = RunRequest {
        operator: "tech-1".into(),
        // Slot 1 got slot 2's label; slot 2's scan has the scanner's trailing whitespace.
        overrides: [(1, scan(&board2)), (2, scan(&format!("{board2}\r\n")))].into(),
        ..Default::default()
    };
    let (summary, events) = h.run_request(&request);

    let UnitOutcome::Fail {
        step,
        code,
        message,
        ..
    } = outcome(&h, &summary, 1)
    else {
        panic!("slot 1 must fail: {:?}", summary.units);
    };
    assert_eq!(step, Step::Identify);
    assert_eq!(code, "station::identify::serial_mismatch");
    assert!(
        message.contains(&board2) && message.contains(&board1),
        "{message}"
    );
    assert!(matches!(outcome(&h, &summary, 2), UnitOutcome::Pass { .. }));

    // The refused board is on record under its own serial; nothing of it is queued or written.
    let failed = h
        .store
        .units(&UnitFilter {
            status: Some(UnitStatus::Fail),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].serial.as_deref(), Some(board1.as_str()));
    assert_eq!(h.store.enrollments(None).unwrap().len(), 1);
    let flash = h.fixture.flash(1).unwrap();
    assert!(!flash.locked);
    assert!(
        flash
            .decoded_settings()
            .keys()
            .all(|k| !k.starts_with("dps/"))
    );
    // The identify step is reported as failed, not as a success followed by a failure.
    assert!(events.iter().any(|e| matches!(
        e,
        ProgressEvent::StepFinished {
            slot: 1,
            step: Step::Identify,
            ok: false,
            ..
        }
    )));
}

/// A supervisor's product choice for one slot applies to that run only; an unknown product
/// stops the run before any slot starts.
#[test]
fn a_slot_runs_the_product_chosen_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let options = HarnessOptions {
        products: format!(
            "{}{}",
            station_e2e::INDIVIDUAL_PRODUCT,
            group_product(dir.path())
        ),
        ..HarnessOptions::default()
    };
    let h = Harness::start(FixtureSpec::uniform("unused", 2, BAUD), &options);
    let choose = |product: &str| SlotOverride {
        product: Some(product.into()),
        ..Default::default()
    };
    let bad = RunRequest {
        operator: "sup-1".into(),
        overrides: [(2, choose("nope"))].into(),
        ..Default::default()
    };
    let err = h
        .station
        .run(&bad, &station_pipeline::NoopSink)
        .unwrap_err();
    assert!(
        matches!(&err, station_pipeline::PipelineError::UnknownProduct { slot: 2, product } if product == "nope"),
        "{err:?}"
    );
    assert!(h.store.units(&UnitFilter::default()).unwrap().is_empty());

    let request = RunRequest {
        operator: "sup-1".into(),
        overrides: [(2, choose("grp"))].into(),
        ..Default::default()
    };
    let (summary, _) = h.run_request(&request);
    assert_eq!(summary.passed(), 2, "{:?}", summary.units);
    let mut products: Vec<_> = h
        .store
        .units(&UnitFilter::default())
        .unwrap()
        .into_iter()
        .map(|u| (u.slot, u.product))
        .collect();
    products.sort();
    assert_eq!(
        products,
        vec![(1, Some("sym".into())), (2, Some("grp".into()))]
    );
    let reg2 = h.fixture.flash(2).unwrap().decoded_settings()["dps/reg_id"].clone();
    assert!(String::from_utf8(reg2).unwrap().starts_with("grp-"));
    // Only slot 1's individual enrollment is queued: group members are not enrolled.
    assert_eq!(h.store.enrollments(None).unwrap().len(), 1);
}

/// A product with a hashed policy over two hubs, an initial twin with the unit's facts and a
/// reprovisioning policy: its queued enrollment carries them in the DPS 2021-10-01 shape (a
/// golden file, `UPDATE_GOLDEN=1` rewrites it), and every key is one service.json defines.
#[test]
fn an_allocated_product_queues_its_policy_hubs_twin_and_reprovision_policy() {
    let products = r#"
[[product]]
id = "alloc"
registration_id = { template = "alloc-{serial}", lowercase = true }
dps = { id_scope = "0ne00E2E003" }
attestation = { kind = "symmetric-key", enrollment = { type = "individual" } }
[product.allocation]
policy = "hashed"
iot_hubs = ["line-hub-1.azure-devices.net", "line-hub-2.azure-devices.net"]
[product.initial_twin]
tags = { serial = "{serial}", model = "{model}", station = "{station}", line = "L1" }
desired = { telemetry = { interval_s = 30, label = "unit {serial}" } }
[product.reprovision]
update_hub_assignment = true
migrate_device_data = false
"#;
    let options = HarnessOptions {
        products: products.into(),
        product_id: "alloc".into(),
        ..HarnessOptions::default()
    };
    let h = Harness::start(FixtureSpec::uniform("unused", 1, BAUD), &options);
    let (summary, _) = h.run(Permissions::none());
    assert_eq!(summary.passed(), 1, "{:?}", summary.units);
    let queued = h.store.enrollments(None).unwrap();
    let mut payload: serde_json::Value = serde_json::from_str(&queued[0].payload_json).unwrap();
    let serial = payload["optionalDeviceInformation"]["serial"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(payload["initialTwin"]["tags"]["serial"], serial.as_str());
    assert_eq!(
        payload["initialTwin"]["properties"]["desired"]["telemetry"]["label"],
        format!("unit {serial}")
    );
    // What differs per run: the serial and the key.
    let text = serde_json::to_string_pretty(&payload)
        .unwrap()
        .replace(&serial, "SERIAL")
        .replace(&serial.to_lowercase(), "serial");
    payload = serde_json::from_str(&text).unwrap();
    payload["attestation"]["symmetricKey"]["primaryKey"] = "KEY".into();
    let text = serde_json::to_string_pretty(&payload).unwrap() + "\n";
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/enrollment-allocation.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &text).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&golden).unwrap_or_default(),
        text,
        "tests/golden/enrollment-allocation.json is stale: rerun with UPDATE_GOLDEN=1"
    );
    // Every key is one DPS defines, down through the allocation fields.
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("../../shared/dps-spec/service.json")).unwrap();
    let defs = &spec["definitions"];
    let check = |value: &serde_json::Value, def: &str| {
        for key in value.as_object().unwrap().keys() {
            assert!(
                !defs[def]["properties"][key].is_null(),
                "{key} is not a {def} property"
            );
        }
    };
    check(&payload, "IndividualEnrollment");
    check(&payload["initialTwin"], "InitialTwin");
    check(
        &payload["initialTwin"]["properties"],
        "InitialTwinProperties",
    );
    check(&payload["reprovisionPolicy"], "ReprovisionPolicy");
    let policies = defs["AllocationPolicy"]["enum"].as_array().unwrap();
    assert!(policies.contains(&payload["allocationPolicy"]));
    for required in defs["ReprovisionPolicy"]["required"].as_array().unwrap() {
        assert!(payload["reprovisionPolicy"][required.as_str().unwrap()].is_boolean());
    }
}

/// A board whose serial is a spreadsheet formula with a terminal escape in it (a rogue or
/// broken firmware) stops at identify: nothing is written to it, nothing it reported is used
/// or stored, and the message shows the value escaped. Its neighbour passes.
#[test]
fn a_board_reporting_a_formula_as_its_serial_stops_at_identify() {
    let h = Harness::start(
        FixtureSpec::uniform("unused", 2, BAUD),
        &HarnessOptions::default(),
    );
    let rogue = "=HYPERLINK(\"http://x\",\"\u{1b}[2Jok\")";
    let mut image = h.fixture.flash(1).unwrap();
    image.identity.serial = rogue.into();
    image.save(&h.fixture.flash_path(1)).unwrap();
    let link = station_transport::SerialLink::open(h.fixture.port(1), BAUD).unwrap();
    let mut client = station_smp::Client::new(station_smp::Connection::new(
        Box::new(link),
        station_smp::ConnectionConfig::default(),
    ));
    client.reset().unwrap();
    drop(client);

    let (summary, events) = h.run(Permissions::none());
    match outcome(&h, &summary, 1) {
        UnitOutcome::Fail {
            code,
            step,
            message,
            ..
        } => {
            assert_eq!(code, "station::identify::bad_board_string");
            assert_eq!(step, Step::Identify);
            assert!(!message.contains('\u{1b}'), "{message}");
            assert!(message.contains("\\u{1b}"), "shown escaped: {message}");
        }
        other => panic!("the rogue board should fail, got {other:?}"),
    }
    assert!(matches!(outcome(&h, &summary, 2), UnitOutcome::Pass { .. }));
    assert!(
        h.fixture.flash(1).unwrap().settings.is_empty(),
        "nothing written"
    );
    // No event names the board by what it reported (only the failure shows it, escaped).
    for e in &events {
        match e {
            ProgressEvent::Identified { slot, .. } => assert_ne!(*slot, 1, "{e:?}"),
            ProgressEvent::UnitFinished {
                slot: 1, serial, ..
            } => assert_eq!(*serial, None),
            _ => {}
        }
    }
    let units = h.store.units(&UnitFilter::default()).unwrap();
    assert_eq!(units.len(), 2);
    assert!(units.iter().all(|u| u.serial.as_deref() != Some(rogue)));
    assert_eq!(h.store.queue_depth().unwrap(), 1);
}
