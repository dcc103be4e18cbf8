//! Provider pitfalls found while lowering, where the written value's span
//! is at hand: voices that cannot speak a prompt's language (W038) and agent
//! URLs Twilio refuses (E039). The pitfalls that need the whole graph are in
//! `check/flow/pitfalls.rs`.

use super::Cx;
use super::unit::Header;
use crate::check::voices;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{Expr, Graph, NodeKind, Prompt, Provider, Segment, Template};
use crate::source::Span;

/// W038: a `voice` that cannot speak the language it is used for, and a
/// language spoken with no voice where Twilio's default cannot speak it.
pub(super) fn voice_languages(cx: &mut Cx, header: &Header, graph: &Graph) {
    for (language, voice, span) in &header.voice_spans {
        if voices::speaks(voice, language) != Some(false) {
            continue;
        }
        let speaks = voices::languages(voice).unwrap_or_default().join(", ");
        let help = match voices::suggest(language) {
            Some(other) => format!(
                "`{voice}` speaks {speaks}; for `{language}` use a voice that speaks it, like `{other}`"
            ),
            None => format!("`{voice}` speaks {speaks}; choose a voice that speaks `{language}`"),
        };
        cx.push(
            Diagnostic::new(
                Code::VoiceLanguage,
                format!("voice `{voice}` cannot speak `{language}`"),
            )
            .label(*span, format!("used for `{language}`"))
            .help(help),
        );
    }
    if !graph.targets.contains(&Provider::Twilio) {
        return;
    }
    for language in spoken_languages(graph) {
        let explicit = header
            .voices
            .iter()
            .any(|(l, _)| l.eq_ignore_ascii_case(&language));
        let flow_voice = header.voice.as_deref().is_some_and(|v| {
            language.eq_ignore_ascii_case(&header.language)
                || voices::speaks(v, &language) == Some(true)
        });
        let default = voices::TWILIO_DEFAULT;
        if explicit || flow_voice || voices::speaks(default, &language) != Some(false) {
            continue;
        }
        let span = header.voice_span.unwrap_or(header.language_span);
        let example = voices::suggest(&language).unwrap_or_else(|| "Polly.…".into());
        let first = if language.eq_ignore_ascii_case(&header.language) {
            format!("`{language}` is the flow's language")
        } else {
            format!("the call switches to `{language}`")
        };
        let fix = if header.voices.is_empty() {
            let own = header
                .voice
                .clone()
                .or_else(|| voices::suggest(&header.language))
                .unwrap_or_else(|| "Polly.…".into());
            let own = if language.eq_ignore_ascii_case(&header.language) {
                String::new()
            } else {
                format!("{} \"{own}\"; ", header.language)
            };
            format!("a voice per language: `voice {{ {own}{language} \"{example}\" }}`")
        } else {
            format!("a line to `voice`: `{language} \"{example}\"`")
        };
        cx.push(
            Diagnostic::new(
                Code::VoiceLanguage,
                format!("no voice speaks `{language}` on twilio"),
            )
            .label(span, format!("{first}, and no voice here speaks it"))
            .help(format!(
                "Twilio's default voice (`{default}`) cannot speak `{language}`: add {fix}"
            )),
        );
    }
}

/// Every language the flow may speak in: its own, each text written per
/// language, and each language a `set` switches to. Deduplicated, in order.
fn spoken_languages(graph: &Graph) -> Vec<String> {
    let mut out: Vec<String> = vec![graph.language.clone()];
    let mut add = |language: &str| {
        // A malformed tag is reported where it is written (E009).
        if super::values::is_language_tag(language)
            && !out.iter().any(|l| l.eq_ignore_ascii_case(language))
        {
            out.push(language.to_string());
        }
    };
    for node in &graph.nodes {
        for prompt in prompts(&node.kind) {
            prompt.languages().into_iter().for_each(&mut add);
        }
        if let NodeKind::Set { assigns, .. } = &node.kind {
            for a in assigns.iter().filter(|a| a.var == "language") {
                if let Expr::Lit(serde_json::Value::String(tag)) = &a.value {
                    add(tag);
                }
            }
        }
    }
    out
}

/// Every prompt a node may play.
pub(crate) fn prompts(kind: &NodeKind) -> Vec<&Prompt> {
    match kind {
        NodeKind::Say { prompts, .. } => prompts.iter().collect(),
        NodeKind::Menu {
            prompts,
            noinput,
            nomatch,
            ..
        }
        | NodeKind::Gather {
            prompts,
            noinput,
            nomatch,
            ..
        } => prompts.iter().chain(noinput).chain(nomatch).collect(),
        NodeKind::Transfer { prompt, .. }
        | NodeKind::Queue { prompt, .. }
        | NodeKind::Record { prompt, .. }
        | NodeKind::Hangup { prompt } => prompt.iter().collect(),
        NodeKind::Ai { greeting, .. } => greeting.iter().collect(),
        NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Split { .. }
        | NodeKind::RecordCall { .. }
        | NodeKind::Hours { .. }
        | NodeKind::Http { .. }
        | NodeKind::Sms { .. } => Vec::new(),
    }
}

/// E039: an agent URL that is not `wss://` (the caller's audio would cross
/// the internet unencrypted), or, on Twilio, one with a query string
/// (Twilio error 31922: `<Stream url>` takes none; pass `param`s instead).
pub(super) fn agent_url(cx: &mut Cx, targets: &[Provider], url: &Template, span: Span) {
    let Some(Segment::Text(head)) = url.0.first() else {
        return;
    };
    if head.starts_with("ws://") {
        cx.push(
            Diagnostic::new(Code::ProviderPitfall, "the agent's URL is not encrypted")
                .label(span, "a `ws://` URL")
                .help("the caller's voice would cross the internet in the clear, and providers expect `wss://`: serve the agent over TLS and write `wss://…`"),
        );
    }
    if targets.contains(&Provider::Twilio) && url.display().contains('?') {
        cx.push(
            Diagnostic::new(
                Code::ProviderPitfall,
                "twilio refuses an agent URL with a query string",
            )
            .label(span, "a `?` here")
            .help("Twilio rejects `<Stream url>` with a query string (error 31922): drop it and pass each value with `param name \"value\"`"),
        );
    }
}
