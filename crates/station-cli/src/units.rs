//! `station units` and `station audit verify`: read the store.

use crate::CONFIG_HELP;
use crate::output::say;
use station_errors::Coded as _;
use std::path::{Path, PathBuf};

use clap::Args;
use station_store::{RunId, Store, UnitFilter, UnitId, UnitStatus};

use crate::EXIT_OK;
use crate::output::CliError;

/// Arguments of `station units`.
#[derive(Args)]
pub(crate) struct UnitsArgs {
    /// Show this unit in detail (steps, enrollment) instead of listing.
    id: Option<i64>,
    /// Station configuration (to find the database).
    #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
    config: Option<PathBuf>,
    /// The database file (overrides the configuration's).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Only units with this status (in_progress, committing, pass, fail, interrupted, superseded).
    #[arg(long)]
    status: Option<UnitStatus>,
    /// Only units of this run.
    #[arg(long)]
    run: Option<String>,
    /// Only units with this serial.
    #[arg(long)]
    serial: Option<String>,
    /// At most this many units, newest first.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// JSON output. Device keys in it are redacted unless --reveal-secrets.
    #[arg(long)]
    json: bool,
    /// Show the unit's device keys in the JSON (one unit, --json): needs a supervisor's
    /// --operator ID and PIN (stdin or --pin-env), and is recorded in the audit log.
    #[arg(long, requires_all = ["id", "json", "operator"])]
    reveal_secrets: bool,
    /// The supervisor who asks for the keys (with --reveal-secrets).
    #[arg(long, value_name = "ID")]
    operator: Option<String>,
    /// Read the supervisor's PIN from this environment variable instead of stdin.
    #[arg(long, value_name = "VAR")]
    pin_env: Option<String>,
}

