//! The words of the language, for editors: each node kind's properties and
//! exits, the flow header's settings, the built-in values.
//!
//! The words are listed here; what they mean is read from docs/LANGUAGE.md
//! itself (included at build time), so an editor's hover shows the manual's
//! own text and there is no second copy to drift. Tests hold the table, the
//! manual and the checker to each other: every word listed is documented in
//! its kind's section, every property row of the manual is listed, and the
//! checker accepts every listed property and exit.

/// What one node kind accepts.
#[derive(Debug)]
pub struct KindWords {
    pub kind: &'static str,
    pub properties: &'static [&'static str],
    /// The named exits (menu choices, `when` arms, split shares and module
    /// returns come on top).
    pub exits: &'static [&'static str],
    /// Exits that may be left out.
    pub optional_exits: &'static [&'static str],
}

const MISSES: &[&str] = &["noinput_exhausted", "nomatch_exhausted", "visits_exhausted"];

/// Every node kind, in the order of [`crate::syntax::ast::NODE_KINDS`].
pub const KINDS: &[KindWords] = &[
    KindWords {
        kind: "say",
        properties: &["text", "audio", "pause", "loop"],
        exits: &["next"],
        optional_exits: &[],
    },
    KindWords {
        kind: "play",
        properties: &["text", "audio", "pause", "loop"],
        exits: &["next"],
        optional_exits: &[],
    },
    KindWords {
        kind: "menu",
        properties: &[
            "prompt",
            "reprompt",
            "noinput",
            "nomatch",
            "timeout",
            "max_noinput",
            "max_nomatch",
            "max_visits",
            "input",
            "digits",
            "min_digits",
            "max_digits",
            "finish",
            "inter_digit",
            "into",
        ],
        exits: &["exhausted"],
        optional_exits: MISSES,
    },
    KindWords {
        kind: "gather",
        properties: &[
            "prompt",
            "reprompt",
            "noinput",
            "nomatch",
            "input",
            "digits",
            "min_digits",
            "max_digits",
            "finish",
            "timeout",
            "pattern",
            "attempts",
            "max_noinput",
            "max_nomatch",
            "max_visits",
            "hints",
            "into",
        ],
        exits: &["done", "exhausted"],
        optional_exits: MISSES,
    },
    KindWords {
        kind: "branch",
        properties: &[],
        exits: &["else"],
        optional_exits: &[],
    },
    KindWords {
        kind: "split",
        properties: &["percent"],
        exits: &[],
        optional_exits: &[],
    },
    KindWords {
        kind: "set",
        properties: &[],
        exits: &["next"],
        optional_exits: &[],
    },
    KindWords {
        kind: "hours",
        properties: &["open", "holiday"],
        exits: &["open", "closed"],
        optional_exits: &[],
    },
    KindWords {
        kind: "transfer",
        properties: &["to", "caller_id", "ring_timeout", "record", "prompt"],
        exits: &["answered", "busy", "no_answer", "failed"],
        optional_exits: &[],
    },
    KindWords {
        kind: "queue",
        properties: &["name", "prompt", "hold_music", "announce_every", "max_wait"],
        exits: &["bridged", "timeout", "failed"],
        optional_exits: &[],
    },
    KindWords {
        kind: "record",
        properties: &[
            "prompt",
            "max_length",
            "beep",
            "finish",
            "trim",
            "timeout",
            "into",
            "transcribe",
        ],
        exits: &["done", "empty"],
        optional_exits: &[],
    },
    KindWords {
        kind: "record_call",
        properties: &[],
        exits: &["next"],
        optional_exits: &[],
    },
    KindWords {
        kind: "http",
        properties: &["method", "url", "header", "body", "timeout", "into"],
        exits: &["ok", "error"],
        optional_exits: &[],
    },
    KindWords {
        kind: "sms",
        properties: &["to", "text", "dlt_template"],
        exits: &["sent", "failed"],
        optional_exits: &[],
    },
    KindWords {
        kind: "ai",
        properties: &[
            "url", "greeting", "param", "into", "mode", "result", "timeout",
        ],
        exits: &["done", "failed"],
        optional_exits: &[],
    },
    KindWords {
        kind: "hangup",
        properties: &["text", "audio"],
        exits: &[],
        optional_exits: &[],
    },
    KindWords {
        kind: "run",
        properties: &["module"],
        exits: &[],
        optional_exits: &[],
    },
];

