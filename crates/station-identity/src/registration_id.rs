//! DPS registration IDs: rendering from a template and validating against DPS rules.
//!
//! DPS (service API 2021-10-01, `IndividualEnrollment.registrationId`): a case-insensitive
//! string of at most 128 characters of alphanumerics and `- . _ :`, with no special character
//! first or last.

use std::fmt;

/// Longest registration ID DPS accepts.
pub const MAX_LEN: usize = 128;

/// A registration ID that satisfies the DPS rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegistrationId(String);

/// Why a string is not a valid registration ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationIdError {
    /// Empty.
    #[error("registration ID is empty")]
    Empty,
    /// Longer than [`MAX_LEN`].
    #[error("registration ID {id:?} is {len} characters; DPS allows at most {MAX_LEN}")]
    TooLong {
        /// The offending ID.
        id: String,
        /// Its length.
        len: usize,
    },
    /// Contains a character outside alphanumerics and `- . _ :`.
    #[error("registration ID {id:?} contains {ch:?}; DPS allows only letters, digits and - . _ :")]
    BadCharacter {
        /// The offending ID.
        id: String,
        /// The first bad character.
        ch: char,
    },
    /// Starts or ends with a special character.
    #[error("registration ID {id:?} must start and end with a letter or digit")]
    BadEdge {
        /// The offending ID.
        id: String,
    },
    /// The template names a placeholder the station does not know.
    #[error("unknown placeholder {{{0}}} in registration ID template")]
    UnknownPlaceholder(String),
    /// The template has an unbalanced brace.
    #[error("unbalanced brace in registration ID template {0:?}")]
    UnbalancedBrace(String),
}

impl RegistrationId {
    /// Validates `s` against the DPS rules.
    pub fn parse(s: &str) -> Result<Self, RegistrationIdError> {
        if s.is_empty() {
            return Err(RegistrationIdError::Empty);
        }
        let len = s.chars().count();
        if len > MAX_LEN {
            return Err(RegistrationIdError::TooLong {
                id: s.to_owned(),
                len,
            });
        }
        if let Some(ch) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-._:".contains(*c)))
        {
            return Err(RegistrationIdError::BadCharacter {
                id: s.to_owned(),
                ch,
            });
        }
        let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if !edge_ok(s.chars().next()) || !edge_ok(s.chars().last()) {
            return Err(RegistrationIdError::BadEdge { id: s.to_owned() });
        }
        Ok(Self(s.to_owned()))
    }

    /// Renders `template`, replacing `{name}` with the value `lookup` gives for it, then
    /// validates the result. `lowercase` folds the result to lower case first.
    pub fn render(
        template: &str,
        lookup: impl Fn(&str) -> Option<String>,
        lowercase: bool,
    ) -> Result<Self, RegistrationIdError> {
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(open) = rest.find(['{', '}']) {
            if rest.as_bytes()[open] == b'}' {
                return Err(RegistrationIdError::UnbalancedBrace(template.to_owned()));
            }
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| RegistrationIdError::UnbalancedBrace(template.to_owned()))?;
            let name = &after[..close];
            let value = lookup(name)
                .ok_or_else(|| RegistrationIdError::UnknownPlaceholder(name.to_owned()))?;
            out.push_str(&value);
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        if lowercase {
            out = out.to_ascii_lowercase();
        }
        Self::parse(&out)
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when this ID also fits an X.509 subject CN (at most 64 characters).
    pub fn fits_x509_cn(&self) -> bool {
        self.0.len() <= 64
    }
}

impl fmt::Display for RegistrationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_dps_documentation_example() {
        assert!(RegistrationId::parse("sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6").is_ok());
    }

    #[test]
    fn rejects_what_dps_rejects() {
        assert_eq!(RegistrationId::parse(""), Err(RegistrationIdError::Empty));
        assert!(matches!(
            RegistrationId::parse(&"a".repeat(129)),
            Err(RegistrationIdError::TooLong { len: 129, .. })
        ));
        assert!(RegistrationId::parse(&"a".repeat(128)).is_ok());
        assert!(matches!(
            RegistrationId::parse("a b"),
            Err(RegistrationIdError::BadCharacter { ch: ' ', .. })
        ));
        assert!(matches!(
            RegistrationId::parse("a/b"),
            Err(RegistrationIdError::BadCharacter { ch: '/', .. })
        ));
        assert!(matches!(
            RegistrationId::parse("-ab"),
            Err(RegistrationIdError::BadEdge { .. })
        ));
        assert!(matches!(
            RegistrationId::parse("ab:"),
            Err(RegistrationIdError::BadEdge { .. })
        ));
        assert!(RegistrationId::parse("a.b_c:d-e").is_ok());
    }

    #[test]
    fn renders_templates() {
        let lookup = |k: &str| match k {
            "serial" => Some("VD0001-01".to_owned()),
            "station" => Some("st3".to_owned()),
            _ => None,
        };
        assert_eq!(
            RegistrationId::render("demo-{serial}", lookup, true)
                .unwrap()
                .as_str(),
            "demo-vd0001-01"
        );
        assert_eq!(
            RegistrationId::render("{station}:{serial}", lookup, false)
                .unwrap()
                .as_str(),
            "st3:VD0001-01"
        );
        assert_eq!(
            RegistrationId::render("x-{lot}", lookup, false),
            Err(RegistrationIdError::UnknownPlaceholder("lot".into()))
        );
        assert!(matches!(
            RegistrationId::render("x-{serial", lookup, false),
            Err(RegistrationIdError::UnbalancedBrace(_))
        ));
        assert!(matches!(
            RegistrationId::render("{serial}-", lookup, false),
            Err(RegistrationIdError::BadEdge { .. })
        ));
    }
}
