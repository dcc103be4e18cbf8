//! Every `ivr` and `yaml` code block in docs/*.md and README.md is compiled,
//! so the documentation cannot drift from the grammar.
//!
//! Snippets are often parts of a flow: a block that does not start with
//! `flow`/`module` is compiled inside `flow doc { … }`, and `…` (the
//! "more here" of a sketch) is left out. Parts lack a language, a start and
//! the nodes they name, so what is asserted is the shape: no E001. A part is
//! given the language, targets and start a flow needs. In docs/diagnostics.md
//! the first block under `## Xnnn` shows that code, so it must report it
//! (unless it names nodes it leaves out), and the E001 section's block must
//! fail to parse.

use std::path::{Path, PathBuf};

use ivr_compiler::{Syntax, compile};

struct Snippet {
    file: String,
    line: usize,
    syntax: Syntax,
    text: String,
    /// The `## Xnnn` section of docs/diagnostics.md it is in, and whether it is the first block there.
    section: Option<(String, bool)>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn documents() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.push(root().join("README.md"));
    files.sort();
    files
}

fn snippets(path: &Path) -> Vec<Snippet> {
    let text = std::fs::read_to_string(path).unwrap();
    let file = path.strip_prefix(root()).unwrap().display().to_string();
    let diagnostics = file.ends_with("diagnostics.md");
    let mut found = Vec::new();
    let mut lines = text.lines().enumerate();
    let mut section: Option<String> = None;
    let mut first_in_section = true;
    while let Some((i, line)) = lines.next() {
        if let Some(heading) = line.strip_prefix("## ") {
            let code = heading.split_whitespace().next().unwrap_or("");
            section =
                (diagnostics && code.len() == 4 && code[1..].bytes().all(|b| b.is_ascii_digit()))
                    .then(|| code.to_string());
            first_in_section = true;
            continue;
        }
        let syntax = match line.trim_end() {
            "```ivr" => Syntax::Ivr,
            "```yaml" => Syntax::Yaml,
            fence if fence.starts_with("```") => {
                // Skip other blocks whole, so a fence inside one is not misread.
                for (_, l) in lines.by_ref() {
                    if l.starts_with("```") {
                        break;
                    }
                }
                continue;
            }
            _ => continue,
        };
        let mut body = String::new();
        for (_, l) in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            body.push_str(&l.replace('…', ""));
            body.push('\n');
        }
        found.push(Snippet {
            file: file.clone(),
            line: i + 1,
            syntax,
            text: body,
            section: section.clone().map(|s| (s, first_in_section)),
        });
        first_in_section = false;
    }
    found
}

/// A part of a flow goes inside one.
fn whole(snippet: &Snippet) -> String {
    let starts_unit = snippet
        .text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
        .is_some_and(|l| l.starts_with("flow ") || l.starts_with("module "));
    if snippet.syntax != Syntax::Ivr || starts_unit {
        return snippet.text.clone();
    }
    // What every flow needs, unless the part says it itself: so that the
    // checks that need a whole flow (reachability, targets) run on it.
    let has = |setting: &str| {
        snippet
            .text
            .lines()
            .any(|l| l.trim_start().starts_with(setting))
    };
    let mut header = String::from("  language \"en-IN\"\n");
    if !has("targets ") {
        header.push_str("  targets twilio, exotel\n");
    }
    let first_node = snippet.text.lines().find_map(|l| {
        let mut words = l.split_whitespace();
        let (kind, name, brace) = (words.next()?, words.next()?, words.next()?);
        (brace == "{" && !["var", "flow", "module"].contains(&kind)).then_some(name)
    });
    if let (false, Some(node)) = (has("start "), first_node) {
        header.push_str(&format!("  start {node}\n"));
    }
    format!("flow doc {{\n{header}{}}}\n", snippet.text)
}

#[test]
fn every_documented_snippet_parses_and_shows_its_code() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for doc in documents() {
        for snippet in snippets(&doc) {
            checked += 1;
            let compiled = compile(&whole(&snippet), snippet.syntax);
            let codes: Vec<&str> = compiled
                .diagnostics
                .iter()
                .map(|d| d.code.as_str())
                .collect();
            let at = format!("{}:{}", snippet.file, snippet.line);
            let syntax_error = codes.contains(&"E001");
            match &snippet.section {
                Some((code, _)) if code == "E001" && !syntax_error => {
                    wrong.push(format!("{at}: shows E001 but parses"));
                }
                Some((code, _)) if code == "E001" => {}
                _ if syntax_error => {
                    let message = &compiled.diagnostics[0].message;
                    wrong.push(format!("{at}: does not parse: {message}"));
                }
                // A sketch naming nodes it does not show (E003) stops the
                // checks that need the whole graph: it is held to parsing.
                Some((code, true))
                    if !codes.contains(&code.as_str()) && !codes.contains(&"E003") =>
                {
                    wrong.push(format!("{at}: shows {code} but reports {codes:?}"));
                }
                _ => {}
            }
        }
    }
    assert!(
        checked > 80,
        "found only {checked} snippets: is the fence parser broken?"
    );
    assert!(
        wrong.is_empty(),
        "{} snippets drifted:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_snippet_reader_sees_fences_and_sections() {
    let doc = root().join("docs/diagnostics.md");
    let all = snippets(&doc);
    let e003 = all
        .iter()
        .find(|s| s.section.as_ref().is_some_and(|(c, _)| c == "E003"))
        .expect("an E003 snippet");
    assert!(e003.text.contains("mian"), "{}", e003.text);
    assert!(whole(e003).starts_with("flow doc {\n"));
}
