//! Calls on the repository's own flows, compiled from their `.ivr` source.

use std::path::PathBuf;

use ivr_compiler::{Graph, Syntax, compile};

use super::{Call, heard, path, shape};
use crate::engine::{DialOutcome, Event, Instruction, QueueOutcome, Waiting};

fn flows_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../flows")
}

fn compiled(name: &str) -> Graph {
    let file = flows_dir().join(name);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let out = compile(&text, Syntax::Ivr);
    out.graph
        .unwrap_or_else(|| panic!("{name} does not compile: {:#?}", out.diagnostics))
}

fn utc(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

#[test]
fn main_line_welcome_menu_and_transfer() {
    let graph = compiled("main_line.ivr");
    let (mut call, turn) = Call::start(&graph);
    assert_eq!(shape(&turn), ["say", "gather"]);
    assert_eq!(path(&graph, &turn), ["welcome:next", "main:"]);
    assert_eq!(heard(&turn)[0], "Thank you for calling Acme Corporation.");
    assert!(
        matches!(&turn.instructions[0], Instruction::Say { voice: Some(v), language, .. }
        if v == "Polly.Raveena" && language == "en-IN")
    );

    let turn = call.press("4");
    assert_eq!(heard(&turn)[0], "Sorry, that is not a valid option.");
    assert!(heard(&turn)[1].starts_with("Please press 1 for sales"));

    let turn = call.press("1");
    assert_eq!(path(&graph, &turn), ["main:1", "sales:"]);
    assert!(
        matches!(&turn.instructions[1], Instruction::Dial { targets, .. } if targets == &["+918045671201"])
    );
    let turn = call.send(Event::Dialed {
        outcome: DialOutcome::Busy,
        at: 9_000,
    });
    assert_eq!(
        path(&graph, &turn),
        ["sales:busy", "team_busy:next", "main:"]
    );

    let turn = call.press("9");
    assert_eq!(
        path(&graph, &turn),
        ["main:9", "main:"],
        "9 repeats the menu afresh"
    );
    assert_eq!(call.state.attempts, Default::default());

    call.silence();
    call.silence();
    let turn = call.silence();
    assert_eq!(path(&graph, &turn), ["main:exhausted", "goodbye:"]);
    assert!(call.state.ended);
}

#[test]
fn support_line_follows_office_hours_in_kolkata() {
    let graph = compiled("support_line.ivr");
    // Monday 2026-11-23 10:00 IST = 04:30 UTC: open, so the caller queues.
    let (mut call, turn) = Call::start_at(&graph, utc("2026-11-23T04:30:00Z"));
    assert_eq!(
        path(&graph, &turn),
        ["office_hours:open", "welcome:next", "support_queue:"]
    );
    assert_eq!(call.state.waiting, Waiting::Queue);
    let turn = call.send(Event::Queued {
        outcome: QueueOutcome::Timeout,
        at: call.now + 300_000,
    });
    assert_eq!(path(&graph, &turn), ["support_queue:timeout", "long_wait:"]);
    let turn = call.press("1");
    assert_eq!(shape(&turn), ["say", "record"]);
    let url = Some("https://rec.example/1.wav".to_string());
    let turn = call.send(Event::Recorded {
        url,
        duration_s: Some(20),
        at: call.now + 60_000,
    });
    assert_eq!(path(&graph, &turn), ["voicemail:done", "voicemail_saved:"]);
    assert_eq!(
        call.state.vars["voicemail_url"],
        "https://rec.example/1.wav"
    );

    // Christmas Day at the same hour: closed, straight to voicemail.
    let (_, turn) = Call::start_at(&graph, utc("2026-12-25T04:30:00Z"));
    assert_eq!(
        path(&graph, &turn),
        ["office_hours:closed", "after_hours:next", "voicemail:"]
    );
}

/// Every flow in the repository starts without trouble and either waits for
/// something or has ended.
#[test]
fn every_repository_flow_starts() {
    let mut seen = 0;
    for entry in std::fs::read_dir(flows_dir()).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().and_then(|e| e.to_str()) != Some("ivr") {
            continue;
        }
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        let graph = compiled(&name);
        let (call, turn) = Call::start(&graph);
        assert!(!turn.path.is_empty(), "{name}");
        let waits = call.state.waiting != Waiting::Nothing;
        assert!(
            waits != call.state.ended,
            "{name}: waits for {:?}, ended {}",
            call.state.waiting,
            call.state.ended
        );
        assert!(
            !turn.instructions.is_empty() || !turn.effects.is_empty(),
            "{name} does nothing"
        );
        seen += 1;
    }
    assert!(seen >= 1);
}

#[test]
fn a_hangup_mid_flow_ends_a_compiled_call() {
    let graph = compiled("main_line.ivr");
    let (mut call, _) = Call::start(&graph);
    let turn = call.send(Event::Hangup { at: 2_000 });
    assert!(turn.instructions.is_empty() && call.state.ended);
}

/// The TTS-language bug: plain `text` after `language = "fr-FR"` was spoken
/// with the flow's language (`<Say language="en-US">`) and its English voice.
#[test]
fn plain_text_follows_the_calls_language_switch() {
    let source = r#"
flow bonjour {
  language "en-US"
  voice "Polly.Joanna"
  targets twilio
  start ask

  menu ask {
    prompt "For French press 1."
    "1" -> french
    exhausted -> bye
  }
  set french {
    language = "fr-FR"
    next -> bye
  }
  hangup bye {
    text "Au revoir."
  }
}
"#;
    let out = compile(source, Syntax::Ivr);
    let graph = out
        .graph
        .unwrap_or_else(|| panic!("{:#?}", out.diagnostics));
    let (mut call, turn) = Call::start(&graph);
    assert!(
        matches!(&turn.instructions[0], Instruction::Gather { prompts, .. }
            if matches!(&prompts[0], Instruction::Say { language, voice: Some(v), .. }
                if language == "en-US" && v == "Polly.Joanna"))
    );
    let turn = call.press("1");
    assert_eq!(heard(&turn), ["Au revoir."]);
    assert!(
        matches!(&turn.instructions[0], Instruction::Say { language, voice: None, .. } if language == "fr-FR"),
        "{:?}",
        turn.instructions[0]
    );
}
