//! The PKCS#11 backend: the signing CA key lives in a token (an HSM; SoftHSM2 in tests and
//! benchmarks), generated there with `CKA_SENSITIVE=true` and `CKA_EXTRACTABLE=false`, so it
//! can sign but never be read out. The station hashes with SHA-256 and the token signs the
//! digest with `CKM_ECDSA`.
//!
//! One PKCS#11 context per module is kept for the life of the process (modules allow one
//! `C_Initialize`), and one logged-in session per key, behind a mutex.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use rcgen::{PublicKeyData, SigningKey};
use sha2::{Digest, Sha256};

use super::{PkiError, SigningCa, read_certificates};

/// The Debian 12 path of SoftHSM2's PKCS#11 module.
pub const SOFTHSM2_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// DER of the P-256 curve OID (`prime256v1`), the `CKA_EC_PARAMS` of generated keys.
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// A signing CA whose key is in a PKCS#11 token.
pub type Pkcs11Ca = SigningCa<Pkcs11Key>;

/// A P-256 private key in a token, with a logged-in session to sign with.
pub struct Pkcs11Key {
    session: Mutex<Session>,
    key: ObjectHandle,
    /// The uncompressed public point (65 bytes).
    public: Vec<u8>,
    token: String,
    label: String,
}

/// How a key object in a token is protected, as the token reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyProtection {
    /// `CKA_SENSITIVE`: the key value can never be read in the clear.
    pub sensitive: bool,
    /// `CKA_EXTRACTABLE`: the key can be wrapped out of the token.
    pub extractable: bool,
    /// `CKA_ALWAYS_SENSITIVE`: the key has been sensitive since it was made.
    pub always_sensitive: bool,
    /// `CKA_NEVER_EXTRACTABLE`: the key has never been extractable.
    pub never_extractable: bool,
}

impl std::fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Key")
            .field("token", &self.token)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl Pkcs11Key {
    /// Opens the private key labelled `key_label` in the token labelled `token_label`,
    /// logging in with `pin`.
    pub fn open(
        module: &Path,
        token_label: &str,
        key_label: &str,
        pin: &str,
    ) -> Result<Self, PkiError> {
        let session = login(module, token_label, pin)?;
        let find = |class| {
            session
                .find_objects(&[
                    Attribute::Class(class),
                    Attribute::Label(key_label.as_bytes().to_vec()),
                ])
                .map_err(op("find objects"))
        };
        let private = find(ObjectClass::PRIVATE_KEY)?;
        let key = *private.first().ok_or_else(|| PkiError::KeyNotFound {
            token: token_label.to_owned(),
            key: key_label.to_owned(),
        })?;
        let public_obj =
            *find(ObjectClass::PUBLIC_KEY)?
                .first()
                .ok_or_else(|| PkiError::KeyNotFound {
                    token: token_label.to_owned(),
                    key: format!("{key_label} (public half)"),
                })?;
        let public = ec_point(&session, public_obj)?;
        Ok(Self {
            session: Mutex::new(session),
            key,
            public,
            token: token_label.to_owned(),
            label: key_label.to_owned(),
        })
    }

    /// Generates a P-256 key pair in the token, private half sensitive and never extractable,
    /// labelled `key_label`. Refuses if a key with that label exists.
    pub fn generate(
        module: &Path,
        token_label: &str,
        key_label: &str,
        pin: &str,
    ) -> Result<Self, PkiError> {
        let session = login(module, token_label, pin)?;
        let label = key_label.as_bytes().to_vec();
        let existing = session
            .find_objects(&[Attribute::Label(label.clone())])
            .map_err(op("find objects"))?;
        if !existing.is_empty() {
            return Err(PkiError::KeyExists {
                token: token_label.to_owned(),
                key: key_label.to_owned(),
            });
        }
        let mut id = vec![0u8; 16];
        rand::fill(&mut id[..]);
        let public_template = [
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::KeyType(KeyType::EC),
            Attribute::EcParams(P256_PARAMS.to_vec()),
            Attribute::Label(label.clone()),
            Attribute::Id(id.clone()),
        ];
        let private_template = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::KeyType(KeyType::EC),
            Attribute::Label(label),
            Attribute::Id(id),
        ];
        let (public_obj, key) = session
            .generate_key_pair(
                &Mechanism::EccKeyPairGen,
                &public_template,
                &private_template,
            )
            .map_err(op("generate key pair"))?;
        let public = ec_point(&session, public_obj)?;
        tracing::info!(
            token = token_label,
            key = key_label,
            "generated CA key in token"
        );
        Ok(Self {
            session: Mutex::new(session),
            key,
            public,
            token: token_label.to_owned(),
            label: key_label.to_owned(),
        })
    }

    /// The protection attributes of the private key, as the token reports them.
    pub fn protection(&self) -> Result<KeyProtection, PkiError> {
        let session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let attrs = session
            .get_attributes(
                self.key,
                &[
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                    AttributeType::AlwaysSensitive,
                    AttributeType::NeverExtractable,
                ],
            )
            .map_err(op("get attributes"))?;
        let mut p = KeyProtection {
            sensitive: false,
            extractable: true,
            always_sensitive: false,
            never_extractable: false,
        };
        for a in attrs {
            match a {
                Attribute::Sensitive(v) => p.sensitive = v,
                Attribute::Extractable(v) => p.extractable = v,
                Attribute::AlwaysSensitive(v) => p.always_sensitive = v,
                Attribute::NeverExtractable(v) => p.never_extractable = v,
                _ => {}
            }
        }
        Ok(p)
    }

    /// Tries to read the private key's value (`CKA_VALUE`); a protected key refuses. Returns
    /// whether the token handed out any bytes.
    pub fn value_readable(&self) -> bool {
        let session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        matches!(
            session.get_attributes(self.key, &[AttributeType::Value]),
            Ok(attrs) if attrs.iter().any(|a| matches!(a, Attribute::Value(v) if !v.is_empty()))
        )
    }
}

