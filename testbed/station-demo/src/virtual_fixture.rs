//! The virtual fixture the demos provision: the boards of a configuration's slots, started.

use station_cli::embed::{CliError, chain};

/// Starts a virtual fixture for `config`'s slots with its boards in `fixture_dir`.
pub(crate) fn start(
    config: &station_config::StationConfig,
    fixture_dir: &std::path::Path,
) -> anyhow::Result<(virtual_dut::FixtureSpec, virtual_dut::Fixture)> {
    let spec = virtual_dut::station::spec_for(config, fixture_dir)
        .map_err(|e| CliError::anyhow("station::demo::tpm_ca", chain(&e)))?;
    let fixture = virtual_dut::Fixture::start(&spec).map_err(|e| {
        CliError::anyhow(
            "station::demo::fixture",
            format!("could not start the virtual fixture: {e}"),
        )
    })?;
    Ok((spec, fixture))
}
