//! The signing CA's certificate revocation list: every certificate the station voided, signed
//! by the CA that issued it (file key or PKCS#11), written beside the CA certificate
//! (`crl.pem`) by `station ca crl` and again after every unit that voids a certificate.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use station_config::CaConfig;
use station_identity::pki::{CrlEntry, CrlReason, Issuer, PkiError, pem_encode};
use station_store::{Store, StoreError};

/// How long a CRL is valid unless told otherwise: a week.
pub const DEFAULT_NEXT_UPDATE: Duration = Duration::from_secs(7 * 86_400);

/// Why a CRL could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrlError {
    /// The station database could not be read.
    #[error("could not read the void certificates")]
    Store(#[from] StoreError),
    /// The CA could not sign it.
    #[error("the signing CA could not sign the CRL")]
    Sign(#[from] PkiError),
    /// A stored serial is not hex (the database was changed by hand).
    #[error("certificate serial {0:?} in the database is not hex")]
    BadSerial(String),
    /// The file could not be written.
    #[error("could not write the CRL to {}", path.display())]
    Write {
        /// Where.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// What was published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Where.
    pub path: PathBuf,
    /// Its CRL number.
    pub number: u64,
    /// How many certificates it lists.
    pub revoked: usize,
}

/// Where a product's CRL goes by default: `crl.pem` beside its signing CA certificate.
pub fn default_path(ca: &CaConfig) -> PathBuf {
    ca.certificate().with_file_name("crl.pem")
}

/// Signs the CRL of `issuer` (every certificate of that CA the store holds void) and writes
/// it as PEM to `path` (a temporary file renamed over the old one, so a reader never sees half
/// a CRL). Its number is the time in seconds, so each CRL's number is above the last.
pub fn publish(
    store: &Store,
    issuer: &dyn Issuer,
    path: &Path,
    next_update: Duration,
) -> Result<Published, CrlError> {
    let entries = store
        .revoked_certificates()?
        .into_iter()
        .filter(|c| c.ca_id == issuer.ca_id())
        .map(|c| {
            Ok(CrlEntry {
                serial: hex::decode(&c.serial)
                    .map_err(|_| CrlError::BadSerial(c.serial.clone()))?,
                revoked_at: c.revoked_at.into(),
                reason: if c.reason.contains("could not register") {
                    CrlReason::PrivilegeWithdrawn
                } else {
                    CrlReason::CessationOfOperation
                },
            })
        })
        .collect::<Result<Vec<_>, CrlError>>()?;
    let number = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_secs());
    let der = issuer.crl(&entries, number, next_update)?;
    let write = |source| CrlError::Write {
        path: path.to_owned(),
        source,
    };
    // Atomic and durable: a power cut leaves the old list or the new one, never an empty one.
    station_store::private_files::replace_public(path, pem_encode("X509 CRL", &der).as_bytes())
        .map_err(write)?;
    Ok(Published {
        path: path.to_owned(),
        number,
        revoked: entries.len(),
    })
}

/// The current CRL of each X.509 product that has one (`crl.pem` beside its signing CA), as
/// `(product, PEM)`: what an export batch carries.
pub fn current(config: &station_config::StationConfig) -> Vec<(String, String)> {
    config
        .products
        .iter()
        .filter_map(|p| match &p.attestation {
            station_config::AttestationConfig::X509 { ca, .. } => {
                let pem = std::fs::read_to_string(default_path(ca)).ok()?;
                Some((p.id.clone(), pem))
            }
            _ => None,
        })
        .collect()
}
