//! `station explain CODE`: the registry's entry for an error code (the same text as
//! docs/errors.md), or every code of an area (`station explain station::upload`).

use clap::Args;

use crate::EXIT_OK;
use crate::output::CliError;

/// Arguments of `station explain`.
#[derive(Args)]
pub(crate) struct ExplainArgs {
    /// An error code as printed (`station::store::missing`, with or without `error[…]`), or an
    /// area (`station::upload`). Without it: the exit-code table.
    code: Option<String>,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

pub(crate) fn explain(args: &ExplainArgs) -> anyhow::Result<u8> {
    let Some(code) = args.code.as_deref() else {
        if args.json {
            let table: Vec<_> = station_errors::Exit::ALL
                .iter()
                .map(|e| serde_json::json!({"exit": e.code(), "name": e.name(), "meaning": e.meaning()}))
                .collect();
            crate::output::print_json(&table)?;
        } else {
            for e in station_errors::Exit::ALL {
                println!("{:>4}  {:<13} {}", e.code(), e.name(), e.meaning());
            }
        }
        return Ok(EXIT_OK);
    };
    // Accept what a technician copies from the screen: `error[station::x::y]:`.
    let code = code
        .trim()
        .trim_start_matches("error[")
        .trim_end_matches(':')
        .trim_end_matches(']');
    let found: Vec<_> = match station_errors::lookup(code) {
        Some(e) => vec![e],
        None => station_errors::with_prefix(&format!("{}::", code.trim_end_matches(':'))).collect(),
    };
    if found.is_empty() {
        return Err(CliError::anyhow(
            "station::explain::unknown",
            format!("{code} is not a station error code"),
        ));
    }
    if args.json {
        let list: Vec<_> = found
            .iter()
            .map(|e| {
                serde_json::json!({
                    "code": e.code,
                    "title": station_errors::title(e.code),
                    "meaning": e.meaning,
                    "action": e.action,
                    "exit": e.exit.code(),
                    "exit_name": e.exit.name(),
                })
            })
            .collect();
        crate::output::print_json(&list)?;
    } else {
        for (i, e) in found.iter().enumerate() {
            if i > 0 {
                println!();
            }
            print!("{}", station_errors::explain(e));
        }
    }
    Ok(EXIT_OK)
}
