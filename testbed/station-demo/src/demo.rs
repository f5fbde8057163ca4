//! `station-demo`: fresh boards on a virtual fixture, provisioned with the demo configuration.

use std::path::PathBuf;

use clap::Parser;
use station_cli::embed::{CliError, chain};
use station_cli::{EXIT_OK, EXIT_UNIT_FAILED};
use station_store::{
    EnrollmentStatus, LineSetting, NewOperator, Role, Store, UnitFilter, UnitStatus, private_files,
};

/// The demo configuration, built in so `station-demo` works from any directory.
const EMBEDDED_DEMO: &str = include_str!("../../../station-config/demo.toml");

/// Arguments of `station-demo`.
#[derive(Parser)]
#[command(
    name = "station-demo",
    version,
    about = "Run the station on its embedded default: a virtual fixture of six fresh boards \
             (two symmetric-key, two X.509, two TPM), dps-local, then each board's field boot"
)]
pub(crate) struct DemoArgs {
    /// Demo configuration; the built-in copy of station-config/demo.toml when the file is absent.
    #[arg(long, default_value = "station-config/demo.toml")]
    config: PathBuf,
    /// Progress as JSON lines.
    #[arg(long)]
    json: bool,
    /// Prepare the demo for the desktop app and stop: the demo CA, and two demo operators
    /// (technician T100 PIN 1234, supervisor S200 PIN 246813) if the database has none.
    #[arg(long)]
    setup_only: bool,
    /// Run a line of N stations (2 to 8), each on its own virtual fixture and database,
    /// against one throwaway PostgreSQL line database, and show the line's yield.
    #[arg(long, value_name = "N", conflicts_with = "setup_only")]
    line: Option<u8>,
}

/// The demo's work order, where the config names none.
const DEMO_WORK_ORDER: &str = "WO-DEMO";

/// The demo's operators: (ID, name, role, PIN). Demo PINs are printed; a real station's are
/// set by an admin (`station operators add`).
const DEMO_OPERATORS: [(&str, &str, Role, &str); 2] = [
    ("T100", "Demo Technician", Role::Technician, "1234"),
    ("S200", "Demo Supervisor", Role::Supervisor, "246813"),
];

/// Adds the demo operators to a database that has none (and prints how to log in), and sets
/// the demo work order where neither a supervisor nor the config set one.
fn prepare_desktop_demo(config: &station_config::StationConfig) -> anyhow::Result<()> {
    let store = Store::open(&config.storage.database).map_err(CliError::from)?;
    if store.operators().map_err(CliError::from)?.is_empty() {
        for (id, name, role, pin) in DEMO_OPERATORS {
            let new = NewOperator {
                id: id.into(),
                name: name.into(),
                role,
                pin: pin.into(),
            };
            store
                .add_operator(&config.station.id, "station-demo", &new)
                .map_err(CliError::from)?;
        }
    }
    let logins: Vec<String> = DEMO_OPERATORS
        .iter()
        .map(|(id, _, role, pin)| format!("{} {id} PIN {pin}", role.as_str()))
        .collect();
    println!("demo operators (if unchanged): {}", logins.join(", "));
    // The X.509 product issues against a work order (its quota is per order): start the line
    // on the CLI demo's work order unless a supervisor already set one.
    if store
        .line_setup()
        .map_err(CliError::from)?
        .work_order
        .is_none()
        && config.station.work_order.is_none()
    {
        store
            .set_line_setting(
                &config.station.id,
                "station-demo",
                LineSetting::WorkOrder,
                Some(DEMO_WORK_ORDER),
            )
            .map_err(CliError::from)?;
    }
    Ok(())
}

