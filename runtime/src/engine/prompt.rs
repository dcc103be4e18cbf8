//! Turning the graph's prompts into `Say`/`Play`/`Pause` instructions for
//! one call: pick the text in the call's language (falling back to the
//! flow's default), choose the voice for the language spoken, fill `{var}`
//! holes (spelling out `{var:format}` ones), choose the prompt for the
//! attempt being made.
//!
//! Values are rendered as plain text and never escaped here: a variable that
//! holds `</Say>` is spoken as those characters. Escaping belongs to the
//! provider's renderer, which alone knows its output format.

use ivr_compiler::check::voices;
use ivr_compiler::graph::{Graph, Prompt, Segment, Template};

use super::eval::{lookup, text_of};
use super::say_as::spell;
use super::{CallState, Instruction, Part, Spoken};

/// Repeats of a prompt of several pieces spelled out as instructions, at
/// most (a single piece repeats with the provider's own loop count).
pub const MAX_LOOPS: u32 = 100;

/// The prompt for attempt `attempt` (0-based) of a menu or gather: the first
/// prompt, then each reprompt in turn, the last one repeating.
pub fn for_attempt(prompts: &[Prompt], attempt: u32) -> Option<&Prompt> {
    let last = prompts.len().checked_sub(1)?;
    prompts.get((attempt as usize).min(last))
}

/// The instructions that speak, play or pause `prompt` for this call,
/// `loops` times over.
pub fn said(graph: &Graph, prompt: &Prompt, state: &CallState, loops: u32) -> Vec<Instruction> {
    let mut out = Vec::new();
    add(graph, prompt, state, loops.max(1), &mut out);
    out
}

fn add(graph: &Graph, prompt: &Prompt, state: &CallState, loops: u32, out: &mut Vec<Instruction>) {
    match prompt {
        Prompt::Text(texts) => {
            let (language, template) = pick(texts, &state.language, &graph.language)
                .unwrap_or((graph.language.as_str(), &EMPTY));
            out.push(say(graph, template, language, state, loops));
        }
        // Plain text is written in whatever language the call is in.
        Prompt::Plain(template) => out.push(say(graph, template, &state.language, state, loops)),
        // Holes are encoded for where they land; a URL a value would bend
        // (a `..` segment) plays nothing rather than something else.
        Prompt::Audio(url) => out.push(Instruction::Play {
            url: super::encode::url(url, state).unwrap_or_default(),
            loops,
        }),
        Prompt::Pause(seconds) => out.push(Instruction::Pause {
            seconds: seconds.saturating_mul(loops),
        }),
        Prompt::Sequence { parts, loops: own } => {
            let times = own.max(&1).saturating_mul(loops);
            if let [one] = parts.as_slice() {
                return add(graph, one, state, times, out);
            }
            for _ in 0..times.min(MAX_LOOPS) {
                for part in parts {
                    add(graph, part, state, 1, out);
                }
            }
        }
    }
}

/// A `Say` of `template` in `language`, in that language's voice.
fn say(
    graph: &Graph,
    template: &Template,
    language: &str,
    state: &CallState,
    loops: u32,
) -> Instruction {
    let (text, marked) = spoken(template, state, language);
    Instruction::Say {
        text,
        language: language.to_string(),
        voice: voice_for(graph, language),
        loops,
        marked,
    }
}

/// The voice for text in `language`: the flow's voice for that language;
/// else its default voice, where it fits (the flow's own language, or one
/// the voice is known to speak); else none, and the provider picks one for
/// the language.
pub fn voice_for(graph: &Graph, language: &str) -> Option<String> {
    if let Some((_, voice)) = graph
        .voices
        .iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(language))
    {
        return Some(voice.clone());
    }
    graph.voice.clone().filter(|voice| {
        language.eq_ignore_ascii_case(&graph.language)
            || voices::speaks(voice, language) == Some(true)
    })
}

static EMPTY: Template = Template(Vec::new());

