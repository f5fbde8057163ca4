//! Every error code the station reports, with what a technician needs to act on it.
//!
//! Errors carry a stable code (`station::store::missing`) through [`Coded`]. For each code,
//! the registry here says what it means, what a supervisor or engineer does, and which exit
//! code a command that stops on it returns; the catalogues (`locales/*/errors.ftl`) say what
//! a technician reads, in their language: a label, what happened and one thing to do.
//! `docs/errors.md` is generated from both and `station explain CODE` prints the same text.
//! Tests walk the sources: a code without an entry, an entry no code uses, or a code without
//! its technician's words fails the build's tests.
#![forbid(unsafe_code)]

mod catalogue;
mod registry;

pub use catalogue::{Technician, message_id};

use std::fmt::Write as _;

/// How a command ends, as a process exit code. Stable: scripts on fixture PCs depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exit {
    /// Everything the command was asked to do was done.
    Ok,
    /// The command ran, and at least one unit failed or was sent to rework.
    UnitFailed,
    /// The command line is wrong (unknown flag, missing argument).
    Usage,
    /// The configuration is missing, unreadable or invalid.
    Config,
    /// Something the station needs is absent or not answering: database, disk, serial ports,
    /// TPM, HSM, network, the line database.
    Environment,
    /// DPS (or the line database) answered and refused: credentials, conflict, a request it
    /// would not take, throttling beyond the retries.
    Refused,
    /// Data failed verification: an export batch tampered with, a signature, the audit chain.
    Verification,
    /// Not permitted now: operator, PIN or role; quota; the state of a run, unit or claim.
    Denied,
    /// Stopped by Ctrl-C or a signal before it finished.
    Interrupted,
    /// An internal error: a bug in the station. Report it with the log.
    Bug,
}

impl Exit {
    /// Every exit, in the order of the documented table.
    pub const ALL: [Exit; 10] = [
        Exit::Ok,
        Exit::UnitFailed,
        Exit::Usage,
        Exit::Config,
        Exit::Environment,
        Exit::Refused,
        Exit::Verification,
        Exit::Denied,
        Exit::Bug,
        Exit::Interrupted,
    ];

    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::UnitFailed => 1,
            Exit::Usage => 2,
            Exit::Config => 3,
            Exit::Environment => 4,
            Exit::Refused => 5,
            Exit::Verification => 6,
            Exit::Denied => 7,
            Exit::Bug => 70,
            Exit::Interrupted => 130,
        }
    }

    /// Its name in JSON output and the docs.
    pub fn name(self) -> &'static str {
        match self {
            Exit::Ok => "ok",
            Exit::UnitFailed => "unit_failed",
            Exit::Usage => "usage",
            Exit::Config => "config",
            Exit::Environment => "environment",
            Exit::Refused => "refused",
            Exit::Verification => "verification",
            Exit::Denied => "denied",
            Exit::Bug => "bug",
            Exit::Interrupted => "interrupted",
        }
    }

    /// One line on what it means.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Ok => "Everything the command was asked to do was done.",
            Exit::UnitFailed => {
                "The command ran; at least one unit failed or went to rework (see its code)."
            }
            Exit::Usage => "The command line is wrong: see `station help COMMAND`.",
            Exit::Config => "The configuration file is missing, unreadable or invalid.",
            Exit::Environment => {
                "Something the station needs is absent or not answering: database, disk, \
                 serial ports, TPM, HSM, network, line database."
            }
            Exit::Refused => {
                "DPS or the line database answered and refused: credentials, a conflict, a \
                 request it would not take, throttling beyond the retries."
            }
            Exit::Verification => {
                "Data failed verification: an export batch tampered with, a bad signature, a \
                 broken audit chain."
            }
            Exit::Denied => {
                "Not permitted now: operator, PIN or role; a quota; the state of a run, unit \
                 or claim."
            }
            Exit::Bug => "An internal error in the station: report it with the log file.",
            Exit::Interrupted => "Stopped by Ctrl-C or a signal before it finished.",
        }
    }
}

/// An error that carries a stable code. Every layer's error type implements it, so the CLI,
/// the app and the logs take its text from one place: the registry (what it means, what a
/// supervisor or engineer does) and the catalogues (`locales/*/errors.ftl`: what a technician
/// reads, in their language). Nothing else writes advice for a code.
pub trait Coded: std::error::Error {
    /// Its code, `station::AREA::NAME`.
    fn code(&self) -> &'static str;

    /// What a supervisor or engineer does about it: the registry's action.
    fn action(&self) -> &'static str {
        action(self.code())
    }
}

