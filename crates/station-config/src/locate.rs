//! Maps between byte spans in a TOML document and dotted key paths such as
//! `fixture.slot[1].baud`, so errors can name both the line and the key.

use std::fmt::Write as _;
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a key path: a table key or a 0-based array position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A key or array element of the document, with where it appears.
#[derive(Debug)]
pub(crate) struct Node<'a, 'i> {
    pub(crate) path: Vec<Seg>,
    /// Span of the key text; `None` for array elements.
    pub(crate) key_span: Option<Range<usize>>,
    /// Span of the value; for `[table]`/`[[array]]` headers, the header.
    pub(crate) value_span: Range<usize>,
    pub(crate) value: &'a DeValue<'i>,
}

impl Node<'_, '_> {
    /// The span to report: the key when there is one, otherwise the value.
    pub(crate) fn span(&self) -> Range<usize> {
        self.key_span
            .clone()
            .unwrap_or_else(|| self.value_span.clone())
    }
}

/// A parsed TOML document that keeps the span of every key and value.
pub(crate) struct Document<'i> {
    text: &'i str,
    root: Spanned<DeTable<'i>>,
}

impl<'i> Document<'i> {
    /// Parses `text` as TOML (syntax only; no schema).
    pub(crate) fn parse(text: &'i str) -> Result<Self, toml::de::Error> {
        Ok(Self {
            text,
            root: DeTable::parse(text)?,
        })
    }

    /// Deserialises the document into `T`.
    pub(crate) fn deserialize<T: DeserializeOwned>(&self) -> Result<T, toml::de::Error> {
        T::deserialize(toml::de::Deserializer::from(self.root.clone()))
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(self.text, offset)
    }

    /// Every key and array element, depth first.
    pub(crate) fn nodes(&self) -> Vec<Node<'_, 'i>> {
        let mut out = Vec::new();
        collect_table(self.root.get_ref(), &mut Vec::new(), &mut out);
        out
    }

    /// The innermost node whose key or value span contains `span`, and whether the match was
    /// on the key text.
    pub(crate) fn node_at(&self, span: &Range<usize>) -> Option<(Node<'_, 'i>, bool)> {
        let contains = |outer: &Range<usize>| outer.start <= span.start && span.end <= outer.end;
        let mut best: Option<(usize, Node<'_, 'i>, bool)> = None;
        for node in self.nodes() {
            let on_key = node.key_span.as_ref().is_some_and(contains);
            let width = match (&node.key_span, on_key) {
                (Some(key), true) => key.len(),
                _ if contains(&node.value_span) => node.value_span.len(),
                _ => continue,
            };
            let better = best.as_ref().is_none_or(|(w, b, _)| {
                width < *w || (width == *w && node.path.len() > b.path.len())
            });
            if better {
                best = Some((width, node, on_key));
            }
        }
        best.map(|(_, node, on_key)| (node, on_key))
    }

    /// The first node below `under` (excluding `under` itself) that satisfies `pred`, shallowest
    /// first.
    pub(crate) fn find_below(
        &self,
        under: &[Seg],
        pred: impl Fn(&Node<'_, 'i>) -> bool,
    ) -> Option<Node<'_, 'i>> {
        self.nodes()
            .into_iter()
            .filter(|n| n.path.len() > under.len() && n.path.starts_with(under) && pred(n))
            .min_by_key(|n| n.path.len())
    }

    /// Span of the node at `path`, or of its nearest existing ancestor.
    pub(crate) fn span_of(&self, path: &[Seg]) -> Option<Range<usize>> {
        let nodes = self.nodes();
        (1..=path.len())
            .rev()
            .find_map(|len| nodes.iter().find(|n| n.path == path[..len]).map(Node::span))
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Renders a path as `fixture.slot[1].baud`.
pub(crate) fn dotted(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(key) if out.is_empty() => out.push_str(key),
            Seg::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// Parses a dotted path as rendered by [`dotted`]; keys containing `.` or `[` are not supported.
pub(crate) fn parse_dotted(text: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in text.split('.').filter(|p| !p.is_empty()) {
        let mut pieces = part.split('[');
        if let Some(key) = pieces.next().filter(|k| !k.is_empty()) {
            out.push(Seg::Key(key.to_owned()));
        }
        out.extend(
            pieces
                .filter_map(|p| p.trim_end_matches(']').parse().ok())
                .map(Seg::Index),
        );
    }
    out
}

/// Names the table at `path` for a message: `at the top level`, `in [fixture]` or
/// `in [[fixture.slot]]`.
pub(crate) fn describe_table(path: &[Seg]) -> String {
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect();
    match path.last() {
        None => "at the top level".to_owned(),
        Some(Seg::Index(_)) => format!("in [[{}]]", keys.join(".")),
        Some(Seg::Key(_)) => format!("in [{}]", keys.join(".")),
    }
}

fn collect_table<'a, 'i>(table: &'a DeTable<'i>, path: &mut Vec<Seg>, out: &mut Vec<Node<'a, 'i>>) {
    for (key, value) in table.iter() {
        path.push(Seg::Key(key.get_ref().to_string()));
        out.push(Node {
            path: path.clone(),
            key_span: Some(key.span()),
            value_span: value.span(),
            value: value.get_ref(),
        });
        collect_value(value.get_ref(), path, out);
        path.pop();
    }
}

fn collect_value<'a, 'i>(value: &'a DeValue<'i>, path: &mut Vec<Seg>, out: &mut Vec<Node<'a, 'i>>) {
    match value {
        DeValue::Table(table) => collect_table(table, path, out),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                out.push(Node {
                    path: path.clone(),
                    key_span: None,
                    value_span: item.span(),
                    value: item.get_ref(),
                });
                collect_value(item.get_ref(), path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests may panic")]
mod tests {
    use super::*;

    const DOC: &str =
        "[station]\nid = \"a\"\n[[fixture.slot]]\nindex = 1\n[[fixture.slot]]\nindex = 2\n";

    #[test]
    fn finds_innermost_node() {
        let doc = Document::parse(DOC).unwrap();
        let at = DOC.rfind("index").unwrap();
        let (node, on_key) = doc.node_at(&(at..at + 5)).unwrap();
        assert!(on_key);
        assert_eq!(dotted(&node.path), "fixture.slot[1].index");
        let header = DOC.rfind("[[").unwrap();
        let (node, on_key) = doc.node_at(&(header..header + 16)).unwrap();
        assert!(!on_key);
        assert_eq!(dotted(&node.path), "fixture.slot[1]");
    }

    #[test]
    fn span_of_falls_back_to_ancestor() {
        let doc = Document::parse(DOC).unwrap();
        let span = doc
            .span_of(&parse_dotted("fixture.slot[1].product"))
            .unwrap();
        assert_eq!(doc.line_col(span.start), (5, 1));
    }

    #[test]
    fn dotted_round_trip() {
        let path = parse_dotted("product[0].attestation.kind");
        assert_eq!(path[1], Seg::Index(0));
        assert_eq!(dotted(&path), "product[0].attestation.kind");
        assert_eq!(describe_table(&path[..2]), "in [[product]]");
        assert_eq!(describe_table(&path[..3]), "in [product.attestation]");
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("a\nµx = 1", 4), (2, 2));
        assert_eq!(line_col("abc", 99), (1, 4));
    }
}
