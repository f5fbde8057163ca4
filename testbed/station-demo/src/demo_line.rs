//! `station-demo --line N`: a line of N stations, each on its own virtual fixture and its own
//! SQLite store, against one throwaway line database (Debian's PostgreSQL, a cluster in the
//! demo's directory on a free port, stopped at the end), run at once; then the line's view.

use station_errors::Coded as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use station_config::{LineDbSection, OfflinePolicy, SecretSource, StationConfig};
use station_pipeline::{EventSink, ProgressEvent, RunRequest, UnitOutcome};
use station_store::Store;

use station_cli::embed::{CliError, chain};

/// Most stations a demo line may have.
pub(crate) const MAX_STATIONS: u8 = 8;

/// One line per finished unit, named by its station.
struct LinePrinter(String);

impl EventSink for LinePrinter {
    fn event(&self, event: &ProgressEvent) {
        if let ProgressEvent::UnitFinished {
            slot,
            serial,
            outcome,
            wall_ms,
            ..
        } = event
        {
            let serial = serial.as_deref().unwrap_or("-");
            match outcome {
                UnitOutcome::Pass { .. } => {
                    println!("[{}] slot {slot} {serial}: PASS ({wall_ms:.0} ms)", self.0);
                }
                UnitOutcome::Fail { code, message, .. } => {
                    println!("[{}] slot {slot} {serial}: FAIL {code}: {message}", self.0);
                }
                UnitOutcome::Skipped { message, .. } => {
                    println!("[{}] slot {slot} {serial}: skipped: {message}", self.0);
                }
            }
        }
    }
}

/// Runs the line demo; `config` is the single-station demo configuration it copies.
pub(crate) fn run(
    config: &StationConfig,
    config_path: &Path,
    stations: u8,
    work_order: &str,
) -> anyhow::Result<u8> {
    if !(2..=MAX_STATIONS).contains(&stations) {
        return Err(CliError::anyhow(
            "station::demo::line_size",
            format!("a demo line of {stations} station(s)"),
        ));
    }
    let base = config
        .storage
        .database
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        .join("line");
    // A fresh line each time: its database, stores and boards.
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base)?;
    let log = station_cli::embed::init_logging(&config.station)?;
    println!("log: {}", log.path.display());
    let cluster = station_linedb::cluster::Cluster::start(&base.join("line-db")).map_err(|e| {
        CliError::anyhow(
            "station::demo::line_db",
            format!("could not start the demo's line database: {e}"),
        )
    })?;
    // TLS only, as a site should run it: a development CA signs the server's certificate and
    // every station verifies it.
    let tls_failed = |e: std::io::Error| {
        CliError::anyhow(
            "station::demo::line_db",
            format!("could not give the demo's line database TLS: {e}"),
        )
    };
    let (ca_pem, cert_pem, key_pem) =
        station_linedb::cluster::dev_certificate().map_err(tls_failed)?;
    cluster
        .enable_tls(&cert_pem, &key_pem, true)
        .map_err(tls_failed)?;
    let ca_file = base.join("line-db-ca.pem");
    std::fs::write(&ca_file, &ca_pem)?;
    // The line's admin role (the cluster's owner) migrates and gives each station its own
    // role, which writes only that station's rows (docs/line-database.md).
    let line_failed = |e: station_linedb::LineDbError| CliError::anyhow(e.code(), chain(&e));
    let mut admin =
        station_linedb::LineDb::apart(&cluster.url(), Some(cluster.password()), &config.station.id)
            .and_then(|db| db.with_ca(ca_pem.as_bytes()))
            .and_then(station_linedb::LineDb::opened)
            .map_err(line_failed)?;
    println!(
        "line database: PostgreSQL on 127.0.0.1:{} (TLS only, CA {}; {}), {stations} stations",
        cluster.port(),
        ca_file.display(),
        base.join("line-db").display()
    );
    let mut line = Vec::new();
    for n in 1..=stations {
        let mut c = config.clone();
        c.station.id = format!("{}-{n}", config.station.id);
        let dir = base.join(format!("station-{n}"));
        c.storage.database = dir.join("station.db");
        let fixture_dir = dir.join("fixture");
        c.fixture.ports_file = Some(fixture_dir.join("ports.toml"));
        std::fs::create_dir_all(&dir)?;
        let mut secret = [0u8; 24];
        rand::fill(&mut secret[..]);
        let role_password: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        admin
            .add_station_role(&c.station.id, &role_password)
            .map_err(line_failed)?;
        let password_file = dir.join("line-db.password");
        station_store::private_files::write(&password_file, role_password.as_bytes())?;
        c.line_db = Some(LineDbSection {
            url: format!(
                "host=127.0.0.1 port={} user={} dbname=postgres",
                cluster.port(),
                c.station.id
            ),
            password: Some(SecretSource::File {
                file: password_file.clone(),
            }),
            offline: OfflinePolicy::Refuse,
            lease_block: 50,
            ca_file: Some(ca_file.clone()),
            insecure_plaintext: false,
            admin_user: None,
            admin_password: None,
        });
        let (spec, fixture) = crate::virtual_fixture::start(&c, &fixture_dir)?;
        let store = Arc::new(Store::open(&c.storage.database).map_err(CliError::from)?);
        let id = c.station.id.clone();
        let station = station_cli::embed::station_for(c, config_path, store)?;
        println!(
            "station {id}: {} slot(s) on its own virtual fixture",
            spec.slots.len()
        );
        line.push((id, station, fixture));
    }
    let summaries: Vec<anyhow::Result<station_pipeline::RunSummary>> = std::thread::scope(|s| {
        let runs: Vec<_> = line
            .iter()
            .map(|(id, station, _)| {
                s.spawn(move || {
                    let request = RunRequest {
                        operator: "demo-operator".into(),
                        work_order: Some(work_order.to_owned()),
                        ..Default::default()
                    };
                    station
                        .run(&request, &LinePrinter(id.clone()))
                        .map_err(|e| anyhow::Error::from(CliError::from(e)))
                })
            })
            .collect();
        runs.into_iter()
            .map(|r| {
                r.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a station panicked")))
            })
            .collect()
    });
    let mut failed = 0;
    for ((_, station, _), summary) in line.iter().zip(summaries) {
        failed += summary?.failed();
        station_cli::embed::sync_line(station, false);
    }
    let status = line
        .first()
        .and_then(|(_, station, _)| station.line())
        .map(|link| link.with_db(station_linedb::LineDb::status))
        .transpose()
        .map_err(|e| CliError::anyhow(e.code(), chain(&e)))?;
    for (_, _, fixture) in line {
        fixture.stop();
    }
    if let Some(status) = status {
        println!();
        station_cli::embed::print_line_status(&format!("{}-1", config.station.id), 0, &status);
    }
    drop(cluster);
    Ok(if failed == 0 {
        station_cli::EXIT_OK
    } else {
        station_cli::EXIT_UNIT_FAILED
    })
}
