//! TPM products: the EK read through the DUT (over its SMP link, by the front-end's
//! [`EkReader`]), the EK certificate check, and the individual enrollment carrying the EK.

use station_config::{AttestationConfig, EkTemplateName, ProductProfile, ProvisioningStatus};
use station_identity::tpm::{
    EK_CERT_NV_INDEX, EkCertError, EkCertificate, EkReader, EkTemplate, ReadRequest, TpmError,
    TpmLink, TpmLinkError, TpmPublic, VendorRoots,
};
use station_smp::commands::group;
use station_smp::commands::provisioning::{self, IdentityResponse, caps};
use station_smp::{Client, DeviceRc, SmpError};
use station_upload::schema::{
    AttestationMechanism, AttestationType, DeviceCapabilities, IndividualEnrollment,
    ProvisioningStatus as WireStatus, TpmAttestation,
};

use crate::error::UnitFailure;
use crate::events::Step;
use crate::facts::{UnitFacts, device_information};

/// What the `read-ek` step established about a unit's TPM.
pub(crate) struct TpmIdentity {
    /// The EK's public area.
    pub(crate) ek: TpmPublic,
    /// The SRK's public area, if the product asks for it.
    pub(crate) srk: Option<TpmPublic>,
    /// The checked EK certificate.
    pub(crate) certificate: EkCertificate,
}

/// A [`TpmLink`] over the DUT's `tpm` SMP command.
struct SmpTpmLink<'c>(&'c mut Client);

impl TpmLink for SmpTpmLink<'_> {
    fn transact(&mut self, command: &[u8]) -> Result<Vec<u8>, TpmLinkError> {
        self.0.tpm(command).map_err(|e| match e {
            SmpError::Device {
                rc:
                    DeviceRc::Group {
                        group: group::PROVISIONING,
                        rc: provisioning::rc::NO_HARDWARE,
                    },
                ..
            } => TpmLinkError::NoTpm,
            other => TpmLinkError::Failed(Box::new(other)),
        })
    }
}

/// Reads the unit's EK (and SRK) through the DUT and checks the EK certificate.
pub(crate) fn read_ek(
    reader: Option<&dyn EkReader>,
    roots: Option<&VendorRoots>,
    product: &ProductProfile,
    identity: &IdentityResponse,
    client: &mut Client,
) -> Result<TpmIdentity, UnitFailure> {
    let AttestationConfig::Tpm {
        include_srk,
        ek_template,
        ..
    } = &product.attestation
    else {
        return Err(bug("read-ek ran for a product that is not a TPM product"));
    };
    if !identity.caps.iter().any(|c| c == caps::TPM2) {
        return Err(no_tpm(&identity.serial));
    }
    let reader = reader.ok_or_else(|| {
        UnitFailure::new(
            Step::ReadEk,
            "station::tpm::no_reader",
            "this station has no TPM reader",
        )
    })?;
    let roots = roots.ok_or_else(|| bug("the product's TPM vendor CAs were not loaded"))?;
    let read = reader
        .read(
            &mut SmpTpmLink(client),
            &ReadRequest {
                ek_template: match ek_template {
                    EkTemplateName::TcgRsa2048 => EkTemplate::TcgRsa2048,
                },
                include_srk: *include_srk,
            },
        )
        .map_err(|e| read_failure(&identity.serial, &e))?;
    let der = read.ek_certificate.as_deref().ok_or_else(|| {
        UnitFailure::new(
            Step::ReadEk,
            "station::tpm::no_ek_certificate",
            format!(
                "the TPM of DUT {} has no EK certificate (NV index 0x{EK_CERT_NV_INDEX:08X} is absent)",
                identity.serial
            ),
        )
    })?;
    let certificate = roots
        .check(der, &read.ek)
        .map_err(|e| cert_failure(&identity.serial, &e))?;
    tracing::info!(
        serial = %identity.serial,
        ek_sha256 = %read.ek.sha256_hex(),
        ek_persistent = read.ek_persistent,
        ek_cert_serial = %certificate.serial,
        ek_cert_issuer = %certificate.issuer,
        vendor_root = %certificate.root,
        tpm_commands = read.exchange.commands,
        tpm_bytes = read.exchange.command_bytes + read.exchange.response_bytes,
        "TPM endorsement key read and its certificate checked"
    );
    Ok(TpmIdentity {
        ek: read.ek,
        srk: read.srk,
        certificate,
    })
}

