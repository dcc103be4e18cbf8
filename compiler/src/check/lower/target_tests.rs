//! Splits, targets built at run time, recordings and `call.answered_by`:
//! what the checker accepts, refuses, and warns about.

use super::tests::codes;
use crate::diagnostic::Code;
use crate::graph::NodeKind;
use crate::{Syntax, compile};

fn flow(language: &str, targets: &str, body: &str) -> String {
    format!(
        "flow f {{\n  language \"{language}\"\n  targets {targets}\n  var ext: digits\n  var number: digits\n  start main\n{body}\n  hangup bye {{\n    text \"Bye.\"\n  }}\n}}\n"
    )
}

fn split(shares: &str) -> String {
    flow(
        "en-IN",
        "twilio",
        &format!("  split main {{\n{shares}\n    a -> bye\n    b -> bye\n  }}"),
    )
}

#[test]
fn a_split_lowers_its_shares_in_basis_points() {
    let out = compile(
        &split("    percent a 12.5\n    percent b 87.5"),
        Syntax::Ivr,
    );
    let graph = out.graph.expect("compiles");
    let NodeKind::Split { branches } = &graph.node(graph.start).kind else {
        panic!("not a split");
    };
    let weights: Vec<(&str, u32)> = branches
        .iter()
        .map(|b| (b.name.as_str(), b.weight))
        .collect();
    assert_eq!(weights, [("a", 1_250), ("b", 8_750)]);
    assert_eq!(branches[0].percent(), "12.5");
}

#[test]
fn shares_must_add_up_to_a_hundred_and_be_shares() {
    assert_eq!(
        codes(&split("    percent a 50\n    percent b 40")),
        [Code::InvalidValue]
    );
    assert_eq!(
        codes(&split("    percent a 50\n    percent b 60")),
        [Code::InvalidValue]
    );
    // Not a share: reported as such, and the sum is not judged then.
    for bad in [
        "    percent a 150\n    percent b 0",
        "    percent a 0.125\n    percent b 99.875",
    ] {
        let found = codes(&split(bad));
        assert!(found.contains(&Code::InvalidValue), "{found:?}");
    }
    // A branch without a share is an exit the split does not have.
    assert!(codes(&split("    percent a 100")).contains(&Code::UnknownExit));
    // A share without an exit is a missing exit.
    assert!(
        codes(&split(
            "    percent a 50\n    percent b 25\n    percent c 25"
        ))
        .contains(&Code::MissingExit)
    );
}

fn transfer(language: &str, targets: &str, before: &str, to: &str) -> String {
    flow(
        language,
        targets,
        &format!(
            "{before}  transfer main {{\n    to {to}\n    answered -> bye\n    busy -> bye\n    no_answer -> bye\n    failed -> bye\n  }}"
        ),
    )
}

#[test]
fn client_identities_and_sip_are_refused_for_exotel() {
    assert_eq!(
        codes(&transfer("en-IN", "twilio", "", "\"client:alice\"")),
        []
    );
    assert_eq!(
        codes(&transfer("en-IN", "twilio, exotel", "", "\"client:alice\"")),
        [Code::Unsupported]
    );
    assert_eq!(
        codes(&transfer("en-IN", "twilio", "", "\"client:\"")),
        [Code::InvalidValue]
    );
}

const ASK: &str = "  gather ask {\n    prompt \"Key it in.\"\n    into ext\n    done -> main\n    exhausted -> bye\n  }\n";
const ASK_CHECKED: &str = "  gather ask {\n    prompt \"Key it in.\"\n    pattern \"[0-9]{3,4}\"\n    into ext\n    done -> main\n    exhausted -> bye\n  }\n";

#[test]
fn caller_input_in_an_address_warns_unless_a_pattern_checked_it() {
    let src = |ask: &str| {
        transfer("en-IN", "twilio", ask, "\"sip:{ext}@pbx.example.com\"")
            .replace("start main", "start ask")
    };
    assert_eq!(codes(&src(ASK)), [Code::UnnormalisedNumber]);
    assert_eq!(codes(&src(ASK_CHECKED)), []);
}

#[test]
fn a_keyed_number_warns_only_where_the_flow_names_no_country() {
    let src = |language: &str| {
        transfer(language, "twilio", ASK, "\"{ext}\"").replace("start main", "start ask")
    };
    assert_eq!(codes(&src("en-IN")), []);
    assert_eq!(codes(&src("en")), [Code::UnnormalisedNumber]);
    // A number the caller did not key is not the caller's to get wrong.
    assert_eq!(codes(&transfer("en", "twilio", "", "\"{call.from}\"")), []);
}

