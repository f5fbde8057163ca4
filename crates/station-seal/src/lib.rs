//! Device secrets sealed where they are created.
//!
//! A symmetric key the station makes for a board is written to the board and, for its
//! enrollment, encrypted at once with [age](https://age-encryption.org/v1) to the X25519 public
//! keys (`age1…`) of whoever delivers it: the uploader's identity on an upload line, the
//! device operator's export recipients on an export line. The kiosk that creates it keeps
//! only the ciphertext and cannot read it back; only the holder of a matching identity
//! (`AGE-SECRET-KEY-1…`) opens it ([`Opener`]).
//!
//! One job: [`Sealer`] (public keys in, ciphertext out) and [`Opener`] (identity file in,
//! plaintext out, zeroised on drop). What is sealed, and when it is purged, is the store's and
//! the pipeline's business.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

/// What went wrong sealing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// A configured recipient is not an age X25519 public key.
    #[error("recipient {index} is not an age public key (age1…): {reason}")]
    BadRecipient {
        /// Its position in the list, from 1.
        index: usize,
        /// What the parser said.
        reason: String,
    },
    /// No recipient was given: nobody could open what would be sealed.
    #[error("no recipient to seal to")]
    NoRecipients,
    /// The encryption itself failed.
    #[error("sealing failed: {0}")]
    Encrypt(String),
}

/// What went wrong opening.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The identity file could not be read or holds no X25519 identity.
    #[error("the identity file {} is not usable: {reason}", path.display())]
    Identity {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The ciphertext was sealed to other recipients.
    #[error("sealed for another identity than {}", path.display())]
    NotForThisIdentity {
        /// The identity file tried.
        path: PathBuf,
    },
    /// The ciphertext is damaged.
    #[error("the sealed secret is damaged: {0}")]
    Corrupt(String),
}

/// Parses age X25519 public keys (`age1…`), surrounding blanks ignored.
pub fn parse_recipients(list: &[String]) -> Result<Vec<age::x25519::Recipient>, SealError> {
    list.iter()
        .enumerate()
        .map(|(i, r)| {
            age::x25519::Recipient::from_str(r.trim()).map_err(|reason| SealError::BadRecipient {
                index: i + 1,
                reason: reason.to_string(),
            })
        })
        .collect()
}

/// Reads an age recipients file (the format of `age -R`): one `age1…` per line, blank lines
/// and lines starting with `#` ignored.
pub fn read_recipients_file(path: &Path) -> std::io::Result<Vec<String>> {
    Ok(std::fs::read_to_string(path)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

/// A short, stable name for a set of recipients, recorded with what is sealed to them so a
/// batch sealed for one party is never handed to another: the first 16 hex digits of the
/// SHA-256 of the sorted, de-duplicated keys, one per line.
pub fn fingerprint(recipients: &[age::x25519::Recipient]) -> String {
    let mut keys: Vec<String> = recipients.iter().map(ToString::to_string).collect();
    keys.sort();
    keys.dedup();
    let digest = Sha256::digest(keys.join("\n").as_bytes());
    hex::encode(&digest[..8])
}

/// Seals to a fixed set of recipients.
#[derive(Clone)]
pub struct Sealer {
    recipients: Vec<age::x25519::Recipient>,
    fingerprint: String,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("recipients", &self.recipients.len())
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl Sealer {
    /// A sealer for `recipients` (`age1…`); at least one.
    pub fn new(recipients: &[String]) -> Result<Self, SealError> {
        let recipients = parse_recipients(recipients)?;
        if recipients.is_empty() {
            return Err(SealError::NoRecipients);
        }
        Ok(Self {
            fingerprint: fingerprint(&recipients),
            recipients,
        })
    }

    /// The recipients' [`fingerprint`].
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// How many recipients can open what this seals.
    pub fn recipient_count(&self) -> usize {
        self.recipients.len()
    }

    /// Encrypts `plaintext` to every recipient (binary age format).
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let fail = |e: &dyn std::fmt::Display| SealError::Encrypt(e.to_string());
        let encryptor = age::Encryptor::with_recipients(
            self.recipients.iter().map(|r| r as &dyn age::Recipient),
        )
        .map_err(|e| fail(&e))?;
        let mut out = Vec::with_capacity(plaintext.len() + 256);
        let mut writer = encryptor.wrap_output(&mut out).map_err(|e| fail(&e))?;
        writer.write_all(plaintext).map_err(|e| fail(&e))?;
        writer.finish().map_err(|e| fail(&e))?;
        Ok(out)
    }
}

/// Opens what was sealed to one of the X25519 identities of an identity file.
pub struct Opener {
    identities: Vec<age::x25519::Identity>,
    path: PathBuf,
}

impl std::fmt::Debug for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opener")
            .field("path", &self.path)
            .field("identities", &self.identities.len())
            .finish()
    }
}

