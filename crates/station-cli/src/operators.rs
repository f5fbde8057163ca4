//! `station operators`: the people who may log in to the desktop station, their roles and
//! PINs (parity with the desktop app's operators screen).
//!
//! PINs are never taken as arguments (they would show in the process list and shell history):
//! they are read from one line on standard input, or from the environment variable named by
//! `--pin-env`.
//!
//! Who may change operators: an admin (`--operator` and their PIN: the next line on stdin, or
//! `--operator-pin-env`) adds operators and sets PINs, a supervisor unlocks. The first operator
//! of a station with none is an admin, added by root (the installer on the fixture PC); the
//! desktop demo makes its own demo operators in the user's own demo database.

use crate::CONFIG_HELP;
use station_errors::Coded as _;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use station_config::Locale;
use station_store::{NewOperator, OperatorError, Role, Store};

use crate::EXIT_OK;
use crate::output::CliError;

/// Arguments of `station operators`.
#[derive(Args)]
pub(crate) struct OperatorsArgs {
    /// Station configuration (for the database and the station id).
    #[arg(long, global = true, value_name = "FILE", long_help = CONFIG_HELP)]
    config: Option<PathBuf>,
    /// The admin (to add operators or set a PIN) or supervisor (to unlock) making the change;
    /// not needed for `list`, nor for the first admin of a station with none (root only).
    #[arg(long, global = true)]
    operator: Option<String>,
    /// Read that operator's PIN from this environment variable instead of the next line of
    /// stdin (after the new PIN, for `add` and `set-pin`).
    #[arg(long, global = true)]
    operator_pin_env: Option<String>,
    #[command(subcommand)]
    command: OperatorsCommand,
}

#[derive(Subcommand)]
enum OperatorsCommand {
    /// Add an operator; the PIN (4–12 digits) is read from stdin or --pin-env.
    Add {
        /// Operator ID, as on the badge.
        id: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// technician, supervisor or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Read the PIN from this environment variable instead of stdin.
        #[arg(long)]
        pin_env: Option<String>,
        /// The language the desktop app speaks to them after login: en, zh-CN or es (default:
        /// the station's, `kiosk.locale`).
        #[arg(long, value_parser = parse_language)]
        language: Option<Locale>,
    },
    /// Set the language the desktop app speaks to an operator after login; without one, the
    /// station's (`kiosk.locale`).
    SetLanguage {
        /// Operator ID.
        id: String,
        /// en, zh-CN or es.
        #[arg(value_parser = parse_language)]
        language: Option<Locale>,
    },
    /// List operators, their roles and lockouts.
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Set an operator's PIN (and clear a lockout); the PIN is read from stdin or --pin-env.
    SetPin {
        /// Operator ID.
        id: String,
        /// Read the PIN from this environment variable instead of stdin.
        #[arg(long)]
        pin_env: Option<String>,
    },
    /// End an operator's lockout.
    Unlock {
        /// Operator ID.
        id: String,
    },
}

fn parse_language(s: &str) -> Result<Locale, String> {
    Locale::from_tag(s).ok_or_else(|| {
        let tags: Vec<&str> = Locale::ALL.iter().map(|l| l.tag()).collect();
        format!("the station's screens speak {}", tags.join(", "))
    })
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse().map_err(|e: OperatorError| e.to_string())
}

impl From<OperatorError> for CliError {
    fn from(e: OperatorError) -> Self {
        CliError::coded(e.code(), &e)
    }
}

pub(crate) fn operators(args: &OperatorsArgs) -> anyhow::Result<u8> {
    let config = station_config::load(&crate::config_file(args.config.as_deref()))
        .map_err(CliError::from)?;
    let station = config.station.id.clone();
    let store = open(&config.storage.database)?;
    let actor = |action| {
        decided_by(
            &config,
            &store,
            args.operator.as_deref(),
            args.operator_pin_env.as_deref(),
            action,
            "station::operators::no_operator",
        )
    };
    match &args.command {
        OperatorsCommand::Add {
            id,
            name,
            role,
            pin_env,
            language,
        } => {
            let pin = read_pin(pin_env.as_deref())?;
            let actor = if store.operators().map_err(CliError::from)?.is_empty() {
                first_admin(*role)?
            } else {
                actor(station_store::Action::ManageOperators)?
            };
            let op = store
                .add_operator(
                    &station,
                    &actor,
                    &NewOperator {
                        id: id.clone(),
                        name: name.clone(),
                        role: *role,
                        pin,
                    },
                )
                .map_err(CliError::from)?;
            if let Some(language) = language {
                store
                    .set_operator_language(&station, &actor, &op.id, Some(language.tag()))
                    .map_err(CliError::from)?;
            }
            println!("added operator {} ({}, {})", op.id, op.name, op.role);
        }
        OperatorsCommand::List { json } => {
            let list = store.operators().map_err(CliError::from)?;
            if *json {
                crate::output::print_json(&list)?;
            } else {
                println!(
                    "{:<16} {:<12} {:<24} {:<8} status",
                    "id", "role", "name", "language"
                );
                let now = chrono::Utc::now();
                for op in &list {
                    let status = match op.locked_until {
                        Some(until) if until > now => format!("locked until {until}"),
                        _ if op.failed_attempts > 0 => {
                            format!("{} failed attempt(s)", op.failed_attempts)
                        }
                        _ => "ok".into(),
                    };
                    let language = op.language.as_deref().unwrap_or("-");
                    println!(
                        "{:<16} {:<12} {:<24} {:<8} {status}",
                        op.id, op.role, op.name, language
                    );
                }
                println!("{} operator(s)", list.len());
            }
        }
        OperatorsCommand::SetPin { id, pin_env } => {
            let pin = read_pin(pin_env.as_deref())?;
            let actor = actor(station_store::Action::ManageOperators)?;
            store
                .set_operator_pin(&station, &actor, id, &pin)
                .map_err(CliError::from)?;
            println!("PIN set for {id}");
        }
        OperatorsCommand::SetLanguage { id, language } => {
            let actor = actor(station_store::Action::ManageOperators)?;
            store
                .set_operator_language(&station, &actor, id, language.map(Locale::tag))
                .map_err(CliError::from)?;
            match language {
                Some(l) => println!("{id} is spoken to in {}", l.tag()),
                None => println!("{id} is spoken to in the station's language"),
            }
        }
        OperatorsCommand::Unlock { id } => {
            let actor = actor(station_store::Action::UnlockOperator)?;
            store
                .unlock_operator(&station, &actor, id)
                .map_err(CliError::from)?;
            println!("{id} unlocked");
        }
    }
    Ok(EXIT_OK)
}

