//! The registry against the code: every error code the sources can report has an entry, every
//! entry is still used, and `docs/errors.md` is what the registry says.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `station::AREA::NAME` literal (in double or single quotes: SQL writes some) in the
/// non-test sources of the workspace's crates (product and test bench) and the desktop app.
fn codes_in_sources() -> BTreeSet<String> {
    let mut dirs = vec![root().join("src-tauri/src")];
    let crates = std::fs::read_dir(root().join("crates")).unwrap();
    let testbed = std::fs::read_dir(root().join("testbed")).unwrap();
    for entry in crates.chain(testbed) {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() && !src.starts_with(root().join("crates/station-errors")) {
            dirs.push(src);
        }
    }
    let mut found = BTreeSet::new();
    for path in rust_files(dirs) {
        scan(&std::fs::read_to_string(&path).unwrap(), &mut found);
    }
    found
}

/// Every `.rs` file under `dirs`, build output and node modules left out.
fn rust_files(mut dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("target") && !path.ends_with("node_modules") {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

fn scan(text: &str, found: &mut BTreeSet<String>) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(i) = text[at..].find("station::") {
        let start = at + i;
        at = start + 9;
        let quote = start.checked_sub(1).map(|q| bytes[q]);
        if !matches!(quote, Some(b'"' | b'\'')) {
            continue;
        }
        let end = text[start..]
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == ':'))
            .map_or(text.len(), |n| start + n);
        let code = &text[start..end];
        if bytes.get(end) == quote.as_ref() && code.matches("::").count() == 2 {
            found.insert(code.to_owned());
        }
    }
}

#[test]
fn every_code_the_station_reports_is_documented_and_every_entry_used() {
    let used = codes_in_sources();
    assert!(used.len() > 150, "the scan found {} codes", used.len());
    let documented: BTreeSet<String> = station_errors::all()
        .iter()
        .map(|e| e.code.to_owned())
        .collect();
    let missing: Vec<_> = used.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "codes without an entry in crates/station-errors/src/registry.rs: {missing:#?}"
    );
    let stale: Vec<_> = documented.difference(&used).collect();
    assert!(
        stale.is_empty(),
        "entries no code uses any more: {stale:#?}"
    );
}

#[test]
fn entries_are_sorted_plain_and_complete() {
    let all = station_errors::all();
    for pair in all.windows(2) {
        assert!(
            pair[0].code < pair[1].code,
            "{} before {}",
            pair[0].code,
            pair[1].code
        );
    }
    for e in all {
        assert!(e.code.starts_with("station::"), "{}", e.code);
        assert!(
            e.meaning.ends_with('.') && e.meaning.len() > 20,
            "{}: meaning",
            e.code
        );
        assert!(
            e.action.ends_with('.') && e.action.len() > 10,
            "{}: action",
            e.code
        );
        assert_eq!(station_errors::lookup(e.code), Some(e));
        assert_ne!(
            e.exit,
            station_errors::Exit::Ok,
            "{}: an error never exits 0",
            e.code
        );
    }
    assert_eq!(station_errors::lookup("station::nope::nothing"), None);
    assert_eq!(
        station_errors::exit_for("station::nope::nothing"),
        station_errors::Exit::Bug
    );
    assert_eq!(
        station_errors::title("station::nope::nothing"),
        "station::nope::nothing"
    );
}

#[test]
fn exit_codes_are_distinct_and_stable() {
    let codes: Vec<u8> = station_errors::Exit::ALL.iter().map(|e| e.code()).collect();
    // The documented table: changing a number breaks scripts on fixture PCs.
    assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 7, 70, 130]);
    let names: BTreeSet<_> = station_errors::Exit::ALL.iter().map(|e| e.name()).collect();
    assert_eq!(names.len(), codes.len());
}

/// `docs/errors.md` is generated: `UPDATE_ERRORS=1 cargo test -p station-errors` rewrites it.
#[test]
fn docs_errors_md_is_generated_from_the_registry() {
    let path = root().join("docs/errors.md");
    let want = station_errors::markdown();
    if std::env::var_os("UPDATE_ERRORS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/errors.md is out of date: run `UPDATE_ERRORS=1 cargo test -p station-errors`"
    );
    for e in station_errors::all() {
        assert!(have.contains(&format!("### `{}`", e.code)), "{}", e.code);
    }
}

/// What a technician reads about a code is the catalogue's, and only the catalogue's: every
/// code has its message (label, what happened, one thing to do) in plain words, every message
/// is a code's, and no layer keeps advice of its own (a `fn help` that is not the registry's).
#[test]
fn every_code_has_the_technicians_words_and_nothing_else_gives_advice() {
    let codes: BTreeSet<String> = station_errors::all()
        .iter()
        .map(|e| station_errors::message_id(e.code).unwrap())
        .collect();
    let catalogue = std::fs::read_to_string(root().join("locales/en/errors.ftl")).unwrap();
    let messages: BTreeSet<String> = catalogue
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(id, _)| id))
        .filter(|id| id.starts_with("err-"))
        .map(str::to_owned)
        .collect();
    let missing: Vec<_> = codes.difference(&messages).collect();
    assert!(
        missing.is_empty(),
        "codes without words in locales/en/errors.ftl: {missing:#?}"
    );
    let stale: Vec<_> = messages.difference(&codes).collect();
    assert!(
        stale.is_empty(),
        "messages in locales/en/errors.ftl no code has: {stale:#?}"
    );

    // Words a technician at a kiosk cannot act on: shell commands, settings, protocols,
    // internal state words.
    const NOT_PLAIN: [&str; 16] = [
        "`",
        " --",
        "[",
        "SMP",
        "MQTT",
        "AMQP",
        "HTTP",
        "TLS",
        "SQL",
        "CBOR",
        "JSON",
        "PKCS",
        "DUT",
        "committing",
        "superseded",
        "replay",
    ];
    let mut not_plain = Vec::new();
    for e in station_errors::all() {
        let t = station_errors::technician(e.code)
            .unwrap_or_else(|| panic!("{}: its message does not format whole", e.code));
        assert!(
            !t.label.is_empty() && t.label.chars().count() <= 60 && !t.label.ends_with('.'),
            "{}: label {:?}",
            e.code,
            t.label
        );
        let digits = t
            .label
            .as_bytes()
            .windows(3)
            .any(|w| w.iter().all(u8::is_ascii_digit));
        assert!(
            !digits,
            "{}: a label names no unit's numbers: {:?}",
            e.code, t.label
        );
        for text in [&t.says, &t.todo] {
            assert!(
                text.ends_with('.') && text.len() > 8,
                "{}: {text:?}",
                e.code
            );
            for word in NOT_PLAIN {
                if text.contains(word) || t.label.contains(word) {
                    not_plain.push(format!("{}: {word:?} in {text:?}", e.code));
                }
            }
        }
        assert_eq!(station_errors::title(e.code), t.label);
    }
    assert!(
        not_plain.is_empty(),
        "not a technician's words: {not_plain:#?}"
    );

    let mut own_advice = Vec::new();
    let everywhere = vec![
        root().join("src-tauri/src"),
        root().join("crates"),
        root().join("testbed"),
    ];
    for path in rust_files(everywhere) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("fn help(&self)") {
            let body: String = text[at..].chars().take(200).collect();
            if !body.contains("station_errors::action") {
                own_advice.push(path.display().to_string());
            }
        }
    }
    assert!(
        own_advice.is_empty(),
        "a help() that is not the registry's action: {own_advice:#?}"
    );
}
