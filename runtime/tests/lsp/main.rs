//! `ivr lsp` over stdio with real JSON-RPC messages, as an editor drives it.

mod client;
mod features;
mod nvim;

use std::path::Path;

use client::Client;
use serde_json::{Value, json};

pub const BROKEN: &str = r#"flow broken {
  language "hi-IN"
  targets twilio
  start main

  menu main {
    prompt "नमस्ते"
    input dtmf speech
    "1", "नमस्ते" -> salse
    "2" -> sales
    "2" -> sales
    exhausted -> bye
  }

  hangup sales {
    text "Sales."
  }

  hangup bye {
    text "Bye."
  }

  hangup lonely {
    text "Never."
  }
}
"#;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// A document URI inside the checkout (the file need not exist).
fn uri(name: &str) -> String {
    format!("file://{}/{name}", repo().display())
}

pub fn code<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

/// Line and UTF-16 column of the first `needle` in `text`.
pub fn at(text: &str, needle: &str) -> (u64, u64) {
    let offset = text.find(needle).expect("needle in text");
    let line = text[..offset].matches('\n').count();
    let start = text[..offset].rfind('\n').map_or(0, |n| n + 1);
    (
        line as u64,
        text[start..offset].encode_utf16().count() as u64,
    )
}

fn position(text: &str, needle: &str) -> Value {
    let (line, character) = at(text, needle);
    json!({ "line": line, "character": character })
}

#[test]
fn publishes_the_checkers_diagnostics_with_codes_links_and_related_labels() {
    let mut lsp = Client::initialized(Value::Null);
    let doc = uri("flows/broken_by_test.ivr");
    lsp.open(&doc, "ivr", BROKEN);
    let diagnostics = lsp.diagnostics(&doc, 1);

    let unknown = code(&diagnostics, "E003");
    assert_eq!(unknown["severity"], 1, "an error");
    assert_eq!(unknown["source"], "ivr");
    // The range is counted in UTF-16 units past the Devanagari on its line.
    let (line, character) = at(BROKEN, "salse");
    assert_eq!(
        unknown["range"]["start"],
        json!({ "line": line, "character": character })
    );
    assert_eq!(unknown["range"]["end"]["character"], character + 5);
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `sales`?"),
        "{unknown}"
    );
    let link = format!(
        "file://{}/docs/diagnostics.md#e003-unknown-target",
        repo().display()
    );
    assert_eq!(unknown["codeDescription"]["href"], link);

    let twice = code(&diagnostics, "E006");
    let related = twice["relatedInformation"]
        .as_array()
        .expect("related information");
    assert_eq!(related[0]["message"], "first written here");
    assert_eq!(related[0]["location"]["uri"], doc);
    assert_eq!(
        related[0]["location"]["range"]["start"],
        position(BROKEN, "\"2\" -> sales")
    );

    // Fixed, the flow is checked whole: a warning, told apart from errors.
    let fixed = BROKEN
        .replace("salse", "sales")
        .replacen("    \"2\" -> sales\n", "", 1);
    lsp.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": doc, "version": 2 },
        "contentChanges": [{ "text": fixed }] }),
    );
    let diagnostics = lsp.diagnostics(&doc, 2);
    let unreachable = code(&diagnostics, "W010");
    assert_eq!(unreachable["severity"], 2, "a warning");
    assert!(
        diagnostics.iter().all(|d| d["severity"] == 2),
        "{diagnostics:#?}"
    );
    assert_eq!(lsp.shutdown().code(), Some(0));
}

#[test]
fn the_docs_link_can_be_configured_and_yaml_flows_are_checked() {
    let mut lsp =
        Client::initialized(json!({ "diagnosticsDocs": "https://example.test/diagnostics.md" }));
    let doc = "file:///nowhere/flow.yaml";
    let yaml = "flow: y\nlanguage: en-IN\ntargets: [twilio]\nstart: a\nnodes:\n  - say: a\n    text: Hi.\n    exits: { next: b }\n";
    lsp.open(doc, "yaml", yaml);
    let diagnostics = lsp.diagnostics(doc, 1);
    let unknown = code(&diagnostics, "E003");
    assert_eq!(
        unknown["codeDescription"]["href"],
        "https://example.test/diagnostics.md#e003-unknown-target"
    );
    assert_eq!(unknown["range"]["start"]["line"], 7, "{unknown}");
}

#[test]
fn changes_are_checked_after_the_author_pauses() {
    let mut lsp = Client::initialized(Value::Null);
    let doc = "file:///nowhere/typing.ivr";
    lsp.open(doc, "ivr", BROKEN);
    assert!(!lsp.diagnostics(doc, 1).is_empty());
    // Three quick edits, as typed: fix the target letter by letter (ranges in
    // UTF-16 units, after Devanagari on the same line).
    let (line, character) = at(BROKEN, "salse");
    let edit = |version: i64, from: u64, to: u64, text: &str| {
        json!({ "textDocument": { "uri": doc, "version": version },
                "contentChanges": [{ "range": {
                    "start": { "line": line, "character": character + from },
                    "end": { "line": line, "character": character + to } }, "text": text }] })
    };
    lsp.notify("textDocument/didChange", edit(2, 2, 5, ""));
    lsp.notify("textDocument/didChange", edit(3, 2, 2, "le"));
    lsp.notify("textDocument/didChange", edit(4, 4, 4, "s"));
    let diagnostics = lsp.diagnostics(doc, 4);
    assert!(
        diagnostics.iter().all(|d| d["code"] != "E003"),
        "{diagnostics:#?}"
    );
    assert!(diagnostics.iter().any(|d| d["code"] == "E006"));
}

