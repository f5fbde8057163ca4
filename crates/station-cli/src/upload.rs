//! `station upload` and `station queue`: drain the enrollment queue into DPS, and show it.

use crate::CONFIG_HELP;
use station_errors::Coded as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use station_config::{SecretSource, StationConfig, UploadSection};
use station_store::{EnrollmentStatus, Store};
use station_upload::client::{DpsClient, DpsError};
use station_upload::queue::{StoreQueue, UploadQueue};
use station_upload::sas::ConnectionString;
use station_upload::uploader::{
    RunMode, UploadError, UploadEvent, UploadSink, UploadStats, Uploader, UploaderSettings,
};

use crate::output::CliError;
use crate::progress::{Progress, Unit};
use crate::{EXIT_OK, logging};

/// Arguments of `station upload`.
#[derive(Args)]
pub(crate) struct UploadArgs {
    /// Station configuration file (its [upload] section names the DPS service).
    #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
    config: Option<PathBuf>,
    /// Upload what is queued now, then exit (default: keep running until Ctrl-C).
    #[arg(long)]
    once: bool,
    /// One JSON line per event.
    #[arg(long)]
    json: bool,
}

/// Arguments of `station queue`.
#[derive(Args)]
pub(crate) struct QueueArgs {
    /// Station configuration (to find the database).
    #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
    config: Option<PathBuf>,
    /// The database file (overrides the configuration's).
    #[arg(long)]
    db: Option<PathBuf>,
    /// JSON output.
    #[arg(long)]
    json: bool,
    /// Resolve a conflict: put this registration ID's enrollment back in the upload queue
    /// (after removing the enrollment DPS held for it). Audited.
    #[arg(long, value_name = "REGISTRATION_ID", conflicts_with = "mark_uploaded")]
    retry: Option<String>,
    /// Resolve a conflict: record that DPS already holds the right enrollment for this
    /// registration ID (checked by a supervisor), so nothing is sent. Audited.
    #[arg(long, value_name = "REGISTRATION_ID")]
    mark_uploaded: Option<String>,
    /// The supervisor who resolves the conflict (required with --retry or --mark-uploaded;
    /// PIN from stdin or --pin-env; recorded in the audit log).
    #[arg(long)]
    operator: Option<String>,
    /// Read the supervisor's PIN from this environment variable instead of stdin.
    #[arg(long)]
    pin_env: Option<String>,
    /// How many conflicts and upload errors to list (newest first; the counts are always
    /// whole).
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

pub(crate) fn upload(args: &UploadArgs) -> anyhow::Result<u8> {
    let config = station_config::load(&crate::config_file(args.config.as_deref()))
        .map_err(CliError::from)?;
    let _log = logging::init(&config.station)?;
    let section = upload_section(&config)?;
    let store = Arc::new(Store::open(&config.storage.database).map_err(CliError::from)?);
    let (opener, retention) = delivery_secrets(&config.secrets)?;
    let queue = StoreQueue::open(
        Arc::clone(&store),
        format!("uploader@{}", config.station.id),
    )
    .map_err(|e| CliError::from(UploadError::from(e)))?
    .with_secrets(opener, retention);
    let mode = if args.once {
        RunMode::Drain
    } else {
        RunMode::Continuous
    };
    ensure_groups(&config, section, args.json)?;
    let budget = line_budget(&config, section)?;
    // A bar for a drain (`--once`); a continuous uploader prints a line per enrollment.
    let progress = if args.once {
        let stats = store.queue_stats().map_err(CliError::from)?;
        let bar = Progress::new("upload", Unit::Records, args.json);
        bar.set(0, stats.queued + stats.in_flight);
        bar
    } else {
        Progress::none()
    };
    let stats = run_with_client(
        Arc::new(client(section)?),
        settings(section),
        Arc::new(queue),
        mode,
        printer(args.json, progress.clone()),
        true,
        budget,
    )?;
    progress.finish();
    if !args.json {
        print_stats(&stats);
    }
    Ok(EXIT_OK)
}

/// Every symmetric-key group product's enrollment group, in DPS before any upload: created
/// (with the group key) when absent, left alone when it holds the same key; one that holds
/// another key is a conflict the supervisor must settle (its devices' keys would not verify).
pub(crate) fn ensure_groups(
    config: &StationConfig,
    section: &UploadSection,
    json: bool,
) -> anyhow::Result<()> {
    use station_config::{AttestationConfig, SymmetricEnrollment};
    use station_upload::schema::{AttestationMechanism, EnrollmentGroup, ProvisioningStatus};
    let groups: Vec<(&str, &SecretSource, &station_config::ProductProfile)> = config
        .products
        .iter()
        .filter_map(|p| match &p.attestation {
            AttestationConfig::SymmetricKey {
                enrollment:
                    SymmetricEnrollment::Group {
                        group_id,
                        group_key,
                    },
            } => Some((group_id.as_str(), group_key, p)),
            _ => None,
        })
        .collect();
    if groups.is_empty() {
        return Ok(());
    }
    let client = client(section)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    for (group_id, source, product) in groups {
        let key = read_secret(source).map_err(|reason| {
            CliError::anyhow(
                "station::upload::group_key",
                format!(
                    "could not read group {group_id}'s key from {}: {reason}",
                    source.describe()
                ),
            )
        })?;
        let key = key.trim().to_owned();
        // A group's twin is shared by all its devices: no unit's facts fill it in.
        let twin =
            station_pipeline::allocation::initial_twin_template(product).map_err(|reason| {
                CliError::anyhow(
                    "station::upload::initial_twin",
                    format!("the initial twin of product {}: {reason}", product.id),
                )
            })?;
        let group = EnrollmentGroup {
            enrollment_group_id: group_id.to_owned(),
            attestation: AttestationMechanism::symmetric_key(key, None),
            capabilities: None,
            iot_hub_host_name: product.iot_hub_host_name.clone(),
            provisioning_status: Some(ProvisioningStatus::Enabled),
            allocation: station_pipeline::allocation::enrollment_allocation(
                product,
                twin.as_ref(),
                None,
            ),
            etag: None,
        };
        let verdict = match runtime.block_on(client.enrollment_group(group_id)) {
            Ok(existing) => {
                if !group.attestation.same_identity(&existing.attestation) {
                    return Err(CliError::anyhow(
                        "station::upload::group_conflict",
                        format!("DPS already holds enrollment group {group_id} with another key"),
                    ));
                }
                if existing.allocation == group.allocation
                    && existing.iot_hub_host_name == group.iot_hub_host_name
                {
                    "present, same key"
                } else {
                    // The product's allocation changed: the group follows it.
                    runtime
                        .block_on(client.create_or_update_group(&group, existing.etag.as_deref()))
                        .map_err(CliError::from)?;
                    "present, allocation updated"
                }
            }
            Err(e) if e.is_not_found() => {
                runtime
                    .block_on(client.create_or_update_group(&group, None))
                    .map_err(CliError::from)?;
                "created"
            }
            Err(e) => return Err(CliError::from(e).into()),
        };
        if json {
            println!(
                "{}",
                serde_json::json!({ "kind": "enrollmentGroup", "group": group_id, "outcome": verdict })
            );
        } else {
            println!("enrollment group {group_id}: {verdict}");
        }
    }
    Ok(())
}

/// A secret's text from where the config says (environment or file).
pub(crate) fn read_secret(source: &SecretSource) -> Result<zeroize::Zeroizing<String>, String> {
    Ok(zeroize::Zeroizing::new(match source {
        SecretSource::Env { env } => std::env::var(env).map_err(|_| format!("{env} is not set"))?,
        SecretSource::File { file } => std::fs::read_to_string(file).map_err(|e| e.to_string())?,
    }))
}

pub(crate) fn queue(args: &QueueArgs) -> anyhow::Result<u8> {
    let path = match &args.db {
        Some(p) => p.clone(),
        None => {
            station_config::load(&crate::config_file(args.config.as_deref()))
                .map_err(CliError::from)?
                .storage
                .database
        }
    };
    if !path.exists() {
        return Err(CliError::anyhow(
            "station::store::missing",
            format!("no station database at {}", path.display()),
        ));
    }
    let store = Store::open(&path).map_err(CliError::from)?;
    if let Some(reg) = args.retry.as_deref().or(args.mark_uploaded.as_deref()) {
        let config = station_config::load(&crate::config_file(args.config.as_deref()))
            .map_err(CliError::from)?;
        let operator = crate::operators::decided_by(
            &config,
            &store,
            args.operator.as_deref(),
            args.pin_env.as_deref(),
            station_store::Action::ResolveConflict,
            "station::queue::no_operator",
        )?;
        resolve_conflict(&store, reg, args.retry.is_some(), &operator)?;
    }
    // What the desktop app's queue screen shows, from the same store query.
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let overview = store
        .queue_overview(hour_ago, args.limit)
        .map_err(CliError::from)?;
    let (stats, conflicts) = (&overview.stats, &overview.conflicts);
    let errors: Vec<_> = overview
        .last_errors
        .iter()
        .map(|e| {
            serde_json::json!({
                "registration_id": e.registration_id,
                "status": e.status.as_str(),
                "attempts": e.attempts,
                "error": e.last_error,
                "at": e.updated_at,
            })
        })
        .collect();
    if args.json {
        let list: Vec<_> = conflicts
            .iter()
            .map(|e| {
                serde_json::json!({
                    "registration_id": e.registration_id,
                    "unit": e.unit_id,
                    "reason": e.last_error,
                    "since": e.updated_at,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "queued": stats.queued,
                "in_flight": stats.in_flight,
                "uploaded": stats.uploaded,
                "conflicts": stats.conflicts,
                "revocations_queued": stats.revocations_queued,
                "disabled": stats.disabled,
                "oldest_queued_at": stats.oldest_queued_at,
                "uploaded_last_hour": overview.uploaded_since,
                "conflict_list": list,
                "last_errors": errors,
            }))?
        );
        return Ok(EXIT_OK);
    }
    println!(
        "queue depth {} (in flight {}), uploaded {} ({} in the last hour), conflicts {}",
        stats.queued, stats.in_flight, stats.uploaded, overview.uploaded_since, stats.conflicts
    );
    if stats.revocations_queued + stats.disabled > 0 {
        println!(
            "revocations: {} waiting for DPS, {} disabled in DPS",
            stats.revocations_queued, stats.disabled
        );
    }
    match stats.oldest_queued_at {
        Some(t) => {
            let age = chrono::Utc::now() - t;
            println!(
                "oldest queued {} ({} min ago)",
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                age.num_minutes()
            );
        }
        None => println!("nothing is waiting for upload"),
    }
    if !overview.last_errors.is_empty() {
        println!("\nlast upload errors (newest first):");
        for e in &overview.last_errors {
            println!(
                "  {:<32} {:<9} attempts {:<3} {}",
                e.registration_id,
                e.status.as_str(),
                e.attempts,
                e.last_error.as_deref().unwrap_or("")
            );
        }
    }
    if !conflicts.is_empty() {
        println!("\nconflicts for a supervisor (DPS was not changed):");
        for e in conflicts {
            println!(
                "  {:<32} unit {:<6} {}",
                e.registration_id,
                e.unit_id,
                e.last_error.as_deref().unwrap_or("")
            );
        }
    }
    Ok(EXIT_OK)
}

/// Resolves the conflict of registration ID `reg`: back to the queue (`retry`) or recorded as
/// already in DPS.
fn resolve_conflict(store: &Store, reg: &str, retry: bool, operator: &str) -> anyhow::Result<()> {
    let conflicts = store
        .enrollments(Some(EnrollmentStatus::Conflict))
        .map_err(CliError::from)?;
    let Some(e) = conflicts
        .iter()
        .find(|e| e.registration_id.eq_ignore_ascii_case(reg))
    else {
        return Err(CliError::anyhow(
            "station::queue::no_conflict",
            format!("registration ID {reg} has no upload conflict"),
        ));
    };
    if retry {
        store.requeue_enrollment(e.id, operator)
    } else {
        store.mark_enrollment_uploaded(e.id, operator)
    }
    .map_err(CliError::from)?;
    println!(
        "{}: {}",
        e.registration_id,
        if retry {
            "back in the upload queue"
        } else {
            "recorded as already in DPS"
        }
    );
    Ok(())
}

/// The `[upload]` section, or an error saying how to add it.
pub(crate) fn upload_section(config: &StationConfig) -> anyhow::Result<&UploadSection> {
    config.upload.as_ref().ok_or_else(|| {
        CliError::anyhow(
            "station::upload::not_configured",
            "the configuration has no [upload] section",
        )
    })
}

/// What delivering sealed device secrets needs: the identity that opens them (when
/// `[secrets] identity_file` is set: unreadable is an error, since this account is meant to
/// hold it) and how long a delivered secret is kept.
pub(crate) fn delivery_secrets(
    secrets: &station_config::SecretsSection,
) -> anyhow::Result<(Option<station_seal::Opener>, station_store::Retention)> {
    let retention = station_pipeline::retention(secrets);
    let opener = match &secrets.identity_file {
        Some(path) => Some(
            station_seal::Opener::from_file(path)
                .map_err(|e| CliError::anyhow("station::upload::identity", e.to_string()))?,
        ),
        None => None,
    };
    Ok((opener, retention))
}

/// Reads the connection string from where the config says.
pub(crate) fn connection_string(source: &SecretSource) -> anyhow::Result<ConnectionString> {
    let fail = |reason: String| {
        CliError::anyhow(
            "station::upload::connection_string",
            format!(
                "could not read the DPS connection string from {}: {reason}",
                source.describe()
            ),
        )
    };
    let text = read_secret(source).map_err(fail)?;
    text.parse()
        .map_err(|e: station_upload::sas::SasError| fail(e.to_string()))
}

/// A client for the configured service.
pub(crate) fn client(section: &UploadSection) -> anyhow::Result<DpsClient> {
    let source = section.connection_string.as_ref().ok_or_else(|| {
        CliError::anyhow(
            "station::upload::not_configured",
            "upload.connection_string is not set",
        )
    })?;
    client_for(
        connection_string(source)?,
        section.service_host.as_deref(),
        section.trust_anchor.as_deref(),
    )
}

/// A client for `cs`, optionally at another host and trusting only `trust`.
pub(crate) fn client_for(
    cs: ConnectionString,
    host: Option<&str>,
    trust: Option<&Path>,
) -> anyhow::Result<DpsClient> {
    let mut builder = DpsClient::builder(cs);
    if let Some(host) = host {
        builder = builder.with_endpoint(host);
    }
    if let Some(trust) = trust {
        builder = builder.with_trust_anchor_file(trust);
    }
    Ok(builder.build().map_err(CliError::from)?)
}

/// The uploader's pacing from the config.
pub(crate) fn settings(section: &UploadSection) -> UploaderSettings {
    UploaderSettings {
        ops_per_minute: section.ops_per_minute,
        ops_per_bulk: section.ops_per_bulk,
        ..UploaderSettings::default()
    }
}

/// On a line (`[line_db]`), the DPS budget every station's uploader shares: one token bucket
/// in the line database per DPS service (named by its host), at the config's
/// `ops_per_minute`, which is then the line's figure, not this station's.
pub(crate) fn line_budget(
    config: &StationConfig,
    section: &UploadSection,
) -> anyhow::Result<Option<Arc<dyn station_upload::uploader::SharedBudget>>> {
    let Some(db) = crate::run::connect_line_db(config)? else {
        return Ok(None);
    };
    let host = client(section)?.base_url().to_owned();
    let budget = station_linedb::LineBudget::new(
        db,
        format!("dps:{host}"),
        section.ops_per_minute,
        section.ops_per_bulk.max(1) + 1,
    );
    tracing::info!(budget = %format!("dps:{host}"), ops_per_minute = section.ops_per_minute, "uploading from the line's shared DPS budget");
    Ok(Some(Arc::new(move |n: u32| {
        budget.take(n).map_err(|e| e.to_string())
    })))
}

/// Runs the uploader on a new runtime until the queue is drained (or Ctrl-C when
/// `ctrl_c` is set).
pub(crate) fn run_uploader(
    section: &UploadSection,
    queue: Arc<dyn UploadQueue>,
    mode: RunMode,
    sink: UploadSink,
    ctrl_c: bool,
) -> anyhow::Result<UploadStats> {
    run_with_client(
        Arc::new(client(section)?),
        settings(section),
        queue,
        mode,
        sink,
        ctrl_c,
        None,
    )
}

/// Set when Ctrl-C stopped an uploader this process ran.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether Ctrl-C stopped an uploader (it released its batch and returned early).
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Runs the uploader with an explicit client and settings.
pub(crate) fn run_with_client(
    client: Arc<DpsClient>,
    settings: UploaderSettings,
    queue: Arc<dyn UploadQueue>,
    mode: RunMode,
    sink: UploadSink,
    ctrl_c: bool,
    budget: Option<Arc<dyn station_upload::uploader::SharedBudget>>,
) -> anyhow::Result<UploadStats> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let stats = runtime.block_on(async move {
        let (tx, rx) = tokio::sync::watch::channel(false);
        if ctrl_c {
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    INTERRUPTED.store(true, std::sync::atomic::Ordering::Relaxed);
                    let _ = tx.send(true);
                }
            });
        } else {
            // Keep the sender alive for the whole run.
            std::mem::forget(tx);
        }
        let mut uploader = Uploader::new(client, queue, settings, rx).with_sink(sink);
        if let Some(budget) = budget {
            uploader = uploader.with_shared_budget(budget);
        }
        uploader.run(mode).await
    });
    Ok(stats.map_err(CliError::from)?)
}

