//! The commands through Tauri's IPC on the mock runtime: login, lockout, role checks (a
//! technician invoking a supervisor command gets `{code, message, help}`), and the event shape
//! the UI's TypeScript union expects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};
use station_desktop::{Launch, StationState, build_app, build_launch};
use station_pipeline::{ProgressEvent, Step, UnitOutcome};
use station_store::{NewOperator, Role};
use tauri::Manager as _;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;

fn station(dir: &Path) -> StationState {
    station_with(dir, "")
}

/// The test station with `kiosk` appended to its `[kiosk]` section.
fn station_with(dir: &Path, kiosk: &str) -> StationState {
    let path = dir.join("station.toml");
    std::fs::write(
        &path,
        r#"
[station]
id = "ipc-test"
log_dir = "log"
[storage]
database = "station.db"
[secrets]
recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]
identity_file = "uploader.age"
[fixture]
name = "bench"
[[fixture.slot]]
index = 1
port = "/dev/null-does-not-exist"
product = "p"
[[product]]
id = "p"
registration_id = { template = "p-{serial}" }
dps = { id_scope = "0ne00000001" }
attestation = { kind = "symmetric-key", enrollment = { type = "individual" } }
[[product]]
id = "x"
registration_id = { template = "x-{serial}" }
dps = { id_scope = "0ne00000001" }
[product.attestation]
kind = "x509"
enrollment = "individual"
[product.attestation.ca]
backend = "file"
certificate = "ca/signing-ca.pem"
key = "ca/key.pem"
passphrase = { env = "IPC_TEST_UNSET_PASSPHRASE" }
[upload]
signing_key = "keys/export.key"
export_dir = "batches"
[kiosk]
max_pin_attempts = 3
"#
        .to_owned()
            + kiosk,
    )
    .unwrap();
    let config = station_config::load(&path).unwrap();
    let state = StationState::open(config, &path, Instant::now(), None).unwrap();
    if !state.store().operators().unwrap().is_empty() {
        return state;
    }
    for (id, role, pin) in [
        ("T100", Role::Technician, "1234"),
        ("S200", Role::Supervisor, "246813"),
    ] {
        state
            .store()
            .add_operator(
                "ipc-test",
                "test",
                &NewOperator {
                    id: id.into(),
                    name: id.into(),
                    role,
                    pin: pin.into(),
                },
            )
            .unwrap();
    }
    // The supervisor reads the screens in Spanish; the technician in the station's language.
    state
        .store()
        .set_operator_language("ipc-test", "test", "S200", Some("es"))
        .unwrap();
    state
}

