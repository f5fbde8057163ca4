//! `station ca`: the line's signing CA for X.509 products (init, import, show), and loading
//! the CA of every X.509 product for a run (file or PKCS#11 backend, chosen by config).
//!
//! Passphrases and PINs come from the source the config names (`{ env }` or `{ file }`); when
//! an environment variable is unset and the terminal is interactive, `station` prompts without
//! echo. They are never printed or logged.

use crate::CONFIG_HELP;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use station_config::{AttestationConfig, CaConfig, SecretSource, StationConfig};
use station_identity::pki::file::{self, KdfCost};
use station_identity::pki::pkcs11::Pkcs11Key;
use station_identity::pki::{self, Issuer, PkiError};
use station_pipeline::issuers;
use station_store::Store;
use zeroize::Zeroizing;

use crate::EXIT_OK;
use crate::output::CliError;

/// Arguments of `station ca`.
#[derive(Args)]
pub(crate) struct CaArgs {
    #[command(subcommand)]
    command: CaCommand,
}

#[derive(Subcommand)]
enum CaCommand {
    /// Create a development root and a signing CA where the product's `ca` config points: the
    /// key in an encrypted file or generated inside the token.
    Init {
        /// Station configuration.
        #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
        config: Option<PathBuf>,
        /// The X.509 product whose CA to create (default: the only X.509 product).
        #[arg(long)]
        product: Option<String>,
        /// Validity of the root and signing CA, in days.
        #[arg(long, default_value_t = 3650)]
        days: u32,
    },
    /// Import an existing signing CA certificate (and, for the file backend, its key) into the
    /// product's `ca` locations; the certificate must match the key.
    Import {
        /// Station configuration.
        #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
        config: Option<PathBuf>,
        /// The X.509 product (default: the only X.509 product).
        #[arg(long)]
        product: Option<String>,
        /// The signing CA certificate to import (PEM).
        #[arg(long)]
        cert: PathBuf,
        /// File backend: the CA's private key (PKCS#8 PEM, plain or encrypted); it is written
        /// re-encrypted under the configured passphrase.
        #[arg(long)]
        key: Option<PathBuf>,
        /// Environment variable holding the passphrase of an encrypted `--key`.
        #[arg(long)]
        key_passphrase_env: Option<String>,
        /// The root certificate to keep with it (PEM).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Write the signing CA's CRL: every certificate the station voided, with its reason,
    /// signed by the CA (file key or token). The station also writes it after every void.
    Crl {
        /// Station configuration.
        #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
        config: Option<PathBuf>,
        /// The X.509 product (default: the only X.509 product).
        #[arg(long)]
        product: Option<String>,
        /// Where to write it (PEM). Default: crl.pem beside the signing CA certificate.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Days until the next update the CRL announces.
        #[arg(long, default_value_t = 7)]
        next_update_days: u32,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Show each X.509 product's signing CA: certificate, backend, key check, issued count.
    Show {
        /// Station configuration.
        #[arg(long, value_name = "FILE", long_help = CONFIG_HELP)]
        config: Option<PathBuf>,
        /// Only this product.
        #[arg(long)]
        product: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn ca(args: &CaArgs) -> anyhow::Result<u8> {
    match &args.command {
        CaCommand::Init {
            config,
            product,
            days,
        } => {
            let config = station_config::load(&crate::config_file(config.as_deref()))
                .map_err(CliError::from)?;
            let (id, ca) = x509_product(&config, product.as_deref())?;
            let made = init(id, ca, *days, KdfCost::Production, interactive())?;
            println!("{made}");
            Ok(EXIT_OK)
        }
        CaCommand::Import {
            config,
            product,
            cert,
            key,
            key_passphrase_env,
            root,
        } => {
            let config = station_config::load(&crate::config_file(config.as_deref()))
                .map_err(CliError::from)?;
            let (_, ca) = x509_product(&config, product.as_deref())?;
            import(
                ca,
                cert,
                key.as_deref(),
                key_passphrase_env.as_deref(),
                root.as_deref(),
            )?;
            println!(
                "imported {} into {}",
                cert.display(),
                ca.certificate().display()
            );
            Ok(EXIT_OK)
        }
        CaCommand::Crl {
            config,
            product,
            out,
            next_update_days,
            json,
        } => {
            let config = station_config::load(&crate::config_file(config.as_deref()))
                .map_err(CliError::from)?;
            let (id, ca) = x509_product(&config, product.as_deref())?;
            let issuer = load_issuer(id, ca, interactive())?;
            let store = Store::open(&config.storage.database).map_err(CliError::from)?;
            let path = out
                .clone()
                .unwrap_or_else(|| station_pipeline::crl::default_path(ca));
            let published = station_pipeline::crl::publish(
                &store,
                issuer.as_ref(),
                &path,
                std::time::Duration::from_secs(u64::from((*next_update_days).max(1)) * 86_400),
            )
            .map_err(|e| CliError::anyhow("station::ca::crl", crate::output::chain(&e)))?;
            if *json {
                println!(
                    "{}",
                    serde_json::json!({
                        "path": published.path,
                        "number": published.number,
                        "revoked": published.revoked,
                        "ca": issuer.ca_subject(),
                    })
                );
                return Ok(EXIT_OK);
            }
            println!(
                "CRL number {} of {} lists {} certificate(s): {}",
                published.number,
                issuer.ca_subject(),
                published.revoked,
                published.path.display()
            );
            Ok(EXIT_OK)
        }
        CaCommand::Show {
            config,
            product,
            json,
        } => {
            let config = station_config::load(&crate::config_file(config.as_deref()))
                .map_err(CliError::from)?;
            show(&config, product.as_deref(), *json)?;
            Ok(EXIT_OK)
        }
    }
}

/// Loads the signing CA of every X.509 product in `config`; the first that fails stops the
/// command (prompting on a terminal for an unset passphrase variable).
pub(crate) fn load_issuers(
    config: &StationConfig,
) -> anyhow::Result<Vec<(String, Arc<dyn Issuer>)>> {
    let prompt = interactive().then_some(&prompt_secret as issuers::Prompt<'_>);
    issuers::load_issuers(config, prompt)
        .into_iter()
        .map(|(product, loaded)| Ok((product, loaded.map_err(CliError::from)?)))
        .collect()
}

/// Loads one product's signing CA, prompting only when `interactive`.
pub(crate) fn load_issuer(
    product: &str,
    ca: &CaConfig,
    interactive: bool,
) -> anyhow::Result<Arc<dyn Issuer>> {
    let prompt = interactive.then_some(&prompt_secret as issuers::Prompt<'_>);
    Ok(issuers::load_issuer(product, ca, prompt).map_err(CliError::from)?)
}

fn prompt_secret(label: &str) -> Option<Zeroizing<String>> {
    rpassword::prompt_password(format!("{label}: "))
        .ok()
        .map(Zeroizing::new)
}

/// Creates a development root and signing CA for `product` where `ca` points; returns a
/// summary for the operator.
pub(crate) fn init(
    product: &str,
    ca: &CaConfig,
    days: u32,
    cost: KdfCost,
    interactive: bool,
) -> anyhow::Result<String> {
    let fail = |e: PkiError| pki_error(product, e);
    let certificate = ca.certificate();
    if certificate.exists() {
        return Err(fail(PkiError::Exists {
            path: certificate.to_owned(),
        }));
    }
    let root_path = ca
        .root()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| certificate.with_file_name("root-ca.pem"));
    let (dev, location) = match ca {
        CaConfig::File {
            key, passphrase, ..
        } => {
            let pass = secret(
                product,
                "new CA key passphrase",
                passphrase,
                interactive,
                true,
            )?;
            // A key with no certificate is an init that stopped between the two (a power cut,
            // a kill): the key signed nothing yet, so it is taken up again if the passphrase
            // opens it. One it does not open is refused, as any existing key is.
            if key.exists() {
                let signing_key = file::read_encrypted_key(key, pass.as_bytes())
                    .map_err(|_| fail(PkiError::Exists { path: key.clone() }))?;
                let dev = pki::make_dev_ca(product, &signing_key, days).map_err(fail)?;
                (
                    dev,
                    format!(
                        "encrypted key file {} (kept from an interrupted init)",
                        key.display()
                    ),
                )
            } else {
                let signing_key = file::generate_key().map_err(fail)?;
                let dev = pki::make_dev_ca(product, &signing_key, days).map_err(fail)?;
                file::write_encrypted_key(&signing_key, key, pass.as_bytes(), cost)
                    .map_err(fail)?;
                (dev, format!("encrypted key file {}", key.display()))
            }
        }
        CaConfig::Pkcs11 {
            module,
            token_label,
            key_label,
            pin,
            ..
        } => {
            let pin = secret(product, "token PIN", pin, interactive, false)?;
            let signing_key =
                Pkcs11Key::generate(module, token_label, key_label, &pin).map_err(fail)?;
            let dev = pki::make_dev_ca(product, &signing_key, days).map_err(fail)?;
            (
                dev,
                format!(
                    "key {key_label:?} generated in token {token_label:?} (sensitive, not extractable)"
                ),
            )
        }
    };
    write_pem(certificate, &dev.signing_ca).map_err(fail)?;
    write_pem(&root_path, &dev.root).map_err(fail)?;
    Ok(format!(
        "development CA for product {product}:\n  signing CA {}\n  {}\n  root (trust anchor) {}\n  key: {location}",
        certificate.display(),
        pki::describe_certificate(&dev.signing_ca),
        root_path.display()
    ))
}

fn import(
    ca: &CaConfig,
    cert: &Path,
    key: Option<&Path>,
    key_passphrase_env: Option<&str>,
    root: Option<&Path>,
) -> anyhow::Result<()> {
    let product = "import";
    let fail = |e: PkiError| pki_error(product, e);
    let cert_der = file::first_certificate(cert).map_err(fail)?;
    match (ca, key) {
        (
            CaConfig::File {
                key: key_path,
                passphrase,
                ..
            },
            Some(src),
        ) => {
            let src_pass = match key_passphrase_env {
                Some(var) => Some(Zeroizing::new(std::env::var(var).map_err(|_| {
                    CliError::anyhow(
                        "station::ca::no_passphrase",
                        format!("environment variable {var} is not set"),
                    )
                })?)),
                None => None,
            };
            let keypair =
                file::read_any_key(src, src_pass.as_ref().map(|p| p.as_bytes())).map_err(fail)?;
            // Refuse a key that does not belong to the certificate before writing anything.
            pki::SigningCa::new(cert_der.clone(), Vec::new(), &keypair, cert, "file")
                .map_err(fail)?;
            let pass = secret(
                product,
                "CA key passphrase",
                passphrase,
                interactive(),
                true,
            )?;
            file::write_encrypted_key(&keypair, key_path, pass.as_bytes(), KdfCost::Production)
                .map_err(fail)?;
        }
        (CaConfig::File { key: key_path, .. }, None) => {
            if !key_path.exists() {
                return Err(CliError::anyhow(
                    "station::ca::no_key",
                    format!("no CA key at {} and no --key given", key_path.display()),
                ));
            }
        }
        (
            CaConfig::Pkcs11 {
                module,
                token_label,
                key_label,
                pin,
                ..
            },
            None,
        ) => {
            let pin = secret(product, "token PIN", pin, interactive(), false)?;
            let token_key = Pkcs11Key::open(module, token_label, key_label, &pin).map_err(fail)?;
            pki::SigningCa::new(cert_der.clone(), Vec::new(), token_key, cert, "pkcs11")
                .map_err(fail)?;
        }
        (CaConfig::Pkcs11 { .. }, Some(_)) => {
            return Err(CliError::anyhow(
                "station::ca::key_into_token",
                "the pkcs11 backend does not import private keys",
            ));
        }
    }
    write_pem(ca.certificate(), &cert_der).map_err(fail)?;
    if let (Some(src), Some(dst)) = (root, ca.root()) {
        let der = file::first_certificate(src).map_err(fail)?;
        write_pem(dst, &der).map_err(fail)?;
    }
    Ok(())
}

fn show(config: &StationConfig, only: Option<&str>, json: bool) -> anyhow::Result<()> {
    if json {
        return show_json(config, only);
    }
    let store = Store::open(&config.storage.database).ok();
    let mut any = false;
    for product in &config.products {
        let AttestationConfig::X509 { ca, .. } = &product.attestation else {
            continue;
        };
        if only.is_some_and(|p| p != product.id) {
            continue;
        }
        any = true;
        println!("product {} ({} backend)", product.id, ca.backend());
        match file::first_certificate(ca.certificate()) {
            Ok(der) => println!(
                "  signing CA {}\n  {}",
                ca.certificate().display(),
                pki::describe_certificate(&der)
            ),
            Err(e) => println!("  signing CA: {}", crate::output::chain(&e)),
        }
        for path in ca.intermediates() {
            println!("  intermediate {}", path.display());
        }
        if let Some(root) = ca.root() {
            println!("  root {}", root.display());
        }
        match ca {
            CaConfig::File {
                key, passphrase, ..
            } => println!(
                "  key: encrypted file {} (passphrase from {})",
                key.display(),
                passphrase.describe()
            ),
            CaConfig::Pkcs11 {
                module,
                token_label,
                key_label,
                pin,
                ..
            } => println!(
                "  key: {key_label:?} in token {token_label:?} via {} (PIN from {})",
                module.display(),
                pin.describe()
            ),
        }
        match load_issuer(&product.id, ca, interactive()) {
            Ok(issuer) => println!(
                "  key check: ok (the key matches the certificate; id {})",
                issuer.ca_id()
            ),
            Err(e) => println!("  key check: FAILED: {e:#}"),
        }
        if let Some(store) = &store
            && let Ok(certs) = store.issued_certificates(None)
        {
            println!("  certificates issued by this station: {}", certs.len());
        }
    }
    if !any {
        return Err(CliError::anyhow(
            "station::ca::no_x509_product",
            "the configuration has no X.509 product",
        ));
    }
    Ok(())
}

/// `station ca show --json`: the same facts, one object per X.509 product.
fn show_json(config: &StationConfig, only: Option<&str>) -> anyhow::Result<()> {
    let issued = Store::open(&config.storage.database)
        .ok()
        .and_then(|s| s.issued_certificates(None).ok())
        .map(|c| c.len());
    let mut list = Vec::new();
    for product in &config.products {
        let AttestationConfig::X509 { ca, .. } = &product.attestation else {
            continue;
        };
        if only.is_some_and(|p| p != product.id) {
            continue;
        }
        let certificate = match file::first_certificate(ca.certificate()) {
            Ok(der) => serde_json::json!({
                "path": ca.certificate().display().to_string(),
                "description": pki::describe_certificate(&der),
            }),
            Err(e) => serde_json::json!({
                "path": ca.certificate().display().to_string(),
                "error": crate::output::chain(&e),
            }),
        };
        let key = match ca {
            CaConfig::File {
                key, passphrase, ..
            } => serde_json::json!({
                "kind": "encrypted_file",
                "path": key.display().to_string(),
                "passphrase_from": passphrase.describe(),
            }),
            CaConfig::Pkcs11 {
                module,
                token_label,
                key_label,
                pin,
                ..
            } => serde_json::json!({
                "kind": "pkcs11",
                "module": module.display().to_string(),
                "token_label": token_label,
                "key_label": key_label,
                "pin_from": pin.describe(),
            }),
        };
        // Never prompts: JSON output is for scripts.
        let key_check = match load_issuer(&product.id, ca, false) {
            Ok(issuer) => serde_json::json!({"ok": true, "ca_id": issuer.ca_id().to_string()}),
            Err(e) => serde_json::json!({"ok": false, "error": format!("{e:#}")}),
        };
        list.push(serde_json::json!({
            "product": product.id,
            "backend": ca.backend(),
            "certificate": certificate,
            "intermediates": ca.intermediates().iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "root": ca.root().map(|p| p.display().to_string()),
            "key": key,
            "key_check": key_check,
            "issued_by_this_station": issued,
        }));
    }
    if list.is_empty() {
        return Err(CliError::anyhow(
            "station::ca::no_x509_product",
            "the configuration has no X.509 product",
        ));
    }
    crate::output::print_json(&list)
}

/// The X.509 product named `wanted`, or the only one.
fn x509_product<'c>(
    config: &'c StationConfig,
    wanted: Option<&str>,
) -> anyhow::Result<(&'c str, &'c CaConfig)> {
    let candidates: Vec<_> = config
        .products
        .iter()
        .filter_map(|p| match &p.attestation {
            AttestationConfig::X509 { ca, .. } => Some((p.id.as_str(), ca)),
            _ => None,
        })
        .filter(|(id, _)| wanted.is_none_or(|w| w == *id))
        .collect();
    match candidates.as_slice() {
        [one] => Ok(*one),
        [] => Err(CliError::anyhow(
            "station::ca::no_x509_product",
            match wanted {
                Some(w) => format!("no X.509 product {w} in the configuration"),
                None => "the configuration has no X.509 product".to_owned(),
            },
        )),
        _ => Err(CliError::anyhow(
            "station::ca::which_product",
            "the configuration has several X.509 products",
        )),
    }
}

/// Reads a secret from its configured source; prompts (no echo) when an environment variable
/// is unset and the terminal is interactive. `confirm` asks twice (a new passphrase).
fn secret(
    product: &str,
    what: &str,
    source: &SecretSource,
    interactive: bool,
    confirm: bool,
) -> anyhow::Result<Zeroizing<String>> {
    let ask = |label: &str| {
        let first = prompt_secret(label)?;
        if confirm {
            let again = prompt_secret(&format!("repeat the {what}"))?;
            if *again != *first {
                eprintln!("the two entries differ");
                return None;
            }
        }
        Some(first)
    };
    let prompt = interactive.then_some(&ask as issuers::Prompt<'_>);
    Ok(issuers::read_secret(product, what, source, prompt).map_err(CliError::from)?)
}

fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Writes a certificate where the configuration names it: atomically and durably (a power cut
/// leaves the old certificate or the new one, and the folders made for it).
fn write_pem(path: &Path, der: &[u8]) -> Result<(), PkiError> {
    let fail = |path: &Path| {
        let path = path.to_owned();
        move |source| PkiError::WriteFile { path, source }
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        station_store::private_files::create_dir_all_synced(parent).map_err(fail(parent))?;
    }
    station_store::private_files::replace_public(
        path,
        pki::pem_encode("CERTIFICATE", der).as_bytes(),
    )
    .map_err(fail(path))
}

/// A PKI error as the technician sees it.
fn pki_error(product: &str, e: PkiError) -> anyhow::Error {
    CliError::from(issuers::signing_ca_error(product, &e)).into()
}
