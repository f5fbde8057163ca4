//! `upload-bench`: the upload and export figures of issue 5.
//!
//! (a) `upload`: N queued enrollments uploaded to dps-local (real HTTPS on loopback) with the
//!     service limited to the budget and the uploader paced at the same budget. Time is scaled:
//!     both the budget and dps-local's limit are multiplied by `--scale`, so 10,000 enrollments
//!     at 1,000 ops/min (10 min) run in 1 min at scale 10. Reports the achieved rate against
//!     the budget and the 429s seen.
//! (b) `export`: N enrollments exported (JSON, CSV, signed manifest); wall time and peak RSS of
//!     a child process that does only the export.
//!
//! (c) `batch`: N enrollments exported, then `station verify-export` and `station import` (the
//!     real CLI binary, beside this one) into dps-local with its rate limit off: wall time and
//!     peak RSS of each (VmHWM of the child, sampled every 20 ms while it runs).
//!
//! The queue is seeded with plain SQL in one transaction (a million PASS transactions with
//! their fsyncs would take hours); seeding writes no audit rows.
#![forbid(unsafe_code)]

#[allow(dead_code, reason = "each bench binary uses part of the shared module")]
mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use clap::{Parser, Subcommand};
use station_store::{ExportFilter, Store};
use station_upload::client::DpsClient;
use station_upload::export::{ExportRequest, StationSigner, write_export};
use station_upload::queue::StoreQueue;
use station_upload::uploader::{RunMode, Uploader, UploaderSettings};

#[derive(Parser)]
#[command(
    name = "upload-bench",
    about = "Upload and export benchmarks (issue 5)"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// (a) Upload N enrollments within the budget.
    Upload {
        /// Enrollments.
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        /// The budget in operations per minute (before scaling).
        #[arg(long, default_value_t = 1000)]
        budget: u32,
        /// Time scale: budget and server limit are multiplied by this.
        #[arg(long, default_value_t = 10)]
        scale: u32,
    },
    /// (b) Export N enrollments.
    Export {
        /// Enrollments.
        #[arg(long, default_value_t = 1_000_000)]
        count: usize,
    },
    /// (c) Export N enrollments, then verify and import the batch with the `station` CLI.
    Batch {
        /// Enrollments.
        #[arg(long, default_value_t = 1_000_000)]
        count: usize,
    },
    /// The export alone, in a child process (prints wall time and peak RSS).
    #[command(hide = true)]
    ExportChild {
        /// The database.
        db: PathBuf,
        /// The output directory.
        out: PathBuf,
        /// The signing key.
        key: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Args::parse().command {
        Some(Cmd::Upload {
            count,
            budget,
            scale,
        }) => upload(count, budget, scale),
        Some(Cmd::Export { count }) => export(count),
        Some(Cmd::Batch { count }) => batch(count),
        Some(Cmd::ExportChild { db, out, key }) => export_child(&db, &out, &key),
        None => {
            upload(10_000, 1000, 10)?;
            export(1_000_000)
        }
    }
}

fn upload(count: usize, budget: u32, scale: u32) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let scaled = budget * scale;
    let mut config = dps_local::Config::new(dir.path().join("dps"));
    config.rate_limit = dps_local::RateLimit {
        ops_per_minute: Some(scaled),
        bulk_cost: 10,
        burst: None,
    };
    let server = dps_local::ServerThread::start(config)?;
    let db = dir.path().join("station.db");
    seed(&db, count)?;
    let store = Arc::new(Store::open(&db)?);
    let queue = Arc::new(StoreQueue::open(Arc::clone(&store), "bench")?);
    let client = Arc::new(
        DpsClient::builder(server.connection_string())
            .with_trust_anchor_file(server.ca_file())
            .build()?,
    );
    let settings = UploaderSettings {
        ops_per_minute: scaled,
        ops_per_bulk: 10,
        ..UploaderSettings::default()
    };
    println!(
        "(a) upload: {count} queued enrollments, budget {budget} ops/min x{scale} time scale = \
         {scaled} ops/min on the uploader and on dps-local (bulk = 10 ops)"
    );
    let runtime = tokio::runtime::Runtime::new()?;
    let started = Instant::now();
    let stats = runtime.block_on(async move {
        let (_tx, rx) = tokio::sync::watch::channel(false);
        Uploader::new(client, queue, settings, rx)
            .run(RunMode::Drain)
            .await
    })?;
    let elapsed = started.elapsed();
    let achieved = stats.ops as f64 / elapsed.as_secs_f64() * 60.0;
    let server_stats = server.stats();
    println!(
        "    {} created, {} conflict/rejected in {:.1} s ({} bulk calls, {} ops): {:.0} ops/min = \
         {:.1} % of the scaled budget ({:.0} ops/min unscaled against {budget})",
        stats.created,
        stats.conflicts + stats.rejected,
        elapsed.as_secs_f64(),
        stats.bulk_calls,
        stats.ops,
        achieved,
        achieved / f64::from(scaled) * 100.0,
        achieved / f64::from(scale),
    );
    println!(
        "    429 answers: {} (rate limit) + {} (forced); retries {}; dps-local holds {}",
        server_stats.throttled,
        server_stats.forced_throttles,
        stats.retries,
        server.enrollment_count()
    );
    Ok(())
}