impl PublicKeyData for Pkcs11Key {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl SigningKey for Pkcs11Key {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let digest = Sha256::digest(msg);
        let session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let raw = session
            .sign(&Mechanism::Ecdsa, self.key, &digest)
            .map_err(|e| {
                tracing::error!(error = %e, token = %self.token, key = %self.label, "PKCS#11 sign failed");
                rcgen::Error::RemoteKeyError
            })?;
        ecdsa_raw_to_der(&raw).ok_or(rcgen::Error::RemoteKeyError)
    }
}

/// Loads a signing CA whose key is in a token: certificate (first PEM certificate in `cert`),
/// intermediates, and the key labelled `key_label` in `token_label`.
pub fn load_ca(
    cert: &Path,
    intermediates: &[PathBuf],
    module: &Path,
    token_label: &str,
    key_label: &str,
    pin: &str,
) -> Result<Pkcs11Ca, PkiError> {
    let cert_der = super::file::first_certificate(cert)?;
    let mut chain = Vec::new();
    for path in intermediates {
        chain.extend(read_certificates(path)?);
    }
    let key = Pkcs11Key::open(module, token_label, key_label, pin)?;
    SigningCa::new(cert_der, chain, key, cert, "pkcs11")
}

/// Initialises a fresh token labelled `label` in the first slot without one, with the SO and
/// user PINs given. For development tokens (SoftHSM2 in tests, benchmarks and the demo); a
/// production HSM is initialised with its vendor's tools.
pub fn init_token(
    module: &Path,
    label: &str,
    so_pin: &str,
    user_pin: &str,
) -> Result<(), PkiError> {
    let ctx = context(module)?;
    let slots = ctx.get_all_slots().map_err(op("list slots"))?;
    let slot = slots
        .into_iter()
        .find(|s| ctx.get_token_info(*s).is_ok_and(|t| !t.token_initialized()))
        .ok_or_else(|| PkiError::TokenNotFound {
            label: "(an uninitialised token)".into(),
            module: module.to_owned(),
        })?;
    let so = AuthPin::from(so_pin.to_owned());
    ctx.init_token(slot, &so, label)
        .map_err(op("initialise token"))?;
    let session = ctx.open_rw_session(slot).map_err(op("open session"))?;
    session
        .login(UserType::So, Some(&so))
        .map_err(op("log in as SO"))?;
    session
        .init_pin(&AuthPin::from(user_pin.to_owned()))
        .map_err(op("set user PIN"))?;
    Ok(())
}

