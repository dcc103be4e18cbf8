use ivr_compiler::graph::Input;
use serde_json::json;

use super::applets::{Prompt, Unsupported, plan, reply, select};
use super::*;
use crate::engine::{CallStatus, Caller, DialOutcome, Direction, Instruction, QueueOutcome};

fn say(text: &str) -> Instruction {
    Instruction::Say {
        text: text.into(),
        language: "en-IN".into(),
        voice: None,
        loops: 1,
        marked: Vec::new(),
    }
}

fn gather(prompts: Vec<Instruction>) -> Instruction {
    Instruction::Gather {
        prompts,
        input: Input::Dtmf,
        min_digits: 1,
        max_digits: 1,
        finish_key: None,
        timeout_s: 5,
        language: "en-IN".into(),
        hints: vec![],
    }
}

fn dial(targets: &[&str]) -> Instruction {
    Instruction::Dial {
        targets: targets.iter().map(|t| t.to_string()).collect(),
        caller_id: Some("08012345678".into()),
        ring_timeout_s: 30,
        record: true,
    }
}

fn params(pairs: &[(&str, &str)]) -> Params {
    pairs.iter().copied().collect()
}

fn sequences() -> Vec<(&'static str, Vec<Instruction>)> {
    vec![
        (
            "say_then_hangup",
            vec![
                say("Thank you for calling."),
                say("Goodbye."),
                Instruction::Hangup,
            ],
        ),
        (
            "says_without_a_waiting_end",
            vec![
                say("Hello"),
                Instruction::Pause { seconds: 1 },
                say("Welcome back"),
            ],
        ),
        (
            "menu",
            vec![
                say("Welcome to Acme."),
                gather(vec![say("For orders press 1. For an agent press 2.")]),
            ],
        ),
        (
            "gather_with_audio_prompt",
            vec![
                say("Welcome."),
                gather(vec![Instruction::Play {
                    url: "https://cdn.example.com/menu.wav".into(),
                    loops: 1,
                }]),
            ],
        ),
        (
            "gather_with_digits_and_key",
            vec![Instruction::Gather {
                prompts: vec![say("Enter your order number, then hash.")],
                input: Input::Dtmf,
                min_digits: 4,
                max_digits: 8,
                finish_key: Some('#'),
                timeout_s: 10,
                language: "en-IN".into(),
                hints: vec![],
            }],
        ),
        (
            "transfer",
            vec![
                say("Connecting you."),
                dial(&["+919876543210", "+919876543211"]),
            ],
        ),
        (
            "queue_is_unavailable",
            vec![
                say("Please hold."),
                Instruction::Enqueue {
                    name: "support".into(),
                    hold_music: None,
                    position_every_s: None,
                    max_wait_s: 600,
                },
            ],
        ),
        (
            "voicemail",
            vec![
                say("Leave a message after the beep."),
                Instruction::Record {
                    max_length_s: 120,
                    beep: true,
                    finish_key: Some('#'),
                    finish_any: false,
                    trim: true,
                    timeout_s: 5,
                    transcribe: false,
                },
            ],
        ),
        (
            "agent",
            vec![
                say("Connecting you to our assistant."),
                Instruction::Agent {
                    url: "wss://agent.example.com/stream".into(),
                    params: vec![("customer".into(), "+91 98765 43210".into())],
                    relay: None,
                },
            ],
        ),
        ("nothing", vec![]),
    ]
}

#[test]
fn plans_for_typical_sequences() {
    for (name, instructions) in sequences() {
        let steps = plan(&instructions);
        let last = steps.last().expect("a plan is never empty");
        assert!(
            last.waits() || matches!(last, AppletStep::Hangup | AppletStep::Unavailable { .. }),
            "{name}"
        );
        insta::assert_yaml_snapshot!(format!("plan_{name}"), steps);
    }
}

#[test]
fn says_merge_into_the_gather_prompt() {
    let steps = plan(&[
        say("Welcome."),
        gather(vec![say("Press 1."), Instruction::Pause { seconds: 1 }]),
    ]);
    assert_eq!(steps.len(), 1);
    let AppletStep::Gather { prompt, .. } = &steps[0] else {
        panic!("{steps:?}")
    };
    assert_eq!(prompt, &Some(Prompt::Text("Welcome. Press 1.".into())));
}

