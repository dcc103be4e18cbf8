//! Lowering from real `.ivr` text: the example flows lower cleanly, and the
//! tricky cases (modules, syntax-agnostic values, source map) hold.

use crate::check::lower::lower;
use crate::diagnostic::Code;
use crate::graph::{Input, NodeKind, Prompt, Segment};
use crate::syntax::ast::{self, Value};
use crate::{Syntax, compile, syntax};

/// The codes a `.ivr` text compiles to, in order (shared by the sibling
/// test modules).
pub(super) fn codes(text: &str) -> Vec<Code> {
    compile(text, Syntax::Ivr)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

fn describe(text: &str) -> String {
    compile(text, Syntax::Ivr)
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {} @{:?} help: {:?}",
                d.code.as_str(),
                d.message,
                d.span(),
                d.help
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const FLOWS: &[(&str, &str)] = &[
    ("main_line", include_str!("../../../../flows/main_line.ivr")),
    (
        "support_line",
        include_str!("../../../../flows/support_line.ivr"),
    ),
    (
        "ai_receptionist",
        include_str!("../../../../flows/ai_receptionist.ivr"),
    ),
    (
        "order_confirmation",
        include_str!("../../../../flows/order_confirmation.ivr"),
    ),
    (
        "vendor_confirmation",
        include_str!("../../../../flows/vendor_confirmation.ivr"),
    ),
];

#[test]
fn example_flows_lower_cleanly() {
    for (name, text) in FLOWS {
        let compiled = compile(text, Syntax::Ivr);
        assert!(
            compiled.diagnostics.is_empty(),
            "{name}:\n{}",
            describe(text)
        );
        let graph = compiled.graph.expect("a graph");
        assert_eq!(graph.version, crate::graph::version_of(&graph));
        assert_eq!(&graph.flow, name);
    }
}

fn flow(body: &str) -> String {
    format!(
        "flow f {{\n  language \"en-IN\"\n  timezone \"Asia/Kolkata\"\n  targets twilio\n{body}\n}}\n"
    )
}

#[test]
fn defaults_are_filled_in() {
    let text = flow(
        "  var pin: digits\n  start ask\n  gather ask {\n    prompt \"Your PIN?\"\n    into pin\n    done -> bye\n    exhausted -> bye\n  }\n  hangup bye {}",
    );
    let graph = compile(&text, Syntax::Ivr)
        .graph
        .unwrap_or_else(|| panic!("{}", describe(&text)));
    let NodeKind::Gather {
        input,
        min_digits,
        max_digits,
        finish_key,
        timeout_ms,
        max_attempts,
        ..
    } = &graph.nodes[0].kind
    else {
        panic!("gather")
    };
    assert_eq!(
        (
            *input,
            *min_digits,
            *max_digits,
            *finish_key,
            *timeout_ms,
            *max_attempts
        ),
        (Input::Dtmf, 1, 20, Some('#'), 5000, 3)
    );
    assert_eq!(graph.timezone, "Asia/Kolkata");
}

const CONFIRM: &str = r#"
module confirm {
  param question: string
  var answer: digits
  returns yes, no
  start ask
  gather ask {
    prompt "{question} Press 1 for yes."
    digits 1
    into answer
    done -> check
    exhausted -> return no
  }
  branch check {
    when answer == "1" -> return yes
    else -> return no
  }
}
flow order {
  language "en-IN"
  targets twilio
  start first
  run first {
    module confirm
    question = "Did it arrive?"
    yes -> second
    no -> bye
  }
  run second {
    module confirm
    question = "Was it whole?"
    yes -> bye
    no -> bye
  }
  hangup bye { text "Bye." }
}
"#;

#[test]
fn runs_inline_a_private_copy_of_the_module() {
    let file = syntax::parse(CONFIRM, Syntax::Ivr).unwrap();
    let lowered = lower(&file);
    assert!(lowered.diagnostics.is_empty(), "{}", describe(CONFIRM));
    let graph = lowered.graph.unwrap();
    let names: Vec<&str> = graph.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "first",
            "second",
            "bye",
            "first/ask",
            "first/check",
            "second/ask",
            "second/check"
        ]
    );
    let vars: Vec<&str> = graph.vars.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        vars,
        [
            "first/question",
            "first/answer",
            "second/question",
            "second/answer"
        ]
    );
    let NodeKind::Set { assigns, next } = &graph.nodes[0].kind else {
        panic!("run is a set")
    };
    assert_eq!(assigns[0].var, "first/question");
    assert_eq!(graph.nodes[next.index()].name, "first/ask");
    // `return yes` of the first copy leads to the second run; `no` to bye.
    let NodeKind::Branch { arms, otherwise } = &graph.nodes[4].kind else {
        panic!("branch")
    };
    assert_eq!(graph.nodes[arms[0].target.index()].name, "second");
    assert_eq!(graph.nodes[otherwise.index()].name, "bye");
    let NodeKind::Gather { into, prompts, .. } = &graph.nodes[5].kind else {
        panic!("gather")
    };
    assert_eq!(into, "second/answer");
    let Prompt::Plain(text) = &prompts[0] else {
        panic!("plain text")
    };
    assert_eq!(text.0[0], Segment::Var(vec!["second/question".into()]));
    // The flow's own nodes come first, then each copy.
    // The source map: writes on `done` only, reads renamed.
    let map = &lowered.map.nodes[5];
    assert_eq!(map.writes[0].var, "second/answer");
    assert_eq!(map.writes[0].on_exit, Some(0));
    assert_eq!(map.reads[0].0, "second/question");
    assert_eq!(map.exits.len(), 2);
    assert_eq!(lowered.map.nodes[0].writes[0].var, "first/question");
}