fn invoke(w: &tauri::WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

#[test]
fn roles_are_enforced_by_the_commands_not_only_the_ui() {
    let dir = tempfile::tempdir().unwrap();
    let app = build_app(
        mock_builder(),
        // The real context: the generated ACL (capability `kiosk`) applies, as in the app.
        tauri::generate_context!(),
        station(dir.path()),
    )
    .unwrap();
    // The app's setup creates the window when the event loop starts; the test does not run
    // the loop, so it opens the same window itself.
    let w = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();

    let info = invoke(&w, "app_info", json!({})).unwrap();
    assert_eq!(info["stationId"], "ipc-test");
    assert_eq!(info["slots"][0]["index"], 1);
    assert_eq!(info["slots"][0]["configuredProduct"], "p");
    // The kiosk never prompts: a CA whose passphrase is not where the config says leaves its
    // product unavailable, with the reason, and the app still starts.
    assert_eq!(info["products"][0]["unavailable"], Value::Null);
    let why = &info["products"][1]["unavailable"];
    assert_eq!(why["code"], "station::ca::secret", "{why}");
    assert!(
        why["message"]
            .as_str()
            .unwrap()
            .contains("IPC_TEST_UNSET_PASSPHRASE is not set"),
        "{why}"
    );

    // Nothing but app_info/login before a login.
    let e = invoke(&w, "units", json!({})).unwrap_err();
    assert_eq!(e["code"], "station::auth::not_logged_in");

    // A wrong PIN and an unknown ID get the same answer (which IDs exist is not said).
    let e = invoke(&w, "login", json!({ "operatorId": "T100", "pin": "0000" })).unwrap_err();
    assert_eq!(e["code"], "station::login::failed");
    let unknown = invoke(&w, "login", json!({ "operatorId": "T999", "pin": "0000" })).unwrap_err();
    assert_eq!(e, unknown);

    let who = invoke(&w, "login", json!({ "operatorId": "T100", "pin": "1234" })).unwrap();
    assert_eq!(who["role"], "technician");
    assert_eq!(who.get("language"), None, "the station's language: {who}");
    invoke(&w, "units", json!({})).unwrap();

    for (cmd, body) in [
        ("set_work_order", json!({ "workOrder": "WO-1" })),
        ("audit_log", json!({})),
        ("config_text", json!({})),
        ("operators", json!({})),
        ("resolve_conflict", json!({ "enrollmentId": 1 })),
        ("requeue_enrollment", json!({ "enrollmentId": 1 })),
        ("set_slot_product", json!({ "slot": 1, "product": "x" })),
        (
            "export_batch",
            json!({ "workOrder": null, "queuedOnly": false }),
        ),
        (
            "add_operator",
            json!({ "operatorId": "X", "name": "X", "role": "admin", "pin": "1111" }),
        ),
    ] {
        let e = invoke(&w, cmd, body).unwrap_err();
        assert_eq!(e["code"], "station::auth::not_allowed", "{cmd}: {e}");
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .starts_with("a technician may not"),
            "{e}"
        );
        assert!(e["help"].as_str().unwrap().starts_with("Ask a"), "{e}");
    }
    // Rework needs a supervisor, checked before any slot is touched.
    let e = invoke(
        &w,
        "exit_app",
        json!({ "operatorId": "T100", "pin": "1234" }),
    )
    .unwrap_err();
    assert_eq!(e["code"], "station::auth::not_allowed");

    invoke(&w, "logout", json!({ "reason": "user" })).unwrap();
    let supervisor = invoke(
        &w,
        "login",
        json!({ "operatorId": "S200", "pin": "246813" }),
    );
    assert_eq!(
        supervisor.as_ref().map(|s| s["language"].clone()),
        Ok(json!("es")),
        "an operator's own language comes with their login"
    );
    supervisor.unwrap();
    let wo = invoke(&w, "set_work_order", json!({ "workOrder": " WO-7 " })).unwrap();
    assert_eq!(wo, "WO-7");
    let audit = invoke(&w, "audit_log", json!({ "limit": 50 })).unwrap();
    assert_eq!(audit["chainOk"], true);
    let kinds: Vec<&str> = audit["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    for k in [
        "operator.login",
        "operator.login_failed",
        "operator.logout",
        "work_order.set",
    ] {
        assert!(kinds.contains(&k), "{k} not in {kinds:?}");
    }
    assert!(
        invoke(&w, "config_text", json!({}))
            .unwrap()
            .as_str()
            .unwrap()
            .contains("ipc-test")
    );
    let ops = invoke(&w, "operators", json!({})).unwrap();
    assert_eq!(ops.as_array().unwrap().len(), 2);

    // A supervisor chooses a slot's product; unknown slots and products are refused.
    let slots = invoke(&w, "set_slot_product", json!({ "slot": 1, "product": "x" })).unwrap();
    assert_eq!(slots[0]["product"], "x");
    assert_eq!(slots[0]["configuredProduct"], "p");
    let e = invoke(
        &w,
        "set_slot_product",
        json!({ "slot": 1, "product": "nope" }),
    )
    .unwrap_err();
    assert_eq!(e["code"], "station::run::unknown_product");
    let e = invoke(&w, "set_slot_product", json!({ "slot": 9, "product": "p" })).unwrap_err();
    assert_eq!(e["code"], "station::run::unknown_slot");
    assert_eq!(
        invoke(&w, "app_info", json!({})).unwrap()["slots"][0]["product"],
        "x"
    );
    let slots = invoke(
        &w,
        "set_slot_product",
        json!({ "slot": 1, "product": null }),
    )
    .unwrap();
    assert_eq!(slots[0]["product"], "p");

    // Only a conflict can be put back in the queue.
    let e = invoke(&w, "requeue_enrollment", json!({ "enrollmentId": 42 })).unwrap_err();
    assert!(
        e["code"].as_str().unwrap().starts_with("station::store"),
        "{e}"
    );

    // An export with nothing to export is refused and leaves no batch behind (the UI test
    // exports a real run's enrollments and checks the batch with `station verify-export`).
    let e = invoke(
        &w,
        "export_batch",
        json!({ "workOrder": "WO-7", "queuedOnly": false }),
    )
    .unwrap_err();
    assert_eq!(e["code"], "station::export::empty", "{e}");
    let left: Vec<_> = std::fs::read_dir(dir.path().join("batches"))
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    // A supervisor may not manage operators; an admin may.
    let e = invoke(
        &w,
        "set_operator_pin",
        json!({ "operatorId": "T100", "pin": "5555" }),
    )
    .unwrap_err();
    assert_eq!(
        e["message"],
        "a supervisor may not manage operators: that needs the admin role"
    );
}

