//! A signed export batch sealed for the device operator: the batch folder, as
//! [`crate::export::write_export`] writes and signs it, packed in a tar archive and encrypted
//! as a whole with [age](https://age-encryption.org/v1) to the operator's X25519 public keys
//! (`age1…`). One file that can travel by e-mail or USB stick; only the holder of a matching
//! identity (`AGE-SECRET-KEY-1…`, e.g. from `age-keygen`) can open it, and opening it gives
//! back the folder, which is then verified exactly as an unsealed one.
//!
//! The archive holds only the batch's plain files (no folders, links or paths) and is written
//! to a private `.partial` file that is renamed once complete, so a crash leaves no half
//! batch under the final name. The plaintext folder is removed once the sealed file is on disk.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use station_store::private_files;

/// The file name ending of a sealed batch.
pub const SEALED_EXTENSION: &str = "tar.age";

/// Where the sealed file of the batch folder `dir` goes: `<dir>.tar.age`, beside it.
pub fn sealed_path(dir: &Path) -> PathBuf {
    let mut out = dir.as_os_str().to_owned();
    out.push(".");
    out.push(SEALED_EXTENSION);
    PathBuf::from(out)
}

/// Largest file a sealed batch may hold (the enrollments of several million units).
const MAX_ENTRY_BYTES: u64 = 64 << 30;

/// What went wrong sealing or opening a batch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// A configured recipient is not an age X25519 public key.
    #[error("export recipient {index} is not an age public key (age1…): {reason}")]
    BadRecipient {
        /// Its position in the list, from 1.
        index: usize,
        /// What the parser said.
        reason: String,
    },
    /// Writing the sealed file failed.
    #[error("could not write the sealed batch {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The identity file could not be read or holds no age identity.
    #[error("the identity file {} is not usable: {reason}", path.display())]
    BadIdentity {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// None of the identities opens the batch: it was sealed for someone else.
    #[error("the batch {} was not sealed for this identity", path.display())]
    NotForThisIdentity {
        /// The sealed file.
        path: PathBuf,
    },
    /// The sealed file is damaged: decryption or the archive inside failed.
    #[error("the sealed batch {} is damaged: {reason}", path.display())]
    Corrupt {
        /// The sealed file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The archive holds something other than the batch's plain files.
    #[error("the sealed batch holds {entry:?}, which is not a batch file")]
    BadEntry {
        /// The entry's name or type.
        entry: String,
    },
}

impl station_errors::Coded for SealError {
    fn code(&self) -> &'static str {
        match self {
            Self::BadRecipient { .. } => "station::export::bad_recipient",
            Self::Write { .. } => "station::export::seal_io",
            Self::BadIdentity { .. } => "station::verify::bad_identity",
            Self::NotForThisIdentity { .. } => "station::verify::not_for_this_identity",
            Self::Corrupt { .. } => "station::verify::sealed_corrupt",
            Self::BadEntry { .. } => "station::verify::sealed_entry",
        }
    }
}

/// Parses the configured recipients (`age1…`).
pub fn parse_recipients(list: &[String]) -> Result<Vec<age::x25519::Recipient>, SealError> {
    station_seal::parse_recipients(list).map_err(|e| match e {
        station_seal::SealError::BadRecipient { index, reason } => {
            SealError::BadRecipient { index, reason }
        }
        other => SealError::BadRecipient {
            index: 0,
            reason: other.to_string(),
        },
    })
}

/// What [`seal_dir`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The sealed file.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256, lower-case hex (for the hand-over note).
    pub sha256: String,
}

