//! Reading a node's (or a flow header's) properties.
//!
//! A [`Props`] remembers every key it was asked for; whatever is left unread
//! at [`Props::finish`] is an unknown property, and the asked-for keys are the
//! "did you mean" candidates. Values are gathered across repeated properties,
//! because `.ivr` writes `open "…"` twice where YAML writes `open: [ "…", "…" ]`,
//! and both must mean the same.

use super::Cx;
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::{Span, Spanned};
use crate::syntax::ast::{self, Value};

/// Who the properties belong to, for messages: "`menu main`", "flow `support`".
#[derive(Clone, Debug)]
pub(super) struct Owner {
    pub what: String,
    pub span: Span,
}

impl Owner {
    pub fn unit(unit: &ast::Unit) -> Owner {
        let kind = match unit.kind {
            ast::UnitKind::Flow => "flow",
            ast::UnitKind::Module => "module",
        };
        Owner {
            what: format!("{kind} `{}`", unit.name.value),
            span: unit.name.span,
        }
    }

    pub fn node(node: &ast::Node) -> Owner {
        Owner {
            what: format!("`{} {}`", node.kind.value, node.name.value),
            span: node.name.span,
        }
    }
}

pub(super) struct Props<'a> {
    owner: Owner,
    props: Vec<&'a ast::Property>,
    used: Vec<bool>,
    asked: Vec<&'static str>,
    missing: Vec<(&'static str, String)>,
}

pub(super) type Val<'a> = &'a Spanned<Value>;

impl<'a> Props<'a> {
    pub fn new(owner: &Owner, props: impl IntoIterator<Item = &'a ast::Property>) -> Self {
        let props: Vec<_> = props.into_iter().collect();
        Props {
            owner: owner.clone(),
            used: vec![false; props.len()],
            props,
            asked: Vec::new(),
            missing: Vec::new(),
        }
    }

    /// Is `key` written at all?
    pub fn has(&self, key: &str) -> bool {
        self.props.iter().any(|p| p.key.value == key)
    }

    /// Where `key` is first written, without using it up.
    pub fn span_of(&self, key: &str) -> Option<Span> {
        self.props
            .iter()
            .find(|p| p.key.value == key)
            .map(|p| p.span)
    }

