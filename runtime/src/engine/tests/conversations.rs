//! Whole conversations on hand-built graphs: every node kind and exit.

use ivr_compiler::graph::{
    Arm, Assignment, BinOp, Expr, FieldShape, Graph, Input, Interval, Method, NodeId, NodeKind,
    ResultField, Type,
};
use serde_json::{Value, json};

use super::*;
use crate::engine::{
    Attempts, DialOutcome, Effect, EffectResult, Event, Instruction, Part, QueueOutcome, Turn,
    Waiting, step,
};

fn path_of(p: &str) -> Expr {
    Expr::Path(p.split('.').map(String::from).collect())
}

fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr::Binary(op, Box::new(a), Box::new(b))
}

/// welcome → main menu (1 → sales transfer, 2 → bye), exhausted → bye.
fn main_line() -> Graph {
    Flow::new().nodes(&["welcome", "main", "sales", "busy", "bye"], |n| {
        vec![
            say("Welcome.", n("main")),
            menu(
                &["Press 1 for sales.", "Please press 1.", "Last chance: 1."],
                &[("1", n("sales")), ("2", n("bye"))],
                n("bye"),
            ),
            NodeKind::Transfer {
                prompt: Some(text("Connecting.")),
                to: vec![tpl("+918000000001"), tpl("{agent}")],
                caller_id: Some(tpl("{call.to}")),
                ring_timeout_s: 20,
                record: true,
                answered: n("bye"),
                busy: n("busy"),
                no_answer: n("busy"),
                failed: n("main"),
            },
            say("Everyone is busy.", n("main")),
            hangup(Some("Goodbye.")),
        ]
    })
}

#[test]
fn start_says_then_asks_with_the_say_outside_the_gather() {
    let graph = main_line();
    let (call, turn) = Call::start(&graph);
    assert_eq!(shape(&turn), ["say", "gather"]);
    assert_eq!(heard(&turn), ["Welcome.", "Press 1 for sales."]);
    assert_eq!(path(&graph, &turn), ["welcome:next", "main:"]);
    let s = &call.state;
    assert_eq!(
        (s.turn, s.waiting, s.node, s.ended),
        (1, Waiting::Input, NodeId(1), false)
    );
    assert_eq!(
        (s.flow.as_str(), s.version.as_str(), s.language.as_str()),
        ("test", "v1", "en-IN")
    );
    assert_eq!((s.started_at, s.updated_at), (1_000, 1_000));
    match &turn.instructions[1] {
        Instruction::Gather {
            input,
            min_digits,
            max_digits,
            finish_key,
            timeout_s,
            language,
            ..
        } => {
            assert_eq!(
                (
                    *input,
                    *min_digits,
                    *max_digits,
                    *finish_key,
                    *timeout_s,
                    language.as_str()
                ),
                (Input::Dtmf, 1, 1, None, 5, "en-IN")
            );
        }
        other => panic!("not a gather: {other:?}"),
    }
}

#[test]
fn a_key_leads_to_a_dial_and_each_dial_outcome_to_its_exit() {
    let graph = main_line();
    for (outcome, exit, next) in [
        (DialOutcome::Answered, "answered", "bye"),
        (DialOutcome::Busy, "busy", "busy"),
        (DialOutcome::NoAnswer, "no_answer", "busy"),
        (DialOutcome::Failed, "failed", "main"),
    ] {
        let (mut call, _) = Call::start(&graph);
        let turn = call.press("1");
        assert_eq!(shape(&turn), ["say", "dial"]);
        assert_eq!(path(&graph, &turn), ["main:1", "sales:"]);
        assert_eq!(
            turn.instructions[1],
            Instruction::Dial {
                // `{agent}` is unset: that target is dropped, the other rung.
                targets: vec!["+918000000001".into()],
                caller_id: Some("+912222222222".into()),
                ring_timeout_s: 20,
                record: true,
            }
        );
        assert_eq!(call.state.waiting, Waiting::Dial);
        let turn = call.send(Event::Dialed { outcome, at: 9_000 });
        assert_eq!(path(&graph, &turn)[0], format!("sales:{exit}"));
        assert!(path(&graph, &turn)[1].starts_with(&format!("{next}:")));
        assert_eq!(call.state.updated_at, 9_000);
    }
}

