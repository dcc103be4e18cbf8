//! What a menu entry is, from how it is written: keys (`"10"`), a digit range
//! (`"1000-1019"`), a regular expression (`"/9[0-9]{3}/"`) or a spoken phrase
//! (`"sell something"`). Ranges become regular expressions, so the runtime
//! matches one kind of pattern; their lengths and characters feed the checks
//! (E031, W030).

use regex_syntax::hir::{Class, Hir, HirKind};

/// One written entry of a menu choice.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Entry {
    Keys(String),
    /// A regular expression (unanchored as written; the runtime anchors it).
    Pattern(String),
    Phrase(String),
    /// A range whose ends differ in length or run backwards.
    BadRange,
}

pub(super) fn classify(written: &str) -> Entry {
    if crate::graph::is_keys(written) {
        return Entry::Keys(written.to_string());
    }
    if let Some((lo, hi)) = written.split_once('-')
        && !lo.is_empty()
        && !hi.is_empty()
        && lo.chars().chain(hi.chars()).all(|c| c.is_ascii_digit())
    {
        return match range(lo, hi) {
            Some(p) => Entry::Pattern(p),
            None => Entry::BadRange,
        };
    }
    if written.len() > 2 && written.starts_with('/') && written.ends_with('/') {
        return Entry::Pattern(written[1..written.len() - 1].to_string());
    }
    Entry::Phrase(written.to_string())
}

/// The regular expression of a range or `/…/` entry.
pub(super) fn pattern_of(written: &str) -> Option<String> {
    match classify(written) {
        Entry::Pattern(p) => Some(p),
        _ => None,
    }
}

/// A regular expression for the numbers `lo..=hi`, both written with the same
/// number of digits (leading zeros count): `1000-1019` → `10(?:0[0-9]|1[0-9])`.
pub(super) fn range(lo: &str, hi: &str) -> Option<String> {
    (lo.len() == hi.len() && lo <= hi).then(|| digits_between(lo.as_bytes(), hi.as_bytes()))
}

fn digits_between(lo: &[u8], hi: &[u8]) -> String {
    let Some((&a, lo_rest)) = lo.split_first() else {
        return String::new();
    };
    let (&b, hi_rest) = hi.split_first().expect("same length");
    let any = |n: usize| match n {
        0 => String::new(),
        1 => "[0-9]".to_string(),
        n => format!("[0-9]{{{n}}}"),
    };
    let class = |x: u8, y: u8| {
        if x == y {
            (x as char).to_string()
        } else {
            format!("[{}-{}]", x as char, y as char)
        }
    };
    let n = lo_rest.len();
    if a == b {
        return format!("{}{}", a as char, digits_between(lo_rest, hi_rest));
    }
    let low_full = lo_rest.iter().all(|&c| c == b'0');
    let high_full = hi_rest.iter().all(|&c| c == b'9');
    let mut arms = Vec::new();
    let mut first = a;
    if !low_full {
        arms.push(format!(
            "{}{}",
            a as char,
            digits_between(lo_rest, &vec![b'9'; n])
        ));
        first = a + 1;
    }
    let last = if high_full { b } else { b - 1 };
    if first <= last {
        arms.push(format!("{}{}", class(first, last), any(n)));
    }
    if !high_full {
        arms.push(format!(
            "{}{}",
            b as char,
            digits_between(&vec![b'0'; n], hi_rest)
        ));
    }
    match arms.as_slice() {
        [one] => one.clone(),
        _ => format!("(?:{})", arms.join("|")),
    }
}

/// What a pattern can match: its shortest and longest entry (None: no
/// bound), and whether `key` can appear in an entry.
pub(super) struct Shape {
    pub min: usize,
    pub max: Option<usize>,
    hir: Hir,
}

pub(super) fn shape(pattern: &str) -> Option<Shape> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let props = hir.properties();
    Some(Shape {
        min: props.minimum_len()?,
        max: props.maximum_len(),
        hir,
    })
}

impl Shape {
    /// Can some entry of length within `min..=max` match?
    pub fn fits(&self, min: u32, max: u32) -> bool {
        self.min <= max as usize && self.max.is_none_or(|m| m >= min as usize)
    }

    /// Might the pattern need `key` inside an entry?
    pub fn uses(&self, key: char) -> bool {
        uses(&self.hir, key)
    }
}

fn uses(hir: &Hir, key: char) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => lit.0.contains(&(key as u8)),
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .any(|r| (r.start()..=r.end()).contains(&key)),
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .any(|r| (r.start()..=r.end()).contains(&(key as u8))),
        HirKind::Repetition(r) => r.max != Some(0) && uses(&r.sub, key),
        HirKind::Capture(c) => uses(&c.sub, key),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => hs.iter().any(|h| uses(h, key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        regex::Regex::new(&format!("^(?:{pattern})$"))
            .unwrap()
            .is_match(text)
    }

    #[test]
    fn ranges_match_exactly_their_numbers() {
        for (lo, hi) in [
            ("1000", "1019"),
            ("0", "9"),
            ("07", "42"),
            ("100", "199"),
            ("1234", "5678"),
            ("19", "20"),
            ("000", "999"),
        ] {
            let p = range(lo, hi).unwrap();
            let (l, h): (u32, u32) = (lo.parse().unwrap(), hi.parse().unwrap());
            let width = lo.len();
            for n in 0..10u32.pow(width as u32) {
                let text = format!("{n:0width$}");
                assert_eq!(
                    matches(&p, &text),
                    (l..=h).contains(&n),
                    "{lo}-{hi} on {text}: {p}"
                );
            }
            assert!(!matches(&p, &format!("{l}0")), "{p} stays anchored");
        }
        assert_eq!(range("1000", "1019").unwrap(), "10[0-1][0-9]");
        assert_eq!(range("1005", "1012").unwrap(), "10(?:0[5-9]|1[0-2])");
        assert_eq!(range("100", "199").unwrap(), "1[0-9][0-9]");
        assert_eq!(range("20", "1"), None, "different lengths");
        assert_eq!(range("20", "10"), None, "backwards");
    }

    #[test]
    fn entries_are_keys_ranges_patterns_or_phrases() {
        assert_eq!(classify("10"), Entry::Keys("10".into()));
        assert_eq!(classify("*9#"), Entry::Keys("*9#".into()));
        assert_eq!(classify("100-199"), Entry::Pattern("1[0-9][0-9]".into()));
        assert_eq!(classify("/9[0-9]+/"), Entry::Pattern("9[0-9]+".into()));
        assert_eq!(
            classify("sell something"),
            Entry::Phrase("sell something".into())
        );
        assert_eq!(classify("10-9"), Entry::BadRange);
        assert_eq!(classify("/"), Entry::Phrase("/".into()));
    }

    #[test]
    fn shapes_know_lengths_and_keys() {
        let s = shape(&range("1000", "1019").unwrap()).unwrap();
        assert_eq!((s.min, s.max), (4, Some(4)));
        assert!(s.fits(1, 4) && !s.fits(5, 8) && !s.fits(1, 3));
        assert!(s.uses('0') && s.uses('9') && !s.uses('#'));
        let s = shape("9[0-9]+").unwrap();
        assert_eq!((s.min, s.max), (2, None));
        assert!(s.fits(3, 20));
        assert!(shape("[*]1").unwrap().uses('*'));
    }
}