fn app_window(state: StationState) -> tauri::WebviewWindow<MockRuntime> {
    let app = build_app(mock_builder(), tauri::generate_context!(), state).unwrap();
    tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap()
}

/// Slots at work keep the session: nobody touches the station for longer than the idle
/// logout while a slot runs, and the technician is still logged in when it ends; the idle
/// clock starts again from there.
#[test]
fn no_idle_logout_while_a_slot_runs() {
    let dir = tempfile::tempdir().unwrap();
    let st = station_with(dir.path(), "idle_logout_seconds = 1\n");
    st.login("S200", "246813").unwrap();
    let running = st.claim_slots(&[1]).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1400));
    drop(running);
    // Nothing asked about the session during the run: it still counts from the run's end.
    assert!(
        st.current().is_some(),
        "the idle clock starts when the slot ends"
    );
    std::thread::sleep(std::time::Duration::from_millis(1400));
    assert!(st.current().is_none(), "idle after the run: logged out");
}

/// Idle logout counts operator input (`touch_session`) and commands, not the queue screen's
/// own refreshes; and the supervisor's line set-up survives a restart of the app.
#[test]
fn idle_logout_ignores_polling_and_the_line_setup_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let w = app_window(station_with(dir.path(), "idle_logout_seconds = 1\n"));
    // Calls `cmd` every 150 ms for `ms`; every answer, in order.
    let poll_for = |cmd: &str, ms: u64| {
        let until = Instant::now() + std::time::Duration::from_millis(ms);
        let mut answers = Vec::new();
        while Instant::now() < until {
            answers.push(invoke(&w, cmd, json!({})));
            std::thread::sleep(std::time::Duration::from_millis(150));
        }
        answers
    };
    let code = |r: &Result<Value, Value>| r.as_ref().err().map(|e| e["code"].clone());

    invoke(
        &w,
        "login",
        json!({ "operatorId": "S200", "pin": "246813" }),
    )
    .unwrap();
    // Nobody touches the station; the queue screen refreshes itself.
    let answers = poll_for("queue_status", 1400);
    assert!(answers[0].is_ok(), "{:?}", answers[0]);
    assert!(
        answers
            .iter()
            .any(|a| code(a) == Some(json!("station::auth::session_expired"))),
        "{answers:?}"
    );
    let e = invoke(&w, "units", json!({})).unwrap_err();
    assert_eq!(e["code"], "station::auth::not_logged_in", "{e}");

    // Someone is typing and clicking, without a command: the session stays.
    invoke(
        &w,
        "login",
        json!({ "operatorId": "S200", "pin": "246813" }),
    )
    .unwrap();
    let answers = poll_for("touch_session", 1400);
    for a in &answers {
        assert_eq!(a.as_ref().unwrap()["operatorId"], "S200", "{a:?}");
    }
    invoke(&w, "units", json!({})).unwrap();

    invoke(&w, "set_work_order", json!({ "workOrder": "WO-SHIFT-2" })).unwrap();
    invoke(&w, "set_slot_product", json!({ "slot": 1, "product": "x" })).unwrap();
    drop(w);

    // Restarted (a crash, or systemd restarting the kiosk): same work order, same slot product.
    let again = station(dir.path());
    assert_eq!(again.work_order().as_deref(), Some("WO-SHIFT-2"));
    assert_eq!(again.slot_products()[0], (1, "x".into(), "p".into()));
    // Each change was audited with the supervisor as actor, in order.
    let rows = again.store().audit_rows(20).unwrap();
    let mine: Vec<(&str, &str)> = rows
        .iter()
        .rev()
        .filter(|r| r.kind == "work_order.set" || r.kind == "slot.product")
        .map(|r| (r.kind.as_str(), r.actor.as_str()))
        .collect();
    assert_eq!(mine, [("work_order.set", "S200"), ("slot.product", "S200")]);
}

