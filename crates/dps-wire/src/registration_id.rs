//! DPS registration IDs: rendering from a template and validating against DPS rules.
//!
//! DPS (service API 2021-10-01, `IndividualEnrollment.registrationId`): a case-insensitive
//! string of at most 128 characters of alphanumerics and `- . _ :`, with no special character
//! first or last.
//!
//! [`RegistrationId`] is that rule as a type, and DPS's case-insensitivity is in its equality,
//! hashing and order: the station, the uploader, the export and dps-local compare IDs through
//! it, never by folding strings themselves. It keeps the spelling it was made with (what is
//! written to the device and sent to DPS).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// Longest registration ID DPS accepts.
pub const MAX_LEN: usize = 128;

/// A registration ID that satisfies the DPS rules. Two IDs that differ only in letter case
/// are equal (and hash and order alike), as they are to DPS.
#[derive(Debug, Clone)]
pub struct RegistrationId(String);

impl RegistrationId {
    /// The ASCII-lower-case bytes equality, hashing and order use (IDs are ASCII).
    fn folded(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.bytes().map(|b| b.to_ascii_lowercase())
    }
}

impl PartialEq for RegistrationId {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for RegistrationId {}

/// Compares with any text as DPS would: a differently cased spelling is the same ID.
impl PartialEq<str> for RegistrationId {
    fn eq(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl PartialEq<&str> for RegistrationId {
    fn eq(&self, other: &&str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl PartialEq<String> for RegistrationId {
    fn eq(&self, other: &String) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl Hash for RegistrationId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.folded() {
            state.write_u8(b);
        }
        state.write_u8(0xff);
    }
}

impl Ord for RegistrationId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.folded().cmp(other.folded())
    }
}

impl PartialOrd for RegistrationId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl serde::Serialize for RegistrationId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserialising validates: a payload naming an ID DPS would refuse does not parse.
impl<'de> serde::Deserialize<'de> for RegistrationId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for RegistrationId {
    type Err = RegistrationIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for RegistrationId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

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
    fn ids_that_differ_only_in_case_are_one_id() {
        use std::collections::{BTreeSet, HashSet};
        let upper = RegistrationId::parse("Line-SN1").unwrap();
        let lower = RegistrationId::parse("line-sn1").unwrap();
        assert_eq!(upper, lower);
        assert_eq!(upper, "LINE-sn1");
        assert_ne!(upper, RegistrationId::parse("line-sn2").unwrap());
        assert_eq!(HashSet::from([upper.clone(), lower.clone()]).len(), 1);
        assert_eq!(BTreeSet::from([upper.clone(), lower]).len(), 1);
        // The spelling it was made with is kept.
        assert_eq!(upper.as_str(), "Line-SN1");
        assert_eq!(upper.to_string(), "Line-SN1");
        // Order ignores case too: "a-2" < "B-1".
        assert!(RegistrationId::parse("a-2").unwrap() < RegistrationId::parse("B-1").unwrap());
    }

    #[test]
    fn serde_keeps_the_spelling_and_refuses_what_dps_refuses() {
        let id: RegistrationId = serde_json::from_str("\"Dev-01\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"Dev-01\"");
        assert!(serde_json::from_str::<RegistrationId>("\"bad id\"").is_err());
        assert!(serde_json::from_str::<RegistrationId>("\"\"").is_err());
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
