//! A station: configuration, store, link opener, product secrets and signing CAs. Its run over
//! the slots is in `run.rs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use station_config::StationConfig;
use station_identity::SymmetricKey;
use station_identity::pki::Issuer;
use station_identity::tpm::{EkReader, VendorRoots};
use station_store::Store;
use station_transport::LinkOpener;

use crate::error::PipelineError;

/// A provisioning station.
pub struct Station {
    pub(crate) config: StationConfig,
    pub(crate) config_path: PathBuf,
    pub(crate) store: Arc<Store>,
    opener: Arc<dyn LinkOpener>,
    group_keys: HashMap<String, SymmetricKey>,
    /// Seals the device secrets units create (`[secrets]` recipients).
    sealer: Option<station_seal::Sealer>,
    issuers: HashMap<String, Arc<dyn Issuer>>,
    /// TPM products' vendor CAs, loaded at start.
    vendor_roots: HashMap<String, VendorRoots>,
    /// Initial twin templates by product id.
    twins: HashMap<String, serde_json::Value>,
    ek_reader: Option<Arc<dyn EkReader>>,
    /// Claim each unit durably before its lock (always, except in the claim's benchmark).
    write_ahead_claim: bool,
    /// The line database, when the station is on a line of stations.
    line: Option<Arc<crate::line_link::LineLink>>,
    /// Units marked interrupted when this station started.
    interrupted: u64,
}

/// Most connections to the line database one station opens.
pub const MAX_LINE_CONNECTIONS: usize = 8;

/// Loads the vendor CAs of every TPM product, so a missing file stops the station at start.
fn load_vendor_roots(
    config: &StationConfig,
) -> Result<HashMap<String, VendorRoots>, PipelineError> {
    let mut out = HashMap::new();
    for product in &config.products {
        if let station_config::AttestationConfig::Tpm {
            vendor_roots,
            vendor_intermediates,
            ..
        } = &product.attestation
        {
            let roots =
                VendorRoots::load(vendor_roots, vendor_intermediates).map_err(|source| {
                    PipelineError::VendorRoots {
                        product: product.id.clone(),
                        source,
                    }
                })?;
            out.insert(product.id.clone(), roots);
        }
    }
    Ok(out)
}

impl Station {
    /// Builds a station, loading product secrets. Units a previous, killed station left
    /// in progress are marked interrupted.
    pub fn new(
        config: StationConfig,
        config_path: &Path,
        store: Arc<Store>,
        opener: Arc<dyn LinkOpener>,
    ) -> Result<Self, PipelineError> {
        let group_keys = crate::secrets::load_group_keys(&config)?;
        let sealer = crate::secrets::load_sealer(&config)?;
        let vendor_roots = load_vendor_roots(&config)?;
        let twins = crate::allocation::load_twins(&config)?;
        let interrupted = store.mark_interrupted()?;
        if interrupted > 0 {
            tracing::warn!(
                interrupted,
                "units left in progress by an earlier station were marked interrupted"
            );
        }
        Ok(Self {
            config,
            config_path: config_path.to_owned(),
            store,
            opener,
            group_keys,
            sealer,
            issuers: HashMap::new(),
            vendor_roots,
            twins,
            ek_reader: None,
            write_ahead_claim: true,
            line: None,
            interrupted,
        })
    }

    /// Puts the station on a line: units reserve their identities in the line database
    /// before anything irreversible, so no other station provisions the same board (or a
    /// cloned serial), and keep them once locked.
    /// The policy while apart and the lease block come from `[line_db]` (its defaults when the
    /// config has none); one connection per slot, up to [`MAX_LINE_CONNECTIONS`].
    #[must_use]
    pub fn with_line_db(self, db: station_linedb::LineDb) -> Self {
        let (offline, block) = self
            .config
            .line_db
            .as_ref()
            .map_or((station_config::OfflinePolicy::default(), 50), |l| {
                (l.offline, l.lease_block)
            });
        let connections = self.config.fixture.slots.len().min(MAX_LINE_CONNECTIONS);
        self.with_line_link(Arc::new(
            crate::line_link::LineLink::new(db, offline, block).with_connections(connections),
        ))
    }