#[test]
fn a_transfer_with_no_number_to_ring_fails_without_dialling() {
    let graph = Flow::new().nodes(&["t", "sorry"], |n| {
        vec![
            NodeKind::Transfer {
                prompt: Some(text("Connecting.")),
                to: vec![tpl("{agent}")],
                caller_id: None,
                ring_timeout_s: 30,
                record: false,
                answered: n("sorry"),
                busy: n("sorry"),
                no_answer: n("sorry"),
                failed: n("sorry"),
            },
            hangup(Some("Sorry.")),
        ]
    });
    let (_, turn) = Call::start(&graph);
    assert_eq!(path(&graph, &turn), ["t:failed", "sorry:"]);
    assert_eq!(heard(&turn), ["Sorry."]);
}

#[test]
fn tapered_reprompts_with_apologies() {
    let mut graph = main_line();
    if let NodeKind::Menu {
        noinput, nomatch, ..
    } = &mut graph.nodes[1].kind
    {
        *noinput = Some(text("I did not hear you."));
        *nomatch = Some(text("That is not an option."));
    }
    let (mut call, _) = Call::start(&graph);
    let turn = call.press("7");
    assert_eq!(shape(&turn), ["gather"], "the apology is inside the gather");
    assert_eq!(heard(&turn), ["That is not an option.", "Please press 1."]);
    assert_eq!(path(&graph, &turn), ["main:"]);
    let turn = call.silence();
    assert_eq!(heard(&turn), ["I did not hear you.", "Last chance: 1."]);
    let turn = call.press("9");
    assert_eq!(
        heard(&turn),
        ["That is not an option.", "Last chance: 1."],
        "the last reprompt repeats"
    );
    assert_eq!(
        call.state.attempts,
        Attempts {
            noinput: 1,
            nomatch: 2
        }
    );
}

#[test]
fn silences_count_to_exhausted() {
    let graph = main_line();
    let (mut call, _) = Call::start(&graph);
    call.silence();
    call.press("5");
    let turn = call.silence();
    assert_eq!(
        call.state.attempts,
        Attempts {
            noinput: 2,
            nomatch: 1
        }
    );
    assert_eq!(shape(&turn), ["gather"]);
    let turn = call.silence();
    assert_eq!(path(&graph, &turn), ["main:exhausted", "bye:"]);
    assert_eq!(shape(&turn), ["say", "hangup"]);
    assert!(call.state.ended);
}

#[test]
fn wrong_keys_count_to_exhausted_and_a_return_visit_starts_afresh() {
    let graph = main_line();
    let (mut call, _) = Call::start(&graph);
    call.press("5");
    call.press("6");
    call.press("1");
    // Busy → "Everyone is busy." → back at the menu, counters reset, first prompt.
    let turn = call.send(Event::Dialed {
        outcome: DialOutcome::Busy,
        at: 5,
    });
    assert_eq!(path(&graph, &turn), ["sales:busy", "busy:next", "main:"]);
    assert_eq!(heard(&turn), ["Everyone is busy.", "Press 1 for sales."]);
    assert_eq!(call.state.attempts, Attempts::default());
    call.press("5");
    call.press("5");
    let turn = call.press("#");
    assert_eq!(path(&graph, &turn), ["main:exhausted", "bye:"]);
}

#[test]
fn speech_menus_match_phrases_and_hint_them() {
    let graph = Flow::new().nodes(&["main", "billing", "bye"], |n| {
        vec![
            menu(
                &["Say billing, or press 1."],
                &[("1", n("billing")), ("billing", n("billing"))],
                n("bye"),
            ),
            hangup(Some("Billing.")),
            hangup(None),
        ]
    });
    let (mut call, turn) = Call::start(&graph);
    match &turn.instructions[0] {
        Instruction::Gather { input, hints, .. } => {
            assert_eq!(
                (*input, hints.as_slice()),
                (Input::DtmfSpeech, &["billing".to_string()][..])
            );
        }
        other => panic!("{other:?}"),
    }
    let turn = call.say("Billing, please.");
    assert_eq!(path(&graph, &turn), ["main:billing", "billing:"]);
}

