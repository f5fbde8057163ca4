//! Produces a unit's identity material and what to write and queue for it, per product.

use station_config::{
    AttestationConfig, ProductProfile, ProvisioningStatus, SymmetricEnrollment, X509Enrollment,
    X509KeyAlgorithm,
};
use station_identity::pki::{CsrPolicy, IssuedCertificate, KeyAlgorithm, LeafProfile, MAX_CN_LEN};
use station_identity::{RegistrationId, SymmetricKey};
use station_smp::commands::provisioning::caps;
use station_upload::schema::{
    AttestationMechanism, AttestationType, DeviceCapabilities, IndividualEnrollment,
    ProvisioningStatus as WireStatus, X509Attestation, X509CertificateWithInfo, X509Certificates,
};
use zeroize::Zeroizing;

use crate::error::UnitFailure;
use crate::events::Step;
use crate::facts::{UnitFacts, device_information};

/// One setting to write to the DUT.
pub(crate) struct SettingWrite {
    pub(crate) name: String,
    pub(crate) value: Zeroizing<Vec<u8>>,
    pub(crate) secret: bool,
}

/// What attestation produced for one unit.
pub(crate) struct Attestation {
    /// The unit's registration ID, carried from here to its enrollment and its record.
    pub(crate) registration_id: RegistrationId,
    /// Settings to write, in order.
    pub(crate) settings: Vec<SettingWrite>,
    /// The individual enrollment to queue, if the product enrolls devices individually. For
    /// X.509 it is filled in once the certificate is issued.
    pub(crate) enrollment: Option<IndividualEnrollment>,
    /// For X.509 products: what the certificate steps need.
    pub(crate) x509: Option<X509Plan>,
    /// For a symmetric-key group product: the disabled individual enrollment that takes this
    /// device out of its group if the unit does not pass, recorded before the key leaves.
    pub(crate) revocation: Option<IndividualEnrollment>,
}

/// The certificate steps' inputs for one X.509 unit.
pub(crate) struct X509Plan {
    /// What the CSR must satisfy (CN = registration ID, allowed key algorithms).
    pub(crate) policy: CsrPolicy,
    /// Validity of the leaf.
    pub(crate) profile: LeafProfile,
    /// Certificates allowed per work order.
    pub(crate) quota: Option<u64>,
    /// Queue an individual enrollment carrying the certificate.
    pub(crate) individual: bool,
    /// The registration ID the certificate names (its CN).
    pub(crate) registration_id: RegistrationId,
}

/// The device's key slot the station provisions (the DPS identity key).
pub(crate) const DEVICE_KEY_SLOT: u32 = 0;

/// Builds the attestation for `product`. `group_key` is the product's enrollment-group key,
/// when it has one; `tpm` is what the `read-ek` step found, for TPM products.
pub(crate) fn attest(
    product: &ProductProfile,
    registration_id: &RegistrationId,
    group_key: Option<&SymmetricKey>,
    tpm: Option<&crate::tpm::TpmIdentity>,
    facts: &UnitFacts<'_>,
) -> Result<Attestation, UnitFailure> {
    match &product.attestation {
        AttestationConfig::SymmetricKey { enrollment } => {
            if !facts.identity.caps.iter().any(|c| c == caps::SYMKEY) {
                return Err(UnitFailure::new(
                    Step::Attest,
                    "station::dut::missing_capability",
                    format!(
                        "DUT {} cannot store a symmetric key (no `symkey` capability)",
                        facts.identity.serial
                    ),
                ));
            }
            let (key, individual) = match enrollment {
                SymmetricEnrollment::Individual => (SymmetricKey::random(), true),
                SymmetricEnrollment::Group { .. } => {
                    let group = group_key.ok_or_else(|| {
                        UnitFailure::new(
                            Step::Attest,
                            "station::attest::no_group_key",
                            format!("no group key loaded for product {}", product.id),
                        )
                    })?;
                    (group.derive_device_key(registration_id), false)
                }
            };
            let key_b64 = key.to_base64();
            let mut settings = dps_settings(product, registration_id, "symmetric-key");
            settings.push(SettingWrite {
                name: format!("{}/sym_key", product.settings_prefix),
                value: Zeroizing::new(key_b64.as_bytes().to_vec()),
                secret: true,
            });
            // The revocation never carries the device's key: DPS refuses a disabled
            // enrollment whatever its key, and the uploader sends fresh random ones.
            let revocation = (!individual).then(|| {
                group_revocation(
                    registration_id,
                    AttestationMechanism::symmetric_key(
                        station_store::REDACTED.to_owned(),
                        Some(station_store::REDACTED.to_owned()),
                    ),
                )
            });
            let enrollment = individual.then(|| IndividualEnrollment {
                registration_id: registration_id.clone(),
                device_id: facts.device_id.clone(),
                attestation: AttestationMechanism::symmetric_key(key_b64.to_string(), None),
                capabilities: Some(DeviceCapabilities { iot_edge: false }),
                iot_hub_host_name: product.iot_hub_host_name.clone(),
                provisioning_status: Some(match product.provisioning_status {
                    ProvisioningStatus::Enabled => WireStatus::Enabled,
                    ProvisioningStatus::Disabled => WireStatus::Disabled,
                }),
                optional_device_information: Some(device_information(facts)),
                allocation: facts.allocation.clone(),
                etag: None,
            });
            Ok(Attestation {
                registration_id: registration_id.clone(),
                settings,
                enrollment,
                x509: None,
                revocation,
            })
        }
        AttestationConfig::X509 {
            enrollment,
            validity_days,
            key_algorithms,
            quota_per_work_order,
            ..
        } => {
            if !facts
                .identity
                .caps
                .iter()
                .any(|c| c == caps::EC_P256_KEYGEN)
            {
                return Err(UnitFailure::new(
                    Step::Attest,
                    "station::dut::missing_capability",
                    format!(
                        "DUT {} cannot generate a key (no `ec-p256-keygen` capability)",
                        facts.identity.serial
                    ),
                ));
            }
            if !registration_id.fits_x509_cn() {
                return Err(UnitFailure::new(
                    Step::Attest,
                    "station::x509::cn_too_long",
                    format!(
                        "registration ID {registration_id} is longer than the {MAX_CN_LEN} characters a certificate CN allows"
                    ),
                ));
            }
            if quota_per_work_order.is_some() && facts.work_order.is_none() {
                return Err(UnitFailure::new(
                    Step::Attest,
                    "station::x509::no_work_order",
                    "this product issues certificates against a work order, and none was given",
                ));
            }
            Ok(Attestation {
                registration_id: registration_id.clone(),
                settings: dps_settings(product, registration_id, "x509"),
                enrollment: None,
                x509: Some(X509Plan {
                    policy: CsrPolicy {
                        expected_cn: registration_id.to_string(),
                        allowed_algorithms: key_algorithms
                            .iter()
                            .map(|a| match a {
                                X509KeyAlgorithm::EcP256 => KeyAlgorithm::EcP256,
                                X509KeyAlgorithm::EcP384 => KeyAlgorithm::EcP384,
                            })
                            .collect(),
                    },
                    profile: LeafProfile::days(*validity_days),
                    quota: *quota_per_work_order,
                    individual: *enrollment == X509Enrollment::Individual,
                    registration_id: registration_id.clone(),
                }),
                revocation: None,
            })
        }
        AttestationConfig::Tpm { .. } => {
            let tpm = tpm.ok_or_else(|| {
                UnitFailure::new(
                    Step::Attest,
                    "station::bug::tpm",
                    "the TPM was not read before the unit's identity was prepared",
                )
            })?;
            Ok(Attestation {
                registration_id: registration_id.clone(),
                settings: dps_settings(product, registration_id, "tpm"),
                enrollment: Some(crate::tpm::tpm_enrollment(
                    product,
                    registration_id,
                    tpm,
                    facts,
                )),
                x509: None,
                revocation: None,
            })
        }
    }
}