fn export(count: usize) -> anyhow::Result<()> {
    let (_dir, out, key) = seeded_export(count, "(b) export")?;
    let trust = std::fs::read(station_upload::export::cert_path_for(&key))?;
    let verifying = Instant::now();
    let verified = station_upload::export::verify_export(&out, &trust)?;
    println!(
        "    verify-export: {} records verified in {:.2} s",
        verified.manifest.records,
        verifying.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Seeds `count` enrollments and exports them in a child process (which prints its figures);
/// returns the temporary directory, the batch and the signing key.
fn seeded_export(
    count: usize,
    label: &str,
) -> anyhow::Result<(tempfile::TempDir, PathBuf, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("station.db");
    let seeding = Instant::now();
    seed(&db, count)?;
    println!(
        "{label}: {count} enrollments seeded in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let out = dir.path().join("batch");
    let key = dir.path().join("keys/export.key");
    let child = std::process::Command::new(std::env::current_exe()?)
        .arg("export-child")
        .arg(&db)
        .arg(&out)
        .arg(&key)
        .output()?;
    print!("{}", String::from_utf8_lossy(&child.stdout));
    anyhow::ensure!(
        child.status.success(),
        "the export child failed: {}",
        String::from_utf8_lossy(&child.stderr)
    );
    Ok((dir, out, key))
}

fn batch(count: usize) -> anyhow::Result<()> {
    let (dir, out, key) = seeded_export(count, "(c) batch")?;
    let cert = station_upload::export::cert_path_for(&key);
    let server = dps_local::ServerThread::start(dps_local::Config::new(dir.path().join("dps")))?;
    let station = std::env::current_exe()?.with_file_name("station");
    let cert = cert.to_str().unwrap_or_default().to_owned();
    let batch = out.to_str().unwrap_or_default().to_owned();
    let (wall, rss, _) = measure(
        &station,
        &["verify-export", &batch, "--trust", &cert, "--json"],
        &dir.path().join("verify.out"),
    )?;
    println!(
        "    station verify-export: {count} records in {:.1} s; peak RSS {:.1} MiB",
        wall.as_secs_f64(),
        rss as f64 / 1024.0
    );
    let cs = server.connection_string_file().display().to_string();
    let ca = server.ca_file().display().to_string();
    let (wall, rss, last) = measure(
        &station,
        &[
            "import",
            &batch,
            "--trust",
            &cert,
            "--connection-string-file",
            &cs,
            "--dps-trust",
            &ca,
            "--ops-per-minute",
            "4000000000",
            "--json",
        ],
        &dir.path().join("import.out"),
    )?;
    let totals: serde_json::Value = serde_json::from_str(&last)?;
    println!(
        "    station import (verify + upload, rate limit off): {} created in {:.1} s = {:.0} \
         enrollments/s ({} requests); peak RSS {:.1} MiB; dps-local holds {}",
        totals["created"],
        wall.as_secs_f64(),
        count as f64 / wall.as_secs_f64(),
        totals["requests"],
        rss as f64 / 1024.0,
        server.enrollment_count()
    );
    Ok(())
}

/// Runs `program args` with stdout to `out`; returns its wall time, its peak RSS (KiB) and the
/// last line it printed.
fn measure(
    program: &Path,
    args: &[&str],
    out: &Path,
) -> anyhow::Result<(std::time::Duration, u64, String)> {
    let started = Instant::now();
    let mut child = std::process::Command::new(program)
        .args(args)
        .stdout(std::fs::File::create(out)?)
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let pid = child.id().to_string();
    let mut peak = 0u64;
    let status = loop {
        peak = peak.max(common::peak_rss_kib_of(&pid).unwrap_or(0));
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let wall = started.elapsed();
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut stderr)?;
    }
    anyhow::ensure!(status.success(), "{} failed: {stderr}", program.display());
    let text = std::fs::read_to_string(out)?;
    let last = text.lines().last().unwrap_or_default().to_owned();
    Ok((wall, peak, last))
}

fn export_child(db: &Path, out: &Path, key: &Path) -> anyhow::Result<()> {
    let store = Store::open(db)?;
    let (signer, _) = StationSigner::load_or_create(key, "bench")?;
    let started = Instant::now();
    let summary = write_export(
        &store,
        &ExportRequest {
            filter: ExportFilter::default(),
            out_dir: out.to_owned(),
            station_id: "bench".into(),
            actor: "bench".into(),
            crls: Vec::new(),
            sealed_for: None,
        },
        &signer,
    )?;
    let wall = started.elapsed();
    let bytes: u64 = summary.manifest.files.iter().map(|f| f.bytes).sum();
    println!(
        "    exported {} enrollments ({:.0} MB) in {:.2} s wall; peak RSS {} MiB",
        summary.manifest.records,
        bytes as f64 / 1e6,
        wall.as_secs_f64(),
        common::peak_rss_kib().map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0))
    );
    Ok(())
}

