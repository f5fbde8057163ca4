//! `tpm.vendor_roots`: each TPM product's vendor root and intermediate CA files load (readable,
//! X.509, at least one root), as the station needs them at start.

use station_config::{AttestationConfig, StationConfig};
use station_identity::tpm::VendorRoots;

use super::CheckResult;

pub(super) fn check(config: &StationConfig) -> Vec<CheckResult> {
    config
        .products
        .iter()
        .filter_map(|p| match &p.attestation {
            AttestationConfig::Tpm {
                vendor_roots,
                vendor_intermediates,
                ..
            } => Some(
                match VendorRoots::load(vendor_roots, vendor_intermediates) {
                    Ok(roots) => CheckResult::ok(
                        "tpm.vendor_roots",
                        format!(
                            "product {}: {} TPM vendor root certificate(s) loaded",
                            p.id,
                            roots.roots()
                        ),
                    ),
                    Err(e) => CheckResult::failed(
                        "tpm.vendor_roots",
                        format!("product {}: {e}", p.id),
                        "Put the TPM vendor's CA certificates (PEM or DER) where \
                     attestation.vendor_roots and vendor_intermediates point; `station-demo` \
                     creates the demo's on its first run.",
                    ),
                },
            ),
            _ => None,
        })
        .collect()
}
