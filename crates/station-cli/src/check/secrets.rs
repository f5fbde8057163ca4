//! `product.group_key`: every enrollment-group key the products need is where the config says.

use station_config::{AttestationConfig, SecretSource, StationConfig, SymmetricEnrollment};

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
