//! The programs the demo runs, found before anything starts: a machine without them fails
//! here with the Debian package to install, not halfway through a run (a newcomer's demo once
//! provisioned six boards and then failed the TPM boards' field boot on a missing tpm2-tools).

use station_cli::embed::CliError;

/// Checks that every program the virtual fixture runs (and, for `--line`, PostgreSQL's) is on
/// `PATH` or where Debian installs it.
pub(crate) fn programs(line: bool) -> anyhow::Result<()> {
    let mut missing: Vec<(&str, &str)> = virtual_dut::programs::REQUIRED
        .iter()
        .filter(|p| !virtual_dut::programs::installed(p.name))
        .map(|p| (p.name, p.package))
        .collect();
    if line && station_linedb::cluster::server_bin().is_err() {
        missing.push(("initdb", "postgresql"));
    }
    if missing.is_empty() {
        return Ok(());
    }
    // One entry per package: "tpm2-tools (tpm2_createek and 10 more)".
    let mut packages: Vec<(&str, Vec<&str>)> = Vec::new();
    for (name, package) in &missing {
        match packages.iter_mut().find(|(p, _)| p == package) {
            Some((_, names)) => names.push(name),
            None => packages.push((package, vec![name])),
        }
    }
    let described: Vec<String> = packages
        .iter()
        .map(|(package, names)| match names.len() {
            1 => format!("{package} ({})", names[0]),
            n => format!("{package} ({} and {} more)", names[0], n - 1),
        })
        .collect();
    let names: Vec<&str> = packages.iter().map(|(p, _)| *p).collect();
    Err(CliError::anyhow(
        "station::demo::programs",
        format!(
            "the demo needs programs this machine lacks, from: {}; install them with \
             apt-get install {}",
            described.join(", "),
            names.join(" ")
        ),
    ))
}
