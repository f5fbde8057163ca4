//! `station export`, `station verify-export` and `station import`: the signed batch a device
//! operator imports into their own DPS.

use crate::CONFIG_HELP;
use station_errors::Coded as _;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::Args;
use station_config::SecretSource;
use station_store::{EnrollmentStatus, ExportFilter, Store};
use station_upload::delivery::{Delivered, DeliveryError, deliver};
use station_upload::export::{
    ExportError, ExportRequest, StationSigner, VerifyError, cert_path_for, verify_export_with,
};
use station_upload::import::{ImportError, ImportQueue, default_journal_path};
use station_upload::import_registry::ImportRegistry;
use station_upload::sealed::{SealError, open_sealed, parse_recipients};
use station_upload::uploader::{RunMode, UploaderSettings};

use crate::output::{CliError, chain};
use crate::progress::{Progress, Unit};
use crate::upload::{client_for, connection_string, print_stats, printer, run_with_client};
use crate::{EXIT_OK, logging};

/// Arguments of `station export`.
#[derive(Args)]
pub(crate) struct ExportArgs {
    /// Station configuration file (database, station ID, upload.signing_key).
    #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
    config: Option<PathBuf>,
    /// The directory to write (created; it must not exist or be empty). With
    /// upload.export_recipients the batch is then sealed into OUT.tar.age and the folder
    /// removed.
    #[arg(long)]
    out: PathBuf,
    /// Only units of this work order.
    #[arg(long)]
    work_order: Option<String>,
    /// Only enrollments queued at or after this time (RFC 3339, e.g. 2026-11-26T00:00:00Z).
    #[arg(long)]
    from: Option<DateTime<Utc>>,
    /// Only enrollments queued before this time (RFC 3339).
    #[arg(long)]
    to: Option<DateTime<Utc>>,
    /// Only enrollments still waiting for upload (default: queued and uploaded).
    #[arg(long)]
    queued_only: bool,
    /// Who exports (recorded in the manifest and the audit log).
    #[arg(long)]
    operator: Option<String>,
    /// JSON output: what was written (folder or sealed file, files, digests).
    #[arg(long)]
    json: bool,
}

/// Arguments of `station verify-export`.
#[derive(Args)]
pub(crate) struct VerifyExportArgs {
    /// The export directory, or a sealed batch (`.tar.age`, with --identity).
    dir: PathBuf,
    /// The station's signing certificate (or the CA that issued it), PEM.
    #[arg(long)]
    trust: PathBuf,
    /// The device operator's age identity file (AGE-SECRET-KEY-1…), to open a sealed batch.
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
    /// JSON output: the verified manifest and its signer.
    #[arg(long)]
    json: bool,
}

/// Arguments of `station import`.
#[derive(Args)]
pub(crate) struct ImportArgs {
    /// The export directory, or a sealed batch (`.tar.age`, with --identity); verified
    /// before anything is sent.
    dir: PathBuf,
    /// The station's signing certificate (or the CA that issued it), PEM.
    #[arg(long)]
    trust: PathBuf,
    /// The device operator's age identity file (AGE-SECRET-KEY-1…), to open a sealed batch.
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
    /// A station configuration whose `[upload]` section names the DPS service.
    #[arg(long, conflicts_with_all = ["connection_string_env", "connection_string_file"])]
    config: Option<PathBuf>,
    /// Read the DPS connection string from this environment variable.
    #[arg(long)]
    connection_string_env: Option<String>,
    /// Read the DPS connection string from this file.
    #[arg(long)]
    connection_string_file: Option<PathBuf>,
    /// The DPS endpoint's CA certificate(s), PEM (default: public web roots).
    #[arg(long)]
    dps_trust: Option<PathBuf>,
    /// Connect to this `host[:port]` instead of the connection string's HostName.
    #[arg(long)]
    service_host: Option<String>,
    /// The operations budget per minute.
    #[arg(long, default_value_t = 1000)]
    ops_per_minute: u32,
    /// The import's journal (what DPS already holds, so a stopped import resumes where it
    /// stopped); default: beside the batch, `<batch>.import-journal`.
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// Start the journal again: every enrollment is sent (those DPS holds come back as
    /// already present). A batch already imported into this service is refused unless
    /// --again is given too.
    #[arg(long)]
    fresh: bool,
    /// Where completed imports are recorded, so an old batch cannot be replayed into DPS
    /// after its enrollments were deleted (default `$XDG_STATE_HOME/station/import-registry`,
    /// else `~/.local/state/station/import-registry`).
    #[arg(long, value_name = "FILE")]
    registry: Option<PathBuf>,
    /// Import a batch this service already received, once more (needs --reason; recorded).
    #[arg(long, requires = "reason")]
    again: bool,
    /// Why the batch is imported again (with --again).
    #[arg(long, requires = "again")]
    reason: Option<String>,
    /// JSON lines: one per upload event, then the totals.
    #[arg(long)]
    json: bool,
}

