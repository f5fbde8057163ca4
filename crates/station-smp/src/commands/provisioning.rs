//! The station's provisioning group (64): identity, key generation, certificates, TPM
//! forwarding and lock. The contract for firmware is `docs/device-protocol.md`.

use serde::{Deserialize, Serialize};

use super::{Empty, group, smp_command};

/// Provisioning group return codes (SMP v2 `err.rc` with `err.group == 64`).
pub mod rc {
    /// Unknown error.
    pub const UNKNOWN: i64 = 1;
    /// The device is locked: identity and `dps/*` writes are refused.
    pub const LOCKED: i64 = 2;
    /// The lock confirmation did not carry the device's serial.
    pub const SERIAL_MISMATCH: i64 = 3;
    /// The device has no hardware for this command (no secure element, no TPM).
    pub const NO_HARDWARE: i64 = 4;
    /// The key slot holds no key (certificate install or read before keygen) or no
    /// certificate (read before install).
    pub const KEY_NOT_FOUND: i64 = 5;
    /// The device cannot generate a key of the requested algorithm.
    pub const UNSUPPORTED_ALGORITHM: i64 = 6;
    /// The chain is empty, not DER certificates, or its leaf does not carry the slot's public
    /// key.
    pub const BAD_CHAIN: i64 = 7;
    /// The chain does not fit the device's certificate storage.
    pub const NO_SPACE: i64 = 8;
    /// The device has no network on this fixture: it cannot register with DPS from here
    /// ([`super::Register`]).
    pub const NO_NETWORK: i64 = 9;
}

/// Key algorithms named in [`Keygen::alg`].
pub mod alg {
    /// ECDSA on NIST P-256 (secp256r1); the CSR is signed with ECDSA-SHA256.
    pub const EC_P256: &str = "ec-p256";
}

/// Capability strings a device may report in [`IdentityResponse::caps`].
pub mod caps {
    /// Symmetric-key storage for DPS (`dps/sym_key`).
    pub const SYMKEY: &str = "symkey";
    /// On-device P-256 key generation with CSR.
    pub const EC_P256_KEYGEN: &str = "ec-p256-keygen";
    /// A TPM 2.0 reachable through the `tpm` command.
    pub const TPM2: &str = "tpm2";
}

/// Identity (id 0, read): who the device is.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Identity {}

/// Identity response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityResponse {
    /// Manufacturing serial number.
    pub serial: String,
    /// Model name.
    pub model: String,
    /// Hardware revision.
    pub hw: String,
    /// Firmware version.
    pub fw: String,
    /// Capabilities (see [`caps`]).
    pub caps: Vec<String>,
    /// True once the device's manufacturing mode is locked.
    pub locked: bool,
}
smp_command!(Identity => IdentityResponse, Read, group::PROVISIONING, 0, "provisioning.identity");

/// Lock (id 4, write): ends manufacturing mode. The device's serial is the confirmation.
#[derive(Debug, Clone, Serialize)]
pub struct Lock {
    /// The device's serial, echoed back as confirmation.
    pub serial: String,
}
smp_command!(Lock => Empty, Write, group::PROVISIONING, 4, "provisioning.lock");

/// Keygen (id 1, write): the device generates a key pair in `slot` (replacing any key there),
/// keeps the private key, and answers with a PKCS#10 CSR signed by the new key whose subject is
/// `CN=<cn>`. The CSR carries no requested extensions.
#[derive(Debug, Clone, Serialize)]
pub struct Keygen {
    /// Key slot on the device (0 for the DPS identity key).
    #[serde(rename = "slot")]
    pub key_slot: u32,
    /// Key algorithm (see [`alg`]), e.g. `"ec-p256"`.
    pub alg: String,
    /// Subject common name for the CSR: the DPS registration ID.
    pub cn: String,
}

/// Keygen response.
#[derive(Debug, Clone, Deserialize)]
pub struct KeygenResponse {
    /// The CSR, DER.
    #[serde(with = "serde_bytes")]
    pub csr: Vec<u8>,
}
smp_command!(Keygen => KeygenResponse, Write, group::PROVISIONING, 1, "provisioning.keygen");

