//! A renamed node's uses in its flow's scenario file (`NAME.test.yaml`
//! beside `NAME.ivr`): `expect.node`, `expect.path`, `expect.exits`
//! (`node:exit`) and the keys of `split`. Only those places name nodes; a
//! `say` text that happens to read like a node's name is the caller's words
//! and is left alone.
//!
//! When a YAML twin (`NAME.yaml`) shares the scenario file, the scenarios are
//! not touched: they must keep passing for the twin, which still has the old
//! name (docs/editors.md says so).

use std::path::{Path, PathBuf};

use ivr_compiler::Span;
use ivr_compiler::syntax::yaml::locate::{Loc, Shape, locate};
use lsp_types::{TextEdit, Uri};

use super::docs::Workspace;
use super::docs::uri_of;
use super::text::Lines;

/// The scenario file of the flow at `flow`, unless a YAML twin shares it.
pub fn own_scenarios(flow: &Path) -> Option<PathBuf> {
    let stem = flow.file_stem()?.to_str()?;
    let dir = flow.parent()?;
    let twin = ["yaml", "yml"]
        .iter()
        .any(|ext| dir.join(format!("{stem}.{ext}")).exists());
    let scenarios = dir.join(format!("{stem}.test.yaml"));
    (!twin && scenarios.exists()).then_some(scenarios)
}

/// Edits that rename node `old` to `new` in the scenario file at `path`
/// (its open text if the editor has it, else the file on disk).
pub fn rename(
    server: Workspace<'_>,
    path: &Path,
    old: &str,
    new: &str,
) -> Option<(Uri, Vec<TextEdit>)> {
    let uri = uri_of(path)?;
    let text = match server.docs.get(uri.as_str()) {
        Some(doc) => doc.text.clone(),
        None => std::fs::read_to_string(path).ok()?,
    };
    let lines = Lines::new(&text);
    let edits = node_names(&text, old)
        .into_iter()
        .map(|span| TextEdit::new(lines.range(&text, span), new.to_string()))
        .collect::<Vec<_>>();
    (!edits.is_empty()).then_some((uri, edits))
}

/// Where scenario text names node `name` (a whole first path segment).
pub fn node_names(text: &str, name: &str) -> Vec<Span> {
    let root = locate(text);
    let mut found = Vec::new();
    for scenario in items(child(&root, "scenarios")) {
        if let Some(Shape::Map(splits)) = child(scenario, "split").map(|l| &l.shape) {
            for split in splits {
                found.extend(named(text, split.key_span.start as usize, name));
            }
        }
        for step in items(child(scenario, "steps")) {
            let Some(expect) = child(step, "expect") else {
                continue;
            };
            let values = child(expect, "node")
                .into_iter()
                .chain(items(child(expect, "path")))
                .chain(items(child(expect, "exits")));
            for value in values {
                if let Shape::Scalar { content } = value.shape {
                    found.extend(named(text, content, name));
                }
            }
        }
    }
    found
}

/// `name` written at `at`, and not the start of a longer name.
fn named(text: &str, at: usize, name: &str) -> Option<Span> {
    let rest = text.get(at..)?;
    let quote = rest.starts_with(['"', '\'']);
    let at = at + usize::from(quote);
    let rest = text.get(at..)?;
    let after = rest.strip_prefix(name)?.chars().next();
    let ends = after.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
    ends.then(|| Span::new(at, at + name.len()))
}

fn child<'a>(loc: &'a Loc, key: &str) -> Option<&'a Loc> {
    match &loc.shape {
        Shape::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
        _ => None,
    }
}

fn items(loc: Option<&Loc>) -> impl Iterator<Item = &Loc> {
    let items = match loc.map(|l| &l.shape) {
        Some(Shape::Seq(items)) => items.as_slice(),
        _ => &[],
    };
    items.iter()
}

#[cfg(test)]
mod tests {
    use super::node_names;

    #[test]
    fn finds_node_names_only_where_scenarios_name_nodes() {
        let text = "scenarios:\n  - name: main menu\n    split: { main: a }\n    steps:\n      - expect: { say: main, node: main }\n      - press: \"1\"\n      - expect:\n          path: [welcome, main]\n          exits: [\"main:1\", \"mainly:2\", \"check/main:3\"]\n";
        let found: Vec<&str> = node_names(text, "main")
            .iter()
            .map(|s| &text[s.start as usize..s.end as usize])
            .collect();
        assert_eq!(found, ["main"; 4]);
        let lines: Vec<usize> = node_names(text, "main")
            .iter()
            .map(|s| text[..s.start as usize].matches('\n').count())
            .collect();
        assert_eq!(lines, [2, 4, 7, 8]);
    }
}