#[test]
fn audio_splits_greetings() {
    let play = Instruction::Play {
        url: "https://a.example/x.wav".into(),
        loops: 1,
    };
    let steps = plan(&[say("One."), play, say("Two."), Instruction::Hangup]);
    assert_eq!(
        steps,
        [
            AppletStep::Greeting {
                prompt: Prompt::Text("One.".into())
            },
            AppletStep::Greeting {
                prompt: Prompt::AudioUrl("https://a.example/x.wav".into())
            },
            AppletStep::Greeting {
                prompt: Prompt::Text("Two.".into())
            },
            AppletStep::Hangup,
        ]
    );
}

#[test]
fn say_loops_repeat_the_text() {
    let steps = plan(&[Instruction::Say {
        text: "Hi.".into(),
        language: "en".into(),
        voice: None,
        loops: 3,
        marked: Vec::new(),
    }]);
    assert_eq!(
        steps[0],
        AppletStep::Greeting {
            prompt: Prompt::Text("Hi. Hi. Hi.".into())
        }
    );
}

#[test]
fn every_applet_answer() {
    let gather_step = plan(&[gather(vec![say("Press 1.")])]).remove(0);
    let connect_step = plan(&[dial(&["+919876543210", "+919876543211"])]).remove(0);
    let voicebot_step = AppletStep::Voicebot {
        url: "wss://agent.example.com/s?customer=42".into(),
    };
    let cases: Vec<(&str, AppletStep, Applet)> = vec![
        (
            "greeting_text",
            AppletStep::Greeting {
                prompt: Prompt::Text("Hello & welcome".into()),
            },
            Applet::Greeting,
        ),
        (
            "greeting_audio",
            AppletStep::Greeting {
                prompt: Prompt::AudioUrl("https://a.example/x.wav".into()),
            },
            Applet::Greeting,
        ),
        ("gather", gather_step, Applet::Gather),
        ("connect", connect_step, Applet::Connect),
        ("voicebot", voicebot_step, Applet::Voicebot),
        (
            "sms",
            AppletStep::Sms {
                text: "Track it at https://acme.example/t/42".into(),
            },
            Applet::Sms,
        ),
    ];
    for (name, step, applet) in cases {
        let r = reply(Some(&step), applet);
        let shown = if r.content_type == applets::JSON {
            let value: serde_json::Value = serde_json::from_str(&r.body).expect("valid JSON");
            serde_json::to_string_pretty(&value).unwrap()
        } else {
            r.body.clone()
        };
        insta::assert_snapshot!(
            format!("reply_{name}"),
            format!("Content-Type: {}\n\n{shown}", r.content_type)
        );
    }
}

#[test]
fn gather_json_fields() {
    let step = plan(&[Instruction::Gather {
        prompts: vec![Instruction::Play {
            url: "https://a.example/m.wav".into(),
            loops: 1,
        }],
        input: Input::Dtmf,
        min_digits: 1,
        max_digits: 6,
        finish_key: Some('#'),
        timeout_s: 8,
        language: "en".into(),
        hints: vec![],
    }])
    .remove(0);
    let body: serde_json::Value =
        serde_json::from_str(&reply(Some(&step), Applet::Gather).body).unwrap();
    assert_eq!(
        body,
        json!({
            "gather_prompt": { "audio_url": "https://a.example/m.wav" },
            "max_input_digits": 6,
            "finish_on_key": "#",
            "input_timeout": 8,
            "repeat_menu": 0
        })
    );
}

#[test]
fn connect_json_fields() {
    let step = plan(&[Instruction::Dial {
        targets: vec!["+919876543210".into()],
        caller_id: None,
        ring_timeout_s: 20,
        record: false,
    }])
    .remove(0);
    let body: serde_json::Value =
        serde_json::from_str(&reply(Some(&step), Applet::Connect).body).unwrap();
    assert_eq!(
        body,
        json!({
            "fetch_after_attempt": false,
            "destination": { "numbers": ["+919876543210"] },
            "record": false,
            "max_ringing_duration": 20
        })
    );
}

#[test]
fn a_mismatched_applet_request_gets_a_harmless_answer() {
    let greeting = AppletStep::Greeting {
        prompt: Prompt::Text("Hi".into()),
    };
    let connect: serde_json::Value =
        serde_json::from_str(&reply(Some(&greeting), Applet::Connect).body).unwrap();
    assert_eq!(connect, json!({ "destination": { "numbers": [] } }));
    assert_eq!(
        reply(None, Applet::Greeting),
        Reply {
            content_type: "text/plain",
            body: String::new()
        }
    );
    assert_eq!(reply(Some(&greeting), Applet::Sms).body, "");
}

