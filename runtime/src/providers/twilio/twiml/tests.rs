use quick_xml::Reader;
use quick_xml::events::Event as Xml;

use super::*;

const ACTION: &str = "https://ivr.example.com/twilio/main/gather?turn=3&x=1";
const WAIT: &str = "https://ivr.example.com/twilio/main/wait";

/// An element read back from rendered TwiML.
#[derive(Debug, PartialEq)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

/// Parse TwiML with quick-xml; panics on anything malformed.
fn parse(xml: &str) -> Node {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![];
    let mut root = None;
    let open = |e: &quick_xml::events::BytesStart| Node {
        name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                    a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect(),
        text: String::new(),
        children: vec![],
    };
    loop {
        match reader.read_event().unwrap() {
            Xml::Decl(_) => {}
            Xml::Start(e) => stack.push(open(&e)),
            Xml::Empty(e) => {
                let node = open(&e);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Xml::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().unwrap()),
            Xml::GeneralRef(r) => {
                let name = r.decode().unwrap();
                let ch = match name.as_ref() {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    "apos" => '\'',
                    other => panic!("unexpected entity {other}"),
                };
                stack.last_mut().unwrap().text.push(ch);
            }
            Xml::End(_) => {
                let node = stack.pop().unwrap();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Xml::Eof => break,
            other => panic!("unexpected XML event {other:?}"),
        }
    }
    assert!(stack.is_empty());
    root.expect("a root element")
}

/// One tag per line, for reviewable snapshots. Safe: escaped text and
/// attribute values never contain `><`.
fn lines(xml: &str) -> String {
    xml.replace("><", ">\n<")
}

/// The nesting rules of TwiML's voice verbs, as far as we render them.
fn assert_legal(root: &Node) {
    assert_eq!(root.name, "Response");
    for verb in &root.children {
        let allowed: &[&str] = match verb.name.as_str() {
            "Gather" => &["Say", "Play", "Pause"],
            "Dial" => &["Number", "Sip", "Client"],
            "Connect" => &["Stream", "ConversationRelay"],
            "Start" => &["Recording"],
            // SSML inside a Say: only `<say-as>` is rendered.
            "Say" => &["say-as"],
            "Play" | "Pause" | "Enqueue" | "Record" | "Redirect" | "Hangup" | "Leave" => &[],
            other => panic!("unexpected verb {other}"),
        };
        for child in &verb.children {
            assert!(
                allowed.contains(&child.name.as_str()),
                "<{}> inside <{}>",
                child.name,
                verb.name
            );
            let grandchildren: &[&str] =
                if matches!(child.name.as_str(), "Stream" | "ConversationRelay") {
                    &["Parameter"]
                } else if child.name == "Say" {
                    &["say-as"]
                } else {
                    &[]
                };
            for g in &child.children {
                assert!(
                    grandchildren.contains(&g.name.as_str()),
                    "<{}> inside <{}>",
                    g.name,
                    child.name
                );
            }
        }
    }
}

fn say(text: &str) -> Instruction {
    Instruction::Say {
        text: text.into(),
        language: "en-US".into(),
        voice: Some("Polly.Joanna".into()),
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
        language: "en-US".into(),
        hints: vec![],
    }
}

fn every_kind() -> Vec<(&'static str, Vec<Instruction>)> {
    vec![
        ("say", vec![say("Welcome to Acme."), Instruction::Hangup]),
        (
            "say_loops_no_voice",
            vec![Instruction::Say {
                text: "Hello".into(),
                language: "hi-IN".into(),
                voice: None,
                loops: 2,
                marked: Vec::new(),
            }],
        ),
        (
            "play",
            vec![Instruction::Play {
                url: "https://cdn.example.com/a.mp3?x=1&y=2".into(),
                loops: 1,
            }],
        ),
        ("pause", vec![Instruction::Pause { seconds: 2 }]),
        (
            "gather_dtmf",
            vec![gather(vec![
                say("For sales press 1."),
                Instruction::Pause { seconds: 1 },
            ])],
        ),
        (
            "gather_speech",
            vec![Instruction::Gather {
                prompts: vec![say("Say or enter your order number.")],
                input: Input::DtmfSpeech,
                min_digits: 4,
                max_digits: 8,
                finish_key: Some('#'),
                timeout_s: 7,
                language: "en-IN".into(),
                hints: vec!["order".into(), "refund".into()],
            }],
        ),
        (
            "dial",
            vec![Instruction::Dial {
                targets: vec!["+14155550100".into(), "sip:agent@pbx.example.com".into()],
                caller_id: Some("+18005551212".into()),
                ring_timeout_s: 25,
                record: true,
            }],
        ),
        (
            "enqueue",
            vec![Instruction::Enqueue {
                name: "support".into(),
                hold_music: Some("https://cdn.example.com/hold.mp3".into()),
                position_every_s: Some(60),
                max_wait_s: 600,
            }],
        ),
        (
            "record",
            vec![Instruction::Record {
                max_length_s: 120,
                beep: true,
                finish_key: Some('#'),
                finish_any: false,
                trim: true,
                timeout_s: 5,
                transcribe: false,
            }],
        ),
        (
            "agent",
            vec![Instruction::Agent {
                url: "wss://agent.example.com/stream".into(),
                params: vec![
                    ("customer".into(), "+14158675309".into()),
                    ("lang".into(), "en".into()),
                ],
                relay: None,
            }],
        ),
        (
            "agent_relay",
            vec![Instruction::Agent {
                url: "wss://agent.example.com/relay".into(),
                params: vec![("order".into(), "A-17".into())],
                relay: Some("en-IN".into()),
            }],
        ),
        ("hangup", vec![Instruction::Hangup]),
        (
            "menu_sequence",
            vec![
                say("Thank you for calling."),
                gather(vec![say("For orders press 1. For an agent press 2.")]),
            ],
        ),
        (
            "transfer_sequence",
            vec![
                say("Connecting you now."),
                Instruction::Dial {
                    targets: vec!["+919876543210".into()],
                    caller_id: None,
                    ring_timeout_s: 30,
                    record: false,
                },
            ],
        ),
        (
            "voicemail_sequence",
            vec![
                say("Please leave a message after the beep."),
                Instruction::Record {
                    max_length_s: 120,
                    beep: true,
                    finish_key: None,
                    finish_any: false,
                    trim: true,
                    timeout_s: 5,
                    transcribe: false,
                },
            ],
        ),
    ]
}

#[test]
fn every_instruction_kind_renders_legal_twiml() {
    for (name, instructions) in every_kind() {
        let xml = render(&instructions, ACTION, Some(WAIT));
        assert!(
            xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#),
            "{name}: {xml}"
        );
        assert_legal(&parse(&xml));
        insta::assert_snapshot!(name, lines(&xml));
    }
}

#[test]
fn waiting_verbs_come_back_to_the_action_url() {
    for (name, instructions) in every_kind() {
        let root = parse(&render(&instructions, ACTION, Some(WAIT)));
        for verb in &root.children {
            if ["Gather", "Dial", "Enqueue", "Record", "Connect"].contains(&verb.name.as_str()) {
                assert_eq!(verb.attr("action"), Some(ACTION), "{name}: {}", verb.name);
                assert_eq!(verb.attr("method"), Some("POST"), "{name}: {}", verb.name);
            }
            if verb.name == "Gather" {
                assert_eq!(verb.attr("actionOnEmptyResult"), Some("true"));
            }
        }
    }
}

#[test]
fn dynamic_text_cannot_inject_verbs() {
    let evil = r#"</Say><Dial>+15550001111</Dial><Say>"#;
    let instructions = vec![
        Instruction::Say {
            text: evil.into(),
            language: "en\"><Hangup/>".into(),
            voice: None,
            loops: 1,
            marked: Vec::new(),
        },
        gather(vec![say(&format!("Your name is {evil}"))]),
    ];
    let root = parse(&render(&instructions, ACTION, None));
    assert_eq!(root.names(), ["Say", "Gather"]);
    assert_eq!(root.children[0].text, evil);
    assert_eq!(root.children[0].attr("language"), Some("en\"><Hangup/>"));
    assert!(root.children[0].children.is_empty());
    let gather = &root.children[1];
    assert_eq!(gather.names(), ["Say"]);
    assert_eq!(gather.children[0].text, format!("Your name is {evil}"));

    let dial = Instruction::Dial {
        targets: vec!["+1555</Number><Number>+1666".into()],
        caller_id: Some("\" record=\"true".into()),
        ring_timeout_s: 30,
        record: false,
    };
    let root = parse(&render(&[dial], "https://x.example/a?b=1&c=\"2\"", None));
    let dial = &root.children[0];
    assert_eq!(dial.names(), ["Number"]);
    assert_eq!(dial.attr("record"), None);
    assert_eq!(dial.attr("callerId"), Some("\" record=\"true"));
    assert_eq!(dial.attr("action"), Some("https://x.example/a?b=1&c=\"2\""));
}

#[test]
fn characters_xml_cannot_carry_are_dropped() {
    let xml = render(&[say("a\u{0}b\u{1b}c\td\u{FFFE}e")], ACTION, None);
    assert_eq!(parse(&xml).children[0].text, "abc\tde");
}

#[test]
fn only_what_the_caller_can_reach_is_rendered() {
    let instructions = vec![
        gather(vec![say("Press 1.")]),
        say("never reached"),
        Instruction::Hangup,
    ];
    assert_eq!(
        parse(&render(&instructions, ACTION, None)).names(),
        ["Gather"]
    );
}

#[test]
fn gather_without_a_finish_key_disables_twilios_default() {
    let gather = &parse(&render(&[gather(vec![])], ACTION, None)).children[0];
    assert_eq!(gather.attr("finishOnKey"), Some(""));
    assert_eq!(gather.attr("numDigits"), Some("1"));
    assert_eq!(gather.attr("input"), Some("dtmf"));
    assert_eq!(gather.attr("language"), None);
}

#[test]
fn nested_verbs_that_gather_cannot_hold_are_skipped() {
    let root = parse(&render(
        &[gather(vec![
            say("Hi"),
            Instruction::Hangup,
            Instruction::Pause { seconds: 1 },
        ])],
        ACTION,
        None,
    ));
    assert_eq!(root.children[0].names(), ["Say", "Pause"]);
}

#[test]
fn dial_targets_are_numbers_or_sip_and_at_most_ten() {
    let targets: Vec<String> = (0..12).map(|i| format!("+1415555{i:04}")).collect();
    let root = parse(&render(
        &[Instruction::Dial {
            targets,
            caller_id: None,
            ring_timeout_s: 30,
            record: false,
        }],
        ACTION,
        None,
    ));
    assert_eq!(root.children[0].children.len(), MAX_DIAL_TARGETS);
    let root = parse(&render(
        &[Instruction::Dial {
            targets: vec!["sip:a@b.example".into()],
            caller_id: None,
            ring_timeout_s: 30,
            record: false,
        }],
        ACTION,
        None,
    ));
    assert_eq!(root.children[0].names(), ["Sip"]);
    assert_eq!(root.children[0].children[0].text, "sip:a@b.example");
}

#[test]
fn a_client_identity_is_dialled_as_a_client_beside_numbers() {
    let root = parse(&render(
        &[Instruction::Dial {
            targets: vec!["client:alice<&>".into(), "+918045671200".into()],
            caller_id: None,
            ring_timeout_s: 30,
            record: false,
        }],
        ACTION,
        None,
    ));
    assert_legal(&root);
    assert_eq!(root.children[0].names(), ["Client", "Number"]);
    // The bare identity, escaped: no scheme, no markup.
    assert_eq!(root.children[0].children[0].text, "alice<&>");
}

#[test]
fn enqueue_carries_its_settings_to_the_wait_page() {
    let enqueue = Instruction::Enqueue {
        name: "q".repeat(80),
        hold_music: Some("https://cdn.example.com/hold.mp3?a=1&b=2".into()),
        position_every_s: Some(30),
        max_wait_s: 300,
    };
    let root = parse(&render(
        std::slice::from_ref(&enqueue),
        ACTION,
        Some("https://ivr.example.com/w?turn=2"),
    ));
    let el = &root.children[0];
    assert_eq!(el.text.chars().count(), MAX_QUEUE_NAME);
    let wait = el.attr("waitUrl").unwrap();
    let (base, query) = wait.split_once('?').unwrap();
    assert_eq!(base, "https://ivr.example.com/w");
    let params: crate::providers::Params = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let decoded = super::super::decode::queue_wait(&params).unwrap();
    assert_eq!(params.get("turn"), Some("2"));
    assert_eq!(
        decoded.hold_music.as_deref(),
        Some("https://cdn.example.com/hold.mp3?a=1&b=2")
    );
    assert_eq!(decoded.position_every_s, Some(30));
    assert_eq!(decoded.max_wait_s, Some(300));

    // Without a wait page, Twilio's own music plays.
    let el = &parse(&render(&[enqueue], ACTION, None)).children[0];
    assert_eq!(el.attr("waitUrl"), None);
}

#[test]
fn queue_wait_leaves_at_max_wait_and_announces_the_position() {
    let mut wait = QueueWait {
        queue_time_s: 100,
        position: Some(3),
        hold_music: None,
        position_every_s: Some(60),
        max_wait_s: Some(600),
    };
    let xml = queue_wait(&wait);
    insta::assert_snapshot!("queue_wait_holding", lines(&xml));
    let root = parse(&xml);
    assert_eq!(root.names(), ["Say", "Play"]);
    assert_eq!(root.children[1].text, DEFAULT_HOLD_MUSIC);

    wait.position_every_s = None;
    assert_eq!(parse(&queue_wait(&wait)).names(), ["Play"]);

    wait.queue_time_s = 600;
    let xml = queue_wait(&wait);
    insta::assert_snapshot!("queue_wait_leave", lines(&xml));
    assert_eq!(parse(&xml).names(), ["Leave"]);
}

#[test]
fn an_overlong_say_is_cut_at_a_word() {
    let text = "word ".repeat(2000);
    let root = parse(&render(&[say(&text)], ACTION, None));
    let spoken = &root.children[0].text;
    assert!(spoken.len() <= MAX_SAY, "{}", spoken.len());
    assert!(spoken.len() > MAX_SAY - 10);
    assert!(spoken.ends_with("word"));

    // Multi-byte text is never cut inside a character.
    let text = "नमस्ते".repeat(1000);
    let root = parse(&render(&[say(&text)], ACTION, None));
    assert!(root.children[0].text.len() <= MAX_SAY);
}

#[test]
fn an_overlong_document_becomes_an_apology() {
    let many: Vec<Instruction> = (0..40).map(|_| say(&"x".repeat(3000))).collect();
    let xml = render(&many, ACTION, None);
    assert!(xml.len() <= MAX_BODY);
    assert_eq!(xml, apology());
    let root = parse(&xml);
    assert_eq!(root.names(), ["Say", "Hangup"]);
    assert_eq!(root.children[0].text, APOLOGY);

    // Just under the limit stays as it is.
    let some: Vec<Instruction> = (0..20).map(|_| say(&"x".repeat(3000))).collect();
    assert_eq!(parse(&render(&some, ACTION, None)).children.len(), 20);
}

#[test]
fn empty_response_for_status_callbacks() {
    assert_eq!(
        empty(),
        r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#
    );
    assert_eq!(parse(&render(&[], ACTION, None)).children.len(), 0);
}

#[test]
fn empty_prompts_are_left_out() {
    let root = parse(&render(
        &[
            say("  "),
            Instruction::Play {
                url: "".into(),
                loops: 1,
            },
            say("Hi"),
        ],
        ACTION,
        None,
    ));
    assert_eq!(root.names(), ["Say"]);
    assert_eq!(root.children[0].text, "Hi");
}

#[test]
fn zero_loops_never_means_forever() {
    let xml = render(
        &[
            Instruction::Say {
                text: "Hi".into(),
                language: "en".into(),
                voice: None,
                loops: 0,
                marked: Vec::new(),
            },
            Instruction::Play {
                url: "https://a.example/x.mp3".into(),
                loops: 0,
            },
        ],
        ACTION,
        None,
    );
    let root = parse(&xml);
    assert!(
        root.children.iter().all(|c| c.attr("loop").is_none()),
        "{xml}"
    );
}

#[test]
fn tricky_text_round_trips_exactly() {
    let tricky = [
        "]]><Hangup/><![CDATA[",
        "<!-- comment --><Hangup/>",
        "&amp; &lt; &#x3C; &unknown;",
        "<?xml version=\"1.0\"?><Response><Hangup/></Response>",
        "quotes \" and ' and `",
        "नमस्ते, आपका ऑर्डर 42 है 📦",
        "line\nbreak\ttab",
    ];
    for text in tricky {
        let params = vec![(text.to_owned(), text.to_owned())];
        let instructions = [
            gather(vec![say(text)]),
            Instruction::Agent {
                url: format!("wss://a.example/{text}"),
                params,
                relay: None,
            },
        ];
        let root = parse(&render(&instructions, ACTION, None));
        assert_eq!(root.names(), ["Gather"], "{text}");
        assert_eq!(root.children[0].children[0].text, text);
        let root = parse(&render(&instructions[1..], ACTION, None));
        let stream = &root.children[0].children[0];
        // A `?` in the URL starts a query, whose pairs come first.
        assert!(stream.names().iter().all(|n| *n == "Parameter"), "{text}");
        // Attribute values are normalised by XML parsers (tabs, newlines → spaces).
        let normalised = text.replace(['\n', '\t'], " ");
        let ours = stream.children.last().unwrap();
        assert_eq!(ours.attr("value"), Some(normalised.as_str()));
    }
}

#[test]
fn a_hold_says_what_came_before_pauses_and_comes_back() {
    let url = "https://ivr.example.com/twilio/main/4/hold";
    let root = parse(&hold(&[say("Looking up your order.")], None, url));
    assert_legal(&root);
    assert_eq!(root.names(), ["Say", "Pause", "Redirect"]);
    assert_eq!(root.children[0].text, "Looking up your order.");
    assert_eq!(root.children[1].attr("length"), Some("1"));
    let redirect = &root.children[2];
    assert_eq!(redirect.attr("method"), Some("POST"));
    assert_eq!(redirect.text, url);
    // With nothing said before, the hold is only the filler and the way back.
    assert_eq!(parse(&hold(&[], None, url)).names(), ["Pause", "Redirect"]);
    let music = parse(&hold(&[], Some("https://cdn.example.com/hold.mp3"), url));
    assert_eq!(music.names(), ["Play", "Redirect"]);
    assert_eq!(music.children[0].text, "https://cdn.example.com/hold.mp3");
}

/// "Order 013 <x>": the order number marked as digits, a value with markup.
fn marked_say(voice: Option<&str>) -> Instruction {
    use crate::engine::Spoken;
    use ivr_compiler::graph::SayAs;
    Instruction::Say {
        text: "Order 0 1 3 on 25 December 2026 at 2:30 PM.".into(),
        language: "en-IN".into(),
        voice: voice.map(String::from),
        loops: 1,
        marked: vec![
            Spoken::Text("Order ".into()),
            Spoken::As {
                how: SayAs::Digits,
                value: "013</say-as><Hangup/>".into(),
                spelled: "0 1 3".into(),
            },
            Spoken::Text(" on ".into()),
            Spoken::As {
                how: SayAs::Date,
                value: "2026-12-25".into(),
                spelled: "25 December 2026".into(),
            },
            Spoken::Text(" at ".into()),
            Spoken::As {
                how: SayAs::Time,
                value: "14:30".into(),
                spelled: "2:30 PM".into(),
            },
            Spoken::Text(".".into()),
        ],
    }
}

#[test]
fn ssml_voices_hear_say_as_and_markup_stays_text() {
    let xml = render(&[marked_say(Some("Polly.Aditi"))], "https://x/a", None);
    assert!(
        xml.contains(r#"<Say language="en-IN" voice="Polly.Aditi">Order <say-as interpret-as="digits">013&lt;/say-as&gt;&lt;Hangup/&gt;</say-as> on <say-as interpret-as="date" format="yyyymmdd">2026-12-25</say-as> at 2:30 PM.</Say>"#),
        "{xml}"
    );
    assert_legal(&parse(&xml));
    // Google has no `digits`: `characters` reads them one by one.
    let xml = render(
        &[marked_say(Some("Google.en-IN-Standard-A"))],
        "https://x/a",
        None,
    );
    assert!(
        xml.contains(r#"<say-as interpret-as="characters">"#),
        "{xml}"
    );
}

#[test]
fn basic_voices_and_no_voice_hear_the_spelled_text() {
    for voice in [None, Some("alice"), Some("man")] {
        let xml = render(&[marked_say(voice)], "https://x/a", None);
        assert!(!xml.contains("say-as"), "{xml}");
        assert!(
            xml.contains(">Order 0 1 3 on 25 December 2026 at 2:30 PM.</Say>"),
            "{xml}"
        );
    }
}

#[test]
fn a_recording_ended_by_any_key_keeps_its_silence_when_asked() {
    let xml = render(
        &[Instruction::Record {
            max_length_s: 60,
            beep: true,
            finish_key: None,
            finish_any: true,
            trim: false,
            timeout_s: 5,
            transcribe: false,
        }],
        ACTION,
        None,
    );
    assert!(xml.contains(r#"finishOnKey="1234567890*#""#), "{xml}");
    assert!(xml.contains(r#"trim="do-not-trim""#), "{xml}");
}

#[test]
fn a_transcribed_recording_names_where_its_transcript_goes() {
    let record = |transcribe| Instruction::Record {
        max_length_s: 60,
        beep: true,
        finish_key: Some('#'),
        finish_any: false,
        trim: true,
        timeout_s: 5,
        transcribe,
    };
    let xml = render(&[record(true)], "https://h/twilio/f/3/record", None);
    assert!(
        xml.contains(r#"transcribe="true" transcribeCallback="https://h/twilio/f/3/transcript""#),
        "{xml}"
    );
    let xml = render(&[record(false)], "https://h/twilio/f/3/record", None);
    assert!(!xml.contains("transcribe"), "{xml}");
}

#[test]
fn recording_the_call_starts_a_recording_and_goes_on() {
    let xml = render(
        &[
            Instruction::RecordCall,
            Instruction::Say {
                text: "Hello.".into(),
                language: "en-IN".into(),
                voice: None,
                loops: 1,
                marked: Vec::new(),
            },
            Instruction::Hangup,
        ],
        ACTION,
        None,
    );
    let root = parse(&xml);
    assert_legal(&root);
    assert_eq!(root.names(), ["Start", "Say", "Hangup"]);
    assert_eq!(root.children[0].names(), ["Recording"]);
}

/// The bug: a `<Say>` in a language the flow's voice cannot speak went out
/// with no voice, and Twilio's default (English) read the Hindi text.
#[test]
fn a_say_without_a_voice_gets_one_that_speaks_its_language() {
    let say_in = |language: &str, voice: Option<&str>| Instruction::Say {
        text: "नमस्ते".into(),
        language: language.into(),
        voice: voice.map(String::from),
        loops: 1,
        marked: Vec::new(),
    };
    let root = parse(&render(
        &[
            say_in("hi-IN", None),
            say_in("en-US", None),
            say_in("hi-IN", Some("Polly.Kajal")),
        ],
        ACTION,
        None,
    ));
    let hindi = root.children[0].attr("voice").expect("a voice for Hindi");
    assert_eq!(voices::speaks(hindi, "hi-IN"), Some(true), "{hindi}");
    // Twilio's default speaks English: the account's own choice stands.
    assert_eq!(root.children[1].attr("voice"), None);
    // The flow's voice is kept.
    assert_eq!(root.children[2].attr("voice"), Some("Polly.Kajal"));
}

/// The bug: `<Sip>` went into one `<Dial>` beside `<Number>`s, which Twilio
/// refuses.
#[test]
fn a_sip_address_is_dialled_alone() {
    let root = parse(&render(
        &[Instruction::Dial {
            targets: vec![
                "+14155550100".into(),
                "sip:desk@pbx.example.com".into(),
                "sip:other@pbx.example.com".into(),
            ],
            caller_id: None,
            ring_timeout_s: 30,
            record: false,
        }],
        ACTION,
        None,
    ));
    assert_legal(&root);
    assert_eq!(root.children[0].names(), ["Sip"]);
    assert_eq!(
        root.children[0].children[0].text,
        "sip:desk@pbx.example.com"
    );
}

/// The bug: an agent URL's query went to Twilio in the `<Stream>` URL, which
/// Twilio does not pass on; the pairs must be `<Parameter>`s.
#[test]
fn a_stream_urls_query_travels_as_parameters() {
    let root = parse(&render(
        &[Instruction::Agent {
            url: "wss://agent.example.com/stream?customer=%2B14155550100&lang=hi".into(),
            params: vec![("order".into(), "A-17".into())],
            relay: None,
        }],
        ACTION,
        None,
    ));
    assert_legal(&root);
    let stream = &root.children[0].children[0];
    assert_eq!(stream.attr("url"), Some("wss://agent.example.com/stream"));
    let params: Vec<(&str, &str)> = stream
        .children
        .iter()
        .map(|p| (p.attr("name").unwrap(), p.attr("value").unwrap()))
        .collect();
    assert_eq!(
        params,
        [
            ("customer", "+14155550100"),
            ("lang", "hi"),
            ("order", "A-17")
        ]
    );
}

/// The bug: play and hold URLs were XML-escaped only, so a space or a
/// Hindi file name reached Twilio bare.
#[test]
fn play_and_hold_urls_are_percent_encoded() {
    let url = "https://cdn.example.com/hold music/नमस्ते.mp3?v=a b";
    let encoded = "https://cdn.example.com/hold%20music/%E0%A4%A8%E0%A4%AE%E0%A4%B8%E0%A5%8D%E0%A4%A4%E0%A5%87.mp3?v=a%20b";
    let played = parse(&render(
        &[Instruction::Play {
            url: url.into(),
            loops: 1,
        }],
        ACTION,
        None,
    ));
    assert_eq!(played.children[0].text, encoded);
    let held = parse(&hold(&[], Some(url), "https://ivr.example.com/back"));
    assert_eq!(held.children[0].text, encoded);
    let waiting = parse(&queue_wait(&QueueWait {
        queue_time_s: 0,
        position: None,
        hold_music: Some(url.into()),
        position_every_s: None,
        max_wait_s: None,
    }));
    assert_eq!(waiting.children[0].text, encoded);
    // Text that is no URL is encoded too, never passed bare.
    let relative = parse(&render(
        &[Instruction::Play {
            url: "music/a b\".mp3".into(),
            loops: 1,
        }],
        ACTION,
        None,
    ));
    assert_eq!(relative.children[0].text, "music/a%20b%22.mp3");
}
