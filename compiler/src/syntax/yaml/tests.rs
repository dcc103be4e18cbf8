use super::*;
use crate::source::LineIndex;

const FLOW: &str = r##"# Acme
flow: main_line
language: en-IN
targets: [twilio, exotel]
vars:
  attempts: { type: number, default: 0 }
  order_id: digits
  order:
    type: json
start: welcome
nodes:
  - say: welcome
    text: { en-IN: Hello, hi-IN: "नमस्ते" }
    exits: { next: main }

  - menu: main
    prompt: "For sales press 1."
    reprompt:
      - Please press 1.
      - Last try.
    timeout: 6s
    colour: red
    exits:
      "1": sales
      2: route
      "#": main
      exhausted: goodbye
  - branch: route
    when:
      - if: order.status == "shipped"
        go: goodbye
      - if: true
        go: return done
    exits: { else: main }
  - set: bump   # comment
    assign:
      attempts: attempts + 1
      question: '"Did you get it?"'
    exits: { next: main }
  - http: sales
    url: "https://api.example.com/orders/{order_id}"
    header: { Authorization: "Bearer {env.TOKEN}", X-Trace: 1 }
    exits: { ok: goodbye, error: goodbye }
  - transfer: agents
    to: +919876543210
    record: true
    exits: { answered: goodbye }
  - hangup: goodbye
    text: >
      Goodbye
      for now.
modules:
  - module: confirm
    params: { question: string }
    returns: [yes, no]
    start: ask
    nodes:
      - menu: ask
        prompt: "{question}"
        exits: { "1": return yes, exhausted: return no }
"##;

fn slice(text: &str, span: Span) -> &str {
    &text[span.start as usize..span.end as usize]
}

fn line_of(text: &str, span: Span) -> usize {
    LineIndex::new(text).line_col(text, span.start).0
}

