//! Completion, hover, navigation, rename, outline, formatting, folding and
//! quick fixes, each asserted on what an editor would show or apply.

use serde_json::{Value, json};

use crate::client::{Client, apply};
use crate::{at, code};

const FLOW: &str = r#"flow shop {
  language "hi-IN"
  timezone "Asia/Kolkata"
  targets twilio
  var order_id: digits
  start ask

  gather ask {
    prompt "Key in your order number."
    digits 6
    into order_id
    done -> confirm
    exhausted -> bye
  }

  say confirm {
    text "Order {order_id} is on its way."
    next -> bye
  }

  hangup bye {
    text "Goodbye."
  }
}
"#;

fn open(text: &str) -> (Client, &'static str) {
    let mut lsp = Client::initialized(Value::Null);
    let doc = "file:///nowhere/shop.ivr";
    lsp.open(doc, "ivr", text);
    lsp.diagnostics(doc, 1);
    (lsp, doc)
}

fn pos(doc: &str, text: &str, needle: &str, plus: u64) -> Value {
    let (line, character) = at(text, needle);
    json!({ "textDocument": { "uri": doc }, "position": { "line": line, "character": character + plus } })
}

fn labels(items: &Value) -> Vec<String> {
    let list = items.get("items").unwrap_or(items);
    list.as_array()
        .into_iter()
        .flatten()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

/// Complete at the end of `line` inserted before `before` in FLOW.
fn complete_after(line: &str, before: &str) -> Vec<String> {
    let text = FLOW.replacen(before, &format!("{line}\n{before}"), 1);
    let (mut lsp, doc) = open(&text);
    let end = text.find(line).unwrap() + line.len();
    let (l, c) = at(&text, &text[end..]);
    let params =
        json!({ "textDocument": { "uri": doc }, "position": { "line": l, "character": c } });
    labels(&lsp.result("textDocument/completion", params))
}

#[test]
fn completes_kinds_properties_exits_targets_and_values() {
    let kinds = complete_after("  me", "  hangup bye {");
    assert!(
        kinds.contains(&"menu".into()) && kinds.contains(&"max_prompts".into()),
        "{kinds:?}"
    );

    // Inside `say`: its properties, and only the exit not yet written.
    let say = complete_after("    lo", "    next -> bye");
    assert!(
        say.contains(&"loop".into()) && say.contains(&"audio".into()),
        "{say:?}"
    );
    assert!(!say.contains(&"timeout".into()));
    let gather = complete_after("    ", "    done -> confirm");
    assert!(gather.contains(&"max_noinput".into()) && gather.contains(&"noinput_exhausted".into()));
    assert!(
        !gather.contains(&"exhausted".into()),
        "already written: {gather:?}"
    );

    let targets = complete_after("    nomatch_exhausted -> ", "    done -> confirm");
    assert_eq!(targets, ["ask", "confirm", "bye"]);

    let template = complete_after("    text \"Hi {", "    next -> bye");
    assert!(template.contains(&"order_id".into()) && template.contains(&"call.from".into()));
    let condition = complete_after("  branch b {\n    when ", "  hangup bye {");
    assert!(
        condition.contains(&"call.answered_by".into()) && condition.contains(&"order_id".into())
    );

    let tags = complete_after("  language \"", "  targets twilio");
    assert!(tags.contains(&"en-IN".into()) && tags.contains(&"hi-IN".into()));
    let zones = complete_after("  timezone \"", "  targets twilio");
    assert!(zones.contains(&"Asia/Kolkata".into()) && zones.contains(&"Europe/London".into()));
    // Voices for the flow's language (hi-IN): Aditi speaks it, Raveena does not.
    let voices = complete_after("  voice \"", "  targets twilio");
    assert!(
        voices.contains(&"Polly.Aditi".into()) && !voices.contains(&"Polly.Raveena".into()),
        "{voices:?}"
    );
}

const YAML: &str = "flow: shop\nlanguage: hi-IN\ntargets: [twilio]\nstart: ask\nnodes:\n  - gather: ask\n    prompt: Key in your order number.\n    digits: 6\n    exits:\n      done: bye\n  - hangup: bye\n    text: Goodbye.\n";

/// Complete in YAML at the end of `line` inserted before `before`.
fn complete_yaml(line: &str, before: &str) -> Vec<String> {
    let text = YAML.replacen(before, &format!("{line}\n{before}"), 1);
    let mut lsp = Client::initialized(Value::Null);
    let doc = "file:///nowhere/shop.yaml";
    lsp.open(doc, "yaml", &text);
    let end = text.find(line).unwrap() + line.len();
    let (l, c) = at(&text, &text[end..]);
    let params =
        json!({ "textDocument": { "uri": doc }, "position": { "line": l, "character": c } });
    labels(&lsp.result("textDocument/completion", params))
}

#[test]
fn completes_yaml_keys_exits_targets_and_kinds() {
    let keys = complete_yaml("    ti", "    exits:\n      done");
    assert!(
        keys.iter().any(|k| k == "timeout") && keys.iter().any(|k| k == "finish"),
        "a gather's keys: {keys:?}"
    );
    assert!(
        !keys.iter().any(|k| k == "choices" || k == "text"),
        "{keys:?}"
    );
    let exits = complete_yaml("      exh", "  - hangup: bye");
    assert!(exits.contains(&"exhausted".to_string()), "{exits:?}");
    let targets = complete_yaml("      exhausted: ", "  - hangup: bye");
    assert_eq!(targets, ["ask", "bye"]);
    let inline = complete_yaml("    exits: { next: b", "  - hangup: bye");
    assert_eq!(inline, ["ask", "bye"]);
    let start = complete_yaml("fallback: ", "nodes:");
    assert!(start.is_empty(), "not a target: {start:?}");
    let kinds = complete_yaml("  - me", "  - hangup: bye");
    assert!(kinds.iter().any(|k| k == "menu") && kinds.iter().any(|k| k == "gather"));
    let top = complete_yaml("voi", "nodes:");
    assert!(top.iter().any(|k| k == "voice"), "{top:?}");
}

#[test]
fn hovers_with_the_manuals_words_types_and_targets() {
    let (mut lsp, doc) = open(FLOW);
    let hover = |lsp: &mut Client, needle: &str, plus: u64| {
        let answer = lsp.result("textDocument/hover", pos(doc, FLOW, needle, plus));
        answer["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let kind = hover(&mut lsp, "gather ask", 1);
    assert!(kind.contains("collect digits or speech"), "{kind}");
    let property = hover(&mut lsp, "digits 6", 1);
    assert!(
        property.starts_with("`digits`") && property.contains("exact number of digits"),
        "{property}"
    );
    let var = hover(&mut lsp, "{order_id}", 2);
    assert!(
        var.contains("order_id: digits") && var.contains("`gather ask`"),
        "{var}"
    );
    let target = hover(&mut lsp, "-> confirm", 4);
    assert!(
        target.contains("`say confirm`") && target.contains("Order {order_id} is on its way."),
        "{target}"
    );
}

#[test]
fn finds_definitions_references_and_renames() {
    let (mut lsp, doc) = open(FLOW);
    let def = lsp.result("textDocument/definition", pos(doc, FLOW, "-> bye", 4));
    assert_eq!(
        def["range"]["start"],
        json!({ "line": at(FLOW, "bye {").0, "character": 9 })
    );

    let mut refs = pos(doc, FLOW, "into order_id", 6);
    refs["context"] = json!({ "includeDeclaration": true });
    let found = lsp.result("textDocument/references", refs);
    assert_eq!(
        found.as_array().unwrap().len(),
        3,
        "declaration, into, template: {found}"
    );

    let mut rename = pos(doc, FLOW, "say confirm", 5);
    rename["newName"] = json!("thanks");
    let edit = lsp.result("textDocument/rename", rename.clone());
    let renamed = apply(FLOW, edit["changes"][doc].as_array().unwrap());
    assert!(renamed.contains("say thanks {") && renamed.contains("done -> thanks"));
    assert!(
        ivr_compiler::compile(&renamed, ivr_compiler::Syntax::Ivr)
            .graph
            .is_some()
    );
    // A name already taken, or no name at all, is refused.
    rename["newName"] = json!("bye");
    assert!(lsp.request("textDocument/rename", rename.clone())["error"].is_object());
    rename["newName"] = json!("two words");
    assert!(lsp.request("textDocument/rename", rename)["error"].is_object());
}

const SCENARIOS: &str = "scenarios:\n  - name: on its way\n    steps:\n      - press: \"123456\"\n      - expect: { say: confirm, node: confirm, path: [ask, confirm], exits: [\"confirm:next\"] }\n";

/// Rename `confirm` in shop.ivr beside shop.test.yaml (and maybe a twin).
fn rename_beside_scenarios(twin: bool) -> (Value, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let flow = dir.path().join("shop.ivr");
    let scenarios = dir.path().join("shop.test.yaml");
    std::fs::write(&flow, FLOW).unwrap();
    std::fs::write(&scenarios, SCENARIOS).unwrap();
    if twin {
        std::fs::write(dir.path().join("shop.yaml"), "flow: shop\n").unwrap();
    }
    let file_uri = |p: &std::path::Path| url::Url::from_file_path(p).unwrap().to_string();
    let (doc, tests) = (file_uri(&flow), file_uri(&scenarios));
    let mut lsp = Client::initialized(Value::Null);
    lsp.open(&doc, "ivr", FLOW);
    lsp.diagnostics(&doc, 1);
    let mut rename = pos(&doc, FLOW, "say confirm", 5);
    rename["newName"] = json!("thanks");
    let edit = lsp.result("textDocument/rename", rename);
    let renamed = apply(FLOW, edit["changes"][&doc].as_array().unwrap());
    assert!(renamed.contains("say thanks {") && renamed.contains("done -> thanks"));
    let edits = edit["changes"][&tests]
        .as_array()
        .cloned()
        .unwrap_or_default();
    (edit, renamed, apply(SCENARIOS, &edits))
}

#[test]
fn renaming_a_node_renames_it_in_the_flows_scenarios_but_not_in_what_is_said() {
    let (_, _, scenarios) = rename_beside_scenarios(false);
    assert_eq!(
        scenarios,
        SCENARIOS
            .replace("node: confirm", "node: thanks")
            .replace("[ask, confirm]", "[ask, thanks]")
            .replace("\"confirm:next\"", "\"thanks:next\""),
        "say: confirm is what the caller hears, not a node"
    );
    // With a YAML twin sharing the scenarios, they stay as the twin needs them.
    let (edit, _, shared) = rename_beside_scenarios(true);
    assert_eq!(shared, SCENARIOS, "{edit}");
}

#[test]
fn outlines_folds_and_formats() {
    let messy = FLOW.replace("    digits 6", "digits    6");
    let (mut lsp, doc) = open(&messy);
    let whole = json!({ "textDocument": { "uri": doc } });
    let outline = lsp.result("textDocument/documentSymbol", whole.clone());
    let children: Vec<&str> = outline[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(outline[0]["name"], "shop");
    assert_eq!(children, ["order_id", "ask", "confirm", "bye"]);

    let folds = lsp.result("textDocument/foldingRange", whole.clone());
    let starts: Vec<u64> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["startLine"].as_u64().unwrap())
        .collect();
    assert!(
        starts.contains(&0) && starts.contains(&at(&messy, "gather ask").0),
        "{folds}"
    );

    let mut format = whole;
    format["options"] = json!({ "tabSize": 2, "insertSpaces": true });
    let edits = lsp.result("textDocument/formatting", format);
    let formatted = apply(&messy, edits.as_array().unwrap());
    assert_eq!(formatted, ivr_compiler::format::format(&messy).unwrap());
    assert!(formatted.contains("    digits 6\n"));
}

/// The quick fix offered for `code`, applied.
fn fixed(text: &str, code_name: &str) -> String {
    let mut lsp2 = Client::initialized(Value::Null);
    let doc = "file:///nowhere/fix.ivr";
    lsp2.open(doc, "ivr", text);
    let diagnostics = lsp2.diagnostics(doc, 1);
    let d = code(&diagnostics, code_name).clone();
    let actions = lsp2.result(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": doc }, "range": d["range"], "context": { "diagnostics": [d] } }),
    );
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    apply(text, action["edit"]["changes"][doc].as_array().unwrap())
}

fn codes(text: &str) -> Vec<&'static str> {
    ivr_compiler::compile(text, ivr_compiler::Syntax::Ivr)
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect()
}

#[test]
fn quick_fixes_repair_what_they_say() {
    let typo = FLOW.replace("done -> confirm", "done -> confrim");
    let after = fixed(&typo, "E003");
    assert_eq!(after, FLOW);

    let missing = FLOW.replace("    exhausted -> bye\n", "");
    let after = fixed(&missing, "E004");
    assert!(after.contains("    exhausted -> todo\n  }"), "{after}");
    assert!(!codes(&after).contains(&"E004"), "{after}");

    let undeclared = FLOW.replace("{order_id} is", "{total} is");
    let after = fixed(&undeclared, "E013");
    assert!(after.contains("  var total: string\n"), "{after}");
    assert!(!codes(&after).contains(&"E013"), "{:?}", codes(&after));
}