/// The settings of a flow header (and `var`), as docs/LANGUAGE.md's
/// "The flow header" table lists them.
pub const HEADER: &[&str] = &[
    "language",
    "voice",
    "timezone",
    "targets",
    "start",
    "max_prompts",
    "var",
];

/// The words of a module's head.
pub const MODULE_HEAD: &[&str] = &["param", "returns", "start"];

/// Values every call has, readable in conditions and `{…}` templates.
pub const BUILTINS: &[&str] = &[
    "call.from",
    "call.to",
    "call.direction",
    "call.sid",
    "call.answered_by",
    "language",
];

/// Variable types.
pub const TYPES: &[&str] = &["string", "number", "digits", "bool", "json"];

pub fn kind(name: &str) -> Option<&'static KindWords> {
    KINDS.iter().find(|k| k.kind == name)
}

/// The manual, read at build time.
const MANUAL: &str = include_str!("../../docs/LANGUAGE.md");

/// The manual's section of a node kind (from its `###` heading up to the next
/// heading), as markdown.
/// A section that only says "See [Modules](#modules)." gives the one it names.
pub fn kind_doc(kind: &str) -> Option<&'static str> {
    let own =
        section(|heading| heading.starts_with("### ") && backticked(heading).any(|w| w == kind))?;
    let body = own.split_once('\n').map_or("", |(_, body)| body.trim());
    match body
        .strip_prefix("See [")
        .and_then(|rest| rest.split_once(']'))
    {
        Some((title, _)) => section(|heading| heading.trim_start_matches('#').trim() == title),
        None => Some(own),
    }
}

/// The manual's row for a property of `kind` (or of the flow header when
/// `kind` is `None`), as markdown: "`timeout` (default `5s`): wait for …".
pub fn property_doc(kind: Option<&str>, property: &str) -> Option<String> {
    let section = match kind {
        Some(kind) => kind_doc(kind)?,
        None => section(|heading| heading == "## The flow header")?,
    };
    table_rows(section).find_map(|cells| {
        let names: Vec<&str> = backticked(cells[0]).map(first_word).collect();
        if !names.contains(&property) {
            return None;
        }
        let text = match cells.as_slice() {
            [name, default, meaning, ..] if !default.is_empty() && !meaning.is_empty() => {
                format!("{name} (default {default}): {meaning}")
            }
            [name, rest @ ..] => {
                let rest: Vec<&str> = rest.iter().copied().filter(|c| !c.is_empty()).collect();
                format!("{name}: {}", rest.join(" — "))
            }
            [] => return None,
        };
        Some(text)
    })
}

/// The property names a section's tables list (the first cell of each row).
pub fn documented_properties(section: &str) -> Vec<&str> {
    table_rows(section)
        .flat_map(|cells| backticked(cells[0]).map(first_word).collect::<Vec<_>>())
        .collect()
}

fn section(is_heading: impl Fn(&str) -> bool) -> Option<&'static str> {
    let mut offset = 0;
    let mut start = None;
    for line in MANUAL.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if let Some(begun) = start {
            if trimmed.starts_with("## ") || trimmed.starts_with("### ") {
                return Some(&MANUAL[begun..offset]);
            }
        } else if is_heading(trimmed) {
            start = Some(offset);
        }
        offset += line.len();
    }
    start.map(|begun| &MANUAL[begun..])
}

/// The cells of the rows of a section's property tables (those whose
/// header says `property` or `setting`), header and rule rows left out.
fn table_rows(section: &str) -> impl Iterator<Item = Vec<&str>> {
    let mut in_table = false;
    let mut wanted = false;
    section.lines().filter_map(move |line| {
        if !line.starts_with('|') {
            in_table = false;
            return None;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        if !in_table {
            in_table = true;
            wanted = matches!(cells[0], "property" | "setting");
            return None;
        }
        (wanted && cells[0].starts_with('`')).then_some(cells)
    })
}

/// The `code` spans of a markdown line.
fn backticked(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

/// `open "Mon-Fri 09:00-18:00"` → `open`; `var name: type` → `var`.
fn first_word(code: &str) -> &str {
    code.split([' ', ':']).next().unwrap_or(code)
}

#[cfg(test)]
mod tests;
