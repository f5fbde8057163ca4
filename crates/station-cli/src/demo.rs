//! `station demo`: fresh boards on a virtual fixture, provisioned with the demo configuration.

use std::path::PathBuf;

use clap::Args;
use station_store::{EnrollmentStatus, Store, UnitFilter, UnitStatus};
use virtual_dut::Fixture;

use crate::output::CliError;
use crate::run::{RunArgs, run_loaded};
use crate::{EXIT_OK, EXIT_UNIT_FAILED};

/// The demo configuration, built in so `station demo` works from any directory.
const EMBEDDED_DEMO: &str = include_str!("../../../station-config/demo.toml");

/// Arguments of `station demo`.
#[derive(Args)]
pub(crate) struct DemoArgs {
    /// Demo configuration; the built-in copy of station-config/demo.toml when the file is absent.
    #[arg(long, default_value = "station-config/demo.toml")]
    config: PathBuf,
    /// Progress as JSON lines.
    #[arg(long)]
    json: bool,
}

pub(crate) fn demo(args: &DemoArgs) -> anyhow::Result<u8> {
    let config = if args.config.exists() {
        station_config::load(&args.config)
    } else {
        let origin = std::env::current_dir()?.join(&args.config);
        station_config::parse_str(EMBEDDED_DEMO, &origin)
    }
    .map_err(CliError::from)?;
    ensure_demo_ca(&config)?;
    let ports_file = config.fixture.ports_file.clone().ok_or_else(|| {
        CliError::anyhow(
            "station::demo::no_fixture",
            "the demo configuration has no fixture.ports_file",
            "Use station-config/demo.toml.",
        )
    })?;
    let fixture_dir = ports_file
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    // New boards in every slot: a demo provisions fresh DUTs each time.
    virtual_dut::station::fresh_boards(&config, &fixture_dir);
    let spec = virtual_dut::station::spec_for(&config, &fixture_dir).map_err(|e| {
        CliError::anyhow(
            "station::demo::tpm_ca",
            crate::output::chain(&e),
            "Install swtpm and swtpm-tools (scripts/bootstrap.sh does), then run the demo again.",
        )
    })?;
    let fixture = Fixture::start(&spec).map_err(|e| {
        CliError::anyhow(
            "station::demo::fixture",
            format!("could not start the virtual fixture: {e}"),
            "Check that /dev/ptmx is available.",
        )
    })?;
    println!(
        "virtual fixture: {} slot(s) at {} baud, ports in {}",
        spec.slots.len(),
        config.fixture.baud,
        fixture.ports_file().display()
    );
    let db = config.storage.database.clone();
    let upload = config.upload.clone();
    let run_args = RunArgs {
        config: args.config.clone(),
        slots: Vec::new(),
        // The demo has no login: a fixed demo operator and work order stand in.
        operator: Some(
            config
                .station
                .operator
                .clone()
                .unwrap_or_else(|| "demo-operator".into()),
        ),
        work_order: Some(
            config
                .station
                .work_order
                .clone()
                .unwrap_or_else(|| "WO-DEMO".into()),
        ),
        rework: false,
        products: Vec::new(),
        expect_serials: Vec::new(),
        json: args.json,
    };
    let summary = run_loaded(config, &args.config, &run_args)?;
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
    crate::upload::demo_upload(upload.as_ref(), &db, &summary.run_id, args.json)?;
    fixture.stop();
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
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(file, pass)?;
        }
        // A throw-away demo key: low KDF cost keeps the debug build quick.
        let made = crate::ca::init(
            &product.id,
            ca,
            365,
            station_identity::pki::file::KdfCost::Low,
            false,
        )?;
        println!("{made}\n");
    }
    Ok(())
}