pub(crate) fn export(args: &ExportArgs) -> anyhow::Result<u8> {
    let config = station_config::load(&crate::config_file(args.config.as_deref()))
        .map_err(CliError::from)?;
    let _log = logging::init(&config.station)?;
    let section = crate::upload::upload_section(&config)?;
    let store = Store::open(&config.storage.database).map_err(CliError::from)?;
    let (signer, created) = StationSigner::load_or_create(&section.signing_key, &config.station.id)
        .map_err(CliError::from)?;
    let cert = cert_path_for(&section.signing_key);
    if created {
        eprintln!(
            "created the export signing key {} and its certificate {}",
            section.signing_key.display(),
            cert.display()
        );
    }
    let actor = args
        .operator
        .clone()
        .or_else(|| config.station.operator.clone())
        .unwrap_or_else(|| "supervisor".into());
    let request = ExportRequest {
        filter: ExportFilter {
            work_order: args.work_order.clone(),
            from: args.from,
            to: args.to,
            statuses: if args.queued_only {
                vec![EnrollmentStatus::Queued]
            } else {
                vec![EnrollmentStatus::Queued, EnrollmentStatus::Uploaded]
            },
        },
        out_dir: args.out.clone(),
        station_id: config.station.id.clone(),
        actor,
        crls: station_pipeline::crl::current(&config),
        sealed_for: None,
    };
    // Recipients are checked before anything is written.
    let recipients =
        parse_recipients(&section.export_recipients).map_err(|e| CliError::from(Sealing(e)))?;
    let started = std::time::Instant::now();
    let progress = Progress::new("export", Unit::Records, args.json);
    let Delivered {
        summary,
        sealed,
        purged,
        left_out: delivered_before,
    } = deliver(
        &store,
        &request,
        &signer,
        &recipients,
        station_pipeline::retention(&config.secrets),
        &mut |done, total| progress.set(done, total),
    )
    .map_err(|e| match e {
        DeliveryError::Export(e) => CliError::from(e),
        DeliveryError::Seal(e) => CliError::from(Sealing(e)),
    })?;
    progress.finish();
    if args.json {
        crate::output::print_json(&serde_json::json!({
            "records": summary.manifest.records,
            "sealed_keys": summary.manifest.sealed,
            "keys_purged": purged,
            "left_out_delivered": delivered_before,
            "dir": sealed.is_none().then(|| summary.dir.display().to_string()),
            "sealed": sealed.as_ref().map(|s| serde_json::json!({
                "path": s.path.display().to_string(),
                "bytes": s.bytes,
                "sha256": s.sha256,
                "recipients": recipients.len(),
            })),
            "files": summary.manifest.files,
            "manifest_sha256": summary.manifest_sha256,
            "certificate": cert.display().to_string(),
            "seconds": started.elapsed().as_secs_f64(),
        }))?;
        return Ok(EXIT_OK);
    }
    println!(
        "exported {} enrollment(s) to {} in {:.2} s",
        summary.manifest.records,
        summary.dir.display(),
        started.elapsed().as_secs_f64()
    );
    for f in &summary.manifest.files {
        println!(
            "  {:<18} {:>12} bytes  sha256 {}",
            f.name, f.bytes, f.sha256
        );
    }
    println!("  manifest.jws       sha256 {}", summary.manifest_sha256);
    if summary.manifest.sealed > 0 {
        println!(
            "{} device key(s) travel sealed as the station made them (sealed-secrets.json)",
            summary.manifest.sealed
        );
    }
    if purged > 0 {
        println!("{purged} delivered device key(s) purged from the station (secrets.retain)");
    }
    if delivered_before > 0 {
        println!(
            "{delivered_before} enrollment(s) of the selection were left out: delivered before, \
             their keys purged"
        );
    }
    if let Some(sealed) = &sealed {
        println!(
            "sealed for {} recipient(s) into {} ({} bytes, sha256 {}); the plain folder is removed",
            recipients.len(),
            sealed.path.display(),
            sealed.bytes,
            sealed.sha256
        );
    }
    println!(
        "give the device operator the signing certificate {} for `station verify-export --trust`",
        cert.display()
    );
    Ok(EXIT_OK)
}

