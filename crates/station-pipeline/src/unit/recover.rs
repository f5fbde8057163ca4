//! A board the station lost track of while locking it (it died, or the lock went
//! unanswered): read back against its claim, then completed or failed.

use station_identity::RegistrationId;
use station_smp::commands::provisioning::IdentityResponse;
use station_store::{ClaimRecord, setting_digest};

use super::record::Pass;
use super::{UnitRun, smp};
use crate::attest::DEVICE_KEY_SLOT;
use crate::error::UnitFailure;
use crate::events::{Step, UnitOutcome};

impl UnitRun<'_> {
    /// A board with an open claim: reads it back (lock state, every claimed setting, the
    /// certificate, the EK) and completes the claim if it matches, locking it first if it is
    /// not locked yet; a board that disagrees fails the unit and nothing is queued.
    pub(super) fn recover(
        &mut self,
        identity: &IdentityResponse,
        claim: &ClaimRecord,
    ) -> Result<UnitOutcome, UnitFailure> {
        self.unit_id = Some(claim.unit_id);
        // Until the board is read back, a failure (the link) leaves the claim open.
        self.keep_claim = true;
        tracing::warn!(slot = self.plan.index, serial = %claim.serial, unit = %claim.unit_id, locked = identity.locked, "board has an open claim: checking it");
        let disagreement = self.step(Step::Verify, |u| u.compare_with_claim(identity, claim))?;
        if let Some(why) = disagreement {
            self.keep_claim = false;
            return Err(UnitFailure::new(
                Step::Verify,
                "station::recover::mismatch",
                format!(
                    "board {} does not hold the identity the station committed to it ({why}); nothing was queued for it",
                    claim.serial
                ),
            ));
        }
        if !identity.locked {
            self.keep_claim = false;
            self.step(Step::Lock, |u| u.lock_board(&claim.serial))?;
        }
        // The store keeps only IDs the station made; one that no longer parses was altered.
        let registration_id = RegistrationId::parse(&claim.registration_id).map_err(|e| {
            UnitFailure::new(
                Step::Record,
                "station::recover::mismatch",
                format!(
                    "the claim of board {} names a damaged registration ID: {e}",
                    claim.serial
                ),
            )
        })?;
        self.record(
            &registration_id,
            Pass::FromClaim {
                recovered: identity.locked,
            },
        )
    }

    /// A locked board with a PASS unit on this station whose claim it matches exactly: the
    /// outcome that skips it (audited `unit.already_provisioned`, no unit). `None` when it has
    /// no such unit, or differs from it (then it is refused as before).
    pub(super) fn already_provisioned(
        &mut self,
        identity: &IdentityResponse,
    ) -> Result<Option<UnitOutcome>, UnitFailure> {
        let store = self.station.store();
        let passed = store
            .units(&station_store::UnitFilter {
                serial: Some(identity.serial.clone()),
                status: Some(station_store::UnitStatus::Pass),
                ..Default::default()
            })
            .map_err(|e| UnitFailure::from_store(Step::Identify, &e))?;
        let Some(unit) = passed.first() else {
            return Ok(None);
        };
        let Some(claim) = store
            .claim_of_unit(unit.id)
            .map_err(|e| UnitFailure::from_store(Step::Identify, &e))?
        else {
            return Ok(None);
        };
        if self.compare_with_claim(identity, &claim)?.is_some() {
            return Ok(None);
        }
        let _ = store.audit_append(&station_store::AuditEntry {
            station_id: self.station.config().station.id.clone(),
            actor: self.request.operator.clone(),
            kind: "unit.already_provisioned".into(),
            subject: identity.serial.clone(),
            detail: serde_json::json!({ "unit": unit.id, "slot": self.plan.index, "run": self.run_id }),
        });
        Ok(Some(UnitOutcome::Skipped {
            reason: crate::events::SkipReason::AlreadyProvisioned,
            message: format!(
                "board {} is already provisioned (unit {}, PASS): remove it",
                identity.serial, unit.id
            ),
            help: station_errors::action("station::slot::already_done").into(),
            unit_id: Some(unit.id.0),
        }))
    }

    /// `None` if the board holds exactly what the claim says; otherwise the first difference.
    pub(super) fn compare_with_claim(
        &mut self,
        identity: &IdentityResponse,
        claim: &ClaimRecord,
    ) -> Result<Option<String>, UnitFailure> {
        for (name, digest) in &claim.settings {
            let mut bytes = [0u8; 32];
            let Ok(()) = hex::decode_to_slice(digest, &mut bytes) else {
                return Ok(Some(format!("the claim's digest of {name} is damaged")));
            };
            match self.holds_setting(name, name.ends_with("sym_key"), &bytes)? {
                Some(true) => {}
                Some(false) => return Ok(Some(format!("{name} differs"))),
                None => return Ok(Some(format!("{name} is missing"))),
            }
        }
        if let Some(want) = &claim.certificate_sha256 {
            let chain = self
                .client()?
                .read_certificate(DEVICE_KEY_SLOT)
                .map_err(|e| smp(Step::Verify, &e))?;
            let leaf = chain.as_ref().and_then(|c| c.first());
            match leaf {
                Some(leaf) if setting_digest(leaf) == *want => {}
                Some(_) => return Ok(Some("its device certificate is another one".into())),
                None => return Ok(Some("it holds no device certificate".into())),
            }
        }
        if let Some(want) = &claim.ek_sha256 {
            let product = claim
                .product
                .as_deref()
                .and_then(|p| self.station.config().product(p))
                .unwrap_or(self.plan.product);
            let station = self.station;
            let client = self.client()?;
            let tpm = crate::tpm::read_ek(
                station.ek_reader(),
                station.vendor_roots(&product.id),
                product,
                identity,
                client,
            )?;
            if tpm.ek.sha256_hex() != *want {
                return Ok(Some("its TPM endorsement key is another one".into()));
            }
        }
        Ok(None)
    }
}
