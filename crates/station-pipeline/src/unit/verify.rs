//! Reading the board back after its reset: every setting written (a secret proven, never
//! read), and an X.509 unit's certificate chain.

use subtle::ConstantTimeEq as _;

use super::{UnitRun, smp};
use crate::attest::{Attestation, DEVICE_KEY_SLOT};
use crate::error::UnitFailure;
use crate::events::Step;

impl UnitRun<'_> {
    /// Whether the board holds `name` with the value whose SHA-256 is `digest`; `None`: it
    /// holds no such setting. A secret is proven, not read back (the setting proof over a fresh
    /// nonce, docs/device-protocol.md): it never crosses the link twice, and a locked board
    /// does not return it at all.
    pub(super) fn holds_setting(
        &mut self,
        name: &str,
        secret: bool,
        digest: &[u8; 32],
    ) -> Result<Option<bool>, UnitFailure> {
        if !secret {
            return Ok(self
                .client()?
                .read_setting(name, false)
                .map_err(|e| smp(Step::Verify, &e))?
                .map(|v| {
                    use sha2::Digest as _;
                    sha2::Sha256::digest(&v).as_slice() == digest
                }));
        }
        let nonce: [u8; 32] = rand::random();
        let mac = self
            .client()?
            .prove_setting(name, &nonce)
            .map_err(|e| smp(Step::Verify, &e))?;
        let want = station_smp::commands::provisioning::setting_proof(digest, &nonce, name);
        // Compared without an early exit.
        Ok(mac.map(|m| bool::from(m.ct_eq(&want))))
    }

    /// Reads every written setting (and an X.509 unit's chain) back after the reset and
    /// compares.
    pub(super) fn verify(&mut self, attestation: &Attestation) -> Result<(), UnitFailure> {
        if let Some(chain) = self.certificate.as_ref().map(|c| c.chain.clone()) {
            let stored = self
                .client()?
                .read_certificate(DEVICE_KEY_SLOT)
                .map_err(|e| smp(Step::Verify, &e))?;
            if stored.as_deref() != Some(chain.as_slice()) {
                return Err(UnitFailure::new(
                    Step::Verify,
                    "station::verify::certificate_lost",
                    "the device certificate did not persist across the reset",
                ));
            }
        }
        for s in &attestation.settings {
            use sha2::Digest as _;
            let digest: [u8; 32] = sha2::Sha256::digest(s.value.as_slice()).into();
            match self.holds_setting(&s.name, s.secret, &digest)? {
                Some(true) => {}
                Some(false) => {
                    return Err(UnitFailure::new(
                        Step::Verify,
                        "station::verify::mismatch",
                        format!("{} read back different from what was written", s.name),
                    ));
                }
                None => {
                    return Err(UnitFailure::new(
                        Step::Verify,
                        "station::verify::not_persisted",
                        format!("{} did not persist across the reset", s.name),
                    ));
                }
            }
        }
        Ok(())
    }
}
