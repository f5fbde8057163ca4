//! The technician's words for each code, in English: `locales/en/errors.ftl` (with the
//! glossary's terms), the same Fluent catalogue the app shows in the technician's language.
//! The CLI, the logs and `docs/errors.md` read it here, so a label is written once.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use fluent_bundle::{FluentBundle, FluentResource};

const GLOSSARY: &str = include_str!("../../../locales/en/glossary.ftl");
const ERRORS: &str = include_str!("../../../locales/en/errors.ftl");

/// What a technician reads about one code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Technician {
    /// A short label (a tile, the Yield chart).
    pub label: String,
    /// What happened, in a sentence or two.
    pub says: String,
    /// The one thing to do.
    pub todo: String,
}

/// The catalogue's message id for `code`: `station::AREA::NAME` is `err-AREA-NAME`.
pub fn message_id(code: &str) -> Option<String> {
    let mut parts = code.split("::");
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("station"), Some(area), Some(name), None) => Some(format!("err-{area}-{name}")),
        _ => None,
    }
}

/// Every message of the English errors catalogue, by message id, formatted.
pub(crate) fn messages() -> &'static BTreeMap<String, Technician> {
    static MESSAGES: OnceLock<BTreeMap<String, Technician>> = OnceLock::new();
    MESSAGES.get_or_init(|| load(GLOSSARY, ERRORS))
}

/// Formats every message of `errors` with the terms of `glossary`. A message that does not
/// format whole (a missing term, a missing attribute) is left out, so the registry's test
/// names its code.
fn load(glossary: &str, errors: &str) -> BTreeMap<String, Technician> {
    let lang: unic_langid::LanguageIdentifier = "en".parse().unwrap_or_default();
    let mut bundle = FluentBundle::new(vec![lang]);
    bundle.set_use_isolating(false);
    let resources = [glossary, errors]
        .map(|text| FluentResource::try_new(text.to_owned()).unwrap_or_else(|(r, _)| r));
    let mut ids = Vec::new();
    for resource in resources {
        for entry in resource.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                ids.push(m.id.name.to_owned());
            }
        }
        // A duplicate id is kept once; the completeness test in the UI catches the rest.
        bundle.add_resource_overriding(resource);
    }
    let mut out = BTreeMap::new();
    for id in ids {
        let Some(message) = bundle.get_message(&id) else {
            continue;
        };
        let mut errors = Vec::new();
        let mut text = |pattern: &fluent_syntax::ast::Pattern<&str>| {
            bundle
                .format_pattern(pattern, None, &mut errors)
                .into_owned()
        };
        let (Some(value), Some(says), Some(todo)) = (
            message.value(),
            message.get_attribute("says"),
            message.get_attribute("todo"),
        ) else {
            continue;
        };
        let technician = Technician {
            label: text(value),
            says: text(says.value()),
            todo: text(todo.value()),
        };
        if errors.is_empty() {
            out.insert(id, technician);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_codes() {
        assert_eq!(
            message_id("station::smp::timeout").as_deref(),
            Some("err-smp-timeout")
        );
        assert_eq!(message_id("station::smp"), None);
        assert_eq!(message_id("other::a::b"), None);
    }

    #[test]
    fn terms_are_filled_in_and_a_broken_message_is_left_out() {
        let glossary = "-board = { $form ->\n   *[lower] board\n    [title] Board\n}\n";
        let errors = "err-a-b = { -board(form: \"title\") } gone\n    .says = The { -board } left.\n    .todo = Look.\n\
                      err-a-c = No todo\n    .says = Only this.\n\
                      err-a-d = { -nothing }\n    .says = X.\n    .todo = Y.\n";
        let all = load(glossary, errors);
        assert_eq!(
            all.get("err-a-b"),
            Some(&Technician {
                label: "Board gone".into(),
                says: "The board left.".into(),
                todo: "Look.".into(),
            })
        );
        assert!(!all.contains_key("err-a-c"), "a message without .todo");
        assert!(
            !all.contains_key("err-a-d"),
            "a message with an unknown term"
        );
    }
}
