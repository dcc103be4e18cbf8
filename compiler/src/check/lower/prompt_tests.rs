//! Prompt lines from real text: pieces in order, audio apologies, say-as
//! holes, a voice per language, and W038/E039 — in `.ivr` and YAML alike.

use crate::diagnostic::Code;
use crate::graph::{Graph, NodeKind, Prompt, SayAs, Segment};
use crate::{Syntax, compile};

fn ivr(body: &str, header: &str) -> (Option<Graph>, Vec<(Code, String)>) {
    let text = format!(
        "flow f {{\n  language \"en-IN\"\n  targets twilio\n{header}\n  start ask\n{body}\n  hangup bye {{\n    text \"Goodbye.\"\n  }}\n}}\n"
    );
    let out = compile(&text, Syntax::Ivr);
    let found = out
        .diagnostics
        .iter()
        .map(|d| (d.code, d.message.clone()))
        .collect();
    (out.graph, found)
}

fn menu_of(graph: &Graph) -> (&[Prompt], &Option<Prompt>, &Option<Prompt>) {
    match &graph.nodes[graph.start.index()].kind {
        NodeKind::Menu {
            prompts,
            noinput,
            nomatch,
            ..
        } => (prompts, noinput, nomatch),
        other => panic!("{other:?}"),
    }
}

const MENU: &str = r#"  menu ask {
    prompt "Welcome." pause 2s audio "https://cdn.example.com/jingle.mp3" "Press 1." loop 2
    reprompt "Press 1.", "Last try: press 1."
    reprompt "Sorry." pause 1s "Press 1."
    noinput audio "https://cdn.example.com/still-there.mp3"
    nomatch "No such option."
    "1" -> bye
    exhausted -> bye
  }"#;

#[test]
fn a_line_with_piece_words_is_one_prompt_in_order() {
    let (graph, found) = ivr(MENU, "");
    assert!(found.is_empty(), "{found:?}");
    let graph = graph.unwrap();
    let (prompts, noinput, nomatch) = menu_of(&graph);
    let Prompt::Sequence { parts, loops: 2 } = &prompts[0] else {
        panic!("{:?}", prompts[0])
    };
    assert!(matches!(
        parts.as_slice(),
        [
            Prompt::Plain(_),
            Prompt::Pause(2),
            Prompt::Audio(_),
            Prompt::Plain(_)
        ]
    ));
    // Without words, a line's values are separate reprompts, as before.
    assert_eq!(prompts.len(), 4);
    assert!(matches!(&prompts[1], Prompt::Plain(_)));
    assert!(matches!(&prompts[2], Prompt::Plain(_)));
    assert!(matches!(&prompts[3], Prompt::Sequence { loops: 1, .. }));
    assert!(matches!(noinput, Some(Prompt::Audio(_))));
    assert!(matches!(nomatch, Some(Prompt::Plain(_))));
}

#[test]
fn yaml_writes_the_same_pieces_as_mappings() {
    let yaml = r#"
flow: f
language: en-IN
targets: twilio
start: ask
nodes:
  - menu: ask
    prompt: [Welcome., {pause: 2s}, {audio: "https://cdn.example.com/jingle.mp3"}, Press 1., {loop: 2}]
    reprompt: [[Press 1.], ["Last try: press 1."], [Sorry., {pause: 1s}, Press 1.]]
    noinput: {audio: "https://cdn.example.com/still-there.mp3"}
    nomatch: No such option.
    exits: { "1": bye, exhausted: bye }
  - hangup: bye
    text: Goodbye.
"#;
    let from_yaml = compile(yaml, Syntax::Yaml);
    let (from_ivr, _) = ivr(MENU, "");
    assert!(
        from_yaml.diagnostics.is_empty(),
        "{:?}",
        from_yaml.diagnostics
    );
    assert_eq!(from_yaml.graph, from_ivr);
}

