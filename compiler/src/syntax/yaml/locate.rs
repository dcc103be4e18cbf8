//! Where things are in a YAML file. serde_yaml hands back values without
//! positions, so this scans the text once more and builds a tree of spans of
//! the same shape: mappings (with key spans), sequences and scalars. The
//! converter walks the value and this tree side by side.
//!
//! It understands what flow files use: block mappings and sequences by
//! indentation (including `- key: value` compact mappings and a sequence at
//! the same indentation as its key), plain, quoted and block (`|`, `>`)
//! scalars, flow collections `{…}` / `[…]`, comments and `---`. It runs only
//! on text serde_yaml accepted, but it never trusts that: on anything it does
//! not understand it gives up on that part ([`Shape::Unknown`]), and the
//! converter then uses the nearest enclosing span. It never panics and its
//! recursion is bounded.

use crate::source::Span;

/// Deeper than serde_yaml's own limit (128), so a file serde_yaml accepted is
/// never cut short here.
const MAX_DEPTH: usize = 200;

/// The position of one YAML value.
#[derive(Debug, Default)]
pub struct Loc {
    /// The whole value, quotes and all.
    pub span: Span,
    pub shape: Shape,
}

#[derive(Debug, Default)]
pub enum Shape {
    /// Not understood: only `span` is known.
    #[default]
    Unknown,
    /// `content` is where the scalar's text starts: after an opening quote,
    /// at the first line of a block scalar.
    Scalar {
        content: usize,
    },
    Map(Vec<Entry>),
    Seq(Vec<Loc>),
}

#[derive(Debug)]
pub struct Entry {
    /// The key as text (unquoted), to match it to serde_yaml's key.
    pub key: String,
    pub key_span: Span,
    /// Key through value.
    pub span: Span,
    pub value: Loc,
}

/// What a lookup found: a child's spans, or the parent's when the child is not known.
#[derive(Clone, Copy)]
pub struct Found<'a> {
    pub key_span: Span,
    pub span: Span,
    pub value: &'a Loc,
}

impl Loc {
    /// Where an expression or text in this scalar starts.
    pub fn content_start(&self) -> usize {
        match self.shape {
            Shape::Scalar { content } => content,
            _ => self.span.start as usize,
        }
    }

    /// The `index`th entry of a mapping whose key reads `key`. Matching by key
    /// first keeps a confused scan from pointing at the wrong line.
    pub fn entry(&self, index: usize, key: &str) -> Found<'_> {
        let fallback = Found {
            key_span: self.span,
            span: self.span,
            value: self,
        };
        let Shape::Map(entries) = &self.shape else {
            return fallback;
        };
        let found = match entries.get(index) {
            Some(e) if e.key == key => Some(e),
            _ => entries.iter().find(|e| e.key == key),
        };
        found.map_or(fallback, |e| Found {
            key_span: e.key_span,
            span: e.span,
            value: &e.value,
        })
    }

    /// The `index`th item of a sequence, or this location.
    pub fn item(&self, index: usize) -> &Loc {
        match &self.shape {
            Shape::Seq(items) => items.get(index).unwrap_or(self),
            _ => self,
        }
    }
}

