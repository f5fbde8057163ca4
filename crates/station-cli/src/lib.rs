//! `station`: the provisioning station's command-line front-end.
//!
//! Commands parse arguments, pick implementations (serial links, the SQLite store), render
//! progress and tables, and turn errors into one line for the technician plus a help line.
//! The work happens in `station-pipeline`. The binary (`src/main.rs`) calls [`main`]; the test
//! bench's `station-demo` drives the same run, upload and views through [`embed`].
#![forbid(unsafe_code)]

mod ca;
mod check;
mod claims;
pub mod embed;
mod explain;
mod export;
mod generate;
mod line;
mod line_db;
mod logging;
mod operators;
mod output;
mod ports;
mod progress;
mod reports;
mod run;
mod secrets;
mod slots;
mod units;
mod upload;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

use station_errors::Exit;

/// Exit code when everything was done (docs/errors.md has the whole table).
pub const EXIT_OK: u8 = 0;
/// Exit code when at least one unit failed.
pub const EXIT_UNIT_FAILED: u8 = 1;

#[derive(Parser)]
#[command(
    name = "station",
    version,
    about = "Factory-line provisioning station for Azure IoT DPS"
)]
struct Cli {
    /// Say which configuration file is used (on stderr).
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

/// The `--config` help every command shares.
const CONFIG_HELP: &str = "Station configuration file. Without --config: $STATION_CONFIG, else \
                           ./station.toml if there is one, else /etc/station/station.toml";

/// `--verbose` was given.
static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The configuration file a command uses: `flag` (`--config`), else `$STATION_CONFIG`, else
/// `./station.toml`, else `/etc/station/station.toml` (the desktop app does the same). With
/// `--verbose` it says which, on stderr.
pub(crate) fn config_file(flag: Option<&std::path::Path>) -> PathBuf {
    let found = station_config::discover(flag);
    if VERBOSE.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("configuration: {found}");
    }
    found.path
}

#[derive(Subcommand)]
enum Command {
    /// Man pages and shell completions from this CLI's definition (for packagers).
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
    /// Provision the DUTs in the fixture's slots.
    Run(run::RunArgs),
    /// List units, or show one.
    Units(units::UnitsArgs),
    /// Units whose boards the station must see again (it stopped or the lock went unanswered),
    /// and a supervisor's decisions about them.
    Claims(claims::ClaimsArgs),
    /// Slots blocked after repeated failures with a credential handed out, and a
    /// supervisor clearing one.
    Slots(slots::SlotsArgs),
    /// The line's signing CA for X.509 products: init, import, show.
    Ca(ca::CaArgs),
    /// Validate a configuration without touching hardware.
    Check(check::CheckArgs),
    /// List the serial ports and USB devices the PC sees (and, with --definition, their slots).
    Ports(ports::PortsArgs),
    /// Start each slot by itself when a DUT arrives in it (fixture.auto_start).
    Watch(watch::WatchArgs),
    /// The line set-up: work order and per-slot product (show, or change with --operator).
    Line(line::LineArgs),
    /// The line of stations on the shared line database: status (stations, quota, yield,
    /// conflicts) and resolving a conflict.
    LineDb(line_db::LineDbArgs),
    /// Operators of the desktop station: add, list, set-pin, unlock.
    Operators(operators::OperatorsArgs),
    /// Passes, failures per hour and failure reasons (per work order or shift).
    Yield(reports::YieldArgs),
    /// The key pair that seals device keys where they are made: keygen.
    Secrets(secrets::SecretsArgs),
    /// Upload queued enrollments to DPS (keeps running unless --once).
    Upload(upload::UploadArgs),
    /// Show the upload queue: depth, oldest, conflicts.
    Queue(upload::QueueArgs),
    /// Write a signed batch of enrollments for the device operator.
    Export(export::ExportArgs),
    /// Verify a signed export batch; fails on any tampering.
    VerifyExport(export::VerifyExportArgs),
    /// Verify an export batch and upload it to a DPS service (the device operator's side).
    Import(export::ImportArgs),
    /// What an error code means and what to do about it (docs/errors.md), or an area's codes.
    Explain(explain::ExplainArgs),
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Show the newest audit rows.
    List {
        /// Station configuration (to find the database).
        #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
        config: Option<PathBuf>,
        /// How many rows.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Verify the audit log's hash chain (and, with --expect-head, that it still holds a head
    /// recorded earlier outside the station).
    Verify {
        /// Station configuration (to find the database).
        #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
        config: Option<PathBuf>,
        /// The database file (overrides the configuration's).
        #[arg(long)]
        db: Option<PathBuf>,
        /// A head printed by an earlier verify and kept elsewhere, as SEQ:HASH: the chain must
        /// still have that row with that hash (a rewritten or truncated chain does not).
        #[arg(long, value_name = "SEQ:HASH")]
        expect_head: Option<String>,
        /// Also compare the chain with the line database's append-only copy of it: every row
        /// the line holds must be here, unchanged (a chain rewritten or truncated since it was
        /// copied is not).
        #[arg(long)]
        against_line: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// The `station` command: parses the arguments, runs the command, prints an error as one line
/// with its code and action, and returns the exit code of docs/errors.md's table.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    VERBOSE.store(cli.verbose, std::sync::atomic::Ordering::Relaxed);
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Line(args) => line::line(&args),
        Command::LineDb(args) => line_db::line_db(&args).map(|()| EXIT_OK),
        Command::Units(args) => units::units(&args).map(|()| EXIT_OK),
        Command::Claims(args) => claims::claims(&args).map(|()| EXIT_OK),
        Command::Slots(args) => slots::slots(&args).map(|()| EXIT_OK),
        Command::Check(args) => check::check(&args),
        Command::Ca(args) => ca::ca(&args),
        Command::Ports(args) => ports::ports(&args).map(|()| EXIT_OK),
        Command::Watch(args) => watch::watch(&args),
        Command::Operators(args) => operators::operators(&args),
        Command::Yield(args) => reports::yield_report(&args),
        Command::Secrets(args) => secrets::secrets(&args).map(|()| EXIT_OK),
        Command::Upload(args) => upload::upload(&args),
        Command::Queue(args) => upload::queue(&args),
        Command::Export(args) => export::export(&args),
        Command::VerifyExport(args) => export::verify(&args),
        Command::Import(args) => export::import(&args),
        Command::Explain(args) => explain::explain(&args),
        Command::Generate(args) => generate::generate(&args, Cli::command()),
        Command::Audit {
            command:
                AuditCommand::List {
                    config,
                    limit,
                    json,
                },
        } => reports::audit_list(&config_file(config.as_deref()), limit, json),
        Command::Audit {
            command:
                AuditCommand::Verify {
                    config,
                    db,
                    expect_head,
                    against_line,
                    json,
                },
        } => units::audit_verify(
            &config_file(config.as_deref()),
            db.as_deref(),
            units::Anchors {
                expect_head: expect_head.as_deref(),
                against_line,
            },
            json,
        ),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(exit_for(&e).code())
        }
    }
}

