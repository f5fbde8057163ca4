//! Errors from loading a config file, each naming the file, the line and the key at fault.

use std::fmt;
use std::path::PathBuf;

/// Why a config file could not be used.
///
/// `Display` is one line that starts with the file path; [`ConfigError::hints`] adds the file's
/// own particulars (valid keys, how to supply a secret). Its stable code comes from
/// [`station_errors::Coded`], and what to do about the code from the registry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read (missing, unreadable); the operator should check the path and
    /// the file's permissions.
    #[error("{}: could not read the file", path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not match the expected keys and types; the line engineer
    /// must fix the file at the given line. Boxed to keep `ConfigError` small.
    #[error("{0}")]
    Parse(Box<ParseError>),
    /// The file parsed but breaks cross-field rules ([`crate::StationConfig::check`]); the line
    /// engineer must fix every listed problem.
    #[error("{}", render_invalid(path, problems))]
    Invalid {
        /// The file the problems were found in.
        path: PathBuf,
        /// Every problem found, in document order of the checks (never empty).
        problems: Vec<CheckProblem>,
    },
    /// The configuration, a secret file it names, or its PKCS#11 module is in an unsafe place
    /// (owned by another user, writable by others); nothing was used.
    #[error("{}: refused: {} {}", .0.path.display(), .0.what, .0.reason)]
    Unsafe(Box<crate::UnsafeFile>),
}

impl ConfigError {
    /// What the file itself needs, beyond the message: the list of valid keys, how to supply a
    /// secret, where a station looks. Part of the diagnostic, not the code's advice.
    pub fn hints(&self) -> Option<String> {
        match self {
            Self::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Some(format!(
                    "check the path; a station looks at {}; station-config/default.toml is a \
                     documented starting point",
                    crate::SEARCH_ORDER
                ))
            }
            Self::Io { .. } => {
                Some("check that the file is readable by the station user".to_owned())
            }
            Self::Parse(parse) => parse.help.clone(),
            Self::Invalid { problems, .. } => {
                let helps: Vec<&str> = problems.iter().filter_map(|p| p.help.as_deref()).collect();
                (!helps.is_empty()).then(|| helps.join("; "))
            }
            Self::Unsafe(file) => Some(format!(
                "whoever can change it can make the station run their code or use their key: {}",
                file.fix
            )),
        }
    }
}

impl station_errors::Coded for ConfigError {
    fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "station::config::unreadable",
            Self::Parse(parse) => parse.kind.code(),
            Self::Invalid { .. } => "station::config::invalid",
            Self::Unsafe(_) => "station::config::unsafe_file",
        }
    }
}

/// Where and why a config file failed to parse; the payload of [`ConfigError::Parse`].
///
/// `Display` is `{path}:{line}:{column}: {message}`, followed by `; did you mean `…`?` when there
/// is a suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseError {
    /// The file (as given to [`crate::load`] or [`crate::parse_str`]).
    pub path: PathBuf,
    /// 1-based line of the offending text (1 when the parser gave no position).
    pub line: usize,
    /// 1-based column (in characters) of the offending text.
    pub column: usize,
    /// Dotted path of the offending key, e.g. `fixture.slot[1].baud_rat` (array positions are
    /// 0-based), when determinable.
    pub key: Option<String>,
    /// What is wrong, in station terms, e.g. ``unknown key `baud_rat` in [fixture]``.
    pub message: String,
    /// The nearest valid key or value, for unknown keys and values.
    pub suggestion: Option<String>,
    /// The category of the problem; decides the error's code.
    pub kind: ParseErrorKind,
    /// The action to take, when there is something more specific than the message.
    pub help: Option<String>,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )?;
        match &self.suggestion {
            Some(suggestion) => write!(f, "; did you mean `{suggestion}`?"),
            None => Ok(()),
        }
    }
}

/// The category of a [`ParseError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text is not valid TOML (unclosed bracket, duplicate key, …).
    Syntax,
    /// A key that this section does not accept (often a typo).
    UnknownKey,
    /// A required key is absent.
    MissingKey,
    /// A value has the wrong TOML type (e.g. a string where a number is expected).
    WrongType,
    /// A value is not one of the accepted names (e.g. an unknown `kind`).
    UnknownValue,
    /// A value is out of range or otherwise unacceptable.
    InvalidValue,
    /// A secret was written inline instead of `{ env = … }` or `{ file = … }`.
    InlineSecret,
}

impl ParseErrorKind {
    /// The stable code reported for a [`ConfigError::Parse`] of this kind.
    pub fn code(self) -> &'static str {
        match self {
            Self::Syntax => "station::config::syntax",
            Self::UnknownKey => "station::config::unknown_key",
            Self::MissingKey => "station::config::missing_key",
            Self::WrongType => "station::config::wrong_type",
            Self::UnknownValue => "station::config::unknown_value",
            Self::InvalidValue => "station::config::invalid_value",
            Self::InlineSecret => "station::config::inline_secret",
        }
    }
}

/// One broken cross-field rule found by [`crate::StationConfig::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckProblem {
    /// Dotted path of the key at fault, e.g. `fixture.slot[2].product` (array positions are
    /// 0-based, in file order).
    pub key: String,
    /// What is wrong, lowercase, without a trailing period.
    pub message: String,
    /// The action to take, if any.
    pub help: Option<String>,
    /// 1-based line where `key` (or its nearest enclosing table) appears; filled in by
    /// [`crate::load`] and [`crate::parse_str`], `None` from a bare `check()`.
    pub line: Option<usize>,
}

impl CheckProblem {
    /// A problem with `key` described by `message`, without help or line.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
            help: None,
            line: None,
        }
    }

    /// Adds the action to take.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for CheckProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

fn render_invalid(path: &std::path::Path, problems: &[CheckProblem]) -> String {
    let path = path.display();
    match problems {
        [one] => match one.line {
            Some(line) => format!("{path}:{line}: {one}"),
            None => format!("{path}: {one}"),
        },
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|p| match p.line {
                    Some(line) => format!("{} (line {line}): {}", p.key, p.message),
                    None => p.to_string(),
                })
                .collect();
            format!("{path}: {} problems: {}", many.len(), list.join("; "))
        }
    }
}