/// Prints one line per event (or JSON lines); with a bar shown, the bar counts the items and
/// only what needs a look (conflicts, throttling, retries) is printed above it.
pub(crate) fn printer(json: bool, progress: Progress) -> UploadSink {
    Arc::new(move |e: &UploadEvent| {
        if matches!(
            e,
            UploadEvent::Uploaded { .. }
                | UploadEvent::Conflict { .. }
                | UploadEvent::Disabled { .. }
        ) {
            progress.inc();
        }
        if json {
            let v = match e {
                UploadEvent::Recovered { count } => {
                    serde_json::json!({"kind": "recovered", "count": count})
                }
                UploadEvent::BatchStarted { size } => {
                    serde_json::json!({"kind": "batchStarted", "size": size})
                }
                UploadEvent::Uploaded {
                    registration_id,
                    already_present,
                } => serde_json::json!({"kind": "uploaded", "registrationId": registration_id,
                    "alreadyPresent": already_present}),
                UploadEvent::Conflict {
                    registration_id,
                    reason,
                } => serde_json::json!({"kind": "conflict", "registrationId": registration_id,
                    "reason": reason}),
                UploadEvent::Disabled {
                    registration_id,
                    created,
                } => serde_json::json!({"kind": "disabled", "registrationId": registration_id,
                    "created": created}),
                UploadEvent::Throttled { wait } => {
                    serde_json::json!({"kind": "throttled", "waitMs": wait.as_millis() as u64})
                }
                UploadEvent::Retrying {
                    attempt,
                    wait,
                    error,
                } => serde_json::json!({"kind": "retrying", "attempt": attempt,
                    "waitMs": wait.as_millis() as u64, "error": error}),
                UploadEvent::Idle => serde_json::json!({"kind": "idle"}),
                _ => return,
            };
            println!("{}", crate::output::json_line(&v));
            return;
        }
        let line = match e {
            UploadEvent::Recovered { count } => {
                format!("{count} enrollment(s) left in flight by a stopped uploader: retrying")
            }
            UploadEvent::Uploaded { .. } if progress.shown() => return,
            UploadEvent::Uploaded {
                registration_id,
                already_present: false,
            } => format!("uploaded  {registration_id}"),
            UploadEvent::Uploaded {
                registration_id,
                already_present: true,
            } => format!("present   {registration_id} (already in DPS, same attestation)"),
            UploadEvent::Conflict {
                registration_id,
                reason,
            } => format!("CONFLICT  {registration_id}: {reason}"),
            UploadEvent::Disabled {
                registration_id,
                created,
            } => format!(
                "disabled  {registration_id} (revoked{})",
                if *created { ", created disabled" } else { "" }
            ),
            UploadEvent::Throttled { wait } => {
                format!("throttled by DPS: waiting {:.1} s", wait.as_secs_f64())
            }
            UploadEvent::Retrying {
                attempt,
                wait,
                error,
            } => format!(
                "attempt {attempt} failed ({error}); retrying in {:.1} s",
                wait.as_secs_f64()
            ),
            _ => return,
        };
        progress.println(&line);
    })
}

/// The end-of-run summary.
/// The totals of an upload or import, for `--json`.
pub(crate) fn stats_json(stats: &UploadStats) -> serde_json::Value {
    serde_json::json!({
        "kind": "done",
        "created": stats.created,
        "already_present": stats.already_present,
        "conflicts": stats.conflicts,
        "rejected": stats.rejected,
        "disabled": stats.disabled,
        "requests": stats.requests,
        "throttled": stats.throttled,
        "retries": stats.retries,
    })
}

pub(crate) fn print_stats(stats: &UploadStats) {
    println!(
        "\n{} created, {} already present, {} conflict(s), {} rejected, {} disabled; {} \
         request(s), {} throttled, {} retried",
        stats.created,
        stats.already_present,
        stats.conflicts,
        stats.rejected,
        stats.disabled,
        stats.requests,
        stats.throttled,
        stats.retries
    );
}

impl From<UploadError> for CliError {
    fn from(e: UploadError) -> Self {
        CliError::coded(e.code(), &e)
    }
}

impl From<DpsError> for CliError {
    fn from(e: DpsError) -> Self {
        CliError::coded(e.code(), &e)
    }
}
