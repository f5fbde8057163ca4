//! `enrollments.json` read back one record per line, its layout checked as it goes.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::schema::IndividualEnrollment;

use super::{BUFFER, JSON_FILE, VerifyError};

/// Where the reader is in the file's layout: `[`, one object per line separated by commas,
/// `]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Before the opening `[`.
    BeforeArray,
    /// Inside the array: records, or its closing `]`.
    InArray,
    /// After the closing `]`: only the end of the file may follow.
    AfterArray,
    /// The file ended, or a record failed: nothing more is read.
    Ended,
}

/// The records of a batch's `enrollments.json`, read one line at a time: an iterator of
/// `(line, enrollment)` that checks the file's layout (`[`, one object per line separated by
/// commas, `]`) as it goes and ends after the first error.
#[derive(Debug)]
pub struct JsonRecords<T = IndividualEnrollment> {
    path: PathBuf,
    what: &'static str,
    _records: std::marker::PhantomData<fn() -> T>,
    lines: std::io::Split<BufReader<File>>,
    line: u64,
    count: u64,
    layout: Layout,
    /// The last record ended with a comma: another one must follow.
    expect_more: bool,
    bytes: u64,
}

impl JsonRecords {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<Self, VerifyError> {
        Self::open_of(path, "an IndividualEnrollment")
    }
}

impl<T: serde::de::DeserializeOwned> JsonRecords<T> {
    /// Opens `path`, a file of `T` (`what` names it in errors).
    pub fn open_of(path: &Path, what: &'static str) -> Result<Self, VerifyError> {
        let file = File::open(path).map_err(|source| VerifyError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            path: path.to_owned(),
            what,
            _records: std::marker::PhantomData,
            lines: BufReader::with_capacity(BUFFER, file).split(b'\n'),
            line: 0,
            count: 0,
            layout: Layout::BeforeArray,
            expect_more: false,
            bytes: 0,
        })
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    fn fail(&mut self, line: u64, reason: String) -> Option<Result<(u64, T), VerifyError>> {
        self.layout = Layout::Ended;
        Some(Err(VerifyError::BadRecord {
            file: self
                .path
                .file_name()
                .map_or_else(|| JSON_FILE.into(), |n| n.to_string_lossy().into_owned()),
            line,
            reason,
        }))
    }
}

impl<T: serde::de::DeserializeOwned> Iterator for JsonRecords<T> {
    type Item = Result<(u64, T), VerifyError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.layout == Layout::Ended {
                return None;
            }
            let Some(line) = self.lines.next() else {
                if self.layout == Layout::AfterArray {
                    self.layout = Layout::Ended;
                    return None;
                }
                let n = self.count + 2;
                return self.fail(n, "the array is not closed".into());
            };
            let line = match line {
                Ok(l) => l,
                Err(source) => {
                    self.layout = Layout::Ended;
                    return Some(Err(VerifyError::Io {
                        path: self.path.clone(),
                        source,
                    }));
                }
            };
            self.line += 1;
            self.bytes += line.len() as u64 + 1;
            let n = self.line;
            match self.layout {
                Layout::BeforeArray if line == b"[" => self.layout = Layout::InArray,
                Layout::BeforeArray => {
                    return self.fail(n, "the file does not start with `[`".into());
                }
                Layout::InArray if line == b"]" => {
                    if self.expect_more {
                        return self.fail(n, "a comma before `]`".into());
                    }
                    self.layout = Layout::AfterArray;
                }
                Layout::InArray => {
                    if self.count > 0 && !self.expect_more {
                        return self.fail(n, "a missing comma".into());
                    }
                    let (body, more) = match line.strip_suffix(b",") {
                        Some(b) => (b, true),
                        None => (line.as_slice(), false),
                    };
                    match serde_json::from_slice::<T>(body) {
                        Ok(e) => {
                            self.count += 1;
                            self.expect_more = more;
                            return Some(Ok((n, e)));
                        }
                        Err(e) => {
                            let what = self.what;
                            return self.fail(n, format!("not {what}: {e}"));
                        }
                    }
                }
                Layout::AfterArray | Layout::Ended => {
                    return self.fail(n, "text after `]`".into());
                }
            }
        }
    }
}

/// One entry of `sealed-secrets.json`: an enrollment's device keys, sealed.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SealedEntry {
    /// The enrollment's registration ID.
    pub registration_id: String,
    /// The fingerprint of the recipients it is sealed to.
    pub sealed_to: String,
    /// The age ciphertext of the whole enrollment, base64.
    pub sealed: String,
}

impl std::fmt::Debug for SealedEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedEntry")
            .field("registration_id", &self.registration_id)
            .field("sealed_to", &self.sealed_to)
            .finish_non_exhaustive()
    }
}

/// Whether `e` shows its symmetric keys as `<redacted>`: its keys travel sealed.
pub fn keys_redacted(e: &IndividualEnrollment) -> bool {
    e.attestation
        .symmetric_key
        .as_ref()
        .is_some_and(|k| k.primary_key.as_deref() == Some(station_store::REDACTED))
}