#[test]
fn say_nodes_play_text_audio_and_pauses_in_order() {
    let body = r#"  say ask {
    text "One moment."
    pause 2s
    audio "https://cdn.example.com/chime.mp3"
    text "Thank you." pause 1s "Goodbye."
    next -> bye
  }"#;
    let (graph, found) = ivr(body, "");
    assert!(found.is_empty(), "{found:?}");
    let graph = graph.unwrap();
    let NodeKind::Say { prompts, .. } = &graph.nodes[0].kind else {
        panic!()
    };
    let kinds: Vec<&str> = prompts
        .iter()
        .map(|p| match p {
            Prompt::Plain(_) => "text",
            Prompt::Pause(_) => "pause",
            Prompt::Audio(_) => "audio",
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["text", "pause", "audio", "text", "pause", "text"]);
}

#[test]
fn piece_mistakes_are_reported_where_they_are() {
    let body = |prompt: &str| {
        format!("  menu ask {{\n    prompt {prompt}\n    \"1\" -> bye\n    exhausted -> bye\n  }}")
    };
    for (prompt, code, words) in [
        ("\"Hi.\" pause", Code::InvalidValue, "needs a value"),
        ("\"Hi.\" pause 0s", Code::InvalidValue, "no time"),
        ("\"Hi.\" pause 1500ms", Code::InvalidValue, "whole seconds"),
        ("\"Hi.\" loop 0", Code::InvalidValue, "whole number"),
        ("\"Hi.\" loop 2 loop 3", Code::DuplicateKey, "twice"),
        ("\"Hi.\", \"Bye.\"", Code::InvalidValue, "takes one value"),
        ("audio \"ftp://x\"", Code::InvalidUrl, "not a valid URL"),
        ("\"{id:shout}\"", Code::InvalidTemplate, "not a way to read"),
    ] {
        let (_, found) = ivr(&body(prompt), "  var id: digits = \"1\"");
        assert!(
            found.iter().any(|(c, m)| *c == code && m.contains(words)),
            "{prompt}: {found:?}"
        );
    }
}

#[test]
fn say_as_holes_are_for_spoken_text_only() {
    let body = r#"  say ask {
    text "Order {id:digits} on {day:date}."
    next -> text_it
  }
  sms text_it {
    to "{call.from}"
    text "Order {id:digits}"
    sent -> bye
    failed -> bye
  }"#;
    let (_, found) = ivr(
        body,
        "  var id: digits = \"013\"\n  var day: string = \"2026-12-25\"",
    );
    assert_eq!(
        found
            .iter()
            .filter(|(c, m)| *c == Code::InvalidTemplate && m.contains("not spoken"))
            .count(),
        1,
        "{found:?}"
    );
    let (graph, found) = ivr(
        "  say ask {\n    text \"Order {id:digits}.\"\n    next -> bye\n  }",
        "  var id: digits = \"013\"",
    );
    assert!(found.is_empty(), "{found:?}");
    let NodeKind::Say { prompts, .. } = &graph.unwrap().nodes[0].kind else {
        panic!()
    };
    let Prompt::Plain(t) = &prompts[0] else {
        panic!()
    };
    assert_eq!(
        t.0[1],
        Segment::Spoken {
            path: vec!["id".into()],
            how: SayAs::Digits
        }
    );
    assert_eq!(t.display(), "Order {id:digits}.");
}

