//! `station line-db`: the line of stations as the shared line database sees it (stations,
//! work orders and their quota, yield per station and work order, conflicts), this station's
//! outbox replayed first; and a supervisor's decision about a conflict.

use crate::CONFIG_HELP;
use station_errors::Coded as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::output::CliError;

/// Arguments of `station line-db`.
#[derive(Args)]
pub(crate) struct LineDbArgs {
    #[command(subcommand)]
    command: LineDbCommand,
}

#[derive(Subcommand)]
enum LineDbCommand {
    /// The whole line: stations, work orders, yield, open conflicts (this station's outbox is
    /// replayed first).
    Status {
        /// Station configuration (its `[line_db]`).
        #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
        config: Option<PathBuf>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Close a conflict: a supervisor says what was done with the two boards (recorded).
    Resolve {
        /// Station configuration (its `[line_db]`).
        #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
        config: Option<PathBuf>,
        /// The conflict's number (from `station line-db status`).
        conflict: i64,
        /// The supervisor deciding (an operator of this station; PIN from stdin or --pin-env).
        #[arg(long)]
        operator: String,
        /// Read the supervisor's PIN from this environment variable instead of stdin.
        #[arg(long)]
        pin_env: Option<String>,
        /// What was done, e.g. "board at station-2 scrapped; serial SN-1 kept by station-1".
        #[arg(long)]
        note: String,
    },
    /// Make a station's own role on the line database (or give it a new password), with the
    /// line's admin role (`[line_db] admin_user`, `admin_password`): the station may then
    /// write only its own rows. The password goes to a new file, owner-only.
    AddStation {
        /// Configuration naming the line's admin role.
        #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
        config: Option<PathBuf>,
        /// The station's ID (its role's name).
        station: String,
        /// Where to write the new role's password (must not exist): install it as that
        /// station's `line_db.password` file.
        #[arg(long, value_name = "FILE")]
        password_file: PathBuf,
    },
}

pub(crate) fn line_db(args: &LineDbArgs) -> anyhow::Result<()> {
    match &args.command {
        LineDbCommand::Status { config, json } => {
            status(&crate::config_file(config.as_deref()), *json)
        }
        LineDbCommand::Resolve {
            config,
            conflict,
            operator,
            pin_env,
            note,
        } => resolve(
            &crate::config_file(config.as_deref()),
            *conflict,
            (operator, pin_env.as_deref()),
            note,
        ),
        LineDbCommand::AddStation {
            config,
            station,
            password_file,
        } => add_station(
            &crate::config_file(config.as_deref()),
            station,
            password_file,
        ),
    }
}

/// The line database as its admin role (administration commands only).
fn connect_admin(config: &station_config::StationConfig) -> anyhow::Result<station_linedb::LineDb> {
    let opened = station_pipeline::open_line_db_as(config, station_pipeline::LineLogin::Admin)
        .map_err(|e| CliError::anyhow(e.code(), crate::output::chain(&e)))?;
    match opened {
        Some((db, None)) => Ok(db),
        Some((_, Some(e))) => Err(CliError::anyhow(e.code(), crate::output::chain(&e))),
        None => Err(CliError::anyhow(
            "station::linedb::not_configured",
            "this configuration has no [line_db]",
        )),
    }
}

fn add_station(
    config: &std::path::Path,
    station: &str,
    password_file: &std::path::Path,
) -> anyhow::Result<()> {
    use rand::Rng as _;
    let loaded = station_config::load(config).map_err(CliError::from)?;
    let mut db = connect_admin(&loaded)?;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let password: zeroize::Zeroizing<String> = zeroize::Zeroizing::new(
        (0..32)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect(),
    );
    // The file first: a role whose password was never written down would be locked out.
    station_store::private_files::write_new(password_file, password.as_bytes()).map_err(|e| {
        CliError::anyhow(
            "station::linedb::password",
            format!("cannot write {}: {e}", password_file.display()),
        )
    })?;
    if let Err(e) = db.add_station_role(station, &password) {
        let _ = std::fs::remove_file(password_file);
        return Err(CliError::anyhow(e.code(), crate::output::chain(&e)));
    }
    println!(
        "line database role {station} ready (it writes only its own rows); its password is in {}: \
         install it as that station's line_db.password file, and set user={station} in its url",
        password_file.display()
    );
    Ok(())
}

/// The station's config, its line database connected (refused when unreachable: these views
/// need the line).
fn connect(
    config: &std::path::Path,
) -> anyhow::Result<(station_config::StationConfig, station_linedb::LineDb)> {
    let config = station_config::load(config).map_err(CliError::from)?;
    let db = crate::run::connect_line_db(&config)?.ok_or_else(|| {
        CliError::anyhow(
            "station::linedb::not_configured",
            "this station is not on a line database",
        )
    })?;
    if !db.is_connected() {
        return Err(CliError::anyhow(
            "station::linedb::unreachable",
            "the line database is unreachable",
        ));
    }
    Ok((config, db))
}

fn status(config_path: &std::path::Path, as_json: bool) -> anyhow::Result<()> {
    let (config, db) = connect(config_path)?;
    // This station's outbox first, so the view includes what it did apart.
    let link = station_pipeline::LineLink::new(
        db,
        station_config::OfflinePolicy::Refuse,
        config.line_db.as_ref().map_or(50, |l| l.lease_block),
    );
    let mut waiting = 0;
    if config.storage.database.exists() {
        let store = station_store::Store::open(&config.storage.database).map_err(CliError::from)?;
        let report = link.sync(&store).map_err(CliError::from)?;
        waiting = report.waiting;
    }
    let status = link
        .with_db(station_linedb::LineDb::status)
        .map_err(|e| CliError::anyhow(e.code(), crate::output::chain(&e)))?;
    let audits: Vec<AuditCheck> = status
        .stations
        .iter()
        .map(|st| {
            link.with_db(|db| station_pipeline::verify_line_audit(db, &st.id))
                .map(AuditCheck::from)
                .unwrap_or_else(|e| AuditCheck::Unread(e.to_string()))
        })
        .collect();
    let now = chrono::Utc::now();
    if as_json {
        let out = json!({
            "station": config.station.id,
            "outboxWaiting": waiting,
            "stations": status.stations.iter().zip(&audits).map(|(s, a)| json!({
                "id": s.id, "lastSeen": s.last_seen,
                "secondsAgo": (now - s.last_seen).num_seconds(),
                "audit": a.json(),
            })).collect::<Vec<_>>(),
            "workOrders": status.work_orders.iter().map(|w| json!({
                "id": w.id, "quota": w.quota, "leased": w.leased, "used": w.used,
                "closed": w.closed,
            })).collect::<Vec<_>>(),
            "yield": status.yields.iter().map(|y| json!({
                "station": y.station_id, "workOrder": y.work_order,
                "passed": y.passed, "failed": y.failed,
            })).collect::<Vec<_>>(),
            "conflicts": status.conflicts.iter().map(|c| json!({
                "id": c.id, "kind": c.identity.kind.as_str(), "value": c.identity.value,
                "holderStation": c.holder_station, "holderUnit": c.holder_unit,
                "holderKept": c.holder_kept, "station": c.station_id, "unit": c.unit_ref,
                "doneAt": c.done_at, "detectedAt": c.detected_at,
            })).collect::<Vec<_>>(),
            "claims": status.claims.iter().map(|c| json!({
                "station": c.station_id, "unit": c.unit_ref, "serial": c.serial,
                "claimedAt": c.claimed_at, "secondsAgo": (now - c.claimed_at).num_seconds(),
            })).collect::<Vec<_>>(),
        });
        crate::output::print_json(&out)?;
        return Ok(());
    }
    print_status(&config.station.id, waiting, &status);
    println!("\naudit chains, verified from the line's copy");
    for (s, a) in status.stations.iter().zip(&audits) {
        println!("  {:<20} {}", s.id, a.text());
    }
    Ok(())
}

/// One station's audit chain as verified from the line's copy.
enum AuditCheck {
    Whole(u64),
    Broken(i64, String),
    Unread(String),
}

impl From<Result<station_store::AuditReport, (station_store::AuditSeq, station_store::AuditBreak)>>
    for AuditCheck
{
    fn from(
        r: Result<station_store::AuditReport, (station_store::AuditSeq, station_store::AuditBreak)>,
    ) -> Self {
        match r {
            Ok(report) => Self::Whole(report.rows),
            Err((seq, why)) => Self::Broken(seq.0, why.to_string()),
        }
    }
}

impl AuditCheck {
    fn json(&self) -> serde_json::Value {
        match self {
            Self::Whole(rows) => json!({ "ok": true, "rows": rows }),
            Self::Broken(seq, why) => json!({ "ok": false, "brokenAt": seq, "reason": why }),
            Self::Unread(e) => json!({ "ok": false, "error": e }),
        }
    }

