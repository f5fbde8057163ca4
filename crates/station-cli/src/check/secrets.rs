//! `product.group_key`: every enrollment-group key the products need is where the config says.
//! `secrets.sealed`: the device keys the station makes are sealed where they are made.

use station_config::{AttestationConfig, SecretSource, StationConfig, SymmetricEnrollment};
use station_errors::Coded as _;

use super::CheckResult;

pub(super) fn check(config: &StationConfig) -> Vec<CheckResult> {
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
                let detail = format!("product {}: group key from {}", p.id, group_key.describe());
                Some(if present {
                    CheckResult::ok("product.group_key", detail)
                } else {
                    CheckResult::failed(
                        "product.group_key",
                        format!("{detail} is missing"),
                        "Install the enrollment group key where the config points.",
                    )
                })
            }
            _ => None,
        })
        .collect()
}

/// `secrets.sealed` (when a product makes device keys) and `secrets.retain` (when kept after
/// delivery).
pub(super) fn sealing(config: &StationConfig) -> Vec<CheckResult> {
    let mut out = Vec::new();
    let secrets = &config.secrets;
    if config.products_creating_secrets().next().is_some() {
        out.push(if secrets.sealed() {
            // The station's own loader: what it would seal with at start, or why it would not.
            match station_pipeline::load_sealer(config) {
                Ok(Some(sealer)) => CheckResult::ok(
                    "secrets.sealed",
                    format!(
                        "device keys are sealed where they are made, to {} recipient(s) \
                         (fingerprint {}); this station cannot read them back",
                        sealer.recipient_count(),
                        sealer.fingerprint()
                    ),
                ),
                Ok(None) => CheckResult::failed(
                    "secrets.sealed",
                    "the recipients file names no recipient",
                    "Install the uploader's or operator's age public key there.",
                ),
                Err(e) => CheckResult::failed("secrets.sealed", e.to_string(), e.action()),
            }
        } else {
            CheckResult::failed(
                "secrets.sealed",
                "device keys are kept in clear in the database (secrets.insecure_plaintext): a \
                 copy of it holds every key not yet delivered",
                "Set secrets.recipients to the uploader's or operator's age public key and \
                 remove insecure_plaintext (docs/security.md).",
            )
        });
    }
    if secrets.retain == station_config::Retain::Keep {
        out.push(CheckResult::warning(
            "secrets.retain",
            "delivered device keys are kept, sealed (secrets.retain = \"keep\"): the identity's \
             holder can open every one of them from a copy of the database",
            "Use retain = \"until-delivered\" outside a lab.",
        ));
    }
    out
}
