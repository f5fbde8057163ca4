//! Reading a config file: TOML parsing, turning serde errors into precise [`ConfigError`]s,
//! resolving relative paths and running [`StationConfig::check`].

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::{CheckProblem, ConfigError, ParseError, ParseErrorKind};
use crate::locate::{Document, Node, Seg, describe_table, dotted, parse_dotted};
use crate::types::{
    AttestationConfig, CaConfig, INLINE_SECRET_MESSAGE, SECRET_KEYS, SECRET_SOURCE_MESSAGE,
    SecretSource, StationConfig, SymmetricEnrollment,
};

/// Reads, parses and checks the config file at `path`.
///
/// Relative paths in the file are resolved against the file's directory (made absolute using the
/// current directory).
///
/// # Errors
///
/// [`ConfigError::Io`] if the file cannot be read, [`ConfigError::Parse`] if it is not valid TOML
/// or does not match the schema, [`ConfigError::Invalid`] if [`StationConfig::check`] fails,
/// [`ConfigError::Unsafe`] if the file, a secret file it names or its PKCS#11 module could be
/// changed by someone else (`safety`). All name `path` as given.
pub fn load(path: &Path) -> Result<StationConfig, ConfigError> {
    let text = read(path)?;
    crate::safety::check_file(path, "the configuration", false)
        .map_err(|e| ConfigError::Unsafe(Box::new(e)))?;
    let base = std::path::absolute(path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let config = parse_with_base(&text, path, &base)?;
    crate::safety::check_named_files(&config).map_err(|e| ConfigError::Unsafe(Box::new(e)))?;
    Ok(config)
}

/// Parses and checks config `text` as if read from `origin`.
///
/// `origin` names the file in messages, and relative paths are resolved against its parent
/// directory (left relative if `origin` has none).
///
/// # Errors
///
/// [`ConfigError::Parse`] or [`ConfigError::Invalid`], as for [`load`].
pub fn parse_str(text: &str, origin: &Path) -> Result<StationConfig, ConfigError> {
    parse_with_base(text, origin, origin.parent().unwrap_or(Path::new("")))
}

fn parse_with_base(text: &str, origin: &Path, base: &Path) -> Result<StationConfig, ConfigError> {
    let (mut config, doc) = parse_toml::<StationConfig>(text, origin)?;
    resolve_paths(&mut config, base);
    config
        .check()
        .map_err(|problems| invalid(origin, &doc, problems))?;
    Ok(config)
}

/// Reads `path` to a string, mapping failures to [`ConfigError::Io`].
pub(crate) fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Parses `text` into `T`, keeping the document for locating later problems.
pub(crate) fn parse_toml<'i, T: DeserializeOwned>(
    text: &'i str,
    origin: &Path,
) -> Result<(T, Document<'i>), ConfigError> {
    let doc = Document::parse(text).map_err(|err| syntax_error(origin, text, &err))?;
    let value = doc
        .deserialize()
        .map_err(|err| schema_error(origin, &doc, &err))?;
    Ok((value, doc))
}

/// Wraps check problems in [`ConfigError::Invalid`], filling in the line of each key.
pub(crate) fn invalid(
    origin: &Path,
    doc: &Document<'_>,
    mut problems: Vec<CheckProblem>,
) -> ConfigError {
    for problem in &mut problems {
        if let Some(span) = doc.span_of(&parse_dotted(&problem.key)) {
            problem.line = Some(doc.line_col(span.start).0);
        }
    }
    ConfigError::Invalid {
        path: origin.to_owned(),
        problems,
    }
}