    fn text(&self) -> String {
        match self {
            Self::Whole(rows) => format!("ok ({rows} rows)"),
            Self::Broken(seq, why) => format!("BROKEN at row {seq}: {why}"),
            Self::Unread(e) => format!("not read: {e}"),
        }
    }
}

/// The line's status as text: stations, work orders, yield (per station and work order, and
/// the whole line), open conflicts.
pub(crate) fn print_status(station: &str, waiting: i64, status: &station_linedb::LineStatus) {
    let now = chrono::Utc::now();
    println!("line database: connected as station {}", station);
    if waiting > 0 {
        println!("  this station's outbox: {waiting} update(s) not yet replayed");
    }
    println!("\nstations");
    for s in &status.stations {
        println!(
            "  {:<20} last seen {} s ago",
            s.id,
            (now - s.last_seen).num_seconds()
        );
    }
    if !status.work_orders.is_empty() {
        println!("\nwork orders        quota   leased     used");
        for w in &status.work_orders {
            println!(
                "  {:<14} {:>8} {:>8} {:>8}{}",
                w.id,
                w.quota,
                w.leased,
                w.used,
                if w.closed { "  (closed)" } else { "" }
            );
        }
    }
    println!("\nyield              work order       passed   failed   yield");
    let mut line = (0, 0);
    for y in &status.yields {
        line.0 += y.passed;
        line.1 += y.failed;
        println!(
            "  {:<16} {:<14} {:>8} {:>8}  {}",
            y.station_id,
            y.work_order.as_deref().unwrap_or("-"),
            y.passed,
            y.failed,
            percent(y.passed, y.failed)
        );
    }
    println!(
        "  {:<16} {:<14} {:>8} {:>8}  {}",
        "whole line",
        "",
        line.0,
        line.1,
        percent(line.0, line.1)
    );
    if status.conflicts.is_empty() {
        println!("\nno open conflicts");
    } else {
        println!(
            "\n{} OPEN CONFLICT(S): provisioned at two stations while apart; a supervisor decides (station line-db resolve)",
            status.conflicts.len()
        );
        for c in &status.conflicts {
            println!(
                "  #{} {} {}: station {} unit {} ({}), and station {} unit {} (apart, {})",
                c.id,
                c.identity.kind.as_str(),
                c.identity.value,
                c.holder_station,
                c.holder_unit,
                if c.holder_kept {
                    "provisioned"
                } else {
                    "being provisioned"
                },
                c.station_id,
                c.unit_ref,
                c.done_at.format("%Y-%m-%d %H:%M UTC"),
            );
        }
    }
    // A claim lives for the lock of one board; one that stays open is a station stopped
    // mid-lock, whose board only it can complete.
    let stale: Vec<_> = status
        .claims
        .iter()
        .filter(|c| (chrono::Utc::now() - c.claimed_at).num_seconds() >= STALE_CLAIM_S)
        .collect();
    if !stale.is_empty() {
        println!(
            "
{} BOARD(S) LEFT MID-LOCK: take each back to its station, which completes it (station claims there)",
            stale.len()
        );
        for c in stale {
            println!(
                "  station {} unit {} serial {} claimed {}",
                c.station_id,
                c.unit_ref,
                c.serial.as_deref().unwrap_or("?"),
                c.claimed_at.format("%Y-%m-%d %H:%M:%S UTC"),
            );
        }
    }
}

/// Seconds after which an open claim is a board left mid-lock rather than one being locked.
const STALE_CLAIM_S: i64 = 60;

fn percent(passed: i64, failed: i64) -> String {
    let total = passed + failed;
    if total == 0 {
        return "-".to_owned();
    }
    #[allow(clippy::cast_precision_loss)]
    let share = passed as f64 * 100.0 / total as f64;
    format!("{share:.1} %")
}

fn resolve(
    config: &std::path::Path,
    id: i64,
    (operator, pin_env): (&str, Option<&str>),
    note: &str,
) -> anyhow::Result<()> {
    if note.trim().is_empty() || operator.trim().is_empty() {
        return Err(CliError::anyhow(
            "station::linedb::no_note",
            "resolving a conflict needs the supervisor and what was done",
        ));
    }
    // The supervisor is one of this station's operators, checked before the line is touched.
    let loaded = station_config::load(config).map_err(CliError::from)?;
    let local = station_store::Store::open(&loaded.storage.database).map_err(CliError::from)?;
    let operator = crate::operators::decided_by(
        &loaded,
        &local,
        Some(operator),
        pin_env,
        station_store::Action::ResolveConflict,
        "station::linedb::no_note",
    )?;
    let operator = operator.as_str();
    drop(local);
    // Resolving is the admin role's (a station's own role may not update conflicts); a line
    // without per-station roles still resolves with the station's login.
    let (config, mut db) = if loaded
        .line_db
        .as_ref()
        .is_some_and(|l| l.admin_user.is_some())
    {
        let db = connect_admin(&loaded)?;
        (loaded, db)
    } else {
        connect(config)?
    };
    let fail =
        |e: station_linedb::LineDbError| CliError::anyhow(e.code(), crate::output::chain(&e));
    if !db.resolve_conflict(id, operator, note).map_err(fail)? {
        return Err(CliError::anyhow(
            "station::linedb::no_conflict",
            format!("there is no open conflict #{id}"),
        ));
    }
    if config.storage.database.exists() {
        let store = station_store::Store::open(&config.storage.database).map_err(CliError::from)?;
        store
            .audit_append(&station_store::AuditEntry {
                station_id: config.station.id.clone(),
                actor: operator.to_owned(),
                kind: "line.conflict_resolved".to_owned(),
                subject: String::new(),
                detail: json!({ "line_conflict": id, "note": note }),
            })
            .map_err(CliError::from)?;
    }
    println!("conflict #{id} resolved by {operator}: {note}");
    Ok(())
}
