//! The uploader against a real dps-local over HTTPS on loopback, with the fault knobs on: in
//! every case the final DPS state equals the expected set exactly (nothing lost, nothing extra,
//! no conflicting overwrite) and the station's queue agrees.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use dps_local::{Config, Faults, ServerThread};
use station_store::{EnrollmentStatus, NewEnrollment, NewRun, NewUnit, RunId, Store};
use station_upload::client::DpsClient;
use station_upload::queue::StoreQueue;
use station_upload::schema::{AttestationMechanism, IndividualEnrollment, ProvisioningStatus};
use station_upload::uploader::{RunMode, UploadStats, Uploader, UploaderSettings};

struct Setup {
    _dir: tempfile::TempDir,
    server: ServerThread,
    store: Arc<Store>,
    expected: BTreeMap<String, String>,
}

fn key(i: usize, salt: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("key-{salt}-{i:08}-padding-bytes!"))
}

fn enrollment(id: &str, key: &str) -> IndividualEnrollment {
    IndividualEnrollment {
        registration_id: id.parse().unwrap(),
        device_id: None,
        attestation: AttestationMechanism::symmetric_key(key.into(), None),
        capabilities: None,
        iot_hub_host_name: None,
        provisioning_status: Some(ProvisioningStatus::Enabled),
        optional_device_information: None,
        allocation: Default::default(),
        etag: None,
    }
}

/// A dps-local server and a store with `n` queued enrollments.
fn setup(n: usize, faults: Faults) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    config.faults = faults;
    config.seed = Some(7);
    let server = ServerThread::start(config).unwrap();
    let store = Arc::new(Store::open(&dir.path().join("station.db")).unwrap());
    let expected = queue(&store, n, "up");
    Setup {
        _dir: dir,
        server,
        store,
        expected,
    }
}

/// Queues `n` passed units' enrollments; returns registration ID → primary key.
fn queue(store: &Store, n: usize, prefix: &str) -> BTreeMap<String, String> {
    let run = RunId::from(format!("run-{prefix}"));
    store
        .start_run(&NewRun {
            id: run.clone(),
            station_id: "st-up".into(),
            operator: "tech".into(),
            work_order: Some("WO-UP".into()),
            config_path: "station.toml".into(),
        })
        .unwrap();
    let mut expected = BTreeMap::new();
    for i in 0..n {
        let id = format!("{prefix}-{i:04}");
        let unit = store
            .begin_unit(&NewUnit {
                run_id: run.clone(),
                slot: 1,
                serial: format!("SN-{prefix}-{i}"),
                product: "p".into(),
                registration_id: id.clone(),
                attestation: "symmetric-key".into(),
                work_order: Some("WO-UP".into()),
                operator: "tech".into(),
                station_id: "st-up".into(),
                identity_json: None,
                rework: false,
            })
            .unwrap();
        let k = key(i, prefix);
        store
            .finish_pass(
                unit,
                &[],
                Some(&NewEnrollment {
                    registration_id: id.clone(),
                    payload_json: serde_json::to_string(&enrollment(&id, &k)).unwrap(),
                    sealed: None,
                }),
            )
            .unwrap();
        expected.insert(id, k);
    }
    expected
}

fn client(server: &ServerThread) -> Arc<DpsClient> {
    Arc::new(
        DpsClient::builder(server.connection_string())
            .with_trust_anchor_file(server.ca_file())
            .with_timeout(Duration::from_secs(5))
            .build()
            .unwrap(),
    )
}

fn fast() -> UploaderSettings {
    UploaderSettings {
        ops_per_minute: 600_000,
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(300),
        max_attempts: 60,
        ..UploaderSettings::default()
    }
}

fn drain(s: &Setup, settings: UploaderSettings) -> UploadStats {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let queue = Arc::new(StoreQueue::open(Arc::clone(&s.store), "uploader").unwrap());
    let client = client(&s.server);
    runtime.block_on(async move {
        let (_tx, rx) = tokio::sync::watch::channel(false);
        Uploader::new(client, queue, settings, rx)
            .run(RunMode::Drain)
            .await
            .unwrap()
    })
}