fn pin_flow(ty: Type) -> Graph {
    Flow::new()
        .var("pin", ty, None)
        .nodes(&["ask", "ok", "agents"], |n| {
            let mut ask = gather("Enter your 4 digit PIN.", "pin", n("ok"), n("agents"));
            if let NodeKind::Gather {
                min_digits,
                max_digits,
                pattern,
                nomatch,
                prompts,
                ..
            } = &mut ask
            {
                *min_digits = 4;
                *max_digits = 4;
                *pattern = Some("[0-8]+".into());
                *nomatch = Some(text("That PIN is not valid."));
                prompts.push(text("Please enter the 4 digits of your PIN."));
            }
            vec![
                ask,
                hangup(Some("Your PIN is {pin}.")),
                hangup(Some("Transferring.")),
            ]
        })
}

#[test]
fn gather_stores_valid_digits_as_a_string() {
    let graph = pin_flow(Type::Digits);
    let (mut call, turn) = Call::start(&graph);
    match &turn.instructions[0] {
        Instruction::Gather {
            min_digits,
            max_digits,
            finish_key,
            ..
        } => {
            assert_eq!((*min_digits, *max_digits, *finish_key), (4, 4, Some('#')));
        }
        other => panic!("{other:?}"),
    }
    let turn = call.press("0071#");
    assert_eq!(path(&graph, &turn), ["ask:done", "ok:"]);
    assert_eq!(call.state.vars["pin"], json!("0071"));
    assert_eq!(heard(&turn), ["Your PIN is 0071."]);
}

#[test]
fn gather_stores_a_number_typed_var_as_a_number() {
    let graph = pin_flow(Type::Number);
    let (mut call, _) = Call::start(&graph);
    call.press("0071");
    assert_eq!(call.state.vars["pin"], json!(71));
}

#[test]
fn invalid_input_is_a_no_match_and_attempts_run_out() {
    let graph = pin_flow(Type::Digits);
    let (mut call, _) = Call::start(&graph);
    let turn = call.press("123");
    assert_eq!(
        heard(&turn),
        [
            "That PIN is not valid.",
            "Please enter the 4 digits of your PIN."
        ]
    );
    let turn = call.press("1239");
    assert_eq!(
        heard(&turn)[0],
        "That PIN is not valid.",
        "9 is outside the pattern"
    );
    assert!(!call.state.vars.contains_key("pin"));
    let turn = call.silence();
    assert_eq!(path(&graph, &turn), ["ask:exhausted", "agents:"]);
}

