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
    let missing = |reason: String, help: &str| PipelineError::SigningCa {
        product: product.to_owned(),
        code: "station::ca::secret",
        reason: format!("cannot read the {what}: {reason}"),
        help: help.to_owned(),
    };
    match source {
        SecretSource::Env { env } => match std::env::var(env) {
            Ok(v) => Ok(Zeroizing::new(v)),
            Err(_) => prompt
                .and_then(|ask| ask(&format!("{what} for {product} ({env} is unset)")))
                .ok_or_else(|| {
                    missing(
                        format!("environment variable {env} is not set"),
                        "Export it before starting the station (or run `station` interactively to be prompted).",
                    )
                }),
        },
        SecretSource::File { file } => std::fs::read_to_string(file)
            .map(|s| Zeroizing::new(s.trim_end_matches(['\r', '\n']).to_owned()))
            .map_err(|e| {
                missing(
                    format!("{}: {e}", file.display()),
                    "Ask the line engineer to install the secret file.",
                )
            }),
    }
}

/// A signing-CA failure as the technician sees it: a stable code and what to do.
pub fn signing_ca_error(product: &str, e: &PkiError) -> PipelineError {
    let (code, help) = ca_code_help(e);
    PipelineError::SigningCa {
        product: product.to_owned(),
        code,
        reason: crate::error::chain(e),
        help: help.to_owned(),
    }
}

/// The stable code and the one-line fix for a PKI error.
pub fn ca_code_help(e: &PkiError) -> (&'static str, &'static str) {
    match e {
        PkiError::Decrypt { .. } => (
            "station::ca::decrypt",
            "Check the passphrase source in the product's `ca` config.",
        ),
        PkiError::KeyMismatch { .. } => (
            "station::ca::key_mismatch",
            "The certificate and the key are from different CAs; reinstall the matching pair.",
        ),
        PkiError::Exists { .. } | PkiError::KeyExists { .. } => (
            "station::ca::exists",
            "A CA is already there; `station ca show` describes it. Remove it deliberately to replace it.",
        ),
        PkiError::Module { .. } => (
            "station::ca::module",
            "Check `ca.module` (SoftHSM2: install softhsm2; SOFTHSM2_CONF must point at its config).",
        ),
        PkiError::TokenNotFound { .. } | PkiError::KeyNotFound { .. } => (
            "station::ca::token",
            "Check the token and key labels in the product's `ca` config, and that the HSM is connected.",
        ),
        PkiError::Pkcs11 { .. } => (
            "station::ca::pkcs11",
            "Check the token PIN and that the HSM is connected.",
        ),
        PkiError::ReadFile { .. } | PkiError::NoPem { .. } => (
            "station::ca::missing",
            "Create the CA with `station ca init` or install it with `station ca import`.",
        ),
        _ => (
            "station::ca::unusable",
            "Check the CA files with `station ca show`.",
        ),
    }
}