/// Certificate install (id 2, write): stores `chain` (leaf first, DER each) for the key in
/// `slot`, replacing any chain there, and answers with the SHA-256 of the leaf as stored.
#[derive(Debug, Clone, Serialize)]
pub struct InstallCertificate {
    /// Key slot the leaf certifies.
    #[serde(rename = "slot")]
    pub key_slot: u32,
    /// The chain, leaf first, each certificate DER.
    pub chain: Vec<serde_bytes::ByteBuf>,
}

/// Certificate install response.
#[derive(Debug, Clone, Deserialize)]
pub struct InstallCertificateResponse {
    /// SHA-256 of the stored leaf certificate (32 bytes).
    #[serde(with = "serde_bytes")]
    pub sha256: Vec<u8>,
}
smp_command!(InstallCertificate => InstallCertificateResponse, Write, group::PROVISIONING, 2,
    "provisioning.certificate.write");

/// Certificate read (id 2, read): the chain stored for `slot`.
#[derive(Debug, Clone, Serialize)]
pub struct ReadCertificate {
    /// Key slot.
    #[serde(rename = "slot")]
    pub key_slot: u32,
}

/// Certificate read response.
#[derive(Debug, Clone, Deserialize)]
pub struct ReadCertificateResponse {
    /// The stored chain, leaf first, each certificate DER.
    pub chain: Vec<serde_bytes::ByteBuf>,
}
smp_command!(ReadCertificate => ReadCertificateResponse, Read, group::PROVISIONING, 2,
    "provisioning.certificate.read");

/// TPM (id 3, write): the device hands `cmd`, one complete raw TPM 2.0 command (big-endian
/// header: tag, size, command code), to its TPM unchanged and answers with the TPM's complete
/// raw response in `rsp`, whatever its response code. A device without a TPM answers
/// `err {group 64, rc 4}` ([`rc::NO_HARDWARE`]). At most [`MAX_TPM_COMMAND`] bytes each way.
#[derive(Debug, Clone, Serialize)]
pub struct Tpm {
    /// The raw TPM 2.0 command.
    #[serde(with = "serde_bytes")]
    pub cmd: Vec<u8>,
}

/// TPM response.
#[derive(Debug, Clone, Deserialize)]
pub struct TpmResponse {
    /// The raw TPM 2.0 response.
    #[serde(with = "serde_bytes")]
    pub rsp: Vec<u8>,
}
smp_command!(Tpm => TpmResponse, Write, group::PROVISIONING, 3, "provisioning.tpm");

/// Largest TPM command or response the `tpm` command carries (`TPM2_PT_MAX_COMMAND_SIZE` /
/// `TPM2_PT_MAX_RESPONSE_SIZE` of common TPMs, swtpm included).
pub const MAX_TPM_COMMAND: usize = 4096;

/// Setting proof (id 5, write): the device proves it holds setting `name` without sending it.
/// It answers `mac` = [`setting_proof`]`(SHA-256(stored value), nonce, name)`; a setting that is
/// not stored is `err {group 64, rc 5}` ([`rc::KEY_NOT_FOUND`]). The station checks secrets
/// this way before and after the lock (a locked device never returns a secret setting), and
/// crash recovery checks them against the claim's digests.
#[derive(Debug, Clone, Serialize)]
pub struct SettingProof {
    /// The setting.
    pub name: String,
    /// A fresh random nonce, 16–64 bytes.
    #[serde(with = "serde_bytes")]
    pub nonce: Vec<u8>,
}

/// Setting proof response.
#[derive(Debug, Clone, Deserialize)]
pub struct SettingProofResponse {
    /// HMAC-SHA256, 32 bytes.
    #[serde(with = "serde_bytes")]
    pub mac: Vec<u8>,
}
smp_command!(SettingProof => SettingProofResponse, Write, group::PROVISIONING, 5,
    "provisioning.setting_proof");

