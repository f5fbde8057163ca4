//! Generates the app's command permissions (`allow-<command>`) and the Tauri context.

/// The app's commands; each gets an `allow-<command>` permission that the kiosk capability
/// lists. Keep in step with `generate_handler!` in src/lib.rs.
const COMMANDS: &[&str] = &[
    "app_info",
    "ui_ready",
    "retry_start",
    "approve",
    "removable_drives",
    "end_approval",
    "login",
    "logout",
    "session",
    "touch_session",
    "set_work_order",
    "set_slot_product",
    "run_slots",
    "units",
    "unit",
    "queue_status",
    "line_status",
    "line_overview",
    "resolve_conflict",
    "requeue_enrollment",
    "open_claims",
    "void_claim",
    "keep_claim_waiting",
    "export_batch",
    "yield_report",
    "audit_log",
    "config_text",
    "operators",
    "add_operator",
    "set_operator_pin",
    "unlock_operator",
    "exit_app",
];

fn main() {
    // The UI is built by `npm run build` in ui/; a checkout that has not built it yet still
    // compiles, with a page that says what to do.
    let dist = std::path::Path::new("../ui/dist");
    // A release build is what ships to a line: it must carry the real UI.
    if std::env::var("PROFILE").as_deref() == Ok("release") && !dist.join("assets").exists() {
        panic!("ui/dist is not built: run `npm ci && npm run build` in ui/ before a release build");
    }
    if !dist.join("index.html").exists() {
        let _ = std::fs::create_dir_all(dist);
        let _ = std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>station</title><p>The UI is not built: run \
             <code>npm ci &amp;&amp; npm run build</code> in ui/.</p>",
        );
    }
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed: check tauri.conf.json and capabilities/");
}