/// Packs every file of `dir` (a written, signed batch) into `out`, encrypted to `recipients`,
/// then removes `dir`. `out` must not exist.
pub fn seal_dir(
    dir: &Path,
    recipients: &[age::x25519::Recipient],
    out: &Path,
) -> Result<Sealed, SealError> {
    let fail = |source| SealError::Write {
        path: out.to_owned(),
        source,
    };
    if out.exists() {
        return Err(fail(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the file exists",
        )));
    }
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| fail(io::Error::other(e.to_string())))?;
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = (|| -> io::Result<(u64, String)> {
        let file = private_files::create(&partial)?;
        let hashing = HashingFile {
            file: BufWriter::new(file),
            hasher: Sha256::new(),
            bytes: 0,
        };
        let encrypted = encryptor
            .wrap_output(hashing)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let mut archive = tar::Builder::new(encrypted);
        let mut names: Vec<_> = std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()?;
        names.sort();
        for name in names {
            let path = dir.join(&name);
            let mut f = File::open(&path)?;
            let mut header = tar::Header::new_gnu();
            header.set_size(f.metadata()?.len());
            header.set_mode(0o600);
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mtime(0);
            archive.append_data(&mut header, Path::new(&name), &mut f)?;
        }
        let hashing = archive.into_inner()?.finish()?;
        let HashingFile {
            file,
            hasher,
            bytes,
        } = hashing;
        let file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        std::fs::rename(&partial, out)?;
        private_files::sync_parent(out)?;
        Ok((bytes, hex::encode(hasher.finalize())))
    })();
    let (bytes, sha256) = match written {
        Ok(b) => b,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(fail(e));
        }
    };
    // The removal made durable too: after a power cut the plaintext batch must not be back.
    std::fs::remove_dir_all(dir).map_err(fail)?;
    private_files::sync_parent(dir).map_err(fail)?;
    Ok(Sealed {
        path: out.to_owned(),
        bytes,
        sha256,
    })
}

/// Whether `path` looks like a sealed batch (a file, not a batch folder).
pub fn is_sealed(path: &Path) -> bool {
    path.is_file()
}

/// Decrypts `sealed` with the identities in `identity_file` and unpacks the batch into a
/// private temporary folder (removed when the returned value is dropped), ready for
/// [`crate::export::verify_export`].
pub fn open_sealed(sealed: &Path, identity_file: &Path) -> Result<tempfile::TempDir, SealError> {
    let bad_identity = |reason: String| SealError::BadIdentity {
        path: identity_file.to_owned(),
        reason,
    };
    let corrupt = |reason: String| SealError::Corrupt {
        path: sealed.to_owned(),
        reason,
    };
    let identities = age::IdentityFile::from_file(identity_file.to_string_lossy().into_owned())
        .map_err(|e| bad_identity(e.to_string()))?
        .into_identities()
        .map_err(|e| bad_identity(e.to_string()))?;
    if identities.is_empty() {
        return Err(bad_identity("it holds no identity".into()));
    }
    let file = File::open(sealed).map_err(|e| corrupt(e.to_string()))?;
    let decryptor =
        age::Decryptor::new(BufReader::new(file)).map_err(|e| corrupt(e.to_string()))?;
    let reader = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => SealError::NotForThisIdentity {
                path: sealed.to_owned(),
            },
            other => corrupt(other.to_string()),
        })?;
    let out = tempfile::Builder::new()
        .prefix("station-batch-")
        .tempdir()
        .map_err(|e| corrupt(format!("no temporary folder: {e}")))?;
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(|e| corrupt(e.to_string()))? {
        let mut entry = entry.map_err(|e| corrupt(e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| corrupt(e.to_string()))?
            .into_owned();
        let components: Vec<_> = path.components().collect();
        let name = match (entry.header().entry_type(), components.as_slice()) {
            (tar::EntryType::Regular, [std::path::Component::Normal(name)]) => name.to_owned(),
            (kind, _) => {
                return Err(SealError::BadEntry {
                    entry: format!("{} ({kind:?})", path.display()),
                });
            }
        };
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(SealError::BadEntry {
                entry: format!("{} ({} bytes)", path.display(), entry.size()),
            });
        }
        let target = out.path().join(name);
        let mut f = private_files::create_new(&target).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                SealError::BadEntry {
                    entry: format!("{} (twice)", path.display()),
                }
            } else {
                corrupt(e.to_string())
            }
        })?;
        io::copy(&mut (&mut entry).take(MAX_ENTRY_BYTES), &mut f)
            .map_err(|e| corrupt(e.to_string()))?;
    }
    Ok(out)
}

/// Counts and hashes what goes to the file.
struct HashingFile<W> {
    file: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingFile<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}