#[test]
fn module_mistakes_are_reported_once() {
    let text = CONFIRM.replace("{question} Press", "{questoin} Press");
    let c = codes(&text);
    assert_eq!(c, vec![Code::UndeclaredVariable], "{}", describe(&text));
}

#[test]
fn flow_findings_in_a_module_are_reported_once() {
    // `answer` is unset when the gather is exhausted: both copies of the
    // module read it unset, at the same place.
    let text = CONFIRM.replace("exhausted -> return no", "exhausted -> check");
    let c = codes(&text);
    assert_eq!(
        c.iter().filter(|&&c| c == Code::MaybeUnset).count(),
        1,
        "{}",
        describe(&text)
    );
}

#[test]
fn set_reads_exclude_earlier_assignments() {
    let text = flow(
        "  var a: number = 0\n  var b: number = 0\n  start s\n  set s {\n    a = 1\n    b = a + b\n    next -> bye\n  }\n  hangup bye {}",
    );
    let file = syntax::parse(&text, Syntax::Ivr).unwrap();
    let lowered = lower(&file);
    let reads: Vec<&str> = lowered.map.nodes[0]
        .reads
        .iter()
        .map(|(v, _)| v.as_str())
        .collect();
    assert_eq!(reads, ["b"]);
    assert_eq!(lowered.map.nodes[0].writes.len(), 2);
}

#[test]
fn menu_keys_must_be_unique_and_not_begin_each_other() {
    let text = flow(
        "  start m\n  menu m {\n    prompt \"Hi\"\n    \"1\" -> bye\n    \"1\" -> bye\n    \"12\" -> bye\n    exausted -> bye\n  }\n  hangup bye {}",
    );
    let c = codes(&text);
    assert_eq!(
        c.iter().filter(|&&c| c == Code::DuplicateKey).count(),
        1,
        "{}",
        describe(&text)
    );
    // `1` begins `12`, and nothing ends an entry early.
    assert!(c.contains(&Code::AmbiguousKeys), "{}", describe(&text));
    // `exausted` is a misspelt `exhausted`: one mistake, not also a missing exit.
    assert!(c.contains(&Code::UnknownExit) && !c.contains(&Code::MissingExit));
}

/// `.ivr` writes words and repeats properties; YAML writes text and lists.
/// Both must lower to the same graph.
#[test]
fn words_and_lists_lower_like_repeated_properties() {
    let text = flow(
        "  var x: string\n  start g\n  gather g {\n    prompt \"Say it\"\n    input dtmf speech\n    hints \"a\"\n    hints \"b\"\n    timeout 5s\n    into x\n    done -> bye\n    exhausted -> bye\n  }\n  hangup bye {}",
    );
    let file = syntax::parse(&text, Syntax::Ivr).unwrap();
    let ivr = lower(&file)
        .graph
        .unwrap_or_else(|| panic!("{}", describe(&text)));
    let mut yamlish = file.clone();
    let node = &mut yamlish.units[0].nodes[0];
    let mut merged: Vec<ast::Item> = Vec::new();
    for item in node.items.drain(..) {
        match item {
            ast::Item::Property(mut p) => {
                for v in &mut p.values {
                    v.value = match &v.value {
                        Value::Word(w) => Value::Str(w.clone()),
                        Value::Duration(ms) => Value::Str(format!("{}s", ms / 1000)),
                        other => other.clone(),
                    };
                }
                if let Some(ast::Item::Property(prev)) = merged
                    .iter_mut()
                    .find(|i| matches!(i, ast::Item::Property(q) if q.key.value == p.key.value))
                {
                    prev.values.extend(p.values);
                } else {
                    merged.push(ast::Item::Property(p));
                }
            }
            other => merged.push(other),
        }
    }
    node.items = merged;
    let yaml = lower(&yamlish).graph.expect("yaml-shaped graph");
    assert_eq!(ivr, yaml);
    assert_eq!(ivr.version, yaml.version);
}