/// Starts the project's custom-allocation webhook when a product uses the custom policy, and
/// points those products at it (its address is known only once it listens).
fn start_allocation_hook(
    config: &mut station_config::StationConfig,
    fixture_dir: &std::path::Path,
) -> anyhow::Result<Option<dps_local::hook::AllocationHook>> {
    use station_config::AllocationPolicyName;
    let custom = |p: &station_config::ProductProfile| {
        p.allocation
            .as_ref()
            .is_some_and(|a| a.policy == AllocationPolicyName::Custom)
    };
    if !config.products.iter().any(custom) {
        return Ok(None);
    }
    let dir = fixture_dir
        .parent()
        .unwrap_or(fixture_dir)
        .join("allocation-hook");
    let hook =
        dps_local::hook::AllocationHook::start(&dir, dps_local::hook::HookBehaviour::Allocate)
            .map_err(|e| {
                CliError::anyhow(
                    "station::demo::allocation_hook",
                    format!(
                        "could not start the demo's allocation webhook: {}",
                        chain(&e)
                    ),
                )
            })?;
    for product in config.products.iter_mut().filter(|p| custom(p)) {
        if let Some(allocation) = &mut product.allocation {
            allocation.webhook_url = Some(hook.url());
        }
    }
    Ok(Some(hook))
}

/// The demo's dps-local: its products' ID scope, every hub a product names linked (the
/// default hub when none does), and the webhook's CA trusted.
fn demo_device_settings(
    config: &station_config::StationConfig,
    hook: Option<&dps_local::hook::AllocationHook>,
) -> anyhow::Result<dps_local::DeviceSettings> {
    let mut hubs: Vec<String> = Vec::new();
    for product in &config.products {
        let named = product
            .allocation
            .iter()
            .flat_map(|a| a.iot_hubs.iter())
            .chain(product.iot_hub_host_name.iter());
        for hub in named {
            if !hubs.iter().any(|h| h.eq_ignore_ascii_case(hub)) {
                hubs.push(hub.clone());
            }
        }
    }
    if hubs.is_empty() {
        hubs.push(dps_local::DEFAULT_HUB.to_owned());
    }
    let webhook_roots = match hook {
        Some(hook) => hook
            .ca_der()
            .map_err(|e| anyhow::anyhow!("the allocation webhook's CA: {e}"))?,
        None => Vec::new(),
    };
    Ok(dps_local::DeviceSettings {
        id_scope: config
            .products
            .first()
            .map(|p| p.dps.id_scope.clone())
            .unwrap_or_default(),
        linked_hubs: hubs.into_iter().map(dps_local::LinkedHub::new).collect(),
        // DPS asks devices to wait ~3 s before the first lookup; the demo's service asks for 1.
        retry_after_secs: 1,
        webhook_roots,
        ..dps_local::DeviceSettings::default()
    })
}

