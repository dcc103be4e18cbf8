//! Menus beyond one key, spoken choices, misses routed by kind, the last
//! miss's words, and visits bounded across re-entry — on flows compiled from
//! `.ivr` text, so the checker's defaults are the ones under test.

use ivr_compiler::{Graph, Syntax, compile};
use serde_json::json;

use super::{Call, heard, path};
use ivr_compiler::graph::Input;

use crate::engine::{CallState, Instruction};

fn graph(body: &str) -> Graph {
    let text = format!(
        "flow t {{\n  language \"en-IN\"\n  targets twilio\n  var picked: string\n  var code: digits\n  var n: number = 0\n{body}\n  hangup bye {{\n    text \"Bye.\"\n  }}\n  hangup a {{}}\n  hangup b {{}}\n  hangup c {{}}\n}}\n"
    );
    let out = compile(&text, Syntax::Ivr);
    let errors: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str().starts_with('E'))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    out.graph.expect("compiles")
}

fn switchboard() -> Graph {
    graph(
        r##"  start main
  menu main {
    prompt "Dial an extension, or 0 for the operator."
    finish "#"
    into picked
    "0" -> a
    "10" -> b
    "1000-1019" -> c
    exhausted -> bye
  }"##,
    )
}

fn gather_of(instructions: &[Instruction]) -> &Instruction {
    instructions
        .iter()
        .find(|i| matches!(i, Instruction::Gather { .. }))
        .expect("a gather")
}

#[test]
fn multi_key_menus_judge_the_whole_entry_and_store_it() {
    let graph = switchboard();
    let (call, turn) = Call::start(&graph);
    match gather_of(&turn.instructions) {
        Instruction::Gather {
            min_digits,
            max_digits,
            finish_key,
            input,
            ..
        } => assert_eq!(
            (*min_digits, *max_digits, *finish_key, *input),
            (1, 4, Some('#'), Input::Dtmf)
        ),
        other => panic!("{other:?}"),
    }
    for (keys, exit, stored) in [
        ("0#", "main:0", "0"),
        ("10", "main:10", "10"),
        ("10#", "main:10", "10"),
        ("1007", "main:1000-1019", "1007"),
        ("1019#", "main:1000-1019", "1019"),
    ] {
        let mut c = Call {
            graph: &graph,
            state: call.state.clone(),
            now: call.now,
        };
        let turn = c.press(keys);
        assert_eq!(path(&graph, &turn)[0], exit, "{keys}");
        assert_eq!(c.state.vars["picked"], json!(stored), "{keys}");
    }
    // Not the first key alone any more: `01` and `1020` are no entries.
    for wrong in ["01", "1020", "1", "100"] {
        let mut c = Call {
            graph: &graph,
            state: call.state.clone(),
            now: call.now,
        };
        let turn = c.press(wrong);
        assert_eq!(path(&graph, &turn), ["main:"], "{wrong}");
        assert_eq!(c.state.attempts.nomatch, 1, "{wrong}");
    }
}

#[test]
fn one_key_menus_still_take_the_first_key() {
    let graph = graph(
        r##"  start main
  menu main {
    prompt "Press 1."
    "1" -> a
    exhausted -> bye
  }"##,
    );
    let (mut call, turn) = Call::start(&graph);
    assert!(matches!(
        gather_of(&turn.instructions),
        Instruction::Gather {
            max_digits: 1,
            finish_key: None,
            ..
        }
    ));
    let turn = call.press("12#");
    assert_eq!(path(&graph, &turn), ["main:1", "a:"]);
}

#[test]
fn spoken_choices_match_any_phrase_and_hint_every_phrase() {
    let graph = graph(
        r##"  start main
  menu main {
    prompt "Say sales or support, or press 1 or 2."
    input dtmf speech
    into picked
    "1", "sales", "sell something" -> a
    "2", "Support!" -> b
    exhausted -> bye
  }"##,
    );
    let (call, turn) = Call::start(&graph);
    match gather_of(&turn.instructions) {
        Instruction::Gather { input, hints, .. } => {
            assert_eq!(*input, Input::DtmfSpeech);
            assert_eq!(hints, &["sales", "sell something", "Support!"]);
        }
        other => panic!("{other:?}"),
    }
    for (said, exit, stored) in [
        (
            "I'd like to SELL SOMETHING.",
            "main:1",
            "I'd like to SELL SOMETHING.",
        ),
        ("sales please", "main:1", "sales please"),
        ("support", "main:2", "support"),
        ("Two.", "main:", ""),
        ("2.", "main:2", "2"),
        ("press 2", "main:2", "press 2"),
        ("wholesale", "main:", ""),
    ] {
        let mut c = Call {
            graph: &graph,
            state: call.state.clone(),
            now: call.now,
        };
        let turn = c.say(said);
        assert_eq!(path(&graph, &turn)[0], exit, "{said}");
        if exit != "main:" {
            assert_eq!(c.state.vars["picked"], json!(stored), "{said}");
        }
    }
}