#[test]
fn exotel_refuses_what_it_cannot_do() {
    let text = r#"
flow f {
  language "en-IN"
  targets twilio, exotel
  var x: string
  var r: json
  start g
  gather g {
    prompt "Say it"
    input speech
    into x
    done -> q
    exhausted -> q
  }
  queue q {
    bridged -> t
    timeout -> t
    failed -> t
  }
  transfer t {
    to "sip:desk@example.com"
    answered -> a
    busy -> a
    no_answer -> a
    failed -> a
  }
  ai a {
    url "wss://agent.example.com"
    param a "1"
    param b "2"
    param c "3"
    param d "4"
    into r
    done -> bye
    failed -> bye
  }
  hangup bye {}
}
"#;
    let c = codes(text);
    assert_eq!(
        c.iter().filter(|&&c| c == Code::Unsupported).count(),
        4,
        "{}",
        describe(text)
    );
}

#[test]
fn structural_errors_leave_no_graph_but_all_problems_are_found() {
    let text = flow(
        "  start a\n  say a {\n    text \"Hi\"\n    next -> nowhere\n  }\n  say b {\n    txt \"Hi\"\n    next -> a\n  }",
    );
    let file = syntax::parse(&text, Syntax::Ivr).unwrap();
    let lowered = lower(&file);
    assert!(lowered.graph.is_none());
    let c: Vec<Code> = lowered.diagnostics.iter().map(|d| d.code).collect();
    assert!(
        c.contains(&Code::UnknownTarget) && c.contains(&Code::UnknownField),
        "{c:?}"
    );
    let unknown = lowered
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnknownField)
        .unwrap();
    assert_eq!(unknown.help.as_deref(), Some("did you mean `text`?"));
}

#[test]
fn empty_file_is_no_flow() {
    assert_eq!(
        lower(&ast::File::default()).diagnostics[0].code,
        Code::NoFlow
    );
}

const ORDER_YAML: &str = r#"
flow: order_confirmation
language: en-IN
voice: Polly.Aditi
timezone: Asia/Kolkata
targets: [twilio, exotel]
vars:
  order_id: { type: string, default: unknown }
  customer_name: { type: string, default: there }
start: intro
nodes:
  - say: intro
    text: "Hello {customer_name}, this is Acme calling about your order {order_id}."
    exits: { next: confirm }
  - menu: confirm
    prompt: To confirm that you received your order, press 1. To speak to an agent, press 2. To end this call, press 9.
    reprompt:
      - Sorry, I did not catch that. Press 1 to confirm receipt, 2 for an agent, or 9 to end the call.
      - Press 1 to confirm, 2 for an agent, or 9 to end the call.
    nomatch: That is not one of the options.
    timeout: 6s
    max_noinput: 2
    max_nomatch: 3
    exits: { "1": record_confirmation, "2": agent, "9": goodbye, exhausted: no_response }
  - http: record_confirmation
    method: POST
    url: "https://orders.example.com/api/orders/{order_id}/confirm?channel=ivr"
    header: { Authorization: "Bearer {env.ORDERS_API_TOKEN}" }
    timeout: 3s
    exits: { ok: thanks, error: thanks }
  - say: thanks
    text: "Thank you. Your order {order_id} is confirmed."
    exits: { next: goodbye }
  - transfer: agent
    prompt: Please hold while I connect you to an agent.
    to: "+918045671234"
    ring_timeout: 30s
    exits: { answered: goodbye, busy: agent_unavailable, no_answer: agent_unavailable, failed: agent_unavailable }
  - say: agent_unavailable
    text: All our agents are busy right now. We will call you back shortly.
    exits: { next: goodbye }
  - hangup: goodbye
    text: Thank you for choosing Acme. Goodbye.
  - hangup: no_response
    text: We did not receive a response. We will try again later. Goodbye.
"#;

#[test]
fn yaml_and_ivr_lower_to_the_same_graph() {
    let yaml = compile(ORDER_YAML, Syntax::Yaml);
    let ivr = compile(FLOWS[3].1, Syntax::Ivr);
    let yaml_graph = yaml
        .graph
        .unwrap_or_else(|| panic!("{:?}", yaml.diagnostics));
    assert_eq!(Some(yaml_graph), ivr.graph);
}

const ODD_VALUES: &[&str] = &[
    "\"x\"",
    "\"\"",
    "0",
    "-1",
    "2.5",
    "99999999999999999999",
    "4294967296",
    "99999999999999h",
    "0s",
    "1ms",
    "true",
    "none",
    "a, b, c",
    "{ en-IN \"a\" }",
    "{ xx \"a\" }",
    "\"{\"",
    "\"{a.}\"",
    "\"{env.X}\"",
    "\"Mon-Sun 00:00-24:00\"",
    "\"sip:x@y\"",
    "\"+\"",
    "\"wss://\"",
];