/// The process-wide context of `module`, loaded and initialised on first use.
fn context(module: &Path) -> Result<Pkcs11, PkiError> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut map = CONTEXTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(ctx) = map.get(module) {
        return Ok(ctx.clone());
    }
    let fail = |source| PkiError::Module {
        module: module.to_owned(),
        source,
    };
    let ctx = Pkcs11::new(module).map_err(fail)?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(fail(e)),
    }
    map.insert(module.to_owned(), ctx.clone());
    Ok(ctx)
}

fn find_token(ctx: &Pkcs11, module: &Path, label: &str) -> Result<Slot, PkiError> {
    let slots = ctx.get_slots_with_token().map_err(op("list slots"))?;
    slots
        .into_iter()
        .find(|s| {
            ctx.get_token_info(*s)
                .is_ok_and(|t| t.label().trim_end() == label)
        })
        .ok_or_else(|| PkiError::TokenNotFound {
            label: label.to_owned(),
            module: module.to_owned(),
        })
}

/// Opens a read-write session on the token labelled `token_label` and logs the user in.
fn login(module: &Path, token_label: &str, pin: &str) -> Result<Session, PkiError> {
    let ctx = context(module)?;
    let slot = find_token(&ctx, module, token_label)?;
    let session = ctx.open_rw_session(slot).map_err(op("open session"))?;
    match session.login(UserType::User, Some(&AuthPin::from(pin.to_owned()))) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
        Err(e) => Err(op("log in")(e)),
    }
}

/// The uncompressed EC point of a public key object (`CKA_EC_POINT`, unwrapped from its DER
/// OCTET STRING when the token wraps it).
fn ec_point(session: &Session, public: ObjectHandle) -> Result<Vec<u8>, PkiError> {
    let attrs = session
        .get_attributes(public, &[AttributeType::EcPoint])
        .map_err(op("read public key"))?;
    let point = attrs
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(p) => Some(p),
            _ => None,
        })
        .unwrap_or_default();
    Ok(match point.as_slice() {
        [0x04, 0x41, rest @ ..] if rest.len() == 65 => rest.to_vec(),
        _ => point,
    })
}

/// `r ‖ s` (as `CKM_ECDSA` returns it) to a DER `ECDSA-Sig-Value`.
fn ecdsa_raw_to_der(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return None;
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let int = |v: &[u8]| {
        let v = match v.iter().position(|b| *b != 0) {
            Some(i) => &v[i..],
            None => &[0u8][..],
        };
        let mut out = vec![0x02];
        let pad = v[0] & 0x80 != 0;
        out.push((v.len() + usize::from(pad)) as u8);
        if pad {
            out.push(0);
        }
        out.extend_from_slice(v);
        out
    };
    let body: Vec<u8> = [int(r), int(s)].concat();
    let len = u8::try_from(body.len()).ok().filter(|l| *l < 0x80)?;
    let mut der = vec![0x30, len];
    der.extend(body);
    Some(der)
}

fn op(operation: &'static str) -> impl Fn(CkError) -> PkiError {
    move |source| PkiError::Pkcs11 { operation, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_signatures_become_der() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0x80; // r needs a sign byte
        raw[32] = 0x00;
        raw[33] = 0x01; // s has a leading zero to strip
        let der = ecdsa_raw_to_der(&raw).unwrap();
        assert_eq!(der[0], 0x30);
        assert_eq!(&der[2..5], &[0x02, 33, 0x00]);
        let s_start = 2 + 2 + 33;
        assert_eq!(&der[s_start..s_start + 2], &[0x02, 31]);
        assert_eq!(der.len(), 2 + 35 + 33);
        assert!(ecdsa_raw_to_der(&[1, 2, 3]).is_none());
    }
}
