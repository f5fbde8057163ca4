//! The TPM challenge's key blob (DPS-NOTES §2.5), made in software: a credential for the
//! device's EK bound to its SRK's name (`TPM2_MakeCredential`, TPM 2.0 Part 1 §24) and an HMAC
//! key duplicated to its SRK, inner-wrapped with that credential (`TPM2_Duplicate`, §23.3).
//! Only the TPM holding the EK's private part can recover the credential
//! (`TPM2_ActivateCredential`), and only with it can the key be imported (`TPM2_Import`) under
//! the SRK. The blob: `TPM2B_ID_OBJECT ‖ TPM2B_ENCRYPTED_SECRET ‖ TPM2B_PRIVATE ‖
//! TPM2B_ENCRYPTED_SECRET ‖ TPM2B_PUBLIC ‖ TPM2B_DATA`. The last, "encrypted data", is empty:
//! no SDK uses it, but Microsoft's Node.js TPM client refuses a blob without it ("Could not
//! unmarshal activation data"); the C SDK reads its size, Azure IoT Identity Service stops
//! before it.

use sha2::{Digest as _, Sha256};
use tpm_credential::{
    ALG_SHA256, RsaArea, aes128_cfb_encrypt, hmac_sha256, kdfa, make_credential, name_sha256, tpm2b,
};

const ALG_KEYEDHASH: u16 = 0x0008;
const ALG_HMAC: u16 = 0x0005;

/// The key blob for a device whose EK and SRK public areas are `ek` and `srk`: `hmac_key`
/// becomes an HMAC-SHA256 key the device's TPM imports under its SRK.
pub fn authentication_key(ek: &[u8], srk: &[u8], hmac_key: &[u8]) -> Result<Vec<u8>, String> {
    let ek = RsaArea::parse(ek).map_err(|e| format!("endorsementKey: {e}"))?;
    let srk = RsaArea::parse(srk).map_err(|e| format!("storageRootKey: {e}"))?;
    // The object: a keyed-hash HMAC-SHA256 key (userWithAuth | sign; not fixedTPM/fixedParent).
    let obfuscation: [u8; 32] = rand::random();
    let mut unique_input = obfuscation.to_vec();
    unique_input.extend_from_slice(hmac_key);
    let mut public = Vec::new();
    public.extend_from_slice(&ALG_KEYEDHASH.to_be_bytes());
    public.extend_from_slice(&ALG_SHA256.to_be_bytes());
    public.extend_from_slice(&(0x0000_0040u32 | 0x0004_0000).to_be_bytes()); // userWithAuth | sign
    public.extend_from_slice(&tpm2b(&[])); // authPolicy
    public.extend_from_slice(&ALG_HMAC.to_be_bytes());
    public.extend_from_slice(&ALG_SHA256.to_be_bytes());
    public.extend_from_slice(&tpm2b(&Sha256::digest(&unique_input)));
    let object_name = name_sha256(&public);
    // TPMT_SENSITIVE: type, authValue (empty), seedValue (obfuscation), the key.
    let mut sensitive = Vec::new();
    sensitive.extend_from_slice(&ALG_KEYEDHASH.to_be_bytes());
    sensitive.extend_from_slice(&tpm2b(&[]));
    sensitive.extend_from_slice(&tpm2b(&obfuscation));
    sensitive.extend_from_slice(&tpm2b(hmac_key));
    let sensitive = tpm2b(&sensitive);
    // Inner wrapper: integrity over the sensitive area and the name, AES-128-CFB with the
    // credential as key.
    let inner_key: [u8; 16] = rand::random();
    let inner_integrity = Sha256::digest([sensitive.as_slice(), &object_name].concat());
    let mut dup_sensitive = tpm2b(&inner_integrity);
    dup_sensitive.extend_from_slice(&sensitive);
    aes128_cfb_encrypt(&inner_key, &mut dup_sensitive);
    // Outer wrapper: a seed for the SRK.
    let seed: [u8; 32] = rand::random();
    let in_sym_seed = tpm2b(
        &srk.encrypt_seed("DUPLICATE", &seed)
            .map_err(|e| e.to_string())?,
    );
    let sym = kdfa(&seed, "STORAGE", &object_name, &[], 128);
    aes128_cfb_encrypt(&sym, &mut dup_sensitive);
    let hmac_key2 = kdfa(&seed, "INTEGRITY", &[], &[], 256);
    let outer = hmac_sha256(&hmac_key2, &[&dup_sensitive, &object_name]);
    let mut duplicate = tpm2b(&outer);
    duplicate.extend_from_slice(&dup_sensitive);
    // The credential is the inner key, bound to the SRK's name.
    let credential = make_credential(&ek, &inner_key, srk.name()).map_err(|e| e.to_string())?;
    let mut blob = tpm2b(&credential.id_object);
    blob.extend_from_slice(&tpm2b(&credential.secret));
    blob.extend_from_slice(&tpm2b(&duplicate));
    blob.extend_from_slice(&in_sym_seed);
    blob.extend_from_slice(&tpm2b(&public));
    blob.extend_from_slice(&tpm2b(&[]));
    Ok(blob)
}
