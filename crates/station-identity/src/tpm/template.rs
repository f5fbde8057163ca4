//! The EK templates a product accepts. An EK is only the board's identity if it is the key its
//! TPM derives from the endorsement seed with a known template: any other public area (another
//! attribute, policy or exponent, a modulus with a leading zero) is a different
//! `TPM2B_PUBLIC`, hence a different EK hash and registration ID, for what may be the same key.
//! So the station requires the template byte for byte, and with it the EK hash is a function
//! of the modulus alone (what `station::tpm::duplicate_ek` relies on).

use super::TpmPublic;

/// The EK templates a product may accept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum EkTemplate {
    /// The TCG EK Credential Profile 2.0's default RSA-2048 template (§B.3.3, "L-1"): the one
    /// DPS's TPM attestation and the Azure device SDKs use.
    #[default]
    TcgRsa2048,
}

/// `TPMT_PUBLIC` of the L-1 template up to and including the unique field's size: type RSA,
/// nameAlg SHA-256, objectAttributes fixedTPM | fixedParent | sensitiveDataOrigin |
/// adminWithPolicy | restricted | decrypt, authPolicy = PolicySecret(TPM_RH_ENDORSEMENT),
/// symmetric AES-128-CFB, scheme NULL, keyBits 2048, exponent 0 (65537), unique 256 bytes.
const TCG_RSA2048_PREFIX: [u8; 58] = [
    0x00, 0x01, 0x00, 0x0b, 0x00, 0x03, 0x00, 0xb2, 0x00, 0x20, 0x83, 0x71, 0x97, 0x67, 0x44, 0x84,
    0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52,
    0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa, 0x00, 0x06, 0x00, 0x80, 0x00, 0x43,
    0x00, 0x10, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
];
/// Bytes of the 2048-bit modulus.
const RSA2048_MODULUS: usize = 256;

/// The fields of the prefix, by the offset where each ends.
const FIELDS: [(usize, &str); 10] = [
    (2, "type"),
    (4, "nameAlg"),
    (8, "objectAttributes"),
    (42, "authPolicy"),
    (48, "symmetric"),
    (50, "scheme"),
    (52, "keyBits"),
    (56, "exponent"),
    (58, "unique size"),
    (58 + RSA2048_MODULUS, "unique (modulus)"),
];

/// Why an EK is not from the product's template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the EK's {field} is not the {template} template's")]
pub struct EkTemplateError {
    /// The template the product requires, as configured.
    pub template: &'static str,
    /// The first field of the public area that differs, e.g. `objectAttributes`.
    pub field: &'static str,
}

impl EkTemplate {
    /// The configuration name, e.g. `tcg-rsa2048`.
    pub fn name(self) -> &'static str {
        match self {
            EkTemplate::TcgRsa2048 => "tcg-rsa2048",
        }
    }

    /// Checks that `ek` is exactly this template's public area: every field before the unique
    /// one byte for byte, and a modulus of exactly 2048 bits (its top bit set, so no leading
    /// zero and no shorter key).
    pub fn check(self, ek: &TpmPublic) -> Result<(), EkTemplateError> {
        let fail = |field| EkTemplateError {
            template: self.name(),
            field,
        };
        let body = ek.as_bytes().get(2..).unwrap_or_default();
        if let Some(at) = body
            .iter()
            .zip(TCG_RSA2048_PREFIX.iter())
            .position(|(a, b)| a != b)
        {
            return Err(fail(field_at(at)));
        }
        if body.len() != TCG_RSA2048_PREFIX.len() + RSA2048_MODULUS {
            return Err(fail(field_at(body.len().min(TCG_RSA2048_PREFIX.len()))));
        }
        if body[TCG_RSA2048_PREFIX.len()] & 0x80 == 0 {
            return Err(fail("unique (modulus)"));
        }
        Ok(())
    }
}

fn field_at(offset: usize) -> &'static str {
    FIELDS
        .iter()
        .find(|(end, _)| offset < *end)
        .map_or("unique (modulus)", |(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tpm::public::tests::ek_public;

    fn area(bytes: &[u8]) -> TpmPublic {
        TpmPublic::from_tpm2b(bytes).unwrap()
    }

    #[test]
    fn the_default_template_passes_and_each_changed_field_is_named() {
        let good = ek_public(&[0xa5; 256]);
        EkTemplate::TcgRsa2048.check(&area(&good)).unwrap();
        for (offset, field) in [
            (2 + 2, "nameAlg"),
            (2 + 7, "objectAttributes"),
            (2 + 20, "authPolicy"),
            (2 + 47, "symmetric"),
            (2 + 55, "exponent"),
        ] {
            let mut bad = good.clone();
            bad[offset] ^= 0x01;
            assert_eq!(
                EkTemplate::TcgRsa2048.check(&area(&bad)).unwrap_err().field,
                field,
                "byte {offset}"
            );
        }
    }

    #[test]
    fn a_leading_zero_or_a_short_modulus_is_refused() {
        // The same number with a leading zero: 257 bytes of unique, a new hash.
        let good = ek_public(&[0xa5; 256]);
        let mut padded = good[..2 + 56].to_vec();
        padded.extend_from_slice(&[0x01, 0x01, 0x00]);
        padded.extend_from_slice(&[0xa5; 256]);
        let size = u16::try_from(padded.len() - 2).unwrap().to_be_bytes();
        padded[..2].copy_from_slice(&size);
        let err = EkTemplate::TcgRsa2048.check(&area(&padded)).unwrap_err();
        assert_eq!(err.field, "unique size");
        // A 2047-bit number in 256 bytes.
        let short = ek_public(&[0x5a; 256]);
        assert_eq!(
            EkTemplate::TcgRsa2048
                .check(&area(&short))
                .unwrap_err()
                .field,
            "unique (modulus)"
        );
        assert!(err.to_string().contains("tcg-rsa2048"));
    }
}
