//! How a menu reads an entry of more than one key: `digits`,
//! `min_digits`/`max_digits` (from the choices unless written), `finish` (no
//! finish key unless written) and `inter_digit`. Entries a caller could never
//! key are E031; an entry that begins a longer one with nothing to end it
//! early is W030.

use super::keyed::{self, Shape};
use super::*;
use crate::check::capabilities;
use crate::graph::KeyEntry;

/// Entries longer than this are not tried when looking for a longer entry
/// that begins like a shorter one (W030): 1,110 candidates at most.
const PREFIX_SEARCH: usize = 3;

/// What the checks need of one written entry.
pub(super) enum Accepts<'e> {
    Keys(&'e str, Span),
    /// The entry as written, what it can match, where.
    Pattern(String, Shape, Span),
}

/// A menu's digit rules, as written.
pub(super) struct Rules {
    digits: Option<(u32, Span)>,
    min: Option<(u32, Span)>,
    max: Option<(u32, Span)>,
    finish: Option<(Option<char>, Span)>,
    inter_digit: Option<(u64, Span)>,
}

impl Rules {
    fn first_written(&self) -> Option<Span> {
        [
            self.digits.map(|(_, s)| s),
            self.min.map(|(_, s)| s),
            self.max.map(|(_, s)| s),
            self.finish.map(|(_, s)| s),
            self.inter_digit.map(|(_, s)| s),
        ]
        .into_iter()
        .flatten()
        .next()
    }
}

/// What the gather checks need.
pub(super) struct GatherInput<'p> {
    pub input: Input,
    pub input_at: Option<Span>,
    /// The type of the `into` variable.
    pub ty: Option<Type>,
    /// Where `digits`, `min_digits` or `max_digits` is written.
    pub digit_rules: Option<Span>,
    /// `finish` as written.
    pub finish: Option<Option<char>>,
    pub finish_key: Option<char>,
    pub pattern: Option<(&'p str, Span)>,
    pub min_digits: u32,
    pub max_digits: u32,
}