/// Lowering never panics: every flow with any one line removed, or doubled,
/// still gives diagnostics or a graph.
#[test]
fn mutilated_flows_never_panic() {
    let mut sources: Vec<String> = FLOWS.iter().map(|(_, t)| t.to_string()).collect();
    sources.push(CONFIRM.to_string());
    for text in &sources {
        let lines: Vec<&str> = text.lines().collect();
        for i in 0..lines.len() {
            let mut removed = lines.clone();
            removed.remove(i);
            let mut doubled = lines.clone();
            doubled.insert(i, lines[i]);
            let mut variants = vec![removed.join("\n"), doubled.join("\n")];
            // Every property with every odd value.
            let line = lines[i].trim_start();
            if let Some((key, _)) = line.split_once(' ')
                && !line.contains("->")
                && !line.ends_with('{')
            {
                for odd in ODD_VALUES {
                    let mut changed = lines.clone();
                    let replaced = format!("    {key} {odd}");
                    changed[i] = &replaced;
                    variants.push(changed.join("\n"));
                }
            }
            for variant in variants {
                let compiled = compile(&variant, Syntax::Ivr);
                assert!(compiled.graph.is_some() || compiled.errors() > 0);
            }
        }
    }
}

#[test]
fn template_problems_point_at_the_hole() {
    let text = flow(
        "  var order_id: digits = \"1\"\n  start s\n  say s {\n    text \"Order {order_idd} is {order_id}.\"\n    next -> bye\n  }\n  hangup bye { text \"Bye {call.from\" }",
    );
    let compiled = compile(&text, Syntax::Ivr);
    let at = |code: Code| {
        let d = compiled
            .diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap();
        let s = d.span();
        text[s.start as usize..s.end as usize].to_string()
    };
    assert_eq!(at(Code::UndeclaredVariable), "{order_idd}");
    assert_eq!(at(Code::InvalidTemplate), "{call.from");
}

/// One small flow per rule, and the code it must produce.
#[test]
fn each_rule_reports_its_code() {
    let bye = "\n  hangup bye {}";
    let cases: &[(&str, Code)] = &[
        ("  start nowhere", Code::UnknownTarget),
        (
            "  var n: number\n  var r: json\n  start g\n  gather g {\n    prompt \"Key\"\n    into r\n    done -> bye\n    exhausted -> bye\n  }",
            Code::TypeMismatch,
        ),
        (
            "  var n: number = 0\n  start s\n  set s {\n    n = \"three\"\n    next -> bye\n  }",
            Code::TypeMismatch,
        ),
        (
            "  var ok: bool = true\n  start b\n  branch b {\n    when ok and 3 -> bye\n    else -> bye\n  }",
            Code::TypeMismatch,
        ),
        (
            "  start s\n  set s {\n    call = \"x\"\n    next -> bye\n  }",
            Code::InvalidValue,
        ),
        (
            "  start s\n  set s {\n    langauge = \"hi-IN\"\n    next -> bye\n  }",
            Code::UndeclaredVariable,
        ),
        (
            "  var r: json\n  start a\n  ai a {\n    url \"https://agent.example.com\"\n    into r\n    done -> bye\n    failed -> bye\n  }",
            Code::InvalidUrl,
        ),
        (
            "  start a\n  ai a {\n    url \"wss://agent.example.com\"\n    param x \"1\"\n    param x \"2\"\n    done -> bye\n    failed -> bye\n  }",
            Code::DuplicateName,
        ),
        (
            "  start s\n  say s {\n    text \"Key {env.TOKEN}\"\n    next -> bye\n  }",
            Code::InvalidTemplate,
        ),
        (
            "  start h\n  http h {\n    url \"https://x.example.com/{env.TOKEN}\"\n    header \"Authorization\"\n    ok -> bye\n    error -> bye\n  }",
            Code::InvalidValue,
        ),
        (
            "  start s\n  sms s {\n    to \"+1555\"\n    text \"Hi\"\n    sent -> bye\n    failed -> bye\n  }",
            Code::InvalidPhone,
        ),
        (
            "  start r\n  record r {\n    max_length 5h\n    done -> bye\n    empty -> bye\n  }",
            Code::OutOfRange,
        ),
        (
            "  start t\n  transfer t {\n    to \"+918045671201\"\n    ring_timeout 1500ms\n    answered -> bye\n    busy -> bye\n    no_answer -> bye\n    failed -> bye\n  }",
            Code::InvalidValue,
        ),
        (
            "  start h\n  hours h {\n    open \"Mon-Fri 09:00-18:00\"\n    holiday \"2026-02-30\"\n    open -> bye\n    closed -> bye\n  }",
            Code::MalformedHours,
        ),
        (
            "  start s\n  say s {\n    text { hi-IN \"नमस्ते\" }\n    next -> bye\n  }",
            Code::MissingField,
        ),
        (
            "  start s\n  say s {\n    text \"Hi\"\n    next -> bye\n    next -> s\n  }",
            Code::DuplicateKey,
        ),
        (
            "  start s\n  say s {\n    text \"Hi\"\n    when true -> bye\n    next -> bye\n  }",
            Code::UnknownField,
        ),
        (
            "  start b\n  branch b {\n    when 1 -> bye\n    else -> bye\n  }",
            Code::TypeMismatch,
        ),
        (
            "  start m\n  menu m {\n    prompt \"Hi\"\n    timeout 0s\n    exhausted -> bye\n  }",
            Code::OutOfRange,
        ),
        (
            "  start g\n  gather g {\n    prompt \"Hi\"\n    into nothing\n    done -> bye\n    exhausted -> bye\n  }",
            Code::UndeclaredVariable,
        ),
    ];
    for (body, code) in cases {
        let text = flow(&format!("{body}{bye}"));
        let found = codes(&text);
        assert!(
            found.contains(code),
            "expected {code:?} from\n{text}\ngot:\n{}",
            describe(&text)
        );
    }
    let long = "a".repeat(4100);
    let text = flow(&format!(
        "  start s\n  say s {{\n    text \"{long}\"\n    next -> bye\n  }}{bye}"
    ));
    assert!(codes(&text).contains(&Code::OutOfRange));
}