fn order_flow() -> Graph {
    Flow::new()
        .var("order_id", Type::Digits, Some(json!("0042")))
        .var("order", Type::Json, None)
        .nodes(&["lookup", "route", "shipped", "other", "failed"], |n| {
            vec![
                NodeKind::Http {
                    method: Method::Post,
                    url: tpl("https://api.example.com/orders/{order_id}?from={call.from}"),
                    headers: vec![
                        ("Authorization".into(), tpl("Bearer {env.ORDERS_TOKEN}")),
                        ("X-Call".into(), tpl("{call.sid}")),
                    ],
                    body: Some(tpl(r#"{{"id": "{order_id}"}}"#)),
                    timeout_ms: 3000,
                    into: Some("order".into()),
                    ok: n("route"),
                    error: n("failed"),
                },
                NodeKind::Branch {
                    arms: vec![Arm {
                        when: bin(
                            BinOp::Eq,
                            path_of("order.status"),
                            Expr::Lit(json!("shipped")),
                        ),
                        target: n("shipped"),
                    }],
                    otherwise: n("other"),
                },
                hangup(Some(
                    "Your {order.items.0.name} has shipped, {order.items.length}.",
                )),
                hangup(Some("Status: {order.status}.")),
                hangup(Some("Sorry, try later.")),
            ]
        })
}

#[test]
fn http_effect_round_trip_with_json_paths() {
    let graph = order_flow();
    let (mut call, turn) = Call::start(&graph);
    assert!(
        turn.instructions.is_empty(),
        "the server runs the effect before answering"
    );
    assert_eq!(call.state.waiting, Waiting::Effect);
    assert_eq!(path(&graph, &turn), ["lookup:"]);
    assert_eq!(
        turn.effects,
        [Effect::Http {
            method: Method::Post,
            // `+` is encoded: bare, a query reads it as a space.
            url: "https://api.example.com/orders/0042?from=%2B919811111111".into(),
            headers: vec![
                (
                    "Authorization".into(),
                    vec![
                        Part::Text("Bearer ".into()),
                        Part::Env("ORDERS_TOKEN".into())
                    ]
                ),
                ("X-Call".into(), vec![Part::Text("CA1".into())]),
            ],
            body: Some(r#"{"id": "0042"}"#.into()),
            timeout_ms: 3000,
        }]
    );
    let body = json!({"status": "shipped", "items": [{"name": "lamp"}]});
    let turn = call.send(Event::EffectDone {
        result: EffectResult::Http {
            status: 201,
            body: Some(body.clone()),
        },
        at: 2_000,
    });
    assert_eq!(
        path(&graph, &turn),
        ["lookup:ok", "route:when#1", "shipped:"]
    );
    assert_eq!(call.state.vars["order"], body);
    assert_eq!(
        heard(&turn),
        ["Your lamp has shipped, ."],
        "a missing field reads as nothing"
    );
}

#[test]
fn http_non_2xx_or_no_response_is_an_error_and_other_statuses_branch_else() {
    let graph = order_flow();
    for status in [0, 404, 500, 302] {
        let (mut call, _) = Call::start(&graph);
        let result = EffectResult::Http {
            status,
            body: Some(json!({"status": "shipped"})),
        };
        let turn = call.send(Event::EffectDone { result, at: 2 });
        assert_eq!(
            path(&graph, &turn),
            ["lookup:error", "failed:"],
            "status {status}"
        );
        assert!(!call.state.vars.contains_key("order"));
    }
    let (mut call, _) = Call::start(&graph);
    let result = EffectResult::Http {
        status: 200,
        body: Some(json!({"status": "pending"})),
    };
    let turn = call.send(Event::EffectDone { result, at: 2 });
    assert_eq!(path(&graph, &turn), ["lookup:ok", "route:else", "other:"]);
    assert_eq!(heard(&turn), ["Status: pending."]);
}

#[test]
fn sms_sent_and_failed() {
    let graph = Flow::new()
        .var("order_id", Type::Digits, Some(json!("7")))
        .nodes(&["sms", "sent", "failed"], |n| {
            vec![
                NodeKind::Sms {
                    to: tpl("{call.from}"),
                    text: tpl("Track {order_id}"),
                    dlt_template: Some("1107160000000000001".into()),
                    sent: n("sent"),
                    failed: n("failed"),
                },
                hangup(Some("Sent.")),
                hangup(Some("Not sent.")),
            ]
        });
    let (mut call, turn) = Call::start(&graph);
    assert_eq!(
        turn.effects,
        [Effect::Sms {
            to: "+919811111111".into(),
            text: "Track 7".into(),
            dlt_template: Some("1107160000000000001".into()),
        }]
    );
    // An HTTP result does not answer an SMS: ignored, still waiting.
    let turn = call.send(Event::EffectDone {
        result: EffectResult::Http {
            status: 200,
            body: None,
        },
        at: 2,
    });
    assert!(turn.instructions.is_empty() && turn.path.is_empty());
    assert_eq!(call.state.waiting, Waiting::Effect);
    let turn = call.send(Event::EffectDone {
        result: EffectResult::Sms { sent: true },
        at: 3,
    });
    assert_eq!(path(&graph, &turn), ["sms:sent", "sent:"]);
    let (mut call, _) = Call::start(&graph);
    let turn = call.send(Event::EffectDone {
        result: EffectResult::Sms { sent: false },
        at: 3,
    });
    assert_eq!(path(&graph, &turn), ["sms:failed", "failed:"]);
}

#[test]
fn queue_outcomes() {
    let graph = Flow::new().nodes(&["q", "bridged", "timeout", "failed"], |n| {
        vec![
            NodeKind::Queue {
                name: "support".into(),
                name_template: None,
                prompt: Some(text("Please hold.")),
                hold_music: Some("https://cdn/hold.mp3".into()),
                position_every_s: Some(60),
                max_wait_s: 600,
                bridged: n("bridged"),
                timeout: n("timeout"),
                failed: n("failed"),
            },
            hangup(None),
            hangup(None),
            hangup(None),
        ]
    });
    for (outcome, exit) in [
        (QueueOutcome::Bridged, "bridged"),
        (QueueOutcome::Timeout, "timeout"),
        (QueueOutcome::Failed, "failed"),
    ] {
        let (mut call, turn) = Call::start(&graph);
        assert_eq!(shape(&turn), ["say", "enqueue"]);
        assert_eq!(
            turn.instructions[1],
            Instruction::Enqueue {
                name: "support".into(),
                hold_music: Some("https://cdn/hold.mp3".into()),
                position_every_s: Some(60),
                max_wait_s: 600
            }
        );
        assert_eq!(call.state.waiting, Waiting::Queue);
        let turn = call.send(Event::Queued { outcome, at: 2 });
        assert_eq!(
            path(&graph, &turn),
            [format!("q:{exit}"), format!("{exit}:")]
        );
    }
}

fn voicemail() -> Graph {
    Flow::new()
        .var("message", Type::String, None)
        .nodes(&["rec", "thanks", "nothing"], |n| {
            vec![
                NodeKind::Record {
                    prompt: Some(text("Leave a message after the beep.")),
                    max_length_s: 120,
                    beep: true,
                    finish_key: Some('#'),
                    finish_any: false,
                    keep_silence: false,
                    timeout_s: 5,
                    into: Some("message".into()),
                    transcript: None,
                    done: n("thanks"),
                    empty: n("nothing"),
                },
                hangup(Some("Thanks.")),
                hangup(Some("No message.")),
            ]
        })
}

#[test]
fn record_done_stores_the_url_and_empty_recordings_take_empty() {
    let graph = voicemail();
    let (mut call, turn) = Call::start(&graph);
    assert_eq!(shape(&turn), ["say", "record"]);
    assert_eq!(call.state.waiting, Waiting::Recording);
    let url = Some("https://rec/1.wav".to_string());
    let turn = call.send(Event::Recorded {
        url: url.clone(),
        duration_s: Some(12),
        at: 2,
    });
    assert_eq!(path(&graph, &turn), ["rec:done", "thanks:"]);
    assert_eq!(call.state.vars["message"], json!("https://rec/1.wav"));
    for (url, duration_s) in [
        (None, Some(12)),
        (url.clone(), Some(0)),
        (Some(String::new()), None),
    ] {
        let (mut call, _) = Call::start(&graph);
        let turn = call.send(Event::Recorded {
            url,
            duration_s,
            at: 2,
        });
        assert_eq!(path(&graph, &turn), ["rec:empty", "nothing:"]);
        assert!(!call.state.vars.contains_key("message"));
    }
}

#[test]
fn ai_hand_off_done_with_data_or_failed() {
    let graph =
        Flow::new()
            .var("result", Type::Json, None)
            .nodes(&["agent", "done", "failed"], |n| {
                vec![
                    NodeKind::Ai {
                        url: tpl("wss://agent.example.com/{call.sid}"),
                        greeting: Some(text("Connecting you to our assistant.")),
                        params: vec![("customer".into(), tpl("{call.from}"))],
                        into: Some("result".into()),
                        relay: false,
                        result: Vec::new(),
                        timeout_ms: None,
                        done: n("done"),
                        failed: n("failed"),
                    },
                    hangup(Some("Resolved: {result.resolved}.")),
                    hangup(Some("Sorry.")),
                ]
            });
    let (mut call, turn) = Call::start(&graph);
    assert_eq!(shape(&turn), ["say", "agent"]);
    assert_eq!(
        turn.instructions[1],
        Instruction::Agent {
            url: "wss://agent.example.com/CA1".into(),
            params: vec![("customer".into(), "+919811111111".into())],
            relay: None,
        }
    );
    assert_eq!(call.state.waiting, Waiting::Agent);
    let turn = call.send(Event::AgentEnded {
        ok: true,
        data: Some(json!({"resolved": true})),
        at: 2,
    });
    assert_eq!(path(&graph, &turn), ["agent:done", "done:"]);
    assert_eq!(heard(&turn), ["Resolved: true."]);
    let (mut call, _) = Call::start(&graph);
    let turn = call.send(Event::AgentEnded {
        ok: false,
        data: Some(json!({"x": 1})),
        at: 2,
    });
    assert_eq!(path(&graph, &turn), ["agent:failed", "failed:"]);
    assert!(!call.state.vars.contains_key("result"));
}

/// `result intent "billing", "human"` and `timeout 5m`.
fn typed_agent() -> Graph {
    Flow::new()
        .var("agent", Type::Json, None)
        .nodes(&["agent", "done", "failed"], |n| {
            vec![
                NodeKind::Ai {
                    url: tpl("wss://agent.example.com/"),
                    greeting: None,
                    params: Vec::new(),
                    into: Some("agent".into()),
                    relay: false,
                    result: vec![ResultField {
                        name: "intent".into(),
                        shape: FieldShape::OneOf(vec!["billing".into(), "human".into()]),
                    }],
                    timeout_ms: Some(300_000),
                    done: n("done"),
                    failed: n("failed"),
                },
                hangup(Some("Intent: {agent.intent}.")),
                hangup(Some("Sorry.")),
            ]
        })
}

#[test]
fn a_typed_agent_result_takes_done_only_when_it_fits_in_time() {
    let graph = typed_agent();
    let ended = |data: Option<Value>, at| Event::AgentEnded { ok: true, data, at };
    // Started at 1_000: the budget ends at 301_000.
    let (mut call, _) = Call::start(&graph);
    let turn = call.send(ended(Some(json!({"intent": "human"})), 301_000));
    assert_eq!(path(&graph, &turn), ["agent:done", "done:"]);
    assert_eq!(call.state.vars["agent"], json!({"intent": "human"}));

    for (data, at) in [
        // A value outside the declared choices.
        (Some(json!({"intent": "sales"})), 2_000),
        // Nothing returned, where the flow needs an intent.
        (None, 2_000),
        // A fitting result, one millisecond past the budget.
        (Some(json!({"intent": "human"})), 301_001),
    ] {
        let (mut call, _) = Call::start(&graph);
        let turn = call.send(ended(data.clone(), at));
        assert_eq!(
            path(&graph, &turn),
            ["agent:failed", "failed:"],
            "{data:?} at {at}"
        );
        assert!(!call.state.vars.contains_key("agent"));
    }
}

#[test]
fn set_and_branch_count_tries_and_switch_language() {
    let graph = Flow::new()
        .var("tries", Type::Number, Some(json!(0)))
        .nodes(&["count", "route", "ask", "bye"], |n| {
            vec![
                NodeKind::Set {
                    assigns: vec![
                        Assignment {
                            var: "tries".into(),
                            value: bin(BinOp::Add, path_of("tries"), Expr::Lit(json!(1))),
                        },
                        Assignment {
                            var: "language".into(),
                            value: Expr::Lit(json!("hi-IN")),
                        },
                    ],
                    next: n("route"),
                },
                NodeKind::Branch {
                    arms: vec![
                        Arm {
                            when: bin(BinOp::Ge, path_of("tries"), Expr::Lit(json!(3))),
                            target: n("bye"),
                        },
                        Arm {
                            when: bin(BinOp::Eq, path_of("language"), Expr::Lit(json!("hi-IN"))),
                            target: n("ask"),
                        },
                    ],
                    otherwise: n("bye"),
                },
                NodeKind::Menu {
                    prompts: vec![texts(&[("en-IN", "Press 1."), ("hi-IN", "Ek dabaiye.")])],
                    noinput: None,
                    nomatch: None,
                    timeout_ms: 5000,
                    max_noinput: 3,
                    max_nomatch: 3,
                    choices: vec![ivr_compiler::graph::Choice::key("1", n("count"))],
                    exhausted: n("bye"),
                    input: Default::default(),
                    entry: None,
                    into: None,
                    noinput_exhausted: None,
                    nomatch_exhausted: None,
                    visits: None,
                },
                NodeKind::Hangup {
                    prompt: Some(texts(&[("en-IN", "Bye."), ("ta-IN", "Poittu varen.")])),
                },
            ]
        });
    let (mut call, turn) = Call::start(&graph);
    assert_eq!(path(&graph, &turn), ["count:next", "route:when#2", "ask:"]);
    assert_eq!(call.state.language, "hi-IN");
    assert_eq!(heard(&turn), ["Ek dabaiye."]);
    match &turn.instructions[0] {
        Instruction::Gather {
            language, prompts, ..
        } => {
            assert_eq!(language, "hi-IN");
            assert!(
                matches!(&prompts[0], Instruction::Say { language, .. } if language == "hi-IN")
            );
        }
        other => panic!("{other:?}"),
    }
    call.press("1");
    let turn = call.press("1");
    assert_eq!(
        path(&graph, &turn),
        ["ask:1", "count:next", "route:when#1", "bye:"]
    );
    assert_eq!(call.state.vars["tries"], json!(3));
    // No Hindi text: the flow's default language speaks.
    assert!(
        matches!(&turn.instructions[0], Instruction::Say { text, language, .. }
        if text == "Bye." && language == "en-IN")
    );
}

fn office(weekly: Vec<Interval>, holidays: &[&str]) -> Graph {
    Flow::new()
        .timezone("America/New_York")
        .nodes(&["hours", "open", "closed"], |n| {
            vec![
                NodeKind::Hours {
                    weekly,
                    holidays: holidays.iter().map(|h| h.to_string()).collect(),
                    open: n("open"),
                    closed: n("closed"),
                },
                hangup(Some("Open.")),
                hangup(Some("Closed.")),
            ]
        })
}

fn utc(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

#[test]
fn hours_open_closed_holiday_and_overnight_across_dst() {
    const DAY: u32 = 24 * 60;
    let weekdays: Vec<Interval> = (0..5)
        .map(|d| Interval {
            from: d * DAY + 9 * 60,
            to: d * DAY + 17 * 60,
        })
        .collect();
    let graph = office(weekdays, &["2026-11-26"]);
    let exit = |at: &str| path(&graph, &Call::start_at(&graph, utc(at)).1)[0].clone();
    assert_eq!(exit("2026-10-30T13:30:00Z"), "hours:open", "Fri 09:30 EDT");
    assert_eq!(
        exit("2026-11-02T13:30:00Z"),
        "hours:closed",
        "Mon 08:30 EST"
    );
    assert_eq!(exit("2026-11-02T14:30:00Z"), "hours:open", "Mon 09:30 EST");
    assert_eq!(
        exit("2026-11-26T15:00:00Z"),
        "hours:closed",
        "Thanksgiving, a holiday"
    );
    assert_eq!(exit("2026-11-28T15:00:00Z"), "hours:closed", "Saturday");
    // Saturday 22:00 – Sunday 03:00 local, through the night the clocks go back.
    let night = office(
        vec![Interval {
            from: 5 * DAY + 22 * 60,
            to: 6 * DAY + 3 * 60,
        }],
        &[],
    );
    let exit = |at: &str| path(&night, &Call::start_at(&night, utc(at)).1)[0].clone();
    assert_eq!(exit("2026-11-01T02:30:00Z"), "hours:open", "Sat 22:30 EDT");
    assert_eq!(exit("2026-11-01T07:30:00Z"), "hours:open", "Sun 02:30 EST");
    assert_eq!(
        exit("2026-11-01T08:00:00Z"),
        "hours:closed",
        "Sun 03:00 EST"
    );
}

#[test]
fn a_variable_holding_markup_is_spoken_verbatim() {
    let graph = Flow::new()
        .var(
            "name",
            Type::String,
            Some(json!("</Say><Dial>+15550000</Dial><Say>")),
        )
        .nodes(&["hi"], |_| vec![hangup(Some("Hello {name}!"))]);
    let (_, turn) = Call::start(&graph);
    assert_eq!(heard(&turn), ["Hello </Say><Dial>+15550000</Dial><Say>!"]);
    assert_eq!(shape(&turn), ["say", "hangup"]);
}

#[test]
fn say_loops_and_play() {
    let graph = Flow::new().nodes(&["one", "two", "bye"], |n| {
        vec![
            NodeKind::Say {
                prompts: vec![text("Hi.")],
                loops: 3,
                next: n("two"),
            },
            NodeKind::Say {
                prompts: vec![audio("https://cdn/a.mp3"), text("B.")],
                loops: 2,
                next: n("bye"),
            },
            hangup(None),
        ]
    });
    let (_, turn) = Call::start(&graph);
    assert!(matches!(
        &turn.instructions[0],
        Instruction::Say { loops: 3, .. }
    ));
    assert_eq!(
        heard(&turn),
        [
            "Hi.",
            "play https://cdn/a.mp3",
            "B.",
            "play https://cdn/a.mp3",
            "B."
        ]
    );
    assert_eq!(shape(&turn).last(), Some(&"hangup"));
}

#[test]
fn hangups_end_the_call_and_nothing_after_is_heard() {
    let graph = main_line();
    let (mut call, _) = Call::start(&graph);
    let turn = call.send(Event::Hangup { at: 3 });
    assert!(turn.instructions.is_empty() && turn.effects.is_empty() && turn.path.is_empty());
    assert!(call.state.ended);
    assert_eq!(call.state.waiting, Waiting::Nothing);
    for event in [
        Event::Digits {
            digits: "1".into(),
            at: 4,
        },
        Event::NoInput { at: 5 },
        Event::Hangup { at: 6 },
    ] {
        let turn = call.send(event);
        assert!(turn.instructions.is_empty() && turn.path.is_empty());
        assert!(call.state.ended);
    }
    assert_eq!(call.state.turn, 5, "every step is a turn");
}

#[test]
fn events_that_do_not_fit_are_ignored() {
    let graph = main_line();
    let (mut call, _) = Call::start(&graph);
    call.press("5");
    // A dial result at a menu: ask the same attempt again, no apology, no count.
    let turn = call.send(Event::Dialed {
        outcome: DialOutcome::Busy,
        at: 3,
    });
    assert_eq!(heard(&turn), ["Please press 1."]);
    assert_eq!(
        call.state.attempts,
        Attempts {
            noinput: 0,
            nomatch: 1
        }
    );
    let turn = call.send(Event::Started {
        call_id: "CA1".into(),
        caller: caller(),
        at: 4,
    });
    assert_eq!(heard(&turn), ["Please press 1."], "a retried start webhook");
    // Keys while dialling: nothing to say, still dialling.
    call.press("1");
    let before = call.state.clone();
    let turn = call.press("2");
    assert!(turn.instructions.is_empty() && turn.path.is_empty());
    assert_eq!(
        (call.state.node, call.state.waiting),
        (before.node, Waiting::Dial)
    );
    assert_eq!(call.state.turn, before.turn + 1);
}

#[test]
fn a_runaway_loop_hangs_up() {
    let graph =
        Flow::new()
            .var("n", Type::Number, Some(json!(0)))
            .nodes(&["greet", "inc", "again"], |n| {
                vec![
                    say("Hello.", n("inc")),
                    NodeKind::Set {
                        assigns: vec![Assignment {
                            var: "n".into(),
                            value: bin(BinOp::Add, path_of("n"), Expr::Lit(json!(1))),
                        }],
                        next: n("again"),
                    },
                    say("Again.", n("inc")),
                ]
            });
    let (call, turn) = Call::start(&graph);
    assert_eq!(turn.instructions, [Instruction::Hangup]);
    assert!(call.state.ended);
    assert_eq!(turn.path.len(), crate::engine::MAX_VISITS);
}

#[test]
fn a_state_pointing_outside_the_graph_hangs_up() {
    let graph = main_line();
    let (mut call, _) = Call::start(&graph);
    call.state.node = NodeId(99);
    let turn = call.press("1");
    assert_eq!(turn.instructions, [Instruction::Hangup]);
    assert!(call.state.ended);
}

#[test]
fn call_state_survives_a_json_round_trip_between_turns() {
    let graph = pin_flow(Type::Digits);
    let (call, _) = Call::start(&graph);
    let json = serde_json::to_string(&call.state).unwrap();
    let state = serde_json::from_str(&json).unwrap();
    let turn: Turn = step(
        &graph,
        state,
        Event::Digits {
            digits: "1234".into(),
            at: 5,
        },
    );
    assert_eq!(turn.state.vars["pin"], Value::String("1234".into()));
}

#[test]
fn start_with_vars_overrides_defaults_and_channel_data_is_kept() {
    let graph = order_flow();
    let vars = [("order_id".to_string(), json!("0099"))]
        .into_iter()
        .collect();
    let turn = crate::engine::start_with_vars(&graph, "CA9".into(), caller(), vars, 7);
    match &turn.effects[0] {
        Effect::Http { url, .. } => {
            assert!(url.starts_with("https://api.example.com/orders/0099?"))
        }
        other => panic!("{other:?}"),
    }
    let mut state = turn.state;
    state.channel = Some(json!({"plan": [1, 2]}));
    let result = EffectResult::Http {
        status: 500,
        body: None,
    };
    let turn = step(&graph, state, Event::EffectDone { result, at: 8 });
    assert_eq!(turn.state.channel, Some(json!({"plan": [1, 2]})));
}
