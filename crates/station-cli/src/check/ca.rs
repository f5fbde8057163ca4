//! `ca.key`: each X.509 product's signing CA loads (certificate readable, key decryptable or
//! present in its token, secret available) — without prompting.

use station_config::{AttestationConfig, StationConfig};

use super::CheckResult;
use crate::output::CliError;

pub(super) fn check(config: &StationConfig) -> Vec<CheckResult> {
    config
        .products
        .iter()
        .filter_map(|p| match &p.attestation {
            AttestationConfig::X509 { ca, .. } => {
                Some(match crate::ca::load_issuer(&p.id, ca, false) {
                    Ok(issuer) => CheckResult::ok(
                        "ca.key",
                        format!(
                            "product {}: signing CA {} ({})",
                            p.id,
                            issuer.ca_subject(),
                            issuer.backend()
                        ),
                    ),
                    Err(e) => match e.downcast_ref::<CliError>() {
                        Some(c) => CheckResult::failed("ca.key", c.message.clone(), c.help()),
                        None => CheckResult::failed(
                            "ca.key",
                            format!("{e:#}"),
                            "Check the [product.attestation.ca] paths.",
                        ),
                    },
                })
            }
            _ => None,
        })
        .collect()
}