#[test]
fn select_answers_the_switch_case() {
    assert_eq!(
        select(Applet::Gather),
        Reply {
            content_type: "text/plain",
            body: r#"{"select":"gather"}"#.into()
        }
    );
    for applet in Applet::ALL {
        assert_eq!(applet.as_str().parse::<Applet>(), Ok(applet));
    }
}

#[test]
fn agent_parameters_ride_on_the_url() {
    let steps = plan(&[Instruction::Agent {
        url: "wss://agent.example.com/s?sample-rate=8000".into(),
        params: vec![("name".into(), "A & B".into())],
        relay: None,
    }]);
    assert_eq!(
        steps,
        [AppletStep::Voicebot {
            url: "wss://agent.example.com/s?sample-rate=8000&name=A+%26+B".into()
        }]
    );
}

#[test]
fn a_call_starts_from_case_insensitive_parameters() {
    let p = params(&[
        ("callsid", "abc123"),
        ("Callfrom", "09876543210"),
        ("CALLTO", "08012345678"),
        ("direction", "incoming"),
    ]);
    assert_eq!(
        decode::started(&p, 5),
        Ok(Event::Started {
            call_id: "abc123".into(),
            caller: Caller {
                from: "09876543210".into(),
                to: "08012345678".into(),
                direction: Direction::Inbound,
                answered_by: None,
            },
            at: 5,
        })
    );
    let p = params(&[
        ("CallSid", "x"),
        ("From", "+919"),
        ("To", "+918"),
        ("Direction", "outbound-dial"),
    ]);
    let Ok(Event::Started { caller, .. }) = decode::started(&p, 0) else {
        panic!()
    };
    assert_eq!(
        (caller.from.as_str(), caller.direction),
        ("+919", Direction::Outbound)
    );
    assert_eq!(
        decode::started(&params(&[("CallFrom", "1"), ("CallTo", "2")]), 0),
        Err(DecodeError::Missing("CallSid"))
    );
    assert_eq!(
        decode::started(&params(&[("CallSid", "x"), ("CallTo", "2")]), 0),
        Err(DecodeError::Missing("CallFrom"))
    );
}

#[test]
fn digits_lose_their_quotes() {
    assert_eq!(
        decode::digits(&params(&[("digits", "\"1\"")])),
        Some("1".into())
    );
    assert_eq!(
        decode::digits(&params(&[("Digits", "\"1234\"")])),
        Some("1234".into())
    );
    assert_eq!(
        decode::digits(&params(&[("digits", "42")])),
        Some("42".into())
    );
    assert_eq!(decode::digits(&params(&[("digits", "\"\"")])), None);
    assert_eq!(decode::digits(&params(&[])), None);
    assert_eq!(
        decode::custom_field(&params(&[("customfield", "order-42")])),
        Some("order-42")
    );
}

#[test]
fn connect_outcomes() {
    let ran = plan(&[dial(&["+91"])]).remove(0);
    let outcome = |pairs: &[(&str, &str)]| decode::outcome(&ran, &params(pairs), 1).unwrap();
    let dialed = |o| Event::Dialed { outcome: o, at: 1 };
    assert_eq!(
        outcome(&[("DialCallStatus", "completed")]),
        dialed(DialOutcome::Answered)
    );
    assert_eq!(
        outcome(&[("dialcallstatus", "busy"), ("CallType", "incomplete")]),
        dialed(DialOutcome::Busy)
    );
    assert_eq!(
        outcome(&[("DialCallStatus", "no-answer")]),
        dialed(DialOutcome::NoAnswer)
    );
    assert_eq!(
        outcome(&[("DialCallStatus", "canceled")]),
        dialed(DialOutcome::Failed)
    );
    assert_eq!(
        outcome(&[("CallType", "completed")]),
        dialed(DialOutcome::Answered)
    );
    assert_eq!(
        outcome(&[("CallType", "incomplete")]),
        dialed(DialOutcome::NoAnswer)
    );
    assert_eq!(
        outcome(&[("CallType", "call-attempt")]),
        dialed(DialOutcome::Failed)
    );
    assert_eq!(
        outcome(&[("CallType", "client-hangup")]),
        Event::Hangup { at: 1 }
    );
    assert_eq!(outcome(&[]), dialed(DialOutcome::Failed));
}