/// The individual enrollment of an X.509 unit: its client certificate (PEM).
pub(crate) fn x509_enrollment(
    product: &ProductProfile,
    registration_id: &RegistrationId,
    certificate: &IssuedCertificate,
    facts: &UnitFacts<'_>,
) -> IndividualEnrollment {
    IndividualEnrollment {
        registration_id: registration_id.clone(),
        device_id: facts.device_id.clone(),
        attestation: x509_client(certificate),
        capabilities: Some(DeviceCapabilities { iot_edge: false }),
        iot_hub_host_name: product.iot_hub_host_name.clone(),
        provisioning_status: Some(match product.provisioning_status {
            ProvisioningStatus::Enabled => WireStatus::Enabled,
            ProvisioningStatus::Disabled => WireStatus::Disabled,
        }),
        optional_device_information: Some(device_information(facts)),
        allocation: facts.allocation.clone(),
        etag: None,
    }
}

/// An X.509 attestation by the device's own leaf certificate (PEM).
pub(crate) fn x509_client(certificate: &IssuedCertificate) -> AttestationMechanism {
    AttestationMechanism {
        kind: AttestationType::X509,
        tpm: None,
        x509: Some(X509Attestation {
            client_certificates: Some(X509Certificates {
                primary: X509CertificateWithInfo {
                    certificate: Some(certificate.pem()),
                },
                secondary: None,
            }),
            signing_certificates: None,
        }),
        symmetric_key: None,
    }
}

/// The disabled individual enrollment that takes one device of an enrollment group out of
/// it (DPS-NOTES §9): DPS prefers an individual enrollment to a group, so a disabled one
/// refuses the device, by the credential it holds. The station never deletes it.
pub(crate) fn group_revocation(
    registration_id: &RegistrationId,
    attestation: AttestationMechanism,
) -> IndividualEnrollment {
    IndividualEnrollment {
        registration_id: registration_id.clone(),
        device_id: None,
        attestation,
        capabilities: None,
        iot_hub_host_name: None,
        provisioning_status: Some(WireStatus::Disabled),
        optional_device_information: None,
        allocation: station_upload::schema::Allocation::default(),
        etag: None,
    }
}

/// The `dps/*` settings every product writes.
fn dps_settings(
    product: &ProductProfile,
    registration_id: &RegistrationId,
    kind: &str,
) -> Vec<SettingWrite> {
    let p = &product.settings_prefix;
    let plain = |name: &str, value: &str| SettingWrite {
        name: format!("{p}/{name}"),
        value: Zeroizing::new(value.as_bytes().to_vec()),
        secret: false,
    };
    vec![
        plain("endpoint", &product.dps.global_endpoint),
        plain("id_scope", &product.dps.id_scope),
        plain("reg_id", registration_id.as_str()),
        plain("attestation", kind),
    ]
}
