//! A unit on a line of stations: its identities reserved in the line database before
//! anything irreversible, and the line told of its claim.

use station_errors::Coded as _;
use station_smp::commands::provisioning::IdentityResponse;
use station_store::setting_digest;

use super::UnitRun;
use crate::attest::Attestation;
use crate::error::UnitFailure;
use crate::events::Step;
use crate::tpm::TpmIdentity;

impl UnitRun<'_> {
    /// On a line of stations: reserves the board's serial, registration ID and EK, and the
    /// SHA-256 of each secret setting (the device's key), in the line database before anything
    /// irreversible, in one round trip (see [`Self::reserve_on_line`]).
    pub(super) fn reserve_board_on_line(
        &mut self,
        identity: &IdentityResponse,
        registration_id: &str,
        tpm: Option<&TpmIdentity>,
        attestation: &Attestation,
    ) -> Result<(), UnitFailure> {
        use station_linedb::{Identity, IdentityKind};
        let mut identities = vec![
            Identity::new(IdentityKind::Serial, identity.serial.clone()),
            Identity::new(IdentityKind::RegistrationId, registration_id),
        ];
        if let Some(tpm) = tpm {
            identities.push(Identity::new(IdentityKind::EkSha256, tpm.ek.sha256_hex()));
        }
        identities.extend(
            attestation
                .settings
                .iter()
                .filter(|s| s.secret)
                .map(|s| Identity::new(IdentityKind::SymkeySha256, setting_digest(&s.value))),
        );
        self.reserve_on_line(Step::Attest, &identities)
    }

    /// Tells the line the unit's claim is committed (if the station is on one).
    pub(super) fn claim_on_line(&self) {
        if let (Some(unit), Some(line)) = (self.unit_id, self.station.line()) {
            line.claim(self.station.store(), unit);
        }
    }

    /// Reserves `identities` for this unit in the line database, if the station is on one.
    /// Held by another station's unit → refused, naming it; the line database unreachable →
    /// refused (nothing is provisioned that the line cannot vouch for).
    pub(super) fn reserve_on_line(
        &mut self,
        step: Step,
        identities: &[station_linedb::Identity],
    ) -> Result<(), UnitFailure> {
        use crate::line_link::LinkError;
        use station_linedb::LineDbError;
        let (Some(unit), Some(line)) = (self.unit_id, self.station.line()) else {
            return Ok(());
        };
        let serial = self.serial.clone().unwrap_or_default();
        match line.reserve(self.station.store(), unit, identities) {
            Ok(_) => Ok(()),
            Err(LinkError::Line(e @ LineDbError::Held(_))) => Err(UnitFailure {
                detail: crate::error::chain(&e),
                ..UnitFailure::new(step, "station::linedb::held", format!("DUT {serial}: {e}"))
            }),
            Err(LinkError::Line(e)) => Err(UnitFailure {
                detail: crate::error::chain(&e),
                ..UnitFailure::new(
                    step,
                    e.code(),
                    format!("the line database could not reserve DUT {serial}: {e}"),
                )
            }),
            Err(LinkError::Store(e)) => Err(UnitFailure::from_store(step, &e)),
        }
    }
}