#[test]
fn a_voicebot_reports_how_its_stream_ended() {
    let bot = AppletStep::Voicebot {
        url: "wss://bot".into(),
    };
    let ended = |pairs: &[(&str, &str)]| decode::outcome(&bot, &params(pairs), 3);
    assert_eq!(
        ended(&[("Stream[Status]", "failed")]),
        Some(Event::AgentEnded {
            ok: false,
            data: None,
            at: 3
        })
    );
    assert_eq!(
        ended(&[("Stream", r#"{"Status":"error","DisconnectedBy":"bot"}"#)]),
        Some(Event::AgentEnded {
            ok: false,
            data: None,
            at: 3
        })
    );
    assert_eq!(
        ended(&[
            ("Stream[Status]", "completed"),
            ("Stream[DisconnectedBy]", "caller")
        ]),
        Some(Event::Hangup { at: 3 })
    );
    assert_eq!(
        ended(&[("Stream[Status]", "completed")]),
        Some(Event::AgentEnded {
            ok: true,
            data: None,
            at: 3
        })
    );
}

#[test]
fn status_callbacks() {
    let status = |pairs: &[(&str, &str)]| decode::call_status(&params(pairs)).map(|s| s.status);
    assert_eq!(
        status(&[("CallSid", "c1"), ("Status", "completed")]),
        Ok(CallStatus::Completed)
    );
    assert_eq!(
        status(&[("CallSid", "c1"), ("Status", "answered")]),
        Ok(CallStatus::InProgress)
    );
    assert_eq!(
        status(&[("CallSid", "c1"), ("Status", "no-answer")]),
        Ok(CallStatus::NoAnswer)
    );
    assert_eq!(
        status(&[("CallSid", "c1")]),
        Err(DecodeError::Missing("Status"))
    );
}

/// A whole call through the Passthru loop, with a stand-in engine.
#[test]
fn a_call_walks_its_plans_one_passthru_at_a_time() {
    let start = params(&[
        ("CallSid", "c1"),
        ("CallFrom", "0987"),
        ("CallTo", "0801"),
        ("Direction", "incoming"),
    ]);

    // A call we have not seen starts.
    let first = passthru(None, &start, 0).unwrap();
    assert!(matches!(first, Passthru::Event(Event::Started { .. })));

    // Turn 1: a greeting, then a menu.
    let mut plan = Plan::new(&[
        say("Welcome."),
        Instruction::Play {
            url: "https://a/x.wav".into(),
            loops: 1,
        },
        gather(vec![say("Press 1.")]),
    ]);
    assert_eq!(
        passthru(Some(&mut plan), &start, 1),
        Ok(Passthru::Select(Applet::Greeting))
    );
    assert_eq!(reply(plan.current(), Applet::Greeting).body, "Welcome.");
    // The Greeting loops back to the Passthru: nothing to report, next step.
    assert_eq!(
        passthru(Some(&mut plan), &start, 2),
        Ok(Passthru::Select(Applet::Greeting))
    );
    assert_eq!(
        reply(plan.current(), Applet::Greeting).body,
        "https://a/x.wav"
    );
    assert_eq!(
        passthru(Some(&mut plan), &start, 3),
        Ok(Passthru::Select(Applet::Gather))
    );
    // After the Gather, the Passthru carries the keys.
    let pressed = params(&[("CallSid", "c1"), ("digits", "\"2\"")]);
    assert_eq!(
        passthru(Some(&mut plan), &pressed, 4),
        Ok(Passthru::Event(Event::Digits {
            digits: "2".into(),
            at: 4
        }))
    );

    // Turn 2: the engine queues the caller; Exotel cannot, so the engine hears "failed" at once.
    let mut plan = Plan::new(&[
        say("Please hold."),
        Instruction::Enqueue {
            name: "q".into(),
            hold_music: None,
            position_every_s: None,
            max_wait_s: 60,
        },
    ]);
    assert_eq!(
        passthru(Some(&mut plan), &start, 5),
        Ok(Passthru::Select(Applet::Greeting))
    );
    assert_eq!(
        passthru(Some(&mut plan), &start, 6),
        Ok(Passthru::Event(Event::Queued {
            outcome: QueueOutcome::Failed,
            at: 6
        }))
    );

    // Turn 3: transfer; the Passthru after Connect reports how it went.
    let mut plan = Plan::new(&[dial(&["+919876543210"])]);
    assert_eq!(
        passthru(Some(&mut plan), &start, 7),
        Ok(Passthru::Select(Applet::Connect))
    );
    let after = params(&[("CallSid", "c1"), ("CallType", "incomplete")]);
    assert_eq!(
        passthru(Some(&mut plan), &after, 8),
        Ok(Passthru::Event(Event::Dialed {
            outcome: DialOutcome::NoAnswer,
            at: 8
        }))
    );

    // Turn 4: goodbye.
    let mut plan = Plan::new(&[say("Goodbye."), Instruction::Hangup]);
    assert_eq!(
        passthru(Some(&mut plan), &start, 9),
        Ok(Passthru::Select(Applet::Greeting))
    );
    assert_eq!(
        passthru(Some(&mut plan), &start, 10),
        Ok(Passthru::Select(Applet::Hangup))
    );
    // Past the end (should not happen): hang up rather than fail.
    assert_eq!(
        passthru(Some(&mut plan), &start, 11),
        Ok(Passthru::Select(Applet::Hangup))
    );
}

#[test]
fn a_gather_timeout_is_no_input() {
    let mut plan = Plan::new(&[gather(vec![say("Press 1.")])]);
    passthru(Some(&mut plan), &params(&[]), 0).unwrap();
    assert_eq!(
        passthru(Some(&mut plan), &params(&[("digits", "\"\"")]), 1),
        Ok(Passthru::Event(Event::NoInput { at: 1 }))
    );
}

#[test]
fn voicemail_and_voicebot_outcomes() {
    let mut plan = Plan::new(&[Instruction::Record {
        max_length_s: 60,
        beep: true,
        finish_key: None,
        finish_any: false,
        trim: true,
        timeout_s: 5,
        transcribe: false,
    }]);
    assert_eq!(
        passthru(Some(&mut plan), &params(&[]), 0),
        Ok(Passthru::Select(Applet::Voicemail))
    );
    assert_eq!(
        passthru(
            Some(&mut plan),
            &params(&[("RecordingUrl", "https://rec.example/1.mp3")]),
            1
        ),
        Ok(Passthru::Event(Event::Recorded {
            url: Some("https://rec.example/1.mp3".into()),
            duration_s: None,
            at: 1
        }))
    );
    let mut plan = Plan::new(&[Instruction::Agent {
        url: "wss://a".into(),
        params: vec![],
        relay: None,
    }]);
    assert_eq!(
        passthru(Some(&mut plan), &params(&[]), 0),
        Ok(Passthru::Select(Applet::Voicebot))
    );
    assert_eq!(
        passthru(Some(&mut plan), &params(&[]), 1),
        Ok(Passthru::Event(Event::AgentEnded {
            ok: true,
            data: None,
            at: 1
        }))
    );
}

#[test]
fn the_plan_survives_serialisation() {
    let mut plan = Plan::new(&[say("Hi."), gather(vec![say("Press 1.")])]);
    plan.advance();
    let json = serde_json::to_string(&plan).unwrap();
    let back: Plan = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plan);
    assert_eq!(
        serde_json::to_value(AppletStep::Unavailable {
            what: Unsupported::Queue
        })
        .unwrap(),
        json!({ "applet": "unavailable", "what": "queue" })
    );
}

#[test]
fn urls_put_the_secret_in_the_path() {
    assert_eq!(
        url("https://ivr.example.com/", "main", None, PASSTHRU),
        "https://ivr.example.com/exotel/main/passthru"
    );
    assert_eq!(
        url("https://ivr.example.com", "main", Some("k3y"), "gather"),
        "https://ivr.example.com/exotel/k3y/main/gather"
    );
}

#[test]
fn the_app_description() {
    insta::assert_snapshot!(
        "app_main",
        app::describe("main", "https://ivr.example.com", None)
    );
    let with_secret = app::describe("main", "https://ivr.example.com", Some("s3cr3t"));
    assert!(with_secret.contains("https://ivr.example.com/exotel/s3cr3t/main/passthru"));
    assert!(!with_secret.contains("signs no requests"));
}

#[test]
fn a_hold_says_what_came_before_then_the_filler_on_its_own() {
    let greeting = |p: Prompt| AppletStep::Greeting { prompt: p };
    assert_eq!(
        applets::hold(&[say("One moment"), say("Looking up your order.")], None),
        [
            greeting(Prompt::Text("One moment. Looking up your order.".into())),
            greeting(Prompt::Text(applets::HOLD_TEXT.into())),
        ]
    );
    assert_eq!(
        applets::hold(&[], Some("https://cdn.example.com/hold.wav")),
        [greeting(Prompt::AudioUrl(
            "https://cdn.example.com/hold.wav".into()
        ))]
    );
}

#[test]
fn a_text_agent_is_unavailable_on_exotel_and_fails_over() {
    // The checker refuses `mode relay` for Exotel targets; a flow served here
    // anyway must not hand a text agent an audio stream.
    let steps = plan(&[Instruction::Agent {
        url: "wss://agent.example.com/relay".into(),
        params: vec![],
        relay: Some("en-IN".into()),
    }]);
    assert_eq!(
        steps,
        vec![AppletStep::Unavailable {
            what: Unsupported::Relay
        }]
    );
    assert!(matches!(
        Unsupported::Relay.event(7),
        Event::AgentEnded { ok: false, .. }
    ));
}

/// Exotel has no pause and no SSML: the spelled-out text is read, a pause
/// between two texts is left out and the texts are read as one greeting.
#[test]
fn pauses_are_left_out_and_say_as_is_spelled() {
    use crate::engine::Spoken;
    use ivr_compiler::graph::SayAs;
    let order = Instruction::Say {
        text: "Order 0 1 3.".into(),
        language: "en-IN".into(),
        voice: Some("Polly.Aditi".into()),
        loops: 1,
        marked: vec![
            Spoken::Text("Order ".into()),
            Spoken::As {
                how: SayAs::Digits,
                value: "013".into(),
                spelled: "0 1 3".into(),
            },
            Spoken::Text(".".into()),
        ],
    };
    let steps = plan(&[order, Instruction::Pause { seconds: 2 }, say("Goodbye.")]);
    assert_eq!(
        steps[0],
        AppletStep::Greeting {
            prompt: Prompt::Text("Order 0 1 3. Goodbye.".into())
        }
    );
}

/// The bug: merged texts ran together ("Welcome Press 1") with no stop
/// between them, and repeated texts likewise.
#[test]
fn merged_texts_keep_their_sentence_breaks() {
    let steps = plan(&[
        say("Welcome to Acme"),
        say("नमस्ते।"),
        gather(vec![say("Press 1 for orders")]),
    ]);
    let AppletStep::Gather { prompt, .. } = &steps[0] else {
        panic!("{steps:?}")
    };
    assert_eq!(
        prompt,
        &Some(Prompt::Text(
            "Welcome to Acme. नमस्ते। Press 1 for orders".into()
        ))
    );
    let steps = plan(&[Instruction::Say {
        text: "Hello".into(),
        language: "en".into(),
        voice: None,
        loops: 2,
        marked: Vec::new(),
    }]);
    assert_eq!(
        steps[0],
        AppletStep::Greeting {
            prompt: Prompt::Text("Hello. Hello".into())
        }
    );
}

/// The bug: a Gather with no finish key left `finish_on_key` out, so
/// Exotel's default `#` ended the input and a `#` choice never arrived.
#[test]
fn a_gather_without_a_finish_key_says_so() {
    let step = plan(&[gather(vec![say("Press # to repeat.")])]).remove(0);
    let body: serde_json::Value =
        serde_json::from_str(&reply(Some(&step), Applet::Gather).body).unwrap();
    assert_eq!(body["finish_on_key"], json!(""), "{body}");
}

/// On a call we placed (our `CustomField`), whatever `Direction` says, the
/// call is outbound and `call.from` is the customer Exotel rang first — the
/// same meaning as on Twilio.
#[test]
fn a_call_we_placed_is_outbound_from_the_customer() {
    let p = params(&[
        ("CallSid", "exo1"),
        ("CallFrom", "09876543210"),
        ("CallTo", "08039591234"),
        ("Direction", "incoming"),
        ("CustomField", r#"{"flow":"reminder","vars":{}}"#),
    ]);
    let Ok(Event::Started { caller, .. }) = decode::started(&p, 0) else {
        panic!()
    };
    assert_eq!(caller.direction, Direction::Outbound);
    assert_eq!(caller.from, "09876543210");
    assert_eq!(caller.to, "08039591234");
    // Someone else's CustomField does not make a call ours.
    let p = params(&[
        ("CallSid", "exo2"),
        ("CallFrom", "09876543210"),
        ("CallTo", "08039591234"),
        ("CustomField", "order-17"),
    ]);
    let Ok(Event::Started { caller, .. }) = decode::started(&p, 0) else {
        panic!()
    };
    assert_eq!(caller.direction, Direction::Inbound);
}