/// Every event variant as the app sends it. The UI's reducer test reads this file
/// (ui/src/state/events.sample.json), so the TypeScript union and the Rust enum cannot drift
/// apart unnoticed. `UPDATE_EVENTS=1` rewrites it.
#[test]
fn the_event_sample_for_the_ui_is_current() {
    let run = "run-1".to_string();
    let events = [
        ProgressEvent::RunStarted {
            run_id: run.clone(),
            slots: vec![1, 2],
        },
        ProgressEvent::SlotStarted {
            run_id: run.clone(),
            slot: 1,
            port: "/dev/pts/7".into(),
        },
        ProgressEvent::StepStarted {
            run_id: run.clone(),
            slot: 1,
            serial: None,
            step: Step::Identify,
        },
        ProgressEvent::StepFinished {
            run_id: run.clone(),
            slot: 1,
            serial: None,
            step: Step::Identify,
            ok: true,
            duration_ms: 12.5,
        },
        ProgressEvent::Identified {
            run_id: run.clone(),
            slot: 1,
            serial: "SN1".into(),
            model: "VDUT-1".into(),
            fw: "1.4.2".into(),
        },
        ProgressEvent::UnitFinished {
            run_id: run.clone(),
            slot: 1,
            serial: Some("SN1".into()),
            unit_id: Some(1),
            outcome: UnitOutcome::Pass {
                registration_id: "p-sn1".into(),
                enrollment_queued: true,
                registered: Some(station_pipeline::Registered {
                    hub: "dps-local-hub.azure-devices.net".into(),
                    device_id: "vd-0001".into(),
                }),
            },
            wall_ms: 480.0,
            link_bytes: 2048,
        },
        ProgressEvent::SlotStarted {
            run_id: run.clone(),
            slot: 2,
            port: "/dev/pts/8".into(),
        },
        ProgressEvent::StepStarted {
            run_id: run.clone(),
            slot: 2,
            serial: Some("SN2".into()),
            step: Step::WriteSettings,
        },
        ProgressEvent::StepFinished {
            run_id: run.clone(),
            slot: 2,
            serial: Some("SN2".into()),
            step: Step::WriteSettings,
            ok: false,
            duration_ms: 3.0,
        },
        ProgressEvent::UnitFinished {
            run_id: run.clone(),
            slot: 2,
            serial: Some("SN2".into()),
            unit_id: Some(2),
            outcome: UnitOutcome::Fail {
                step: Step::WriteSettings,
                code: "station::smp::refused".into(),
                message: "DUT refused the write".into(),
                help: "Send the unit to rework.".into(),
                also: None,
                pending: false,
            },
            wall_ms: 90.0,
            link_bytes: 512,
        },
        ProgressEvent::RunFinished {
            run_id: run,
            passed: 1,
            failed: 1,
            wall_ms: 500.0,
        },
    ];
    let mut values: Vec<Value> = events
        .iter()
        .map(|e| serde_json::to_value(station_desktop::events::TimedEvent::now(e)).unwrap())
        .collect();
    for v in &mut values {
        v["sentAtMs"] = json!(0);
    }
    let text = serde_json::to_string_pretty(&values).unwrap() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/state/events.sample.json");
    if std::env::var_os("UPDATE_EVENTS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed, text,
        "ui/src/state/events.sample.json is stale: rerun with UPDATE_EVENTS=1"
    );
}

