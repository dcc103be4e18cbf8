//! Prompts: text in one language or several, audio, pauses, pieces in
//! order, and the tapered attempts of `menu` and `gather`.
//!
//! One property line is one prompt. Its values are pieces played in order
//! when the line names a piece of another kind — `audio "…"`, `pause 1s` —
//! or repeats with `loop N`: `prompt "Welcome." pause 1s audio "https://…"`.
//! Without such a word, each value is a prompt of the key's kind, as before
//! (`reprompt "a", "b"` is two reprompts; `audio "a", "b"` two files). YAML
//! writes the words as one-entry mappings: `[Welcome., {pause: 1s}, {audio: …}]`.

use super::*;
use crate::source::Spanned;

/// Words that open a piece of their own among a line's values.
const AUDIO: &str = "audio";
const PAUSE: &str = "pause";
const LOOP: &str = "loop";
const PIECES: &[&str] = &[AUDIO, PAUSE, LOOP];
/// The lines a `say`/`play` node plays in order.
pub(super) const SAY_LINES: &[&str] = &["text", "prompt", "audio", "pause"];

/// One value of a line: a bare value of the key's kind, or a word and the
/// value that follows it.
enum Piece<'v> {
    Bare(Val<'v>),
    Word(&'static str, Spanned<Value>),
}

impl Build<'_> {
    /// The prompts one property line gives (see the module docs).
    pub(super) fn prompt_line(&mut self, cx: &mut Cx, key: &str, p: &ast::Property) -> Vec<Prompt> {
        let mut parts = Vec::new();
        let mut loops: Option<u32> = None;
        let worded = p.values.iter().any(|v| word_of(v).is_some());
        for piece in pieces(cx, &p.values) {
            let part = match piece {
                Piece::Bare(v) => self.bare(cx, key, v),
                Piece::Word(AUDIO, v) => self.audio(cx, &v),
                Piece::Word(PAUSE, v) => pause(cx, &v),
                Piece::Word(_, v) => {
                    if loops.is_some() {
                        cx.push(
                            Diagnostic::new(Code::DuplicateKey, "`loop` is written twice")
                                .label(v.span, "again here")
                                .help("one `loop N` per prompt: the whole line plays N times"),
                        );
                    }
                    loops = values::count(cx, &v, LOOP, 1).or(loops);
                    continue;
                }
            };
            parts.extend(part);
        }
        if !worded {
            return parts;
        }
        match (parts.len(), loops.unwrap_or(1)) {
            (0, _) => Vec::new(),
            (1, 1) => parts,
            (_, loops) => vec![Prompt::Sequence { parts, loops }],
        }
    }

    /// A value without a word before it: text, or audio under `audio`, or a
    /// pause under `pause`.
    fn bare(&mut self, cx: &mut Cx, key: &str, v: Val) -> Option<Prompt> {
        match key {
            AUDIO => self.audio(cx, v),
            PAUSE => pause(cx, v),
            _ => match &v.value {
                Value::Str(s) | Value::Word(s) => {
                    // Plain text is spoken in the call's current language.
                    Some(Prompt::Plain(self.say_text(cx, s, v.span)?))
                }
                Value::Localized(pairs) => Some(Prompt::Text(self.localized(cx, pairs, v.span)?)),
                _ => {
                    values::text(cx, v, key);
                    None
                }
            },
        }
    }

    fn audio(&mut self, cx: &mut Cx, v: Val) -> Option<Prompt> {
        let t = self.template(cx, v, AUDIO)?;
        values::url(cx, &t, v.span, AUDIO, &["http", "https"]);
        Some(Prompt::Audio(t))
    }

    pub(super) fn say_text(&mut self, cx: &mut Cx, text: &str, span: Span) -> Option<Template> {
        let t = self.env.template(cx, text, span)?;
        let bytes = t.display().len() as u64;
        values::limit(cx, self.scope.targets(), Limit::SayText, bytes, span);
        Some(t)
    }

    pub(super) fn localized(
        &mut self,
        cx: &mut Cx,
        pairs: &[(
            crate::source::Spanned<String>,
            crate::source::Spanned<String>,
        )],
        span: Span,
    ) -> Option<Vec<(String, Template)>> {
        let mut out: Vec<(String, Template)> = Vec::new();
        for (lang, text) in pairs {
            values::language_key(cx, lang, "write a language and region, like `en-IN`");
            if out.iter().any(|(l, _)| l == &lang.value) {
                cx.push(
                    Diagnostic::new(
                        Code::DuplicateKey,
                        format!("text for `{}` is written twice", lang.value),
                    )
                    .label(lang.span, "again here")
                    .help("one text per language"),
                );
                continue;
            }
            if let Some(t) = self.say_text(cx, &text.value, text.span) {
                out.push((lang.value.clone(), t));
            }
        }
        let language = self.scope.language();
        if !pairs.iter().any(|(l, _)| l.value == language) {
            cx.push(
                Diagnostic::new(
                    Code::MissingField,
                    format!("no text for `{language}`, the flow's language"),
                )
                .label(span, format!("add a line for `{language}`"))
                .help("a prompt per language must include the flow's default language: it is used when the call's language has no text"),
            );
        }
        Some(out)
    }

    /// The prompts of a `say`/`play` node: every `text`, `audio` and `pause`
    /// line in order (a line's pieces join the rest unless it loops).
    pub(super) fn say_prompts(&mut self, cx: &mut Cx) -> Vec<Prompt> {
        let mut out = Vec::new();
        for p in self.props.lines(SAY_LINES) {
            for prompt in self.prompt_line(cx, &p.key.value, p) {
                match prompt {
                    Prompt::Sequence { parts, loops: 1 } => out.extend(parts),
                    other => out.push(other),
                }
            }
        }
        out
    }

    /// Every line of `key`, each one prompt (or several, without words).
    pub(super) fn prompts_of(&mut self, cx: &mut Cx, key: &'static str) -> Vec<Prompt> {
        let lines = self.props.lines(&[key]);
        lines
            .into_iter()
            .flat_map(|p| self.prompt_line(cx, key, p))
            .collect()
    }

    /// One line under any of `keys`, as one prompt.
    pub(super) fn optional_prompt(&mut self, cx: &mut Cx, keys: &[&'static str]) -> Option<Prompt> {
        let p = self.props.one_line(cx, keys)?;
        let mut prompts = self.prompt_line(cx, &p.key.value, p).into_iter();
        let first = prompts.next();
        if prompts.next().is_some() {
            let extra = p.values.get(1).map_or(p.span, |v| v.span);
            cx.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("`{}` takes one value", p.key.value),
                )
                .label(extra, "an extra value")
                .help("remove the extra values; to play pieces in order, put `pause 1s` or `audio \"…\"` between them"),
            );
        }
        first
    }

    /// `prompt`, then `reprompt`s: attempt n plays prompts[min(n, len-1)].
    pub(super) fn attempts(
        &mut self,
        cx: &mut Cx,
    ) -> (Vec<Prompt>, Option<Prompt>, Option<Prompt>) {
        let written = PROMPT.iter().any(|key| self.props.has(key));
        let mut prompts: Vec<Prompt> = self.optional_prompt(cx, PROMPT).into_iter().collect();
        if !written {
            self.props.missing("prompt", "`prompt \"…\"`");
        }
        prompts.extend(self.prompts_of(cx, "reprompt"));
        let noinput = self.optional_prompt(cx, &["noinput"]);
        let nomatch = self.optional_prompt(cx, &["nomatch"]);
        (prompts, noinput, nomatch)
    }
}

