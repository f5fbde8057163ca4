//! The TPM challenge's key blob (DPS-NOTES §2.5), made in software: a credential for the
//! device's EK bound to its SRK's name (`TPM2_MakeCredential`, TPM 2.0 Part 1 §24) and an HMAC
//! key duplicated to its SRK, inner-wrapped with that credential (`TPM2_Duplicate`, §23.3).
//! Only the TPM holding the EK's private part can recover the credential
//! (`TPM2_ActivateCredential`), and only with it can the key be imported (`TPM2_Import`) under
//! the SRK. The blob: `TPM2B_ID_OBJECT ‖ TPM2B_ENCRYPTED_SECRET ‖ TPM2B_PRIVATE ‖
//! TPM2B_ENCRYPTED_SECRET ‖ TPM2B_PUBLIC`.

use aes::cipher::{AsyncStreamCipher as _, KeyIvInit as _};
use hmac::{Hmac, Mac as _};
use rsa::{BigUint, Oaep, RsaPublicKey};
use sha2::{Digest as _, Sha256};

const ALG_RSA: u16 = 0x0001;
const ALG_KEYEDHASH: u16 = 0x0008;
const ALG_HMAC: u16 = 0x0005;
const ALG_SHA256: u16 = 0x000B;
const ALG_NULL: u16 = 0x0010;

