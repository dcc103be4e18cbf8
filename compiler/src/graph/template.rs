//! Text with `{var}` holes: `"Your order {order_id} is {order.status}."`
//!
//! In spoken text a hole may say how it is read: `{order_id:digits}` reads
//! "013" as "zero one three" (see [`SayAs`]).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Template(pub Vec<Segment>);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    Text(String),
    /// A path: `["order", "status"]`. `env.NAME` reads the server's environment
    /// (secrets for HTTP headers) and is allowed only in `http` nodes.
    Var(Vec<String>),
    /// A hole read a particular way: `{order_id:digits}`. Only spoken text
    /// takes one (the checker refuses it in URLs, numbers, SMS…).
    Spoken {
        path: Vec<String>,
        how: SayAs,
    },
}

/// How a `{var:format}` hole is read aloud.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SayAs {
    /// One character at a time: "013" → "zero one three".
    Digits,
    /// An ISO date, `2026-12-25`: "25 December 2026".
    Date,
    /// A 24-hour time, `14:30`: "2:30 PM".
    Time,
    /// An amount in the currency of the call's region: "12.50" in en-IN →
    /// "12 rupees and 50 paise".
    Currency,
    /// A phone number, digit by digit in groups.
    Phone,
}

impl SayAs {
    pub const ALL: [SayAs; 5] = [
        SayAs::Digits,
        SayAs::Date,
        SayAs::Time,
        SayAs::Currency,
        SayAs::Phone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SayAs::Digits => "digits",
            SayAs::Date => "date",
            SayAs::Time => "time",
            SayAs::Currency => "currency",
            SayAs::Phone => "phone",
        }
    }

    pub fn parse(word: &str) -> Option<SayAs> {
        SayAs::ALL.into_iter().find(|f| f.as_str() == word)
    }
}

/// What a `transfer` target reaches, from the text its template starts with:
/// `sip:…` a SIP address, `client:…` a Twilio Client identity (a browser or
/// app agent), anything else a phone number. Decided on the template, never on
/// the rendered text, so a variable cannot turn a number into an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Address {
    Number,
    Sip,
    Client,
}

impl Address {
    pub const SIP: &'static str = "sip:";
    pub const CLIENT: &'static str = "client:";
}

/// Why a template did not parse: byte offset (within the text) and reason.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
}

impl Template {
    pub fn literal(text: &str) -> Self {
        if text.is_empty() {
            Template(Vec::new())
        } else {
            Template(vec![Segment::Text(text.to_string())])
        }
    }

    /// Parse `{path}` holes. `\{` and `\}` were already resolved by the
    /// `.ivr` lexer into private-use characters U+E000/U+E001, which become
    /// literal braces here; YAML writes `{{` and `}}` for literal braces.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\u{E000}' => literal.push('{'),
                '\u{E001}' => literal.push('}'),
                '{' if matches!(chars.peek(), Some((_, '{'))) => {
                    chars.next();
                    literal.push('{');
                }
                '}' if matches!(chars.peek(), Some((_, '}'))) => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let start = i + 1;
                    let Some(end) = text[start..].find('}').map(|e| start + e) else {
                        return Err(TemplateError {
                            offset: i,
                            len: text.len() - i,
                            message: "unclosed `{`".into(),
                        });
                    };
                    let written = text[start..end].trim();
                    let (inner, how) = match written.split_once(':') {
                        Some((path, format)) => {
                            let format = format.trim();
                            let Some(how) = SayAs::parse(format) else {
                                let known: Vec<&str> =
                                    SayAs::ALL.iter().map(|f| f.as_str()).collect();
                                return Err(TemplateError {
                                    offset: i,
                                    len: end + 1 - i,
                                    message: format!(
                                        "`{format}` is not a way to read a value (use {})",
                                        known.join(", ")
                                    ),
                                });
                            };
                            (path.trim(), Some(how))
                        }
                        None => (written, None),
                    };
                    let path: Vec<String> =
                        inner.split('.').map(|s| s.trim().to_string()).collect();
                    let valid = !inner.is_empty()
                        && path.iter().enumerate().all(|(k, p)| {
                            !p.is_empty()
                                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                                && (k > 0 || !p.starts_with(|c: char| c.is_ascii_digit()))
                        });
                    if !valid {
                        return Err(TemplateError {
                            offset: i,
                            len: end + 1 - i,
                            message: format!("`{{{inner}}}` is not a variable name"),
                        });
                    }
                    if !literal.is_empty() {
                        segments.push(Segment::Text(std::mem::take(&mut literal)));
                    }
                    segments.push(match how {
                        Some(how) => Segment::Spoken { path, how },
                        None => Segment::Var(path),
                    });
                    while chars.peek().is_some_and(|(j, _)| *j <= end) {
                        chars.next();
                    }
                }
                '}' => {
                    return Err(TemplateError {
                        offset: i,
                        len: 1,
                        message: "`}` without a matching `{`".into(),
                    });
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            segments.push(Segment::Text(literal));
        }
        Ok(Template(segments))
    }

    /// What this template reaches as a `transfer` target.
    pub fn address(&self) -> Address {
        match self.0.first() {
            Some(Segment::Text(t)) if t.starts_with(Address::SIP) => Address::Sip,
            Some(Segment::Text(t)) if t.starts_with(Address::CLIENT) => Address::Client,
            _ => Address::Number,
        }
    }

    /// Does the text have holes?
    pub fn is_literal(&self) -> bool {
        self.vars().next().is_none()
    }

    pub fn vars(&self) -> impl Iterator<Item = &[String]> {
        self.0.iter().filter_map(|s| match s {
            Segment::Var(p) | Segment::Spoken { path: p, .. } => Some(p.as_slice()),
            Segment::Text(_) => None,
        })
    }

    /// Every hole's path, to rename variables (a module's, inlined).
    pub fn paths_mut(&mut self) -> impl Iterator<Item = &mut Vec<String>> {
        self.0.iter_mut().filter_map(|s| match s {
            Segment::Var(p) | Segment::Spoken { path: p, .. } => Some(p),
            Segment::Text(_) => None,
        })
    }

    /// The first hole with a read-as format, if any.
    pub fn spoken(&self) -> Option<(&[String], SayAs)> {
        self.0.iter().find_map(|s| match s {
            Segment::Spoken { path, how } => Some((path.as_slice(), *how)),
            _ => None,
        })
    }

    /// The text with holes shown as `{path}` (for pictures and messages).
    pub fn display(&self) -> String {
        self.0
            .iter()
            .map(|s| match s {
                Segment::Text(t) => t.clone(),
                Segment::Var(p) => format!("{{{}}}", p.join(".")),
                Segment::Spoken { path, how } => {
                    format!("{{{}:{}}}", path.join("."), how.as_str())
                }
            })
            .collect()
    }

    /// Fill the holes. `lookup` returns the text for a path, or None (left empty).
    pub fn render(&self, mut lookup: impl FnMut(&[String]) -> Option<String>) -> String {
        let mut out = String::new();
        for s in &self.0 {
            match s {
                Segment::Text(t) => out.push_str(t),
                Segment::Var(p) | Segment::Spoken { path: p, .. } => {
                    out.push_str(&lookup(p).unwrap_or_default())
                }
            }
        }
        out
    }
}
