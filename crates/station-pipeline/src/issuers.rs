//! Loads each X.509 product's signing CA (encrypted key file or PKCS#11 token) with its secret
//! from where the config names it. Every front-end loads CAs here; they differ only in whether
//! a missing environment variable may be asked for: the CLI prompts on a terminal, the kiosk
//! never prompts.

use std::sync::Arc;

use station_config::{AttestationConfig, CaConfig, SecretSource, StationConfig};
use station_identity::pki::file;
use station_identity::pki::pkcs11;
use station_identity::pki::{Issuer, PkiError};
use zeroize::Zeroizing;

use crate::error::PipelineError;

/// Asks for a secret whose environment variable is unset, given a label such as
/// "CA key passphrase for sensor-x509 (CA_PASS is unset)"; `None` means it cannot ask.
pub type Prompt<'a> = &'a dyn Fn(&str) -> Option<Zeroizing<String>>;

/// A product's signing CA, or why it did not load.
pub type LoadedIssuer = Result<Arc<dyn Issuer>, PipelineError>;

/// The signing CA of every X.509 product, each loaded or with why not, in config order. A
/// product whose CA fails does not stop the others: the caller decides whether to refuse to
/// start (the CLI) or to run with that product unavailable (the kiosk).
pub fn load_issuers(
    config: &StationConfig,
    prompt: Option<Prompt<'_>>,
) -> Vec<(String, LoadedIssuer)> {
    config
        .products
        .iter()
        .filter_map(|product| match &product.attestation {
            AttestationConfig::X509 { ca, .. } => {
                let loaded = load_issuer(&product.id, ca, prompt);
                match &loaded {
                    Ok(issuer) => tracing::info!(product = %product.id, ca = issuer.ca_id(), backend = issuer.backend(), subject = issuer.ca_subject(), "signing CA loaded"),
                    Err(e) => tracing::error!(product = %product.id, error = %crate::error::chain(e), "signing CA not loaded"),
                }
                Some((product.id.clone(), loaded))
            }
            _ => None,
        })
        .collect()
}

/// Loads one product's signing CA.
pub fn load_issuer(
    product: &str,
    ca: &CaConfig,
    prompt: Option<Prompt<'_>>,
) -> Result<Arc<dyn Issuer>, PipelineError> {
    let fail = |e: PkiError| signing_ca_error(product, &e);
    Ok(match ca {
        CaConfig::File {
            certificate,
            intermediates,
            key,
            passphrase,
            ..
        } => {
            let pass = read_secret(product, "CA key passphrase", passphrase, prompt)?;
            Arc::new(file::load_ca(certificate, intermediates, key, pass.as_bytes()).map_err(fail)?)
        }
        CaConfig::Pkcs11 {
            certificate,
            intermediates,
            module,
            token_label,
            key_label,
            pin,
            ..
        } => {
            let pin = read_secret(product, "token PIN", pin, prompt)?;
            Arc::new(
                pkcs11::load_ca(
                    certificate,
                    intermediates,
                    module,
                    token_label,
                    key_label,
                    &pin,
                )
                .map_err(fail)?,
            )
        }
    })
}

/// Reads `what` (a CA passphrase or token PIN) of `product` from `source`; an unset
/// environment variable goes to `prompt` when there is one. A file's trailing newline is not
/// part of the secret.
pub fn read_secret(
    product: &str,
    what: &str,
    source: &SecretSource,
    prompt: Option<Prompt<'_>>,
) -> Result<Zeroizing<String>, PipelineError> {
    let missing = |reason: String| PipelineError::SigningCa {
        product: product.to_owned(),
        code: "station::ca::secret",
        reason: format!("cannot read the {what}: {reason}"),
    };
    match source {
        SecretSource::Env { env } => match std::env::var(env) {
            Ok(v) => Ok(Zeroizing::new(v)),
            Err(_) => prompt
                .and_then(|ask| ask(&format!("{what} for {product} ({env} is unset)")))
                .ok_or_else(|| missing(format!("environment variable {env} is not set"))),
        },
        SecretSource::File { file } => std::fs::read_to_string(file)
            .map(|s| Zeroizing::new(s.trim_end_matches(['\r', '\n']).to_owned()))
            .map_err(|e| missing(format!("{}: {e}", file.display()))),
    }
}

/// A signing-CA failure with its stable code (the registry says what to do).
pub fn signing_ca_error(product: &str, e: &PkiError) -> PipelineError {
    PipelineError::SigningCa {
        product: product.to_owned(),
        code: ca_code(e),
        reason: crate::error::chain(e),
    }
}

/// The stable code of a PKI error.
pub fn ca_code(e: &PkiError) -> &'static str {
    match e {
        PkiError::Decrypt { .. } => "station::ca::decrypt",
        PkiError::KeyMismatch { .. } => "station::ca::key_mismatch",
        PkiError::Exists { .. } | PkiError::KeyExists { .. } => "station::ca::exists",
        PkiError::Module { .. } => "station::ca::module",
        PkiError::TokenNotFound { .. } | PkiError::KeyNotFound { .. } => "station::ca::token",
        PkiError::Pkcs11 { .. } => "station::ca::pkcs11",
        PkiError::ReadFile { .. } | PkiError::NoPem { .. } => "station::ca::missing",
        _ => "station::ca::unusable",
    }
}