fn prop<'a>(node: &'a Node, key: &str) -> &'a Property {
    node.items
        .iter()
        .find_map(|i| match i {
            Item::Property(p) if p.key.value == key => Some(p),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no property {key}"))
}

fn errors(text: &str) -> Vec<Diagnostic> {
    parse(text).expect_err("expected diagnostics")
}

#[test]
fn converts_units_settings_and_vars() {
    let file = parse(FLOW).unwrap();
    assert_eq!(file.units.len(), 2);
    let flow = &file.units[0];
    assert_eq!(flow.kind, UnitKind::Flow);
    assert_eq!(flow.name.value, "main_line");
    assert_eq!(slice(FLOW, flow.name.span), "main_line");
    let keys: Vec<&str> = flow.settings.iter().map(|p| p.key.value.as_str()).collect();
    assert_eq!(keys, ["language", "targets"]);
    let targets = &flow.settings[1];
    assert_eq!(targets.values[1].value, Value::Str("exotel".into()));
    assert_eq!(slice(FLOW, targets.values[1].span), "exotel");
    assert_eq!(slice(FLOW, targets.span), "targets: [twilio, exotel]");
    assert_eq!(flow.vars.len(), 3);
    assert_eq!(
        flow.vars[0].default.as_ref().map(|d| &d.value),
        Some(&Value::Number(0.0))
    );
    assert_eq!(slice(FLOW, flow.vars[1].ty.span), "digits");
    assert_eq!(flow.vars[2].ty.value, "json");
    assert_eq!(slice(FLOW, flow.vars[2].ty.span), "json");
    assert_eq!(
        flow.start.as_ref().map(|s| s.value.as_str()),
        Some("welcome")
    );
    assert_eq!(flow.nodes.len(), 7);

    let module = &file.units[1];
    assert_eq!(module.kind, UnitKind::Module);
    assert_eq!(module.params[0].name.value, "question");
    let returns: Vec<&str> = module.returns.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(returns, ["yes", "no"]);
    let Item::Exit(exit) = &module.nodes[0].items[1] else {
        panic!("exit")
    };
    assert_eq!(exit.target.value, Target::Return("yes".into()));
}

#[test]
fn converts_nodes_items_and_values() {
    let file = parse(FLOW).unwrap();
    let nodes = &file.units[0].nodes;

    let say = &nodes[0];
    assert_eq!(
        (say.kind.value.as_str(), say.name.value.as_str()),
        ("say", "welcome")
    );
    assert_eq!(slice(FLOW, say.kind.span), "say");
    assert_eq!(slice(FLOW, say.name.span), "welcome");
    let Value::Localized(texts) = &prop(say, "text").values[0].value else {
        panic!("localized")
    };
    assert_eq!(texts[1].1.value, "नमस्ते");
    assert_eq!(slice(FLOW, texts[1].0.span), "hi-IN");
    assert_eq!(slice(FLOW, texts[1].1.span), "\"नमस्ते\"");

    let menu = &nodes[1];
    let reprompt = prop(menu, "reprompt");
    assert_eq!(reprompt.values.len(), 2);
    assert_eq!(slice(FLOW, reprompt.values[1].span), "Last try.");
    assert_eq!(prop(menu, "timeout").values[0].value, Value::Duration(6000));
    let exits: Vec<(&ExitName, &str)> = menu
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Exit(e) => Some((&e.name.value, slice(FLOW, e.name.span))),
            _ => None,
        })
        .collect();
    assert_eq!(
        exits,
        [
            (&ExitName::Key("1".into()), "\"1\""),
            (&ExitName::Key("2".into()), "2"),
            (&ExitName::Key("#".into()), "\"#\""),
            (&ExitName::Word("exhausted".into()), "exhausted"),
        ]
    );

    let branch = &nodes[2];
    let Item::When(shipped) = &branch.items[0] else {
        panic!("when")
    };
    assert_eq!(
        slice(FLOW, shipped.condition.span),
        "order.status == \"shipped\""
    );
    assert!(matches!(
        shipped.condition.kind,
        ExprKind::Binary(BinOp::Eq, _, _)
    ));
    let Item::When(always) = &branch.items[1] else {
        panic!("when")
    };
    assert_eq!(always.condition.kind, ExprKind::Bool(true));
    assert_eq!(always.target.value, Target::Return("done".into()));

    let set = &nodes[3];
    let Item::Assign(bump) = &set.items[0] else {
        panic!("assign")
    };
    assert_eq!(slice(FLOW, bump.span), "attempts: attempts + 1");
    assert_eq!(slice(FLOW, bump.value.span), "attempts + 1");
    let Item::Assign(question) = &set.items[1] else {
        panic!("assign")
    };
    assert_eq!(question.value.kind, ExprKind::Str("Did you get it?".into()));
    assert_eq!(slice(FLOW, question.value.span), "\"Did you get it?\"");

    let http = &nodes[4];
    let headers: Vec<Vec<Value>> = http
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Property(p) if p.key.value == "header" => {
                Some(p.values.iter().map(|v| v.value.clone()).collect())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        headers,
        [
            vec![
                Value::Str("Authorization".into()),
                Value::Str("Bearer {env.TOKEN}".into())
            ],
            vec![Value::Str("X-Trace".into()), Value::Str("1".into())],
        ]
    );

    let transfer = &nodes[5];
    assert_eq!(transfer.kind.value, "transfer");
    assert_eq!(
        prop(transfer, "to").values[0].value,
        Value::Str("+919876543210".into())
    );
    assert_eq!(prop(transfer, "record").values[0].value, Value::Bool(true));

    let hangup = &nodes[6];
    assert_eq!(
        prop(hangup, "text").values[0].value,
        Value::Str("Goodbye for now.\n".into())
    );
    assert_eq!(slice(FLOW, hangup.span).lines().count(), 4);
}

#[test]
fn an_unknown_field_is_a_property_on_its_own_line() {
    let file = parse(FLOW).unwrap();
    let colour = prop(&file.units[0].nodes[1], "colour");
    assert_eq!(line_of(FLOW, colour.key.span), 22);
    assert_eq!(FLOW.lines().nth(21), Some("    colour: red"));
    assert_eq!(slice(FLOW, colour.key.span), "colour");
    assert_eq!(slice(FLOW, colour.values[0].span), "red");
    assert_eq!(slice(FLOW, colour.span), "colour: red");
}

#[test]
fn node_spans_cover_the_list_entry() {
    let file = parse(FLOW).unwrap();
    let set = &file.units[0].nodes[3];
    assert!(slice(FLOW, set.span).starts_with("set: bump"));
    assert!(slice(FLOW, set.span).ends_with("exits: { next: main }"));
    let Item::Exit(next) = set.items.last().unwrap() else {
        panic!("exit")
    };
    assert_eq!(slice(FLOW, next.span), "next: main");
    assert_eq!(slice(FLOW, next.target.span), "main");
}