/// A unit whose board was claimed and never seen again (the station died after the claim):
/// every operator sees it on the Units and Queue screens; only a supervisor decides, and the
/// decision is audited.
#[test]
fn open_claims_are_listed_and_only_a_supervisor_voids_one_or_keeps_it_waiting() {
    use station_store::{NewClaim, NewEnrollment, NewRun, NewUnit, RunId};
    let dir = tempfile::tempdir().unwrap();
    let state = station(dir.path());
    let claimed = |serial: &str| {
        let run = RunId::from(format!("run-{serial}").as_str());
        state
            .store()
            .start_run(&NewRun {
                id: run.clone(),
                station_id: "ipc-test".into(),
                operator: "T100".into(),
                work_order: None,
                config_path: "station.toml".into(),
            })
            .unwrap();
        let unit = state
            .store()
            .begin_unit(&NewUnit {
                run_id: run,
                slot: 1,
                serial: serial.into(),
                product: "p".into(),
                registration_id: format!("p-{serial}"),
                attestation: "symmetric-key".into(),
                work_order: None,
                operator: "T100".into(),
                station_id: "ipc-test".into(),
                identity_json: None,
                rework: false,
            })
            .unwrap();
        let claim = NewClaim {
            settings: Default::default(),
            certificate_sha256: None,
            ek_sha256: None,
            enrollment: Some(NewEnrollment {
                registration_id: format!("p-{serial}"),
                payload_json: format!(r#"{{"registrationId":"p-{serial}"}}"#),
                sealed: None,
            }),
        };
        state.store().claim_unit(unit, &[], &claim).unwrap();
        unit.0
    };
    let gone = claimed("SN-GONE");
    let back = claimed("SN-BACK");
    let w = app_window(state);

    invoke(&w, "login", json!({ "operatorId": "T100", "pin": "1234" })).unwrap();
    let open = invoke(&w, "open_claims", json!({})).unwrap();
    let serials: Vec<&str> = open
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["serial"].as_str().unwrap())
        .collect();
    assert_eq!(serials, ["SN-GONE", "SN-BACK"]);
    assert_eq!(open[0]["unitId"], gone);
    assert_eq!(open[0]["registrationId"], "p-SN-GONE");
    assert_eq!(open[0]["hasEnrollment"], true);
    assert_eq!(open[0]["waitingBy"], Value::Null);
    // A technician sees them but decides nothing.
    let e = invoke(
        &w,
        "void_claim",
        json!({ "unitId": gone, "reason": "dropped" }),
    )
    .unwrap_err();
    assert_eq!(e["code"], "station::auth::not_allowed", "{e}");
    let e = invoke(&w, "keep_claim_waiting", json!({ "unitId": back })).unwrap_err();
    assert_eq!(e["code"], "station::auth::not_allowed", "{e}");

    invoke(
        &w,
        "login",
        json!({ "operatorId": "S200", "pin": "246813" }),
    )
    .unwrap();
    let e = invoke(&w, "void_claim", json!({ "unitId": gone, "reason": "  " })).unwrap_err();
    assert_eq!(e["code"], "station::claims::no_reason", "{e}");
    invoke(
        &w,
        "void_claim",
        json!({ "unitId": gone, "reason": "board dropped, scrapped" }),
    )
    .unwrap();
    invoke(&w, "keep_claim_waiting", json!({ "unitId": back })).unwrap();
    let open = invoke(&w, "open_claims", json!({})).unwrap();
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
    assert_eq!(open[0]["unitId"], back);
    assert_eq!(open[0]["waitingBy"], "S200");
    // The voided unit failed; nothing was queued for either.
    let unit = invoke(&w, "unit", json!({ "id": gone })).unwrap();
    assert_eq!(unit["summary"]["status"], "fail", "{unit}");
    let q = invoke(&w, "queue_status", json!({})).unwrap();
    assert_eq!(q["stats"]["queued"], 0, "{q}");
    let launch = w.state::<Launch>();
    let st = launch.station().unwrap();
    let rows = st.store().audit_rows(10).unwrap();
    let decisions: Vec<(&str, &str, &str)> = rows
        .iter()
        .rev()
        .filter(|r| r.kind.starts_with("claim."))
        .map(|r| (r.kind.as_str(), r.subject.as_str(), r.actor.as_str()))
        .collect();
    assert_eq!(
        decisions,
        [
            ("claim.voided", "SN-GONE", "S200"),
            ("claim.waiting", "SN-BACK", "S200")
        ]
    );
}