#[test]
fn recording_controls_and_record_call_are_twilio_only() {
    let record = |targets: &str, extra: &str| {
        flow(
            "en-IN",
            targets,
            &format!("  record main {{\n{extra}\n    done -> bye\n    empty -> bye\n  }}"),
        )
    };
    assert_eq!(
        codes(&record("twilio", "    finish any\n    trim false")),
        []
    );
    assert_eq!(
        codes(&record("twilio, exotel", "    finish any\n    trim false")),
        [Code::Unsupported, Code::Unsupported]
    );
    assert_eq!(codes(&record("twilio, exotel", "    trim true")), []);
    let whole = |targets: &str| {
        flow(
            "en-IN",
            targets,
            "  record_call main {\n    next -> bye\n  }",
        )
    };
    assert_eq!(codes(&whole("twilio")), []);
    assert_eq!(codes(&whole("exotel")), [Code::Unsupported]);
}

#[test]
fn reading_answered_by_asks_for_detection() {
    let src = flow(
        "en-IN",
        "twilio, exotel",
        "  branch main {\n    when call.answered_by == \"machine\" -> bye\n    else -> bye\n  }",
    );
    let graph = compile(&src, Syntax::Ivr).graph.expect("compiles");
    assert!(graph.reads_answered_by);
    let plain = flow(
        "en-IN",
        "twilio",
        "  say main {\n    text \"Hi.\"\n    next -> bye\n  }",
    );
    let graph = compile(&plain, Syntax::Ivr).graph.expect("compiles");
    assert!(!graph.reads_answered_by);
    // Flows that do not read it keep their graph JSON.
    assert!(
        !serde_json::to_string(&graph)
            .unwrap()
            .contains("answered_by")
    );
}

#[test]
fn an_sms_carries_its_dlt_template_id() {
    let body = "  sms main {\n    to \"{call.from}\"\n    text \"Your order has shipped.\"\n    dlt_template \"1107160000000000001\"\n    sent -> bye\n    failed -> bye\n  }";
    let out = compile(&flow("en-IN", "exotel", body), Syntax::Ivr);
    let graph = out.graph.expect("compiles");
    let NodeKind::Sms { dlt_template, .. } = &graph.node(graph.start).kind else {
        panic!("not an sms");
    };
    assert_eq!(dlt_template.as_deref(), Some("1107160000000000001"));
    let without = compile(
        &flow(
            "en-IN",
            "exotel",
            &body.replace("    dlt_template \"1107160000000000001\"\n", ""),
        ),
        Syntax::Ivr,
    );
    let graph = without.graph.expect("compiles");
    assert!(matches!(
        &graph.node(graph.start).kind,
        NodeKind::Sms {
            dlt_template: None,
            ..
        }
    ));
}

/// A voicemail transcribed into `text`, in `.ivr`, with `extra` lines.
fn transcribed(targets: &str, extra: &str) -> String {
    format!(
        "flow f {{\n  language \"en-US\"\n  targets {targets}\n  var text: string\n  var ext: digits\n  start main\n  record main {{\n    transcribe into {extra}\n    done -> said\n    empty -> bye\n  }}\n  branch said {{\n    when text != \"\" -> bye\n    else -> other\n  }}\n  hangup bye {{\n    text \"Bye.\"\n  }}\n  hangup other {{\n    text \"See you.\"\n  }}\n}}\n"
    )
}

#[test]
fn a_transcript_is_a_string_set_on_done_and_twilio_only() {
    // Read after `done` without E014 (it is "" until the text arrives), and
    // the condition on it is not decided before the call (no W035).
    let out = compile(&transcribed("twilio", "text"), Syntax::Ivr);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let graph = out.graph.expect("compiles");
    let main = graph.node(graph.find("main").unwrap());
    assert!(matches!(
        &main.kind,
        NodeKind::Record { transcript: Some(v), .. } if v == "text"
    ));
    assert_eq!(codes(&transcribed("exotel", "text")), [Code::Unsupported]);
    assert!(codes(&transcribed("twilio", "ext")).contains(&Code::TypeMismatch));
    assert!(codes(&transcribed("twilio", "nothing")).contains(&Code::UndeclaredVariable));
    // Twilio transcribes recordings of at most two minutes.
    assert_eq!(
        codes(&transcribed("twilio", "text\n    max_length 3m")),
        [Code::OutOfRange]
    );
    let without_into = transcribed("twilio", "text").replace("into text", "text");
    assert!(codes(&without_into).contains(&Code::InvalidValue));
}

#[test]
fn transcribe_in_yaml_is_the_same_graph() {
    let yaml = "flow: f\nlanguage: en-US\ntargets: [twilio]\nvars:\n  text: string\n  ext: digits\nstart: main\nnodes:\n  - record: main\n    transcribe: { into: text }\n    exits: { done: said, empty: bye }\n  - branch: said\n    when:\n      - if: text != \"\"\n        go: bye\n    exits: { else: other }\n  - hangup: bye\n    text: Bye.\n  - hangup: other\n    text: See you.\n";
    let from_yaml = compile(yaml, Syntax::Yaml);
    assert!(
        from_yaml.diagnostics.is_empty(),
        "{:?}",
        from_yaml.diagnostics
    );
    let from_ivr = compile(&transcribed("twilio", "text"), Syntax::Ivr);
    assert_eq!(
        from_yaml.graph.unwrap().version,
        from_ivr.graph.unwrap().version
    );
}