/// The operator's identity, when the batch carries sealed device keys (the same `--identity`
/// that opens a sealed batch).
fn sealed_secret_opener(
    verified: &station_upload::export::VerifiedExport,
    identity: Option<&std::path::Path>,
) -> anyhow::Result<Option<station_seal::Opener>> {
    match identity {
        Some(path) if verified.manifest.sealed > 0 => Ok(Some(
            station_seal::Opener::from_file(path)
                .map_err(|e| CliError::anyhow("station::verify::bad_identity", e.to_string()))?,
        )),
        _ => Ok(None),
    }
}

pub(crate) fn verify(args: &VerifyExportArgs) -> anyhow::Result<u8> {
    let opened = open_batch(&args.dir, args.identity.as_deref())?;
    let verified = verify_dir(opened.dir(), &args.trust, args.json)?;
    let m = &verified.manifest;
    if args.json {
        crate::output::print_json(&serde_json::json!({
            "verified": true,
            "path": args.dir.display().to_string(),
            "sealed": matches!(opened, Batch::Opened(_)),
            "signer": verified.signer,
            "manifest": m,
        }))?;
        return Ok(EXIT_OK);
    }
    println!("export {} verified", args.dir.display());
    println!("  signed by  {}", verified.signer);
    println!(
        "  station    {}  exported {} by {}",
        m.station_id, m.created_at, m.exported_by
    );
    println!("  records    {}", m.records);
    if let Some(r) = &m.time_range {
        println!("  queued     {} .. {}", r.first, r.last);
    }
    if let Some(wo) = &m.selection.work_order {
        println!("  work order {wo}");
    }
    for f in &m.files {
        println!("  {:<18} sha256 {} ok", f.name, f.sha256);
    }
    Ok(EXIT_OK)
}

