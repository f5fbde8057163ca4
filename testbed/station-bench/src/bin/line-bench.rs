//! `line-bench`: the line database's figures (issue 16), against a throwaway PostgreSQL on
//! this machine.
//!
//! (a) `reserve`: S stations × N slots, each slot provisioning units back to back through the
//!     line calls a real symmetric-key unit makes (serial, registration ID and the key's hash
//!     reserved at attest; kept and its outcome copied after the lock) and the
//!     SQLite store work of the same unit (begin, PASS with its enrollment, fsynced), through
//!     the station's real `LineLink` (one connection per station, shared by its slots) and
//!     `Store`. `--pace-ms` paces each slot at one unit per that many ms (a real unit on the
//!     virtual fixture takes ~150 ms at 115200 baud), each slot at a random phase; 0 is flat
//!     out, to find saturation.
//!     Reports per-unit line latency (p50/p99/max) beside the store's, and units/s.
//! (b) `budget`: S stations' uploaders, each with its own queue, uploading to dps-local with
//!     its rate limit at the budget, all drawing from the line's budget in the line database.
//!     Reports the line's share of the budget and the 429s.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use station_config::OfflinePolicy;
use station_linedb::cluster::Cluster;
use station_linedb::{Identity, IdentityKind, LineBudget, LineDb};
use station_pipeline::LineLink;
use station_store::{NewEnrollment, NewRun, NewUnit, RunId, Store, UnitId};

#[derive(Parser)]
#[command(name = "line-bench", about = "Line database benchmarks (issue 16)")]
struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// (a) Reservations: per-unit added latency and units per second.
    Reserve {
        /// Stations (one line-database connection each).
        #[arg(long, default_value_t = 4)]
        stations: usize,
        /// Slots per station.
        #[arg(long, default_value_t = 8)]
        slots: usize,
        /// Units per slot.
        #[arg(long, default_value_t = 40)]
        units: usize,
        /// One unit per slot every this many ms (0: flat out).
        #[arg(long, default_value_t = 150)]
        pace_ms: u64,
    },
    /// (b) The line's shared DPS budget against dps-local's rate limit.
    Budget {
        /// Stations (uploaders).
        #[arg(long, default_value_t = 4)]
        stations: usize,
        /// Enrollments per station.
        #[arg(long, default_value_t = 250)]
        per_station: usize,
        /// The budget (operations per minute), also dps-local's limit.
        #[arg(long, default_value_t = 1000)]
        ops_per_minute: u32,
    },
}

fn main() -> anyhow::Result<()> {
    match Args::parse().command {
        Cmd::Reserve {
            stations,
            slots,
            units,
            pace_ms,
        } => reserve(stations, slots, units, pace_ms),
        Cmd::Budget {
            stations,
            per_station,
            ops_per_minute,
        } => budget(stations, per_station, ops_per_minute),
    }
}

/// One unit's timings.
#[derive(Clone, Copy)]
struct Sample {
    line: Duration,
    store: Duration,
}

fn new_run(store: &Store, station: &str) -> anyhow::Result<RunId> {
    let run = RunId::from(format!("bench-{station}"));
    store.start_run(&NewRun {
        id: run.clone(),
        station_id: station.into(),
        operator: "bench".into(),
        work_order: Some("WO-BENCH".into()),
        config_path: "bench".into(),
    })?;
    Ok(run)
}