#[test]
fn a_misspelling_is_one_mistake() {
    let text = flow(
        "  start m\n  menu m {\n    promt \"Hi\"\n    \"1\" -> bye\n    exhausted -> bye\n  }\n  say s {\n    text \"Hi\"\n    nxet -> bye\n  }\n  hangup bye {}",
    );
    assert_eq!(
        codes(&text),
        vec![Code::UnknownField, Code::UnknownExit],
        "{}",
        describe(&text)
    );
}

#[test]
fn a_text_agent_is_for_twilio_only() {
    let flow = |targets: &str, mode: &str| {
        format!(
            r#"
flow f {{
  language "en-IN"
  targets {targets}
  start a
  ai a {{
    url "wss://agent.example.com"
    mode {mode}
    done -> bye
    failed -> desk
  }}
  transfer desk {{
    to "+918045671234"
    answered -> bye
    busy -> bye
    no_answer -> bye
    failed -> bye
  }}
  hangup bye {{ text "Goodbye." }}
}}
"#
        )
    };
    let twilio = compile(&flow("twilio", "relay"), Syntax::Ivr);
    assert!(
        twilio.diagnostics.is_empty(),
        "{}",
        describe(&flow("twilio", "relay"))
    );
    let graph = twilio.graph.unwrap();
    assert!(matches!(
        graph.nodes[0].kind,
        NodeKind::Ai { relay: true, .. }
    ));
    assert_eq!(
        codes(&flow("twilio, exotel", "relay")),
        vec![Code::Unsupported]
    );
    assert!(codes(&flow("twilio, exotel", "stream")).is_empty());
    let typo = describe(&flow("twilio", "rellay"));
    assert!(
        typo.contains("InvalidValue") || typo.contains("not a valid `mode`"),
        "{typo}"
    );
    assert!(typo.contains("relay"), "did you mean: {typo}");
}

/// An `ai` node with `result` fields and a `timeout`, in `.ivr`.
fn typed_agent(fields: &str, condition: &str) -> String {
    format!(
        r#"
flow f {{
  language "en-IN"
  targets twilio, exotel
  var agent: json
  start a
  ai a {{
    url "wss://agent.example.com"
{fields}
    timeout 5m
    into agent
    done -> route
    failed -> desk
  }}
  branch route {{
    when {condition} -> thanks
    else -> bye
  }}
  say thanks {{
    text "Thank you."
    next -> bye
  }}
  transfer desk {{
    to "+918045671234"
    answered -> bye
    busy -> voicemail
    no_answer -> voicemail
    failed -> voicemail
  }}
  record voicemail {{
    prompt "Please leave a message after the beep."
    done -> bye
    empty -> bye
  }}
  hangup bye {{ text "Goodbye." }}
}}
"#
    )
}

const FIELDS: &str = r#"    result intent "billing", "support", "human"
    result slots json
    result urgent bool"#;