    fn mark(&mut self, keys: &[&'static str]) -> Vec<&'a ast::Property> {
        for key in keys {
            if !self.asked.contains(key) {
                self.asked.push(key);
            }
        }
        let mut out = Vec::new();
        for (i, p) in self.props.iter().enumerate() {
            if keys.contains(&p.key.value.as_str()) {
                self.used[i] = true;
                out.push(*p);
            }
        }
        out
    }

    /// Every property written with this key, in order (`header`, `param`:
    /// each property is one pair).
    pub fn entries(&mut self, key: &'static str) -> Vec<&'a ast::Property> {
        self.mark(&[key])
    }

    /// All values of `key`, across repeated properties, in written order.
    pub fn all(&mut self, key: &'static str) -> Vec<Val<'a>> {
        self.all_of(&[key]).into_iter().map(|(_, v)| v).collect()
    }

    /// All values of any of `keys`, in written order, with the key each was
    /// written under (`text` and `audio` lines of a `say` play in order).
    pub fn all_of(&mut self, keys: &[&'static str]) -> Vec<(&'a str, Val<'a>)> {
        let mut out = Vec::new();
        for p in self.mark(keys) {
            out.extend(p.values.iter().map(|v| (p.key.value.as_str(), v)));
        }
        out
    }

    /// Every property written under any of `keys`, in order: each line of a
    /// prompt is one prompt (its values are pieces played in order).
    pub fn lines(&mut self, keys: &[&'static str]) -> Vec<&'a ast::Property> {
        self.mark(keys)
    }

    /// At most one property under any of `keys` (a second is reported), with
    /// all its values.
    pub fn one_line(&mut self, cx: &mut Cx, keys: &[&'static str]) -> Option<&'a ast::Property> {
        let written = self.mark(keys);
        let first = *written.first()?;
        for p in &written[1..] {
            Self::report_twice(cx, first, p);
        }
        Some(first)
    }

    fn report_twice(cx: &mut Cx, first: &ast::Property, p: &ast::Property) {
        let message = if p.key.value == first.key.value {
            format!("`{}` is set twice", p.key.value)
        } else {
            format!(
                "`{}` and `{}` both set the same thing",
                first.key.value, p.key.value
            )
        };
        cx.push(
            Diagnostic::new(Code::DuplicateKey, message)
                .label(p.key.span, "set again here")
                .label(first.key.span, "first set here")
                .help("keep one of them"),
        );
    }

    /// At most one value under any of `keys` (aliases, or alternatives such as
    /// `text`/`audio`). A second one is reported.
    pub fn one_of(&mut self, cx: &mut Cx, keys: &[&'static str]) -> Option<(&'a str, Val<'a>)> {
        let written = self.mark(keys);
        let first = written.first()?;
        for p in &written[1..] {
            Self::report_twice(cx, first, p);
        }
        if first.values.len() > 1 {
            cx.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("`{}` takes one value", first.key.value),
                )
                .label(first.values[1].span, "an extra value")
                .help("remove the extra values"),
            );
        }
        first.values.first().map(|v| (first.key.value.as_str(), v))
    }

    pub fn one(&mut self, cx: &mut Cx, key: &'static str) -> Option<Val<'a>> {
        self.one_of(cx, &[key]).map(|(_, v)| v)
    }

    /// One value that must be there; `example` shows how to write it.
    pub fn required(&mut self, cx: &mut Cx, key: &'static str, example: &str) -> Option<Val<'a>> {
        let present = self.has(key);
        let value = self.one(cx, key);
        if !present {
            self.missing(key, example);
        }
        value
    }

    /// A required property that is not there; reported at [`Props::finish`],
    /// unless an unknown property there looks like a misspelling of it.
    pub fn missing(&mut self, key: &'static str, example: &str) {
        self.missing.push((key, example.to_string()));
    }

    /// A key written without any value.
    fn report_empty(cx: &mut Cx, p: &ast::Property) {
        cx.push(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`{}` has no value", p.key.value),
            )
            .label(p.key.span, "a value should follow")
            .help(format!("write `{} <value>`", p.key.value)),
        );
    }

    /// Report every property nobody asked for, and the missing ones.
    pub fn finish(self, cx: &mut Cx) {
        let mut suggested: Vec<&str> = Vec::new();
        for (p, used) in self.props.iter().zip(&self.used) {
            if *used {
                if p.values.is_empty() {
                    Self::report_empty(cx, p);
                }
                continue;
            }
            let key = &p.key.value;
            // By meaning first: a close spelling can be the wrong property
            // (`max_noinput` in a gather is not `noinput`, a prompt).
            let guess =
                meant(key, &self.asked).or_else(|| did_you_mean(key, self.asked.iter().copied()));
            // A misspelt required key is one mistake: report the spelling only.
            if let Some(guess) = &guess {
                let meant = self.asked.iter().copied();
                suggested.extend(meant.filter(|c| *guess == format!("did you mean `{c}`?")));
            }
            let help = guess.unwrap_or_else(|| {
                if self.asked.is_empty() {
                    "remove it".to_string()
                } else {
                    format!("{} takes: {}", self.owner.what, self.asked.join(", "))
                }
            });
            cx.push(
                Diagnostic::new(
                    Code::UnknownField,
                    format!("{} has no property `{key}`", self.owner.what),
                )
                .label(p.key.span, "unknown here")
                .help(help),
            );
        }
        for (key, example) in &self.missing {
            if suggested.contains(key) {
                continue;
            }
            cx.push(
                Diagnostic::new(
                    Code::MissingField,
                    format!("{} needs `{key}`", self.owner.what),
                )
                .label(self.owner.span, format!("no `{key}` here"))
                .help(format!("add {example}")),
            );
        }
    }
}

/// Properties other tools (or the other node kind) call by another name:
/// (what was written, what this kind calls it, why). Only offered when the
/// kind has that property, so the suggestion is valid where it stands.
const SAME_MEANING: &[(&[&str], &str, &str)] = &[
    (
        &["max_attempts", "retries", "max_retries", "tries"],
        "attempts",
        "a `gather` counts every try, silent or wrong, in `attempts`: `attempts 3`",
    ),
    (
        &[
            "attempts",
            "max_attempts",
            "retries",
            "max_retries",
            "tries",
        ],
        "max_noinput",
        "a `menu` counts silences and wrong keys apart: `max_noinput 3` and `max_nomatch 3`",
    ),
    (
        &["finish_key", "finish_on_key", "finishonkey", "terminator"],
        "finish",
        "the key that ends the input is `finish`: `finish \"#\"`",
    ),
    (
        &["num_digits", "numdigits", "length"],
        "digits",
        "an exact number of digits is `digits`: `digits 6`",
    ),
    (
        &["callerid", "caller", "from"],
        "caller_id",
        "the number shown to the callee is `caller_id`: `caller_id \"+918045671200\"`",
    ),
    (
        &["timeout", "ring", "dial_timeout"],
        "ring_timeout",
        "a transfer rings for `ring_timeout`: `ring_timeout 30s`",
    ),
    (
        &["say", "message", "speak"],
        "text",
        "what is spoken is `text`: `text \"Welcome.\"`",
    ),
    (
        &["play", "url", "file"],
        "audio",
        "a recording to play is `audio`: `audio \"https://…/welcome.mp3\"`",
    ),
    (
        &["maxlength", "max_duration", "length", "duration"],
        "max_length",
        "a recording's limit is `max_length`: `max_length 2m`",
    ),
];

fn meant(key: &str, asked: &[&str]) -> Option<String> {
    let key = key.to_ascii_lowercase();
    SAME_MEANING
        .iter()
        .find(|(written, right, _)| written.contains(&key.as_str()) && asked.contains(right))
        .map(|(_, _, why)| (*why).to_string())
}