pub(crate) fn import(args: &ImportArgs) -> anyhow::Result<u8> {
    // The import reads the batch again as it sends it: it works on a private copy, so what
    // it sends is exactly what was verified, whatever happens to the folder meanwhile.
    let opened = match open_batch(&args.dir, args.identity.as_deref())? {
        Batch::Folder(dir) => Batch::Opened(private_copy(dir)?),
        opened => opened,
    };
    let verified = verify_dir(opened.dir(), &args.trust, args.json)?;
    let records = verified.manifest.records;
    let report = |line: serde_json::Value, text: String| {
        if args.json {
            println!("{}", crate::output::json_line(&line));
        } else {
            println!("{text}");
        }
    };
    report(
        serde_json::json!({
            "kind": "verified",
            "enrollments": records,
            "station_id": verified.manifest.station_id,
        }),
        format!(
            "export {} verified: {records} enrollment(s) from station {}",
            args.dir.display(),
            verified.manifest.station_id
        ),
    );
    let (client, settings) = match &args.config {
        Some(path) => {
            let config = station_config::load(path).map_err(CliError::from)?;
            let section = crate::upload::upload_section(&config)?;
            (
                crate::upload::client(section)?,
                crate::upload::settings(section),
            )
        }
        None => {
            let source = match (&args.connection_string_env, &args.connection_string_file) {
                (Some(env), _) => SecretSource::Env { env: env.clone() },
                (None, Some(file)) => SecretSource::File { file: file.clone() },
                (None, None) => {
                    return Err(CliError::anyhow(
                        "station::import::no_target",
                        "no DPS service to import into",
                    ));
                }
            };
            let client = client_for(
                connection_string(&source)?,
                args.service_host.as_deref(),
                args.dps_trust.as_deref(),
            )?;
            let settings = UploaderSettings {
                ops_per_minute: args.ops_per_minute,
                ..UploaderSettings::default()
            };
            (client, settings)
        }
    };
    let journal = args
        .journal
        .clone()
        .unwrap_or_else(|| default_journal_path(&args.dir));
    let registry = ImportRegistry::at(
        &args
            .registry
            .clone()
            .unwrap_or_else(ImportRegistry::default_path),
    );
    let service = client.base_url().to_owned();
    let registry_error = |e: std::io::Error| {
        CliError::anyhow(
            "station::import::registry",
            format!(
                "could not use the import registry {}: {e}",
                registry.path().display()
            ),
        )
    };
    let earlier = registry
        .imports(&verified.manifest_sha256, &service)
        .map_err(registry_error)?;
    // A journal that says the batch is whole sends nothing: only a fresh start (or a lost
    // journal) would send a completed batch again.
    if let Some(first) = earlier.first()
        && (args.fresh || !journal.exists())
        && !args.again
    {
        return Err(CliError::anyhow(
            "station::import::already_imported",
            format!(
                "this batch was already imported into {service} ({}); importing it again would \
                 re-create enrollments that may have been deleted on purpose",
                first.at
            ),
        ));
    }
    let queue = Arc::new(
        ImportQueue::open(
            &verified,
            client.base_url(),
            &journal,
            args.fresh,
            sealed_secret_opener(&verified, args.identity.as_deref())?,
        )
        .map_err(|e| CliError::from(Importing(e)))?,
    );
    let before = queue.progress();
    if before.resumed > 0 {
        report(
            serde_json::json!({
                "kind": "resumed",
                "done": before.resumed,
                "enrollments": records,
                "journal": journal.display().to_string(),
            }),
            format!(
                "resuming: {} of {records} already in DPS by the journal {}",
                before.resumed,
                journal.display()
            ),
        );
    }
    let progress = Progress::new("import", Unit::Records, args.json);
    progress.start_at(before.resumed, records);
    let stats = run_with_client(
        Arc::new(client),
        settings,
        Arc::clone(&queue) as _,
        RunMode::Drain,
        printer(args.json, progress.clone()),
        true,
        None,
    );
    progress.finish();
    let stats = stats?;
    let after = queue.progress();
    // Recorded (durably) before the totals say the batch is in DPS.
    if after.done == records && (earlier.is_empty() || args.again) {
        registry
            .record(&verified.manifest_sha256, &service, args.reason.as_deref())
            .map_err(registry_error)?;
    }
    if args.json {
        let mut totals = crate::upload::stats_json(&stats);
        totals["resumed"] = after.resumed.into();
        totals["done"] = after.done.into();
        totals["enrollments"] = records.into();
        totals["journal"] = journal.display().to_string().into();
        println!("{}", crate::output::json_line(&totals));
    } else {
        print_stats(&stats);
        println!(
            "{} of {records} enrollment(s) in DPS ({} by an earlier run); journal {}",
            after.done,
            after.resumed,
            journal.display()
        );
        for (id, reason) in queue.problems() {
            println!("  not imported: {id}: {reason}");
        }
    }
    if after.done < records && crate::upload::interrupted() {
        return Err(CliError::anyhow(
            "station::import::stopped",
            format!(
                "stopped with {} of {records} enrollment(s) in DPS",
                after.done
            ),
        ));
    }
    if after.done < records {
        let open = after.open();
        return Err(CliError::anyhow(
            "station::import::incomplete",
            format!(
                "{} conflict(s), {} rejected, {open} not imported",
                stats.conflicts, stats.rejected
            ),
        ));
    }
    Ok(EXIT_OK)
}