impl Build<'_> {
    /// A count of at least 1, with where it is written.
    fn counted(&mut self, cx: &mut Cx, key: &'static str) -> Option<(u32, Span)> {
        let v = self.props.one(cx, key)?;
        Some((values::count(cx, v, key, 1)?, v.span))
    }

    /// `attempts` bounds misses of both kinds together; `max_noinput` and
    /// `max_nomatch` each kind apart. Without `attempts`, an unwritten
    /// per-kind bound is 3 and the total never cuts in first.
    pub(super) fn misses(&mut self, cx: &mut Cx) -> (u32, Option<u32>, Option<u32>) {
        let total = self.counted(cx, "attempts");
        let noinput = self.counted(cx, "max_noinput");
        let nomatch = self.counted(cx, "max_nomatch");
        match (total, noinput, nomatch) {
            (total, None, None) => (total.map_or(3, |(n, _)| n), None, None),
            (Some((t, t_at)), a, b) => {
                for (key, (n, at)) in [("max_noinput", a), ("max_nomatch", b)]
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, v?)))
                {
                    if n > t {
                        cx.push(
                            Diagnostic::new(
                                Code::ImpossibleInput,
                                format!("`{key} {n}` is never reached: `attempts {t}` ends the node first"),
                            )
                            .label(at, format!("{n} misses"))
                            .label(t_at, format!("{t} misses of either kind"))
                            .help(format!("lower `{key}`, or raise `attempts`")),
                        );
                    }
                }
                (t, a.map(|(n, _)| n), b.map(|(n, _)| n))
            }
            (None, a, b) => {
                let (a, b) = (a.map_or(3, |(n, _)| n), b.map_or(3, |(n, _)| n));
                (a + b, Some(a), Some(b))
            }
        }
    }

    /// E031 for a gather: rules its input makes meaningless, a pattern no
    /// allowed length matches, a finish key the pattern needs.
    pub(super) fn gather_checks(&mut self, cx: &mut Cx, g: GatherInput) {
        let at = |s: Option<Span>| s.unwrap_or(self.owner.span);
        if !g.input.keys() {
            if g.finish.is_some() {
                cx.push(
                    Diagnostic::new(Code::ImpossibleInput, "a finish key on speech-only input")
                        .label(at(g.input_at), "no key is ever pressed here")
                        .help("remove `finish`, or write `input dtmf speech`"),
                );
            }
            if let (Some(rules), Some(Type::String)) = (g.digit_rules, g.ty) {
                cx.push(
                    Diagnostic::new(Code::ImpossibleInput, "digit rules on speech-only input")
                        .label(rules, "counts keys")
                        .label(at(g.input_at), "only speech is heard, stored as said")
                        .help("remove the digit rules, or write `input dtmf speech`"),
                );
            }
            if g.ty == Some(Type::Digits) {
                cx.push(
                    Diagnostic::new(
                        Code::ImpossibleInput,
                        "speech stored into a `digits` variable",
                    )
                    .label(at(g.input_at), "only speech is heard")
                    .help(
                        "write `input dtmf speech` so keys are taken too, or store into a `string`",
                    ),
                );
            }
        }
        let keyed = g.input.keys() || matches!(g.ty, Some(Type::Digits | Type::Number));
        let Some((pattern, pattern_at)) = g.pattern else {
            return;
        };
        let Some(shape) = keyed::shape(pattern) else {
            return;
        };
        if keyed && !shape.fits(g.min_digits, g.max_digits) {
            cx.push(
                Diagnostic::new(
                    Code::ImpossibleInput,
                    "no entry of an allowed length matches `pattern`",
                )
                .label(pattern_at, "never matches")
                .label(
                    at(g.digit_rules),
                    format!("entries are {} to {} keys", g.min_digits, g.max_digits),
                )
                .help("make the pattern and the digit rules agree"),
            );
        }
        if let (true, Some(f)) = (g.input.keys(), g.finish_key)
            && shape.uses(f)
        {
            cx.push(
                Diagnostic::new(
                    Code::ImpossibleInput,
                    format!("the finish key `{f}` is also part of `pattern`"),
                )
                .label(pattern_at, format!("needs `{f}`"))
                .help("pressing it ends the entry: choose another `finish` key, or `finish none`"),
            );
        }
    }

    pub(super) fn rules(&mut self, cx: &mut Cx) -> Rules {
        let digits = self.counted(cx, "digits");
        let min = self.counted(cx, "min_digits");
        let max = self.counted(cx, "max_digits");
        let finish = self
            .props
            .one(cx, "finish")
            .and_then(|v| Some((values::finish_key(cx, v)?, v.span)));
        let inter_digit = self
            .props
            .one(cx, "inter_digit")
            .and_then(|v| Some((values::duration_ms(cx, v, "inter_digit")?, v.span)));
        Rules {
            digits,
            min,
            max,
            finish,
            inter_digit,
        }
    }

    /// The menu's entry rules (None: one key decides), checked against its
    /// choices.
    pub(super) fn entry(
        &mut self,
        cx: &mut Cx,
        input: Input,
        rules: &Rules,
        accepts: &[Accepts],
    ) -> Option<KeyEntry> {
        let written = rules.first_written();
        if !input.keys() {
            if let Some(at) = written {
                cx.push(
                    Diagnostic::new(
                        Code::ImpossibleInput,
                        "digit rules on a menu that hears speech only",
                    )
                    .label(at, "no key is ever pressed here")
                    .help("remove the digit rules, or write `input dtmf speech`"),
                );
            }
            return None;
        }
        let lengths = accepts.iter().map(|a| match a {
            Accepts::Keys(k, _) => (k.len(), Some(k.len())),
            Accepts::Pattern(_, shape, _) => (shape.min, shape.max),
        });
        let shortest = lengths.clone().map(|(min, _)| min).min().unwrap_or(1);
        let longest = lengths
            .map(|(_, max)| max)
            .try_fold(1, |m, max| max.map(|x| x.max(m)));
        let patterned = accepts.iter().any(|a| matches!(a, Accepts::Pattern(..)));
        if written.is_none() && longest == Some(1) && !patterned {
            return None;
        }
        let (min, max) = match rules.digits {
            Some((n, at)) => {
                if let Some((_, other)) = rules.min.or(rules.max) {
                    cx.push(
                        Diagnostic::new(
                            Code::ImpossibleInput,
                            "`digits` and `min_digits`/`max_digits` both set",
                        )
                        .label(at, "`digits` sets both")
                        .label(other, "set again here")
                        .help("keep `digits` for an exact length, or `min_digits`/`max_digits` for a range"),
                    );
                }
                (n, n)
            }
            None => {
                let min = rules.min.map_or(shortest.max(1) as u32, |(n, _)| n);
                let max = rules
                    .max
                    .map_or(longest.unwrap_or(20).min(20) as u32, |(n, _)| n);
                (min, max)
            }
        };
        if min > max {
            let at = rules.min.or(rules.max).map_or(self.owner.span, |(_, s)| s);
            cx.push(
                Diagnostic::new(
                    Code::ImpossibleInput,
                    format!("no entry is at least {min} and at most {max} keys long"),
                )
                .label(at, format!("{min} > {max}"))
                .help("the minimum must not exceed the maximum"),
            );
        }
        let finish = rules.finish.and_then(|(k, _)| k);
        for a in accepts {
            let (written, fits, at) = match a {
                Accepts::Keys(k, at) => (*k, (min as usize..=max as usize).contains(&k.len()), *at),
                Accepts::Pattern(p, shape, at) => (p.as_str(), shape.fits(min, max), *at),
            };
            if !fits {
                cx.push(
                    Diagnostic::new(
                        Code::ImpossibleInput,
                        format!("`{written}` can never be keyed"),
                    )
                    .label(at, format!("an entry here is {min} to {max} keys long"))
                    .help("change the menu's `digits`/`min_digits`/`max_digits`, or this entry"),
                );
            }
            let needs_finish = match (finish, a) {
                (Some(f), Accepts::Keys(k, _)) => k.contains(f),
                (Some(f), Accepts::Pattern(_, shape, _)) => shape.uses(f),
                (None, _) => false,
            };
            if let (true, Some(f), Some((_, finish_at))) = (needs_finish, finish, rules.finish) {
                cx.push(
                    Diagnostic::new(
                        Code::ImpossibleInput,
                        format!("the finish key `{f}` is also part of `{written}`"),
                    )
                    .label(at, format!("needs `{f}`"))
                    .label(finish_at, "ends the entry when pressed")
                    .help("choose a finish key no entry uses, or `finish none`"),
                );
            }
        }
        if finish.is_none() {
            self.ambiguous(cx, rules.inter_digit, accepts, max as usize);
        }
        Some(KeyEntry {
            min_digits: min,
            max_digits: max,
            finish_key: finish,
            inter_digit_ms: rules.inter_digit.map(|(ms, _)| ms),
        })
    }

    /// W030: a keyed entry that begins a longer acceptable one, with no
    /// finish key and no wait between keys the targets honour.
    fn ambiguous(
        &self,
        cx: &mut Cx,
        inter_digit: Option<(u64, Span)>,
        accepts: &[Accepts],
        max: usize,
    ) {
        let deaf: Vec<&str> = self
            .scope
            .targets()
            .iter()
            .filter(|p| !capabilities::of(**p).inter_digit_timeout)
            .map(|p| p.as_str())
            .collect();
        if inter_digit.is_some() && deaf.is_empty() {
            return;
        }
        for a in accepts {
            let Accepts::Keys(short, at) = a else {
                continue;
            };
            let longer = accepts.iter().find_map(|b| match b {
                Accepts::Keys(k, span) if k.len() > short.len() && k.starts_with(short) => {
                    Some((k.to_string(), *span))
                }
                Accepts::Pattern(written, shape, span) if begins(shape, written, short, max) => {
                    Some((written.clone(), *span))
                }
                _ => None,
            });
            let Some((long, long_at)) = longer else {
                continue;
            };
            let help = match inter_digit {
                Some(_) => format!(
                    "{} cannot wait a shorter time between keys; add `finish \"#\"` so the caller can end `{short}` at once",
                    deaf.join(" and ")
                ),
                None => format!(
                    "add `finish \"#\"` so the caller can end `{short}` at once, or make no entry begin another"
                ),
            };
            cx.push(
                Diagnostic::new(
                    Code::AmbiguousKeys,
                    format!("`{short}` begins `{long}`: a caller who keys `{short}` waits out the timeout"),
                )
                .label(*at, "complete on its own")
                .label(long_at, "but this entry goes on")
                .help(help),
            );
        }
    }
}

/// Could the pattern match `short` followed by more keys (up to
/// [`PREFIX_SEARCH`] more, within `max`)?
fn begins(shape: &Shape, written: &str, short: &str, max: usize) -> bool {
    if shape.max.is_some_and(|m| m <= short.len()) {
        return false;
    }
    let Some(p) = keyed::pattern_of(written) else {
        return false;
    };
    let Ok(re) = regex::Regex::new(&format!("^(?:{p})$")) else {
        return false;
    };
    let room = max.saturating_sub(short.len()).min(PREFIX_SEARCH);
    (1..=room).any(|n| (0..10usize.pow(n as u32)).any(|i| re.is_match(&format!("{short}{i:0n$}"))))
}