/// The exit code of a command that stopped on `e`: its code's class in the registry; an error
/// without a code is the environment's (a file, the disk, a socket).
pub fn exit_for(e: &anyhow::Error) -> Exit {
    match e.downcast_ref::<output::CliError>() {
        Some(c) => station_errors::exit_for(c.code),
        None => Exit::Environment,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::{Cli, generate};

    /// Commands that only act: one confirming line, and the exit code says the rest
    /// (docs/cli.md). Every other command reports something and must take `--json`.
    const ACTIONS: &[&str] = &[
        "operators add",
        "operators set-pin",
        "operators set-language",
        "operators unlock",
        "line-db resolve",
        "line-db add-station",
        "ca init",
        "ca import",
        "secrets keygen",
        "generate",
    ];

    fn leaves(cmd: &clap::Command, path: &str, out: &mut Vec<(String, bool)>) {
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            let json = cmd.get_arguments().any(|a| a.get_long() == Some("json"));
            out.push((path.trim().to_owned(), json));
        }
        for s in subs {
            leaves(s, &format!("{path} {}", s.get_name()), out);
        }
    }

    #[test]
    fn every_command_that_reports_takes_json() {
        let mut found = Vec::new();
        leaves(&Cli::command(), "", &mut found);
        assert!(found.len() > 25, "walked {} commands", found.len());
        let missing: Vec<&str> = found
            .iter()
            .filter(|(path, json)| !json && !ACTIONS.contains(&path.as_str()))
            .map(|(path, _)| path.as_str())
            .collect();
        assert!(
            missing.is_empty(),
            "reporting commands without --json: {missing:?}"
        );
        let unknown: Vec<&&str> = ACTIONS
            .iter()
            .filter(|a| !found.iter().any(|(path, _)| path == *a))
            .collect();
        assert!(unknown.is_empty(), "ACTIONS names no command: {unknown:?}");
    }

    /// The packaged man pages and completions come from the CLI definition: one page per
    /// visible command (none for the hidden `generate`), completions naming the commands.
    #[test]
    #[allow(clippy::unwrap_used)]
    fn man_pages_and_completions_cover_every_command() {
        let dir = tempfile::tempdir().unwrap();
        let args = generate::GenerateArgs::for_dirs(&dir.path().join("man"), dir.path());
        generate::generate(&args, Cli::command()).unwrap();
        let mut found = Vec::new();
        leaves(&Cli::command(), "", &mut found);
        for (path, _) in &found {
            let page = format!("station-{}.1", path.replace(' ', "-"));
            let hidden = path == "generate";
            assert_eq!(
                dir.path().join("man").join(&page).exists(),
                !hidden,
                "{page}"
            );
        }
        let bash = std::fs::read_to_string(dir.path().join("bash-completion/completions/station"))
            .unwrap();
        for command in ["import", "verify-export", "explain", "check"] {
            assert!(bash.contains(command), "bash completion lacks {command}");
        }
    }
}