/// Build the position tree of the first document in `text`.
pub fn locate(text: &str) -> Loc {
    let mut scanner = Scanner {
        b: text.as_bytes(),
        depth: 0,
    };
    match scanner.content_line(0) {
        Some((line, indent)) => scanner.block_node(line + indent, -1).0,
        None => Loc::default(),
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    depth: usize,
}

/// Each block-scanning step returns the location and where to resume: the
/// start of the line after the last line it consumed.
type Step = (Loc, usize);

impl Scanner<'_> {
    fn at(&self, p: usize) -> u8 {
        self.b.get(p).copied().unwrap_or(b'\n')
    }

    fn line_start(&self, p: usize) -> usize {
        self.b[..p.min(self.b.len())]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1)
    }

    fn line_end(&self, p: usize) -> usize {
        self.b[p.min(self.b.len())..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |i| p + i)
    }

    fn next_line(&self, p: usize) -> usize {
        (self.line_end(p) + 1).min(self.b.len())
    }

    fn skip_spaces(&self, mut p: usize) -> usize {
        while matches!(self.at(p), b' ' | b'\t') && p < self.b.len() {
            p += 1;
        }
        p
    }

    /// End of line content at or after `p`: before a ` #` comment and trailing blanks.
    fn content_end(&self, p: usize) -> usize {
        let end = self.line_end(p);
        let mut q = p;
        while q < end {
            if self.b[q] == b'#' && (q == 0 || matches!(self.b[q - 1], b' ' | b'\t')) {
                break;
            }
            q += 1;
        }
        self.trim_end(p, q)
    }

    fn trim_end(&self, from: usize, mut to: usize) -> usize {
        while to > from && matches!(self.b[to - 1], b' ' | b'\t' | b'\r') {
            to -= 1;
        }
        to
    }

    fn is_blank(&self, p: usize) -> bool {
        matches!(self.at(p), b' ' | b'\t' | b'\r' | b'\n')
    }

    /// The first line at or after line start `line` that holds content (not
    /// blank, not only a comment, not a `---`/`...`/`%` marker): (start, indent).
    fn content_line(&self, mut line: usize) -> Option<(usize, usize)> {
        while line < self.b.len() {
            let first = self.skip_spaces(line);
            let indent = first - line;
            let rest = &self.b[first..];
            let marker = indent == 0
                && (rest.first() == Some(&b'%')
                    || ((rest.starts_with(b"---") || rest.starts_with(b"..."))
                        && self.is_blank(first + 3)));
            if !marker && !matches!(self.at(first), b'\n' | b'\r' | b'#') {
                return Some((line, indent));
            }
            line = self.next_line(first);
        }
        None
    }

    fn column(&self, p: usize) -> usize {
        p - self.line_start(p)
    }

    fn is_dash(&self, p: usize) -> bool {
        self.at(p) == b'-' && self.is_blank(p + 1)
    }

    /// A node that starts at `p`, the first content of its line or right after `- `.
    fn block_node(&mut self, p: usize, parent_indent: isize) -> Step {
        if self.depth >= MAX_DEPTH {
            return self.give_up(p);
        }
        self.depth += 1;
        let col = self.column(p);
        let step = if self.is_dash(p) {
            self.block_seq(p, col)
        } else if self.key_at(p).is_some() {
            self.block_map(p, col)
        } else {
            self.scalar(p, parent_indent)
        };
        self.depth -= 1;
        step
    }

    fn give_up(&self, p: usize) -> Step {
        let end = self.content_end(p);
        let loc = Loc {
            span: Span::new(p, end),
            shape: Shape::Unknown,
        };
        (loc, self.next_line(p))
    }

    /// The value after `key:` (`compact` false) or `- ` (`compact` true) at `p`.
    fn value(&mut self, p: usize, indent: usize, compact: bool) -> Step {
        let p = self.skip_spaces(p);
        let indent_i = indent as isize;
        if matches!(self.at(p), b'\n' | b'\r' | b'#') {
            // The value sits on the following lines, or is empty.
            let next = self.next_line(p);
            if let Some((line, line_indent)) = self.content_line(next) {
                let first = line + line_indent;
                if line_indent > indent
                    || (!compact && line_indent == indent && self.is_dash(first))
                {
                    return self.block_node(first, indent_i);
                }
            }
            let loc = Loc {
                span: Span::new(p, p),
                shape: Shape::Scalar { content: p },
            };
            return (loc, next);
        }
        if compact {
            self.block_node(p, indent_i)
        } else {
            self.scalar(p, indent_i)
        }
    }

    fn block_map(&mut self, mut p: usize, col: usize) -> Step {
        let mut entries = Vec::new();
        let mut resume;
        loop {
            let Some((key, key_span, after)) = self.key_at(p) else {
                resume = self.next_line(p);
                break;
            };
            let (value, next) = self.value(after, col, false);
            resume = next;
            let end = (value.span.end as usize).max(after);
            entries.push(Entry {
                key,
                key_span,
                span: Span::new(key_span.start as usize, end),
                value,
            });
            match self.content_line(resume) {
                Some((line, indent)) if indent == col && !self.is_dash(line + indent) => {
                    p = line + indent;
                }
                _ => break,
            }
        }
        let span = match (entries.first(), entries.last()) {
            (Some(first), Some(last)) => first.span.to(last.span),
            _ => Span::new(p, p),
        };
        let loc = Loc {
            span,
            shape: Shape::Map(entries),
        };
        (loc, resume)
    }

    fn block_seq(&mut self, mut p: usize, col: usize) -> Step {
        let start = p;
        let mut items = Vec::new();
        let mut resume;
        let mut end = p + 1;
        loop {
            let (item, next) = self.value(p + 1, col, true);
            resume = next;
            end = end.max(item.span.end as usize).max(p + 1);
            items.push(item);
            match self.content_line(resume) {
                Some((line, indent)) if indent == col && self.is_dash(line + indent) => {
                    p = line + indent;
                }
                _ => break,
            }
        }
        let loc = Loc {
            span: Span::new(start, end),
            shape: Shape::Seq(items),
        };
        (loc, resume)
    }

    /// A block-context key at `p`: its text, span, and the position after the `:`.
    fn key_at(&self, p: usize) -> Option<(String, Span, usize)> {
        let (text, key_end) = match self.at(p) {
            quote @ (b'"' | b'\'') => {
                let close = self.quoted_end(p, quote);
                (self.unquote(p, close), close)
            }
            b'[' | b'{' | b'|' | b'>' | b'!' | b'&' | b'*' | b'?' | b'%' | b'@' | b'`' | b'#' => {
                return None;
            }
            _ => {
                let end = self.content_end(p);
                let colon = (p..end).find(|&q| self.b[q] == b':' && self.is_blank(q + 1))?;
                let key_end = self.trim_end(p, colon);
                (self.slice(p, key_end), key_end)
            }
        };
        let colon = self.skip_spaces(key_end);
        (self.at(colon) == b':' && self.is_blank(colon + 1))
            .then(|| (text, Span::new(p, key_end), colon + 1))
    }

    fn slice(&self, from: usize, to: usize) -> String {
        String::from_utf8_lossy(&self.b[from.min(to)..to.min(self.b.len())]).into_owned()
    }

    /// One past the closing quote of the quoted scalar opening at `p`
    /// (the end of the text when it is not closed).
    fn quoted_end(&self, p: usize, quote: u8) -> usize {
        let mut q = p + 1;
        while q < self.b.len() {
            match self.b[q] {
                b'\\' if quote == b'"' => q += 2,
                b'\'' if quote == b'\'' && self.at(q + 1) == b'\'' => q += 2,
                c if c == quote => return q + 1,
                _ => q += 1,
            }
        }
        self.b.len()
    }

    /// The text of a quoted key, for matching: common escapes only.
    fn unquote(&self, p: usize, end: usize) -> String {
        let quote = self.b[p];
        let inner = self.slice(p + 1, end.saturating_sub(1).max(p + 1));
        if quote == b'\'' {
            return inner.replace("''", "'");
        }
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        }
        out
    }

    /// A scalar or flow collection at `p` in block context; continuation lines
    /// belong to it while they are indented deeper than `parent_indent`.
    fn scalar(&mut self, p: usize, parent_indent: isize) -> Step {
        match self.at(p) {
            b'{' | b'[' => {
                let (loc, end) = self.flow_node(p);
                (loc, self.next_line(end.saturating_sub(1).max(p)))
            }
            quote @ (b'"' | b'\'') => {
                let end = self.quoted_end(p, quote);
                let loc = Loc {
                    span: Span::new(p, end),
                    shape: Shape::Scalar { content: p + 1 },
                };
                (loc, self.next_line(end.saturating_sub(1).max(p)))
            }
            b'|' | b'>' => self.block_scalar(p, parent_indent),
            b'&' | b'!' => {
                // An anchor or tag: the value follows it.
                let mut q = p;
                while q < self.b.len() && !self.is_blank(q) {
                    q += 1;
                }
                if self.depth >= MAX_DEPTH || matches!(self.at(self.skip_spaces(q)), b'\n' | b'\r')
                {
                    return self.give_up(p);
                }
                self.depth += 1;
                let step = self.scalar(self.skip_spaces(q), parent_indent);
                self.depth -= 1;
                step
            }
            _ => {
                let mut end = self.content_end(p);
                let mut resume = self.next_line(p);
                // A plain scalar may continue on deeper-indented lines.
                while let Some((line, indent)) = self.content_line(resume) {
                    if (indent as isize) <= parent_indent {
                        break;
                    }
                    end = self.content_end(line + indent);
                    resume = self.next_line(line);
                }
                let loc = Loc {
                    span: Span::new(p, end),
                    shape: Shape::Scalar { content: p },
                };
                (loc, resume)
            }
        }
    }

    fn block_scalar(&self, p: usize, parent_indent: isize) -> Step {
        let mut end = self.content_end(p);
        let mut resume = self.next_line(p);
        let mut content = resume;
        let mut first = true;
        while let Some((line, indent)) = self.content_line(resume) {
            // Comment-looking lines inside a block scalar are text, but a
            // less-indented line ends it either way.
            if (indent as isize) <= parent_indent {
                break;
            }
            if first {
                content = line + indent;
                first = false;
            }
            end = self.trim_end(line, self.line_end(line));
            resume = self.next_line(line);
        }
        let loc = Loc {
            span: Span::new(p, end),
            shape: Shape::Scalar { content },
        };
        (loc, resume)
    }

    /// Skip blanks, newlines and comments inside a flow collection.
    fn flow_skip(&self, mut p: usize) -> usize {
        loop {
            match self.b.get(p) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => p += 1,
                Some(b'#') => p = self.line_end(p),
                _ => return p,
            }
        }
    }

    /// A node in flow context at `p`: its location and the position after it.
    fn flow_node(&mut self, p: usize) -> (Loc, usize) {
        let p = self.flow_skip(p);
        if self.depth >= MAX_DEPTH {
            let loc = Loc {
                span: Span::new(p, self.b.len()),
                shape: Shape::Unknown,
            };
            return (loc, self.b.len());
        }
        self.depth += 1;
        let out = match self.at(p) {
            b'{' => self.flow_map(p),
            b'[' => self.flow_seq(p),
            quote @ (b'"' | b'\'') => {
                let end = self.quoted_end(p, quote);
                let loc = Loc {
                    span: Span::new(p, end),
                    shape: Shape::Scalar { content: p + 1 },
                };
                (loc, end)
            }
            _ => {
                let mut q = p;
                while q < self.b.len() {
                    let c = self.b[q];
                    let value_colon = c == b':'
                        && matches!(
                            self.at(q + 1),
                            b' ' | b'\t' | b'\r' | b'\n' | b',' | b']' | b'}'
                        );
                    let comment = c == b'#' && q > 0 && matches!(self.b[q - 1], b' ' | b'\t');
                    if matches!(c, b',' | b']' | b'}' | b'\n') || value_colon || comment {
                        break;
                    }
                    q += 1;
                }
                let end = self.trim_end(p, q);
                let loc = Loc {
                    span: Span::new(p, end),
                    shape: Shape::Scalar { content: p },
                };
                (loc, end)
            }
        };
        self.depth -= 1;
        out
    }

    fn flow_map(&mut self, open: usize) -> (Loc, usize) {
        let mut entries = Vec::new();
        let mut p = open + 1;
        loop {
            p = self.flow_skip(p);
            match self.b.get(p) {
                None => break,
                Some(b'}') => {
                    p += 1;
                    break;
                }
                Some(b',') => {
                    p += 1;
                    continue;
                }
                _ => {}
            }
            let (key, after_key) = self.flow_node(p);
            let after_key = after_key.max(p + 1);
            let q = self.flow_skip(after_key);
            let key_text = self.key_text(&key);
            let (value, next) = if self.at(q) == b':' {
                self.flow_node(q + 1)
            } else {
                let empty = Loc {
                    span: Span::new(after_key, after_key),
                    shape: Shape::Scalar { content: after_key },
                };
                (empty, q)
            };
            let end = (value.span.end as usize).max(key.span.end as usize);
            entries.push(Entry {
                key: key_text,
                key_span: key.span,
                span: Span::new(key.span.start as usize, end),
                value,
            });
            p = next.max(after_key);
        }
        let loc = Loc {
            span: Span::new(open, p),
            shape: Shape::Map(entries),
        };
        (loc, p)
    }

    fn flow_seq(&mut self, open: usize) -> (Loc, usize) {
        let mut items = Vec::new();
        let mut p = open + 1;
        loop {
            p = self.flow_skip(p);
            match self.b.get(p) {
                None => break,
                Some(b']') => {
                    p += 1;
                    break;
                }
                Some(b',') => {
                    p += 1;
                    continue;
                }
                _ => {}
            }
            let (item, after) = self.flow_node(p);
            let after = after.max(p + 1);
            let q = self.flow_skip(after);
            if self.at(q) == b':' {
                // `[key: value]` is a one-entry mapping.
                let (value, next) = self.flow_node(q + 1);
                let span = Span::new(item.span.start as usize, value.span.end as usize);
                let entry = Entry {
                    key: self.key_text(&item),
                    key_span: item.span,
                    span,
                    value,
                };
                items.push(Loc {
                    span,
                    shape: Shape::Map(vec![entry]),
                });
                p = next.max(after);
            } else {
                items.push(item);
                p = after;
            }
        }
        let loc = Loc {
            span: Span::new(open, p),
            shape: Shape::Seq(items),
        };
        (loc, p)
    }

    fn key_text(&self, key: &Loc) -> String {
        let (start, end) = (key.span.start as usize, key.span.end as usize);
        match self.at(start) {
            b'"' | b'\'' if end > start => self.unquote(start, end),
            _ => self.slice(start, end),
        }
    }
}