impl Opener {
    /// Reads the identities of `path` (the format of `age-keygen`: `AGE-SECRET-KEY-1…` lines,
    /// `#` comments). A file that cannot be read, or holds no identity, is an error.
    pub fn from_file(path: &Path) -> Result<Self, OpenError> {
        let bad = |reason: String| OpenError::Identity {
            path: path.to_owned(),
            reason,
        };
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?);
        Self::parse(&text, path)
    }

    /// Reads the identities of `text`, an identity file's content; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, OpenError> {
        let bad = |reason: String| OpenError::Identity {
            path: path.to_owned(),
            reason,
        };
        let mut identities = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            identities.push(
                age::x25519::Identity::from_str(line)
                    .map_err(|e| bad(format!("line {} is not an age identity: {e}", n + 1)))?,
            );
        }
        if identities.is_empty() {
            return Err(bad("it holds no identity".into()));
        }
        Ok(Self {
            identities,
            path: path.to_owned(),
        })
    }

    /// The identity file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The public keys (`age1…`) of the identities: what a station seals to for this opener.
    pub fn recipients(&self) -> Vec<String> {
        self.identities
            .iter()
            .map(|i| i.to_public().to_string())
            .collect()
    }

    /// The [`fingerprint`] of the identities' public keys.
    pub fn fingerprint(&self) -> String {
        fingerprint(
            &self
                .identities
                .iter()
                .map(age::x25519::Identity::to_public)
                .collect::<Vec<_>>(),
        )
    }

    /// Decrypts `ciphertext`; the plaintext is zeroised when dropped.
    pub fn open(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        let corrupt = |e: &dyn std::fmt::Display| OpenError::Corrupt(e.to_string());
        let decryptor = age::Decryptor::new(ciphertext).map_err(|e| corrupt(&e))?;
        let mut reader = decryptor
            .decrypt(self.identities.iter().map(|i| i as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => OpenError::NotForThisIdentity {
                    path: self.path.clone(),
                },
                other => corrupt(&other),
            })?;
        let mut out = Zeroizing::new(Vec::new());
        reader.read_to_end(&mut out).map_err(|e| corrupt(&e))?;
        Ok(out)
    }
}

/// A new identity: its file text (`AGE-SECRET-KEY-1…` with a comment naming its public key,
/// as `age-keygen` writes it) and its public key.
pub fn generate_identity() -> (Zeroizing<String>, String) {
    use age::secrecy::ExposeSecret as _;
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let text = Zeroizing::new(format!(
        "# public key: {public}\n{}\n",
        identity.to_string().expose_secret()
    ));
    (text, public)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn identity(dir: &Path, name: &str) -> (PathBuf, String) {
        let (text, public) = generate_identity();
        let path = dir.join(name);
        std::fs::write(&path, text.as_bytes()).unwrap();
        (path, public)
    }

    #[test]
    fn what_is_sealed_opens_only_with_a_matching_identity() {
        let dir = tempfile::tempdir().unwrap();
        let (uploader, uploader_pub) = identity(dir.path(), "uploader");
        let (operator, operator_pub) = identity(dir.path(), "operator");
        let (stranger, _) = identity(dir.path(), "stranger");
        let sealer = Sealer::new(&[uploader_pub.clone(), operator_pub]).unwrap();
        let sealed = sealer.seal(b"primaryKey=secret").unwrap();
        assert!(
            !sealed
                .windows(b"secret".len())
                .any(|w| w == b"secret".as_slice()),
            "the ciphertext must not hold the plaintext"
        );
        for id in [&uploader, &operator] {
            let opened = Opener::from_file(id).unwrap().open(&sealed).unwrap();
            assert_eq!(opened.as_slice(), b"primaryKey=secret");
        }
        assert!(matches!(
            Opener::from_file(&stranger).unwrap().open(&sealed),
            Err(OpenError::NotForThisIdentity { .. })
        ));
        let opener = Opener::from_file(&uploader).unwrap();
        assert_eq!(opener.recipients(), vec![uploader_pub.clone()]);
        assert_eq!(
            opener.fingerprint(),
            Sealer::new(&[uploader_pub]).unwrap().fingerprint()
        );
    }

    #[test]
    fn a_damaged_ciphertext_is_refused_not_misread() {
        let dir = tempfile::tempdir().unwrap();
        let (id, public) = identity(dir.path(), "id");
        let mut sealed = Sealer::new(&[public]).unwrap().seal(b"key").unwrap();
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(matches!(
            Opener::from_file(&id).unwrap().open(&sealed),
            Err(OpenError::Corrupt(_))
        ));
    }

    #[test]
    fn the_fingerprint_ignores_order_and_repeats() {
        let a = generate_identity().1;
        let b = generate_identity().1;
        let one = Sealer::new(&[a.clone(), b.clone()]).unwrap();
        let two = Sealer::new(&[b.clone(), a.clone(), b]).unwrap();
        assert_eq!(one.fingerprint(), two.fingerprint());
        assert_ne!(one.fingerprint(), Sealer::new(&[a]).unwrap().fingerprint());
    }

    #[test]
    fn bad_inputs_say_which() {
        assert!(matches!(Sealer::new(&[]), Err(SealError::NoRecipients)));
        assert!(matches!(
            Sealer::new(&[generate_identity().1, "age1nope".into()]),
            Err(SealError::BadRecipient { index: 2, .. })
        ));
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "# nothing\n").unwrap();
        assert!(matches!(
            Opener::from_file(&empty),
            Err(OpenError::Identity { .. })
        ));
        let recipients = dir.path().join("recipients");
        std::fs::write(&recipients, "# operator\n\n  age1abc \n").unwrap();
        assert_eq!(read_recipients_file(&recipients).unwrap(), vec!["age1abc"]);
    }
}
