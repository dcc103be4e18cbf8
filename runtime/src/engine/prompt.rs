//! Turning the graph's prompts into `Say`/`Play` instructions for one call:
//! pick the text in the call's language (falling back to the flow's default),
//! fill `{var}` holes, choose the prompt for the attempt being made.
//!
//! Values are rendered as plain text and never escaped here: a variable that
//! holds `</Say>` is spoken as those characters. Escaping belongs to the
//! provider's renderer, which alone knows its output format.

use ivr_compiler::graph::{Graph, Prompt, Segment, Template};
use serde_json::Value;

use super::eval::lookup;
use super::{CallState, Instruction, Part};

/// The prompt for attempt `attempt` (0-based) of a menu or gather: the first
/// prompt, then each reprompt in turn, the last one repeating.
pub fn for_attempt(prompts: &[Prompt], attempt: u32) -> Option<&Prompt> {
    let last = prompts.len().checked_sub(1)?;
    prompts.get((attempt as usize).min(last))
}

/// The instruction that speaks or plays `prompt` for this call.
pub fn instruction(graph: &Graph, prompt: &Prompt, state: &CallState, loops: u32) -> Instruction {
    match prompt {
        Prompt::Text(texts) => {
            let (language, template) = pick(texts, &state.language, &graph.language)
                .unwrap_or((graph.language.as_str(), &EMPTY));
            // The flow's voice was chosen for its default language; a TTS
            // voice rarely speaks another, so other languages get the
            // provider's voice for that language.
            let voice = graph
                .voice
                .clone()
                .filter(|_| language.eq_ignore_ascii_case(&graph.language));
            Instruction::Say {
                text: render(template, state),
                language: language.to_string(),
                voice,
                loops,
            }
        }
        Prompt::Audio(url) => Instruction::Play {
            url: render(url, state),
            loops,
        },
    }
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
            Segment::Var(path) => text_of(&lookup(path, state)),
            Segment::Text(text) => text.clone(),
        };
        match parts.last_mut() {
            Some(Part::Text(last)) => last.push_str(&text),
            _ => parts.push(Part::Text(text)),
        }
    }
    parts
}

/// A value as a person would read it: strings as they are, numbers and
/// booleans as written, `null` as nothing, lists and objects as JSON.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
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
        assert!(matches!(instruction(&graph, &prompt, &state, 1),
            Instruction::Say { voice: None, language, .. } if language == "hi-IN"));
    }

    #[test]
    fn say_carries_the_chosen_language_and_flow_voice() {
        let graph = graph_with_language("en-IN", Some("Polly.Aditi"));
        let mut state = state_with(json!({}));
        state.language = "ta-IN".into();
        let prompt = Prompt::Text(vec![("en-IN".into(), t("Hello"))]);
        assert_eq!(
            instruction(&graph, &prompt, &state, 2),
            Instruction::Say {
                text: "Hello".into(),
                language: "en-IN".into(),
                voice: Some("Polly.Aditi".into()),
                loops: 2
            }
        );
        let audio = Prompt::Audio(t("https://cdn/{call.sid}.mp3"));
        assert_eq!(
            instruction(&graph, &audio, &state, 1),
            Instruction::Play {
                url: "https://cdn/CA1.mp3".into(),
                loops: 1
            }
        );
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
