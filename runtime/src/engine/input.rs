//! What a menu or gather does with what the caller keyed or said: take an
//! exit, or count a miss and ask again.
//!
//! Counting: a menu allows `max_noinput` silences and `max_nomatch` wrong
//! keys, separately; a gather allows `max_attempts` misses of either kind in
//! total. The miss that reaches the limit takes the `exhausted` exit instead
//! of asking again.

use ivr_compiler::graph::{Choice, NodeId, Type};
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
    /// Take the exit named `exit`, storing `value` into the gather's variable.
    Leave {
        exit: String,
        target: NodeId,
        value: Option<Value>,
    },
    Again(Miss),
}

/// The rules of one menu, as the graph gives them.
pub struct Menu<'g> {
    pub choices: &'g [Choice],
    pub max_noinput: u32,
    pub max_nomatch: u32,
    pub exhausted: NodeId,
}

/// A menu answer: the first choice whose key matches the first key pressed
/// (or, for speech, whose phrase was said) wins.
pub fn menu(menu: &Menu, attempts: &mut Attempts, heard: Heard) -> Answer {
    let chosen = match heard.normalised() {
        Heard::Silence => {
            attempts.noinput += 1;
            return miss(
                Miss::NoInput,
                attempts.noinput >= menu.max_noinput,
                menu.exhausted,
            );
        }
        Heard::Keys(keys) => {
            let first = keys
                .trim()
                .chars()
                .next()
                .map(String::from)
                .unwrap_or_default();
            menu.choices.iter().find(|c| c.key == first)
        }
        Heard::Words(words) => menu.choices.iter().find(|c| said(words, &c.key)),
    };
    match chosen {
        Some(choice) => Answer::Leave {
            exit: choice.key.clone(),
            target: choice.target,
            value: None,
        },
        None => {
            attempts.nomatch += 1;
            miss(
                Miss::NoMatch,
                attempts.nomatch >= menu.max_nomatch,
                menu.exhausted,
            )
        }
    }
}

fn miss(kind: Miss, exhausted: bool, target: NodeId) -> Answer {
    if exhausted {
        Answer::Leave {
            exit: "exhausted".into(),
            target,
            value: None,
        }
    } else {
        Answer::Again(kind)
    }
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
    pub max_attempts: u32,
    /// The type of the `into` variable.
    pub ty: Type,
    pub done: NodeId,
    pub exhausted: NodeId,
}

/// A gather answer: valid input leaves by `done` with the value to store.
pub fn gather(gather: &Gather, attempts: &mut Attempts, heard: Heard) -> Answer {
    let kind = match heard.normalised() {
        Heard::Silence => {
            attempts.noinput += 1;
            Miss::NoInput
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
                Miss::NoMatch
            }
        },
    };
    let used = attempts.noinput + attempts.nomatch;
    miss(kind, used >= gather.max_attempts, gather.exhausted)
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
            Choice {
                key: "1".into(),
                target: NodeId(1),
            },
            Choice {
                key: "2".into(),
                target: NodeId(2),
            },
            Choice {
                key: "billing".into(),
                target: NodeId(3),
            },
        ]
    }

    fn rules(choices: &[Choice]) -> Menu<'_> {
        Menu {
            choices,
            max_noinput: 2,
            max_nomatch: 3,
            exhausted: NodeId(9),
        }
    }

    #[test]
    fn menu_takes_the_first_key_and_spoken_phrases() {
        let choices = choices();
        let menu = rules(&choices);
        let mut a = Attempts::default();
        let leave = |exit: &str, n| Answer::Leave {
            exit: exit.into(),
            target: NodeId(n),
            value: None,
        };
        assert_eq!(super::menu(&menu, &mut a, Heard::Keys("2")), leave("2", 2));
        assert_eq!(
            super::menu(&menu, &mut a, Heard::Keys(" 12#")),
            leave("1", 1)
        );
        assert_eq!(
            super::menu(&menu, &mut a, Heard::Words("Uh, Billing please.")),
            leave("billing", 3)
        );
        assert_eq!(
            super::menu(&menu, &mut a, Heard::Words("press 1")),
            leave("1", 1)
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
            exhausted(),
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
            exhausted(),
            "3rd wrong key of 3"
        );
    }

    fn exhausted() -> Answer {
        Answer::Leave {
            exit: "exhausted".into(),
            target: NodeId(9),
            value: None,
        }
    }

    fn pin(ty: Type, pattern: Option<&str>) -> Gather<'_> {
        Gather {
            min_digits: 4,
            max_digits: 6,
            finish_key: Some('#'),
            pattern,
            max_attempts: 3,
            ty,
            done: NodeId(1),
            exhausted: NodeId(9),
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
        assert_eq!(gather(&g, &mut a, Heard::Keys("1")), exhausted());
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
}