/// Creates the database and fills it with `count` passed units and queued enrollments that
/// look like the pipeline's (symmetric key, device information), in one transaction.
fn seed(db: &Path, count: usize) -> anyhow::Result<()> {
    drop(Store::open(db)?);
    let mut conn = rusqlite::Connection::open(db)?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    let tx = conn.transaction()?;
    let now = chrono::Utc::now();
    tx.execute(
        "INSERT INTO runs (id, station_id, operator, work_order, config_path, started_at)
         VALUES ('bench-run', 'bench', 'bench', 'WO-BENCH', 'bench.toml', ?1)",
        [now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)],
    )?;
    {
        let mut unit = tx.prepare(
            "INSERT INTO units (id, run_id, slot, serial, product, registration_id, attestation,
                 work_order, operator, station_id, status, started_at, finished_at)
             VALUES (?1, 'bench-run', 1, ?2, 'bench', ?3, 'symmetric-key', 'WO-BENCH', 'bench',
                 'bench', 'pass', ?4, ?4)",
        )?;
        let mut enrollment = tx.prepare(
            "INSERT INTO enrollments (unit_id, registration_id, payload_json, status, created_at,
                 updated_at)
             VALUES (?1, ?2, ?3, 'queued', ?4, ?4)",
        )?;
        for i in 0..count {
            let serial = format!("BENCH{i:08}");
            let reg = format!("bench-{}", serial.to_lowercase());
            let t = (now + chrono::Duration::microseconds(i as i64))
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            let key = base64::engine::general_purpose::STANDARD
                .encode(format!("bench-device-key-{i:015}"));
            let payload = format!(
                r#"{{"registrationId":"{reg}","attestation":{{"type":"symmetricKey","symmetricKey":{{"primaryKey":"{key}"}}}},"capabilities":{{"iotEdge":false}},"provisioningStatus":"enabled","optionalDeviceInformation":{{"serial":"{serial}","model":"VDUT-1","hw":"rev-b","fw":"1.4.2","station":"bench","workOrder":"WO-BENCH"}}}}"#
            );
            let id = i as i64 + 1;
            unit.execute(rusqlite::params![id, serial, reg, t])?;
            enrollment.execute(rusqlite::params![id, reg, payload, t])?;
        }
    }
    tx.commit()?;
    Ok(())
}
