//! Menus beyond one key and the new input checks: both syntaxes, `ivr fmt`,
//! the provider table, and each E031 and W030 case.

use super::tests::codes;
use crate::diagnostic::Code;
use crate::graph::NodeKind;
use crate::{Syntax, compile};

fn flow(targets: &str, body: &str) -> String {
    format!(
        "flow f {{\n  language \"en-IN\"\n  targets {targets}\n  var ext: string\n  var pin: digits\n  start main\n{body}\n  hangup bye {{\n    text \"Bye.\"\n  }}\n}}\n"
    )
}

const SWITCHBOARD: &str = r##"  menu main {
    prompt "Dial an extension or say sales."
    input dtmf speech
    max_noinput 2
    max_visits 3
    into ext
    "1000-1019" -> bye
    "7", "sales", "sell something" -> bye
    "/9[0-9]{1,3}/" -> bye
    exhausted -> bye
    nomatch_exhausted -> bye
    visits_exhausted -> bye
  }"##;

const SWITCHBOARD_YAML: &str = r##"flow: f
language: en-IN
targets: [twilio]
vars: { ext: string, pin: digits }
start: main
nodes:
  - menu: main
    prompt: Dial an extension or say sales.
    input: dtmf speech
    max_noinput: 2
    max_visits: 3
    into: ext
    exits:
      "1000-1019": bye
      "7, sales, sell something": bye
      "/9[0-9]{1,3}/": bye
      exhausted: bye
      nomatch_exhausted: bye
      visits_exhausted: bye
  - hangup: bye
    text: Bye.
"##;

#[test]
fn both_syntaxes_give_the_same_menu_graph() {
    let ivr = compile(&flow("twilio", SWITCHBOARD), Syntax::Ivr);
    let yaml = compile(SWITCHBOARD_YAML, Syntax::Yaml);
    assert!(ivr.diagnostics.is_empty(), "{:#?}", ivr.diagnostics);
    assert!(yaml.diagnostics.is_empty(), "{:#?}", yaml.diagnostics);
    let graph = ivr.graph.unwrap();
    assert_eq!(Some(&graph), yaml.graph.as_ref());
    let NodeKind::Menu {
        choices,
        entry,
        visits,
        ..
    } = &graph.nodes[0].kind
    else {
        panic!("a menu")
    };
    assert_eq!(choices[1].also, ["sales", "sell something"]);
    assert_eq!(choices[2].pattern.as_deref(), Some("9[0-9]{1,3}"));
    let entry = entry.as_ref().expect("entries of several keys");
    assert_eq!(
        (entry.min_digits, entry.max_digits, entry.finish_key),
        (1, 4, None)
    );
    assert_eq!(visits.as_ref().map(|v| v.max), Some(3));
    let exits: Vec<String> = graph.nodes[0]
        .kind
        .exits()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        exits,
        [
            "1000-1019",
            "7",
            "/9[0-9]{1,3}/",
            "exhausted",
            "nomatch_exhausted",
            "visits_exhausted"
        ]
    );
}

#[test]
fn fmt_keeps_a_choice_s_entries() {
    let text = flow("twilio", SWITCHBOARD);
    let formatted = crate::format::format(&text).unwrap();
    assert!(
        formatted.contains("    \"7\", \"sales\", \"sell something\" -> bye\n"),
        "{formatted}"
    );
    assert_eq!(
        compile(&formatted, Syntax::Ivr).graph,
        compile(&text, Syntax::Ivr).graph
    );
}

#[test]
fn spoken_choices_are_refused_for_exotel() {
    let c = codes(&flow("twilio, exotel", SWITCHBOARD));
    assert_eq!(c, [Code::Unsupported], "speech input, once");
}

#[test]
fn entry_lists_belong_to_menus() {
    let text = flow(
        "twilio",
        "  say main {\n    text \"Hi.\"\n    next, \"x\" -> bye\n  }",
    );
    assert!(codes(&text).contains(&Code::InvalidValue));
}