/// Closing the app (window, SIGTERM) raises the stop flag: no new run starts, and the app
/// waits for the slots still running before it exits.
#[test]
fn once_the_app_is_closing_no_run_starts_and_it_waits_for_running_slots() {
    let dir = tempfile::tempdir().unwrap();
    let w = app_window(station(dir.path()));
    invoke(&w, "login", json!({ "operatorId": "T100", "pin": "1234" })).unwrap();
    let launch = w.state::<Launch>();
    let st = launch.station().unwrap();
    assert!(!st.stop_flag().is_requested());
    let slot = st.claim_slots(&[1]).unwrap();
    st.request_stop();
    assert!(st.stop_flag().is_requested(), "runs see the raised flag");
    let e = invoke(
        &w,
        "run_slots",
        json!({ "slots": [1], "rework": false, "onEvent": "__CHANNEL__:1" }),
    )
    .unwrap_err();
    assert_eq!(e["code"], "station::run::closing", "{e}");
    // A slot still running: the wait ends at the limit and names it.
    assert_eq!(st.wait_idle(std::time::Duration::from_millis(100)), [1]);
    // It finishes 150 ms later: the wait ends then, not at the limit.
    let t = Instant::now();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(150));
            drop(slot);
        });
        assert!(st.wait_idle(std::time::Duration::from_secs(10)).is_empty());
    });
    let waited = t.elapsed();
    assert!(
        waited >= std::time::Duration::from_millis(150)
            && waited < std::time::Duration::from_secs(5),
        "{waited:?}"
    );
}

