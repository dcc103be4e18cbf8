//! What a menu or gather does with what the caller keyed or said: take an
//! exit, or count a miss and ask again.
//!
//! Counting: a menu allows `max_noinput` silences and `max_nomatch` wrong
//! entries, separately; a gather allows `max_attempts` misses of either kind
//! in total, and each kind apart when `max_noinput`/`max_nomatch` are set.
//! The miss that reaches a limit gives up ([`Answer::GiveUp`]) by the exit of
//! its kind (`noinput_exhausted`, `nomatch_exhausted`), else `exhausted`.

use ivr_compiler::graph::{Choice, KeyEntry, NodeId, Type, is_keys};
use serde_json::Value;

use super::Attempts;
use super::eval::compile;

/// What the caller gave, from one event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Heard<'e> {
    Keys(&'e str),
    Words(&'e str),
    Silence,
}

impl Heard<'_> {
    /// Empty keys or blank speech count as silence.
    fn normalised(self) -> Self {
        match self {
            Heard::Keys(k) if k.trim().is_empty() => Heard::Silence,
            Heard::Words(w) if w.trim().is_empty() => Heard::Silence,
            other => other,
        }
    }
}

/// Why the node asks again; it picks the apology said before the reprompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Miss {
    NoInput,
    NoMatch,
}

/// The answer's effect on the node.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// Take the exit named `exit`, storing `value` into the node's variable.
    Leave {
        exit: String,
        target: NodeId,
        value: Option<Value>,
    },
    Again(Miss),
    /// The miss that used up the tries: say its apology, then leave.
    GiveUp {
        miss: Miss,
        exit: &'static str,
        target: NodeId,
    },
}

/// Where a node goes when its tries run out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exhausted {
    pub any: NodeId,
    pub noinput: Option<NodeId>,
    pub nomatch: Option<NodeId>,
}

impl Exhausted {
    fn give_up(&self, miss: Miss) -> Answer {
        let (own, name) = match miss {
            Miss::NoInput => (self.noinput, "noinput_exhausted"),
            Miss::NoMatch => (self.nomatch, "nomatch_exhausted"),
        };
        let (exit, target) = match own {
            Some(target) => (name, target),
            None => ("exhausted", self.any),
        };
        Answer::GiveUp { miss, exit, target }
    }
}

/// The rules of one menu, as the graph gives them.
pub struct Menu<'g> {
    pub choices: &'g [Choice],
    /// None: the first key decides.
    pub entry: Option<&'g KeyEntry>,
    pub max_noinput: u32,
    pub max_nomatch: u32,
    pub exhausted: Exhausted,
}

/// A menu answer. Keys: with one-key menus the first key pressed decides;
/// with longer entries the whole entry (finish key dropped) must equal an
/// entry or match a choice's pattern. Speech: a phrase (or key entry) said
/// as whole words, or digits said that make an entry. The first choice that
/// matches wins; its value is what was keyed or said.
pub fn menu(menu: &Menu, attempts: &mut Attempts, heard: Heard) -> Answer {
    let chosen = match heard.normalised() {
        Heard::Silence => {
            attempts.noinput += 1;
            if attempts.noinput >= menu.max_noinput {
                return menu.exhausted.give_up(Miss::NoInput);
            }
            return Answer::Again(Miss::NoInput);
        }
        Heard::Keys(keys) => entry(menu, keys),
        // Digits said ("1 0 1 2.") are an entry as if keyed; other speech
        // is looked for phrases ("press 1" says the key `1`).
        Heard::Words(words) if is_keys(&squeezed(words)) => entry(menu, &squeezed(words)),
        Heard::Words(words) => menu
            .choices
            .iter()
            .find(|c| c.entries().any(|e| said(words, e)))
            .map(|c| (c, words.trim().to_string())),
    };
    match chosen {
        Some((choice, value)) => Answer::Leave {
            exit: choice.key.clone(),
            target: choice.target,
            value: Some(Value::String(value)),
        },
        None => {
            attempts.nomatch += 1;
            if attempts.nomatch >= menu.max_nomatch {
                return menu.exhausted.give_up(Miss::NoMatch);
            }
            Answer::Again(Miss::NoMatch)
        }
    }
}

/// The choice keys pick, with the entry they make: the first key alone on a
/// one-key menu, else all of them but a trailing finish key.
fn entry<'c>(menu: &Menu<'c>, keys: &str) -> Option<(&'c Choice, String)> {
    let keys = keys.trim();
    let entry = match menu.entry {
        None => keys.chars().next().map(String::from).unwrap_or_default(),
        Some(rules) => match rules.finish_key {
            Some(finish) => keys.strip_suffix(finish).unwrap_or(keys).to_string(),
            None => keys.to_string(),
        },
    };
    keyed(menu.choices, &entry).map(|c| (c, entry))
}

