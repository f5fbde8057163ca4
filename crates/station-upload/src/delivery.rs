//! An export as a delivery: the batch written and signed, sealed to the device operator when
//! recipients are configured, and the device keys it delivered purged from the station. The
//! CLI's `station export` and the desktop app's export both go through [`deliver`].

use station_store::{Retention, Store};

use crate::export::{ExportError, ExportRequest, ExportSummary, Progress, StationSigner};
use crate::sealed::{SealError, Sealed, seal_dir, sealed_path};

/// What [`deliver`] did.
#[derive(Debug)]
pub struct Delivered {
    /// The batch as written and signed.
    pub summary: ExportSummary,
    /// The sealed file, when the batch was sealed to recipients (the folder is then gone).
    pub sealed: Option<Sealed>,
    /// Device keys purged because the batch delivered them.
    pub purged: u64,
    /// Enrollments of the selection left out: delivered before, their keys purged.
    pub left_out: u64,
}

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Writing the batch failed.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// Sealing it failed.
    #[error(transparent)]
    Seal(#[from] SealError),
}

/// Writes `request`'s batch, seals it to `recipients` (when any), then purges the device keys
/// it delivered unless `retention` keeps them. A batch sealed to recipients delivers every
/// key it carries: sealed as the station made them (to those same recipients: a key sealed to
/// anyone else is refused before anything is written) or in clear inside the sealed batch. A
/// batch without recipients delivers nothing for certain, and purges nothing.
pub fn deliver(
    store: &Store,
    request: &ExportRequest,
    signer: &StationSigner,
    recipients: &[age::x25519::Recipient],
    retention: Retention,
    progress: &mut Progress<'_>,
) -> Result<Delivered, DeliveryError> {
    let request = ExportRequest {
        sealed_for: (!recipients.is_empty()).then(|| station_seal::fingerprint(recipients)),
        ..request.clone()
    };
    let left_out = store
        .count_delivered_export_records(&request.filter)
        .map_err(ExportError::from)?;
    let summary = crate::export::write_export_with(store, &request, signer, progress)?;
    let sealed = if recipients.is_empty() {
        None
    } else {
        Some(seal_dir(
            &summary.dir,
            recipients,
            &sealed_path(&summary.dir),
        )?)
    };
    // Delivered only to the export recipients: without them the batch carries the keys
    // sealed to whoever `[secrets]` names (the uploader, who may still need them), so nothing
    // is confirmed and nothing is purged.
    let delivered: Vec<_> = if sealed.is_some() {
        summary
            .sealed_ids
            .iter()
            .chain(&summary.plain_ids)
            .copied()
            .collect()
    } else {
        Vec::new()
    };
    let purged = if retention == Retention::UntilDelivered {
        let purged = store
            .purge_delivered(
                &delivered,
                &request.actor,
                &request.station_id,
                &format!("export {}", summary.manifest_sha256),
            )
            .map_err(ExportError::from)?;
        if purged > 0 && !store.checkpoint().map_err(ExportError::from)? {
            tracing::warn!("the database log is still in use; it is folded in later");
        }
        purged
    } else {
        0
    };
    Ok(Delivered {
        summary,
        sealed,
        purged,
        left_out,
    })
}