/// What DPS holds, read back through the service API: registration ID → primary key.
fn dps_state(server: &ServerThread) -> BTreeMap<String, String> {
    server.set_faults(Faults::default());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = client(server);
    runtime.block_on(async move {
        client
            .query_all("*", 50)
            .await
            .unwrap()
            .into_iter()
            .map(|e| {
                let k = e.attestation.symmetric_key.unwrap().primary_key.unwrap();
                (e.registration_id.to_string(), k)
            })
            .collect()
    })
}

fn assert_exact(s: &Setup) {
    assert_eq!(
        dps_state(&s.server),
        s.expected,
        "DPS holds exactly the queued set"
    );
    let stats = s.store.queue_stats().unwrap();
    assert_eq!(stats.uploaded as usize, s.expected.len());
    assert_eq!((stats.queued, stats.in_flight, stats.conflicts), (0, 0, 0));
    s.store.verify_audit().unwrap();
}

#[test]
fn a_clean_run_uploads_in_bulk_batches_of_ten() {
    let s = setup(25, Faults::default());
    let stats = drain(&s, fast());
    assert_eq!(stats.created, 25);
    assert_eq!(stats.bulk_calls, 3);
    assert_eq!(stats.ops, 30, "a bulk call counts as 10 operations");
    assert_exact(&s);
    // Draining again sends nothing.
    assert_eq!(drain(&s, fast()).requests, 0);
}

#[test]
fn a_429_storm_loses_and_duplicates_nothing() {
    let s = setup(
        40,
        Faults {
            throttle_rate: 0.5,
            retry_after_secs: 1,
            ..Faults::default()
        },
    );
    let stats = drain(&s, fast());
    assert!(stats.throttled > 0, "{stats:?}");
    assert_eq!(stats.created + stats.already_present, 40, "{stats:?}");
    assert!(s.server.stats().forced_throttles > 0);
    assert_exact(&s);
}

#[test]
fn a_5xx_burst_loses_and_duplicates_nothing() {
    let s = setup(
        40,
        Faults {
            error_5xx_rate: 0.6,
            ..Faults::default()
        },
    );
    let stats = drain(&s, fast());
    assert!(stats.retries > 0, "{stats:?}");
    assert_exact(&s);
}

#[test]
fn connection_resets_before_and_after_applying_lose_and_duplicate_nothing() {
    let s = setup(
        60,
        Faults {
            reset_rate: 0.4,
            ..Faults::default()
        },
    );
    let stats = drain(&s, fast());
    assert!(s.server.stats().resets > 0);
    // A reset after DPS applied a batch makes the retry find those items already present.
    assert_eq!(stats.created + stats.already_present, 60, "{stats:?}");
    assert_exact(&s);
}

#[test]
fn a_different_attestation_in_dps_is_a_conflict_and_is_never_overwritten() {
    let s = setup(12, Faults::default());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let c = client(&s.server);
    let same = ("up-0003".to_owned(), s.expected["up-0003"].clone());
    let other_key = key(99, "other");
    runtime.block_on(async {
        c.create_or_update(&enrollment(&same.0, &same.1), None)
            .await
            .unwrap();
        c.create_or_update(&enrollment("up-0007", &other_key), None)
            .await
            .unwrap();
    });
    let stats = drain(&s, fast());
    assert_eq!(
        (stats.created, stats.already_present, stats.conflicts),
        (10, 1, 1)
    );
    let mut want = s.expected.clone();
    want.insert("up-0007".into(), other_key);
    assert_eq!(
        dps_state(&s.server),
        want,
        "the conflicting enrollment kept its key"
    );
    let conflicts = s
        .store
        .enrollments(Some(EnrollmentStatus::Conflict))
        .unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].registration_id, "up-0007");
    assert!(
        conflicts[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("different"),
        "{:?}",
        conflicts[0].last_error
    );
    // Draining again does not touch the conflict.
    assert_eq!(drain(&s, fast()).requests, 0);
    assert_eq!(
        s.store.queue_stats().unwrap().conflicts,
        1,
        "the conflict waits for a supervisor"
    );
}