#[test]
fn a_yaml_syntax_error_has_its_line() {
    let text = "flow: f\nnodes:\n  - say: a\n    text: [unclosed\n  - say: b\n";
    let err = errors(text);
    assert_eq!(err.len(), 1);
    assert_eq!(err[0].code, Code::Syntax);
    assert!(
        err[0].message.starts_with("invalid YAML"),
        "{}",
        err[0].message
    );
    assert!(!err[0].message.contains(" at line "), "{}", err[0].message);
    assert_eq!(line_of(text, err[0].span()), 5, "{:?}", err[0]);

    let text = "flow: f\nstart: a\nnodes:\n- say: a\n  text: x\n   bad: indent\n";
    assert_eq!(line_of(text, errors(text)[0].span()), 6);
}

#[test]
fn a_duplicate_key_is_a_syntax_error() {
    let text = "flow: f\nnodes:\n  - say: a\n    text: x\n    text: y\n";
    let err = errors(text);
    assert_eq!(err[0].code, Code::Syntax);
    assert_eq!(err[0].message, "invalid YAML: duplicate key `text`");
    assert_eq!(line_of(text, err[0].span()), 5);
    assert_eq!(slice(text, err[0].span()), "text");

    let text = "flow: f\nnodes:\n  - say: a\n\ttext: x\n";
    assert_eq!(
        errors(text)[0].help.as_deref(),
        Some("YAML indents with spaces, not tabs")
    );
}

#[test]
fn a_node_without_a_kind_suggests_one() {
    let text = "flow: f\nnodes:\n  - gahter: ask\n    into: x\n";
    let err = errors(text);
    assert_eq!(err[0].code, Code::UnknownKind);
    assert_eq!(err[0].message, "unknown node kind `gahter`");
    assert_eq!(err[0].help.as_deref(), Some("did you mean `gather`?"));
    assert_eq!(slice(text, err[0].span()), "gahter");

    let err = errors("flow: f\nnodes:\n  - text: hello\n");
    assert_eq!(err[0].code, Code::UnknownKind);
    assert_eq!(err[0].message, "this node has no kind");
}

#[test]
fn a_node_with_two_kinds_is_refused() {
    let text = "flow: f\nnodes:\n  - say: a\n    menu: b\n";
    let err = errors(text);
    assert_eq!(err[0].code, Code::UnknownKind);
    assert_eq!(slice(text, err[0].span()), "menu");
}

#[test]
fn shape_errors_are_all_collected() {
    let text = r#"flow: f
nodes:
  - menu: main
    exits: [sales]
  - branch: route
    when:
      - if: x == 1
        goto: main
  - say: a b
  - 42
modules:
  - module: m
    parms: { x: string }
vars:
  n: { type: number, defualt: 1 }
"#;
    let err = errors(text);
    let got: Vec<(Code, usize)> = err
        .iter()
        .map(|d| (d.code, line_of(text, d.span())))
        .collect();
    assert_eq!(
        got,
        [
            (Code::InvalidValue, 4),  // exits is a list
            (Code::UnknownField, 8),  // goto
            (Code::MissingField, 7),  // no go
            (Code::InvalidValue, 9),  // `a b` is not a name
            (Code::InvalidValue, 10), // 42 is not a node
            (Code::UnknownField, 13), // parms
            (Code::UnknownField, 15), // defualt
        ],
        "{err:#?}"
    );
    assert_eq!(err[1].help.as_deref(), Some("did you mean `go`?"));
    assert_eq!(err[5].help.as_deref(), Some("did you mean `params`?"));
    assert_eq!(err[6].help.as_deref(), Some("did you mean `default`?"));
}

#[test]
fn an_expression_error_points_into_the_yaml_string() {
    let text = "flow: f\nnodes:\n  - set: s\n    assign: { x: \"1 +\" }\n";
    let err = errors(text);
    assert_eq!(err[0].code, Code::Syntax);
    assert_eq!(line_of(text, err[0].span()), 4);
    assert!(err[0].span().start as usize > text.find("1 +").unwrap());
}