    /// Puts the station on a line through `link` (stations of one process may share it).
    #[must_use]
    pub fn with_line_link(mut self, link: Arc<crate::line_link::LineLink>) -> Self {
        self.line = Some(link);
        self
    }

    /// The link to the line database, if the station is on one.
    #[must_use]
    pub fn line(&self) -> Option<&crate::line_link::LineLink> {
        self.line.as_deref()
    }

    /// Replays what the line database must still hear and reports the quota used; `None` when
    /// the station is not on a line.
    pub fn sync_line(
        &self,
    ) -> Option<Result<crate::line_link::SyncReport, station_store::StoreError>> {
        self.line.as_ref().map(|l| l.sync(&self.store))
    }

    /// The initial twin template of `product`, if it has one.
    pub(crate) fn initial_twin(&self, product: &str) -> Option<&serde_json::Value> {
        self.twins.get(product)
    }

    /// Gives the station its TPM endorsement-key reader (the front-end picks the
    /// implementation, e.g. `station_identity::tpm::TssEkReader`); a unit of a TPM product
    /// without one fails at `read-ek` with `station::tpm::no_reader`.
    #[must_use]
    pub fn with_ek_reader(mut self, reader: Arc<dyn EkReader>) -> Self {
        self.ek_reader = Some(reader);
        self
    }

    /// Locks units without the write-ahead claim, as before the claim existed: a station killed
    /// between a unit's lock and its record then loses that board. Only for measuring what the
    /// claim costs (`station-bench --compare-claim`); never for production.
    #[must_use]
    pub fn dangerous_without_claim(mut self) -> Self {
        self.write_ahead_claim = false;
        self
    }

    pub(crate) fn write_ahead_claim(&self) -> bool {
        self.write_ahead_claim
    }

    pub(crate) fn ek_reader(&self) -> Option<&dyn EkReader> {
        self.ek_reader.as_deref()
    }

    pub(crate) fn vendor_roots(&self, product: &str) -> Option<&VendorRoots> {
        self.vendor_roots.get(product)
    }

    /// Gives the X.509 product `product` its signing CA. The front-end builds the issuer (file
    /// or PKCS#11 backend) from the product's `ca` config; a unit of an X.509 product without
    /// one fails at `issue` with `station::x509::no_ca`.
    #[must_use]
    pub fn with_issuer(mut self, product: &str, issuer: Arc<dyn Issuer>) -> Self {
        self.issuers.insert(product.to_owned(), issuer);
        if self.interrupted > 0 {
            // Units an earlier station left behind voided their certificates at start.
            self.refresh_crl(product);
        }
        self
    }

    pub(crate) fn issuer(&self, product: &str) -> Option<&Arc<dyn Issuer>> {
        self.issuers.get(product)
    }

    /// Writes product `product`'s CRL again (after a unit voided a certificate). A CRL that
    /// cannot be written is logged, never fails a unit: `station ca crl` writes it by hand.
    pub(crate) fn refresh_crl(&self, product: &str) {
        let (Some(issuer), Some(ca)) = (
            self.issuers.get(product),
            self.config
                .product(product)
                .and_then(|p| match &p.attestation {
                    station_config::AttestationConfig::X509 { ca, .. } => Some(ca),
                    _ => None,
                }),
        ) else {
            return;
        };
        let path = crate::crl::default_path(ca);
        match crate::crl::publish(
            &self.store,
            issuer.as_ref(),
            &path,
            crate::crl::DEFAULT_NEXT_UPDATE,
        ) {
            Ok(p) => {
                tracing::info!(product, path = %p.path.display(), revoked = p.revoked, number = p.number, "CRL written")
            }
            Err(e) => {
                tracing::warn!(product, error = %crate::error::chain(&e), "could not write the CRL; run `station ca crl`")
            }
        }
    }

    /// The configuration.
    pub fn config(&self) -> &StationConfig {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn opener(&self) -> &dyn LinkOpener {
        &*self.opener
    }

    /// What seals the device secrets units create, if recipients are configured.
    pub(crate) fn sealer(&self) -> Option<&station_seal::Sealer> {
        self.sealer.as_ref()
    }

    pub(crate) fn group_key(&self, product: &str) -> Option<&SymmetricKey> {
        self.group_keys.get(product)
    }
}