fn resolve_paths(config: &mut StationConfig, base: &Path) {
    resolve(base, &mut config.station.log_dir);
    resolve(base, &mut config.storage.database);
    if let Some(ports_file) = &mut config.fixture.ports_file {
        resolve(base, ports_file);
    }
    if let Some(definition) = &mut config.fixture.definition {
        resolve(base, definition);
    }
    for media in &mut config.kiosk.removable_media {
        resolve(base, media);
    }
    if let Some(upload) = &mut config.upload {
        if let Some(trust_anchor) = &mut upload.trust_anchor {
            resolve(base, trust_anchor);
        }
        resolve(base, &mut upload.signing_key);
        resolve(base, &mut upload.export_dir);
        if let Some(SecretSource::File { file }) = &mut upload.connection_string {
            resolve(base, file);
        }
    }
    if let Some(SecretSource::File { file }) =
        config.line_db.as_mut().and_then(|l| l.password.as_mut())
    {
        resolve(base, file);
    }
    if let Some(ca_file) = config.line_db.as_mut().and_then(|l| l.ca_file.as_mut()) {
        resolve(base, ca_file);
    }
    if let Some(SecretSource::File { file }) = config
        .line_db
        .as_mut()
        .and_then(|l| l.admin_password.as_mut())
    {
        resolve(base, file);
    }
    for file in [
        &mut config.secrets.recipients_file,
        &mut config.secrets.identity_file,
    ]
    .into_iter()
    .flatten()
    {
        resolve(base, file);
    }
    for product in &mut config.products {
        if let Some(file) = product.initial_twin.as_mut().and_then(|t| t.file.as_mut()) {
            resolve(base, file);
        }
        if let AttestationConfig::X509 { ca, .. } = &mut product.attestation {
            let (certificate, intermediates, root, secret) = match ca {
                CaConfig::File {
                    certificate,
                    intermediates,
                    root,
                    key,
                    passphrase,
                } => {
                    resolve(base, key);
                    (certificate, intermediates, root, passphrase)
                }
                CaConfig::Pkcs11 {
                    certificate,
                    intermediates,
                    root,
                    pin,
                    ..
                } => (certificate, intermediates, root, pin),
            };
            resolve(base, certificate);
            intermediates.iter_mut().for_each(|p| resolve(base, p));
            if let Some(root) = root {
                resolve(base, root);
            }
            if let SecretSource::File { file } = secret {
                resolve(base, file);
            }
        }
        if let AttestationConfig::Tpm {
            vendor_roots,
            vendor_intermediates,
            ..
        } = &mut product.attestation
        {
            vendor_roots
                .iter_mut()
                .chain(vendor_intermediates.iter_mut())
                .for_each(|p| resolve(base, p));
        }
        if let AttestationConfig::SymmetricKey {
            enrollment:
                SymmetricEnrollment::Group {
                    group_key: SecretSource::File { file },
                    ..
                },
        } = &mut product.attestation
        {
            resolve(base, file);
        }
    }
}

/// Joins a relative `path` onto `base`; empty paths stay empty so `check()` can report them.
fn resolve(base: &Path, path: &mut PathBuf) {
    if path.is_relative() && !path.as_os_str().is_empty() {
        *path = base.join(&*path);
    }
}

fn syntax_error(origin: &Path, text: &str, err: &toml::de::Error) -> ConfigError {
    let (line, column) = crate::locate::line_col(text, err.span().map_or(0, |s| s.start));
    ConfigError::Parse(Box::new(ParseError {
        path: origin.to_owned(),
        line,
        column,
        key: None,
        message: format!("invalid TOML: {}", err.message().trim_end_matches('.')),
        suggestion: None,
        kind: ParseErrorKind::Syntax,
        help: None,
    }))
}

/// What a serde error message says, split into its parts.
enum Complaint<'m> {
    UnknownKey {
        name: &'m str,
        expected: Vec<&'m str>,
    },
    UnknownValue {
        name: &'m str,
        expected: Vec<&'m str>,
    },
    MissingKey {
        name: &'m str,
    },
    WrongType {
        found: &'m str,
        expected: &'m str,
    },
    OutOfRange {
        found: &'m str,
        expected: &'m str,
    },
    InlineSecret,
    SecretShape,
    Other,
}

impl<'m> Complaint<'m> {
    fn read(message: &'m str) -> Self {
        let (first, rest) = first_quoted(message);
        let found_expected = |rest: &'m str| rest.rsplit_once(", expected ");
        if message.starts_with("unknown field `") {
            Self::UnknownKey {
                name: first,
                expected: all_quoted(rest),
            }
        } else if message.starts_with("unknown variant `") {
            Self::UnknownValue {
                name: first,
                expected: all_quoted(rest),
            }
        } else if message.starts_with("missing field `") {
            Self::MissingKey { name: first }
        } else if message.starts_with(INLINE_SECRET_MESSAGE) {
            Self::InlineSecret
        } else if message.starts_with(SECRET_SOURCE_MESSAGE) {
            Self::SecretShape
        } else if let Some((found, expected)) = message
            .strip_prefix("invalid type: ")
            .and_then(found_expected)
        {
            Self::WrongType { found, expected }
        } else if let Some((found, expected)) = message
            .strip_prefix("invalid value: ")
            .and_then(found_expected)
        {
            Self::OutOfRange { found, expected }
        } else {
            Self::Other
        }
    }
}

/// The parts of a [`ParseError`] that depend on the complaint.
struct Explained {
    kind: ParseErrorKind,
    key: String,
    message: String,
    suggestion: Option<String>,
    help: Option<String>,
}