fn reserve(stations: usize, slots: usize, units: usize, pace_ms: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let cluster = if std::env::var_os("LINE_BENCH_NO_FSYNC").is_some() {
        Cluster::start(&dir.path().join("pg"))?
    } else {
        Cluster::start_durable(&dir.path().join("pg"))?
    };
    let line: Vec<(String, Arc<Store>, Arc<LineLink>, RunId)> = (0..stations)
        .map(|s| {
            let id = format!("bench-{s}");
            let store = Arc::new(Store::open(&dir.path().join(format!("{id}.db")))?);
            let db = LineDb::connect(&cluster.url(), Some(cluster.password()), &id)?;
            let run = new_run(&store, &id)?;
            let link = Arc::new(
                LineLink::new(db, OfflinePolicy::Refuse, 50)
                    .with_connections(slots.min(station_pipeline::MAX_LINE_CONNECTIONS)),
            );
            Ok((id, store, link, run))
        })
        .collect::<anyhow::Result<_>>()?;
    let pace = Duration::from_millis(pace_ms);
    let started = Instant::now();
    let samples: Vec<Sample> = std::thread::scope(|scope| {
        let handles: Vec<_> = line
            .iter()
            .flat_map(|(id, store, link, run)| {
                (0..slots).map(move |slot| {
                    scope.spawn(move || slot_loop(id, store, link, run, slot, units, pace))
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("slot thread"))
            .collect()
    });
    let wall = started.elapsed().as_secs_f64();
    let mut line_ms: Vec<f64> = samples.iter().map(|s| ms(s.line)).collect();
    let mut store_ms: Vec<f64> = samples.iter().map(|s| ms(s.store)).collect();
    line_ms.sort_by(f64::total_cmp);
    store_ms.sort_by(f64::total_cmp);
    #[allow(clippy::cast_precision_loss)]
    let rate = samples.len() as f64 / wall;
    println!(
        "stations={stations} slots={slots} units={} pace={pace_ms}ms wall={wall:.1}s units/s={rate:.0} reservations/s={:.0}",
        samples.len(),
        rate
    );
    println!(
        "line per unit:  p50={:.2} ms p99={:.2} ms max={:.2} ms",
        pct(&line_ms, 0.50),
        pct(&line_ms, 0.99),
        line_ms.last().copied().unwrap_or(0.0)
    );
    println!(
        "store per unit: p50={:.2} ms p99={:.2} ms max={:.2} ms",
        pct(&store_ms, 0.50),
        pct(&store_ms, 0.99),
        store_ms.last().copied().unwrap_or(0.0)
    );
    Ok(())
}

fn slot_loop(
    station: &str,
    store: &Store,
    link: &LineLink,
    run: &RunId,
    slot: usize,
    units: usize,
    pace: Duration,
) -> Vec<Sample> {
    let mut out = Vec::with_capacity(units);
    // Slots of a running line are not in step: each starts at its own phase of the pace.
    if !pace.is_zero() {
        use rand::Rng as _;
        std::thread::sleep(pace.mul_f64(rand::rng().random_range(0.0..1.0)));
    }
    for u in 0..units {
        let t0 = Instant::now();
        let serial = format!("SN-{station}-{slot}-{u}");
        let registration_id = format!("reg-{station}-{slot}-{u}");
        let unit = store
            .begin_unit(&NewUnit {
                run_id: run.clone(),
                slot: u16::try_from(slot + 1).unwrap_or(u16::MAX),
                serial: serial.clone(),
                product: "bench".into(),
                registration_id: registration_id.clone(),
                attestation: "symmetric-key".into(),
                work_order: Some("WO-BENCH".into()),
                operator: "bench".into(),
                station_id: station.into(),
                identity_json: None,
                rework: false,
            })
            .expect("begin unit");
        let t1 = Instant::now();
        // As a symmetric-key unit at attest: serial, registration ID and the key's hash, in one.
        link.reserve(
            store,
            unit,
            &[
                Identity::new(IdentityKind::Serial, serial.clone()),
                Identity::new(IdentityKind::RegistrationId, registration_id.clone()),
                Identity::new(
                    IdentityKind::SymkeySha256,
                    station_store::setting_digest(registration_id.as_bytes()),
                ),
            ],
        )
        .expect("reserve at attest");
        let t2 = Instant::now();
        store
            .finish_pass(
                unit,
                &[],
                Some(&NewEnrollment {
                    registration_id: registration_id.clone(),
                    payload_json: format!("{{\"registrationId\":\"{registration_id}\"}}"),
                    sealed: None,
                }),
            )
            .expect("pass");
        let t3 = Instant::now();
        record(link, store, unit, &serial, &registration_id);
        let t4 = Instant::now();
        out.push(Sample {
            line: (t2 - t1) + (t4 - t3),
            store: (t1 - t0) + (t3 - t2),
        });
        if let Some(rest) = pace.checked_sub(t0.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    out
}

fn record(link: &LineLink, store: &Store, unit: UnitId, serial: &str, registration_id: &str) {
    link.finish(
        store,
        unit,
        Some(serial),
        Some(registration_id),
        "bench",
        Some("WO-BENCH"),
        None,
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn pct(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn budget(stations: usize, per_station: usize, ops_per_minute: u32) -> anyhow::Result<()> {
    use station_upload::client::DpsClient;
    use station_upload::queue::StoreQueue;
    use station_upload::uploader::{RunMode, Uploader, UploaderSettings};
    let dir = tempfile::tempdir()?;
    let cluster = if std::env::var_os("LINE_BENCH_NO_FSYNC").is_some() {
        Cluster::start(&dir.path().join("pg"))?
    } else {
        Cluster::start_durable(&dir.path().join("pg"))?
    };
    let mut config = dps_local::Config::new(dir.path().join("dps"));
    config.rate_limit = dps_local::RateLimit {
        ops_per_minute: Some(ops_per_minute),
        bulk_cost: 10,
        burst: None,
    };
    let server = dps_local::ServerThread::start(config)?;
    let client = Arc::new(
        DpsClient::builder(server.connection_string())
            .with_trust_anchor_file(server.ca_file())
            .build()?,
    );
    let queues: Vec<(Arc<Store>, Arc<LineBudget>)> = (0..stations)
        .map(|s| {
            let id = format!("bench-{s}");
            let store = Arc::new(Store::open(&dir.path().join(format!("{id}.db")))?);
            let run = new_run(&store, &id)?;
            for u in 0..per_station {
                let registration_id = format!("bud-{s}-{u}");
                let unit = store.begin_unit(&NewUnit {
                    run_id: run.clone(),
                    slot: 1,
                    serial: format!("SN-bud-{s}-{u}"),
                    product: "bench".into(),
                    registration_id: registration_id.clone(),
                    attestation: "symmetric-key".into(),
                    work_order: Some("WO-BENCH".into()),
                    operator: "bench".into(),
                    station_id: id.clone(),
                    identity_json: None,
                    rework: false,
                })?;
                let key = base64_key(s, u);
                store.finish_pass(
                    unit,
                    &[],
                    Some(&NewEnrollment {
                        registration_id: registration_id.clone(),
                        payload_json: format!(
                            r#"{{"registrationId":"{registration_id}","attestation":{{"type":"symmetricKey","symmetricKey":{{"primaryKey":"{key}","secondaryKey":"{key}"}}}},"provisioningStatus":"enabled"}}"#
                        ),
                        sealed: None,
                    }),
                )?;
            }
            let db = LineDb::connect(&cluster.url(), Some(cluster.password()), &id)?;
            Ok((store, Arc::new(LineBudget::new(db, "dps:bench", ops_per_minute, 11))))
        })
        .collect::<anyhow::Result<_>>()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let started = Instant::now();
    let stats = runtime.block_on(async {
        let tasks: Vec<_> = queues
            .iter()
            .map(|(store, budget)| {
                let queue =
                    Arc::new(StoreQueue::open(Arc::clone(store), "uploader").expect("queue"));
                let budget = Arc::clone(budget);
                let mut uploader = Uploader::new(
                    Arc::clone(&client),
                    queue,
                    UploaderSettings {
                        ops_per_minute,
                        ..UploaderSettings::default()
                    },
                    tokio::sync::watch::channel(false).1,
                )
                .with_shared_budget(Arc::new(move |n: u32| {
                    budget.take(n).map_err(|e| e.to_string())
                }));
                tokio::spawn(async move { uploader.run(RunMode::Drain).await })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await);
        }
        out
    });
    let wall = started.elapsed().as_secs_f64();
    let mut ops = 0;
    let mut throttled = 0;
    let mut created = 0;
    for s in stats {
        let s = s??;
        ops += s.ops;
        throttled += s.throttled;
        created += s.created;
    }
    let server_stats = server.stats();
    #[allow(clippy::cast_precision_loss)]
    let share = ops as f64 / (wall * f64::from(ops_per_minute) / 60.0);
    println!(
        "stations={stations} enrollments={created} budget={ops_per_minute}/min wall={wall:.1}s ops={ops} share={:.1}% uploader-429s={throttled} dps-429s={}",
        share * 100.0,
        server_stats.throttled
    );
    Ok(())
}

fn base64_key(s: usize, u: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("bench-key-{s:04}-{u:08}-32bytes!"))
}
