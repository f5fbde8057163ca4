//! The programs the virtual fixture runs, and the Debian package each comes from. The list is
//! checked both ways by its tests: every program this crate's sources start is in it, and every
//! package it names is in `packaging/system-packages.txt`'s `demo depends` row, which
//! `scripts/bootstrap.sh` installs and the `station-demo` package depends on.

/// A program the virtual fixture starts, and where it comes from.
#[derive(Debug, Clone, Copy)]
pub struct Program {
    /// The executable's name, looked up on `PATH`.
    pub name: &'static str,
    /// The Debian 12 package that installs it.
    pub package: &'static str,
}

const fn program(name: &'static str, package: &'static str) -> Program {
    Program { name, package }
}

/// Every program the virtual boards and their field firmware run.
pub const REQUIRED: &[Program] = &[
    // A TPM per board (tpm.rs), and its EK certificate from a local CA.
    program("swtpm", "swtpm"),
    program("swtpm_setup", "swtpm-tools"),
    program("swtpm_localca", "swtpm-tools"),
    // The board's field firmware drives its TPM through tpm2-tools (tpm_stack.rs).
    program("tpm2_activatecredential", "tpm2-tools"),
    program("tpm2_createek", "tpm2-tools"),
    program("tpm2_createprimary", "tpm2-tools"),
    program("tpm2_evictcontrol", "tpm2-tools"),
    program("tpm2_flushcontext", "tpm2-tools"),
    program("tpm2_hmac", "tpm2-tools"),
    program("tpm2_import", "tpm2-tools"),
    program("tpm2_load", "tpm2-tools"),
    program("tpm2_policysecret", "tpm2-tools"),
    program("tpm2_readpublic", "tpm2-tools"),
    program("tpm2_startauthsession", "tpm2-tools"),
];

/// Whether `name` is an executable file in a `PATH` directory.
pub fn installed(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(name))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

#[cfg(test)]
mod tests {
    use super::REQUIRED;

    /// The programs the sources start: `Command::new("…")`, `find_tool("…")` and the names
    /// `PoweredTpm::tool` is given (string literals starting `tpm2_`).
    fn started_by_sources() -> Vec<String> {
        let sources = [
            include_str!("tpm.rs"),
            include_str!("tpm_stack.rs"),
            include_str!("field.rs"),
            include_str!("fixture.rs"),
            include_str!("station.rs"),
        ];
        let mut found = Vec::new();
        for text in sources {
            for (i, _) in text.match_indices('"') {
                let rest = &text[i + 1..];
                let Some(end) = rest.find('"') else { continue };
                let literal = &rest[..end];
                let before = &text[..i];
                let is_program = literal.starts_with("tpm2_")
                    || before.ends_with("Command::new(")
                    || before.ends_with("find_tool(");
                if is_program && !literal.is_empty() && !literal.contains(' ') {
                    found.push(literal.to_owned());
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }

    #[test]
    fn every_program_the_sources_start_is_declared() {
        let started = started_by_sources();
        assert!(started.len() >= 10, "found only {started:?}");
        let undeclared: Vec<&String> = started
            .iter()
            .filter(|p| !REQUIRED.iter().any(|r| r.name == p.as_str()))
            .collect();
        assert!(
            undeclared.is_empty(),
            "programs the virtual fixture starts but programs::REQUIRED does not name: {undeclared:?}"
        );
    }

    #[test]
    fn every_package_is_in_the_demo_row_of_system_packages() {
        let declared = include_str!("../../../packaging/system-packages.txt");
        let demo: Vec<&str> = declared
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                (words.next() == Some("demo") && words.next() == Some("depends")).then_some(words)
            })
            .flatten()
            .collect();
        for program in REQUIRED {
            assert!(
                demo.contains(&program.package),
                "{} comes from {}, which packaging/system-packages.txt's `demo depends` lacks ({demo:?})",
                program.name,
                program.package
            );
        }
    }

    #[test]
    fn a_program_is_found_on_path_only_when_it_is_there() {
        assert!(super::installed("sh"));
        assert!(!super::installed("surely-no-such-program-here"));
    }
}
