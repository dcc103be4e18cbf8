//! Nodes the caller hears and answers: `say`/`play`, `gather`, `hangup` (`menu`
//! has its own file).

use super::entry::GatherInput;
use super::*;

impl Build<'_> {
    pub(super) fn say(&mut self, cx: &mut Cx) -> PendingKind {
        let written = self.props.all_of(SAY);
        if written.is_empty() {
            self.props
                .missing("text", "`text \"…\"` or `audio \"https://…\"`");
        }
        let prompts = written
            .into_iter()
            .filter_map(|(key, v)| self.prompt(cx, key, v))
            .collect();
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

    pub(super) fn gather(&mut self, cx: &mut Cx) -> PendingKind {
        let (prompts, noinput, nomatch) = self.attempts(cx);
        let (input, input_at) = self.input(cx);
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
        let finish_at = self.props.has("finish");
        let finish_key = self.finish_key(cx);
        let timeout_ms = self.input_timeout(cx);
        let mut pattern_at = None;
        let pattern = self.props.one(cx, "pattern").and_then(|v| {
            let p = values::text(cx, v, "pattern")?;
            // The runtime anchors it (`^(?:…)$`): that form must compile too.
            let ok = types::pattern_ok(cx, &p, v.span)
                && types::pattern_ok(cx, &format!("^(?:{p})$"), v.span);
            pattern_at = Some(v.span);
            ok.then_some(p)
        });
        let (max_attempts, max_noinput, max_nomatch) = self.misses(cx);
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
        let (noinput_exhausted, nomatch_exhausted, visits) = self.bounds(cx);
        let ty = into.as_ref().and_then(|v| self.scope.vars.get(v).copied());
        let digit_rules = [digits, min, max]
            .into_iter()
            .flatten()
            .next()
            .map(|v| v.span);
        self.gather_checks(
            cx,
            GatherInput {
                input,
                input_at,
                ty,
                digit_rules,
                finish: finish_at.then_some(finish_key),
                finish_key,
                pattern: pattern.as_deref().zip(pattern_at),
                min_digits,
                max_digits,
            },
        );
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
            max_noinput,
            max_nomatch,
            noinput_exhausted,
            nomatch_exhausted,
            visits,
        })
    }

    pub(super) fn hangup(&mut self, cx: &mut Cx) -> PendingKind {
        let prompt = self.optional_prompt(cx, SAY);
        Self::node(NodeKind::Hangup { prompt })
    }
}