#[test]
fn survives_garbage_text_bad_requests_and_any_order() {
    let mut lsp = Client::start();
    // Before `initialize`: an error answer, not a crash.
    let early = lsp.request("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    lsp.result("initialize", json!({ "capabilities": {} }));
    lsp.notify("initialized", json!({}));
    let twice = lsp.request("initialize", json!({ "capabilities": {} }));
    assert!(twice["error"].is_object());

    let garbage = [
        "",
        "}}}{{{",
        "flow",
        "flow x { menu m { \"1\" -> ",
        "\u{0}\u{7f}\u{feff}𝄞𝄞 \"unterminated { {call.",
        "flow x {\n  say a {\n    text \"{\n  }\n",
        "module m { returns ; start } flow f { run r { module m ; yes -> } }",
        "---\n- [ {",
    ];
    for (i, text) in garbage.iter().enumerate() {
        let doc = format!("file:///nowhere/garbage{i}.ivr");
        lsp.open(&doc, "ivr", text);
        lsp.diagnostics(&doc, 1);
        for (line, character) in [(0, 0), (0, 3), (1, 5), (99, 99), (0, 4_000_000_000u64)] {
            let at = json!({ "textDocument": { "uri": doc }, "position": { "line": line, "character": character } });
            for method in [
                "textDocument/hover",
                "textDocument/completion",
                "textDocument/definition",
                "textDocument/prepareRename",
            ] {
                lsp.result(method, at.clone());
            }
            let mut refs = at.clone();
            refs["context"] = json!({ "includeDeclaration": true });
            lsp.result("textDocument/references", refs);
        }
        let whole = json!({ "textDocument": { "uri": doc } });
        for method in ["textDocument/documentSymbol", "textDocument/foldingRange"] {
            lsp.result(method, whole.clone());
        }
        let mut format = whole.clone();
        format["options"] = json!({ "tabSize": 2, "insertSpaces": true });
        lsp.result("textDocument/formatting", format);
        let mut actions = whole.clone();
        actions["range"] =
            json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 9, "character": 0 } });
        actions["context"] = json!({ "diagnostics": [] });
        lsp.result("textDocument/codeAction", actions);
    }
    // Edits out of range, for documents never opened, and in YAML.
    lsp.notify("textDocument/didChange", json!({ "textDocument": { "uri": "file:///nowhere/ghost.ivr", "version": 2 }, "contentChanges": [{ "text": "x" }] }));
    lsp.notify("textDocument/didChange", json!({ "textDocument": { "uri": "file:///nowhere/garbage1.ivr", "version": 2 },
        "contentChanges": [{ "range": { "start": { "line": 50, "character": 3 }, "end": { "line": 2, "character": 0 } }, "text": "flow" }] }));
    lsp.diagnostics("file:///nowhere/garbage1.ivr", 2);
    let hover_ghost = lsp.result("textDocument/hover", json!({ "textDocument": { "uri": "file:///nowhere/ghost.ivr" }, "position": { "line": 0, "character": 0 } }));
    assert_eq!(hover_ghost, Value::Null);
    // Unknown methods and malformed parameters are errors, not the end.
    assert_eq!(
        lsp.request("ivr/nonsense", json!({}))["error"]["code"],
        -32601
    );
    assert_eq!(
        lsp.request("textDocument/hover", json!({ "nonsense": 1 }))["error"]["code"],
        -32602
    );
    lsp.notify("textDocument/didOpen", json!({ "nonsense": true }));
    assert!(lsp.alive());

    // Still answering real questions.
    let doc = "file:///nowhere/after.ivr";
    lsp.open(doc, "ivr", BROKEN);
    assert!(!lsp.diagnostics(doc, 1).is_empty());
    assert_eq!(lsp.shutdown().code(), Some(0));
}

#[test]
fn a_file_deleted_under_the_server_is_forgotten_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gone.ivr");
    std::fs::write(&path, BROKEN).unwrap();
    let doc = format!("file://{}", path.display());
    let mut lsp = Client::start();
    let root = format!("file://{}", dir.path().display());
    lsp.result("initialize", json!({ "capabilities": {}, "rootUri": root }));
    lsp.notify("initialized", json!({}));
    let found = lsp.result("workspace/symbol", json!({ "query": "lonely" }));
    assert_eq!(found[0]["location"]["uri"], doc, "{found}");
    std::fs::remove_file(&path).unwrap();
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": doc, "type": 3 }] }),
    );
    let cleared = lsp.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == doc
    });
    assert_eq!(cleared["params"]["diagnostics"], json!([]));
    assert_eq!(
        lsp.result("workspace/symbol", json!({ "query": "lonely" })),
        json!([])
    );
    assert!(lsp.alive());
}