#[test]
fn menu_misses_leave_by_their_own_exit_after_their_words() {
    let graph = graph(
        r##"  start main
  menu main {
    prompt "Press 1."
    noinput "I did not hear you."
    nomatch "That is not an option."
    max_noinput 2
    max_nomatch 2
    "1" -> a
    exhausted -> bye
    noinput_exhausted -> b
  }"##,
    );
    let (call, _) = Call::start(&graph);
    let mut c = Call { ..call };
    c.silence();
    let turn = c.silence();
    assert_eq!(path(&graph, &turn), ["main:noinput_exhausted", "b:"]);
    assert_eq!(
        heard(&turn),
        ["I did not hear you."],
        "the last miss's words"
    );

    let (mut c, _) = Call::start(&graph);
    c.press("7");
    c.silence();
    let turn = c.press("8");
    assert_eq!(
        path(&graph, &turn),
        ["main:exhausted", "bye:"],
        "no `nomatch_exhausted`: `exhausted`"
    );
    assert_eq!(heard(&turn), ["That is not an option.", "Bye."]);
}

#[test]
fn gathers_count_silences_and_wrong_entries_apart_within_the_total() {
    let graph = graph(
        r##"  start ask
  gather ask {
    prompt "Your code?"
    nomatch "That code is not valid."
    digits 4
    max_noinput 2
    max_nomatch 3
    into code
    done -> a
    exhausted -> bye
    noinput_exhausted -> b
    nomatch_exhausted -> c
  }"##,
    );
    // Without `attempts`, the total is 2 + 3: it never cuts in first.
    let (mut call, _) = Call::start(&graph);
    call.press("1");
    call.silence();
    call.press("12");
    let turn = call.press("123");
    assert_eq!(path(&graph, &turn), ["ask:nomatch_exhausted", "c:"]);
    assert_eq!(heard(&turn), ["That code is not valid."]);

    let (mut call, _) = Call::start(&graph);
    call.press("1");
    let turn = call.silence();
    assert_eq!(path(&graph, &turn), ["ask:"], "one silence of two");
    let turn = call.silence();
    assert_eq!(path(&graph, &turn), ["ask:noinput_exhausted", "b:"]);
    assert!(heard(&turn).is_empty(), "no noinput words to say");
}

#[test]
fn attempts_stays_the_total_bound_beside_per_kind_bounds() {
    let graph = graph(
        r##"  start ask
  gather ask {
    prompt "Your code?"
    attempts 3
    max_noinput 2
    into code
    done -> a
    exhausted -> bye
  }"##,
    );
    let (mut call, _) = Call::start(&graph);
    call.press("x");
    call.press("y");
    let turn = call.press("z");
    assert_eq!(
        path(&graph, &turn),
        ["ask:exhausted", "bye:"],
        "3 misses in all"
    );
    let (mut call, _) = Call::start(&graph);
    call.silence();
    let turn = call.silence();
    assert_eq!(path(&graph, &turn), ["ask:exhausted", "bye:"], "2 silences");
}

#[test]
fn max_visits_counts_entries_across_the_call() {
    let graph = graph(
        r##"  start main
  menu main {
    prompt "Press 1 to hear it again."
    max_visits 2
    "1" -> again
    exhausted -> bye
    visits_exhausted -> c
  }
  set again {
    n = n + 1
    next -> main
  }"##,
    );
    let (mut call, turn) = Call::start(&graph);
    assert_eq!(path(&graph, &turn), ["main:"]);
    // A miss asks again without entering again.
    call.press("5");
    let turn = call.press("1");
    assert_eq!(path(&graph, &turn), ["main:1", "again:next", "main:"]);
    assert_eq!(call.state.attempts.nomatch, 0, "attempts reset on entry");
    let turn = call.press("1");
    assert_eq!(
        path(&graph, &turn),
        ["main:1", "again:next", "main:visits_exhausted", "c:"]
    );
}

#[test]
fn stored_calls_without_visit_counts_still_load() {
    let graph = switchboard();
    let (call, _) = Call::start(&graph);
    let mut stored = serde_json::to_value(&call.state).unwrap();
    assert!(stored.get("visits").is_none(), "not written while empty");
    stored.as_object_mut().unwrap().remove("visits");
    let back: CallState = serde_json::from_value(stored).unwrap();
    assert!(back.visits.is_empty());
}
