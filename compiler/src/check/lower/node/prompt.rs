//! Prompts: text in one language or several, audio, and the tapered
//! attempts of `menu` and `gather`.

use super::*;

impl Build<'_> {
    /// A prompt: text (one language or several) or, for `audio`, a URL.
    pub(super) fn prompt(&mut self, cx: &mut Cx, key: &str, v: Val) -> Option<Prompt> {
        if key == "audio" {
            let t = self.template(cx, v, key)?;
            values::url(cx, &t, v.span, key, &["http", "https"]);
            return Some(Prompt::Audio(t));
        }
        let texts = match &v.value {
            Value::Str(s) | Value::Word(s) => {
                vec![(
                    self.scope.language().to_string(),
                    self.say_text(cx, s, v.span)?,
                )]
            }
            Value::Localized(pairs) => self.localized(cx, pairs, v.span)?,
            _ => {
                values::text(cx, v, key);
                return None;
            }
        };
        Some(Prompt::Text(texts))
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
            if !values::is_language_tag(&lang.value) {
                cx.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        format!("`{}` is not a language tag", lang.value),
                    )
                    .label(lang.span, "expected a BCP-47 tag")
                    .help("write a language and region, like `en-IN`"),
                );
            }
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

    pub(super) fn prompts_of(&mut self, cx: &mut Cx, key: &'static str) -> Vec<Prompt> {
        self.props
            .all(key)
            .into_iter()
            .filter_map(|v| self.prompt(cx, key, v))
            .collect()
    }

    pub(super) fn optional_prompt(&mut self, cx: &mut Cx, keys: &[&'static str]) -> Option<Prompt> {
        let (key, v) = self.props.one_of(cx, keys)?;
        self.prompt(cx, key, v)
    }

    /// `prompt`, then `reprompt`s: attempt n plays prompts[min(n, len-1)].
    pub(super) fn attempts(
        &mut self,
        cx: &mut Cx,
    ) -> (Vec<Prompt>, Option<Prompt>, Option<Prompt>) {
        let mut prompts = Vec::new();
        match self.props.one_of(cx, PROMPT) {
            Some((key, v)) => prompts.extend(self.prompt(cx, key, v)),
            None => self.props.missing("prompt", "`prompt \"…\"`"),
        }
        prompts.extend(self.prompts_of(cx, "reprompt"));
        let noinput = self.optional_prompt(cx, &["noinput"]);
        let nomatch = self.optional_prompt(cx, &["nomatch"]);
        (prompts, noinput, nomatch)
    }
}
