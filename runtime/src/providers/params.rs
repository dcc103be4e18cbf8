//! A webhook's parameters, decoded once into one buffer.

use std::fmt;

/// Webhook parameters (form body and/or query string) in arrival order.
///
/// A name may repeat (Twilio can send repeated keys, and the signature covers
/// every value), so this is a multimap kept as pairs, not a map. Every name
/// and value is decoded into one string, side by side, with their bounds
/// beside it: a webhook carries ~30 parameters, and two allocations for all
/// of them cost a turn far less than two per parameter.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// Every name and value, decoded, back to back.
    text: String,
    /// Per pair: where its name starts, where it ends (and its value
    /// starts), where its value ends, as byte offsets in `text`.
    bounds: Vec<(u32, u32, u32)>,
}

impl Params {
    /// Parse `application/x-www-form-urlencoded` text (a POST body or a
    /// query string without its `?`), keeping order and repeats.
    pub fn parse(encoded: &str) -> Self {
        Params::parse_bytes(encoded.as_bytes())
    }

    /// [`Params::parse`] of bytes (a body; bad UTF-8 is replaced).
    pub fn parse_bytes(encoded: &[u8]) -> Self {
        let mut params = Params {
            text: String::with_capacity(encoded.len()),
            bounds: Vec::with_capacity(encoded.iter().filter(|b| **b == b'&').count() + 1),
        };
        for (name, value) in url::form_urlencoded::parse(encoded) {
            params.push(&name, &value);
        }
        params
    }

    /// Add one pair at the end. Inputs are bounded (64 KiB bodies), far
    /// below `u32::MAX`.
    fn push(&mut self, name: &str, value: &str) {
        let start = self.text.len() as u32;
        self.text.push_str(name);
        let middle = self.text.len() as u32;
        self.text.push_str(value);
        self.bounds.push((start, middle, self.text.len() as u32));
    }

    /// Add pairs (e.g. the query string's to a POST body's).
    pub fn extend(&mut self, other: Params) {
        if self.bounds.is_empty() {
            *self = other;
            return;
        }
        for (name, value) in other.pairs() {
            self.push(name, value);
        }
    }

    /// The first value of `name`, matched exactly (Twilio's names are case-sensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// The first value of `name`, ignoring ASCII case (Exotel's docs spell
    /// the same parameter `CallFrom` and `Callfrom`).
    pub fn get_ignore_case(&self, name: &str) -> Option<&str> {
        self.pairs()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every pair, in arrival order (what the Twilio signature is computed over).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> + Clone + '_ {
        self.bounds.iter().map(|&(start, middle, end)| {
            (
                &self.text[start as usize..middle as usize],
                &self.text[middle as usize..end as usize],
            )
        })
    }

    /// How many pairs there are, repeats included.
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Params {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut params = Params::default();
        for (name, value) in iter {
            params.push(name.as_ref(), value.as_ref());
        }
        params
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.pairs()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_keep_repeats_and_match_case_as_asked() {
        let p: Params = [("Digits", "1"), ("Digits", "2"), ("callfrom", "+91")]
            .into_iter()
            .collect();
        assert_eq!(p.get("Digits"), Some("1"));
        assert_eq!(p.len(), 3);
        assert_eq!(p.get("CallFrom"), None);
        assert_eq!(p.get_ignore_case("CallFrom"), Some("+91"));
    }

    #[test]
    fn parses_form_encoding() {
        let p =
            Params::parse("From=%2B14158675309&digits=%221%22&Digits=1&Digits=2&Empty=&Space=a+b");
        assert_eq!(p.get("From"), Some("+14158675309"));
        assert_eq!(p.get("digits"), Some("\"1\""));
        assert_eq!(p.pairs().filter(|(k, _)| *k == "Digits").count(), 2);
        assert_eq!(p.get("Empty"), Some(""));
        assert_eq!(p.get("Space"), Some("a b"));
    }

    #[test]
    fn extending_keeps_arrival_order_and_both_sides() {
        let mut p = Params::parse("a=1&b=2");
        p.extend(Params::parse("b=3&c=%264"));
        let pairs: Vec<_> = p.pairs().collect();
        assert_eq!(pairs, [("a", "1"), ("b", "2"), ("b", "3"), ("c", "&4")]);
        let mut empty = Params::default();
        empty.extend(Params::parse("x=y"));
        assert_eq!(empty.get("x"), Some("y"));
    }

    #[test]
    fn a_name_is_never_read_across_into_its_value() {
        // Back to back in one buffer, "ab" + "c" must not match "a" or "abc".
        let p = Params::parse("ab=c&a=1");
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.get("abc"), None);
        assert_eq!(p.get("ab"), Some("c"));
    }
}