pub(crate) fn open(config: &Path, db: Option<&Path>) -> anyhow::Result<Store> {
    let path = match db {
        Some(p) => p.to_owned(),
        None => {
            station_config::load(config)
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
    Ok(Store::open(&path).map_err(CliError::from)?)
}

/// Puts the device key back into a revealed enrollment: a sealed one is opened with
/// `[secrets] identity_file`, which only the delivering account can read; a purged one is
/// gone, and the answer says when.
fn reveal(config_path: &Path, e: &mut station_store::QueuedEnrollment) -> anyhow::Result<()> {
    use station_store::SecretState;
    match (e.secret, &e.sealed) {
        (SecretState::Sealed, Some(sealed)) => {
            let config = station_config::load(config_path).map_err(CliError::from)?;
            let Some(identity) = &config.secrets.identity_file else {
                return Err(CliError::anyhow(
                    "station::units::sealed",
                    "the device key is sealed, and secrets.identity_file names no identity here",
                ));
            };
            let opened = station_seal::Opener::from_file(identity)
                .and_then(|o| o.open(&sealed.ciphertext))
                .map_err(|err| {
                    CliError::anyhow(
                        "station::units::sealed",
                        format!("the device key is sealed and cannot be opened here: {err}"),
                    )
                })?;
            e.payload_json = String::from_utf8(opened.to_vec()).map_err(|_| {
                CliError::anyhow(
                    "station::units::sealed",
                    "the sealed device key is not text",
                )
            })?;
            Ok(())
        }
        (SecretState::Purged, _) => Err(CliError::anyhow(
            "station::units::purged",
            format!(
                "the device key was purged after delivery{} (secrets.retain = \"until-delivered\")",
                e.purged_at
                    .map(|t| format!(
                        " at {}",
                        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    ))
                    .unwrap_or_default()
            ),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn units(args: &UnitsArgs) -> anyhow::Result<()> {
    let config_path = crate::config_file(args.config.as_deref());
    let store = open(&config_path, args.db.as_deref())?;
    if let Some(id) = args.id {
        let mut detail = store
            .unit(UnitId(id))
            .map_err(CliError::from)?
            .ok_or_else(|| CliError::anyhow("station::units::unknown", format!("no unit {id}")))?;
        if args.json {
            if args.reveal_secrets {
                let operator = args.operator.as_deref().unwrap_or_default();
                crate::operators::authorize_reveal(
                    &config_path,
                    &store,
                    operator,
                    args.pin_env.as_deref(),
                    &format!("unit {id}"),
                )?;
                if let Some(e) = &mut detail.enrollment {
                    reveal(&config_path, e)?;
                }
            } else if let Some(e) = &mut detail.enrollment {
                *e = e.redacted();
            }
            crate::output::print_json(&detail)?;
            return Ok(());
        }
        let s = &detail.summary;
        say!(
            "unit {}  slot {}  serial {}  status {}",
            s.id,
            s.slot,
            s.serial.as_deref().unwrap_or("-"),
            s.status
        );
        say!(
            "  product {}  registration ID {}",
            s.product.as_deref().unwrap_or("-"),
            s.registration_id.as_deref().unwrap_or("-")
        );
        say!(
            "  operator {}  work order {}  run {}",
            s.operator,
            s.work_order.as_deref().unwrap_or("-"),
            s.run_id
        );
        if let Some(ek) = &detail.ek_sha256 {
            say!("  EK SHA-256 {ek}");
        }
        for c in store
            .issued_certificates(Some(UnitId(id)))
            .map_err(CliError::from)?
        {
            say!(
                "  certificate serial {}  SHA-256 {}  {}  until {}",
                c.serial,
                c.sha256,
                c.status,
                c.not_after
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
        }
        if let Some(msg) = &s.failure_message {
            say!(
                "  FAIL at {}: {} [{}]",
                s.failed_step.as_deref().unwrap_or("?"),
                msg,
                s.failure_code.as_deref().unwrap_or("?")
            );
        }
        say!("  steps:");
        for st in &detail.steps {
            say!(
                "    {:<16} {:<4} {:>9.1} ms{}",
                st.step,
                if st.ok { "ok" } else { "FAIL" },
                st.duration.as_secs_f64() * 1e3,
                st.detail
                    .as_deref()
                    .map(|d| format!("  {d}"))
                    .unwrap_or_default()
            );
        }
        if let Some(e) = &detail.enrollment {
            say!(
                "  enrollment {} {} ({} bytes of IndividualEnrollment JSON)",
                e.registration_id,
                e.status,
                e.payload_json.len()
            );
        }
        // The desktop app's unit log: the steps and the audit rows about this unit.
        say!("  log:");
        for line in store.unit_log(&detail).map_err(CliError::from)? {
            say!(
                "    {}  {:<22} {}",
                line.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                line.source,
                line.text
            );
        }
        return Ok(());
    }
    let filter = UnitFilter {
        run: args.run.clone().map(RunId),
        status: args.status,
        serial: args.serial.clone(),
        limit: Some(args.limit),
    };
    let list = store.units(&filter).map_err(CliError::from)?;
    if args.json {
        crate::output::print_json(&list)?;
        return Ok(());
    }
    say!(
        "{:>6} {:<5} {:<16} {:<12} {:<28} failure",
        "id",
        "slot",
        "serial",
        "status",
        "registration ID"
    );
    for u in &list {
        say!(
            "{:>6} {:<5} {:<16} {:<12} {:<28} {}",
            u.id,
            u.slot,
            u.serial.as_deref().unwrap_or("-"),
            u.status,
            u.registration_id.as_deref().unwrap_or("-"),
            u.failure_message.as_deref().unwrap_or("")
        );
    }
    say!(
        "{} unit(s); queue depth {}",
        list.len(),
        store.queue_depth().map_err(CliError::from)?
    );
    Ok(())
}

/// Audit rows verified per read transaction.
const AUDIT_CHUNK: u32 = 20_000;

/// What `station audit verify` checks the chain against, besides itself.
pub(crate) struct Anchors<'a> {
    /// A head kept elsewhere (`--expect-head SEQ:HASH`).
    pub(crate) expect_head: Option<&'a str>,
    /// The line database's copy (`--against-line`).
    pub(crate) against_line: bool,
}

pub(crate) fn audit_verify(
    config: &Path,
    db: Option<&Path>,
    anchors: Anchors<'_>,
    json: bool,
) -> anyhow::Result<u8> {
    let expected = anchors.expect_head.map(parse_head).transpose()?;
    let store = open(config, db)?;
    // In chunks, so a bar can show how far it is; rows cannot change once written (triggers),
    // so the chunks verify exactly what one pass would.
    let total = store
        .audit_rows(1)
        .map_err(CliError::from)?
        .first()
        .map_or(0, |r| r.seq.0.unsigned_abs());
    let progress = crate::progress::Progress::new("audit", crate::progress::Unit::Records, json);
    let mut report = station_store::AuditReport::EMPTY;
    let verified = loop {
        progress.set(report.rows, total.max(report.rows));
        match store.verify_audit_from(report, AUDIT_CHUNK) {
            Ok(next) if next == report => break Ok(report),
            Ok(next) => report = next,
            Err(e) => break Err(e),
        }
    };
    progress.finish();
    let report = verified.map_err(CliError::from)?;
    if let Some((seq, hash)) = &expected {
        let found = store.audit_hash_at(*seq).map_err(CliError::from)?;
        if found.map(|h| h.to_string()).as_deref() != Some(hash.as_str()) {
            let what = match found {
                None => format!(
                    "the chain ends at row {} and no longer holds row {seq}: it was truncated",
                    report.rows
                ),
                Some(h) => format!(
                    "row {seq} is now {h}, not the {hash} recorded: the chain was rewritten"
                ),
            };
            return Err(CliError::anyhow("station::audit::head_mismatch", what));
        }
    }
    let line_rows = if anchors.against_line {
        Some(against_line(config, &store, report.rows)?)
    } else {
        None
    };
    // SEQ:HASH, to keep outside the station and give back to --expect-head later.
    let head = format!("{}:{}", report.rows, report.head);
    if json {
        crate::output::print_json(&serde_json::json!({
            "ok": true,
            "rows": report.rows,
            "head": report.head.to_string(),
            "anchor": head,
            "matched_expected_head": expected.is_some(),
            "matched_line_rows": line_rows,
        }))?;
        return Ok(EXIT_OK);
    }
    say!("audit chain ok: {} rows, head {}", report.rows, report.head);
    if expected.is_some() {
        say!("it still holds the expected head");
    }
    if let Some(n) = line_rows {
        say!("it holds, unchanged, the {n} row(s) the line database copied");
    }
    say!("to anchor it (keep it off this PC): --expect-head {head}");
    Ok(EXIT_OK)
}

/// Compares the local chain (`rows` long, verified) with the line database's copy of it:
/// the copy must chain by itself, and each of its rows must be here with the same hash.
/// Returns how many rows the line holds.
fn against_line(config: &Path, store: &Store, rows: u64) -> anyhow::Result<u64> {
    let loaded = station_config::load(config).map_err(CliError::from)?;
    let mut db = crate::run::connect_line_db(&loaded)?
        .filter(station_linedb::LineDb::is_connected)
        .ok_or_else(|| {
            CliError::anyhow(
                "station::linedb::unreachable",
                "the line database is not configured or not reachable",
            )
        })?;
    let line_error =
        |e: station_linedb::LineDbError| CliError::anyhow(e.code(), crate::output::chain(&e));
    let copy = station_pipeline::verify_line_audit(&mut db, &loaded.station.id)
        .map_err(line_error)?
        .map_err(|(seq, broken)| {
            CliError::anyhow(
                "station::audit::line_copy_broken",
                format!("the line's copy of this chain breaks at row {seq}: {broken}"),
            )
        })?;
    let mismatch = |what: String| CliError::anyhow("station::audit::head_mismatch", what);
    if copy.rows > rows {
        return Err(mismatch(format!(
            "the line holds {} rows of this chain and the station only {rows}: it was truncated",
            copy.rows
        )));
    }
    let mut seq = 0;
    loop {
        let batch = db
            .audit_copy(&loaded.station.id, seq, 1000)
            .map_err(line_error)?;
        let Some(last) = batch.last().map(|r| r.seq) else {
            break;
        };
        for row in &batch {
            let here = store.audit_hash_at(row.seq).map_err(CliError::from)?;
            if here.as_ref().map(|h| h.0.as_slice()) != Some(row.hash.as_slice()) {
                return Err(mismatch(format!(
                    "row {} differs from the line's copy of it: the chain was rewritten",
                    row.seq
                )));
            }
        }
        seq = last;
    }
    Ok(copy.rows)
}

/// `SEQ:HASH` as `station audit verify` prints it.
fn parse_head(text: &str) -> anyhow::Result<(i64, String)> {
    let bad = || {
        CliError::anyhow(
            "station::audit::bad_head",
            format!("{text:?} is not a head as `station audit verify` prints it"),
        )
    };
    let (seq, hash) = text.trim().split_once(':').ok_or_else(bad)?;
    let seq: i64 = seq.parse().map_err(|_| bad())?;
    let hash = hash.to_ascii_lowercase();
    if seq < 1 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((seq, hash))
}