pub(crate) fn demo(args: &DemoArgs) -> anyhow::Result<u8> {
    let config = if args.config.exists() {
        station_config::load(&args.config)
    } else {
        let origin = std::env::current_dir()?.join(&args.config);
        station_config::parse_str(EMBEDDED_DEMO, &origin)
    }
    .map_err(CliError::from)?;
    crate::preflight::programs(args.line.is_some())?;
    ensure_demo_ca(&config)?;
    ensure_demo_secrets(&config)?;
    if let Some(stations) = args.line {
        let work_order = config
            .station
            .work_order
            .clone()
            .unwrap_or_else(|| DEMO_WORK_ORDER.into());
        return crate::demo_line::run(&config, &args.config, stations, &work_order);
    }
    if args.setup_only {
        prepare_desktop_demo(&config)?;
        println!(
            "demo ready: station-desktop --config {}",
            args.config.display()
        );
        return Ok(EXIT_OK);
    }
    let ports_file = config.fixture.ports_file.clone().ok_or_else(|| {
        CliError::anyhow(
            "station::demo::no_fixture",
            "the demo configuration has no fixture.ports_file",
        )
    })?;
    let fixture_dir = ports_file
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    // New boards in every slot: a demo provisions fresh DUTs each time.
    virtual_dut::station::fresh_boards(&config, &fixture_dir);
    let (spec, fixture) = crate::virtual_fixture::start(&config, &fixture_dir)?;
    println!(
        "virtual fixture: {} slot(s) at {} baud, ports in {}",
        spec.slots.len(),
        config.fixture.baud,
        fixture.ports_file().display()
    );
    let mut config = config;
    // The demo serves the custom-allocation webhook its products name, and links their hubs.
    let hook = start_allocation_hook(&mut config, &fixture_dir)?;
    let device = demo_device_settings(&config, hook.as_ref())?;
    let db = config.storage.database.clone();
    let upload = config.upload.clone();
    let secrets = config.secrets.clone();
    // The demo has no login: a fixed demo operator and work order stand in.
    let operator = config
        .station
        .operator
        .clone()
        .unwrap_or_else(|| "demo-operator".into());
    let work_order = config
        .station
        .work_order
        .clone()
        .unwrap_or_else(|| DEMO_WORK_ORDER.into());
    let summary = station_cli::embed::run(config, &args.config, &operator, &work_order, args.json)?;
    if !args.json {
        println!(
            "\nflash of each virtual DUT (virtual-fixture dump --dir {}):",
            fixture_dir.display()
        );
        for slot in &spec.slots {
            match fixture.flash(slot.index) {
                Ok(image) => print!("slot {}: {}", slot.index, image.dump(false)),
                Err(e) => println!("slot {}: cannot read flash: {e}", slot.index),
            }
        }
        let store = Store::open(&db).map_err(CliError::from)?;
        let run = station_store::RunId(summary.run_id.clone());
        let passed = store.units(&UnitFilter {
            run: Some(run),
            status: Some(UnitStatus::Pass),
            ..Default::default()
        })?;
        let queued = store.enrollments(Some(EnrollmentStatus::Queued))?;
        println!(
            "\ndatabase {}: this run {} PASS unit(s); {} enrollment(s) queued in all; audit chain: {}",
            db.display(),
            passed.len(),
            queued.len(),
            match store.verify_audit() {
                Ok(r) => format!("ok ({} rows)", r.rows),
                Err(e) => format!("BROKEN: {e}"),
            }
        );
    }
    let dps = crate::upload::demo_upload(
        upload.as_ref(),
        &secrets,
        &db,
        &summary.run_id,
        device,
        args.json,
    )?;
    fixture.stop();
    if let Some(dps) = dps {
        register_boards(&dps, &spec, &fixture_dir, args.json)?;
    }
    Ok(if summary.failed() == 0 {
        EXIT_OK
    } else {
        EXIT_UNIT_FAILED
    })
}

/// Creates the development CA of each file-backed X.509 demo product on the first run: a
/// random passphrase in the product's passphrase file, then `station ca init`. Later runs
/// reuse it (so the demo database's certificates all chain to one root).
fn ensure_demo_ca(config: &station_config::StationConfig) -> anyhow::Result<()> {
    use station_config::{AttestationConfig, CaConfig, SecretSource};
    for product in &config.products {
        let AttestationConfig::X509 { ca, .. } = &product.attestation else {
            continue;
        };
        let CaConfig::File {
            passphrase: SecretSource::File { file },
            ..
        } = ca
        else {
            continue;
        };
        if ca.certificate().exists() {
            continue;
        }
        if !file.exists() {
            let mut bytes = [0u8; 24];
            rand::fill(&mut bytes[..]);
            let pass: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            if let Some(dir) = file.parent() {
                private_files::create_dir_all(dir)?;
            }
            private_files::write_new(file, pass.as_bytes())?;
        }
        // A throw-away demo key: low KDF cost keeps the debug build quick.
        let made = station_cli::embed::init_ca(
            &product.id,
            ca,
            365,
            station_identity::pki::file::KdfCost::Low,
        )?;
        println!("{made}\n");
    }
    Ok(())
}