#[test]
fn with_is_for_run_and_assign_for_set() {
    let text = "flow: f\nnodes:\n  - run: r\n    module: m\n    with: { q: '\"x\"' }\n    exits: { yes: a }\n";
    let file = parse(text).unwrap();
    let run = &file.units[0].nodes[0];
    assert!(matches!(run.items[1], Item::Assign(_)));
    let Item::Exit(yes) = &run.items[2] else {
        panic!("exit")
    };
    assert_eq!(yes.name.value, ExitName::Word("yes".into()));

    let err = errors("flow: f\nnodes:\n  - set: s\n    with: { q: 1 }\n");
    assert_eq!(err[0].code, Code::UnknownField);
}

#[test]
fn a_file_of_modules_has_no_flow_and_flow_parts_need_a_name() {
    let file = parse("modules:\n  - module: m\n    start: a\n    nodes: []\n").unwrap();
    assert_eq!(file.units.len(), 1);
    assert_eq!(file.units[0].kind, UnitKind::Module);

    let text = "language: en-IN\nnodes: []\n";
    let err = errors(text);
    assert_eq!(err[0].code, Code::MissingField);
    assert_eq!(slice(text, err[0].span()), "language");

    assert_eq!(parse("").unwrap(), File::default());
    assert_eq!(parse("# nothing\n").unwrap(), File::default());
    assert_eq!(errors("- a\n- b\n")[0].code, Code::InvalidValue);
}

#[test]
fn empty_values_and_null_defaults_match_ivr() {
    let text = "flow: f\nvars:\n  x: { type: string, default: null }\nnodes:\n  - record: r\n    beep:\n    exits:\n";
    let file = parse(text).unwrap();
    assert_eq!(
        file.units[0].vars[0].default.as_ref().unwrap().value,
        Value::Word("null".into())
    );
    let record = &file.units[0].nodes[0];
    assert_eq!(record.items.len(), 1);
    assert!(prop(record, "beep").values.is_empty());
}

mod locator {
    use super::super::locate::{Shape, locate};
    use super::*;