/// The individual enrollment of a TPM unit: its EK (and SRK).
pub(crate) fn tpm_enrollment(
    product: &ProductProfile,
    registration_id: &station_identity::RegistrationId,
    tpm: &TpmIdentity,
    facts: &UnitFacts<'_>,
) -> IndividualEnrollment {
    // Traceability for the device operator: which vendor certificate vouched for the TPM.
    let mut information = device_information(facts);
    information.properties.insert(
        "ekCertificateSerial".into(),
        tpm.certificate.serial.clone().into(),
    );
    information.properties.insert(
        "ekCertificateIssuer".into(),
        tpm.certificate.issuer.clone().into(),
    );
    IndividualEnrollment {
        registration_id: registration_id.clone(),
        device_id: facts.device_id.clone(),
        attestation: AttestationMechanism {
            kind: AttestationType::Tpm,
            tpm: Some(TpmAttestation {
                endorsement_key: tpm.ek.to_base64(),
                storage_root_key: tpm.srk.as_ref().map(TpmPublic::to_base64),
            }),
            x509: None,
            symmetric_key: None,
        },
        capabilities: Some(DeviceCapabilities { iot_edge: false }),
        iot_hub_host_name: product.iot_hub_host_name.clone(),
        provisioning_status: Some(match product.provisioning_status {
            ProvisioningStatus::Enabled => WireStatus::Enabled,
            ProvisioningStatus::Disabled => WireStatus::Disabled,
        }),
        optional_device_information: Some(information),
        allocation: facts.allocation.clone(),
        etag: None,
    }
}

fn no_tpm(serial: &str) -> UnitFailure {
    UnitFailure::new(
        Step::ReadEk,
        "station::tpm::no_tpm",
        format!("DUT {serial} has no TPM"),
    )
}

fn bug(what: &str) -> UnitFailure {
    UnitFailure::new(Step::ReadEk, "station::bug::tpm", what)
}

fn read_failure(serial: &str, e: &TpmError) -> UnitFailure {
    match e {
        TpmError::NoTpm => no_tpm(serial),
        TpmError::Link(source) => match source.downcast_ref::<SmpError>() {
            Some(smp) => UnitFailure::from_smp(Step::ReadEk, smp),
            None => with_detail(
                UnitFailure::new(
                    Step::ReadEk,
                    "station::tpm::link",
                    format!("could not reach the TPM of DUT {serial}"),
                ),
                e,
            ),
        },
        TpmError::EkTemplate(template) => with_detail(
            UnitFailure::new(
                Step::ReadEk,
                "station::tpm::ek_template",
                format!("DUT {serial}: {template}"),
            ),
            e,
        ),
        TpmError::EkNotHeld { .. } => with_detail(
            UnitFailure::new(
                Step::ReadEk,
                "station::tpm::ek_not_held",
                format!(
                    "DUT {serial}: its TPM did not prove it holds the endorsement key it reported"
                ),
            ),
            e,
        ),
        _ => with_detail(
            UnitFailure::new(
                Step::ReadEk,
                "station::tpm::read_failed",
                format!("could not read the TPM endorsement key of DUT {serial}: {e}"),
            ),
            e,
        ),
    }
}

fn cert_failure(serial: &str, e: &EkCertError) -> UnitFailure {
    let code = match e {
        EkCertError::UnknownCa { .. } | EkCertError::PathTooLong { .. } => {
            "station::tpm::ek_cert_untrusted"
        }
        EkCertError::KeyMismatch => "station::tpm::ek_cert_mismatch",
        EkCertError::OutsideValidity { .. } => "station::tpm::ek_cert_not_valid_now",
        _ => "station::tpm::ek_cert_invalid",
    };
    with_detail(
        UnitFailure::new(Step::ReadEk, code, format!("DUT {serial}: {e}")),
        e,
    )
}

fn with_detail(failure: UnitFailure, e: &dyn std::error::Error) -> UnitFailure {
    UnitFailure {
        detail: crate::error::chain(e),
        ..failure
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    /// Every TPM failure the technician can see: step, code, message and help, for review.
    #[test]
    fn tpm_failure_messages_snapshot() {
        let serial = "VD0001-05";
        let failures = [
            no_tpm(serial),
            read_failure(serial, &TpmError::NoTpm),
            read_failure(
                serial,
                &TpmError::Link(Box::new(SmpError::NoResponse {
                    command: "provisioning.tpm",
                    attempts: 3,
                    timeout: std::time::Duration::from_secs(5),
                    frame_errors: 0,
                    last_frame_error: None,
                })),
            ),
            read_failure(
                serial,
                &TpmError::Timeout(std::time::Duration::from_secs(120)),
            ),
            read_failure(
                serial,
                &TpmError::EkTemplate(station_identity::tpm::EkTemplateError {
                    template: "tcg-rsa2048",
                    field: "objectAttributes",
                }),
            ),
            read_failure(
                serial,
                &TpmError::EkNotHeld {
                    reason: "ActivateCredential failed: TPM_RC_VALUE".into(),
                },
            ),
            cert_failure(serial, &EkCertError::NotACertificate),
            cert_failure(serial, &EkCertError::NotRsa),
            cert_failure(serial, &EkCertError::KeyMismatch),
            cert_failure(
                serial,
                &EkCertError::UnknownCa {
                    issuer: "CN=swtpm-localca".into(),
                },
            ),
            cert_failure(
                serial,
                &EkCertError::OutsideValidity {
                    subject: "CN=swtpm-localca".into(),
                    not_before: "Nov 26 15:25:24 2026 +00:00".into(),
                    not_after: "Dec 31 23:59:59 9999 +00:00".into(),
                },
            ),
        ];
        let mut out = String::new();
        for f in &failures {
            let _ = writeln!(
                out,
                "[{}] {}: {}\n  help: {}",
                f.step.as_str(),
                f.code,
                f.message,
                f.help()
            );
        }
        insta::assert_snapshot!(out);
    }
}