/// The piece word a value is, if it is one: `audio` in `.ivr`, or the one
/// key of a YAML mapping `{audio: …}`.
fn word_of(v: &Spanned<Value>) -> Option<&'static str> {
    PIECES.iter().copied().find(|w| match &v.value {
        Value::Word(x) => x == w,
        Value::Localized(pairs) => pairs.len() == 1 && pairs[0].0.value == *w,
        _ => false,
    })
}

/// Split a line's values into pieces: `audio`/`pause`/`loop` take the value
/// after them (`.ivr`), or are a one-entry mapping (YAML).
fn pieces<'v>(cx: &mut Cx, values: &'v [Spanned<Value>]) -> Vec<Piece<'v>> {
    let mut out = Vec::new();
    let mut iter = values.iter().peekable();
    while let Some(v) = iter.next() {
        let Some(word) = word_of(v) else {
            out.push(Piece::Bare(v));
            continue;
        };
        if let Value::Localized(pairs) = &v.value {
            let text = &pairs[0].1;
            let value = match text.value.trim().parse::<f64>() {
                Ok(n) if word == LOOP => Value::Number(n),
                _ => Value::Str(text.value.clone()),
            };
            out.push(Piece::Word(word, Spanned::new(value, text.span)));
            continue;
        }
        match iter.next() {
            Some(next) => out.push(Piece::Word(word, next.clone())),
            None => cx.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("`{word}` needs a value after it"),
                )
                .label(v.span, "nothing follows")
                .help(match word {
                    AUDIO => "write `audio \"https://…\"`",
                    PAUSE => "write `pause 1s`",
                    _ => "write `loop 2` to play the whole line twice",
                }),
            ),
        }
    }
    out
}

/// `pause 2s`: whole seconds, at least one.
fn pause(cx: &mut Cx, v: Val) -> Option<Prompt> {
    let seconds = values::seconds(cx, v, PAUSE)?;
    if seconds == 0 {
        cx.push(
            Diagnostic::new(Code::InvalidValue, "a pause of no time")
                .label(v.span, "0 seconds")
                .help("write `pause 1s` or longer, or remove it"),
        );
        return None;
    }
    Some(Prompt::Pause(seconds))
}