#[test]
fn an_agent_declares_its_result_and_budget_alike_in_both_syntaxes() {
    use crate::graph::{FieldShape, ResultField};
    let ivr = compile(
        &typed_agent(FIELDS, r#"agent.intent == "human""#),
        Syntax::Ivr,
    );
    assert!(ivr.diagnostics.is_empty(), "{:?}", ivr.diagnostics);
    let graph = ivr.graph.unwrap();
    let NodeKind::Ai {
        result, timeout_ms, ..
    } = &graph.nodes[0].kind
    else {
        panic!("{:?}", graph.nodes[0].kind)
    };
    assert_eq!(
        result,
        &vec![
            ResultField {
                name: "intent".into(),
                shape: FieldShape::OneOf(vec!["billing".into(), "support".into(), "human".into()])
            },
            ResultField {
                name: "slots".into(),
                shape: FieldShape::Json
            },
            ResultField {
                name: "urgent".into(),
                shape: FieldShape::Bool
            },
        ]
    );
    assert_eq!(*timeout_ms, Some(300_000));
    let yaml = r#"
flow: f
language: en-IN
targets: [twilio, exotel]
vars: { agent: json }
start: a
nodes:
  - ai: a
    url: wss://agent.example.com
    result: { intent: [billing, support, human], slots: json, urgent: bool }
    timeout: 5m
    into: agent
    exits: { done: route, failed: desk }
  - branch: route
    when:
      - if: agent.intent == "human"
        go: thanks
    exits: { else: bye }
  - say: thanks
    text: Thank you.
    exits: { next: bye }
  - transfer: desk
    to: "+918045671234"
    exits: { answered: bye, busy: voicemail, no_answer: voicemail, failed: voicemail }
  - record: voicemail
    prompt: Please leave a message after the beep.
    exits: { done: bye, empty: bye }
  - hangup: bye
    text: Goodbye.
"#;
    let from_yaml = compile(yaml, Syntax::Yaml);
    assert!(
        from_yaml.diagnostics.is_empty(),
        "{:?}",
        from_yaml.diagnostics
    );
    assert_eq!(from_yaml.graph.unwrap().version, graph.version);
}

#[test]
fn a_flow_without_the_new_properties_keeps_its_graph() {
    let plain = compile(
        &typed_agent("", r#"agent.intent == "human""#).replace("    timeout 5m\n", ""),
        Syntax::Ivr,
    );
    let json = serde_json::to_string(&plain.graph.unwrap()).unwrap();
    assert!(
        !json.contains("\"result\"") && !json.contains("timeout_ms"),
        "{json}"
    );
}

#[test]
fn bad_result_fields_and_budgets_are_refused_with_a_span() {
    for (fields, expect) in [
        (
            "    result intent strin",
            "`strin` is not a result field type",
        ),
        ("    result intent", "has no type"),
        ("    result intent 3", "takes one type or several texts"),
        (
            "    result intent string\n    result intent json",
            "declared twice",
        ),
        (
            "    param ivr_result_token \"x\"",
            "parameter `ivr_result_token` is the runtime's",
        ),
    ] {
        let text = typed_agent(fields, "agent.intent == \"x\"");
        let found = describe(&text);
        assert!(found.contains(expect), "{fields}: {found}");
        assert!(!found.contains("None"), "every problem has a span: {found}");
    }
    for budget in ["500ms", "61m"] {
        let text = typed_agent(FIELDS, "agent.urgent").replace("5m", budget);
        let found = describe(&text);
        assert!(found.contains("between 1s and 60m"), "{budget}: {found}");
    }
}

#[test]
fn conditions_on_a_declared_result_are_checked() {
    // A text the field can never hold, either way round and with `!=`.
    for condition in [
        r#"agent.intent == "sales""#,
        r#""sales" == agent.intent"#,
        r#"agent.urgent and agent.intent != "sales""#,
    ] {
        let found = describe(&typed_agent(FIELDS, condition));
        assert!(
            found.contains("E015 `agent.intent` is never \"sales\""),
            "{condition}: {found}"
        );
    }
    // A field the result does not declare.
    let found = describe(&typed_agent(FIELDS, r#"agent.mood == "angry""#));
    assert!(
        found.contains("E015 `agent` has no field `mood`"),
        "{found}"
    );
    // Declared values and other types of fields are fine.
    for condition in [
        r#"agent.intent == "human""#,
        r#"agent.slots.date == "today""#,
        "agent.urgent",
    ] {
        assert!(
            codes(&typed_agent(FIELDS, condition)).is_empty(),
            "{condition}"
        );
    }
    // Without declared fields nothing is known about `agent`.
    assert!(codes(&typed_agent("", r#"agent.intent == "sales""#)).is_empty());
}

/// `return` is a keyword only when a space follows it: a node whose name
/// merely starts with it (`returning`, `returns`, `return_call`) is a node.
#[test]
fn a_target_named_like_return_is_a_node() {
    let text = flow(
        "  start main\n  menu main {\n    prompt \"Press 1, 2 or 3.\"\n    \"1\" -> returning\n    \"2\" -> returns\n    \"3\" -> return_call\n    exhausted -> returning\n  }\n  hangup returning { text \"Welcome back.\" }\n  hangup returns { text \"Returns desk.\" }\n  hangup return_call { text \"We will call you back.\" }",
    );
    assert_eq!(describe(&text), "");
    let graph = compile(&text, Syntax::Ivr).graph.expect("a graph");
    let NodeKind::Menu { choices, .. } = &graph.nodes[0].kind else {
        panic!("menu first")
    };
    let targets: Vec<&str> = choices
        .iter()
        .map(|c| graph.node(c.target).name.as_str())
        .collect();
    assert_eq!(targets, ["returning", "returns", "return_call"]);
}

#[test]
fn a_nodes_missing_exits_are_one_diagnostic_listing_them_all() {
    let text = flow(
        "  start sales\n  transfer sales {\n    to \"+919876543210\"\n    answered -> bye\n  }\n  hangup bye { text \"Bye.\" }",
    );
    let found = compile(&text, Syntax::Ivr).diagnostics;
    assert_eq!(found.len(), 1, "{}", describe(&text));
    assert_eq!(found[0].code, Code::MissingExit);
    assert_eq!(
        found[0].message,
        "`transfer sales` has no `busy`, `no_answer` or `failed` exit"
    );
    assert!(
        found[0]
            .help
            .as_deref()
            .unwrap()
            .contains("`failed -> <node>`")
    );
}

#[test]
fn an_unknown_exit_is_only_offered_a_missing_one() {
    // `nxt` is close to `next`, but `next` is written: suggesting it would
    // make a duplicate.
    let text = flow(
        "  start a\n  say a {\n    text \"Hi.\"\n    next -> bye\n    nxt -> bye\n  }\n  hangup bye { text \"Bye.\" }",
    );
    let found = compile(&text, Syntax::Ivr).diagnostics;
    assert_eq!(found.len(), 1, "{}", describe(&text));
    let help = found[0].help.as_deref().unwrap();
    assert!(!help.contains("did you mean"), "{help}");
}

#[test]
fn a_type_error_does_not_hide_a_read_before_set() {
    let text = flow(
        "  var pin: digits\n  var tries: number = \"three\"\n  start main\n  menu main {\n    prompt \"Press 1.\"\n    \"1\" -> ask\n    exhausted -> check\n  }\n  gather ask {\n    prompt \"PIN?\"\n    into pin\n    done -> check\n    exhausted -> check\n  }\n  branch check {\n    when pin == \"1234\" -> bye\n    else -> sorry\n  }\n  hangup bye { text \"Bye.\" }\n  hangup sorry { text \"Sorry.\" }",
    );
    let mut found = codes(&text);
    found.sort();
    found.dedup();
    assert_eq!(
        found,
        [Code::MaybeUnset, Code::TypeMismatch],
        "{}",
        describe(&text)
    );
    // The variable whose default was rejected is not also "unset".
    assert!(!describe(&text).contains("`tries` may be unset"));
}

#[test]
fn suggestions_go_by_meaning_where_spelling_misleads() {
    // `max_retries` is another tool's `attempts`.
    let text = flow(
        "  var pin: digits\n  start ask\n  gather ask {\n    prompt \"PIN?\"\n    max_retries 2\n    into pin\n    done -> bye\n    exhausted -> bye\n  }\n  hangup bye { text \"Bye.\" }",
    );
    let described = describe(&text);
    assert!(described.contains("`attempts 3`"), "{described}");
    // A gather counts silences apart too: `max_noinput` is no mistake there.
    let text = flow(
        "  var pin: digits\n  start ask\n  gather ask {\n    prompt \"PIN?\"\n    max_noinput 2\n    into pin\n    done -> bye\n    exhausted -> bye\n  }\n  hangup bye { text \"Bye.\" }",
    );
    assert!(codes(&text).is_empty(), "{}", describe(&text));
    // Twilio Studio's `trigger.call.From` is the caller's number.
    let text = flow(
        "  start hi\n  say hi {\n    text \"You called from {trigger.call.From}.\"\n    next -> bye\n  }\n  hangup bye { text \"Bye.\" }",
    );
    let described = describe(&text);
    assert!(
        described.contains("did you mean `call.from`?"),
        "{described}"
    );
    let text = flow(
        "  start hi\n  say hi {\n    text \"You called from {call.From}.\"\n    next -> bye\n  }\n  hangup bye { text \"Bye.\" }",
    );
    assert!(describe(&text).contains("did you mean `call.from`?"));
}

#[test]
fn a_phone_number_help_fits_the_flows_country() {
    let transfer = |language: &str, number: &str| {
        format!(
            "flow f {{\n  language \"{language}\"\n  targets twilio\n  start t\n  transfer t {{\n    to \"{number}\"\n    answered -> bye\n    busy -> bye\n    no_answer -> bye\n    failed -> bye\n  }}\n  hangup bye {{ text \"Bye.\" }}\n}}\n"
        )
    };
    // A national number of the flow's own country: shown in E.164 form.
    let help = describe(&transfer("en-IN", "08045671201"));
    assert!(help.contains("`+918045671201`"), "{help}");
    let help = describe(&transfer("en-US", "(212) 555-0123"));
    assert!(help.contains("`+12125550123`"), "{help}");
    // Not a number at all: an example of the flow's country.
    let help = describe(&transfer("en-GB", "reception"));
    assert!(help.contains("`+44"), "{help}");
}

#[test]
fn a_time_zone_abbreviation_is_read_in_the_flows_country() {
    let with = |language: &str, zone: &str| {
        flow("  start bye\n  hangup bye { text \"Bye.\" }")
            .replace("en-IN", language)
            .replace("Asia/Kolkata", zone)
    };
    let found = describe(&with("en-IN", "IST"));
    assert!(found.starts_with("E019"), "{found}");
    assert!(found.contains("did you mean `Asia/Kolkata`?"), "{found}");
    let found = describe(&with("en-IE", "IST"));
    assert!(found.contains("`Europe/Dublin`"), "{found}");
    let found = describe(&with("en-IN", "UTC+5:30"));
    assert!(found.contains("`Asia/Kolkata`"), "{found}");
    let found = describe(&with("en-US", "EST"));
    assert!(found.starts_with("W036"), "{found}");
    assert!(found.contains("America/New_York"), "{found}");
    assert_eq!(describe(&with("en-IN", "Asia/Kolkata")), "");
}

#[test]
fn json_shapes_type_the_fields_they_declare() {
    let text = flow(
        "  var order: json { status: string, total: number, items: json }\n  start lookup\n  http lookup {\n    url \"https://api.example.com/o\"\n    into order\n    ok -> route\n    error -> bye\n  }\n  branch route {\n    when order.total > 0 and order.status == \"shipped\" -> bye\n    when order.items.0.name == \"tea\" -> bye\n    else -> say_it\n  }\n  say say_it {\n    text \"Order {order.status}.\"\n    next -> bye\n  }\n  hangup bye { text \"Bye.\" }",
    );
    assert_eq!(describe(&text), "");
    let wrong = text.replace("order.total > 0", "order.total == \"0\"");
    assert_eq!(codes(&wrong), [Code::JsonFieldType], "{}", describe(&wrong));
    let unknown = text.replace("{order.status}", "{order.sttus}");
    let found = describe(&unknown);
    assert!(found.contains("`order` has no field `sttus`"), "{found}");
    assert!(found.contains("did you mean `status`?"), "{found}");
    // The same flow in YAML gives the same graph.
    let not_json =
        flow("  var n: number { x: string }\n  start bye\n  hangup bye { text \"Bye.\" }");
    assert_eq!(codes(&not_json), [Code::InvalidValue]);
}

#[test]
fn a_json_shape_reads_the_same_in_yaml() {
    let ivr = flow(
        "  var order: json { status: string, customer.name: string }\n  start lookup\n  http lookup {\n    url \"https://api.example.com/o\"\n    into order\n    ok -> bye\n    error -> sorry\n  }\n  hangup bye { text \"Bye {order.customer.name}.\" }\n  hangup sorry { text \"Sorry.\" }",
    );
    let yaml = "flow: f\nlanguage: en-IN\ntimezone: Asia/Kolkata\ntargets: [twilio]\nvars:\n  order: { type: json, fields: { status: string, customer.name: string } }\nstart: lookup\nnodes:\n  - http: lookup\n    url: \"https://api.example.com/o\"\n    into: order\n    exits: { ok: bye, error: sorry }\n  - hangup: bye\n    text: \"Bye {order.customer.name}.\"\n  - hangup: sorry\n    text: Sorry.\n";
    let a = compile(&ivr, Syntax::Ivr);
    let b = compile(yaml, Syntax::Yaml);
    assert!(a.diagnostics.is_empty(), "{}", describe(&ivr));
    assert!(b.diagnostics.is_empty(), "{:?}", b.diagnostics);
    assert_eq!(a.graph.unwrap().version, b.graph.unwrap().version);
    let misspelt = yaml.replace("{order.customer.name}", "{order.customer.nmae}");
    let found = compile(&misspelt, Syntax::Yaml).diagnostics;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].code, Code::JsonFieldType);
}

#[test]
fn overlapping_opening_hours_point_at_both_ranges() {
    let text = flow(
        "  start office\n  hours office {\n    open \"Mon-Fri 09:00-18:00\"\n    open \"Fri 17:00-20:00\"\n    open -> a\n    closed -> b\n  }\n  hangup a { text \"Open.\" }\n  hangup b { text \"Closed.\" }",
    );
    let found = compile(&text, Syntax::Ivr).diagnostics;
    assert_eq!(found.len(), 1, "{}", describe(&text));
    assert_eq!(
        (found[0].code, found[0].message.as_str()),
        (Code::HoursMistake, "opening hours overlap")
    );
    let at = |l: usize| {
        &text[found[0].labels[l].span.start as usize..found[0].labels[l].span.end as usize]
    };
    assert_eq!(
        (at(0), at(1)),
        ("\"Fri 17:00-20:00\"", "\"Mon-Fri 09:00-18:00\"")
    );
    // Touching ranges are one working day, not a mistake.
    let touching = text.replace("Fri 17:00-20:00", "Fri 18:00-20:00");
    assert_eq!(describe(&touching), "");
}