/// The text in `language`, else in the flow's `default` language, else the
/// first one written. Languages compare without regard to case (`en-in`).
pub fn pick<'t>(
    texts: &'t [(String, Template)],
    language: &str,
    default: &str,
) -> Option<(&'t str, &'t Template)> {
    let find = |wanted: &str| texts.iter().find(|(l, _)| l.eq_ignore_ascii_case(wanted));
    find(language)
        .or_else(|| find(default))
        .or_else(|| texts.first())
        .map(|(l, t)| (l.as_str(), t))
}

/// Spoken text: the words with `{var:format}` holes spelled out, and — when
/// there is such a hole — the same text in marked pieces.
fn spoken(template: &Template, state: &CallState, language: &str) -> (String, Vec<Spoken>) {
    if template.spoken().is_none() {
        return (render(template, state), Vec::new());
    }
    let mut text = String::new();
    let mut marked: Vec<Spoken> = Vec::new();
    for segment in &template.0 {
        let plain = match segment {
            Segment::Spoken { path, how } => {
                let value = text_of(&lookup(path, state));
                let spelled = spell(*how, &value, language);
                text.push_str(&spelled);
                marked.push(Spoken::As {
                    how: *how,
                    value,
                    spelled,
                });
                continue;
            }
            Segment::Var(path) if path.first().is_some_and(|r| r == "env") => String::new(),
            Segment::Var(path) => text_of(&lookup(path, state)),
            Segment::Text(t) => t.clone(),
        };
        text.push_str(&plain);
        match marked.last_mut() {
            Some(Spoken::Text(last)) => last.push_str(&plain),
            _ => marked.push(Spoken::Text(plain)),
        }
    }
    (text, marked)
}

/// Fill a template's holes with the call's values. `{env.NAME}` is never
/// filled here (secrets must not reach speech, SMS or URLs): it renders empty.
pub fn render(template: &Template, state: &CallState) -> String {
    template.render(|path| match path.first().map(String::as_str) {
        Some("env") => None,
        _ => Some(text_of(&lookup(path, state))),
    })
}