    fn keys(text: &str) -> Vec<(String, String, String)> {
        let root = locate(text);
        let Shape::Map(entries) = &root.shape else {
            panic!("map: {root:?}")
        };
        entries
            .iter()
            .map(|e| {
                (
                    e.key.clone(),
                    slice(text, e.key_span).to_string(),
                    slice(text, e.value.span).to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn finds_keys_and_values_in_block_and_flow_style() {
        let text = "---\na: 1   # one\n'b c': \"x # y\"\nd: { e: [1, 2], \"f\": g }\nh:\n- i\n- j: k\n  l: m\nn: |\n  line\n   more\no: plain\n  continued\n";
        let got = keys(text);
        let want = [
            ("a", "a", "1"),
            ("b c", "'b c'", "\"x # y\""),
            ("d", "d", "{ e: [1, 2], \"f\": g }"),
            ("h", "h", "- i\n- j: k\n  l: m"),
            ("n", "n", "|\n  line\n   more"),
            ("o", "o", "plain\n  continued"),
        ];
        let got: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        assert_eq!(got, want);

        let root = locate(text);
        let d = root.entry(2, "d").value;
        let f = d.entry(1, "f");
        assert_eq!(slice(text, f.key_span), "\"f\"");
        assert_eq!(slice(text, f.value.span), "g");
        assert_eq!(slice(text, d.entry(0, "e").value.item(1).span), "2");
        let h = root.entry(3, "h").value;
        assert_eq!(slice(text, h.item(1).entry(1, "l").value.span), "m");
        assert_eq!(
            root.entry(1, "b c").value.content_start(),
            text.find("x #").unwrap()
        );
    }

    #[test]
    fn unknown_children_fall_back_to_the_parent() {
        let text = "a: *ref\n";
        let root = locate(text);
        let a = root.entry(0, "a").value;
        assert_eq!(slice(text, a.item(3).span), "*ref");
        let missing = root.entry(5, "zzz");
        assert_eq!(missing.span, root.span);
    }
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn deep_nesting_is_a_diagnostic() {
        for text in [
            "[".repeat(100_000),
            format!("a: {}1{}", "[".repeat(5_000), "]".repeat(5_000)),
            "- ".repeat(50_000),
            (0..3_000)
                .map(|i| format!("{}k:\n", " ".repeat(i)))
                .collect(),
        ] {
            assert!(parse(&text).is_err());
        }
        let deep_expr = format!(
            "flow: f\nnodes:\n  - set: s\n    assign: {{ x: '{}1{}' }}\n",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        assert_eq!(errors(&deep_expr)[0].code, Code::InvalidValue);
    }

    proptest! {
        #[test]
        fn any_text_gives_an_ast_or_diagnostics(text in "\\PC{0,200}") {
            let _ = parse(&text);
        }

        #[test]
        fn mangled_flows_never_panic(cut in 0usize..FLOW.len(), insert in "[-:{}\\[\\], #'\"|>\n ]{0,4}") {
            let mut text = FLOW.to_string();
            let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            text.insert_str(cut, &insert);
            if let Ok(file) = parse(&text) {
                for unit in &file.units {
                    for node in &unit.nodes {
                        assert!(node.span.end as usize <= text.len());
                    }
                }
            }
            // The checker and the renderer take whatever spans this gives.
            let compiled = crate::compile(&text, crate::Syntax::Yaml);
            let _ = crate::report::render_plain("f.yaml", &text, &compiled.diagnostics, 80);
        }
    }
}

#[test]
fn a_misspelt_flow_part_is_not_taken_for_a_setting() {
    let text = "flow: f\nnode:\n  - say: a\n";
    let err = errors(text);
    assert_eq!(err.len(), 1, "{err:#?}");
    assert_eq!(err[0].code, Code::UnknownField);
    assert_eq!(err[0].help.as_deref(), Some("did you mean `nodes`?"));
    assert_eq!(slice(text, err[0].span()), "node");
    // A word-valued key close to a part is still a setting: the checker judges it.
    let file = parse("flow: f\nstarts: a\n").unwrap();
    assert_eq!(file.units[0].settings[0].key.value, "starts");
}

#[test]
fn windows_line_endings_give_the_same_ast_and_exact_spans() {
    let crlf = FLOW.replace('\n', "\r\n");
    let file = parse(&crlf).unwrap();
    let colour = prop(&file.units[0].nodes[1], "colour");
    assert_eq!(slice(&crlf, colour.span), "colour: red");
    assert_eq!(line_of(&crlf, colour.key.span), 22);
    let Item::When(when) = &file.units[0].nodes[2].items[0] else {
        panic!("when")
    };
    assert_eq!(
        slice(&crlf, when.condition.span),
        "order.status == \"shipped\""
    );
}

#[test]
fn the_language_reference_example_parses() {
    let doc = include_str!("../../../../docs/LANGUAGE.md");
    let start = doc.find("```yaml\n").expect("a YAML example") + "```yaml\n".len();
    let example = &doc[start..start + doc[start..].find("```").unwrap()];
    let file = parse(&example.replace("[ … ]", "[]")).unwrap();
    assert_eq!(file.units[0].name.value, "main_line");
    assert_eq!(file.units[0].nodes.len(), 6);
    assert_eq!(file.units[1].returns.len(), 2);
}

/// Every name, key and value span in the examples covers the text it names.
#[test]
fn spans_in_the_examples_cover_what_they_name() {
    for text in [
        include_str!("../../../../examples/pizza_order.yaml"),
        include_str!("../../../../examples/clinic_hours.yaml"),
        include_str!("../../../../examples/pharmacy_refill.yaml"),
        FLOW,
    ] {
        let file = parse(text).unwrap();
        for unit in &file.units {
            assert_eq!(slice(text, unit.name.span), unit.name.value);
            for var in unit.vars.iter().chain(&unit.params) {
                assert_eq!(slice(text, var.name.span), var.name.value);
                assert_eq!(slice(text, var.ty.span), var.ty.value);
            }
            for node in &unit.nodes {
                assert_eq!(slice(text, node.kind.span), node.kind.value);
                assert_eq!(slice(text, node.name.span), node.name.value);
                for item in &node.items {
                    let item_text = slice(text, item.span());
                    match item {
                        Item::Property(p) => {
                            assert_eq!(slice(text, p.key.span), p.key.value);
                            for v in &p.values {
                                let written = slice(text, v.span);
                                match &v.value {
                                    Value::Str(s)
                                        if !s.contains('\n')
                                            && p.key.value != "header"
                                            && p.key.value != "param" =>
                                    {
                                        assert_eq!(written.trim_matches(['"', '\'']), s)
                                    }
                                    _ => assert!(!written.is_empty()),
                                }
                                assert!(item_text.contains(written));
                            }
                        }
                        Item::Exit(e) => {
                            let target = match &e.target.value {
                                Target::Node(n) => n.clone(),
                                Target::Return(r) => format!("return {r}"),
                            };
                            assert_eq!(slice(text, e.target.span), target);
                            assert!(item_text.ends_with(&target), "{item_text}");
                        }
                        Item::When(w) => assert!(item_text.contains(slice(text, w.condition.span))),
                        Item::Assign(a) => {
                            assert_eq!(slice(text, a.var.span), a.var.value);
                            assert!(item_text.starts_with(&a.var.value));
                        }
                    }
                }
            }
        }
    }
}

/// The schema editors read (`ivr schema flow`) and the loader agree: what the
/// loader takes, the schema takes; the shape errors it reports, the schema
/// reports too.
mod schema_agreement {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value as Json;
    use std::sync::OnceLock;

    fn validator() -> &'static jsonschema::Validator {
        static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
        VALIDATOR.get_or_init(|| jsonschema::validator_for(&schema()).expect("a valid schema"))
    }

    /// YAML as an editor plugin hands it to a schema: keys are text.
    fn json(value: &Yaml) -> Json {
        match value {
            Yaml::Null => Json::Null,
            Yaml::Bool(b) => Json::Bool(*b),
            Yaml::Number(n) => serde_json::to_value(n.as_f64()).unwrap_or(Json::Null),
            Yaml::String(s) => Json::String(s.clone()),
            Yaml::Sequence(items) => Json::Array(items.iter().map(json).collect()),
            Yaml::Mapping(map) => Json::Object(
                map.iter()
                    .map(|(k, v)| (scalar_text(k).unwrap_or_default(), json(v)))
                    .collect(),
            ),
            Yaml::Tagged(t) => json(&t.value),
        }
    }

    fn schema_takes(text: &str) -> bool {
        let doc: Yaml = serde_yaml::from_str(text).expect("YAML");
        validator().is_valid(&json(&doc))
    }

    #[test]
    fn the_schema_takes_what_the_loader_takes() {
        assert!(parse(FLOW).is_ok());
        assert!(schema_takes(FLOW));
        assert!(schema_takes(
            "modules:\n  - module: m\n    start: a\n    nodes: []\n"
        ));
        assert!(schema_takes(
            "flow: f\nnodes:\n  - transfer: t\n    to: \"+91\"\n    record: true\n"
        ));
    }

    #[test]
    fn the_schema_refuses_the_loaders_shape_errors() {
        for text in [
            "flow: f\nnodes:\n  - menu: main\n    exits: [sales]\n",
            "flow: f\nnodes:\n  - branch: r\n    when:\n      - if: x == 1\n        goto: main\n",
            "flow: f\nnodes:\n  - say: a b\n",
            "flow: f\nnodes:\n  - 42\n",
            "flow: f\nnodes:\n  - gahter: ask\n",
            "flow: f\nnodes:\n  - say: a\n    menu: b\n",
            "flow: f\nnodes:\n  - set: s\n    with: { q: 1 }\n",
            "flow: f\nnodes:\n  - run: r\n    assign: { q: 1 }\n",
            "flow: f\nmodules:\n  - module: m\n    parms: { x: string }\n",
            "flow: f\nvars:\n  n: { type: number, defualt: 1 }\n",
            "flow: f\nvars:\n  n: { default: 1 }\n",
            "flow: f\nnodes:\n  - say: a\n    exits: { next: not a name }\n",
            "language: en-IN\nnodes: []\n",
            "modules:\n  - start: a\n",
            "- a\n- b\n",
        ] {
            assert!(parse(text).is_err(), "the loader takes {text}");
            assert!(!schema_takes(text), "the schema takes {text}");
        }
    }

    proptest! {
        #[test]
        fn mangled_flows_the_loader_takes_the_schema_takes(
            cut in 0usize..FLOW.len(),
            insert in "[-:{}\\[\\], #'\"|>\n ]{0,4}|[a-z]{1,6}: [a-z0-9]{1,4}\n",
        ) {
            let mut text = FLOW.to_string();
            let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            text.insert_str(cut, &insert);
            if parse(&text).is_ok() {
                prop_assert!(schema_takes(&text), "{}", text);
            }
        }
    }
}