/// Turns a deserialisation error into [`ConfigError::Parse`] with the key path and position.
fn schema_error(origin: &Path, doc: &Document<'_>, err: &toml::de::Error) -> ConfigError {
    let message = err.message();
    // A zero-width span is the document root, e.g. for a missing top-level table.
    let err_span = err.span().filter(|s| !s.is_empty());
    let located = err_span.as_ref().and_then(|span| doc.node_at(span));
    let here = located
        .as_ref()
        .map(|(node, _)| node.path.clone())
        .unwrap_or_default();
    let mut span = err_span.unwrap_or(0..0);
    // Serde buffers tagged enums, so errors inside them point at the whole enclosing table.
    // `narrow` keeps the located node if it is the one meant, else finds it below.
    let mut narrow = |pred: &dyn Fn(&Node<'_, '_>) -> bool| -> Vec<Seg> {
        if located.as_ref().is_some_and(|(node, _)| pred(node)) {
            return here.clone();
        }
        match doc.find_below(&here, pred) {
            Some(node) => {
                span = node.span();
                node.path
            }
            None => here.clone(),
        }
    };
    let secret_key = |n: &Node<'_, '_>| last_key(&n.path).is_some_and(|k| SECRET_KEYS.contains(&k));

    let explained = match Complaint::read(message) {
        Complaint::UnknownKey { name, expected } => {
            let path = narrow(&|n| last_key(&n.path) == Some(name));
            let table = match path.split_last() {
                Some((Seg::Key(last), parent)) if last == name => parent.to_vec(),
                _ => path,
            };
            let help = if expected.is_empty() {
                format!(
                    "remove it; no other keys are accepted {}",
                    describe_table(&table)
                )
            } else {
                format!(
                    "valid keys {}: {}",
                    describe_table(&table),
                    expected.join(", ")
                )
            };
            Explained {
                kind: ParseErrorKind::UnknownKey,
                key: child(&table, name),
                message: format!("unknown key `{name}` {}", describe_table(&table)),
                suggestion: nearest(name, &expected).map(str::to_owned),
                help: Some(help),
            }
        }
        Complaint::UnknownValue { name, expected } => {
            let key = dotted(&narrow(&|n| n.value.as_str() == Some(name)));
            Explained {
                kind: ParseErrorKind::UnknownValue,
                message: format!("unknown value `{name}` for `{key}`"),
                key,
                suggestion: nearest(name, &expected).map(str::to_owned),
                help: Some(format!("expected one of: {}", expected.join(", "))),
            }
        }
        Complaint::MissingKey { name } => Explained {
            kind: ParseErrorKind::MissingKey,
            key: child(&here, name),
            message: format!("missing required key `{name}` {}", describe_table(&here)),
            suggestion: None,
            help: Some(format!(
                "add `{name}` {}; station-config/default.toml documents every key",
                describe_table(&here)
            )),
        },
        complaint @ (Complaint::InlineSecret | Complaint::SecretShape) => {
            let inline = matches!(complaint, Complaint::InlineSecret);
            let path = if inline {
                narrow(&|n| n.value.is_str() && (n.path == here || secret_key(n)))
            } else {
                narrow(&|n| n.value.is_table() && secret_key(n))
            };
            let name = last_key(&path).unwrap_or("the key");
            let key = dotted(&path);
            Explained {
                kind: if inline {
                    ParseErrorKind::InlineSecret
                } else {
                    ParseErrorKind::InvalidValue
                },
                message: if inline {
                    format!("`{key}` holds a secret inline, which is not allowed")
                } else {
                    format!("invalid value for `{key}`: {message}")
                },
                key,
                suggestion: None,
                help: Some(format!(
                    "{}write `{name} = {{ env = \"VAR_NAME\" }}` or \
                     `{name} = {{ file = \"path/to/secret\" }}`",
                    if inline { "remove the value and " } else { "" }
                )),
            }
        }
        Complaint::WrongType { found, expected } => {
            let key = dotted(&narrow(&|n| value_matches(n.value, found)));
            let help = (found == "map" && expected == "a sequence")
                .then(|| format!("write each entry as its own [[{key}]] table"));
            Explained {
                kind: ParseErrorKind::WrongType,
                message: format!(
                    "wrong type for `{key}`: expected {}, found {}",
                    plain_type(expected),
                    plain_type(found)
                ),
                key,
                suggestion: None,
                help,
            }
        }
        Complaint::OutOfRange { found, expected } => {
            let key = dotted(&narrow(&|n| value_matches(n.value, found)));
            Explained {
                kind: ParseErrorKind::InvalidValue,
                message: format!(
                    "invalid value for `{key}`: expected {}, found {found}",
                    plain_type(expected)
                ),
                key,
                suggestion: None,
                help: None,
            }
        }
        Complaint::Other => {
            let key = dotted(&here);
            Explained {
                kind: ParseErrorKind::InvalidValue,
                message: if key.is_empty() {
                    format!("invalid value: {message}")
                } else {
                    format!("invalid value for `{key}`: {message}")
                },
                key,
                suggestion: None,
                help: None,
            }
        }
    };
    let (line, column) = doc.line_col(span.start);
    ConfigError::Parse(Box::new(ParseError {
        path: origin.to_owned(),
        line,
        column,
        key: (!explained.key.is_empty()).then_some(explained.key),
        message: explained.message,
        suggestion: explained.suggestion,
        kind: explained.kind,
        help: explained.help,
    }))
}