/// The first operator of a station that has none: an admin, added by root (the fixture PC's
/// installer), recorded as `root` in the audit log.
fn first_admin(role: Role) -> anyhow::Result<String> {
    if station_config::current_uid() != Some(0) {
        return Err(CliError::anyhow(
            "station::operators::first_admin",
            "the station has no operators yet: its first one is added by root",
        ));
    }
    if role != Role::Admin {
        return Err(CliError::anyhow(
            "station::operators::first_admin",
            "the first operator of a station must be an admin",
        ));
    }
    Ok("root".into())
}

fn open(path: &Path) -> anyhow::Result<Store> {
    Ok(Store::open(path).map_err(CliError::from)?)
}

/// Lets `operator` see device keys in a report: their PIN (stdin or `pin_env`) must check
/// out and their role allow it. Recorded in the audit log (`secrets.revealed`, naming
/// `subject`) before anything is shown; a wrong PIN counts towards the lockout, as in the app.
pub(crate) fn authorize_reveal(
    config: &std::path::Path,
    store: &Store,
    operator: &str,
    pin_env: Option<&str>,
    subject: &str,
) -> anyhow::Result<()> {
    let config = station_config::load(config).map_err(CliError::from)?;
    let op = authorize(
        &config,
        store,
        operator,
        pin_env,
        station_store::Action::RevealSecrets,
    )?;
    store
        .audit_append(&station_store::AuditEntry {
            station_id: config.station.id.clone(),
            actor: op.id.clone(),
            kind: "secrets.revealed".into(),
            subject: subject.to_owned(),
            detail: serde_json::json!({ "via": "station units --reveal-secrets" }),
        })
        .map_err(CliError::from)?;
    Ok(())
}

/// A decision only a supervisor (or an admin) may make from the CLI: `operator` is required
/// (else `no_operator`, the calling command's code), their PIN is read from stdin or
/// `pin_env` and checked, and their role must allow `action`. Returns the authenticated ID,
/// for the audit log: never a name typed as free text.
pub(crate) fn decided_by(
    config: &station_config::StationConfig,
    store: &Store,
    operator: Option<&str>,
    pin_env: Option<&str>,
    action: station_store::Action,
    no_operator: &'static str,
) -> anyhow::Result<String> {
    let operator = operator.ok_or_else(|| {
        CliError::anyhow(
            no_operator,
            format!("to {} the station needs a supervisor", action.describe()),
        )
    })?;
    Ok(authorize(config, store, operator, pin_env, action)?.id)
}

/// Checks `operator`'s PIN (stdin or `pin_env`; a wrong one counts towards the lockout, as in
/// the app) and that their role may do `action`.
pub(crate) fn authorize(
    config: &station_config::StationConfig,
    store: &Store,
    operator: &str,
    pin_env: Option<&str>,
    action: station_store::Action,
) -> anyhow::Result<station_store::Operator> {
    let pin = read_pin(pin_env)?;
    let op = store
        .authenticate(
            &config.station.id,
            operator,
            &pin,
            station_store::LockoutPolicy {
                max_attempts: config.kiosk.max_pin_attempts.max(1),
                duration: std::time::Duration::from_secs(u64::from(config.kiosk.lockout_seconds)),
            },
            chrono::Utc::now(),
        )
        .map_err(CliError::from)?;
    station_store::require(op.role, action).map_err(CliError::from)?;
    Ok(op)
}

/// One line from stdin (or the named environment variable), without its line ending.
fn read_pin(env: Option<&str>) -> anyhow::Result<String> {
    if let Some(name) = env {
        return std::env::var(name).map_err(|_| {
            CliError::anyhow(
                "station::operators::no_pin",
                format!("environment variable {name} is not set"),
            )
        });
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let pin = line.trim_end_matches(['\r', '\n']).to_owned();
    if pin.is_empty() {
        return Err(CliError::anyhow(
            "station::operators::no_pin",
            "no PIN on standard input",
        ));
    }
    Ok(pin)
}