/// On a line (a real, throwaway PostgreSQL), `line_overview` shows every station's yield per
/// work order, the quotas, the open conflicts and the boards left mid-lock; off a line it says
/// so and nothing else.
#[test]
fn the_line_overview_shows_every_station_of_the_line() {
    use station_linedb::cluster::Cluster;
    use station_linedb::{Identity, IdentityKind, LineDb, LineUnit};
    let off = tempfile::tempdir().unwrap();
    let w = app_window(station(off.path()));
    invoke(&w, "login", json!({ "operatorId": "T100", "pin": "1234" })).unwrap();
    let view = invoke(&w, "line_overview", json!({})).unwrap();
    assert_eq!(view["configured"], false, "{view}");
    drop(w);

    let pg = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(pg.path()).unwrap();
    // Two other stations of the line: st-2 passed two units and failed one of WO-7, st-3
    // left a board mid-lock (claimed long ago) and provisioned SN-9 while apart, which st-2
    // holds.
    let mut st2 = LineDb::connect(&cluster.url(), Some(cluster.password()), "st-2").unwrap();
    st2.open_work_order("WO-7", 500).unwrap();
    st2.lease("WO-7", 50).unwrap();
    for (unit, passed) in [("1", true), ("2", true), ("3", false)] {
        st2.finish_unit(&LineUnit {
            unit_ref: unit.into(),
            serial: Some(format!("SN-{unit}")),
            registration_id: Some(format!("reg-{unit}")),
            product: "p".into(),
            work_order: Some("WO-7".into()),
            passed,
            failed_step: (!passed).then(|| "verify".into()),
            failure_code: (!passed).then(|| "station::verify::mismatch".into()),
            finished_at: chrono::Utc::now(),
        })
        .unwrap();
    }
    st2.reserve("4", &[Identity::new(IdentityKind::Serial, "SN-9")])
        .unwrap();
    let mut st3 = LineDb::connect(&cluster.url(), Some(cluster.password()), "st-3").unwrap();
    st3.reserve("8", &[Identity::new(IdentityKind::Serial, "SN-8")])
        .unwrap();
    st3.claim("8").unwrap();
    cluster
        .psql("UPDATE reservations SET claimed_at = now() - interval '5 minutes' WHERE station_id = 'st-3'")
        .unwrap();
    st3.replay_reservation(
        "9",
        &[Identity::new(IdentityKind::Serial, "SN-9")],
        chrono::Utc::now(),
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("line.password"), cluster.password()).unwrap();
    let w = app_window(station_with(
        dir.path(),
        &format!(
            "\n[line_db]\nurl = \"{}\"\npassword = {{ file = \"line.password\" }}\ninsecure_plaintext = true\n",
            cluster.url()
        ),
    ));
    // Reading it needs an operator, as the yield does.
    let e = invoke(&w, "line_overview", json!({})).unwrap_err();
    assert_eq!(e["code"], "station::auth::not_logged_in", "{e}");
    invoke(&w, "login", json!({ "operatorId": "T100", "pin": "1234" })).unwrap();
    let view = invoke(&w, "line_overview", json!({})).unwrap();
    assert_eq!(view["configured"], true, "{view}");
    assert_eq!(view["station"], "ipc-test");
    let ids: Vec<&str> = view["stations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    for id in ["ipc-test", "st-2", "st-3"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    assert_eq!(
        view["yield"],
        json!([{ "station": "st-2", "workOrder": "WO-7", "passed": 2, "failed": 1 }])
    );
    assert_eq!(
        view["workOrders"],
        json!([{ "id": "WO-7", "quota": 500, "leased": 50, "used": 0, "closed": false }])
    );
    let conflicts = view["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{view}");
    assert_eq!(
        (
            &conflicts[0]["value"],
            &conflicts[0]["holderStation"],
            &conflicts[0]["station"]
        ),
        (&json!("SN-9"), &json!("st-2"), &json!("st-3"))
    );
    let claims = view["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 1, "{view}");
    assert_eq!(
        (&claims[0]["station"], &claims[0]["serial"]),
        (&json!("st-3"), &json!("SN-8"))
    );
}

/// `station-desktop --help` and `--version` print and exit without opening a window or a
/// configuration (none exists here).
#[test]
fn help_and_version_print_without_starting_the_app() {
    let dir = tempfile::tempdir().unwrap();
    for (arg, want) in [
        ("--help", "Usage: station-desktop"),
        ("-V", "station-desktop 0."),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_station-desktop"))
            .arg(arg)
            .current_dir(dir.path())
            .env_remove("DISPLAY")
            .env_remove("STATION_CONFIG")
            .output()
            .unwrap();
        assert!(out.status.success(), "{arg}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(want),
            "{arg}: {out:?}"
        );
    }
}

/// A virtual-fixture program that ends before its boards run: the start fails with its last
/// word on stderr and its exit status, not silently.
#[test]
fn a_virtual_fixture_that_dies_early_says_why() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("virtual-fixture");
    std::fs::write(
        &program,
        "#!/bin/sh\necho prepared\necho 'swtpm_setup not found' >&2\nexit 3\n",
    )
    .unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = dir.path().join("station.toml");
    std::fs::write(
        &path,
        "[station]\nid = \"vf\"\n[storage]\ndatabase = \"s.db\"\n[secrets]\ninsecure_plaintext = true\n\
         [fixture]\nname = \"v\"\n\
         ports_file = \"fixture/ports.toml\"\n[[fixture.slot]]\nindex = 1\nproduct = \"p\"\n\
         [[product]]\nid = \"p\"\nregistration_id = { template = \"p-{serial}\" }\n\
         dps = { id_scope = \"0ne00000001\" }\n\
         attestation = { kind = \"symmetric-key\", enrollment = { type = \"individual\" } }\n",
    )
    .unwrap();
    let config = station_config::load(&path).unwrap();
    let err = station_desktop::fixture::VirtualFixture::start_program(&program, &config, &path)
        .unwrap()
        .wait()
        .err()
        .expect("the fixture must not start");
    let text = err.to_string();
    assert!(text.contains("swtpm_setup not found"), "{text}");
    assert!(text.contains("exit status: 3"), "{text}");
}

