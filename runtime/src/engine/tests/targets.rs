//! Splits, targets built at run time, whole-call recording and answering
//! machines: flows compiled from source, driven event by event.

use ivr_compiler::{Graph, Syntax, compile};

use super::{Call, caller, path};
use crate::engine::{
    AnsweredBy, DialOutcome, Effect, Event, Instruction, Waiting, start, start_pinned,
};

fn graph(src: &str) -> Graph {
    let out = compile(src, Syntax::Ivr);
    out.graph
        .unwrap_or_else(|| panic!("does not compile: {:#?}", out.diagnostics))
}

const SPLIT: &str = r#"flow ab {
  language "en-IN"
  targets twilio, exotel
  start greeting
  split greeting {
    percent new 25
    percent old 75
    new -> fresh
    old -> classic
  }
  hangup fresh { text "Hi!" }
  hangup classic { text "Welcome to Acme." }
}"#;

#[test]
fn a_split_sends_each_call_one_way_by_its_id_and_shares_calls_out() {
    let graph = graph(SPLIT);
    let branch = |id: &str| {
        let turn = start(&graph, id.into(), caller(), 0);
        path(&graph, &turn)[0].clone()
    };
    // The same call id, the same branch, every time.
    for i in 0..20 {
        let id = format!("CA{i:032x}");
        assert_eq!(branch(&id), branch(&id));
    }
    let n = 4_000;
    let fresh = (0..n)
        .filter(|i| branch(&format!("CA{i:032x}")) == "greeting:new")
        .count();
    // 25 % of 4 000 = 1 000, σ ≈ 27.
    assert!((880..=1_120).contains(&fresh), "{fresh} of {n} took `new`");
}

#[test]
fn a_pinned_split_takes_the_pinned_branch() {
    let graph = graph(SPLIT);
    for (pin, walked) in [("new", "fresh:"), ("old", "classic:")] {
        for i in 0..10 {
            let pinned = [("greeting".to_string(), pin.to_string())].into();
            let turn = start_pinned(
                &graph,
                format!("CA{i}"),
                caller(),
                Default::default(),
                pinned,
                0,
            );
            assert_eq!(path(&graph, &turn)[1], walked);
        }
    }
}

const CALLBACK: &str = r#"flow callback {
  language "en-IN"
  targets twilio
  var number: digits
  start ask
  gather ask {
    prompt "Key in the number to call back, then press hash."
    min_digits 10
    max_digits 13
    into number
    done -> text_it
    exhausted -> bye
  }
  sms text_it {
    to "{number}"
    text "We will call you back."
    sent -> dial
    failed -> sorry
  }
  transfer dial {
    to "{number}"
    answered -> bye
    busy -> bye
    no_answer -> bye
    failed -> sorry
  }
  say sorry {
    text "That is not a number we can call."
    next -> bye
  }
  hangup bye { text "Goodbye." }
}"#;

#[test]
fn a_keyed_number_is_texted_and_dialled_in_e164_with_the_flow_country() {
    let graph = graph(CALLBACK);
    let (mut call, _) = Call::start(&graph);
    let turn = call.press("09876543210");
    assert_eq!(
        turn.effects,
        [Effect::Sms {
            to: "+919876543210".into(),
            text: "We will call you back.".into(),
            dlt_template: None,
        }]
    );
    let turn = call.send(Event::EffectDone {
        result: crate::engine::EffectResult::Sms { sent: true },
        at: 2,
    });
    assert!(
        matches!(turn.instructions.last(), Some(Instruction::Dial { targets, .. }) if targets == &["+919876543210"]),
        "{:?}",
        turn.instructions
    );
    // The variable keeps what the caller keyed.
    assert_eq!(call.state.vars["number"], "09876543210");
}

#[test]
fn a_keyed_number_that_is_no_number_fails_without_a_message_or_a_dial() {
    let graph = graph(CALLBACK);
    let (mut call, _) = Call::start(&graph);
    // Ten digits, but no Indian number starts with 5.
    let turn = call.press("5555555555");
    assert!(turn.effects.is_empty());
    assert!(
        !turn
            .instructions
            .iter()
            .any(|i| matches!(i, Instruction::Dial { .. }))
    );
    assert_eq!(
        path(&graph, &turn),
        ["ask:done", "text_it:failed", "sorry:next", "bye:"]
    );
}