/// Creates the demo uploader's age identity and its recipients file on the first run, where
/// `[secrets]` names them: the demo seals device keys to it, and its uploader opens them.
fn ensure_demo_secrets(config: &station_config::StationConfig) -> anyhow::Result<()> {
    let secrets = &config.secrets;
    let Some(identity) = &secrets.identity_file else {
        return Ok(());
    };
    if !identity.exists() {
        let (text, public) = station_seal::generate_identity();
        if let Some(dir) = identity.parent() {
            private_files::create_dir_all(dir)?;
        }
        private_files::write_new(identity, text.as_bytes())?;
        if let Some(recipients) = &secrets.recipients_file {
            let _ = std::fs::remove_file(recipients);
            private_files::write_new(recipients, format!("{public}\n").as_bytes())?;
        }
        println!(
            "demo uploader identity: {} (public key {public})",
            identity.display()
        );
    }
    Ok(())
}

/// Field boot: every board, out of the fixture, registers with dps-local using only what it
/// holds (virtual_dut::field): symmetric-key and X.509 boards over MQTT, TPM boards over HTTPS
/// through the TPM challenge; then each connects to the hub it was assigned (dps-local plays
/// the hubs on its MQTT listener), reads its twin and reports its firmware version. Every
/// board must be assigned and connected.
///
/// (See [`start_allocation_hook`] and [`demo_device_settings`] for the hubs and the webhook.)
fn register_boards(
    dps: &dps_local::ServerThread,
    spec: &virtual_dut::FixtureSpec,
    fixture_dir: &std::path::Path,
    json: bool,
) -> anyhow::Result<()> {
    use virtual_dut::field::{FieldNetwork, FieldOutcome, register_board};
    let port = dps
        .mqtt_addr()
        .map_or(virtual_dut::field::DPS_MQTT_PORT, |a| a.port());
    let mut network = FieldNetwork::from_roots_file(&dps.ca_file(), port)
        .map_err(|e| anyhow::anyhow!("cannot read dps-local's trust file: {e}"))?;
    // TPM boards register over HTTPS, on dps-local's port.
    network.https_port = dps.addr().port();
    if !json {
        println!(
            "\nfield boot: each board registers with dps-local from its own flash (MQTT port {}; TPM boards over HTTPS, port {})",
            network.default_port, network.https_port
        );
    }
    // The boards boot together, as a batch powered up in the field would.
    let outcomes: Vec<(u16, FieldOutcome)> = std::thread::scope(|scope| {
        let handles: Vec<_> = spec
            .slots
            .iter()
            .map(|slot| {
                let dir = fixture_dir.join(format!("slot-{}", slot.index));
                let network = &network;
                (
                    slot.index,
                    scope.spawn(move || register_board(&dir, network)),
                )
            })
            .collect();
        handles
            .into_iter()
            .map(|(index, h)| {
                let outcome = match h.join() {
                    Ok(Ok(o)) => o,
                    Ok(Err(e)) => FieldOutcome::Refused(format!("cannot read the board: {e}")),
                    Err(_) => FieldOutcome::Refused("the field firmware crashed".into()),
                };
                (index, outcome)
            })
            .collect()
    });
    let (mut connected, mut failed) = (0, Vec::new());
    for (index, outcome) in outcomes {
        if outcome.connected() {
            connected += 1;
        } else {
            failed.push(index);
        }
        if json {
            println!(
                "{}",
                serde_json::json!({ "kind": "fieldBoot", "slot": index, "outcome": outcome.to_string() })
            );
        } else {
            println!("  slot {index:>2} {outcome}");
        }
    }
    if !json {
        println!(
            "{connected} of {} boards registered and connected to their hub",
            spec.slots.len()
        );
    }
    if !failed.is_empty() {
        return Err(CliError::anyhow(
            "station::demo::not_registered",
            format!(
                "board(s) in slot(s) {failed:?} did not register with dps-local and connect to their hub"
            ),
        ));
    }
    Ok(())
}