/// A template as parts, keeping `{env.NAME}` holes for the server to fill
/// from its environment (HTTP headers carrying secrets).
pub fn parts(template: &Template, state: &CallState) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    for segment in &template.0 {
        let text = match segment {
            Segment::Var(path) if path.len() == 2 && path[0] == "env" => {
                parts.push(Part::Env(path[1].clone()));
                continue;
            }
            Segment::Var(path) | Segment::Spoken { path, .. } => text_of(&lookup(path, state)),
            Segment::Text(text) => text.clone(),
        };
        match parts.last_mut() {
            Some(Part::Text(last)) => last.push_str(&text),
            _ => parts.push(Part::Text(text)),
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tests::{graph_with_language, state_with};
    use serde_json::json;

    fn t(s: &str) -> Template {
        Template::parse(s).unwrap()
    }

    #[test]
    fn renders_strings_as_is_and_json_as_text() {
        let state = state_with(json!({
            "name": "Asha", "n": 7, "x": 2.5, "ok": true, "order": {"id": 1}, "list": [1, "a"]
        }));
        let out = render(
            &t("{name} {n} {x} {ok} {order} {list} [{unset}] {order.id} {call.from}"),
            &state,
        );
        assert_eq!(
            out,
            r#"Asha 7 2.5 true {"id":1} [1,"a"] [] 1 +919811111111"#
        );
    }

    #[test]
    fn markup_in_a_variable_comes_out_verbatim() {
        let state = state_with(json!({"name": "</Say><Dial>+15550000</Dial><Say>"}));
        assert_eq!(
            render(&t("Hi {name}."), &state),
            "Hi </Say><Dial>+15550000</Dial><Say>."
        );
    }

    #[test]
    fn env_holes_stay_out_of_text_but_become_parts() {
        let state = state_with(json!({"id": "42"}));
        let template = t("Bearer {env.TOKEN} for {id}");
        assert_eq!(render(&template, &state), "Bearer  for 42");
        assert_eq!(
            parts(&template, &state),
            vec![
                Part::Text("Bearer ".into()),
                Part::Env("TOKEN".into()),
                Part::Text(" for 42".into())
            ]
        );
    }

    #[test]
    fn picks_call_language_then_default_then_first() {
        let texts = vec![
            ("en-IN".to_string(), t("Hello")),
            ("hi-IN".to_string(), t("Namaste")),
        ];
        assert_eq!(pick(&texts, "hi-IN", "en-IN").unwrap().0, "hi-IN");
        assert_eq!(pick(&texts, "HI-in", "en-IN").unwrap().0, "hi-IN");
        assert_eq!(pick(&texts, "ta-IN", "en-IN").unwrap().0, "en-IN");
        assert_eq!(pick(&texts, "ta-IN", "fr-FR").unwrap().0, "en-IN");
        assert!(pick(&[], "ta-IN", "fr-FR").is_none());
    }

    #[test]
    fn the_flow_voice_speaks_only_the_default_language() {
        let graph = graph_with_language("en-IN", Some("Polly.Raveena"));
        let mut state = state_with(json!({}));
        state.language = "hi-IN".into();
        let prompt = Prompt::Text(vec![
            ("en-IN".into(), t("Hello")),
            ("hi-IN".into(), t("Namaste")),
        ]);
        assert!(matches!(&said(&graph, &prompt, &state, 1)[0],
            Instruction::Say { voice: None, language, .. } if language == "hi-IN"));
    }

    #[test]
    fn say_carries_the_chosen_language_and_flow_voice() {
        let graph = graph_with_language("en-IN", Some("Polly.Aditi"));
        let mut state = state_with(json!({}));
        state.language = "ta-IN".into();
        let prompt = Prompt::Text(vec![("en-IN".into(), t("Hello"))]);
        assert_eq!(
            said(&graph, &prompt, &state, 2)[0],
            Instruction::Say {
                text: "Hello".into(),
                language: "en-IN".into(),
                voice: Some("Polly.Aditi".into()),
                loops: 2,
                marked: Vec::new(),
            }
        );
        let audio = Prompt::Audio(t("https://cdn/{call.sid}.mp3"));
        assert_eq!(
            said(&graph, &audio, &state, 1)[0],
            Instruction::Play {
                url: "https://cdn/CA1.mp3".into(),
                loops: 1
            }
        );
    }

    #[test]
    fn an_audio_url_holds_caller_text_as_one_segment() {
        let graph = graph_with_language("en-IN", None);
        let state = state_with(json!({ "said": "a b/../x?y#" }));
        let audio = Prompt::Audio(t("https://cdn/{said}.mp3"));
        assert_eq!(
            said(&graph, &audio, &state, 1)[0],
            Instruction::Play {
                url: "https://cdn/a%20b%2F..%2Fx%3Fy%23.mp3".into(),
                loops: 1
            }
        );
    }

    /// The bug: plain text was kept under the flow's language, so after
    /// `language = "fr-FR"` it still rendered `<Say language="en-US">`.
    #[test]
    fn plain_text_is_spoken_in_the_calls_current_language() {
        let graph = graph_with_language("en-US", Some("Polly.Joanna"));
        let mut state = state_with(json!({}));
        state.language = "fr-FR".into();
        let prompt = Prompt::Plain(t("Bonjour."));
        assert_eq!(
            said(&graph, &prompt, &state, 1),
            [Instruction::Say {
                text: "Bonjour.".into(),
                language: "fr-FR".into(),
                // Joanna speaks English only: the provider picks a French voice.
                voice: None,
                loops: 1,
                marked: Vec::new(),
            }]
        );
        state.language = "en-US".into();
        assert!(matches!(&said(&graph, &prompt, &state, 1)[0],
            Instruction::Say { language, voice: Some(v), .. } if language == "en-US" && v == "Polly.Joanna"));
    }

    #[test]
    fn each_language_gets_its_voice() {
        let mut graph = graph_with_language("en-IN", Some("Polly.Aditi"));
        graph.voices = vec![("ta-IN".into(), "Google.ta-IN-Standard-A".into())];
        let mut state = state_with(json!({}));
        let voice_in = |state: &CallState| match &said(&graph, &Prompt::Plain(t("x")), state, 1)[0]
        {
            Instruction::Say { voice, .. } => voice.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(voice_in(&state).as_deref(), Some("Polly.Aditi"));
        // Aditi speaks Hindi as well: the flow's voice fits.
        state.language = "hi-IN".into();
        assert_eq!(voice_in(&state).as_deref(), Some("Polly.Aditi"));
        state.language = "ta-IN".into();
        assert_eq!(voice_in(&state).as_deref(), Some("Google.ta-IN-Standard-A"));
        state.language = "fr-FR".into();
        assert_eq!(voice_in(&state), None);
    }

    #[test]
    fn a_sequence_plays_its_pieces_in_order_and_loops() {
        let graph = graph_with_language("en-IN", None);
        let state = state_with(json!({}));
        let prompt = Prompt::Sequence {
            parts: vec![
                Prompt::Plain(t("Welcome.")),
                Prompt::Pause(2),
                Prompt::Audio(t("https://cdn/jingle.mp3")),
            ],
            loops: 2,
        };
        let kinds: Vec<&str> = said(&graph, &prompt, &state, 1)
            .iter()
            .map(|i| match i {
                Instruction::Say { .. } => "say",
                Instruction::Pause { seconds: 2 } => "pause",
                Instruction::Play { .. } => "play",
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(kinds, ["say", "pause", "play", "say", "pause", "play"]);
        // One piece repeats with the provider's loop count.
        let one = Prompt::Sequence {
            parts: vec![Prompt::Plain(t("Press 1."))],
            loops: 3,
        };
        assert!(matches!(
            &said(&graph, &one, &state, 1)[..],
            [Instruction::Say { loops: 3, .. }]
        ));
    }

    #[test]
    fn formatted_holes_are_spelled_out_and_marked() {
        let graph = graph_with_language("en-IN", Some("Polly.Aditi"));
        let state = state_with(json!({"order_id": "013", "due": "12.50"}));
        let prompt = Prompt::Plain(t("Order {order_id:digits}, {due:currency}. {order_id}"));
        let [Instruction::Say { text, marked, .. }] = &said(&graph, &prompt, &state, 1)[..] else {
            panic!("one say")
        };
        assert_eq!(text, "Order 0 1 3, 12 rupees and 50 paise. 013");
        assert_eq!(
            marked,
            &[
                Spoken::Text("Order ".into()),
                Spoken::As {
                    how: ivr_compiler::graph::SayAs::Digits,
                    value: "013".into(),
                    spelled: "0 1 3".into()
                },
                Spoken::Text(", ".into()),
                Spoken::As {
                    how: ivr_compiler::graph::SayAs::Currency,
                    value: "12.50".into(),
                    spelled: "12 rupees and 50 paise".into()
                },
                Spoken::Text(". 013".into()),
            ]
        );
        // Without a format, nothing is marked.
        let plain = &said(&graph, &Prompt::Plain(t("Order {order_id}")), &state, 1)[0];
        assert!(matches!(plain, Instruction::Say { marked, .. } if marked.is_empty()));
    }

    #[test]
    fn attempts_taper_and_the_last_prompt_repeats() {
        let prompts: Vec<Prompt> = ["a", "b", "c"]
            .iter()
            .map(|s| Prompt::Audio(t(s)))
            .collect();
        let at = |n| match for_attempt(&prompts, n) {
            Some(Prompt::Audio(t)) => t.display(),
            _ => String::new(),
        };
        assert_eq!(
            [at(0), at(1), at(2), at(3), at(99)],
            ["a", "b", "c", "c", "c"]
        );
        assert!(for_attempt(&[], 0).is_none());
    }
}