/// The choice a keyed entry picks: an equal entry, or a matching pattern.
fn keyed<'c>(choices: &'c [Choice], entry: &str) -> Option<&'c Choice> {
    if entry.is_empty() {
        return None;
    }
    choices.iter().find(|c| {
        c.entries().any(|e| e == entry)
            || c.pattern.as_deref().is_some_and(|p| {
                compile(&format!("^(?:{p})$")).is_some_and(|re| re.is_match(entry))
            })
    })
}

/// Speech read as keys: "1 0-0 5." → "1005".
fn squeezed(words: &str) -> String {
    words
        .trim()
        .trim_end_matches('.')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// Does the speech contain the phrase, as whole words, ignoring case and
/// punctuation? ("Uh, billing please." says "billing".)
fn said(speech: &str, phrase: &str) -> bool {
    let phrase = words(phrase);
    !phrase.is_empty() && format!(" {} ", words(speech)).contains(&format!(" {phrase} "))
}

fn words(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_punctuation() || c == '।' {
                ' '
            } else {
                c
            }
        })
        .collect();
    spaced
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The rules of one gather, as the graph gives them.
pub struct Gather<'g> {
    pub min_digits: u32,
    pub max_digits: u32,
    pub finish_key: Option<char>,
    pub pattern: Option<&'g str>,
    /// Misses of both kinds together.
    pub max_attempts: u32,
    pub max_noinput: Option<u32>,
    pub max_nomatch: Option<u32>,
    /// The type of the `into` variable.
    pub ty: Type,
    pub done: NodeId,
    pub exhausted: Exhausted,
}

/// A gather answer: valid input leaves by `done` with the value to store.
pub fn gather(gather: &Gather, attempts: &mut Attempts, heard: Heard) -> Answer {
    let (kind, count, limit) = match heard.normalised() {
        Heard::Silence => {
            attempts.noinput += 1;
            (Miss::NoInput, attempts.noinput, gather.max_noinput)
        }
        heard => match accept(gather, heard) {
            Some(value) => {
                return Answer::Leave {
                    exit: "done".into(),
                    target: gather.done,
                    value: Some(value),
                };
            }
            None => {
                attempts.nomatch += 1;
                (Miss::NoMatch, attempts.nomatch, gather.max_nomatch)
            }
        },
    };
    let used = attempts.noinput + attempts.nomatch;
    if used >= gather.max_attempts || limit.is_some_and(|max| count >= max) {
        gather.exhausted.give_up(kind)
    } else {
        Answer::Again(kind)
    }
}

/// Validate input and give it the variable's type, or None for a no-match.
///
/// Keys must be DTMF keys, `min_digits..=max_digits` of them (a trailing
/// finish key is dropped first). Speech into a `digits` or `number` variable
/// is read as keys once spaces and dashes are removed ("4 2-7" → "427");
/// speech into a `string` is taken as said. Then the whole text must match
/// `pattern`; then a `number` must parse.
pub fn accept(gather: &Gather, heard: Heard) -> Option<Value> {
    let text = match heard {
        Heard::Keys(keys) => {
            let keys = keys.trim();
            let keys = match gather.finish_key {
                Some(finish) => keys.strip_suffix(finish).unwrap_or(keys),
                None => keys,
            };
            digits(gather, keys)?
        }
        Heard::Words(words) => match gather.ty {
            Type::Digits | Type::Number => {
                let squeezed: String = words
                    .trim()
                    .trim_end_matches('.')
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '-')
                    .collect();
                digits(gather, &squeezed)?
            }
            _ => words.trim().to_string(),
        },
        Heard::Silence => return None,
    };
    if let Some(pattern) = gather.pattern
        && !compile(&format!("^(?:{pattern})$")).is_some_and(|re| re.is_match(&text))
    {
        return None;
    }
    match gather.ty {
        Type::Number => number(&text),
        _ => Some(Value::String(text)),
    }
}

fn digits(gather: &Gather, keys: &str) -> Option<String> {
    let count = keys.chars().count() as u32;
    let keyed = keys
        .chars()
        .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
    let long_enough = count >= gather.min_digits.max(1);
    let short_enough = gather.max_digits == 0 || count <= gather.max_digits;
    (keyed && long_enough && short_enough).then(|| keys.to_string())
}

