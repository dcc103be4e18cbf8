use super::*;
use crate::syntax::ast::NODE_KINDS;
use crate::{Code, Syntax, compile};

/// The words a section shows: in `code`, and first on a line of its examples.
fn words(section: &str) -> Vec<&str> {
    let mut words: Vec<&str> = backticked(section).map(first_word).collect();
    let mut in_example = false;
    for line in section.lines() {
        if line.starts_with("```") {
            in_example = !in_example;
        } else if in_example {
            words.extend(line.split_whitespace().next());
        }
    }
    words
}

#[test]
fn every_kind_is_listed_in_the_order_of_the_ast() {
    let listed: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
    assert_eq!(listed, NODE_KINDS);
}

#[test]
fn every_listed_word_is_documented_in_its_kinds_section() {
    for kind in KINDS {
        let doc = kind_doc(kind.kind).unwrap_or_else(|| panic!("no section for `{}`", kind.kind));
        let documented = words(doc);
        for word in kind
            .properties
            .iter()
            .chain(kind.exits)
            .chain(kind.optional_exits)
        {
            assert!(
                documented.contains(word),
                "`{word}` of `{}` is not in its section of docs/LANGUAGE.md",
                kind.kind
            );
        }
    }
}

#[test]
fn every_documented_property_row_is_listed() {
    for kind in KINDS {
        for property in documented_properties(kind_doc(kind.kind).unwrap()) {
            assert!(
                kind.properties.contains(&property),
                "docs/LANGUAGE.md documents `{property}` for `{}`, the table does not list it",
                kind.kind
            );
        }
    }
    let header = section(|h| h == "## The flow header").unwrap();
    let mut documented = documented_properties(header);
    documented.sort();
    documented.dedup();
    let mut listed = HEADER.to_vec();
    listed.sort();
    assert_eq!(documented, listed);
}

#[test]
fn property_docs_quote_the_manuals_row() {
    let timeout = property_doc(Some("menu"), "timeout").unwrap();
    assert_eq!(timeout, "`timeout` (default `5s`): wait for the first key");
    let open = property_doc(Some("hours"), "open").unwrap();
    assert!(
        open.starts_with("`open \"Mon-Fri 09:00-18:00\"`: one or more"),
        "{open}"
    );
    let language = property_doc(None, "language").unwrap();
    assert!(language.contains("default language (BCP-47)"), "{language}");
    assert_eq!(property_doc(Some("menu"), "nonsense"), None);
}

/// The checker takes every property and exit the table lists: none is
/// reported unknown (E007, E005).
#[test]
fn the_checker_accepts_every_listed_word() {
    for kind in KINDS {
        let mut node = String::new();
        for property in kind.properties {
            node.push_str(&format!("    {property} \"x\"\n"));
        }
        for exit in kind.exits.iter().chain(kind.optional_exits) {
            node.push_str(&format!("    {exit} -> bye\n"));
        }
        let text = format!(
            "flow t {{\n  language \"en-IN\"\n  targets twilio\n  start n\n  {} n {{\n{node}  }}\n  hangup bye {{\n    text \"Bye.\"\n  }}\n}}\n",
            kind.kind
        );
        let compiled = compile(&text, Syntax::Ivr);
        let unknown: Vec<_> = compiled
            .diagnostics
            .iter()
            .filter(|d| {
                matches!(
                    d.code,
                    Code::UnknownField | Code::UnknownExit | Code::Syntax
                )
            })
            .map(|d| &d.message)
            .collect();
        assert!(unknown.is_empty(), "`{}`: {unknown:?}\n{text}", kind.kind);
    }
}
