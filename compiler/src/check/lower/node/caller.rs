//! Nodes the caller hears and answers: `say`/`play`, `menu`, `gather`, `hangup`.

use super::*;

impl Build<'_> {
    pub(super) fn say(&mut self, cx: &mut Cx) -> PendingKind {
        if !SAY_LINES.iter().any(|key| self.props.has(key)) {
            self.props
                .missing("text", "`text \"…\"` or `audio \"https://…\"`");
        }
        let prompts = self.say_prompts(cx);
        let loops = self.count(cx, "loop", 1, 1);
        let next = self.exit(cx, "next");
        Self::node(NodeKind::Say {
            prompts,
            loops,
            next,
        })
    }

    pub(super) fn input_timeout(&mut self, cx: &mut Cx) -> u64 {
        let v = self.props.one(cx, "timeout");
        let ms = v
            .and_then(|v| values::duration_ms(cx, v, "timeout"))
            .unwrap_or(5_000);
        if let Some(v) = v {
            values::limit(
                cx,
                self.scope.targets(),
                Limit::GatherTimeout,
                ms.div_ceil(1000),
                v.span,
            );
        }
        ms
    }

    pub(super) fn menu(&mut self, cx: &mut Cx) -> PendingKind {
        let (prompts, noinput, nomatch) = self.attempts(cx);
        let timeout_ms = self.input_timeout(cx);
        let max_noinput = self.count(cx, "max_noinput", 3, 1);
        let max_nomatch = self.count(cx, "max_nomatch", 3, 1);
        let mut choices = Vec::new();
        for exit in self.exits.remaining() {
            let name = name_of(exit);
            if name == "exhausted" || choices.iter().any(|c: &Choice| c.key == name) {
                continue;
            }
            let quoted = matches!(exit.name.value, ast::ExitName::Key(_));
            if values::is_dtmf_key(name) {
                let target = self.exit(cx, name);
                choices.push(Choice {
                    key: name.to_string(),
                    target,
                });
            } else if quoted || name.chars().all(|c| c.is_ascii_digit()) {
                self.exits.skip(exit);
                cx.push(
                    Diagnostic::new(Code::DuplicateKey, format!("`{name}` is not a single key"))
                        .label(exit.name.span, "a menu choice is one key")
                        .help("use one of 0-9, * and #; to collect several digits use a `gather` node"),
                );
            }
            // Other words are left for `finish`: an unknown exit, maybe a typo of `exhausted`.
        }
        let exhausted = self.exit(cx, "exhausted");
        Self::node(NodeKind::Menu {
            prompts,
            noinput,
            nomatch,
            timeout_ms,
            max_noinput,
            max_nomatch,
            choices,
            exhausted,
        })
    }

    pub(super) fn gather(&mut self, cx: &mut Cx) -> PendingKind {
        let (prompts, noinput, nomatch) = self.attempts(cx);
        let mut dtmf = false;
        let mut speech = false;
        for v in self.props.all("input") {
            // YAML may write `input: dtmf speech` as one text.
            let words: Vec<ast::Value> = match &v.value {
                Value::Str(s) if s.contains(char::is_whitespace) => s
                    .split_whitespace()
                    .map(|w| Value::Word(w.into()))
                    .collect(),
                other => vec![other.clone()],
            };
            for w in words {
                let one = crate::source::Spanned::new(w, v.span);
                match values::choice(cx, &one, "input", INPUTS) {
                    Some(0) => dtmf = true,
                    Some(_) => {
                        speech = true;
                        values::feature(
                            cx,
                            self.scope.targets(),
                            |c| c.speech_input,
                            "speech input",
                            v.span,
                        );
                    }
                    None => {}
                }
            }
        }
        let input = match (dtmf, speech) {
            (true, true) => Input::DtmfSpeech,
            (false, true) => Input::Speech,
            _ => Input::Dtmf,
        };
        let digits = self.props.one(cx, "digits");
        let exact = digits.and_then(|v| values::count(cx, v, "digits", 1));
        let min = self.props.one(cx, "min_digits");
        let max = self.props.one(cx, "max_digits");
        let min_n = min.and_then(|v| values::count(cx, v, "min_digits", 1));
        let max_n = max.and_then(|v| values::count(cx, v, "max_digits", 1));
        if let (Some(d), true) = (digits, min.is_some() || max.is_some()) {
            cx.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    "`digits` and `min_digits`/`max_digits` both set",
                )
                .label(d.span, "`digits` already sets both")
                .help(
                    "keep `digits` for an exact length, or `min_digits`/`max_digits` for a range",
                ),
            );
        }
        let (min_digits, max_digits) = match exact {
            Some(n) => (n, n),
            None => (min_n.unwrap_or(1), max_n.unwrap_or(20)),
        };
        if min_digits > max_digits {
            cx.push(
                Diagnostic::new(Code::InvalidValue, "`min_digits` is more than `max_digits`")
                    .label(
                        min.or(max).map_or(self.owner.span, |v| v.span),
                        format!("{min_digits} > {max_digits}"),
                    )
                    .help("the minimum must not exceed the maximum"),
            );
        }
        let finish_key = self.finish_key(cx);
        let timeout_ms = self.input_timeout(cx);
        let pattern = self.props.one(cx, "pattern").and_then(|v| {
            let p = values::text(cx, v, "pattern")?;
            // The runtime anchors it (`^(?:…)$`): that form must compile too.
            let ok = types::pattern_ok(cx, &p, v.span)
                && types::pattern_ok(cx, &format!("^(?:{p})$"), v.span);
            ok.then_some(p)
        });
        let max_attempts = self.count(cx, "attempts", 3, 1);
        let hints = self
            .props
            .all("hints")
            .into_iter()
            .filter_map(|v| values::text(cx, v, "hints"))
            .collect();
        if !self.props.has("into") {
            self.props
                .missing("into", "`into order_id` (a declared variable)");
        }
        let into = self.into(cx, &[Type::Digits, Type::String, Type::Number], 0);
        let done = self.exit(cx, "done");
        let exhausted = self.exit(cx, "exhausted");
        Self::node(NodeKind::Gather {
            prompts,
            noinput,
            nomatch,
            input,
            min_digits,
            max_digits,
            finish_key,
            timeout_ms,
            pattern,
            max_attempts,
            hints,
            into: into.unwrap_or_default(),
            done,
            exhausted,
        })
    }

    pub(super) fn hangup(&mut self, cx: &mut Cx) -> PendingKind {
        let prompt = self.optional_prompt(cx, SAY);
        Self::node(NodeKind::Hangup { prompt })
    }
}