/// The registry's action for `code`; for an undocumented code, the one for a station bug.
pub fn action(code: &str) -> &'static str {
    lookup(code).map_or("This is a station bug: report it with the log file.", |e| {
        e.action
    })
}

/// An error and its sources on one line, joined with ": ". A source whose text the line
/// already ends with (a wrapper that displays its cause) is not repeated.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut line = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !line.ends_with(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = c.source();
    }
    line
}

/// What the station says about one error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorDoc {
    /// The stable code, `station::AREA::NAME`.
    pub code: &'static str,
    /// What happened and why it matters, for a supervisor or engineer.
    pub meaning: &'static str,
    /// What a supervisor or engineer does about it (commands and settings by name).
    pub action: &'static str,
    /// The exit code of a command that stops on it.
    pub exit: Exit,
}

/// Every documented code, sorted by code.
pub fn all() -> &'static [ErrorDoc] {
    registry::ENTRIES
}

/// The entry for `code`, if it is documented.
pub fn lookup(code: &str) -> Option<&'static ErrorDoc> {
    registry::ENTRIES
        .binary_search_by(|e| e.code.cmp(code))
        .ok()
        .map(|i| &registry::ENTRIES[i])
}

/// The exit code for a command that stops on `code` (an undocumented code counts as a bug).
pub fn exit_for(code: &str) -> Exit {
    lookup(code).map_or(Exit::Bug, |e| e.exit)
}

/// What a technician reads about `code`, in English (`locales/en/errors.ftl`).
pub fn technician(code: &str) -> Option<&'static Technician> {
    catalogue::messages().get(&message_id(code)?)
}

/// The plain label of `code` (the Yield chart's), or the code itself when it has none.
pub fn title(code: &str) -> &str {
    technician(code).map_or(code, |t| t.label.as_str())
}

/// Codes starting with `prefix` (`station explain station::upload` lists an area).
pub fn with_prefix(prefix: &str) -> impl Iterator<Item = &'static ErrorDoc> + '_ {
    registry::ENTRIES
        .iter()
        .filter(move |e| e.code.starts_with(prefix))
}

/// `docs/errors.md`: the exit-code table, then every code by area.
pub fn markdown() -> String {
    let mut s = String::new();
    s.push_str(
        "# Error codes\n\n\
         <!-- Generated from crates/station-errors/src/registry.rs by its tests \
         (UPDATE_ERRORS=1 cargo test -p station-errors); do not edit by hand. -->\n\n\
         Every failure the station reports carries a stable code, printed as \
         `error[station::AREA::NAME]` by the CLI, shown on a unit's card in the app and \
         counted on the Yield screen. The label and the technician's words come from \
         `locales/en/errors.ftl` (the app shows them in the technician's language); the \
         meaning and what to do are for supervisors and engineers. `station explain CODE` prints the entry below; \
         `station explain station::upload` lists an area.\n\n\
         ## Exit codes\n\n\
         Every `station` command ends with one of these (scripts may rely on them).\n\n\
         | Exit | Name | Meaning |\n|---:|---|---|\n",
    );
    for exit in Exit::ALL {
        let _ = writeln!(
            s,
            "| {} | `{}` | {} |",
            exit.code(),
            exit.name(),
            exit.meaning()
        );
    }
    let mut area = "";
    for e in all() {
        let this = e.code.split("::").nth(1).unwrap_or("");
        if this != area {
            area = this;
            let _ = write!(s, "\n## {area}\n");
        }
        let _ = write!(
            s,
            "\n### `{}`\n\n**{}.** {}\n\n*What to do:* {}\n\n*On the technician's screen:* {}\n\n*Exit code:* {} (`{}`)\n",
            e.code,
            title(e.code),
            e.meaning,
            e.action,
            on_screen(e.code),
            e.exit.code(),
            e.exit.name()
        );
    }
    s
}

/// What the technician reads about `code`: what happened, then what to do.
fn on_screen(code: &str) -> String {
    technician(code).map_or(String::new(), |t| format!("{} {}", t.says, t.todo))
}

/// `station explain`'s text for one entry.
pub fn explain(e: &ErrorDoc) -> String {
    format!(
        "{}\n  {}\n\n  {}\n\n  What to do: {}\n  On the technician's screen: {}\n  Exit code: {} ({})\n",
        e.code,
        title(e.code),
        e.meaning,
        e.action,
        on_screen(e.code),
        e.exit.code(),
        e.exit.name()
    )
}