#[test]
fn the_token_bucket_keeps_to_the_budget() {
    // 6,000 operations per minute = 100 per second: 5 bulk calls take at least 0.5 s.
    let s = setup(50, Faults::default());
    let started = std::time::Instant::now();
    let stats = drain(
        &s,
        UploaderSettings {
            ops_per_minute: 6000,
            ..fast()
        },
    );
    let elapsed = started.elapsed();
    assert_eq!(stats.ops, 50);
    assert!(elapsed >= Duration::from_millis(480), "{elapsed:?}");
    assert_exact(&s);
}

/// Four stations' uploaders on one line, each with its own queue, draw from the line's DPS
/// budget in the line database (a real, throwaway PostgreSQL): together they keep to the one
/// budget dps-local enforces — no 429 at all — use most of it, and send nothing twice.
#[test]
fn four_uploaders_on_one_line_share_one_budget_without_a_429() {
    const OPS_PER_MINUTE: u32 = 1_200;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("dps"));
    config.rate_limit = dps_local::RateLimit {
        ops_per_minute: Some(OPS_PER_MINUTE),
        bulk_cost: 10,
        burst: Some(20),
    };
    let server = ServerThread::start(config).unwrap();
    let pg = tempfile::tempdir().unwrap();
    let cluster = station_linedb::cluster::Cluster::start(pg.path()).unwrap();
    let mut expected = BTreeMap::new();
    let stations: Vec<(Arc<Store>, Arc<station_linedb::LineBudget>)> = (0..4)
        .map(|n| {
            let store = Arc::new(Store::open(&dir.path().join(format!("station-{n}.db"))).unwrap());
            expected.extend(queue(&store, 40, &format!("line{n}")));
            let db = station_linedb::LineDb::connect(
                &cluster.url(),
                Some(cluster.password()),
                &format!("st-{n}"),
            )
            .unwrap();
            let budget = station_linedb::LineBudget::new(db, "dps:line-1", OPS_PER_MINUTE, 11);
            (store, Arc::new(budget))
        })
        .collect();
    let started = std::time::Instant::now();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let all: Vec<UploadStats> = runtime.block_on(async {
        let tasks: Vec<_> = stations
            .iter()
            .map(|(store, budget)| {
                let queue = Arc::new(StoreQueue::open(Arc::clone(store), "uploader").unwrap());
                let budget = Arc::clone(budget);
                let shared = move |n: u32| budget.take(n).map_err(|e| e.to_string());
                let uploader = Uploader::new(
                    client(&server),
                    queue,
                    UploaderSettings {
                        ops_per_minute: OPS_PER_MINUTE,
                        ..fast()
                    },
                    tokio::sync::watch::channel(false).1,
                )
                .with_shared_budget(Arc::new(shared));
                tokio::spawn(async move {
                    let mut uploader = uploader;
                    uploader.run(RunMode::Drain).await.unwrap()
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let elapsed = started.elapsed().as_secs_f64();
    let stats = server.stats();
    assert_eq!(
        stats.throttled, 0,
        "no 429 from the shared budget: {stats:?}"
    );
    assert!(all.iter().all(|s| s.throttled == 0), "{all:?}");
    assert_eq!(
        dps_state(&server),
        expected,
        "each enrollment once, none lost"
    );
    let created: u64 = all.iter().map(|s| s.created).sum();
    assert_eq!(
        (created, all.iter().map(|s| s.already_present).sum::<u64>()),
        (160, 0)
    );
    // The budget is used, not wasted: 160 operations at 20 a second from an empty bucket.
    let ops: u64 = all.iter().map(|s| s.ops).sum();
    let allowed = elapsed * f64::from(OPS_PER_MINUTE) / 60.0;
    #[allow(clippy::cast_precision_loss)]
    let share = ops as f64 / allowed;
    assert!(
        share > 0.85 && share <= 1.1,
        "share {share:.2} ({ops} ops in {elapsed:.1} s)"
    );
}