fn number(text: &str) -> Option<Value> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(Value::from(n));
    }
    let f = text.parse::<f64>().ok()?;
    serde_json::Number::from_f64(f).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn choices() -> Vec<Choice> {
        vec![
            Choice::key("1", NodeId(1)),
            Choice::key("2", NodeId(2)),
            Choice::key("billing", NodeId(3)),
        ]
    }

    fn rules(choices: &[Choice]) -> Menu<'_> {
        Menu {
            choices,
            entry: None,
            max_noinput: 2,
            max_nomatch: 3,
            exhausted: only_exhausted(),
        }
    }

    fn only_exhausted() -> Exhausted {
        Exhausted {
            any: NodeId(9),
            noinput: None,
            nomatch: None,
        }
    }

    #[test]
    fn menu_takes_the_first_key_and_spoken_phrases() {
        let choices = choices();
        let menu = rules(&choices);
        let mut a = Attempts::default();
        let leave = |exit: &str, n, value: &str| Answer::Leave {
            exit: exit.into(),
            target: NodeId(n),
            value: Some(json!(value)),
        };
        assert_eq!(
            super::menu(&menu, &mut a, Heard::Keys("2")),
            leave("2", 2, "2")
        );
        assert_eq!(
            super::menu(&menu, &mut a, Heard::Keys(" 12#")),
            leave("1", 1, "1")
        );
        assert_eq!(
            super::menu(&menu, &mut a, Heard::Words("Uh, Billing please.")),
            leave("billing", 3, "Uh, Billing please.")
        );
        assert_eq!(
            super::menu(&menu, &mut a, Heard::Words("press 1")),
            leave("1", 1, "press 1")
        );
        assert_eq!(a, Attempts::default(), "a match counts no miss");
    }

    #[test]
    fn menu_counts_silences_and_wrong_keys_separately() {
        let choices = choices();
        let menu = rules(&choices);
        let mut a = Attempts::default();
        assert_eq!(
            super::menu(&menu, &mut a, Heard::Keys("7")),
            Answer::Again(Miss::NoMatch)
        );
        assert_eq!(
            super::menu(&menu, &mut a, Heard::Silence),
            Answer::Again(Miss::NoInput)
        );
        assert_eq!(
            super::menu(&menu, &mut a, Heard::Words("rebilling")),
            Answer::Again(Miss::NoMatch)
        );
        assert_eq!(
            super::menu(&menu, &mut a, Heard::Keys("")),
            exhausted(Miss::NoInput),
            "2nd silence of 2"
        );
        assert_eq!(
            a,
            Attempts {
                noinput: 2,
                nomatch: 2
            }
        );
        let mut a = Attempts {
            noinput: 0,
            nomatch: 2,
        };
        assert_eq!(
            super::menu(&menu, &mut a, Heard::Keys("#")),
            exhausted(Miss::NoMatch),
            "3rd wrong key of 3"
        );
    }

    fn exhausted(miss: Miss) -> Answer {
        Answer::GiveUp {
            miss,
            exit: "exhausted",
            target: NodeId(9),
        }
    }

    fn pin(ty: Type, pattern: Option<&str>) -> Gather<'_> {
        Gather {
            min_digits: 4,
            max_digits: 6,
            finish_key: Some('#'),
            pattern,
            max_attempts: 3,
            max_noinput: None,
            max_nomatch: None,
            ty,
            done: NodeId(1),
            exhausted: only_exhausted(),
        }
    }

    #[test]
    fn gather_validates_length_keys_and_pattern() {
        let g = pin(Type::Digits, None);
        assert_eq!(accept(&g, Heard::Keys("0071")), Some(json!("0071")));
        assert_eq!(accept(&g, Heard::Keys("0071#")), Some(json!("0071")));
        assert_eq!(accept(&g, Heard::Keys("123")), None, "too short");
        assert_eq!(accept(&g, Heard::Keys("1234567")), None, "too long");
        assert_eq!(accept(&g, Heard::Keys("12a4")), None);
        assert_eq!(accept(&g, Heard::Words("4 2-7 9.")), Some(json!("4279")));
        assert_eq!(accept(&g, Heard::Words("four two")), None);
        let g = pin(Type::Digits, Some("[0-5]+"));
        assert_eq!(accept(&g, Heard::Keys("1234")), Some(json!("1234")));
        assert_eq!(
            accept(&g, Heard::Keys("12349")),
            None,
            "pattern is anchored at the end"
        );
        assert_eq!(
            accept(&pin(Type::Digits, Some("2")), Heard::Keys("1234")),
            None,
            "and at the start"
        );
        assert_eq!(
            accept(&pin(Type::Digits, Some("(")), Heard::Keys("1234")),
            None,
            "bad regex"
        );
    }

    #[test]
    fn gather_types_the_value() {
        assert_eq!(
            accept(&pin(Type::Number, None), Heard::Keys("0042")),
            Some(json!(42))
        );
        assert_eq!(accept(&pin(Type::Number, None), Heard::Keys("12*4")), None);
        let g = pin(Type::String, Some("(?i)yes|no"));
        assert_eq!(accept(&g, Heard::Words(" Yes ")), Some(json!("Yes")));
        assert_eq!(accept(&g, Heard::Words("maybe")), None);
    }

    #[test]
    fn gather_counts_misses_of_both_kinds_together() {
        let g = pin(Type::Digits, None);
        let mut a = Attempts::default();
        assert_eq!(
            gather(&g, &mut a, Heard::Keys("1")),
            Answer::Again(Miss::NoMatch)
        );
        assert_eq!(
            gather(&g, &mut a, Heard::Silence),
            Answer::Again(Miss::NoInput)
        );
        assert_eq!(
            gather(&g, &mut a, Heard::Keys("1")),
            exhausted(Miss::NoMatch)
        );
        let mut a = Attempts::default();
        assert_eq!(
            gather(&g, &mut a, Heard::Keys("9999")),
            Answer::Leave {
                exit: "done".into(),
                target: NodeId(1),
                value: Some(json!("9999"))
            }
        );
    }

    #[test]
    fn gather_gives_up_by_the_exit_of_the_miss_that_ran_out() {
        let mut g = pin(Type::Digits, None);
        g.max_attempts = 5;
        g.max_noinput = Some(1);
        g.max_nomatch = Some(3);
        g.exhausted.nomatch = Some(NodeId(7));
        let mut a = Attempts::default();
        assert_eq!(
            gather(&g, &mut a, Heard::Silence),
            Answer::GiveUp {
                miss: Miss::NoInput,
                exit: "exhausted",
                target: NodeId(9)
            },
            "no `noinput_exhausted`: the shared exit"
        );
        let mut a = Attempts::default();
        gather(&g, &mut a, Heard::Keys("1"));
        gather(&g, &mut a, Heard::Keys("2"));
        assert_eq!(
            gather(&g, &mut a, Heard::Keys("3")),
            Answer::GiveUp {
                miss: Miss::NoMatch,
                exit: "nomatch_exhausted",
                target: NodeId(7)
            }
        );
    }

    #[test]
    fn gather_total_bound_gives_up_by_the_last_miss() {
        let mut g = pin(Type::Digits, None);
        g.max_attempts = 2;
        g.max_nomatch = Some(5);
        g.exhausted.noinput = Some(NodeId(6));
        let mut a = Attempts::default();
        assert_eq!(
            gather(&g, &mut a, Heard::Keys("1")),
            Answer::Again(Miss::NoMatch)
        );
        assert_eq!(
            gather(&g, &mut a, Heard::Silence),
            Answer::GiveUp {
                miss: Miss::NoInput,
                exit: "noinput_exhausted",
                target: NodeId(6)
            }
        );
    }

    #[test]
    fn long_entries_match_exactly_or_by_pattern_and_digits_may_be_said() {
        let choices = vec![
            Choice::key("0", NodeId(1)),
            Choice {
                key: "1000-1019".into(),
                also: vec!["operator".into()],
                pattern: Some("10[0-1][0-9]".into()),
                target: NodeId(2),
            },
        ];
        let entry = KeyEntry {
            min_digits: 1,
            max_digits: 4,
            finish_key: Some('#'),
            inter_digit_ms: None,
        };
        let menu = Menu {
            entry: Some(&entry),
            ..rules(&choices)
        };
        let mut a = Attempts::default();
        let pick = |a: &mut Attempts, heard| match super::menu(&menu, a, heard) {
            Answer::Leave { exit, value, .. } => Some((exit, value)),
            _ => None,
        };
        assert_eq!(
            pick(&mut a, Heard::Keys("0#")),
            Some(("0".into(), Some(json!("0"))))
        );
        assert_eq!(
            pick(&mut a, Heard::Keys("1012")),
            Some(("1000-1019".into(), Some(json!("1012"))))
        );
        assert_eq!(
            pick(&mut a, Heard::Words("1 0 1 2.")),
            Some(("1000-1019".into(), Some(json!("1012")))),
            "an extension said as digits"
        );
        assert_eq!(
            pick(&mut a, Heard::Words("The operator")),
            Some(("1000-1019".into(), Some(json!("The operator"))))
        );
        assert_eq!(pick(&mut a, Heard::Keys("00")), None);
        assert_eq!(
            pick(&mut a, Heard::Keys("1000-1019")),
            None,
            "the written form is no entry"
        );
        assert_eq!(a.nomatch, 2);
    }
}