#[test]
fn impossible_menu_input() {
    let menu = |lines: &str| {
        flow(
            "twilio",
            &format!("  menu main {{\n    prompt \"Hi.\"\n{lines}\n    exhausted -> bye\n  }}"),
        )
    };
    for (lines, why) in [
        (
            "    digits 3\n    \"1000-1019\" -> bye",
            "a range longer than `digits`",
        ),
        (
            "    max_digits 2\n    \"123\" -> bye",
            "keys longer than `max_digits`",
        ),
        (
            "    min_digits 2\n    \"1\" -> bye\n    \"12\" -> bye",
            "keys shorter than `min_digits`",
        ),
        (
            "    finish \"#\"\n    \"1#\" -> bye",
            "the finish key inside keys",
        ),
        (
            "    finish \"0\"\n    \"1000-1019\" -> bye",
            "the finish key inside a range",
        ),
        (
            "    digits 4\n    min_digits 2\n    \"1234\" -> bye",
            "`digits` beside `min_digits`",
        ),
        (
            "    min_digits 5\n    max_digits 4\n    \"1234\" -> bye",
            "min above max",
        ),
        ("    \"sales\" -> bye", "a phrase on a keys-only menu"),
        (
            "    input speech\n    digits 2\n    \"sales\" -> bye",
            "digit rules on speech only",
        ),
        (
            "    input dtmf speech\n    into pin\n    \"1\" -> bye",
            "speech into digits",
        ),
    ] {
        let c = codes(&menu(lines));
        assert!(c.contains(&Code::ImpossibleInput), "{why}: {c:?}");
    }
    // And what is possible stays quiet.
    for lines in [
        "    finish \"#\"\n    \"1\" -> bye\n    \"100-199\" -> bye",
        "    \"0\" -> bye\n    \"1000-1019\" -> bye",
        "    input dtmf speech\n    into ext\n    \"1\", \"one\" -> bye",
    ] {
        assert_eq!(codes(&menu(lines)), [], "{lines}");
    }
}

#[test]
fn impossible_gather_input() {
    let gather = |lines: &str| {
        flow(
            "twilio",
            &format!(
                "  gather main {{\n    prompt \"Hi.\"\n{lines}\n    done -> bye\n    exhausted -> bye\n  }}"
            ),
        )
    };
    for (lines, why) in [
        (
            "    digits 4\n    pattern \"[0-9]{6}\"\n    into pin",
            "a pattern no length matches",
        ),
        (
            "    pattern \"[0-9]+#[0-9]\"\n    into pin",
            "the default finish key inside the pattern",
        ),
        (
            "    input speech\n    finish \"#\"\n    into ext",
            "a finish key on speech only",
        ),
        (
            "    input speech\n    digits 4\n    into ext",
            "digit rules on speech only",
        ),
        ("    input speech\n    into pin", "speech only into digits"),
        (
            "    attempts 2\n    max_noinput 3\n    into pin",
            "a per-kind bound above attempts",
        ),
    ] {
        let c = codes(&gather(lines));
        assert!(c.contains(&Code::ImpossibleInput), "{why}: {c:?}");
    }
    for lines in [
        "    digits 6\n    pattern \"[0-9]{6}\"\n    into pin",
        "    input dtmf speech\n    into pin",
        "    attempts 3\n    max_noinput 2\n    into pin",
    ] {
        assert_eq!(codes(&gather(lines)), [], "{lines}");
    }
}

#[test]
fn ambiguous_keys_warn_unless_a_finish_key_ends_the_short_one() {
    let menu = |lines: &str| {
        flow(
            "twilio",
            &format!("  menu main {{\n    prompt \"Hi.\"\n{lines}\n    exhausted -> bye\n  }}"),
        )
    };
    for lines in [
        "    \"1\" -> bye\n    \"14\" -> bye",
        "    \"1\" -> bye\n    \"1000-1019\" -> bye",
        "    \"9\" -> bye\n    \"/9[0-9]+/\" -> bye",
        "    inter_digit 2s\n    \"1\" -> bye\n    \"12\" -> bye",
    ] {
        assert_eq!(codes(&menu(lines)), [Code::AmbiguousKeys], "{lines}");
    }
    assert_eq!(
        codes(&menu(
            "    finish \"#\"\n    \"1\" -> bye\n    \"14\" -> bye"
        )),
        []
    );
}

#[test]
fn max_visits_needs_its_exit_and_the_exit_needs_max_visits() {
    let menu = |lines: &str| {
        flow(
            "twilio",
            &format!(
                "  menu main {{\n    prompt \"Hi.\"\n    \"1\" -> bye\n    exhausted -> bye\n{lines}\n  }}"
            ),
        )
    };
    assert!(codes(&menu("    max_visits 2")).contains(&Code::MissingExit));
    assert!(codes(&menu("    visits_exhausted -> bye")).contains(&Code::MissingField));
    assert_eq!(
        codes(&menu("    max_visits 2\n    visits_exhausted -> bye")),
        []
    );
}