/// A batch ready to verify: a folder as given, or a sealed batch opened into a private
/// temporary folder (removed on drop).
enum Batch<'a> {
    Folder(&'a std::path::Path),
    Opened(tempfile::TempDir),
}

impl Batch<'_> {
    fn dir(&self) -> &std::path::Path {
        match self {
            Batch::Folder(p) => p,
            Batch::Opened(t) => t.path(),
        }
    }
}

/// A private copy of the batch folder `dir` (its regular files only: a link or a folder in a
/// batch is never followed, and the verifier then misses what it pointed at).
fn private_copy(dir: &std::path::Path) -> anyhow::Result<tempfile::TempDir> {
    let fail = |e: std::io::Error| {
        CliError::anyhow(
            "station::verify::io",
            format!("could not read the batch {}: {e}", dir.display()),
        )
    };
    let copy = tempfile::Builder::new()
        .prefix("station-import-")
        .tempdir()
        .map_err(fail)?;
    let entries = match std::fs::read_dir(dir) {
        // Nothing there: the verifier says what is missing, as for an empty folder.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(copy),
        other => other.map_err(fail)?,
    };
    for entry in entries {
        let entry = entry.map_err(fail)?;
        if entry.file_type().map_err(fail)?.is_file() {
            std::fs::copy(entry.path(), copy.path().join(entry.file_name())).map_err(fail)?;
        }
    }
    Ok(copy)
}

fn open_batch<'a>(
    path: &'a std::path::Path,
    identity: Option<&std::path::Path>,
) -> anyhow::Result<Batch<'a>> {
    if !path.is_file() {
        return Ok(Batch::Folder(path));
    }
    let identity = identity.ok_or_else(|| {
        CliError::anyhow(
            "station::verify::bad_identity",
            format!("{} is a sealed batch", path.display()),
        )
    })?;
    Ok(Batch::Opened(
        open_sealed(path, identity).map_err(|e| CliError::from(Sealing(e)))?,
    ))
}

fn verify_dir(
    dir: &std::path::Path,
    trust: &std::path::Path,
    json: bool,
) -> anyhow::Result<station_upload::export::VerifiedExport> {
    let trust_pem = std::fs::read(trust).map_err(|e| {
        CliError::anyhow(
            "station::verify::trust",
            format!(
                "could not read the trust certificate {}: {e}",
                trust.display()
            ),
        )
    })?;
    let progress = Progress::new("verify", Unit::Bytes, json);
    let verified = verify_export_with(dir, &trust_pem, &mut |done, total| {
        progress.set(done, total);
    });
    progress.finish();
    Ok(verified.map_err(|e| CliError::from(VerifyFailed(e)))?)
}

impl From<ExportError> for CliError {
    fn from(e: ExportError) -> Self {
        CliError::coded(e.code(), &e)
    }
}

/// Sealing or opening a batch failed.
struct Sealing(SealError);

impl From<Sealing> for CliError {
    fn from(Sealing(e): Sealing) -> Self {
        CliError::coded(e.code(), &e)
    }
}

/// The import's journal or batch could not be used.
struct Importing(ImportError);

impl From<Importing> for CliError {
    fn from(Importing(e): Importing) -> Self {
        CliError::coded(e.code(), &e)
    }
}

/// A verification failure, phrased for the operator.
struct VerifyFailed(VerifyError);

impl From<VerifyFailed> for CliError {
    fn from(VerifyFailed(e): VerifyFailed) -> Self {
        CliError {
            code: e.code(),
            message: format!("the export does not verify: {}", chain(&e)),
            note: None,
        }
    }
}
