//! `station`: the provisioning station's command-line front-end.
//!
//! Commands parse arguments, pick implementations (serial links, the SQLite store), render
//! progress and tables, and turn errors into one line for the technician plus a help line.
//! The work happens in `station-pipeline`.
#![forbid(unsafe_code)]

mod check;
mod demo;
mod logging;
mod output;
mod run;
mod units;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code when every unit passed.
const EXIT_OK: u8 = 0;
/// Exit code when at least one unit failed.
const EXIT_UNIT_FAILED: u8 = 1;
/// Exit code when the command itself could not run (configuration, database, ports).
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "station",
    version,
    about = "Factory-line provisioning station for Azure IoT DPS"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Provision the DUTs in the fixture's slots.
    Run(run::RunArgs),
    /// Start a virtual fixture with fresh boards and run the demo configuration on it.
    Demo(demo::DemoArgs),
    /// List units, or show one.
    Units(units::UnitsArgs),
    /// Validate a configuration without touching hardware.
    Check(check::CheckArgs),
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the audit log's hash chain.
    Verify {
        /// Station configuration (to find the database).
        #[arg(long, default_value = "station-config/demo.toml")]
        config: PathBuf,
        /// The database file (overrides the configuration's).
        #[arg(long)]
        db: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Demo(args) => demo::demo(&args),
        Command::Units(args) => units::units(&args).map(|()| EXIT_OK),
        Command::Check(args) => check::check(&args),
        Command::Audit {
            command: AuditCommand::Verify { config, db },
        } => units::audit_verify(&config, db.as_deref()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(EXIT_ERROR)
        }
    }
}