/// The last key of `path`, if it ends in a key.
fn last_key(path: &[Seg]) -> Option<&str> {
    match path.last() {
        Some(Seg::Key(key)) => Some(key),
        _ => None,
    }
}

/// `table.name` as a dotted path.
fn child(table: &[Seg], name: &str) -> String {
    let mut path = table.to_vec();
    path.push(Seg::Key(name.to_owned()));
    dotted(&path)
}

/// Serde's type names in operator terms.
fn plain_type(serde: &str) -> &str {
    match serde {
        "u8" => "an integer from 0 to 255",
        "u16" => "an integer from 0 to 65535",
        "u32" => "an integer from 0 to 4294967295",
        "u64" | "usize" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" | "isize" => "an integer",
        "sequence" | "a sequence" => "an array",
        "map" | "a map" => "a table",
        s if s.starts_with("struct ") || s.contains("enum ") => "a table",
        s => s,
    }
}

/// Whether `value` is what serde describes as `found`, e.g. ``integer `3` `` or `string "x"`.
fn value_matches(value: &toml::de::DeValue<'_>, found: &str) -> bool {
    let literal = |prefix: &str| found.strip_prefix(prefix).map(|s| s.trim_matches('`'));
    if let Some(n) = literal("integer ") {
        value
            .as_integer()
            .is_some_and(|i| i.as_str().replace('_', "") == n)
    } else if let Some(n) = literal("floating point ") {
        value
            .as_float()
            .is_some_and(|f| f.as_str().replace('_', "").parse::<f64>().ok() == n.parse().ok())
    } else if let Some(b) = literal("boolean ") {
        value.as_bool().is_some_and(|v| v.to_string() == b)
    } else if let Some(s) = found.strip_prefix("string ") {
        value.as_str().is_some_and(|v| format!("{v:?}") == s)
    } else {
        match found {
            "map" => value.is_table(),
            "sequence" => value.is_array(),
            _ => false,
        }
    }
}

/// The first `` `quoted` `` word of `message` and the text after it.
fn first_quoted(message: &str) -> (&str, &str) {
    let Some((_, after)) = message.split_once('`') else {
        return ("", message);
    };
    after.split_once('`').unwrap_or((after, ""))
}

/// Every `` `quoted` `` word of `text`.
fn all_quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The candidate closest to `word`, if any is close enough to be a likely typo.
pub(crate) fn nearest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    candidates
        .iter()
        .map(|c| {
            (
                strsim::jaro_winkler(word, c),
                strsim::osa_distance(word, c),
                *c,
            )
        })
        .filter(|(jw, lev, c)| *jw >= 0.8 || *lev <= (word.len().max(c.len()) / 2).min(3))
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(_, _, c)| c)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests may panic")]
mod tests {
    use super::*;

    #[test]
    fn nearest_key() {
        let fixture = [
            "name",
            "ports_file",
            "baud",
            "command_timeout_ms",
            "max_attempts",
            "slot",
        ];
        assert_eq!(nearest("baud_rat", &fixture), Some("baud"));
        assert_eq!(nearest("bud", &fixture), Some("baud"));
        assert_eq!(nearest("port_file", &fixture), Some("ports_file"));
        assert_eq!(nearest("slots", &fixture), Some("slot"));
        assert_eq!(nearest("timeout", &fixture), None);
        assert_eq!(nearest("x", &["id", "name"]), None);
        assert_eq!(nearest("dsp", &["id", "dps", "description"]), Some("dps"));
    }

    #[test]
    fn reads_serde_messages() {
        let Complaint::UnknownKey { name, expected } =
            Complaint::read("unknown field `baud_rat`, expected one of `a`, `b`")
        else {
            panic!("not an unknown key")
        };
        assert_eq!((name, expected), ("baud_rat", vec!["a", "b"]));
        let Complaint::WrongType { found, expected } =
            Complaint::read("invalid type: integer `3`, expected a string")
        else {
            panic!("not a type error")
        };
        assert_eq!((found, expected), ("integer `3`", "a string"));
    }
}
