//! `menu`: choices of one key or several (`"10"`, `"1000-1019"`, `"/9[0-9]+/"`),
//! keyed or said (`"2", "sales", "sell something" -> sales`); and what menus
//! and gathers share: `input`, the exhaustion exits and `max_visits`. Input a
//! caller could never give is E031; a choice that makes the caller wait out
//! the timeout because it begins a longer one is W030.

use super::keyed::{self, Entry};
use super::*;
use crate::graph::VisitLimit;

/// Exits a menu has besides its choices, in `NodeKind::exits()` order.
const MENU_EXITS: &[&str] = &[
    "exhausted",
    "noinput_exhausted",
    "nomatch_exhausted",
    "visits_exhausted",
];

use super::entry::Accepts;

impl Build<'_> {
    /// `input dtmf`, `input speech`, `input dtmf speech` (default `dtmf`).
    pub(super) fn input(&mut self, cx: &mut Cx) -> (Input, Option<Span>) {
        let mut dtmf = false;
        let mut speech = false;
        let mut at = None;
        for v in self.props.all("input") {
            at = Some(v.span);
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
        (input, at)
    }

    /// After `exhausted`: the optional `noinput_exhausted` and
    /// `nomatch_exhausted` exits, and `max_visits` with its exit.
    pub(super) fn bounds(
        &mut self,
        cx: &mut Cx,
    ) -> (Option<NodeId>, Option<NodeId>, Option<VisitLimit>) {
        let noinput = self
            .exits
            .optional(cx, self.scope, &self.owner, "noinput_exhausted");
        let nomatch = self
            .exits
            .optional(cx, self.scope, &self.owner, "nomatch_exhausted");
        let max = self
            .props
            .one(cx, "max_visits")
            .and_then(|v| values::count(cx, v, "max_visits", 1));
        let visits = match max {
            Some(max) => Some(VisitLimit {
                max,
                exhausted: self.exit(cx, "visits_exhausted"),
            }),
            None => {
                for exit in self.exits.remaining() {
                    if name_of(exit) == "visits_exhausted" {
                        self.exits.skip(exit);
                        cx.push(
                            Diagnostic::new(
                                Code::MissingField,
                                "`visits_exhausted` without `max_visits`",
                            )
                            .label(exit.name.span, "taken once the node is entered too often")
                            .help("say how often a call may enter this node: `max_visits 3`"),
                        );
                    }
                }
                None
            }
        };
        (noinput, nomatch, visits)
    }

    pub(super) fn menu(&mut self, cx: &mut Cx) -> PendingKind {
        let (prompts, noinput, nomatch) = self.attempts(cx);
        let (input, input_at) = self.input(cx);
        let timeout_ms = self.input_timeout(cx);
        let max_noinput = self.count(cx, "max_noinput", 3, 1);
        let max_nomatch = self.count(cx, "max_nomatch", 3, 1);
        let rules = self.rules(cx);
        let into = if self.props.has("into") {
            self.into(cx, &[Type::Digits, Type::String], 0)
        } else {
            None
        };
        let mut choices: Vec<Choice> = Vec::new();
        let mut accepts: Vec<Accepts> = Vec::new();
        let mut seen: Vec<(String, Span)> = Vec::new();
        for exit in self.exits.remaining() {
            let name = name_of(exit);
            if MENU_EXITS.contains(&name) || choices.iter().any(|c| c.key == name) {
                continue;
            }
            let quoted = matches!(exit.name.value, ast::ExitName::Key(_));
            if !quoted && matches!(keyed::classify(name), Entry::Phrase(_)) {
                // A bare word is a phrase only where speech is heard, and
                // only if it is no misspelt exit; else `finish` reports it.
                if !input.speech() || did_you_mean(name, MENU_EXITS.iter().copied()).is_some() {
                    continue;
                }
            }
            let written = std::iter::once((name, exit.name.span))
                .chain(exit.also.iter().map(|a| (a.value.as_str(), a.span)));
            let mut patterns = Vec::new();
            for (text, span) in written {
                match keyed::classify(text) {
                    Entry::Keys(_) => {
                        once(cx, &mut seen, text.to_string(), span, "key");
                        accepts.push(Accepts::Keys(text, span));
                    }
                    Entry::Pattern(p) => {
                        if !types::pattern_ok(cx, &format!("^(?:{p})$"), span) {
                            continue;
                        }
                        if let Some(shape) = keyed::shape(&p) {
                            accepts.push(Accepts::Pattern(text.to_string(), shape, span));
                        }
                        patterns.push(p);
                    }
                    Entry::Phrase(p) => {
                        if !input.speech() {
                            cx.push(
                                Diagnostic::new(
                                    Code::ImpossibleInput,
                                    format!("`{p}` can never be chosen: this menu hears keys only"),
                                )
                                .label(span, "a spoken phrase")
                                .help("add `input dtmf speech` to the menu, or choose by keys"),
                            );
                        }
                        once(cx, &mut seen, spoken(&p), span, "phrase");
                    }
                    Entry::BadRange => cx.push(
                        Diagnostic::new(Code::InvalidValue, format!("`{text}` is not a range"))
                            .label(span, "ends of different lengths, or backwards")
                            .help("write both ends with as many digits, the lower first: `\"1000-1019\"`"),
                    ),
                }
            }
            let pattern = match patterns.as_slice() {
                [] => None,
                [one] => Some(one.clone()),
                many => Some(
                    many.iter()
                        .map(|p| format!("(?:{p})"))
                        .collect::<Vec<_>>()
                        .join("|"),
                ),
            };
            let target = self.exit(cx, name);
            choices.push(Choice {
                key: name.to_string(),
                also: exit.also.iter().map(|a| a.value.clone()).collect(),
                pattern,
                target,
            });
        }
        let exhausted = self.exit(cx, "exhausted");
        let (noinput_exhausted, nomatch_exhausted, visits) = self.bounds(cx);
        if let Some(var) = &into {
            // Set on every choice's exit (the first one is recorded by `into`).
            for i in 1..choices.len() {
                self.writes.push(crate::check::Write {
                    var: var.clone(),
                    on_exit: Some(i),
                });
            }
        }
        let entry = self.entry(cx, input, &rules, &accepts);
        if let (Some(var), true) = (&into, input.speech())
            && self.scope.vars.get(var) == Some(&Type::Digits)
        {
            let at = self.props_span("into");
            cx.push(
                Diagnostic::new(
                    Code::ImpossibleInput,
                    format!("speech stored into `{var}`, a `digits` variable"),
                )
                .label(
                    at.unwrap_or(self.owner.span),
                    "what the caller said goes here",
                )
                .label(input_at.unwrap_or(self.owner.span), "speech is heard")
                .help(format!("declare `{var}` as `string`, or take keys only")),
            );
        }
        Self::node(NodeKind::Menu {
            prompts,
            noinput,
            nomatch,
            timeout_ms,
            max_noinput,
            max_nomatch,
            choices,
            exhausted,
            input,
            entry,
            into,
            noinput_exhausted,
            nomatch_exhausted,
            visits,
        })
    }

    fn props_span(&mut self, key: &'static str) -> Option<Span> {
        self.props.entries(key).first().map(|p| p.span)
    }
}

/// Report an entry written twice (in one choice or two).
fn once(cx: &mut Cx, seen: &mut Vec<(String, Span)>, entry: String, span: Span, what: &str) {
    if let Some((_, first)) = seen.iter().find(|(e, _)| *e == entry) {
        cx.push(
            Diagnostic::new(
                Code::DuplicateKey,
                format!("{what} `{entry}` is written twice"),
            )
            .label(span, "written again here")
            .label(*first, "first written here")
            .help("an entry leads to one place; remove one of them"),
        );
    } else {
        seen.push((entry, span));
    }
}

/// A phrase as the runtime compares it: lower case, punctuation as spaces.
fn spoken(phrase: &str) -> String {
    phrase
        .chars()
        .map(|c| if c.is_ascii_punctuation() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}
