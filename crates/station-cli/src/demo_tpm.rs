//! `station demo`'s TPM boards: the swtpm local CA under `var/demo` and the TPM slots.

use std::path::Path;

use station_config::{AttestationConfig, StationConfig};
use virtual_dut::FixtureSpec;
use virtual_dut::tpm::LocalCa;

use crate::output::CliError;

/// Fits every slot of a TPM product with a virtual TPM and creates (first run only) the swtpm
/// local CA the product's first vendor root lives in, so the station can load it.
pub(crate) fn fit_tpms(config: &StationConfig, spec: &mut FixtureSpec) -> anyhow::Result<()> {
    for slot in &config.fixture.slots {
        let Some(AttestationConfig::Tpm { vendor_roots, .. }) =
            config.product(&slot.product).map(|p| &p.attestation)
        else {
            continue;
        };
        let Some(ca_dir) = vendor_roots.first().and_then(|r| r.parent()) else {
            continue;
        };
        if spec.tpm_ca.is_none() {
            create_ca(ca_dir)?;
            spec.tpm_ca = Some(ca_dir.to_owned());
        }
        if let Some(s) = spec.slots.iter_mut().find(|s| s.index == slot.index) {
            s.tpm = true;
            // The demo's second TPM slot shows the other path: no persistent EK.
            if slot.index % 2 == 0 {
                s.faults.push(virtual_dut::Fault::TransientEk);
            }
        }
    }
    Ok(())
}

fn create_ca(dir: &Path) -> anyhow::Result<()> {
    LocalCa::open(dir)
        .and_then(|ca| ca.ensure_created())
        .map_err(|e| {
            CliError::anyhow(
                "station::demo::tpm_ca",
                format!("could not create the demo's swtpm local CA in {}: {e}", dir.display()),
                "Install swtpm and swtpm-tools (scripts/bootstrap.sh does), then run the demo again.",
            )
        })
}