#[test]
fn a_voice_per_language_is_kept_and_checked() {
    let header = "  voice {\n    en-IN \"Polly.Raveena\"\n    hi-IN \"Polly.Aditi\"\n  }";
    let body = "  say ask {\n    text { en-IN \"Hi\"; hi-IN \"नमस्ते\" }\n    next -> bye\n  }";
    let (graph, found) = ivr(body, header);
    assert!(found.is_empty(), "{found:?}");
    let graph = graph.unwrap();
    assert_eq!(graph.voice.as_deref(), Some("Polly.Raveena"));
    assert_eq!(graph.voices.len(), 2);

    // A voice that cannot speak its language; a language no voice speaks.
    let header = "  voice {\n    en-IN \"Polly.Joanna\"\n    en-IN \"Polly.Aditi\"\n    en-abcdefghij \"man\"\n  }";
    let body = "  say ask {\n    text { en-IN \"Hi\"; ta-IN \"வணக்கம்\" }\n    next -> bye\n  }";
    let (_, found) = ivr(body, header);
    let has = |code: Code, words: &str| found.iter().any(|(c, m)| *c == code && m.contains(words));
    assert!(
        has(Code::VoiceLanguage, "`Polly.Joanna` cannot speak `en-IN`"),
        "{found:?}"
    );
    assert!(
        has(Code::VoiceLanguage, "no voice speaks `ta-IN`"),
        "{found:?}"
    );
    assert!(has(Code::DuplicateKey, "given twice"), "{found:?}");
    assert!(has(Code::InvalidValue, "not a language tag"), "{found:?}");

    // The flow's voice covers another language it speaks; unknown voices pass.
    let body = "  say ask {\n    text { en-IN \"Hi\"; hi-IN \"नमस्ते\" }\n    next -> bye\n  }";
    assert!(ivr(body, "  voice \"Polly.Aditi\"").1.is_empty());
    let english = "  say ask {\n    text \"Hi\"\n    next -> bye\n  }";
    assert!(ivr(english, "  voice \"Polly.NewVoice\"").1.is_empty());
    // No voice, and Twilio's default cannot speak Hindi.
    let (_, found) = ivr(body, "");
    assert!(
        found
            .iter()
            .any(|(c, m)| *c == Code::VoiceLanguage && m.contains("`hi-IN`")),
        "{found:?}"
    );
}

#[test]
fn provider_pitfalls_each_have_a_precise_message() {
    let exotel = |body: &str| {
        let text = format!(
            "flow f {{\n  language \"en-IN\"\n  voice \"Polly.Aditi\"\n  targets {}\n  start ask\n{body}\n  hangup bye {{\n    text \"Goodbye.\"\n  }}\n}}\n",
            "twilio, exotel"
        );
        compile(&text, Syntax::Ivr)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == Code::ProviderPitfall)
            .map(|d| d.message)
            .collect::<Vec<_>>()
    };
    let agent = |url: &str| {
        exotel(&format!(
            "  ai ask {{\n    url \"{url}\"\n    done -> bye\n    failed -> bye\n  }}"
        ))
    };
    assert_eq!(agent("wss://a.example.com/x"), Vec::<String>::new());
    assert!(agent("ws://a.example.com/x")[0].contains("not encrypted"));
    assert!(agent("wss://a.example.com/x?t=1")[0].contains("query string"));
    let menu = exotel(
        "  menu ask {\n    prompt \"Press hash.\"\n    \"#\" -> bye\n    exhausted -> bye\n  }",
    );
    assert!(menu[0].contains("`#`"), "{menu:?}");
    let switch = exotel("  set ask {\n    language = \"hi-IN\"\n    next -> bye\n  }");
    assert!(
        switch[0].contains("switches the call's language"),
        "{switch:?}"
    );
    // Twilio alone: the same menu and switch are fine.
    let twilio_only = |body: &str| {
        let (_, found) = ivr(body, "  voice \"Polly.Aditi\"");
        found
            .into_iter()
            .filter(|(c, _)| *c == Code::ProviderPitfall)
            .count()
    };
    assert_eq!(
        twilio_only(
            "  menu ask {\n    prompt \"Press hash.\"\n    \"#\" -> bye\n    exhausted -> bye\n  }"
        ),
        0
    );
    let two_sips = "  transfer ask {\n    to \"sip:a@pbx.example.com\", \"sip:b@pbx.example.com\"\n    answered -> bye\n    busy -> bye\n    no_answer -> bye\n    failed -> bye\n  }";
    assert_eq!(twilio_only(two_sips), 1);
    let numbers = "  transfer ask {\n    to \"+918045671200\", \"+918045671201\"\n    answered -> bye\n    busy -> bye\n    no_answer -> bye\n    failed -> bye\n  }";
    assert_eq!(twilio_only(numbers), 0);
}