#[test]
fn transfers_reach_sip_addresses_and_client_identities_from_templates() {
    // Twilio dials one `<Sip>` alone (E039), so the SIP address has a
    // transfer of its own; a client identity may ring beside numbers.
    let dialled = |to: &str| {
        let graph = graph(&format!(
            r#"flow desk {{
  language "en-IN"
  targets twilio
  var agent: string = "alice"
  var ext: digits = "204"
  start connect
  transfer connect {{
    to {to}
    answered -> bye
    busy -> bye
    no_answer -> bye
    failed -> bye
  }}
  hangup bye {{ text "Bye." }}
}}"#
        ));
        let (_, turn) = Call::start(&graph);
        match &turn.instructions[0] {
            Instruction::Dial { targets, .. } => targets.clone(),
            other => panic!("{other:?}"),
        }
    };
    // "204" is no phone number: dropped; the identity is dialled.
    assert_eq!(dialled(r#""client:{agent}", "{ext}""#), ["client:alice"]);
    assert_eq!(
        dialled(r#""sip:{ext}@pbx.example.com""#),
        ["sip:204@pbx.example.com"]
    );
}

#[test]
fn a_client_identity_left_empty_is_not_dialled() {
    let graph = graph(
        r#"flow desk {
  language "en-IN"
  targets twilio
  var agent: string = ""
  start connect
  transfer connect {
    to "client:{agent}"
    answered -> bye
    busy -> bye
    no_answer -> bye
    failed -> bye
  }
  hangup bye { text "Bye." }
}"#,
    );
    let (_, turn) = Call::start(&graph);
    assert_eq!(path(&graph, &turn), ["connect:failed", "bye:"]);
}

#[test]
fn a_queue_name_is_built_per_call_and_an_empty_one_fails() {
    let src = |team: &str| {
        format!(
            r#"flow q {{
  language "en-IN"
  targets twilio
  var team: string = "{team}"
  start wait
  queue wait {{
    name "support-{{team}}"
    bridged -> bye
    timeout -> bye
    failed -> sorry
  }}
  hangup sorry {{ text "Sorry." }}
  hangup bye {{ text "Bye." }}
}}"#
        )
    };
    let graph = graph(&src("hindi"));
    let (call, turn) = Call::start(&graph);
    assert!(
        matches!(&turn.instructions[0], Instruction::Enqueue { name, .. } if name == "support-hindi")
    );
    assert_eq!(call.state.waiting, Waiting::Queue);

    let long = "x".repeat(80);
    let long = self::graph(&src(&long));
    let (_, turn) = Call::start(&long);
    assert_eq!(path(&long, &turn), ["wait:failed", "sorry:"]);
}

#[test]
fn the_whole_call_is_recorded_once_from_the_node_on() {
    let graph = graph(
        r#"flow rec {
  language "en-IN"
  targets twilio
  start consent
  record_call consent { next -> menu }
  menu menu {
    prompt "Press 1 to hear this again."
    "1" -> consent
    exhausted -> bye
  }
  hangup bye { text "Bye." }
}"#,
    );
    let (mut call, turn) = Call::start(&graph);
    assert_eq!(turn.instructions[0], Instruction::RecordCall);
    assert!(call.state.recording_call);
    let turn = call.press("1");
    assert!(!turn.instructions.contains(&Instruction::RecordCall));
    assert_eq!(path(&graph, &turn), ["menu:1", "consent:next", "menu:"]);
}

const REMINDER: &str = r#"flow reminder {
  language "en-IN"
  targets twilio, exotel
  start who
  branch who {
    when call.answered_by == "machine" -> voicemail
    else -> person
  }
  hangup voicemail { text "This is Acme: your appointment is tomorrow." }
  hangup person { text "Hello from Acme." }
}"#;

#[test]
fn a_flow_branches_on_who_answered() {
    let graph = graph(REMINDER);
    assert!(graph.reads_answered_by);
    for (answered_by, walked) in [
        (Some(AnsweredBy::Machine), "voicemail:"),
        (Some(AnsweredBy::Human), "person:"),
        (Some(AnsweredBy::Unknown), "person:"),
        (None, "person:"),
    ] {
        let mut who = caller();
        who.answered_by = answered_by;
        let turn = start(&graph, "CA1".into(), who, 0);
        assert_eq!(
            path(&graph, &turn),
            [
                if walked == "voicemail:" {
                    "who:when#1"
                } else {
                    "who:else"
                },
                walked
            ]
        );
    }
    // A flow that does not ask does not make placed calls wait for detection.
    assert!(!self::graph(SPLIT).reads_answered_by);
    let _ = DialOutcome::Answered;
}