/// A station that cannot start (here: a typo in its configuration) still opens, on the cause,
/// what to do and Retry; every command answers with the cause; Retry after the fix starts the
/// station in place, and a Retry before it gives the cause again.
#[test]
fn a_station_that_cannot_start_says_why_and_starts_on_retry() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    std::fs::create_dir(&good).unwrap();
    drop(station(&good));
    let path = good.join("station.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("max_pin_attempts", "max_pin_tries")).unwrap();
    let options =
        station_desktop::Options::from_args(["--config".to_owned(), path.display().to_string()]);
    let Err(failure) = station_desktop::open_state(&options, Instant::now()) else {
        panic!("a configuration with an unknown key does not open");
    };
    assert_eq!(failure.code, "station::config::unknown_key", "{failure:?}");
    let launch = Launch::failed(
        failure,
        Box::new(move || station_desktop::open_state(&options, Instant::now())),
    );
    let app = build_launch(mock_builder(), tauri::generate_context!(), launch).unwrap();
    let w = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let e = invoke(&w, "app_info", json!({})).unwrap_err();
    assert_eq!(e["code"], "station::config::unknown_key", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("max_pin_tries"),
        "{e}"
    );
    assert!(!e["help"].as_str().unwrap().is_empty(), "{e}");
    let e = invoke(&w, "login", json!({ "operatorId": "T100", "pin": "1234" })).unwrap_err();
    assert_eq!(e["code"], "station::config::unknown_key", "{e}");
    // Retry before the fix: the same cause, still no station.
    let e = invoke(&w, "retry_start", json!({})).unwrap_err();
    assert_eq!(e["code"], "station::config::unknown_key", "{e}");
    std::fs::write(&path, text).unwrap();
    invoke(&w, "retry_start", json!({})).unwrap();
    let info = invoke(&w, "app_info", json!({})).unwrap();
    assert_eq!(info["stationId"], "ipc-test", "{info}");
    invoke(&w, "login", json!({ "operatorId": "T100", "pin": "1234" })).unwrap();
}

/// A supervisor approves in place: the technician stays logged in, supervisor commands run
/// under the supervisor's ID while the approval lasts, and are refused again once it ends. A
/// technician's badge does not approve.
#[test]
fn a_supervisor_approves_in_place_without_logging_the_technician_out() {
    let dir = tempfile::tempdir().unwrap();
    let w = app_window(station(dir.path()));
    invoke(&w, "login", json!({ "operatorId": "T100", "pin": "1234" })).unwrap();
    let e = invoke(&w, "set_work_order", json!({ "workOrder": "WO-9" })).unwrap_err();
    assert_eq!(e["code"], "station::auth::not_allowed", "{e}");
    let e = invoke(
        &w,
        "approve",
        json!({ "operatorId": "T100", "pin": "1234" }),
    )
    .unwrap_err();
    assert_eq!(
        e["code"], "station::auth::not_allowed",
        "a technician does not approve: {e}"
    );
    let e = invoke(
        &w,
        "approve",
        json!({ "operatorId": "S200", "pin": "000000" }),
    )
    .unwrap_err();
    assert_eq!(e["code"], "station::login::failed", "{e}");
    let s = invoke(
        &w,
        "approve",
        json!({ "operatorId": "S200", "pin": "246813" }),
    )
    .unwrap();
    assert_eq!(
        (
            s["operatorId"].as_str(),
            s["approvedBy"]["operatorId"].as_str()
        ),
        (Some("T100"), Some("S200")),
        "{s}"
    );
    invoke(&w, "set_work_order", json!({ "workOrder": "WO-9" })).unwrap();
    let s = invoke(&w, "end_approval", json!({})).unwrap();
    assert_eq!(s["operatorId"], "T100");
    assert!(s.get("approvedBy").is_none(), "{s}");
    let e = invoke(&w, "set_work_order", json!({ "workOrder": "WO-10" })).unwrap_err();
    assert_eq!(e["code"], "station::auth::not_allowed", "{e}");
    let launch = w.state::<Launch>();
    let rows = launch.station().unwrap().store().audit_rows(20).unwrap();
    let trail: Vec<(&str, &str)> = rows
        .iter()
        .rev()
        .filter(|r| r.kind.starts_with("session.") || r.kind == "work_order.set")
        .map(|r| (r.kind.as_str(), r.actor.as_str()))
        .collect();
    assert_eq!(
        trail,
        [
            ("session.approved", "S200"),
            ("work_order.set", "S200"),
            ("session.approval_ended", "S200")
        ]
    );
}