#[test]
fn a_first_turn_over_64_kb_is_refused() {
    let line = "x".repeat(4000);
    let body = format!(
        "  say ask {{\n    text \"{line}\"\n    text \"{line}\"\n    loop 9\n    next -> bye\n  }}"
    );
    let (_, found) = ivr(&body, "");
    assert!(
        found
            .iter()
            .any(|(c, m)| *c == Code::ProviderPitfall && m.contains("64 kB")),
        "{found:?}"
    );
    // Seven times is about 57 kB: under the limit.
    let body = body.replace("loop 9", "loop 7");
    assert!(ivr(&body, "").1.is_empty());
}

#[test]
fn fmt_keeps_a_line_of_pieces_as_a_phrase() {
    let text = "flow f {\n  language \"en-IN\"\n  targets twilio\n  start ask\n\n  menu ask {\n    prompt \"Welcome.\", pause, 2s, audio \"https://cdn.example.com/a.mp3\" loop 2\n    reprompt \"a\" \"b\"\n    \"1\" -> bye\n    exhausted -> bye\n  }\n\n  hangup bye {\n    text \"Goodbye.\"\n  }\n}\n";
    let formatted = crate::format::format(text).expect("formats");
    assert!(
        formatted.contains(
            "    prompt \"Welcome.\" pause 2s audio \"https://cdn.example.com/a.mp3\" loop 2\n"
        ),
        "{formatted}"
    );
    // Plain lists keep their commas; the layout is stable.
    assert!(
        formatted.contains("    reprompt \"a\", \"b\"\n"),
        "{formatted}"
    );
    assert_eq!(crate::format::format(&formatted).unwrap(), formatted);
    assert_eq!(
        compile(text, Syntax::Ivr).graph,
        compile(&formatted, Syntax::Ivr).graph
    );
}

#[test]
fn yaml_writes_a_voice_per_language_as_a_mapping() {
    let yaml = r#"
flow: f
language: en-IN
voice: { en-IN: Polly.Raveena, hi-IN: Polly.Aditi }
targets: twilio
start: ask
nodes:
  - say: ask
    text: "Order {id:digits}."
    exits: { next: bye }
  - hangup: bye
    text: Goodbye.
vars:
  id: { type: digits, default: "013" }
"#;
    let header = "  voice {\n    en-IN \"Polly.Raveena\"\n    hi-IN \"Polly.Aditi\"\n  }\n  var id: digits = \"013\"";
    let (from_ivr, found) = ivr(
        "  say ask {\n    text \"Order {id:digits}.\"\n    next -> bye\n  }",
        header,
    );
    assert!(found.is_empty(), "{found:?}");
    let from_yaml = compile(yaml, Syntax::Yaml);
    assert!(
        from_yaml.diagnostics.is_empty(),
        "{:?}",
        from_yaml.diagnostics
    );
    assert_eq!(from_yaml.graph, from_ivr);
}

#[test]
fn a_menu_with_its_own_finish_key_can_take_hash_on_exotel() {
    let pitfalls = |menu_props: &str| {
        let text = format!(
            "flow f {{\n  language \"en-IN\"\n  targets exotel\n  var key: digits\n  start ask\n  menu ask {{\n    prompt \"Press hash.\"\n{menu_props}    \"#\" -> bye\n    \"12\" -> bye\n    exhausted -> bye\n  }}\n  hangup bye {{\n    text \"Goodbye.\"\n  }}\n}}\n"
        );
        compile(&text, Syntax::Ivr)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == Code::ProviderPitfall)
            .count()
    };
    assert_eq!(pitfalls("    max_digits 2\n    into key\n"), 1);
    assert_eq!(
        pitfalls("    max_digits 2\n    finish \"*\"\n    into key\n"),
        0
    );
}