/// The setting proof: `HMAC-SHA256(key = SHA-256(value), message = nonce ‖ name)`. Keyed with
/// the value's digest, so the station can check it against a crash-recovery claim (which keeps
/// only digests) as well as against the value it just wrote; the name in the message keeps a
/// proof for one setting from standing for another.
pub fn setting_proof(value_sha256: &[u8; 32], nonce: &[u8], name: &str) -> [u8; 32] {
    use hmac::{Hmac, Mac as _};
    let mut mac = <Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(value_sha256)
        .expect("HMAC takes a 32-byte key (bug if not)");
    mac.update(nonce);
    mac.update(name.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Register (id 6, write): the device boots its field firmware's DPS client from what it holds
/// in flash (`dps/*`, its key or certificate, its TPM) and registers with DPS over its own
/// network, as it will in the field, then answers with how that ended. It takes as long as DPS
/// takes (the station waits up to [`crate::REGISTER_TIMEOUT`]). A device with no network
/// on the fixture answers `err {group 64, rc 9}` ([`rc::NO_NETWORK`]). The request is empty.
#[derive(Debug, Clone, Serialize)]
pub struct Register {}

/// How a [`Register`] ended.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RegisterResponse {
    /// [`register_status::ASSIGNED`], [`register_status::REFUSED`] (DPS answered, but not with
    /// an assignment) or [`register_status::UNREACHABLE`] (DPS could not be reached or did not
    /// answer in time).
    pub status: String,
    /// The assigned hub (`assigned` only).
    #[serde(default)]
    pub hub: Option<String>,
    /// The device ID at the hub (`assigned` only).
    #[serde(default)]
    pub device_id: Option<String>,
    /// DPS's reason (`refused`, `unreachable`): its HTTP status, `errorCode` and message as the
    /// device saw them.
    #[serde(default)]
    pub reason: Option<String>,
}
smp_command!(Register => RegisterResponse, Write, group::PROVISIONING, 6,
    "provisioning.register");

/// The `status` values of a [`RegisterResponse`].
pub mod register_status {
    /// DPS assigned the device to a hub.
    pub const ASSIGNED: &str = "assigned";
    /// DPS answered with a refusal, `failed` or `disabled`.
    pub const REFUSED: &str = "refused";
    /// DPS could not be reached (network, TLS, timeout).
    pub const UNREACHABLE: &str = "unreachable";
}

/// Command ids of the provisioning group.
pub mod id {
    /// Key generation (write): key slot, algorithm, subject CN → CSR (DER); see [`super::Keygen`].
    pub const KEYGEN: u8 = 1;
    /// Certificate install (write) / read (read); see [`super::InstallCertificate`] and
    /// [`super::ReadCertificate`].
    pub const CERTIFICATE: u8 = 2;
    /// Raw TPM 2.0 command forwarding (write); see [`super::Tpm`].
    pub const TPM: u8 = 3;
    /// Setting proof (write); see [`super::SettingProof`].
    pub const SETTING_PROOF: u8 = 5;
    /// Register with DPS (write); see [`super::Register`].
    pub const REGISTER: u8 = 6;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The proof against an independent HMAC-SHA256 (RFC 4231 style check by recomputation
    /// with another message split) and its binding to the nonce and the name.
    #[test]
    fn setting_proof_binds_value_nonce_and_name() {
        use sha2::Digest as _;
        let digest: [u8; 32] = sha2::Sha256::digest(b"key-text").into();
        let a = setting_proof(&digest, b"0123456789abcdef", "dps/sym_key");
        // Same bytes, split differently between nonce and name: HMAC sees one message.
        assert_eq!(
            a,
            setting_proof(&digest, b"0123456789abcdefdps/", "sym_key")
        );
        assert_ne!(
            a,
            setting_proof(&digest, b"0123456789abcdeg", "dps/sym_key")
        );
        assert_ne!(a, setting_proof(&digest, b"0123456789abcdef", "dps/reg_id"));
        let other: [u8; 32] = sha2::Sha256::digest(b"key-texT").into();
        assert_ne!(a, setting_proof(&other, b"0123456789abcdef", "dps/sym_key"));
    }

    /// Golden CBOR of the `tpm` command: `{"cmd": h'8001'}` and `{"rsp": h'00'}`.
    #[test]
    fn tpm_request_and_response_cbor() {
        let mut out = Vec::new();
        ciborium::into_writer(
            &Tpm {
                cmd: vec![0x80, 0x01],
            },
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [0xa1, 0x63, b'c', b'm', b'd', 0x42, 0x80, 0x01]);
        let rsp: TpmResponse =
            ciborium::from_reader(&[0xa1, 0x63, b'r', b's', b'p', 0x41, 0x00][..]).unwrap();
        assert_eq!(rsp.rsp, [0]);
    }
}
