//! Loads product secrets (enrollment-group keys) from where the config says, never from the
//! config file itself.

use std::collections::HashMap;

use station_config::{AttestationConfig, SecretSource, StationConfig, SymmetricEnrollment};
use station_identity::SymmetricKey;

use crate::error::PipelineError;

/// Group keys by product id.
pub(crate) fn load_group_keys(
    config: &StationConfig,
) -> Result<HashMap<String, SymmetricKey>, PipelineError> {
    let mut keys = HashMap::new();
    for product in &config.products {
        if let AttestationConfig::SymmetricKey {
            enrollment: SymmetricEnrollment::Group { group_key, .. },
        } = &product.attestation
        {
            let fail = |reason: String| PipelineError::Secret {
                product: product.id.clone(),
                source_desc: group_key.describe(),
                reason,
            };
            let text = zeroize::Zeroizing::new(match group_key {
                SecretSource::Env { env } => std::env::var(env)
                    .map_err(|_| fail(format!("environment variable {env} is not set")))?,
                SecretSource::File { file } => std::fs::read_to_string(file)
                    .map_err(|e| fail(format!("cannot read {}: {e}", file.display())))?,
            });
            let key = SymmetricKey::from_base64(&text).map_err(|e| fail(e.to_string()))?;
            keys.insert(product.id.clone(), key);
        }
    }
    Ok(keys)
}

/// The sealer of the device secrets this station creates: `[secrets] recipients` and the keys
/// of `recipients_file`. `None` when neither is set (`insecure_plaintext`, or no product
/// creates a secret).
pub fn load_sealer(config: &StationConfig) -> Result<Option<station_seal::Sealer>, PipelineError> {
    let secrets = &config.secrets;
    let mut recipients = secrets.recipients.clone();
    if let Some(file) = &secrets.recipients_file {
        recipients.extend(station_seal::read_recipients_file(file).map_err(|e| {
            PipelineError::SealRecipients {
                reason: format!("cannot read {}: {e}", file.display()),
            }
        })?);
    }
    if recipients.is_empty() {
        return Ok(None);
    }
    station_seal::Sealer::new(&recipients)
        .map(Some)
        .map_err(|e| PipelineError::SealRecipients {
            reason: e.to_string(),
        })
}

/// How long a delivered device secret is kept, as `[secrets] retain` says.
pub fn retention(secrets: &station_config::SecretsSection) -> station_store::Retention {
    match secrets.retain {
        station_config::Retain::UntilDelivered => station_store::Retention::UntilDelivered,
        station_config::Retain::Keep => station_store::Retention::Keep,
    }
}
