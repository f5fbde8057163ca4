//! `station check`: validate a configuration without touching hardware.
//!
//! Each check has an id, a result and, when not ok, a one-line fix. The preflight for real
//! fixture PCs (ports openable, dialout group, DPS reachable, clock) grows from here.

use std::path::PathBuf;

use clap::Args;
use station_config::{AttestationConfig, SecretSource, StationConfig, SymmetricEnrollment};

use crate::output::CliError;
use crate::{EXIT_ERROR, EXIT_OK};

/// Arguments of `station check`.
#[derive(Args)]
pub(crate) struct CheckArgs {
    /// Station configuration file.
    #[arg(long)]
    config: PathBuf,
    /// Print the configuration's JSON Schema instead of checking.
    #[arg(long)]
    schema: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Warning,
    Failed,
}

struct CheckResult {
    id: &'static str,
    outcome: Outcome,
    detail: String,
    fix: Option<String>,
}

pub(crate) fn check(args: &CheckArgs) -> anyhow::Result<u8> {
    if args.schema {
        println!(
            "{}",
            serde_json::to_string_pretty(&station_config::json_schema())?
        );
        return Ok(EXIT_OK);
    }
    let config = station_config::load(&args.config).map_err(CliError::from)?;
    let mut results = vec![CheckResult {
        id: "config.valid",
        outcome: Outcome::Ok,
        detail: format!("{} parses and passes its checks", args.config.display()),
        fix: None,
    }];
    results.extend(ports(&config));
    results.push(storage(&config));
    results.extend(secrets(&config));
    let mut failed = false;
    for r in &results {
        let tag = match r.outcome {
            Outcome::Ok => "ok",
            Outcome::Warning => "warning",
            Outcome::Failed => "FAILED",
        };
        failed |= r.outcome == Outcome::Failed;
        println!("{tag:<8} {:<22} {}", r.id, r.detail);
        if let Some(fix) = &r.fix {
            println!("{:<31} fix: {fix}", "");
        }
    }
    Ok(if failed { EXIT_ERROR } else { EXIT_OK })
}

fn ports(config: &StationConfig) -> Vec<CheckResult> {
    let fixture = &config.fixture;
    let mut out = Vec::new();
    if let Some(path) = &fixture.ports_file {
        let r = match station_config::PortsFile::load(path) {
            Ok(map) => {
                let missing: Vec<u16> =
                    fixture.slots.iter().filter(|s| s.port.is_none() && map.port(s.index).is_none()).map(|s| s.index).collect();
                if missing.is_empty() {
                    CheckResult { id: "fixture.ports_file", outcome: Outcome::Ok, detail: format!("{} maps every slot", path.display()), fix: None }
                } else {
                    CheckResult {
                        id: "fixture.ports_file",
                        outcome: Outcome::Failed,
                        detail: format!("{} has no port for slot(s) {missing:?}", path.display()),
                        fix: Some("Start the fixture with enough slots, or give those slots a `port`.".into()),
                    }
                }
            }
            Err(_) if !path.exists() => CheckResult {
                id: "fixture.ports_file",
                outcome: Outcome::Warning,
                detail: format!("{} does not exist yet", path.display()),
                fix: Some("Start the fixture (e.g. `virtual-fixture start --dir …`) before `station run`.".into()),
            },
            Err(e) => CheckResult {
                id: "fixture.ports_file",
                outcome: Outcome::Failed,
                detail: e.to_string(),
                fix: Some("Restart the fixture so it rewrites its port map.".into()),
            },
        };
        out.push(r);
    }
    for slot in fixture.slots.iter().filter(|s| s.port.is_some()) {
        let port = slot.port.as_deref().unwrap_or_default();
        let exists = std::path::Path::new(port).exists();
        out.push(CheckResult {
            id: "fixture.slot.port",
            outcome: if exists {
                Outcome::Ok
            } else {
                Outcome::Warning
            },
            detail: format!(
                "slot {}: {port}{}",
                slot.index,
                if exists { "" } else { " is not present" }
            ),
            fix: (!exists).then(|| "Plug the fixture in, or correct the slot's `port`.".into()),
        });
    }
    out
}

fn storage(config: &StationConfig) -> CheckResult {
    let db = &config.storage.database;
    let dir = db.parent().map(PathBuf::from).unwrap_or_default();
    let mut probe = dir.clone();
    while !probe.as_os_str().is_empty() && !probe.exists() {
        probe = probe.parent().map(PathBuf::from).unwrap_or_default();
    }
    let writable = probe.as_os_str().is_empty()
        || std::fs::metadata(&probe)
            .map(|m| !m.permissions().readonly())
            .unwrap_or(false);
    CheckResult {
        id: "storage.database",
        outcome: if writable {
            Outcome::Ok
        } else {
            Outcome::Failed
        },
        detail: format!(
            "{}{}",
            db.display(),
            if writable { "" } else { " is not writable" }
        ),
        fix: (!writable)
            .then(|| format!("Give the station user write access to {}.", dir.display())),
    }
}

fn secrets(config: &StationConfig) -> Vec<CheckResult> {
    config
        .products
        .iter()
        .filter_map(|p| match &p.attestation {
            AttestationConfig::SymmetricKey {
                enrollment: SymmetricEnrollment::Group { group_key, .. },
            } => {
                let present = match group_key {
                    SecretSource::Env { env } => std::env::var_os(env).is_some(),
                    SecretSource::File { file } => std::fs::File::open(file).is_ok(),
                };
                Some(CheckResult {
                    id: "product.group_key",
                    outcome: if present {
                        Outcome::Ok
                    } else {
                        Outcome::Failed
                    },
                    detail: format!("product {}: group key from {}", p.id, group_key.describe()),
                    fix: (!present).then(|| {
                        "Install the enrollment group key where the config points.".into()
                    }),
                })
            }
            _ => None,
        })
        .collect()
}