/// An RSA public area from a `TPM2B_PUBLIC`, with its name.
pub(crate) struct RsaArea {
    key: RsaPublicKey,
    /// `nameAlg ‖ SHA-256(TPMT_PUBLIC)`.
    pub(crate) name: Vec<u8>,
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("the public area is truncated".into());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u16(&mut self) -> Result<u16, String> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        self.take(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn sized(&mut self) -> Result<&'a [u8], String> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
}

/// Parses a marshalled `TPM2B_PUBLIC` of an RSA key with a SHA-256 name.
pub(crate) fn parse_rsa(tpm2b: &[u8]) -> Result<RsaArea, String> {
    let mut r = Reader(tpm2b);
    let body = r.sized()?;
    if !r.0.is_empty() {
        return Err("bytes after the public area".into());
    }
    let mut p = Reader(body);
    if p.u16()? != ALG_RSA {
        return Err("not an RSA key".into());
    }
    if p.u16()? != ALG_SHA256 {
        return Err("its name algorithm is not SHA-256".into());
    }
    p.u32()?; // objectAttributes
    p.sized()?; // authPolicy
    if p.u16()? != ALG_NULL {
        p.u16()?; // keyBits
        p.u16()?; // mode
    }
    if p.u16()? != ALG_NULL {
        p.u16()?; // scheme hash
    }
    p.u16()?; // keyBits
    let exponent = match p.u32()? {
        0 => 65_537,
        e => e,
    };
    let modulus = p.sized()?;
    let key = RsaPublicKey::new(BigUint::from_bytes_be(modulus), BigUint::from(exponent))
        .map_err(|e| format!("not a usable RSA key: {e}"))?;
    let mut name = ALG_SHA256.to_be_bytes().to_vec();
    name.extend_from_slice(&Sha256::digest(body));
    Ok(RsaArea { key, name })
}

/// KDFa (TPM 2.0 Part 1 §11.4.10.2) with HMAC-SHA256.
fn kdfa(key: &[u8], label: &str, context_u: &[u8], context_v: &[u8], bits: u32) -> Vec<u8> {
    let bytes = usize::try_from(bits / 8).unwrap_or(0);
    let mut out = Vec::with_capacity(bytes + 32);
    let mut counter: u32 = 1;
    while out.len() < bytes {
        let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(key).expect("any key length");
        mac.update(&counter.to_be_bytes());
        mac.update(label.as_bytes());
        mac.update(&[0]);
        mac.update(context_u);
        mac.update(context_v);
        mac.update(&bits.to_be_bytes());
        out.extend_from_slice(&mac.finalize().into_bytes());
        counter += 1;
    }
    out.truncate(bytes);
    out
}

fn hmac256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(key).expect("any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

fn cfb_encrypt(key: &[u8], data: &mut [u8]) {
    let iv = [0u8; 16];
    cfb_mode::Encryptor::<aes::Aes128>::new_from_slices(key, &iv)
        .expect("a 16-byte key and IV")
        .encrypt(data);
}

fn tpm2b(bytes: &[u8]) -> Vec<u8> {
    let mut out = u16::try_from(bytes.len())
        .unwrap_or(u16::MAX)
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(bytes);
    out
}

/// Encrypts `seed` to `key` with RSA-OAEP(SHA-256) and the TPM's label (NUL included).
fn oaep(key: &RsaPublicKey, label: &str, seed: &[u8]) -> Result<Vec<u8>, String> {
    let padding = Oaep::new_with_label::<Sha256, _>(format!("{label}\0"));
    key.encrypt(&mut rand08(), padding, seed)
        .map_err(|e| format!("RSA-OAEP failed: {e}"))
}

/// `rsa` 0.9 takes a rand_core 0.6 RNG: the OS's.
fn rand08() -> rsa::rand_core::OsRng {
    rsa::rand_core::OsRng
}

/// `TPM2_MakeCredential`: `credential` for `ek`, bound to the object named `name`.
/// Returns (`TPM2B_ID_OBJECT`, `TPM2B_ENCRYPTED_SECRET`).
fn make_credential(
    ek: &RsaArea,
    credential: &[u8],
    name: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let seed: [u8; 32] = rand::random();
    let secret = tpm2b(&oaep(&ek.key, "IDENTITY", &seed)?);
    let sym = kdfa(&seed, "STORAGE", name, &[], 128);
    let mut enc_identity = tpm2b(credential);
    cfb_encrypt(&sym, &mut enc_identity);
    let hmac_key = kdfa(&seed, "INTEGRITY", &[], &[], 256);
    let integrity = hmac256(&hmac_key, &[&enc_identity, name]);
    let mut id_object = tpm2b(&integrity);
    id_object.extend_from_slice(&enc_identity);
    Ok((tpm2b(&id_object), secret))
}

/// The key blob for a device whose EK and SRK public areas are `ek` and `srk`: `hmac_key`
/// becomes an HMAC-SHA256 key the device's TPM imports under its SRK.
pub fn authentication_key(ek: &[u8], srk: &[u8], hmac_key: &[u8]) -> Result<Vec<u8>, String> {
    let ek = parse_rsa(ek).map_err(|e| format!("endorsementKey: {e}"))?;
    let srk = parse_rsa(srk).map_err(|e| format!("storageRootKey: {e}"))?;
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
    let mut object_name = ALG_SHA256.to_be_bytes().to_vec();
    object_name.extend_from_slice(&Sha256::digest(&public));
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
    cfb_encrypt(&inner_key, &mut dup_sensitive);
    // Outer wrapper: a seed for the SRK.
    let seed: [u8; 32] = rand::random();
    let in_sym_seed = tpm2b(&oaep(&srk.key, "DUPLICATE", &seed)?);
    let sym = kdfa(&seed, "STORAGE", &object_name, &[], 128);
    cfb_encrypt(&sym, &mut dup_sensitive);
    let hmac_key2 = kdfa(&seed, "INTEGRITY", &[], &[], 256);
    let outer = hmac256(&hmac_key2, &[&dup_sensitive, &object_name]);
    let mut duplicate = tpm2b(&outer);
    duplicate.extend_from_slice(&dup_sensitive);
    // The credential is the inner key, bound to the SRK's name.
    let (id_object, secret) = make_credential(&ek, &inner_key, &srk.name)?;
    let mut blob = id_object;
    blob.extend_from_slice(&secret);
    blob.extend_from_slice(&tpm2b(&duplicate));
    blob.extend_from_slice(&in_sym_seed);
    blob.extend_from_slice(&tpm2b(&public));
    Ok(blob)
}
